"""Files → documents: read, clean, lay out, describe, merge duplicates.

A batch never stops on a bad file: each failure becomes one ``IngestError`` naming the
file and the reason, and the other files go on.
"""
from __future__ import annotations

import gc
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from . import metadata as meta
from .clean import clean
from .dedupe import merge
from .deontic import find_clauses
from .memory import cyclic_gc_paused
from .references import find_approvals, find_references
from .roles import find_roles
from .timex import find_times
from .model import Article, Document, IngestError, Source
from .readers import iter_files, read_source
from .structure import split


@dataclass
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    files: int = 0
    bytes: int = 0


def parse_source(src: Source) -> Document:
    """One file's text layer → one document (raises IngestError when it has no articles)."""
    cleaned = clean(src.text)
    if not cleaned.paras:
        raise IngestError(src.file, "no text")
    lay = split(cleaned.paras)
    if not lay.articles:
        raise IngestError(src.file, "no numbered articles found (expected 第X条, 一、 or 1. numbering)")
    for a in lay.articles:
        a.source = replace(a.source, file=src.file)
    title = meta.title_of(lay, src.file)
    doc_number = meta.doc_number_of(lay)
    issuer = meta.issuer_of(lay, title)
    default_role = next((m.role for m in find_roles(issuer or "")), None)
    for a in lay.articles:
        extract(a, doc_number, default_role)
    body = "\n".join(p.text for p in lay.preamble) + "\n" + "\n".join(a.text for a in lay.articles)
    notice = "\n".join(p.text for p in lay.notice)
    all_text = "\n".join(p.text for p in cleaned.paras)
    district = meta.district_of(issuer, title, doc_number, all_text)
    if issuer and district and not issuer.startswith(district):
        short = district
        while short and not issuer.startswith(short):
            short = short[1:]  # 营口市西市区 vs 西市区人民政府
        if short and len(short) >= 2:
            issuer = district + issuer[len(short):]
    warnings = list(cleaned.notes)
    if lay.series and lay.articles:
        ords = [a.label for a in lay.articles]
        if len(set(ords)) != len(ords):
            warnings.append("repeated article labels")
    return Document(
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        district=district,
        date=meta.date_of(lay, src.file),
        doc_type=meta.doc_type_of(title),
        repeals=meta.repeals_of(notice + "\n" + body, doc_number),
        sources=[src.file],
        articles=lay.articles,
        headings=lay.headings,
        notice=notice,
        preamble="\n".join(p.text for p in lay.preamble),
        footer="\n".join(p.text for p in lay.footer),
        work=re.sub(r"[（(][^（）()]*[)）]$", "", title).strip(),
        warnings=warnings,
        repairs=cleaned.repairs,
    )


def extract(a: Article, doc_number: str | None = None, default_role: str | None = None) -> None:
    """Fill an article's facts: time constraints, deontic clauses, references, approvals.

    ``default_role`` (the issuer's role, e.g. 区政府) bears clauses that name no subject.
    """
    a.times = find_times(a.text)
    a.clauses = find_clauses(a.text, a.times, default_role, chapter=a.chapter)
    a.references = find_references(a.text, doc_number)
    a.approvals = find_approvals(a.text)


def parse_file(path: str | Path) -> Document:
    return parse_source(read_source(path))


def _parse_one(path: str) -> tuple[Document | None, IngestError | None, int]:
    try:
        size = os.path.getsize(path) if os.path.isfile(path) else 0
        return parse_file(path), None, size
    except IngestError as e:
        return None, e, 0
    except Exception as e:  # a parser bug must not stop the batch; report it by file
        return None, IngestError(str(path), f"internal error: {type(e).__name__}: {e}".splitlines()[0]), 0


def parse_paths(paths: Iterable[str | Path], workers: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> ParseResult:
    """Parse files and folders; duplicates merged, versions linked, failures collected."""
    files = [str(p) for p in iter_files(paths)]
    res = ParseResult(files=len(files))
    workers = workers if workers is not None else (min(os.cpu_count() or 1, 4) if len(files) > 40 else 1)
    docs: list[Document] = []
    # parsing makes millions of objects and next to no cycles: full collections over the growing
    # list of documents were a fifth of the CPU in one process, three quarters in the main one
    with cyclic_gc_paused():
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=gc.disable) as pool:  # workers too
                outcomes = pool.map(_parse_one, files, chunksize=16)
                for n, out in enumerate(outcomes, 1):
                    _collect(out, docs, res)
                    if progress:
                        progress(n, len(files))
        else:
            for n, f in enumerate(files, 1):
                _collect(_parse_one(f), docs, res)
                if progress:
                    progress(n, len(files))
        res.documents = merge(docs)
    return res


def _collect(out, docs: list[Document], res: ParseResult) -> None:
    doc, err, size = out
    if doc is not None:
        docs.append(doc)
        res.bytes += size
    else:
        res.errors.append(err)
