"""Time constraints in article text, normalised to ISO-8601 durations.

Four kinds matter to the users: deadlines (在1个工作日内, 一般不超过5个工作日), advance
notice (提前7个工作日), frequencies (每季度召开2次, 两个月安排一次) and minimums (每年累计不少于
72学时). Chinese numerals and ranges (1至2次) are read; hedges (一般, 原则上, 最迟) are kept.
"""
from __future__ import annotations

import re

from .model import TimeConstraint
from .numbering import cn_to_int

NUM = r"[0-9一二两三四五六七八九十百千〇零半]+"
UNIT = r"(?:个?工作日|个?自然日|日|天|个?小时|分钟|个?星期|周|个?月|季度|年)"
_PERIOD_WORD = {"年": "P1Y", "全年": "P1Y", "每年": "P1Y", "季度": "P3M", "季": "P3M", "月": "P1M", "半年": "P6M",
                "周": "P1W", "星期": "P1W", "天": "P1D", "日": "P1D", "两周": "P2W", "两年": "P2Y"}

_DEADLINE = re.compile(
    rf"(?:(?P<hedge>一般|原则上|最迟|最长)(?:要|应|须)?)?(?:在|于)?(?P<n>{NUM})(?P<u>{UNIT})(?:以内|之内|内)"
    rf"|(?P<hedge2>一般|原则上|最迟|最长)?(?:不超过|不得超过|最多不超过)(?P<n2>{NUM})(?P<u2>{UNIT})")
_ADVANCE = re.compile(rf"(?P<hedge>一般|原则上|至少)?(?:提前|会前|事先)(?P<n>{NUM})(?P<u>{UNIT})")
_MINIMUM = re.compile(rf"(?:累计)?(?:不少于|不低于|至少)(?:[^，。；\d一二两三四五六七八九十]{{0,4}}?)(?P<n>{NUM})(?P<u>{UNIT}|学时|篇|次|期|件|人)")
_MIN_PERIOD = re.compile(r"(每年|全年|每季度|每月|每半年)[^，。；]{0,12}$")
_FREQ = re.compile(
    rf"(?P<hedge>一般|原则上)?每(?P<pn>{NUM})?(?:个)?(?P<pu>年|季度|季|月|半年|周|星期)"
    rf"(?P<mid>[^，。；]{{0,14}}?)(?P<n>{NUM})(?:(?:至|到|-|－|~)(?P<n_max>{NUM}))?(?:次|期|篇)"
    rf"|(?P<hedge2>一般|原则上)?(?P<pn2>{NUM})个?(?P<pu2>月|周|星期|年|季度)(?P<mid2>[^，。；]{{0,6}}?)(?:一|1)次"
    rf"|(?P<hedge3>一般|原则上)?每(?P<pn3>{NUM})?(?:个)?(?P<pu3>年|季度|季|月|半年|周|星期)"
    rf"(?=[^，。；]{{0,3}}?(?:召开|举行|举办|开展|组织|报告|向|听取|制定|进行|安排|通报|汇报|检查))")


def _n(s: str | None) -> int | None:
    return None if s is None or s == "半" else cn_to_int(s)


def duration(n: int | None, unit: str, half: bool = False) -> tuple[str | None, bool]:
    """(ISO duration, working days?) for an amount and a unit."""
    unit = unit.lstrip("个")
    if half:
        return {"年": "P6M", "月": "P15D", "小时": "PT30M", "天": "PT12H", "日": "PT12H"}.get(unit), False
    if n is None:
        return None, False
    table = {"工作日": ("D", True), "自然日": ("D", False), "日": ("D", False), "天": ("D", False),
             "小时": ("H", False), "分钟": ("MIN", False), "星期": ("W", False), "周": ("W", False),
             "月": ("M", False), "季度": ("Q", False), "年": ("Y", False)}
    if unit not in table:
        return None, False
    u, wd = table[unit]
    if u == "H":
        return f"PT{n}H", wd
    if u == "MIN":
        return f"PT{n}M", wd
    if u == "Q":
        return f"P{3 * n}M", wd
    return f"P{n}{u}", wd


def _period(n: str | None, unit: str) -> str | None:
    if unit == "半年" or (n == "半" and unit == "年"):
        return "P6M"
    if n == "半" and unit == "月":
        return "P15D"
    k = _n(n) if n else 1
    if k is None:
        return None
    return duration(k, unit)[0]


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(s < b and a < e for a, b in spans)


def find_times(text: str) -> list[TimeConstraint]:
    """Every time constraint in ``text`` (offsets relative to ``text``), in order."""
    found: list[TimeConstraint] = []
    taken: list[tuple[int, int]] = []

    def add(tc: TimeConstraint) -> None:
        if not _overlaps(taken, tc.start, tc.end):
            found.append(tc)
            taken.append((tc.start, tc.end))

    # each pattern needs a word that most articles lack: a substring test skips the regex scan
    has = text.__contains__
    minimum = has("不少于") or has("不低于") or has("至少")
    freq = has("每") or has("次")
    advance = has("提前") or has("会前") or has("事先")
    deadline = has("内") or has("超过")
    for m in (_MINIMUM.finditer(text) if minimum else ()):
        n, unit = _n(m.group("n")), m.group("u")
        iso, wd = duration(n, unit)
        before = _MIN_PERIOD.search(text[max(m.start() - 16, 0):m.start()])
        start = m.start() - (len(before.group(0)) if before else 0)
        period = _PERIOD_WORD.get(before.group(1)) if before else None
        add(TimeConstraint(text[start:m.end()], "minimum", iso, wd, None if iso else n, None, period, None,
                           start, m.end()))
    for m in (_FREQ.finditer(text) if freq else ()):
        if m.group("pu"):
            count, cmax = _n(m.group("n")), _n(m.group("n_max"))
            period, hedge = _period(m.group("pn"), m.group("pu")), m.group("hedge")
        elif m.group("pu2"):
            count, cmax, period, hedge = 1, None, _period(m.group("pn2"), m.group("pu2")), m.group("hedge2")
        else:
            count, cmax, period, hedge = 1, None, _period(m.group("pn3"), m.group("pu3")), m.group("hedge3")
        add(TimeConstraint(m.group(0), "frequency", None, False, count, cmax, period, hedge, m.start(), m.end()))
    for m in (_ADVANCE.finditer(text) if advance else ()):
        half = m.group("n") == "半"
        iso, wd = duration(_n(m.group("n")), m.group("u"), half)
        add(TimeConstraint(m.group(0), "advance_notice", iso, wd, None, None, None, m.group("hedge"),
                           m.start(), m.end()))
    for m in (_DEADLINE.finditer(text) if deadline else ()):
        n, u = (m.group("n"), m.group("u")) if m.group("n") else (m.group("n2"), m.group("u2"))
        iso, wd = duration(_n(n), u, n == "半")
        if iso is None:
            continue
        hedge = m.group("hedge") or m.group("hedge2")
        add(TimeConstraint(m.group(0), "deadline", iso, wd, None, None, None, hedge, m.start(), m.end()))
    found.sort(key=lambda t: t.start)
    return found
