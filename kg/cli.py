"""The ``kg`` command line: a thin layer over the library.

Each command lives in a module of :mod:`kg.commands` with a ``register(subparsers)`` function;
shared options are defined once in :mod:`kg.commands.common`. Exit codes: 0 ok, 1 findings or
violations, 2 bad input or a load error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version

from .errors import KGError

#: Command modules, in the order ``kg --help`` lists them.
COMMAND_MODULES = [
    "build",
    "query",
    "clinical",
    "paths",
    "export",
    "viz",
    "serve",
]


def _version() -> str:
    try:
        return version("supplement-kg")
    except PackageNotFoundError:  # running from a source checkout
        return "0+unknown"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Supplement monographs as a knowledge graph: build, validate, query, explain, export.",
    )
    parser.add_argument("--version", action="version", version=f"kg {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"kg.commands.{name}").register(sub)
    return parser




def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except KGError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"kg {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
