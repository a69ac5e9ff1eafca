"""Per-article metadata kept in the index, and the filters evaluated over it.

Why here and not in the graph: a search must filter (district, document, chapter, role,
modality, deadline) without a SPARQL round trip, so the facts it needs are copied out of the
parsed documents at build time. Filters compile to the sorted row numbers they allow;
inverted lists make that cheap on 150k articles.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ingest.numbering import cn_to_int
from ingest.roles import ancestors, canonical

DEADLINE_KINDS = ("deadline", "advance_notice")  # both set a time by which something must be done
MODALITIES = {"obligation": "obligation", "prohibition": "prohibition", "permission": "permission",
              "义务": "obligation", "应当": "obligation", "禁止": "prohibition", "不得": "prohibition",
              "许可": "permission", "可以": "permission", "must": "obligation", "must-not": "prohibition",
              "may": "permission"}


@dataclass
class ArticleRecord:
    doc_key: str
    doc_number: str | None
    title: str
    district: str | None
    work: str
    article: int  # ordinal
    label: str
    chapter: str | None
    section: str | None
    text: str
    uri: str
    bearers: list[str] = field(default_factory=list)  # canonical roles bound by a clause
    roles: list[str] = field(default_factory=list)  # every canonical role the clauses name
    modalities: list[str] = field(default_factory=list)
    has_deadline: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _uri(doc_key: str, ordinal: int) -> str:
    from graph.ontology import article_iri, doc_iri  # pure IRI minting shared with the graph

    return str(article_iri(doc_iri(doc_key), ordinal))


def records_from_documents(documents: Iterable) -> list[ArticleRecord]:
    """One record per article of every document, in document then article order."""
    out: list[ArticleRecord] = []
    for d in documents:
        for a in d.articles:
            bearers = sorted({c.bearer for c in a.clauses if c.bearer})
            roles = sorted({r for c in a.clauses for r in ([c.bearer] if c.bearer else []) + list(c.roles)})
            out.append(ArticleRecord(
                doc_key=d.key, doc_number=d.doc_number, title=d.title, district=d.district,
                work=d.work or d.title, article=a.ordinal, label=a.label, chapter=a.chapter,
                section=a.section, text=a.text, uri=_uri(d.key, a.ordinal), bearers=bearers, roles=roles,
                modalities=sorted({c.modality for c in a.clauses}),
                has_deadline=any(t.kind in DEADLINE_KINDS for t in a.times)))
    return out


@dataclass(frozen=True)
class Filters:
    districts: tuple[str, ...] = ()
    doc: str | None = None
    role: str | None = None
    modality: str | None = None
    has_deadline: bool | None = None
    chapter: str | None = None

    def active(self) -> bool:
        return bool(self.districts or self.doc or self.role or self.modality or self.chapter
                    or self.has_deadline is not None)


def _key(s: str) -> str:
    return re.sub(r"[\s\[\]［］()（）〔〕]", "", s or "")


class Catalog:
    """The records plus inverted lists for filtering; rows are positions in ``records``."""

    def __init__(self, records: Sequence[ArticleRecord]):
        self.records = list(records)
        self._by_doc: dict[str, list[int]] = {}
        self._by_district: dict[str, list[int]] = {}
        self._by_chapter: dict[str, list[int]] = {}
        self._by_role: dict[str, list[int]] = {}
        self._by_modality: dict[str, list[int]] = {}
        deadline = []
        for i, r in enumerate(self.records):
            self._by_doc.setdefault(r.doc_key, []).append(i)
            self._by_district.setdefault(r.district or "", []).append(i)
            self._by_chapter.setdefault(" ".join(filter(None, (r.chapter, r.section))), []).append(i)
            closure = set()
            for role in set(r.bearers) | set(r.roles):
                closure.add(role)
                closure.update(ancestors(role))  # an article binding 常务副区长 also binds a 副区长
            for role in closure:
                self._by_role.setdefault(role, []).append(i)
            for m in r.modalities:
                self._by_modality.setdefault(m, []).append(i)
            if r.has_deadline:
                deadline.append(i)
        self._deadline = np.asarray(deadline, dtype=np.int64)
        self.n = len(self.records)
        self.docs = {}  # doc key → (doc_number, title, work)
        for r in self.records:
            self.docs.setdefault(r.doc_key, (r.doc_number, r.title, r.work))

    # --- lookups
    def resolve_doc(self, doc: str) -> list[str]:
        """Doc keys named by a doc number, key or title (exact first, then title substring)."""
        k = _key(doc)
        exact = [key for key, (num, title, _) in self.docs.items()
                 if k in (_key(key), _key(num or ""), _key(title))]
        if exact:
            return exact
        return [key for key, (num, title, _) in self.docs.items() if doc.strip() and doc.strip() in title]

    def rows_of_doc(self, key: str) -> list[int]:
        return self._by_doc.get(key, [])

    def find_article(self, doc: str, article: int | str) -> int:
        """Row of an article given by ordinal or printed label (第十二条, 十二、, 12)."""
        keys = self.resolve_doc(doc)
        if not keys:
            raise KeyError(f"no indexed document matches {doc!r}")
        if len(keys) > 1:
            raise KeyError(f"{doc!r} matches several documents: {', '.join(keys)}")
        rows = self.rows_of_doc(keys[0])
        n = article if isinstance(article, int) else article_number(article)
        if isinstance(article, str):
            lab = _label_core(article)
            for i in rows:
                if _label_core(self.records[i].label) == lab:
                    return i
        if n is not None:
            for i in rows:
                if self.records[i].article == n:
                    return i
            for i in rows:
                if article_number(self.records[i].label) == n:
                    return i
        raise KeyError(f"{keys[0]} has no article {article!r}")

    # --- filtering
    def allowed(self, f: Filters) -> np.ndarray | None:
        """Sorted rows that pass every filter, or None when no filter is set."""
        if not f.active():
            return None
        sets: list[np.ndarray] = []
        if f.districts:
            rows = [i for dist, ids in self._by_district.items()
                    if any(_district_match(q, dist) for q in f.districts) for i in ids]
            sets.append(np.asarray(rows, dtype=np.int64))
        if f.doc:
            keys = self.resolve_doc(f.doc)
            sets.append(np.asarray([i for k in keys for i in self._by_doc[k]], dtype=np.int64))
        if f.chapter:
            q = _key(f.chapter)
            sets.append(np.asarray([i for ch, ids in self._by_chapter.items() if q and q in _key(ch)
                                    for i in ids], dtype=np.int64))
        if f.role:
            role = canonical(f.role.strip()) or f.role.strip()
            sets.append(np.asarray(self._by_role.get(role, []), dtype=np.int64))
        if f.modality:
            m = MODALITIES.get(f.modality.strip().lower(), f.modality.strip().lower())
            sets.append(np.asarray(self._by_modality.get(m, []), dtype=np.int64))
        if f.has_deadline is not None:
            if f.has_deadline:
                sets.append(self._deadline)
            else:
                sets.append(np.setdiff1d(np.arange(self.n), self._deadline))
        out = np.unique(sets[0])
        for s in sets[1:]:
            out = np.intersect1d(out, s)
        return out


def _district_match(query: str, district: str) -> bool:
    q = query.strip()
    return bool(q) and bool(district) and (q == district or q in district)


def _label_core(label: str) -> str:
    """'第十二条' / '十二、' / '12.' → '十二' / '十二' / '12'."""
    s = re.sub(r"\s", "", label or "")
    s = re.sub(r"^第", "", s)
    return re.sub(r"[条、.．:：]+$", "", s)


def article_number(label: str) -> int | None:
    return cn_to_int(_label_core(label))
