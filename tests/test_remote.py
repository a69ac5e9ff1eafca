"""The graph on real SPARQL servers (Oxigraph's server from PyPI, Debian's Virtuoso), and our own
read-only endpoint (``govrule serve-sparql``).

Each server starts on a loopback port with a throwaway database; the seed corpus is built into it
with the same code as the embedded store, and the same questions must get the same answers.
Virtuoso's two known deviations are compared by value, not by spelling: it computes boolean
expressions as 1/0 and keeps xsd:duration as seconds or months (graph/remote.py)."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from graph.facts import deadlines, obligations
from graph.library import load_queries
from graph.ontology import ENTITIES_GRAPH, META_GRAPH, doc_iri
from graph.remote import RemoteError, RemoteStore, StoreUnreachable, _duration
from graph.store import build_store, open_store, write_graph
from ingest.pipeline import parse_paths
from sparql_servers import VIRTUOSO_USER, ServerMissing, free_port, oxigraph_server, stop, virtuoso_server, wait_http

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seeds():
    res = parse_paths([ROOT / "corpus"])
    assert not res.errors
    return res.documents


@pytest.fixture(scope="module")
def local(seeds, tmp_path_factory):
    d = tmp_path_factory.mktemp("embedded") / "store"
    build_store(seeds, d)
    with open_store(d) as st:
        yield st


@contextlib.contextmanager
def skip_missing():
    try:
        yield
    except ServerMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory):
    with skip_missing(), oxigraph_server(tmp_path_factory.mktemp("oxigraph") / "db") as url:
        yield url


@pytest.fixture(scope="module")
def virtuoso_url(tmp_path_factory):
    with skip_missing(), virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


BUILT: set[str] = set()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request, monkeypatch, seeds):
    """A server with the seed corpus built into it (once per server) and its credentials in the
    environment (Virtuoso: the throwaway database's dba account over Digest authentication)."""
    if request.param == "virtuoso":
        url = request.getfixturevalue("virtuoso_url")
        monkeypatch.setenv("GOVRULE_SPARQL_USER", VIRTUOSO_USER[0])
        monkeypatch.setenv("GOVRULE_SPARQL_PASSWORD", VIRTUOSO_USER[1])
    else:
        url = request.getfixturevalue("oxigraph_url")
        monkeypatch.delenv("GOVRULE_SPARQL_USER", raising=False)
    monkeypatch.setenv("GOVRULE_CACHE", str(request.config._tmp_path_factory.getbasetemp() / "remote-cache"))
    if url not in BUILT:
        rep = build_store(seeds, url)
        assert (rep.added, rep.replaced, rep.removed) == (len(seeds), 0, 0)
        BUILT.add(url)
    return request.param, url


def norm(v, virtuoso: bool):
    """A plain value, compared by value where Virtuoso spells it its own way."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"-?P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?([\d.]+S)?)?", v) and v != "P":
        return _iso_value(v)
    return v


def _iso_value(v: str):
    m = re.fullmatch(r"(-?)P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", v)
    sign, y, mo, d, h, mi, s = m.groups()
    months = int(y or 0) * 12 + int(mo or 0)
    seconds = ((int(d or 0) * 24 + int(h or 0)) * 60 + int(mi or 0)) * 60 + float(s or 0)
    k = -1 if sign else 1
    return ("duration", k * months, k * seconds)


def rows_of(rows, virtuoso):
    return sorted(json.dumps([norm(r[k], virtuoso) for k in sorted(r)], ensure_ascii=False, default=str)
                  for r in rows)


def test_build_into_a_server_then_rebuild_writes_nothing(server, seeds, local):
    kind, url = server
    rep = build_store(seeds, url)
    assert (rep.added, rep.replaced, rep.removed, rep.unchanged) == (0, 0, 0, len(seeds))
    with open_store(url) as st:
        assert isinstance(st, RemoteStore)
        assert len(st.document_graphs()) == len(seeds)  # one named graph per document
        assert st.count() == len(local)  # every quad arrived, bookkeeping included


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_example_queries_answer_the_same(server, local, name):
    kind, url = server
    sparql = load_queries()[name].sparql
    want = local.query_plain(sparql)
    with open_store(url) as st:
        got = st.query_plain(sparql)
    assert rows_of(got, kind == "virtuoso") == rows_of(want, kind == "virtuoso")


def test_obligations_and_deadlines_are_the_same(server, local):
    kind, url = server
    with open_store(url) as st:
        for fn, kw in ((obligations, {}), (obligations, {"role": "副区长"}), (deadlines, {}),
                       (deadlines, {"kind": "frequency"})):
            want, got = fn(local, **kw), fn(st, **kw)
            assert len(want) > 5
            assert rows_of(got, kind == "virtuoso") == rows_of(want, kind == "virtuoso")


def test_cli_commands_against_a_server(server, tmp_path, local):
    kind, url = server
    env = {**os.environ, "GOVRULE_CACHE": str(tmp_path / "cache")}
    run = lambda *a: subprocess.run([sys.executable, "-m", "cli", *a, "--store", url], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    p = run("build", str(ROOT / "corpus"), "--no-search")  # the paths as the fixture gave them
    assert p.returncode == 0, p.stderr
    assert "0 added, 0 replaced, 4 unchanged, 0 removed" in p.stderr
    p = run("sparql", "SELECT (COUNT(?a) AS ?n) WHERE { ?a a gr:Article }", "--format", "json")
    assert p.returncode == 0, p.stderr
    n = int(json.loads(p.stdout)["results"]["bindings"][0]["n"]["value"])
    assert n == int(local.query_plain("SELECT (COUNT(?a) AS ?n) WHERE { ?a a gr:Article }")[0]["n"])
    p = run("sparql", "INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    assert p.returncode == 2 and "SPARQL refused" in p.stderr  # read-only, as on the embedded store
    p = run("obligations", "--role", "区长", "--json")
    assert p.returncode == 0 and len(json.loads(p.stdout)) == len(obligations(local, role="区长"))
    out = tmp_path / "graph.nq"
    p = run("export", "--format", "nq", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert sum(1 for _ in out.open()) == len(local) - local.count(META_GRAPH)  # bookkeeping left out


def test_alignments_and_compare_against_a_server(server, seeds):
    from graph.align import align, alignment_triples
    from graph.compare import matters
    from graph.ontology import ALIGNMENTS_GRAPH

    kind, url = server
    rules = [d for d in seeds if d.doc_type == "工作规则"]
    result = align(rules, embed=None)
    n = write_graph(url, ALIGNMENTS_GRAPH, alignment_triples(result, groups=matters(rules, result)))
    with open_store(url) as st:
        assert st.count(ALIGNMENTS_GRAPH) == n > 100
        rows = st.query_plain("SELECT (COUNT(*) AS ?n) WHERE { ?x a gr:Alignment }")
        assert int(rows[0]["n"]) > 50


def test_a_changed_document_replaces_only_its_graph(server, seeds):
    kind, url = server
    with open_store(url) as st:
        before = st.meta()
    victim = seeds[0]
    edited = replace(victim, articles=victim.articles[:-1])  # its last article repealed
    rep = build_store([edited] + seeds[1:], url)
    try:
        assert (rep.added, rep.replaced, rep.unchanged, rep.removed) == (0, 1, len(seeds) - 1, 0)
        with open_store(url) as st:
            after = st.meta()
            n_articles = st.query_plain(f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a gr:Article ; "
                                        f"eli:is_part_of <{doc_iri(victim.key)}> }}")[0]["n"]
        assert int(n_articles) == len(victim.articles) - 1
        moved = {g for g in after if after[g].get("hash") != before.get(g, {}).get("hash")}
        assert str(doc_iri(victim.key)) in moved
        assert moved <= {str(doc_iri(victim.key)), str(ENTITIES_GRAPH)}  # the rest untouched
        assert all(after[g] == before[g] for g in before if g not in moved)
    finally:
        assert build_store(seeds, url).replaced == 1  # restored


def test_unreachable_server_is_a_one_line_error():
    url = f"http://127.0.0.1:{free_port()}/query"
    t0 = time.time()
    p = subprocess.run([sys.executable, "-m", "cli", "obligations", "--store", url], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "unreachable" in lines[0]
    assert time.time() - t0 < 60


def test_credentials_come_from_the_environment(virtuoso_url, monkeypatch, tmp_path):
    monkeypatch.delenv("GOVRULE_SPARQL_USER", raising=False)
    with pytest.raises(StoreUnreachable, match="GOVRULE_SPARQL_USER"):
        open_store(virtuoso_url, read_only=False).update("CLEAR GRAPH <https://govrule.org/graph/nothing>")
    monkeypatch.setenv("GOVRULE_SPARQL_USER", "dba")
    monkeypatch.setenv("GOVRULE_SPARQL_PASSWORD", "wrong")
    with pytest.raises(StoreUnreachable, match="refused"):
        open_store(virtuoso_url, read_only=False).update("CLEAR GRAPH <https://govrule.org/graph/nothing>")
    p = subprocess.run([sys.executable, "-m", "cli", "obligations", "--store",
                        virtuoso_url.replace("http://", "http://dba:dba@")], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "GOVRULE_SPARQL_USER" in p.stderr  # never in the URL
    assert len(p.stderr.strip().splitlines()) == 1


def test_server_without_union_default_graph_is_named(tmp_path, seeds):
    with skip_missing(), oxigraph_server(tmp_path / "db", union=False) as url:
        build_store(seeds[:1], url)
        with pytest.raises(StoreUnreachable, match="union"):
            open_store(url)


def test_virtuoso_durations_read_back_as_iso():
    assert _duration("432000.0") == "P5D"
    assert _duration("18000.0") == "PT5H"
    assert _duration("14") == "P1Y2M"
    assert _duration("3") == "P3M"
    assert _duration("P2D") == "P2D"


# ---------------------------------------------------------------- our own endpoint

def sparql_get(url: str, query: str, accept="application/sparql-results+json"):
    req = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def cmdline(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process has gone
        return b""


def test_serve_sparql_is_read_only_and_follows_new_builds(tmp_path, seeds):
    store = tmp_path / "store"
    build_store(seeds[:2], store)
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve-sparql", "--store", str(store), "--port", str(port)],
                            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_http(url + "?query=ASK%7B%7D", proc, log, timeout=60)
        count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <https://govrule.org/ontology#Document> }"
        body = sparql_get(url, count)
        assert int(body["results"]["bindings"][0]["n"]["value"]) == 2  # the union of the named graphs
        # the standard protocol: an update is refused
        req = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=urllib.parse.urlencode(
            {"update": "CLEAR ALL"}).encode(), method="POST")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=30)
        # our own client reads it like any server
        with open_store(url) as st:
            assert len(st.document_graphs()) == 2
        build_store(seeds, store)  # a new version is published …
        deadline = time.time() + 30
        while time.time() < deadline:  # … and served within a few seconds
            try:
                if int(sparql_get(url, count)["results"]["bindings"][0]["n"]["value"]) == len(seeds):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"the endpoint still serves the old version: {log.read_text()[-800:]}")
        assert "serving" in log.read_text()
    finally:
        stop(proc)
    assert proc.returncode == 0  # SIGTERM is a clean stop …
    time.sleep(0.5)
    left = [c for c in map(cmdline, Path("/proc").glob("[0-9]*/cmdline"))
            if b"serve-read-only" in c and str(store).encode() in c]
    assert not left  # … that takes the oxigraph server down with it


def _app_pages(store: str) -> dict:
    """What the documents, obligations and SPARQL pages show over ``store``."""
    from streamlit.testing.v1 import AppTest

    os.environ["GOVRULE_STORE"] = store
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("ui/documents_page.py").run()
    assert not at.exception, [e.value for e in at.exception]
    docs = sorted(at.dataframe[0].value.astype(str).itertuples(index=False))
    at.switch_page("ui/obligations_page.py").run()
    at.selectbox[0].set_value("区政府领导同志").run()
    assert not at.exception, [e.value for e in at.exception]
    duties = sorted(at.dataframe[0].value.astype(str).itertuples(index=False))
    at.switch_page("ui/sparql_page.py").run()
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return {"documents": docs, "obligations": duties, "sparql": [c.value for c in at.caption if "行 rows" in c.value]}


def test_the_app_shows_the_same_over_a_server(server, local, monkeypatch):
    kind, url = server
    monkeypatch.setenv("GOVRULE_STORE", "")
    want = _app_pages(str(local.store_dir))
    got = _app_pages(url)
    assert len(want["documents"]) == 4 and len(want["obligations"]) > 10
    assert got["documents"] == want["documents"]
    assert got["obligations"] == want["obligations"]
    assert got["sparql"] and got["sparql"][0].split(" ·")[0] == want["sparql"][0].split(" ·")[0]


class _Flaky:
    """A loopback HTTP server that answers 503 ``failures`` times, then ``body`` (a SPARQL ASK result)."""

    def __init__(self, failures: int, body: bytes = b'{"head": {}, "boolean": true}',
                 ctype: str = "application/sparql-results+json"):
        import http.server
        import threading

        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                outer.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.requests <= failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_requests_are_retried_while_the_server_is_busy():
    flaky = _Flaky(failures=2)  # e.g. a server still starting behind a proxy
    try:
        RemoteStore(flaky.url).ping()
        assert flaky.requests == 3
    finally:
        flaky.close()
    down = _Flaky(failures=100)
    try:
        with pytest.raises(StoreUnreachable, match="HTTP 503 .tried 4 times"):
            RemoteStore(down.url).ping()
        assert down.requests == 4
    finally:
        down.close()


def test_adding_documents_to_a_server(tmp_path, seeds, local):
    """The app's import against a server: documents added one batch at a time end as one build."""
    with skip_missing(), oxigraph_server(tmp_path / "db") as url:
        build_store(seeds[:2], url)
        rep = build_store(seeds[2:], url, remove_missing=False)
        assert (rep.added, rep.removed) == (len(seeds) - 2, 0)
        with open_store(url) as st:
            assert set(st.triples([ENTITIES_GRAPH])) == set(local.triples([ENTITIES_GRAPH]))
            assert len(st.document_graphs()) == len(seeds)
            assert st.size() == st.count() > 0


def test_a_url_that_is_not_a_sparql_endpoint_is_named():
    web = _Flaky(failures=0, body=b"<html><body>Welcome</body></html>", ctype="text/html")
    try:
        with pytest.raises(RemoteError, match="not SPARQL results JSON"):
            RemoteStore(web.url).ping()
        p = subprocess.run([sys.executable, "-m", "cli", "obligations", "--store", web.url], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "SPARQL endpoint?" in p.stderr
    finally:
        web.close()
