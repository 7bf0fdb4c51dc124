"""GraphML and Cytoscape JSON, both from the networkx projection of :mod:`kg.answers.paths`.

The projection already keeps only scalar attributes on nodes and edges (lists are flattened
there: record ids joined with ``", "``, statement IRIs with spaces, quotes one per line), which is
what GraphML needs. This module adds the one statement attribute the projection does not copy,
the finding ``direction`` (so negative findings, "no effect", survive), then writes the graph.

Each edge gets a unique ``id`` (``subject|relation key|object``), since GraphML tools such as
Gephi merge edges that share one; the projection's own edge key is kept as the ``key``
attribute, so a reader can rebuild the same MultiDiGraph.
"""

from __future__ import annotations

import json

from rdflib import SKOS, Graph, URIRef

from kg.vocab import SKG


def projection(graph: Graph, seeds=None, depth: int | None = None):
    """:func:`kg.answers.paths.project` plus the findings' ``direction`` on their edges."""
    from kg.answers.paths import project

    G = project(graph, seeds=seeds, depth=depth)
    add_statement_details(graph, G)
    return G


def _concept_label(graph: Graph, concept) -> str:
    from kg.publish.style import concept_labels, local_name

    label = graph.value(concept, SKOS.prefLabel)
    return str(label) if label is not None else concept_labels().get(str(concept), local_name(concept))


def add_statement_details(graph: Graph, G) -> None:
    """Copy each edge's statements' finding direction onto the edge, aligned with
    ``record_id`` (``", "``-joined, one entry per statement)."""
    for _, _, data in G.edges(data=True):
        statements = str(data.get("statements") or data.get("statement") or "").split()
        directions = []
        for st in statements:
            concept = graph.value(URIRef(st), SKG.direction)
            directions.append(_concept_label(graph, concept) if concept is not None else "")
        if any(directions):
            data["direction"] = ", ".join(directions)


def edge_id(u: str, v: str, key) -> str:
    return f"{u}|{key}|{v}"


def _with_ids(G):
    import networkx as nx

    out = nx.MultiDiGraph()
    for n, data in G.nodes(data=True):
        out.add_node(n, **{k: v for k, v in data.items() if v is not None})
    for u, v, key, data in G.edges(keys=True, data=True):
        attrs = {k: val for k, val in data.items() if val is not None}
        out.add_edge(u, v, key=key, id=edge_id(u, v, key), key_name=str(key), **attrs)
    return out


def to_graphml(G) -> str:
    """GraphML text of the projection ``G`` (deterministic: insertion order is sorted)."""
    import networkx as nx

    out = _with_ids(G)
    for _, _, data in out.edges(data=True):
        data["key"] = data.pop("key_name")
    lines = nx.generate_graphml(out, encoding="utf-8", prettyprint=True, named_key_ids=True,
                                edge_id_from_attribute="id")
    return "\n".join(lines) + "\n"


def to_cytoscape(G) -> str:
    """Cytoscape JSON (``elements`` of ``nodes`` and ``edges``, as Cytoscape and Cytoscape.js
    read it) of the projection ``G``; each node's ``name`` is its label."""
    import networkx as nx

    out = _with_ids(G)
    for _, _, data in out.edges(data=True):
        data.pop("key_name")
    doc = nx.cytoscape_data(out, name="label", ident="id")
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def graphml(graph: Graph) -> str:
    """The whole graph's projection as GraphML."""
    return to_graphml(projection(graph))


def cytoscape(graph: Graph) -> str:
    """The whole graph's projection as Cytoscape JSON."""
    return to_cytoscape(projection(graph))
