"""The persistent graph store: Oxigraph on disk in ``STORE_DIR/oxigraph``.

Layout (named graphs):
- one graph per document, named by the document IRI, replaced alone when its content changes;
- ``…/graph/ontology`` (ontology + role taxonomy), ``…/graph/entities`` (shared nodes),
  ``…/graph/inferred`` (OWL-RL entailments of the ontology graph);
- ``…/graph/meta``: ``<graph> gr:contentHash "sha256"; gr:tripleCount n`` for every other graph
  (and ``gr:inputHash``, the fingerprint of a document's input), so a rebuild skips documents
  whose input is unchanged, rewrites only graphs whose content changed, and an unchanged
  rebuild writes nothing.

Writes go through pyoxigraph (N-Quads text, bulk-loaded: the fast path); queries run with the
union of all graphs as the default graph, so they need no GRAPH clause.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from ingest.model import Document

from . import ontology as ont
from .convert import document_triples, entity_triples, make_context, ontology_triples, resolve_document
from .ontology import ENTITIES_GRAPH, GR, INFERRED_GRAPH, META_GRAPH, ONTOLOGY_GRAPH, SPECIAL_GRAPHS
from .reason import infer
from .roles import default_taxonomy
from .terms import from_ox, nt_line, plain, to_ox

# part of every fingerprint; the mapping code's own source is hashed too (``code_fingerprint``)
MAPPING_VERSION = "1"
BULK_THRESHOLD = 4 << 20  # bytes of N-Quads above which bulk_load beats a transactional load


@dataclass
class BuildReport:
    added: int = 0  # document graphs written for the first time
    replaced: int = 0  # document graphs rewritten because their content changed
    unchanged: int = 0  # document graphs left alone
    removed: int = 0  # document graphs dropped (documents no longer in the input)
    triples: int = 0  # quads in the store after the build (every graph, meta included)
    seconds: float = 0.0
    reasoned: bool = False  # whether OWL-RL ran in this build (only when the ontology graph changed)
    inferred: int = 0  # triples in the inferred graph
    warnings: list[str] = field(default_factory=list)


class GraphStore:
    """An open Oxigraph store; ``ox`` is the pyoxigraph store for anything not wrapped here."""

    def __init__(self, ox_store: ox.Store, path: Path | None = None, read_only: bool = False):
        self.ox = ox_store
        self.path = path
        self.read_only = read_only

    # -- queries
    def query(self, sparql: str):
        """SELECT → list of {variable: rdflib term or None}; ASK → bool; CONSTRUCT/DESCRIBE →
        list of (s, p, o) rdflib triples. The default graph is the union of all graphs and the
        gr/eli/skos/time/prov/rdf/rdfs/owl/xsd prefixes are predeclared."""
        res = self.ox.query(ont.sparql_prefixes() + sparql, use_default_graph_as_union=True)
        if isinstance(res, ox.QueryBoolean):
            return bool(res)
        if isinstance(res, ox.QueryTriples):
            return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in res]
        names = [v.value for v in res.variables]
        return [{n: from_ox(sol[n]) for n in names} for sol in res]

    def query_plain(self, sparql: str) -> list[dict]:
        """SELECT → list of {variable: plain Python value or None} (see ``terms.plain``): for
        code that reads many rows and needs values, not RDF terms."""
        res = self.ox.query(ont.sparql_prefixes() + sparql, use_default_graph_as_union=True)
        names = [v.value for v in res.variables]
        return [{n: plain(sol[n]) for n in names} for sol in res]

    def query_serialized(self, sparql: str, fmt: str = "json") -> tuple[str, bytes]:
        """Run a query and serialise its results in a standard format: SELECT/ASK as SPARQL
        results (``json`` = SPARQL 1.1 Query Results JSON, ``csv``, ``tsv``, ``xml``);
        CONSTRUCT/DESCRIBE as RDF (JSON-LD for ``json``, N-Triples otherwise). Returns
        (kind, bytes) with kind ``select``, ``ask`` or ``graph``."""
        res = self.ox.query(ont.sparql_prefixes() + sparql, use_default_graph_as_union=True)
        if isinstance(res, ox.QueryTriples):
            rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.N_TRIPLES
            return "graph", ox.serialize(res, format=rdf)
        formats = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                   "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
        kind = "ask" if isinstance(res, ox.QueryBoolean) else "select"
        return kind, res.serialize(format=formats[fmt])

    # -- graphs
    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def document_graphs(self) -> list[URIRef]:
        return [g for g in self.graphs() if g not in SPECIAL_GRAPHS]

    def __len__(self) -> int:
        return len(self.ox)

    def count(self, graph: URIRef | str | None = None) -> int:
        """Quads in one graph, or in the whole store."""
        if graph is None:
            return len(self.ox)
        return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))

    def union_count(self, include_meta: bool = False) -> int:
        """Distinct triples of the union graph (what ttl/nt export writes)."""
        flt = "" if include_meta else f"FILTER(?g != <{META_GRAPH}>)"
        rows = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE "
                          f"{{ GRAPH ?g {{ ?s ?p ?o }} {flt} }} }}")
        return int(rows[0]["n"])

    def triples(self, graphs: Iterable[URIRef | str]):
        for g in graphs:
            for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(g))):
                yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)

    def graph(self, *graphs: URIRef | str) -> Graph:
        """An in-memory rdflib copy of the given named graphs (merged)."""
        g = ont.bind_prefixes(Graph())
        for t in self.triples(graphs):
            g.add(t)
        return g

    def union_graph(self, include_meta: bool = False) -> Graph:
        """An in-memory rdflib copy of the union of all graphs."""
        return self.graph(*(g for g in self.graphs() if include_meta or g != META_GRAPH))

    def dataset(self):
        """A live rdflib Dataset over this store (oxrdflib); slower than ``query``."""
        from oxrdflib import OxigraphStore
        from rdflib import Dataset
        return Dataset(store=OxigraphStore(store=self.ox), default_union=True)

    def meta(self) -> dict[str, dict]:
        """Bookkeeping per graph: {graph IRI: {"hash", "input", "count"}} from the meta graph."""
        keys = {str(GR.contentHash): "hash", str(GR.inputHash): "input", str(GR.tripleCount): "count"}
        out: dict[str, dict] = {}
        for q in self.ox.quads_for_pattern(None, None, None, to_ox(META_GRAPH)):
            k = keys.get(q.predicate.value)
            if k:
                out.setdefault(q.subject.value, {})[k] = q.object.value
        return out

    # -- lifecycle
    def close(self) -> None:
        if self.ox is not None and not self.read_only:
            self.ox.flush()
        self.ox = None  # pyoxigraph releases the database when the last reference goes

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _db_path(store_dir: str | Path) -> Path:
    return Path(store_dir) / "oxigraph"


def open_store(store_dir: str | Path, read_only: bool = True) -> GraphStore:
    """Open the store in ``store_dir`` (created when writable and missing)."""
    path = _db_path(store_dir)
    if read_only:
        if not path.is_dir():
            raise FileNotFoundError(f"no graph store in {store_dir} (build one first)")
        return GraphStore(ox.Store.read_only(str(path)), path, read_only=True)
    path.mkdir(parents=True, exist_ok=True)
    return GraphStore(ox.Store(str(path)), path, read_only=False)


def query(store_dir_or_store, sparql: str):
    """Run a SPARQL query on a store directory, a ``GraphStore`` or a pyoxigraph ``Store``
    (see ``GraphStore.query`` for the result shapes)."""
    if isinstance(store_dir_or_store, GraphStore):
        return store_dir_or_store.query(sparql)
    if isinstance(store_dir_or_store, ox.Store):
        return GraphStore(store_dir_or_store).query(sparql)
    with open_store(store_dir_or_store, read_only=True) as st:
        return st.query(sparql)


# ---------------------------------------------------------------- building

def _lines(triples) -> list[str]:
    return list(dict.fromkeys(nt_line(*t) for t in triples))


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the mapping code: a change to the converter reconverts every document (and the
    content hashes still decide which graphs are rewritten)."""
    here = Path(__file__).resolve().parent
    return _digest(MAPPING_VERSION, *((here / f).read_bytes() for f in
                                      ("convert.py", "ontology.py", "roles.py", "terms.py", "reason.py")))


def ontology_hash(taxonomy: dict) -> str:
    return _digest(code_fingerprint(), ont.ONTOLOGY_FILE.read_bytes(),
                   json.dumps(taxonomy, ensure_ascii=False, sort_keys=True))


def input_hash(doc: Document, ctx) -> str:
    """Fingerprint of what a document's graph is made from: the document itself, how its
    citations resolve in this batch, and the mapping code. Equal fingerprints let a rebuild
    skip converting the document at all."""
    resolved = [resolve_document(r.target, ctx, doc) if r.kind == "document" else None
                for a in doc.articles for r in a.references]
    return _digest(code_fingerprint(), pickle.dumps(doc, protocol=5),
                   json.dumps(resolved, ensure_ascii=False))


class _Writer:
    """Collects graph replacements in an N-Quads file next to the store, then applies them:
    meta entries of changing graphs are dropped first and rewritten last, so an interrupted
    build only causes extra rewrites, never a stale graph behind a current hash."""

    def __init__(self, st: GraphStore, pending: Path):
        self.st = st
        self.pending = pending
        self.out = open(pending, "w", encoding="utf-8")
        self.meta: dict[URIRef, tuple[str, int, str | None] | None] = {}
        self.rewrite: set[URIRef] = set()

    def put(self, graph: URIRef, lines: list[str], digest: str, fingerprint: str | None = None) -> None:
        suffix = f" <{graph}> .\n"
        self.out.writelines(line[:-3] + suffix for line in lines)
        self.meta[graph] = (digest, len(lines), fingerprint)
        self.rewrite.add(graph)

    def touch(self, graph: URIRef, digest: str, count: int, fingerprint: str | None) -> None:
        """Same content, new fingerprint: only the meta entry changes."""
        self.meta[graph] = (digest, count, fingerprint)

    def drop(self, graph: URIRef) -> None:
        self.meta[graph] = None
        self.rewrite.add(graph)

    def commit(self) -> None:
        self.out.close()
        store = self.st.ox
        meta = to_ox(META_GRAPH)
        for g in self.meta:
            for q in list(store.quads_for_pattern(to_ox(g), None, None, meta)):
                store.remove(q)
        store.flush()
        for g in self.rewrite:
            if store.contains_named_graph(to_ox(g)):
                store.remove_graph(to_ox(g))
        size = self.pending.stat().st_size
        if size > BULK_THRESHOLD:
            store.bulk_load(path=str(self.pending), format=ox.RdfFormat.N_QUADS)
        elif size:
            store.load(path=str(self.pending), format=ox.RdfFormat.N_QUADS)
        quads = []
        for g, v in self.meta.items():
            if v is not None:
                quads += [ox.Quad(to_ox(g), to_ox(GR.contentHash), ox.Literal(v[0]), meta),
                          ox.Quad(to_ox(g), to_ox(GR.tripleCount), to_ox(Literal(v[1])), meta)]
                if v[2]:
                    quads.append(ox.Quad(to_ox(g), to_ox(GR.inputHash), ox.Literal(v[2]), meta))
        store.extend(quads)
        store.flush()

    def close(self) -> None:
        if not self.out.closed:
            self.out.close()
        self.pending.unlink(missing_ok=True)


def _graphs_from(st: GraphStore, sources: Iterable[str]) -> set[str]:
    """Document graphs derived from any of ``sources`` (as given, or the same resolved path)."""
    wanted = set()
    for s in sources:
        wanted |= {str(s), str(Path(s).resolve())}
    if not wanted:
        return set()
    rows = st.query("SELECT DISTINCT ?doc ?src WHERE { ?doc a gr:Document ; prov:wasDerivedFrom ?s . "
                    "?s rdfs:label ?src }")
    return {str(r["doc"]) for r in rows
            if str(r["src"]) in wanted or str(Path(str(r["src"])).resolve()) in wanted}


def write_graph(store_dir, graph: URIRef, triples) -> int:
    """Replace one named graph (e.g. the alignments) with ``triples``; returns their count."""
    opened = not isinstance(store_dir, GraphStore)
    st = open_store(store_dir, read_only=False) if opened else store_dir
    try:
        g = to_ox(graph)
        if st.ox.contains_named_graph(g):
            st.ox.remove_graph(g)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in dict.fromkeys(triples)]
        st.ox.extend(quads)
        st.ox.flush()
        return len(quads)
    finally:
        if opened:
            st.close()


def build_store(documents: Iterable[Document], store_dir: str | Path, taxonomy: dict | None = None,
                progress: Callable[[int, int], None] | None = None, reason: bool = True,
                keep_sources: Iterable[str] = (), remove_missing: bool = True) -> BuildReport:
    """Write ``documents`` into the store in ``store_dir``, making it hold exactly these
    documents: new ones are added, changed ones replaced, missing ones removed, unchanged ones
    left alone (not even converted when their fingerprint is unchanged). ``taxonomy`` defaults
    to ``ingest.roles.TAXONOMY``; with ``reason`` (default) the OWL-RL closure of ontology +
    taxonomy is kept in the inferred graph. ``progress(done, total)`` is called per document.
    ``keep_sources``: files that failed to parse this time; documents built from them earlier
    are kept as they were instead of being removed (bad input never loses what was built).
    ``remove_missing=False`` adds or updates documents and removes none (the app's import).
    ``store_dir`` may also be an open, writable ``GraphStore``."""
    t0 = time.perf_counter()
    taxonomy = default_taxonomy() if taxonomy is None else taxonomy
    report = BuildReport()
    docs: list[Document] = []
    seen: set[str] = set()
    for d in documents:
        if d.key in seen:
            report.warnings.append(f"duplicate document key {d.key!r}: kept the first")
            continue
        seen.add(d.key)
        docs.append(d)
    ctx = make_context(docs, taxonomy)

    opened = not isinstance(store_dir, GraphStore)
    st = open_store(store_dir, read_only=False) if opened else store_dir
    try:
        old = st.meta()
        w = _Writer(st, (Path(store_dir) if opened else st.path.parent) / ".pending.nq")
        try:
            o_hash = ontology_hash(taxonomy)
            onto = None
            if old.get(str(ONTOLOGY_GRAPH), {}).get("hash") != o_hash:
                onto = ontology_triples(taxonomy)
                w.put(ONTOLOGY_GRAPH, _lines(onto), o_hash)
            if reason:
                if old.get(str(INFERRED_GRAPH), {}).get("hash") != o_hash:
                    inferred = infer(onto if onto is not None else ontology_triples(taxonomy))
                    w.put(INFERRED_GRAPH, _lines(inferred), o_hash)
                    report.reasoned = True
            elif str(INFERRED_GRAPH) in old:
                w.drop(INFERRED_GRAPH)

            lines = _lines(entity_triples(docs, ctx))
            if not remove_missing:  # keep the shared nodes of the documents already there
                lines = list(dict.fromkeys(_lines(st.triples([ENTITIES_GRAPH])) + lines))
            digest = _digest(MAPPING_VERSION, *lines)
            if old.get(str(ENTITIES_GRAPH), {}).get("hash") != digest:
                w.put(ENTITIES_GRAPH, lines, digest)

            current: set[str] = set()
            for n, doc in enumerate(docs, 1):
                g = ont.doc_iri(doc.key)
                current.add(str(g))
                before = old.get(str(g), {})
                fp = input_hash(doc, ctx)
                if before.get("hash") and before.get("input") == fp:
                    report.unchanged += 1
                else:
                    lines = _lines(document_triples(doc, ctx))
                    digest = _digest(MAPPING_VERSION, *lines)
                    if before.get("hash") == digest:
                        report.unchanged += 1
                        w.touch(g, digest, len(lines), fp)
                    else:
                        w.put(g, lines, digest, fp)
                        if before.get("hash") is None:
                            report.added += 1
                        else:
                            report.replaced += 1
                if progress:
                    progress(n, len(docs))
            special = {str(g) for g in SPECIAL_GRAPHS} | _graphs_from(st, keep_sources)
            for g in sorted(set(old) | {str(x) for x in st.graphs()}):
                if remove_missing and g not in current and g not in special:
                    w.drop(URIRef(g))
                    report.removed += 1
            if w.meta:
                w.commit()
        finally:
            w.close()
        report.triples = len(st)
        report.inferred = st.count(INFERRED_GRAPH)
    finally:
        if opened:
            st.close()
    report.seconds = time.perf_counter() - t0
    return report
