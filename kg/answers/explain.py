"""Why two things are connected: the statements that link them directly (through drug class
membership too) and the mechanism paths that explain it (:func:`explain`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.answers.walks import DEFAULT_LIMIT, DEFAULT_MAX_HOPS, Path, Step, _check_ends, find_paths, steps_from
from kg.answers.projection import DOWNWARD, MECHANISM_KINDS, MEMBERSHIP, UPWARD
from kg.vocab import SKG

if TYPE_CHECKING:  # heavy imports stay lazy: ``kg --help`` must not pay for networkx
    import networkx as nx

# --------------------------------------------------------------------------------------------
# explanations


def is_mechanism_edge(data: dict) -> bool:
    return data.get("kind") in MECHANISM_KINDS


def _upward(G, step: Step) -> bool:
    """Does the step go from a member to its class (or from a class to a broader one)?"""
    rel = G.edges[step.edge].get("relation")
    return (step.forward and rel in UPWARD) or (not step.forward and rel in DOWNWARD)


def class_chains(G, node: str) -> dict[str, Path]:
    """Every class ``node`` belongs to (transitively) with the membership steps up to it.

    ``node`` itself is included with an empty chain.
    """
    chains: dict[str, Path] = {node: ()}
    queue = deque([node])
    while queue:
        n = queue.popleft()
        for s in steps_from(G, n, lambda d: d.get("kind") == MEMBERSHIP):
            if s.target not in chains and _upward(G, s):
                chains[s.target] = chains[n] + (s,)
                queue.append(s.target)
    return chains


def _down(G, chain: Path) -> Path:
    """The steps of an upward membership chain walked back down, preferring forward edges."""
    out = []
    for up in reversed(chain):
        options = [s for s in steps_from(G, up.target, lambda d: d.get("kind") == MEMBERSHIP) if s.target == up.source]
        out.append(options[0] if options else Step(up.target, up.source, up.key, not up.forward))
    return tuple(out)


def direct_statements(G, source: str, target: str) -> list[Path]:
    """Statements joining ``source`` and ``target`` themselves, or a class of one to (a class of)
    the other (an interaction declared on a drug class applies to its members).

    Each comes as a path: membership steps up from ``source``, the statement, steps down to
    ``target``. Membership edges count as statements only between the two ends themselves.
    """
    _check_ends(G, source, target)
    up_a, up_b = class_chains(G, source), class_chains(G, target)
    found = []
    for x, chain_a in up_a.items():
        if x == target:
            continue
        for s in steps_from(G, x):
            if s.target not in up_b:
                continue
            if G.edges[s.edge].get("kind") == MEMBERSHIP and (x != source or s.target != target):
                continue
            path = chain_a + (s,) + _down(G, up_b[s.target])
            if len({path[0].source, *(t.target for t in path)}) == len(path) + 1:  # simple paths only
                found.append(path)
    found.sort(key=len)
    return found


def _cause_steps(G, node: str) -> list[Step]:
    """The ``causedBy`` statements from ``node`` (a condition) to what the text says causes it."""
    return [s for s in steps_from(G, node) if s.forward and G.edges[s.edge].get("relation") == str(SKG.causedBy)]


def through_causes(G, source: str, target: str) -> list[Path]:
    """Statements from (a class of) one end to a condition that the text says is caused by (a
    class of) the other: "supplement -assessed for-> a condition caused by a drug class -caused
    by-> the class <-member of- a drug". Both directions are tried; each path is walked from
    ``source``.
    """
    _check_ends(G, source, target)
    found = []
    for a, b, flip in ((source, target, False), (target, source, True)):
        up_a, up_b = class_chains(G, a), class_chains(G, b)
        for x, chain_a in up_a.items():
            for s in steps_from(G, x):
                if G.edges[s.edge].get("kind") in MECHANISM_KINDS:
                    continue  # a clinical statement about the condition, not another cause
                for cause in _cause_steps(G, s.target):
                    if cause.target not in up_b:
                        continue
                    path = chain_a + (s, cause) + _down(G, up_b[cause.target])
                    if len({path[0].source, *(t.target for t in path)}) != len(path) + 1:
                        continue
                    found.append(_reversed(path) if flip else path)
    found = list(dict.fromkeys(found))
    found.sort(key=len)
    return found


def _reversed(path: Path) -> Path:
    return tuple(Step(s.target, s.source, s.key, not s.forward) for s in reversed(path))


@dataclass
class Explanation:
    """Why ``source`` and ``target`` are connected."""

    source: str
    target: str
    max_hops: int
    direct: list[Path]
    paths: list[Path]
    causes: list[Path] = field(default_factory=list)  # statements about a condition the text says the other end causes


def _explains(G, path: Path) -> bool:
    return len(path) >= 2 and any(G.edges[s.edge].get("kind") != MEMBERSHIP for s in path)


def explain(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS,
            limit: int | None = DEFAULT_LIMIT) -> Explanation:
    """The direct statements between two entities and the mechanism paths that explain them.

    A mechanism path has two or more steps, uses only mechanism, physiology and class membership
    edges, and at least one step is a mechanism or physiology statement: a direct edge alone, or
    a chain of memberships alone, explains nothing. ``causes`` are the paths of
    :func:`through_causes`: a statement about a condition the text says the other end causes.
    """
    direct = direct_statements(G, source, target)
    paths = find_paths(G, source, target, max_hops=max_hops, limit=limit, edge_filter=is_mechanism_edge,
                       accept=lambda p: _explains(G, p))
    causes = [p for p in through_causes(G, source, target) if p not in paths]
    return Explanation(source, target, max_hops, direct, paths, causes[:limit] if limit else causes)
