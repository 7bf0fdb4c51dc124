"""Render rows (lists of dicts of strings) as an aligned table, JSON, CSV or TSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence

FORMATS = ["table", "json", "csv", "tsv"]


def clean(value) -> str:
    """A cell for a table: control characters shown escaped so a value cannot redraw the terminal."""
    text = "" if value is None else str(value)
    return "".join(c if unicodedata.category(c)[0] != "C" or c == " " else f"\\x{ord(c):02x}" for c in text)


def table(rows: Sequence[dict], columns: Sequence[str] | None = None, *, max_width: int = 80) -> str:
    """An aligned plain-text table; long cells are cut with an ellipsis.

    >>> print(table([{"a": "x", "b": "long"}, {"a": "yy", "b": ""}]))
    a   b
    --  ----
    x   long
    yy
    """
    columns = list(columns or (rows[0].keys() if rows else []))
    if not columns:
        return "(no rows)"

    def cut(v):
        v = clean(v)
        return v if len(v) <= max_width else v[: max_width - 1] + "…"

    body = [[cut(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(line[i]) for line in body]) for i, c in enumerate(columns)]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in body]
    if not rows:
        out.append("(no rows)")
    return "\n".join(out)


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


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Rows in ``fmt``; JSON is a list of objects keyed by column name."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return delimited(rows, columns).rstrip("\n")
    if fmt == "tsv":
        return delimited(rows, columns, delimiter="\t").rstrip("\n")
    return table(rows, columns)
