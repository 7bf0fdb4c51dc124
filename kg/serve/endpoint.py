"""``kg serve``: the built graph over the SPARQL 1.1 protocol, read-only, behind a guard.

Three parts, each with one job:

- the **store**: the built graph loaded with ``oxigraph load`` into a temporary Oxigraph folder
  (in a work folder naming its process, so that the next start removes it if this process is
  killed before it can: :func:`remove_stale_workdirs`);
- the **child**: ``oxigraph serve-read-only`` on an internal loopback port, with its own query
  timeout (``--timeout-s``), in its own process group, under an address-space limit
  (``RLIMIT_AS``) and, on Linux, killed by the kernel if this process dies
  (``PR_SET_PDEATHSIG``). A :class:`Supervisor` thread owns it and restarts it when it dies;
- the **guard**: a small HTTP proxy (this process) on the public port. It serves the query page
  (``/``) and answers queries at ``/query`` (and ``/sparql``, which the page uses) after running
  the query layer's own guards (:func:`kg.sparql.query.check_query`: updates, ``SERVICE``, ``FROM``,
  text too large, nesting too deep are refused with HTTP 400 before Oxigraph sees them). Answers
  are spooled (to disk past a few MB), so a result cut off by Oxigraph's timeout ("The SPARQL
  operation has been cancelled") becomes HTTP 504 instead of a 200 with a broken body.
  Requests are read under limits, each refusal one line of plain text: a request line of at
  most :data:`MAX_LINE_BYTES` (414), :data:`MAX_HEADERS` header lines (431), one numeric
  Content-Length within the query-size bound (413, 400, 411), the whole request within
  :data:`REQUEST_SECONDS` (408) and at most :data:`MAX_CONNECTIONS` connections (503).

Oxigraph 0.5.13 lets some queries outgrow its timeout (an ``ORDER BY`` over a cross product grew
to 13 GB; a ``FILTER`` over a cross product that yields no row never stops). The memory limit
makes the first abort the child (HTTP 503, child restarted); the second is stopped by the guard:
a query still running :data:`GRACE` seconds after the timeout gets HTTP 504 and the child is
restarted (queries in flight at that moment get 503 and may be retried).

>>> Endpoint(port=0).url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from kg.errors import KGError, UsageError
from kg.fileio import process_running

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: Seconds a query may run (Oxigraph's ``--timeout-s``).
DEFAULT_TIMEOUT = 30
#: Address space of the Oxigraph child, in MiB (``RLIMIT_AS``; it needs ~650 MiB idle).
DEFAULT_MEMORY_MB = 2048
#: Seconds past the timeout after which a still running query gets 504 and the child a restart.
GRACE = 2.0
#: Largest answer passed on, in bytes.
MAX_RESPONSE_BYTES = 512 * 2**20
#: Queries forwarded at the same time; more wait (up to the timeout) for a slot.
MAX_CONCURRENT = 4
#: Connections open at the same time; one more is answered 503 and closed.
MAX_CONNECTIONS = 64
#: Seconds a client has to send a whole request (line, headers and body) once it starts one,
#: and to start the next one on a kept-alive connection; past it the request gets 408.
REQUEST_SECONDS = 20.0
#: The request-line and header limits of :mod:`http.server` (bytes per line, header lines).
MAX_LINE_BYTES = 65536
MAX_HEADERS = 100
#: Seconds the child may take to start listening.
START_TIMEOUT = 20.0
#: The text Oxigraph appends to an answer it stops streaming at its timeout.
CANCELLED = b"The SPARQL operation has been cancelled"
STATIC_PATHS = frozenset({"/", "/yasgui.min.css", "/yasgui.min.js", "/logo.svg"})
QUERY_PATHS = frozenset({"/query", "/sparql"})
#: Protocol parameters passed on with a query; any other parameter is dropped.
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
#: Restarts allowed within :data:`_CRASH_WINDOW` seconds before the server gives up.
_MAX_RESTARTS = 20
_CRASH_WINDOW = 60.0


class ServeError(KGError):
    """The endpoint cannot start or keep running (port in use, Oxigraph missing or failing)."""


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------


def oxigraph_binary() -> str:
    """Path of the ``oxigraph`` command (PyPI package ``oxigraph``): beside this Python, or on PATH.

    :raises ServeError: when it is not installed.
    """
    here = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServeError("the Oxigraph server is not installed; install it with: pip install oxigraph")


def graph_source(graph: str | Path | None, workdir: Path) -> Path:
    """An N-Triples or Turtle file holding ``graph`` (a ``kg build`` output folder or graph file;
    ``None``: the shipped monographs, built and written into ``workdir``)."""
    from kg.sparql.store import default_graph, graph_file, load_graph

    if graph is not None:
        file = graph_file(graph)
        if file.suffix.lower() in (".nt", ".ttl"):
            return file
        g = load_graph(file)
    else:
        g = default_graph()
    target = workdir / "graph.nt"
    g.serialize(destination=str(target), format="nt", encoding="utf-8")
    return target


def load_store(source: Path, location: Path, *, binary: str | None = None, timeout: float = 600) -> None:
    """``oxigraph load`` the file ``source`` into the store folder ``location``.

    :raises ServeError: with Oxigraph's message when loading fails.
    """
    cmd = [binary or oxigraph_binary(), "load", "--location", str(location), "--file", str(source)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ServeError(f"loading {source} into Oxigraph took more than {timeout:g} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        raise ServeError(f"oxigraph load failed for {source}: {lines[-1][:300] if lines else 'no message'}")


# ---------------------------------------------------------------------------------------------
# The child and its supervisor
# ---------------------------------------------------------------------------------------------

#: Run by ``python -I -S -c`` between fork and the Oxigraph binary: ask the kernel to kill the
#: child when its parent dies, set the address-space limit, then exec. (A launcher instead of
#: ``preexec_fn``, which may deadlock in a process with threads.)
_LAUNCHER = """
import os, sys
parent, limit = int(sys.argv[1]), int(sys.argv[2])
if sys.platform.startswith("linux"):
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(70)
if limit > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execv(sys.argv[3], sys.argv[3:])
"""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen, wait: float = 3.0) -> None:
    """Stop ``proc`` and its process group: SIGTERM, then SIGKILL after ``wait`` seconds."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, wait), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _exit_text(code: int | None) -> str:
    if code is None:
        return "was stopped"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


class Supervisor:
    """Runs ``oxigraph serve-read-only`` on an internal loopback port and restarts it when it dies
    or when :meth:`restart` is asked for. One long-lived thread starts every child (the kernel's
    parent-death signal follows the thread that forked)."""

    def __init__(self, location: Path, *, timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 binary: str | None = None, log_dir: Path | None = None,
                 log: Callable[[str], None] | None = None):
        self.location = Path(location)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.binary = binary or oxigraph_binary()
        self.log_dir = Path(log_dir or location)
        self.log = log or (lambda message: None)
        self.port: int | None = None
        self.generation = 0
        self.restarts = 0
        self.failure: str | None = None
        self._proc: subprocess.Popen | None = None
        self._reason: str | None = None
        self._cond = threading.Condition()
        self._ready = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kg-serve-supervisor", daemon=True)

    # -- public ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child and wait until it listens.

        :raises ServeError: when it cannot start.
        """
        self._thread.start()
        ready = self.wait_ready(START_TIMEOUT + 5)
        if ready is None:
            self.stop()
            raise ServeError(self.failure or f"the Oxigraph server did not start within {START_TIMEOUT:g} s")

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_ready(self, timeout: float) -> tuple[int, int] | None:
        """``(port, generation)`` of the running child, waiting up to ``timeout`` seconds for one."""
        end = time.monotonic() + timeout
        with self._cond:
            while not self._ready and self.failure is None and not self._stop.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            if not self._ready:
                return None
            return self.port, self.generation

    def restart(self, generation: int, reason: str) -> None:
        """Restart the child of ``generation`` (once, however many ask)."""
        with self._cond:
            if generation == self.generation and self._ready and self._reason is None:
                self._reason = reason
                self._wake.set()

    def died(self, generation: int, wait: float = 1.0) -> bool:
        """Did the child of ``generation`` exit (or get replaced), waiting up to ``wait`` seconds?"""
        end = time.monotonic() + wait
        while True:
            with self._cond:
                proc, current = self._proc, self.generation
            if current != generation or proc is None or proc.poll() is not None:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(15)
        proc = self._proc
        if proc is not None:
            _kill_group(proc)

    # -- the supervisor thread ---------------------------------------------------------------------

    def _run(self) -> None:
        started: list[float] = []
        while not self._stop.is_set():
            now = time.monotonic()
            started = [t for t in started if now - t < _CRASH_WINDOW] + [now]
            if len(started) > _MAX_RESTARTS:
                self._fail(f"the Oxigraph server was restarted {_MAX_RESTARTS} times within "
                           f"{_CRASH_WINDOW:g} s; giving up")
                return
            try:
                proc, port = self._spawn()
            except ServeError as exc:
                self._fail(str(exc))
                return
            with self._cond:
                self._proc, self.port, self._reason = proc, port, None
                self.generation += 1
                self._ready = True
                self._cond.notify_all()
            while not self._stop.is_set() and not self._wake.is_set() and proc.poll() is None:
                self._wake.wait(0.1)
            with self._cond:
                self._ready = False
                reason = self._reason
            code = proc.poll()
            _kill_group(proc)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.restarts += 1
            self.log(f"oxigraph server {reason or _exit_text(code)}; restarting it")

    def _fail(self, message: str) -> None:
        with self._cond:
            self.failure = message
            self._ready = False
            self._cond.notify_all()

    def _spawn(self) -> tuple[subprocess.Popen, int]:
        last = "no message"
        for attempt in range(3):
            port = free_port()
            log_path = self.log_dir / f"oxigraph-{self.generation + 1}-{attempt}.log"
            limit = self.memory_mb * 2**20 if self.memory_mb else 0
            cmd = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), str(limit), self.binary,
                   "serve-read-only", "--location", str(self.location), "--bind", f"127.0.0.1:{port}",
                   "--timeout-s", str(self.timeout)]
            with open(log_path, "wb") as log_file:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True, env=_child_environment())
            end = time.monotonic() + START_TIMEOUT
            while time.monotonic() < end and not self._stop.is_set():
                text = log_path.read_bytes()
                if proc.poll() is not None:
                    break
                if b"Listening for requests" in text and _connects(port):
                    return proc, port
                time.sleep(0.02)
            _kill_group(proc)
            text = log_path.read_bytes().decode("utf-8", "replace")
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("Error")]  # Oxigraph's message, before any backtrace
            last = (errors or lines or [_exit_text(proc.returncode)])[0 if errors else -1][:300]
            if self._stop.is_set():
                break
            if "in use" in text or "os error 98" in text:  # the internal port was taken meanwhile
                continue
            if proc.returncode is None:
                last = f"did not start listening within {START_TIMEOUT:g} s"
            break
        raise ServeError(f"the Oxigraph server could not start: {last}")


def _child_environment() -> dict[str, str]:
    """The child's environment: glibc's malloc held to two arenas.

    The server answers each connection on a thread it keeps; by default glibc gives each thread
    its own 64 MiB malloc arena, so the address space grows by 64 MiB per thread until
    ``RLIMIT_AS`` is reached and every further query fails with "Resource temporarily
    unavailable (os error 11)": under a 1 GiB limit after 17 queries.
    """
    return {**os.environ, "MALLOC_ARENA_MAX": "2"}


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# The guard: an HTTP proxy on the public port
# ---------------------------------------------------------------------------------------------


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class GuardServer(ThreadingHTTPServer):
    """The public side: one thread per connection, at most :data:`MAX_CONCURRENT` upstream."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], supervisor: Supervisor | None = None, *,
                 log: Callable[[str], None] | None = None):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, GuardHandler)
        self.supervisor = supervisor
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self.connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.log = log or (lambda message: None)

    def process_request(self, request, client_address) -> None:
        if not self.connections.acquire(blocking=False):
            self.log(f"{client_address[0]}: 503 more than {MAX_CONNECTIONS} connections open")
            _turn_away(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()


def _turn_away(request: socket.socket) -> None:
    body = f"more than {MAX_CONNECTIONS} connections are open; try again shortly\n".encode("ascii")
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n").encode("ascii")
    with contextlib.suppress(OSError):
        request.settimeout(1.0)
        request.sendall(head + body)


#: What the one-line answer says when :mod:`http.server` itself refuses a request.
_STDLIB_REFUSALS = {
    414: f"request line longer than {MAX_LINE_BYTES:,} bytes; send a long query by POST",
    431: f"request headers too large (at most {MAX_HEADERS} lines of {MAX_LINE_BYTES:,} bytes each)",
    400: "malformed HTTP request",
    501: "method not supported: only GET and POST queries are answered",
    505: "HTTP version not supported",
}


class GuardHandler(BaseHTTPRequestHandler):
    server: GuardServer
    server_version = "kg-serve"
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds one read or write on the socket may wait

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # successful requests are not logged; refusals and failures are, in _send_error

    # -- reading a request within REQUEST_SECONDS --------------------------------------------------

    def handle_one_request(self) -> None:
        self._late = False
        self._clock = threading.Timer(REQUEST_SECONDS, self._cut_off)
        self._clock.daemon = True
        self._clock.start()
        try:
            super().handle_one_request()
        finally:
            self._clock.cancel()

    def _cut_off(self) -> None:
        """The request took too long to arrive: end the reading side, so that a blocked read returns."""
        self._late = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RD)

    def _read_in_time(self) -> None:
        """The whole request is read: stop the clock, or answer 408 if it ran out first."""
        self._clock.cancel()
        if self._late:
            self.close_connection = True
            raise _Refusal(408, f"the request was not sent within {REQUEST_SECONDS:g} s")

    def parse_request(self) -> bool:
        if self._late:  # the request line was cut off: answer in HTTP/1.1, not as a 0.9 request
            self.command, self.path, self.request_version, self.requestline = None, "", "HTTP/1.1", ""
        elif not super().parse_request():
            return False
        if self._late:
            self.close_connection = True
            self._send_error(408, f"the request was not sent within {REQUEST_SECONDS:g} s")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line too long, too many headers, ...) in one line."""
        self.close_connection = True
        self._send_error(int(code), _STDLIB_REFUSALS.get(int(code)) or message or "bad request")

    # -- methods -------------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _not_allowed(self) -> None:
        self._clock.cancel()
        self.close_connection = True
        self._send_error(405, "read-only SPARQL endpoint: only GET and POST queries are answered")

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed  # noqa: N815

    def _handle(self, method: str) -> None:
        try:
            body = self._body() if method == "POST" else None
            self._read_in_time()
            parts = _split(self.path)
            if method == "GET" and parts.path in STATIC_PATHS:
                self._relay(self._forward("GET", parts.path, None, {}, static=True))
                return
            if parts.path not in QUERY_PATHS:
                self.close_connection = method == "POST"
                raise _Refusal(404, f"not found: {parts.path[:100]}; queries go to /query, the query page is /")
            params = _pairs(parts.query)
            if body is not None:
                params += self._body_params(body)
            query = self._checked_query(params)
            form = [("query", query)] + [(k, v) for k, v in params if k in DATASET_PARAMETERS]
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Accept": self.headers.get("Accept", "application/sparql-results+json")}
            self._relay(self._forward("POST", "/query", urlencode(form).encode("ascii"), headers))
        except _Refusal as refusal:
            self._send_error(refusal.status, refusal.message)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _body(self) -> bytes:
        """The body of a POST, read whole, or a refusal: one Content-Length, not too large, all sent."""
        from kg.sparql.guards import MAX_QUERY_BYTES

        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True
            raise _Refusal(411, "send the body with a Content-Length; Transfer-Encoding is not accepted")
        lengths = {text.strip() for text in self.headers.get_all("Content-Length", [])}
        if not lengths:
            self.close_connection = True
            raise _Refusal(411, "a POST needs a Content-Length")
        if len(lengths) > 1 or not next(iter(lengths)).isdigit() or not next(iter(lengths)).isascii():
            self.close_connection = True
            raise _Refusal(400, f"bad Content-Length: {', '.join(sorted(lengths))[:60]!r}")
        length = int(next(iter(lengths)))
        if length > 3 * MAX_QUERY_BYTES + 4096:  # form encoding may triple the size
            self.close_connection = True
            raise _Refusal(413, f"request body of {length:,} bytes is too large "
                                f"(at most {3 * MAX_QUERY_BYTES + 4096:,})")
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            if self._late:
                raise _Refusal(408, f"the request was not sent within {REQUEST_SECONDS:g} s")
            raise _Refusal(400, f"the body ended after {len(body):,} of {length:,} bytes")
        return body

    def _body_params(self, body: bytes) -> list[tuple[str, str]]:
        ctype = self.headers.get_content_type()
        if ctype == "application/x-www-form-urlencoded":
            return _pairs(body)
        if ctype == "application/sparql-query":
            return [("query", _utf8(body))]
        if ctype == "application/sparql-update":
            raise _Refusal(403, "read-only endpoint: SPARQL updates are refused")
        raise _Refusal(415, f"unsupported Content-Type {ctype!r}; send application/sparql-query or a form")

    def _checked_query(self, params: list[tuple[str, str]]) -> str:
        from kg.errors import QueryError
        from kg.sparql.guards import check_query

        if any(k == "update" for k, _ in params):
            raise _Refusal(403, "read-only endpoint: SPARQL updates are refused")
        queries = [v for k, v in params if k == "query"]
        if len(queries) != 1:
            raise _Refusal(400, "give exactly one 'query' parameter")
        try:
            check_query(queries[0])
        except QueryError as exc:  # also QueryRefused: update, SERVICE, FROM, too large, too deep
            message = str(exc).split("; pass --allow-remote")[0]  # the flag is the CLI's, not the endpoint's
            raise _Refusal(400, f"query refused: {message}") from None
        except KGError as exc:
            raise _Refusal(400, str(exc)) from None
        return queries[0]

    # -- upstream ----------------------------------------------------------------------------------

    def _forward(self, method: str, path: str, body: bytes | None, headers: dict, *, static: bool = False):
        """Send the request to the child; ``(status, content type, spooled body)``."""
        sup = self.server.supervisor
        assert sup is not None
        wait = float(sup.timeout)
        if not self.server.slots.acquire(timeout=wait):
            raise _Refusal(503, "the endpoint is busy; try again later")
        try:
            ready = sup.wait_ready(START_TIMEOUT)
            if ready is None:
                raise _Refusal(503, "the SPARQL server is not running" + (f": {sup.failure}" if sup.failure else
                                                                           "; try again in a moment"))
            port, generation = ready
            deadline = time.monotonic() + sup.timeout + GRACE
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=sup.timeout + GRACE)
            spool = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)
            try:
                conn.connect()
                sock = conn.sock
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                total = 0
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    sock.settimeout(left)
                    chunk = response.read1(65536)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > MAX_RESPONSE_BYTES:
                        raise _Refusal(507, f"the answer is larger than {MAX_RESPONSE_BYTES // 2**20} MiB; "
                                            "narrow the query or add a LIMIT")
                    spool.write(chunk)
            except TimeoutError:
                spool.close()
                sup.restart(generation, f"kept running a query past the {sup.timeout} s timeout")
                raise _Refusal(504, f"query timed out after {sup.timeout} s (stopped by the endpoint)") from None
            except (OSError, http.client.HTTPException):
                spool.close()
                if sup.stopping:
                    raise _Refusal(503, "the endpoint is shutting down") from None
                if sup.died(generation):
                    sup.restart(generation, "died")
                    raise _Refusal(503, f"the query was stopped: the SPARQL server ran out of its "
                                        f"{sup.memory_mb} MiB memory limit or crashed, and was restarted") from None
                raise _Refusal(502, "the SPARQL server answered badly; try again") from None
            except BaseException:
                spool.close()
                raise
            finally:
                conn.close()
            spool.seek(0)
            if not static and response.status == 200 and _cancelled(spool):
                spool.close()
                raise _Refusal(504, f"query timed out after {sup.timeout} s (cancelled by the SPARQL server)")
            spool.seek(0)
            return response.status, response.getheader("Content-Type", "application/octet-stream"), spool
        finally:
            self.server.slots.release()

    def _relay(self, answer) -> None:
        status, ctype, spool = answer
        with spool:
            size = spool.seek(0, os.SEEK_END)
            spool.seek(0)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            shutil.copyfileobj(spool, self.wfile, 65536)

    def _send_error(self, status: int, message: str) -> None:
        try:
            path = _split(getattr(self, "path", "") or "").path[:60]
        except _Refusal:
            path = "?"
        self.server.log(f"{self.client_address[0]} {self.command or '-'} {path}: {status} {message}")
        body = (message + "\n").encode("utf-8")
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)


def _split(target: str):
    try:
        return urlsplit(target)
    except ValueError:
        raise _Refusal(400, "malformed request target") from None


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal(400, "the query is not UTF-8 text") from None


def _pairs(data: str | bytes) -> list[tuple[str, str]]:
    text = _utf8(data) if isinstance(data, bytes) else data
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict",
                         max_num_fields=100)
    except (ValueError, UnicodeDecodeError):
        raise _Refusal(400, "malformed form or query string") from None


def _cancelled(spool) -> bool:
    size = spool.seek(0, os.SEEK_END)
    spool.seek(max(0, size - 256))
    return spool.read().rstrip().endswith(CANCELLED)


# ---------------------------------------------------------------------------------------------
# The endpoint: store + supervisor + guard
# ---------------------------------------------------------------------------------------------


def _stderr(message: str) -> None:
    print(f"kg serve: {message}", file=sys.stderr, flush=True)


class Endpoint:
    """A running read-only SPARQL endpoint over a built graph.

    ``start()`` binds the public port first (a port in use is refused before anything is built),
    loads the graph into a temporary Oxigraph store, starts the child and waits until it answers;
    ``stop()`` stops the child's process group and removes the store. Use as a context manager::

        with Endpoint("output", port=0).start_background() as ep:
            SPARQLWrapper(ep.query_url) ...
    """

    def __init__(self, graph: str | Path | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 log: Callable[[str], None] | None = _stderr):
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise UsageError(f"port must be a whole number from 0 to 65535, not {port!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
            raise UsageError(f"timeout must be a whole number of seconds, at least 1, not {timeout!r}")
        if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or (memory_mb and memory_mb < 256):
            raise UsageError(f"memory limit must be at least 256 MiB (or 0 for none), not {memory_mb!r}")
        self.graph = graph
        self.host = host
        self.port = port
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.log = log or (lambda message: None)
        self.supervisor: Supervisor | None = None
        self._server: GuardServer | None = None
        self._workdir: Path | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        return self.url + "query"

    def start(self) -> Endpoint:
        """Bind, load, start the child; on any failure everything started is stopped again.

        :raises ServeError: port in use, Oxigraph missing, load or start failure.
        """
        self._server = _bind(self.host, self.port, self.log)
        self.port = self._server.server_address[1]
        try:
            binary = oxigraph_binary()
            remove_stale_workdirs(log=self.log)
            self._workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
            (self._workdir / OWNER_FILE).write_text(_owner(), encoding="utf-8")
            source = graph_source(self.graph, self._workdir)
            store = self._workdir / "store"
            load_store(source, store, binary=binary)
            self.supervisor = Supervisor(store, timeout=self.timeout, memory_mb=self.memory_mb, binary=binary,
                                         log_dir=self._workdir, log=self.log)
            self._server.supervisor = self.supervisor
            self.supervisor.start()
        except BaseException:
            self.stop()
            raise
        return self

    def serve_forever(self) -> None:
        """Answer requests in this thread until :meth:`stop` (from another thread) or a signal."""
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.25)

    def start_background(self) -> Endpoint:
        """:meth:`start`, then answer requests in a daemon thread."""
        self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            if self._thread is not None:
                server.shutdown()
                self._thread.join(10)
                self._thread = None
            server.server_close()
        if self.supervisor is not None:
            self.supervisor.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


#: Each endpoint's work folder (its store, the child's log) in the temporary directory.
WORKDIR_PREFIX = "kg-serve-"
#: The file in a work folder naming the process it belongs to.
OWNER_FILE = "owner.pid"


def _owner(pid: int | None = None) -> str:
    """What :data:`OWNER_FILE` holds: the process number and the host name."""
    return f"{os.getpid() if pid is None else pid} {socket.gethostname()}\n"


def remove_stale_workdirs(tmp: str | Path | None = None, *, log: Callable[[str], None] = lambda _m: None) -> list[Path]:
    """Remove the work folders of ``kg serve`` processes that no longer run (killed with SIGKILL,
    or by the machine, they could not remove their own). A folder is stale when its
    :data:`OWNER_FILE` names a process of this host that is gone. A folder without that file, of
    another host (a temporary directory shared between containers), or whose owner runs (or whose
    number another process now has) is left alone. Returns the folders removed.
    """
    removed = []
    host = socket.gethostname()
    for folder in sorted(Path(tmp or tempfile.gettempdir()).glob(WORKDIR_PREFIX + "*")):
        try:
            number, owner_host = (folder / OWNER_FILE).read_text(encoding="utf-8").split(maxsplit=1)
            pid = int(number)
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if owner_host.strip() != host or pid <= 0 or process_running(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        log(f"removed {folder}: its kg serve process ({pid}) no longer runs")
        removed.append(folder)
    return removed


def _bind(host: str, port: int, log: Callable[[str], None]) -> GuardServer:
    try:
        return GuardServer((host, port), log=log)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; stop what uses it or choose another "
                             "port with --port") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"not allowed to listen on port {port} (ports below 1024 need privileges); "
                             "choose another with --port") from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
            raise ServeError(f"cannot listen on host {host!r}: not an address of this machine") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def is_loopback(host: str) -> bool:
    """Is ``host`` a loopback address (or ``localhost``)?

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(graph: str | Path | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB) -> int:
    """Run the endpoint in the foreground until Ctrl-C or SIGTERM; returns the exit code."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    endpoint = Endpoint(graph, host=host, port=port, timeout=timeout, memory_mb=memory_mb)
    try:
        if not is_loopback(host):
            _stderr(f"warning: listening on {host}, reachable from other machines")
        started = time.monotonic()
        endpoint.start()
        pid = endpoint.supervisor.pid if endpoint.supervisor else None
        print(f"SPARQL endpoint: {endpoint.query_url}\nquery page: {endpoint.url}\n"
              f"read-only; query timeout {timeout} s; memory limit "
              f"{f'{memory_mb} MiB' if memory_mb else 'none'}; oxigraph pid {pid}; "
              f"started in {time.monotonic() - started:.1f} s; Ctrl-C to stop", flush=True)
        endpoint.serve_forever()
    except KeyboardInterrupt:
        _stderr("stopping")
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
