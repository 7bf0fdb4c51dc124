"""What the ontology allows: concept codes per scheme and relation names per statement kind.

The data files name scale values by code (``possibly-effective``, ``mg``) and relations by local
name (``convertedTo``); both are looked up here in the ontology, so a new code or relation is an
ontology change, never a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import RDFS, SKOS, BNode, Graph, Literal, URIRef

from kg import resources
from kg.vocab import SKG


@dataclass(frozen=True)
class Concept:
    iri: URIRef
    code: str
    label: str
    rank: int | None


@cache
def ontology() -> Graph:
    """The ontology graph (parsed once per process)."""
    g = Graph()
    g.parse(resources.ontology_file(), format="turtle")
    return g


@cache
def canonical_ontology() -> Graph:
    """The ontology with blank nodes (OWL lists) relabelled canonically, for byte-stable output."""
    from rdflib.compare import to_canonical_graph

    g = ontology()
    has_bnodes = any(isinstance(x, BNode) for t in g for x in t)
    return to_canonical_graph(g) if has_bnodes else g


@cache
def concepts(scheme: URIRef) -> dict[str, Concept]:
    """Concepts of ``scheme`` keyed by their ``skos:notation`` code."""
    g = ontology()
    out: dict[str, Concept] = {}
    for c in sorted(g.subjects(SKOS.inScheme, scheme)):
        code = g.value(c, SKOS.notation)
        if code is None:
            continue
        rank = g.value(c, SKG.rank)
        out[str(code)] = Concept(
            iri=URIRef(c),
            code=str(code),
            label=str(g.value(c, SKOS.prefLabel) or code),
            rank=int(rank.toPython()) if isinstance(rank, Literal) else None,
        )
    return out


@cache
def cues(scheme: URIRef) -> dict[str, tuple[str, ...]]:
    """The wording cues (``skg:wordingCue``) of each concept of ``scheme``, keyed by code."""
    g = ontology()
    return {code: tuple(sorted(str(c) for c in g.objects(concept.iri, SKG.wordingCue)))
            for code, concept in concepts(scheme).items()}


@cache
def binding_cues(scheme: URIRef) -> dict[str, tuple[str, ...]]:
    """The binding cues (``skg:bindingCue``) of each concept of ``scheme``, keyed by code: words
    that, in a quote, oblige the statement to carry the concept."""
    g = ontology()
    return {code: tuple(sorted(str(c) for c in g.objects(concept.iri, SKG.bindingCue)))
            for code, concept in concepts(scheme).items()}


@cache
def relations(parent: URIRef) -> dict[str, URIRef]:
    """Sub-properties of ``parent`` keyed by local name (``convertedTo`` -> IRI)."""
    g = ontology()
    prefix = str(SKG)
    return {
        str(p)[len(prefix):]: URIRef(p)
        for p in sorted(g.subjects(RDFS.subPropertyOf, parent))
        if str(p).startswith(prefix)
    }


SCHEMES = {
    "evidence": SKG.EvidenceScale,
    "safety": SKG.SafetyScale,
    "severity": SKG.SeverityScale,
    "likelihood": SKG.LikelihoodScale,
    "precaution": SKG.PrecautionScale,
    "route": SKG.RouteScheme,
    "unit": SKG.UnitScheme,
    "direction": SKG.FindingDirectionScheme,
    "qualifier": SKG.QualifierScheme,
    "state": SKG.PhysiologicalStateScheme,
    "interaction_evidence": SKG.InteractionEvidenceScale,
}
