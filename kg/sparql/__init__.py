"""Queries: the guards, RDF terms and parameter binding, the canned queries, the engines (rdflib,
Oxigraph, a remote endpoint), running ad hoc queries contained, and opening a graph by path.

:mod:`kg.sparql.query` is the front door (``open_engine``, ``run_query``). Imports
:mod:`kg.graph`, :mod:`kg.curation` and the ground.
"""
