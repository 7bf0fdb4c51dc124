"""Answers that do not overstate the text: the likelihood of an interaction as its wording says it,
the smallest applicable dose limit, and routes as clinicians write them (issue 16, B and D).

Expected answers come from the monograph text (kg/monographs/glutamine-monograph.txt); each test
quotes the sentence it checks.
"""

from __future__ import annotations

import json

import pytest

from kg.answers.clinical import dose, interactions, scale
from kg.cli.main import main
from kg.errors import UsageError
from kg.sparql.query import open_engine


@pytest.fixture(scope="module")
def engine():
    return open_engine()


def _found(report, name):
    (result,) = [r for r in report["results"] if r["input"] == name]
    return result["interactions"]


# --- likelihood ----------------------------------------------------------------------------------

def test_likelihood_scale_is_ordered(engine):
    ranks = {c["code"]: c["rank"] for c in scale("likelihood", engine=engine)}
    assert ranks["probable"] > ranks["possible"] > ranks["uncertain"]


def test_chemotherapy_is_uncertain(engine):
    # "There is some concern that glutamine might decrease the effectiveness of some medications for
    # cancer. But it is too soon to know if this interaction occurs."
    (i,) = _found(interactions(["chemotherapy"], engine=engine), "chemotherapy")
    assert (i["likelihood"], i["basis"]) == ("uncertain", "stated")
    assert "too soon to know" in i["quote"]


def test_anticonvulsants_and_lactulose_are_possible_and_weaker_than_nothing(engine):
    # "By affecting chemicals in the brain, glutamine may decrease the effectiveness of medications
    # used to prevent seizures." / "Taking glutamine along with lactulose might decrease the
    # effectiveness of lactulose."
    report = interactions(["Dilantin", "lactulose", "chemotherapy"], engine=engine)
    (dilantin,), (lactulose,), (chemo,) = (_found(report, n) for n in ("Dilantin", "lactulose", "chemotherapy"))
    assert dilantin["likelihood"] == lactulose["likelihood"] == "possible"
    assert dilantin["likelihood_rank"] > chemo["likelihood_rank"]


def test_interactions_json_and_table_show_likelihood(capsys):
    assert main(["interactions", "Dilantin", "--format", "json"]) == 1
    (i,) = json.loads(capsys.readouterr().out)["results"][0]["interactions"]
    assert {"likelihood": "possible", "basis": "stated"}.items() <= i.items()
    assert isinstance(i["likelihood_rank"], int)
    # "There is some concern ... But it is too soon to know if this interaction occurs." (one row:
    # at 100 columns the table is printed as "column: value" records)
    assert main(["interactions", "chemotherapy"]) == 1
    record = capsys.readouterr().out.split("\n\n")[0].splitlines()
    fields = dict(line.split(":", 1) for line in record if not line[:1].isspace())  # wrapped lines are indented
    assert fields["likelihood"].strip() == "uncertain" and fields["basis"].strip() == "stated"
    # "... might decrease the effectiveness of some medications for cancer": the table keeps the "some"
    assert fields["effect"].strip().startswith("[only some types]")
    # the text gives no basis for it (no mechanism, no study): said, not left blank
    assert fields["evidence"].strip() == "not stated in the text"


# --- the smallest applicable limit ---------------------------------------------------------------
# "Glutamine is POSSIBLY SAFE for most adults when taken by mouth in doses up to 40 grams daily"
# "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams per kg of
# weight daily."

def test_a_heavy_child_never_gets_more_than_the_adult_ceiling(engine):
    d = dose("glutamine", "oral", 10, 80, engine=engine)  # 0.7 g x 80 kg = 56 g > 40 g
    assert (d["amount"], d["unit"]) == (40, "g")
    assert "56 g" in d["rule"] and "40 g" in d["rule"] and "smallest" in d["rule"]
    assert [lim["won"] for lim in d["limits"]].count(True) == 1 and len(d["limits"]) == 2


def test_an_age_inside_two_bands_gets_the_smaller(engine):
    # 18 years: "aged 3 to 18 years" and "adults" both apply.
    assert dose("glutamine", "oral", 18, 50, engine=engine)["amount"] == 35  # 0.7 x 50 < 40
    assert dose("glutamine", "oral", 18, 70, engine=engine)["amount"] == 40  # 40 < 0.7 x 70 = 49


def test_a_per_kg_limit_that_applies_needs_the_weight(engine):
    with pytest.raises(UsageError, match="give the weight"):
        dose("glutamine", "oral", 18, None, engine=engine)


def test_a_gram_or_more_is_shown_in_grams(engine):
    # "when used intravenously (by IV) in doses up to 600 milligrams per kilogram of weight daily"
    d = dose("glutamine", "intravenous", 40, 70, engine=engine)
    assert (d["amount"], d["unit"]) == (42, "g") and d["limit_amount"] == 600


# --- routes as clinicians write them -------------------------------------------------------------

@pytest.mark.parametrize("written,route", [
    ("IV", "intravenous"), ("i.v.", "intravenous"), ("intravenously", "intravenous"), ("by IV", "intravenous"),
    ("PO", "oral"), ("p.o.", "oral"), ("by mouth", "oral"), ("Orally", "oral"),
])
def test_route_aliases(engine, written, route):
    assert dose("glutamine", written, 40, 70, engine=engine)["route"] == route


def test_unknown_route_lists_what_is_accepted(engine):
    with pytest.raises(UsageError) as err:
        dose("glutamine", "nasal spray", 40, 70, engine=engine)
    message = str(err.value)
    assert "unknown route 'nasal spray'" in message
    assert all(word in message for word in ("oral", "PO", "intravenous", "IV", "feeding tube", "topical"))


def test_route_alias_on_the_command_line(capsys):
    assert main(["dose", "--supplement", "glutamine", "--route", "by IV", "--age", "40", "--weight-kg", "70",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["route"] == "intravenous"
