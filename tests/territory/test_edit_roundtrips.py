"""Round trips and invariants of long edit sessions: a plan the session had before gets back its assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory import plan_from_dict
from territory.assignment import _external_load
from territory.balance import tally_assignment
from territory.edits import _TRACKED, plan_with_regions_moved, rebase, start
from tests.territory.test_properties import (
    REGIONS,
    check_invariants,
    edit_sequences,
    generated_edit,
    scenarios,
    tallies_equal,
)

COLUMNS = _TRACKED  # every column an edit tracks, the rule and the claim too


def shape(plan):
    return ({t.territory_id: frozenset(t.region_ids) for t in plan.territories}, frozenset(plan.unclaimed_region_ids))


def no_false_locks(state):
    acc = state.result
    locks = {o.account_id: o.rep_id for o in state.plan.overrides if o.locked and o.rep_id is not None}
    for account_id, rep_id in acc.loc[acc["rule"] == "locked", ["account_id", "rep_id"]].itertuples(index=False):
        assert locks.get(account_id) == rep_id, (account_id, rep_id, "rule 'locked' without that lock")


def full_check(state, locks=False):
    tallies_equal(state.tally, tally_assignment(state.plan, state.result))
    # the accounts each rep holds outside the data, as the state's plan declares them (not the session start's)
    declared = _external_load(state.plan, state.accounts)
    assert state.external_load.reindex(declared.index).tolist() == declared.tolist()
    check_invariants(state.plan, state.result, state.rep_load, state.external_load)
    if locks:
        no_false_locks(state)
    # values_at reads through the chain as the table does
    everything = np.arange(len(state.accounts))
    read = state.values_at(everything)
    for column in _TRACKED:
        left, right = read[column], state.result[column].to_numpy(dtype=object if column != "conflict" else bool)
        assert ((left == right) | (pd.isna(left) & pd.isna(right))).all(), column


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=1, max_size=6))
def test_regions_moved_around_then_each_given_back_restore_every_account(scenario, moves):
    plan, accounts = scenario
    state = s0 = start(plan, accounts, REGIONS)
    held = {r: t.territory_id for t in plan.territories for r in t.region_ids
            if sum(r in u.region_ids for u in plan.territories) == 1}  # fmt: skip
    if not held:
        return
    regions = sorted(held)
    targets = [t.territory_id for t in plan.territories] + [None]
    moved = []
    for a, b in moves:
        region = regions[a % len(regions)]
        state = state.move_regions([region], targets[b % len(targets)])
        full_check(state)
        moved.append(region)
    for region in reversed(list(dict.fromkeys(reversed(moved)))):
        state = state.move_regions([region], held[region])
        full_check(state)
    if shape(state.plan) != shape(s0.plan):
        return
    pd.testing.assert_frame_equal(state.result[COLUMNS], s0.result[COLUMNS])


edits = edit_sequences(("regions", "accounts", "lock", "deactivate", "rebase", "roster"), max_size=10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), edits)
def test_invariants_and_values_at_after_every_edit_of_a_session_with_rebases(scenario, seq):
    plan, accounts = scenario
    state = start(plan, accounts, REGIONS)
    for kind, a, b in seq:
        edited = generated_edit(state, kind, a, b)
        if edited is not None:
            state = edited
            full_check(state)
    full_check(rebase(state, state.plan))


# Cases a review of the edits engine found (each failed before the fix).

STATES = pd.DataFrame({"region_id": ["US", "US-NY", "US-NJ", "US-CT", "US-36061"],
                       "parent_id": [None, "US", "US", "US", "US-NY"]})  # fmt: skip


def two(reps, **extra):
    return plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]},
                                           {"territory_id": "W", "region_ids": ["US-NJ"]}],
                           "reps": reps, **extra})  # fmt: skip


def rep(rep_id, *territories, capacity=10):
    return {"rep_id": rep_id, "territory_ids": list(territories), "capacity": capacity}


def test_a_county_given_to_the_territory_of_its_country_while_its_state_is_carved_out_is_claimed():
    plan = plan_from_dict({"territories": [{"territory_id": "N", "region_ids": ["US"]}], "reps": [rep("A", "N")]})
    accounts = pd.DataFrame({"account_id": ["m1"], "region_id": ["US-36061"]})
    after = start(plan, accounts, STATES).move_regions(["US-NY"], None).move_regions(["US-36061"], "N")
    assert after.result["territory_id"].tolist() == ["N"]


def test_an_account_locked_at_the_start_moved_away_and_back_is_no_longer_shown_locked():
    plan = two([rep("A", "E"), rep("B", "W")], overrides=[{"account_id": "a1", "rep_id": "A"}])
    accounts = pd.DataFrame({"account_id": ["a1"], "region_id": ["US-NY"]})
    after = start(plan, accounts, STATES).move_accounts(["a1"], "W").move_accounts(["a1"], "E")
    no_false_locks(after)


def test_an_account_a_move_gave_a_rep_stays_with_that_rep_when_a_later_edit_reruns_it():
    plan = two([rep("A", "E"), rep("B", "W"), rep("C", "W")])
    accounts = pd.DataFrame({"account_id": ["a1", "x"], "region_id": ["US-NY", "US-NJ"], "value": [1.0, 5.0]})
    moved = start(plan, accounts, STATES).move_regions(["US-NY"], "W")
    assert moved.result.set_index("account_id").loc["a1", "rep_id"] == "C"
    after = moved.lock_account("x", "C")  # C keeps room for a1
    assert after.result.set_index("account_id").loc["a1", "rep_id"] == "C"


def test_a_rebase_onto_the_same_plan_moves_nobody():
    plan = two([rep("A", "E"), rep("B", "W"), rep("C", "W")])
    plan = plan_from_dict(
        {
            **plan.to_dict(),
            "territories": [
                {"territory_id": "E", "region_ids": ["US-NY"]},
                {"territory_id": "W", "region_ids": ["US-NJ", "US-CT"]},
            ],
        }
    )
    accounts = pd.DataFrame({"account_id": ["a1", "x1", "x2"], "region_id": ["US-NY", "US-NJ", "US-CT"],
                             "value": [1.0, 5.0, 4.0]})  # fmt: skip
    state = start(plan, accounts, STATES).move_regions(["US-NY"], "W").move_regions(["US-CT"], None)
    assert rebase(state, state.plan).flows.empty


def test_a_region_away_and_back_whose_account_finds_another_rep():
    plan = two([rep("R0", "E", "W", capacity=1), rep("R4", "E", capacity=1)])
    accounts = pd.DataFrame({"account_id": ["a", "b"], "region_id": ["US-NY", "US-NJ"], "owner": ["R0", None],
                             "value": [1.0, 5.0]})  # fmt: skip
    s0 = start(plan, accounts, STATES)
    back = s0.move_regions(["US-NY"], None).move_regions(["US-NY"], "E")
    assert back.plan == s0.plan
    pd.testing.assert_frame_equal(back.result[COLUMNS], s0.result[COLUMNS])


def test_an_account_repinned_to_its_territory_is_no_longer_shown_locked():
    plan = plan_from_dict(
        {
            "territories": [{"territory_id": "E", "region_ids": ["US-NY"]}],
            "reps": [rep("R1", "E", capacity=4)],
            "overrides": [{"account_id": "a", "rep_id": "R1"}],
        }
    )
    accounts = pd.DataFrame({"account_id": ["a"], "region_id": ["US-NY"]})
    no_false_locks(start(plan, accounts, STATES).move_accounts(["a"], "E"))


def test_a_capacity_lowered_and_raised_back_brings_back_every_account():
    # (minimal moves alone leave a with R4, who took it while R0 was full, and give R0's room to b)
    plan = two([rep("R0", "E", "W", capacity=1), rep("R4", "E", capacity=1)])
    accounts = pd.DataFrame({"account_id": ["a", "b"], "region_id": ["US-NY", "US-NJ"], "owner": ["R0", None],
                             "value": [1.0, 5.0]})  # fmt: skip
    s0 = start(plan, accounts, STATES)
    lowered = rebase(s0, plan_from_dict({**plan.to_dict(), "reps": [rep("R0", "E", "W", capacity=0),
                                                                    rep("R4", "E", capacity=1)]}))  # fmt: skip
    assert lowered.result.set_index("account_id").loc["a", "rep_id"] == "R4"
    back = rebase(lowered, plan_from_dict(plan.to_dict()))
    pd.testing.assert_frame_equal(back.result[COLUMNS], s0.result[COLUMNS])
    assert back.rep_load.equals(s0.rep_load)
    full_check(back)
    # and the edit's flows say what it undid: a back with R0 (b waits, as it did)
    assert back.flows[["account_id", "from_rep_id", "to_rep_id"]].values.tolist() == [["a", "R4", "R0"]]


def test_a_county_moved_away_and_back_with_another_edit_between_goes_back_to_its_reps():
    # No restore covers it (the plan differs by the other edit); the county's accounts go back to the reps they had
    # when the session started where those cover the territory and have room, not to whoever has most room.
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "E", "region_ids": ["US-NY", "US-CT"]},
                {"territory_id": "W", "region_ids": ["US-NJ"]},
            ],
            "reps": [rep("A", "E", capacity=10), rep("B", "E", capacity=10), rep("C", "W", capacity=10)],
        }
    )
    # A owns the county's two accounts and three more in New York; B one in Connecticut: once the county and
    # Connecticut are away, B has the most room
    accounts = pd.DataFrame(
        {
            "account_id": ["m1", "m2", "n1", "n2", "n3", "c1"],
            "region_id": ["US-36061", "US-36061", "US-NY", "US-NY", "US-NY", "US-CT"],
            "owner": ["A", "A", "A", "A", "A", "B"],
        }
    )
    s0 = start(plan, accounts, STATES)
    held = s0.result.set_index("account_id")["rep_id"]
    away = s0.move_regions(["US-36061"], "W").move_regions(["US-CT"], "W")
    assert set(away.result.set_index("account_id")["rep_id"][["m1", "m2"]]) == {"C"}
    back = away.move_regions(["US-36061"], "E")
    full_check(back)
    assert back.plan != s0.plan  # (no restore: Connecticut is still with W)
    now = back.result.set_index("account_id")
    assert now.loc[["m1", "m2"], "rep_id"].tolist() == held[["m1", "m2"]].tolist() == ["A", "A"]
    assert now.loc[["m1", "m2"], "rule"].tolist() == ["kept", "kept"]


def test_an_account_waiting_for_its_owner_does_not_take_the_slot_of_an_account_its_owner_holds():
    # R holds the prospect p; the customer c, R's in the data, came into R's territory when R was full and waits.
    # An edit that re-runs both (a rebase onto a plan changed elsewhere, or a move that R's territories still
    # cover) gave c R's slot as its owner (customers first) and made p wait: a move no edit asked for.
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "E", "region_ids": ["US-NY"]},
                {"territory_id": "W", "region_ids": ["US-NJ"]},
                {"territory_id": "N", "region_ids": []},
            ],
            "reps": [rep("R", "E", "N", capacity=1), rep("B", "W", capacity=0)],
        }
    )
    accounts = pd.DataFrame({"account_id": ["p", "c"], "region_id": ["US-36061", "US-NJ"], "owner": [None, "R"],
                             "status": ["prospect", "customer"]})  # fmt: skip
    s1 = start(plan, accounts, STATES).move_regions(["US-NJ"], "E")
    assert s1.result[["rep_id", "status"]].values.tolist() == [["R", "assigned"], [None, "unassigned"]]
    elsewhere = rebase(s1, plan_with_regions_moved(s1.plan, ["US-CT"], "W", ancestors=s1.index.ancestors))
    full_check(elsewhere)
    assert elsewhere.result["rep_id"].tolist() == ["R", None]
    assert elsewhere.flows.empty
    covered = s1.move_regions(["US-36061"], "N")  # R covers N too: p may stay with R
    full_check(covered)
    assert covered.result[["territory_id", "rep_id"]].values.tolist() == [["N", "R"], ["E", None]]
    # and a waiting account whose owner has room is still served by it, said as a full run says it
    roomier = rebase(s1, plan_from_dict({**s1.plan.to_dict(), "reps": [rep("R", "E", "N", capacity=2),
                                                                      rep("B", "W", capacity=0)]}))  # fmt: skip
    full_check(roomier)
    assert roomier.result[["rep_id", "rule"]].values.tolist() == [["R", "most-free-capacity"], ["R", "owner"]]


def test_a_county_moved_away_and_back_finds_its_reps_whatever_the_order_of_another_edit():
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "E", "region_ids": ["US-NY", "US-CT"]},
                {"territory_id": "W", "region_ids": ["US-NJ"]},
            ],
            "reps": [rep("A", "E", capacity=2), rep("C", "W", capacity=10)],
        }
    )
    # A owns the county's two customers and is full with them; two prospects in New York and one in Connecticut wait
    accounts = pd.DataFrame({"account_id": ["m1", "m2", "w1", "w2", "c1"],
                             "region_id": ["US-36061", "US-36061", "US-NY", "US-NY", "US-CT"],
                             "owner": ["A", "A", None, None, None],
                             "status": ["customer", "customer", "prospect", "prospect", "prospect"],
                             "value": [5.0, 5.0, 1.0, 1.0, 1.0]})  # fmt: skip
    s0 = start(plan, accounts, STATES)
    assert s0.result["rep_id"].tolist() == ["A", "A", None, None, None]
    between = s0.move_regions(["US-36061"], "W").move_regions(["US-CT"], "W").move_regions(["US-36061"], "E")
    before = s0.move_regions(["US-CT"], "W").move_regions(["US-36061"], "W").move_regions(["US-36061"], "E")
    full_check(between)
    full_check(before)
    assert shape(between.plan) == shape(before.plan)
    assert before.result["rep_id"].tolist() == ["A", "A", None, None, "C"]
    assert start(between.plan, accounts, STATES).result["rep_id"].tolist()[:2] == ["A", "A"]
    assert between.result["rep_id"].tolist() == before.result["rep_id"].tolist()
    # (it failed until the prospects that took the county's room gave way: the customers waited, while the same
    # edits in the other order, a restore, and a full run gave them to their owner)
    assert between.result["rule"].tolist()[:2] == ["kept", "kept"]
    assert between.result["status"].tolist()[2:4] == ["unassigned", "unassigned"]


@st.composite
def counties_away_and_back(draw):
    """A plan where a county of New York leaves its territory and comes back with other edits between (giving way).

    The random plans of :func:`scenarios` seldom reach ``_giving_way`` (no session of 300 did): here three
    territories, reps that are often full, and the county's accounts owned by the rep who covers it.
    """
    territories = [{"territory_id": "E", "region_ids": ["US-NY"]}, {"territory_id": "F", "region_ids": ["US-CT"]},
                   {"territory_id": "G", "region_ids": ["US-NJ"]}]  # fmt: skip
    reps = [
        {"rep_id": "A", "territory_ids": draw(st.sampled_from([["E"], ["E", "F"]])), "capacity": draw(st.integers(1, 4)),
         "current_accounts": draw(st.sampled_from([None, 0, 1]))},
        {"rep_id": "B", "territory_ids": draw(st.sampled_from([["F"], ["E", "F"], ["F", "G"]])),
         "capacity": draw(st.integers(0, 3))},
        {"rep_id": "C", "territory_ids": ["G"], "capacity": draw(st.integers(1, 10))},
    ]  # fmt: skip
    n = draw(st.integers(3, 12))
    accounts = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "region_id": [draw(st.sampled_from(["US-36061", "US-36047", "US-09001", "US-34013"])) for _ in range(n)],
            "value": [float(draw(st.integers(0, 3))) for _ in range(n)],
            "owner": [draw(st.sampled_from([None, None, "A", "B", "C"])) for _ in range(n)],
            "status": [draw(st.sampled_from(["customer", "prospect"])) for _ in range(n)],
        }
    )
    locked = draw(st.lists(st.sampled_from(list(accounts["account_id"])), max_size=2, unique=True))
    overrides = [{"account_id": a, "rep_id": draw(st.sampled_from(["A", "B", "C"]))} for a in locked]
    return plan_from_dict({"name": "p", "territories": territories, "reps": reps, "overrides": overrides}), accounts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counties_away_and_back(),
    st.sampled_from(["US-36061", "US-36047"]),
    st.sampled_from(["G", "F", None]),
    edit_sequences(("regions", "accounts", "lock", "deactivate", "roster", "rebase"), max_size=3),
)
def test_accounts_giving_way_to_a_county_come_back_keep_every_invariant(scenario, county, away, between):
    # (accounts that took a rep's room give way to the accounts it had at the start: no rep above capacity, no lock
    # displaced, one status each, the tally and values_at as a full recompute; 1,500 sessions of this, 261 of them
    # giving way, found nothing)
    plan, accounts = scenario
    state = start(plan, accounts, REGIONS).move_regions([county], away)
    full_check(state, locks=True)
    for kind, a, b in between:
        state = generated_edit(state, kind, a, b) or state
        full_check(state, locks=True)
    state = state.move_regions([county], "E")
    full_check(state, locks=True)
