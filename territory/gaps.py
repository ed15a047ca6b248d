"""Coverage gaps and white space, from an assignment result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory.alignment import region_claims
from territory.balance import Balance
from territory.model import Plan

__all__ = ["CoverageGaps", "coverage_gaps", "region_outcomes", "white_space"]


@dataclass(frozen=True)
class CoverageGaps:
    """Where the plan leaves accounts or reps uncovered.

    Attributes
    ----------
    uncovered_regions : DataFrame
        Regions holding accounts that no territory claims: ``region_id, accounts, value`` (most first).
    territories_without_active_rep : DataFrame
        ``territory_id, name, accounts, value`` of territories whose reps are all inactive or missing.
    reps_over_capacity : DataFrame
        ``rep_id, name, accounts, capacity, over`` (from the balance).
    conflicts : DataFrame
        ``claim_region_id, territories, winner, accounts``: regions two territories claim equally.
    unassigned_by_reason : DataFrame
        ``reason, reason_detail, accounts, value``.
    """

    uncovered_regions: pd.DataFrame
    territories_without_active_rep: pd.DataFrame
    reps_over_capacity: pd.DataFrame
    conflicts: pd.DataFrame
    unassigned_by_reason: pd.DataFrame

    def to_dict(self) -> dict[str, list[dict]]:
        """Plain lists of records (for JSON)."""
        return {name: _records(getattr(self, name)) for name in self.__dataclass_fields__}


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def coverage_gaps(plan: Plan, accounts: pd.DataFrame, balance: Balance, regions: pd.DataFrame) -> CoverageGaps:
    """Every coverage gap of an assignment.

    Parameters
    ----------
    plan : Plan
    accounts : DataFrame
        ``AssignmentResult.accounts``.
    balance : Balance
        Of the same assignment.
    regions : DataFrame
        ``region_id``, ``parent_id`` (to name the regions two territories claim equally).
    """
    unassigned = accounts[accounts["status"] == "unassigned"]
    outside = unassigned[(unassigned["reason"] == "no-matching-territory") & (unassigned["reason_detail"] == "region")]
    uncovered = (
        outside.assign(region_id=outside["region_id"].astype(object).fillna("(outside every region)"))
        .groupby("region_id")
        .agg(accounts=("value", "size"), value=("value", "sum"))
        .reset_index()
        .sort_values(["accounts", "region_id"], ascending=[False, True], ignore_index=True)
    )
    territories = balance.territories
    no_rep = (
        territories[territories["reps"] == 0]
        .assign(accounts=lambda t: t["unserved"], value=lambda t: t["unserved_value"])[
            ["territory_id", "name", "accounts", "value"]
        ]
        .reset_index(drop=True)
    )
    reps = balance.reps
    over = (
        reps[reps["over_capacity"]]
        .assign(over=lambda r: r["accounts"] - r["capacity"])[["rep_id", "name", "accounts", "capacity", "over"]]
        .reset_index(drop=True)
    )
    conflicts = _conflicts(plan, accounts, regions)
    by_reason = (
        unassigned.assign(reason_detail=unassigned["reason_detail"].astype(object).fillna(""))
        .groupby(["reason", "reason_detail"])
        .agg(accounts=("value", "size"), value=("value", "sum"))
        .reset_index()
        .sort_values(["accounts", "reason", "reason_detail"], ascending=[False, True, True], ignore_index=True)
    )
    return CoverageGaps(uncovered, no_rep, over, conflicts, by_reason)


def _conflicts(plan: Plan, accounts: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    columns = ["claim_region_id", "territories", "winner", "accounts"]
    flagged = accounts[accounts["conflict"].astype(bool)]
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    claims = region_claims(plan, regions)
    rows = []
    for (claim_region, winner), group in flagged.groupby(["claim_region_id", "territory_id"]):
        winner_priority = plan.territory(winner).priority
        same = claims[(claims["claim_region_id"] == claim_region) & (claims["priority"] == winner_priority)]
        rows.append(
            {
                "claim_region_id": claim_region,
                "territories": ", ".join(sorted(set(same["territory_id"]))),
                "winner": winner,
                "accounts": len(group),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def white_space(
    plan: Plan,
    accounts: pd.DataFrame,
    *,
    region_of: pd.Series | None = None,
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """Potential against penetration per region, ranked by untapped potential.

    Parameters
    ----------
    plan : Plan
        ``plan.settings.potential`` names the proxy: ``prospect_value`` (value of every account, customers
        and prospects) or ``population``.
    accounts : DataFrame
        ``AssignmentResult.accounts`` (``region_id``, ``account_status``, ``value``, ``territory_id``).
    region_of : Series, optional
        The region to report each account under (same index as ``accounts``), e.g. its state; defaults to
        ``accounts["region_id"]``.
    population : Series, optional
        Population per region id; required when the plan's potential is ``population``.

    Returns
    -------
    DataFrame
        ``region_id, accounts, customers, prospects, customer_value, prospect_value, potential,
        penetration, potential_share, penetration_share, white_space, territory_id`` — ``penetration`` is
        customer value ÷ potential, ``white_space`` = potential share − customer-value share (positive:
        under-penetrated for its size); sorted by ``white_space`` then potential.

    Raises
    ------
    ValueError
        When the plan asks for population and none is given.
    """
    if plan.settings.potential == "population" and population is None:
        raise ValueError(
            "the plan's potential is 'population' but no population per region was given; pass `population` "
            "or set settings.potential to 'prospect_value'"
        )
    region = region_of if region_of is not None else accounts["region_id"]
    # (counted by codes: grouping 150,000 accounts' region ids as text, and a territory count per region, took
    # ~0.1 s of every map edit)
    codes, regions = pd.factorize(region.to_numpy(dtype=object) if isinstance(region, pd.Series) else region)
    n = len(regions)
    placed = codes >= 0
    codes = codes[placed]
    customer = (
        (accounts["account_status"] == "customer").to_numpy(dtype=bool, na_value=False)
        if "account_status" in accounts
        else np.zeros(len(accounts), dtype=bool)
    )[placed]
    value = np.nan_to_num(accounts["value"].to_numpy(dtype=float)[placed])  # (a value not given counts 0)
    out = pd.DataFrame(
        {
            "accounts": np.bincount(codes, minlength=n),
            "customers": np.bincount(codes, weights=customer, minlength=n).astype(np.int64),
            # (as float even for no accounts: numpy counts an empty list as whole numbers)
            "customer_value": np.bincount(codes, weights=np.where(customer, value, 0.0), minlength=n).astype(float),
            "prospect_value": np.bincount(codes, weights=np.where(customer, 0.0, value), minlength=n).astype(float),
        },
        index=pd.Index(regions, dtype=object, name="region_id"),
    )
    out["prospects"] = out["accounts"] - out["customers"]
    # each region's territory: the one holding most of its accounts (the first met among equals)
    owner = np.full(n, np.nan, dtype=object)
    if "territory_id" in accounts:
        held, territories = pd.factorize(accounts["territory_id"].to_numpy(dtype=object)[placed])
        mine = held >= 0
        if mine.any():
            width = len(territories)
            pairs, first, count = np.unique(codes[mine] * width + held[mine], return_index=True, return_counts=True)
            # per region, its pairs by count (most first), then by where they were first met
            order = np.lexsort((first, -count, pairs // width))
            region = (pairs // width)[order]
            lead = np.r_[True, region[1:] != region[:-1]]
            owner[region[lead]] = np.asarray(territories, dtype=object)[(pairs % width)[order][lead]]
    out["territory_id"] = pd.Series(owner, index=out.index, dtype=object)
    if plan.settings.potential == "population":
        out["potential"] = population.reindex(out.index).astype(float)
    else:
        out["potential"] = out["customer_value"] + out["prospect_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["penetration"] = np.where(out["potential"] > 0, out["customer_value"] / out["potential"], np.nan)
    potential_total = out["potential"].sum()
    customer_total = out["customer_value"].sum()
    out["potential_share"] = out["potential"] / potential_total if potential_total else 0.0
    out["penetration_share"] = out["customer_value"] / customer_total if customer_total else 0.0
    out["white_space"] = out["potential_share"] - out["penetration_share"]
    out = out.reset_index().sort_values(["white_space", "potential", "region_id"], ascending=[False, False, True])
    columns = [
        "region_id",
        "accounts",
        "customers",
        "prospects",
        "customer_value",
        "prospect_value",
        "potential",
        "penetration",
        "potential_share",
        "penetration_share",
        "white_space",
        "territory_id",
    ]
    return out[columns].reset_index(drop=True)


def region_outcomes(accounts: pd.DataFrame, plan: Plan) -> list[dict]:
    """Where one region's accounts went: each territory's, then those in none, by why; for the region details panel.

    A region a territory claims can hold accounts the territory turns away (its industry or tier focus): counted
    under the territory, they read as its own (Germany: "Europe West, 200 accounts", of which it holds 65, a review).

    Parameters
    ----------
    accounts : DataFrame
        The region's accounts from the assignment result (``territory_id``, ``status``, ``reason``,
        ``reason_detail``, ``value``).
    plan : Plan
        For the territories' names.

    Returns
    -------
    list of dict
        ``territory_id`` (None for accounts in no territory), ``name``, ``why`` (None for a territory's own; else
        ``"industry"``, ``"tier"`` or ``"region"``), ``accounts``, ``value`` and ``waiting`` (of a territory's own,
        those without a rep: no active rep, or every rep at capacity); territories by accounts, most first, then
        those in none.

    Examples
    --------
    >>> from territory.model import Plan, Territory
    >>> plan = Plan(name="p", territories=(Territory("EUW", "Europe West", ("DE",)),), reps=())
    >>> accounts = pd.DataFrame({"territory_id": ["EUW", "EUW", None], "status": ["assigned", "unassigned", "unassigned"],
    ...                          "reason": [None, "at-capacity", "no-matching-territory"],
    ...                          "reason_detail": [None, "EUW", "industry"], "value": [10.0, 5.0, 7.0]})
    >>> [(o["name"], o["accounts"], o["value"], o["waiting"], o["why"]) for o in region_outcomes(accounts, plan)]
    [('Europe West', 2, 15.0, 1, None), (None, 1, 7.0, 0, 'industry')]
    """
    names = {t.territory_id: t.name for t in plan.territories}
    out = []
    held = accounts[accounts["territory_id"].notna()]
    for territory_id, group in held.groupby(held["territory_id"].astype(str), sort=False):
        out.append({"territory_id": territory_id, "name": names.get(territory_id, territory_id), "why": None,
                    "accounts": len(group), "value": float(group["value"].sum()),
                    "waiting": int((group["status"] != "assigned").sum())})  # fmt: skip
    out.sort(key=lambda o: (-o["accounts"], o["name"]))
    none = accounts[accounts["territory_id"].isna()]
    why = none["reason_detail"].where(none["reason_detail"].isin(["industry", "tier"]), "region")
    for detail in ("industry", "tier", "region"):
        group = none[(why == detail).to_numpy()]
        if len(group):
            out.append({"territory_id": None, "name": None, "why": detail, "accounts": len(group),
                        "value": float(group["value"].sum()), "waiting": 0})  # fmt: skip
    return out
