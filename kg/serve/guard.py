"""The guard of ``kg serve``: the public port, an ASGI application on uvicorn in front of the
Oxigraph child and the clinician application.

Two layers, each with one job:

- :class:`GuardedH11` (the connection, a uvicorn HTTP/1.1 protocol): reads every request under
  limits before any application sees it, and answers each refusal itself in one line of plain
  text: a request line of at most :data:`MAX_LINE_BYTES` (414), at most :data:`MAX_HEADERS`
  header lines of that size (431), one numeric Content-Length no larger than
  :data:`MAX_BODY_BYTES` (413, 400, 411; ``Transfer-Encoding`` is refused with 411), the whole
  request within :data:`REQUEST_SECONDS` (408: a trickle of bytes cannot hold a connection for
  ever; an idle kept-alive connection is closed at the same deadline) and at most
  :data:`MAX_CONNECTIONS` connections at once (503). uvicorn has a keep-alive timeout but no
  deadline for a request that is being sent, nor a connection cap with its own answer, hence this
  subclass; everything else (parsing, keep-alive, flow control) is uvicorn's and h11's.
- :class:`EdgeApp` (the requests, ASGI): the clinician paths go to the clinician application
  (:mod:`kg.serve.app`) in this process; queries at ``/query`` (and ``/sparql``) pass the query
  layer's own guards (:func:`kg.sparql.guards.check_query`) and go to the child in a worker
  thread, at most :data:`MAX_CONCURRENT` at once; answers are spooled, so that one cut off by
  Oxigraph's timeout becomes HTTP 504 (see :mod:`kg.serve.endpoint`).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import socket
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

from kg.errors import KGError
from kg.serve.child import START_TIMEOUT, Supervisor

#: Seconds past the timeout after which a still running query gets 504 and the child a restart
#: (the child has no timeout of its own: :mod:`kg.serve.child`).
GRACE = 0.5
#: Largest answer passed on, in bytes.
MAX_RESPONSE_BYTES = 512 * 2**20
#: Queries forwarded at the same time; more wait (up to the timeout) for a slot.
MAX_CONCURRENT = 4
#: Connections open at the same time; one more is answered 503 and closed.
MAX_CONNECTIONS = 64
#: Seconds a client has to send a whole request (line, headers and body) once it starts one,
#: and to start the next one on a kept-alive connection; past it the request gets 408.
REQUEST_SECONDS = 20.0
#: Bytes per request or header line (its CRLF included), and header lines per request.
MAX_LINE_BYTES = 65536
MAX_HEADERS = 100
#: The largest request body: a query of the query layer's largest size, form-encoded (which may
#: triple it), with room for the other form fields.
MAX_BODY_BYTES = 3 * 1_000_000 + 4096
#: The text Oxigraph appends to an answer it stops streaming at its timeout.
CANCELLED = b"The SPARQL operation has been cancelled"
STATIC_PATHS = frozenset({"/", "/yasgui.min.css", "/yasgui.min.js", "/logo.svg"})
QUERY_PATHS = frozenset({"/query", "/sparql"})
#: Paths of the clinician application (:mod:`kg.serve.app`), when it runs: the checker page, its
#: API and the CDS Hooks services. The connection reads each request under its limits first.
APP_PATHS = frozenset({"/", "/api/check", "/api/names", "/cds-services"})
APP_PREFIXES = ("/cds-services/",)
#: Seconds the clinician application may take for one answer.
APP_SECONDS = 30
#: Protocol parameters passed on with a query; any other parameter is dropped.
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_DIGITS = re.compile(rb"[0-9]+")


class _Refusal(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close


def _one_line(message: str) -> bytes:
    """The body of every refusal: ``message`` as one line of plain text."""
    return (" ".join(message.split()) + "\n").encode("utf-8")


def refusal_bytes(status: int, message: str, *, extra: str = "") -> bytes:
    """A whole HTTP/1.1 answer: ``message`` as one line of plain text, then the connection closes."""
    body = _one_line(message)
    return (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n{extra}Connection: close\r\n\r\n"
            ).encode("ascii") + body


def _late() -> str:
    return f"the request was not sent within {REQUEST_SECONDS:g} s"


# -- the connection ---------------------------------------------------------------------------------

class _Reader:
    """Follows the bytes of one connection, request after request, and refuses a request head
    that breaks a limit as soon as the byte that breaks it arrives (nothing is buffered here but
    the start of the current line)."""

    _KEEP = 256  # bytes of a line kept: enough for the request line's method and a Content-Length

    def __init__(self):
        self.first_line = b""
        self._next_request()

    def _next_request(self) -> None:
        self.in_body = False
        self.remaining = 0  # body bytes still to come
        self.length = 0
        self.seen = 0  # bytes of the current request so far
        self._line = bytearray()
        self._line_bytes = 0
        self._lines = 0
        self._lengths: list[bytes] = []
        self._chunked = False
        self._host = False
        self._method = b""

    @property
    def partial(self) -> bool:
        """Has the client begun a request it has not finished sending?"""
        return self.seen > 0

    def feed(self, data: bytes) -> int:
        """Follow ``data``; the number of request heads it completed. :raises _Refusal: a limit broken."""
        heads, i, n = 0, 0, len(data)
        while i < n:
            if self.in_body:
                take = min(self.remaining, n - i)
                self.remaining -= take
                self.seen += take
                i += take
                if not self.remaining:
                    self._next_request()
                continue
            j = data.find(b"\n", i)
            end = n if j < 0 else j + 1
            self._line_bytes += end - i
            if len(self._line) < self._KEEP:
                self._line += data[i:min(end, i + self._KEEP - len(self._line))]
            if self._line_bytes > MAX_LINE_BYTES:
                if self._lines == 0:
                    raise _Refusal(414, f"request line longer than {MAX_LINE_BYTES:,} bytes; send a long "
                                        "query by POST")
                raise _Refusal(431, f"request headers too large (at most {MAX_HEADERS} lines of "
                                    f"{MAX_LINE_BYTES:,} bytes each)")
            self.seen += end - i
            i = end
            if j < 0:
                break
            line, self._line, self._line_bytes = bytes(self._line).rstrip(b"\r\n"), bytearray(), 0
            if self._lines == 0:
                if line:
                    self.first_line, self._method, self._lines = line, line.split(b" ", 1)[0], 1
                else:
                    self.seen = 0  # an empty line before a request line is not a request
                continue
            if line:
                self._lines += 1
                if self._lines - 1 > MAX_HEADERS:
                    raise _Refusal(431, f"request headers too large (at most {MAX_HEADERS} lines of "
                                        f"{MAX_LINE_BYTES:,} bytes each)")
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    self._lengths.append(value.strip())
                elif name == b"transfer-encoding":
                    self._chunked = True
                elif name == b"host":
                    self._host = True
                continue
            self._head_done()
            heads += 1
            if not self.remaining:
                self._next_request()
        return heads

    def _head_done(self) -> None:
        if self._chunked:
            raise _Refusal(411, "send the body with a Content-Length; Transfer-Encoding is not accepted")
        values = set(self._lengths)
        if len(values) > 1 or any(not _DIGITS.fullmatch(v) for v in values):
            shown = ", ".join(sorted(v.decode("latin-1") for v in values))[:60]
            raise _Refusal(400, f"bad Content-Length: {shown!r}")
        if not values and self._method == b"POST":
            raise _Refusal(411, "a POST needs a Content-Length")
        self.length = int(next(iter(values))) if values else 0
        if self.length > MAX_BODY_BYTES:
            raise _Refusal(413, f"request body of {self.length:,} bytes is too large (at most {MAX_BODY_BYTES:,})")
        if not self._host and self.first_line.endswith(b"HTTP/1.1"):
            raise _Refusal(400, "an HTTP/1.1 request needs a Host header")
        self.in_body, self.remaining = bool(self.length), self.length


def protocol_class(log: Callable[[str], None]):
    """The uvicorn HTTP/1.1 protocol of the public port, reporting refusals to ``log``."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11(H11Protocol):
        """uvicorn's h11 protocol, reading each request under the guard's limits (module docstring)."""

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                # asyncio sets this only for sockets made with proto IPPROTO_TCP; without it an
                # answer's body waits for the client's delayed ACK of its head (40 ms)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._reader = _Reader()
            self._open = 0  # requests whose head is read and whose answer is not complete
            self._timer: asyncio.TimerHandle | None = None
            self._eof = False
            self._refused = False
            if len(self.connections) > MAX_CONNECTIONS:
                self._refuse(503, f"more than {MAX_CONNECTIONS} connections are open; try again shortly",
                             extra="Retry-After: 5\r\n")
                return
            self._clock()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            try:
                self._open += self._reader.feed(data)
            except _Refusal as refusal:
                self._refuse(refusal.status, refusal.message)
                return
            self._clock()
            super().data_received(data)

        def eof_received(self) -> bool | None:
            """The client stopped sending: refuse a request it did not finish, else answer what it sent."""
            self._eof = True
            if self._refused:
                return None
            reader = self._reader
            if reader.in_body:
                got = reader.length - reader.remaining
                self._refuse(400, f"the body ended after {got:,} of {reader.length:,} bytes")
                return None
            if reader.partial:
                self._refuse(400, "the request ended before its headers did")
                return None
            return True if self._open else None  # keep the writing side open for the answers

        def on_response_complete(self) -> None:
            self._open = max(0, self._open - 1)
            super().on_response_complete()
            self._unset_keepalive_if_required()  # the guard's deadline stands for uvicorn's keep-alive timer
            if self._eof and not self._open:
                self.transport.close()
                return
            self._clock()

        def connection_lost(self, exc) -> None:
            self._stop_clock()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:  # h11 could not parse what the client sent
            self._refuse(400, "malformed HTTP request")

        # -- the deadline ------------------------------------------------------------------------------

        def _clock(self) -> None:
            """Run the deadline while the client owes bytes: a request begun and not sent whole, or no
            request open (an idle connection must start the next one in time)."""
            waiting = self._reader.partial or not self._open
            if waiting and self._timer is None and not self._refused:
                self._timer = self.loop.call_later(REQUEST_SECONDS, self._deadline)
            elif not waiting:
                self._stop_clock()

        def _stop_clock(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _deadline(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self._reader.partial:
                self._refuse(408, _late())
            else:  # an idle connection: closed without an answer
                self._refused = True
                self.transport.close()

        def _refuse(self, status: int, message: str, *, extra: str = "") -> None:
            self._refused = True
            self._stop_clock()
            client = self.client[0] if self.client else "-"
            line = self._reader.first_line.decode("latin-1")[:80] if hasattr(self, "_reader") else ""
            log(f"{client} {line or '-'}: {status} {message}")
            busy = self.cycle is not None and self.cycle.response_started and not self.cycle.response_complete
            if self.cycle is not None:
                self.cycle.disconnected = True  # whatever the application still sends is dropped
            if not busy:
                with contextlib.suppress(Exception):
                    self.transport.write(refusal_bytes(status, message, extra=extra))
            self.transport.close()

    return GuardedH11


# -- the requests -----------------------------------------------------------------------------------

class _Gone(Exception):
    """The client went away (or was cut off at the deadline) while its body was read."""


class EdgeApp:
    """The ASGI application of the public port: routes, the query guards, the child upstream."""

    def __init__(self, supervisor: Supervisor, *, app=None, log: Callable[[str], None] | None = None):
        self.supervisor = supervisor
        self.app = app  # the clinician application, when it runs
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self.log = log or (lambda message: None)
        self._idle: list[tuple[http.client.HTTPConnection, int]] = []  # kept-alive connections to the child
        self._idle_lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        unread = method == "POST"
        try:
            if method not in ("GET", "POST"):
                raise _Refusal(405, "read-only SPARQL endpoint: only GET and POST queries are answered",
                               close=True)
            if self.app is not None and (path in APP_PATHS or path.startswith(APP_PREFIXES)):
                await self._to_app(scope, receive, send)
                return
            query_string = scope["query_string"].decode("latin-1")
            if self.app is not None and method == "GET" and path == "/sparql" and not query_string:
                await _relay(send, await self._upstream("GET", "/", None, {}, static=True))  # the query page
                return
            if method == "GET" and path in STATIC_PATHS:
                await _relay(send, await self._upstream("GET", path, None, {}, static=True))
                return
            if path not in QUERY_PATHS:
                page = "/sparql" if self.app is not None else "/"
                raise _Refusal(404, f"not found: {path[:100]}; queries go to /query, the query page is {page}")
            params = _pairs(query_string)
            headers = _headers(scope)
            if method == "POST":
                body, unread = await _body(receive), False
                params += _body_params(headers.get("content-type", ""), body)
            query = await _in_thread(_checked_query, params)  # rdflib's parse: not on the event loop
            form = [("query", query)] + [(k, v) for k, v in params if k in DATASET_PARAMETERS]
            upstream = {"Content-Type": "application/x-www-form-urlencoded",
                        "Accept": headers.get("accept", "application/sparql-results+json")}
            await _relay(send, await self._upstream("POST", "/query", urlencode(form).encode("ascii"), upstream))
        except _Refusal as refusal:
            client = (scope.get("client") or ("-",))[0]
            self.log(f"{client} {method} {path[:60]}: {refusal.status} {refusal.message}")
            if unread:  # read the body (its size is bounded) so that a client still sending it gets the answer
                with contextlib.suppress(_Gone):
                    await _body(receive)
            await _send_refusal(send, refusal)
        except _Gone:
            return

    async def _upstream(self, method: str, path: str, body: bytes | None, headers: dict, *, static: bool = False):
        return await _in_thread(self._forward, method, path, body, headers, static)

    def _forward(self, method: str, path: str, body: bytes | None, headers: dict, static: bool):
        """Send the request to the child (in a worker thread); ``(status, content type, spooled body)``."""
        sup = self.supervisor
        wait = float(sup.timeout)
        if not self.slots.acquire(timeout=wait):
            raise _Refusal(503, "the endpoint is busy; try again later")
        try:
            ready = sup.wait_ready(START_TIMEOUT)
            if ready is None:
                raise _Refusal(503, "the SPARQL server is not running" + (f": {sup.failure}" if sup.failure else
                                                                           "; try again in a moment"))
            port, generation = ready
            deadline = time.monotonic() + sup.timeout + GRACE
            conn, reused = self._connection(port, generation)
            spool = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)
            keep = False
            try:
                try:
                    response = _send(conn, method, path, body, headers, deadline)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not reused:
                        raise
                    conn.close()  # the child closed a kept-alive connection: once more on a new one
                    conn, reused = self._connection(port, generation, fresh=True)
                    response = _send(conn, method, path, body, headers, deadline)
                sock = conn.sock

                def in_time() -> None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    sock.settimeout(left)

                _spool_answer(response, spool, in_time, "; narrow the query or add a LIMIT")
                keep = not response.will_close
                response.close()  # read whole: the connection can carry the next query
            except TimeoutError:
                spool.close()
                sup.restart(generation, f"kept running a query past the {sup.timeout} s timeout")
                raise _Refusal(504, f"query timed out after {sup.timeout} s (stopped by the endpoint)") from None
            except (OSError, http.client.HTTPException):
                spool.close()
                dead = sup.died(generation)  # (waits a moment: a stop kills the child after saying so)
                if sup.stopping:
                    raise _Refusal(503, "the endpoint is shutting down") from None
                if dead:
                    sup.restart(generation, "died")
                    raise _Refusal(503, f"the query was stopped: the SPARQL server ran out of its "
                                        f"{sup.memory_mb} MiB memory limit or crashed, and was restarted") from None
                raise _Refusal(502, "the SPARQL server answered badly; try again") from None
            except BaseException:
                spool.close()
                raise
            finally:
                if keep:
                    self._release(conn, generation)
                else:
                    conn.close()
            spool.seek(0)
            if not static and response.status == 200 and _cancelled(spool):
                spool.close()
                raise _Refusal(504, f"query timed out after {sup.timeout} s (cancelled by the SPARQL server)")
            spool.seek(0)
            return response.status, response.getheader("Content-Type", "application/octet-stream"), spool
        finally:
            self.slots.release()

    def _connection(self, port: int, generation: int, *, fresh: bool = False):
        """A kept-alive connection to the child of ``generation`` (``(conn, reused)``): Oxigraph
        keeps a thread for each connection for a while, so a new connection per query left it
        thousands at 60 queries a second, until it failed."""
        with self._idle_lock:
            while self._idle and not fresh:
                conn, gen = self._idle.pop()
                if gen == generation:
                    return conn, True
                conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.supervisor.timeout + GRACE)
        conn.connect()
        # http.client sends the head and the body in two writes: without this, Nagle's algorithm
        # may hold the body until the child's delayed ACK
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, False

    def _release(self, conn, generation: int) -> None:
        with self._idle_lock:
            if len(self._idle) < MAX_CONCURRENT:
                self._idle.append((conn, generation))
                return
        conn.close()

    async def _to_app(self, scope, receive, send) -> None:
        """The clinician application answers, within :data:`APP_SECONDS`; every answer gets ``nosniff``."""
        import anyio

        started = False

        async def sending(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-content-type-options", b"nosniff")]}
            await send(message)

        with anyio.move_on_after(APP_SECONDS) as scope_timer:
            await self.app(scope, receive, sending)
        if scope_timer.cancelled_caught and not started:
            raise _Refusal(504, f"no answer within {APP_SECONDS} s")


def _send(conn, method: str, path: str, body: bytes | None, headers: dict, deadline: float):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    conn.timeout = left
    if conn.sock is not None:
        conn.sock.settimeout(left)
    conn.request(method, path, body=body, headers=headers)
    return conn.getresponse()


async def _in_thread(work, *args):
    from anyio import to_thread

    return await to_thread.run_sync(work, *args)


async def _body(receive) -> bytes:
    """The whole body (its length was checked by the connection before any of it was read)."""
    data = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        data += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(data)


async def _relay(send, answer) -> None:
    status, ctype, spool = answer
    with spool:
        size = spool.seek(0, os.SEEK_END)
        spool.seek(0)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype.encode("latin-1")), (b"content-length", str(size).encode()),
                                (b"x-content-type-options", b"nosniff")]})
        while True:
            chunk = spool.read(65536)
            if not chunk:
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send_refusal(send, refusal: _Refusal) -> None:
    body = _one_line(refusal.message)
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"x-content-type-options", b"nosniff")]
    if refusal.close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _body_params(content_type: str, body: bytes) -> list[tuple[str, str]]:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        return _pairs(body)
    if ctype == "application/sparql-query":
        return [("query", _utf8(body))]
    if ctype == "application/sparql-update":
        raise _Refusal(403, "read-only endpoint: SPARQL updates are refused")
    raise _Refusal(415, f"unsupported Content-Type {ctype!r}; send application/sparql-query or a form")


class _Accepted:
    """The query texts the guards accepted lately, at most :data:`ACCEPTED_TEXTS` of at most
    :data:`ACCEPTED_BYTES` characters each: rdflib's parse, which the guards rest on, takes 14-60 ms
    for the texts a patient check sends, and clients send the same texts again and again. A
    verdict depends on the text alone; refusals are not kept (each is parsed again)."""

    def __init__(self):
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, text: str) -> bool:
        with self._lock:
            if text in self._texts:
                self._texts.move_to_end(text)
                return True
            return False

    def add(self, text: str) -> None:
        if len(text) > ACCEPTED_BYTES:
            return
        with self._lock:
            self._texts[text] = None
            while len(self._texts) > ACCEPTED_TEXTS:
                self._texts.popitem(last=False)


ACCEPTED_TEXTS = 1024
ACCEPTED_BYTES = 16384
_accepted = _Accepted()


def _checked_query(params: list[tuple[str, str]]) -> str:
    from kg.errors import QueryError
    from kg.sparql.guards import check_query

    if any(k == "update" for k, _ in params):
        raise _Refusal(403, "read-only endpoint: SPARQL updates are refused")
    queries = [v for k, v in params if k == "query"]
    if len(queries) != 1:
        raise _Refusal(400, "give exactly one 'query' parameter")
    if queries[0] in _accepted:
        return queries[0]
    try:
        check_query(queries[0])
    except QueryError as exc:  # also QueryRefused: update, SERVICE, FROM, too large, too deep
        message = str(exc).split("; pass --allow-remote")[0]  # the flag is the CLI's, not the endpoint's
        raise _Refusal(400, f"query refused: {message}") from None
    except KGError as exc:
        raise _Refusal(400, str(exc)) from None
    _accepted.add(queries[0])
    return queries[0]


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
