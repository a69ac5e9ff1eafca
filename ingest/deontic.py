"""Deontic clauses: who must (应当, 必须, 要, 负责), must not (不得, 严禁) or may (可以) do what, and when.

An article's sentences are split at 。；; a sentence is split again at a comma where a new
modal word starts a second duty; the new clause takes along the subject or condition written
just before its modal word (…，副区长离京出访、出差、休假，应…). A modal word inside a condition,
an exception or a topic NP (不能出席…的，需…; 应由…召开的会议，不得…) is not the clause's own.

The bearer of a clause, in this order:

1. its subject: the role that opens the comma segment of the modal word (…的，主办部门应…),
   else the role that opens an earlier segment of the clause, as subject or as the
   possessor/agent of the topic (区政府各部门报送区政府的公文，须…). A role after a word that
   marks a non-agent (向, 对, 经, 报, 以, 代表, 涉及 …) or inside 除…外 is not a subject; a
   role after 由 is the agent (由区政府办公室负责; 应由区政府各工作部门召开的会议);
2. the agent of a 由 after the modal word (应由主办部门征求…, 原则上应于…内由承办部门报…);
3. the owner of the topic: 以区政府办公室名义下发的文件，应…; 区政府常务会议…，如有需要可…;
4. context, for a clause that names none: the previous clause of the same sentence; at a new
   sentence in the same paragraph, the previous clause; at a new paragraph, the lead-in of a
   numbered list (区政府各部门应当：（一）…), then the subject of the article's first sentence,
   then the previous clause; then the chapter title when it names a role (第二章
   区政府组成人员职责); last the issuer's role.

A subject phrase is read as a noun phrase: coordinated roles leave the bearer on the first
conjunct (区政府及各部门 → 区政府), and a role written right after the phrase is its head
(区政府各部门主要负责同志 → 部门主要负责人; 区政府及各部门公职人员 → 区政府工作人员). A subject
that names no role of the taxonomy but ends in an agent noun (特种设备使用单位应当…, 劳动者
应当…) bears the clause as printed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .model import Clause, TimeConstraint
from .roles import PERSON_ROLES, Mention, canonical, find_owner, find_roles, is_district, localize
from .wordrx import trie

# (modality, regex); the leftmost match in a clause decides, longer words first at one position
_MODALS = [
    ("prohibition", r"不得|严禁|禁止|一律不|坚决不|决不允许|不允许|不准|不许|不宜|不应|不能|不要|不予"
                    r"|(?:(?<=一般)|(?<=原则上)|^)不(?!超过|少于|低于|受|断|仅)(?=[\u4e00-\u9fff]{2})"),
    ("obligation", r"应当|必须|务必|(?<![适相对反供响])应(?![对急用变诉征聘])|(?<![必无])须(?!知)"
                   r"|(?<![确急所必无亟])需(?![要求知])"
                   r"|(?<![重主必需摘纲提简首概只纪])要(?![求点件素闻害职务员])|负责(?![人同制])|一律(?!不)"),
    ("permission", r"可以|可根据|有权|(?<![不许认宁])(?<!可.)可(?![能行靠见视持])(?!(?P<opt>.)可不(?P=opt))"),
]
# every modal word opens with one of these characters; the lookahead lets the regex engine
# reject other positions at once instead of trying each alternative (same matches, ~30 % faster)
_MODAL_FIRST = "不严禁一坚决应必务须需要负可有"
MODAL_RX = re.compile(f"(?=[{_MODAL_FIRST}])(?:" + "|".join(f"(?P<{k}>{rx})" for k, rx in _MODALS) + ")")
# rule-like 不 + verb right after a subject (区政府领导同志不出席…)
_BARE_NOT = re.compile(r"不(?!超过|少于|低于|受|断|仅|同|足|是|再|属|但|论|管|在|会|必|如|及|止|得不)(?=[\u4e00-\u9fff]{2})")
HEDGE_RX = re.compile(r"一般|原则上|通常|尽量|尽可能")
CONDITION_RX = re.compile(r"(?:涉及|如遇|遇有|如有|如需|如果|凡|对于?)[^，；。]{1,40}?(?:的|时)(?=，|$)|[^，；。]{1,40}?(?:的)(?=，)")
EXCEPTION_RX = re.compile(r"除[^，；。]{1,50}?(?:外|以外)")
ITEM_RX = re.compile(r"[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d)")

# words before a role that make it an object, a beneficiary or a circumstance, not the agent
_NON_AGENT = re.compile(r"向|经|对|给|报|请|与|同(?!级)|跟|受|以(?!及)|代表|涉及|召开|邀请|出席|参加|关于|根据|按照|依照"
                        r"|依据|通过|会同|协助|配合|督促|指导|接受|属|于|在|从|至|到|为|替|帮|将|把|使|让|令|要求|听取")
# words that contain one of those characters without being one (经营者, 县级以上, 申请人, 面向社会)
_MASKED_WORDS = (r"经营|经济|经费|经验|报道|日报|对外|对象|给予|给付|请示|申请|受理|以上|以下|以外|以内|以及|所以|可以|予以"
                 r"|加以|难以|作为|行为|认为|成为|因为|为止|至少|直至|甚至|到期|到位|从业|从事|即将|同级|同类|共同|合同|同时"
                 r"|同志|同意|与会|参与|所在|存在|在职|现在|正在|接受|面向|方向|互为|使用|命令|转让|把关|服从|反对|供给"
                 r"|报告|接到|收到|得到|达到|受到|遇到|做到|位于|等于|由于|请求|受害|受益|受托|受灾").split("|")
_MASKED = re.compile(trie(_MASKED_WORDS))
# every masked word has two characters, so one fixed mask keeps the offsets
assert {len(w) for w in _MASKED_WORDS} == {2}
# a comma segment opened by these is an adverbial, a condition or an exception, not a topic
_ADVERBIAL = re.compile(r"^(?:对于?|关于|根据|按照|依照|依据|为了?|除|如|凡|若|涉及|遇有|经|未经|在)")
_ANAPHOR = re.compile(r"本机关|本部门|本单位|该机关|该部门|该单位")
# what may stand before a subject in its segment: adverbs and determiners (原则上, 每年, 被诉, 所有)
_LEAD_OK = re.compile(r"(?:会前|会后|原则上|一般|通常|每年|每半年|每季度|每月|同时|其中|此外|另外|并且|必要时|今后|届时"
                      r"|被诉|所有|全体|其他|各级|其|均|都|也|并)*")
# the head noun of a subject that names no role of the taxonomy (none is the start of another, so
# the trie means what the plain alternation meant)
_AGENT_NOUNS = trie((r"单位|部门|机关|机构|组织|委员会|政府|人员|职工|劳动者|员工|经营者|生产者|销售者|消费者|使用者|管理人"
                     r"|负责人|代表人|当事人|申请人|公民|法人|企业|公司|协会|学会|工会|医院|学校|法院|检察院|办事处|居委会|村委会"
                     r"|股东|董事会|监事会|主任|局长|厅长|部长|院长|校长|站长|所长|主席|书记|教师|医师|律师|父母|监护人|国务院"
                     r"|请求人|代理人|承包人|发包人|出租人|承租人|委托人|受托人|继承人|权利人|义务人|债权人|债务人|投保人|被保险人"
                     r"|受益人|行为人|责任人|服务人|业主|成员|会员").split("|"))
_AGENT_HEAD = re.compile(_AGENT_NOUNS + "$")
_AGENT_NOUN = re.compile(_AGENT_NOUNS)
# verbs that end a subject written without a role of the taxonomy (劳务派遣单位|派遣劳动者)
_VERBS = (r"派遣|招用|聘用|雇用|使用(?!单位)|违反|接到|收到|发现|拒绝|未|已|是|有|作出|提出|认为|申请|发生|造成|采取|进行"
          r"|委托|负责|决定|从事|承担|履行|办理|建立|制定|组织|开展|实施|执行|赔偿|受理|审查|批准|认定|处理|支付|提供|确认"
          r"|通过|召开|设立|变更|终止|解散|合并")
_NEGATED = re.compile(r"未|不|已|没有|尚未|拒不|擅自")  # 未成立业主委员会的…: a clause, not a noun phrase
_PREDICATE = re.compile(_VERBS + r"|不|依法|和|及|与|或|、")
# what may follow such a subject: the modal word, an adverb, a preposition, a verb, a conjunction
# (not a noun: 政府|信息公开 is a modifier, not a subject)
_ENDS_SUBJECT = re.compile(r"$|的|应|须|必须|可|要|均|都|也|还|亦|先|不|依法|及时|每年|一般|原则上|在|对|向|与|自|于|经"
                           r"|按照|依照|根据|从|将|把|被|就|以|和|及|或|、|" + _VERBS)
_MODIFIER = re.compile(r"[\u4e00-\u9fff]{1,12}的?")  # 卫生行政, 负有安全生产监督管理职责的
# …的 + a party after a modal word: the modal word opens a relative clause (负责…的部门, 不再续聘的物业服务人)
_RELATIVE_DUTY = re.compile(r"[^，,。；]{0,30}?的(?:[^，,。；的]{0,8}?)" + _AGENT_NOUNS + r"(?!工作|职责|制)")
_AFTER_MODAL_BY = re.compile(r"[^，,]{0,15}?由")  # 应由X, 原则上应于…内由X
_SENTENCE_BREAK = re.compile(r"[。；;\n]")
_COMMA = re.compile(r"[，,]")
_UNIT_AFTER_CONJ = re.compile(r"(?<=[、和及与或])(?:各|有关|相关)?单位$")
_CONJ_ONLY = re.compile(r"[、和及与或]+")
_UNIT_WORD = re.compile(r"(?:各|有关|相关)?单位")
_COORD_GAP = re.compile(r"[、，,和及与或以者并（(各]+")
_WHOLE_NP = re.compile(r"([\u4e00-\u9fff、“”]{2,40}?)(?:原则上|一般|也|还|均|都|亦|先|依法|及时|每年|应)*")
_CJK_NP = re.compile(r"[\u4e00-\u9fff、“”]+")
_FIRST_CONJUNCT = re.compile(_AGENT_NOUN.pattern + r"(?=和|及|与|或者|、)")


def _marked(text: str, start_only: bool = False) -> bool:
    """Whether ``text`` has (or, with ``start_only``, opens with) a word that makes the role after
    it a non-agent; compound words such as 经营, 以上 do not count."""
    masked = _MASKED.sub("＿＿", text)
    return bool((_NON_AGENT.match if start_only else _NON_AGENT.search)(masked))


def _sentences(text: str) -> list[tuple[int, int, str]]:
    """Sentence spans with the break before each: '' (first), '\\n' (new paragraph), '。' or '；'."""
    rank = {"": 0, "；": 1, "。": 2, "\n": 3}
    spans, start, brk = [], 0, ""
    for m in _SENTENCE_BREAK.finditer(text):
        if m.start() > start:
            spans.append((start, m.start(), brk if spans else ""))
            brk = None
        c = "；" if m.group(0) == ";" else m.group(0)
        brk = c if brk is None or rank[c] > rank[brk] else brk
        start = m.end()
    if start < len(text):
        spans.append((start, len(text), brk if spans else ""))
    return spans


def _segments(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """The comma segments of ``text[s:e]`` (absolute offsets)."""
    if text.find("，", s, e) < 0 and text.find(",", s, e) < 0:  # most segments and clauses
        return [(s, e)]
    out, cur = [], s
    for m in _COMMA.finditer(text, s, e):
        out.append((cur, m.start()))
        cur = m.end()
    out.append((cur, e))
    return out


def _is_topic(seg: str, at: int, word: str) -> bool:
    """The modal word at ``at`` in the comma segment ``seg`` is descriptive: it sits in a
    condition (不能出席…的，), an exception (除…必须直接报送的…外) or a topic NP (应由…召开的会议)."""
    return (seg.endswith(("的", "时")) or seg.startswith("除")
            or (seg.startswith("由", at + len(word)) and "的" in seg[at:]))


@lru_cache(maxsize=8192)
def _modal(body: str) -> tuple[int, int, str, str] | None:
    """The main modal word of a clause: (start, end, modality, word as printed). A modal word in
    a condition or topic segment counts only when no later segment has one; a modal word inside
    a role name (负责常务工作的副区长) is none."""
    fallback = None
    for a, b in _segments(body, 0, len(body)):
        seg = body[a:b]
        # only a 负责 reads the rest of the clause (see _relative): look there only then
        found = _segment_modal(seg, "负责" in seg and MODAL_RX.search(body[b:]) is not None)
        if found:
            st, end, kind, word, topic = found
            # a modal word as printed is sliced afresh, as a match would be: the cached one may
            # be shared by other clauses (object identity shows in pickles, hence in input_hash)
            word = word or body[a + st:a + end]
            if not topic:
                return a + st, a + end, kind, word
            fallback = (a + st, a + end, kind, word)
    return fallback


@lru_cache(maxsize=16384)
def _segment_modal(seg: str, modal_after: bool) -> tuple[int, int, str, str | None, bool] | None:
    """The modal word of one comma segment, or None: (start, end, modality, word, whether it is
    descriptive: see _is_topic); word is None when it is as printed, seg[start:end]. ``modal_after``:
    a later segment of the clause has a modal word. Cached: a segment is read alone (does it start
    a duty?) and again in its clause."""
    roles = find_roles(seg)
    cands = []
    m = None
    for found in MODAL_RX.finditer(seg):
        at = found.start()
        if (not (roles and any(r.start <= at < r.end for r in roles))
                and not _relative(seg, found, roles, modal_after)):
            m = found
            break
    if m:
        cands.append((m.start(), -len(m.group(0)), m.lastgroup, m.group(0), True))
    for r in roles:
        n = _BARE_NOT.match(seg, r.end)
        if n and not MODAL_RX.match(seg, r.end):
            cands.append((n.start(), -1, "prohibition", "不", False))
    if not cands:
        return None
    st, neg, kind, word, printed = min(cands)
    return st, st - neg, kind, None if printed else word, _is_topic(seg, st, word)


def _relative(seg: str, m: re.Match, roles: list[Mention], modal_after: bool) -> bool:
    """A modal word that opens a relative clause naming a party rather than a duty: 不再续聘的物业
    服务人应当…, 国务院负责…的部门应当…, 负责特种设备安全监督管理的部门实施… (but not
    区政府办公室负责…的组织工作). ``modal_after``: a later segment of the clause has a modal word."""
    rel = _RELATIVE_DUTY.match(seg, m.end())
    if not rel:
        return False
    if MODAL_RX.search(seg, rel.end()):
        return True
    if m.group(0) != "负责":
        return False
    if modal_after:
        return True
    return not any(r.end == m.start() for r in roles) and not _AGENT_HEAD.search(seg[:m.start()])


def _mentions(text: str) -> list[Mention]:
    """Role mentions plus anaphors (本机关), the latter with role '@'."""
    out = find_roles(text)  # in text order
    if "本" not in text and "该" not in text:  # no anaphor: each opens with one of these
        return out
    for a in _ANAPHOR.finditer(text):
        if not any(m.start < a.end() and a.start() < m.end for m in out):
            out.append(Mention("@", a.group(0), a.start(), a.end()))
    return sorted(out, key=lambda m: m.start)


def _link(gap: str, printed: bool = False) -> str | None:
    """How two role mentions in a row are joined: 'coord' (、和及与或, an apposition in brackets),
    'mod' (nothing or 的: the second is the head; with ``printed`` also a modifier such as
    国务院卫生行政部门) or None (other words: not one phrase)."""
    g = gap.replace("）", "").replace(")", "")
    g = _UNIT_AFTER_CONJ.sub("", g)  # 区政府各部门、单位主要负责同志: heads of both
    if _CONJ_ONLY.fullmatch(g) and gap.endswith("单位"):
        return "mod"
    if g in ("", "的") or (printed and _MODIFIER.fullmatch(g) and not _marked(g)):
        return "mod"
    if _COORD_GAP.fullmatch(_UNIT_WORD.sub("", g)):
        return "coord"
    return None


def _phrase(text: str, ms: list[Mention], i: int, printed: bool = False) -> tuple[Mention, int]:
    """The subject phrase that starts at mention ``i``: its head mention and where it ends.
    Conjuncts leave the head on the first (区政府及各部门 → 区政府); a role written right after
    the phrase becomes its head (区政府各部门、各街道办事处主要负责人 → 主要负责人)."""
    head, end = ms[i], ms[i].end
    for m in ms[i + 1:]:
        link = _link(text[end:m.start], printed)
        if link is None:
            break
        if link == "mod":
            if head.role in PERSON_ROLES:  # 区政府领导同志及各部门负责人: two conjuncts
                break
            head = m
        end = m.end
    return head, end


def _noun_phrase(seg: str, whole: bool) -> str | None:
    """A subject written as a noun phrase that ends in an agent noun (特种设备使用单位, 接到报告的部门,
    国务院卫生行政部门, 劳动者), whether or not the taxonomy knows it. ``whole``: the phrase fills
    the segment up to the modal word (adverbs aside); otherwise it is the shortest such opening of
    the segment (劳务派遣单位派遣劳动者，… → 劳务派遣单位). Of coordinated phrases the first is kept."""
    span = _noun_phrase_span(seg, whole)
    # sliced here, not cached: each clause gets its own string, as before (identity shows in pickles)
    return seg[span[0]:span[1]] if span else None


@lru_cache(maxsize=8192)
def _noun_phrase_span(seg: str, whole: bool) -> tuple[int, int] | None:
    """Where _noun_phrase's phrase lies in ``seg``; cached, as the same segments recur in clauses."""
    lead = _LEAD_OK.match(seg).end()
    seg = seg[lead:]
    if not seg or _ADVERBIAL.match(seg) or _marked(seg, True):
        return None
    if whole:
        m = _WHOLE_NP.fullmatch(seg)
        np = m.group(1) if m and _AGENT_HEAD.search(m.group(1)) else None
    else:
        m = _AGENT_NOUN.search(seg)
        np = seg[:m.end()] if m else None
        while np:  # 县级以上地方人民政府|卫生行政部门, 检验机构|的检验人员
            more = _AGENT_NOUN.search(seg, len(np) + 1)
            between = seg[len(np):more.start()] if more else ""
            if not more or len(between) > 12 or _marked(between) or _PREDICATE.search(between):
                break
            np = seg[:more.end()]
        if np and not _ENDS_SUBJECT.match(seg, len(np)):  # 政府|信息公开: a modifier, not the head
            np = None
    if (not np or len(np) < 2 or _marked(np) or "由" in np or _NEGATED.match(np)
            or not _CJK_NP.fullmatch(np)):
        return None
    first = _FIRST_CONJUNCT.search(np)  # 社会保险行政部门和其他有关行政部门
    return lead, lead + (first.end() if first else len(np))  # the phrase opens seg (after the lead)


def _item(text: str) -> str:
    m = ITEM_RX.match(text)
    return m.group(0) if m else ""


def _lead(gap: str) -> str | None:
    """What the words before a role make of it: 'agent' (由…, 由主持召开会议的), 'subject' (nothing,
    an item label, adverbs: 原则上, 每年), 'modified' (a relative clause: 所有面向社会服务的) or None
    (a verb or a preposition before it: 向, 对, 报送, 加强 … an object)."""
    g = gap[len(_item(gap)):]
    by = g.rfind("由")
    if by >= 0 and (by == len(g) - 1 or g.endswith("的")
                    or (_MODIFIER.fullmatch(g[by + 1:]) and not _marked(g[by + 1:]))):
        return "agent"  # 由区政府办公室, 由主持召开会议的区政府领导同志, 由供水行政主管部门
    if _LEAD_OK.fullmatch(g):
        return "subject"
    if g.endswith("的") and not _marked(g):
        return "modified"
    return None


def _printed(body: str, start: int, head: Mention) -> str | None:
    """Outside a district government's rules, the subject as printed when it says more than a
    generic role (卫生行政部门, 生产经营单位的主要负责人, 国务院卫生行政部门); None for a plain
    generic role (县级以上人民政府, 用人单位)."""
    start += _LEAD_OK.match(body, start, head.start).end() - start
    np = body[start:head.end].strip("，, ")
    role = canonical(np)
    if role is not None and not is_district(role):
        return None if role == head.role else role
    return np


def _subject(body: str, modal_start: int, modal_end: int,
             printed: bool = False) -> tuple[str | None, str | None, str | None]:
    """(bearer, surface, kind) named by the clause itself, kind being 'subject', 'agent' (由…) or
    'owner' (以…名义, …会议); (None, None, None) when it names none. With ``printed`` (not a
    district government's rules) a subject that says more than a generic role is kept as printed."""
    segs = _segments(body, 0, len(body))
    ms = _mentions(body)
    excepted = [(x.start(), x.end()) for x in EXCEPTION_RX.finditer(body)]
    own = next(k for k, (a, b) in enumerate(segs) if a <= modal_start <= b)
    owner = None
    for k in [own] + list(range(own)):
        a, b = segs[k]
        limit = min(b, modal_start)
        seg = body[a:limit]
        if k != own and _ADVERBIAL.match(seg):
            continue
        condition = k != own and seg.endswith(("的", "时"))
        inside = [i for i, m in enumerate(ms) if a <= m.start and m.end <= limit
                  and not any(s <= m.start < e for s, e in excepted)]
        np = _noun_phrase(seg, k == own) or (_noun_phrase(seg, False) if k == own else None)
        if np and (printed or not inside):  # 特种设备使用单位应当…
            role = canonical(np)
            return (role if role and not (printed and is_district(role)) else np), np, "subject"
        prev = a
        for n, i in enumerate(inside):
            m = ms[i]
            lead = _lead(body[prev:m.start])
            if lead == "agent":
                if condition:  # 应由部门自行发文的，…: a descriptive agent inside a condition
                    break
                head, end = _phrase(body, ms, i, printed)
                np = _printed(body, body.rindex("由", prev, m.start) + 1, head) if printed else None
                return np or head.role, body[m.start:end], "agent"
            if n == 0 and lead is not None and not _ADVERBIAL.match(seg):
                head, end = _phrase(body, ms, i, printed)
                np = _printed(body, m.start if lead == "subject" else a + len(_item(seg)), head) if printed else None
                return np or head.role, body[m.start:end] if np is None else np, "subject"
            prev = m.end
        if owner is None and (k == 0 or k == own):
            owner = find_owner(seg)
    after = _AFTER_MODAL_BY.match(body, modal_end, segs[own][1])
    if after:
        at = after.end()
        for i, m in enumerate(ms):
            if m.start == at:
                head, end = _phrase(body, ms, i, printed)
                np = _printed(body, m.start, head) if printed else None
                return np or head.role, body[m.start:end], "agent"
        np = _noun_phrase(body[at:segs[own][1]], False)
        if np:
            return np, np, "agent"
    if owner is not None:
        return owner.role, owner.surface.lstrip("以"), "owner"
    return None, None, None


def _split(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split a sentence at the comma before a second modal word. The new clause starts at its
    own subject or condition when one stands in the comma segments just before the modal."""
    segs = _segments(text, s, e)
    has = [_starts_duty(text[a:b]) for a, b in segs]
    parts, cur, seen = [], s, False
    for k, (a, b) in enumerate(segs):
        if has[k] and seen:
            cut = k
            while segs[cut - 1][0] > cur and not has[cut - 1] and _opens(text[segs[cut - 1][0]:segs[cut - 1][1]]):
                cut -= 1
            parts.append((cur, segs[cut][0] - 1))
            cur = segs[cut][0]
        seen = seen or has[k]
    parts.append((cur, e))
    out = []
    for a, b in parts:  # 要轻车简从、简化接待、不搞迎送: the negated item is a prohibition of its own
        m = _modal(text[a:b])
        at = text.find("、不", a + m[1], b) if m and m[2] != "prohibition" else -1
        if at >= 0 and _BARE_NOT.match(text, at + 1) and not MODAL_RX.match(text, at + 1):
            out += [(a, at), (at + 1, b)]
        else:
            out.append((a, b))
    return [(a, b) for a, b in out if b > a]


def _starts_duty(seg: str) -> bool:
    m = _modal(seg)
    return m is not None and not _is_topic(seg, m[0], m[3])


def _opens(seg: str) -> bool:
    """A modal-less segment that belongs to the clause after it: a condition (…的, …时, 如…,
    对…) or a subject (副区长离京出访、出差、休假 before 应…)."""
    if seg.endswith(("的", "时", "后", "前")) or _ADVERBIAL.match(seg):
        return True
    ms = find_roles(seg)
    return bool(ms) and ms[0].start <= 1 and not _marked(seg, True)


def _sentence_subject(body: str, printed: bool) -> str | None:
    """The subject of a clause without a modal word (区政府建立学习制度…), read as if a modal word
    followed its first comma segment; an agent (区政府全体会议由区长…组成) gives way to the owner of
    the topic (区政府)."""
    end = _segments(body, 0, len(body))[0][1]
    role, _, kind = _subject(body, end, end, printed)
    if kind == "agent":
        owner = find_owner(body[:end])
        return owner.role if owner else None
    return None if role == "@" else role


_CONDITION_LEAD = re.compile(r"涉及|如遇|遇有|如有|如需|如果|凡|对")


def _conditions(body: str) -> list[str]:
    # a condition is …的 before a comma, or opens with a lead word and ends in 的/时: most
    # clauses have neither, and the regex would try 40 characters from every position
    if "的，" not in body and not (("的" in body or "时" in body) and _CONDITION_LEAD.search(body)):
        return []
    return [c.group(0) for c in CONDITION_RX.finditer(body) if not EXCEPTION_RX.match(c.group(0))][:3]


def find_clauses(text: str, times: list[TimeConstraint], context: str | None = None,
                 chapter: str | None = None) -> list[Clause]:
    """Deontic clauses of one article's text.

    ``context`` is the issuer's role: it bears what nothing else names, and it reads 有关部门 as
    that government's departments. ``chapter`` is the title of the article's chapter or
    section; a role it names (第二章 区政府组成人员职责) comes before the issuer's.
    """
    out: list[Clause] = []
    printed = not is_district(context)  # a law, or rules of a body outside the taxonomy
    chapter_role = next((m.role for m in find_roles(chapter or "")), None)
    article_subject = list_subject = last = None
    in_list = False
    for s, e, brk in _sentences(text):
        if brk == "\n":
            in_list = list_subject is not None and bool(ITEM_RX.match(text[s:e].strip()))
            if not in_list:
                list_subject = None
        # the bearer that a clause without a subject takes
        if brk == "；" or brk == "。":
            here = last
        else:  # a new paragraph: the list's lead-in, the article's subject, the previous clause
            here = (list_subject if in_list else None) or article_subject or last
        for cs, ce in _split(text, s, e):
            body = text[cs:ce].strip()
            if not body:
                continue
            cs += text[cs:ce].index(body[0])
            mm = _modal(body)
            if mm is None:  # no duty, but maybe the subject of the duties after it
                role = _sentence_subject(body, printed)
                role = localize(role, context) if role else None
                if brk == "" and article_subject is None:
                    article_subject = role
                if body.endswith(("：", ":")):
                    list_subject, in_list = role, False
                if role:
                    here = last = role
                continue
            m_start, m_end, modality, word = mm
            role, surface, kind = _subject(body, m_start, m_end, printed)
            if role == "@":  # 由本机关…: the organ the clause is about
                role = here or chapter_role or context
            elif role is not None:
                role = localize(role, context)
            else:
                role = here or chapter_role or context
            if brk == "" and article_subject is None and kind in ("subject", "owner"):
                article_subject = role
            if body.endswith(("：", ":")):
                list_subject, in_list = role, False
            if kind != "agent" or here is None:  # an agent is the topic only where there is none
                here = role
                last = role
            hedged = HEDGE_RX.search(body[:m_end + 2])
            out.append(Clause(
                text=body, modality=modality, modal=word, strength="hedged" if hedged else "strict",
                bearer=role, bearer_surface=surface, action=body[m_end:].strip("，, "),
                roles=list(dict.fromkeys(m.role for m in find_roles(body))),
                conditions=_conditions(body),
                exceptions=[x.group(0) for x in EXCEPTION_RX.finditer(body)] if "除" in body else [],
                constraints=[t for t in times if cs <= t.start < cs + len(body)],
                start=cs, end=cs + len(body)))
    return out
