"""Documents (plain ``ingest`` dataclasses) → RDF, one named graph per document.

Pure functions: no I/O and no store. Documents and shared nodes are written as N-Triples
lines (``document_lines``, ``entity_lines``: what the store loads and hashes); ``*_triples``
give the same as rdflib terms. The same documents and taxonomy always give the same
triples in the same order (no blank nodes outside the ontology), so the store can hash a
document's graph to tell whether it changed.

Graphs (see ``to_quads``):
- one per document, named by the document IRI: the document, its headings, articles, items,
  clauses, time constraints, approvals and references;
- ``…/graph/entities``: nodes shared by several documents (districts, issuing bodies, document
  types, roles missing from the taxonomy, doc numbers cited or repealed but not in the batch);
- ``…/graph/ontology``: the OWL ontology and the SKOS role taxonomy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF as _RDF, RDFS as _RDFS, SKOS as _SKOS, XSD

from ingest.model import Article, Clause, Document, TimeConstraint
from ingest.numbering import cn_to_int

from . import ontology as ont
from .ontology import ENTITIES_GRAPH, ONTOLOGY_GRAPH
from .roles import role_triples, taxonomy_triples
from .terms import escape, from_ox, nt_line


class _Terms:
    """A namespace whose terms are N-Triples IRIs (``GR.text`` → ``"<https://…#text>"``), built
    once per name. The document mapping writes N-Triples text directly: building rdflib terms
    for five million quads and formatting them again was most of a national build's time."""

    def __init__(self, ns):
        self._ns = str(ns)

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        term = f"<{self._ns}{name}>"
        setattr(self, name, term)
        return term

    __getitem__ = __getattr__


GR, ELI, PROV, TIME = (_Terms(ns) for ns in (ont.GR, ont.ELI, ont.PROV, ont.TIME))
RDF, RDFS, SKOS = (_Terms(ns) for ns in (_RDF, _RDFS, _SKOS))

Node = URIRef | Literal
Triple = tuple[URIRef, URIRef, Node]
Quad = tuple[URIRef, URIRef, Node, URIRef]
NTriple = tuple[str, str, str]  # subject, predicate, object in N-Triples syntax

MODALITY = {"obligation": GR.Obligation, "prohibition": GR.Prohibition, "permission": GR.Permission}
TIME_KIND = {"deadline": GR.Deadline, "advance_notice": GR.AdvanceNotice,
             "frequency": GR.Frequency, "minimum": GR.Minimum}
HEADING_CLASS = {"part": GR.Part, "chapter": GR.Chapter, "section": GR.Section}
UNIT = {k: URIRef(f"{ont.TIME}unit{v}") for k, v in
        {"Y": "Year", "M": "Month", "W": "Week", "D": "Day", "h": "Hour", "m": "Minute", "s": "Second"}.items()}

_NUM = r"(\d+(?:\.\d+)?)"
ISO_RX = re.compile(rf"^P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$")
DATE_RX = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DOC_NUMBER_RX = re.compile(r"〔\d{4}〕\d+号$")
NUMERAL_RX = re.compile(r"^第?([零〇○一二两三四五六七八九十百千\d０-９]+)")

_XSD = str(XSD)


def iri(value: str) -> str:
    """An IRI in N-Triples syntax."""
    return f"<{value}>"


def zh(text: str) -> str:
    return f'"{escape(text)}"@zh'


def plain(text: str) -> str:
    return f'"{escape(text)}"'


def integer(n: int) -> str:
    return f'"{int(n)}"^^<{_XSD}integer>'


def boolean(b) -> str:
    return f'"{"true" if b else "false"}"^^<{_XSD}boolean>'


def typed(lexical: str, datatype: str) -> str:
    return f'"{escape(lexical)}"^^<{datatype}>'


@lru_cache(maxsize=65536)
def role(name: str) -> str:
    """A role's IRI in N-Triples syntax (cached: a few thousand names over millions of uses)."""
    return iri(ont.role_iri(name))


@lru_cache(maxsize=4096)
def source(path: str) -> str:
    return iri(ont.source_iri(path))


@lru_cache(maxsize=65536)
def document(key: str) -> str:
    return iri(ont.doc_iri(key))


# ---------------------------------------------------------------- context of a batch

@dataclass
class Context:
    """What converting one document needs to know about the others (for resolving citations)."""

    taxonomy: dict
    keys: set[str] = field(default_factory=set)
    by_number: dict[str, str] = field(default_factory=dict)  # doc number → key
    by_title: dict[str, list[Document]] = field(default_factory=dict)  # title or work → documents


def make_context(documents: Iterable[Document], taxonomy: dict | None = None) -> Context:
    ctx = Context(taxonomy=taxonomy or {})
    for d in documents:
        ctx.keys.add(d.key)
        if d.doc_number:
            ctx.by_number.setdefault(d.doc_number, d.key)
        for name in dict.fromkeys(n for n in (d.title, d.work) if n):
            ctx.by_title.setdefault(name, []).append(d)
    return ctx


def resolve_document(target: str, ctx: Context, citing: Document | None = None) -> str | None:
    """Key of the cited document in the batch: by doc number, else by title or work (the
    version in force at the citing document's date, else the latest)."""
    t = target.strip().strip("《》").strip()
    if t in ctx.by_number:
        return ctx.by_number[t]
    cands = ctx.by_title.get(t)
    if not cands:
        return None
    if len(cands) == 1:
        return cands[0].key
    dated = sorted(cands, key=lambda d: d.date or "")
    if citing is not None and citing.date:
        before = [d for d in dated if d.date and d.date <= citing.date and d.key != citing.key]
        if before:
            return before[-1].key
    return dated[-1].key


def label_number(label: str) -> int | None:
    """'第十二条' / '十二、' / '12.' / '四十五（三）' → 12 / 12 / 12 / 45; None for '第五条之一'."""
    if "之" in label:
        return None
    m = NUMERAL_RX.match(label.strip())
    return cn_to_int(m.group(1)) if m else None


# ---------------------------------------------------------------- literals

def date_literal(date: str) -> str | None:
    if not DATE_RX.match(date):
        return None
    return typed(date, {10: f"{_XSD}date", 7: f"{_XSD}gYearMonth", 4: f"{_XSD}gYear"}[len(date)])


@lru_cache(maxsize=4096)
def duration_literal(lexical: str) -> str:
    """An xsd:duration in its canonical form (PT90M → PT1H30M, P18M → P1Y6M), as rdflib writes
    it everywhere else; a handful of distinct values over a whole corpus, hence the cache."""
    return typed(str(Literal(lexical, datatype=XSD.duration)), f"{_XSD}duration")


def parse_iso(iso: str) -> tuple[str | None, tuple[Decimal, URIRef] | None]:
    """'P2W' → ('P14D', (2, unitWeek)); multi-part durations get no single unit; a fraction
    outside seconds is not a valid xsd:duration (so no lexical form, but still a unit)."""
    m = ISO_RX.match(iso or "")
    if not m or not any(m.groups()):
        return None, None
    y, mo, w, d, h, mi, s = m.groups()
    parts = [(v, u) for v, u in zip((y, mo, w, d, h, mi, s), "YMWDhms") if v is not None]
    single = (Decimal(parts[0][0]), UNIT[parts[0][1]]) if len(parts) == 1 else None
    if any("." in v for v, u in parts if u != "s"):
        return None, single
    days = (int(w) * 7 if w else 0) + (int(d) if d else 0)
    date_part = (f"{y}Y" if y else "") + (f"{mo}M" if mo else "") + (f"{days}D" if (w or d) else "")
    time_part = (f"{h}H" if h else "") + (f"{mi}M" if mi else "") + (f"{s}S" if s else "")
    return "P" + date_part + ("T" + time_part if time_part else ""), single


def child(node: str, path: str) -> str:
    """The IRI ``node`` + ``path`` (both in N-Triples syntax: ``<…/art/3>`` + ``/clause/1``)."""
    return f"{node[:-1]}{path}>"


# ---------------------------------------------------------------- one document
# Each function yields (subject, predicate, object) in N-Triples syntax; ``document_lines``
# joins them into the lines the store loads and hashes.

def time_triples(tc: TimeConstraint, node: str) -> Iterator[NTriple]:
    yield node, RDF.type, GR.TimeConstraint
    if tc.kind in TIME_KIND:
        yield node, RDF.type, TIME_KIND[tc.kind]
    yield node, GR.surface, plain(tc.surface)
    for iso, obj_p, iso_p, suffix in ((tc.iso, GR.duration, GR.isoDuration, "duration"),
                                      (tc.period_iso, GR.period, GR.periodIso, "period")):
        if not iso:
            continue
        lex, single = parse_iso(iso)
        if lex:
            yield node, iso_p, duration_literal(lex)
        if single:
            dur = child(node, f"/{suffix}")
            yield node, obj_p, dur
            yield dur, RDF.type, TIME.Duration
            yield dur, TIME.numericDuration, typed(str(single[0]), f"{_XSD}decimal")
            yield dur, TIME.unitType, iri(single[1])
    yield node, GR.workingDays, boolean(tc.working_days)
    if tc.count is not None:
        yield node, GR.count, integer(tc.count)
    if tc.count_max is not None:
        yield node, GR.countMax, integer(tc.count_max)
    if tc.hedge:
        yield node, GR.hedge, plain(tc.hedge)
    yield node, GR.textStart, integer(tc.start)
    yield node, GR.textEnd, integer(tc.end)


def clause_triples(c: Clause, node: str, art: str, art_times: dict[tuple, str]) -> Iterator[NTriple]:
    """A clause; its time constraints are the article's nodes when the article lists the same
    expression, else its own (``…/clause/k/time/j``), which the article links too."""
    yield node, RDF.type, GR.Clause
    yield node, RDF.type, MODALITY.get(c.modality, GR.DeonticStatement)
    yield node, GR.text, zh(c.text)
    if c.modal:
        yield node, GR.modalWord, plain(c.modal)
    yield node, GR.strength, plain(c.strength)
    if c.bearer:
        yield node, GR.bearer, role(c.bearer)
    if c.bearer_surface:
        yield node, GR.bearerSurface, plain(c.bearer_surface)
    if c.action:
        yield node, GR.action, zh(c.action)
    for r in dict.fromkeys(c.roles):
        yield node, GR.mentionsRole, role(r)
    for x in dict.fromkeys(c.conditions):
        yield node, GR.condition, zh(x)
    for x in dict.fromkeys(c.exceptions):
        yield node, GR.exception, zh(x)
    for j, tc in enumerate(c.constraints, 1):
        shared = art_times.get((tc.surface, tc.start, tc.end))
        if shared is not None:  # the same expression as an article-level constraint: one node
            yield node, GR.hasTimeConstraint, shared
        else:
            t = child(node, f"/time/{j}")
            yield node, GR.hasTimeConstraint, t
            yield art, GR.hasTimeConstraint, t
            yield from time_triples(tc, t)
    yield node, GR.textStart, integer(c.start)
    yield node, GR.textEnd, integer(c.end)


def article_triples(doc: Document, a: Article, d: str, ctx: Context,
                    numbers: dict[int, str], chapters: dict, sections: dict,
                    parts: dict) -> Iterator[NTriple]:
    art = child(d, f"/art/{a.ordinal}")
    yield art, RDF.type, GR.Article
    yield art, ELI.is_part_of, d
    yield art, GR.ordinal, integer(a.ordinal)
    yield art, GR.label, plain(a.label)
    yield art, GR.text, zh(a.text)
    if a.chapter:
        yield art, GR.chapterTitle, zh(a.chapter)
        if a.chapter in chapters:
            yield art, GR.inChapter, chapters[a.chapter]
        elif a.chapter in parts:
            yield art, GR.inPart, parts[a.chapter]
    if a.section:
        yield art, GR.sectionTitle, zh(a.section)
        sec = sections.get((a.chapter, a.section)) or sections.get((None, a.section))
        if sec is not None:
            yield art, GR.inSection, sec
    if a.source is not None:
        yield art, PROV.wasDerivedFrom, source(a.source.file)
        yield art, GR.sourceStart, integer(a.source.start)
        yield art, GR.sourceEnd, integer(a.source.end)
    for k, it in enumerate(a.items, 1):
        node = child(art, f"/item/{k}")
        yield node, RDF.type, GR.Item
        yield node, ELI.is_part_of, art
        yield node, GR.ordinal, integer(k)
        yield node, GR.label, plain(it.label)
        yield node, GR.text, zh(it.text)
    art_times: dict[tuple, str] = {}
    for j, tc in enumerate(a.times, 1):
        node = child(art, f"/time/{j}")
        art_times.setdefault((tc.surface, tc.start, tc.end), node)
        yield art, GR.hasTimeConstraint, node
        yield from time_triples(tc, node)
    for k, c in enumerate(a.clauses, 1):
        node = child(art, f"/clause/{k}")
        yield art, GR.hasClause, node
        yield from clause_triples(c, node, art, art_times)
    for j, ap in enumerate(a.approvals, 1):
        node = child(art, f"/approval/{j}")
        yield art, GR.hasApproval, node
        yield node, RDF.type, GR.Approval
        if ap.approver:
            yield node, GR.approver, role(ap.approver)
        yield node, GR.approvalAct, plain(ap.act)
        if ap.object:
            yield node, GR.approvalObject, zh(ap.object)
        yield node, GR.surface, plain(ap.surface)
        yield node, GR.textStart, integer(ap.start)
        yield node, GR.textEnd, integer(ap.end)
    for j, ref in enumerate(a.references, 1):
        node = child(art, f"/ref/{j}")
        yield art, GR.hasReference, node
        yield node, RDF.type, GR.Reference
        yield node, GR.surface, plain(ref.surface)
        yield node, GR.targetText, plain(ref.target)
        yield node, GR.textStart, integer(ref.start)
        yield node, GR.textEnd, integer(ref.end)
        target, prop = None, None
        if ref.kind == "article":
            n = label_number(ref.target)
            target, prop = numbers.get(n) if n is not None else None, GR.citesArticle
        elif ref.kind == "document":
            key = resolve_document(ref.target, ctx, doc)
            if key is None and DOC_NUMBER_RX.search(ref.target.strip()):
                key = ref.target.strip()  # a doc number outside the batch: its future IRI
            target, prop = (document(key) if key else None), GR.citesDocument
        if target is not None:
            yield node, GR.target, target
            if target != art:
                yield art, prop, target


def heading_nodes(doc: Document, d: str) -> tuple[list[NTriple], dict, dict, dict]:
    """Triples of the headings, and lookups: chapter text → IRI, (chapter, section) → IRI,
    part text → IRI (an article's ``chapter`` is a part heading when the part has no chapters)."""
    triples: list[NTriple] = []
    chapters: dict[str, str] = {}
    sections: dict[tuple, str] = {}
    parts: dict[str, str] = {}
    counts = {"part": 0, "chapter": 0, "section": 0}
    part = chapter = None  # (text, iri)
    for h in doc.headings:
        if h.level not in counts:
            continue
        counts[h.level] += 1
        node = child(d, f"/{h.level}/{counts[h.level]}")
        full = h.full
        if h.level == "part":
            parent, part, chapter = d, (full, node), None
            parts.setdefault(full, node)
        elif h.level == "chapter":
            parent, chapter = (part[1] if part else d), (full, node)
            chapters[full] = node
        else:
            parent = chapter[1] if chapter else (part[1] if part else d)
            sections.setdefault((chapter[0] if chapter else None, full), node)
            sections.setdefault((None, full), node)
        triples += [(node, RDF.type, HEADING_CLASS[h.level]), (node, ELI.is_part_of, parent),
                    (node, GR.ordinal, integer(counts[h.level])), (node, GR.label, plain(h.label))]
        if h.title:
            triples.append((node, ELI.title, zh(h.title)))
        if h.level == "section" and chapter:
            triples.append((node, GR.inChapter, chapter[1]))
    return triples, chapters, sections, parts


def document_lines(doc: Document, ctx: Context | None = None) -> list[str]:
    """The named graph of one document (its IRI is ``ont.doc_iri(doc.key)``) as N-Triples lines,
    without repeats, in a fixed order: what the store loads and hashes."""
    ctx = ctx or make_context([doc])
    d = document(doc.key)
    out: list[NTriple] = [(d, RDF.type, GR.Document), (d, GR.key, plain(doc.key)), (d, ELI.title, zh(doc.title))]
    if doc.doc_number:
        out.append((d, ELI.id_local, plain(doc.doc_number)))
    if doc.date and (lit := date_literal(doc.date)) is not None:
        out.append((d, ELI.date_document, lit))
    if doc.issuer:
        out += [(d, GR.issuer, plain(doc.issuer)), (d, ELI.passed_by, iri(ont.org_iri(doc.issuer)))]
    if doc.district:
        out.append((d, GR.district, iri(ont.district_iri(doc.district))))
    if doc.doc_type:
        out += [(d, GR.docType, plain(doc.doc_type)), (d, ELI.type_document, iri(ont.doctype_iri(doc.doc_type)))]
    for r in dict.fromkeys(doc.repeals):
        out += [(d, ELI.repeals, document(r)), (d, GR.repealsRef, plain(r))]
    if doc.work:
        out.append((d, GR.work, plain(doc.work)))
    for k in dict.fromkeys(doc.versions):
        if k != doc.key:
            out.append((d, GR.otherVersion, document(k)))
    if doc.notice:
        out.append((d, GR.notice, zh(doc.notice)))
    if doc.preamble:
        out.append((d, GR.preamble, zh(doc.preamble)))
    for s in dict.fromkeys(doc.sources):
        src = source(s)
        out += [(d, PROV.wasDerivedFrom, src), (src, RDF.type, PROV.Entity), (src, RDFS.label, plain(s))]
    heads, chapters, sections, parts = heading_nodes(doc, d)
    out += heads
    numbers: dict[int, str] = {}
    for a in doc.articles:
        n = label_number(a.label)
        if n is not None:
            numbers.setdefault(n, child(d, f"/art/{a.ordinal}"))
    for a in doc.articles:
        out.extend(article_triples(doc, a, d, ctx, numbers, chapters, sections, parts))
    return list(dict.fromkeys(f"{s} {p} {o} .\n" for s, p, o in out))


def triples_of(lines: Iterable[str]) -> list[Triple]:
    """N-Triples lines as rdflib triples (for code and tests that work with rdflib terms)."""
    return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
            for t in ox.parse("".join(lines), format=ox.RdfFormat.N_TRIPLES)]


def document_triples(doc: Document, ctx: Context | None = None) -> list[Triple]:
    """The named graph of one document as rdflib triples (``document_lines``, parsed)."""
    return triples_of(document_lines(doc, ctx))


# ---------------------------------------------------------------- shared graphs

def roles_of(doc: Document) -> Iterator[str]:
    for a in doc.articles:
        for c in a.clauses:
            if c.bearer:
                yield c.bearer
            yield from c.roles
        for ap in a.approvals:
            yield ap.approver


def entity_lines(documents: Iterable[Document], ctx: Context) -> list[str]:
    """Nodes shared by documents, described once (so the union graph has no duplicates), as
    N-Triples lines without repeats."""
    docs = list(documents)
    out: list[NTriple] = []
    for name in sorted({d.district for d in docs if d.district}):
        node = iri(ont.district_iri(name))
        out += [(node, RDF.type, GR.District), (node, RDFS.label, zh(name))]
    for name in sorted({d.issuer for d in docs if d.issuer}):
        node = iri(ont.org_iri(name))
        out += [(node, RDF.type, ELI.Agent), (node, RDFS.label, zh(name))]
    for name in sorted({d.doc_type for d in docs if d.doc_type}):
        node = iri(ont.doctype_iri(name))
        out += [(node, RDF.type, SKOS.Concept), (node, RDF.type, ELI.ResourceType),
                (node, SKOS.prefLabel, zh(name)), (node, SKOS.inScheme, GR.DocTypeScheme)]
    lines = [f"{s} {p} {o} .\n" for s, p, o in out]
    known = set(ctx.taxonomy) | {b for e in ctx.taxonomy.values() for b in e.get("broader", []) or []}
    for name in sorted({r for d in docs for r in roles_of(d)} - known):
        lines.extend(nt_line(*t) for t in role_triples(name))
    cited: set[str] = set()
    for d in docs:
        cited.update(d.repeals)
        for a in d.articles:
            for ref in a.references:
                t = ref.target.strip()
                if ref.kind == "document" and DOC_NUMBER_RX.search(t) and resolve_document(t, ctx, d) is None:
                    cited.add(t)
    for num in sorted(cited - ctx.keys):  # documents named by number but not in the batch
        lines.append(f"{document(num)} {ELI.id_local} {plain(num)} .\n")
    return list(dict.fromkeys(lines))


def entity_triples(documents: Iterable[Document], ctx: Context) -> list[Triple]:
    """``entity_lines`` as rdflib triples."""
    return triples_of(entity_lines(documents, ctx))


def ontology_triples(taxonomy: dict) -> list[Triple]:
    """The ontology file plus the role taxonomy (contains blank nodes from OWL lists)."""
    return list(ont.load_ontology()) + list(dict.fromkeys(taxonomy_triples(taxonomy)))


def to_quads(documents: Iterable[Document], taxonomy: dict | None = None) -> Iterator[Quad]:
    """Every quad of the dataset: ontology graph, entities graph, one graph per document."""
    docs = list(documents)
    ctx = make_context(docs, taxonomy)
    for s, p, o in ontology_triples(ctx.taxonomy):
        yield s, p, o, ONTOLOGY_GRAPH
    for s, p, o in entity_triples(docs, ctx):
        yield s, p, o, ENTITIES_GRAPH
    for doc in docs:
        g = ont.doc_iri(doc.key)
        for s, p, o in document_triples(doc, ctx):
            yield s, p, o, g


def to_triples(documents: Iterable[Document], taxonomy: dict | None = None) -> Iterator[Triple]:
    """The union of ``to_quads`` without graph names (may repeat a triple found in two graphs)."""
    for s, p, o, _ in to_quads(documents, taxonomy):
        yield s, p, o
