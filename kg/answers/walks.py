"""Paths between two entities of the projection, and their words.

Paths are walked on the undirected view of :func:`kg.answers.projection.project`'s graph, but
each :class:`Step` remembers whether it went along the edge (``forward``) or against it. A
``memberOf`` edge and its ``hasMember`` inverse state one fact, so a walk uses only the one that
points the way it goes. :func:`path_text` and :func:`path_records` say a path in words and
records, each step with the quotes of the statements behind it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import NotFound, UsageError
from kg.text import checked_text

if TYPE_CHECKING:  # heavy imports stay lazy: ``kg --help`` must not pay for networkx
    import networkx as nx

DEFAULT_MAX_HOPS = 4
DEFAULT_LIMIT = 20

Path = tuple["Step", ...]


# --------------------------------------------------------------------------------------------
# steps and paths


@dataclass(frozen=True)
class Step:
    """One hop of a walk: from ``source`` to ``target`` over edge ``key``.

    ``forward`` is True when the walk goes along the edge (the edge is source -> target) and False
    when it goes against it (the edge is target -> source).
    """

    source: str
    target: str
    key: str
    forward: bool

    @property
    def edge(self) -> tuple[str, str, str]:
        """The edge's ``(u, v, key)`` in the graph."""
        return (self.source, self.target, self.key) if self.forward else (self.target, self.source, self.key)


EdgeFilter = Callable[[dict], bool]


def steps_from(G: nx.MultiDiGraph, node: str, edge_filter: EdgeFilter | None = None) -> list[Step]:
    """Every step out of ``node`` on the undirected view, in a stable order.

    A backward step over an edge is left out when a forward edge of its declared inverse joins the
    same two nodes (``hasMember`` backward = ``memberOf`` forward: one fact, one step).
    """
    steps = []
    forward_rel: dict[str, set] = {}
    for _, v, k, d in G.out_edges(node, keys=True, data=True):
        if edge_filter is None or edge_filter(d):
            steps.append(Step(node, v, k, True))
            forward_rel.setdefault(v, set()).add(d.get("relation"))
    for u, _, k, d in G.in_edges(node, keys=True, data=True):
        if edge_filter is not None and not edge_filter(d):
            continue
        if d.get("inverse") and d["inverse"] in forward_rel.get(u, ()):
            continue
        steps.append(Step(node, u, k, False))
    nodes = G.nodes
    steps.sort(key=lambda s: (str(nodes[s.target].get("label", s.target)), s.target, not s.forward,
                              str(G.edges[s.edge].get("relation_label", s.key)), s.key))
    return steps


class _Walker:
    """Bounded enumeration of simple paths between two nodes, shortest first."""

    def __init__(self, G, edge_filter: EdgeFilter | None, avoid: Iterable[str], max_degree: int | None):
        self.G = G
        self.edge_filter = edge_filter
        self.avoid = set(avoid)
        self.max_degree = max_degree
        self._steps: dict[str, list[Step]] = {}

    def steps(self, node: str) -> list[Step]:
        if node not in self._steps:
            self._steps[node] = steps_from(self.G, node, self.edge_filter)
        return self._steps[node]

    def passable(self, node: str, ends: tuple[str, str]) -> bool:
        """May a path go *through* ``node``? (Ends are always allowed.)"""
        if node in ends:
            return True
        if node in self.avoid:
            return False
        return self.max_degree is None or len({s.target for s in self.steps(node)}) <= self.max_degree

    def distances(self, target: str, source: str, cutoff: int) -> dict[str, int]:
        """Hops from ``target`` to every node within ``cutoff`` (breadth-first, passable nodes)."""
        dist = {target: 0}
        queue = deque([target])
        while queue:
            n = queue.popleft()
            if dist[n] >= cutoff or (n != target and not self.passable(n, (source, target))):
                continue
            for s in self.steps(n):
                if s.target not in dist:
                    dist[s.target] = dist[n] + 1
                    queue.append(s.target)
        return dist

    def paths(self, source: str, target: str, max_hops: int, *, shortest: bool = False) -> Iterator[Path]:
        dist = self.distances(target, source, max_hops)
        if source not in dist:
            return
        ends = (source, target)
        for length in range(max(dist[source], 1), max_hops + 1):
            yield from self._of_length(source, target, length, dist, ends)
            if shortest:
                return

    def _of_length(self, source, target, length, dist, ends) -> Iterator[Path]:
        path: list[Step] = []
        on_path = {source}

        def extend(node: str) -> Iterator[Path]:
            left = length - len(path)
            for s in self.steps(node):
                x = s.target
                if x == target:
                    if left == 1:
                        yield tuple(path) + (s,)
                    continue
                if left <= 1 or x in on_path or dist.get(x, math.inf) > left - 1 or not self.passable(x, ends):
                    continue
                path.append(s)
                on_path.add(x)
                yield from extend(x)
                path.pop()
                on_path.discard(x)

        yield from extend(source)


def _check_ends(G, source: str, target: str) -> None:
    for what, n in (("the source", source), ("the target", target)):
        checked_text(n, what)
        if n not in G:
            raise NotFound(f"not in the projected graph: {n}")
    if source == target:
        raise UsageError("the two ends of a path must be different entities")


def iter_paths(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS,
               shortest: bool = False, edge_filter: EdgeFilter | None = None, avoid: Iterable[str] = (),
               max_degree: int | None = None) -> Iterator[Path]:
    """Simple paths from ``source`` to ``target`` of at most ``max_hops`` steps, shortest first.

    Edges are walked in either direction. ``edge_filter(data)`` keeps only the edges it accepts;
    ``avoid`` nodes and nodes with more than ``max_degree`` neighbours (hubs) are never passed
    through. With ``shortest``, only the paths of the smallest length. Lazy: take what you need.

    :raises NotFound: when an end is not a node of ``G``; :raises UsageError: when they are equal.
    """
    _check_ends(G, source, target)
    if max_hops < 1:
        raise UsageError(f"max_hops must be 1 or more, not {max_hops}")
    return _Walker(G, edge_filter, avoid, max_degree).paths(source, target, max_hops, shortest=shortest)


def find_paths(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS,
               limit: int | None = DEFAULT_LIMIT, shortest: bool = False, edge_filter: EdgeFilter | None = None,
               accept: Callable[[Path], bool] | None = None, avoid: Iterable[str] = (),
               max_degree: int | None = None) -> list[Path]:
    """At most ``limit`` paths of :func:`iter_paths` (all when ``limit`` is None) that ``accept`` keeps.

    With ``shortest`` and ``accept``, the shortest *accepted* paths.
    """
    found: list[Path] = []
    for p in iter_paths(G, source, target, max_hops=max_hops, edge_filter=edge_filter, avoid=avoid,
                        max_degree=max_degree):
        if shortest and found and len(p) > len(found[0]):
            break
        if accept is not None and not accept(p):
            continue
        found.append(p)
        if limit is not None and len(found) >= limit:
            break
    return found


def shortest_paths(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS,
                   limit: int | None = DEFAULT_LIMIT, **kwargs) -> list[Path]:
    """The shortest paths (all of equal length, at most ``limit``)."""
    return find_paths(G, source, target, max_hops=max_hops, limit=limit, shortest=True, **kwargs)


def shortest_in_neighbourhood(project_at: Callable[[int], nx.MultiDiGraph], source: str, target: str, *,
                              max_hops: int = DEFAULT_MAX_HOPS, limit: int | None = DEFAULT_LIMIT,
                              ) -> tuple[nx.MultiDiGraph, list[Path]]:
    """The shortest paths between ``source`` and ``target`` (as :func:`shortest_paths` on the
    whole graph), from the smallest neighbourhood that provably holds them, and that projection.

    ``project_at(d)`` projects the entities within ``d`` edges of either end. A projection of
    depth d holds every path of up to 2d + 1 hops (each node of such a path is within d hops of one
    end) and every edge between its nodes, so once the shortest path found at depth d has at most
    2d + 1 hops, no shorter one lies outside it and all of that length are inside. The depth grows
    from 1 up to ``max_hops // 2 + 1``, where every path of up to ``max_hops`` hops is inside: on a
    large graph most questions stop at depth 1 or 2 instead of projecting thousands of entities.
    """
    deepest = max_hops // 2 + 1
    for depth in range(1, deepest + 1):
        G = project_at(depth)
        found = shortest_paths(G, source, target, max_hops=max_hops, limit=limit)
        if found and len(found[0]) <= 2 * depth + 1:
            break
    return G, found


# --------------------------------------------------------------------------------------------
# words


def label(G, node: str) -> str:
    return str(G.nodes[node].get("label") or node)


def relation_text(G, step: Step) -> str:
    """The relation of a step, with severity or evidence level, the share it accounts for and the
    text's qualifiers: ``interacts with (moderate; only some types)``."""
    d = G.edges[step.edge]
    text = str(d.get("relation_label") or step.key)
    extra = [x for x in (d.get("severity") or d.get("evidence_level"), d.get("proportion"), d.get("qualifier")) if x]
    return f"{text} ({'; '.join(extra)})" if extra else text


def arrow(G, step: Step) -> str:
    """``—converted to→`` along the edge, ``←lowers—`` against it."""
    rel = relation_text(G, step)
    return f"—{rel}→" if step.forward else f"←{rel}—"


def path_text(G, path: Sequence[Step]) -> str:
    """A readable chain: ``A —interacts with (moderate)→ B —has member→ C``."""
    if not path:
        return ""
    parts = [label(G, path[0].source)]
    for s in path:
        parts += [arrow(G, s), label(G, s.target)]
    return " ".join(parts)


def step_quotes(G, step: Step) -> list[str]:
    q = G.edges[step.edge].get("quote")
    return str(q).split("\n") if q else []


def step_record(G, step: Step) -> dict:
    """A step as JSON-ready data (``from``/``to`` in walk order; ``direction`` forward/backward)."""
    d = G.edges[step.edge]
    quotes = step_quotes(G, step)
    rec = {
        "from": label(G, step.source),
        "relation": str(d.get("relation_label") or step.key),
        "to": label(G, step.target),
        "direction": "forward" if step.forward else "backward",
        "quote": " ".join(quotes) if quotes else None,
        "quotes": quotes,
        "from_iri": step.source,
        "to_iri": step.target,
        "relation_iri": d.get("relation"),
        "kind": d.get("kind"),
    }
    for key in ("severity", "evidence_level", "proportion", "qualifier", "statement", "record_id"):
        if d.get(key):
            rec[key] = d[key]
    return rec


def path_records(G, path: Sequence[Step]) -> list[dict]:
    return [step_record(G, s) for s in path]
