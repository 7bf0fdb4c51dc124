"""Draft a monograph data file from a monograph text in the clinical layout.

The clinical layout is a plain-text monograph whose parts start with fixed headings on lines of
their own: the evidence headings ("Likely Effective for:", "Possibly Ineffective for:",
"Insufficient Evidence for:" ...), "Side effects:" (also misspelt "Side affects:"), "Special
Precautions & Warnings:", "Interactions with other drugs and medications:" (with "Major",
"Moderate" and "Minor Interaction" blocks) and "The following doses have been studied in
scientific research:". :func:`draft` reads such a text and drafts records in the format of
``docs/data-format.md``, each with its verbatim quote:

* effectiveness: one record per "Condition. text" paragraph; the level is the heading's, the
  routes come from phrases ("by mouth", "intravenously", "feeding tube", "to the skin");
* precautions: one record per "Subject: text" paragraph; "do not use" makes it ``do-not-use``,
  "avoid" ``avoid``, anything else ``caution``;
* safety limits: every amount ("up to 40 grams daily", "0.7 grams per kg of weight daily") in a
  paragraph that carries a safety rating (LIKELY SAFE, POSSIBLY UNSAFE ..., misspellings
  tolerated), with its route, age band ("aged 3 to 18 years") or population ("adults" are taken
  to be 18 and over);
* interactions: one record per "X interacts with SUBSTANCE" item, with the block's severity and
  advice, the mechanism text, and "Some ... include drug (Brand), ..." lists turned into Drug
  entities that are members of the class;
* dosing: one record per "For indication: amounts ..." paragraph.

Entities get ids slugified from their names and guessed types. Whatever the draft could not
place (paragraphs before the first known heading, sentences no record quotes) is listed in the
report, for a reviewer to curate by hand. The draft is a starting point, never curated data.

The text is read and cut into paragraphs, headings and sections by :mod:`kg.curation.layout`;
routes, ratings, amounts, ages, populations and entity ids come from :mod:`kg.curation.phrases`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.errors import DataError, UsageError
from kg.curation.layout import Paragraph, Section, _BLOCK_HEADER, _trim, paragraphs, read_monograph_text, sentences, split_sections
from kg.curation.phrases import Amount, Population, _POPULATION_SUBJECT, _number, age_band, amounts_in, lower_first, name_parts, population_in, ratings_in, routes_in, slug, split_name
from kg.curation.records import FORMAT

DEFAULT_LICENCE = "https://creativecommons.org/licenses/by/4.0/"

#: Record kinds the draft fills, in the order of the data format.
KINDS = ("effectiveness", "interactions", "precautions", "safety_limits", "dosing")

_TYPE_SLUGS = {"Substance": "substance", "Drug": "drug", "DrugClass": "drug-class", "Condition": "condition",
               "Population": "population", "DosageForm": "dosage-form"}


# --------------------------------------------------------------------------------------------
# The draft being built


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


# --------------------------------------------------------------------------------------------
# Effectiveness: "Condition. text" paragraphs


def draft_effectiveness(draft: Draft, section: Section) -> None:
    for p in section.body:
        spans = sentences(draft.text, p.start, p.end)
        name = _sentence_text(draft.text, spans[0])
        if len(spans) < 2 or len(name.split()) > 20:
            continue  # not "Condition. text": reported as unplaced
        label, synonyms, description = name_parts(name)
        condition = draft.entity(label, "Condition", synonyms=synonyms, description=description)
        draft.record("effectiveness", f"eff-{condition}", {
            "condition": condition,
            "level": section.heading.level,
            "routes": routes_in(p.text),
        }, [(p.start, p.end)])


# --------------------------------------------------------------------------------------------
# Safety limits: amounts in paragraphs that carry a safety rating


@dataclass
class _Clause:
    sentence: tuple[int, int]
    start: int
    amount: Amount


def _clauses(text: str, p: Paragraph) -> list[_Clause]:
    """One clause per amount: from the end of the sentence's previous amount (or its start)."""
    out = []
    for sentence in sentences(text, p.start, p.end):
        start = sentence[0]
        for amount in amounts_in(text[sentence[0]:sentence[1]], sentence[0]):
            out.append(_Clause(sentence, start, amount))
            joint = re.match(r"[\s,;]*(?:(?:and|or|but)\s+)?", text[amount.end:sentence[1]])
            start = amount.end + joint.end()
    return out


def _nearest_before(items: list[tuple[int, int, str]], pos: int):
    before = [i for i in items if i[0] < pos]
    return before[-1] if before else None


def draft_limits(draft: Draft, p: Paragraph, subject: str | None = None) -> None:
    """Safety limits from the amounts of paragraph ``p`` (``subject``: its Population, if any)."""
    text = draft.text
    sents = sentences(text, p.start, p.end)
    ratings = ratings_in(text[p.start:p.end], p.start)
    for clause in _clauses(text, p):
        amount = clause.amount
        if not amount.daily:
            continue  # a limit needs its period; reported as unplaced
        rating = _clause_rating(ratings, clause)
        route = _clause_route(text, sents, clause)
        if rating is None or route is None:
            continue
        population, pop_span = _clause_population(draft, sents, clause, subject)
        spans = _limit_spans(text, sents, clause, rating, route[1], pop_span)
        pop = draft.entities.get(population) if population else None
        draft.record("safety_limits", f"limit-{population or 'all'}-{route[0]}", {
            "route": route[0],
            "population": population,
            "min_age_years": pop.get("min_age_years") if pop else None,
            "max_age_years": pop.get("max_age_years") if pop else None,
            "max_amount": _number(amount.high or amount.low),
            "unit": amount.unit,
            "per_kg": amount.per_kg,
            "period": "P1D",
            "rating": rating[2],
        }, spans)


def _clause_rating(ratings, clause: _Clause):
    """The rating of a clause: in it, else earlier in its sentence, else in an earlier sentence."""
    inside = [r for r in ratings if clause.start <= r[0] < clause.amount.end]
    if inside:
        return inside[-1]
    return _nearest_before(ratings, clause.start) or next(
        (r for r in ratings if clause.sentence[0] <= r[0] < clause.sentence[1]), None)


def _clause_route(text: str, sents, clause: _Clause) -> tuple[str, tuple[int, int]] | None:
    """(route, span it was read from): the clause, else the nearest earlier sentence naming one."""
    own = routes_in(text[clause.start:clause.amount.end])
    if own:
        return own[0], (clause.start, clause.amount.end)
    for span in reversed([s for s in sents if s[1] <= clause.sentence[0]]):
        found = routes_in(text[span[0]:span[1]])
        if found:
            return found[0], span
    return None


def _clause_population(draft: Draft, sents, clause: _Clause, subject: str | None):
    """(population id, span naming it): an age band, a population word, else the subject."""
    text = draft.text
    for start, end in ((clause.start, clause.amount.end), clause.sentence):
        band = age_band(text[start:end])
        if band:
            return draft.population(band), (start, end)
    found = population_in(text[clause.sentence[0]:clause.amount.end], clause.sentence[0])
    if found:
        return draft.population(found[0]), (clause.sentence[0], found[2])
    return subject, None


def _limit_spans(text: str, sents, clause: _Clause, rating, route_span, pop_span) -> list[tuple[int, int]]:
    """The quote of a limit: where its rating, route and population are read, then the clause."""
    own = (clause.start, clause.amount.end + (1 if text[clause.amount.end:clause.amount.end + 1] == "." else 0))
    spans = []
    sentence = clause.sentence
    if rating[0] < sentence[0]:
        spans.append(_containing(sents, rating[0]))
    elif rating[0] < clause.start:
        spans.append((sentence[0], _rating_phrase_end(text, rating[1], clause.start)))
    elif rating[0] >= clause.amount.end:
        own = sentence
    if route_span[1] <= sentence[0]:
        spans.append(route_span)
    if pop_span and not (own[0] <= pop_span[0] and pop_span[1] <= own[1]):
        spans.append(pop_span)
    return sorted(spans) + [own]


def _containing(sents: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next(s for s in sents if s[0] <= pos < s[1])


def _rating_phrase_end(text: str, rating_end: int, limit: int) -> int:
    """End of "X is POSSIBLY SAFE for most adults": before "when", "in doses", "if" or a comma."""
    m = re.compile(r"\s+(?:when|if|in\s+doses|during)\b|[,;]").search(text, rating_end, limit)
    return m.start() if m else limit


def draft_side_effects(draft: Draft, section: Section) -> None:
    for p in section.body:
        draft_limits(draft, p)


# --------------------------------------------------------------------------------------------
# Precautions: "Subject: text" paragraphs

_SUBJECT = re.compile(r"^(?P<subject>[^:\n]{2,160}?):\s+(?P<rest>\S.*)$", re.S)
_DO_NOT_USE = re.compile(r"\b(?:do\s+not|don't|must\s+not|should\s+not)\s+(?:use|take)\b", re.I)
_AVOID = re.compile(r"\bavoid", re.I)
#: A sentence that only gives advice ("Avoid use.", "Do not use it.", "Use with caution.").
_ADVICE_ONLY = re.compile(r"^(?:[\w'-]+\s+){0,7}?(?:avoid|do\s+not\s+use|use\s+with\s+caution)\b[^.]{0,30}\.?$",
                          re.I)


def precaution_strength(text: str) -> str:
    """``do-not-use``, ``avoid`` or ``caution`` from the wording of a precaution.

    >>> precaution_strength("Could make this worse. Do not use it.")
    'do-not-use'
    >>> precaution_strength("Stay on the safe side and avoid use.")
    'avoid'
    """
    if _DO_NOT_USE.search(text):
        return "do-not-use"
    return "avoid" if _AVOID.search(text) else "caution"


def draft_precautions(draft: Draft, section: Section) -> None:
    for p in section.body:
        m = _SUBJECT.match(p.text)
        if not m or len(m.group("subject").split()) > 15:
            draft_limits(draft, p)
            continue
        subject = _subject_entity(draft, m.group("subject"))
        rest_start = p.start + m.start("rest")
        draft.record("precautions", f"prec-{subject}", {
            "subject": subject,
            "strength": precaution_strength(m.group("rest")),
            "rationale": _rationale(draft.text, rest_start, p.end),
        }, [(p.start, p.end)])
        is_population = draft.entities[subject]["type"] == "Population"
        draft_limits(draft, p, subject if is_population else None)


def _subject_entity(draft: Draft, name: str) -> str:
    label, synonyms, description = name_parts(name)
    canonical = population_in(label)
    if canonical and canonical[0].label.lower() == label.lower():
        return draft.population(canonical[0])
    etype = "Population" if _POPULATION_SUBJECT.search(label) else "Condition"
    return draft.entity(label, etype, synonyms=synonyms, description=description)


def _rationale(text: str, start: int, end: int) -> str:
    """The precaution's sentences without the bare advice ones (all of them if nothing is left)."""
    spans = sentences(text, start, end)
    reasons = [_sentence_text(text, s) for s in spans if not _ADVICE_ONLY.match(_sentence_text(text, s))]
    return " ".join(reasons or [_sentence_text(text, s) for s in spans])


# --------------------------------------------------------------------------------------------
# Interactions: severity blocks of "X interacts with SUBSTANCE" items

_INTERACTS = re.compile(r"""
    ^(?P<x>[^\n]{2,160}?)\s+                 # the drug or class, maybe with a bracketed name
    (?P<verb>interacts?)\s+with\s+           # "interacts with" (one drug) / "interact with" (a class)
    (?P<y>[A-Z][A-Z0-9.'-]*(?:\s+[A-Z][A-Z0-9.'-]*)*)   # the substance, in capitals
    (?=\s|$)
""", re.X)
#: "Some medications that ... include drug (Brand), drug (Brand, Brand), and others."
_MEMBERS = re.compile(r"^Some\b.{0,200}?\binclude\s+(?P<list>.+?)\.?$", re.S)
#: Interactant names that are classes of drugs.
_CLASS_NAME = re.compile(r"^(?:medications|medicines|drugs|agents)\b", re.I)
#: Sentences that say what happens (the effect) rather than why (the mechanism).
_EFFECT_WORDS = re.compile(r"\b(?:increase|decrease|reduce|lower|raise|add\s+to|effectiveness|side\s+effects|risk)",
                           re.I)

_DEFAULT_ADVICE = {
    "major": "Do not take this combination.",
    "moderate": "Be cautious with this combination.",
    "minor": "Be watchful with this combination.",
}


@dataclass
class _Block:
    severity: str
    advice: str
    span: tuple[int, int]


@dataclass
class _Item:
    block: _Block
    x: str
    plural: bool
    span: tuple[int, int]
    text_spans: list[tuple[int, int]] = field(default_factory=list)


def draft_interactions(draft: Draft, section: Section) -> None:
    block: _Block | None = None
    item: _Item | None = None
    for p in section.body:
        header = _BLOCK_HEADER.match(p.text)
        start = _INTERACTS.match(p.text)
        if header:
            _close_item(draft, item)
            item, block = None, _block(header, p)
        elif start and block is not None:
            _close_item(draft, item)
            item = _Item(block, start.group("x"), start.group("verb") == "interact",
                         (p.start, p.start + start.end()))
            if p.start + start.end() < p.end:
                item.text_spans.append((p.start + start.end(), p.end))
        elif item is not None:
            item.text_spans.append((p.start, p.end))
    _close_item(draft, item)


def _block(header: re.Match, p: Paragraph) -> _Block:
    severity = header.group("severity").lower()
    advice = " ".join(header.group("advice").split())
    span = (p.start, p.start + header.end("advice")) if advice else (p.start, p.start + header.end("severity"))
    return _Block(severity, f"{advice.rstrip('.')}." if advice else _DEFAULT_ADVICE[severity], span)


def _close_item(draft: Draft, item: _Item | None) -> None:
    if item is None:
        return
    text = draft.text
    member_sents, other_sents = [], []
    for span in item.text_spans:
        for s in sentences(text, *span):
            (member_sents if _MEMBERS.match(_sentence_text(text, s)) else other_sents).append(s)
    members = [m for s in member_sents for m in parse_members(_MEMBERS.match(_sentence_text(text, s)).group("list"))]
    interactant = _interactant(draft, item, bool(members))
    for name, brands in members:
        draft.entity(lower_first(name), "Drug", brands=brands, member_of=[interactant])
    effect, mechanism = _effect_and_mechanism([_sentence_text(text, s) for s in other_sents])
    draft.record("interactions", f"int-{interactant}", {
        "interactant": interactant,
        "severity": item.block.severity,
        "effect": effect,
        "mechanism": mechanism,
        "recommendation": item.block.advice,
    }, [item.span, *item.text_spans, item.block.span])


def _interactant(draft: Draft, item: _Item, has_members: bool) -> str:
    """A DrugClass (plural verb, "Medications ...", or listed members) or a Drug (brackets: brands)."""
    main, inner = split_name(item.x)
    if has_members or item.plural or _CLASS_NAME.match(main):
        if inner:
            return draft.entity(lower_first(inner[0]), "DrugClass", synonyms=[lower_first(main)])
        return draft.entity(lower_first(main), "DrugClass")
    brands = [b for part in inner for b in _split_brands(part)]
    return draft.entity(lower_first(main), "Drug", brands=brands)


def parse_members(listing: str) -> list[tuple[str, list[str]]]:
    """(drug, brands) from "a (A1), b (B1, B2), and others".

    >>> parse_members("nimbrol (Nimbex), dazotine (Dazo, Dazo-XR) and others")
    [('nimbrol', ['Nimbex']), ('dazotine', ['Dazo', 'Dazo-XR'])]
    """
    out = []
    for entry in _split_top_level(listing):
        entry = re.sub(r"^(?:and|or)\s+", "", entry.strip(" .;"), flags=re.I)
        if not entry or re.match(r"^(?:many\s+|several\s+)?others?\b", entry, re.I):
            continue
        main, inner = split_name(entry)
        if main:
            out.append((main, [b for part in inner for b in _split_brands(part)]))
    return out


def _split_top_level(listing: str) -> list[str]:
    """Split at commas and at " and " / " or " outside brackets."""
    parts, depth, current = [], 0, ""
    for token in re.split(r"(\(|\)|,|\s+and\s+|\s+or\s+)", listing):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        if depth == 0 and (token == "," or re.fullmatch(r"\s+(?:and|or)\s+", token or "")):
            parts.append(current)
            current = ""
        else:
            current += token or ""
    return [p for p in parts + [current] if p.strip()]


def _split_brands(text: str) -> list[str]:
    return [b for b in (x.strip(" ®™.") for x in re.split(r"[,;]|\s+or\s+", text)) if b]


def _effect_and_mechanism(sents: list[str]) -> tuple[str, str | None]:
    """The last sentence saying what happens, and what follows it, is the effect; what comes before is the mechanism."""
    if not sents:
        return "Not described in the text.", None
    effect_at = max((i for i, s in enumerate(sents) if _EFFECT_WORDS.search(s)), default=0)
    mechanism = " ".join(sents[:effect_at]) or None
    return " ".join(sents[effect_at:]), mechanism


# --------------------------------------------------------------------------------------------
# Dosing: "For indication: amounts" paragraphs

_FOR_INDICATION = re.compile(r"^For\s+(?P<indication>[^:\n]{3,160}):\s*(?P<rest>\S.*)$", re.S | re.I)
_NUMBER_WORDS = {w: n for n, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve".split(), start=1)}
_EVERY_HOURS = re.compile(r"\bevery\s+(?P<n>\d+|" + "|".join(_NUMBER_WORDS) + r")\s+hours?\b", re.I)
_FREQUENCY = re.compile(r"""
    \bevery\s+\S+\s+hours?(?:\s+around\s+the\s+clock)?           # every four hours (around the clock)
    | \b(?:once|twice|(?:one|two|three|four|\d+)\s+times)\s+(?:daily|a\s+day|per\s+day)\b   # twice daily
""", re.X | re.I)
_FORM = re.compile(r"\b(?P<form>suspension|capsule|tablet|powder|tea|tincture|extract|syrup|lozenge|solution)s?\b",
                   re.I)
_ADMINISTRATION = re.compile(r"\bswish\s+and\s+swallow\b|\b(?:dissolved|mixed)\s+(?:in|with|into)\s+[^,.;]+", re.I)
_START = re.compile(r"\bstarting\s+(?:with|at|on|from)?\s*(?:the\s+)?(?P<v>.+?)(?=\s+and\s+continu|[.;,]|$)", re.I)
_STOP = re.compile(r"\bcontinu\w*\s+(?:until|for)\s+(?P<v>.+?)(?=[.;]|$)", re.I)
_PREFERRED = re.compile(r"\b(?:best|preferred|optimal)\b", re.I)


@dataclass
class _DoseContext:
    route: str | None = None
    population: str | None = None


def draft_dosing(draft: Draft, section: Section) -> None:
    context = _DoseContext()
    for p in section.body:
        m = _FOR_INDICATION.match(p.text)
        if m and amounts_in(m.group("rest")):
            _dose(draft, p, m, context)
        elif len(p.text.split()) <= 6 and not amounts_in(p.text):
            _dose_subheading(draft, p, context)


def _dose_subheading(draft: Draft, p: Paragraph, context: _DoseContext) -> None:
    """A line like "BY MOUTH:" or "CHILDREN" sets the route or population of the doses below it."""
    routes = routes_in(p.text)
    pop = population_in(p.text)
    if routes:
        context.route = routes[0]
    if pop:
        context.population = draft.population(pop[0])
    if routes or pop:
        draft.covered.append((p.start, p.end))


def _dose(draft: Draft, p: Paragraph, m: re.Match, context: _DoseContext) -> None:
    rest = m.group("rest")
    offset = p.start + m.start("rest")
    amounts = amounts_in(rest, offset)
    first = amounts[0]
    name, who = _indication_and_group(m.group("indication"))
    label, synonyms, description = name_parts(name)
    indication = draft.entity(label, "Condition", synonyms=synonyms, description=description)
    routes = routes_in(p.text)
    fields = {
        "indication": indication,
        "route": routes[0] if routes else context.route,
        "population": draft.population(who) if who else context.population,
        **_dose_amounts(draft.text, sentences(draft.text, p.start, p.end), first, amounts[1:]),
        "unit": first.unit,
        "per_kg": first.per_kg,
        "period": "P1D" if first.daily else None,
        **_dose_schedule(draft, rest),
    }
    draft.record("dosing", f"dose-{indication}", fields, [(p.start, p.end)])


#: "grey cough in children aged 4 to 8 years": where the group of people starts.
_GROUP_SUFFIX = re.compile(r"""
    \s+(?:in|for)\s+                  # " in " / " for " ...
    (?=(?:older\s+)?(?:children|adults|infants|adolescents|teenagers|people)\b)   # ... before a group
""", re.X | re.I)


def _indication_and_group(text: str) -> tuple[str, Population | None]:
    """Split "X in children aged 4 to 8 years" into X and the group (an age band if one is given).

    >>> _indication_and_group("grey cough in children aged 4 to 8 years")
    ('grey cough', Population(id='children-4-to-8', label='children aged 4 to 8 years', min_age=4, max_age=8))
    """
    m = _GROUP_SUFFIX.search(text)
    if not m:
        return text, None
    group = text[m.end():]
    found = age_band(group) or population_in(group)
    if found is None:
        return text, None
    return text[:m.start()], found if isinstance(found, Population) else found[0]


def _dose_amounts(text: str, sents, first: Amount, later: list[Amount]) -> dict:
    if first.high is None:
        return {"amount": _number(first.low)}
    out = {"min_amount": _number(first.low), "max_amount": _number(first.high)}
    for a in later:
        sentence = _containing(sents, a.start)
        if (a.unit == first.unit and a.high is None and first.low <= a.low <= first.high
                and _PREFERRED.search(text[sentence[0]:sentence[1]])):
            out["preferred_amount"] = _number(a.low)
            break
    return out


def _dose_schedule(draft: Draft, rest: str) -> dict:
    every = _EVERY_HOURS.search(rest)
    hours = None
    if every:
        n = every.group("n").lower()
        hours = int(n) if n.isdigit() else _NUMBER_WORDS[n]
    form = _FORM.search(rest)
    return {
        "interval": f"PT{hours}H" if hours else None,
        "frequency": _group(_FREQUENCY.search(rest)),
        "form": draft.entity(form.group("form").lower(), "DosageForm") if form else None,
        "administration": _group(_ADMINISTRATION.search(rest)),
        "start": _group(_START.search(rest), "v"),
        "stop": _group(_STOP.search(rest), "v"),
    }


def _group(m: re.Match | None, name: int | str = 0) -> str | None:
    return " ".join(m.group(name).split()) if m else None


# --------------------------------------------------------------------------------------------
# The whole draft

DRAFTERS = {
    "effectiveness": draft_effectiveness,
    "side-effects": draft_side_effects,
    "precautions": draft_precautions,
    "interactions": draft_interactions,
    "dosing": draft_dosing,
}


@dataclass
class IngestResult:
    document: dict  # the data file, as plain data
    yaml_text: str
    report: list[str]  # what could not be placed, one line each
    counts: dict[str, int]


def draft(text_path: str | os.PathLike, name: str, out_path: str | os.PathLike, *, title: str | None = None,
          licence: str = DEFAULT_LICENCE) -> IngestResult:
    """Draft the data file ``out_path`` would hold for the monograph text ``text_path`` (nothing is written).

    :raises DataError: for a text that is unreadable, too large, binary, empty or in another layout.
    :raises UsageError: for a ``name`` with no letters or digits.
    """
    text_path, out_path = Path(text_path), Path(out_path)
    substance = slug(name, max_len=80)
    if not substance:
        raise UsageError(f"--name {name!r} has no letters or digits to make an id from")
    text = read_monograph_text(text_path)
    intro, sections = split_sections(paragraphs(text))
    if not sections:
        raise DataError("no section headings of the clinical monograph layout found (such as 'Possibly Effective "
                        "for:' or 'Interactions with other drugs and medications:'); nothing to draft",
                        where=str(text_path))
    d = Draft(text=text, substance=substance)
    d.entity(name.strip(), "Substance", eid=substance)
    for section in sections:
        DRAFTERS[section.heading.kind](d, section)
    document = _document(d, text_path, out_path, name.strip(), title or name.strip(), licence, intro, sections)
    report = _report(d, intro, sections)
    counts = {k: len(v) for k, v in d.records.items()} | {"entities": len(d.entities)}
    return IngestResult(document, render(document, text_path), report, counts)


def _document(d: Draft, text_path: Path, out_path: Path, name: str, title: str, licence: str,
              intro: list[Paragraph], sections: list[Section]) -> dict:
    monograph = {
        "id": d.substance,
        "title": title,
        "substance": d.substance,
        "source_text": source_text_path(text_path, out_path),
        "licence": licence,
        "version": "0.1.0",
        "curated_by": "kg ingest (automatic draft, not reviewed)",
        "documents": [{"id": "clinical", "title": f"{title} monograph", "kind": "clinical monograph",
                       "note": f"Drafted by kg ingest from {text_path.name}."}],
        "sections": _section_entries(d, intro, sections),
    }
    doc = {"format": FORMAT, "monograph": monograph, "entities": list(d.entities.values())}
    doc.update({kind: records for kind, records in d.records.items() if records})
    return doc


def source_text_path(text_path: Path, out_path: Path) -> str:
    """``text_path`` relative to the folder of ``out_path``, or absolute when it cannot be."""
    target = text_path.resolve()
    try:
        return Path(os.path.relpath(target, out_path.resolve().parent)).as_posix()
    except ValueError:  # another drive
        return str(target)


def _section_entries(d: Draft, intro: list[Paragraph], sections: list[Section]) -> list[dict]:
    out, seen = [], set()
    if intro:
        start = unique_start(d.text, intro[0].start)
        if start:
            out.append({"id": "introduction", "title": "Introduction (not drafted)", "document": "clinical",
                        "starts": start})
            seen.add("introduction")
    for s in sections:
        sid, n = s.heading.section_id, 1
        while sid in seen:
            n += 1
            sid = f"{s.heading.section_id}-{n}"
        start = unique_start(d.text, s.para.start)
        if start is None:
            d.note(s.para.line, f"heading {s.title!r}: no unique text to mark where it starts; not a section")
            continue
        seen.add(sid)
        out.append({"id": sid, "title": s.title, "document": "clinical", "starts": start})
    return out


def unique_start(text: str, pos: int, max_words: int = 40) -> str | None:
    """The shortest run of words from ``pos`` (at least its line) that occurs once in ``text``.

    >>> unique_start("Effective for:\\nA.\\n\\nPossibly Effective for:\\nB.", 0)
    'Effective for: A.'
    """
    from kg.curation.provenance import SourceText

    source = SourceText(text)
    line_end = text.find("\n", pos)
    first = text[pos:line_end if line_end != -1 else len(text)].split()
    words = text[pos:].split()
    for n in range(max(1, len(first)), min(len(words), max_words) + 1):
        candidate = " ".join(words[:n])
        spans = source.find_all(candidate)
        if len(spans) == 1 and spans[0][0] == pos:
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Report and output


def _report(d: Draft, intro: list[Paragraph], sections: list[Section]) -> list[str]:
    lines = [f"line {p.line}: outside the known sections: {_short(p.text)}" for p in intro]
    for s in sections:
        for p in s.body:
            for span in sentences(d.text, p.start, p.end):
                if not _covered(d, span):
                    lines.append(f"line {_line_of(d.text, span[0])}: [{s.title}] no record: "
                                 f"{_short(d.text[span[0]:span[1]])}")
    return lines + d.notes


def _covered(d: Draft, span: tuple[int, int]) -> bool:
    """Whether the quotes cover the sentence, but for punctuation and joining words."""
    uncovered, pos = [], span[0]
    for start, end in sorted(d.covered):
        if end <= pos or start >= span[1]:
            continue
        if start > pos:
            uncovered.append(d.text[pos:start])
        pos = max(pos, end)
    uncovered.append(d.text[pos:span[1]])
    return all(re.fullmatch(r"[\W_]*(?:(?:and|or|but)\b[\W_]*)?", part.strip()) for part in uncovered)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _short(text: str, width: int = 110) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


class _Dumper(yaml.SafeDumper):
    """Never writes anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data) -> bool:  # noqa: D401 - PyYAML hook
        return True


def render(document: dict, text_path: Path) -> str:
    header = (
        f"# DRAFT written by `kg ingest` from {text_path.name}: every record is a guess from the text and\n"
        "# needs review against its quote (levels, routes, amounts, entity types and ids) before this file\n"
        "# is treated as curated data. Text the draft could not place is listed in the ingest report.\n"
    )
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return header + body
