"""检索 Search: one box, mode switch, filters; hits with highlighted terms and the article's
counterparts in other documents (其他地区的对应条款)."""
import time
from pathlib import Path

import streamlit as st

from search.embed import make_embedder
from search.index import open_index
from ui.common import get_store, roles, store_dir, style

st.header("检索 Search")


@st.cache_resource(show_spinner="加载检索模型与索引 Loading the model and indexes …")
def _index(path: str):
    return open_index(path, embedder=make_embedder(None))


if not (Path(store_dir()) / "search").is_dir():
    st.warning("检索索引尚未构建 No search index yet: run `govrule build`.")
else:
    style()
    index = _index(store_dir())
    store = get_store()
    query = st.text_input("输入问题或关键词 Question or keywords", placeholder="区长出差的时候谁来主持工作")
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
    mode = c1.radio("方式 Mode", ["hybrid", "lexical", "semantic"], horizontal=True,
                    format_func={"hybrid": "混合 hybrid", "lexical": "关键词 lexical", "semantic": "语义 semantic"}.get)
    districts = c2.multiselect("地区 District", sorted({r.district for r in index.catalog.records if r.district}))
    role = c3.selectbox("角色 Role", ["（不限 Any）"] + (roles(store_dir()) if store is not None else []))
    modality = c4.selectbox("类型 Modality", ["（不限 Any）", "obligation", "prohibition", "permission"])
    deadline = c5.checkbox("有期限 Has deadline")
    k = 10
    if query.strip():
        t0 = time.perf_counter()
        hits = index.search(query, k=k, mode=mode, districts=districts,
                            role=None if role.startswith("（") else role,
                            modality=None if modality.startswith("（") else modality,
                            has_deadline=True if deadline else None)
        st.caption(f"{len(hits)} 条结果 hits · {1000 * (time.perf_counter() - t0):.0f} ms")
        if not hits:
            st.info("没有找到相关条款 Nothing found.")
        for h in hits:
            where = " · ".join(x for x in (h.district, h.doc_number or h.title, h.label) if x)
            st.markdown(f'<div class="gr-article"><b>{h.rank}. {where}</b> <small>({h.score:.3f})</small><br>'
                        f'{h.render("html")}</div>', unsafe_allow_html=True)
            if h.rank > 3:
                continue
            with st.expander("其他地区的对应条款 Counterparts in other documents"):
                for s in index.similar(h.doc_key, h.article, k=3):
                    st.markdown(f"- **{s.district or '—'} · {s.doc_number or s.title} · {s.label}** {s.text[:160]}…")
