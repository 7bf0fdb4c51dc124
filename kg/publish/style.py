"""How the pictures look: colours by entity type and severity, names and labels of entities and
relations, edge descriptions and titles; shared by the interactive view (:mod:`kg.publish.viz`),
the static drawings (:mod:`kg.publish.drawing`) and the graph exports
(:mod:`kg.publish.graphexport`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rdflib import RDFS, SKOS, URIRef

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


@cache
def concept_labels() -> dict[str, str]:
    """Concept IRI -> label, for every scale of the ontology (severity, evidence, ...)."""
    from kg.schema import ontology

    onto = ontology()
    return {str(c): str(label) for c, label in onto.subject_objects(SKOS.prefLabel)}


@cache
def relation_label(iri: str) -> str:
    from kg.schema import ontology

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
    """Read an edge of the projection (attributes as :mod:`kg.answers.paths` and
    :func:`kg.publish.graphexport.add_statement_details` write them)."""
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
