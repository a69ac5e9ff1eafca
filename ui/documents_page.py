"""文档 Documents: every document with its metadata; one document's text with roles, modal words
and time constraints highlighted, its structure (chapters → articles → items) and extracted
roles, its sources and duplicates. ``?doc=KEY&article=N`` opens an article (links from search)."""
import html
from collections import Counter

import pandas as pd
import streamlit as st

from graph.facts import document_view
from ingest.roles import find_roles
from ui.common import KIND_ZH, doc_label, documents, get_store, highlight, md, store_dir, style

st.header("文档 Documents")


def article_html(a: dict, opened: bool = False) -> str:
    spans = [(t["start"], t["end"], "time") for t in a["times"]]
    for c in a["clauses"]:
        m = c["modal"] and a["text"].find(c["modal"], c["start"], c["end"])
        if m is not None and m >= 0:
            spans.append((m, m + len(c["modal"]), {"obligation": "modal"}.get(c["modality"], c["modality"])))
    spans += [(r.start, r.end, "role") for r in find_roles(a["text"])]
    cls = "gr-article gr-open" if opened else "gr-article"
    return f'<div class="{cls}"><b>{html.escape(a["label"])}</b> {highlight(a["text"], spans)}</div>'


def bearers(a: dict) -> str:
    names = sorted({c["bearer"] for c in a["clauses"] if c["bearer"]})
    return "承担者 Bearers: " + md("、".join(names)) if names else ""


store = get_store()
if store is not None:
    style()
    docs = documents(store_dir())
    if not docs:
        st.info("图谱中还没有文件 No documents in the store yet: use 导入 Import or `govrule build`.")
    else:
        st.dataframe([{"地区 District": d["district"], "标题 Title": d["title"], "文号 Number": d["number"],
                       "日期 Date": d["date"], "类型 Type": d["type"], "条数 Articles": int(d["articles"])}
                      for d in docs], width="stretch", hide_index=True)
        keys = [d["key"] for d in docs]
        want, want_art = st.query_params.get("doc"), st.query_params.get("article")
        match = next((i for i, d in enumerate(docs) if want in (d["key"], d["number"], d["title"])), None)
        if want and match is None:
            st.error(f"找不到文件 Unknown document “{want}”.")
        if match is not None and st.session_state.get("_doc_from_url") != want:
            st.session_state["doc_pick"] = match  # follow the link once; the picker rules after that
            st.session_state["_doc_from_url"] = want

        def picked() -> None:
            st.query_params.clear()
            st.query_params["doc"] = st.session_state["_doc_from_url"] = keys[st.session_state["doc_pick"]]

        pick = st.selectbox("打开文件 Open a document", range(len(docs)), key="doc_pick",
                            format_func=lambda i: doc_label(docs[i]), on_change=picked)
        v = document_view(store, docs[pick]["doc"])
        opened = None
        if want_art and match == pick:
            opened = next((a for a in v["articles"] if want_art in (str(a["ordinal"]), a["label"])), None)
            if opened is None:
                st.error(f"该文件没有此条 No article “{want_art}” in this document.")
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("条 Articles", len(v["articles"]))
        c2.metric("章 Chapters", len({a["chapter"] for a in v["articles"] if a["chapter"]}))
        c3.metric("义务性条款 Modal clauses", sum(len(a["clauses"]) for a in v["articles"]))
        c4.metric("时间约束 Time constraints", sum(len(a["times"]) for a in v["articles"]))
        st.markdown(f"**{md(v['title'])}** · {md(v.get('number') or '无文号')} · {md(v.get('district') or '—')} · "
                    f"{md(v.get('date') or '—')} · {md(v.get('type') or '—')} · 发文机关 {md(v.get('issuer') or '—')}")
        legend = ('图例 Legend: <mark class="role">角色 role</mark> <mark class="modal">义务 obligation</mark> '
                  '<mark class="prohibition">禁止 prohibition</mark> <mark class="permission">许可 permission</mark> '
                  '<mark class="time">时间 time</mark>')
        if opened is not None:
            with st.container(border=True):
                st.markdown(f"**打开的条款 Opened article** · {md(opened['chapter'] or '')}")
                st.markdown(article_html(opened, opened=True), unsafe_allow_html=True)
                for it in opened["items"]:
                    st.caption(md(f"{it['label']} {it['text'][:120]}"))
                if bearers(opened):
                    st.caption(bearers(opened))
                st.page_link("ui/graph_page.py", label="图谱 Graph view of this article", icon=":material/hub:",
                             query_params={"doc": docs[pick]["key"], "article": str(opened["ordinal"])})
        text_tab, structure_tab, sources_tab = st.tabs(["正文 Text", "结构 Structure", "来源 Sources"])
        with text_tab:
            st.markdown(legend, unsafe_allow_html=True)
            only = st.text_input("只看含有…的条 Only articles containing", "")
            chapter = object()
            for a in v["articles"]:
                if only and only not in a["text"]:
                    continue
                if a["chapter"] != chapter:
                    chapter = a["chapter"]
                    if chapter:
                        st.subheader(md(chapter))
                st.markdown(article_html(a, opened is not None and a["ordinal"] == opened["ordinal"]),
                            unsafe_allow_html=True)
                if bearers(a):
                    st.caption(bearers(a))
        with structure_tab:
            lines, chapter = [], object()
            for a in v["articles"]:
                if a["chapter"] != chapter:
                    chapter = a["chapter"]
                    lines.append(f"- **{md(chapter or '（不分章 No chapter）')}**")
                lines.append(f"  - **{md(a['label'])}** {md(a['text'][:40].replace(chr(10), ' '))}…")
                lines += [f"    - {md(it['label'])} {md(it['text'][:40].replace(chr(10), ' '))}…" for it in a["items"]]
            st.markdown("\n".join(lines))
            roles = Counter(c["bearer"] for a in v["articles"] for c in a["clauses"] if c["bearer"])
            modals = Counter(c["modal"] for a in v["articles"] for c in a["clauses"] if c["modal"])
            r1, r2 = st.columns(2)
            r1.markdown("**角色 Roles** (承担义务的条款数 clauses borne)")
            r1.dataframe(pd.DataFrame(roles.most_common(), columns=["角色 Role", "条款 Clauses"]),
                         hide_index=True, width="stretch")
            r2.markdown("**情态词 Modal words**")
            r2.dataframe(pd.DataFrame(modals.most_common(), columns=["词 Word", "次数 Count"]),
                         hide_index=True, width="stretch")
            st.markdown("**时间约束 Time constraints**")
            st.dataframe([{"条 Article": a["label"], "类型 Kind": KIND_ZH.get(t["kind"], t["kind"]),
                           "原文 Surface": t["surface"]} for a in v["articles"] for t in a["times"]],
                         hide_index=True, width="stretch")
        with sources_tab:
            st.markdown("**来源文件 Source files**\n\n" + "\n".join(f"- `{s}`" for s in v["sources"]))
            if len(v["sources"]) > 1:
                st.info(f"{len(v['sources'])} 个文件内容相同，已合并为一个文件 These files are duplicates of one "
                        "document and were merged.")
            if v["versions"]:
                st.markdown("**其他版本 Other versions**: " + md("；".join(v["versions"])))
            if v["repeals"]:
                st.markdown("**废止 Repeals**: " + md("；".join(v["repeals"])))
            if v.get("notice"):
                with st.expander("印发通知 Notice"):
                    st.text(v["notice"])
