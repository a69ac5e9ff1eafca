"""Deontic clauses: who must (应当, 必须, 要, 负责), must not (不得, 严禁) or may (可以) do what, and when.

An article's sentences are split at 。；; a sentence is split again at a comma where a new
modal word starts a second duty. The bearer is the role named before the modal word (or
after 由); a clause without a subject takes the bearer of the clause before it.
"""
from __future__ import annotations

import re

from .model import Clause, TimeConstraint
from .roles import find_roles

# (modality, regex); the leftmost match in a clause decides, longer words first at one position
_MODALS = [
    ("prohibition", r"不得|严禁|禁止|一律不|不准|不许|不宜|不应|不能|不要"
                    r"|(?:(?<=一般)|(?<=原则上)|^)不(?!超过|少于|低于|受|断|仅)(?=[\u4e00-\u9fff]{2})"),
    ("obligation", r"应当|必须|务必|(?<![适相对反供响])应(?![对急用变诉征聘])|(?<![必无])须(?!知)"
                   r"|(?<![重主必需摘纲提简首概只])要(?![求点件素闻害职务员])|负责(?![人同制])"),
    ("permission", r"可以|可根据|有权|(?<![不许认宁])可(?![能行靠见视持])"),
]
MODAL_RX = re.compile("|".join(f"(?P<{k}>{rx})" for k, rx in _MODALS))
HEDGE_RX = re.compile(r"一般|原则上|通常|尽量|尽可能")
CONDITION_RX = re.compile(r"(?:涉及|如遇|遇有|如有|如需|如果|凡|对于?)[^，；。]{1,40}?(?:的|时)(?=，|$)|[^，；。]{1,40}?(?:的)(?=，)")
EXCEPTION_RX = re.compile(r"除[^，；。]{1,50}?(?:外|以外)")
_OBJECT_MARK = set("向经对给报请与和同及跟受")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"[。；;\n]", text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _subclauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split a sentence at the comma before a second modal word (a condition 确需…的 goes along)."""
    parts, cur, has_modal, cond = [], s, False, None
    pos = s
    for seg in re.split(r"(，|,)", text[s:e]):
        if seg in ("，", ","):
            pos += len(seg)
            continue
        seg_has = bool(MODAL_RX.search(seg))
        if seg_has and has_modal:
            cut = cond if cond is not None and cond > cur else pos
            if cut > cur:
                parts.append((cur, cut - 1))
                cur = cut
                has_modal = False
        if not seg_has and seg.endswith(("的", "时")):
            cond = pos if cond is None else cond
        elif seg_has:
            cond = None
        has_modal = has_modal or seg_has
        pos += len(seg)
    parts.append((cur, e))
    return [(a, b) for a, b in parts if b > a]


def _bearer(clause: str, modal_start: int) -> tuple[str | None, str | None, list[str]]:
    """The role named as subject before the modal word (or as agent after 由)."""
    mentions = find_roles(clause)
    roles = list(dict.fromkeys(m.role for m in mentions))
    agent = [m for m in mentions if m.start > 0 and clause[m.start - 1] == "由"]
    if agent:
        return agent[0].role, None, roles  # an agent, not the topic: later clauses do not inherit it
    subject = [m for m in mentions if m.start < modal_start
               and not (m.start > 0 and clause[m.start - 1] in _OBJECT_MARK)
               and not re.search(r"[向经对给报请由受]", clause[max(0, m.start - 3):m.start])]
    if not subject:
        return None, None, roles
    head = subject[0]
    for m in subject[1:]:  # 区政府各部门、各街道办事处主要负责人 → the heads, not the departments
        if m.role == "部门主要负责人" and m.start - head.end <= 12:
            return m.role, clause[head.start:m.end], roles
    return head.role, head.surface, roles


def find_clauses(text: str, times: list[TimeConstraint], context: str | None = None) -> list[Clause]:
    """Deontic clauses of one article's text; ``context`` is the bearer to assume at the start."""
    out: list[Clause] = []
    last_bearer = context
    for s, e in _sentences(text):
        for cs, ce in _subclauses(text, s, e):
            body = text[cs:ce].strip()
            if not body:
                continue
            lead = text[cs:ce].index(body[0])
            cs += lead
            m = MODAL_RX.search(body)
            if not m:
                roles = find_roles(body)
                if roles and roles[0].start < 4:
                    last_bearer = roles[0].role  # a subject that later clauses may leave out
                continue
            modality = m.lastgroup
            bearer, surface, roles = _bearer(body, m.start())
            if bearer is None:
                bearer = last_bearer
            elif surface is not None:
                last_bearer = bearer
            hedged = HEDGE_RX.search(body[:m.end() + 2])
            action = body[m.end():].strip("，, ")
            out.append(Clause(
                text=body, modality=modality, modal=m.group(0), strength="hedged" if hedged else "strict",
                bearer=bearer, bearer_surface=surface, action=action, roles=roles,
                conditions=[c.group(0) for c in CONDITION_RX.finditer(body) if not EXCEPTION_RX.match(c.group(0))][:3],
                exceptions=[x.group(0) for x in EXCEPTION_RX.finditer(body)],
                constraints=[t for t in times if cs <= t.start < cs + len(body)],
                start=cs, end=cs + len(body)))
    return out
