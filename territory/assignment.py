"""Assignment: account -> territory -> rep, vectorised and deterministic, with a reason for every decision.

Territory
    Candidates are the territories that claim the account's region or one of its ancestors (a county inside a
    state territory) and whose industry focus and tiers admit the account (an empty list admits all). The most
    specific claim wins, then the higher territory priority; two territories left level are a *conflict*: the
    lowest territory id takes the account and the account is flagged. A locked override's territory wins.

Rep
    1. a locked override's rep (if active);
    2. else the current owner keeps the account if the owner is an active rep of that territory and below
       capacity (relationship capital);
    3. else the eligible active rep with the most free capacity (capacity − current load); ties go to the higher
       quota attainment, then to a rep whose specialties include the account's industry or tier, then to the
       rep listed first in the plan.

    Accounts take reps in a fixed order: customers before prospects, then higher value first, then their order
    in the input. Capacity is the maximum number of active accounts, and the load counts accounts assigned in
    this run plus what ``Rep.current_accounts`` says the rep holds outside the data.

Statuses
    ``assigned``, or ``unassigned`` with reason ``no-matching-territory`` (``reason_detail``: which test failed,
    ``region``, ``industry`` or ``tier``), ``no-available-rep`` (the territory has no active rep) or
    ``at-capacity`` (all its active reps are full).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory.alignment import region_claims
from territory.model import Plan

__all__ = [
    "STATUSES",
    "REASONS",
    "RULES",
    "RESULT_COLUMNS",
    "AssignmentResult",
    "assign_accounts",
    "prepare_accounts",
    "explain",
]

STATUSES = ("assigned", "unassigned")
REASONS = ("no-matching-territory", "no-available-rep", "at-capacity")
RULES = ("locked", "owner", "most-free-capacity")
RESULT_COLUMNS = ["territory_id", "rep_id", "status", "reason", "reason_detail", "rule", "conflict", "claim_region_id"]
_ACCOUNT_DEFAULTS = {"industry": None, "tier": None, "value": 0.0, "owner": None, "status": "prospect"}


@dataclass(frozen=True)
class AssignmentResult:
    """The outcome of :func:`assign_accounts`.

    Attributes
    ----------
    accounts : DataFrame
        The prepared input accounts followed by :data:`RESULT_COLUMNS`; same row order as the input.
    rep_load : Series
        Active accounts per rep (rep id index, every rep of the plan) after the run, including the load held
        outside the data (``Rep.current_accounts``).
    external_load : Series
        The part of ``rep_load`` that is held outside the data.
    """

    accounts: pd.DataFrame
    rep_load: pd.Series
    external_load: pd.Series

    @property
    def assigned(self) -> pd.DataFrame:
        """Accounts with a rep."""
        return self.accounts[self.accounts["status"] == "assigned"]

    @property
    def unassigned(self) -> pd.DataFrame:
        """Accounts without a rep, with their reason."""
        return self.accounts[self.accounts["status"] == "unassigned"]


def prepare_accounts(accounts: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the columns the engine reads.

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and ``region_id`` are required (``region_id`` missing for an account outside every
        region); ``industry``, ``tier``, ``value``, ``owner`` and ``status`` are optional.

    Returns
    -------
    DataFrame
        A copy with every column present: text columns as objects with ``None`` for missing, ``value`` float.

    Raises
    ------
    ValueError
        When a required column is missing or account ids repeat.
    """
    missing = [c for c in ("account_id", "region_id") if c not in accounts.columns]
    if missing:
        raise ValueError(f"`accounts` lacks column(s) {missing}; join the accounts to regions first (geo.join)")
    out = accounts.copy(deep=False)
    for column, default in _ACCOUNT_DEFAULTS.items():
        if column not in out.columns:
            out[column] = default
    for column in ("account_id", "region_id", "industry", "tier", "owner", "status"):
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), None)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").fillna(0.0).astype(float)
    duplicated = out["account_id"].duplicated()
    if duplicated.any():
        ids = ", ".join(map(str, out.loc[duplicated, "account_id"].head(5)))
        raise ValueError(f"`accounts` repeats account ids ({ids}); each account must appear once")
    return out


def _group_codes(accounts: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """One integer per distinct (region, industry, tier), and the table of those combinations."""
    codes, uniques = [], []
    for column in ("region_id", "industry", "tier"):
        c, u = pd.factorize(accounts[column], use_na_sentinel=True)
        codes.append(c.astype(np.int64) + 1)  # 0 = missing
        uniques.append(np.concatenate([[None], np.asarray(u, dtype=object)]))
    sizes = [len(u) for u in uniques]
    combined = (codes[0] * sizes[1] + codes[1]) * sizes[2] + codes[2]
    _, first, group = np.unique(combined, return_index=True, return_inverse=True)
    table = pd.DataFrame(
        {
            "region_id": uniques[0][codes[0][first]],
            "industry": uniques[1][codes[1][first]],
            "tier": uniques[2][codes[2][first]],
        }
    )
    return group.reshape(-1), table


def _resolve_groups(
    plan: Plan, groups: pd.DataFrame, regions: pd.DataFrame, ancestors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Territory, reason and conflict for each (region, industry, tier) combination."""
    out = pd.DataFrame(
        {
            "territory_id": pd.Series([None] * len(groups), dtype=object),
            "reason_detail": "region",
            "conflict": False,
            "claim_region_id": pd.Series([None] * len(groups), dtype=object),
        }
    )
    present = groups["region_id"].notna()
    claims = region_claims(plan, regions, ancestors)
    if claims.empty or not present.any():
        return out
    claims = claims[claims["region_id"].isin(set(groups.loc[present, "region_id"]))]
    pairs = groups.reset_index(names="group").merge(claims, on="region_id")
    if pairs.empty:
        return out
    industries = {t.territory_id: set(t.industries) for t in plan.territories}
    tiers = {t.territory_id: set(t.tiers) for t in plan.territories}
    pairs["industry_ok"] = [
        not industries[t] or (i is not None and i in industries[t])
        for t, i in zip(pairs["territory_id"], pairs["industry"], strict=True)
    ]
    pairs["tier_ok"] = [
        not tiers[t] or (k is not None and k in tiers[t])
        for t, k in zip(pairs["territory_id"], pairs["tier"], strict=True)
    ]
    by_group = pairs.groupby("group")
    any_industry = by_group["industry_ok"].any()
    out.loc[any_industry.index, "reason_detail"] = np.where(any_industry.to_numpy(), "tier", "industry")
    passing = pairs[pairs["industry_ok"] & pairs["tier_ok"]]
    if passing.empty:
        return out
    ranked = passing.sort_values(["group", "depth", "priority", "territory_id"], ascending=[True, True, False, True])
    best = ranked.drop_duplicates("group").set_index("group")
    level = ranked.merge(best[["depth", "priority"]].reset_index(), on=["group", "depth", "priority"])
    contenders = level.groupby("group")["territory_id"].nunique()
    out.loc[best.index, "territory_id"] = best["territory_id"].to_numpy()
    out.loc[best.index, "claim_region_id"] = best["claim_region_id"].to_numpy()
    out.loc[best.index, "reason_detail"] = None
    out.loc[contenders.index, "conflict"] = (contenders > 1).to_numpy()
    return out


def assign_accounts(
    plan: Plan,
    accounts: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    initial_load: pd.Series | None = None,
) -> AssignmentResult:
    """Assign every account to a territory and a rep, or say why not.

    Parameters
    ----------
    plan : Plan
    accounts : DataFrame
        See :func:`prepare_accounts`.
    regions : DataFrame
        ``region_id`` and ``parent_id`` of the regions the accounts sit in and their ancestors.
    initial_load : Series, optional
        Accounts each rep holds before this run (rep id index). Defaults to the load the plan declares outside
        the data: ``Rep.current_accounts`` minus the accounts in ``accounts`` owned by that rep.

    Returns
    -------
    AssignmentResult
        Every account has exactly one status.

    Examples
    --------
    >>> import pandas as pd
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]}],
    ...                        "reps": [{"rep_id": "R1", "territory_ids": ["E"], "capacity": 1}]})
    >>> regions = pd.DataFrame({"region_id": ["US-NY"], "parent_id": ["US"]})
    >>> accounts = pd.DataFrame({"account_id": ["a", "b"], "region_id": ["US-NY", "US-NY"], "value": [2.0, 1.0]})
    >>> assign_accounts(plan, accounts, regions).accounts[["account_id", "rep_id", "reason"]].values.tolist()
    [['a', 'R1', None], ['b', None, 'at-capacity']]
    """
    prepared = prepare_accounts(accounts)
    rep_ids = [r.rep_id for r in plan.reps]
    if initial_load is None:
        external = _external_load(plan, prepared)
        load = external.copy()
    else:
        load = initial_load.reindex(rep_ids).fillna(0).astype(np.int64)
        external = _external_load(plan, prepared)
    result = _assign(plan, prepared, regions, load)
    return AssignmentResult(accounts=result, rep_load=load, external_load=external)


def _external_load(plan: Plan, accounts: pd.DataFrame) -> pd.Series:
    owned = accounts["owner"].value_counts()
    values = []
    for rep in plan.reps:
        declared = rep.current_accounts or 0
        values.append(max(0, declared - int(owned.get(rep.rep_id, 0))))
    return pd.Series(values, index=[r.rep_id for r in plan.reps], dtype=np.int64)


def _assign(
    plan: Plan, accounts: pd.DataFrame, regions: pd.DataFrame, load: pd.Series, ancestors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Core of :func:`assign_accounts`; ``load`` (rep id -> count) is updated in place."""
    n = len(accounts)
    territory = np.full(n, None, dtype=object)
    reason_detail = np.full(n, None, dtype=object)
    conflict = np.zeros(n, dtype=bool)
    claim = np.full(n, None, dtype=object)
    if n:
        group, table = _group_codes(accounts)
        resolved = _resolve_groups(plan, table, regions, ancestors)
        territory = resolved["territory_id"].to_numpy(dtype=object)[group]
        reason_detail = resolved["reason_detail"].to_numpy(dtype=object)[group]
        conflict = resolved["conflict"].to_numpy(dtype=bool)[group]
        claim = resolved["claim_region_id"].to_numpy(dtype=object)[group]

    rep_index = {r.rep_id: i for i, r in enumerate(plan.reps)}
    capacity = np.array([r.capacity for r in plan.reps], dtype=np.int64)
    active = np.array([r.active for r in plan.reps], dtype=bool)
    attainment = np.array([r.quota_attainment for r in plan.reps], dtype=float)
    loads = load.reindex([r.rep_id for r in plan.reps]).fillna(0).to_numpy(dtype=np.int64).copy()
    territory_reps = {
        t.territory_id: [rep_index[r.rep_id] for r in plan.reps if r.active and t.territory_id in r.territory_ids]
        for t in plan.territories
    }

    rep = np.full(n, -1, dtype=np.int64)
    rule = np.full(n, None, dtype=object)
    account_ids = accounts["account_id"].to_numpy(dtype=object)

    # 1. Locked overrides.
    locks = {o.account_id: o for o in plan.overrides if o.locked}
    if locks:
        positions = np.flatnonzero(pd.Series(account_ids).isin(locks.keys()).to_numpy())
        for pos in positions:
            override = locks[account_ids[pos]]
            if override.territory_id is not None:
                territory[pos] = override.territory_id
                reason_detail[pos] = None
            if override.rep_id is not None and override.rep_id in rep_index and active[rep_index[override.rep_id]]:
                r = rep_index[override.rep_id]
                covered = plan.reps[r].territory_ids
                if override.territory_id is None and covered and territory[pos] not in covered:
                    territory[pos] = covered[0]
                rep[pos] = r
                rule[pos] = "locked"
                loads[r] += 1
                reason_detail[pos] = None

    # Order in which accounts take reps: customers first, then higher value, then input order.
    customer = (accounts["status"].to_numpy(dtype=object) == "customer").astype(np.int8)
    value = accounts["value"].to_numpy(dtype=float)
    order = np.lexsort((np.arange(n), -value, -customer))

    has_territory = pd.notna(territory) & (rep < 0)

    # 2. The current owner keeps the account while below capacity.
    owners = accounts["owner"].to_numpy(dtype=object)
    owner_index = np.array([rep_index.get(o, -1) if o is not None else -1 for o in owners], dtype=np.int64)
    eligible = has_territory & (owner_index >= 0)
    if eligible.any():
        pos = np.flatnonzero(eligible)
        ok = np.array(
            [active[owner_index[p]] and territory[p] in plan.reps[owner_index[p]].territory_ids for p in pos],
            dtype=bool,
        )
        pos = pos[ok]
        if len(pos):
            ranked = order[np.isin(order, pos)]
            who = owner_index[ranked]
            seen = pd.Series(who).groupby(who).cumcount().to_numpy()
            keep = seen < (capacity[who] - loads[who])
            kept = ranked[keep]
            rep[kept] = owner_index[kept]
            rule[kept] = "owner"
            np.add.at(loads, owner_index[kept], 1)

    # 3. Most free capacity among the territory's active reps, one account at a time, in order.
    waiting = order[(pd.notna(territory) & (rep < 0))[order]]
    if len(waiting):
        terr_of = territory[waiting]
        # An account beyond the total free room of its territory's reps cannot get one: skip the loop for it.
        room = {t: int(np.maximum(capacity[r] - loads[r], 0).sum()) if r else 0 for t, r in territory_reps.items()}
        rank = pd.Series(terr_of).groupby(terr_of).cumcount().to_numpy()
        limit = np.array([room.get(t, 0) for t in terr_of], dtype=np.int64)
        candidates = waiting[rank < limit]
        industries = accounts["industry"].to_numpy(dtype=object)
        tiers = accounts["tier"].to_numpy(dtype=object)
        specialties = [set(r.specialties) for r in plan.reps]
        for pos in candidates:
            reps_here = territory_reps.get(territory[pos], [])
            best, best_key = -1, None
            for r in reps_here:
                free = capacity[r] - loads[r]
                if free <= 0:
                    continue
                special = industries[pos] in specialties[r] or tiers[pos] in specialties[r]
                key = (free, attainment[r], special)
                if best_key is None or key > best_key:
                    best, best_key = r, key
            if best >= 0:
                rep[pos] = best
                rule[pos] = "most-free-capacity"
                loads[best] += 1

    # Statuses and reasons.
    assigned = rep >= 0
    status = np.where(assigned, "assigned", "unassigned").astype(object)
    reason = np.full(n, None, dtype=object)
    no_territory = pd.isna(territory)
    reason[no_territory & ~assigned] = "no-matching-territory"
    with_territory = ~no_territory & ~assigned
    if with_territory.any():
        staffed = np.array([bool(territory_reps.get(t)) for t in territory[with_territory]], dtype=bool)
        reason[np.flatnonzero(with_territory)] = np.where(staffed, "at-capacity", "no-available-rep")
        reason_detail[with_territory] = territory[with_territory]
    reason_detail[assigned] = None
    rep_out = np.array([plan.reps[r].rep_id if r >= 0 else None for r in rep], dtype=object)

    load.loc[:] = loads
    out = accounts.copy(deep=False)
    columns = {
        "territory_id": territory, "rep_id": rep_out, "status": status, "reason": reason,
        "reason_detail": reason_detail, "rule": rule, "claim_region_id": claim,
    }  # fmt: skip
    for name, values in columns.items():
        # Object dtype keeps None as None (pandas 3 would infer a string dtype with NaN).
        out[name] = pd.Series(values, index=out.index, dtype=object)
    out["conflict"] = conflict
    return out[[c for c in out.columns if c not in RESULT_COLUMNS] + RESULT_COLUMNS]


def explain(plan: Plan, row: pd.Series | dict) -> str:
    """A sentence that explains one account's outcome (a row of ``AssignmentResult.accounts``).

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East"}], "reps": []})
    >>> explain(plan, {"status": "unassigned", "reason": "no-available-rep", "territory_id": "E", "region_id": "US-NY"})
    'East claims US-NY but has no active rep.'
    """
    row = {key: (None if _missing(value) else value) for key, value in dict(row).items()}
    names = {t.territory_id: t.name for t in plan.territories}
    reps = {r.rep_id: r for r in plan.reps}
    territory = names.get(row.get("territory_id"), row.get("territory_id"))
    region = row.get("region_id") or "no region"
    conflict = " Another territory has an equal claim on this region (conflict)." if row.get("conflict") else ""
    if row.get("status") == "assigned":
        rep = reps.get(row.get("rep_id"))
        who = rep.name if rep else row.get("rep_id")
        rule = row.get("rule")
        if rule == "locked":
            return f"Locked to {who} in {territory} by an override.{conflict}"
        if rule == "owner":
            return f"{who}, the current owner, covers {territory} and was below capacity, so keeps it.{conflict}"
        return f"{who} had the most free capacity among {territory}'s active reps.{conflict}"
    reason = row.get("reason")
    if reason == "no-matching-territory":
        detail = row.get("reason_detail")
        if detail == "industry":
            return f"Territories claim {region}, but none admits industry '{row.get('industry')}'."
        if detail == "tier":
            return f"Territories claim {region} and admit its industry, but none admits tier '{row.get('tier')}'."
        if row.get("region_id") is None:
            return "The account lies outside every region, so no territory can claim it."
        return f"No territory claims {region} or a region containing it."
    if reason == "no-available-rep":
        return f"{territory} claims {region} but has no active rep."
    if reason == "at-capacity":
        team = ", ".join(r.name for r in plan.reps_of(row.get("territory_id")))
        return f"Every active rep of {territory} ({team}) is at capacity."
    return "Unknown outcome."


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)
