"""The guards every engine runs before a query: text bounds, no remote or file access, read-only.

:func:`check_text` (before any parser: size, nesting depth, tokens, text that is not text) and
:func:`check_no_remote` (the letters ``service``, in any case or escape) read the raw text;
:func:`check_query` parses it with rdflib and refuses updates, ``SERVICE`` and ``FROM`` on the
algebra. The scanner here reads strings, IRIs and comments without parsing, so the same bounds
hold before the text reaches a parser that could overflow its stack.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.errors import KGError, QueryError

if TYPE_CHECKING:  # pragma: no cover
    pass

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

#: ``name`` is text bound in folded form (:func:`kg.names.fold`), to match the search keys.
PARAMETER_TYPES = ("string", "name", "code", "iri", "integer", "decimal")
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


class QueryRefused(QueryError):
    """The query was refused before running: an update, remote access, too large or too deep."""


class QueryTimeout(QueryError):
    """The query did not finish within its timeout."""



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
    from kg.text import checked_text

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
    check_text(query, max_bytes=max_bytes, max_depth=max_depth)
    check_no_remote(query, allow_remote=allow_remote)
    with _PARSER:
        return _parse_and_check(query, allow_remote)


#: rdflib's SPARQL grammar (pyparsing) keeps parse state in shared objects: two threads parsing at
#: once get each other's tokens (TypeErrors, or a wrong parse). One parse at a time.
_PARSER = threading.Lock()


def _parse_and_check(query: str, allow_remote: bool) -> CheckedQuery:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

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
