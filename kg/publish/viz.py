"""Pictures of the graph: which part to show (a view), and the self-contained interactive HTML.

A view is the networkx projection (:func:`kg.answers.paths.project`) narrowed to the relations a reader
asks about, optionally around one focus entity:

- ``interactions``: substance-drug interactions and drug class membership;
- ``evidence``: effectiveness assessments and the findings behind them;
- ``mechanisms``: mechanism and physiology relations (the ontology's sub-properties of
  ``skg:mechanismRelation`` and ``skg:physiologyRelation``);
- ``all``: every relation but the declared inverses (``owl:inverseOf``), which would only draw
  each edge twice.

The HTML is one file that works offline: the vis-network library that the ``pyvis`` wheel ships
is read from the installed package at run time and inlined (nothing third-party is committed to
this repository, and nothing is fetched from a CDN); the data and the project's own script and
style are inlined beside it. Static drawings and charts are in :mod:`kg.publish.drawing`.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from rdflib import OWL, Graph, URIRef

from kg.errors import NotFound, UsageError
from kg.publish.style import (EDGE_COLOUR, SEVERITY_COLOURS, _type_order, edge_info, node_label, node_type, text_colour,
                              title_of, type_colour)
from kg.vocab import SKG

VIEWS = ["all", "interactions", "evidence", "mechanisms"]

VIS_NETWORK = ("pyvis", "templates/lib/vis-9.1.2/vis-network.min.js")

#: Entities a drawing shows at most, unless asked for more. The static drawings are sized so that
#: labels never shrink: about 500 entities give a PNG of 16 MB drawn in 400 MB of memory, and the
#: whole graph of 22 synthetic monographs (1,270 entities) gave one of 200 MB in 3.4 GB.
MAX_DRAWN_ENTITIES = 500


class TooManyToDraw(UsageError):
    """A view with more entities than a legible drawing holds."""

    def __init__(self, message: str, *, entities: int, limit: int):
        super().__init__(message)
        self.entities, self.limit = entities, limit


# ---------------------------------------------------------------------------------------------
# Views


@cache
def view_relations(view: str) -> frozenset[str] | None:
    """The relation IRIs a view shows (None: all but declared inverses).

    :raises UsageError: for an unknown view.
    """
    from kg.schema import relations

    if view == "all":
        return None
    if view == "interactions":
        rels = {SKG.interactsWith, SKG.memberOf, SKG.subClassOfClass}
    elif view == "evidence":
        rels = {SKG.assessedFor, SKG.findingFor}
    elif view == "mechanisms":
        rels = set(relations(SKG.mechanismRelation).values()) | set(relations(SKG.physiologyRelation).values())
    else:
        raise UsageError(f"unknown view {view!r}; expected one of: {', '.join(VIEWS)}")
    return frozenset(str(r) for r in rels)


@cache
def _inverse_relations() -> frozenset[str]:
    from kg.schema import ontology

    return frozenset(str(p) for p in ontology().subjects(OWL.inverseOf, None))


def resolve_focus(graph: Graph, name: str) -> str:
    """The IRI of the entity ``name`` denotes (label, synonym or brand; or an IRI).

    :raises NotFound: with suggestions when nothing matches.
    """
    if name.startswith(("http://", "https://")):
        if (URIRef(name), None, None) not in graph:
            raise NotFound(f"no such entity in the graph: {name}")
        return name
    from kg.sparql.query import open_engine
    from kg.answers.resolve import resolve_one

    return resolve_one(open_engine(graph), name).iri


def view_graph(graph: Graph, view: str = "all", focus: str | None = None, depth: int | None = None):
    """The projection narrowed to ``view``, around ``focus`` (a name or IRI) up to ``depth`` hops.

    Nodes and edges are inserted in sorted order, so everything drawn from the result is the
    same from run to run.

    :raises UsageError: for an unknown view or a negative depth; :raises NotFound: for an
        unknown focus name.
    """
    import networkx as nx

    from kg.publish.graphexport import projection

    wanted = view_relations(view)
    if depth is not None and depth < 0:
        raise UsageError("--depth must be 0 or more")
    seed = resolve_focus(graph, focus) if focus else None
    if seed is not None and depth is None:
        depth = 1
    full = projection(graph, seeds=[seed] if seed else None, depth=depth)
    inverses = _inverse_relations()
    out = nx.MultiDiGraph()
    edges = []
    for u, v, key, data in full.edges(keys=True, data=True):
        rel = edge_info(data).relation
        if (wanted is None and rel in inverses) or (wanted is not None and rel not in wanted):
            continue
        edges.append((str(u), str(v), str(key), data))
    keep = {u for u, _, _, _ in edges} | {v for _, v, _, _ in edges}
    if seed is not None:
        # Only what is still connected to the focus through the view's own relations.
        simple = nx.Graph()
        simple.add_node(seed)
        simple.add_edges_from((u, v) for u, v, _, _ in edges)
        keep = set(nx.single_source_shortest_path_length(simple, seed, cutoff=depth))
        edges = [e for e in edges if e[0] in keep and e[1] in keep]
    for node in sorted(keep):
        out.add_node(node, **dict(full.nodes[node]) if node in full else {})
    for u, v, key, data in sorted(edges, key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(u, v, key=key, **data)
    out.graph.update(view=view, focus=seed, depth=depth)
    return out


# ---------------------------------------------------------------------------------------------
# Interactive HTML


@cache
def vis_network_js() -> str:
    """The vis-network script shipped inside the installed ``pyvis`` package.

    :raises UsageError: when pyvis is not installed.
    """
    package, path = VIS_NETWORK
    try:
        return importlib_resources.files(package).joinpath(path).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise UsageError(f"the HTML view needs the vis-network script of the {package!r} package "
                         f"({path}): {exc}; install the project with its dependencies") from None


def _template() -> str:
    from kg.resources import data_dir

    return (data_dir() / "viz.html").read_text(encoding="utf-8")


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no '<', '>' or '&' that could end it)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _script_text(js: str) -> str:
    # A literal "</script" inside the library would end the element early.
    return js.replace("</script", "<\\/script")


#: CSS pixels per point: the page draws at the sizes the static layout measured.
PX_PER_PT = 96 / 72


def html_data(vg) -> dict:
    """The nodes (with positions), edges and legend the HTML page draws (plain JSON-able data).

    Positions come from the static drawing's layout (:func:`kg.publish.drawing.layout`), so the page
    shows the same picture as the SVG/PNG, with no label over another, and needs no physics
    simulation: it is drawn the same way every time. Each linked pair of nodes has one edge
    label naming all its relations (on its first edge, which is straight); further edges of the
    pair curve away and stay clickable.
    """
    from kg.publish import drawing

    lay = drawing.layout(vg)
    boxes = dict(zip(lay.nodes, lay.node_boxes))
    labelled = bool(lay.edge_boxes)  # too many edges to label legibly: hover shows each label
    focus = vg.graph.get("focus")
    nodes, types = [], {}
    for node, data in vg.nodes(data=True):
        t = node_type(data)
        fill = type_colour(t)
        types[t] = fill
        box = boxes[node]
        nodes.append({"id": node, "label": node_label(node, data), "text": box.text, "type": t or "unknown",
                      "color": fill, "fontColor": text_colour(fill), "iri": str(data.get("iri", node)),
                      "focus": node == focus,
                      "x": round(box.x * PX_PER_PT, 1), "y": round(-box.y * PX_PER_PT, 1),
                      "size": round(drawing.NODE_FONT * (1.2 if node == focus else 1.0) * PX_PER_PT, 2)})
    edges, parallel = [], {}
    for u, v, key, data in vg.edges(keys=True, data=True):
        info = edge_info(data)
        pair = tuple(sorted((u, v)))
        parallel[pair] = parallel.get(pair, -1) + 1
        edges.append({
            "id": f"{u} {v} {key}", "from": u, "to": v, "label": info.label,
            "text": drawing.edge_label_text(vg, u, v) if labelled and parallel[pair] == 0 else "",
            "relation": info.relation, "relationLabel": info.relation_label,
            "statements": list(info.statements), "recordId": info.record_id,
            "severity": info.severity, "evidence": info.evidence, "direction": info.direction,
            "quotes": list(info.quotes), "color": SEVERITY_COLOURS.get(info.severity.lower(), EDGE_COLOUR),
            "dashes": info.negative, "curve": parallel[pair],
        })
    legend = [{"type": t, "color": c} for t, c in sorted(types.items(), key=lambda tc: _type_order(tc[0]))]
    return {"nodes": nodes, "edges": edges, "legend": legend, "severityColours": SEVERITY_COLOURS,
            "edgeFontSize": round(drawing.EDGE_FONT * PX_PER_PT, 2), "margin": round(drawing.NODE_PAD * PX_PER_PT, 2),
            "centre": drawing.centre_node(vg), "minScale": 0.55, "edgeLabels": labelled,
            "view": vg.graph.get("view", "all"), "focus": focus, "depth": vg.graph.get("depth")}


def to_html(vg) -> str:
    """One self-contained HTML page drawing the view graph ``vg`` (no network access at all)."""
    title = title_of(vg)
    values = {
        "TITLE": html.escape(title),
        "DATA": _script_json(html_data(vg)),
        "VIS_NETWORK": _script_text(vis_network_js()),
    }
    # One pass, so a marker-like string inside the data or the library is never replaced.
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], _template())


# ---------------------------------------------------------------------------------------------
# One entry point for the CLI and the build

#: File suffix -> what ``kg viz`` writes.
PICTURE_SUFFIXES = {".html": "html", ".svg": "svg", ".png": "png"}


def picture_format(path: str) -> str:
    """``html``, ``svg`` or ``png`` from a file name.

    :raises UsageError: for any other suffix.
    """
    suffix = Path(path).suffix.lower()
    try:
        return PICTURE_SUFFIXES[suffix]
    except KeyError:
        raise UsageError(f"cannot tell the picture format from {path!r}; "
                         f"use a file name ending in {', '.join(PICTURE_SUFFIXES)}") from None


def render(graph: Graph, fmt: str, *, view: str = "all", focus: str | None = None, depth: int | None = None,
           chart: str | None = None, max_entities: int | None = MAX_DRAWN_ENTITIES) -> str | bytes:
    """A picture of ``graph``: the HTML page (text) or an SVG/PNG drawing or chart (bytes).

    :raises TooManyToDraw: when the view has more than ``max_entities`` entities (None: no limit).
    :raises UsageError: for a chart asked as HTML, or unknown view, chart or format.
    """
    from kg.publish import drawing

    if chart is not None:
        if fmt not in drawing.PICTURE_FORMATS:
            raise UsageError(f"charts are drawn as {' or '.join(drawing.PICTURE_FORMATS)}, not {fmt}")
        if focus is not None or view != "all":
            raise UsageError("--chart draws the whole graph; leave out --focus and --view")
        return drawing.chart(graph, chart, fmt)
    vg = view_graph(graph, view, focus=focus, depth=depth)
    check_drawable(vg, view, max_entities)
    return draw_view(vg, fmt)


def check_drawable(vg, view: str, max_entities: int | None = MAX_DRAWN_ENTITIES) -> None:
    """:raises TooManyToDraw: when the view ``vg`` has more than ``max_entities`` entities."""
    n = vg.number_of_nodes()
    if max_entities is not None and n > max_entities:
        raise TooManyToDraw(f"the {view} view has {n:,} entities, more than the {max_entities:,} a drawing holds "
                            "legibly; draw part of it with --focus NAME [--depth N] or another --view, or raise "
                            "the limit with --max-entities", entities=n, limit=max_entities)


def draw_view(vg, fmt: str) -> str | bytes:
    """The HTML page (text) or the SVG/PNG drawing (bytes) of a view from :func:`view_graph`."""
    from kg.publish import drawing

    return to_html(vg) if fmt == "html" else drawing.draw(vg, fmt)
