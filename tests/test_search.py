"""The search layer end to end on the seed corpus: real e5 model, real FAISS, no mocks.

The seed index is built once for the module (about 300 passages, the slowest step); the other
builds share its embedding cache, so they embed nothing or only what changed.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import parse_paths
from ingest.roles import ancestors
from search.cache import EmbeddingCache, text_key
from search.hits import CONTRACT_FIELDS, render
from search.index import article_passages, build_index, open_index
from search.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from search.records import records_from_documents
from search.tokenize import Tokenizer, user_dictionary

ROOT = Path(__file__).resolve().parent.parent
XICHENG, CHAOYANG, PLAN, XISHI = "西政发〔2018〕4号", "朝政发〔2015〕7号", "西政发〔2011〕28号", "营西政发〔2024〕1号"
QUESTION = "区长出差的时候谁来主持工作"


@pytest.fixture(scope="module")
def docs():
    res = parse_paths([ROOT / "corpus"])
    assert res.errors == []
    return res.documents


@pytest.fixture(scope="module")
def seed(docs, tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    report = build_index(docs, store)
    return store, report, open_index(store)


@pytest.fixture(scope="module")
def index(seed):
    return seed[2]


def key(h):
    return (h.doc_number, h.article)


def test_build_report(seed, docs):
    store, report, index = seed
    assert report.articles == sum(len(d.articles) for d in docs) == len(index) == 205
    assert report.passages >= report.articles
    # embedded counts distinct texts; two articles may share a passage (本规则自发布之日起施行。)
    assert 0 < report.embedded <= report.passages - report.cached
    assert report.index_kind == index.kind == "flat"
    assert (Path(store) / "search" / "index" / "dense.faiss").exists()


@pytest.mark.parametrize("district,expected", [
    ("北京市西城区", (XICHENG, 7)), ("朝阳区", (CHAOYANG, 4)), ("西市区", (XISHI, 5))])
def test_natural_question_right_article_of_each_district_on_top(index, district, expected):
    hits = index.search(QUESTION, k=5, districts=[district])
    assert key(hits[0]) == expected
    assert all(district in h.district for h in hits)


def test_natural_question_unfiltered(index):
    top = [key(h) for h in index.search(QUESTION, k=5)]
    assert {(XICHENG, 7), (CHAOYANG, 4)} <= set(top)


def test_repeatable_district_filter(index):
    hits = index.search("会议纪要 签发", k=20, districts=["朝阳", "西市"])
    assert hits and {h.district for h in hits} <= {"北京市朝阳区", "营口市西市区"}
    assert {h.district for h in hits} == {"北京市朝阳区", "营口市西市区"}


def test_role_filter_includes_narrower_roles(index):
    records = index.catalog.records
    # articles whose clauses name 常务副区长 but never 副区长 itself
    narrower = {(r.doc_number, r.article) for r in records
                if "常务副区长" in r.roles + r.bearers and "副区长" not in r.roles + r.bearers}
    assert narrower, "the seed corpus has clauses naming 常务副区长"
    assert "副区长" in ancestors("常务副区长")
    hits = index.search("签发", k=50, mode="lexical", role="副区长")
    got = {key(h) for h in hits}
    assert got & narrower
    by_key = {(r.doc_number, r.article): r for r in records}
    for k in got:
        roles = set(by_key[k].roles) | set(by_key[k].bearers)
        assert "副区长" in roles | {a for r in roles for a in ancestors(r)}
    # a printed variant names the same canonical role
    assert {key(h) for h in index.search("签发", k=50, mode="lexical", role="分管副区长")} == got


def test_has_deadline_filter(index):
    hits = index.search("部门之间征求意见的回复期限", k=10, has_deadline=True)
    assert key(hits[0]) == (XISHI, 29)
    by_key = {(r.doc_number, r.article): r for r in index.catalog.records}
    assert all(by_key[key(h)].has_deadline for h in hits)
    none = index.search("部门之间征求意见的回复期限", k=10, has_deadline=False)
    assert (XISHI, 29) not in {key(h) for h in none}


def test_doc_chapter_and_modality_filters(index):
    hits = index.search("会议", k=10, doc="西市区人民政府工作规则", chapter="会议制度")
    assert hits and all(h.doc_number == XISHI and "会议制度" in h.chapter for h in hits)
    assert [key(h) for h in index.search("会议", k=5, doc=XISHI)] == \
        [key(h) for h in index.search("会议", k=5, doc="营西政发[2024]1号")]
    by_key = {(r.doc_number, r.article): r for r in index.catalog.records}
    hits = index.search("会议", k=10, modality="prohibition")
    assert hits and all("prohibition" in by_key[key(h)].modalities for h in hits)
    assert index.search("会议", doc="没有这个文件") == []


def test_lexical_mode_finds_exact_term(index):
    hits = index.search("三重一大", k=5, mode="lexical")
    assert key(hits[0]) == (CHAOYANG, 36)
    assert all("三重一大" in h.text for h in hits)
    s, e = hits[0].highlights[0]
    assert hits[0].text[s:e] == "三重一大"
    assert "三重一大" in hits[0].terms


def test_doc_number_is_one_term(index):
    tok = index.tokenizer
    assert "西政发〔2018〕4号" in tok.tokens("见西政发(2018)4号文")
    hits = index.search("京政发〔2010〕19号", k=3, mode="lexical")
    assert key(hits[0]) == (PLAN, 18)


def test_modes_differ_and_reject_unknown(index):
    lex = index.search(QUESTION, k=10, mode="lexical")
    sem = index.search(QUESTION, k=10, mode="semantic")
    assert lex and sem and all(-1.0 <= h.score <= 1.0001 for h in sem)
    with pytest.raises(ValueError):
        index.search(QUESTION, mode="fuzzy")


def test_search_batch_matches_search(index):
    queries = [QUESTION, "公文 签发 权限", "信访"]
    batch = index.search_batch(queries, k=5, districts=["北京市西城区"])
    for q, hits in zip(queries, batch):
        assert [key(h) for h in hits] == [key(h) for h in index.search(q, k=5, districts=["北京市西城区"])]


def test_similar_returns_other_documents_only(index):
    hits = index.similar(XICHENG, "第七条", k=5)
    assert hits and all(h.doc_number != XICHENG for h in hits)
    assert key(hits[0]) in {(CHAOYANG, 4), (XISHI, 5)}
    assert [key(h) for h in index.similar(XICHENG, 7, k=5)] == [key(h) for h in hits]
    assert [key(h) for h in index.similar("北京市西城区人民政府工作规则", "七、", k=5)] == [key(h) for h in hits]
    with pytest.raises(KeyError):
        index.similar(XICHENG, 999)


def test_hit_contract_and_highlights(index):
    hit = index.search(QUESTION, k=1)[0]
    d = hit.to_dict()
    assert list(d) == [*CONTRACT_FIELDS, "highlights"]
    assert d["uri"].endswith(f"/art/{d['article']}") and d["uri"].startswith("https://govrule.org/id/doc/")
    json.dumps(d, ensure_ascii=False)
    assert d["highlights"] and all(0 <= s < e <= len(hit.text) for s, e in d["highlights"])
    marked = {hit.text[s:e] for s, e in d["highlights"]}
    assert any("区长" in m for m in marked) and any("主持" in m for m in marked)
    assert "【" in hit.render() and "<mark>" in hit.render("html")
    assert render("a<b>c", [[1, 4]], "html") == "a<mark>&lt;b&gt;</mark>c"
    assert render("区长出差", [[0, 2]]) == "【区长】出差"


def test_role_variant_highlighted_by_canonical_role(index):
    tok = index.tokenizer
    spans, terms = tok.match("由主管副区长审核", tok.query_terms("分管副区长"))
    assert spans == [(1, 6)]


def test_persisted_index_reopens_with_same_results(seed, index):
    store = seed[0]
    again = open_index(store)
    for q in (QUESTION, "常务副区长", "规范性文件 合法性审查"):
        a, b = index.search(q, k=10), again.search(q, k=10)
        assert [key(h) for h in a] == [key(h) for h in b]
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-5)


def test_unchanged_rebuild_embeds_nothing_and_changed_article_only_itself(seed, docs):
    store = seed[0]
    assert build_index(docs, store).embedded == 0
    changed = copy.deepcopy(docs)
    article = changed[3].articles[28]
    article.text = article.text.replace("7个工作日", "10个工作日")
    rec = records_from_documents([changed[3]])[28]
    new_passages = article_passages(rec)
    report = build_index(changed, store)
    old = {text_key(p) for p in article_passages(records_from_documents([docs[3]])[28])}
    assert report.embedded == len({text_key(p) for p in new_passages} - old) >= 1
    assert report.cached == report.passages - report.embedded
    hits = open_index(store).search("10个工作日内回复", k=3, mode="lexical")
    assert key(hits[0]) == (XISHI, 29)
    assert build_index(docs, store).embedded == 0  # the old text is still cached


def test_hnsw_above_threshold(seed, docs, tmp_path):
    store = seed[0]
    report = build_index(docs, tmp_path, hnsw_threshold=50, cache_dir=Path(store) / "search" / "cache")
    assert report.index_kind == "hnsw" and report.embedded == 0
    hnsw = open_index(tmp_path)
    assert hnsw.kind == "hnsw"
    flat = seed[2]
    for q in (QUESTION, "区政府常务会议多久召开一次"):
        assert [key(h) for h in hnsw.search(q, k=3)] == [key(h) for h in flat.search(q, k=3)]
    assert {key(h) for h in hnsw.search(QUESTION, k=3, districts=["西市区"])} >= {(XISHI, 5)}


def test_duplicate_texts_of_one_work_give_one_hit(seed, docs, tmp_path):
    store = seed[0]
    copy_doc = copy.deepcopy(next(d for d in docs if d.doc_number == CHAOYANG))
    copy_doc.doc_number = "朝政发〔2015〕7号-copy"  # another version of the same work, same text
    report = build_index([*docs, copy_doc], tmp_path, cache_dir=Path(store) / "search" / "cache")
    assert report.embedded == 0
    hits = open_index(tmp_path).search(QUESTION, k=10)
    seen = [(h.title, re.sub(r"\s", "", h.text)) for h in hits]
    assert len(seen) == len(set(seen))


def test_cache_survives_reopen_and_compaction(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-x", 4)
    keys = [text_key(t) for t in ("甲", "乙", "丙")]
    vecs = np.eye(3, 4, dtype=np.float32)
    cache.put(keys[:2], vecs[:2])
    cache.put(keys[2:], vecs[2:])
    again = EmbeddingCache(tmp_path, "model-x", 4)
    assert again.missing(keys + [text_key("丁")]) == [text_key("丁")]
    again.compact()
    assert len(list(again.dir.glob("chunk-*.npy"))) == 1
    assert np.allclose(EmbeddingCache(tmp_path, "model-x", 4).get(keys), vecs)
    with pytest.raises(ValueError):
        EmbeddingCache(tmp_path, "model-x", 8)


def test_tokenizer_dictionary_and_pieces(docs):
    tok = Tokenizer(user_dictionary(docs))
    toks = tok.tokens("区政府常务会议一般每两周召开1次")
    assert {"区政府常务会议", "常务会议", "区政府", "#2周", "#1次"} <= set(toks)
    assert "区长" not in tok.tokens("副区长")  # a 副区长 is not a 区长
    assert "@副区长" in tok.tokens("分管副区长") and "@副区长" in tok.tokens("主管副区长")
    assert "工作日" in tok.tokens("5个工作日内")
    weights = tok.query_weights("区长出差的时候谁来主持工作")
    assert "的" not in weights and "谁" not in weights and weights["出差"] == 1.0


def test_metrics():
    rel = {"a": 2, "b": 1, "c": 1}
    assert recall_at_k(["a", "x", "b"], rel, 2) == 0.5
    assert recall_at_k(["a", "b", "c"], {"a": 1}, 5) == 1.0
    assert mrr_at_k(["x", "b"], rel, 10) == 0.5
    assert ndcg_at_k(["a", "b", "c"], rel, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], rel, 10) == 0.0
