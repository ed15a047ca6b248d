"""What changed between two versions of a plan.

Regions moved, accounts that change territory or rep, and the per-rep handoffs a manager gives the reps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

import pandas as pd

from territory.edits import TERRITORY_ATTRIBUTES
from territory.formatting import and_list, counted, money, name_list, percent
from territory.model import Override, Plan, Rep, Territory

__all__ = [
    "MergeConflict",
    "PlanDiff",
    "diff_plans",
    "grouped_by_claim",
    "merge_plans",
    "rep_changes",
    "rep_changes_said",
    "territories_reshaped",
    "accounts_both_hold",
]


@dataclass(frozen=True)
class PlanDiff:
    """Differences from an old plan to a new one.

    Attributes
    ----------
    regions : DataFrame
        ``region_id, from_territory_id, to_territory_id, from_name, to_name``: regions whose listing moved
        (a region listed by no territory on one side shows None there).
    territories : DataFrame
        ``territory_id, name, change, detail``: territories added, removed or changed (name, color, quota,
        focus, parent, priority), or, change ``regions``, that only gained or lost regions ("regions: 3 gained, 1
        lost"; counted among the regions moved, not again as a territory changed).
    accounts : DataFrame
        ``account_id, from_territory_id, to_territory_id, from_rep_id, to_rep_id, value``, then the same by name
        (``from_territory``, ``to_territory``, ``from_rep``, ``to_rep``; and the account's ``name`` after its id
        when the assignments have names): accounts whose territory or rep differ (empty without assignments).
    handoffs : DataFrame
        Per rep: ``rep_id, name, accounts_gained, value_gained, accounts_lost, value_lost, net_accounts``; last,
        a row without a rep id (``name`` :data:`NO_REP`) for accounts that had no rep (waiting, or new) or have none
        now, so that the accounts gained add up to those lost.
    reps : DataFrame
        ``rep_id, name, change, detail``: reps added, removed or changed (:func:`rep_changes`; the fields changed,
        old → new: name, active, capacity, territories by name, quota attainment, specialties, home, ...).
    whole_claims : mapping
        Unit → the claim it is part of, for the claims either plan lists whole that were compared unit by unit
        (county → state); read by :meth:`regions_by_claim`.
    """

    regions: pd.DataFrame
    territories: pd.DataFrame
    accounts: pd.DataFrame
    handoffs: pd.DataFrame
    reps: pd.DataFrame
    whole_claims: Mapping[str, str] = field(default_factory=dict)

    @property
    def territories_changed(self) -> int:
        """Territories added, removed or changed, not counting those that only gained or lost regions."""
        return int(self.territories["change"].ne("regions").sum()) if len(self.territories) else 0

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return self.regions.empty and self.territories.empty and self.accounts.empty and self.reps.empty

    def said(self, *, region_label: Callable[[str], str] | None = None, shown: int = 3) -> str:
        """What changed in a line (for the audit log): regions moved, territories and reps changed, a few by name.

        Regions by claim (a state moved whole is one), each "to" its new territory; territories by name with what
        changed; reps as :func:`rep_changes_said`. "No change to the plan" when none.

        Examples
        --------
        >>> from territory import plan_from_dict
        >>> def plan(west, capacity):
        ...     return plan_from_dict({"territories": [{"territory_id": "W", "name": "West", "region_ids": west},
        ...                                            {"territory_id": "S", "name": "South", "region_ids": ["US-TX"]}],
        ...                            "reps": [{"rep_id": "A", "name": "Ann", "territory_ids": ["W"],
        ...                                      "capacity": capacity}]})
        >>> diff_plans(plan(["US-CA"], 40), plan(["US-CA", "US-NV"], 50)).said()
        'Moved 1 region: US-NV to West; Ann capacity 40 → 50'
        >>> diff_plans(plan(["US-CA"], 40), plan(["US-CA"], 40)).said()
        'No change to the plan'
        """
        label = region_label or str
        said = []
        regions = self.regions_by_claim()
        if len(regions):
            moves = [f"{label(r.region_id)} to {r.to_name or 'no territory'}" for r in regions.itertuples()]
            units = int(regions["units"].sum())
            said.append(f"Moved {counted(units, 'region')}: " + (name_list(moves, shown) if len(moves) > shown
                                                                  else "; ".join(moves)))  # fmt: skip
        territories = self.territories[self.territories["change"].ne("regions")] if len(self.territories) else []
        if len(territories):
            changed = [
                f"{t.name} {t.change}" + (f" ({t.detail})" if t.detail else "") for t in territories.itertuples()
            ]
            said.append(name_list(changed, shown) if len(changed) > shown else "; ".join(changed))
        if len(self.reps):
            said.append(rep_changes_said(self.reps, shown))
        return "; ".join(said) or "No change to the plan"

    def regions_by_claim(self) -> pd.DataFrame:
        """The regions moved with each claim whose every unit moved alike as one row, for people to read.

        Compared county by county once either version hands out counties, a state moved whole lists each of its
        counties ("Arizona" read as 15 regions moved beside one carved county, a review). Here they are one row
        again, the state's; ``units`` says how many units each row stands for (1 for a region on its own), so the
        rows' units add up to the regions moved.

        Returns
        -------
        DataFrame
            :attr:`regions`' columns and ``units``, in their order (a state's row where its first county was).

        Examples
        --------
        >>> from territory import plan_from_dict
        >>> def plan(west, south):
        ...     return plan_from_dict({"territories": [{"territory_id": "W", "region_ids": west},
        ...                                            {"territory_id": "S", "region_ids": south}], "reps": []})
        >>> parents = {"US-04001": "US-AZ", "US-04003": "US-AZ", "US-48453": "US-TX", "US-48001": "US-TX"}
        >>> diff = diff_plans(plan(["US-AZ"], ["US-TX"]), plan(["US-48453"], ["US-AZ", "US-TX"]), parents=parents)
        >>> len(diff.regions), diff.regions_by_claim()[["region_id", "to_territory_id", "units"]].values.tolist()
        (3, [['US-AZ', 'S', 2], ['US-48453', 'W', 1]])
        """
        return grouped_by_claim(self.regions, self.whole_claims)


def grouped_by_claim(regions: pd.DataFrame, whole_claims: Mapping[str, str]) -> pd.DataFrame:
    """Regions moved, each claim whose every unit moved alike (same from, same to) on one row (:meth:`PlanDiff.regions_by_claim`).

    Parameters
    ----------
    regions : DataFrame
        ``region_id``, ``from_territory_id``, ``to_territory_id`` and any other columns, one row a unit moved.
    whole_claims : mapping
        Unit → the claim it is part of (county → state), for every unit of each claim.

    Returns
    -------
    DataFrame
        ``regions``' columns and ``units``: a claim's row takes its first unit's place, with the claim's id.

    Examples
    --------
    >>> moved = pd.DataFrame({"region_id": ["A1", "A2", "B1"], "from_territory_id": ["W", "W", "W"],
    ...                       "to_territory_id": ["S", "S", "S"]})
    >>> grouped_by_claim(moved, {"A1": "A", "A2": "A", "B1": "B", "B2": "B"})[["region_id", "units"]].values.tolist()
    [['A', 2], ['B1', 1]]
    """
    out = regions.assign(units=1)
    if not whole_claims or out.empty:
        return out
    claim = out["region_id"].map(whole_claims)
    sizes = pd.Series(list(whole_claims.values())).value_counts()
    sides = [out[c].fillna("") for c in ("from_territory_id", "to_territory_id")]
    together = out.groupby([claim, *sides], sort=False)["region_id"].transform("size")
    whole = claim.notna() & together.eq(claim.map(sizes))
    repeated = pd.concat([claim, *sides], axis=1).duplicated() & whole
    out.loc[whole, "units"] = together[whole]
    out.loc[whole, "region_id"] = claim[whole]
    return out[~repeated].reset_index(drop=True)


def _listing(plan: Plan) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for t in plan.territories:
        for region_id in t.region_ids:
            out.setdefault(region_id, []).append(t.territory_id)
    return {r: tuple(sorted(ts)) for r, ts in out.items()}


def _claims(region_ids, parents: Mapping[str, str] | None, units: Mapping[str, int] | None = None,
            region_label: Callable[[str], str] | None = None) -> str:  # fmt: skip
    """How many regions a territory claims: a state claimed beside its own counties is not counted as one more.

    Such a state is claimed for the accounts placed in it as a whole (no county known): the Rebalance page, which
    counts counties, said 318 where this said 320. ("and 1 of their states as a whole" read as all of New York;
    "and the accounts placed in their state with no county" read as garbled, the eleventh new user's test: the
    state is named.) ``units``: claim → its number of units, for the claims compared unit by unit (a state claimed
    whole counts its counties then, as the regions moved do).

    Examples
    --------
    >>> _claims(["US-TX", "US-48001", "US-48003", "US-LA"], {"US-48001": "US-TX", "US-48003": "US-TX"},
    ...         region_label={"US-TX": "Texas"}.get)
    '3 regions, and the accounts placed in Texas as a whole (with no county)'
    >>> _claims(["US-TX", "US-LA"], None), _claims(["US-TX", "US-LA"], None, {"US-TX": 254}), _claims(["US-TX"], None)
    ('2 regions', '255 regions', '1 region')
    """
    claimed = set(region_ids)
    wholes = {parents[r] for r in claimed if parents and r in parents} & claimed
    claims = sum((units or {}).get(r, 1) for r in claimed - wholes)
    if not wholes:
        return counted(claims, "region")
    label = region_label or str
    where = and_list([label(r) for r in sorted(wholes)]) if len(wholes) <= 3 else f"{len(wholes)} of their states"
    return counted(claims, "region") + f", and the accounts placed in {where} as a whole (with no county)"


def territories_reshaped(regions: pd.DataFrame) -> set[str]:
    """The territories that gained or lost a region among ``regions`` (a diff's moved regions).

    A region two territories share lists both, joined ("US-CENTRAL-SMB, USC"): each counts on its own, and only
    where it gained or lost the region (counted whole, the joined ids were a territory of their own: five
    territories changed where three did, a new user's test).

    Examples
    --------
    >>> moved = pd.DataFrame({"from_territory_id": ["USC", "E", None], "to_territory_id": ["SMB, USC", "W", "W"]})
    >>> sorted(territories_reshaped(moved))
    ['E', 'SMB', 'W']
    """

    def ids(value) -> set[str]:
        return set(value.split(", ")) if isinstance(value, str) and value else set()

    out: set[str] = set()
    for before, after in zip(regions["from_territory_id"], regions["to_territory_id"], strict=True):
        out |= ids(before) ^ ids(after)
    return out


def _gained_and_lost(regions: pd.DataFrame, territory_id: str) -> str:
    """What a territory gained and lost among the regions moved: "regions: 12 gained, 3 lost" (empty for none).

    Examples
    --------
    >>> moved = pd.DataFrame({"from_territory_id": ["E", "W", None], "to_territory_id": ["W", "E, N", "W"]})
    >>> _gained_and_lost(moved, "W"), _gained_and_lost(moved, "E"), _gained_and_lost(moved, "S")
    ('regions: 2 gained, 1 lost', 'regions: 1 gained, 1 lost', '')
    """

    def holds(ids) -> pd.Series:
        return ids.map(lambda v: isinstance(v, str) and territory_id in v.split(", "))

    before, after = holds(regions["from_territory_id"]), holds(regions["to_territory_id"])
    gained, lost = int((after & ~before).sum()), int((before & ~after).sum())
    parts = [f"{gained} gained"] * bool(gained) + [f"{lost} lost"] * bool(lost)
    return f"regions: {', '.join(parts)}" if parts else ""


def _down_to_units(listing: dict, mixed: set, children: Mapping[str, list]) -> dict:
    """``listing`` with each of the ``mixed`` claims given to its units (``children``), where none claims them.

    A state one version claims whole and the other hands out by county is compared county by county: a county
    that stays in the same territory did not move, and one that neither claims now is in no territory.
    """
    out = {r: ts for r, ts in listing.items() if r not in mixed}
    for parent in mixed & listing.keys():
        for unit in children[parent]:
            out.setdefault(unit, listing[parent])
    return out


def accounts_both_hold(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, int]]:
    """Two versions' saved assignments cut to the accounts both hold, and how many each held apart.

    Versions saved with different account files (another file loaded between the saves) compare only the accounts
    both hold: a rename read as 4,477 accounts changing hands, the accounts of one file that the other did not have.

    Examples
    --------
    >>> a = pd.DataFrame({"account_id": ["A", "B", "C"], "rep_id": ["R1", "R1", "R2"]})
    >>> b = pd.DataFrame({"account_id": ["B", "C", "D", "E"], "rep_id": ["R2", "R2", "R1", "R1"]})
    >>> old, new, apart = accounts_both_hold(a, b)
    >>> old["account_id"].tolist(), new["account_id"].tolist(), apart
    (['B', 'C'], ['B', 'C'], (1, 2))
    """
    # (at once, as plain objects: 150,000 a side; pandas' Arrow strings looked each up in a Python loop)
    ids = [pd.Index(frame["account_id"].map(str).to_numpy(dtype=object), dtype=object) for frame in (old, new)]
    held = [ids[0].isin(ids[1]), ids[1].isin(ids[0])]
    apart = (ids[0][~held[0]].nunique(), ids[1][~held[1]].nunique())
    if not any(apart):
        return old, new, apart
    return old[held[0]], new[held[1]], apart


def diff_plans(
    old: Plan,
    new: Plan,
    old_assignments: pd.DataFrame | None = None,
    new_assignments: pd.DataFrame | None = None,
    *,
    parents: Mapping[str, str] | None = None,
    region_label: Callable[[str], str] | None = None,
) -> PlanDiff:
    """Compare two plans (and, when given, their account assignments).

    Parameters
    ----------
    old, new : Plan
    old_assignments, new_assignments : DataFrame, optional
        ``account_id, territory_id, rep_id, status, value`` per account (as the store keeps them).
    parents : mapping, optional
        Unit → the claim it is part of (county → state: ``geo.editing.unit_parents``), for every unit of the claims
        the plans hold. A claim that one side holds whole and either side splits into units (a rebalance at county
        level hands out the counties of a state) is then compared unit by unit, and so is every other claim of
        ``parents`` then (a state that changed hands whole counts its counties, as the rebalance that moved it
        does); without it such a state shows as moved to no territory and each of its counties as coming from none.
    region_label : callable, optional
        Region id → its name, for the reps' homes (else the id).

    Returns
    -------
    PlanDiff

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> old = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY", "US-NJ"]},
    ...                                       {"territory_id": "W", "region_ids": ["US-CA"]}], "reps": []})
    >>> new = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]},
    ...                                       {"territory_id": "W", "region_ids": ["US-CA", "US-NJ"]}], "reps": []})
    >>> diff_plans(old, new).regions[["region_id", "from_territory_id", "to_territory_id"]].values.tolist()
    [['US-NJ', 'E', 'W']]

    West hands out New Jersey's counties: one goes east, the other stays west.

    >>> counties = {"US-34001": "US-NJ", "US-34003": "US-NJ"}
    >>> newer = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY", "US-34001"]},
    ...                                         {"territory_id": "W", "region_ids": ["US-CA", "US-34003"]}], "reps": []})
    >>> diff = diff_plans(new, newer, parents=counties)
    >>> diff.regions[["region_id", "from_territory_id", "to_territory_id"]].values.tolist()
    [['US-34001', 'W', 'E']]
    """
    names = {t.territory_id: t.name for t in old.territories} | {t.territory_id: t.name for t in new.territories}
    before, after = _listing(old), _listing(new)
    if parents:  # (a claim with units claimed on either side goes down to its units on both sides)
        children: dict[str, list[str]] = {}
        for unit, parent in parents.items():
            children.setdefault(parent, []).append(unit)
        mixed = {parents[r] for r in before.keys() | after.keys() if r in parents}
        if mixed:
            # (and where either version hands out counties at all, every state county by county: a county-level
            # rebalance claims whole again the states one territory ends up with, and a state that changed hands
            # whole counted as one region on the Plans page, as its counties on the Rebalance page)
            mixed |= (before.keys() | after.keys()) & children.keys()
        units = {parent: len(children[parent]) for parent in mixed}
        # (the claims listed whole on a side: their units are all in ``parents``, a row per unit moved)
        listed = mixed & (before.keys() | after.keys())
        whole_claims = {unit: parent for parent in listed for unit in children[parent]}
        before, after = _down_to_units(before, mixed, children), _down_to_units(after, mixed, children)
    else:
        units, whole_claims = None, {}
    rows = []
    for region_id in sorted(before.keys() | after.keys()):
        a, b = before.get(region_id, ()), after.get(region_id, ())
        if a != b:
            rows.append((region_id, ", ".join(a) or None, ", ".join(b) or None))
    regions = pd.DataFrame(rows, columns=["region_id", "from_territory_id", "to_territory_id"], dtype=object)
    # (each side by its own plan's names: a plan drawn anew may give an old id a new name)
    old_names = names | {t.territory_id: t.name for t in old.territories}
    regions["from_name"] = regions["from_territory_id"].map(lambda t: _names(t, old_names))
    regions["to_name"] = regions["to_territory_id"].map(lambda t: _names(t, names))

    old_t = {t.territory_id: t for t in old.territories}
    new_t = {t.territory_id: t for t in new.territories}
    changes = []
    for territory_id in [*old_t, *(t for t in new_t if t not in old_t)]:
        a, b = old_t.get(territory_id), new_t.get(territory_id)
        if a is None or b is None:
            # (with what it was given besides its regions: a new territory's quota went unsaid, a new user's test)
            territory = b if a is None else a
            detail = "; ".join([_claims(territory.region_ids, parents, units, region_label), *_given(territory)])
            changes.append((territory_id, territory.name, "added" if a is None else "removed", detail))
        else:
            fields = [f for f in TERRITORY_ATTRIBUTES if getattr(a, f) != getattr(b, f)]
            if fields:
                detail = "; ".join(
                    f"{f.replace('_', ' ')}: {_show(f, getattr(a, f))} → {_show(f, getattr(b, f))}" for f in fields
                )
                # (with its regions too: "annual quota: $10,000,000 → $2,353,370" alone hid that it lost six states)
                moved = _gained_and_lost(regions, territory_id)
                changes.append((territory_id, b.name, "changed", f"{detail}; {moved}" if moved else detail))
            elif moved := _gained_and_lost(regions, territory_id):
                # (a territory that only gained or lost regions is listed too: the Plans page said "Territories
                # changed 3" over a table of one row, the renamed one, a new user's test)
                changes.append((territory_id, b.name, "regions", moved))
    territories = pd.DataFrame(changes, columns=["territory_id", "name", "change", "detail"], dtype=object)

    accounts = _account_changes(old_assignments, new_assignments)
    handoffs = _handoffs(accounts, old, new)
    # Said with names too, for the people who read the transition list.
    # (each side by its own plan's names: a plan drawn anew may give an old id a new name)
    for side, plan in (("from", old), ("to", new)):
        territory_names = names | {t.territory_id: t.name for t in plan.territories}
        rep_names = {r.rep_id: r.name for r in old.reps} | {r.rep_id: r.name for r in plan.reps}
        accounts[f"{side}_territory"] = [_names(t, territory_names) for t in accounts[f"{side}_territory_id"]]
        accounts[f"{side}_rep"] = [rep_names.get(r, r) if r else NO_REP for r in accounts[f"{side}_rep_id"]]
    # (a name column whenever the assignments have names, accounts moved or not: a file's columns stay the same)
    if new_assignments is not None and "name" in new_assignments.columns:
        account_names = pd.concat(
            [
                frame.set_index("account_id")["name"]
                for frame in (old_assignments, new_assignments)
                if frame is not None and "name" in frame.columns
            ]  # fmt: skip
        )
        account_names = account_names[~account_names.index.duplicated(keep="last")]
        accounts.insert(1, "name", accounts["account_id"].map(account_names).astype(object))
    return PlanDiff(
        regions=regions,
        territories=territories,
        accounts=accounts,
        handoffs=handoffs,
        reps=rep_changes(old, new, region_label=region_label),
        whole_claims=whole_claims,
    )


_REP_CHANGE_COLUMNS = ["rep_id", "name", "change", "detail"]
# (the fields of a rep compared, in the roster's order, with the words that say them)
_REP_FIELDS = {
    field: field.replace("_", " ")
    for field in ("name", "active", "home_region", "capacity", "quota_attainment", "territory_ids", "specialties",
                  "current_accounts", "salesforce_user_id", "hubspot_owner")
} | {"home_region": "home", "territory_ids": "territories", "salesforce_user_id": "Salesforce user id",
     "hubspot_owner": "HubSpot owner"}  # fmt: skip


def rep_changes(old: Plan, new: Plan, *, region_label: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Reps added, removed or changed from ``old`` to ``new``: ``rep_id, name, change, detail``.

    ``detail`` says each changed field, old → new ("capacity 180 → 50; active yes → no"); territories by name (each
    side by its own plan's names), quota attainment as a percentage, homes by ``region_label`` (else the id). A rep
    added or removed has its territories, capacity and whether active as its detail, then its home, quota attainment
    and specialties where it has them.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> def plan(reps):
    ...     return plan_from_dict({"territories": [{"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
    ...                                            {"territory_id": "W", "name": "West", "region_ids": ["US-CA"]}],
    ...                            "reps": reps})
    >>> ann = {"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "capacity": 180, "quota_attainment": 1.1}
    >>> old = plan([ann, {"rep_id": "B", "name": "Bo", "territory_ids": ["W"]}])
    >>> new = plan([{**ann, "capacity": 50, "territory_ids": ["E", "W"], "active": False}])
    >>> rep_changes(old, new).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['A', 'Ann', 'changed', 'active yes → no; capacity 180 → 50; territories East → East, West'],
     ['B', 'Bo', 'removed', 'territories West; capacity 40; active']]
    """
    names = [{t.territory_id: t.name or t.territory_id for t in p.territories} for p in (old, new)]
    old_r, new_r = {r.rep_id: r for r in old.reps}, {r.rep_id: r for r in new.reps}
    rows = []
    for rep_id in [*old_r, *(r for r in new_r if r not in old_r)]:
        a, b = old_r.get(rep_id), new_r.get(rep_id)
        if a is None or b is None:
            rep, side = (b, 1) if a is None else (a, 0)
            detail = (
                f"territories {_rep_value('territory_ids', rep.territory_ids, names[side], region_label)}; "
                f"capacity {rep.capacity:,}; {'active' if rep.active else 'inactive'}"
            )
            # (and what else the rep was given: a rep added read "territories, capacity, active" alone, their home,
            # quota attainment and specialties left out, a new user's test)
            detail += "".join(
                f"; {_REP_FIELDS[f]} {_rep_value(f, getattr(rep, f), names[side], region_label)}"
                for f in ("home_region", "quota_attainment", "specialties")
                if getattr(rep, f)
            )
            rows.append((rep_id, rep.name, "added" if a is None else "removed", detail))
            continue
        fields = [f for f in _REP_FIELDS if getattr(a, f) != getattr(b, f)]
        if fields:
            detail = "; ".join(
                f"{_REP_FIELDS[f]} {_rep_value(f, getattr(a, f), names[0], region_label)} → "
                f"{_rep_value(f, getattr(b, f), names[1], region_label)}"
                for f in fields
            )
            rows.append((rep_id, b.name, "changed", detail))
    return pd.DataFrame(rows, columns=_REP_CHANGE_COLUMNS, dtype=object)


def _rep_value(field: str, value, territory_names: Mapping[str, str], region_label=None) -> str:
    """A rep's field in a few words, for :func:`rep_changes`."""
    if field == "territory_ids":
        return ", ".join(territory_names.get(t, t) for t in value) or "none"
    if field == "active":
        return "yes" if value else "no"
    if field == "quota_attainment":
        return percent(value)
    if field == "home_region":
        return "none" if not value else region_label(value) if region_label else value
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "none" if value is None or value == "" else str(value)


def rep_changes_said(changes: pd.DataFrame, shown: int = 3) -> str:
    """The reps changed in a line, for a step of the edit history ("Sarah Chen capacity 180 → 50").

    Examples
    --------
    >>> changes = pd.DataFrame({"name": ["Ann", "Bo"], "change": ["changed", "added"],
    ...                         "detail": ["capacity 180 → 50", "territories East; capacity 40; active"]})
    >>> rep_changes_said(changes)
    'Ann capacity 180 → 50; Bo added'
    """
    said = [f"{row.name} {row.detail if row.change == 'changed' else row.change}" for row in changes.itertuples()]
    return name_list(said, shown) if len(said) > shown else "; ".join(said)


def _names(ids: str | None, names: dict) -> str:
    if ids is None:
        return "No territory"
    return ", ".join(names.get(t, t) for t in ids.split(", "))


def _given(territory) -> list[str]:
    """What a territory added or removed holds besides its regions, said as a change says it: quota, focus, parent.

    Examples
    --------
    >>> from territory.model import Territory
    >>> _given(Territory("N", "North", ("US-TX",), annual_quota=2_500_000, tiers=("enterprise",)))
    ['annual quota: $2,500,000', 'tiers: enterprise']
    >>> _given(Territory("N", "North", ("US-TX",)))
    []
    """
    said = []
    for name in ("annual_quota", "industries", "tiers", "parent_id", "priority"):
        value = getattr(territory, name)
        if value not in (None, (), 0, 0.0):
            said.append(f"{name.replace('_', ' ')}: {_show(name, value)}")
    return said


def _show(field: str, value) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "all"
    if field == "annual_quota":
        return money(value)
    if isinstance(value, float):
        return f"{value:,.0f}"
    return "none" if value is None else str(value)


_ACCOUNT_COLUMNS = ["account_id", "from_territory_id", "to_territory_id", "from_rep_id", "to_rep_id", "value"]


def _account_changes(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.DataFrame:
    if old is None or new is None or old.empty or new.empty:  # a side saved without accounts: nothing to compare
        return pd.DataFrame(columns=_ACCOUNT_COLUMNS)

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        assigned = frame["status"].eq("assigned")
        frame["rep_id"] = frame["rep_id"].astype(object).where(assigned & frame["rep_id"].notna(), None)
        frame["territory_id"] = frame["territory_id"].astype(object).where(frame["territory_id"].notna(), None)
        return frame.set_index("account_id")[["territory_id", "rep_id", "value"]]

    joined = keyed(old).join(keyed(new), how="outer", suffixes=("_old", "_new"))
    changed = pd.Series(False, index=joined.index)
    for key in ("territory_id", "rep_id"):
        a, b = joined[f"{key}_old"].astype(object), joined[f"{key}_new"].astype(object)
        changed |= ~((a == b) | (a.isna() & b.isna()))
    out = joined[changed].reset_index()
    return pd.DataFrame(
        {
            "account_id": out["account_id"].astype(object),
            "from_territory_id": out["territory_id_old"].astype(object).where(out["territory_id_old"].notna(), None),
            "to_territory_id": out["territory_id_new"].astype(object).where(out["territory_id_new"].notna(), None),
            "from_rep_id": out["rep_id_old"].astype(object).where(out["rep_id_old"].notna(), None),
            "to_rep_id": out["rep_id_new"].astype(object).where(out["rep_id_new"].notna(), None),
            "value": out["value_new"].fillna(out["value_old"]).astype(float),
        }
    ).sort_values("account_id", ignore_index=True)


NO_REP = "Waiting list (no rep)"


def _handoffs(accounts: pd.DataFrame, old: Plan, new: Plan) -> pd.DataFrame:
    """Per rep, the accounts gained and lost; a last row with no rep id for the accounts that had or get none.

    That row is the other side of an account a rep takes from the waiting list (or a new account), or one that goes
    back to waiting: with it, the accounts gained add up to the accounts lost.
    """
    columns = ["rep_id", "name", "accounts_gained", "value_gained", "accounts_lost", "value_lost", "net_accounts"]
    if accounts.empty:
        return pd.DataFrame(columns=columns)
    none = ""  # (no rep id is empty; None and NaN alike, so that no rep before and after is no handoff)
    to_all = accounts["to_rep_id"].astype(object).where(accounts["to_rep_id"].notna(), none)
    from_all = accounts["from_rep_id"].astype(object).where(accounts["from_rep_id"].notna(), none)
    changed = to_all != from_all
    moved, to_rep, from_rep = accounts[changed], to_all[changed], from_all[changed]
    gained = moved["value"].groupby(to_rep).agg(["size", "sum"])
    lost = moved["value"].groupby(from_rep).agg(["size", "sum"])
    names = {r.rep_id: r.name for r in old.reps} | {r.rep_id: r.name for r in new.reps}
    reps = sorted((set(gained.index) | set(lost.index)) - {none})
    reps += [none] if none in gained.index or none in lost.index else []
    table = pd.DataFrame(
        {
            "rep_id": pd.Series([r if r != none else None for r in reps], dtype=object),
            "name": [names.get(r, r) if r != none else NO_REP for r in reps],
            "accounts_gained": [int(gained["size"].get(r, 0)) for r in reps],
            "value_gained": [float(gained["sum"].get(r, 0.0)) for r in reps],
            "accounts_lost": [int(lost["size"].get(r, 0)) for r in reps],
            "value_lost": [float(lost["sum"].get(r, 0.0)) for r in reps],
        }
    )
    table["net_accounts"] = table["accounts_gained"] - table["accounts_lost"]
    return table[columns]


@dataclass(frozen=True)
class MergeConflict:
    """Something both sides changed, differently, since the version they started from.

    Attributes
    ----------
    key : str
        Stable id, for :func:`merge_plans`' ``keep_theirs``: ``"region US-PA"``, ``"territory E"``,
        ``"E.name"`` (a territory's field), ``"rep A"`` (a rep added or removed on one side), ``"rep A.capacity"``
        (a rep's field), ``"name"``, ``"overrides"``, ``"settings"``, ``"carve-outs"``.
    what : str
        The thing, in words ("Region US-PA", "East: name", "Rep Ann").
    yours, theirs : str
        What each side made of it, in words ("West", "no territory", "removed", "$7,500,000").
    kept : str
        ``"yours"`` or ``"theirs"``: the side the merged plan follows.
    base : str
        What it was in the version both started from, in the same words.
    """

    key: str
    what: str
    yours: str
    theirs: str
    kept: str = "yours"
    base: str = ""

    def __str__(self) -> str:
        return f"{self.key}: changed on both sides; kept {self.kept}"


def _said(value, plan: Plan) -> str:
    """A plan's value in a few words, for a conflict."""
    names = {t.territory_id: t.name for t in plan.territories}
    if value is None:
        return "removed"
    if isinstance(value, Territory):
        return f"{value.name}: changed"
    if isinstance(value, Rep):
        held = ", ".join(names.get(t, t) for t in value.territory_ids) or "no territory"
        active = "" if value.active else ", inactive"
        return f"{value.name}: {held}, capacity {value.capacity}{active}"
    if isinstance(value, tuple) and all(isinstance(v, Override) for v in value):
        return counted(len(value), "account override")
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, str):
        return value or "(empty)"
    if value is not None and not isinstance(value, (int, float, bool)):
        return "changed"
    return str(value)


# Every field of a rep a merge takes one by one (one added to Rep later too), said as rep_changes says it
_REP_MERGED = {f.name: _REP_FIELDS.get(f.name, f.name.replace("_", " ")) for f in dataclass_fields(Rep)
               if f.name != "rep_id"}  # fmt: skip


def _rep_field_said(attribute: str, value, plan: Plan) -> str:
    """A rep's field in a few words, for a conflict (:func:`_rep_value`; no territories said as "no territory")."""
    if attribute == "territory_ids" and not value:
        return "no territory"
    return _rep_value(attribute, value, {t.territory_id: t.name or t.territory_id for t in plan.territories})


def merge_plans(base: Plan, mine: Plan, theirs: Plan, *, keep_theirs=()) -> tuple[Plan, list[MergeConflict]]:
    """Three-way merge: the changes from ``base`` to ``mine`` applied on top of ``theirs``.

    Region by region (which territories list it), territory by territory and rep by rep, field by field: what I
    changed wins where they did not change it. Where both changed the same thing differently it is a conflict:
    mine is kept, unless its :attr:`MergeConflict.key` is in ``keep_theirs``. Call once without ``keep_theirs``
    to list the conflicts, and again with the user's choices.

    Parameters
    ----------
    base, mine, theirs : Plan
        The version both started from, my edited plan, and the version they saved.
    keep_theirs : collection of str, optional
        Keys of the conflicts to settle their way.

    Returns
    -------
    (Plan, list of MergeConflict)
        The merged plan and the conflicts, each with the side kept.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> def plan(east, west):
    ...     return plan_from_dict({"territories": [{"territory_id": "E", "region_ids": east},
    ...                                            {"territory_id": "W", "region_ids": west}], "reps": []})
    >>> base = plan(["US-NY", "US-NJ"], ["US-CA"])
    >>> mine = plan(["US-NY"], ["US-CA", "US-NJ"])          # I moved NJ west
    >>> theirs = plan(["US-NY", "US-NJ", "US-PA"], ["US-CA"])  # they added PA to the east
    >>> merged, conflicts = merge_plans(base, mine, theirs)
    >>> [t.region_ids for t in merged.territories], conflicts
    ([('US-NY', 'US-PA'), ('US-CA', 'US-NJ')], [])
    >>> mine_too = plan(["US-NY"], ["US-CA", "US-PA"])     # now we both placed PA, differently
    >>> [str(c) for c in merge_plans(base, mine_too, theirs)[1]]
    ['region US-PA: changed on both sides; kept yours']
    >>> merged, conflicts = merge_plans(base, mine_too, theirs, keep_theirs={"region US-PA"})
    >>> [t.region_ids for t in merged.territories], conflicts[0].yours, conflicts[0].theirs, conflicts[0].kept
    ([('US-NY', 'US-PA'), ('US-CA',)], 'W', 'E', 'theirs')
    """
    from dataclasses import replace

    keep_theirs = set(keep_theirs)
    conflicts: list[MergeConflict] = []

    def pick(key, what, b, m, t, say=None):
        if m == b:
            return t
        if t != b and t != m:
            kept = "theirs" if key in keep_theirs else "yours"
            say = say or _said
            conflicts.append(MergeConflict(key, what, say(m, mine), say(t, theirs), kept, say(b, base)))
            return t if kept == "theirs" else m
        return m

    def territory_names(held, plan):
        names = {t.territory_id: t.name for t in plan.territories}
        return ", ".join(names.get(t, t) for t in held) or "no territory"

    by_id = [{t.territory_id: t for t in p.territories} for p in (base, mine, theirs)]
    order = list(by_id[2]) + [k for k in by_id[1] if k not in by_id[2]]
    territories = {}
    for territory_id in order:
        b, m, t = (d.get(territory_id) for d in by_id)
        name = next(x.name for x in (b, m, t) if x is not None)  # (as it was: both sides may have renamed it)
        if m is None or t is None or b is None:
            chosen = pick(f"territory {territory_id}", f"Territory {name}", b, m, t)
            if chosen is not None:
                territories[territory_id] = chosen
            continue
        fields = {}
        for attribute in TERRITORY_ATTRIBUTES:
            fields[attribute] = pick(f"{territory_id}.{attribute}", f"{name}: {attribute.replace('_', ' ')}",
                                     getattr(b, attribute), getattr(m, attribute), getattr(t, attribute),
                                     say=lambda value, _plan, attribute=attribute: _show(attribute, value))  # fmt: skip
        territories[territory_id] = replace(t, **fields)
    listings = [_listing(p) for p in (base, mine, theirs)]
    regions = listings[0].keys() | listings[1].keys() | listings[2].keys()
    final = {
        r: pick(f"region {r}", f"Region {r}", *(lst.get(r, ()) for lst in listings), say=territory_names)
        for r in sorted(regions)
    }
    members: dict[str, list[str]] = {k: [] for k in territories}
    for territory_id, territory in territories.items():
        for region_id in territory.region_ids:
            if territory_id in final.get(region_id, ()) and region_id not in members[territory_id]:
                members[territory_id].append(region_id)
    for region_id, holders in final.items():
        for territory_id in holders:
            if territory_id in members and region_id not in members[territory_id]:
                members[territory_id].append(region_id)
    merged_territories = tuple(replace(t, region_ids=tuple(members[k])) for k, t in territories.items())
    reps_by_id = [{r.rep_id: r for r in p.reps} for p in (base, mine, theirs)]
    reps = []
    for rep_id in list(reps_by_id[2]) + [k for k in reps_by_id[1] if k not in reps_by_id[2]]:
        b, m, t = (d.get(rep_id) for d in reps_by_id)
        name = next(r.name for r in (b, m, t) if r is not None)  # (as it was)
        if m is None or t is None or b is None:
            chosen = pick(f"rep {rep_id}", f"Rep {name}", b, m, t)
            if chosen is not None:
                reps.append(chosen)
            continue
        # Field by field, as territories: one manager's capacity and the other's quota attainment both kept (the
        # rep merged whole kept mine, and their capacity was lost unsaid, a new user's test)
        rep_fields = {
            attribute: pick(f"rep {rep_id}.{attribute}", f"Rep {name}: {said_as}",
                            getattr(b, attribute), getattr(m, attribute), getattr(t, attribute),
                            say=lambda value, plan, attribute=attribute: _rep_field_said(attribute, value, plan))
            for attribute, said_as in _REP_MERGED.items()
        }  # fmt: skip
        reps.append(replace(t, **rep_fields))
    merged = replace(
        theirs,
        name=pick("name", "Plan name", base.name, mine.name, theirs.name),
        territories=merged_territories,
        reps=tuple(reps),
        overrides=pick("overrides", "Account overrides", base.overrides, mine.overrides, theirs.overrides),
        settings=pick("settings", "Plan settings", base.settings, mine.settings, theirs.settings),
        unclaimed_region_ids=pick(
            "carve-outs",
            "Regions carved out",
            base.unclaimed_region_ids,
            mine.unclaimed_region_ids,
            theirs.unclaimed_region_ids,
        ),
    )
    return merged, conflicts
