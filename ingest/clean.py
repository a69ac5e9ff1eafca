"""Turn a decoded text layer into clean paragraphs, remembering where each character came from.

PDF extraction breaks lines mid-sentence, inserts page marks (``- 2 -``) and running headers,
and spaces digits apart (``〔2018〕4 号``); web text mixes half- and full-width punctuation.
We repair all of that line by line, but every clean character keeps its offset in the
source text, so an article can always be shown where it was read.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from .numbering import marker_at

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’…—"
_TIGHT = rf"[{CJK}{CJK_PUNCT}0-9]"
_TIGHT_RX = re.compile(_TIGHT)
# whitespace between two CJK/digit characters (not digit–digit) is a layout artifact
_SPACE_RUN = re.compile(r"[ \t\u3000\u00a0\u2002-\u200b]+")
_WIDE_ALNUM = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
                            | {chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)}
                            | {chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})
_WIDE_ALNUM_RX = re.compile("[" + "".join(map(chr, _WIDE_ALNUM)) + "]")
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
_HALF_PUNCT = re.compile(r"[,:;()?!]")
_CJK_CHAR = re.compile(rf"[{CJK}{CJK_PUNCT}]")

PAGE_MARK = re.compile(
    r"^(?:[-—–－~]+\s*\d{1,4}\s*[-—–－~]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|[-—–－]?\s*\d{1,3}\s*[-—–－]?)$"
)
TERMINAL = set("。！？；：…!?;")
CLOSERS = set("”’」』）)】》")
OPEN_END = set("，、（《“‘〔【(,—")  # a line ending so is always continued
CONT_START = set("，。、；：）》”’〕】,.;:)!?！？…")  # a line starting so continues the last
NOTICE_OPENERS = ("关于印发", "关于转发", "关于")


@dataclass
class Para:
    """A clean paragraph and its map back to source offsets (runs of copied text)."""

    text: str
    starts: list[int]  # clean offset where each run starts
    raws: list[int]  # source offset of each run's first character
    md_level: int = 0  # markdown heading level (# = 1), 0 for body text

    def raw(self, i: int) -> int:
        k = bisect.bisect_right(self.starts, i) - 1
        return self.raws[k] + (i - self.starts[k])

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Source [start, end) covering clean text [start, end)."""
        if end <= start:
            p = self.raw(min(start, len(self.text) - 1)) if self.text else 0
            return p, p
        return self.raw(start), self.raw(end - 1) + 1

    def slice(self, start: int, end: int | None = None) -> "Para":
        end = len(self.text) if end is None else end
        k0 = max(bisect.bisect_right(self.starts, start) - 1, 0)
        starts, raws = [], []
        for k in range(k0, len(self.starts)):
            s = self.starts[k]
            if s >= end:
                break
            off = max(start - s, 0)
            starts.append(max(s, start) - start)
            raws.append(self.raws[k] + off)
        return Para(self.text[start:end], starts or [0], raws or [self.raw_span(start, start)[0]])


@dataclass
class Cleaned:
    """The paragraphs of one source and how much repair the text needed."""

    paras: list[Para]
    repairs: int = 0
    notes: list[str] = field(default_factory=list)


def _width(s: str) -> float:
    """Display width in CJK cells: a Chinese character 1, an ASCII character 0.5 (via UTF-8 length)."""
    n = len(s)
    wide = (len(s.encode("utf-8")) - n) / 2  # 3-byte characters add 2 bytes each
    return wide + 0.5 * (n - wide)


def _unify_punct(line: str) -> str:
    """Half-width punctuation next to Chinese becomes full-width (same length: offsets hold)."""
    if _WIDE_ALNUM_RX.search(line):  # rare; translate with a dict is slow even when nothing changes
        line = line.translate(_WIDE_ALNUM)
    if not _HALF_PUNCT.search(line):
        return line

    def near_cjk(m: re.Match) -> str:
        i, j = m.start() - 1, m.end()
        while i >= 0 and line[i] == " ":
            i -= 1
        while j < len(line) and line[j] == " ":
            j += 1
        left = line[i] if i >= 0 else ""
        right = line[j] if j < len(line) else ""
        if (left and _CJK_CHAR.match(left)) or (right and _CJK_CHAR.match(right)):
            return _HALF_TO_FULL[m.group()]
        return m.group()

    return _HALF_PUNCT.sub(near_cjk, line)


def _tight(line: str, at: int) -> tuple[list[str], list[int], int]:
    """Split a line into pieces with the layout spaces between CJK/digits removed."""
    if not _SPACE_RUN.search(line):  # most lines
        return [line], [at], 0
    pieces, raws, pos, removed = [], [], 0, 0
    for m in _SPACE_RUN.finditer(line):
        s, e = m.span()
        if s == 0 or e == len(line):
            continue
        left, right = line[s - 1], line[e]
        if not (_TIGHT_RX.match(left) and _TIGHT_RX.match(right)):
            continue
        if left.isdigit() and right.isdigit():
            continue
        pieces.append(line[pos:s])
        raws.append(at + pos)
        pos = e
        removed += 1
    pieces.append(line[pos:])
    raws.append(at + pos)
    return pieces, raws, removed


@dataclass
class _Line:
    text: str
    pieces: list[str]
    raws: list[int]
    md_level: int


def _lines(source: str) -> tuple[list[_Line], int, int]:
    """Stripped, normalised non-empty lines; page marks and HTML comments dropped."""
    out: list[_Line] = []
    dropped = removed = 0
    pos = 0
    for raw_line in source.splitlines(keepends=True):
        start = pos
        pos += len(raw_line)
        body = raw_line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        stripped = body.strip(" \t\u3000\u00a0\ufeff")
        if not stripped:
            continue
        lead = body.index(stripped[0])
        if PAGE_MARK.match(stripped):
            dropped += 1
            continue
        if stripped.startswith("<!--") and stripped.endswith("-->"):
            continue
        md_level = 0
        if stripped.startswith("#"):
            hashes = len(stripped) - len(stripped.lstrip("#"))
            if hashes <= 6 and stripped[hashes:hashes + 1] in (" ", ""):
                md_level = hashes
                rest = stripped[hashes:].lstrip()
                lead += len(stripped) - len(rest)
                stripped = rest
                if not stripped:
                    continue
        text = _unify_punct(stripped)
        pieces, raws, n = _tight(text, start + lead)
        removed += n
        out.append(_Line("".join(pieces), pieces, raws, md_level))
    return out, dropped, removed


def _running_headers(lines: list[_Line]) -> set[str]:
    """Short unpunctuated lines repeated on many pages are running headers, not text."""
    counts = Counter(ln.text for ln in lines if len(ln.text) <= 30 and not ln.md_level)
    return {t for t, c in counts.items()
            if c >= 3 and t[-1] not in TERMINAL and not marker_at(t)}


def _ends_terminal(t: str) -> bool:
    t = t.rstrip("".join(CLOSERS))
    return bool(t) and t[-1] in TERMINAL


def _should_join(prev: str, nxt: str, full: float, wrapped: bool) -> bool:
    """Is line ``nxt`` the continuation of the sentence that line ``prev`` broke off?

    ``full`` is the document's full line width; ``wrapped`` says its lines were
    hard-wrapped at that width (PDF), so even a full line ending in 。 runs on.
    """
    if nxt[0] in CONT_START and not marker_at(nxt):
        return True
    if prev[-1] in OPEN_END or prev.endswith(NOTICE_OPENERS):
        return True
    if marker_at(nxt):
        return False
    w = _width(prev)
    if _ends_terminal(prev):
        return wrapped and w >= full - 1
    return w >= 40 or w >= 0.8 * full


def _layout(lines: list[_Line]) -> tuple[float, bool]:
    """Full line width (90th percentile) and whether lines were hard-wrapped at it."""
    widths = sorted(_width(ln.text) for ln in lines if _width(ln.text) >= 10)
    if not widths:
        return 0.0, False
    full = widths[int(len(widths) * 0.9)]
    near = sum(1 for w in widths if abs(w - full) <= 2)
    return full, full <= 60 and near >= 0.3 * len(widths)


def clean(source: str) -> Cleaned:
    """Clean paragraphs of a decoded text layer (see module docstring)."""
    lines, dropped, removed = _lines(source)
    headers = _running_headers(lines)
    if headers:
        lines = [ln for ln in lines if ln.text not in headers]
    full, wrapped = _layout(lines)
    paras: list[Para] = []
    joins = 0
    cur: _Line | None = None
    last = ""  # the last physical line of ``cur``: its width decides the join
    for ln in lines:
        if (cur is not None and not cur.md_level and not ln.md_level
                and _should_join(last, ln.text, full, wrapped)):
            cur.pieces += ln.pieces  # in place: joining stays linear in the line count
            cur.raws += ln.raws
            joins += 1
            last = ln.text
            continue
        if cur is not None:
            paras.append(_to_para(cur))
        cur, last = _Line(ln.text, list(ln.pieces), list(ln.raws), ln.md_level), ln.text
    if cur is not None:
        paras.append(_to_para(cur))
    notes = []
    if dropped:
        notes.append(f"dropped {dropped} page marks")
    if headers:
        notes.append(f"dropped running headers: {', '.join(sorted(headers))}")
    return Cleaned(paras, repairs=joins + dropped + removed + len(headers), notes=notes)


def _to_para(ln: _Line) -> Para:
    starts, pos = [], 0
    for p in ln.pieces:
        starts.append(pos)
        pos += len(p)
    return Para("".join(ln.pieces), starts, list(ln.raws), ln.md_level)
