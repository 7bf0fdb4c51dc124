"""Name folding and search keys: how a name a user types is compared with the names of the graph.

The build stores :func:`search_keys` with every entity (as ``skos:hiddenLabel``) and
:mod:`kg.answers.resolve` looks names up by their :func:`fold`-ed form, so both sides fold alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def fold(name: str) -> str:
    """The comparison form of a name: NFKC, case-folded, inner whitespace collapsed.

    >>> fold("  Moon   PETAL ")
    'moon petal'
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def search_keys(names: Iterable[str]) -> list[str]:
    """The search keys the build stores (as ``skos:hiddenLabel``) for an entity with ``names``:
    the folded form of each name that is not itself one of the names, sorted.

    With them, every name of the graph is reachable from its folded form by an exact, indexed
    lookup (``queries/name-lookup.rq``): a name already in folded form matches as it is, any
    other name through its key. SKOS keeps hidden labels apart from the others (S13), hence
    "not itself one of the names".

    >>> search_keys(["zappotine", "Zappo", "ZAPPO", "Zappo  Forte"])
    ['zappo', 'zappo forte']
    """
    names = [n for n in names if n]
    return sorted({fold(n) for n in names} - set(names) - {""})
