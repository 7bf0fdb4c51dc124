"""``kg query`` (canned queries by name, or a ``.rq`` file) and ``kg sparql`` (a query given as text).

Options shared with the clinical commands (``--graph``, ``--format``, ``--timeout``, ``--limit``)
are defined here once, with :func:`engine_from_args` the one place that picks the engine.
"""

from __future__ import annotations

import argparse
import sys

from kg.errors import UsageError
from kg.cli.common import (GRAPH_HELP, add_backend_option, add_endpoint_option, bounded_int, endpoint_from_args,
                           open_chosen)

FORMATS = ["table", "json", "csv", "tsv"]
#: ``kg query --list``: a heading per audience (the header's ``# audience:``), questions first.
LIST_GROUPS = [("Questions", "question"), ("Internal (used by kg itself)", "internal")]


def add_engine_options(parser: argparse.ArgumentParser, *, remote: bool = False, limit: bool = True) -> None:
    """``--graph``, ``--format``, ``--timeout`` (and ``--limit``, ``--allow-remote``)."""
    from kg.sparql.guards import DEFAULT_LIMIT, DEFAULT_TIMEOUT

    parser.add_argument("--graph", metavar="PATH", help=GRAPH_HELP)
    add_backend_option(parser)
    add_endpoint_option(parser, timeout=False)
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop a query after this many seconds (default: {DEFAULT_TIMEOUT:g})")
    if limit:
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="ROWS",
                            help=f"print at most this many rows, and say so when more matched (default: {DEFAULT_LIMIT:,})")
    if remote:
        from kg.sparql.sandbox import DEFAULT_MEMORY_MB, MAX_MEMORY_MB, MIN_MEMORY_MB

        parser.add_argument("--memory-mb", type=bounded_int("--memory-mb", MIN_MEMORY_MB, MAX_MEMORY_MB),
                            default=DEFAULT_MEMORY_MB,
                            metavar="MIB",
                            help="memory a query on the embedded engine may use beyond what the command holds; "
                                 f"a query that needs more is stopped (default: {DEFAULT_MEMORY_MB:,} MiB)")
        parser.add_argument("--allow-remote", action="store_true",
                            help="allow SERVICE and FROM / FROM NAMED, which fetch data from the web or local files "
                                 "(refused by default)")


def engine_from_args(args: argparse.Namespace):
    """The engine the options name: ``--endpoint``, or the graph :func:`kg.cli.common.choose_graph`
    picks (``--graph``, ``$KG_GRAPH``, ``./output``, the shipped monographs) on ``--backend``
    (rdflib, or the Oxigraph store), said on stderr."""
    from kg.sparql.query import open_engine

    remote = endpoint_from_args(args)  # --endpoint URL: the same queries through SPARQLWrapper
    if remote is not None:
        return remote
    return open_chosen(args, lambda path: open_engine(path, backend=getattr(args, "backend", None)))


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``--param key=value`` options as a dict; a key given twice is an error."""
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param takes KEY=VALUE, not {pair[:60]!r}")
        if key in params:
            raise UsageError(f"--param {key} given twice")
        params[key] = value
    return params


def print_rows(rows, fmt: str, command: str) -> None:
    """The rows on stdout; a table of a canned query leaves its IRI columns out (and says so on
    stderr), a table of ``kg sparql`` keeps every column the query selects."""
    from kg.cli.output import iri_columns, render

    iris = command == "sparql"
    print(render(rows.rows, fmt, rows.columns, iris=iris))
    dropped = iri_columns(rows.rows, rows.columns) if fmt == "table" and not iris else []
    if dropped:
        print(f"kg {command}: note: IRI columns left out of the table: {', '.join(dropped)} "
              "(--format json, csv or tsv has them)", file=sys.stderr)
    if rows.truncated:
        print(f"kg {command}: note: showing the first {len(rows.rows):,} rows; more matched (raise --limit to see them)",
              file=sys.stderr)


def register(sub) -> None:
    q = sub.add_parser(
        "query", help="run a canned query by name (or a .rq file)",
        description="Run one of the canned queries (queries/*.rq) by name, or a local .rq file, with parameters "
                    "bound as RDF terms (never pasted into the query text). 'kg query --list' shows the queries "
                    "and their parameters. Queries are read-only and bounded: updates are refused, SERVICE and "
                    "FROM are refused without --allow-remote, and there is a timeout and a row limit. Exit codes: "
                    "0 ok (also when no rows match), 2 bad input, refused query, timeout or load error.")
    q.add_argument("query", nargs="?", metavar="NAME|FILE.rq", help="a canned query name or a path to a .rq file")
    q.add_argument("--list", action="store_true", help="list the canned queries with their titles and parameters")
    q.add_argument("--param", "-p", action="append", metavar="KEY=VALUE",
                   help="a parameter value (repeatable); see the query's header or --list")
    add_engine_options(q, remote=True)
    q.set_defaults(func=run_query_command)

    s = sub.add_parser(
        "sparql", help="run a SPARQL query given as text",
        description="Run a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE) given as text, or '-' to read it "
                    "from standard input. ASK prints one row 'result'; CONSTRUCT and DESCRIBE print their triples "
                    "as rows subject, predicate, object. Same guards and exit codes as 'kg query'.")
    s.add_argument("text", metavar="QUERY", help="the query text, or - to read it from standard input")
    add_engine_options(s, remote=True)
    s.set_defaults(func=run_sparql_command)


def run_query_command(args: argparse.Namespace) -> int:
    from kg.sparql.canned import describe, list_queries, load_query, load_query_file, run_query

    if args.list:
        if args.query or args.param:
            raise UsageError("--list takes no query name or parameters")
        queries = list_queries()
        if args.format == "json":
            import json

            print(json.dumps(describe(queries), ensure_ascii=False, indent=2))
        else:
            from kg.cli.output import render

            rows = [{"name": q.name, "title": q.title,
                     "parameters": ", ".join(p.name + ("" if p.required else f"={p.default}") for p in q.parameters),
                     "audience": q.audience}
                    for q in queries]
            if args.format != "table":
                print(render(rows, args.format, ["name", "title", "parameters", "audience"]))
                return 0
            groups = [(heading, [r for r in rows if r["audience"] == audience])
                      for heading, audience in LIST_GROUPS]
            print("\n\n".join(f"{heading}\n\n{render(group, 'table', ['name', 'title', 'parameters'])}"
                               for heading, group in groups if group))
        return 0
    if not args.query:
        raise UsageError("give a query name or a .rq file (see 'kg query --list')")
    if args.query.endswith(".rq") or "/" in args.query or "\\" in args.query:
        canned = load_query_file(args.query)
    else:
        canned = load_query(args.query)
    params = parse_params(args.param)
    rows = run_query(engine_from_args(args), canned, params, timeout=args.timeout, limit=args.limit,
                     allow_remote=args.allow_remote, memory_mb=args.memory_mb)
    print_rows(rows, args.format, "query")
    return 0


def run_sparql_command(args: argparse.Namespace) -> int:
    from kg.sparql.guards import MAX_QUERY_BYTES, QueryRefused

    text = args.text
    if text == "-":
        data = sys.stdin.buffer.read(MAX_QUERY_BYTES + 1)
        if len(data) > MAX_QUERY_BYTES:
            raise QueryRefused(f"query text is more than {MAX_QUERY_BYTES:,} bytes; the limit is {MAX_QUERY_BYTES:,} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("the query on standard input is not UTF-8 text") from None
    rows = engine_from_args(args).select(text, {}, timeout=args.timeout, limit=args.limit,
                                         allow_remote=args.allow_remote, memory_mb=args.memory_mb)
    print_rows(rows, args.format, "sparql")
    return 0
