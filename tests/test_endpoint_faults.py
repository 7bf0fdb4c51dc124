"""Faults: what the remote engine does when an endpoint misbehaves, and what the endpoint of
``kg serve`` does when a query misbehaves.

Part 1 points the engine (and the ``--endpoint`` commands) at a stub HTTP server on 127.0.0.1 that
misbehaves on purpose, one way per path: refused connections, silence, a trickle of bytes,
HTTP errors, HTML, a body cut off, Oxigraph's "The SPARQL operation has been cancelled" trailer
(in JSON and in CSV), Virtuoso's partial answers (HTTP 206, ``X-SQL-State: S1TAT``). Each must
give one clear line, a non-zero exit and return within the timeout plus a small margin.

Part 2 runs the real endpoint (``kg serve``'s library class, a low memory limit and a 3 s
timeout) against the three queries that break Oxigraph 0.5.13 on its own — SERVICE to a loopback
listener (zero connections), 5,000 nested braces (HTTP 400) and ORDER BY over a cross product
(stopped, HTTP 503/504) — each followed by a query that must still be answered; then the
process side of ``kg serve``: port in use, SIGTERM, Ctrl-C, SIGKILL of the parent, no orphans.

Nothing listens anywhere but 127.0.0.1; every request loop is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.cli.main import main
from kg.errors import EndpointError
from kg.sparql.guards import QueryTimeout
from kg.sparql.remote import EndpointEngine, IncompleteAnswer

pytestmark = pytest.mark.endpoint

ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
TIMEOUT = 1.0
MARGIN = 2.5  # seconds allowed beyond the timeout (thread hand-off, interpreter load)
#: No row ever matches, so Oxigraph 0.5.13 never checks its timeout: it runs until stopped.
RUNAWAY = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
           "FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) + STRLEN(STR(?i)) < 0) }")
ROW = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"urn:x:a"}}]}}'


# --------------------------------------------------------------------------------------------
# a misbehaving stub endpoint


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append(self.path)
        getattr(self, "_" + self.path.strip("/").replace("-", "_"))()

    def _send(self, status: int, body: bytes, ctype: str = "application/sparql-results+json", **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def _ok(self):
        self._send(200, ROW)

    def _hang(self):  # accepts the request, never answers
        self.server.stop.wait(30)

    def _trickle(self):  # answers at one byte every 0.1 s, forever
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        for _ in range(300):
            if self.server.stop.wait(0.1):
                return
            self.wfile.write(b" ")
            self.wfile.flush()

    def _status_400(self):
        self._send(400, b"Parser error: unexpected '}'\nat line 1", "text/plain")

    def _status_401(self):
        self._send(401, b"authentication required", "text/plain")

    def _status_404(self):
        self._send(404, b"<html><body>no such dataset</body></html>", "text/html")

    def _status_500(self):
        self._send(500, b"Internal error: out of cheese", "text/plain")

    def _status_503(self):
        self._send(503, b"overloaded, try later", "text/plain")

    def _html(self):
        self._send(200, b"<!DOCTYPE html><html><body>Welcome to the login page</body></html>", "text/html")

    def _empty(self):
        self._send(200, b"")

    def _wrong_shape(self):
        self._send(200, b'{"hello": "world"}')

    def _bad_term(self):
        self._send(200, b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":"urn:x:a"}]}}')

    def _undeclared_var(self):
        self._send(200, b'{"head":{"vars":["s"]},"results":{"bindings":[{"t":{"type":"uri","value":"urn:x:a"}}]}}')

    def _cancelled_json(self):  # what Oxigraph 0.5.13 sends when its timeout strikes mid-answer
        self._send(200, ROW[:-4] + b"The SPARQL operation has been cancelled")

    def _cancelled_csv(self):  # a store that ignores Accept and sends CSV: the error is a "row"
        self._send(200, b"s\r\nurn:x:a\r\nThe SPARQL operation has been cancelled", "text/csv")

    def _partial_206(self):
        self._send(206, ROW)

    def _virtuoso_partial(self):
        self._send(200, ROW, X_SQL_State="S1TAT",
                   X_SQL_Message="RC...: Returning incomplete results, query interrupted by result timeout.")

    def _cut_off(self):  # promises 1,000 bytes, sends 40, hangs up
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(ROW[:40])
        self.wfile.flush()
        self.close_connection = True

    def _reset(self):  # hangs up without a word
        self.close_connection = True


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients hang up on purpose here (timeouts); no tracebacks on stderr

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Stub)
        self.stop = threading.Event()
        self.seen: list[str] = []


@pytest.fixture(scope="module")
def stub():
    server = _StubServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def not_http():
    """A listener that answers any request with a line that is not HTTP."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    stop.set()
    thread.join(2)
    sock.close()


def refused_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}/sparql"


def _fails(url: str, error: type[Exception], *words: str, query: str = SELECT) -> str:
    started = time.monotonic()
    with pytest.raises(error) as info:
        EndpointEngine(url).select(query, timeout=TIMEOUT)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert elapsed < TIMEOUT + MARGIN, f"took {elapsed:.1f} s"
    assert "\n" not in message and len(message) < 400, message
    for w in words:
        assert w in message, message
    return message


# --------------------------------------------------------------------------------------------
# part 1: the engine against a misbehaving endpoint


def test_stub_answers_normally(stub):
    rows = EndpointEngine(f"{stub}/ok").select(SELECT, timeout=TIMEOUT)
    assert rows.columns == ["s"] and rows.rows == [{"s": "urn:x:a"}]


def test_connection_refused():
    _fails(refused_url(), EndpointError, "connection refused")


def test_endpoint_that_never_answers(stub):
    _fails(f"{stub}/hang", QueryTimeout, "timed out after 1 s")


def test_endpoint_that_accepts_connections_but_never_reads():
    """A server that is down but whose port still accepts (a frozen process): the kernel completes
    the connection, nothing ever answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        _fails(f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", QueryTimeout, "1 s")
    finally:
        sock.close()


def test_slow_trickle_is_cut_at_the_timeout(stub):
    """One byte every 0.1 s never trips a per-read socket timeout; the deadline still holds."""
    _fails(f"{stub}/trickle", QueryTimeout, "timed out after 1 s")


@pytest.mark.parametrize("path, status, detail", [
    ("status-400", "HTTP 400 (Bad Request)", "Parser error: unexpected '}' at line 1"),
    ("status-401", "HTTP 401 (Unauthorized)", "authentication required"),
    ("status-404", "HTTP 404 (Not Found)", "no such dataset"),
    ("status-500", "HTTP 500 (Internal Server Error)", "out of cheese"),
    ("status-503", "HTTP 503 (Service Unavailable)", "overloaded"),
])
def test_http_errors(stub, path, status, detail):
    _fails(f"{stub}/{path}", EndpointError, status, detail)


@pytest.mark.parametrize("path, words", [
    ("html", ["not SPARQL JSON results", "text/html", "<!DOCTYPE html>"]),
    ("empty", ["not SPARQL JSON results", "empty body"]),
    ("wrong-shape", ["malformed SPARQL JSON results", "'head'"]),
    ("bad-term", ["malformed SPARQL JSON results", "row 1"]),
    ("undeclared-var", ["malformed SPARQL JSON results", "'t'"]),
])
def test_answers_that_are_not_results(stub, path, words):
    _fails(f"{stub}/{path}", EndpointError, *words)


@pytest.mark.parametrize("path", ["cancelled-json", "cancelled-csv"])
def test_oxigraph_cancelled_answer_is_a_timeout(stub, path):
    """HTTP 200 whose body ends in Oxigraph's cancellation text: never rows, never garbage."""
    _fails(f"{stub}/{path}", QueryTimeout, "cancelled the query at its own timeout")


@pytest.mark.parametrize("path, words", [
    ("partial-206", ["incomplete answer", "HTTP 206"]),
    ("virtuoso-partial", ["incomplete answer", "S1TAT", "query interrupted by result timeout"]),
])
def test_partial_answers_are_reported_incomplete(stub, path, words):
    _fails(f"{stub}/{path}", IncompleteAnswer, *words)


def test_body_cut_off(stub):
    _fails(f"{stub}/cut-off", EndpointError, "cut its answer off")


def test_connection_closed_without_answer(stub):
    _fails(f"{stub}/reset", EndpointError, "closed the connection")


def test_not_http(not_http):
    _fails(not_http, EndpointError, "did not answer with HTTP")


def test_guards_run_before_any_request():
    """A query the local engine refuses is refused before any request: the URL is one where
    nothing listens, so a request would fail with "connection refused" instead."""
    from kg.sparql.guards import QueryRefused

    engine = EndpointEngine(refused_url())
    for query in ("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                  "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
                  "SELECT * WHERE " + "{" * 5000 + "}" * 5000):
        with pytest.raises(QueryRefused):
            engine.select(query, timeout=TIMEOUT)


def test_bad_endpoint_urls():
    from kg.errors import UsageError

    for url in ("ftp://127.0.0.1/sparql", "127.0.0.1:7878", "http://", "file:///etc/passwd", "http://a b/"):
        with pytest.raises(UsageError):
            EndpointEngine(url)


# the same faults through the command line: one line on stderr, non-zero exit, bounded time

@pytest.mark.parametrize("path, words", [
    ("hang", ["timed out after 1 s"]),
    ("trickle", ["timed out after 1 s"]),
    ("status-500", ["HTTP 500"]),
    ("html", ["not SPARQL JSON results"]),
    ("cancelled-json", ["cancelled the query"]),
    ("partial-206", ["incomplete answer"]),
])
def test_faults_on_the_command_line(stub, capsys, path, words):
    started = time.monotonic()
    code = main(["sparql", SELECT, "--endpoint", f"{stub}/{path}", "--timeout", str(TIMEOUT)])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert err.startswith("kg sparql: error: ") and err.count("\n") == 1, err
    assert all(w in err for w in words), err
    assert elapsed < TIMEOUT + MARGIN


def test_refused_on_every_query_command(capsys):
    url = refused_url()
    commands = [
        ["query", "statistics"], ["sparql", ASK], ["interactions", "Dilantin"], ["evidence"], ["precautions"],
        ["dose", "--supplement", "glutamine", "--route", "oral", "--age", "10", "--weight-kg", "30"],
        ["path", "glutamine", "phenytoin"], ["explain", "glutamine", "ammonia"],
    ]
    for argv in commands:
        code = main([*argv, "--endpoint", url, "--timeout", "2"])
        _, err = capsys.readouterr()
        assert code == 2, argv
        assert "connection refused" in err and err.count("\n") == 1, (argv, err)


# --------------------------------------------------------------------------------------------
# part 2: the endpoint of kg serve against the queries that break Oxigraph on its own


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    from kg.sparql.store import default_graph

    path = tmp_path_factory.mktemp("graph") / "graph.nt"
    default_graph().serialize(destination=str(path), format="nt", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(graph_file):
    from kg.serve.endpoint import Endpoint

    log: list[str] = []
    with Endpoint(graph_file, port=0, timeout=3, memory_mb=1024, log=log.append).start_background() as ep:
        ep.messages = log
        yield ep


def _request(url: str, data: dict | bytes | None = None, *, method: str | None = None, ctype: str | None = None,
             timeout: float = 30) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Accept", "application/sparql-results+json")
    if ctype:
        request.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _still_answers(ep) -> None:
    status, body = _request(ep.query_url, {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert status == 200, body
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 1000


def test_service_and_from_make_no_connection(server, listener):
    target = f"http://127.0.0.1:{listener.port}/sparql"
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ ?a ?b ?c . SERVICE SILENT <{target}> {{ ?s ?p ?o }} }} LIMIT 1",
                      f"select * where {{ {{ service <{target}> {{ ?s ?p ?o }} }} }}",
                      f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
                      f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
            for how in ("get", "form", "direct"):
                if how == "get":
                    status, body = _request(server.query_url + "?" + urllib.parse.urlencode({"query": query}))
                elif how == "form":
                    status, body = _request(server.query_url, {"query": query})
                else:
                    status, body = _request(server.url + "sparql", query.encode(), ctype="application/sparql-query")
                assert status == 400 and b"refused" in body, (query, how, body)
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()
    _still_answers(server)


def test_five_thousand_nested_braces_are_a_clean_400(server):
    for query in ("SELECT * WHERE " + "{" * 5000 + "}" * 5000,
                  "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
                  "SELECT * WHERE \\u007B" * 1 + "{" * 4999 + "}" * 5000):
        status, body = _request(server.query_url, {"query": query})
        assert status == 400 and b"nested too deeply" in body, body
    _still_answers(server)


def test_updates_and_other_methods_are_refused(server):
    update = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    assert _request(server.url + "update", {"update": update})[0] == 404
    assert _request(server.query_url, {"update": update})[0] == 403
    assert _request(server.query_url, update.encode(), ctype="application/sparql-update")[0] == 403
    status, body = _request(server.query_url, {"query": update})
    assert status == 400 and b"read-only" in body
    assert _request(server.url + "store")[0] == 404
    assert _request(server.query_url, b"x", method="PUT", ctype="text/turtle")[0] == 405
    _still_answers(server)


def test_cross_product_order_by_is_stopped(server):
    """13 GB on a bare Oxigraph; here the child hits its 1 GiB limit (HTTP 503, restarted) or the
    guard's deadline (HTTP 504), within seconds, and the next query is answered."""
    started = time.monotonic()
    status, body = _request(server.query_url,
                            {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g ?c ?f ?i"})
    assert status in (503, 504), body
    assert time.monotonic() - started < 3 + 2 + 5
    _still_answers(server)


def test_a_query_that_outlives_the_timeout_is_stopped(server):
    """A FILTER over a cross product yields no row, so Oxigraph never checks its timeout and runs
    on; the guard answers 504 after timeout + grace and restarts the child."""
    restarts = server.supervisor.restarts
    started = time.monotonic()
    status, body = _request(server.query_url, {"query": RUNAWAY})
    assert status == 504 and b"timed out after 3 s (stopped by the endpoint)" in body, body
    assert time.monotonic() - started < 3 + 2 + 3
    _still_answers(server)
    assert server.supervisor.restarts == restarts + 1


def test_answer_cancelled_by_oxigraph_becomes_504(server):
    """A big streaming answer: Oxigraph stops at 3 s and appends its cancellation text to a 200;
    the guard turns it into HTTP 504 instead of passing on a broken body."""
    status, body = _request(server.query_url, {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"})
    assert status == 504 and b"timed out" in body, body[:200]
    _still_answers(server)


def test_crashed_child_is_restarted(server):
    pid = server.supervisor.pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.supervisor.pid in (None, pid):
        time.sleep(0.05)
    assert server.supervisor.pid not in (None, pid)
    _still_answers(server)
    assert any("killed by SIGKILL" in m for m in server.messages)


def test_real_endpoint_stopped_midway(graph_file):
    """The engine against the real endpoint: an answer, then the endpoint stops during a long
    query (a clear error, quickly), then connection refused."""
    from kg.serve.endpoint import Endpoint

    ep = Endpoint(graph_file, port=0, timeout=20, log=None).start_background()
    engine = EndpointEngine(ep.query_url)
    assert engine.select(ASK, timeout=10).rows == [{"result": "true"}]
    threading.Timer(1.0, ep.stop).start()
    started = time.monotonic()
    with pytest.raises(EndpointError) as info:
        engine.select(RUNAWAY, timeout=15)
    assert time.monotonic() - started < 10
    assert "shutting down" in str(info.value) or "closed the connection" in str(info.value)
    time.sleep(0.5)
    with pytest.raises(EndpointError, match="connection refused"):
        engine.select(ASK, timeout=5)


def test_child_that_cannot_bind_is_reported(graph_file, monkeypatch):
    """The internal port is taken (by a listener here): the child fails to bind, is retried,
    and the failure is one clear line."""
    from kg.serve import child
    from kg.serve.endpoint import Endpoint, ServeError

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    monkeypatch.setattr(child, "free_port", lambda host="127.0.0.1": taken.getsockname()[1])
    try:
        with pytest.raises(ServeError, match="could not start: Error: Address already in use"):
            Endpoint(graph_file, port=0, log=None).start()
    finally:
        taken.close()


# --------------------------------------------------------------------------------------------
# kg serve as a process: startup line, port in use, signals, no orphans


def _start_cli(graph_file, port: int = 0, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--graph", str(graph_file),
                             "--timeout", "5"], stdout=subprocess.PIPE, stderr=stderr, text=True)
    watchdog = threading.Timer(30, proc.kill)  # a stalled start must not hang the test
    watchdog.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C to stop" in line:
                break
    finally:
        watchdog.cancel()
    text = "".join(lines)
    assert "SPARQL endpoint: http://127.0.0.1:" in text, text
    url = text.split("SPARQL endpoint: ", 1)[1].split()[0]
    child = int(text.split("oxigraph pid ", 1)[1].split(";")[0])
    return proc, url, child


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie is gone for our purposes (its parent, init, reaps it)
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_cli_starts_answers_and_stops_cleanly(graph_file, how):
    started = time.monotonic()
    proc, url, child = _start_cli(graph_file)
    try:
        assert time.monotonic() - started < 15  # "starts in seconds"
        status, body = _request(url, {"query": "ASK { ?s ?p ?o }"})
        assert status == 200 and json.loads(body)["boolean"] is True
        proc.send_signal(how)
        assert proc.wait(10) == 0
        assert _gone(child), "the oxigraph child outlived kg serve"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_refuses_a_port_in_use(graph_file):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", str(port), "--graph", str(graph_file)],
                              capture_output=True, text=True, timeout=30)
    finally:
        taken.close()
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"kg serve: error: port {port} on 127.0.0.1 is already in use; stop what uses it or " \
                          "choose another port with --port\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_child_dies_with_a_killed_parent_and_the_next_start_removes_its_folder(graph_file):
    proc, _, child = _start_cli(graph_file)
    argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
    workdir = Path(argv[argv.index(b"--location") + 1].decode()).parent
    proc.kill()
    proc.wait(5)
    assert _gone(child), "the oxigraph child survived SIGKILL of kg serve"
    assert workdir.is_dir()  # a killed kg serve cannot remove its own folder ...
    again, url, _child = _start_cli(graph_file)
    try:
        assert not workdir.exists()  # ... the next one to start does
        assert _request(url, {"query": "ASK { ?s ?p ?o }"})[0] == 200
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(10)


def _dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_only_folders_of_gone_processes_of_this_host_are_removed(tmp_path):
    from kg.serve.endpoint import OWNER_FILE, WORKDIR_PREFIX, _owner, remove_stale_workdirs

    dead = _dead_pid()
    owners = {
        "gone": _owner(dead),
        "running": _owner(os.getpid()),
        "other-host": f"{dead} another-host-{socket.gethostname()}\n",
        "garbage": "not a number\n",
        "no-owner-file": None,
    }
    for name, text in owners.items():
        folder = tmp_path / f"{WORKDIR_PREFIX}{name}"
        (folder / "store").mkdir(parents=True)
        if text is not None:
            (folder / OWNER_FILE).write_text(text, encoding="utf-8")
    (tmp_path / "unrelated").mkdir()
    told = []
    assert remove_stale_workdirs(tmp_path, log=told.append) == [tmp_path / f"{WORKDIR_PREFIX}gone"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{WORKDIR_PREFIX}{n}" for n in owners if n != "gone"] + ["unrelated"])
    assert len(told) == 1 and str(dead) in told[0]
