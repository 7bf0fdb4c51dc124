"""``kg ingest``: a monograph text in the clinical layout -> a draft data file.

The glutamine draft is compared with the hand-curated ``kg/monographs/glutamine.yaml`` (the
reviewed truth) record by record. Draft ids differ from curated ids, so each test names a sentence
of the source text and both files' records are found by the quote offsets that cover it.

``tests/fixtures/ingest/sunroot.txt`` is an invented herb in the same layout with the sections the
glutamine text lacks; it is ingested, built, validated and queried with no code change.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from rdflib import RDFS

from kg import schema
from kg.graph.build import build
from kg.cli.main import main
from kg.curation.layout import MAX_TEXT_BYTES
from kg.curation.provenance import SourceText
from kg.curation.records import Monograph, Record, load_monograph
from kg.vocab import SKG

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "kg" / "monographs" / "glutamine-monograph.txt"
CURATED = ROOT / "kg" / "monographs" / "glutamine.yaml"
SUNROOT = ROOT / "tests" / "fixtures" / "ingest" / "sunroot.txt"


@pytest.fixture(scope="module")
def glutamine(tmp_path_factory) -> tuple[Path, Path]:
    """The draft of the glutamine text and its report file."""
    folder = tmp_path_factory.mktemp("glutamine")
    out, report = folder / "glutamine-draft.yaml", folder / "report.txt"
    assert main(["ingest", str(TEXT), "--name", "L-glutamine", "-o", str(out), "--report", str(report)]) == 0
    return out, report


@pytest.fixture(scope="module")
def draft(glutamine) -> Monograph:
    return load_monograph(glutamine[0])


@pytest.fixture(scope="module")
def curated() -> Monograph:
    return load_monograph(CURATED)


def record_for(m: Monograph, kind: str, sentence: str) -> Record:
    """The one ``kind`` record of ``m`` whose quote covers ``sentence`` of the source text."""
    spans = m.text.find_all(sentence)
    assert len(spans) == 1, f"the sentence occurs {len(spans)} times in the source: {sentence!r}"
    start, end = spans[0]
    hits = [r for r in m.records if r.kind == kind and any(q.start <= start and end <= q.end for q in r.quotes)]
    assert len(hits) == 1, f"{m.path.name}: {len(hits)} {kind} records quote {sentence!r}: {[r.id for r in hits]}"
    return hits[0]


def codes(value) -> set[str]:
    return {c.code for c in (value if isinstance(value, list) else [value])} if value else set()


def code(value) -> str | None:
    return value.code if value is not None else None


# --------------------------------------------------------------------------------------------
# Glutamine: the draft agrees with the curated file

EFFECTIVENESS_SENTENCES = [
    "Burns. Administering glutamine through a feeding tube or intravenously (by IV) seems to reduce infections, "
    "shorten hospital stays, and improve wound healing in people with burns.",
    "Critical illness (trauma). There is some evidence that glutamine keeps bacteria from moving out of the "
    "intestine and infecting other parts of the body after major injuries.",
    "Treating weight loss and intestinal problems in people with HIV/AIDs disease. Taking glutamine by mouth "
    "seems to help HIV/AIDS patients absorb food better and gain weight.",
    "Soreness and swelling inside the mouth, caused by chemotherapy treatments. Some evidence suggests that "
    "glutamine reduces soreness and swelling inside the mouth caused by chemotherapy.",
    "Surgery. Giving glutamine intravenously (by IV) along with intravenous nutrition seems to improve immune "
    "function and reduce complications related to infections after major surgery.",
    "Athletic performance. Taking glutamine by mouth does not seem to improve athletic performance.",
    "Crohn's disease. Taking glutamine by mouth does not seem to improve symptoms of Crohn's disease.",
    "Inherited disease that causes stones in the kidneys or bladder (Cystinuria). Taking glutamine by mouth does "
    "not seem to improve an inherited condition that causes stones to form in the kidneys or bladder.",
    "Muscular dystrophy. Research shows that taking glutamine by mouth does not improve muscle strength in "
    "children with muscular dystrophy.",
    "Diarrhea caused by drugs used to treat HIV. Early research shows that taking glutamine by mouth reduces the "
    "severity of diarrhea in people with HIV who are taking the drug nelfinavir.",
    "Diarrhea caused by chemotherapy treatments. There is some evidence that glutamine might help to prevent "
    "diarrhea after chemotherapy, but not all research findings agree.",
    "Reducing damage to the immune system during cancer treatment. There is some evidence that glutamine reduces "
    "damage to the immune system caused by chemotherapy.",
    "Diarrhea. There are inconsistent findings about the effects of glutamine when used to treat diarrhea in "
    "children and infants.",
    "Low birth weight. There are inconsistent findings about the effects of glutamine in infants with low to very "
    "low birth weight. Some research suggests that using glutamine in feeding tubes decreases infections",
    "Muscle and joint pains caused by the drug paclitaxel (Taxol, used to treat cancer). There is some evidence "
    "that glutamine might help to reduce muscle and joint pains caused by paclitaxel.",
    "Inflammation of the pancreas (pancreatitis). An early study shows that giving glutamine intravenously (by IV) "
    "along with intravenous nutrition improves immune function",
    "Nutrition problems after major gut surgery (short bowel syndrome). Researchers have studied whether glutamine "
    "combined with growth hormone is effective in treating short bowel syndrome.",
]


@pytest.mark.parametrize("sentence", EFFECTIVENESS_SENTENCES, ids=lambda s: s.split(".")[0][:40])
def test_effectiveness_level_and_routes_agree(sentence, draft, curated):
    d, c = record_for(draft, "effectiveness", sentence), record_for(curated, "effectiveness", sentence)
    assert code(d.fields["level"]) == code(c.fields["level"])
    assert codes(d.fields.get("routes")) == codes(c.fields.get("routes"))
    # The drafter types every rated subject a Condition; the curators retype procedures ("Surgery.")
    curated_type = curated.entity(c.fields["condition"]).type
    assert draft.entity(d.fields["condition"]).type == ("Condition" if curated_type == "Procedure" else curated_type)


def test_effectiveness_covers_the_same_seventeen_paragraphs(draft, curated):
    def paragraphs(m):
        # the start of the paragraph each rating's first quote is in ("Surgery." rates two things)
        raw = m.text.raw
        return sorted({raw.rfind("\n", 0, r.quotes[0].start) + 1 for r in m.records if r.kind == "effectiveness"})

    assert len(paragraphs(curated)) == 17
    assert paragraphs(draft) == paragraphs(curated)


INTERACTION_SENTENCES = [
    "Lactulose interacts with GLUTAMINE",
    "Medications for cancer (Chemotherapy) interacts with GLUTAMINE",
    "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE",
]


def members(m: Monograph, class_id: str, named_in: Record | None = None) -> dict[str, list[str]]:
    """Member drugs of a class: label -> sorted brand names (only those ``named_in`` a record's quotes)."""
    quoted = " ".join(q.text for q in named_in.quotes).lower() if named_in else None
    return {e.label.lower(): sorted(e.brands) for e in m.entities
            if class_id in e.member_of and (quoted is None or e.label.lower() in quoted)}


@pytest.mark.parametrize("sentence", INTERACTION_SENTENCES, ids=lambda s: s.split(" interact")[0])
def test_interaction_class_members_brands_and_severity_agree(sentence, draft, curated):
    d, c = record_for(draft, "interactions", sentence), record_for(curated, "interactions", sentence)
    assert code(d.fields["severity"]) == code(c.fields["severity"]) == "moderate"
    # The draft grades the likelihood from the wording as the curator did ("might"/"may": possible;
    # "some concern ... too soon to know": uncertain).
    assert code(d.fields["likelihood"]) == code(c.fields["likelihood"])
    d_ent, c_ent = draft.entity(d.fields["interactant"]), curated.entity(c.fields["interactant"])
    assert (d_ent.type, d_ent.label.lower()) == (c_ent.type, c_ent.label.lower())
    assert sorted(d_ent.brands) == sorted(c_ent.brands)
    # Members the interaction text lists; the curated file may add members known from elsewhere.
    assert members(draft, d_ent.id) == members(curated, c_ent.id, named_in=c)


def test_curated_class_member_from_outside_the_interaction_is_the_known_disagreement(draft, curated):
    # The curated file makes paclitaxel (Taxol) a member of the cancer-medication class, read from
    # "Muscle and joint pains caused by the drug paclitaxel (Taxol, used to treat cancer)" in the
    # effectiveness part; the interaction ("Medications for cancer (Chemotherapy) interacts with
    # GLUTAMINE") lists no members, so the draft's class has none.
    d = record_for(draft, "interactions", INTERACTION_SENTENCES[1])
    c = record_for(curated, "interactions", INTERACTION_SENTENCES[1])
    assert members(curated, c.fields["interactant"]) == {"paclitaxel": ["Taxol"]}
    assert members(draft, d.fields["interactant"]) == {}


def test_the_class_lists_its_six_members_with_brands(draft):
    # "Some medications used to prevent seizures include phenobarbital, primidone (Mysoline),
    # valproic acid (Depakene), gabapentin (Neurontin), carbamazepine (Tegretol), phenytoin
    # (Dilantin), and others."
    d = record_for(draft, "interactions", INTERACTION_SENTENCES[2])
    assert members(draft, d.fields["interactant"]) == {
        "phenobarbital": [], "primidone": ["Mysoline"], "valproic acid": ["Depakene"],
        "gabapentin": ["Neurontin"], "carbamazepine": ["Tegretol"], "phenytoin": ["Dilantin"],
    }


def test_same_number_of_interactions(draft, curated):
    def count(m):
        return sum(r.kind == "interactions" for r in m.records)

    assert count(draft) == count(curated) == 3


PRECAUTION_SENTENCES = [
    "Children: Glutamine is POSSBILY SAFE when taken by mouth appropriately.",
    "Pregnancy and breast-feeding: Not enough is known about the use of glutamine during pregnancy and breast-feeding.",
    "Cirrhosis: Glutamine could make this condition worse.",
    "Severe liver disease with difficulty thinking or confusion (hepatic encephalopathy): Glutamine could make this "
    "condition worse. Do not use it.",
    "Monosodium glutamate (MSG) sensitivity (also known as \"Chinese restaurant syndrome\"): If you are sensitive to "
    "MSG, you might also be sensitive to glutamine",
    "Mania, a mental disorder: Glutamine might cause some mental changes in people with mania. Avoid use.",
    "Seizures: There is some concern that glutamine might increase the likelihood of seizures in some people. "
    "Avoid use.",
]


@pytest.mark.parametrize("sentence", PRECAUTION_SENTENCES, ids=lambda s: s.split(":")[0][:40])
def test_precaution_subject_and_strength_agree(sentence, draft, curated):
    d, c = record_for(draft, "precautions", sentence), record_for(curated, "precautions", sentence)
    assert code(d.fields["strength"]) == code(c.fields["strength"])
    assert draft.entity(d.fields["subject"]).type == curated.entity(c.fields["subject"]).type


def test_same_number_of_precautions(draft, curated):
    assert sum(r.kind == "precautions" for r in draft.records) == sum(r.kind == "precautions" for r in curated.records)


LIMIT_SENTENCES = [
    "Glutamine is POSSIBLY SAFE for most adults when taken by mouth in doses up to 40 grams daily",
    "when used intravenously (by IV) in doses up to 600 milligrams per kilogram of weight daily.",
    "Children aged 3 to 18 years should not be given doses that are larger than 0.7 grams per kg of weight daily.",
]
LIMIT_FIELDS = ("max_amount", "unit", "per_kg", "route", "min_age_years", "max_age_years", "rating", "period")


def _value(v):
    return v.code if hasattr(v, "code") else v


@pytest.mark.parametrize("sentence", LIMIT_SENTENCES, ids=["adult-oral", "adult-iv", "children-3-18"])
def test_safety_limit_agrees(sentence, draft, curated):
    d, c = record_for(draft, "safety_limits", sentence), record_for(curated, "safety_limits", sentence)
    assert {k: _value(d.fields.get(k)) for k in LIMIT_FIELDS} == {k: _value(c.fields.get(k)) for k in LIMIT_FIELDS}


def test_same_number_of_safety_limits(draft, curated):
    assert sum(r.kind == "safety_limits" for r in draft.records) == 3
    assert sum(r.kind == "safety_limits" for r in curated.records) == 3


DOSE_SENTENCES = [
    "For reducing mouth soreness due to chemotherapy: glutamine suspension 4 grams, swish and swallow every four "
    "hours around the clock",
    "For HIV wasting: 8-40 grams per day has been used. However, 40 grams daily may work best.",
]
DOSE_FIELDS = ("amount", "min_amount", "max_amount", "preferred_amount", "unit", "per_kg", "period", "interval")


@pytest.mark.parametrize("sentence", DOSE_SENTENCES, ids=["mucositis", "hiv-wasting"])
def test_dosing_amounts_and_units_agree(sentence, draft, curated):
    d, c = record_for(draft, "dosing", sentence), record_for(curated, "dosing", sentence)
    assert {k: _value(d.fields.get(k)) for k in DOSE_FIELDS} == {k: _value(c.fields.get(k)) for k in DOSE_FIELDS}


def test_draft_substance_source_and_quotes(glutamine, draft):
    out, _ = glutamine
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["format"] == "skg-monograph/1"
    assert draft.substance == "l-glutamine" and draft.entity("l-glutamine").type == "Substance"
    source = data["monograph"]["source_text"]
    assert not os.path.isabs(source) and (out.parent / source).resolve() == TEXT.resolve()
    text = SourceText.read(TEXT)
    for kind in ("effectiveness", "interactions", "precautions", "safety_limits", "dosing"):
        for record in data[kind]:
            pieces = record["quote"] if isinstance(record["quote"], list) else [record["quote"]]
            assert all(text.find_all(p) for p in pieces), record["id"]


def test_draft_builds(glutamine):
    result = build([glutamine[0]])
    assert result.missing == [] and result.records_in == result.statements_out == 32


def test_report_lists_only_text_outside_the_known_sections(glutamine):
    # Everything under a known heading is placed; the overview, uses, "How does it work?" and the
    # consumer article before "Possibly Effective for:" are reported for curation by hand.
    report = glutamine[1].read_text(encoding="utf-8")
    unplaced = [line.strip() for line in report.splitlines() if line.startswith("  line ")]
    assert len(unplaced) == 26
    assert all("outside the known sections" in line for line in unplaced)
    assert "line 17: outside the known sections: How does it work?" in unplaced
    assert unplaced[0].startswith("line 1: outside the known sections: Glutamine is the most abundant")


# --------------------------------------------------------------------------------------------
# Sunroot: an invented herb with the sections the glutamine text lacks


@pytest.fixture(scope="module")
def sunroot(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("sunroot")
    out, report = folder / "sunroot.yaml", folder / "report.txt"
    assert main(["ingest", str(SUNROOT), "--name", "Sunroot", "-o", str(out), "--report", str(report)]) == 0
    return out, report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sunroot_graph(sunroot):
    result = build([sunroot[0]])
    assert result.missing == []
    return result.graph


def concept(scheme: str, code_: str):
    return schema.concepts(schema.SCHEMES[scheme])[code_].iri


NS = {"skg": SKG._NS, "rdfs": RDFS}


def test_sunroot_builds_and_validates_with_the_build_command(sunroot, tmp_path):
    # a kg ingest draft is not reviewed: kg build takes it only with --allow-drafts (tests/test_cli_newuser.py)
    assert main(["build", "--monographs", str(sunroot[0]), "--out", str(tmp_path), "--allow-drafts"]) == 0
    assert (tmp_path / "graph.ttl").is_file()


@pytest.mark.parametrize("level, condition, route", [
    ("effective", "marsh fever", "oral"),           # "Marsh fever. Taking sunroot by mouth shortens episodes ..."
    ("likely-effective", "grey cough", "oral"),     # "Grey cough. Taking sunroot extract by mouth seems to ..."
    ("possibly-effective", "tired eyes", "topical"),  # "Applying sunroot cream to the skin around the eyes ..."
    ("possibly-effective", "lobe puff", "enteral-tube"),  # "Giving sunroot through a feeding tube ..."
    ("likely-ineffective", "dim-spirits", "oral"),  # "Dim-spirits. Taking sunroot by mouth does not seem ..."
    ("ineffective", "hollow bones", "intravenous"),  # "Sunroot given intravenously does not strengthen bones ..."
])
def test_sunroot_effectiveness_query(sunroot_graph, level, condition, route):
    rows = sunroot_graph.query("""
        SELECT ?label ?route WHERE {
            ?s a skg:EffectivenessAssessment ; skg:evidenceLevel ?level ; skg:condition ?c ; skg:route ?route .
            ?c rdfs:label ?label .
        }""", initNs=NS, initBindings={"level": concept("evidence", level)})
    assert (condition, concept("route", route)) in {(str(r.label), r.route) for r in rows}


INTERACTION_QUERY = """
    SELECT ?interactant ?type ?member ?brand WHERE {
        ?s a skg:Interaction ; skg:severity ?severity ; skg:interactant ?i .
        ?i a ?type ; rdfs:label ?interactant .
        OPTIONAL { ?i skg:hasMember ?m . ?m rdfs:label ?member . OPTIONAL { ?m skg:brandName ?brand } }
        OPTIONAL { ?i skg:brandName ?brand }
    }"""


def interaction(graph, severity: str) -> tuple[set, dict[str, set]]:
    rows = list(graph.query(INTERACTION_QUERY, initNs=NS, initBindings={"severity": concept("severity", severity)}))
    heads = {(str(r.interactant), r.type) for r in rows}
    found: dict[str, set] = {}
    for r in rows:
        key = str(r.member) if r.member is not None else str(r.interactant)
        found.setdefault(key, set()).update({str(r.brand)} if r.brand is not None else set())
    return heads, found


def test_sunroot_major_interaction_with_a_class_and_branded_members(sunroot_graph):
    # "Medications that thin the blood (Thinnerols) interact with SUNROOT" in the "Major Interaction"
    # block; "Some medications that thin the blood include ferravane (Ferrex), quillotane (Quillex,
    # Quillex-XR), morvadil, and others."
    heads, found = interaction(sunroot_graph, "major")
    assert heads == {("thinnerols", SKG.DrugClass)}
    assert found == {"ferravane": {"Ferrex"}, "quillotane": {"Quillex", "Quillex-XR"}, "morvadil": set()}


def test_sunroot_moderate_interaction_with_a_branded_drug(sunroot_graph):
    # "Pellumide (Pellux) interacts with SUNROOT": a drug, and its bracket is its brand.
    heads, found = interaction(sunroot_graph, "moderate")
    assert heads == {("pellumide", SKG.Drug)}
    assert found == {"pellumide": {"Pellux"}}


def test_sunroot_minor_interaction(sunroot_graph):
    # "Medications that cause sleepiness (Drowsants) interact with SUNROOT" in the "Minor Interaction" block.
    heads, found = interaction(sunroot_graph, "minor")
    assert heads == {("drowsants", SKG.DrugClass)}
    assert found == {"drowsamine": {"Drowsa"}, "nocturil": {"Nocta-Night"}}


def test_sunroot_age_banded_limits_for_children(sunroot_graph):
    # "Children aged 1 to 3 years should not be given doses larger than 100 mg daily. Children aged
    # 4 to 8 years should not be given doses larger than 200 mg daily. Children aged 9 to 13 years
    # should not be given doses larger than 400 mg daily."
    rows = sunroot_graph.query("""
        SELECT ?lo ?hi ?amount ?unit ?route ?rating ?plo ?phi WHERE {
            ?s a skg:SafetyLimit ; skg:minAgeYears ?lo ; skg:maxAgeYears ?hi ; skg:maxAmount ?amount ;
               skg:unit ?unit ; skg:route ?route ; skg:safetyRating ?rating ; skg:population ?p .
            ?p skg:minAgeYears ?plo ; skg:maxAgeYears ?phi .
        }""", initNs=NS)
    mg, oral, possibly = concept("unit", "mg"), concept("route", "oral"), concept("safety", "possibly-safe")
    got = {(r.lo.toPython(), r.hi.toPython(), r.amount.toPython(), r.unit, r.route, r.rating) for r in rows}
    assert got == {(Decimal(1), Decimal(3), Decimal(100), mg, oral, possibly),
                   (Decimal(4), Decimal(8), Decimal(200), mg, oral, possibly),
                   (Decimal(9), Decimal(13), Decimal(400), mg, oral, possibly)}
    assert all((r.plo, r.phi) == (r.lo, r.hi) for r in rows)


def test_sunroot_adult_limits_by_route(sunroot):
    # "Sunroot is LIKELY SAFE for most adults when taken by mouth in doses up to 2 grams daily, and
    # POSSIBLY SAFE when used intravenously in doses up to 15 mg per kg of weight daily."
    m = load_monograph(sunroot[0])
    oral = record_for(m, "safety_limits", "up to 2 grams daily")
    iv = record_for(m, "safety_limits", "up to 15 mg per kg of weight daily")
    assert (code(oral.fields["rating"]), oral.fields["max_amount"], code(oral.fields["unit"]), oral.fields["per_kg"]) \
        == ("likely-safe", Decimal(2), "g", False)
    assert (code(iv.fields["rating"]), code(iv.fields["route"]), iv.fields["max_amount"], iv.fields["per_kg"]) \
        == ("possibly-safe", "intravenous", Decimal(15), True)
    assert oral.fields["population"] == iv.fields["population"] == "adults"


def test_sunroot_precautions_and_doses(sunroot):
    m = load_monograph(sunroot[0])
    # "Pregnancy and breast-feeding: Sunroot is LIKELY UNSAFE ... Do not use it."
    preg = record_for(m, "precautions", "It might cause early contractions.")
    assert code(preg.fields["strength"]) == "do-not-use" and m.entity(preg.fields["subject"]).type == "Population"
    # "Thin-blood syndrome: Sunroot might slow blood clotting. Use with caution."
    thin = record_for(m, "precautions", "Thin-blood syndrome: Sunroot might slow blood clotting.")
    assert code(thin.fields["strength"]) == "caution" and m.entity(thin.fields["subject"]).type == "Condition"
    # "INTRAVENOUSLY:" sets the route of "For hollow bones: 15 mg per kg of weight daily, ..."
    bones = record_for(m, "dosing", "For hollow bones: 15 mg per kg of weight daily")
    assert (code(bones.fields["route"]), bones.fields["amount"], bones.fields["per_kg"], bones.fields["period"]) \
        == ("intravenous", Decimal(15), True, "P1D")
    # "For grey cough in children aged 4 to 8 years: 10 mg per kg of weight daily."
    child = record_for(m, "dosing", "For grey cough in children aged 4 to 8 years")
    assert m.entity(child.fields["population"]).max_age_years == Decimal(8)
    assert m.entity(child.fields["indication"]).label == "grey cough"


def test_sunroot_report_names_what_was_not_placed(sunroot):
    report = sunroot[1]
    assert "[Side effects] no record: Sunroot can cause a mild tingling of the tongue" in report
    assert "outside the known sections: How does it work?" in report


def test_report_goes_to_stderr_without_report_option(tmp_path, capsys):
    out = tmp_path / "sunroot.yaml"
    assert main(["ingest", str(SUNROOT), "--name", "Sunroot", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "not placed (5), curate by hand:" in captured.err
    assert captured.out.startswith(f"wrote draft {out}:")


# --------------------------------------------------------------------------------------------
# Bad input: one clear line, exit 2, no output file (nor a leftover temporary one)


def _refused(tmp_path: Path, capsys, text_file: Path, *extra: str) -> str:
    out = tmp_path / "out" / "draft.yaml"
    out.parent.mkdir(exist_ok=True)
    assert main(["ingest", str(text_file), "--name", "Sunroot", "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kg ingest: error: "), err
    assert not out.exists() and list(out.parent.iterdir()) == []
    return err


def test_empty_file_is_refused(tmp_path, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert "text file is empty" in _refused(tmp_path, capsys, path)


def test_file_in_another_layout_is_refused(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("# Shopping list\n\nApples: 3\n\nMeeting notes: sunroot harvest is on Friday.\n", encoding="utf-8")
    assert "no section headings of the clinical monograph layout" in _refused(tmp_path, capsys, path)


def test_binary_file_is_refused(tmp_path, capsys):
    path = tmp_path / "image.txt"
    path.write_bytes(b"Side effects:\n\x00\x01\x02binary\x00data")
    assert "binary data" in _refused(tmp_path, capsys, path)


def test_non_utf8_file_is_refused(tmp_path, capsys):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Side effects:\n\nCaf\u00e9 is LIKELY SAFE for most adults.\n".encode("latin-1"))
    assert "not UTF-8" in _refused(tmp_path, capsys, path)


def test_50_mb_file_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    real_open = Path.open

    def no_reading(self, *args, **kwargs):
        assert self != path, "the oversized file was opened"
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", no_reading)
    err = _refused(tmp_path, capsys, path)
    assert f"at most {MAX_TEXT_BYTES // 2**20} MB" in err and "50.0 MB" in err


def test_missing_file_and_bad_name_are_refused(tmp_path, capsys):
    assert "text file not found" in _refused(tmp_path, capsys, tmp_path / "nope.txt")
    out = tmp_path / "draft.yaml"
    assert main(["ingest", str(SUNROOT), "--name", "!?", "-o", str(out)]) == 2
    assert "no letters or digits" in capsys.readouterr().err and not out.exists()


def test_existing_output_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "draft.yaml"
    out.write_text("curated by hand\n", encoding="utf-8")
    assert main(["ingest", str(SUNROOT), "--name", "Sunroot", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "curated by hand\n"
    assert main(["ingest", str(SUNROOT), "--name", "Sunroot", "-o", str(out), "--force"]) == 0
    assert load_monograph(out).substance == "sunroot"
