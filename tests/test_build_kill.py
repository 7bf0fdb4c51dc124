"""A killed build leaves the output folder wholly old or wholly new (issue: "killed with SIGKILL at
20 points, 11 left the new graph.nt, metadata.ttl and oxigraph/ beside the old exports and
pictures (a folder describing two graphs); .kg-build.*.part and .oxigraph.*.part folders are left
behind and never cleaned").

The old folder is a build of the shipped monographs; the new one adds the made-up Moonpetal
monograph (tests/fixtures/monographs), so every file of the two differs. A build is killed with
SIGKILL (as the kernel's out-of-memory killer would) at points spread over its run, up to its
last moments; after each kill the folder must be one of the two, file for file, its Oxigraph
store holding exactly the triples of its own graph.nt, and a file of the user's kept in it must
still be there. The next build completes and removes what the killed ones left beside it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MOONPETAL = ROOT / "tests" / "fixtures" / "monographs"
ENV = {**os.environ, "PYTHONUTF8": "1"}
#: Where in the build's run it is killed, as fractions of how long a whole build takes.
KILL_AT = (0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def _build_argv(out: Path, *, new: bool) -> list[str]:
    argv = [sys.executable, "-m", "kg", "build", "--out", str(out)]
    if new:
        argv += ["--monographs", str(ROOT / "kg" / "monographs"), str(MOONPETAL)]
    return argv


def _build(out: Path, *, new: bool) -> float:
    start = time.monotonic()
    done = subprocess.run(_build_argv(out, new=new), capture_output=True, text=True, timeout=600, check=False,
                          env=ENV)
    assert done.returncode == 0, done.stderr[-3000:]
    return time.monotonic() - start


def _files(folder: Path) -> dict[str, str]:
    """Every file outside the store, by path, with its SHA-256."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith("oxigraph/"):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _store_triples(folder: Path) -> int | None:
    if not (folder / "oxigraph").is_dir():
        return None
    import pyoxigraph

    return len(pyoxigraph.Store.read_only(str(folder / "oxigraph")))


def _lines(path: Path) -> int:
    with open(path, "rb") as graph:
        return sum(1 for line in graph if line.strip())


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The files of the old folder and of the new one, and how long a new build takes."""
    base = tmp_path_factory.mktemp("kill")
    old, new = base / "old", base / "new"
    _build(old, new=False)
    seconds = _build(new, new=True)
    return {"old": _files(old), "new": _files(new), "seconds": seconds, "old_folder": old}


def test_a_killed_build_leaves_the_folder_old_or_new(states, tmp_path):
    old, new = states["old"], states["new"]
    assert old["graph.nt"] != new["graph.nt"] and old["overview.svg"] != new["overview.svg"]
    parent = tmp_path / "site"
    parent.mkdir()
    out = parent / "out"
    shutil.copytree(states["old_folder"], out)
    (out / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    seen = []
    for fraction in KILL_AT:
        build = subprocess.Popen(_build_argv(out, new=True), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=ENV, start_new_session=True)
        time.sleep(states["seconds"] * fraction)
        os.kill(build.pid, signal.SIGKILL)  # the build only: whatever it started must not go on writing
        build.wait(30)
        time.sleep(0.5)
        with_notes = _files(out)
        assert with_notes.pop("notes.txt", None) is not None, f"killed at {fraction}: the user's file is gone"
        state = "old" if with_notes == old else "new" if with_notes == new else None
        assert state is not None, (f"killed at {fraction:.0%} of a build: the folder is neither the old one nor the "
                                   f"new one: {sorted(k for k in with_notes if with_notes[k] != old.get(k))}")
        assert _store_triples(out) == _lines(out / "graph.nt"), f"killed at {fraction}: the store is not graph.nt's"
        seen.append(state)
        if state == "new":  # start again from the old folder, so that later points test a swap too
            shutil.rmtree(out)
            shutil.copytree(states["old_folder"], out)
            (out / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    assert "old" in seen, seen  # at least one kill came before the swap
    _build(out, new=True)
    assert {k: v for k, v in _files(out).items() if k != "notes.txt"} == new
    assert (out / "notes.txt").is_file()
    assert sorted(p.name for p in parent.iterdir()) == ["out"], "the next build left what killed ones wrote beside"
    assert not [p for p in out.rglob("*.part")], "parts left inside the folder"
