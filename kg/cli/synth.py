"""``kg synth``: write synthetic monographs of the real shape, for scale tests and benchmarks."""

from __future__ import annotations

import argparse

from kg.errors import UsageError

#: Same value as :data:`kg.curation.synth.DEFAULT_SEED` (kept here so ``kg --help`` does not import the generator).
DEFAULT_SEED = 1


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100000, not {value}")
    return value


def register(sub) -> None:
    p = sub.add_parser(
        "synth", help="write synthetic monographs (invented names) for scale tests and benchmarks",
        description="Write N synthetic monograph data files, each with its generated source text, into a folder. "
                    "They copy the statement types and proportions of the shipped curated monograph (about "
                    "4,700 triples each; about 21 monographs make 1e5 triples and 212 make 1e6) and share drug "
                    "classes, drugs, conditions and populations across files. Output is deterministic for a seed; "
                    "monograph i is the same whatever N is. Build them with 'kg build --monographs DIR'.")
    p.add_argument("--monographs", "-n", type=_count, required=True, metavar="N", help="how many monographs to write")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the shared world (default: {DEFAULT_SEED})")
    p.set_defaults(func=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    from kg.curation.synth import write

    if args.seed < 0:
        raise UsageError(f"--seed must not be negative, not {args.seed}")
    written = write(args.monographs, args.out, seed=args.seed)
    print(f"wrote {len(written)} monograph(s) and their source texts into {written[0].parent}")
    return 0
