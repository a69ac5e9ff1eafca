"""Chinese tokenisation for BM25 and highlighting: jieba plus a government/legal dictionary.

Why a dictionary: jieba's general vocabulary splits 常务副区长 into 常务/副/区长 and 工作日 into
工作/日, so an exact-term search would match the wrong articles. Why sub-word expansion: a
compound such as 区政府常务会议 must still match a query for 常务会议. Why role markers: the
taxonomy says 分管副区长 and 主管副区长 are the same role, so both also emit ``@副区长``.

Tokens come with offsets into the original text (normalisation keeps lengths), so the same
tokeniser that ranks also tells the UI what to highlight.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import jieba

from ingest.metadata import find_doc_numbers
from ingest.numbering import cn_to_int
from ingest.roles import TAXONOMY

logging.getLogger("jieba").setLevel(logging.WARNING)
jieba.setLogLevel(logging.WARNING)

ROLE_MARK = "@"  # prefix of the canonical-role tokens; cannot occur in jieba output of text

# Fixed vocabulary of district-government work: meetings, document types (党政机关公文处理工作条例
# lists fifteen), procedures, time words. Roles come from the taxonomy, the rest from the corpus.
MEETINGS = [
    "区政府全体会议", "区政府常务会议", "区政府专题会议", "区长办公会议", "区长办公会", "区政府常务会",
    "全体会议", "常务会议", "专题会议", "办公会议", "常务会", "办公会", "例会", "专题学习",
    "会议纪要", "纪要", "列席", "请假", "请销假", "销假", "报备", "议题",
]
DOC_TYPES = [
    "公文", "请示", "报告", "决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报",
    "批复", "议案", "函", "简报", "规范性文件", "行政规范性文件", "政府规章", "规章", "地方性法规",
    "请示性公文", "报告性公文", "代拟稿", "文件稿", "涉密公文", "机要文件", "发文字号", "文号",
]
PROCEDURES = [
    "签发", "会签", "审签", "核批", "批印", "审批", "审核", "审定", "批准", "备案", "报批", "核报",
    "合法性审查", "合法性审核", "公平竞争审查", "风险评估", "专家论证", "公众参与", "集体讨论决定",
    "征求意见", "听证会", "论证会", "政务公开", "信息公开", "政府信息公开", "主动公开", "依申请公开",
    "行政复议", "行政应诉", "行政诉讼", "行政执法", "行政许可", "行政处罚", "行政强制", "行政问责",
    "绩效管理", "绩效考评", "督查", "督办", "督促检查", "责任追究", "信访", "来信来访", "法律顾问",
    "区长负责制", "行政首长负责制", "负责制", "请示报告", "保密纪律", "外事纪律", "外事活动",
    "因公出访", "出访", "出差", "休假", "离京", "离营", "主持工作", "主持", "八项规定", "廉洁从政",
    "调查研究", "蹲点调研", "新闻发言人", "新闻发布会", "舆情", "政策解读", "法治政府", "依法行政",
    "科学民主决策", "重大决策", "重大行政决策", "三重一大", "贺信", "贺电", "题词", "题字", "剪彩",
]
TIME_WORDS = [
    "工作日", "个工作日", "小时", "每周", "每两周", "每月", "每季度", "每半年", "每年", "年底前",
    "提前", "不超过", "不少于", "至少", "时限", "期限", "逾期", "有效期", "按期",
]
FIXED_TERMS = MEETINGS + DOC_TYPES + PROCEDURES + TIME_WORDS

# Function words and question words: they carry no topic, and a natural-language question
# (区长出差的时候谁来主持工作) should rank like its content words.
STOPWORDS = frozenset("""
的 了 和 与 及 以及 或 或者 等 是 在 对 对于 由 为 被 把 将 从 向 于 之 其 该 此 这 那 这些 那些
也 都 又 并 并且 而 而且 但 但是 则 即 如 如果 若 因 因为 所以 以 按 按照 根据 依照 关于 通过
个 项 些 上 下 中 内 外 时 后 前 时候 的时候 期间 情况 方面 有关 相关 一些 一个 各 每个 其他 其它
什么 哪些 哪个 哪里 哪 谁 怎么 怎样 如何 多少 多久 几 几个 吗 呢 吧 啊 么 是否 能否 可否 要不要
有没有 是不是 会不会 应不应该 怎么办 为什么 规定 有何 何 请问 我 我们 你 他 她 它 他们 自己
""".split())

_FW = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FW.update({ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
_FW[0x3000] = 0x20
_NORM = str.maketrans(_FW)
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[0-9a-z]")
DOC_NUMBER_RX = re.compile(r"[\u4e00-\u9fff]{2,8}([〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号)")
_CITED = re.compile(r"《([^《》]{2,30})》")


def normalise(text: str) -> str:
    """Full-width ASCII → half-width, A-Z → a-z; one char in, one char out (offsets stay valid)."""
    return text.translate(_NORM)


def doc_number_term(s: str) -> str:
    """西政发[2018]4号 and 西政发(2018)4号 → 西政发〔2018〕4号: one term however it is bracketed."""
    return re.sub(r"[\[［(（](\d{4})[\]］)）]", r"〔\1〕", normalise(s))


def role_terms() -> dict[str, str]:
    """Every printed role variant (and canonical name) → canonical role."""
    out = {}
    for canon, d in TAXONOMY.items():
        for v in [canon, *d["variants"]]:
            out[normalise(v)] = canon
    return out


def corpus_terms(documents: Iterable) -> list[str]:
    """Terms the corpus itself names: document numbers, cited titles, short headings, issuers."""
    terms: set[str] = set()
    for d in documents:
        numbers = [d.doc_number] if d.doc_number else []
        for s in (d.issuer, d.district):
            if s:
                terms.add(s)
        for h in getattr(d, "headings", []):
            if 2 <= len(h.title) <= 8:
                terms.add(h.title)
        for a in d.articles:
            numbers += find_doc_numbers(a.text)
            terms.update(m.group(1) for m in _CITED.finditer(a.text) if len(m.group(1)) <= 20)
        # jieba cuts at the brackets, so the dictionary gets the issuer codes (西政发, 京政发);
        # whole doc numbers are matched by DOC_NUMBER_RX in the tokenizer
        terms.update(n.split("〔")[0] for n in numbers if "〔" in n)
    return sorted(t for t in terms if t and not any(ch.isspace() for ch in t))


def user_dictionary(documents: Iterable = ()) -> list[str]:
    """The user dictionary: taxonomy roles, fixed government terms, and the corpus's own terms."""
    words = set(role_terms()) | {normalise(w) for w in FIXED_TERMS}
    words |= {normalise(w) for w in corpus_terms(documents)}
    return sorted(w for w in words if len(w) >= 2)


@dataclass(frozen=True)
class Token:
    term: str
    start: int
    end: int
    kind: str = "word"  # word | part (piece of a compound) | role (canonical-role marker) | docno | qty


# query-term weights by kind: pieces of a compound count less than the compound itself, so
# 区政府常务会议 prefers articles naming that meeting over articles that only say 会议
QUERY_WEIGHTS = {"word": 1.0, "part": 0.35, "role": 1.0, "docno": 2.0, "qty": 1.0}

QUANTITY_RX = re.compile(r"(\d+|[一二两三四五六七八九十百半]+)(个工作日|工作日|个小时|小时|个月|周|天|日|年|次|期|篇|种)")
_UNIT = {"个工作日": "工作日", "个小时": "小时", "个月": "月"}


def quantity_term(number: str, unit: str) -> str | None:
    """('两', '周') → '#2周', ('5', '个工作日') → '#5工作日'; None for a non-number (半 → 0.5)."""
    n = 0.5 if number == "半" else cn_to_int(number)
    if n is None:
        return None
    return f"#{n:g}{_UNIT.get(unit, unit)}"


class Tokenizer:
    """jieba with the user dictionary; ``tokens`` for indexing, ``match`` for highlighting.

    Each instance has its own jieba dictionary, so building an index never changes how other
    code in the process segments text.
    """

    def __init__(self, words: Iterable[str] = ()):
        self.words = sorted(set(words))
        self._roles = role_terms()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._user = set(self.words)
        for w in self.words:
            # high enough that the whole term is preferred over its pieces
            self._jieba.add_word(w, freq=max(self._jieba.suggest_freq(w, False), 2000))
        self._pieces: dict[str, tuple[tuple[str, int], ...]] = {}

    # --- persistence: the dictionary travels with the index so queries cut like documents
    def save(self, path: str | Path) -> None:
        Path(path).write_text("\n".join(self.words) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        return cls(w for w in Path(path).read_text(encoding="utf-8").splitlines() if w)

    def pieces(self, word: str) -> tuple[tuple[str, int], ...]:
        """Known words inside a compound, with offsets.

        Two sources: the compound re-segmented without itself (recursively: 区政府常务会议 →
        区政府 / 常务会议 → 常务 / 会议), and every dictionary term it contains (常务会). Not the
        accidental substrings a plain scan would find (府常, 成人). Roles inside a role (区长 in
        副区长) are left out: a 副区长 is not a 区长.
        """
        if word in self._pieces:
            return self._pieces[word]
        found: dict[tuple[str, int], None] = {}
        n = len(word)
        if n >= 3 and not word.isascii():
            is_role = word in self._roles

            def keep(piece: str) -> bool:
                return len(piece) >= 2 and piece not in STOPWORDS and not (is_role and piece in self._roles)

            dag = self._jieba.get_DAG(word)
            dag[0] = [x for x in dag[0] if x != n - 1] or [0]
            route: dict[int, tuple[float, int]] = {}
            self._jieba.calc(word, dag, route)
            i = 0
            while i < n:
                j = route[i][1] + 1
                piece = word[i:j]
                if keep(piece):
                    found[(piece, i)] = None
                for p, k in self.pieces(piece):
                    if keep(p):
                        found[(p, i + k)] = None
                i = j
            for size in range(n - 1, 1, -1):
                for i in range(n - size + 1):
                    piece = word[i:i + size]
                    if piece in self._user and keep(piece):
                        found[(piece, i)] = None
        self._pieces[word] = tuple(found)
        return self._pieces[word]

    def token_spans(self, text: str) -> list[Token]:
        """Every indexable token with offsets: words, pieces of compounds, role markers, doc numbers."""
        norm = normalise(text)
        out: list[Token] = []
        pos = 0
        for w in self._jieba.cut(norm, HMM=False):
            start, end = pos, pos + len(w)
            pos = end
            if not _WORD.match(w) or w in STOPWORDS:
                continue
            out.append(Token(w, start, end))
            role = self._roles.get(w)
            if role:
                out.append(Token(ROLE_MARK + role, start, end, "role"))
            for p, k in self.pieces(w):
                # a role inside a compound (区长 in 区长负责制) stays a plain word, no marker
                out.append(Token(p, start + k, start + k + len(p), "part"))
        # 两周 and 2周, 五个工作日 and 5个工作日 are the same amount: one quantity term for both
        for m in QUANTITY_RX.finditer(norm):
            term = quantity_term(m.group(1), m.group(2))
            if term:
                out.append(Token(term, m.start(), m.end(), "qty"))
        # jieba cuts at brackets, so a 发文字号 (西政发〔2018〕4号) is added whole, brackets unified;
        # the fragments jieba made of it become mere parts
        for m in DOC_NUMBER_RX.finditer(norm):
            out = [Token(t.term, t.start, t.end, "part") if m.start() <= t.start and t.end <= m.end()
                   and t.kind == "word" else t for t in out]
            # where the issuer code starts is unknown (见西政发…, 现将朝政发…): every 2-5 character
            # code ending at the bracket is a term, and the real one is among them
            code_end = m.start(1)
            for start in range(max(m.start(), code_end - 5), code_end - 1):
                out.append(Token(doc_number_term(norm[start:m.end()]), start, m.end(), "docno"))
        return out

    def tokens(self, text: str) -> list[str]:
        """Terms for BM25 (order kept, repeats kept: term frequency matters)."""
        return [t.term for t in self.token_spans(text)]

    def query_weights(self, query: str) -> dict[str, float]:
        """Distinct query terms → weight (the highest of the kinds it occurs as)."""
        out: dict[str, float] = {}
        for t in self.token_spans(query):
            w = QUERY_WEIGHTS[t.kind]
            out[t.term] = max(out.get(t.term, 0.0), w)
        if not out:  # all stop words or single characters: fall back to the characters
            for ch in normalise(query):
                if _WORD.match(ch):
                    out.setdefault(ch, 1.0)
        return out

    def query_terms(self, query: str) -> list[str]:
        return list(self.query_weights(query))

    def highlighter(self, query: str | None = None, terms: Iterable[str] = ()) -> "Highlighter":
        """What to mark in hit texts for a query (or for a plain list of terms)."""
        return Highlighter(self, query, terms)

    def match(self, text: str, terms: Iterable[str]) -> tuple[list[tuple[int, int]], list[str]]:
        """Spans of ``terms`` in ``text`` and the terms found (see ``Highlighter``)."""
        return Highlighter(self, None, terms).match(text)

    def spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
        return self.match(text, terms)[0]


_ROLE_SPAN_RX = re.compile("|".join(re.escape(v) for v in sorted(role_terms(), key=len, reverse=True)))


class Highlighter:
    """Marks query words in hit texts without re-segmenting them (a hit list must stay fast).

    Words are found as substrings, except a role word inside a longer role (区长 in 副区长), as
    in the index. A role also marks its other printed variants (分管副区长 marks 主管副区长);
    a quantity marks the same amount however written (两周 / 2周); a doc number marks its other
    bracketings. Pieces of a compound are marked only where the compound itself is absent, and
    only dictionary terms or pieces of three characters or more (so 政府 is not marked everywhere).
    Lone characters are marked only when the query has nothing longer.
    """

    def __init__(self, tok: Tokenizer, query: str | None = None, terms: Iterable[str] = ()):
        self.words: set[str] = set()
        self.parts: dict[str, set[str]] = {}  # piece → the query words it came from
        self.roles: set[str] = set()
        self.docnos: set[str] = set()
        self.qtys: set[str] = set()
        self._roles = tok._roles
        toks = tok.token_spans(query) if query is not None else [Token(t, 0, 0) for t in terms]
        words = [t for t in toks if t.kind == "word" and not t.term.startswith((ROLE_MARK, "#"))]
        for t in toks:
            if t.term.startswith(ROLE_MARK):
                self.roles.add(t.term[len(ROLE_MARK):])
            elif t.kind == "docno":
                self.docnos.add(t.term)
            elif t.kind == "qty" or t.term.startswith("#"):
                self.qtys.add(t.term)
            elif t.kind == "part" and (len(t.term) >= 3 or t.term in tok._user):
                parents = {w.term for w in words if w.start <= t.start and t.end <= w.end}
                self.parts.setdefault(t.term, set()).update(parents)
        longer = [w.term for w in words if len(w.term) > 1]
        self.words = set(longer) if longer or self.roles or self.docnos else {w.term for w in words}

    def _find(self, norm: str, word: str, roles: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        out, i = [], norm.find(word)
        inner = word in self._roles
        while i >= 0:
            e = i + len(word)
            if not (inner and any(s <= i and e <= t and (s, t) != (i, e) for s, t, _ in roles)):
                out.append((i, e))
            i = norm.find(word, i + 1)
        return out

    def match(self, text: str) -> tuple[list[tuple[int, int]], list[str]]:
        norm = normalise(text)
        roles = [(m.start(), m.end(), self._roles[m.group(0)]) for m in _ROLE_SPAN_RX.finditer(norm)]
        spans: list[tuple[int, int]] = []
        found: set[str] = set()
        present = set()
        for w in self.words:
            hits = self._find(norm, w, roles)
            if hits:
                spans += hits
                found.add(w)
                present.add(w)
        for piece, parents in self.parts.items():
            if parents and parents & present:
                continue
            hits = self._find(norm, piece, roles)
            if hits:
                spans += hits
                found.add(piece)
        for s, e, canon in roles:
            if canon in self.roles:
                spans.append((s, e))
                found.add(norm[s:e])
        if self.qtys:
            for m in QUANTITY_RX.finditer(norm):
                if quantity_term(m.group(1), m.group(2)) in self.qtys:
                    spans.append((m.start(), m.end()))
                    found.add(m.group(0))
        if self.docnos:
            for m in DOC_NUMBER_RX.finditer(norm):
                code_end = m.start(1)
                for start in range(max(m.start(), code_end - 5), code_end - 1):
                    if doc_number_term(norm[start:m.end()]) in self.docnos:
                        spans.append((start, m.end()))
                        found.add(norm[start:m.end()])
                        break
        return merge_spans(spans), sorted(found)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, overlapping or touching spans joined: [(0,2),(1,4),(4,5)] → [(0,5)]."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]
