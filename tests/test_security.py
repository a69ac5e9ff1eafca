"""Hostile input from outside: SPARQL that would write or reach the network, queries that would
hang or eat memory, uploads with hostile names and sizes, documents that carry HTML and script.

Against the real stack: the safety check in ``graph/safety.py``, the sandboxed child of
``graph/sandbox.py`` on a real Oxigraph store, `govrule sparql` as a subprocess, the app's pages
through AppTest, the upload code of the import page, and the pages in headless Chromium (a
``<script>`` in a document must be shown as text and never run).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import running_app
from graph.library import load_queries
from graph.safety import MAX_QUERY_CHARS, QueryRefused, check_query, keywords
from graph.sandbox import QueryError, run_query
from ui.uploads import MAX_FILE_BYTES, MAX_FILES, safe_name, save_upload, save_uploads

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("GOVRULE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Listener:
    """A TCP port on loopback that counts connections (and drops them at once): whatever
    connects to it has reached the network."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


# ---------------------------------------------------------------- SPARQL: the check

HOSTILE = {
    "insert": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete-where": "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }",
    "delete-insert": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "with": "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "load": "LOAD <http://127.0.0.1:9/x.ttl>",
    "load-into": "load silent <http://127.0.0.1:9/x.ttl> into graph <urn:g>",
    "clear": "CLEAR ALL",
    "drop": "DROP SILENT GRAPH <https://govrule.org/id/graph/meta>",
    "create": "CREATE GRAPH <urn:g>",
    "copy": "COPY DEFAULT TO <urn:g>",
    "move-add": "MOVE <urn:a> TO <urn:b> ; ADD <urn:a> TO <urn:c>",
    "comment-first": "# just a comment\n  insert data { <urn:a> <urn:b> <urn:c> }",
    "after-select": "SELECT * WHERE { ?s ?p ?o } ; CLEAR DEFAULT",
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "service-case": "select * where { sErViCe silent <http://169.254.169.254/latest> { ?s ?p ?o } }",
    "service-var": "SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "service-after-var-dot": "SELECT * WHERE { ?s ?p ?o.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    "service-after-number-dot": "SELECT * WHERE { ?s ?p 1.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    "service-after-escaped-name": "SELECT * WHERE { ?s ?p ex:a\\# \nSERVICE <http://127.0.0.1:9/> {} }",
    "service-after-long-string": "SELECT * WHERE { ?s ?p '''x'''SERVICE <http://127.0.0.1:9/> {} }",
    "service-after-iri": "SELECT * WHERE { ?s ?p <urn:x>SERVICE<http://127.0.0.1:9/>{} }",
    "service-in-subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "unterminated-string": 'SELECT * WHERE { ?s ?p "x } SERVICE <http://x/> {}',
    "too-long": "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_CHARS,
}

READ_ONLY = [
    'SELECT ?service WHERE { ?s ex:service ?o . FILTER(?o != "SERVICE; DROP ALL") } # INSERT DATA',
    'SELECT * WHERE { ?s ?p "x"@service }',
    "ASK { <http://example.org/SERVICE/delete> ?p _:load . ?s schema:Service ex:a.SERVICE }",
    "SELECT * WHERE { ?s ?p '''a'' SERVICE \"drop\" ''' }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?p > 2) }",
    "SELECT * WHERE { ?s ex:a\\.SERVICE ?o }",
    'SELECT ?t WHERE { ?a gr:text ?t FILTER(CONTAINS(?t, "删除")) } ORDER BY DESC(?t) LIMIT 5',
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE <https://govrule.org/id/role/%E5%8C%BA%E9%95%BF>",
]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_queries_are_refused(name):
    with pytest.raises(QueryRefused) as e:
        check_query(HOSTILE[name])
    kind = e.value.kind
    assert kind == ("too-long" if name == "too-long" else "malformed" if name == "unterminated-string"
                    else "service" if name.startswith("service") else "update"), kind
    assert "\n" not in str(e.value) and len(str(e.value)) < 300


@pytest.mark.parametrize("text", READ_ONLY + [q.sparql for q in load_queries().values()])
def test_read_only_queries_pass(text):
    check_query(text)


def test_keywords_ignore_strings_iris_comments_and_names():
    assert keywords('SELECT ?x WHERE { ?x ex:drop "INSERT" } # LOAD\n') == {"SELECT", "WHERE"}


FRAGMENTS = ["SELECT * WHERE {", "}", "{", "?s ?p ?o", "?o", ".", ";", " ", "\n", "\t", "#c\n", "#", "\\", "\\#",
             "'", '"', "'''", '"""', "<", ">", "<urn:x>", "ex:a", "ex:", ":", "_:b", "1", "1.", "@en", "?", "$u",
             "SERVICE", "service", "SeRvIcE", "SILENT", "<http://127.0.0.1:{port}/>", "?u", "BIND(<http://127.0.0.1:{port}/> AS ?u)",
             "{ ?a ?b ?c }", "FILTER(?o < 3)", "OPTIONAL", "UNION", "a", "\u3000", "区长", "\\u0053ERVICE", "%41", "-"]


@st.composite
def query_like(draw) -> str:
    return "".join(draw(st.lists(st.sampled_from(FRAGMENTS), max_size=30)))


@FUZZ
@given(query_like() | st.text(max_size=200))
def test_no_query_that_passes_the_check_reaches_the_network(listener, text):
    """Run every generated query that the check lets through on a small in-memory store whose
    patterns all match (so a SERVICE would be called): the listener never sees a connection."""
    text = text.replace("{port}", str(listener.port))
    try:
        check_query(text)
    except QueryRefused:
        return
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.Literal("1")))
    before = listener.hits
    try:
        res = store.query(text, prefixes={"ex": "urn:ex#"}, use_default_graph_as_union=True)
        if not isinstance(res, ox.QueryBoolean):
            list(res)
    except (SyntaxError, OSError, RuntimeError, ValueError, TypeError):
        pass
    assert listener.hits == before, f"a query that passed the check made a connection: {text!r}"


# ---------------------------------------------------------------- SPARQL: the sandbox, the CLI, the app


@pytest.fixture(scope="module")
def store(store_copy) -> Path:
    return store_copy("security")


def version(store: Path) -> str:
    return os.readlink(store / "oxigraph")


def test_sandbox_stops_a_pathological_query_and_keeps_answering(store):
    t0 = time.perf_counter()
    with pytest.raises(QueryError) as e:
        run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", time_limit=2)
    assert e.value.kind == "timeout" and time.perf_counter() - t0 < 8
    t0 = time.perf_counter()
    with pytest.raises(QueryError) as e:  # a cross product sorted in memory: stopped at the memory limit
        run_query(store, "SELECT ?a ?c ?d ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f ?a ?d", time_limit=120,
                  memory_limit=1 << 30)
    assert e.value.kind in ("memory", "timeout"), e.value
    res = run_query(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", row_limit=7)
    assert len(res.rows) == 7 and res.truncated
    assert run_query(store, "ASK { ?a a gr:Article }").boolean is True


def test_sandbox_child_has_no_network_even_past_the_check(store, listener):
    """The child alone, handed a SERVICE query directly (as if the check had let it through):
    where the system allows a private network namespace, nothing reaches the listener."""
    request = {"store": str(store), "query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> "
                                             "{ ?s ?p ?o } }", "prefixes": {}, "limit": 10, "format": None,
               "memory": 1 << 30}
    before = listener.hits
    proc = subprocess.run([sys.executable, str(ROOT / "graph" / "sandbox.py"), "--child"], input=json.dumps(request),
                          capture_output=True, text=True, timeout=60)
    out = json.loads(proc.stdout)
    if not out["isolated"]:
        pytest.skip("this system allows no private network namespace (no root, no user namespaces)")
    assert out.get("error") == "runtime" and "unreachable" in out["message"].lower(), out
    assert listener.hits == before


@pytest.mark.parametrize("name", ["insert", "drop", "load", "clear", "service", "service-after-var-dot", "with"])
def test_govrule_sparql_refuses_and_the_store_is_untouched(store, name):
    before = version(store)
    proc = subprocess.run([sys.executable, "-m", "cli", "sparql", HOSTILE[name], "--store", str(store)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: SPARQL refused: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert version(store) == before and not list((store / "oxigraph.versions").glob("*.base"))


def test_govrule_sparql_time_and_row_limits(store):
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cli", "sparql", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                           "--store", str(store), "--timeout", "2", "--format", "csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "error: SPARQL time limit" in proc.stderr
    assert time.perf_counter() - t0 < 15
    proc = subprocess.run([sys.executable, "-m", "cli", "sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--store", str(store),
                           "--max-rows", "5", "--format", "csv"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and len(proc.stdout.strip().splitlines()) == 6  # header + 5
    assert "row limit reached" in proc.stderr


@pytest.mark.parametrize("name,shown", [("insert", "只读 Read-only"), ("drop", "只读 Read-only"),
                                        ("service", "拒绝 Refused"), ("service-case", "拒绝 Refused"),
                                        ("too-long", "拒绝 Refused")])
def test_app_sparql_page_refuses(store, monkeypatch, name, shown):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOVRULE_STORE", str(store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("ui/sparql_page.py").run()
    at.text_area[0].input(HOSTILE[name])
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(shown), [e.value for e in at.error]
    assert not at.dataframe


# ---------------------------------------------------------------- uploads


LAW = "第一条 为规范值班工作，制定本办法。\n第二条 值班人员应当在30分钟内报告。\n".encode()


@pytest.mark.parametrize("raw,clean", [
    ("../../x.txt", "x.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    ("/etc/cron.d/job.txt", "job.txt"),
    ("....txt", "upload.txt"),
    (".bashrc.txt", "bashrc.txt"),
    ("a\x00b\n.TXT", "ab.txt"),
    ("规定<script>.html", "规定_script_.html"),
    ("行政复议法(2023-09-01).md", "行政复议法(2023-09-01).md"),
    ("x" * 400 + ".docx", "x" * 80 + ".docx"),
    (". .0.TXT", "0.txt"),  # found by the fuzz run: a name that strips down to a hidden one
])
def test_safe_name(raw, clean):
    assert safe_name(raw) == clean


@pytest.mark.parametrize("raw", ["../../etc/passwd", "x.exe", "noext", "x.txt/", "..", ""])
def test_unsupported_names_are_refused(raw):
    with pytest.raises(ValueError, match="unsupported file type"):
        safe_name(raw)


@FUZZ
@given(st.text(max_size=300) | st.lists(st.sampled_from(["..", "/", "\\", ".", "x", "区", "\x00", ".txt", ".md",
                                                           ".PDF", " ", "~", "%2e", "\u202e"]), max_size=20).map("".join),
       st.binary(max_size=64))
def test_an_upload_never_lands_outside_uploads(tmp_path_factory, name, data):
    root = tmp_path_factory.mktemp("up")
    folder = root / "store" / "uploads"
    try:
        path = save_upload(folder, name, data)
    except ValueError:
        assert not any(p.is_file() for p in root.rglob("*"))
        return
    assert path.parent.parent == folder.resolve() and path.read_bytes() == data
    assert path.name == safe_name(name) and "/" not in path.name and not path.name.startswith(".")
    assert [p for p in root.rglob("*") if p.is_file()] == [path]


def test_upload_limits(tmp_path):
    big = b"x" * (MAX_FILE_BYTES + 1)
    saved, refused = save_uploads(tmp_path, [("big.txt", big), ("empty.txt", b""), ("fake.pdf", LAW),
                                             ("fake.docx", LAW), ("ok.txt", LAW)])
    assert [p.name for p in saved] == ["ok.txt"]
    assert [(r.name, r.reason.split(" (")[0]) for r in refused] == [
        ("big.txt", "too large"), ("empty.txt", "empty file"), ("fake.pdf", "not a .pdf file"),
        ("fake.docx", "not a .docx file")]
    saved, refused = save_uploads(tmp_path, [(f"f{i}.txt", LAW + str(i).encode()) for i in range(MAX_FILES + 3)])
    assert len(saved) == MAX_FILES and len(refused) == 3 and "more than" in refused[0].reason


HOSTILE_DOC = """测政发〔2025〕9号

测试区人民政府关于印发测试区值班办法的通知

各街道办事处：<script>window.__pwned = "notice"</script>

现将《测试区值班办法》印发给你们，请认真执行。

测试区人民政府
2025年2月1日

测试区值班办法

第一条 为规范值班工作<script>window.__pwned = "article"</script>，制定本办法。

第二条 区政府办公室应当在3个工作日内回复<img src=x onerror="window.__pwned = 'img'">。

第三条 x ![t](http://127.0.0.1:9/t.png) **粗体** :red[红] $x^2$ <b onmouseover="window.__pwned = 'b'">值班</b>记录应当保存。

第四条 本办法自印发之日起施行。
"""


def test_import_page_saves_a_traversal_name_safely_and_escapes_the_preview(store_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = store_copy("upload")
    monkeypatch.setenv("GOVRULE_STORE", str(store))
    outside = {p for p in store.parent.parent.rglob("*")}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("ui/import_page.py").run()
    at.file_uploader[0].set_value([("../../x.txt", HOSTILE_DOC.encode(), "text/plain"),
                                   ("../../../../tmp/evil.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")]).run()
    assert not at.exception
    landed = sorted(p for p in store.parent.parent.rglob("*") if p not in outside and p.is_file())
    assert len(landed) == 1 and landed[0].name == "x.txt"
    assert landed[0].parent.parent == (store / "uploads").resolve()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("无法导入 Cannot import") and "/tmp/evil.pdf: not a .pdf file" in errors[0]
    assert list(at.dataframe[0].value["条数 Articles"]) == [4]
    shown = [m.value for m in at.markdown if "制定本办法" in m.value or "值班" in m.value]
    assert shown and all("<script>" not in m and "<img" not in m and "![t](" not in m for m in shown)
    assert any("\\<script\\>" in m for m in shown)


# ---------------------------------------------------------------- documents in a real browser

from conftest import CHROMIUM  # noqa: E402


@pytest.fixture(scope="module")
def hostile_app(seed_store, tmp_path_factory):
    """`govrule app` over a store built from the hostile document (graph and search index)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    import shutil

    from graph.store import build_store
    from ingest.pipeline import parse_paths
    from search.index import build_index

    base = tmp_path_factory.mktemp("hostile")
    (base / "docs").mkdir()
    (base / "docs" / "办法.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    store = base / "store"
    res = parse_paths([base / "docs"])
    assert not res.errors
    build_store(res.documents, store)
    shutil.copytree(seed_store / "search" / "cache", store / "search" / "cache")
    build_index(res.documents, store)
    with running_app(store, base / "app.log") as url:
        yield url, res.documents[0].key, base / "docs" / "办法.txt"


def _settle(page) -> None:
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)


def _nothing_ran(page) -> None:
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
    assert page.evaluate("[...document.querySelectorAll('script')].every(s => !s.textContent.includes('__pwned'))")
    assert page.locator("img[src='x']").count() == 0 and page.locator("[onmouseover]").count() == 0


def test_script_in_a_document_shows_as_text_in_the_browser(hostile_app, chromium):
    url, key, _ = hostile_app
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        from urllib.parse import quote

        page.goto(f"{url}/documents?doc={quote(key)}", wait_until="networkidle")
        page.get_by_text("图例 Legend").wait_for(timeout=120_000)
        page.locator("div.gr-article").nth(3).wait_for(timeout=60_000)
        _settle(page)
        body = page.locator("div.gr-article").all_inner_texts()
        assert any('<script>window.__pwned = "article"</script>' in t for t in body), body
        assert any("<img src=x onerror=" in t for t in body)
        _nothing_ran(page)
        page.goto(f"{url}/?q={quote('值班工作 制定本办法')}", wait_until="networkidle")
        page.locator("div.gr-article").first.wait_for(timeout=180_000)
        _settle(page)
        assert "<script>" in page.locator("div.gr-article").first.inner_text()
        _nothing_ran(page)
    finally:
        page.close()


def test_markdown_in_a_document_is_not_rendered_on_the_documents_page(hostile_app, chromium):
    url, key, _ = hostile_app
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        from urllib.parse import quote

        page.goto(f"{url}/documents?doc={quote(key)}", wait_until="networkidle")
        page.get_by_text("图例 Legend").wait_for(timeout=120_000)
        _settle(page)
        assert page.locator("img[src^='http://127.0.0.1:9']").count() == 0
    finally:
        page.close()


def test_import_preview_of_a_hostile_document_in_the_browser(hostile_app, chromium):
    url, _, doc = hostile_app
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/import", wait_until="networkidle")
        page.locator("input[type=file]").set_input_files(str(doc))
        page.get_by_text("解析预览 Parse preview").wait_for(timeout=120_000)
        _settle(page)
        page.get_by_text("前几条 first articles").first.click()
        page.get_by_text("window.__pwned", exact=False).first.wait_for(timeout=30_000)
        text = page.locator("[data-testid=stExpander]").first.inner_text()
        assert '<script>window.__pwned = "article"</script>' in text and "x ![t](http://127.0.0.1:9/t.png) **粗体**" in text
        assert page.locator("img[src='http://127.0.0.1:9/t.png']").count() == 0
        _nothing_ran(page)
    finally:
        page.close()
