"""Overview: the headline figures of the plan, and the map."""

from __future__ import annotations

import streamlit as st

from pages.shared import (
    TEAM_SCORE_HELP,
    at_capacity,
    coverage_map,
    current_accounts,
    current_engine,
    money,
    money_column,
    percent,
    percent_column,
    plain,
    plan_store,
    score,
    score_column,
    show_table,
    stored_plan,
)
from territory.balance import deal_metrics
from territory.formatting import MISSING

engine = current_engine()
plan = engine.plan
accounts = engine.result
balance = engine.balance
loaded = current_accounts()

st.title("Overview")
where = stored_plan()
store = plan_store() if where else None
try:
    status = f" ({store.plan_record(where[0]).status} #{where[0]} v{where[1]})" if store is not None else ""
except Exception:  # (a store that fails here still shows the page; the Plans page says what is wrong)
    status = ""
st.caption(
    f"Plan **{plain(plan.name)}**{status} · {len(accounts):,} accounts from **{plain(loaded.source)}** · "
    f"{len(plan.territories)} territories · {balance.team['active_reps']} active reps"
)

# Coverage is the accounts that have a rep (a new user's test: counted as "in a territory with a rep" it rose from
# 60.7% to 64.7% as a rep left and more accounts waited, because his regions went to staffed neighbours).
staffed = {row.territory_id for row in balance.territories.itertuples() if row.reps > 0}
served_mask = accounts["status"].eq("assigned")
value = accounts["value"].sum()
served_value = accounts.loc[served_mask, "value"].sum()
unassigned = accounts[accounts["status"] == "unassigned"]
team = balance.team

row1 = st.columns(4)
waiting_in_staffed = int((accounts["territory_id"].isin(staffed) & ~served_mask).sum())
# (named by what they count: "Coverage (accounts)" 58.9% here read against the Coverage map's "In a territory"
# 61.1%, a review)
row1[0].metric(
    "Accounts with a rep",
    percent(served_mask.mean(), 1) if len(accounts) else MISSING,
    help=f"Accounts that have a rep: {int(served_mask.sum()):,} of {len(accounts):,}"
    + (f". {waiting_in_staffed:,} more lie in a territory with reps but wait for one with room" if waiting_in_staffed
       else "")
    + (f"; {len(unassigned) - waiting_in_staffed:,} lie in no territory or in one without a rep"
       if len(unassigned) > waiting_in_staffed else "")
    + ". The Coverage map's \"In a territory\" counts accounts inside any territory, with a rep or not.",
)  # fmt: skip
row1[1].metric(
    "Value with a rep",
    percent(served_value / value, 1) if value else MISSING,
    help=f"{money(served_value)} of {money(value)} of estimated value, in accounts that have a rep",
)
# (in words: the help showed the assignment's codes, "no-matching-territory: 1,964, at-capacity: 93")
UNASSIGNED_WHY = {
    "no-matching-territory": "in no territory (no territory claims their region, or its industry or tier focus turns "
    "them away)",
    "no-available-rep": "in a territory with no active rep",
    "at-capacity": "waiting in a territory whose reps are all at capacity",
}
row1[2].metric(
    "Unassigned accounts",
    f"{len(unassigned):,}",
    help="; ".join(
        f"{count:,} {UNASSIGNED_WHY.get(reason, reason)}"
        for reason, count in unassigned["reason"].value_counts().items()
    )
    or "none",
)
row1[3].metric(
    "Team balance score",
    score(team["balance_score"]),
    help=TEAM_SCORE_HELP,
)
row2 = st.columns(4)
# (at capacity is not over it: "0" beside 155 accounts waiting behind full reps read as room to spare, a new user's
# test; the help says who is full and what waits)
reps = balance.reps
full = reps[reps["active"] & at_capacity(reps)]
row2[0].metric(
    "Reps over capacity",
    f"{team['reps_over_capacity']}",
    help=f"Reps holding more accounts than their capacity. At capacity: {len(full)} of {team['active_reps']} active "
    f"reps; {team['accounts_waiting']:,} accounts in territories wait for a rep. The Balance page lists who is "
    "full and what to do: raise a capacity or add a rep on the Reps page, or move regions to a territory with room.",
)
row2[1].metric(
    "Rep utilization",
    percent(team["utilization"]),
    help="Active accounts (and those held outside these accounts) ÷ capacity of active reps",
)
row2[2].metric(
    "Workload spread (CV)",
    f"{team['workload_cv']:.2f}",
    help="Coefficient of variation of workload per active rep (0 = all equal)",
)
# Deal size and velocity over the accounts with a rep, as the table counts them (a new user's test: "Accounts with a
# rep 340" beside an average over 384, the 44 waiting too).
served = accounts[served_mask]
metrics = deal_metrics(served)
# (named for what they are: "Average deal size" and "Pipeline velocity" read as closed-won and win-rate figures, which
# the accounts file does not have, a review)
row2[3].metric(
    "Average account value",
    money(served["value"].mean() if len(served) else float("nan")),
    help="Mean estimated value of the accounts that have a rep (their value column, not closed deals)",
)

coverage_map(engine, height=480, key="overview_map")

st.subheader("Per territory")
names = {t.territory_id: t.name for t in plan.territories}
table = balance.territories.set_index("territory_id")[["name", "accounts", "reps", "balance_score", "utilization"]]
table = table.join(metrics[["avg_deal_size", "pipeline_velocity_per_day"]], how="left")
show_table(
    table.reset_index(drop=True).rename(
        columns={
            "name": "Territory",
            "accounts": "Accounts with a rep",
            "reps": "Reps",
            "balance_score": "Balance score",
            "utilization": "Utilization",
            "avg_deal_size": "Average account value",
            "pipeline_velocity_per_day": "Value per cycle day ($/day)",
        }
    ),
    hide_index=True,
    column_config={
        # (what it measures, against what: the Rebalance page's deviations are from a share of the team, and a
        # territory can score 0.94 here while it holds far more than its share there, a review)
        "Balance score": score_column(
            progress=True,
            help="How close each rep's load is to the plan's targets: 1 − (|accounts per rep − A|/A + |value per rep "
            "− V|/V) / 2, A the target accounts per rep, V the territory's quota per rep (1 = on target; 0 with no "
            "rep). Per rep, against targets: not the territory's share of the team, which the Balance and Rebalance "
            "pages measure as deviation",
        ),
        "Utilization": percent_column(),
        "Average account value": money_column(help="Mean estimated value of the territory's accounts with a rep"),
        "Value per cycle day ($/day)": money_column(
            help="Value per day of sales cycle (value ÷ cycle length, summed) of the accounts with a rep: a pipeline "
            "velocity without win rates (the accounts file has none)"
        ),
    },
)
