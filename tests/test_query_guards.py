"""Queries are read-only and bounded: updates refused, no web or file access, a timeout, a row
limit, and refusal of text that is too large or nested too deeply, before any parsing."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.cli.main import main
from kg.errors import QueryError
from kg.sparql.engine import _Cancelled, _WatchedGraph, Deadline, Engine, RdflibEngine
from kg.sparql.guards import check_query, MAX_DEPTH, MAX_QUERY_BYTES, nesting_depth, QueryRefused, QueryTimeout
from kg.sparql.query import open_engine

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine():
    return open_engine()


@pytest.fixture()
def small():
    g = Graph()
    for i in range(30):
        g.add((URIRef(f"urn:x:s{i}"), URIRef("urn:x:p"), Literal(i)))
    return g


def test_rdflib_engine_is_an_engine(engine):
    assert isinstance(engine, Engine)


# --- read-only ----------------------------------------------------------------------------------

UPDATES = {
    "INSERT DATA": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "DELETE DATA": "DELETE DATA { <urn:x:s1> <urn:x:p> 1 }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "DELETE { ?s ?p ?o } INSERT { ?s ?p 0 } WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP DEFAULT",
    "CREATE": "CREATE GRAPH <urn:x:g>",
    "ADD": "ADD DEFAULT TO <urn:x:g>",
    "MOVE": "MOVE DEFAULT TO <urn:x:g>",
    "COPY": "COPY DEFAULT TO <urn:x:g>",
    "two operations": "PREFIX x: <urn:x:> INSERT DATA { x:a x:b x:c } ; DROP ALL",
}


@pytest.mark.parametrize("name", UPDATES)
def test_updates_are_refused_and_change_nothing(small, name):
    before = set(small)
    with pytest.raises(QueryRefused, match="read-only") as err:
        RdflibEngine(small).select(UPDATES[name])
    assert name.split()[0] in str(err.value) or name == "two operations"
    assert set(small) == before


def test_update_refused_on_the_command_line(capsys):
    assert main(["sparql", "DELETE WHERE { ?s ?p ?o }"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only" in err


def test_syntax_errors_and_empty_text_are_not_taken_for_updates(small):
    for text in ("SELECT WHERE", "PREFIX x: <urn:x:>", "# nothing but a comment", "", "   "):
        with pytest.raises(QueryError) as err:
            RdflibEngine(small).select(text)
        assert "read-only" not in str(err.value)


# --- no web or file access ------------------------------------------------------------------------


def remote_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE SILENT <{url}> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {{ ?a ?p ?o }} }} }}",
        f"SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE \\u007B SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <http://127.0.0.1:{port}/graph.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <http://127.0.0.1:{port}/graph.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <http://127.0.0.1:{port}/g> WHERE {{ ?s ?p ?o }}",
    ]


def test_service_and_from_refused_with_zero_connections(small, listener):
    for text in remote_queries(listener.port):
        with pytest.raises(QueryRefused, match="--allow-remote") as err:
            RdflibEngine(small).select(text, timeout=10)
        assert "SERVICE" in str(err.value) or "FROM" in str(err.value)
    assert listener.connections == 0


def test_refused_on_the_command_line_with_zero_connections(listener, capsys):
    for text in remote_queries(listener.port)[:2]:
        assert main(["sparql", text, "--timeout", "10"]) == 2
    assert listener.connections == 0
    assert "refused" in capsys.readouterr().err


def test_listener_does_see_rdflib_when_remote_access_is_allowed(small, listener):
    # The control: with the explicit flag, rdflib really calls the endpoint, so the zero above
    # means the guard stopped it.
    url = f"http://127.0.0.1:{listener.port}/sparql"
    with pytest.raises(QueryError):
        RdflibEngine(small).select(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", timeout=20,
                                   allow_remote=True)
    assert listener.connections >= 1


FILE_PROBE = r"""
import json, sys
secret = sys.argv[1]
opened, connects = [], []

def hook(event, args):
    if event == "open" and args and str(args[0]).endswith("secret.ttl"):
        opened.append(str(args[0]))
    if event == "socket.connect":
        connects.append(str(args))

sys.addaudithook(hook)
from rdflib import Dataset, Graph
from kg.sparql.engine import RdflibEngine
from kg.sparql.guards import QueryRefused

iri = "file://" + secret
queries = [
    "SELECT * FROM <%s> WHERE { ?s ?p ?o }" % iri,
    "SELECT * FROM NAMED <%s> WHERE { GRAPH ?g { ?s ?p ?o } }" % iri,
    "SELECT * WHERE { SERVICE <%s> { ?s ?p ?o } }" % iri,
    "SELECT * WHERE { SERVICE SILENT <%s> { ?s ?p ?o } }" % iri,
]
refused = 0
for text in queries:
    for graph in (Graph(), Dataset()):
        try:
            RdflibEngine(graph).select(text, timeout=20)
        except QueryRefused:
            refused += 1
guarded = len(opened)
# The control: rdflib on its own reads the file for FROM <file:...> on a dataset.
rows = list(Dataset().query(queries[0]))
print(json.dumps({"refused": refused, "guarded_reads": guarded, "control_reads": len(opened) - guarded,
                  "control_rows": len(rows), "connects": len(connects)}))
"""


def test_from_file_refused_with_zero_file_reads(tmp_path):
    secret = tmp_path / "secret.ttl"
    secret.write_text("<urn:x:secret> <urn:x:is> 'the secret' .\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", FILE_PROBE, str(secret)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["refused"] == 8
    assert result["guarded_reads"] == 0
    assert result["connects"] == 0
    assert result["control_reads"] >= 1 and result["control_rows"] == 1


# --- timeout and row limit ----------------------------------------------------------------------


def test_a_slow_cross_product_times_out(engine):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryTimeout, match="timed out after 1 s"):
        engine.select(slow, timeout=1)


def test_timeout_on_the_command_line(capsys):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    assert main(["sparql", slow, "--timeout", "1"]) == 2
    assert "timed out" in capsys.readouterr().err


def test_an_abandoned_query_stops_at_its_next_read():
    # What a timed-out query's worker sees: reads already under way and new reads both stop.
    big = Graph()
    for i in range(1000):
        big.add((URIRef(f"urn:x:s{i}"), URIRef("urn:x:p"), Literal(i)))
    deadline = Deadline(3600)
    watched = _WatchedGraph(big, deadline)
    reads = watched.triples((None, None, None))
    next(reads)
    deadline.cancel()
    with pytest.raises(_Cancelled):
        for _ in range(1000):
            next(reads)
    with pytest.raises(_Cancelled):
        next(watched.triples((None, URIRef("urn:x:p"), None)))


def test_row_limit_truncates_and_says_so(small):
    rows = RdflibEngine(small).select("SELECT ?s WHERE { ?s ?p ?o }", limit=7)
    assert len(rows) == 7 and rows.truncated
    rows = RdflibEngine(small).select("SELECT ?s WHERE { ?s ?p ?o }", limit=30)
    assert len(rows) == 30 and not rows.truncated


def test_row_limit_on_the_command_line(capsys):
    assert main(["sparql", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "--limit", "3", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 3
    assert "first 3 rows" in err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_bad_timeouts_are_usage_errors(value, capsys):
    assert main(["sparql", "ASK { ?s ?p ?o }", "--timeout", value]) == 2


def test_bad_limit_is_a_usage_error():
    assert main(["sparql", "ASK { ?s ?p ?o }", "--limit", "0"]) == 2


# --- size and nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize("opener,closer", [("{", "}"), ("(", ")"), ("[", "]")])
def test_five_thousand_nested_brackets_are_refused_cleanly(small, opener, closer):
    if opener == "{":
        text = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    elif opener == "(":
        text = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    else:
        text = "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "1" + " ]" * 5000 + " }"
    with pytest.raises(QueryRefused, match="nested too deeply: 50[0-9][0-9] levels"):
        RdflibEngine(small).select(text)


def test_unbalanced_and_escaped_nesting_is_counted(small):
    with pytest.raises(QueryRefused, match="nested too deeply"):
        RdflibEngine(small).select("SELECT * WHERE " + "{" * 5000)
    with pytest.raises(QueryRefused, match="nested too deeply"):
        RdflibEngine(small).select("SELECT * WHERE " + "\\u007B" * 5000 + " ?s ?p ?o " + "\\u007D" * 5000)


def test_nesting_under_the_limit_but_too_deep_for_the_parser_is_a_clean_error(small):
    text = "SELECT * WHERE " + "{" * 90 + " ?s ?p ?o " + "}" * 90
    assert nesting_depth(text) == 90 <= MAX_DEPTH
    with pytest.raises(QueryError):
        RdflibEngine(small).select(text)


def test_brackets_in_strings_and_comments_do_not_count(small):
    text = ('SELECT ?s WHERE { ?s ?p ?o FILTER(?o != "' + "{(" * 3000 + '") # ' + "{" * 3000 + "\n"
            " FILTER(?p != <urn:x:a/b#c>) }")
    assert nesting_depth(text) == 2
    assert len(RdflibEngine(small).select(text)) == 30


def test_brackets_in_an_iri_that_could_be_code_count():
    """``<urn:x:((([[[>`` is an IRI to one reading; ``<`` and ``>`` are also operators, and a parser
    that reads them so sees the brackets: the limits count them (an upper bound for both)."""
    assert nesting_depth("SELECT ?s WHERE { FILTER(?p != <urn:x:((([[[>) }") == 8


def test_deep_nesting_on_the_command_line(capsys):
    assert main(["sparql", "SELECT * WHERE " + "{" * 5000]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "Traceback" not in err and err.count("\n") == 1


def test_query_text_over_the_size_limit_is_refused(small):
    text = "SELECT * WHERE { ?s ?p ?o }" + " " * MAX_QUERY_BYTES
    with pytest.raises(QueryRefused, match="bytes; the limit is 1,000,000"):
        RdflibEngine(small).select(text)


def test_check_query_reports_the_form():
    assert check_query("ASK { ?s ?p ?o }").form == "ASK"
    assert check_query("SELECT ?b ?a WHERE { ?a ?p ?b }").variables == ("b", "a")
    assert check_query("SELECT * WHERE { ?z ?y ?x }").variables == ("z", "y", "x")


# Parameters written as text (the Oxigraph engine's path, no rdflib terms) and as rdflib terms
# (the rdflib engine's path) must be the very same terms, for every type and hostile value.
TEXT_VALUES = {
    "string": ["", "Dilantin", 'say "hi"\n', "\\u0022", "a\r\nb\t\x00", "\u202enitnaliD", "x" * 5000,
               "}} UNION {{ ?s ?p ?o }}", "' OR '1'='1"],
    "name": ["", " DILANTIN ", "Moon   PETAL", "\u212b", 'x"} ; DELETE WHERE { ?s ?p ?o }'],
    "code": ["possibly-effective", "oral"],
    "integer": ["0", "+7", "-12", 3, " 42 "],
    "decimal": ["0.7", "-0", ".5", "21", 0.1, 3],
    "iri": ["https://w3id.org/skg/id/drug/phenytoin", "skgid:drug/phenytoin", "<urn:x:a>", "skg:RouteOral"],
}


@pytest.mark.parametrize("ptype", sorted(TEXT_VALUES))
def test_parameter_text_is_the_term_written_out(ptype):
    from kg.sparql.canned import Parameter
    from kg.sparql.terms import term_text

    p = Parameter("x", ptype, None, "")
    for value in TEXT_VALUES[ptype]:
        assert p.text(value) == term_text(p.term(value)), value
        assert p.text(p.term(value)) == term_text(p.term(value)), value


@pytest.mark.parametrize("ptype,value", [("integer", "1.5"), ("decimal", "1e3"), ("iri", "not an iri"),
                                         ("iri", "urn:x:a>"), ("string", 3), ("decimal", float("nan"))])
def test_parameter_text_refuses_what_term_refuses(ptype, value):
    from kg.errors import UsageError
    from kg.sparql.canned import Parameter

    p = Parameter("x", ptype, None, "")
    with pytest.raises(UsageError):
        p.term(value)
    with pytest.raises(UsageError):
        p.text(value)


def test_the_guards_give_the_same_verdicts_from_many_threads_at_once():
    # kg serve checks queries in worker threads; rdflib's grammar is shared state, and two parses
    # at once made each other fail (TypeError inside pyparsing: HTTP 500) before check_query took a lock
    from kg.sparql.canned import list_queries

    texts = [q.text for q in list_queries()][:12]
    failures: list[BaseException] = []

    def work() -> None:
        for _ in range(5):
            for text in texts:
                try:
                    check_query(text)
                except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
                    failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
