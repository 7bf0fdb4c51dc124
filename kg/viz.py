"""Pictures of the graph: which part to show (a view), and the self-contained interactive HTML.

A view is the networkx projection (:func:`kg.paths.project`) narrowed to the relations a reader
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
style are inlined beside it. Static drawings and charts are in :mod:`kg.drawing`.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from rdflib import OWL, RDFS, SKOS, Graph, URIRef

from .errors import NotFound, UsageError
from .vocab import SKG

VIEWS = ["all", "interactions", "evidence", "mechanisms"]

#: Entity type -> fill colour (Okabe-Ito based, readable with black or white text).
TYPE_COLOURS = {
    "Substance": "#0072B2",
    "Drug": "#D55E00",
    "DrugClass": "#E69F00",
    "Condition": "#CC79A7",
    "Population": "#009E73",
    "AnatomicalEntity": "#56B4E9",
    "ChemicalEntity": "#F0E442",
    "Protein": "#8C6D31",
    "BiologicalProcess": "#7F7F7F",
    "Organism": "#2CA02C",
    "DosageForm": "#BCBD22",
}
OTHER_COLOUR = "#B0B0B0"
#: Edge colour by the rank of its severity / evidence concept, from the worst/best end.
SEVERITY_COLOURS = {"major": "#B2182B", "moderate": "#E66101", "minor": "#D9A400"}
EDGE_COLOUR = "#8A8A8A"

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


def local_name(iri: str) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def type_title(type_name: str) -> str:
    """``DrugClass`` -> ``drug class``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type_name).lower() or "other"


def type_colour(type_name: str) -> str:
    return TYPE_COLOURS.get(type_name, OTHER_COLOUR)


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (``#rrggbb``)."""
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lum = 0.2126 * r ** 2.2 + 0.7152 * g ** 2.2 + 0.0722 * b ** 2.2
    return "#000000" if lum > 0.18 else "#FFFFFF"


# ---------------------------------------------------------------------------------------------
# Views


@cache
def view_relations(view: str) -> frozenset[str] | None:
    """The relation IRIs a view shows (None: all but declared inverses).

    :raises UsageError: for an unknown view.
    """
    from .schema import relations

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
    from .schema import ontology

    return frozenset(str(p) for p in ontology().subjects(OWL.inverseOf, None))


@cache
def concept_labels() -> dict[str, str]:
    """Concept IRI -> label, for every scale of the ontology (severity, evidence, ...)."""
    from .schema import ontology

    onto = ontology()
    return {str(c): str(label) for c, label in onto.subject_objects(SKOS.prefLabel)}


@cache
def relation_label(iri: str) -> str:
    from .schema import ontology

    label = ontology().value(URIRef(iri), RDFS.label)
    return str(label) if label is not None else local_name(iri)


@dataclass(frozen=True)
class EdgeInfo:
    """What a picture shows of one edge of the projection."""

    relation: str
    relation_label: str
    statements: tuple[str, ...]
    record_id: str
    severity: str  # concept labels, or ""
    evidence: str
    direction: str
    quotes: tuple[str, ...]

    @property
    def qualifier(self) -> str:
        return self.severity or self.evidence or self.direction

    @property
    def label(self) -> str:
        return f"{self.relation_label} ({self.qualifier})" if self.qualifier else self.relation_label

    @property
    def negative(self) -> bool:
        """Every finding behind the edge found no effect."""
        parts = [d.strip().lower().replace("-", " ") for d in self.direction.split(",")] if self.direction else []
        return bool(parts) and all(p == "no effect" for p in parts)


def edge_info(data: dict) -> EdgeInfo:
    """Read an edge of the projection (attributes as :mod:`kg.paths` and
    :func:`kg.graphexport.add_statement_details` write them)."""
    labels = concept_labels()

    def concept(name: str) -> str:
        value = data.get(name)
        if not value:
            return ""
        return labels.get(str(value), str(value))

    relation = str(data.get("relation") or "")
    quotes = data.get("quote") or ""
    return EdgeInfo(
        relation=relation,
        relation_label=str(data.get("relation_label") or relation_label(relation)),
        statements=tuple(str(data.get("statements") or data.get("statement") or "").split()),
        record_id=str(data.get("record_id") or ""),
        severity=concept("severity"),
        evidence=concept("evidence_level"),
        direction=str(data.get("direction") or ""),
        quotes=tuple(q for q in (quotes if isinstance(quotes, (list, tuple)) else str(quotes).split("\n")) if q),
    )


def node_type(data: dict) -> str:
    return local_name(data.get("type") or "")


def node_label(node: str, data: dict) -> str:
    return str(data.get("label") or local_name(node))


def resolve_focus(graph: Graph, name: str) -> str:
    """The IRI of the entity ``name`` denotes (label, synonym or brand; or an IRI).

    :raises NotFound: with suggestions when nothing matches.
    """
    if name.startswith(("http://", "https://")):
        if (URIRef(name), None, None) not in graph:
            raise NotFound(f"no such entity in the graph: {name}")
        return name
    from .query import open_engine
    from .resolve import resolve_one

    return resolve_one(open_engine(graph), name).iri


def view_graph(graph: Graph, view: str = "all", focus: str | None = None, depth: int | None = None):
    """The projection narrowed to ``view``, around ``focus`` (a name or IRI) up to ``depth`` hops.

    Nodes and edges are inserted in sorted order, so everything drawn from the result is the
    same from run to run.

    :raises UsageError: for an unknown view or a negative depth; :raises NotFound: for an
        unknown focus name.
    """
    import networkx as nx

    from .graphexport import projection

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
    return (Path(__file__).resolve().parent / "data" / "viz.html").read_text(encoding="utf-8")


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

    Positions come from the static drawing's layout (:func:`kg.drawing.layout`), so the page
    shows the same picture as the SVG/PNG, with no label over another, and needs no physics
    simulation: it is drawn the same way every time. Each linked pair of nodes has one edge
    label naming all its relations (on its first edge, which is straight); further edges of the
    pair curve away and stay clickable.
    """
    from . import drawing

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


def _type_order(t: str) -> tuple[int, str]:
    order = list(TYPE_COLOURS)
    return (order.index(t) if t in order else len(order), t)


def title_of(vg) -> str:
    focus = vg.graph.get("focus")
    label = node_label(focus, vg.nodes[focus]) if focus and focus in vg else None
    parts = [f"{vg.graph.get('view', 'all')} view"]
    if label:
        parts.append(f"around {label} (depth {vg.graph.get('depth')})")
    return "Supplement knowledge graph: " + " ".join(parts)


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
    from . import drawing

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
    from . import drawing

    return to_html(vg) if fmt == "html" else drawing.draw(vg, fmt)
