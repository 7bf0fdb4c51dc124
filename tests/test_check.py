"""One patient, one check: ``kg check`` and :func:`kg.answers.check.check` (issue 16, E).

Expected answers come from the monograph text (kg/monographs/glutamine-monograph.txt); each test
quotes the sentence it checks. The section a quote is in is the heading of the text it comes under
(:func:`heading_in_text`), read from the text itself, never from the graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from kg.answers.check import NOTHING_RECORDED, check
from kg.cli.main import main
from kg.errors import UsageError
from kg.sparql.query import open_engine
from kg.sparql.store import default_graph
from kg.vocab import SKG

MONOGRAPH_TEXT = Path(__file__).resolve().parents[1] / "kg" / "monographs" / "glutamine-monograph.txt"
#: The headings of the monograph's source text from "Possibly Effective for:" on, as printed there,
#: each a line of its own.
TEXT_HEADINGS = ["Possibly Effective for:", "Possibly Ineffective for:", "Insufficient Evidence for:",
                 "Side affects:", "Special Precautions & Warnings:", "Interactions with other drugs and medications:",
                 "The following doses have been studied in scientific research:"]


def heading_in_text(sentence: str) -> str:
    """The heading of the source text that ``sentence`` comes under: the last of
    :data:`TEXT_HEADINGS` before it in the text."""
    text = MONOGRAPH_TEXT.read_text(encoding="utf-8")
    at = text.index(sentence)
    headings = [(text.index("\n" + h + "\n"), h) for h in TEXT_HEADINGS]
    return max((pos, h) for pos, h in headings if pos < at)[1]


def same_title(section: str | None, heading: str) -> bool:
    """Is ``section`` (a section title from an answer) the text's ``heading``? Compared without
    letter case and the closing colon, "&" as "and" ("Special Precautions & Warnings:" is the
    section "Special precautions and warnings")."""
    def fold(s: str) -> str:
        return " ".join(s.strip().rstrip(":").replace("&", "and").casefold().split())
    return isinstance(section, str) and fold(section) == fold(heading)


@pytest.fixture(scope="module")
def engine():
    return open_engine()


def test_dilantin_with_glutamine_for_a_child(engine):
    # "By affecting chemicals in the brain, glutamine may decrease the effectiveness of medications
    # used to prevent seizures." / "Some medications used to prevent seizures include ... phenytoin
    # (Dilantin), and others." / "Children aged 3 to 18 years should not be given doses that are
    # larger than 0.7 grams per kg of weight daily."
    r = check(["Dilantin"], ["glutamine"], age=10, weight_kg=30, engine=engine)
    (i,) = r["interactions"]
    assert (i["drug"], i["severity"], i["likelihood"], i["basis"]) == ("phenytoin", "moderate", "possible", "stated")
    assert i["chain"] == ["phenytoin", "anticonvulsants", "L-glutamine"]
    quoted = " ".join(s["quote"] for s in r["sources"] if s["n"] in i["sources"])
    assert "phenytoin (Dilantin)" in quoted and "may decrease the effectiveness" in quoted
    # Every quote of the interaction is in the text's section "Interactions with other drugs and
    # medications:", the heading "Some medications used to prevent seizures include" comes under.
    interactions = heading_in_text("Some medications used to prevent seizures include")
    assert interactions == "Interactions with other drugs and medications:"
    cited = [s for s in r["sources"] if s["n"] in i["sources"]]
    assert len(cited) == 4 and all(same_title(s["section"], interactions) for s in cited), cited
    (oral,) = [d for d in r["doses"] if d["route"] == "oral"]
    assert (oral["amount"], oral["unit"], oral["per"]) == (21, "g", "day")
    # The children's limit is stated under "Special Precautions & Warnings:".
    warnings = heading_in_text("Children aged 3 to 18 years should not be given doses")
    assert warnings == "Special Precautions & Warnings:"
    assert all(same_title(s["section"], warnings) for s in r["sources"] if s["n"] in oral["sources"])
    # "when used intravenously (by IV) in doses up to 600 milligrams per kilogram" is for adults only.
    (iv,) = [d for d in r["doses"] if d["route"] == "intravenous"]
    assert iv["amount"] is None and "not extrapolating" in iv["why_none"]
    assert r["not_checked"] == []


def test_a_condition_the_patient_has_matches_its_precaution(engine):
    # "Cirrhosis: Glutamine could make this condition worse. People with this condition should avoid
    # glutamine supplements."
    r = check([], ["glutamine"], conditions=["cirrhosis"], engine=engine)
    (p,) = r["precautions"]
    assert (p["strength"], "cirrhosis" in p["subject"]) == ("avoid", True)
    quoted = " ".join(s["quote"] for s in r["sources"] if s["n"] in p["sources"])
    assert "should avoid glutamine supplements" in quoted
    # "Cirrhosis: ..." comes under the text's heading "Special Precautions & Warnings:".
    warnings = heading_in_text("People with this condition should avoid glutamine supplements.")
    assert warnings == "Special Precautions & Warnings:"
    assert all(same_title(s["section"], warnings) for s in r["sources"] if s["n"] in p["sources"])
    # "Pregnancy and breast-feeding: ... avoid use." has no age range: listed to check, never dropped.
    assert any("pregnan" in q["subject"] for q in r["precautions_to_check"])


def test_evidence_for_a_condition_named(engine):
    # "Taking glutamine by mouth seems to help HIV/AIDS patients absorb food better and gain weight."
    r = check([], ["glutamine"], conditions=["HIV wasting"], engine=engine)
    assert r["evidence"] and all(e["level"] == "possibly-effective" for e in r["evidence"])
    # ... under the text's heading "Possibly Effective for:"
    effective = heading_in_text("Taking glutamine by mouth seems to help HIV/AIDS patients absorb food better")
    assert effective == "Possibly Effective for:"
    cited = [s for s in r["sources"] if any(s["n"] in e["sources"] for e in r["evidence"])]
    assert cited and all(same_title(s["section"], effective) for s in cited)


def test_nothing_recorded_is_never_safe(engine):
    r = check(["lactulose"], [], engine=engine)
    assert r["interactions"]  # "Lactulose interacts with GLUTAMINE"
    # Glutamine names no interaction with lisinopril: not in the graph at all, so "not checked".
    r = check(["lisinopril"], ["glutamine"], engine=engine)
    assert r["interactions"] == [] and NOTHING_RECORDED in r["summary"]
    assert "safe" not in r["summary"].replace("not a statement that the combination is safe", "")
    assert [n["input"] for n in r["not_checked"]] == ["lisinopril"]


@pytest.mark.parametrize("kwargs,message", [
    ({"drugs": [], "supplements": []}, "at least one drug or supplement"),
    ({"drugs": [""], "supplements": []}, "empty"),
    ({"drugs": ["Dilantin"], "age": -3}, "age must be"),
])
def test_bad_input(engine, kwargs, message):
    with pytest.raises(UsageError, match=message):
        check(engine=engine, **kwargs)


def test_command_json_and_exit_codes(capsys):
    assert main(["check", "--drug", "Dilantin", "--supplement", "glutamine", "--age", "10", "--weight-kg", "30",
                 "--format", "json"]) == 1
    r = json.loads(capsys.readouterr().out)
    assert r["interactions"][0]["likelihood"] == "possible"
    # "Moderate Interaction Be cautious with this combination:" is under "Interactions with other
    # drugs and medications:": the JSON gives the section with the quote, the text prints it with it.
    heading = heading_in_text("Moderate Interaction Be cautious with this combination")
    (first,) = [s for s in r["sources"] if s["quote"].startswith("Moderate Interaction")]
    assert same_title(first["section"], heading)
    assert all(s["section"] for s in r["sources"])
    assert main(["check", "--drug", "Dilantin", "--supplement", "glutamine"]) == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert (f'[{first["n"]}] (interaction; section: {first["section"]}) "Moderate Interaction Be cautious with '
            'this combination"') in printed
    assert main(["check", "--drug", "Dilantn", "--supplement", "glutamine"]) == 2
    out, err = capsys.readouterr()
    assert "Not checked" in out and "Dilantin" in out and "not checked: 'Dilantn'" in err
    assert main(["check", "--supplement", "glutamine", "--condition", "cirrhosis"]) == 0
    assert main(["check", "--drug", ""]) == 2


def test_a_quote_without_its_section_does_not_validate():
    # Every quote must say which section of the text it is in (the shapes require exactly one
    # skg:section on a quote selection): the answers join it in, rather than leaving it optional,
    # because Oxigraph planned the OPTIONAL 40 times slower at 1e6 triples (BENCHMARKS.md)
    from kg.graph.validate import shacl

    graph = Graph()
    for triple in default_graph():
        if triple[1] != SKG.section:
            graph.add(triple)
    messages = {f.message for f in shacl(graph)}
    assert any(m.startswith("A quote selection sits in exactly one skg:section, a skg:Section.") for m in messages)
