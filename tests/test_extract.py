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


def bearers(text, context="区政府", **kw):
    return [(c.modal, c.bearer) for c in find_clauses(text, find_times(text), context, **kw)]


@pytest.mark.parametrize("text,expected", [
    # a role after a preposition or a verb is an object, not the subject
    ("对各街道办事处提出的问题，区政府办公室要及时答复。", [("要", "区政府办公室")]),
    ("向区政府报送的材料应当真实。", [("应当", "区政府")]),
    ("代表区政府出席活动，须事先经区长同意。", [("须", "区政府")]),  # 代表…/经… are no agents: the issuer
    # 由X: the agent, after the modal word or before 负责
    ("提交常务会议的议题，会前应由主办部门协调一致。", [("应", "主办部门")]),
    ("会议的组织工作由区政府办公室负责。", [("负责", "区政府办公室")]),
    ("印发的文件原则上应于3个工作日内由承办部门报送。", [("应", "主办部门")]),
    # …but a subject before the modal word wins over a 由 after a comma
    ("街道办事处报送的请示，须由主要负责同志签发。", [("须", "街道办事处")]),
    ("各部门副职请假，应当事先向区长报告，由区政府办公室备案。", [("应当", "区政府各部门")]),
    # the subject nearest the modal word, after a condition
    ("议题涉及多个单位的，主办部门应事先协调。", [("应", "主办部门")]),
    # coordination: the first conjunct; a role right after the phrase is its head
    ("区政府和各部门要加强学习。", [("要", "区政府")]),
    ("区政府及各部门公职人员要接受监督。", [("要", "区政府工作人员")]),
    ("区政府各部门、各街道办事处主要负责人要带头执行。", [("要", "部门主要负责人")]),
    ("区政府领导同志及各部门负责人要亲自阅批来信。", [("要", "区政府领导同志")]),
    # roles inside 除…外 are not subjects
    ("除区长交办事项外，区政府各部门不得越级报送公文。", [("不得", "区政府各部门")]),
])
def test_bearer_is_the_subject_not_an_object(text, expected):
    assert bearers(text) == expected


def test_modal_in_a_condition_or_topic_is_descriptive():
    assert bearers("副区长不能出席全体会议的，需向区长请假。") == [("需", "副区长")]
    assert bearers("应由区政府各部门召开的会议，不得要求以区政府名义召开。") == [("不得", "区政府各部门")]
    # an agent inside a condition (…的，) names no bearer: the clause keeps its context
    assert bearers("区政府要精简文件。属部门职权内、应由部门自行发文的，不以区政府名义发文。") == [
        ("要", "区政府"), ("不", "区政府")]


def test_split_takes_the_subject_along():
    text = "要严格执行请假制度，区长离京出差，应事先报告；副区长外出，须提前请假。"
    assert bearers(text, context="区政府", chapter="第二章 区政府组成人员职责") == [
        ("要", "区政府组成人员"), ("应", "区长"), ("须", "副区长")]


def test_subjectless_clauses_take_context():
    # the lead-in of a numbered list
    text = "区政府各部门报送的公文要做到：\n（一）严格控制篇幅，不得越级报送。\n（二）要注重时效。"
    assert bearers(text) == [("要", "区政府各部门"), ("不得", "区政府各部门"), ("要", "区政府各部门")]
    # a new paragraph takes the article's subject; a new sentence of the same paragraph the clause before
    text = ("区政府组成人员要严格遵守纪律。副区长出差，应事先请假。要按规定报备。\n"
            "要严格执行财经纪律。")
    assert bearers(text) == [("要", "区政府组成人员"), ("应", "副区长"), ("要", "副区长"), ("要", "区政府组成人员")]
    # a sentence without a modal word names the subject of the next one
    assert bearers("区政府领导开展调研，一般安排集体乘车。原则上不在外用餐。") == [("不", "区政府领导同志")]
    # 本机关 refers to the bearer in context
    assert bearers("起草部门要广泛征求意见，涉及公平竞争的，应先由本机关审查。") == [("要", "起草部门"), ("应", "起草部门")]
    # the chapter title before the issuer
    assert bearers("要严格执行请销假制度。", chapter="第二章 区政府组成人员职责") == [("要", "区政府组成人员")]
    assert bearers("要严格执行请销假制度。") == [("要", "区政府")]
    # the owner of the topic
    assert bearers("以区政府办公室名义下发的文件，应是涉及全区某一方面的工作部署。") == [("应", "区政府办公室")]
    assert bearers("区政府常务会议一般每两周召开1次，如有需要可随时召开。") == [("可", "区政府")]


def test_modal_words_and_negated_items():
    assert bearers("区政府领导同志不出席剪彩活动。") == [("不", "区政府领导同志")]
    assert bearers("确需用餐的，一律安排自助餐。", context="区长") == [("一律", "区长")]
    assert [(c.modality, c.text) for c in find_clauses("区政府领导同志要轻车简从、简化接待、不搞迎送。", [])] == [
        ("obligation", "区政府领导同志要轻车简从、简化接待"), ("prohibition", "不搞迎送")]
    assert [c.modal for c in find_clauses("可发可不发的公文坚决不发。", [])] == ["坚决不"]
    # 负责 in a role name or in a relative clause naming a party is no duty
    assert bearers("会议由负责常务工作的副区长主持。") == []
    assert bearers("负责安全监督管理的部门实施许可工作。", context=None) == []


def test_relevant_departments_are_the_issuers_departments():
    assert bearers("有关部门应及时提出意见。") == [("应", "区政府各部门")]
    assert bearers("有关部门应及时提出意见。", context=None) == [("应", "有关部门")]


def test_subjects_of_laws_outside_the_taxonomy_are_kept_as_printed():
    law = ("用人单位应当依法建立规章制度。卫生行政部门接到报告后，应当及时组织调查。"
           "县级以上地方人民政府卫生行政部门应当加强监督。特种设备使用单位应当建立安全技术档案。"
           "劳务派遣单位派遣劳动者，应当与用工单位订立协议。")
    assert bearers(law, context=None) == [
        ("应当", "用人单位"), ("应当", "卫生行政部门"), ("应当", "县级以上地方人民政府卫生行政部门"),
        ("应当", "特种设备使用单位"), ("应当", "劳务派遣单位")]
    # a district government's own rules keep the canonical roles
    assert bearers("各部门应当依法履职。") == [("应当", "区政府各部门")]
    assert bearers("各部门应当依法履职。", context=None) == [("应当", "各部门")]


def test_heads_of_departments_are_members_of_the_district_government():
    assert "区政府组成人员" in ancestors("部门主要负责人")
    assert [m.role for m in find_roles("区政府分管领导同志、牵头部门、协办部门和监察部门")] == [
        "区政府领导同志", "主办部门", "协办部门", "区监察局"]


@pytest.mark.parametrize("title,district", [
    ("上海市技术市场条例", "上海市"),                      # 市场 is no city
    ("上海市历史文化风貌区和优秀历史建筑保护条例", "上海市"),  # nor is a 风貌区
    ("上海市授予荣誉市民称号规定", "上海市"),
    ("上海市经济技术开发区条例", "上海市"),
    ("上海市浦东新区人民政府关于印发某办法的通知", "上海市浦东新区"),
    ("江苏省苏州市昆山市人民政府令", "江苏省苏州市昆山市"),
    ("北京市西城区人民政府工作规则", "北京市西城区"),
])
def test_district_from_title_is_a_real_jurisdiction(title, district):
    from ingest.metadata import district_of
    assert district_of(None, title, None, "") == district
