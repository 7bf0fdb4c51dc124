"""Pictures: views, the offline HTML page, static drawings with no overlapping labels, charts.

The page is also opened in a real browser by ``test_viz_browser.py``; here it is checked as
text. Label overlap is measured on the drawn matplotlib figure itself (the window extents of the
label boxes as rendered), not on the layout's own idea of them.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import pytest
from rdflib import RDF

from kg.publish import drawing, style, viz
from kg.graph.build import build, shipped_paths
from kg.cli.main import main
from kg.errors import NotFound, UsageError
from kg.vocab import SKG

REPO = Path(__file__).resolve().parents[1]
FOCUS_VIEWS = [
    ("interactions", "phenytoin", 2),
    ("interactions", "Dilantin", 1),  # a brand name resolves like the label
    ("mechanisms", "L-glutamine", 1),
    ("evidence", "L-glutamine", 1),
    ("all", "lactulose", 1),
    ("mechanisms", "ammonia", 2),
]


@pytest.fixture(scope="module")
def graph():
    return build(shipped_paths()).graph


# --------------------------------------------------------------------------------------------
# views


def test_views_keep_only_their_relations(graph):
    for view in ("interactions", "evidence", "mechanisms"):
        vg = viz.view_graph(graph, view)
        rels = {d["relation"] for _, _, d in vg.edges(data=True)}
        assert rels and rels <= viz.view_relations(view), view
    everything = viz.view_graph(graph, "all")
    rels = {d["relation"] for _, _, d in everything.edges(data=True)}
    assert str(SKG.hasMember) not in rels and str(SKG.memberOf) in rels  # a declared inverse is drawn once
    assert str(SKG.interactsWith) in rels and str(SKG.findingFor) in rels


def test_focus_view_is_the_neighbourhood(graph):
    vg = viz.view_graph(graph, "interactions", focus="phenytoin", depth=2)
    labels = {d["label"] for _, d in vg.nodes(data=True)}
    # phenytoin -> anticonvulsants (member of) <- L-glutamine (interacts with): two hops.
    assert {"phenytoin", "anticonvulsants", "L-glutamine"} <= labels
    assert vg.graph["focus"].endswith("/drug/phenytoin")
    one = viz.view_graph(graph, "interactions", focus="phenytoin", depth=1)
    assert {d["label"] for _, d in one.nodes(data=True)} == {"phenytoin", "anticonvulsants"}


def test_unknown_names_and_views_are_errors(graph):
    with pytest.raises(NotFound, match="did you mean"):
        viz.view_graph(graph, "all", focus="phenytoyn")
    with pytest.raises(UsageError):
        viz.view_graph(graph, "pathways")


# --------------------------------------------------------------------------------------------
# the HTML page


@pytest.fixture(scope="module")
def page(graph):
    vg = viz.view_graph(graph, "interactions", focus="phenytoin", depth=2)
    return vg, viz.to_html(vg)


def test_page_is_self_contained(page):
    _, html = page
    # No element loads anything: no src/href to a URL, no stylesheet link, no CSS import/url().
    assert not re.search(r"""<(script|img|iframe|link|source|video|audio)\b[^>]*\b(src|href)\s*=""", html, re.I)
    assert not re.search(r"@import|url\((?!\"?data:)", html.split("<script>", 1)[0])
    # And the browser is told to refuse any request anyway.
    assert "default-src 'none'" in html
    assert len(re.findall(r"(?m)^<script", html)) == 3  # the library, the data, the page's own script


def test_page_inlines_vis_network_from_the_installed_pyvis_package(page):
    _, html = page
    assert viz.vis_network_js() in html.replace("<\\/script", "</script")
    assert "@version 9.1.2" in html
    # Nothing third-party is vendored: the repository holds no JavaScript file.
    tracked = [p for p in REPO.rglob("*.js") if ".venv" not in p.parts and "node_modules" not in p.parts]
    assert tracked == []


def test_page_data_matches_the_view(page):
    vg, html = page
    data = viz.html_data(vg)
    assert len(data["nodes"]) == vg.number_of_nodes() and len(data["edges"]) == vg.number_of_edges()
    assert {item["type"] for item in data["legend"]} == {"Substance", "Drug", "DrugClass"}
    interaction = next(e for e in data["edges"] if e["severity"])
    assert interaction["label"] == "interacts with (moderate)" and interaction["quotes"]
    assert all(n["x"] is not None and n["y"] is not None for n in data["nodes"])
    # Markup in the data cannot end the script element.
    assert "</" not in html.split('id="kg-data">', 1)[1].split("</script>", 1)[0]


def test_page_is_byte_stable(graph, page):
    vg, html = page
    again = viz.to_html(viz.view_graph(graph, "interactions", focus="phenytoin", depth=2))
    assert again == html


# --------------------------------------------------------------------------------------------
# static drawings


def _label_boxes(fig):
    """Rendered extents (pixels) of every node and edge label box of a drawn figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for text in fig.axes[0].texts:
        if text.get_gid() in ("node-label", "edge-label"):
            patch = text.get_bbox_patch()
            boxes.append((text.get_text(), patch.get_window_extent(renderer)))
    return boxes


@pytest.mark.parametrize("view, focus, depth", FOCUS_VIEWS)
def test_focus_drawings_have_no_overlapping_labels(graph, view, focus, depth):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    vg = viz.view_graph(graph, view, focus=focus, depth=depth)
    fig = drawing.figure(vg)
    FigureCanvasAgg(fig)
    boxes = _label_boxes(fig)
    assert sum(1 for t in fig.axes[0].texts if t.get_gid() == "node-label") == vg.number_of_nodes()
    overlapping = [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    assert overlapping == [], overlapping[:5]
    # Legible: no label below 7 pt, and every label inside the picture.
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 7
    width, height = fig.canvas.get_width_height()
    assert all(0 <= b.x0 and b.x1 <= width and 0 <= b.y0 and b.y1 <= height for _, b in boxes)


def test_focus_drawing_labels_edges_with_severity(graph):
    vg = viz.view_graph(graph, "interactions", focus="phenytoin", depth=2)
    texts = [b.text for b in drawing.layout(vg).edge_boxes]
    assert "interacts with (moderate)" in texts and "member of" in texts


def test_overview_drawing_has_no_overlapping_node_labels(graph):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    vg = viz.view_graph(graph, "all")
    fig = drawing.figure(vg)
    FigureCanvasAgg(fig)
    boxes = _label_boxes(fig)
    assert len(boxes) == vg.number_of_nodes()  # too many edges for edge labels: colours and legend
    assert not [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]


def test_pictures_are_deterministic_and_carry_no_date(graph):
    vg = viz.view_graph(graph, "interactions", focus="phenytoin", depth=2)
    png = drawing.draw(vg, "png")
    svg = drawing.draw(vg, "svg")
    assert png == drawing.draw(vg, "png") and svg == drawing.draw(vg, "svg")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg


# --------------------------------------------------------------------------------------------
# charts


def test_evidence_groups_match_the_graph(graph):
    groups = drawing.evidence_groups(graph)
    assert [level for level, _, _ in groups] == [
        "effective", "likely effective", "possibly effective", "insufficient evidence",
        "possibly ineffective", "likely ineffective", "ineffective"]
    # Count the assessments' conditions per level straight from the triples.
    expected: dict[str, set] = {}
    for stmt in graph.subjects(RDF.type, SKG.EffectivenessAssessment):
        level = style.concept_labels()[str(graph.value(stmt, SKG.evidenceLevel))]
        expected.setdefault(level, set()).add(str(graph.value(graph.value(stmt, SKG.condition),
                                                               __import__("rdflib").RDFS.label)))
    assert {level: set(items) for level, _, items in groups if items} == expected
    assert "Crohn's disease" in dict((level, items) for level, _, items in groups)["possibly ineffective"]


def test_severity_groups_match_the_graph(graph):
    groups = drawing.severity_groups(graph)
    assert [level for level, _, _ in groups] == ["major", "moderate", "minor"]
    assert sum(len(items) for _, _, items in groups) == len(set(graph.subjects(RDF.type, SKG.Interaction)))
    assert "L-glutamine + lactulose" in dict((level, items) for level, _, items in groups)["moderate"]


@pytest.mark.parametrize("chart", drawing.CHARTS)
def test_charts_as_png_and_svg(graph, chart, tmp_path):
    from PIL import Image

    for fmt in ("png", "svg"):
        out = tmp_path / f"{chart}.{fmt}"
        assert main(["viz", "--chart", chart, "-o", str(out)]) == 0
        data = out.read_bytes()
        assert data == drawing.chart(graph, chart, fmt)
        if fmt == "png":
            with Image.open(io.BytesIO(data)) as img:
                assert img.width >= 800 and img.height >= 200
        else:
            ET.fromstring(data)


# --------------------------------------------------------------------------------------------
# the command


@pytest.mark.parametrize("suffix", [".html", ".svg", ".png"])
def test_viz_command_writes_each_format(tmp_path, suffix, capsys):
    out = tmp_path / f"phenytoin{suffix}"
    assert main(["viz", "--focus", "phenytoin", "--depth", "2", "--view", "interactions", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000 and f"wrote: {out}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["viz", "--depth", "2", "-o", "x.html"], "--depth needs --focus"),
    (["viz", "-o", "x.pdf"], "cannot tell the picture format"),
    (["viz", "--chart", "severity", "--focus", "phenytoin", "-o", "x.png"], "--chart draws the whole graph"),
])
def test_viz_command_refuses_bad_arguments(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_viz_command_rejects_an_unknown_view(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["viz", "--view", "pathways", "-o", "x.html"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_viz_refuses_a_view_larger_than_a_legible_drawing_unless_allowed_more(graph, tmp_path, capsys):
    # The whole shipped graph's "all" view is drawn by default; with a limit below its entity
    # count it is refused with one line naming the count and nothing is written; --max-entities
    # at the count draws it again.
    entities = viz.view_graph(graph, "all").number_of_nodes()
    assert 1 < entities <= viz.MAX_DRAWN_ENTITIES
    out = tmp_path / "all.svg"
    assert main(["viz", "--max-entities", str(entities - 1), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the all view has {entities:,} entities, more than the {entities - 1:,}" in err
    assert not out.exists()
    assert main(["viz", "--max-entities", str(entities), "-o", str(out)]) == 0
    assert out.stat().st_size > 1000


@pytest.mark.parametrize("value, message", [("0", "at least 1"), ("many", "a whole number")])
def test_viz_max_entities_must_be_a_positive_whole_number(value, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["viz", "--max-entities", value, "-o", "x.html"])
    assert exit_.value.code == 2 and f"--max-entities must be {message}" in capsys.readouterr().err
