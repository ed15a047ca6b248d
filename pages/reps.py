"""Reps: the roster as an editable table; applying it re-runs the assignment and shows what moved."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from pages.shared import current_engine, plain, set_plan, show_input_error
from territory import InputDataError, plan_from_dict
from territory.edits import diff_assignments

engine = current_engine()
plan = engine.plan
balance = engine.balance.reps.set_index("rep_id")

st.title("Reps")
st.caption(
    "Edit capacity, quota attainment, specialties, territories or the active flag, then apply: the "
    "assignment is re-run and every account that changes hands is listed."
)

roster = pd.DataFrame(
    {
        "rep_id": [r.rep_id for r in plan.reps],
        "name": [r.name for r in plan.reps],
        "active": [r.active for r in plan.reps],
        "capacity": [r.capacity for r in plan.reps],
        "quota_attainment": [r.quota_attainment for r in plan.reps],
        "territories": [", ".join(r.territory_ids) for r in plan.reps],
        "specialties": [", ".join(r.specialties) for r in plan.reps],
        "salesforce_user_id": [r.salesforce_user_id or "" for r in plan.reps],
        "hubspot_owner": [r.hubspot_owner or "" for r in plan.reps],
        "accounts": [int(balance.loc[r.rep_id, "accounts"]) for r in plan.reps],
        "utilization": [float(balance.loc[r.rep_id, "utilization"]) for r in plan.reps],
    }
)
territory_ids = [t.territory_id for t in plan.territories]
edited = st.data_editor(
    roster,
    key="roster_editor",
    hide_index=True,
    disabled=["rep_id", "accounts", "utilization"],
    column_config={
        "rep_id": "Rep id",
        "name": "Name",
        "active": st.column_config.CheckboxColumn("Active"),
        "capacity": st.column_config.NumberColumn("Capacity", min_value=0, step=1, help="Maximum active accounts"),
        "quota_attainment": st.column_config.NumberColumn("Quota attainment", min_value=0.0, step=0.01, format="%.2f"),
        "territories": st.column_config.TextColumn("Territories", help=f"Comma-separated: {', '.join(territory_ids)}"),
        "specialties": st.column_config.TextColumn("Specialties", help="Industries or tiers, comma-separated"),
        "salesforce_user_id": st.column_config.TextColumn(
            "Salesforce user id", help="The rep's User Id (005…), for the Data Loader owner file on the Plans page"
        ),
        "hubspot_owner": st.column_config.TextColumn(
            "HubSpot owner", help="The rep's HubSpot user email, for the HubSpot import file on the Plans page"
        ),
        "accounts": st.column_config.NumberColumn("Accounts"),
        "utilization": st.column_config.ProgressColumn("Utilization", min_value=0.0, max_value=1.0, format="percent"),
    },
)


def split(text) -> list[str]:
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def roster_problems(edited: pd.DataFrame) -> list[str]:
    """What in the edited roster cannot be used, rep by rep, in the table's own words."""
    known = set(territory_ids)
    problems = []
    for row, rep in zip(edited.itertuples(index=False), plan.reps, strict=True):
        who = f"{str(row.name or '').strip() or rep.rep_id} ({rep.rep_id})"
        if not str(row.name or "").strip():
            problems.append(f"{who}: Name is empty; give the rep a name.")
        if pd.isna(row.capacity):
            problems.append(f"{who}: Capacity is empty; enter how many accounts the rep can hold (0 or more).")
        unknown = [t for t in split(row.territories) if t not in known]
        if unknown:
            problems.append(
                f"{who}: Territories names {', '.join(repr(t) for t in unknown)}, which the plan does not have; "
                f"use territory ids: {', '.join(territory_ids)}."
            )
    return problems


changed = not edited.drop(columns=["accounts", "utilization"]).equals(roster.drop(columns=["accounts", "utilization"]))
if st.button("Apply changes and re-run the assignment", type="primary", disabled=not changed):
    problems = roster_problems(edited)
    if problems:
        st.error("**Not applied: fix these in the table.**\n\n" + "\n".join(f"- {plain(p)}" for p in problems))
    else:
        reps = []
        for row, rep in zip(edited.itertuples(index=False), plan.reps, strict=True):
            reps.append(
                {
                    **dataclasses.asdict(rep),
                    "name": row.name,
                    "active": bool(row.active),
                    "capacity": row.capacity,
                    "quota_attainment": row.quota_attainment,
                    "territory_ids": split(row.territories),
                    "specialties": split(row.specialties),
                    "salesforce_user_id": str(row.salesforce_user_id or "").strip() or None,
                    "hubspot_owner": str(row.hubspot_owner or "").strip() or None,
                }
            )
        try:
            new_plan = plan_from_dict({**plan.to_dict(), "reps": reps}, source="rep roster")
        except InputDataError as error:
            show_input_error(error)
        else:
            before = engine.result
            set_plan(new_plan)
            after = current_engine()
            moved = diff_assignments(before, after.result)
            # (kept with the plan it made: after an undo or another edit it is no longer what happened)
            st.session_state["last_roster_change"] = (st.session_state["plan_json"], moved)
            st.rerun()

last = st.session_state.get("last_roster_change")
moved = last[1] if last is not None and last[0] == st.session_state.get("plan_json") else None
if moved is not None:
    names = {r.rep_id: r.name for r in plan.reps}
    st.subheader(f"What moved: {len(moved):,} account(s)")
    if len(moved):
        view = moved.assign(
            from_rep=moved["from_rep_id"].map(names).fillna("—"),
            to_rep=moved["to_rep_id"].map(names).fillna("—"),
        )[
            [
                "account_id",
                "from_rep",
                "to_rep",
                "from_status",
                "to_status",
                "from_territory_id",
                "to_territory_id",
                "value",
            ]
        ]
        st.dataframe(view, hide_index=True, column_config={"value": st.column_config.NumberColumn(format="dollar")})
        gained = (
            moved.groupby("to_rep_id")["value"]
            .agg(["size", "sum"])
            .rename(columns={"size": "gained", "sum": "value gained"})
        )
        lost = (
            moved.groupby("from_rep_id")["value"]
            .agg(["size", "sum"])
            .rename(columns={"size": "lost", "sum": "value lost"})
        )
        handoffs = gained.join(lost, how="outer").fillna(0)
        handoffs.index = handoffs.index.map(lambda r: names.get(r, r))
        st.caption("Per rep")
        st.dataframe(handoffs)
    else:
        st.success("No account changed hands.")
