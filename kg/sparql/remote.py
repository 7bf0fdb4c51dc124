"""The same queries against any SPARQL 1.1 endpoint, and pushing the graph into a writable store.

:class:`EndpointEngine` is the :class:`kg.sparql.query.Engine` for a remote endpoint: the canned ``.rq``
files run unchanged through SPARQLWrapper. Parameters become a one-row ``VALUES`` block at the
start of the top-level ``WHERE`` group (:func:`kg.sparql.query.inject_values`), never a trailing one
(rdflib issue 1772: a trailing VALUES joins after OPTIONAL and FILTER and changes answers), with
every value written as an escaped RDF term (:func:`kg.sparql.query.values_clause`).

Every answer is checked before it is believed: results are asked for as SPARQL JSON and validated
whole (an Oxigraph answer cut off at its timeout ends in "The SPARQL operation has been
cancelled" and is a :class:`~kg.sparql.query.QueryTimeout`); HTTP 206 and Virtuoso's partial-result
headers are an :class:`IncompleteAnswer`; errors are one line. Each request is bounded by the
caller's timeout, whatever the server does (refuses, stalls, trickles bytes).

:func:`push` loads a graph into a writable store in batches (SPARQL Update ``INSERT DATA`` or Graph Store Protocol ``POST``).
"""

from __future__ import annotations

import ast
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import DataError, EndpointError, UsageError
from kg.errors import QueryError
from kg.sparql.engine import Deadline, Rows, run_with_timeout
from kg.sparql.guards import check_query, DEFAULT_LIMIT, DEFAULT_TIMEOUT, QueryTimeout
from kg.sparql.terms import check_bindings, inject_values, term_text

#: Largest answer read from an endpoint, in bytes.
MAX_RESPONSE_BYTES = 256 * 2**20
#: Oxigraph appends this to an answer it stops streaming at its timeout (HTTP status still 200).
CANCELLED = b"The SPARQL operation has been cancelled"
#: Triples per request of :func:`push`.
DEFAULT_BATCH = 5_000
LOAD_METHODS = ("update", "gsp")
_TERM_TYPES = frozenset({"uri", "literal", "bnode", "typed-literal"})
_RDF_TYPES = {
    "application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
}


class IncompleteAnswer(EndpointError):
    """The endpoint said its answer is partial (HTTP 206, or Virtuoso's anytime-query headers)."""


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'

    :raises UsageError: otherwise.
    """
    if not isinstance(url, str):
        raise UsageError("an endpoint must be given as a URL")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (validates the port)
    except ValueError:
        raise UsageError(f"not a valid endpoint URL: {url[:100]!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in " \t\r\n"):
        raise UsageError(f"an endpoint must be an http:// or https:// URL, not {url[:100]!r}")
    return url


def _one_line(text: str, width: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _check_limits(timeout: float, limit: int) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
        raise UsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"row limit must be a positive whole number, not {limit!r}")


# ---------------------------------------------------------------------------------------------
# HTTP: one bounded request, errors as one line
# ---------------------------------------------------------------------------------------------

_SW_STATUS = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
              "EndPointInternalError": 500}


def _error_body(exc: BaseException) -> str:
    """The response text SPARQLWrapper folded into its exception message (a bytes repr)."""
    text = str(exc)
    _, sep, rest = text.partition("Response:\n")
    if not sep:
        return ""
    try:
        value = ast.literal_eval(rest.strip())
    except (ValueError, SyntaxError):
        return rest
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _http_error(url: str, status: int, body: str) -> EndpointError:
    reason = http.client.responses.get(status, "error")
    detail = _one_line(body)
    return EndpointError(f"SPARQL endpoint {url} answered HTTP {status} ({reason})" + (f": {detail}" if detail else ""))


def _map_error(exc: BaseException, url: str, timeout: float) -> Exception:
    """A one-line :class:`EndpointError` (or :class:`QueryTimeout`) for what went wrong."""
    slow = QueryTimeout(f"query to SPARQL endpoint {url} timed out after {timeout:g} s (no answer); "
                        "narrow it, or allow more time with --timeout")
    name = type(exc).__name__
    if name in _SW_STATUS:
        return _http_error(url, _SW_STATUS[name], _error_body(exc))
    if isinstance(exc, urllib.error.HTTPError):
        try:
            body = exc.read(4096).decode("utf-8", "replace")
        except Exception:  # the error body is a courtesy; its absence is no new error
            body = ""
        return _http_error(url, exc.code, body)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return slow
        if isinstance(reason, ConnectionRefusedError):
            return EndpointError(f"cannot reach SPARQL endpoint {url}: connection refused (is it running?)")
        if isinstance(reason, socket.gaierror):
            return EndpointError(f"cannot reach SPARQL endpoint {url}: unknown host")
        text = getattr(reason, "strerror", None) or str(reason)
        return EndpointError(f"cannot reach SPARQL endpoint {url}: {_one_line(text)}")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return slow
    if isinstance(exc, http.client.IncompleteRead):
        return EndpointError(f"SPARQL endpoint {url} cut its answer off (connection closed mid-answer)")
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError)):
        return EndpointError(f"SPARQL endpoint {url} closed the connection without an answer")
    if isinstance(exc, http.client.BadStatusLine):
        return EndpointError(f"SPARQL endpoint {url} did not answer with HTTP (is it a SPARQL endpoint?)")
    if isinstance(exc, (ConnectionError, http.client.HTTPException)):
        return EndpointError(f"SPARQL endpoint {url} closed the connection without a complete answer")
    if isinstance(exc, OSError):
        return EndpointError(f"cannot reach SPARQL endpoint {url}: {_one_line(exc.strerror or str(exc))}")
    return EndpointError(f"SPARQL endpoint {url} failed: {_one_line(str(exc) or name)}")


def _failures() -> tuple[type[BaseException], ...]:
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    return (OSError, http.client.HTTPException, SPARQLWrapperException)


#: What a request can raise that :func:`_map_error` turns into a one-line error (``OSError``
#: covers urllib's errors, refused and reset connections and socket timeouts).
_FAILURES = _failures()


def _read(response, url: str, deadline: Deadline) -> bytes:
    """The whole body of ``response``, one system call at a time, checking the deadline between
    reads (a server that trickles bytes cannot hold the caller) and the size limit."""
    parts, total = [], 0
    while True:
        deadline.check()
        chunk = response.read1(65536)
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            raise EndpointError(f"SPARQL endpoint {url} sent more than {MAX_RESPONSE_BYTES // 2**20} MiB; "
                                "narrow the query or add a LIMIT")
        parts.append(chunk)
    if getattr(response, "length", None):  # fewer bytes than Content-Length promised
        raise EndpointError(f"SPARQL endpoint {url} cut its answer off after {total:,} bytes")
    return b"".join(parts)


def _check_partial(response, url: str) -> None:
    status = getattr(response, "status", None) or response.getcode()
    state = (response.headers.get("X-SQL-State") or "").strip()
    if status == 206 or state == "S1TAT":
        note = _one_line(response.headers.get("X-SQL-Message") or "")
        raise IncompleteAnswer(f"SPARQL endpoint {url} returned an incomplete answer (HTTP {status}"
                               + (f", {state}" if state else "") + (f": {note}" if note else "")
                               + "), cut short by its own limits; narrow the query or raise the endpoint's limits")
    if status != 200:
        raise EndpointError(f"SPARQL endpoint {url} answered HTTP {status} "
                            f"({http.client.responses.get(status, 'unexpected')}) instead of results")


# ---------------------------------------------------------------------------------------------
# Answers: validated SPARQL JSON results, RDF for CONSTRUCT / DESCRIBE
# ---------------------------------------------------------------------------------------------


_XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def canonical_decimal(text: str) -> str:
    """A decimal's text as the graph writes it: a whole number keeps a ".0" (the build writes
    "3.0"; Oxigraph stores decimals as values and answers "3"). Other forms pass unchanged.

    >>> canonical_decimal("3"), canonical_decimal("-12"), canonical_decimal("0.7")
    ('3.0', '-12.0', '0.7')
    """
    return text + ".0" if text.lstrip("+-").isdigit() else text


def _term_text(value: Mapping) -> str:
    if value["type"] == "bnode":
        return "_:" + value["value"]
    if value.get("datatype") == _XSD_DECIMAL:
        return canonical_decimal(value["value"])
    return value["value"]


def parse_results(body: bytes, url: str = "the endpoint", content_type: str = "") -> tuple[list[str], list[dict], bool | None]:
    """``(columns, rows, boolean)`` from a SPARQL 1.1 JSON results document, validated whole.

    >>> parse_results(b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "urn:a"}}, {}]}}')
    (['x'], [{'x': 'urn:a'}, {'x': None}], None)
    >>> parse_results(b'{"head": {}, "boolean": true}')
    ([], [], True)

    :raises QueryTimeout: for an answer Oxigraph cut off at its timeout;
    :raises EndpointError: for anything that is not complete SPARQL JSON results.
    """
    if body.rstrip().endswith(CANCELLED):
        raise QueryTimeout(f"SPARQL endpoint {url} cancelled the query at its own timeout and cut its answer off; "
                           "narrow the query or raise the endpoint's timeout")
    what = f" ({content_type})" if content_type else ""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        start = _one_line(body[:80].decode("utf-8", "replace"), 60)
        raise EndpointError(f"SPARQL endpoint {url} answered with something that is not SPARQL JSON results{what}"
                            + (f", starting {start!r}" if start else ", an empty body")) from None

    def bad(why: str) -> EndpointError:
        return EndpointError(f"SPARQL endpoint {url} answered with malformed SPARQL JSON results: {why}")

    if not isinstance(data, dict) or not isinstance(data.get("head"), dict):
        raise bad("no 'head' object")
    if "boolean" in data:
        if not isinstance(data["boolean"], bool):
            raise bad("'boolean' is not true or false")
        return [], [], data["boolean"]
    columns = data["head"].get("vars")
    if not isinstance(columns, list) or not all(isinstance(v, str) for v in columns):
        raise bad("'head.vars' is not a list of names")
    results = data.get("results")
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise bad("no 'results.bindings' list")
    known = set(columns)
    rows = []
    for i, binding in enumerate(results["bindings"]):
        if not isinstance(binding, dict):
            raise bad(f"row {i + 1} is not an object")
        row: dict[str, str | None] = dict.fromkeys(columns)
        for var, value in binding.items():
            if var not in known:
                raise bad(f"row {i + 1} binds {var!r}, which is not in 'head.vars'")
            if (not isinstance(value, dict) or value.get("type") not in _TERM_TYPES
                    or not isinstance(value.get("value"), str)
                    or not isinstance(value.get("datatype", ""), str)):
                raise bad(f"row {i + 1} has a malformed value for {var!r}")
            row[var] = _term_text(value)
        rows.append(row)
    return columns, rows, None


def parse_rdf(body: bytes, content_type: str, url: str = "the endpoint") -> Graph:
    """The graph a CONSTRUCT / DESCRIBE answer holds.

    A hostile endpoint chooses the answer's syntax, so the checks of :mod:`kg.graph.rdfsafety` run
    first: RDF/XML with a DTD (an entity bomb), not in UTF-8 or nested too deep is refused, and
    JSON-LD is read by pyoxigraph (no document loader) after any ``@context`` by IRI is refused,
    so no context is fetched or read from the local disk (rdflib's JSON-LD parser would do both).

    :raises EndpointError: for an answer that is not RDF in a known syntax, or is refused.
    """
    if body.rstrip().endswith(CANCELLED):
        raise QueryTimeout(f"SPARQL endpoint {url} cancelled the query at its own timeout and cut its answer off; "
                           "narrow the query or raise the endpoint's timeout")
    fmt = _RDF_TYPES.get(content_type)
    if fmt is None:
        raise EndpointError(f"SPARQL endpoint {url} answered a CONSTRUCT with {content_type or 'no content type'}, "
                            "not RDF (N-Triples, Turtle, RDF/XML or JSON-LD)")
    g = Graph()
    if fmt == "json-ld":
        return _parse_jsonld(body, g, url)
    if fmt == "xml":
        _check_rdfxml(body, url)
    try:
        g.parse(data=body if fmt == "xml" else body.decode("utf-8"), format=fmt)
    except Exception as exc:  # rdflib's parsers raise many unrelated types for bad input
        raise EndpointError(f"SPARQL endpoint {url} answered with RDF that does not parse: "
                            f"{_one_line(str(exc) or type(exc).__name__, 120)}") from None
    return g


def _check_rdfxml(body: bytes, url: str) -> None:
    """Refuse an RDF/XML answer :func:`kg.graph.rdfsafety.check_xml` refuses, as an EndpointError."""
    from kg.graph.rdfsafety import check_xml

    try:
        check_xml(body)
    except DataError as exc:
        raise EndpointError(f"SPARQL endpoint {url} answered: {exc.message}") from None


def _parse_jsonld(body: bytes, g: Graph, url: str) -> Graph:
    """A JSON-LD answer read by :func:`kg.graph.jsonld.parse` (never rdflib's reader, which fetches
    contexts), its refusals and parse errors as one-line EndpointErrors."""
    from kg.graph.jsonld import parse

    try:
        return parse(body, g)
    except DataError as exc:
        raise EndpointError(f"SPARQL endpoint {url} answered: {exc.message}") from None


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


class EndpointEngine:
    """Queries a SPARQL 1.1 endpoint (the :class:`kg.sparql.query.Engine` interface).

    The same guards as the embedded engine run first (:func:`kg.sparql.query.check_query`), so a query
    the local engine refuses is refused here too, before any request is sent.
    """

    name = "endpoint"

    def __init__(self, url: str, *, user_agent: str | None = None):
        self.url = check_url(url)
        self.user_agent = user_agent or "supplement-kg (SPARQLWrapper)"

    def __repr__(self) -> str:
        return f"EndpointEngine({self.url!r})"

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float = DEFAULT_TIMEOUT,
               limit: int = DEFAULT_LIMIT, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows:
        """``contain`` and ``memory_mb`` are the embedded engines' bounds: here the store evaluates,
        under its own limits, and this process only waits for it, at most ``timeout`` seconds."""
        _check_limits(timeout, limit)
        checked, text = self._prepare(query, bindings, allow_remote)
        if checked.form in ("CONSTRUCT", "DESCRIBE"):
            graph = self._run(text, checked.form, timeout)
            columns = ["subject", "predicate", "object"]
            out = [{"subject": _text(s), "predicate": _text(p), "object": _text(o)} for s, p, o in graph]
            return Rows(columns, out[:limit], truncated=len(out) > limit)
        columns, rows, boolean = self._run(text, checked.form, timeout)
        if checked.form == "ASK" or boolean is not None:
            if boolean is None:
                raise EndpointError(f"SPARQL endpoint {self.url} answered an ASK query without a boolean")
            return Rows(["result"], [{"result": "true" if boolean else "false"}])
        return Rows(columns, rows[:limit], truncated=len(rows) > limit)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None, *,
                  timeout: float = DEFAULT_TIMEOUT, into: Graph | None = None) -> Graph:
        """The graph a CONSTRUCT (or DESCRIBE) query returns, as RDF terms (not strings); with
        ``into``, its triples are added to that graph, which is returned."""
        _check_limits(timeout, 1)
        checked, text = self._prepare(query, bindings, False)
        if checked.form not in ("CONSTRUCT", "DESCRIBE"):
            raise UsageError("construct() takes a CONSTRUCT or DESCRIBE query")
        found = self._run(text, checked.form, timeout)
        if into is None:
            return found
        into += found
        return into

    def _prepare(self, query: str, bindings, allow_remote: bool):
        terms = check_bindings(bindings)
        checked = check_query(query, allow_remote=allow_remote)
        text = inject_values(query, {str(k): v for k, v in terms.items()}) if terms else query
        return checked, text

    def _run(self, text: str, form: str, timeout: float):
        return run_with_timeout(lambda deadline: self._request(text, form, timeout, deadline), timeout,
                                what=f"query to SPARQL endpoint {self.url}")

    def _request(self, text: str, form: str, timeout: float, deadline: Deadline):
        from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

        sw = SPARQLWrapper(self.url, agent=self.user_agent)
        sw.setQuery(text)
        sw.queryType = form  # SPARQLWrapper guesses the form from the text; the parser knows it
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setOnlyConneg(True)
        sw.setTimeout(timeout)
        if form in ("CONSTRUCT", "DESCRIBE"):
            sw.setReturnFormat(TURTLE)
            sw.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5")
        else:
            sw.setReturnFormat(JSON)
        try:
            response = sw.query().response
            try:
                _check_partial(response, self.url)
                body = _read(response, self.url, deadline)
            finally:
                response.close()
        except (EndpointError, QueryError):  # already one line (EndpointError is an OSError too)
            raise
        except _FAILURES as exc:
            raise _map_error(exc, self.url, timeout) from None
        content_type = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
        if form in ("CONSTRUCT", "DESCRIBE"):
            return parse_rdf(body, content_type, self.url)
        return parse_results(body, self.url, content_type)


def _text(term) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and str(term.datatype) == _XSD_DECIMAL:
        return canonical_decimal(str(term))
    return str(term)


def open_endpoint(url: str) -> EndpointEngine:
    """An engine for the SPARQL endpoint at ``url``."""
    return EndpointEngine(url)


# ---------------------------------------------------------------------------------------------
# Pushing a graph into a writable store
# ---------------------------------------------------------------------------------------------


def batches(graph: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """The triples in batches of at most ``size``, except that the triples sharing blank nodes stay
    in one batch (a blank node label means one node only within one request).

    >>> from rdflib import BNode, URIRef
    >>> b, p = BNode(), URIRef("urn:x:p")
    >>> [len(x) for x in batches([(URIRef("urn:x:a"), p, b), (b, p, URIRef("urn:x:c")), (URIRef("urn:x:d"), p, URIRef("urn:x:e"))], 1)]
    [2, 1]
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UsageError(f"batch size must be a positive whole number, not {size!r}")
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    plain, linked = [], []
    for t in graph:
        bnodes = [x for x in t if isinstance(x, BNode)]
        if not bnodes:
            plain.append(t)
            continue
        linked.append((bnodes[0], t))
        for other in bnodes[1:]:
            parent[find(other)] = find(bnodes[0])
    groups: dict = {}
    for b, t in linked:
        groups.setdefault(find(b), []).append(t)
    current: list = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            yield current
            current = []
        current.extend(group)
    for t in plain:
        if len(current) >= size:
            yield current
            current = []
        current.append(t)
    if current:
        yield current


def ntriples(triples: Iterable[tuple], labels: dict) -> str:
    """N-Triples lines (also valid inside SPARQL ``INSERT DATA``), terms escaped by
    :func:`kg.sparql.query.term_text`; blank nodes get short labels from ``labels``."""
    def one(term) -> str:
        if isinstance(term, BNode):
            return labels.setdefault(term, f"_:b{len(labels)}")
        if not isinstance(term, (URIRef, Literal)):
            raise DataError(f"cannot write a {type(term).__name__} as RDF")
        try:
            return term_text(term)
        except UsageError as exc:
            raise DataError(f"cannot write term {str(term)[:80]!r}: {exc}") from None

    return "".join(f"{one(s)} {one(p)} {one(o)} .\n" for s, p, o in triples)


def _post(url: str, body: bytes, content_type: str, timeout: float) -> None:
    def work(deadline: Deadline) -> None:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": content_type, "User-Agent": "supplement-kg"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                _read(response, url, deadline)
                status = response.status
        except (EndpointError, QueryError):
            raise
        except _FAILURES as exc:
            raise _map_error(exc, url, timeout) from None
        if not 200 <= status < 300:
            raise EndpointError(f"store {url} answered HTTP {status}")

    run_with_timeout(work, timeout, what=f"request to {url}")


def push(graph: Graph, url: str, *, named_graph: str | None = None, method: str = "update",
         batch: int = DEFAULT_BATCH, timeout: float = DEFAULT_TIMEOUT,
         progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Load ``graph`` into the writable store at ``url`` in batches: ``method="update"`` sends
    SPARQL Update ``INSERT DATA`` requests to an update endpoint, ``"gsp"`` POSTs N-Triples to a
    Graph Store Protocol endpoint. Returns ``(triples, requests)``.

    :raises EndpointError: naming how much was loaded before the failure.
    """
    check_url(url)
    if method not in LOAD_METHODS:
        raise UsageError(f"unknown load method {method!r}; use one of: {', '.join(LOAD_METHODS)}")
    if named_graph is not None:
        try:
            graph_term = term_text(URIRef(named_graph))
        except UsageError:
            raise UsageError(f"--graph must be an absolute IRI, not {named_graph[:80]!r}") from None
    _check_limits(timeout, 1)
    parts = list(batches(graph, batch))
    done = sent = 0
    if method == "gsp":
        query = urllib.parse.urlencode({"graph": named_graph}) if named_graph else "default"
        target = url + ("&" if urllib.parse.urlsplit(url).query else "?") + query
    for part in parts:
        labels: dict = {}
        body = ntriples(part, labels)
        try:
            if method == "gsp":
                _post(target, body.encode("utf-8"), "application/n-triples", timeout)
            else:
                data = f"GRAPH {graph_term} {{\n{body}}}" if named_graph else body
                _post(url, f"INSERT DATA {{\n{data}}}".encode("utf-8"), "application/sparql-update", timeout)
        except (EndpointError, QueryError) as exc:
            raise EndpointError(f"{exc} (loaded {done:,} of {len(graph):,} triples in {sent} request(s) "
                                "before this)") from None
        done += len(part)
        sent += 1
        if progress is not None:
            progress(done, sent)
    return done, sent


__all__ = ["CANCELLED", "DEFAULT_BATCH", "EndpointEngine", "IncompleteAnswer", "batches", "check_url", "ntriples",
           "open_endpoint", "parse_rdf", "parse_results", "push"]
