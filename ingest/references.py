"""Citations (to other articles and other documents) and sign-off/approval rules in article text."""
from __future__ import annotations

import re

from .metadata import find_doc_numbers
from .model import Approval, Reference
from .roles import find_roles

_CN = "零〇一二两三四五六七八九十百千"
ARTICLE_REF = re.compile(
    rf"(?:本(?:规则|法|条例|办法|规定|细则))?第([{_CN}\d]+)条(?:第([{_CN}]+)款)?(?:第([{_CN}]+)项)?"
    rf"|(?:参照|依照|按照|根据)([{_CN}]+)[（(]([{_CN}]+)[)）]条款?|(?:参照|依照|按照|根据)([{_CN}]+)条")
DOC_REF = re.compile(r"《([^《》]{2,80})》")
DOC_NUM = re.compile(r"[\u4e00-\u9fff]{1,8}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号")
ACT = re.compile(r"签发|审批|审定|批准|审签|核签|审核")
_SENTENCE = re.compile(r"[^。；\n]+")
_COMMA = re.compile(r"[，,]")
_OBJ_LEAD = re.compile(r"^(?:对|凡)")


def find_references(text: str, own_doc_number: str | None = None) -> list[Reference]:
    out: list[Reference] = []
    # every article reference contains 条 and every doc number 号: skip the scans without them
    for m in (ARTICLE_REF.finditer(text) if "条" in text else ()):
        if m.start() == 0:
            continue
        if m.group(1):
            target = f"第{m.group(1)}条" + (f"第{m.group(2)}款" if m.group(2) else "") + (
                f"第{m.group(3)}项" if m.group(3) else "")
        elif m.group(4):
            target = f"{m.group(4)}（{m.group(5)}）"
        else:
            target = m.group(6)
        out.append(Reference("article", target, m.group(0), m.start(), m.end()))
    for m in DOC_REF.finditer(text):
        out.append(Reference("document", m.group(1), m.group(0), m.start(), m.end()))
    for m in (DOC_NUM.finditer(text) if "号" in text else ()):
        num = find_doc_numbers(m.group(0))
        if num and num[0] != own_doc_number:
            out.append(Reference("document", num[0], m.group(0), m.start(), m.end()))
    return sorted(out, key=lambda r: r.start)


def find_approvals(text: str) -> list[Approval]:
    """'以区政府名义发布的公文，由区长签发' → (区长, 签发, 以区政府名义发布的公文)."""
    out: list[Approval] = []
    if not ACT.search(text):
        return out
    for sent in _SENTENCE.finditer(text):
        s = sent.group(0)
        for act in ACT.finditer(s):
            roles = [r for r in find_roles(s) if r.end <= act.start() and act.start() - r.end <= 6]
            if not roles:
                continue
            who = roles[-1]
            # approvers joined by 或/和 (常务副区长或分管副区长签发)
            group = [r for r in find_roles(s) if r.end <= act.start() and who.start - r.end <= 10 and r.start >= who.start - 14]
            obj = _COMMA.split(s[:min(r.start for r in group)])[0]
            obj = _OBJ_LEAD.sub("", obj).strip() or s[act.end():].strip("，, ")
            for r in dict.fromkeys(group):
                out.append(Approval(r.role, act.group(0), obj, s, sent.start(), sent.end()))
    return out
