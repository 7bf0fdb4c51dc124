"""Each SHACL node shape in ``ontology/shapes.ttl`` against one conforming and one violating graph.

Every case is a small Turtle body added to a shared, valid little world (a monograph with its
source text and section, and one entity of most classes). The violating graph is the conforming
one with exactly one piece of text replaced; the test checks that validation then fails *only*
in the expected node shape and reports the expected result path (``None`` for a node-level
constraint such as ``sh:xone`` or a SPARQL constraint) and constraint component.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.namespace import SH

from kg.vocab import SKG

ROOT = Path(__file__).parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "skg.ttl"

SKGSH = Namespace("https://w3id.org/skg/shapes#")
OA = Namespace("http://www.w3.org/ns/oa#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

PREFIXES = """\
@base <https://w3id.org/skg/id/> .
@prefix skg:  <https://w3id.org/skg/ontology#> .
@prefix skgsh: <https://w3id.org/skg/shapes#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:   <http://example.org/test#> .
"""

# A valid world every case builds on.
WORLD = """\
<monograph/demo> a skg:Monograph ; skg:sourceText <monograph/demo/text> .
<monograph/demo/text> a skg:SourceText ; skg:document <monograph/demo> .
<monograph/demo/section/overview> a skg:Section .

<substance/demo-acid> a skg:Substance ; rdfs:label "demo acid" ; skos:altLabel "DA" ;
    skos:exactMatch <http://purl.obolibrary.org/obo/CHEBI_0000000> .
<condition/burns> a skg:Condition ; rdfs:label "burns" .
<process/immune-function> a skg:BiologicalProcess ; rdfs:label "immune function"@en .
<population/adults> a skg:Population ; rdfs:label "adults" ; skg:minAgeYears 18.0 .
<drug/lactulose> a skg:Drug ; rdfs:label "lactulose" .
<chemical/ammonia> a skg:ChemicalEntity ; rdfs:label "ammonia" .
<anatomy/skeletal-muscle> a skg:AnatomicalEntity ; rdfs:label "skeletal muscle" .
<protein/hsp-70> a skg:Protein ; rdfs:label "heat shock protein 70" .
<dosage-form/suspension> a skg:DosageForm ; rdfs:label "oral suspension" .
"""


def provenance(record: str, kind: str) -> str:
    """The provenance every statement carries (as docs/data-format.md describes it)."""
    stmt = f"statement/demo/{record}"
    return f"""\
<{stmt}> a skg:{kind} ;
    skg:monograph <monograph/demo> ;
    skg:recordId "{record}" ;
    skg:aboutSubstance <substance/demo-acid> ;
    skg:quote "Demo acid is quoted here." ;
    skg:section <monograph/demo/section/overview> ;
    skg:evidence <{stmt}/quote/1> .
<{stmt}/quote/1> a oa:SpecificResource ;
    oa:hasSource <monograph/demo/text> ;
    skg:section <monograph/demo/section/overview> ;
    oa:hasSelector <{stmt}/quote/1/text> , <{stmt}/quote/1/position> .
<{stmt}/quote/1/text> a oa:TextQuoteSelector ;
    oa:exact "Demo acid is quoted here." ; oa:prefix "" ; oa:suffix " More" .
<{stmt}/quote/1/position> a oa:TextPositionSelector ; oa:start 0 ; oa:end 25 .
"""


@dataclass(frozen=True)
class Case:
    shape: str  # local name of the node shape under test
    component: str  # expected constraint component, without "ConstraintComponent"
    conforming: str  # Turtle body added to PREFIXES + WORLD
    old: str  # text of ``conforming`` to replace ...
    new: str  # ... by this, giving the violating graph
    path: URIRef | None  # expected sh:resultPath of the violation (None: node-level)
    extra_shapes: str = ""  # test-only shapes added to the shapes graph

    @property
    def violating(self) -> str:
        assert self.old in self.conforming, f"{self.shape}: {self.old!r} not in the graph"
        return self.conforming.replace(self.old, self.new)


CLAIMED_USE = provenance("use-burns", "ClaimedUse") + """\
<statement/demo/use-burns> skg:condition <condition/burns> ;
    skg:context "side effects of treatment" ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:claimedFor ;
    skg:objectEntity <condition/burns> .
<substance/demo-acid> skg:claimedFor <condition/burns> .
"""

CASES = [
    Case(
        "StatementShape",
        "Pattern",
        CLAIMED_USE,
        'skg:recordId "use-burns"',
        'skg:recordId "Use Burns"',
        SKG.recordId,
    ),
    Case(
        "SpecificResourceShape",
        "QualifiedMinCount",
        CLAIMED_USE,
        "oa:hasSelector <statement/demo/use-burns/quote/1/text> , "
        "<statement/demo/use-burns/quote/1/position>",
        "oa:hasSelector <statement/demo/use-burns/quote/1/text>",
        OA.hasSelector,
    ),
    Case(
        "TextQuoteSelectorShape",
        "MinLength",
        CLAIMED_USE,
        'oa:exact "Demo acid is quoted here."',
        'oa:exact ""',
        OA.exact,
    ),
    Case(
        "TextPositionSelectorShape",
        "LessThan",
        CLAIMED_USE,
        "oa:start 0 ; oa:end 25",
        "oa:start 30 ; oa:end 25",
        OA.start,
    ),
    Case(
        "DirectEdgeShape",
        "SPARQL",
        CLAIMED_USE,
        "<substance/demo-acid> skg:claimedFor <condition/burns> .",
        "",
        None,
    ),
    Case(
        "EntityReference",
        "Or",
        "<chemical/ammonia> ex:probe true .",
        "<chemical/ammonia> ex:probe",
        "<monograph/demo> ex:probe",
        None,
        extra_shapes="skgsh:EntityReference sh:targetSubjectsOf ex:probe .",
    ),
    Case(
        "EntityShape",
        "MaxCount",
        '<organism/yeast> a skg:Organism ; rdfs:label "yeast" .',
        'rdfs:label "yeast"',
        "rdfs:label \"yeast\" , \"baker's yeast\"",
        RDFS_LABEL,
    ),
    Case(
        "PopulationShape",
        "LessThanOrEquals",
        '<population/children> a skg:Population ; rdfs:label "children" ;'
        " skg:minAgeYears 1.0 ; skg:maxAgeYears 12.0 .",
        "skg:minAgeYears 1.0",
        "skg:minAgeYears 14.0",
        SKG.minAgeYears,
    ),
    Case(
        "DrugShape",
        "MinLength",
        '<drug/examplol> a skg:Drug ; rdfs:label "examplol" ; skg:brandName "Examplex" .',
        'skg:brandName "Examplex"',
        'skg:brandName ""',
        SKG.brandName,
    ),
    Case(
        "DrugMembershipShape",
        "Class",
        """\
<drug/phenytoin> a skg:Drug ; rdfs:label "phenytoin" ; skg:memberOf <drug-class/anticonvulsants> .
<drug-class/anticonvulsants> a skg:DrugClass ; rdfs:label "anticonvulsants" ;
    skg:hasMember <drug/phenytoin> .
""",
        "skg:memberOf <drug-class/anticonvulsants>",
        "skg:memberOf <condition/burns>",
        SKG.memberOf,
    ),
    Case(
        "DrugClassShape",
        "SPARQL",
        """\
<drug-class/hydantoins> a skg:DrugClass ; rdfs:label "hydantoins" ;
    skg:subClassOfClass <drug-class/antiepileptics> .
<drug-class/antiepileptics> a skg:DrugClass ; rdfs:label "antiepileptics" .
""",
        'rdfs:label "antiepileptics" .',
        'rdfs:label "antiepileptics" ; skg:subClassOfClass <drug-class/hydantoins> .',
        None,
    ),
    Case(
        "EffectivenessAssessmentShape",
        "In",
        provenance("eff-burns", "EffectivenessAssessment")
        + """\
<statement/demo/eff-burns> skg:condition <condition/burns> ;
    skg:evidenceLevel skg:EvidencePossiblyEffective ;
    skg:route skg:RouteEnteralTube , skg:RouteIntravenous ;
    skg:population <population/adults> ;
    skg:summary "Might reduce infections." ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:assessedFor ;
    skg:objectEntity <condition/burns> .
<substance/demo-acid> skg:assessedFor <condition/burns> .
""",
        "skg:evidenceLevel skg:EvidencePossiblyEffective",
        "skg:evidenceLevel skg:SeverityMajor",
        SKG.evidenceLevel,
    ),
    Case(
        "ClaimedUseShape",
        "Class",
        CLAIMED_USE,
        "skg:condition <condition/burns> ;",
        "skg:condition <condition/burns> ; skg:population <condition/burns> ;",
        SKG.population,
    ),
    Case(
        "FindingShape",
        "MinCount",
        provenance("finding-infections", "Finding")
        + """\
<statement/demo/finding-infections> skg:condition <process/immune-function> ;
    skg:outcome "infections" ;
    skg:direction skg:DirectionImproves ;
    skg:route skg:RouteEnteralTube ;
    skg:coIntervention <dosage-form/suspension> ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:findingFor ;
    skg:objectEntity <process/immune-function> .
<substance/demo-acid> skg:findingFor <process/immune-function> .
""",
        "skg:direction skg:DirectionImproves ;",
        "",
        SKG.direction,
    ),
    Case(
        "InteractionShape",
        "In",
        provenance("int-lactulose", "Interaction")
        + """\
<statement/demo/int-lactulose> skg:interactant <drug/lactulose> ;
    skg:severity skg:SeverityModerate ;
    skg:likelihood skg:LikelihoodPossible ;
    skg:effect "Might reduce the effect of lactulose." ;
    skg:mechanism "Demo acid is converted to ammonia." ;
    skg:recommendation "Use cautiously." ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:interactsWith ;
    skg:objectEntity <drug/lactulose> .
<substance/demo-acid> skg:interactsWith <drug/lactulose> .
""",
        "skg:severity skg:SeverityModerate",
        "skg:severity skg:EvidenceEffective",
        SKG.severity,
    ),
    Case(
        "PrecautionShape",
        "In",
        provenance("prec-adults", "Precaution")
        + """\
<statement/demo/prec-adults> skg:precautionFor <population/adults> ;
    skg:strength skg:PrecautionAvoid ;
    skg:rationale "Not enough is known." ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:hasPrecautionFor ;
    skg:objectEntity <population/adults> .
<substance/demo-acid> skg:hasPrecautionFor <population/adults> .
""",
        "skg:strength skg:PrecautionAvoid",
        'skg:strength "avoid"',
        SKG.strength,
    ),
    Case(
        "SafetyLimitShape",
        "Datatype",
        provenance("limit-adult-oral", "SafetyLimit")
        + """\
<statement/demo/limit-adult-oral> skg:route skg:RouteOral ;
    skg:population <population/adults> ;
    skg:minAgeYears 18.0 ;
    skg:maxAmount 40.0 ;
    skg:unit skg:UnitGram ;
    skg:perKgBodyWeight false ;
    skg:period "P1D"^^xsd:duration ;
    skg:safetyRating skg:SafetyPossiblySafe ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:hasSafetyLimitFor ;
    skg:objectEntity <population/adults> .
<substance/demo-acid> skg:hasSafetyLimitFor <population/adults> .
""",
        "skg:maxAmount 40.0",
        "skg:maxAmount 40",
        SKG.maxAmount,
    ),
    Case(
        "DosingRegimenShape",
        "Xone",
        provenance("dose-burns", "DosingRegimen")
        + """\
<statement/demo/dose-burns> skg:indication <condition/burns> ;
    skg:route skg:RouteOral ;
    skg:amount 4.0 ;
    skg:unit skg:UnitGram ;
    skg:perKgBodyWeight false ;
    skg:interval "PT4H"^^xsd:duration ;
    skg:frequency "every four hours" ;
    skg:dosageForm <dosage-form/suspension> ;
    skg:administration "swish and swallow" ;
    skg:startCondition "first day" ;
    skg:stopCondition "healing" ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:dosedFor ;
    skg:objectEntity <condition/burns> .
<substance/demo-acid> skg:dosedFor <condition/burns> .
""",
        "skg:amount 4.0 ;",
        "skg:amount 4.0 ; skg:minAmount 2.0 ;",
        None,
    ),
    Case(
        "MechanismStatementShape",
        "In",
        provenance("mech-ammonia", "MechanismStatement")
        + """\
<statement/demo/mech-ammonia> skg:context "in the kidney" ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:convertedTo ;
    skg:objectEntity <chemical/ammonia> .
<substance/demo-acid> skg:convertedTo <chemical/ammonia> .
""",
        "skg:convertedTo",  # both in the statement and in its direct edge
        "skg:producedIn",
        SKG.relation,
    ),
    # "About one third of this nitrogen comes from glutamine.": a number given as "about" needs the number.
    Case(
        "ProportionQualifierShape",
        "MinCount",
        provenance("mech-nitrogen", "MechanismStatement")
        + """\
<statement/demo/mech-nitrogen> skg:proportion 0.33 ; skg:proportionQualifier skg:QualifierApproximately ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:convertedTo ;
    skg:objectEntity <chemical/ammonia> .
<substance/demo-acid> skg:convertedTo <chemical/ammonia> .
""",
        "skg:proportion 0.33 ; ",
        "",
        SKG.proportion,
    ),
    # "Some types of chemotherapy can reduce the levels of glutamine": a qualifier is a concept of its scheme.
    Case(
        "StatementShape",
        "In",
        CLAIMED_USE.replace('skg:context "side effects of treatment" ;',
                            'skg:context "side effects of treatment" ; skg:qualifier skg:QualifierSomeTypes ;'),
        "skg:qualifier skg:QualifierSomeTypes",
        "skg:qualifier skg:SeverityModerate",
        SKG.qualifier,
    ),
    # "Pregnancy and breast-feeding: ...": a population's state is a concept of the state scheme.
    Case(
        "PopulationShape",
        "In",
        '<population/pregnant> a skg:Population ; rdfs:label "pregnant women" ; '
        'skg:physiologicalState skg:StatePregnancy .\n',
        "skg:physiologicalState skg:StatePregnancy",
        "skg:physiologicalState skg:QualifierAtMost",
        SKG.physiologicalState,
    ),
    Case(
        "PhysiologyStatementShape",
        "MaxInclusive",
        provenance("phys-muscle", "PhysiologyStatement")
        + """\
<statement/demo/phys-muscle> skg:proportion 0.7 ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:producedIn ;
    skg:objectEntity <anatomy/skeletal-muscle> .
<substance/demo-acid> skg:producedIn <anatomy/skeletal-muscle> .
""",
        "skg:proportion 0.7",
        "skg:proportion 1.5",
        SKG.proportion,
    ),
    Case(
        "StudyShape",
        "MinInclusive",
        provenance("study-hsp70", "Study")
        + """\
<statement/demo/study-hsp70> skg:studyDesign "randomised controlled trial" ;
    skg:sampleSize 29 ;
    skg:population <population/adults> ;
    skg:intervention <substance/demo-acid> ;
    skg:measured <protein/hsp-70> ;
    skg:outcome "HSP-70 levels" ;
    skg:effectSize 3.7 ;
    skg:effectSizeUnit "fold change" ;
    skg:studyCount 1 ;
    skg:citationCount 1 ;
    skg:subjectEntity <substance/demo-acid> ; skg:relation skg:studiedIn ;
    skg:objectEntity <population/adults> .
<substance/demo-acid> skg:studiedIn <population/adults> .
""",
        "skg:sampleSize 29",
        "skg:sampleSize 0",
        SKG.sampleSize,
    ),
]


@cache
def shapes_graph(extra: str = "") -> Graph:
    g = Graph().parse(SHAPES_FILE, format="turtle")
    if extra:
        g.parse(data=PREFIXES + extra, format="turtle")
    return g


@cache
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def run(body: str, extra_shapes: str = "", inference: str = "none") -> tuple[bool, Graph, str]:
    data = Graph().parse(data=PREFIXES + WORLD + body, format="turtle")
    conforms, results, text = validate(
        data,
        shacl_graph=shapes_graph(extra_shapes),
        ont_graph=ontology_graph(),
        inference=inference,
    )
    return conforms, results, text


def owner(shapes: Graph, source_shape) -> URIRef:
    """The named node shape that a result's sh:sourceShape belongs to."""
    if isinstance(source_shape, URIRef):
        return source_shape
    parent = shapes.value(predicate=SH.property, object=source_shape)
    assert parent is not None, f"cannot place source shape {source_shape}"
    return parent


def violations(results: Graph, shapes: Graph) -> set[tuple[URIRef, URIRef | None, str]]:
    """(node shape, result path, constraint component) of every validation result.

    Blank-node paths (inverse paths) become None; the component loses its namespace and its
    "ConstraintComponent" suffix (``sh:InConstraintComponent`` -> ``"In"``).
    """
    out = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(r, SH.resultPath)
        component = str(results.value(r, SH.sourceConstraintComponent))
        out.add((
            owner(shapes, results.value(r, SH.sourceShape)),
            path if isinstance(path, URIRef) else None,
            component[len(str(SH)):].removesuffix("ConstraintComponent"),
        ))
    return out


def node_shapes() -> set[str]:
    g = shapes_graph()
    return {
        str(s)[len(str(SKGSH)):]
        for s in g.subjects(RDF.type, SH.NodeShape)
        if isinstance(s, URIRef) and str(s).startswith(str(SKGSH))
    }


def test_every_node_shape_has_a_case():
    assert {c.shape for c in CASES} == node_shapes()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.shape)
def test_conforming_graph_conforms(case: Case):
    conforms, _, text = run(case.conforming, case.extra_shapes)
    assert conforms, text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.shape)
def test_violating_graph_reports_the_shape_and_path(case: Case):
    conforms, results, text = run(case.violating, case.extra_shapes)
    assert not conforms, f"{case.shape}: the violating graph conforms"
    found = violations(results, shapes_graph(case.extra_shapes))
    expected = (SKGSH[case.shape], case.path, case.component)
    assert expected in found, f"expected {expected}, got {sorted(found)}\n{text}"
    assert {shape for shape, _, _ in found} == {SKGSH[case.shape]}, text


def test_all_conforming_graphs_together_conform_with_rdfs_inference():
    body = "\n".join(dict.fromkeys(c.conforming for c in CASES if not c.extra_shapes))
    for inference in ("none", "rdfs"):
        conforms, _, text = run(body, inference=inference)
        assert conforms, f"inference={inference}\n{text}"


def test_results_carry_messages():
    """Violations speak in the shapes' own words, not only the generic pySHACL text."""
    case = next(c for c in CASES if c.shape == "InteractionShape")
    _, results, _ = run(case.violating)
    messages = {str(m) for m in results.objects(None, SH.resultMessage)}
    assert any("severity scale" in m for m in messages), messages


def test_shapes_use_only_declared_ontology_terms():
    ns = str(SKG)
    used = {t for triple in shapes_graph() for t in triple
            if isinstance(t, URIRef) and str(t).startswith(ns)}
    assert used <= set(dir(SKG)), sorted(used - set(dir(SKG)))


def test_relation_lists_match_the_ontology():
    """The sh:in lists of relations are exactly the sub-properties named in the ontology."""
    onto = ontology_graph()
    shapes = shapes_graph()
    for shape, parent in ((SKGSH.MechanismStatementShape, SKG.mechanismRelation),
                          (SKGSH.PhysiologyStatementShape, SKG.physiologyRelation)):
        (prop,) = [p for p in shapes.objects(shape, SH.property)
                   if shapes.value(p, SH.path) == SKG.relation]
        allowed = set(shapes.items(shapes.value(prop, SH["in"])))
        declared = set(onto.subjects(URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf"),
                                     parent))
        assert allowed == declared, (shape, allowed ^ declared)
        assert not any(isinstance(x, BNode) for x in allowed)
