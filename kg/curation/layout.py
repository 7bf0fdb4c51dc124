"""A monograph text in the clinical layout, read and cut up: the text read as UTF-8 under a size
cap, its paragraphs, the fixed headings that start its parts ("Possibly Effective for:",
"Special Precautions & Warnings:" ...), its sections and sentences. :mod:`kg.curation.ingest`
drafts records from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from kg.errors import DataError
from kg.fileio import FileRefused, read_regular_file

#: Largest monograph text ``kg ingest`` reads; monographs are tens of kilobytes.
MAX_TEXT_BYTES = 5 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# Reading the text


def read_monograph_text(path: Path) -> str:
    """The text of ``path`` as the data-file loader will see it (UTF-8, ``\\n`` line ends).

    :raises DataError: for a missing, oversized (> :data:`MAX_TEXT_BYTES`), binary, non-UTF-8
        or empty file, and for anything but a regular file (a folder, FIFO or device is refused
        from its ``stat``, never opened in a way that blocks). The size is checked before
        anything is read (:func:`kg.fileio.read_regular_file`).
    """
    where = str(path)
    limit_mb = MAX_TEXT_BYTES // 2**20
    try:
        data = read_regular_file(path, limit=MAX_TEXT_BYTES, what="text file")
    except FileRefused as exc:
        if exc.kind == "a folder":
            raise DataError("is a folder, not a monograph text", where=where) from None
        if exc.reason == "too-large":
            raise DataError(f"text file is {exc.size / 2**20:.1f} MB; kg ingest reads monographs of at most "
                            f"{limit_mb} MB", where=where) from None
        raise
    return _decode(data, where)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"text file is not UTF-8 text (bad byte at offset {exc.start}); is it binary?",
                        where=where) from None
    bad = _CONTROL.search(text)
    if bad:
        raise DataError(f"text file holds binary data (control byte {ord(bad.group()):#04x} at offset {bad.start()}),"
                        " not monograph text", where=where)
    # Path.read_text (which the loader uses) turns \r\n and \r into \n: offsets must agree.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DataError("text file is empty", where=where)
    return text


# --------------------------------------------------------------------------------------------
# Paragraphs, headings and sections


@dataclass
class Paragraph:
    start: int  # offsets in the text of the first and after the last non-space character
    end: int
    line: int
    text: str


@dataclass(frozen=True)
class Heading:
    kind: str  # "effectiveness", "side-effects", "precautions", "interactions", "dosing"
    section_id: str
    level: str | None = None  # evidence level code, for effectiveness headings


#: Normalised heading text (lower case, no colon, "&" as "and") -> what it starts.
HEADINGS = {
    "effective for": Heading("effectiveness", "effective", "effective"),
    "likely effective for": Heading("effectiveness", "likely-effective", "likely-effective"),
    "possibly effective for": Heading("effectiveness", "possibly-effective", "possibly-effective"),
    "possibly ineffective for": Heading("effectiveness", "possibly-ineffective", "possibly-ineffective"),
    "likely ineffective for": Heading("effectiveness", "likely-ineffective", "likely-ineffective"),
    "ineffective for": Heading("effectiveness", "ineffective", "ineffective"),
    "insufficient evidence for": Heading("effectiveness", "insufficient-evidence", "insufficient-evidence"),
    "insufficient reliable evidence to rate for": Heading("effectiveness", "insufficient-evidence",
                                                          "insufficient-evidence"),
    "side effects": Heading("side-effects", "side-effects"),
    "side affects": Heading("side-effects", "side-effects"),
    "special precautions and warnings": Heading("precautions", "precautions"),
    "interactions with other drugs and medications": Heading("interactions", "interactions"),
    "the following doses have been studied in scientific research": Heading("dosing", "dosing"),
}


def heading_of(line: str) -> Heading | None:
    """The heading ``line`` is, if it is one of :data:`HEADINGS` (case and colon do not matter).

    >>> heading_of("Side affects:").kind
    'side-effects'
    >>> heading_of("Possibly Effective for: marsh fever") is None
    True
    """
    key = " ".join(line.replace("&", " and ").split()).rstrip(":").strip().lower()
    return HEADINGS.get(key)


#: The first line of an interaction block: severity, then the advice for the combination.
_BLOCK_HEADER = re.compile(r"""
    ^(?P<severity>Major|Moderate|Minor)\s+Interaction\b   # "Moderate Interaction"
    [\s:]*(?P<advice>[^\n]*?)[\s:]*$                      # "Be cautious with this combination:"
""", re.X | re.I)


def paragraphs(text: str) -> list[Paragraph]:
    """Blocks of non-blank lines; a heading line is always a paragraph of its own."""
    out: list[Paragraph] = []
    block: list[tuple[int, int, int]] = []  # (start, end, line number) of the block's lines

    def close() -> None:
        if block:
            start, end = block[0][0], block[-1][1]
            out.append(Paragraph(start, end, block[0][2], text[start:end]))
            block.clear()

    pos = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            span = (start, start + len(stripped), number)
            if heading_of(stripped) or _BLOCK_HEADER.match(stripped):
                close()
                block.append(span)
                close()
            else:
                block.append(span)
        else:
            close()
        pos += len(line)
    close()
    return out


@dataclass
class Section:
    heading: Heading
    title: str
    para: Paragraph
    body: list[Paragraph] = field(default_factory=list)


def split_sections(paras: list[Paragraph]) -> tuple[list[Paragraph], list[Section]]:
    """Paragraphs before the first known heading, and the known sections in text order."""
    intro: list[Paragraph] = []
    sections: list[Section] = []
    for p in paras:
        heading = heading_of(p.text)
        if heading:
            sections.append(Section(heading, p.text.strip().rstrip(":").strip(), p))
        elif sections:
            sections[-1].body.append(p)
        else:
            intro.append(p)
    return intro, sections


#: Where one sentence ends and the next starts: ". " before a capital, digit, quote or bracket.
_SENTENCE_BREAK = re.compile(r"""
    (?<=[.!?])          # a full stop, question or exclamation mark,
    ["')\]]?            # perhaps closing a quotation or a bracket,
    \s+                 # then whitespace,
    (?=["'(\[]?[A-Z0-9])  # then what starts a sentence
""", re.X)


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]``, in text offsets.

    >>> t = "Burnt toast. Taking it by mouth (by spoon). Done"
    >>> [t[s:e] for s, e in sentences(t, 0, len(t))]
    ['Burnt toast.', 'Taking it by mouth (by spoon).', 'Done']
    """
    out, pos = [], start
    for m in _SENTENCE_BREAK.finditer(text, start, end):
        out.append(_trim(text, pos, m.start()))
        pos = m.end()
    out.append(_trim(text, pos, end))
    return [s for s in out if s[0] < s[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
