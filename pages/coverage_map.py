"""Coverage map: the plan's territories on real boundaries, the gaps, accounts as clustered points."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.boundaries import region_label, region_labels
from geo.coverage import display_region_of
from pages.shared import (
    CELL_PADDING,
    CHARACTER_WIDTH,
    PAGE_COLUMN,
    TABLE_HEADER,
    cached_coverage_layers,
    count_column,
    counted,
    coverage_map,
    current_accounts,
    current_engine,
    level_radio,
    money,
    money_column,
    percent,
    plain,
    region_details,
    show_outside,
    show_row_problems,
    show_table,
    table_height,
    verb,
    wrapping_row_height,
    zoom_to,
)
from territory import coverage_summary
from territory.formatting import and_list
from territory.gaps import region_outcomes
from territory.model import equal_claims_said

engine = current_engine()
plan = engine.plan
loaded = current_accounts()
layers = cached_coverage_layers(st.session_state.get("map_level", "state"))
accounts = engine.result
summary = coverage_summary(accounts)

st.title("Coverage map")
st.caption(f"Plan **{plain(plan.name)}** · accounts from **{plain(loaded.source)}**")

cols = st.columns(5)
cols[0].metric("Accounts on the map", f"{summary['accounts']:,}", help="Rows placed by coordinates or address")
cols[1].metric(
    "In a territory",
    percent(summary["in_territory_share"], 1),
    help=f"{summary['in_territory']:,} of {summary['accounts']:,} accounts are claimed by a territory",
)
cols[2].metric(
    "Value in a territory",
    percent(summary["value_in_territory_share"], 1),
    help=f"{money(summary['value_in_territory'])} of {money(summary['value'])}",
)
cols[3].metric("Territories", len(plan.territories), help=f"{len(plan.reps)} reps")
not_placed = int((loaded.problems["severity"] == "skipped").sum()) + len(loaded.outside)
cols[4].metric("Rows not placed", f"{not_placed:,}", help="See the list below the map")

with st.sidebar:
    st.subheader("Map")
    show_accounts = st.toggle("Show accounts", value=True)
    level = level_radio("map_level")
    tiles = st.toggle(
        "Street map tiles (needs internet)",
        value=False,
        help="Off by default: the map is drawn from the bundled boundaries and works offline.",
    )
    fit = zoom_to("coverage_zoom", engine, level)


def take_click(event) -> None:
    """A new click on the map selects its region; the same click seen again on a later rerun does not.

    A click is known by the map it was made on and its number there (``epoch``, ``clicks``: see
    :class:`geo.layers._SendClicksAtOnce`), so a region clicked again after another was picked in the box is chosen
    again; a value without them (an older map) by its region.
    """
    feature = (event or {}).get("last_active_drawing") or {}
    clicked = (feature.get("properties") or {}).get("region_id")
    made = feature.get("clicks") or [{}]
    click = (feature.get("epoch"), made[-1].get("n"), clicked)
    if clicked and click != st.session_state.get("last_map_click"):
        st.session_state["last_map_click"] = click
        st.session_state["selected_region"] = clicked


# The click that made this rerun is read before the map is drawn, so the map outlines the region it chose.
take_click(st.session_state.get("coverage_map"))
map_column, detail_column = st.columns([3, 1])
with map_column:
    event = coverage_map(
        engine, show_accounts=show_accounts, tiles=tiles, returned_objects=["last_active_drawing"], level=level,
        view_key="coverage", fit=fit, selected=st.session_state.get("selected_region") or "",
    )  # fmt: skip
take_click(event)
# The regions drawn at this level that hold accounts (a county at county level), and whatever was clicked.
placed = accounts["region_id"].dropna()
regions_with_accounts = set(display_region_of(placed, level).dropna().astype(str)) if len(placed) else set()
if st.session_state.get("selected_region"):
    regions_with_accounts.add(str(st.session_state["selected_region"]))
names = dict(zip(sorted(regions_with_accounts), region_labels(sorted(regions_with_accounts)), strict=True))
with detail_column:
    st.subheader("Region details")
    choice = st.selectbox(
        "Region",
        [None, *sorted(regions_with_accounts, key=lambda r: (names[r], r))],
        key="selected_region",
        # (a short prompt: "Click a region on the map, or pick one" was cut to "... or pic" in the narrow column)
        format_func=lambda r: "Click or pick a region" if r is None else f"{names.get(r, r)} ({r})",
    )
    if choice:
        details = region_details(engine, choice)
        inside = details["accounts"]
        st.markdown(f"**{plain(details['name'])}** ({plain(choice)})")
        if details["territories"]:
            for territory in details["territories"]:
                reps = ", ".join(plain(r.name) for r in plan.reps_of(territory.territory_id)) or "no active rep"
                st.markdown(f"Territory **{plain(territory.name)}** · reps: {reps}")
        else:
            st.markdown("Territory: **none** — a coverage gap")
        assigned = int((inside["status"] == "assigned").sum())
        st.metric("Accounts", f"{len(inside):,}", help=f"{assigned:,} assigned, {len(inside) - assigned:,} unassigned")
        st.metric("Value", money(float(inside["value"].sum())))
        # Whose they are: a territory's focus can turn most of a region's accounts away, and the figures above read
        # as the territory's own (Germany: "Europe West", 200 accounts, of which it holds 65, a review).
        outcomes = region_outcomes(inside, plan)
        if details["territories"] or len(outcomes) > 1:
            focus = {"industry": "turned away by the industry focus of", "tier": "turned away by the tier focus of"}
            claimed = and_list([plain(t.name) for t in details["territories"]])
            lines = []
            for outcome in outcomes:
                figures = plain(
                    f"{counted(outcome['accounts'], 'account')} ({money(outcome['value'])})"
                )  # (no $…$ math)
                if outcome["territory_id"] is not None:
                    waiting = f", {outcome['waiting']:,} waiting for a rep" if outcome["waiting"] else ""
                    lines.append(f"{plain(outcome['name'])}: {figures}{waiting}")
                elif outcome["why"] in focus and claimed:
                    lines.append(f"In no territory, {focus[outcome['why']]} {claimed}: {figures}")
                else:
                    lines.append(f"In no territory: {figures}")
            st.caption("  \n".join(lines))
        if details["potential"] is not None:  # (the white space's figures: a potential of every account's value)
            row = details["potential"]
            # The potential is every account's value here, the Value above again (the fourteenth new user): what it
            # says is how much of it customers hold.
            st.metric("Penetration", percent(row["penetration"]) if row["penetration"] == row["penetration"] else "—",
                      help="Customers' value ÷ the value of every account here (the plan's potential: customers' "
                           "and prospects' value)")  # fmt: skip
        if len(inside):
            st.caption("Largest accounts")
            # Two columns, as wide as the details column: name and value (the metric above counts assigned ones).
            # (one in no territory marked so: the top of Germany's was a prospect Europe West turns away, a review)
            largest = inside.nlargest(5, "value")
            names = largest["name"].fillna("").astype(str)
            names = names.where(largest["territory_id"].notna(), names + " (no territory)")
            largest = largest.assign(name=names)[["name", "value"]]
            # (a name longer than the column wraps onto taller rows: they were cut, a new user's test)
            long_names = bool(len(names)) and max(map(len, names)) * CHARACTER_WIDTH + 2 * CELL_PADDING > 100
            row = wrapping_row_height(names, 100) if long_names else None
            show_table(
                largest,
                hide_index=True,
                width="stretch",
                **({"row_height": row, "height": table_height(len(largest), row)} if row else {}),
                # (widths: without them the two columns took 220 px of the 195 the column has at 1280 px)
                column_config={
                    "name": st.column_config.TextColumn("Account", width=100),
                    "value": money_column("Value", width=78),
                },
            )

for note in loaded.notes:  # (a note may quote the file: its name, a cell)
    st.info(plain(note))
if layers.unknown_region_ids:
    st.warning(
        "The plan names regions the bundled boundaries do not have: " + plain(", ".join(layers.unknown_region_ids))
    )
claimed_alike = equal_claims_said(plan, region_label=region_label)
if claimed_alike:  # (two reps would chase the same accounts: said nowhere in the dashboard, a review)
    st.warning(plain(claimed_alike) + ".", icon=":material/call_split:")

# One under the other, at full width: side by side at 1280 px the territories' seven columns scrolled sideways
# (Quota cut, Reps out of view) and the gaps' Value was cut (a new user's test).
left, right = st.container(), st.container()
with left:
    st.subheader("Territories")
    served = accounts["status"].eq("assigned")
    counts = (
        accounts.assign(served=served, served_value=accounts["value"].where(served, 0.0))
        .groupby("territory_id")
        .agg(accounts=("value", "size"), served=("served", "sum"), value=("served_value", "sum"))
    )
    rows = [
        {
            "Territory": t.name,
            "Regions": len(t.region_ids),
            "With a rep": int(counts["served"].get(t.territory_id, 0)),
            "Waiting": int(counts["accounts"].get(t.territory_id, 0) - counts["served"].get(t.territory_id, 0)),
            "Value": float(counts["value"].get(t.territory_id, 0.0)),
            "Quota": t.annual_quota,
            # (last: a long list of names pushed the figures out of view)
            "Reps": ", ".join(r.name for r in plan.reps_of(t.territory_id)) or "—",
        }
        for t in plan.territories
    ]
    # The reps take the room the figures leave at 1280 px, and wrap beyond it ("…, Olivia Brown" was cut at 250 px
    # with room to spare, a new user's test)
    figures = 150 + 70 + 80 + 66 + 96 + 96
    reps_width = PAGE_COLUMN - figures - 2
    table = pd.DataFrame(rows)
    row = wrapping_row_height(table["Reps"], reps_width) if len(table) else TABLE_HEADER
    wraps = bool(len(table)) and max(map(len, table["Reps"])) * CHARACTER_WIDTH + 2 * CELL_PADDING > reps_width
    show_table(
        table,
        hide_index=True,
        **({"row_height": row, "height": table_height(min(len(table), 12), row)} if wraps else {}),
        column_config={
            "Territory": st.column_config.TextColumn(width=150),
            "Regions": count_column(width=70),
            "With a rep": count_column(
                width=80,
                help="The territory's accounts that have a rep (as the Overview and the map legend count them)",
            ),
            "Waiting": count_column(
                width=66, help="Accounts the territory takes that wait for a rep (its reps are full)"
            ),
            "Value": money_column(width=96, help="Value of the accounts with a rep"),
            "Quota": money_column(width=96),
            "Reps": st.column_config.TextColumn(width=reps_width),
        },
        download="coverage_territories.csv",
    )
# Accounts in a territory's regions that no territory there takes (its industry or tier focus turns them away):
# outside "In a territory" above, but not in a region without a territory.
turned_away = int((accounts["territory_id"].isna() & accounts["reason_detail"].isin(["industry", "tier"])).sum())
with right:
    st.subheader("Regions with accounts but no territory")
    if layers.uncovered.empty:
        st.success(
            "Every account's region is in a territory." if turned_away else "Every account sits inside a territory."
        )
    else:
        show_table(
            layers.uncovered[["region_id", "label", "accounts", "value"]].rename(
                columns={"region_id": "Region", "label": "Name", "accounts": "Accounts", "value": "Value"}
            ),
            hide_index=True,
            column_config={"Value": money_column()},
            download="coverage_gaps.csv",
        )
    if turned_away:
        # (under what it adds to: "Besides these" stood above "Every account's region is in a territory", a new
        # user's test)
        outside = summary["accounts"] - summary["in_territory"]
        st.caption(
            ("Besides these, " if not layers.uncovered.empty else "Still, ")
            + f"{counted(turned_away, 'account')} {verb(turned_away, 'lies', 'lie')} in a territory's regions but "
            f"{verb(turned_away, 'is', 'are')} turned away by its industry or tier focus (see the unassigned queue on "
            "the Accounts page)"
            + (f". With them, the accounts outside a territory add up to {outside:,}." if outside != turned_away
               else ": no territory takes " + verb(turned_away, "it", "them") + ".")
        )  # fmt: skip

if not_placed:
    # (as the Accounts page lists them: named headings, each sentence whole, and the file named; the raw table cut
    # "… may be swapped" off, a new user's test)
    with st.expander(f"Rows not placed from {plain(loaded.source)} ({not_placed:,})"):
        skipped = loaded.problems[loaded.problems["severity"] == "skipped"]
        if len(skipped):
            show_row_problems(skipped.drop(columns="severity"), download="rows_not_placed.csv")
        if len(loaded.outside):
            st.caption("Outside every region")
            show_outside(loaded.outside)
