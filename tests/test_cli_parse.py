"""The ``govrule parse`` contract, exercised as a real subprocess on real files.

Output formats are what other tools rely on: JSON documents on stdout, one line
per failed input on stderr, exit status 1 when any input failed.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOC_KEYS = {"title", "doc_number", "issuer", "district", "date", "doc_type", "repeals", "sources", "articles"}
ARTICLE_KEYS = {"ordinal", "label", "chapter", "text", "items", "source"}
_HALF_TO_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"})
_WS = re.compile(r"\s+")


def govrule(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def parse_json(*args: str | Path) -> tuple[list[dict], subprocess.CompletedProcess]:
    proc = govrule("parse", "--json", *args)
    try:
        docs = json.loads(proc.stdout)
    except json.JSONDecodeError as e:  # pragma: no cover - the failure message is the point
        pytest.fail(f"stdout is not JSON ({e}); stderr:\n{proc.stderr}\nstdout:\n{proc.stdout[:2000]}")
    assert isinstance(docs, list)
    return docs, proc


def _norm(s: str) -> str:
    """Compare text and source without layout: no whitespace, full-width punctuation."""
    return _WS.sub("", s).translate(_HALF_TO_FULL)


def _resolve(file: str) -> Path:
    p = Path(file)
    return p if p.is_absolute() else ROOT / p


def assert_document_shape(d: dict) -> None:
    assert DOC_KEYS <= d.keys(), DOC_KEYS - d.keys()
    assert isinstance(d["title"], str) and d["title"].strip()
    assert d["doc_number"] is None or (isinstance(d["doc_number"], str) and d["doc_number"])
    assert d["district"] is None or isinstance(d["district"], str)
    assert d["issuer"] is None or isinstance(d["issuer"], str)
    assert d["doc_type"] is None or isinstance(d["doc_type"], str)
    assert isinstance(d["date"], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["date"]), d["date"]
    dt.date.fromisoformat(d["date"])  # a real calendar date
    assert isinstance(d["repeals"], list) and all(isinstance(r, str) for r in d["repeals"])
    assert isinstance(d["sources"], list) and d["sources"]
    assert len(set(d["sources"])) == len(d["sources"])
    for s in d["sources"]:
        assert _resolve(s).is_file(), s
    arts = d["articles"]
    assert arts and [a["ordinal"] for a in arts] == list(range(1, len(arts) + 1))
    for a in arts:
        assert ARTICLE_KEYS <= a.keys(), ARTICLE_KEYS - a.keys()
        assert isinstance(a["label"], str) and a["label"]
        assert isinstance(a["text"], str)
        assert a["chapter"] is None or isinstance(a["chapter"], str)
        assert isinstance(a["items"], list)
        for it in a["items"]:
            assert {"label", "text"} <= it.keys()
        assert {"file", "start", "end"} <= a["source"].keys()
        assert a["source"]["file"] in d["sources"]


def assert_spans_point_at_text(d: dict) -> None:
    texts: dict[str, str] = {}
    for a in d["articles"]:
        src = a["source"]
        if src["file"] not in texts:
            texts[src["file"]] = _resolve(src["file"]).read_bytes().decode("utf-8")
        text = texts[src["file"]]
        assert 0 <= src["start"] <= src["end"] <= len(text), src
        span = _norm(text[src["start"]:src["end"]])
        assert _norm(a["text"]) in span, (
            f"{src['file']}[{src['start']}:{src['end']}] does not hold article {a['label']}:\n"
            f"span: {text[src['start']:src['end']][:300]!r}\ntext: {a['text'][:300]!r}")
        assert _norm(a["label"]) in span[: len(_norm(a["label"])) + 2], (a["label"], span[:40])


# --- the clean corpus -------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_run() -> tuple[list[dict], subprocess.CompletedProcess]:
    return parse_json("corpus")


def test_corpus_json_documents(corpus_run):
    docs, proc = corpus_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(sorted(CORPUS.iterdir())) == 5
    assert len(docs) == 4
    for d in docs:
        assert_document_shape(d)
    # the five files are all accounted for, each in exactly one document
    sources = sorted(s for d in docs for s in d["sources"])
    assert sorted(Path(s).name for s in sources) == sorted(p.name for p in CORPUS.iterdir())
    twice = [d for d in docs if len(d["sources"]) == 2]
    assert len(twice) == 1
    assert len({d["title"] for d in docs}) == 4


def test_corpus_spans_point_at_article_text(corpus_run):
    docs, _ = corpus_run
    n = 0
    for d in docs:
        assert_spans_point_at_text(d)
        n += len(d["articles"])
    assert n > 100


def test_corpus_summary_mode():
    proc = govrule("parse", "corpus")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    first = proc.stdout.splitlines()[0]
    assert "4 documents" in first and "5 files" in first, first
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)  # human-readable, not JSON


# --- a batch with bad inputs -----------------------------------------------------------

def _random_binary() -> bytes:
    rng = random.Random(11)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(4000))


@pytest.fixture
def mixed_batch(tmp_path):
    """Two good files and every kind of bad input; returns (args, good titles, bad paths)."""
    good_a = tmp_path / "good_a.txt"
    shutil.copy(CORPUS / "002_317e0c2abcc859f3.txt", good_a)
    folder = tmp_path / "folder"
    folder.mkdir()
    good_b = folder / "good_b.txt"
    shutil.copy(CORPUS / "004_eedc4484ea8d6dcf.txt", good_b)
    bad_in_folder = folder / "broken.txt"
    bad_in_folder.write_bytes(b"")
    bad = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "image.txt",
        "undecodable": tmp_path / "garbled.txt",
        "prose": tmp_path / "prose.txt",
        "missing": tmp_path / "does_not_exist.txt",
        "unsupported": tmp_path / "notes.xyz",
    }
    bad["empty"].write_bytes(b"")
    bad["binary"].write_bytes(_random_binary())
    bad["undecodable"].write_bytes(bytes(range(0x80, 0x100)) * 3)
    bad["prose"].write_text("这是一份说明，没有任何编号的条款。\n它只是几句普通的话，用来说明情况。\n", encoding="utf-8")
    bad["unsupported"].write_text("第一条 为了规范工作，制定本规则。", encoding="utf-8")
    bad["in_folder"] = bad_in_folder
    args = [good_a, bad["empty"], bad["binary"], bad["undecodable"], bad["prose"],
            bad["missing"], folder, bad["unsupported"]]
    titles = {"北京市朝阳区人民政府工作规则", "西市区人民政府工作规则"}
    return args, titles, bad


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip()]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "summary"])
def test_bad_inputs_reported_one_line_each(mixed_batch, as_json):
    args, titles, bad = mixed_batch
    proc = govrule("parse", *(["--json"] if as_json else []), *args)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = _error_lines(proc.stderr)
    assert len(lines) == len(bad), lines
    for kind, path in bad.items():
        mine = [ln for ln in lines if str(path) in ln]
        assert len(mine) == 1, (kind, path, lines)
        reason = mine[0].split(str(path), 1)[1].lstrip(": ").strip()
        assert reason, (kind, mine[0])
    expect = {"empty": "empty", "missing": "no such file", "unsupported": "unsupported",
              "prose": "no numbered articles", "in_folder": "empty"}
    for kind, word in expect.items():
        assert word in next(ln for ln in lines if str(bad[kind]) in ln), (kind, lines)
    # the folder itself is expanded, not reported; its good file still parses
    assert not any(ln.rstrip().endswith("folder") for ln in lines)
    if as_json:
        docs = json.loads(proc.stdout)  # errors never leak into stdout
        assert {d["title"] for d in docs} == titles
        for d in docs:
            assert_document_shape(d)
            assert_spans_point_at_text(d)
    else:
        assert "2 documents" in proc.stdout.splitlines()[0]
        for t in titles:
            assert t in proc.stdout
        for path in bad.values():
            assert str(path) not in proc.stdout


def test_json_is_valid_with_only_errors(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    docs, proc = parse_json(tmp_path / "empty.txt", tmp_path / "missing.md")
    assert docs == [] and proc.returncode == 1
    assert len(_error_lines(proc.stderr)) == 2


# --- duplicates and versions -------------------------------------------------------------

def test_same_document_twice_is_one_document(tmp_path):
    folder = tmp_path / "dups"
    folder.mkdir()
    shutil.copy(CORPUS / "003_b6f4518511c3296e.txt", folder / "plan.txt")
    shutil.copy(CORPUS / "003_b6f4518511c3296e.txt", folder / "plan_copy.txt")
    docs, proc = parse_json(folder)
    assert proc.returncode == 0, proc.stderr
    assert len(docs) == 1
    d = docs[0]
    assert sorted(Path(s).name for s in d["sources"]) == ["plan.txt", "plan_copy.txt"]
    assert_document_shape(d)
    assert_spans_point_at_text(d)


LAW_2017 = """# 中华人民共和国行政复议法

1999年4月29日 第九届全国人民代表大会常务委员会第九次会议通过

2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修正

<!-- INFO END -->

## 第一章 总则

第一条 为了防止和纠正违法的或者不当的具体行政行为，保障和监督行政机关依法行使职权，制定本法。

第二条 公民、法人或者其他组织认为具体行政行为侵犯其合法权益，向行政机关提出行政复议申请，适用本法。

## 第二章 行政复议范围

第三条 依照本法履行行政复议职责的行政机关是本级人民政府。
"""

LAW_2023 = """# 中华人民共和国行政复议法

2023年9月1日 第十四届全国人民代表大会常务委员会第五次会议修订

<!-- INFO END -->

## 第一章 总则

第一条 为了防止和纠正违法的或者不当的行政行为，制定本法。

第二条 公民认为行政行为侵犯其合法权益，向行政复议机关提出行政复议申请，适用本法。
"""


def test_dated_versions_of_one_law_are_linked(tmp_path):
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "行政复议法(2017-09-01).md").write_text(LAW_2017, encoding="utf-8")
    (folder / "行政复议法(2023-09-01).md").write_text(LAW_2023, encoding="utf-8")
    docs, proc = parse_json(folder)
    assert proc.returncode == 0, proc.stderr
    assert len(docs) == 2
    by_date = {d["date"]: d for d in docs}
    assert set(by_date) == {"2017-09-01", "2023-09-01"}
    old, new = by_date["2017-09-01"], by_date["2023-09-01"]
    assert old["work"] == new["work"] and old["work"]
    assert "行政复议法" in old["work"]
    assert old["key"] != new["key"]
    assert old["versions"] == [new["key"]] and new["versions"] == [old["key"]]
    assert Path(old["sources"][0]).name == "行政复议法(2017-09-01).md"
    assert Path(new["sources"][0]).name == "行政复议法(2023-09-01).md"
    assert [a["label"] for a in old["articles"]] == ["第一条", "第二条", "第三条"]
    assert [a["label"] for a in new["articles"]] == ["第一条", "第二条"]
    assert [a["chapter"] for a in old["articles"]] == ["第一章 总则", "第一章 总则", "第二章 行政复议范围"]
    assert new["articles"][0]["text"] == "为了防止和纠正违法的或者不当的行政行为，制定本法。"
    for d in docs:
        assert_document_shape(d)
        assert_spans_point_at_text(d)
        assert d["title"] == "中华人民共和国行政复议法"
        assert all("INFO END" not in a["text"] for a in d["articles"])
