"""What every page shares: the store and the search index (opened once per process), the
documents as parsed objects, small render helpers. Pages stay thin: they call ``graph`` and
``search`` and lay out the answers."""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Sequence

import streamlit as st

from graph.remote import is_remote, local_dir
from graph.store import GraphStore, open_store
from ingest.model import Document
from ingest.pipeline import parse_paths

DEFAULT_STORE = ".govrule"
MODALITY_ZH = {"obligation": "义务 obligation", "prohibition": "禁止 prohibition", "permission": "许可 permission"}
KIND_ZH = {"deadline": "期限", "advance_notice": "提前", "frequency": "频次", "minimum": "不少于"}


def store_dir() -> str:
    """The store: a folder, or the query URL of a SPARQL endpoint (``graph/remote.py``)."""
    return os.environ.get("GOVRULE_STORE") or DEFAULT_STORE


def local() -> Path:
    """The store's local folder: itself, or a SPARQL endpoint's (search index, uploads, caches)."""
    return local_dir(store_dir())


def version(path: str, part: str = "oxigraph") -> str:
    """The current version of the store's graph (``oxigraph``) or search index (``search/index``):
    cache keys, so that the app picks up what a build (CLI or import) published. A server
    has no versions: its answers are cached for the data caches' ten minutes."""
    if is_remote(path):
        if part == "oxigraph":
            return "remote"
        path = str(local_dir(path))
    try:
        return os.readlink(Path(path) / part)
    except OSError:
        return ""


@st.cache_resource(show_spinner="打开图谱 Opening the store …", max_entries=1)
def _store(path: str, version: str) -> GraphStore:
    return open_store(path)  # read-only: builds write a new version beside it


def get_store(quiet: bool = False) -> GraphStore | None:
    """The current version of the store, read-only (opened once per version: a build elsewhere
    never disturbs it, and the next run of a page sees the new one), or None with a message."""
    path = store_dir()
    if not is_remote(path) and not (Path(path) / "oxigraph").is_dir():
        if not quiet:
            st.warning(f"图谱尚未构建 No graph store in `{path}` yet: run `govrule build` or use 导入 Import.")
        return None
    try:
        return _store(path, version(path))
    except OSError as e:  # unreadable, a server that does not answer, …
        st.error(f"无法打开图谱 Cannot open the store `{path}`: {e}")
        return None


@st.cache_resource(show_spinner="加载检索模型与索引 Loading the search model and index …", max_entries=1)
def _index(path: str, version: str):
    from search.index import open_index

    index = open_index(path)  # the index's own model
    index.search("区长", k=1)  # load the tokenizer dictionary and the model now, not on the first query
    index.clear_cache()
    return index


def get_index(quiet: bool = False):
    """The search index of the store (loaded once per process, model warmed up), or None."""
    path = str(local())
    if not (Path(path) / "search" / "index" / "meta.json").exists():
        if not quiet:
            st.warning("检索索引尚未构建 No search index yet: run `govrule build` or use 导入 Import.")
        return None
    return _index(path, version(path, "search/index"))


def reset_caches() -> None:
    """After an import: cached query results and the search index are stale."""
    st.cache_data.clear()
    _index.clear()


def documents(store_key: str) -> list[dict]:
    """Every document of the store at ``store_key`` (its folder) with its metadata."""
    return _documents(store_key, version(store_key))


@st.cache_data(ttl=600, show_spinner=False)
def _documents(store_key: str, version: str) -> list[dict]:
    rows = get_store().query("""
SELECT ?doc ?key ?title ?number ?district ?date ?type (COUNT(?a) AS ?articles) WHERE {
  ?doc a gr:Document ; gr:key ?key ; eli:title ?title .
  OPTIONAL { ?doc eli:id_local ?number } OPTIONAL { ?doc gr:district/rdfs:label ?district }
  OPTIONAL { ?doc eli:date_document ?date } OPTIONAL { ?doc gr:docType ?type }
  OPTIONAL { ?a eli:is_part_of ?doc ; a gr:Article }
} GROUP BY ?doc ?key ?title ?number ?district ?date ?type ORDER BY ?district ?title""")
    return [{k: (None if v is None else str(v)) for k, v in r.items()} for r in rows]


def role_tree(store_key: str) -> list[tuple[str, int]]:
    """The role taxonomy as (label, depth) in tree order (narrower roles under their broader)."""
    return _role_tree(store_key, version(store_key))


@st.cache_data(ttl=600, show_spinner=False)
def _role_tree(store_key: str, version: str) -> list[tuple[str, int]]:
    rows = get_store().query("""SELECT DISTINCT ?label ?broader WHERE { ?r a gr:Role ; skos:prefLabel ?label .
        FILTER(LANG(?label) = "zh")
        OPTIONAL { ?r skos:broader ?b . ?b skos:prefLabel ?broader . FILTER(LANG(?broader) = "zh") } }""")
    parent: dict[str, str | None] = {}
    for r in rows:
        name = str(r["label"])
        if r["broader"] is not None or name not in parent:
            parent[name] = None if r["broader"] is None else str(r["broader"])
    children: dict[str | None, list[str]] = {}
    for name, b in parent.items():
        children.setdefault(b if b in parent else None, []).append(name)
    out: list[tuple[str, int]] = []

    def walk(node: str | None, depth: int) -> None:
        for c in sorted(children.get(node, [])):
            if all(c != o for o, _ in out):
                out.append((c, depth))
                walk(c, depth + 1)

    walk(None, 0)
    return out


def roles(store_key: str) -> list[str]:
    return sorted(name for name, _ in role_tree(store_key))


def doc_label(d: dict) -> str:
    return f"{d.get('district') or '—'} · {d['title']}" + (f"（{d['number']}）" if d.get("number") else "")


# ---------------------------------------------------------------- documents as parsed objects


def _resolve(src: str) -> Path | None:
    """A source path as recorded by the build: absolute, relative to the working folder, or
    relative to the folder that holds the store (``.govrule`` beside ``corpus/``)."""
    p = Path(src)
    for cand in ([p] if p.is_absolute() else [Path.cwd() / p, Path(store_dir()).resolve().parent / p]):
        if cand.is_file():
            return cand
    return None


@st.cache_resource(show_spinner="读取原文件 Reading the source files …", max_entries=8)
def _parse(files: tuple[tuple[str, float], ...]) -> list[Document]:
    return parse_paths([f for f, _ in files], workers=1).documents  # no fork of the server process


def load_documents(keys: Sequence[str] | None = None) -> tuple[list[Document], list[str]]:
    """The documents of the store with these keys (all when None) as ingest objects, read again
    from their recorded source files (what alignment, comparison and re-indexing work on), in
    the order asked for; and the problems (a source file gone, a key no longer found)."""
    rows = get_store().query("SELECT DISTINCT ?key ?src WHERE { ?doc a gr:Document ; gr:key ?key ; "
                             "prov:wasDerivedFrom/rdfs:label ?src }")
    by_key: dict[str, list[str]] = {}
    for r in rows:
        by_key.setdefault(str(r["key"]), []).append(str(r["src"]))
    wanted = list(by_key) if keys is None else list(keys)
    problems, files, missing = [], [], {}
    for k in wanted:
        for src in sorted(by_key.get(k, [])):
            p = _resolve(src)
            if p is None:
                missing.setdefault(k, []).append(src)
            else:
                files.append((str(p), p.stat().st_mtime))
    docs = {d.key: d for d in _parse(tuple(sorted(set(files))))} if files else {}
    out = []
    for k in wanted:
        if k in docs:
            out.append(docs[k])
        elif k not in by_key:
            problems.append(f"{k}: 图谱中没有该文件 not in the store")
        elif k in missing:
            problems.append(f"{k}: 原文件不存在 source file not found: {'；'.join(missing[k])}")
        else:
            problems.append(f"{k}: 原文件已改变，请重新导入 its source files no longer give this document")
    return out, problems


# ---------------------------------------------------------------- rendering

_MD_INLINE = re.compile(r"([\\`*_\[\]<>&$:|~])")  # emphasis, code, links, HTML, entities, LaTeX, directives
_MD_LINE_START = re.compile(r"(?m)^(\s*(?:\d+)?)([-+=#>.)])")  # lists, headings, quotes at a line start


def md(text: str) -> str:
    """Text from a document or a user for ``st.markdown``/``st.error``: what markdown, HTML and
    Streamlit directives would read is backslash-escaped, so it shows as the text it is (a
    ``<script>`` in a document is shown, never run; ``![x](url)`` is no image, ``:red[x]`` no colour)."""
    out = _MD_INLINE.sub(r"\\\1", str(text))
    out = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return out.replace("\n", "  \n")


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """HTML of ``text`` with ``(start, end, css class)`` spans marked; overlaps keep the first."""
    out, pos = [], 0
    for s, e, cls in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s < pos or e <= s:
            continue
        out += [html.escape(text[pos:s]), f'<mark class="{cls}">', html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def facts_line(facts: dict) -> str:
    """One line of an article's extracted facts (bearers, kinds of norm, time constraints)."""
    parts = []
    bearers = list(dict.fromkeys(c["bearer"] for c in facts.get("clauses", []) if c["bearer"]))
    if bearers:
        parts.append("承担者 " + "、".join(bearers))
    mods = [c["modality"] for c in facts.get("clauses", [])]
    if mods:
        parts.append("规范 " + "、".join(f"{MODALITY_ZH[m].split()[0]}{mods.count(m)}" for m in MODALITY_ZH if m in mods))
    times = [f"{KIND_ZH.get(t['kind'], t['kind'])}「{t['surface']}」" for t in facts.get("times", [])]
    if times:
        parts.append("时间 " + "、".join(dict.fromkeys(times)))
    return " · ".join(parts)


STYLE = """<style>
mark.role{background:#dbeafe;} mark.modal{background:#fde68a;} mark.time{background:#bbf7d0;}
mark.hit{background:#fde68a;} mark.prohibition{background:#fecaca;} mark.permission{background:#e9d5ff;}
.gr-article{border-left:3px solid #94a3b8;padding:0.2em 0.8em;margin:0.4em 0;}
.gr-article.gr-open{border-left:5px solid #dc2626;background:#fef2f2;}
.gr-facts{color:#475569;font-size:0.85em;} .gr-links{font-size:0.85em;margin:0.2em 0 0.3em 1em;}
details.gr-more{border:1px solid #e2e8f0;border-radius:0.5rem;padding:0.3em 0.8em;margin:0 0 1em 0;}
details.gr-more summary{cursor:pointer;color:#334155;} .gr-cp{margin:0.4em 0 0.4em 1em;}
</style>"""


def style() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
