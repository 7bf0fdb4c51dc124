"""``kg check``: one patient, one report (interactions, matching precautions, dose limits, evidence).

A thin wrapper over :func:`kg.answers.check.check`; a table for people, JSON for programs.
Exit codes: 0 when nothing at or above ``--fail-on`` was found, 1 when an interaction was, 2 when
a name was not checked (the report is still printed) or on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from kg.cli.common import name_arg
from kg.cli.output import clean, wrap
from kg.cli.query import add_engine_options, engine_from_args

FAIL_ON = ["minor", "moderate", "major", "none"]


def register(sub) -> None:
    c = sub.add_parser(
        "check", help="one patient: interactions, matching precautions, dose limits and evidence",
        description="Check one patient's medication list and supplements: the interactions (severity, "
                    "likelihood, basis, the chain that explains them, numbered verbatim quotes), the "
                    "precautions that match the patient, the dose limit by each route with a stated limit, "
                    "and the evidence for the conditions named. 'No interaction is recorded in this graph' is "
                    "never 'safe'. Exit codes: 0 nothing at or above --fail-on; 1 an interaction was found; "
                    "2 a name was not checked (the report is still printed) or bad input.")
    c.add_argument("--drug", action="append", default=[], type=name_arg, metavar="NAME",
                   help="a medication (generic, brand or synonym, or a drug class); repeat for each")
    c.add_argument("--supplement", action="append", default=[], type=name_arg, metavar="S",
                   help="a supplement taken or wanted; repeat for each (default: every supplement that "
                        "interacts with a drug on the list)")
    c.add_argument("--age", metavar="YEARS", help="age in years")
    c.add_argument("--weight-kg", metavar="KG", help="body weight in kg (for limits per kg of body weight)")
    c.add_argument("--pregnant", action="store_true", help="the patient is pregnant")
    c.add_argument("--breast-feeding", action="store_true", help="the patient is breast-feeding")
    c.add_argument("--condition", action="append", default=[], type=name_arg, metavar="NAME",
                   help="a condition the patient has; repeat for each")
    c.add_argument("--fail-on", choices=FAIL_ON, default="minor",
                   help="exit 1 when an interaction of this severity or worse is found (default: minor)")
    add_engine_options(c, limit=False)
    c.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from kg.answers.check import check
    from kg.answers.clinical import scale

    engine = engine_from_args(args)
    report = check(args.drug, args.supplement, age=args.age, weight_kg=args.weight_kg, pregnant=args.pregnant,
                   breast_feeding=args.breast_feeding, conditions=args.condition, engine=engine,
                   timeout=args.timeout)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report))
    if report["not_checked"]:
        names = ", ".join(repr(n["input"][:40]) for n in report["not_checked"])
        print(f"kg check: not checked: {names}", file=sys.stderr)
        return 2
    if args.fail_on == "none":
        return 0
    threshold = next(c["rank"] for c in scale("severity", engine=engine, timeout=args.timeout)
                     if c["code"] == args.fail_on)
    return 1 if any((i["severity_rank"] or 0) >= threshold for i in report["interactions"]) else 0


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return wrap(text, indent=indent)


def _refs(numbers: list[int]) -> str:
    return " ".join(f"[{n}]" for n in numbers)


def render(report: dict) -> str:
    """The report for a person: sections, wrapped to the terminal, quotes numbered at the end, each
    with the section of the monograph's text it is in."""
    out = [clean(report["summary"]) if report["summary"] else "Nothing to report.", ""]
    out.append("Interactions")
    if not report["interactions"]:
        out += _wrap("none recorded in this graph for the names checked (not a statement of safety)")
    for i in report["interactions"]:
        out.append(f"  {i['severity'].upper()} · likelihood {i['likelihood']} · basis {i['basis']}: "
                   f"{clean(i['drug'])} ({clean(i['input'])}) with {clean(i['supplement'])} {_refs(i['sources'])}")
        if i["qualifiers"]:
            out += _wrap("the text restricts it: " + "; ".join(q["label"] for q in i["qualifiers"]))
        out += _wrap("evidence: " + i["evidence_label"])
        out += _wrap("how: " + " > ".join(i["chain"]))
        if i.get("basis_note"):
            out += _wrap("basis: " + i["basis_note"])
        if i.get("note"):
            out += _wrap("note: " + i["note"])
        out += _wrap("effect: " + i["effect"])
        if i["mechanism"]:
            out += _wrap("mechanism: " + i["mechanism"])
        out += _wrap("recommendation: " + i["recommendation"])
    out += ["", "Precautions that match this patient"]
    if not report["precautions"]:
        out += _wrap("none matched from the details given")
    for p in report["precautions"]:
        out += _wrap(f"{p['strength']}: {p['subject']} ({p['why']}) - {p['rationale']} {_refs(p['sources'])}", "  ")
    if report["precautions_to_check"]:
        out += ["", "Precautions to check (the details given cannot tell whether they apply)"]
        for p in report["precautions_to_check"]:
            out += _wrap(f"{p['strength']}: {p['subject']} - {p['rationale']} {_refs(p['sources'])}", "  ")
            if p.get("why"):
                out += _wrap("to tell: " + p["why"])
    if report["doses"]:
        out += ["", "Dose limits for this patient"]
        for d in report["doses"]:
            if d["amount"] is None:
                out += _wrap(f"{d['supplement']} by the {d['route']} route: {d['status']} - {d['why_none']}", "  ")
            else:
                out += _wrap(f"{d['supplement']} by the {d['route']} route: at most {d['amount']} {d['unit']} per "
                             f"{d['per']} {_refs(d['sources'])}", "  ")
                out += _wrap("rule: " + d["rule"])
    if report["evidence"] or report["no_evidence_recorded"]:
        out += ["", "Evidence for the conditions named"]
        for e in report["evidence"]:
            out += _wrap(f"{e['condition']}: {e['level_label']} ({e['supplement']}"
                         f"{', ' + e['route'] if e['route'] else ''}) {_refs(e['sources'])}", "  ")
    for condition in report["no_evidence_recorded"]:
        out += _wrap(f"{condition}: no effectiveness assessment recorded for the supplements checked", "  ")
    if report["not_checked"]:
        out += ["", "Not checked (not found)"]
        for n in report["not_checked"]:
            hint = f"; did you mean: {', '.join(n['suggestions'])}?" if n["suggestions"] else ""
            note = f" ({n['note']})" if n.get("note") else ""
            out += _wrap(f"{n['kind']} {n['input'][:60]!r}{note}{hint}", "  ")
    if report["sources"]:
        out += ["", "Sources (verbatim from the monographs)"]
        for s in report["sources"]:
            where = f"; section: {s['section']}" if s.get("section") else ""
            out += _wrap(f"[{s['n']}] ({s['about']}{where}) \"{s['quote']}\"", "  ")
    return "\n".join(out)
