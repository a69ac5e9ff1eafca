"""Extraction of roles, deontic clauses, time constraints, references and approvals."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.deontic import find_clauses
from ingest.pipeline import parse_paths
from ingest.references import find_approvals, find_references
from ingest.roles import ancestors, find_roles
from ingest.timex import find_times

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def times(text):
    return [(t.surface, t.kind, t.iso, t.working_days, t.count, t.count_max, t.period_iso) for t in find_times(text)]


@pytest.mark.parametrize("text,expected", [
    ("相关部门应在1个工作日内答复", [("在1个工作日内", "deadline", "P1D", True, None, None, None)]),
    ("最迟要在5小时内报告", [("最迟要在5小时内", "deadline", "PT5H", False, None, None, None)]),
    ("审批时限一般不超过5个工作日", [("一般不超过5个工作日", "deadline", "P5D", True, None, None, None)]),
    ("须提前7个工作日报送", [("提前7个工作日", "advance_notice", "P7D", True, None, None, None)]),
    ("常务会议一般每两周召开1次", [("一般每两周召开1次", "frequency", None, False, 1, None, "P2W")]),
    ("全体会议每年召开1至2次", [("每年召开1至2次", "frequency", None, False, 1, 2, "P1Y")]),
    ("一般每季度召开两次", [("一般每季度召开两次", "frequency", None, False, 2, None, "P3M")]),
    ("一般两个月安排一次", [("一般两个月安排一次", "frequency", None, False, 1, None, "P2M")]),
    ("每半年向区政府报告一次", [("每半年向区政府报告一次", "frequency", None, False, 1, None, "P6M")]),
    ("全年蹲点调研时间累积不少于两周", [("全年蹲点调研时间累积不少于两周", "minimum", "P2W", False, None, None, "P1Y")]),
    ("每年累计不少于72学时", [("每年累计不少于72学时", "minimum", None, False, 72, None, "P1Y")]),
    ("本规则自发布之日起实行，2018年3月20日印发", []),
])
def test_time_constraints(text, expected):
    assert times(text) == expected


def test_role_variants_map_to_canonical_roles_and_meetings_are_not_roles():
    found = [(m.role, m.surface) for m in find_roles("常务副区长、区政府组成部门、区法制办和区长办公会议")]
    assert found == [("常务副区长", "常务副区长"), ("区政府各部门", "区政府组成部门"), ("区司法局", "区法制办")]
    assert ancestors("常务副区长") == ["副区长", "区政府领导同志", "区政府组成人员"]


def test_clauses_modality_strength_and_bearer():
    text = ("区长离京出访、出差，应按规定向市政府报备，并委托常务副区长主持区政府工作。"
            "区政府各部门不得越级报送公文；一般不安排陪同，确需陪同的，可由主办部门安排。"
            "区政府领导同志审批公文时限一般不超过5个工作日。")
    got = [(c.modality, c.modal, c.strength, c.bearer) for c in find_clauses(text, find_times(text))]
    assert got == [
        ("obligation", "应", "strict", "区长"),
        ("prohibition", "不得", "strict", "区政府各部门"),
        ("prohibition", "不", "hedged", "区政府各部门"),
        ("permission", "可", "strict", "主办部门"),
    ]
    clauses = find_clauses(text, find_times(text))
    assert clauses[3].conditions == ["确需陪同的"]


def test_clause_without_subject_takes_the_bearer_before_it():
    text = "副区长离京出差，应事先报告区长，并要按规定报备。"
    assert [c.bearer for c in find_clauses(text, [])] == ["副区长", "副区长"]


def test_references_and_approvals():
    refs = find_references("严格执行《党政机关公文处理工作条例》，参照四十五(三)条款执行，依照本法第十二条第二款办理", None)
    assert [(r.kind, r.target) for r in refs] == [
        ("document", "党政机关公文处理工作条例"), ("article", "四十五（三）"), ("article", "第十二条第二款")]
    ap = find_approvals("以区政府名义制发的请示、报告，由区长签发")
    assert [(a.approver, a.act, a.object) for a in ap] == [("区长", "签发", "以区政府名义制发的请示、报告")]


def test_standing_meeting_frequency_in_all_three_work_rules():
    docs = {d.doc_number: d for d in parse_paths([CORPUS]).documents}
    found = {}
    for num in ("西政发〔2018〕4号", "朝政发〔2015〕7号", "营西政发〔2024〕1号"):
        found[num] = next([(t.count, t.period_iso)] for a in docs[num].articles for t in a.times
                          if t.kind == "frequency" and "常务会议" in a.text[max(t.start - 20, 0):t.start])
    assert found == {"西政发〔2018〕4号": [(1, "P2W")], "朝政发〔2015〕7号": [(2, "P3M")],
                     "营西政发〔2024〕1号": [(1, "P2W")]}
