"""kg serve on one port: the checker page, /api/check, /api/names and the CDS Hooks services beside
the guarded SPARQL endpoint (the query page moves to /sparql). Every request is read under the
guard's limits before it reaches the clinician application.

Expected answers from the monograph: "phenytoin (Dilantin)" is among the "Medications used to
prevent seizures (Anticonvulsants)" that "interact with GLUTAMINE" ("Moderate Interaction").
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.serve.endpoint import Endpoint, REQUEST_SECONDS

pytestmark = pytest.mark.endpoint
FIXTURES = Path(__file__).parent / "fixtures" / "cds"


@pytest.fixture(scope="module")
def server():
    with Endpoint(port=0, timeout=10, log=None, clinician=True).start_background() as ep:
        yield ep


def fetch(url: str, data: bytes | None = None, ctype: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": ctype} if ctype else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()  # header names are case-insensitive
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_the_checker_page_is_at_the_root_with_its_policy(server):
    status, headers, body = fetch(server.url)
    assert status == 200 and b"Supplement interaction check" in body
    assert "connect-src 'self'" in headers["Content-Security-Policy"]


def test_the_check_api_answers_through_the_guard(server):
    status, _, body = fetch(server.url + "api/check?" + urllib.parse.urlencode([("drug", "Dilantin")]))
    assert status == 200
    (i,) = json.loads(body)["interactions"]
    assert (i["drug"], i["severity"], i["supplement"]) == ("phenytoin", "moderate", "L-glutamine")


def test_cds_hooks_through_the_guard(server):
    status, _, body = fetch(server.url + "cds-services")
    assert status == 200 and len(json.loads(body)["services"]) == 3
    call = (FIXTURES / "order-select.json").read_bytes()
    status, _, body = fetch(server.url + "cds-services/supplement-interactions-order-select", call, "application/json")
    assert status == 200
    cards = json.loads(body)["cards"]
    assert any("phenytoin" in c["summary"] for c in cards)
    assert all(c["links"][0]["url"].startswith(server.url) for c in cards)
    status, _, body = fetch(server.url + "cds-services/supplement-interactions-order-select", call, "text/plain")
    assert status == 415 and body.endswith(b"\n") and body.count(b"\n") == 1


def test_sparql_and_its_page_still_answer(server):
    status, _, body = fetch(server.url + "sparql")
    assert status == 200 and b"<html" in body.lower()
    query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    status, _, body = fetch(server.query_url + "?" + query)
    assert status == 200 and b"results" in body
    status, _, body = fetch(server.query_url + "?" + urllib.parse.urlencode({"query": "DROP ALL"}))
    assert status in (400, 403)


def test_a_slow_client_is_cut_off_and_does_not_hold_the_others(server):
    host, port = "127.0.0.1", server.port
    slow = socket.create_connection((host, port))
    try:
        slow.sendall(b"GET /api/check?drug=Dilantin HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
        started = time.monotonic()
        status, _, _ = fetch(server.url + "api/names?prefix=dil")
        assert status == 200 and time.monotonic() - started < REQUEST_SECONDS
        slow.settimeout(REQUEST_SECONDS + 10)
        answer = slow.recv(200)
        assert answer.startswith(b"HTTP/1.1 408")
    finally:
        slow.close()
