"""The entity graph in networkx: :func:`project` and the shape of what it makes.

The RDF graph keeps every statement as a node with a *direct* triple beside it. :func:`project`
turns those direct triples (and drug class membership) into a :class:`networkx.MultiDiGraph` of
entities, copying the attributes of the statement behind each edge. Everything in
:mod:`kg.answers` that walks the graph (:mod:`~kg.answers.walks`, :mod:`~kg.answers.explain`,
:mod:`~kg.answers.measures`) takes only that networkx graph, so it can be tested on tiny
hand-made graphs.

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
    ``inReferenceClass`` / ``correspondsToReferenceClass`` /
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
``qualifier``
    the ``skos:prefLabel`` of every qualifier the statements carry ("only some types"), ``"; "``-joined
``proportion``
    the share a statement accounts for, with how the text gives it (``about 33%``, ``up to 60%``)

A drug's ``inReferenceClass`` edge is left out when the drug is a stated member (``memberOf``) of
a class: the monograph's membership explains it, the reference classification would only repeat it.

Absent values are left out rather than stored as ``None``. Membership edges carry no statement
attributes. Literals, ontology terms (classes, properties, scale concepts) and provenance nodes
(monographs, sections, documents, sources, quotes) are never nodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kg.errors import NotFound, UsageError
from kg.vocab import SKG

if TYPE_CHECKING:  # heavy imports stay lazy: ``kg --help`` must not pay for networkx
    import networkx as nx
    from rdflib import Graph

#: ``kind`` of drug class membership edges.
MEMBERSHIP = "ClassMembership"
#: Edge kinds a mechanism explanation may use.
MECHANISM_KINDS = frozenset({"MechanismStatement", "PhysiologyStatement", MEMBERSHIP})
#: Membership relations that point from member to class: a drug to its class, a class to a broader
#: one, a drug to the reference class the project's classification puts it in.
UPWARD = frozenset({str(SKG.memberOf), str(SKG.subClassOfClass), str(SKG.inReferenceClass)})
#: Membership relations that point from class to member: ``hasMember``, and a monograph's drug class
#: to the reference class it corresponds to (the reference class's members are the class's members).
DOWNWARD = frozenset({str(SKG.hasMember), str(SKG.correspondsToReferenceClass)})
MEMBERSHIP_RELATIONS = UPWARD | DOWNWARD
#: The membership relations that come from the reference classification, not from a monograph.
REFERENCE_RELATIONS = frozenset({str(SKG.inReferenceClass), str(SKG.correspondsToReferenceClass)})
#: Inverse pairs assumed even when the graph lacks the ontology's ``owl:inverseOf``.
_KNOWN_INVERSES = {str(SKG.memberOf): str(SKG.hasMember), str(SKG.hasMember): str(SKG.memberOf)}


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
    found.add(SKG.ReferenceClass)  # a class of the reference classification: reached by membership
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
        for rel in (SKG.memberOf, SKG.hasMember, SKG.subClassOfClass, SKG.inReferenceClass,
                    SKG.correspondsToReferenceClass):
            for o in g.objects(node, rel):
                found.setdefault((node, rel, o), [])
            for s in g.subjects(rel, node):
                found.setdefault((s, rel, node), [])
        self._edges[node] = {k: v for k, v in found.items()
                             if self.type_of(k[0]) and self.type_of(k[2]) and not self._restated(k)}
        return self._edges[node]

    def _restated(self, edge) -> bool:
        """A drug's reference-class edge when the drug is a stated member of a class: the
        monograph's own membership explains it, so the table's is left out of the projection."""
        s, p, _ = edge
        return p == SKG.inReferenceClass and (s, SKG.memberOf, None) in self.g

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
        # A restriction any of the statements carries stays on the edge: a hedge is never dropped.
        qualifiers = sorted({self.concept_label(q) for s in statements for q in self.g.objects(s, SKG.qualifier)})
        if qualifiers:
            attrs["qualifier"] = "; ".join(qualifiers)
        shares = sorted({_share(self.g.value(s, SKG.proportion),
                                self.g.value(s, SKG.proportionQualifier) and self.concept_label(self.g.value(s, SKG.proportionQualifier)))
                         for s in statements if self.g.value(s, SKG.proportion) is not None})
        if shares:
            attrs["proportion"] = "; ".join(shares)
        return attrs


def _share(value, qualifier: str | None) -> str:
    """A proportion as a percentage with how the text gives it: ``about 33%``, ``up to 60%``."""
    from decimal import Decimal

    percent = (Decimal(str(value)) * 100).normalize()
    text = f"{format(percent, 'f')}%"
    return f"{qualifier} {text}" if qualifier else text


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
