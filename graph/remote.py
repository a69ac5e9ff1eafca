"""A SPARQL 1.1 server as the graph store (Virtuoso, Fuseki, GraphDB, Oxigraph's server …).

``RemoteStore`` answers the same calls as ``store.GraphStore`` (query, query_plain, meta,
graphs, triples …) and takes the same batched writes, so a build, the fact tables, alignment,
comparison and the app run unchanged against a server. Reads go over the SPARQL 1.1 Protocol;
writes replace whole named graphs (one per document, so a document is replaced alone) through
the Graph Store Protocol where the server has one, else batched ``INSERT DATA``.

Configuration: ``--store URL`` names the query endpoint. The update and Graph Store URLs follow
from it by the servers' conventions (``…/sparql`` Virtuoso: same URL, ``…/sparql-graph-crud``;
``/query`` Oxigraph: ``/update``, ``/store``; ``…/DATASET/query`` Fuseki: ``…/update``,
``…/data``) or are given in ``GOVRULE_SPARQL_UPDATE`` / ``GOVRULE_SPARQL_GSP`` (``none``: no
Graph Store Protocol). Credentials come only from the environment (``GOVRULE_SPARQL_USER``,
``GOVRULE_SPARQL_PASSWORD``), never from the command line, which other users can read; HTTP
Basic or Digest is chosen by the server's challenge.

The server must evaluate queries over the union of its named graphs by default (Virtuoso does;
Oxigraph: ``--union-default-graph``; Fuseki: ``unionDefaultGraph``): opening the store checks
this and says so when it is not the case.

What a server cannot give: the atomic versions of the embedded store (a killed build leaves
some documents rewritten and the rest as before — the meta graph is still consistent, so the
next build redoes only what is missing), and Virtuoso keeps ``xsd:duration`` as a number of
seconds or months, so ``PT48H`` reads back as ``P2D`` (same length, other lexical form).
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
from rdflib import URIRef

from . import ontology as ont
from .ontology import ALIGNMENTS_GRAPH, GR, META_GRAPH
from .sandbox import serialize_results, term_json
from .storebase import StoreBase
from .terms import from_ox, nt_line, plain

RETRIES = 4  # attempts per request when the server is unreachable or answers 502/503/504
BACKOFF = 0.5  # seconds before the second attempt, doubled after each
TIMEOUT = 300.0  # seconds per request (a load batch, a long query)
BATCH_LINES = 5000  # N-Triples per INSERT DATA / Graph Store request
BATCH_BYTES = 2 << 20
OURS = "https://govrule.org/"  # every graph GovRule writes is named under this
XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"


class StoreUnreachable(OSError):
    """The SPARQL endpoint could not be reached (after retries) or refused the credentials."""


class RemoteError(RuntimeError):
    """The server answered a request with an error (bad query, refused update …), or the
    endpoint is misconfigured."""


def is_remote(spec) -> bool:
    return isinstance(spec, str) and spec.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Endpoint:
    query_url: str
    update_url: str
    gsp_url: str | None = None  # Graph Store Protocol; None: INSERT DATA
    gsp_param: str = "graph"  # the query parameter that names the graph
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_spec(cls, url: str, env=None) -> Endpoint:
        """The endpoint named by ``url`` (the query URL), completed by the servers' URL
        conventions and the ``GOVRULE_SPARQL_*`` environment variables."""
        env = os.environ if env is None else env
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise RemoteError(f"{url}: put SPARQL credentials in GOVRULE_SPARQL_USER / GOVRULE_SPARQL_PASSWORD, "
                             "not in the URL (command lines are visible to other users)")
        path = parts.path.rstrip("/")
        at = lambda p: urlunsplit((parts.scheme, parts.netloc, p, "", ""))  # noqa: E731
        param = "graph"
        if path.endswith(("/sparql", "/sparql-auth")):  # Virtuoso
            update, gsp = url, at(path.rsplit("/", 1)[0] + "/sparql-graph-crud" +
                                  ("-auth" if path.endswith("-auth") else ""))
        elif path == "/query":  # Oxigraph server
            update, gsp = at("/update"), at("/store")
        elif path.endswith("/query"):  # Fuseki: /DATASET/query
            base = path[: -len("/query")]
            update, gsp = at(base + "/update"), at(base + "/data")
        elif "/repositories/" in path:  # GraphDB, RDF4J
            update, gsp = at(path + "/statements"), at(path + "/rdf-graphs/service")
        else:
            update, gsp = url, None
        update = env.get("GOVRULE_SPARQL_UPDATE") or update
        gsp = env.get("GOVRULE_SPARQL_GSP", gsp)
        if gsp in ("", "none"):
            gsp = None
        return cls(url, update, gsp, param, env.get("GOVRULE_SPARQL_USER") or None,
                   env.get("GOVRULE_SPARQL_PASSWORD") or None)


def local_dir(spec: str | Path) -> Path:
    """Where the local state of a store lives: the folder itself, or for a server a folder
    under ``$GOVRULE_CACHE`` (default ``~/.cache/govrule``) named after its URL — the search
    index, embedding caches and the build lock, which a SPARQL server does not hold."""
    if not is_remote(spec):
        return Path(spec)
    root = Path(os.environ.get("GOVRULE_CACHE") or Path.home() / ".cache" / "govrule")
    parts = urlsplit(str(spec))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", parts.netloc + parts.path).strip("-")[:60]
    return root / "remote" / f"{slug}-{hashlib.sha256(str(spec).encode()).hexdigest()[:8]}"


class _Http:
    """Requests with retries, authentication from the endpoint, and one-line errors. Retrying
    a write is safe: every write either adds triples (a set: adding twice changes nothing) or
    deletes them."""

    def __init__(self, ep: Endpoint):
        import requests

        self.ep = ep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "govrule"
        self._auth_ready = ep.user is None

    def _auth(self, challenge: str) -> bool:
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        if self.ep.user is None or self._auth_ready:
            return False
        self._auth_ready = True
        cls = HTTPDigestAuth if challenge.lower().startswith("digest") else HTTPBasicAuth
        self.session.auth = cls(self.ep.user, self.ep.password or "")
        return True

    def request(self, method: str, url: str, timeout: float = TIMEOUT, **kw):
        import requests

        delay, last = BACKOFF, None
        for attempt in range(RETRIES):
            try:
                r = self.session.request(method, url, timeout=timeout, **kw)
            except requests.Timeout as e:
                raise TimeoutError(f"{url}: no answer within {timeout:g} s") from e
            except requests.ConnectionError as e:
                last = f"cannot connect ({type(e.__cause__ or e).__name__})"
            else:
                if r.status_code == 401 and self._auth(r.headers.get("WWW-Authenticate", "")):
                    return self.request(method, url, timeout, **kw)
                if r.status_code in (401, 403):
                    who = "no credentials given (set GOVRULE_SPARQL_USER and GOVRULE_SPARQL_PASSWORD)" \
                        if self.ep.user is None else f"the credentials of {self.ep.user!r} were refused"
                    raise StoreUnreachable(f"{url}: HTTP {r.status_code}: {who}")
                if r.status_code in (502, 503, 504):
                    last = f"HTTP {r.status_code}"
                elif r.status_code >= 400:
                    text = " ".join(r.text.split())[:400]
                    raise RemoteError(f"{url}: HTTP {r.status_code}: {text}")
                else:
                    return r
            if attempt < RETRIES - 1:
                time.sleep(delay)
                delay *= 2
        raise StoreUnreachable(f"SPARQL endpoint {url} is unreachable: {last} (tried {RETRIES} times)")


# ---------------------------------------------------------------- terms

def _seconds_iso(value: str) -> str:
    s = float(value)
    sign, s = ("-", -s) if s < 0 else ("", s)
    if s.is_integer():
        s = int(s)
        for unit, size in (("D", 86400), ("H", 3600), ("M", 60)):
            if s and s % size == 0:
                return f"{sign}P{s // size}D" if unit == "D" else f"{sign}PT{s // size}{unit}"
    return f"{sign}PT{s}S"


def _months_iso(value: str) -> str:
    m = int(value)
    sign, m = ("-", -m) if m < 0 else ("", m)
    y, m = divmod(m, 12)
    return sign + "P" + (f"{y}Y" if y else "") + (f"{m}M" if m or not y else "")


def _duration(value: str) -> str:
    """Virtuoso stores xsd:duration as seconds ("432000.0") or months ("14"): back to ISO."""
    if value.lstrip("-").startswith("P"):
        return value
    try:
        return _seconds_iso(value) if "." in value or "e" in value.lower() else _months_iso(value)
    except ValueError:
        return value


def json_term(t: dict | None):
    """A SPARQL JSON results term as a pyoxigraph term (both result-format versions: 1.1's
    ``literal`` with ``datatype`` and 1.0's ``typed-literal``, which Virtuoso still writes)."""
    if t is None:
        return None
    kind = t["type"]
    if kind == "uri":
        return ox.NamedNode(t["value"])
    if kind == "bnode":
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", t["value"].removeprefix("nodeID://")) or "b")
    if kind == "triple":
        v = t["value"]
        return ox.Triple(json_term(v["subject"]), json_term(v["predicate"]), json_term(v["object"]))
    lang = t.get("xml:lang")
    if lang:
        return ox.Literal(t["value"], language=lang)
    dt = t.get("datatype")
    if dt == XSD_DURATION:
        return ox.Literal(_duration(t["value"]), datatype=ox.NamedNode(dt))
    return ox.Literal(t["value"], datatype=ox.NamedNode(dt) if dt else None)


def normalise_json(t: dict) -> dict:
    """A SPARQL JSON term in the 1.1 form (``literal``, ISO durations), for tables and export."""
    if t.get("type") == "typed-literal":
        t = {**t, "type": "literal"}
    if t.get("datatype") == XSD_DURATION:
        t = {**t, "value": _duration(t["value"])}
    return t


def _ask(body: dict) -> bool | None:
    if "boolean" in body:
        return bool(body["boolean"])
    rows = body.get("results", {}).get("bindings", [])
    if body.get("head", {}).get("vars") == ["__ASK_RETVAL"]:  # Virtuoso's ASK in JSON
        return bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in (None, "0")
    return None


# ---------------------------------------------------------------- the store

class RemoteStore(StoreBase):
    """A graph store on a SPARQL server; the interface of ``store.GraphStore``."""

    path = None  # no version folder: a server has one current state
    _txn = None
    _flushed = True

    def __init__(self, endpoint: Endpoint | str, read_only: bool = True):
        self.endpoint = Endpoint.from_spec(endpoint) if isinstance(endpoint, str) else endpoint
        self.read_only = read_only
        self.store_dir = local_dir(self.endpoint.query_url)
        self.http = _Http(self.endpoint)

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint.query_url!r})"

    # -- protocol
    def _select(self, sparql: str, accept: str = "application/sparql-results+json",
                timeout: float = TIMEOUT, prefixes: bool = True):
        text = (ont.sparql_prefixes() + sparql) if prefixes else sparql
        return self.http.request("POST", self.endpoint.query_url, data={"query": text.encode("utf-8")},
                                 headers={"Accept": accept}, timeout=timeout)

    def _json(self, sparql: str, **kw) -> dict:
        """The JSON results of a query; a clear error when the URL answers something else."""
        r = self._select(sparql, **kw)
        try:
            return r.json()
        except ValueError:
            raise RemoteError(f"{self.endpoint.query_url}: the answer is not SPARQL results JSON "
                              f"({r.headers.get('Content-Type', 'no content type')}): is this a SPARQL endpoint?") from None

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise PermissionError(f"{self.endpoint.query_url} was opened read-only")
        self.http.request("POST", self.endpoint.update_url, data={"update": sparql.encode("utf-8")})

    def ping(self) -> None:
        """Raise ``StoreUnreachable`` unless the endpoint answers a query."""
        self._json("ASK { }", prefixes=False, timeout=30)

    def check_union(self) -> None:
        """Raise when the documents are in named graphs but queries do not see them: the
        server's default graph is not the union of its named graphs."""
        if self._ask("ASK { ?d a gr:Document }"):
            return
        if self._ask("ASK { GRAPH ?g { ?d a gr:Document } }"):
            raise StoreUnreachable(
                f"{self.endpoint.query_url}: the documents are in named graphs but queries do not see them: "
                "the server's default graph must be the union of its named graphs (Oxigraph: "
                "--union-default-graph; Fuseki: tdb2:unionDefaultGraph true; Virtuoso does this by default)")

    def _ask(self, sparql: str) -> bool:
        return bool(_ask(self._json(sparql)))

    # -- queries (see GraphStore)
    def _rows(self, sparql: str, convert) -> list[dict] | bool:
        body = self._json(sparql)
        ask = _ask(body)
        if ask is not None:
            return ask
        names = body["head"]["vars"]
        return [{n: convert(json_term(b.get(n))) for n in names} for b in body["results"]["bindings"]]

    def query(self, sparql: str):
        """SELECT → list of {variable: rdflib term or None}; ASK → bool; CONSTRUCT/DESCRIBE →
        list of (s, p, o) rdflib triples."""
        if _form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            r = self._select(sparql, accept="application/n-triples")
            return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                    for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)]
        return self._rows(sparql, from_ox)

    def query_plain(self, sparql: str) -> list[dict]:
        return self._rows(sparql, plain)

    def query_serialized(self, sparql: str, fmt: str = "json") -> tuple[str, bytes]:
        """As ``GraphStore.query_serialized``: results written by Oxigraph's serialisers from
        what the server answered, so the bytes are the same whichever store answers."""
        if _form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            r = self._select(sparql, accept="application/n-triples")
            triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
            rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.N_TRIPLES
            return "graph", ox.serialize(triples, format=rdf)
        body = self._json(sparql)
        ask = _ask(body)
        if ask is not None:
            body, kind = {"head": {}, "boolean": ask}, "ask"
        else:
            kind = "select"
            body = {"head": {"vars": body["head"]["vars"]}, "results": {"bindings": [
                {k: normalise_json(v) for k, v in b.items()} for b in body["results"]["bindings"]]}}
        return kind, serialize_results(body, fmt).encode("utf-8")

    def run_json(self, sparql: str, timeout: float) -> dict:
        """The server's SPARQL JSON answer, terms in the 1.1 form (``graph.sandbox`` for a
        user's query: the server enforces its own limits, ``timeout`` bounds the wait)."""
        if _form(sparql) in ("CONSTRUCT", "DESCRIBE"):
            r = self._select(sparql, accept="application/n-triples", timeout=timeout, prefixes=False)
            rows = [[term_json(t.subject), term_json(t.predicate), term_json(t.object)]
                    for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)]
            return {"kind": "graph", "vars": ["subject", "predicate", "object"], "rows": rows}
        body = self._json(sparql, timeout=timeout, prefixes=False)
        ask = _ask(body)
        if ask is not None:
            return {"kind": "ask", "boolean": ask}
        names = body["head"]["vars"]
        return {"kind": "select", "vars": names, "rows": [
            [normalise_json(b[n]) if n in b else None for n in names] for b in body["results"]["bindings"]]}

    # -- graphs
    def graphs(self) -> list[URIRef]:
        """The graphs GovRule wrote (the meta graph lists them; the special ones are probed)."""
        rows = self.query_plain(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ ?g gr:contentHash ?h }} }}")
        out = {URIRef(r["g"]) for r in rows}
        for g in (META_GRAPH, ALIGNMENTS_GRAPH):
            if self._ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"):
                out.add(URIRef(g))
        return sorted(out)

    def __len__(self) -> int:
        rows = self.query_plain(f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
                                f'FILTER(STRSTARTS(STR(?g), "{OURS}")) }}')
        return int(rows[0]["n"])

    def count(self, graph: URIRef | str | None = None) -> int:
        if graph is None:
            return len(self)
        return int(self.query_plain(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"])

    size = __len__

    def missing(self, graph: URIRef, lines: list[str]) -> list[str]:
        """The N-Triples ``lines`` not yet in ``graph`` (asked in batches with VALUES)."""
        out = []
        for i in range(0, len(lines), 200):
            chunk = lines[i:i + 200]
            values = "\n".join("(" + line.rstrip().removesuffix(".").rstrip() + ")" for line in chunk)
            rows = self.query(f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
                              f"GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            present = {nt_line(r["s"], r["p"], r["o"]) for r in rows}
            out += [line for line in chunk if line not in present]
        return out

    def union_count(self, include_meta: bool = False) -> int:
        flt = "" if include_meta else f"FILTER(?g != <{META_GRAPH}>)"
        rows = self.query_plain(f'SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g '
                                f'{{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{OURS}")) {flt} }} }}')
        return int(rows[0]["n"])

    def _graph_triples(self, graph):
        r = self._select(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                         accept="application/n-triples")
        return ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)

    def triples(self, graphs: Iterable[URIRef | str]):
        for g in graphs:
            for t in self._graph_triples(g):
                yield from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)

    def quads(self, include_meta: bool = False):
        """Every quad of GovRule's graphs, as pyoxigraph quads (export)."""
        for g in self.graphs():
            if g != META_GRAPH or include_meta:
                name = ox.NamedNode(str(g))
                for t in self._graph_triples(g):
                    yield ox.Quad(t.subject, t.predicate, t.object, name)

    def meta(self) -> dict[str, dict]:
        keys = {str(GR.contentHash): "hash", str(GR.inputHash): "input", str(GR.tripleCount): "count"}
        files = str(GR.sourceFileHash)
        out: dict[str, dict] = {}
        for r in self.query_plain(f"SELECT ?g ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ ?g ?p ?o }} }}"):
            k = keys.get(r["p"])
            if k:
                out.setdefault(r["g"], {})[k] = str(r["o"])
            elif r["p"] == files:
                out.setdefault(r["g"], {}).setdefault("files", []).append(str(r["o"]))
        return out

    # -- writes
    def apply(self, pending: Path | None, rewrite: Iterable, meta_graphs: Iterable, meta_lines: list[str]) -> None:
        """One batch of a build (see ``store._Writer``): drop the meta entries of
        ``meta_graphs``, clear the ``rewrite`` graphs, load ``pending`` (N-Quads, written graph
        by graph), then write the new meta entries ``meta_lines`` (N-Triples)."""
        meta_graphs = sorted(map(str, meta_graphs))
        for i in range(0, len(meta_graphs), 100):
            self.update(" ;\n".join(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{g}> ?p ?o }} }}"
                                    for g in meta_graphs[i:i + 100]))
        rewrite = sorted(map(str, rewrite))
        for i in range(0, len(rewrite), 100):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in rewrite[i:i + 100]))
        if pending is not None and pending.exists():
            for graph, lines in _by_graph(pending):
                self.load(graph, lines)
        if meta_lines:
            self.load(str(META_GRAPH), meta_lines)

    def load(self, graph: str, lines: list[str]) -> None:
        """Add N-Triples ``lines`` to ``graph``, in batches (Graph Store Protocol POST, else
        INSERT DATA)."""
        batch: list[str] = []
        size = 0
        for line in lines:
            batch.append(line)
            size += len(line)
            if len(batch) >= BATCH_LINES or size >= BATCH_BYTES:
                self._send(graph, batch)
                batch, size = [], 0
        if batch:
            self._send(graph, batch)

    def _send(self, graph: str, lines: list[str]) -> None:
        if self.read_only:
            raise PermissionError(f"{self.endpoint.query_url} was opened read-only")
        body = "".join(lines).encode("utf-8")
        if self.endpoint.gsp_url:
            self.http.request("POST", self.endpoint.gsp_url, params={self.endpoint.gsp_param: graph}, data=body,
                              headers={"Content-Type": "application/n-triples; charset=utf-8"})
        else:
            self.http.request("POST", self.endpoint.update_url, data={
                "update": b"INSERT DATA { GRAPH <" + graph.encode() + b"> {\n" + body + b"} }"})

    def replace_graph(self, graph: URIRef, triples) -> int:
        """Replace one named graph (the alignments) with ``triples``; returns their count."""
        lines = list(dict.fromkeys(nt_line(s, p, o) for s, p, o in triples))
        self.update(f"DROP SILENT GRAPH <{graph}>")
        self.load(str(graph), lines)
        return len(lines)

    # -- lifecycle
    def close(self) -> None:
        self.http.session.close()

    abort = close

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword after the prologue."""
    text = re.sub(r"#[^\n]*", " ", sparql)
    text = re.sub(r"<[^>\s]*>", " ", text)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.IGNORECASE)
    return m.group(1).upper() if m else "SELECT"


def _by_graph(path: Path):
    """(graph IRI, N-Triples lines) from an N-Quads file written graph by graph."""
    current, lines = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cut = line.rstrip().removesuffix(".").rstrip()
            i = cut.rfind(" <")
            graph, triple = cut[i + 2:-1], cut[:i]
            if graph != current:
                if lines:
                    yield current, lines
                current, lines = graph, []
            lines.append(triple + " .\n")
    if lines:
        yield current, lines


def open_remote(url: str, read_only: bool = True) -> RemoteStore:
    """Open the server at ``url``: check that it answers, and (for reading) that its default
    graph is the union of the named graphs."""
    st = RemoteStore(url, read_only=read_only)
    st.ping()
    if read_only:
        st.check_union()
    return st


__all__ = ["Endpoint", "RemoteStore", "RemoteError", "StoreUnreachable", "is_remote", "local_dir", "open_remote"]
