"""Serialise graphs deterministically: ``dumps(graph, fmt) -> str`` and ``dump(graph, path, fmt)``.

Turtle comes from rdflib's serializer, which orders subjects, predicates and objects itself;
N-Triples lines are sorted, since rdflib writes them in hash order. JSON-LD is compact with the
project's context embedded (:mod:`kg.graph.jsonld`); GraphML and Cytoscape JSON are written from the
networkx projection (:mod:`kg.publish.graphexport`); KGX is two TSV files, nodes and edges (:mod:`kg.publish.kgx`).

Every file is rendered in memory first and then written atomically (a temporary file renamed
over the target), so a failure never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from rdflib import Graph

from kg.errors import UsageError
from kg.fileio import atomic_open, local_path, write_text
from kg.graph.build import ntriples_lines


def _turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def _ntriples(graph: Graph) -> str:
    return "".join(line + "\n" for line in sorted(ntriples_lines(graph)))


def _jsonld(graph: Graph) -> str:
    from kg.graph.jsonld import dumps as jsonld_dumps

    return jsonld_dumps(graph)


def _graphml(graph: Graph) -> str:
    from kg.publish.graphexport import graphml

    return graphml(graph)


def _cytoscape(graph: Graph) -> str:
    from kg.publish.graphexport import cytoscape

    return cytoscape(graph)


def _kgx(graph: Graph) -> dict[str, str]:
    from kg.publish.kgx import dumps as kgx_dumps

    return kgx_dumps(graph)


#: Format name -> serialiser. Later modules register more formats here.
WRITERS = {
    "turtle": _turtle,
    "ntriples": _ntriples,
    "jsonld": _jsonld,
    "graphml": _graphml,
    "cytoscape": _cytoscape,
}

#: Formats written as several files: name -> serialiser returning ``{part: text}``.
MULTI_WRITERS = {
    "kgx": _kgx,
}

#: Every format name, in the order the CLI lists them.
FORMATS = [*WRITERS, *MULTI_WRITERS]

EXTENSIONS = {"turtle": ".ttl", "ntriples": ".nt", "jsonld": ".jsonld", "graphml": ".graphml", "cytoscape": ".json"}
#: File name suffix of each part of a multi-file format (KGX convention: ``<name>_nodes.tsv``).
PART_SUFFIXES = {"kgx": {"nodes": "_nodes.tsv", "edges": "_edges.tsv"}}
#: Prefix used for a multi-file format written into a folder.
FOLDER_PREFIX = {"kgx": "kgx"}


def dumps(graph: Graph, fmt: str) -> str:
    """The graph as text in format ``fmt``.

    :raises UsageError: for an unknown format, or one written as several files (see
        :func:`dumps_parts`).
    """
    if fmt in MULTI_WRITERS:
        raise UsageError(f"format {fmt!r} is written as several files ({', '.join(PART_SUFFIXES[fmt])}); "
                         "give a file name prefix or a folder, not standard output")
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}") from None
    return writer(graph)


def part_paths(path: str | os.PathLike, fmt: str) -> dict[str, Path]:
    """Where each part of a multi-file format goes: ``PREFIX_nodes.tsv``, ``PREFIX_edges.tsv``;
    for an existing folder (or a path ending in ``/``), ``kgx_nodes.tsv`` ... inside it.

    >>> sorted(str(p) for p in part_paths("out/mygraph", "kgx").values())
    ['out/mygraph_edges.tsv', 'out/mygraph_nodes.tsv']
    """
    text = os.fspath(path)
    target = local_path(text, what="output")
    if target.is_dir() or text.endswith(("/", os.sep)):
        target = target / FOLDER_PREFIX[fmt]
    return {part: target.with_name(target.name + suffix) for part, suffix in PART_SUFFIXES[fmt].items()}


def dumps_parts(graph: Graph, fmt: str) -> dict[str, str]:
    """Every file of format ``fmt`` as ``{part: text}`` (``{"": text}`` for a one-file format)."""
    if fmt in MULTI_WRITERS:
        return MULTI_WRITERS[fmt](graph)
    return {"": dumps(graph, fmt)}


def write_parts(texts: dict[Path, str]) -> None:
    """Write several files so that none is replaced unless all were written in full.

    Each goes to a temporary file first; the renames happen only after every file is complete.
    """
    with contextlib.ExitStack() as stack:
        handles = [(stack.enter_context(atomic_open(p, "w")), text) for p, text in texts.items()]
        for fh, text in handles:
            fh.write(text)


def dump(graph: Graph, path: str | os.PathLike, fmt: str) -> list[Path]:
    """Write the graph to ``path`` atomically (for KGX, ``path`` is a prefix or a folder);
    returns the files written.

    :raises UsageError: for an unknown format or a folder that does not exist.
    """
    if fmt in MULTI_WRITERS:
        paths = part_paths(path, fmt)
        parts = MULTI_WRITERS[fmt](graph)
        write_parts({paths[part]: parts[part] for part in paths})
        return list(paths.values())
    text = dumps(graph, fmt)
    write_text(path, text)
    return [Path(path)]
