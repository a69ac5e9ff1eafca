"""义务 Obligations: pick a role from the taxonomy (clauses of narrower roles included and marked),
filter by district, modality and deadline; a table of clauses with export; charts of clauses
per role per district and of deadlines by length."""
import io
import json

import altair as alt
import pandas as pd
import streamlit as st

from graph.facts import deadlines, duration_days, obligations
from ui.common import KIND_ZH, MODALITY_ZH, get_store, role_tree, store_dir, version

ALL = "（全部 All）"
DEADLINE_KINDS = ("deadline", "advance_notice")  # a time by which something must be done (as search filters)
BUCKETS = [(1, "≤1天"), (3, "2–3天"), (7, "4–7天"), (15, "8–15天"), (30, "16–30天"), (90, "1–3个月"),
           (366, "3个月–1年"), (float("inf"), ">1年")]


def bucket(days: float) -> str:
    return next(label for top, label in BUCKETS if days <= top + 1e-9)


def xlsx(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False, sheet_name="义务")
    return buf.getvalue()


@st.cache_data(ttl=600, show_spinner=False)
def _all_deadlines(store_key: str, version: str) -> list[dict]:
    return deadlines(get_store())


def chosen_deadlines(chosen: tuple[str, ...]) -> list[dict]:
    """The deadlines of the chosen districts: asked district by district when there are a few
    named ones (fast on any corpus), else all of them once per store version (17 s on LawRefBook)."""
    if not chosen:
        return []
    if "—" not in chosen and len(chosen) <= 8:
        rows = [d for name in chosen for d in deadlines(get_store(), district=name)]  # names match by part:
        return list({json.dumps(d, ensure_ascii=False, sort_keys=True, default=str): d for d in rows}.values())  # once each
    return _all_deadlines(store_dir(), version(store_dir()))


st.header("义务 Obligations by role")
store = get_store()
if store is not None:
    tree = role_tree(store_dir())
    names = [n for n, _ in tree]
    depth = dict(tree)  # once: the role list formats every option (21,371 on LawRefBook)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    default = next((n for n in ("区政府领导同志", "副区长") if n in names), None)  # a role with narrower ones
    role = c1.selectbox("角色 Role", [ALL] + names, index=names.index(default) + 1 if default else 0,
                        format_func=lambda n: n if n == ALL else "　" * depth[n] + n,
                        help="按角色层级排列；选择一个角色也包括其下位角色的条款 Narrower roles are indented "
                             "and included.")
    modality = c2.selectbox("类型 Modality", [ALL] + list(MODALITY_ZH), format_func=lambda m: MODALITY_ZH.get(m, m))
    deadline = c3.selectbox("期限 Deadline", ["（不限 Any）", "有期限 With", "无期限 Without"])
    rows = obligations(store, role=None if role == ALL else role, modality=None if modality == ALL else modality)
    districts = sorted({r["district"] or "—" for r in rows})
    chosen = c4.multiselect("地区 District", districts, default=districts)
    rows = [r for r in rows if (r["district"] or "—") in chosen]
    has = lambda r: any(c["kind"] in DEADLINE_KINDS for c in r["constraints"])  # noqa: E731
    if deadline.startswith("有"):
        rows = [r for r in rows if has(r)]
    elif deadline.startswith("无"):
        rows = [r for r in rows if not has(r)]
    clauses_tab, charts_tab = st.tabs(["条款 Clauses", "图表 Charts"])
    with clauses_tab:
        if not rows:
            st.info("没有符合条件的条款 No clause matches.")
        else:
            df = pd.DataFrame([{
                "地区 District": r["district"], "文件 Document": r["doc_number"] or r["title"], "条 Article": r["label"],
                "承担者 Bearer": r["bearer"] + ("（下位 inherited）" if r["inherited"] else ""),
                "下位 Inherited": r["inherited"], "类型 Modality": MODALITY_ZH[r["modality"]],
                "强度 Strength": r["strength"], "条款 Clause": r["text"],
                "期限 Deadlines": "；".join(f"{KIND_ZH.get(c['kind'], c['kind'])}：{c['surface']}" for c in r["constraints"]),
                "条件 Conditions": "；".join(r["conditions"] + r["exceptions"]),
            } for r in rows])
            n_inh = sum(r["inherited"] for r in rows)
            st.caption(f"{len(rows)} 条 clauses" + (f"，其中 {n_inh} 条来自下位角色 (from narrower roles, found "
                                                   "through the reasoned role hierarchy)" if role != ALL else ""))
            st.dataframe(df, width="stretch", hide_index=True)
            name = "obligations" if role == ALL else f"obligations-{role}"
            e1, e2, e3, _ = st.columns([1, 1, 1, 4])
            e1.download_button("导出 CSV", df.to_csv(index=False).encode("utf-8-sig"), f"{name}.csv", "text/csv")
            e2.download_button("导出 XLSX", lambda: xlsx(df), f"{name}.xlsx",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            e3.download_button("导出 JSON", json.dumps(rows, ensure_ascii=False, indent=1).encode(), f"{name}.json",
                               "application/json")
    with charts_tab:
        st.subheader("各地区各角色的条款数 Clauses per role per district")
        if rows:
            counts = pd.DataFrame([{"角色 Role": r["bearer"], "地区 District": r["district"] or "—"} for r in rows])
            counts = counts.groupby(["角色 Role", "地区 District"]).size().reset_index(name="条款 Clauses")
            top = counts.groupby("角色 Role")["条款 Clauses"].sum().nlargest(25).index
            st.altair_chart(alt.Chart(counts[counts["角色 Role"].isin(top)]).mark_bar().encode(
                y=alt.Y("角色 Role:N", sort="-x"), x="条款 Clauses:Q", color="地区 District:N",
                tooltip=["角色 Role", "地区 District", "条款 Clauses"]), width="stretch")
        else:
            st.caption("没有条款 No clauses to chart.")
        st.subheader("期限长短 Deadlines by length")
        dl = [d for d in chosen_deadlines(tuple(chosen)) if d["kind"] in DEADLINE_KINDS and (d["district"] or "—") in chosen]
        lengths = [(d, duration_days(d["iso"], d["working_days"])) for d in dl]
        data = pd.DataFrame([{"期限 Length": bucket(days), "地区 District": d["district"] or "—",
                              "原文 Surface": d["surface"]} for d, days in lengths if days is not None])
        if data.empty:
            st.caption("这些地区没有期限 No deadlines in these districts.")
        else:
            data = data.groupby(["期限 Length", "地区 District"]).size().reset_index(name="期限数 Deadlines")
            st.altair_chart(alt.Chart(data).mark_bar().encode(
                x=alt.X("期限 Length:N", sort=[label for _, label in BUCKETS]), y="期限数 Deadlines:Q",
                color="地区 District:N", xOffset="地区 District:N",
                tooltip=["期限 Length", "地区 District", "期限数 Deadlines"]), width="stretch")
            st.caption("工作日按 7/5 折算为自然日 Working days counted as 7/5 calendar days; "
                       f"{sum(1 for _, days in lengths if days is None)} 个无具体时长的期限未计入 without a length "
                       "are left out.")
