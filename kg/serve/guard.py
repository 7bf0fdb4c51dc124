"""The guard of ``kg serve``: a small HTTP proxy on the public port in front of the Oxigraph child.

It serves the query page (``/``) and answers queries at ``/query`` (and ``/sparql``) after the
query layer's own guards (:func:`kg.sparql.query.check_query`), spools answers so that one cut off
by Oxigraph's timeout becomes HTTP 504, and reads requests under limits, each refusal one line of
plain text (see :mod:`kg.serve.endpoint`)."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from kg.errors import KGError
from kg.serve.child import START_TIMEOUT, Supervisor

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
#: The text Oxigraph appends to an answer it stops streaming at its timeout.
CANCELLED = b"The SPARQL operation has been cancelled"
STATIC_PATHS = frozenset({"/", "/yasgui.min.css", "/yasgui.min.js", "/logo.svg"})
QUERY_PATHS = frozenset({"/query", "/sparql"})
#: Paths of the clinician application (:mod:`kg.serve.app`), when it runs: the checker page, its
#: API and the CDS Hooks services. The guard reads each request under its limits first.
APP_PATHS = frozenset({"/", "/api/check", "/api/names", "/cds-services"})
APP_PREFIXES = ("/cds-services/",)
#: Seconds the clinician application may take for one answer.
APP_SECONDS = 30
#: Protocol parameters passed on with a query; any other parameter is dropped.
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


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
        self.app_port: int | None = None  # the clinician application's loopback port, when it runs
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
            if self.server.app_port and (parts.path in APP_PATHS or parts.path.startswith(APP_PREFIXES)):
                self._relay(self._to_app(method, body))
                return
            if self.server.app_port and method == "GET" and parts.path == "/sparql" and not parts.query:
                self._relay(self._forward("GET", "/", None, {}, static=True))  # the query page moves here
                return
            if method == "GET" and parts.path in STATIC_PATHS:
                self._relay(self._forward("GET", parts.path, None, {}, static=True))
                return
            if parts.path not in QUERY_PATHS:
                self.close_connection = method == "POST"
                page = "/sparql" if self.server.app_port else "/"
                raise _Refusal(404, f"not found: {parts.path[:100]}; queries go to /query, the query page is {page}")
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

                def in_time() -> None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    sock.settimeout(left)

                _spool_answer(response, spool, in_time, "; narrow the query or add a LIMIT")
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

    def _to_app(self, method: str, body: bytes | None):
        """Pass a request read under the guard's limits to the clinician application."""
        if not self.server.slots.acquire(timeout=APP_SECONDS):
            raise _Refusal(503, "the endpoint is busy; try again later")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.app_port, timeout=APP_SECONDS)
        spool = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)
        try:
            headers = {k: self.headers[k] for k in ("Content-Type", "Accept") if self.headers.get(k)}
            conn.request(method, self.path, body=body, headers=headers)
            response = conn.getresponse()
            _spool_answer(response, spool, lambda: None, "")
            spool.seek(0)
            return response.status, response.getheader("Content-Type", "application/octet-stream"), spool, \
                {"Content-Security-Policy": v for k, v in response.getheaders() if k.lower() == "content-security-policy"}
        except BaseException as exc:
            spool.close()
            if isinstance(exc, TimeoutError):
                raise _Refusal(504, f"no answer within {APP_SECONDS} s") from None
            if isinstance(exc, (OSError, http.client.HTTPException)):
                raise _Refusal(503, "the clinician service is not answering; try again in a moment") from None
            raise
        finally:
            conn.close()
            self.server.slots.release()

    def _relay(self, answer) -> None:
        status, ctype, spool, *extra = answer
        with spool:
            size = spool.seek(0, os.SEEK_END)
            spool.seek(0)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
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


def _spool_answer(response, spool, before_read: Callable[[], None], hint: str) -> None:
    """Copy an upstream answer into ``spool``, at most :data:`MAX_RESPONSE_BYTES` (else 507);
    ``before_read`` runs before each read (to set the time left, or raise TimeoutError)."""
    total = 0
    while True:
        before_read()
        chunk = response.read1(65536)
        if not chunk:
            return
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            raise _Refusal(507, f"the answer is larger than {MAX_RESPONSE_BYTES // 2**20} MiB{hint}")
        spool.write(chunk)


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

