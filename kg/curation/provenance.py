"""Locate verbatim quotes in a source text, whitespace-normalised.

A curated quote may wrap lines differently from the source; runs of whitespace (spaces, tabs,
newlines) count as one space on both sides. Offsets are always those of the original text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.fileio import decode_text, read_regular_file

#: Largest source text a data file may name (monographs are tens of kilobytes). Read at most
#: this plus one byte, from a regular file only (see :func:`kg.fileio.read_regular_file`).
MAX_SOURCE_TEXT_BYTES = 20 * 1024 * 1024

_WS = re.compile(r"\s+")


@dataclass
class SourceText:
    """A source text with a whitespace-normalised view and a map back to original offsets."""

    raw: str
    path: Path | None = None
    _norm: str = field(init=False, repr=False)
    _index: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        chars: list[str] = []
        index: list[int] = []
        pos = 0
        for m in _WS.finditer(self.raw):
            chars.extend(self.raw[pos:m.start()])
            index.extend(range(pos, m.start()))
            chars.append(" ")
            index.append(m.start())
            pos = m.end()
        chars.extend(self.raw[pos:])
        index.extend(range(pos, len(self.raw)))
        self._norm = "".join(chars)
        self._index = index

    @classmethod
    def read(cls, path: Path) -> "SourceText":
        """The text of ``path`` (UTF-8, line ends as ``\\n``), a regular file of at most
        :data:`MAX_SOURCE_TEXT_BYTES`.

        :raises DataError: for a missing, irregular (FIFO, device, folder) or oversized file.
        :raises UnicodeDecodeError: when it is not UTF-8.
        """
        return cls(decode_text(read_regular_file(path, limit=MAX_SOURCE_TEXT_BYTES, what="source text")), path=path)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw.encode("utf-8")).hexdigest()

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) of ``quote`` in the original text, whitespace-normalised.

        >>> SourceText("a  b\\nc a b c").find_all("a b c")
        [(0, 6), (7, 12)]
        """
        needle = _WS.sub(" ", quote).strip()
        if not needle:
            return []
        out = []
        start = self._norm.find(needle)
        while start != -1:
            end = start + len(needle)
            out.append((self._index[start], self._index[end - 1] + 1))
            start = self._norm.find(needle, start + 1)
        return out
