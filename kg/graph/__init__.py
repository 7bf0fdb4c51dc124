"""Records to RDF: the build (whole, or one monograph at a time), SHACL validation, metadata, the
Oxigraph store a build writes, and reading graph files safely (RDF/XML without entities, JSON-LD
without remote contexts).

Imports :mod:`kg.curation` and the ground.
"""
