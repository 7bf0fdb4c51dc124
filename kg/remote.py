"""The same queries against any SPARQL 1.1 endpoint, and pushing the graph into a writable store.

:class:`EndpointEngine` is the :class:`kg.query.Engine` for a remote endpoint: the canned ``.rq``
files run unchanged through SPARQLWrapper. Parameters become a one-row ``VALUES`` block at the
start of the top-level ``WHERE`` group (:func:`kg.query.inject_values`), never a trailing one
(rdflib issue 1772: a trailing VALUES joins after OPTIONAL and FILTER and changes answers), with
every value written as an escaped RDF term (:func:`kg.query.values_clause`).

Every answer is checked before it is believed: results are asked for as SPARQL JSON and validated
whole (an Oxigraph answer cut off at its timeout ends in "The SPARQL operation has been
cancelled" and is a :class:`~kg.query.QueryTimeout`); HTTP 206 and Virtuoso's partial-result
headers are an :class:`IncompleteAnswer`; errors are one line. Each request is bounded by the
caller's timeout, whatever the server does (refuses, stalls, trickles bytes).

:func:`project_remote` fetches the neighbourhood a path question needs with ``CONSTRUCT`` queries
and projects it locally with :func:`kg.paths.project`; :func:`push` loads a graph into a writable
store in batches (SPARQL Update ``INSERT DATA`` or Graph Store Protocol ``POST``).
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

from .errors import DataError, EndpointError, UsageError
from .query import (DEFAULT_LIMIT, DEFAULT_TIMEOUT, Deadline, QueryError, QueryTimeout, Rows, check_bindings,
                    check_query, inject_values, run_with_timeout, term_text)

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

    A hostile endpoint chooses the answer's syntax, so the checks of :mod:`kg.rdfsafety` run
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
    """Refuse an RDF/XML answer :func:`kg.rdfsafety.check_xml` refuses, as an EndpointError."""
    from .rdfsafety import check_xml

    try:
        check_xml(body)
    except DataError as exc:
        raise EndpointError(f"SPARQL endpoint {url} answered: {exc.message}") from None


def _parse_jsonld(body: bytes, g: Graph, url: str) -> Graph:
    """A JSON-LD answer read by :func:`kg.jsonld.parse` (never rdflib's reader, which fetches
    contexts), its refusals and parse errors as one-line EndpointErrors."""
    from .jsonld import parse

    try:
        return parse(body, g)
    except DataError as exc:
        raise EndpointError(f"SPARQL endpoint {url} answered: {exc.message}") from None


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


class EndpointEngine:
    """Queries a SPARQL 1.1 endpoint (the :class:`kg.query.Engine` interface).

    The same guards as the embedded engine run first (:func:`kg.query.check_query`), so a query
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
# Paths over an endpoint: fetch the neighbourhood, project it locally
# ---------------------------------------------------------------------------------------------

_PREFIXES = """PREFIX skg: <https://w3id.org/skg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

#: What :func:`kg.paths.project` reads beside the entities: the class hierarchy, property labels
#: and inverses.
SCHEMA_QUERY = _PREFIXES + """CONSTRUCT { ?a rdfs:subClassOf ?b . ?p owl:inverseOf ?q . ?r rdfs:label ?l . }
WHERE {
  { ?a rdfs:subClassOf ?b FILTER(isIRI(?a) && isIRI(?b)) }
  UNION { ?p owl:inverseOf ?q }
  UNION { VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property }
          ?r a ?kind ; rdfs:label ?l }
}"""

#: The entities one edge away from those in ``VALUES ?n``, by the edges :func:`kg.paths.project`
#: walks: a direct triple described by a statement, or class membership; with the other end's types.
#: (The entities are listed in every branch, not once before the UNION: so an engine evaluates each
#: branch from them, instead of evaluating the branches over the whole store and joining after.)
ADJACENT_QUERY = _PREFIXES + """SELECT DISTINCT ?m ?t WHERE {
  { VALUES ?n { %(nodes)s } ?st skg:subjectEntity ?n ; skg:relation ?p ; skg:objectEntity ?m .
    FILTER EXISTS { ?n ?p ?m } ?m a ?t . }
  UNION { VALUES ?n { %(nodes)s } ?st skg:objectEntity ?n ; skg:relation ?p ; skg:subjectEntity ?m .
          FILTER EXISTS { ?m ?p ?n } ?m a ?t . }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass } ?n ?r ?m . ?m a ?t . }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass } ?m ?r ?n . ?m a ?t . }
  FILTER(isIRI(?m))
}"""
# (Whether ?t is an entity class is checked by the caller, against the class hierarchy it fetched:
# a subclass path here made engines start from every entity of every entity class. The direct
# triple is checked with FILTER EXISTS: as a pattern with a variable predicate, engines read every
# triple of a hub entity first.)

#: The statements with an end among the entities ``%(nodes)s`` and the other among ``%(others)s``.
STATEMENTS_QUERY = _PREFIXES + """SELECT DISTINCT ?st ?s ?o WHERE {
  { VALUES ?s { %(nodes)s } ?st skg:subjectEntity ?s ; skg:objectEntity ?o . VALUES ?o { %(others)s } }
  UNION { VALUES ?o { %(nodes)s } ?st skg:objectEntity ?o ; skg:subjectEntity ?s . VALUES ?s { %(others)s } }
}"""
#: The same, the other end unrestricted (checked by the caller): for a neighbourhood too large to
#: list in the query.
STATEMENTS_ANY_QUERY = _PREFIXES + """SELECT DISTINCT ?st ?s ?o WHERE {
  { VALUES ?s { %(nodes)s } ?st skg:subjectEntity ?s ; skg:objectEntity ?o . }
  UNION { VALUES ?o { %(nodes)s } ?st skg:objectEntity ?o ; skg:subjectEntity ?s . }
}"""
#: Entities a statements query lists as the other end at most (about 70 KB of query text each).
_MAX_LISTED = 1_000

#: What :func:`kg.paths.project` reads about the entities in ``VALUES ?n``: types, labels and
#: class membership.
ENTITIES_QUERY = _PREFIXES + """CONSTRUCT { ?n a ?nt ; rdfs:label ?nl . ?n ?r ?m . }
WHERE {
  { VALUES ?n { %(nodes)s } ?n a ?nt }
  UNION { VALUES ?n { %(nodes)s } ?n rdfs:label ?nl }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass } ?n ?r ?m }
}"""

#: What :func:`kg.paths.project` reads about the statements in ``VALUES ?st``: all their triples,
#: the direct triple they describe, its relation's label and inverse, the quotes (selectors), the
#: labels of their severity / evidence level.
STATEMENT_FACTS_QUERY = _PREFIXES + """CONSTRUCT {
  ?st ?sp ?so .
  ?s ?rel ?o . ?rel rdfs:label ?rl ; owl:inverseOf ?ri . ?rj owl:inverseOf ?rel .
  ?ev oa:hasSelector ?sel . ?sel oa:exact ?exact ; oa:start ?start .
  ?c skos:prefLabel ?cp ; rdfs:label ?cl .
}
WHERE {
  { VALUES ?st { %(statements)s } ?st ?sp ?so }
  UNION { VALUES ?st { %(statements)s } ?st skg:subjectEntity ?s ; skg:relation ?rel ; skg:objectEntity ?o .
          FILTER EXISTS { ?s ?rel ?o }
          OPTIONAL { ?rel rdfs:label ?rl } OPTIONAL { ?rel owl:inverseOf ?ri } OPTIONAL { ?rj owl:inverseOf ?rel } }
  UNION { VALUES ?st { %(statements)s } ?st skg:evidence ?ev . ?ev oa:hasSelector ?sel .
          OPTIONAL { ?sel oa:exact ?exact } OPTIONAL { ?sel oa:start ?start } }
  UNION { VALUES ?st { %(statements)s } ?st skg:severity|skg:evidenceLevel ?c .
          OPTIONAL { ?c skos:prefLabel ?cp } OPTIONAL { ?c rdfs:label ?cl } }
}"""

#: Entities or statements per request.
_BATCH_NODES = 100
#: Rows an adjacency or statement request may return.
_MAX_ROWS = 5_000_000


def _iris(items) -> str:
    return " ".join(term_text(URIRef(str(i))) for i in items)


class Neighbourhood:
    """A local graph from which :func:`kg.paths.project` with the same seeds and depth gives the
    same projection as on the whole graph, fetched from an engine that answers SELECT and
    CONSTRUCT queries (``select`` and ``construct``: an endpoint, or the Oxigraph store).

    It is built in two steps, so that its size follows the projection, not the graph: the
    entities within ``depth`` edges of the seeds are found level by level (:data:`ADJACENT_QUERY`),
    then their types, labels and membership are fetched, and the facts of the statements whose
    both ends are among them (a hub's statements to entities outside are never fetched). Every
    edge between those entities is then in the local graph, and every entity is reached from a
    seed through them, so the walk in :func:`kg.paths.project` finds the same entities and edges.
    :meth:`to_depth` grows it: only what is new is fetched.
    """

    def __init__(self, engine, seeds: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT):
        self.engine, self.timeout = engine, timeout
        self.graph = engine.construct(SCHEMA_QUERY, timeout=timeout)
        self.depth = 0
        self.nodes: set[str] = {str(s) for s in seeds}
        self._frontier = sorted(self.nodes)
        self._described: set[str] = set()
        self._statements: set[str] = set()

    def _select(self, query: str) -> list[dict]:
        rows = self.engine.select(query, timeout=self.timeout, limit=_MAX_ROWS, contain=False)  # the project's text
        if rows.truncated:
            raise IncompleteAnswer(f"a neighbourhood query returned more than {_MAX_ROWS:,} rows")
        return rows.rows

    def _construct(self, query: str) -> None:
        self.engine.construct(query, timeout=self.timeout, into=self.graph)

    def _chunks(self, items):
        items = sorted(items)
        return (items[i:i + _BATCH_NODES] for i in range(0, len(items), _BATCH_NODES))

    def to_depth(self, depth: int) -> Graph:
        """The local graph for the entities within ``depth`` edges of the seeds."""
        from .paths import entity_classes

        classes = {str(c) for c in entity_classes(self.graph)}
        while self.depth < depth and self._frontier:
            found: set[str] = set()
            for chunk in self._chunks(self._frontier):
                found.update(r["m"] for r in self._select(ADJACENT_QUERY % {"nodes": _iris(chunk)})
                             if r["t"] in classes)
            new = found - self.nodes
            self.nodes |= new
            self._frontier = sorted(new)
            self.depth += 1
        self.depth = max(self.depth, depth)
        todo = self.nodes - self._described
        statements: set[str] = set()
        others = _iris(sorted(self.nodes)) if len(self.nodes) <= _MAX_LISTED else None
        for chunk in self._chunks(todo):
            self._construct(ENTITIES_QUERY % {"nodes": _iris(chunk)})
            query = (STATEMENTS_QUERY % {"nodes": _iris(chunk), "others": others} if others is not None
                     else STATEMENTS_ANY_QUERY % {"nodes": _iris(chunk)})
            for r in self._select(query):
                if r["s"] in self.nodes and r["o"] in self.nodes and r["st"] not in self._statements:
                    statements.add(r["st"])
        for chunk in self._chunks(statements):
            self._construct(STATEMENT_FACTS_QUERY % {"statements": _iris(chunk)})
        self._statements |= statements
        self._described |= todo
        return self.graph


def fetch_neighbourhood(engine: EndpointEngine, seeds: Iterable[str], depth: int, *,
                        timeout: float = DEFAULT_TIMEOUT) -> Graph:
    """A local graph from which :func:`kg.paths.project` with these seeds and depth gives the
    projection of the whole graph (see :class:`Neighbourhood`); never the whole store."""
    return Neighbourhood(engine, seeds, timeout=timeout).to_depth(depth)


def project_remote(engine: EndpointEngine, names: Iterable[str], depth: int, *, timeout: float = DEFAULT_TIMEOUT):
    """``(G, iris)``: ``names`` resolved on the endpoint, and the projection of their
    neighbourhood (``depth`` edges) fetched from it; the same as :func:`kg.paths.project` on the
    whole graph with these seeds.

    :raises NotFound: with suggestions for a name that matches nothing.
    """
    from .paths import project
    from .resolve import resolve_one

    iris = [resolve_one(engine, n, timeout=timeout).iri for n in names]
    local = fetch_neighbourhood(engine, iris, depth, timeout=timeout)
    return project(local, seeds=iris, depth=depth), iris


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
    :func:`kg.query.term_text`; blank nodes get short labels from ``labels``."""
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


__all__ = ["CANCELLED", "DEFAULT_BATCH", "EndpointEngine", "IncompleteAnswer", "batches", "check_url",
           "Neighbourhood", "fetch_neighbourhood", "ntriples", "open_endpoint", "parse_rdf", "parse_results", "project_remote",
           "push"]
