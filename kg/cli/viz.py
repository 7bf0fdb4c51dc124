"""``kg viz``: an interactive HTML page, a static drawing or a chart of the graph."""

from __future__ import annotations

import argparse

from kg.publish.drawing import CHARTS
from kg.errors import UsageError
from kg.publish.viz import MAX_DRAWN_ENTITIES, VIEWS, picture_format, render
from kg.cli.common import add_graph_option, bounded_int, graph_from_args, name_arg

MAX_DEPTH = 5


def register(sub) -> None:
    p = sub.add_parser(
        "viz", help="draw the graph: interactive offline HTML, SVG or PNG, or a chart",
        description="Draw a view of the graph into -o FILE; the file name's ending chooses the format. "
                    ".html is one self-contained page that works offline (search box, legend, click a node "
                    "or edge for its statement and quote); .svg and .png are static drawings. --chart draws "
                    "conditions by evidence level (evidence) or interactions by severity (severity) "
                    "as .svg or .png instead.")
    p.add_argument("--view", choices=VIEWS, default="all",
                   help="which relations to show (default: all)")
    p.add_argument("--focus", type=name_arg, metavar="NAME", help="draw only the neighbourhood of this entity (name, synonym or brand)")
    p.add_argument("--depth", type=bounded_int("--depth", 0, MAX_DEPTH), metavar="N",
                   help=f"hops around --focus (default: 1, at most {MAX_DEPTH})")
    p.add_argument("--chart", choices=CHARTS, help="draw a chart instead of the graph")
    p.add_argument("--max-entities", type=bounded_int("--max-entities", 1), default=MAX_DRAWN_ENTITIES, metavar="N",
                   help=f"refuse to draw a view of more entities than this (default: {MAX_DRAWN_ENTITIES}; "
                        "a larger drawing is not legible and needs much memory)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="picture to write (.html, .svg or .png)")
    add_graph_option(p)
    p.set_defaults(func=run_viz)


def run_viz(args: argparse.Namespace) -> int:
    from kg.fileio import local_path, write_bytes, write_text

    fmt = picture_format(args.output)
    if args.depth is not None and not args.focus:
        raise UsageError("--depth needs --focus")
    target = local_path(args.output, what="output")
    if not (target.parent if str(target.parent) else target).exists():
        raise UsageError(f"folder does not exist: {target.parent}")
    picture = render(graph_from_args(args), fmt, view=args.view, focus=args.focus, depth=args.depth,
                     chart=args.chart, max_entities=args.max_entities)
    if isinstance(picture, bytes):
        write_bytes(target, picture)
    else:
        write_text(target, picture)
    print(f"wrote: {target}")
    return 0
