"""The build that checks and writes one monograph at a time (kg.graph.stream) gives what the whole
graph gives: the same graph.nt and metadata, and the same findings when something is wrong.

The monographs: the shipped glutamine one, the made-up Moonpetal fixture and three synthetic
ones, which share drug classes and drugs (so entities are merged across files).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from rdflib import RDFS, Literal

import kg.graph.build as kgbuild
from kg.graph.build import build_graph, entity_iri, load_all, metadata_graph, reconcile, shipped_paths, statement_iri
from kg.cli.main import main
from kg.publish.export import dumps
from kg.graph.storage import STORE_DIR, store_dir
from kg.graph.stream import build_files
from kg.curation.synth import write
from kg.graph.validate import validate
from kg.vocab import SKG

FIXTURE = Path(__file__).parent / "fixtures" / "monographs" / "moonpetal.yaml"


@pytest.fixture(scope="module")
def monographs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    write(3, folder, seed=1)
    return load_all([*shipped_paths(), FIXTURE, folder])


def _key(findings):
    return {(f.check, f.focus, f.message) for f in findings}


def _whole(monographs):
    graph = build_graph(monographs)
    return graph, validate(graph, monographs)


def _old_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.nt").write_text("old\n")
    return out


def _unchanged(out):
    return sorted(p.name for p in out.iterdir()) == ["graph.nt"] and (out / "graph.nt").read_text() == "old\n"


def test_files_are_those_of_the_whole_graph(monographs, tmp_path):
    built, report = build_files(monographs, tmp_path)
    graph, whole = _whole(monographs)
    assert report.conforms and whole.conforms
    assert report.checks == whole.checks
    assert (tmp_path / "graph.nt").read_text(encoding="utf-8") == dumps(graph, "ntriples")
    assert built.triples == len(graph)
    assert dumps(built.metadata, "turtle") == dumps(metadata_graph(graph, monographs, len(graph)), "turtle")
    records_in, statements_out, missing = reconcile(graph, monographs)
    assert (built.records_in, built.statements_out, missing) == (records_in, statements_out, [])
    assert store_dir(tmp_path) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt", STORE_DIR]


def test_no_store_when_not_asked_and_an_old_one_is_removed(monographs, tmp_path):
    (tmp_path / STORE_DIR).mkdir()
    build_files(monographs[:1], tmp_path, store=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt"]


def _wrap(monkeypatch, name, change):
    real = getattr(kgbuild, name)
    monkeypatch.setattr(kgbuild, name, lambda *a, **k: change(real, *a, **k))


def test_a_statement_without_its_record_id_is_found_as_in_the_whole_graph(monographs, monkeypatch, tmp_path):
    # SHACL, statement shape: "exactly one skg:recordId". Break the first record of the second of
    # two synthetic files.
    monographs = monographs[2:4]
    m = monographs[1]
    target = statement_iri(m.id, m.records[0].id)

    def change(real, g, mono, r, labels=None):
        real(g, mono, r, labels)
        g.remove((target, SKG.recordId, None))

    _wrap(monkeypatch, "_statement", change)
    out = _old_folder(tmp_path)
    _built, report = build_files(monographs, out)
    whole = _whole(monographs)[1]
    assert not report.conforms
    assert _key(report.findings) == _key(whole.findings)
    assert {f.focus for f in report.findings} == {str(target)}
    assert _unchanged(out)


def test_an_entity_described_differently_in_two_files_is_found_as_in_the_whole_graph(monographs, monkeypatch, tmp_path):
    # SHACL, entity shape: "exactly one rdfs:label". An entity two synthetic files share gets a
    # second label in one of them only: the merge across files is what breaks it.
    monographs = monographs[2:4]
    holders: dict[str, list] = {}
    for m in monographs:
        for e in m.entities:
            holders.setdefault(e.id, []).append((m, e))
    entity_id = min(i for i, found in holders.items() if len(found) > 1)
    second, entity = holders[entity_id][1]
    node = entity_iri(entity.type, entity_id)

    def change(real, g, e, m):
        real(g, e, m)
        if e.id == entity_id and m is second:
            g.add((node, RDFS.label, Literal("another name")))

    _wrap(monkeypatch, "_entity", change)
    out = _old_folder(tmp_path)
    _built, report = build_files(monographs, out)
    whole = _whole(monographs)[1]
    assert _key(report.findings) == _key(whole.findings)
    assert str(node) in {f.focus for f in report.findings}
    assert _unchanged(out)


def test_a_missing_direct_edge_is_found_by_shapes_and_query_as_in_the_whole_graph(monographs, monkeypatch, tmp_path):
    # The first interaction of the glutamine monograph ("Lactulose interacts with GLUTAMINE"): its
    # statement names the edge L-glutamine -> interacts with -> lactulose; take the edge away.
    mono = monographs[0]
    record = next(r for r in mono.records if r.kind == "interactions")
    assert record.fields["interactant"] == "lactulose"
    target = statement_iri(mono.id, record.id)

    def change(real, g, m, r, labels=None):
        real(g, m, r, labels)
        if r is record:
            g.remove((g.value(target, SKG.subjectEntity), g.value(target, SKG.relation), g.value(target, SKG.objectEntity)))

    _wrap(monkeypatch, "_statement", change)
    out = _old_folder(tmp_path)
    _built, report = build_files(monographs[:1], out)
    whole = _whole(monographs[:1])[1]
    assert _key(report.findings) == _key(whole.findings)
    assert {f.check for f in report.findings} == {"shacl", "direct-edge-violation"}
    assert _unchanged(out)


def test_a_quote_off_its_offsets_is_found_as_in_the_whole_graph(monographs, monkeypatch, tmp_path):
    # The first record of the made-up Moonpetal monograph, its first quote moved one character on:
    # the text at the new offsets is no longer the quoted sentence.
    monographs = monographs[1:2]
    mono = monographs[0]
    assert mono.id == "moonpetal"
    record = mono.records[0]

    def change(real, g, m, node, quotes):
        if node == statement_iri(mono.id, record.id):
            quotes = [dataclasses.replace(quotes[0], start=quotes[0].start + 1), *quotes[1:]]
        real(g, m, node, quotes)

    _wrap(monkeypatch, "_provenance", change)
    out = _old_folder(tmp_path)
    _built, report = build_files(monographs, out)
    whole = _whole(monographs)[1]
    assert _key(report.findings) == _key(whole.findings)
    assert "provenance" in {f.check for f in report.findings}
    assert _unchanged(out)


def test_cli_graph_outputs_only(monographs, tmp_path, capsys):
    full, lean = tmp_path / "full", tmp_path / "lean"
    assert main(["build", "--monographs", str(FIXTURE), "--out", str(full)]) == 0
    assert main(["build", "--monographs", str(FIXTURE), "--out", str(lean), "--outputs", "graph"]) == 0
    assert sorted(p.name for p in lean.iterdir()) == ["graph.nt", "metadata.ttl", STORE_DIR]
    for name in ("graph.nt", "metadata.ttl"):
        assert (lean / name).read_bytes() == (full / name).read_bytes()
    summaries = capsys.readouterr().out.split("built ")[1:]
    assert [s.split("wrote:")[0] for s in summaries][0] == [s.split("wrote:")[0] for s in summaries][1]
    # --store none removes the store the first build wrote, so no query reads a stale graph.
    assert main(["build", "--monographs", str(FIXTURE), "--out", str(lean), "--outputs", "graph",
                 "--store", "none"]) == 0
    assert sorted(p.name for p in lean.iterdir()) == ["graph.nt", "metadata.ttl"]


def test_cli_refused_build_removes_the_folder_it_made(tmp_path, monkeypatch, capsys):
    def change(real, g, m, r, labels=None):
        real(g, m, r, labels)
        g.remove((statement_iri(m.id, r.id), SKG.recordId, None))

    _wrap(monkeypatch, "_statement", change)
    out = tmp_path / "new"
    assert main(["build", "--monographs", str(FIXTURE), "--out", str(out)]) == 1
    assert not out.exists()
    assert "graph does not validate" in capsys.readouterr().err


def test_cli_validate_checks_data_files_as_the_build_does_and_keeps_nothing(tmp_path, monkeypatch, capsys):
    # `kg validate` on data files runs the build's checks one monograph at a time
    # (kg.graph.stream.check_files), never the whole graph. The Moonpetal fixture's first record loses
    # its skg:recordId (SHACL, statement shape: "exactly one skg:recordId").
    m = load_all([FIXTURE])[0]
    target = statement_iri(m.id, m.records[0].id)

    def change(real, g, mono, r, labels=None):
        real(g, mono, r, labels)
        g.remove((target, SKG.recordId, None))

    def whole_graph(*_args, **_kwargs):
        raise AssertionError("kg validate built the whole graph")

    _wrap(monkeypatch, "_statement", change)
    monkeypatch.setattr(kgbuild, "build_graph", whole_graph)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["validate", "--monographs", str(FIXTURE)]) == 1
    out = capsys.readouterr().out
    assert str(target) in out and "recordId" in out
    assert list(tmp_path.iterdir()) == []  # its temporary graph and store are gone


def test_many_runs_are_merged_in_rounds(monographs, tmp_path, monkeypatch):
    # Five runs (the entity graph and four monographs), at most two files open per merge: two
    # rounds before the last merge.
    import kg.graph.stream

    monkeypatch.setattr(kg.graph.stream, "MERGE_FILES", 2)
    monographs = monographs[1:]
    build_files(monographs, tmp_path, run_shacl=False)
    assert (tmp_path / "graph.nt").read_text(encoding="utf-8") == dumps(build_graph(monographs), "ntriples")


def test_merge_keeps_each_line_once_and_removes_its_intermediate_runs(tmp_path, monkeypatch):
    import kg.graph.stream

    monkeypatch.setattr(kg.graph.stream, "MERGE_FILES", 2)
    runs = []
    for n, lines in enumerate([["<a> <p> <b> .", "<c> <p> <d> ."], ["<a> <p> <b> .", "<b> <p> <c> ."], ["<e> <p> <f> ."]]):
        runs.append(tmp_path / str(n))
        runs[-1].write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    target = tmp_path / "out.nt"
    assert kg.graph.stream.merge_runs(runs, target) == 4
    assert target.read_text(encoding="utf-8").splitlines() == ["<a> <p> <b> .", "<b> <p> <c> .", "<c> <p> <d> .",
                                                               "<e> <p> <f> ."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "1", "2", "out.nt"]
