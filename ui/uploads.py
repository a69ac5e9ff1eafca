"""Uploaded files onto disk, safely: what the import page keeps under ``STORE/uploads``.

Why: an upload's name and bytes come from whoever reaches the app. The name is never used as a
path: it is reduced to one plain file name (no folders, no ``..``, no control characters, a
bounded length, a supported suffix) and the file goes into a folder named by the hash of its
bytes, so two uploads never overwrite each other and nothing lands outside ``uploads/``. Sizes
and counts are bounded, a .pdf or .docx must look like one, and a file is written under a
temporary name and renamed, so a half-written upload is never read. No Streamlit here.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.readers import SUPPORTED_SUFFIXES

MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB << 20
MAX_FILES = 50
MAX_TOTAL_BYTES = 200 << 20
MAX_STEM = 80  # characters of the name kept (the file system allows 255 bytes)
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
MAGIC = {".pdf": (b"%PDF-", 1024), ".docx": (b"PK\x03\x04", 0)}  # signature, where it may start (bytes)


@dataclass
class Refused:
    name: str  # the name as uploaded, cut to a readable length (for messages only)
    reason: str


def shown(name: str, limit: int = 80) -> str:
    """An uploaded name for a message: one line, printable, bounded."""
    flat = "".join(ch if unicodedata.category(ch)[0] != "C" else "�" for ch in str(name))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def safe_name(name: str) -> str:
    """One plain file name from whatever the browser sent: the last component of any path
    (``/`` or ``\\``), NFC, no control or reserved characters, no leading dots, bounded,
    ending in its supported suffix (lower case). Raises ValueError for an unsupported type."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", str(name)))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, suffix = _UNSAFE.sub("_", base).strip().rpartition(".")
    suffix = "." + suffix.lower() if dot else ""
    if suffix not in SUPPORTED_SUFFIXES:
        shown_suffix = suffix or "(no suffix)"
        raise ValueError(f"unsupported file type {shown_suffix} (expected {', '.join(SUPPORTED_SUFFIXES)})")
    stem = re.sub(r"^[\s.]+", "", stem)[:MAX_STEM].rstrip(". \t") or "upload"  # never hidden, never '..'
    return stem + suffix


def check_content(name: str, data: bytes) -> None:
    """Raise ValueError when the bytes cannot be what the name says (size, signature)."""
    if not data:
        raise ValueError("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"too large ({len(data) / 2**20:.1f} MB; at most {MAX_FILE_MB} MB per file)")
    magic = MAGIC.get(Path(name).suffix.lower())
    if magic is not None:
        sig, within = magic
        if data.find(sig, 0, within + len(sig)) < 0:
            raise ValueError(f"not a {Path(name).suffix.lower()} file (its content does not start like one)")


def save_upload(folder: str | Path, name: str, data: bytes) -> Path:
    """Write one upload as ``folder/<hash of its bytes>/<safe name>`` (atomically); returns the
    path. Raises ValueError when it is refused."""
    clean = safe_name(name)
    check_content(clean, data)
    root = Path(folder).resolve()
    sub = root / hashlib.sha256(data).hexdigest()[:16]
    target = sub / clean
    if target.resolve().parent != sub:  # cannot happen with a clean name; never write elsewhere
        raise ValueError("unsafe file name")
    sub.mkdir(parents=True, exist_ok=True)
    tmp = sub / f".{clean}.part-{os.getpid()}"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def save_uploads(folder: str | Path, files: list[tuple[str, bytes]]) -> tuple[list[Path], list[Refused]]:
    """Save a batch: (saved paths, refused files with the reason); at most ``MAX_FILES`` files and
    ``MAX_TOTAL_BYTES`` in all, the rest refused."""
    saved: list[Path] = []
    refused: list[Refused] = []
    total = 0
    for i, (name, data) in enumerate(files):
        if i >= MAX_FILES:
            refused.append(Refused(shown(name), f"more than {MAX_FILES} files at once"))
            continue
        if total + len(data) > MAX_TOTAL_BYTES:
            refused.append(Refused(shown(name), f"the batch exceeds {MAX_TOTAL_BYTES >> 20} MB"))
            continue
        try:
            saved.append(save_upload(folder, name, data))
            total += len(data)
        except ValueError as e:
            refused.append(Refused(shown(name), str(e)))
        except OSError as e:
            refused.append(Refused(shown(name), f"cannot be saved: {e.strerror or type(e).__name__}"))
    return saved, refused
