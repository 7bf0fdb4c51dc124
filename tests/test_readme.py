"""The README's tour shows what the commands print (issue: "Its example output is stale (it says
7053 triples; a build prints 7092)").

Every ``console`` block of README.md is a list of ``$ kg ...`` commands, each followed by its
output. They run in order in one fresh folder (the first builds ``output``, the others read it),
and each command's standard output must be the lines under it. The answers themselves are checked
against the source text by the other tests (the interaction of anticonvulsants with phenytoin
"(Dilantin)", the children's limit of "0.7 grams per kg of weight daily"); this test checks that
the page does not drift from them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)


def _examples() -> list[tuple[list[str], str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    examples: list[tuple[list[str], list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((shlex.split(line[2:]), []))
            else:
                assert examples, f"output before any command in a console block: {line!r}"
                examples[-1][1].append(line)
    return [(argv, "\n".join(out)) for argv, out in examples]


def test_the_tour_has_the_commands_the_issue_names():
    commands = [argv[1] for argv, _ in _examples()]
    assert commands[0] == "build"
    for name in ("interactions", "evidence", "dose", "explain", "export", "viz"):
        assert name in commands, name


def test_every_example_prints_what_the_readme_shows(tmp_path):
    env = {**os.environ, "PYTHONUTF8": "1", "COLUMNS": "100"}  # as off a terminal: what a page shows unscrolled
    for argv, shown in _examples():
        assert argv[0] == "kg", argv
        done = subprocess.run([sys.executable, "-m", "kg", *argv[1:]], capture_output=True, text=True,
                              timeout=600, check=False, cwd=tmp_path, env=env)
        printed = "\n".join(line.rstrip() for line in done.stdout.rstrip("\n").splitlines())
        assert done.returncode in (0, 1), (argv, done.stderr[-2000:])
        assert printed == "\n".join(line.rstrip() for line in shown.splitlines()), \
            f"README shows another output for: {shlex.join(argv)}"
