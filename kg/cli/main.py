"""The ``kg`` command line: a thin layer over the library.

Each command lives in a module of :mod:`kg.cli` with a ``register(subparsers)`` function;
shared options are defined once in :mod:`kg.cli.common`. Exit codes: 0 ok, 1 findings or
violations, 2 bad input or a load error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from kg.errors import KGError, UsageError

#: Command modules, in the order ``kg --help`` lists them.
COMMAND_MODULES = [
    "build",
    "query",
    "clinical",
    "check",
    "ingest",
    "paths",
    "export",
    "viz",
    "serve",
    "synth",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~30 ms: only for --version

    try:
        return version("supplement-kg")
    except PackageNotFoundError:  # running from a source checkout
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked, so other commands start faster."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"kg {_version()}")
        parser.exit()


#: Which module registers each command, so that ``kg COMMAND`` imports only the module it needs
#: (and ``kg --version`` none): start-up stays light. A command missing here still works, as every
#: module is then registered; tests/test_backends.py checks this table against the modules.
COMMANDS = {
    "build": "build", "validate": "build", "query": "query", "sparql": "query",
    "interactions": "clinical", "evidence": "clinical", "precautions": "clinical", "dose": "clinical",
    "check": "check",
    "ingest": "ingest", "path": "paths", "explain": "paths", "neighbours": "paths", "neighbors": "paths",
    "centrality": "paths", "metapaths": "paths", "export": "export", "viz": "viz", "serve": "serve",
    "load": "serve", "synth": "synth",
}


def _modules_for(argv: list[str] | None) -> list[str]:
    """The command modules ``argv`` needs: all of them unless it names a known command (or only
    asks for ``--version``)."""
    if argv is None:
        return COMMAND_MODULES
    words = [a for a in argv if not a.startswith("-")]
    if words:
        return [COMMANDS[words[0]]] if COMMANDS.get(words[0]) in COMMAND_MODULES else COMMAND_MODULES
    return [] if "--version" in argv and not {"-h", "--help"} & set(argv) else COMMAND_MODULES


def make_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Supplement monographs as a knowledge graph: build, validate, query, explain, export.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _modules_for(argv):
        importlib.import_module(f"kg.cli.{name}").register(sub)
    return parser




def _argument_names(parser: argparse.ArgumentParser, command: str | None) -> dict[str, str]:
    """``dest -> how the user wrote it`` (``--param``, or the positional's name) for the options
    of ``parser`` and of the subcommand ``command``."""
    names: dict[str, str] = {}
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                if command in action.choices:
                    stack.append(action.choices[command])
                continue
            longest = max(action.option_strings, key=len, default=None)
            names.setdefault(action.dest, longest or action.metavar or action.dest)
    return names


def _check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse an argument that is not text: bytes that are not UTF-8 (Python keeps them as lone
    surrogates), which would fail later, far from here, with a traceback; and an empty or blank
    name (:func:`kg.cli.common.name_arg`), which would be read as "every supplement" or match nothing.

    :raises UsageError: naming the argument.
    """
    from kg.cli.common import BlankName
    from kg.text import text_problem

    names = None
    for dest, value in vars(args).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            problem = text_problem(item) if isinstance(item, str) else None
            if problem is None and isinstance(item, BlankName):
                problem = f"must not be empty or blank (got {str(item)!r}); give a name"
            if problem is not None:
                names = names or _argument_names(parser, getattr(args, "command", None))
                raise UsageError(f"argument {names.get(dest, dest)} {problem}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser(argv)
    args = parser.parse_args(argv)
    from kg.cli.common import graph_line, graph_note

    try:
        _check_arguments(parser, args)
        code = args.func(args)
    except KGError as exc:
        from kg.text import one_line

        note = graph_note(args)  # which graph the command read, inside the one line
        where = f" [graph: {note}]" if note else ""
        print(f"kg {args.command}: error: {one_line(str(exc))}{where}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"kg {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    note = graph_note(args)
    if note:
        print(graph_line(args, note), file=sys.stderr)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
