"""The persistent graph store: Oxigraph on disk, one folder per version of the store.

Layout (named graphs):
- one graph per document, named by the document IRI, replaced alone when its content changes;
- ``…/graph/ontology`` (ontology + role taxonomy), ``…/graph/entities`` (shared nodes),
  ``…/graph/inferred`` (OWL-RL entailments of the ontology graph);
- ``…/graph/meta``: ``<graph> gr:contentHash "sha256"; gr:tripleCount n`` for every other graph
  (and ``gr:inputHash``, the fingerprint of a document's input, and ``gr:sourceFileHash``,
  "sha256 path" of each source file), so a rebuild skips documents whose input is unchanged,
  rewrites only graphs whose content changed, and an unchanged rebuild writes nothing.

On disk (``versions.py``): ``STORE/oxigraph`` is a symlink to the current version in
``STORE/oxigraph.versions/``. A build copies the current version (hard links), writes into the
copy and swaps the symlink when it is complete, so readers never see a half-built store and a
killed build leaves the previous one as it was; one build at a time (``STORE/.lock``).

Writes go through pyoxigraph as N-Quads text: graphs new to the store are streamed into one bulk
load while the build converts (``_Stream``), the rest is applied in batches (``_Writer``); queries
run with the union of all graphs as the default graph, so they need no GRAPH clause.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Literal, URIRef

from ingest.memory import cyclic_gc_paused
from ingest.model import Document

from . import ontology as ont
from .convert import document_lines, entity_lines, make_context, ontology_triples, resolve_document
from .ontology import ENTITIES_GRAPH, GR, INFERRED_GRAPH, META_GRAPH, ONTOLOGY_GRAPH, SPECIAL_GRAPHS
from .reason import infer
from .remote import RemoteStore, is_remote, local_dir, open_remote
from .roles import default_taxonomy
from .storebase import StoreBase
from .terms import from_ox, nt_line, plain, to_ox
from .versions import Pointer, store_lock

# part of every fingerprint; the mapping code's own source is hashed too (``code_fingerprint``)
MAPPING_VERSION = "1"
BULK_THRESHOLD = 4 << 20  # bytes of N-Quads above which bulk_load beats a transactional load
OPTIMIZE_BYTES = 32 << 20  # a build that loads more compacts the store before publishing it
STREAM_LOADS = True  # bulk-load new graphs while converting (bench/profile_build.py turns it off)
BATCH_BYTES = 64 << 20  # N-Quads of replaced graphs applied per batch: what a killed build may redo
STREAM_BYTES = 4 << 30  # N-Quads of new graphs streamed into one bulk load (a national corpus: 2.4 GB)


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
    resumed: bool = False  # whether it continued the copy a killed run of the same build had left
    optimize_seconds: float = 0.0  # compaction after a large load (part of ``seconds``)
    warnings: list[str] = field(default_factory=list)


class GraphStore(StoreBase):
    """An open Oxigraph store; ``ox`` is the pyoxigraph store for anything not wrapped here.

    ``path`` is the version folder it reads (or writes), ``store_dir`` the store folder it
    belongs to. A read-only handle holds a shared lock on its version so clean-up never
    deletes it; a writable handle from ``open_store`` is a transaction (``_txn``)."""

    def __init__(self, ox_store: ox.Store, path: Path | None = None, read_only: bool = False,
                 store_dir: Path | None = None, lock=None, txn: "_Transaction | None" = None):
        self.ox = ox_store
        self.path = path
        self.read_only = read_only
        self.store_dir = store_dir
        self._lock = lock
        self._txn = txn
        self._flushed = False  # set by a build whose last write flushed (its commit need not)

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

    def __len__(self) -> int:
        return len(self.ox)

    def count(self, graph: URIRef | str | None = None) -> int:
        """Quads in one graph, or in the whole store."""
        if graph is None:
            return len(self.ox)
        return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))

    def size(self) -> int:
        """Quads in the store, read from the bookkeeping where it has them: the same number as
        ``len``, without counting millions of quads one by one (a second on LawRefBook)."""
        meta = self.meta()
        n = sum(1 for _ in self.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        for g in self.ox.named_graphs():
            c = meta.get(g.value, {}).get("count") if g != to_ox(META_GRAPH) else None
            n += int(c) if c is not None else self.count(g.value)
        return n

    def missing(self, graph: URIRef, lines: list[str]) -> list[str]:
        """The N-Triples ``lines`` not yet in ``graph``."""
        g = to_ox(graph)
        return [line for line in lines
                if not any(ox.Quad(t.subject, t.predicate, t.object, g) in self.ox
                           for t in ox.parse(line, format=ox.RdfFormat.N_TRIPLES))]

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

    def dataset(self):
        """A live rdflib Dataset over this store (oxrdflib); slower than ``query``."""
        from oxrdflib import OxigraphStore
        from rdflib import Dataset
        return Dataset(store=OxigraphStore(store=self.ox), default_union=True)

    def meta(self) -> dict[str, dict]:
        """Bookkeeping per graph: {graph IRI: {"hash", "input", "count", "files"}} from the meta
        graph (``files``: ``"sha256 path"`` of a document's source files when it was built)."""
        keys = {str(GR.contentHash): "hash", str(GR.inputHash): "input", str(GR.tripleCount): "count"}
        files = str(GR.sourceFileHash)
        out: dict[str, dict] = {}
        for q in self.ox.quads_for_pattern(None, None, None, to_ox(META_GRAPH)):
            k = keys.get(q.predicate.value)
            if k:
                out.setdefault(q.subject.value, {})[k] = q.object.value
            elif q.predicate.value == files:
                out.setdefault(q.subject.value, {}).setdefault("files", []).append(q.object.value)
        return out

    # -- writes
    def apply(self, pending: Path | None, rewrite, meta_graphs, meta_lines: list[str]) -> None:
        """One batch of a build (``_Writer``): drop the meta entries of ``meta_graphs``, clear
        the ``rewrite`` graphs, load ``pending`` (N-Quads), then add ``meta_lines`` (N-Triples)
        to the meta graph. The same call on ``remote.RemoteStore`` writes to a server."""
        store = self.ox
        meta = to_ox(META_GRAPH)
        for g in meta_graphs:
            for q in list(store.quads_for_pattern(to_ox(g), None, None, meta)):
                store.remove(q)
        store.flush()
        for g in rewrite:
            if store.contains_named_graph(to_ox(g)):
                store.remove_graph(to_ox(g))
        size = pending.stat().st_size if pending is not None and pending.exists() else 0
        # lenient: no IRI validation in the parser (~25 % of a bulk load's CPU); every line was
        # written by convert.py, whose IRIs are percent-encoded, or read back from the store
        if size > BULK_THRESHOLD:
            store.bulk_load(path=str(pending), format=ox.RdfFormat.N_QUADS, lenient=True)
        elif size:
            store.load(path=str(pending), format=ox.RdfFormat.N_QUADS, lenient=True)
        if meta_lines:
            store.load("".join(meta_lines), format=ox.RdfFormat.N_TRIPLES, to_graph=meta)
        store.flush()

    def replace_graph(self, graph: URIRef, triples) -> int:
        """Replace one named graph with ``triples`` in place; returns their count."""
        g = to_ox(graph)
        if self.ox.contains_named_graph(g):
            self.ox.remove_graph(g)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in dict.fromkeys(triples)]
        self.ox.extend(quads)
        self.ox.flush()
        return len(quads)

    def quads(self, include_meta: bool = False):
        """Every quad, as pyoxigraph quads (export)."""
        meta = to_ox(META_GRAPH)
        return (q for q in self.ox.quads_for_pattern(None, None, None, None) if include_meta or q.graph_name != meta)

    # -- lifecycle
    def close(self) -> None:
        """Release the store; a transaction is published (see ``open_store``)."""
        if self._txn is not None:
            txn, self._txn = self._txn, None
            txn.commit(self)
            return
        if self.ox is not None and not self.read_only:
            self.ox.flush()
        self.ox = None  # pyoxigraph releases the database when the last reference goes
        if self._lock is not None:
            self._lock.close()  # drops the shared lock on the version
            self._lock = None

    def abort(self) -> None:
        """Close a transaction without publishing anything (other handles: ``close``)."""
        if self._txn is not None:
            txn, self._txn = self._txn, None
            txn.abort(self)
        else:
            self.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


POINTER = "oxigraph"  # STORE/oxigraph names the current version (graph/versions.py)


def pointer(store_dir: str | Path) -> Pointer:
    return Pointer(Path(store_dir) / POINTER)


def open_store(store_dir: str | Path, read_only: bool = True) -> GraphStore | RemoteStore:
    """Open the store in ``store_dir``, or the SPARQL server at that URL (``remote.py``:
    ``StoreUnreachable`` when it does not answer).

    Read-only (the default): the current version, which no build ever writes again, so
    readers keep working while a build runs (they see the new version when they reopen).
    Writable: a transaction under the store's build lock, on a copy of the current version
    (hard links: cheap); closing it publishes the copy in one atomic step, and if the block
    raises or the process dies the store stays as it was."""
    if is_remote(store_dir):
        return open_remote(store_dir, read_only=read_only)
    if read_only:
        path, lock = pointer(store_dir).open_reader()
        if path is None:
            raise FileNotFoundError(f"no graph store in {store_dir} (build one first)")
        try:
            handle = ox.Store.read_only(str(path))
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        return GraphStore(handle, path, read_only=True, store_dir=Path(store_dir), lock=lock)
    return _Transaction(store_dir).begin()


class _Transaction:
    """A writable staging copy of the current version, published by ``commit``.

    With a build ``key`` the copy is marked resumable: a build killed or interrupted half-way
    leaves it, and the same build run again continues in it (its meta graph says which documents
    are done)."""

    def __init__(self, store_dir: str | Path, key: str | None = None):
        self.store_dir = Path(store_dir)
        self.pointer = pointer(store_dir)
        self.key = key
        self.resumed = False
        self._lock = None

    def begin(self, current: GraphStore | None = None) -> GraphStore:
        """Open the staging copy (``current``: an open read-only handle of the current version
        to copy from, saving an open)."""
        self._lock = store_lock(self.store_dir)
        self._lock.__enter__()
        try:
            self.pointer.gc()
            path = self.pointer.resumable(self.key) if self.key else None
            handle = None
            if path is not None:
                try:
                    handle = ox.Store(str(path))
                    self.resumed = True
                except OSError:  # a copy the kill left unusable: start over
                    self.pointer.discard(path)
            if handle is None:
                cur = self.pointer.current()
                path = self.pointer.new_version()
                if cur is not None:
                    same = current is not None and current.path == cur and current.ox is not None
                    source = current.ox if same else ox.Store.read_only(str(cur))
                    source.backup(str(path))  # hard links to the immutable files: cheap
                    del source
                if self.key:
                    self.pointer.mark_resumable(path, cur, self.key)
                handle = ox.Store(str(path))
            self.path = path
            return GraphStore(handle, path, read_only=False, store_dir=self.store_dir, txn=self)
        except BaseException:
            self._release()
            raise

    def commit(self, st: GraphStore) -> None:
        try:
            if not st._flushed:
                st.ox.flush()
            st.ox = None  # closes the database (the last reference) before it is published
            self.pointer.publish(self.path, synced=(".sst",))  # RocksDB syncs its table files
            self.pointer.gc()
        finally:
            self._release()

    def abort(self, st: GraphStore) -> None:
        """Publish nothing. A build's copy (``key``) is kept for the same build to resume
        (interrupted by Ctrl-C, a full disk …: its meta graph is consistent by construction);
        any other copy is dropped."""
        try:
            st.ox = None
            if not self.key:
                self.pointer.discard(self.path)
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.__exit__(None, None, None)


def query(store_dir_or_store, sparql: str):
    """Run a SPARQL query on a store directory, a ``GraphStore`` or a pyoxigraph ``Store``
    (see ``GraphStore.query`` for the result shapes)."""
    if isinstance(store_dir_or_store, (GraphStore, RemoteStore)):
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


def input_hash(doc: Document, ctx, files: Iterable[str] = ()) -> str:
    """Fingerprint of what a document's graph is made from: the document itself, how its
    citations resolve in this batch, the mapping code, and the hashes of its source files.
    Equal fingerprints let a rebuild skip converting the document at all."""
    resolved = [resolve_document(r.target, ctx, doc) if r.kind == "document" else None
                for a in doc.articles for r in a.references]
    return _digest(code_fingerprint(), pickle.dumps(doc, protocol=5),
                   json.dumps(resolved, ensure_ascii=False), *files)


def source_files(doc: Document) -> list[str]:
    """``"sha256 path"`` of each of the document's source files that can be read: kept in the
    meta graph, so ``govrule check`` can tell whether the spans still point into the same bytes."""
    out = []
    for s in dict.fromkeys(doc.sources):
        try:
            out.append(f"{hashlib.sha256(Path(s).read_bytes()).hexdigest()} {s}")
        except OSError:
            continue
    return out


class _Changes(Exception):
    """Raised by a dry run at the first write a build would make."""


def _nquads(lines: list[str], graph: URIRef) -> str:
    """N-Triples lines as N-Quads text in ``graph``: every line ends with " .\n" and no other raw
    newline exists (literals escape theirs), so one replace over the joined text does it."""
    return "".join(lines).replace(" .\n", f" <{graph}> .\n")


class _NoPipe(Exception):
    """The store's file system cannot hold a named pipe."""


class _Stream:
    """A bulk load that reads N-Quads from a named pipe while the build writes them.

    Loading overlaps conversion (the load runs in Oxigraph's own threads, reading the pipe
    without the GIL), nothing goes through a file on disk, and a whole batch is a single bulk
    load: each separate load writes files whose keys overlap the earlier ones' and must be
    compacted again (five loads of a national corpus use a third more CPU than one).

    Only graphs that are not in the store yet are streamed: Oxigraph's bulk load must not run
    while data is being deleted, so anything that replaces a graph goes through ``apply``
    after the stream has ended."""

    def __init__(self, store: ox.Store, fifo: Path, pool: ThreadPoolExecutor):
        fifo.unlink(missing_ok=True)  # left by a killed build
        try:
            os.mkfifo(fifo)
        except (OSError, AttributeError) as e:  # AttributeError: no os.mkfifo (Windows)
            raise _NoPipe(str(e)) from e
        self.fifo = fifo
        self.size = 0  # characters written (about the bytes: IRIs are percent-encoded)
        self._load = pool.submit(store.bulk_load, path=str(fifo), format=ox.RdfFormat.N_QUADS, lenient=True)
        self.out = open(self._open_end(), "w", encoding="utf-8", buffering=1 << 20)

    def _open_end(self) -> int:
        """The writing end, once the loader has opened the reading end (it may fail first)."""
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
                if self._load.done():
                    self._load.result()
                    raise RuntimeError("the bulk load ended before reading its input") from None
                time.sleep(0.001)
                continue
            os.set_blocking(fd, True)
            return fd

    def write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.size += len(text)
        except BrokenPipeError:  # the loader stopped reading: its error is the one to report
            self._load.result()
            raise

    def close(self) -> None:
        """End the input and wait until all of it is in the store (raises the load's error)."""
        try:
            self.out.close()
        except BrokenPipeError:
            pass
        try:
            self._load.result()
        finally:
            self.fifo.unlink(missing_ok=True)


class _Writer:
    """Hands a build's graph replacements to the store in batches of about ``BATCH_BYTES``:
    meta entries of changing graphs are dropped first and rewritten last, so an interrupted
    batch only causes extra rewrites, never a stale graph behind a current hash (which is also
    what lets a killed build resume).

    Graphs new to the store go into the batch's ``_Stream`` (a bulk load running while the
    build converts the next documents) when ``stream=True`` (an embedded store); anything else
    (graphs replaced or added to) is collected in an N-Quads file and applied when the batch
    ends, after the stream: ``GraphStore.apply`` or ``RemoteStore.apply``.

    ``dry=True`` writes nothing and raises ``_Changes`` at the first change: the cheap check
    that lets an unchanged rebuild skip making a new version at all."""

    def __init__(self, st: GraphStore | None, pending: Path | None, dry: bool = False,
                 stream: bool = False):
        self.st = st
        self.pending = pending
        self.dry = dry
        self.out = None if dry else open(pending, "w", encoding="utf-8")
        self.meta: dict[URIRef, tuple[str, int, str | None, list[str]] | None] = {}
        self.rewrite: set[URIRef] = set()
        self.batches = 0
        self.loaded = 0  # characters of N-Quads loaded (streamed or applied)
        self.fifo = None if pending is None else pending.with_name(pending.name + ".fifo")
        self.loading = None if pending is None else pending.with_name(pending.name + ".loading")
        # one thread, so its jobs (a stream's load, then that batch's apply) run in order
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="govrule-load") if stream and not dry else None
        self._stream: _Stream | None = None
        self._inflight: Future | None = None  # the last batch's apply
        # graphs in the store (or its bookkeeping) before the build: never streamed
        self._present = set() if self._pool is None else ({g.value for g in st.ox.named_graphs()} | set(st.meta()))

    def need(self) -> None:
        """A write is coming (before the work of computing it)."""
        if self.dry:
            raise _Changes

    def _reopen(self) -> None:
        if self.out.closed:
            self.out = open(self.pending, "w", encoding="utf-8")

    def put(self, graph: URIRef, lines: list[str], digest: str, fingerprint: str | None = None,
            files: list[str] = ()) -> None:
        self.need()
        self._reopen()
        quads = _nquads(lines, graph)
        new = self._pool is not None and str(graph) not in self._present
        if new and self._stream is None:
            try:
                self._stream = _Stream(self.st.ox, self.fifo, self._pool)
            except _NoPipe:  # a file system without named pipes: batch files, as for replacements
                self._pool.shutdown()
                self._pool = None
                new = False
        if new:
            self._stream.write(quads)
        else:
            self.out.write(quads)
            self.rewrite.add(graph)
        self.meta[graph] = (digest, len(lines), fingerprint, list(files))
        if self.out.tell() > BATCH_BYTES or (self._stream is not None and self._stream.size > STREAM_BYTES):
            self.commit()

    def add(self, graph: URIRef, lines: list[str], digest: str, count: int) -> None:
        """Add ``lines`` to ``graph`` without rewriting it (``count``: the graph's size after)."""
        self.need()
        self._reopen()
        self.out.write(_nquads(lines, graph))
        self.meta[graph] = (digest, count, None, [])

    def touch(self, graph: URIRef, digest: str, count: int, fingerprint: str | None, files: list[str] = ()) -> None:
        """Same content, new fingerprint: only the meta entry changes."""
        self.need()
        self.meta[graph] = (digest, count, fingerprint, list(files))

    def drop(self, graph: URIRef) -> None:
        self.need()
        self.meta[graph] = None
        self.rewrite.add(graph)

    def commit(self) -> None:
        """End the batch: wait for its stream, then apply the rest and its meta entries (on
        the loading thread, if there is one, while the build goes on: ``finish`` waits)."""
        self.out.close()
        self._end_stream()
        if not self.meta:
            return
        lines = []
        for g, v in self.meta.items():
            if v is not None:
                lines += [nt_line(g, GR.contentHash, Literal(v[0])), nt_line(g, GR.tripleCount, Literal(v[1]))]
                if v[2]:
                    lines.append(nt_line(g, GR.inputHash, Literal(v[2])))
                lines += [nt_line(g, GR.sourceFileHash, Literal(f)) for f in v[3]]
        self._wait()  # the previous batch is applied (and its file free) before this one goes
        batch = None  # no file when the batch has nothing to apply but bookkeeping
        if self.pending.exists() and self.pending.stat().st_size:
            self.loaded += self.pending.stat().st_size
            batch = self.pending if self._pool is None else self.pending.replace(self.loading)
        args = (batch, self.rewrite, list(self.meta), lines)
        if self._pool is None:
            self.st.apply(*args)
            self.pending.unlink(missing_ok=True)  # applied: never again
        else:
            self._inflight = self._pool.submit(self.st.apply, *args)
        self.meta, self.rewrite = {}, set()
        self.batches += 1

    def _end_stream(self) -> None:
        """Wait until the batch's stream is in the store (raises its load's error)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.close()
            self.loaded += stream.size

    def _wait(self) -> None:
        if self._inflight is not None:
            f, self._inflight = self._inflight, None
            f.result()  # a failed apply fails the build here

    def finish(self) -> None:
        """Apply what is left and wait until every batch is in the store."""
        self.commit()
        self._wait()

    def close(self) -> None:
        try:
            self._end_stream()
        except Exception:  # the build is failing: its own error is the one to report
            pass
        if self._inflight is not None:
            try:
                self._inflight.result()
            except Exception:
                pass
            self._inflight = None
        if self._pool is not None:
            self._pool.shutdown()
        if self.out is not None and not self.out.closed:
            self.out.close()
        for p in (self.pending, self.loading, self.fifo):
            if p is not None:
                p.unlink(missing_ok=True)


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
    """Replace one named graph (e.g. the alignments) with ``triples``; returns their count.
    ``store_dir`` is a store folder, a SPARQL endpoint URL or an open store: a writable one is
    written in place, a read-only one (the app's) through a transaction on its store folder,
    published atomically; a server's graph is replaced on the server."""
    if isinstance(store_dir, RemoteStore) or is_remote(store_dir):
        st = store_dir if isinstance(store_dir, RemoteStore) else RemoteStore(store_dir, read_only=False)
        if st.read_only:
            st = RemoteStore(st.endpoint, read_only=False)
        return st.replace_graph(graph, triples)
    if isinstance(store_dir, GraphStore) and not store_dir.read_only:
        return store_dir.replace_graph(graph, triples)
    target = store_dir.store_dir if isinstance(store_dir, GraphStore) else store_dir
    if target is None:
        raise ValueError("write_graph: this read-only store has no store folder to write a new version into")
    with open_store(target, read_only=False) as st:
        return st.replace_graph(graph, triples)


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

    Atomic: under the store's build lock (``StoreBusy`` if another build holds it), changes go
    into a copy of the current version that is published only when complete; an unchanged
    rebuild makes no copy. A killed build leaves the previous store as it was, and running
    the same build again resumes from what the killed one had written.
    ``store_dir`` may also be an open, writable ``GraphStore`` (written in place)."""
    with cyclic_gc_paused():
        return _build_store(documents, store_dir, taxonomy, progress, reason, keep_sources, remove_missing)


def _build_store(documents, store_dir, taxonomy, progress, reason, keep_sources, remove_missing) -> BuildReport:
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
    files = [source_files(d) for d in docs]
    fps = [input_hash(d, ctx, f) for d, f in zip(docs, files)]
    job = _Job(docs, fps, files, ctx, taxonomy, reason, list(keep_sources), remove_missing, progress)

    if isinstance(store_dir, (GraphStore, RemoteStore)):
        if store_dir.read_only:
            raise ValueError("build_store needs a store folder or a writable GraphStore")
        _build_into(store_dir, job, report, store_dir.path.with_name(store_dir.path.name + ".pending.nq")
                    if store_dir.path else None)
    elif is_remote(store_dir):  # a server: no versions, but the same skip-what-is-unchanged writes
        with store_lock(local_dir(store_dir)), open_remote(store_dir, read_only=False) as st:
            try:
                _run(st, job, _Writer(None, None, dry=True), BuildReport())
                report.unchanged = len(docs)
                report.triples, report.inferred = st.size(), st.count(INFERRED_GRAPH)
            except _Changes:
                _build_into(st, job, report, None)
    else:
        with store_lock(store_dir):
            ptr = pointer(store_dir)
            ptr.gc()
            key = job.key()
            old = None
            if ptr.resumable(key) is None:
                old = open_store(store_dir) if ptr.current() is not None else GraphStore(ox.Store())
                try:
                    _run(old, job, _Writer(None, None, dry=True), BuildReport())
                    report.unchanged = len(docs)
                    report.triples, report.inferred = old.size(), old.count(INFERRED_GRAPH)
                    report.seconds = time.perf_counter() - t0
                    old.close()
                    return report  # nothing to write: no new version
                except _Changes:
                    pass
                except BaseException:
                    old.close()
                    raise
            try:
                st = _Transaction(store_dir, key).begin(current=old)
            finally:
                if old is not None:
                    old.close()
            with st:
                report.resumed = st._txn.resumed
                _build_into(st, job, report, st.path.with_name(st.path.name + ".pending.nq"))
    report.seconds = time.perf_counter() - t0
    return report


@dataclass
class _Job:
    """What one build is asked to do (shared by its dry run and its real run)."""
    docs: list[Document]
    fps: list[str]
    files: list[list[str]]
    ctx: object
    taxonomy: dict
    reason: bool
    keep_sources: list[str]
    remove_missing: bool
    progress: Callable[[int, int], None] | None

    def key(self) -> str:
        """Identity of the build: a killed build is resumed only by the very same build."""
        return _digest(ontology_hash(self.taxonomy), repr((self.reason, self.remove_missing)),
                       *sorted(map(str, self.keep_sources)), "\0", *self.fps)


def _build_into(st: GraphStore, job: _Job, report: BuildReport, pending: Path | None) -> None:
    if pending is None:
        import tempfile
        fd, name = tempfile.mkstemp(suffix=".nq")
        os.close(fd)
        pending = Path(name)
    w = _Writer(st, pending, stream=STREAM_LOADS and isinstance(st, GraphStore))
    try:
        _run(st, job, w, report)
        w.finish()
        st._flushed = True
        if w.loaded > OPTIMIZE_BYTES and isinstance(st, GraphStore):
            # a bulk load leaves RocksDB uncompacted: compacting once (18 s for LawRefBook's
            # 5.2 M quads) makes the example queries 1.3-3x faster for every reader after
            t = time.perf_counter()
            st.ox.optimize()
            report.optimize_seconds = time.perf_counter() - t
    finally:
        w.close()
    report.triples = st.size()
    report.inferred = st.count(INFERRED_GRAPH)


def _run(st: GraphStore, job: _Job, w: _Writer, report: BuildReport) -> None:
    """Compare the store with the job and hand every change to ``w``."""
    old = st.meta()
    o_hash = ontology_hash(job.taxonomy)
    onto = None
    if old.get(str(ONTOLOGY_GRAPH), {}).get("hash") != o_hash:
        w.need()
        onto = ontology_triples(job.taxonomy)
        w.put(ONTOLOGY_GRAPH, _lines(onto), o_hash)
    if job.reason:
        if old.get(str(INFERRED_GRAPH), {}).get("hash") != o_hash:
            w.need()
            inferred = infer(onto if onto is not None else ontology_triples(job.taxonomy))
            w.put(INFERRED_GRAPH, _lines(inferred), o_hash)
            report.reasoned = True
    elif str(INFERRED_GRAPH) in old:
        w.drop(INFERRED_GRAPH)

    lines = entity_lines(job.docs, job.ctx)
    had = old.get(str(ENTITIES_GRAPH), {})
    if not job.remove_missing and had.get("count") is not None:
        # documents added to the ones there: their new shared nodes are added to the graph (a
        # chained hash marks the change; the next full build rewrites the graph once)
        new = st.missing(ENTITIES_GRAPH, lines)
        if new:
            w.add(ENTITIES_GRAPH, new, _digest(MAPPING_VERSION, had.get("hash", ""), *new), int(had["count"]) + len(new))
    else:
        if not job.remove_missing:  # no bookkeeping for the graph (an interrupted batch): merge
            lines = list(dict.fromkeys(_lines(st.triples([ENTITIES_GRAPH])) + lines))
        digest = _digest(MAPPING_VERSION, "".join(lines))
        if had.get("hash") != digest:
            w.put(ENTITIES_GRAPH, lines, digest)

    current: set[str] = set()
    total = len(job.docs)
    for n, (doc, fp, files) in enumerate(zip(job.docs, job.fps, job.files), 1):
        g = ont.doc_iri(doc.key)
        current.add(str(g))
        before = old.get(str(g), {})
        if before.get("hash") and before.get("input") == fp:
            report.unchanged += 1
        else:
            w.need()
            lines = document_lines(doc, job.ctx)
            digest = _digest(MAPPING_VERSION, "".join(lines))  # the same hash as line by line
            if before.get("hash") == digest:
                report.unchanged += 1
                w.touch(g, digest, len(lines), fp, files)
            else:
                w.put(g, lines, digest, fp, files)
                if before.get("hash") is None:
                    report.added += 1
                else:
                    report.replaced += 1
        if job.progress:
            job.progress(n, total)
    if not job.remove_missing:
        return
    special = {str(g) for g in SPECIAL_GRAPHS} | _graphs_from(st, job.keep_sources)
    for g in sorted(set(old) | {str(x) for x in st.graphs()}):
        if g not in current and g not in special:
            w.drop(URIRef(g))
            report.removed += 1
