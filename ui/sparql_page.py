"""SPARQL 查询: the example library, an editor, results as a table, CSV/JSON download. Read-only
and contained (``graph/sandbox.py``): updates and SERVICE are refused, the query runs in a child
process on a read-only handle, with a time limit that stops it, a row limit and a memory limit."""
import json

import pandas as pd
import streamlit as st

from graph.library import load_queries
from graph.ontology import PREFIXES
from graph.sandbox import QueryError, run_query
from ui.common import get_store, store_dir

ROW_MAX, ROW_DEFAULT = 10_000, 1000
TIME_MAX, TIME_DEFAULT = 120, 20
OWN = "（自己写 Write your own）"
ERROR_ZH = {"syntax": "语法错误 Syntax error", "runtime": "执行错误 Evaluation error", "read-only": "只读 Read-only",
            "refused": "拒绝 Refused", "timeout": "超时 Time limit", "memory": "内存 Memory limit",
            "busy": "繁忙 Busy"}


def compact(value):
    """gr:Article for https://govrule.org/ontology#Article: tables read better with prefixes."""
    if isinstance(value, str):
        for p, iri in PREFIXES.items():
            if value.startswith(iri) and len(value) > len(iri):
                return f"{p}:{value[len(iri):]}"
    return value


st.header("SPARQL 查询")
store = get_store()
if store is not None:
    library = load_queries()
    pick = st.selectbox("示例查询 Example query", [OWN] + list(library),
                        format_func=lambda n: f"{library[n].title}（{n}）" if n in library else n)
    if pick in library:
        st.caption(library[pick].description)
    default = library[pick].sparql if pick in library else "SELECT ?title WHERE { ?d a gr:Document ; eli:title ?title }"
    text = st.text_area("查询 Query", value=default, height=280, key=f"q_{pick}",
                        help="gr eli skos time prov dcterms owl rdf rdfs xsd 前缀已预先声明 (prefixes are predeclared)")
    c1, c2, c3 = st.columns([1, 1, 2])
    limit = c1.number_input("最多行数 Row limit", 1, ROW_MAX, ROW_DEFAULT, step=100)
    seconds = c2.number_input("时间上限（秒）Time limit (s)", 1, TIME_MAX, TIME_DEFAULT)
    c3.caption(f"只读：不接受更新与 SERVICE；查询在只读的独立进程中运行，超时即停止。Read-only: no updates, no "
               f"SERVICE; the query runs in a separate read-only process and is stopped at the time limit "
               f"(at most {TIME_MAX} s, {ROW_MAX} rows).")
    if st.button("运行 Run", type="primary"):
        try:
            with st.spinner("查询中 Running …"):
                res = run_query(store_dir(), text, PREFIXES, int(limit), float(seconds))
        except QueryError as e:
            st.error(f"{ERROR_ZH.get(e.kind, e.kind)}: {e}")
        else:
            if res.kind == "ask":
                st.success(f"ASK → {'true' if res.boolean else 'false'}")
            else:
                rows = res.values()
                st.caption(f"{len(rows)} 行 rows" + ("（已达上限，其余未显示 row limit reached, more rows not shown）"
                                                     if res.truncated else "") + f" · {res.seconds:.2f} s")
                df = pd.DataFrame(rows, columns=res.vars)
                st.dataframe(df.map(compact), width="stretch", hide_index=True)
                d1, d2, _ = st.columns([1, 1, 4])
                d1.download_button("下载 CSV", df.to_csv(index=False).encode("utf-8-sig"), "results.csv", "text/csv")
                d2.download_button("下载 JSON", json.dumps(res.results_json(), ensure_ascii=False, indent=1).encode(),
                                   "results.json", "application/sparql-results+json")
