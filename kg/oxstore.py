"""The Oxigraph backend: a persistent pyoxigraph store beside the built files, and its engine.

``kg build`` writes the graph as N-Triples and then loads that file with pyoxigraph's own parser
into a RocksDB store in the output folder (:data:`STORE_DIR`). Query commands open that store
read-only (in milliseconds, whatever the graph's size) instead of re-parsing the graph file.

Two views of one store:

- :class:`OxigraphEngine` implements the :class:`kg.query.Engine` interface on pyoxigraph
  directly: parameters are bound terms in a ``VALUES`` block (escaped by :mod:`kg.query`, never
  pasted), and the same guards as the rdflib engine refuse updates, ``SERVICE`` and ``FROM``
  before the query reaches Oxigraph (which would otherwise follow ``SERVICE`` over the network).
- :func:`rdflib_graph` wraps the store as an ``rdflib.Graph`` (oxrdflib), for code written
  against rdflib's triple API: the bounded networkx projection, exports, pictures.

>>> from rdflib import Graph, Literal, URIRef
>>> g = Graph(); _ = g.add((URIRef("urn:x:a"), URIRef("urn:x:name"), Literal("Zorvex")))
>>> engine = OxigraphEngine(memory_store(g))
>>> engine.select("SELECT ?s WHERE { ?s ?p ?name }", {"name": Literal("Zorvex")}).rows
[{'s': 'urn:x:a'}]
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataError, NotFound, QueryError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    from rdflib import Graph
    from rdflib.term import Node

    from .query import Rows

#: Folder of the persistent store inside a ``kg build`` output folder.
STORE_DIR = "oxigraph"
#: Backend names the ``--backend`` option accepts; ``auto`` picks the store when one is there.
BACKENDS = ("auto", "rdflib", "oxigraph")

#: pyoxigraph parser format per graph file suffix.
_OX_FORMATS = {".nt": "N_TRIPLES", ".ttl": "TURTLE", ".nq": "N_QUADS", ".trig": "TRIG", ".rdf": "RDF_XML",
               ".owl": "RDF_XML", ".xml": "RDF_XML", ".n3": "N3", ".jsonld": "JSON_LD", ".json": "JSON_LD"}
#: Keywords that make a text an update rather than a query.
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


# ---------------------------------------------------------------------------------------------
# The persistent store
# ---------------------------------------------------------------------------------------------


def store_dir(path: str | Path) -> Path | None:
    """The persistent store behind ``path`` (a ``kg build`` output folder or the store folder
    itself), or None when there is none."""
    p = Path(path)
    if not p.is_dir():
        return None
    for candidate in (p / STORE_DIR, p):
        if (candidate / "CURRENT").is_file() and any(candidate.glob("MANIFEST-*")):
            return candidate
    return None


def write_store(graph_file: str | Path, out: str | Path) -> Path:
    """Load ``graph_file`` (N-Triples, or any format pyoxigraph parses) into a new persistent
    store at ``out`` with pyoxigraph's own parser, replacing any store there only once the new one
    is complete. Returns ``out``.

    :raises DataError: when the file does not parse.
    """
    with staged_store(graph_file, out):
        pass
    return Path(out)


@dataclass
class Staged:
    """A new store not yet in place: ``folder`` holds it; it replaces the target only if ``keep``."""

    folder: Path
    keep: bool = True


@contextlib.contextmanager
def staged_store(graph_file: str | Path, out: str | Path) -> Iterator[Staged]:
    """Load ``graph_file`` into a new persistent store in a hidden folder beside ``out``, closed,
    and yield it as :class:`Staged` (to read it, e.g. with :func:`open_store`, and close it
    again). When the block ends without an exception and ``keep`` is still true, the new store
    replaces ``out``; otherwise it is deleted and ``out`` is left as it was.

    :raises DataError: when the file does not parse.
    """
    import pyoxigraph as ox

    from .fileio import make_work_folder, remove_dead_work_folders

    source = Path(graph_file)
    target = Path(out)
    fmt = _format(source)
    # Named with this process, so that the next load removes what a killed one left.
    remove_dead_work_folders(target.parent, f".{target.name}.")
    tmp = make_work_folder(target.parent, f".{target.name}.")
    try:
        store = ox.Store(str(tmp))
        try:
            if fmt == ox.RdfFormat.N_TRIPLES:
                _bulk_load_lines(store, source)
            else:
                store.bulk_load(path=str(source), format=fmt)
        except (SyntaxError, ValueError) as exc:
            raise DataError(f"cannot load graph into Oxigraph: {str(exc).splitlines()[0][:200]}",
                            where=str(source)) from None
        store.optimize()
        store.flush()
        del store  # closes RocksDB before the folder is read or moved
        staged = Staged(tmp)
        yield staged
        if not staged.keep:
            shutil.rmtree(tmp)
            return
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


#: Lines of N-Triples per bulk load: one load of a whole 1e6-triple file takes about 900 MB in
#: Oxigraph's bulk loader, loads of 50,000 lines about 100 MB in all, and they are no slower.
BULK_LINES = 50_000


def _bulk_load_lines(store: pyoxigraph.Store, source: Path) -> None:
    """Bulk-load the N-Triples file ``source`` into ``store`` :data:`BULK_LINES` lines at a time.

    Oxigraph gives the blank nodes of each load new ids, so the lines that name a blank node go
    into one last load together (a blank node split across loads would become two)."""
    import pyoxigraph as ox

    chunk: list[bytes] = []
    blank: list[bytes] = []
    with open(source, "rb") as fh:
        for line in fh:
            (blank if b"_:" in line else chunk).append(line)
            if len(chunk) >= BULK_LINES:
                store.bulk_load(b"".join(chunk), format=ox.RdfFormat.N_TRIPLES)
                chunk.clear()
    for lines in (chunk, blank):
        if lines:
            store.bulk_load(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)


def open_store(path: str | Path) -> pyoxigraph.Store:
    """Open the persistent store at ``path`` (a build output folder or the store) read-only, so
    several processes can query it at once.

    :raises NotFound: when there is no store there.
    """
    import pyoxigraph as ox

    folder = store_dir(path)
    if folder is None:
        raise NotFound(f"no Oxigraph store in {path}; run 'kg build --out {path}' (it writes {STORE_DIR}/)")
    try:
        return ox.Store.read_only(str(folder))
    except OSError as exc:
        raise DataError(f"cannot open the Oxigraph store: {str(exc).splitlines()[0][:200]}", where=str(folder)) from None


def _format(file: Path, data: bytes | None = None):
    """The pyoxigraph format of the graph file ``file``. An RDF/XML or JSON-LD file is checked
    first (:mod:`kg.rdfsafety`: no DTD, UTF-8 only, no ``@context`` by IRI, bounded nesting): its
    bytes ``data`` when given (the caller then parses those very bytes), else the file's.

    :raises DataError: for a suffix Oxigraph does not read, or a file the check refuses.
    """
    import pyoxigraph as ox

    from .rdfsafety import check_rdf, needs_check

    name = _OX_FORMATS.get(file.suffix.lower())
    if name is None:
        raise DataError(f"Oxigraph cannot read {file.suffix!r} files; expected one of: {', '.join(_OX_FORMATS)}",
                        where=str(file))
    if needs_check(name):
        try:
            check_rdf(file.read_bytes() if data is None else data, name)
        except DataError as exc:
            raise DataError(exc.message, where=str(file)) from None
    return getattr(ox.RdfFormat, name)


def load_file(file: str | Path) -> pyoxigraph.Store:
    """A new in-memory store holding the graph file ``file`` (parsed by pyoxigraph). RDF/XML and
    JSON-LD are read once, checked by :func:`_format` and parsed from the checked bytes.

    :raises DataError: when the file does not parse or is refused.
    """
    import pyoxigraph as ox

    from .rdfsafety import needs_check

    source = Path(file)
    checked = needs_check(_OX_FORMATS.get(source.suffix.lower(), ""))
    data = source.read_bytes() if checked else None
    fmt = _format(source, data)
    store = ox.Store()
    try:
        if data is not None:
            store.bulk_load(data, format=fmt)
        else:
            store.bulk_load(path=str(source), format=fmt)
    except (SyntaxError, ValueError) as exc:
        raise DataError(f"cannot parse graph: {str(exc).splitlines()[0][:200]}", where=str(source)) from None
    return store


def memory_store(graph: Graph) -> pyoxigraph.Store:
    """A new in-memory store holding the triples of the rdflib ``graph``."""
    import pyoxigraph as ox

    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def rdflib_graph(store: pyoxigraph.Store) -> Graph:
    """``store``'s default graph as an ``rdflib.Graph`` (oxrdflib), read through Oxigraph's indexes.

    Terms come back as the rdflib memory store holds them after parsing ``graph.nt``: plain
    strings without an explicit ``xsd:string`` and whole decimals as ``4.0``, so code reading
    either graph (exports, the networkx projection) sees the same terms. ``len()`` of such a graph
    runs a COUNT over the whole store: avoid it on hot paths.
    """
    from rdflib import Graph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from .build import PREFIXES

    g = Graph(store=_store_class()(store=store), identifier=DATASET_DEFAULT_GRAPH_ID, bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


#: The predicates kg.build types as xsd:nonNegativeInteger (the text offsets).
_OFFSET_PREDICATES = ("http://www.w3.org/ns/oa#start", "http://www.w3.org/ns/oa#end",
                      "https://w3id.org/skg/ontology#startOffset", "https://w3id.org/skg/ontology#endOffset")


def _as_built(predicate: str, lexical: str, datatype: str):
    """The rdflib literal the build wrote for a typed value Oxigraph gives back.

    Oxigraph keeps values, not lexical forms: ``"4.0"^^xsd:decimal`` comes back as ``"4"`` and
    integer subtypes as ``xsd:integer``. Plain strings lose an explicit ``xsd:string``, whole
    decimals get their ``.0`` back, and the text offsets their ``xsd:nonNegativeInteger``: the
    terms the rdflib memory store holds after parsing ``graph.nt``.
    """
    from rdflib import XSD, Literal, URIRef

    if datatype == str(XSD.string):
        return Literal(lexical)
    if datatype == _DECIMAL and lexical.lstrip("+-").isdigit():
        return Literal(lexical + ".0", datatype=XSD.decimal)
    if datatype == str(XSD.integer) and str(predicate) in _OFFSET_PREDICATES:
        return Literal(lexical, datatype=XSD.nonNegativeInteger)
    return Literal(lexical, datatype=URIRef(datatype))


def _rdflib_term_converter():
    """A function turning a pyoxigraph triple into rdflib terms as the build wrote them
    (:func:`_as_built`), as :func:`rdflib_graph` reads them; IRIs are made once per text."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    cache: dict = {}

    def convert(term, predicate=None):
        if isinstance(term, ox.NamedNode):
            value = cache.get(term.value)
            if value is None:
                value = cache[term.value] = URIRef(term.value)
            return value
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        return _as_built(predicate, term.value, term.datatype.value)

    def triple(s, p, o):
        p_ = convert(p)
        return convert(s), p_, convert(o, p_)

    return triple


_STORE_CLASS = None


def _store_class():
    """oxrdflib's store, with terms read back in the rdflib memory store's form (built once)."""
    global _STORE_CLASS
    if _STORE_CLASS is None:
        from oxrdflib import OxigraphStore
        from rdflib import XSD, Literal

        offsets = set(_OFFSET_PREDICATES)

        def plain(p, o):
            if type(o) is Literal and o.datatype is not None:
                return _as_built(p, str(o), str(o.datatype))
            return o

        class Store(OxigraphStore):
            def triples(self, triple_pattern, context=None):
                s_, p_, o_ = triple_pattern
                if str(p_) in offsets and isinstance(o_, Literal) and o_.datatype == XSD.nonNegativeInteger:
                    triple_pattern = (s_, p_, Literal(str(o_), datatype=XSD.integer))
                for (s, p, o), contexts in super().triples(triple_pattern, context):
                    yield (s, p, plain(p, o)), contexts

        _STORE_CLASS = Store
    return _STORE_CLASS


def ox_store_of(graph: Any) -> pyoxigraph.Store | None:
    """The pyoxigraph store under an oxrdflib-backed ``graph`` (None for any other graph)."""
    inner = getattr(getattr(graph, "store", None), "_store", None)
    try:
        import pyoxigraph as ox
    except ImportError:  # pragma: no cover
        return None
    return inner if isinstance(inner, ox.Store) else None


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


def check_keywords(expanded: str, *, allow_remote: bool = False) -> None:
    """Refuse updates, and (unless ``allow_remote``) ``SERVICE`` and ``FROM``, by keyword.

    ``expanded`` is query text after :func:`kg.query.check_text` (escapes expanded). Keywords are
    read outside strings, IRIs and comments, with the same scanner the nesting check uses; none of
    these words can appear as a bare keyword in a read-only SPARQL query that does not use them.

    :raises QueryRefused: naming what was refused.
    """
    from .query import QueryRefused, _tokens

    # A bare word right after ':' is the local part of a prefixed name (":load"), not a keyword.
    words = {tok.upper() for pos, tok in _tokens(expanded)
             if tok[:1].isalpha() and ":" not in tok and not (pos and expanded[pos - 1] == ":")}
    updates = sorted(words & _UPDATE_WORDS)
    if updates:
        raise QueryRefused(f"read-only: SPARQL update ({', '.join(updates)}) refused; only queries "
                           "(SELECT, ASK, CONSTRUCT, DESCRIBE) are run")
    if not allow_remote:
        if "SERVICE" in words:
            raise QueryRefused("SERVICE refused: queries may not call other endpoints; "
                               "pass --allow-remote (allow_remote=True) to permit it")
        if "FROM" in words:
            raise QueryRefused("FROM refused: queries may not load other graphs (web or file); "
                               "pass --allow-remote (allow_remote=True) to permit it")


_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


def _text(term) -> str | None:
    """A term's string form as the rdflib engine gives it.

    Oxigraph stores decimals as values and writes whole ones without a fraction ("4"); the
    build writes them with one ("4.0", the XSD 1.0 canonical form rdflib keeps), so whole
    decimals get their ".0" back and both engines give the same text. (Called for every value
    of every row: the cheap tests come first.)
    """
    if term is None:
        return None
    kind, ox = type(term), _ox()
    if kind is ox.BlankNode:
        return f"_:{term.value}"
    value = term.value
    if kind is ox.Literal and value.lstrip("+-").isdigit() and term.datatype.value == _DECIMAL:
        return value + ".0"
    return value


@functools.cache
def _ox():
    import pyoxigraph

    return pyoxigraph


def _on_worker(work, deadline):
    """``work(deadline)`` on the query's worker thread. pyoxigraph's result objects must be freed
    on the thread that made them: on an error, the frames holding them are dropped here, before
    the error travels to the caller's thread."""
    try:
        return work(deadline)
    except BaseException as exc:
        exc.__traceback__ = exc.__context__ = exc.__cause__ = None
        raise exc from None


class OxigraphEngine:
    """Queries a pyoxigraph :class:`~pyoxigraph.Store` (persistent or in memory).

    Same contract as :class:`kg.query.RdflibEngine`: the same guards, bound terms, a timeout
    and a row limit. Parameters go into a ``VALUES`` block at the start of the top-level
    ``WHERE`` group, written by :func:`kg.query.values_clause` (each term escaped, never pasted
    as text), which for canned queries means what pre-bound variables mean. pyoxigraph's own
    ``substitutions`` would bind them too, but Oxigraph (0.5) does not plan with substituted
    values: a query bound to one drug took 270 ms with substitutions and 4 ms with a VALUES
    block at 1e6 triples (BENCHMARKS.md). pyoxigraph cannot cancel a query it is evaluating:
    after a timeout the caller gets :class:`~kg.query.QueryTimeout` at once, while the abandoned
    evaluation finishes in a background thread (a CLI process simply exits).
    """

    name = "oxigraph"

    def __init__(self, store: pyoxigraph.Store):
        self.store = store

    def select(self, query: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None,
               limit: int | None = None, allow_remote: bool = False, contain: bool = True,
               memory_mb: int | None = None) -> Rows:
        from .query import check_bindings, term_text

        texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
        return self.select_values(query, texts, timeout=timeout, limit=limit, allow_remote=allow_remote,
                                  contain=contain, memory_mb=memory_mb)

    def select_values(self, query: str, texts: Mapping[str, str], *, timeout: float | None = None,
                      limit: int | None = None, allow_remote: bool = False, contain: bool = True,
                      memory_mb: int | None = None) -> Rows:
        """:meth:`select` with the bound terms already written as SPARQL text, as
        :meth:`kg.query.CannedQuery.value_texts` writes them (:func:`kg.query.run_query` uses it:
        a canned query then runs without rdflib terms, or rdflib, in the process)."""
        from .query import DEFAULT_LIMIT, DEFAULT_TIMEOUT, _check_limits, checked_memory, run_with_timeout

        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        limit = DEFAULT_LIMIT if limit is None else limit
        _check_limits(timeout, limit)
        memory_mb = checked_memory(memory_mb)
        text = _bound(query, texts, allow_remote)
        return run_with_timeout(lambda deadline: self._run(text, limit, deadline), timeout, contain=contain,
                                memory_mb=memory_mb)

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None, *,
                  timeout: float | None = None, into: Graph | None = None) -> Graph:
        """The graph a CONSTRUCT (or DESCRIBE) query returns, as an rdflib Graph (the same method
        as :meth:`kg.remote.EndpointEngine.construct`, so :class:`kg.remote.Neighbourhood` fetches
        a path search's neighbourhood from the store with a few queries, not many triple lookups).
        With ``into``, the triples are added to that graph, which is returned.

        :raises UsageError: for another query form.
        """
        from rdflib import Graph

        from .query import DEFAULT_TIMEOUT, _check_limits, check_bindings, run_with_timeout, term_text

        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        _check_limits(timeout, 1)
        texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
        text = _bound(query, texts, False)

        def work(deadline) -> list[tuple]:
            import pyoxigraph as ox

            try:
                result = self.store.query(text)
            except SyntaxError as exc:
                raise QueryError(f"SPARQL syntax error: {str(exc).splitlines()[0][:300]}") from None
            if not isinstance(result, ox.QueryTriples):
                raise UsageError("construct() takes a CONSTRUCT or DESCRIBE query")
            out = []
            for i, t in enumerate(result):
                if not i & 255:
                    deadline.check()
                out.append((t.subject, t.predicate, t.object))
            return out

        triples = run_with_timeout(lambda deadline: _on_worker(work, deadline), timeout)
        g = Graph() if into is None else into
        convert = _rdflib_term_converter()
        for s, p, o in triples:
            g.add(convert(s, p, o))
        return g

    def _run(self, text: str, limit: int, deadline) -> Rows:
        return _on_worker(lambda d: self._evaluate(text, limit, d), deadline)

    def _evaluate(self, text: str, limit: int, deadline) -> Rows:
        import pyoxigraph as ox

        from .query import Rows

        try:
            result = self.store.query(text)
            if isinstance(result, ox.QueryBoolean):
                return Rows(["result"], [{"result": "true" if bool(result) else "false"}])
            if isinstance(result, ox.QueryTriples):
                columns = ["subject", "predicate", "object"]
                out: list[dict[str, str | None]] = []
                for t in result:
                    if len(out) == limit:
                        return Rows(columns, out, truncated=True)
                    out.append({"subject": _text(t.subject), "predicate": _text(t.predicate),
                                "object": _text(t.object)})
                return Rows(columns, out)
            columns = [v.value for v in result.variables]
            rows: list[dict[str, str | None]] = []
            for i, solution in enumerate(result):
                if not i & 255:
                    deadline.check()
                if len(rows) == limit:
                    return Rows(columns, rows, truncated=True)
                rows.append(dict(zip(columns, map(_text, solution))))
            return Rows(columns, rows)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {str(exc).splitlines()[0][:300]}") from None
        except OSError as exc:
            raise QueryError(f"query failed: {str(exc).splitlines()[0][:300]}") from None


def bound_text(query: str, bindings: Mapping[str, Node], *, allow_remote: bool = False) -> str:
    """The text Oxigraph runs for ``query`` with ``bindings``: the guards applied (refused
    queries raise), escapes expanded, and the bound terms as a ``VALUES`` block at the start of
    the top-level ``WHERE`` group (:func:`kg.query.term_text` writes the terms).

    :raises QueryRefused: for an update, remote access, or text too large or too deep.
    """
    from .query import check_bindings, term_text

    texts = {str(v): term_text(t) for v, t in check_bindings(bindings).items()}
    return _bound(query, texts, allow_remote)


def _bound(query: str, texts: Mapping[str, str], allow_remote: bool) -> str:
    from .query import values_text

    prepare = _prepared if isinstance(query, str) and len(query) <= 65_536 else _prepared.__wrapped__
    text, at = prepare(query, allow_remote)
    if not texts:
        return text
    if at is None:
        from .query import QueryError, top_level_where

        if "\\u" in text or "\\U" in text:
            raise QueryError("cannot place parameters in query text that uses \\u escapes")
        top_level_where(text)  # raises: there is no WHERE group
        raise QueryError("cannot place parameters in this query")
    return f"{text[:at]} {values_text(texts)}\n{text[at:]}"


@functools.lru_cache(maxsize=512)
def _prepared(query: str, allow_remote: bool) -> tuple[str, int | None]:
    """The guards and what depends on the query text alone, once per text and process (texts
    over 64 KB are not cached; no refusal is cached): the expanded text and the offset just
    inside its top-level ``WHERE`` group (None when there is none, or the expanded text still
    holds codepoint escapes and VALUES cannot be placed safely)."""
    from .query import QueryError, check_no_remote, check_text, top_level_where

    expanded = check_text(query)
    check_no_remote(query, allow_remote=allow_remote)
    check_keywords(expanded, allow_remote=allow_remote)
    if "\\u" in expanded or "\\U" in expanded:
        return expanded, None
    try:
        return expanded, top_level_where(expanded)
    except QueryError:
        return expanded, None


# ---------------------------------------------------------------------------------------------
# Choosing a backend
# ---------------------------------------------------------------------------------------------


def resolve_backend(path: str | Path | None, backend: str | None) -> str:
    """``rdflib`` or ``oxigraph`` for the graph at ``path`` (None: the shipped monographs).

    ``auto`` (the default) picks ``oxigraph`` when ``path`` holds a persistent store and
    ``rdflib`` otherwise.

    :raises UsageError: for an unknown backend name.
    """
    backend = backend or "auto"
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; expected one of: {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    return "oxigraph" if path is not None and store_dir(path) is not None else "rdflib"


def open_oxigraph(path: str | Path | None) -> pyoxigraph.Store:
    """A pyoxigraph store for ``path``: its persistent store when there is one, else the graph
    file loaded into memory; for None, the shipped monographs' graph."""
    if path is None:
        from .store import default_graph

        return memory_store(default_graph())
    if store_dir(path) is not None:
        return open_store(path)
    from .store import graph_file

    return load_file(graph_file(path))
