"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse

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


def add_monographs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--monographs", nargs="+", metavar="PATH",
        help="monograph data files or folders (default: the shipped monographs)",
    )


def add_format_option(parser: argparse.ArgumentParser, choices: list[str] | None = None) -> None:
    parser.add_argument("--format", choices=choices or FORMATS, default="table", help="output format (default: table)")


def monograph_paths(args: argparse.Namespace):
    from kg.graph.build import shipped_paths

    return args.monographs if args.monographs else shipped_paths()


def add_graph_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph", metavar="PATH",
        help="a built graph: a graph file or a 'kg build' output folder (default: the shipped monographs, built in memory)",
    )
    add_backend_option(parser)


#: Same values as :data:`kg.sparql.store.BACKENDS` (kept here so ``kg --help`` imports no engine).
BACKENDS = ["auto", "rdflib", "oxigraph"]


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", choices=BACKENDS, default="auto",
        help="rdflib: parse the graph file into memory; oxigraph: open the Oxigraph store 'kg build' wrote (or "
             "load the file into Oxigraph); auto: the store when the folder has one, else rdflib (default: auto)",
    )


def graph_from_args(args: argparse.Namespace):
    """The rdflib graph ``--graph`` names, or the shipped monographs' graph."""
    from kg.sparql.store import open_graph

    return open_graph(getattr(args, "graph", None), getattr(args, "backend", None))


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
