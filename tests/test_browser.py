"""The app in a real browser: `govrule app` on a loopback port over the seed store, driven by
headless Chromium (Debian's /usr/bin/chromium through Playwright): a search, an article opened
in its document, a SPARQL query and its error, a comparison, the documents page. Screenshots go
to ``$GOVRULE_SCREENSHOTS`` (default ``.artifacts/screenshots``)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import running_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("GOVRULE_SCREENSHOTS", ROOT / ".artifacts" / "screenshots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (make test installs it)")


@pytest.fixture(scope="module")
def app_url(store_copy, tmp_path_factory):
    """`govrule app` on a copy of the seed store (conftest.py builds it once per session)."""
    store = store_copy("browser")
    with running_app(store, tmp_path_factory.mktemp("log") / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield pg
    pg.close()


def settle(page) -> None:
    """Wait until the script run is over (Streamlit shows its status widget while it runs)."""
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(300)  # let the last elements paint


def shot(page, name: str) -> None:
    settle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sparql_query_in_the_browser(app_url, page):
    page.goto(app_url + "/sparql", wait_until="networkidle")
    page.get_by_text("SPARQL 查询").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="运行 Run").click()
    page.get_by_text("4 行 rows").wait_for(timeout=60_000)  # four documents in the seed store
    shot(page, "sparql")
    # a syntax error is a message, not a crash
    editor = page.get_by_role("textbox", name="查询 Query")
    editor.fill("SELECT ?x WHERE { ?x ")
    editor.press("Control+Enter")
    page.get_by_role("button", name="运行 Run").click()
    page.get_by_text("语法错误 Syntax error").first.wait_for(timeout=30_000)
    shot(page, "sparql-error")


def test_search_in_the_browser(app_url, page):
    page.goto(app_url + "/", wait_until="networkidle")
    box = page.get_by_label("输入问题或关键词 Question or keywords")
    box.wait_for(timeout=120_000)
    box.fill("区长出差的时候谁来主持工作")
    box.press("Enter")
    page.get_by_text("“区长出差的时候谁来主持工作”：10 条结果 hits").wait_for(timeout=120_000)
    first = page.locator("div.gr-article").first
    assert "常务副区长" in first.inner_text()
    assert page.locator("div.gr-article mark").count() > 3  # matched words highlighted
    assert page.locator("div.gr-facts").count() > 0  # extracted facts under the hits
    shot(page, "search")
    # the counterparts of the top hit in the other work rules
    page.locator("details.gr-more summary").first.click()
    page.locator("details.gr-more a").first.wait_for(timeout=30_000)
    assert "对应 aligned" in page.locator("details.gr-more").first.inner_text()
    shot(page, "search-counterparts")
    # open the top hit in its document: the article is marked there
    text = first.inner_text()
    page.get_by_role("link", name="在文件中打开 Open in its document").first.click()
    page.get_by_text("打开的条款 Opened article").wait_for(timeout=60_000)
    opened = page.locator("div.gr-article.gr-open").first
    assert opened.inner_text().split(" ", 1)[-1][:20] in text
    assert "/documents" in page.url and "article=" in page.url
    shot(page, "search-open-article")


def test_compare_in_the_browser(app_url, page):
    page.goto(app_url + "/compare", wait_until="networkidle")
    page.get_by_text("个事项 matters").wait_for(timeout=180_000)
    table = page.locator("table.gr-compare")
    table.locator("tbody tr").nth(20).wait_for(timeout=60_000)
    assert table.locator("thead th.doc").count() == 3  # the three work rules side by side
    assert "北京市西城区" in table.locator("thead").inner_text()
    assert table.locator("ins").count() > 10 and table.locator("del").count() > 10  # differences marked
    rows = table.locator("tbody tr").count()
    shot(page, "compare")
    box = page.get_by_label("事项 Matter（检索 search topics and text）")
    box.fill("常务会议")
    box.press("Enter")
    narrowed = page.locator("table.gr-compare tbody tr")
    # the full table already holds 常务会议 rows: wait for the re-render that drops the others
    deadline = time.monotonic() + 60
    while not 0 < narrowed.count() < rows and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert 0 < narrowed.count() < rows
    assert "常务会议" in narrowed.first.inner_text()
    page.get_by_role("tab", name="期限与频次 Deadlines and frequencies").click()
    page.get_by_role("tabpanel").get_by_text("每两周召开").first.wait_for(timeout=30_000)
    shot(page, "compare-deadlines")


def test_documents_page_shows_highlighted_articles(app_url, page):
    page.goto(app_url + "/documents", wait_until="networkidle")
    page.get_by_text("图例 Legend").wait_for(timeout=60_000)
    page.locator("div.gr-article").nth(20).wait_for(timeout=60_000)
    assert page.locator("mark.role").count() > 10
    assert page.locator("mark.time").count() > 0
    assert page.locator("div.gr-article").count() > 20
    shot(page, "documents")
