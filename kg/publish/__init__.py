"""Files for other tools and for eyes: exports (Turtle, N-Triples, JSON-LD, GraphML, Cytoscape
JSON, KGX) and pictures (the offline HTML view, SVG and PNG drawings).

Imports :mod:`kg.answers` and the layers below it.
"""
