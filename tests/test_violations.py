"""Each ``queries/*-violation.rq`` returns no rows on the shipped graph and rows on a graph broken
on purpose (so each check can fail)."""

from __future__ import annotations

import pytest
from rdflib import Literal

from kg.graph.build import build, shipped_paths
from kg.resources import queries_dir
from kg.graph.validate import validate, violation_queries
from kg.vocab import ID, SKG

LACTULOSE_INTERACTION = ID["statement/glutamine/int-lactulose"]


@pytest.fixture()
def graph():
    return build(shipped_paths()).graph


def test_shipped_graph_has_no_violations(graph):
    names, found = violation_queries(graph)
    assert len(names) == len(list(queries_dir().glob("*-violation.rq"))) >= 3
    assert found == []


def _broken(graph, name):
    if name == "statement-provenance-violation":
        graph.remove((LACTULOSE_INTERACTION, SKG.section, None))
    elif name == "class-member-violation":
        graph.add((ID["drug/made-up"], SKG.memberOf, ID["drug-class/not-there"]))
    elif name == "direct-edge-violation":
        subject = graph.value(LACTULOSE_INTERACTION, SKG.subjectEntity)
        obj = graph.value(LACTULOSE_INTERACTION, SKG.objectEntity)
        graph.remove((subject, SKG.interactsWith, obj))
    else:
        pytest.fail(f"no breaking case for new violation query {name}: add one here")
    return graph


@pytest.mark.parametrize("name", sorted(p.stem for p in queries_dir().glob("*-violation.rq")))
def test_violation_query_can_fail(graph, name):
    names, found = violation_queries(_broken(graph, name))
    assert {f.check for f in found} == {name}


def test_validate_reports_a_broken_quote_offset(graph):
    # Provenance: move one quote's start so the text there is no longer the quote.
    result = build(shipped_paths())
    from kg.vocab import OA

    sel = next(result.graph.subjects(OA.start, None))
    start = result.graph.value(sel, OA.start).toPython()
    result.graph.set((sel, OA.start, Literal(start + 1)))
    report = validate(result.graph, result.monographs, run_shacl=False)
    assert [f.check for f in report.findings] == ["provenance"]


def test_shacl_on_a_built_graph_reads_it_without_changing_it(graph):
    """The built graph holds the ontology, so pySHACL validates it in place (no copy of the whole
    graph): it must still find a violation, and leave every triple as it was. The label checked
    is the interaction record's "Lactulose interacts with GLUTAMINE" target, lactulose."""
    from rdflib import RDFS

    from kg.graph.validate import shacl

    lactulose = ID["drug/lactulose"]
    assert (lactulose, RDFS.label, Literal("lactulose")) in graph
    graph.add((lactulose, RDFS.label, Literal("a second label")))  # an entity has exactly one label
    before = set(graph)
    findings = shacl(graph)
    assert set(graph) == before
    assert any(f.focus == str(lactulose) and "exactly one rdfs:label" in f.message for f in findings), findings
