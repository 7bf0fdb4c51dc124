"""The package's layout holds: stages import only toward the ground, and no module imports
itself back through others (issue: "Two import cycles ... build -> resolve -> query -> oxstore ->
build with store; and viz <-> drawing <-> graphexport").

The layers are import-linter contracts in pyproject.toml (docs/architecture.md explains them);
imports inside functions count, as grimp reads every import statement. The last test proves the
checks can fail: a copy of the package with one upward import and one cycle added breaks both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["curation", "graph", "sparql", "answers", "publish", "serve", "cli"]


def _lint(root: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--config", str(config), "--no-cache"],
                          capture_output=True, text=True, timeout=300, check=False, env=env, cwd=root)


#: The import cycles of the package ``kg`` found on the path, by grimp (every import statement).
CYCLES = ("import grimp, networkx as nx; g = grimp.build_graph('kg', cache_dir=None); "
          "d = nx.DiGraph((m, i) for m in g.modules for i in g.find_modules_directly_imported_by(m)); "
          "print(sorted(sorted(c) for c in nx.simple_cycles(d)))")


def _cycles(root: Path) -> str:
    """The cycles of the ``kg`` under ``root``, in a process of its own so ``root`` decides which."""
    done = subprocess.run([sys.executable, "-c", CYCLES], capture_output=True, text=True, timeout=300, check=True,
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    return done.stdout.strip()


def test_every_stage_is_a_subpackage():
    assert sorted(p.name for p in (ROOT / "kg").iterdir() if (p / "__init__.py").is_file()) == sorted(STAGES)


def test_the_layer_contracts_hold():
    done = _lint(ROOT, ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 kept, 0 broken" in done.stdout


def test_no_import_cycle():
    assert _cycles(ROOT) == "[]"


def test_the_checks_fail_on_an_upward_import_and_a_cycle(tmp_path):
    shutil.copytree(ROOT / "kg", tmp_path / "kg", ignore=shutil.ignore_patterns("__pycache__", "monographs"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "kg" / "graph" / "validate.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _upward():\n    from kg.answers import clinical  # noqa: F401\n")
    with open(tmp_path / "kg" / "names.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _round():\n    from kg import text  # noqa: F401\n")
    with open(tmp_path / "kg" / "text.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _back():\n    from kg import names  # noqa: F401\n")
    done = _lint(tmp_path, tmp_path / "pyproject.toml")
    assert done.returncode != 0 and "kg.graph.validate -> kg.answers.clinical" in done.stdout, done.stdout[-3000:]
    assert "['kg.names', 'kg.text']" in _cycles(tmp_path)
