"""The engine interface, its answers, deadlines, and the embedded rdflib engine.

Every query goes through an :class:`Engine`. An engine answers ``select(query, bindings, *,
timeout, limit, allow_remote, contain, memory_mb)`` with :class:`Rows`; :class:`RdflibEngine`
evaluates with rdflib in this process or (``contain``) in a child (:mod:`kg.sparql.sandbox`);
the Oxigraph store (:mod:`kg.sparql.oxstore`) and remote endpoints (:mod:`kg.sparql.remote`)
implement the same method.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from kg.errors import KGError, QueryError, UsageError
from kg.sparql.guards import (DEFAULT_LIMIT, DEFAULT_TIMEOUT, QueryRefused, QueryTimeout, _first_line, check_query,
                              check_text)
from kg.sparql.terms import check_bindings

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph
    from rdflib.term import Node

# rdflib is imported where it is used, not here: a canned query on the Oxigraph store
# (kg interactions on a built folder) then runs without loading rdflib at all.

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
    (:mod:`kg.sparql.sandbox`: a child process killed at the deadline, ``memory_mb`` MiB more than the
    caller holds); :func:`run_query` turns that off for the shipped queries only. A remote
    engine takes both and leaves the bounds to the endpoint's own limits and to its timeout.
    """

    name: str

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float = DEFAULT_TIMEOUT,
               limit: int = DEFAULT_LIMIT, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows: ...



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
    :func:`kg.sparql.sandbox.available`), it runs in a forked child under a memory bound of
    ``memory_mb`` MiB more than the process holds, killed at the deadline (:mod:`kg.sparql.sandbox`).
    """
    message = f"{what} timed out after {timeout:g} s; narrow it, or allow more time with --timeout"
    from kg.sparql import sandbox

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
    from kg.sparql.sandbox import DEFAULT_MEMORY_MB, MAX_MEMORY_MB, MIN_MEMORY_MB

    if memory_mb is None:
        return DEFAULT_MEMORY_MB
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise UsageError(f"memory bound must be a whole number of MiB from {MIN_MEMORY_MB}, not {memory_mb!r}")
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
