"""``kg build`` and ``kg validate``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any
from pathlib import Path

from rdflib import Graph

from kg.graph.build import KIND_CLASS
from kg.errors import ValidationFailed
from kg.fileio import local_path
from kg.curation.records import ENTITY_TYPES
from kg.graph.stream import Built
from kg.vocab import SKG
from kg.cli.common import add_monographs_option, monograph_paths

#: Files every build writes: name -> export format (for KGX the name is a prefix:
#: kgx_nodes.tsv and kgx_edges.tsv).
BUILD_OUTPUTS = {
    "graph.ttl": "turtle",
    "graph.nt": "ntriples",
    "graph.jsonld": "jsonld",
    "graph.graphml": "graphml",
    "cytoscape.json": "cytoscape",
    "kgx": "kgx",
}

#: Pictures every build draws: name -> keyword arguments of :func:`kg.publish.viz.render`.
BUILD_PICTURES = {
    "overview.html": {"view": "all"},
    "overview.svg": {"view": "all"},
    "overview.png": {"view": "all"},
    "evidence.png": {"chart": "evidence"},
    "evidence.svg": {"chart": "evidence"},
    "severity.png": {"chart": "severity"},
    "severity.svg": {"chart": "severity"},
}


def register(sub) -> None:
    p = sub.add_parser("build", help="build, validate and write the graph and its exports",
                       description="Build the monographs into a graph, validate it, write it and its exports into "
                                   "an output folder and print a summary. A monograph whose curated_by says it "
                                   "was not reviewed (a 'kg ingest' draft) is refused unless --allow-drafts is given.")
    add_monographs_option(p, drafts=True)
    p.add_argument("--out", default="output", metavar="DIR", help="output folder (default: ./output)")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation (provenance is always checked)")
    p.add_argument("--outputs", choices=["all", "graph"], default="all",
                   help="'graph' writes only graph.nt, metadata.ttl and the store, in memory bounded by one "
                        "monograph (for hundreds of monographs); 'all' also writes every export and picture, "
                        "which needs the whole graph in memory (default: all)")
    p.add_argument("--store", choices=["oxigraph", "none"], default="oxigraph",
                   help="also write a persistent Oxigraph store (folder oxigraph/) that query commands open instead "
                        "of parsing graph.nt; 'none' writes no store and removes an old one (default: oxigraph)")
    p.set_defaults(func=run_build)

    v = sub.add_parser("validate", help="check the graph against the shapes, provenance and violation queries",
                       description="Exit 0 when the graph conforms, 1 on violations, 2 when it cannot be loaded.")
    add_monographs_option(v)
    v.add_argument("--graph", metavar="PATH", help="a built graph (file or output folder) to check instead of building")
    v.set_defaults(func=run_validate)


def run_build(args: argparse.Namespace) -> int:
    """Build into a work folder beside ``--out`` and swap it in whole (:func:`kg.fileio.replaced_folder`):
    a build that fails, is refused or is killed leaves the folder as the last build left it, one
    that completes leaves only what it wrote (and the files the user keeps there)."""
    from kg.graph.build import build_graph, load_all
    from kg.publish.export import dumps
    from kg.fileio import replaced_folder, write_text
    from kg.graph.storage import STORE_DIR
    from kg.graph.stream import build_files

    from kg.curation.drafts import drafts, refuse_drafts

    monographs = load_all(monograph_paths(args))
    if not args.allow_drafts:
        refuse_drafts(monographs)  # before anything is written
    out = local_path(args.out, what="output folder")
    store = args.store == "oxigraph"
    with replaced_folder(out, owned=owned_by_build) as folder:
        work = folder.work
        built, report = build_files(monographs, work, run_shacl=not args.no_validate, store=store)
        if not report.conforms:
            print(report.text(), file=sys.stderr)
            raise ValidationFailed(f"graph does not validate ({len(report.findings)} problem(s)); nothing written")
        names = ["graph.nt"] + ([STORE_DIR] if store else [])
        write_text(work / "metadata.ttl", dumps(built.metadata, "turtle"))
        names.append("metadata.ttl")
        not_drawn: list[str] = []
        if args.outputs == "all":
            files, not_drawn = write_outputs(build_graph(monographs), work)
            names += [p.name for p in files]
        removed = [n for n in build_output_names() if n not in names and folder.old is not None
                   and (folder.old / n).is_file()]
    written = [out / n for n in names]
    print(summary(built, written, not_drawn=not_drawn, removed=[out / n for n in removed],
                  drafts=drafts(monographs)))
    return 0


def owned_by_build(name: str) -> bool:
    """Does the entry ``name`` of an output folder belong to the build (what it writes, and the
    hidden ``.part`` leftovers of earlier builds), rather than to the user? What the build owns is
    not carried into the new folder: a file of an earlier build that this one does not write
    would describe another graph."""
    from kg.graph.storage import STORE_DIR

    return (name in build_output_names() or name == STORE_DIR or name == f".{STORE_DIR}.old"
            or (name.startswith(".") and name.endswith(".part")))


def write_outputs(graph: Graph, out: Path) -> tuple[list[Path], list[str]]:
    """The exports and pictures of ``graph`` other than ``graph.nt``: each rendered in memory
    first, then written atomically. A view with more entities than a legible drawing holds
    (:data:`kg.publish.viz.MAX_DRAWN_ENTITIES`) is not drawn. Returns the files written and a note on
    what was not drawn."""
    from kg.publish.export import PART_SUFFIXES, dumps_parts
    from kg.fileio import write_bytes, write_text
    from kg.publish import viz

    rendered: dict[str, str | bytes] = {}
    for name, fmt in BUILD_OUTPUTS.items():
        if name == "graph.nt":
            continue  # written with the store, as the graph was checked (kg.graph.stream)
        for part, text in dumps_parts(graph, fmt).items():
            rendered[name + PART_SUFFIXES[fmt][part] if part else name] = text
    views: dict[str, Any] = {}  # each view projected once, for all its formats
    not_drawn: dict[str, list[str]] = {}
    for name, options in BUILD_PICTURES.items():
        view = options.get("view")
        if view is None:  # a chart: a bar per level, the names listed beside it
            rendered[name] = viz.render(graph, viz.picture_format(name), **options)
            continue
        if view not in views:
            views[view] = viz.view_graph(graph, view)
            try:
                viz.check_drawable(views[view], view, viz.MAX_DRAWN_ENTITIES)
            except viz.TooManyToDraw as exc:
                views[view] = exc
        if isinstance(views[view], viz.TooManyToDraw):
            not_drawn.setdefault(view, []).append(name)
        else:
            rendered[name] = viz.draw_view(views[view], viz.picture_format(name))
    written = []
    for name, content in rendered.items():
        if isinstance(content, bytes):
            write_bytes(out / name, content)
        else:
            write_text(out / name, content)
        written.append(out / name)
    notes = [f"{', '.join(names)} (the {view} view has {views[view].entities:,} entities, more than the "
             f"{views[view].limit:,} a drawing holds legibly; draw part of it with kg viz --focus NAME)"
             for view, names in not_drawn.items()]
    return written, notes


def build_output_names() -> list[str]:
    """Every file name in an output folder that ``kg build`` writes (besides the store)."""
    from kg.publish.export import PART_SUFFIXES

    names = ["metadata.ttl"]
    for name, fmt in BUILD_OUTPUTS.items():
        names += [name + suffix for suffix in PART_SUFFIXES[fmt].values()] if fmt in PART_SUFFIXES else [name]
    return names + list(BUILD_PICTURES)


def summary(built: Built, written: list[Path], *, not_drawn: Sequence[str] = (), removed: Sequence[Path] = (),
            drafts: Sequence = ()) -> str:
    types = built.types
    lines = [
        f"built {len(built.monographs)} monograph(s): {', '.join(m.title for m in built.monographs)}",
    ]
    if drafts:
        lines.append(f"drafts: the graph contains {len(drafts)} monograph(s) nobody reviewed (--allow-drafts): "
                     + ", ".join(f"{m.title} ({m.path})" for m in drafts))
    lines += [
        f"triples: {built.triples}",
        f"records in: {built.records_in}, statements out: {built.statements_out}",
        "entities: " + ", ".join(f"{t} {types[SKG[t]]}" for t in ENTITY_TYPES if types[SKG[t]]),
        "statements: " + ", ".join(f"{cls.split('#')[-1]} {types[cls]}" for cls, _ in KIND_CLASS.values() if types[cls]),
        f"validated: {', '.join(built.checks)}: conforms",
        "wrote: " + ", ".join(str(p) for p in written),
    ]
    lines += [f"not drawn: {note}" for note in not_drawn]
    if removed:
        lines.append("removed, from an earlier build: " + ", ".join(str(p) for p in removed))
    return "\n".join(lines)


def run_validate(args: argparse.Namespace) -> int:
    from kg.graph.build import load_all
    from kg.sparql.store import load_graph
    from kg.graph.stream import check_files
    from kg.graph.validate import validate

    from kg.curation.drafts import drafts

    monographs = load_all(monograph_paths(args))
    for m in drafts(monographs):  # checked all the same: validating a draft is part of reviewing it
        print(f"kg validate: note: {m.path} is a draft nobody reviewed; 'kg build' refuses it without --allow-drafts",
              file=sys.stderr)
    if args.graph:
        report = validate(load_graph(args.graph), monographs)
    else:  # as kg build checks them: one monograph at a time, never the whole graph in rdflib
        report = check_files(monographs)
    print(report.text())
    return 0 if report.conforms else 1
