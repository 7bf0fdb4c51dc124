"""``kg serve`` against requests that are too large, malformed or too slow (issue 14, item 4).

The public side of the endpoint reads every request under limits a public SPARQL endpoint needs:
a request line of at most 65,536 bytes (414 past it: "send a long query by POST"), at most 100
header lines of that size (431), one well-formed Content-Length no larger than three times the
query-size bound (413 past it, 400 when it is not a number or is given twice with two values,
411 when it is missing or replaced by Transfer-Encoding), the whole request within
``REQUEST_SECONDS`` (408: a trickle of bytes cannot hold a connection for ever) and at most
``MAX_CONNECTIONS`` connections at once (503 for the next one). Every refusal is one line of
plain text, and after each the endpoint still answers a real query.

The endpoint runs in this process with the two limits made small (1 s, 4 connections) so that
the tests take seconds; the requests are written by hand on a raw socket because an HTTP client
would refuse to send most of them. Nothing listens anywhere but 127.0.0.1.
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

import kg.serve.guard
from kg.serve.endpoint import MAX_HEADERS, MAX_LINE_BYTES, Endpoint

DEADLINE = 1.0
CONNECTIONS = 4


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    from kg.sparql.store import default_graph

    graph = Path(tmp_path_factory.mktemp("graph")) / "graph.nt"
    default_graph().serialize(destination=str(graph), format="nt", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kg.serve.guard, "REQUEST_SECONDS", DEADLINE)
        patch.setattr(kg.serve.guard, "MAX_CONNECTIONS", CONNECTIONS)
        log: list[str] = []
        with Endpoint(graph, port=0, timeout=5, memory_mb=1024, log=log.append).start_background() as ep:
            ep.port = int(urllib.parse.urlsplit(ep.url).port)
            ep.messages = log
            yield ep


def _exchange(ep, data: bytes, *, half_close: bool = False, wait: float = 10.0) -> tuple[int, dict, bytes]:
    """Send ``data`` as it is, read the answer until the server closes or the body is complete."""
    with socket.create_connection(("127.0.0.1", ep.port), timeout=wait) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may close before all of a huge request is sent; its answer is read below
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return _read_answer(sock)


def _read_answer(sock: socket.socket) -> tuple[int, dict, bytes]:
    raw = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        raw += chunk
        head, sep, body = raw.partition(b"\r\n\r\n")
        if sep:
            headers = _headers(head)
            if len(body) >= int(headers.get("content-length", "-1")) >= 0:
                break
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), raw[:200]
    return int(head.split()[1]), _headers(head), body


def _headers(head: bytes) -> dict:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def _one_line(status: int, headers: dict, body: bytes, expected: int, *words: str) -> str:
    assert status == expected, (status, body[:300])
    assert headers["content-type"].startswith("text/plain"), headers
    text = body.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, text[:300]
    for word in words:
        assert word in text, text
    return text


def _still_answers(ep) -> None:
    body = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).encode()
    request = urllib.request.Request(ep.query_url, data=body)
    request.add_header("Accept", "application/sparql-results+json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{exc.code} {exc.read()[:300]!r} {exc.headers}") from None
    assert int(answer["results"]["bindings"][0]["n"]["value"]) > 1000


def _query_line(size: int) -> bytes:
    # a request line of `size` bytes in all: GET /query?query=ASK{}#aaaa... HTTP/1.1
    start, end = b"GET /query?query=ASK%7B%7D%23", b" HTTP/1.1\r\n"
    return start + b"a" * (size - len(start) - len(end)) + end


def test_a_70_kb_request_line_is_414(endpoint):
    status, headers, body = _exchange(endpoint, _query_line(70_000) + b"Host: x\r\n\r\n")
    _one_line(status, headers, body, 414, "POST")
    _still_answers(endpoint)


def test_a_request_line_just_under_the_limit_is_read(endpoint):
    # the limit is the line, not the request: a line one byte short of it is read and answered
    status, _, body = _exchange(endpoint, _query_line(MAX_LINE_BYTES - 2) + b"Host: x\r\nConnection: close\r\n\r\n")
    assert status == 200, body[:300]
    assert json.loads(body)["boolean"] is True


@pytest.mark.parametrize("headers", [
    b"".join(b"X-%d: y\r\n" % i for i in range(1000)),
    b"".join(b"X-%d: y\r\n" % i for i in range(MAX_HEADERS + 1)),
    b"X-Big: " + b"y" * 70_000 + b"\r\n",
], ids=["1000 headers", "101 headers", "a 70 KB header"])
def test_too_many_or_too_large_headers_are_431(endpoint, headers):
    status, head, body = _exchange(endpoint, b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n" + headers + b"\r\n")
    _one_line(status, head, body, 431)
    _still_answers(endpoint)


def test_a_body_too_large_is_413_before_it_is_read(endpoint):
    # only the head is sent: the answer must come from the declared length, not from reading 10 GB
    head = b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 10000000000\r\n\r\n"
    status, headers, body = _exchange(endpoint, head)
    _one_line(status, headers, body, 413, "10,000,000,000")
    assert headers.get("connection") == "close"
    _still_answers(endpoint)


@pytest.mark.parametrize("lengths, expected", [
    ([b"-1"], 400),
    ([b"12abc"], 400),
    ([b"\xd9\xa1"], 400),  # ARABIC-INDIC DIGIT ONE: a digit to str.isdigit, not to HTTP
    ([b"3", b"30"], 400),  # two lengths: which one ends the body is a smuggling question
    ([], 411),
])
def test_a_bad_or_missing_content_length_is_refused(endpoint, lengths, expected):
    head = b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
    head += b"".join(b"Content-Length: " + value + b"\r\n" for value in lengths)
    status, headers, body = _exchange(endpoint, head + b"\r\nASK")
    _one_line(status, headers, body, expected, "Content-Length")
    _still_answers(endpoint)


def test_a_chunked_body_is_refused_with_411(endpoint):
    head = (b"POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n\r\n")
    status, headers, body = _exchange(endpoint, head)
    _one_line(status, headers, body, 411, "Transfer-Encoding")
    _still_answers(endpoint)


def test_a_body_shorter_than_its_length_is_400(endpoint):
    head = (b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n"
            b"\r\nASK{}")
    status, headers, body = _exchange(endpoint, head, half_close=True)
    _one_line(status, headers, body, 400, "5 of 100")
    _still_answers(endpoint)


def test_an_http_1_1_request_without_host_is_a_one_line_400(endpoint):
    # RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request that lacks Host
    status, headers, body = _exchange(endpoint, b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n\r\n")
    _one_line(status, headers, body, 400, "Host")
    _still_answers(endpoint)


@pytest.mark.parametrize("start", [
    b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n",  # headers never end
    b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 50\r\n\r\nASK",
    b"GET /query?query=ASK",  # the request line never ends
], ids=["headers", "body", "request line"])
def test_a_request_that_stalls_gets_408_at_the_deadline(endpoint, start):
    begun = time.monotonic()
    status, headers, body = _exchange(endpoint, start, wait=10 * DEADLINE + 5)
    took = time.monotonic() - begun
    assert status == 408, body[:300]
    assert b"was not sent within" in body
    assert took < 5 * DEADLINE + 3, took  # not the socket's 60 s read timeout
    _still_answers(endpoint)


def test_a_trickle_of_header_bytes_is_cut_at_the_deadline(endpoint):
    # one byte every tenth of a second never trips a per-read timeout; the deadline is per request
    begun = time.monotonic()
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) as sock:
        sock.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n")
        try:
            for _ in range(int(20 * DEADLINE / 0.1)):
                sock.sendall(b"X")
                time.sleep(0.1)
        except OSError:
            pass  # cut off: what the server said is read below
        status, _, body = _read_answer(sock)
    assert status == 408, body[:300]
    assert time.monotonic() - begun < 10 * DEADLINE + 3
    _still_answers(endpoint)


def test_connections_past_the_limit_get_503_and_the_endpoint_recovers(endpoint):
    idle = [socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) for _ in range(CONNECTIONS)]
    try:
        time.sleep(0.2)  # let the server accept them all
        with socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) as extra:
            status, headers, body = _read_answer(extra)
        _one_line(status, headers, body, 503, "connections")
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)  # the closed connections give back their slots
    _still_answers(endpoint)
    assert any("503" in message for message in endpoint.messages)


def test_idle_connections_are_closed_at_the_deadline_and_free_their_slots(endpoint):
    idle = [socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) for _ in range(CONNECTIONS)]
    try:
        time.sleep(DEADLINE + 1.0)  # they said nothing: each is closed, without an answer
        for sock in idle:
            assert sock.recv(100) == b""
        _still_answers(endpoint)
    finally:
        for sock in idle:
            sock.close()


def test_forty_queries_in_a_row_are_all_answered_under_a_1_gib_limit(endpoint):
    # each query leaves the Oxigraph child a thread for the length of its timeout; with a malloc
    # arena of 64 MiB per thread the 1 GiB address-space limit ran out after 17 queries
    for _ in range(40):
        _still_answers(endpoint)
