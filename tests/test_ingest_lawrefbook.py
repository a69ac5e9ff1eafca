"""A slice of the real LawRefBook corpus (every 8th file): no crash, failures named, counts right."""
from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from ingest.pipeline import _parse_one, parse_paths

TARBALL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "lawrefbook-laws.tar.xz"
TIAO = re.compile(r"^\s*第[零〇一二两三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十]+)?", re.M)
CN = re.compile(r"^\s*[一二三四五六七八九十]+、", re.M)


@pytest.fixture(scope="module")
def lawref_slice(tmp_path_factory):
    if not TARBALL.exists():
        pytest.skip(f"LawRefBook corpus not found at {TARBALL}")
    out = tmp_path_factory.mktemp("lawrefbook")
    with tarfile.open(TARBALL) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".md")),
                         key=lambda m: m.name)
        tar.extractall(out, members=members[::8], filter="data")
    return out


def test_slice_parses_without_crash_and_names_every_failure(lawref_slice):
    files = sorted(lawref_slice.rglob("*.md"))
    res = parse_paths([lawref_slice], workers=2)
    assert len(files) > 400
    assert not [e for e in res.errors if "internal error" in e.reason]
    assert all(Path(e.file).exists() and e.reason for e in res.errors)
    assert len(res.errors) < 0.05 * len(files)
    assert sum(len(d.articles) for d in res.documents) > 15000


def test_article_counts_match_a_plain_count_of_article_lines(lawref_slice):
    numbered = agree = 0
    for f in sorted(lawref_slice.rglob("*.md")):
        text = f.read_text(encoding="utf-8")
        expected = len(TIAO.findall(text)) or len(CN.findall(text))
        if not expected:
            continue
        numbered += 1
        doc, _, _ = _parse_one(str(f))
        agree += bool(doc) and len(doc.articles) == expected
    assert agree / numbered >= 0.98
