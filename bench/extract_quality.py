"""Extraction quality against the gold annotations in tests/gold/ (seed corpus).

Time constraints: precision and recall, a match being the same article, overlapping text,
the same kind and the same normalised values (ISO duration, period, count). Deontic clauses:
for each gold clause, the predicted clause over it (with the same modal word if several) must
have the gold modality (modality accuracy) and the gold canonical bearer (bearer accuracy).

    python bench/extract_quality.py
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import parse_paths  # noqa: E402

GOLD = ROOT / "tests" / "gold"


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _spans(text: str, items: list[dict], key: str) -> list[tuple[int, int]]:
    """Position of each gold surface; repeated surfaces take successive occurrences."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for g in items:
        s = g[key]
        pos, k = -1, seen[s]
        for _ in range(k + 1):
            pos = text.find(s, pos + 1)
        seen[s] += 1
        out.append((pos, pos + len(s)) if pos >= 0 else (-1, -1))
    return out


def evaluate(documents) -> dict:
    arts = {(d.doc_number, a.ordinal): a for d in documents for a in d.articles}
    by_art: dict = defaultdict(list)
    for g in _load("time_constraints.jsonl"):
        by_art[(g["doc_number"], g["article"])].append(g)
    tp = gold_n = 0
    pred_n = sum(len(a.times) for (num, _), a in arts.items() if num in {k[0] for k in by_art})
    misses, wrong = [], []
    for key, golds in by_art.items():
        a = arts[key]
        used: set[int] = set()
        for g, (s, e) in zip(golds, _spans(a.text, golds, "surface")):
            gold_n += 1
            hit = next((i for i, t in enumerate(a.times) if i not in used and t.start < e and s < t.end
                        and t.kind == g["kind"] and t.iso == g["iso"] and t.period_iso == g["period_iso"]
                        and (g["count"] is None or t.count == g["count"])), None)
            if hit is None:
                misses.append(f"{key[0]} {a.label} {g['surface']} ({g['kind']} {g['iso']} {g['period_iso']} {g['count']})")
            else:
                used.add(hit)
                tp += 1
        wrong += [f"{key[0]} {a.label} {t.surface}" for i, t in enumerate(a.times) if i not in used]
    for key, a in arts.items():  # predictions in articles without any gold constraint are false positives
        if key not in by_art and key[0] in {k[0] for k in by_art}:
            wrong += [f"{key[0]} {a.label} {t.surface}" for t in a.times]
    # clauses
    clauses: dict = defaultdict(list)
    for g in _load("modal_clauses.jsonl"):
        clauses[(g["doc_number"], g["article"])].append(g)
    total = mod_ok = bearer_ok = found = 0
    bearer_errors = []
    for key, golds in clauses.items():
        a = arts[key]
        for g, (s, e) in zip(golds, _spans(a.text, golds, "clause")):
            total += 1
            over = [c for c in a.clauses if c.start < e and s < c.end]
            same = [c for c in over if c.modal == g["modal"]] or over
            if not same:
                continue
            found += 1
            # the predicted clause that holds the gold clause's modal word (else the nearest start)
            m = a.text.find(g["modal"], s, e) if g["modal"] else -1
            holding = [c for c in same if m >= 0 and c.start <= m < c.end]
            c = holding[0] if holding else min(same, key=lambda c: abs(c.start - s))
            mod_ok += c.modality == g["modality"]
            if c.bearer == g["bearer"]:
                bearer_ok += 1
            else:
                bearer_errors.append(f"{key[0]} {a.label} {g['clause'][:24]}… gold {g['bearer']} got {c.bearer}")
    return {"time_tp": tp, "time_gold": gold_n, "time_pred": pred_n, "time_misses": misses, "time_wrong": wrong,
            "clauses": total, "clauses_found": found, "modality_ok": mod_ok, "bearer_ok": bearer_ok,
            "bearer_errors": bearer_errors}


def main() -> None:
    res = parse_paths([ROOT / "corpus"])
    r = evaluate(res.documents)
    p = r["time_tp"] / max(r["time_pred"], 1)
    rc = r["time_tp"] / max(r["time_gold"], 1)
    print("## Extraction quality: seed corpus vs tests/gold\n")
    print("Command: `python bench/extract_quality.py`\n")
    print("| measure | value | target |\n|---|---|---|")
    print(f"| time constraints precision (exact kind + ISO + period + count) | {p:.3f} ({r['time_tp']}/{r['time_pred']}) | ≥ 0.95 |")
    print(f"| time constraints recall | {rc:.3f} ({r['time_tp']}/{r['time_gold']}) | ≥ 0.95 |")
    print(f"| gold modal clauses with a predicted clause over them | {r['clauses_found']}/{r['clauses']} | |")
    print(f"| modality accuracy | {r['modality_ok'] / r['clauses']:.3f} ({r['modality_ok']}/{r['clauses']}) | ≥ 0.9 |")
    print(f"| canonical bearer accuracy | {r['bearer_ok'] / r['clauses']:.3f} ({r['bearer_ok']}/{r['clauses']}) | ≥ 0.85 |")
    if "-v" in sys.argv:
        print("\nmissed:", *r["time_misses"], sep="\n  ")
        print("\nspurious:", *r["time_wrong"], sep="\n  ")
        print("\nbearer errors:", *r["bearer_errors"], sep="\n  ")


if __name__ == "__main__":
    main()
