"""Serialise graphs deterministically: ``dumps(graph, fmt) -> str`` and ``dump(graph, path, fmt)``.

Turtle comes from rdflib's serializer, which orders subjects, predicates and objects itself;
N-Triples lines are sorted, since rdflib writes them in hash order.
"""

from __future__ import annotations

import os

from rdflib import Graph

from .errors import UsageError
from .fileio import write_text


def _turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def _ntriples(graph: Graph) -> str:
    lines = graph.serialize(format="nt11").splitlines()
    return "".join(line + "\n" for line in sorted(set(lines)) if line.strip())


#: Format name -> serialiser. Later modules register more formats here.
WRITERS = {
    "turtle": _turtle,
    "ntriples": _ntriples,
}

EXTENSIONS = {"turtle": ".ttl", "ntriples": ".nt"}


def dumps(graph: Graph, fmt: str) -> str:
    """The graph as text in format ``fmt``.

    :raises UsageError: for an unknown format.
    """
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; expected one of: {', '.join(WRITERS)}") from None
    return writer(graph)


def dump(graph: Graph, path: str | os.PathLike, fmt: str) -> None:
    """Write the graph to ``path`` atomically."""
    write_text(path, dumps(graph, fmt))
