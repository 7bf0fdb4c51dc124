"""Review findings on the curated glutamine data (issue 16, A): each test quotes the sentence of
kg/monographs/glutamine-monograph.txt it checks, and asks the graph what a reader would."""

from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef

from kg.cli.main import main
from kg.graph.build import build, shipped_paths
from kg.vocab import ID, SKG

P = """PREFIX skg: <https://w3id.org/skg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""
GLUTAMINE = ID["substance/l-glutamine"]


def statement(record_id: str) -> URIRef:
    return ID[f"statement/glutamine/{record_id}"]


@pytest.fixture(scope="module")
def graph():
    return build(shipped_paths()).graph


def quotes(graph, node) -> list[str]:
    rows = graph.query(P + "SELECT ?q WHERE { ?s skg:evidence/oa:hasSelector/oa:exact ?q }", initBindings={"s": node})
    return sorted(str(r.q) for r in rows)


def test_trauma_association_is_not_a_glutamine_study(graph):
    # "In trauma patients, increased HSP-70 levels are associated with reduced death rates [R]."
    # Nothing says glutamine was given: no edge from glutamine to trauma patients.
    node = statement("study-trauma-hsp70-mortality")
    assert (node, SKG.givesSubstance, Literal(False)) in graph
    assert (GLUTAMINE, SKG.studiedIn, ID["population/trauma-patients"]) not in graph
    assert (node, SKG.objectEntity, None) not in graph
    design = str(graph.value(node, SKG.studyDesign))
    assert design.startswith("not stated")


def test_icu_stay_is_a_correlation_inside_the_trial(graph):
    # "In a study (DB-RCT) of 29 critically ill patients, glutamine supplementation increased
    # HSP-70 levels 3.7-fold from baseline [R]. ... Moreover, the magnitude of HSP-70 increase was
    # correlated to a decrease in ICU length of stay."
    node = statement("find-hsp70-icu-stay")
    study = graph.value(node, SKG.study)
    assert study == statement("study-hsp70-rct")
    assert graph.value(study, SKG.sampleSize).toPython() == 29
    assert graph.value(node, SKG.direction) == SKG.DirectionCorrelated
    assert graph.value(node, SKG.direction) != SKG.DirectionImproves


def test_pancreatitis_hospital_time_quote_carries_the_negation(graph):
    # "... improves immune function but does not reduce the risk for complications or the amount of
    # time spent in the hospital in people with pancreatitis."
    (q,) = quotes(graph, statement("find-pancreatitis-hospital-time"))
    assert "does not reduce" in q and "time spent in the hospital" in q
    assert graph.value(statement("find-pancreatitis-hospital-time"), SKG.direction) == SKG.DirectionNoEffect


def test_bone_marrow_transplant_has_its_own_assessment(graph):
    # "Also, giving glutamine intravenously (by IV) along with intravenous nutrition after a bone
    # marrow transplant seems to reduce the risk of infection and improve recovery compared to
    # intravenous nutrition alone." (under "POSSIBLY EFFECTIVE for")
    rows = graph.query(P + """SELECT ?s ?level ?route WHERE {
        ?s a skg:EffectivenessAssessment ; skg:condition ?c ; skg:evidenceLevel/skos:notation ?level ;
           skg:route/skos:notation ?route . ?c rdfs:label "bone marrow transplant" }""")
    assert {(str(r.level), str(r.route)) for r in rows} == {("possibly-effective", "intravenous")}
    surgery = quotes(graph, statement("eff-surgery"))
    assert not any("bone marrow transplant seems" in q for q in surgery)


def test_not_everyone_benefits_for_both_subjects(graph):
    # "However, not all people who undergo major surgery or who receive bone marrow transplants
    # seem to benefit from glutamine."
    rows = graph.query(P + """SELECT ?label WHERE {
        ?f a skg:Finding ; skg:condition/rdfs:label ?label ; skg:direction skg:DirectionInconsistent ;
           skg:evidence/oa:hasSelector/oa:exact ?q .
        FILTER(CONTAINS(?q, "not all people who undergo major surgery")) }""")
    assert {str(r.label) for r in rows} == {"major surgery", "bone marrow transplant"}


def test_nelfinavir_causes_the_diarrhea_it_is_not_a_co_intervention(graph):
    # "Diarrhea caused by drugs used to treat HIV. Early research shows that taking glutamine by
    # mouth reduces the severity of diarrhea in people with HIV who are taking the drug nelfinavir."
    nelfinavir = ID["drug/nelfinavir"]
    assert (statement("find-hiv-drug-diarrhea-severity"), SKG.coIntervention, nelfinavir) not in graph
    assert (ID["condition/hiv-drug-diarrhea"], SKG.causedBy, ID["drug-class/hiv-medications"]) in graph


@pytest.mark.parametrize("condition, cause, sentence", [
    ("chemotherapy-diarrhea", "drug-class/chemotherapy", "Diarrhea caused by chemotherapy treatments."),
    ("oral-mucositis", "drug-class/chemotherapy", "Soreness and swelling inside the mouth, caused by chemotherapy treatments."),
    ("chemotherapy-immune-damage", "drug-class/chemotherapy", "damage to the immune system caused by chemotherapy"),
    ("paclitaxel-myalgia-arthralgia", "drug/paclitaxel", "Muscle and joint pains caused by the drug paclitaxel"),
])
def test_caused_by_where_the_text_says_so(graph, condition, cause, sentence):
    rows = graph.query(P + """SELECT ?q WHERE { ?s skg:subjectEntity ?c ; skg:relation skg:causedBy ;
        skg:objectEntity ?o ; skg:evidence/oa:hasSelector/oa:exact ?q }""",
                       initBindings={"c": ID[f"condition/{condition}"], "o": ID[cause]})
    assert [str(r.q) for r in rows] == [sentence]


def test_explain_shows_the_cause(capsys):
    # kg explain between the supplement and nelfinavir goes through "caused by".
    assert main(["explain", "glutamine", "nelfinavir", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    texts = [json.dumps(p) for p in out["causes"]]
    assert texts and all("caused by" in t and "diarrhea caused by HIV medications" in t for t in texts)
    assert main(["explain", "glutamine", "Taxol"]) == 0
    text = capsys.readouterr().out
    assert "Through what the text says causes a condition" in text and "—caused by→ paclitaxel" in text
