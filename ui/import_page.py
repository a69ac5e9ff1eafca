"""导入 Import: upload documents, preview the parse and its errors, then add them to the graph
store and the search index with a progress bar. Uploads are kept under ``STORE/uploads`` so
their sources stay readable (the search index and comparisons read them); ``ui/uploads.py``
bounds their size and number, checks their type and never uses their names as paths. Text from
the documents is shown escaped. Adding runs under the store's build lock and publishes the
graph and the index atomically (a build elsewhere makes it wait its turn)."""
from pathlib import Path

import streamlit as st

from graph.store import build_store
from graph.versions import StoreBusy, store_lock
from ingest.pipeline import parse_paths
from ingest.readers import SUPPORTED_SUFFIXES
from search.embed import make_embedder
from search.index import build_index, discard_index, publish_index
from ui.common import documents, get_index, get_store, load_documents, local, md, reset_caches, store_dir
from ui.uploads import MAX_FILE_MB, MAX_FILES, save_uploads

STAGES = {"read": (0.0, 0.05, "读取全部文件 Reading every document"), "lexical": (0.05, 0.15, "关键词索引 Lexical index"),
          "embed": (0.15, 0.8, "向量嵌入 Embedding new passages"), "faiss": (0.8, 0.85, "向量索引 Vector index"),
          "graph": (0.85, 1.0, "写入图谱 Writing the graph")}



def _add(docs, step, bar) -> None:
    """Index every document of the store plus the new ones (staged), write the new ones into the
    graph (published as a new version), then publish the index: graph and index change together."""
    step("read", 0, 1)
    have = get_store(quiet=True) is not None
    existing, problems = load_documents() if have else ([], [])
    step("read", 1, 1)
    staged = None
    if not problems:
        new = {d.key for d in docs}
        index = get_index(quiet=True)
        embedder = index.embedder if index is not None else make_embedder(None)
        staged = build_index([d for d in existing if d.key not in new] + list(docs), local(), embedder=embedder,
                             progress=lambda done, total, stage: step(stage, done, total), publish=False)
    try:
        rep = build_store(docs, store_dir(), remove_missing=False, progress=lambda n, t: step("graph", n, t))
    except BaseException:
        if staged is not None:
            discard_index(local(), staged.staged)
        raise
    if staged is not None:
        publish_index(local(), staged.staged)
    reset_caches()
    bar.progress(1.0, text="完成 Done")
    st.success(f"图谱：新增 added {rep.added}，替换 replaced {rep.replaced}，未变 unchanged {rep.unchanged}；"
               f"共 {rep.triples} 条四元组 quads.")
    if problems:
        st.warning("检索索引未更新：有文件读不到 The search index was not updated, some documents cannot be "
                   "read again:\n\n" + "\n".join(f"- {md(p)}" for p in problems)
                   + "\n\n运行 Run `govrule build` on the full corpus to rebuild it.")
        return
    st.success(f"检索索引：{staged.articles} 条 articles，新嵌入 newly embedded {staged.embedded} 段 passages "
               f"({staged.seconds:.1f} s)。新文件现在可以检索 The new documents are now searchable.")


st.header("导入 Import documents")
st.caption(f"支持 txt / md / docx / pdf（需文字层 with a text layer）/ html，每个文件不超过 {MAX_FILE_MB} MB，"
           f"一次至多 {MAX_FILES} 个 (at most {MAX_FILE_MB} MB each, {MAX_FILES} at a time)。文号相同的文件会替换"
           "图谱中的旧版本 A document with the same doc number replaces the one in the store.")
files = st.file_uploader("选择文件 Choose files", accept_multiple_files=True, max_upload_size=MAX_FILE_MB,
                         type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES))
if files:
    saved, refused = save_uploads(local() / "uploads", [(f.name, f.getvalue()) for f in files])
    for r in refused:
        st.error(f"无法导入 Cannot import {md(r.name)}: {md(r.reason)}")
    res = parse_paths([str(p) for p in saved], workers=1)
    for e in res.errors:
        st.error(f"无法导入 Cannot import {md(Path(e.file).name)}: {md(e.reason)}")
    if res.documents:
        st.subheader("解析预览 Parse preview")
        have = {d["key"] for d in documents(store_dir())} if get_store(quiet=True) is not None else set()
        st.dataframe([{"标题 Title": d.title, "文号 Number": d.doc_number, "地区 District": d.district,
                       "日期 Date": d.date, "条数 Articles": len(d.articles),
                       "义务性条款 Clauses": sum(len(a.clauses) for a in d.articles),
                       "提示 Warnings": len(d.warnings), "图谱中 In store": "替换 replaces" if d.key in have else "新 new"}
                      for d in res.documents], width="stretch", hide_index=True)
        for d in res.documents:
            with st.expander(f"{md(d.title)}：前几条 first articles"):
                for a in d.articles[:8]:
                    st.markdown(f"**{md(a.label)}** {md(a.text[:200])}")
                for w in d.warnings[:10]:
                    st.caption(f"⚠ {md(w)}")
        if st.button("加入图谱并更新检索 Add to the store and the search index", type="primary"):
            bar = st.progress(0.0, text="开始 Starting …")

            def step(stage: str, done: int, total: int) -> None:
                lo, hi, label = STAGES[stage]
                bar.progress(min(1.0, lo + (hi - lo) * (done / total if total else 1.0)), text=f"{label} {done}/{total}")

            try:
                with store_lock(local(), what="import"):
                    _add(res.documents, step, bar)
            except StoreBusy as e:
                st.error(f"图谱正在由其他进程构建，请稍后再试 The store is being built by another process; try again "
                         f"when it has finished. ({md(e)})")
