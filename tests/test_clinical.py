"""The medication checker, evidence, precautions and dose limits (kg.answers.clinical and its commands).

Expected answers are read from kg/monographs/glutamine-monograph.txt (and the invented
tests/fixtures/monographs/moonpetal.txt); each test quotes its sentence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from kg.answers import clinical
from kg.graph.build import build, shipped_paths
from kg.cli.main import main
from kg.answers.clinical import NoApplicableLimit, dose, evidence, interactions, precautions
from kg.errors import NotFound, UsageError
from kg.sparql.canned import run_query
from kg.sparql.engine import RdflibEngine
from kg.sparql.query import open_engine
from kg.resources import ontology_file

MOONPETAL = Path(__file__).parent / "fixtures" / "monographs" / "moonpetal.yaml"


@pytest.fixture(scope="module")
def engine():
    return open_engine()


@pytest.fixture(scope="module")
def both():
    return RdflibEngine(build([*shipped_paths(), MOONPETAL]).graph)


def only(report, name):
    (result,) = [r for r in report["results"] if r["input"] == name]
    return result


# --- the medication checker ----------------------------------------------------------------------
# "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE ... Some
# medications used to prevent seizures include phenobarbital, primidone (Mysoline), valproic acid
# (Depakene), gabapentin (Neurontin), carbamazepine (Tegretol), phenytoin (Dilantin), and others."
# under "Moderate Interaction Be cautious with this combination".


@pytest.mark.parametrize("name,resolved", [
    ("phenytoin", "phenytoin"),          # generic name
    ("Dilantin", "phenytoin"),           # brand name
    ("dIlAnTiN", "phenytoin"),           # mixed case
    ("TEGRETOL", "carbamazepine"),
    ("diphenylhydantoin", "phenytoin"),  # synonym
    ("  Depakene ", "valproic acid"),    # surrounding blanks
])
def test_drug_through_its_class(engine, name, resolved):
    result = only(interactions([name], engine=engine), name)
    assert result["resolved"] == resolved and result["type"] == "drug"
    (found,) = result["interactions"]
    assert found["severity"] == "moderate" and found["via"] == ["anticonvulsants"]
    assert found["supplement"] == "L-glutamine" and found["interactant"] == "anticonvulsants"
    assert "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE" in found["quotes"]
    assert "glutamine may decrease the effectiveness" in found["quote"]
    assert found["recommendation"] == "Be cautious with this combination."


def test_class_name_is_direct(engine):
    for name in ("anticonvulsants", "Medications used to prevent seizures"):
        result = only(interactions([name], engine=engine), name)
        assert result["type"] == "drug class" and result["resolved"] == "anticonvulsants"
        assert [i["via"] for i in result["interactions"]] == [[]]


def test_direct_drug_interaction(engine):
    # "Lactulose interacts with GLUTAMINE ... Lactulose helps decrease ammonia in the body.
    # Glutamine is changed into ammonia in the body."
    (found,) = only(interactions(["lactulose"], engine=engine), "lactulose")["interactions"]
    assert found["via"] == [] and found["severity"] == "moderate"
    assert "ammonia" in found["mechanism"]
    assert found["quotes"][1] == "Lactulose interacts with GLUTAMINE"


def test_unknown_and_misspelt_names_are_kept_with_suggestions(engine):
    report = interactions(["Dilantn", "aspirin", "Dilantin"], engine=engine)
    assert [r["input"] for r in report["results"]] == ["Dilantin"]
    unknown = {u["input"]: u["suggestions"] for u in report["unknown"]}
    assert unknown["Dilantn"] == ["Dilantin"]
    assert set(unknown) == {"Dilantn", "aspirin"}


def test_every_name_is_found_by_the_indexed_lookup(engine):
    """Every name of the graph (e.g. "phenytoin (Dilantin)": label phenytoin, brand Dilantin), in
    any letter case, is found by the name-lookup query alone, through the search keys, and gives
    exactly what the index of every name gives. Each label, synonym, brand and salt is typed one
    way (as written, upper case, or swapped case with spaces around: the three in turn); of the
    identifiers (skos:notation, e.g. "RXNORM:8183"), which are thousands from the reference
    classification and all made the same way, every tenth."""
    from kg.answers.resolve import NameIndex, full_index, lookup

    index = full_index(engine)
    rows = run_query(engine, "entity-names", limit=100_000).rows
    names = sorted({r["name"] for r in rows if r["kind"] != "identifier"})
    identifiers = sorted({r["name"] for r in rows if r["kind"] == "identifier"})
    assert "Dilantin" in names and len(names) > 100 and len(identifiers) > 100
    ways = (lambda n: n, str.upper, lambda n: f"  {n.swapcase()} ")
    for k, name in enumerate(names + identifiers[::10]):
        typed = ways[k % len(ways)](name)
        expected = index.lookup(typed)
        assert expected.matches, typed
        direct = NameIndex(run_query(engine, "name-lookup", {"lookup": typed}).rows).lookup(typed)
        assert direct.matches == expected.matches, typed
        assert lookup(engine, typed).matches == expected.matches, typed


def test_names_resolve_in_a_graph_built_without_search_keys():
    """A graph without skos:hiddenLabel keys (an older build, another producer) still resolves
    "dIlAnTiN" to phenytoin: the indexed lookup finds nothing, the index of every name does."""
    from rdflib.namespace import SKOS

    graph = Graph()
    for t in build(shipped_paths()).graph:
        graph.add(t)
    graph.remove((None, SKOS.hiddenLabel, None))
    bare = RdflibEngine(graph)
    assert len(run_query(bare, "name-lookup", {"lookup": "dIlAnTiN"})) == 0
    assert only(interactions(["dIlAnTiN"], engine=bare), "dIlAnTiN")["resolved"] == "phenytoin"


def test_a_drug_with_no_stated_interaction(engine):
    # nelfinavir appears only in "people with HIV who are taking the drug nelfinavir".
    result = only(interactions(["nelfinavir"], engine=engine), "nelfinavir")
    assert result["resolved"] == "nelfinavir" and result["interactions"] == []


def test_the_supplement_is_not_a_drug(engine):
    (unknown,) = interactions(["glutamine"], engine=engine)["unknown"]
    assert "not a drug" in unknown["note"]


def test_supplement_filter(both):
    assert only(interactions(["Dilantin"], "moonpetal", engine=both), "Dilantin")["interactions"] == []
    assert len(only(interactions(["Dilantin"], "glutamine", engine=both), "Dilantin")["interactions"]) == 1
    with pytest.raises(NotFound, match="unknown supplement 'moonpetl'; did you mean: moonpetal"):
        interactions(["Dilantin"], "moonpetl", engine=both)


def test_second_monograph_severities(both):
    # "Major Interaction Do not take this combination: Glowmycins interact with MOONPETAL ... Some
    # glowmycins include sparkacillin (Sparkex)"; "Minor Interaction ... Yawnazol (Snoozaway)".
    report = interactions(["Sparkex", "Snoozaway"], engine=both)
    assert [(i["severity"], i["via"]) for i in only(report, "Sparkex")["interactions"]] == [("major", ["glowmycins"])]
    assert [i["severity"] for i in only(report, "Snoozaway")["interactions"]] == ["minor"]
    assert clinical.worst_severity(report)["severity"] == "major"


def tiny_hierarchy() -> Graph:
    """A made-up drug in a class in a broader class; the interaction is stated for the broader one."""
    skg = Namespace("https://w3id.org/skg/ontology#")
    x = Namespace("https://w3id.org/skg/id/")
    g = Graph().parse(ontology_file())
    sub, drug, narrow, broad, stmt = x["substance/sunleaf"], x["drug/zapamol"], x["drug-class/zaps"], \
        x["drug-class/bolts"], x["statement/t/int-bolts"]
    for node, cls, label in ((sub, skg.Substance, "sunleaf"), (drug, skg.Drug, "zapamol"),
                             (narrow, skg.DrugClass, "zaps"), (broad, skg.DrugClass, "bolts")):
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(label)))
    g.add((drug, skg.brandName, Literal("Zappo")))
    g.add((drug, skg.memberOf, narrow))
    g.add((narrow, skg.hasMember, drug))
    g.add((narrow, skg.subClassOfClass, broad))
    g.add((stmt, RDF.type, skg.Interaction))
    g.add((stmt, skg.aboutSubstance, sub))
    g.add((stmt, skg.interactant, broad))
    g.add((stmt, skg.severity, skg.SeverityMajor))
    g.add((stmt, skg.effect, Literal("made up")))
    g.add((stmt, skg.recommendation, Literal("do not")))
    g.add((stmt, skg.evidence, URIRef(stmt + "/quote/1")))
    g.add((URIRef(stmt + "/quote/1"), URIRef("http://www.w3.org/ns/oa#hasSelector"), URIRef(stmt + "/quote/1/t")))
    g.add((URIRef(stmt + "/quote/1/t"), URIRef("http://www.w3.org/ns/oa#exact"), Literal("Bolts interact")))
    g.add((URIRef(stmt + "/quote/1"), URIRef("http://www.w3.org/ns/oa#hasSelector"), URIRef(stmt + "/quote/1/p")))
    g.add((URIRef(stmt + "/quote/1/p"), URIRef("http://www.w3.org/ns/oa#start"), Literal(0)))
    # every quote sits in a section (the shapes require one; the interaction queries join it in)
    g.add((URIRef(stmt + "/quote/1"), skg.section, x["monograph/t/section/interactions"]))
    g.add((x["monograph/t/section/interactions"], RDFS.label, Literal("Interactions")))
    return g


def test_via_is_the_chain_of_classes_transitively():
    engine = RdflibEngine(tiny_hierarchy())
    report = interactions(["zappo", "zaps", "bolts"], engine=engine)
    assert only(report, "zappo")["interactions"][0]["via"] == ["zaps", "bolts"]
    assert only(report, "zaps")["interactions"][0]["via"] == ["bolts"]
    assert only(report, "bolts")["interactions"][0]["via"] == []
    assert only(report, "zappo")["interactions"][0]["quote"] == "Bolts interact"


def test_empty_list_is_a_usage_error(engine):
    with pytest.raises(UsageError):
        interactions([], engine=engine)


# --- hostile names ----------------------------------------------------------------------------------

HOSTILE = ['"', "'", ">", "<", "{", "}", '"} ; DELETE WHERE { ?s ?p ?o }', "\\u0022",
           '\\u0022} ; DELETE WHERE { ?s ?p ?o } #', 'Dilantin"\nDELETE WHERE { ?s ?p ?o }', "a\r\nb", "line\nbreak",
           "\x00", "Dilantin\x00", "\u200fDilantin\u200f", "\u202enitnaliD", "", " ", "x" * 1_000_000,
           "?drug", "$drug", "<urn:x:a>", "\\", "\\\\u0041", "' OR '1'='1", "}} UNION {{ ?s ?p ?o }}"]


def test_hostile_names_are_plain_names_that_match_nothing(engine):
    graph = engine.graph
    before = len(graph)
    report = interactions(HOSTILE, engine=engine)
    assert report["results"] == []
    assert [u["input"] for u in report["unknown"]] == HOSTILE
    for value in HOSTILE:
        assert len(run_query(engine, "drug-interactions", {"drug": value})) == 0
        if value:  # "" is these parameters' documented "every supplement / population" sentinel
            assert len(run_query(engine, "evidence-by-level", {"supplement": value})) == 0
            assert len(run_query(engine, "safety-limits", {"population_name": value})) == 0
    for value in HOSTILE[:12]:
        assert len(run_query(engine, "safety-limits", {"route_code": value})) == 0
    assert len(graph) == before


def test_hostile_names_on_the_command_line(capsys):
    for value in HOSTILE:
        assert main(["interactions", value, "--format", "json"]) == 2
        out, err = capsys.readouterr()
        if not value.strip():  # an empty or blank name is refused as bad input (tests/test_cli_newuser.py)
            assert out == "" and "must not be empty or blank" in err
            continue
        report = json.loads(out)
        assert report["results"] == [] and [u["input"] for u in report["unknown"]] == [value]
        assert "not found" in err and "Traceback" not in err
    assert main(["interactions", '"} ; DELETE WHERE { ?s ?p ?o }', "\x1b[2J"]) == 2
    out = capsys.readouterr().out
    assert "\x1b" not in out, "control characters are shown escaped in the table"
    assert main(["interactions", "Dilantin"]) == 1, "the graph is unchanged"


def test_hostile_supplement_names(engine):
    for value in HOSTILE[:8]:
        with pytest.raises(NotFound):
            evidence(supplement=value, engine=engine)


# --- kg interactions: JSON shape and exit codes ------------------------------------------------------


def test_interactions_json_shape(capsys):
    assert main(["interactions", "Dilantin", "Dilantn", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"results", "unknown"}
    (result,) = report["results"]
    assert {"input", "resolved", "interactions"} <= set(result)
    (found,) = result["interactions"]
    assert {"supplement", "severity", "via", "effect", "mechanism", "recommendation", "quote"} <= set(found)
    assert result["input"] == "Dilantin" and result["resolved"] == "phenytoin"
    assert found["via"] == ["anticonvulsants"] and found["severity"] == "moderate"
    assert report["unknown"] == [{"input": "Dilantn", "suggestions": ["Dilantin"]}]


@pytest.mark.parametrize("argv,code", [
    (["Dilantin"], 1),                                   # a moderate interaction; default --fail-on minor
    (["Dilantin", "--fail-on", "moderate"], 1),
    (["Dilantin", "--fail-on", "major"], 0),
    (["Dilantin", "--fail-on", "none"], 0),
    (["nelfinavir"], 0),                                 # resolved, no interaction stated
    (["Dilantn"], 2),                                    # not found: the list was not fully checked
    (["Dilantin", "aspirin"], 2),
    (["Dilantin", "--supplement", "nosuchherb"], 2),
    (["Dilantin", "--fail-on", "catastrophic"], 2),
])
def test_interactions_exit_codes(argv, code, capsys):
    try:
        assert main(["interactions", *argv]) == code
    except SystemExit as exc:  # argparse refuses bad choices with exit 2
        assert exc.code == code


def test_interactions_table_for_a_pharmacist(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # room for the table's columns (at 100 it prints records)
    assert main(["interactions", "Dilantin", "Taxol", "Dilantn"]) == 2
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["input", "drug", "supplement", "severity", "likelihood", "evidence", "basis", "via",
                      "effect", "recommendation", "source"]
    assert "phenytoin (drug)" in out and "anticonvulsants" in out and "chemotherapy" in out
    assert "Medications for cancer (Chemotherapy) interacts with GLUTAMINE" in out
    assert "Dilantn - did you mean: Dilantin?" in out


def test_interactions_csv(capsys):
    assert main(["interactions", "Dilantin", "Dilantn", "--format", "csv"]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("input,status,resolved,type,supplement,severity,likelihood,evidence,qualifiers,basis,via")
    # "Medications used to prevent seizures affect chemicals in the brain. Glutamine may also affect
    # chemicals in the brain.": reasoned from a stated mechanism, no restriction
    assert lines[1].startswith("Dilantin,interaction,phenytoin,drug,L-glutamine,moderate,possible,mechanism,,stated,"
                               "anticonvulsants")
    assert lines[-1].startswith("Dilantn,not found,")


def test_major_interaction_fails_on_major(tmp_path, capsys):
    assert main(["build", "--monographs", str(MOONPETAL), "--out", str(tmp_path), "--no-validate"]) == 0
    capsys.readouterr()
    assert main(["interactions", "Sparkex", "--fail-on", "major", "--graph", str(tmp_path)]) == 1
    assert main(["interactions", "Snoozaway", "--fail-on", "moderate", "--graph", str(tmp_path)]) == 0
    assert main(["interactions", "Snoozaway", "--graph", str(tmp_path)]) == 1


# --- evidence and precautions ---------------------------------------------------------------------


def test_evidence_at_least(engine):
    # The "Possibly Effective for:" conditions (the "Surgery." paragraph rates bone marrow transplant
    # too: "Also, giving glutamine intravenously ... after a bone marrow transplant seems to reduce
    # the risk of infection"); nothing is rated better.
    found = evidence("possibly-effective", "glutamine", at_least=True, engine=engine)
    assert [r["condition"] for r in found] == ["bone marrow transplant", "burns", "critical illness",
                                               "HIV wasting syndrome", "major surgery", "oral mucositis"]
    burns = found[1]
    assert burns["route"] == "enteral-tube, intravenous" and burns["level"] == "possibly-effective"
    assert burns["quote"].startswith("Burns. Administering glutamine through a feeding tube")
    assert evidence("Possibly Effective", engine=engine) == evidence("possibly-effective", engine=engine)


def test_evidence_all_levels_best_first(engine):
    found = evidence(engine=engine)
    # 6 possibly effective (5 paragraphs; "Surgery." rates bone marrow transplant too) + 8
    # insufficient + 4 possibly ineffective
    assert len(found) == 18
    assert [r["level"] for r in found[:6]] == ["possibly-effective"] * 6
    assert [r["level"] for r in found[-4:]] == ["possibly-ineffective"] * 4


def test_evidence_bad_input(engine):
    with pytest.raises(UsageError, match="unknown evidence 'miraculous'"):
        evidence("miraculous", engine=engine)
    with pytest.raises(UsageError):
        evidence("effective", at_least=True, at_most=True, engine=engine)


def test_evidence_command(capsys):
    assert main(["evidence", "--level", "possibly-ineffective", "--supplement", "glutamine", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {"supplement", "condition", "level", "route", "quote"} <= set(found[0])
    # "Muscular dystrophy. Research shows that taking glutamine by mouth does not improve muscle
    # strength in children with muscular dystrophy."
    dystrophy = [r for r in found if r["condition"] == "muscular dystrophy"][0]
    assert dystrophy["route"] == "oral" and dystrophy["quote"].startswith("Muscular dystrophy. Research shows")
    assert main(["evidence", "--at-least"]) == 2


def test_precautions(engine):
    found = precautions("glutamine", engine=engine)
    assert len(found) == 7
    # "Severe liver disease with difficulty thinking or confusion (hepatic encephalopathy): Glutamine
    # could make this condition worse. Do not use it."
    assert (found[0]["subject"], found[0]["strength"]) == ("hepatic encephalopathy", "do-not-use")
    # "Monosodium glutamate (MSG) sensitivity ... because the body converts glutamine to glutamate."
    msg = [r for r in found if r["subject"] == "monosodium glutamate sensitivity"][0]
    assert msg["strength"] == "caution" and "converts glutamine to glutamate" in msg["quote"]


def test_precautions_command(capsys):
    assert main(["precautions", "--supplement", "glutamine", "--min-strength", "avoid", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {"supplement", "subject", "strength", "rationale", "quote"} <= set(found[0])
    assert {r["subject"] for r in found} == {"hepatic encephalopathy", "liver cirrhosis",
                                             "pregnant or breast-feeding women", "mania", "seizures"}


# --- dose ---------------------------------------------------------------------------------------------
# "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams per kg of
# weight daily."; "POSSIBLY SAFE for most adults when taken by mouth in doses up to 40 grams daily,
# and when used intravenously (by IV) in doses up to 600 milligrams per kilogram of weight daily."


def test_dose_for_a_child(engine):
    d = dose("glutamine", "oral", 10, 30, engine=engine)
    assert (d["amount"], d["unit"], d["per"]) == (21, "g", "day")  # 0.7 g/kg x 30 kg
    assert "0.7 g per kg" in d["rule"] and "21 g per day" in d["rule"]
    assert "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams" in d["quote"]


@pytest.mark.parametrize("age,weight,amount,unit", [
    (3, 14, 9.8, "g"),        # 0.7 x 14; "aged 3 to 18" includes 3
    (17.99, 50, 35, "g"),     # 0.7 x 50
    (18, 70, 40, "g"),        # adults 18+ get the adult limit, not 0.7 x 70 = 49
    (18.9, 50, 35, "g"),      # inside both bands ("aged 3 to 18" and adults): the smaller, 0.7 x 50
    (45, None, 40, "g"),      # the adult oral limit is not per kg
])
def test_dose_bands(engine, age, weight, amount, unit):
    d = dose("glutamine", "oral", age, weight, engine=engine)
    assert (d["amount"], d["unit"]) == (amount, unit)


def test_dose_intravenous_adult(engine):
    d = dose("L-Glutamine", "intravenous", 40, 70, engine=engine)
    assert (d["amount"], d["unit"], d["per"]) == (42, "g", "day")  # 600 mg/kg x 70 kg = 42,000 mg


def test_dose_refuses_to_extrapolate(engine):
    with pytest.raises(NoApplicableLimit, match="covers age 2") as err:
        dose("glutamine", "oral", 2, 12, engine=engine)
    assert "children aged 3 to 18 years" in str(err.value) and err.value.exit_code == 1
    with pytest.raises(NoApplicableLimit, match="topical route"):
        dose("glutamine", "topical", 40, 70, engine=engine)
    with pytest.raises(NoApplicableLimit):
        dose("glutamine", "intravenous", 10, 30, engine=engine)  # the IV limit is for adults only


def test_dose_second_monograph_bands(both):
    # "Children aged 2 to 6 years should not be given more than 20 milligrams per kg of weight
    # daily. Children aged 7 to 12 years should not be given more than 1 gram daily."
    assert (dose("moonpetal", "oral", 6.5, 20, engine=both)["amount"], "mg") == (400, "mg")
    assert dose("moonpetal", "oral", 7, 25, engine=both)["amount"] == 1
    with pytest.raises(NoApplicableLimit, match="covers age 13"):
        dose("moonpetal", "oral", 13, 40, engine=both)  # between "7 to 12" and adults (18+)


@pytest.mark.parametrize("kwargs,message", [
    ({"age": -1, "weight_kg": 30}, "age must be"),
    ({"age": 200, "weight_kg": 30}, "age must be"),
    ({"age": "ten", "weight_kg": 30}, "age must be a number"),
    ({"age": 10, "weight_kg": 0}, "weight in kg must be"),
    ({"age": 10, "weight_kg": float("nan")}, "weight in kg must be"),
    ({"age": 10, "weight_kg": None}, "give the weight"),
    ({"age": 10, "weight_kg": 30, "route": "nasal"}, "unknown route 'nasal'"),
])
def test_dose_bad_input(engine, kwargs, message):
    args = {"supplement": "glutamine", "route": "oral", **kwargs}
    with pytest.raises(UsageError, match=message):
        dose(engine=engine, **args)


def test_dose_command(capsys):
    assert main(["dose", "--supplement", "glutamine", "--route", "oral", "--age", "10", "--weight-kg", "30",
                 "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"amount": 21, "unit": "g", "per": "day"}.items() <= d.items()
    assert {"rule", "quote"} <= set(d)
    assert main(["dose", "--supplement", "glutamine", "--route", "oral", "--age", "2", "--weight-kg", "12"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "no stated safety limit" in err and "not extrapolating" in err
    assert main(["dose", "--supplement", "glutamine", "--route", "topical", "--age", "30"]) == 1
    assert main(["dose", "--supplement", "glutamne", "--route", "oral", "--age", "30"]) == 2
    assert "did you mean: glutamine" in capsys.readouterr().err
    assert main(["dose", "--supplement", "glutamine", "--route", "oral", "--age", "30", "--format", "csv"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.startswith("amount,unit,per,rule,quote") and row.startswith("40,g,day,")
