"""Property tests of extraction → graph on generated regulation text.

Whatever the wording, every extracted fact stays inside its article, time constraints are
well-formed (ISO-8601, count ≤ count_max, a known kind), and the document's graph conforms to
the SHACL shapes. ``GOVRULE_FUZZ_EXAMPLES`` sets the example count (CI: the default; more in
``bench/fuzz.py``).
"""
from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from graph import ontology as ont
from graph.convert import entity_triples, make_context, ontology_triples, document_triples
from graph.roles import default_taxonomy
from graph.validate import validate
from ingest.model import IngestError, Source
from ingest.pipeline import parse_source

N = max(int(os.environ.get("GOVRULE_FUZZ_EXAMPLES", "150")) // 3, 10)
FUZZ = settings(max_examples=N, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ISO = re.compile(r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
                 r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")
NUMS = ["1", "2", "3", "5", "7", "10", "15", "30", "一", "两", "三", "五", "七", "十", "十五", "1至2", "一至两"]
SUBJECTS = ["区长", "常务副区长", "副区长", "区政府", "区政府各部门", "各组成部门", "区政府办公室", "区审计局",
            "区司法局", "街道办事处", "主办部门", "起草部门", "承办单位", "县级以上人民政府", "用人单位", ""]
MODALS = ["应当", "应", "必须", "须", "要", "负责", "不得", "严禁", "禁止", "一律不", "可", "可以", "可根据"]
HEDGES = ["", "", "一般", "原则上", "最迟"]
ACTS = ["报送区政府办公室", "召开会议", "征求意见", "签发公文", "回复", "提出审核意见", "公开发布", "备案"]
PREFIX = ["", "", "涉及重大事项的，", "如遇特殊情况，", "除法律另有规定外，", "由区长签发，", "经区长批准，"]


@st.composite
def time_phrase(draw) -> str:
    n = draw(st.sampled_from(NUMS))
    unit = draw(st.sampled_from(["个工作日", "日", "天", "小时", "周", "个月", "年"]))
    return draw(st.sampled_from([
        f"在{n}{unit}内", f"提前{n}{unit}", f"每{draw(st.sampled_from(['周', '两周', '月', '季度', '半年', '年']))}召开{n}次",
        f"不少于{n}{unit}", f"{n}{unit}内", f"最迟要在{n}{unit}内", f"每年至少形成{n}篇", f"每年累计不少于{n}学时", ""]))


@st.composite
def clause(draw) -> str:
    return (draw(st.sampled_from(PREFIX)) + draw(st.sampled_from(SUBJECTS)) + draw(st.sampled_from(HEDGES))
            + draw(time_phrase()) + draw(st.sampled_from(MODALS)) + draw(st.sampled_from(ACTS))
            + draw(st.sampled_from(["。", "；", "，", "：", ""])))


@st.composite
def regulation(draw) -> str:
    n = draw(st.integers(1, 8))
    style = draw(st.sampled_from(["tiao", "dun"]))
    cn = "一二三四五六七八九十"
    lines = [draw(st.sampled_from(["某区人民政府工作规则", "某市物业管理条例", ""]))]
    for k in range(n):
        label = f"第{cn[k]}条 " if style == "tiao" else f"{cn[k]}、"
        body = "".join(draw(st.lists(clause(), min_size=1, max_size=4)))
        if draw(st.booleans()):
            body += "\n（一）" + draw(clause()) + "\n（二）" + draw(clause())
        lines.append(label + body)
    return "\n".join(lines)


SHARED = None


def _shared() -> list:
    global SHARED
    if SHARED is None:
        SHARED = ontology_triples(default_taxonomy())
    return SHARED


@FUZZ
@given(regulation())
def test_generated_regulations_give_sound_facts_and_a_conforming_graph(text):
    src = Source(file="fuzz.txt", text=text, format="txt", encoding="utf-8", sha256="0" * 64)
    try:
        doc = parse_source(src)
    except IngestError:
        return
    for a in doc.articles:
        for tc in a.times:
            assert a.text[tc.start:tc.end] == tc.surface, (tc, a.text)
        for c in a.clauses:
            assert 0 <= c.start < c.end <= len(a.text)
            assert c.modality in {"obligation", "prohibition", "permission"}
            assert c.strength in {"strict", "hedged"}
            assert c.modal and c.modal in a.text[c.start:c.end] + c.text, c
            for tc in c.constraints:
                assert tc in a.times or a.text[tc.start:tc.end] == tc.surface
        for tc in a.times + [t for c in a.clauses for t in c.constraints]:
            assert tc.kind in {"deadline", "advance_notice", "frequency", "minimum"}
            for iso in (tc.iso, tc.period_iso):
                assert iso is None or ISO.match(iso), tc
            if tc.count is not None and tc.count_max is not None:
                assert tc.count <= tc.count_max, tc
    ctx = make_context([doc])
    g = ont.bind_prefixes(Graph())
    for t in document_triples(doc, ctx) + entity_triples([doc], ctx) + _shared():
        g.add(t)
    ok, report = validate(g)
    assert ok, report[:3000]
