"""How two things are connected, and why: the entity graph in networkx, paths, explanations.

The RDF graph keeps every statement as a node with a *direct* triple beside it. :func:`project`
turns those direct triples (and drug class membership) into a :class:`networkx.MultiDiGraph` of
entities, copying the attributes of the statement behind each edge. Everything else in this module
takes only that networkx graph, so it can be tested on tiny hand-made graphs.

Nodes are keyed by entity IRI (a ``str``) and carry:

``iri``
    the entity IRI (same as the key)
``label``
    its ``rdfs:label`` (the IRI's local name when it has none)
``type``
    the local name of its entity class, e.g. ``"Drug"``

Edges go from subject to object of the direct triple, are keyed by the relation's local name
(``"convertedTo"``), and carry only scalar values (so GraphML and Cytoscape exports work as is):

``relation``
    relation IRI; ``relation_label`` its ``rdfs:label`` ("converted to")
``kind``
    local name of the statement class behind the edge (``"Interaction"``,
    ``"MechanismStatement"``, ...) or ``"ClassMembership"`` for ``memberOf`` / ``hasMember`` /
    ``subClassOfClass``
``inverse``
    IRI of the relation declared ``owl:inverseOf`` this one (only when there is one)
``statement``, ``statements``, ``record_id``
    the statement IRI behind the edge (the first when several statements state the same triple),
    all of them separated by spaces, and their record ids separated by ``", "``
``quote``
    the statements' verbatim quotes in text order, one per line (``"\\n"``)
``severity``, ``evidence_level``
    ``skos:prefLabel`` of the statement's severity / evidence level, when it has one

Absent values are left out rather than stored as ``None``. Membership edges carry no statement
attributes. Literals, ontology terms (classes, properties, scale concepts) and provenance nodes
(monographs, sections, documents, sources, quotes) are never nodes.

Paths are walked on the undirected view, but each :class:`Step` remembers whether it went along
the edge (``forward``) or against it. A ``memberOf`` edge and its ``hasMember`` inverse state one
fact, so a walk uses only the one that points the way it goes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.errors import NotFound, UsageError
from kg.text import checked_text
from kg.vocab import SKG

if TYPE_CHECKING:  # heavy imports stay lazy: ``kg --help`` must not pay for networkx
    import networkx as nx
    from rdflib import Graph

#: ``kind`` of drug class membership edges.
MEMBERSHIP = "ClassMembership"
#: Edge kinds a mechanism explanation may use.
MECHANISM_KINDS = frozenset({"MechanismStatement", "PhysiologyStatement", MEMBERSHIP})
#: Membership relations that point from member to class (``hasMember`` points the other way).
UPWARD = frozenset({str(SKG.memberOf), str(SKG.subClassOfClass)})
MEMBERSHIP_RELATIONS = UPWARD | {str(SKG.hasMember)}
#: Inverse pairs assumed even when the graph lacks the ontology's ``owl:inverseOf``.
_KNOWN_INVERSES = {str(SKG.memberOf): str(SKG.hasMember), str(SKG.hasMember): str(SKG.memberOf)}

DEFAULT_MAX_HOPS = 4
DEFAULT_LIMIT = 20
#: Damping exponent of degree-weighted path counts, as in Hetionet (Himmelstein et al. 2017).
DAMPING = 0.4
#: Hard cap on the paths enumerated for metapath counts.
MAX_METAPATH_PATHS = 100_000

Path = tuple["Step", ...]


# --------------------------------------------------------------------------------------------
# projection


def _local(iri: str) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _words(name: str) -> str:
    """A label for a relation the ontology does not name.

    >>> _words("convertedTo")
    'converted to'
    """
    out = []
    for c in name:
        if c.isupper() and out:
            out.append(" ")
        out.append(c.lower())
    return "".join(out)


def _pick_label(graph: Graph, node, predicate) -> str | None:
    """The English or untagged value of ``predicate`` (smallest first, for determinism)."""
    values = sorted(graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) not in (None, "en"), str(v)))
    return str(values[0]) if values else None


def entity_classes(graph: Graph) -> set:
    """IRIs of the entity classes: ``skg:Entity`` and its subclasses (declared or known)."""
    from rdflib import RDFS

    from kg.vocab import ENTITY_TYPES

    found = set(graph.transitive_subjects(RDFS.subClassOf, SKG.Entity))
    found.update(SKG[t] for t in ENTITY_TYPES)
    found.add(SKG.Entity)
    return found


class _Projector:
    """Reads entity and edge facts from an rdflib graph with cached, local lookups only."""

    def __init__(self, graph: Graph):
        from rdflib import OWL, RDF, RDFS, SKOS, URIRef

        self.g = graph
        self.RDF, self.RDFS, self.SKOS, self.OWL, self.URIRef = RDF, RDFS, SKOS, OWL, URIRef
        self.classes = entity_classes(graph)
        self._types: dict[Any, str | None] = {}
        self._edges: dict[Any, dict[tuple, list]] = {}
        self._labels: dict[Any, str] = {}

    def type_of(self, node) -> str | None:
        """Local name of ``node``'s entity class, or None when it is not an entity."""
        if node not in self._types:
            if not isinstance(node, self.URIRef):
                self._types[node] = None
            else:
                types = sorted(str(t) for t in self.g.objects(node, self.RDF.type) if t in self.classes)
                specific = [t for t in types if t != str(SKG.Entity)]
                self._types[node] = _local((specific or types)[0]) if types else None
        return self._types[node]

    def all_entities(self) -> set:
        out = set()
        for cls in self.classes:
            out.update(s for s in self.g.subjects(self.RDF.type, cls) if isinstance(s, self.URIRef))
        return out

    def edges_of(self, node) -> dict[tuple, list]:
        """Edges touching ``node`` (either end): ``(s, p, o) -> [statement, ...]``.

        An edge is a direct triple described by a statement (``skg:subjectEntity``,
        ``skg:relation``, ``skg:objectEntity``) or a class membership triple; both ends entities.
        """
        if node in self._edges:
            return self._edges[node]
        g = self.g
        found: dict[tuple, list] = {}
        for end in (SKG.subjectEntity, SKG.objectEntity):
            for st in g.subjects(end, node):
                for s in g.objects(st, SKG.subjectEntity):
                    for p in g.objects(st, SKG.relation):
                        for o in g.objects(st, SKG.objectEntity):
                            if (s, p, o) in g:
                                backing = found.setdefault((s, p, o), [])
                                if st not in backing:
                                    backing.append(st)
        for rel in (SKG.memberOf, SKG.hasMember, SKG.subClassOfClass):
            for o in g.objects(node, rel):
                found.setdefault((node, rel, o), [])
            for s in g.subjects(rel, node):
                found.setdefault((s, rel, node), [])
        self._edges[node] = {k: v for k, v in found.items() if self.type_of(k[0]) and self.type_of(k[2])}
        return self._edges[node]

    def label(self, node) -> str:
        if node not in self._labels:
            self._labels[node] = _pick_label(self.g, node, self.RDFS.label) or _local(node)
        return self._labels[node]

    def concept_label(self, concept) -> str:
        return _pick_label(self.g, concept, self.SKOS.prefLabel) or self.label(concept)

    def inverse(self, relation) -> str | None:
        inv = self.g.value(relation, self.OWL.inverseOf) or self.g.value(None, self.OWL.inverseOf, relation)
        return str(inv) if inv is not None else _KNOWN_INVERSES.get(str(relation))

    def statement_kind(self, st) -> str:
        types = sorted(_local(t) for t in self.g.objects(st, self.RDF.type))
        specific = [t for t in types if t != "Statement"]
        return (specific or types or ["Statement"])[0]

    def quotes(self, st) -> list[str]:
        """The statement's quotes in text order (by selector offset; sorted text otherwise)."""
        from kg.vocab import OA

        g = self.g
        placed = []
        for ev in g.objects(st, SKG.evidence):
            exact, start = None, None
            for sel in g.objects(ev, OA.hasSelector):
                exact = exact or g.value(sel, OA.exact)
                start = start if start is not None else g.value(sel, OA.start)
            if exact is not None:
                placed.append((int(start) if start is not None else math.inf, str(ev), str(exact)))
        if placed:
            return [q for _, _, q in sorted(placed)]
        return sorted(str(q) for q in g.objects(st, SKG.quote))

    def edge_attributes(self, p, statements: list) -> dict:
        attrs: dict[str, Any] = {"relation": str(p), "relation_label": _pick_label(self.g, p, self.RDFS.label) or _words(_local(p))}
        inverse = self.inverse(p)
        if inverse:
            attrs["inverse"] = inverse
        if not statements:
            attrs["kind"] = MEMBERSHIP if str(p) in MEMBERSHIP_RELATIONS else "Statement"
            return attrs
        statements = sorted(statements, key=str)
        first = statements[0]
        attrs["kind"] = self.statement_kind(first)
        attrs["statement"] = str(first)
        attrs["statements"] = " ".join(str(s) for s in statements)
        ids = [str(r) for s in statements for r in self.g.objects(s, SKG.recordId)]
        if ids:
            attrs["record_id"] = ", ".join(ids)
        quotes: list[str] = []
        for s in statements:
            quotes += [q for q in self.quotes(s) if q not in quotes]
        if quotes:
            attrs["quote"] = "\n".join(quotes)
        for key, predicate in (("severity", SKG.severity), ("evidence_level", SKG.evidenceLevel)):
            for s in statements:
                concept = self.g.value(s, predicate)
                if concept is not None:
                    attrs[key] = self.concept_label(concept)
                    break
        return attrs


def project(graph: Graph, seeds: Iterable | None = None, depth: int | None = None, *,
            hub_degree: int | None = None) -> nx.MultiDiGraph:
    """The entity graph of ``graph`` as a MultiDiGraph (see the module docstring for attributes).

    With ``seeds`` (entity IRIs), only their neighbourhood is projected: entities within ``depth``
    edges of a seed (either direction; ``depth=None``: no limit), and every edge between them.
    It is found by walking the RDF graph from the seeds with indexed triple lookups, so a large
    graph is never read whole. With ``hub_degree``, an entity with more edges than that is kept
    but not walked through (seeds are always walked). ``seeds=None`` projects every entity.

    :raises NotFound: when a seed is not an entity of ``graph``.
    :raises UsageError: for a negative ``depth``.
    """
    import networkx as nx
    from rdflib import URIRef

    if depth is not None and depth < 0:
        raise UsageError(f"depth must be 0 or more, not {depth}")
    pj = _Projector(graph)
    if seeds is None:
        nodes = pj.all_entities()
    else:
        start = [URIRef(str(s)) for s in seeds]
        for s in start:
            if pj.type_of(s) is None:
                raise NotFound(f"not an entity of the graph: <{s}>")
        nodes = set(start)
        frontier = list(dict.fromkeys(start))
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            nxt = []
            for n in frontier:
                edges = pj.edges_of(n)
                if hub_degree is not None and n not in start and len(edges) > hub_degree:
                    continue
                for s, _, o in edges:
                    other = o if s == n else s
                    if other not in nodes:
                        nodes.add(other)
                        nxt.append(other)
            frontier = nxt

    G = nx.MultiDiGraph()
    for n in sorted(nodes, key=str):
        G.add_node(str(n), iri=str(n), label=pj.label(n), type=pj.type_of(n))
    done = set()
    for n in sorted(nodes, key=str):
        for (s, p, o), statements in sorted(pj.edges_of(n).items(), key=lambda kv: tuple(map(str, kv[0]))):
            if (s, p, o) in done or s not in nodes or o not in nodes:
                continue
            done.add((s, p, o))
            key = _local(p)
            if G.has_edge(str(s), str(o), key):  # same local name, other namespace
                key = str(p)
            G.add_edge(str(s), str(o), key=key, **pj.edge_attributes(p, statements))
    return G


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
    """The relation of a step, with severity or evidence level: ``interacts with (moderate)``."""
    d = G.edges[step.edge]
    text = str(d.get("relation_label") or step.key)
    extra = d.get("severity") or d.get("evidence_level")
    return f"{text} ({extra})" if extra else text


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
    for key in ("severity", "evidence_level", "statement", "record_id"):
        if d.get(key):
            rec[key] = d[key]
    return rec


def path_records(G, path: Sequence[Step]) -> list[dict]:
    return [step_record(G, s) for s in path]


# --------------------------------------------------------------------------------------------
# explanations


def is_mechanism_edge(data: dict) -> bool:
    return data.get("kind") in MECHANISM_KINDS


def _upward(G, step: Step) -> bool:
    """Does the step go from a member to its class (or from a class to a broader one)?"""
    rel = G.edges[step.edge].get("relation")
    return (step.forward and rel in UPWARD) or (not step.forward and rel == str(SKG.hasMember))


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


@dataclass
class Explanation:
    """Why ``source`` and ``target`` are connected."""

    source: str
    target: str
    max_hops: int
    direct: list[Path]
    paths: list[Path]


def _explains(G, path: Path) -> bool:
    return len(path) >= 2 and any(G.edges[s.edge].get("kind") != MEMBERSHIP for s in path)


def explain(G: nx.MultiDiGraph, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS,
            limit: int | None = DEFAULT_LIMIT) -> Explanation:
    """The direct statements between two entities and the mechanism paths that explain them.

    A mechanism path has two or more steps, uses only mechanism, physiology and class membership
    edges, and at least one step is a mechanism or physiology statement: a direct edge alone, or
    a chain of memberships alone, explains nothing.
    """
    direct = direct_statements(G, source, target)
    paths = find_paths(G, source, target, max_hops=max_hops, limit=limit, edge_filter=is_mechanism_edge,
                       accept=lambda p: _explains(G, p))
    return Explanation(source, target, max_hops, direct, paths)


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


__all__ = [
    "DAMPING", "DEFAULT_LIMIT", "DEFAULT_MAX_HOPS", "MECHANISM_KINDS", "MEMBERSHIP", "Centrality",
    "Explanation", "MetapathCount", "Neighbour", "Path", "Step", "arrow", "centrality", "class_chains",
    "direct_statements", "entity_classes", "explain", "find_paths", "is_mechanism_edge", "iter_paths", "label",
    "metapath_of", "metapaths", "neighbours", "node_info", "path_degree_product", "path_records", "path_text",
    "project", "relation_text", "shortest_paths", "step_quotes", "step_record", "steps_from", "undirected_simple",
]
