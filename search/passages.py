"""Split long articles into passages for the embedder.

Why: e5-small reads at most 512 tokens, and one vector blurs an article that covers several
matters (西市 5: the 区长's duties, who presides in the 区长's absence, the AB-role rule of the
副区长). An article's semantic score is its best passage. Short articles stay whole, so the
common case costs one vector: on LawRefBook this gives ~200k passages for ~148k articles.
"""
from __future__ import annotations

import re

MAX_CHARS = 240
MIN_CHARS = 24
_SENT = re.compile(r"[^。；！？\n]*(?:[。；！？]+|\n|$)")


def sentences(text: str) -> list[str]:
    """Sentences with their end punctuation; newlines end a sentence too."""
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each non-blank sentence of ``text``."""
    return [(m.start(), m.end()) for m in _SENT.finditer(text) if m.group(0).strip()]


def split_passages(text: str, context: str = "", max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS
                   ) -> list[str]:
    """An article of up to ``max_chars`` is one passage (most laws: median ~100 characters). A
    longer one is split at its paragraphs, which usually state separate rules (a paragraph
    shorter than ``min_chars``, such as the lead-in 公文审核签发：, joins the next), and a paragraph
    longer than ``max_chars`` between sentences, packed up to ``max_chars``."""
    text = text.strip()
    if len(text) <= max_chars:
        return [f"{context}：{text}" if context else text]
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    out: list[str] = []
    carry = ""
    for i, para in enumerate(paragraphs):
        para = carry + para
        carry = ""
        if len(para) < min_chars and i < len(paragraphs) - 1:
            carry = para + "\n"
            continue
        cur = ""
        for s in sentences(para) or [para]:
            while len(s) > max_chars:
                if cur:
                    out.append(cur)
                    cur = ""
                out.append(s[:max_chars])
                s = s[max_chars:]
            if cur and len(cur) + len(s) > max_chars:
                out.append(cur)
                cur = ""
            cur += s
        if cur:
            out.append(cur)
    prefix = f"{context}：" if context else ""
    return [prefix + p for p in out] or [prefix + text]
