"""Load on the CDS Hooks order-select service of ``kg serve``: 1, 4 and 16 concurrent clients.

Starts ``kg serve`` (the guard, the Oxigraph child and the clinician application) on a loopback
port over a graph, then posts tests/fixtures/cds/order-select.json (an L-glutamine order against a
list with phenytoin and paclitaxel) from N client threads for a fixed time each, and prints one
row per N: requests, errors, requests per second, p50 and p95 latency. CDS Hooks expects an answer
within about 500 ms.

    .venv/bin/python benchmarks/cds_load.py                      # the shipped monographs, 10 s per level
    .venv/bin/python benchmarks/cds_load.py --graph benchmarks/data/build-225 --seconds 30

Loopback only; bounded in time (``--seconds`` per level) and in clients (``--clients``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loadgen import print_rows, run_level  # noqa: E402
from kg.serve.endpoint import Endpoint  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "cds" / "order-select.json"
PATH = "/cds-services/supplement-interactions-order-select"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", help="a kg build output folder or graph file (default: the shipped monographs)")
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds per concurrency level (default 10)")
    ap.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    if any(c < 1 or c > 64 for c in levels) or not 0 < args.seconds <= 120:
        ap.error("clients must be 1..64 and seconds 0..120")
    call = [("POST", PATH, FIXTURE.read_bytes(), {"Content-Type": "application/json"})]
    with Endpoint(args.graph, port=0, timeout=30, log=None, clinician=True).start_background() as ep:
        port = urlsplit(ep.url).port
        run_level(port, 1, min(2.0, args.seconds), call)  # warm caches: the name index, prepared queries
        rows = [run_level(port, c, args.seconds, call) for c in levels]
    print_rows(f"order-select on {args.graph or 'the shipped monographs'} ({args.seconds:g} s per level)", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
