"""Readers and decoding on real files built here: encodings, docx, pdf, html, bad inputs."""
from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.encoding import decode
from ingest.model import IngestError
from ingest.readers import SUPPORTED_SUFFIXES, iter_files, read_source

TEXT = "第一条 为了规范区政府工作，制定本规则。\n第二条 区长领导区政府的工作。"
SENTENCES = ["第一条为了规范区政府工作，制定本规则。", "第二条区长领导区政府的工作。"]
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _assert_clean_error(exc: pytest.ExceptionInfo, path: Path | str) -> str:
    err = exc.value
    assert isinstance(err, IngestError)
    assert str(path) in str(err) and err.file == str(path)
    assert err.reason and "\n" not in str(err) and "Traceback" not in str(err)
    return err.reason


# --- text encodings -------------------------------------------------------------

ENCODED = {
    "utf8": (TEXT.encode("utf-8"), "utf-8"),
    "utf8_bom": (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
    "gb18030": (TEXT.encode("gb18030"), "gb18030"),
    "gbk": (TEXT.encode("gbk"), "gb18030"),
    "utf16le_bom": (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16-le"),
    "utf16be_bom": (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
    "utf16le_nobom": (TEXT.encode("utf-16-le"), "utf-16-le"),
    "utf16be_nobom": (TEXT.encode("utf-16-be"), "utf-16-be"),
}


@pytest.mark.parametrize("kind", sorted(ENCODED))
def test_text_round_trip(tmp_path, kind):
    data, encoding = ENCODED[kind]
    path = _write(tmp_path, f"{kind}.txt", data)
    src = read_source(path)
    assert src.text == TEXT
    assert (src.format, src.encoding, src.file) == ("txt", encoding, str(path))
    assert src.sha256 == hashlib.sha256(data).hexdigest()


def test_crlf_kept_and_md_suffix_case_insensitive(tmp_path):
    crlf = TEXT.replace("\n", "\r\n")
    src = read_source(_write(tmp_path, "rules.MD", crlf.encode("gb18030")))
    assert src.text == crlf and src.format == "md"
    assert src.text.index("第二条") == crlf.index("第二条")  # offsets stay valid


def test_long_gbk_and_ascii_heavy_utf16(tmp_path):
    long_text = (TEXT + "\n（一）依法履行职责；\n") * 500
    assert read_source(_write(tmp_path, "a.txt", long_text.encode("gbk"))).text == long_text
    mixed = "Article 1 of the rules, 2024-01-01.\n" + TEXT
    assert decode(mixed.encode("utf-16-le"), "m") == (mixed, "utf-16-le")
    raw = long_text.encode("utf-8")
    text, encoding = decode(raw[:999] + b"\xff" + raw[999:], "stray.txt")  # one stray byte
    assert encoding == "utf-8+replace" and text.count("\ufffd") <= 4 and SENTENCES[1][3:] in text


# --- docx / pdf / html ------------------------------------------------------------

def _docx_bytes(tmp_path: Path) -> bytes:
    d = docx.Document()
    d.add_heading("区政府工作规则", level=1)
    first, second = TEXT.split("\n")
    d.add_paragraph(first)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "职务", "职责"
    table.cell(1, 0).text, table.cell(1, 1).text = "区长", "全面领导"
    d.add_paragraph(second)
    p = tmp_path / "built.docx"
    d.save(p)
    return p.read_bytes()


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    data = _docx_bytes(tmp_path)
    src = read_source(_write(tmp_path, "rules.docx", data))
    first, second = TEXT.split("\n")
    assert src.text.split("\n") == ["区政府工作规则", first, "职务", "职责", "区长", "全面领导", second]
    assert (src.format, src.encoding) == ("docx", "docx")


def _cjk_font() -> str:
    font = next((f for f in CJK_FONTS if os.path.exists(f)), None)
    if font is None:
        pytest.skip("no CJK font file found (install fonts-wqy-microhei)")
    return font


def _pdf_bytes(text_lines: list[str] | None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if text_lines is not None:
        pdf.add_font("cjk", fname=_cjk_font())
        pdf.set_font("cjk", size=12)
        for line in text_lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        pdf.add_page()
        pdf.multi_cell(0, 8, "第三条 区政府实行区长负责制。", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_text_layer_with_cjk_font(tmp_path):
    data = _pdf_bytes(TEXT.split("\n"))
    src = read_source(_write(tmp_path, "rules.PDF", data))
    squeezed = "".join(src.text.split())
    for sentence in SENTENCES + ["第三条区政府实行区长负责制。"]:
        assert sentence in squeezed
    assert (src.format, src.encoding) == ("pdf", "pdf")


def test_pdf_without_text_layer(tmp_path):
    path = _write(tmp_path, "scan.pdf", _pdf_bytes(None))
    with pytest.raises(IngestError) as exc:
        read_source(path)
    assert _assert_clean_error(exc, path) == "PDF has no text layer (scanned?)"


HTML = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>页面标题</title><style>p { color: red; }</style>
<script>var secret = "脚本内容";</script></head>
<body><nav>首页 | 政策文件</nav>
<div class="article"><h1>区政府工作规则</h1>
<p>第一条&nbsp;为了规范区政府工作，制定本规则。</p>


<p>第二条 区长领导区政府的工作。<br>（一）&lt;全面&gt;领导&amp;负责；</p>
<table><tr><td>区长</td><td>全面领导</td></tr></table>
<script type="text/javascript">document.write("广告");</script>
</div></body></html>"""


def test_html_gb2312_visible_text(tmp_path):
    path = _write(tmp_path, "page.htm", HTML.encode("gb18030"))
    src = read_source(path)
    assert src.text.split("\n") == [
        "区政府工作规则",
        "第一条 为了规范区政府工作，制定本规则。",
        "第二条 区长领导区政府的工作。",
        "（一）<全面>领导&负责；",
        "区长 全面领导",
    ]
    assert (src.format, src.encoding) == ("html", "gb18030")
    for noise in ("脚本", "广告", "color", "页面标题", "首页"):
        assert noise not in src.text


def test_html_without_charset_and_blank_runs(tmp_path):
    page = "<p>甲</p><br><br><br><br><p>乙</p><div><p>丙</p></div>"
    src = read_source(_write(tmp_path, "x.html", page.encode("utf-8")))
    assert src.text == "甲\n\n乙\n丙" and src.encoding == "utf-8"


# --- bad inputs -----------------------------------------------------------------

def _binary() -> bytes:
    rng = random.Random(7)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(4000))


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("empty.txt", lambda tmp: b"", "empty file"),
        ("image.txt", lambda tmp: _binary(), "binary file, not text"),
        ("half.docx", lambda tmp: (d := _docx_bytes(tmp))[: len(d) // 2], "corrupt .docx: "),
        ("half.pdf", lambda tmp: (d := _pdf_bytes(TEXT.split("\n")))[: len(d) // 2], "corrupt .pdf: "),
        ("notes.xyz", lambda tmp: TEXT.encode(), "unsupported file type .xyz (expected .txt, .md, .docx, .pdf, .html)"),
    ],
)
def test_bad_inputs_give_one_line_errors(tmp_path, name, make, reason):
    path = _write(tmp_path, name, make(tmp_path))
    with pytest.raises(IngestError) as exc:
        read_source(path)
    got = _assert_clean_error(exc, path)
    assert got.startswith(reason) and len(got) > len(reason) - 1


def test_missing_path_and_directory(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(IngestError) as exc:
        read_source(missing)
    assert _assert_clean_error(exc, missing) == "no such file"
    with pytest.raises(IngestError) as exc:
        read_source(tmp_path)
    assert "directory" in _assert_clean_error(exc, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_permission_denied(tmp_path):
    path = _write(tmp_path, "secret.txt", TEXT.encode())
    path.chmod(0)
    with pytest.raises(IngestError) as exc:
        read_source(path)
    assert _assert_clean_error(exc, path) == "permission denied"


def test_binary_decoded_text_rejected():
    with pytest.raises(IngestError, match="binary file, not text"):
        decode(bytes(range(1, 32)) * 20, "ctl.txt")  # valid UTF-8, but all controls


# --- iter_files -----------------------------------------------------------------

def test_iter_files_expands_folders_and_keeps_explicit_paths(tmp_path):
    root = tmp_path / "corpus"
    for rel in ["b.txt", "a.PDF", "sub/c.docx", "sub/skip.png", ".hidden.txt", ".git/d.txt", "sub/e.htm"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    odd, missing = root / "sub/skip.png", tmp_path / "gone.txt"
    got = iter_files([root, odd, missing])
    assert got == sorted([root / "a.PDF", root / "b.txt", root / "sub/c.docx", root / "sub/e.htm"]) + [odd, missing]
    assert ".htm" in SUPPORTED_SUFFIXES


# --- decode never fails in any other way -------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512) | st.text(max_size=200).map(lambda s: s.encode("utf-16-le")))
def test_decode_returns_text_or_ingest_error(data):
    try:
        text, encoding = decode(data, "fuzz.txt")
    except IngestError as e:
        assert e.file == "fuzz.txt" and "\n" not in e.reason
    else:
        assert isinstance(text, str) and isinstance(encoding, str)
