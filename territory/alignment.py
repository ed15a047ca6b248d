"""Which territory claims each region: the most specific claim wins, then territory priority.

A region is claimed by a territory that lists the region itself or one of its ancestors (a county inside a
state territory). Regions come with their parent ids, so this module needs no geometry.
"""

from __future__ import annotations

import pandas as pd

from territory.model import Plan, iter_region_claims

__all__ = [
    "account_territories",
    "coverage_summary",
    "region_ancestors",
    "region_claims",
    "resolve_region_territories",
]

MAX_DEPTH = 6


def region_ancestors(regions: pd.DataFrame) -> pd.DataFrame:
    """Every (region, ancestor) pair with its depth; depth 0 is the region itself.

    Parameters
    ----------
    regions : DataFrame
        Columns ``region_id`` and ``parent_id`` (missing parent for a top-level region).

    Returns
    -------
    DataFrame
        Columns ``region_id``, ``ancestor_id``, ``depth``.
    """
    parent = regions.drop_duplicates("region_id").set_index("region_id")["parent_id"]
    frames = []
    current = pd.DataFrame({"region_id": parent.index, "ancestor_id": parent.index})
    for depth in range(MAX_DEPTH):
        current = current.dropna(subset=["ancestor_id"])
        if current.empty:
            break
        frames.append(current.assign(depth=depth))
        current = current.assign(ancestor_id=current["ancestor_id"].map(parent))
    return pd.concat(frames, ignore_index=True)


def region_claims(plan: Plan, regions: pd.DataFrame, ancestors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every territory that claims each region through the region itself or an ancestor.

    Parameters
    ----------
    plan : Plan
    regions : DataFrame
        ``region_id`` and ``parent_id``; regions the plan names but the table lacks count for themselves.
    ancestors : DataFrame, optional
        ``region_ancestors(regions)``, when the caller already has it (it is the costly part).

    Returns
    -------
    DataFrame
        ``region_id, territory_id, claim_region_id, depth, priority``; depth 0 is a claim on the region itself.
    """
    claims = pd.DataFrame(list(iter_region_claims(plan)), columns=["ancestor_id", "territory_id", "priority"])
    columns = ["region_id", "territory_id", "claim_region_id", "depth", "priority"]
    if claims.empty:
        return pd.DataFrame(columns=columns)
    if ancestors is None:
        ancestors = region_ancestors(regions[["region_id", "parent_id"]])
    known = set(ancestors["region_id"])
    missing = sorted(set(claims["ancestor_id"]) - known)
    if missing:
        extra = pd.DataFrame({"region_id": missing, "ancestor_id": missing, "depth": 0})
        ancestors = pd.concat([ancestors, extra], ignore_index=True)
    hits = ancestors.merge(claims, on="ancestor_id")
    if plan.unclaimed_region_ids:
        # A carved-out region stops claims made on its ancestors (claims on it or below still hold).
        cuts = ancestors[ancestors["ancestor_id"].isin(plan.unclaimed_region_ids)].groupby("region_id")["depth"].min()
        cut = hits["region_id"].map(cuts)
        hits = hits[cut.isna() | (hits["depth"] <= cut)]
    return hits.rename(columns={"ancestor_id": "claim_region_id"})[columns]


def resolve_region_territories(plan: Plan, regions: pd.DataFrame) -> pd.DataFrame:
    """Resolve the claiming territory of every region in ``regions``.

    Parameters
    ----------
    plan : Plan
    regions : DataFrame
        Columns ``region_id`` and ``parent_id``; regions the plan names but the table lacks still count
        for themselves.

    Returns
    -------
    DataFrame
        One row per region that some territory claims: ``region_id``, ``territory_id``, ``claim_region_id``
        (the region the territory lists), ``depth`` and ``conflict`` (True when another territory holds an
        equally specific claim of equal priority; the lowest territory id is then kept).
    """
    columns = ["region_id", "territory_id", "claim_region_id", "depth", "conflict"]
    hits = region_claims(plan, regions)
    if hits.empty:
        return pd.DataFrame(columns=columns)
    hits = hits.sort_values(["region_id", "depth", "priority", "territory_id"], ascending=[True, True, False, True])
    best = hits.drop_duplicates("region_id")
    tied = hits.merge(best[["region_id", "depth", "priority"]], on=["region_id", "depth", "priority"])
    conflicted = tied.groupby("region_id")["territory_id"].nunique() > 1
    out = best.copy()
    out["conflict"] = out["region_id"].map(conflicted).eq(True).to_numpy()
    return out[columns].reset_index(drop=True)


def account_territories(accounts: pd.DataFrame, plan: Plan, regions: pd.DataFrame) -> pd.DataFrame:
    """The territory whose regions contain each account (by region only: no industry or tier test).

    Parameters
    ----------
    accounts : DataFrame
        With ``region_id`` (``None`` for accounts outside every region).
    plan : Plan
    regions : DataFrame
        ``region_id`` and ``parent_id`` of every region the accounts may sit in.

    Returns
    -------
    DataFrame
        Indexed like ``accounts``: ``territory_id`` (``None`` when no territory claims the region),
        ``claim_region_id`` and ``conflict``.
    """
    resolved = resolve_region_territories(plan, regions).set_index("region_id")
    region_id = accounts["region_id"]
    out = pd.DataFrame(index=accounts.index)
    for column in ("territory_id", "claim_region_id"):
        out[column] = region_id.map(resolved[column]).astype(object).where(lambda s: s.notna(), None)
    out["conflict"] = region_id.map(resolved["conflict"]).eq(True).to_numpy()
    return out


def coverage_summary(accounts: pd.DataFrame) -> dict[str, float]:
    """Headline coverage figures of accounts that carry ``territory_id`` and ``value``.

    Returns
    -------
    dict
        ``accounts``, ``in_territory``, ``in_territory_share`` (0..1), ``value``, ``value_in_territory``,
        ``value_in_territory_share`` and ``territories_used``.
    """
    total = len(accounts)
    inside = accounts["territory_id"].notna()
    value = float(accounts["value"].sum()) if "value" in accounts else 0.0
    value_inside = float(accounts.loc[inside, "value"].sum()) if "value" in accounts else 0.0
    return {
        "accounts": total,
        "in_territory": int(inside.sum()),
        "in_territory_share": float(inside.mean()) if total else 0.0,
        "value": value,
        "value_in_territory": value_inside,
        "value_in_territory_share": value_inside / value if value else 0.0,
        "territories_used": int(accounts.loc[inside, "territory_id"].nunique()),
    }
