"""Build, validate and write ``graph.nt`` and the Oxigraph store one monograph at a time.

The whole graph never sits in rdflib's memory store, so a build of hundreds of monographs needs
the memory of the entities and one monograph, not of every triple. It rests on how the graph is
made (:mod:`kg.graph.build`): the entity graph (the ontology and every entity, merged across files)
plus one part per monograph, and parts share no node but entities and the external sources they
cite (statement, quote and section IRIs carry the monograph's id). So:

- **SHACL**: the entity graph is checked as a whole, once. Each part is then checked in a small
  graph of its own: the ontology, the part, and every triple of the entities its monograph
  declares (its statements point to no others), with the part's nodes other than entities as
  focus nodes (the entities were checked with the entity graph; no shape reads the direct edges a
  part adds to them). A shape reads a node's own triples and the entities it points to, so this
  finds what one run over the whole graph finds (tested against :func:`kg.graph.validate.validate`).
  A fresh graph per part, rather than adding each part to the entity graph and taking it out
  again: rdflib's memory store keeps an empty index entry for every node removed from it.
- **provenance** and the record count are checked per part.
- **N-Triples**: each piece's lines are sorted into a run file; the runs are merged into the
  file :func:`kg.publish.export.dumps` writes for the whole graph (tested byte for byte).
- the **violation queries**, which join across monographs, run over the whole graph in the new
  Oxigraph store loaded from that file, before either replaces anything in the output folder.
"""

from __future__ import annotations

import gc
import heapq
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph

from kg import schema
from kg.graph.build import KIND_CLASS, entity_graph, entity_iri, metadata_graph, monograph_part, new_graph, reconcile
from kg.errors import ValidationFailed
from kg.graph.build import ntriples_lines
from kg.fileio import make_work_folder, remove_dead_work_folders
from kg.curation.records import Monograph
from kg.graph.validate import Finding, Report, provenance, shacl, violation_queries


@dataclass
class Built:
    """What a build wrote, counted for its summary."""

    monographs: list[Monograph]
    triples: int = 0
    records_in: int = 0
    statements_out: int = 0
    types: Counter = field(default_factory=Counter)
    checks: list[str] = field(default_factory=list)
    metadata: Graph | None = None
    #: Seconds per step: ``parts`` (graph, SHACL and provenance per monograph), ``graph.nt``
    #: (merging the runs), ``store`` (loading it, the violation queries and the metadata).
    seconds: dict[str, float] = field(default_factory=dict)


def check_parts(monographs: list[Monograph], runs: Path, *, run_shacl: bool = True) -> tuple[Built, list[Finding]]:
    """Build and check each monograph's part beside the entity graph; write each piece's sorted
    N-Triples lines into a run file in the folder ``runs``. Returns the counts and the findings
    of SHACL and provenance."""
    built = Built(monographs)
    base = entity_graph(monographs)
    shapes: set[tuple[str, str, str]] = set()
    found: list[Finding] = []
    missing: list[str] = []
    if run_shacl:
        built.checks.append("shacl")
        shapes.update((f.check, f.focus, f.message) for f in shacl(base))
    built.checks.append("provenance")
    _write_run(runs / "0", ntriples_lines(base))
    ontology = schema.canonical_ontology()
    every_entity = {entity_iri(e.type, e.id) for m in monographs for e in m.entities}
    for n, m in enumerate(monographs, start=1):
        part = monograph_part(m, base)
        if run_shacl:
            view = new_graph()
            view += ontology
            for node in {entity_iri(e.type, e.id) for e in m.entities}:
                for t in base.triples((node, None, None)):
                    view.add(t)
            view += part
            focus = sorted(set(part.subjects()) - every_entity)
            shapes.update((f.check, f.focus, f.message) for f in shacl(view, focus_nodes=focus))
            del view
        found += provenance(part, [m])
        records_in, _out, lost = reconcile(part, [m])
        built.records_in += records_in
        missing += lost
        _write_run(runs / str(n), ntriples_lines(part))
        del part
    if missing:
        raise ValidationFailed(f"{len(missing)} record(s) missing from the graph: {'; '.join(missing[:5])}")
    findings = sorted((Finding(*f) for f in shapes), key=lambda f: (f.focus, f.message))
    return built, findings + sorted(found, key=lambda f: (f.focus, f.message))


def _write_run(path: Path, lines: set[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(line + "\n" for line in sorted(lines))


#: Most run files merged at once (each is an open file; the usual limit is 1024 per process).
MERGE_FILES = 200


def merge_runs(runs: list[Path], target: Path) -> int:
    """Merge sorted run files into ``target`` (each line once); returns the number of lines.
    No N-Triples line is a prefix of another (each ends with `` .``), so lines sort the same
    with their line ends as without. More than :data:`MERGE_FILES` runs are merged in rounds,
    through intermediate runs beside ``target`` (removed again)."""
    level = 0
    while len(runs) > MERGE_FILES:
        level += 1
        merged = []
        for i in range(0, len(runs), MERGE_FILES):
            step = target.with_name(f"{target.name}.{level}.{i // MERGE_FILES}")
            _merge(runs[i:i + MERGE_FILES], step)
            merged.append(step)
        if level > 1:
            for p in runs:
                p.unlink()
        runs = merged
    count = _merge(runs, target)
    if level:
        for p in runs:
            p.unlink()
    return count


def _merge(runs: list[Path], target: Path) -> int:
    count = 0
    last = None
    with ExitStack() as stack, open(target, "w", encoding="utf-8", newline="\n") as out:
        files = [stack.enter_context(open(p, encoding="utf-8", newline="\n")) for p in runs]
        for line in heapq.merge(*files):
            if line != last:
                out.write(line)
                count += 1
                last = line
        out.flush()
        os.fsync(out.fileno())
    return count


def check_files(monographs: list[Monograph], *, run_shacl: bool = True) -> Report:
    """The checks of :func:`build_files`, one monograph at a time, with nothing kept: what
    ``kg validate`` runs on data files. The graph and the store it queries are written in a
    temporary folder, removed afterwards.

    :raises ValidationFailed: when a record made no statement.
    """
    with tempfile.TemporaryDirectory(prefix="kg-validate.") as tmp:
        return build_files(monographs, Path(tmp), run_shacl=run_shacl, store=False)[1]


#: Prefix of the folder of run files inside the folder a build writes (see :func:`kg.fileio.make_work_folder`).
RUNS_PREFIX = ".kg-build."


@contextmanager
def _work_folder(out: Path) -> Iterator[Path]:
    folder = make_work_folder(out, RUNS_PREFIX)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_files(monographs: list[Monograph], out: Path, *, run_shacl: bool = True,
                store: bool = True) -> tuple[Built, Report]:
    """Build ``monographs`` into ``out/graph.nt`` and (``store``) the Oxigraph store
    ``out/oxigraph``, checking everything first: when the report does not conform, nothing in
    ``out`` is replaced and the report is returned. ``out`` must exist.

    :raises ValidationFailed: when a record made no statement.
    """
    from kg.graph.storage import STORE_DIR, open_store, rdflib_graph, staged_store

    # The runs go in a work folder named with this process (a killed build's is removed by the next).
    remove_dead_work_folders(out, RUNS_PREFIX)
    with _work_folder(out) as runs:
        start = time.perf_counter()
        built, findings = check_parts(monographs, runs, run_shacl=run_shacl)
        built.seconds["parts"], start = time.perf_counter() - start, time.perf_counter()
        nt = runs / "graph.nt"
        pieces = sorted((p for p in runs.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        built.triples = merge_runs(pieces, nt)
        for p in pieces:
            p.unlink()
        built.seconds["graph.nt"], start = time.perf_counter() - start, time.perf_counter()
        with staged_store(nt, out / STORE_DIR) as staged:
            graph = rdflib_graph(open_store(staged.folder))
            names, violations = violation_queries(graph)
            built.checks += names
            report = Report(findings + violations, built.checks)
            if report.conforms:
                built.types = Counter(graph.objects(None, RDF.type))
                built.statements_out = sum(built.types[cls] for cls, _ in KIND_CLASS.values())
                built.metadata = metadata_graph(graph, monographs, built.triples)
            del graph
            gc.collect()  # an rdflib Graph is a reference cycle: close the store before it moves
            staged.keep = store and report.conforms
            if not report.conforms:
                return built, report  # the staged store and graph.nt go with their folders
            os.chmod(nt, 0o644)
            os.replace(nt, out / "graph.nt")
            built.seconds["store"] = time.perf_counter() - start
        if not store and (out / STORE_DIR).is_dir():
            shutil.rmtree(out / STORE_DIR)
    return built, report
