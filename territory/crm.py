"""Owner assignments as files a CRM imports: a Salesforce Data Loader update and a HubSpot import.

The rep → CRM user map lives in the plan (``Rep.salesforce_user_id``, ``Rep.hubspot_owner``). Only assigned
accounts are written; an account whose rep has no CRM user is left out and reported, so nothing is written
with an empty owner. Every text cell is neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd

from territory.exports import neutralize_formula
from territory.model import Plan

__all__ = ["CrmExport", "salesforce_owner_update", "hubspot_import", "CRM_FORMATS"]

SALESFORCE_COLUMNS = ["Id", "OwnerId", "Territory__c", "Assignment_Date__c"]
HUBSPOT_COLUMNS = ["Record ID", "Company owner", "Territory"]
CRM_FORMATS = ("salesforce", "hubspot")


@dataclass(frozen=True)
class CrmExport:
    """A CRM file and what was left out of it.

    Attributes
    ----------
    table : DataFrame
        The rows, already neutralised.
    skipped : DataFrame
        ``account_id, rep_id, reason`` of assigned accounts not written.
    """

    table: pd.DataFrame
    skipped: pd.DataFrame

    def csv(self) -> str:
        """The file's text (CSV, header first, Unix line ends)."""
        buffer = io.StringIO()
        self.table.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()


def _owner_rows(
    plan: Plan, assignments: pd.DataFrame, attribute: str, system: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    required = {"account_id", "territory_id", "rep_id", "status"}
    missing = required - set(assignments.columns)
    if missing:
        raise ValueError(f"assignments lack column(s) {', '.join(sorted(missing))}; pass the engine's result table")
    assigned = assignments[assignments["status"] == "assigned"].sort_values("account_id", kind="stable")
    owners = {r.rep_id: getattr(r, attribute) for r in plan.reps}
    names = {t.territory_id: t.name for t in plan.territories}
    owner = assigned["rep_id"].map(owners)
    has_owner = owner.notna() & owner.astype(str).str.strip().ne("")
    skipped = pd.DataFrame(
        {
            "account_id": assigned.loc[~has_owner, "account_id"].astype(str),
            "rep_id": assigned.loc[~has_owner, "rep_id"].astype(str),
            "reason": f"the rep has no {system} user in the plan",
        }
    ).reset_index(drop=True)
    rows = assigned[has_owner.to_numpy()].copy()
    rows["owner"] = owner[has_owner].to_numpy(dtype=object)
    rows["territory"] = rows["territory_id"].map(names).to_numpy(dtype=object)
    return rows, skipped


def _clean(values: pd.Series) -> list[str]:
    return [neutralize_formula("" if v is None or v != v else str(v)) for v in values]


def salesforce_owner_update(plan: Plan, assignments: pd.DataFrame, *, on: date | None = None) -> CrmExport:
    """A Data Loader "update" file for Account: ``Id, OwnerId, Territory__c, Assignment_Date__c``.

    Parameters
    ----------
    plan : Plan
        Reps carry ``salesforce_user_id``.
    assignments : DataFrame
        ``account_id`` (the Salesforce Account Id), ``territory_id``, ``rep_id``, ``status``.
    on : date, optional
        The assignment date written (default today).

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East"}],
    ...     "reps": [{"rep_id": "A", "territory_ids": ["E"], "salesforce_user_id": "005A"}]})
    >>> rows = pd.DataFrame({"account_id": ["001X"], "territory_id": ["E"], "rep_id": ["A"], "status": ["assigned"]})
    >>> print(salesforce_owner_update(plan, rows, on=date(2027, 1, 4)).csv(), end="")
    Id,OwnerId,Territory__c,Assignment_Date__c
    001X,005A,East,2027-01-04
    """
    rows, skipped = _owner_rows(plan, assignments, "salesforce_user_id", "Salesforce")
    day = (on or date.today()).isoformat()
    table = pd.DataFrame(
        {
            "Id": _clean(rows["account_id"]),
            "OwnerId": _clean(rows["owner"]),
            "Territory__c": _clean(rows["territory"]),
            "Assignment_Date__c": [day] * len(rows),
        },
        columns=SALESFORCE_COLUMNS,
    )
    return CrmExport(table=table, skipped=skipped)


def hubspot_import(plan: Plan, assignments: pd.DataFrame) -> CrmExport:
    """A HubSpot companies import: ``Record ID, Company owner, Territory``.

    ``Company owner`` is the rep's ``hubspot_owner`` (the user's email; HubSpot matches owners by email), and
    ``Territory`` a custom company property holding the territory's name.
    """
    rows, skipped = _owner_rows(plan, assignments, "hubspot_owner", "HubSpot")
    table = pd.DataFrame(
        {
            "Record ID": _clean(rows["account_id"]),
            "Company owner": _clean(rows["owner"]),
            "Territory": _clean(rows["territory"]),
        },
        columns=HUBSPOT_COLUMNS,
    )
    return CrmExport(table=table, skipped=skipped)
