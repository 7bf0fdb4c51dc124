"""One patient, one check: the interactions of a medication list with supplements, the precautions
that match the patient, the dose limit for the patient by each route with a stated limit, and the
evidence for the conditions named, in one report (``kg check``; the web page and the CDS Hooks
service call the same function).

Fail-safe wording: an empty list of interactions says that **no interaction is recorded in this
graph**, never that the combination is safe; a name that matches nothing is **not checked** and
listed with suggestions; a precaution the details given cannot match or rule out is listed under
``precautions_to_check``, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kg.errors import NotFound, UsageError
from kg.sparql.engine import Engine
from kg.sparql.guards import DEFAULT_TIMEOUT
from kg.answers import clinical
from kg.text import checked_text

NOTHING_RECORDED = ("No interaction is recorded in this graph between the medications checked and the "
                    "supplements checked. This is not a statement that the combination is safe: the "
                    "graph holds only what its monographs say.")
NOT_CHECKED = "Not checked: these names were not found, so they were not checked for anything."


def check(drugs: Iterable[str], supplements: Iterable[str] = (), *, age: Any = None, weight_kg: Any = None,
          pregnant: bool = False, breast_feeding: bool = False, conditions: Iterable[str] = (),
          engine: Engine | None = None, graph=None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """The whole check for one patient, as plain data (what ``kg check --format json`` prints).

    ``drugs``: the medication list (generic, brand or synonym names, or drug classes);
    ``supplements``: the supplements taken or wanted (default: every supplement that interacts with
    a drug on the list). Returns ``{"patient", "supplements", "summary", "interactions",
    "precautions", "precautions_to_check", "doses", "evidence", "no_evidence_recorded",
    "not_checked", "sources"}``:

    - ``interactions``: one entry per drug and interaction, with severity, likelihood, basis,
      ``chain`` (drug > classes > supplement), effect, mechanism, recommendation and ``sources``
      (numbers into ``sources``, each a verbatim quote);
    - ``precautions``: those whose subject is a condition named or a population whose stated age
      range covers the age; ``precautions_to_check``: the supplement's other precautions about
      populations the details given cannot match or rule out (no stated age range);
    - ``doses``: per route with a stated limit, the dose answer of :func:`kg.answers.clinical.dose`
      or why there is none;
    - ``evidence``: the effectiveness assessments of the conditions named; ``no_evidence_recorded``
      the conditions named that no checked supplement was assessed for;
    - ``sources``: ``[{"n", "statement", "about", "section", "quote"}]``, the verbatim quotes,
      numbered, each with the title of the section of the monograph's text it is in (``section``;
      None where the graph names none);
    - ``not_checked``: ``[{"input", "kind", "suggestions"}]`` for names that match nothing.

    :raises UsageError: for no drug and no supplement, an empty name, or a bad age or weight.
    """
    engine = clinical._engine(engine, graph)
    drugs = _names(drugs, "a drug name")
    supplements = _names(supplements, "a supplement name")
    conditions = _names(conditions, "a condition name")
    if not drugs and not supplements:
        raise UsageError("give at least one drug or supplement to check")
    age_years = None if age is None else clinical._checked_number(age, "age", 0, clinical.MAX_AGE_YEARS,
                                                                  low_inclusive=True)
    weight = None if weight_kg is None else clinical._checked_number(weight_kg, "weight in kg", 0,
                                                                     clinical.MAX_WEIGHT_KG, low_inclusive=False)
    not_checked: list[dict] = []
    chosen: list[str] = []
    for name in supplements:
        try:
            label = clinical._supplement(name, engine, timeout)
        except NotFound:
            found = clinical._lookup(engine, name, ["Substance"], timeout)
            not_checked.append({"input": name, "kind": "supplement", "suggestions": found.suggestions})
            continue
        chosen.append(_label(engine, label, timeout))
    sources: list[dict] = []
    numbers: dict[str, int] = {}

    def cite(statement: str, about: str, answer: dict) -> list[int]:
        """Numbers for the quotes of ``answer`` (its ``quotes`` and their ``quote_sections``)."""
        quotes = answer["quotes"]
        if statement not in numbers:
            for q, section in zip(quotes, answer["quote_sections"], strict=True):
                sources.append({"n": len(sources) + 1, "statement": statement, "about": about, "section": section,
                                "quote": q})
            numbers[statement] = len(sources) - len(quotes) + 1
        first = numbers[statement]
        return list(range(first, first + len(quotes)))

    found_interactions: list[dict] = []
    if drugs:
        report = clinical.interactions(drugs, engine=engine, timeout=timeout)
        for u in report["unknown"]:
            not_checked.append({"input": u["input"], "kind": "drug", "suggestions": u["suggestions"],
                                **({"note": u["note"]} if u.get("note") else {})})
        for r in report["results"]:
            for i in r["interactions"]:
                if chosen and i["supplement"] not in chosen:
                    continue
                found_interactions.append({
                    "input": r["input"], "drug": r["resolved"], "drug_type": r["type"],
                    "supplement": i["supplement"], "severity": i["severity"], "severity_rank": i["severity_rank"],
                    "likelihood": i["likelihood"], "likelihood_rank": i["likelihood_rank"], "basis": i["basis"],
                    "evidence": i["evidence"], "evidence_label": i["evidence_label"], "qualifiers": i["qualifiers"],
                    "chain": [r["resolved"], *i["via"], i["supplement"]],
                    "effect": i["effect"], "mechanism": i["mechanism"], "recommendation": i["recommendation"],
                    "statement": i["statement"],
                    "sources": cite(i["statement"], "interaction", i),
                    **({"classification_source": i["classification_source"], "basis_note": i["basis_note"]}
                       if i["basis"] == "classification" else {}),
                    **({"note": r["note"]} if r.get("note") else {}),
                })
    # most severe, then most likely, then what the monograph states before what a classification adds
    found_interactions.sort(key=lambda i: (-(i["severity_rank"] or 0), -(i["likelihood_rank"] or 0),
                                           i["basis"] != "stated", i["supplement"], i["drug"]))
    checked = chosen or sorted({i["supplement"] for i in found_interactions})

    condition_iris: dict[str, str] = {}
    for name in conditions:
        found = clinical._lookup(engine, name, ["Condition", "BiologicalProcess", "Procedure"], timeout)
        if not found.matches:
            not_checked.append({"input": name, "kind": "condition", "suggestions": found.suggestions})
            continue
        for m in found.matches:
            condition_iris[m.iri] = m.label

    states = {code for code, given in (("pregnancy", pregnant), ("breast-feeding", breast_feeding)) if given}
    applies, to_check = [], []
    for supplement in checked:
        for p in clinical.precautions(supplement, engine=engine, timeout=timeout):
            criteria = (_population_criteria(engine, p, timeout) if p["subject_type"] == "population" else [])
            verdict, open_question = _matches(p, condition_iris, age_years, states, criteria)
            if verdict is False:
                continue
            entry = {k: p[k] for k in ("supplement", "subject", "subject_type", "strength", "rationale")}
            entry["why"] = verdict if isinstance(verdict, str) else open_question
            entry["sources"] = cite(p["statement"], "precaution", p)
            (applies if isinstance(verdict, str) else to_check).append(entry)

    doses = []
    if age_years is not None:
        for supplement in checked:
            for route in _routes_with_limits(engine, supplement, timeout):
                doses.append(_dose(engine, supplement, route, age_years, weight, timeout, cite))

    evidence = []
    for supplement in checked:
        for e in clinical.evidence(supplement=supplement, engine=engine, timeout=timeout):
            if e["condition"] in condition_iris.values():
                evidence.append({**{k: e[k] for k in ("supplement", "condition", "level", "level_label", "route",
                                                      "population")},
                                 "sources": cite(e["statement"], "effectiveness", e)})
    assessed = {e["condition"] for e in evidence}
    no_evidence = sorted(label for label in set(condition_iris.values()) if label not in assessed)
    summary = _summary(found_interactions, checked, drugs, not_checked)
    return {
        "patient": {"drugs": drugs, "supplements": supplements, "age_years": _num(age_years),
                    "weight_kg": _num(weight), "pregnant": bool(pregnant), "breast_feeding": bool(breast_feeding),
                    "conditions": conditions},
        "supplements": checked,
        "summary": summary,
        "interactions": found_interactions,
        "precautions": applies,
        "precautions_to_check": to_check,
        "doses": doses,
        "evidence": evidence,
        "no_evidence_recorded": no_evidence,
        "not_checked": not_checked,
        "sources": sources,
    }


def _names(values: Iterable[str], what: str) -> list[str]:
    values = [values] if isinstance(values, str) else list(values or [])
    for v in values:
        checked_text(v, what)
        if not str(v).strip():
            raise UsageError(f"{what} is empty")
    return [str(v).strip() for v in values]


def _label(engine: Engine, name: str, timeout: float) -> str:
    found = clinical._lookup(engine, name, ["Substance"], timeout)
    return found.matches[0].label if found.matches else name


def _num(value: Decimal | None):
    return None if value is None else clinical._number(value)


_STATE_WORDS = {"pregnancy": "pregnant", "breast-feeding": "breast-feeding"}


def _population_criteria(engine: Engine, p: dict, timeout: float) -> list[dict]:
    """What puts a person in the precaution's population: the population itself and every part of
    it, each ``{"label", "min_age", "max_age", "states"}`` (the population first)."""
    rows = clinical._rows(engine, "population-criteria", {"population_iri": p["subject_iri"]}, timeout)
    found: dict[str, dict] = {}
    for r in rows:
        c = found.setdefault(r["part_iri"], {"label": r["part"], "min_age": clinical._num_or_none(r.get("part_min_age")),
                                             "max_age": clinical._num_or_none(r.get("part_max_age")), "states": []})
        if r.get("part_state") and r["part_state"] not in c["states"]:
            c["states"].append(r["part_state"])
    own = found.pop(p["subject_iri"], {"label": p["subject"], "min_age": p.get("subject_min_age"),
                                       "max_age": p.get("subject_max_age"), "states": []})
    return [own, *(found[k] for k in sorted(found, key=lambda k: found[k]["label"]))]


def _matches(p: dict, conditions: dict[str, str], age: Decimal | None, states: set[str] = frozenset(),
             criteria: list[dict] | None = None) -> tuple[str | bool | None, str]:
    """``(verdict, open question)``: the verdict is why precaution ``p`` applies (a reason), None
    when the details given cannot tell, False when they rule it out; the open question says what
    would tell, when the verdict is None.

    A population's criteria are its own and those of every part of it (children aged 3 to 18 years
    are children): the patient belongs when one part matches, is ruled out only when every part
    states a criterion the patient fails. Pregnancy and breast-feeding match only when given;
    their absence rules nothing out (not stated is not "no")."""
    if p["subject_type"] != "population":
        if p.get("subject_iri") in conditions:
            return f"the patient has {p['subject']}", ""
        return False, ""
    criteria = criteria or [{"label": p["subject"], "min_age": p.get("subject_min_age"),
                             "max_age": p.get("subject_max_age"), "states": []}]
    ruled_out, questions, outside = 0, [], []
    for c in criteria:
        part = "" if c["label"] == p["subject"] else f" ({c['label']}, who are {p['subject']})"
        if c["states"]:
            ordered = sorted(c["states"], key=lambda s: (list(_STATE_WORDS).index(s) if s in _STATE_WORDS else 99, s))
            hit = next((s for s in ordered if s in states), None)
            if hit:
                return f"the patient is {_STATE_WORDS.get(hit, hit)}{part}", ""
            questions.append(f"applies if the patient is {' or '.join(_STATE_WORDS.get(s, s) for s in ordered)}"
                             " (not stated)")
            continue
        low, high = (None if c.get(k) is None else Decimal(str(c[k])) for k in ("min_age", "max_age"))
        if low is None and high is None:
            continue  # no stated criterion: the details given cannot match it
        if age is None:
            questions.append(f"{c['label']}: give the age")
            continue
        if (low is None or age >= low) and (high is None or age < high + 1):
            who = f"{c['label']}, who are {p['subject']}" if part else c["label"]
            return f"age {clinical._show(age)} is within {who}", ""
        ruled_out += 1
        outside.append(c["label"])
    if ruled_out == len(criteria):
        return False, ""
    if not questions:
        lead = f"age {clinical._show(age)} is outside {' and '.join(outside)}, but " if outside else ""
        questions.append(f"{lead}no age range or other criterion is stated for {p['subject']}")
    return None, "; ".join(dict.fromkeys(questions))


def _routes_with_limits(engine: Engine, supplement: str, timeout: float) -> list[str]:
    rows = clinical._rows(engine, "safety-limits", {"supplement": supplement, "route_code": "any"}, timeout)
    return sorted({r["route"] for r in rows if r.get("route")})


def _dose(engine, supplement, route, age, weight, timeout, cite) -> dict:
    try:
        d = clinical.dose(supplement, route, age, weight, engine=engine, timeout=timeout)
    except clinical.NoApplicableLimit as exc:
        return {"supplement": supplement, "route": route, "amount": None, "status": "no applicable limit",
                "why_none": str(exc)}
    except UsageError as exc:  # a per-kg limit and no weight given
        return {"supplement": supplement, "route": route, "amount": None, "status": "needs the weight",
                "why_none": str(exc)}
    return {"supplement": supplement, "route": route, "status": "limit", "amount": d["amount"], "unit": d["unit"],
            "per": d["per"],
            "rule": d["rule"], "sources": cite(d["statement"], "safety limit", d)}


def _summary(found: list[dict], checked: list[str], drugs: list[str], not_checked: list[dict]) -> str:
    parts = []
    if found:
        worst = found[0]
        parts.append(f"{len(found)} interaction{'s' if len(found) != 1 else ''} recorded; the most severe is "
                     f"{worst['severity']} ({worst['likelihood']}): {worst['drug']} with {worst['supplement']}.")
    elif drugs:
        parts.append(NOTHING_RECORDED)
    if not_checked:
        parts.append(NOT_CHECKED + " " + ", ".join(repr(n["input"][:40]) for n in not_checked) + ".")
    return " ".join(parts)
