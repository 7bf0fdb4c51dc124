"""Scaling out by replicas, tried: N ``kg serve`` processes over the same built graph behind
HAProxy (round robin, health-checked), against one ``kg serve`` alone, with the same closed-loop
load (the SPARQL texts of a patient check, and the CDS order-select call).

The store is read-only, so replicas need no coordination: each ``kg serve`` loads its own copy
and answers alone. HAProxy (Debian's ``haproxy``) is started from a configuration written into a
temporary folder, on loopback, and stopped at the end, with every replica.

    .venv/bin/python benchmarks/replicas.py --replicas 2 --seconds 20
    .venv/bin/python benchmarks/replicas.py --graph benchmarks/data/build-212 --replicas 2

On a machine with C cores, throughput grows with replicas up to about C (each replica's answers
are CPU-bound Python and Oxigraph work); past that the replicas share the cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loadgen import print_rows, run_level  # noqa: E402
from benchmarks.serve_load import CDS_PATH, FIXTURE, check_texts  # noqa: E402
from kg.serve.child import free_port  # noqa: E402

HAPROXY = """global
    maxconn 512
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
frontend kg
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /query?query=ASK%7B%7D
    http-check send hdr Host kg
{servers}
"""


def start_replica(graph: str | None, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port)] + (["--graph", graph] if graph else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(port, proc)
    return proc


def wait_for(port: int, proc: subprocess.Popen | None = None, seconds: float = 120) -> None:
    url = f"http://127.0.0.1:{port}/query?" + urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"a process on port {port} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds:g} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", help="a kg build output folder or graph file (default: the shipped monographs)")
    ap.add_argument("--replicas", type=int, default=2, help="kg serve processes behind HAProxy (default 2)")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per measurement (default 20)")
    args = ap.parse_args(argv)
    if not 1 <= args.replicas <= 8 or not 1 <= args.clients <= 64 or not 0 < args.seconds <= 120:
        ap.error("replicas 1..8, clients 1..64, seconds 0..120")
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise SystemExit("haproxy is not installed (apt-get install haproxy)")
    procs: list[subprocess.Popen] = []
    work = Path(tempfile.mkdtemp(prefix="kg-replicas-"))
    rows = []
    try:
        ports = [free_port() for _ in range(args.replicas)]
        for port in ports:
            procs.append(start_replica(args.graph, port))
        from kg.sparql.store import open_oxigraph

        texts = check_texts(open_oxigraph(args.graph))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
        queries = [("POST", "/query", urlencode({"query": t}).encode(), headers) for t in texts]
        cds = [("POST", CDS_PATH, FIXTURE.read_bytes(), {"Content-Type": "application/json"})]
        front = free_port()
        servers = "\n".join(f"    server r{i} 127.0.0.1:{p} check" for i, p in enumerate(ports))
        (work / "haproxy.cfg").write_text(HAPROXY.format(port=front, servers=servers), encoding="utf-8")
        lb = subprocess.Popen([haproxy, "-f", str(work / "haproxy.cfg"), "-db"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(lb)
        wait_for(front, lb)
        for port in (ports[0], front):
            run_level(port, 1, 2.0, queries)
            run_level(port, 1, 2.0, cds)
        for label, port in (("one kg serve", ports[0]), (f"{args.replicas} behind HAProxy", front)):
            rows.append({**run_level(port, args.clients, args.seconds, queries), "label": f"{label}, queries"})
            rows.append({**run_level(port, args.clients, args.seconds, cds), "label": f"{label}, CDS"})
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print_rows(f"{args.replicas} replicas on {os.cpu_count()} CPUs, {args.seconds:g} s each", rows,
               label=" " * 32)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
