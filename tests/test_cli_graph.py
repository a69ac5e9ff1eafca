"""The graph commands (`build`, `sparql`, `obligations`, `deadlines`, `export`) as real
subprocesses over a real Oxigraph store built from the seed corpus.

These are contracts: JSON field names, SPARQL 1.1 results JSON, exit statuses, one-line
errors that name the file, and a store that bad input never damages.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
OBLIGATION_KEYS = {"doc_number", "title", "district", "article", "modality", "strength", "bearer", "role",
                   "action", "text", "conditions", "constraints"}
DEADLINE_KEYS = {"doc_number", "title", "district", "article", "surface", "kind", "iso", "working_days",
                 "count", "period_iso", "applies_to", "bearer"}


def govrule(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, env={**os.environ, **(env or {})})


def as_json(*args):
    proc = govrule(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("store") / "gr"
    proc = govrule("build", CORPUS, "--store", d, "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert "4 added" in proc.stderr
    return d


def test_rebuild_of_unchanged_corpus_changes_nothing(store):
    proc = govrule("build", CORPUS, "--store", store, "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert "0 added, 0 replaced, 4 unchanged, 0 removed" in proc.stderr


def test_store_from_environment(store):
    rows = json.loads(govrule("deadlines", "--json", env={"GOVRULE_STORE": str(store)}).stdout)
    assert rows


def test_missing_store_is_a_clear_error(tmp_path):
    proc = govrule("obligations", "--store", tmp_path / "nothing")
    assert proc.returncode == 1
    assert "no graph store" in proc.stderr and "Traceback" not in proc.stderr


def test_sparql_formats(store):
    q = "SELECT ?title WHERE { ?d a gr:Document ; eli:title ?title } ORDER BY ?title"
    res = as_json("sparql", q, "--format", "json", "--store", store)
    assert res["head"]["vars"] == ["title"]  # SPARQL 1.1 Query Results JSON
    titles = [b["title"]["value"] for b in res["results"]["bindings"]]
    assert len(titles) == 4 and "北京市朝阳区人民政府工作规则" in titles
    assert res["results"]["bindings"][0]["title"]["xml:lang"] == "zh"

    proc = govrule("sparql", q, "--format", "csv", "--store", store)
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["title"] and len(rows) == 5

    proc = govrule("sparql", q, "--store", store)
    assert proc.returncode == 0 and "北京市朝阳区人民政府工作规则" in proc.stdout

    ask = as_json("sparql", "ASK { ?r skos:prefLabel \"常务副区长\"@zh }", "--format", "json", "--store", store)
    assert ask["boolean"] is True


def test_sparql_from_file_and_library_name(store, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("SELECT (COUNT(?a) AS ?n) WHERE { ?a a gr:Article }", encoding="utf-8")
    res = as_json("sparql", f, "--format", "json", "--store", store)
    assert int(res["results"]["bindings"][0]["n"]["value"]) == 205
    res = as_json("sparql", "meeting_frequencies", "--format", "json", "--store", store)
    assert res["results"]["bindings"]


def test_sparql_errors_are_one_line(store):
    proc = govrule("sparql", "SELECT ?x WHERE { ?x ", "--store", store)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: SPARQL syntax") and "Traceback" not in proc.stderr
    proc = govrule("sparql", "DELETE WHERE { ?s ?p ?o }", "--store", store)  # read-only
    assert proc.returncode == 2
    assert len(as_json("sparql", "SELECT * WHERE { ?a a gr:Article }", "--format", "json",
                       "--store", store)["results"]["bindings"]) == 205


def test_obligations_contract(store):
    rows = as_json("obligations", "--json", "--store", store)
    assert len(rows) > 150
    for r in rows:
        assert OBLIGATION_KEYS <= set(r)
        assert r["modality"] in {"obligation", "prohibition", "permission"}
        assert r["strength"] in {"strict", "hedged"}
        assert isinstance(r["conditions"], list) and isinstance(r["constraints"], list)
        assert isinstance(r["article"], int)
    # a clause with a deadline carries it, normalised
    with_deadline = [c for r in rows for c in r["constraints"] if c["working_days"]]
    assert with_deadline and all(c["iso"].startswith("P") for c in with_deadline)
    # hedged clauses exist (一般 / 原则上)
    assert any(r["strength"] == "hedged" for r in rows)


def test_obligations_filter_by_role_and_district(store):
    rows = as_json("obligations", "--role", "副区长", "--json", "--store", store)
    assert rows and all(r["role"] == "副区长" for r in rows)
    assert {r["bearer"] for r in rows} <= {"副区长", "常务副区长"}
    assert len({r["district"] for r in rows}) == 3  # all three work rules bind 副区长
    xicheng = as_json("obligations", "--role", "副区长", "--district", "西城", "--json", "--store", store)
    assert xicheng and {r["district"] for r in xicheng} == {"北京市西城区"}
    assert len(xicheng) < len(rows)
    # a variant is accepted for the canonical role
    a = as_json("obligations", "--role", "各组成部门", "--json", "--store", store)
    b = as_json("obligations", "--role", "区政府各部门", "--json", "--store", store)
    assert a == b and a


def test_deadlines_contract_and_standing_meeting_frequency(store):
    rows = as_json("deadlines", "--json", "--store", store)
    for r in rows:
        assert DEADLINE_KEYS <= set(r)
        assert r["kind"] in {"deadline", "advance_notice", "frequency", "minimum"}
        assert r["applies_to"]  # a clause or the sentence it sits in
    standing = [r for r in rows if r["kind"] == "frequency" and "常务会议" in (r["applies_to"] or "")
                and "召开" in r["surface"]]
    by_district = {r["district"]: (r["count"], r["period_iso"]) for r in standing}
    assert set(by_district) == {"北京市西城区", "北京市朝阳区", "营口市西市区"}
    assert all(count and period for count, period in by_district.values())
    working = [r for r in rows if r["working_days"]]
    assert working and all(r["iso"] and r["iso"].endswith("D") for r in working)
    table = govrule("deadlines", "--kind", "frequency", "--store", store)
    assert table.returncode == 0 and "frequency" in table.stdout and "deadline " not in table.stdout


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_export(store, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    proc = govrule("export", "--format", fmt, "--out", out, "--store", store)
    assert proc.returncode == 0, proc.stderr
    if fmt == "jsonld":
        ds = Dataset()
        ds.parse(out, format="json-ld")
        n = len(set(ds.quads((None, None, None, None))))
    else:
        n = len(Graph().parse(out, format={"ttl": "turtle", "nt": "nt"}[fmt]))
    assert n > 5000
    assert str(n) in proc.stderr


def test_bad_input_keeps_what_was_built(tmp_path):
    """A file that parsed last time and is broken now: one error line naming it, exit 1, and
    its document stays in the store; the rest of the batch is still built."""
    src = tmp_path / "in"
    src.mkdir()
    seeds = sorted(CORPUS.glob("*"))
    for f in seeds[2:4]:
        shutil.copy(f, src / f.name)
    store = tmp_path / "st"
    assert govrule("build", src, "--store", store, "--no-search").returncode == 0
    before = as_json("sparql", "SELECT ?t WHERE { ?d a gr:Document ; eli:title ?t }", "--format", "json",
                     "--store", store)["results"]["bindings"]
    assert len(before) == 2

    broken = sorted(src.glob("*"))[0]
    broken.write_bytes(b"\x00\x01\x02" * 400)  # now a binary file
    shutil.copy(seeds[4], src / seeds[4].name)  # and a new good file
    proc = govrule("build", src, "--store", store, "--no-search")
    assert proc.returncode == 1
    errors = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
    assert len(errors) == 1 and broken.name in errors[0]
    after = as_json("sparql", "SELECT ?t WHERE { ?d a gr:Document ; eli:title ?t }", "--format", "json",
                    "--store", store)["results"]["bindings"]
    assert len(after) == 3  # the broken file's document kept, the new one added

    empty = tmp_path / "empty"
    empty.mkdir()
    proc = govrule("build", empty, "--store", store, "--no-search")
    assert proc.returncode == 1 and "no input files" in proc.stderr
    again = as_json("sparql", "SELECT ?t WHERE { ?d a gr:Document ; eli:title ?t }", "--format", "json",
                    "--store", store)["results"]["bindings"]
    assert len(again) == 3
