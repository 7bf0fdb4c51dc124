"""The store of ``kg serve``: the built graph loaded with ``oxigraph load`` into a temporary Oxigraph
folder, in a work folder naming its process, so that the next start removes it if this process is
killed before it can (:func:`remove_stale_workdirs`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from kg.errors import KGError
from kg.fileio import process_running


class ServeError(KGError):
    """The endpoint cannot start or keep running (port in use, Oxigraph missing or failing)."""



def oxigraph_binary() -> str:
    """Path of the ``oxigraph`` command (PyPI package ``oxigraph``): beside this Python, or on PATH.

    :raises ServeError: when it is not installed.
    """
    here = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServeError("the Oxigraph server is not installed; install it with: pip install oxigraph")


def graph_source(graph: str | Path | None, workdir: Path) -> Path:
    """An N-Triples or Turtle file holding ``graph`` (a ``kg build`` output folder or graph file;
    ``None``: the shipped monographs, built and written into ``workdir``)."""
    from kg.sparql.store import default_graph, graph_file, load_graph

    if graph is not None:
        file = graph_file(graph)
        if file.suffix.lower() in (".nt", ".ttl"):
            return file
        g = load_graph(file)
    else:
        g = default_graph()
    target = workdir / "graph.nt"
    g.serialize(destination=str(target), format="nt", encoding="utf-8")
    return target


def load_store(source: Path, location: Path, *, binary: str | None = None, timeout: float = 600) -> None:
    """``oxigraph load`` the file ``source`` into the store folder ``location``.

    :raises ServeError: with Oxigraph's message when loading fails.
    """
    cmd = [binary or oxigraph_binary(), "load", "--location", str(location), "--file", str(source)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ServeError(f"loading {source} into Oxigraph took more than {timeout:g} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        raise ServeError(f"oxigraph load failed for {source}: {lines[-1][:300] if lines else 'no message'}")


#: Each endpoint's work folder (its store, the child's log) in the temporary directory.
WORKDIR_PREFIX = "kg-serve-"
#: The file in a work folder naming the process it belongs to.
OWNER_FILE = "owner.pid"


def _owner(pid: int | None = None) -> str:
    """What :data:`OWNER_FILE` holds: the process number and the host name."""
    return f"{os.getpid() if pid is None else pid} {socket.gethostname()}\n"


def remove_stale_workdirs(tmp: str | Path | None = None, *, log: Callable[[str], None] = lambda _m: None) -> list[Path]:
    """Remove the work folders of ``kg serve`` processes that no longer run (killed with SIGKILL,
    or by the machine, they could not remove their own). A folder is stale when its
    :data:`OWNER_FILE` names a process of this host that is gone. A folder without that file, of
    another host (a temporary directory shared between containers), or whose owner runs (or whose
    number another process now has) is left alone. Returns the folders removed.
    """
    removed = []
    host = socket.gethostname()
    for folder in sorted(Path(tmp or tempfile.gettempdir()).glob(WORKDIR_PREFIX + "*")):
        try:
            number, owner_host = (folder / OWNER_FILE).read_text(encoding="utf-8").split(maxsplit=1)
            pid = int(number)
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if owner_host.strip() != host or pid <= 0 or process_running(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        log(f"removed {folder}: its kg serve process ({pid}) no longer runs")
        removed.append(folder)
    return removed
