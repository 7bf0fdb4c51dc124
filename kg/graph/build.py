"""Turn checked monograph records into the RDF graph.

Every statement is a node with a deterministic IRI ``id/statement/<monograph>/<record-id>`` (the
curated record id, so an IRI stays stable when a typo in a quote is fixed), one class per record
kind, provenance (quote, offsets, section) and, where it links two entities, the direct
"truthy" triple beside it. Entities are shared across monographs by type and id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT

from kg import schema
from kg.curation import xrefs
from kg.curation.drafts import DRAFT_STATUS, is_draft
from kg.errors import DataError
from kg.names import search_keys
from kg.curation.records import ENTITY_TYPES, Entity, Monograph, Quote, Record, find_data_files, load_monograph
from kg.vocab import BASE, ID, OA, SKG, VOID

#: Record kind -> (statement class, direct predicate or None when the record names it).
KIND_CLASS = {
    "effectiveness": (SKG.EffectivenessAssessment, SKG.assessedFor),
    "findings": (SKG.Finding, SKG.findingFor),
    "claimed_uses": (SKG.ClaimedUse, SKG.claimedFor),
    "interactions": (SKG.Interaction, SKG.interactsWith),
    "precautions": (SKG.Precaution, SKG.hasPrecautionFor),
    "safety_limits": (SKG.SafetyLimit, SKG.hasSafetyLimitFor),
    "dosing": (SKG.DosingRegimen, SKG.dosedFor),
    "mechanisms": (SKG.MechanismStatement, None),
    "physiology": (SKG.PhysiologyStatement, None),
    "studies": (SKG.Study, SKG.studiedIn),
}

#: Record field -> (predicate, how to turn the checked value into RDF).
_ENTITY, _CONCEPT, _TEXT, _DECIMAL, _BOOL, _DURATION, _INT, _RECORD = range(8)
FIELD_MAP: dict[str, tuple[URIRef, int]] = {
    "condition": (SKG.condition, _ENTITY),
    "level": (SKG.evidenceLevel, _CONCEPT),
    "routes": (SKG.route, _CONCEPT),
    "route": (SKG.route, _CONCEPT),
    "population": (SKG.population, _ENTITY),
    "summary": (SKG.summary, _TEXT),
    "assessment": (SKG.assessment, _RECORD),
    "outcome": (SKG.outcome, _TEXT),
    "direction": (SKG.direction, _CONCEPT),
    "co_intervention": (SKG.coIntervention, _ENTITY),
    "study": (SKG.study, _RECORD),
    "gives_substance": (SKG.givesSubstance, _BOOL),
    "context": (SKG.context, _TEXT),
    "interactant": (SKG.interactant, _ENTITY),
    "severity": (SKG.severity, _CONCEPT),
    "likelihood": (SKG.likelihood, _CONCEPT),
    "effect": (SKG.effect, _TEXT),
    "mechanism": (SKG.mechanism, _TEXT),
    "recommendation": (SKG.recommendation, _TEXT),
    "subject": (None, _ENTITY),  # precautions: precautionFor; mechanisms: subjectEntity
    "strength": (SKG.strength, _CONCEPT),
    "rationale": (SKG.rationale, _TEXT),
    "min_age_years": (SKG.minAgeYears, _DECIMAL),
    "max_age_years": (SKG.maxAgeYears, _DECIMAL),
    "max_amount": (SKG.maxAmount, _DECIMAL),
    "min_amount": (SKG.minAmount, _DECIMAL),
    "amount": (SKG.amount, _DECIMAL),
    "preferred_amount": (SKG.preferredAmount, _DECIMAL),
    "unit": (SKG.unit, _CONCEPT),
    "per_kg": (SKG.perKgBodyWeight, _BOOL),
    "period": (SKG.period, _DURATION),
    "interval": (SKG.interval, _DURATION),
    "rating": (SKG.safetyRating, _CONCEPT),
    "indication": (SKG.indication, _ENTITY),
    "frequency": (SKG.frequency, _TEXT),
    "form": (SKG.dosageForm, _ENTITY),
    "administration": (SKG.administration, _TEXT),
    "start": (SKG.startCondition, _TEXT),
    "stop": (SKG.stopCondition, _TEXT),
    "relation": (SKG.relation, None),
    "object": (SKG.objectEntity, _ENTITY),
    "proportion": (SKG.proportion, _DECIMAL),
    "proportion_qualifier": (SKG.proportionQualifier, _CONCEPT),
    "qualifiers": (SKG.qualifier, _CONCEPT),
    "evidence": (SKG.interactionEvidence, _CONCEPT),
    "design": (SKG.studyDesign, _TEXT),
    "sample_size": (SKG.sampleSize, _INT),
    "intervention": (SKG.intervention, _ENTITY),
    "measured": (SKG.measured, _ENTITY),
    "effect_size": (SKG.effectSize, _DECIMAL),
    "effect_size_unit": (SKG.effectSizeUnit, _TEXT),
    "study_count": (SKG.studyCount, _INT),
    "citation_count": (SKG.citationCount, _INT),
}

#: Record kind -> the field holding the object of the direct edge.
DIRECT_OBJECT = {
    "effectiveness": "condition",
    "findings": "condition",
    "claimed_uses": "condition",
    "interactions": "interactant",
    "precautions": "subject",
    "safety_limits": "population",
    "dosing": "indication",
    "mechanisms": "object",
    "physiology": "object",
    "studies": "population",
}

PREFIXES = {
    "skg": str(SKG),
    "skgid": str(ID),
    "oa": str(OA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdfs": str(RDFS),
    "rdf": str(RDF),
    "xsd": str(XSD),
    "owl": str(OWL),
    "void": str(VOID),
    "dcat": str(DCAT),
}

DATASET = URIRef(BASE + "dataset")


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound (and no others)."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def entity_iri(entity_type: str, entity_id: str) -> URIRef:
    return ID[f"{ENTITY_TYPES[entity_type]}/{entity_id}"]


def statement_iri(monograph_id: str, record_id: str) -> URIRef:
    return ID[f"statement/{monograph_id}/{record_id}"]


def monograph_iri(monograph_id: str) -> URIRef:
    return ID[f"monograph/{monograph_id}"]


@dataclass
class BuildResult:
    graph: Graph
    metadata: Graph
    monographs: list[Monograph]
    records_in: int
    statements_out: int
    missing: list[str]


def load_all(paths: Iterable[str | Path]) -> list[Monograph]:
    """Load every data file named (files or folders), checking monograph ids are unique.

    :raises DataError: for any problem in any file.
    """
    monographs = [load_monograph(p) for p in find_data_files(paths)]
    seen: dict[str, Path] = {}
    for m in monographs:
        if m.id in seen:
            raise DataError(f"monograph id {m.id!r} is also used by {seen[m.id]}", where=str(m.path))
        seen[m.id] = m.path
    return monographs


def build_graph(monographs: list[Monograph]) -> Graph:
    """The knowledge graph of ``monographs`` (entities merged across files).

    :raises DataError: when two files describe one entity inconsistently.
    """
    g = entity_graph(monographs)
    for m in monographs:
        _monograph(g, m)
        for record in m.records:
            _statement(g, m, record)
    return g


def entity_graph(monographs: list[Monograph]) -> Graph:
    """The ontology and every entity of ``monographs``, merged across files: the part of the
    graph that statements of every monograph point into.

    :raises DataError: when two files describe one entity inconsistently.
    """
    g = new_graph()
    # The ontology travels with the data, so scale ranks, labels and class hierarchy are there
    # for every query on every engine (no reasoner, no second graph).
    g += schema.canonical_ontology()
    _entities(g, monographs)
    return g


def monograph_part(m: Monograph, entities: Graph) -> Graph:
    """The triples ``m`` adds to :func:`entity_graph`: its monograph, source text, sections and
    statements with their direct edges and quotes (``entities`` gives the labels of statements).
    The graph of several monographs is the entity graph plus each one's part."""
    g = new_graph()
    _monograph(g, m)
    for record in m.records:
        _statement(g, m, record, labels=entities)
    return g


# --------------------------------------------------------------------------------------------


def _entities(g: Graph, monographs: list[Monograph]) -> None:
    owners: dict[str, tuple[Entity, Monograph]] = {}
    texts: dict[str, list[str]] = {}  # entity id -> the source texts of the monographs describing it
    for m in monographs:
        for e in m.entities:
            texts.setdefault(e.id, []).append(_plain_quotes(m.text.raw))
    for m in monographs:
        for e in m.entities:
            first = owners.get(e.id)
            if first is not None:
                other, where = first
                if other.type != e.type or other.label != e.label:
                    raise DataError(
                        f"entity {e.id!r} is {e.type} {e.label!r} here but {other.type} {other.label!r} in {where.path}",
                        where=f"{m.path}:{e.line}",
                    )
            else:
                owners[e.id] = (e, m)
            _entity(g, e, m)
            _curator_names(g, e, texts[e.id])
    _reference_members(g, monographs)


REFERENCE_SOURCE = ID["source/reference-classification"]


def reference_class_iri(class_id: str) -> URIRef:
    return ID[f"reference-class/{_slug(class_id)}"]


def _declared_classes(monographs: list[Monograph]) -> list[str]:
    """The reference classes the drug classes of ``monographs`` correspond to, sorted."""
    return sorted({c for m in monographs for e in m.entities for c in e.reference_classes})


def _identifiers(g: Graph, node: URIRef, curies) -> None:
    """``skos:notation`` for each CURIE, and ``skos:exactMatch`` to it where its prefix is known."""
    known = xrefs.prefix_map()
    for curie in curies:
        g.add((node, SKOS.notation, Literal(curie)))
        if curie.partition(":")[0].upper() in known:
            g.add((node, SKOS.exactMatch, xrefs.expand(curie)))


def _reference_members(g: Graph, monographs: list[Monograph]) -> None:
    """The members of every reference class a drug class of ``monographs`` corresponds to.

    A member the monographs already describe (same name, or an identifier that only this drug of
    the table has: the table lists some ids, such as a parent's DrugBank id, for a prodrug too) gets the
    ``inReferenceClass`` edge on that entity; any other becomes a drug of its own, labelled and
    identified as the table gives it, with the table as its source. Rows a reviewer marked
    ``REVIEW:`` were left out when the table was read.
    """
    declared = _declared_classes(monographs)
    if not declared:
        return
    from kg.curation import classification
    from kg.names import fold

    table = classification.shipped()
    shared = table.shared_ids()
    known: dict[str, URIRef] = {}  # unambiguous identifier or folded name -> drug of a monograph
    for m in monographs:
        for e in m.entities:
            if e.type != "Drug":
                continue
            node = entity_iri("Drug", e.id)
            for x in e.xrefs:
                if x["curie"].upper() not in shared:
                    known.setdefault(x["curie"].upper(), node)
            for name in (e.label, *e.synonyms, *e.salts):
                known.setdefault(fold(name), node)
    g.add((REFERENCE_SOURCE, DCTERMS.title, Literal(table.title)))
    g.add((REFERENCE_SOURCE, SKG.licence, _iri_or_literal(table.licence)))
    for class_id in declared:
        ref = table.classes[class_id]
        node = reference_class_iri(class_id)
        g.add((node, RDF.type, SKG.ReferenceClass))
        g.add((node, RDFS.label, Literal(ref.label)))
        _identifiers(g, node, [class_id])
        g.add((node, SKG.classificationSystem, Literal(ref.system)))
        g.add((node, DCTERMS.source, REFERENCE_SOURCE))
        for member in table.members_of(class_id):
            ids = [i for i in member.ids if i.upper() not in shared]
            keys = [*(i.upper() for i in ids), fold(member.drug)]
            drug = next((known[k] for k in keys if k in known), None)
            if drug is None:
                drug = _reference_drug(g, member, ids)
                for key in keys:
                    known.setdefault(key, drug)
            g.add((drug, SKG.inReferenceClass, node))


def _reference_drug(g: Graph, member, ids: list[str]) -> URIRef:
    node = entity_iri("Drug", "ref-" + _slug(member.drug))
    g.add((node, RDF.type, SKG.Drug))
    g.add((node, RDFS.label, Literal(member.drug)))
    g.add((node, DCTERMS.source, REFERENCE_SOURCE))
    for b in member.brands:
        g.add((node, SKG.brandName, Literal(b)))
    _identifiers(g, node, ids)
    for key in search_keys([member.drug, *member.brands, *ids]):
        g.add((node, SKOS.hiddenLabel, Literal(key)))
    return node


def _entity(g: Graph, e: Entity, m: Monograph) -> None:
    node = entity_iri(e.type, e.id)
    g.add((node, RDF.type, SKG[e.type]))
    g.add((node, RDFS.label, Literal(e.label)))
    for s in e.synonyms:
        g.add((node, SKOS.altLabel, Literal(s)))
    for b in e.brands:
        g.add((node, SKG.brandName, Literal(b)))
    for salt in e.salts:
        g.add((node, SKG.saltName, Literal(salt)))
    curies = [x["curie"] for x in e.xrefs]
    for curie in curies:
        g.add((node, SKOS.notation, Literal(curie)))
    for key in search_keys([e.label, *e.synonyms, *e.brands, *e.salts, *curies]):
        g.add((node, SKOS.hiddenLabel, Literal(key)))
    for class_id in e.reference_classes:
        g.add((node, SKG.correspondsToReferenceClass, reference_class_iri(class_id)))
    if e.description:
        g.add((node, SKG.description, Literal(e.description)))
    if e.min_age_years is not None:
        g.add((node, SKG.minAgeYears, _decimal(e.min_age_years)))
    if e.max_age_years is not None:
        g.add((node, SKG.maxAgeYears, _decimal(e.max_age_years)))
    for state in e.states:
        g.add((node, SKG.physiologicalState, state.iri))
    for wider in e.broader:
        g.add((node, SKG.broaderPopulation, entity_iri("Population", wider)))
    for q in e.quotes:
        g.add((node, SKG.quote, Literal(q.text)))
    for parent in e.member_of:
        parent_iri = entity_iri("DrugClass", parent)
        if e.type == "Drug":
            g.add((node, SKG.memberOf, parent_iri))
            g.add((parent_iri, SKG.hasMember, node))
        else:
            g.add((node, SKG.subClassOfClass, parent_iri))
    for x in e.xrefs:
        try:
            target = xrefs.expand(x["curie"])
        except DataError as exc:
            raise DataError(f"record {e.id!r}: {exc.message}", where=f"{m.path}:{e.line}") from None
        predicate = SKOS.exactMatch if x["match"] == "exact" else SKOS.closeMatch
        g.add((node, predicate, target))
        prefix, _, local = x["curie"].partition(":")
        mapping = URIRef(f"{node}/mapping/{prefix.lower()}-{_slug(local)}")
        g.add((mapping, RDF.type, SKG.Mapping))
        g.add((mapping, SKG.mappingSubject, node))
        g.add((mapping, SKG.mappingPredicate, predicate))
        g.add((mapping, SKG.mappingObject, target))
        g.add((mapping, SKOS.notation, Literal(x["curie"])))
        if "source" in x:
            g.add((mapping, DCTERMS.source, ID[f"source/{x['source']}"]))
        if "edition" in x:
            g.add((mapping, SKG.edition, Literal(x["edition"])))


def _curator_names(g: Graph, e: Entity, texts: list[str]) -> None:
    """Mark each name of ``e`` (label, synonym, brand, salt) that none of ``texts`` contains as
    the curators' name."""
    from kg.curation.phrases import find_words

    node = entity_iri(e.type, e.id)
    for name in dict.fromkeys((e.label, *e.synonyms, *e.brands, *e.salts)):
        if not any(find_words(text, _plain_quotes(name)) for text in texts):
            g.add((node, SKG.curatorName, Literal(name)))


def _plain_quotes(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def _monograph(g: Graph, m: Monograph) -> None:
    mono = monograph_iri(m.id)
    text = ID[f"monograph/{m.id}/text"]
    g.add((mono, RDF.type, SKG.Monograph))
    g.add((mono, RDFS.label, Literal(m.title)))
    g.add((mono, DCTERMS.title, Literal(m.title)))
    g.add((mono, SKG.aboutSubstance, entity_iri("Substance", m.substance)))
    g.add((mono, SKG.sourceText, text))
    g.add((mono, SKG.licence, _iri_or_literal(m.licence)))
    g.add((mono, OWL.versionInfo, Literal(m.version)))
    if m.curated_by:
        g.add((mono, DCTERMS.creator, Literal(m.curated_by)))
    g.add((text, RDF.type, SKG.SourceText))
    g.add((text, RDFS.label, Literal(m.text.path.name if m.text.path else f"{m.id} source text")))
    g.add((text, SKG.sha256, Literal(m.text.sha256)))
    g.add((text, DCTERMS.isPartOf, mono))
    g.add((text, DCTERMS.format, Literal("text/plain")))
    for d in m.documents:
        doc = ID[f"monograph/{m.id}/document/{d['id']}"]
        g.add((doc, RDF.type, SKG.SourceDocument))
        g.add((doc, RDFS.label, Literal(d["title"])))
        g.add((doc, DCTERMS.title, Literal(d["title"])))
        g.add((mono, DCTERMS.source, doc))
        if "kind" in d:
            g.add((doc, DCTERMS.type, Literal(d["kind"])))
        if "note" in d:
            g.add((doc, SKG.note, Literal(d["note"])))
    for s in m.sections:
        sec = _section_iri(m, s.id)
        g.add((sec, RDF.type, SKG.Section))
        g.add((sec, RDFS.label, Literal(s.title)))
        g.add((sec, SKG.document, ID[f"monograph/{m.id}/document/{s.document}"]))
        g.add((sec, DCTERMS.isPartOf, text))
        g.add((sec, SKG.startOffset, Literal(s.start, datatype=XSD.nonNegativeInteger)))
        g.add((sec, SKG.endOffset, Literal(s.end, datatype=XSD.nonNegativeInteger)))
    for src in m.external_sources:
        node = ID[f"source/{src['id']}"]
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, RDFS.label, Literal(src["title"])))
        g.add((node, DCTERMS.title, Literal(src["title"])))
        if "licence" in src:
            g.add((node, SKG.licence, _iri_or_literal(src["licence"])))
        if "note" in src:
            g.add((node, SKG.note, Literal(src["note"])))


def _section_iri(m: Monograph, section_id: str) -> URIRef:
    return ID[f"monograph/{m.id}/section/{section_id}"]


def _statement(g: Graph, m: Monograph, r: Record, labels: Graph | None = None) -> None:
    cls, direct = KIND_CLASS[r.kind]
    node = statement_iri(m.id, r.id)
    f = r.fields
    substance = entity_iri("Substance", f["substance"])
    g.add((node, RDF.type, cls))
    g.add((node, SKG.monograph, monograph_iri(m.id)))
    g.add((node, SKG.recordId, Literal(r.id)))
    g.add((node, SKG.aboutSubstance, substance))
    for key, value in f.items():
        if key in ("substance", "relation", "subject", "object"):
            continue
        predicate, how = FIELD_MAP[key]
        for v in value if isinstance(value, list) else [value]:
            g.add((node, predicate, _term(m, how, v)))
    _provenance(g, m, node, r.quotes)

    # The direct edge and its uniform description on the statement.
    obj_key = DIRECT_OBJECT[r.kind]
    if r.kind in ("mechanisms", "physiology"):
        subj = _entity_of(m, f["subject"])
        predicate = f["relation"]
    else:
        subj = substance
        predicate = direct
    if r.kind == "precautions":
        g.add((node, SKG.precautionFor, _entity_of(m, f["subject"])))
    obj = _entity_of(m, f[obj_key]) if obj_key in f else None
    if r.kind == "studies" and f.get("gives_substance") is False:
        obj = None  # background the text cites: no edge from the substance
    if obj is not None:
        g.add((subj, predicate, obj))
        g.add((node, SKG.subjectEntity, subj))
        g.add((node, SKG.relation, predicate))
        g.add((node, SKG.objectEntity, obj))
    g.add((node, RDFS.label, Literal(_label(g if labels is None else labels, r, subj, predicate, obj))))


def _label(g: Graph, r: Record, subj, predicate, obj) -> str:
    ont = schema.ontology()
    subj_label = str(g.value(subj, RDFS.label) or subj)
    if obj is None:
        return f"{subj_label}: {r.kind.replace('_', ' ')} {r.id}"
    rel = str(ont.value(predicate, RDFS.label) or predicate.split("#")[-1])
    return f"{subj_label} {rel} {g.value(obj, RDFS.label) or obj}"


def _entity_of(m: Monograph, entity_id: str) -> URIRef:
    return entity_iri(m.entity(entity_id).type, entity_id)


def _provenance(g: Graph, m: Monograph, node: URIRef, quotes: list[Quote]) -> None:
    text = ID[f"monograph/{m.id}/text"]
    g.add((node, SKG.section, _section_iri(m, quotes[0].section)))
    g.add((node, PROV.wasDerivedFrom, text))
    for n, q in enumerate(quotes, start=1):
        ev = URIRef(f"{node}/quote/{n}")
        tsel = URIRef(f"{ev}/text")
        psel = URIRef(f"{ev}/position")
        g.add((node, SKG.quote, Literal(q.text)))
        g.add((node, SKG.evidence, ev))
        g.add((ev, RDF.type, OA.SpecificResource))
        g.add((ev, OA.hasSource, text))
        g.add((ev, SKG.section, _section_iri(m, q.section)))
        g.add((ev, OA.hasSelector, tsel))
        g.add((ev, OA.hasSelector, psel))
        g.add((tsel, RDF.type, OA.TextQuoteSelector))
        g.add((tsel, OA.exact, Literal(q.text)))
        if q.prefix:
            g.add((tsel, OA.prefix, Literal(q.prefix)))
        if q.suffix:
            g.add((tsel, OA.suffix, Literal(q.suffix)))
        g.add((psel, RDF.type, OA.TextPositionSelector))
        g.add((psel, OA.start, Literal(q.start, datatype=XSD.nonNegativeInteger)))
        g.add((psel, OA.end, Literal(q.end, datatype=XSD.nonNegativeInteger)))


def _term(m: Monograph, how: int, value):
    if how == _ENTITY:
        return _entity_of(m, value)
    if how == _CONCEPT:
        return value.iri
    if how == _TEXT:
        return Literal(value)
    if how == _DECIMAL:
        return _decimal(value)
    if how == _BOOL:
        return Literal(value)
    if how == _DURATION:
        return Literal(value, datatype=XSD.duration)
    if how == _INT:
        return Literal(value, datatype=XSD.integer)
    if how == _RECORD:
        return statement_iri(m.id, value)
    raise AssertionError(how)


def _decimal(value: Decimal) -> Literal:
    # Normalise 40, 40.0 and 4E1 to one lexical form so builds compare equal.
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def _iri_or_literal(value: str):
    return URIRef(value) if value.startswith(("http://", "https://")) else Literal(value)


# --------------------------------------------------------------------------------------------


def metadata_graph(graph: Graph, monographs: list[Monograph], triples: int) -> Graph:
    """VoID/DCAT description of the built dataset (no build time: builds stay byte-identical)."""
    g = new_graph()
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, RDF.type, DCAT.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("Supplement knowledge graph")))
    g.add((DATASET, DCTERMS.description, Literal(
        "Supplement monographs as an RDF knowledge graph; every statement carries its verbatim source quote.")))
    g.add((DATASET, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((DATASET, VOID.vocabulary, URIRef(str(SKG))))
    g.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    g.add((DATASET, DCTERMS.conformsTo, URIRef(BASE + "ontology")))
    entities = set(graph.subjects(RDF.type, None))
    g.add((DATASET, VOID.entities, Literal(len(entities), datatype=XSD.integer)))
    versions = sorted({m.version for m in monographs})
    g.add((DATASET, OWL.versionInfo, Literal(", ".join(versions))))
    for m in monographs:
        mono = monograph_iri(m.id)
        g.add((DATASET, DCTERMS.source, mono))
        g.add((mono, RDF.type, SKG.Monograph))
        g.add((mono, DCTERMS.title, Literal(m.title)))
        g.add((mono, SKG.licence, _iri_or_literal(m.licence)))
        g.add((DATASET, DCTERMS.license, _iri_or_literal(m.licence)))
        if is_draft(m):  # built with --allow-drafts: the metadata says nobody reviewed it
            g.add((mono, SKG.reviewStatus, Literal(DRAFT_STATUS)))
        for src in m.external_sources:
            node = ID[f"source/{src['id']}"]
            g.add((DATASET, PROV.wasDerivedFrom, node))
            g.add((node, DCTERMS.title, Literal(src["title"])))
            if "licence" in src:
                g.add((node, SKG.licence, _iri_or_literal(src["licence"])))
    if _declared_classes(monographs):
        from kg.curation import classification

        table = classification.shipped()
        g.add((DATASET, PROV.wasDerivedFrom, REFERENCE_SOURCE))
        g.add((DATASET, DCTERMS.license, _iri_or_literal(table.licence)))
        g.add((REFERENCE_SOURCE, DCTERMS.title, Literal(table.title)))
        g.add((REFERENCE_SOURCE, SKG.licence, _iri_or_literal(table.licence)))
        g.add((REFERENCE_SOURCE, DCTERMS.rights, Literal(table.attribution)))
    for cls, count in sorted(Counter(graph.objects(None, RDF.type)).items()):
        part = URIRef(f"{DATASET}/class/{cls.split('#')[-1].split('/')[-1]}")
        g.add((DATASET, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    return g


def reconcile(graph: Graph, monographs: list[Monograph]) -> tuple[int, int, list[str]]:
    """Records in against statement nodes out; the ids of records with no statement node."""
    records = [(m, r) for m in monographs for r in m.records]
    missing = [f"{m.path}: {r.kind} {r.id}" for m, r in records
               if (statement_iri(m.id, r.id), RDF.type, KIND_CLASS[r.kind][0]) not in graph]
    out = sum(1 for cls, _ in KIND_CLASS.values() for _ in graph.subjects(RDF.type, cls))
    return len(records), out, missing


def build(paths: Iterable[str | Path]) -> BuildResult:
    """Load, check and build ``paths`` into a graph and its metadata (nothing is written)."""
    monographs = load_all(paths)
    graph = build_graph(monographs)
    records_in, out, missing = reconcile(graph, monographs)
    metadata = metadata_graph(graph, monographs, len(graph))
    return BuildResult(graph, metadata, monographs, records_in, out, missing)


def shipped_paths() -> list[Path]:
    """The data files of the monographs shipped with the package."""
    from kg.resources import monographs_dir

    return find_data_files([monographs_dir()])


def ntriples_lines(graph: Graph) -> set[str]:
    """The graph's N-Triples lines (without line ends); the file is these, sorted."""
    return {line for line in graph.serialize(format="nt11").splitlines() if line.strip()}
