"""CDS Hooks 2.0 services (kg.serve.cds): discovery and cards from FHIR R4 medication lists.

The request fixtures in tests/fixtures/cds/ follow the specification's order-select example
(https://cds-hooks.hl7.org/2.0/, draftOrders Bundle, selections, prefetch); the JSON Schemas there
are written from its Discovery and CDS Service Response sections. Expected cards come from the
monograph's interaction text:

- "Medications used to prevent seizures affect chemicals in the brain. Glutamine may also affect
  chemicals in the brain. By affecting chemicals in the brain, glutamine may decrease the
  effectiveness of medications used to prevent seizures." ... "phenytoin (Dilantin)" ...
  "Moderate Interaction Be cautious with this combination"
- "There is some concern that glutamine might decrease the effectiveness of some medications for
  cancer. But it is too soon to know if this interaction occurs."
- "Pregnancy and breast-feeding: ... Stay on the safe side and avoid use."

Each quote in a card's detail carries its section, the heading of the text it comes under
("Interactions with other drugs and medications:", "Special Precautions & Warnings:"; read from
the text by tests.test_check.heading_in_text).

Every FHIR resource a test sends (the draftOrders Bundle, the prefetch Bundles and Patient, the
resources in them and the Medications they contain) is validated with ``fhir.resources`` (its R4B
models: version 8 has none for R4 itself, and R4B is R4 but for the resources it reworked, none of
them used here), so a malformed fixture fails the test rather than testing the service on
something an EHR would not send.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from fhir.resources.R4B import get_fhir_model_class

from kg.serve import cds
from kg.sparql.query import open_engine

from tests.test_check import heading_in_text, same_title

FIXTURES = Path(__file__).parent / "fixtures" / "cds"
TODAY = date(2026, 12, 7)
SELECT = "supplement-interactions-order-select"
SIGN = "supplement-interactions-order-sign"
VIEW = "supplement-interactions-patient-view"
#: The fixture's patient, the subject of every medication a test adds to its lists.
PATIENT = {"reference": "Patient/1288992"}


def schema(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def engine():
    return open_engine()


@pytest.fixture()
def order_select() -> dict:
    return json.loads((FIXTURES / "order-select.json").read_text(encoding="utf-8"))


def fhir_resources(body: dict) -> list[tuple[str, dict]]:
    """The FHIR resources a CDS Hooks call sends: ``context.draftOrders`` and every prefetch value."""
    context = body.get("context") if isinstance(body.get("context"), dict) else {}
    prefetch = body.get("prefetch") or {}
    found = [("context.draftOrders", context.get("draftOrders"))]
    found += [(f"prefetch {key!r}", value) for key, value in prefetch.items()]
    return [(where, resource) for where, resource in found if resource is not None]


def validate_fhir(body: dict) -> None:
    """Every FHIR resource of ``body`` is a valid FHIR R4B resource: a Bundle's entries and a
    resource's contained resources are validated with it."""
    for where, resource in fhir_resources(body):
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except Exception as exc:  # pydantic's ValidationError, or an unknown resourceType
            raise AssertionError(f"{where} is not a valid FHIR resource: {exc}") from None


def cards(service: str, body: dict, engine) -> list[dict]:
    validate_fhir(body)
    response = cds.call(service, body, engine=engine, page_url="http://127.0.0.1:7878/", today=TODAY)
    jsonschema.validate(response, schema("cards"))
    return response["cards"]


def by_drug(found: list[dict]) -> dict[str, dict]:
    return {c["summary"].split(" with ")[1].split(":")[0]: c for c in found if " with " in c["summary"]}


def quote_lines(card: dict) -> list[str]:
    return [line for line in card["detail"].splitlines() if line.startswith("> [")]


def section_of(line: str) -> str | None:
    """The section a quote line of a card's detail names (``> [1] (section: Title) "..."``)."""
    found = re.match(r'> \[\d+\] \(section: ((?:\\.|[^\\)])*)\) "', line)
    return re.sub(r"\\(.)", r"\1", found.group(1)) if found else None


def test_the_fixture_is_valid_fhir(order_select):
    assert [where for where, _ in fhir_resources(order_select)] == [
        "context.draftOrders", "prefetch 'patient'", "prefetch 'medications'"]
    validate_fhir(order_select)
    # ... and the check has teeth: a Medication with a misspelt element is not FHIR
    order_select["prefetch"]["medications"]["entry"][2]["resource"]["code"] = {"txt": "Taxol"}
    with pytest.raises(AssertionError, match="prefetch 'medications'"):
        validate_fhir(order_select)


def test_discovery_lists_the_three_hooks_with_prefetch():
    doc = cds.discovery()
    jsonschema.validate(doc, schema("discovery"))
    assert sorted(s["hook"] for s in doc["services"]) == ["order-select", "order-sign", "patient-view"]
    for s in doc["services"]:
        assert {"medications", "patient", "conditions"} <= set(s["prefetch"])
        assert "{{context.patientId}}" in s["prefetch"]["medications"]
        assert s["title"] and s["description"]


def test_order_select_cards_for_the_supplement_ordered(order_select, engine):
    found = by_drug(cards(SELECT, order_select, engine))
    # phenytoin from its RxNorm coding (8183, from the crosswalk), paclitaxel from the free text
    # of a bundled Medication ("Taxol 6 mg/mL injection")
    assert set(found) == {"phenytoin", "paclitaxel"}
    phenytoin = found["phenytoin"]
    assert phenytoin["indicator"] == "warning"  # "Moderate Interaction"
    assert "L-glutamine monograph" in phenytoin["source"]["label"]
    assert "likelihood possible" in phenytoin["detail"]
    assert "Be cautious with this combination" in phenytoin["detail"]
    assert "Glutamine may also affect chemicals in the brain" in phenytoin["detail"]
    assert "reasoned from a stated mechanism" in phenytoin["detail"]
    # each numbered quote says its section: "Medications used to prevent seizures (Anticonvulsants)
    # interact with GLUTAMINE" is under the text's "Interactions with other drugs and medications:"
    heading = heading_in_text("Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE")
    lines = quote_lines(phenytoin)
    assert len(lines) == 4 and all(same_title(section_of(line), heading) for line in lines), lines
    # "some medications for cancer ... too soon to know": uncertain, and only some types
    taxol = found["paclitaxel"]
    assert "likelihood uncertain (only some types)" in taxol["detail"]
    assert "not stated in the text" in taxol["detail"]
    link = parse_qs(urlsplit(phenytoin["links"][0]["url"]).query)
    assert link["supplement"] == ["L-glutamine"] and "RXNORM:8183" in link["drug"]
    assert link["age"] == ["45"]  # born 1981-04-09


def test_cards_are_deterministic(order_select, engine):
    assert cards(SELECT, order_select, engine) == cards(SELECT, copy.deepcopy(order_select), engine)


def test_an_order_unrelated_to_the_interaction_gives_no_card(order_select, engine):
    # Selecting only acetaminophen: glutamine and phenytoin both on the list is not this order's problem.
    order_select["context"]["selections"] = ["MedicationRequest/smart-MedicationRequest-104"]
    order_select["prefetch"]["medications"]["entry"].append(
        {"resource": {"resourceType": "MedicationStatement", "id": "list-3", "status": "active",
                      "medicationCodeableConcept": {"text": "glutamine 500 mg capsules"}, "subject": PATIENT}})
    order_select["context"]["draftOrders"]["entry"] = order_select["context"]["draftOrders"]["entry"][1:]
    assert cards(SELECT, order_select, engine) == []


def test_a_drug_order_meets_a_supplement_on_the_list(order_select, engine):
    # order-sign of Dilantin (brand, by text) while the patient takes glutamine
    body = copy.deepcopy(order_select)
    body["hook"] = "order-sign"
    del body["context"]["selections"]
    body["context"]["draftOrders"]["entry"] = [{"resource": {
        "resourceType": "MedicationRequest", "id": "new-1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": {"text": "Dilantin 100 mg capsule"}, "subject": PATIENT}}]
    body["prefetch"]["medications"]["entry"] = [{"resource": {
        "resourceType": "MedicationStatement", "id": "s-1", "status": "active", "subject": PATIENT,
        "medicationReference": {"reference": "#gln"},
        "contained": [{"resourceType": "Medication", "id": "gln", "code": {"text": "L-glutamine"}}]}}]
    found = by_drug(cards(SIGN, body, engine))
    assert set(found) == {"phenytoin"}


def test_patient_view_checks_the_whole_list_and_matches_pregnancy(order_select, engine):
    body = {"hookInstance": "b3b6b4a8-0c5e-4a6e-8d1f-3a1f0a8a7c11", "hook": "patient-view",
            "context": {"userId": "Practitioner/example", "patientId": "p2"},
            "prefetch": {
                "patient": {"resourceType": "Patient", "id": "p2", "birthDate": "1994-02-01"},
                "medications": order_select["prefetch"]["medications"],
                "statements": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
                    "resourceType": "MedicationStatement", "id": "s-9", "status": "active",
                    "subject": {"reference": "Patient/p2"},
                    "medicationCodeableConcept": {"text": "L-glutamine 5 g powder"}}}]},
                "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
                    "resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p2"},
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "77386006",
                                         "display": "Pregnancy"}]}}}]}}}
    found = cards(VIEW, body, engine)
    assert set(by_drug(found)) == {"phenytoin", "paclitaxel"}
    (pregnancy,) = [c for c in found if "pregnant" in c["summary"]]
    assert pregnancy["indicator"] == "warning"  # "avoid use"
    assert "Stay on the safe side and avoid use" in pregnancy["detail"]
    # "Pregnancy and breast-feeding: ..." is under the text's "Special Precautions & Warnings:"
    heading = heading_in_text("Pregnancy and breast-feeding: Not enough is known")
    (line,) = quote_lines(pregnancy)
    assert same_title(section_of(line), heading), line


def test_a_repeated_list_gets_the_same_cards_and_a_changed_patient_new_ones(order_select, engine):
    # the service keeps the last check reports by what was checked (kg.serve.cds._kept_report): the
    # same call must give the same cards, and the same list for a pregnant patient must still
    # get the pregnancy precaution ("Pregnancy and breast-feeding: ... avoid use"), which the
    # first patient (a man born 1981) does not
    first = cards(SELECT, copy.deepcopy(order_select), engine)
    assert cards(SELECT, copy.deepcopy(order_select), engine) == first
    assert not [c for c in first if "pregnant" in c["summary"]]
    pregnant = copy.deepcopy(order_select)
    pregnant["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
        "resourceType": "Condition", "id": "c1", "subject": PATIENT,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "77386006", "display": "Pregnancy"}]}}}]}
    again = cards(SELECT, pregnant, engine)
    assert [c for c in again if "pregnant" in c["summary"]]
    assert cards(SELECT, copy.deepcopy(order_select), engine) == first


def test_nothing_applies_gives_no_cards(order_select, engine):
    order_select["prefetch"]["medications"]["entry"] = []
    assert cards(SELECT, order_select, engine) == []


def test_hostile_names_match_nothing(order_select, engine):
    hostile = ["'; DROP GRAPH <x> ; --", "<script>alert(1)</script>", "} UNION { ?s ?p ?o }", "\u202e" * 40,
               "x" * 5000]
    order_select["prefetch"]["medications"]["entry"] = [
        {"resource": {"resourceType": "MedicationStatement", "id": f"h{n}", "status": "active", "subject": PATIENT,
                      "medicationCodeableConcept": {"text": text}}} for n, text in enumerate(hostile)]
    assert cards(SELECT, order_select, engine) == []


def test_markdown_from_the_graph_cannot_inject_links(order_select, engine):
    (card, *_) = cards(SELECT, order_select, engine)
    assert "](" not in card["detail"].replace("\\]", "").replace("\\(", "")


# fhir: True when the resources the call sends stay valid FHIR (the call is refused as a CDS Hooks
# call), False when the change makes one malformed FHIR, which fhir.resources must refuse too.
@pytest.mark.parametrize("change, status, words, fhir", [
    (lambda b: b["prefetch"].pop("medications"), 412, "offline", True),
    (lambda b: (b["prefetch"].pop("medications"), b.pop("fhirServer")), 412, "no fhirServer", True),
    (lambda b: b["prefetch"].update(medications=None), 412, "missing", True),
    (lambda b: b.update(hook="patient-view"), 400, "answers hook 'order-select'", True),
    (lambda b: b.pop("hookInstance"), 400, "hookInstance", True),
    (lambda b: b.update(context=[]), 400, "context must be", True),
    (lambda b: b["context"].pop("draftOrders"), 400, "draftOrders", True),
    (lambda b: b["context"].update(selections="MedicationRequest/1"), 400, "selections", True),
    (lambda b: b["prefetch"].update(medications={"resourceType": "Patient"}), 400, "must be a FHIR Bundle", True),
    (lambda b: b["prefetch"]["medications"]["entry"].append({"resource": 7}), 400, "has no FHIR resource", False),
    (lambda b: b["prefetch"]["medications"]["entry"].append(
        {"resource": {"resourceType": "MedicationStatement", "id": "z", "status": "active", "subject": PATIENT}}),
     400, "names no medication", False),
    (lambda b: b["prefetch"]["patient"].update(birthDate="yesterday"), 400, "birthDate", False),
])
def test_bad_calls_are_refused_with_a_reason(order_select, engine, change, status, words, fhir):
    validate_fhir(order_select)
    change(order_select)
    if fhir:
        validate_fhir(order_select)
    else:
        with pytest.raises(AssertionError, match="not a valid FHIR resource"):
            validate_fhir(order_select)
    with pytest.raises(cds.CdsError) as err:
        cds.call(SELECT, order_select, engine=engine, today=TODAY)
    assert err.value.status == status and words in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("born, age", [
    ("1981", 45),  # a year: from 1 January 1981, 45 on 7 December 2026
    ("1981-12", 45),  # a year and month: from 1 December 1981
    ("1981-12-25", 44),  # a full date: 45 only on 25 December 2026
])
def test_a_birth_date_may_be_a_year_a_month_or_a_day(order_select, engine, born, age):
    order_select["prefetch"]["patient"]["birthDate"] = born
    found = by_drug(cards(SELECT, order_select, engine))
    assert parse_qs(urlsplit(found["phenytoin"]["links"][0]["url"]).query)["age"] == [str(age)]


@pytest.mark.parametrize("born", ["1981-4-9", "19811225", "1981-12-25T08:00:00Z", "1981-02-30", "1981-13",
                                  "0000", "1981-12-25\nx", " 1981", "yesterday", ""])
def test_a_bad_birth_date_is_refused_in_one_line(order_select, engine, born):
    order_select["prefetch"]["patient"]["birthDate"] = born
    with pytest.raises(AssertionError, match="not a valid FHIR resource"):
        validate_fhir(order_select)  # not a FHIR date either
    with pytest.raises(cds.CdsError) as err:
        cds.call(SELECT, order_select, engine=engine, today=TODAY)
    assert err.value.status == 400 and "birthDate" in str(err.value) and "YYYY-MM-DD" in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_service_is_404(order_select, engine):
    validate_fhir(order_select)
    with pytest.raises(cds.CdsError) as err:
        cds.call("no-such-service", order_select, engine=engine)
    assert err.value.status == 404


def test_too_many_medications_is_refused(order_select, engine):
    entry = order_select["prefetch"]["medications"]["entry"][0]
    order_select["prefetch"]["medications"]["entry"] = [entry] * (cds.MAX_MEDICATIONS + 1)
    validate_fhir(order_select)
    with pytest.raises(cds.CdsError) as err:
        cds.call(SELECT, order_select, engine=engine)
    assert err.value.status == 400 and "too many medications" in str(err.value)


def test_a_summary_never_passes_140_characters():
    assert len(cds._summary("x" * 500)) <= cds.MAX_SUMMARY
