"""导入 Import: upload documents, preview the parse and its errors, then add them to the graph
store and the search index with a progress bar. Uploaded files are kept under
``STORE/uploads`` so their sources stay readable (the search index and comparisons read them)."""
from pathlib import Path

import streamlit as st

from graph.store import build_store
from ingest.pipeline import parse_paths
from ingest.readers import SUPPORTED_SUFFIXES
from search.embed import make_embedder
from search.index import build_index
from ui.common import documents, get_index, get_store, load_documents, reset_caches, store_dir

STAGES = {"graph": (0.0, 0.15, "写入图谱 Writing the graph"), "read": (0.15, 0.2, "读取全部文件 Reading every document"),
          "lexical": (0.2, 0.3, "关键词索引 Lexical index"), "embed": (0.3, 0.95, "向量嵌入 Embedding new passages"),
          "faiss": (0.95, 1.0, "向量索引 Vector index")}

st.header("导入 Import documents")
st.caption("支持 txt / md / docx / pdf（需文字层 with a text layer）/ html。文号相同的文件会替换图谱中的旧版本 "
           "A document with the same doc number replaces the one in the store.")
files = st.file_uploader("选择文件 Choose files", accept_multiple_files=True,
                         type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES))
if files:
    up = Path(store_dir()) / "uploads"
    up.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        p = up / Path(f.name).name
        p.write_bytes(f.getvalue())
        paths.append(str(p))
    res = parse_paths(paths, workers=1)
    for e in res.errors:
        st.error(f"无法导入 Cannot import {Path(e.file).name}: {e.reason}")
    if res.documents:
        st.subheader("解析预览 Parse preview")
        have = {d["key"] for d in documents(store_dir())} if get_store(quiet=True) is not None else set()
        st.dataframe([{"标题 Title": d.title, "文号 Number": d.doc_number, "地区 District": d.district,
                       "日期 Date": d.date, "条数 Articles": len(d.articles),
                       "义务性条款 Clauses": sum(len(a.clauses) for a in d.articles),
                       "提示 Warnings": len(d.warnings), "图谱中 In store": "替换 replaces" if d.key in have else "新 new"}
                      for d in res.documents], width="stretch", hide_index=True)
        for d in res.documents:
            with st.expander(f"{d.title}：前几条 first articles"):
                for a in d.articles[:8]:
                    st.markdown(f"**{a.label}** {a.text[:200]}")
                for w in d.warnings[:10]:
                    st.caption(f"⚠ {w}")
        if st.button("加入图谱并更新检索 Add to the store and the search index", type="primary"):
            bar = st.progress(0.0, text="开始 Starting …")

            def step(stage: str, done: int, total: int) -> None:
                lo, hi, label = STAGES[stage]
                bar.progress(min(1.0, lo + (hi - lo) * (done / total if total else 1.0)), text=f"{label} {done}/{total}")

            store = get_store(quiet=True)
            rep = build_store(res.documents, store if store is not None else store_dir(), remove_missing=False,
                              progress=lambda n, t: step("graph", n, t))
            st.success(f"图谱：新增 added {rep.added}，替换 replaced {rep.replaced}，未变 unchanged {rep.unchanged}；"
                       f"共 {rep.triples} 条四元组 quads.")
            step("read", 0, 1)
            reset_caches()
            everything, problems = load_documents()
            step("read", 1, 1)
            if problems:
                st.warning("检索索引未更新：有文件读不到 The search index was not updated, some documents cannot be "
                           "read again:\n\n" + "\n".join(f"- {p}" for p in problems)
                           + "\n\n运行 Run `govrule build` on the full corpus to rebuild it.")
            else:
                index = get_index(quiet=True)
                embedder = index.embedder if index is not None else make_embedder(None)
                srep = build_index(everything, store_dir(), embedder=embedder,
                                   progress=lambda done, total, stage: step(stage, done, total))
                reset_caches()
                bar.progress(1.0, text="完成 Done")
                st.success(f"检索索引：{srep.articles} 条 articles，新嵌入 newly embedded {srep.embedded} 段 passages "
                           f"({srep.seconds:.1f} s)。新文件现在可以检索 The new documents are now searchable.")
