"""Scaling on LawRefBook: how each cost grows over slices of the corpus (10 %, 30 %, 100 %).

    python bench/scaling.py [--fractions 0.1 0.3 1.0] [--runs 3] [--full-runs 1] [--query-runs 10]
                            [--corpus DIR] [--root DIR] [--plot bench/scaling.png]

A slice is every k-th file of the corpus (so it spreads over every category). For each slice,
every stage runs in a fresh subprocess, so its peak RSS (VmHWM) is that stage's alone:

- ``parse``: read, clean, structure and extract (2 worker processes, as ``govrule build``);
  the documents are pickled for the next stages;
- ``graph``: ``graph.store.build_store`` into a fresh Oxigraph store (unpickling not counted);
- ``query``: the example queries (``queries/*.rq``) on the store opened read-only, answered as
  ``govrule sparql --format csv`` does: one warm-up, then ``--query-runs`` timed runs of each;
  p50/p95 per query;
- ``lexical``: the search index's lexical part (jieba + dictionary tokens, bm25s over articles
  and sentences: ``search.index.build_lexical``); no embedding (see ``search_scale.py``);
- ``add`` (incremental): one more document added to the built store, (a) alone
  (``build_store([doc], remove_missing=False)``, the app's import) for each of the seed
  documents but the last, (b) through a full-list rebuild (``build_store(all + seeds)``, what
  ``govrule build`` does after parsing: unchanged documents are skipped by fingerprint), then
  (c) the same full-list rebuild with nothing changed.

Parse and graph are timed ``--runs`` times per slice (``--full-runs`` for the whole corpus,
which takes minutes per run); figures are medians, with the load average (1 min) sampled at the
start of each stage. Prints a Markdown section and writes a PNG plot of cost vs corpus size.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_ROOT = Path("/tmp/govrule-bench-scaling")
DEFAULT_PLOT = ROOT / "bench" / "scaling.png"
TARGETS = {"build_s": 60.0, "query_p95_ms": 200.0, "build_rss_mb": 4096.0}


# ---------------------------------------------------------------- small helpers

def hwm_mb() -> float:
    """Peak RSS of this process (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_peak_mb() -> float:
    """Peak RSS of the largest finished child (the parse workers), MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load1() -> float:
    return os.getloadavg()[0]


def dir_mb(p: Path) -> float:
    """Bytes on disk under ``p``, MB: symlinks not followed, hard-linked files counted once
    (the store keeps versions as hard-linked copies)."""
    seen, total = set(), 0
    for root, _, names in os.walk(p, followlinks=False):
        for n in names:
            st = os.lstat(os.path.join(root, n))
            if os.path.islink(os.path.join(root, n)) or (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total / 2**20


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def bar(label: str, unit: str):
    """A progress callback ``(done, total)`` drawing a tqdm bar (rate and ETA) on stderr."""
    from tqdm import tqdm

    state: dict = {}

    def cb(done: int, total: int, *_):
        b = state.get("bar")
        if b is None:
            b = state["bar"] = tqdm(total=total, desc=label, unit=unit, file=sys.stderr,
                                    mininterval=1.0, leave=False)
        b.update(done - b.n)
        if done >= total:
            b.close()
    return cb


def machine() -> str:
    from ingest_corpus import machine as m
    return m()


# ---------------------------------------------------------------- stages (each in its own process)

def stage_parse(a) -> dict:
    from ingest.pipeline import parse_paths

    files = json.loads(Path(a.files).read_text())
    la = load1()
    t = time.perf_counter()
    res = parse_paths(files, workers=a.workers, progress=bar("parse", "file"))
    secs = time.perf_counter() - t
    with open(a.docs, "wb") as f:
        pickle.dump(res.documents, f, protocol=pickle.HIGHEST_PROTOCOL)
    return {"seconds": secs, "files": len(files), "documents": len(res.documents),
            "articles": sum(len(d.articles) for d in res.documents), "errors": len(res.errors),
            "mb": sum(Path(f).stat().st_size for f in files) / 1e6, "load": la,
            "rss_mb": hwm_mb(), "worker_rss_mb": children_peak_mb()}


def _load_docs(path: str):
    t = time.perf_counter()
    with open(path, "rb") as f:
        docs = pickle.load(f)
    return docs, time.perf_counter() - t


def stage_graph(a) -> dict:
    from graph.store import build_store

    docs, unpickle_s = _load_docs(a.docs)
    store = Path(a.store)
    shutil.rmtree(store, ignore_errors=True)
    la = load1()
    t = time.perf_counter()
    rep = build_store(docs, store, progress=bar("graph", "doc"))
    secs = time.perf_counter() - t
    return {"seconds": secs, "quads": rep.triples, "store_mb": dir_mb(store), "load": la,
            "unpickle_s": unpickle_s, "rss_mb": hwm_mb()}


def stage_query(a) -> dict:
    from graph.library import load_queries
    from graph.store import open_store

    la = load1()
    out = {}
    with open_store(a.store) as st:
        for name, q in load_queries().items():
            rows = st.query(q.sparql)  # warm-up (and the row count)
            ts = []
            for _ in range(a.query_runs):  # answered as `govrule sparql --format csv` does
                t = time.perf_counter()
                st.query_serialized(q.sparql, "csv")
                ts.append((time.perf_counter() - t) * 1000)
            out[name] = {"rows": len(rows) if isinstance(rows, list) else 1,
                         "p50": statistics.median(ts), "p95": percentile(ts, 95), "samples": ts}
    return {"queries": out, "load": la, "rss_mb": hwm_mb(), "runs": a.query_runs}


def stage_lexical(a) -> dict:
    from search.index import build_lexical
    from search.records import records_from_documents
    from search.tokenize import Tokenizer, user_dictionary

    docs, _ = _load_docs(a.docs)
    la = load1()
    t = time.perf_counter()
    records = records_from_documents(docs)
    tok = Tokenizer(user_dictionary(docs))
    cb = bar("lexical", "article")
    lex = build_lexical(tok, records, lambda d, n, stage: cb(d, n))
    secs = time.perf_counter() - t
    folder = Path(a.store) / "lexical"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lex.save(folder)
    return {"seconds": secs, "articles": len(records), "index_mb": dir_mb(folder), "load": la,
            "rss_mb": hwm_mb(), "worker_rss_mb": children_peak_mb()}


def stage_add(a) -> dict:
    """Add seed documents (not in LawRefBook) to the built store, one at a time."""
    from graph.store import build_store
    from ingest.pipeline import parse_paths

    seeds = parse_paths([str(ROOT / "corpus")], workers=1).documents
    if len(seeds) < 2:
        raise SystemExit("need at least two seed documents")
    la = load1()
    alone = []
    for d in seeds[:-1]:
        t = time.perf_counter()
        rep = build_store([d], a.store, remove_missing=False)
        alone.append({"seconds": time.perf_counter() - t, "added": rep.added, "articles": len(d.articles)})
    docs, _ = _load_docs(a.docs)
    t = time.perf_counter()
    full = build_store(docs + seeds, a.store)
    full_s = time.perf_counter() - t
    t = time.perf_counter()
    again = build_store(docs + seeds, a.store)
    again_s = time.perf_counter() - t
    return {"alone": alone, "alone_median": statistics.median(x["seconds"] for x in alone),
            "full_list": {"seconds": full_s, "added": full.added, "unchanged": full.unchanged,
                          "removed": full.removed, "articles": len(seeds[-1].articles)},
            "unchanged": {"seconds": again_s, "written": again.added + again.replaced},
            "load": la, "rss_mb": hwm_mb()}


STAGES = {"parse": stage_parse, "graph": stage_graph, "query": stage_query,
          "lexical": stage_lexical, "add": stage_add}


def run_stage(name: str, **kw) -> dict:
    cmd = [sys.executable, __file__, "--stage", name]
    for k, v in kw.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # stderr (progress) passes through
    if out.returncode:
        raise SystemExit(f"stage {name} failed (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- driver

def measure_slice(frac: float, files: list[str], runs: int, a) -> dict:
    tag = f"{round(frac * 100)}pct"
    work = Path(a.root) / tag
    work.mkdir(parents=True, exist_ok=True)
    (work / "files.json").write_text(json.dumps(files))
    docs, store = work / "docs.pkl", work / "store"
    parse, graph = [], []
    for r in range(runs):
        print(f"[{tag}] run {r + 1}/{runs}: parse {len(files)} files …", file=sys.stderr)
        parse.append(run_stage("parse", files=work / "files.json", docs=docs, workers=a.workers))
        print(f"[{tag}]   parse {parse[-1]['seconds']:.1f} s; graph …", file=sys.stderr)
        graph.append(run_stage("graph", docs=docs, store=store))
        print(f"[{tag}]   graph {graph[-1]['seconds']:.1f} s", file=sys.stderr)
    print(f"[{tag}] queries …", file=sys.stderr)
    query = run_stage("query", store=store, query_runs=a.query_runs)
    print(f"[{tag}] lexical …", file=sys.stderr)
    lexical = run_stage("lexical", docs=docs, store=work)
    print(f"[{tag}] incremental …", file=sys.stderr)
    add = run_stage("add", docs=docs, store=store)
    if not a.keep:
        docs.unlink(missing_ok=True)
    return {"fraction": frac, "parse": parse, "graph": graph, "query": query, "lexical": lexical, "add": add}


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarise(s: dict) -> dict:
    p, g = s["parse"], s["graph"]
    q = s["query"]["queries"]
    return {
        "pct": round(s["fraction"] * 100), "files": p[0]["files"], "mb": p[0]["mb"],
        "documents": p[0]["documents"], "articles": p[0]["articles"], "runs": len(p),
        "parse_s": med(p, "seconds"), "parse_runs": [r["seconds"] for r in p],
        "graph_s": med(g, "seconds"), "graph_runs": [r["seconds"] for r in g],
        "build_s": statistics.median(a["seconds"] + b["seconds"] for a, b in zip(p, g)),
        "quads": g[-1]["quads"], "store_mb": g[-1]["store_mb"],
        "parse_rss": max(r["rss_mb"] for r in p), "parse_worker_rss": max(r["worker_rss_mb"] for r in p),
        "graph_rss": max(r["rss_mb"] for r in g), "unpickle_s": med(g, "unpickle_s"),
        "query_rss": s["query"]["rss_mb"],
        "query_p95_max": max(v["p95"] for v in q.values()),
        "query_p95_median": statistics.median(v["p95"] for v in q.values()),
        "queries_under_target": sum(v["p95"] < TARGETS["query_p95_ms"] for v in q.values()),
        "n_queries": len(q), "lex_s": s["lexical"]["seconds"], "lex_mb": s["lexical"]["index_mb"],
        "lex_rss": s["lexical"]["rss_mb"], "lex_worker_rss": s["lexical"]["worker_rss_mb"],
        "add_s": s["add"]["alone_median"], "add_full_s": s["add"]["full_list"]["seconds"],
        "unchanged_s": s["add"]["unchanged"]["seconds"], "add_rss": s["add"]["rss_mb"],
        "loads": [r["load"] for r in p + g] + [s["query"]["load"], s["lexical"]["load"], s["add"]["load"]],
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["articles"] / 1000 for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), dpi=90)
    ax = axes[0]
    for key, label in (("parse_s", "parse + extract (2 workers)"), ("graph_s", "graph build (Oxigraph)"),
                       ("build_s", "parse + graph"), ("lex_s", "lexical index (jieba + bm25s)")):
        ax.plot(x, [r[key] for r in rows], marker="o", label=label)
    ax.axhline(TARGETS["build_s"], color="grey", ls="--", lw=1, label="target: full build 60 s")
    ax.set(title="Build time", xlabel="articles (thousands)", ylabel="seconds (median)")
    ax.legend(fontsize=7)
    ax = axes[1]
    for key, label in (("parse_rss", "parse (main process)"), ("graph_rss", "graph build"),
                       ("query_rss", "store open + queries"), ("lex_rss", "lexical index (main process)"),
                       ("store_mb", "store on disk")):
        ax.plot(x, [r[key] for r in rows], marker="o", label=label)
    ax.axhline(TARGETS["build_rss_mb"], color="grey", ls="--", lw=1, label="target: build 4 GB")
    ax.set(title="Memory (peak RSS) and disk", xlabel="articles (thousands)", ylabel="MB")
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(x, [r["query_p95_max"] for r in rows], marker="o", label="slowest example query, p95")
    ax.plot(x, [r["query_p95_median"] for r in rows], marker="o", label="median example query, p95")
    ax.plot(x, [r["add_s"] * 1000 for r in rows], marker="o", label="add one document (ms)")
    ax.axhline(TARGETS["query_p95_ms"], color="grey", ls="--", lw=1, label="target: query p95 200 ms")
    ax.set(title="Queries and incremental add", xlabel="articles (thousands)", ylabel="ms")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def markdown(rows: list[dict], slices: list[dict], a, plot_path: Path) -> str:
    def cells(f):
        return " | ".join(f(r) for r in rows)

    def runs_of(r, key):
        return ", ".join(f"{v:.1f}" for v in r[key])

    cmd = " ".join(["python bench/scaling.py"] + sys.argv[1:])
    loads = [x for r in rows for x in r["loads"]]
    rel = os.path.relpath(plot_path, ROOT)
    lines = ["## Scaling: cost vs corpus size (LawRefBook slices)", "",
             f"Command: `{cmd}`  ",
             f"Machine: {machine()}; load average (1 min) at the stage starts "
             f"{min(loads):.1f}–{max(loads):.1f} (median {statistics.median(loads):.1f}): the machine was shared "
             "with other jobs, so times are upper bounds of an idle machine.  ",
             "Each stage ran in a fresh process (peak RSS = that stage's VmHWM). Parse and graph build: "
             "median of the runs listed; queries: one warm-up, then p95 over the timed runs.", "",
             f"![cost vs corpus size]({rel})", "",
             "| | " + " | ".join(f"{r['pct']} %" for r in rows) + " |",
             "|---|" + "---:|" * len(rows),
             "| files (MB) | " + cells(lambda r: f"{r['files']:,} ({r['mb']:.1f})") + " |",
             "| documents / articles | " + cells(lambda r: f"{r['documents']:,} / {r['articles']:,}") + " |",
             "| runs (parse, graph) | " + cells(lambda r: str(r["runs"])) + " |",
             "| load average at the stage starts | " + cells(lambda r: f"{min(r['loads']):.1f}–{max(r['loads']):.1f}") + " |",
             "| parse + extract, 2 workers (s) | " + cells(lambda r: f"**{r['parse_s']:.1f}** ({runs_of(r, 'parse_runs')})") + " |",
             "| graph build (s) | " + cells(lambda r: f"**{r['graph_s']:.1f}** ({runs_of(r, 'graph_runs')})") + " |",
             "| parse + extract + graph (s) | " + cells(lambda r: f"**{r['build_s']:.1f}**") + " |",
             "| throughput (articles/s, parse + graph) | " + cells(lambda r: f"{r['articles'] / r['build_s']:,.0f}") + " |",
             "| quads | " + cells(lambda r: f"{r['quads']:,}") + " |",
             "| store on disk (MB) | " + cells(lambda r: f"{r['store_mb']:,.0f}") + " |",
             "| peak RSS parse: main / each worker (MB) | " + cells(lambda r: f"{r['parse_rss']:,.0f} / {r['parse_worker_rss']:,.0f}") + " |",
             "| peak RSS graph build (MB) | " + cells(lambda r: f"{r['graph_rss']:,.0f}") + " |",
             "| peak RSS store opened + example queries (MB) | " + cells(lambda r: f"{r['query_rss']:,.0f}") + " |",
             "| example queries: p95 of the slowest / median query (ms) | " + cells(lambda r: f"{r['query_p95_max']:,.0f} / {r['query_p95_median']:,.0f}") + " |",
             f"| example queries with p95 < {TARGETS['query_p95_ms']:.0f} ms | " + cells(lambda r: f"{r['queries_under_target']} / {r['n_queries']}") + " |",
             "| lexical index build, jieba + bm25s (s) | " + cells(lambda r: f"{r['lex_s']:.1f}") + " |",
             "| lexical index on disk (MB); peak RSS main / worker (MB) | " + cells(lambda r: f"{r['lex_mb']:.0f}; {r['lex_rss']:,.0f} / {r['lex_worker_rss']:,.0f}") + " |",
             "| **add one document** to the built store, alone (s, median) | " + cells(lambda r: f"**{r['add_s']:.2f}**") + " |",
             "| add one document via full-list rebuild (s, parse not counted) | " + cells(lambda r: f"{r['add_full_s']:.1f}") + " |",
             "| full-list rebuild, nothing changed (s) | " + cells(lambda r: f"{r['unchanged_s']:.1f}") + " |",
             "| add alone vs full graph build | " + cells(lambda r: f"{r['add_s'] / r['graph_s'] * 100:.2f} % ({r['graph_s'] / r['add_s']:,.0f}× less)") + " |",
             ""]
    lines += [f"Example queries, answered as `govrule sparql --format csv` does: p50 / p95 ms of "
              f"{slices[0]['query']['runs']} runs after a warm-up (with 10 runs, p95 is the slowest run); rows "
              "in brackets:", "",
              "| query | " + " | ".join(f"{r['pct']} %" for r in rows) + " |", "|---|" + "---:|" * len(rows)]
    names = list(slices[0]["query"]["queries"])
    for n in names:
        lines.append(f"| {n} | " + " | ".join(
            f"{s['query']['queries'][n]['p50']:,.1f} / {s['query']['queries'][n]['p95']:,.1f} "
            f"({s['query']['queries'][n]['rows']:,})" for s in slices) + " |")
    full = rows[-1]
    lines += ["", f"Against the targets (largest slice, {full['articles']:,} articles):", ""]
    b = full["build_s"]
    lines.append(f"- parse + extract + graph under {TARGETS['build_s']:.0f} s: "
                 + ("**met**" if b < TARGETS["build_s"] else
                    f"**missed** by {b - TARGETS['build_s']:.0f} s ({b / TARGETS['build_s']:.1f}× the target; "
                    f"parse {full['parse_s']:.0f} s + graph {full['graph_s']:.0f} s)") + f": {b:.0f} s.")
    stages = {"parse (main + 2 workers)": full["parse_rss"] + 2 * full["parse_worker_rss"],
              "graph build": full["graph_rss"],
              "lexical index (main + 2 workers)": full["lex_rss"] + 2 * full["lex_worker_rss"]}
    worst = max(stages, key=stages.get)
    peak = stages[worst]
    lines.append(f"- peak memory of a build under 4 GB: {'**met**' if peak < TARGETS['build_rss_mb'] else '**missed**'}: "
                 f"at most {peak:,.0f} MB, in the {worst} (each stage's peak, counting every worker at the "
                 f"largest worker's peak; parse {stages['parse (main + 2 workers)']:,.0f} MB, graph "
                 f"{full['graph_rss']:,.0f} MB); embedding not included (see `search_scale.py`).")
    lines.append(f"- example queries p95 under {TARGETS['query_p95_ms']:.0f} ms: "
                 f"{full['queries_under_target']} of {full['n_queries']} "
                 + ("(**met**)" if full["queries_under_target"] == full["n_queries"] else
                    f"(**missed** by the slowest: {full['query_p95_max']:,.0f} ms, "
                    f"{full['query_p95_max'] / TARGETS['query_p95_ms']:.1f}× the target)") + ".")
    first = rows[0]
    lines.append(f"- incremental: adding one document costs {full['add_s']:.2f} s against {full['graph_s']:.0f} s "
                 f"for the whole graph ({full['graph_s'] / full['add_s']:.0f}× less; {first['add_s']:.2f} s at "
                 f"{first['pct']} %): it writes the document's graph and only the shared nodes it adds, and reads "
                 "the quad count from the bookkeeping (graph/store.py); what still grows with the store is reading "
                 f"the bookkeeping of every graph. Through a full-list rebuild it is {full['add_full_s']:.0f} s "
                 "(every document's fingerprint is recomputed), plus the parse of every file.")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    ap.add_argument("--runs", type=int, default=3, help="parse + graph runs per slice")
    ap.add_argument("--full-runs", type=int, default=1, help="parse + graph runs of the whole corpus")
    ap.add_argument("--query-runs", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--root", default=str(DEFAULT_ROOT), help="working folder (stores, pickles)")
    ap.add_argument("--plot", default=str(DEFAULT_PLOT))
    ap.add_argument("--keep", action="store_true", help="keep the pickled documents")
    ap.add_argument("--from-json", help="plot and print the section again from the raw figures of an "
                    "earlier run (ROOT/scaling.json) without measuring")
    # stage mode (internal)
    ap.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--files", help=argparse.SUPPRESS)
    ap.add_argument("--docs", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.stage:
        print(json.dumps(STAGES[a.stage](a)))
        return

    if a.from_json:
        raw = json.loads(Path(a.from_json).read_text())
        sys.argv = raw["argv"]
        plot(raw["rows"], Path(a.plot))
        print(markdown(raw["rows"], raw["slices"], a, Path(a.plot)))
        return

    from ingest.readers import iter_files
    from ingest_corpus import corpus_dir
    from search_scale import pick_files

    corpus = corpus_dir(a.corpus)
    n_all = len(iter_files([corpus]))
    slices = []
    for frac in sorted(a.fractions):
        files = [str(f) for f in pick_files(corpus, None if frac >= 1 else max(1, round(frac * n_all)))]
        runs = a.full_runs if frac >= 1 else a.runs
        slices.append(measure_slice(frac, files, runs, a))
    rows = [summarise(s) for s in slices]
    plot_path = Path(a.plot)
    plot(rows, plot_path)
    raw = Path(a.root) / "scaling.json"
    raw.write_text(json.dumps({"argv": sys.argv, "slices": slices, "rows": rows}, ensure_ascii=False, indent=1))
    print(f"raw figures: {raw}", file=sys.stderr)
    print(markdown(rows, slices, a, plot_path))


if __name__ == "__main__":
    main()
