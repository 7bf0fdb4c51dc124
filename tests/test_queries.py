"""The canned queries: headers, portable parameter binding, and answers read from the source text.

Each answer test quotes the sentence of kg/monographs/glutamine-monograph.txt (or of the invented
tests/fixtures/monographs/moonpetal.txt) its expected values were read from.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kg.graph.build import build, shipped_paths
from kg.cli.main import main
from kg.sparql.canned import list_queries, load_query, query_names, run_query
from kg.sparql.engine import RdflibEngine
from kg.sparql.guards import _tokens, expand_escapes, PARAMETER_TYPES
from kg.sparql.query import open_engine
from kg.sparql.terms import inject_values, values_clause
from kg.resources import monographs_dir

MOONPETAL = Path(__file__).parent / "fixtures" / "monographs" / "moonpetal.yaml"
TEXT = (monographs_dir() / "glutamine-monograph.txt").read_text(encoding="utf-8")

#: The questions issue 3 asks for, each a canned query.
QUESTIONS = ["evidence-by-level", "claimed-uses-vs-evidence", "drug-interactions", "supplement-interactions",
             "precautions", "safety-limits", "dosing-regimens", "mechanisms", "studies", "provenance", "statistics"]


@pytest.fixture(scope="module")
def engine():
    return open_engine()


@pytest.fixture(scope="module")
def both():
    return RdflibEngine(build([*shipped_paths(), MOONPETAL]).graph)


def rows(engine, name, **params):
    result = run_query(engine, name, params)
    assert not result.truncated
    return result.rows


def column(result, name):
    return {r[name] for r in result}


def norm(text: str) -> str:
    return " ".join(text.split())


# --- headers and portability ---------------------------------------------------------------------


def test_every_question_has_a_query():
    assert set(QUESTIONS) <= set(query_names())


@pytest.mark.parametrize("name", query_names())
def test_header(name):
    q = load_query(name)
    assert q.title and q.description, "title and description"
    assert q.example.startswith(f"kg query {name}"), "example runs this query"
    for p in q.parameters:
        assert p.type in PARAMETER_TYPES
        assert re.search(rf"\?{p.name}\b", q.text.split("WHERE", 1)[1]), f"?{p.name} is used"
        if p.default is not None:
            p.term(p.default)  # the default fits the type
    assert set(q.example_parameters()) <= {p.name for p in q.parameters}
    assert all(q.example_parameters().get(p.name) is not None for p in q.parameters if p.required)


@pytest.mark.parametrize("name", [q.name for q in list_queries() if q.parameters])
def test_parameters_only_at_the_top_level_of_where(name):
    # Inside OPTIONAL, MINUS, EXISTS or a subquery a VALUES-bound parameter would not be in scope
    # as it is when pre-bound; so every use must sit directly in the top-level WHERE group.
    q = load_query(name)
    params = {f"?{p.name}" for p in q.parameters} | {f"${p.name}" for p in q.parameters}
    text = expand_escapes(q.text)
    where = re.search(r"\bWHERE\s*\{", text).end()
    depth = 1
    for pos, tok in _tokens(text[where:]):
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif tok in params:
            assert depth == 1, f"{tok} used at brace depth {depth}"
        elif tok.upper() == "AS":
            pass
    assert not re.search(r"AS\s+\?(%s)\b" % "|".join(p.name for p in q.parameters), text), "never assigned"


@pytest.mark.parametrize("name", query_names())
def test_standard_sparql_only(name):
    text = load_query(name).text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    # no engine-specific functions (prefixed-name or IRI function calls)
    assert not re.search(r"\b[A-Za-z]\w*:\w+\s*\(", body)
    assert not re.search(r">\s*\(", body)


@pytest.mark.parametrize("name", [q.name for q in list_queries() if q.parameters])
def test_pre_bound_and_values_block_give_the_same_rows(engine, name):
    q = load_query(name)
    # the example, then every required parameter bound to something that matches nothing
    nothing = {"string": "", "name": "", "iri": "urn:example:nothing"}
    for params in (q.example_parameters(), {p.name: nothing[p.type] for p in q.parameters if p.required}):
        bindings = q.bindings(params)
        pre_bound = engine.select(q.text, bindings)
        injected = inject_values(q.text, bindings)
        assert re.search(r"WHERE\s*\{ VALUES \(", injected), "VALUES opens the top-level WHERE group"
        inline = engine.select(injected, {})
        as_set = lambda result: {tuple(sorted(r.items())) for r in result}  # noqa: E731
        assert as_set(pre_bound) == as_set(inline)
    assert len(engine.select(q.text, q.bindings(q.example_parameters()))) > 0, "the example finds something"


def test_parameterless_queries_need_no_values_block():
    for q in list_queries():
        if not q.parameters:
            assert inject_values(q.text, q.bindings({})) == q.text


def test_values_clause_round_trips_hostile_values():
    from rdflib import Graph, Literal, URIRef

    values = ['"', "'", "\\", '"} ; DELETE WHERE { ?s ?p ?o }', "\\u0022", "\\U00000022", "\\\\u0041", "\\u00e9abcd",
              "a\nb\r\tc", "\x00\x01\x7f", "\u200f\u202e", "", "😀", '"""', "'''", "x" * 100_000]
    for value in values:
        for term in (Literal(value), Literal(value, lang="en"), Literal(value, datatype=URIRef("urn:x:t"))):
            text = "SELECT ?v WHERE { " + values_clause({"v": term}) + " }"
            (got,), = list(Graph().query(text))
            assert got == term, repr(value[:20])


# --- conditions by evidence level -----------------------------------------------------------------


def test_possibly_effective_conditions(engine):
    # "Possibly Effective for:" Burns. / Critical illness (trauma). / Treating weight loss and
    # intestinal problems in people with HIV/AIDs disease. / Soreness and swelling inside the mouth,
    # caused by chemotherapy treatments. / Surgery. The "Surgery." paragraph rates two things:
    # "Giving glutamine intravenously (by IV) along with intravenous nutrition seems to improve
    # immune function ... after major surgery" and "Also, giving glutamine intravenously ... after a
    # bone marrow transplant seems to reduce the risk of infection and improve recovery".
    found = rows(engine, "evidence-by-level", supplement="glutamine", level="possibly-effective", comparison="exactly")
    assert column(found, "condition") == {"burns", "critical illness", "HIV wasting syndrome", "oral mucositis",
                                          "major surgery", "bone marrow transplant"}
    assert column(found, "evidence_level") == {"possibly-effective"}


def test_at_least_possibly_effective_goes_through_the_rank(engine):
    # Nothing in the text is rated better than "Possibly Effective", so "at least" finds the same
    # six (five headings, the "Surgery." one rating surgery and bone marrow transplant).
    at_least = rows(engine, "evidence-by-level", supplement="GLUTAMINE", level="possibly-effective")
    assert len(column(at_least, "condition")) == 6
    assert {int(r["evidence_rank"]) for r in at_least} == {1}


def test_possibly_ineffective_or_worse(engine):
    # "Possibly Ineffective for:" Athletic performance. / Crohn's disease. / Inherited disease that
    # causes stones in the kidneys or bladder (Cystinuria). / Muscular dystrophy.
    found = rows(engine, "evidence-by-level", supplement="L-glutamine", level="possibly-ineffective",
                 comparison="at-most")
    assert column(found, "condition") == {"athletic performance", "Crohn's disease", "cystinuria", "muscular dystrophy"}


def test_insufficient_evidence_has_eight_conditions(engine):
    # "Insufficient Evidence for:" lists eight conditions, from "Diarrhea caused by drugs used to
    # treat HIV." to "Nutrition problems after major gut surgery (short bowel syndrome)."
    found = rows(engine, "evidence-by-level", level="insufficient-evidence", comparison="exactly")
    assert len(column(found, "condition")) == 8
    assert {"pancreatitis", "short bowel syndrome", "low birth weight"} <= column(found, "condition")


def test_routes_and_quotes_of_assessments(engine):
    # "Burns. Administering glutamine through a feeding tube or intravenously (by IV) seems to
    # reduce infections ..."; "Taking glutamine by mouth seems to help HIV/AIDS patients absorb food".
    found = rows(engine, "evidence-by-level", supplement="glutamine")
    burns = [r for r in found if r["condition"] == "burns"]
    assert column(burns, "route") == {"enteral-tube", "intravenous"}
    assert all(r["quote"].startswith("Burns. Administering glutamine through a feeding tube") for r in burns)
    assert column([r for r in found if r["condition"] == "HIV wasting syndrome"], "route") == {"oral"}
    ranks = [int(r["evidence_rank"]) for r in found]
    assert ranks == sorted(ranks, reverse=True), "best evidence first"


def test_claimed_uses_rated_possibly_ineffective(engine):
    # Uses: "enhancing exercise performance", "Crohn's disease", "a urinary condition called
    # cystinuria"; Possibly Ineffective: "Athletic performance.", "Crohn's disease.", "(Cystinuria)."
    # Muscular dystrophy is rated but nobody is said to use glutamine for it.
    found = rows(engine, "claimed-uses-vs-evidence", supplement="glutamine")
    assert column(found, "condition") == {"athletic performance", "Crohn's disease", "cystinuria"}
    cystinuria = [r for r in found if r["condition"] == "cystinuria"][0]
    assert cystinuria["use_quote"] == "a urinary condition called cystinuria"
    assert cystinuria["evidence_quote"].startswith("Inherited disease that causes stones")


def test_claimed_uses_with_insufficient_evidence(engine):
    # "it is used for side effects of cancer chemotherapy including diarrhea ... and muscle and
    # joint pains caused by the cancer drug Taxol"; both are under "Insufficient Evidence for:".
    found = column(rows(engine, "claimed-uses-vs-evidence", at_most="insufficient-evidence"), "condition")
    assert {"diarrhea caused by chemotherapy", "muscle and joint pains caused by paclitaxel"} <= found
    assert "athletic performance" in found and "burns" not in found


# --- interactions ---------------------------------------------------------------------------------


def test_dilantin_interacts_through_anticonvulsants(engine):
    # "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE ... Some
    # medications used to prevent seizures include ... phenytoin (Dilantin)", under "Moderate Interaction".
    found = rows(engine, "drug-interactions", drug="Dilantin")
    assert column(found, "entity") == {"phenytoin"}
    assert column(found, "interactant") == {"anticonvulsants"}
    assert column(found, "severity") == {"moderate"}
    assert "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE" in column(found, "quote")


def test_drug_names_any_case_synonym_and_class(engine):
    # "Lactulose interacts with GLUTAMINE"; "paclitaxel (Taxol, used to treat cancer)" and
    # "Medications for cancer (Chemotherapy) interacts with GLUTAMINE".
    assert column(rows(engine, "drug-interactions", drug="LACTULOSE"), "interactant") == {"lactulose"}
    assert column(rows(engine, "drug-interactions", drug="taxol"), "interactant") == {"chemotherapy"}
    by_synonym = rows(engine, "drug-interactions", drug="medications used to prevent SEIZURES")
    assert column(by_synonym, "entity") == {"anticonvulsants"} and column(by_synonym, "entity_type") == {"drug class"}
    # "drug nelfinavir" appears only as a cause of diarrhea: no interaction is stated.
    assert rows(engine, "drug-interactions", drug="nelfinavir") == []


def test_drug_classes_of_a_brand(engine):
    # "carbamazepine (Tegretol)" is one of the "medications used to prevent seizures".
    found = rows(engine, "drug-classes", drug="tegretol")
    assert [(r["from"], r["relation"], r["to"]) for r in found] == [("carbamazepine", "member of", "anticonvulsants")]


def test_every_drug_and_class_interacting_with_glutamine(engine):
    # The three "interact(s) with GLUTAMINE" sentences, the members listed in "Some medications used
    # to prevent seizures include phenobarbital, primidone (Mysoline), valproic acid (Depakene),
    # gabapentin (Neurontin), carbamazepine (Tegretol), phenytoin (Dilantin)", and paclitaxel, "used
    # to treat cancer"; all under "Moderate Interaction".
    found = rows(engine, "supplement-interactions", supplement="glutamine")
    assert column(found, "drug") == {"lactulose", "chemotherapy", "paclitaxel", "anticonvulsants", "phenobarbital",
                                     "primidone", "valproic acid", "gabapentin", "carbamazepine", "phenytoin"}
    assert column(found, "severity") == {"moderate"}
    via = {r["drug"]: r["via"] for r in found}
    assert via["phenytoin"] == "anticonvulsants" and via["paclitaxel"] == "chemotherapy" and via["lactulose"] == ""
    assert rows(engine, "supplement-interactions", supplement="glutamine", min_severity="major") == []


def test_severity_threshold_with_a_second_monograph(both):
    # moonpetal.txt: "Major Interaction Do not take this combination: Glowmycins interact with
    # MOONPETAL ... Some glowmycins include sparkacillin (Sparkex) and flickermycin (Glimmerin)."
    # and "Minor Interaction ... Yawnazol (Snoozaway) interacts with MOONPETAL".
    major = rows(both, "supplement-interactions", min_severity="major")
    assert column(major, "drug") == {"glowmycins", "sparkacillin", "flickermycin"}
    minor = rows(both, "supplement-interactions", supplement="moonpetal")
    assert {r["drug"]: r["severity"] for r in minor}["yawnazol"] == "minor"
    assert column(rows(both, "drug-interactions", drug="Snoozaway"), "severity") == {"minor"}
    assert column(rows(both, "drug-interactions", drug="Dilantin", supplement="moonpetal"), "entity") == set()


# --- precautions, safety limits, doses ----------------------------------------------------------------


def test_precautions_by_strength(engine):
    # "Severe liver disease ... (hepatic encephalopathy): ... Do not use it."; "Cirrhosis: ... should
    # avoid"; "Pregnancy and breast-feeding: ... avoid use"; "Mania ... Avoid use."; "Seizures: ... Avoid use."
    avoid = rows(engine, "precautions", supplement="glutamine", min_strength="avoid")
    assert column(avoid, "subject") == {"hepatic encephalopathy", "liver cirrhosis", "pregnant or breast-feeding women",
                                        "mania", "seizures"}
    do_not_use = rows(engine, "precautions", min_strength="do-not-use")
    assert column(do_not_use, "subject") == {"hepatic encephalopathy"}
    assert do_not_use[0]["quote"].endswith("Do not use it.")
    # Seven precautions in all: Children, Pregnancy and breast-feeding, Cirrhosis, hepatic
    # encephalopathy, MSG sensitivity, Mania, Seizures.
    assert len(column(rows(engine, "precautions"), "subject")) == 7


def limits(found):
    return {(r["population"], Decimal(r["max_amount"]), r["unit"], r["per_kg"]) for r in found}


def test_safety_limits_by_route(engine):
    # "POSSIBLY SAFE for most adults when taken by mouth in doses up to 40 grams daily, and when
    # used intravenously (by IV) in doses up to 600 milligrams per kilogram of weight daily";
    # "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams per kg
    # of weight daily".
    oral = rows(engine, "safety-limits", supplement="glutamine", route_code="oral")
    assert limits(oral) == {("adults", Decimal(40), "g", "false"),
                            ("children aged 3 to 18 years", Decimal("0.7"), "g", "true")}
    assert column(oral, "period") == {"P1D"} and column(oral, "rating") == {"possibly-safe"}
    iv = rows(engine, "safety-limits", supplement="glutamine", route_code="intravenous")
    assert limits(iv) == {("adults", Decimal(600), "mg", "true")}
    assert rows(engine, "safety-limits", supplement="glutamine", route_code="topical") == []
    assert len(column(rows(engine, "safety-limits", population_name="ADULTS"), "limit")) == 2


@pytest.mark.parametrize("age,expected", [
    ("10", {"children aged 3 to 18 years"}),
    ("3", {"children aged 3 to 18 years"}),
    ("2.99", set()),          # "aged 3 to 18": not yet 3
    ("2", set()),
    ("18", {"children aged 3 to 18 years", "adults"}),   # both bands name 18
    ("18.5", {"children aged 3 to 18 years", "adults"}),  # still aged 18 in completed years
    ("19", {"adults"}),
])
def test_safety_limits_by_age(engine, age, expected):
    found = rows(engine, "safety-limits", supplement="glutamine", route_code="oral", age_years=age)
    assert column(found, "population") == expected


def test_dosing_regimens(engine):
    # "For reducing mouth soreness due to chemotherapy: glutamine suspension 4 grams, swish and
    # swallow every four hours around the clock starting with the first dose of chemotherapy and
    # continued until hospital discharge or resolution of symptoms."
    (mouth,) = rows(engine, "dosing-regimens", supplement="glutamine", indication_name="mucositis")
    assert Decimal(mouth["amount"]) == 4 and mouth["unit"] == "g" and mouth["interval"] == "PT4H"
    assert mouth["form"] == "suspension" and mouth["administration"] == "swish and swallow"
    assert mouth["start"] == "first dose of chemotherapy"
    assert mouth["stop"] == "hospital discharge or resolution of symptoms"
    # "For HIV wasting: 8-40 grams per day has been used. However, 40 grams daily may work best."
    hiv = rows(engine, "dosing-regimens", indication_name="HIV wasting")
    assert {(Decimal(r["min_amount"]), Decimal(r["max_amount"]), Decimal(r["preferred_amount"]), r["unit"], r["period"])
            for r in hiv} == {(8, 40, 40, "g", "P1D")}


# --- mechanisms, studies, provenance, statistics ------------------------------------------------------


def test_converted_to(engine):
    # "Glutamine is changed into ammonia in the body."; "because the body converts glutamine to glutamate".
    found = rows(engine, "mechanisms", subject_name="glutamine", relation_name="convertedTo")
    assert column(found, "object") == {"ammonia", "glutamic acid"}
    assert "Glutamine is changed into ammonia in the body." in column(found, "quote")
    assert column(rows(engine, "mechanisms", subject_name="glutamine", relation_name="Converted To"), "object") == \
        {"ammonia", "glutamic acid"}


def test_fuels_made_in_used_by(engine):
    # "Fuel for cells that line the gut"; "Fuel for immune cells, such as macrophages"
    assert {"cells that line the gut", "immune cells", "macrophages"} <= column(
        rows(engine, "mechanisms", subject_name="glutamine", relation_name="fuels"), "object")
    # "Glutamine is produced in the muscles"; "Skeletal muscle accounts for 70% of all glutamine production"
    made = rows(engine, "mechanisms", subject_name="glutamine", relation_name="produced in")
    assert "skeletal muscle" in column(made, "object")
    assert Decimal("0.7") in {Decimal(r["proportion"]) for r in made if r["proportion"]}
    # "The main organs that use glutamine are skeletal muscle, kidneys, liver, and small intestine"
    used = rows(engine, "mechanisms", subject_name="glutamine", relation_name="usedBy")
    assert column(used, "object") == {"skeletal muscle", "kidney", "liver", "small intestine"}


def test_study_behind_the_hsp70_statement(engine):
    # "In a study (DB-RCT) of 29 critically ill patients, glutamine supplementation increased
    # HSP-70 levels 3.7-fold from baseline [R]."
    (study,) = [r for r in rows(engine, "studies", supplement="glutamine") if r["sample_size"]]
    assert int(study["sample_size"]) == 29 and study["population"] == "critically ill people"
    assert "randomised controlled trial" in study["design"] and study["measured"] == "HSP-70"
    assert Decimal(study["effect_size"]) == Decimal("3.7") and study["effect_size_unit"] == "fold change from baseline"
    assert study["quote"].startswith("In a study (DB-RCT) of 29 critically ill patients")


def test_provenance_offsets_point_at_the_quotes(engine):
    found = rows(engine, "provenance", record_id="int-anticonvulsants")
    assert len(found) == 4
    heading = TEXT.index("Interactions with other drugs and medications:")
    for r in found:
        start, end = int(r["start"]), int(r["end"])
        assert norm(TEXT[start:end]) == norm(r["quote"])
        assert start > heading
        assert r["section"] == "Interactions with other drugs and medications"
        assert r["statement_type"] == "interaction" and r["monograph"] == "L-glutamine"


def test_statistics(engine):
    counts = {(r["kind"], r["type"]): int(r["count"]) for r in rows(engine, "statistics")}
    # three "interact(s) with GLUTAMINE" sentences; seven headings under "Special Precautions &
    # Warnings:"; the adult oral, adult IV and children's limits; two "For ..." doses; 6 + 4 + 8
    # rated conditions (the "Surgery." paragraph rates major surgery and bone marrow transplant);
    # one substance.
    assert counts[("statement", "interaction")] == 3
    assert counts[("statement", "precaution")] == 7
    assert counts[("statement", "safety limit")] == 3
    assert counts[("statement", "dosing regimen")] == 2
    assert counts[("statement", "effectiveness assessment")] == 18
    assert counts[("entity", "substance")] == 1


def test_scale_concepts(engine):
    evidence = {r["code"]: int(r["rank"]) for r in rows(engine, "scale-concepts", scheme="evidence")}
    assert evidence == {"effective": 3, "likely-effective": 2, "possibly-effective": 1, "insufficient-evidence": 0,
                        "possibly-ineffective": -1, "likely-ineffective": -2, "ineffective": -3}
    severity = {r["code"]: int(r["rank"]) for r in rows(engine, "scale-concepts", scheme="severity")}
    assert severity == {"major": 3, "moderate": 2, "minor": 1}


# --- the commands -------------------------------------------------------------------------------------


def test_query_list(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for name in QUESTIONS:
        assert name in out
    assert main(["query", "--list", "--format", "json"]) == 0
    listed = {q["name"]: q for q in json.loads(capsys.readouterr().out)}
    drug = listed["drug-interactions"]
    assert set(drug) == {"name", "title", "description", "parameters", "example", "audience"}
    assert drug["parameters"][0] == {"name": "drug", "type": "string", "default": None, "required": True,
                                     "description": drug["parameters"][0]["description"]}


def test_query_by_name_json_rows_of_strings(capsys):
    assert main(["query", "drug-interactions", "--param", "drug=Dilantin", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, list) and len(out) == 4
    assert all(isinstance(v, str) or v is None for row in out for v in row.values())
    assert {row["interactant"] for row in out} == {"anticonvulsants"}


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_query_delimited(capsys, fmt, sep):
    assert main(["query", "drug-classes", "-p", "drug=Dilantin", "--format", fmt]) == 0
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header.split(sep)[:4] == ["entity", "from", "relation", "to"]
    assert first.split(sep)[:4] == ["phenytoin", "phenytoin", "member of", "anticonvulsants"]


def test_query_file_with_a_header(tmp_path, capsys):
    rq = tmp_path / "by-brand.rq"
    rq.write_text("# title: By brand\n# description: a drug by brand name\n# parameters:\n"
                  "#   brand (string): the brand name\n# example: kg query by-brand.rq --param brand=Dilantin\n"
                  "PREFIX skg: <https://w3id.org/skg/ontology#>\n"
                  "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "SELECT ?label WHERE { ?d skg:brandName ?brand ; rdfs:label ?label }\n", encoding="utf-8")
    assert main(["query", str(rq), "--param", "brand=Dilantin", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"label": "phenytoin"}]


@pytest.mark.parametrize("argv,message", [
    (["query", "drug-interaction"], "did you mean: drug-interactions"),
    (["query", "drug-interactions"], "needs parameter 'drug'"),
    (["query", "drug-interactions", "-p", "drug=x", "-p", "colour=red"], "no parameter 'colour'"),
    (["query", "drug-interactions", "-p", "drug"], "KEY=VALUE"),
    (["query", "safety-limits", "-p", "age_years=ten"], "decimal number"),
    (["query"], "give a query name"),
    (["query", "missing-file.rq"], "no such query file"),
])
def test_query_usage_errors(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_sparql_ask_and_stdin(capsys, monkeypatch):
    import io

    assert main(["sparql", "ASK { ?d <https://w3id.org/skg/ontology#brandName> 'Dilantin' }", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"result": "true"}]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"SELECT ?x WHERE { BIND(1 AS ?x) }")))
    assert main(["sparql", "-", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["x", "1"]


def test_query_on_a_built_graph(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path), "--no-validate"]) == 0
    capsys.readouterr()
    assert main(["query", "drug-interactions", "-p", "drug=Mysoline", "--graph", str(tmp_path), "--format", "json"]) == 0
    assert {r["entity"] for r in json.loads(capsys.readouterr().out)} == {"primidone"}
