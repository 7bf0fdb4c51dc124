"""A timeout binds on every embedded engine whatever the query does, and an ad hoc query has a
memory bound (issue: "on rdflib a catastrophic REGEX runs past its timeout (still running at
60 s); on Oxigraph an ORDER BY over a 3-way cross product or a CONCAT doubling exhausts memory
and aborts the process ... Embedded queries have no memory bound at all").

An ad hoc query (``kg sparql``, ``kg query FILE.rq``, ``engine.select``) runs in a child process
killed at its deadline under ``RLIMIT_AS``; hitting either bound is one line and exit 2, and the
calling process goes on. The shipped canned queries run in the caller's process. Every API case
runs in its own Python process with a hard timeout of its own, so that a bound that does not
hold fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

ENV = {**os.environ, "PYTHONUTF8": "1"}

#: Backtracking without end: 40 a's and a "!" against a nested quantifier (2^40 ways to fail).
CATASTROPHIC = 'SELECT ?m WHERE { BIND(REGEX("' + "a" * 40 + '!", "^(a+)+$") AS ?m) }'
#: Counting the triples of the graph cubed (about 3e11 rows): no memory, just time.
CUBE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
#: What never ends on each engine: rdflib's regex runs in ``re``'s C loop (no deadline check is
#: reached), Oxigraph's regex engine is linear, but its evaluation never returns to Python either.
SLOW = {"rdflib": CATASTROPHIC, "oxigraph": CUBE}
#: Every subject with every subject with every subject, sorted: all of it is held at once.
CROSS_PRODUCT = ("SELECT ?a ?b ?c WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } "
                 "ORDER BY ?a ?b ?c ?x ?y ?z")


def _doubling(levels: int) -> str:
    """A string that doubles at each BIND: 2^levels characters from one."""
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(levels))
    return f'SELECT (STRLEN(?v{levels}) AS ?n) WHERE {{ BIND("xx" AS ?v0) {binds} }}'


def _kg(*argv: str, timeout: float = 90) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "kg", *argv], capture_output=True, text=True, timeout=timeout,
                          check=False, env=ENV)
    return done, time.monotonic() - start


def _one_line(done: subprocess.CompletedProcess) -> str:
    err = done.stderr.strip()
    assert done.returncode == 2, (done.returncode, err[-2000:])
    assert len(err.splitlines()) == 1, err[-2000:]
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
def test_a_query_that_never_returns_to_python_stops_at_its_timeout(backend):
    done, elapsed = _kg("sparql", "--backend", backend, "--timeout", "3", SLOW[backend])
    err = _one_line(done)
    assert "timed out after 3 s" in err
    assert elapsed < 3 + 20, elapsed  # start-up and the graph load are outside the 3 s; hours are not


def test_a_sort_over_a_cross_product_stops_at_its_memory_bound():
    done, elapsed = _kg("sparql", "--backend", "oxigraph", "--memory-mb", "300", "--timeout", "120",
                        CROSS_PRODUCT)
    err = _one_line(done)
    assert "memory bound of 300 MiB" in err and "--memory-mb" in err


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
def test_a_concat_doubling_stops_at_its_memory_bound(backend):
    done, _ = _kg("sparql", "--backend", backend, "--memory-mb", "200", "--timeout", "120", _doubling(34))
    err = _one_line(done)
    assert "memory bound of 200 MiB" in err


def test_a_query_file_of_the_users_runs_contained(tmp_path):
    path = tmp_path / "slow.rq"
    path.write_text("# title: slow\n" + CATASTROPHIC + "\n", encoding="utf-8")
    done, elapsed = _kg("query", str(path), "--backend", "rdflib", "--timeout", "3")
    assert "timed out after 3 s" in _one_line(done)
    assert elapsed < 3 + 20, elapsed


@pytest.mark.parametrize("value", ["0", "15", "-5", "lots", str(2**31)])
def test_a_bad_memory_bound_is_a_usage_error(value):
    """As every option of a wrong type: argparse's usage, then one line naming the option."""
    done, _ = _kg("sparql", "--memory-mb", value, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("kg sparql: error: argument --memory-mb: ")


def test_a_small_query_answers_under_the_bounds():
    """'Valid values: Major, Moderate, Minor' (the severity scale): a query within both bounds answers."""
    done, _ = _kg("sparql", "--format", "tsv", "--memory-mb", "64",
                  'SELECT ?code WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?code '
                  'FILTER(?code = "moderate") }')
    assert done.returncode == 0, done.stderr
    assert "moderate" in done.stdout


def _python(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=timeout, check=False, env=ENV)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
def test_the_api_raises_and_the_caller_goes_on(backend):
    """engine.select: QueryTimeout at the deadline and QueryResourceError at the memory bound; the
    same engine then answers, and no child process is left behind."""
    done = _python(f"""
        import os, time
        from kg.sparql.guards import QueryTimeout
        from kg.sparql.query import open_engine
        from kg.sparql.sandbox import QueryResourceError

        engine = open_engine(backend={backend!r})
        start = time.monotonic()
        try:
            engine.select({SLOW[backend]!r}, timeout=2)
        except QueryTimeout as exc:
            print("timeout", round(time.monotonic() - start), exc)
        try:
            engine.select({_doubling(34)!r}, timeout=60, memory_mb=200)
        except QueryResourceError as exc:
            print("memory", exc)
        rows = engine.select('SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}', timeout=30)
        print("rows", int(rows.rows[0]["n"]) > 1000)
        try:
            os.waitpid(-1, os.WNOHANG)
            print("children left")
        except ChildProcessError:
            print("no children")
    """)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("timeout ") and int(lines[0].split()[1]) < 2 + 5, lines
    assert lines[1].startswith("memory ") and "memory bound of 200 MiB" in lines[1], lines
    assert lines[2:] == ["rows True", "no children"], lines


def test_shipped_queries_run_in_the_callers_process_and_ad_hoc_ones_do_not(monkeypatch, tmp_path):
    """The shipped queries are the project's own text: no fork per question. Everything else is."""
    from kg.sparql import sandbox
    from kg.sparql.canned import load_query, load_query_file, run_query
    from kg.sparql.query import open_engine

    calls = []
    real = sandbox.run_in_child

    def spy(work, **kwargs):
        calls.append(kwargs["what"])
        return real(work, **kwargs)

    monkeypatch.setattr(sandbox, "run_in_child", spy)
    engine = open_engine(backend="rdflib")
    # 'Valid values: Major, Moderate, Minor' (severity scale), highest first
    assert [r["code"] for r in run_query(engine, "scale-concepts", {"scheme": "severity"})] == \
        ["major", "moderate", "minor"]
    assert calls == []
    engine.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert len(calls) == 1
    path = tmp_path / "scale-concepts.rq"
    path.write_text(load_query("scale-concepts").path.read_text(encoding="utf-8"), encoding="utf-8")
    run_query(engine, load_query_file(path), {"scheme": "severity"})
    assert len(calls) == 2  # the same text from a file of the user's is ad hoc


def test_a_bad_memory_bound_in_the_api_is_a_usage_error():
    from kg.errors import UsageError
    from kg.sparql.query import open_engine

    engine = open_engine(backend="rdflib")
    for bad in (0, -1, 1.5, True, "64"):
        with pytest.raises(UsageError, match="memory bound"):
            engine.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1", memory_mb=bad)
