"""图谱 Graph: one article's neighbourhood (article → clause → role, time constraints, approvals,
references, alignments) drawn from SPARQL results. ``?doc=KEY&article=N`` opens an article."""
import streamlit as st

from graph.facts import document_view, neighbourhood
from ui.common import doc_label, documents, get_store, store_dir

st.header("图谱 Graph view")
COLOUR = {"/role/": "#dbeafe", "/time/": "#bbf7d0", "/clause/": "#fde68a", "/doc/": "#e5e7eb",
          "/alignment/": "#fbcfe8"}


def name(iri: str, label: str | None) -> str:
    return (label or iri.rsplit("/", 2)[-2] + "/" + iri.rsplit("/", 1)[-1])[:24]


def dot_of(edges, centre: str) -> tuple[str, int]:
    """Graphviz DOT of the edges (centre in red), and the node count."""
    def q(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', '\\"')

    nodes: dict[str, str] = {}
    lines = []
    for s, p, o, sl, ol in edges:
        for iri, lab in ((s, sl), (o, ol)):
            if iri not in nodes:
                fill = next((c for k, c in COLOUR.items() if k in iri and not iri.endswith(("/duration", "/period"))),
                            "#f8fafc")
                if iri == centre:
                    fill = "#fca5a5"
                nodes[iri] = f'n{len(nodes)} [label="{q(name(iri, lab))}", fillcolor="{fill}"];'
        pred = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        lines.append(f'{nodes[s].split(" ")[0]} -> {nodes[o].split(" ")[0]} [label="{q(pred)}", fontsize=8];')
    head = 'digraph G { rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#f8fafc", fontsize=10];'
    return "\n".join([head, *nodes.values(), *lines, "}"]), len(nodes)


store = get_store()
if store is not None:
    docs = documents(store_dir())
    if not docs:
        st.info("图谱中还没有文件 No documents in the store yet.")
    else:
        want, want_art = st.query_params.get("doc"), st.query_params.get("article")
        match = next((i for i, d in enumerate(docs) if want in (d["key"], d["number"], d["title"])), None)
        if want and match is None:
            st.error(f"找不到文件 Unknown document “{want}”.")
        if match is not None and st.session_state.get("_graph_from_url") != (want, want_art):
            st.session_state["graph_doc"] = match
            st.session_state.pop("graph_art", None)
        c1, c2 = st.columns(2)
        pick = c1.selectbox("文件 Document", range(len(docs)), key="graph_doc", format_func=lambda i: doc_label(docs[i]))
        arts = document_view(store, docs[pick]["doc"])["articles"]
        if match == pick and st.session_state.get("_graph_from_url") != (want, want_art):
            st.session_state["_graph_from_url"] = (want, want_art)
            hit = next((i for i, a in enumerate(arts) if want_art in (str(a["ordinal"]), a["label"])), None)
            if want_art and hit is None:
                st.error(f"该文件没有此条 No article “{want_art}” in this document.")
            st.session_state["graph_art"] = hit or 0
        if st.session_state.get("graph_art", 0) >= len(arts):
            st.session_state["graph_art"] = 0
        k = c2.selectbox("条 Article", range(len(arts)), key="graph_art",
                         format_func=lambda i: f"{arts[i]['label']} {arts[i]['text'][:30]}")
        art = arts[k]
        edges = neighbourhood(store, art["uri"])
        dot, n = dot_of(edges, art["uri"])
        st.caption(f"{n} 个节点 nodes, {len(edges)} 条边 edges · 红 this article · 黄 clause 条款 · 蓝 role 角色 · "
                   "绿 time 时间 · 粉 alignment 对应")
        st.graphviz_chart(dot, width="stretch")
        with st.expander("边 Edges (SPARQL results)"):
            st.dataframe([{"subject": name(s, sl), "predicate": p, "object": name(o, ol)} for s, p, o, sl, ol in edges],
                         width="stretch", hide_index=True)
