"""The shape of the projection around an entity: neighbours, centrality, metapath counts
(with degree-weighted path counts as in Hetionet) and what a node is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import NotFound, UsageError
from kg.answers.walks import Path, Step, iter_paths, label, steps_from
from kg.text import checked_text

if TYPE_CHECKING:  # heavy imports stay lazy: ``kg --help`` must not pay for networkx
    import networkx as nx

#: Damping exponent of degree-weighted path counts, as in Hetionet (Himmelstein et al. 2017).
DAMPING = 0.4
#: Hard cap on the paths enumerated for metapath counts.
MAX_METAPATH_PATHS = 100_000


# --------------------------------------------------------------------------------------------
# structure


@dataclass(frozen=True)
class Neighbour:
    node: str
    distance: int
    path: Path  # one shortest walk from the start; its last hop is one of ``last_hops``
    last_hops: tuple[Step, ...]  # every step from the previous node of ``path`` to ``node``


def neighbours(G: nx.MultiDiGraph, node: str, depth: int = 1) -> list[Neighbour]:
    """Entities within ``depth`` steps of ``node`` (either direction), nearest first."""
    checked_text(node, "the node")
    if node not in G:
        raise NotFound(f"not in the projected graph: {node}")
    if depth < 1:
        raise UsageError(f"depth must be 1 or more, not {depth}")
    paths: dict[str, Path] = {node: ()}
    out = []
    queue = deque([node])
    while queue:
        n = queue.popleft()
        if len(paths[n]) >= depth:
            continue
        steps = steps_from(G, n)
        for s in steps:
            if s.target not in paths:
                paths[s.target] = paths[n] + (s,)
                queue.append(s.target)
                last = tuple(x for x in steps if x.target == s.target)
                out.append(Neighbour(s.target, len(paths[s.target]), paths[s.target], last))
    return out


def undirected_simple(G: nx.MultiDiGraph) -> nx.Graph:
    """One undirected edge per pair of connected entities."""
    import networkx as nx

    U = nx.Graph()
    U.add_nodes_from(G.nodes(data=True))
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return U


@dataclass(frozen=True)
class Centrality:
    node: str
    type: str
    degree: int  # distinct neighbouring entities
    degree_centrality: float  # degree / (n - 1)
    betweenness: float  # normalised betweenness on the undirected simple graph


def centrality(G: nx.MultiDiGraph, *, top: int | None = 10, by: str = "degree",
               types: Iterable[str] | None = None) -> dict[str, list[Centrality]]:
    """Degree and betweenness centrality, the ``top`` entities of each type ranked ``by`` one of them.

    Both are computed on :func:`undirected_simple`: parallel edges and direction do not count.
    """
    import networkx as nx

    if by not in ("degree", "betweenness"):
        raise UsageError(f"rank by 'degree' or 'betweenness', not {by!r}")
    U = undirected_simple(G)
    between = nx.betweenness_centrality(U, normalized=True)
    dc = nx.degree_centrality(U) if len(U) > 1 else {n: 0.0 for n in U}
    wanted = set(types) if types else None
    groups: dict[str, list[Centrality]] = {}
    for n, data in U.nodes(data=True):
        t = str(data.get("type"))
        if wanted is None or t in wanted:
            groups.setdefault(t, []).append(Centrality(n, t, U.degree(n), dc[n], between[n]))

    def rank(c: Centrality):
        main, other = (c.degree, c.betweenness) if by == "degree" else (c.betweenness, c.degree)
        return (-main, -other, label(G, c.node), c.node)

    return {t: sorted(cs, key=rank)[:top] if top is not None else sorted(cs, key=rank) for t, cs in sorted(groups.items())}


@dataclass
class MetapathCount:
    """Paths of one type sequence between two nodes (Hetionet's path count and DWPC)."""

    metapath: str  # e.g. "Substance —interacts with→ DrugClass —has member→ Drug"
    hops: int
    count: int
    dwpc: float | None = None


def metapath_of(G, path: Sequence[Step]) -> str:
    """The type sequence of a path with its relations and directions."""
    parts = [str(G.nodes[path[0].source].get("type"))]
    for s in path:
        rel = G.edges[s.edge].get("relation_label") or s.key
        parts += [f"—{rel}→" if s.forward else f"←{rel}—", str(G.nodes[s.target].get("type"))]
    return " ".join(parts)


class _Degrees:
    """Per-metaedge degrees: for edge ``s -r-> o``, how many ``r`` edges leave ``s`` towards nodes
    of ``o``'s type, and how many reach ``o`` from nodes of ``s``'s type."""

    def __init__(self, G):
        self.G = G
        self._cache: dict[tuple, int] = {}

    def __call__(self, node: str, relation: str, outgoing: bool, other_type: str) -> int:
        key = (node, relation, outgoing, other_type)
        if key not in self._cache:
            G = self.G
            edges = G.out_edges(node, data=True) if outgoing else G.in_edges(node, data=True)
            self._cache[key] = sum(
                1 for u, v, d in edges
                if d.get("relation") == relation and G.nodes[v if outgoing else u].get("type") == other_type)
        return self._cache[key]


def path_degree_product(G, path: Sequence[Step], damping: float = DAMPING, degrees: _Degrees | None = None) -> float:
    """Hetionet's path-degree product: over every edge ``s -r-> o`` of the path, multiply
    ``D(s)^-w * D(o)^-w`` where ``D`` counts that node's edges of the same metaedge (relation and
    type of the node at the other end)."""
    deg = degrees or _Degrees(G)
    product = 1.0
    for step in path:
        u, v, _ = step.edge
        d = G.edges[step.edge]
        rel = d.get("relation")
        du = deg(u, rel, True, G.nodes[v].get("type"))
        dv = deg(v, rel, False, G.nodes[u].get("type"))
        product *= (du * dv) ** -damping
    return product


def metapaths(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = 3, dwpc: bool = False,
              damping: float = DAMPING, max_paths: int = MAX_METAPATH_PATHS) -> tuple[list[MetapathCount], bool]:
    """Count the simple paths between two nodes by metapath, optionally with their DWPC.

    Returns the counts (most paths first) and whether ``max_paths`` cut the enumeration short.
    The DWPC of a metapath is the sum of :func:`path_degree_product` over its paths.
    """
    counts: dict[str, MetapathCount] = {}
    degrees = _Degrees(G)
    n = 0
    truncated = False
    for p in iter_paths(G, source, target, max_hops=max_hops):
        if n >= max_paths:
            truncated = True
            break
        n += 1
        key = metapath_of(G, p)
        mc = counts.setdefault(key, MetapathCount(key, len(p), 0, 0.0 if dwpc else None))
        mc.count += 1
        if dwpc:
            mc.dwpc += path_degree_product(G, p, damping, degrees)
    order = sorted(counts.values(), key=lambda m: (m.hops, -m.count, m.metapath))
    return order, truncated


def node_info(G, node: str) -> dict:
    d = G.nodes[node]
    return {"iri": node, "label": label(G, node), "type": d.get("type")}
