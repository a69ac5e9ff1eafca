"""BM25 (bm25s) over articles and over their sentences, scored for every article at once.

Why two levels: an article that names 区长, 出差 and 主持工作 in one sentence answers "who
presides when the district head travels" better than one that scatters them over three
sentences about something else; BM25 alone cannot tell them apart. The article score is
BM25(article)/best + ``SENTENCE_WEIGHT`` · BM25(best sentence)/best (a cheap proximity signal).

Why full score vectors: bm25s scores all documents for a query in one sparse pass (a few ms on
150k articles), so a filter is a mask, not a re-query with a bigger k.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping, Sequence

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)

K1, B = 1.2, 0.75
SENTENCE_WEIGHT = 0.4


class Vocabulary:
    """Term → id, shared by the article and the sentence index; grows while building."""

    def __init__(self, terms: dict[str, int] | None = None):
        self.ids: dict[str, int] = terms if terms is not None else {"": 0}

    def encode(self, tokens: Sequence[str]) -> list[int]:
        ids = self.ids
        return [ids.setdefault(t, len(ids)) for t in tokens]


def _bm25(docs: list[list[int]], vocab: dict[str, int]) -> bm25s.BM25:
    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
    bm25.index((docs, vocab), show_progress=False, create_empty_token=False)
    return bm25


class LexicalIndex:
    def __init__(self, articles: bm25s.BM25, sentences: bm25s.BM25, sentence_article: np.ndarray,
                 vocab: dict[str, int]):
        self._art, self._sent = articles, sentences
        self.sentence_article = np.asarray(sentence_article, dtype=np.int64)
        self._vocab = vocab
        self.n = int(articles.scores["num_docs"])
        # sentences are stored in article order, at least one per article: reduceat takes each max
        self._sent_start = np.searchsorted(self.sentence_article, np.arange(self.n))
        if self.n and (len(self.sentence_article) == 0 or np.any(np.diff(self._sent_start) <= 0)
                       or self.sentence_article[-1] != self.n - 1):
            raise ValueError("every article needs at least one sentence, in article order")

    @classmethod
    def build(cls, article_ids: list[list[int]], sentence_ids: list[list[int]],
              sentence_article: Sequence[int], vocab: Vocabulary) -> "LexicalIndex":
        """From token ids (``Vocabulary.encode``): one list per article, one per sentence."""
        v = dict(vocab.ids)
        return cls(_bm25(article_ids, v), _bm25(sentence_ids or [[0]], v),
                   np.asarray(sentence_article if sentence_ids else [0], dtype=np.int64), v)

    @classmethod
    def from_tokens(cls, token_lists: Sequence[list[str]]) -> "LexicalIndex":
        """Article-level only (every article is its own single sentence); for small uses and tests."""
        vocab = Vocabulary()
        ids = [vocab.encode(t) for t in token_lists]
        return cls.build(ids, ids, range(len(ids)), vocab)

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        self._art.save(str(folder / "articles"), show_progress=False)
        vocab, self._sent.vocab_dict = self._sent.vocab_dict, {}  # stored once, with the articles
        try:
            self._sent.save(str(folder / "sentences"), show_progress=False)
        finally:
            self._sent.vocab_dict = vocab
        np.save(folder / "sentence_article.npy", self.sentence_article.astype(np.int32))

    @classmethod
    def load(cls, folder: str | Path, mmap: bool = False) -> "LexicalIndex":
        folder = Path(folder)
        kw = dict(mmap=mmap, show_progress=False, verbosity=0)
        art = bm25s.BM25.load(str(folder / "articles"), **kw)
        sent = bm25s.BM25.load(str(folder / "sentences"), load_vocab=False, **kw)
        sent.vocab_dict = art.vocab_dict
        return cls(art, sent, np.load(folder / "sentence_article.npy"), art.vocab_dict)

    def _weighted(self, bm25: bm25s.BM25, known: list[tuple[int, float]]) -> np.ndarray:
        if all(w == 1.0 for _, w in known):
            return np.asarray(bm25.get_scores_from_ids([i for i, _ in known]), dtype=np.float32)
        out = np.zeros(int(bm25.scores["num_docs"]), dtype=np.float32)
        for i, w in known:
            out += w * np.asarray(bm25.get_scores_from_ids([i]), dtype=np.float32)
        return out

    def scores(self, terms: Sequence[str] | Mapping[str, float]) -> np.ndarray:
        """Score of every article (0 for no match); with a mapping, each term's BM25 is weighted."""
        weights = dict(terms) if isinstance(terms, Mapping) else dict.fromkeys(terms, 1.0)
        known = [(self._vocab[t], w) for t, w in weights.items() if t in self._vocab and w > 0]
        if not known:
            return np.zeros(self.n, dtype=np.float32)
        art = self._weighted(self._art, known)
        top = float(art.max())
        if top <= 0:
            return art
        sent = self._weighted(self._sent, known)
        best = np.maximum.reduceat(sent, self._sent_start) if self.n else sent
        top_s = float(best.max()) or 1.0
        return art / top + SENTENCE_WEIGHT * best / top_s

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Document-frequency weight of each term at article level (to pick salient terms)."""
        indptr = self._art.scores["indptr"]
        out = {}
        for t in terms:
            i = self._vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            out[t] = float(np.log(1 + (self.n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out
