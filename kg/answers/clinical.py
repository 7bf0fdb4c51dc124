"""The questions clinicians ask most, as plain data: the medication checker, evidence, precautions
and maximum daily amounts.

Every function runs canned queries (``queries/*.rq``) through an :class:`~kg.sparql.query.Engine`, so it
works unchanged on any backend. Pass ``engine=`` (or ``graph=``: a ``kg build`` output folder, a
graph file or an rdflib Graph); by default the shipped monographs are built in memory::

    report = interactions(["Brandname", "Genericname", "Misspeltname"])
    report["results"][0]["interactions"][0]["severity"], report["unknown"][0]["suggestions"]

All four return plain data (dicts, lists, strings, numbers), ready for JSON.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KGError, NotFound, QueryError, UsageError
from kg.sparql.canned import run_query
from kg.sparql.engine import Engine
from kg.sparql.guards import DEFAULT_TIMEOUT
from kg.sparql.query import open_engine
from kg.answers.resolve import Lookup, NameIndex, fold, full_index, lookup
from kg.text import checked_text

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph

#: Internal queries may return many rows (every name in the graph); they must not be cut.
_INTERNAL_LIMIT = 5_000_000
#: Separator between the quotes of one statement, in text order.
QUOTE_SEPARATOR = " … "

__all__ = ["NoApplicableLimit", "interactions", "evidence", "precautions", "dose", "scale", "worst_severity"]


class NoApplicableLimit(KGError, LookupError):
    """No stated safety limit covers the route and age asked about; nothing is extrapolated.

    Exit code 1: the question was valid, and the answer is that the source states no limit.
    """

    exit_code = 1


# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------

_indexes: "weakref.WeakKeyDictionary[Any, NameIndex]" = weakref.WeakKeyDictionary()
_scales: "weakref.WeakKeyDictionary[Any, dict[str, list[dict]]]" = weakref.WeakKeyDictionary()


def _engine(engine: Engine | None, graph: str | Path | Graph | None) -> Engine:
    if engine is not None and graph is not None:
        raise UsageError("give an engine or a graph, not both")
    return engine if engine is not None else open_engine(graph)


def _rows(engine: Engine, name: str, params: Mapping[str, Any], timeout: float) -> list[dict]:
    rows = run_query(engine, name, params, timeout=timeout, limit=_INTERNAL_LIMIT)
    if rows.truncated:
        raise QueryError(f"query {name!r} returned more than {_INTERNAL_LIMIT:,} rows")
    return rows.rows


def _cached(cache, engine, build):
    try:
        value = cache.get(engine)
    except TypeError:  # an engine that cannot be weakly referenced: no caching
        return build()
    if value is None:
        value = build()
        cache[engine] = value
    return value


def _names(engine: Engine, timeout: float) -> NameIndex:
    """The index of every name (one scan of the graph), built once per engine: only needed for
    suggestions, and for names the indexed lookup does not find."""
    return _cached(_indexes, engine, lambda: full_index(engine, timeout=timeout))


def complete(prefix: str, types: list[str] | None = None, *, n: int = 20, engine: Engine | None = None,
             graph=None, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Type-ahead: up to ``n`` names starting with ``prefix`` (generic, brand, synonym, salt,
    identifier), ``[{"name", "label", "type", "kind", "iri"}]``, shortest first."""
    engine = _engine(engine, graph)
    return [{"name": m.matched, "label": m.label, "type": m.type, "kind": m.kind, "iri": m.iri}
            for m in _names(engine, timeout).complete(prefix, n=n, types=types)]


def names_in(text: str, types: list[str] | None = None, *, engine: Engine | None = None, graph=None,
             timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """The entities named in free text ("Moonpetal powder 5 g" names moonpetal):
    ``[{"label", "type", "iri", "matched"}]``, left to right."""
    engine = _engine(engine, graph)
    return [{"label": m.label, "type": m.type, "iri": m.iri, "matched": m.matched}
            for m in _names(engine, timeout).names_in(text, types=types)]


def _lookup(engine: Engine, name: str, types: list[str] | None, timeout: float) -> Lookup:
    return lookup(engine, name, types=types, timeout=timeout, full=lambda: _names(engine, timeout))


def scale(scheme: str, *, engine: Engine | None = None, graph=None, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """The codes of one scale (evidence, safety, severity, precaution, route, unit, direction),
    best / most severe first: ``[{"code", "label", "rank"}]`` with rank an int (or None)."""
    engine = _engine(engine, graph)
    table = _cached(_scales, engine, lambda: _load_scales(engine, timeout))
    if scheme not in table:
        raise UsageError(f"unknown scale {scheme!r}; scales: {', '.join(sorted(table))}")
    return table[scheme]


def _load_scales(engine: Engine, timeout: float) -> dict[str, list[dict]]:
    table: dict[str, list[dict]] = defaultdict(list)
    aliases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _rows(engine, "scale-aliases", {}, timeout):
        aliases[r["scale"], r["code"]].add(r["alias"])
    for r in _rows(engine, "scale-concepts", {}, timeout):
        table[r["scale"]].append({"code": r["code"], "label": r["label"], "rank": _int(r["rank"]),
                                  "aliases": sorted(aliases[r["scale"], r["code"]], key=lambda a: (fold(a), a))})
    return dict(table)


def _key(text: str) -> str:
    """What two spellings of one code share: letters and digits only ("i.v." and "IV", "by-mouth")."""
    return re.sub(r"[\W_]+", "", fold(text))


def _code(kind: str, value: str, engine: Engine, timeout: float) -> dict:
    """The concept of scale ``kind`` that ``value`` names: its code, label or an alias (``IV``,
    ``by mouth``), in any case and punctuation."""
    checked_text(value, f"the {kind} code")
    wanted = _key(value)
    concepts = scale(kind, engine=engine, timeout=timeout)
    if wanted:
        for concept in concepts:
            if wanted in {_key(concept["code"]), _key(concept["label"]), *map(_key, concept["aliases"])}:
                return concept
    accepted = "; ".join(c["code"] + (f" ({', '.join(c['aliases'])})" if c["aliases"] else "") for c in concepts)
    shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
    raise UsageError(f"unknown {kind} {shown!r}; use one of: {accepted}")


def _supplement(name: str | None, engine: Engine, timeout: float) -> str:
    """The name to bind for ``supplement`` ("" for every supplement).

    :raises NotFound: with suggestions for a name that is no supplement in the graph.
    """
    if name is None:
        return ""
    checked_text(name, "a supplement name")
    found = _lookup(engine, name, ["Substance"], timeout)
    if not found.matches:
        hint = f"; did you mean: {', '.join(found.suggestions)}?" if found.suggestions else ""
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise NotFound(f"unknown supplement {shown!r}{hint}")
    return found.matches[0].matched


def _int(value: str | None) -> int | None:
    try:
        return int(Decimal(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _num_or_none(value: str | None) -> int | float | None:
    number = _decimal(value)
    return None if number is None else _number(number)


def _number(value: Decimal) -> int | float:
    """A JSON-friendly number: 21 rather than 21.0, 0.7 rather than Decimal('0.7')."""
    return int(value) if value == value.to_integral_value() else float(value)


def _show(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _quotes(rows: Iterable[dict]) -> list[str]:
    """The distinct quotes of rows, in the order they appear in the source text."""
    seen: dict[str, int] = {}
    for r in rows:
        q = r.get("quote")
        if q and q not in seen:
            seen[q] = _int(r.get("quote_start")) or 0
    return sorted(seen, key=lambda q: (seen[q], q))


def _sections(rows: Iterable[dict], quotes: list[str]) -> list[str | None]:
    """The title of the section each of ``quotes`` is in (the ``section`` column of rows; None
    where the graph names none), in the order of ``quotes``."""
    found: dict[str, str] = {}
    for r in rows:
        if r.get("quote") and r.get("section"):
            found.setdefault(r["quote"], r["section"])
    return [found.get(q) for q in quotes]


def _group(rows: Iterable[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return groups


# ---------------------------------------------------------------------------------------------
# The medication checker
# ---------------------------------------------------------------------------------------------

_TYPE_LABEL = {"Drug": "drug", "DrugClass": "drug class"}


def interactions(names: Iterable[str], supplement: str | None = None, *, engine: Engine | None = None,
                 graph=None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Check a medication list against the supplements in the graph.

    Each name (generic, brand or synonym, any letter case, or a drug class) is resolved to the
    drugs or classes it names; every interaction that applies to it directly or through class
    membership (transitively) is listed, with ``via`` the chain of class labels it came through
    (empty when stated for the drug itself). Names that resolve to no drug or class are listed
    under ``unknown`` with close matches, never dropped.

    Returns ``{"results": [{"input", "resolved", "type", "iri", "matched", "interactions":
    [{"supplement", "severity", "severity_rank", "likelihood", "likelihood_rank", "evidence",
    "evidence_label", "qualifiers", "basis", "via",
    "interactant", "effect", "mechanism", "recommendation", "quote", "quotes", "quote_sections",
    "statement"}]}],
    "unknown": [{"input", "suggestions"}]}``.

    ``likelihood`` is how likely the text says the interaction is (``probable``, ``possible``,
    ``uncertain``; ``not stated`` for a graph built without it, rank None); ``evidence`` what the
    text rests it on (``mechanism``, ``case-report``, ``study``; ``not stated`` when it gives
    nothing), ``qualifiers`` the restrictions the text puts on it (``[{"code": "some-types",
    "label": "only some types"}]``: the effect concerns only some members of the class); ``basis`` is
    ``stated`` when the monograph names the drug or its class, ``classification`` when the drug
    meets the interaction only because the reference classification puts it in a class the
    monograph's drug class corresponds to: such an entry adds ``classification_source`` (the
    reference classes: id, label, system, class, source) and ``basis_note``, a sentence saying
    the monograph did not name the drug. A name that is a salt adds ``note`` to its result.
    ``quotes`` are the interaction's quotes in text order, ``quote_sections`` the title of the
    section of the text each one is in (None where the graph names none).

    :raises UsageError: for an empty list; :raises NotFound: for an unknown ``supplement``.
    """
    engine = _engine(engine, graph)
    names = list(names) if not isinstance(names, str) else [names]
    if not names:
        raise UsageError("give at least one drug or drug class name")
    for n in names:
        checked_text(n, "a drug name")
    supplement_name = _supplement(supplement, engine, timeout)
    results, unknown = [], []
    for raw in names:
        found = _lookup(engine, raw, ["Drug", "DrugClass"], timeout)
        if not found.matches:
            entry: dict[str, Any] = {"input": raw, "suggestions": found.suggestions}
            other = _lookup(engine, raw, None, timeout).matches
            if other:
                kind = re.sub(r"(?<!^)(?=[A-Z])", " ", other[0].type).lower()
                entry["note"] = f"names a {kind} ({other[0].label}), not a drug or drug class"
            unknown.append(entry)
            continue
        for match in found.matches:
            results.append(_check_one(engine, raw, match, supplement_name, timeout))
    return {"results": results, "unknown": unknown}


def _check_one(engine: Engine, raw: str, match, supplement_name: str, timeout: float) -> dict:
    rows = _rows(engine, "entity-interactions", {"entity_iri": match.iri, "supplement": supplement_name}, timeout)
    edges = _rows(engine, "entity-classes", {"entity_iri": match.iri}, timeout)
    found = [_interaction(statement, group, "stated", _via(edges, match.iri, group[0]["interactant_iri"]))
             for statement, group in _group(rows, "interaction").items()]
    if match.type == "Drug":
        classified = _rows(engine, "classified-interactions",
                           {"entity_iri": match.iri, "supplement": supplement_name}, timeout)
        stated = {i["statement"] for i in found}
        for statement, group in _group(classified, "interaction").items():
            if statement not in stated:
                found.append(_classified(match.label, statement, group))
    found.sort(key=lambda i: (-(i["severity_rank"] or 0), i["basis"] != "stated", i["supplement"], i["interactant"],
                              i["statement"]))
    result = {"input": raw, "resolved": match.label, "type": _TYPE_LABEL.get(match.type, match.type),
              "iri": match.iri, "matched": match.matched, "match_kind": match.kind, "interactions": found}
    if match.kind == "salt":
        result["note"] = f"{match.matched} is a salt of {match.label}: what is recorded for {match.label} applies."
    return result


def _interaction(statement: str, group: list[dict], basis: str, via: list[str]) -> dict:
    first = group[0]
    quotes = _quotes(group)
    return {
        "supplement": first["substance"],
        "severity": first["severity"],
        "severity_rank": _int(first["severity_rank"]),
        "likelihood": first.get("likelihood") or "not stated",
        "likelihood_rank": _int(first.get("likelihood_rank")),
        "evidence": first.get("evidence") or "not stated",
        "evidence_label": first.get("evidence_label") or EVIDENCE_NOT_STATED,
        "qualifiers": _qualifiers(group),
        "basis": basis,
        "via": via,
        "interactant": first["interactant"],
        "interactant_type": first["interactant_type"],
        "effect": first["effect"] or "",
        "mechanism": first["mechanism"] or "",
        "recommendation": first["recommendation"] or "",
        "quote": QUOTE_SEPARATOR.join(quotes),
        "quotes": quotes,
        "quote_sections": _sections(group, quotes),
        "statement": statement,
    }


EVIDENCE_NOT_STATED = "not stated in the text"


def _qualifiers(rows: Iterable[dict]) -> list[dict]:
    """The distinct qualifiers of a statement's rows: ``[{"code", "label"}]`` sorted by code."""
    found = {r["qualifier"]: r.get("qualifier_label") or r["qualifier"] for r in rows if r.get("qualifier")}
    return [{"code": c, "label": found[c]} for c in sorted(found)]


def _classified(drug: str, statement: str, group: list[dict]) -> dict:
    """An interaction the drug meets only through the reference classification, said so."""
    sources = {}
    for r in group:
        sources.setdefault(r["classification_id"], {
            "id": r["classification_id"], "label": r["classification"], "system": r["classification_system"],
            "class": r["class"], "source": r["classification_source"]})
    classification_source = [sources[k] for k in sorted(sources)]
    first = group[0]
    named = ", ".join(f"{s['system']} {s['label']} ({s['id']})" for s in classification_source)
    via = [f"{classification_source[0]['label']} ({classification_source[0]['id']}, reference classification)",
           first["class"]]
    if first["interactant"] != first["class"]:
        via.append(first["interactant"])
    entry = _interaction(statement, group, "classification", via)
    entry["classification_source"] = classification_source
    entry["basis_note"] = (
        f"The {first['substance']} monograph does not name {drug}. It states this interaction for "
        f"{first['interactant']}; {drug} is counted among them only because the project's reference "
        f"classification lists it under {named}.")
    return entry


def _via(edges: list[dict], start: str, target: str) -> list[str]:
    """Labels of the classes on the shortest membership chain from ``start`` to ``target``."""
    if start == target:
        return []
    label = {}
    nxt: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        nxt[e["from_iri"]].append(e["to_iri"])
        label[e["to_iri"]] = e["to"]
    previous = {start: None}
    frontier = [start]
    while frontier:
        new = []
        for node in frontier:
            for to in sorted(nxt.get(node, [])):
                if to not in previous:
                    previous[to] = node
                    new.append(to)
        frontier = new
    if target not in previous:
        return [label.get(target, target)]
    chain = []
    node = target
    while node != start:
        chain.append(label.get(node, node))
        node = previous[node]
    return chain[::-1]


def worst_severity(report: Mapping) -> dict | None:
    """The most severe interaction of a medication-check report, or None."""
    all_found = [i for r in report["results"] for i in r["interactions"]]
    return max(all_found, key=lambda i: i["severity_rank"] or 0, default=None)


# ---------------------------------------------------------------------------------------------
# Evidence and precautions
# ---------------------------------------------------------------------------------------------


def evidence(level: str | None = None, supplement: str | None = None, *, at_least: bool = False,
             at_most: bool = False, engine: Engine | None = None, graph=None,
             timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Conditions by evidence level: ``[{"supplement", "condition", "level", "route", "quote",
    "population", "level_label", "level_rank", "statement", "quotes", "quote_sections"}]``, best
    evidence first.

    ``level`` is a code or label of the evidence scale (``possibly-effective``, "likely
    ineffective", ...); with ``at_least`` the level or better, with ``at_most`` the level or
    worse; without ``level`` every level. ``route`` lists the routes the assessment names
    (comma-separated; "" when it names none), ``quote`` its quotes in text order (``quotes``
    lists them, ``quote_sections`` the title of the section of the text each one is in).

    :raises UsageError: for an unknown level, or both ``at_least`` and ``at_most``.
    """
    engine = _engine(engine, graph)
    if at_least and at_most:
        raise UsageError("choose at most one of at_least and at_most")
    if level is None:
        if at_least or at_most:
            raise UsageError("at_least and at_most need a level")
        params = {"level": "ineffective", "comparison": "at-least"}
    else:
        code = _code("evidence", level, engine, timeout)["code"]
        params = {"level": code, "comparison": "at-least" if at_least else "at-most" if at_most else "exactly"}
    params["supplement"] = _supplement(supplement, engine, timeout)
    out = []
    for statement, group in _group(_rows(engine, "evidence-by-level", params, timeout), "statement").items():
        first = group[0]
        quotes = _quotes(group)
        out.append({
            "supplement": first["substance"],
            "condition": first["condition"],
            "level": first["evidence_level"],
            "route": ", ".join(sorted({r["route"] for r in group if r["route"]})),
            "quote": QUOTE_SEPARATOR.join(quotes),
            "population": first["population"] or "",
            "level_label": first["evidence_label"],
            "level_rank": _int(first["evidence_rank"]),
            "statement": statement,
            "quotes": quotes,
            "quote_sections": _sections(group, quotes),
        })
    out.sort(key=lambda r: (-(r["level_rank"] or 0), r["supplement"], fold(r["condition"]), r["statement"]))
    return out


def precautions(supplement: str | None = None, *, min_strength: str | None = None, engine: Engine | None = None,
                graph=None, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Who should avoid or be careful with a supplement: ``[{"supplement", "subject", "strength",
    "rationale", "quote", "subject_type", "strength_rank", "statement", "quotes", "quote_sections",
    "subject_iri", "subject_min_age", "subject_max_age"}]``, strongest first
    (strength: do-not-use, avoid, caution).

    :raises UsageError: for an unknown ``min_strength``; :raises NotFound: for an unknown supplement.
    """
    engine = _engine(engine, graph)
    params = {"supplement": _supplement(supplement, engine, timeout),
              "min_strength": _code("precaution", min_strength, engine, timeout)["code"] if min_strength else "caution"}
    out = []
    for statement, group in _group(_rows(engine, "precautions", params, timeout), "precaution").items():
        first = group[0]
        quotes = _quotes(group)
        out.append({
            "supplement": first["substance"],
            "subject": first["subject"],
            "strength": first["strength"],
            "rationale": first["rationale"] or "",
            "quote": QUOTE_SEPARATOR.join(quotes),
            "subject_type": first["subject_type"],
            "strength_rank": _int(first["strength_rank"]),
            "statement": statement,
            "quotes": quotes,
            "quote_sections": _sections(group, quotes),
            "subject_iri": first["subject_iri"],
            "subject_min_age": _num_or_none(first.get("subject_min_age")),
            "subject_max_age": _num_or_none(first.get("subject_max_age")),
        })
    out.sort(key=lambda r: (-(r["strength_rank"] or 0), r["supplement"], fold(r["subject"]), r["statement"]))
    return out


# ---------------------------------------------------------------------------------------------
# Maximum daily amount from the stated safety limits
# ---------------------------------------------------------------------------------------------

_PERIODS = {"P1D": "day", "PT24H": "day", "P1W": "week", "P7D": "week", "PT1H": "hour", "P1M": "month", "P1Y": "year"}
MAX_AGE_YEARS = 130
MAX_WEIGHT_KG = 650


def _checked_number(value: Any, what: str, low: float, high: float, *, low_inclusive: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise UsageError(f"{what} must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UsageError(f"{what} must be a number, not {str(value)[:30]!r}") from None
    if not number.is_finite() or (number < low if low_inclusive else number <= low) or number > high:
        bound = "at least" if low_inclusive else "more than"
        raise UsageError(f"{what} must be {bound} {low} and at most {high}, not {str(value)[:30]}")
    return number


#: Mass units in milligrams, to compare limits stated in different units.
_MG = {"g": Decimal(1000), "mg": Decimal(1), "mcg": Decimal("0.001")}
#: Periods in days, to compare limits stated per day and per week.
_DAYS = {"day": Decimal(1), "week": Decimal(7), "hour": Decimal(1) / 24, "month": Decimal(30), "year": Decimal(365)}


def dose(supplement: str, route: str, age: float | int | str | Decimal, weight_kg: float | int | str | Decimal | None = None,
         *, engine: Engine | None = None, graph=None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """The maximum amount per period the stated safety limits allow for a person: the smallest of
    every limit that applies.

    A limit applies when it is of ``supplement`` by ``route`` (a route code, label or alias such as
    ``IV`` or ``by mouth``), rated safe (likely or possibly safe) and its stated age range covers
    ``age`` (in completed years: "aged 3 to 18" covers 3.0 up to, not including, 19), so an age
    inside two bands has both. The ceiling for adults by that route (a safe limit whose band starts
    above ``age`` and has no upper end) applies to a younger person too, once some band covers
    their age: a child's per-kg limit never exceeds it. A limit per kg of body weight needs
    ``weight_kg`` and is multiplied by it. Of the limits that apply, the smallest daily amount wins;
    ``rule`` names each one and which won, ``limits`` lists them.

    Returns ``{"amount", "unit", "per", "rule", "quote", "quotes", "quote_sections", "supplement",
    "route", "population", "age_years", "weight_kg", "limit_amount", "per_kg", "rating", "statement",
    "limits": [{"statement", "population", "limit", "amount", "unit", "per", "applies", "won"}]}``;
    amounts of a gram or more are in g.

    For a limit of 0.7 g per kg of body weight per day for ages 3 to 18, ``dose(s, "oral", 10, 30)``
    gives ``{"amount": 21, "unit": "g", "per": "day", ...}``.

    :raises NoApplicableLimit: (exit 1) when no stated limit covers the route and age; the
        limits that are stated are named, and nothing is extrapolated.
    :raises UsageError: for a bad age, weight or route, or a per-kg limit without a weight;
    :raises NotFound: for an unknown supplement.
    """
    engine = _engine(engine, graph)
    age_years = _checked_number(age, "age", 0, MAX_AGE_YEARS, low_inclusive=True)
    weight = None if weight_kg is None else _checked_number(weight_kg, "weight in kg", 0, MAX_WEIGHT_KG,
                                                            low_inclusive=False)
    route_concept = _code("route", route, engine, timeout)
    checked_text(supplement, "a supplement name")
    name = _supplement(supplement, engine, timeout)
    params = {"supplement": name, "route_code": route_concept["code"], "population_name": "", "age_years": age_years}
    limits = _limits(_rows(engine, "safety-limits", params, timeout))
    covering = [lim for lim in limits if (lim["rating_rank"] or 0) >= 1]
    if not covering:
        raise NoApplicableLimit(_no_limit_message(engine, name, route_concept, age_years, limits, timeout))
    applied = [(lim, f"covers age {_show(age_years)}") for lim in covering]
    every = _limits(_rows(engine, "safety-limits", {"supplement": name, "route_code": route_concept["code"]}, timeout))
    seen = {lim["statement"] for lim in covering}
    for lim in every:
        if (lim["statement"] not in seen and (lim["rating_rank"] or 0) >= 1 and lim["max_age"] is None
                and lim["min_age"] is not None and lim["min_age"] > age_years):
            applied.append((lim, "the ceiling for older people by this route"))
    missing = [lim for lim, _why in applied if lim["per_kg"]] if weight is None else []
    if missing:
        lim = missing[0]
        raise UsageError(f"the limit for {_who(lim)} is per kg of body weight ({_show(lim['max_amount'])} "
                         f"{lim['unit']}/kg per {_per(lim)}); give the weight in kg")
    worked = [_worked(lim, why, weight) for lim, why in applied]
    units = {w["unit"] for w in worked}
    if len(units) > 1 and not units <= set(_MG):
        raise QueryError(f"the limits that apply are in units that cannot be compared ({', '.join(sorted(units))})")
    best = min(worked, key=lambda w: (w["daily"], -(w["lim"]["rating_rank"] or 0), w["lim"]["statement"]))
    for w in worked:
        w["won"] = w is best
    lim = best["lim"]
    amount, unit = _readable(best["amount"], best["unit"])
    rule = f"at most {best['text']}"
    if not lim["per_kg"]:
        rule += ", not scaled by body weight"
    others = sorted((w for w in worked if not w["won"]), key=lambda w: (w["daily"], w["lim"]["statement"]))
    if others:
        rule = (f"the smallest of {len(worked)} stated limits that apply: {rule}; also applies, larger: "
                + "; ".join(w["text"] for w in others))
    return {
        "amount": _number(amount),
        "unit": unit,
        "per": best["per"],
        "rule": rule,
        "quote": QUOTE_SEPARATOR.join(lim["quotes"]),
        "quotes": lim["quotes"],
        "quote_sections": lim["quote_sections"],
        "supplement": lim["substance"],
        "route": route_concept["code"],
        "population": lim["population"] or "",
        "age_years": _number(age_years),
        "weight_kg": None if weight is None else _number(weight),
        "limit_amount": _number(lim["max_amount"]),
        "per_kg": lim["per_kg"],
        "rating": lim["rating"] or "",
        "statement": lim["statement"],
        "limits": [{"statement": w["lim"]["statement"], "population": w["lim"]["population"] or "",
                    "limit": f"{_show(w['lim']['max_amount'])} {w['lim']['unit']}{'/kg' if w['lim']['per_kg'] else ''}"
                             f" per {w['per']}",
                    "amount": _number(_readable(w["amount"], w["unit"])[0]), "unit": _readable(w["amount"], w["unit"])[1],
                    "per": w["per"], "applies": w["why"], "won": w["won"]} for w in worked],
    }


def _per(lim: dict) -> str:
    return _PERIODS.get(lim["period"] or "", lim["period"] or "")


def _worked(lim: dict, why: str, weight: Decimal | None) -> dict:
    """One applicable limit worked out for this person: amount, its daily rate (for comparing) and
    the words of the rule."""
    per = _per(lim)
    rating = (lim["rating"] or "").replace("-", " ")
    if lim["per_kg"]:
        amount = lim["max_amount"] * weight
        shown, shown_unit = _readable(amount, lim["unit"])
        text = (f"{_show(lim['max_amount'])} {lim['unit']} per kg of body weight per {per} for {_who(lim)} "
                f"({rating}; {why}): {_show(lim['max_amount'])} {lim['unit']}/kg × {_show(weight)} kg = "
                f"{_show(shown)} {shown_unit} per {per}")
    else:
        amount = lim["max_amount"]
        text = f"{_show(amount)} {lim['unit']} per {per} for {_who(lim)} ({rating}; {why})"
    days = _DAYS.get(per, Decimal(1))
    daily = amount * _MG.get(lim["unit"], Decimal(1)) / days
    return {"lim": lim, "why": why, "amount": amount, "unit": lim["unit"], "per": per, "daily": daily, "text": text}


def _readable(amount: Decimal, unit: str) -> tuple[Decimal, str]:
    """A mass of a gram or more in g, less than a gram in mg (less than a milligram in mcg)."""
    if unit not in _MG:
        return amount, unit
    mg = amount * _MG[unit]
    if mg >= 1000:
        return mg / 1000, "g"
    if mg >= 1 or unit != "mcg":
        return mg, "mg"
    return amount, unit


def _limits(rows: list[dict]) -> list[dict]:
    out = []
    for statement, group in _group(rows, "limit").items():
        first = group[0]
        quotes = _quotes(group)
        out.append({
            "statement": statement,
            "substance": first["substance"],
            "population": first["population"],
            "min_age": _decimal(first["min_age"]),
            "max_age": _decimal(first["max_age"]),
            "max_amount": _decimal(first["max_amount"]),
            "unit": first["unit"],
            "per_kg": (first["per_kg"] or "").lower() in ("true", "1"),
            "period": first["period"],
            "rating": first["rating"],
            "rating_rank": _int(first["rating_rank"]),
            "route": first["route"],
            "quotes": quotes,
            "quote_sections": _sections(group, quotes),
        })
    return [lim for lim in out if lim["max_amount"] is not None]


def _ages(lim: dict) -> str:
    low, high = lim["min_age"], lim["max_age"]
    if low is not None and high is not None:
        return f"ages {_show(low)} to {_show(high)}"
    if low is not None:
        return f"ages {_show(low)} and over"
    if high is not None:
        return f"ages up to {_show(high)}"
    return "no age range stated"


def _who(lim: dict) -> str:
    return f"{lim['population'] or 'people'} ({_ages(lim)})"


def _no_limit_message(engine: Engine, name: str, route: dict, age: Decimal, covering: list[dict],
                      timeout: float) -> str:
    every = _limits(_rows(engine, "safety-limits", {"supplement": name, "route_code": "any"}, timeout))
    substance = every[0]["substance"] if every else name
    on_route = [lim for lim in every if lim["route"] == route["code"]]
    if not on_route:
        routes = sorted({lim["route"] for lim in every})
        stated = f"limits are stated only for: {', '.join(routes)}" if routes else "no safety limits are stated at all"
        return (f"no stated safety limit for {substance} by the {route['code']} route ({stated}); "
                "not extrapolating from other routes")
    if covering:
        return (f"the stated limits of {substance} by the {route['code']} route that cover age {_show(age)} are not "
                f"rated safe ({', '.join(sorted({lim['rating'] or '?' for lim in covering}))}); no safe maximum is stated")
    bands = "; ".join(sorted({_who(lim) for lim in on_route}))
    return (f"no stated safety limit for {substance} by the {route['code']} route covers age {_show(age)} "
            f"(limits are stated for: {bands}); not extrapolating to other ages")
