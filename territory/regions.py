"""Region ids as the plan uses them: ``US-NY`` (state), ``US-36061`` (county), ``CA-ON``, ``DE``."""

from __future__ import annotations

import re

__all__ = ["REGION_ALIASES", "normalize_region_id", "is_region_id"]

# Codes people write that mean another region id.
REGION_ALIASES = {"UK": "GB", "EL": "GR"}
_REGION_ID = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,5})?$")


def normalize_region_id(value: object) -> str:
    """Return the canonical region id for ``value``.

    Upper-cases, trims, turns ``_`` and spaces into ``-`` and maps aliases (``UK`` -> ``GB``).

    Parameters
    ----------
    value : object
        A region code as written in a file.

    Returns
    -------
    str
        The canonical id, or ``""`` for an empty value.

    Examples
    --------
    >>> normalize_region_id(" us-ny ")
    'US-NY'
    >>> normalize_region_id("uk")
    'GB'
    """
    if value is None:
        return ""
    text = str(value).strip().upper().replace("_", "-").replace(" ", "-")
    if text in ("", "NAN", "NONE"):
        return ""
    head, _, tail = text.partition("-")
    head = REGION_ALIASES.get(head, head)
    return f"{head}-{tail}" if tail else head


def is_region_id(value: str) -> bool:
    """Whether ``value`` has the shape of a canonical region id (``US-NY``, ``US-36061``, ``DE``)."""
    return bool(_REGION_ID.match(value))
