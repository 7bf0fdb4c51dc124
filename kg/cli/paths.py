"""``kg path``, ``kg explain``, ``kg neighbours``, ``kg centrality`` and ``kg metapaths``.

Names resolve like everywhere else (labels, synonyms, brand names, any letter case); an unknown
name is an error with suggestions (exit 2). Finding no path is an answer, not an error: it is
printed as such and the exit code is 0 (``"paths": []`` in JSON).
"""

from __future__ import annotations

import argparse
import json

from kg.errors import UsageError
from kg.cli.output import clean
from kg.answers.paths import DEFAULT_LIMIT, DEFAULT_MAX_HOPS
from kg.cli.common import (add_endpoint_option, bounded_int, add_format_option, add_graph_option, endpoint_from_args,
                           graph_choice, graph_from_args, name_arg, open_chosen)

#: Upper bounds a user may ask for; beyond them a search is no longer "bounded".
MAX_HOPS_CEILING = 8
MAX_DEPTH_CEILING = 5
FORMATS = ["table", "json"]


def register(sub) -> None:
    hops = bounded_int("--max-hops", 1, MAX_HOPS_CEILING)

    p = sub.add_parser(
        "path", help="how two things are connected: shortest or all paths, each step with its quote",
        description="Print the shortest path between two entities (with --all, every simple path up to "
                    "--max-hops, at most --limit of them) as a chain of relations. Edges are walked in "
                    "either direction; a step against an edge's direction is drawn ←like this—. "
                    "No path is reported as such (exit 0).")
    p.add_argument("source", type=name_arg, metavar="FROM", help="an entity name (label, synonym or brand name)")
    p.add_argument("target", type=name_arg, metavar="TO", help="an entity name")
    p.add_argument("--max-hops", type=hops, default=DEFAULT_MAX_HOPS, metavar="N",
                   help=f"longest path to consider (default: {DEFAULT_MAX_HOPS}, at most {MAX_HOPS_CEILING})")
    p.add_argument("--all", action="store_true", help="all simple paths up to --max-hops, shortest first")
    p.add_argument("--limit", type=bounded_int("--limit", 1, None), default=DEFAULT_LIMIT, metavar="K",
                   help=f"print at most K paths (default: {DEFAULT_LIMIT})")
    p.add_argument("--quotes", action="store_true", help="print the source quote behind each step")
    add_graph_option(p)
    add_endpoint_option(p)
    add_format_option(p, FORMATS)
    p.set_defaults(func=run_path)

    e = sub.add_parser(
        "explain", help="why two things are connected: direct statements and the mechanism paths behind them",
        description="Print the statements joining two entities (also through a drug class one belongs to) "
                    "and the mechanism paths that explain them: paths of two or more steps made of mechanism "
                    "and physiology statements and class membership, each step with its source quote.")
    e.add_argument("source", type=name_arg, metavar="A", help="an entity name")
    e.add_argument("target", type=name_arg, metavar="B", help="an entity name")
    e.add_argument("--max-hops", type=hops, default=DEFAULT_MAX_HOPS, metavar="N",
                   help=f"longest mechanism path (default: {DEFAULT_MAX_HOPS})")
    e.add_argument("--limit", type=bounded_int("--limit", 1, None), default=DEFAULT_LIMIT, metavar="K",
                   help=f"print at most K mechanism paths (default: {DEFAULT_LIMIT})")
    add_graph_option(e)
    add_endpoint_option(e)
    add_format_option(e, FORMATS)
    e.set_defaults(func=run_explain)

    n = sub.add_parser("neighbours", aliases=["neighbors"], help="entities within N steps of one",
                       description="List the entities within --depth steps of an entity (either direction), "
                                   "nearest first, each with one way to reach it.")
    n.add_argument("name", type=name_arg, metavar="NAME", help="an entity name")
    n.add_argument("--depth", type=bounded_int("--depth", 1, MAX_DEPTH_CEILING), default=1, metavar="N",
                   help=f"how many steps out (default: 1, at most {MAX_DEPTH_CEILING})")
    n.add_argument("--limit", type=bounded_int("--limit", 1, None), default=100, metavar="K",
                   help="print at most K neighbours (default: 100)")
    add_graph_option(n)
    add_format_option(n, FORMATS)
    n.set_defaults(func=run_neighbours)

    c = sub.add_parser("centrality", help="the most connected entities of each type (degree, betweenness)",
                       description="Degree and betweenness centrality of every entity on the undirected entity "
                                   "graph, the top K of each entity type.")
    c.add_argument("--top", type=bounded_int("--top", 1, None), default=5, metavar="K",
                   help="entities per type (default: 5)")
    c.add_argument("--by", choices=["degree", "betweenness"], default="degree", help="rank by (default: degree)")
    c.add_argument("--type", action="append", type=name_arg, metavar="TYPE", dest="types",
                   help="only this entity type, e.g. Drug (repeatable)")
    add_graph_option(c)
    add_format_option(c, FORMATS)
    c.set_defaults(func=run_centrality)

    m = sub.add_parser("metapaths", help="path counts by type sequence between two entities (Hetionet style)",
                       description="Count the simple paths between two entities by metapath (the sequence of "
                                   "entity types and relations, e.g. Substance —interacts with→ DrugClass "
                                   "—has member→ Drug); with --dwpc also the degree-weighted path count "
                                   "(damping exponent 0.4, as in Hetionet).")
    m.add_argument("source", type=name_arg, metavar="A", help="an entity name")
    m.add_argument("target", type=name_arg, metavar="B", help="an entity name")
    m.add_argument("--max-hops", type=hops, default=3, metavar="N", help="longest path to count (default: 3)")
    m.add_argument("--dwpc", action="store_true", help="also compute degree-weighted path counts")
    add_graph_option(m)
    add_format_option(m, FORMATS)
    m.set_defaults(func=run_metapaths)


# --------------------------------------------------------------------------------------------


def _resolve(graph, *names: str, timeout: float | None = None) -> list[str]:
    from kg.sparql.query import open_engine
    from kg.answers.resolve import resolve_one

    engine = open_engine(graph)
    return [resolve_one(engine, n, timeout=timeout).iri for n in names]


def _ends(args):
    """``(source, a, b)``: both names resolved, on the endpoint when ``--endpoint`` is given, else
    on the local graph; ``source`` is what the neighbourhood is projected from (:func:`_project_at`)."""
    from kg.sparql.oxstore import OxigraphEngine
    from kg.sparql.store import open_oxigraph, resolve_backend
    from kg.sparql.guards import DEFAULT_TIMEOUT
    from kg.answers.resolve import resolve_one

    timeout = getattr(args, "timeout", None) or DEFAULT_TIMEOUT
    engine = endpoint_from_args(args)
    graph = None
    if engine is None and resolve_backend(graph_choice(args).path, getattr(args, "backend", None)) == "oxigraph":
        engine = open_chosen(args, lambda path: OxigraphEngine(open_oxigraph(path)))
    if engine is not None:
        a, b = (resolve_one(engine, name, timeout=timeout).iri for name in (args.source, args.target))
    else:
        graph = graph_from_args(args)
        a, b = _resolve(graph, args.source, args.target)
    if a == b:
        raise UsageError(f"{args.source!r} and {args.target!r} name the same entity")
    if engine is None:
        return graph, a, b
    from kg.answers.neighbourhood import Neighbourhood

    # An endpoint or the Oxigraph store: fetch the neighbourhood with a few SELECT and CONSTRUCT
    # queries rather than reading it with many single-triple lookups.
    return Neighbourhood(engine, [a, b], timeout=timeout), a, b


def _project_at(source, a: str, b: str, depth: int):
    """The projection of the entities within ``depth`` edges of ``a`` or ``b``."""
    from kg.answers.paths import project

    graph = source.to_depth(depth) if hasattr(source, "to_depth") else source
    return project(graph, seeds=[a, b], depth=depth)


def _pair(args):
    """Graph, both ends resolved, and the projection of their neighbourhood.

    Every node of a path of at most N hops lies within N // 2 hops of one of its ends, so that
    neighbourhood holds every such path (and one hop more keeps the degrees of its nodes whole,
    which degree-weighted counts need).
    """
    source, a, b = _ends(args)
    return _project_at(source, a, b, args.max_hops // 2 + 1), a, b


def _shortest(args):
    """``(G, a, b, paths)``: the shortest paths, from the smallest neighbourhood that holds them
    (:func:`kg.answers.paths.shortest_in_neighbourhood`)."""
    from kg.answers.paths import shortest_in_neighbourhood

    source, a, b = _ends(args)
    G, found = shortest_in_neighbourhood(lambda depth: _project_at(source, a, b, depth), a, b,
                                         max_hops=args.max_hops, limit=args.limit + 1)
    return G, a, b, found


def _dump(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _quote_lines(G, path, indent: str) -> list[str]:
    """Each step of ``path`` with its quotes (a one-step path: just the quotes)."""
    from kg.answers.paths import MEMBERSHIP, REFERENCE_RELATIONS, path_text, step_quotes

    lines = []
    for step in path:
        inner = indent
        if len(path) > 1:
            lines.append(f"{indent}{clean(path_text(G, [step]))}")
            inner = indent + "    "
        quotes = step_quotes(G, step)
        if quotes:
            lines += [f'{inner}"{clean(q)}"' for q in quotes]
        elif G.edges[step.edge].get("relation") in REFERENCE_RELATIONS:
            lines.append(f"{inner}(the project's reference classification, not the monograph's words)")
        elif G.edges[step.edge].get("kind") == MEMBERSHIP:
            lines.append(f"{inner}(class membership; no quote)")
        else:
            lines.append(f"{inner}(no quote)")
    return lines


def run_path(args: argparse.Namespace) -> int:
    from kg.answers.paths import find_paths, label, node_info, path_records, path_text

    if args.all:
        G, a, b = _pair(args)
        found = find_paths(G, a, b, max_hops=args.max_hops, limit=args.limit + 1, shortest=False)
    else:
        G, a, b, found = _shortest(args)
    more = len(found) > args.limit
    found = found[: args.limit]
    if args.format == "json":
        _dump({"from": node_info(G, a), "to": node_info(G, b), "max_hops": args.max_hops,
               "mode": "all" if args.all else "shortest", "limited": more,
               "paths": [path_records(G, p) for p in found]})
        return 0
    names = f"{clean(label(G, a))} and {clean(label(G, b))}"
    if not found:
        print(f"no path found between {names} within {args.max_hops} hops")
        return 0
    if args.all:
        print(f"{len(found)} path(s) between {names} within {args.max_hops} hops, shortest first:")
    else:
        hops = len(found[0])
        print(f"shortest path(s) between {names}: {hops} hop{'s' if hops != 1 else ''}")
    for i, p in enumerate(found, start=1):
        print(f"{i:>3}. {clean(path_text(G, p))}" + (f"  ({len(p)} hops)" if args.all else ""))
        if args.quotes:
            print("\n".join(_quote_lines(G, p, "       ")))
    if more:
        print(f"(more than {args.limit} paths; raise --limit to see more)")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from kg.answers.paths import explain, label, node_info, path_records, path_text

    G, a, b = _pair(args)
    ex = explain(G, a, b, max_hops=args.max_hops, limit=args.limit)
    if args.format == "json":
        _dump({"from": node_info(G, a), "to": node_info(G, b), "max_hops": args.max_hops,
               "direct": [path_records(G, p) for p in ex.direct],
               "paths": [path_records(G, p) for p in ex.paths],
               "causes": [path_records(G, p) for p in ex.causes]})
        return 0
    print(f"{clean(label(G, a))} and {clean(label(G, b))}")
    print()
    if ex.direct:
        print(f"Direct statements ({len(ex.direct)}):")
        for p in ex.direct:
            print(f"  - {clean(path_text(G, p))}")
            print("\n".join(_quote_lines(G, p, "      ")))
    else:
        print("Direct statements: none")
    print()
    if ex.paths:
        print(f"Mechanism paths that explain it ({len(ex.paths)}, up to {args.max_hops} hops):")
        for i, p in enumerate(ex.paths, start=1):
            print(f"{i:>3}. {clean(path_text(G, p))}")
            print("\n".join(_quote_lines(G, p, "       ")))
    else:
        print(f"no mechanism path found within {args.max_hops} hops")
    if ex.causes:
        print()
        print(f"Through what the text says causes a condition ({len(ex.causes)}):")
        for i, p in enumerate(ex.causes, start=1):
            print(f"{i:>3}. {clean(path_text(G, p))}")
            print("\n".join(_quote_lines(G, p, "       ")))
    return 0


def run_neighbours(args: argparse.Namespace) -> int:
    from kg.cli.output import table
    from kg.answers.paths import arrow, label, neighbours, node_info, path_records, path_text, project

    graph = graph_from_args(args)
    (start,) = _resolve(graph, args.name)
    G = project(graph, seeds=[start], depth=args.depth)
    found = neighbours(G, start, depth=args.depth)
    shown = found[: args.limit]
    if args.format == "json":
        _dump({"entity": node_info(G, start), "depth": args.depth, "count": len(found),
               "neighbours": [{**node_info(G, n.node), "distance": n.distance, "path": path_records(G, n.path),
                               "relations": [arrow(G, s) for s in n.last_hops]} for n in shown]})
        return 0
    rows = []
    for n in shown:
        before = path_text(G, n.path[:-1]) if len(n.path) > 1 else label(G, start)
        via = f"{before} {' / '.join(arrow(G, s) for s in n.last_hops)} {label(G, n.node)}"
        rows.append({"distance": n.distance, "entity": label(G, n.node), "type": G.nodes[n.node].get("type"), "via": via})
    print(f"{len(found)} entit{'y' if len(found) == 1 else 'ies'} within {args.depth} step(s) of {clean(label(G, start))}")
    if rows:
        print(table(rows, ["distance", "entity", "type", "via"]))
    if len(found) > len(shown):
        print(f"({len(found) - len(shown)} more not shown; raise --limit)")
    return 0


def run_centrality(args: argparse.Namespace) -> int:
    from kg.cli.output import render
    from kg.answers.paths import centrality, label, project

    G = project(graph_from_args(args))
    groups = centrality(G, top=args.top, by=args.by, types=args.types)
    if args.types and not groups:
        known = sorted({str(t) for _, t in G.nodes(data="type")})
        raise UsageError(f"no entities of type {', '.join(args.types)}; types present: {', '.join(known)}")
    rows = [{"type": t, "rank": i, "entity": label(G, c.node), "iri": c.node, "degree": c.degree,
             "degree_centrality": round(c.degree_centrality, 4), "betweenness": round(c.betweenness, 4)}
            for t, cs in groups.items() for i, c in enumerate(cs, start=1)]
    if args.format == "json":
        _dump({"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "by": args.by, "rows": rows})
        return 0
    print(f"entity graph: {G.number_of_nodes()} entities, {G.number_of_edges()} edges; top {args.top} per type by {args.by}")
    print(render(rows, "table", ["type", "rank", "entity", "degree", "betweenness"]))
    return 0


def run_metapaths(args: argparse.Namespace) -> int:
    from kg.cli.output import table
    from kg.answers.paths import label, metapaths, node_info

    G, a, b = _pair(args)
    counts, truncated = metapaths(G, a, b, max_hops=args.max_hops, dwpc=args.dwpc)
    if args.format == "json":
        _dump({"from": node_info(G, a), "to": node_info(G, b), "max_hops": args.max_hops, "truncated": truncated,
               "metapaths": [{"metapath": m.metapath, "hops": m.hops, "count": m.count,
                              **({"dwpc": m.dwpc} if args.dwpc else {})} for m in counts]})
        return 0
    names = f"{clean(label(G, a))} and {clean(label(G, b))}"
    if not counts:
        print(f"no path found between {names} within {args.max_hops} hops")
        return 0
    total = sum(m.count for m in counts)
    print(f"{total} path(s) of {len(counts)} metapath(s) between {names} within {args.max_hops} hops")
    columns = ["hops", "paths", "metapath"] + (["dwpc"] if args.dwpc else [])
    rows = [{"hops": m.hops, "paths": m.count, "metapath": m.metapath,
             **({"dwpc": f"{m.dwpc:.4f}"} if args.dwpc else {})} for m in counts]
    print(table(rows, columns))
    if truncated:
        print("(path enumeration stopped at its cap; counts are partial)")
    return 0
