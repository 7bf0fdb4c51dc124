"""Running one query in a forked child that is killed at its deadline, under a memory bound.

A thread cannot stop a query that never returns to Python: a catastrophic regular expression
runs inside the ``re`` module's C loop (``REGEX(?x, "^(a+)+$")`` on 40 a's and a ``!`` runs for
hours), and pyoxigraph cannot cancel a query it is evaluating, nor can it survive the memory an
``ORDER BY`` over a cross product or a ``CONCAT`` doubling asks for (the Rust allocator aborts
the whole process). So an ad hoc query on an embedded engine runs in a child made with
``fork()``: it sees the loaded graph as the parent does (pages are shared, not copied), sets
``RLIMIT_AS`` to what it already uses plus ``memory_mb`` and ``RLIMIT_CPU`` a little past the
deadline, evaluates, and sends its answer back through a pipe. The parent waits for the answer
until the deadline; then it kills the child. Whatever the query does, the caller gets an
answer, :class:`~kg.sparql.query.QueryTimeout` or :class:`QueryResourceError` (one line, exit 2), and
goes on.

Where ``fork()`` is not available or not safe (not Linux), :func:`available` is false and the
engines fall back to their thread with a deadline, which stops every query that comes back to
Python (see ``docs/query-isolation.md``).
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from kg.errors import QueryError

T = TypeVar("T")

#: Memory an ad hoc query may add to what the process already holds, in MiB (``--memory-mb``).
DEFAULT_MEMORY_MB = 2048
#: The range ``--memory-mb`` and ``memory_mb=`` accept, in MiB.
MIN_MEMORY_MB, MAX_MEMORY_MB = 16, 2**30
#: Seconds past the deadline the parent waits for a child that stops itself.
GRACE = 0.5
_HEADER = struct.Struct("!Q")


class QueryResourceError(QueryError):
    """A query ran past its memory bound, or the engine evaluating it crashed; the caller survives."""


def available() -> bool:
    """Whether queries can be run in a forked child here (Linux: ``fork()`` with ``RLIMIT_AS``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def run_in_child(work: Callable[[], T], *, timeout: float, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 what: str = "query", timed_out: Callable[[], BaseException]) -> T:
    """``work()`` in a forked child, its result (or its error) returned (raised) here.

    The child is killed ``timeout`` + :data:`GRACE` seconds after it starts, and then
    ``timed_out()`` is raised; a child that dies (memory bound, a crash) raises
    :class:`QueryResourceError`. ``work`` should stop itself at ``timeout`` where it can, so that
    its own error (with partial knowledge) comes back instead.
    """
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 70
        try:
            os.close(read_end)
            _limit_self(timeout, memory_mb)
            code = _run_and_send(work, write_end)
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        payload = _receive(read_end, pid, time.monotonic() + timeout + GRACE)
    finally:
        os.close(read_end)
    if payload is None:
        raise timed_out()
    status = _reap(pid)
    if not payload:
        raise QueryResourceError(_death(status, what, memory_mb))
    kind, value = _unpickled(payload)
    if kind == "ok":
        return value
    if kind == "memory":
        raise QueryResourceError(f"{what} stopped: it needed more than its memory bound of {memory_mb:,} MiB; "
                                 f"narrow it, or allow more with --memory-mb")
    raise value


def _limit_self(timeout: float, memory_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C in the terminal ends the child with its parent
    # the child speaks through its pipe only: an engine's dying words ("memory allocation of
    # 360 bytes failed", a backtrace) would make the caller's one line many
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    _die_with_parent()
    cpu = math.ceil(timeout + GRACE) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if memory_mb:
        limit = _address_space() + memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent() -> None:
    """Ask the kernel to kill this child when its parent dies (Linux ``PR_SET_PDEATHSIG``)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # RLIMIT_CPU still ends it


def _address_space() -> int:
    """Bytes of address space this process holds now (``VmSize``)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _run_and_send(work: Callable[[], Any], fd: int) -> int:
    try:
        outcome: tuple[str, Any] = ("ok", work())
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as exc:  # sent to the parent, raised there
        outcome = ("error", exc)
    try:
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        except Exception as exc:  # an error object that does not pickle: its text travels instead
            error = outcome[1] if outcome[0] == "error" else exc
            payload = pickle.dumps(("error", QueryError(f"query failed: {type(error).__name__}: {error}")))
        _write_all(fd, _HEADER.pack(len(payload)) + payload)
    except MemoryError:
        _write_all(fd, _HEADER.pack(0))  # nothing said: the parent reports the bound
        return 71
    return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int, pid: int, deadline: float) -> bytes | None:
    """The child's payload; ``b""`` if it ended without one; ``None`` (child killed) at the deadline."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(pid)
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    if len(data) < _HEADER.size:
        return b""
    (size,) = _HEADER.unpack_from(data)
    body = data[_HEADER.size:]
    return body if size and len(body) == size else b""


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def _unpickled(payload: bytes) -> tuple[str, Any]:
    try:
        return pickle.loads(payload)  # noqa: S301 (written by our own child, read from our own pipe)
    except Exception as exc:
        return "error", QueryError(f"query failed: its answer could not be read back ({type(exc).__name__})")


def _death(status: int, what: str, memory_mb: int | None) -> str:
    bound = f"its memory bound of {memory_mb:,} MiB" if memory_mb else "the memory it could get"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
        if sig == signal.SIGXCPU:
            return f"{what} stopped: it used more CPU time than its deadline allows"
        if sig == signal.SIGABRT:
            return (f"{what} stopped: the engine aborted ({name}), most likely on reaching {bound}; "
                    f"narrow it, or allow more with --memory-mb")
        return f"{what} stopped: the engine evaluating it crashed ({name}); the query was not answered"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"{what} stopped: the process evaluating it ended with exit code {code}, most likely on reaching {bound}"
