"""Turn a text file's bytes into ``str`` without guessing wrong silently.

Offsets into the returned text become source spans later, so nothing is
normalised here: line ends stay as they are; only a BOM is removed.
Order: BOM → UTF-16 without BOM (NUL pattern) → strict UTF-8 → strict GB18030
→ UTF-8 with a few bad bytes replaced (U+FFFD; encoding "utf-8+replace")
→ charset-normalizer. Every guess (everything but a BOM or valid UTF-8) must
also look like plausible text, because GB18030 and UTF-16 decode almost anything.
"""
from __future__ import annotations

import codecs
import re

from .model import IngestError

_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters (not tab/newline/CR/FF), C1 controls, replacement char.
_BAD = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
# Anything outside what a (Chinese) regulation plausibly contains: used only to
# vet guesses. Private-use, rare CJK extensions and odd scripts land here.
_UNCOMMON = re.compile(
    "[^\t\n\r\x0c\x20-\x7e\u00a0-\u024f\u0370-\u04ff\u2000-\u2bff"
    "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\ufe30-\ufe4f\uff00-\uffef]"
)
_MAX_BAD = 0.05  # share of control/replacement characters tolerated
_MAX_UNCOMMON = 0.10  # share of uncommon characters tolerated in a guess
_BINARY = "binary file, not text"
# Every byte except C0 controls: deleting these leaves the control bytes to count.
_TEXT_BYTES = bytes(b for b in range(256) if b in b"\t\n\r\x0c" or 0x20 <= b != 0x7F)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise IngestError for empty, binary or undecodable data."""
    if not data:
        raise IngestError(file, "empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                raise IngestError(file, f"cannot decode text (has a {codec} BOM but invalid {codec})") from None
            _check_not_binary(text, file)
            return text, codec

    if b"\x00" in data:  # text never has NULs, except UTF-16 without BOM
        for codec in _utf16_candidates(data):
            text = _try(data, codec)
            if text is not None and _plausible(text):
                return text, codec
        raise IngestError(file, _BINARY)

    text = _try(data, "utf-8")
    if text is not None:
        _check_not_binary(text, file)
        return text, "utf-8"
    text = _try(data, "gb18030")
    if text is not None and _plausible(text):
        return text, "gb18030"
    text = data.decode("utf-8", "replace")  # UTF-8 with a few stray bytes (bad copy/paste)
    if text.count("\ufffd") <= 4 + len(text) // 1000 and _plausible(text):
        return text, "utf-8+replace"
    text, codec = _normalizer(data)
    if text is not None and _plausible(text):
        return text, codec
    if len(data.translate(None, _TEXT_BYTES)) > _MAX_BAD * len(data):
        raise IngestError(file, _BINARY)
    raise IngestError(file, "cannot decode text (tried utf-8, utf-16, gb18030, charset detection)")


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _utf16_candidates(data: bytes) -> tuple[str, ...]:
    """ASCII in UTF-16 puts NULs at odd (LE) or even (BE) offsets; try the likelier first.

    CJK like 一 (U+4E00) adds NULs on the other side, so the loser is tried too and
    ``_plausible`` decides.
    """
    if len(data) % 2:
        return ()
    le, be = "utf-16-le", "utf-16-be"
    return (le, be) if data[1::2].count(0) >= data[0::2].count(0) else (be, le)


def _normalizer(data: bytes) -> tuple[str | None, str]:
    """Last resort; the library may fail in odd ways on odd input, so any error means 'no'."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            return None, ""
        return str(best), best.encoding
    except Exception:  # noqa: BLE001 - a detector failure is just "not detected"
        return None, ""


def _share(pattern: re.Pattern, text: str) -> float:
    return len(pattern.findall(text)) / max(len(text), 1)


def _check_not_binary(text: str, file: str) -> None:
    if _share(_BAD, text) > _MAX_BAD:
        raise IngestError(file, _BINARY)


def _plausible(text: str) -> bool:
    return _share(_BAD, text) <= _MAX_BAD and _share(_UNCOMMON, text) <= _MAX_UNCOMMON
