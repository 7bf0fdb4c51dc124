"""Run SPARQL safely: the engine interface, the rdflib engine, the guards and the canned queries.

Every query goes through an :class:`Engine`. An engine answers ``select(query, bindings, *,
timeout, limit, allow_remote)`` with :class:`Rows`; the embedded :class:`RdflibEngine` is the
default, and other backends (a remote SPARQL endpoint, Oxigraph) implement the same method.

Guards, shared by every engine (:func:`check_text` before parsing, :func:`check_query` after):

- read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) are
  refused, found by rdflib's parser (the text parses as an update and not as a query);
- no remote or file access, unless ``allow_remote=True``: text holding the letters ``service``
  anywhere, in any case or escape, is refused before any parser reads it (:func:`check_no_remote`:
  the engines' parsers disagree on comments, strings and escapes, the letters do not); then
  ``SERVICE`` and ``FROM`` / ``FROM NAMED`` are refused on rdflib's parsed algebra, and rdflib's
  evaluation refuses a SERVICE that got that far (the layers below the first);
- bounded: query text at most :data:`MAX_QUERY_BYTES`, bracket nesting at most :data:`MAX_DEPTH`
  and at most :data:`MAX_TOKENS` tokens (checked before parsing, on both readings of the text,
  so neither 5,000 nested braces nor ``1+1+...+1`` can overflow a parser's stack), a timeout and
  a row limit.

Parameters are RDF terms bound to variables (rdflib ``initBindings``), never pasted into query
text. For engines that can only take text, :func:`values_clause` serialises terms safely and
:func:`inject_values` puts them as a ``VALUES`` block at the start of the top-level ``WHERE``
group, where they mean the same as pre-bound variables for queries written to the canned-query
rules: every parameter always bound (sentinel defaults, never left unbound) and used only at the
top level of the ``WHERE`` group.
"""

from __future__ import annotations

import difflib
import functools
import re
import shlex
import stat
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .errors import DataError, KGError, NotFound, QueryError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph
    from rdflib.term import Node, Variable

# rdflib is imported where it is used, not here: a canned query on the Oxigraph store
# (kg interactions on a built folder) then runs without loading rdflib at all.
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: Defaults of the guards; every one can be changed per call.
DEFAULT_TIMEOUT = 30.0  # seconds
DEFAULT_LIMIT = 10_000  # rows
MAX_QUERY_BYTES = 1_000_000  # UTF-8 bytes of query text
MAX_DEPTH = 100  # nesting of { ( [ outside strings and comments
#: Tokens of query text (words, names, numbers, strings, IRIs, brackets, operator characters).
#: Shipped queries hold under 400; a chain of 10,000 ``!`` or 3,000 BINDs overflows Oxigraph's
#: stack (tests/test_guard_bypass.py runs the shapes at this limit on both engines).
MAX_TOKENS = 5_000
#: Longest parameter value accepted (characters); values are data, not text, but stay bounded.
MAX_VALUE_CHARS = 4_000_000

#: ``name`` is text bound in folded form (:func:`kg.resolve.fold`), to match the search keys.
PARAMETER_TYPES = ("string", "name", "code", "iri", "integer", "decimal")
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


class QueryRefused(QueryError):
    """The query was refused before running: an update, remote access, too large or too deep."""


class QueryTimeout(QueryError):
    """The query did not finish within its timeout."""


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class Rows:
    """The answer to a query: column names and rows of strings.

    Each row maps every column to the value's string form (an IRI, a literal's lexical form, or
    ``_:id`` for a blank node) or to ``None`` when the variable is unbound in that row.
    ``truncated`` is true when more rows matched than the row limit let through.

    >>> r = Rows(["a"], [{"a": "1"}, {"a": None}])
    >>> len(r), [row["a"] for row in r]
    (2, ['1', None])
    """

    columns: list[str]
    rows: list[dict[str, str | None]] = field(default_factory=list)
    truncated: bool = False

    def __iter__(self) -> Iterator[dict[str, str | None]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


@runtime_checkable
class Engine(Protocol):
    """What every query backend provides.

    ``select`` runs a SPARQL query (SELECT, or ASK / CONSTRUCT / DESCRIBE turned into rows) with
    ``bindings`` (variable name without ``?`` -> an rdflib ``URIRef`` or ``Literal``) bound as
    RDF terms, never pasted into the text. Implementations must call :func:`check_text` and
    :func:`check_query` (or equivalent) so that every engine refuses the same queries, stop after
    ``timeout`` seconds with :class:`QueryTimeout`, and return at most ``limit`` rows, setting
    :attr:`Rows.truncated` when more matched. An embedded engine runs the query ``contain``-ed
    (:mod:`kg.sandbox`: a child process killed at the deadline, ``memory_mb`` MiB more than the
    caller holds); :func:`run_query` turns that off for the shipped queries only. A remote
    engine takes both and leaves the bounds to the endpoint's own limits and to its timeout.
    """

    name: str

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float = DEFAULT_TIMEOUT,
               limit: int = DEFAULT_LIMIT, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows: ...


# ---------------------------------------------------------------------------------------------
# Scanning query text: nesting depth, top-level WHERE, without parsing
# ---------------------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_WORD = re.compile(r"[?$@]?[A-Za-z0-9_][A-Za-z0-9_\-:.]*")
_OPEN, _CLOSE = "{([", "})]"
_EOL = re.compile(r"[\n\r]")
#: IRI text that cannot also be read as code between the operators ``<`` and ``>``.
_PLAIN_IRI = re.compile(r"[A-Za-z0-9:/.#_~%+*?@$\-]*")


def expand_escapes(text: str) -> str:
    """Apply SPARQL's codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``), which the SPARQL grammar
    processes before anything else, anywhere in the text.

    >>> expand_escapes(r"SELECT * WHERE \\u007B ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    """
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(one, text)


def _tokens(text: str, *, every: bool = False) -> Iterator[tuple[int, str]]:
    """Brackets and bare words of ``text`` with their offsets, skipping strings, IRIs, comments.

    With ``every``, strings, IRIs and each other character that is not white space are tokens
    too: what :func:`token_count` counts.
    """
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":  # a comment runs to the end of the line: LF or CR (the SPARQL grammar's EOL)
            m = _EOL.search(text, i)
            i = n if m is None else m.end()
        elif c in "\"'":
            start = i
            if text.startswith(c * 3, i):
                j = i + 3
                while j < n and not text.startswith(c * 3, j):
                    j += 2 if text[j] == "\\" else 1
                i = j + 3
            else:
                j = i + 1
                while j < n and text[j] != c and text[j] not in "\n\r":
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
            if every:
                yield start, text[start:i]
        elif c == "<":
            m = _IRIREF.match(text, i)
            if m and every:
                yield i, m.group(0)
            elif every:
                yield i, c
            i = m.end() if m else i + 1
        elif c in _OPEN or c in _CLOSE:
            yield i, c
            i += 1
        else:
            m = _WORD.match(text, i)
            if m:
                yield i, m.group(0)
                i = m.end()
            else:
                if every and not c.isspace():
                    yield i, c
                i += 1


def _bound_tokens(text: str) -> Iterator[str]:
    """Every token of ``text`` (:func:`_tokens` with ``every``), and the tokens inside an IRI
    that could be read as code: ``<`` is also the less-than operator, and ``FILTER(1<2&&...&&3>0)``
    is an IRI to one reading and an expression to another, so limits count what both could see.
    Code between a less-than and a greater-than needs one of ``& , ( )`` (or another character
    outside :data:`_PLAIN_IRI`), which ordinary IRIs do not hold."""
    for _, tok in _tokens(text, every=True):
        if len(tok) > 1 and tok[0] == "<" and not _PLAIN_IRI.fullmatch(tok, 1, len(tok) - 1):
            yield "<"
            for _, inner in _tokens(tok[1:-1], every=True):
                yield inner
            yield ">"
        else:
            yield tok


def nesting_depth(text: str) -> int:
    """The deepest nesting of braces, parentheses and brackets outside strings and comments
    (inside IRIs too, see :func:`_bound_tokens`).

    >>> nesting_depth('SELECT * WHERE { ?s ?p "{{{" FILTER((1)) }  # {{{{')
    3
    """
    depth = deepest = 0
    for tok in _bound_tokens(text):
        if tok in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


def token_count(text: str, *, stop: int | None = None) -> int:
    """How many tokens ``text`` holds (words, names, numbers, strings, IRIs, each bracket and
    operator character; comments and white space not), counting up to ``stop`` at most.

    >>> token_count('SELECT ?x WHERE { ?x <urn:p> "a b" . FILTER(?x != 1) }  # not this')
    16
    """
    count = 0
    for _ in _bound_tokens(text):
        count += 1
        if stop is not None and count >= stop:
            break
    return count


def check_text(query: str, *, max_bytes: int = MAX_QUERY_BYTES, max_depth: int = MAX_DEPTH,
               max_tokens: int = MAX_TOKENS) -> str:
    """Refuse, before any parsing, query text that is not a string, too large, nested too deeply
    or too long in tokens (what bounds the depth of the trees parsers build: ``1+1+...``, a chain
    of BINDs or of triple patterns, ``!!!...``).

    Parsers disagree on where strings end (rdflib expands codepoint escapes in the whole text
    first, Oxigraph only inside strings and IRIs, so ``"a\u0022 ..."`` ends the string for one
    and not the other), so the limits hold for both readings: the raw and the expanded text.

    Returns the text with codepoint escapes expanded (what a SPARQL parser reads).

    :raises QueryRefused: with the limit that was exceeded.
    """
    from .text import checked_text

    checked_text(query, "query text")
    size = len(query.encode("utf-8"))
    if size > max_bytes:
        raise QueryRefused(f"query text is {size:,} bytes; the limit is {max_bytes:,} bytes")
    expanded = expand_escapes(query)
    readings = (query,) if expanded == query else (query, expanded)
    depth = max(nesting_depth(text) for text in readings)
    if depth > max_depth:
        raise QueryRefused(f"query nested too deeply: {depth} levels of braces, parentheses or brackets; "
                           f"the limit is {max_depth}")
    tokens = max(token_count(text, stop=max_tokens + 1) for text in readings)
    if tokens > max_tokens:
        raise QueryRefused(f"query too long: more than {max_tokens:,} terms, names, strings and operators; "
                           "split it into smaller queries")
    if next(_tokens(expanded), None) is None:
        raise QueryError("empty query: no SPARQL in the text")
    return expanded


#: The letters no query may hold, anywhere, unless remote access is allowed (see check_no_remote).
_REMOTE_WORD = "service"
#: Rounds of codepoint-escape expansion check_no_remote applies (each round shortens the text).
_ESCAPE_ROUNDS = 8


def check_no_remote(query: str, *, allow_remote: bool = False) -> None:
    """Refuse query text that holds the letters ``service`` anywhere, in any letter case, unless
    ``allow_remote``: in a keyword, a name, a string, an IRI or a comment alike.

    This decision is made on the letters, not on a parse: every engine that could call another
    endpoint must read the keyword ``SERVICE`` somewhere in the text, whatever its parser makes of
    comments, strings, escapes and white space (the engines' parsers disagree on all of those).
    Codepoint escapes are expanded repeatedly (``\\u005Cu0053`` is ``\\u0053`` is ``S``), the text
    is NFKC-normalised and case-folded, and invisible format characters are dropped, so no
    spelling of the word slips through. The cost is that the word cannot be searched for as
    text: ``CONCAT("serv", "ice")`` builds it.

    :raises QueryRefused: naming what was refused and how to write the word in a string.
    """
    if allow_remote:
        return
    text = query
    for _ in range(_ESCAPE_ROUNDS):
        expanded = expand_escapes(text)
        if expanded == text:
            break
        text = expanded
    else:
        if "\\u" in text or "\\U" in text:
            raise QueryRefused("query text holds codepoint escapes nested too deeply; write the characters")
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    if _REMOTE_WORD in folded:
        raise QueryRefused("SERVICE refused: queries may not call other endpoints, so query text may not "
                           "hold the word 'service' anywhere (in a string, write CONCAT(\"serv\", \"ice\")); "
                           "pass --allow-remote (allow_remote=True) to permit it")


# ---------------------------------------------------------------------------------------------
# Parsing and the read-only / no-remote guards
# ---------------------------------------------------------------------------------------------

_UPDATE_NAMES = {
    "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
    "Add": "ADD", "Move": "MOVE", "Copy": "COPY",
}


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guards: its form and rdflib's translated query."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    prepared: Any  # rdflib.plugins.sparql.sparql.Query
    variables: tuple[str, ...]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def check_query(query: str, *, allow_remote: bool = False, max_bytes: int = MAX_QUERY_BYTES,
                max_depth: int = MAX_DEPTH) -> CheckedQuery:
    """Parse ``query`` with rdflib and apply every guard.

    :raises QueryRefused: for an update, SERVICE, FROM / FROM NAMED (unless ``allow_remote``),
        text too large or too deeply nested.
    :raises QueryError: for a syntax error.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    check_text(query, max_bytes=max_bytes, max_depth=max_depth)
    check_no_remote(query, allow_remote=allow_remote)
    try:
        try:
            parsed = parseQuery(query)
        except (ParseException, ValueError) as exc:
            update = None
            try:
                update = parseUpdate(query)
            except (ParseException, ValueError):
                pass
            operations = list(dict.get(update, "request") or []) if update is not None else []
            if operations:
                names = sorted({_UPDATE_NAMES.get(getattr(op, "name", ""), "update") for op in operations})
                raise QueryRefused(f"read-only: SPARQL update ({', '.join(names)}) refused; only queries "
                                   "(SELECT, ASK, CONSTRUCT, DESCRIBE) are run") from None
            raise QueryError(f"SPARQL syntax error: {_first_line(exc)}") from None
        try:
            translated = translateQuery(parsed)
        except (KGError, RecursionError):
            raise
        except Exception as exc:  # rdflib's translator raises plain Exceptions for invalid queries
            raise QueryError(f"invalid SPARQL: {_first_line(exc)}") from None
    except RecursionError:
        raise QueryRefused("query nested too deeply for the SPARQL parser; simplify it") from None
    algebra = translated.algebra
    if not allow_remote:
        # (CompValue.get returns the key itself for a missing key: read them as plain dicts)
        for clause in dict.get(algebra, "datasetClause") or []:
            default = dict.get(clause, "default")
            iri = default if default is not None else dict.get(clause, "named")
            kind = "FROM" if default is not None else "FROM NAMED"
            raise QueryRefused(f"{kind} <{iri}> refused: queries may not load other graphs (web or file); "
                               "pass --allow-remote (allow_remote=True) to permit it")
        service = _find_service(algebra)
        if service is not None:
            raise QueryRefused(f"SERVICE {service} refused: queries may not call other endpoints; "
                               "pass --allow-remote (allow_remote=True) to permit it")
    form = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
            "DescribeQuery": "DESCRIBE"}.get(algebra.name, algebra.name)
    variables = [str(v) for v in (dict.get(algebra, "PV") or [])]
    if form == "SELECT" and "projection" not in parsed[1]:
        # SELECT *: rdflib collects the variables in a set; list them in the order the text uses them
        first: dict[str, int] = {}
        for pos, tok in _tokens(expand_escapes(query)):
            if tok[:1] in "?$" and tok[1:] not in first:
                first[tok[1:]] = pos
        variables.sort(key=lambda v: (first.get(v, len(query)), v))
        from rdflib.term import Variable

        translated.algebra["PV"] = [Variable(v) for v in variables]
    return CheckedQuery(form, translated, tuple(variables))


def _find_service(algebra) -> str | None:
    """The first SERVICE anywhere in the algebra (patterns, filters, EXISTS), walked iteratively."""
    stack, seen = [algebra], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            if getattr(node, "name", None) == "ServiceGraphPattern":
                term = dict.get(node, "term")
                from rdflib import URIRef

                shown = f"<{term}>" if isinstance(term, URIRef) else f"?{term}"
                return f"SILENT {shown}" if dict.get(node, "silent") else shown
            stack.extend(v for k, v in node.items() if k != "_vars")
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
    return None


# ---------------------------------------------------------------------------------------------
# Bindings: checked terms, and their safe text form for engines that need text
# ---------------------------------------------------------------------------------------------

_IRI_OK = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*\Z")
_LANG_OK = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")


def check_bindings(bindings: Mapping[str, Node] | None) -> dict[Variable, Node]:
    """Bindings as rdflib wants them, after checking names and term kinds.

    :raises UsageError: for a bad variable name or a value that is not an IRI or a literal.
    """
    from rdflib import BNode, Literal, URIRef
    from rdflib.term import Variable

    out: dict[Variable, Node] = {}
    for name, value in (bindings or {}).items():
        if not isinstance(name, str) or not _VARNAME.match(name):
            raise UsageError(f"bad parameter name {name!r}: use letters, digits and _")
        if isinstance(value, BNode) or not isinstance(value, (URIRef, Literal)):
            raise UsageError(f"parameter {name!r} must be an IRI or a literal, not {type(value).__name__}")
        if len(value) > MAX_VALUE_CHARS:
            raise UsageError(f"parameter {name!r} is {len(value):,} characters; the limit is {MAX_VALUE_CHARS:,}")
        _checked_term_text(name, value)
        if isinstance(value, URIRef) and not _IRI_OK.match(str(value)):
            raise UsageError(f"parameter {name!r} is not a valid absolute IRI")
        out[Variable(name)] = value
    return out


def _checked_term_text(name: str, value: Node) -> None:
    """Refuse a bound term whose text (IRI, lexical form, language, datatype) cannot be written
    as UTF-8: every engine would fail on it later, far from the caller."""
    from .text import checked_text

    checked_text(str(value), f"parameter {name!r}")
    for part in ("language", "datatype"):
        extra = getattr(value, part, None)
        if extra is not None:
            checked_text(str(extra), f"parameter {name!r} ({part})")


def _escape_lexical(text: str) -> str:
    """A string literal body that means ``text`` both to parsers that expand codepoint escapes
    across the whole query first (the SPARQL spec, rdflib) and to parsers that read them only
    inside literals: ``\\`` and ``"`` are escaped, line breaks use ECHARs, other control
    characters and a ``u``/``U`` right after a backslash use 8-digit codepoint escapes (rdflib
    reads up to 8 hex digits after ``\\u``, so a 4-digit escape followed by hex would break)."""
    out = []
    prev_backslash = False
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "uU" and prev_backslash:
            out.append(f"\\U{ord(ch):08X}")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
        prev_backslash = ch == "\\"
    return "".join(out)


def term_text(term: Node) -> str:
    r"""The SPARQL text of one bound term, safe to place in a VALUES block.

    >>> from rdflib import Literal, URIRef
    >>> term_text(Literal('say "hi"\n'))
    '"say \\"hi\\"\\n"'
    >>> print(term_text(Literal("\\u0022")))  # a backslash then u0022: stays that, never a quote
    "\\\U000000750022"
    >>> term_text(URIRef("https://w3id.org/skg/ontology#RouteOral"))
    '<https://w3id.org/skg/ontology#RouteOral>'

    :raises UsageError: for blank nodes, variables, or IRIs and language tags that cannot be written safely.
    """
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return iri_text(str(term))
    if isinstance(term, Literal):
        return literal_text(str(term), term.datatype, term.language)
    raise UsageError(f"cannot bind a {type(term).__name__}")


def iri_text(iri: str) -> str:
    """The SPARQL text of an IRI (checked: nothing that could end it early).

    >>> iri_text("https://w3id.org/skg/ontology#RouteOral")
    '<https://w3id.org/skg/ontology#RouteOral>'
    """
    if not _IRI_OK.match(iri):
        raise UsageError("IRI cannot be written safely into a query")
    return f"<{iri}>"


def literal_text(lexical: str, datatype: str | None = None, language: str | None = None) -> str:
    """The SPARQL text of a literal, its body escaped (:func:`_escape_lexical`).

    >>> literal_text("21", _XSD + "integer")
    '"21"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    body = '"' + _escape_lexical(lexical) + '"'
    if language:
        if not _LANG_OK.match(language):
            raise UsageError("bad language tag")
        return f"{body}@{language}"
    if datatype is not None and str(datatype) != _XSD + "string":
        return f"{body}^^{iri_text(str(datatype))}"
    return body


def values_clause(bindings: Mapping[str, Node]) -> str:
    """One-row ``VALUES`` block binding each variable to its term ("" when there is nothing).

    >>> from rdflib import Literal
    >>> values_clause({"drug": Literal("Zappo"), "n": Literal(3)})
    'VALUES (?drug ?n) { ("Zappo" "3"^^<http://www.w3.org/2001/XMLSchema#integer>) }'
    """
    return values_text({str(v): term_text(t) for v, t in check_bindings(bindings).items()})


def values_text(texts: Mapping[str, str]) -> str:
    """One-row ``VALUES`` block from terms already written as SPARQL text (by :func:`iri_text`
    and :func:`literal_text`, as :meth:`CannedQuery.value_texts` does), "" when there is none.

    >>> values_text({"drug": '"Zappo"'})
    'VALUES (?drug) { ("Zappo") }'
    """
    for name in texts:
        if not isinstance(name, str) or not _VARNAME.match(name):
            raise UsageError(f"bad parameter name {name!r}: use letters, digits and _")
    if not texts:
        return ""
    return f"VALUES ({' '.join('?' + v for v in texts)}) {{ ({' '.join(texts.values())}) }}"


def top_level_where(text: str) -> int:
    """Offset just after the ``{`` that opens the top-level WHERE group of (expanded) ``text``.

    :raises QueryError: when there is none.
    """
    depth = 0
    after_where = False
    first_brace = None
    for pos, tok in _tokens(text):
        if tok in _OPEN:
            if depth == 0 and tok == "{":
                if after_where:
                    return pos + 1
                if first_brace is None:
                    first_brace = pos + 1
            depth += 1
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and tok.upper() == "WHERE":
            after_where = True
    if first_brace is not None:
        return first_brace
    raise QueryError("query has no WHERE group to bind parameters in")


def inject_values(query: str, bindings: Mapping[str, Node]) -> str:
    """``query`` with its bindings as a VALUES block at the start of its top-level WHERE group.

    This is how a text-only engine (a remote endpoint) receives parameters; the block is built
    by :func:`values_clause`, so values are escaped, never pasted.

    >>> from rdflib import Literal
    >>> inject_values("SELECT ?x WHERE { ?x ?p ?drug }", {"drug": Literal("a")})
    'SELECT ?x WHERE { VALUES (?drug) { ("a") }\\n ?x ?p ?drug }'
    """
    if not bindings:
        return query
    if _ESCAPE.search(query):
        raise QueryError("cannot place parameters in query text that uses \\u escapes")
    at = top_level_where(query)
    return f"{query[:at]} {values_clause(bindings)}\n{query[at:]}"


# ---------------------------------------------------------------------------------------------
# Running with a timeout
# ---------------------------------------------------------------------------------------------


class _Cancelled(Exception):
    """Raised inside a query's evaluation when its deadline passed or it was abandoned."""


class Deadline:
    """A point in time after which :meth:`check` raises; :meth:`cancel` makes it raise at once."""

    def __init__(self, timeout: float):
        self.at = time.monotonic() + timeout
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def check(self) -> None:
        if self._cancelled.is_set() or time.monotonic() > self.at:
            raise _Cancelled()


def run_with_timeout(work: Callable[[Deadline], Any], timeout: float, *, what: str = "query",
                     contain: bool = False, memory_mb: int | None = None) -> Any:
    """Run ``work(deadline)`` and wait at most ``timeout`` seconds for it.

    By default ``work`` runs in a daemon thread: when the time is up the caller gets
    :class:`QueryTimeout` at once, and ``work`` stops at its next :meth:`Deadline.check` (a query
    that never comes back to Python runs on in the background). With ``contain`` (and
    :func:`kg.sandbox.available`), it runs in a forked child under a memory bound of
    ``memory_mb`` MiB more than the process holds, killed at the deadline (:mod:`kg.sandbox`).
    """
    message = f"{what} timed out after {timeout:g} s; narrow it, or allow more time with --timeout"
    from . import sandbox

    if contain and sandbox.available():
        return sandbox.run_in_child(lambda: _outcome(work, Deadline(timeout), what, message), timeout=timeout,
                                    memory_mb=memory_mb, what=what, timed_out=lambda: QueryTimeout(message))
    deadline = Deadline(timeout)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = _outcome(work, deadline, what, message)
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=target, name="kg-query", daemon=True)
    worker.start()
    if not done.wait(timeout):
        deadline.cancel()
        raise QueryTimeout(message)
    error = outcome.get("error")
    if error is not None:
        raise error
    return outcome["value"]


def _outcome(work: Callable[[Deadline], Any], deadline: Deadline, what: str, message: str) -> Any:
    try:
        return work(deadline)
    except RecursionError:
        raise QueryRefused(f"{what} nested too deeply or too complex for the engine; simplify it") from None
    except _Cancelled:
        raise QueryTimeout(message) from None


def checked_memory(memory_mb: int | None) -> int:
    """``memory_mb`` (MiB an ad hoc query may add), or the default for ``None``.

    :raises UsageError: for anything but a positive whole number.
    """
    from .sandbox import DEFAULT_MEMORY_MB

    if memory_mb is None:
        return DEFAULT_MEMORY_MB
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or not 16 <= memory_mb <= 2**30:
        raise UsageError(f"memory bound must be a whole number of MiB from 16, not {memory_mb!r}")
    return memory_mb


def _check_limits(timeout: float, limit: int) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0 or timeout != timeout \
            or timeout == float("inf"):
        raise UsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"row limit must be a positive whole number, not {limit!r}")


# ---------------------------------------------------------------------------------------------
# The embedded rdflib engine
# ---------------------------------------------------------------------------------------------


def _WatchedGraph(base: Graph, deadline: Deadline) -> Graph:  # noqa: N802 (reads like the class it builds)
    """A view of ``base`` whose reads check ``deadline`` (see :func:`_watched_graph_class`)."""
    return _watched_graph_class()(base, deadline)


@functools.cache
def _watched_graph_class():
    from rdflib import Graph

    class WatchedGraph(Graph):
        """A view of a graph (same store, same identifier) whose reads check a deadline, so that a
        runaway query stops soon after its timeout instead of running on in the background."""

        def __init__(self, base: Graph, deadline: Deadline):
            super().__init__(store=base.store, identifier=base.identifier, namespace_manager=base.namespace_manager)
            self._deadline = deadline

        def triples(self, triple):  # type: ignore[override]
            check = self._deadline.check
            check()
            for i, t in enumerate(super().triples(triple)):
                if not i & 255:
                    check()
                yield t

    return WatchedGraph


def _text(term: Node | None) -> str | None:
    from rdflib import BNode

    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


class RdflibEngine:
    """Queries an rdflib :class:`~rdflib.Graph` in this process.

    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph(); _ = g.add((URIRef("urn:x:a"), URIRef("urn:x:name"), Literal("Zappo")))
    >>> rows = RdflibEngine(g).select("SELECT ?s WHERE { ?s ?p ?name }", {"name": Literal("Zappo")})
    >>> rows.columns, rows.rows
    (['s'], [{'s': 'urn:x:a'}])
    """

    name = "rdflib"

    def __init__(self, graph: Graph):
        self.graph = graph

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float = DEFAULT_TIMEOUT,
               limit: int = DEFAULT_LIMIT, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows:
        _check_limits(timeout, limit)
        memory_mb = checked_memory(memory_mb)
        terms = check_bindings(bindings)
        check_text(query)

        def work(deadline: Deadline) -> Rows:
            from rdflib.plugins.sparql.evaluate import evalQuery

            checked = check_query(query, allow_remote=allow_remote)
            deadline.check()
            _refuse_service_below_the_guard(allow_remote)
            graph = _WatchedGraph(self.graph, deadline)
            try:
                return _collect(evalQuery(graph, checked.prepared, terms), limit, deadline)
            except (KGError, _Cancelled, RecursionError, MemoryError):
                raise
            except Exception as exc:  # rdflib raises many unrelated types while evaluating
                raise QueryError(f"query failed: {type(exc).__name__}: {_first_line(exc)}") from exc

        return run_with_timeout(work, timeout, contain=contain, memory_mb=memory_mb)


_EVALUATION = threading.local()  # .allow_remote: what the query running on this thread may do


def _refuse_service_below_the_guard(allow_remote: bool) -> None:
    """A second layer under :func:`check_query` for rdflib: a SERVICE that reached evaluation
    anyway is refused there, on the thread running this engine's query (other rdflib users in the
    process are not affected). Registered once, as an rdflib custom evaluation function."""
    from rdflib.plugins.sparql import CUSTOM_EVALS

    _EVALUATION.allow_remote = allow_remote
    CUSTOM_EVALS.setdefault("kg-no-service", _no_service)


def _no_service(ctx, part):
    if getattr(part, "name", None) == "ServiceGraphPattern" and getattr(_EVALUATION, "allow_remote", True) is False:
        raise QueryRefused("SERVICE refused: queries may not call other endpoints")
    raise NotImplementedError  # rdflib's own evaluation goes on


def _collect(result: Mapping[str, Any], limit: int, deadline: Deadline) -> Rows:
    kind = result.get("type_")
    if kind == "ASK":
        return Rows(["result"], [{"result": "true" if result.get("askAnswer") else "false"}])
    if kind in ("CONSTRUCT", "DESCRIBE"):
        columns = ["subject", "predicate", "object"]
        out: list[dict[str, str | None]] = []
        for s, p, o in result["graph"]:
            if len(out) == limit:
                return Rows(columns, out, truncated=True)
            out.append({"subject": _text(s), "predicate": _text(p), "object": _text(o)})
        return Rows(columns, out)
    from rdflib.term import Variable

    variables = [Variable(v) for v in result.get("vars_") or []]
    columns = [str(v) for v in variables]
    rows: list[dict[str, str | None]] = []
    for solution in result["bindings"]:
        deadline.check()
        if len(rows) == limit:
            return Rows(columns, rows, truncated=True)
        rows.append({str(v): _text(solution.get(v)) for v in variables})
    return Rows(columns, rows)


def open_engine(graph: str | Path | Graph | None = None, *, backend: str | None = None) -> Engine:
    """An engine for ``graph``: an rdflib Graph, a ``kg build`` output folder or graph file, or
    (``None``) the shipped monographs built in memory.

    ``backend`` (``auto``, ``rdflib`` or ``oxigraph``; see :mod:`kg.oxstore`) picks the engine for
    a path: ``auto`` takes the persistent Oxigraph store when the folder has one. A Graph that
    wraps an Oxigraph store is queried by Oxigraph.
    """
    from .oxstore import OxigraphEngine, open_oxigraph, ox_store_of, resolve_backend

    if _is_rdflib_graph(graph):
        store = ox_store_of(graph)
        return RdflibEngine(graph) if store is None else OxigraphEngine(store)
    if resolve_backend(graph, backend) == "oxigraph":
        return OxigraphEngine(open_oxigraph(graph))
    from .store import open_graph

    return RdflibEngine(open_graph(graph, "rdflib"))


def _is_rdflib_graph(value: Any) -> bool:
    """True for an rdflib Graph (without importing rdflib: if it is not loaded, there is none)."""
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(value, rdflib.Graph)


# ---------------------------------------------------------------------------------------------
# Canned queries: queries/*.rq with a comment header
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A declared query parameter; ``default`` None means the caller must give it."""

    name: str
    type: str
    default: str | None
    description: str

    @property
    def required(self) -> bool:
        return self.default is None

    def term(self, value: Any) -> Node:
        """``value`` (text, a number, or an rdflib term) as the RDF term this parameter binds.

        :raises UsageError: when ``value`` does not fit the parameter's type.
        """
        from rdflib import Literal, URIRef

        if _is_rdflib_term(value):
            _checked_term_text(self.name, value)
            if (self.type == "iri") != isinstance(value, URIRef):
                raise UsageError(f"parameter {self.name!r} takes {'an IRI' if self.type == 'iri' else 'a literal'}")
            if self.type == "name":
                from .resolve import fold

                return Literal(fold(str(value)))
            return value
        lexical, datatype = self._plain(value)
        if self.type == "iri":
            return URIRef(lexical)
        return Literal(lexical, datatype=datatype) if datatype else Literal(lexical)

    def text(self, value: Any) -> str:
        """``value`` as the SPARQL text of the term :meth:`term` gives (for a VALUES block),
        written without rdflib: so a canned query on the Oxigraph store needs no rdflib at all.

        >>> Parameter("n", "integer", None, "").text("+7")
        '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'

        :raises UsageError: when ``value`` does not fit the parameter's type.
        """
        if _is_rdflib_term(value):
            return term_text(self.term(value))
        lexical, datatype = self._plain(value)
        if len(lexical) > MAX_VALUE_CHARS:
            raise UsageError(f"parameter {self.name!r} is {len(lexical):,} characters; the limit is {MAX_VALUE_CHARS:,}")
        return iri_text(lexical) if self.type == "iri" else literal_text(lexical, datatype)

    def _plain(self, value: Any) -> tuple[str, str | None]:
        """``(lexical form or IRI, datatype IRI or None)`` of a plain Python ``value``."""
        if isinstance(value, str):
            from .text import checked_text

            checked_text(value, f"parameter {self.name!r}")
        if self.type in ("string", "code", "name"):
            if not isinstance(value, str):
                raise UsageError(f"parameter {self.name!r} takes text, not {type(value).__name__}")
            if self.type == "name":
                from .resolve import fold

                return fold(value), None
            return str(value), None
        if self.type == "integer":
            text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
            if text is None or not re.fullmatch(r"[+-]?\d{1,30}", text):
                raise UsageError(f"parameter {self.name!r} takes a whole number, not {str(value)[:40]!r}")
            return str(int(text)), _XSD + "integer"
        if self.type == "decimal":
            if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
                text = ""
            elif isinstance(value, float):
                text = format(Decimal(repr(value)), "f") if value == value and abs(value) != float("inf") else ""
            elif isinstance(value, Decimal):
                text = format(value, "f") if value.is_finite() else ""
            else:
                text = str(value).strip()
            if not re.fullmatch(r"[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})", text):
                raise UsageError(f"parameter {self.name!r} takes a decimal number, not {str(value)[:40]!r}")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise UsageError(f"parameter {self.name!r} takes a decimal number, not {text[:40]!r}") from None
            return format(number, "f"), _XSD + "decimal"
        if self.type == "iri":
            if not isinstance(value, str):
                raise UsageError(f"parameter {self.name!r} takes an IRI")
            return _expand_iri(value, self.name), None
        raise DataError(f"parameter {self.name!r} has unknown type {self.type!r}")


def _is_rdflib_term(value: Any) -> bool:
    """True for an rdflib IRI or literal (checked without importing rdflib)."""
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(value, (rdflib.URIRef, rdflib.Literal)) \
        and not isinstance(value, rdflib.BNode)


def _expand_iri(value: str, name: str) -> str:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, _, local = text.partition(":")
    if not local.startswith("//"):  # a CURIE, perhaps (an absolute http IRI needs no prefix map)
        from .build import PREFIXES

        if prefix in PREFIXES:
            text = PREFIXES[prefix] + local
    if not _IRI_OK.match(text):
        raise UsageError(f"parameter {name!r} takes an absolute IRI (or a CURIE with a known prefix), "
                         f"not {value[:60]!r}")
    return text


@dataclass(frozen=True)
class CannedQuery:
    """A ``.rq`` file and what its header says: title, description, parameters, example."""

    name: str
    path: Path | None
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    example: str
    text: str
    #: One of the project's own queries (``queries/``), run in the caller's process; a query
    #: from anywhere else is ad hoc and runs contained (:func:`run_query`).
    shipped: bool = False

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise UsageError(f"query {self.name!r} has no parameter {name!r} (parameters: {known})")

    def bindings(self, values: Mapping[str, Any] | None = None) -> dict[str, Node]:
        """Every declared parameter bound: given values converted, defaults filled in.

        :raises UsageError: for an unknown parameter, a missing required one, or a bad value.
        """
        return {p.name: p.term(value) for p, value in self._values(values)}

    def value_texts(self, values: Mapping[str, Any] | None = None) -> dict[str, str]:
        """What :meth:`bindings` binds, each term as SPARQL text (:meth:`Parameter.text`), for an
        engine that receives parameters as a ``VALUES`` block.

        :raises UsageError: as :meth:`bindings`.
        """
        return {p.name: p.text(value) for p, value in self._values(values)}

    def _values(self, values: Mapping[str, Any] | None) -> list[tuple[Parameter, Any]]:
        values = dict(values or {})
        for name in values:
            self.parameter(name)
        out: list[tuple[Parameter, Any]] = []
        for p in self.parameters:
            if p.name in values and values[p.name] is not None:
                out.append((p, values[p.name]))
            elif p.required:
                raise UsageError(f"query {self.name!r} needs parameter {p.name!r} ({p.description}); "
                                 f"give it with --param {p.name}=VALUE")
            else:
                out.append((p, p.default))
        return out

    def example_parameters(self) -> dict[str, str]:
        """The ``--param`` values of the header's example command."""
        words = shlex.split(self.example) if self.example else []
        params: dict[str, str] = {}
        for i, w in enumerate(words):
            if w in ("--param", "-p") and i + 1 < len(words):
                key, _, value = words[i + 1].partition("=")
                params[key] = value
        return params


_PARAM_LINE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[a-z]+)"
                         r"(?:\s*,\s*default\s+(?P<default>\"(?:[^\"\\]|\\.)*\"|[^)\s]+))?\)\s*:\s*(?P<desc>.*)")


def parse_header(text: str, name: str) -> dict[str, Any]:
    """The header fields of a ``.rq`` file: ``# title:``, ``# description:``, ``# parameters:``
    (``none``, or one indented line per parameter: ``name (type, default "value"): description``,
    no default meaning required) and ``# example:``; indented comment lines continue a field.

    :raises DataError: for a malformed header.
    """
    fields: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        m = re.match(r"\s?([a-z]+):\s*(.*)", body)
        if m and not body.startswith("  ") and m.group(1) in ("title", "description", "parameters", "example"):
            current = m.group(1)
            fields[current] = [m.group(2).strip()] if m.group(2).strip() else []
        elif current is not None and body.startswith("  "):
            fields[current].append(body.strip())
    params: list[Parameter] = []
    lines = fields.get("parameters", [])
    if lines and not (len(lines) == 1 and lines[0].lower() == "none"):
        for line in lines:
            m = _PARAM_LINE.fullmatch(line)
            if m:
                ptype = m.group("type")
                if ptype not in PARAMETER_TYPES:
                    raise DataError(f"parameter {m.group('name')!r} has unknown type {ptype!r} "
                                    f"(types: {', '.join(PARAMETER_TYPES)})", where=name)
                default = m.group("default")
                if default is not None and default.startswith('"'):
                    default = re.sub(r"\\(.)", r"\1", default[1:-1])
                params.append(Parameter(m.group("name"), ptype, default, m.group("desc").strip()))
            elif params:
                last = params[-1]
                params[-1] = Parameter(last.name, last.type, last.default, f"{last.description} {line}".strip())
            else:
                raise DataError(f"cannot read parameter line {line!r}", where=name)
    return {
        "title": " ".join(fields.get("title", [])),
        "description": " ".join(fields.get("description", [])),
        "parameters": tuple(params),
        "example": " ".join(fields.get("example", [])),
    }


def _from_text(text: str, name: str, path: Path | None, *, shipped: bool = False) -> CannedQuery:
    header = parse_header(text, name)
    return CannedQuery(name=name, path=path, title=header["title"] or name, description=header["description"],
                       parameters=header["parameters"], example=header["example"], text=text, shipped=shipped)


def query_names() -> list[str]:
    """The names (file stems) of the shipped canned queries, sorted."""
    from .resources import queries_dir

    return sorted(p.stem for p in queries_dir().glob("*.rq"))


def load_query(name: str) -> CannedQuery:
    """The canned query ``name`` (a file stem in ``queries/``).

    :raises NotFound: with close names when there is no such query.
    """
    from .resources import queries_dir

    if not isinstance(name, str) or not _QUERY_NAME.match(name):
        raise NotFound(f"no canned query named {str(name)[:60]!r}; see 'kg query --list'")
    path = queries_dir() / f"{name}.rq"
    try:
        found = path.stat()
    except OSError:
        found = None
    if found is None or not stat.S_ISREG(found.st_mode):
        close = difflib.get_close_matches(name, query_names(), n=3, cutoff=0.6)
        hint = f"; did you mean: {', '.join(close)}?" if close else "; see 'kg query --list'"
        raise NotFound(f"no canned query named {name!r}{hint}")
    return _load_shipped(path, found.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _load_shipped(path: Path, stamp: int) -> CannedQuery:
    """A shipped query, read and its header parsed once per process (and again if the file
    changes: ``stamp`` is its modification time). CannedQuery is immutable, so it is shared."""
    return _from_text(path.read_text(encoding="utf-8"), path.stem, path, shipped=True)


def load_query_file(path: str | Path) -> CannedQuery:
    """A query from a local ``.rq`` file (its header, if any, declares parameters).

    :raises NotFound: for a missing file; :raises QueryRefused: for one larger than the limit.
    """
    from .fileio import local_path

    p = local_path(path, what="query file")
    if not p.is_file():
        raise NotFound(f"no such query file: {p}")
    size = p.stat().st_size
    if size > MAX_QUERY_BYTES:
        raise QueryRefused(f"query file is {size:,} bytes; the limit is {MAX_QUERY_BYTES:,} bytes")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"query file is not UTF-8 text: {p}") from None
    return _from_text(text, p.stem, p)


def list_queries() -> list[CannedQuery]:
    """Every shipped canned query, by name."""
    return [load_query(n) for n in query_names()]


def run_query(engine: Engine, query: str | CannedQuery, params: Mapping[str, Any] | None = None, *,
              timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT, allow_remote: bool = False,
              memory_mb: int | None = None) -> Rows:
    """Run a canned query (by name, or loaded) with ``params`` bound as RDF terms.

    A shipped query runs in this process; a query loaded from a file of the user's runs
    contained, as ad hoc text does (:meth:`Engine.select`).

    >>> rows = run_query(open_engine(), "scale-concepts", {"scheme": "severity"})
    >>> [r["code"] for r in rows]
    ['major', 'moderate', 'minor']
    """
    canned = load_query(query) if isinstance(query, str) else query
    bounds = {"timeout": timeout, "limit": limit, "allow_remote": allow_remote,
              "contain": not canned.shipped, "memory_mb": memory_mb}
    select_values = getattr(engine, "select_values", None)
    if select_values is not None:  # an engine that takes the terms as text (no rdflib terms made)
        return select_values(canned.text, canned.value_texts(params), **bounds)
    return engine.select(canned.text, canned.bindings(params), **bounds)


def describe(queries: Iterable[CannedQuery]) -> list[dict[str, Any]]:
    """Plain data about queries, as ``kg query --list --format json`` prints it."""
    return [{
        "name": q.name, "title": q.title, "description": q.description,
        "parameters": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required,
                        "description": p.description} for p in q.parameters],
        "example": q.example,
    } for q in queries]
