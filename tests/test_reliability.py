"""Builds that are killed, locked out or read during: nothing lost, nothing half-seen.

Real `govrule build` processes are killed with SIGKILL at random moments (a fixed seed, so a
failure reproduces); after each kill the store must open, answer, hold exactly the documents
of one complete build (the previous or the new one, never a mix) and pass `govrule check`.
A build paused half-way shows that readers (a handle opened before, a new one, `govrule
sparql`, the app) keep the previous store, that a second build is refused, and that the same
build run again resumes what a killed one had written. `govrule check` is shown to find what
it is meant to find.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.check import check_store
from graph.store import build_store, open_store, pointer
from graph.versions import StoreBusy, store_lock
from ingest.pipeline import parse_paths

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEED = 20251121
TITLES = "SELECT ?t WHERE { ?d a gr:Document ; eli:title ?t }"


def govrule(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, **kw)


def titles(store: Path) -> frozenset[str]:
    with open_store(store) as st:
        return frozenset(str(r["t"]) for r in st.query(TITLES))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """Two inputs that differ in every way a build handles: A = 西城 rules (file 000), 朝阳 rules,
    西城 plan; B = 西城 rules from its twin file 001, 朝阳 rules with an article changed, 西市 rules
    (the plan removed). Plus the document titles a complete build of each gives."""
    root = tmp_path_factory.mktemp("inputs")
    files = sorted(CORPUS.glob("*.txt"))
    a, b = root / "A", root / "B"
    a.mkdir()
    b.mkdir()
    for i in (0, 2, 3):
        shutil.copy(files[i], a / files[i].name)
    for i in (1, 4):
        shutil.copy(files[i], b / files[i].name)
    text = files[2].read_text(encoding="utf-8")
    (b / files[2].name).write_text(text.replace("第二条", "第二条 （修订）", 1), encoding="utf-8")
    out = {"A": a, "B": b}
    for name in ("A", "B"):
        docs = parse_paths([out[name]]).documents
        out[f"titles_{name}"] = frozenset(d.title for d in docs)
        clean = root / f"clean_{name}"
        build_store(docs, clean)
        with open_store(clean) as st:
            out[f"meta_{name}"] = {g: v["hash"] for g, v in st.meta().items()}
    assert out["titles_A"] != out["titles_B"]
    return out


def same_as_clean(store: Path, inputs: dict, name: str) -> bool:
    """The store holds exactly what a clean build of ``name`` holds (every graph's content hash)."""
    with open_store(store) as st:
        return {g: v["hash"] for g, v in st.meta().items()} == inputs[f"meta_{name}"]


def assert_sound(store: Path) -> None:
    rep = check_store(store, shacl=False, index=False)
    assert rep.ok, rep.problems


# ---------------------------------------------------------------- SIGKILL at random moments


def test_build_killed_at_random_moments_leaves_a_working_store(inputs, tmp_path):
    store = tmp_path / "store"
    assert govrule("build", inputs["A"], "--store", store, "--no-search").returncode == 0
    t0 = time.perf_counter()
    assert govrule("build", inputs["B"], "--store", store, "--no-search").returncode == 0
    full = time.perf_counter() - t0  # how long one whole build takes here (interpreter start included)
    rng = random.Random(SEED)
    killed_mid_build = 0
    for run in range(8):
        target = "A" if run % 2 == 0 else "B"  # alternate, so every build has work to do
        proc = subprocess.Popen([sys.executable, "-m", "cli", "build", str(inputs[target]), "--store", str(store),
                                 "--no-search"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, full * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_mid_build += proc.returncode == -signal.SIGKILL
        held = titles(store)  # opens and answers
        assert held in (inputs["titles_A"], inputs["titles_B"]), f"run {run}: a mix of two builds: {sorted(held)}"
        assert same_as_clean(store, inputs, "A" if held == inputs["titles_A"] else "B"), f"run {run}"
        assert_sound(store)
    assert killed_mid_build >= 4, "the kills should mostly land inside a build"
    # the lock died with the killed builds, and the next build finishes the job
    done = govrule("build", inputs["B"], "--store", store, "--no-search")
    assert done.returncode == 0, done.stderr
    assert titles(store) == inputs["titles_B"] and same_as_clean(store, inputs, "B")
    assert_sound(store)
    ptr = pointer(store)  # old versions cleaned up; what is left is a killed build's copy, kept to resume it
    for left in ptr.staging():
        assert json.loads(ptr.marker(left).read_text())["base"] == ptr.current().name


CHILD_BUILD = """
import os, signal, sys, time
import graph.store as gs
from ingest.pipeline import parse_paths
src, store, stop_at, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
gs.BATCH_BYTES = gs.STREAM_BYTES = 1  # one batch per document: the kill or pause lands between batches
docs = parse_paths([src]).documents

def progress(n, total):
    if n == stop_at and mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if n == stop_at and mode == "pause":
        open(store + ".paused", "w").close()
        while not os.path.exists(store + ".go"):
            time.sleep(0.02)

gs.build_store(docs, store, progress=progress)
"""


def child_build(src: Path, store: Path, stop_at: int, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD_BUILD, str(src), str(store), str(stop_at), mode],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)


def test_killed_build_resumes_where_it_stopped(inputs, tmp_path):
    store = tmp_path / "store"
    build_store(parse_paths([inputs["A"]]).documents, store)
    proc = child_build(inputs["B"], store, 2, "kill")  # dies after writing two of B's three documents
    proc.wait(120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert titles(store) == inputs["titles_A"] and same_as_clean(store, inputs, "A")
    assert len(pointer(store).staging()) == 1  # the staging copy, marked resumable
    other = build_store(parse_paths([inputs["A"]]).documents, store)  # another build: starts from the store, not the copy
    assert not other.resumed and other.added + other.replaced + other.removed == 0
    proc = child_build(inputs["B"], store, 2, "kill")
    proc.wait(120)
    again = build_store(parse_paths([inputs["B"]]).documents, store)  # the same build again
    assert again.resumed
    assert again.added + again.replaced + again.removed < 4  # the two written documents are not written again
    assert titles(store) == inputs["titles_B"] and same_as_clean(store, inputs, "B")
    assert pointer(store).staging() == []
    assert_sound(store)


# ---------------------------------------------------------------- during a build: readers, the lock


def test_readers_keep_working_and_a_second_build_is_refused_during_a_build(inputs, tmp_path):
    store = tmp_path / "store"
    build_store(parse_paths([inputs["A"]]).documents, store)
    before = open_store(store)  # a reader from before the build
    proc = child_build(inputs["B"], store, 2, "pause")
    try:
        deadline = time.time() + 120
        while not Path(f"{store}.paused").exists():
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
            time.sleep(0.05)
        # half-way through the build: everyone reads the previous store
        assert frozenset(str(r["t"]) for r in before.query(TITLES)) == inputs["titles_A"]
        assert titles(store) == inputs["titles_A"]
        out = govrule("sparql", TITLES, "--format", "json", "--store", store)
        assert out.returncode == 0, out.stderr
        assert {b["t"]["value"] for b in json.loads(out.stdout)["results"]["bindings"]} == inputs["titles_A"]
        assert check_store(store, shacl=False, index=False).ok
        # and nobody else builds
        busy = govrule("build", inputs["A"], "--store", store, "--no-search")
        assert busy.returncode == 1 and "another build is running" in busy.stderr and str(proc.pid) in busy.stderr
        assert "Traceback" not in busy.stderr
        Path(f"{store}.go").touch()
        assert proc.wait(120) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert titles(store) == inputs["titles_B"]  # new readers see the new store
    assert frozenset(str(r["t"]) for r in before.query(TITLES)) == inputs["titles_A"]  # the old one still answers
    old = before.path
    assert old.is_dir()  # kept while its reader holds it
    before.close()
    build_store(parse_paths([inputs["B"]]).documents[:1], store)  # the next build cleans it up
    assert not old.exists()


def test_lock_is_released_by_a_dying_holder(inputs, tmp_path):
    store = tmp_path / "store"
    build_store(parse_paths([inputs["A"]]).documents, store)
    with store_lock(store):
        busy = govrule("build", inputs["B"], "--store", store, "--no-search")
        assert busy.returncode == 1 and f"pid {os.getpid()}" in busy.stderr
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom graph.versions import store_lock\n"
                               "with store_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(120)\n",
                               str(store)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match="another build is running"):
            build_store(parse_paths([inputs["B"]]).documents, store)
    finally:
        holder.kill()
        holder.wait()
    rep = build_store(parse_paths([inputs["B"]]).documents, store)  # no stale lock after a SIGKILL
    assert rep.added == 1 and titles(store) == inputs["titles_B"]


def test_a_failed_transaction_publishes_nothing(inputs, tmp_path):
    store = tmp_path / "store"
    build_store(parse_paths([inputs["A"]]).documents, store)
    with pytest.raises(RuntimeError):
        with open_store(store, read_only=False) as st:
            st.ox.clear()
            raise RuntimeError("a bug half-way through a write")
    assert titles(store) == inputs["titles_A"] and pointer(store).staging() == []


# ---------------------------------------------------------------- graph and search index together


def test_build_with_search_killed_keeps_graph_and_index_in_step(store_copy, inputs):
    """`govrule build` with the search index (embeddings cached in the store copy): killed at
    random moments, the graph and the index each open, and they agree on the articles."""
    from search.index import open_index

    store = store_copy("kill-search")
    rng = random.Random(SEED + 1)
    t0 = time.perf_counter()
    assert govrule("build", inputs["A"], "--store", store).returncode == 0
    full = time.perf_counter() - t0
    for run in range(3):
        target = inputs["B" if run % 2 == 0 else "A"]
        proc = subprocess.Popen([sys.executable, "-m", "cli", "build", str(target), "--store", str(store)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, full))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert len(open_index(store)) > 0 and titles(store)
        rep = check_store(store, shacl=False)
        assert rep.ok, rep.problems
    done = govrule("build", inputs["B"], "--store", store)
    assert done.returncode == 0, done.stderr
    rep = check_store(store, shacl=False)
    assert rep.ok and any(p.startswith("search index: the same") for p in rep.passed), rep


# ---------------------------------------------------------------- the app reads on


def test_app_keeps_serving_and_sees_the_new_store(inputs, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = tmp_path / "store"
    build_store(parse_paths([inputs["A"]]).documents, store)
    monkeypatch.setenv("GOVRULE_STORE", str(store))

    def listed() -> frozenset[str]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("ui/documents_page.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return frozenset(at.dataframe[0].value["标题 Title"])

    assert listed() == inputs["titles_A"]
    proc = child_build(inputs["B"], store, 2, "pause")
    try:
        while not Path(f"{store}.paused").exists():
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        assert listed() == inputs["titles_A"]  # during the build
        Path(f"{store}.go").touch()
        assert proc.wait(120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert listed() == inputs["titles_B"]  # the next run of the page sees the new version


# ---------------------------------------------------------------- govrule check finds what is wrong


@pytest.fixture(scope="module")
def built(inputs, seed_store, tmp_path_factory) -> Path:
    """``src/`` (input A) and ``store/`` built from it by `govrule build` (graph and index), with
    the source paths recorded relative to the folder that holds both, so copies stay valid. The
    embeddings come from the seed store's cache."""
    base = tmp_path_factory.mktemp("checked")
    shutil.copytree(inputs["A"], base / "src")
    shutil.copytree(seed_store / "search" / "cache", base / "store" / "search" / "cache")
    proc = subprocess.run([sys.executable, "-m", "cli", "build", "src", "--store", "store"], cwd=base,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return base


@pytest.fixture
def checked(built, tmp_path):
    """(sources, store): a fresh copy of ``built`` for a test to damage."""
    dst = tmp_path / "copy"
    shutil.copytree(built, dst, symlinks=True)
    return dst / "src", dst / "store"


def test_check_passes_a_sound_store(checked):
    _, store = checked
    proc = govrule("check", "--store", store)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sound" in proc.stderr
    for what in ("bookkeeping:", "SHACL:", "sources:", "search index: the same"):
        assert any(line.startswith(f"ok: {what}") for line in proc.stdout.splitlines()), proc.stdout
    rep = json.loads(govrule("check", "--store", store, "--json", "--no-shacl").stdout)
    assert rep["ok"] and not rep["problems"]


def test_check_finds_changed_and_missing_sources(checked):
    src, store = checked
    files = sorted(src.glob("*.txt"))
    files[0].write_text("前言\n" + files[0].read_text(encoding="utf-8"), encoding="utf-8")  # every span shifts
    files[1].unlink()
    proc = govrule("check", "--store", store, "--no-shacl")
    assert proc.returncode == 1
    problems = [line for line in proc.stdout.splitlines() if line.startswith("problem:")]
    assert any("changed since the build" in p and files[0].name in p and "no longer hold" in p for p in problems)
    assert any("not found" in p and files[1].name in p for p in problems)


def test_check_finds_a_graph_that_differs_from_its_bookkeeping_and_shapes(checked):
    from graph.ontology import GR

    _, store = checked
    with open_store(store, read_only=False) as st:  # damage: drop one article's text (a required property)
        q = next(iter(st.ox.quads_for_pattern(None, ox.NamedNode(str(GR.text)), None)))
        st.ox.remove(q)
    rep = check_store(store)
    assert not rep.ok
    assert any(p.startswith("bookkeeping:") and "the build wrote" in p for p in rep.problems), rep.problems
    assert any(p.startswith("SHACL:") for p in rep.problems), rep.problems


def test_check_finds_an_index_that_disagrees_with_the_graph(checked, inputs):
    _, store = checked
    build_store(parse_paths([inputs["B"]]).documents, store)  # the graph moves on, the index does not
    rep = check_store(store, shacl=False, sources=False)
    assert any("not indexed" in p for p in rep.problems) and any("not in the graph" in p for p in rep.problems)


def test_check_of_a_missing_store(tmp_path):
    proc = govrule("check", "--store", tmp_path / "nothing")
    assert proc.returncode == 1 and "no graph store" in proc.stdout and "Traceback" not in proc.stderr


def test_a_store_from_before_versioning_is_adopted(inputs, seed_store, tmp_path):
    """Stores built before versioned builds hold the database in STORE/oxigraph and the index in
    STORE/search/index as plain folders: they are read as they are and adopted by the next build."""
    from search.index import build_index, open_index

    store = tmp_path / "store"
    shutil.copytree(seed_store / "search" / "cache", store / "search" / "cache")  # embeddings of the seed texts
    docs_a = parse_paths([inputs["A"]]).documents
    build_store(docs_a, store)
    build_index(docs_a, store)
    for link in (store / "oxigraph", store / "search" / "index"):  # back to the old layout
        target = link.parent / os.readlink(link)
        link.unlink()
        target.rename(link)
    assert (store / "oxigraph").is_dir() and not (store / "oxigraph").is_symlink()
    assert titles(store) == inputs["titles_A"] and len(open_index(store)) > 0
    assert check_store(store, shacl=False, index=False).notes[0].startswith("the store predates")
    docs_b = parse_paths([inputs["B"]]).documents
    build_store(docs_b, store)
    build_index(docs_b, store)
    assert (store / "oxigraph").is_symlink() and (store / "search" / "index").is_symlink()
    assert titles(store) == inputs["titles_B"] and same_as_clean(store, inputs, "B")
    assert check_store(store, shacl=False).ok
    assert not list((store / "oxigraph.versions").glob("*-legacy"))  # the old folder, cleaned up

