#!/usr/bin/env python
"""Benchmark the knowledge graph at scale: rdflib Memory against the Oxigraph store against raw pyoxigraph.

One run measures everything and prints one table, all figures side by side:

1. ``kg synth`` data for each size (kept under ``benchmarks/data/``, git-ignored, reused when present);
   the shipped glutamine monograph is built in too, so real names such as phenytoin resolve;
2. the build, once per size (in its own process), as ``kg build --outputs graph`` does it: loading
   and checking the data files, then one monograph at a time the graph, SHACL and provenance
   (kg.graph.stream), merging N-Triples, loading the persistent Oxigraph store and running the violation
   queries on it;
3. per size and backend, in its own process (so peak memory is that backend's alone, read with
   ``resource.getrusage``): load or open, every canned query with its example parameters, a
   10-drug medication check, a path query, the JSON-LD export; medians of repeated runs;
4. end to end through the CLI (process start included): ``kg --version``, ``kg interactions phenytoin``
   and ``kg path`` on the persisted store.

Backends: ``rdflib`` is rdflib's in-memory store parsing graph.nt; ``oxigraph`` is the project's
Oxigraph backend (the persistent store opened read-only, queried through kg.sparql.engine's Engine interface,
with the same guards; path and JSON-LD read it through oxrdflib); ``raw`` is pyoxigraph called
directly with the same SPARQL text (parameters in a VALUES block), with no guards, no threads and
no row dicts.

Usage::

    .venv/bin/python benchmarks/run.py                      # sizes 22 and 225 monographs (~1e5, ~1e6 triples)
    .venv/bin/python benchmarks/run.py --sizes 3 --repeat 3  # a quick smoke run
    .venv/bin/python benchmarks/run.py --write BENCHMARKS.md # also put the results into BENCHMARKS.md

No timing is asserted anywhere; this script only measures and reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
BACKENDS = ["rdflib", "oxigraph", "raw"]
TITLES = {"rdflib": "rdflib Memory", "oxigraph": "Oxigraph store (kg)", "raw": "raw pyoxigraph"}
DEFAULT_SIZES = [22, 225]
#: Longest time one operation may be repeated for (the median is of the runs that fit, at least one).
BUDGET = 60.0
#: Per-query timeout for the rdflib engine, so one pathological query cannot stall the run.
RDFLIB_TIMEOUT = 120.0
SEED = 1
MARK_START, MARK_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"


# ------------------------------------------------------------------------------------------------
# helpers


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def measure(fn: Callable[[], Any], repeat: int, budget: float = BUDGET, min_runs: int = 1) -> dict:
    """Run ``fn`` up to ``repeat`` times (fewer once ``budget`` seconds are spent, at least
    ``min_runs`` times)."""
    times, value, spent = [], None, 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
        spent += times[-1]
        if spent > budget and len(times) >= min_runs:
            break
    warm = times[1:] or times
    return {"median": statistics.median(times), "first": times[0], "warm": statistics.median(warm),
            "runs": len(times), "value": value}


def data_dir(size: int) -> Path:
    return DATA / f"synth-{size}"


def build_dir(size: int) -> Path:
    return DATA / f"build-{size}"


def shipped_dir() -> Path:
    from kg.resources import monographs_dir

    return Path(monographs_dir())


def ensure_data(size: int) -> Path:
    """Synthetic monographs for ``size`` (written once; monograph i never changes for a seed)."""
    from kg.curation.synth import World, dumps, monograph, write

    folder = data_dir(size)
    world = World(SEED)
    have = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    fresh = len(have) == size
    for i in {0, size - 1} if fresh else ():  # same generator: first and last file unchanged
        data, _text = monograph(world, i)
        file = folder / f"{data['monograph']['id']}.yaml"
        fresh = fresh and file.is_file() and file.read_text(encoding="utf-8") == dumps(data)
    if not fresh:
        if folder.is_dir():
            for p in folder.iterdir():
                p.unlink()
        write(size, folder, seed=SEED)
    return folder


def medication_names(size: int) -> list[str]:
    """Ten drug names of the size's graph: phenytoin plus nine synthetic drugs reached through their
    classes, as generic or brand names in mixed letter case."""
    from kg.curation.synth import World, monograph

    world = World(SEED)
    names = ["phenytoin"]
    i = 0
    while len(names) < 10:
        data = monograph(world, i % size)[0]
        cls = data["interactions"][i % 2]["interactant"]
        members = [e for e in data["entities"] if cls in e.get("member_of", [])]
        drug = members[i % len(members)]
        name = drug["brands"][0] if drug.get("brands") and i % 2 else drug["label"]
        names.append(name.upper() if i % 3 == 0 else name)
        i += 1
    return names


def path_ends(size: int) -> tuple[str, str]:
    """A synthetic drug and the supplement whose interaction reaches it through its class."""
    from kg.curation.synth import World, monograph

    data = monograph(World(SEED), min(5, size - 1))[0]
    cls = data["interactions"][0]["interactant"]
    drug = next(e for e in data["entities"] if cls in e.get("member_of", []))
    return drug["label"], data["monograph"]["title"]


# ------------------------------------------------------------------------------------------------
# workers (each runs in its own process)


def work_build(size: int) -> dict:
    """``kg build --outputs graph``: one monograph at a time (kg.graph.stream), graph.nt and the store."""
    from kg.graph.build import load_all
    from kg.graph.stream import build_files

    out = build_dir(size)
    out.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {}
    t = time.perf_counter()
    monographs = load_all([ensure_data(size), shipped_dir()])
    res["load"] = time.perf_counter() - t
    built, report = build_files(monographs, out)
    assert report.conforms, report.findings[:3]
    res.update(built.seconds)
    res.update(monographs=len(monographs), triples=built.triples, rss_mb=peak_rss_mb())
    return res


def _raw_prepared(query, params) -> str:
    """The SPARQL text raw pyoxigraph runs for a canned query: the very text the kg engine runs
    (kg.sparql.oxstore.bound_text: escapes expanded, the parameters in a VALUES block)."""
    from kg.sparql.oxstore import bound_text

    return bound_text(query.text, query.bindings(params))


def _raw_rows(store, text: str) -> list:
    import pyoxigraph as ox

    result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return [bool(result)]
    if isinstance(result, ox.QueryTriples):
        return [(t.subject.value, t.predicate.value, t.object.value) for t in result]
    return [[None if v is None else v.value for v in solution] for solution in result]


class RawChecker:
    """The medication check on raw pyoxigraph, with the queries kg.answers.clinical.interactions runs:
    each name found with ``name-lookup`` (the search keys), then ``entity-interactions`` and
    ``entity-classes`` bound to the IRI it resolved to. (Every name of the benchmark list resolves,
    so the index of every name, which kg builds only for names the lookup misses, is never needed.)"""

    def __init__(self, store):
        from kg.sparql.canned import load_query

        self.store = store
        self.lookup = load_query("name-lookup")
        self.inter = load_query("entity-interactions")
        self.classes = load_query("entity-classes")

    def check(self, names: list[str]) -> list:
        from kg.answers.resolve import NameIndex

        out = []
        for raw in names:
            rows = _raw_dicts(self.store, _raw_prepared(self.lookup, {"lookup": raw}))
            for match in NameIndex(rows).lookup(raw, types=["Drug", "DrugClass"]).matches:
                found = _raw_rows(self.store, _raw_prepared(self.inter, {"entity_iri": match.iri, "supplement": ""}))
                edges = _raw_rows(self.store, _raw_prepared(self.classes, {"entity_iri": match.iri}))
                out.append((raw, match.iri, found, edges))
        return out


def batched_texts(iris: list[str]) -> list[str]:
    """``entity-interactions`` (every supplement) and ``entity-classes`` for all ``iris`` at once:
    each canned query with one VALUES block of a row per IRI, at the start of its WHERE group,
    where kg puts a one-row block. The terms are written by kg.sparql.terms.term_text."""
    from rdflib import Literal, URIRef

    from kg.sparql.canned import load_query
    from kg.sparql.terms import term_text, top_level_where

    out = []
    for name, extra in (("entity-interactions", [term_text(Literal(""))]), ("entity-classes", [])):
        text = load_query(name).text
        variables = "?entity_iri" + " ?supplement" * bool(extra)
        rows = " ".join("(" + " ".join([term_text(URIRef(iri))] + extra) + ")" for iri in iris)
        at = top_level_where(text)
        out.append(f"{text[:at]} VALUES ({variables}) {{ {rows} }}\n{text[at:]}")
    return out


def _raw_dicts(store, text: str) -> list[dict]:
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [{n: (None if v is None else v.value) for n, v in zip(names, solution)} for solution in result]


def path_query(graph, source: str, target: str, max_hops: int = 4):
    """What ``kg path SOURCE TARGET`` computes: both names resolved (kg.resolve), then the shortest
    paths from the smallest neighbourhood that holds them (kg.answers.walks.shortest_in_neighbourhood)."""
    from kg.graph.storage import ox_store_of
    from kg.answers.projection import project
    from kg.answers.walks import shortest_in_neighbourhood
    from kg.sparql.query import open_engine
    from kg.answers.neighbourhood import Neighbourhood
    from kg.answers.resolve import resolve_one

    engine = open_engine(graph)
    a, b = (resolve_one(engine, n).iri for n in (source, target))
    if ox_store_of(graph) is not None:  # as kg path on the store: the neighbourhood fetched with SPARQL
        near = Neighbourhood(engine, [a, b])
        read = near.to_depth
    else:
        read = lambda depth: graph  # noqa: E731
    G, found = shortest_in_neighbourhood(lambda depth: project(read(depth), seeds=[a, b], depth=depth), a, b,
                                         max_hops=max_hops, limit=21)
    return G.number_of_nodes(), found


def work_query(size: int, backend: str, repeat: int) -> dict:
    import kg.answers.clinical as clinical
    from kg.sparql.canned import list_queries, run_query
    from kg.sparql.engine import RdflibEngine

    out = build_dir(size)
    res: dict[str, Any] = {"queries": {}}
    graph = engine = store = None

    # --- load or open ---------------------------------------------------------------------------
    if backend == "rdflib":
        from kg.sparql.store import load_graph

        m = measure(lambda: load_graph(out / "graph.nt"), 1)
        graph = m["value"]
        engine = RdflibEngine(graph)
    elif backend == "oxigraph":
        from kg.graph.storage import open_store, rdflib_graph
        from kg.sparql.oxstore import OxigraphEngine

        m = measure(lambda: OxigraphEngine(open_store(out)), repeat)
        engine = m["value"]
        graph = rdflib_graph(engine.store)
    else:
        import pyoxigraph as ox

        m = measure(lambda: ox.Store.read_only(str(out / "oxigraph")), repeat)
        store = m["value"]
    res["open"] = m["median"]

    # --- canned queries -------------------------------------------------------------------------
    limit = 10_000_000
    timeout = RDFLIB_TIMEOUT if backend == "rdflib" else 600.0
    for q in list_queries():
        params = q.example_parameters()
        if backend == "raw":
            text = _raw_prepared(q, params)
            fn = lambda text=text: _raw_rows(store, text)  # noqa: E731
        else:
            fn = lambda q=q, params=params: run_query(engine, q, params, timeout=timeout, limit=limit)  # noqa: E731
        try:
            m = measure(fn, repeat)
            res["queries"][q.name] = {"median": m["median"], "runs": m["runs"], "rows": len(m["value"])}
        except Exception as exc:  # a timeout on rdflib: recorded, not fatal
            res["queries"][q.name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}

    # --- 10-drug medication check ---------------------------------------------------------------
    names = medication_names(size)
    med_timeout = 1800.0
    if backend == "raw":
        checker = RawChecker(store)
        fn = lambda: checker.check(names)  # noqa: E731
    else:
        fn = lambda: clinical.interactions(names, engine=engine, timeout=med_timeout)  # noqa: E731
    m = measure(fn, repeat + 1, min_runs=2)  # the first run builds the name index (cold)
    value = m["value"]
    found = (sum(len(r["interactions"]) for r in value["results"]) if isinstance(value, dict)
             else sum(len({row[15] for row in r[2]}) for r in value))
    res["medcheck_cold"] = m["first"]
    res["medcheck"] = m["warm"]
    res["medcheck_runs"] = m["runs"]
    res["medcheck_interactions"] = found

    # --- the same check's IRI-bound queries, batched (not what kg runs; how far batching goes) --
    iris = sorted({r["iri"] for r in value["results"]} if isinstance(value, dict) else {r[1] for r in value})
    texts = batched_texts(iris)
    if backend == "raw":
        fn = lambda: [_raw_rows(store, t) for t in texts]  # noqa: E731
    else:
        fn = lambda: [engine.select(t, timeout=med_timeout, limit=limit).rows for t in texts]  # noqa: E731
    m = measure(fn, repeat)
    res["batched"] = m["median"]
    res["batched_rows"] = [len(rows) for rows in m["value"]]

    # --- path query -----------------------------------------------------------------------------
    if backend != "raw":
        source, target = path_ends(size)
        m = measure(lambda: path_query(graph, source, target), repeat)
        nodes, paths = m["value"]
        res["path"] = m["median"]
        res["path_nodes"] = nodes
        res["path_found"] = len(paths)

    # --- JSON-LD export -------------------------------------------------------------------------
    res["rss_mb_queries"] = peak_rss_mb()  # peak before the export, which holds the whole document
    if backend == "raw":
        import pyoxigraph as ox

        m = measure(lambda: store.dump(format=ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph()), max(1, repeat // 2))
    else:
        from kg.graph.jsonld import dumps

        m = measure(lambda: dumps(graph), max(1, repeat // 2))
    res["jsonld"] = m["median"]
    res["rss_mb"] = peak_rss_mb()
    return res


def kg_command() -> list[str]:
    script = Path(sys.executable).parent / "kg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg"]


def cli_times(size: int, repeat: int) -> dict:
    """Wall time of whole ``kg`` processes (start included), median of ``repeat`` runs each."""
    out = build_dir(size)
    source, target = path_ends(size)
    commands = {
        "version": [*kg_command(), "--version"],
        "interactions": [*kg_command(), "interactions", "phenytoin", "--graph", str(out), "--fail-on", "none"],
        "path": [*kg_command(), "path", source, target, "--graph", str(out)],
    }
    # As installed: bytecode cached. An editable install compiles kg's modules in every process
    # when PYTHONDONTWRITEBYTECODE is set, so it is unset and one unmeasured run writes the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    res = {}
    for name, argv in commands.items():
        subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
            times.append(time.perf_counter() - t)
            if proc.returncode not in (0, 1):
                raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
        res[name] = statistics.median(times)
        res[name + "_output"] = proc.stdout.strip().splitlines()[:3]
    return res


# ------------------------------------------------------------------------------------------------
# orchestration


def run_worker(kind: str, size: int, backend: str | None, repeat: int) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--sizes", str(size),
            "--repeat", str(repeat)]
    if backend:
        argv += ["--backend", backend]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {kind} {size} {backend} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict:
    from importlib.metadata import version

    mem = cpu = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = {name: version(name) for name in ("rdflib", "pyoxigraph", "oxrdflib", "networkx", "pyshacl")}
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), **libs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="numbers of synthetic monographs, comma-separated (default: 22,225)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (median; default 5)")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="backends to measure (default: all)")
    ap.add_argument("--write", metavar="FILE", help="put the machine, table and targets into FILE (BENCHMARKS.md)")
    ap.add_argument("--json", metavar="FILE", default=str(DATA / "results.json"), help="raw results (JSON)")
    ap.add_argument("--from-json", metavar="FILE", help="print (and --write) the report of an earlier run's JSON")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    sys.path.insert(0, str(ROOT))

    if args.worker:
        if args.worker == "build":
            result = work_build(sizes[0])
        else:
            result = work_query(sizes[0], args.backend, args.repeat)
        print(json.dumps(result))
        return 0

    if args.from_json:
        text = report(json.loads(Path(args.from_json).read_text()))
        print(text)
        if args.write:
            write_markdown(Path(args.write), text)
        return 0

    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "repeat": args.repeat, "sizes": {}}
    started = time.time()
    for size in sizes:
        print(f"[{size} monographs] synthetic data", file=sys.stderr, flush=True)
        ensure_data(size)
        entry: dict[str, Any] = {}
        print(f"[{size} monographs] build", file=sys.stderr, flush=True)
        entry["build"] = run_worker("build", size, None, args.repeat)
        for backend in args.backends.split(","):
            print(f"[{size} monographs] {backend}", file=sys.stderr, flush=True)
            entry[backend] = run_worker("query", size, backend, args.repeat)
        print(f"[{size} monographs] cli", file=sys.stderr, flush=True)
        entry["cli"] = cli_times(size, args.repeat)
        entry["medication_names"] = medication_names(size)
        entry["path_ends"] = path_ends(size)
        results["sizes"][str(size)] = entry
    results["duration_s"] = time.time() - started
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    text = report(results)
    print(text)
    if args.write:
        write_markdown(Path(args.write), text)
    return 0


# ------------------------------------------------------------------------------------------------
# report


class TimedOut(float):
    """A measurement stopped at its timeout: the true time is longer."""


def _median(entry: dict) -> float | None:
    """A query entry's median, or :class:`TimedOut` for one that hit the rdflib timeout."""
    if "median" in entry:
        return entry["median"]
    if "QueryTimeout" in entry.get("error", ""):
        return TimedOut(RDFLIB_TIMEOUT)
    return None


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if isinstance(seconds, TimedOut):
        return f"> {float(seconds):.0f} s (timeout)"
    if seconds >= 10:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    if seconds >= 0.01:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds * 1000:.1f} ms"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "—"
    r = a / b
    text = f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"
    return f"> {text}" if isinstance(a, TimedOut) else text


def report(results: dict) -> str:
    sizes = list(results["sizes"])
    lines = []
    m = results["machine"]
    lines.append(f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, {m['platform']}; Python {m['python']}, "
                 f"rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}, oxrdflib {m['oxrdflib']}, "
                 f"networkx {m['networkx']}, pySHACL {m['pyshacl']}. Medians of up to {results['repeat']} runs "
                 f"(fewer where one operation would exceed {BUDGET:.0f} s); build phases ran once.")
    lines.append("")
    header = ["operation"]
    for s in sizes:
        t = results["sizes"][s]["build"]["triples"]
        for b in BACKENDS:
            header.append(f"{TITLES[b]} @ {t:,} triples")
    last = sizes[-1]
    header += [f"rdflib ÷ Oxigraph @ {last}", f"Oxigraph ÷ raw @ {last}"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))

    def row(label: str, get: Callable[[dict, str], float | None], ratios: bool = True, fmt=_fmt) -> None:
        cells = [label]
        for s in sizes:
            for b in BACKENDS:
                try:
                    value = get(results["sizes"][s], b)
                except (KeyError, TypeError):
                    value = None
                cells.append(fmt(value) if value is not None else "—")
        if ratios:
            e = results["sizes"][last]
            try:
                rd, ox_, raw = get(e, "rdflib"), get(e, "oxigraph"), get(e, "raw")
            except (KeyError, TypeError):
                rd = ox_ = raw = None
            cells += [_ratio(rd, ox_), _ratio(ox_, raw)]
        else:
            cells += ["", ""]
        lines.append("| " + " | ".join(cells) + " |")

    def build_row(label: str, key: str, backend: str = "rdflib", per: bool = False) -> None:
        def get(e, b):
            if b != backend:
                return None
            v = e["build"][key]
            return v / (e["build"]["monographs"]) if per else v
        row(label, get, ratios=False)

    build_row("build: read and check data files", "load")
    build_row("build: graph, SHACL and provenance, one monograph at a time", "parts")
    build_row("build: merge the sorted runs into graph.nt", "graph.nt")
    build_row("build: Oxigraph store from graph.nt, violation queries, metadata", "store", backend="oxigraph")
    row("build + validation per monograph (all of the above)",
        lambda e, b: _per_mono(e["build"]) if b == "rdflib" else None, ratios=False)
    row("load graph.nt / open store", lambda e, b: e[b]["open"])
    names = sorted(results["sizes"][last]["oxigraph"]["queries"])
    for n in names:
        row(f"query `{n}`", lambda e, b, n=n: _median(e[b]["queries"][n]))
    row("10-drug medication check (warm)", lambda e, b: e[b]["medcheck"])
    row("10-drug medication check (cold: first run)", lambda e, b: e[b]["medcheck_cold"])
    row("10-drug check from a standing start (load or open + first run)",
        lambda e, b: e[b]["open"] + e[b]["medcheck_cold"])
    row("the check's two IRI-bound queries batched: one query each for the ten drugs (not what kg runs)",
        lambda e, b: e[b].get("batched"))
    row("path query (resolve, grow the neighbourhood, shortest paths)", lambda e, b: e[b].get("path"))
    row("JSON-LD export", lambda e, b: e[b]["jsonld"])
    row("CLI `kg --version` (process)", lambda e, b: e["cli"]["version"] if b == "oxigraph" else None, ratios=False)
    row("CLI `kg interactions phenytoin` (process)",
        lambda e, b: e["cli"]["interactions"] if b == "oxigraph" else None, ratios=False)
    row("CLI `kg path` (process)", lambda e, b: e["cli"]["path"] if b == "oxigraph" else None, ratios=False)
    row("peak RSS: open, queries, checks, path (MB)", lambda e, b: e[b].get("rss_mb_queries"), ratios=False,
        fmt=lambda v: f"{v:,.0f}")
    row("peak RSS: the whole process, with the JSON-LD export (MB)", lambda e, b: e[b]["rss_mb"], ratios=False,
        fmt=lambda v: f"{v:,.0f}")
    row("peak RSS of the build (MB)", lambda e, b: e["build"]["rss_mb"] if b == "rdflib" else None, ratios=False,
        fmt=lambda v: f"{v:,.0f}")
    lines.append("")
    lines += targets(results)
    return "\n".join(lines)


def _per_mono(build: dict) -> float:
    return (build["load"] + build["parts"] + build["graph.nt"] + build["store"]) / build["monographs"]


def targets(results: dict) -> list[str]:
    sizes = list(results["sizes"])
    small, large = results["sizes"][sizes[0]], results["sizes"][sizes[-1]]
    out = ["Targets (at the largest size, ratios from this run):", ""]

    def line(ok: bool, text: str) -> None:
        out.append(f"- **{'met' if ok else 'NOT met'}**: {text}")

    rd, ox_, raw = large["rdflib"]["medcheck"], large["oxigraph"]["medcheck"], large["raw"]["medcheck"]
    cold = {b: large[b]["open"] + large[b]["medcheck_cold"] for b in ("rdflib", "oxigraph")}
    line(rd / ox_ >= 300, f"10-drug medication check {rd / ox_:,.0f}× faster than rdflib Memory "
                          f"({_fmt(rd)} vs {_fmt(ox_)}, both warm in process; target ≥ 300×). From a standing "
                          f"start, loading or opening the graph included: {_fmt(cold['rdflib'])} vs "
                          f"{_fmt(cold['oxigraph'])} ({cold['rdflib'] / cold['oxigraph']:,.0f}×)")
    line(ox_ / raw <= 2, f"medication check {ox_ / raw:.2f}× raw pyoxigraph ({_fmt(ox_)} vs {_fmt(raw)}; target ≤ 2×)")
    cli = large["cli"]
    line(cli["interactions"] / cli["version"] <= 2,
         f"`kg interactions phenytoin` on the persisted store {_fmt(cli['interactions'])} = "
         f"{cli['interactions'] / cli['version']:.2f}× `kg --version` ({_fmt(cli['version'])}; target ≤ 2×)")
    a, b = _per_mono(small["build"]), _per_mono(large["build"])
    line(b / a <= 1.25, f"build + validation per monograph {_fmt(a)} at {small['build']['triples']:,} triples, "
                        f"{_fmt(b)} at {large['build']['triples']:,} ({b / a:.2f}×; flat taken as ≤ 1.25×)")
    for backend in ("oxigraph", "raw"):
        rss = large[backend].get("rss_mb_queries") or large[backend]["rss_mb"]
        line(rss < 1024, f"peak memory of the {TITLES[backend]} process {rss:,.0f} MB while it opens the store, "
                         f"runs every query, both checks and the path query (target < 1 GB); with the JSON-LD "
                         f"export of the whole graph {large[backend]['rss_mb']:,.0f} MB")
    line(large["rdflib"]["rss_mb"] < 1024, f"(for comparison) rdflib Memory process {large['rdflib']['rss_mb']:,.0f} MB")
    line(large["build"]["rss_mb"] < 1024, f"build process (`kg build --outputs graph`: one monograph at a time) "
                                           f"{large['build']['rss_mb']:,.0f} MB")
    line(cli["path"] < 1.0, f"`kg path` on the persisted store, end to end: {_fmt(cli['path'])} (target < 1 s); "
                            f"in process {_fmt(large['oxigraph']['path'])}, projection of "
                            f"{large['oxigraph']['path_nodes']:,} entities")
    return out


def write_markdown(path: Path, text: str) -> None:
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if MARK_START in old and MARK_END in old:
            head, rest = old.split(MARK_START, 1)
            _, tail = rest.split(MARK_END, 1)
            path.write_text(head + block + tail, encoding="utf-8")
            return
    path.write_text(f"# Benchmarks\n\nGenerated by `benchmarks/run.py`.\n\n{block}\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
