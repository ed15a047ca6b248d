"""Plans: the stored plans and their versions.

Save with a message, open, activate, archive, restore, compare two versions, and the audit log.
"""

from __future__ import annotations

import functools
import json
import re

import pandas as pd
import streamlit as st

from geo.boundaries import region_label, region_labels
from geo.editing import units_of_claims
from pages.shared import (
    CELL_PADDING,
    CHARACTER_WIDTH,
    PAGE_COLUMN,
    TABLE_HEADER,
    WRAPPED_LINE,
    accounts_not_kept,
    assigned_afresh,
    author,
    changes_said,
    count_column,
    counted,
    current_accounts,
    current_engine,
    download_stem,
    drop_plans_question,
    engine_token,
    forget_stored_plan,
    input_error_markdown,
    link_stored,
    mark_saved,
    money,
    money_column,
    named_account_moves,
    open_other_work,
    open_version,
    other_work,
    plain,
    plan_folder_zip,
    plan_store,
    push_state,
    read_plan_zip,
    remember_author,
    session_edits,
    set_plan,
    set_plan_afresh,
    setting,
    show_handoffs,
    show_table,
    stored_origin,
    stored_plan,
    stored_version_of_folder,
    table_height,
    unsaved_changes,
    wrapping_row_height,
)
from territory import InputDataError, plan_from_dict
from territory.crm import hubspot_import, id_problems, left_out_summary, salesforce_owner_update, with_rows_not_placed
from territory.edits import rebase, start
from territory.exports import spreadsheet_csv
from territory.plan_diff import PlanDiff, accounts_both_hold, diff_plans, merge_plans, territories_reshaped
from territory.plan_files import assignments_not_loaded
from territory.store import StoreError, VersionConflict

# The plans table's: the name gets what is left ("Demo FY27 plan — rebalanced (new territory Rockies) 2026-12-03
# 23:42:06" was cut at 383 px while Status, Versions and Updated took 480 at 1366 px: the tenth new user's test).
PLANS_WIDTHS = {"Plan": 50, "Status": 72, "Versions": 76, "Updated (UTC)": 130, "Restored from": 110}
AUDIT_LINES = 4  # an audit detail wraps onto up to this many lines (the download has it whole)
# The versions table's widths at a 1280 px window: the message gets what the page's column has left (it had 280 px
# of 818, and a proposal's description was cut at the edge; a new user's test).
VERSION_WIDTHS = {"Version": 60, "Author": 170, "Saved (UTC)": 130, "Territories": 80, "Accounts": 80}
VERSION_WIDTHS["Message"] = PAGE_COLUMN - 16 - sum(VERSION_WIDTHS.values())
# The audit log's: the detail gets what is left.
AUDIT_WIDTHS = {"at": 130, "plan_id": 45, "version": 60, "actor": 170, "action": 70}
AUDIT_WIDTHS["detail"] = PAGE_COLUMN - 16 - sum(AUDIT_WIDTHS.values())
ASSIGNMENT_COLUMNS = ["account_id", "territory_id", "rep_id", "status", "value"]

store = plan_store()
st.title("Plans")
if store is None:
    st.error(
        "The plan store could not be opened, so plans live in this browser session only. "
        f"{plain(str(st.session_state.get('store_error', '')))} — check TERRITORY_DATABASE_URL (or TERRITORY_DATA_DIR).",
        icon="⚠️",
    )
    st.stop()


def _say(kind: str, text: str, near: str | None = None) -> None:
    """A message for the next run: at the page's top, or ``near`` the control it is about (``"zip"``)."""
    st.session_state["plans_message"] = (kind, text, near)


def _author() -> str:
    return str(st.session_state.get("plan_author") or "").strip()


_GUARDED: dict = {}  # actions that ask first, by name (see _asks_first)
# A draft made from another plan (an accepted rebalance) says so in its message, maybe followed by the settings it was
# made with: "… (from plan #1 v2). Settings: …".
_MADE_FROM = r"\(from plan #{plan} v{version}\)(?:$|\. Settings: )"


def _needs_name(action):
    """An action the history records with who did it: without a name typed, it says so and does nothing."""

    @functools.wraps(action)
    def named(*args, **kwargs):
        if not _author():
            _say("error", "Type your name in **Your name** first: the history shows who saved, activated, archived "
                          "or restored each plan.")  # fmt: skip
            return None
        return action(*args, **kwargs)

    if action.__name__ in _GUARDED:  # (a question's answer checks the name again)
        _GUARDED[action.__name__] = named
    return named


def _asks_first(what):
    """An action that replaces the session's plan: with unsaved changes it asks first (they would be lost).

    ``what(*args)`` names the action in the question. The question is shown by :func:`_confirm_here` where the
    action's button is; its "Drop my changes" button calls the action again with ``confirmed=True``.
    """

    def wrap(action):
        @functools.wraps(action)
        def guarded(*args, confirmed: bool = False):
            if unsaved_changes() and not confirmed:
                st.session_state["plans_confirm"] = (action.__name__, args, what(*args))
                st.toast(
                    "You have unsaved changes: answer the question under the button first.", icon=":material/warning:"
                )  # (the question may be below the fold)
                return None
            st.session_state.pop("plans_confirm", None)
            result = action(*args)
            said = st.session_state.get("plans_message")
            if confirmed and said and said[0] == "success":
                _say("success", said[1] + " Your unsaved changes were dropped.", *said[2:])
            return result

        _GUARDED[action.__name__] = guarded
        return guarded

    return wrap


def _confirm_here(*names: str, args: tuple | None = None) -> None:
    """The question of :func:`_asks_first`, when the action waiting for an answer is one of ``names``.

    ``args``: what the buttons here would now act on; a question about something else (another plan or version
    picked since) is dropped, so that an answer never acts on what is no longer shown.
    """
    pending = st.session_state.get("plans_confirm")
    if not pending or pending[0] not in names:
        return
    if not unsaved_changes() or (args is not None and tuple(pending[1]) != tuple(args)):
        st.session_state.pop("plans_confirm", None)  # saved or discarded meanwhile, or another choice made
        return
    name, args, what = pending
    _ask(
        f"**{what}** replaces the plan open in this session, **{plain(current_engine().plan.name)}**, and its "
        "unsaved changes would be lost. Save them first (Save version, or Save as new draft, above), or drop them.",
        icon=":material/warning:", yes="Drop my changes and go on", key="plans_confirm", on_yes=_GUARDED[name],
        args=args, kwargs={"confirmed": True}, on_no=drop_plans_question,
    )  # fmt: skip


def _ask(question: str, *, icon: str, yes: str, key: str, on_yes, args: tuple = (), kwargs: dict | None = None,
         on_no, primary: bool = False) -> None:  # fmt: skip
    """A question in a box, answered by ``yes`` (``on_yes(*args, **kwargs)``) or Cancel (``on_no()``).

    The buttons' keys are ``key`` + ``_yes`` and ``_no``.
    """
    with st.container(border=True):
        st.warning(question, icon=icon)
        left, right = st.columns(2)
        left.button(yes, key=f"{key}_yes", type="primary" if primary else "secondary", on_click=on_yes, args=args,
                    kwargs=kwargs)  # fmt: skip
        right.button("Cancel", key=f"{key}_no", on_click=on_no)


def _assignments() -> pd.DataFrame:
    result = current_engine().result
    return result[ASSIGNMENT_COLUMNS].copy()


def _regions_moved(diff: PlanDiff) -> pd.DataFrame:
    """A diff's regions moved as shown: name, id, from, to; a state whose every county moved alike on one row.

    (Counted county by county once either version hands out counties, a state moved whole listed each of its
    counties: "Arizona" was 15 rows beside one carved county, a review. Its row says them: "Arizona (all 15
    counties)".)
    """
    grouped = diff.regions_by_claim()
    labels = region_labels(grouped["region_id"]) if len(grouped) else []
    names = [label if units == 1 else f"{label} (all {units:,} counties)" for label, units in
             zip(labels, grouped["units"], strict=True)]  # fmt: skip
    return grouped.assign(name=names)[["name", "region_id", "from_name", "to_name"]].rename(
        columns={"name": "Name", "region_id": "Region", "from_name": "From", "to_name": "To"}
    )


def _regions_moved_csv(regions: pd.DataFrame) -> bytes:
    """A diff's regions moved for download: each region's name beside its id, as the table on screen shows it.

    (The file had ids alone: "US-34013" with no "Essex, NJ", a new user's test.)
    """
    named = regions.copy()
    named.insert(1, "region_name", region_labels(regions["region_id"]) if len(regions) else [])
    return spreadsheet_csv(named)


def _fits_beside_the_map(table: pd.DataFrame, width: int = 318) -> bool:
    """Whether ``table``'s columns, each as wide as its longest text or heading, fit in ``width`` px.

    (Compare's regions moved sat beside the map in a column of 320 px at 1280 px, scrolling sideways for long names.)
    """
    needed = sum(
        max([len(str(column)), *(len(str(v)) for v in table[column])]) * CHARACTER_WIDTH + 2 * CELL_PADDING
        for column in table.columns
    )
    return needed <= width


def _show_wrapping(table: pd.DataFrame, index: str, widths: dict[str, int]) -> None:
    """A table whose texts wrap (``st.table``, read as Markdown: shown as written), ``index`` its first column.

    Over 30 rows, a data grid of ``widths`` px instead (a long table is scrolled, not wrapped). Wide texts in a data
    grid pushed columns out of view at 1280 px (a save conflict's "Theirs", a territory's details).
    """
    if len(table) <= 30:
        st.table(table.map(lambda v: plain(v) if isinstance(v, str) else v).set_index(index))
    else:
        text = st.column_config.TextColumn
        show_table(table, hide_index=True, width="stretch",
                   column_config={c: text(c, width=w) for c, w in widths.items()})  # fmt: skip


def _show_territory_changes(territories: pd.DataFrame) -> None:
    """A diff's territories added, removed or changed (:attr:`territory.plan_diff.PlanDiff.territories`)."""
    # (wrapped: the details, "name: Canada West → British Columbia & Colorado + 13 more; industries: …", were cut off
    # in a data grid at 1280 px, a new user's test)
    _show_wrapping(
        territories.rename(columns={"territory_id": "Id", "name": "Territory", "change": "Change", "detail": "Detail"}),
        "Territory", {"Territory": 180, "Id": 60, "Change": 80, "Detail": 440},
    )  # fmt: skip


def _show_reps_changed(reps: pd.DataFrame) -> None:
    """A diff's reps added, removed or changed (:attr:`territory.plan_diff.PlanDiff.reps`), under a heading."""
    st.markdown("**Reps**")
    show_table(
        reps.drop(columns="rep_id"), hide_index=True, width="stretch",
        column_config={"name": "Rep", "change": "Change", "detail": st.column_config.TextColumn("Detail", width="large")},
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _crm_files(token: str, _plan, _result: pd.DataFrame, _problems: pd.DataFrame):
    """The Salesforce and HubSpot files of this plan and these accounts (``token``), made once, not on every rerun.

    With the file's rows that could not be placed among the accounts left out (in neither file, unsaid: a review).
    """
    unplaced = _problems[_problems["severity"].eq("skipped")] if "severity" in _problems else _problems.iloc[:0]
    files = (with_rows_not_placed(salesforce_owner_update(_plan, _result), unplaced),
             with_rows_not_placed(hubspot_import(_plan, _result), unplaced))  # fmt: skip
    return files, [id_problems(export, _plan) for export in files]


@_needs_name
def _save() -> None:
    renamed_now = _rename_typed()
    where = stored_plan()
    plan = current_engine().plan
    if where is not None and not unsaved_changes():
        _say("info", f"Nothing changed since version {where[1]} of plan #{where[0]}: no new version saved.")
        return
    try:
        if where is None:
            # (numbered when a stored plan has its name: an uploaded plan saved twice was two plans named alike)
            version = store.create_plan(
                plan, author=_author(), message=st.session_state.get("save_message") or "Created",
                assignments=_assignments(), unique_name=True,
            )  # fmt: skip
            if version.plan.name != plan.name:
                st.session_state["plan_json"] = json.dumps(version.plan.to_dict())
        else:
            # (logged with the save, in its transaction: a refused save's edits never became a version, and the log
            # said they were made on it)
            edits, logged = session_edits()
            version = store.save(
                where[0], plan, base_version=where[1], author=_author(),
                message=st.session_state.get("save_message", ""), assignments=_assignments(), edits=edits,
            )  # fmt: skip
            st.session_state["edits_logged"] = logged
    except VersionConflict as conflict:
        st.session_state["save_conflict"] = (conflict.plan_id, conflict.base_version, conflict.current_version)
        _say("error", f"Not saved: {plain(str(conflict))}")
        return
    except StoreError as error:
        _say("error", f"Not saved: {plain(str(error))}")
        return
    mark_saved(version)
    st.session_state["save_message"] = ""
    st.session_state.pop("save_conflict", None)
    renamed = f" (**{plain(plan.name)}** is another stored plan's name)" if version.plan.name != plan.name else ""
    _say("success", f"Saved **{plain(version.plan.name)}** as version {version.version} of plan "
                    f"#{version.plan_id}{renamed}" + (", with the name typed under Rename" if renamed_now else "")
                    + ".")  # fmt: skip


def _rename_typed() -> bool:
    """Apply a name typed under "Rename this plan" (Rename not clicked) as part of a save; True when it renamed.

    A name typed, then Save version, was dropped: "Nothing changed" (the fourteenth new user).
    """
    name = _typed_name()
    if not name or name == current_engine().plan.name or len(name) > 200:
        return False
    _take_name(name)
    return True


def _typed_name() -> str:
    """The name typed under "Rename this plan", its spaces folded."""
    return " ".join(str(st.session_state.get("plan_rename_to") or "").split())


def _take_name(name: str) -> None:
    """The session's plan named ``name``: an edit like any other (undo on the Edit page), kept when saved."""
    from dataclasses import replace

    set_plan(replace(current_engine().plan, name=name), f"Renamed the plan to {name}")
    st.session_state["plan_rename_to"] = ""


def _copy_name(name: str) -> str:
    """A new draft's name when none is typed: "FY27 (copy)".

    A copy of "FY27 (copy)" is "FY27 (copy)" again (numbered when saved: "FY27 (copy 2)"), not "FY27 (copy) (copy)".
    """
    return re.sub(r" \(copy(?: \d+)?\)$", "", name.strip()) + " (copy)"


@_needs_name
def _save_as_new_draft() -> None:
    from dataclasses import replace

    plan = current_engine().plan
    name = " ".join(str(st.session_state.get("new_draft_name") or "").split()) or _copy_name(plan.name)
    try:
        # (numbered when a stored plan has the name: three drafts of one plan were three "… (copy)" in the list)
        version = store.create_plan(
            replace(plan, name=name), author=_author(), message=st.session_state.get("save_message") or "New draft",
            assignments=_assignments(), unique_name=True,
        )  # fmt: skip
    except StoreError as error:
        _say("error", f"Not saved: {plain(str(error))}")
        return
    st.session_state["plan_json"] = json.dumps(version.plan.to_dict())
    mark_saved(version)
    st.session_state["edits_logged"] = session_edits()[1]  # (in the draft's first version; later saves log the rest)
    st.session_state.pop("save_conflict", None)
    taken = f" (**{plain(name)}** is another stored plan's name)" if version.plan.name != name else ""
    _say("success", f"Saved as a new draft, plan #{version.plan_id} **{plain(version.plan.name)}**{taken}.")


def _conflict_what(conflict) -> str:
    """A conflict's subject, a region by its name ("Region Washington (US-WA)")."""
    if conflict.key.startswith("region "):
        region_id = conflict.key.removeprefix("region ")
        return f"Region {region_labels([region_id])[0]} ({region_id})"
    return conflict.what


def _merge(keep_theirs=()) -> tuple:
    """The open plan merged into the version saved meanwhile (see :func:`territory.plan_diff.merge_plans`)."""
    plan_id, base, current = st.session_state["save_conflict"]
    return merge_plans(store.load(plan_id, base).plan, current_engine().plan, store.load(plan_id, current).plan,
                       keep_theirs=keep_theirs)  # fmt: skip


@_needs_name
def _merge_and_save() -> None:
    plan_id, base, current = st.session_state["save_conflict"]
    merged, conflicts = _merge(st.session_state.get("merge_keep_theirs") or ())
    # The merged plan assigned from this session's: accounts keep their reps where its rules allow, and the version
    # is saved with them (reopened, it shows the same reps, not a fresh assignment).
    state = rebase(current_engine(), merged, f"Merged with version {current}")
    edits, _ = session_edits()  # (the edits merged in go to the audit log with the save, as with any save)
    try:
        version = store.save(
            plan_id, merged, base_version=current, author=_author(),
            message=(st.session_state.get("save_message") or "Merged") + f" (merged with version {current})",
            assignments=state.result[ASSIGNMENT_COLUMNS].copy(), edits=edits,
        )  # fmt: skip
    except StoreError as error:
        _say("error", f"Not saved: {plain(str(error))}")
        return
    open_version(version, state)
    st.session_state.pop("save_conflict", None)
    st.session_state.pop("merge_keep_theirs", None)
    note = ""
    if conflicts:
        sides = {side: [_conflict_what(c) for c in conflicts if c.kept == side] for side in ("yours", "theirs")}
        said = [f"{side} for {', '.join(whats[:5])}" + (f" and {len(whats) - 5} more" if len(whats) > 5 else "")
                for side, whats in sides.items() if whats]  # fmt: skip
        note = f" Changed on both sides: kept {plain('; '.join(said))}."
    _say("success", f"Merged your edits into version {current} and saved version {version.version}.{note}")


def _open_theirs() -> None:
    plan_id, _, current = st.session_state.pop("save_conflict")
    open_version(store.load(plan_id, current))
    _say("info", f"Opened version {current}; your unsaved edits were dropped.")


def _open(plan_id: int, version: int | None = None) -> None:
    loaded = store.load(plan_id, version)
    open_version(loaded)
    st.session_state["edits_logged"] = []
    _say("success", f"Opened **{plain(loaded.plan.name)}**, plan #{plan_id} version {loaded.version}.")


@_asks_first(lambda plan_id: f"Opening the latest version of plan #{plan_id}")
def _open_latest(plan_id: int) -> None:
    _open(plan_id)


@_asks_first(lambda plan_id, version: f"Opening version {version} of plan #{plan_id}")
def _open_version(plan_id: int, version: int) -> None:
    _open(plan_id, version)


@_needs_name
def _activate(plan_id: int) -> None:
    try:
        previous = store.active_plan()
        store.activate(plan_id, author=_author())
        replaced = (
            f"; plan #{previous.plan_id} ({previous.name}), active until now, is archived"
            if previous is not None and previous.plan_id != plan_id
            else ""
        )
        _say("success", f"Plan #{plan_id} is now the active plan{plain(replaced)}.")
    except StoreError as error:
        _say("error", plain(str(error)))


@_needs_name
def _rename() -> None:
    """Give the session's plan the name typed: an edit like any other (undo on the Edit page), kept when saved."""
    name = _typed_name()
    if not name or name == current_engine().plan.name:
        return
    if len(name) > 200:
        _say("error", f"Not renamed: the name has {len(name)} characters; keep it to 200.")
        return
    _take_name(name)
    _say("success", f"Renamed to **{plain(name)}**. Save a version to keep the name.")


@_needs_name
def _delete(plan_id: int) -> None:
    """Delete a plan for good (asked first); the plan open here, if it was that one, stays open, not stored."""
    st.session_state.pop("confirm_delete", None)  # (asked once: without a name, it is asked again)
    try:
        name = store.delete_plan(plan_id, author=_author())
    except StoreError as error:
        _say("error", f"Not deleted: {plain(str(error))}")
        return
    st.session_state.pop("plans_selected", None)
    where = stored_plan()
    forget_stored_plan(plan_id)  # (the session, and the steps undo goes back to)
    _say("success", f"Deleted plan #{plan_id}, **{plain(name)}**, with its versions."
         + (" The plan open here stays open: save it as a new draft to keep it." if where and where[0] == plan_id
            else ""))  # fmt: skip


def _archive(plan_id: int) -> None:
    try:
        store.archive(plan_id, author=_author())
        _say("success", f"Plan #{plan_id} archived.")
    except StoreError as error:
        _say("error", plain(str(error)))


def _zip_key() -> str:
    """The plan folder uploader's key: a new one after a question about its file is cancelled (which empties it)."""
    round_ = st.session_state.get("upload_folder_round", 0)
    return "upload_folder" if not round_ else f"upload_folder_{round_}"


def _zip_chosen() -> None:
    upload = st.session_state.get(_zip_key())
    if upload is None:  # the file was removed: nothing to open, and nothing to ask
        if (st.session_state.get("plans_confirm") or ("",))[0] == "_open_zip":
            st.session_state.pop("plans_confirm", None)
        return
    # A file that cannot be opened is said before anything is asked: with unsaved changes, "Drop my changes and go
    # on" came first, and only then "is not a zip file" (a new user's test)
    try:
        _read_zip(upload)
    except (InputDataError, ValueError) as error:
        _say("error", f"**Could not use {plain(upload.name)}.** {input_error_markdown(error)}", near="zip")
        return
    _open_zip()


def _read_zip(upload) -> tuple:
    """``read_plan_zip`` of the uploaded file, with its notes.

    Read once for the check before asking, and kept (per file) for the opening after the answer.
    """
    kept = st.session_state.get("plan_zip_read")
    if kept is not None and kept[0] == upload.file_id:
        return kept[1], list(kept[2])
    notes: list[str] = []
    read = read_plan_zip(upload.getvalue(), upload.name, notes)
    st.session_state["plan_zip_read"] = (upload.file_id, read, notes)
    return read, list(notes)


@_asks_first(lambda: "Opening " + plain(getattr(st.session_state.get(_zip_key()), "name", "the plan folder")))
def _open_zip() -> None:
    upload = st.session_state.get(_zip_key())
    if upload is None:
        return
    try:
        (loaded, reps, origin), notes = _read_zip(upload)
    except (InputDataError, ValueError) as error:
        _say("error", f"**Could not use {plain(upload.name)}.** {input_error_markdown(error)}", near="zip")
        return
    finally:
        st.session_state.pop("plan_zip_read", None)  # (opened, or said: a file chosen again is read again)
    current = current_engine()
    strangers = assignments_not_loaded(reps, current.accounts["account_id"])  # (they were dropped unsaid)
    notes = [*notes, f"{upload.name}: {strangers}"] if strangers else notes
    st.session_state["plans_notes"] = notes  # (shown under the message: read as Windows-1252, unknown regions …)
    open_name = current.plan.name
    if reps is None:  # (assigned as cli.py assigns a folder without assignments.csv: by its rules and the owners)
        set_plan_afresh(loaded, f"Opened {upload.name}")
    else:  # (who had each account when the folder was written, kept where the rules allow: cli.py does the same)
        push_state(start(loaded, current.accounts, current.regions, keep=reps), f"Opened {upload.name}")
    # The audit log gets the opening with the next save, not the edits before it: saved already, or dropped when
    # asked (they were on the plan the folder replaces).
    base, steps = session_edits()[1]
    st.session_state["edits_logged"] = (base, steps[:-1])
    came_from = stored_version_of_folder(origin)
    if came_from is not None:
        # Written from a version this database holds: the folder's changes are changes to that version. Saved over
        # a later one, they are merged into it (the question a save asks when someone saved meanwhile), instead of
        # quietly undoing what was saved since.
        link_stored(came_from.plan_id, came_from.version, json.dumps(came_from.plan.to_dict()))
        st.session_state.pop("save_conflict", None)
        latest = store.plan_record(came_from.plan_id).current_version
        said = (f"Opened **{plain(loaded.name)}** from {plain(upload.name)}, written from version {came_from.version} "
                f"of plan #{came_from.plan_id}")  # fmt: skip
        # (what the folder changes from that version: it said nothing, and Compare showed 2 regions moved, a review)
        changes = f" Its changes from version {came_from.version}: {plain(changes_said(came_from.plan, loaded))}."
        if latest > came_from.version:
            since = (f"version {latest} is" if latest == came_from.version + 1
                     else f"versions {came_from.version + 1}–{latest} are")  # fmt: skip
            _say("warning", f"{said}. Plan #{came_from.plan_id} is now at version {latest}: saving asks to merge the "
                            f"folder's changes into version {latest}, so that {since} not undone (or save it as a new "
                            f"draft).{changes}")  # fmt: skip
        else:
            _say("success", f"{said}; save it here to keep it as the next version.{changes}")
        return
    if stored_plan() is not None and loaded.name.strip() != open_name.strip():
        # Another plan's folder: a new plan when saved, not a version of the one that was open.
        link_stored(None)  # (undo goes back to the plan open before, and to where it is stored)
        st.session_state.pop("save_conflict", None)
        _say("success", f"Opened **{plain(loaded.name)}** from {plain(upload.name)} as a new plan (the open plan was "
                        f"**{plain(open_name)}**); save it here to keep it.")  # fmt: skip
        return
    _say("success", f"Opened **{plain(loaded.name)}** from {plain(upload.name)}; save it here to keep it as a version. "
                    f"Its changes from the plan open before: {plain(changes_said(current.plan, loaded))}.")  # fmt: skip


@_needs_name
@_asks_first(lambda plan_id, version: f"Restoring version {version} of plan #{plan_id}")
def _restore(plan_id: int, version: int) -> None:
    try:
        restored = store.restore(plan_id, version, author=_author())
    except StoreError as error:
        _say("error", plain(str(error)))
        return
    open_version(restored)
    _say("success", f"Restored version {version} of plan #{plan_id} as the new draft plan #{restored.plan_id}, "
                    f"**{plain(restored.plan.name)}**.")  # fmt: skip


@_asks_first(lambda key, name: f"Opening the unsaved work on {name}")
def _take_over(key: str, name: str) -> None:
    if open_other_work(key):
        _say("success", f"Opened the unsaved work on **{name}** left by a closed tab: it goes on here. Save it to keep "
                        "it as a version.")  # fmt: skip
    else:
        _say("error", "That work is no longer kept (another tab opened it, or it was discarded).")


def _drop_other_work(key: str) -> None:
    store.drop_working_copy(key)
    st.session_state.pop("confirm_drop_work", None)
    _say("info", "Discarded the unsaved work of a closed tab.")


@st.cache_data(show_spinner=False, max_entries=64)
def _changes_of_work(url: str, plan_id: int, version: int, content: str) -> str:
    """:func:`_changes_in_words` for a kept copy (``content``: its plan as JSON) against the version it is based on.

    Cached (by the store's ``url`` too): the list of closed tabs' work is drawn on every rerun of the page, and a
    stored version never changes.
    """
    try:
        base = store.load(plan_id, version).plan
    except StoreError:  # the version it was based on is gone
        return "its version is no longer stored"
    return _changes_in_words(base, plan_from_dict(json.loads(content)))


def _changes_in_words(base, plan) -> str:
    """What a plan changes from ``base``, counted: regions moved, territories and reps changed."""
    diff = diff_plans(base, plan, parents=units_of_claims(base, plan))
    counts = (
        (len(diff.regions), "region", "regions", "moved"),
        # (a territory that only gained or lost regions is in the regions moved: not counted twice)
        (diff.territories_changed, "territory", "territories", "changed"),
        (len(diff.reps), "rep", "reps", "changed"),
    )
    said = [f"{count} {one if count == 1 else many} {verb}" for count, one, many, verb in counts if count]
    return ", ".join(said) or "other settings"


def _other_work_section() -> None:
    """Unsaved work left by tabs that are closed (or were open before the server restarted): open it here, or drop it."""
    copies, unreadable = other_work()
    if not copies and not unreadable:
        return
    with st.expander(f":material/history: Unsaved work left by closed tabs ({len(copies) + len(unreadable)})"):
        st.caption(
            "A tab's unsaved changes are kept as you make them. These were left by tabs that are not open now (closed, "
            "or open before the dashboard restarted). Open one here to go on with it, or discard it. Each is kept "
            "for 30 days after its last change."
        )
        rows = []
        for copy in copies:
            changes = "a plan not stored yet"
            if copy.plan_id is not None:
                content = json.dumps(copy.plan.to_dict(), sort_keys=True)
                changes = _changes_of_work(store.url, copy.plan_id, copy.version, content)
            rows.append({
                "Plan": copy.plan.name,
                "Based on": f"#{copy.plan_id} v{copy.version}" if copy.plan_id is not None else "not stored yet",
                "Changes": changes,
                "By": copy.author or None,
                "Last changed (UTC)": copy.updated_at.strftime("%Y-%m-%d %H:%M"),
                "Accounts file": copy.accounts_source,
            })  # fmt: skip
        if rows:
            # (widths that fit the expander at 1280 px: "Accounts file" ran past its edge)
            text = st.column_config.TextColumn
            show_table(pd.DataFrame(rows), hide_index=True, width="stretch",
                       column_config={"Plan": text("Plan", width=180), "Based on": text("Based on", width=75),
                                      "Changes": text("Changes", width=160), "By": text("By", width=110),
                                      "Last changed (UTC)": text("Last changed (UTC)", width=125),
                                      "Accounts file": text("Accounts file", width=100)})  # fmt: skip
        if unreadable:
            st.caption(f"{len(unreadable)} kept cop{'y' if len(unreadable) == 1 else 'ies'} could not be read as a "
                       "plan (a newer or damaged format); they are dropped 30 days after their last change.")  # fmt: skip
        if not copies:
            return
        labels = {
            c.session_key: f"{c.plan.name}"
            + (f" (#{c.plan_id} v{c.version})" if c.plan_id is not None else "")
            + f" — {c.updated_at:%Y-%m-%d %H:%M:%S} UTC"
            + (f", {c.author}" if c.author else "")
            for c in copies
        }
        picked = st.selectbox("Work", list(labels), format_func=labels.get, key="other_work_picked")
        name = plain(next(c.plan.name for c in copies if c.session_key == picked).strip())
        buttons = st.columns(2)
        buttons[0].button("Open here", key="other_work_open", on_click=_take_over, args=(picked, name),
                          help="Go on with this work in this tab (this tab's own unsaved changes, if any, are lost: "
                               "it asks first).")  # fmt: skip
        buttons[1].button("Discard…", key="other_work_drop", on_click=lambda: st.session_state.update(
            confirm_drop_work=picked))  # fmt: skip
        _confirm_here("_take_over", args=(picked, name))
        if st.session_state.get("confirm_drop_work") == picked:
            st.warning(f"Discard the unsaved work on **{name}**? It cannot be brought back.", icon=":material/delete:")
            yes, no = st.columns(2)
            yes.button("Discard it", key="other_work_drop_yes", type="primary", on_click=_drop_other_work,
                       args=(picked,))  # fmt: skip
            no.button(
                "Cancel", key="other_work_drop_no", on_click=lambda: st.session_state.pop("confirm_drop_work", None)
            )


st.session_state.setdefault("plan_author", author(default=""))  # a name typed in this session, not the login
page_message = st.session_state.pop("plans_message", None)
if page_message and page_message[2:] in ((), (None,)):
    getattr(st, page_message[0])(page_message[1])
for note in st.session_state.pop("plans_notes", []):
    st.warning(plain(note))

# ---- The plan of this session -------------------------------------------------------------------------------
plan = current_engine().plan  # (first: a session opened on this page loads its stored plan here)
where = stored_plan()
records = {r.plan_id: r for r in store.plans()}
if where and where[0] in records:
    record = records[where[0]]
    state = "unsaved changes" if unsaved_changes() else "saved"
    st.markdown(
        f"Working on **{plain(plan.name)}** — plan #{record.plan_id}, from version {where[1]} ({record.status}) · "
        f"**{state}**"
    )
else:
    st.markdown(f"Working on **{plain(plan.name)}** — not stored yet")

with st.container(border=True):
    st.subheader("Save")
    row = st.columns([1, 2])
    row[0].text_input("Your name (required)", key="plan_author", on_change=remember_author,
                      help="Shown in the version history and the audit log")  # fmt: skip
    row[1].text_input("What changed (required)", key="save_message",
                      placeholder="e.g. Moved New Jersey to North America East")  # fmt: skip
    archived = bool(where and where[0] in records and records[where[0]].status == "archived")
    st.button(
        "Save version", type="primary", on_click=_save, key="save_plan", disabled=archived,
        help="Archived plans are read-only: save as a new draft" if archived else None,
    )  # fmt: skip
    # (each button beside the name it uses, as Rename below: "Save as new draft" stood between the save button and
    # the new draft's name, a review)
    draft = st.columns([2, 1], vertical_alignment="bottom")
    draft[0].text_input("Name of the new draft", key="new_draft_name", placeholder=_copy_name(plan.name))
    draft[1].button("Save as new draft", on_click=_save_as_new_draft, key="save_new_draft")
    rename = st.columns([2, 1], vertical_alignment="bottom")
    rename[0].text_input("Rename this plan", key="plan_rename_to", placeholder=plan.name, max_chars=200,
                         help="A new name for the plan open here; saved with its next version")  # fmt: skip
    rename[1].button("Rename", on_click=_rename, key="plan_rename", disabled=archived)

conflict = st.session_state.get("save_conflict")
if conflict:
    plan_id, base, current = conflict
    theirs = store.load(plan_id, current)
    st.warning(
        f"**{plain(theirs.author)}** saved version {current} of this plan while you were editing (you started from "
        f"version {base}). Their changes since then are below. Merge your edits into theirs, save yours as a new "
        "draft, or drop yours and open theirs.",
        icon=":material/merge:",
    )
    # (counted as Compare counts them, county by county where either version hands out counties: "1 region moved"
    # here was "77 regions moved" there for the same change, Oklahoma as a state and its 77 counties)
    ours_then = store.load(plan_id, base).plan
    their_diff = diff_plans(ours_then, theirs.plan, parents=units_of_claims(ours_then, theirs.plan),
                            region_label=region_label)  # fmt: skip
    # (a rename of theirs said too: "0 regions moved, 0 territory changes, 0 rep changes" hid it, and the merge
    # took their name unsaid, the fourteenth new user)
    their_name = (f"; the plan renamed from “{plain(ours_then.name)}” to “{plain(theirs.plan.name)}”"
                  if theirs.plan.name != ours_then.name else "")  # fmt: skip
    # (territories counted as Compare counts them, those that gained or lost regions too: "0 territory changes"
    # stood beside Compare's "Territories changed 4" for the same versions, a new user's test)
    changed = territories_reshaped(their_diff.regions) | set(their_diff.territories["territory_id"])
    st.markdown(
        f"Their changes: {counted(len(their_diff.regions), 'region')} moved, "
        f"{counted(len(changed), 'territory', 'territories')} changed, "
        f"{counted(len(their_diff.reps), 'rep change')}{their_name}"
    )
    if len(their_diff.regions):
        show_table(_regions_moved(their_diff), hide_index=True, width="stretch")
    if len(their_diff.territories):
        _show_territory_changes(their_diff.territories)
    if len(their_diff.reps):
        _show_reps_changed(their_diff.reps)
    _, both = _merge()
    if both:
        st.markdown(f"**Changed on both sides** ({len(both)}): the merge keeps yours unless you choose theirs.")
        # (wrapped: long territory names pushed "Theirs" out of view at 1280 px, a new user's test)
        theirs = f"Theirs (version {current})"
        _show_wrapping(pd.DataFrame({"What": [_conflict_what(c) for c in both],
                                     f"Before (version {base})": [str(c.base) for c in both],
                                     "Yours": [str(c.yours) for c in both], theirs: [str(c.theirs) for c in both]}),
                       "What", {"What": 220, f"Before (version {base})": 180, "Yours": 180, theirs: 180})  # fmt: skip
        what = {c.key: _conflict_what(c) for c in both}
        st.multiselect("Keep theirs for", list(what), key="merge_keep_theirs", format_func=lambda k: what.get(k, k),
                       placeholder="None: keep yours everywhere")  # fmt: skip
    else:
        st.caption("Nothing was changed on both sides: the merge keeps every edit of yours and theirs.")
    choice = st.columns(3)
    choice[0].button("Merge my edits into theirs and save", on_click=_merge_and_save, key="conflict_merge")
    choice[1].button("Save mine as a new draft", on_click=_save_as_new_draft, key="conflict_new_draft")
    choice[2].button("Drop mine, open theirs", on_click=_open_theirs, key="conflict_theirs")

_other_work_section()

# ---- All plans -----------------------------------------------------------------------------------------------
st.subheader("Plans")
table = pd.DataFrame(
    [
        {
            "Plan": r.plan_id,
            "Name": r.name,
            "Status": r.status,
            "Versions": r.current_version,
            "Updated (UTC)": r.updated_at.strftime("%Y-%m-%d %H:%M"),
            "Restored from": f"#{r.restored_from[0]} v{r.restored_from[1]}" if r.restored_from else None,
        }
        for r in records.values()
    ]
)
if "Restored from" in table.columns and table["Restored from"].isna().all():
    table = table.drop(columns="Restored from")  # (says nothing until a version is restored)
# (names of drafts made by the Rebalance page are long: "Restored from" was pushed out of view at 1280 px)
named = PAGE_COLUMN - 16 - sum(w for c, w in PLANS_WIDTHS.items() if c in table.columns)
show_table(table, hide_index=True, width="stretch",
           column_config={"Name": st.column_config.TextColumn("Name", width=named),
                          **{c: st.column_config.Column(width=w) for c, w in PLANS_WIDTHS.items()}})  # fmt: skip
ids = list(records)
if ids:
    default = ids.index(where[0]) if where and where[0] in ids else 0
    if where and where[0] in ids and st.session_state.get("plans_selected_open") != where[0]:
        # Another plan opened (restored, saved as a new draft, a plan folder opened as a new plan): the box follows.
        st.session_state["plans_selected_open"] = where[0]
        st.session_state["plans_selected"] = where[0]
    if st.session_state.get("plans_selected") not in ids:
        st.session_state["plans_selected"] = ids[default]
    labels = {i: f"#{i} {records[i].name} ({records[i].status})" for i in ids}
    shown = labels.get(st.session_state.get("plans_selected"))
    if st.session_state.get("plans_selected_label") not in (None, shown):
        # The chosen plan renamed (or its status changed): the browser kept showing its old label until a reload
        # (the fourteenth new user; Streamlit's selectbox keeps a formatted label it already has). Setting the
        # choice again sends it anew.
        st.session_state["plans_selected"] = st.session_state["plans_selected"]
    st.session_state["plans_selected_label"] = shown
    # (the choice through the session only: a default as well made Streamlit warn in the server's log)
    chosen = st.selectbox("Plan", ids, key="plans_selected", format_func=labels.get)
    actions = st.columns(4)
    actions[0].button("Open latest version", on_click=_open_latest, args=(chosen,), key="plan_open")
    actions[1].button(
        "Activate", on_click=_activate, args=(chosen,), key="plan_activate",
        disabled=records[chosen].status != "draft", help="One plan is active at a time; the active one is archived",
    )  # fmt: skip
    actions[2].button(
        "Archive", on_click=_archive, args=(chosen,), key="plan_archive", disabled=records[chosen].status == "archived"
    )
    actions[3].button(
        "Delete…", key="plan_delete", disabled=records[chosen].status == "active",
        on_click=lambda: st.session_state.update(confirm_delete=chosen),
        help="The active plan cannot be deleted: activate another first" if records[chosen].status == "active"
        else "Delete this plan and all its versions (asks first)",
    )  # fmt: skip
    if st.session_state.get("confirm_delete") == chosen:
        _ask(
            f"Delete plan #{chosen}, **{plain(records[chosen].name)}**, and its "
            f"{counted(records[chosen].current_version, 'version')} for good? The audit log keeps a line saying so.",
            icon=":material/delete:", yes="Delete for good", key="plan_delete", on_yes=_delete, args=(chosen,),
            on_no=lambda: st.session_state.pop("confirm_delete", None), primary=True,
        )  # fmt: skip
    _confirm_here("_open_latest", args=(chosen,))
    versions = store.versions(chosen)
    # (a long message wraps onto up to AUDIT_LINES lines, and shows whole under the Version box)
    longest = max((len(v.message or "") for v in versions), default=0)
    one_line = longest * CHARACTER_WIDTH + 2 * CELL_PADDING <= VERSION_WIDTHS["Message"]
    row = min(wrapping_row_height([v.message or "" for v in versions], VERSION_WIDTHS["Message"]),
              AUDIT_LINES * WRAPPED_LINE + 2 * CELL_PADDING)  # fmt: skip
    show_table(
        pd.DataFrame(
            [
                {
                    # (the message last: long, it is cut at the page's edge instead of pushing the counts out)
                    "Version": v.version,
                    "Author": v.author,
                    "Saved (UTC)": v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "Territories": len(v.plan.territories),
                    "Accounts": v.accounts,
                    "Message": v.message,
                }
                for v in reversed(versions)
            ]
        ),
        hide_index=True,
        width="stretch",
        **({} if one_line else {"row_height": row, "height": table_height(min(len(versions), 10), row)}),
        # (Accounts with separators, also where a version was saved without them)
        column_config={"Version": st.column_config.NumberColumn("Version", width=VERSION_WIDTHS["Version"]),
                       "Author": st.column_config.TextColumn("Author", width=VERSION_WIDTHS["Author"]),
                       "Saved (UTC)": st.column_config.TextColumn("Saved (UTC)", width=VERSION_WIDTHS["Saved (UTC)"]),
                       "Territories": count_column("Territories", width=VERSION_WIDTHS["Territories"]),
                       "Accounts": count_column("Accounts", width=VERSION_WIDTHS["Accounts"]),
                       "Message": st.column_config.TextColumn("Message", width=VERSION_WIDTHS["Message"])},
    )  # fmt: skip
    numbers = [v.version for v in versions]
    if st.session_state.get("plans_version_latest") != (chosen, numbers[-1]):
        # Another plan picked, or a version saved: the box shows the newest version again.
        st.session_state["plans_version_latest"] = (chosen, numbers[-1])
        st.session_state["plans_version"] = numbers[-1]
    # Back from another page, the version picked before (Streamlit drops the box's choice when a page does not
    # draw it: the box went back to the newest, and "Restore as a new draft" then restored another version than
    # the one just opened, a new user's test).
    setting("plans_version", numbers[-1], numbers)
    picked = st.selectbox("Version", numbers[::-1], key="plans_version")
    # (the message whole: a proposal's description is cut at the table's edge, a new user's test)
    message = next((v.message for v in versions if v.version == picked), "") or ""
    if message.strip():
        st.caption(f"Version {picked}: {plain(message)}")
    more = st.columns(2)
    more[0].button("Open this version", on_click=_open_version, args=(chosen, picked), key="version_open")
    more[1].button("Restore as a new draft", on_click=_restore, args=(chosen, picked), key="version_restore")
    _confirm_here("_open_version", "_restore", args=(chosen, picked))

    # ---- Compare ---------------------------------------------------------------------------------------------
    st.subheader("Compare two versions")
    options = [(r.plan_id, n) for r in records.values() for n in range(1, r.current_version + 1)]
    latest = (chosen, numbers[-1])
    earlier = (chosen, numbers[-2]) if len(numbers) > 1 else latest
    opened = where[0] if where and where[0] in records and records[where[0]].current_version > 1 else None
    if opened is not None:
        # The open plan's previous version → its latest, whichever plan the box above shows (it compared the box's
        # plan: "#1 v1 → #2 v1" for a draft looked at, though the open plan had versions to compare).
        earlier, latest = (opened, records[opened].current_version - 1), (opened, records[opened].current_version)
    elif len(numbers) == 1:
        # A plan made from another (an accepted rebalance, "… (from plan #1 v2)"): compared with where it came from.
        origin = re.search(_MADE_FROM.format(plan=r"(\d+)", version=r"(\d+)"), versions[0].message or "")
        if origin and (int(origin[1]), int(origin[2])) in options:
            earlier = (int(origin[1]), int(origin[2]))
        else:
            # A plan with one version that others were made from: compared with the newest of those (read from the
            # audit log's "create" entries, one query, not every plan's versions).
            made_from = _MADE_FROM.format(plan=chosen, version=numbers[-1])
            created = store.audit()
            created = created[created["action"].eq("create") & created["detail"].fillna("").str.contains(made_from)]
            derived = [int(p) for p in created["plan_id"] if int(p) in records and int(p) != chosen]
            if derived:
                newest = max(derived)
                earlier, latest = latest, (newest, 1)
    # (the version first: a long plan name cut "· v1" off at 1280 px, a new user's test)
    labels = {o: f"v{o[1]} · #{o[0]} {records[o[0]].name}" for o in options}
    if st.session_state.get("compare_defaults") != latest or "compare_from" not in st.session_state:
        # (also after leaving the page: Streamlit drops the two widgets' choices, not this note of them)
        # Another plan picked, or a new version saved: compare its two newest versions again.
        st.session_state["compare_defaults"] = latest
        st.session_state["compare_from"], st.session_state["compare_to"] = earlier, latest
    pick = st.columns(2)
    # (the two choices are set above, so the widgets take them from the session, without a default of their own)
    old_key = pick[0].selectbox("From", options, key="compare_from", format_func=labels.get)
    new_key = pick[1].selectbox("To", options, key="compare_to", format_func=labels.get)
    old_version, new_version = store.load(*old_key), store.load(*new_key)
    assignments, afresh = [], []
    for key, version in ((old_key, old_version), (new_key, new_version)):
        saved = store.assignments(*key)
        if len(saved) == 0 and version.accounts is None:  # saved without its assignment: assign it now
            saved = assigned_afresh(version.plan)[ASSIGNMENT_COLUMNS]
            afresh.append(f"v{key[1]} of #{key[0]}")
        assignments.append(saved)
    # Versions saved with different account files (another file loaded between the saves): only the accounts both
    # hold are compared. A rename read as 4,477 accounts changing hands, the accounts of the demo file that the
    # second version's five-account file did not have (a new user's test).
    # (versions of two plans named with their plans: "in v1 … in v1" read as one version, a new user's test)
    old_tag, new_tag = ((f"v{old_key[1]}", f"v{new_key[1]}") if old_key[0] == new_key[0]
                        else (f"#{old_key[0]} v{old_key[1]}", f"#{new_key[0]} v{new_key[1]}"))  # fmt: skip
    held = [len(a) for a in assignments]
    *assignments, apart = accounts_both_hold(*assignments)
    if any(apart):
        st.warning(
            f"The two versions were saved with different accounts: {apart[0]:,} of {old_tag}'s "
            f"{held[0]:,} are not in {new_tag}'s {held[1]:,}, and {apart[1]:,} of {new_tag}'s are "
            f"not in {old_tag}'s (another accounts file was loaded between the saves). The accounts below are "
            f"the {held[0] - apart[0]:,} both hold; the others are not counted as changing."
        )
    diff = diff_plans(old_version.plan, new_version.plan, *assignments,
                      parents=units_of_claims(old_version.plan, new_version.plan), region_label=region_label)  # fmt: skip
    if afresh:
        names = " and ".join(dict.fromkeys(afresh))
        st.caption(
            f"{names} {'were' if len(set(afresh)) > 1 else 'was'} saved without its account assignment: assigned "
            "here by the plan's rules, from the current account file, to compare accounts too."
        )
    figures = st.columns(4)
    figures[0].metric("Regions moved", f"{len(diff.regions):,}",
                      help="Regions whose territory differs between the two versions: states, provinces and "
                           "countries, and county by county where either version hands out counties (a state "
                           "moved whole is then one row of the table, its counties counted here)")  # fmt: skip
    # (territories that gained or lost regions count too: three states joining one territory read as 0 changed)
    reshaped = territories_reshaped(diff.regions)
    figures[1].metric("Territories changed", f"{len(reshaped | set(diff.territories['territory_id'])):,}",
                      help="Territories that gained or lost regions, were added or removed, or whose name, color, "
                           "quota, focus, parent or priority changed")  # fmt: skip
    figures[2].metric("Accounts changing", f"{len(diff.accounts):,}", help="Accounts whose territory or rep changes "
                      "(the same count as the Rebalance page's)")  # fmt: skip
    figures[3].metric("Value changing", money(float(diff.accounts["value"].sum()) if len(diff.accounts) else 0.0))
    renamed = old_version.plan.name != new_version.plan.name
    if renamed:  # (said whatever else changed: with regions moved too, a rename went unsaid)
        st.info(
            ("The two versions hold the same territories and regions; the plan's name differs: " if diff.empty
             else "The plan's name differs: ")
            + f"“{plain(old_version.plan.name)}” in {old_tag}, “{plain(new_version.plan.name)}” in {new_tag}."
        )  # fmt: skip
    if diff.empty:
        if not renamed:
            st.info("The two versions hold the same plan.")
    else:
        if len(diff.regions):
            from streamlit_folium import st_folium

            from geo.coverage import changed_regions_map

            # Beside the map while its table fits there; under it, at full width, when a territory's name is long
            # ("Tennessee & Virginia + 4 more" was cut to "Tennesse" at 1280 px: a new user's test) or a region's
            # (it scrolled sideways in its 320 px)
            moved = _regions_moved(diff)
            under = not _fits_beside_the_map(moved)
            left, right = (st.container(), st.container()) if under else st.columns([3, 2])
            with left:
                # (with the new version's territories drawn faintly around the moves, at counties where some moved:
                # one state moved was a plain rectangle filling the map, no neighbour or territory in view, a review)
                from geo.boundaries import region_table

                kinds = region_table().set_index("region_id")["level"]
                level = "county" if kinds.reindex(diff.regions["region_id"]).eq("county").any() else "state"
                compare_map = changed_regions_map(diff.regions, old_version.plan, new_version.plan, level=level)
                st_folium(compare_map, height=380, use_container_width=True, returned_objects=[],
                          key="compare_map")  # fmt: skip
                if compare_map.legend_html:  # (under the map, not over its regions)
                    st.html(compare_map.legend_html)
            with right:
                st.markdown("**Regions moved**")
                # (under the map: up to 300 px high, no taller than its rows, which left empty rows below three)
                height = min(300, table_height(len(moved), TABLE_HEADER))
                show_table(moved, hide_index=True, width="stretch", **({"height": height} if under else {}))
        if len(diff.territories):
            st.markdown("**Territories**")
            _show_territory_changes(diff.territories)
        if len(diff.reps):  # (capacities, territories, who is active: the Reps page's changes)
            _show_reps_changed(diff.reps)
        if len(diff.handoffs):
            st.markdown("**Handoffs per rep** (the transition list)")
            show_handoffs(diff.handoffs)
        # (stored versions keep ids only: the accounts' names come from the session's accounts file)
        account_moves = named_account_moves(diff.accounts, current_engine().accounts)
        if len(diff.accounts):
            with st.expander(f"Accounts changing territory or rep ({len(diff.accounts):,})"):
                named = [c for c in ("account_id", "name", "from_territory", "to_territory", "from_rep", "to_rep",
                                     "value") if c in account_moves.columns]  # fmt: skip
                # (widths that fit the expander at 1280 px: "To rep" was cut and "Value" out of view; a long name
                # is cut, its tooltip whole)
                text = st.column_config.TextColumn
                show_table(
                    account_moves[named], hide_index=True, width="stretch",
                    column_config={"account_id": text("Account id", width=90), "name": text("Account", width=120),
                                   "from_territory": text("From territory", width=110),
                                   "to_territory": text("To territory", width=110),
                                   # ("Waiting list (no rep)" whole)
                                   "from_rep": text("From rep", width=130), "to_rep": text("To rep", width=130),
                                   "value": money_column("Value", width=90)},
                )  # fmt: skip
        downloads = st.columns(3)
        stem = f"plan{old_key[0]}v{old_key[1]}-to-plan{new_key[0]}v{new_key[1]}"
        # (no rerun when clicked, and the accounts' file made then: downloads clicked in a row were cancelled by each
        # other's reruns, a review at 150,000 accounts)
        downloads[0].download_button("Download regions moved (CSV)", _regions_moved_csv(diff.regions),
                                     f"{stem}-regions.csv", mime="text/csv", on_click="ignore")  # fmt: skip
        downloads[1].download_button("Download account moves (CSV)", lambda: spreadsheet_csv(account_moves),
                                     f"{stem}-accounts.csv", mime="text/csv", on_click="ignore")  # fmt: skip
        downloads[2].download_button("Download handoffs (CSV)", spreadsheet_csv(diff.handoffs),
                                     f"{stem}-handoffs.csv", mime="text/csv", on_click="ignore")  # fmt: skip

    st.subheader("Audit log")
    audit = store.audit(chosen)
    if len(audit):
        audit["at"] = pd.to_datetime(audit["at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    # (the log was 910 px wide, its details at the edge; a detail wraps onto up to AUDIT_LINES lines, and the
    # download has every detail whole: they were cut at the table's edge)
    text, number, widths = st.column_config.TextColumn, st.column_config.NumberColumn, AUDIT_WIDTHS
    row = min(wrapping_row_height(audit["detail"].fillna(""), widths["detail"]),
              AUDIT_LINES * WRAPPED_LINE + 2 * CELL_PADDING)  # fmt: skip
    show_table(
        audit, hide_index=True, width="stretch", row_height=row, height=table_height(min(len(audit), 10), row),
        column_config={"at": text("When (UTC)", width=widths["at"]), "plan_id": number("Plan", width=widths["plan_id"]),
                       "version": number("Version", width=widths["version"]), "actor": text("Who", width=widths["actor"]),
                       "action": text("Action", width=widths["action"]), "detail": text("Detail", width=widths["detail"])},
    )  # fmt: skip
    if len(audit):
        st.download_button("Download the audit log (CSV)", lambda: spreadsheet_csv(audit), f"plan-{chosen}-audit.csv",
                           mime="text/csv", key="audit_download", on_click="ignore")  # fmt: skip

# ---- Files: git folder and CRM -------------------------------------------------------------------------------
st.subheader("Files: git and CRM")
st.caption(
    "A plan as plain files for git (plan.yaml, alignment.csv, overrides.csv, assignments.csv, territories.geojson "
    "— sorted so one edit is a one-line diff), and the owner assignments as files the CRM imports. assignments.csv "
    "keeps who has each account now: `cli.py` run on the folder gives the same reps as this page. Its CSVs hold "
    "ids and names exactly as written, for git and `cli.py`: a cell starting with = + - @ is not guarded against "
    "spreadsheet formulas there (the CRM files and every other download are), so open them in a spreadsheet with "
    "care."
)
files = st.columns(2)
with files[0]:
    st.markdown("**Plan folder (zip)**")
    st.download_button(
        "Download the plan as files for git",
        plan_folder_zip(plan, current_engine().result, token=engine_token(), based_on=stored_origin()),
        f"{download_stem(plan)}.zip",
        key="download_folder",
        on_click="ignore",
    )
    st.file_uploader("Open a plan folder (zip)", type=["zip"], key=_zip_key(), on_change=_zip_chosen)
    if page_message and page_message[2:] == ("zip",):  # (under the uploader: at the top it was 3,000 px away)
        getattr(st, page_message[0])(page_message[1])
    _confirm_here("_open_zip")
with files[1]:
    st.markdown("**CRM owner files**")
    result = current_engine().result
    # (from which accounts: after a reload the demo's are shown, and a new user exported them as theirs)
    lost = accounts_not_kept()
    if lost:
        st.warning(
            f"Made from the demo accounts: **{plain(lost)}**, loaded before the browser was reloaded, is not kept on "
            "the server. Load it again on the Accounts page before downloading these files.",
            icon=":material/upload_file:",
        )
    else:
        # (and the rows that could not be placed, which the files' left-out lists count: "From the 4,998 accounts"
        # stood over 2,644 + 2,356, a review)
        problems = current_accounts().problems
        unplaced = int(problems["severity"].eq("skipped").sum()) if "severity" in problems else 0
        st.caption(f"From the {len(result):,} accounts of **{plain(current_accounts().source)}**"
                   + (f", and its {unplaced:,} row{'s' if unplaced != 1 else ''} that could not be placed (listed with "
                      "the accounts left out of each file)" if unplaced else "") + ".")  # fmt: skip
    (salesforce, hubspot), said_of_ids = _crm_files(engine_token(), plan, result, current_accounts().problems)
    # (the files made when clicked, with no rerun: 14 MB made and sent on every rerun at 150,000 accounts, and
    # downloads clicked in a row cancelled by each other's reruns, a review)
    st.download_button(
        f"Salesforce Data Loader update ({len(salesforce.table):,} accounts)", salesforce.csv,
        f"{download_stem(plan)}-salesforce-owner-update.csv", mime="text/csv", key="download_salesforce",
        disabled=len(salesforce.table) == 0, on_click="ignore",
    )  # fmt: skip
    st.download_button(
        f"HubSpot import ({len(hubspot.table):,} companies)", hubspot.csv, f"{download_stem(plan)}-hubspot-import.csv",
        mime="text/csv", key="download_hubspot", disabled=len(hubspot.table) == 0, on_click="ignore",
    )  # fmt: skip
    # Accounts left out of a file keep their owner in the CRM (a rep who left, after a rebalance): said, and listed.
    for key, export, ids_said in (("salesforce", salesforce, said_of_ids[0]), ("hubspot", hubspot, said_of_ids[1])):
        # (ids the CRM will not take: the files were written whatever they were, a new user's test)
        for sentence in ids_said:
            st.caption(f":material/badge: {plain(sentence)}")
        said = left_out_summary(export, plan)
        if said:
            st.caption(f":material/person_off: {plain(said)}")  # (a caption: warnings here are questions)
            st.download_button(
                f"Accounts not in the {export.system} file ({len(export.left_out):,}, CSV)",
                lambda export=export: spreadsheet_csv(export.left_out), f"{download_stem(plan)}-{key}-left-out.csv",
                mime="text/csv", key=f"download_{key}_left_out", on_click="ignore",
            )  # fmt: skip
