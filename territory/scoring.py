"""Account scoring and activation tiers (fit + timing signals), settings in ``Plan.settings.scoring``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory.model import Scoring

__all__ = ["FUNDING_COLUMNS", "HIRING_COLUMNS", "ACTIVATION_LABELS", "score_accounts"]

FUNDING_COLUMNS = ("last_funding_date", "funding_date", "lastFundingDate", "last_funding")
HIRING_COLUMNS = ("hiring_signal", "hiring", "open_roles", "job_postings", "hiringSignal")
ACTIVATION_LABELS = {1: "personal outreach", 2: "targeted", 3: "nurture"}


def _first_column(accounts: pd.DataFrame, names) -> str | None:
    return next((c for c in names if c in accounts.columns), None)


def score_accounts(
    accounts: pd.DataFrame, scoring: Scoring, *, today: str | pd.Timestamp | None = None
) -> pd.DataFrame:
    """Score each account 0..100 and give it an activation tier.

    Parameters
    ----------
    accounts : DataFrame
        ``industry``, ``tier``, ``value``; timing signals when present: a funding date column
        (:data:`FUNDING_COLUMNS`) and a hiring column (:data:`HIRING_COLUMNS`; true/yes/a count > 0).
    scoring : Scoring
        Weights and thresholds (``plan.settings.scoring``).
    today : date-like, optional
        The day recency is measured from (default: today). Pass it for reproducible scores.

    Returns
    -------
    DataFrame
        Indexed like ``accounts``: ``industry_fit``, ``tier_fit``, ``value_fit``, ``fit`` (0..1), ``timing``
        (0..1, NaN without timing columns), ``score`` (0..100), ``activation_tier`` (1, 2, 3) and
        ``activation`` (personal outreach / targeted / nurture).

    Examples
    --------
    >>> import pandas as pd
    >>> from territory.model import Scoring
    >>> accounts = pd.DataFrame({"industry": ["fintech", "saas"], "tier": ["enterprise", "smb"],
    ...                          "value": [500_000.0, 5_000.0]})
    >>> score_accounts(accounts, Scoring())["activation_tier"].tolist()
    [1, 3]
    """
    n = len(accounts)
    industries = accounts["industry"] if "industry" in accounts else pd.Series([None] * n, index=accounts.index)
    tiers = accounts["tier"] if "tier" in accounts else pd.Series([None] * n, index=accounts.index)
    values = (
        pd.to_numeric(accounts["value"], errors="coerce").fillna(0.0)
        if "value" in accounts
        else pd.Series(0.0, index=accounts.index)
    )
    weights = dict(scoring.industry_weights)
    fit_weights = dict(scoring.fit_weights)
    if weights:
        industry_fit = industries.map(
            lambda i: (
                weights.get(str(i).lower(), scoring.other_industry_fit) if pd.notna(i) else scoring.other_industry_fit
            )
        )
    else:
        # The plan names no target industries: industry does not count towards fit.
        industry_fit = pd.Series(np.nan, index=accounts.index)
        fit_weights["industry"] = 0.0
    tier_fit = tiers.map(dict(scoring.tier_fit)).fillna(0.5).astype(float)
    if values.nunique() > 1:
        value_fit = (values.rank(method="average") - 1) / (len(values) - 1)  # 0 for the smallest, 1 the largest
    else:
        value_fit = pd.Series(0.5, index=values.index)
    total = sum(fit_weights.values()) or 1.0
    fit = (
        fit_weights["industry"] * industry_fit.fillna(0.0).astype(float)
        + fit_weights["tier"] * tier_fit
        + fit_weights["value"] * value_fit
    ) / total

    timing = _timing(accounts, scoring, today)
    if timing is None:
        score = 100.0 * fit
        timing = pd.Series(np.nan, index=accounts.index)
    else:
        score = 100.0 * ((1 - scoring.timing_weight) * fit + scoring.timing_weight * timing)
    score = score.clip(0, 100).round(1)
    tier = np.where(score >= scoring.tier1_min, 1, np.where(score >= scoring.tier2_min, 2, 3))
    return pd.DataFrame(
        {
            "industry_fit": industry_fit.astype(float),
            "tier_fit": tier_fit,
            "value_fit": value_fit.astype(float),
            "fit": fit.astype(float),
            "timing": timing,
            "score": score,
            "activation_tier": tier,
            "activation": pd.Series(tier, index=accounts.index).map(ACTIVATION_LABELS),
        },
        index=accounts.index,
    )


def _timing(accounts: pd.DataFrame, scoring: Scoring, today) -> pd.Series | None:
    funding_column = _first_column(accounts, FUNDING_COLUMNS)
    hiring_column = _first_column(accounts, HIRING_COLUMNS)
    if funding_column is None and hiring_column is None:
        return None
    signal = pd.Series(0.0, index=accounts.index)
    if funding_column is not None:
        day = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
        dates = pd.to_datetime(accounts[funding_column], errors="coerce")
        age = (day - dates).dt.days
        window = scoring.funding_days
        recency = np.clip((2 * window - age) / window, 0.0, 1.0)  # 1 up to `window` days, 0 at twice that
        signal = np.maximum(signal, recency.where(age >= 0, 0.0).fillna(0.0))
    if hiring_column is not None:
        raw = accounts[hiring_column]
        numeric = pd.to_numeric(raw, errors="coerce")
        text = raw.astype("string").str.strip().str.lower()
        hiring = (numeric > 0) | text.isin(["true", "yes", "y", "hiring"])
        signal = np.maximum(signal, hiring.fillna(False).astype(float))
    return pd.Series(signal, index=accounts.index, dtype=float)
