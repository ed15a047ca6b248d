"""Reps: the roster as an editable table; applying it re-runs the assignment and shows what moved."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re

import pandas as pd
import streamlit as st

from geo.boundaries import region_label, regions_named
from pages.shared import (
    MISSING,
    counted,
    current_engine,
    engine_token,
    money_column,
    named_account_moves,
    percent,
    percent_column,
    plain,
    planned_state,
    remember,
    set_plan,
    setting,
    show_input_error,
    show_table,
)
from territory import InputDataError, plan_from_dict
from territory.edits import diff_assignments, next_rep_id
from territory.exports import spreadsheet_csv
from territory.formatting import and_list, verb
from territory.impact import edit_impact, more_waiting, waiting_remedies
from territory.plan_diff import rep_changes, rep_changes_said
from territory.roster_files import (
    ROSTER_ALIASES,
    heading_key,
    merge_roster,
    read_roster_csv,
    specialties_matching_nothing,
)

engine = current_engine()
plan = engine.plan
balance = engine.balance.reps.set_index("rep_id")

st.title("Reps")
st.caption(
    "Edit capacity, quota attainment, specialties, territories or the active flag, then apply: the "
    "assignment is re-run and every account that changes hands is listed."
)

territory_ids = [t.territory_id for t in plan.territories]
# Territories by name in the roster; by id where a name could be read as another territory (it has a comma, is
# another territory's name in any case, or is another territory's id in any case). Either is read back, ids first.
# (Its own id in another case is no clash: "Rockies", id ROCKIES, a new rep's territory, read "ROCKIES" among names;
# with a territory "rockies" as well, the name would read back as that one, so the id shows.)
_folded = pd.Series([t.name.strip().casefold() for t in plan.territories])
_ids, _exact_ids = pd.Series([t.casefold() for t in territory_ids]), pd.Series(territory_ids)
shown_as = {
    t.territory_id: t.name.strip()
    if t.name.strip()
    and "," not in t.name
    and (_folded == t.name.strip().casefold()).sum() == 1
    and not (_ids.eq(t.name.strip().casefold()) & _exact_ids.ne(t.territory_id)).any()
    else t.territory_id
    for t in plan.territories
}
by_text = {
    t.name.strip().casefold(): t.territory_id for t in plan.territories if shown_as[t.territory_id] != t.territory_id
} | {t: t for t in territory_ids}

# Where each rep lives, by the name the map gives it (a plan from scratch places reps where they live): a new user
# could not see the homes that decided who went where.
_homes = {r.rep_id: r.home_region for r in plan.reps if r.home_region}
_claimed = plan.claimed_region_ids()


def home_of(text, rep_id=None) -> tuple[str | None, str]:
    """The region id a Home cell names (a label as the map gives it, or an id), else None and why.

    A rep's home as shown stays the region it was ("Georgia", the state, though a country has that name too).
    """
    text = _text(text)
    if not text:
        return None, ""
    if rep_id in _homes and text == region_label(_homes[rep_id]):
        return _homes[rep_id], ""
    # (a two-letter code is a state's or province's too, and the one the plan's territories hold wins: "MA" was
    # Morocco and "NY" no region at all, a new user's test)
    found = regions_named(text, within=_claimed)
    if len(found) == 1:
        return found[0], ""
    if found:
        named = " or ".join(f"{region_label(r)} ({r})" for r in found)
        return None, f"Home '{text}' could be {named}; type the id of the one you mean."
    return None, (f"Home '{text}' is not a region; type a state, province, country or county as the map names "
                  "it (Texas, Ontario, Germany, or a county with its state: Kings, NY), a state's or province's "
                  "two letters (TX) or its id (US-TX).")  # fmt: skip


roster = pd.DataFrame(
    {
        "rep_id": [r.rep_id for r in plan.reps],
        "name": [r.name for r in plan.reps],
        "active": [r.active for r in plan.reps],
        "home": [region_label(r.home_region) if r.home_region else "" for r in plan.reps],
        "capacity": [r.capacity for r in plan.reps],
        "quota_attainment": [r.quota_attainment for r in plan.reps],
        "territories": [", ".join(shown_as.get(t, t) for t in r.territory_ids) for r in plan.reps],
        "specialties": [", ".join(r.specialties) for r in plan.reps],
        "salesforce_user_id": [r.salesforce_user_id or "" for r in plan.reps],
        "hubspot_owner": [r.hubspot_owner or "" for r in plan.reps],
        "accounts": [int(balance.loc[r.rep_id, "accounts"]) for r in plan.reps],
        "utilization": [float(balance.loc[r.rep_id, "utilization"]) for r in plan.reps],
    }
)
# The accounts a rep holds and their share of capacity in one column ("162 (90%)"): two columns did not fit.
# (with what a rep holds outside these accounts, which counts against its capacity: "1 (50%)" read as room while
# its accounts waited "at capacity", a review)
held = [int(balance.loc[r.rep_id, "held_outside"]) for r in plan.reps]
roster["load"] = [
    f"{a:,}{f' + {h:,} outside' if h else ''} ({percent(u)})"
    for a, h, u in zip(roster["accounts"], held, roster["utilization"], strict=True)
]
READ_ONLY = ["accounts", "utilization", "load"]
existing_names = {r.rep_id: r.name for r in plan.reps}
WAITING = "Waiting for a rep"  # (the per-rep summary's row for accounts that have no rep, or had none)
# The whole roster was 1,485 px wide in the 818 px of a 1280 px window (a new user's test): the ids and CRM owners,
# which matter only for exports, are one toggle away (and in the table's Show/hide columns); every column has a
# width, so the rest fits.
ID_COLUMNS = ["rep_id", "salesforce_user_id", "hubspot_owner"]
# (accounts and utilization apart stay in the data: the table's Show/hide columns shows them)
PENDING, BASE = "roster_pending", "roster_base"
PENDING_KEPT = "roster_pending_kept"  # (the edits not applied, as JSON: kept with the tab's settings)


def _columns_switched() -> None:
    """The table is drawn anew with other columns (Streamlit forgets its edits then): from the edits so far."""
    st.session_state[BASE] = st.session_state.get(PENDING)
    st.session_state.pop("roster_editor", None)


setting("reps_show_ids", False)  # (kept across pages, as the table's edits below)
show_ids = st.toggle(
    "Show rep ids and CRM owners",
    key="reps_show_ids",
    help="The rep id and the Salesforce user id and HubSpot owner the Plans page's CRM exports use",
    on_change=_columns_switched,  # (a Salesforce user id typed, then the ids hidden: it was gone)
)
shown_columns = [
    c for c in roster.columns if (show_ids or c not in ID_COLUMNS) and c not in ("accounts", "utilization")
]
# Edits not applied yet are kept across pages: Streamlit forgets a table's edits when another page is shown, and a
# Salesforce user id and HubSpot owner typed for a new rep were gone without a word on coming back (the tenth new
# user's test). The table edited is kept for these reps (their plan entries, not their loads); a table drawn anew
# starts from it, and goes on from it while its edits last. Kept for the reps and the territories' names as the
# table shows them: a territory renamed meanwhile would have its old name read back as none, or as another's.
reps_token = json.dumps([plan.to_dict()["reps"], shown_as], sort_keys=True, default=str)
# And across a reload of the browser (a new session): as JSON with the tab's settings (a capacity typed and not
# applied was gone after a reload, without a word, a review).
kept_json = st.session_state.get(PENDING_KEPT)
if PENDING not in st.session_state and isinstance(kept_json, list) and len(kept_json) == 2:
    with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
        split = json.loads(kept_json[1])
        st.session_state[PENDING] = (kept_json[0], pd.DataFrame(split["data"], columns=split["columns"],
                                                                index=split["index"]))  # fmt: skip
if "roster_editor" not in st.session_state:
    pending = st.session_state.get(PENDING)
    st.session_state[BASE] = pending if pending is not None and pending[0] == reps_token else None
    if pending is not None and pending[0] != reps_token:
        st.session_state.pop(PENDING, None)
        st.warning("Changes to the team that were not applied were dropped: the plan's reps or territories changed "
                   "since (an edit elsewhere, an undo). Type them again if they are still wanted.")  # fmt: skip
base = st.session_state.get(BASE)
kept_note = st.container()  # (said above the table once its edits are known to differ from the plan)
if base is not None and base[0] == reps_token:
    # (the loads as they are now: the accounts a rep holds may have changed with an edit elsewhere)
    base = base[1].drop(columns=READ_ONLY).merge(roster[["rep_id", *READ_ONLY]], on="rep_id", how="left")
else:
    base = roster
edited = st.data_editor(
    base,
    key="roster_editor",
    hide_index=True,
    num_rows="dynamic",  # (add a rep in the last row; remove one by selecting its row and deleting it)
    placeholder=MISSING,  # (an empty cell of a new row, as every table shows one)
    disabled=["rep_id", *READ_ONLY],
    column_order=shown_columns,
    # (every rep in view, and the empty row that adds one, up to 20 reps; then it scrolls)
    height=min(len(base) + 2, 22) * 35 + 3,
    column_config={
        "rep_id": st.column_config.TextColumn("Rep id", width=64),
        # (at 1280 px Active, Capacity and Attainment ran into their borders ("Activ") and a home read "British
        # Columbi…": every column is as wide as its header with the edit mark beside it, Home as a Canadian province,
        # and the roster fits the 916 px with "Quota %" and "Specialty" for the longer headings; Specialty takes the
        # rest, as two specialties ("manufacturing, logistics") were cut in 92 px; tests/e2e/test_reps.py looks at
        # the pixels)
        "name": st.column_config.TextColumn("Name", width=111),
        # (a rep added in the last row starts active: the box was blank, though a blank Active was applied as active)
        "active": st.column_config.CheckboxColumn("Active", width=72, default=True),
        "home": st.column_config.TextColumn(
            "Home",
            width=118,
            help="Where the rep lives: a state, province, country or county as the map names it, or its id "
            "(US-TX). A plan from scratch puts each rep in the territory holding their home; it stays there when "
            "rebalancing. A name too long for the column shows whole when you double-click its cell",
        ),
        # (no min_value: the cell dropped a typed minus sign, so -5 became 5 without a word, and a step of 1 dropped
        # the point: 2.5 became 25. A negative capacity is refused on Apply, naming the rep; the cell, whole numbers
        # only, does not take 2.5)
        # (a new row starts at the team's median capacity, as a new rep of the Rebalance page does: it started
        # empty, which Apply refuses, then at 40 beside a team of 280, a review)
        "capacity": st.column_config.NumberColumn(
            "Capacity",
            width=88,
            default=plan.usual_capacity(),
            help="Maximum active accounts: a whole number, 0 or more",
        ),
        "quota_attainment": percent_column(
            "Quota %",
            width=87,
            default=0.0,  # (a new rep has sold nothing yet; an empty cell is refused, as it was read as 0)
            help="Quota attainment (the Balance page's Attainment), shown as a percentage of quota; type it as a "
            "fraction, 0 or more: 1 is on quota, 1.12 is 112%",
        ),
        "territories": st.column_config.TextColumn(
            "Territories", width=132, help=f"Comma-separated names (or ids): {plain(', '.join(shown_as.values()))}"
        ),
        "specialties": st.column_config.TextColumn(
            "Specialty",
            width=180,
            help="The rep's specialties: industries or tiers, comma-separated. A specialty breaks ties only: an "
            "account keeps its current rep while they have room, else goes to the rep of its territory with the "
            "most free capacity, then the best quota attainment, then a matching specialty",
        ),
        "salesforce_user_id": st.column_config.TextColumn(
            "Salesforce user id",
            width=130,
            help="The rep's User Id (005…), for the Data Loader owner file on the Plans page",
        ),
        "hubspot_owner": st.column_config.TextColumn(
            "HubSpot owner",
            width=150,
            help="The rep's HubSpot user email, for the HubSpot import file on the Plans page",
        ),
        "accounts": st.column_config.NumberColumn("Accounts", width=72),
        "utilization": percent_column("Utilization", progress=True, width=96),
        "load": st.column_config.TextColumn(
            "Load",
            width=150 if any(held) else 82,
            help="Active accounts the rep holds (and those the plan says it holds outside these "
            "accounts), and their share of the rep's capacity (utilization)",
        ),
    },
)
# (the tables offer no export of their own, client.disableDataExport: the roster as a guarded CSV, in the columns
# "Load reps from a file" reads, ids and CRM owners included)
st.download_button(":material/download: CSV", lambda: spreadsheet_csv(roster.drop(columns=["load"])),  # (when clicked)
                   file_name="reps.csv", mime="text/csv", key="roster_download", on_click="ignore",
                   type="tertiary")  # fmt: skip


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


# Rows added with "+" and left empty (no name, home, territories, specialties or CRM owner typed) are not reps:
# 21 of them refused Apply with "Row 36 (new rep): Name is empty" (a new user's test).
TYPED = ["name", "home", "territories", "specialties", "salesforce_user_id", "hubspot_owner"]
untouched = edited["rep_id"].map(lambda r: _text(r) not in existing_names) & edited[TYPED].map(_text).eq("").all(axis=1)
edited = edited[~untouched]


def split(text) -> list[str]:
    """The comma-separated items of a cell (none for an empty cell, NaN included)."""
    if text is None or (isinstance(text, float) and text != text):
        return []
    return [part.strip() for part in str(text).split(",") if part.strip()]


def territory_of(text: str) -> str | None:
    """The territory id a roster cell's item names: an id, or a name in any case."""
    return by_text.get(text) or by_text.get(text.strip().casefold())


# A Quota % typed above this share (1,000%) is refused unless the rep had it: 112 typed for 112% read 11,200%.
# (a comment, not a string under it: Streamlit writes a page's bare strings on the page)
QUOTA_TYPO = 10.0


def _figure_problems(capacity, quota_attainment, *, new: bool, was: float | None = None) -> list[str]:
    """What is wrong with a row's Capacity and Quota %, in the table's words and with what to type.

    The plan reads them as a whole number and a share, both 0 or more; nothing is changed to fit (a typed -5 was
    read as 5, an emptied Quota % as 0). A new rep's empty Quota % is 0%, as the added row shows it. A share above
    :data:`QUOTA_TYPO` that the rep did not have (``was``) is taken for a percentage typed as one.
    """
    problems = []
    how_many = "enter the most accounts the rep can hold, a whole number, 0 or more (0: no accounts)"
    capacity = pd.to_numeric(pd.Series([capacity]), errors="coerce").iloc[0]
    if pd.isna(capacity):
        problems.append(f"Capacity is empty; {how_many}.")
    elif capacity < 0:
        problems.append(f"Capacity is {capacity:g}, below 0; {how_many}.")
    elif capacity != round(capacity):  # (said by the plan alone, without the file's line, once the rest was fixed)
        problems.append(f"Capacity is {capacity:g}, not a whole number; {how_many}.")
    how_much = "enter the rep's quota attainment as a fraction, 0 or more: 1 is on quota, 1.12 is 112%"
    share = pd.to_numeric(pd.Series([quota_attainment]), errors="coerce").iloc[0]
    if pd.isna(share) and not new:
        problems.append(f"Quota % is empty; {how_much} (0 for a rep who has sold nothing yet).")
    elif share < 0:
        problems.append(f"Quota % is {percent(share)} ({share:g}), below 0; {how_much}.")
    elif share > QUOTA_TYPO and share != was:
        problems.append(
            f"Quota % is {percent(share)} ({share:g}), more than {percent(QUOTA_TYPO)}: was {percent(share / 100)} "
            f"meant? {how_much[0].upper()}{how_much[1:]} (type {share / 100:g})."
        )
    return problems


def roster_problems(edited: pd.DataFrame, lines: list[str] | None = None) -> list[str]:
    """What in the edited roster cannot be used, rep by rep, in the table's own words.

    ``lines``: each row's place in a file, said first.
    """
    known = set(territory_ids)
    problems = []
    for number, row in enumerate(edited.itertuples(index=False), start=1):
        rep_id = _text(row.rep_id)
        who = f"{_text(row.name) or 'Row ' + str(number)} ({rep_id or 'new rep'})"
        if lines is not None and lines[number - 1]:
            who = f"{lines[number - 1]}, {who}"
        if not _text(row.name):
            problems.append(f"{who}: Name is empty; give the rep a name.")
        if home_of(row.home, rep_id)[1]:
            problems.append(f"{who}: {home_of(row.home, rep_id)[1]}")
        problems += [
            f"{who}: {problem}"
            for problem in _figure_problems(
                row.capacity,
                row.quota_attainment,
                new=rep_id not in existing_names,
                was=plan.rep(rep_id).quota_attainment if rep_id in existing_names else None,
            )
        ]
        unknown = [t for t in split(row.territories) if territory_of(t) not in known]
        if unknown:
            problems.append(
                f"{who}: Territories names {', '.join(repr(t) for t in unknown)}, which the plan does not have; "
                f"use territory names: {', '.join(shown_as.values())}."
            )
    return problems


def _with_lines(problems: list[str]) -> tuple[list[str], list[str]]:
    """``problems`` (:func:`roster_problems`'s) and the file line each starts with ("reps.csv, line 4"; "" for none)."""
    found = [re.match(r"(.+?, line \d+), ", p) for p in problems]
    return problems, [m.group(1) if m else "" for m in found]


def _line_number(problem: str) -> int:
    """The line a problem names ("reps.csv, line 4, …" → 4), 0 for none: problems said in the file's order."""
    found = re.search(r", line (\d+)", problem)
    return int(found.group(1)) if found else 0


def roster_reps(edited: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """The plan's reps as the edited roster has them (new rows are new reps), and the ids of the removed ones."""
    existing = {r.rep_id: r for r in plan.reps}
    taken = list(existing)
    reps = []
    for row in edited.itertuples(index=False):
        rep_id = _text(row.rep_id)
        if rep_id not in existing:  # a row added in the table: a new rep with the next id
            rep_id = next_rep_id(taken)
            taken.append(rep_id)
            base = {"rep_id": rep_id}
        else:
            base = dataclasses.asdict(existing[rep_id])
        reps.append(
            {
                **base,
                "name": _text(row.name),
                "home_region": home_of(row.home, _text(row.rep_id))[0],
                "active": True if row.active is None or row.active != row.active else bool(row.active),
                "capacity": row.capacity,
                # (an existing rep's empty cell was refused; a new rep's is 0%, as the added row shows it)
                "quota_attainment": 0.0 if pd.isna(row.quota_attainment) else float(row.quota_attainment),
                "territory_ids": [territory_of(t) for t in split(row.territories)],
                "specialties": split(row.specialties),
                "salesforce_user_id": _text(row.salesforce_user_id) or None,
                "hubspot_owner": _text(row.hubspot_owner) or None,
            }
        )
    kept = {r["rep_id"] for r in reps}
    return reps, [r for r in existing if r not in kept]


def crm_users_kept(before, after) -> list[str]:
    """Reps renamed whose CRM users stayed: the CRM files give the renamed rep's accounts to the old rep's user.

    A new user typed a team of their own over the demo's rows: the files sent their accounts to the demo's users.
    """
    out = []
    for rep in after.reps:
        if rep.rep_id not in existing_names:
            continue
        old = before.rep(rep.rep_id)
        if old.name.strip().casefold() == rep.name.strip().casefold():
            continue
        kept = []
        if old.salesforce_user_id and rep.salesforce_user_id == old.salesforce_user_id:
            kept.append(f"Salesforce user {old.salesforce_user_id}")
        if old.hubspot_owner and rep.hubspot_owner == old.hubspot_owner:
            kept.append(f"HubSpot owner {old.hubspot_owner}")
        if kept:
            out.append(f"{rep.name} (was {old.name}) keeps {old.name}'s {' and '.join(kept)}.")
    return out


def _cells(frame: pd.DataFrame) -> list[tuple]:
    """The editable cells as plain values (a table with an added row, dropped as empty, came back with other dtypes)."""

    def plain_value(value):
        if isinstance(value, float) and value == value and value.is_integer():
            return int(value)
        return _text(value) if value is None or isinstance(value, (str, float)) else value

    return [tuple(plain_value(v) for v in row) for row in frame.drop(columns=READ_ONLY).itertuples(index=False)]


def roster_from_csv(data: bytes, filename: str, table: pd.DataFrame, *, only_listed: bool) -> tuple:
    """The roster with a CSV's reps merged in, each row's line, and the problems of the file's lines.

    (:func:`territory.roster_files.merge_roster`; the reps' own problems are the roster's: :func:`roster_problems`)
    """
    found: list = []
    reps, lines = read_roster_csv(data, filename, problems=found)
    _say_unread(filename, reps.attrs.get("unread", []))
    # The reps of lines that could not be read are left out (their cells are shifted): said once, by their line, not
    # under another line with the same name (a review: "Ann, Smith" on line 4 was said as Ann of line 2)
    unread = {p.row for p in found if p.column is None}  # (lines with more fields than the header: cells shifted)
    kept = [i for i, line in enumerate(lines) if line not in unread]
    reps, lines = reps.iloc[kept].reset_index(drop=True), [lines[i] for i in kept]
    # A cell that is no number is said by its line and column; the rest of its line is still checked, in the same
    # round (a capacity below 0 and an unknown territory were said only once "abc" was fixed, a review): a stand-in
    # where the number was, so that it is not said again as empty. Never applied: the file's problems refuse it.
    stand_in = {"capacity": 0.0, "quota_attainment": 0.0}
    for problem in found:
        if problem.column is not None and problem.row in lines:
            field = next((f for f in stand_in if heading_key(problem.column) in ROSTER_ALIASES[f]), None)
            if field is not None and field in reps:
                reps.loc[lines.index(problem.row), field] = stand_in[field]
    # (a rep listed twice: said by its later line with the others, in one round)
    merged = merge_roster(table.drop(columns=READ_ONLY), reps, only_listed=only_listed, lines=lines, source=filename,
                          problems=found)  # fmt: skip
    for column in READ_ONLY:
        merged[column] = None
    # (a new rep with no capacity gets the team's median, as a row added to the table does: refused as empty, though
    # the file's hint said it could be left empty, a review)
    new_and_empty = merged["rep_id"].map(_text).eq("") & pd.to_numeric(merged["capacity"], errors="coerce").isna()
    merged.loc[new_and_empty, "capacity"] = plan.usual_capacity()
    # (each of the file's reps said by its line; the roster's reps the file does not list by their name alone)
    # (a rep with no name by its line too, in the file's order: "Row 13 (new rep): Name is empty" named no file and
    # no line, its empty cell read as NaN in the file and None in the roster, a new user's test)
    line_of, nameless = {}, []
    for line, name in zip(lines, reps["name"], strict=True):
        if _text(name):
            line_of.setdefault(_text(name).casefold(), f"{filename}, line {line}")
        else:
            nameless.append(f"{filename}, line {line}")
    nameless = iter(nameless)
    return merged, [line_of.get(_text(n).casefold(), "") if _text(n) else next(nameless, "")
                    for n in merged["name"]], found  # fmt: skip


def _say_unread(filename: str, unread: list) -> None:
    """The file's columns no field reads: a warning where one looks like a field's name (a typo), else a note."""
    if not unread:
        return
    said = ", ".join(f"'{plain(h)}'" + (f" (did you mean {field}?)" if field else "") for h, field in unread)
    text = (f"{plain(filename)}: {counted(len(unread), 'column')} not read: {said}. "
            "Rename a column to the field it holds to read it.")  # fmt: skip
    if any(field for _, field in unread):
        st.warning(text, icon="⚠️")
    else:
        st.caption(text)


def roster_plan(edited: pd.DataFrame, where: str = "in the table", lines: list[str] | None = None,
                read_problems=()) -> tuple | None:  # fmt: skip
    """The plan a roster (the table's, or a file's) makes, and the reps it removes; None, said, when it cannot be used.

    ``read_problems``: a file's lines that could not be read (:class:`~territory.errors.InputDataError`); said with
    the reps' own problems, in the file's order, in one round (a rep whose line could not be read is said once).
    """
    unread = {f"{p.source}, line {p.row}" for p in read_problems if p.column is None}  # (shifted lines: said once)
    problems = [
        problem
        for problem, line in zip(*_with_lines(roster_problems(edited, lines)), strict=True)
        if line not in unread
    ] + [str(p) for p in read_problems]
    if read_problems:  # (in the file's order: the line first)
        problems.sort(key=_line_number)
    if problems:
        st.error(f"**Cannot be applied: fix these {where}.**\n\n" + "\n".join(f"- {plain(p)}" for p in problems))
        return None
    reps, removed = roster_reps(edited)
    data = plan.to_dict()
    # Accounts locked to a removed rep keep their lock to the territory, not to the rep (a lock to the rep
    # alone goes); accounts the plan lists with that rep as owner have no owner now.
    for override in data.get("overrides", []):
        if override.get("rep_id") in removed:
            override["rep_id"] = None
    data["overrides"] = [o for o in data.get("overrides", []) if o.get("territory_id") or o.get("rep_id")]
    for account in data.get("accounts", []) or []:
        if isinstance(account, dict) and account.get("owner") in removed:
            account["owner"] = None
    try:
        return plan_from_dict({**data, "reps": reps}, source="rep roster"), removed
    except InputDataError as error:
        show_input_error(error)
        return None


def apply_roster(edited: pd.DataFrame, where: str = "in the table", lines: list[str] | None = None,
                 read_problems=()) -> None:  # fmt: skip
    """Apply a roster (the table's, or a file's) to the plan, or say what in it cannot be used and where."""
    made = roster_plan(edited, where, lines, read_problems)
    if made is None:
        return
    new_plan, removed = made
    # (the step says what changed, in the version history and the Edit territories page's History, as a
    # map edit does: it read "Plan changed outside the editor")
    said = rep_changes_said(rep_changes(plan, new_plan, region_label=region_label))
    set_plan(new_plan, f"Reps: {said}" if said else "Reps: roster applied")
    after = current_engine()
    moved = diff_assignments(engine.result, after.result)
    # What the change leaves undone, as the Edit territories page warns of it: a territory left with no
    # active rep (its accounts wait unassigned), reps at capacity with accounts waiting behind them.
    warnings = edit_impact(engine, after).warnings
    # (a specialty typed wrong matched no account, unsaid: the specialist never won a tie, a review)
    warnings = [*warnings, *specialties_matching_nothing(new_plan, after.accounts["industry"].dropna().unique())]
    # and what to do where more accounts wait now (the warning said so, not what to do: a new user's test)
    remedies = waiting_remedies(
        after.plan, after.result, territory_ids=more_waiting(engine, after), where="in the roster above"
    )
    # (kept with the plan it made: after an undo or another edit it is no longer what happened)
    # (with the names before the change: a removed rep's accounts still say whose they were)
    st.session_state["last_roster_change"] = (
        st.session_state["plan_json"],
        moved,
        dict(existing_names),
        warnings,
        remedies,
        said,
    )
    if removed:
        st.session_state["roster_removed"] = [existing_names.get(r, r) for r in removed]
    st.session_state["roster_crm_kept"] = crm_users_kept(plan, new_plan)
    st.rerun()


def _file_preview(filename: str, new_plan) -> bool:
    """What a reps file would change, before it is applied: reps added, changed and removed, accounts that would move.

    False when it changes nothing (said): there is nothing to apply.
    """
    changes = rep_changes(plan, new_plan, region_label=region_label)
    if changes.empty:
        st.info(f"**{plain(filename)}** changes nothing: the team already reads as the file says.")
        return False
    counts = changes["change"].value_counts()
    said = [f"{counted(int(counts[c]), 'rep')} {verb(int(counts[c]), w + 's', w)}"
            for c, w in (("added", "join"), ("changed", "change"), ("removed", "leave")) if counts.get(c)]  # fmt: skip
    # (counted as "What moved" counts them once applied: a rep or a territory, or a rep no longer, for each; once
    # per file and plan, not on every rerun while the file sits in the uploader: ~0.6 s at 150,000 accounts)
    key = (engine_token(), json.dumps(new_plan.to_dict(), sort_keys=True))
    memo = st.session_state.get("reps_file_moves")
    if memo is None or memo[0] != key:
        memo = (key, len(diff_assignments(engine.result, planned_state(new_plan).result)))
        st.session_state["reps_file_moves"] = memo
    moving = memo[1]
    st.markdown(
        f"**What {plain(filename)} changes:** {and_list(said)}; {counted(moving, 'account')} would move. "
        "Nothing is applied until you apply it (remove the file to drop it)."
    )
    show_table(
        changes.drop(columns="rep_id").assign(name=lambda t: t["name"].astype(str)),
        hide_index=True, width="stretch",
        column_config={"name": "Rep", "change": "Change", "detail": st.column_config.TextColumn("Detail", width="large")},
    )  # fmt: skip
    return True


changed = _cells(edited) != _cells(roster)
if changed:
    st.session_state[PENDING] = (reps_token, edited.copy())
    # (every digit written and read back as written, by Python's JSON: pandas' read 0.94 as 0.9400000000000001 and
    # wrote 15 digits at most, and Apply said "quota attainment 94% → 94%" after a reload and saved it so, a review)
    kept_now = [reps_token, json.dumps(edited.to_dict(orient="split"), default=str)]
else:
    st.session_state.pop(PENDING, None)
    kept_now = None
if st.session_state.get(PENDING_KEPT) != kept_now:
    st.session_state[PENDING_KEPT] = kept_now
    remember(PENDING_KEPT)
if changed and base is not roster:  # (kept from before; not when typed back as the plan has them)
    with kept_note:
        st.info("Changes to the team not applied yet, kept from before: apply them below, or discard them.", icon="✏️")
        if st.button("Discard these changes", key="roster_discard"):
            for key in (PENDING, BASE, "roster_editor"):
                st.session_state.pop(key, None)
            st.session_state[PENDING_KEPT] = None
            st.rerun()
if st.button("Apply changes and re-run the assignment", type="primary", disabled=not changed):
    apply_roster(edited)

# A team of 35 typed row by row into the table was fiddly, and pasted over the demo's rows it kept their CRM users (a
# new user's test): a CSV of the team, as a CRM or HR system exports it.
with st.expander("Load reps from a CSV"):
    st.caption(
        "One rep a row, with a header: **name** (required), and any of home, capacity, quota attainment (1.12 or "
        "112%), territories, specialties, active, Salesforce user id, HubSpot owner, rep id. A rep whose id or name "
        "the team has is updated with the columns the file gives; the others join the team."
    )
    upload = st.file_uploader("Reps CSV", type=["csv", "tsv", "txt"], key="reps_upload")
    only_listed = st.checkbox("Remove the reps the file does not list", key="reps_only_listed")
    if upload is not None:
        # What the file changes is shown before it is applied: the reps it adds, changes and removes, and the
        # accounts that would change hands (it was applied at once, a step to undo, a review's wish).
        try:
            from_file, file_lines, unread = roster_from_csv(upload.getvalue(), upload.name, roster,
                                                            only_listed=only_listed)  # fmt: skip
        except InputDataError as error:
            show_input_error(error)
            made = None
        else:
            made = roster_plan(from_file, f"in {plain(upload.name)}", file_lines, unread)
        if made is not None and not _file_preview(upload.name, made[0]):
            made = None  # (nothing to apply)
        if st.button("Apply these changes", key="reps_use_file", type="primary", disabled=made is None) and made:
            apply_roster(from_file, f"in {plain(upload.name)}", file_lines, unread)

if st.session_state.get("last_roster_change") and st.session_state.get("roster_removed"):
    st.info("Removed from the team: " + plain(", ".join(st.session_state.pop("roster_removed"))) + ".")
if st.session_state.get("last_roster_change") and st.session_state.get("roster_crm_kept"):
    st.warning(
        "\n".join(f"- {plain(line)}" for line in st.session_state.pop("roster_crm_kept"))
        + "\n\nThe Plans page's CRM files give their accounts to these CRM users: if the rep is another person, "
        "change them (**Show rep ids and CRM owners**, above the table) and apply.",
        icon=":material/badge:",
    )
last = st.session_state.get("last_roster_change")
moved = last[1] if last is not None and last[0] == st.session_state.get("plan_json") else None
if moved is not None:
    names = {**last[2], **{r.rep_id: r.name for r in plan.reps}}
    territory_names = {t.territory_id: t.name or t.territory_id for t in plan.territories}
    st.subheader(f"What moved: {counted(len(moved), 'account')}")
    if len(last) > 5 and last[5]:  # (what was applied, as the history says it: Apply said only what moved)
        st.caption(f"Applied: {plain(last[5])}")
    for warning in last[3]:
        st.warning(plain(warning), icon="⚠️")
    if len(last) > 4 and last[4]:
        st.info("**What to do:**\n\n" + "\n".join(f"- {plain(remedy)}" for remedy in last[4]))
    if len(moved):
        # (territories by name, as every other table shows them; a territory the plan no longer has by its id; an
        # account with no rep, before or after, is "Waiting for a rep": a From status and a To status column said
        # "assigned" and "unassigned" beside the rep columns, which said it already, with "—")
        view = moved.assign(
            from_rep=moved["from_rep_id"]
            .map(lambda r: names.get(r, r))
            .where(moved["from_status"] == "assigned", WAITING),
            to_rep=moved["to_rep_id"].map(lambda r: names.get(r, r)).where(moved["to_status"] == "assigned", WAITING),
            from_territory=moved["from_territory_id"].map(lambda t: territory_names.get(t, t) if t else "No territory"),
            to_territory=moved["to_territory_id"].map(lambda t: territory_names.get(t, t) if t else "No territory"),
        )[["account_id", "from_rep", "to_rep", "from_territory", "to_territory", "value"]]
        # (each account's name beside its id, as the Plans page's moves have them: ids alone, a review)
        view = named_account_moves(view, engine.accounts)
        show_table(
            view,
            hide_index=True,
            column_config={
                "account_id": st.column_config.TextColumn("Account", width=90),
                "name": st.column_config.TextColumn("Name", width=160),
                "from_rep": st.column_config.TextColumn("From rep", width=132),
                "to_rep": st.column_config.TextColumn("To rep", width=132),
                "from_territory": st.column_config.TextColumn("From territory", width=132),
                "to_territory": st.column_config.TextColumn("To territory", width=132),
                "value": money_column("Value", width=76),
            },
        )
        # (accounts left with no rep, or given one from the waiting list, on a row of their own, last, as the
        # Plans page's handoffs have it: grouped by rep id alone, the 143 accounts Sarah Chen's leaving sent to the
        # waiting list showed nowhere)
        to_rep = moved["to_rep_id"].astype(object).where(moved["to_rep_id"].notna(), "")
        from_rep = moved["from_rep_id"].astype(object).where(moved["from_rep_id"].notna(), "")
        changed_hands = moved[to_rep != from_rep]
        gained = (
            changed_hands["value"]
            .groupby(to_rep[to_rep != from_rep])
            .agg(["size", "sum"])
            .rename(columns={"size": "gained", "sum": "value gained"})
        )
        lost = (
            changed_hands["value"]
            .groupby(from_rep[to_rep != from_rep])
            .agg(["size", "sum"])
            .rename(columns={"size": "lost", "sum": "value lost"})
        )
        handoffs = gained.join(lost, how="outer").fillna(0)
        handoffs = handoffs.reindex([*(r for r in handoffs.index if r), *[""] * ("" in handoffs.index)])
        handoffs.index = handoffs.index.map(lambda r: names.get(r, r) if r else WAITING).rename("Rep")
        st.caption("Per rep")
        show_table(
            handoffs,
            column_config={
                "gained": st.column_config.NumberColumn("Gained", format="%d"),
                "value gained": money_column("Value gained"),
                "lost": st.column_config.NumberColumn("Lost", format="%d"),
                "value lost": money_column("Value lost"),
            },
        )
    else:
        st.success("No account changed hands.")
