"""``govrule check``: is the store sound, and does it still describe the files it was built from?

Why: a store is built once and read for months; files get edited or moved, a disk fills up,
a build is killed. Checked, each with a message that names what is wrong:
- the store opens (the pointer names a complete version) and its bookkeeping is true: every
  graph holds as many quads as the meta graph recorded;
- the graph conforms to the SHACL shapes (``validate``; the slow part, skippable);
- every source file is still there with the bytes it had at build time (its SHA-256 is kept in
  the meta graph), and every article's source span still starts with the article's label;
- the search index agrees with the graph on the set of articles (and with itself).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .ontology import ALIGNMENTS_GRAPH, META_GRAPH
from .store import open_store, pointer

_SPACE = re.compile(r"\s+")
SHOW = 5  # examples listed per problem


@dataclass
class CheckReport:
    store: str
    problems: list[str] = field(default_factory=list)  # what is wrong (exit status 1)
    passed: list[str] = field(default_factory=list)  # what was checked and found sound
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok}


def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _examples(items: list[str]) -> str:
    more = f" … and {len(items) - SHOW} more" if len(items) > SHOW else ""
    return "; ".join(items[:SHOW]) + more


def resolve_source(path: str, store_dir: str | Path) -> Path | None:
    """A source path as recorded by the build: absolute, relative to the working folder, or
    relative to the folder that holds the store (``.govrule`` beside ``corpus/``)."""
    p = Path(path)
    for cand in ([p] if p.is_absolute() else [Path.cwd() / p, Path(store_dir).resolve().parent / p]):
        if cand.is_file():
            return cand
    return None


def check_store(store_dir: str | Path, shacl: bool = True, sources: bool = True, index: bool = True) -> CheckReport:
    """Run every check on the store in ``store_dir`` (``shacl``, ``sources``, ``index`` can be
    skipped); never raises for what it finds: it reports."""
    rep = CheckReport(str(store_dir))
    ptr = pointer(store_dir)
    try:
        st = open_store(store_dir)
    except FileNotFoundError as e:
        rep.problems.append(str(e))
        return rep
    except OSError as e:
        rep.problems.append(f"{store_dir}: the graph store cannot be opened: {e}")
        return rep
    with st:
        if not ptr.is_versioned():
            rep.notes.append("the store predates versioned builds; the next build converts it")
        left = [p.name for p in ptr.staging()]
        if left:
            rep.notes.append(f"{len(left)} folder(s) besides the current version (a build in progress or "
                             f"killed, or readers of an old version): {', '.join(left[:SHOW])}")
        _check_counts(st, rep)
        if shacl:
            from .validate import validate

            conforms, text = validate(st)
            if conforms:
                rep.passed.append(f"SHACL: {len(st.document_graphs())} document graphs conform to the shapes")
            else:
                first = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(("Message", "Focus Node"))]
                rep.problems.append("SHACL: the graph does not conform: " + _examples(first or [text[:300]]))
        articles = {str(r["art"]) for r in st.query_plain("SELECT ?art WHERE { ?art a gr:Article }")}
        if sources:
            _check_sources(st, store_dir, rep)
        if index:
            _check_index(store_dir, articles, rep)
    return rep


def _check_counts(st, rep: CheckReport) -> None:
    """Every graph holds the quads the meta graph says it does (no half-written graph)."""
    meta = st.meta()
    rows = st.query_plain("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    actual = {r["g"]: int(r["n"]) for r in rows}
    wrong, unrecorded = [], []
    for g, info in meta.items():
        if "count" in info and actual.get(g, 0) != int(info["count"]):
            wrong.append(f"{g} holds {actual.get(g, 0)} quads, the build wrote {info['count']}")
    for g in actual:
        if g not in meta and g not in (str(META_GRAPH), str(ALIGNMENTS_GRAPH)):
            unrecorded.append(g)
    if wrong:
        rep.problems.append(f"bookkeeping: {len(wrong)} graph(s) differ from what the build wrote: {_examples(wrong)}")
    if unrecorded:
        rep.problems.append(f"bookkeeping: {len(unrecorded)} graph(s) no build recorded: {_examples(unrecorded)}")
    if not wrong and not unrecorded:
        rep.passed.append(f"bookkeeping: {len(actual)} graphs, {sum(actual.values()):,} quads, as the builds wrote them")


def _check_sources(st, store_dir, rep: CheckReport) -> None:
    """Source files unchanged since the build, and article spans that still hold their article."""
    from ingest.model import IngestError
    from ingest.readers import read_source

    recorded: dict[str, str] = {}  # path → sha256 at build time
    docs_without = 0
    for g, info in st.meta().items():
        if "input" in info and not info.get("files"):
            docs_without += 1
        for f in info.get("files", []):
            sha, _, path = f.partition(" ")
            recorded[path] = sha
    rows = st.query_plain("""SELECT ?art ?label ?src ?start ?end WHERE {
        ?art a gr:Article ; gr:label ?label ; prov:wasDerivedFrom ?s ; gr:sourceStart ?start ; gr:sourceEnd ?end .
        ?s rdfs:label ?src }""")
    by_file: dict[str, list[dict]] = {}
    for r in rows:
        by_file.setdefault(str(r["src"]), []).append(r)
    missing, changed, bad_spans, unreadable = [], [], [], []
    for path in sorted(set(by_file) | set(recorded)):
        arts = by_file.get(path, [])
        found = resolve_source(path, store_dir)
        if found is None:
            missing.append(path)
            continue
        try:
            data = found.read_bytes()
        except OSError as e:
            unreadable.append(f"{path}: {e.strerror or e}")
            continue
        sha = hashlib.sha256(data).hexdigest()
        try:
            text = read_source(found).text if arts else ""
        except IngestError as e:
            unreadable.append(f"{path}: {e.reason}")
            continue
        off = [a for a in arts if not _span_holds(text, a)]
        if path in recorded and recorded[path] != sha:
            changed.append(f"{path} ({len(off)} of {len(arts)} article spans no longer hold their article)")
        elif off:
            bad_spans += [f"{path} {a['label']} [{a['start']}, {a['end']})" for a in off]
    if missing:
        rep.problems.append(f"sources: {len(missing)} source file(s) not found: {_examples(missing)}")
    if unreadable:
        rep.problems.append(f"sources: {len(unreadable)} source file(s) cannot be read: {_examples(unreadable)}")
    if changed:
        rep.problems.append(f"sources: {len(changed)} file(s) changed since the build (rebuild to update the "
                            f"graph): {_examples(changed)}")
    if bad_spans:
        rep.problems.append(f"sources: {len(bad_spans)} article span(s) do not start with the article's label: "
                            f"{_examples(bad_spans)}")
    if docs_without:
        rep.notes.append(f"{docs_without} document(s) were built before file hashes were recorded: their spans "
                         "are checked, their bytes are not (rebuild to record them)")
    if not (missing or unreadable or changed or bad_spans):
        rep.passed.append(f"sources: {len(set(by_file) | set(recorded))} files as built, {len(rows):,} article "
                          "spans hold their articles")


def _span_holds(text: str, a: dict) -> bool:
    start, end = int(a["start"]), int(a["end"])
    if not 0 <= start <= end <= len(text):
        return False
    return _norm(text[start:end]).startswith(_norm(str(a["label"])))


def _check_index(store_dir, articles: set[str], rep: CheckReport) -> None:
    from search.index import check_index

    uris, problems = check_index(store_dir)
    if uris is None:
        rep.notes.append("no search index (built with --no-search?)")
        return
    rep.problems += problems
    held = set(uris)
    only_graph, only_index = sorted(articles - held), sorted(held - articles)
    if only_graph:
        rep.problems.append(f"search index: {len(only_graph)} article(s) of the graph are not indexed (rebuild): "
                            f"{_examples(only_graph)}")
    if only_index:
        rep.problems.append(f"search index: {len(only_index)} indexed article(s) are not in the graph (rebuild): "
                            f"{_examples(only_index)}")
    if len(uris) != len(held):
        rep.problems.append(f"search index: {len(uris) - len(held)} article(s) indexed twice")
    if not (problems or only_graph or only_index or len(uris) != len(held)):
        rep.passed.append(f"search index: the same {len(held):,} articles as the graph")
