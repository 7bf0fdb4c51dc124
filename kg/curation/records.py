"""Read and check monograph data files.

A data file (see ``docs/data-format.md``) is read with the strict YAML loader of
:mod:`kg.curation.yamlfile`, then checked field by field against
:data:`kg.curation.fields.RECORD_KINDS`. Every problem is a :class:`~kg.errors.DataError` naming
the file, the line and the record. The result is the dataclasses of :mod:`kg.curation.model`
(importable from here too); turning them into RDF is :mod:`kg.graph.build`'s job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


from kg.errors import DataError, QuoteNotFound
from kg.curation.fields import ENTITY_FIELDS, MONOGRAPH_KEYS, RECORD_KINDS, TOP_KEYS, _Bad, _ref, _str, _str_list, _suggest
from kg.curation.model import Entity, FORMAT, MAX_FILE_BYTES, Monograph, Quote, Record, Section, _CURIE, _ID, normalise_id
from kg.curation.yamlfile import LineDict, read_yaml
from kg.fileio import local_path, read_regular_file
from kg.curation.provenance import SourceText
from kg.curation.phrases import find_words, graded_cues
from kg.vocab import ENTITY_TYPES  # defined beside the entity classes; records name their types

# --------------------------------------------------------------------------------------------
# Loading


class _Ctx:
    """Where we are in a file, for error messages."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, message: str, *, record: str | None = None, line: int | None = None) -> DataError:
        where = str(self.path)
        if line:
            where += f":{line}"
        if record:
            message = f"record {record!r}: {message}"
        return DataError(message, where=where)


def _require_mapping(value, ctx: _Ctx, what: str, line: int | None = None) -> LineDict:
    if not isinstance(value, dict):
        raise ctx.fail(f"{what} must be a mapping", line=line)
    return value


def _unknown_keys(item: dict, allowed: set[str], ctx: _Ctx, record: str | None, what: str) -> None:
    extra = sorted(set(item) - allowed, key=str)
    if extra:
        hint = _suggest(str(extra[0]), allowed)
        raise ctx.fail(f"unknown field {extra[0]!r} in {what}{hint}", record=record, line=getattr(item, "line", None))


def load_monograph(path: str | Path) -> Monograph:
    """Read and check one monograph data file.

    :raises DataError: naming file, line and record for any problem.
    """
    path = local_path(path, what="data file")
    ctx = _Ctx(path)
    doc = read_yaml(path)
    doc = _require_mapping(doc, ctx, "the data file")
    _unknown_keys(doc, TOP_KEYS, ctx, None, "the data file")
    if doc.get("format") != FORMAT:
        raise ctx.fail(f"format must be {FORMAT!r}, not {doc.get('format')!r}")
    meta = _require_mapping(doc.get("monograph"), ctx, "monograph")
    _unknown_keys(meta, MONOGRAPH_KEYS, ctx, None, "monograph")
    for key in ("id", "title", "substance", "source_text", "licence", "version"):
        if key not in meta:
            raise ctx.fail(f"monograph: missing field {key!r}", line=meta.line)
    try:
        mono_id = _checked_id(meta["id"])
        title = _str(meta["title"], None)
        licence = _str(meta["licence"], None)
        version = _str(str(meta["version"]), None)
        curated_by = _str(meta["curated_by"], None) if meta.get("curated_by") is not None else None
        source_name = _str(meta["source_text"], None)
    except _Bad as exc:
        raise ctx.fail(f"monograph: {exc}", line=meta.line) from None

    try:
        source_path = local_path(source_name, what="source_text")
    except DataError as exc:
        raise ctx.fail(f"monograph: {exc.message}", line=meta.line) from None
    if not source_path.is_absolute():
        source_path = path.parent / source_path
    try:
        text = SourceText.read(source_path)
    except DataError as exc:  # missing, not a regular file, or too large: said before anything is read
        raise ctx.fail(f"{exc.message}: {source_path}", line=meta.line) from None
    except UnicodeDecodeError as exc:
        raise ctx.fail(f"cannot read source text {source_path}: {exc}", line=meta.line) from None

    documents = _documents(meta.get("documents"), ctx)
    sections = _sections(meta.get("sections"), ctx, text, {d["id"] for d in documents})
    external = _external_sources(meta.get("external_sources"), ctx)

    entities = _entities(doc.get("entities"), ctx, text, sections, {s["id"] for s in external})
    ent_index = {e.id: e for e in entities}
    try:
        substance = _ref("Substance")(meta["substance"], {"entities": ent_index})
    except _Bad as exc:
        raise ctx.fail(f"monograph substance: {exc}", line=meta.line) from None

    records = _records(doc, ctx, text, sections, ent_index, substance)
    return Monograph(
        path=path, id=mono_id, title=title, substance=substance, text=text, licence=licence,
        version=version, curated_by=curated_by, documents=documents, sections=sections,
        external_sources=external, entities=entities, records=records,
    )


def _checked_id(value) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not _ID.match(str(value)):
        raise _Bad(f"id {value!r} must be letters, digits, '-', '_' or '.'")
    return normalise_id(str(value))


def _documents(value, ctx: _Ctx) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise ctx.fail("monograph: documents must be a non-empty list")
    out, seen = [], set()
    for item in value:
        item = _require_mapping(item, ctx, "a document")
        _unknown_keys(item, {"id", "title", "kind", "note"}, ctx, None, "a document")
        try:
            doc = {"id": _checked_id(item.get("id")), "title": _str(item.get("title"), None)}
            for opt in ("kind", "note"):
                if item.get(opt) is not None:
                    doc[opt] = _str(item[opt], None)
        except _Bad as exc:
            raise ctx.fail(f"document: {exc}", line=item.line) from None
        if doc["id"] in seen:
            raise ctx.fail(f"duplicate document id {doc['id']!r}", line=item.line)
        seen.add(doc["id"])
        out.append(doc)
    return out


def _sections(value, ctx: _Ctx, text: SourceText, documents: set[str]) -> list[Section]:
    if not isinstance(value, list) or not value:
        raise ctx.fail("monograph: sections must be a non-empty list")
    found: list[tuple[int, str, str, str, int]] = []
    seen: set[str] = set()
    for item in value:
        item = _require_mapping(item, ctx, "a section")
        _unknown_keys(item, {"id", "title", "document", "starts"}, ctx, None, "a section")
        try:
            sid = _checked_id(item.get("id"))
            title = _str(item.get("title"), None)
            starts = _str(item.get("starts"), None)
            document = _checked_id(item.get("document"))
        except _Bad as exc:
            raise ctx.fail(f"section: {exc}", line=item.line) from None
        if sid in seen:
            raise ctx.fail(f"duplicate section id {sid!r}", line=item.line)
        if document not in documents:
            raise ctx.fail(f"section {sid!r}: unknown document {document!r}", line=item.line)
        spans = text.find_all(starts)
        if len(spans) != 1:
            problem = "is not in the source text" if not spans else f"occurs {len(spans)} times in the source text"
            raise QuoteNotFound(f"section {sid!r}: start {starts!r} {problem}", where=f"{ctx.path}:{item.line}")
        seen.add(sid)
        found.append((spans[0][0], sid, title, document, item.line))
    found.sort()
    out = []
    for i, (start, sid, title, document, _line) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text.raw)
        out.append(Section(id=sid, title=title, document=document, start=start, end=end))
    return out


def _external_sources(value, ctx: _Ctx) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.fail("monograph: external_sources must be a list")
    out, seen = [], set()
    for item in value:
        item = _require_mapping(item, ctx, "an external source")
        _unknown_keys(item, {"id", "title", "licence", "note"}, ctx, None, "an external source")
        try:
            src = {"id": _checked_id(item.get("id")), "title": _str(item.get("title"), None)}
            for opt in ("licence", "note"):
                if item.get(opt) is not None:
                    src[opt] = _str(item[opt], None)
        except _Bad as exc:
            raise ctx.fail(f"external source: {exc}", line=item.line) from None
        if src["id"] in seen:
            raise ctx.fail(f"duplicate external source id {src['id']!r}", line=item.line)
        seen.add(src["id"])
        out.append(src)
    return out


def _quotes(value, ctx: _Ctx, text: SourceText, sections: list[Section], record: str, line: int) -> list[Quote]:
    pieces = value if isinstance(value, list) else [value]
    if not pieces:
        raise ctx.fail("quote must not be empty", record=record, line=line)
    out = []
    for piece in pieces:
        if not isinstance(piece, str) or not piece.strip():
            raise ctx.fail("quote must be a non-empty string or a list of them", record=record, line=line)
        spans = text.find_all(piece)
        if not spans:
            short = " ".join(piece.split())
            short = short if len(short) <= 80 else short[:77] + "..."
            raise QuoteNotFound(f"record {record!r}: quote not in source text: {short!r}", where=f"{ctx.path}:{line}")
        start, end = spans[0]
        section = next((s for s in sections if s.start <= start < s.end), None)
        if section is None:
            raise ctx.fail("quote lies before the first section", record=record, line=line)
        out.append(Quote(
            text=text.raw[start:end], start=start, end=end, section=section.id,
            prefix=text.raw[max(0, start - 32):start], suffix=text.raw[end:end + 32],
        ))
    return out


def _entities(value, ctx: _Ctx, text: SourceText, sections: list[Section], sources: set[str]) -> list[Entity]:
    if not isinstance(value, list) or not value:
        raise ctx.fail("entities must be a non-empty list")
    out: dict[str, Entity] = {}
    allowed = {"id", "type", "label", "quote", *ENTITY_FIELDS}
    for item in value:
        item = _require_mapping(item, ctx, "an entity")
        rid = str(item.get("id"))
        _unknown_keys(item, allowed, ctx, rid, "an entity")
        try:
            eid = _checked_id(item.get("id"))
            etype = item.get("type")
            if etype not in ENTITY_TYPES:
                raise _Bad(f"unknown entity type {etype!r}; expected one of: {', '.join(ENTITY_TYPES)}")
            entity = Entity(id=eid, type=etype, label=_str(item.get("label"), None), line=item.line)
            for key, (check, _req) in ENTITY_FIELDS.items():
                if key in item and item[key] is not None and check is not None:
                    setattr(entity, key, check(item[key], None))
            if entity.brands and etype != "Drug":
                raise _Bad("only a Drug has brand names")
            if entity.salts and etype != "Drug":
                raise _Bad("only a Drug has salts")
            if entity.reference_classes:
                _check_reference_classes(entity, etype)
            if (entity.min_age_years is not None or entity.max_age_years is not None) and etype != "Population":
                raise _Bad("only a Population has an age range")
            if entity.states and etype != "Population":
                raise _Bad("only a Population has states")
            entity.broader = _str_list(item.get("broader") or [], None)
            if entity.broader and etype != "Population":
                raise _Bad("only a Population is part of a broader population")
            entity.member_of = _str_list(item.get("member_of") or [], None)
            if entity.member_of and etype not in ("Drug", "DrugClass"):
                raise _Bad("only a Drug or DrugClass is a member of a drug class")
            entity.xrefs = _xrefs(item.get("xrefs"), sources)
        except _Bad as exc:
            raise ctx.fail(str(exc), record=rid, line=item.line) from None
        if eid in out:
            first = out[eid]
            raise ctx.fail(f"duplicate entity id {eid!r} (first at line {first.line})", record=rid, line=item.line)
        if "quote" in item:
            entity.quotes = _quotes(item["quote"], ctx, text, sections, rid, item.line)
        out[eid] = entity
    for entity in out.values():
        entity.member_of = _resolve_links(entity, "member_of", "DrugClass", "drug class", out, ctx)
        entity.broader = _resolve_links(entity, "broader", "Population", "population", out, ctx)
    _check_class_cycles(out, ctx)
    return list(out.values())


def _resolve_links(entity: Entity, attr: str, etype: str, what: str, entities: dict[str, Entity], ctx: _Ctx) -> list[str]:
    """The normalised ids ``entity.<attr>`` names, each an entity of ``etype``, or a clear failure."""
    resolved = []
    for parent in getattr(entity, attr):
        key = normalise_id(parent)
        target = entities.get(key)
        if target is None or target.type != etype:
            problem = f"unknown {what}" if target is None else f"{parent!r} is a {target.type}, not a {etype}"
            raise ctx.fail(f"{attr}: {problem} {parent!r}{_suggest(key, entities) if target is None else ''}",
                           record=entity.id, line=entity.line)
        resolved.append(key)
    return resolved


def _check_reference_classes(entity: Entity, etype: str) -> None:
    from kg.curation import classification

    if etype != "DrugClass":
        raise _Bad("only a DrugClass corresponds to reference classes")
    known = classification.shipped().classes
    for class_id in entity.reference_classes:
        if class_id not in known:
            raise _Bad(f"reference_classes: unknown class {class_id!r}; known: {', '.join(known)}")


def _check_class_cycles(entities: dict[str, Entity], ctx: _Ctx) -> None:
    for attr, what in (("member_of", "drug class hierarchy"), ("broader", "population hierarchy")):
        for entity in entities.values():
            seen, stack = set(), list(getattr(entity, attr))
            while stack:
                parent = stack.pop()
                if parent == entity.id:
                    raise ctx.fail(f"{what} has a cycle", record=entity.id, line=entity.line)
                if parent not in seen:
                    seen.add(parent)
                    stack.extend(getattr(entities[parent], attr))


def _xrefs(value, sources: set[str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad("xrefs must be a list")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise _Bad("each xref must be a mapping")
        extra = set(item) - {"curie", "match", "source", "edition"}
        if extra:
            raise _Bad(f"unknown field {sorted(extra)[0]!r} in an xref")
        curie = item.get("curie")
        if not isinstance(curie, str) or not _CURIE.match(curie):
            raise _Bad(f"xref curie {curie!r} must look like PREFIX:ID")
        match = item.get("match")
        if match not in ("exact", "close"):
            raise _Bad(f"xref {curie}: match must be 'exact' or 'close', not {match!r}")
        xref = {"curie": curie, "match": match}
        if item.get("source") is not None:
            source = normalise_id(str(item["source"]))
            if source not in sources:
                raise _Bad(f"xref {curie}: unknown external source {item['source']!r}")
            xref["source"] = source
        if item.get("edition") is not None:
            xref["edition"] = _str(str(item["edition"]), None)
        if curie.upper().startswith("ATC:") and "edition" not in xref:
            raise _Bad(f"xref {curie}: an ATC code needs its edition")
        out.append(xref)
    return out


def _records(doc, ctx: _Ctx, text, sections, entities: dict[str, Entity], substance: str) -> list[Record]:
    # First pass: ids, so records can refer to each other (a finding to its assessment).
    record_ids: dict[str, set[str]] = {}
    owner: dict[str, tuple[str, int]] = {}
    for kind in RECORD_KINDS:
        items = doc.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            raise ctx.fail(f"{kind} must be a list")
        for item in items:
            item = _require_mapping(item, ctx, f"a record in {kind}")
            try:
                rid = _checked_id(item.get("id"))
            except _Bad as exc:
                raise ctx.fail(f"{kind}: {exc}", line=item.line) from None
            if rid in owner:
                prev_kind, prev_line = owner[rid]
                raw = item.get("id")
                same = "duplicate id" if str(raw) == rid else f"id {raw!r} collides after normalisation with"
                raise ctx.fail(f"{same} {rid!r} (first in {prev_kind} at line {prev_line})", record=str(raw), line=item.line)
            owner[rid] = (kind, item.line)
            record_ids.setdefault(kind, set()).add(rid)

    check_ctx = {"entities": entities, "record_ids": record_ids}
    out = []
    for kind, spec in RECORD_KINDS.items():
        for item in doc.get(kind) or []:
            rid = _checked_id(item.get("id"))
            _unknown_keys(item, {"id", "quote", "substance", *spec}, ctx, rid, kind)
            fields: dict[str, Any] = {}
            try:
                fields["substance"] = (_ref("Substance")(item["substance"], check_ctx)
                                       if item.get("substance") is not None else substance)
                for key, (check, required) in spec.items():
                    if item.get(key) is None:
                        if required:
                            raise _Bad(f"missing field {key!r}")
                        continue
                    try:
                        fields[key] = check(item[key], check_ctx)
                    except _Bad as exc:
                        raise _Bad(f"{key}: {exc}") from None
                _cross_checks(kind, fields)
            except _Bad as exc:
                raise ctx.fail(str(exc), record=rid, line=item.line) from None
            if "quote" not in item:
                raise ctx.fail("missing field 'quote' (every statement needs its source quote)", record=rid, line=item.line)
            quotes = _quotes(item["quote"], ctx, text, sections, rid, item.line)
            if "likelihood" in fields:
                _not_overstated(fields["likelihood"], quotes, ctx, rid, item.line)
            _qualified_as_quoted(fields, quotes, ctx, rid, item.line)
            out.append(Record(kind=kind, id=rid, fields=fields, quotes=quotes, line=item.line))
    return out


def _not_overstated(likelihood, quotes: list[Quote], ctx: _Ctx, rid: str, line: int) -> None:
    """A likelihood may not be stronger than the weakest one the quotes' wording marks: "some concern
    ... too soon to know" is uncertain, whatever else the sentence says."""
    weakest = graded_cues(" ".join(q.text for q in quotes), "likelihood")
    if weakest and (likelihood.rank or 0) > weakest[0][1]:
        code, _rank, cue = weakest[0]
        raise ctx.fail(f"likelihood {likelihood.code!r} overstates the quote, which says {cue!r} "
                       f"(likelihood {code!r} or weaker)", record=rid, line=line)


def _qualified_as_quoted(fields: dict, quotes: list[Quote], ctx: _Ctx, rid: str, line: int) -> None:
    """A qualifier needs its wording in the quotes, and wording that binds a qualifier ("some
    types of", "animal models") needs the qualifier: a restriction of the text is never lost."""
    from kg import schema

    text = " ".join(q.text for q in quotes)
    scheme = schema.SCHEMES["qualifier"]
    carried = {c.code for c in fields.get("qualifiers", [])}
    if "proportion_qualifier" in fields:
        if "proportion" not in fields:
            raise ctx.fail("proportion_qualifier needs a proportion", record=rid, line=line)
        carried_number = fields["proportion_qualifier"].code
    else:
        carried_number = None
    for code in sorted(carried | ({carried_number} if carried_number else set())):
        cues = schema.cues(scheme)[code]
        if not any(find_words(text, cue) for cue in cues):
            raise ctx.fail(f"qualifier {code!r} is not in the quotes, which contain none of: "
                           f"{', '.join(repr(c) for c in cues)}", record=rid, line=line)
    for code, cues in sorted(schema.binding_cues(scheme).items()):
        hit = next((cue for cue in cues if find_words(text, cue)), None)
        if hit and code not in carried:
            raise ctx.fail(f"the quotes say {hit!r}: add qualifier {code!r} (qualifiers: [{code}])",
                           record=rid, line=line)


def _cross_checks(kind: str, fields: dict) -> None:
    lo, hi = fields.get("min_age_years"), fields.get("max_age_years")
    if lo is not None and hi is not None and lo > hi:
        raise _Bad("min_age_years is greater than max_age_years")
    if kind == "dosing":
        has_amount = "amount" in fields
        has_range = "min_amount" in fields or "max_amount" in fields
        if has_amount == has_range:
            raise _Bad("give either amount or min_amount/max_amount")
        if "min_amount" in fields and "max_amount" in fields and fields["min_amount"] > fields["max_amount"]:
            raise _Bad("min_amount is greater than max_amount")


def content_digest(monograph: Monograph) -> str:
    """SHA-256 of the data file and its source text, for build metadata."""
    h = hashlib.sha256()
    h.update(read_regular_file(monograph.path, limit=MAX_FILE_BYTES, what="data file"))
    h.update(monograph.text.raw.encode("utf-8"))
    return h.hexdigest()


def find_data_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into a sorted list of data files (``*.yaml``, ``*.yml``).

    :raises DataError: for a URL, a missing path, or a folder with no data files.
    """
    files: list[Path] = []
    for value in paths:
        path = local_path(value, what="monograph path")
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise DataError("folder holds no monograph data files (*.yaml)", where=str(path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise DataError("no such file or folder", where=str(path))
    return files
