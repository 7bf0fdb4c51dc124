"""The data model of a checked monograph: plain dataclasses (a :class:`Monograph` with its
sections, entities, records and their quotes), and the canonical form of record ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any


from kg.curation.provenance import SourceText

FORMAT = "skg-monograph/1"
MAX_FILE_BYTES = 20 * 1024 * 1024

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*:[^\s]+$")


def normalise_id(value: str) -> str:
    """The canonical form of an id: lower case, ``_`` and ``.`` as ``-``.

    >>> normalise_id("Eff_Sore_Throat")
    'eff-sore-throat'
    """
    return re.sub(r"[_.]", "-", value.strip().lower())


# --------------------------------------------------------------------------------------------
# Data model


@dataclass
class Quote:
    """A verbatim quote located in the source text."""

    text: str  # exactly as in the source text (original whitespace)
    start: int
    end: int
    section: str  # section id
    prefix: str
    suffix: str


@dataclass
class Entity:
    id: str
    type: str
    label: str
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    member_of: list[str] = field(default_factory=list)
    salts: list[str] = field(default_factory=list)  # salt names that denote this (parent) drug
    reference_classes: list[str] = field(default_factory=list)  # ids in kg/data/reference-classes.tsv
    description: str | None = None
    min_age_years: Decimal | None = None
    max_age_years: Decimal | None = None
    states: list = field(default_factory=list)  # physiological state concepts (pregnancy, ...)
    broader: list[str] = field(default_factory=list)  # ids of populations this one is part of
    xrefs: list[dict] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    line: int = 0


@dataclass
class Record:
    """One curated statement: its kind (``interactions``...), id, checked fields and quotes."""

    kind: str
    id: str
    fields: dict[str, Any]
    quotes: list[Quote]
    line: int


@dataclass
class Section:
    id: str
    title: str
    document: str
    start: int
    end: int


@dataclass
class Monograph:
    path: Path
    id: str
    title: str
    substance: str
    text: SourceText
    licence: str
    version: str
    curated_by: str | None
    documents: list[dict]
    sections: list[Section]
    external_sources: list[dict]
    entities: list[Entity]
    records: list[Record]

    def entity(self, entity_id: str) -> Entity:
        return self._entities[entity_id]

    def __post_init__(self) -> None:
        self._entities = {e.id: e for e in self.entities}
