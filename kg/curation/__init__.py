"""Curated data: monograph data files and their checks, source texts and quotes, drafting a data
file from a monograph text (ingest), synthetic monographs for scale tests, cross-references.

The first stage: what a curator writes and what the build may trust. Imports only the ground
(:mod:`kg.errors`, :mod:`kg.vocab`, :mod:`kg.schema`, :mod:`kg.names`, :mod:`kg.text`,
:mod:`kg.fileio`, :mod:`kg.resources`).
"""
