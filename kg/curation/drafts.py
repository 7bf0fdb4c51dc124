"""Drafts: monographs nobody has reviewed yet.

``kg ingest`` writes ``curated_by: kg ingest (automatic draft, not reviewed)``; a curator who has
checked the draft against its quotes replaces that with their name. Until then the monograph is a
draft: ``kg build`` refuses it unless asked (``--allow-drafts``), and a graph built with it says so
in its metadata (``skg:reviewStatus``). Synthetic monographs (``kg synth``) say ``synthetic data``:
they are test data, not drafts.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.curation.model import Monograph
from kg.errors import UsageError

#: What ``curated_by`` says of a monograph nobody reviewed (as ``kg ingest`` writes it).
NOT_REVIEWED = "not reviewed"
#: The review status a graph's metadata gives a draft monograph.
DRAFT_STATUS = "draft, not reviewed"


def is_draft(monograph: Monograph) -> bool:
    """Does ``monograph``'s ``curated_by`` say nobody reviewed it (any letter case)?

    >>> from types import SimpleNamespace as M
    >>> is_draft(M(curated_by="kg ingest (automatic draft, not reviewed)"))
    True
    >>> is_draft(M(curated_by="J. Smith, PharmD")), is_draft(M(curated_by=None))
    (False, False)
    >>> is_draft(M(curated_by="kg synth (seed 7); synthetic data for benchmarks, not medical information"))
    False
    """
    return NOT_REVIEWED in " ".join((monograph.curated_by or "").casefold().split())


def drafts(monographs: Iterable[Monograph]) -> list[Monograph]:
    """The drafts among ``monographs``, in their order."""
    return [m for m in monographs if is_draft(m)]


def refuse_drafts(monographs: Iterable[Monograph], *, hint: str = "pass --allow-drafts") -> None:
    """Refuse a draft among ``monographs``: one line naming the first draft's file.

    :raises UsageError: for a draft, saying to review it (and ``hint``: what else to do).
    """
    found = drafts(monographs)
    if found:
        more = f" (and {len(found) - 1} more draft(s))" if len(found) > 1 else ""
        raise UsageError(f"{found[0].path}: a draft nobody reviewed (curated_by: {found[0].curated_by!r}){more}; "
                         f"review it against its quotes and put your name in curated_by, or {hint}")
