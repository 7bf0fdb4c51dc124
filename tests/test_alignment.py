"""The ontology's alignments: entailing links in ``skg.ttl``, overlaps in the SSSOM mapping set.

SKOS mapping properties on an OWL class or property would make it a ``skos:Concept`` as well
(punning), so the OWL terms state only ``rdfs:subClassOf`` / ``rdfs:subPropertyOf`` alignments and
every correspondence (those too) is published in ``ontology/mappings.sssom.tsv``. The KGX export
takes its Biolink categories and predicates from the entailing links only.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from kg import resources
from kg.graph.build import build, shipped_paths
from kg.publish import kgx
from kg.vocab import BIOLINK, SKG

ROOT = Path(__file__).parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "skg.ttl"
MAPPINGS_FILE = ROOT / "ontology" / "mappings.sssom.tsv"

OWL_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
SKOS_MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
RO = "http://purl.obolibrary.org/obo/RO_"

#: SSSOM: required columns, and those this set promises on every row.
REQUIRED_COLUMNS = {"subject_id", "predicate_id", "object_id", "mapping_justification"}
PROMISED_COLUMNS = REQUIRED_COLUMNS | {"subject_label", "object_label", "comment"}
#: Prefixes SSSOM defines itself (a mapping set need not, and must not redefine them).
BUILTIN_PREFIXES = {
    "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS), "skos": str(SKOS),
    "semapv": "https://w3id.org/semapv/vocab/", "sssom": "https://w3id.org/sssom/",
}
ENTAILING = {"rdfs:subClassOf", "rdfs:subPropertyOf", "owl:equivalentClass", "owl:equivalentProperty"}
SKOS_PREDICATES = {f"skos:{p}" for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}

#: The clinical relations and the Biolink predicate each is exported as (why: the SSSOM comments).
CLINICAL = {
    SKG.assessedFor: BIOLINK.treats_or_applied_or_studied_to_treat,  # whatever the evidence level
    SKG.claimedFor: BIOLINK.applied_to_treat,
    SKG.findingFor: BIOLINK.studied_to_treat,
    SKG.dosedFor: BIOLINK.treats_or_applied_or_studied_to_treat,
    SKG.interactsWith: BIOLINK.interacts_with,
    SKG.hasPrecautionFor: BIOLINK.related_to,  # a caution is weaker than contraindicated_in
    SKG.hasSafetyLimitFor: BIOLINK.related_to,
    SKG.studiedIn: BIOLINK.related_to,
    SKG.memberOf: BIOLINK.member_of,
    SKG.hasMember: BIOLINK.has_member,
    SKG.subClassOfClass: BIOLINK.subclass_of,
    SKG.causedBy: BIOLINK.caused_by,
    SKG.classifiedAs: BIOLINK.subclass_of,
    SKG.amideOf: BIOLINK.chemically_similar_to,
    SKG.formOf: BIOLINK.chemically_similar_to,
    SKG.convertedTo: BIOLINK.has_metabolite,
    SKG.precursorOf: BIOLINK.has_metabolite,
    SKG.brokenDownBy: BIOLINK.is_substrate_of,
    SKG.lowers: BIOLINK.affects,  # through skg:affects
    SKG.raises: BIOLINK.affects,
    SKG.mostAbundantIn: BIOLINK.located_in,
}
CATEGORIES = {
    SKG.Substance: BIOLINK.ChemicalEntity,
    SKG.DrugClass: BIOLINK.ChemicalEntity,
    SKG.Drug: BIOLINK.Drug,
    SKG.Condition: BIOLINK.DiseaseOrPhenotypicFeature,
    SKG.Population: BIOLINK.PopulationOfIndividualOrganisms,
    SKG.Protein: BIOLINK.Protein,
    SKG.BiologicalProcess: BIOLINK.BiologicalProcess,
    SKG.Organism: BIOLINK.OrganismTaxon,
}


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def owl_terms(g: Graph) -> set[URIRef]:
    return {s for k in OWL_KINDS for s in g.subjects(RDF.type, k) if isinstance(s, URIRef)}


@cache
def mapping_set() -> tuple[dict, list[str], list[dict]]:
    """(metadata, TSV header, rows) of the SSSOM file: ``#`` lines are the YAML metadata block."""
    lines = MAPPINGS_FILE.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    assert lines[:len(comments)] == comments, "the metadata block must come first"
    metadata = yaml.safe_load("\n".join(line[1:].removeprefix(" ") for line in comments))
    reader = csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = list(reader)
    return metadata, list(reader.fieldnames or []), rows


def prefixes() -> dict[str, str]:
    return {**BUILTIN_PREFIXES, **mapping_set()[0]["curie_map"]}


def expand(curie: str) -> URIRef:
    prefix, sep, local = curie.partition(":")
    assert sep and prefix in prefixes(), f"{curie}: prefix not in the curie_map"
    return URIRef(prefixes()[prefix] + local)


def external_links(g: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    """Direct subclass/subproperty/equivalence links from a project term to another vocabulary's."""
    preds = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)
    return {
        (s, p, o) for p in preds for s, o in g.subject_objects(p)
        if isinstance(s, URIRef) and isinstance(o, URIRef) and str(s).startswith(str(SKG))
        and not str(o).startswith(str(SKG)) and o != SKOS.Concept
    }


def entailed(g: Graph, s: URIRef, p: URIRef, o: URIRef) -> bool:
    """``s p o`` holds in ``g``, directly or through a chain of the project's own terms."""
    if p in (OWL.equivalentClass, OWL.equivalentProperty):
        return (s, p, o) in g
    seen, todo = set(), [s]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        ups = set(g.objects(node, p))
        if o in ups:
            return True
        todo.extend(u for u in ups if str(u).startswith(str(SKG)))
    return False


# --------------------------------------------------------------------------------------------
# (a) no SKOS mapping property on an OWL term


def test_no_owl_class_or_property_is_the_subject_of_a_skos_mapping():
    g = ontology()
    punned = sorted(f"{s.n3(g.namespace_manager)} {p.n3(g.namespace_manager)} {o.n3(g.namespace_manager)}"
                    for s in owl_terms(g) for p in SKOS_MAPPINGS for o in g.objects(s, p))
    assert not punned, "state these in ontology/mappings.sssom.tsv, not on the OWL term:\n" + "\n".join(punned)


def test_only_concepts_carry_skos_mappings():
    g = ontology()
    for p in SKOS_MAPPINGS:
        for s in g.subjects(p, None):
            assert (s, RDF.type, SKOS.Concept) in g, s


def test_ro_is_declared_and_every_ro_aligned_property_has_a_biolink_predicate():
    g = ontology()
    assert dict(g.namespaces()).get("RO") == URIRef(RO)
    aligned = {s for s, o in g.subject_objects(RDFS.subPropertyOf) if str(o).startswith(RO)}
    assert {SKG.causedBy, SKG.amideOf, SKG.affects, SKG.memberOf, SKG.hasMember, SKG.mostAbundantIn} <= aligned
    for prop in aligned:
        assert kgx.predicate_of(prop) not in (kgx.ROOT_PREDICATE,), prop
        assert str(kgx.predicate_of(prop)).startswith(str(BIOLINK)), prop


# --------------------------------------------------------------------------------------------
# (b) the SSSOM mapping set


def test_mapping_set_metadata():
    metadata, header, rows = mapping_set()
    assert metadata["mapping_set_id"] == "https://w3id.org/skg/mappings"
    assert metadata["license"].startswith("https://")
    assert metadata["mapping_set_title"] and metadata["mapping_set_version"]
    curie_map = metadata["curie_map"]
    assert curie_map["skg"] == str(SKG) and curie_map["biolink"] == str(BIOLINK) and curie_map["RO"] == RO
    for prefix, ns in curie_map.items():  # built-ins are not redefined
        assert BUILTIN_PREFIXES.get(prefix, ns) == ns, prefix
    assert PROMISED_COLUMNS <= set(header), PROMISED_COLUMNS - set(header)
    assert rows


def test_mapping_rows_are_well_formed():
    _metadata, _header, rows = mapping_set()
    g = ontology()
    declared = owl_terms(g) | set(g.subjects(RDF.type, SKOS.Concept))
    seen = set()
    for row in rows:
        where = f"{row['subject_id']} {row['predicate_id']} {row['object_id']}"
        assert all(row[c] and row[c].strip() == row[c] for c in PROMISED_COLUMNS), where
        subject, obj = expand(row["subject_id"]), expand(row["object_id"])
        assert subject in declared, f"{where}: subject is not a term declared in skg.ttl"
        labels = {str(v) for p in (RDFS.label, SKOS.prefLabel) for v in g.objects(subject, p)}
        assert row["subject_label"] in labels, f"{where}: subject_label is not the term's label"
        assert row["predicate_id"] in ENTAILING | SKOS_PREDICATES, where
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", where
        assert not str(obj).startswith(str(SKG)), f"{where}: the set maps to other vocabularies"
        if row["predicate_id"] in ("rdfs:subClassOf", "owl:equivalentClass"):
            assert (subject, RDF.type, OWL.Class) in g, where
        if row["predicate_id"] in ("rdfs:subPropertyOf", "owl:equivalentProperty"):
            assert any((subject, RDF.type, k) in g for k in OWL_KINDS[1:]), where
        key = (subject, row["predicate_id"], obj)
        assert key not in seen, f"{where}: duplicate"
        seen.add(key)


def test_entailing_rows_hold_in_the_ontology_and_every_alignment_is_in_the_set():
    _metadata, _header, rows = mapping_set()
    g = ontology()
    stated = set()
    for row in rows:
        s, o = expand(row["subject_id"]), expand(row["object_id"])
        if row["predicate_id"] in ENTAILING:
            p = expand(row["predicate_id"])
            assert entailed(g, s, p, o), f"{row['subject_id']} {row['predicate_id']} {row['object_id']} is not in skg.ttl"
            stated.add((s, p, o))
        else:
            stated.add((s, expand(row["predicate_id"]), o))
    missing = sorted(f"{s.n3(g.namespace_manager)} {p.n3(g.namespace_manager)} {o.n3(g.namespace_manager)}"
                     for s, p, o in external_links(g) - stated)
    assert not missing, "alignments in skg.ttl but not in mappings.sssom.tsv:\n" + "\n".join(missing)
    concept_matches = {(s, p, o) for p in SKOS_MAPPINGS for s, o in g.subject_objects(p)}
    assert concept_matches <= stated, sorted(concept_matches - stated)


def test_every_clinical_relation_left_at_related_to_says_why():
    _metadata, _header, rows = mapping_set()
    for prop, target in CLINICAL.items():
        if target != BIOLINK.related_to:
            continue
        why = [r for r in rows if expand(r["subject_id"]) == prop and r["object_id"] == "biolink:related_to"]
        assert why and "related_to" in why[0]["comment"], prop


def test_the_mapping_set_ships_with_the_ontology():
    assert resources.mappings_file().resolve() == MAPPINGS_FILE.resolve()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["kg._ontology"] == "ontology"
    assert any(fnmatch.fnmatch(MAPPINGS_FILE.name, pattern) for pattern in config["package-data"]["kg._ontology"])


# --------------------------------------------------------------------------------------------
# (c) the KGX export follows the alignments


@pytest.mark.parametrize("prop", sorted(CLINICAL), ids=lambda p: str(p).rsplit("#", 1)[-1])
def test_clinical_relations_map_to_their_biolink_predicates(prop):
    assert kgx.predicate_of(prop) == CLINICAL[prop]


def test_categories_follow_the_subclass_alignments():
    for cls, category in CATEGORIES.items():
        assert kgx.category_of(cls) == category, cls


def test_a_skos_match_is_not_an_alignment():
    onto = Graph()
    onto.add((SKG.Protein, SKOS.closeMatch, BIOLINK.Protein))
    onto.add((SKG.Protein, RDFS.subClassOf, URIRef(RO + "0000000")))
    assert kgx._biolink_alignment(onto, SKG.Protein, RDFS.subClassOf, BIOLINK.NamedThing) == BIOLINK.NamedThing


@pytest.fixture(scope="module")
def kgx_tables():
    nodes, edges = kgx.tables(build(shipped_paths()).graph)
    return nodes, edges


def test_shipped_kgx_substance_and_drug_class_are_not_named_things(kgx_tables):
    nodes, _edges = kgx_tables
    by_class: dict[str, set[str]] = {}
    for n in nodes:
        by_class.setdefault(n["skg_category"], set()).add(n["category"])
    assert by_class["skg:Substance"] == {"biolink:ChemicalEntity"}
    assert by_class["skg:DrugClass"] == {"biolink:ChemicalEntity"}
    for cls, category in CATEGORIES.items():
        name = "skg:" + str(cls).rsplit("#", 1)[-1]
        if name in by_class:
            assert by_class[name] == {"biolink:" + str(category)[len(BIOLINK):]}, name


def test_shipped_kgx_clinical_edges_use_the_specific_predicates(kgx_tables):
    _nodes, edges = kgx_tables
    pairs = {(e["original_predicate"], e["predicate"]) for e in edges}
    expected = {("skg:" + str(p).rsplit("#", 1)[-1], "biolink:" + str(t)[len(BIOLINK):]) for p, t in CLINICAL.items()}
    used = {e["original_predicate"] for e in edges}
    assert {pair for pair in expected if pair[0] in used} <= pairs
    # the shipped monograph has every clinical kind of edge
    assert {"skg:assessedFor", "skg:claimedFor", "skg:findingFor", "skg:dosedFor", "skg:causedBy"} <= used
    clinical = [e for e in edges if e["original_predicate"] in
                {"skg:assessedFor", "skg:claimedFor", "skg:findingFor", "skg:dosedFor"}]
    assert clinical and all(e["predicate"] != "biolink:related_to" for e in clinical)
    assert all(e["predicate"].startswith("biolink:") for e in edges)
