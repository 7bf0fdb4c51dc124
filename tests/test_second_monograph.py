"""Data is data: a second, made-up monograph (tests/fixtures/monographs/moonpetal.*) goes through
the same build with no code change, alone and beside the shipped glutamine monograph."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kg.graph.build import build, shipped_paths
from kg.cli.main import main

FIXTURE = Path(__file__).parent / "fixtures" / "monographs" / "moonpetal.yaml"
P = """PREFIX skg: <https://w3id.org/skg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def both():
    return build([*shipped_paths(), FIXTURE])


def q(graph, text):
    return [tuple(v.toPython() if v is not None else None for v in row) for row in graph.query(P + text)]


def test_builds_alone_and_validates(tmp_path, capsys):
    assert main(["build", "--monographs", str(FIXTURE), "--out", str(tmp_path)]) == 0
    assert "built 1 monograph(s): Moonpetal" in capsys.readouterr().out


def test_builds_beside_glutamine(both):
    assert {m.id for m in both.monographs} == {"glutamine", "moonpetal"}
    assert both.missing == [] and both.records_in == both.statements_out


def test_likely_effective_level(both):
    # "Likely Effective for: Dusk cramps. Taking moonpetal by mouth reduces the number of dusk cramps in adults."
    rows = q(both.graph, """SELECT ?level WHERE { ?e a skg:EffectivenessAssessment ;
        skg:aboutSubstance/rdfs:label "moonpetal" ; skg:condition/rdfs:label ?c ;
        skg:evidenceLevel/skos:notation ?level . FILTER(CONTAINS(LCASE(?c), "dusk cramps")) }""")
    assert rows == [("likely-effective",)]


def test_major_interaction_reaches_class_members(both):
    # "Major Interaction Do not take this combination: Glowmycins interact with MOONPETAL ...
    # Some glowmycins include sparkacillin (Sparkex) and flickermycin (Glimmerin)."
    rows = q(both.graph, """SELECT ?sev WHERE { ?d skg:brandName "Sparkex" ; skg:memberOf/skg:subClassOfClass* ?c .
        ?i a skg:Interaction ; skg:interactant ?c ; skg:severity/skos:notation ?sev ;
           skg:aboutSubstance/rdfs:label "moonpetal" . }""")
    assert rows == [("major",)]


def test_minor_interaction(both):
    # "Minor Interaction Be watchful with this combination: Yawnazol (Snoozaway) interacts with MOONPETAL"
    rows = q(both.graph, """SELECT ?sev WHERE { ?i a skg:Interaction ; skg:interactant/skg:brandName "Snoozaway" ;
        skg:severity/skos:notation ?sev . }""")
    assert rows == [("minor",)]


def test_age_banded_child_limits(both):
    # "Children aged 2 to 6 years should not be given more than 20 milligrams per kg of weight daily.
    # Children aged 7 to 12 years should not be given more than 1 gram daily."
    rows = q(both.graph, """SELECT ?min ?max ?amount ?unit ?perkg WHERE { ?l a skg:SafetyLimit ;
        skg:aboutSubstance/rdfs:label "moonpetal" ; skg:minAgeYears ?min ; skg:maxAgeYears ?max ;
        skg:maxAmount ?amount ; skg:unit/skos:notation ?unit ; skg:perKgBodyWeight ?perkg . } ORDER BY ?min""")
    assert rows == [(Decimal(2), Decimal(6), Decimal(20), "mg", True), (Decimal(7), Decimal(12), Decimal(1), "g", False)]


def test_glutamine_facts_unchanged_by_the_second_monograph(both):
    # Adding a monograph adds statements; it does not change another's: glutamine still has its
    # three moderate interactions ("Moderate Interaction Be cautious with this combination").
    rows = q(both.graph, """SELECT ?i WHERE { ?i a skg:Interaction ; skg:aboutSubstance/rdfs:label "L-glutamine" ;
        skg:severity/skos:notation "moderate" }""")
    assert len(rows) == 3


def test_conflicting_entity_between_files_is_reported(tmp_path):
    # Two files may share an entity id only when they agree on its type and label.
    text = FIXTURE.read_text(encoding="utf-8").replace("label: adults", "label: grown-ups", 1)
    assert "label: grown-ups" in text
    (tmp_path / "moonpetal.txt").write_text((FIXTURE.parent / "moonpetal.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "moonpetal.yaml").write_text(text, encoding="utf-8")
    from kg.errors import DataError

    with pytest.raises(DataError, match="entity 'adults'"):
        build([*shipped_paths(), tmp_path / "moonpetal.yaml"])
