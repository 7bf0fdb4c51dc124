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
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.serve.endpoint import Endpoint  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "cds" / "order-select.json"
PATH = "/cds-services/supplement-interactions-order-select"


def run_level(port: int, clients: int, seconds: float, body: bytes) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    begun = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - begun
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"clients": clients, "requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"), "p95_ms": pct(0.95)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", help="a kg build output folder or graph file (default: the shipped monographs)")
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds per concurrency level (default 10)")
    ap.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    if any(c < 1 or c > 64 for c in levels) or not 0 < args.seconds <= 120:
        ap.error("clients must be 1..64 and seconds 0..120")
    body = FIXTURE.read_bytes()
    with Endpoint(args.graph, port=0, timeout=30, log=None, clinician=True).start_background() as ep:
        port = urlsplit(ep.url).port
        run_level(port, 1, min(2.0, args.seconds), body)  # warm caches: the name index, prepared queries
        rows = [run_level(port, c, args.seconds, body) for c in levels]
    print(f"order-select on {args.graph or 'the shipped monographs'} ({args.seconds:g} s per level)")
    print(f"{'clients':>7} {'requests':>9} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for r in rows:
        print(f"{r['clients']:>7} {r['requests']:>9} {r['errors']:>6} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
