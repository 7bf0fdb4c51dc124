"""``kg serve`` under load, beside raw ``oxigraph serve-read-only`` on the same store.

Starts ``kg serve`` (guard, Oxigraph child, clinician application) over a graph on a loopback
port, and a raw ``oxigraph serve-read-only`` on the same store folder on another; then, at 1, 4
and 16 concurrent clients for ``--seconds`` each, sends both the SPARQL texts a patient check
runs (captured from ``kg.answers.check.check`` on the store: name lookups and the bound
interaction, precaution and dose queries of a phenytoin + paclitaxel list with L-glutamine) and
prints p50, p95, requests/s and errors per server, with kg serve's p95 over raw Oxigraph's. Then
the CDS Hooks order-select call on kg serve, and the top level again with a slow client sending
its headers a byte a second (the others' p95 with it over without).

    .venv/bin/python benchmarks/serve_load.py --seconds 30              # the shipped monographs
    .venv/bin/python benchmarks/serve_load.py --graph benchmarks/data/build-212 --seconds 30

Loopback only; bounded in clients (at most 64) and time (``--seconds`` per level, at most 120).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loadgen import SlowClient, print_rows, run_level  # noqa: E402
from kg.serve.child import free_port  # noqa: E402
from kg.serve.endpoint import Endpoint  # noqa: E402
from kg.serve.store import oxigraph_binary  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "cds" / "order-select.json"
CDS_PATH = "/cds-services/supplement-interactions-order-select"


def check_texts(store) -> list[str]:
    """The SPARQL texts a patient check sends on ``store`` (a pyoxigraph Store, or a store
    folder), exactly as the engine sends them (parameters in a VALUES block)."""
    import pyoxigraph

    from kg.answers.check import check
    from kg.sparql.oxstore import OxigraphEngine, _bound

    texts: list[str] = []

    class Recording(OxigraphEngine):
        def select_values(self, query, values, **kw):
            texts.append(_bound(query, values, False))
            return super().select_values(query, values, **kw)

    if not isinstance(store, pyoxigraph.Store):
        store = pyoxigraph.Store.read_only(str(store))
    check(["Dilantin", "paclitaxel"], ["L-glutamine"], engine=Recording(store))
    return texts


def raw_oxigraph(store: Path):
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(store), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/query?" + urlencode({"query": "ASK {}"}), timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("raw oxigraph did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", help="a kg build output folder or graph file (default: the shipped monographs)")
    ap.add_argument("--seconds", type=float, default=30.0, help="seconds per level (default 30)")
    ap.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    if any(c < 1 or c > 64 for c in levels) or not 0 < args.seconds <= 120:
        ap.error("clients must be 1..64 and seconds 0..120")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    cds_call = [("POST", CDS_PATH, FIXTURE.read_bytes(), {"Content-Type": "application/json"})]
    rows: list[dict] = []
    with Endpoint(args.graph, port=0, timeout=30, log=None, clinician=True).start_background() as ep:
        store = ep._workdir / "store"
        texts = check_texts(store)
        queries = [("POST", "/query", urlencode({"query": t}).encode(), headers) for t in texts]
        proc, raw_port = raw_oxigraph(store)
        try:
            for port in (raw_port, ep.port):  # warm both: caches, prepared texts, the name index
                run_level(port, 1, 2.0, queries)
            run_level(ep.port, 1, 2.0, cds_call)
            for clients in levels:
                raw = run_level(raw_port, clients, args.seconds, queries)
                ours = run_level(ep.port, clients, args.seconds, queries)
                rows += [{**raw, "label": "raw oxigraph"}, {**ours, "label": "kg serve",
                                                             "p95_over_raw": ours["p95_ms"] / raw["p95_ms"]}]
            for clients in levels:
                rows.append({**run_level(ep.port, clients, args.seconds, cds_call), "label": "kg serve CDS"})
            top = max(levels)
            without = next(r for r in rows if r["label"] == "kg serve" and r["clients"] == top)
            with SlowClient(ep.port) as slow:
                loaded = run_level(ep.port, top, args.seconds, queries)
            rows.append({**loaded, "label": "kg serve + slow", "p95_over_without": loaded["p95_ms"] / without["p95_ms"],
                         "slow_cut_off": slow.cut_off})
        finally:
            proc.kill()
            proc.wait()
    label = "kg serve + slow  "
    print_rows(f"check queries ({len(texts)} texts) and the CDS order-select call on "
               f"{args.graph or 'the shipped monographs'}, {args.seconds:g} s per level", rows, label=label)
    for r in rows:
        if "p95_over_raw" in r:
            print(f"p95 kg serve / raw oxigraph at {r['clients']} clients: {r['p95_over_raw']:.2f}")
        if "p95_over_without" in r:
            print(f"p95 at {r['clients']} clients with a slow client / without: {r['p95_over_without']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
