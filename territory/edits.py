"""Edits of a plan that return a new state knowing what moved (GerryChain's flip and flows).

A :class:`PlanState` is a plan, its accounts and their assignment. An edit — moving regions or accounts
between territories, locking an account, deactivating a rep — returns a *new* state whose ``parent`` is the
old one and whose ``flows`` list the accounts that changed territory, rep or status. Only the accounts the edit
touches are re-assigned (same rules as :func:`territory.assignment.assign_accounts`, against the reps' current
loads), each staying with the rep it has where the rules still allow (minimal moves), and the balance tally is
updated from the flows alone. Undo is the parent. An edit that brings back a plan the session had before (a region
moved away and back) brings back the assignment it had then, exactly: minimal moves alone would leave the room the
region's accounts gave up to others.

States are immutable. To keep an edit cheap on a million accounts, a state stores only its flows and reads
other accounts through its parent; the full table is built on first use of :attr:`PlanState.result`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from territory.assignment import (
    KEPT_COLUMN,
    AssignmentResult,
    _assign,
    _external_from_owned,
    _with_result,
    ancestor_map,
    prepare_accounts,
)
from territory.balance import Balance, BalanceTally, balance_from_tally, tally_assignment, workload_weights
from territory.formatting import and_list, counted, money
from territory.model import PALETTE, Override, Plan, Territory, normalize_tier
from territory.regions import normalize_region_id

__all__ = [
    "PlanState",
    "start",
    "move_regions",
    "move_accounts",
    "lock_account",
    "deactivate_rep",
    "rebase",
    "session_start",
    "plan_with_regions_moved",
    "release_regions",
    "shares_regions_with",
    "diff_assignments",
    "create_territory",
    "split_territory",
    "merge_territories",
    "update_territory",
    "next_color",
    "free_id",
    "next_rep_id",
    "new_territory_id",
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
    owned: pd.Series
    """Accounts per owner in the data (what a rep's declared current accounts include)."""
    first_rep: np.ndarray
    """The rep each account had when the session started (None when it waited)."""


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
    waiting, waiting_in : ndarray
        Positions of the accounts in a territory that wait for a rep (every rep there full, or none), and that
        territory's id: an edit that leaves a rep of such a territory with room (it took accounts from them, or
        raised their capacity) runs them again, so that they are served as a full run would serve them.
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
    waiting: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    waiting_in: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    @cached_property
    def result(self) -> pd.DataFrame:
        """The full assignment table (built on first use from the nearest earlier table and the edits' flows since).

        The states between keep no table of their own (read back after an undo, each filled its cache on the way:
        15 tables held where the history keeps 3, a review).
        """
        if self.base is not None:
            return self.base
        state, chain = self._nearest_table()
        table = state.result.copy()
        moved = [link.flows for link in reversed(chain) if len(link.flows)]
        if moved:
            for column in _TRACKED:
                values = table[column].to_numpy(dtype=object if column != "conflict" else bool).copy()
                for flows in moved:
                    values[flows["position"].to_numpy()] = flows[f"new_{column}"].to_numpy()
                table[column] = pd.Series(values, index=table.index, dtype=values.dtype)
        return table

    def _nearest_table(self) -> tuple[PlanState, list[PlanState]]:
        """The nearest of this state and those before it that holds its table, and the states after it, newest first."""
        state, chain = self, []
        while "result" not in state.__dict__ and state.base is None:
            chain.append(state)
            state = state.parent
        return state, chain

    def release_table(self) -> None:
        """Drop the full assignment table built for this state, where it can be built again from its parent.

        Memory, not meaning: :attr:`result` is the same when read again. At 150,000 accounts each table is ~37 MB,
        and a session kept every one it had read (a review: +37 MB an edit, 2 GB after 24 clicks).
        """
        if self.base is None and self.parent is not None:
            self.__dict__.pop("result", None)

    def forget_earlier(self) -> None:
        """Keep this state's table as its own and drop the link to its parent: the steps before it are forgotten.

        Memory, not meaning: the state reads as before, but a plan only an earlier step had is no longer found again
        (:func:`rebase`); :class:`~territory.history.EditHistory` does it to its oldest step, so that the steps it
        has let go of are freed.
        """
        if self.parent is None:
            return
        object.__setattr__(self, "base", self.result)
        object.__setattr__(self, "parent", None)

    @property
    def plan_key(self) -> tuple:
        """What of the plan the assignment reads (see :func:`_plan_key`), to find a plan this session had before."""
        return _plan_key(self.plan)

    @cached_property
    def plan_hash(self) -> int:
        """``hash(self.plan_key)``, computed once (the key itself is not kept: with many overrides it is large)."""
        return hash(self.plan_key)

    @cached_property
    def balance(self) -> Balance:
        """Balance from the tally (not from the accounts)."""
        return balance_from_tally(self.plan, self.tally)

    def assignment(self) -> AssignmentResult:
        """The state as an :class:`~territory.assignment.AssignmentResult`."""
        return AssignmentResult(accounts=self.result, rep_load=self.rep_load, external_load=self.external_load)

    def values_at(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Tracked assignment columns at ``positions`` (sorted, unique) without building the full table."""
        state, chain = self._nearest_table()
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


def start(
    plan: Plan, accounts: pd.DataFrame, regions: pd.DataFrame, *, keep=None, owners_first: bool = False
) -> PlanState:
    """Assign every account (a full run) and build the lookups later edits use.

    Parameters
    ----------
    plan : Plan
    accounts : DataFrame
        See :func:`territory.assignment.prepare_accounts`.
    regions : DataFrame
        ``region_id`` and ``parent_id``.
    keep : mapping or Series, optional
        Account id → rep id it had (the assignment saved with a plan version): each account keeps that rep where
        the rules allow (rule ``kept``, or ``owner`` when it is the owner in the data), before any account without
        one is given to its owner, so a reopened version shows the assignment that was saved, not a reshuffle of
        the prospects (a waiting customer took the slot its owner's prospect had).
    owners_first : bool, default False
        Let the owners in the data keep their accounts before the reps of ``keep`` (rule ``owner``, then
        ``kept``): for owners just matched to reps (a rep's CRM id added), who should get their accounts.
    """
    prepared = prepare_accounts(accounts).reset_index(drop=True)
    owned = prepared["owner"].value_counts()
    external = _external_from_owned(plan, owned)
    load = external.copy()
    ancestors = ancestor_map(regions)
    run, relabel = prepared, None
    if keep is not None and len(keep):
        saved = pd.Series(keep, dtype=object).dropna()
        saved.index = saved.index.astype(str)
        kept_rep = prepared["account_id"].astype(str).map(saved).astype(object)
        if owners_first:
            run = prepared.assign(**{KEPT_COLUMN: kept_rep})
        else:
            # The saved reps first (as owners), then the owners in the data of the accounts that had none.
            has = kept_rep.notna().to_numpy()
            crm_owner = prepared["owner"].astype(object).where(prepared["owner"].notna(), None).to_numpy(dtype=object)
            run = prepared.assign(
                owner=pd.Series(np.where(has, kept_rep.to_numpy(dtype=object), None), dtype=object),
                **{KEPT_COLUMN: pd.Series(np.where(has, None, crm_owner), dtype=object)},
            )
            relabel = crm_owner
    assigned = _assign(plan, run, regions, load, ancestors)
    if relabel is not None:  # (rules as a full run names them: "owner" for the owner in the data, else "kept")
        rule, rep = np.asarray(assigned["rule"], dtype=object), np.asarray(assigned["rep_id"], dtype=object)
        by_owner = (rule == "kept") | ((rule == "owner") & (rep == relabel))
        assigned = {**assigned, "rule": np.where(by_owner, "owner", np.where(rule == "owner", "kept", rule))}
    result = _with_result(prepared, assigned)
    workload = workload_weights(plan, prepared)
    result["workload"] = workload
    region_codes = prepared["region_id"].astype(object)
    positions = {k: v for k, v in region_codes.groupby(region_codes, sort=False).indices.items()}
    descendants: dict[str, list[str]] = {}
    for region_id, chain in ancestors.items():
        for ancestor_id, _ in chain:
            descendants.setdefault(ancestor_id, []).append(region_id)
    engine = prepared[["account_id", "region_id", "industry", "tier", "value", "owner", "account_status"]]
    first_rep = np.where(
        result["status"].to_numpy(dtype=object) == "assigned", result["rep_id"].to_numpy(dtype=object), None
    )
    index = _Index(positions, descendants, pd.Index(prepared["account_id"]), ancestors, engine, owned, first_rep)
    waiting, waiting_in = _waiting(
        result["status"].to_numpy(dtype=object), result["territory_id"].to_numpy(dtype=object)
    )
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
        waiting=waiting,
        waiting_in=waiting_in,
    )


def _waiting(status: np.ndarray, territory: np.ndarray, positions: np.ndarray | None = None):
    """Positions (of ``positions``, or of all) of unassigned accounts that have a territory, and that territory."""
    waits = (status == "unassigned") & pd.notna(territory)
    found = np.flatnonzero(waits) if positions is None else positions[waits]
    return found, np.asarray(territory, dtype=object)[waits]


def _with_room(plan: Plan, load: pd.Series) -> list[str]:
    """Territories where an active rep is below capacity, given ``load`` (rep id → accounts)."""
    return sorted({t for r in plan.reps if r.active and load.get(r.rep_id, 0) < r.capacity for t in r.territory_ids})


def _plan_key(plan: Plan) -> tuple:
    """What of ``plan`` the assignment reads, in one order (an assignment valid under one is valid under the other).

    A plan the session had before can so take back the assignment it had then.
    Regions and carve-outs are sets (a region moved out and back is listed last); of the locks, the last of each
    account, as :func:`territory.assignment._assign` reads them, as a set (a lock replaced is listed last); names,
    colours and quotas are left out (a territory renamed between a region's move away and back is the same plan).
    The plan's accounts are compared apart (by :func:`_earlier_with`).
    """
    territories = tuple(
        replace(t, name="", color="", annual_quota=0.0, region_ids=tuple(sorted(set(t.region_ids))))
        for t in plan.territories
    )
    reps = tuple(replace(r, name="") for r in plan.reps)
    locks = frozenset({o.account_id: o for o in plan.overrides if o.locked}.values())
    unlocked = frozenset(o for o in plan.overrides if not o.locked)
    return territories, reps, locks, unlocked, plan.settings, frozenset(plan.unclaimed_region_ids)


def _earlier_with(state: PlanState, plan: Plan) -> PlanState | None:
    """The nearest of ``state`` and its ancestors whose plan assigns as ``plan`` does, if any."""
    key = _plan_key(plan)
    wanted = hash(key)
    link = state
    while link is not None:
        if link.plan_hash == wanted and _plan_key(link.plan) == key:
            if link.plan.accounts is plan.accounts or link.plan.accounts == plan.accounts:
                return link
        link = link.parent
    return None


def _restored(state: PlanState, earlier: PlanState, plan: Plan, edit: str, moved: tuple[str, ...]) -> PlanState:
    """A child of ``state`` with ``earlier``'s assignment (the same plan): what every edit since changed, undone."""
    touched, link = [], state
    while link is not earlier:
        if len(link.flows):
            touched.append(link.flows["position"].to_numpy(dtype=np.int64))
        link = link.parent
    positions = np.unique(np.concatenate(touched)) if touched else np.zeros(0, dtype=np.int64)
    before, after = state.values_at(positions), earlier.values_at(positions)
    changed = np.zeros(len(positions), dtype=bool)
    for column in _TRACKED:
        changed |= _differs(before[column], after[column])
    return _child(
        state,
        plan,
        positions[changed],
        {c: v[changed] for c, v in before.items()},
        {c: v[changed] for c, v in after.items()},
        edit=edit,
        moved=moved,
        rep_load=earlier.rep_load,
        external_load=earlier.external_load,
        tally=earlier.tally,
        waiting=(earlier.waiting, earlier.waiting_in),
    )


def _differs(old_values: np.ndarray, new_values: np.ndarray) -> np.ndarray:
    return ~((old_values == new_values) | (pd.isna(old_values) & pd.isna(new_values)))


def _child(state: PlanState, plan: Plan, positions: np.ndarray, before: dict, new: dict, *, edit: str,
           moved: tuple[str, ...], rep_load: pd.Series, external_load: pd.Series, tally: BalanceTally | None,
           waiting: tuple) -> PlanState:  # fmt: skip
    """The state after ``state`` where the accounts at ``positions`` go from ``before`` to ``new`` (all changed)."""
    was_assigned = before["status"] == "assigned"
    now_assigned = new["status"] == "assigned"
    columns = {
        "account_id": state.index.engine["account_id"].iloc[positions].to_numpy(dtype=object),
        "from_territory_id": np.where(was_assigned, before["territory_id"], None),
        "to_territory_id": np.where(now_assigned, new["territory_id"], None),
        "from_claim_id": before["territory_id"],
        "to_claim_id": new["territory_id"],
        "from_rep_id": np.where(was_assigned, before["rep_id"], None),
        "to_rep_id": np.where(now_assigned, new["rep_id"], None),
    }
    data = {"position": pd.Series(positions, dtype=np.int64)}
    data.update({name: pd.Series(values, dtype=object) for name, values in columns.items()})
    data["value"] = pd.Series(state.index.engine["value"].iloc[positions].to_numpy(dtype=float))
    data["workload"] = pd.Series(state.workload[positions])
    data.update({f"new_{c}": pd.Series(new[c], dtype=object if c != "conflict" else bool) for c in _TRACKED})
    flows = pd.DataFrame(data)
    child = PlanState(
        plan=plan,
        accounts=state.accounts,
        regions=state.regions,
        rep_load=rep_load,
        external_load=external_load,
        tally=state.tally.apply(flows) if tally is None else tally,
        workload=state.workload,
        index=state.index,
        parent=state,
        flows=flows,
        edit=edit,
        moved_regions=moved,
        depth=state.depth + 1,
        waiting=waiting[0],
        waiting_in=waiting[1],
    )
    if child.depth % _MAX_CHAIN == 0:
        # Keep read paths short: materialise every few edits.
        child = replace(child, base=child.result)
    return child


def _reassign(state: PlanState, plan: Plan, positions: np.ndarray, edit: str, moved: tuple[str, ...] = (), *,
              search: bool = True):  # fmt: skip
    """The child of ``state`` under ``plan``, the accounts at ``positions`` (those the edit touches) run again.

    A plan this session had before (a region moved away and back, a setting changed and changed back) gets the
    assignment it had then, exactly. Any other plan: the accounts the edit touches, and those waiting in a
    territory where a rep now has room, are assigned again against the reps' loads, each staying with the rep it
    has where the rules still allow (minimal moves).
    """
    earlier = _earlier_with(state, plan) if search else None
    if earlier is not None:
        return _restored(state, earlier, plan, edit, moved)
    positions = np.unique(np.asarray(positions, dtype=np.int64))
    held_before = state.values_at(positions)
    rep_ids = [r.rep_id for r in plan.reps]
    # The accounts each rep holds outside the data, as this plan declares them (a rep added, or a count changed).
    external = _external_from_owned(plan, state.index.owned)
    load = state.rep_load.reindex(rep_ids).fillna(0) - state.external_load.reindex(rep_ids).fillna(0) + external
    load = load.astype(np.int64)
    # Release the accounts being re-assigned from the reps that hold them.
    holders = held_before["rep_id"][held_before["status"] == "assigned"]
    load = (load - pd.Series(holders).value_counts().reindex(load.index, fill_value=0)).astype(np.int64)
    # The accounts waiting for a rep in a territory where a rep now has room (the edit took accounts from them, or
    # raised their capacity) run again with those the edit touches, as a full run would serve them.
    if len(state.waiting):
        extra = state.waiting[np.isin(state.waiting_in, _with_room(plan, load))]
        if len(extra):
            positions = np.union1d(positions, extra)
    before = state.values_at(positions) if len(positions) != len(held_before["status"]) else held_before
    # Minimal moves: a re-assigned account stays with its current rep when the rules still allow it; else it goes
    # back to the rep it had when the session started, if that rep covers its territory and has room (a county
    # moved away and back while another edit came between, which no restore covers, finds its reps again). An
    # account waiting for a rep tries that rep, else its owner in the data, only after every account kept its
    # rep: as an owner it took the slot of an account its rep held (a customer before a prospect), a move no
    # edit asked for (a rebase onto a plan that changed elsewhere made the prospect wait).
    start_load = load.copy()  # (_assign leaves the loads after the run in it)
    new = _assign_again(state, plan, positions, before, load)
    # An account that would go back to the rep it had when the session started, but waits because accounts that
    # were not that rep's then took the room it left (a county moved away, another edit, the county back): those
    # give way and are run again with it, taking what room is left, as the same edits in another order (a
    # restore) or a full run have it.
    giving_way = _giving_way(state, plan, positions, new)
    if len(giving_way):
        released = state.values_at(np.setdiff1d(giving_way, positions))
        load = start_load - pd.Series(released["rep_id"]).value_counts().reindex(start_load.index, fill_value=0)
        load = load.astype(np.int64)
        positions = np.union1d(positions, giving_way)
        before = state.values_at(positions)
        new = _assign_again(state, plan, positions, before, load, released=np.isin(positions, giving_way))
    was_assigned = before["status"] == "assigned"

    def differs(column):
        return _differs(before[column], new[column])

    changed = np.zeros(len(positions), dtype=bool)
    for column in _TRACKED:
        changed |= differs(column)
    # An assigned account that keeps its territory, rep and claim only because its rep may keep it (the "owner"
    # rule used for minimal moves) was kept, not moved: its record (the rule that first placed it) stays; unless
    # that record is a lock the new plan no longer has (a lock lifted, or an account pinned to its territory
    # alone), then it reads as kept by the rep who held it ("kept"), or by its owner.
    kept = was_assigned & ~differs("territory_id") & ~differs("rep_id") & ~differs("status")
    kept &= ~differs("claim_region_id") & (~differs("rule") | (new["rule"] == "owner"))
    unlocked = kept & (before["rule"] == "locked") & (new["rule"] != "locked")
    if unlocked.any():
        crm_owner = state.index.engine["owner"].iloc[positions].to_numpy(dtype=object)
        relabel = np.where(crm_owner == new["rep_id"], "owner", "kept")
        new = {**new, "rule": np.where(unlocked & (new["rule"] == "owner"), relabel, new["rule"])}
        kept &= ~unlocked
    changed &= ~kept
    rerun = np.isin(state.waiting, positions)
    waiting, waiting_in = _waiting(new["status"], new["territory_id"], positions)
    return _child(
        state,
        plan,
        positions[changed],
        {c: v[changed] for c, v in before.items()},
        {c: np.asarray(v)[changed] for c, v in new.items()},
        edit=edit,
        moved=moved,
        rep_load=load,
        external_load=external,
        tally=None,
        waiting=(
            np.concatenate([state.waiting[~rerun], waiting]),
            np.concatenate([state.waiting_in[~rerun], waiting_in]),
        ),
    )


def _assign_again(
    state: PlanState,
    plan: Plan,
    positions: np.ndarray,
    before: dict,
    load: pd.Series,
    *,
    released: np.ndarray | None = None,
) -> dict:
    """:func:`~territory.assignment._assign` of the accounts at ``positions`` for an edit (minimal moves).

    ``before``: their assignment now. Each keeps its rep where the rules allow (unless ``released``: it gives way),
    else goes back to its rep at the session's start, else to its owner in the data (one that waits).
    """
    was_assigned = before["status"] == "assigned"
    staying = was_assigned if released is None else was_assigned & ~released
    run = state.index.engine.iloc[positions].reset_index(drop=True)
    first_rep = state.index.first_rep[positions]
    crm_owner = run["owner"].astype(object).where(run["owner"].notna(), None).to_numpy(dtype=object)
    run["owner"] = pd.Series(np.where(staying, before["rep_id"], None), dtype=object)
    run[KEPT_COLUMN] = pd.Series(np.where(was_assigned | pd.notna(first_rep), first_rep, crm_owner), dtype=object)
    new = _assign(plan, run, state.regions, load, state.index.ancestors)
    served = ~was_assigned & (new["rule"] == "kept") & (new["rep_id"] == crm_owner)
    if served.any():  # (served by its owner in the data, as a full run says it)
        new = {**new, "rule": np.where(served, "owner", new["rule"])}
    return new


def _giving_way(state: PlanState, plan: Plan, positions: np.ndarray, new: dict) -> np.ndarray:
    """Positions of accounts that give way to accounts going back to their rep at the session's start.

    An account of ``positions`` waits (``new``) in a territory its session-start rep covers, and that rep is full
    with accounts it did not hold at the start (they took the room it left): as many of those as wait for it give
    way, the last in the assignment order first (prospects before customers, lower value first), locked ones never.
    """
    first_rep = state.index.first_rep[positions]
    waiting = (new["status"] != "assigned") & pd.notna(first_rep) & pd.notna(new["territory_id"])
    if not waiting.any():
        return np.zeros(0, dtype=np.int64)
    active = {r.rep_id: set(r.territory_ids) for r in plan.reps if r.active}
    wanted = pd.Series(
        [r for r, t in zip(first_rep[waiting], new["territory_id"][waiting], strict=True) if t in active.get(r, ())],
        dtype=object,
    ).value_counts()
    if wanted.empty:
        return np.zeros(0, dtype=np.int64)
    result = state.result  # (reps of every account: a rare case, once per such edit)
    rep_now = result["rep_id"].to_numpy(dtype=object).copy()
    rule_now = result["rule"].to_numpy(dtype=object).copy()
    rep_now[positions] = new["rep_id"]
    rule_now[positions] = new["rule"]
    engine = state.index.engine
    customer = (engine["account_status"] == "customer").to_numpy(dtype=bool, na_value=False)
    value = engine["value"].to_numpy(dtype=float)
    out = []
    for rep_id, count in wanted.items():
        newcomers = np.flatnonzero((rep_now == rep_id) & (state.index.first_rep != rep_id) & (rule_now != "locked"))
        last_first = newcomers[np.lexsort((-newcomers, value[newcomers], customer[newcomers]))]
        out.append(last_first[:count])
    return np.unique(np.concatenate(out)).astype(np.int64)


def plan_with_regions_moved(
    plan: Plan,
    region_ids,
    territory_id: str | None,
    *,
    ancestors: dict | None = None,
    list_reached: bool = False,
    share: bool = True,
) -> Plan:
    """A new plan where ``region_ids`` belong to ``territory_id`` (removed from the other territories it outranks).

    A territory with a focus (industries or tiers) takes only the accounts it admits, so the other territories
    claiming a region keep their claim where :func:`shares_regions_with` says they can: they keep the accounts it
    does not take. Every other claim on the regions is removed.

    Parameters
    ----------
    plan : Plan
    region_ids : iterable of str
    territory_id : str or None
        None takes the regions out of every territory: a region that a territory still reaches through an
        ancestor (a county of a state territory) is carved out (:attr:`Plan.unclaimed_region_ids`).
    ancestors : dict, optional
        :func:`territory.assignment.ancestor_map`; without it every region moved to None is carved out.
    list_reached : bool, default False
        List a region in ``territory_id`` even where the territory already reaches it through an ancestor that is
        its alone (a county given back to its state's territory; by default it is not listed again).
    share : bool, default True
        Let the territories :func:`shares_regions_with` names keep their claims; False removes every other claim.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]},
    ...                                        {"territory_id": "W", "region_ids": ["US-CA"]}], "reps": []})
    >>> moved = plan_with_regions_moved(plan, ["US-36061"], "W")
    >>> [t.region_ids for t in moved.territories]
    [('US-NY',), ('US-CA', 'US-36061')]
    >>> plan_with_regions_moved(moved, ["US-36061"], None).unclaimed_region_ids
    ('US-36061',)
    """
    moving = {normalize_region_id(r) for r in region_ids}
    receiving = plan.territory(territory_id) if territory_id is not None else None  # (KeyError naming the known ids)
    sharing = {t.territory_id for t in plan.territories
               if share and receiving is not None and shares_regions_with(receiving, t)}  # fmt: skip

    def chain(region_id):
        return [a for a, _ in (ancestors or {}).get(region_id, [(region_id, 0)])]

    # Who claims each region once the move is made: the regions moving, the receiving territory alone (a state
    # moved with one of its counties claims that county for the receiving territory too); the others, as they are.
    claims: dict[str, set] = {r: {territory_id} for r in moving}
    for t in plan.territories:
        for r in t.region_ids:
            if r not in moving or t.territory_id in sharing:
                claims.setdefault(r, set()).add(t.territory_id)
    # Taking a region clears the carve-outs inside it; giving it up carves it out where an ancestor is claimed.
    unclaimed = [r for r in plan.unclaimed_region_ids if not moving.intersection(chain(r))]

    def reached_already(region_id) -> bool:
        """Whether the nearest claimed ancestor is the receiving territory's alone (a county back in its state).

        A carved-out region on the way (the state, when the county goes back to the country's territory) stops
        the claim: the county must then be claimed itself.
        """
        for ancestor_id in chain(region_id)[1:]:
            if ancestor_id in claims:  # (a claim on a carved-out region itself still holds)
                return claims[ancestor_id] == {territory_id}
            if ancestor_id in unclaimed:
                return False
        return False

    # A region given back to the territory that holds it through an ancestor alone is no carve-out: a county
    # clicked away and back left its own claim beside its state's, and the plan read as changed (a new user's test).
    # (unless another territory keeps its own claim on the region, sharing it: the nearer claim would win the
    # accounts the receiving territory takes; US-NY moved back to a territory that also claims US stayed with the
    # one it went to, found by the property test)
    adding = tuple(sorted(r for r in moving if ancestors is None or list_reached or not reached_already(r)
                          or claims[r] != {territory_id}))  # fmt: skip
    territories = []
    for t in plan.territories:
        kept = t.region_ids if t.territory_id in sharing else tuple(r for r in t.region_ids if r not in moving)
        if t.territory_id == territory_id:
            kept = kept + adding
        territories.append(replace(t, region_ids=kept))

    if territory_id is None:
        claimed = {r for t in territories for r in t.region_ids}
        for region_id in sorted(moving):
            reached = ancestors is None or claimed.intersection(chain(region_id)[1:])
            if reached and region_id not in unclaimed:
                unclaimed.append(region_id)
    return replace(plan, territories=tuple(territories), unclaimed_region_ids=tuple(unclaimed))


def shares_regions_with(receiving: Territory, other: Territory) -> bool:
    """Whether ``other`` keeps its claim on a region moved to ``receiving`` (and the accounts it does not take).

    Only a territory with a focus (industries or tiers) shares: ``other`` keeps its claim when it ranks below
    ``receiving`` (a lower priority, so ``receiving`` wins the accounts both admit) or when their industries or
    tiers have nothing in common (they never compete). A territory of the same or a higher priority that admits
    some of the same accounts gives the region up, as does every territory when ``receiving`` has no focus.

    Examples
    --------
    >>> from territory.model import Territory
    >>> focused = Territory("NAE", "North America East", industries=("fintech",), priority=1)
    >>> shares_regions_with(focused, Territory("USS", "US South")), shares_regions_with(focused, Territory("X", "X", priority=1))
    (True, False)
    >>> shares_regions_with(Territory("USS", "US South"), focused)
    False
    """
    if other.territory_id == receiving.territory_id or not (receiving.industries or receiving.tiers):
        return False
    if other.priority < receiving.priority:
        return True

    def disjoint(mine, theirs) -> bool:
        return bool(mine) and bool(theirs) and not set(mine) & set(theirs)

    return disjoint(receiving.industries, other.industries) or disjoint(receiving.tiers, other.tiers)


def summarise_regions(region_ids, shown: int = 3) -> str:
    """``"US-NJ"``, ``"US-NJ, US-DE"`` or ``"40 regions (US-AL, US-AR, US-AZ …)"`` for edit descriptions.

    Examples
    --------
    >>> summarise_regions(["US-AL", "US-AR", "US-AZ", "US-CA"])
    '4 regions (US-AL, US-AR, US-AZ …)'
    """
    region_ids = list(region_ids)
    if len(region_ids) <= shown:
        return ", ".join(region_ids)
    return f"{len(region_ids):,} regions ({', '.join(region_ids[:shown])} …)"


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
    plan = plan_with_regions_moved(state.plan, region_ids, territory_id, ancestors=state.index.ancestors)
    earlier = _earlier_with(state, plan)
    if territory_id is not None and earlier is None:
        # A region the session's plan listed though its territory reached it through an ancestor comes back listed,
        # so that the round trip ends in that plan (and its assignment, the claims included).
        listed = plan_with_regions_moved(
            state.plan, region_ids, territory_id, ancestors=state.index.ancestors, list_reached=True
        )
        earlier = _earlier_with(state, listed) if listed != plan else None
        if earlier is not None:
            plan = listed
    if territory_id is not None and earlier is None:
        # A region painted back with the focused territory it was taken from: the plan the session had (that
        # territory alone), not the other territory keeping its claim beside it, so that away and back is no edit.
        alone = plan_with_regions_moved(state.plan, region_ids, territory_id, ancestors=state.index.ancestors,
                                        share=False)  # fmt: skip
        earlier = _earlier_with(state, alone) if alone != plan else None
        if earlier is not None:
            plan = alone
    target = state.plan.territory(territory_id).name if territory_id else "no territory"
    edit = f"Moved {summarise_regions(region_ids)} to {target}"
    if earlier is not None:
        return _restored(state, earlier, plan, edit, region_ids)
    # (searched already: the plan is none the session had)
    return _reassign(state, plan, _positions_in_regions(state, region_ids), edit, region_ids, search=False)


def claimed_elsewhere(state: PlanState, region_id: str, territory_id: str) -> bool:
    """Whether a territory other than ``territory_id`` claims ``region_id`` or a region containing it.

    Its own claim, or one on an ancestor (a state territory, for a county) that no carve-out on the way stops: taken
    out of ``territory_id``, the region's accounts then go to those claims, not to no territory.
    """
    plan = state.plan
    others = {r for t in plan.territories if t.territory_id != territory_id for r in t.region_ids}
    unclaimed = set(plan.unclaimed_region_ids)
    for ancestor_id, depth in state.index.ancestors.get(region_id, [(region_id, 0)]):
        if ancestor_id in others:
            return True
        if depth > 0 and ancestor_id in unclaimed:  # (a carved-out state stops the country's claim)
            return False
    return False


def release_regions(state: PlanState, region_ids, territory_id: str) -> PlanState:
    """Take ``region_ids`` out of ``territory_id`` alone: the other territories claiming them keep them.

    Painting a region again with the territory that lists it, beside another claiming it or a region containing it
    (:func:`claimed_elsewhere`: a focused territory sharing it, or a county carved from another's state), gives its
    accounts back to those claims, not to no territory. When any of the regions has no other claim on it, this is
    :func:`move_regions` to None.
    """
    region_ids = tuple(dict.fromkeys(normalize_region_id(r) for r in region_ids))
    plan = state.plan
    territory = plan.territory(territory_id)
    if not region_ids or any(
        r not in territory.region_ids or not claimed_elsewhere(state, r, territory_id) for r in region_ids
    ):
        return move_regions(state, region_ids, None)
    kept = tuple(r for r in territory.region_ids if r not in region_ids)
    edit = f"Took {summarise_regions(region_ids)} out of {territory.name}"
    released = replace(
        _replace_territory(plan, territory_id, region_ids=kept),
        unclaimed_region_ids=tuple(r for r in plan.unclaimed_region_ids if r not in region_ids),
    )
    return _reassign(state, released, _positions_in_regions(state, region_ids), edit, region_ids)


def _positions_of(state: PlanState, account_ids) -> np.ndarray:
    account_ids = list(account_ids)
    positions = state.index.account_position.get_indexer(account_ids)
    if (positions < 0).any():
        unknown = [a for a, p in zip(account_ids, positions, strict=True) if p < 0][:5]
        raise KeyError(f"unknown account {'id' if len(unknown) == 1 else 'ids'}: {', '.join(map(str, unknown))}")
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
        state,
        plan,
        positions,
        f"Moved {counted(len(overrides), 'account')} to {state.plan.territory(territory_id).name}",
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


def rebase(state: PlanState, plan: Plan, edit: str = "Plan replaced") -> PlanState:
    """``state``'s accounts assigned under another ``plan``, each kept with its rep where the rules still allow.

    A whole re-run, but with the minimal moves of every edit: an account whose rep still covers its territory
    (active, below capacity) keeps that rep, so a plan that moves a few regions hands over only their accounts,
    not a reshuffle of every prospect (which a fresh :func:`start` of ``plan`` could give). A plan the session had
    before (the same plan, or a setting changed and changed back) gets back the assignment it had then.

    Examples
    --------
    >>> import pandas as pd
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-CA", "US-NV"]}],
    ...                        "reps": [{"rep_id": "a", "territory_ids": ["W"]}, {"rep_id": "b", "territory_ids": ["W"]}]})
    >>> accounts = pd.DataFrame({"account_id": ["1", "2", "3", "4"], "region_id": ["US-CA", "US-CA", "US-NV", "US-NV"]})
    >>> regions = pd.DataFrame({"region_id": ["US", "US-CA", "US-NV"], "parent_id": [None, "US", "US"]})
    >>> state = start(plan, accounts, regions)
    >>> smaller = plan_from_dict({**plan.to_dict(), "territories": [{"territory_id": "W", "region_ids": ["US-CA"]}]})
    >>> after = rebase(state, smaller)
    >>> kept = state.result.set_index("account_id")["rep_id"][["1", "2"]]
    >>> (after.result.set_index("account_id")["rep_id"][["1", "2"]] == kept).all(), len(after.flows)
    (np.True_, 2)
    """
    return _reassign(state, plan, np.arange(len(state.accounts)), edit)


def session_start(state: PlanState) -> PlanState:
    """``state`` as the first step of a session: the reps it gives are those edits give back, no step before it.

    An edit that leaves an account waiting for the rep it had at the session's start has accounts that rep took
    since give way (:func:`_giving_way`). A plan accepted from a proposal, or another version opened, starts a
    session of its own: a tab that had opened the demo, rebalanced and accepted gave a county move other reps than
    a fresh tab on the same version (31 served accounts sent to wait for the county's, by the reps the tab had
    started with: a review); and a plan of the steps before could be found again (:func:`rebase`).

    Examples
    --------
    >>> import pandas as pd
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-CA"]}],
    ...                        "reps": [{"rep_id": "a", "territory_ids": ["W"]}, {"rep_id": "b", "territory_ids": []}]})
    >>> accounts = pd.DataFrame({"account_id": ["1"], "region_id": ["US-CA"]})
    >>> regions = pd.DataFrame({"region_id": ["US", "US-CA"], "parent_id": [None, "US"]})
    >>> moved = rebase(start(plan, accounts, regions), plan_from_dict({**plan.to_dict(), "reps": [
    ...     {"rep_id": "a", "territory_ids": []}, {"rep_id": "b", "territory_ids": ["W"]}]}))
    >>> moved.index.first_rep.tolist(), session_start(moved).index.first_rep.tolist(), session_start(moved).parent
    (['a'], ['b'], None)
    """
    table = state.result
    status = table["status"].to_numpy(dtype=object)
    first_rep = np.where(status == "assigned", table["rep_id"].to_numpy(dtype=object), None)
    if state.parent is None and list(first_rep) == list(state.index.first_rep):
        return state
    return replace(state, index=replace(state.index, first_rep=first_rep), parent=None, base=table, depth=0)


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


# Territory-level edits: create, split, merge, update.

TERRITORY_ATTRIBUTES = ("name", "color", "annual_quota", "industries", "tiers", "parent_id", "priority")
"""What :func:`update_territory` can change (and :mod:`territory.plan_diff` compares): all but the regions."""
_RULE_FIELDS = ("industries", "tiers", "priority")


def next_color(plan: Plan) -> str:
    """The first palette color no territory of ``plan`` uses (cycling when all are taken)."""
    used = {t.color.lower() for t in plan.territories}
    free = [c for c in PALETTE if c not in used]
    return free[0] if free else PALETTE[len(plan.territories) % len(PALETTE)]


def new_territory_id(plan: Plan, name: str) -> str:
    """A short id made from ``name`` that no territory of ``plan`` has yet (``"Gulf Coast"`` -> ``"GULF-COAST"``).

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> new_territory_id(plan_from_dict({"territories": [{"territory_id": "WEST"}], "reps": []}), "West")
    'WEST-2'

    Whole words, up to 24 characters ("Pacific Northwest" read ``PACIFIC-NORTHWES`` in diffs and the CLI, a new
    user's test); a first word longer than that is cut:

    >>> empty = plan_from_dict({"territories": [], "reps": []})
    >>> new_territory_id(empty, "Pacific Northwest"), new_territory_id(empty, "Greater Pacific Northwest Accounts")
    ('PACIFIC-NORTHWEST', 'GREATER-PACIFIC')
    """
    words = "".join(ch if ch.isalnum() else " " for ch in name.upper()).split()
    kept = words[:1]
    for word in words[1:]:
        if len("-".join([*kept, word])) > 24:
            break
        kept.append(word)
    return free_id("-".join(kept)[:24] or "T", {t.territory_id for t in plan.territories})


def next_rep_id(rep_ids) -> str:
    """An id for a new rep that follows the team's ids (``R12`` → ``R13``), else ``REP-1``.

    Examples
    --------
    >>> next_rep_id(["R01", "R02", "R12"]), next_rep_id(["ann", "bo"]), next_rep_id([])
    ('R13', 'REP-1', 'REP-1')
    """
    import re

    numbered = [re.fullmatch(r"([A-Za-z_-]*)(\d+)", r) for r in rep_ids]
    numbered = [m for m in numbered if m]
    if numbered:
        prefix = max(sorted({m.group(1) for m in numbered}), key=lambda p: sum(m.group(1) == p for m in numbered))
        same = [m for m in numbered if m.group(1) == prefix]
        width = max(len(m.group(2)) for m in same)
        candidate = f"{prefix}{max(int(m.group(2)) for m in same) + 1:0{width}d}"
    else:
        candidate = "REP-1"
    return free_id(candidate, set(rep_ids))


def free_id(base: str, taken) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first not in ``taken``.

    Examples
    --------
    >>> free_id("REP-WEST", {"REP-WEST"})
    'REP-WEST-2'
    """
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _folded(name) -> str:
    """A name with its spaces folded (two spaces, a no-break space: one space), as the pages show it."""
    return " ".join(str(name).split())


def _check_new_name(plan: Plan, name: str, keep: str | None = None) -> None:
    # (compared as shown: "US  West" beside "US West" read as two identical names everywhere, a review)
    taken = {_folded(t.name).casefold(): t for t in plan.territories if t.territory_id != keep}
    if _folded(name).casefold() in taken:
        raise ValueError(f"a territory is already named '{taken[_folded(name).casefold()].name}'; pick another name")


def _check_color(color: str) -> str:
    text = str(color).strip()
    if len(text) != 7 or text[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in text[1:]):
        raise ValueError(f"color {color!r} is not a #rrggbb hex color; use e.g. '#1f77b4'")
    return text.lower()


def _positions_of_territories(state: PlanState, territory_ids, plans=()) -> np.ndarray:
    """Accounts a change to these territories can affect: those they hold now and those in their regions."""
    wanted = set(territory_ids)
    held = np.flatnonzero(state.result["territory_id"].isin(wanted).to_numpy())
    regions = {r for plan in plans for t in plan.territories if t.territory_id in wanted for r in t.region_ids}
    return np.concatenate([held, _positions_in_regions(state, sorted(regions))])


def _holder(state: PlanState, plan: Plan, region_id: str) -> str | None:
    """The territory whose claim on ``region_id`` wins by region alone (most specific, then priority, then id)."""
    chain = state.index.ancestors.get(region_id, [(region_id, 0)])
    unclaimed = set(plan.unclaimed_region_ids)
    cut = min((depth for ancestor_id, depth in chain if ancestor_id in unclaimed), default=None)
    candidates = sorted(
        (depth, -t.priority, t.territory_id)
        for ancestor_id, depth in chain
        if cut is None or depth <= cut
        for t in plan.territories
        if ancestor_id in t.region_ids
    )
    return candidates[0][2] if candidates else None


def _region_in_territory(state: PlanState, region_id: str, territory) -> bool:
    return _holder(state, state.plan, region_id) == territory.territory_id


def create_territory(
    state: PlanState,
    name: str,
    region_ids=(),
    *,
    territory_id: str | None = None,
    color: str | None = None,
    annual_quota: float | None = None,
    rep_ids=(),
) -> PlanState:
    """Add a territory (optionally taking ``region_ids`` from the territories that hold them).

    Parameters
    ----------
    state : PlanState
    name : str
    region_ids : iterable of str
        Regions the new territory takes (a county of a state territory is carved out of it).
    territory_id : str, optional
        Made from the name when omitted.
    color : str, optional
        ``#rrggbb``; the first unused palette color when omitted.
    annual_quota : float, optional
        Default: carved from the territories the regions come from, each giving the share of its quota that the
        value of its accounts there is of its own (as a split shares one; a territory drawn on the map had $0, its
        givers their whole quotas: a review). Given, the others keep theirs.
    rep_ids : iterable of str
        Reps who will cover the new territory (added to the territories they already cover).

    Returns
    -------
    PlanState
    """
    name = _folded(name)
    if not name:
        raise ValueError("a new territory needs a name")
    plan = state.plan
    _check_new_name(plan, name)
    territory_id = territory_id or new_territory_id(plan, name)
    if territory_id in {t.territory_id for t in plan.territories}:
        raise ValueError(f"territory id '{territory_id}' is taken; pick another")
    if annual_quota is not None and not annual_quota >= 0:
        raise ValueError("annual quota cannot be negative")
    region_ids = tuple(dict.fromkeys(normalize_region_id(r) for r in region_ids))
    territory = Territory(
        territory_id=territory_id,
        name=name,
        color=_check_color(color) if color else next_color(plan),
        annual_quota=float(annual_quota or 0.0),
    )
    reps = _reps_covering(plan, rep_ids, add=territory_id)
    plan = replace(plan, territories=plan.territories + (territory,), reps=reps)
    if region_ids:
        plan = plan_with_regions_moved(plan, region_ids, territory_id, ancestors=state.index.ancestors)
    positions = np.concatenate([_positions_in_regions(state, region_ids), _rep_positions(state, rep_ids)])
    created = f"Created {name}" + (f" from {counted(len(region_ids), 'region')}" if region_ids else "")
    made = _reassign(state, plan, positions, created, region_ids)
    return made if annual_quota is not None else _with_quota_carved(state, made, territory_id)


def _with_quota_carved(state: PlanState, made: PlanState, territory_id: str) -> PlanState:
    """``made`` (``territory_id`` created from ``state``) with its quota carved from those it took accounts from.

    Each gives the share of its quota that the value of the accounts it hands over is of the value it held, so a
    territory that keeps its accounts (a carved county under the state taken) keeps its quota (a review: Houston
    Metro gave all its quota to a new "Texas" that took none of its accounts). In cents, the new quota is what the
    givers lost: the plan's total holds.
    """
    flows = made.flows
    took = flows[flows["to_claim_id"].eq(territory_id) & flows["from_claim_id"].notna()] if len(flows) else flows
    if took.empty:
        return made
    moving = took.groupby(took["from_claim_id"].astype(object))["value"].sum()
    held = state.tally.territories["claimed_value"]
    left = {
        t.territory_id: round(t.annual_quota * (1 - min(float(moving[t.territory_id]) / float(held[t.territory_id]), 1.0)), 2)
        for t in state.plan.territories
        if t.annual_quota > 0 and t.territory_id in moving.index and float(held.get(t.territory_id, 0.0)) > 0
    }  # fmt: skip
    if not left:
        return made
    before = {t.territory_id: t.annual_quota for t in state.plan.territories}
    quota = round(sum(before[t] - left[t] for t in left), 2)
    quotas = {**left, territory_id: quota}
    plan = replace(made.plan, territories=tuple(replace(t, annual_quota=quotas.get(t.territory_id, t.annual_quota))
                                                for t in made.plan.territories))  # fmt: skip
    givers = and_list(sorted(state.plan.territory(t).name or t for t in left))
    return replace(made, plan=plan, edit=f"{made.edit}, with {money(quota)} of quota from {givers}")


def _reps_covering(plan: Plan, rep_ids, *, add: str, remove: str | None = None) -> tuple:
    wanted = set(rep_ids)
    for rep_id in wanted:
        plan.rep(rep_id)  # KeyError naming the known ids
    reps = []
    for r in plan.reps:
        if r.rep_id in wanted:
            kept = tuple(t for t in r.territory_ids if t != remove)
            r = replace(r, territory_ids=kept + ((add,) if add not in kept else ()))
        reps.append(r)
    return tuple(reps)


def _rep_positions(state: PlanState, rep_ids) -> np.ndarray:
    wanted = set(rep_ids)
    if not wanted:
        return np.array([], dtype=np.int64)
    return np.flatnonzero(state.result["rep_id"].isin(wanted).to_numpy())


def split_territory(
    state: PlanState,
    territory_id: str,
    region_ids,
    name: str,
    *,
    color: str | None = None,
    rep_ids=(),
    new_id: str | None = None,
) -> PlanState:
    """Split ``region_ids`` off ``territory_id`` into a new territory.

    The quota is shared in proportion to the value of the accounts each part holds; ``rep_ids`` move from the
    old territory to the new one (without them the new territory starts with no rep, and its accounts wait).

    Raises
    ------
    ValueError
        When a region is not part of the territory, or the split would take all of it.
    """
    old = state.plan.territory(territory_id)
    region_ids = tuple(dict.fromkeys(normalize_region_id(r) for r in region_ids))
    if not region_ids:
        raise ValueError("pick the regions that form the new territory")
    outside = [r for r in region_ids if not _region_in_territory(state, r, old)]
    if outside:
        raise ValueError(f"{', '.join(outside[:5])} not part of {old.name}; pick regions inside it")
    if set(old.region_ids) <= set(region_ids):
        raise ValueError(f"that is all of {old.name}; rename it instead of splitting")
    held = state.result
    in_old = held["territory_id"].eq(territory_id).to_numpy()
    moving = np.zeros(len(held), dtype=bool)
    moving[_positions_in_regions(state, region_ids)] = True
    total = float(held["value"].to_numpy(dtype=float)[in_old].sum())
    share = float(held["value"].to_numpy(dtype=float)[in_old & moving].sum()) / total if total else 0.0
    quota = round(old.annual_quota * share, 2)
    _check_new_name(state.plan, _folded(name) or f"{old.name} (split)")
    new_id = new_id or new_territory_id(state.plan, name)
    plan = _replace_territory(state.plan, territory_id, annual_quota=old.annual_quota - quota)
    territory = Territory(
        territory_id=new_id,
        name=_folded(name) or f"{old.name} (split)",
        color=_check_color(color) if color else next_color(plan),
        industries=old.industries,
        tiers=old.tiers,
        annual_quota=quota,
        parent_id=old.parent_id,
        priority=old.priority,
    )
    reps = _reps_covering(plan, rep_ids, add=new_id, remove=territory_id)
    plan = replace(plan, territories=plan.territories + (territory,), reps=reps)
    plan = plan_with_regions_moved(plan, region_ids, new_id, ancestors=state.index.ancestors)
    positions = np.concatenate(
        [_positions_of_territories(state, [territory_id], [state.plan]), _rep_positions(state, rep_ids)]
    )
    return _reassign(state, plan, positions, f"Split {territory.name} off {old.name}", region_ids)


def _replace_territory(plan: Plan, territory_id: str, **changes) -> Plan:
    return replace(
        plan,
        territories=tuple(replace(t, **changes) if t.territory_id == territory_id else t for t in plan.territories),
    )


def merge_territories(state: PlanState, keep_id: str, absorb_id: str) -> PlanState:
    """Merge ``absorb_id`` into ``keep_id``: its regions, reps, quota, overrides and child territories.

    Industry or tier focus stays only where both had one (their union); otherwise the merged territory is open.
    """
    if keep_id == absorb_id:
        raise ValueError("pick two different territories to merge")
    plan = state.plan
    keep, absorb = plan.territory(keep_id), plan.territory(absorb_id)

    def union(a, b):
        return tuple(dict.fromkeys(a + b)) if a and b else ()

    merged = replace(
        keep,
        region_ids=tuple(dict.fromkeys(keep.region_ids + absorb.region_ids)),
        annual_quota=keep.annual_quota + absorb.annual_quota,
        industries=union(keep.industries, absorb.industries),
        tiers=union(keep.tiers, absorb.tiers),
    )
    territories = []
    for t in plan.territories:
        if t.territory_id == absorb_id:
            continue
        t = merged if t.territory_id == keep_id else t
        if t.parent_id == absorb_id:
            # Children of the absorbed territory move under the kept one (the kept one under its old parent).
            t = replace(t, parent_id=absorb.parent_id if t.territory_id == keep_id else keep_id)
        territories.append(t)
    reps = tuple(
        replace(r, territory_ids=tuple(dict.fromkeys(keep_id if t == absorb_id else t for t in r.territory_ids)))
        for r in plan.reps
    )
    overrides = tuple(replace(o, territory_id=keep_id) if o.territory_id == absorb_id else o for o in plan.overrides)
    new_plan = replace(plan, territories=tuple(territories), reps=reps, overrides=overrides)
    positions = _positions_of_territories(state, [keep_id, absorb_id], [plan])
    return _reassign(state, new_plan, positions, f"Merged {absorb.name} into {keep.name}", absorb.region_ids)


def remove_territory(state: PlanState, territory_id: str) -> PlanState:
    """Remove ``territory_id``: its regions are left to the other territories that claim them, else to none.

    Its reps stay on the team, without it (a rep it was the only territory of covers none until given one); its
    child territories go under its parent; overrides that lock accounts to it go. Its accounts are assigned again:
    to a territory that also claims their region, else they wait in no territory.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> from territory.edits import start
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
    ...                                        {"territory_id": "W", "name": "West", "region_ids": ["US-CA"]}],
    ...                        "reps": [{"rep_id": "R1", "name": "Ann", "territory_ids": ["E", "W"]}]})
    >>> accounts = pd.DataFrame({"account_id": ["A"], "region_id": ["US-36061"], "value": [1.0]})
    >>> regions = pd.DataFrame({"region_id": ["US-36061", "US-NY", "US-CA", "US"], "level": ["county", "state",
    ...                         "state", "country"], "parent_id": ["US-NY", "US", "US", None]})
    >>> after = remove_territory(start(plan, accounts, regions), "E")
    >>> [t.territory_id for t in after.plan.territories], after.plan.rep("R1").territory_ids, after.edit
    (['W'], ('W',), 'Removed East')
    >>> after.result[["account_id", "territory_id", "reason"]].values.tolist()
    [['A', None, 'no-matching-territory']]
    """
    plan = state.plan
    gone = plan.territory(territory_id)
    if len(plan.territories) < 2:
        raise ValueError(f"{gone.name} is the plan's only territory: add another before removing it")
    territories = tuple(
        replace(t, parent_id=gone.parent_id) if t.parent_id == territory_id else t
        for t in plan.territories
        if t.territory_id != territory_id
    )
    reps = tuple(replace(r, territory_ids=tuple(t for t in r.territory_ids if t != territory_id)) for r in plan.reps)
    overrides = tuple(o for o in plan.overrides if o.territory_id != territory_id)
    new_plan = replace(plan, territories=territories, reps=reps, overrides=overrides)
    positions = _positions_of_territories(state, [territory_id], [plan])
    return _reassign(state, new_plan, positions, f"Removed {gone.name}", gone.region_ids)


def update_territory(state: PlanState, territory_id: str, **changes) -> PlanState:
    """Rename, recolor, set quota, industry focus, tiers, parent or priority of a territory.

    Only a change of industries, tiers or priority re-assigns accounts (those the territory holds or could).

    Raises
    ------
    ValueError
        For an unknown field, an empty name, a bad color, a negative quota or a parent that makes a cycle.
    """
    plan = state.plan
    old = plan.territory(territory_id)
    unknown = sorted(set(changes) - set(TERRITORY_ATTRIBUTES))
    if unknown:
        raise ValueError(f"cannot change {', '.join(unknown)}; editable: {', '.join(TERRITORY_ATTRIBUTES)}")
    clean = dict(changes)
    if "name" in clean:
        clean["name"] = _folded(clean["name"])
        if not clean["name"]:
            raise ValueError("a territory needs a name")
        _check_new_name(plan, clean["name"], keep=territory_id)
    if "color" in clean:
        clean["color"] = _check_color(clean["color"])
    if "annual_quota" in clean:
        clean["annual_quota"] = float(clean["annual_quota"])
        if not clean["annual_quota"] >= 0:
            raise ValueError("annual quota cannot be negative")
    if "industries" in clean:
        clean["industries"] = tuple(
            dict.fromkeys(str(v).strip().lower() for v in clean["industries"] if str(v).strip())
        )
    if "tiers" in clean:
        tiers = [(v, normalize_tier(v)) for v in clean["tiers"] if str(v).strip()]
        unknown_tiers = [str(v) for v, tier in tiers if tier is None]
        if unknown_tiers:
            raise ValueError(
                f"unknown {'tier' if len(unknown_tiers) == 1 else 'tiers'} {', '.join(unknown_tiers)}; use enterprise, "
                "mid-market or smb"
            )
        clean["tiers"] = tuple(dict.fromkeys(tier for _, tier in tiers))
    if clean.get("parent_id"):
        parent = clean["parent_id"]
        plan.territory(parent)
        seen, cursor = {territory_id}, parent
        while cursor is not None:
            if cursor in seen:
                raise ValueError(f"{plan.territory(parent).name} cannot be the parent: that makes a cycle")
            seen.add(cursor)
            cursor = plan.territory(cursor).parent_id
    elif "parent_id" in clean:
        clean["parent_id"] = None
    changed = {k: v for k, v in clean.items() if getattr(old, k) != v}
    new_plan = _replace_territory(plan, territory_id, **changed)
    words = {"annual_quota": "quota", "parent_id": "parent", "industries": "industry focus"}
    name = changed.get("name", old.name)
    what = ", ".join(words.get(k, k.replace("_", " ")) for k in changed if k != "name")
    if "name" in changed:  # (it said "Changed name of <new name>": the old name was said nowhere)
        edit = f"Renamed {old.name} to {name}" + (f", changed {what}" if what else "")
    else:
        edit = f"Changed {what or 'nothing'} of {name}"
    if set(changed) & set(_RULE_FIELDS):
        positions = _positions_of_territories(state, [territory_id], [plan])
    else:
        positions = np.array([], dtype=np.int64)
    return _reassign(state, new_plan, positions, edit)
