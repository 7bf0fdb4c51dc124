"""``kg export``: the graph as Turtle, N-Triples, JSON-LD, GraphML, Cytoscape JSON or KGX TSV."""

from __future__ import annotations

import argparse
import sys

from kg.errors import UsageError
from kg.publish.export import FORMATS, MULTI_WRITERS, PART_SUFFIXES, dump, dumps
from kg.cli.common import add_graph_option, graph_from_args


def register(sub) -> None:
    p = sub.add_parser(
        "export", help="write the graph as Turtle, N-Triples, JSON-LD, GraphML, Cytoscape JSON or KGX TSV",
        description="Write the graph in one format. Turtle and N-Triples are sorted; JSON-LD is compact "
                    "with the project's context embedded; GraphML and Cytoscape JSON hold the entity graph "
                    "(statement attributes on the edges); KGX writes two TSV files, PREFIX_nodes.tsv and "
                    "PREFIX_edges.tsv (or kgx_nodes.tsv and kgx_edges.tsv inside a folder). Files are "
                    "replaced atomically: a failure leaves the previous file intact.")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="file to write, '-' for standard output (for kgx: a file name prefix or a folder)")
    add_graph_option(p)
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    if args.output == "-":
        if args.format in MULTI_WRITERS:
            raise UsageError(f"--format {args.format} writes {len(PART_SUFFIXES[args.format])} files; "
                             "give -o a file name prefix or a folder, not '-'")
        sys.stdout.write(dumps(graph_from_args(args), args.format))
        sys.stdout.flush()
        return 0
    written = dump(graph_from_args(args), args.output, args.format)
    print("wrote: " + ", ".join(str(p) for p in written))
    return 0
