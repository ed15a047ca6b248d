"""Plans in the seed's JSON shape: ``territories``, ``accountExecutives`` and ``accountAssignments``.

The seed writes camelCase names. Accepted fields (aliases in brackets):

- territory: ``id`` [``territoryId``], ``name``, ``regions`` [``regionIds``], ``industryFocus``
  [``industries``], ``tiers`` [``tierFocus``, ``accountTiers``], ``annualQuota`` [``quota``], ``color``,
  ``parentId`` [``parent``], ``priority``, ``assignedReps`` [``reps``, ``accountExecutives``] (rep ids);
- account executive: ``id`` [``aeId``, ``repId``], ``name``, ``homeRegion`` [``region``], ``territories``
  [``territoryIds``, ``assignedTerritories``], ``capacity`` [``maxAccounts``], ``currentAccounts``
  [``activeAccounts``, ``accountCount``], ``quotaAttainment``, ``specialties``, ``active`` [``isActive``];
- account assignment: ``accountId`` [``id``], ``accountName`` [``name``], ``territoryId``, ``repId``
  [``aeId``, ``assignedRep``, ``accountExecutiveId``], ``region`` [``regionId``], ``industry``, ``tier``,
  ``estimatedValue`` [``value``], ``status``, ``locked``.

A rep belongs to a territory when either lists the other. Each assignment becomes an account of the plan whose
owner is its rep; a ``locked`` assignment also becomes a locked override.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from territory.errors import PlanFileError
from territory.model import Plan, plan_from_dict

__all__ = ["is_seed_plan", "plan_from_seed"]


def is_seed_plan(data: Any) -> bool:
    """Whether ``data`` has the seed's shape (an ``accountExecutives`` list)."""
    return isinstance(data, Mapping) and "accountExecutives" in data


def _get(item: Mapping, *names: str, default: Any = None) -> Any:
    for name in names:
        if name in item and item[name] is not None:
            return item[name]
    return default


def _items(data: Mapping, key: str, source: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise PlanFileError(f"'{key}' must be a list", source=source, column=key)
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise PlanFileError("each entry must be an object", source=source, column=f"{key}[{i}]")
    return value


def plan_from_seed(data: Any, *, source: str = "plan") -> Plan:
    """Build a :class:`Plan` from the seed's JSON shape (see the module docstring for the fields).

    Raises
    ------
    PlanFileError
        Naming the seed's own field (``accountExecutives[1].territories``) when something does not validate.
    """
    if not is_seed_plan(data):
        raise PlanFileError("not the seed's plan shape (no 'accountExecutives')", source=source)
    territories = _items(data, "territories", source)
    executives = _items(data, "accountExecutives", source)
    assignments = _items(data, "accountAssignments", source)

    territory_rows = []
    members: dict[str, set[str]] = {}
    for i, item in enumerate(territories):
        territory_id = _get(item, "id", "territoryId")
        if territory_id is None:
            raise PlanFileError("missing 'id'", source=source, column=f"territories[{i}].id")
        territory_id = str(territory_id)
        for rep_id in _get(item, "assignedReps", "reps", "accountExecutives", default=[]) or []:
            members.setdefault(str(rep_id), set()).add(territory_id)
        territory_rows.append(
            {
                "territory_id": territory_id,
                "name": _get(item, "name", default=territory_id),
                "region_ids": _get(item, "regions", "regionIds", default=[]),
                "industries": _get(item, "industryFocus", "industries", default=[]),
                "tiers": _get(item, "tiers", "tierFocus", "accountTiers", default=[]),
                "annual_quota": _get(item, "annualQuota", "quota", default=0),
                "color": _get(item, "color"),
                "parent_id": _get(item, "parentId", "parent"),
                "priority": _get(item, "priority", default=0),
            }
        )
    rep_rows = []
    for i, item in enumerate(executives):
        rep_id = _get(item, "id", "aeId", "repId")
        if rep_id is None:
            raise PlanFileError("missing 'id'", source=source, column=f"accountExecutives[{i}].id")
        rep_id = str(rep_id)
        listed = [str(t) for t in _get(item, "territories", "territoryIds", "assignedTerritories", default=[]) or []]
        territory_ids = list(dict.fromkeys(listed + sorted(members.get(rep_id, set()))))
        rep_rows.append(
            {
                "rep_id": rep_id,
                "name": _get(item, "name", default=rep_id),
                "home_region": _get(item, "homeRegion", "region"),
                "territory_ids": territory_ids,
                "capacity": _get(item, "capacity", "maxAccounts", default=40),
                "current_accounts": _get(item, "currentAccounts", "activeAccounts", "accountCount"),
                "quota_attainment": _get(item, "quotaAttainment", default=0),
                "specialties": _get(item, "specialties", default=[]),
                "active": _get(item, "active", "isActive", default=True),
            }
        )
    account_rows, overrides = [], []
    for i, item in enumerate(assignments):
        account_id = _get(item, "accountId", "id")
        if account_id is None:
            raise PlanFileError("missing 'accountId'", source=source, column=f"accountAssignments[{i}].accountId")
        rep_id = _get(item, "repId", "aeId", "assignedRep", "accountExecutiveId")
        territory_id = _get(item, "territoryId")
        account_rows.append(
            {
                "account_id": str(account_id),
                "name": _get(item, "accountName", "name"),
                "region_id": _get(item, "region", "regionId"),
                "industry": _get(item, "industry"),
                "tier": _get(item, "tier"),
                "value": _get(item, "estimatedValue", "value", default=0),
                "owner": None if rep_id is None else str(rep_id),
                "status": _get(item, "status", default="customer"),
            }
        )
        if _get(item, "locked", default=False):
            overrides.append(
                {"account_id": str(account_id), "territory_id": territory_id, "rep_id": rep_id, "locked": True}
            )
    plain = {
        "name": data.get("name") or "Seed plan",
        "settings": data.get("settings") or {},
        "territories": territory_rows,
        "reps": rep_rows,
        "overrides": overrides,
        "accounts": account_rows,
    }
    try:
        return plan_from_dict(plain, source=source)
    except PlanFileError as error:  # (said with the seed's own field names, each of the problems found)
        raise PlanFileError.gather(
            [
                PlanFileError(problem.problem, source=source, column=_seed_field(problem.column), hint=problem.hint)
                for problem in error.problems
            ],
            source=source,
        ) from error


_FIELD_NAMES = {
    "reps": "accountExecutives",
    "accounts": "accountAssignments",
    "region_ids": "regions",
    "industries": "industryFocus",
    "annual_quota": "annualQuota",
    "parent_id": "parentId",
    "territory_ids": "territories",
    "quota_attainment": "quotaAttainment",
    "current_accounts": "currentAccounts",
    "home_region": "homeRegion",
    "account_id": "accountId",
    "owner": "repId",
    "value": "estimatedValue",
    "region_id": "region",
    "territory_id": "id",
    "rep_id": "id",
}


def _seed_field(column: str | None) -> str | None:
    """Our field path in the seed's words: ``reps[1].territory_ids`` -> ``accountExecutives[1].territories``."""
    if column is None:
        return None
    parts = []
    for part in column.split("."):
        head, bracket, rest = part.partition("[")
        parts.append(_FIELD_NAMES.get(head, head) + (bracket + rest if bracket else ""))
    return ".".join(parts)
