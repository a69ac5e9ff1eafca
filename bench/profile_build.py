"""Where the time of a full LawRefBook build goes: cProfile of parse + extract, then of the graph build.

    python bench/profile_build.py [--corpus DIR] [--files N] [--store DIR] [--top 15]

Parse + extract runs in one process under cProfile (the pipeline's 2 workers would hide the
work from the profiler), then ``graph.store.build_store`` into a fresh store, also profiled.
The time of every function is charged to a component of the pipeline (file → component;
the regex engine, rdflib, hashing and other library time go to the project function that
called them), so the table says which part of our code costs what. cProfile adds overhead
to every Python call, so Python-heavy parts look slower than they are next to C code (the
Oxigraph bulk load): the unprofiled wall times are in the scaling section. The profiled build
loads on the main thread, in one bulk load of an N-Quads file after the conversion
(``STREAM_LOADS`` off, one batch), as the real build's stream does in one load: cProfile sees no
other thread.

Then, unprofiled, the CPU budget: parse + extract with the pipeline's 2 workers, a build whose
Oxigraph load is timed alone (one bulk load of a file; wall and CPU seconds of every thread),
the compaction of its store, and the real build (the load streamed while converting). Their CPU seconds over the
machine's cores give the least wall time any scheduling of this work could reach.
Prints Markdown.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# (component, predicate on (file, function name)); the first that matches wins
COMPONENTS = [
    ("parse: read and decode files", lambda f, n: f.endswith(("ingest/readers.py", "ingest/encoding.py"))),
    ("parse: clean text", lambda f, n: f.endswith("ingest/clean.py")),
    ("parse: structure, numbering", lambda f, n: f.endswith(("ingest/structure.py", "ingest/numbering.py"))),
    ("parse: metadata, duplicates", lambda f, n: f.endswith(("ingest/metadata.py", "ingest/dedupe.py", "ingest/pipeline.py"))),
    ("extract: deontic clauses and roles", lambda f, n: f.endswith(("ingest/deontic.py", "ingest/roles.py"))),
    ("extract: time constraints", lambda f, n: f.endswith("ingest/timex.py")),
    ("extract: references, approvals", lambda f, n: f.endswith("ingest/references.py")),
    ("graph: Oxigraph bulk load", lambda f, n: "bulk_load" in n),
    ("graph: Oxigraph other (count, remove, flush, load)", lambda f, n: "pyoxigraph" in n),
    ("graph: OWL-RL reasoning", lambda f, n: "/owlrl/" in f or f.endswith("graph/reason.py")),
    ("graph: documents → N-Triples text", lambda f, n: f.endswith(("graph/convert.py", "graph/ontology.py", "graph/roles.py"))),
    ("graph: N-Quads lines, hashes, fingerprints", lambda f, n: f.endswith(("graph/terms.py", "graph/store.py"))),
]
OTHER = "other"


def component(func: tuple) -> str | None:
    f, _, n = func
    f = f.replace("\\", "/")
    for name, pred in COMPONENTS:
        if pred(f, n):
            return name
    return None


def charge(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per component: own time of project functions, plus library/builtin time charged
    to the project function that called it (by the caller edges' own time)."""
    raw = stats.stats  # func → (cc, nc, tt, ct, callers{caller: (cc, nc, tt, ct)})
    memo: dict[tuple, str] = {}

    def owner(func: tuple, depth: int = 0) -> str:
        if func in memo:
            return memo[func]
        c = component(func)
        if c is None:
            callers = raw.get(func, (0, 0, 0, 0, {}))[4]
            if callers and depth < 30:
                top = max(callers.items(), key=lambda kv: kv[1][3])[0]  # caller with the most time
                c = owner(top, depth + 1)
            else:
                c = OTHER
        memo[func] = c
        return c

    out: dict[str, float] = defaultdict(float)
    for func, (cc, nc, tt, ct, callers) in raw.items():
        c = component(func)
        if c is not None or not callers:
            out[c or OTHER] += tt
            continue
        for caller, edge in callers.items():  # split library time among its callers
            out[owner(caller)] += edge[2]
    return out


def short(func: tuple) -> str:
    f, line, n = func
    f = f.replace("\\", "/")
    for marker in ("/site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in f:
            f = f.split(marker, 1)[1]
            break
    return f"`{n}` ({f}:{line})" if f != "~" else f"`{n}`"


def top_functions(stats: pstats.Stats, n: int) -> list[tuple[str, int, float, float]]:
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:n]
    return [(short(f), v[1], v[2], v[3]) for f, v in rows]


def cpu_s(who=resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (every thread) or of its reaped children."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def cpu_budget(files: list[str], store: str) -> dict:
    """Unprofiled wall and CPU seconds of each part of a full build (see the module doc)."""
    import pyoxigraph as ox
    import graph.store as gs
    from ingest.pipeline import parse_paths
    from scaling import bar

    out = {}
    w, c = time.perf_counter(), cpu_s() + cpu_s(resource.RUSAGE_CHILDREN)
    docs = parse_paths(files, workers=2, progress=bar("parse (2 workers)", "file")).documents
    out["parse"] = (time.perf_counter() - w, cpu_s() + cpu_s(resource.RUSAGE_CHILDREN) - c)

    # loads on the main thread, timed alone; no compaction (timed next, on the built store)
    load = [0.0, 0.0]
    apply = gs.GraphStore.apply

    def timed_apply(self, *args):
        w, c = time.perf_counter(), cpu_s()
        try:
            return apply(self, *args)
        finally:
            load[0] += time.perf_counter() - w
            load[1] += cpu_s() - c

    shutil.rmtree(store, ignore_errors=True)
    saved = gs.STREAM_LOADS, gs.BATCH_BYTES, gs.OPTIMIZE_BYTES
    gs.STREAM_LOADS, gs.BATCH_BYTES, gs.OPTIMIZE_BYTES = False, float("inf"), float("inf")
    gs.GraphStore.apply = timed_apply
    try:
        w, c = time.perf_counter(), cpu_s()
        gs.build_store(docs, store, progress=bar("graph (load timed)", "doc"))
        total = (time.perf_counter() - w, cpu_s() - c)
    finally:
        (gs.STREAM_LOADS, gs.BATCH_BYTES, gs.OPTIMIZE_BYTES), gs.GraphStore.apply = saved, apply
    out["load"] = tuple(load)
    out["convert"] = (total[0] - load[0], total[1] - load[1])
    st = ox.Store(str(Path(store) / "oxigraph"))
    w, c = time.perf_counter(), cpu_s()
    st.optimize()
    out["compact"] = (time.perf_counter() - w, cpu_s() - c)
    del st

    shutil.rmtree(store, ignore_errors=True)
    w, c = time.perf_counter(), cpu_s()
    rep = gs.build_store(docs, store, progress=bar("graph (as built)", "doc"))
    out["build"] = (time.perf_counter() - w, cpu_s() - c)
    out["build_compact_s"] = rep.optimize_seconds
    shutil.rmtree(store, ignore_errors=True)
    return out


NOTE = ("The load row is one bulk load of the whole N-Quads file after the conversion; the real build streams the same "
        "lines into one bulk load while it converts, so the two overlap on the machine's cores.")


def budget_markdown(b: dict, cores: int, target: float = 60.0) -> list[str]:
    rows = [("parse + extract (2 worker processes)", b["parse"]),
            ("graph: convert documents to N-Quads, hashes, bookkeeping", b["convert"]),
            ("graph: Oxigraph bulk load (its own threads)", b["load"]),
            ("graph: compaction of the loaded store", b["compact"])]
    cpu = sum(c for _, (w, c) in rows)
    ox_cpu = b["load"][1] + b["compact"][1]
    as_built = b["parse"][0] + b["build"][0]
    built_cpu = b["parse"][1] + b["build"][1]
    out = ["", f"CPU budget, unprofiled (the parts run one after another; wall s / CPU s of every thread "
           f"and worker; {cores} cores):", "", "| part | wall s | CPU s |", "|---|---:|---:|"]
    out += [f"| {name} | {w:.1f} | {c:.1f} |" for name, (w, c) in rows]
    out += [f"| **sum** | **{sum(w for _, (w, c) in rows):.1f}** | **{cpu:.1f}** |",
            f"| the build as it runs: parse, then convert while streaming into the load, then compact | {as_built:.1f} | "
            f"{built_cpu:.1f} |", "",
            f"Spread perfectly over {cores} cores, the CPU of the build as it runs ({built_cpu:.0f} s) needs at least "
            f"**{built_cpu / cores:.0f} s** ({built_cpu / cores / target:.2f}× the {target:.0f} s target); the parts run one "
            f"by one used {cpu:.0f} CPU s. The Oxigraph load and compaction alone use {ox_cpu:.0f} CPU s (≥ "
            f"{ox_cpu / cores:.0f} s). The build as it runs took {as_built:.0f} s here ({as_built / (built_cpu / cores):.2f}× "
            f"that bound; compaction {b['build_compact_s']:.0f} s of it). CPU seconds grow when the machine is shared, so "
            "the bound is an estimate for this run, not a proof.",
            "", NOTE]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--files", type=int, help="profile N files spread over the corpus (default: all)")
    ap.add_argument("--store", default="/tmp/govrule-bench-profile")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--dump", help="also save the raw profiles as DUMP.parse.prof / DUMP.graph.prof")
    ap.add_argument("--no-budget", action="store_true", help="skip the unprofiled CPU budget (three more builds)")
    a = ap.parse_args()
    import graph.store as gs

    from graph.store import build_store
    from ingest.pipeline import parse_paths
    from ingest_corpus import corpus_dir, machine
    from scaling import bar
    from search_scale import pick_files

    files = pick_files(corpus_dir(a.corpus), a.files)
    load0 = os.getloadavg()[0]
    print(f"profiling parse + extract of {len(files)} files (1 process) …", file=sys.stderr)
    p1 = cProfile.Profile()
    t = time.perf_counter()
    p1.enable()
    res = parse_paths(files, workers=1, progress=bar("parse (profiled)", "file"))
    p1.disable()
    parse_s = time.perf_counter() - t
    docs = res.documents
    n_art = sum(len(d.articles) for d in docs)
    print(f"profiling the graph build of {len(docs)} documents …", file=sys.stderr)
    shutil.rmtree(a.store, ignore_errors=True)
    p2 = cProfile.Profile()
    saved = gs.STREAM_LOADS, gs.BATCH_BYTES
    gs.STREAM_LOADS, gs.BATCH_BYTES = False, float("inf")  # cProfile sees only the thread it runs in
    t = time.perf_counter()
    p2.enable()
    rep = build_store(docs, a.store, progress=bar("graph (profiled)", "doc"))
    p2.disable()
    gs.STREAM_LOADS, gs.BATCH_BYTES = saved
    graph_s = time.perf_counter() - t
    shutil.rmtree(a.store, ignore_errors=True)
    load1 = os.getloadavg()[0]
    if a.dump:
        p1.dump_stats(a.dump + ".parse.prof")
        p2.dump_stats(a.dump + ".graph.prof")

    s1, s2 = pstats.Stats(p1), pstats.Stats(p2)
    c1, c2 = charge(s1), charge(s2)
    total = parse_s + graph_s
    both = defaultdict(float)
    for c in (c1, c2):
        for k, v in c.items():
            both[k] += v
    prof_total = sum(both.values()) or 1.0
    cmd = "python bench/profile_build.py" + (f" --files {a.files}" if a.files else "")
    out = ["## Profile: where a full LawRefBook build spends its time", "",
           f"Command: `{cmd}`  ",
           f"Machine: {machine()}; load average (1 min) {load0:.1f} at the start, {load1:.1f} at the end.  ",
           f"{len(files):,} files → {len(docs):,} documents, {n_art:,} articles, {rep.triples:,} quads. Under cProfile, "
           f"in one process: parse + extract {parse_s:.0f} s, graph build {graph_s:.0f} s "
           f"(profiling slows Python code, not the Oxigraph bulk load, which is native).", "",
           "| component | seconds (profiled) | share |", "|---|---:|---:|"]
    for name in [c for c, _ in COMPONENTS] + [OTHER]:
        v = both.get(name, 0.0)
        if v >= 0.05:
            out.append(f"| {name} | {v:.1f} | {100 * v / prof_total:.0f} % |")
    out.append(f"| **total** | **{prof_total:.0f}** | 100 % |")
    parse_part = sum(v for k, v in both.items() if k.startswith(("parse", "extract")))
    graph_part = sum(v for k, v in both.items() if k.startswith("graph"))
    top3 = sorted(((v, k) for k, v in both.items() if k != OTHER), reverse=True)[:3]
    out += ["", f"Against the 60 s target: parsing and extraction take {100 * parse_part / prof_total:.0f} % of the "
            f"profiled time and the graph build {100 * graph_part / prof_total:.0f} %. The three largest components: "
            + "; ".join(f"{k} ({100 * v / prof_total:.0f} %)" for v, k in top3) + "."]
    for label, st in (("parse + extract", s1), ("graph build", s2)):
        out += ["", f"Top functions of the {label} by own time (library code called from several places counted "
                "where it runs):", "", "| function | calls | own s | with callees s |", "|---|---:|---:|---:|"]
        out += [f"| {f} | {nc:,} | {tt:.1f} | {ct:.1f} |" for f, nc, tt, ct in top_functions(st, a.top)]
    if not a.no_budget:
        print("measuring the CPU budget (unprofiled: parse, two builds, a compaction) …", file=sys.stderr)
        out += budget_markdown(cpu_budget(files, a.store), os.cpu_count() or 1)
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
