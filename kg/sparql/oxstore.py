"""The Oxigraph engine: queries on a pyoxigraph store (the one ``kg build`` writes, see
:mod:`kg.graph.storage`, or one loaded from a graph file).

:class:`OxigraphEngine` implements the :class:`kg.sparql.query.Engine` interface on pyoxigraph
directly: parameters are bound terms in a ``VALUES`` block (escaped by :mod:`kg.sparql.query`,
never pasted), and the same guards as the rdflib engine refuse updates, ``SERVICE`` and ``FROM``
before the query reaches Oxigraph (which would otherwise follow ``SERVICE`` over the network).

>>> from rdflib import Graph, Literal, URIRef
>>> from kg.graph.storage import memory_store
>>> g = Graph(); _ = g.add((URIRef("urn:x:a"), URIRef("urn:x:name"), Literal("Zorvex")))
>>> engine = OxigraphEngine(memory_store(g))
>>> engine.select("SELECT ?s WHERE { ?s ?p ?name }", {"name": Literal("Zorvex")}).rows
[{'s': 'urn:x:a'}]
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kg.errors import QueryError, UsageError
from kg.graph.storage import _DECIMAL, _rdflib_term_converter

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    from rdflib import Graph
    from rdflib.term import Node

    from kg.sparql.engine import Rows

#: Keywords that make a text an update rather than a query.
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


def check_keywords(expanded: str, *, allow_remote: bool = False) -> None:
    """Refuse updates, and (unless ``allow_remote``) ``SERVICE`` and ``FROM``, by keyword.

    ``expanded`` is query text after :func:`kg.sparql.query.check_text` (escapes expanded). Keywords are
    read outside strings, IRIs and comments, with the same scanner the nesting check uses; none of
    these words can appear as a bare keyword in a read-only SPARQL query that does not use them.

    :raises QueryRefused: naming what was refused.
    """
    from kg.sparql.guards import _tokens, QueryRefused

    # A bare word right after ':' is the local part of a prefixed name (":load"), not a keyword.
    words = {tok.upper() for pos, tok in _tokens(expanded)
             if tok[:1].isalpha() and ":" not in tok and not (pos and expanded[pos - 1] == ":")}
    updates = sorted(words & _UPDATE_WORDS)
    if updates:
        raise QueryRefused(f"read-only: SPARQL update ({', '.join(updates)}) refused; only queries "
                           "(SELECT, ASK, CONSTRUCT, DESCRIBE) are run")
    if not allow_remote:
        if "SERVICE" in words:
            raise QueryRefused("SERVICE refused: queries may not call other endpoints; "
                               "pass --allow-remote (allow_remote=True) to permit it")
        if "FROM" in words:
            raise QueryRefused("FROM refused: queries may not load other graphs (web or file); "
                               "pass --allow-remote (allow_remote=True) to permit it")




def _text(term) -> str | None:
    """A term's string form as the rdflib engine gives it.

    Oxigraph stores decimals as values and writes whole ones without a fraction ("4"); the
    build writes them with one ("4.0", the XSD 1.0 canonical form rdflib keeps), so whole
    decimals get their ".0" back and both engines give the same text. (Called for every value
    of every row: the cheap tests come first.)
    """
    if term is None:
        return None
    kind, ox = type(term), _ox()
    if kind is ox.BlankNode:
        return f"_:{term.value}"
    value = term.value
    if kind is ox.Literal and value.lstrip("+-").isdigit() and term.datatype.value == _DECIMAL:
        return value + ".0"
    return value


@functools.cache
def _ox():
    import pyoxigraph

    return pyoxigraph


def _on_worker(work, deadline):
    """``work(deadline)`` on the query's worker thread. pyoxigraph's result objects must be freed
    on the thread that made them: on an error, the frames holding them are dropped here, before
    the error travels to the caller's thread."""
    try:
        return work(deadline)
    except BaseException as exc:
        exc.__traceback__ = exc.__context__ = exc.__cause__ = None
        raise exc from None


class OxigraphEngine:
    """Queries a pyoxigraph :class:`~pyoxigraph.Store` (persistent or in memory).

    Same contract as :class:`kg.sparql.query.RdflibEngine`: the same guards, bound terms, a timeout
    and a row limit. Parameters go into a ``VALUES`` block at the start of the top-level
    ``WHERE`` group, written by :func:`kg.sparql.query.values_clause` (each term escaped, never pasted
    as text), which for canned queries means what pre-bound variables mean. pyoxigraph's own
    ``substitutions`` would bind them too, but Oxigraph (0.5) does not plan with substituted
    values: a query bound to one drug took 270 ms with substitutions and 4 ms with a VALUES
    block at 1e6 triples (BENCHMARKS.md). pyoxigraph cannot cancel a query it is evaluating:
    after a timeout the caller gets :class:`~kg.sparql.query.QueryTimeout` at once, while the abandoned
    evaluation finishes in a background thread (a CLI process simply exits).
    """

    name = "oxigraph"

    def __init__(self, store: pyoxigraph.Store):
        self.store = store

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None,
               limit: int | None = None, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows:
        from kg.sparql.terms import check_bindings, term_text

        texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
        return self.select_values(query, texts, timeout=timeout, limit=limit, allow_remote=allow_remote,
                                  contain=contain, memory_mb=memory_mb)

    def select_values(self, query: str, texts: Mapping[str, str], *, timeout: float | None = None,
                      limit: int | None = None, allow_remote: bool = False, contain: bool = True,
                      memory_mb: int | None = None) -> Rows:
        """:meth:`select` with the bound terms already written as SPARQL text, as
        :meth:`kg.sparql.query.CannedQuery.value_texts` writes them (:func:`kg.sparql.query.run_query` uses it:
        a canned query then runs without rdflib terms, or rdflib, in the process)."""
        from kg.sparql.engine import _check_limits, checked_memory, run_with_timeout
        from kg.sparql.guards import DEFAULT_LIMIT, DEFAULT_TIMEOUT

        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        limit = DEFAULT_LIMIT if limit is None else limit
        _check_limits(timeout, limit)
        memory_mb = checked_memory(memory_mb)
        text = _bound(query, texts, allow_remote)
        return run_with_timeout(lambda deadline: self._run(text, limit, deadline), timeout, contain=contain,
                                memory_mb=memory_mb)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None, *,
                  timeout: float | None = None, into: Graph | None = None) -> Graph:
        """The graph a CONSTRUCT (or DESCRIBE) query returns, as an rdflib Graph (the same method
        as :meth:`kg.sparql.remote.EndpointEngine.construct`, so :class:`kg.answers.neighbourhood.Neighbourhood` fetches
        a path search's neighbourhood from the store with a few queries, not many triple lookups).
        With ``into``, the triples are added to that graph, which is returned.

        :raises UsageError: for another query form.
        """
        from rdflib import Graph

        from kg.sparql.engine import _check_limits, run_with_timeout
        from kg.sparql.guards import DEFAULT_TIMEOUT
        from kg.sparql.terms import check_bindings, term_text

        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        _check_limits(timeout, 1)
        texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
        text = _bound(query, texts, False)

        def work(deadline) -> list[tuple]:
            import pyoxigraph as ox

            try:
                result = self.store.query(text)
            except SyntaxError as exc:
                raise QueryError(f"SPARQL syntax error: {str(exc).splitlines()[0][:300]}") from None
            if not isinstance(result, ox.QueryTriples):
                raise UsageError("construct() takes a CONSTRUCT or DESCRIBE query")
            out = []
            for i, t in enumerate(result):
                if not i & 255:
                    deadline.check()
                out.append((t.subject, t.predicate, t.object))
            return out

        triples = run_with_timeout(lambda deadline: _on_worker(work, deadline), timeout)
        g = Graph() if into is None else into
        convert = _rdflib_term_converter()
        for s, p, o in triples:
            g.add(convert(s, p, o))
        return g

    def _run(self, text: str, limit: int, deadline) -> Rows:
        return _on_worker(lambda d: self._evaluate(text, limit, d), deadline)

    def _evaluate(self, text: str, limit: int, deadline) -> Rows:
        import pyoxigraph as ox

        from kg.sparql.engine import Rows

        try:
            result = self.store.query(text)
            if isinstance(result, ox.QueryBoolean):
                return Rows(["result"], [{"result": "true" if bool(result) else "false"}])
            if isinstance(result, ox.QueryTriples):
                columns = ["subject", "predicate", "object"]
                out: list[dict[str, str | None]] = []
                for t in result:
                    if len(out) == limit:
                        return Rows(columns, out, truncated=True)
                    out.append({"subject": _text(t.subject), "predicate": _text(t.predicate),
                                "object": _text(t.object)})
                return Rows(columns, out)
            columns = [v.value for v in result.variables]
            rows: list[dict[str, str | None]] = []
            for i, solution in enumerate(result):
                if not i & 255:
                    deadline.check()
                if len(rows) == limit:
                    return Rows(columns, rows, truncated=True)
                rows.append(dict(zip(columns, map(_text, solution))))
            return Rows(columns, rows)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {str(exc).splitlines()[0][:300]}") from None
        except OSError as exc:
            raise QueryError(f"query failed: {str(exc).splitlines()[0][:300]}") from None


def bound_text(query: str, bindings: Mapping[str, Node], *, allow_remote: bool = False) -> str:
    """The text Oxigraph runs for ``query`` with ``bindings``: the guards applied (refused
    queries raise), escapes expanded, and the bound terms as a ``VALUES`` block at the start of
    the top-level ``WHERE`` group (:func:`kg.sparql.query.term_text` writes the terms).

    :raises QueryRefused: for an update, remote access, or text too large or too deep.
    """
    from kg.sparql.terms import check_bindings, term_text

    texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
    return _bound(query, texts, allow_remote)


def _bound(query: str, texts: Mapping[str, str], allow_remote: bool) -> str:
    from kg.sparql.terms import values_text

    prepare = _prepared if isinstance(query, str) and len(query) <= 65_536 else _prepared.__wrapped__
    text, at = prepare(query, allow_remote)
    if not texts:
        return text
    if at is None:
        from kg.errors import QueryError
        from kg.sparql.terms import top_level_where

        if "\\u" in text or "\\U" in text:
            raise QueryError("cannot place parameters in query text that uses \\u escapes")
        top_level_where(text)  # raises: there is no WHERE group
        raise QueryError("cannot place parameters in this query")
    return f"{text[:at]} {values_text(texts)}\n{text[at:]}"


@functools.lru_cache(maxsize=512)
def _prepared(query: str, allow_remote: bool) -> tuple[str, int | None]:
    """The guards and what depends on the query text alone, once per text and process (texts
    over 64 KB are not cached; no refusal is cached): the expanded text and the offset just
    inside its top-level ``WHERE`` group (None when there is none, or the expanded text still
    holds codepoint escapes and VALUES cannot be placed safely)."""
    from kg.errors import QueryError
    from kg.sparql.guards import check_no_remote, check_text
    from kg.sparql.terms import top_level_where

    expanded = check_text(query)
    check_no_remote(query, allow_remote=allow_remote)
    check_keywords(expanded, allow_remote=allow_remote)
    if "\\u" in expanded or "\\U" in expanded:
        return expanded, None
    try:
        return expanded, top_level_where(expanded)
    except QueryError:
        return expanded, None
