"""Restores of an earlier plan's assignment (territory.edits._earlier_with / _restored): what the plan key holds."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory import plan_from_dict
from territory.edits import _TRACKED, rebase, start, update_territory
from tests.territory.test_edit_roundtrips import COLUMNS, STATES, full_check, rep, two
from tests.territory.test_properties import REGIONS, edit_sequences, generated_edit, scenarios


def chain(state):
    while state is not None:
        yield state
        state = state.parent


def reordered(plan):
    """The same plan written another way: regions, carve-outs and overrides listed in reverse, territories renamed."""
    return replace(
        plan,
        territories=tuple(
            replace(t, name=f"{t.name}, renamed", region_ids=t.region_ids[::-1]) for t in plan.territories
        ),
        overrides=plan.overrides[::-1],
        unclaimed_region_ids=plan.unclaimed_region_ids[::-1],
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenarios(),
    edit_sequences(("regions", "accounts", "lock", "deactivate", "rebase", "roster"), max_size=8),
    st.data(),
)
def test_a_rebase_onto_an_earlier_plan_written_another_way_gives_back_an_assignment_the_session_had(
    scenario, sequence, data
):
    plan, accounts = scenario
    state = start(plan, accounts, REGIONS)
    for kind, a, b in sequence:
        state = generated_edit(state, kind, a, b) or state
    states = list(chain(state))
    target = data.draw(st.sampled_from(states))
    back = rebase(state, reordered(target.plan))
    full_check(back, locks=True)
    # (the nearest state of the plan, which may be nearer than target)
    had = [s for s in states if s.plan_key == target.plan_key]
    assert any(back.result[COLUMNS].equals(s.result[COLUMNS]) for s in had)
    assert back.rep_load.equals(had[0].rep_load)
    # and the flows say what changed since the state rebased
    moved = set(back.flows["account_id"])
    for column in ("territory_id", "rep_id", "status"):
        before, after = state.result[column].astype(object), back.result[column].astype(object)
        differs = ~((before == after) | (before.isna() & after.isna()))
        assert set(state.result.loc[differs, "account_id"]) <= moved


def test_two_locks_of_one_account_in_another_order_are_another_plan():
    # plan_from_dict accepts two overrides of one account (no duplicate check for overrides)
    plan = two([rep("R1", "E"), rep("R2", "E")],
               overrides=[{"account_id": "a", "rep_id": "R1"}, {"account_id": "a", "rep_id": "R2"}])  # fmt: skip
    accounts = pd.DataFrame({"account_id": ["a"], "region_id": ["US-NY"]})
    state = start(plan, accounts, STATES)
    assert state.result["rep_id"].tolist() == ["R2"]  # the last lock wins
    swapped = replace(plan, overrides=plan.overrides[::-1])
    assert start(swapped, accounts, STATES).result["rep_id"].tolist() == ["R1"]
    assert rebase(state, swapped).result["rep_id"].tolist() == ["R1"]


def test_a_rename_between_a_region_moved_away_and_back_leaves_every_account_where_it_was():
    # (the scenario of test_a_region_away_and_back_whose_account_finds_another_rep, renaming W in between)
    plan = two([rep("R0", "E", "W", capacity=1), rep("R4", "E", capacity=1)])
    accounts = pd.DataFrame({"account_id": ["a", "b"], "region_id": ["US-NY", "US-NJ"], "owner": ["R0", None],
                             "value": [1.0, 5.0]})  # fmt: skip
    s0 = start(plan, accounts, STATES)
    away = update_territory(s0.move_regions(["US-NY"], None), "W", name="West", color="#2ca02c", annual_quota=5.0)
    back = away.move_regions(["US-NY"], "E")
    pd.testing.assert_frame_equal(back.result[_TRACKED], s0.result[_TRACKED])


def test_a_county_back_in_a_listed_but_carved_out_state_is_not_listed_again():
    plan = plan_from_dict({"territories": [{"territory_id": "N", "region_ids": ["US"]},
                                           {"territory_id": "T", "region_ids": ["US-NY"]}],
                           "reps": [rep("A", "N"), rep("B", "T")],
                           "unclaimed_region_ids": ["US-NY"]})  # fmt: skip
    accounts = pd.DataFrame({"account_id": ["m"], "region_id": ["US-36061"]})
    s0 = start(plan, accounts, STATES)
    assert s0.result[["territory_id", "claim_region_id"]].values.tolist() == [["T", "US-NY"]]
    back = s0.move_regions(["US-36061"], "N").move_regions(["US-36061"], "T")
    assert back.plan == s0.plan
    pd.testing.assert_frame_equal(back.result[_TRACKED], s0.result[_TRACKED])


def test_a_plan_with_a_list_field_can_be_edited():
    plan = two([rep("R0", "E"), rep("R1", "W")])
    plan = replace(plan, reps=tuple(replace(r, territory_ids=list(r.territory_ids)) for r in plan.reps))
    accounts = pd.DataFrame({"account_id": ["a"], "region_id": ["US-NY"]})
    moved = start(plan, accounts, STATES).move_regions(["US-NY"], "W")
    assert moved.result["territory_id"].tolist() == ["W"]


def test_a_rep_added_with_accounts_held_outside_the_data_takes_only_the_room_left():
    # A rep's declared current accounts count against capacity. A rep added in the session (the Reps page's rebase)
    # or whose count changed took no notice of it: the loads carried the session start's external load.
    plan = two([rep("R0", "E", capacity=3)])
    accounts = pd.DataFrame({"account_id": [f"a{i}" for i in range(6)], "region_id": ["US-NY"] * 6})
    s0 = start(plan, accounts, STATES)
    added = {**rep("R1", "E", capacity=3), "current_accounts": 2}
    grown = plan_from_dict({**plan.to_dict(), "reps": [rep("R0", "E", capacity=3), added]})
    after = rebase(s0, grown)
    full_check(after)
    assert after.result["rep_id"].value_counts().to_dict() == {"R0": 3, "R1": 1}
    assert after.rep_load.to_dict() == {"R0": 3, "R1": 3}
    assert after.external_load.to_dict() == start(grown, accounts, STATES).external_load.to_dict()
    # and a count lowered frees room: R1 now holds none outside the data
    fewer = plan_from_dict({**plan.to_dict(), "reps": [rep("R0", "E", capacity=3), {**added, "current_accounts": 0}]})
    later = rebase(after, fewer)
    full_check(later)
    assert later.result["rep_id"].value_counts().to_dict() == {"R0": 3, "R1": 3}
    # back to the plan with 2 outside the data: the restore gives R1 its one account again
    again = rebase(later, grown)
    full_check(again)
    assert again.result["rep_id"].value_counts().to_dict() == {"R0": 3, "R1": 1}


# (start with keep= tried the owner in the data before the saved rep: the waiting customer took the prospect's slot)
def test_a_session_assignment_saved_and_opened_again_is_the_same():
    plan = two([rep("R", "E", capacity=1), rep("B", "W", capacity=0)])
    accounts = pd.DataFrame({"account_id": ["p", "c"], "region_id": ["US-NY", "US-NJ"], "owner": [None, "R"],
                             "status": ["prospect", "customer"]})  # fmt: skip
    session = start(plan, accounts, STATES).move_regions(["US-NJ"], "E")
    assert session.result["rep_id"].tolist() == ["R", None]
    saved = session.result.set_index("account_id")["rep_id"]
    opened = start(session.plan, accounts, STATES, keep=saved)
    assert opened.result["rep_id"].tolist() == session.result["rep_id"].tolist()
