"""The child of ``kg serve``: ``oxigraph serve-read-only`` on an internal loopback port, in its own
process group, under an address-space limit (``RLIMIT_AS``) and, on Linux, killed by the kernel
if this process dies (``PR_SET_PDEATHSIG``). A :class:`Supervisor` thread owns it and restarts it
when it dies.

The child runs without Oxigraph's own ``--timeout-s``: Oxigraph 0.5.13 starts a thread per query
for it, which sleeps out the whole timeout even when the query took a millisecond, each thread
reserving 2 MiB of stack. At 30 s and 45 queries a second the child held 944 threads and its
2 GiB of address space, and every further query failed until they ran out (found by
benchmarks/serve_load.py). The guard stops a query at the timeout instead (HTTP 504, the child
restarted), as it already did for the queries Oxigraph's timeout never reached."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kg.serve.store import ServeError, oxigraph_binary

#: Seconds a query may run (the guard's deadline: :mod:`kg.serve.guard`).
DEFAULT_TIMEOUT = 30
#: Address space of the Oxigraph child, in MiB (``RLIMIT_AS``; it needs ~650 MiB idle).
DEFAULT_MEMORY_MB = 2048
#: Seconds the child may take to start listening.
START_TIMEOUT = 20.0
#: Restarts allowed within :data:`_CRASH_WINDOW` seconds before the server gives up.
_MAX_RESTARTS = 20
_CRASH_WINDOW = 60.0


#: Run by ``python -I -S -c`` between fork and the Oxigraph binary: ask the kernel to kill the
#: child when its parent dies, set the address-space limit, then exec. (A launcher instead of
#: ``preexec_fn``, which may deadlock in a process with threads.)
_LAUNCHER = """
import os, sys
parent, limit = int(sys.argv[1]), int(sys.argv[2])
if sys.platform.startswith("linux"):
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(70)
if limit > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execv(sys.argv[3], sys.argv[3:])
"""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen, wait: float = 3.0) -> None:
    """Stop ``proc`` and its process group: SIGTERM, then SIGKILL after ``wait`` seconds."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, wait), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _exit_text(code: int | None) -> str:
    if code is None:
        return "was stopped"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


class Supervisor:
    """Runs ``oxigraph serve-read-only`` on an internal loopback port and restarts it when it dies
    or when :meth:`restart` is asked for. One long-lived thread starts every child (the kernel's
    parent-death signal follows the thread that forked)."""

    def __init__(self, location: Path, *, timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 binary: str | None = None, log_dir: Path | None = None,
                 log: Callable[[str], None] | None = None):
        self.location = Path(location)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.binary = binary or oxigraph_binary()
        self.log_dir = Path(log_dir or location)
        self.log = log or (lambda message: None)
        self.port: int | None = None
        self.generation = 0
        self.restarts = 0
        self.failure: str | None = None
        self._proc: subprocess.Popen | None = None
        self._reason: str | None = None
        self._cond = threading.Condition()
        self._ready = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kg-serve-supervisor", daemon=True)

    # -- public ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child and wait until it listens.

        :raises ServeError: when it cannot start.
        """
        self._thread.start()
        ready = self.wait_ready(START_TIMEOUT + 5)
        if ready is None:
            self.stop()
            raise ServeError(self.failure or f"the Oxigraph server did not start within {START_TIMEOUT:g} s")

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_ready(self, timeout: float) -> tuple[int, int] | None:
        """``(port, generation)`` of the running child, waiting up to ``timeout`` seconds for one."""
        end = time.monotonic() + timeout
        with self._cond:
            while not self._ready and self.failure is None and not self._stop.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            if not self._ready:
                return None
            return self.port, self.generation

    def restart(self, generation: int, reason: str) -> None:
        """Restart the child of ``generation`` (once, however many ask)."""
        with self._cond:
            if generation == self.generation and self._ready and self._reason is None:
                self._reason = reason
                self._wake.set()

    def died(self, generation: int, wait: float = 1.0) -> bool:
        """Did the child of ``generation`` exit (or get replaced), waiting up to ``wait`` seconds?"""
        end = time.monotonic() + wait
        while True:
            with self._cond:
                proc, current = self._proc, self.generation
            if current != generation or proc is None or proc.poll() is not None:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(15)
        proc = self._proc
        if proc is not None:
            _kill_group(proc)

    # -- the supervisor thread ---------------------------------------------------------------------

    def _run(self) -> None:
        started: list[float] = []
        while not self._stop.is_set():
            now = time.monotonic()
            started = [t for t in started if now - t < _CRASH_WINDOW] + [now]
            if len(started) > _MAX_RESTARTS:
                self._fail(f"the Oxigraph server was restarted {_MAX_RESTARTS} times within "
                           f"{_CRASH_WINDOW:g} s; giving up")
                return
            try:
                proc, port = self._spawn()
            except ServeError as exc:
                self._fail(str(exc))
                return
            with self._cond:
                self._proc, self.port, self._reason = proc, port, None
                self.generation += 1
                self._ready = True
                self._cond.notify_all()
            while not self._stop.is_set() and not self._wake.is_set() and proc.poll() is None:
                self._wake.wait(0.1)
            with self._cond:
                self._ready = False
                reason = self._reason
            code = proc.poll()
            _kill_group(proc)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.restarts += 1
            self.log(f"oxigraph server {reason or _exit_text(code)}; restarting it")

    def _fail(self, message: str) -> None:
        with self._cond:
            self.failure = message
            self._ready = False
            self._cond.notify_all()

    def _spawn(self) -> tuple[subprocess.Popen, int]:
        last = "no message"
        for attempt in range(3):
            port = free_port()
            log_path = self.log_dir / f"oxigraph-{self.generation + 1}-{attempt}.log"
            limit = self.memory_mb * 2**20 if self.memory_mb else 0
            cmd = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), str(limit), self.binary,
                   "serve-read-only", "--location", str(self.location), "--bind", f"127.0.0.1:{port}"]
            with open(log_path, "wb") as log_file:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True, env=_child_environment())
            end = time.monotonic() + START_TIMEOUT
            while time.monotonic() < end and not self._stop.is_set():
                text = log_path.read_bytes()
                if proc.poll() is not None:
                    break
                if b"Listening for requests" in text and _connects(port):
                    return proc, port
                time.sleep(0.02)
            _kill_group(proc)
            text = log_path.read_bytes().decode("utf-8", "replace")
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("Error")]  # Oxigraph's message, before any backtrace
            last = (errors or lines or [_exit_text(proc.returncode)])[0 if errors else -1][:300]
            if self._stop.is_set():
                break
            if "in use" in text or "os error 98" in text:  # the internal port was taken meanwhile
                continue
            if proc.returncode is None:
                last = f"did not start listening within {START_TIMEOUT:g} s"
            break
        raise ServeError(f"the Oxigraph server could not start: {last}")


def _child_environment() -> dict[str, str]:
    """The child's environment: glibc's malloc held to two arenas.

    The server answers each connection on a thread it keeps; by default glibc gives each thread
    its own 64 MiB malloc arena, so the address space grows by 64 MiB per thread until
    ``RLIMIT_AS`` is reached and every further query fails with "Resource temporarily
    unavailable (os error 11)": under a 1 GiB limit after 17 queries.
    """
    return {**os.environ, "MALLOC_ARENA_MAX": "2"}


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
