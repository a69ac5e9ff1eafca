"""文档 Documents: metadata, structure (chapters → articles → items), roles, modal words and time
constraints highlighted in the text, sources and duplicates."""
import streamlit as st

from graph.facts import document_view
from ingest.roles import find_roles
from ui.common import doc_label, documents, get_store, highlight, store_dir, style

st.header("文档 Documents")
store = get_store()
if store is not None:
    style()
    docs = documents(store_dir())
    if not docs:
        st.info("图谱中还没有文件 No documents in the store yet.")
    else:
        st.dataframe([{"地区 District": d["district"], "标题 Title": d["title"], "文号 Number": d["number"],
                       "日期 Date": d["date"], "类型 Type": d["type"], "条数 Articles": int(d["articles"])}
                      for d in docs], width="stretch", hide_index=True)
        pick = st.selectbox("打开文件 Open a document", range(len(docs)), format_func=lambda i: doc_label(docs[i]))
        v = document_view(store, docs[pick]["doc"])
        c1, c2, c3 = st.columns(3)
        c1.metric("条 Articles", len(v["articles"]))
        c2.metric("义务性条款 Modal clauses", sum(len(a["clauses"]) for a in v["articles"]))
        c3.metric("时间约束 Time constraints", sum(len(a["times"]) for a in v["articles"]))
        st.markdown(f"**{v['title']}** · {v.get('number') or '无文号'} · {v.get('district') or '—'} · "
                    f"{v.get('date') or '—'} · {v.get('type') or '—'} · 发文机关 {v.get('issuer') or '—'}")
        st.caption("来源 Sources: " + "；".join(v["sources"])
                   + ("（重复文件已合并 duplicates merged）" if len(v["sources"]) > 1 else ""))
        if v["versions"]:
            st.caption("其他版本 Other versions: " + "；".join(v["versions"]))
        if v["repeals"]:
            st.caption("废止 Repeals: " + "；".join(v["repeals"]))
        st.markdown('图例 Legend: <mark class="role">角色 role</mark> <mark class="modal">义务 obligation</mark> '
                    '<mark class="prohibition">禁止 prohibition</mark> <mark class="permission">许可 permission</mark> '
                    '<mark class="time">时间 time</mark>', unsafe_allow_html=True)
        only = st.text_input("只看含有…的条 Only articles containing", "")
        chapter = object()
        for a in v["articles"]:
            if only and only not in a["text"]:
                continue
            if a["chapter"] != chapter:
                chapter = a["chapter"]
                if chapter:
                    st.subheader(chapter)
            spans = [(t["start"], t["end"], "time") for t in a["times"]]
            for c in a["clauses"]:
                m = c["modal"] and a["text"].find(c["modal"], c["start"], c["end"])
                if m is not None and m >= 0:
                    cls = {"obligation": "modal"}.get(c["modality"], c["modality"])
                    spans.append((m, m + len(c["modal"]), cls))
            spans += [(r.start, r.end, "role") for r in find_roles(a["text"])]
            bearers = sorted({c["bearer"] for c in a["clauses"] if c["bearer"]})
            st.markdown(f'<div class="gr-article"><b>{a["label"]}</b> {highlight(a["text"], spans)}</div>',
                        unsafe_allow_html=True)
            if bearers:
                st.caption("承担者 Bearers: " + "、".join(bearers))
