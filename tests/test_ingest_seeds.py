"""The seed corpus parsed end to end: what legal staff see first must be right."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.pipeline import parse_file, parse_paths

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PDF_XICHENG = CORPUS / "000_0e6b9478f8a5a732.txt"
WEB_XICHENG = CORPUS / "001_113369c6701aed87.txt"
PLAN = CORPUS / "003_b6f4518511c3296e.txt"
XISHI = CORPUS / "004_eedc4484ea8d6dcf.txt"


@pytest.fixture(scope="module")
def docs():
    res = parse_paths([CORPUS])
    assert res.errors == []
    return {d.doc_number: d for d in res.documents}


def art(doc, label):
    return next(a for a in doc.articles if a.label == label)


def squash(s: str) -> str:
    return re.sub(r"\s", "", s).translate(str.maketrans(",:;()?!", "，：；（）？！"))


def test_five_files_make_four_documents(docs):
    assert sorted(docs) == ["朝政发〔2015〕7号", "营西政发〔2024〕1号", "西政发〔2011〕28号", "西政发〔2018〕4号"]


@pytest.mark.parametrize("number,count", [
    ("西政发〔2018〕4号", 68), ("朝政发〔2015〕7号", 68), ("营西政发〔2024〕1号", 44), ("西政发〔2011〕28号", 25)])
def test_article_counts_and_ordinals(docs, number, count):
    arts = docs[number].articles
    assert len(arts) == count
    assert [a.ordinal for a in arts] == list(range(1, count + 1))


@pytest.mark.parametrize("number,title,issuer,district,date,doc_type", [
    ("西政发〔2018〕4号", "北京市西城区人民政府工作规则", "北京市西城区人民政府", "北京市西城区", "2018-03-20", "工作规则"),
    ("朝政发〔2015〕7号", "北京市朝阳区人民政府工作规则", "北京市朝阳区人民政府", "北京市朝阳区", "2015-07-31", "工作规则"),
    ("营西政发〔2024〕1号", "西市区人民政府工作规则", "营口市西市区人民政府", "营口市西市区", "2024-01-29", "工作规则"),
    ("西政发〔2011〕28号", "北京市西城区加强法治政府建设规划", "北京市西城区人民政府", "北京市西城区", "2011-11-23", "规划"),
])
def test_metadata(docs, number, title, issuer, district, date, doc_type):
    d = docs[number]
    assert (d.title, d.issuer, d.district, d.date, d.doc_type) == (title, issuer, district, date, doc_type)


def test_repeals(docs):
    assert docs["朝政发〔2015〕7号"].repeals == ["朝政发〔2013〕12号"]
    assert all(not d.repeals for n, d in docs.items() if n != "朝政发〔2015〕7号")


def test_labels_as_printed(docs):
    assert [a.label for a in docs["西政发〔2018〕4号"].articles][:3] == ["一、", "二、", "三、"]
    assert docs["西政发〔2018〕4号"].articles[-1].label == "六十八、"
    assert [a.label for a in docs["西政发〔2011〕28号"].articles][:2] == ["1.", "2."]
    assert docs["西政发〔2011〕28号"].articles[-1].label == "25."


def test_duplicate_is_one_document_with_both_sources_and_reported_differences(docs):
    d = docs["西政发〔2018〕4号"]
    assert {Path(s).name for s in d.sources} == {PDF_XICHENG.name, WEB_XICHENG.name}
    assert Path(d.sources[0]).name == WEB_XICHENG.name  # the cleaner web text is used
    diff = [w for w in d.warnings if "三十三、" in w]
    assert diff and "全面从严治党" in diff[0]


def test_pdf_and_web_copies_parse_alike():
    pdf, web = parse_file(PDF_XICHENG), parse_file(WEB_XICHENG)
    assert len(pdf.articles) == len(web.articles) == 68
    same = sum(squash(a.text) == squash(b.text) for a, b in zip(pdf.articles, web.articles))
    assert same == 67  # all but 三十三、, where the two publications really differ
    assert [a.paragraphs for a in pdf.articles][3:8] == [a.paragraphs for a in web.articles][3:8]


def test_lines_broken_at_page_breaks_are_joined():
    pdf = parse_file(PDF_XICHENG)
    assert art(pdf, "七、").text == "区长离京出访、出差，应按规定向市政府报备，并委托常务副区长主持区政府工作。"
    assert art(pdf, "五、").text.startswith("区长召集和主持区政府全体会议和区政府常务会议。区政府工作中的重大事项")
    assert "牢记全心全意为人民服务的宗旨" in art(pdf, "三、").text
    plan = parse_file(PLAN)
    assert "并将考核结果作为政府督查考核和领导干部政绩考核的重要依据" in art(plan, "24.").text
    assert "生活密切相关的法律" in art(plan, "3.").text


def test_spacing_in_numbers_is_normalised(docs):
    plan = docs["西政发〔2011〕28号"]
    assert "每年举办2期法制讲座，5年内完成" in art(plan, "1.").text
    assert "每年累计不少于72学时" in art(plan, "2.").text
    assert parse_file(PDF_XICHENG).doc_number == "西政发〔2018〕4号"


def test_blank_lines_inside_a_sentence_are_joined(docs):
    text = art(docs["营西政发〔2024〕1号"], "二、").text
    assert "廉洁政府和服务型政府，以中国式现代化西市实践推动全面振兴" in text
    assert "\n" not in text


def test_stray_english_word_is_kept(docs):
    assert "严格控制 and 规范国际会议" in art(docs["营西政发〔2024〕1号"], "二十五、").text


def test_half_width_punctuation_is_unified():
    web = parse_file(WEB_XICHENG)
    assert art(web, "一、").text.startswith("根据《中华人民共和国宪法》")
    assert "（一）" in art(web, "三、").text and "(" not in art(web, "三、").text


def test_notice_and_footer_are_kept_out_of_articles(docs):
    for d in docs.values():
        for a in d.articles:
            assert not re.search(r"抄送|主题词|印发给你们|政府网站标识码", a.text), (d.doc_number, a.label)
    pdf = parse_file(PDF_XICHENG)
    assert "印发给你们" in pdf.notice and "抄送" in pdf.footer
    assert "主题词" in docs["西政发〔2011〕28号"].footer
    assert "政府网站标识码" in parse_file(WEB_XICHENG).footer


def test_chapters_and_sections(docs):
    xc = docs["西政发〔2018〕4号"]
    assert art(xc, "一、").chapter == "第一章 总则"
    assert art(xc, "四、").chapter == "第二章 区政府组成人员职责"
    assert art(xc, "六十八、").chapter == "第十六章 附则"
    assert len(xc.headings) == 16
    plan = docs["西政发〔2011〕28号"]
    assert art(plan, "1.").chapter == "二、主要任务和工作措施"
    assert art(plan, "1.").section == "（一）提高行政机关领导干部和工作人员依法行政意识和能力"
    assert art(plan, "25.").chapter == "三、加强组织领导，确保工作实施"
    assert plan.preamble.startswith("根据《国务院关于加强法治政府建设的意见》")


def test_items_inside_articles(docs):
    a = art(docs["西政发〔2018〕4号"], "三、")
    assert [i.label for i in a.items] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert a.items[0].text.startswith("坚持党对一切工作的领导。")
    b = art(docs["营西政发〔2024〕1号"], "二十、")
    assert len(b.items) == 11


def test_every_article_points_at_its_source_text(docs):
    for d in docs.values():
        for a in d.articles:
            src = Path(a.source.file).read_text(encoding="utf-8")
            span = squash(src[a.source.start:a.source.end])
            assert span.startswith(squash(a.label)), (d.doc_number, a.label)
            assert squash(a.text) in span, (d.doc_number, a.label)
