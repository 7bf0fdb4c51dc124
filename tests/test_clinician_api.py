"""The clinician-facing HTTP interface (kg.serve.app) in-process: /api/check gives what
``kg check --format json`` gives, /api/names completes names, the CDS Hooks routes answer with
cards, and bad requests get one-line reasons with the right status.

Expected answers come from the monograph: "phenytoin (Dilantin)" is among "Medications used to
prevent seizures (Anticonvulsants)", a "Moderate Interaction" with glutamine; "Pregnancy and
breast-feeding: ... avoid use." Each quote comes with its section, the heading of the text it is
under ("Interactions with other drugs and medications:", "Special Precautions & Warnings:").
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from starlette.testclient import TestClient

from kg.answers.check import check
from kg.serve.app import MAX_BODY_BYTES, create_app
from kg.sparql.query import open_engine

from tests.test_check import heading_in_text, same_title

FIXTURES = Path(__file__).parent / "fixtures" / "cds"
SELECT = "/cds-services/supplement-interactions-order-select"


@pytest.fixture(scope="module")
def engine():
    return open_engine()


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine), raise_server_exceptions=True)


def one_line(response) -> str:
    text = response.text
    assert text.endswith("\n") and "\n" not in text[:-1], text
    return text


def test_api_check_get_is_kg_check(client, engine):
    r = client.get("/api/check", params=[("drug", "Dilantin"), ("supplement", "glutamine"), ("age", "30"),
                                         ("pregnant", "1")])
    assert r.status_code == 200
    expected = check(["Dilantin"], ["glutamine"], age=30, pregnant=True, engine=engine)
    assert r.json() == json.loads(json.dumps(expected))
    (i,) = r.json()["interactions"]
    assert (i["drug"], i["severity"]) == ("phenytoin", "moderate")
    assert "pregnant or breast-feeding women" in {p["subject"] for p in r.json()["precautions"]}
    # the quotes come with their sections: the interaction's "Medications used to prevent seizures
    # affect chemicals in the brain." is under "Interactions with other drugs and medications:",
    # "Pregnancy and breast-feeding: ..." under "Special Precautions & Warnings:"
    sources = {s["n"]: s for s in r.json()["sources"]}
    interactions = heading_in_text("Medications used to prevent seizures affect chemicals in the brain.")
    assert all(same_title(sources[n]["section"], interactions) for n in i["sources"])
    (pregnancy,) = [p for p in r.json()["precautions"] if p["subject"] == "pregnant or breast-feeding women"]
    warnings = heading_in_text("Pregnancy and breast-feeding: Not enough is known")
    assert all(same_title(sources[n]["section"], warnings) for n in pregnancy["sources"])


def test_api_check_post_json(client):
    r = client.post("/api/check", json={"drug": ["Dilantin", "Dilantn"], "supplement": "glutamine"})
    assert r.status_code == 200
    body = r.json()
    assert body["not_checked"][0]["input"] == "Dilantn" and "Dilantin" in body["not_checked"][0]["suggestions"]
    # "Some medications used to prevent seizures include ... phenytoin (Dilantin)" and its section
    heading = heading_in_text("Some medications used to prevent seizures include")
    (named,) = [s for s in body["sources"] if "phenytoin (Dilantin)" in s["quote"]]
    assert same_title(named["section"], heading)


def test_api_names_completes_brands(client):
    r = client.get("/api/names", params={"prefix": "dilan"})
    assert r.status_code == 200
    assert {"name": "Dilantin", "label": "phenytoin"}.items() <= r.json()["names"][0].items()
    only = client.get("/api/names", params={"prefix": "glu", "type": "Substance"}).json()["names"]
    assert only and all(n["type"] == "Substance" for n in only)


def test_cds_discovery_and_call(client):
    doc = client.get("/cds-services").json()
    jsonschema.validate(doc, json.loads((FIXTURES / "discovery.schema.json").read_text(encoding="utf-8")))
    body = json.loads((FIXTURES / "order-select.json").read_text(encoding="utf-8"))
    r = client.post(SELECT, json=body)
    assert r.status_code == 200
    jsonschema.validate(r.json(), json.loads((FIXTURES / "cards.schema.json").read_text(encoding="utf-8")))
    (card,) = [c for c in r.json()["cards"] if "phenytoin" in c["summary"]]
    heading = heading_in_text("Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE")
    assert f"(section: {heading.rstrip(':')}) \"Medications used to prevent seizures" in card["detail"]
    assert client.post(SELECT + "/feedback", json={"feedback": [{"card": "x", "outcome": "accepted"}]}).status_code == 200


@pytest.mark.parametrize("request_args, status, words", [
    (dict(method="POST", url=SELECT, content=b"{not json", headers={"content-type": "application/json"}), 400, "not JSON"),
    (dict(method="POST", url=SELECT, content=b"[]", headers={"content-type": "application/json"}), 400, "JSON object"),
    (dict(method="POST", url=SELECT, content=b"{}", headers={"content-type": "text/plain"}), 415, "application/json"),
    (dict(method="POST", url="/cds-services/nope", json={}), 404, "no CDS service"),
    (dict(method="POST", url=SELECT + "x/feedback", json={}), 404, "no CDS service"),
    (dict(method="POST", url=SELECT + "/feedback", json={"feedback": "yes"}), 400, "feedback"),
    (dict(method="POST", url=SELECT, json={"hook": "order-select", "hookInstance": "a", "context": {}}), 412, "prefetch"),
    (dict(method="POST", url=SELECT, content=b" " * (MAX_BODY_BYTES + 1),
          headers={"content-type": "application/json"}), 413, "larger than"),
    (dict(method="GET", url="/api/check", params={"drug": ""}), 400, "empty"),
    (dict(method="GET", url="/api/check", params={"drugs": "x"}), 400, "unknown parameter"),
    (dict(method="GET", url="/api/check", params={"drug": "x", "age": "-4"}), 400, "age"),
    (dict(method="GET", url="/api/check", params={"drug": "x", "pregnant": "maybe"}), 400, "pregnant"),
    (dict(method="GET", url="/api/names", params={"prefix": "a", "limit": "9"}), 400, "unknown parameter"),
    (dict(method="GET", url="/nowhere"), 404, "Not Found"),
    (dict(method="DELETE", url="/api/check"), 405, "Method Not Allowed"),
])
def test_bad_requests_get_a_one_line_reason(client, request_args, status, words):
    r = client.request(**request_args)
    assert r.status_code == status
    assert words in one_line(r)


def test_hostile_names_are_names_that_match_nothing(client):
    hostile = ['" } UNION { ?s ?p ?o } #', "<script>alert(1)</script>", "'; DROP GRAPH <x>; --"]
    r = client.get("/api/check", params=[("drug", h) for h in hostile])
    assert r.status_code == 200
    body = r.json()
    assert body["interactions"] == [] and [n["input"] for n in body["not_checked"]] == hostile
    assert client.get("/api/names", params={"prefix": hostile[0]}).json()["names"] == []
