"""Compact JSON-LD with the project's context embedded, and a reader that never fetches a context.

The writer is the project's own small compactor rather than a general JSON-LD processor: it
groups the triples by subject into an ``@graph`` of node objects, names each predicate by its
term in ``ontology/context.jsonld`` (``label``, ``quote``, ``severity``) or else by a compact IRI
(``skg:interactsWith``), and writes a value bare only where the term's type coercion restores it
exactly; every other value is an explicit value object, so nothing is lost or retyped. It is
linear in the number of triples (rdflib's JSON-LD serialiser is ~30x slower, DESIGN.md), and
its output is sorted, so two builds are byte-identical.

The context is embedded, never referenced by URL, so reading an export needs no network, and
:func:`parse` reads JSON-LD with pyoxigraph, which has no document loader, after refusing any
context given by IRI (:mod:`kg.graph.rdfsafety`).
"""

from __future__ import annotations

import json
from functools import cache

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from kg.errors import DataError
from kg.resources import context_file

_GEN_DELIMS = ("/", "#", ":", "?", "[", "]", "@")


@cache
def context() -> dict:
    """The ``@context`` object of ``ontology/context.jsonld`` (read once per process)."""
    with open(context_file(), encoding="utf-8") as fh:
        doc = json.load(fh)
    ctx = doc.get("@context") if isinstance(doc, dict) else None
    if not isinstance(ctx, dict):
        raise DataError("the JSON-LD context file has no @context object", where=str(context_file()))
    return ctx


class _Term:
    __slots__ = ("name", "coerce", "is_set")

    def __init__(self, name: str, coerce: str | None, is_set: bool):
        self.name, self.coerce, self.is_set = name, coerce, is_set


class Compactor:
    """Turns RDF terms into compact JSON-LD under one context."""

    def __init__(self, ctx: dict):
        self.prefixes: list[tuple[str, str]] = []
        aliases: dict[str, str] = {}
        for name, value in ctx.items():
            if name.startswith("@"):
                continue
            if isinstance(value, str) and value.startswith("@"):
                aliases.setdefault(value, name)
            elif isinstance(value, str) and value.endswith(_GEN_DELIMS) and ":" not in name:
                self.prefixes.append((name, value))
        # Longest namespace first, so skgid: wins over a shorter namespace that also matches.
        self.prefixes.sort(key=lambda p: (-len(p[1]), p[0]))
        self.id_key = aliases.get("@id", "@id")
        self.type_key = aliases.get("@type", "@type")
        self.terms: dict[str, _Term] = {}
        for name, value in ctx.items():
            if name.startswith("@") or not isinstance(value, dict) or "@id" not in value:
                continue
            iri = self.expand(value["@id"])
            coerce = value.get("@type")
            if coerce not in (None, "@id"):
                coerce = self.expand(coerce)
            container = value.get("@container")
            is_set = container == "@set" or (isinstance(container, list) and "@set" in container)
            self.terms.setdefault(iri, _Term(name, coerce, is_set))

    def expand(self, value: str) -> str:
        prefix, sep, suffix = value.partition(":")
        if sep and not suffix.startswith("//"):
            for name, ns in self.prefixes:
                if name == prefix:
                    return ns + suffix
        return value

    def iri(self, iri: str) -> str:
        """``iri`` as a compact IRI (``skgid:drug/x``) where a prefix of the context covers it."""
        for name, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                return f"{name}:{iri[len(ns):]}"
        return iri

    def node_ref(self, node) -> str:
        return f"_:{node}" if isinstance(node, BNode) else self.iri(str(node))

    def key(self, predicate: URIRef) -> tuple[str, _Term | None]:
        term = self.terms.get(str(predicate))
        return (term.name, term) if term else (self.iri(str(predicate)), None)

    def value(self, obj, term: _Term | None):
        coerce = term.coerce if term else None
        if isinstance(obj, (URIRef, BNode)):
            ref = self.node_ref(obj)
            return ref if coerce == "@id" else {self.id_key: ref}
        assert isinstance(obj, Literal), obj
        lexical = str(obj)
        if obj.language:
            return {"@value": lexical, "@language": obj.language}
        datatype = str(obj.datatype) if obj.datatype and obj.datatype != XSD.string else None
        if datatype is None and coerce is None:
            return lexical
        if datatype is not None and datatype == coerce:
            return lexical
        if datatype is None:  # a plain string under a term that coerces to something else
            return {"@value": lexical}
        return {"@value": lexical, "@type": self.iri(datatype)}


def _sort_key(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def to_document(graph: Graph, ctx: dict | None = None) -> dict:
    """The graph as a compact JSON-LD document: ``{"@context": ..., "@graph": [node, ...]}``."""
    ctx = context() if ctx is None else ctx
    c = Compactor(ctx)
    by_subject: dict = {}
    for s, p, o in graph:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    nodes = []
    for s, props in by_subject.items():
        node: dict = {c.id_key: c.node_ref(s)}
        types = props.pop(RDF.type, None)
        if types:
            refs = sorted(c.node_ref(t) for t in types)
            node[c.type_key] = refs if len(refs) > 1 else refs[0]
        named = {}
        for p, objects in props.items():
            key, term = c.key(p)
            values = sorted((c.value(o, term) for o in objects), key=_sort_key)
            named[key] = values if len(values) > 1 or (term is not None and term.is_set) else values[0]
        # The label first, then context terms (short names), then compact IRIs, alphabetically.
        for key in sorted(named, key=lambda k: (k != "label", ":" in k, k)):
            node[key] = named[key]
        nodes.append(node)
    nodes.sort(key=lambda n: (n[c.id_key].startswith("_:"), n[c.id_key]))
    return {"@context": ctx, "@graph": nodes}


def dumps(graph: Graph) -> str:
    """The graph as compact, sorted JSON-LD text with the context embedded."""
    return json.dumps(to_document(graph), indent=1, ensure_ascii=False) + "\n"


def _to_rdflib(term):
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def parse(data: str | bytes, graph: Graph | None = None) -> Graph:
    """Read JSON-LD into an rdflib graph with pyoxigraph's parser, which has no document loader.

    Before it, :func:`kg.graph.rdfsafety.check_jsonld` refuses any ``@context`` or ``@import`` given
    by IRI (remote, ``file:`` or a bare path: never fetched nor opened) and nesting deeper than
    :data:`kg.graph.rdfsafety.MAX_JSON_DEPTH` (pyoxigraph's parser can crash on deep nesting).

    :raises DataError: when the text is refused or is not JSON-LD pyoxigraph can read.
    """
    import pyoxigraph as ox

    from kg.graph.rdfsafety import check_jsonld

    g = Graph(bind_namespaces="none") if graph is None else graph
    raw = data.encode("utf-8") if isinstance(data, str) else data
    check_jsonld(raw)
    try:
        for quad in ox.parse(raw, format=ox.RdfFormat.JSON_LD):
            g.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
    except (SyntaxError, ValueError) as exc:
        raise DataError(f"cannot read JSON-LD: {str(exc).splitlines()[0][:200]}") from None
    return g
