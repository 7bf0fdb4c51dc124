"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

FORMATS = ["table", "json", "csv", "tsv"]


def bounded_int(name: str, low: int, high: int | None = None):
    """An argparse type: a whole number from ``low`` to ``high`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, not {text!r}") from None
        if value < low or (high is not None and value > high):
            upper = f" and at most {high}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"{name} must be at least {low}{upper}, not {value}")
        return value

    parse.__name__ = name.lstrip("-")
    return parse


class BlankName(str):
    """What :func:`name_arg` gives for an empty or whitespace-only name: :func:`kg.cli.main.main`
    refuses it in one line, naming the argument, before the command runs."""


def name_arg(text: str) -> str:
    """An argparse type for every name or code a command takes (a drug, supplement, condition,
    entity, route...): an empty or whitespace-only one is bad input, refused by
    :func:`kg.cli.main.main` (one line, exit 2), never read as "every supplement" or "nothing"."""
    return text if text.strip() else BlankName(text)


def add_monographs_option(parser: argparse.ArgumentParser, *, drafts: bool = False) -> None:
    """``--monographs`` (and, with ``drafts``, ``--allow-drafts``: see :mod:`kg.curation.drafts`)."""
    parser.add_argument(
        "--monographs", nargs="+", metavar="PATH",
        help="monograph data files or folders (default: the shipped monographs)",
    )
    if drafts:
        parser.add_argument(
            "--allow-drafts", action="store_true",
            help="build monographs whose curated_by says they were not reviewed (as 'kg ingest' drafts them); "
                 "the summary and metadata.ttl then say the graph contains drafts (default: refuse them)",
        )


def add_format_option(parser: argparse.ArgumentParser, choices: list[str] | None = None) -> None:
    parser.add_argument("--format", choices=choices or FORMATS, default="table", help="output format (default: table)")


def monograph_paths(args: argparse.Namespace):
    from kg.graph.build import shipped_paths

    return args.monographs if args.monographs else shipped_paths()


#: The environment variable naming the graph query commands read when --graph is not given.
GRAPH_ENV = "KG_GRAPH"
#: The folder query commands read when it holds a ``kg build`` output (``kg build``'s default --out).
DEFAULT_OUTPUT = "output"
GRAPH_HELP = ("a built graph: a 'kg build' output folder or a graph file (default: $KG_GRAPH if set, else ./output "
              "if it holds a 'kg build' output, else the shipped monographs built in memory; stderr says which)")


def add_graph_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph", metavar="PATH", help=GRAPH_HELP)
    add_backend_option(parser)


@dataclass(frozen=True)
class GraphChoice:
    """The graph a command reads: ``path`` (None: the shipped monographs, built in memory), how
    it was chosen (``note``, for stderr) and the environment variable's value when it came from
    there."""

    path: str | None
    note: str
    env: str | None = None


def choose_graph(given: str | None, environ=None) -> GraphChoice:
    """``--graph`` if given; else ``$KG_GRAPH`` if set; else ``./output`` when it holds a ``kg
    build`` output (:func:`kg.sparql.store.is_build_folder`); else the shipped monographs.

    :raises UsageError: for a ``$KG_GRAPH`` that is empty or names no graph (naming the variable).
    """
    from kg.errors import KGError, UsageError
    from kg.sparql.store import check_graph_path, is_build_folder

    if given is not None:
        return GraphChoice(given, f"{given} (--graph)")
    environ = os.environ if environ is None else environ
    value = environ.get(GRAPH_ENV)
    if value is not None:
        if not value.strip():
            raise UsageError(f"${GRAPH_ENV} is set but empty; set it to a 'kg build' output folder or a graph file, "
                             "or unset it")
        try:
            check_graph_path(value)
        except KGError as exc:
            raise UsageError(f"${GRAPH_ENV}={value}: {exc}") from None
        return GraphChoice(value, f"${GRAPH_ENV}={value}", env=value)
    if is_build_folder(DEFAULT_OUTPUT):
        return GraphChoice(DEFAULT_OUTPUT, f"./{DEFAULT_OUTPUT} (kg build folder)")
    return GraphChoice(None, "shipped monographs (built in memory)")


def graph_choice(args: argparse.Namespace) -> GraphChoice:
    """:func:`choose_graph` for the command's ``--graph``, chosen once per command."""
    choice = getattr(args, "_graph_choice", None)
    if choice is None:
        choice = choose_graph(getattr(args, "graph", None))
        args._graph_choice = choice
    return choice


def say_graph(args: argparse.Namespace, *, now: bool = False) -> None:
    """Have the command say on stderr which graph it read (stdout stays the answer alone): one
    line once it is done (:func:`graph_note`), or ``now``; a command that fails says it in its
    one-line error instead (:func:`kg.cli.main.main`)."""
    args._graph_note = graph_choice(args).note
    if now:
        print(graph_line(args, graph_note(args)), file=sys.stderr, flush=True)


def graph_note(args: argparse.Namespace) -> str | None:
    """Which graph the command read, as :func:`say_graph` asked for it to be said (None when the
    command read no graph, or said it already), given once."""
    note = getattr(args, "_graph_note", None)
    args._graph_note = None
    return note


def graph_line(args: argparse.Namespace, note: str) -> str:
    """The stderr line that says which graph the command read."""
    return f"kg {getattr(args, 'command', None) or 'graph'}: graph: {note}"


def open_chosen(args: argparse.Namespace, opener):
    """``opener(path)`` for the chosen graph, then :func:`say_graph`; a graph from ``$KG_GRAPH``
    that does not open is an error naming the variable."""
    from kg.errors import KGError, UsageError

    choice = graph_choice(args)
    try:
        opened = opener(choice.path)
    except KGError as exc:
        if choice.env is None:
            raise
        raise UsageError(f"${GRAPH_ENV}={choice.env}: {exc}") from None
    say_graph(args)
    return opened


#: Same values as :data:`kg.sparql.store.BACKENDS` (kept here so ``kg --help`` imports no engine).
BACKENDS = ["auto", "rdflib", "oxigraph"]


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", choices=BACKENDS, default="auto",
        help="rdflib: parse the graph file into memory; oxigraph: open the Oxigraph store 'kg build' wrote (or "
             "load the file into Oxigraph); auto: the store when the folder has one, else rdflib (default: auto)",
    )


def graph_from_args(args: argparse.Namespace):
    """The rdflib graph the command reads (:func:`choose_graph`), said on stderr."""
    from kg.sparql.store import open_graph

    return open_chosen(args, lambda path: open_graph(path, getattr(args, "backend", None)))


def add_endpoint_option(parser: argparse.ArgumentParser, *, timeout: bool = True) -> None:
    """``--endpoint URL`` (and ``--timeout``, unless the command has its own)."""
    parser.add_argument(
        "--endpoint", metavar="URL",
        help="ask this SPARQL 1.1 endpoint (its query URL, e.g. http://127.0.0.1:7878/query) instead of a local graph",
    )
    if timeout:
        parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                            help="longest an endpoint request may take (default: 30)")


def endpoint_from_args(args: argparse.Namespace):
    """The :class:`kg.sparql.remote.EndpointEngine` ``--endpoint`` names, or None without it."""
    url = getattr(args, "endpoint", None)
    if url is None:
        return None
    if getattr(args, "graph", None) or getattr(args, "backend", None) not in (None, "auto"):
        from kg.errors import UsageError

        raise UsageError("give --graph (and --backend) or --endpoint, not both")
    from kg.sparql.remote import EndpointEngine

    return EndpointEngine(url)
