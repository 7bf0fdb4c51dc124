"""Standalone checks of the curated monograph data files against their source texts.

Needs only PyYAML: every quote (records and entities, a string or a list of strings) must occur in
the source text after whitespace normalisation, every section ``starts`` exactly once, ids must be
unique across the file and every entity a record names must exist. A few format rules from
docs/data-format.md (allowed keys, scale codes, CURIE prefixes) are checked too, so a curation
mistake shows up here before the build runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = [
    ROOT / "kg" / "monographs" / "glutamine.yaml",
    ROOT / "tests" / "fixtures" / "monographs" / "moonpetal.yaml",
]
RECORD_KINDS = [
    "effectiveness", "findings", "claimed_uses", "interactions", "precautions",
    "safety_limits", "dosing", "mechanisms", "physiology", "studies",
]
_WS = re.compile(r"\s+")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# --- the format (docs/data-format.md) ---------------------------------------------------------
ENTITY_TYPES = {
    "Substance", "Drug", "DrugClass", "Condition", "Population", "AnatomicalEntity",
    "ChemicalEntity", "Protein", "BiologicalProcess", "Organism", "DosageForm", "Procedure",
}
ENTITY_KEYS = {
    "id", "type", "label", "synonyms", "brands", "salts", "member_of", "reference_classes", "description",
    "min_age_years", "max_age_years", "states", "broader", "xrefs", "quote",
}
COMMON = {"id", "substance", "quote", "qualifiers"}
RECORD_KEYS = {
    "effectiveness": {"condition", "level", "routes", "population", "summary"},
    "findings": {"assessment", "condition", "outcome", "direction", "routes", "population",
                 "co_intervention", "study"},
    "claimed_uses": {"condition", "population", "context"},
    "interactions": {"interactant", "severity", "likelihood", "evidence", "effect", "mechanism", "recommendation"},
    "precautions": {"subject", "strength", "rationale"},
    "safety_limits": {"route", "population", "min_age_years", "max_age_years", "max_amount",
                      "unit", "per_kg", "period", "rating"},
    "dosing": {"indication", "route", "population", "amount", "min_amount", "max_amount",
               "preferred_amount", "unit", "per_kg", "period", "interval", "frequency", "form",
               "administration", "start", "stop"},
    "mechanisms": {"subject", "relation", "object", "context", "proportion", "proportion_qualifier"},
    "physiology": {"subject", "relation", "object", "proportion", "proportion_qualifier"},
    "studies": {"design", "sample_size", "population", "intervention", "measured", "outcome",
                "effect_size", "effect_size_unit", "study_count", "citation_count", "gives_substance"},
}
#: Record fields holding entity ids.
ENTITY_REF_FIELDS = {
    "substance", "condition", "population", "co_intervention", "interactant", "subject",
    "object", "indication", "form", "intervention", "measured",
}
CODES = {
    "level": {"effective", "likely-effective", "possibly-effective", "insufficient-evidence",
              "possibly-ineffective", "likely-ineffective", "ineffective"},
    "direction": {"improves", "no-effect", "inconsistent", "worsens", "correlated", "weakly-supported"},
    "qualifier": {"some-types", "in-animals", "some-people", "approximately", "at-most"},
    "proportion_qualifier": {"approximately", "at-most"},
    "evidence": {"mechanism", "case-report", "study"},
    "severity": {"major", "moderate", "minor"},
    "strength": {"do-not-use", "avoid", "caution"},
    "rating": {"likely-safe", "possibly-safe", "possibly-unsafe", "likely-unsafe", "unsafe"},
    "route": {"oral", "intravenous", "enteral-tube", "topical"},
    "unit": {"g", "mg", "mcg", "mL", "IU"},
}
MECHANISM_RELATIONS = {
    "classifiedAs", "amideOf", "formOf", "convertedTo", "brokenDownBy", "brokenDownIn",
    "carrierOf", "precursorOf", "buildingBlockOf", "sourceOf", "fuels", "lowers", "raises",
    "affects", "protects", "supports", "producedCommerciallyBy", "causedBy",
}
PHYSIOLOGY_RELATIONS = {"producedIn", "distributedBy", "usedBy", "mostAbundantIn"}
CURIE_PREFIXES = {"CHEBI", "DRUGBANK", "MESH", "PUBCHEM.COMPOUND", "RXNORM", "ATC", "WIKIDATA", "UMLS"}
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def load(path: Path) -> tuple[dict, str]:
    raw = path.read_text(encoding="utf-8")
    assert not any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(raw)), "YAML aliases are not allowed"
    doc = yaml.safe_load(raw)
    source = (path.parent / doc["monograph"]["source_text"]).read_text(encoding="utf-8")
    return doc, source


def records(doc: dict):
    for kind in RECORD_KINDS:
        for rec in doc.get(kind) or []:
            yield kind, rec


def quotes_of(item: dict) -> list[str]:
    value = item.get("quote")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=DATA_FILES, ids=lambda p: p.stem)
def monograph(request):
    return load(request.param)


def test_every_quote_is_in_the_source_text(monograph):
    doc, source = monograph
    text = norm(source)
    missing = []
    items = [("entities", e) for e in doc["entities"]] + list(records(doc))
    for kind, item in items:
        pieces = quotes_of(item)
        if kind != "entities" and not pieces:
            missing.append(f"{kind}/{item['id']}: no quote")
        for piece in pieces:
            if not isinstance(piece, str) or not norm(piece) or norm(piece) not in text:
                missing.append(f"{kind}/{item['id']}: {piece!r}")
    assert not missing, "quotes not found in the source text:\n" + "\n".join(missing)


def test_every_section_start_occurs_once(monograph):
    doc, source = monograph
    sections = doc["monograph"]["sections"]
    problems = []
    positions = []
    for section in sections:
        starts = section["starts"]
        count = norm(source).count(norm(starts))
        if count != 1 or source.count(starts) != 1:
            problems.append(f"{section['id']}: {starts!r} occurs {count} times")
        positions.append(source.find(starts))
    assert not problems, "\n".join(problems)
    assert positions == sorted(positions), "sections must be listed in text order"
    assert positions[0] == 0, "the first section must start at the beginning of the text"
    documents = {d["id"] for d in doc["monograph"]["documents"]}
    assert all(s["document"] in documents for s in sections)


def test_ids_are_unique_and_well_formed(monograph):
    doc, _ = monograph
    meta = doc["monograph"]
    ids = [d["id"] for d in meta["documents"]]
    ids += [s["id"] for s in meta["sections"]]
    ids += [s["id"] for s in meta.get("external_sources") or []]
    ids += [e["id"] for e in doc["entities"]]
    ids += [rec["id"] for _, rec in records(doc)]
    bad = [i for i in ids if not isinstance(i, str) or not _ID.match(i)]
    assert not bad, f"ids must be lowercase [a-z0-9-]+: {bad}"
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate ids: {dupes}"


def test_referenced_entities_exist(monograph):
    doc, _ = monograph
    entities = {e["id"]: e for e in doc["entities"]}
    assessments = {r["id"] for r in doc.get("effectiveness") or []}
    problems = []
    if doc["monograph"]["substance"] not in entities:
        problems.append(f"monograph substance {doc['monograph']['substance']!r}")
    for entity in entities.values():
        for parent in entity.get("member_of") or []:
            if entities.get(parent, {}).get("type") != "DrugClass":
                problems.append(f"{entity['id']}: member_of {parent!r} is not a DrugClass entity")
    for kind, rec in records(doc):
        for key in ENTITY_REF_FIELDS & set(rec):
            if rec[key] not in entities:
                problems.append(f"{kind}/{rec['id']}: {key} {rec[key]!r}")
        if "assessment" in rec and rec["assessment"] not in assessments:
            problems.append(f"{kind}/{rec['id']}: assessment {rec['assessment']!r}")
    assert not problems, "unknown references:\n" + "\n".join(problems)


def test_records_follow_the_format(monograph):
    doc, _ = monograph
    assert doc["format"] == "skg-monograph/1"
    assert set(doc) <= {"format", "monograph", "entities", *RECORD_KINDS}
    problems = []
    for kind, rec in records(doc):
        where = f"{kind}/{rec['id']}"
        extra = set(rec) - COMMON - RECORD_KEYS[kind]
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
        coded = [(key, rec[key]) for key in CODES if key in rec]
        coded += [("route", value) for value in rec.get("routes") or []]
        coded += [("qualifier", value) for value in rec.get("qualifiers") or []]
        for key, value in coded:
            if value not in CODES[key]:
                problems.append(f"{where}: {key} {value!r}")
        if kind == "mechanisms" and rec["relation"] not in MECHANISM_RELATIONS:
            problems.append(f"{where}: relation {rec['relation']!r}")
        if kind == "physiology" and rec["relation"] not in PHYSIOLOGY_RELATIONS:
            problems.append(f"{where}: relation {rec['relation']!r}")
        for key in ("period", "interval"):
            if rec.get(key) is not None and not _DURATION.match(str(rec[key])):
                problems.append(f"{where}: {key} {rec[key]!r}")
        if kind == "dosing" and ("amount" in rec) == ("min_amount" in rec or "max_amount" in rec):
            problems.append(f"{where}: give either amount or min_amount/max_amount")
    assert not problems, "\n".join(problems)


def test_entities_follow_the_format(monograph):
    doc, _ = monograph
    sources = {s["id"] for s in doc["monograph"].get("external_sources") or []}
    problems = []
    for entity in doc["entities"]:
        where = entity["id"]
        if set(entity) - ENTITY_KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(entity) - ENTITY_KEYS)}")
        if entity.get("type") not in ENTITY_TYPES:
            problems.append(f"{where}: type {entity.get('type')!r}")
        if not entity.get("label"):
            problems.append(f"{where}: no label")
        if entity.get("brands") and entity["type"] != "Drug":
            problems.append(f"{where}: only a Drug has brands")
        if ("min_age_years" in entity or "max_age_years" in entity) and entity["type"] != "Population":
            problems.append(f"{where}: only a Population has an age range")
        for xref in entity.get("xrefs") or []:
            prefix, _, local = str(xref.get("curie")).partition(":")
            if prefix not in CURIE_PREFIXES or not local:
                problems.append(f"{where}: curie {xref.get('curie')!r}")
            if xref.get("match") not in ("exact", "close"):
                problems.append(f"{where}: match {xref.get('match')!r}")
            if xref.get("source") not in sources:
                problems.append(f"{where}: source {xref.get('source')!r}")
            if prefix == "ATC" and not xref.get("edition"):
                problems.append(f"{where}: ATC {local} needs its edition")
    assert not problems, "\n".join(problems)


def test_glutamine_record_counts():
    """The glutamine monograph's effectiveness ratings, as the source text lists them."""
    doc, _ = load(DATA_FILES[0])
    levels = [r["level"] for r in doc["effectiveness"]]
    # Five "Possibly Effective for" paragraphs; "Surgery." rates two things: major surgery and, in
    # "Also, giving glutamine intravenously ... after a bone marrow transplant seems to reduce the
    # risk of infection", bone marrow transplant.
    assert levels.count("possibly-effective") == 6
    assert levels.count("possibly-ineffective") == 4
    assert levels.count("insufficient-evidence") == 8
    assert len(levels) == 18  # 17 paragraphs, one of them rating two conditions
    assert {r["severity"] for r in doc["interactions"]} == {"moderate"}
    assert len(doc["interactions"]) == 3
    assert len(doc["precautions"]) == 7
    assert len(doc["safety_limits"]) == 3
