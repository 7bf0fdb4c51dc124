"""``kg ingest``: draft a monograph data file from a monograph text in the clinical layout."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kg.errors import DataError, UsageError
from kg.fileio import local_path, write_text
from kg.cli.common import name_arg


def register(sub) -> None:
    p = sub.add_parser(
        "ingest", help="draft a monograph data file from a monograph text",
        description="Read a monograph text in the clinical layout (\"Possibly Effective for:\", \"Special "
                    "Precautions & Warnings:\", \"Interactions with other drugs and medications:\" ...) and write "
                    "a draft data file in the project's format, every record with its verbatim quote. What the "
                    "draft could not place is reported (on stderr, or in --report FILE) for a reviewer to curate "
                    "by hand. Texts larger than 5 MB, binary, empty or in another layout are refused (exit 2).")
    p.add_argument("text", metavar="TEXT_FILE", help="the monograph text (UTF-8)")
    p.add_argument("--name", required=True, type=name_arg, metavar="NAME",
                   help="the supplement's name; its slug is the substance entity id and the monograph id")
    p.add_argument("-o", "--output", required=True, metavar="DATA_FILE", help="the draft data file to write (.yaml)")
    p.add_argument("--title", metavar="TITLE", help="the monograph title (default: NAME)")
    p.add_argument("--report", metavar="FILE", help="write the report of unplaced text here instead of stderr")
    p.add_argument("--force", action="store_true", help="overwrite DATA_FILE if it exists")
    p.set_defaults(func=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    from kg.curation.ingest import draft

    text = local_path(args.text, what="text file")
    out = local_path(args.output, what="output file")
    report = local_path(args.report, what="report file") if args.report else None
    _check_targets(text, out, report, args.force)
    result = draft(text, args.name, out, title=args.title)
    write_draft(result, out)
    report_text = _report_text(result, text, out)
    if report is not None:
        write_text(report, report_text)
    else:
        print(report_text, end="", file=sys.stderr)
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in result.counts.items())
    print(f"wrote draft {out}: {counts}; {len(result.report)} item(s) to curate by hand")
    return 0


def write_draft(result, out_path: Path) -> None:
    """Check that the draft loads and builds, then write it atomically.

    The check loads a hidden copy beside ``out_path`` (so ``source_text`` resolves as it will), and
    removes it; ``out_path`` is written only when the check passes.

    :raises DataError: when the draft does not load or build (a fault of the drafter, not the text).
    """
    from kg.curation.records import load_monograph
    from kg.graph.build import build_graph

    check = out_path.with_name(f".{out_path.name}.{os.getpid()}.check.yaml")
    try:
        write_text(check, result.yaml_text)
        build_graph([load_monograph(check)])
    except DataError as exc:
        raise DataError(f"the draft does not load ({exc.message}); nothing written", where=str(out_path)) from None
    finally:
        check.unlink(missing_ok=True)
    write_text(out_path, result.yaml_text)


def _check_targets(text: Path, out: Path, report: Path | None, force: bool) -> None:
    """Refuse, before reading anything, outputs that cannot or should not be written."""
    for path, what in ((out, "output"), (report, "report")):
        if path is None:
            continue
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"{what} folder does not exist: {folder}")
        if path.is_dir():
            raise UsageError(f"{what} is a folder: {path}")
    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    if text.exists() and out.exists() and text.resolve() == out.resolve():
        raise UsageError("the output file must not be the text file")
    if report is not None and report.resolve() in (out.resolve(), text.resolve()):
        raise UsageError("the report file must differ from the text and output files")


def _report_text(result, text: Path, out: Path) -> str:
    lines = [f"kg ingest: {text} -> {out}",
             "drafted: " + ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in result.counts.items())]
    if result.report:
        lines.append(f"not placed ({len(result.report)}), curate by hand:")
        lines += [f"  {line}" for line in result.report]
    else:
        lines.append("not placed: nothing")
    return "\n".join(lines) + "\n"
