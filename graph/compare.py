"""Comparison tables across documents: one row per matter, one column per document.

``compare(documents, alignments)`` turns an ``AlignmentSet`` (``graph.align``) into rows:
every article of the first document (the *reference*, in its order) with the articles of the
other documents aligned to it, then the matters the reference lacks (aligned among the other
documents, or specific to one), each placed after the row of its nearest preceding article.
Each cell holds the article reference, its text and the facts ingest extracted from it
(deadlines, frequencies, bearers, approvals). Against the row's reference article (the first
column that has one) a parallel text is shown as a character redline (difflib: what it adds,
what it lacks), and a long article that covers several matters gets the passage that
corresponds marked instead.

``write_comparison(comparison, fmt, out_path)`` exports CSV (plain texts), XLSX (one sheet
per comparison; wrapped text, frozen header row and topic columns, column widths, landscape
A4 fitted to the page width, header row repeated on every printed page; additions and
corresponding passages coloured in the cell's own text), Markdown (**added**, ~~lacking~~,
==passage==) or HTML (``<ins>``, ``<del>``, ``<mark>``).
"""
from __future__ import annotations

import csv
import html
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from ingest.model import Article, Document

from .align import Alignment, AlignmentSet, ArticleRef, chapter_core, topic_of, words

FORMATS = ("csv", "xlsx", "md", "html")
REDLINE_MIN = 0.3  # character similarity from which a cell is shown as a redline of the reference
LEGEND_MD = ("差异以每行的基准条文（第一个有条文的列）为准：**加粗** 为该文件多出的文字，~~删除线~~ 为基准有而该文件无的文字；"
             "与基准差别较大的长条文不逐字比较，==标记== 其中与基准对应的段落。")
LEGEND_HTML = ("差异以每行的基准条文（第一个有条文的列）为准：<ins>绿色</ins> 为该文件多出的文字，<del>红色删除线</del> "
               "为基准有而该文件无的文字；与基准差别较大的长条文不逐字比较，<mark>黄色</mark> 标出其中与基准对应的段落。")
GRADE_ZH = {"strong": "强", "partial": "部分", "reference": "基准", "specific": "仅此文件"}
KIND_ZH = {"deadline": "期限", "advance_notice": "提前", "frequency": "频次", "minimum": "不少于"}
ACT_ORDER = ("签发", "审批", "审定", "批准", "审核")


# ---------------------------------------------------------------- data


@dataclass
class Entry:
    """One article in a cell."""

    ref: ArticleRef
    text: str
    facts: list[str]
    grade: str = "reference"  # strong | partial (against the reference cell) | reference | specific
    score: float | None = None
    diff: list[tuple[str, str]] = field(default_factory=list)  # (op, text): equal | insert | delete

    @property
    def heading(self) -> str:
        """The reference line: label as printed, position, chapter ('三十九、（第39条）· 第九章 会议制度')."""
        label = self.ref.label if self.ref.label.startswith("第") else f"{self.ref.label}（第{self.ref.ordinal}条）"
        ch = f" · {self.ref.chapter}" if self.ref.chapter else ""
        return f"{label}{ch}"


@dataclass
class Row:
    topic: str
    cells: dict[str, list[Entry]]  # document key → entries (empty: no counterpart)
    kind: str = "aligned"  # aligned | specific (one document only)

    def refs(self) -> list[ArticleRef]:
        return [e.ref for es in self.cells.values() for e in es]


@dataclass
class DocColumn:
    key: str
    title: str
    doc_number: str | None
    district: str | None
    date: str | None

    @property
    def header(self) -> str:
        parts = [self.district or "", self.title]
        if self.doc_number:
            parts.append(self.doc_number)
        return "\n".join(p for p in parts if p)


@dataclass
class Comparison:
    title: str
    columns: list[DocColumn]
    rows: list[Row]
    topic: str | None = None
    method: str = ""

    @property
    def reference(self) -> str:
        return self.columns[0].key

    def header(self) -> list[str]:
        return ["事项", "对应"] + [c.header for c in self.columns]

    def to_dict(self) -> dict:
        return {"title": self.title, "topic": self.topic, "method": self.method,
                "columns": [c.__dict__ for c in self.columns],
                "rows": [{"topic": r.topic, "kind": r.kind,
                          "cells": {k: [{**e.ref.to_dict(), "text": e.text, "facts": e.facts, "grade": e.grade,
                                         "score": e.score} for e in es] for k, es in r.cells.items()}}
                         for r in self.rows]}


# ---------------------------------------------------------------- facts


_UNITS = ("年", "个月", "周", "天", "小时", "分钟", "秒")
_PERIOD_ONE = {"P1Y": "年", "P6M": "半年", "P3M": "季度", "P1M": "月", "P2W": "两周", "P1W": "周", "P1D": "天"}


def _duration(iso: str | None, working_days: bool = False) -> str:
    """'P5D' → '5天' ('5个工作日' for working days), 'PT24H' → '24小时'."""
    if not iso:
        return ""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", iso)
    if not m:
        return iso
    units = list(_UNITS)
    if working_days:
        units[3] = "个工作日"
    return "".join(f"{v}{u}" for v, u in zip(m.groups(), units) if v) or iso


def _period(iso: str | None) -> str:
    return _PERIOD_ONE.get(iso or "", _duration(iso) or "期")


def facts_of(article: Article) -> list[str]:
    """The extracted facts of an article as short lines: time constraints (with their
    normalised value), bearers, kinds of norm, approvals."""
    out: list[str] = []
    for tc in article.times:
        kind = KIND_ZH.get(tc.kind, tc.kind)
        if tc.kind == "frequency" or (tc.count is not None and tc.period_iso):
            n = (f"{tc.count}" + (f"至{tc.count_max}" if tc.count_max else "")) if tc.count is not None else "1"
            norm = f"每{_period(tc.period_iso)}{n}次"
        else:
            norm = _duration(tc.iso, tc.working_days)
        hedge = f"，{tc.hedge}" if tc.hedge else ""
        out.append(f"{kind}：{tc.surface}" + (f"（{norm}{hedge}）" if norm and norm not in tc.surface else ""))
    bearers = list(dict.fromkeys(c.bearer for c in article.clauses if c.bearer))
    if bearers:
        out.append("义务主体：" + "、".join(bearers))
    mods = [c.modality for c in article.clauses]
    if mods:
        zh = {"obligation": "义务", "prohibition": "禁止", "permission": "许可"}
        out.append("规范：" + "、".join(f"{zh[m]}{mods.count(m)}" for m in zh if m in mods))
    for ap in article.approvals:
        out.append(f"{ap.act}：{ap.approver}" + (f"（{ap.object}）" if ap.object else ""))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- diff


def char_diff(reference: str, text: str, min_equal: int = 2, deletions: bool = True) -> list[tuple[str, str]]:
    """Character diff of ``text`` against ``reference``: runs of ("equal" | "insert" |
    "delete", chars). Equal runs shorter than ``min_equal`` between changes are folded into
    the changes, so rewordings read as one replacement rather than confetti. Without
    ``deletions`` only the text's own characters are returned (what it adds is "insert")."""
    sm = SequenceMatcher(None, reference, text, autojunk=False)
    ops: list[list] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            ops.append(["equal", reference[i1:i2], text[j1:j2]])
        else:
            ops.append(["change", reference[i1:i2], text[j1:j2]])
    # fold short equal runs that sit between two changes
    merged: list[list] = []
    for k, op in enumerate(ops):
        inner = 0 < k < len(ops) - 1
        if op[0] == "equal" and inner and len(op[1]) < min_equal and merged and merged[-1][0] == "change":
            merged[-1][1] += op[1]
            merged[-1][2] += op[2]
            continue
        if op[0] == "change" and merged and merged[-1][0] == "change":
            merged[-1][1] += op[1]
            merged[-1][2] += op[2]
            continue
        merged.append(op)
    out: list[tuple[str, str]] = []
    for tag, a, b in merged:
        if tag == "equal":
            out.append(("equal", b))
        else:
            if a and deletions:
                out.append(("delete", a))
            if b:
                out.append(("insert", b))
    return out


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def passage_marks(reference: str, text: str, min_ratio: float = 0.3) -> list[tuple[str, str]]:
    """``text`` as runs of ("equal" | "mark", chars), "mark" on its sentences that correspond
    to ``reference`` (character similarity ≥ ``min_ratio``, at least the closest one): for a
    long article that covers several matters, the passage a reader should look at."""
    parts = [p for p in re.split(r"(?<=[。；;\n])", text) if p]
    if not parts:
        return [("equal", text)]
    ratios = [SequenceMatcher(None, reference, p, autojunk=False).ratio() * (1.0 if len(p.strip()) > 4 else 0.0)
              for p in parts]
    best = max(range(len(parts)), key=lambda k: ratios[k])
    out: list[tuple[str, str]] = []
    for k, p in enumerate(parts):
        tag = "mark" if k == best or ratios[k] >= min_ratio else "equal"
        if out and out[-1][0] == tag:
            out[-1] = (tag, out[-1][1] + p)
        else:
            out.append((tag, p))
    return out


# ---------------------------------------------------------------- building rows


def _entry(doc: Document, art: Article, grade: str, score: float | None = None) -> Entry:
    return Entry(ArticleRef.of(doc, art), art.text, facts_of(art), grade, score)


def matters(documents: Sequence[Document], alignments: Iterable[Alignment]) -> list[Row]:
    """Rows of matters across the documents (see the module docstring); cells without diff."""
    docs = [d for d in documents if d.articles]
    if not docs:
        return []
    by_key = {d.key: d for d in docs}
    arts = {d.key: {a.ordinal: a for a in d.articles} for d in docs}
    links: dict[tuple[str, int], dict[str, list[tuple[int, Alignment]]]] = {}
    for al in alignments:
        if al.a.doc_key not in by_key or al.b.doc_key not in by_key:
            continue
        for x, y in ((al.a, al.b), (al.b, al.a)):
            links.setdefault((x.doc_key, x.ordinal), {}).setdefault(y.doc_key, []).append((y.ordinal, al))
    ref = docs[0]
    covered: set[tuple[str, int]] = set()
    rows: list[tuple[tuple, Row]] = []  # (sort key, row); sort key = (reference ordinal, sub-order)

    def cell_entries(doc_key: str, found: list[tuple[int, Alignment]]) -> list[Entry]:
        best: dict[int, Alignment] = {}
        for o, al in found:
            if o not in best or al.score > best[o].score:
                best[o] = al
        return [_entry(by_key[doc_key], arts[doc_key][o], best[o].grade, best[o].score)
                for o in sorted(best, key=lambda o: (-best[o].score, o))]

    for a in ref.articles:
        cells = {d.key: [] for d in docs}
        cells[ref.key] = [_entry(ref, a, "reference")]
        for other, found in links.get((ref.key, a.ordinal), {}).items():
            cells[other] = cell_entries(other, found)
        covered.update((k, e.ref.ordinal) for k, es in cells.items() for e in es)
        kind = "aligned" if any(cells[d.key] for d in docs[1:]) else "specific"
        if kind == "specific":
            cells[ref.key][0].grade = "specific"
        rows.append(((a.ordinal, 0, 0), Row("", cells, kind)))

    # matters the reference lacks: rows led by the next document that has them
    for x, lead in enumerate(docs[1:], 1):
        for a in lead.articles:
            if (lead.key, a.ordinal) in covered:
                continue
            cells = {d.key: [] for d in docs}
            cells[lead.key] = [_entry(lead, a, "reference")]
            for other, found in links.get((lead.key, a.ordinal), {}).items():
                if other == ref.key:
                    continue
                kept = [(o, al) for o, al in found if (other, o) not in covered or docs.index(by_key[other]) > x]
                if kept:
                    cells[other] = cell_entries(other, kept)
            covered.update((k, e.ref.ordinal) for k, es in cells.items() for e in es)
            kind = "aligned" if sum(1 for es in cells.values() if es) > 1 else "specific"
            if kind == "specific":
                cells[lead.key][0].grade = "specific"
            # place it after the reference row of the nearest preceding article of this document
            anchor = 0
            for b in lead.articles:
                if b.ordinal >= a.ordinal:
                    break
                for o, _ in links.get((lead.key, b.ordinal), {}).get(ref.key, []):
                    anchor = max(anchor, o)
            rows.append(((anchor, x, a.ordinal), Row("", cells, kind)))
    rows.sort(key=lambda r: r[0])
    out = [r for _, r in rows]
    idf = _idf(docs)
    for r in out:
        entries = [e for es in r.cells.values() for e in es]
        r.topic = topic_of([_words(e.text) for e in entries], idf, [chapter_core(e.ref.chapter) for e in entries])
        if r.kind == "specific" and entries:
            r.topic = topic_of([_words(entries[0].text)], idf, [chapter_core(entries[0].ref.chapter)], k=2)
    return out


@lru_cache(maxsize=16384)
def _words(text: str) -> Counter:
    return Counter(words(text))


def _idf(docs: Sequence[Document]) -> dict[str, float]:
    df: Counter = Counter()
    n = 0
    for d in docs:
        for a in d.articles:
            df.update(_words(a.text).keys())
            n += 1
    return {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}


def _matches_topic(row: Row, topic: str) -> bool:
    return topic in row.topic or any(topic in (e.ref.chapter or "") for es in row.cells.values() for e in es)


def compare(documents: Sequence[Document], alignments: AlignmentSet | Iterable[Alignment], topic: str | None = None,
            include_specific: bool = True, title: str | None = None) -> Comparison:
    """The comparison table of ``documents`` (the first is the reference column).

    ``topic``: keep the rows whose topic label or chapter contains it, else (when none does)
    the rows where any aligned text contains it. ``include_specific``: keep the rows of
    articles without any counterpart ("仅此文件")."""
    docs = [d for d in documents if d.articles]
    als = list(alignments)
    rows = matters(docs, als)
    if not include_specific:
        rows = [r for r in rows if r.kind == "aligned"]
    if topic:
        hit = [r for r in rows if _matches_topic(r, topic)]
        if not hit:
            hit = [r for r in rows if any(topic in e.text for es in r.cells.values() for e in es)]
        rows = hit
    ref = docs[0].key if docs else ""
    for r in rows:
        base = r.cells.get(ref) or []
        others = [e for k, es in r.cells.items() if k != ref for e in es]
        if base:
            base_text = base[0].text
            for e in others:
                # a redline reads well between parallel texts; in a text that shares little
                # (a long article covering many matters) the corresponding passage is marked
                if similarity(base_text, e.text) >= REDLINE_MIN:
                    e.diff = char_diff(base_text, e.text)
                else:
                    e.diff = passage_marks(base_text, e.text)
    method = als[0].method if als else ""
    cols = [DocColumn(d.key, d.title, d.doc_number, d.district, d.date) for d in docs]
    name = title or ("条款对照：" + " / ".join(c.district or c.title for c in cols)) + (f"（{topic}）" if topic else "")
    return Comparison(name, cols, rows, topic, method)


# ---------------------------------------------------------------- text forms of a cell


def _cell_plain(es: list[Entry]) -> str:
    parts = []
    for e in es:
        head = e.heading + ("" if e.grade in ("reference", "specific") else f"〔{GRADE_ZH[e.grade]} {e.score:.2f}〕")
        block = head + "\n" + e.text
        if e.facts:
            block += "\n——\n" + "\n".join(e.facts)
        parts.append(block)
    return "\n\n".join(parts)


def _grade_summary(row: Row, ref: str) -> str:
    if row.kind == "specific":
        return GRADE_ZH["specific"]
    grades = [e.grade for k, es in row.cells.items() if k != ref for e in es]
    if not row.cells.get(ref):
        return "基准文件无对应"
    if not grades:
        return GRADE_ZH["specific"]
    return "强" if all(g == "strong" for g in grades) else ("部分" if all(g == "partial" for g in grades) else "强/部分")


def _rows_plain(c: Comparison) -> list[list[str]]:
    return [[r.topic, _grade_summary(r, c.reference)] + [_cell_plain(r.cells.get(col.key, [])) for col in c.columns]
            for r in c.rows]


# ---------------------------------------------------------------- writers


def write_comparison(comparison: Comparison | Sequence[Comparison], fmt: str, out_path: str | Path) -> Path:
    """Write one comparison (or several: one sheet / section each) as ``csv`` | ``xlsx`` |
    ``md`` | ``html``; returns the path. CSV takes a single comparison."""
    comps = [comparison] if isinstance(comparison, Comparison) else list(comparison)
    fmt = fmt.lower().lstrip(".")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        if len(comps) != 1:
            raise ValueError("CSV holds one comparison; write several to XLSX, Markdown or HTML")
        out.write_text(to_csv(comps[0]), encoding="utf-8-sig")  # BOM: Excel opens UTF-8 CSV correctly
    elif fmt == "md":
        out.write_text("\n\n".join(to_markdown(c) for c in comps), encoding="utf-8")
    elif fmt == "html":
        out.write_text(to_html(comps), encoding="utf-8")
    else:
        write_xlsx(comps, out)
    return out


def to_csv(c: Comparison) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(c.header())
    w.writerows(_rows_plain(c))
    return buf.getvalue()


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", "<br>")


def _md_runs(runs: list[tuple[str, str]]) -> str:
    out = []
    for tag, t in runs:
        t = _md_escape(t)
        if not t:
            continue
        out.append({"equal": t, "insert": f"**{t}**", "delete": f"~~{t}~~", "mark": f"=={t}=="}[tag]
                   if t.strip() else t)
    return "".join(out)


def _md_cell(es: list[Entry]) -> str:
    parts = []
    for e in es:
        head = f"**{_md_escape(e.heading)}**"
        if e.grade not in ("reference", "specific"):
            head += f" 〔{GRADE_ZH[e.grade]} {e.score:.2f}〕"
        body = _md_runs(e.diff) if e.diff and e.grade != "reference" else _md_escape(e.text)
        facts = ("<br>—<br>" + "<br>".join(_md_escape(f) for f in e.facts)) if e.facts else ""
        parts.append(f"{head}<br>{body}{facts}")
    return "<br><br>".join(parts) if parts else "—"


def to_markdown(c: Comparison) -> str:
    lines = [f"## {c.title}", ""]
    lines.append(LEGEND_MD)
    if c.method:
        lines.append(f"对应方法：{c.method}")
    lines.append("")
    head = c.header()
    lines.append("| " + " | ".join(_md_escape(h) for h in head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in c.rows:
        cells = [_md_escape(r.topic), _grade_summary(r, c.reference)] + [_md_cell(r.cells.get(col.key, [])) for col in c.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _html_runs(runs: list[tuple[str, str]]) -> str:
    tags = {"insert": "ins", "delete": "del", "mark": "mark"}
    out = []
    for tag, t in runs:
        t = html.escape(t).replace("\n", "<br>")
        out.append(f"<{tags[tag]}>{t}</{tags[tag]}>" if tag in tags else t)
    return "".join(out)


def _html_cell(es: list[Entry]) -> str:
    if not es:
        return '<td class="none">—</td>'
    return "<td>" + entries_html(es) + "</td>"


def entries_html(es: list[Entry]) -> str:
    """One cell's articles as HTML (reference line, text with its redline or marked passage,
    facts), for pages that lay out the cells themselves."""
    parts = []
    for e in es:
        grade = "" if e.grade in ("reference", "specific") else \
            f' <span class="grade {e.grade}">{GRADE_ZH[e.grade]} {e.score:.2f}</span>'
        body = _html_runs(e.diff) if e.diff else html.escape(e.text).replace("\n", "<br>")
        facts = ("<ul class=\"facts\">" + "".join(f"<li>{html.escape(f)}</li>" for f in e.facts) + "</ul>") if e.facts else ""
        parts.append(f'<div class="art"><div class="ref">{html.escape(e.heading)}{grade}</div>'
                     f'<div class="text">{body}</div>{facts}</div>')
    return "".join(parts)


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-size:13px;margin:1.5em}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #999;padding:6px;vertical-align:top;text-align:left}
thead th{background:#e8eef5;position:sticky;top:0;white-space:pre-line}
th.topic{width:9em} th.grade{width:4em}
.ref{font-weight:bold;margin-bottom:4px} .facts{margin:6px 0 0 1.2em;padding:0;color:#333;font-size:12px}
ins{background:#d4f7d4;text-decoration:none} del{background:#fbd6d6;color:#900}
mark{background:#fff3b0} .grade{font-weight:normal;font-size:11px;padding:0 4px;border-radius:3px;background:#eee}
.grade.strong{background:#cfe8ff} .none{color:#999;text-align:center}
@media print{@page{size:A4 landscape;margin:12mm} thead{display:table-header-group}}
"""


def table_html(c: Comparison, css_class: str | None = None) -> str:
    """The comparison as one HTML ``<table>`` (no page around it), for embedding in a page."""
    head = "".join(f'<th class="{cls}">{html.escape(h)}</th>'
                   for h, cls in zip(c.header(), ["topic", "grade"] + ["doc"] * len(c.columns)))
    rows = []
    for r in c.rows:
        cells = "".join(_html_cell(r.cells.get(col.key, [])) for col in c.columns)
        rows.append(f"<tr class=\"{r.kind}\"><th scope=\"row\">{html.escape(r.topic)}</th>"
                    f"<td>{html.escape(_grade_summary(r, c.reference))}</td>{cells}</tr>")
    cls = f' class="{css_class}"' if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def grade_summary(row: Row, reference: str) -> str:
    """How a row's counterparts match its reference article: 强, 部分, 强/部分, 仅此文件, …"""
    return _grade_summary(row, reference)


def time_facts(c: Comparison) -> list[dict]:
    """The rows that set deadlines or frequencies, with only those facts per document:
    [{"topic", "cells": {doc key: ["期限：…", "频次：…"]}}] — the per-district view of time limits."""
    prefixes = tuple(f"{k}：" for k in KIND_ZH.values())
    out = []
    for r in c.rows:
        cells = {col.key: [f for e in r.cells.get(col.key, []) for f in e.facts if f.startswith(prefixes)]
                 for col in c.columns}
        if any(cells.values()):
            out.append({"topic": r.topic, "cells": cells})
    return out


def to_html(comps: Sequence[Comparison]) -> str:
    body = []
    for c in comps:
        legend = f"<p>{LEGEND_HTML}</p>"
        meth = f"<p>对应方法：{html.escape(c.method)}</p>" if c.method else ""
        body.append(f"<h2>{html.escape(c.title)}</h2>{legend}{meth}{table_html(c)}")
    title = html.escape(comps[0].title if comps else "条款对照")
    return (f"<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n")


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "对照"
    base, k = name, 2
    while name in used:
        name = f"{base[:25]}_{k}"
        k += 1
    used.add(name)
    return name


def write_xlsx(comps: Sequence[Comparison], out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    f_ins = InlineFont(color="006100", u="single", b=True)
    f_del = InlineFont(color="9C0006", strike=True)
    f_mark = InlineFont(color="7F6000", b=True)
    f_head = InlineFont(b=True)
    used: set[str] = set()
    for c in comps:
        ws = wb.create_sheet(_sheet_name(c.title, used))
        header = c.header()
        ws.append(header)
        for k in range(1, len(header) + 1):
            cell = ws.cell(row=1, column=k)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = border
        for r_i, r in enumerate(c.rows, start=2):
            ws.cell(row=r_i, column=1, value=r.topic)
            ws.cell(row=r_i, column=2, value=_grade_summary(r, c.reference))
            for k, col in enumerate(c.columns, start=3):
                es = r.cells.get(col.key, [])
                ws.cell(row=r_i, column=k, value=_rich(es, CellRichText, TextBlock, f_ins, f_del, f_mark, f_head)
                        if es else "—")
            longest = max([len(_cell_plain(r.cells.get(col.key, []))) for col in c.columns] + [1])
            ws.row_dimensions[r_i].height = min(409, 15 * (2 + longest // 30))
            for k in range(1, len(header) + 1):
                cell = ws.cell(row=r_i, column=k)
                cell.alignment = wrap
                cell.border = border
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 8
        width = 55 if len(c.columns) <= 3 else 42
        for k in range(3, len(header) + 1):
            ws.column_dimensions[get_column_letter(k)].width = width
        ws.row_dimensions[1].height = 48
        ws.freeze_panes = "C2"  # header row and the topic/grade columns stay in view
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(c.rows) + 1)}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.oddHeader.center.text = c.title
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if not comps:
        wb.create_sheet("对照")
    wb.save(out)


def _rich(es: list[Entry], CellRichText, TextBlock, f_ins, f_del, f_mark, f_head):
    parts: list = []
    for n, e in enumerate(es):
        if n:
            parts.append("\n\n")
        head = e.heading + ("" if e.grade in ("reference", "specific") else f"〔{GRADE_ZH[e.grade]} {e.score:.2f}〕")
        parts.append(TextBlock(f_head, head + "\n"))
        runs = e.diff if e.diff else [("equal", e.text)]
        for tag, t in runs:
            if not t or tag == "delete":  # a cell holds the article's own text; additions coloured
                continue
            font = {"insert": f_ins, "delete": f_del, "mark": f_mark}.get(tag)
            parts.append(TextBlock(font, t) if font is not None else t)
        if e.facts:
            parts.append("\n——\n" + "\n".join(e.facts))
    return CellRichText(parts)
