from __future__ import annotations

import pandas as pd
import pytest

from territory import plan_from_dict
from territory.plan_diff import NO_REP, diff_plans, rep_changes, rep_changes_said

OLD = {
    "name": "FY27",
    "territories": [
        {"territory_id": "E", "name": "East", "region_ids": ["US-NY", "US-NJ"], "annual_quota": 100},
        {"territory_id": "W", "name": "West", "region_ids": ["US-CA"]},
        {"territory_id": "S", "name": "South", "region_ids": ["US-TX"]},
    ],
    "reps": [
        {"rep_id": "A", "name": "Ann", "territory_ids": ["E"]},
        {"rep_id": "B", "name": "Bo", "territory_ids": ["W"]},
    ],
}


def plans(**changes):
    new = {**OLD, **changes}
    return plan_from_dict(OLD), plan_from_dict(new)


def assignments(rows):
    return pd.DataFrame(rows, columns=["account_id", "territory_id", "rep_id", "status", "value"])


def test_no_change_is_empty():
    old, new = plans()
    diff = diff_plans(
        old, new, assignments([("a", "E", "A", "assigned", 1.0)]), assignments([("a", "E", "A", "assigned", 1.0)])
    )
    assert diff.empty and diff.handoffs.empty


def test_regions_moved_added_and_dropped():
    old, new = plans(
        territories=[
            {"territory_id": "E", "name": "East", "region_ids": ["US-NY"], "annual_quota": 100},
            {"territory_id": "W", "name": "West", "region_ids": ["US-CA", "US-NJ", "US-OR"]},
            {"territory_id": "S", "name": "South", "region_ids": []},
        ]
    )
    regions = diff_plans(old, new).regions.set_index("region_id")
    assert regions.loc["US-NJ", ["from_territory_id", "to_territory_id"]].tolist() == ["E", "W"]
    assert regions.loc["US-NJ", ["from_name", "to_name"]].tolist() == ["East", "West"]
    assert regions.loc["US-OR", ["from_territory_id", "to_name"]].tolist() == [None, "West"]
    assert regions.loc["US-TX", ["from_name", "to_territory_id"]].tolist() == ["South", None]
    assert set(regions.index) == {"US-NJ", "US-OR", "US-TX"}
    # Each territory that gained or lost regions is listed with what it gained and lost ("Territories changed 3"
    # stood over a table of the one renamed territory, a new user's test).
    table = diff_plans(old, new).territories.set_index("territory_id")
    assert table["change"].to_dict() == {"E": "regions", "W": "regions", "S": "regions"}
    assert table["detail"].to_dict() == {"E": "regions: 1 lost", "W": "regions: 2 gained", "S": "regions: 1 lost"}
    assert diff_plans(old, new).territories_changed == 0  # (counted among the regions moved, not again)


def test_territories_added_removed_and_changed():
    old, new = plans(
        territories=[
            {"territory_id": "E", "name": "East Coast", "region_ids": ["US-NY", "US-NJ"], "annual_quota": 150,
             "tiers": ["enterprise"]},
            {"territory_id": "W", "name": "West", "region_ids": ["US-CA"]},
            {"territory_id": "N", "name": "North", "region_ids": ["US-TX"], "annual_quota": 2_000_000,
             "industries": ["fintech"]},
        ],
        reps=[{"rep_id": "A", "name": "Ann", "territory_ids": ["E"]}],
    )  # fmt: skip
    table = diff_plans(old, new).territories.set_index("territory_id")
    assert table.loc["E", "change"] == "changed"
    assert "name: East → East Coast" in table.loc["E", "detail"]
    assert "annual quota: $100 → $150" in table.loc["E", "detail"]
    assert "tiers: all → enterprise" in table.loc["E", "detail"]
    assert table.loc["S", "change"] == "removed" and table.loc["N", "change"] == "added"
    # (an added territory with its quota and focus beside its regions: a new territory's quota went unsaid)
    assert table.loc["N", "detail"].endswith("; annual quota: $2,000,000; industries: fintech"), table.loc["N"]
    assert "W" not in table.index
    assert diff_plans(old, new).territories_changed == 3


def test_accounts_and_handoffs():
    old, new = plans()
    before = assignments(
        [
            ("a1", "E", "A", "assigned", 10.0),
            ("a2", "E", "A", "assigned", 20.0),
            ("a3", "W", "B", "assigned", 30.0),
            ("a4", "W", None, "unassigned", 40.0),
            ("a5", "S", "B", "unassigned", 50.0),  # a rep id on an unassigned row is not held
        ]
    )
    after = assignments(
        [
            ("a1", "W", "B", "assigned", 10.0),
            ("a2", "E", "A", "assigned", 20.0),
            ("a3", "W", "A", "assigned", 30.0),
            ("a4", "W", "B", "assigned", 40.0),
            ("a5", "S", None, "unassigned", 50.0),
            ("a6", "E", "A", "assigned", 60.0),  # new account
        ]
    )
    diff = diff_plans(old, new, before, after)
    accounts = diff.accounts.set_index("account_id")
    assert set(accounts.index) == {"a1", "a3", "a4", "a6"}
    ids = ["from_territory_id", "to_territory_id", "from_rep_id", "to_rep_id", "value"]
    assert accounts.loc["a1", ids].tolist() == ["E", "W", "A", "B", 10.0]
    # and by name, for the transition list (an account that had no rep came from the waiting list)
    named = ["from_territory", "to_territory", "from_rep", "to_rep"]
    assert accounts.loc["a1", named].tolist() == ["East", "West", "Ann", "Bo"]
    assert accounts.loc["a6", ["from_territory", "from_rep"]].tolist() == ["No territory", NO_REP]
    assert accounts.loc["a6", ["from_territory_id", "from_rep_id", "to_rep_id"]].tolist() == [None, None, "A"]
    handoffs = diff.handoffs.set_index("rep_id")
    assert handoffs.loc["A", ["accounts_gained", "value_gained", "accounts_lost", "value_lost"]].tolist() == [
        2, 90.0, 1, 10.0
    ]  # fmt: skip
    assert handoffs.loc["B", ["accounts_gained", "value_gained", "accounts_lost", "value_lost"]].tolist() == [
        2, 50.0, 1, 30.0
    ]  # fmt: skip
    assert handoffs.loc["A", "net_accounts"] == 1 and handoffs.loc["A", "name"] == "Ann"
    # The last row, without a rep id, is the other side of a4 (waiting, now B's) and a6 (new, now A's): with it the
    # handoffs balance.
    waiting = diff.handoffs.iloc[-1]
    assert diff.handoffs["rep_id"].iloc[-1] is None and waiting["name"] == NO_REP
    assert waiting[["accounts_gained", "accounts_lost", "value_lost"]].tolist() == [0, 2, 100.0]
    assert diff.handoffs["value_gained"].sum() == pytest.approx(diff.handoffs["value_lost"].sum()) == 140.0
    assert diff.handoffs["accounts_gained"].sum() == diff.handoffs["accounts_lost"].sum()


def test_an_account_without_a_rep_before_and_after_is_no_handoff():
    import numpy as np

    old, new = plans()
    before = assignments([("a1", "E", None, "unassigned", 10.0), ("a2", "E", "A", "assigned", 20.0)])
    after = assignments([("a1", "W", None, "unassigned", 10.0), ("a2", "W", "B", "assigned", 20.0)])
    after.loc[after["account_id"] == "a1", "rep_id"] = np.nan  # (NaN on one side, None on the other)
    diff = diff_plans(old, new, before, after)
    assert set(diff.accounts["account_id"]) == {"a1", "a2"}  # a1 changes territory
    assert diff.handoffs["rep_id"].tolist() == ["A", "B"]  # but no rep gains or loses it, and no waiting row


def test_account_moves_name_each_side_by_its_own_plan():
    # A plan drawn anew may keep an old id under a new name: an account leaving "West" is said to leave "West",
    # not the name the id has now.
    old, new = plans(
        territories=[
            {"territory_id": "E", "name": "East", "region_ids": ["US-NY", "US-NJ"]},
            {"territory_id": "W", "name": "West + South", "region_ids": ["US-CA", "US-TX"]},
        ]
    )
    before = assignments([("a1", "W", "B", "assigned", 10.0)])
    after = assignments([("a1", "E", "A", "assigned", 10.0)])
    moved = diff_plans(old, new, before, after).accounts.iloc[0]
    assert (moved["from_territory"], moved["to_territory"]) == ("West", "East")


def test_reps_added_removed_and_changed_field_by_field():
    # The Reps page's changes were in no diff: three capacities changed read as "Regions moved 0, Territories
    # changed 0", and the version history said nothing of them.
    ann = {"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "capacity": 180, "quota_attainment": 1.12,
           "specialties": ["Retail"], "home_region": "US-NY"}  # fmt: skip
    old = plan_from_dict({**OLD, "reps": [ann, {"rep_id": "B", "name": "Bo", "territory_ids": ["W"]}]})
    new = plan_from_dict(
        {**OLD, "reps": [
            {**ann, "capacity": 50, "active": False, "territory_ids": ["E", "W"], "quota_attainment": 0.9,
             "specialties": [], "home_region": "US-NJ"},
            {"rep_id": "C", "name": "Cy", "territory_ids": ["S"], "capacity": 30, "home_region": "US-NY",
             "quota_attainment": 1.1, "specialties": ["saas"]},
        ]}
    )  # fmt: skip
    diff = diff_plans(old, new, region_label={"US-NJ": "New Jersey", "US-NY": "New York"}.get)
    assert not diff.empty and diff.regions.empty and diff.territories.empty
    assert diff.reps.values.tolist() == [
        ["A", "Ann", "changed", "active yes → no; home New York → New Jersey; capacity 180 → 50; quota attainment "
         "112% → 90%; territories East → East, West; specialties retail → none"],
        ["B", "Bo", "removed", "territories West; capacity 40; active"],
        ["C", "Cy", "added", "territories South; capacity 30; active; home New York; quota attainment 110%; "
         "specialties saas"],
    ]  # fmt: skip
    # Territories by each side's own names; a rep unchanged is not listed.
    renamed = plan_from_dict({**OLD, "territories": [{**OLD["territories"][0], "name": "Eastern"}, *OLD["territories"][1:]],
                              "reps": [{"rep_id": "A", "name": "Ann", "territory_ids": ["E", "W"]}, OLD["reps"][1]]})  # fmt: skip
    assert diff_plans(plan_from_dict(OLD), renamed).reps.values.tolist() == [
        ["A", "Ann", "changed", "territories East → Eastern, West"]
    ]
    assert diff_plans(plan_from_dict(OLD), plan_from_dict(OLD)).reps.empty
    assert list(diff_plans(plan_from_dict(OLD), plan_from_dict(OLD)).reps.columns) == ["rep_id", "name", "change",
                                                                                      "detail"]  # fmt: skip


def test_rep_changes_said_in_a_line_for_the_history():
    old = plan_from_dict({**OLD, "reps": [{**r, "capacity": 180} for r in OLD["reps"]]})
    new = plan_from_dict({**OLD, "reps": [{**OLD["reps"][0], "capacity": 50}, {**OLD["reps"][1], "capacity": 180}]})
    assert rep_changes_said(rep_changes(old, new)) == "Ann capacity 180 → 50"
    many = plan_from_dict({**OLD, "reps": [{"rep_id": f"R{i}", "name": f"Rep {i}"} for i in range(5)]})
    assert rep_changes_said(rep_changes(plan_from_dict(OLD), many), shown=3) == (
        "Ann removed, Bo removed, Rep 0 added and 4 others"
    )
    assert rep_changes_said(rep_changes(old, old)) == ""


def test_merge_lists_each_conflict_with_both_sides_and_keeps_the_side_chosen():
    from territory.plan_diff import merge_plans

    base = plan_from_dict(OLD)
    mine = plan_from_dict(
        {
            **OLD,
            "territories": [{**OLD["territories"][0], "name": "East Coast"}, *OLD["territories"][1:]],
            "reps": [{**OLD["reps"][0], "capacity": 50}, OLD["reps"][1]],
        }
    )
    theirs = plan_from_dict(
        {
            **OLD,
            "territories": [{**OLD["territories"][0], "name": "Northeast"}, *OLD["territories"][1:2]],  # South gone
            "reps": [{**OLD["reps"][0], "capacity": 80}, OLD["reps"][1]],
        }
    )
    merged, conflicts = merge_plans(base, mine, theirs)
    by_key = {c.key: c for c in conflicts}
    assert set(by_key) == {"E.name", "rep A.capacity"}  # South: removed by them, untouched by me -> removed
    # named as it was in the version both started from (both renamed it), with what it was there
    assert (by_key["E.name"].what, by_key["E.name"].base, by_key["E.name"].yours, by_key["E.name"].theirs) == (
        "East: name", "East", "East Coast", "Northeast",
    )  # fmt: skip
    capacity = by_key["rep A.capacity"]
    assert (capacity.what, capacity.base, capacity.yours, capacity.theirs) == ("Rep Ann: capacity", "40", "50", "80")
    assert merged.territory("E").name == "East Coast" and merged.rep("A").capacity == 50
    assert [t.territory_id for t in merged.territories] == ["E", "W"]
    assert all(c.kept == "yours" for c in conflicts)

    merged, conflicts = merge_plans(base, mine, theirs, keep_theirs={"E.name"})
    assert merged.territory("E").name == "Northeast" and merged.rep("A").capacity == 50
    assert {c.key: c.kept for c in conflicts} == {"E.name": "theirs", "rep A.capacity": "yours"}


def test_a_rep_s_fields_are_merged_one_by_one():
    # Ann set Hannah's capacity and specialties, Bob her quota attainment: the merge kept Ann's rep whole and Bob's
    # quota was lost, said as "kept yours for Rep Hannah Kim" (a new user's test)
    from territory.plan_diff import merge_plans

    def with_rep(**changes):
        return plan_from_dict({**OLD, "reps": [{**OLD["reps"][0], **changes}, OLD["reps"][1]]})

    base = with_rep()
    mine = with_rep(capacity=330, specialties=["healthcare", "saas"])
    theirs = with_rep(quota_attainment=1.1)
    merged, conflicts = merge_plans(base, mine, theirs)
    ann = merged.rep("A")
    assert (ann.capacity, ann.specialties, ann.quota_attainment, conflicts) == (330, ("healthcare", "saas"), 1.1, [])
    # Both moved her, differently: her territories said by name, each side in its own
    merged, conflicts = merge_plans(base, with_rep(territory_ids=["W"]), with_rep(territory_ids=[]),
                                    keep_theirs={"rep A.territory_ids"})  # fmt: skip
    (moved,) = conflicts
    assert (moved.what, moved.base, moved.yours, moved.theirs, moved.kept) == (
        "Rep Ann: territories", "East", "West", "no territory", "theirs",
    )  # fmt: skip
    assert merged.rep("A").territory_ids == ()
    # A rep removed by them and changed by me is still one conflict on the rep
    gone = plan_from_dict({**OLD, "reps": [OLD["reps"][1]]})
    (removed,) = merge_plans(base, mine, gone)[1]
    assert (removed.key, removed.theirs) == ("rep A", "removed")


def test_a_conflict_on_a_quota_is_said_in_money():
    # (it read "7500000.0" against "6000000.0")
    from territory.plan_diff import merge_plans

    def with_quota(quota):
        return plan_from_dict({**OLD, "territories": [{**OLD["territories"][0], "annual_quota": quota},
                                                      *OLD["territories"][1:]]})  # fmt: skip

    _, conflicts = merge_plans(with_quota(5_000_000), with_quota(7_500_000), with_quota(6_000_000))
    (quota,) = conflicts
    assert (quota.what, quota.base, quota.yours, quota.theirs) == (
        "East: annual quota", "$5,000,000", "$7,500,000", "$6,000,000",
    )  # fmt: skip


def test_regions_by_claim_joins_a_state_only_where_all_its_counties_moved_alike():
    # Arizona's two counties both go south: one row. Texas is handed out (one county west, the other stays south):
    # its county on its own. New Jersey is claimed by no plan, only its county: the county, not the state.
    parents = {"US-04001": "US-AZ", "US-04003": "US-AZ", "US-48453": "US-TX", "US-48001": "US-TX",
               "US-34013": "US-NJ"}  # fmt: skip
    old = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-AZ"]},
                                          {"territory_id": "S", "region_ids": ["US-TX"]}], "reps": []})  # fmt: skip
    new = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-48453", "US-34013"]},
                                          {"territory_id": "S", "region_ids": ["US-AZ", "US-TX"]}], "reps": []})  # fmt: skip
    diff = diff_plans(old, new, parents=parents)
    rows = diff.regions_by_claim()
    assert rows[["region_id", "from_territory_id", "to_territory_id", "units"]].values.tolist() == [
        ["US-AZ", "W", "S", 2],
        ["US-34013", None, "W", 1],
        ["US-48453", "S", "W", 1],
    ]
    assert rows["units"].sum() == len(diff.regions) == 4
    # Half of Arizona moved: the county that moved, on its own.
    newer = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-04001"]},
                                            {"territory_id": "S", "region_ids": ["US-04003", "US-TX"]}], "reps": []})  # fmt: skip
    split = diff_plans(old, newer, parents=parents).regions_by_claim()
    assert split[["region_id", "units"]].values.tolist() == [["US-04003", 1]]
    # Without parents nothing is joined.
    assert diff_plans(old, new).regions_by_claim()["units"].eq(1).all()
