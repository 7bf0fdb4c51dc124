"""Render rows (lists of dicts of strings) as an aligned table, JSON, CSV or TSV.

A table fits the terminal: long cells are wrapped, never cut (clinical text is read whole), and
columns that only hold IRIs are left out of it (JSON, CSV and TSV keep every column).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import textwrap
import unicodedata
from collections.abc import Sequence

FORMATS = ["table", "json", "csv", "tsv"]
#: Width of a table when standard output is not a terminal and ``COLUMNS`` is not set.
DEFAULT_WIDTH = 100
#: A column of long text is wrapped to no fewer than this many characters (fewer is unreadable:
#: a table that cannot give each such column as much is printed as records instead).
NARROWEST_WRAPPED = 30
_IRI = re.compile(r"https?://\S+")


def clean(value) -> str:
    """A cell for a table: control characters shown escaped so a value cannot redraw the terminal."""
    text = "" if value is None else str(value)
    return "".join(c if unicodedata.category(c)[0] != "C" or c == " " else f"\\x{ord(c):02x}" for c in text)


def terminal_width() -> int:
    """Columns to fit: ``$COLUMNS`` when set, else the terminal's width when standard output is
    one, else :data:`DEFAULT_WIDTH` (so output to a file or a pipe is the same everywhere)."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return DEFAULT_WIDTH


def wrap(text: str, width: int | None = None, indent: str = "", subsequent: str | None = None) -> list[str]:
    """``text`` (control characters escaped) wrapped to ``width`` (default: the terminal's).

    >>> wrap("[1] a quote that goes on and on", 24, subsequent="    ")
    ['[1] a quote that goes on', '    and on']
    """
    width = width or terminal_width()
    subsequent = indent if subsequent is None else subsequent
    return textwrap.wrap(clean(text), width=max(width, len(subsequent) + 20), initial_indent=indent,
                         subsequent_indent=subsequent, break_on_hyphens=False) or [indent.rstrip()]


def is_iri_column(name: str) -> bool:
    """Is ``name`` the name of a column of IRIs (``iri``, ``*_iri``, ``interaction``)?"""
    return name == "iri" or name.endswith("_iri") or name == "interaction"


def iri_columns(rows: Sequence[dict], columns: Sequence[str]) -> list[str]:
    """The ``columns`` a table leaves out: those named as IRI columns (:func:`is_iri_column`)
    and those whose every value is a full http(s) IRI (statement and concept nodes), unless
    that would leave no column at all. JSON, CSV and TSV keep them.

    >>> iri_columns([{"drug": "moonwort", "statement": "https://w3id.org/skg/id/statement/g/x"}],
    ...             ["drug", "statement"])
    ['statement']
    """
    def dropped_column(c: str) -> bool:
        values = [str(r[c]) for r in rows if r.get(c) not in (None, "")]
        return all(_IRI.fullmatch(v) for v in values) and (bool(values) or is_iri_column(c))

    dropped = [c for c in columns if dropped_column(c)]
    return dropped if len(dropped) < len(columns) else []


def table(rows: Sequence[dict], columns: Sequence[str] | None = None, *, width: int | None = None,
          iris: bool = False) -> str:
    """An aligned plain-text table that fits ``width`` columns (default: :func:`terminal_width`).

    Long cells are wrapped within their column, never cut; when the columns cannot fit even so,
    each row is printed as ``column: value`` lines instead. Columns of IRIs (:func:`iri_columns`)
    are left out unless ``iris``.

    >>> print(table([{"a": "x", "b": "long"}, {"a": "yy", "b": ""}]))
    a   b
    --  ----
    x   long
    yy
    >>> print(table([{"name": "q", "text": "a sentence too long for the table, which wraps it"}], width=40))
    name  text
    ----  ----------------------------------
    q     a sentence too long for the table,
          which wraps it
    >>> print(table([{"name": "q", "text": "a sentence too long for the table, which wraps it"}], width=30))
    name: q
    text: a sentence too long for
          the table, which wraps
          it
    >>> print(table([{"drug": "moonwort", "drug_iri": "https://w3id.org/skg/id/drug/moonwort"}]))
    drug
    --------
    moonwort
    """
    columns = list(columns or (rows[0].keys() if rows else []))
    if not columns:
        return "(no rows)"
    if not iris:
        dropped = iri_columns(rows, columns)
        columns = [c for c in columns if c not in dropped]
    width = width or terminal_width()
    body = [[clean(r.get(c)) for c in columns] for r in rows]
    natural = [max([len(c)] + [len(line[i]) for line in body]) for i, c in enumerate(columns)]
    floors = [max(len(c), min(n, NARROWEST_WRAPPED)) for c, n in zip(columns, natural)]
    room = width - 2 * (len(columns) - 1)
    if sum(natural) <= room:
        widths = natural
    elif sum(floors) <= room:
        widths = _fit(natural, floors, room)
    else:
        return _records(columns, body, width)
    cells = [[textwrap.wrap(v, w, break_on_hyphens=False) or [""] for v, w in zip(line, widths)] for line in body]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    tall = any(len(cell) > 1 for line in cells for cell in line)
    for n, line in enumerate(cells):
        if tall and n:
            out.append("")  # rows of several lines each are told apart by a blank line
        for k in range(max(len(cell) for cell in line)):
            out.append("  ".join((cell[k] if k < len(cell) else "").ljust(w)
                                 for cell, w in zip(line, widths)).rstrip())
    if not rows:
        out.append("(no rows)")
    return "\n".join(out)


def _fit(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Column widths that add up to at most ``room``: the widest columns narrowed first, to one
    common width, none below its floor."""
    low, high = max(floors), max(natural)
    while low < high:  # the largest common width that fits
        mid = (low + high + 1) // 2
        if sum(max(f, min(n, mid)) for n, f in zip(natural, floors)) <= room:
            low = mid
        else:
            high = mid - 1
    widths = [max(f, min(n, low)) for n, f in zip(natural, floors)]
    spare = room - sum(widths)
    for i, n in enumerate(natural):  # what is left over, one column each, left to right
        if spare > 0 and widths[i] < n:
            widths[i] += 1
            spare -= 1
    return widths


def _records(columns: list[str], body: list[list[str]], width: int) -> str:
    """Each row as ``column: value`` lines (values wrapped), rows apart by a blank line: for
    tables too wide for the terminal even with every column wrapped."""
    key = max(len(c) for c in columns) + 2
    blocks = []
    for line in body:
        block = []
        for c, v in zip(columns, line):
            values = textwrap.wrap(v, max(width - key, 20), break_on_hyphens=False) or [""]
            block += [(f"{c}:" if k == 0 else "").ljust(key) + part for k, part in enumerate(values)]
        blocks.append("\n".join(b.rstrip() for b in block))
    return "\n\n".join(blocks) if blocks else "(no rows)"


def delimited(rows: Sequence[dict], columns: Sequence[str] | None = None, *, delimiter: str = ",") -> str:
    columns = list(columns or (rows[0].keys() if rows else []))
    buf = io.StringIO()
    if delimiter == "\t":
        # TSV: tabs and newlines inside values are escaped, not quoted.
        esc = lambda v: ("" if v is None else str(v)).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")  # noqa: E731
        lines = ["\t".join(columns)] + ["\t".join(esc(r.get(c)) for c in columns) for r in rows]
        return "\n".join(lines) + "\n"
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else str(r.get(c)) for c in columns])
    return buf.getvalue()


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None, *, iris: bool = False) -> str:
    """Rows in ``fmt``; JSON is a list of objects keyed by column name. Every format but the
    table keeps every column (the table leaves IRI columns out unless ``iris``)."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return delimited(rows, columns).rstrip("\n")
    if fmt == "tsv":
        return delimited(rows, columns, delimiter="\t").rstrip("\n")
    return table(rows, columns, iris=iris)


def qualified(text: str, qualifiers: list[dict]) -> str:
    """``text`` led by the restrictions the monograph puts on it: ``[only some types] Might decrease ...``."""
    if not qualifiers:
        return text
    return f"[{'; '.join(q['label'] for q in qualifiers)}] {text}"
