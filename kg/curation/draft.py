"""The draft of a monograph data file while :mod:`kg.curation.ingest` builds it: entities merged by id
and type, records with the quotes they cover, and notes for the reviewer."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.curation.layout import _trim
from kg.curation.phrases import Population, bound_concepts, slug

#: Record kinds the draft fills, in the order of the data format.
KINDS = ("effectiveness", "interactions", "precautions", "safety_limits", "dosing")

_TYPE_SLUGS = {"Substance": "substance", "Drug": "drug", "DrugClass": "drug-class", "Condition": "condition",
               "Population": "population", "DosageForm": "dosage-form"}


@dataclass
class Draft:
    """Entities and records drafted from one text, and the spans their quotes cover."""

    text: str
    substance: str
    entities: dict[str, dict] = field(default_factory=dict)
    records: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in KINDS})
    covered: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def entity(self, label: str, etype: str, *, eid: str | None = None, **extra) -> str:
        """The id of the entity ``label`` of ``etype``, created or merged; ids never clash across types."""
        base = eid or slug(label) or _TYPE_SLUGS[etype]
        candidate, n = base, 1
        while candidate in self.entities and self.entities[candidate]["type"] != etype:
            n += 1
            candidate = f"{base}-{_TYPE_SLUGS[etype]}" if n == 2 else f"{base}-{_TYPE_SLUGS[etype]}-{n}"
        entity = self.entities.setdefault(candidate, {"id": candidate, "type": etype, "label": label})
        for key, value in extra.items():
            _merge(entity, key, value)
        return candidate

    def population(self, pop: Population) -> str:
        return self.entity(pop.label, "Population", eid=pop.id, min_age_years=pop.min_age,
                           max_age_years=pop.max_age)

    def record(self, kind: str, base_id: str, fields: dict, spans: list[tuple[int, int]]) -> dict:
        """Add a record quoting ``spans`` of the text (merged where they touch)."""
        rid, n = base_id, 1
        taken = {r["id"] for rs in self.records.values() for r in rs}
        while rid in taken:
            n += 1
            rid = f"{base_id}-{n}"
        pieces = _merge_spans(self.text, spans)
        quotes = [self.text[s:e] for s, e in pieces]
        record = {"id": rid, **{k: v for k, v in fields.items() if v is not None and v != []}}
        bound = [q for q in bound_concepts(" ".join(quotes), "qualifier") if q not in record.get("qualifiers", [])]
        if bound:  # "some types of", "animal models": the restriction the quote makes is drafted too
            record["qualifiers"] = [*record.get("qualifiers", []), *bound]
        record["quote"] = quotes[0] if len(quotes) == 1 else quotes
        self.records[kind].append(record)
        self.covered.extend(pieces)
        return record

    def note(self, line: int, message: str) -> None:
        self.notes.append(f"line {line}: {message}")


def _merge(entity: dict, key: str, value) -> None:
    if value is None or value == [] or value == "":
        return
    if isinstance(value, list):
        have = entity.setdefault(key, [])
        have.extend(v for v in value if v not in have and v != entity["label"])
        if not have:
            del entity[key]
    else:
        entity.setdefault(key, value)


def _merge_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in the order given, joining one to the previous when they overlap or share a line."""
    out: list[tuple[int, int]] = []
    for start, end in (_trim(text, s, e) for s, e in spans):
        if start >= end or any(s <= start and end <= e for s, e in out):
            continue
        if out and out[-1][0] <= start and (start <= out[-1][1] or not text[out[-1][1]:start].strip(" \t")):
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _sentence_text(text: str, span: tuple[int, int]) -> str:
    return " ".join(text[span[0]:span[1]].split())

def _containing(sents: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next(s for s in sents if s[0] <= pos < s[1])
