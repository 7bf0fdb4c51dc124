"""``kg serve`` (the graph as a read-only SPARQL endpoint) and ``kg load`` (push it into a store)."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import GRAPH_HELP, bounded_int, graph_choice, say_graph


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout must be a number of seconds, not {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"--timeout must be more than 0 seconds, not {text!r}")
    return value


def register(sub) -> None:
    from kg.sparql.remote import DEFAULT_BATCH, LOAD_METHODS
    from kg.serve.endpoint import DEFAULT_HOST, DEFAULT_MEMORY_MB, DEFAULT_PORT, DEFAULT_TIMEOUT

    s = sub.add_parser(
        "serve", help="serve the graph as a read-only SPARQL endpoint (Oxigraph) with a query page",
        description="Load the built graph into an Oxigraph store and serve it over the SPARQL 1.1 protocol, "
                    "read-only, at http://HOST:PORT/query, with a query page at /. A guard in front refuses "
                    "updates, SERVICE, FROM, oversized and too deeply nested queries (HTTP 400), stops queries "
                    "that run past the timeout (HTTP 504) and restarts the Oxigraph server when a query exhausts "
                    "its memory limit (HTTP 503). Stops on Ctrl-C or SIGTERM. Exit 2 when the port is in use "
                    "or the server cannot start.")
    s.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)")
    s.add_argument("--port", type=bounded_int("--port", 0, 65535), default=DEFAULT_PORT,
                   help=f"port to listen on (default: {DEFAULT_PORT}; 0: any free port)")
    s.add_argument("--graph", metavar="PATH", help=GRAPH_HELP)
    s.add_argument("--timeout", type=bounded_int("--timeout", 1, 3600), default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"longest a query may run (default: {DEFAULT_TIMEOUT})")
    s.add_argument("--memory-mb", type=bounded_int("--memory-mb", 0), default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"address-space limit of the Oxigraph server in MiB, at least 256; 0: none "
                        f"(default: {DEFAULT_MEMORY_MB})")
    s.add_argument("--fhir-server", action="append", default=[], metavar="URL",
                   help="a FHIR server base URL the CDS Hooks services may fetch a call's missing prefetch "
                        "from (the patient, medications, conditions), with the call's bearer token; repeat for "
                        "more. Only calls naming one of these as fhirServer are fetched for (default: none, "
                        "the services fetch nothing and answer 412 without the prefetch)")
    s.set_defaults(func=run_serve)

    ld = sub.add_parser(
        "load", help="push the built graph into a writable SPARQL store, in batches",
        description="Load the built graph into a writable triplestore: by SPARQL 1.1 Update (INSERT DATA, "
                    "default; give the store's update URL) or by the Graph Store Protocol (--method gsp: POST "
                    "N-Triples; give the store's graph store URL). Exit 2 on any failure, saying how much was "
                    "loaded before it.")
    ld.add_argument("--endpoint", required=True, metavar="URL",
                    help="the store's update URL (e.g. Oxigraph http://host:7878/update, Fuseki "
                         "http://host:3030/DATASET/update) or, with --method gsp, its graph store URL "
                         "(Oxigraph http://host:7878/store, Fuseki http://host:3030/DATASET/data)")
    ld.add_argument("--graph", metavar="IRI", help="load into this named graph (default: the default graph)")
    ld.add_argument("--source", metavar="PATH",
                    help="the built graph to load: a 'kg build' output folder or a graph file (default: the "
                         "shipped monographs, built now)")
    ld.add_argument("--method", choices=LOAD_METHODS, default="update",
                    help="update: SPARQL Update INSERT DATA; gsp: Graph Store Protocol POST (default: update)")
    ld.add_argument("--batch", type=bounded_int("--batch", 1), default=DEFAULT_BATCH, metavar="N",
                    help=f"triples per request (default: {DEFAULT_BATCH:,})")
    ld.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                    help="longest one request may take (default: 60)")
    ld.set_defaults(func=run_load)


def run_serve(args: argparse.Namespace) -> int:
    from kg.serve.endpoint import serve

    graph = graph_choice(args).path  # as the query commands choose it: --graph, $KG_GRAPH, ./output, shipped
    return serve(graph, host=args.host, port=args.port, timeout=args.timeout, memory_mb=args.memory_mb,
                 on_start=lambda: say_graph(args, now=True), fhir_servers=tuple(args.fhir_server))  # once it listens; serving lasts until Ctrl-C


def run_load(args: argparse.Namespace) -> int:
    from kg.sparql.remote import check_url, push
    from kg.sparql.store import open_graph

    check_url(args.endpoint)
    graph = open_graph(args.source)

    def progress(done: int, requests: int) -> None:
        print(f"kg load: {done:,} of {len(graph):,} triples sent ({requests} request(s))", file=sys.stderr,
              flush=True)

    done, requests = push(graph, args.endpoint, named_graph=args.graph, method=args.method, batch=args.batch,
                          timeout=args.timeout, progress=progress)
    target = f"graph <{args.graph}>" if args.graph else "the default graph"
    print(f"loaded {done:,} triples into {target} at {args.endpoint} in {requests} request(s)")
    return 0
