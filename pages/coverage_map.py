"""Coverage map: the plan's territories on real boundaries, the gaps, accounts as clustered points."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.shared import cached_coverage_layers, coverage_map, current_accounts, current_engine
from territory import coverage_summary

engine = current_engine()
plan = engine.plan
loaded = current_accounts()
layers = cached_coverage_layers()
accounts = engine.result
summary = coverage_summary(accounts)

st.title("Coverage map")
st.caption(f"Plan **{plan.name}** · accounts from **{loaded.source}**")

cols = st.columns(5)
cols[0].metric("Accounts on the map", f"{summary['accounts']:,}", help="Rows placed by coordinates or address")
cols[1].metric(
    "In a territory",
    f"{summary['in_territory_share']:.1%}",
    help=f"{summary['in_territory']:,} of {summary['accounts']:,} accounts are claimed by a territory",
)
cols[2].metric(
    "Value in a territory",
    f"{summary['value_in_territory_share']:.1%}",
    help=f"{summary['value_in_territory']:,.0f} of {summary['value']:,.0f}",
)
cols[3].metric("Territories", len(plan.territories), help=f"{len(plan.reps)} reps")
not_placed = int((loaded.problems["severity"] == "skipped").sum()) + len(loaded.outside)
cols[4].metric("Rows not placed", f"{not_placed:,}", help="See the list below the map")

with st.sidebar:
    st.subheader("Map")
    show_accounts = st.toggle("Show accounts", value=True)
    tiles = st.toggle(
        "Street map tiles (needs internet)",
        value=False,
        help="Off by default: the map is drawn from the bundled boundaries and works offline.",
    )

coverage_map(engine, show_accounts=show_accounts, tiles=tiles)

for note in loaded.notes:
    st.info(note)
if layers.unknown_region_ids:
    st.warning(f"The plan names regions the bundled boundaries do not have: {', '.join(layers.unknown_region_ids)}")

left, right = st.columns(2)
with left:
    st.subheader("Territories")
    counts = accounts.groupby("territory_id").agg(accounts=("value", "size"), value=("value", "sum"))
    rows = [
        {
            "Territory": t.name,
            "Regions": len(t.region_ids),
            "Reps": ", ".join(r.name for r in plan.reps_of(t.territory_id)) or "—",
            "Accounts": int(counts["accounts"].get(t.territory_id, 0)),
            "Value": float(counts["value"].get(t.territory_id, 0.0)),
            "Quota": t.annual_quota,
        }
        for t in plan.territories
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "Value": st.column_config.NumberColumn(format="%,.0f"),
            "Quota": st.column_config.NumberColumn(format="%,.0f"),
        },
    )
with right:
    st.subheader("Regions with accounts but no territory")
    if layers.uncovered.empty:
        st.success("Every account sits inside a territory.")
    else:
        st.dataframe(
            layers.uncovered[["region_id", "label", "accounts", "value"]].rename(
                columns={"region_id": "Region", "label": "Name", "accounts": "Accounts", "value": "Value"}
            ),
            hide_index=True,
            column_config={"Value": st.column_config.NumberColumn(format="%,.0f")},
        )

if not_placed:
    with st.expander(f"Rows not placed ({not_placed})"):
        skipped = loaded.problems[loaded.problems["severity"] == "skipped"]
        if len(skipped):
            st.dataframe(skipped, hide_index=True)
        if len(loaded.outside):
            st.caption("Outside every region")
            st.dataframe(loaded.outside, hide_index=True)
