"""Exports: every format, read back by an independent parser, losing nothing; atomic writes.

RDF is compared as graphs (isomorphism, with a diff on failure), never as text. The network is
blocked in every test of this module, so a parser that tried to fetch a remote JSON-LD
``@context`` (rdflib's would) fails loudly instead of passing by luck.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.publish import export, kgx
from kg import fileio
from kg.graph import jsonld
from kg.graph.build import build, shipped_paths
from kg.cli.main import main
from kg.errors import DataError, UsageError
from kg.resources import context_file
from kg.schema import ontology
from kg.vocab import BIOLINK, ID, SKG

REPO = Path(__file__).resolve().parents[1]


class NetworkBlocked(AssertionError):
    pass


ATTEMPTS: list = []


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a host name fails (and is recorded)."""
    ATTEMPTS.clear()

    def refuse(*args, **kwargs):
        ATTEMPTS.append(args[:2])
        raise NetworkBlocked(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build(shipped_paths()).graph


@pytest.fixture(scope="module")
def texts(graph) -> dict[str, str]:
    return {fmt: export.dumps(graph, fmt) for fmt in export.WRITERS}


def assert_isomorphic(expected: Graph, got: Graph, what: str) -> None:
    if isomorphic(expected, got):
        return
    _, only_expected, only_got = graph_diff(to_isomorphic(expected), to_isomorphic(got))
    sample = lambda g: "\n  ".join(sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in g)[:5])  # noqa: E731
    raise AssertionError(f"{what}: {len(only_expected)} triple(s) lost, {len(only_got)} added\n"
                         f"lost:\n  {sample(only_expected)}\nadded:\n  {sample(only_got)}")


def read_with_pyoxigraph(text: str, fmt: ox.RdfFormat) -> Graph:
    g = Graph()
    for t in ox.parse(text.encode("utf-8"), format=fmt):
        g.add(tuple(jsonld._to_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    return g


# --------------------------------------------------------------------------------------------
# the format list and the CLI


def test_every_issue_format_is_offered():
    assert export.FORMATS == ["turtle", "ntriples", "jsonld", "graphml", "cytoscape", "kgx"]


def test_export_to_stdout_and_file(tmp_path, capsys, graph):
    assert main(["export", "--format", "turtle", "-o", "-"]) == 0
    assert_isomorphic(graph, Graph().parse(data=capsys.readouterr().out, format="turtle"), "stdout turtle")
    target = tmp_path / "g.jsonld"
    assert main(["export", "--format", "jsonld", "-o", str(target)]) == 0
    assert_isomorphic(graph, jsonld.parse(target.read_bytes()), "jsonld file")


def test_export_reads_another_graph_with_graph_option(tmp_path, capsys):
    small = Graph()
    small.add((ID["drug/x"], RDF.type, SKG.Drug))
    source = tmp_path / "small.nt"
    export.dump(small, source, "ntriples")
    assert main(["export", "--graph", str(source), "--format", "ntriples", "-o", "-"]) == 0
    assert capsys.readouterr().out == f"<{ID['drug/x']}> <{RDF.type}> <{SKG.Drug}> .\n"


# --------------------------------------------------------------------------------------------
# round trips through independent parsers


@pytest.mark.parametrize("fmt, ox_format, rdflib_format", [
    ("turtle", ox.RdfFormat.TURTLE, "turtle"),
    ("ntriples", ox.RdfFormat.N_TRIPLES, "nt"),
    ("jsonld", ox.RdfFormat.JSON_LD, "json-ld"),
])
def test_rdf_round_trip_pyoxigraph_and_rdflib(graph, texts, fmt, ox_format, rdflib_format):
    assert_isomorphic(graph, read_with_pyoxigraph(texts[fmt], ox_format), f"{fmt} via pyoxigraph")
    assert_isomorphic(graph, Graph().parse(data=texts[fmt], format=rdflib_format), f"{fmt} via rdflib")


def test_serialisations_are_stable_and_sorted(graph, texts):
    for fmt in ("turtle", "ntriples", "jsonld", "graphml", "cytoscape"):
        assert export.dumps(graph, fmt) == texts[fmt], fmt
    lines = texts["ntriples"].splitlines()
    assert lines == sorted(lines)


def test_jsonld_is_compact_with_the_context_embedded(texts):
    doc = json.loads(texts["jsonld"])
    assert set(doc) == {"@context", "@graph"}
    with open(context_file(), encoding="utf-8") as fh:
        assert doc["@context"] == json.load(fh)["@context"]  # the file's context, inline: no URL
    ids = [n["id"] for n in doc["@graph"]]
    assert ids == sorted(ids, key=lambda i: (i.startswith("_:"), i))
    stmt = next(n for n in doc["@graph"] if n.get("type") == "skg:Interaction")
    # Short keys from the context; IRIs as compact IRIs.
    assert {"label", "quote", "severity", "recordId", "subjectEntity"} <= set(stmt)
    assert stmt["severity"].startswith("skg:Severity") and stmt["id"].startswith("skgid:statement/")
    assert all(not k.startswith("http") for n in doc["@graph"] for k in n)


def test_jsonld_keeps_datatypes_and_languages():
    g = Graph()
    s = ID["statement/m/r"]
    g.add((s, SKG.amount, Literal("4.0", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))
    g.add((s, SKG.quote, Literal("plain")))
    g.add((s, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("tagged", lang="en")))
    g.add((s, SKG.relation, Literal("a string where an IRI is expected")))
    g.add((s, SKG.severity, BNode("b0")))
    g.add((s, URIRef("http://example.org/not-in-context"), Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))))
    text = jsonld.dumps(g)
    assert_isomorphic(g, jsonld.parse(text), "edge cases via pyoxigraph")
    assert_isomorphic(g, Graph().parse(data=text, format="json-ld"), "edge cases via rdflib")


def test_a_remote_context_is_never_fetched():
    remote = '{"@context": "https://example.org/context.jsonld", "@id": "https://example.org/a", "name": "x"}'
    # The project's reader refuses it without touching the network ...
    with pytest.raises(DataError, match="remote or file @context"):
        jsonld.parse(remote)
    # ... while rdflib's parser would fetch it: the guard above stops that (so the guard works).
    with pytest.raises(NetworkBlocked):
        Graph().parse(data=remote, format="json-ld")


def test_loading_a_jsonld_graph_file_never_fetches_a_context(tmp_path):
    from kg.sparql.store import load_graph

    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "https://example.org/context.jsonld", "@id": "https://example.org/a"}')
    with pytest.raises(DataError):
        load_graph(doc)
    assert ATTEMPTS == []


def test_graphml_read_back_by_networkx_has_the_same_nodes_and_edges(graph, texts, tmp_path):
    from kg.publish.graphexport import projection

    G = projection(graph)
    path = tmp_path / "g.graphml"
    path.write_text(texts["graphml"], encoding="utf-8")
    back = nx.read_graphml(path, force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    assert dict(back.nodes(data=True)) == dict(G.nodes(data=True))
    expected = sorted((u, v, k, tuple(sorted(d.items()))) for u, v, k, d in G.edges(keys=True, data=True))
    got = sorted((u, v, d.pop("key"), tuple(sorted((a, b) for a, b in d.items() if a != "id")))
                 for u, v, k, d in back.edges(keys=True, data=True))
    assert got == expected
    assert len({d["id"] for _, _, d in back.edges(data=True)}) == back.number_of_edges()  # unique edge ids


def test_cytoscape_json_rebuilds_the_projection(graph, texts):
    from kg.publish.graphexport import projection

    G = projection(graph)
    doc = json.loads(texts["cytoscape"])
    assert doc["directed"] and doc["multigraph"]
    back = nx.cytoscape_graph(doc, name="label", ident="id")
    assert set(back.nodes) == set(G.nodes)
    assert sorted((u, v, d["key"]) for u, v, d in back.edges(data=True)) == sorted(G.edges(keys=True))
    for node in doc["elements"]["nodes"]:
        assert node["data"]["name"] == G.nodes[node["data"]["id"]]["label"]


# --------------------------------------------------------------------------------------------
# KGX: checked against the KGX format specification (the kgx library fetches the Biolink model
# from the network when imported, so it cannot run here; see the module docstring of kg.publish.kgx)

KGX_CURIE = re.compile(r"^[^ <()>:]*:[^/ :]+$")  # kgx.prefix_manager.PrefixManager.is_curie


def read_tsv(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body), "ragged TSV"
    return [dict(zip(header, r)) for r in body]


@pytest.fixture(scope="module")
def kgx_tables(graph):
    parts = kgx.dumps(graph)
    return read_tsv(parts["nodes"]), read_tsv(parts["edges"])


def test_kgx_files_follow_the_format(kgx_tables, graph):
    nodes, edges = kgx_tables
    for required in ("id", "category", "name", "provided_by"):
        assert all(n[required] for n in nodes), required
    for required in ("id", "subject", "predicate", "object", "knowledge_level", "agent_type", "primary_knowledge_source"):
        assert all(e[required] for e in edges), required
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert len({e["id"] for e in edges}) == len(edges)
    for value in ids + [e[c] for e in edges for c in ("id", "subject", "object")]:
        assert KGX_CURIE.match(value), value
    assert {e["subject"] for e in edges} | {e["object"] for e in edges} <= set(ids)
    assert all(re.fullmatch(r"biolink:[A-Z][A-Za-z]+", c) for n in nodes for c in n["category"].split("|"))
    assert all(re.fullmatch(r"biolink:[a-z_]+", e["predicate"]) for e in edges)
    assert {e["knowledge_level"] for e in edges} == {"knowledge_assertion"}
    assert {e["agent_type"] for e in edges} == {"manual_agent"}
    # Each id expands back to the IRI the graph uses (iri column), with the documented prefixes.
    for n in nodes:
        prefix, local = n["id"].split(":", 1)
        assert prefix.startswith(kgx.ID_PREFIX)
        folder = prefix[len(kgx.ID_PREFIX):].lstrip(".").replace(".", "/")
        assert n["iri"] == f"{ID}{folder}/{local}" and (URIRef(n["iri"]), None, None) in graph


def test_kgx_categories_and_predicates_come_from_the_ontology(kgx_tables):
    nodes, edges = kgx_tables
    for n in nodes:
        assert n["category"] == "biolink:" + kgx.category_of(SKG[n["skg_category"].split(":")[1]])[len(BIOLINK):]
    assert {(n["skg_category"], n["category"]) for n in nodes} >= {
        ("skg:Drug", "biolink:Drug"),  # rdfs:subClassOf biolink:Drug
        ("skg:Condition", "biolink:DiseaseOrPhenotypicFeature"),  # rdfs:subClassOf
        ("skg:Substance", "biolink:ChemicalEntity"),
    }
    pairs = {(e["original_predicate"], e["predicate"]) for e in edges}
    assert ("skg:interactsWith", "biolink:interacts_with") in pairs  # rdfs:subPropertyOf
    assert ("skg:memberOf", "biolink:member_of") in pairs  # rdfs:subPropertyOf, beside RO:0002350
    assert ("skg:lowers", "biolink:affects") in pairs  # through skg:affects, not the generic root


def test_biolink_alignment_rule_on_a_hand_made_ontology():
    """Specific before generic, then nearest; nothing aligned (or only a SKOS match): the root."""
    from rdflib import OWL, RDFS, SKOS

    onto = Graph()
    a, b, c, d = SKG.Drug, SKG.DrugClass, SKG.Protein, SKG.Organism
    onto.add((a, RDFS.subClassOf, b))
    onto.add((b, RDFS.subClassOf, BIOLINK.NamedThing))
    onto.add((b, OWL.equivalentClass, BIOLINK.ChemicalEntity))
    onto.add((c, RDFS.subClassOf, BIOLINK.Protein))
    onto.add((c, RDFS.subClassOf, BIOLINK.GeneProduct))
    onto.add((d, SKOS.closeMatch, BIOLINK.OrganismTaxon))  # an overlap, not an alignment
    assert kgx._biolink_alignment(onto, a, RDFS.subClassOf, BIOLINK.NamedThing) == BIOLINK.ChemicalEntity
    assert kgx._biolink_alignment(onto, c, RDFS.subClassOf, BIOLINK.NamedThing) == BIOLINK.GeneProduct  # name order
    assert kgx._biolink_alignment(onto, d, RDFS.subClassOf, BIOLINK.NamedThing) == BIOLINK.NamedThing
    assert (SKG.Drug, RDFS.subClassOf, BIOLINK.Drug) in ontology()  # the real ontology states the alignment


def test_kgx_cli_writes_two_files_by_prefix_or_folder(tmp_path, capsys):
    assert main(["export", "--format", "kgx", "-o", str(tmp_path / "sk")]) == 0
    assert (tmp_path / "sk_nodes.tsv").is_file() and (tmp_path / "sk_edges.tsv").is_file()
    folder = tmp_path / "dir"
    folder.mkdir()
    assert main(["export", "--format", "kgx", "-o", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["kgx_edges.tsv", "kgx_nodes.tsv"]
    assert main(["export", "--format", "kgx", "-o", "-"]) == 2
    assert "writes 2 files" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# nothing is lost: severity, evidence level, negative findings and quotes in every format


def _samples(graph) -> dict[str, URIRef]:
    negative = sorted(s for s in graph.subjects(RDF.type, SKG.Finding)
                      if graph.value(s, SKG.direction) == SKG.DirectionNoEffect)
    assert negative, "the shipped monograph has findings of no effect"
    return {
        "interaction": sorted(graph.subjects(RDF.type, SKG.Interaction))[0],
        "assessment": sorted(graph.subjects(RDF.type, SKG.EffectivenessAssessment))[0],
        "negative finding": negative[0],
    }


def _expected(graph, stmt) -> dict:
    from kg.publish.style import concept_labels

    labels = concept_labels()
    out = {"record": str(graph.value(stmt, SKG.recordId)),
           "quotes": sorted(str(q) for q in graph.objects(stmt, SKG.quote))}
    for key, prop in (("severity", SKG.severity), ("evidence", SKG.evidenceLevel), ("direction", SKG.direction)):
        concept = graph.value(stmt, prop)
        if concept is not None:
            out[key] = (concept, labels[str(concept)])
    return out


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_nothing_is_lost(graph, fmt, tmp_path):
    samples = _samples(graph)
    if fmt in ("turtle", "ntriples", "jsonld"):
        rdf = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[fmt]
        back = Graph().parse(data=export.dumps(graph, fmt), format=rdf)
        for name, stmt in samples.items():
            exp = _expected(graph, stmt)
            assert sorted(str(q) for q in back.objects(stmt, SKG.quote)) == exp["quotes"], name
            for key, prop in (("severity", SKG.severity), ("evidence", SKG.evidenceLevel), ("direction", SKG.direction)):
                if key in exp:
                    assert back.value(stmt, prop) == exp[key][0], (name, key)
        return
    if fmt == "kgx":
        export.dump(graph, tmp_path / "x", "kgx")
        edges = read_tsv((tmp_path / "x_edges.tsv").read_text(encoding="utf-8"))
        curie = kgx._Curies()
        for name, stmt in samples.items():
            exp = _expected(graph, stmt)
            row = next(e for e in edges if e["id"] == curie(stmt))
            assert row["record_id"] == exp["record"]
            assert sorted(row["quote"].split(kgx.LIST_SEPARATOR)) == exp["quotes"], name
            for key, column in (("severity", "severity"), ("evidence", "evidence_level"), ("direction", "direction")):
                if key in exp:
                    assert row[column] == curie(exp[key][0]), (name, key)
        return
    # GraphML and Cytoscape JSON: the edge behind each statement carries its attributes.
    if fmt == "graphml":
        path = tmp_path / "g.graphml"
        export.dump(graph, path, fmt)
        edges = [d for _, _, d in nx.read_graphml(path, force_multigraph=True).edges(data=True)]
    else:
        edges = [e["data"] for e in json.loads(export.dumps(graph, fmt))["elements"]["edges"]]
    for name, stmt in samples.items():
        exp = _expected(graph, stmt)
        data = next(d for d in edges if str(stmt) in d.get("statements", "").split())
        position = data["statements"].split().index(str(stmt))
        assert data["record_id"].split(", ")[position] == exp["record"]
        assert set(exp["quotes"]) <= set(data["quote"].split("\n")), name
        if "severity" in exp:
            assert data["severity"] == exp["severity"][1]
        if "evidence" in exp:
            assert data["evidence_level"] == exp["evidence"][1]
        if "direction" in exp:
            assert data["direction"].split(", ")[position] == exp["direction"][1] == "no effect"


# --------------------------------------------------------------------------------------------
# atomic writes: a failure leaves the previous file intact and no half-written file


def _old(path: Path, text: str = "previous content\n") -> str:
    path.write_text(text, encoding="utf-8")
    return text


def test_an_exception_mid_write_keeps_the_previous_file(tmp_path, monkeypatch, graph):
    target = tmp_path / "graph.ttl"
    previous = _old(target)
    real_fdopen = os.fdopen

    class DiskFull:
        """A file that takes 100 characters, then fails as a full disk does."""

        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[:100])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fdopen", lambda *a, **k: DiskFull(real_fdopen(*a, **k)))
    with pytest.raises(OSError, match="No space"):
        export.dump(graph, target, "turtle")
    assert target.read_text(encoding="utf-8") == previous
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]  # the partial temporary file is gone


def test_a_failure_on_the_second_kgx_file_keeps_both_previous_files(tmp_path, monkeypatch, graph):
    nodes, edges = tmp_path / "k_nodes.tsv", tmp_path / "k_edges.tsv"
    _old(nodes, "old nodes\n")
    _old(edges, "old edges\n")
    real_fdopen = os.fdopen
    opened = []

    def fdopen(*a, **k):
        fh = real_fdopen(*a, **k)
        opened.append(fh)
        if len(opened) == 2:
            fh.close()
            raise OSError(28, "No space left on device")
        return fh

    monkeypatch.setattr(fileio.os, "fdopen", fdopen)
    with pytest.raises(OSError):
        export.dump(graph, tmp_path / "k", "kgx")
    assert nodes.read_text() == "old nodes\n" and edges.read_text() == "old edges\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k_edges.tsv", "k_nodes.tsv"]


def test_a_killed_export_keeps_the_previous_file(tmp_path):
    """The process is killed (SIGKILL) after the data went to disk but before the rename."""
    target = tmp_path / "graph.nt"
    previous = _old(target)
    script = (
        "import os, signal, sys\n"
        "import kg.fileio\n"
        "kg.fileio.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from kg.cli.main import main\n"
        f"sys.exit(main(['export', '--format', 'ntriples', '-o', {str(target)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == -9, proc.stderr
    assert target.read_text(encoding="utf-8") == previous
    # A kill leaves at most the hidden temporary file, never a half-written target.
    assert {p.name for p in tmp_path.iterdir()} - {"graph.nt"} <= {
        p.name for p in tmp_path.glob(".graph.nt.*.part")}


@pytest.mark.parametrize("argv, message", [
    (["export", "--format", "jsonld", "-o", "{missing}/g.jsonld"], "folder does not exist"),
    (["export", "--format", "kgx", "-o", "-"], "writes 2 files"),
    (["export", "--graph", "{target}", "--format", "turtle", "-o", "{target}"], "unknown graph file type"),
    (["viz", "--focus", "no such substance", "-o", "{target}"], "unknown name"),
    (["viz", "--chart", "evidence", "-o", "{target}"], "charts are drawn as"),
])
def test_bad_arguments_leave_the_previous_file(tmp_path, capsys, argv, message):
    target = tmp_path / "old.html"
    previous = _old(target, "<p>previous picture</p>\n")
    argv = [a.format(missing=tmp_path / "nope", target=target) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == previous
    assert [p.name for p in tmp_path.iterdir()] == ["old.html"]


def test_unknown_format_is_refused_before_anything_is_written(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--format", "rdfxml", "-o", str(tmp_path / "x")])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError):
        export.dumps(Graph(), "nosuch")
