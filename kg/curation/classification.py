"""The reference drug classification (``kg/data/class-members.tsv``): read and checked.

A monograph may name a drug class by a few examples "and others". Its data file may declare the classes of a published classification the drug class
corresponds to (``reference_classes: [MESH:D000927, ...]``); the build then adds the members of
those classes from this table, so a drug the monograph does not name still meets the class's
interactions, marked as coming from the classification, not from the monograph.

Rows whose reviewer note starts with ``REVIEW:`` are never used (see ``class-members.md``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import DataError
from kg.resources import data_dir

DESCRIPTION_FILE = "reference-classification.json"  # title, licence, attribution, the two tables
MEMBER_COLUMNS = ["class_label", "class_source_id", "drug_label", "drug_ids", "brand_names", "source", "licence",
                  "notes"]
CLASS_COLUMNS = ["class_source_id", "system", "label"]


@dataclass(frozen=True)
class ReferenceClass:
    id: str  # e.g. MESH:D000927
    system: str  # e.g. MeSH Pharmacological Action
    label: str  # the reference class name, as the table gives it


@dataclass(frozen=True)
class Member:
    class_id: str
    drug: str
    ids: tuple[str, ...]  # CURIEs, e.g. RXNORM:8183
    brands: tuple[str, ...]
    source: str
    line: int


@dataclass(frozen=True)
class Classification:
    title: str  # recorded, with licence and attribution, in the metadata of a graph that uses it
    licence: str
    attribution: str
    classes: dict[str, ReferenceClass]
    members: tuple[Member, ...]  # usable rows only (no REVIEW: rows)
    reviewed_out: int  # rows left out because a reviewer marked them REVIEW:
    #: Identifiers (upper case) the table gives to more than one drug: they identify none. The
    #: table lists a parent drug's DrugBank id for its prodrug too, and so on; such an id is
    #: neither used to match a drug nor recorded on one.
    shared: frozenset[str]

    def members_of(self, class_id: str) -> list[Member]:
        return [m for m in self.members if m.class_id == class_id]

    def shared_ids(self) -> frozenset[str]:
        return self.shared


def _rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a tab-separated table (cells may be quoted, as the shipped table's notes are)."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            table = list(csv.reader(f, delimiter="\t", quotechar='"', strict=True))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read the reference classification: {exc}", where=str(path)) from None
    if not table or table[0] != columns:
        raise DataError(f"expected the columns {', '.join(columns)}", where=f"{path}:1")
    out = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            raise DataError(f"expected {len(columns)} tab-separated cells, found {len(cells)}", where=f"{path}:{number}")
        out.append((number, dict(zip(columns, (c.strip() for c in cells)))))
    return out


def load(folder: Path | None = None) -> Classification:
    """The classification in ``folder`` (default: the package's ``kg/data``).

    :raises DataError: naming file and line for a malformed row or an undescribed class.
    """
    folder = folder or data_dir()
    described = folder / DESCRIPTION_FILE
    try:
        about = json.loads(described.read_text(encoding="utf-8"))
        title, licence, attribution = (str(about[k]) for k in ("title", "licence", "attribution"))
        members_file, classes_file = str(about["members"]), str(about["classes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"cannot read the description of the reference classification: {exc!r}",
                        where=str(described)) from None
    classes = {}
    for number, row in _rows(folder / classes_file, CLASS_COLUMNS):
        if not all(row.values()):
            raise DataError("every cell must be filled", where=f"{folder / classes_file}:{number}")
        classes[row["class_source_id"]] = ReferenceClass(row["class_source_id"], row["system"], row["label"])
    members, reviewed_out = [], 0
    path = folder / members_file
    for number, row in _rows(path, MEMBER_COLUMNS):
        where = f"{path}:{number}"
        if row["class_source_id"] not in classes:
            raise DataError(f"class {row['class_source_id']!r} is not described in {classes_file}", where=where)
        if not row["drug_label"]:
            raise DataError("a row needs a drug_label", where=where)
        if row["notes"].startswith("REVIEW:"):
            reviewed_out += 1
            continue
        ids = tuple(i.strip() for i in row["drug_ids"].split("|") if i.strip())
        if any(":" not in i for i in ids):
            raise DataError(f"drug_ids must be PREFIX:ID joined by '|', not {row['drug_ids']!r}", where=where)
        brands = tuple(b.strip() for b in row["brand_names"].split("|") if b.strip())
        members.append(Member(row["class_source_id"], row["drug_label"], ids, brands, row["source"], number))
    owners: dict[str, set[str]] = {}
    for m in members:
        for i in m.ids:
            owners.setdefault(i.upper(), set()).add(m.drug.casefold())
    shared = frozenset(i for i, drugs in owners.items() if len(drugs) > 1)
    return Classification(title, licence, attribution, classes, tuple(members), reviewed_out, shared)


@cache
def shipped() -> Classification:
    """The classification shipped with the package (read once)."""
    return load()
