"""Open a graph to query: a ``kg build`` output folder, a graph file, or the shipped monographs.

Two backends (:data:`BACKENDS`): ``rdflib`` parses the graph file into rdflib's memory
store; ``oxigraph`` opens the persistent Oxigraph store ``kg build`` writes beside the files (or
loads the file with pyoxigraph when there is none) and wraps it as an rdflib Graph. ``auto``, the
default, takes the Oxigraph store when the folder has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import DataError, NotFound, UsageError
from kg.fileio import local_path
from kg.graph.rdfsafety import check_xml
from kg.graph.storage import load_file, memory_store, open_store, store_dir

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    from rdflib import Graph

#: Backend names the ``--backend`` option accepts; ``auto`` picks the store when one is there.
BACKENDS = ("auto", "rdflib", "oxigraph")
#: File names ``kg build`` writes, in the order a folder is searched for the graph.
GRAPH_FILES = ["graph.nt", "graph.ttl"]
FORMATS_BY_SUFFIX = {
    ".nt": "nt", ".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld",
    ".rdf": "xml", ".owl": "xml", ".xml": "xml", ".nq": "nquads", ".trig": "trig", ".n3": "n3",
}


def graph_file(path: str | Path) -> Path:
    """The graph file behind ``path`` (a file, or a ``kg build`` output folder).

    :raises NotFound: when nothing loadable is there.
    """
    p = local_path(path, what="graph")
    if p.is_dir():
        for name in GRAPH_FILES:
            if (p / name).is_file():
                return p / name
        raise NotFound(f"no graph file ({', '.join(GRAPH_FILES)}) in folder {p}; run 'kg build --out {p}' first")
    if not p.is_file():
        raise NotFound(f"no such graph file or folder: {p}")
    return p


def load_graph(path: str | Path) -> Graph:
    """Parse the graph at ``path``.

    RDF/XML and JSON-LD are checked first (:mod:`kg.graph.rdfsafety`): a DTD (entity bomb), a
    non-UTF-8 encoding, a ``@context`` by IRI or over-deep nesting is refused.

    :raises NotFound: for a missing file; :raises DataError: for one that does not parse or is
        refused.
    """
    from kg.graph.build import new_graph

    file = graph_file(path)
    fmt = FORMATS_BY_SUFFIX.get(file.suffix.lower())
    if fmt is None:
        raise DataError(f"unknown graph file type {file.suffix!r}; expected one of: {', '.join(FORMATS_BY_SUFFIX)}",
                        where=str(file))
    g = new_graph()
    if fmt == "json-ld":
        # pyoxigraph's reader, after kg.graph.rdfsafety refused any @context by IRI: rdflib's reader
        # would fetch a remote one and open a file: or bare-path one from the local disk.
        from kg.graph.jsonld import parse

        try:
            return parse(file.read_bytes(), g)
        except DataError as exc:
            raise DataError(exc.message, where=str(file)) from None
    source: dict = {"source": file}
    if fmt == "xml":
        # The bytes checked (no DTD, so no entity bomb; UTF-8; bounded depth) are the bytes
        # parsed; the file's URI stays the base of relative IRIs, as when rdflib opens it.
        data = file.read_bytes()
        try:
            check_xml(data)
        except DataError as exc:
            raise DataError(exc.message, where=str(file)) from None
        source = {"data": data, "publicID": file.absolute().as_uri()}
    try:
        g.parse(format=fmt, **source)
    except Exception as exc:  # rdflib raises many unrelated types for bad input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse graph: {first[:200]}", where=str(file)) from None
    return g


def is_build_folder(path: str | Path) -> bool:
    """Does ``path`` hold what ``kg build`` writes: ``metadata.ttl`` beside a graph file
    (:data:`GRAPH_FILES`) or the persistent store? A folder that merely has that name does not.

    >>> is_build_folder("/no/such/folder")
    False
    """
    p = Path(path)
    if not p.is_dir() or not (p / "metadata.ttl").is_file():
        return False
    return any((p / name).is_file() for name in GRAPH_FILES) or store_dir(p) is not None


def check_graph_path(path: str | Path) -> None:
    """Refuse a ``path`` that holds no graph to open (a graph file, or a folder with a graph file
    or a store), without opening it.

    :raises NotFound: saying what is missing; :raises UsageError: for a URL.
    """
    if store_dir(local_path(path, what="graph")) is None:
        graph_file(path)


_default: Graph | None = None


def default_graph() -> Graph:
    """The graph of the shipped monographs, built in memory once per process.

    :raises UsageError: when a shipped monograph is a draft nobody reviewed
        (:func:`kg.curation.drafts.refuse_drafts`): it is never part of a graph built unasked.
    """
    global _default
    if _default is None:
        from kg.curation.drafts import refuse_drafts
        from kg.graph.build import build, shipped_paths

        built = build(shipped_paths())
        refuse_drafts(built.monographs, hint="build it with 'kg build --allow-drafts' and query that folder")
        _default = built.graph
    return _default


def open_graph(path: str | Path | None, backend: str | None = None) -> Graph:
    """``path``'s graph, or the shipped monographs' graph when ``path`` is None, on ``backend``
    (``auto``, ``rdflib`` or ``oxigraph``; None means ``auto``).

    :raises UsageError: for an unknown backend.
    """
    from kg.graph.storage import rdflib_graph

    if resolve_backend(path, backend) == "oxigraph":
        return rdflib_graph(open_oxigraph(path))
    return default_graph() if path is None else load_graph(path)


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
        return memory_store(default_graph())
    if store_dir(path) is not None:
        return open_store(path)
    return load_file(graph_file(path))
