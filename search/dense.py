"""The FAISS passage index: exact for small corpora, HNSW above a size threshold.

Why two kinds: a flat inner-product index is exact and instant to build for a district's few
thousand passages; at LawRefBook scale (150k+ passages) HNSW keeps a query near a millisecond.
Vectors are L2-normalised, so inner product = cosine. Filters use an ID selector, or exact
scoring of the allowed passages when they are few (HNSW + a very selective filter can starve).
"""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_THRESHOLD = 50_000  # passages; above this, build HNSW
HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 128
EXACT_FILTER_LIMIT = 20_000  # allowed passages scored exactly below this


def choose_kind(n: int, threshold: int = HNSW_THRESHOLD) -> str:
    return "hnsw" if n > threshold else "flat"


def build_faiss(vectors: np.ndarray, kind: str) -> faiss.Index:
    d = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.hnsw.efSearch = EF_SEARCH
    else:
        index = faiss.IndexFlatIP(d)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class DenseIndex:
    """Passage vectors in FAISS plus which article each passage belongs to."""

    def __init__(self, index: faiss.Index, passage_article: np.ndarray, kind: str):
        self.index = index
        self.passage_article = np.asarray(passage_article, dtype=np.int64)
        self.kind = kind
        starts = np.searchsorted(self.passage_article, np.arange(self.passage_article.max(initial=-1) + 2))
        self._art_start = starts  # passages of article a: [starts[a], starts[a+1]) (passages are in article order)

    @classmethod
    def build(cls, vectors: np.ndarray, passage_article: np.ndarray, threshold: int = HNSW_THRESHOLD) -> "DenseIndex":
        kind = choose_kind(len(vectors), threshold)
        return cls(build_faiss(vectors, kind), passage_article, kind)

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        faiss.write_index(self.index, str(folder / "dense.faiss"))
        np.save(folder / "passage_article.npy", self.passage_article.astype(np.int32))

    @classmethod
    def load(cls, folder: str | Path, kind: str) -> "DenseIndex":
        folder = Path(folder)
        index = faiss.read_index(str(folder / "dense.faiss"))
        if kind == "hnsw":
            faiss.downcast_index(index).hnsw.efSearch = EF_SEARCH
        return cls(index, np.load(folder / "passage_article.npy"), kind)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def vectors(self) -> np.ndarray:
        """A zero-copy view of the stored passage vectors (flat storage in both kinds)."""
        flat = faiss.downcast_index(self.index.storage) if self.kind == "hnsw" else self.index
        n, d = self.index.ntotal, self.index.d
        return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)

    def passages_of(self, rows: np.ndarray) -> np.ndarray:
        """Passage ids of the given article rows."""
        starts, ends = self._art_start[rows], self._art_start[rows + 1]
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])

    def article_vectors(self, row: int) -> np.ndarray:
        return self.vectors()[self._art_start[row]:self._art_start[row + 1]]

    def search_articles(self, q: np.ndarray, n_articles: int, allowed_rows: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Best articles for one or more query vectors (max over passages and query rows).

        Returns (rows, scores) sorted by score, at most ``n_articles`` long.
        """
        q = np.ascontiguousarray(np.atleast_2d(q), dtype=np.float32)
        if self.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if allowed_rows is not None:
            pids = self.passages_of(np.asarray(allowed_rows, dtype=np.int64))
            if not len(pids):
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            if len(pids) <= EXACT_FILTER_LIMIT or self.kind == "flat":
                sims = self.vectors()[pids] @ q.T  # (p, m)
                return _best_per_article(pids, sims.max(axis=1), self.passage_article, n_articles)
        want = n_articles * 3 + 20  # several passages of one article may fill the top
        for _ in range(4):
            n_p = min(self.size, want)
            params = None
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW()
                params.efSearch = max(EF_SEARCH, n_p)
            if allowed_rows is not None:
                sel = faiss.IDSelectorBatch(pids)
                if params is None:
                    params = faiss.SearchParameters()
                params.sel = sel
            scores, ids = self.index.search(q, n_p, params=params)
            keep = ids >= 0
            flat_ids, flat_scores = ids[keep], scores[keep]
            rows, best = _best_per_article(flat_ids, flat_scores, self.passage_article, n_articles)
            if len(rows) >= n_articles or n_p >= self.size:
                return rows, best
            want *= 4
        return rows, best


def _best_per_article(pids: np.ndarray, scores: np.ndarray, passage_article: np.ndarray, n: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    arts = passage_article[pids]
    order = np.argsort(-scores, kind="stable")
    arts, scores = arts[order], scores[order]
    _, first = np.unique(arts, return_index=True)  # first occurrence = best passage of the article
    first = np.sort(first)[:n]
    return arts[first].astype(np.int64), scores[first].astype(np.float32)
