"""Closed-loop HTTP load on loopback, shared by the load benchmarks: N client threads, each with
one kept-alive connection, send requests back to back for a fixed time; latencies of the answers
with the expected status, errors counted. Bounded in clients and seconds; loopback only."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from collections.abc import Callable

#: ``(method, path, body, headers)`` of one request; a client takes them in turn from a list.
Request = tuple[str, str, bytes | None, dict]


def run_level(port: int, clients: int, seconds: float, requests: list[Request], *,
              ok: Callable[[int], bool] = lambda status: status == 200) -> dict:
    """One level of load: ``clients`` threads for ``seconds``; requests, errors, req/s, p50, p95 (ms)."""
    if not 1 <= clients <= 64 or not 0 < seconds <= 120:
        raise ValueError("clients must be 1..64 and seconds 0..120")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = offset
        while time.monotonic() < stop:
            method, path, body, headers = requests[n % len(requests)]
            n += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                good = ok(response.status)
            except (OSError, http.client.HTTPException):
                good = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                if good:
                    latencies.append(elapsed)
                else:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
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


class SlowClient:
    """A client that sends a request's headers a byte a second (and starts again when cut off)."""

    def __init__(self, port: int, interval: float = 1.0):
        self.port, self.interval = port, interval
        self.cut_off = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowClient:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        head = b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"y" * 10_000
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    for byte in head:
                        if self._stop.wait(self.interval):
                            return
                        sock.sendall(bytes([byte]))
            except OSError:
                self.cut_off += 1  # the server's deadline ended it: start again


def print_rows(title: str, rows: list[dict], *, label: str = "") -> None:
    print(title)
    print(f"{'':<{len(label)}}{'clients':>7} {'requests':>9} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for r in rows:
        print(f"{r.get('label', ''):<{len(label)}}{r['clients']:>7} {r['requests']:>9} {r['errors']:>6} "
              f"{r['rps']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}")
