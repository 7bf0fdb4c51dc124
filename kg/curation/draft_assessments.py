"""Drafting the rated parts of a clinical monograph: effectiveness ("Condition. text" paragraphs),
safety limits (the amounts in paragraphs that carry a safety rating), side effects and
precautions ("Subject: text" paragraphs)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.curation.layout import Paragraph, Section, sentences
from kg.curation.phrases import Amount, _POPULATION_SUBJECT, _number, age_band, amounts_in, name_parts, population_in, ratings_in, routes_in
from kg.curation.draft import _containing, Draft, _sentence_text


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
