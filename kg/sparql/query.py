"""Run SPARQL safely: open an engine for a graph, and everything a caller needs, in one place.

The work is done in four modules, each with one job, and this one puts them together:

- :mod:`kg.sparql.guards`: what every engine refuses before a query runs (text bounds, remote
  and file access, updates);
- :mod:`kg.sparql.terms`: parameters as checked RDF terms, and their safe text for engines that
  take text;
- :mod:`kg.sparql.engine`: the :class:`Engine` interface, :class:`Rows`, deadlines, and the
  embedded rdflib engine;
- :mod:`kg.sparql.canned`: the canned queries of ``queries/`` and :func:`run_query`.

:func:`open_engine` picks the engine for a graph (rdflib, or the Oxigraph store of
:mod:`kg.sparql.oxstore`); :mod:`kg.sparql.remote` is the engine for a remote endpoint. The
names below are the documented Python API and stay importable from here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import QueryError
from kg.sparql.canned import (CannedQuery, Parameter, describe, list_queries, load_query, load_query_file,
                              query_names, run_query)
from kg.sparql.engine import Deadline, Engine, RdflibEngine, Rows, checked_memory, run_with_timeout
from kg.sparql.guards import (DEFAULT_LIMIT, DEFAULT_TIMEOUT, MAX_DEPTH, MAX_QUERY_BYTES, MAX_TOKENS, PARAMETER_TYPES,
                              QueryRefused, QueryTimeout, check_no_remote, check_query, check_text)
from kg.sparql.terms import check_bindings, inject_values, term_text, top_level_where, values_clause, values_text

__all__ = ["DEFAULT_LIMIT", "DEFAULT_TIMEOUT", "MAX_DEPTH", "MAX_QUERY_BYTES", "MAX_TOKENS", "PARAMETER_TYPES",
           "CannedQuery", "Deadline", "Engine", "Parameter", "QueryError", "QueryRefused", "QueryTimeout",
           "RdflibEngine", "Rows", "check_bindings", "check_no_remote", "check_query", "check_text", "checked_memory",
           "describe", "inject_values", "list_queries", "load_query", "load_query_file", "open_engine",
           "query_names", "run_query", "run_with_timeout", "term_text", "top_level_where", "values_clause",
           "values_text"]

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph


def open_engine(graph: str | Path | Graph | None = None, *, backend: str | None = None) -> Engine:
    """An engine for ``graph``: an rdflib Graph, a ``kg build`` output folder or graph file, or
    (``None``) the shipped monographs built in memory.

    ``backend`` (``auto``, ``rdflib`` or ``oxigraph``; see :mod:`kg.sparql.oxstore`) picks the engine for
    a path: ``auto`` takes the persistent Oxigraph store when the folder has one. A Graph that
    wraps an Oxigraph store is queried by Oxigraph.
    """
    from kg.graph.storage import ox_store_of
    from kg.sparql.oxstore import OxigraphEngine
    from kg.sparql.store import open_oxigraph, resolve_backend

    if _is_rdflib_graph(graph):
        store = ox_store_of(graph)
        return RdflibEngine(graph) if store is None else OxigraphEngine(store)
    if resolve_backend(graph, backend) == "oxigraph":
        return OxigraphEngine(open_oxigraph(graph))
    from kg.sparql.store import open_graph

    return RdflibEngine(open_graph(graph, "rdflib"))


def _is_rdflib_graph(value: Any) -> bool:
    """True for an rdflib Graph (without importing rdflib: if it is not loaded, there is none)."""
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(value, rdflib.Graph)
