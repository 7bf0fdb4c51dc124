"""Paths over an engine that is not an rdflib Graph: fetch the neighbourhood a path question
needs, and project it locally.

A remote endpoint (and the Oxigraph store) answers SELECT and CONSTRUCT queries; a path question
needs only the entities within a few edges of its seeds. :class:`Neighbourhood` fetches exactly
those, level by level, so that :func:`kg.answers.paths.project` on the local graph gives the same
projection as on the whole graph; :func:`project_remote` resolves the names on the endpoint first.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, URIRef

from kg.answers.paths import entity_classes, project
from kg.answers.resolve import resolve_one
from kg.sparql.guards import DEFAULT_TIMEOUT
from kg.sparql.terms import term_text
from kg.sparql.remote import EndpointEngine, IncompleteAnswer

_PREFIXES = """PREFIX skg: <https://w3id.org/skg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

#: What :func:`kg.answers.paths.project` reads beside the entities: the class hierarchy, property labels
#: and inverses.
SCHEMA_QUERY = _PREFIXES + """CONSTRUCT { ?a rdfs:subClassOf ?b . ?p owl:inverseOf ?q . ?r rdfs:label ?l . }
WHERE {
  { ?a rdfs:subClassOf ?b FILTER(isIRI(?a) && isIRI(?b)) }
  UNION { ?p owl:inverseOf ?q }
  UNION { VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property }
          ?r a ?kind ; rdfs:label ?l }
}"""

#: The entities one edge away from those in ``VALUES ?n``, by the edges :func:`kg.answers.paths.project`
#: walks: a direct triple described by a statement, or class membership; with the other end's types.
#: (The entities are listed in every branch, not once before the UNION: so an engine evaluates each
#: branch from them, instead of evaluating the branches over the whole store and joining after.)
ADJACENT_QUERY = _PREFIXES + """SELECT DISTINCT ?m ?t WHERE {
  { VALUES ?n { %(nodes)s } ?st skg:subjectEntity ?n ; skg:relation ?p ; skg:objectEntity ?m .
    FILTER EXISTS { ?n ?p ?m } ?m a ?t . }
  UNION { VALUES ?n { %(nodes)s } ?st skg:objectEntity ?n ; skg:relation ?p ; skg:subjectEntity ?m .
          FILTER EXISTS { ?m ?p ?n } ?m a ?t . }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass skg:inReferenceClass skg:correspondsToReferenceClass } ?n ?r ?m . ?m a ?t .
          FILTER(?r != skg:inReferenceClass || NOT EXISTS { ?n skg:memberOf ?stated }) }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass skg:inReferenceClass skg:correspondsToReferenceClass } ?m ?r ?n . ?m a ?t .
          FILTER(?r != skg:inReferenceClass || NOT EXISTS { ?m skg:memberOf ?stated }) }
  FILTER(isIRI(?m))
}"""
# (Whether ?t is an entity class is checked by the caller, against the class hierarchy it fetched:
# a subclass path here made engines start from every entity of every entity class. The direct
# triple is checked with FILTER EXISTS: as a pattern with a variable predicate, engines read every
# triple of a hub entity first.)

#: The statements with an end among the entities ``%(nodes)s`` and the other among ``%(others)s``.
STATEMENTS_QUERY = _PREFIXES + """SELECT DISTINCT ?st ?s ?o WHERE {
  { VALUES ?s { %(nodes)s } ?st skg:subjectEntity ?s ; skg:objectEntity ?o . VALUES ?o { %(others)s } }
  UNION { VALUES ?o { %(nodes)s } ?st skg:objectEntity ?o ; skg:subjectEntity ?s . VALUES ?s { %(others)s } }
}"""
#: The same, the other end unrestricted (checked by the caller): for a neighbourhood too large to
#: list in the query.
STATEMENTS_ANY_QUERY = _PREFIXES + """SELECT DISTINCT ?st ?s ?o WHERE {
  { VALUES ?s { %(nodes)s } ?st skg:subjectEntity ?s ; skg:objectEntity ?o . }
  UNION { VALUES ?o { %(nodes)s } ?st skg:objectEntity ?o ; skg:subjectEntity ?s . }
}"""
#: Entities a statements query lists as the other end at most (about 70 KB of query text each).
_MAX_LISTED = 1_000

#: What :func:`kg.answers.paths.project` reads about the entities in ``VALUES ?n``: types, labels and
#: class membership.
ENTITIES_QUERY = _PREFIXES + """CONSTRUCT { ?n a ?nt ; rdfs:label ?nl . ?n ?r ?m . }
WHERE {
  { VALUES ?n { %(nodes)s } ?n a ?nt }
  UNION { VALUES ?n { %(nodes)s } ?n rdfs:label ?nl }
  UNION { VALUES ?n { %(nodes)s } VALUES ?r { skg:memberOf skg:hasMember skg:subClassOfClass skg:inReferenceClass skg:correspondsToReferenceClass } ?n ?r ?m }
}"""

#: What :func:`kg.answers.paths.project` reads about the statements in ``VALUES ?st``: all their triples,
#: the direct triple they describe, its relation's label and inverse, the quotes (selectors), the
#: labels of their severity / evidence level.
STATEMENT_FACTS_QUERY = _PREFIXES + """CONSTRUCT {
  ?st ?sp ?so .
  ?s ?rel ?o . ?rel rdfs:label ?rl ; owl:inverseOf ?ri . ?rj owl:inverseOf ?rel .
  ?ev oa:hasSelector ?sel . ?sel oa:exact ?exact ; oa:start ?start .
  ?c skos:prefLabel ?cp ; rdfs:label ?cl .
}
WHERE {
  { VALUES ?st { %(statements)s } ?st ?sp ?so }
  UNION { VALUES ?st { %(statements)s } ?st skg:subjectEntity ?s ; skg:relation ?rel ; skg:objectEntity ?o .
          FILTER EXISTS { ?s ?rel ?o }
          OPTIONAL { ?rel rdfs:label ?rl } OPTIONAL { ?rel owl:inverseOf ?ri } OPTIONAL { ?rj owl:inverseOf ?rel } }
  UNION { VALUES ?st { %(statements)s } ?st skg:evidence ?ev . ?ev oa:hasSelector ?sel .
          OPTIONAL { ?sel oa:exact ?exact } OPTIONAL { ?sel oa:start ?start } }
  UNION { VALUES ?st { %(statements)s } ?st skg:severity|skg:evidenceLevel|skg:qualifier|skg:proportionQualifier ?c .
          OPTIONAL { ?c skos:prefLabel ?cp } OPTIONAL { ?c rdfs:label ?cl } }
}"""

#: Entities or statements per request.
_BATCH_NODES = 100
#: Rows an adjacency or statement request may return.
_MAX_ROWS = 5_000_000


def _iris(items) -> str:
    return " ".join(term_text(URIRef(str(i))) for i in items)


class Neighbourhood:
    """A local graph from which :func:`kg.answers.paths.project` with the same seeds and depth gives the
    same projection as on the whole graph, fetched from an engine that answers SELECT and
    CONSTRUCT queries (``select`` and ``construct``: an endpoint, or the Oxigraph store).

    It is built in two steps, so that its size follows the projection, not the graph: the
    entities within ``depth`` edges of the seeds are found level by level (:data:`ADJACENT_QUERY`),
    then their types, labels and membership are fetched, and the facts of the statements whose
    both ends are among them (a hub's statements to entities outside are never fetched). Every
    edge between those entities is then in the local graph, and every entity is reached from a
    seed through them, so the walk in :func:`kg.answers.paths.project` finds the same entities and edges.
    :meth:`to_depth` grows it: only what is new is fetched.
    """

    def __init__(self, engine, seeds: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT):
        self.engine, self.timeout = engine, timeout
        self.graph = engine.construct(SCHEMA_QUERY, timeout=timeout)
        self.depth = 0
        self.nodes: set[str] = {str(s) for s in seeds}
        self._frontier = sorted(self.nodes)
        self._described: set[str] = set()
        self._statements: set[str] = set()

    def _select(self, query: str) -> list[dict]:
        rows = self.engine.select(query, timeout=self.timeout, limit=_MAX_ROWS, contain=False)  # the project's text
        if rows.truncated:
            raise IncompleteAnswer(f"a neighbourhood query returned more than {_MAX_ROWS:,} rows")
        return rows.rows

    def _construct(self, query: str) -> None:
        self.engine.construct(query, timeout=self.timeout, into=self.graph)

    def _chunks(self, items):
        items = sorted(items)
        return (items[i:i + _BATCH_NODES] for i in range(0, len(items), _BATCH_NODES))

    def to_depth(self, depth: int) -> Graph:
        """The local graph for the entities within ``depth`` edges of the seeds."""
        classes = {str(c) for c in entity_classes(self.graph)}
        while self.depth < depth and self._frontier:
            found: set[str] = set()
            for chunk in self._chunks(self._frontier):
                found.update(r["m"] for r in self._select(ADJACENT_QUERY % {"nodes": _iris(chunk)})
                             if r["t"] in classes)
            new = found - self.nodes
            self.nodes |= new
            self._frontier = sorted(new)
            self.depth += 1
        self.depth = max(self.depth, depth)
        todo = self.nodes - self._described
        statements: set[str] = set()
        others = _iris(sorted(self.nodes)) if len(self.nodes) <= _MAX_LISTED else None
        for chunk in self._chunks(todo):
            self._construct(ENTITIES_QUERY % {"nodes": _iris(chunk)})
            query = (STATEMENTS_QUERY % {"nodes": _iris(chunk), "others": others} if others is not None
                     else STATEMENTS_ANY_QUERY % {"nodes": _iris(chunk)})
            for r in self._select(query):
                if r["s"] in self.nodes and r["o"] in self.nodes and r["st"] not in self._statements:
                    statements.add(r["st"])
        for chunk in self._chunks(statements):
            self._construct(STATEMENT_FACTS_QUERY % {"statements": _iris(chunk)})
        self._statements |= statements
        self._described |= todo
        return self.graph


def fetch_neighbourhood(engine: EndpointEngine, seeds: Iterable[str], depth: int, *,
                        timeout: float = DEFAULT_TIMEOUT) -> Graph:
    """A local graph from which :func:`kg.answers.paths.project` with these seeds and depth gives the
    projection of the whole graph (see :class:`Neighbourhood`); never the whole store."""
    return Neighbourhood(engine, seeds, timeout=timeout).to_depth(depth)


def project_remote(engine: EndpointEngine, names: Iterable[str], depth: int, *, timeout: float = DEFAULT_TIMEOUT):
    """``(G, iris)``: ``names`` resolved on the endpoint, and the projection of their
    neighbourhood (``depth`` edges) fetched from it; the same as :func:`kg.answers.paths.project` on the
    whole graph with these seeds.

    :raises NotFound: with suggestions for a name that matches nothing.
    """
    iris = [resolve_one(engine, n, timeout=timeout).iri for n in names]
    local = fetch_neighbourhood(engine, iris, depth, timeout=timeout)
    return project(local, seeds=iris, depth=depth), iris
