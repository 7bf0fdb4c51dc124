"""``kg serve``: the built graph over the SPARQL 1.1 protocol, read-only, behind a guard.

Three parts, each with one job and a module of its own (:mod:`kg.serve.store`,
:mod:`kg.serve.child`, :mod:`kg.serve.guard`); this module starts and stops them together:

- the **store**: the built graph loaded with ``oxigraph load`` into a temporary Oxigraph folder
  (in a work folder naming its process, so that the next start removes it if this process is
  killed before it can: :func:`remove_stale_workdirs`);
- the **child**: ``oxigraph serve-read-only`` on an internal loopback port, in its own process
  group, under an address-space limit
  (``RLIMIT_AS``) and, on Linux, killed by the kernel if this process dies
  (``PR_SET_PDEATHSIG``). A :class:`Supervisor` thread owns it and restarts it when it dies;
- the **guard** (:mod:`kg.serve.guard`): this process on the public port, an ASGI application
  served by uvicorn. It reads every request under limits, each refusal one line of plain text: a
  request line of at most :data:`MAX_LINE_BYTES` (414), :data:`MAX_HEADERS` header lines (431),
  one numeric Content-Length within :data:`MAX_BODY_BYTES` (413, 400, 411), the whole request
  within :data:`REQUEST_SECONDS` (408) and at most :data:`MAX_CONNECTIONS` connections (503).
  It serves the query page (``/``, or ``/sparql`` beside the clinician application) and answers
  queries at ``/query`` (and ``/sparql``, which the page uses) after running the query layer's own
  guards (:func:`kg.sparql.guards.check_query`: updates, ``SERVICE``, ``FROM``, text too large,
  nesting too deep are refused with HTTP 400 before Oxigraph sees them). Answers are spooled (to
  disk past a few MB), so a result cut off by Oxigraph's timeout ("The SPARQL operation has been
  cancelled") becomes HTTP 504 instead of a 200 with a broken body. With ``clinician=True`` the
  checker page, its API and the CDS Hooks services (:mod:`kg.serve.app`) answer on the same port.

Some queries outgrow any timeout inside Oxigraph 0.5.13 (an ``ORDER BY`` over a cross product
grew to 13 GB; a ``FILTER`` over a cross product that yields no row never stops), and its own
``--timeout-s`` costs a lingering thread per query (:mod:`kg.serve.child`), so the guard keeps the
time: a query still running :data:`GRACE` seconds after the timeout gets HTTP 504 and the child is
restarted (queries in flight at that moment get 503 and may be retried); the memory limit aborts
a query that grows too large first (HTTP 503, child restarted).

>>> Endpoint(port=0).url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import errno
import ipaddress
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kg.errors import UsageError
from kg.serve.child import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, START_TIMEOUT, Supervisor, free_port
from kg.serve.guard import (
    CANCELLED, DATASET_PARAMETERS, GRACE, MAX_BODY_BYTES, MAX_CONCURRENT, MAX_CONNECTIONS, MAX_HEADERS,
    MAX_LINE_BYTES, MAX_RESPONSE_BYTES, QUERY_PATHS, REQUEST_SECONDS, STATIC_PATHS, EdgeApp, protocol_class,
)
from kg.serve.store import (
    OWNER_FILE, WORKDIR_PREFIX, ServeError, _owner, graph_source, load_store, oxigraph_binary,
    remove_stale_workdirs,
)

__all__ = [
    "CANCELLED", "DATASET_PARAMETERS", "DEFAULT_HOST", "DEFAULT_MEMORY_MB", "DEFAULT_PORT", "DEFAULT_TIMEOUT",
    "GRACE", "MAX_BODY_BYTES", "MAX_CONCURRENT", "MAX_CONNECTIONS", "MAX_HEADERS", "MAX_LINE_BYTES",
    "MAX_RESPONSE_BYTES", "OWNER_FILE", "QUERY_PATHS", "REQUEST_SECONDS", "START_TIMEOUT", "STATIC_PATHS",
    "WORKDIR_PREFIX", "EdgeApp", "Endpoint", "ServeError", "Supervisor", "free_port", "graph_source",
    "is_loopback", "load_store", "oxigraph_binary", "remove_stale_workdirs", "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


def _stderr(message: str) -> None:
    print(f"kg serve: {message}", file=sys.stderr, flush=True)


class Endpoint:
    """A running read-only SPARQL endpoint over a built graph.

    ``start()`` binds the public port first (a port in use is refused before anything is built),
    loads the graph into a temporary Oxigraph store, starts the child and waits until it answers;
    ``stop()`` stops the child's process group and removes the store. Use as a context manager::

        with Endpoint("output", port=0).start_background() as ep:
            SPARQLWrapper(ep.query_url) ...
    """

    def __init__(self, graph: str | Path | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 log: Callable[[str], None] | None = _stderr, clinician: bool = False,
                 fhir_servers: tuple[str, ...] = ()):
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise UsageError(f"port must be a whole number from 0 to 65535, not {port!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
            raise UsageError(f"timeout must be a whole number of seconds, at least 1, not {timeout!r}")
        if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or (memory_mb and memory_mb < 256):
            raise UsageError(f"memory limit must be at least 256 MiB (or 0 for none), not {memory_mb!r}")
        self.graph = graph
        self.host = host
        self.port = port
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.log = log or (lambda message: None)
        self.supervisor: Supervisor | None = None
        self.clinician = clinician
        from kg.serve.fhirfetch import check_base

        self.fhir_servers = tuple(check_base(url) for url in fhir_servers)  # where CDS Hooks may fetch from
        self._socket: socket.socket | None = None
        self._server = None  # the uvicorn server, once started
        self._workdir: Path | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        return self.url + "query"

    def start(self) -> Endpoint:
        """Bind, load, start the child; on any failure everything started is stopped again.

        :raises ServeError: port in use, Oxigraph or the ASGI stack missing, load or start failure.
        """
        try:
            import uvicorn
        except ImportError as exc:
            raise ServeError(f"kg serve needs uvicorn and starlette (pip install -e '.[serve]'): {exc}") from None
        self._socket = _bind(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        try:
            binary = oxigraph_binary()
            remove_stale_workdirs(log=self.log)
            self._workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
            (self._workdir / OWNER_FILE).write_text(_owner(), encoding="utf-8")
            source = graph_source(self.graph, self._workdir)
            store = self._workdir / "store"
            load_store(source, store, binary=binary)
            self.supervisor = Supervisor(store, timeout=self.timeout, memory_mb=self.memory_mb, binary=binary,
                                         log_dir=self._workdir, log=self.log)
            self.supervisor.start()
            edge = EdgeApp(self.supervisor, app=self._clinician_app(store) if self.clinician else None, log=self.log)
            config = uvicorn.Config(edge, http=protocol_class(self.log), lifespan="off", log_level="warning",
                                    access_log=False, server_header=False, timeout_keep_alive=3600,
                                    timeout_graceful_shutdown=5, backlog=MAX_CONNECTIONS * 2,
                                    h11_max_incomplete_event_size=MAX_LINE_BYTES * (MAX_HEADERS + 2))
            self._server = uvicorn.Server(config)
        except BaseException:
            self.stop()
            raise
        return self

    def _clinician_app(self, store: Path):
        """The clinician application (page, API, CDS Hooks), answering in this process from the
        store the child serves, opened read-only (Oxigraph answered an order-select call in about
        0.1 s where rdflib took 3 s on the shipped monographs)."""
        try:
            from kg.serve.app import create_app
        except ImportError as exc:
            raise ServeError(f"the clinician page and CDS Hooks services need starlette "
                             f"(pip install -e '.[serve]'): {exc}") from None
        import pyoxigraph

        from kg.sparql.oxstore import OxigraphEngine

        try:
            engine = OxigraphEngine(pyoxigraph.Store.read_only(str(store)))
        except OSError as exc:
            raise ServeError(f"cannot open the store for the clinician application: {exc}") from None
        return create_app(engine, page_url=self.url, fhir_servers=self.fhir_servers)

    def serve_forever(self) -> None:
        """Answer requests in this thread until :meth:`stop` (from another thread) or a signal."""
        assert self._server is not None and self._socket is not None
        self._server.run(sockets=[self._socket])

    def start_background(self) -> Endpoint:
        """:meth:`start`, then answer requests in a daemon thread (returns once the port answers)."""
        self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise ServeError("the public side of the endpoint did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.should_exit = True  # no new connections; the open ones finish their answer
        if self.supervisor is not None:
            self.supervisor.stop()  # a query in flight is answered 503 "shutting down" at once
        if server is not None and self._thread is not None:
            self._thread.join(15)
        self._thread = None
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()



def _bind(host: str, port: int) -> socket.socket:
    """The listening socket of the public port, or a one-line reason it cannot be had."""
    sock = None
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(MAX_CONNECTIONS * 2)
        sock.set_inheritable(False)
        return sock
    except OSError as exc:
        if sock is not None:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; stop what uses it or choose another "
                             "port with --port") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"not allowed to listen on port {port} (ports below 1024 need privileges); "
                             "choose another with --port") from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(exc, socket.gaierror):
            raise ServeError(f"cannot listen on host {host!r}: not an address of this machine") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def is_loopback(host: str) -> bool:
    """Is ``host`` a loopback address (or ``localhost``)?

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(graph: str | Path | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          timeout: int = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
          on_start: Callable[[], None] | None = None, clinician: bool = True,
          fhir_servers: tuple[str, ...] = ()) -> int:
    """Run the endpoint in the foreground until Ctrl-C or SIGTERM; returns the exit code.
    ``on_start`` is called once the endpoint listens (before that, a failure is the only message)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    endpoint = Endpoint(graph, host=host, port=port, timeout=timeout, memory_mb=memory_mb, clinician=clinician,
                        fhir_servers=fhir_servers)
    try:
        if not is_loopback(host):
            _stderr(f"warning: listening on {host}, reachable from other machines")
        started = time.monotonic()
        endpoint.start()
        pid = endpoint.supervisor.pid if endpoint.supervisor else None
        if on_start is not None:
            on_start()
        fetching = (f"fetches missing prefetch from {', '.join(endpoint.fhir_servers)}" if endpoint.fhir_servers
                    else "offline: fetches from no FHIR server")
        urls = (f"checker page: {endpoint.url}\ncheck API: {endpoint.url}api/check\n"
                f"name completion: {endpoint.url}api/names?prefix=\n"
                f"CDS Hooks discovery: {endpoint.url}cds-services ({fetching})\n"
                f"SPARQL endpoint: {endpoint.query_url}\nquery page: {endpoint.url}sparql\n") if clinician else (
                f"SPARQL endpoint: {endpoint.query_url}\nquery page: {endpoint.url}\n")
        print(f"{urls}"
              f"read-only; query timeout {timeout} s; memory limit "
              f"{f'{memory_mb} MiB' if memory_mb else 'none'}; oxigraph pid {pid}; "
              f"started in {time.monotonic() - started:.1f} s; Ctrl-C to stop", flush=True)
        endpoint.serve_forever()
    except KeyboardInterrupt:
        _stderr("stopping")
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
