"""Owner assignments as files a CRM imports: a Salesforce Data Loader update and a HubSpot import.

The rep → CRM user map lives in the plan (``Rep.salesforce_user_id``, ``Rep.hubspot_owner``). Only assigned
accounts are written; the others (waiting for a rep with capacity, in no territory, or with a rep who has no CRM
user) are left out and listed in ``CrmExport.left_out``, so nothing is written with an empty owner, and
:func:`left_out_summary` says how many and why (in the CRM they keep the owner they have). Every text cell is
neutralised against spreadsheet formula injection.

The other way round, :func:`match_owners` reads the owner column of a CRM export back as rep ids: a rep's id,
Salesforce user id (15 or 18 characters), HubSpot owner email or name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from territory.exports import neutralize_formula
from territory.formatting import and_list, counted, numbered, verb
from territory.model import Plan

__all__ = [
    "CRM_FORMATS",
    "CrmExport",
    "OwnerMatch",
    "hubspot_import",
    "id_problems",
    "left_out_summary",
    "with_rows_not_placed",
    "match_owners",
    "salesforce_id_key",
    "salesforce_owner_update",
]

SALESFORCE_COLUMNS = ["Id", "OwnerId", "Territory__c", "Assignment_Date__c"]
HUBSPOT_COLUMNS = ["Record ID", "Company owner", "Territory"]
CRM_FORMATS = ("salesforce", "hubspot")
LEFT_OUT_COLUMNS = [
    "account_id", "name", "territory_id", "territory", "rep_id", "reason",
    "current_owner", "current_owner_name", "owner_flag",
]  # fmt: skip
OWNER_LEFT = "owner left: reassign"
OWNER_UNKNOWN = "owner is no rep in the plan: reassign if they left"
WAITING = "waiting for a rep with capacity"
NO_TERRITORY = "in no territory"
NOT_PLACED = "not placed on the map: {problem} (line {line})"
_NO_USER = "the rep has no {system} user in the plan"
_WAITING_REASONS = ("no-available-rep", "at-capacity")


@dataclass(frozen=True)
class CrmExport:
    """A CRM file and what was left out of it.

    Attributes
    ----------
    table : DataFrame
        The rows, already neutralised.
    left_out : DataFrame
        ``account_id, name, territory_id, territory, rep_id, reason`` of every account not written: waiting for a
        rep with capacity, in no territory, or assigned to a rep with no user in this CRM; then the owner it keeps
        in the CRM: ``current_owner`` (the accounts file's owner: a rep id when it matched a rep, else as given),
        ``current_owner_name`` (that rep's name) and ``owner_flag``: ``owner left: reassign`` when that rep is
        inactive, ``owner is no rep in the plan: reassign if they left`` when the owner matches no rep (a rep
        removed from the plan), else empty.
    system : str
        The CRM's name as people write it (``Salesforce``, ``HubSpot``).
    """

    table: pd.DataFrame
    left_out: pd.DataFrame
    system: str = ""

    @property
    def skipped(self) -> pd.DataFrame:
        """``account_id, rep_id, reason`` of the assigned accounts left out: their rep has no user in this CRM."""
        no_user = self.left_out["reason"] == _NO_USER.format(system=self.system)
        return self.left_out.loc[no_user, ["account_id", "rep_id", "reason"]].reset_index(drop=True)

    def csv(self) -> str:
        """The file's text (CSV, header first, Unix line ends)."""
        buffer = io.StringIO()
        self.table.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()


def _owner_rows(
    plan: Plan, assignments: pd.DataFrame, attribute: str, system: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assigned accounts whose rep has a user in the CRM (with ``owner`` and ``territory``), and the others."""
    required = {"account_id", "territory_id", "rep_id", "status"}
    missing = required - set(assignments.columns)
    if missing:
        raise ValueError(
            f"assignments lack {numbered('column', sorted(missing), shown=len(missing))}; pass the engine's result table"
        )
    rows = assignments.sort_values("account_id", kind="stable").copy()
    rows["owner_in_data"] = rows["owner"] if "owner" in rows else None  # (the owner it has now, read back as a rep)
    owners = {r.rep_id: getattr(r, attribute) for r in plan.reps}
    names = {t.territory_id: t.name for t in plan.territories}
    rows["owner"] = rows["rep_id"].map(owners).astype(object)
    rows["territory"] = rows["territory_id"].map(names).astype(object)
    assigned = (rows["status"] == "assigned").to_numpy()
    has_owner = (rows["owner"].notna() & rows["owner"].astype(str).str.strip().ne("")).to_numpy()
    reasons = pd.Series(NO_TERRITORY, index=rows.index, dtype=object)
    if "reason" in rows:
        reasons[rows["reason"].isin(_WAITING_REASONS).to_numpy()] = WAITING
    reasons[assigned] = _NO_USER.format(system=system)
    out = rows[~(assigned & has_owner)]
    current, current_name, flag = _current_owners(plan, out)
    left_out = pd.DataFrame(
        {
            "account_id": out["account_id"].astype(str),
            "name": out["name"] if "name" in out else None,
            "territory_id": out["territory_id"],
            "territory": out["territory"],
            "rep_id": out["rep_id"],
            "reason": reasons[out.index],
            "current_owner": current,
            "current_owner_name": current_name,
            "owner_flag": flag,
        },
        columns=LEFT_OUT_COLUMNS,
    ).astype(object)
    return rows[assigned & has_owner], left_out.where(left_out.notna(), None).reset_index(drop=True)


def _current_owners(plan: Plan, rows: pd.DataFrame) -> tuple[list, list, list]:
    """Each row's owner in the data (the ``owner`` column), its rep's name, and a flag when that owner has left."""
    reps = {r.rep_id: r for r in plan.reps}
    owners, names, flags = [], [], []
    for cell in rows["owner_in_data"] if "owner_in_data" in rows else [None] * len(rows):
        # (pd.isna: a column of strings holds pd.NA, whose truth is ambiguous, where a cell is empty)
        owner = None if pd.isna(cell) or not str(cell).strip() else str(cell)
        rep = reps.get(owner) if owner is not None else None
        owners.append(owner)
        names.append(rep.name if rep is not None and rep.name else None)
        flags.append(None if owner is None else OWNER_UNKNOWN if rep is None else None if rep.active else OWNER_LEFT)
    return owners, names, flags


def with_rows_not_placed(export: CrmExport, skipped: pd.DataFrame) -> CrmExport:
    """``export`` with the accounts file's rows that could not be placed listed among those left out.

    A row skipped when the file was read (no usable address or coordinates) is in no CRM file: listed here, each
    with its line and why, so that the file and the list left out add up to the accounts file (two of the demo's
    5,000 were in neither, a review).

    Parameters
    ----------
    export : CrmExport
    skipped : DataFrame
        ``row, account_id, problem`` of the rows skipped (:attr:`geo.accounts.AccountsLoad.skipped`).

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E"}], "reps": []})
    >>> rows = pd.DataFrame({"account_id": ["1"], "territory_id": [None], "rep_id": [None], "status": ["unassigned"]})
    >>> gone = pd.DataFrame({"row": [7, 9], "account_id": ["X9", None],
    ...                      "problem": ["ZIP '99999' not found; row skipped", "no account id; row skipped"]})
    >>> for row in with_rows_not_placed(hubspot_import(plan, rows), gone).left_out[["account_id", "reason"]].values:
    ...     print(list(row))
    ['1', 'in no territory']
    ['X9', "not placed on the map: ZIP '99999' not found (line 7)"]
    ['', 'not placed on the map: no account id (line 9)']
    """
    if skipped is None or skipped.empty:
        return export
    ids = skipped["account_id"].astype(object)
    # (not an id listed already: a duplicate row skipped beside the row used, in the file or left out; looked for
    # among the few skipped: a set of the 146,000 written took half the Plans page's run, a profile)
    few = sorted({str(i) for i in ids.dropna()})
    columns = [export.left_out["account_id"]] + ([export.table.iloc[:, 0]] if len(export.table.columns) else [])
    listed = {str(v) for column in columns for v in column.astype(object)[column.astype(object).isin(few)]}
    # (a row with no id is listed too, by its line: there is no id to find it by, but the rows still add up)
    blank = ids.isna() | ids.astype(str).str.strip().eq("")
    keep = blank | ~ids.astype(str).isin(listed)
    rows = skipped[keep.to_numpy()]
    if rows.empty:
        return export
    extra = pd.DataFrame(
        {
            "account_id": np.where(blank[keep].to_numpy(), "", rows["account_id"].astype(str).to_numpy()),
            "reason": [
                NOT_PLACED.format(problem=str(p).removesuffix("; row skipped"), line=int(r))
                for p, r in zip(rows["problem"], rows["row"], strict=True)
            ],  # fmt: skip
        },
        columns=LEFT_OUT_COLUMNS,
    ).astype(object)
    left_out = pd.concat([export.left_out, extra], ignore_index=True)
    return replace(export, left_out=left_out.where(left_out.notna(), None))


def left_out_summary(export: CrmExport, plan: Plan, *, fix: str = "add it on the Reps page") -> str | None:
    """One sentence on the accounts not in a CRM file: how many, why, and what becomes of them (None: none).

    Parameters
    ----------
    export : CrmExport
    plan : Plan
        The plan the file was made from (its reps' names).
    fix : str
        How to give a rep their CRM user, where the sentence is read.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East"}],
    ...     "reps": [{"rep_id": "A", "name": "Ann", "territory_ids": ["E"]}]})
    >>> rows = pd.DataFrame({"account_id": ["1", "2"], "territory_id": ["E", None], "rep_id": ["A", None],
    ...                      "status": ["assigned", "unassigned"], "reason": [None, "no-matching-territory"]})
    >>> print(left_out_summary(hubspot_import(plan, rows), plan))
    2 accounts are not in the HubSpot file: 1 in no territory, 1 whose rep (Ann) has no HubSpot user (add it on the Reps page); in HubSpot they keep the owner they have now.
    >>> print(left_out_summary(hubspot_import(plan, rows.iloc[1:]), plan))
    1 account is not in the HubSpot file: 1 in no territory; in HubSpot it keeps the owner it has now.
    """
    left_out = export.left_out
    if left_out.empty:
        return None
    counts = left_out["reason"].value_counts()
    said = []
    if counts.get(WAITING):
        said.append(f"{counts[WAITING]:,} {WAITING} (their territory's reps are full or gone)")
    if counts.get(NO_TERRITORY):
        said.append(f"{counts[NO_TERRITORY]:,} {NO_TERRITORY}")
    not_placed = int(left_out["reason"].astype(str).str.startswith(NOT_PLACED.split(":")[0]).sum())
    if not_placed:
        said.append(f"{not_placed:,} not placed on the map (rows of the accounts file skipped)")
    skipped = export.skipped
    if len(skipped):
        rep_names = {r.rep_id: r.name for r in plan.reps}
        reps = sorted({rep_names.get(r, r) for r in skipped["rep_id"]})
        whose = "whose rep" if len(reps) == 1 else "whose reps"
        has = "has" if len(reps) == 1 else "have"
        said.append(f"{len(skipped):,} {whose} ({', '.join(reps)}) {has} no {export.system} user ({fix})")
    keep = f"in {export.system} {verb(len(left_out), 'it keeps the owner it has', 'they keep the owner they have')} now"
    left = left_out["owner_flag"] == OWNER_LEFT if "owner_flag" in left_out else pd.Series(False, left_out.index)
    unknown = left_out["owner_flag"] == OWNER_UNKNOWN if "owner_flag" in left_out else left
    gone = []
    if left.any():
        names = sorted({n or o for n, o in zip(left_out.loc[left, "current_owner_name"],
                                                left_out.loc[left, "current_owner"], strict=True)})  # fmt: skip
        gone.append(f"{int(left.sum()):,} of them owned by reps who left ({_some(names)})")
    if unknown.any():
        owners = sorted(set(left_out.loc[unknown, "current_owner"]))
        gone.append(f"{int(unknown.sum()):,} by owners who are no rep in the plan ({_some(owners)}; reps removed?)")
    if gone:
        keep += f", {' and '.join(gone)}: reassign them in {export.system}, or give the territory a rep"
    return (
        f"{counted(len(left_out), 'account')} {verb(len(left_out), 'is', 'are')} not in the {export.system} file: "
        f"{', '.join(said)}; {keep}."
    )


def id_problems(export: CrmExport, plan: Plan, *, fix: str = "on the Reps page") -> list[str]:
    """What in a CRM file its CRM will not take: ids that are not this CRM's, one sentence each (empty: none).

    A Salesforce Data Loader update finds each account by its Salesforce Id (15 or 18 letters and digits; an
    account's starts with 001) and gives it to the user of ``OwnerId`` (a user's starts with 005); a HubSpot import
    finds companies by their numeric Record ID and owners by email (or numeric owner id). The files were written
    whatever the ids were: a new user's accounts A001… and a rep's "=0058a…" went out without a word, and Data
    Loader would refuse every row.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "name": "East"}],
    ...     "reps": [{"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "salesforce_user_id": "=0058a0000000001"}]})
    >>> rows = pd.DataFrame({"account_id": ["A001", "0018a00000Xyz12AAA"], "territory_id": ["E", "E"],
    ...                      "rep_id": ["A", "A"], "status": ["assigned", "assigned"]})
    >>> for sentence in id_problems(salesforce_owner_update(plan, rows), plan):
    ...     print(sentence)
    1 account of the file has an Id that is no Salesforce Account Id (A001): Data Loader's update finds accounts by their Id (15 or 18 letters and digits, starting 001), and would refuse it; load the accounts from a Salesforce export with their Account Id.
    Ann has a Salesforce user id that is no Salesforce id (=0058a0000000001): 15 or 18 letters and digits, starting 005; correct it on the Reps page.
    """
    table = export.table
    if table.empty:
        return []

    def raw(value) -> str:  # (as the rep or file gave it: the formula guard's quote off)
        text = "" if value is None or value != value else str(value)
        return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text

    def raw_column(column: pd.Series) -> pd.Series:  # (raw, a column at once: 146,000 ids one by one took 0.7 s)
        text = column.astype(object).where(column.notna(), "").astype(str)
        guarded = text.str.match(r"'[=+\-@]")
        return text.where(~guarded, text.str[1:])

    def salesforce_ids(values: pd.Series, prefix: str) -> pd.Series:  # (what salesforce_id_key reads, at once)
        return values.str.strip().str.fullmatch(_SALESFORCE_ID.pattern) & values.str.startswith(prefix)

    if export.system == "Salesforce":
        ids, owners = raw_column(table["Id"]), raw_column(table["OwnerId"])
        bad_ids = ids[~salesforce_ids(ids, "001")]
        bad_owners = sorted(set(owners[~salesforce_ids(owners, "005")]))
        what_id, where_id = (
            "Salesforce Account Id",
            "Data Loader's update finds accounts by their Id (15 or 18 letters and digits, starting 001)",
        )
        what_owner, owner_rule = "Salesforce id", "15 or 18 letters and digits, starting 005"
        attribute = "salesforce_user_id"
    else:
        ids, owners = raw_column(table["Record ID"]), raw_column(table["Company owner"])
        bad_ids = ids[~ids.str.fullmatch(r"\d+")]
        # (an email starting as a formula is one in form, but the file carries it behind the guard's quote, which
        # HubSpot keeps: no owner matches "'=priya@…"; it was not said, a new user's test)
        usable = (owners.str.fullmatch(_EMAIL) & ~owners.str.match(r"[=+\-@]")) | owners.str.fullmatch(r"\d+")
        bad_owners = sorted(set(owners[~usable]))
        what_id, where_id = "HubSpot Record ID", "HubSpot's import finds companies by their Record ID (a number)"
        what_owner, owner_rule = "HubSpot owner", "the user's email, or their numeric owner id"
        attribute = "hubspot_owner"
    out = []
    if len(bad_ids):
        n = len(bad_ids)
        source = "a Salesforce" if export.system == "Salesforce" else "a HubSpot"
        out.append(
            f"{counted(n, 'account')} of the file {verb(n, 'has', 'have')} an Id that is no {what_id} "
            f"({_some(sorted(set(bad_ids)))}): {where_id}, and would refuse {verb(n, 'it', 'them')}; load the "
            f"accounts from {source} export with their {'Account Id' if export.system == 'Salesforce' else 'Record ID'}."
        )
    if bad_owners:
        reps = sorted({r.name for r in plan.reps if raw(getattr(r, attribute)) in bad_owners})
        who = and_list(reps) if reps else "Reps"
        shown = _some(bad_owners)
        out.append(
            f"{who} {verb(len(reps) or 2, 'has', 'have')} a {export.system} user id that is no {what_owner} "
            f"({shown}): {owner_rule}; correct {verb(len(reps) or 2, 'it', 'them')} {fix}."
        )
    # A territory name a spreadsheet would run as a formula is written with the guard's quote, which the CRM's import
    # keeps as part of the name ('@Strategic East: a picklist refuses every row; a review).
    column = "Territory__c" if export.system == "Salesforce" else "Territory"
    names = table[column].astype(object).where(table[column].notna(), "").astype(str)
    guarded = sorted(set(raw_column(names)[names.str.match(r"'[=+\-@]")]))
    if guarded:
        out.append(
            f"{counted(len(guarded), 'territory name')} {verb(len(guarded), 'starts', 'start')} with = + - or @ "
            f"({_some(guarded)}): written with a ' before {verb(len(guarded), 'it', 'them')}, so that a spreadsheet "
            f"does not run {verb(len(guarded), 'it', 'them')} as a formula, and {export.system} keeps that ' in the "
            f"{column} field; rename {verb(len(guarded), 'the territory', 'the territories')} (Edit territories page) "
            "to start otherwise."
        )
    return out


_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def _some(values: list[str], shown: int = 5) -> str:
    more = f" and {len(values) - shown:,} more" if len(values) > shown else ""
    return ", ".join(values[:shown]) + more


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
    rows, left_out = _owner_rows(plan, assignments, "salesforce_user_id", "Salesforce")
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
    return CrmExport(table=table, left_out=left_out, system="Salesforce")


def hubspot_import(plan: Plan, assignments: pd.DataFrame) -> CrmExport:
    """A HubSpot companies import: ``Record ID, Company owner, Territory``.

    ``Company owner`` is the rep's ``hubspot_owner`` (the user's email; HubSpot matches owners by email), and
    ``Territory`` a custom company property holding the territory's name.
    """
    rows, left_out = _owner_rows(plan, assignments, "hubspot_owner", "HubSpot")
    table = pd.DataFrame(
        {
            "Record ID": _clean(rows["account_id"]),
            "Company owner": _clean(rows["owner"]),
            "Territory": _clean(rows["territory"]),
        },
        columns=HUBSPOT_COLUMNS,
    )
    return CrmExport(table=table, left_out=left_out, system="HubSpot")


# -- Owners read back ----------------------------------------------------------------------------------------------

_SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id_key(value) -> str | None:
    """A Salesforce id in its 15-character, case-sensitive form (the same for the 18-character form); else None.

    The 18-character id is the 15-character one plus 3 characters that say which of its letters are capitals
    (one per block of 5), so a lower-cased 18-character id (a spreadsheet's doing) is read with its capitals back.

    Examples
    --------
    >>> salesforce_id_key("0058a0000000001AAA"), salesforce_id_key("0058a0000000001")
    ('0058a0000000001', '0058a0000000001')
    >>> salesforce_id_key("0051x000001AbcDAAS"), salesforce_id_key("0051x000001abcdaas")
    ('0051x000001AbcD', '0051x000001AbcD')
    >>> salesforce_id_key("Ann") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _SALESFORCE_ID.fullmatch(text):
        return None
    if len(text) == 15:
        return text
    head, suffix = text[:15], text[15:].upper()
    if any(c not in _CHECKSUM for c in suffix):
        return head
    chars = list(head)
    for block, flag in enumerate(suffix):
        bits = _CHECKSUM.index(flag)
        for i in range(5):
            c = chars[block * 5 + i]
            chars[block * 5 + i] = c.upper() if bits >> i & 1 else c.lower()
    return "".join(chars)


def _name_key(value: str) -> str:
    return "".join(value.split()).casefold()


@dataclass(frozen=True)
class OwnerMatch:
    """Owner cells of an accounts file read as rep ids.

    Attributes
    ----------
    rep_ids : Series
        The rep id of each owner cell (same index); an owner that matches no rep, or several, is kept as given,
        and an empty cell is None.
    unmatched : DataFrame
        ``owner, accounts, reason``: each owner value that matches no rep (or several), with its number of
        accounts, most accounts first (then by owner).
    """

    rep_ids: pd.Series
    unmatched: pd.DataFrame

    def message(
        self, source: str, *, fix: str = "add the user's Salesforce id or HubSpot email to the rep on the Reps page"
    ) -> str | None:
        """The warning for ``source`` (a file name), or None when every owner matched a rep.

        ``fix`` says how to give a rep their CRM user where the warning is read.
        """
        if self.unmatched.empty:
            return None
        accounts = int(self.unmatched["accounts"].sum())
        shown = [f"'{r.owner}' ({r.accounts:,})" for r in self.unmatched.head(8).itertuples()]
        more = f" and {len(self.unmatched) - 8:,} more" if len(self.unmatched) > 8 else ""
        several = self.unmatched["reason"].ne(_NO_REP)
        also = (
            f" ({', '.join(repr(o) for o in self.unmatched.loc[several, 'owner'])} name several reps: give the rep id)"
            if several.any()
            else ""
        )
        return (
            f"{source}: {counted(accounts, 'account')} {verb(accounts, 'has', 'have')} an owner that matches no rep, "
            f"so no rep keeps {verb(accounts, 'it', 'them')} as owner: "
            f"{', '.join(shown)}{more}{also}. An owner is read as a rep's id, Salesforce user id, HubSpot owner "
            f"email or name: {fix}, or correct the file."
        )


_NO_REP = "matches no rep"


def match_owners(plan: Plan, owners: pd.Series) -> OwnerMatch:
    """Owner cells of an accounts file (a CRM export's) as the plan's rep ids.

    An owner is a rep's id (as written), Salesforce user id (15- or 18-character form), HubSpot owner email
    (any case) or name (any case, spaces ignored), tried in that order.

    Parameters
    ----------
    plan : Plan
        Its reps, with ``salesforce_user_id`` and ``hubspot_owner``.
    owners : Series
        The owner column as read.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E"}], "reps": [{"rep_id": "R1",
    ...     "name": "Sarah Chen", "territory_ids": ["E"], "salesforce_user_id": "0058a0000000001AAA",
    ...     "hubspot_owner": "Sarah.Chen@example.com"}]})
    >>> cells = pd.Series(["R1", "0058a0000000001", "sarah.chen@EXAMPLE.com", " sarah  chen", "Tom", None])
    >>> found = match_owners(plan, cells)
    >>> found.rep_ids.tolist()
    ['R1', 'R1', 'R1', 'R1', 'Tom', None]
    >>> found.unmatched.to_dict("records")
    [{'owner': 'Tom', 'accounts': 1, 'reason': 'matches no rep'}]
    """
    keys: list[dict[str, set[str]]] = [{}, {}, {}, {}]  # rep id, Salesforce id, HubSpot email, name → reps
    for rep in plan.reps:
        found = (
            rep.rep_id,
            salesforce_id_key(rep.salesforce_user_id),
            rep.hubspot_owner.strip().casefold() if rep.hubspot_owner else None,
            _name_key(rep.name) if rep.name else None,
        )
        for table, key in zip(keys, found, strict=True):
            if key:
                table.setdefault(key, set()).add(rep.rep_id)

    def one(cell) -> tuple[object, str | None]:
        if cell is None or cell != cell or not str(cell).strip():
            return None, None
        text = str(cell).strip()
        for table, key in zip(keys, (text, salesforce_id_key(text), text.casefold(), _name_key(text)), strict=True):
            reps = table.get(key) if key else None
            if reps:
                return (next(iter(reps)), None) if len(reps) == 1 else (cell, f"matches {len(reps)} reps")
        return cell, _NO_REP

    distinct = {cell: one(cell) for cell in owners.dropna().unique()}
    rep_ids = pd.Series([distinct[c][0] if c in distinct else None for c in owners], index=owners.index, dtype=object)
    problems = {cell: why for cell, (_, why) in distinct.items() if why}
    counts = owners[owners.isin(list(problems))].value_counts()  # (most accounts first, then by owner)
    counts = counts.sort_index(key=lambda i: i.astype(str)).sort_values(ascending=False, kind="stable")
    unmatched = pd.DataFrame(
        {"owner": counts.index.astype(str), "accounts": counts.to_numpy(dtype=int),
         "reason": [problems[c] for c in counts.index]},
        columns=["owner", "accounts", "reason"],
    )  # fmt: skip
    return OwnerMatch(rep_ids=rep_ids, unmatched=unmatched)
