"""Options shared by several commands, defined once."""

from __future__ import annotations

import argparse

FORMATS = ["table", "json", "csv", "tsv"]


def add_monographs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--monographs", nargs="+", metavar="PATH",
        help="monograph data files or folders (default: the shipped monographs)",
    )


def add_format_option(parser: argparse.ArgumentParser, choices: list[str] | None = None) -> None:
    parser.add_argument("--format", choices=choices or FORMATS, default="table", help="output format (default: table)")


def monograph_paths(args: argparse.Namespace):
    from ..build import shipped_paths

    return args.monographs if args.monographs else shipped_paths()


def add_graph_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph", metavar="PATH",
        help="a built graph: a graph file or a 'kg build' output folder (default: the shipped monographs, built in memory)",
    )


def graph_from_args(args: argparse.Namespace):
    """The rdflib graph ``--graph`` names, or the shipped monographs' graph."""
    from ..store import open_graph

    return open_graph(getattr(args, "graph", None))
