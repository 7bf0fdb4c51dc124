"""CDS Hooks prefetch fetched from the EHR's FHIR server: only with ``kg serve --fhir-server URL``,
only from that server, and refused in one line when the server or the call misbehaves.

A loopback FHIR server stands in for the EHR: it serves the patient and the medication list of
tests/fixtures/cds/order-select.json (phenytoin, RxNorm 8183, on the list) and counts every
request; a second loopback listener stands for a server the service must never reach. Expected
card, from the monograph: "phenytoin (Dilantin)" is among the "Medications used to prevent
seizures (Anticonvulsants)" that "interact with GLUTAMINE" ("Moderate Interaction"), and the
order in the fixture's draftOrders is L-glutamine.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kg.errors import UsageError
from kg.serve import cds
from kg.serve.fhirfetch import MAX_BYTES, Fetcher, check_base
from kg.sparql.query import open_engine

from tests.test_cds_hooks import validate_fhir

FIXTURES = Path(__file__).parent / "fixtures" / "cds"
SELECT = "supplement-interactions-order-select"
TOKEN = "token-abc.123"


def fixture() -> dict:
    return json.loads((FIXTURES / "order-select.json").read_text(encoding="utf-8"))


class FhirServer(ThreadingHTTPServer):
    """Answers the prefetch templates from the fixture's resources; records what it was asked."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str | None]] = []
        self.base = f"http://127.0.0.1:{self.server_address[1]}/fhir"
        self.pages = False  # the medication list in two pages, linked by 'next'
        self.next_url: str | None = None  # where page 1's next link points (default: page 2 here)
        self.special: dict[str, tuple[int, dict, bytes]] = {}  # path -> answer

    def answer(self, path: str, query: dict) -> tuple[int, dict, bytes]:
        prefetch = fixture()["prefetch"]
        if path in self.special:
            return self.special[path]
        if path == "/fhir/Patient/1288992":
            return _json(prefetch["patient"])
        entries = prefetch["medications"]["entry"]
        if path == "/fhir/MedicationRequest":
            if query.get("page") == ["2"]:
                return _json({"resourceType": "Bundle", "type": "searchset", "entry": entries[1:]})
            if self.pages:
                link = self.next_url or f"{self.base}/MedicationRequest?page=2"
                return _json({"resourceType": "Bundle", "type": "searchset", "entry": entries[:1],
                              "link": [{"relation": "next", "url": link}]})
            return _json(prefetch["medications"])
        if path in ("/fhir/MedicationStatement", "/fhir/Condition"):
            return _json({"resourceType": "Bundle", "type": "searchset", "entry": []})
        return 404, {}, b"{}"


def _json(resource) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/fhir+json"}, json.dumps(resource).encode()


class _Handler(BaseHTTPRequestHandler):
    server: FhirServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        status, headers, body = self.server.answer(parts.path, parse_qs(parts.query))
        if status == 0:  # slow: say nothing for a while
            time.sleep(3)
            status = 200
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def fhir():
    server = FhirServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def elsewhere(listener):
    """A server the service must never reach (tests.conftest.Listener counts connections)."""
    listener.url = f"http://127.0.0.1:{listener.port}/fhir"
    return listener


@pytest.fixture(scope="module")
def engine():
    return open_engine()


def bare_call(server: str, *, token: str | None = TOKEN) -> dict:
    """The fixture's order-select call without its prefetch, naming ``server`` as its fhirServer."""
    body = fixture()
    del body["prefetch"]
    body["fhirServer"] = server
    if token is not None:
        body["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                     "scope": "patient/*.read", "subject": "cds-service"}
    return body


def cards(body: dict, engine, fetcher) -> list[dict]:
    return cds.call(SELECT, body, engine=engine, page_url="http://kg.example/", fetcher=fetcher)["cards"]


def test_the_served_resources_are_valid_fhir(fhir):
    # the stand-in EHR must serve what an EHR would: the fixture's resources, valid FHIR R4(B)
    prefetch = {k: json.loads(fhir.answer(p, {})[2]) for k, p in
                [("patient", "/fhir/Patient/1288992"), ("medications", "/fhir/MedicationRequest")]}
    validate_fhir({"context": {}, "prefetch": prefetch})


def test_without_the_flag_nothing_is_fetched_and_the_call_gets_412(fhir, engine):
    with pytest.raises(cds.CdsError) as info:
        cards(bare_call(fhir.base), engine, None)
    assert info.value.status == 412 and "--fhir-server" in info.value.message
    assert fhir.requests == []


def test_with_the_flag_the_missing_prefetch_is_fetched_with_the_token(fhir, engine):
    found = cards(bare_call(fhir.base), engine, Fetcher([fhir.base]))
    (card,) = [c for c in found if "phenytoin" in c["summary"]]
    assert card["indicator"] == "warning"  # moderate
    paths = sorted(path.split("?")[0] for path, _ in fhir.requests)
    assert paths == ["/fhir/Condition", "/fhir/MedicationRequest", "/fhir/MedicationStatement",
                     "/fhir/Patient/1288992"]
    assert {auth for _, auth in fhir.requests} == {f"Bearer {TOKEN}"}
    assert all("1288992" in path for path, _ in fhir.requests)


def test_a_call_with_its_medication_list_fetches_only_what_it_lacks(fhir, engine):
    body = fixture()
    body["fhirServer"] = fhir.base
    found = cards(body, engine, Fetcher([fhir.base]))
    assert any("phenytoin" in c["summary"] for c in found)
    assert sorted(p.split("?")[0] for p, _ in fhir.requests) == ["/fhir/Condition", "/fhir/MedicationStatement"]


def test_another_fhir_server_is_never_reached(fhir, elsewhere, engine):
    with pytest.raises(cds.CdsError) as info:
        cards(bare_call(elsewhere.url), engine, Fetcher([fhir.base]))
    assert info.value.status == 412 and elsewhere.url in info.value.message
    time.sleep(0.3)
    assert elsewhere.connections == 0 and fhir.requests == []
    # a call with its medication list but naming another server: answered, nothing fetched
    body = fixture()
    body["fhirServer"] = elsewhere.url
    assert any("phenytoin" in c["summary"] for c in cards(body, engine, Fetcher([fhir.base])))
    time.sleep(0.3)
    assert elsewhere.connections == 0


@pytest.mark.parametrize("patient", ["1288992/../../admin", "x?y=1", "", "a" * 65, "é", "1 2"])
def test_a_patient_id_that_is_not_a_fhir_id_is_not_put_into_a_url(fhir, engine, patient):
    body = bare_call(fhir.base)
    body["context"]["patientId"] = patient
    with pytest.raises(cds.CdsError) as info:
        cards(body, engine, Fetcher([fhir.base]))
    assert info.value.status == 412 and "FHIR id" in info.value.message
    assert fhir.requests == []


def test_next_pages_are_followed_on_the_same_server_only(fhir, elsewhere, engine):
    fhir.pages = True
    found = cards(bare_call(fhir.base), engine, Fetcher([fhir.base]))
    assert any("phenytoin" in c["summary"] for c in found)  # phenytoin is on page 1, Taxol on page 2
    assert any("page=2" in path for path, _ in fhir.requests)
    fhir.next_url = elsewhere.url + "/MedicationRequest?page=2"
    with pytest.raises(cds.CdsError) as info:
        cards(bare_call(fhir.base), engine, Fetcher([fhir.base]))
    assert info.value.status == 502 and "another server" in info.value.message
    assert elsewhere.connections == 0


@pytest.mark.parametrize("answer, status, words", [
    ((302, {"Location": "LISTENER"}, b""), 502, "redirect"),
    ((500, {}, b"oops"), 502, "HTTP 500"),
    ((200, {"Content-Type": "application/fhir+json"}, b"<html>"), 502, "not JSON"),
    ((200, {"Content-Type": "application/fhir+json"}, b" " * (MAX_BYTES + 1)), 502, "larger than"),
    ((0, {}, b"{}"), 504, "within"),
], ids=["redirect", "error", "not JSON", "too large", "slow"])
def test_a_failing_fhir_server_is_a_one_line_error(fhir, elsewhere, engine, answer, status, words):
    code, headers, body = answer
    headers = {k: v.replace("LISTENER", elsewhere.url) for k, v in headers.items()}
    fhir.special["/fhir/MedicationRequest"] = (code, headers, body)
    with pytest.raises(cds.CdsError) as info:
        cards(bare_call(fhir.base), engine, Fetcher([fhir.base], timeout=1.0))
    assert info.value.status == status and words in info.value.message
    assert "\n" not in info.value.message
    assert elsewhere.connections == 0  # the redirect was not followed


@pytest.mark.parametrize("auth", [{"access_token": "x", "token_type": "MAC"}, {"access_token": "a\r\nX-Evil: 1"},
                                  {"token_type": "Bearer"}, "Bearer x"])
def test_a_malformed_authorization_is_refused_before_any_request(fhir, engine, auth):
    body = bare_call(fhir.base, token=None)
    body["fhirAuthorization"] = auth
    with pytest.raises(cds.CdsError) as info:
        cards(body, engine, Fetcher([fhir.base]))
    assert info.value.status == 400 and "Bearer" in info.value.message
    assert fhir.requests == []


@pytest.mark.parametrize("url", ["ftp://ehr.example.org/fhir", "ehr.example.org/fhir", "http:///fhir",
                                 "http://ehr.example.org/fhir?x=1", "http://user:pw@ehr.example.org/fhir"])
def test_a_bad_fhir_server_option_is_a_usage_error(url):
    with pytest.raises(UsageError, match="--fhir-server"):
        check_base(url)


def test_kg_serve_refuses_a_bad_fhir_server_in_one_line(capsys):
    from kg.cli.main import main

    code = main(["serve", "--port", "0", "--fhir-server", "file:///etc/passwd"])
    err = capsys.readouterr().err
    assert code == 2 and "--fhir-server" in err and err.count("\n") == 1


def test_the_app_fetches_outside_the_engine_and_answers_cards(fhir, engine):
    from starlette.testclient import TestClient

    from kg.serve.app import create_app

    client = TestClient(create_app(engine, page_url="http://kg.example/", fhir_servers=(fhir.base + "/",)))
    response = client.post(f"/cds-services/{SELECT}", json=bare_call(fhir.base))
    assert response.status_code == 200
    assert any("phenytoin" in c["summary"] for c in response.json()["cards"])
    offline = TestClient(create_app(engine, page_url="http://kg.example/"))
    before = len(fhir.requests)
    response = offline.post(f"/cds-services/{SELECT}", json=copy.deepcopy(bare_call(fhir.base)))
    assert response.status_code == 412 and response.text.count("\n") == 1
    assert len(fhir.requests) == before
