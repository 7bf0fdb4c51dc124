"""Draft a monograph data file from a monograph text in the clinical layout.

The clinical layout is a plain-text monograph whose parts start with fixed headings on lines of
their own: the evidence headings ("Likely Effective for:", "Possibly Ineffective for:",
"Insufficient Evidence for:" ...), "Side effects:" (also misspelt "Side affects:"), "Special
Precautions & Warnings:", "Interactions with other drugs and medications:" (with "Major",
"Moderate" and "Minor Interaction" blocks) and "The following doses have been studied in
scientific research:". :func:`draft` reads such a text and drafts records in the format of
``docs/data-format.md``, each with its verbatim quote:

* effectiveness: one record per "Condition. text" paragraph; the level is the heading's, the
  routes come from phrases ("by mouth", "intravenously", "feeding tube", "to the skin");
* precautions: one record per "Subject: text" paragraph; "do not use" makes it ``do-not-use``,
  "avoid" ``avoid``, anything else ``caution``;
* safety limits: every amount ("up to 40 grams daily", "0.7 grams per kg of weight daily") in a
  paragraph that carries a safety rating (LIKELY SAFE, POSSIBLY UNSAFE ..., misspellings
  tolerated), with its route, age band ("aged 3 to 18 years") or population ("adults" are taken
  to be 18 and over);
* interactions: one record per "X interacts with SUBSTANCE" item, with the block's severity and
  advice, the mechanism text, and "Some ... include drug (Brand), ..." lists turned into Drug
  entities that are members of the class;
* dosing: one record per "For indication: amounts ..." paragraph.

Entities get ids slugified from their names and guessed types. Whatever the draft could not
place (paragraphs before the first known heading, sentences no record quotes) is listed in the
report, for a reviewer to curate by hand. The draft is a starting point, never curated data.

The text is read and cut into paragraphs, headings and sections by :mod:`kg.curation.layout`;
routes, ratings, amounts, ages, populations and entity ids come from :mod:`kg.curation.phrases`;
the draft being built is :class:`kg.curation.draft.Draft`, and each kind of section has its
drafter (:mod:`~kg.curation.draft_assessments`, :mod:`~kg.curation.draft_interactions`,
:mod:`~kg.curation.draft_dosing`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kg.errors import DataError, UsageError
from kg.curation.layout import Paragraph, Section, paragraphs, read_monograph_text, sentences, split_sections
from kg.curation.phrases import slug
from kg.curation.records import FORMAT
from kg.curation.draft import Draft
from kg.curation.draft_assessments import draft_effectiveness, draft_precautions, draft_side_effects
from kg.curation.draft_dosing import draft_dosing
from kg.curation.draft_interactions import draft_interactions

DEFAULT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"


# --------------------------------------------------------------------------------------------
# The whole draft

DRAFTERS = {
    "effectiveness": draft_effectiveness,
    "side-effects": draft_side_effects,
    "precautions": draft_precautions,
    "interactions": draft_interactions,
    "dosing": draft_dosing,
}


@dataclass
class IngestResult:
    document: dict  # the data file, as plain data
    yaml_text: str
    report: list[str]  # what could not be placed, one line each
    counts: dict[str, int]


def draft(text_path: str | os.PathLike, name: str, out_path: str | os.PathLike, *, title: str | None = None,
          licence: str = DEFAULT_LICENCE) -> IngestResult:
    """Draft the data file ``out_path`` would hold for the monograph text ``text_path`` (nothing is written).

    :raises DataError: for a text that is unreadable, too large, binary, empty or in another layout.
    :raises UsageError: for a ``name`` with no letters or digits.
    """
    text_path, out_path = Path(text_path), Path(out_path)
    substance = slug(name, max_len=80)
    if not substance:
        raise UsageError(f"--name {name!r} has no letters or digits to make an id from")
    text = read_monograph_text(text_path)
    intro, sections = split_sections(paragraphs(text))
    if not sections:
        raise DataError("no section headings of the clinical monograph layout found (such as 'Possibly Effective "
                        "for:' or 'Interactions with other drugs and medications:'); nothing to draft",
                        where=str(text_path))
    d = Draft(text=text, substance=substance)
    d.entity(name.strip(), "Substance", eid=substance)
    for section in sections:
        DRAFTERS[section.heading.kind](d, section)
    document = _document(d, text_path, out_path, name.strip(), title or name.strip(), licence, intro, sections)
    report = _report(d, intro, sections)
    counts = {k: len(v) for k, v in d.records.items()} | {"entities": len(d.entities)}
    return IngestResult(document, render(document, text_path), report, counts)


def _document(d: Draft, text_path: Path, out_path: Path, name: str, title: str, licence: str,
              intro: list[Paragraph], sections: list[Section]) -> dict:
    monograph = {
        "id": d.substance,
        "title": title,
        "substance": d.substance,
        "source_text": source_text_path(text_path, out_path),
        "licence": licence,
        "version": "0.1.0",
        "curated_by": "kg ingest (automatic draft, not reviewed)",
        "documents": [{"id": "clinical", "title": f"{title} monograph", "kind": "clinical monograph",
                       "note": f"Drafted by kg ingest from {text_path.name}."}],
        "sections": _section_entries(d, intro, sections),
    }
    doc = {"format": FORMAT, "monograph": monograph, "entities": list(d.entities.values())}
    doc.update({kind: records for kind, records in d.records.items() if records})
    return doc


def source_text_path(text_path: Path, out_path: Path) -> str:
    """``text_path`` relative to the folder of ``out_path``, or absolute when it cannot be."""
    target = text_path.resolve()
    try:
        return Path(os.path.relpath(target, out_path.resolve().parent)).as_posix()
    except ValueError:  # another drive
        return str(target)


def _section_entries(d: Draft, intro: list[Paragraph], sections: list[Section]) -> list[dict]:
    out, seen = [], set()
    if intro:
        start = unique_start(d.text, intro[0].start)
        if start:
            out.append({"id": "introduction", "title": "Introduction (not drafted)", "document": "clinical",
                        "starts": start})
            seen.add("introduction")
    for s in sections:
        sid, n = s.heading.section_id, 1
        while sid in seen:
            n += 1
            sid = f"{s.heading.section_id}-{n}"
        start = unique_start(d.text, s.para.start)
        if start is None:
            d.note(s.para.line, f"heading {s.title!r}: no unique text to mark where it starts; not a section")
            continue
        seen.add(sid)
        out.append({"id": sid, "title": s.title, "document": "clinical", "starts": start})
    return out


def unique_start(text: str, pos: int, max_words: int = 40) -> str | None:
    """The shortest run of words from ``pos`` (at least its line) that occurs once in ``text``.

    >>> unique_start("Effective for:\\nA.\\n\\nPossibly Effective for:\\nB.", 0)
    'Effective for: A.'
    """
    from kg.curation.provenance import SourceText

    source = SourceText(text)
    line_end = text.find("\n", pos)
    first = text[pos:line_end if line_end != -1 else len(text)].split()
    words = text[pos:].split()
    for n in range(max(1, len(first)), min(len(words), max_words) + 1):
        candidate = " ".join(words[:n])
        spans = source.find_all(candidate)
        if len(spans) == 1 and spans[0][0] == pos:
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Report and output


def _report(d: Draft, intro: list[Paragraph], sections: list[Section]) -> list[str]:
    lines = [f"line {p.line}: outside the known sections: {_short(p.text)}" for p in intro]
    for s in sections:
        for p in s.body:
            for span in sentences(d.text, p.start, p.end):
                if not _covered(d, span):
                    lines.append(f"line {_line_of(d.text, span[0])}: [{s.title}] no record: "
                                 f"{_short(d.text[span[0]:span[1]])}")
    return lines + d.notes


def _covered(d: Draft, span: tuple[int, int]) -> bool:
    """Whether the quotes cover the sentence, but for punctuation and joining words."""
    uncovered, pos = [], span[0]
    for start, end in sorted(d.covered):
        if end <= pos or start >= span[1]:
            continue
        if start > pos:
            uncovered.append(d.text[pos:start])
        pos = max(pos, end)
    uncovered.append(d.text[pos:span[1]])
    return all(re.fullmatch(r"[\W_]*(?:(?:and|or|but)\b[\W_]*)?", part.strip()) for part in uncovered)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _short(text: str, width: int = 110) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


class _Dumper(yaml.SafeDumper):
    """Never writes anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data) -> bool:  # noqa: D401 - PyYAML hook
        return True


def render(document: dict, text_path: Path) -> str:
    header = (
        f"# DRAFT written by `kg ingest` from {text_path.name}: every record is a guess from the text and\n"
        "# needs review against its quote (levels, routes, amounts, entity types and ids) before this file\n"
        "# is treated as curated data. Text the draft could not place is listed in the ingest report.\n"
    )
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return header + body
