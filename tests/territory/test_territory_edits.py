"""Territory-level edits (carve-outs, create, split, merge, update) and how claims honour carve-outs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory import plan_from_dict
from territory.alignment import account_territories, region_claims, resolve_region_territories
from territory.assignment import REASONS, ancestor_map, assign_accounts
from territory.balance import compute_balance, tally_assignment
from territory.edits import (
    PALETTE,
    create_territory,
    diff_assignments,
    merge_territories,
    move_regions,
    new_territory_id,
    next_color,
    plan_with_regions_moved,
    split_territory,
    start,
    update_territory,
)

REGIONS = pd.DataFrame(
    {
        "region_id": ["US", "US-NY", "US-36061", "US-36047", "US-NJ", "US-34013"],
        "parent_id": [None, "US", "US-NY", "US-NY", "US", "US-NJ"],
    }
)
ANCESTORS = ancestor_map(REGIONS)


def make_plan(**extra):
    data = {
        "name": "p",
        "territories": [
            {"territory_id": "E", "name": "East", "region_ids": ["US-NY"], "annual_quota": 1000, "color": "#1f77b4"},
            {"territory_id": "W", "name": "West", "region_ids": ["US-NJ"], "annual_quota": 500, "color": "#ff7f0e"},
        ],
        "reps": [
            {"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "capacity": 10},
            {"rep_id": "B", "name": "Bo", "territory_ids": ["W"], "capacity": 10},
            {"rep_id": "C", "name": "Cy", "territory_ids": ["E"], "capacity": 10},
        ],
    }
    data.update(extra)
    return plan_from_dict(data)


ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["m1", "m2", "b1", "j1"],
        "region_id": ["US-36061", "US-36061", "US-36047", "US-34013"],
        "industry": ["saas", "fintech", "saas", "saas"],
        "tier": ["enterprise", "smb", "smb", "enterprise"],
        "value": [10.0, 20.0, 50.0, 40.0],
    }
)


@pytest.fixture
def state():
    return start(make_plan(), ACCOUNTS, REGIONS)


def rows(state):
    return state.result.set_index("account_id")


def changed(before, after):
    """Accounts whose territory, rep or status differ (flows also list accounts whose rule label changed)."""
    return sorted(diff_assignments(before.result, after.result)["account_id"])


def assert_consistent(state):
    """The incremental tally and balance equal a full recompute from the accounts."""
    full = tally_assignment(state.plan, state.result)
    for left, right in ((state.tally.territories, full.territories), (state.tally.reps, full.reps)):
        keys = left.index.union(right.index)
        np.testing.assert_allclose(
            left.reindex(keys, fill_value=0.0)[right.columns].to_numpy(dtype=float),
            right.reindex(keys, fill_value=0.0).to_numpy(dtype=float),
            atol=1e-9,
        )
    recomputed = compute_balance(state.plan, state.result)
    pd.testing.assert_frame_equal(state.balance.territories, recomputed.territories, check_dtype=False)
    pd.testing.assert_frame_equal(state.balance.reps, recomputed.reps, check_dtype=False)


# move_regions and carve-outs


def test_moving_a_county_to_no_territory_carves_it_out_of_the_state_territory(state):
    child = move_regions(state, ["US-36061"], None)
    assert child.plan.unclaimed_region_ids == ("US-36061",)
    assert child.plan.territory("E").region_ids == ("US-NY",)  # the state claim itself stays
    result = rows(child)
    for account in ("m1", "m2"):
        assert tuple(result.loc[account, ["status", "reason", "reason_detail"]]) == (
            "unassigned",
            "no-matching-territory",
            "region",
        )
        assert result.loc[account, "territory_id"] is None
    assert result.loc["b1", "territory_id"] == "E" and result.loc["b1", "status"] == "assigned"
    assert sorted(child.flows["account_id"]) == ["m1", "m2"]
    assert set(child.flows["from_claim_id"]) == {"E"}
    assert child.flows["to_claim_id"].isna().all()
    assert child.balance.territories.set_index("territory_id").loc["E", "accounts"] == 1
    assert child.edit == "Moved US-36061 to no territory"
    assert_consistent(child)


def test_moving_a_region_no_ancestor_claim_reaches_is_not_carved_out(state):
    child = move_regions(state, ["US-NJ"], None)
    assert child.plan.unclaimed_region_ids == ()
    assert child.plan.territory("W").region_ids == ()
    assert rows(child).loc["j1", "reason"] == "no-matching-territory"


def test_a_region_listed_by_one_territory_and_reached_by_another_is_carved_out(state):
    west = move_regions(state, ["US-36061"], "W")
    assert rows(west).loc["m1", "territory_id"] == "W"
    gone = move_regions(west, ["US-36061"], None)
    assert gone.plan.territory("W").region_ids == ("US-NJ",)
    # East still lists New York, so without a carve-out the county would fall back to East.
    assert gone.plan.unclaimed_region_ids == ("US-36061",)
    assert rows(gone).loc[["m1", "m2"], "territory_id"].isna().all()
    assert_consistent(gone)


@pytest.mark.parametrize(
    ("region", "target", "claim"),
    # (back in East, which holds New York, the county is East's through its state again: no claim of its own)
    [("US-36061", "W", "US-36061"), ("US-NY", "W", "US-NY"), ("US-36061", "E", "US-NY")],
)
def test_moving_the_region_or_its_state_to_a_territory_clears_the_carve_out(state, region, target, claim):
    carved = move_regions(state, ["US-36061"], None)
    back = move_regions(carved, [region], target)
    assert back.plan.unclaimed_region_ids == ()
    if (region, target) == ("US-36061", "E"):
        assert back.plan == state.plan
    result = rows(back)
    assert result.loc[["m1", "m2"], "territory_id"].tolist() == [target, target]
    assert result.loc[["m1", "m2"], "claim_region_id"].tolist() == [claim, claim]
    assert result.loc[["m1", "m2"], "status"].tolist() == ["assigned", "assigned"]
    assert_consistent(back)


def test_move_regions_normalises_and_deduplicates_ids(state):
    child = move_regions(state, [" us-36061 ", "US-36061"], "W")
    assert child.moved_regions == ("US-36061",)
    assert child.plan.territory("W").region_ids == ("US-NJ", "US-36061")
    assert child.edit == "Moved US-36061 to West"


def test_move_regions_to_an_unknown_territory_is_a_key_error(state):
    with pytest.raises(KeyError, match="no territory 'X'"):
        move_regions(state, ["US-NY"], "X")


def test_plan_with_regions_moved_without_ancestors_carves_out_every_region():
    plan = make_plan()
    # Without ancestors the function cannot tell whether a claim still reaches the region.
    assert plan_with_regions_moved(plan, ["US-NJ"], None).unclaimed_region_ids == ("US-NJ",)
    assert plan_with_regions_moved(plan, ["US-NJ"], None, ancestors=ANCESTORS).unclaimed_region_ids == ()
    carved = plan_with_regions_moved(plan, ["US-36061"], None, ancestors=ANCESTORS)
    assert carved.unclaimed_region_ids == ("US-36061",)
    # Taking the state clears the carve-out inside it only when the ancestry is known.
    assert plan_with_regions_moved(carved, ["US-NY"], "W", ancestors=ANCESTORS).unclaimed_region_ids == ()
    assert plan_with_regions_moved(carved, ["US-NY"], "W").unclaimed_region_ids == ("US-36061",)
    # A carve-out is recorded once.
    again = plan_with_regions_moved(carved, ["US-36061"], None, ancestors=ANCESTORS)
    assert again.unclaimed_region_ids == ("US-36061",)


def test_plan_with_regions_moved_appends_sorted_regions_and_leaves_the_input_alone():
    plan = make_plan()
    moved = plan_with_regions_moved(plan, ["US-TX", "US-NY"], "W", ancestors=ANCESTORS)
    assert moved.territory("W").region_ids == ("US-NJ", "US-NY", "US-TX")
    assert moved.territory("E").region_ids == ()
    assert plan.territory("E").region_ids == ("US-NY",)


def test_a_region_given_to_the_territory_that_holds_its_state_alone_is_no_claim_of_its_own():
    plan = make_plan()
    # Essex County is West's through New Jersey, Manhattan becomes West's with New York: neither claimed apart
    moved = plan_with_regions_moved(plan, ["US-NY", "US-36061", "US-34013"], "W", ancestors=ANCESTORS)
    assert moved.territory("W").region_ids == ("US-NJ", "US-NY")
    # but a county of a state two territories claim is claimed, so that it is the receiving territory's alone
    shared = replace(plan, territories=tuple(replace(t, region_ids=("US-NY",)) for t in plan.territories))
    moved = plan_with_regions_moved(shared, ["US-36061"], "W", ancestors=ANCESTORS)
    assert moved.territory("W").region_ids == ("US-NY", "US-36061")


# create_territory


def test_create_territory_takes_regions_and_defaults_its_id_and_color(state):
    child = create_territory(state, "  Gulf Coast ", ["US-36061"], annual_quota=250)
    new = child.plan.territory("GULF-COAST")
    assert (new.name, new.region_ids, new.annual_quota) == ("Gulf Coast", ("US-36061",), 250.0)
    assert new.color == PALETTE[2]  # the first two are taken by East and West
    assert child.plan.territory("E").region_ids == ("US-NY",)
    assert child.plan.unclaimed_region_ids == ()
    result = rows(child)
    # No rep covers the new territory yet: its accounts wait.
    assert result.loc[["m1", "m2"], "territory_id"].tolist() == ["GULF-COAST", "GULF-COAST"]
    assert result.loc[["m1", "m2"], "reason"].tolist() == ["no-available-rep", "no-available-rep"]
    assert child.edit == "Created Gulf Coast from 1 region"
    assert child.moved_regions == ("US-36061",)
    assert_consistent(child)


def test_a_new_territory_s_quota_is_carved_from_the_territories_it_takes_from():
    # A territory drawn on the map had $0 of quota and its givers their whole quotas (a review): each giver gives the
    # share of its quota that the value of its accounts there is of its own, and the plan's total holds.
    from tests.conftest import demo_state

    demo = demo_state()
    before = {t.territory_id: t.annual_quota for t in demo.plan.territories}
    made = create_territory(demo, "Plains", ["US-TX", "US-OK", "US-IL"])
    after = {t.territory_id: t.annual_quota for t in made.plan.territories}
    value = demo.result.assign(value=demo.accounts["value"].to_numpy())
    in_texas = value["region_id"].str.startswith("US-48") | value["region_id"].eq("US-TX")
    south = value["territory_id"].eq("USS")
    share = value.loc[south & in_texas, "value"].sum() / value.loc[south, "value"].sum()
    assert after["USS"] == pytest.approx(before["USS"] * (1 - share), abs=0.01) and 0 < share < 1
    assert after["USC"] < before["USC"] and after["USW"] == before["USW"]
    assert after["PLAINS"] == pytest.approx(sum(before.values()) - sum(v for t, v in after.items() if t != "PLAINS"),
                                            abs=1e-6)  # fmt: skip
    assert round(sum(after.values()), 2) == round(sum(before.values()), 2)
    # A territory whose accounts stay (a county carved out of the state the new territory takes) keeps its quota
    from territory.edits import rebase
    from territory.model import Territory

    metro = Territory("HOU", "Houston Metro", region_ids=("US-48201",), annual_quota=1_000_000)
    carved = rebase(demo, replace(demo.plan, territories=(*demo.plan.territories, metro)))
    texas = create_territory(carved, "Texas", ["US-TX"])
    assert texas.plan.territory("HOU").annual_quota == 1_000_000 and texas.plan.territory("HOU").region_ids
    assert texas.plan.territory("USS").annual_quota < before["USS"] and "of quota from US South" in texas.edit
    # A quota given is kept, and the others keep theirs
    given = create_territory(demo, "Plains", ["US-TX"], annual_quota=1000)
    assert {t.territory_id: t.annual_quota for t in given.plan.territories} == {**before, "PLAINS": 1000.0}


def test_create_territory_with_reps_adds_coverage(state):
    child = create_territory(state, "Metro", ["US-36061"], territory_id="NYC", color="#ABCDEF", rep_ids=["C"])
    assert child.plan.territory("NYC").color == "#abcdef"
    assert child.plan.rep("C").territory_ids == ("E", "NYC")
    result = rows(child)
    assert result.loc[["m1", "m2"], "rep_id"].tolist() == ["C", "C"]
    assert result.loc["b1", "territory_id"] == "E"
    assert_consistent(child)


def test_a_territory_name_is_kept_with_its_spaces_folded_and_compared_so(state):
    made = create_territory(state, "  Great\u00a0\u00a0Plains  ")
    # (as shown: two spaces, no-break spaces read as one; "US  West" beside "US West" looked alike, a review)
    assert made.plan.territory("GREAT-PLAINS").name == "Great Plains"
    with pytest.raises(ValueError, match="already named 'Great Plains'"):
        create_territory(made, "great  plains")


def test_create_territory_without_regions_changes_no_account(state):
    child = create_territory(state, "Empty")
    assert child.plan.territory("EMPTY").region_ids == ()
    assert child.flows.empty
    assert child.edit == "Created Empty"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "  "}, ValueError, "needs a name"),
        ({"name": "Eastern", "territory_id": "E"}, ValueError, "'E' is taken"),
        ({"name": "east"}, ValueError, "already named 'East'"),
        ({"name": "New", "annual_quota": -1}, ValueError, "negative"),
        ({"name": "New", "color": "red"}, ValueError, "#rrggbb"),
        ({"name": "New", "rep_ids": ["Z"]}, KeyError, "no rep 'Z'"),
    ],
)
def test_create_territory_errors(state, kwargs, error, match):
    with pytest.raises(error, match=match):
        create_territory(state, **kwargs)


# split_territory


def test_split_territory_shares_the_quota_by_value_of_the_accounts_moved(state):
    child = split_territory(state, "E", ["US-36061"], "Manhattan")
    old, new = child.plan.territory("E"), child.plan.territory("MANHATTAN")
    # East holds m1 + m2 + b1 = 80; the split takes m1 + m2 = 30, so 3/8 of the quota.
    assert new.annual_quota == 375.0
    assert old.annual_quota == 625.0
    assert new.region_ids == ("US-36061",) and old.region_ids == ("US-NY",)
    assert new.color == PALETTE[2]
    assert rows(child).loc[["m1", "m2"], "territory_id"].tolist() == ["MANHATTAN", "MANHATTAN"]
    assert child.edit == "Split Manhattan off East"
    assert_consistent(child)


def test_split_territory_keeps_the_focus_parent_and_priority():
    plan = make_plan(
        territories=[
            {"territory_id": "P", "name": "Parent"},
            {
                "territory_id": "E",
                "name": "East",
                "region_ids": ["US-NY"],
                "industries": ["saas", "fintech"],
                "tiers": ["smb", "enterprise"],
                "parent_id": "P",
                "priority": 3,
            },
            {"territory_id": "W", "name": "West", "region_ids": ["US-NJ"]},
        ]
    )
    child = split_territory(start(plan, ACCOUNTS, REGIONS), "E", ["US-36047"], "Brooklyn", new_id="BK")
    new = child.plan.territory("BK")
    assert (new.industries, new.tiers, new.parent_id, new.priority) == (
        ("saas", "fintech"),
        ("smb", "enterprise"),
        "P",
        3,
    )


def test_split_territory_moves_the_reps_named(state):
    child = split_territory(state, "E", ["US-36061"], "Manhattan", rep_ids=["C"])
    assert child.plan.rep("C").territory_ids == ("MANHATTAN",)
    assert child.plan.rep("A").territory_ids == ("E",)
    result = rows(child)
    assert result.loc[["m1", "m2"], "rep_id"].tolist() == ["C", "C"]
    assert tuple(result.loc["b1", ["territory_id", "rep_id"]]) == ("E", "A")
    assert_consistent(child)


def test_split_territory_without_reps_leaves_the_new_accounts_waiting(state):
    child = split_territory(state, "E", ["US-36061"], "Manhattan")
    assert rows(child).loc[["m1", "m2"], "reason"].tolist() == ["no-available-rep", "no-available-rep"]
    assert child.plan.rep("C").territory_ids == ("E",)


def test_split_territory_with_no_account_value_gives_the_new_part_no_quota(state):
    zero = start(make_plan(), ACCOUNTS.assign(value=0.0), REGIONS)
    child = split_territory(zero, "E", ["US-36061"], "Manhattan")
    assert child.plan.territory("MANHATTAN").annual_quota == 0.0
    assert child.plan.territory("E").annual_quota == 1000.0


@pytest.mark.parametrize(
    ("region_ids", "match"),
    [
        (["US-34013"], "US-34013 not part of East"),
        (["US-NJ", "US-36061"], "US-NJ not part of East"),
        (["US-NY"], "that is all of East"),
        ([], "pick the regions"),
    ],
)
def test_split_territory_errors(state, region_ids, match):
    with pytest.raises(ValueError, match=match):
        split_territory(state, "E", region_ids, "Part")


def test_split_territory_refuses_a_carved_out_county(state):
    carved = move_regions(state, ["US-36061"], None)
    with pytest.raises(ValueError, match="US-36061 not part of East"):
        split_territory(carved, "E", ["US-36061"], "Part")


@pytest.mark.parametrize(
    ("territories", "unclaimed"),
    [
        # East lists the country, New York is carved out: Manhattan is in no territory.
        ([{"territory_id": "E", "name": "East", "region_ids": ["US"]}], ["US-NY"]),
        # West lists Manhattan itself, which beats East's state claim: West holds it.
        (
            [
                {"territory_id": "E", "name": "East", "region_ids": ["US-NY", "US-NJ"]},
                {"territory_id": "W", "name": "West", "region_ids": ["US-36061"]},
            ],
            [],
        ),
    ],
)
def test_split_territory_refuses_a_region_the_territory_does_not_hold(territories, unclaimed):
    plan = plan_from_dict({"territories": territories, "reps": [], "unclaimed_region_ids": unclaimed})
    state = start(plan, ACCOUNTS, REGIONS)
    assert (state.result.loc[state.result["region_id"] == "US-36061", "territory_id"] != "E").all()
    with pytest.raises(ValueError, match="not part of East"):
        split_territory(state, "E", ["US-36061"], "Part")


# merge_territories


@pytest.fixture
def merge_state():
    plan = make_plan(
        territories=[
            {
                "territory_id": "E",
                "name": "East",
                "region_ids": ["US-NY"],
                "annual_quota": 1000,
                "industries": ["saas", "fintech"],
                "tiers": ["smb", "enterprise"],
            },
            {
                "territory_id": "W",
                "name": "West",
                "region_ids": ["US-NJ", "US-36047"],
                "annual_quota": 500,
                "industries": ["saas", "health"],
            },
            {"territory_id": "S", "name": "South", "parent_id": "W"},
        ],
        reps=[
            {"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "capacity": 10},
            {"rep_id": "B", "name": "Bo", "territory_ids": ["W"], "capacity": 10},
            {"rep_id": "D", "name": "Di", "territory_ids": ["W", "E", "S"], "capacity": 10},
        ],
        overrides=[
            {"account_id": "j1", "territory_id": "W", "locked": False},
            {"account_id": "m1", "territory_id": "E", "locked": False},
        ],
    )
    return start(plan, ACCOUNTS, REGIONS)


def test_merge_territories_combines_everything(merge_state):
    child = merge_territories(merge_state, "E", "W")
    plan = child.plan
    assert [t.territory_id for t in plan.territories] == ["E", "S"]
    merged = plan.territory("E")
    assert merged.region_ids == ("US-NY", "US-NJ", "US-36047")
    assert merged.annual_quota == 1500.0
    assert merged.industries == ("saas", "fintech", "health")  # both had a focus: the union
    assert merged.tiers == ()  # West admitted every tier, so the merged territory does too
    assert plan.territory("S").parent_id == "E"
    assert plan.rep("B").territory_ids == ("E",)
    assert plan.rep("D").territory_ids == ("E", "S")  # no duplicate
    assert [(o.account_id, o.territory_id) for o in plan.overrides] == [("j1", "E"), ("m1", "E")]
    with pytest.raises(KeyError):
        plan.territory("W")
    assert set(child.result["territory_id"]) == {"E"}
    assert changed(merge_state, child) == ["b1", "j1"]
    assert child.edit == "Merged West into East"
    assert child.moved_regions == ("US-NJ", "US-36047")
    assert_consistent(child)


def test_merge_territories_errors(merge_state):
    with pytest.raises(ValueError, match="two different"):
        merge_territories(merge_state, "E", "E")
    with pytest.raises(KeyError, match="no territory 'X'"):
        merge_territories(merge_state, "E", "X")


def test_merging_a_parent_into_its_child_does_not_make_it_its_own_parent(merge_state):
    child = merge_territories(merge_state, "S", "W")
    assert child.plan.territory("S").parent_id != "S"


# update_territory


def test_update_territory_rename_recolor_quota_changes_no_account(state):
    child = update_territory(state, "E", name=" Northeast ", color="#AABBCC", annual_quota="1200")
    new = child.plan.territory("E")
    assert (new.name, new.color, new.annual_quota) == ("Northeast", "#aabbcc", 1200.0)
    assert child.flows.empty
    pd.testing.assert_frame_equal(child.result, state.result)
    assert child.edit == "Renamed East to Northeast, changed color, quota"
    # A rename alone names both (it said "Changed name of Northeast").
    assert update_territory(state, "E", name="Northeast").edit == "Renamed East to Northeast"
    assert child.balance.territories.set_index("territory_id").loc["E", "name"] == "Northeast"


def test_update_territory_parent_changes_no_account(state):
    child = update_territory(state, "W", parent_id="E")
    assert child.plan.territory("W").parent_id == "E"
    assert child.flows.empty
    cleared = update_territory(child, "W", parent_id="")
    assert cleared.plan.territory("W").parent_id is None
    assert cleared.edit == "Changed parent of West"


def test_update_territory_with_no_change_says_so(state):
    child = update_territory(state, "E", name="East", annual_quota=1000)
    assert child.plan == state.plan
    assert child.edit == "Changed nothing of East"
    assert child.flows.empty


def test_update_territory_industries_reassigns_the_accounts(state):
    child = update_territory(state, "E", industries=[" SaaS ", "saas", ""])
    assert child.plan.territory("E").industries == ("saas",)
    result = rows(child)
    assert tuple(result.loc["m2", ["status", "reason", "reason_detail"]]) == (
        "unassigned",
        "no-matching-territory",
        "industry",
    )
    assert changed(state, child) == ["m2"]
    assert set(child.flows["account_id"]) <= {"m1", "m2", "b1"}  # only East's accounts are re-run
    assert_consistent(child)


def test_update_territory_tiers_reassigns_the_accounts(state):
    child = update_territory(state, "E", tiers=["Enterprise"])
    assert child.plan.territory("E").tiers == ("enterprise",)
    assert changed(state, child) == ["b1", "m2"]
    assert set(rows(child).loc[["b1", "m2"], "reason_detail"]) == {"tier"}
    assert_consistent(child)


def test_update_territory_priority_decides_an_equal_claim():
    plan = make_plan(
        territories=[
            {"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
            {"territory_id": "W", "name": "West", "region_ids": ["US-NY", "US-NJ"]},
        ]
    )
    state = start(plan, ACCOUNTS, REGIONS)
    assert rows(state).loc["m1", "territory_id"] == "E" and bool(rows(state).loc["m1", "conflict"])
    child = update_territory(state, "W", priority=1)
    result = rows(child)
    assert result.loc[["m1", "m2", "b1"], "territory_id"].tolist() == ["W", "W", "W"]
    assert not result["conflict"].any()
    assert changed(state, child) == ["b1", "m1", "m2"]
    assert_consistent(child)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "   "},
        {"color": "blue"},
        {"color": "#12345g"},
        {"annual_quota": -1},
        {"annual_quota": float("nan")},
        {"region_ids": ["US-NJ"]},
        {"parent_id": "E"},  # its own parent
    ],
)
def test_update_territory_errors(state, changes):
    with pytest.raises(ValueError):
        update_territory(state, "E", **changes)


def test_update_territory_refuses_a_parent_cycle(state):
    child = update_territory(state, "W", parent_id="E")
    with pytest.raises(ValueError, match="West cannot be the parent: that makes a cycle"):
        update_territory(child, "E", parent_id="W")
    with pytest.raises(KeyError, match="no territory 'X'"):
        update_territory(child, "E", parent_id="X")
    with pytest.raises(KeyError, match="no territory 'X'"):
        update_territory(child, "X", name="Nope")


def test_update_territory_normalises_tiers_like_plan_files(state):
    child = update_territory(state, "E", tiers=["Mid Market"])
    assert child.plan.territory("E").tiers == ("mid-market",)


# next_color and new_territory_id


def test_next_color_is_the_first_unused_palette_color():
    plan = plan_from_dict(
        {"territories": [{"territory_id": "A", "color": PALETTE[0].upper()}, {"territory_id": "B", "color": "#000000"}]}
        | {"reps": []}
    )
    assert next_color(plan) == PALETTE[1]


def test_next_color_cycles_when_every_color_is_taken():
    territories = [{"territory_id": f"T{i}", "color": c} for i, c in enumerate(PALETTE)]
    plan = plan_from_dict({"territories": territories, "reps": []})
    assert next_color(plan) == PALETTE[len(PALETTE) % len(PALETTE)] == PALETTE[0]
    more = plan_from_dict({"territories": territories + [{"territory_id": "X", "color": PALETTE[0]}], "reps": []})
    assert next_color(more) == PALETTE[1]


@pytest.mark.parametrize(
    ("taken", "name", "expected"),
    [
        ([], "Gulf Coast", "GULF-COAST"),
        (["WEST"], "West", "WEST-2"),
        (["WEST", "WEST-2"], "west", "WEST-3"),
        ([], "  !! ", "T"),
        ([], "Abcdefghijklmno Pq", "ABCDEFGHIJKLMNO-PQ"),  # whole words up to 24 characters
        ([], "Île-de-France / Nord", "ÎLE-DE-FRANCE-NORD"),
        ([], "Pacific Northwest Enterprise", "PACIFIC-NORTHWEST"),  # (a word is not cut: PACIFIC-NORTHWES was)
        ([], "Abcdefghijklmnopqrstuvwxyzab", "ABCDEFGHIJKLMNOPQRSTUVWX"),  # one long word: cut at 24
    ],
)
def test_new_territory_id(taken, name, expected):
    plan = plan_from_dict({"territories": [{"territory_id": t} for t in taken], "reps": []})
    assert new_territory_id(plan, name) == expected


# Carve-outs in claims and assignment (alignment and assignment agree)


def carve_plan(territories, unclaimed):
    return plan_from_dict({"territories": territories, "reps": [], "unclaimed_region_ids": unclaimed})


def test_region_claims_stop_at_a_carved_out_county():
    plan = carve_plan([{"territory_id": "E", "region_ids": ["US-NY"]}], ["US-36061"])
    claims = region_claims(plan, REGIONS)
    assert "US-36061" not in set(claims["region_id"])
    assert set(claims["region_id"]) == {"US-NY", "US-36047"}
    resolved = resolve_region_territories(plan, REGIONS).set_index("region_id")
    assert resolved.loc["US-36047", "territory_id"] == "E"
    assert "US-36061" not in resolved.index


def test_a_carve_out_keeps_claims_on_the_region_itself_and_below():
    plan = carve_plan(
        [
            {"territory_id": "E", "region_ids": ["US"]},
            {"territory_id": "M", "region_ids": ["US-36061"]},
            {"territory_id": "N", "region_ids": ["US-NY"]},
        ],
        ["US-NY"],
    )
    claims = region_claims(plan, REGIONS)
    pairs = set(zip(claims["region_id"], claims["territory_id"], claims["depth"], strict=True))
    assert ("US-NY", "N", 0) in pairs  # a claim on the carved-out region itself holds
    assert ("US-36061", "M", 0) in pairs  # a claim below it holds
    assert ("US-36061", "N", 1) in pairs  # and so does one on the carved-out region, from below
    assert not {(r, t) for r, t, _ in pairs if t == "E"} & {("US-NY", "E"), ("US-36061", "E"), ("US-36047", "E")}
    assert ("US-NJ", "E", 1) in pairs  # elsewhere the country claim still reaches
    resolved = resolve_region_territories(plan, REGIONS).set_index("region_id")["territory_id"].to_dict()
    assert resolved == {"US": "E", "US-NY": "N", "US-36061": "M", "US-36047": "N", "US-NJ": "E", "US-34013": "E"}


@pytest.mark.parametrize(
    ("territories", "unclaimed"),
    [
        ([{"territory_id": "E", "region_ids": ["US-NY"]}], ["US-36061"]),
        ([{"territory_id": "E", "region_ids": ["US"]}, {"territory_id": "M", "region_ids": ["US-36061"]}], ["US-NY"]),
        ([{"territory_id": "E", "region_ids": ["US-NY"]}, {"territory_id": "W", "region_ids": ["US-NY"]}], ["US"]),
        ([{"territory_id": "E", "region_ids": ["US"]}], ["US"]),
    ],
)
def test_assignment_honours_carve_outs_like_alignment(territories, unclaimed):
    plan = carve_plan(territories, unclaimed)
    expected = account_territories(ACCOUNTS, plan, REGIONS)
    got = assign_accounts(plan, ACCOUNTS, REGIONS).accounts
    assert got["territory_id"].tolist() == expected["territory_id"].tolist()
    assert got["claim_region_id"].tolist() == expected["claim_region_id"].tolist()
    assert got["conflict"].tolist() == expected["conflict"].tolist()


CLAIMABLE = ["US", "US-NY", "US-NJ", "US-36061", "US-36047", "US-34013"]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(CLAIMABLE), max_size=3, unique=True), st.integers(0, 1)),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.sampled_from(CLAIMABLE), max_size=3, unique=True),
)
def test_assignment_and_alignment_agree_on_random_carve_outs(territories, unclaimed):
    plan = carve_plan(
        [{"territory_id": f"T{i}", "region_ids": r, "priority": p} for i, (r, p) in enumerate(territories)], unclaimed
    )
    accounts = pd.DataFrame({"account_id": [f"a{i}" for i in range(6)], "region_id": CLAIMABLE})
    expected = account_territories(accounts, plan, REGIONS)
    got = assign_accounts(plan, accounts, REGIONS).accounts
    assert got["territory_id"].tolist() == expected["territory_id"].tolist()
    assert got["claim_region_id"].tolist() == expected["claim_region_id"].tolist()
    assert got["conflict"].tolist() == expected["conflict"].tolist()


def test_unclaimed_region_ids_round_trip_through_dict():
    plan = plan_from_dict(
        {
            "territories": [{"territory_id": "E", "region_ids": ["US-NY"]}],
            "reps": [],
            "unclaimed_region_ids": ["us-36061", " US-36047", "US-36061"],
        }
    )
    assert plan.unclaimed_region_ids == ("US-36061", "US-36047")
    data = plan.to_dict()
    assert data["unclaimed_region_ids"] == ["US-36047", "US-36061"]
    again = plan_from_dict(data)
    assert set(again.unclaimed_region_ids) == set(plan.unclaimed_region_ids)
    assert plan_from_dict(again.to_dict()) == again
    assert plan_from_dict({"territories": [], "reps": []}).unclaimed_region_ids == ()


def test_a_carve_out_made_by_an_edit_survives_saving(state):
    carved = move_regions(state, ["US-36061"], None)
    reloaded = plan_from_dict(carved.plan.to_dict())
    assert reloaded == carved.plan
    fresh = assign_accounts(reloaded, ACCOUNTS, REGIONS).accounts
    assert fresh["territory_id"].tolist() == carved.result["territory_id"].tolist()


# Property: incremental balance equals a full recompute after every edit

P_REGIONS = pd.DataFrame(
    {
        "region_id": ["US", "US-NY", "US-NJ", "US-CT", "US-36061", "US-36047", "US-34013", "US-34017", "US-09001"],
        "parent_id": [None, "US", "US", "US", "US-NY", "US-NY", "US-NJ", "US-NJ", "US-CT"],
    }
)
P_CLAIMABLE = ["US", "US-NY", "US-NJ", "US-CT", "US-36061", "US-36047", "US-34013"]
P_LEAVES = ["US-36061", "US-36047", "US-34013", "US-34017", "US-09001", None]
P_INDUSTRIES = ["saas", "fintech", "health"]
_rng = np.random.default_rng(7)
P_ACCOUNTS = pd.DataFrame(
    {
        "account_id": [f"a{i}" for i in range(24)],
        "region_id": [P_LEAVES[i % len(P_LEAVES)] for i in range(24)],
        "industry": [P_INDUSTRIES[i % 3] for i in range(24)],
        "tier": _rng.choice(["enterprise", "mid-market", "smb"], 24),
        "value": _rng.integers(0, 50, 24).astype(float),
        "status": _rng.choice(["customer", "prospect"], 24),
    }
)

edit_steps = st.lists(
    st.tuples(st.sampled_from(["move", "create", "merge", "industries"]), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.integers(0, 8), min_size=3, max_size=3), edit_steps)
def test_incremental_tally_equals_full_recompute_after_random_edits(capacities, steps):
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "T0", "region_ids": ["US-NY"]},
                {"territory_id": "T1", "region_ids": ["US-NJ", "US-36061"]},
                {"territory_id": "T2", "region_ids": ["US"], "industries": ["saas"]},
            ],
            "reps": [
                {"rep_id": "R0", "territory_ids": ["T0"], "capacity": capacities[0]},
                {"rep_id": "R1", "territory_ids": ["T1", "T2"], "capacity": capacities[1]},
                {"rep_id": "R2", "territory_ids": ["T2"], "capacity": capacities[2]},
            ],
        }
    )
    state = start(plan, P_ACCOUNTS, P_REGIONS)
    for n, (kind, a, b) in enumerate(steps):
        territories = [t.territory_id for t in state.plan.territories]
        reps = [r.rep_id for r in state.plan.reps]
        if kind == "move":
            target = territories[b % len(territories)] if b % 4 else None
            state = move_regions(state, [P_CLAIMABLE[a % len(P_CLAIMABLE)]], target)
        elif kind == "create":
            rep_ids = [reps[b % len(reps)]] if b % 2 else []
            state = create_territory(state, f"New {n}", [P_CLAIMABLE[a % len(P_CLAIMABLE)]], rep_ids=rep_ids)
        elif kind == "merge" and len(territories) > 1:
            keep = territories[a % len(territories)]
            absorb = [t for t in territories if t != keep][b % (len(territories) - 1)]
            state = merge_territories(state, keep, absorb)
        elif kind == "industries":
            chosen = [i for bit, i in enumerate(P_INDUSTRIES) if b >> bit & 1]
            state = update_territory(state, territories[a % len(territories)], industries=chosen)
        else:
            continue
        assert_consistent(state)
        result = state.result
        assert result["account_id"].tolist() == P_ACCOUNTS["account_id"].tolist()
        # Exactly one status per account, with a rep exactly when assigned and a reason exactly when not.
        assigned = (result["status"] == "assigned").to_numpy()
        assert result["status"].isin(["assigned", "unassigned"]).all()
        assert result.loc[assigned, "rep_id"].notna().all() and result.loc[assigned, "reason"].isna().all()
        assert result.loc[~assigned, "rep_id"].isna().all() and result.loc[~assigned, "reason"].isin(REASONS).all()
        # No rep above capacity (no locks and no load outside the data here).
        held = result.loc[assigned, "rep_id"].value_counts()
        for rep in state.plan.reps:
            assert held.get(rep.rep_id, 0) <= rep.capacity
        # Territories resolve as a fresh run would (reps may differ: edits keep current owners).
        fresh = assign_accounts(state.plan, P_ACCOUNTS, P_REGIONS).accounts
        assert result["territory_id"].tolist() == fresh["territory_id"].tolist()


def test_no_palette_colour_looks_like_a_coverage_gap():
    from geo.coverage import GAP_COLOR
    from territory.edits import PALETTE
    from territory.model import PALETTE as DEFAULTS  # (one palette: new territories and those given no colour)

    def rgb(colour):
        return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    assert PALETTE is DEFAULTS
    for colour in PALETTE:
        assert np.linalg.norm(rgb(colour) - rgb(GAP_COLOR)) > 100, colour  # (the old #d62728 was 12 away)
