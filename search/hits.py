"""Search hits and rendering their highlights.

A hit carries character spans into its article text rather than marked-up text, so the CLI,
JSON consumers and a web UI each mark them their own way (【】 in a terminal, <mark> in HTML).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

CONTRACT_FIELDS = ("rank", "score", "doc_number", "title", "district", "article", "label", "text", "uri")


@dataclass
class Hit:
    rank: int
    score: float  # hybrid: fused score (0..1); lexical: BM25 relative to the best, + sentence bonus; semantic: cosine
    doc_number: str | None
    title: str
    district: str | None
    article: int  # ordinal of the article in its document
    label: str  # as printed: 第十二条, 十二、
    text: str
    uri: str  # the article's IRI in the graph
    highlights: list[list[int]] = field(default_factory=list)  # [start, end) spans into text
    # not part of the output contract, useful to callers and tests
    doc_key: str = ""
    chapter: str | None = None
    terms: list[str] = field(default_factory=list)  # the query terms matched in the text
    lexical_rank: int | None = None
    semantic_rank: int | None = None

    def to_dict(self) -> dict:
        d = {f: getattr(self, f) for f in CONTRACT_FIELDS}
        d["score"] = round(float(self.score), 6)
        d["highlights"] = [list(s) for s in self.highlights]
        return d

    def render(self, style: str = "brackets") -> str:
        return render(self.text, self.highlights, style)


def render(text: str, spans, style: str = "brackets") -> str:
    """Text with spans marked: style "brackets" → 【…】, "html" → <mark>…</mark> (text escaped),
    "ansi" → bold yellow for terminals."""
    if style not in ("brackets", "html", "ansi"):
        raise ValueError(f"unknown highlight style {style!r}")
    opening, closing = {"brackets": ("【", "】"), "html": ("<mark>", "</mark>"),
                        "ansi": ("\x1b[1;33m", "\x1b[0m")}[style]
    esc = html.escape if style == "html" else (lambda s: s)
    out, pos = [], 0
    for s, e in sorted((int(s), int(e)) for s, e in spans):
        if s < pos or e <= s:
            continue
        out.append(esc(text[pos:s]))
        out.append(opening + esc(text[s:e]) + closing)
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)
