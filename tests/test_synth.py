"""``kg synth``: synthetic monographs of the glutamine shape that go through the normal build.

Small sizes only (two or three monographs); the large sets are the benchmark's business.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import RDF, RDFS, Literal

from kg.graph.build import build, statement_iri
from kg.cli.main import main
from kg.curation.synth import COUNTS, LEVELS, World, dumps, monograph, write
from kg.graph.validate import validate
from kg.vocab import SKG


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    write(3, folder, seed=1)
    return folder


@pytest.fixture(scope="module")
def built(synth_dir):
    return build([synth_dir])


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_writes_a_data_file_and_a_source_text_per_monograph(synth_dir):
    names = sorted(p.name for p in synth_dir.iterdir())
    assert len(names) == 6
    assert len([n for n in names if n.endswith(".yaml")]) == 3
    assert len([n for n in names if n.endswith(".txt")]) == 3


def test_output_is_deterministic(synth_dir, tmp_path):
    write(3, tmp_path / "again", seed=1)
    assert _files(tmp_path / "again") == _files(synth_dir)


def test_a_smaller_run_is_a_prefix_of_a_larger_one(synth_dir, tmp_path):
    write(2, tmp_path / "two", seed=1)
    two = _files(tmp_path / "two")
    three = _files(synth_dir)
    assert all(three[name] == data for name, data in two.items())


def test_another_seed_gives_other_names(tmp_path):
    write(1, tmp_path / "a", seed=1)
    write(1, tmp_path / "b", seed=2)
    assert set(_files(tmp_path / "a")) != set(_files(tmp_path / "b"))


def test_record_counts_copy_the_glutamine_monograph(built):
    # glutamine.yaml: 17 effectiveness, 35 findings, 27 claimed uses, 3 interactions, 7 precautions,
    # 3 safety limits, 2 dosing regimens, 39 mechanisms, 10 physiology, 3 studies.
    expected = {"effectiveness": 17, "findings": 35, "claimed_uses": 27, "interactions": 3, "precautions": 7,
                "safety_limits": 3, "dosing": 2, "mechanisms": 39, "physiology": 10, "studies": 3}
    for m in built.monographs:
        assert Counter(r.kind for r in m.records) == expected, m.id
        types = Counter(e.type for e in m.entities)
        assert types["Condition"] == COUNTS["conditions"]
        assert types["Population"] == COUNTS["populations"]
        assert types["Drug"] >= 9 and types["DrugClass"] >= 3


def test_every_evidence_level_appears_in_every_monograph(built):
    for m in built.monographs:
        levels = {str(r.fields["level"]) for r in m.records if r.kind == "effectiveness"}
        assert len(levels) == len(LEVELS), m.id


def test_interactions_go_through_drug_classes_with_members_and_brands(synth_dir):
    data, _text = monograph(World(1), 0)
    entities = {e["id"]: e for e in data["entities"]}
    targets = [i["interactant"] for i in data["interactions"]]
    classes = [t for t in targets if entities[t]["type"] == "DrugClass"]
    assert len(classes) == 2 and entities[targets[2]]["type"] == "Drug"
    for cls in classes:
        members = [e for e in data["entities"] if cls in e.get("member_of", [])]
        assert members, cls
        assert entities[cls]["member_of"], "every interaction class has a broader class"
    assert any(e.get("brands") for e in data["entities"] if e["type"] == "Drug")


def test_every_quote_is_in_the_generated_text(built):
    # load_monograph raises QuoteNotFound otherwise; each quote is text of its own source
    for m in built.monographs:
        assert all(m.text.raw[q.start:q.end] == q.text for r in m.records for q in r.quotes)


def test_builds_through_the_normal_build_and_passes_the_checks(built):
    assert not built.missing
    assert built.records_in == built.statements_out == 3 * 146
    report = validate(built.graph, built.monographs, run_shacl=False)  # provenance + violation queries
    assert report.conforms, report.text()


def test_one_synthetic_monograph_conforms_to_the_shapes(synth_dir):
    # SHACL is slow (seconds per monograph): one file here; the benchmark validates the large sets.
    one = build([sorted(synth_dir.glob("*.yaml"))[0]])
    report = validate(one.graph, one.monographs)
    assert report.conforms, report.text()


def test_shared_entities_are_identical_in_every_file(synth_dir, built):
    # The first two populations are in every monograph; an entity described differently in two
    # files would get two labels (and the build refuses a different type or label).
    g = built.graph
    adults = World(1).populations[0]
    from kg.graph.build import entity_iri

    iri = entity_iri("Population", adults.id)
    assert list(g.objects(iri, RDFS.label)) == [Literal(adults.label)]
    assert len(list(g.objects(iri, SKG.minAgeYears))) == 1
    for m in built.monographs:
        assert adults.id in {e.id for e in m.entities}


def test_statement_iris_are_per_monograph(built):
    mono = built.monographs[0]
    assert (statement_iri(mono.id, mono.records[0].id), RDF.type, None) in built.graph


def test_yaml_has_no_aliases():
    data, _text = monograph(World(1), 0)
    assert "&id" not in dumps(data) and "*id" not in dumps(data)


def test_cli_writes_the_files(tmp_path, capsys):
    assert main(["synth", "--monographs", "2", "-o", str(tmp_path / "out"), "--seed", "3"]) == 0
    assert len(list((tmp_path / "out").glob("*.yaml"))) == 2
    assert "wrote 2 monograph(s)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["synth", "--monographs", "0", "-o", "x"], ["synth", "-o", "x"],
                                  ["synth", "--monographs", "two", "-o", "x"]])
def test_cli_refuses_bad_counts(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["synth", "--monographs", "1", "-o", str(target)]) == 2
