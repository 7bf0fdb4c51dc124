"""Drafting the doses of a clinical monograph: "For indication: amounts" paragraphs, with their
population, route, form, schedule and duration."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.curation.layout import Paragraph, Section, sentences
from kg.curation.phrases import Amount, Population, _number, age_band, amounts_in, name_parts, population_in, routes_in
from kg.curation.draft import _containing, Draft


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
