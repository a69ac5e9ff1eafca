"""Chinese numerals and the numbering markers that open articles, items and headings.

Pure functions shared by cleaning (which must not join a line that opens a new
numbered unit), structure (which picks the series of articles) and, later, the
extraction of counts and durations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUM = "零〇○一二两三四五六七八九十百千"


@lru_cache(maxsize=4096)
def cn_to_int(s: str) -> int | None:
    """'一百零一' → 101, '二〇一一' → 2011 (digit by digit), '12' → 12; None if not a numeral."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s.translate(_FULLWIDTH_DIGITS))
    if any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in s):
        return None
    if not any(ch in CN_UNITS for ch in s):  # 二〇一一: positional digits
        n = 0
        for ch in s:
            n = n * 10 + CN_DIGITS[ch]
        return n
    total, section, digit = 0, 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            unit = CN_UNITS[ch]
            if unit == 10000:
                total += (section + digit) * unit
                section = 0
            else:
                section += (digit or 1) * unit
            digit = 0
    return total + section + digit


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Marker:
    """A numbering marker found at the start of a paragraph."""

    kind: str  # pian | zhang | jie | tiao | cn | paren_cn | arabic | paren_arabic
    number: int
    label: str  # as printed, e.g. '第十二条', '十二、', '（三）', '12.'
    end: int  # where the text after the marker starts
    sub: int = 0  # 之一 → 1 (articles inserted by an amendment)


_N = rf"[{CN_NUM}\d０-９]+"
_MARKERS = [
    ("pian", re.compile(rf"第\s*({_N})\s*编")),
    ("zhang", re.compile(rf"第\s*({_N})\s*章")),
    ("jie", re.compile(rf"第\s*({_N})\s*节")),
    ("tiao", re.compile(rf"第\s*({_N})\s*条(?:\s*之\s*([{CN_NUM}]+))?")),
    ("cn", re.compile(rf"([{CN_NUM}]+)\s*[、．]")),
    ("paren_cn", re.compile(rf"[（(]\s*([{CN_NUM}]+)\s*[）)]")),
    ("arabic", re.compile(r"([0-9０-９]{1,3})\s*(?:[、．]|\.(?![0-9０-９]))")),
    ("paren_arabic", re.compile(r"[（(]\s*([0-9０-９]{1,3})\s*[）)]")),
]

HEADING_KINDS = ("pian", "zhang", "jie")


# the kinds of marker that can open with each character, in the order of _MARKERS: most
# paragraphs are rejected without trying a regex, the others try only those kinds
_KINDS_BY_FIRST = {"第": ("pian", "zhang", "jie", "tiao"), "（": ("paren_cn", "paren_arabic"),
                   "(": ("paren_cn", "paren_arabic")}
_KINDS_BY_FIRST |= {c: ("cn",) for c in CN_NUM} | {c: ("arabic",) for c in "0123456789０１２３４５６７８９"}
_MARKERS_BY_FIRST = {c: [(kind, rx) for kind, rx in _MARKERS if kind in kinds]
                     for c, kinds in _KINDS_BY_FIRST.items()}
_SPACES = re.compile(r"\s+")


def marker_at(text: str) -> Marker | None:
    """The numbering marker that opens ``text``, if any."""
    if not text:
        return None
    for kind, rx in _MARKERS_BY_FIRST.get(text[0], ()):
        m = rx.match(text)
        if not m:
            continue
        n = cn_to_int(m.group(1))
        if n is None or n == 0:
            continue
        sub = 0
        if kind == "tiao" and m.group(2):
            sub = cn_to_int(m.group(2)) or 0
        label = _SPACES.sub("", m.group(0))
        end = m.end()
        while end < len(text) and text[end] in " \u3000\t":
            end += 1
        return Marker(kind, n, label, end, sub)
    return None
