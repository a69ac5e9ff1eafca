"""检索 Search: one box, mode switch, filters; hits with their document, article label,
highlighted text and extracted facts, links into the document and the graph, and the article's
counterparts in other documents (其他地区的对应条款: recorded alignments, then the closest
articles). The query is kept in the URL (``?q=``), so a result page can be shared or gone back to.

Each hit is one HTML block (card, links, a collapsed ``<details>`` of counterparts): a page of
ten hits is a dozen elements, which keeps a search well under a second on the page."""
import html
import time
from urllib.parse import urlencode

import streamlit as st

from graph.facts import aligned_articles, article_facts
from ui.common import MODALITY_ZH, facts_line, get_index, get_store, roles, store_dir, style

ANY = "（不限 Any）"
MODES = {"hybrid": "混合 hybrid", "lexical": "关键词 lexical", "semantic": "语义 semantic"}


def _url(page: str, doc_key: str, article) -> str:
    return html.escape(f"{page}?" + urlencode({"doc": doc_key, "article": str(article)}))


def _counterpart(doc_key: str, article, label: str, text: str) -> str:
    snippet = text[:160] + ("…" if len(text) > 160 else "")
    return (f'<div class="gr-cp"><a href="{_url("documents", doc_key, article)}" target="_self">'
            f'{html.escape(label)}</a><br><small>{html.escape(snippet)}</small></div>')


def hit_html(h, facts: dict, same: list[dict], near: list) -> str:
    """One hit: where it is, its text with the matched words marked, its facts, links to open it
    in its document or the graph, and its counterparts in other documents (collapsed)."""
    where = " · ".join(x for x in (h.district, h.doc_number or h.title, h.label, h.chapter) if x)
    line = facts_line(facts)
    card = (f'<div class="gr-article"><b>{h.rank}. {html.escape(where)}</b> <small>({h.score:.3f})</small><br>'
            f'{h.render("html")}' + (f'<div class="gr-facts">{html.escape(line)}</div>' if line else "") + "</div>")
    links = (f'<div class="gr-links"><a href="{_url("documents", h.doc_key, h.article)}" target="_self">'
             f'在文件中打开 Open in its document</a> · <a href="{_url("graph", h.doc_key, h.article)}" '
             f'target="_self">图谱 Graph</a></div>')
    items = [_counterpart(x["doc_key"], x["article"], f"对应 aligned（{x['grade'] or ''} {x['score']:.2f}）· "
                          f"{x['district'] or '—'} · {x['doc_number'] or x['title']} · {x['label']}", x["text"])
             for x in same]
    items += [_counterpart(s.doc_key, s.article, f"相似 similar（{s.score:.2f}）· {s.district or '—'} · "
                           f"{s.doc_number or s.title} · {s.label}", s.text) for s in near]
    more = (f'<details class="gr-more"><summary>其他地区的对应条款 Counterparts in other documents'
            f'（{len(same)} 对应 aligned，{len(near)} 相似 similar）</summary>'
            + ("".join(items) or "<small>没有找到对应条款 No counterpart found.</small>") + "</details>")
    return f'<div class="gr-hit">{card}{links}{more}</div>'


st.header("检索 Search")
index = get_index()
if index is not None:
    style()
    store = get_store(quiet=True)
    if "q" not in st.session_state:
        st.session_state["q"] = st.query_params.get("q", "")
    query = st.text_input("输入问题或关键词 Question or keywords", key="q", placeholder="区长出差的时候谁来主持工作")
    c1, c2, c3 = st.columns([3, 3, 4])
    mode = c1.radio("方式 Mode", list(MODES), horizontal=True, format_func=MODES.get)
    k = c1.select_slider("条数 Hits", [5, 10, 20, 50], value=10)
    districts = c2.multiselect("地区 District", sorted({r.district for r in index.catalog.records if r.district}))
    docs = {key: (num or title) for key, (num, title, _) in index.catalog.docs.items()}
    doc = c2.selectbox("文件 Document", [ANY] + sorted(docs, key=docs.get), format_func=lambda x: docs.get(x, x))
    role = c3.selectbox("角色 Role (含下位 narrower included)", [ANY] + (roles(store_dir()) if store is not None else []))
    modality = c3.selectbox("类型 Modality", [ANY] + list(MODALITY_ZH), format_func=lambda m: MODALITY_ZH.get(m, m))
    deadline = c3.checkbox("有期限 Has deadline")
    summary = st.empty()  # filled last: when it shows this query, every hit is on the page
    if st.query_params.get("q", "") != query.strip():
        if query.strip():
            st.query_params["q"] = query.strip()
        else:
            st.query_params.pop("q", None)
    if not query.strip():
        summary.caption("输入问题或关键词后按回车 Type a question or keywords and press Enter.")
    else:
        t0 = time.perf_counter()
        hits = index.search(query, k=k, mode=mode, districts=districts, doc=None if doc == ANY else doc,
                            role=None if role == ANY else role, modality=None if modality == ANY else modality,
                            has_deadline=True if deadline else None)
        uris = [h.uri for h in hits]
        facts = article_facts(store, uris) if store is not None else {}
        aligned = aligned_articles(store, uris) if store is not None else {}
        if not hits:
            st.info("没有找到相关条款 Nothing found" + ("（试试放宽筛选条件 try fewer filters）"
                                                  if districts or doc != ANY or role != ANY or modality != ANY
                                                  or deadline else "."))
        for h in hits:
            same = aligned.get(h.uri, [])[:3]
            shown = {x["uri"] for x in same}
            near = [s for s in index.similar(h.doc_key, h.article, k=3 + len(same)) if s.uri not in shown][:3]
            st.markdown(hit_html(h, facts.get(h.uri, {}), same, near), unsafe_allow_html=True)
        ms = 1000 * (time.perf_counter() - t0)
        summary.caption(f"“{query.strip()}”：{len(hits)} 条结果 hits · {ms:.0f} ms")
