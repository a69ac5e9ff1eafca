"""Which store at which size: the embedded Oxigraph store vs SPARQL servers (Virtuoso, Oxigraph's
server), loaded with the same graph of LawRefBook (or a slice), queried with the same examples.

    python bench/remote_store.py [--files N] [--runs 5] [--servers virtuoso oxigraph]

For each store: the build (parse not included: the same documents go into every store), an
unchanged rebuild, the size on disk, the server's peak memory, and the median / p95 latency of
every query in ``queries/`` as a client sees it (run and serialised as SPARQL results CSV; for a
server that includes HTTP). Servers run on loopback with throwaway databases (tests/sparql_servers.py).
Prints a Markdown section for BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from graph.library import load_queries  # noqa: E402
from graph.store import build_store, open_store  # noqa: E402
from search_scale import dir_mb, find_corpus, percentile, pick_files  # noqa: E402
from sparql_servers import PIDS, VIRTUOSO_USER, ServerMissing, oxigraph_server, virtuoso_server  # noqa: E402


def hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def measure(target, docs, runs: int) -> dict:
    t = time.perf_counter()
    first = build_store(docs, target)
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    again = build_store(docs, target)
    again_s = time.perf_counter() - t
    assert again.unchanged == len(docs), again
    times = {}
    with open_store(target) as st:
        for name, q in load_queries().items():
            rows = st.query_plain(q.sparql)  # warm-up, and the row count
            ts = []
            for _ in range(runs):
                t = time.perf_counter()
                st.query_serialized(q.sparql, "csv")
                ts.append(time.perf_counter() - t)
            times[name] = (len(rows), statistics.median(ts) * 1000, percentile(ts, 95) * 1000)
    return {"build": first_s, "again": again_s, "quads": first.triples, "queries": times}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/tmp/lawrefbook")
    ap.add_argument("--files", type=int, help="N files spread over the corpus (default: all)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--servers", nargs="*", default=["virtuoso", "oxigraph"], choices=["virtuoso", "oxigraph"])
    ap.add_argument("--virtuoso-gb", type=float, default=2.0, help="Virtuoso buffer pool (GB)")
    args = ap.parse_args()

    from ingest.pipeline import parse_paths

    files = pick_files(find_corpus(Path(args.corpus)), args.files)
    t = time.time()
    docs = parse_paths(files, workers=args.workers).documents
    print(f"parsed {len(files)} files → {len(docs)} documents in {time.time() - t:.0f} s", file=sys.stderr)
    n_art = sum(len(d.articles) for d in docs)
    work = Path(tempfile.mkdtemp(prefix="govrule-remote-bench-"))
    results: dict[str, dict] = {}
    try:
        print("embedded store …", file=sys.stderr)
        results["embedded Oxigraph (pyoxigraph)"] = r = measure(work / "embedded", docs, args.runs)
        r["disk"], r["rss"] = dir_mb(work / "embedded"), float("nan")
        for name in args.servers:
            print(f"{name} …", file=sys.stderr)
            try:
                if name == "virtuoso":
                    os.environ["GOVRULE_SPARQL_USER"], os.environ["GOVRULE_SPARQL_PASSWORD"] = VIRTUOSO_USER
                    ctx, label = virtuoso_server(work / "virtuoso", memory_gb=args.virtuoso_gb), \
                        "Virtuoso 7.2 (Debian), SPARQL Protocol + Graph Store Protocol"
                else:
                    os.environ.pop("GOVRULE_SPARQL_USER", None)
                    ctx, label = oxigraph_server(work / "oxigraph"), "Oxigraph server 0.5, SPARQL Protocol + Graph Store Protocol"
                with ctx as url:
                    os.environ["GOVRULE_CACHE"] = str(work / "cache")
                    results[label] = r = measure(url, docs, args.runs)
                    r["rss"] = hwm_mb(PIDS[url])
                r["disk"] = dir_mb(work / name)
            except ServerMissing as e:
                print(f"skipped {name}: {e}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    scope = f"{args.files} files spread over LawRefBook" if args.files else "the whole LawRefBook corpus"
    out = [f"## Embedded store vs SPARQL servers ({scope})\n",
           f"`python bench/remote_store.py{f' --files {args.files}' if args.files else ''} --runs {args.runs}` on "
           f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}), load average "
           f"{os.getloadavg()[0]:.1f} at the end. {len(docs)} documents, {n_art:,} articles, "
           f"{next(iter(results.values()))['quads']:,} quads; the same documents built into each store by "
           "`build_store` (a server through `--store URL`: one named graph per document, batches of 5,000 "
           "triples over the Graph Store Protocol). Query times are as a client sees them (answer serialised "
           f"as CSV; HTTP included for servers), median / p95 of {args.runs} runs after a warm-up.\n",
           "| store | build s | unchanged rebuild s | disk MB | server peak RSS MB |", "|---|---:|---:|---:|---:|"]
    for label, r in results.items():
        rss = "—" if r["rss"] != r["rss"] else f"{r['rss']:,.0f}"
        out.append(f"| {label} | {r['build']:.1f} | {r['again']:.1f} | {r['disk']:,.0f} | {rss} |")
    labels = list(results)
    out += ["", "| query | rows | " + " | ".join(f"{lb.split(' (')[0].split(',')[0]} ms" for lb in labels) + " |",
            "|---|---:|" + "---:|" * len(labels)]
    for q in next(iter(results.values()))["queries"]:
        rows = results[labels[0]]["queries"][q][0]
        cells = []
        for lb in labels:
            n, med, p95 = results[lb]["queries"][q]
            cells.append(f"{med:,.1f} / {p95:,.1f}" + ("" if n == rows else f" ({n} rows)"))
        out.append(f"| {q} | {rows:,} | " + " | ".join(cells) + " |")
    print("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
