"""What the text restricts stays restricted (issue 16, A and B): qualifiers ("some types of",
"animal models", "about", "up to") as data, procedures as their own class, names the curators
added marked as theirs, what an interaction rests on, and populations a patient check can match
(pregnancy, breast-feeding, a part of a population). Each test quotes the sentence of
kg/monographs/glutamine-monograph.txt it checks; the build checks use a made-up herb.
"""

from __future__ import annotations

import copy
import json

import pytest
from rdflib import RDF, RDFS, Literal

from kg.answers.check import check
from kg.cli.main import main
from kg.errors import DataError
from kg.graph.build import build, shipped_paths
from kg.vocab import ID, SKG

from tests.test_bad_input import BASE, TEXT, write


def statement(record_id: str):
    return ID[f"statement/glutamine/{record_id}"]


@pytest.fixture(scope="module")
def graph():
    return build(shipped_paths()).graph


# --- qualifiers in the graph ---------------------------------------------------------------------

def test_some_types_of_chemotherapy_is_kept(graph):
    # "Some types of chemotherapy can reduce the levels of glutamine in the body."
    assert graph.value(statement("mech-chemotherapy-lowers-glutamine"), SKG.qualifier) == SKG.QualifierSomeTypes


def test_animal_models_are_not_people(graph):
    # "Animal models of stress have shown that glutamine supplementation increased levels of key
    # heat shock proteins in multiple studies"
    for record in ("mech-raises-heat-shock-proteins", "study-animal-heat-shock-proteins"):
        assert (statement(record), SKG.qualifier, SKG.QualifierInAnimals) in graph, record


def test_numbers_keep_about_and_up_to(graph):
    # "About one third of this nitrogen comes from glutamine."
    about = statement("mech-source-of-nitrogen-wound-repair")
    assert float(graph.value(about, SKG.proportion).toPython()) == pytest.approx(1 / 3, abs=0.01)
    assert graph.value(about, SKG.proportionQualifier) == SKG.QualifierApproximately
    # "Moreover, glutamine makes up to 60% of the free amino acids in the bones"
    up_to = statement("phys-bones-free-amino-acids")
    assert float(graph.value(up_to, SKG.proportion).toPython()) == pytest.approx(0.6)
    assert graph.value(up_to, SKG.proportionQualifier) == SKG.QualifierAtMost


def test_explain_shows_the_qualifiers(capsys):
    # "glutamine makes up to 60% of the free amino acids in the bones"
    assert main(["explain", "glutamine", "bones"]) == 0
    assert "(up to 60%)" in capsys.readouterr().out
    # "Animal models of stress have shown ... increased levels of key heat shock proteins"
    assert main(["explain", "glutamine", "heat shock proteins"]) == 0
    assert "raises (in animal models, not people)" in capsys.readouterr().out
    # "Some types of chemotherapy can reduce the levels of glutamine in the body."
    assert main(["explain", "glutamine", "chemotherapy", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "only some types" in json.dumps(data)


def test_muscle_building_is_weak_support_not_no_effect(graph):
    # "studies don't quite support its efficacy for muscle building"
    node = statement("find-muscle-building")
    assert graph.value(node, SKG.direction) == SKG.DirectionWeaklySupported


def test_diarrhea_is_assessed_in_children_and_infants(graph):
    # "There are inconsistent findings about the effects of glutamine when used to treat diarrhea
    # in children and infants."
    population = graph.value(statement("eff-diarrhea"), SKG.population)
    assert str(graph.value(population, RDFS.label)) == "children and infants"
    for part in ("children", "infants"):
        assert (ID[f"population/{part}"], SKG.broaderPopulation, population) in graph


# --- procedures and treatments -------------------------------------------------------------------

@pytest.mark.parametrize("entity", ["surgery", "bone-marrow-transplant", "intravenous-nutrition",
                                    "rehydration-solutions", "growth-hormone"])
def test_procedures_are_neither_conditions_nor_drugs(graph, entity):
    # "Giving glutamine intravenously (by IV) along with intravenous nutrition ... after major
    # surgery", "after a bone marrow transplant", "conventional rehydration solutions",
    # "glutamine combined with growth hormone"
    node = ID[f"procedure/{entity}"]
    assert (node, RDF.type, SKG.Procedure) in graph
    assert (ID[f"condition/{entity}"], None, None) not in graph
    assert (ID[f"drug/{entity}"], None, None) not in graph


def test_evidence_for_a_procedure_is_found_by_kg_check():
    # "giving glutamine intravenously (by IV) along with intravenous nutrition after a bone marrow
    # transplant seems to reduce the risk of infection and improve recovery"
    report = check([], ["glutamine"], conditions=["bone marrow transplant"])
    (e,) = report["evidence"]
    assert e["level"] == "possibly-effective" and e["route"] == "intravenous"


# --- what the curators added ---------------------------------------------------------------------

def test_names_the_curators_added_are_marked(graph):
    # The text says "chemicals in the brain", never "neurotransmitters"; it names valproic acid
    # (Depakene), never "sodium valproate".
    assert (ID["chemical/brain-chemicals"], SKG.curatorName, Literal("neurotransmitters")) in graph
    assert (ID["drug/valproic-acid"], SKG.curatorName, Literal("sodium valproate")) in graph
    # "phenytoin (Dilantin)" is the text's own wording: not marked
    assert (ID["drug/phenytoin"], SKG.curatorName, Literal("Dilantin")) not in graph
    assert (ID["drug/phenytoin"], SKG.curatorName, Literal("phenytoin")) not in graph


# --- interactions: restriction and evidence ------------------------------------------------------

def test_interaction_json_carries_qualifiers_and_evidence(capsys):
    assert main(["interactions", "chemotherapy", "lactulose", "--format", "json"]) == 1
    results = {r["input"]: r["interactions"][0] for r in json.loads(capsys.readouterr().out)["results"]}
    # "There is some concern that glutamine might decrease the effectiveness of some medications
    # for cancer. But it is too soon to know if this interaction occurs." - no basis is given
    chemo = results["chemotherapy"]
    assert [q["code"] for q in chemo["qualifiers"]] == ["some-types"]
    assert chemo["evidence"] == "not stated"
    # "Lactulose helps decrease ammonia in the body. Glutamine is changed into ammonia in the body."
    lactulose = results["lactulose"]
    assert lactulose["evidence"] == "mechanism" and lactulose["qualifiers"] == []


def test_a_classified_member_keeps_the_restriction():
    # the class interaction concerns "some medications for cancer": a drug the reference table
    # puts among them must not read as if all were meant
    report = check(["cisplatin"], ["glutamine"])
    (i,) = report["interactions"]
    assert i["basis"] == "classification"
    assert [q["code"] for q in i["qualifiers"]] == ["some-types"]


# --- kg check: pregnancy, breast-feeding, parts of populations -----------------------------------
# "Pregnancy and breast-feeding: Not enough is known about the use of glutamine during pregnancy
# and breast-feeding. Stay on the safe side and avoid use."
# "Children: ... Children aged 3 to 18 years should not be given doses that are larger than 0.7
# grams per kg of weight daily."

def _subjects(entries):
    return {p["subject"] for p in entries}


@pytest.mark.parametrize("flag", ["pregnant", "breast_feeding"])
def test_pregnancy_or_breast_feeding_matches_when_given(flag):
    report = check([], ["glutamine"], **{flag: True})
    assert "pregnant or breast-feeding women" in _subjects(report["precautions"])
    assert "pregnant or breast-feeding women" not in _subjects(report["precautions_to_check"])


def test_pregnancy_not_stated_stays_to_check_with_what_would_tell():
    report = check([], ["glutamine"], age=40)
    (entry,) = [p for p in report["precautions_to_check"] if p["subject"] == "pregnant or breast-feeding women"]
    assert "pregnant" in entry["why"] and "not stated" in entry["why"]


def test_a_child_matches_the_children_precaution_through_its_part():
    report = check([], ["glutamine"], age=10)
    (entry,) = [p for p in report["precautions"] if p["subject"] == "children"]
    assert "children aged 3 to 18 years" in entry["why"]


def test_an_adult_is_not_told_the_children_precaution_applies():
    # the text gives "children" no age range, so an adult is not ruled out, only not matched
    report = check([], ["glutamine"], age=40)
    assert "children" not in _subjects(report["precautions"])
    (entry,) = [p for p in report["precautions_to_check"] if p["subject"] == "children"]
    assert "outside children aged 3 to 18 years" in entry["why"]


# --- the build keeps restrictions honest (a made-up herb) ----------------------------------------

QUALIFIED_TEXT = TEXT + "\nSome types of sleeping pills can lower cloudberry leaf levels in animal models.\n"


def _herb(change) -> dict:
    data = copy.deepcopy(BASE)
    data["entities"].append({"id": "sleeping-pills", "type": "DrugClass", "label": "sleeping pills"})
    data["mechanisms"] = [{"id": "mech-pills", "subject": "sleeping-pills", "relation": "lowers",
                           "object": "cloudberry-leaf", "qualifiers": ["some-types", "in-animals"],
                           "quote": "Some types of sleeping pills can lower cloudberry leaf levels in animal models."}]
    change(data)
    return data


def test_the_qualified_herb_builds(tmp_path):
    result = build([write(tmp_path, _herb(lambda d: None), QUALIFIED_TEXT)])
    node = ID["statement/cloudberry-leaf/mech-pills"]
    assert set(result.graph.objects(node, SKG.qualifier)) == {SKG.QualifierSomeTypes, SKG.QualifierInAnimals}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["mechanisms"][0].update(qualifiers=["in-animals"]), "add qualifier 'some-types'"),
    (lambda d: d["mechanisms"][0].update(qualifiers=["some-types"]), "add qualifier 'in-animals'"),
    (lambda d: d["mechanisms"][0].update(qualifiers=["some-types", "in-animals", "at-most"]),
     "qualifier 'at-most' is not in the quotes"),
    (lambda d: d["mechanisms"][0].update(proportion_qualifier="approximately"),
     "proportion_qualifier needs a proportion"),
    (lambda d: d["mechanisms"][0].update(proportion=0.5, proportion_qualifier="some-types"),
     "proportion_qualifier: must be one of approximately, at-most"),
    (lambda d: d["mechanisms"][0].update(qualifiers=["most"]), "unknown qualifier value 'most'"),
])
def test_a_lost_or_invented_restriction_stops_the_build(tmp_path, change, message):
    with pytest.raises(DataError) as err:
        build([write(tmp_path, _herb(change), QUALIFIED_TEXT)])
    assert "mech-pills" in str(err.value) and message in str(err.value)


def test_a_population_cycle_stops_the_build(tmp_path):
    def cycle(d):
        d["entities"] += [{"id": "young", "type": "Population", "label": "young", "broader": ["old"]},
                          {"id": "old", "type": "Population", "label": "old", "broader": ["young"]}]
    with pytest.raises(DataError, match="population hierarchy has a cycle"):
        build([write(tmp_path, _herb(cycle), QUALIFIED_TEXT)])


def test_only_a_population_has_states(tmp_path):
    with pytest.raises(DataError, match="only a Population has states"):
        build([write(tmp_path, _herb(lambda d: d["entities"][1].update(states=["pregnancy"])), QUALIFIED_TEXT)])


def test_a_drafted_record_carries_the_restriction_its_quote_binds():
    # "Animal models of stress have shown that glutamine supplementation increased levels of key
    # heat shock proteins": a draft quoting it starts with the in-animals qualifier
    from kg.curation.draft import Draft

    text = "Animal models of stress have shown that glutamine supplementation increased levels of key heat shock proteins."
    record = Draft(text, "glutamine").record("effectiveness", "eff-x", {"condition": "stress"}, [(0, len(text))])
    assert record["qualifiers"] == ["in-animals"]
    plain = Draft("Glutamine helps.", "glutamine").record("effectiveness", "eff-y", {"condition": "stress"}, [(0, 16)])
    assert "qualifiers" not in plain


def test_the_canned_queries_show_the_qualifiers(capsys):
    # "Some types of chemotherapy can reduce the levels of glutamine in the body."
    assert main(["query", "mechanisms", "--param", "subject_name=chemotherapy", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["qualifier"] for r in rows if r["object"] == "L-glutamine"} == {"only some types"}
    # "About one third of this nitrogen comes from glutamine."
    assert main(["query", "mechanisms", "--param", "subject_name=glutamine", "--param", "relation_name=sourceOf",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r.get("proportion_qualifier") for r in rows if r.get("proportion")} == {"about"}
    # "Animal models of stress have shown ... in multiple studies"
    assert main(["query", "studies", "--param", "supplement=glutamine", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["qualifier"] for r in rows if r.get("design") == "animal studies"} == {"in animal models, not people"}
