"""Validate a built graph: SHACL shapes, provenance, and the ``*-violation.rq`` queries.

A report lists every problem; :func:`validate` never raises for a finding, only for a graph it
cannot load.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, SH, Graph, URIRef

from kg import resources, schema
from kg.curation.provenance import SourceText
from kg.curation.records import Monograph
from kg.vocab import ID, OA, SKG


@dataclass
class Finding:
    check: str  # "shacl", "provenance" or the violation query's name
    focus: str
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.findings

    def text(self) -> str:
        lines = [f"checks run: {', '.join(self.checks)}"]
        if self.conforms:
            lines.append("conforms: yes")
        else:
            lines.append(f"conforms: no ({len(self.findings)} problem(s))")
            for f in self.findings:
                lines.append(f"- [{f.check}] {f.focus}: {f.message}")
        return "\n".join(lines)


@functools.cache
def _shapes() -> Graph:
    """``ontology/shapes.ttl``, parsed once per process (pySHACL only reads it)."""
    return Graph().parse(resources.shapes_file(), format="turtle")


def shacl(graph: Graph, focus_nodes: list[URIRef] | None = None) -> list[Finding]:
    """Run ``ontology/shapes.ttl`` over ``graph`` with the ontology as background; with
    ``focus_nodes``, check only those nodes (against every shape that targets them), reading the
    rest of ``graph`` as it needs to."""
    import pyshacl

    if focus_nodes is not None and not focus_nodes:
        return []
    shapes = _shapes()
    ontology = schema.ontology()
    # A built graph holds the ontology already (kg.graph.build merges it). Then pySHACL gets no ontology
    # to mix in and works on the graph itself: without inference and rules it only reads it, and it
    # does not copy the whole data graph first (at 1e6 triples that copy is over 1 GB).
    headers = list(ontology.triples((None, RDF.type, OWL.Ontology)))
    merged = bool(headers) and all(t in graph for t in headers)
    conforms, results, _text = pyshacl.validate(
        graph, shacl_graph=shapes, ont_graph=None if merged else ontology, inference="none",
        advanced=True, allow_warnings=True, inplace=merged, focus_nodes=focus_nodes,
    )
    if conforms:
        return []
    out = []
    for result in sorted(results.subjects(RDF.type, SH.ValidationResult)):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage) or "violation"
        where = f" (path {path})" if path is not None else ""
        out.append(Finding("shacl", str(focus), f"{message}{where}"))
    return sorted(out, key=lambda f: (f.focus, f.message))


def provenance(graph: Graph, monographs: list[Monograph]) -> list[Finding]:
    """Every quote selector must match its source text at its offsets."""
    texts: dict[URIRef, SourceText] = {ID[f"monograph/{m.id}/text"]: m.text for m in monographs}
    out = []
    for ev in sorted(graph.subjects(RDF.type, OA.SpecificResource)):
        source = graph.value(ev, OA.hasSource)
        text = texts.get(source)
        if text is None:
            continue
        exact = start = end = None
        for sel in graph.objects(ev, OA.hasSelector):
            if (sel, RDF.type, OA.TextQuoteSelector) in graph:
                exact = str(graph.value(sel, OA.exact))
            if (sel, RDF.type, OA.TextPositionSelector) in graph:
                start = graph.value(sel, OA.start).toPython()
                end = graph.value(sel, OA.end).toPython()
        if exact is None or start is None:
            out.append(Finding("provenance", str(ev), "quote has no text or position selector"))
        elif text.raw[start:end] != exact:
            out.append(Finding("provenance", str(ev), f"text at {start}-{end} is not the quoted text"))
    return out


def violation_queries(graph: Graph) -> tuple[list[str], list[Finding]]:
    """Run every ``queries/*-violation.rq``; each row returned is a finding."""
    names, out = [], []
    for path in sorted(Path(resources.queries_dir()).glob("*-violation.rq")):
        name = path.stem
        names.append(name)
        result = graph.query(path.read_text(encoding="utf-8"))
        for row in result:
            values = [str(v) for v in row if v is not None]
            focus = values[0] if values else "?"
            message = "; ".join(values[1:]) or "violation"
            out.append(Finding(name, focus, message))
    return names, out


def validate(graph: Graph, monographs: list[Monograph] | None = None, *, run_shacl: bool = True) -> Report:
    report = Report()
    if run_shacl:
        report.checks.append("shacl")
        report.findings += shacl(graph)
    if monographs is not None:
        report.checks.append("provenance")
        report.findings += provenance(graph, monographs)
    names, found = violation_queries(graph)
    report.checks += names
    report.findings += found
    return report


__all__ = ["Finding", "Report", "validate", "shacl", "provenance", "violation_queries", "SKG"]
