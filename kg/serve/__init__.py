"""The graph over HTTP: the read-only SPARQL endpoint behind its guard (:mod:`kg.serve.endpoint`).

Imports :mod:`kg.sparql` and the layers below it.
"""
