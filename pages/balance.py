"""Balance: who carries how much, against the targets — least balanced first."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from pages.shared import (
    CELL_PADDING,
    CHARACTER_WIDTH,
    SCORE_D3_FORMAT,
    TEAM_SCORE_HELP,
    and_list,
    at_capacity,
    counted,
    current_engine,
    labelled,
    money,
    money_column,
    percent_column,
    plain,
    score,
    score_column,
    set_plan,
    setting,
    show_table,
    verb,
)
from territory.impact import waiting_remedies

WHOLE_TABLE_ROWS = 40  # a table of at most this many rows is shown whole, not in a scroll of ten
engine = current_engine()
plan = engine.plan
balance = engine.balance
# Least balanced first, counting the accounts that wait as the team score does: the score times the share of the
# territory's accounts that have a rep (sorted by the score alone, a territory with 150 accounts waiting came after
# ones whose accounts were all served: a new user's test).
taken = balance.territories["accounts"] + balance.territories["unserved"]
served_share = (balance.territories["accounts"] / taken.where(taken > 0)).fillna(1.0)
# A territory with no rep and no accounts is not scored, as the team score leaves it out: no score, and last (a new
# territory drawn over the sea headed the table at 0.000 while the team score did not count it, a new user's test).
unscored = (balance.territories["reps"] == 0) & (taken == 0)
territories = (
    balance.territories.assign(
        _order=balance.territories["balance_score"] * served_share,
        balance_score=balance.territories["balance_score"].mask(unscored),
        _unscored=unscored,
    )
    .sort_values(["_unscored", "_order", "balance_score"], kind="stable")
    .assign(_order=lambda t: t["_order"].mask(t["_unscored"]))
    .rename(columns={"_order": "score_counting_waiting"})
    .drop(columns="_unscored")
)
unscored_names = balance.territories.loc[unscored, "name"].astype(str).tolist()
reps = balance.reps

st.title("Balance")
st.caption(
    f"Target {plan.settings.target_accounts_per_rep:g} accounts per rep; target value per rep = "
    + (
        "the territory's quota ÷ its active reps"
        if plan.settings.target_value_per_rep is None
        else money(plan.settings.target_value_per_rep)
    )
    + ". Score = 1 − (|accounts per rep − A|/A + |value per rep − V|/V) / 2. The score measures against these "
    "targets, whatever the reps' capacity: a team of smaller capacity scores low even when full. Utilization "
    "measures against capacity, and the Rebalance page sizes territories by it."
)
# The targets are the plan's: a new user's team carried ~44 accounts a rep against the demo's 300, every territory
# scored near 0, and no page changed them. Set here, as an edit of the plan (undone like any other).
settings = plan.settings
active_reps = int(reps["active"].sum())
mean_load = float(reps.loc[reps["active"], "accounts"].mean()) if active_reps else 0.0
with st.expander("Targets"):
    with st.form("balance_targets", border=False):
        columns = st.columns(2)
        target_accounts = columns[0].number_input(
            "Target accounts per rep (A)", min_value=1.0, value=float(settings.target_accounts_per_rep), step=1.0,
            format="%g",
            help=f"Your active reps hold {mean_load:,.0f} accounts each on average now",
        )  # fmt: skip
        by_quota = columns[1].toggle(
            "Target value per rep (V): each territory's quota ÷ its active reps",
            value=settings.target_value_per_rep is None,
        )  # fmt: skip
        target_value = columns[1].number_input(
            "…or the same value for every rep (when the switch is off)", min_value=1.0,
            value=float(settings.target_value_per_rep or 1_000_000.0), step=10_000.0, format="%g",
        )  # fmt: skip
        if st.form_submit_button("Apply targets"):
            new = replace(settings, target_accounts_per_rep=float(target_accounts),
                          target_value_per_rep=None if by_quota else float(target_value))  # fmt: skip
            if new != settings:
                said = []
                if new.target_accounts_per_rep != settings.target_accounts_per_rep:
                    said.append(
                        f"accounts per rep {settings.target_accounts_per_rep:g} → {new.target_accounts_per_rep:g}"
                    )
                if new.target_value_per_rep != settings.target_value_per_rep:
                    was, now = ("quota ÷ reps" if v is None else money(v)
                                for v in (settings.target_value_per_rep, new.target_value_per_rep))  # fmt: skip
                    said.append(f"value per rep {was} → {now}")
                set_plan(replace(plan, settings=new), "Targets: " + "; ".join(said))
                st.rerun()
    st.caption(f"Active reps hold {mean_load:,.0f} accounts each on average; the targets are saved with the plan.")

# The team's figures first, as the Overview and the Edit map show them: the score, and who is full with accounts
# waiting behind them (the score per territory counts the accounts with a rep; a new user's test found the page
# never said that accounts wait).
team = balance.team
full = reps[reps["active"] & at_capacity(reps)]
kpis = st.columns(3)
kpis[0].metric("Team balance score", score(team["balance_score"]), help=TEAM_SCORE_HELP)
kpis[1].metric("Accounts waiting for a rep", f"{team['accounts_waiting']:,}",
               help="Accounts in a territory whose reps are all at capacity, or that has no active rep")  # fmt: skip
kpis[2].metric("Reps at capacity", f"{len(full)} of {team['active_reps']}",
               help=plain(", ".join(full["name"])) or "none")  # fmt: skip
# What to do about the accounts waiting, territory by territory, with the reps concerned (the figures said reps were
# full and accounts waited, but not what to do: a new user's test).
remedies = waiting_remedies(plan, engine.result)
if remedies:
    st.warning(
        f"**{counted(team['accounts_waiting'], 'account')} {verb(team['accounts_waiting'], 'waits', 'wait')} for a "
        "rep.**\n\n" + "\n".join(f"- {plain(remedy)}" for remedy in remedies),
        icon="⚠️",
    )
# (kept across pages and a reload, as the other pages' choices: it went back to 15%, a review)
setting("balance_tolerance", 15, list(range(0, 51, 5)))
tolerance = st.slider("Tolerance band around the mean workload", 0, 50, step=5, format="%d%%",
                      key="balance_tolerance") / 100  # fmt: skip

active = reps[reps["active"]].copy()
mean = float(active["workload"].mean()) if len(active) else 0.0
active["band"] = pd.cut(
    active["workload"],
    [-float("inf"), mean * (1 - tolerance), mean * (1 + tolerance), float("inf")],
    labels=["below band", "in band", "above band"],
).astype(str)
# A rep at capacity is full whatever the team's mean: "below band" read as coasting for two reps at 95–100% of a
# small capacity (a new user's test). Said apart, with how many accounts their territories hold waiting.
full_here = (active["capacity"] > 0) & at_capacity(active)
# (and full above the band apart from full within it: Priya Patel and Luke Anderson, at capacity 65% above the team's
# mean workload, read as the other full reps, a new user's test)
active.loc[full_here, "band"] = np.where(active.loc[full_here, "band"].eq("above band"), "at capacity, above band",
                                         "at capacity")  # fmt: skip

# Side by side while the territories' names are short; one under the other when a name is long, so that it shows
# whole beside its bar ("Massachusetts & …", "Ontario & Ohio + …" were cut at 1280 px: a new user's test).
LONG_NAME = 22  # characters
long_names = bool(len(territories)) and int(territories["name"].str.len().max()) > LONG_NAME
left, right = (st.container(), st.container()) if long_names else st.columns(2)
with left:
    st.subheader("Workload per rep")
    if len(active):
        bars = (
            alt.Chart(active)
            .mark_bar()
            .encode(
                x=alt.X("workload:Q", title="Workload (accounts weighted by tier)"),
                y=alt.Y("name:N", sort="-x", title=None),
                color=alt.Color(
                    "band:N",
                    scale=alt.Scale(
                        domain=["below band", "in band", "above band", "at capacity", "at capacity, above band"],
                        # (the reps at capacity in purples, the darker above the band: its maroon read as the red
                        # of "above band", a review)
                        range=["#f2a541", "#4c9f70", "#d1495b", "#6a3d9a", "#2e1452"],
                    ),
                    title=None,
                    # (under the chart: on its right, it left the bars about 35 px beside the other chart at 1024 px,
                    # a review)
                    legend=alt.Legend(
                        orient="bottom",
                        direction="horizontal",
                        columns=2,
                        columnPadding=6,
                        labelFontSize=10,
                        labelLimit=150,
                    ),
                ),
                tooltip=["name", "workload", "accounts", "capacity", alt.Tooltip("utilization:Q", format=".1%")],
            )
        )
        band = (
            alt.Chart(pd.DataFrame({"low": [mean * (1 - tolerance)], "high": [mean * (1 + tolerance)]}))
            .mark_rect(opacity=0.12, color="#4c9f70")
            .encode(x="low:Q", x2="high:Q")
        )
        target = alt.Chart(pd.DataFrame({"mean": [mean]})).mark_rule(color="#222", strokeDash=[4, 3]).encode(x="mean:Q")
        st.altair_chart(band + bars + target, width="stretch")
    else:
        st.info("No active reps.")
with right:
    st.subheader("Balance score per territory")
    # (the accounts waiting said beside the name: the score counts those with a rep, and the territories with a
    # backlog read as the best balanced, a review)
    shown_as = territories["name"].astype(str) + territories["unserved"].map(
        lambda n: f" ({n:,.0f} waiting)" if n == n and n > 0 else ""
    )
    chart = (
        alt.Chart(territories.assign(shown_as=shown_as))
        .mark_bar()
        .encode(
            # (drawn as ordered: the score times the share of accounts with a rep; the score alone drew a territory
            # with 41% of its accounts waiting, first in the order, as a nearly full green bar, a review)
            x=alt.X(
                "score_counting_waiting:Q",
                scale=alt.Scale(domain=[0, 1]),
                # (short enough for the chart's width: "… (1 = on target, none waitin" was cut, a review; 1 is on
                # target with none waiting)
                # (named as the table's column: "Score × share with a rep (1 = on targe" was cut at 1024 px)
                title="Score × served (1 = on target)",
            ),  # fmt: skip
            # (in the table's order below, least balanced first: sorted by the score alone, the chart put US West
            # before US South, the table after it)
            y=alt.Y("shown_as:N", sort=list(dict.fromkeys(shown_as)), title=None, axis=alt.Axis(labelLimit=360)),
            color=alt.Color(
                "score_counting_waiting:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]), legend=None
            ),  # fmt: skip
            tooltip=[
                "name",
                alt.Tooltip("score_counting_waiting:Q", title="score counting those waiting", format=SCORE_D3_FORMAT),
                alt.Tooltip("balance_score:Q", title="balance score (accounts with a rep)", format=SCORE_D3_FORMAT),
                alt.Tooltip("accounts:Q", title="accounts with a rep"),
                alt.Tooltip("unserved:Q", title="waiting for a rep"),
                "reps",
                alt.Tooltip("accounts_per_rep:Q", format=".1f"),
                alt.Tooltip("value_per_rep:Q", format="$,.0f"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")

st.subheader("Territories (least balanced first)")
st.caption(
    "Ordered by × served, the score times the share of the territory's accounts that have a rep, as the team score "
    "counts them (and as the chart above draws them): of two territories with the same score, the one whose accounts "
    "wait for a rep comes first."
)
TERRITORY_COLUMNS = {  # column → (heading, what it is); short headings so that the table fits the page
    "name": ("Territory", None),
    "balance_score": (
        "Score",
        "Balance score: 1 − (|accounts per rep − A|/A + |value per rep − V|/V) / 2; 1 = on target",
    ),
    # (the chart's bars and the table's order: the score alone beside it read 0.937, 0.936, 0.937, a review)
    "score_counting_waiting": (
        "× served",
        "The score times the share of the territory's accounts that have a rep: the chart's bars, and this "
        "table's order (least first)",
    ),
    "accounts": ("Accounts", "Accounts with a rep"),
    "unserved": (
        "Waiting",
        "Accounts the territory takes that wait for a rep (its reps are at capacity, or it has none)",
    ),
    "reps": ("Reps", "Active reps"),
    "accounts_per_rep": ("Acc./rep", "Accounts with a rep per active rep (A is the target)"),
    "target_accounts_per_rep": ("Target A", "Target accounts per rep (A)"),
    "total_value": ("Value", "Estimated value of the accounts with a rep"),
    "value_per_rep": ("Value/rep", "Value per active rep (V is the target)"),
    "target_value_per_rep": ("Target V", "Target value per rep (V): the territory's quota ÷ its active reps"),
    "workload": ("Workload", "Accounts with a rep, weighted by tier"),
    "utilization": (
        "Util.",
        "Utilization: the accounts the territory's active reps hold (a rep shared with another "
        "territory: all of them; and those held outside these accounts) ÷ their capacity",
    ),
    "quota_coverage": ("Quota cov.", "Quota coverage: value ÷ the territory's annual quota"),
}
# A target the same for every territory is said once, in the caption above, not in a column of equal figures
# (it stays in the data: the table's "Show/hide columns" shows it).
shown = [c for c in TERRITORY_COLUMNS if not (c.startswith("target_") and territories[c].nunique() <= 1)]
# Widths that fit the page at 1280 px with whole figures (the table scrolled sideways there, "Util." and "Quota
# cov." out of view: a new user's test). The totals of accounts and value are one click away (Show/hide columns):
# the score compares the figures per rep with their targets, which stay.
# (the name as wide as the longest needs, up to what the page leaves: "North Carolina & Georgi" was cut at 130 px, a
# new user's test)
longest = int(territories["name"].astype(str).str.len().max()) if len(territories) else 0
formats = {
    "name": {"width": int(min(240, max(130, longest * CHARACTER_WIDTH + 2 * CELL_PADDING)))},
    # (figures without bars: the chart above draws the bars, and × served beside the score fits at 1280 px then)
    "balance_score": score_column(width=62),
    "score_counting_waiting": score_column(width=70),
    "accounts": {"width": 70},
    "unserved": {"width": 60},
    "reps": {"width": 44},
    "accounts_per_rep": st.column_config.NumberColumn(format="%.1f", width=62),
    "workload": st.column_config.NumberColumn(format="%,.0f", width=70),
    "total_value": money_column(width=92),
    "value_per_rep": money_column(width=92),
    "target_value_per_rep": money_column(width=92),
    "target_accounts_per_rep": {"width": 62},
    "utilization": percent_column(width=50),
    "quota_coverage": percent_column(width=66),
}
IN_SHOW_HIDE = ("accounts", "total_value")
shown = [c for c in shown if c not in IN_SHOW_HIDE]
others = sum(int(formats[c].get("width") or 0) for c in shown if c != "name")
formats["name"] = {"width": int(min(formats["name"]["width"], max(130, 800 - others)))}
show_table(
    territories[list(TERRITORY_COLUMNS)],
    hide_index=True,
    column_order=shown,
    column_config={
        column: labelled(formats.get(column), heading, about) for column, (heading, about) in TERRITORY_COLUMNS.items()
    },
    height="content" if len(territories) <= WHOLE_TABLE_ROWS else "auto",
    download="balance_territories.csv",
)
st.caption(
    "The accounts and value each territory holds: the table's Show/hide columns button (top right)."
    + (
        f" Not scored, as the team score leaves out a territory with no rep and no accounts: {and_list([plain(n) for n in unscored_names])}."
        if unscored_names
        else ""
    )
)
st.subheader("Reps (fullest first)")
territory_name = {t.territory_id: t.name for t in plan.territories}
show_table(
    reps.assign(
        territory_ids=reps["territory_ids"].map(  # (ids joined by ", "): names
            lambda ids: (
                ", ".join(territory_name.get(t, t) for t in ids.split(", ") if t) if isinstance(ids, str) else ids
            )
        )
    )
    .sort_values("utilization", ascending=False)[
        [
            "name",
            "active",
            "territory_ids",
            "accounts",
            "capacity",
            "utilization",
            "workload",
            "value",
            "quota_attainment",
        ]
    ]
    .rename(
        columns={
            "name": "Rep",
            "active": "Active",
            "territory_ids": "Territories",
            "accounts": "Accounts",
            "capacity": "Capacity",
            "utilization": "Utilization",
            "workload": "Workload",
            "value": "Value",
            "quota_attainment": "Quota attainment",
        }
    ),
    hide_index=True,
    download="balance_reps.csv",
    # (widths that fit the page at 1280 px: "Quota attainm…" was cut and the table scrolled sideways; a rep over
    # capacity shows as utilization above 100%)
    column_config={
        "Rep": st.column_config.TextColumn(width=120),
        "Active": st.column_config.CheckboxColumn(width=52),
        "Territories": st.column_config.TextColumn(width=140),
        "Accounts": st.column_config.NumberColumn(width=66),
        "Capacity": st.column_config.NumberColumn(width=66),
        "Workload": st.column_config.NumberColumn(format="%,.0f", width=66),
        "Utilization": percent_column(progress=True, width=104),
        "Value": money_column(width=92),
        "Quota attainment": percent_column("Attainment", width=76, help="Quota attainment"),
    },
    # (every rep in view up to a team of 40: ten rows showed and two of twelve reps were in a scroll, a new user's
    # test; a larger team scrolls)
    height="content" if len(reps) <= WHOLE_TABLE_ROWS else "auto",
)
st.caption(
    f"Team: {team['active_reps']} active reps · workload mean {team['workload_mean']:.1f}, coefficient of "
    f"variation {team['workload_cv']:.2f}, max/min "
    + (f"{team['workload_max_min_ratio']:.2f}" if team["workload_max_min_ratio"] else "—")
)
