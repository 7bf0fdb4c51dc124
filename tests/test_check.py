"""One patient, one check: ``kg check`` and :func:`kg.answers.check.check` (issue 16, E).

Expected answers come from the monograph text (kg/monographs/glutamine-monograph.txt); each test
quotes the sentence it checks.
"""

from __future__ import annotations

import json

import pytest

from kg.answers.check import NOTHING_RECORDED, check
from kg.cli.main import main
from kg.errors import UsageError
from kg.sparql.query import open_engine


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
    (oral,) = [d for d in r["doses"] if d["route"] == "oral"]
    assert (oral["amount"], oral["unit"], oral["per"]) == (21, "g", "day")
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
    # "Pregnancy and breast-feeding: ... avoid use." has no age range: listed to check, never dropped.
    assert any("pregnan" in q["subject"] for q in r["precautions_to_check"])


def test_evidence_for_a_condition_named(engine):
    # "Taking glutamine by mouth seems to help HIV/AIDS patients absorb food better and gain weight."
    r = check([], ["glutamine"], conditions=["HIV wasting"], engine=engine)
    assert r["evidence"] and all(e["level"] == "possibly-effective" for e in r["evidence"])


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
    assert main(["check", "--drug", "Dilantn", "--supplement", "glutamine"]) == 2
    out, err = capsys.readouterr()
    assert "Not checked" in out and "Dilantin" in out and "not checked: 'Dilantn'" in err
    assert main(["check", "--supplement", "glutamine", "--condition", "cirrhosis"]) == 0
    assert main(["check", "--drug", ""]) == 2
