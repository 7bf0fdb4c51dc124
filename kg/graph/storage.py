"""The Oxigraph store a build writes and every reader opens: write it, stage it, open it, load a
graph file into one, and view one as an ``rdflib.Graph``.

``kg build`` writes the graph as N-Triples and then loads that file with pyoxigraph's own parser
into a RocksDB store in the output folder (:data:`STORE_DIR`). Query commands open that store
read-only (in milliseconds, whatever the graph's size) instead of re-parsing the graph file;
:func:`rdflib_graph` wraps it for code written against rdflib's triple API (the bounded networkx
projection, exports, pictures). Querying it is :mod:`kg.sparql.oxstore`'s job.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import DataError, NotFound

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    from rdflib import Graph

#: Folder of the persistent store inside a ``kg build`` output folder.
STORE_DIR = "oxigraph"

_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

#: pyoxigraph parser format per graph file suffix.
_OX_FORMATS = {".nt": "N_TRIPLES", ".ttl": "TURTLE", ".nq": "N_QUADS", ".trig": "TRIG", ".rdf": "RDF_XML",
               ".owl": "RDF_XML", ".xml": "RDF_XML", ".n3": "N3", ".jsonld": "JSON_LD", ".json": "JSON_LD"}

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

    from kg.fileio import make_work_folder, remove_dead_work_folders

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
    first (:mod:`kg.graph.rdfsafety`: no DTD, UTF-8 only, no ``@context`` by IRI, bounded nesting): its
    bytes ``data`` when given (the caller then parses those very bytes), else the file's.

    :raises DataError: for a suffix Oxigraph does not read, or a file the check refuses.
    """
    import pyoxigraph as ox

    from kg.graph.rdfsafety import check_rdf, needs_check

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

    from kg.graph.rdfsafety import needs_check

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

    from kg.graph.build import PREFIXES

    g = Graph(store=_store_class()(store=store), identifier=DATASET_DEFAULT_GRAPH_ID, bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


#: The predicates kg.graph.build types as xsd:nonNegativeInteger (the text offsets).
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
