"""Hostile graph files and data files are one line of bad input, never a hang, a crash or a read
of something else (issue: "graph files that blow up", "local file read through JSON-LD", "bad
data files"). Each case is run in a child process with a time limit where the old code hung."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import DataError
from kg.curation.records import load_monograph
from kg.sparql.store import load_graph

FIXTURE = Path(__file__).parent / "fixtures" / "monographs"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY a "aaaaaaaaaa">
""" + "".join(f'  <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9)) + """]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="urn:x:">
  <rdf:Description rdf:about="urn:x:s"><x:p>&j;</x:p></rdf:Description>
</rdf:RDF>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file://{path}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="urn:x:">
  <rdf:Description rdf:about="urn:x:s"><x:p>&secret;</x:p></rdf:Description>
</rdf:RDF>
"""

PLAIN_XML = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="urn:x:">
  <rdf:Description rdf:about="urn:x:s"><x:p>plain</x:p></rdf:Description>
</rdf:RDF>
"""


def _kg(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *argv], capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_an_rdf_xml_entity_bomb_is_refused_at_once(tmp_path):
    """Billion laughs (10^10 characters from nine nested entities) given as --graph: one line, exit 2."""
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(DataError, match="DTD|entity|<!"):
        load_graph(bomb)
    done = _kg("query", "statistics", "--graph", str(bomb))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "bomb.rdf" in done.stderr


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret text", encoding="utf-8")
    evil = tmp_path / "evil.rdf"
    evil.write_text(EXTERNAL_ENTITY.format(path=secret), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_graph(evil)
    assert "the secret text" not in str(err.value)


def test_plain_rdf_xml_still_loads(tmp_path):
    """Control: the refusal is of declarations, not of RDF/XML."""
    plain = tmp_path / "plain.rdf"
    plain.write_text(PLAIN_XML, encoding="utf-8")
    assert len(load_graph(plain)) == 1


@pytest.mark.parametrize("context", ["file", "path", "web"])
def test_a_jsonld_graph_file_never_resolves_a_context(tmp_path, listener, context):
    """@context naming a local file (as a file: IRI or a bare path) or a URL is refused, never read."""
    ctx = tmp_path / "ctx.jsonld"
    ctx.write_text('{"@context": {"name": "urn:x:from-the-file"}}', encoding="utf-8")
    ref = {"file": ctx.as_uri(), "path": str(ctx), "web": f"http://127.0.0.1:{listener.port}/ctx"}[context]
    doc = tmp_path / "g.jsonld"
    doc.write_text('{"@context": "%s", "@id": "urn:x:a", "name": "x"}' % ref, encoding="utf-8")
    with pytest.raises(DataError, match="@context"):
        load_graph(doc)
    assert listener.connections == 0


def _monograph(tmp_path: Path, edit) -> Path:
    """A copy of the invented fixture monograph with ``edit(text) -> text`` applied to its YAML."""
    folder = tmp_path / "m"
    shutil.copytree(FIXTURE, folder)
    data = folder / "moonpetal.yaml"
    data.write_text(edit(data.read_text(encoding="utf-8")), encoding="utf-8")
    return data


def test_a_duplicate_key_is_refused_with_its_line(tmp_path):
    """'title: Moonpetal' given twice in one mapping: the old code kept the last value silently."""
    data = _monograph(tmp_path, lambda t: t.replace("  title: Moonpetal\n", "  title: Moonpetal\n  title: Other\n", 1))
    with pytest.raises(DataError, match=r"moonpetal\.yaml:\d+.*title"):
        load_monograph(data)


def test_a_timestamp_where_text_belongs_is_refused(tmp_path):
    data = _monograph(tmp_path, lambda t: t.replace('version: "0.1.0"', "version: !!timestamp 2020-01-01", 1))
    with pytest.raises(DataError, match=r"moonpetal\.yaml:\d+"):
        load_monograph(data)


def test_yaml_nested_too_deeply_is_one_line(tmp_path):
    """20,000 levels gave a RecursionError of 3,000 lines."""
    data = _monograph(tmp_path, lambda t: t + "extra: " + "[" * 20000 + "]" * 20000 + "\n")
    with pytest.raises(DataError, match=r"moonpetal\.yaml:\d+"):
        load_monograph(data)


def test_an_alias_is_refused(tmp_path):
    data = _monograph(tmp_path, lambda t: t.replace('version: "0.1.0"', 'version: &v "0.1.0"\n  note: *v', 1))
    with pytest.raises(DataError, match=r"moonpetal\.yaml:\d+"):
        load_monograph(data)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_source_text_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    """A FIFO hung kg build and kg validate; /dev/zero gave MemoryError."""
    data = _monograph(tmp_path, lambda t: t)
    source = data.parent / "moonpetal.txt"
    source.unlink()
    if kind == "fifo":
        os.mkfifo(source)
    elif kind == "dev-zero":
        source.symlink_to("/dev/zero")
    else:
        source.mkdir()
    with pytest.raises(DataError, match="moonpetal.txt"):
        load_monograph(data)
    done = _kg("validate", "--monographs", str(data.parent), timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_fixture_monograph_still_loads(tmp_path):
    """Control: the unedited copy loads."""
    assert load_monograph(_monograph(tmp_path, lambda t: t)) is not None
