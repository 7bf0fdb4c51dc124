"""Static pictures with matplotlib: a drawing of a view (SVG or PNG) and two charts.

Every node is drawn as its label in a box coloured by type; edges are arrows coloured by
interaction severity and dashed for findings of no effect. In drawings small enough to read
(focus views), each pair of linked nodes also gets one edge label block naming the relations
and their severity or evidence level.

Labels never overlap: the layout (rings around the focus, or a seeded spring layout) is
followed by an overlap removal that measures every label box in points and pushes apart the
nodes whose boxes (or edge label blocks) collide, growing the picture until none do. The figure
is then sized to fit, so the font size never shrinks.

Output is byte-stable: a fixed layout seed, sorted input, ``svg.hashsalt`` fixed, and no dates
or software versions in the file metadata.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, Graph

from kg.errors import UsageError
from kg.publish.style import (EDGE_COLOUR, SEVERITY_COLOURS, edge_info, local_name, node_label, node_type, text_colour,
                  title_of, type_colour, type_title, _type_order)
from kg.vocab import SKG

NODE_FONT = 9.0  # points
EDGE_FONT = 7.0
NODE_PAD = 4.0  # box padding, points
GAP = 6.0  # least free space between two boxes, points
MAX_EDGE_LABEL_PAIRS = 60  # more linked pairs than this: no edge label blocks (overview)
PICTURE_FORMATS = ("svg", "png")
CHARTS = ["evidence", "severity"]


def _rc() -> dict:
    return {
        "svg.hashsalt": "kg",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "path.simplify": False,
    }


def _metadata(fmt: str) -> dict:
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"Software": None}


def save(fig, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes, with no date or version in it."""
    import matplotlib

    if fmt not in PICTURE_FORMATS:
        raise UsageError(f"unknown picture format {fmt!r}; expected one of: {', '.join(PICTURE_FORMATS)}")
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig.savefig(buf, format=fmt, dpi=100, metadata=_metadata(fmt), facecolor="white")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Text measurement and layout


def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height of (multi-line) ``text`` at ``size`` points, as matplotlib draws it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=size)
    ttp = TextToPath()
    lines = text.split("\n")
    width = max(ttp.get_text_width_height_descent(line or " ", prop, ismath=False)[0] for line in lines)
    line_height = size * 1.2  # matplotlib's default linespacing
    return width, line_height * len(lines)


def wrap(label: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


@dataclass
class Box:
    """A label box, centred at (x, y) points; ``anchor`` is the node (or the edge's two nodes)."""

    text: str
    w: float
    h: float
    anchor: tuple[int, ...]
    x: float = 0.0
    y: float = 0.0


@dataclass
class Layout:
    nodes: list[str]
    pos: "object"  # numpy array (n, 2) in points
    node_boxes: list[Box]
    edge_boxes: list[Box] = field(default_factory=list)

    def boxes(self) -> list[Box]:
        """Node boxes, then edge label boxes."""
        return self.node_boxes + self.edge_boxes


def centre_node(vg) -> str | None:
    """The focus, or else the best connected node (ties by IRI): the middle of the rings."""
    focus = vg.graph.get("focus")
    if focus in vg:
        return focus
    neighbours = {n: set(vg.predecessors(n)) | set(vg.successors(n)) for n in vg.nodes}
    return min(vg.nodes, key=lambda n: (-len(neighbours[n] - {n}), n), default=None)


def _ring_positions(vg, nodes: list[str], boxes: list[Box]):
    """Rings around the centre: hop distance d on ring d, each node near its parent's angle.

    A ring's radius leaves room for the widest boxes of it and the ring inside, and grows until
    the ring's circumference holds its boxes side by side; a crowded ring alternates between two
    radii so that neighbours can sit closer in angle.
    """
    import networkx as nx
    import numpy as np

    pos = np.zeros((len(nodes), 2))
    if not nodes:
        return pos
    index = {n: i for i, n in enumerate(nodes)}
    simple = nx.Graph()
    simple.add_nodes_from(nodes)
    simple.add_edges_from((u, v) for u, v in vg.edges() if u != v)
    centre = centre_node(vg)
    dist = nx.single_source_shortest_path_length(simple, centre)
    outer = max(dist.values()) + 1
    rings: dict[int, list[str]] = {}
    for n in nodes:
        rings.setdefault(dist.get(n, outer), []).append(n)
    angle = {centre: 0.0}
    radius, previous_w = 0.0, boxes[index[centre]].w
    for d in sorted(rings):
        if d == 0:
            continue
        ring = rings[d]

        def parent_angle(n, d=d):
            parents = sorted(angle[p] for p in simple.neighbors(n) if p in angle and dist.get(p, d) < d)
            return (parents[0] if parents else 0.0, n)

        ring.sort(key=parent_angle)
        widths = [boxes[index[n]].w for n in ring]
        heights = [boxes[index[n]].h for n in ring]
        tangential = sum((w + h) / 2 + GAP for w, h in zip(widths, heights))
        radius = radius + (previous_w + max(widths)) / 2 + 2 * GAP
        stagger = len(ring) > 12 and tangential > 2 * math.pi * radius
        if stagger:
            tangential /= 1.6
        radius = max(radius, tangential / (2 * math.pi))
        step = max(heights) * 2 + GAP
        wanted = [parent_angle(n)[0] for n in ring]
        seps = [((w + h) / 2 + GAP) / radius / (1.6 if stagger else 1.0) for w, h in zip(widths, heights)]
        for k, (n, a) in enumerate(zip(ring, _spread(wanted, seps, even=(d == 1)))):
            angle[n] = a
            r = radius + (step if stagger and k % 2 else 0.0)
            pos[index[n]] = (r * math.cos(a), r * math.sin(a))
        previous_w = max(widths) + (2 * step if stagger else 0.0)
        if stagger:
            radius += step
    return pos


def _spread(wanted: list[float], seps: list[float], *, even: bool) -> list[float]:
    """Angles near ``wanted`` (sorted) with neighbours at least their ``seps`` apart.

    The first ring (``even``) and any ring too full to keep near its parents are spaced evenly.
    """
    n = len(wanted)
    if even or n < 2 or sum(seps) >= 2 * math.pi * 0.9:
        start = wanted[0] if wanted and not even else 0.0
        return [start + 2 * math.pi * k / n for k in range(n)]
    out = [wanted[0]]
    for k in range(1, n):
        out.append(max(wanted[k], out[-1] + (seps[k - 1] + seps[k]) / 2))
    shift = sum(o - w for o, w in zip(out, wanted)) / n  # centre the group on its parents
    out = [o - shift for o in out]
    if out[-1] - out[0] + (seps[0] + seps[-1]) / 2 > 2 * math.pi:
        return [wanted[0] + 2 * math.pi * k / n for k in range(n)]
    return out


def edge_label_text(vg, u: str, v: str) -> str:
    """One block per linked pair: each relation once, with its qualifiers and a count."""
    counts: dict[str, int] = {}
    quals: dict[str, set[str]] = {}
    for a, b in ((u, v), (v, u)):
        for _, data in (vg.get_edge_data(a, b) or {}).items():
            info = edge_info(data)
            counts[info.relation_label] = counts.get(info.relation_label, 0) + 1
            if info.qualifier:
                quals.setdefault(info.relation_label, set()).add(info.qualifier)
    lines = []
    for rel in sorted(counts):
        q = ", ".join(sorted(quals.get(rel, ())))
        n = f" \u00d7{counts[rel]}" if counts[rel] > 1 else ""
        lines.append(f"{rel}{n}" + (f" ({q})" if q else ""))
    return "\n".join(wrap(line, 34) for line in lines)


def layout(vg, *, edge_labels: bool | None = None) -> Layout:
    """Positions (in points) where no two label boxes overlap."""
    nodes = list(vg.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    focus = vg.graph.get("focus")
    node_boxes = []
    for i, n in enumerate(nodes):
        size = NODE_FONT * (1.2 if n == focus else 1.0)
        text = wrap(node_label(n, vg.nodes[n]))
        w, h = _text_size(text, size)
        node_boxes.append(Box(text, w + 2 * NODE_PAD, h + 2 * NODE_PAD, (i,)))
    pairs = sorted({tuple(sorted((u, v))) for u, v in vg.edges() if u != v})
    if edge_labels is None:
        edge_labels = len(pairs) <= MAX_EDGE_LABEL_PAIRS
    edge_boxes = []
    if edge_labels:
        for u, v in pairs:
            text = edge_label_text(vg, u, v)
            w, h = _text_size(text, EDGE_FONT)
            edge_boxes.append(Box(text, w + 4, h + 2, (index[u], index[v])))
    pos = _ring_positions(vg, nodes, node_boxes)
    if nodes:
        _remove_overlaps(pos, node_boxes + edge_boxes)
        pos -= pos.min(axis=0)
    lay = Layout(nodes, pos, node_boxes, edge_boxes)
    for b in lay.boxes():
        b.x, b.y = (float(c) for c in pos[list(b.anchor)].mean(axis=0))
    return lay


def _remove_overlaps(pos, boxes: list[Box], max_rounds: int = 5000) -> None:
    """Move nodes until no two boxes overlap (an edge label sits midway between its nodes).

    Each round moves the two boxes of every overlapping pair half the overlap apart, along the
    axis where the overlap is smaller; moving an edge label moves both its nodes. An edge label
    that overlaps one of its own nodes lengthens its edge instead. Every 100 rounds without
    success the whole picture is spread by 10 % (larger distances, same box sizes), which
    always ends it.
    """
    import numpy as np

    n_boxes, n_nodes = len(boxes), len(pos)
    w = np.array([b.w for b in boxes]) + GAP
    h = np.array([b.h for b in boxes]) + GAP
    member = np.zeros((n_boxes, n_nodes))  # box -> its node(s)
    own = np.zeros((n_boxes, n_boxes), dtype=bool)  # edge label i and its own node box j
    for i, b in enumerate(boxes):
        member[i, list(b.anchor)] = 1.0
        if len(b.anchor) > 1:
            own[i, list(b.anchor)] = True
    centre_of = member / member.sum(axis=1, keepdims=True)
    label_rows = [i for i, b in enumerate(boxes) if len(b.anchor) > 1]
    rng = np.random.default_rng(7)
    other = np.ones((n_boxes, n_boxes), dtype=bool)
    np.fill_diagonal(other, False)
    for rounds in range(max_rounds):
        centre = centre_of @ pos
        dx = centre[:, None, 0] - centre[None, :, 0]
        dy = centre[:, None, 1] - centre[None, :, 1]
        ox = (w[:, None] + w[None, :]) / 2 - np.abs(dx)
        oy = (h[:, None] + h[None, :]) / 2 - np.abs(dy)
        overlap = (ox > 0) & (oy > 0) & other
        if not overlap.any():
            return
        # Coincident centres: a tiny seeded nudge gives them a direction.
        dx = np.where(dx == 0, rng.uniform(-1e-3, 1e-3, dx.shape), dx)
        dy = np.where(dy == 0, rng.uniform(-1e-3, 1e-3, dy.shape), dy)
        along_x = ox < oy
        hit = overlap & ~own & ~own.T
        mx = np.where(hit & along_x, np.sign(dx) * ox / 2, 0.0).sum(axis=1)
        my = np.where(hit & ~along_x, np.sign(dy) * oy / 2, 0.0).sum(axis=1)
        move = member.T @ np.stack([mx, my], axis=1)
        for i in label_rows:
            a, b = boxes[i].anchor
            if overlap[i, a] or overlap[i, b]:
                vec = pos[b] - pos[a]
                norm = float(np.hypot(*vec)) or 1.0
                push = vec / norm * max(GAP, min(w[i], h[i]) / 2)
                move[a] -= push
                move[b] += push
        pos += 0.5 * move
        if rounds % 100 == 99:
            pos *= 1.1
    raise RuntimeError("label overlap removal did not converge")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Drawing a view


def _clip(x0, y0, x1, y1, box: Box) -> tuple[float, float]:
    """Where the segment from the box centre (x0, y0) to (x1, y1) leaves the box."""
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        return x0, y0
    tx = (box.w / 2) / abs(dx) if dx else math.inf
    ty = (box.h / 2) / abs(dy) if dy else math.inf
    t = min(tx, ty, 1.0)
    return x0 + dx * t, y0 + dy * t


def _edge_style(vg, u: str, v: str) -> tuple[str, str, float]:
    colour, style, width = EDGE_COLOUR, "solid", 1.0
    infos = [edge_info(d) for d in (vg.get_edge_data(u, v) or {}).values()]
    for info in infos:
        if info.severity.lower() in SEVERITY_COLOURS:
            colour, width = SEVERITY_COLOURS[info.severity.lower()], 2.2
    if infos and all(i.negative for i in infos):
        style = "dashed"
    return colour, style, width


def figure(vg, *, edge_labels: bool | None = None):
    """A matplotlib figure drawing the view graph ``vg`` (also used by the tests to measure it)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Patch

    lay = layout(vg, edge_labels=edge_labels)
    margin = 24.0
    legend_types = sorted({node_type(d) for _, d in vg.nodes(data=True)}, key=_type_order)
    handles = [Patch(facecolor=type_colour(t), edgecolor="#444444",
                     label=type_title(t))
               for t in legend_types]
    severities = sorted({edge_info(d).severity.lower() for _, _, d in vg.edges(data=True)} & set(SEVERITY_COLOURS),
                        key=list(SEVERITY_COLOURS).index)
    handles += [Line2D([], [], color=SEVERITY_COLOURS[s], lw=2.2, label=f"{s} interaction") for s in severities]
    if any(edge_info(d).negative for _, _, d in vg.edges(data=True)):
        handles.append(Line2D([], [], color=EDGE_COLOUR, lw=1.0, ls="--", label="finding of no effect"))
    boxes = lay.boxes()
    if boxes:
        x0 = min(b.x - b.w / 2 for b in boxes)
        x1 = max(b.x + b.w / 2 for b in boxes)
        y0 = min(b.y - b.h / 2 for b in boxes)
        y1 = max(b.y + b.h / 2 for b in boxes)
    else:
        x0 = y0 = 0.0
        x1 = y1 = 100.0
    title = title_of(vg)
    width = max(x1 - x0 + 2 * margin, 480.0, _text_size(title, 11.5)[0] * 1.1 + 2 * margin)
    ncol = max(1, min(len(handles), int(width // 150)))
    legend_h = 20.0 + 16.0 * math.ceil(len(handles) / ncol) if handles else 0.0
    title_h = 28.0
    height = y1 - y0 + 2 * margin + legend_h + title_h
    fig = Figure(figsize=(width / 72, height / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0 - (width - (x1 - x0)) / 2, x1 + (width - (x1 - x0)) / 2)
    ax.set_ylim(y0 - margin, y1 + margin + legend_h + title_h)
    ax.set_axis_off()
    fig.text(0.5, 1 - 8 / height, title, ha="center", va="top", fontsize=11, fontweight="bold")
    if handles:
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - title_h / height), ncol=ncol,
                   fontsize=8, frameon=False, handlelength=1.6, columnspacing=1.2)

    index = {n: i for i, n in enumerate(lay.nodes)}
    done = set()
    for u, v in vg.edges():
        if (u, v) in done or u == v:
            continue
        done.add((u, v))
        bu, bv = lay.node_boxes[index[u]], lay.node_boxes[index[v]]
        start = _clip(bu.x, bu.y, bv.x, bv.y, bu)
        end = _clip(bv.x, bv.y, bu.x, bu.y, bv)
        colour, style, lw = _edge_style(vg, u, v)
        both = vg.has_edge(v, u)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, color=colour, lw=lw,
                                     linestyle=style, shrinkA=0, shrinkB=1, zorder=1,
                                     connectionstyle="arc3,rad=0.12" if both else "arc3,rad=0"))
    for b in lay.edge_boxes:
        ax.text(b.x, b.y, b.text, ha="center", va="center", fontsize=EDGE_FONT, color="#333333", zorder=2,
                linespacing=1.2, gid="edge-label",
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    focus = vg.graph.get("focus")
    for n, b in zip(lay.nodes, lay.node_boxes):
        fill = type_colour(node_type(vg.nodes[n]))
        size = NODE_FONT * (1.2 if n == focus else 1.0)
        ax.text(b.x, b.y, b.text, ha="center", va="center", fontsize=size, color=text_colour(fill), zorder=3,
                linespacing=1.2, gid="node-label", fontweight="bold" if n == focus else "normal",
                bbox={"boxstyle": f"round,pad={NODE_PAD / size:.3f}", "facecolor": fill,
                      "edgecolor": "#000000" if n == focus else "#444444", "linewidth": 1.6 if n == focus else 0.6})
    return fig


def draw(vg, fmt: str) -> bytes:
    """The view graph as an SVG or PNG picture."""
    import matplotlib

    with matplotlib.rc_context(_rc()):
        return save(figure(vg), fmt)


# ---------------------------------------------------------------------------------------------
# Charts


def _rank(graph: Graph, concept) -> int | None:
    try:
        return int(graph.value(concept, SKG.rank))
    except (TypeError, ValueError):
        return None


def _scale_order(graph: Graph, concept) -> tuple[int, str]:
    """Highest rank (best evidence, most severe) first; unranked last."""
    rank = _rank(graph, concept)
    return (-rank if rank is not None else 10**6, str(concept))


def _label(graph: Graph, node) -> str:
    value = graph.value(node, SKOS.prefLabel) or graph.value(node, RDFS.label)
    return str(value) if value is not None else local_name(node)


def evidence_groups(graph: Graph) -> list[tuple[str, int | None, list[str]]]:
    """(evidence level, sorted condition labels) for every level of the scale, best first."""
    from kg.schema import SCHEMES

    groups: dict = {}
    for stmt in graph.subjects(RDF.type, SKG.EffectivenessAssessment):
        level = graph.value(stmt, SKG.evidenceLevel)
        cond = graph.value(stmt, SKG.condition)
        if level is not None and cond is not None:
            groups.setdefault(level, set()).add(_label(graph, cond))
    levels = set(groups) | set(graph.subjects(RDF.type, SKG.EvidenceLevel))
    levels |= set(graph.subjects(SKOS.inScheme, SCHEMES["evidence"]))
    ordered = sorted(levels, key=lambda c: _scale_order(graph, c))
    return [(_label(graph, c), _rank(graph, c), sorted(groups.get(c, ()), key=str.casefold)) for c in ordered]


def severity_groups(graph: Graph) -> list[tuple[str, int | None, list[str]]]:
    """(severity, sorted "substance + interactant" labels) for every severity, most severe first."""
    from kg.schema import SCHEMES

    groups: dict = {}
    for stmt in graph.subjects(RDF.type, SKG.Interaction):
        sev = graph.value(stmt, SKG.severity)
        other = graph.value(stmt, SKG.interactant)
        subst = graph.value(stmt, SKG.aboutSubstance)
        if sev is not None and other is not None:
            groups.setdefault(sev, set()).add(f"{_label(graph, subst)} + {_label(graph, other)}")
    levels = set(groups) | set(graph.subjects(RDF.type, SKG.Severity))
    levels |= set(graph.subjects(SKOS.inScheme, SCHEMES["severity"]))
    ordered = sorted(levels, key=lambda c: _scale_order(graph, c))
    return [(_label(graph, c), _rank(graph, c), sorted(groups.get(c, ()), key=str.casefold)) for c in ordered]


def _group_chart(groups: list[tuple[str, int | None, list[str]]], title: str, what: str, colours: list[str]):
    """Horizontal bars (one per level, count of items) with the items' names beside each bar."""
    from matplotlib.figure import Figure

    rows = []
    for level, _, items in groups:
        text = "\n".join(textwrap.wrap(", ".join(items), 90)) if items else ""
        rows.append((level, len(items), text))
    lines = [max(1, t.count("\n") + 1) for _, _, t in rows]
    row_h = [0.34 + 0.16 * n for n in lines]
    height = 1.2 + sum(row_h)
    fig = Figure(figsize=(11, height))
    ax = fig.add_axes((0.2, 0.55 / height, 0.78, 1 - 1.05 / height))
    y, ys = 0.0, []
    for hgt in row_h:
        ys.append(y + hgt / 2)
        y += hgt
    maxcount = max([c for _, c, _ in rows] + [1])
    for (level, count, text), yy, hgt, colour in zip(rows, ys, row_h, colours):
        ax.barh(yy, count, height=min(0.3, hgt * 0.8), color=colour, edgecolor="#333333", linewidth=0.5)
        ax.text(count + maxcount * 0.01, yy, f"{count}", va="center", ha="left", fontsize=9, fontweight="bold")
        if text:
            ax.text(maxcount * 0.06 + count, yy, text, va="center", ha="left", fontsize=8, color="#222222",
                    linespacing=1.25)
    ax.set_yticks(ys, [level for level, _, _ in rows], fontsize=9)
    ax.set_ylim(y, 0)
    ax.set_xlim(0, maxcount * 3.2)
    ax.set_xlabel(f"number of {what}", fontsize=9)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(title, fontsize=11, fontweight="bold", y=1 - 0.12 / height, va="top")
    return fig


def _evidence_colour(rank: int | None, top: int) -> str:
    """Green for evidence of effect, grey for insufficient evidence, red against; darker further out."""
    if rank is None or rank == 0:
        return "#9E9E9E"
    t = min(abs(rank) / max(top, 1), 1.0)
    if rank > 0:
        return _mix((0.70, 0.87, 0.60), (0.10, 0.50, 0.20), t)
    return _mix((0.96, 0.70, 0.62), (0.70, 0.10, 0.12), t)


def _mix(a, b, t: float) -> str:
    r, g, bl = (x + (y - x) * t for x, y in zip(a, b))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(bl * 255):02x}"


def chart(graph: Graph, which: str, fmt: str) -> bytes:
    """``evidence``: conditions grouped by evidence level; ``severity``: interactions by severity.

    :raises UsageError: for an unknown chart or format.
    """
    import matplotlib

    with matplotlib.rc_context(_rc()):
        return save(_chart_figure(graph, which), fmt)


def _chart_figure(graph: Graph, which: str):
    if which == "evidence":
        groups = evidence_groups(graph)
        top = max((abs(r) for _, r, _ in groups if r is not None), default=1)
        colours = [_evidence_colour(r, top) for _, r, _ in groups]
        fig = _group_chart(groups, "Conditions by evidence level of effectiveness", "conditions", colours)
    elif which == "severity":
        groups = severity_groups(graph)
        sev = [SEVERITY_COLOURS.get(level.lower(), EDGE_COLOUR) for level, _, _ in groups]
        fig = _group_chart(groups, "Interactions by severity", "interactions", sev)
    else:
        raise UsageError(f"unknown chart {which!r}; expected one of: {', '.join(CHARTS)}")
    return fig
