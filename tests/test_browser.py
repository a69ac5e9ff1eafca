"""The app in a real browser: `govrule app` on a loopback port, driven by headless Chromium
(Debian's /usr/bin/chromium through Playwright). Screenshots go to ``$GOVRULE_SCREENSHOTS``
(default ``.artifacts/screenshots``)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("GOVRULE_SCREENSHOTS", ROOT / ".artifacts" / "screenshots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (make test installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    store = tmp_path_factory.mktemp("browser") / "store"
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "cli", "app", "--store", str(store), "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            pytest.fail(f"the app exited: {Path(log.name).read_text()[-2000:]}")
    else:
        proc.kill()
        pytest.fail("the app did not come up in 240 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield pg
    pg.close()


def shot(page, name: str) -> None:
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
    page.get_by_text("条结果 hits").wait_for(timeout=120_000)
    first = page.locator("div.gr-article").first
    assert "常务副区长" in first.inner_text()
    assert page.locator("div.gr-article mark").count() > 3  # matched words highlighted
    shot(page, "search")


def test_documents_page_shows_highlighted_articles(app_url, page):
    page.goto(app_url + "/documents", wait_until="networkidle")
    page.get_by_text("图例 Legend").wait_for(timeout=60_000)
    page.locator("div.gr-article").nth(20).wait_for(timeout=60_000)
    assert page.locator("mark.role").count() > 10
    assert page.locator("mark.time").count() > 0
    assert page.locator("div.gr-article").count() > 20
    shot(page, "documents")
