"""GovRule 政规图谱 — the Streamlit app: ``streamlit run app.py`` (or ``govrule app``).

Thin: each page in ``ui/`` lays out what ``graph`` and ``search`` answer; heavy objects (store,
models, indexes) are opened once per process in ``ui.common``.
"""
import streamlit as st

from ui.common import store_dir

st.set_page_config(page_title="GovRule 政规图谱", page_icon="⚖️", layout="wide")

PAGES = [
    st.Page("ui/search_page.py", title="检索 Search", icon=":material/search:", url_path="search", default=True),
    st.Page("ui/sparql_page.py", title="SPARQL 查询", icon=":material/data_object:", url_path="sparql"),
    st.Page("ui/compare_page.py", title="对比 Compare", icon=":material/compare:", url_path="compare"),
    st.Page("ui/obligations_page.py", title="义务 Obligations", icon=":material/checklist:", url_path="obligations"),
    st.Page("ui/documents_page.py", title="文档 Documents", icon=":material/description:", url_path="documents"),
    st.Page("ui/graph_page.py", title="图谱 Graph", icon=":material/hub:", url_path="graph"),
    st.Page("ui/import_page.py", title="导入 Import", icon=":material/upload_file:", url_path="import"),
]
st.sidebar.title("政规图谱 GovRule")
st.sidebar.caption(f"图谱 Store: `{store_dir()}`")
st.navigation(PAGES).run()
