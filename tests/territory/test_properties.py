"""Invariants of assignment, balance and edits, on random plans (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory import plan_from_dict
from territory.assignment import REASONS, ancestor_map, assign_accounts
from territory.balance import compute_balance, tally_assignment
from territory.edits import _TRACKED, plan_with_regions_moved, rebase, release_regions, start

REGIONS = pd.DataFrame(
    {
        "region_id": [
            "US",
            "US-NY",
            "US-NJ",
            "US-CT",
            "US-36061",
            "US-36047",
            "US-34013",
            "US-34017",
            "US-09001",
            "GB",
        ],
        "parent_id": [None, "US", "US", "US", "US-NY", "US-NY", "US-NJ", "US-NJ", "US-CT", None],
    }
)
CLAIMABLE = ["US", "US-NY", "US-NJ", "US-CT", "US-36061", "US-36047", "US-34013", "GB"]
ANCESTORS = ancestor_map(REGIONS)
LEAVES = ["US-36061", "US-36047", "US-34013", "US-34017", "US-09001", "GB", None]
INDUSTRIES = ["fintech", "saas", "health", None]
TIERS = ["enterprise", "mid-market", "smb", None]


@st.composite
def scenarios(draw):
    n_territories = draw(st.integers(1, 4))
    territories = []
    for i in range(n_territories):
        territories.append(
            {
                "territory_id": f"T{i}",
                "region_ids": draw(st.lists(st.sampled_from(CLAIMABLE), max_size=3, unique=True)),
                "industries": draw(st.lists(st.sampled_from(INDUSTRIES[:3]), max_size=2, unique=True)),
                "tiers": draw(st.lists(st.sampled_from(TIERS[:3]), max_size=2, unique=True)),
                "priority": draw(st.integers(0, 2)),
            }
        )
    ids = [t["territory_id"] for t in territories]
    reps = []
    for i in range(draw(st.integers(0, 5))):
        reps.append(
            {
                "rep_id": f"R{i}",
                "territory_ids": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
                "capacity": draw(st.integers(0, 6)),
                "current_accounts": draw(st.one_of(st.none(), st.integers(0, 4))),
                "quota_attainment": draw(st.sampled_from([0.5, 1.0, 1.5])),
                "specialties": draw(st.lists(st.sampled_from(INDUSTRIES[:3] + TIERS[:3]), max_size=2, unique=True)),
                "active": draw(st.booleans()),
            }
        )
    rep_ids = [r["rep_id"] for r in reps]
    n_accounts = draw(st.integers(0, 40))
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n_accounts)],
            "region_id": [draw(st.sampled_from(LEAVES)) for _ in range(n_accounts)],
            "industry": [draw(st.sampled_from(INDUSTRIES)) for _ in range(n_accounts)],
            "tier": [draw(st.sampled_from(TIERS)) for _ in range(n_accounts)],
            "value": [float(draw(st.integers(0, 5))) for _ in range(n_accounts)],
            "owner": [draw(st.sampled_from([None, *rep_ids])) for _ in range(n_accounts)],
            "status": [draw(st.sampled_from(["customer", "prospect"])) for _ in range(n_accounts)],
        }
    )
    overrides = []
    if n_accounts and rep_ids:
        for account in draw(st.lists(st.sampled_from(list(accounts["account_id"])), max_size=3, unique=True)):
            overrides.append({"account_id": account, "rep_id": draw(st.sampled_from(rep_ids))})
    plan = plan_from_dict({"name": "p", "territories": territories, "reps": reps, "overrides": overrides})
    return plan, accounts


def check_invariants(plan, result_accounts, rep_load, external):
    acc = result_accounts
    # Exactly one status each, with a reason only when unassigned.
    assert set(acc["status"]) <= {"assigned", "unassigned"}
    assigned = acc["status"] == "assigned"
    assert acc.loc[assigned, "reason"].isna().all()
    assert acc.loc[assigned, "rep_id"].notna().all()
    assert acc.loc[~assigned, "reason"].isin(REASONS).all()
    assert acc.loc[~assigned, "rep_id"].isna().all()
    # Loads add up.
    counts = acc.loc[assigned, "rep_id"].value_counts()
    for rep in plan.reps:
        assert rep_load[rep.rep_id] == counts.get(rep.rep_id, 0) + external[rep.rep_id]
    # No rep above capacity, except where locks alone put them there.
    locked = acc.loc[assigned & (acc["rule"] == "locked"), "rep_id"].value_counts()
    for rep in plan.reps:
        unlocked = counts.get(rep.rep_id, 0) - locked.get(rep.rep_id, 0)
        if unlocked:
            assert rep_load[rep.rep_id] <= max(rep.capacity, external[rep.rep_id] + locked.get(rep.rep_id, 0))
    # No account waits for a rep while an active rep of its territory has room.
    waiting = acc.loc[~assigned & acc["territory_id"].notna(), "territory_id"]
    for territory_id in set(waiting):
        for rep in plan.reps:
            if rep.active and territory_id in rep.territory_ids:
                assert rep_load[rep.rep_id] >= rep.capacity, (territory_id, rep.rep_id)
    # Inactive reps get nothing.
    inactive = {r.rep_id for r in plan.reps if not r.active}
    assert not set(acc.loc[assigned, "rep_id"]) & inactive
    # Locks to active reps are honoured.
    active = {r.rep_id for r in plan.reps if r.active}
    by_id = acc.set_index("account_id")
    for override in plan.overrides:
        if override.locked and override.rep_id in active and override.account_id in by_id.index:
            assert by_id.loc[override.account_id, "rep_id"] == override.rep_id
            assert by_id.loc[override.account_id, "rule"] == "locked"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_assignment_invariants(scenario):
    plan, accounts = scenario
    result = assign_accounts(plan, accounts, REGIONS)
    assert len(result.accounts) == len(accounts)
    check_invariants(plan, result.accounts, result.rep_load, result.external_load)


def tallies_equal(a, b):
    for left, right in ((a.territories, b.territories), (a.reps, b.reps)):
        keys = left.index.union(right.index)
        left = left.reindex(keys, fill_value=0.0)[sorted(right.columns)]
        right = right.reindex(keys, fill_value=0.0)[sorted(right.columns)]
        np.testing.assert_allclose(left.to_numpy(dtype=float), right.to_numpy(dtype=float), atol=1e-9)


def generated_edit(state, kind: str, a: int, b: int):
    """The edit ``kind`` (regions, accounts, lock, deactivate, rebase, roster) picked by ``a`` and ``b``; None if none fits."""
    territories = [t.territory_id for t in state.plan.territories]
    reps = [r.rep_id for r in state.plan.reps]
    ids = list(state.accounts["account_id"])
    region = CLAIMABLE[a % len(CLAIMABLE)]
    if kind == "regions":
        return state.move_regions([region], territories[b % len(territories)] if b % 5 else None)
    if kind == "accounts" and ids:
        return state.move_accounts([ids[a % len(ids)]], territories[b % len(territories)])
    if kind == "lock" and ids and reps:
        return state.lock_account(ids[a % len(ids)], reps[b % len(reps)])
    if kind == "deactivate" and reps:
        return state.deactivate_rep(reps[a % len(reps)])
    if kind == "rebase":  # (another plan, as the Rebalance page's accept or a plan merge gives it)
        other = plan_with_regions_moved(state.plan, [region], territories[b % len(territories)], ancestors=ANCESTORS)
        return rebase(state, other)
    if kind == "roster" and reps:  # (the Reps page: a rep's capacity and accounts held outside the data changed)
        changed = replace(state.plan.rep(reps[a % len(reps)]), capacity=1 + b % 5, current_accounts=(a + b) % 4)
        plan = replace(state.plan, reps=tuple(changed if r.rep_id == changed.rep_id else r for r in state.plan.reps))
        return rebase(state, plan)
    return None


def edit_sequences(kinds=("regions", "accounts", "lock", "deactivate"), max_size: int = 8):
    """Sessions of edits for :func:`generated_edit`: (kind, a, b) each."""
    return st.lists(
        st.tuples(st.sampled_from(list(kinds)), st.integers(0, 1000), st.integers(0, 1000)),
        min_size=1,
        max_size=max_size,
    )


edits = edit_sequences(("regions", "accounts", "lock", "deactivate", "roster"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), edits)
def test_incremental_balance_equals_full_recompute_after_every_edit(scenario, sequence):
    plan, accounts = scenario
    state = start(plan, accounts, REGIONS)
    tallies_equal(state.tally, tally_assignment(state.plan, state.result))
    for kind, a, b in sequence:
        edited = generated_edit(state, kind, a, b)
        if edited is None:
            continue
        state = edited
        full = tally_assignment(state.plan, state.result)
        tallies_equal(state.tally, full)
        incremental = state.balance.territories.set_index("territory_id")
        recomputed = compute_balance(state.plan, state.result).territories.set_index("territory_id")
        pd.testing.assert_frame_equal(incremental, recomputed, check_dtype=False)
        check_invariants(state.plan, state.result, state.rep_load, state.external_load)
        assert state.parent is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 1000), st.integers(0, 1000))
def test_a_region_moved_away_and_back_leaves_every_account_where_it_was(scenario, a, b):
    # (a click away and back gave the region's reps' room to smaller accounts waiting there, and the region's own
    # accounts came back to wait: a new user's test)
    plan, accounts = scenario
    state = start(plan, accounts, REGIONS)
    held = [(r, t.territory_id) for t in plan.territories for r in t.region_ids
            if sum(r in u.region_ids for u in plan.territories) == 1]  # fmt: skip
    if not held:
        return
    region, home = held[a % len(held)]
    others = [t.territory_id for t in plan.territories if t.territory_id != home] + [None]
    target = others[b % len(others)]
    away = state.move_regions([region], target)
    if target is not None and region in away.plan.territory(home).region_ids:
        # (a focused territory took a share of the region beside its holder: painting it again takes it out of the
        # focused one alone, the way back; moving it to its holder, which still has it, changes nothing)
        back = release_regions(away, [region], target)
    else:
        back = away.move_regions([region], home)
        if target is not None and region in back.plan.territory(target).region_ids:
            # (given back to a focused home, the target ranking below keeps its claim beside it, for the accounts
            # the home does not take, as painting says: taken out of the target too, the plan is as it was)
            back = release_regions(back, [region], target)
    pd.testing.assert_frame_equal(back.result[_TRACKED], state.result[_TRACKED])  # the rule and the claim too
    check_invariants(back.plan, back.result, back.rep_load, back.external_load)


@pytest.mark.parametrize("seed", range(3))
def test_undo_restores_the_previous_balance(seed):
    rng = np.random.default_rng(seed)
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "E", "region_ids": ["US-NY"]},
                {"territory_id": "W", "region_ids": ["US-NJ"]},
            ],
            "reps": [
                {"rep_id": "A", "territory_ids": ["E"], "capacity": 30},
                {"rep_id": "B", "territory_ids": ["W"], "capacity": 30},
            ],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(40)],
            "region_id": rng.choice(LEAVES[:5], 40),
            "value": rng.integers(1, 9, 40).astype(float),
        }
    )
    state = start(plan, accounts, REGIONS)
    moved = state.move_regions(["US-36061"], "W")
    assert moved.edit == "Moved US-36061 to W"
    assert set(moved.flows["from_territory_id"].dropna()) <= {"E"}
    assert set(moved.flows["to_claim_id"]) == {"W"}
    undone = moved.parent
    pd.testing.assert_frame_equal(undone.balance.territories, state.balance.territories)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 4),
            st.sampled_from([0.5, 1.0, 1.0, 1.5]),
            st.lists(st.sampled_from(["fintech", "saas", "smb"]), max_size=2, unique=True),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(
        st.tuples(st.sampled_from(["fintech", "saas", "health", None]), st.sampled_from(["smb", "enterprise"])),
        max_size=30,
    ),
)
def test_vectorised_fill_equals_one_account_at_a_time(rep_specs, account_specs):
    from territory.assignment import _RepTable

    reps = [
        {"rep_id": f"R{i}", "territory_ids": ["E"], "capacity": cap, "quota_attainment": att, "specialties": spec}
        for i, (cap, _, att, spec) in enumerate(rep_specs)
    ]
    plan = plan_from_dict({"territories": [{"territory_id": "E"}], "reps": reps})
    load = pd.Series([held for _, held, _, _ in rep_specs], index=[r["rep_id"] for r in reps])
    industries = np.array([a for a, _ in account_specs], dtype=object)
    tiers = np.array([t for _, t in account_specs], dtype=object)
    members = np.arange(len(account_specs))
    fast = _RepTable(plan, load)
    slow = _RepTable(plan, load)
    chosen_fast = fast.fill_exclusive(0, members, industries, tiers)
    chosen_slow = slow.fill_shared(members, np.zeros(len(members), dtype=np.int64), industries, tiers)
    np.testing.assert_array_equal(chosen_fast, chosen_slow)
    np.testing.assert_array_equal(fast.loads, slow.loads)


def test_a_state_moved_back_to_a_focused_territory_that_also_claims_its_country_wins_its_accounts_again():
    # Found by the property test above in CI: US-NY moved from T2 (enterprise, priority 1, also claiming US) to T0 and
    # back was not listed in T2 again (T2 reaches it through US), and T0, keeping its claim beside the focused T2,
    # kept Manhattan's enterprise account through the nearer claim.
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [
        {"territory_id": "T0", "region_ids": []},
        {"territory_id": "T1", "region_ids": ["US-NJ"]},
        {"territory_id": "T2", "region_ids": ["US", "US-NY"], "tiers": ["enterprise"], "priority": 1},
    ], "reps": []})  # fmt: skip
    accounts = pd.DataFrame({"account_id": ["A0"], "region_id": ["US-36061"], "industry": ["fintech"],
                             "tier": ["enterprise"], "value": [0.0], "owner": [None], "status": ["customer"]})  # fmt: skip
    state = start(plan, accounts, REGIONS)
    back = state.move_regions(["US-NY"], "T0").move_regions(["US-NY"], "T2")
    assert "US-NY" in back.plan.territory("T2").region_ids
    pd.testing.assert_frame_equal(back.result[_TRACKED], state.result[_TRACKED])
    check_invariants(back.plan, back.result, back.rep_load, back.external_load)
