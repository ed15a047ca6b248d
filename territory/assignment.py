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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory.alignment import region_ancestors
from territory.model import Plan, iter_region_claims

__all__ = [
    "STATUSES",
    "REASONS",
    "RULES",
    "KEPT_COLUMN",
    "RESULT_COLUMNS",
    "AssignmentResult",
    "assign_accounts",
    "prepare_accounts",
    "explain",
]

STATUSES = ("assigned", "unassigned")
REASONS = ("no-matching-territory", "no-available-rep", "at-capacity")
RULES = ("locked", "owner", "kept", "most-free-capacity")
RESULT_COLUMNS = ["territory_id", "rep_id", "status", "reason", "reason_detail", "rule", "conflict", "claim_region_id"]
KEPT_COLUMN = "_kept_rep"
"""Optional account column: the rep that held the account in a saved assignment (tried after the owner)."""
_ACCOUNT_DEFAULTS = {"industry": None, "tier": None, "value": 0.0, "owner": None, "account_status": "prospect"}


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
        region); ``industry``, ``tier``, ``value``, ``owner`` and ``account_status`` (customer / prospect;
        a column named ``status`` is read as this) are optional.

    Returns
    -------
    DataFrame
        A shallow copy with every column present (missing optional columns filled with their default) and
        ``value`` as float (missing = 0). Text columns keep their dtype; missing values stay missing.

    Raises
    ------
    ValueError
        When a required column is missing or account ids repeat.
    """
    missing = [c for c in ("account_id", "region_id") if c not in accounts.columns]
    if missing:
        raise ValueError(
            f"`accounts` lacks {'column' if len(missing) == 1 else 'columns'} {' and '.join(missing)}; join the accounts to regions "
            "first (geo.join)"
        )
    out = accounts.copy(deep=False)
    if "account_status" not in out.columns and "status" in out.columns:
        # Input accounts call it "status"; in results "status" is the assignment's, so it is renamed here.
        out = out.rename(columns={"status": "account_status"})
    for column, default in _ACCOUNT_DEFAULTS.items():
        if column not in out.columns:
            out[column] = default
    if out["value"].dtype != float or out["value"].isna().any():
        out["value"] = pd.to_numeric(out["value"], errors="coerce").fillna(0.0).astype(float)
    if not pd.Index(out["account_id"]).is_unique:
        duplicated = out["account_id"].duplicated()
        ids = ", ".join(map(str, out.loc[duplicated, "account_id"].head(5)))
        raise ValueError(f"`accounts` repeats account ids ({ids}); each account must appear once")
    return out


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (0 = missing) and the values they stand for (index 0 is None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, np.concatenate([[None], np.asarray(uniques, dtype=object)])


def _group_codes(accounts: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One integer per distinct (region, industry, tier), and the table of those combinations."""
    codes, uniques = zip(*(_codes(accounts[c]) for c in ("region_id", "industry", "tier")), strict=True)
    sizes = [len(u) for u in uniques]
    combined = (codes[0] * sizes[1] + codes[1]) * sizes[2] + codes[2]
    group, distinct = pd.factorize(combined)
    first = np.empty(len(distinct), dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    table = {name: uniques[i][codes[i][first]] for i, name in enumerate(("region_id", "industry", "tier"))}
    return group, table


def ancestor_map(regions: pd.DataFrame) -> dict[str, list[tuple[str, int]]]:
    """``region_id -> [(ancestor_id, depth), …]`` (depth 0 is the region itself), for :func:`_assign`."""
    table = region_ancestors(regions[["region_id", "parent_id"]])
    out: dict[str, list[tuple[str, int]]] = {}
    columns = (
        table["region_id"].to_numpy(dtype=object),
        table["ancestor_id"].to_numpy(dtype=object),
        table["depth"].to_numpy(dtype=np.int64).tolist(),
    )
    for region_id, ancestor_id, depth in zip(*columns, strict=True):
        out.setdefault(region_id, []).append((ancestor_id, depth))
    return out


def _resolve_groups(plan: Plan, groups: dict[str, np.ndarray], ancestors: dict) -> dict[str, np.ndarray]:
    """Territory (position in the plan, -1 for none), reason detail and conflict per (region, industry, tier).

    Plain Python over the distinct combinations (tens of thousands even for a million accounts); the claims
    on each region are ranked once per region.
    """
    position = {t.territory_id: i for i, t in enumerate(plan.territories)}
    claims: dict[str, list[tuple[str, int]]] = {}
    for region_id, territory_id, priority in iter_region_claims(plan):
        claims.setdefault(region_id, []).append((territory_id, priority))
    industries = [frozenset(t.industries) for t in plan.territories]
    tiers = [frozenset(t.tiers) for t in plan.territories]
    ranked: dict[str, list[tuple]] = {}
    unclaimed = frozenset(plan.unclaimed_region_ids)
    n = len(groups["region_id"])
    territory = np.full(n, -1, dtype=np.int64)
    detail = np.full(n, "region", dtype=object)
    conflict = np.zeros(n, dtype=bool)
    claim = np.full(n, None, dtype=object)
    for g, (region_id, industry, tier) in enumerate(
        zip(groups["region_id"], groups["industry"], groups["tier"], strict=True)
    ):
        if region_id is None:
            continue
        candidates = ranked.get(region_id)
        if candidates is None:
            chain = ancestors.get(region_id, ((region_id, 0),))
            # A carved-out region stops claims made on its ancestors (claims on it or below still hold).
            cut = min((depth for ancestor_id, depth in chain if ancestor_id in unclaimed), default=None)
            candidates = sorted(
                (depth, -priority, territory_id, ancestor_id, position[territory_id])
                for ancestor_id, depth in chain
                if cut is None or depth <= cut
                for territory_id, priority in claims.get(ancestor_id, ())
            )
            ranked[region_id] = candidates
        if not candidates:
            continue
        by_industry = [c for c in candidates if not industries[c[4]] or industry in industries[c[4]]]
        if not by_industry:
            detail[g] = "industry"
            continue
        passing = [c for c in by_industry if not tiers[c[4]] or tier in tiers[c[4]]]
        if not passing:
            detail[g] = "tier"
            continue
        best = passing[0]
        territory[g], claim[g], detail[g] = best[4], best[3], None
        conflict[g] = len(passing) > 1 and passing[1][:2] == best[:2] and passing[1][2] != best[2]
    return {"territory": territory, "reason_detail": detail, "conflict": conflict, "claim_region_id": claim}


def assign_accounts(
    plan: Plan,
    accounts: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    initial_load: pd.Series | None = None,
    ancestors: dict | None = None,
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
    ancestors : dict, optional
        :func:`ancestor_map` of ``regions``; pass it when assigning repeatedly against the same regions.

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
    result = _with_result(prepared, _assign(plan, prepared, regions, load, ancestors))
    return AssignmentResult(accounts=result, rep_load=load, external_load=external)


def _external_load(plan: Plan, accounts: pd.DataFrame) -> pd.Series:
    return _external_from_owned(plan, accounts["owner"].value_counts())


def _external_from_owned(plan: Plan, owned: pd.Series | Mapping[str, int]) -> pd.Series:
    """Accounts each rep holds outside the data: their declared current accounts less those the data give them."""
    values = []
    for rep in plan.reps:
        declared = rep.current_accounts or 0
        values.append(max(0, declared - int(owned.get(rep.rep_id, 0))))
    return pd.Series(values, index=[r.rep_id for r in plan.reps], dtype=np.int64)


def _assign(
    plan: Plan, accounts: pd.DataFrame, regions: pd.DataFrame, load: pd.Series, ancestors: dict | None = None
) -> dict[str, np.ndarray]:
    """Core of :func:`assign_accounts`: the result columns as arrays; ``load`` (rep id -> count) is updated.

    ``ancestors`` is :func:`ancestor_map` of ``regions`` when the caller keeps one. Works on integer codes
    (territory, rep) so that a million accounts cost array operations, not Python loops.
    """
    n = len(accounts)
    territory_ids = [t.territory_id for t in plan.territories]
    t_position = {t: i for i, t in enumerate(territory_ids)}
    terr = np.full(n, -1, dtype=np.int64)
    detail = np.full(n, None, dtype=object)
    conflict = np.zeros(n, dtype=bool)
    claim = np.full(n, None, dtype=object)
    if n:
        group, table = _group_codes(accounts)
        resolved = _resolve_groups(plan, table, ancestors if ancestors is not None else ancestor_map(regions))
        terr = resolved["territory"][group]
        detail = resolved["reason_detail"][group]
        conflict = resolved["conflict"][group]
        claim = resolved["claim_region_id"][group]

    reps = _RepTable(plan, load)
    rep = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int8)  # 0 none, 1 locked, 2 owner, 3 kept, 4 most free capacity

    # 1. Locked overrides.
    locks = {o.account_id: o for o in plan.overrides if o.locked}
    if locks and n:
        account_ids = accounts["account_id"]
        for pos in np.flatnonzero(account_ids.isin(list(locks)).to_numpy()):
            override = locks[account_ids.iat[pos]]
            if override.territory_id is not None and override.territory_id in t_position:
                terr[pos] = t_position[override.territory_id]
                detail[pos] = None
            r = reps.index.get(override.rep_id, -1) if override.rep_id is not None else -1
            if r >= 0 and reps.active[r]:
                covered = [t_position[t] for t in plan.reps[r].territory_ids if t in t_position]
                if override.territory_id is None and covered and terr[pos] not in covered:
                    terr[pos] = covered[0]
                rep[pos] = r
                rule[pos] = 1
                reps.loads[r] += 1

    # Order in which accounts take reps: customers first, then higher value, then input order.
    customer = (
        (accounts["account_status"] == "customer").to_numpy(dtype=bool, na_value=False) if n else np.zeros(0, bool)
    )
    value = accounts["value"].to_numpy(dtype=float)
    order = np.lexsort((np.arange(n), -value, -customer.astype(np.int8)))

    # 2. The current owner keeps the account while below capacity; then (3.) the rep that held it in the plan it
    # comes from (``_kept_rep``, when a saved assignment is kept), on the same terms.
    for column, code in (("owner", 2), (KEPT_COLUMN, 3)):
        if not n or column not in accounts:
            continue
        holder = reps.codes(accounts[column])
        eligible = (rep < 0) & (terr >= 0) & (holder >= 0)
        if not eligible.any():
            continue
        pos = np.flatnonzero(eligible)
        pos = pos[reps.covers[holder[pos], terr[pos]] & reps.active[holder[pos]]]
        if len(pos):
            mask = np.zeros(n, dtype=bool)
            mask[pos] = True
            ranked = order[mask[order]]
            who = holder[ranked]
            seen = pd.Series(who).groupby(who).cumcount().to_numpy()
            kept = ranked[seen < (reps.capacity[who] - reps.loads[who])]
            rep[kept] = holder[kept]
            rule[kept] = code
            np.add.at(reps.loads, holder[kept], 1)

    # 3. Most free capacity among the territory's active reps, accounts in order.
    waiting = order[((terr >= 0) & (rep < 0))[order]]
    if len(waiting):
        industry_codes, industry_values = _codes(accounts["industry"])
        tier_codes, tier_values = _codes(accounts["tier"])
        industries = industry_values[industry_codes]
        tiers = tier_values[tier_codes]
        components = reps.components(len(territory_ids))
        component_of = np.empty(len(territory_ids), dtype=np.int64)
        for c, component in enumerate(components):
            component_of[component] = c
        by_component = component_of[terr[waiting]]
        sequence = np.argsort(by_component, kind="stable")  # keeps the account order inside each component
        bounds = np.searchsorted(by_component[sequence], np.arange(len(components) + 1))
        for c, component in enumerate(components):
            members = waiting[sequence[bounds[c] : bounds[c + 1]]]
            if not len(members):
                continue
            if len(component) == 1:
                chosen = reps.fill_exclusive(component[0], members, industries, tiers)
            else:
                chosen = reps.fill_shared(members, terr, industries, tiers)
            took = chosen >= 0
            rep[members[took]] = chosen[took]
            rule[members[took]] = 4

    # Statuses and reasons.
    assigned = rep >= 0
    reason = np.zeros(n, dtype=np.int8)  # 0 none, 1 no territory, 2 no rep, 3 at capacity
    reason[(terr < 0) & ~assigned] = 1
    waiting_rep = (terr >= 0) & ~assigned
    staffed = reps.staffed[np.maximum(terr, 0)]
    reason[waiting_rep & staffed] = 3
    reason[waiting_rep & ~staffed] = 2
    territory_values = np.array([*territory_ids, None], dtype=object)
    territory = territory_values[np.where(terr >= 0, terr, len(territory_ids))]
    detail[waiting_rep] = territory[waiting_rep]
    detail[assigned] = None
    rep_values = np.array([*(r.rep_id for r in plan.reps), None], dtype=object)

    load.loc[:] = reps.loads
    return {
        "territory_id": territory,
        "rep_id": rep_values[np.where(assigned, rep, len(plan.reps))],
        "status": np.array(["unassigned", "assigned"], dtype=object)[assigned.astype(np.int8)],
        "reason": np.array([None, *REASONS], dtype=object)[reason],
        "reason_detail": detail,
        "rule": np.array([None, *RULES], dtype=object)[rule],
        "conflict": conflict,
        "claim_region_id": claim,
    }


def _with_result(accounts: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The accounts followed by the result columns (object dtype keeps None as None under pandas 3)."""
    kept = accounts[[c for c in accounts.columns if c not in RESULT_COLUMNS]]
    result = pd.DataFrame(
        {
            name: pd.Series(columns[name], index=accounts.index, dtype=object if name != "conflict" else bool)
            for name in RESULT_COLUMNS
        }
    )
    return pd.concat([kept, result], axis=1)


class _RepTable:
    """The plan's reps as arrays, with their loads, for one assignment run."""

    def __init__(self, plan: Plan, load: pd.Series):
        self.plan = plan
        self.index = {r.rep_id: i for i, r in enumerate(plan.reps)}
        self.capacity = np.array([r.capacity for r in plan.reps], dtype=np.int64)
        self.active = np.array([r.active for r in plan.reps], dtype=bool)
        self.attainment = np.array([r.quota_attainment for r in plan.reps], dtype=float)
        self.loads = load.reindex([r.rep_id for r in plan.reps]).fillna(0).to_numpy(dtype=np.int64).copy()
        territory_ids = [t.territory_id for t in plan.territories]
        position = {t: i for i, t in enumerate(territory_ids)}
        self.covers = np.zeros((len(plan.reps), max(len(territory_ids), 1)), dtype=bool)
        for i, r in enumerate(plan.reps):
            for t in r.territory_ids:
                if t in position:
                    self.covers[i, position[t]] = True
        self.staffed = (self.covers & self.active[:, None]).any(axis=0)
        self.specialties = [frozenset(r.specialties) for r in plan.reps]

    def codes(self, rep_ids: pd.Series) -> np.ndarray:
        """Positions of rep ids (-1 for unknown or missing)."""
        codes, uniques = _codes(rep_ids)
        lookup = np.array([-1] + [self.index.get(u, -1) for u in uniques[1:]], dtype=np.int64)
        return lookup[codes]

    def reps_of(self, territory_code: int) -> np.ndarray:
        """Active reps covering a territory, in plan order."""
        return np.flatnonzero(self.covers[:, territory_code] & self.active)

    def components(self, n_territories: int) -> list[list[int]]:
        """Territories grouped when they share an active rep (loads then interact)."""
        parent = list(range(n_territories))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for r in np.flatnonzero(self.active):
            covered = np.flatnonzero(self.covers[r, :n_territories])
            for t in covered[1:]:
                parent[find(t)] = find(covered[0])
        groups: dict[int, list[int]] = {}
        for t in range(n_territories):
            groups.setdefault(find(t), []).append(t)
        return list(groups.values())

    def _special(self, r: int, industry, tier) -> bool:
        return industry in self.specialties[r] or tier in self.specialties[r]

    def fill_exclusive(self, territory_code: int, members: np.ndarray, industries, tiers) -> np.ndarray:
        """Most-free-capacity greedy for a territory whose reps cover no other territory, vectorised.

        Picking the rep with the most free room, account after account, hands out *slots*: a rep with ``f``
        free places owns slots at levels f, f−1, …, 1, and the greedy takes slots by level (descending), then
        quota attainment (descending), then plan order. Reps tied on level and attainment form a block that
        the next accounts share one each; inside a block the specialty rule decides who takes which account.
        """
        chosen = np.full(len(members), -1, dtype=np.int64)
        team = self.reps_of(territory_code)
        if not len(team):
            return chosen
        free = np.maximum(self.capacity[team] - self.loads[team], 0)
        m = int(min(len(members), free.sum()))
        if m == 0:
            return chosen
        # Only the top m slots matter: find the level L above which there are at least m slots.
        low, high = 0, int(free.max())
        while low < high:
            mid = (low + high + 1) // 2
            if np.maximum(free - mid, 0).sum() >= m:
                low = mid
            else:
                high = mid - 1
        counts = np.maximum(free - low, 0)
        slot_rep = np.repeat(np.arange(len(team)), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        slot_level = np.repeat(free, counts) - (np.arange(counts.sum()) - starts)
        attainment = self.attainment[team][slot_rep]
        ordered = np.lexsort((slot_rep, -attainment, -slot_level))
        slot_rep, slot_level, attainment = slot_rep[ordered], slot_level[ordered], attainment[ordered]
        picks = team[slot_rep]
        # Blocks of tied slots (same level and attainment): the specialty rule decides inside them.
        if any(self.specialties[r] for r in team):
            boundary = np.flatnonzero((np.diff(slot_level) != 0) | (np.diff(attainment) != 0)) + 1
            starts = np.concatenate([[0], boundary])
            ends = np.concatenate([boundary, [len(picks)]])
            for start, end in zip(starts, ends, strict=True):
                if start >= m:
                    break
                if end - start < 2:
                    continue
                pool = list(picks[start:end])
                for slot in range(start, min(end, m)):
                    pos = members[slot]
                    pick = next((r for r in pool if self._special(r, industries[pos], tiers[pos])), pool[0])
                    pool.remove(pick)
                    picks[slot] = pick
        picks = picks[:m]
        chosen[:m] = picks
        np.add.at(self.loads, picks, 1)
        return chosen

    def fill_shared(self, members: np.ndarray, terr_code: np.ndarray, industries, tiers) -> np.ndarray:
        """The same greedy, one account at a time, for territories that share reps."""
        chosen = np.full(len(members), -1, dtype=np.int64)
        for i, pos in enumerate(members):
            best, best_key = -1, None
            for r in self.reps_of(terr_code[pos]):
                free = self.capacity[r] - self.loads[r]
                if free <= 0:
                    continue
                key = (free, self.attainment[r], self._special(r, industries[pos], tiers[pos]))
                if best_key is None or key > best_key:
                    best, best_key = r, key
            if best >= 0:
                chosen[i] = best
                self.loads[best] += 1
        return chosen


def explain(plan: Plan, row: pd.Series | dict, region_names: Mapping[str, str] | None = None) -> str:
    """A sentence that explains one account's outcome (a row of ``AssignmentResult.accounts``).

    ``region_names``: region id → a name to show ("Harris, TX"), where the caller has them; ids otherwise. A lock to
    a rep who is inactive (not used: the rules decide) is said after it.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East"}], "reps": []})
    >>> explain(plan, {"status": "unassigned", "reason": "no-available-rep", "territory_id": "E", "region_id": "US-NY"})
    'East claims US-NY but has no active rep.'
    """
    row = {key: (None if _missing(value) else value) for key, value in dict(row).items()}
    said = _outcome(plan, row, region_names)
    if plan.overrides and row.get("rule") != "locked":
        # (a lock to an inactive rep is passed over unsaid: the sentence read "has no active rep" alone, a review)
        rep = _inactive_locks(plan).get(row.get("account_id"))
        if rep is not None:
            said += f" Its lock to {rep.name} is not used: {rep.name} is inactive (activate the rep, or lift the lock)."
    return said


_LOCKS: list = [(None, {})]  # ((the plan last asked about, its locks to inactive reps: account id → rep),)


def _inactive_locks(plan: Plan) -> dict:
    """Account id → the inactive rep a locked override of ``plan`` names.

    Kept for the last plan asked about (one tuple, swapped whole: sessions run in threads): :func:`explain` is asked
    row by row, and a scan of the overrides for each of 100,000 rows would be quadratic.
    """
    cached = _LOCKS[0]
    if cached[0] is not plan:
        inactive = {r.rep_id: r for r in plan.reps if not r.active}
        cached = (plan, {o.account_id: inactive[o.rep_id] for o in plan.overrides
                         if o.locked and o.rep_id in inactive})  # fmt: skip
        _LOCKS[0] = cached
    return cached[1]


def _outcome(plan: Plan, row: dict, region_names: Mapping[str, str] | None) -> str:
    names = {t.territory_id: t.name for t in plan.territories}
    reps = {r.rep_id: r for r in plan.reps}
    territory = names.get(row.get("territory_id"), row.get("territory_id"))
    region_id = row.get("region_id")
    region = (f"{region_names[region_id]} ({region_id})" if region_names and region_id in region_names
              else region_id or "no region")  # fmt: skip
    conflict = " Another territory has an equal claim on this region (conflict)." if row.get("conflict") else ""
    if row.get("status") == "assigned":
        rep = reps.get(row.get("rep_id"))
        who = rep.name if rep else row.get("rep_id")
        rule = row.get("rule")
        if rule == "locked":
            return f"Locked to {who} in {territory} by an override.{conflict}"
        if rule == "owner":
            return f"{who}, the current owner, covers {territory} and was below capacity, so keeps it.{conflict}"
        if rule == "kept":
            # "kept": a saved assignment kept (rebalance), a lock lifted in an edit while its rep held the account, or
            # an account an edit moved away going back to the rep it had when the session started: true of all three
            # ("already held it" was not, for the last: another rep held it in between)
            return (f"{who} held it before (in the saved plan or earlier in this session), covers {territory} and was "
                    f"below capacity, so has it.{conflict}")  # fmt: skip
        return f"{who} had the most free capacity among {territory}'s active reps.{conflict}"
    reason = row.get("reason")
    if reason == "no-matching-territory":
        detail = row.get("reason_detail")
        if detail == "industry":
            if row.get("industry") is None:
                return f"Territories claim {region}, but each takes only some industries and the account has none."
            return f"Territories claim {region}, but none admits industry '{row.get('industry')}'."
        if detail == "tier":
            if row.get("tier") is None:
                # (a tier the file gave that is none of the three, "Gold", was left empty with a warning: "has none"
                # contradicted the file, a review)
                return (f"Territories claim {region} and admit its industry, but each takes only some tiers and the "
                        "account has no tier (enterprise, mid-market or SMB).")  # fmt: skip
            return f"Territories claim {region} and admit its industry, but none admits tier '{row.get('tier')}'."
        if row.get("region_id") is None:
            return "The account lies outside every region, so no territory can claim it."
        return f"No territory claims {region} or a region containing it."
    # (an equal claim said here too: the account waits in the territory the lower id gave it, while the other one's
    # reps may have room, a review)
    if reason == "no-available-rep":
        return f"{territory} claims {region} but has no active rep.{conflict}"
    if reason == "at-capacity":
        team = ", ".join(r.name for r in plan.reps_of(row.get("territory_id")))
        return f"Every active rep of {territory} ({team}) is at capacity.{conflict}"
    return "Unknown outcome."


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)
