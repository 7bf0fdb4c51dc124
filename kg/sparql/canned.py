"""The canned queries: ``queries/*.rq`` with a comment header declaring their parameters.

A header gives a title, a description, typed parameters with defaults and an example; values
are checked and turned into RDF terms by type (:class:`Parameter`), and :func:`run_query` binds
them on any engine. The shipped queries are read once per process.
"""

from __future__ import annotations

import difflib
import functools
import re
import shlex
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import DataError, NotFound, UsageError
from kg.sparql.engine import Engine, Rows
from kg.sparql.guards import DEFAULT_LIMIT, DEFAULT_TIMEOUT, MAX_QUERY_BYTES, MAX_VALUE_CHARS, PARAMETER_TYPES, QueryRefused, _QUERY_NAME, _XSD
from kg.sparql.terms import _IRI_OK, _checked_term_text, iri_text, literal_text, term_text

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.term import Node

# rdflib is imported where it is used, not here: a canned query on the Oxigraph store
# (kg interactions on a built folder) then runs without loading rdflib at all.

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
                from kg.names import fold

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
            from kg.text import checked_text

            checked_text(value, f"parameter {self.name!r}")
        if self.type in ("string", "code", "name"):
            if not isinstance(value, str):
                raise UsageError(f"parameter {self.name!r} takes text, not {type(value).__name__}")
            if self.type == "name":
                from kg.names import fold

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
        from kg.graph.build import PREFIXES

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
    #: Who asks it (the header's ``# audience:``): ``question``, a question for people (the
    #: default), or ``internal``, a query kg runs for itself (name resolution, validation).
    audience: str = "question"

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


#: The values of a header's ``# audience:`` line; the first is the default.
AUDIENCES = ("question", "internal")


def parse_header(text: str, name: str) -> dict[str, Any]:
    """The header fields of a ``.rq`` file: ``# title:``, ``# description:``, ``# parameters:``
    (``none``, or one indented line per parameter: ``name (type, default "value"): description``,
    no default meaning required), ``# example:`` and ``# audience:`` (:data:`AUDIENCES`; default
    ``question``); indented comment lines continue a field.

    >>> parse_header("# title: T\\n# audience: internal\\nSELECT * {}", "q")["audience"]
    'internal'

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
        if m and not body.startswith("  ") and m.group(1) in ("title", "description", "parameters", "example",
                                                              "audience"):
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
    audience = " ".join(fields.get("audience", [])) or AUDIENCES[0]
    if audience not in AUDIENCES:
        raise DataError(f"unknown audience {audience!r}; expected one of: {', '.join(AUDIENCES)}", where=name)
    return {
        "title": " ".join(fields.get("title", [])),
        "description": " ".join(fields.get("description", [])),
        "parameters": tuple(params),
        "example": " ".join(fields.get("example", [])),
        "audience": audience,
    }


def _from_text(text: str, name: str, path: Path | None, *, shipped: bool = False) -> CannedQuery:
    header = parse_header(text, name)
    return CannedQuery(name=name, path=path, title=header["title"] or name, description=header["description"],
                       parameters=header["parameters"], example=header["example"], text=text, shipped=shipped,
                       audience=header["audience"])


def query_names() -> list[str]:
    """The names (file stems) of the shipped canned queries, sorted."""
    from kg.resources import queries_dir

    return sorted(p.stem for p in queries_dir().glob("*.rq"))


def load_query(name: str) -> CannedQuery:
    """The canned query ``name`` (a file stem in ``queries/``).

    :raises NotFound: with close names when there is no such query.
    """
    from kg.resources import queries_dir

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
    from kg.fileio import local_path

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

    >>> from kg.sparql.query import open_engine
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
        "example": q.example, "audience": q.audience,
    } for q in queries]
