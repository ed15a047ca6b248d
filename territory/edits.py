"""Edits of a plan that return a new state knowing what moved (GerryChain's flip and flows).

A :class:`PlanState` is a plan, its accounts and their assignment. An edit — moving regions or accounts
between territories, locking an account, deactivating a rep — returns a *new* state whose ``parent`` is the
old one and whose ``flows`` list the accounts that changed territory, rep or status. Only the accounts the edit
touches are re-assigned (same rules as :func:`territory.assignment.assign_accounts`, against the reps' current
loads), and the balance tally is updated from the flows alone. Undo is the parent.

States are immutable. To keep an edit cheap on a million accounts, a state stores only its flows and reads
other accounts through its parent; the full table is built on first use of :attr:`PlanState.result`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from territory.assignment import (
    AssignmentResult,
    _assign,
    _external_load,
    _with_result,
    ancestor_map,
    prepare_accounts,
)
from territory.balance import Balance, BalanceTally, balance_from_tally, tally_assignment, workload_weights
from territory.model import Override, Plan
from territory.regions import normalize_region_id

__all__ = [
    "PlanState",
    "start",
    "move_regions",
    "move_accounts",
    "lock_account",
    "deactivate_rep",
    "plan_with_regions_moved",
    "diff_assignments",
]

_TRACKED = ["territory_id", "rep_id", "status", "reason", "reason_detail", "rule", "conflict", "claim_region_id"]
_MAX_CHAIN = 16


@dataclass(frozen=True)
class _Index:
    """Lookups shared by every state of one session: accounts by region and by id, regions by ancestor."""

    positions_by_region: dict
    descendants: dict
    account_position: pd.Index
    ancestors: dict
    engine: pd.DataFrame


@dataclass(frozen=True, eq=False)
class PlanState:
    """A plan with its accounts assigned. Build the first with :func:`start`; every edit returns a new one.

    Attributes
    ----------
    plan : Plan
    accounts : DataFrame
        The prepared accounts (shared by all states; never modified).
    regions : DataFrame
        ``region_id``, ``parent_id``.
    rep_load : Series
        Active accounts per rep after this state's assignment.
    tally : BalanceTally
    parent : PlanState or None
    flows : DataFrame
        Accounts changed by the edit that made this state: ``position``, ``account_id``, ``from_*`` / ``to_*``
        territory, claim and rep ids, ``value``, ``workload``, and the new assignment columns.
    edit : str
        What the edit did, in words.
    moved_regions : tuple of str
        Regions the edit moved (for maps and diffs).
    """

    plan: Plan
    accounts: pd.DataFrame
    regions: pd.DataFrame
    rep_load: pd.Series
    external_load: pd.Series
    tally: BalanceTally
    workload: np.ndarray
    index: _Index
    parent: PlanState | None = None
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    edit: str = "start"
    moved_regions: tuple[str, ...] = ()
    depth: int = 0
    base: pd.DataFrame | None = None

    @cached_property
    def result(self) -> pd.DataFrame:
        """The full assignment table (built from the parent and this state's flows on first use)."""
        if self.base is not None:
            return self.base
        table = self.parent.result.copy()
        if len(self.flows):
            positions = self.flows["position"].to_numpy()
            for column in _TRACKED:
                values = table[column].to_numpy(dtype=object if column != "conflict" else bool).copy()
                values[positions] = self.flows[f"new_{column}"].to_numpy()
                table[column] = pd.Series(values, index=table.index, dtype=values.dtype)
        return table

    @cached_property
    def balance(self) -> Balance:
        """Balance from the tally (not from the accounts)."""
        return balance_from_tally(self.plan, self.tally)

    def assignment(self) -> AssignmentResult:
        """The state as an :class:`~territory.assignment.AssignmentResult`."""
        return AssignmentResult(accounts=self.result, rep_load=self.rep_load, external_load=self.external_load)

    def values_at(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Tracked assignment columns at ``positions`` (sorted, unique) without building the full table."""
        state, chain = self, []
        while "result" not in state.__dict__ and state.base is None:
            chain.append(state)
            state = state.parent
        table = state.result
        out = {c: table[c].to_numpy(dtype=object if c != "conflict" else bool)[positions] for c in _TRACKED}
        for link in reversed(chain):
            if link.flows.empty:
                continue
            moved = link.flows["position"].to_numpy()
            rows = np.searchsorted(positions, moved)
            rows = np.minimum(rows, len(positions) - 1)
            hit = positions[rows] == moved if len(positions) else np.zeros(len(moved), bool)
            for column in _TRACKED:
                out[column][rows[hit]] = link.flows[f"new_{column}"].to_numpy()[hit]
        return out

    # Edits as methods, for chaining.
    def move_regions(self, region_ids, territory_id: str | None) -> PlanState:
        """See :func:`move_regions`."""
        return move_regions(self, region_ids, territory_id)

    def move_accounts(self, account_ids, territory_id: str) -> PlanState:
        """See :func:`move_accounts`."""
        return move_accounts(self, account_ids, territory_id)

    def lock_account(self, account_id: str, rep_id: str, territory_id: str | None = None) -> PlanState:
        """See :func:`lock_account`."""
        return lock_account(self, account_id, rep_id, territory_id)

    def deactivate_rep(self, rep_id: str) -> PlanState:
        """See :func:`deactivate_rep`."""
        return deactivate_rep(self, rep_id)


def start(plan: Plan, accounts: pd.DataFrame, regions: pd.DataFrame) -> PlanState:
    """Assign every account (a full run) and build the lookups later edits use.

    Parameters
    ----------
    plan : Plan
    accounts : DataFrame
        See :func:`territory.assignment.prepare_accounts`.
    regions : DataFrame
        ``region_id`` and ``parent_id``.
    """
    prepared = prepare_accounts(accounts).reset_index(drop=True)
    external = _external_load(plan, prepared)
    load = external.copy()
    ancestors = ancestor_map(regions)
    result = _with_result(prepared, _assign(plan, prepared, regions, load, ancestors))
    workload = workload_weights(plan, prepared)
    result["workload"] = workload
    region_codes = prepared["region_id"].astype(object)
    positions = {k: v for k, v in region_codes.groupby(region_codes, sort=False).indices.items()}
    descendants: dict[str, list[str]] = {}
    for region_id, chain in ancestors.items():
        for ancestor_id, _ in chain:
            descendants.setdefault(ancestor_id, []).append(region_id)
    engine = prepared[["account_id", "region_id", "industry", "tier", "value", "owner", "account_status"]]
    index = _Index(positions, descendants, pd.Index(prepared["account_id"]), ancestors, engine)
    return PlanState(
        plan=plan,
        accounts=prepared,
        regions=regions,
        rep_load=load,
        external_load=external,
        tally=tally_assignment(plan, result),
        workload=workload,
        index=index,
        base=result,
    )


def _reassign(state: PlanState, plan: Plan, positions: np.ndarray, edit: str, moved: tuple[str, ...] = ()):
    positions = np.unique(np.asarray(positions, dtype=np.int64))
    before = state.values_at(positions)
    was_assigned = before["status"] == "assigned"
    load = state.rep_load.reindex([r.rep_id for r in plan.reps]).fillna(0).astype(np.int64)
    # Release the accounts being re-assigned from the reps that hold them.
    held = pd.Series(before["rep_id"][was_assigned]).value_counts()
    load = (load - held.reindex(load.index, fill_value=0)).astype(np.int64)
    run = state.index.engine.iloc[positions].reset_index(drop=True)
    # Minimal moves: a re-assigned account stays with its current rep when the rules still allow it.
    run["owner"] = pd.Series(
        np.where(was_assigned, before["rep_id"], run["owner"].to_numpy(dtype=object)), dtype=object
    )
    new = _assign(plan, run, state.regions, load, state.index.ancestors)
    changed = np.zeros(len(positions), dtype=bool)
    for column in _TRACKED:
        old_values, new_values = before[column], new[column]
        changed |= ~((old_values == new_values) | (pd.isna(old_values) & pd.isna(new_values)))
    now_assigned = new["status"] == "assigned"
    columns = {
        "account_id": run["account_id"].to_numpy(dtype=object),
        "from_territory_id": np.where(was_assigned, before["territory_id"], None),
        "to_territory_id": np.where(now_assigned, new["territory_id"], None),
        "from_claim_id": before["territory_id"],
        "to_claim_id": new["territory_id"],
        "from_rep_id": np.where(was_assigned, before["rep_id"], None),
        "to_rep_id": np.where(now_assigned, new["rep_id"], None),
    }
    data = {"position": pd.Series(positions[changed])}
    data.update({name: pd.Series(values[changed], dtype=object) for name, values in columns.items()})
    data["value"] = pd.Series(run["value"].to_numpy(dtype=float)[changed])
    data["workload"] = pd.Series(state.workload[positions][changed])
    data.update({f"new_{c}": pd.Series(new[c][changed], dtype=object if c != "conflict" else bool) for c in _TRACKED})
    flows = pd.DataFrame(data)
    child = PlanState(
        plan=plan,
        accounts=state.accounts,
        regions=state.regions,
        rep_load=load,
        external_load=state.external_load,
        tally=state.tally.apply(flows),
        workload=state.workload,
        index=state.index,
        parent=state,
        flows=flows,
        edit=edit,
        moved_regions=moved,
        depth=state.depth + 1,
    )
    if child.depth % _MAX_CHAIN == 0:
        # Keep read paths short: materialise every few edits.
        child = replace(child, base=child.result)
    return child


def plan_with_regions_moved(plan: Plan, region_ids, territory_id: str | None) -> Plan:
    """A new plan where ``region_ids`` belong to ``territory_id`` (removed from every other territory).

    ``territory_id=None`` removes the regions from every territory (they become uncovered unless a territory
    claims an ancestor).
    """
    moving = {normalize_region_id(r) for r in region_ids}
    if territory_id is not None:
        plan.territory(territory_id)  # KeyError naming the known ids
    territories = []
    for t in plan.territories:
        kept = tuple(r for r in t.region_ids if r not in moving)
        if t.territory_id == territory_id:
            kept = kept + tuple(sorted(moving))
        territories.append(replace(t, region_ids=kept))
    return replace(plan, territories=tuple(territories))


def _positions_in_regions(state: PlanState, region_ids) -> np.ndarray:
    found = []
    for region_id in region_ids:
        for member in state.index.descendants.get(region_id, [region_id]):
            hit = state.index.positions_by_region.get(member)
            if hit is not None:
                found.append(hit)
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def move_regions(state: PlanState, region_ids, territory_id: str | None) -> PlanState:
    """Move regions (and the accounts in them and in their sub-regions) to ``territory_id``.

    Parameters
    ----------
    state : PlanState
    region_ids : iterable of str
        E.g. ``["US-36061"]`` — a county moved out of a state territory is carved out of it.
    territory_id : str or None
        The receiving territory; None leaves the regions without a territory.

    Returns
    -------
    PlanState
        With ``flows`` listing the accounts that changed and ``moved_regions`` the regions.
    """
    region_ids = tuple(dict.fromkeys(normalize_region_id(r) for r in region_ids))
    plan = plan_with_regions_moved(state.plan, region_ids, territory_id)
    target = state.plan.territory(territory_id).name if territory_id else "no territory"
    return _reassign(
        state, plan, _positions_in_regions(state, region_ids), f"Moved {', '.join(region_ids)} to {target}", region_ids
    )


def _positions_of(state: PlanState, account_ids) -> np.ndarray:
    account_ids = list(account_ids)
    positions = state.index.account_position.get_indexer(account_ids)
    if (positions < 0).any():
        unknown = [a for a, p in zip(account_ids, positions, strict=True) if p < 0][:5]
        raise KeyError(f"unknown account id(s): {', '.join(map(str, unknown))}")
    return positions


def _with_overrides(plan: Plan, overrides: dict[str, Override]) -> Plan:
    kept = tuple(o for o in plan.overrides if o.account_id not in overrides)
    return replace(plan, overrides=kept + tuple(overrides.values()))


def move_accounts(state: PlanState, account_ids, territory_id: str) -> PlanState:
    """Pin accounts to ``territory_id`` (a locked override each); a rep there is chosen by the usual rules."""
    state.plan.territory(territory_id)
    positions = _positions_of(state, account_ids)
    overrides = {a: Override(account_id=a, territory_id=territory_id, locked=True) for a in account_ids}
    plan = _with_overrides(state.plan, overrides)
    return _reassign(
        state, plan, positions, f"Moved {len(overrides)} account(s) to {state.plan.territory(territory_id).name}"
    )


def lock_account(state: PlanState, account_id: str, rep_id: str, territory_id: str | None = None) -> PlanState:
    """Lock an account to a rep (and optionally a territory); locks win over every rule."""
    rep = state.plan.rep(rep_id)
    positions = _positions_of(state, [account_id])
    plan = _with_overrides(state.plan, {account_id: Override(account_id, territory_id, rep_id, True)})
    # The lock takes a slot first: the rep's other unlocked accounts are re-run so one gives way if full.
    result = state.result
    held = (result["rep_id"] == rep_id).to_numpy() & (result["rule"] != "locked").to_numpy()
    positions = np.concatenate([positions, np.flatnonzero(held)])
    return _reassign(state, plan, positions, f"Locked {account_id} to {rep.name}")


def deactivate_rep(state: PlanState, rep_id: str) -> PlanState:
    """Deactivate a rep; the accounts they held are re-assigned (or become unassigned)."""
    rep = state.plan.rep(rep_id)
    reps = tuple(replace(r, active=False) if r.rep_id == rep_id else r for r in state.plan.reps)
    plan = replace(state.plan, reps=reps)
    positions = np.flatnonzero((state.result["rep_id"] == rep_id).to_numpy())
    return _reassign(state, plan, positions, f"Deactivated {rep.name}")


def diff_assignments(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Accounts whose territory, rep or status differ between two assignment tables (matched by account id).

    Returns
    -------
    DataFrame
        ``account_id, from_territory_id, to_territory_id, from_rep_id, to_rep_id, from_status, to_status, value``.
    """
    keys = ["territory_id", "rep_id", "status"]
    left = before.set_index("account_id")[keys + ["value"]]
    right = after.set_index("account_id")[keys]
    joined = left.join(right, how="outer", suffixes=("_before", "_after"))
    changed = pd.Series(False, index=joined.index)
    for key in keys:
        a = joined[f"{key}_before"].astype(object)
        b = joined[f"{key}_after"].astype(object)
        changed |= ~((a == b) | (a.isna() & b.isna()))
    out = joined[changed].reset_index()
    return pd.DataFrame(
        {
            "account_id": out["account_id"],
            "from_territory_id": out["territory_id_before"].astype(object),
            "to_territory_id": out["territory_id_after"].astype(object),
            "from_rep_id": out["rep_id_before"].astype(object),
            "to_rep_id": out["rep_id_after"].astype(object),
            "from_status": out["status_before"].astype(object),
            "to_status": out["status_after"].astype(object),
            "value": out["value"],
        }
    )
