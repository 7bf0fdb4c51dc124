"""RDF terms as checked bindings and as safe text: how a parameter reaches a query.

Parameters are RDF terms bound to variables (rdflib ``initBindings``), never pasted into query
text. For engines that can only take text, :func:`values_clause` serialises terms safely and
:func:`inject_values` puts them as a ``VALUES`` block at the start of the top-level ``WHERE``
group, where they mean the same as pre-bound variables for queries written to the canned-query
rules: every parameter always bound (sentinel defaults, never left unbound) and used only at the
top level of the ``WHERE`` group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kg.errors import QueryError, UsageError
from kg.sparql.guards import _CLOSE, _ESCAPE, _OPEN, _VARNAME, _XSD, MAX_VALUE_CHARS, _tokens

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.term import Node, Variable

# rdflib is imported where it is used, not here: a canned query on the Oxigraph store
# (kg interactions on a built folder) then runs without loading rdflib at all.

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
    from kg.text import checked_text

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
