"""Coverage of the glutamine monograph: the built graph holds what the source text says.

Every expected value below was read from kg/monographs/glutamine-monograph.txt; each test quotes
the sentence it checks. Queries go through plain SPARQL on the built graph.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kg.graph.build import build, shipped_paths

PREFIXES = """
PREFIX skg: <https://w3id.org/skg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""


@pytest.fixture(scope="module")
def graph():
    return build(shipped_paths()).graph


def rows(graph, query: str) -> list[dict]:
    return [{k: (v.toPython() if hasattr(v, "toPython") else v) for k, v in r.asdict().items()}
            for r in graph.query(PREFIXES + query)]


def effectiveness(graph) -> dict[str, tuple[str, set[str]]]:
    found = rows(graph, """
        SELECT ?s ?condition ?level ?route WHERE {
          ?s a skg:EffectivenessAssessment ; skg:condition/rdfs:label ?condition ;
             skg:evidenceLevel/skos:notation ?level .
          OPTIONAL { ?s skg:route/skos:notation ?route }
        }""")
    out: dict[str, tuple[str, set[str]]] = {}
    for r in found:
        level, routes = out.get(str(r["s"]), (r["level"], set()))
        if r.get("route"):
            routes.add(r["route"])
        out[str(r["s"])] = (level, routes)
    return out


def test_effectiveness_counts(graph):
    # "Possibly Effective for:" has 5 paragraphs, one of them ("Surgery. ... Also, giving glutamine
    # intravenously (by IV) along with intravenous nutrition after a bone marrow transplant seems
    # to reduce the risk of infection") rating two conditions; "Possibly Ineffective for:" 4,
    # "Insufficient Evidence for:" 8.
    levels = [level for level, _ in effectiveness(graph).values()]
    assert levels.count("possibly-effective") == 6
    assert levels.count("possibly-ineffective") == 4
    assert levels.count("insufficient-evidence") == 8
    assert len(levels) == 18  # 17 paragraphs, one of them rating two conditions


def _assessment_for(graph, words: str) -> tuple[str, set[str]]:
    found = rows(graph, f"""
        SELECT ?s WHERE {{ ?s a skg:EffectivenessAssessment ; skg:quote ?q .
          FILTER(CONTAINS(?q, "{words}")) }}""")
    assert len(found) == 1, words
    return effectiveness(graph)[str(found[0]["s"])]


@pytest.mark.parametrize("sentence,level,routes", [
    # "Administering glutamine through a feeding tube or intravenously (by IV) seems to reduce infections ..."
    ("Administering glutamine through a feeding tube", "possibly-effective", {"enteral-tube", "intravenous"}),
    # "Taking glutamine by mouth seems to help HIV/AIDS patients absorb food better and gain weight."
    ("absorb food better and gain weight", "possibly-effective", {"oral"}),
    # "Giving glutamine intravenously (by IV) along with intravenous nutrition seems to improve immune function"
    ("reduce complications related to infections after major surgery", "possibly-effective", {"intravenous"}),
    # "Taking glutamine by mouth does not seem to improve athletic performance."
    ("does not seem to improve athletic performance", "possibly-ineffective", {"oral"}),
    # "Research shows that taking glutamine by mouth does not improve muscle strength in children with muscular dystrophy."
    ("muscle strength in children with muscular dystrophy", "possibly-ineffective", {"oral"}),
    # "Early research shows that taking glutamine by mouth reduces the severity of diarrhea in people with HIV who are taking the drug nelfinavir."
    ("taking the drug nelfinavir", "insufficient-evidence", {"oral"}),
    # "Some research suggests that using glutamine in feeding tubes decreases infections in some low birth weight infants."
    ("using glutamine in feeding tubes decreases infections", "insufficient-evidence", {"enteral-tube"}),
    # "An early study shows that giving glutamine intravenously (by IV) along with intravenous nutrition improves immune function but does not reduce the risk for complications ... pancreatitis."
    ("in people with pancreatitis", "insufficient-evidence", {"intravenous"}),
])
def test_effectiveness_level_and_route(graph, sentence, level, routes):
    got_level, got_routes = _assessment_for(graph, sentence)
    assert got_level == level
    assert routes <= got_routes


def test_negative_findings_are_kept(graph):
    # "... improves immune function but does not reduce the risk for complications or the amount of
    # time spent in the hospital in people with pancreatitis." and "However, glutamine alone does
    # not seem to be effective." (short bowel syndrome)
    found = rows(graph, """
        SELECT ?q WHERE { ?f a skg:Finding ; skg:direction/skos:notation "no-effect" ; skg:quote ?q }""")
    quotes = " ".join(r["q"] for r in found)
    assert "does not reduce the risk for complications" in quotes
    assert "glutamine alone does not seem to be effective" in quotes


def test_claimed_uses_are_kept_apart_from_ratings(graph):
    # Opening paragraphs: "It is also used for depression, moodiness, irritability, anxiety, insomnia,
    # and enhancing exercise performance." and "Glutamine is also used for attention
    # deficit-hyperactivity disorder (ADHD), a urinary condition called cystinuria, sickle cell
    # anemia, and for alcohol withdrawal support."
    found = rows(graph, """
        SELECT ?label WHERE { ?u a skg:ClaimedUse ; skg:condition/(rdfs:label|skos:altLabel) ?label .
          FILTER NOT EXISTS { ?u a skg:EffectivenessAssessment } }""")
    labels = {r["label"].lower() for r in found}
    for words in ("depression", "anxiety", "insomnia", "adhd", "cystinuria", "sickle cell", "alcohol withdrawal",
                  "hiv wasting", "ulcerative colitis", "crohn", "bodybuilding", "mucositis", "neuropathy"):
        assert any(words in label for label in labels), words


def test_claimed_uses_against_evidence(graph):
    # Cystinuria and Crohn's disease are both claimed uses ("a urinary condition called cystinuria",
    # "stomach ulcers, ulcerative colitis, and Crohn's disease") and rated "Possibly Ineffective".
    found = rows(graph, """
        SELECT DISTINCT ?label WHERE {
          ?u a skg:ClaimedUse ; skg:condition ?c . ?c rdfs:label ?label .
          ?e a skg:EffectivenessAssessment ; skg:condition ?c ; skg:evidenceLevel/skg:rank ?rank .
          FILTER(?rank <= -1) }""")
    labels = " ".join(r["label"].lower() for r in found)
    assert "cystinuria" in labels and "crohn" in labels


def test_interactions(graph):
    # "Moderate Interaction Be cautious with this combination:" over lactulose, "Medications for
    # cancer (Chemotherapy)" and "Medications used to prevent seizures (Anticonvulsants)".
    found = rows(graph, """
        SELECT ?label ?type ?severity ?effect ?rec WHERE {
          ?i a skg:Interaction ; skg:interactant ?x ; skg:severity/skos:notation ?severity ;
             skg:effect ?effect ; skg:recommendation ?rec .
          ?x rdfs:label ?label ; a ?type . }""")
    by_label = {r["label"].lower(): r for r in found}
    assert len(found) == 3
    assert {r["severity"] for r in found} == {"moderate"}
    assert str(by_label["lactulose"]["type"]).endswith("#Drug")
    assert sum(1 for r in found if str(r["type"]).endswith("#DrugClass")) == 2
    # "Taking glutamine along with lactulose might decrease the effectiveness of lactulose."
    assert "effectiveness of lactulose" in by_label["lactulose"]["effect"].lower()


def test_anticonvulsant_members_and_brands(graph):
    # "Some medications used to prevent seizures include phenobarbital, primidone (Mysoline),
    # valproic acid (Depakene), gabapentin (Neurontin), carbamazepine (Tegretol), phenytoin (Dilantin)"
    found = rows(graph, """
        SELECT ?drug ?brand WHERE {
          ?i a skg:Interaction ; skg:interactant ?cls . ?cls skg:hasMember ?d .
          ?d rdfs:label ?drug . OPTIONAL { ?d skg:brandName ?brand }
          ?i skg:quote ?q . FILTER(CONTAINS(?q, "Anticonvulsants")) }""")
    members = {r["drug"].lower(): r.get("brand") for r in found}
    assert members == {"phenobarbital": None, "primidone": "Mysoline", "valproic acid": "Depakene",
                       "gabapentin": "Neurontin", "carbamazepine": "Tegretol", "phenytoin": "Dilantin"}


def test_paclitaxel_is_a_chemotherapy_drug(graph):
    # "muscle and joint pains caused by the cancer drug Taxol" / "the drug paclitaxel (Taxol, used to treat cancer)"
    found = rows(graph, """
        SELECT ?brand WHERE { ?d rdfs:label "paclitaxel" ; skg:memberOf ?c ; skg:brandName ?brand .
          ?i a skg:Interaction ; skg:interactant ?c . }""")
    assert [r["brand"] for r in found] == ["Taxol"]


@pytest.mark.parametrize("words,strength", [
    ("Pregnancy and breast-feeding", "avoid"),  # "Stay on the safe side and avoid use."
    ("Cirrhosis", "avoid"),  # "People with this condition should avoid glutamine supplements."
    ("hepatic encephalopathy", "do-not-use"),  # "Glutamine could make this condition worse. Do not use it."
    ("Mania", "avoid"),  # "Glutamine might cause some mental changes in people with mania. Avoid use."
    ("Seizures", "avoid"),  # "There is some concern that glutamine might increase the likelihood of seizures ... Avoid use."
])
def test_precaution_strength(graph, words, strength):
    found = rows(graph, f"""
        SELECT ?strength WHERE {{ ?p a skg:Precaution ; skg:strength/skos:notation ?strength ; skg:quote ?q .
          FILTER(CONTAINS(?q, "{words}")) }}""")
    assert [r["strength"] for r in found] == [strength]


def test_seven_precautions(graph):
    # Children, pregnancy and breast-feeding, cirrhosis, hepatic encephalopathy, MSG sensitivity, mania, seizures.
    assert len(rows(graph, "SELECT ?p WHERE { ?p a skg:Precaution }")) == 7


def test_safety_limits(graph):
    # "POSSIBLY SAFE for most adults when taken by mouth in doses up to 40 grams daily, and when used
    # intravenously (by IV) in doses up to 600 milligrams per kilogram of weight daily."
    # "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams per kg of weight daily."
    found = rows(graph, """
        SELECT ?route ?amount ?unit ?perkg ?period ?rating ?min ?max WHERE {
          ?l a skg:SafetyLimit ; skg:route/skos:notation ?route ; skg:maxAmount ?amount ;
             skg:unit/skos:notation ?unit ; skg:perKgBodyWeight ?perkg ; skg:period ?period ;
             skg:safetyRating/skos:notation ?rating .
          OPTIONAL { ?l skg:minAgeYears ?min } OPTIONAL { ?l skg:maxAgeYears ?max } }""")
    got = {(r["route"], r["amount"], r["unit"], r["perkg"], r.get("min"), r.get("max")) for r in found}
    assert ("oral", Decimal("40"), "g", False, Decimal("18"), None) in got or \
        any(g[:4] == ("oral", Decimal("40"), "g", False) for g in got)
    assert any(g[:4] == ("intravenous", Decimal("600"), "mg", True) for g in got)
    assert ("oral", Decimal("0.7"), "g", True, Decimal("3"), Decimal("18")) in got
    assert {r["rating"] for r in found} == {"possibly-safe"}
    assert {r["period"] for r in found} == {timedelta(days=1)}  # xsd:duration "P1D"


def test_dosing(graph):
    # "glutamine suspension 4 grams, swish and swallow every four hours around the clock starting
    # with the first dose of chemotherapy and continued until hospital discharge or resolution of symptoms."
    # "For HIV wasting: 8-40 grams per day has been used. However, 40 grams daily may work best."
    found = rows(graph, """
        SELECT ?amount ?min ?max ?pref ?unit ?interval ?start ?stop WHERE {
          ?d a skg:DosingRegimen ; skg:unit/skos:notation ?unit .
          OPTIONAL { ?d skg:amount ?amount } OPTIONAL { ?d skg:minAmount ?min } OPTIONAL { ?d skg:maxAmount ?max }
          OPTIONAL { ?d skg:preferredAmount ?pref } OPTIONAL { ?d skg:interval ?interval }
          OPTIONAL { ?d skg:startCondition ?start } OPTIONAL { ?d skg:stopCondition ?stop } }""")
    assert len(found) == 2
    mucositis = next(r for r in found if r.get("amount") is not None)
    assert mucositis["amount"] == Decimal("4") and mucositis["unit"] == "g"
    assert "first dose of chemotherapy" in mucositis["start"]
    assert "discharge" in mucositis["stop"]
    hiv = next(r for r in found if r.get("min") is not None)
    assert (hiv["min"], hiv["max"], hiv["pref"]) == (Decimal("8"), Decimal("40"), Decimal("40"))


@pytest.mark.parametrize("relation,obj", [
    ("amideOf", "glutamic acid"),  # "An amide of glutamic acid"
    ("convertedTo", "ammonia"),  # "Glutamine is changed into ammonia in the body."
    ("convertedTo", "glutamate"),  # "because the body converts glutamine to glutamate"
    ("brokenDownBy", "glutaminase"),  # "broken down in the kidney by the enzyme glutaminase"
    ("carrierOf", "ammonia"),  # "an important carrier of urinary ammonia"
    ("precursorOf", "glucose"),  # "needed to make other chemicals in the body such as other amino acids and glucose"
])
def test_mechanisms(graph, relation, obj):
    found = rows(graph, f"""
        SELECT ?label WHERE {{ ?m a skg:MechanismStatement ; skg:subjectEntity ?s ;
          skg:relation skg:{relation} ; skg:objectEntity/(rdfs:label|skos:altLabel) ?label .
          ?s a skg:Substance . }}""")
    assert any(obj in r["label"].lower() for r in found), (relation, [r["label"] for r in found])


def test_mechanism_links_for_explanations(graph):
    # "Lactulose helps decrease ammonia in the body." and MSG: "the body converts glutamine to glutamate"
    found = rows(graph, """
        SELECT ?s ?o WHERE { ?x skg:lowers ?y . ?x rdfs:label ?s . ?y rdfs:label ?o }""")
    assert ("lactulose", "ammonia") in {(r["s"].lower(), r["o"].lower()) for r in found}
    found = rows(graph, """
        SELECT ?s WHERE { ?x skg:formOf ?y . ?x rdfs:label ?s . ?y rdfs:label|skos:altLabel ?o .
          FILTER(CONTAINS(LCASE(?o), "glutamate")) }""")
    assert any("monosodium glutamate" in r["s"].lower() for r in found)


def test_physiology_share_of_production(graph):
    # "Skeletal muscle accounts for 70% of all glutamine production in the body [R]."
    found = rows(graph, """
        SELECT ?share WHERE { ?p a skg:PhysiologyStatement ; skg:relation skg:producedIn ;
          skg:objectEntity/rdfs:label ?o ; skg:proportion ?share . FILTER(CONTAINS(LCASE(?o), "skeletal muscle")) }""")
    assert [r["share"] for r in found] == [Decimal("0.7")]


def test_hsp70_study(graph):
    # "In a study (DB-RCT) of 29 critically ill patients, glutamine supplementation increased HSP-70
    # levels 3.7-fold from baseline [R]."
    found = rows(graph, """
        SELECT ?n ?effect WHERE { ?s a skg:Study ; skg:sampleSize ?n ; skg:effectSize ?effect }""")
    assert (29, Decimal("3.7")) in {(r["n"], r["effect"]) for r in found}
    assert len(rows(graph, "SELECT ?s WHERE { ?s a skg:Study }")) >= 3


def test_every_statement_quote_matches_its_offsets(graph):
    # Provenance: the text between oa:start and oa:end is the quote, for every statement.
    from kg.resources import monographs_dir

    text = (monographs_dir() / "glutamine-monograph.txt").read_text(encoding="utf-8")
    found = rows(graph, """
        SELECT ?exact ?start ?end WHERE { ?st skg:evidence ?ev . ?ev oa:hasSelector ?t, ?p .
          ?t oa:exact ?exact . ?p oa:start ?start ; oa:end ?end . }""")
    assert len(found) >= 146
    assert all(text[r["start"]:r["end"]] == r["exact"] for r in found)


def test_confirmed_identifiers_only(graph):
    # crosswalk.tsv: phenytoin DB00252, RxNorm 8183, ATC N03AB02 (edition 2026-04-25);
    # gabapentin's ATC moved to N02BF01; ammonia has no ATC mapping.
    found = rows(graph, """
        SELECT ?label ?target ?edition WHERE { ?m a skg:Mapping ; skg:mappingSubject/rdfs:label ?label ;
          skg:mappingObject ?target . OPTIONAL { ?m skg:edition ?edition } }""")
    by = {}
    for r in found:
        by.setdefault(r["label"].lower(), set()).add(str(r["target"]))
    assert "https://go.drugbank.com/drugs/DB00252" in by["phenytoin"]
    assert any(t.endswith("=N02BF01") for t in by["gabapentin"])
    assert not any(t.endswith("=N03AX12") for t in by["gabapentin"])
    assert not any("whocc" in t for t in by.get("ammonia", set()))
    atc = [r for r in found if "whocc" in str(r["target"])]
    assert atc and all(r.get("edition") for r in atc)
