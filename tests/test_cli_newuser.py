"""Section F of issue 16, "Found when tried as a new user would".

1. Query commands read ``--graph``, else ``$KG_GRAPH``, else ``./output`` when it holds a ``kg
   build`` output, else the shipped monographs; stderr says which, stdout stays the answer.
2. An empty or blank name is bad input: one line on stderr, exit 2.
3. ``kg query --list`` separates the questions from the queries kg runs for itself (the ``.rq``
   header's ``# audience: internal``).
4. Tables fit the terminal: long cells are wrapped, never cut; IRI columns are left out.
5. A monograph nobody reviewed (``curated_by`` says "not reviewed", as ``kg ingest`` writes it)
   builds only with ``kg build --allow-drafts``, and the summary and ``metadata.ttl`` say so.

Every test uses the invented fixture monograph (moonpetal) where it needs a graph of its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from kg.cli.main import main
from kg.cli.output import render, table, terminal_width
from kg.errors import DataError
from kg.graph.build import load_all, monograph_iri
from kg.vocab import SKG

FIXTURES = Path(__file__).parent / "fixtures"
MOONPETAL = FIXTURES / "monographs" / "moonpetal.yaml"
SUNROOT = FIXTURES / "ingest" / "sunroot.txt"
INGEST_CURATED_BY = "kg ingest (automatic draft, not reviewed)"


@pytest.fixture(scope="module")
def moonpetal_build(tmp_path_factory) -> Path:
    """A ``kg build`` output folder of the fixture monograph only (its drug Sparkex is in no
    shipped monograph)."""
    out = tmp_path_factory.mktemp("moonpetal") / "output"
    assert main(["build", "--monographs", str(MOONPETAL), "--out", str(out), "--outputs", "graph"]) == 0
    return out


@pytest.fixture()
def in_project(tmp_path, monkeypatch, moonpetal_build, capsys) -> Path:
    """A fresh folder as the current folder, holding ``./output``: a copy of the fixture's build."""
    shutil.copytree(moonpetal_build, tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    return tmp_path


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- 1. which graph a query command reads -------------------------------------------------------------


def _ask_sparkex(capsys, code: int) -> tuple[dict, str]:
    """``kg interactions Sparkex --format json`` (exit ``code``): the report (stdout is the JSON
    alone) and stderr. Sparkex is named only by the moonpetal fixture."""
    assert main(["interactions", "Sparkex", "--format", "json"]) == code
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_output_folder_of_the_current_folder_is_the_default(in_project, capsys):
    # Checks: without --graph and $KG_GRAPH, kg interactions reads ./output (a kg build folder):
    # Sparkex is named only by the fixture, so the shipped monographs would not find it (exit 2).
    report, err = _ask_sparkex(capsys, 1)
    assert report["results"][0]["resolved"] == "sparkacillin"
    assert report["results"][0]["interactions"][0]["severity"] == "major"
    assert "graph: ./output (kg build folder)" in err


def test_kg_graph_wins_over_the_output_folder(in_project, monkeypatch, capsys):
    # Checks: $KG_GRAPH is read before ./output: a graph without moonpetal does not know Sparkex.
    other = in_project / "other.nt"
    other.write_text('<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n', encoding="utf-8")
    monkeypatch.setenv("KG_GRAPH", str(other))
    report, err = _ask_sparkex(capsys, 2)
    assert report["unknown"][0]["input"] == "Sparkex"
    assert f"graph: $KG_GRAPH={other}" in err


def test_kg_graph_names_the_graph_anywhere(tmp_path, monkeypatch, moonpetal_build, capsys):
    # Checks: $KG_GRAPH pointing at a build folder elsewhere is read from any current folder.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KG_GRAPH", str(moonpetal_build))
    report, err = _ask_sparkex(capsys, 1)
    assert report["results"][0]["resolved"] == "sparkacillin"
    assert f"graph: $KG_GRAPH={moonpetal_build}" in err


def test_graph_option_wins_over_kg_graph(tmp_path, monkeypatch, moonpetal_build, capsys):
    # Checks: --graph is used as given; an unusable $KG_GRAPH is not even looked at then.
    monkeypatch.setenv("KG_GRAPH", str(tmp_path / "missing"))
    assert main(["interactions", "Sparkex", "--graph", str(moonpetal_build)]) == 1
    err = capsys.readouterr().err
    assert f"graph: {moonpetal_build} (--graph)" in err and "KG_GRAPH" not in err


@pytest.mark.parametrize("value", ["{tmp}/missing", "{tmp}", "", "  "])
def test_an_unusable_kg_graph_is_one_line_naming_it(tmp_path, monkeypatch, capsys, value):
    # Checks: a $KG_GRAPH that names nothing, an empty folder or is empty is exit 2 with one line
    # that names the variable, and nothing on stdout.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KG_GRAPH", value.format(tmp=tmp_path))
    assert main(["interactions", "Sparkex"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_line_error(err)
    assert line.startswith("kg interactions: error: $KG_GRAPH")


def test_an_unparsable_kg_graph_names_the_variable(tmp_path, monkeypatch, capsys):
    # Checks: a $KG_GRAPH file that exists but does not parse is also an error naming the variable.
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <<<", encoding="utf-8")
    monkeypatch.setenv("KG_GRAPH", str(bad))
    assert main(["interactions", "Sparkex"]) == 2
    assert "$KG_GRAPH=" in _one_line_error(capsys.readouterr().err)


def test_shipped_monographs_when_there_is_no_build(tmp_path, monkeypatch, capsys):
    # Checks: a folder named output that holds no kg build output is not taken for one: the
    # shipped monographs are read (they do not name Sparkex), and stderr says so.
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["interactions", "Sparkex", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out)["unknown"][0]["input"] == "Sparkex"
    assert "graph: shipped monographs (built in memory)" in err


@pytest.mark.parametrize("argv, expect", [
    (["query", "drug-interactions", "-p", "drug=Sparkex", "--format", "json"], "glowmycins"),
    (["precautions", "--supplement", "moonpetal", "--format", "json"], "shimmer syndrome"),
    (["path", "moonpetal", "Sparkex", "--format", "json"], "sparkacillin"),
    (["neighbours", "Sparkex", "--format", "json"], "glowmycins"),
    (["export", "--format", "ntriples", "-o", "-"], "/drug/sparkacillin>"),
    (["check", "--drug", "Sparkex", "--format", "json"], "sparkacillin"),
])
def test_every_kind_of_query_command_reads_the_output_folder(in_project, capsys, argv, expect):
    # Checks: canned queries, the clinical commands, paths, export and check all take the same
    # default, and each says so on stderr while stdout holds only the answer.
    main(argv)
    out, err = capsys.readouterr()
    assert expect in out, (argv, err)
    assert "graph: ./output (kg build folder)" in err
    if "json" in argv:
        json.loads(out)


def test_viz_reads_the_output_folder(in_project, capsys):
    # Checks: kg viz draws the default graph too (the fixture's drug is in the drawing).
    assert main(["viz", "--focus", "Sparkex", "-o", "sparkex.html"]) == 0
    assert "sparkacillin" in (in_project / "sparkex.html").read_text(encoding="utf-8")
    assert "graph: ./output (kg build folder)" in capsys.readouterr().err


# --- 2. an empty or blank name is bad input ------------------------------------------------------------


@pytest.mark.parametrize("argv, named", [
    (["interactions", ""], "NAME"),
    (["interactions", "  "], "NAME"),
    (["interactions", "Dilantin", "\t"], "NAME"),
    (["interactions", "Dilantin", "--supplement", ""], "--supplement"),
    (["evidence", "--supplement", ""], "--supplement"),
    (["evidence", "--level", " "], "--level"),
    (["precautions", "--supplement", " "], "--supplement"),
    (["precautions", "--min-strength", ""], "--min-strength"),
    (["dose", "--supplement", "", "--route", "oral", "--age", "10"], "--supplement"),
    (["dose", "--supplement", "glutamine", "--route", " ", "--age", "10"], "--route"),
    (["check", "--drug", ""], "--drug"),
    (["check", "--drug", "Dilantin", "--supplement", "  "], "--supplement"),
    (["check", "--drug", "Dilantin", "--condition", ""], "--condition"),
    (["explain", "", "glutamine"], "A"),
    (["explain", "glutamine", " "], "B"),
    (["path", "", "glutamine"], "FROM"),
    (["path", "glutamine", ""], "TO"),
    (["neighbours", " "], "NAME"),
    (["metapaths", "glutamine", ""], "B"),
    (["centrality", "--type", ""], "--type"),
    (["viz", "--focus", "", "-o", "x.html"], "--focus"),
    (["ingest", str(SUNROOT), "--name", " ", "-o", "x.yaml"], "--name"),
])
def test_an_empty_name_is_one_line_and_exit_2(argv, named, capsys):
    # Checks: every command that takes a name refuses an empty or whitespace-only one in one line
    # naming the argument, with exit 2, before reading any graph (so no "graph:" line either) and
    # without reading "" as "every supplement".
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_line_error(err)
    assert line.startswith(f"kg {argv[0]}: error: argument {named} must not be empty or blank")


# --- 3. kg query --list: questions and internal queries ---------------------------------------------------


def test_query_list_puts_questions_first_and_internal_queries_apart(capsys):
    # Checks: the table has a "Questions" group and an "Internal (used by kg itself)" group, and
    # the queries kg runs for itself (name lookup, validation) are in the second.
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Questions"
    questions, internal = out.split("\nInternal (used by kg itself)\n")
    names = lambda part: {line.split()[0] for line in part.splitlines()[3:] if line.strip()}  # noqa: E731
    assert {"drug-interactions", "evidence-by-level", "safety-limits", "statistics"} <= names(questions)
    assert {"name-lookup", "entity-names", "class-member-violation", "direct-edge-violation",
            "statement-provenance-violation"} <= names(internal)
    assert not names(questions) & names(internal)


def test_query_list_json_and_csv_carry_the_audience(capsys):
    # Checks: the audience is data (the .rq header), in JSON and CSV as a field; every violation
    # query is internal.
    assert main(["query", "--list", "--format", "json"]) == 0
    listed = {q["name"]: q["audience"] for q in json.loads(capsys.readouterr().out)}
    assert set(listed.values()) == {"question", "internal"}
    assert listed["drug-interactions"] == "question" and listed["name-lookup"] == "internal"
    assert all(a == "internal" for n, a in listed.items() if n.endswith("-violation"))
    assert main(["query", "--list", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name,title,parameters,audience"
    assert any(line.startswith("name-lookup,") and line.endswith(",internal") for line in lines)


def test_audience_is_read_from_the_header():
    # Checks: parse_header reads "# audience:", defaults to "question" and refuses another value.
    from kg.sparql.canned import parse_header

    assert parse_header("# title: T\n# audience: internal\nSELECT * {}", "q")["audience"] == "internal"
    assert parse_header("# title: T\nSELECT * {}", "q")["audience"] == "question"
    with pytest.raises(DataError, match="unknown audience"):
        parse_header("# title: T\n# audience: secret\nSELECT * {}", "q")


# --- 4. tables fit the terminal ------------------------------------------------------------------------------

LONG = ("Moonpetal might increase how much glowmycin the body absorbs. This could increase the side effects "
        "of glowmycins, and the text goes on well past any column width a terminal has, so it must wrap.")


def test_a_long_cell_is_wrapped_whole_never_cut():
    # Checks: a cell longer than the room is wrapped inside its column (every line fits the
    # width) and, read back, is the whole text: no ellipsis, no word lost.
    text = table([{"id": "x", "text": LONG}], width=60)
    lines = text.splitlines()
    assert "…" not in text and max(len(line) for line in lines) <= 60
    start = lines[0].index("text")
    assert " ".join(line[start:].strip() for line in lines[2:]) == LONG


def test_a_table_too_wide_for_the_terminal_becomes_records():
    # Checks: when the columns cannot fit even wrapped, each row is "column: value" lines, whole.
    row = {f"column{i}": LONG for i in range(6)}
    text = table([row, row], width=80)
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    assert text.splitlines()[0].startswith("column0:")
    assert " ".join(text.split()).count(LONG) == 12


def test_width_comes_from_columns_or_is_100_off_a_terminal(monkeypatch, capsys):
    # Checks: $COLUMNS sets the width; with stdout not a terminal (captured here) it is 100.
    monkeypatch.setenv("COLUMNS", "50")
    assert terminal_width() == 50
    assert max(len(line) for line in table([{"id": "x", "text": LONG}]).splitlines()) <= 50
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() == 100


def test_control_characters_stay_escaped_in_wrapped_cells():
    # Checks: a value cannot redraw the terminal: escape sequences are shown as \x1b, also when wrapped.
    text = table([{"id": "x", "text": ("clear \x1b[2J screen " * 10)}], width=40)
    assert "\x1b" not in text and "\\x1b[2J" in text


def test_iri_columns_are_left_out_of_tables_only():
    # Checks: *_iri, interaction and all-IRI columns are not in the table; JSON and CSV keep them.
    rows = [{"drug": "phenytoin", "drug_iri": "https://w3id.org/skg/id/drug/phenytoin",
             "interaction": "https://w3id.org/skg/id/statement/g/int-x",
             "statement": "https://w3id.org/skg/id/statement/g/int-x"}]
    shown = table(rows)
    assert "https://" not in shown and shown.split("\n")[0] == "drug"
    assert json.loads(render(rows, "json"))[0]["drug_iri"].startswith("https://")
    assert render(rows, "csv").splitlines()[0] == "drug,drug_iri,interaction,statement"


def test_interactions_table_keeps_clinical_text_whole(moonpetal_build, monkeypatch, capsys):
    # Checks: kg interactions prints effect, recommendation and quotes whole within 100 columns.
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["interactions", "Sparkex", "--graph", str(moonpetal_build), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["results"][0]["interactions"][0]
    assert main(["interactions", "Sparkex", "--graph", str(moonpetal_build)]) == 1
    out = capsys.readouterr().out
    assert "…" not in out.replace(" … ", " ") and max(len(line) for line in out.splitlines()) <= 100
    flat = " ".join(out.split())
    for key in ("effect", "recommendation", "quote"):
        assert " ".join(found[key].split()) in flat, key


def test_query_tables_have_no_iri_columns_but_sparql_keeps_what_it_selects(moonpetal_build, capsys):
    # Checks: a canned query's table leaves out its IRI columns and says so on stderr (JSON has
    # them); kg sparql shows the variables its SELECT names, IRIs included.
    graph = ["--graph", str(moonpetal_build)]
    assert main(["query", "drug-interactions", "-p", "drug=Sparkex", *graph]) == 0
    out, err = capsys.readouterr()
    assert "https://" not in out and "glowmycins" in out
    assert "IRI columns left out of the table: " in err and "interaction" in err
    assert main(["query", "drug-interactions", "-p", "drug=Sparkex", *graph, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["interaction"].startswith("https://")
    assert main(["sparql", "SELECT ?d WHERE { ?d a <https://w3id.org/skg/ontology#Drug> }", *graph]) == 0
    assert "https://w3id.org/skg/id/drug/sparkacillin" in capsys.readouterr().out


# --- 5. drafts ---------------------------------------------------------------------------------------------------


def _draft(folder: Path, curated_by: str = INGEST_CURATED_BY) -> Path:
    """A copy of the fixture monograph whose curated_by is ``curated_by``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(MOONPETAL.with_suffix(".txt"), folder / "moonpetal.txt")
    text = MOONPETAL.read_text(encoding="utf-8")
    assert "curated_by: test fixture (invented data)" in text
    target = folder / "moonpetal.yaml"
    target.write_text(text.replace("curated_by: test fixture (invented data)", f"curated_by: {curated_by}"),
                      encoding="utf-8")
    return target


def test_is_draft_reads_curated_by(tmp_path):
    # Checks: "not reviewed" (as kg ingest writes it) makes a draft; a curator's name, the fixture
    # and kg synth's "synthetic data" do not.
    from kg.curation.drafts import is_draft
    from kg.curation.synth import write

    assert is_draft(load_all([_draft(tmp_path / "d")])[0])
    assert not is_draft(load_all([MOONPETAL])[0])
    write(1, tmp_path / "synth", seed=1)
    (synthetic,) = load_all([tmp_path / "synth"])
    assert "synthetic data" in synthetic.curated_by and not is_draft(synthetic)


def test_a_draft_is_refused_without_allow_drafts(tmp_path, capsys):
    # Checks: kg build of a draft is one line naming the file and saying to review it or pass
    # --allow-drafts, exit 2, and nothing is written.
    draft = _draft(tmp_path / "d")
    out = tmp_path / "out"
    assert main(["build", "--monographs", str(draft), "--out", str(out)]) == 2
    stdout, err = capsys.readouterr()
    line = _one_line_error(err)
    assert str(draft) in line and "review" in line and "--allow-drafts" in line
    assert stdout == "" and not out.exists()


def test_an_ingest_draft_is_refused_and_builds_with_allow_drafts(tmp_path, capsys):
    # Checks: a data file straight from kg ingest is a draft: refused by kg build, built with
    # --allow-drafts, and then the summary names it and metadata.ttl marks it.
    draft = tmp_path / "sunroot.yaml"
    assert main(["ingest", str(SUNROOT), "--name", "Sunroot", "-o", str(draft), "--report", str(tmp_path / "r")]) == 0
    out = tmp_path / "out"
    assert main(["build", "--monographs", str(draft), "--out", str(out), "--outputs", "graph"]) == 2
    assert not out.exists()
    capsys.readouterr()
    assert main(["build", "--monographs", str(draft), "--out", str(out), "--outputs", "graph", "--allow-drafts"]) == 0
    summary = capsys.readouterr().out
    assert "drafts: the graph contains 1 monograph(s) nobody reviewed" in summary and str(draft) in summary
    metadata = Graph().parse(out / "metadata.ttl")
    assert (monograph_iri("sunroot"), SKG.reviewStatus, Literal("draft, not reviewed")) in metadata


def test_a_reviewed_build_has_no_review_status(moonpetal_build):
    # Checks: metadata.ttl of a build without drafts says nothing of review status.
    metadata = Graph().parse(moonpetal_build / "metadata.ttl")
    assert not list(metadata.triples((None, SKG.reviewStatus, None)))


def test_validate_checks_a_draft_and_says_it_is_one(tmp_path, capsys):
    # Checks: kg validate still checks a draft (that is part of reviewing it) and notes it on stderr.
    draft = _draft(tmp_path / "d")
    assert main(["validate", "--monographs", str(draft)]) == 0
    captured = capsys.readouterr()
    assert "conforms" in captured.out and f"{draft} is a draft nobody reviewed" in captured.err


def test_the_in_memory_default_refuses_a_shipped_draft(tmp_path, monkeypatch, capsys):
    # Checks: a draft among the shipped monographs never gets into the graph query commands build
    # in memory: one line naming it, exit 2.
    import kg.graph.build
    import kg.sparql.store

    draft = _draft(tmp_path / "d")
    monkeypatch.setattr(kg.graph.build, "shipped_paths", lambda: [draft])
    monkeypatch.setattr(kg.sparql.store, "_default", None)
    assert main(["interactions", "Sparkex"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert str(draft) in line and "--allow-drafts" in line
