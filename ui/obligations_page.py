"""义务 Obligations: pick a role (narrower roles included and marked), filter, table, chart, export."""
import json

import pandas as pd
import streamlit as st

from graph.facts import obligations
from ui.common import get_store, roles, store_dir

st.header("义务 Obligations by role")
store = get_store()
if store is not None:
    names = roles(store_dir())
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    role = c1.selectbox("角色 Role", ["（全部 All）"] + names,
                        index=(names.index("副区长") + 1) if "副区长" in names else 0)
    modality = c2.selectbox("类型 Modality", ["（全部 All）", "obligation", "prohibition", "permission"],
                            format_func=lambda m: {"obligation": "义务 obligation", "prohibition": "禁止 prohibition",
                                                   "permission": "许可 permission"}.get(m, m))
    deadline = c3.selectbox("期限 Deadline", ["（不限 Any）", "有期限 With", "无期限 Without"])
    rows = obligations(store, role=None if role.startswith("（") else role,
                       modality=None if modality.startswith("（") else modality)
    districts = sorted({r["district"] or "—" for r in rows})
    chosen = c4.multiselect("地区 District", districts, default=districts)
    rows = [r for r in rows if (r["district"] or "—") in chosen]
    if deadline.startswith("有"):
        rows = [r for r in rows if r["constraints"]]
    elif deadline.startswith("无"):
        rows = [r for r in rows if not r["constraints"]]
    if not rows:
        st.info("没有符合条件的条款 No clause matches.")
    else:
        df = pd.DataFrame([{
            "地区 District": r["district"], "文件 Document": r["doc_number"] or r["title"], "条 Article": r["label"],
            "承担者 Bearer": r["bearer"] + ("（下位 inherited）" if r["inherited"] else ""),
            "类型 Modality": r["modality"], "强度 Strength": r["strength"], "条款 Clause": r["text"],
            "期限 Deadlines": "；".join(c["surface"] for c in r["constraints"]),
            "条件 Conditions": "；".join(r["conditions"] + r["exceptions"]),
        } for r in rows])
        st.caption(f"{len(rows)} 条 clauses" + (f"，其中 {sum(r['inherited'] for r in rows)} 条来自下位角色 "
                                               "(from narrower roles, via reasoning)" if role != "（全部 All）" else ""))
        st.dataframe(df, width="stretch", hide_index=True)
        st.download_button("导出 CSV", df.to_csv(index=False).encode("utf-8-sig"), "obligations.csv", "text/csv")
        st.download_button("导出 JSON", json.dumps(rows, ensure_ascii=False, indent=1).encode(), "obligations.json",
                           "application/json")
        st.subheader("各地区各角色的条款数 Clauses per role per district")
        counts = pd.DataFrame(rows).groupby(["bearer", "district"]).size().unstack(fill_value=0)
        st.bar_chart(counts)
