"""Supplement knowledge graph: monographs as an RDF graph with provenance, queries and paths.

The package knows no supplement by name: monographs are data files (``kg/monographs/``).
"""
