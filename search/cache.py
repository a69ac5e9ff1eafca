"""A persistent embedding cache keyed by model and text hash.

Why: embedding is by far the slowest step (about 40 passages/s for e5-small on two cores), so a
rebuild must re-embed only passages whose text changed, and an interrupted build of a large
corpus must lose only its last chunk. The cache is append-only: each ``put`` writes one new
chunk file (atomically, via rename), and ``compact`` folds the chunks into one.
Vectors are stored as float16 (half the disk, no visible loss for cosine ranking).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

KEY_BYTES = 16


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


def _slug(model_id: str) -> str:
    short = re.sub(r"[^0-9A-Za-z._-]+", "_", model_id)[:60]
    return f"{short}-{hashlib.sha1(model_id.encode()).hexdigest()[:8]}"


class EmbeddingCache:
    """``get`` what is known, ``put`` what was just embedded; one folder per model id."""

    def __init__(self, root: str | Path, model_id: str, dim: int):
        self.dir = Path(root) / _slug(model_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.model_id, self.dim = model_id, dim
        info = self.dir / "model.json"
        if info.exists():
            meta = json.loads(info.read_text())
            if meta.get("model_id") != model_id or meta.get("dim") != dim:
                raise ValueError(f"embedding cache {self.dir} belongs to {meta}, not {model_id}/{dim}")
        else:
            info.write_text(json.dumps({"model_id": model_id, "dim": dim}))
        self._rows: dict[bytes, int] = {}
        self._blocks: list[np.ndarray] = []
        self._size = 0
        for f in self._chunk_files():
            self._add_block(np.load(f, allow_pickle=False))

    def _chunk_files(self) -> list[Path]:
        return sorted(self.dir.glob("chunk-*.npy"))

    def _add_block(self, block: np.ndarray) -> None:
        keys = block[:, :KEY_BYTES].tobytes()
        for i in range(len(block)):
            self._rows.setdefault(keys[i * KEY_BYTES:(i + 1) * KEY_BYTES], self._size + i)
        self._blocks.append(block)
        self._size += len(block)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: bytes) -> bool:
        return key in self._rows

    def _vectors(self) -> np.ndarray:
        if len(self._blocks) > 1:
            self._blocks = [np.concatenate(self._blocks)]
        return self._blocks[0] if self._blocks else np.zeros((0, KEY_BYTES + 2 * self.dim), np.uint8)

    def get(self, keys: Sequence[bytes]) -> np.ndarray:
        """float32 rows for keys that are all cached (check with ``missing`` first)."""
        data = self._vectors()
        rows = np.fromiter((self._rows[k] for k in keys), dtype=np.int64, count=len(keys))
        return data[rows, KEY_BYTES:].copy().view(np.float16).astype(np.float32)

    def missing(self, keys: Iterable[bytes]) -> list[bytes]:
        return [k for k in keys if k not in self._rows]

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store one chunk on disk now (so a crash after this loses nothing of it)."""
        if not len(keys):
            return
        v = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).astype(np.float16))
        block = np.empty((len(keys), KEY_BYTES + 2 * self.dim), dtype=np.uint8)
        block[:, :KEY_BYTES] = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, KEY_BYTES)
        block[:, KEY_BYTES:] = v.view(np.uint8).reshape(len(keys), -1)
        n = len(self._chunk_files())
        name = f"chunk-{n:06d}-{os.getpid()}-{block[0, :4].tobytes().hex()}.npy"
        _atomic_save(self.dir / name, block)
        self._add_block(block)

    def compact(self, keep: set[bytes] | None = None) -> None:
        """Fold all chunks into one file; with ``keep``, drop vectors of texts no longer indexed."""
        files = self._chunk_files()
        if len(files) <= 1 and keep is None:
            return
        data = self._vectors()
        order = sorted(self._rows.items(), key=lambda kv: kv[1])
        rows = [r for k, r in order if keep is None or k in keep]
        block = data[np.asarray(rows, dtype=np.int64)] if rows else data[:0]
        # written before the old chunks go: a crash in between only leaves duplicates, which load fine
        target = self.dir / f"chunk-000000-{os.getpid()}-{len(block)}-compact.npy"
        _atomic_save(target, block)
        for f in files:
            if f != target:
                f.unlink()
        self._rows, self._blocks, self._size = {}, [], 0
        self._add_block(block)


def _atomic_save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
