"""Build, persist, open and query the search index (lexical + semantic + metadata).

Layout under ``STORE/search/`` (the graph owns the rest of STORE):

    index             the current index: a symlink into index.versions/, swapped by each build
      meta.json       model, counts, index kind, format version
      articles.jsonl  one ArticleRecord per row
      userdict.txt    the tokeniser's dictionary (queries must be cut like documents)
      lexical/        bm25s arrays for articles and for their sentences (one shared vocabulary)
      dense.faiss     passage vectors; passage_article.npy maps passage → row
    cache/<model>/    embeddings by text hash, kept across builds (incremental rebuilds)

A build writes a fresh version folder and publishes it by replacing the ``index`` symlink in
one atomic step (``graph/versions.py``, shared with the graph store), under the store's build
lock: a reader never sees half an index, and a failed or killed build leaves the previous one
in place.
"""
from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from graph.versions import Pointer, store_lock  # stdlib only: versioned folders and the build lock

from . import dense as dense_mod
from .cache import EmbeddingCache, text_key
from .dense import DenseIndex
from .embed import Embedder, make_embedder
from .hits import Hit, render  # noqa: F401  (re-exported: search.index.Hit)
from .hybrid import ALPHA, FUSIONS, RRF_K, convex, rrf, top_rows
from .lexical import LexicalIndex, Vocabulary
from .passages import MAX_CHARS, sentence_spans, split_passages
from .records import ArticleRecord, Catalog, Filters, records_from_documents
from .tokenize import Tokenizer, user_dictionary

FORMAT = 1
MODES = ("hybrid", "lexical", "semantic")
CANDIDATES = 100  # articles taken from each retriever before fusion
EMBED_CHUNK = 256  # passages embedded (and saved to the cache) per step
PARALLEL_TOKENIZE_MIN = 20_000  # articles; below this, tokenising in one process is faster

Progress = Callable[[int, int, str], None]


@dataclass
class BuildReport:
    store: str
    model_id: str
    documents: int
    articles: int
    passages: int
    embedded: int  # distinct passage texts embedded now (new or changed text)
    cached: int  # passages whose vectors were already in the cache
    index_kind: str  # flat | hnsw
    seconds: float
    lexical_seconds: float
    embed_seconds: float
    faiss_seconds: float
    bytes_on_disk: int
    staged: str | None = None  # the version folder waiting for ``publish_index`` (``publish=False``)

    def to_dict(self) -> dict:
        return asdict(self)


def search_dir(store_dir: str | Path) -> Path:
    return Path(store_dir) / "search"


def index_pointer(store_dir: str | Path) -> Pointer:
    return Pointer(search_dir(store_dir) / "index")


def article_passages(r: ArticleRecord, max_chars: int = MAX_CHARS) -> list[str]:
    """The article's passages as embedded: its own sentences only (on the seed gold a chapter
    title prefix made e5 rank whole chapters alike, and hurt more than it helped)."""
    return split_passages(r.text, "", max_chars)


def tokenize_record(tok: Tokenizer, r: ArticleRecord) -> tuple[list[str], list[list[str]]]:
    """(article tokens: headings + text, tokens of each sentence of the text; at least one)."""
    heads = tok.tokens("\n".join(filter(None, (r.chapter, r.section))))
    spans = tok.token_spans(r.text)
    bounds = sentence_spans(r.text) or [(0, len(r.text))]
    sents: list[list[str]] = [[] for _ in bounds]
    ends = [e for _, e in bounds]
    j = 0
    for t in sorted(spans, key=lambda t: t.start):
        while j < len(ends) - 1 and t.start >= ends[j]:
            j += 1
        sents[j].append(t.term)
    return heads + [t.term for t in spans], sents


_WORKER_TOKENIZER: Tokenizer | None = None


def _init_worker(words: list[str]) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = Tokenizer(words)


def _tokenize_batch(records: list[ArticleRecord]):
    return [tokenize_record(_WORKER_TOKENIZER, r) for r in records]


def build_lexical(tok: Tokenizer, records: list[ArticleRecord], progress: Progress | None = None
                  ) -> LexicalIndex:
    """Tokenise every article (in worker processes for large corpora) and index articles and sentences."""
    n = len(records)
    vocab = Vocabulary()
    art_ids: list[list[int]] = []
    sent_ids: list[list[int]] = []
    sent_art: list[int] = []

    def add(result) -> None:
        art, sents = result
        row = len(art_ids)
        art_ids.append(vocab.encode(art))
        for s in sents:
            sent_ids.append(vocab.encode(s))
            sent_art.append(row)

    workers = min(os.cpu_count() or 1, 4)
    if n < PARALLEL_TOKENIZE_MIN or workers < 2:
        for i, r in enumerate(records, 1):
            add(tokenize_record(tok, r))
            if progress and (i % 2000 == 0 or i == n):
                progress(i, n, "lexical")
    else:
        step = 2000
        batches = [records[s:s + step] for s in range(0, n, step)]
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(tok.words,)) as pool:
            for batch in pool.map(_tokenize_batch, batches):
                for result in batch:
                    add(result)
                if progress:
                    progress(len(art_ids), n, "lexical")
    return LexicalIndex.build(art_ids, sent_ids, sent_art, vocab)


def _dir_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def build_index(documents: Iterable, store_dir: str | Path, embedder: Embedder | None = None,
                progress: Progress | None = None, *, hnsw_threshold: int = dense_mod.HNSW_THRESHOLD,
                max_chars: int = MAX_CHARS, chunk_size: int = EMBED_CHUNK,
                cache_dir: str | Path | None = None, publish: bool = True) -> BuildReport:
    """Index parsed documents into ``STORE/search``; only passages not in the cache are embedded.

    ``progress(done, total, stage)`` is called during the long stages (lexical, embed, faiss).
    The cache (``STORE/search/cache`` unless ``cache_dir`` names a shared one) is saved after
    every chunk of ``chunk_size`` passages, so an interrupted build resumes where it stopped.
    Above ``hnsw_threshold`` passages the FAISS index is HNSW, else exact.
    ``publish=False`` leaves the new version staged (``report.staged``) for ``publish_index``:
    ``govrule build`` indexes first and publishes the index right after the graph, so the two
    change together.
    """
    t0 = time.time()
    documents = list(documents)
    embedder = embedder or make_embedder(None)
    root = search_dir(store_dir)
    root.mkdir(parents=True, exist_ok=True)
    records = records_from_documents(documents)

    # lexical
    t = time.time()
    tok = Tokenizer(user_dictionary(documents))
    lexical = build_lexical(tok, records, progress)
    lexical_s = time.time() - t

    # embeddings, through the cache
    t = time.time()
    passages: list[str] = []
    owner: list[int] = []
    for row, r in enumerate(records):
        ps = article_passages(r, max_chars)
        passages.extend(ps)
        owner.extend([row] * len(ps))
    keys = [text_key(p) for p in passages]
    cache = EmbeddingCache(Path(cache_dir) if cache_dir else root / "cache", embedder.model_id, embedder.dim)
    todo: dict[bytes, str] = {}
    for k, p in zip(keys, passages):
        if k not in cache and k not in todo:
            todo[k] = p
    todo_items = list(todo.items())
    total = len(todo_items)
    if progress:
        progress(0, total, "embed")
    for s in range(0, total, chunk_size):
        chunk = todo_items[s:s + chunk_size]
        vecs = embedder.embed_passages([p for _, p in chunk])
        cache.put([k for k, _ in chunk], vecs)
        if progress:
            progress(min(s + chunk_size, total), total, "embed")
    cache.compact()
    vectors = cache.get(keys) if keys else np.zeros((0, embedder.dim), np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.maximum(norms, 1e-12)  # float16 storage: renormalise
    embed_s = time.time() - t

    # FAISS
    t = time.time()
    if progress:
        progress(0, len(vectors), "faiss")
    dense = DenseIndex.build(vectors, np.asarray(owner, dtype=np.int64), threshold=hnsw_threshold)
    if progress:
        progress(len(vectors), len(vectors), "faiss")
    faiss_s = time.time() - t

    # write a fresh version folder, then swap it in
    with store_lock(store_dir):
        ptr = index_pointer(store_dir)
        ptr.gc(keep_resumable=False)
        tmp = ptr.new_version()
        tmp.mkdir(parents=True)
        tok.save(tmp / "userdict.txt")
        (tmp / "lexical").mkdir()
        lexical.save(tmp / "lexical")
        dense.save(tmp)
        with open(tmp / "articles.jsonl", "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
        meta = {"format": FORMAT, "model_id": embedder.model_id, "model_spec": getattr(embedder, "spec", None),
                "dim": embedder.dim, "index_kind": dense.kind, "documents": len(documents),
                "articles": len(records), "passages": len(passages), "max_chars": max_chars,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        if publish:
            publish_index(store_dir, tmp)
        final = tmp
    return BuildReport(
        store=str(root), model_id=embedder.model_id, documents=len(documents), articles=len(records),
        passages=len(passages), embedded=total, cached=len(passages) - sum(1 for k in keys if k in todo),
        index_kind=dense.kind, seconds=round(time.time() - t0, 3), lexical_seconds=round(lexical_s, 3),
        embed_seconds=round(embed_s, 3), faiss_seconds=round(faiss_s, 3), bytes_on_disk=_dir_bytes(final),
        staged=None if publish else str(final))


def publish_index(store_dir: str | Path, staged: str | Path) -> None:
    """Make a staged index version (``build_index(publish=False)``) the current one, atomically."""
    with store_lock(store_dir):
        ptr = index_pointer(store_dir)
        ptr.publish(Path(staged))
        ptr.gc(keep_resumable=False)


def discard_index(store_dir: str | Path, staged: str | Path) -> None:
    """Drop a staged index version that will not be published."""
    index_pointer(store_dir).discard(Path(staged))


def open_index(store_dir: str | Path, embedder: Embedder | None = None) -> "SearchIndex":
    """Open a built index; the embedder is the build's model, loaded on the first semantic query.
    Every file is read from the one version the pointer names when it is opened (held against
    clean-up while it loads), so a build publishing meanwhile never mixes two versions."""
    folder, lock = index_pointer(store_dir).open_reader()
    try:
        if folder is None or not (folder / "meta.json").exists():
            raise FileNotFoundError(f"no search index in {search_dir(store_dir)} (build it first)")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if embedder is not None and embedder.model_id != meta["model_id"]:
            raise ValueError(f"the index was built with {meta['model_id']}, not {embedder.model_id}; "
                             "rebuild it with this model or open it without one")
        with open(folder / "articles.jsonl", encoding="utf-8") as f:
            records = [ArticleRecord(**json.loads(line)) for line in f]
        return SearchIndex(meta, Catalog(records), Tokenizer.load(folder / "userdict.txt"),
                           LexicalIndex.load(folder / "lexical"), DenseIndex.load(folder, meta["index_kind"]),
                           embedder)
    finally:
        if lock is not None:
            lock.close()


def check_index(store_dir: str | Path) -> tuple[list[str] | None, list[str]]:
    """(article IRIs the index holds, what disagrees inside it), or (None, []) when there is no
    index: for ``govrule check``, which compares the IRIs with the graph's articles."""
    folder, lock = index_pointer(store_dir).open_reader()
    if folder is None:
        return None, []
    problems: list[str] = []
    try:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            with open(folder / "articles.jsonl", encoding="utf-8") as f:
                uris = [json.loads(line)["uri"] for line in f]
            owner = np.load(folder / "passage_article.npy")
            import faiss

            stored = faiss.read_index(str(folder / "dense.faiss")).ntotal
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            return [], [f"search index {folder}: cannot be read: {type(e).__name__}: {e}"]
        if meta.get("articles") != len(uris):
            problems.append(f"search index: meta.json says {meta.get('articles')} articles, articles.jsonl holds {len(uris)}")
        if not (meta.get("passages") == len(owner) == stored):
            problems.append(f"search index: {meta.get('passages')} passages in meta.json, {len(owner)} mapped to "
                            f"articles, {stored} vectors in FAISS")
        if len(owner) and (owner.min() < 0 or owner.max() >= len(uris)):
            problems.append("search index: passages point at articles that are not in it")
        if len(set(owner.tolist())) != len(uris):
            problems.append(f"search index: {len(uris) - len(set(owner.tolist()))} articles have no passage vector")
        return uris, problems
    finally:
        if lock is not None:
            lock.close()


def _dedupe_key(r: ArticleRecord) -> tuple[str, str]:
    return (r.work or r.doc_key, re.sub(r"\s", "", r.text))


class SearchIndex:
    """Query side: ``search`` (hybrid, lexical or semantic, with filters) and ``similar``."""

    def __init__(self, meta: dict, catalog: Catalog, tokenizer: Tokenizer, lexical: LexicalIndex,
                 dense: DenseIndex, embedder: Embedder | None = None):
        self.meta, self.catalog, self.tokenizer = meta, catalog, tokenizer
        self.lexical, self.dense = lexical, dense
        self._embedder = embedder
        self._qcache: dict[str, np.ndarray] = {}
        self.fusion = "convex"  # or "rrf"
        self.alpha = ALPHA
        self.rrf_k = RRF_K

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.meta.get("model_spec"))
            if self._embedder.model_id != self.meta["model_id"]:
                raise ValueError(f"index built with {self.meta['model_id']}, "
                                 f"but {self.meta.get('model_spec')} now gives {self._embedder.model_id}")
        return self._embedder

    def clear_cache(self) -> None:
        """Forget the query embeddings computed so far (they are reused for repeated queries)."""
        self._qcache.clear()

    @property
    def kind(self) -> str:
        return self.dense.kind

    def __len__(self) -> int:
        return self.catalog.n

    # --- queries
    def _query_vectors(self, queries: Sequence[str]) -> list[np.ndarray]:
        todo = [q for q in dict.fromkeys(queries) if q not in self._qcache]
        if todo:
            vecs = self.embedder.embed_queries(todo)
            if len(self._qcache) > 1024:
                self._qcache.clear()
            self._qcache.update(zip(todo, vecs))
        return [self._qcache[q] for q in queries]

    def search(self, query: str, k: int = 10, mode: str = "hybrid", districts: Sequence[str] = (),
               doc: str | None = None, role: str | None = None, modality: str | None = None,
               has_deadline: bool | None = None, chapter: str | None = None) -> list[Hit]:
        """The best ``k`` articles for ``query``; filters restrict candidates before ranking."""
        return self.search_batch([query], k=k, mode=mode, districts=districts, doc=doc, role=role,
                                 modality=modality, has_deadline=has_deadline, chapter=chapter)[0]

    def search_batch(self, queries: Sequence[str], k: int = 10, mode: str = "hybrid",
                     districts: Sequence[str] = (), doc: str | None = None, role: str | None = None,
                     modality: str | None = None, has_deadline: bool | None = None,
                     chapter: str | None = None) -> list[list[Hit]]:
        """``search`` for many queries at once (the query embeddings are computed in one batch)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if isinstance(districts, str):
            districts = (districts,)
        filters = Filters(tuple(districts or ()), doc, role, modality, has_deadline, chapter)
        allowed = self.catalog.allowed(filters)
        if allowed is not None and not len(allowed):
            return [[] for _ in queries]
        depth = max(CANDIDATES, 3 * k)
        qvecs = self._query_vectors(queries) if mode != "lexical" else [None] * len(queries)
        out = []
        for q, qv in zip(queries, qvecs):
            weights = self.tokenizer.query_weights(q)
            lex_rows = sem_rows = np.zeros(0, np.int64)
            lex_s = sem_s = np.zeros(0, np.float32)
            if mode != "semantic":
                lex_rows, lex_s = top_rows(self.lexical.scores(weights), depth, allowed)
            if mode != "lexical":
                sem_rows, sem_s = self.dense.search_articles(qv, depth, allowed)
            if mode == "lexical":
                ranked = list(zip(lex_rows.tolist(), lex_s.tolist()))
            elif mode == "semantic":
                ranked = list(zip(sem_rows.tolist(), sem_s.tolist()))
            else:
                ranked = self._fuse((lex_rows, lex_s), (sem_rows, sem_s))
            out.append(self._hits(ranked, k, self.tokenizer.highlighter(q), lex_rows, sem_rows))
        return out

    def _fuse(self, lexical, semantic) -> list[tuple[int, float]]:
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}")
        if self.fusion == "rrf":
            return rrf([lexical[0].tolist(), semantic[0].tolist()], [self.alpha, 1 - self.alpha], self.rrf_k)
        return convex(lexical, semantic, self.alpha)

    def _hits(self, ranked, k: int, marker, lex_rows=None, sem_rows=None) -> list[Hit]:
        lex_rank = {int(r): i for i, r in enumerate(lex_rows if lex_rows is not None else [], 1)}
        sem_rank = {int(r): i for i, r in enumerate(sem_rows if sem_rows is not None else [], 1)}
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for row, score in ranked:
            r = self.catalog.records[row]
            key = _dedupe_key(r)
            if key in seen:
                continue  # the same text of the same work (another version or a copy): show once
            seen.add(key)
            spans, matched = marker.match(r.text)
            hits.append(Hit(rank=len(hits) + 1, score=float(score), doc_number=r.doc_number, title=r.title,
                            district=r.district, article=r.article, label=r.label, text=r.text, uri=r.uri,
                            highlights=[[s, e] for s, e in spans], doc_key=r.doc_key, chapter=r.chapter,
                            terms=matched, lexical_rank=lex_rank.get(row), semantic_rank=sem_rank.get(row)))
            if len(hits) == k:
                break
        return hits

    def similar(self, doc: str, article: int | str, k: int = 10) -> list[Hit]:
        """Articles of other documents closest to one article (a precedent finder).

        Semantic (best passage pair) and lexical (the article's most specific terms) rankings are
        fused like a hybrid search; articles of the same document are left out.
        """
        row = self.catalog.find_article(doc, article)
        src = self.catalog.records[row]
        same = np.asarray(self.catalog.rows_of_doc(src.doc_key), dtype=np.int64)
        depth = max(CANDIDATES, 3 * k)
        sem_rows, sem_s = self.dense.search_articles(self.dense.article_vectors(row), depth + len(same))
        keep = ~np.isin(sem_rows, same)
        sem_rows, sem_s = sem_rows[keep][:depth], sem_s[keep][:depth]
        terms = self._salient_terms(src.text)
        scores = self.lexical.scores(terms)
        scores[same] = 0
        lex_rows, lex_s = top_rows(scores, depth)
        ranked = self._fuse((lex_rows, lex_s), (sem_rows, sem_s))
        seen_src = _dedupe_key(src)
        ranked = [(r, s) for r, s in ranked if _dedupe_key(self.catalog.records[r]) != seen_src]
        return self._hits(ranked, k, self.tokenizer.highlighter(terms=terms), lex_rows, sem_rows)

    def _salient_terms(self, text: str, n: int = 24) -> list[str]:
        """The article's most specific terms (highest idf), used as its lexical query."""
        terms = [t for t in dict.fromkeys(self.tokenizer.tokens(text)) if len(t) >= 2]
        idf = self.lexical.idf(terms)
        return sorted(terms, key=lambda t: -idf[t])[:n]
