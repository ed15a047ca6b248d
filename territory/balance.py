"""Balance per territory, per rep and for the team, from sums that can be updated incrementally.

The seed's balance score of a territory is ``1 − (|apr − A| / A + |vpr − V| / V) / 2`` clamped to [0, 1], where
``apr`` is accounts per rep, ``vpr`` value per rep, ``A`` the plan's target accounts per rep (30 by default)
and ``V`` the target value per rep (by default the territory's quota divided by its active reps). A territory
with no active rep scores 0; where V is 0 (no quota) only the accounts term counts.

All figures derive from three sums per territory and per rep — accounts, value and workload — kept in a
:class:`BalanceTally`. An edit updates the tally from the accounts that moved only
(``new = old − outflow + inflow``, GerryChain's ``Tally``); :func:`compute_balance` recomputes from scratch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory.model import Plan

__all__ = [
    "BalanceTally",
    "Balance",
    "workload_weights",
    "tally_assignment",
    "compute_balance",
    "balance_from_tally",
    "balance_score",
]


def workload_weights(plan: Plan, accounts: pd.DataFrame) -> np.ndarray:
    """Workload of each account: its tier weight, or its activation-tier weight when the plan says so.

    Unknown tiers (and accounts without an activation tier) weigh 1.
    """
    settings = plan.settings
    if settings.workload_basis == "activation" and "activation_tier" in accounts.columns:
        weights = dict(settings.activation_weights)
        tiers = pd.to_numeric(accounts["activation_tier"], errors="coerce")
        return tiers.map(weights).fillna(1.0).to_numpy(dtype=float)
    weights = dict(settings.tier_weights)
    return accounts["tier"].map(weights).fillna(1.0).to_numpy(dtype=float)


_TERRITORY_SUMS = ("accounts", "value", "workload", "claimed", "claimed_value")
_REP_SUMS = ("accounts", "value", "workload")


@dataclass(frozen=True, eq=False)
class BalanceTally:
    """Sums of assigned accounts, value and workload per territory and per rep.

    Per territory: ``accounts``, ``value``, ``workload`` (assigned accounts) and ``claimed``,
    ``claimed_value`` (every account the territory holds, with a rep or not). Per rep: ``accounts``, ``value``,
    ``workload``. Stored as small arrays so that :meth:`apply` costs microseconds per moved account.
    """

    territory_ids: tuple[str, ...]
    territory_sums: np.ndarray
    rep_ids: tuple[str, ...]
    rep_sums: np.ndarray

    @property
    def territories(self) -> pd.DataFrame:
        """Territory sums as a frame indexed by territory id."""
        return pd.DataFrame(
            self.territory_sums, index=pd.Index(self.territory_ids, name="territory_id"), columns=list(_TERRITORY_SUMS)
        )

    @property
    def reps(self) -> pd.DataFrame:
        """Rep sums as a frame indexed by rep id."""
        return pd.DataFrame(self.rep_sums, index=pd.Index(self.rep_ids, name="rep_id"), columns=list(_REP_SUMS))

    def apply(self, flows: pd.DataFrame) -> BalanceTally:
        """A new tally after accounts moved: ``new = old − outflow + inflow``.

        Parameters
        ----------
        flows : DataFrame
            One row per account that changed, with its ``value`` and ``workload`` and, before and after:
            ``from_/to_territory_id`` (territory of an assigned account, else None), ``from_/to_claim_id``
            (territory holding the account, assigned or not) and ``from_/to_rep_id``.
        """
        value = flows["value"].to_numpy(dtype=float)
        workload = flows["workload"].to_numpy(dtype=float)
        ones = np.ones(len(flows))
        t_ids, t_sums = _extend(
            self.territory_ids,
            self.territory_sums,
            flows,
            ("from_territory_id", "to_territory_id", "from_claim_id", "to_claim_id"),
        )
        r_ids, r_sums = _extend(self.rep_ids, self.rep_sums, flows, ("from_rep_id", "to_rep_id"))
        t_pos = {k: i for i, k in enumerate(t_ids)}
        r_pos = {k: i for i, k in enumerate(r_ids)}
        for sums, positions, key, sign, columns in (
            (t_sums, t_pos, "from_territory_id", -1.0, (0, 1, 2)),
            (t_sums, t_pos, "to_territory_id", 1.0, (0, 1, 2)),
            (t_sums, t_pos, "from_claim_id", -1.0, (3, 4)),
            (t_sums, t_pos, "to_claim_id", 1.0, (3, 4)),
            (r_sums, r_pos, "from_rep_id", -1.0, (0, 1, 2)),
            (r_sums, r_pos, "to_rep_id", 1.0, (0, 1, 2)),
        ):
            keys = flows[key].to_numpy(dtype=object)
            rows = np.array([positions.get(k, -1) if k is not None and k == k else -1 for k in keys], dtype=np.int64)
            hit = rows >= 0
            for column, data in zip(columns, (ones, value, workload), strict=False):
                np.add.at(sums[:, column], rows[hit], sign * data[hit])
        return BalanceTally(t_ids, t_sums, r_ids, r_sums)


def _extend(ids: tuple[str, ...], sums: np.ndarray, flows: pd.DataFrame, keys) -> tuple[tuple[str, ...], np.ndarray]:
    """Copy of ``sums`` with zero rows added for ids the flows name but the tally lacks."""
    known = set(ids)
    new = []
    for key in keys:
        for value in flows[key]:
            if value is not None and value == value and value not in known:
                known.add(value)
                new.append(value)
    if not new:
        return ids, sums.copy()
    return ids + tuple(new), np.vstack([sums, np.zeros((len(new), sums.shape[1]))])


def _sums(keys: pd.Series, value: pd.Series, workload: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "key": keys.to_numpy(dtype=object),
            "value": value.to_numpy(dtype=float),
            "workload": workload.to_numpy(dtype=float),
        }
    )
    frame = frame[pd.notna(frame["key"])]
    return frame.groupby("key").agg(accounts=("value", "size"), value=("value", "sum"), workload=("workload", "sum"))


def tally_assignment(plan: Plan, accounts: pd.DataFrame) -> BalanceTally:
    """Full recompute of the tally from assigned accounts (``status``, ``territory_id``, ``rep_id``, ``value``).

    ``workload`` is read from the accounts when present, else computed with :func:`workload_weights`.
    """
    workload_all = (
        accounts["workload"]
        if "workload" in accounts
        else pd.Series(workload_weights(plan, accounts), index=accounts.index)
    )
    is_assigned = (accounts["status"] == "assigned").to_numpy()
    assigned = accounts[is_assigned]
    workload = workload_all[is_assigned]
    territories = _sums(assigned["territory_id"], assigned["value"], workload)
    claimed = _sums(accounts["territory_id"], accounts["value"], workload_all)
    territories = territories.join(
        claimed[["accounts", "value"]].rename(columns={"accounts": "claimed", "value": "claimed_value"}), how="outer"
    )
    reps = _sums(assigned["rep_id"], assigned["value"], workload)
    t_index = pd.Index([t.territory_id for t in plan.territories])
    r_index = pd.Index([r.rep_id for r in plan.reps])
    territories = territories.reindex(t_index.append(territories.index.difference(t_index)), fill_value=0.0)
    reps = reps.reindex(r_index.append(reps.index.difference(r_index)), fill_value=0.0)
    return BalanceTally(
        territory_ids=tuple(territories.index),
        territory_sums=territories[list(_TERRITORY_SUMS)].fillna(0.0).to_numpy(dtype=float),
        rep_ids=tuple(reps.index),
        rep_sums=reps[list(_REP_SUMS)].fillna(0.0).to_numpy(dtype=float),
    )


@dataclass(frozen=True)
class Balance:
    """Balance tables: one row per territory and per rep, and team-level figures."""

    territories: pd.DataFrame
    reps: pd.DataFrame
    team: dict


def balance_score(accounts_per_rep, value_per_rep, target_accounts, target_value):
    """The seed's balance score, vectorised: ``1 − (|apr − A|/A + |vpr − V|/V) / 2`` clamped to [0, 1].

    Where ``target_value`` is 0 or missing only the accounts term counts; where accounts per rep is missing
    (no active rep) the score is 0.

    Examples
    --------
    >>> round(float(balance_score(1, 180_000, 30, 2_500_000)), 4)
    0.0527
    """
    apr = np.asarray(accounts_per_rep, dtype=float)
    vpr = np.asarray(value_per_rep, dtype=float)
    a = np.asarray(target_accounts, dtype=float)
    v = np.asarray(target_value, dtype=float)
    accounts_term = np.abs(apr - a) / a
    with np.errstate(divide="ignore", invalid="ignore"):
        value_term = np.where(v > 0, np.abs(vpr - v) / np.where(v > 0, v, 1.0), np.nan)
    raw = np.where(np.isnan(value_term), 1 - accounts_term, 1 - (accounts_term + value_term) / 2)
    return np.where(np.isnan(apr), 0.0, np.clip(raw, 0.0, 1.0))


def balance_from_tally(plan: Plan, tally: BalanceTally) -> Balance:
    """Every balance figure from a tally (cheap: sizes are territories and reps, not accounts)."""
    settings = plan.settings
    reps_by_territory = {t.territory_id: plan.reps_of(t.territory_id) for t in plan.territories}
    rows = []
    for territory in plan.territories:
        sums = tally.territories.loc[territory.territory_id]
        reps = reps_by_territory[territory.territory_id]
        capacity = sum(r.capacity for r in reps)
        rows.append(
            {
                "territory_id": territory.territory_id,
                "name": territory.name,
                "accounts": int(sums["accounts"]),
                "total_value": float(sums["value"]),
                "unserved": int(sums["claimed"] - sums["accounts"]),
                "unserved_value": float(sums["claimed_value"] - sums["value"]),
                "reps": len(reps),
                "workload": float(sums["workload"]),
                "capacity": capacity,
                "annual_quota": territory.annual_quota,
            }
        )
    territories = pd.DataFrame(
        rows,
        columns=[
            "territory_id",
            "name",
            "accounts",
            "total_value",
            "unserved",
            "unserved_value",
            "reps",
            "workload",
            "capacity",
            "annual_quota",
        ],
    )
    reps = territories["reps"].replace(0, np.nan)
    territories["accounts_per_rep"] = territories["accounts"] / reps
    territories["value_per_rep"] = territories["total_value"] / reps
    territories["workload_per_rep"] = territories["workload"] / reps
    territories["utilization"] = territories["accounts"] / territories["capacity"].replace(0, np.nan)
    territories["quota_coverage"] = territories["total_value"] / territories["annual_quota"].replace(0, np.nan)
    territories["target_accounts_per_rep"] = settings.target_accounts_per_rep
    territories["target_value_per_rep"] = (
        settings.target_value_per_rep
        if settings.target_value_per_rep is not None
        else territories["annual_quota"] / reps
    )
    territories["balance_score"] = balance_score(
        territories["accounts_per_rep"],
        territories["value_per_rep"],
        territories["target_accounts_per_rep"],
        territories["target_value_per_rep"].fillna(0.0),
    )

    rep_rows = []
    for rep in plan.reps:
        sums = tally.reps.loc[rep.rep_id]
        rep_rows.append(
            {
                "rep_id": rep.rep_id,
                "name": rep.name,
                "active": rep.active,
                "territory_ids": ", ".join(rep.territory_ids),
                "accounts": int(sums["accounts"]),
                "value": float(sums["value"]),
                "workload": float(sums["workload"]),
                "capacity": rep.capacity,
                "quota_attainment": rep.quota_attainment,
            }
        )
    rep_table = pd.DataFrame(
        rep_rows,
        columns=[
            "rep_id",
            "name",
            "active",
            "territory_ids",
            "accounts",
            "value",
            "workload",
            "capacity",
            "quota_attainment",
        ],
    )
    rep_table["utilization"] = rep_table["accounts"] / rep_table["capacity"].replace(0, np.nan)
    rep_table["over_capacity"] = rep_table["accounts"] > rep_table["capacity"]
    return Balance(territories=territories, reps=rep_table, team=_team(rep_table))


def _team(reps: pd.DataFrame) -> dict:
    active = reps[reps["active"].astype(bool)]
    workload = active["workload"].to_numpy(dtype=float)
    mean = float(workload.mean()) if len(workload) else 0.0
    std = float(workload.std(ddof=0)) if len(workload) else 0.0
    low = float(workload.min()) if len(workload) else 0.0
    high = float(workload.max()) if len(workload) else 0.0
    return {
        "active_reps": int(len(active)),
        "accounts": int(active["accounts"].sum()),
        "workload_mean": mean,
        "workload_cv": std / mean if mean else 0.0,
        "workload_max": high,
        "workload_min": low,
        "workload_max_min_ratio": high / low if low else None,
        "reps_over_capacity": int(reps["over_capacity"].sum()),
        "utilization": float(active["accounts"].sum() / active["capacity"].sum()) if active["capacity"].sum() else 0.0,
    }


def compute_balance(plan: Plan, accounts: pd.DataFrame) -> Balance:
    """Full recompute of :class:`Balance` from assigned accounts (see :func:`tally_assignment`)."""
    return balance_from_tally(plan, tally_assignment(plan, accounts))
