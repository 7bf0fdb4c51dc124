"""The two backends give the same answers: rdflib's memory store and the persisted Oxigraph store.

One ``kg build`` of the shipped glutamine monograph writes graph.nt and the Oxigraph store beside
it; every canned query (with its header's example parameters) and every clinical function run on
both and must return the same rows, compared as sets. The Oxigraph engine also has to keep the
guards of the query interface: read-only, no remote access, bounded.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.answers import clinical
from kg.cli.main import main
from kg.errors import NotFound, QueryError, UsageError
from kg.graph.storage import STORE_DIR, open_store, rdflib_graph, store_dir, write_store
from kg.sparql.oxstore import OxigraphEngine, check_keywords
from kg.sparql.store import resolve_backend
from kg.sparql.canned import list_queries, run_query
from kg.sparql.engine import RdflibEngine
from kg.sparql.guards import QueryRefused, QueryTimeout
from kg.sparql.query import open_engine
from kg.sparql.store import load_graph, open_graph


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    assert main(["build", "--out", str(folder), "--no-validate"]) == 0
    return folder


@pytest.fixture(scope="module")
def engines(out):
    return {"rdflib": RdflibEngine(load_graph(out)), "oxigraph": OxigraphEngine(open_store(out))}


def _rowset(rows):
    return {frozenset(r.items()) for r in rows.rows}


def _canon(value):
    """``value`` with every list turned into a sorted tuple: compares results as sets of rows."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(sorted((_canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str)))
    return value


# ---------------------------------------------------------------------------------------------
# the store


def test_build_writes_a_store_with_every_triple(out):
    assert store_dir(out) == out / STORE_DIR
    lines = [line for line in (out / "graph.nt").read_text(encoding="utf-8").splitlines() if line.strip()]
    store = open_store(out)
    count = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value
    assert int(count) == len(lines)


def test_the_store_reads_back_as_the_same_graph(out):
    assert isomorphic(load_graph(out), Graph() + rdflib_graph(open_store(out)))


def test_the_store_is_loaded_in_pieces_without_splitting_blank_nodes(out, tmp_path, monkeypatch):
    # The ontology's unions are blank nodes, named on several lines of graph.nt; Oxigraph names the
    # blank nodes of each load afresh, so pieces of 200 lines would cut them apart if mixed in.
    import kg.sparql.oxstore

    monkeypatch.setattr(kg.graph.storage, "BULK_LINES", 200)
    lines = (out / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 10 * 200 and sum("_:" in line for line in lines) > 1
    write_store(out / "graph.nt", tmp_path / STORE_DIR)
    assert isomorphic(load_graph(out), Graph() + rdflib_graph(open_store(tmp_path)))


def test_open_store_without_a_store_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        open_store(tmp_path)


# ---------------------------------------------------------------------------------------------
# choosing the backend


def test_auto_takes_the_store_when_there_is_one(out, tmp_path):
    assert resolve_backend(out, None) == "oxigraph"
    assert resolve_backend(out, "auto") == "oxigraph"
    assert resolve_backend(out, "rdflib") == "rdflib"
    assert resolve_backend(out / "graph.nt", None) == "rdflib"
    assert resolve_backend(None, None) == "rdflib"
    with pytest.raises(UsageError):
        resolve_backend(out, "virtuoso")


def test_open_engine_and_open_graph_follow_the_backend(out):
    assert open_engine(out).name == "oxigraph"
    assert open_engine(out, backend="rdflib").name == "rdflib"
    assert open_engine(None, backend="oxigraph").name == "oxigraph"
    assert open_engine(out / "graph.nt", backend="oxigraph").name == "oxigraph"
    assert type(open_graph(out).store).__name__ != "Memory"
    assert type(open_graph(out, "rdflib").store).__name__ == "Memory"


# ---------------------------------------------------------------------------------------------
# same answers


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_canned_query_gives_the_same_rows(engines, query):
    params = query.example_parameters()
    a = run_query(engines["rdflib"], query, params)
    b = run_query(engines["oxigraph"], query, params)
    assert a.columns == b.columns
    assert _rowset(a) == _rowset(b)
    assert a.truncated == b.truncated


@pytest.mark.parametrize("call", [
    lambda e: clinical.interactions(["Dilantin", "PHENYTOIN", "anticonvulsants", "lactulose", "Taxol", "Dilantn",
                                     "aspirin"], engine=e),
    lambda e: clinical.interactions(["valproate"], supplement="glutamine", engine=e),
    lambda e: clinical.evidence(engine=e),
    lambda e: clinical.evidence("possibly-effective", at_least=True, engine=e),
    lambda e: clinical.precautions(engine=e),
    lambda e: clinical.precautions(min_strength="avoid", engine=e),
    lambda e: clinical.dose("glutamine", "oral", 10, 30, engine=e),
    lambda e: clinical.dose("glutamine", "oral", 40, engine=e),
], ids=["interactions", "interactions-supplement", "evidence", "evidence-at-least", "precautions",
        "precautions-avoid", "dose-child", "dose-adult"])
def test_clinical_answers_are_the_same(engines, call):
    assert _canon(call(engines["rdflib"])) == _canon(call(engines["oxigraph"]))


def test_no_stated_limit_is_refused_on_both(engines):
    for engine in engines.values():
        with pytest.raises(clinical.NoApplicableLimit):
            clinical.dose("glutamine", "oral", 2, 12, engine=engine)


@pytest.mark.parametrize("argv", [
    ["interactions", "phenytoin", "Dilantin", "nelfinavir", "--fail-on", "none"],
    ["evidence", "--level", "possibly-effective", "--at-least"],
    ["precautions"],
    ["dose", "--supplement", "glutamine", "--route", "oral", "--age", "10", "--weight-kg", "30"],
    ["query", "drug-interactions", "--param", "drug=Dilantin"],
    ["sparql", "SELECT ?s WHERE { ?s a <https://w3id.org/skg/ontology#Interaction> }"],
    ["path", "phenytoin", "glutamine"],
    ["neighbours", "anticonvulsants"],
], ids=lambda a: a[0])
def test_commands_print_the_same_json_on_both_backends(out, argv, capsys):
    printed = {}
    for backend in ("rdflib", "oxigraph"):
        code = main([*argv, "--graph", str(out), "--backend", backend, "--format", "json"])
        printed[backend] = (code, json.loads(capsys.readouterr().out))
    assert printed["rdflib"][0] == printed["oxigraph"][0]
    assert _canon(printed["rdflib"][1]) == _canon(printed["oxigraph"][1])


def test_projection_is_the_same_from_either_graph(out):
    from kg.answers.paths import project

    seeds = ["https://w3id.org/skg/id/drug/phenytoin", "https://w3id.org/skg/id/substance/l-glutamine"]
    a = project(load_graph(out), seeds, depth=2)
    b = project(open_graph(out), seeds, depth=2)
    assert sorted(a.nodes(data=True)) == sorted(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True)) == sorted(b.edges(keys=True, data=True))


@pytest.mark.parametrize("fmt", ["ntriples", "turtle", "jsonld"])
def test_exports_are_the_same_graph(out, fmt):
    from kg.publish.export import dumps

    a, b = dumps(load_graph(out), fmt), dumps(open_graph(out), fmt)
    if fmt == "jsonld":
        from kg.graph.jsonld import parse

        ga, gb = parse(a), parse(b)
    else:
        ga = Graph().parse(data=a, format="nt" if fmt == "ntriples" else "turtle")
        gb = Graph().parse(data=b, format="nt" if fmt == "ntriples" else "turtle")
    assert isomorphic(ga, gb)  # blank node labels differ between parses, nothing else


def test_whole_decimals_read_the_same(engines):
    # Oxigraph keeps the value 4, rdflib the text "4.0" the build wrote: both engines say "4.0".
    q = "SELECT ?a WHERE { ?r <https://w3id.org/skg/ontology#amount> ?a }"
    assert _rowset(engines["rdflib"].select(q)) == _rowset(engines["oxigraph"].select(q)) == {
        frozenset({("a", "4.0")})}


# ---------------------------------------------------------------------------------------------
# guards on the Oxigraph engine


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP ALL",
    "CREATE GRAPH <urn:g>",
    "ADD DEFAULT TO <urn:g>",
    "MOVE DEFAULT TO <urn:g>",
    "COPY DEFAULT TO <urn:g>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }",
    r"\u0044ELETE WHERE { ?s ?p ?o }",
], ids=lambda t: t[:20])
def test_updates_are_refused(engines, text):
    with pytest.raises(QueryRefused, match="read-only"):
        engines["oxigraph"].select(text)


def test_keywords_inside_strings_iris_and_prefixed_names_are_not_refused(engines):
    # (the letters "service" are refused anywhere: tests/test_guard_bypass.py)
    q = ('PREFIX : <urn:x:> SELECT ?s WHERE { ?s ?p "DELETE FROM INSERT" . '
         'OPTIONAL { ?s :load <urn:insert> } } # DROP ALL')
    assert engines["oxigraph"].select(q).rows == []
    check_keywords("SELECT * WHERE { ?s :from ?o }")


@pytest.fixture
def listener():
    """A loopback TCP listener that counts connections."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            hits.append(conn.recv(2048))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield srv.getsockname()[1], hits
    stop.set()
    thread.join(1)
    srv.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
])
def test_remote_access_is_refused_and_nothing_is_fetched(engines, listener, template):
    port, hits = listener
    with pytest.raises(QueryRefused, match="allow-remote"):
        engines["oxigraph"].select(template.format(port=port))
    threading.Event().wait(0.3)
    assert hits == []


def test_deep_nesting_is_refused_before_parsing(engines):
    with pytest.raises(QueryRefused, match="nested too deeply"):
        engines["oxigraph"].select("SELECT * WHERE " + "{" * 5000 + "}" * 5000)


@pytest.mark.parametrize("value", [
    '"} ; DELETE WHERE { ?s ?p ?o }', "\\u0022", "a\nb", "nul\x00", "\u202edilantin", "", ">", "{", "x" * 1_000_000,
], ids=range(9))
def test_hostile_parameter_values_are_plain_names(engines, value):
    rows = run_query(engines["oxigraph"], "drug-interactions", {"drug": value})
    assert rows.rows == []


def test_timeout_and_row_limit(engines):
    engine = engines["oxigraph"]
    with pytest.raises(QueryTimeout):
        engine.select("SELECT ?a ?c WHERE { ?a ?p ?b . ?c ?q ?d }", timeout=0.2, limit=10**9)
    rows = engine.select("SELECT ?s WHERE { ?s ?p ?o }", limit=2)
    assert len(rows) == 2 and rows.truncated
    with pytest.raises(UsageError):
        engine.select("SELECT * WHERE { ?s ?p ?o }", timeout=0)


def test_syntax_errors_are_query_errors(engines):
    with pytest.raises(QueryError, match="syntax"):
        engines["oxigraph"].select("SELECT ?s WHERE { ?s ?p }")


def test_bindings_must_be_terms(engines):
    with pytest.raises(UsageError):
        engines["oxigraph"].select("SELECT ?s WHERE { ?s ?p ?o }", {"o": "plain text"})
    rows = engines["oxigraph"].select("SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }",
                                      {"o": Literal("phenytoin")})
    assert rows.rows == [{"s": "https://w3id.org/skg/id/drug/phenytoin"}]
    rows = engines["oxigraph"].select("ASK { ?s ?p ?o }", {"s": URIRef("https://w3id.org/skg/id/drug/phenytoin")})
    assert rows.rows == [{"result": "true"}]


# ---------------------------------------------------------------------------------------------
# a light command line: each command imports only its own module


def test_command_table_matches_what_the_modules_register():
    import argparse
    import importlib

    from kg.cli.main import COMMAND_MODULES, COMMANDS

    registered = {}
    for name in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"kg.cli.{name}").register(sub)
        registered.update({command: name for command in sub.choices})
    assert {c: m for c, m in COMMANDS.items() if m in COMMAND_MODULES} == registered


def test_version_and_query_commands_import_no_heavy_modules():
    import subprocess
    import sys

    probe = ("import sys, contextlib, io\n"
             "from kg.cli.main import main\n"
             "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
             "    main(sys.argv[1:])\n"
             "print(sorted(m for m in ('rdflib', 'networkx', 'matplotlib', 'pyshacl') if m in sys.modules))\n")
    version = subprocess.run([sys.executable, "-c", probe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip().splitlines()[-1] == "[]"
    synth = subprocess.run([sys.executable, "-c", probe, "synth", "--help"], capture_output=True, text=True, check=True)
    assert synth.stdout.strip().splitlines()[-1] == "[]"
    help_ = subprocess.run([sys.executable, "-c", probe, "interactions", "--help"], capture_output=True, text=True,
                           check=True)
    assert "networkx" not in help_.stdout and "matplotlib" not in help_.stdout


def test_the_checker_on_the_store_runs_without_rdflib(out):
    """``kg interactions`` on a built folder (the Oxigraph store) loads no rdflib: a canned query
    binds its parameters as SPARQL text, so process start stays small. The answer is the one the
    source gives: "phenytoin (Dilantin)" is among the anticonvulsants glutamine interacts with, and
    "Dilantn" is kept as not found, with Dilantin suggested (through the index of every name)."""
    import json
    import subprocess
    import sys

    probe = ("import sys, contextlib, io, json\n"
             "from kg.cli.main import main\n"
             "buf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n"
             "    code = main(sys.argv[1:])\n"
             "print(json.dumps({'code': code, 'report': json.loads(buf.getvalue()),\n"
             "                  'heavy': sorted(m for m in ('rdflib', 'networkx', 'pyshacl', 'yaml') if m in sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", probe, "interactions", "DILANTIN", "Dilantn", "--graph", str(out),
                           "--format", "json"], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["code"] == 2  # a name was not found
    (found,) = result["report"]["results"]
    assert found["resolved"] == "phenytoin" and found["interactions"][0]["via"] == ["anticonvulsants"]
    assert result["report"]["unknown"] == [{"input": "Dilantn", "suggestions": ["Dilantin"]}]
