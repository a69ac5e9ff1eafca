"""SPARQL 查询: the example library, an editor, results as a table, CSV/JSON download.
Read-only (pyoxigraph's query() refuses updates), with a time limit and a row limit."""
import json

import pandas as pd
import streamlit as st

from graph.library import load_queries
from ui.common import ROW_LIMIT, TIME_LIMIT_S, get_store, run_with_limit

st.header("SPARQL 查询")
store = get_store()
if store is not None:
    library = load_queries()
    names = ["（自己写 Write your own）"] + list(library)
    pick = st.selectbox("示例查询 Example query", names, format_func=lambda n: library[n].title if n in library else n)
    if pick in library:
        st.caption(library[pick].description)
    default = library[pick].sparql if pick in library else "SELECT ?title WHERE { ?d a gr:Document ; eli:title ?title }"
    text = st.text_area("查询 Query", value=default, height=260, key=f"q_{pick}",
                        help="gr eli skos time prov rdf rdfs owl xsd 前缀已预先声明 (prefixes are predeclared)")
    limit = st.number_input("最多行数 Row limit", 1, ROW_LIMIT, 1000)
    if st.button("运行 Run", type="primary"):
        try:
            res = run_with_limit(store.query, text)
        except SyntaxError as e:
            st.error(f"语法错误 Syntax error: {e}")
        except TimeoutError as e:
            st.error(str(e))
        except OSError as e:
            st.error(f"执行错误 Evaluation error: {e}")
        else:
            if isinstance(res, bool):
                st.success(f"ASK → {'true' if res else 'false'}")
            else:
                if res and isinstance(res[0], tuple):
                    rows = [{"subject": str(s), "predicate": str(p), "object": str(o)} for s, p, o in res]
                else:
                    rows = [{k: (None if v is None else str(v)) for k, v in r.items()} for r in res]
                shown = rows[: int(limit)]
                st.caption(f"{len(rows)} 行 rows" + (f"，显示前 {len(shown)} 行 (first {len(shown)} shown)"
                                                    if len(shown) < len(rows) else ""))
                df = pd.DataFrame(shown)
                st.dataframe(df, width="stretch", hide_index=True)
                c1, c2 = st.columns(2)
                c1.download_button("下载 CSV", df.to_csv(index=False).encode("utf-8-sig"), "results.csv", "text/csv")
                c2.download_button("下载 JSON", json.dumps(shown, ensure_ascii=False, indent=1).encode(),
                                   "results.json", "application/json")
    st.caption(f"只读；每次查询最长 {TIME_LIMIT_S:.0f} 秒。Read-only; {TIME_LIMIT_S:.0f} s per query.")
