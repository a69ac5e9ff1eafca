"""SPARQL from the app, in a child process: pyoxigraph cannot interrupt a running query, but the
app can kill the process that runs it, so the time limit really stops the work. The child opens
the store read-only (beside the app's own handle), so a query can never write.

``run_query`` is the app's side; ``python ui/sparql_worker.py`` is the child: a JSON request on
stdin (``store``, ``query``, ``prefixes``, ``limit``), one JSON answer on stdout. The child
imports nothing but pyoxigraph, to start fast.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
                     r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)


class QueryError(Exception):
    """A query the store refused: ``kind`` is "syntax", "runtime" or "read-only"."""

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

    def values(self) -> list[dict[str, str | None]]:
        """Rows as {variable: plain value} (IRIs, literal lexical forms) for tables and CSV."""
        return [{v: (None if t is None else _plain(t)) for v, t in zip(self.vars, r)} for r in self.rows]

    def results_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON of the rows kept."""
        if self.kind == "ask":
            return {"head": {}, "boolean": self.boolean}
        return {"head": {"vars": self.vars},
                "results": {"bindings": [{v: t for v, t in zip(self.vars, r) if t is not None} for r in self.rows]}}


def _plain(t: dict) -> str:
    if t["type"] == "triple":
        v = t["value"]
        return f"<< {_plain(v['subject'])} {_plain(v['predicate'])} {_plain(v['object'])} >>"
    return ("_:" + t["value"]) if t["type"] == "bnode" else t["value"]


def is_update(text: str) -> bool:
    """Whether ``text`` is a SPARQL Update (comments aside), which the app refuses."""
    return bool(_UPDATE.match(re.sub(r"(?m)^\s*#.*$", "", text)))


def run_query(store_dir: str | Path, text: str, prefixes: dict[str, str], row_limit: int,
              time_limit: float) -> QueryResult:
    """Run ``text`` on the store read-only in a child process; at most ``row_limit`` rows, at most
    ``time_limit`` seconds (then the child is killed and ``TimeoutError`` raised). Refused
    queries raise ``QueryError``."""
    if is_update(text):
        raise QueryError("read-only", "只读：不接受 INSERT/DELETE/LOAD/CLEAR 等更新 "
                                      "Read-only: SPARQL Update is not accepted")
    request = json.dumps({"store": str(Path(store_dir).resolve() / "oxigraph"), "query": text,
                          "prefixes": prefixes, "limit": int(row_limit)}, ensure_ascii=False)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], input=request,
                              capture_output=True, text=True, encoding="utf-8", timeout=time_limit)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"查询超过 {time_limit:g} 秒，已停止 The query ran longer than {time_limit:g} s "
                           "and was stopped") from None
    seconds = time.perf_counter() - t0
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise QueryError("runtime", f"查询进程失败 The query process failed (exit {proc.returncode}): "
                                    f"{proc.stderr.strip()[-500:]}") from None
    if "error" in out:
        raise QueryError(out["error"], out["message"])
    return QueryResult(out["kind"], out.get("vars", []), out.get("rows", []), out.get("truncated", False),
                       out.get("boolean"), seconds)


# ---------------------------------------------------------------- the child


def _term(t) -> dict | None:
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
        return {"type": "triple", "value": {"subject": _term(t.subject), "predicate": _term(t.predicate),
                                            "object": _term(t.object)}}
    return {"type": "literal", "value": str(t)}


def _child() -> dict:
    import pyoxigraph as ox

    req = json.loads(sys.stdin.read())
    limit = req["limit"]
    try:
        store = ox.Store.read_only(req["store"])
        res = store.query(req["query"], prefixes=req["prefixes"], use_default_graph_as_union=True)
        if isinstance(res, ox.QueryBoolean):
            return {"kind": "ask", "boolean": bool(res)}
        rows, truncated = [], False
        if isinstance(res, ox.QueryTriples):
            kind, names = "graph", ["subject", "predicate", "object"]
            for t in res:
                if len(rows) == limit:
                    truncated = True
                    break
                rows.append([_term(t.subject), _term(t.predicate), _term(t.object)])
        else:
            kind, names = "select", [v.value for v in res.variables]
            for sol in res:
                if len(rows) == limit:
                    truncated = True
                    break
                rows.append([_term(sol[n]) for n in names])
        return {"kind": kind, "vars": names, "rows": rows, "truncated": truncated}
    except SyntaxError as e:
        return {"error": "syntax", "message": str(e)}
    except Exception as e:  # noqa: BLE001 - OSError from evaluation (SERVICE, store), anything else
        return {"error": "runtime", "message": f"{type(e).__name__}: {e}"}


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    json.dump(_child(), sys.stdout, ensure_ascii=False)
