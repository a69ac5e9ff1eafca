"""Run a user's SPARQL query where it can do no harm: in a child process, on a read-only handle,
with a time, row and memory limit, and without network where the system allows it.

Why a child: pyoxigraph cannot interrupt a running query, but a process can be killed, so the
time limit really stops the work, and a query that eats memory dies alone instead of taking
the app (or the machine) with it. The text is checked first (``safety.check_query``: no
update, no SERVICE); the child then drops its network (a fresh network namespace: SERVICE
could reach nothing even if it got past the check) before it opens the store.

On a SPARQL server (``--store URL``) the same text check runs, then the server answers under its
own limits; we stop waiting at the time limit and keep at most the row limit (``_run_remote``).

``run_query`` is the caller's side (the app's SPARQL page and ``govrule sparql``);
``python graph/sandbox.py --child`` is the child: a JSON request on stdin, one JSON answer on
stdout. The child imports only pyoxigraph and ``graph.versions`` (stdlib), to start fast.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ROWS, MAX_ROWS = 1000, 1_000_000
DEFAULT_SECONDS, MAX_SECONDS = 20.0, 600.0
MEMORY_LIMIT = int(os.environ.get("GOVRULE_QUERY_MEMORY_MB", "4096")) << 20  # the child's address space (RLIMIT_AS)
MAX_PARALLEL = 2  # queries running at once per process (the app serves several sessions)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
FORMATS = ("json", "csv", "tsv", "xml")
_slots = threading.BoundedSemaphore(MAX_PARALLEL)


class QueryError(Exception):
    """A query that gave no result: ``kind`` is "syntax", "read-only" (an update), "refused"
    (SERVICE, too long: see ``safety``), "runtime", "timeout", "memory" or "busy"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class QueryResult:
    kind: str  # select | ask | graph (CONSTRUCT/DESCRIBE: rows of subject, predicate, object)
    vars: list[str] = field(default_factory=list)
    rows: list[list[dict | None]] = field(default_factory=list)  # SPARQL JSON terms, None when unbound
    truncated: bool = False  # more rows than the limit
    boolean: bool | None = None
    seconds: float = 0.0
    data: bytes | None = None  # the results serialised, when a format was asked for
    isolated: bool = False  # whether the child ran without network

    def values(self) -> list[dict[str, str | None]]:
        """Rows as {variable: plain value} (IRIs, literal lexical forms) for tables and CSV."""
        return [{v: (None if t is None else _plain(t)) for v, t in zip(self.vars, r)} for r in self.rows]

    def results_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON of the rows kept."""
        if self.kind == "ask":
            return {"head": {}, "boolean": self.boolean}
        return {"head": {"vars": self.vars},
                "results": {"bindings": [{v: t for v, t in zip(self.vars, r) if t is not None} for r in self.rows]}}

    def ntriples(self) -> str:
        """A graph result as N-Triples."""
        from .remote import json_term

        return "".join(f"{json_term(s)} {json_term(p)} {json_term(o)} .\n" for s, p, o in self.rows)


def _plain(t: dict) -> str:
    if t["type"] == "triple":
        v = t["value"]
        return f"<< {_plain(v['subject'])} {_plain(v['predicate'])} {_plain(v['object'])} >>"
    return ("_:" + t["value"]) if t["type"] == "bnode" else t["value"]


def run_query(store_dir: str | Path, text: str, prefixes: dict[str, str] | None = None,
              row_limit: int = DEFAULT_ROWS, time_limit: float = DEFAULT_SECONDS, fmt: str | None = None,
              memory_limit: int = MEMORY_LIMIT) -> QueryResult:
    """Run ``text`` on the store in ``store_dir``: at most ``row_limit`` rows (``truncated``
    says when there were more), at most ``time_limit`` seconds (then the child is killed).
    ``fmt`` (json, csv, tsv, xml) also returns the rows kept serialised in ``data``, as
    Oxigraph writes them (CONSTRUCT: JSON-LD for json, else N-Triples). ``prefixes`` are
    predeclared (default: ``ontology.PREFIXES``). Raises ``QueryError``."""
    from .safety import QueryRefused, check_query

    try:
        check_query(text)
    except QueryRefused as e:
        kind = {"malformed": "syntax", "update": "read-only"}.get(e.kind, "refused")
        raise QueryError(kind, str(e)) from None
    if prefixes is None:
        from .ontology import PREFIXES as prefixes
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    row_limit = max(1, min(int(row_limit), MAX_ROWS))
    time_limit = max(0.1, min(float(time_limit), MAX_SECONDS))
    from .remote import is_remote
    if is_remote(str(store_dir)):
        return _run_remote(str(store_dir), text, prefixes, row_limit, time_limit, fmt)
    request = json.dumps({"store": str(Path(store_dir).resolve()), "query": text, "prefixes": prefixes,
                          "limit": row_limit, "format": fmt, "memory": int(memory_limit)}, ensure_ascii=False)
    t0 = time.perf_counter()
    if not _slots.acquire(timeout=time_limit):
        raise QueryError("busy", f"其他查询正在运行，请稍后再试 Other queries are running; try again shortly "
                                 f"(at most {MAX_PARALLEL} at a time)")
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], input=request,
                              capture_output=True, text=True, encoding="utf-8",
                              timeout=max(0.1, time_limit - (time.perf_counter() - t0)))
    except subprocess.TimeoutExpired:  # the child has been killed
        raise QueryError("timeout", f"查询超过 {time_limit:g} 秒，已停止 The query ran longer than "
                                    f"{time_limit:g} s and was stopped") from None
    finally:
        _slots.release()
    seconds = time.perf_counter() - t0
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        err = " ".join(proc.stderr.split())
        if any(w in err for w in ("memory allocation", "MemoryError", "bad_alloc", "Cannot allocate memory",
                                  "Resource temporarily unavailable")):  # the last: no room left for a thread
            raise QueryError("memory", f"查询所需内存超过 {memory_limit >> 20} MB，已停止 The query needed more than "
                                       f"{memory_limit >> 20} MB of memory and was stopped") from None
        raise QueryError("runtime", f"查询进程失败 The query process failed (exit {proc.returncode}): "
                                    f"{err[-300:]}") from None
    if "error" in out:
        raise QueryError(out["error"], out["message"])
    data = out.get("data")
    return QueryResult(out["kind"], out.get("vars", []), out.get("rows", []), out.get("truncated", False),
                       out.get("boolean"), seconds, None if data is None else data.encode("utf-8"),
                       out.get("isolated", False))


def _run_remote(url: str, text: str, prefixes: dict[str, str], row_limit: int, time_limit: float,
                fmt: str | None) -> QueryResult:
    """The same checks, on a SPARQL server: the server runs the query (its own limits apply),
    we stop waiting at the time limit and keep at most ``row_limit`` rows."""
    from .remote import RemoteError, RemoteStore, json_term

    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())
    t0 = time.perf_counter()
    try:
        out = RemoteStore(url).run_json(prologue + text, timeout=time_limit)
    except TimeoutError:
        raise QueryError("timeout", f"查询超过 {time_limit:g} 秒，已停止 The query ran longer than "
                                    f"{time_limit:g} s and was stopped") from None
    except RemoteError as e:
        raise QueryError("runtime", str(e)) from None
    rows = out.get("rows", [])
    truncated = len(rows) > row_limit
    res = QueryResult(out["kind"], out.get("vars", []), rows[:row_limit], truncated, out.get("boolean"),
                      time.perf_counter() - t0)
    if fmt:
        if res.kind == "graph":
            import pyoxigraph as ox
            rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.N_TRIPLES
            res.data = ox.serialize([ox.Triple(*map(json_term, r)) for r in res.rows], format=rdf)
        else:
            res.data = serialize_results(res.results_json(), fmt).encode("utf-8")
    return res


# ---------------------------------------------------------------- the child


def _isolate() -> bool:
    """Leave the network: a new network namespace has only a loopback that is down. Needs
    root or unprivileged user namespaces; without either the check alone guards SERVICE."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x10000000 | 0x40000000):  # CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def _limit_memory(limit: int) -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def term_json(t) -> dict | None:
    """A pyoxigraph term as a SPARQL JSON results term."""
    import pyoxigraph as ox

    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(t.subject), "predicate": term_json(t.predicate),
                                            "object": term_json(t.object)}}
    return {"type": "literal", "value": str(t)}


def _child() -> dict:
    req = json.loads(sys.stdin.read())
    isolated = _isolate()
    _limit_memory(req["memory"])
    return _answer(req) | {"isolated": isolated}


def _answer(req: dict) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import pyoxigraph as ox
    from graph.versions import Pointer

    limit, fmt = req["limit"], req.get("format")
    path, lock = Pointer(Path(req["store"]) / "oxigraph").open_reader()  # held until the child exits
    if path is None:
        return {"error": "runtime", "message": f"no graph store in {req['store']} (build one first)"}
    try:
        store = ox.Store.read_only(str(path))
        res = store.query(req["query"], prefixes=req["prefixes"], use_default_graph_as_union=True)
        if isinstance(res, ox.QueryBoolean):
            out = {"kind": "ask", "boolean": bool(res)}
            if fmt:
                out["data"] = serialize_results({"head": {}, "boolean": bool(res)}, fmt)
            return out
        rows, truncated = [], False
        if isinstance(res, ox.QueryTriples):
            kind, names = "graph", ["subject", "predicate", "object"]
            triples = []
            for t in res:
                if len(rows) == limit:
                    truncated = True
                    break
                rows.append([term_json(t.subject), term_json(t.predicate), term_json(t.object)])
                triples.append(t)
            out = {"kind": kind, "vars": names, "rows": rows, "truncated": truncated}
            if fmt:
                rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.N_TRIPLES
                out["data"] = ox.serialize(triples, format=rdf).decode("utf-8")
            return out
        names = [v.value for v in res.variables]
        for sol in res:
            if len(rows) == limit:
                truncated = True
                break
            rows.append([term_json(sol[n]) for n in names])
        out = {"kind": "select", "vars": names, "rows": rows, "truncated": truncated}
        if fmt:
            out["data"] = serialize_results({"head": {"vars": names}, "results": {"bindings": [
                {n: t for n, t in zip(names, r) if t is not None} for r in rows]}}, fmt)
        return out
    except SyntaxError as e:
        return {"error": "syntax", "message": str(e)}
    except MemoryError:
        return {"error": "memory", "message": f"查询所需内存超过 {req['memory'] >> 20} MB，已停止 The query needed "
                                               f"more than {req['memory'] >> 20} MB of memory and was stopped"}
    except Exception as e:  # noqa: BLE001 - OSError from evaluation (SERVICE, store), anything else
        return {"error": "runtime", "message": f"{type(e).__name__}: {e}"}


def serialize_results(results: dict, fmt: str) -> str:
    """The rows kept, written by Oxigraph's own serialiser (so the format is exactly its)."""
    import pyoxigraph as ox

    formats = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
               "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
    parsed = ox.parse_query_results(json.dumps(results, ensure_ascii=False), format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=formats[fmt]).decode("utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    json.dump(_child(), sys.stdout, ensure_ascii=False)
