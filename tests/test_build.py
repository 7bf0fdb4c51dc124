"""The build: determinism, round trip, reconciliation, and the data-is-data rule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.graph.build import build, shipped_paths
from kg.cli.main import main

REPO = Path(__file__).resolve().parents[1]


def _build_in_subprocess(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-m", "kg", "build", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr


def test_two_builds_are_byte_identical_across_hash_seeds(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _build_in_subprocess(a, "1")
    _build_in_subprocess(b, "4242")
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in ("graph.ttl", "graph.nt", "metadata.ttl"):
        assert name in names
    for name in names:
        if (a / name).is_dir():  # the Oxigraph store (RocksDB files); its triples: tests/test_backends.py
            continue
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_turtle_round_trip_is_isomorphic(tmp_path):
    result = build(shipped_paths())
    assert main(["build", "--out", str(tmp_path)]) == 0
    for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt")):
        back = Graph().parse(tmp_path / name, format=fmt)
        if not isomorphic(back, result.graph):
            _, only_built, only_read = graph_diff(to_isomorphic(result.graph), to_isomorphic(back))
            raise AssertionError(f"{name}: {len(only_built)} triples only in the build, {len(only_read)} only in the file")


def test_no_blank_nodes_in_the_data():
    # Statement IRIs derive from monograph and record id: no entity or statement is anonymous
    # (only the ontology's OWL lists may use blank nodes, relabelled canonically).
    from rdflib import BNode

    from kg.vocab import ID

    graph = build(shipped_paths()).graph
    data = [t for t in graph if str(t[0]).startswith(str(ID))]
    assert data and not [t for t in data if isinstance(t[2], BNode)]


def test_every_record_becomes_a_statement():
    result = build(shipped_paths())
    assert result.missing == []
    assert result.records_in == result.statements_out == sum(len(m.records) for m in result.monographs)


def test_build_prints_a_summary(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    result = build(shipped_paths())
    assert f"triples: {len(result.graph)}" in out
    assert f"records in: {result.records_in}, statements out: {result.statements_out}" in out
    assert re.search(r"Interaction \d+", out)


def test_package_code_names_no_monograph_content():
    # Data is data: no supplement, drug or condition of a shipped monograph is named in kg/*.py.
    import yaml

    names = set()
    for data_file in shipped_paths():
        data = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        for e in data["entities"]:
            if e["type"] in ("Substance", "Drug", "DrugClass", "Condition"):
                names.add(e["label"].lower())
                names.update(b.lower() for b in e.get("brands", []))
    offenders = []
    for py in sorted((REPO / "kg").rglob("*.py")):
        text = py.read_text(encoding="utf-8").lower()
        offenders += [f"{py.name}: {n}" for n in names if len(n) > 4 and re.search(rf"\b{re.escape(n)}\b", text)]
    assert offenders == []


def test_build_leaves_out_a_drawing_too_large_to_read_and_old_files(tmp_path, monkeypatch, capsys):
    # A build whose overview has more entities than a drawing holds legibly writes every export
    # and both charts, but no overview picture, and says so; an overview from an earlier build
    # in the folder is removed rather than left to describe another graph. The limit is lowered
    # below the shipped graph's entity count instead of building hundreds of monographs.
    from kg.publish import viz

    entities = viz.view_graph(build(shipped_paths()).graph, "all").number_of_nodes()
    monkeypatch.setattr(viz, "MAX_DRAWN_ENTITIES", entities - 1)
    (tmp_path / "overview.png").write_bytes(b"an earlier build's picture")
    assert main(["build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    names = {p.name for p in tmp_path.iterdir()}
    assert not names & {"overview.html", "overview.svg", "overview.png"}
    assert {"graph.ttl", "graph.jsonld", "kgx_nodes.tsv", "evidence.png", "severity.svg"} <= names
    assert (f"not drawn: overview.html, overview.svg, overview.png (the all view has {entities:,} entities, "
            f"more than the {entities - 1:,}") in out
    assert f"removed, from an earlier build: {tmp_path / 'overview.png'}" in out


def test_build_of_the_graph_only_removes_the_exports_of_an_earlier_build(tmp_path, capsys):
    # --outputs graph after a full build: the exports and pictures left would describe the older
    # graph, so they go; graph.nt, metadata.ttl and the store stay.
    assert main(["build", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["build", "--out", str(tmp_path), "--outputs", "graph"]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt", "metadata.ttl", "oxigraph"]
    assert "removed, from an earlier build: " in out and str(tmp_path / "graph.ttl") in out
