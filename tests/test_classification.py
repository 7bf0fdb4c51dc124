"""'... and others': class members the monograph does not list (issue 16, C).

The monograph names its classes by example: "Some medications used to prevent seizures include
phenobarbital, primidone (Mysoline), valproic acid (Depakene), gabapentin (Neurontin), carbamazepine
(Tegretol), phenytoin (Dilantin), and others." and "There is some concern that glutamine might
decrease the effectiveness of some medications for cancer. But it is too soon to know if this
interaction occurs." The reference classification (kg/data/class-members.tsv) supplies the others,
marked ``basis: "classification"``; the drugs the text names stay ``basis: "stated"``. Expected
members come from reading the table (its rows and their REVIEW notes), not from the graph.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import DCTERMS, Literal

from kg.answers.clinical import interactions
from kg.cli.main import main
from kg.curation import classification
from kg.errors import DataError
from kg.graph.build import DATASET, build, shipped_paths
from kg.resources import data_dir
from kg.sparql.query import open_engine
from kg.vocab import SKG

FIXTURES = Path(__file__).parent / "fixtures" / "monographs"
ANTICONVULSANT_CLASSES = {"MESH:D000927", "FDA-EPC:N0000175753", "CHEBI:35623"}


@pytest.fixture(scope="module")
def engine():
    return open_engine()


def _table_rows() -> list[dict]:
    with (data_dir() / "class-members.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _only(report: dict) -> tuple[dict, dict]:
    (result,) = report["results"]
    (found,) = result["interactions"]
    return result, found


def test_a_member_the_text_does_not_name_meets_the_class_interaction(engine):
    # Table: "anticonvulsant MESH:D000927 lamotrigine ... LAMICTAL" (no REVIEW note); text:
    # "Moderate Interaction Be cautious with this combination" ... "glutamine may decrease the
    # effectiveness of medications used to prevent seizures."
    result, i = _only(interactions(["lamotrigine"], "glutamine", engine=engine))
    assert (result["resolved"], i["interactant"], i["severity"], i["likelihood"]) == (
        "lamotrigine", "anticonvulsants", "moderate", "possible")
    assert i["basis"] == "classification"
    assert {s["id"] for s in i["classification_source"]} == ANTICONVULSANT_CLASSES
    assert all(s["class"] == "anticonvulsants" for s in i["classification_source"])
    assert "does not name lamotrigine" in i["basis_note"]
    assert "phenytoin (Dilantin), and others." in i["quote"]


def test_a_brand_from_the_table_resolves(engine):
    # Table: levetiracetam with brand names "Keppra|Keppra XR".
    result, i = _only(interactions(["keppra xr"], "glutamine", engine=engine))
    assert (result["resolved"], result["match_kind"], i["basis"]) == ("levetiracetam", "brand", "classification")


def test_a_cancer_drug_keeps_the_hedge(engine):
    # Table: "antineoplastic MESH:D000970 fluorouracil"; text: "There is some concern that glutamine
    # might decrease the effectiveness of some medications for cancer. But it is too soon to know if
    # this interaction occurs."
    _, i = _only(interactions(["fluorouracil"], "glutamine", engine=engine))
    assert (i["interactant"], i["likelihood"], i["basis"]) == ("chemotherapy", "uncertain", "classification")
    assert "some medications for cancer" in i["quote"] and "too soon to know" in i["quote"]
    assert {s["id"] for s in i["classification_source"]} == {"MESH:D000970", "CHEBI:35610"}


def test_drugs_the_text_names_stay_stated(engine):
    # "... carbamazepine (Tegretol), phenytoin (Dilantin), and others.": the table lists both too,
    # but the interaction is the monograph's own statement, reported once.
    for name in ("Dilantin", "carbamazepine"):
        _, i = _only(interactions([name], "glutamine", engine=engine))
        assert i["basis"] == "stated" and "classification_source" not in i


def test_review_rows_never_count(engine):
    # class-members.md: "Rows whose notes start with REVIEW: ... the build never uses them."
    rows = _table_rows()
    usable = {r["drug_label"] for r in rows if not r["notes"].startswith("REVIEW:")}
    review_only = sorted({r["drug_label"] for r in rows if r["notes"].startswith("REVIEW:")} - usable)
    assert {"alprazolam", "propofol", "dexrazoxane"} <= set(review_only)  # marked REVIEW: in the table
    report = interactions(review_only, "glutamine", engine=engine)
    # Only a drug the monograph itself names (nelfinavir: "people with HIV who are taking the drug
    # nelfinavir") resolves, and none meets an interaction through the classification.
    assert all(i["basis"] == "stated" for r in report["results"] for i in r["interactions"])
    assert {r["input"] for r in report["results"]} <= {"nelfinavir"}
    assert sorted(u["input"] for u in report["unknown"]) == sorted(set(review_only) - {"nelfinavir"})


def test_every_usable_member_is_checked(engine):
    # Every usable anticonvulsant row of the table meets the anticonvulsant interaction.
    usable = sorted({r["drug_label"] for r in _table_rows()
                     if r["class_source_id"] in ANTICONVULSANT_CLASSES and not r["notes"].startswith("REVIEW:")})
    report = interactions(usable, "glutamine", engine=engine)
    assert report["unknown"] == []
    for r in report["results"]:
        assert any(i["interactant"] == "anticonvulsants" for i in r["interactions"]), r["input"]


def test_salts_resolve_to_their_parent(engine):
    # The table has no salt rows (its README: "phenytoin sodium, divalproex: match them to the
    # parent ingredient"); the monograph's data names the salts of the drugs it names.
    for salt, parent in (("phenytoin sodium", "phenytoin"), ("Divalproex Sodium", "valproic acid")):
        result, i = _only(interactions([salt], "glutamine", engine=engine))
        assert (result["resolved"], result["match_kind"], i["basis"]) == (parent, "salt", "stated")
        assert result["note"].startswith(f"{salt.lower()} is a salt of {parent}")


def test_identifiers_resolve_and_shared_ones_do_not_merge_drugs(engine):
    # Table: phenytoin is RXNORM:8183; fosphenytoin's ids also list phenytoin's DRUGBANK:DB00252.
    result, _ = _only(interactions(["RXNORM:8183"], "glutamine", engine=engine))
    assert result["resolved"] == "phenytoin"
    result, _ = _only(interactions(["DRUGBANK:DB00252"], "glutamine", engine=engine))
    assert result["resolved"] == "phenytoin"
    result, i = _only(interactions(["fosphenytoin"], "glutamine", engine=engine))
    assert (result["resolved"], i["basis"]) == ("fosphenytoin", "classification")
    assert "DRUGBANK:DB00252" in classification.shipped().shared_ids()


def test_attribution_in_the_metadata():
    # class-members.md: CC BY 4.0, derived from DrugCentral; "record it ... in the dataset metadata".
    built = build(shipped_paths())
    md = built.metadata
    (source,) = [o for o in md.objects(DATASET, None) if str(o).endswith("source/reference-classification")]
    rights = str(md.value(source, DCTERMS.rights))
    assert "DrugCentral" in rights and "CC BY 4.0" in rights
    assert (source, SKG.licence, None) in md


def test_check_cli_says_the_monograph_did_not_name_it(capsys):
    # exit 1: an interaction at or above the default threshold (minor) was found
    assert main(["check", "--drug", "topiramate", "--supplement", "glutamine"]) == 1
    out = capsys.readouterr().out
    assert "basis classification" in out and "does not name topiramate" in out


def _fixture_copy(tmp_path: Path, replace: tuple[str, str]) -> Path:
    for f in FIXTURES.iterdir():
        shutil.copy(f, tmp_path / f.name)
    data = tmp_path / "moonpetal.yaml"
    text = data.read_text(encoding="utf-8")
    assert replace[0] in text
    data.write_text(text.replace(*replace), encoding="utf-8")
    return data


def test_a_second_monograph_declares_reference_classes_as_data(tmp_path):
    # The made-up class "glowmycins" declared to correspond to MeSH Antineoplastic Agents: the
    # table's fluorouracil then meets "Moonpetal might increase the side effects of glowmycins."
    data = _fixture_copy(tmp_path, ("    description: Invented drug class.\n",
                                    "    description: Invented drug class.\n"
                                    "    reference_classes: [\"MESH:D000970\"]\n"))
    built = build([data])
    report = interactions(["fluorouracil"], engine=open_engine(built.graph))
    _, i = _only(report)
    assert (i["interactant"], i["severity"], i["basis"]) == ("glowmycins", "major", "classification")
    # The shipped anticonvulsant classes were not declared here: their members are not in the graph.
    assert interactions(["lamotrigine"], engine=open_engine(built.graph))["results"] == []


def test_without_a_declaration_no_reference_drug_enters():
    built = build([FIXTURES / "moonpetal.yaml"])
    assert (None, SKG.inReferenceClass, None) not in built.graph
    assert (None, None, Literal(classification.shipped().title)) not in built.metadata


def test_an_unknown_reference_class_stops_the_build(tmp_path):
    data = _fixture_copy(tmp_path, ("    description: Invented drug class.\n",
                                    "    description: Invented drug class.\n"
                                    "    reference_classes: [\"MESH:D999999\"]\n"))
    with pytest.raises(DataError) as err:
        build([data])
    assert "unknown class 'MESH:D999999'" in str(err.value) and "glowmycins" in str(err.value)


def test_a_malformed_table_row_names_file_and_line(tmp_path):
    for name in ("class-members.tsv", "reference-classes.tsv", classification.DESCRIPTION_FILE):
        shutil.copy(data_dir() / name, tmp_path / name)
    path = tmp_path / "class-members.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("\t", " ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        classification.load(tmp_path)
    assert f"{path}:4" in str(err.value)


def test_explain_reaches_a_drug_known_only_from_the_table(capsys):
    # "Medications for cancer (Chemotherapy) interacts with GLUTAMINE": cisplatin is not named in
    # the monograph; kg explain shows the way through the reference classification, said as such,
    # and keeps "some medications for cancer" as a restriction.
    assert main(["explain", "glutamine", "cisplatin"]) == 0
    out = capsys.readouterr().out
    assert "interacts with (moderate; only some types)→ chemotherapy —corresponds to reference class→" in out
    assert "←in reference class— cisplatin" in out
    assert "reference classification, not the monograph's words" in out
