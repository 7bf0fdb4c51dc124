"""Resolve what a user types (generic name, brand, synonym, any letter case) to graph entities.

A name is looked up with the canned query ``name-lookup``: the build stores the folded form of
every name as a search key (``skos:hiddenLabel``, see :func:`kg.names.search_keys`), so one indexed lookup
finds every entity the name denotes, whatever the graph's size. Only when that finds nothing is
the index of every name built (from the rows of ``entity-names``: entity, type, label, name,
kind): it gives close-match suggestions, and it still finds names in a graph built without search
keys. Both are canned queries, so resolution works the same on every engine, remote endpoints
included. Unknown names are never dropped: :meth:`NameIndex.lookup` returns suggestions for them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from kg.errors import NotFound
from kg.names import fold
from kg.text import checked_text

if TYPE_CHECKING:  # pragma: no cover
    from kg.sparql.engine import Engine


@dataclass(frozen=True)
class Match:
    iri: str
    label: str
    type: str  # local name of the entity class, e.g. "Drug"
    matched: str  # the name that matched
    kind: str  # "label", "synonym" or "brand"


@dataclass
class Lookup:
    query: str
    matches: list[Match] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


_KIND_ORDER = {"label": 0, "brand": 1, "synonym": 2, "salt": 3, "identifier": 4}


class NameIndex:
    """Names -> entities, with suggestions for what does not match."""

    def __init__(self, rows: Iterable[dict]):
        self._by_name: dict[str, dict[str, Match]] = {}
        self._display: dict[str, str] = {}
        for row in rows:
            name = str(row["name"])
            key = fold(name)
            if not key:
                continue
            etype = str(row["type"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            match = Match(str(row["entity"]), str(row["label"]), etype, name, str(row["kind"]))
            current = self._by_name.setdefault(key, {}).get(match.iri)
            if current is None or _KIND_ORDER.get(match.kind, 9) < _KIND_ORDER.get(current.kind, 9):
                self._by_name[key][match.iri] = match
            self._display.setdefault(key, name)

    @classmethod
    def for_graph(cls, graph) -> "NameIndex":
        """Index a local rdflib graph with the ``entity-names`` query."""
        from kg.resources import queries_dir

        text = (queries_dir() / "entity-names.rq").read_text(encoding="utf-8")
        rows = [{k: str(v) for k, v in r.asdict().items()} for r in graph.query(text)]
        return cls(rows)

    def __len__(self) -> int:
        return len(self._by_name)

    def lookup(self, name: str, *, types: Iterable[str] | None = None, suggest: bool = True) -> Lookup:
        """Every entity ``name`` denotes (optionally only of ``types``), or suggestions (unless
        ``suggest`` is false: a caller trying many texts that need not be names).

        :raises UsageError: for a name that is not text (or holds a lone surrogate).
        """
        wanted = set(types) if types else None
        key = fold(checked_text(name, "a name"))
        found = [m for m in self._by_name.get(key, {}).values() if wanted is None or m.type in wanted]
        found.sort(key=lambda m: (_KIND_ORDER.get(m.kind, 9), m.label, m.iri))
        if found:
            return Lookup(name, found)
        return Lookup(name, [], self.suggest(name, types=wanted) if suggest else [])

    def complete(self, prefix: str, *, n: int = 20, types: Iterable[str] | None = None) -> list[Match]:
        """Up to ``n`` names that start with ``prefix`` (any letter case), shortest first: type-ahead."""
        wanted = set(types) if types else None
        key = fold(checked_text(prefix, "a prefix"))
        if not key:
            return []
        hits = sorted((k for k in self._by_name if k.startswith(key)), key=lambda k: (len(k), k))
        out: list[Match] = []
        for k in hits:
            for m in sorted(self._by_name[k].values(), key=lambda m: (_KIND_ORDER.get(m.kind, 9), m.label, m.iri)):
                if wanted is None or m.type in wanted:
                    out.append(Match(m.iri, m.label, m.type, self._display[k], m.kind))
                    break
            if len(out) >= n:
                break
        return out

    def names_in(self, text: str, *, types: Iterable[str] | None = None, max_words: int = 6) -> list[Match]:
        """The entities named in free text ("Moonpetal powder 5 g"): the longest run of words,
        left to right, that is a known name (of ``types``); runs never overlap."""
        wanted = set(types) if types else None
        words = fold(checked_text(text, "a text")).replace(",", " ").replace(";", " ").split()
        found: list[Match] = []
        i = 0
        while i < len(words):
            for n in range(min(max_words, len(words) - i), 0, -1):
                key = " ".join(words[i:i + n]).strip(".:()")
                hits = [m for m in self._by_name.get(key, {}).values() if wanted is None or m.type in wanted]
                if hits:
                    hits.sort(key=lambda m: (_KIND_ORDER.get(m.kind, 9), m.label, m.iri))
                    found.append(hits[0])
                    i += n
                    break
            else:
                i += 1
        return found

    def suggest(self, name: str, *, n: int = 3, types: Iterable[str] | None = None) -> list[str]:
        """Close matches among known names (a misspelt brand name finds the brand)."""
        wanted = set(types) if types else None
        keys = [k for k, ms in self._by_name.items() if wanted is None or any(m.type in wanted for m in ms.values())]
        key = fold(name)[:200]
        close = difflib.get_close_matches(key, keys, n=n, cutoff=0.75)
        if not close and key:
            close = [k for k in keys if k.startswith(key) or key in k.split()][:n]
        return [self._display[k] for k in close]

    def resolve_one(self, name: str, *, types: Iterable[str] | None = None) -> Match:
        """The single best entity for ``name``.

        :raises NotFound: with suggestions when nothing matches.
        """
        return _best(self.lookup(name, types=types), name)


def lookup(engine: Engine, name: str, *, types: Iterable[str] | None = None, timeout: float | None = None,
           full: Callable[[], NameIndex] | None = None) -> Lookup:
    """Every entity ``name`` denotes on ``engine`` (optionally only of ``types``), or suggestions.

    The indexed ``name-lookup`` query answers first; when it finds nothing of ``types``, the index
    of every name answers (``full()``, e.g. a cached one; by default built here from
    ``entity-names``), so the result is the same as :meth:`NameIndex.lookup` on the full index.
    """
    from kg.sparql.canned import run_query
    from kg.sparql.guards import DEFAULT_TIMEOUT

    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    checked_text(name, "a name")
    if fold(name):
        rows = run_query(engine, "name-lookup", {"lookup": name}, timeout=timeout, limit=100_000).rows
        found = NameIndex(rows).lookup(name, types=types)
        if found.matches:
            return found
    index = full() if full is not None else full_index(engine, timeout=timeout)
    return index.lookup(name, types=types)


def full_index(engine: Engine, *, timeout: float | None = None) -> NameIndex:
    """The index of every name of ``engine``'s graph (the ``entity-names`` query: one scan)."""
    from kg.errors import QueryError
    from kg.sparql.canned import run_query
    from kg.sparql.guards import DEFAULT_TIMEOUT

    limit = 5_000_000
    rows = run_query(engine, "entity-names", timeout=DEFAULT_TIMEOUT if timeout is None else timeout, limit=limit)
    if rows.truncated:
        raise QueryError(f"query 'entity-names' returned more than {limit:,} rows")
    return NameIndex(rows.rows)


def resolve_one(engine: Engine, name: str, *, types: Iterable[str] | None = None, timeout: float | None = None,
                full: Callable[[], NameIndex] | None = None) -> Match:
    """The single best entity for ``name`` on ``engine`` (see :func:`lookup`).

    :raises NotFound: with suggestions when nothing matches.
    """
    return _best(lookup(engine, name, types=types, timeout=timeout, full=full), name)


def _best(result: Lookup, name: str) -> Match:
    if not result.matches:
        hint = f"; did you mean: {', '.join(result.suggestions)}?" if result.suggestions else ""
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise NotFound(f"unknown name {shown!r}{hint}")
    return result.matches[0]
