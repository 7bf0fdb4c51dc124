"""``kg.vocab.SKG`` and ``ontology/skg.ttl`` declare the same terms, and the ontology is complete.

The expected codes and ranks below are the scales as docs/data-format.md and the design name
them: evidence from ineffective (-3) through insufficient evidence (0) to effective (3), so
"at least possibly effective" is ``rank >= 1``.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.vocab import ONTOLOGY_IRI, SKG

ROOT = Path(__file__).parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "skg.ttl"
CONTEXT_FILE = ROOT / "ontology" / "context.jsonld"

DECLARING_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    SKOS.Concept,
    SKOS.ConceptScheme,
)
NS = str(SKG)
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

# scheme -> (concept class, {notation: rank})
SCALES = {
    SKG.EvidenceScale: (SKG.EvidenceLevel, {
        "effective": 3, "likely-effective": 2, "possibly-effective": 1,
        "insufficient-evidence": 0,
        "possibly-ineffective": -1, "likely-ineffective": -2, "ineffective": -3,
    }),
    SKG.SafetyScale: (SKG.SafetyRating, {
        "likely-safe": 2, "possibly-safe": 1, "possibly-unsafe": -1, "likely-unsafe": -2,
        "unsafe": -3,
    }),
    SKG.SeverityScale: (SKG.Severity, {"major": 3, "moderate": 2, "minor": 1}),
    SKG.LikelihoodScale: (SKG.Likelihood, {"probable": 3, "possible": 2, "uncertain": 1}),
    SKG.PrecautionScale: (SKG.PrecautionStrength, {"do-not-use": 3, "avoid": 2, "caution": 1}),
    SKG.RouteScheme: (SKG.Route, None),
    SKG.UnitScheme: (SKG.Unit, None),
    SKG.FindingDirectionScheme: (SKG.FindingDirection, None),
    SKG.QualifierScheme: (SKG.Qualifier, None),
    SKG.PhysiologicalStateScheme: (SKG.PhysiologicalState, None),
    SKG.InteractionEvidenceScale: (SKG.InteractionEvidence, {"study": 3, "case-report": 2, "mechanism": 1}),
}
CODES = {
    SKG.RouteScheme: {"oral", "intravenous", "enteral-tube", "topical"},
    SKG.UnitScheme: {"g", "mg", "mcg", "mL", "IU"},
    SKG.FindingDirectionScheme: {"improves", "no-effect", "inconsistent", "worsens", "correlated",
                                 "weakly-supported"},
    # "some types of chemotherapy", "animal models of stress", "about one third", "up to 60%"
    SKG.QualifierScheme: {"some-types", "in-animals", "some-people", "approximately", "at-most"},
    # "Pregnancy and breast-feeding: Not enough is known ..."
    SKG.PhysiologicalStateScheme: {"pregnancy", "breast-feeding"},
}
# The relation names docs/data-format.md allows in mechanisms and physiology records.
MECHANISM_RELATIONS = {
    "classifiedAs", "amideOf", "formOf", "convertedTo", "brokenDownBy", "brokenDownIn",
    "carrierOf", "precursorOf", "buildingBlockOf", "sourceOf", "fuels", "lowers", "raises",
    "affects", "protects", "supports", "producedCommerciallyBy", "causedBy",
}
PHYSIOLOGY_RELATIONS = {"producedIn", "distributedBy", "usedBy", "mostAbundantIn"}


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def declared(g: Graph) -> set[URIRef]:
    return {
        s for t in DECLARING_TYPES for s in g.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(NS)
    }


def vocab_terms() -> set[URIRef]:
    return set(dir(SKG))


def local(term: URIRef) -> str:
    return str(term)[len(NS):]


def concepts(g: Graph) -> set[URIRef]:
    return {c for c in g.subjects(RDF.type, SKOS.Concept) if str(c).startswith(NS)}


def test_vocab_and_ontology_declare_the_same_terms():
    g = ontology()
    only_vocab = sorted(local(t) for t in vocab_terms() - declared(g))
    only_ontology = sorted(local(t) for t in declared(g) - vocab_terms())
    assert not only_vocab, f"in kg/vocab.py but not declared in skg.ttl: {only_vocab}"
    assert not only_ontology, f"declared in skg.ttl but not in kg/vocab.py: {only_ontology}"


def test_ontology_uses_no_undeclared_term():
    g = ontology()
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert not used - declared(g), sorted(local(t) for t in used - declared(g))


def test_misspelt_term_raises():
    with pytest.raises(AttributeError):
        SKG.Interactoin  # noqa: B018
    assert SKG.Interaction == URIRef(NS + "Interaction")


@pytest.mark.parametrize("term", sorted(vocab_terms()), ids=local)
def test_term_has_label_and_definition(term: URIRef):
    g = ontology()
    is_concept = (term, RDF.type, SKOS.Concept) in g
    label = SKOS.prefLabel if is_concept else RDFS.label
    labels = [o for o in g.objects(term, label) if isinstance(o, Literal) and o.language == "en"]
    definitions = [o for o in g.objects(term, SKOS.definition)
                   if isinstance(o, Literal) and o.language == "en"]
    assert len(labels) == 1, f"{local(term)}: needs one {label.n3(g.namespace_manager)} @en"
    assert len(definitions) == 1, f"{local(term)}: needs one skos:definition @en"


@pytest.mark.parametrize("scheme", list(SCALES), ids=local)
def test_scheme_concepts_have_codes_and_ranks(scheme: URIRef):
    g = ontology()
    concept_class, expected_ranks = SCALES[scheme]
    members = set(g.subjects(SKOS.inScheme, scheme))
    assert members, f"{local(scheme)} has no concepts"
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert set(g.objects(scheme, SKOS.hasTopConcept)) == members
    notations = Counter()
    ranks = {}
    for c in members:
        assert (c, RDF.type, concept_class) in g, f"{local(c)} is not a {local(concept_class)}"
        assert (c, RDF.type, SKOS.Concept) in g
        assert (c, SKOS.topConceptOf, scheme) in g
        assert len(set(g.objects(c, SKOS.inScheme))) == 1
        (notation,) = g.objects(c, SKOS.notation)
        (rank,) = g.objects(c, SKG.rank)
        assert isinstance(rank, Literal) and rank.datatype == XSD_INTEGER, local(c)
        notations[str(notation)] += 1
        ranks[str(notation)] = rank.toPython()
    duplicates = [n for n, k in notations.items() if k > 1]
    assert not duplicates, f"notation not unique in {local(scheme)}: {duplicates}"
    if expected_ranks is not None:
        assert ranks == expected_ranks
    else:
        assert set(ranks) == CODES[scheme]


def test_every_concept_is_in_exactly_one_known_scheme():
    g = ontology()
    for c in concepts(g):
        schemes = set(g.objects(c, SKOS.inScheme))
        assert len(schemes) == 1 and schemes <= set(SCALES), local(c)


def test_at_least_possibly_effective_is_rank_one_or_more():
    g = ontology()
    at_least = {c for c in g.subjects(SKOS.inScheme, SKG.EvidenceScale)
                if g.value(c, SKG.rank).toPython() >= 1}
    assert at_least == {SKG.EvidenceEffective, SKG.EvidenceLikelyEffective,
                        SKG.EvidencePossiblyEffective}


@pytest.mark.parametrize("parent, names", [
    (SKG.mechanismRelation, MECHANISM_RELATIONS),
    (SKG.physiologyRelation, PHYSIOLOGY_RELATIONS),
], ids=["mechanism", "physiology"])
def test_relation_families(parent: URIRef, names: set[str]):
    g = ontology()
    children = {local(p) for p in g.subjects(RDFS.subPropertyOf, parent)}
    assert children == names
    for name in names:
        assert (SKG[name], RDF.type, OWL.ObjectProperty) in g


def test_entity_and_statement_hierarchy():
    g = ontology()
    entities = {SKG.Substance, SKG.Drug, SKG.DrugClass, SKG.Condition, SKG.Population,
                SKG.AnatomicalEntity, SKG.ChemicalEntity, SKG.Protein, SKG.BiologicalProcess,
                SKG.Organism, SKG.DosageForm, SKG.Procedure}
    statements = {SKG.EffectivenessAssessment, SKG.ClaimedUse, SKG.Finding, SKG.Interaction,
                  SKG.Precaution, SKG.SafetyLimit, SKG.DosingRegimen, SKG.MechanismStatement,
                  SKG.PhysiologyStatement, SKG.Study}
    assert {c for c in g.subjects(RDFS.subClassOf, SKG.Entity)} == entities
    assert {c for c in g.subjects(RDFS.subClassOf, SKG.Statement)} == statements
    assert (SKG.Statement, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in g
    assert (SKG.hasMember, OWL.inverseOf, SKG.memberOf) in g
    assert (SKG.subClassOfClass, RDF.type, OWL.TransitiveProperty) in g


def test_every_property_has_a_kind():
    """Every property is exactly one of object, datatype or annotation property."""
    g = ontology()
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    for term in vocab_terms():
        if local(term)[0].islower():
            found = [k for k in kinds if (term, RDF.type, k) in g]
            assert len(found) == 1, (local(term), found)


def test_ontology_header():
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/skg/ontology/1.0.0")
    assert str(g.value(ONTOLOGY_IRI, OWL.versionInfo)) == "1.0.0"
    assert g.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ONTOLOGY_IRI, DCTERMS.created) == Literal("2026-11-26", datatype=XSD_DATE)
    modified = g.value(ONTOLOGY_IRI, DCTERMS.modified)
    assert modified is not None and modified.datatype == XSD_DATE
    assert str(g.value(ONTOLOGY_IRI, DCTERMS.creator)) == "Supplement knowledge graph project"


def test_context_maps_only_to_declared_terms():
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    assert context["@version"] == 1.1
    assert context["skg"] == NS
    assert context["skgid"] == "https://w3id.org/skg/id/"
    mapped = {
        URIRef(NS + value["@id"].removeprefix("skg:"))
        for value in context.values()
        if isinstance(value, dict) and value.get("@id", "").startswith("skg:")
    }
    assert mapped and mapped <= vocab_terms(), sorted(mapped - vocab_terms())
