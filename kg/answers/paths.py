"""How two things are connected, and why: the entity graph in networkx, paths, explanations.

The front door of four modules, each with one job:

- :mod:`kg.answers.projection`: :func:`project` turns the RDF graph's direct triples into a
  ``networkx.MultiDiGraph`` of entities (the shape of its nodes and edges is documented there);
- :mod:`kg.answers.walks`: :class:`Step`, the paths between two entities, and their words;
- :mod:`kg.answers.explain`: the direct statements and mechanism paths that explain a connection;
- :mod:`kg.answers.measures`: neighbours, centrality and metapath counts.

Everything below takes only the networkx graph, so it can be tested on tiny hand-made graphs.
"""

from __future__ import annotations

from kg.answers.projection import (entity_classes, MECHANISM_KINDS, MEMBERSHIP, MEMBERSHIP_RELATIONS, project,
                                   REFERENCE_RELATIONS, UPWARD)
from kg.answers.walks import (arrow, DEFAULT_LIMIT, DEFAULT_MAX_HOPS, find_paths, iter_paths, label, Path,
                              path_records, path_text, relation_text, shortest_in_neighbourhood, shortest_paths, Step,
                              step_quotes, step_record, steps_from)
from kg.answers.explain import (class_chains, direct_statements, explain, Explanation, is_mechanism_edge)
from kg.answers.measures import (Centrality, centrality, DAMPING, MAX_METAPATH_PATHS, metapath_of, MetapathCount,
                                 metapaths, Neighbour, neighbours, node_info, path_degree_product, undirected_simple)

__all__ = [
    "DAMPING", "DEFAULT_LIMIT", "DEFAULT_MAX_HOPS", "MAX_METAPATH_PATHS", "MECHANISM_KINDS", "MEMBERSHIP",
    "MEMBERSHIP_RELATIONS", "REFERENCE_RELATIONS", "UPWARD", "arrow", "Centrality", "centrality", "class_chains", "direct_statements",
    "entity_classes", "explain", "Explanation", "find_paths", "is_mechanism_edge", "iter_paths", "label",
    "metapath_of", "MetapathCount", "metapaths", "Neighbour", "neighbours", "node_info", "Path",
    "path_degree_product", "path_records", "path_text", "project", "relation_text", "shortest_in_neighbourhood",
    "shortest_paths", "Step", "step_quotes", "step_record", "steps_from", "undirected_simple",
]
