"""``kg interactions`` (the medication checker), ``kg evidence``, ``kg precautions`` and ``kg dose``.

Thin wrappers over :mod:`kg.answers.clinical`; output as a table for people or JSON / CSV / TSV for programs.
"""

from __future__ import annotations

import argparse
import json
import sys

from kg.errors import UsageError
from kg.cli.common import name_arg
from kg.cli.output import clean
from kg.cli.query import add_engine_options, engine_from_args

FAIL_ON = ["minor", "moderate", "major", "none"]


def register(sub) -> None:
    i = sub.add_parser(
        "interactions", help="check a medication list for interactions with supplements",
        description="Check drugs (generic names, brand names or synonyms, any letter case) or drug classes "
                    "for interactions with the supplements in the graph, directly or through drug class "
                    "membership. Names that match nothing are listed with close matches. Exit codes: 0 when "
                    "nothing at or above --fail-on was found, 1 when something was, 2 when a name was not "
                    "found (the report is still printed) or on bad input.")
    i.add_argument("names", nargs="+", type=name_arg, metavar="NAME", help="drug or drug class names")
    i.add_argument("--supplement", type=name_arg, metavar="S", help="only this supplement (default: every supplement)")
    i.add_argument("--fail-on", choices=FAIL_ON, default="minor",
                   help="exit 1 when an interaction of this severity or worse is found (default: minor, i.e. any "
                        "interaction; none: never)")
    add_engine_options(i, limit=False)
    i.set_defaults(func=run_interactions)

    e = sub.add_parser(
        "evidence", help="conditions by evidence level",
        description="List the conditions a supplement was assessed for, with the evidence level, routes, "
                    "population and the source quote; best evidence first.")
    e.add_argument("--level", type=name_arg, metavar="L", help="an evidence level code or label (effective, likely-effective, "
                   "possibly-effective, insufficient-evidence, possibly-ineffective, likely-ineffective, ineffective)")
    direction = e.add_mutually_exclusive_group()
    direction.add_argument("--at-least", action="store_true", help="the level or better")
    direction.add_argument("--at-most", action="store_true", help="the level or worse")
    e.add_argument("--supplement", type=name_arg, metavar="S", help="only this supplement (default: every supplement)")
    add_engine_options(e, limit=False)
    e.set_defaults(func=run_evidence)

    p = sub.add_parser(
        "precautions", help="conditions and populations that call for care",
        description="List who should not use, avoid, or be careful with a supplement, with the rationale and "
                    "the source quote; strongest advice first.")
    p.add_argument("--supplement", type=name_arg, metavar="S", help="only this supplement (default: every supplement)")
    p.add_argument("--min-strength", type=name_arg, metavar="STRENGTH", help="only this strength or stronger: caution, avoid, do-not-use")
    add_engine_options(p, limit=False)
    p.set_defaults(func=run_precautions)

    d = sub.add_parser(
        "dose", help="maximum daily amount from the stated safety limits",
        description="The maximum amount per day the source's safety limits state for a person of this age (and "
                    "weight, for limits per kg of body weight), by this route, with the rule and the quote. "
                    "Nothing is extrapolated: where no stated limit covers the route and age, kg dose says so and "
                    "exits 1. Exit 2 on bad input (unknown supplement or route, impossible age or weight).")
    d.add_argument("--supplement", required=True, type=name_arg, metavar="S", help="the supplement")
    d.add_argument("--route", required=True, type=name_arg, metavar="R", help="route: oral, intravenous, enteral-tube, topical, or as clinicians write it (PO, by mouth, IV, i.v., feeding tube, ...)")
    d.add_argument("--age", required=True, metavar="YEARS", help="age in years (decimals allowed)")
    d.add_argument("--weight-kg", metavar="KG", help="body weight in kg (needed for limits per kg of body weight)")
    add_engine_options(d, limit=False)
    d.set_defaults(func=run_dose)


# ---------------------------------------------------------------------------------------------
# kg interactions
# ---------------------------------------------------------------------------------------------


def run_interactions(args: argparse.Namespace) -> int:
    from kg.answers.clinical import interactions, scale

    engine = engine_from_args(args)
    report = interactions(args.names, args.supplement, engine=engine, timeout=args.timeout)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.format in ("csv", "tsv"):
        from kg.cli.output import render

        print(render(_flat_rows(report), args.format, _FLAT_COLUMNS))
    else:
        print(_interactions_table(report))
    if report["unknown"]:
        names = ", ".join(repr(u["input"][:40]) for u in report["unknown"])
        print(f"kg interactions: not found: {names}; the list was not fully checked", file=sys.stderr)
        return 2
    if args.fail_on == "none":
        return 0
    threshold = next(c["rank"] for c in scale("severity", engine=engine, timeout=args.timeout)
                     if c["code"] == args.fail_on)
    hits = [i for r in report["results"] for i in r["interactions"] if (i["severity_rank"] or 0) >= threshold]
    return 1 if hits else 0


_FLAT_COLUMNS = ["input", "status", "resolved", "type", "supplement", "severity", "likelihood", "evidence",
                 "qualifiers", "basis", "via", "interactant", "effect", "mechanism", "recommendation", "quote", "suggestions"]


def _flat_rows(report: dict) -> list[dict]:
    rows = []
    for r in report["results"]:
        base = {"input": r["input"], "resolved": r["resolved"], "type": r["type"]}
        if not r["interactions"]:
            rows.append({**base, "status": "no interaction found"})
        for i in r["interactions"]:
            rows.append({**base, "status": "interaction", "supplement": i["supplement"], "severity": i["severity"],
                         "likelihood": i["likelihood"], "evidence": i["evidence"],
                         "qualifiers": "; ".join(q["label"] for q in i["qualifiers"]),
                         "basis": i["basis"], "via": " > ".join(i["via"]), "interactant": i["interactant"], "effect": i["effect"],
                         "mechanism": i["mechanism"], "recommendation": i["recommendation"], "quote": i["quote"]})
    for u in report["unknown"]:
        rows.append({"input": u["input"], "status": "not found", "suggestions": "; ".join(u["suggestions"])})
    return rows


def _interactions_table(report: dict) -> str:
    from kg.cli.output import qualified, table, wrap

    rows, sources, number, notes = [], [], {}, []
    for r in report["results"]:
        drug = f"{r['resolved']} ({r['type']})"
        if r.get("note"):
            notes.append(r["note"])
        if not r["interactions"]:
            rows.append({"input": r["input"], "drug": drug, "supplement": "-", "severity": "none found",
                         "likelihood": "-", "evidence": "-", "basis": "-", "via": "-",
                         "effect": "no interaction recorded", "recommendation": "-", "source": ""})
        for i in r["interactions"]:
            if i["statement"] not in number:
                sources.append(i)
                number[i["statement"]] = len(sources)
            if i.get("basis_note") and i["basis_note"] not in notes:
                notes.append(i["basis_note"])
            rows.append({"input": r["input"], "drug": drug, "supplement": i["supplement"],
                         "severity": i["severity"].upper() if i["severity"] == "major" else i["severity"],
                         "likelihood": i["likelihood"], "evidence": i["evidence_label"], "basis": i["basis"],
                         "via": " > ".join(i["via"]) or "(direct)", "effect": qualified(i["effect"], i["qualifiers"]),
                         "recommendation": i["recommendation"], "source": f"[{number[i['statement']]}]"})
    lines = [table(rows, ["input", "drug", "supplement", "severity", "likelihood", "evidence", "basis", "via", "effect",
                          "recommendation", "source"])] if rows else []
    if notes:  # what a row rests on beyond the monograph's words: a salt, a reference classification
        lines.append("")
        lines.append("Basis (what the monograph does not say itself):")
        for note in notes:
            lines += wrap(f"- {note}", subsequent="  ")
    if sources:
        lines.append("")
        lines.append("Sources (verbatim from the monograph):")
        for n, i in enumerate(sources, 1):
            lines += wrap(f"[{n}] {i['supplement']} / {i['interactant']}: \"{i['quote']}\"", subsequent="    ")
    if report["unknown"]:
        lines.append("")
        lines.append("Not found (not checked):")
        for u in report["unknown"]:
            shown = u["input"] if len(u["input"]) <= 60 else u["input"][:57] + "..."
            hint = f" - did you mean: {', '.join(u['suggestions'])}?" if u["suggestions"] else ""
            note = f" ({u['note']})" if u.get("note") else ""
            lines.append(f"  {clean(shown)!s}{note}{hint}")
    return "\n".join(lines) if lines else "(nothing to show)"


# ---------------------------------------------------------------------------------------------
# kg evidence, kg precautions
# ---------------------------------------------------------------------------------------------

_EVIDENCE_COLUMNS = ["supplement", "condition", "level", "route", "quote"]
_PRECAUTION_COLUMNS = ["supplement", "subject", "strength", "rationale", "quote"]


def run_evidence(args: argparse.Namespace) -> int:
    from kg.answers.clinical import evidence

    if (args.at_least or args.at_most) and not args.level:
        raise UsageError("--at-least and --at-most need --level")
    rows = evidence(args.level, args.supplement, at_least=args.at_least, at_most=args.at_most,
                    engine=engine_from_args(args), timeout=args.timeout)
    _print(rows, args.format, _EVIDENCE_COLUMNS + ["population", "statement"],
           _EVIDENCE_COLUMNS[:4] + ["population", "quote"])
    return 0


def run_precautions(args: argparse.Namespace) -> int:
    from kg.answers.clinical import precautions

    rows = precautions(args.supplement, min_strength=args.min_strength, engine=engine_from_args(args),
                       timeout=args.timeout)
    _print(rows, args.format, _PRECAUTION_COLUMNS + ["subject_type", "statement"], _PRECAUTION_COLUMNS)
    return 0


def _print(rows: list[dict], fmt: str, columns: list[str], table_columns: list[str]) -> None:
    from kg.cli.output import render

    shown = [{c: r.get(c) for c in columns} for r in rows]
    print(render(shown, fmt, table_columns if fmt == "table" else columns))


# ---------------------------------------------------------------------------------------------
# kg dose
# ---------------------------------------------------------------------------------------------

_DOSE_FIELDS = ["amount", "unit", "per", "rule", "quote", "supplement", "route", "population", "age_years", "weight_kg",
                "limit_amount", "per_kg", "rating", "statement"]


def run_dose(args: argparse.Namespace) -> int:
    from kg.answers.clinical import NoApplicableLimit, dose

    try:
        result = dose(args.supplement, args.route, args.age, args.weight_kg, engine=engine_from_args(args),
                      timeout=args.timeout)
    except NoApplicableLimit as exc:
        print(f"kg dose: no applicable limit: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.format in ("csv", "tsv"):
        from kg.cli.output import render

        flat = {k: ("" if result[k] is None else str(result[k]).lower() if isinstance(result[k], bool) else result[k])
                for k in _DOSE_FIELDS}
        print(render([flat], args.format, _DOSE_FIELDS))
    else:
        print(f"maximum: {result['amount']} {result['unit']} per {result['per']}")
        for key in ("rule", "quote", "population", "rating", "statement"):
            print(f"{key}: {clean(result[key])}")
    return 0
