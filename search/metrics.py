"""Ranking metrics for the gold queries: Recall@k, MRR@k, nDCG@k (graded).

Recall@k is capped: hits in the top k divided by min(k, number relevant), so a query with
eight relevant articles can still score 1 at k=5 (the BEIR "capped recall"). Relevance is a
mapping item → grade (2 = answers the query, 1 = related).
"""
from __future__ import annotations

import math
from typing import Hashable, Mapping, Sequence


def recall_at_k(ranked: Sequence[Hashable], relevant: Mapping[Hashable, int], k: int) -> float:
    rel = {r for r, g in relevant.items() if g > 0}
    if not rel:
        return 0.0
    return len(rel.intersection(ranked[:k])) / min(k, len(rel))


def mrr_at_k(ranked: Sequence[Hashable], relevant: Mapping[Hashable, int], k: int) -> float:
    for i, item in enumerate(ranked[:k], 1):
        if relevant.get(item, 0) > 0:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[Hashable], relevant: Mapping[Hashable, int], k: int) -> float:
    dcg = sum((2 ** relevant.get(item, 0) - 1) / math.log2(i + 1) for i, item in enumerate(ranked[:k], 1))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def evaluate(runs: Sequence[Sequence[Hashable]], qrels: Sequence[Mapping[Hashable, int]],
             recall_k: int = 5, k: int = 10) -> dict[str, float]:
    """Mean Recall@recall_k, MRR@k and nDCG@k over queries (runs and qrels aligned)."""
    n = len(qrels) or 1
    return {
        f"Recall@{recall_k}": sum(recall_at_k(r, q, recall_k) for r, q in zip(runs, qrels)) / n,
        f"MRR@{k}": sum(mrr_at_k(r, q, k) for r, q in zip(runs, qrels)) / n,
        f"nDCG@{k}": sum(ndcg_at_k(r, q, k) for r, q in zip(runs, qrels)) / n,
    }
