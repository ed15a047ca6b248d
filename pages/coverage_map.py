"""Coverage map: the plan's territories on real boundaries, accounts as clustered points, headline KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.layers import NO_TERRITORY_COLOR, account_points, build_coverage_map
from pages.shared import accounts_with_territories, cached_coverage_layers, current_accounts, current_plan, state_key
from territory import coverage_summary

plan = current_plan()
loaded = current_accounts()
key = state_key()
accounts = accounts_with_territories(*key)
layers = cached_coverage_layers(*key)
summary = coverage_summary(accounts)

st.title("Coverage map")
st.caption(f"Plan **{plan.name}** · accounts from **{loaded.source}**")

cols = st.columns(5)
cols[0].metric("Accounts on the map", f"{summary['accounts']:,}", help="Rows placed by coordinates or address")
cols[1].metric(
    "In a territory",
    f"{summary['in_territory_share']:.1%}",
    help=f"{summary['in_territory']:,} of {summary['accounts']:,} accounts sit in a region some territory claims",
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

colors = {t.territory_id: t.color for t in plan.territories}
points = None
if show_accounts and len(accounts):
    fill = accounts["territory_id"].map(colors).fillna(NO_TERRITORY_COLOR)
    points = account_points(
        accounts,
        fill,
        tooltip_columns=[("name", "Account"), ("industry", "Industry"), ("tier", "Tier"), ("value", "Value")],
    )
if len(accounts):
    lat, lon = accounts["lat"], accounts["lon"]
    bounds = (
        np.nanquantile(lon, 0.01),
        np.nanquantile(lat, 0.01),
        np.nanquantile(lon, 0.99),
        np.nanquantile(lat, 0.99),
    )
else:
    bounds = (-130.0, 20.0, 20.0, 62.0)
fmap = build_coverage_map(layers.regions, layers.outlines, layers.legend, points=points, bounds=bounds, tiles=tiles)
st_folium(fmap, height=620, use_container_width=True, returned_objects=[], key="coverage_map")

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
warnings = loaded.problems[loaded.problems["severity"] == "warning"]
if len(warnings):
    with st.expander(f"Warnings on rows that were placed ({len(warnings)})"):
        st.dataframe(warnings, hide_index=True)
