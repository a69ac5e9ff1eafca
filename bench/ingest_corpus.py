"""Ingest benchmark on the LawRefBook corpus: throughput and article-count agreement.

For every file with numbered articles, compare our article count with a plain count of the
lines that open an article (第X条, or 一、 where a file has no 第X条). Prints a Markdown
section for BENCHMARKS.md and writes the files that disagree to ``--mismatches``.

    python bench/ingest_corpus.py [--corpus DIR] [--runs 3] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import _parse_one, parse_paths  # noqa: E402
from ingest.readers import iter_files  # noqa: E402

TARBALL = ROOT.parent / "shared" / "corpora" / "lawrefbook-laws.tar.xz"
TIAO = re.compile(r"^\s*第[零〇一二两三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十]+)?", re.M)
CN = re.compile(r"^\s*[一二三四五六七八九十]+、", re.M)


def corpus_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    target = Path("/tmp/lawrefbook")
    if not any(target.rglob("*.md")):
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(TARBALL) as tar:
            tar.extractall(target, filter="data")
    return target


def plain_count(text: str) -> int:
    n = len(TIAO.findall(text))
    return n if n else len(CN.findall(text))


def machine() -> str:
    import os
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mismatches", default="/tmp/govrule-ingest-mismatches.json")
    args = ap.parse_args()
    root = corpus_dir(args.corpus)
    files = [str(p) for p in iter_files([root])]
    mb = sum(Path(f).stat().st_size for f in files) / 1e6

    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        res = parse_paths([root], workers=args.workers)
        times.append(time.perf_counter() - t0)
    wall = statistics.median(times)

    # agreement with a plain line count, per file (before duplicate merging)
    numbered = agree = 0
    mismatches = []
    for f in files:
        expected = plain_count(Path(f).read_text(encoding="utf-8", errors="replace"))
        if not expected:
            continue
        numbered += 1
        doc, err, _ = _parse_one(f)
        got = len(doc.articles) if doc else 0
        if got == expected:
            agree += 1
        else:
            mismatches.append({"file": f, "expected": expected, "got": got, "error": str(err) if err else None})
    Path(args.mismatches).write_text(json.dumps(mismatches, ensure_ascii=False, indent=1))
    articles = sum(len(d.articles) for d in res.documents)
    print(f"## Ingest: LawRefBook corpus\n")
    print(f"Command: `python bench/ingest_corpus.py --runs {args.runs} --workers {args.workers}`  ")
    print(f"Machine: {machine()}\n")
    print("| measure | value |\n|---|---|")
    print(f"| files | {len(files)} ({mb:.1f} MB) |")
    print(f"| documents after merging duplicates | {len(res.documents)} |")
    print(f"| articles | {articles} |")
    print(f"| files reported as errors | {len(res.errors)} |")
    print(f"| parse wall time, median of {args.runs} ({args.workers} workers) | {wall:.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in times)}) |")
    print(f"| throughput | {len(files) / wall:.0f} files/s, {mb / wall:.2f} MB/s |")
    print(f"| files with numbered articles | {numbered} |")
    print(f"| article count = plain count of 第X条/一、 lines | {agree} / {numbered} "
          f"({100 * agree / max(numbered, 1):.2f} %) |")
    reasons: dict[str, int] = {}
    for e in res.errors:
        key = e.reason.split(":")[0][:60]
        reasons[key] = reasons.get(key, 0) + 1
    print("\nErrors by reason: " + "; ".join(f"{k} ({v})" for k, v in sorted(reasons.items(), key=lambda x: -x[1])))


if __name__ == "__main__":
    main()
