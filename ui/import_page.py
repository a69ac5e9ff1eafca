"""导入 Import: upload documents, preview the parse and its errors, add them to the store with a
progress bar. Uploaded files are kept under ``STORE/uploads`` so sources stay readable."""
from pathlib import Path

import streamlit as st

from graph.store import build_store
from ingest.pipeline import parse_paths
from ingest.readers import SUPPORTED_SUFFIXES
from ui.common import get_store, reset_caches, store_dir

st.header("导入 Import documents")
files = st.file_uploader("选择文件 Choose files (txt / md / docx / pdf / html)", accept_multiple_files=True,
                         type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES))
if files:
    up = Path(store_dir()) / "uploads"
    up.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        p = up / Path(f.name).name
        p.write_bytes(f.getvalue())
        paths.append(str(p))
    res = parse_paths(paths)
    for e in res.errors:
        st.error(f"{Path(e.file).name}: {e.reason}")
    if res.documents:
        st.subheader("解析预览 Parse preview")
        st.dataframe([{"标题 Title": d.title, "文号 Number": d.doc_number, "地区 District": d.district,
                       "日期 Date": d.date, "条数 Articles": len(d.articles),
                       "义务性条款 Clauses": sum(len(a.clauses) for a in d.articles),
                       "提示 Warnings": len(d.warnings)} for d in res.documents],
                     width="stretch", hide_index=True)
        for d in res.documents:
            with st.expander(f"{d.title}：前几条 first articles"):
                for a in d.articles[:8]:
                    st.markdown(f"**{a.label}** {a.text[:200]}")
                for w in d.warnings[:10]:
                    st.caption(f"⚠ {w}")
        if st.button("加入图谱 Add to the store", type="primary"):
            store = get_store() if (Path(store_dir()) / "oxigraph").is_dir() else None
            bar = st.progress(0.0, text="写入图谱 Writing the graph …")
            target = store if store is not None else store_dir()
            rep = build_store(res.documents, target, remove_missing=False,
                              progress=lambda n, t: bar.progress(n / t, text=f"写入图谱 {n}/{t}"))
            bar.progress(1.0, text="完成 Done")
            reset_caches()
            st.success(f"已加入 Added {rep.added}，更新 replaced {rep.replaced}，未变 unchanged {rep.unchanged}；"
                       f"图谱共 {rep.triples} 条四元组 quads.")
