"""One document per regulation: merge files that hold the same text, link versions of a work.

The same regulation often arrives twice (a PDF extraction and a web page). We keep the
cleaner text, list both files as sources and report, article by article, where the two
texts disagree, so nothing is dropped silently.
"""
from __future__ import annotations

import difflib
import re

from .model import Document

_NOISE = re.compile(r"[\s，。、；：,.;:（）()“”\"'《》〔〕\[\]]")


def _norm(text: str) -> str:
    return _NOISE.sub("", text)


def _same(a: Document, b: Document) -> bool:
    if a.doc_number and b.doc_number:
        return a.doc_number == b.doc_number
    if _norm(a.title) != _norm(b.title):
        return False
    if a.date and b.date and a.date != b.date:
        return False  # versions of one work, not copies
    if not (a.doc_number or b.doc_number):
        return True
    # one side lacks a doc number: require the same articles
    return len(a.articles) == len(b.articles) and _similar(a, b) >= 0.9


def _similar(a: Document, b: Document) -> float:
    ta = _norm("".join(x.text for x in a.articles))
    tb = _norm("".join(x.text for x in b.articles))
    if not ta or not tb:
        return 0.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).quick_ratio()


def _cleanliness(d: Document) -> float:
    chars = sum(len(a.text) for a in d.articles) or 1
    return d.repairs / chars


def differences(keep: Document, other: Document, limit: int = 20) -> list[str]:
    """Where two copies of one document disagree, one line per article (first ``limit``)."""
    out = []
    if len(keep.articles) != len(other.articles):
        out.append(f"{len(keep.articles)} articles in {keep.sources[0]} but "
                   f"{len(other.articles)} in {other.sources[0]}")
    for a, b in zip(keep.articles, other.articles):
        x, y = _norm(a.text), _norm(b.text)
        if x == y:
            continue
        sm = difflib.SequenceMatcher(None, x, y, autojunk=False)
        ops = [op for op in sm.get_opcodes() if op[0] != "equal"]
        tag, i1, i2, j1, j2 = ops[0]
        out.append(f"article {a.label}: {len(ops)} difference(s), first: "
                   f"'{x[max(i1 - 8, 0):i2 + 8]}' vs '{y[max(j1 - 8, 0):j2 + 8]}'")
        if len(out) >= limit:
            out.append("…")
            break
    return out


def merge(docs: list[Document]) -> list[Document]:
    """Merge copies of one document and link dated versions of one work."""
    merged: list[Document] = []
    by_title: dict[str, list[int]] = {}  # indexes into ``merged``, to avoid comparing all pairs
    by_number: dict[str, int] = {}
    for d in docs:
        slots = list(by_title.get(_norm(d.title), []))
        if d.doc_number in by_number:
            slots.append(by_number[d.doc_number])
        k = next((i for i in slots if _same(merged[i], d)), None)
        if k is None:
            by_title.setdefault(_norm(d.title), []).append(len(merged))
            if d.doc_number:
                by_number.setdefault(d.doc_number, len(merged))
            merged.append(d)
            continue
        twin = merged[k]
        keep, other = (twin, d) if _cleanliness(twin) <= _cleanliness(d) else (d, twin)
        diffs = differences(keep, other)
        for field in ("doc_number", "issuer", "district", "date", "doc_type"):
            if getattr(keep, field) is None:
                setattr(keep, field, getattr(other, field))
        keep.repeals = list(dict.fromkeys(keep.repeals + other.repeals))
        keep.sources = keep.sources + [s for s in other.sources if s not in keep.sources]
        keep.warnings += other.warnings
        keep.warnings.append(f"same document in {len(keep.sources)} files; text taken from "
                             f"{keep.sources[0]} (fewer repairs)"
                             + (f"; {len(diffs)} difference(s) with {other.sources[0]}" if diffs else ""))
        keep.warnings += [f"differs from {other.sources[0]}: {x}" for x in diffs]
        merged[k] = keep
    works: dict[str, list[Document]] = {}
    for d in merged:
        works.setdefault(d.work, []).append(d)
    for group in works.values():
        if len(group) > 1:
            for d in group:
                d.versions = sorted(o.key for o in group if o is not d)
    return merged
