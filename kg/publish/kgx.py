"""KGX (Biolink) nodes and edges TSV.

Nodes are the graph's entities (instances of the ontology's entity classes); edges are the direct
entity-to-entity triples. An edge that a statement node stands behind carries that statement: its
IRI as the edge ``id`` and every one of its attributes (severity, evidence level, finding
direction, quotes, section, ...) as a column. Direct triples with no statement behind them (drug
class membership) get a stable id made from the triple.

Categories and predicates come from the ontology's Biolink alignments (``rdfs:subClassOf`` /
``rdfs:subPropertyOf`` chains through the project's own terms, ``owl:equivalentClass`` /
``owl:equivalentProperty``), never from a table in code: the nearest Biolink term wins, the
generic roots (``biolink:NamedThing``, ``biolink:related_to``) only when nothing more specific is
aligned. Only entailing links count: a SKOS match is not one (the ontology states none on its
classes and properties; overlaps are in ``ontology/mappings.sssom.tsv``), and an alignment to
another vocabulary (OBO RO, schema.org) is not followed, since KGX predicates are Biolink ones; a
term aligned with RO states its Biolink predicate beside it. The project's own class and
predicate stay in ``skg_category`` and ``original_predicate``.

Format (KGX TSV): a header row, one record a line, tab-separated, multivalued fields joined with
``|``, identifiers as CURIEs. Values never contain tabs or line breaks (they are replaced by
spaces; the build normalises whitespace in quotes anyway).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from functools import cache

from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, URIRef

from kg.vocab import BIOLINK, ID, SKG

#: Column order; statement attribute columns follow the fixed ones, sorted.
NODE_COLUMNS = ["id", "category", "name", "description", "synonym", "xref", "skg_close_match", "iri",
                "skg_category", "provided_by"]
EDGE_COLUMNS = ["id", "subject", "predicate", "object", "original_predicate", "relation_label",
                "knowledge_level", "agent_type", "primary_knowledge_source", "statement_category", "name"]

KNOWLEDGE_SOURCE = "infores:skg"
ROOT_CATEGORY = BIOLINK.NamedThing
ROOT_PREDICATE = BIOLINK.related_to
LIST_SEPARATOR = "|"

#: Statement properties that become the edge's own columns rather than attributes.
_STRUCTURAL = {SKG.subjectEntity, SKG.objectEntity, SKG.relation, RDF.type, RDFS.label}


def _biolink_alignment(onto: Graph, term: URIRef, up: URIRef, root: URIRef) -> URIRef:
    """The nearest Biolink term above ``term`` through ``up`` links and OWL equivalences."""
    seen = {term}
    queue = deque([(term, 0)])
    found: list[tuple[int, int, str]] = []
    while queue:
        node, dist = queue.popleft()
        targets = set(onto.objects(node, up))
        if up == RDFS.subPropertyOf:
            targets |= set(onto.objects(node, OWL.equivalentProperty))
        else:
            targets |= set(onto.objects(node, OWL.equivalentClass))
        for t in targets:
            if not isinstance(t, URIRef):
                continue
            if str(t).startswith(str(BIOLINK)):
                found.append((dist + 1, t == root, str(t)))
            elif t not in seen and str(t).startswith(str(SKG)):
                seen.add(t)
                queue.append((t, dist + 1))
    if not found:
        return root
    # Specific before generic, then nearest, then by name (deterministic).
    return URIRef(min(found, key=lambda f: (f[1], f[0], f[2]))[2])


@cache
def category_of(cls: URIRef) -> URIRef:
    """The Biolink category the ontology aligns ``cls`` with (``biolink:NamedThing`` if none)."""
    from kg.schema import ontology

    return _biolink_alignment(ontology(), cls, RDFS.subClassOf, ROOT_CATEGORY)


@cache
def predicate_of(prop: URIRef) -> URIRef:
    """The Biolink predicate the ontology aligns ``prop`` with (``biolink:related_to`` if none)."""
    from kg.schema import ontology

    return _biolink_alignment(ontology(), prop, RDFS.subPropertyOf, ROOT_PREDICATE)


@cache
def _entity_classes() -> frozenset[URIRef]:
    from kg.schema import ontology

    onto = ontology()
    out, queue = set(), [SKG.Entity]
    while queue:
        c = queue.pop()
        if c not in out:
            out.add(c)
            queue.extend(x for x in onto.subjects(RDFS.subClassOf, c) if isinstance(x, URIRef))
    return frozenset(out)


#: Prefix of the project's instance IRIs in KGX; a folder of the IRI path becomes part of it.
ID_PREFIX = "skgid"


class _Curies:
    """IRIs as CURIEs that KGX accepts: a local part without ``/`` or ``:``.

    Instance IRIs get a prefix per folder of their path (``skgid.drug:example`` is
    ``https://w3id.org/skg/id/drug/example``, ``skgid.statement.mono:int-example`` a
    statement), so every id expands back to its IRI; other IRIs use the external identifier
    map (``MESH:D010672``), Biolink and the JSON-LD context's prefixes.
    """

    def __init__(self):
        from kg.graph.jsonld import context
        from kg.curation.xrefs import prefix_map

        pairs = [(ns, prefix) for prefix, ns in prefix_map().items()]
        pairs += [(ns, prefix) for prefix, ns in context().items()
                  if isinstance(ns, str) and not prefix.startswith("@") and ns.endswith(("/", "#"))]
        pairs.append((str(BIOLINK), "biolink"))
        self.pairs = sorted(set(pairs), key=lambda p: (-len(p[0]), p[1]))

    def __call__(self, iri) -> str:
        text = str(iri)
        if text.startswith(str(ID)):
            folder, _, local = text[len(str(ID)):].rpartition("/")
            if local and ":" not in local:
                return f"{ID_PREFIX}.{folder.replace('/', '.')}:{local}" if folder else f"{ID_PREFIX}:{local}"
        for ns, prefix in self.pairs:
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return text


def _clean(value: str) -> str:
    return " ".join(str(value).replace("\t", " ").splitlines()) if any(c in str(value) for c in "\t\r\n") else str(value)


def _cell(values: Iterable, curie) -> str:
    texts = sorted({curie(v) if isinstance(v, URIRef) else _clean(v) for v in values if not isinstance(v, BNode)})
    return LIST_SEPARATOR.join(texts)


def _column(name: str) -> str:
    """``evidenceLevel`` -> ``evidence_level``; ``skg:foo`` -> ``foo``."""
    local = name.rsplit(":", 1)[-1]
    return "".join("_" + c.lower() if c.isupper() else c for c in local).lstrip("_")


def tables(graph: Graph) -> tuple[list[dict], list[dict]]:
    """The KGX node and edge records of ``graph`` (dicts of column -> cell text), sorted."""
    from kg.graph.jsonld import Compactor, context

    curie = _Curies()
    keys = Compactor(context())
    classes = _entity_classes()
    entities: dict[URIRef, URIRef] = {}
    for s, cls in graph.subject_objects(RDF.type):
        if cls in classes and isinstance(s, URIRef) and cls != SKG.Entity:
            entities.setdefault(s, cls)
            if str(cls) < str(entities[s]):
                entities[s] = cls
    nodes = []
    for node, cls in entities.items():
        nodes.append({
            "id": curie(node),
            "category": curie(category_of(cls)),
            "name": _cell(graph.objects(node, RDFS.label), curie),
            "description": _cell(graph.objects(node, SKG.description), curie),
            "synonym": _cell(list(graph.objects(node, SKOS.altLabel)) + list(graph.objects(node, SKG.brandName)), curie),
            "xref": _cell(graph.objects(node, SKOS.exactMatch), curie),
            "skg_close_match": _cell(graph.objects(node, SKOS.closeMatch), curie),
            "iri": str(node),
            "skg_category": curie(cls),
            "provided_by": KNOWLEDGE_SOURCE,
        })
    nodes.sort(key=lambda r: r["id"])

    behind: dict[tuple, list[URIRef]] = {}
    for stmt, subj in graph.subject_objects(SKG.subjectEntity):
        triple = (subj, graph.value(stmt, SKG.relation), graph.value(stmt, SKG.objectEntity))
        behind.setdefault(triple, []).append(stmt)
    edges = []
    for s, p, o in graph:
        if s not in entities or o not in entities or p == RDF.type:
            continue
        base = {
            "subject": curie(s),
            "predicate": curie(predicate_of(p)),
            "object": curie(o),
            "original_predicate": curie(p),
            "relation_label": _cell(graph.objects(p, RDFS.label), curie) or _cell(_labels(p), curie),
            "knowledge_level": "knowledge_assertion",
            "agent_type": "manual_agent",
            "primary_knowledge_source": KNOWLEDGE_SOURCE,
        }
        statements = behind.get((s, p, o))
        if not statements:
            digest = hashlib.sha256(f"{s} {p} {o}".encode()).hexdigest()[:16]
            edges.append({**base, "id": curie(ID[f"edge/{digest}"])})
            continue
        for stmt in statements:
            row = {**base, "id": curie(stmt), "name": _cell(graph.objects(stmt, RDFS.label), curie),
                   "statement_category": _cell(graph.objects(stmt, RDF.type), curie)}
            by_column: dict[str, list] = {}
            for prop, value in graph.predicate_objects(stmt):
                if prop in _STRUCTURAL:
                    continue
                by_column.setdefault(_column(keys.key(prop)[0]), []).append(value)
            for column, values in by_column.items():
                row[column] = _cell(values, curie)
            edges.append(row)
    edges.sort(key=lambda r: (r["subject"], r["original_predicate"], r["object"], r["id"]))
    return nodes, edges


def _labels(p: URIRef):
    from kg.schema import ontology

    return ontology().objects(p, RDFS.label)


def _tsv(rows: list[dict], fixed: list[str]) -> str:
    extra = sorted({k for r in rows for k in r} - set(fixed))
    columns = fixed + extra
    lines = ["\t".join(columns)]
    lines += ["\t".join(r.get(c, "") for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def dumps(graph: Graph) -> dict[str, str]:
    """``{"nodes": nodes TSV text, "edges": edges TSV text}``."""
    nodes, edges = tables(graph)
    return {"nodes": _tsv(nodes, NODE_COLUMNS), "edges": _tsv(edges, EDGE_COLUMNS)}
