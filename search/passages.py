"""Split long articles into passages for the embedder.

Why: e5-small reads at most 512 tokens and a single vector blurs an article that covers
several matters (a 公文审批 article with eight numbered items). Passages are whole sentences
packed up to ``max_chars``; an article's semantic score is its best passage. Each passage starts
with the chapter title (会议制度：…), which tells the model what the sentences are about.
"""
from __future__ import annotations

import re

MAX_CHARS = 240
_SENT = re.compile(r"[^。；！？\n]*(?:[。；！？]+|\n|$)")


def sentences(text: str) -> list[str]:
    """Sentences with their end punctuation; newlines end a sentence too."""
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each non-blank sentence of ``text``."""
    return [(m.start(), m.end()) for m in _SENT.finditer(text) if m.group(0).strip()]


def chapter_title(chapter: str | None) -> str:
    """'第九章 会议制度' → '会议制度'; '（一）提高…能力' → '提高…能力'."""
    if not chapter:
        return ""
    t = re.sub(r"^(第[一二三四五六七八九十百零〇\d]+[编章节]|[（(]?[一二三四五六七八九十百\d]+[)）、.．])\s*", "",
               chapter.strip())
    return t.strip()


def split_passages(text: str, context: str = "", max_chars: int = MAX_CHARS) -> list[str]:
    """Whole paragraphs packed greedily up to ``max_chars``; a longer paragraph is cut between
    sentences (a sentence longer still, at ``max_chars``). A passage boundary thus falls between
    paragraphs, which usually state separate rules, whenever one is needed at all; short
    articles (most laws: median ~100 characters) stay one passage, one vector."""
    units: list[tuple[str, bool]] = []  # (text, starts a paragraph)
    for para in (p.strip() for p in text.split("\n")):
        if not para:
            continue
        if len(para) <= max_chars:
            units.append((para, True))
            continue
        first = True
        for s in sentences(para) or [para]:
            while len(s) > max_chars:
                units.append((s[:max_chars], first))
                s, first = s[max_chars:], False
            if s:
                units.append((s, first))
                first = False
    out: list[str] = []
    cur = ""
    for unit, new_para in units:
        if cur and len(cur) + len(unit) > max_chars:
            out.append(cur)
            cur = ""
        cur += ("\n" if cur and new_para else "") + unit
    if cur or not out:
        out.append(cur)
    prefix = f"{context}：" if context else ""
    return [prefix + p for p in out]
