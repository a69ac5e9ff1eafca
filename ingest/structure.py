"""Split clean paragraphs into notice, front matter, headings, numbered articles and footer.

Documents number their articles in different ways (第X条 in laws, 一、 in work rules,
1. in plans whose 一、 are parts and （一） sections). Rather than trusting one style,
we pick per document the numbered series that runs through the body in order
(1, 2, 3, … without restarting) and treat every other numbering as headings above
it or items inside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import Para
from .model import Article, Heading, Item, Span
from .numbering import Marker, marker_at

SERIES_KINDS = ("tiao", "cn", "arabic", "paren_cn", "paren_arabic")
# numbering kinds that may stand as headings above a chosen article series
HEADING_ABOVE = {
    "tiao": ("cn",),
    "cn": (),
    "arabic": ("cn", "paren_cn"),
    "paren_cn": ("cn",),
    "paren_arabic": ("cn", "paren_cn"),
}
ITEM_KINDS = ("paren_cn", "paren_arabic", "arabic", "cn")
LEVEL = {"pian": "part", "zhang": "chapter", "jie": "section", "cn": "chapter",
         "paren_cn": "section", "arabic": "section"}

DATE_LINE = re.compile(
    r"^[（(]?\s*(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日\s*[）)]?$")
NOTICE_CUE = re.compile(r"印发给你们|现将.{0,40}印发|现印发|现予印发|转发给你们|请认真|请遵照|遵照执行|特此通知")
PUBLISH_NOTE = re.compile(r"^[（(]此件.{0,12}[）)]$")
FOOTER_START = re.compile(
    r"^(?:抄送|抄报|主题词|主办[:：]|承办[:：]|政策文件[:：]|政府网站标识码|[京沪津渝冀辽]ICP|.{0,6}公网安备"
    r"|网站地图|打印本页|关闭窗口|扫一扫|分享到|附件[:：]?\s*\d?\s*[.、]?\s*$|发布机构[:：]|信息来源[:：]"
    r"|.{2,30}\d{4}年\d{1,2}月\d{1,2}日印发$)")
ORG_LINE = re.compile(r"^.{2,30}(?:人民政府|办公室|办公厅|委员会|人大常委会|局|厅|部|院)$")


@dataclass
class Layout:
    """Where each part of a document lies, as paragraph lists."""

    notice: list[Para] = field(default_factory=list)
    front: list[Para] = field(default_factory=list)  # title lines and history before the body
    preamble: list[Para] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    footer: list[Para] = field(default_factory=list)
    series: str | None = None


def _chain(occ: list[tuple[int, Marker]], kind: str) -> tuple[list[tuple[int, Marker]], int]:
    """The in-order chain of one numbering kind; returns it and the count of markers left out.

    第X条 is unambiguous at a paragraph start, so its chain is the longest increasing run
    of numbers (excerpts and code parts start at 第九百八十九条; a quoted 第三十一条 in a
    history line falls out). The other kinds also number items, so their chain must start
    at 1 and step by one (a gap only where the numbering resumes right after it).
    """
    if kind == "tiao":
        chain = _longest_increasing(occ)
        return chain, len(occ) - len(chain)
    chain: list[tuple[int, Marker]] = []
    last = 0
    for k, (i, m) in enumerate(occ):
        if m.sub:
            continue
        if m.number == last + 1 or (last and last + 1 < m.number <= last + 20 and _resumes(occ, k)):
            chain.append((i, m))
            last = m.number
    return chain, len(occ) - len(chain)


def _longest_increasing(occ: list[tuple[int, Marker]]) -> list[tuple[int, Marker]]:
    """Longest strictly increasing subsequence by (number, 之N), O(n log n)."""
    keys = [m.number * 1000 + m.sub for _, m in occ]
    tails: list[int] = []  # index into occ of the smallest tail of each length
    back = [-1] * len(occ)
    for k, key in enumerate(keys):
        j = _bisect_tails(keys, tails, key)
        if j > 0:
            back[k] = tails[j - 1]
        if j == len(tails):
            tails.append(k)
        else:
            tails[j] = k
    out, k = [], tails[-1] if tails else -1
    while k >= 0:
        out.append(occ[k])
        k = back[k]
    return out[::-1]


def _bisect_tails(keys: list[int], tails: list[int], key: int) -> int:
    lo, hi = 0, len(tails)
    while lo < hi:
        mid = (lo + hi) // 2
        if keys[tails[mid]] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _resumes(occ: list[tuple[int, Marker]], k: int) -> bool:
    n = occ[k][1].number
    return any(m.number == n + 1 for _, m in occ[k + 1:k + 4])


def choose_series(paras: list[Para], markers: list[Marker | None]) -> tuple[str | None, list[tuple[int, Marker]]]:
    """The numbering kind whose in-order chain covers the most paragraphs."""
    best: tuple[int, str | None, list] = (0, None, [])
    for rank, kind in enumerate(SERIES_KINDS):
        occ = [(i, m) for i, m in enumerate(markers) if m and m.kind == kind and not paras[i].md_level == 1]
        if not occ:
            continue
        chain, rejected = _chain(occ, kind)
        score = len(chain) - rejected
        if len(chain) >= 1 and (score > best[0]):
            best = (score, kind, chain)
    return best[1], best[2]


def _is_heading_text(text: str) -> bool:
    body = text.rstrip("。")
    return len(body) <= 60 and not re.search(r"[。；]", body)


def _heading(p: Para, m: Marker | None) -> Heading:
    if m is None:
        return Heading("chapter", "", p.text.strip())
    title = p.text[m.end:].strip().rstrip("。")
    return Heading(LEVEL.get(m.kind, "chapter"), m.label, title)


def split(paras: list[Para]) -> Layout:
    """Lay out a document's paragraphs (see module docstring)."""
    markers = [marker_at(p.text) for p in paras]
    series, chain = choose_series(paras, markers)
    lay = Layout(series=series)
    starts = {i: m for i, m in chain}
    first = chain[0][0] if chain else len(paras)
    last = chain[-1][0] if chain else len(paras)

    heading_kinds = ("pian", "zhang", "jie") + HEADING_ABOVE.get(series or "", ())
    heading_at: dict[int, Heading] = {}
    for i in range(len(paras) - 1, -1, -1):
        p, m = paras[i], markers[i]
        if i in starts:
            continue
        if p.md_level >= 2 and (m is None or m.kind in ("pian", "zhang", "jie")):
            heading_at[i] = _heading(p, m)
        elif m and m.kind in heading_kinds and _is_heading_text(p.text):
            if m.kind in ("pian", "zhang", "jie") or _opens_articles(i, starts, heading_at, len(paras)):
                heading_at[i] = _heading(p, m)

    # footer: from the first footer-like paragraph after the last article's start
    foot = len(paras)
    for i in range(last + 1, len(paras)):
        t = paras[i].text
        if FOOTER_START.match(t) or (DATE_LINE.match(t) and i > last + 1):
            foot = i
            if DATE_LINE.match(t) and ORG_LINE.match(paras[i - 1].text) and i - 1 > last:
                foot = i - 1
            break
    lay.footer = paras[foot:]

    # front matter: notice, title and history lines, preamble
    body0 = min([first] + [i for i in heading_at if i < first])
    front = paras[:body0]
    cue = max((k for k, p in enumerate(front) if NOTICE_CUE.search(p.text)), default=-1)
    notice_end = -1
    if cue >= 0:
        notice_end = cue
        for k in range(cue + 1, min(cue + 4, len(front))):
            if DATE_LINE.match(front[k].text):
                notice_end = k
                break
        while notice_end + 1 < len(front) and PUBLISH_NOTE.match(front[notice_end + 1].text):
            notice_end += 1
    lay.notice = front[:notice_end + 1]
    rest = front[notice_end + 1:]
    k = 0
    while k < len(rest) and _is_front_line(rest[k], k):
        k += 1
    lay.front, lay.preamble = rest[:k], rest[k:]

    # articles and headings in body order
    chapter = section = None
    order = sorted(set(starts) | {i for i in heading_at if i >= body0 and i < foot})
    for n, i in enumerate(order):
        if i in heading_at:
            h = heading_at[i]
            lay.headings.append(h)
            if h.level in ("part", "chapter"):
                chapter, section = h.full, None
            else:
                section = h.full
            continue
        end = order[n + 1] if n + 1 < len(order) else foot
        lay.articles.append(_article(len(lay.articles) + 1, starts[i], paras[i:end], chapter, section, series))
    return lay


def _opens_articles(i: int, starts: dict, heading_at: dict, n: int) -> bool:
    """A short numbered line is a heading when an article or heading follows it directly."""
    return i + 1 < n and (i + 1 in starts or i + 1 in heading_at)


def _is_front_line(p: Para, k: int) -> bool:
    """Title lines (markdown '#', or a short unpunctuated line) and dated history lines."""
    t = p.text
    if p.md_level == 1:
        return True
    if re.match(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", t) and len(t) <= 200:
        return True
    return k < 3 and len(t) <= 60 and t[-1] not in "。；：" and not marker_at(t)


def _article(ordinal: int, m: Marker, ps: list[Para], chapter, section, series) -> Article:
    first = ps[0].slice(m.end)
    body = [first] + ps[1:]
    paragraphs = [p.text for p in body if p.text]
    text = "\n".join(paragraphs)
    start = ps[0].raw(0) if ps[0].text else 0
    end = ps[-1].raw_span(0, len(ps[-1].text))[1] if ps[-1].text else start
    return Article(ordinal=ordinal, label=m.label, text=text, chapter=chapter, section=section,
                   paragraphs=paragraphs, items=find_items(text, series), source=Span("", start, end))


_ITEM_RX = {
    "paren_cn": re.compile(r"[（(]([一二三四五六七八九十]+)[）)]"),
    "paren_arabic": re.compile(r"[（(](\d{1,2})[）)]"),
    # the lookahead first lets the engine skip positions that cannot start an item
    "arabic": re.compile(r"(?=\d)(?:^|(?<=[\n：。；]))(\d{1,2})[.．、](?!\d)"),
    "cn": re.compile(r"(?=[一二三四五六七八九十])(?:^|(?<=[\n：。；]))([一二三四五六七八九十]+)、"),
}


_SPACE = re.compile(r"\s")


def find_items(text: str, series: str | None) -> list[Item]:
    """Items numbered 1, 2, 3 … inside an article, inline or one per paragraph."""
    from .numbering import cn_to_int

    for kind in ITEM_KINDS:
        if kind == series:
            continue
        found = []
        want = 1
        for m in _ITEM_RX[kind].finditer(text):
            if cn_to_int(m.group(1)) == want:
                found.append(m)
                want += 1
        if len(found) < 2:
            continue
        items = []
        for k, m in enumerate(found):
            stop = found[k + 1].start() if k + 1 < len(found) else len(text)
            if k + 1 == len(found):
                nl = text.find("\n", m.end())
                stop = nl if nl >= 0 else stop
            items.append(Item(label=_SPACE.sub("", m.group(0)), text=text[m.end():stop].strip()))
        return items
    return []
