"""Graph benchmark: build the Oxigraph store from the seed corpus and from LawRefBook, then
time the example queries. Prints a Markdown section for BENCHMARKS.md.

    python bench/graph_build.py [--corpus DIR] [--store DIR] [--runs 5] [--shacl] [--queries-only]

Figures: quads, build time (first build, unchanged rebuild, one document changed), store size
on disk, SHACL conformance (seeds always; LawRefBook with --shacl, ~7 min), and the latency of
every query in ``queries/`` (median of ``--runs`` after one warm-up run).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from graph.library import load_queries  # noqa: E402
from graph.store import build_store, open_store  # noqa: E402
from graph.validate import validate  # noqa: E402
from ingest.pipeline import parse_paths  # noqa: E402
from ingest_corpus import corpus_dir  # noqa: E402


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def builds(docs, store: Path) -> dict:
    shutil.rmtree(store, ignore_errors=True)
    first = build_store(docs, store)
    again = build_store(docs, store)
    docs[len(docs) // 2].articles[0].text += "（修订）"
    one = build_store(docs, store)
    return {"first": first, "again": again, "one": one, "size": du(store)}


def query_times(store: Path, runs: int) -> list[tuple[str, int, float, float]]:
    """(name, rows, median ms, max ms) of each example query, answered as the CLI answers it:
    run and serialised as SPARQL results (CSV)."""
    out = []
    with open_store(store) as st:
        for name, q in load_queries().items():
            rows = st.query(q.sparql)
            ts = []
            for _ in range(runs):
                t = time.perf_counter()
                st.query_serialized(q.sparql, "csv")
                ts.append(time.perf_counter() - t)
            out.append((name, len(rows) if isinstance(rows, list) else 1,
                        statistics.median(ts) * 1000, max(ts) * 1000))
    return out


FACTS = [("obligations --role 副区长", "obligations", {"role": "副区长"}),
         ("obligations --role 国务院", "obligations", {"role": "国务院"}),
         ("obligations --district 上海", "obligations", {"district": "上海"}),
         ("deadlines --district 北京", "deadlines", {"district": "北京"}),
         ("deadlines --kind frequency", "deadlines", {"kind": "frequency"})]


def facts_table(store: Path, runs: int) -> list[str]:
    """The rows behind `govrule obligations` / `govrule deadlines` (graph/facts.py)."""
    from graph import facts

    lines = [f"`govrule obligations` / `deadlines` rows (graph/facts.py), median of {runs} runs:\n",
             "| command | rows | median ms |", "|---|---:|---:|"]
    with open_store(store) as st:
        for label, fn, kw in FACTS:
            ts, n = [], 0
            for _ in range(runs):
                t = time.perf_counter()
                n = len(getattr(facts, fn)(st, **kw))
                ts.append(time.perf_counter() - t)
            lines.append(f"| {label} | {n} | {statistics.median(ts) * 1000:.0f} |")
    return lines


def query_table(store: Path, runs: int) -> list[str]:
    lines = [f"Example queries (`queries/*.rq`), answered as `govrule sparql --format csv` does, "
             f"median and max of {runs} runs after a warm-up (load average {os.getloadavg()[0]:.1f}):\n",
             "| query | rows | median ms | max ms |", "|---|---:|---:|---:|"]
    return lines + [f"| {name} | {n} | {ms:.1f} | {mx:.1f} |" for name, n, ms, mx in query_times(store, runs)]


def section(label: str, docs, store: Path, runs: int, shacl: bool, parse_s: float) -> list[str]:
    n_art = sum(len(d.articles) for d in docs)
    n_cl = sum(len(a.clauses) for d in docs for a in d.articles)
    b = builds(docs, store)
    lines = [f"### {label}: {len(docs)} documents, {n_art} articles, {n_cl} modal clauses\n",
             "| measure | value |", "|---|---:|",
             f"| parse + extract ({'2 workers' if len(docs) > 10 else '1 process'}) | {parse_s:.1f} s |",
             f"| quads in store (all graphs) | {b['first'].triples:,} |",
             f"| inferred triples (OWL-RL) | {b['first'].inferred:,} |",
             f"| first build | {b['first'].seconds:.2f} s |",
             f"| rebuild, unchanged corpus | {b['again'].seconds:.2f} s "
             f"({b['again'].added + b['again'].replaced} graphs written) |",
             f"| rebuild, one document changed | {b['one'].seconds:.2f} s ({b['one'].replaced} replaced) |",
             f"| store size on disk | {b['size'] / 2**20:.1f} MiB |"]
    if shacl:
        t = time.perf_counter()
        ok, _ = validate(store)
        lines.append(f"| SHACL (pyshacl, batches of 200 documents) | {'conforms' if ok else 'DOES NOT CONFORM'} "
                     f"in {time.perf_counter() - t:.0f} s |")
    return lines + [""] + query_table(store, runs) + [""] + facts_table(store, min(runs, 3)) + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="LawRefBook folder (default: unpacked from ../shared/corpora)")
    ap.add_argument("--store", default="/tmp/govrule-bench-graph")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--shacl", action="store_true", help="also validate the LawRefBook graph (~7 min)")
    ap.add_argument("--seeds-only", action="store_true")
    ap.add_argument("--queries-only", action="store_true",
                    help="only time the example queries on the stores already built in --store")
    args = ap.parse_args()
    store = Path(args.store)
    if args.queries_only:
        for label, sub in (("Seed corpus", "seeds"), ("LawRefBook", "lawrefbook")):
            if (store / sub).exists():
                print(f"### {label} (store built earlier in {store / sub})\n")
                print("\n".join(query_table(store / sub, args.runs)) + "\n")
                print("\n".join(facts_table(store / sub, min(args.runs, 3))) + "\n")
        return
    out = ["## Graph: build, store and example queries\n",
           f"`python bench/graph_build.py{' --shacl' if args.shacl else ''}` on {platform.machine()}, "
           f"Python {platform.python_version()}, pyoxigraph store on local disk.\n"]
    t = time.perf_counter()
    seeds = parse_paths([str(ROOT / "corpus")]).documents
    out += section("Seed corpus", seeds, store / "seeds", args.runs, True, time.perf_counter() - t)
    if not args.seeds_only:
        print("parsing LawRefBook …", file=sys.stderr)
        t = time.perf_counter()
        res = parse_paths([str(corpus_dir(args.corpus))], workers=2)
        parse_s = time.perf_counter() - t
        print(f"building ({len(res.documents)} documents) …", file=sys.stderr)
        out += section("LawRefBook", res.documents, store / "lawrefbook", args.runs, args.shacl, parse_s)
    print("\n".join(out))


if __name__ == "__main__":
    main()
