"""How figures read wherever a person sees them: money in whole dollars, shares as percentages, a dash for none.

Plain text only (no UI library), so the domain's sentences, the map's legend and tooltips (``geo/``) and the
dashboard's metrics and captions (``pages/``) all say the same figure the same way. Tables on the dashboard keep
their numbers and format them with the matching Streamlit column formats (``pages/shared.py``); files for
download keep raw numbers.
"""

from __future__ import annotations

import math

__all__ = ["MISSING", "money", "percent"]

MISSING = "—"
"""Shown where there is no figure (a missing value, NaN)."""


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def money(value) -> str:
    """Whole dollars with thousands separators: ``12345.67`` → ``"$12,346"``; ``-1500`` → ``"-$1,500"``.

    Parameters
    ----------
    value : float, int or None
        An amount in dollars. None and NaN give :data:`MISSING`.

    Returns
    -------
    str

    Examples
    --------
    >>> money(12345.67), money(0), money(-1500), money(float("nan"))
    ('$12,346', '$0', '-$1,500', '—')
    """
    if _is_missing(value):
        return MISSING
    amount = float(value)
    dollars = math.floor(abs(amount) + 0.5)  # (half a dollar up, as the tables in the browser round it)
    return f"{'-' if amount < 0 and dollars else ''}${dollars:,}"


def percent(value, digits: int = 0) -> str:
    """A share as a percentage: ``0.8712`` → ``"87%"`` (``digits=1``: ``"87.1%"``).

    Parameters
    ----------
    value : float or None
        A share (1.0 is 100%). None and NaN give :data:`MISSING`.
    digits : int, default 0
        Decimals after the point; 0 for shares such as utilization, 1 where a tenth of a percent matters
        (coverage, deviations from a target).

    Returns
    -------
    str

    Examples
    --------
    >>> percent(0.8712), percent(0.8712, 1), percent(None)
    ('87%', '87.1%', '—')
    """
    if _is_missing(value):
        return MISSING
    return f"{float(value):.{digits}%}"
