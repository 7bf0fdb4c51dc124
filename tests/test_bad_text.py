"""Text that is not text is bad input where it comes in (issue: "non-UTF-8 bytes in a
command-line argument give a 30-60 line traceback; a lone surrogate in a value raises
UnicodeEncodeError from kg.answers.clinical.* and kg.sparql.query.run_query").

On the command line, bytes that are not UTF-8 (Python keeps them as lone surrogates) are one line
on stderr naming the argument, exit 2. In the Python API, a str holding a lone surrogate is a
:class:`kg.errors.UsageError` naming the value, on every engine, before any engine sees it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import networkx as nx
import pytest
from rdflib import Literal, URIRef

from kg.answers import clinical
from kg.errors import UsageError
from kg.sparql.canned import load_query, run_query
from kg.sparql.query import open_engine
from kg.sparql.remote import EndpointEngine
from kg.answers.resolve import NameIndex

ENV = {**os.environ, "PYTHONUTF8": "1", "LC_ALL": "C.UTF-8"}


def _kg_bytes(*argv: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable.encode(), b"-m", b"kg", *argv], capture_output=True, timeout=120,
                          check=False, env=ENV)


@pytest.mark.parametrize("argv, named", [
    ((b"interactions", b"\xff"), "NAME"),
    ((b"interactions", b"warfarin", b"--supplement", b"glu\xfftamine"), "--supplement"),
    ((b"query", b"drug-interactions", b"--param", b"drug=war\xe9farin"), "--param"),
    ((b"sparql", b'SELECT * { ?s ?p "\xff" }'), "QUERY"),
    ((b"evidence", b"--supplement", b"\xfe"), "--supplement"),
    ((b"path", b"\xc3(", b"glutamine"), "FROM"),
    ((b"explain", b"glutamine", b"\xed\xa0\x80"), None),  # a UTF-8-encoded surrogate is not UTF-8 either
])
def test_an_argument_that_is_not_utf8_is_one_line_naming_it(argv, named):
    done = _kg_bytes(*argv)
    err = done.stderr.decode("utf-8")  # the message itself is UTF-8: the bad bytes are shown escaped
    assert done.returncode == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "is not UTF-8 text" in err
    assert err.startswith(f"kg {argv[0].decode()}: error: argument ")
    if named is not None:
        assert f"argument {named} " in err
    assert done.stdout == b""


def test_the_bad_bytes_are_shown_as_the_shell_writes_them():
    """``$'\\xff'`` on the command line is shown as ``\\xff``, so the user sees which byte."""
    err = _kg_bytes(b"interactions", b"ab\xffcd").stderr.decode()
    assert "'ab\\xffcd'" in err


SURROGATES = ["\ud800", "war\udcfffarin", "x\udfff"]


@pytest.mark.parametrize("value", SURROGATES)
@pytest.mark.parametrize("call", [
    lambda v: clinical.interactions([v]),
    lambda v: clinical.interactions(["warfarin"], supplement=v),
    lambda v: clinical.evidence(v),
    lambda v: clinical.evidence(supplement=v),
    lambda v: clinical.precautions(v),
    lambda v: clinical.precautions(min_strength=v),
    lambda v: clinical.dose(v, "oral", 30),
    lambda v: clinical.dose("glutamine", v, 30),
    lambda v: clinical.scale("severity") and clinical.interactions([v], engine=open_engine(backend="oxigraph")),
], ids=["interactions", "interactions-supplement", "evidence-level", "evidence-supplement",
        "precautions", "precautions-strength", "dose-supplement", "dose-route", "interactions-oxigraph"])
def test_a_lone_surrogate_in_a_clinical_question_is_a_usage_error(call, value):
    with pytest.raises(UsageError, match="lone surrogate|not UTF-8"):
        call(value)


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("value", SURROGATES)
def test_a_lone_surrogate_in_a_canned_query_parameter_is_a_usage_error(backend, value):
    engine = open_engine(backend=backend)
    with pytest.raises(UsageError, match="parameter 'drug'"):
        run_query(engine, "drug-interactions", {"drug": value})


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
def test_a_lone_surrogate_in_query_text_or_a_bound_term_is_a_usage_error(backend):
    engine = open_engine(backend=backend)
    with pytest.raises(UsageError, match="query text"):
        engine.select('SELECT * WHERE { ?s ?p "\ud800" }')
    with pytest.raises(UsageError, match="parameter 'o'"):
        engine.select("SELECT * WHERE { ?s ?p ?o }", {"o": Literal("a\udcff")})
    with pytest.raises(UsageError, match="parameter 'o'"):
        engine.select("SELECT * WHERE { ?s ?p ?o }", {"o": URIRef("urn:x:\udcff")})


def test_a_lone_surrogate_is_refused_before_an_endpoint_is_called(listener):
    engine = EndpointEngine(f"http://127.0.0.1:{listener.port}/sparql")
    with pytest.raises(UsageError, match="query text"):
        engine.select('SELECT * WHERE { ?s ?p "\ud800" }')
    with pytest.raises(UsageError, match="parameter 'drug'"):
        run_query(engine, "drug-interactions", {"drug": "\udcff"})
    assert listener.connections == 0


def test_a_canned_query_refuses_a_surrogate_in_an_rdflib_term():
    canned = load_query("drug-interactions")
    with pytest.raises(UsageError, match="parameter 'drug'"):
        canned.bindings({"drug": Literal("\ud800")})
    with pytest.raises(UsageError, match="parameter 'drug'"):
        canned.value_texts({"drug": "\ud800"})


def test_name_lookup_and_path_ends_refuse_a_surrogate():
    with pytest.raises(UsageError, match="a name"):
        NameIndex([]).lookup("\ud800")
    from kg.answers import paths

    G = nx.MultiDiGraph()
    G.add_edge("a", "b")
    with pytest.raises(UsageError, match="the target"):
        paths.find_paths(G, "a", "b\ud800")
    with pytest.raises(UsageError, match="the node"):
        paths.neighbours(G, "\udcff")


def test_good_text_is_still_answered():
    """The check is not a refusal of non-ASCII text: "Dilantin" with an accent is a name to look
    up (it is unknown, with suggestions), and the ASCII name finds phenytoin."""
    report = clinical.interactions(["Dilantín", "Dilantin"])
    assert [u["input"] for u in report["unknown"]] == ["Dilantín"]
    assert any(r["input"] == "Dilantin" for r in report["results"])
    assert URIRef  # the rdflib terms above are real terms, not strings
