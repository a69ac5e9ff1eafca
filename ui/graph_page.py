"""图谱 Graph: one article's neighbourhood (article → clause → role, time constraints, approvals,
references, alignments) drawn from SPARQL results."""
import streamlit as st

from graph.facts import document_view, neighbourhood
from ui.common import doc_label, documents, get_store, store_dir

st.header("图谱 Graph view")
store = get_store()
if store is not None:
    docs = documents(store_dir())
    if docs:
        c1, c2 = st.columns(2)
        pick = c1.selectbox("文件 Document", range(len(docs)), format_func=lambda i: doc_label(docs[i]))
        arts = document_view(store, docs[pick]["doc"])["articles"]
        k = c2.selectbox("条 Article", range(len(arts)), format_func=lambda i: f"{arts[i]['label']} {arts[i]['text'][:30]}")
        art = arts[k]
        edges = neighbourhood(store, art["uri"])

        def name(iri: str, label: str | None) -> str:
            return (label or iri.rsplit("/", 2)[-2] + "/" + iri.rsplit("/", 1)[-1])[:24]

        colour = {"/role/": "#dbeafe", "/time/": "#bbf7d0", "/clause/": "#fde68a", "/doc/": "#e5e7eb"}
        lines = ['digraph G { rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#f8fafc", fontsize=10];']
        nodes = {}
        for s, p, o, sl, ol in edges:
            for iri, lab in ((s, sl), (o, ol)):
                if iri not in nodes:
                    fill = next((c for k_, c in colour.items() if k_ in iri and not iri.endswith(("/duration", "/period"))), "#f8fafc")
                    if iri == art["uri"]:
                        fill = "#fca5a5"
                    nodes[iri] = f'n{len(nodes)} [label="{name(iri, lab)}", fillcolor="{fill}"];'
            pred = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            lines.append(f'{nodes[s].split(" ")[0]} -> {nodes[o].split(" ")[0]} [label="{pred}", fontsize=8];')
        dot = "\n".join([lines[0], *nodes.values(), *lines[1:], "}"])
        st.caption(f"{len(nodes)} 个节点 nodes, {len(edges)} 条边 edges")
        st.graphviz_chart(dot, width="stretch")
        with st.expander("边 Edges"):
            st.dataframe([{"subject": name(s, sl), "predicate": p, "object": name(o, ol)} for s, p, o, sl, ol in edges],
                         width="stretch", hide_index=True)
