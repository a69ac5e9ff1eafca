"""What every page shares: the store (opened once per process), the query library, small
render helpers. Pages stay thin: they call ``graph`` and ``search`` and lay out the answers."""
from __future__ import annotations

import html
import os
import threading
from pathlib import Path

import streamlit as st

from graph.store import GraphStore, open_store

DEFAULT_STORE = ".govrule"
ROW_LIMIT = 5000
TIME_LIMIT_S = 20.0


def store_dir() -> str:
    return os.environ.get("GOVRULE_STORE") or DEFAULT_STORE


@st.cache_resource(show_spinner="打开图谱 Opening the store …")
def _store(path: str) -> GraphStore:
    return open_store(path, read_only=False)


def get_store() -> GraphStore | None:
    """The writable store of this process (imports write through it), or None with a message."""
    path = store_dir()
    if not (Path(path) / "oxigraph").is_dir():
        st.warning(f"图谱尚未构建 No graph store in `{path}` yet: run `govrule build` or use 导入 Import.")
        return None
    try:
        return _store(path)
    except OSError as e:  # locked by a running `govrule build`, unreadable, …
        st.error(f"无法打开图谱 Cannot open the store `{path}`: {e}")
        return None


def reset_caches() -> None:
    """After an import: cached query results are stale."""
    st.cache_data.clear()


def run_with_limit(fn, *args, limit_s: float = TIME_LIMIT_S):
    """Run ``fn`` in a worker thread and give up waiting after ``limit_s`` seconds (the query
    may go on in the background, but the page answers)."""
    box: dict = {}

    def work():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported to the user below
            box["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(limit_s)
    if t.is_alive():
        raise TimeoutError(f"查询超过 {limit_s:.0f} 秒 The query ran longer than {limit_s:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


@st.cache_data(ttl=600, show_spinner=False)
def documents(_store_key: str) -> list[dict]:
    """Every document with its metadata (for pickers and the documents page)."""
    st_ = get_store()
    rows = st_.query("""
SELECT ?doc ?key ?title ?number ?district ?date ?type (COUNT(?a) AS ?articles) WHERE {
  ?doc a gr:Document ; gr:key ?key ; eli:title ?title .
  OPTIONAL { ?doc eli:id_local ?number } OPTIONAL { ?doc gr:district/rdfs:label ?district }
  OPTIONAL { ?doc eli:date_document ?date } OPTIONAL { ?doc gr:docType ?type }
  OPTIONAL { ?a eli:is_part_of ?doc ; a gr:Article }
} GROUP BY ?doc ?key ?title ?number ?district ?date ?type ORDER BY ?district ?title""")
    return [{k: (None if v is None else str(v)) for k, v in r.items()} for r in rows]


@st.cache_data(ttl=600, show_spinner=False)
def roles(_store_key: str) -> list[str]:
    rows = get_store().query("""SELECT DISTINCT ?label WHERE { ?r a gr:Role ; skos:prefLabel ?label .
        FILTER(LANG(?label) = "zh") } ORDER BY ?label""")
    return [str(r["label"]) for r in rows]


def doc_label(d: dict) -> str:
    return f"{d.get('district') or '—'} · {d['title']}" + (f"（{d['number']}）" if d.get("number") else "")


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


STYLE = """<style>
mark.role{background:#dbeafe;} mark.modal{background:#fde68a;} mark.time{background:#bbf7d0;}
mark.hit{background:#fde68a;} mark.prohibition{background:#fecaca;} mark.permission{background:#e9d5ff;}
.gr-article{border-left:3px solid #94a3b8;padding:0.2em 0.8em;margin:0.4em 0;}
</style>"""


def style() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)

