"""State and cached loaders shared by the pages (the only place that touches st.session_state keys).

Cached results are shared by every session (st.cache_resource, no copy per call): treat them as read-only.
The domain state of a session is three keys no widget owns: ``plan_json`` (the plan), ``accounts_file``
(name and bytes of the accounts CSV) and ``accounts_options`` (column mapping, swapped coordinates).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.accounts import read_accounts, recode_industries
from geo.boundaries import region_table, unknown_regions_warning
from geo.coverage import coverage_layers
from geo.join import locate_accounts
from territory import InputDataError, Plan, load_plan, plan_from_dict
from territory.assignment import ancestor_map
from territory.crm import OwnerMatch, match_owners
from territory.edits import PlanState, start
from territory.formatting import (  # noqa: F401 (for the pages)
    MISSING,
    SCORE_DIGITS,
    and_list,
    counted,
    deviation,
    deviation_digits,
    file_stem,
    money,
    near_mean,
    percent,
    score,
    score_change,
    verb,
)
from territory.history import EditHistory
from territory.plan_files import canonical_plan
from territory.scoring import score_accounts
from territory.store import keep_upload, kept_upload

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_ACCOUNTS = DEMO_DIR / "accounts.csv"
DEMO_PLAN = DEMO_DIR / "plan.json"
DEMO_NAME = "accounts.csv (demo)"


@dataclass
class LoadedAccounts:
    """Accounts placed and joined to regions, with what went wrong on the way."""

    source: str
    rows: int
    accounts: pd.DataFrame
    problems: pd.DataFrame
    outside: pd.DataFrame
    notes: list[str]
    swapped: bool
    column_map: dict
    industries_in_file: pd.Series | None = None
    """The file's industries (lower-cased) and how many accounts have each, before ``industry_map``."""
    industry_map: dict | None = None
    """File industry → the plan's name for it, as the Accounts page's Industries box set it."""


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_accounts(data: bytes, filename: str, options_json: str) -> LoadedAccounts:
    options = json.loads(options_json)
    load = read_accounts(
        data, filename=filename, column_map=options.get("column_map") or None, swap_lat_lon=options.get("swap", False)
    )
    located = locate_accounts(load.accounts, column_map=load.column_map)
    in_file = (
        located.accounts["industry"].dropna().astype(str).value_counts() if "industry" in located.accounts else None
    )
    industry_map = options.get("industries") or None
    if industry_map:
        located = replace(located, accounts=recode_industries(located.accounts, industry_map))
    rows = len(load.accounts) + int((load.problems["severity"] == "skipped").sum())
    problems = load.problems  # (and the rows whose coordinates look swapped: found only once they are on the map)
    if len(located.problems):
        problems = pd.concat([problems, located.problems], ignore_index=True).sort_values("row", kind="stable")
    return LoadedAccounts(
        source=filename,
        rows=rows,
        accounts=located.accounts,
        problems=problems.reset_index(drop=True),
        outside=located.outside,
        notes=load.notes + located.notes,
        swapped=located.swapped,
        column_map=load.column_map,
        industries_in_file=in_file,
        industry_map=industry_map,
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _plan_from_json(plan_json: str) -> Plan:
    return plan_from_dict(json.loads(plan_json), source="plan")


@st.cache_resource(show_spinner=False)
def _regions() -> tuple[pd.DataFrame, dict]:
    regions = region_table()
    return regions, ancestor_map(regions)


@st.cache_resource(show_spinner=False, max_entries=8)
def _owner_match(plan_json: str, filename: str, data: bytes, options_json: str) -> OwnerMatch:
    """The accounts file's owners as the plan's rep ids (by rep id, CRM user or name)."""
    accounts = _load_accounts(data, filename, options_json).accounts
    owners = accounts["owner"] if "owner" in accounts else pd.Series(index=accounts.index, dtype=object)
    return match_owners(_plan_from_json(plan_json), owners)


def unmatched_owners_warning() -> None:
    """A warning naming the accounts file's owners that match no rep of the session's plan, if any."""
    _, filename, _, _ = key = state_key()
    message = _owner_match(*key).message(filename)
    if message:
        st.warning(plain(message), icon=":material/person_off:")


@st.cache_resource(show_spinner=False, max_entries=8)
def _engine(plan_json: str, filename: str, data: bytes, options_json: str, stored=None) -> PlanState:
    plan = _plan_from_json(plan_json)
    accounts = _load_accounts(data, filename, options_json).accounts
    accounts = accounts.assign(owner=_owner_match(plan_json, filename, data, options_json).rep_ids.to_numpy())
    scores = score_accounts(accounts, plan.settings.scoring)
    accounts = accounts.assign(score=scores["score"].to_numpy(), activation_tier=scores["activation_tier"].to_numpy())
    regions, _ = _regions()
    return start(plan, accounts, regions, keep=_saved_reps(stored))


def _saved_reps(stored) -> pd.Series | None:
    """The reps saved with a stored version (account id → rep id), to keep where the rules allow."""
    store = plan_store() if stored is not None else None
    if store is None:
        return None
    try:
        saved = store.assignments(*stored)
    except Exception as error:  # raised out of the cached engine, so that a failure is not cached (_fresh_engine)
        raise _StoreUnavailable(str(error)) from error
    return saved.set_index("account_id")["rep_id"] if len(saved) else None


class _StoreUnavailable(RuntimeError):
    """The plan store failed to give a stored version's saved reps."""


def _fresh_engine(key) -> PlanState:
    """The full assignment of the session's plan.

    A stored version unchanged since it was opened keeps the reps saved with it.
    """
    kept = _kept_version()
    if kept is None:
        return _engine(*key, None)
    try:
        return _engine(*key, kept)
    except _StoreUnavailable:  # assign afresh now, and ask the store again next run
        return _engine(*key, None)


def _kept_version() -> tuple[int, int] | None:
    """The stored version whose saved reps the session's assignment keeps: the one opened, while unchanged."""
    return stored_plan() if not unsaved_changes() else None


def ensure_app_navigation() -> None:
    """Make sure the app runs through ``app.py``'s ``st.navigation``, whatever URL the first visitor opens.

    Streamlit decides per server process, on the first request, whether a ``pages/`` folder means the old
    multipage mode; if that first request opens ``/reps`` directly, the page runs without ``app.py`` (no page
    config, a file-list sidebar). Switching the flag off sends later runs through ``app.py``; a fresh session
    (nothing in its state yet, so nothing to lose) is rerun at once. Call it before any widget.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if not st.session_state:
            st.rerun()


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from territory.store import PlanStore

    return PlanStore(url)


def plan_store():
    """The plan store (SQLite in the data directory, or ``TERRITORY_DATABASE_URL``); None if it cannot open.

    The reason is kept in ``st.session_state["store_error"]`` for the Plans page to show.
    """
    from territory.store import default_database_url

    try:
        return _store(default_database_url())
    except Exception as error:  # a bad URL, a server that does not answer: the app runs on without storage
        st.session_state["store_error"] = f"{type(error).__name__}: {error}"
        return None


SESSION_PARAM, PLAN_PARAM, VERSION_PARAM = "session", "plan", "version"  # in the page's address (query string)
ADDRESS_PARAMS = (SESSION_PARAM, PLAN_PARAM, VERSION_PARAM)
_KEY = re.compile(r"[0-9a-f]{32}")  # a tab's key, as made here (uuid4 hex): a guessable key is not taken
_LIVE: dict[str, str] = {}  # tab key -> the Streamlit session using it (this server process)
_LIVE_LOCK = threading.Lock()


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else None


def _still_open(session_id: str) -> bool:
    """Whether a session is still connected (a tab open); False outside a server (tests)."""
    from streamlit import runtime

    return runtime.exists() and runtime.get_instance().is_active_session(session_id) is True


def session_key() -> str:
    """The browser tab's key, kept in the page's address (``?session=…``), so that a reload finds its unsaved work.

    A session starting with a key that another open tab still uses (its address copied, or the tab duplicated)
    gets a key of its own, with a copy of that tab's unsaved work (:func:`_restore_working_copy`): two tabs never
    write over each other's work.
    """
    key = st.session_state.get("session_key")
    if key is not None:
        return key
    given = str(st.query_params.get(SESSION_PARAM) or "")
    me = _session_id()
    key = given if _KEY.fullmatch(given) else uuid.uuid4().hex
    if key != given:  # (a new tab, or a page link after a restart of the dashboard: see _left_work_hint)
        st.session_state["started_without_key"] = True
    with _LIVE_LOCK:
        other = _LIVE.get(key)
        if key == given and other is not None and other != me and _still_open(other):
            st.session_state["forked_from"] = given
            key = uuid.uuid4().hex
        if me is not None:
            _LIVE[key] = me
    st.session_state["session_key"] = key
    return key


def _address_param(name: str) -> int | None:
    value = str(st.query_params.get(name) or "")
    # ASCII digits only ("¹" is a digit to str.isdigit), and within a database integer
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _open_stored_plan() -> None:
    """Start the session: its unsaved work if a reload left some, else the plan in the address, else the stored plan.

    Without work or an address: the active plan, else the newest draft, else the newest. A new, empty store gets
    the demo plan as its first draft.
    """
    from territory.store import StoreError

    store = plan_store()
    if store is None:
        st.session_state["plan_json"] = json.dumps(load_plan(DEMO_PLAN).to_dict())
        return
    if _restore_working_copy(store):
        return
    wanted, version = _address_param(PLAN_PARAM), _address_param(VERSION_PARAM)
    if wanted is None and str(st.query_params.get(PLAN_PARAM) or ""):
        st.session_state["restore_note"] = "The plan in the address is not a plan number; opened the usual plan."
    if wanted is not None:
        try:
            record = store.plan_record(wanted)
        except StoreError:  # a plan no longer there (or a hand-made address): say so, open the usual plan
            st.session_state["restore_note"] = (
                f"Plan #{wanted} in the address is not in the store; opened the usual plan instead."
            )
        else:
            if version is not None and not 1 <= version <= record.current_version:
                st.session_state["restore_note"] = (
                    f"Plan #{wanted} has no version {version} (it has 1 to {record.current_version}); "
                    "opened its latest version."
                )
                version = None
            elif version is not None and version < record.current_version:
                # (an address kept from before a save opened the older version without a word, a review)
                latest = store.load(wanted)
                st.session_state["restore_note"] = (
                    f"Opened version {version} of plan #{wanted}, as the address says; version "
                    f"{record.current_version} is newer (saved by {plain(latest.author or 'someone')} on "
                    f"{latest.created_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}). Open it on the Plans page "
                    "(Version)."
                )
            open_version(store.load(wanted, version))
            return
    _open_usual_plan(store)


def _open_usual_plan(store) -> None:
    """The active plan, else the newest draft, else the newest (a new store gets the demo plan as its first draft)."""
    plans = store.plans()
    record = store.active_plan() or next((r for r in plans if r.status == "draft"), None) or next(iter(plans), None)
    if record is None:
        version = store.create_plan(load_plan(DEMO_PLAN), author="demo", message="Demo plan, created on first run")
    else:
        version = store.load(record.plan_id)
    open_version(version)


def _restore_working_copy(store, other: str | None = None) -> bool:
    """Reopen the unsaved plan this tab left (a reload of the browser); True if there was one.

    On the version it was based on, as an edit of it: accounts keep the reps that version was saved with wherever
    the changes allow (a fresh assignment would hand some accounts to other reps than before the reload).
    ``other``: the key of another session's work to take over instead (:func:`open_other_work`).
    """
    from territory.store import StoreError

    mine = session_key()  # (first: a tab whose address another open tab uses gets its own key here)
    key = other or st.session_state.get("forked_from") or mine
    try:
        copy = store.working_copy(key)
    except (StoreError, InputDataError, ValueError) as error:  # unreadable: start as usual, and say why
        st.session_state["restore_note"] = (
            f"Unsaved changes from before the reload could not be read: {plain(str(error))}"
        )
        return False
    if copy is None:
        return False
    base = None
    if copy.plan_id is not None:
        try:
            base = store.load(copy.plan_id, copy.version)
        except StoreError:
            base = None  # the plan it was based on is gone: the work stays, as a plan not stored yet
    work = json.dumps(copy.plan.to_dict())
    if copy.author and not st.session_state.get("author_name"):  # the name typed on the Plans page before the reload
        st.session_state["author_name"] = copy.author
    reopened = REOPENED_FROM_TAB if other else REOPENED_AFTER_RELOAD  # (the history's first step, so named)
    # What the work changes from its version, for the audit log's line (it said only "Reopened the unsaved changes
    # kept before the reload": the capacity changed and the rep deactivated were nowhere, a review)
    st.session_state["reopened_said"] = changes_said(base.plan, copy.plan) if base is not None else None
    if base is not None:
        open_version(base)
        st.session_state["pending_restore"] = (work, reopened)  # applied by init_state once the accounts are there
    else:
        st.session_state["plan_json"] = work
        # (a plan not stored: taken over from a closed tab, it was saved as a version of the plan open here)
        _set_stored_link(None)
        # (its history begins there, said as reopened: it said "Opened the plan" and "No edit yet", a review)
        st.session_state["history_begun_as"] = reopened
    st.session_state["restored_work"] = {
        "name": copy.plan.name,
        "base": (base.plan_id, base.version) if base is not None else None,
        "at": copy.updated_at,
        "copied": bool(st.session_state.get("forked_from")) and other is None,
        "accounts": copy.accounts_source,
        "taken_over": other is not None,
    }
    st.session_state["accounts_to_load_again"] = copy.accounts_source
    return True


def other_work() -> tuple[list, list[str]]:
    """Unsaved work kept for other tabs that are not open now (closed, or from before a restart of the server).

    Returns the working copies (latest first) and the keys of those that cannot be read. A tab still open keeps its
    own work: its copy is not listed.
    """
    store = plan_store()
    if store is None:
        return [], []
    copies, unreadable = store.working_copies()
    me = _session_id()
    with _LIVE_LOCK:
        live = {key for key, session in _LIVE.items() if session != me and _still_open(session)}
    skip = live | {session_key(), st.session_state.get("forked_from")}
    return [c for c in copies if c.session_key not in skip], [k for k in unreadable if k not in skip]


def open_other_work(key: str) -> bool:
    """Take over another tab's unsaved work (see :func:`other_work`) in this tab; False if it is gone meanwhile.

    This tab keeps it under its own key from now on, and the other copy is dropped once this one is kept.
    """
    store = plan_store()
    if store is None or not _restore_working_copy(store, other=key):
        return False
    st.session_state["taken_from"] = key
    st.session_state.pop("left_work", None)  # (the sidebar's hint looks again)
    st.session_state.pop("kept_work_json", None)  # (written anew under this tab's key)
    return True


REOPENED_AFTER_RELOAD = "Reopened the unsaved changes kept before the reload"
REOPENED_FROM_TAB = "Opened the unsaved changes left by a closed tab"


def _apply_pending_restore() -> None:
    pending = st.session_state.pop("pending_restore", None)
    if pending is None:
        return
    work, label = pending
    st.session_state["restoring"] = True  # (no keeping or dropping of the copy half-way)
    try:
        # The history starts at the work reopened (the README: the undo history is not kept across a reload): as a
        # step after the version, one Undo dropped the work, said as "Undo: Reopened the unsaved changes" (a review).
        # The audit log still logs it as an edit (session_edits).
        _store_history(EditHistory.begin(planned_state(_plan_from_json(work), label), label, stored=_stored_link()))
    finally:
        st.session_state.pop("restoring", None)


def drop_plans_question() -> None:
    """Drop the Plans page's pending "drop your changes?" question (its Cancel, or another page shown).

    A question about the plan folder's file also empties the uploader (a new key), so that choosing the file again
    asks again.
    """
    pending = st.session_state.pop("plans_confirm", None)
    if pending and pending[0] == "_open_zip":
        st.session_state["upload_folder_round"] = st.session_state.get("upload_folder_round", 0) + 1


def drop_questions_left_behind(page_path: str) -> None:
    """Drop the Plans page's pending question when another page is shown.

    It is about buttons on the Plans page: coming back later, it would stand there about a click long past.
    """
    if page_path != "plans":
        drop_plans_question()


def keep_unsaved_work() -> None:
    """Keep the plan's unsaved changes in the store (a reload reopens them), or drop them once saved.

    Called at the start and at the end of each run. Also writes the tab's key and the open plan into the page's
    address. Cheap when nothing changed (one comparison); a store that cannot be written is noted for the Plans
    page, and the app runs on.
    """
    if "plan_json" not in st.session_state or st.session_state.get("restoring"):
        return
    key = session_key()
    where = stored_plan()
    # All at once: each change of the address is a step of the browser's history, and a page shown (whose address
    # Streamlit writes without them) took four, the Back button as many presses (the tenth new user's test).
    wanted = {name: value for name, value in st.query_params.to_dict().items() if name not in ADDRESS_PARAMS}
    wanted[SESSION_PARAM] = key
    if where:
        wanted[PLAN_PARAM], wanted[VERSION_PARAM] = str(where[0]), str(where[1])
    if wanted != st.query_params.to_dict():
        st.query_params.from_dict(wanted)
    accounts = st.session_state.get("accounts_file", (DEMO_NAME, b""))[0]
    accounts = None if accounts == DEMO_NAME else accounts
    if accounts is None:
        # (restored work named a file not loaded again yet: a second reload, or a closed tab, still names it)
        accounts = st.session_state.get("accounts_to_load_again")
    plan_json = st.session_state["plan_json"]
    kept = st.session_state.get("kept_work_json")
    unsaved = unsaved_changes()
    if (unsaved and kept == plan_json and st.session_state.get("kept_work_accounts") == accounts) or (
        not unsaved and kept is None and "forked_from" not in st.session_state and "taken_from" not in st.session_state
    ):
        return
    store = plan_store()
    if store is None:
        return
    try:
        if unsaved:
            # (author: the name typed on the Plans page, if any, which a reload gives back)
            store.keep_working_copy(key, _plan_from_json(plan_json), plan_id=where and where[0],
                                    version=where and where[1], author=author(default=""),
                                    accounts_source=accounts)  # fmt: skip
            st.session_state["kept_work_json"] = plan_json
            st.session_state["kept_work_accounts"] = accounts
        else:
            store.drop_working_copy(key)
            st.session_state.pop("kept_work_json", None)
            st.session_state.pop("restored_work", None)
        st.session_state.pop("forked_from", None)
        taken = st.session_state.pop("taken_from", None)
        if taken and taken != key:  # work taken over from a closed tab: now kept under this tab's key only
            store.drop_working_copy(taken)
    except Exception as error:  # the database went away meanwhile: the session keeps its plan
        st.session_state["store_error"] = f"unsaved changes not kept: {type(error).__name__}: {error}"


def keep_settings() -> None:
    """Keep the tab's page settings (:func:`setting`) in the store: a reload starts its pages from them.

    Called after each run (app.py). Cheap when nothing changed (one comparison); values that are not JSON (none
    are, today) are left out; a store that cannot be written is noted for the Plans page, and the app runs on.
    """
    kept = dict(st.session_state.get(KEPT_SETTINGS) or {})
    for name in st.session_state.get(REMEMBERED, ()):  # (values a page keeps itself: see remember)
        if name in st.session_state:
            kept[STATE_PREFIX + name] = st.session_state[name]
    if not kept:
        return
    try:
        shown, content = kept, json.dumps(kept, sort_keys=True)
    except (TypeError, ValueError):  # (only then value by value)
        shown = {key: value for key, value in kept.items() if _is_json(value)}
        content = json.dumps(shown, sort_keys=True)
    if st.session_state.get("kept_settings_json") == content:
        return
    store = plan_store()
    if store is None:
        return
    try:
        store.keep_settings(session_key(), shown)
    except Exception as error:  # the database went away meanwhile: the session keeps its settings
        st.session_state["store_error"] = f"page settings not kept: {type(error).__name__}: {error}"
        return
    st.session_state["kept_settings_json"] = content


def _is_json(value) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


REMEMBERED = "remembered_state"
STATE_PREFIX = "state:"


def remember(name: str) -> None:
    """Keep the session value ``name`` across a reload too (with :func:`setting`'s): for what a page keeps itself.

    Pages keep some choices outside their widgets (a tolerance per metric, locked regions: Streamlit forgets a
    widget that is not drawn); a JSON value. The page checks it again when it reads it back.
    """
    remembered = st.session_state.setdefault(REMEMBERED, [])
    if name not in remembered:
        remembered.append(name)


def restore_settings() -> None:
    """On a tab's first run, start its pages from the settings kept for its key (a reload of the browser).

    A widget already drawn in this session keeps its own value; a kept value its page no longer offers gives way
    to the page's default (:func:`setting` checks).
    """
    if st.session_state.get("settings_restored"):
        return
    st.session_state["settings_restored"] = True
    key = session_key()
    source = st.session_state.get("forked_from") or key
    if st.session_state.get("started_without_key") and "forked_from" not in st.session_state:
        return  # (a new tab: nothing was kept for it)
    store = plan_store()
    if store is None:
        return
    try:
        found = store.settings(source)
    except Exception:  # unreadable: the pages start from their defaults
        return
    kept = st.session_state.setdefault(KEPT_SETTINGS, {})
    for name, value in found.items():
        if not isinstance(name, str):
            continue
        if name.startswith(STATE_PREFIX):  # a value a page keeps itself (remember): back where the page reads it
            st.session_state.setdefault(name[len(STATE_PREFIX) :], value)
            remember(name[len(STATE_PREFIX) :])  # (and kept again: a second reload found it gone)
        elif name not in st.session_state:
            kept.setdefault(name, value)
    if source == key:
        st.session_state["kept_settings_json"] = json.dumps(found, sort_keys=True)


def restored_work_notice() -> None:
    """In the sidebar, while a reload's unsaved changes are open and still unsaved: what they are, and a way back.

    Also a toast when they are first reopened (a narrow window starts with the sidebar closed).
    """
    if st.session_state.pop("discarded_toast", False):
        st.toast("Unsaved changes discarded.", icon=":material/delete:")
    note = st.session_state.pop("restore_note", None)
    if note:
        st.sidebar.warning(note, icon=":material/warning:")
    restored = st.session_state.get("restored_work")
    if not restored:
        _left_work_hint()
        _accounts_not_kept_notice()
    if not restored or not unsaved_changes():
        return
    if not restored.get("toasted"):
        restored["toasted"] = True
        st.toast("Unsaved changes restored: see the sidebar to keep or discard them.", icon=":material/history:")
    base = restored["base"]
    since = restored["at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    what = f"plan #{base[0]} (from version {base[1]})" if base else "a plan not stored yet"
    copied = (
        " This address is open in another tab as well: this tab goes on with its own copy of them."
        if restored.get("copied") else
        " They were left by a tab that is closed; this tab goes on with them." if restored.get("taken_over") else ""
    )  # fmt: skip
    accounts = (
        f" The accounts file {plain(restored['accounts'])} is not kept across a reload (its copy on the server is "
        "gone): the demo accounts are loaded; load your file again on the Accounts page."
        if restored.get("accounts") and current_accounts().source != restored["accounts"] else ""
    )  # fmt: skip
    with st.sidebar.container(border=True):
        st.markdown(
            f":material/history: **Unsaved changes restored** to {what}, **{plain(restored['name'].strip())}**, "
            f"last changed {since}. Save them on the Plans page, or discard them. The edit history starts "
            f"again from here.{copied}{accounts}"
        )
        if st.session_state.get("confirm_discard"):
            st.markdown("**Discard them?** They cannot be brought back.")
            left, right = st.columns(2)
            left.button("Discard", key="restored_discard_yes", on_click=discard_unsaved_work, width="stretch",
                        type="primary", help="Go back to the version they were based on.")  # fmt: skip
            right.button("Cancel", key="restored_discard_no", width="stretch",
                         on_click=lambda: st.session_state.pop("confirm_discard", None))  # fmt: skip
            return
        left, right = st.columns(2)
        left.button("Keep", key="restored_keep", on_click=lambda: st.session_state.pop("restored_work", None),
                    width="stretch", help="Hide this notice; the changes stay (unsaved).")  # fmt: skip
        right.button("Discard…", key="restored_discard", width="stretch",
                     on_click=lambda: st.session_state.update(confirm_discard=True),
                     help="Go back to the version they were based on; the changes are dropped (asks first).")  # fmt: skip


def _left_work_hint() -> None:
    """In the sidebar of a tab that started without a key: unsaved work that tabs not open now left, if any.

    A tab closed with unsaved changes, or a page link clicked after the dashboard restarted (the link carries no
    address), leaves its work under a key no address names any more: this says where to find it.
    """
    if not st.session_state.get("started_without_key") or st.session_state.get("left_work_hidden"):
        return
    if "left_work" not in st.session_state:  # (looked up once a session)
        try:
            copies, _ = other_work()
        except Exception:  # the store went away: nothing to say
            copies = []
        st.session_state["left_work"] = [
            (c.plan.name, c.updated_at, c.plan_id is not None and f"plan #{c.plan_id} version {c.version}")
            for c in copies
        ]
    left = st.session_state["left_work"]
    if not left:
        return
    name, when, based = left[0]
    more = f" and {len(left) - 1} more" if len(left) > 1 else ""
    with st.sidebar.container(border=True):
        st.markdown(
            f":material/history: **Unsaved work found** that a tab not open now left: **{plain(name.strip())}**"
            f"{' (' + based + ')' if based else ''}, last changed {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC{more}. "
            "Open it here or discard it on the Plans page."
        )
        left_col, right_col = st.columns(2)
        with left_col:
            st.page_link("pages/plans.py", label="Plans", icon=":material/folder_open:")
        right_col.button("Hide", key="left_work_hide", width="stretch",
                         on_click=lambda: st.session_state.update(left_work_hidden=True))  # fmt: skip


def discard_unsaved_work() -> None:
    """Go back to the stored version the session's plan came from, dropping the changes.

    A plan not stored yet goes back to the usual plan (active, else the newest draft); without a store, the demo
    plan.
    """
    store = plan_store()
    where = stored_plan()
    st.session_state.pop("restored_work", None)
    st.session_state.pop("confirm_discard", None)
    st.session_state.pop("accounts_to_load_again", None)
    if store is not None and where is not None:
        open_version(store.load(*where))
    elif store is not None:
        _open_usual_plan(store)
    else:
        st.session_state["plan_json"] = json.dumps(load_plan(DEMO_PLAN).to_dict())
        _forget_edit_history()
    st.session_state["discarded_toast"] = True


def _forget_edit_history() -> None:
    for key in ("edit_history", "edit_history_plan", "edit_history_accounts"):
        st.session_state.pop(key, None)


def open_version(version, state: PlanState | None = None) -> None:
    """Make a stored version the session's plan (its edit history starts again).

    ``state``: the version's plan already assigned (a proposal that kept each account's rep where it could), to
    start the history from instead of a fresh assignment.
    """
    st.session_state["plan_json"] = json.dumps(version.plan.to_dict())
    st.session_state["store_plan"] = (version.plan_id, version.version)
    st.session_state["store_plan_json"] = st.session_state["plan_json"]
    _forget_edit_history()
    st.session_state["edits_logged"] = []  # (the Plans page logs a save's edits from here: the history starts again)
    if state is not None:
        _store_history(EditHistory.begin(state, stored=_stored_link()))


def stored_plan() -> tuple[int, int] | None:
    """``(plan_id, version)`` the session's plan was opened from or last saved as."""
    return st.session_state.get("store_plan")


def _stored_link() -> tuple[int, int, str] | None:
    """The session's link to a stored plan: ``(plan_id, version, that version's plan as JSON)``, None if none."""
    where, content = st.session_state.get("store_plan"), st.session_state.get("store_plan_json")
    return None if where is None else (*where, content)


def _set_stored_link(link: tuple[int, int, str] | None) -> None:
    if link is None:
        st.session_state.pop("store_plan", None)
        st.session_state.pop("store_plan_json", None)
    else:
        st.session_state["store_plan"] = tuple(link[:2])
        st.session_state["store_plan_json"] = link[2]


def link_stored(plan_id: int | None, version: int | None = None, plan_json: str | None = None) -> None:
    """Say which stored version the session's plan is a change of (``plan_id`` None: of none, a plan of its own).

    Parameters
    ----------
    plan_id, version : int or None
        The stored version; None for a plan not stored (a file used in place of the stored plan).
    plan_json : str, optional
        That version's plan as JSON (what unsaved changes are measured against).

    The edit history's current step keeps it (:meth:`territory.history.EditHistory.restored`): undo goes back to
    the plan and to what it was stored as (undoing a plan used on the Data sources page left the session on a
    plan "not stored yet", Save making a new plan of the stored one).
    """
    link = None if plan_id is None else (plan_id, version, plan_json)
    _set_stored_link(link)
    _restore_history_links(link)


def forget_stored_plan(plan_id: int) -> None:
    """A plan deleted: neither the session nor a step of its edit history is a change of it any more."""
    if (stored_plan() or (None,))[0] == plan_id:
        _set_stored_link(None)
    history = st.session_state.get("edit_history")
    if history is not None:
        gone = history.restored(None, also=lambda stored: stored is not None and stored[0] == plan_id, current=False)
        st.session_state["edit_history"] = gone


def _restore_history_links(link, also=None) -> None:
    """The session's edit history with its current step (and ``also``'s) stored as ``link`` (no step made)."""
    history = st.session_state.get("edit_history")
    if history is not None:
        st.session_state["edit_history"] = history.restored(link, also=also)


def unsaved_changes() -> bool:
    """Whether the session's plan differs from the stored version it came from.

    Compared as plans, not as text: a region moved away and back is listed in another place, and that is no change.
    """
    mine, stored = st.session_state.get("plan_json"), st.session_state.get("store_plan_json")
    if mine == stored:
        return False
    if mine is None or stored is None:
        return True
    memo = st.session_state.get("unsaved_memo")
    if memo is None or memo[:2] != (mine, stored):
        memo = (mine, stored, _canonical(mine) != _canonical(stored))
        st.session_state["unsaved_memo"] = memo
    return memo[2]


def open_plan_notice() -> None:
    """In the sidebar, on every page: the plan the tab has open, its number, version and status, unsaved changes.

    A new tab opens the active plan, else the newest draft, which another tab may have made: the name on every page
    says which it is (only the Overview said it).
    """
    plan_json = st.session_state.get("plan_json")
    if not plan_json:
        return
    memo = st.session_state.get("open_plan_memo")
    if memo is None or memo[0] is not plan_json:
        try:
            name = str(json.loads(plan_json).get("name") or "").strip() or "Untitled plan"
        except ValueError:
            return
        memo = (plan_json, name)
        st.session_state["open_plan_memo"] = memo
    where, store = stored_plan(), plan_store()
    status = ""
    if where is not None and store is not None:
        try:
            status = f"{store.plan_record(where[0]).status} #{where[0]}, version {where[1]}"
        except Exception:  # (a store that fails here still shows the pages; the Plans page says what is wrong)
            status = f"#{where[0]}, version {where[1]}"
    elif store is not None:
        status = "not stored yet"
    unsaved = " · **unsaved changes**" if where is not None and unsaved_changes() else ""
    st.sidebar.caption(
        f":material/folder_open: Open: **{plain(memo[1])}**" + (f" ({status})" if status else "") + unsaved
    )


def _canonical(plan_json: str) -> dict:
    """A plan's data with each territory's regions in one order (their order says nothing)."""
    data = json.loads(plan_json)
    for territory in data.get("territories") or []:
        if isinstance(territory, dict) and isinstance(territory.get("region_ids"), list):
            territory["region_ids"] = sorted(map(str, territory["region_ids"]))
    return data


def mark_saved(version) -> None:
    """Record that the session's plan is now stored as ``version``.

    The edit history's steps on the plan it was stored as before (or on none, for a plan saved the first time) are
    on ``version`` now: undone, they are changes to it (a save from one of them is the next version, not a conflict
    with this one).
    """
    before = stored_plan()
    link = (version.plan_id, version.version, st.session_state["plan_json"])
    _set_stored_link(link)
    plan_id = None if before is None else before[0]
    _restore_history_links(link, also=lambda stored: (None if stored is None else stored[0]) == plan_id)


def init_state() -> None:
    """The stored plan (or the demo plan) and the demo accounts, unless the user loaded others in this session."""
    ensure_app_navigation()
    if "plan_json" not in st.session_state:
        _open_stored_plan()
    st.session_state.setdefault("accounts_file", (DEMO_NAME, DEMO_ACCOUNTS.read_bytes()))
    st.session_state.setdefault("accounts_options", json.dumps({"column_map": None, "swap": False}))
    restore_settings()  # (before any page draws a widget)
    _reopen_kept_accounts()  # (the accounts file of the tab before a reload, before its unsaved plan is reopened)
    _apply_pending_restore()
    keep_unsaved_work()  # (changes made by a widget's callback, before this run; app.py also calls it after a run)


def state_key() -> tuple[str, str, bytes, str]:
    """Arguments identifying the current plan + accounts for the cached functions."""
    init_state()
    filename, data = st.session_state["accounts_file"]
    return st.session_state["plan_json"], filename, data, st.session_state["accounts_options"]


def current_plan() -> Plan:
    """The plan of this session."""
    init_state()
    return _plan_from_json(st.session_state["plan_json"])


def set_plan(plan: Plan, label: str = "Plan changed outside the editor") -> None:
    """Replace the session's plan: a step of the edit history in which accounts keep their reps where it allows.

    Accounts whose owner in the file matches a rep only in the new plan (a Salesforce id or HubSpot email just
    added on the Reps page) go to that rep where the rules allow, as if the file had been loaded with it.
    """
    push_state(planned_state(plan, label), label)


def set_plan_afresh(plan: Plan, label: str) -> None:
    """Replace the session's plan by a plan of its own (a file), assigned afresh: a step of the edit history.

    Its accounts are assigned by its rules and the accounts file's owners alone, as ``cli.py`` assigns them.
    :func:`set_plan` keeps each account's rep where the new plan allows, right for the same plan changed: a plan
    file used over another plan kept that plan's reps, and its figures differed from the CLI's for the same file
    (a new user's test).
    """
    _, filename, data, options = state_key()
    push_state(_engine(json.dumps(plan.to_dict()), filename, data, options, None), label)


def planned_state(plan: Plan, label: str = "Plan changed outside the editor") -> PlanState:
    """The state :func:`set_plan` would make of ``plan``, without making it (a preview of what it changes)."""
    from territory.edits import rebase

    state = edit_history().current
    owners = state.accounts["owner"]
    now = match_owners(plan, owners).rep_ids
    if (now.notna() & (now != owners)).any():
        kept = state.result.set_index("account_id")["rep_id"]
        # (the owners just matched get their accounts first, then every account keeps its rep where it can)
        return start(plan, state.accounts.assign(owner=now.to_numpy()), state.regions, keep=kept, owners_first=True)
    return rebase(state, plan, label)


def current_accounts() -> LoadedAccounts:
    """The session's accounts, located in regions."""
    _, filename, data, options = state_key()
    return _load_accounts(data, filename, options)


def current_engine() -> PlanState:
    """The session's plan with every account assigned.

    After a map edit this is the edited state (kept by the session's edit history, so undo is exact);
    otherwise the full assignment of the plan, cached per plan and accounts.
    """
    key = state_key()
    history = _matching_history(key)
    return history.current if history is not None else _fresh_engine(key)


def assigned_afresh(plan: Plan) -> pd.DataFrame:
    """``plan``'s accounts (the session's account file) assigned by its rules alone: no saved reps kept.

    For a stored version saved without its assignment, to compare it with another.
    """
    _, filename, data, options = state_key()
    return _engine(json.dumps(plan.to_dict()), filename, data, options, None).result


def _accounts_key(key) -> tuple:
    _, filename, data, options = key
    return filename, len(data), hash(data), options


def _matching_history(key) -> EditHistory | None:
    history = st.session_state.get("edit_history")
    if history is None or st.session_state.get("edit_history_accounts") != _accounts_key(key):
        return None
    return history if st.session_state.get("edit_history_plan") == key[0] else None


def at_capacity(reps: pd.DataFrame) -> pd.Series:
    """Which reps of a balance's rep table are at (or over) capacity: their accounts and those held outside them."""
    return reps["accounts"] + reps["held_outside"] >= reps["capacity"]


def session_edits() -> tuple[list[tuple], tuple]:
    """The session's edits not yet in the audit log (when, what), and what to keep as logged once they are saved.

    The log knows the steps it has (``edits_logged``: the history's first step and its steps up to the last save,
    ``(at, label)`` each). Steps since are logged with the next save; steps logged and then undone are logged as
    undone ("Undone: Moved Montana (US-MT) to US West"), with the time of the save. A history begun again (other
    accounts) has logged none of its steps. (It counted the steps: an edit made after a save and an undo fell below
    the count and was never logged, a review.)
    """
    history = edit_history()
    base = (history.entries[0].at, history.entries[0].label)
    # (work reopened after a reload is the history's first step, and changes the version it was based on: logged
    # too, or a version saved after a reload had no edit line, a review)
    reopened = [base] if base[1] in (REOPENED_AFTER_RELOAD, REOPENED_FROM_TAB) else []
    path = reopened + [(e.at, e.label) for e in history.entries[1 : history.cursor + 1]]
    kept = st.session_state.get("edits_logged")
    logged = kept[1] if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == base else []
    common = 0
    while common < min(len(path), len(logged)) and path[common] == logged[common]:
        common += 1
    now = datetime.now(UTC)
    undone = [(now, f"Undone: {label}") for _, label in reversed(logged[common:])]
    said = st.session_state.get("reopened_said")
    edits = [(at, f"{label}: {said}" if reopened and (at, label) == base and said else label)
             for at, label in path[common:]]  # fmt: skip
    return undone + edits, (base, path)


def changes_said(base: Plan, plan: Plan) -> str:
    """What ``plan`` changes from ``base`` in a line: regions moved by name, territories and reps changed."""
    from geo.boundaries import region_labels
    from geo.editing import units_of_claims
    from territory.plan_diff import diff_plans

    diff = diff_plans(base, plan, parents=units_of_claims(base, plan))
    return diff.said(region_label=lambda r: f"{region_labels([r])[0]} ({r})")


def edit_history() -> EditHistory:
    """The session's edit history, begun (or continued) from the current plan and accounts.

    A plan changed on another page (the rep roster, a loaded file) becomes a step of the history, so undo
    goes back across it; new accounts start a new history.
    """
    key = state_key()
    history = _matching_history(key)
    if history is not None:
        return history
    old = st.session_state.get("edit_history")
    same_accounts = old is not None and st.session_state.get("edit_history_accounts") == _accounts_key(key)
    state = _fresh_engine(key)
    link = _stored_link()
    begun_as = st.session_state.pop("history_begun_as", None) or "Opened the plan"
    history = (
        old.push(state, "Plan changed outside the editor", stored=link)
        if same_accounts
        else EditHistory.begin(state, begun_as, stored=link)
    )
    _store_history(history, key[0])
    return history


def _store_history(history: EditHistory, plan_json: str | None = None, *, done: dict | None = None) -> None:
    key = state_key()
    plan_json = plan_json or json.dumps(history.current.plan.to_dict())
    # Every read or write of the session state is where a newer value from the browser can stop the run
    # (Streamlit checks before it reads or writes). ``done`` is marked right after the history is written, with no
    # such check between: a click stored is a click marked (a review: stopped between the two, a click was applied
    # again on the next run and took its region back out).
    st.session_state["edit_history"] = history
    if done is not None and "pending" in done:
        done["seen"] = done.pop("pending")
    st.session_state["edit_history_accounts"] = _accounts_key(key)
    st.session_state["edit_history_plan"] = plan_json
    st.session_state["plan_json"] = plan_json
    tokens = st.session_state.setdefault("edit_tokens", {})
    live = {id(entry.state) for entry in history.entries}
    for stale in [k for k in tokens if k not in live]:
        del tokens[stale]
    for entry in history.entries:
        tokens.setdefault(id(entry.state), uuid.uuid4().hex)


class NothingChanged(ValueError):
    """An edit that leaves the plan as it is (regions moved to the territory holding them): not a step of history."""


def apply_edit(edit, label: str | None = None, *, done: dict | None = None) -> PlanState:
    """Run ``edit(current_state) -> new_state`` through the engine and make the result the current step.

    Raises :class:`NothingChanged` when the plan comes out as it was (no step, no save, nothing said as done).
    ``done``: a dict whose ``"pending"`` becomes its ``"seen"`` with the step stored, in one go (see
    :func:`_store_history`): a map click is marked applied with its edit, never one without the other.
    """
    history = edit_history()
    state = edit(history.current)
    # (each territory's regions as a set: a move to the holder lists the region last)
    if canonical_plan(state.plan) == canonical_plan(history.current.plan):
        raise NothingChanged("the plan already has it so: nothing changed")
    _store_history(history.push(state, label, stored=_stored_link()), done=done)
    return state


def push_state(state: PlanState, label: str | None = None) -> None:
    """Make an already computed state (a previewed edit) the current step."""
    _store_history(edit_history().push(state, label, stored=_stored_link()))


def _move_in_history(history: EditHistory) -> None:
    """Make ``history``'s current step the session's, with what its plan was stored as (:func:`link_stored`)."""
    _store_history(history)
    _set_stored_link(history.stored)


def undo_edit() -> None:
    """Step back in the edit history (to the plan and to what it was stored as)."""
    _move_in_history(edit_history().undo())


def redo_edit() -> None:
    """Step forward again in the edit history."""
    _move_in_history(edit_history().redo())


def go_to_step(step: int) -> None:
    """Jump to a step of the edit history."""
    _move_in_history(edit_history().go_to(step))


@st.cache_resource(show_spinner=False)
def search_warm_up() -> threading.Thread:
    """The rebalancer's compiled loops, loaded (or compiled) once per server in a thread of their own.

    ``make run`` compiles them into numba's cache beforehand, and loading them takes ~0.7 s; a server started
    another way (``streamlit run app.py`` on a fresh clone) compiles them on the first proposal, about a minute
    with the page showing nothing. Started with the server's first page, the Rebalance page waits for it and says
    why (:func:`wait_for_search`).
    """
    from territory.search import warm_up

    thread = threading.Thread(target=warm_up, name="search-warm-up", daemon=True)
    thread.start()
    return thread


def wait_for_search(bar) -> None:
    """Wait for :func:`search_warm_up`, saying so on the progress ``bar`` (a click stops the wait with the run)."""
    thread = search_warm_up()
    if not thread.is_alive():
        return
    bar.progress(0.0, text="Preparing the search: its inner loops are compiled the first time the dashboard runs "
                           "on this machine (about a minute, once) and loaded from disk after that…")  # fmt: skip
    while thread.is_alive():
        thread.join(0.25)
        bar.progress(0.0)  # (a click meanwhile stops this run here, as it stops the search)


def engine_token() -> str:
    """Identifies the current state for the caches (the plan, accounts and, after edits, the edit history)."""
    key = state_key()
    history = _matching_history(key)
    if history is not None:
        token = st.session_state.get("edit_tokens", {}).get(id(history.current))
        if token:
            return "edit:" + token
    _, filename, data, options = key
    stored = repr(_kept_version())  # (its saved reps are kept)
    digest = hashlib.sha1(key[0].encode() + filename.encode() + data + options.encode() + stored.encode()).hexdigest()
    return "plan:" + digest


def swap_advice() -> str:
    """How to read the accounts in use the other way round, as they were loaded (the swap switch on or off).

    (the advice was "with the swap switch on" for a file loaded with it on, a review)
    """
    options = json.loads(st.session_state.get("accounts_options") or "{}")
    if options.get("swap"):
        return "it was loaded with the swap switch on: load it again with the switch off"
    return "load it again with the swap switch on"


def set_accounts(filename: str, data: bytes, *, column_map: dict | None = None, swap: bool = False,
                 industries: dict | None = None) -> LoadedAccounts:  # fmt: skip
    """Load a CSV; on a file-level error nothing in the session changes and the error is raised.

    ``industries``: the file's industries read as the plan names them (:func:`geo.accounts.recode_industries`).
    """
    options = json.dumps({"column_map": column_map, "swap": swap, **({"industries": industries} if industries else {})},
                         sort_keys=True)  # fmt: skip
    loaded = _load_accounts(data, filename, options)
    st.session_state["accounts_file"] = (filename, data)
    st.session_state["accounts_options"] = options
    st.session_state.pop("accounts_to_load_again", None)
    # (the file's name is kept across a reload, and the file itself in the data directory, read back on a reload;
    # where it cannot be, the reload says which file to load again)
    st.session_state[LOADED_ACCOUNTS] = None if filename == DEMO_NAME else filename
    remember(LOADED_ACCOUNTS)
    st.session_state[KEPT_ACCOUNTS] = None
    if filename != DEMO_NAME:
        try:
            st.session_state[KEPT_ACCOUNTS] = {"name": filename, "digest": keep_upload(data), "options": options}
        except OSError:  # (a data directory that cannot be written: the reload asks for the file again)
            pass
    remember(KEPT_ACCOUNTS)
    return loaded


KEPT_ACCOUNTS = "accounts_kept"  # {"name", "digest", "options"}: the file loaded, kept in the data directory


def _reopen_kept_accounts() -> None:
    """After a reload, the accounts file the tab had loaded, read back from the data directory (once).

    A reload starts a new session, with the demo's accounts: every figure read them (a review at 150,000 accounts:
    a balance score of 0.031 on the Overview, said only in the sidebar). Where the file is gone or no longer
    reads, the sidebar's notice asks for it (:func:`_accounts_not_kept_notice`).
    """
    if st.session_state.get("accounts_reopen_tried"):
        return
    st.session_state["accounts_reopen_tried"] = True
    kept = st.session_state.get(KEPT_ACCOUNTS)
    if not isinstance(kept, dict) or st.session_state["accounts_file"][0] != DEMO_NAME:
        return
    data = kept_upload(kept.get("digest"))
    name, options = kept.get("name"), kept.get("options")
    if data is None or not isinstance(name, str) or not isinstance(options, str):
        return
    try:
        _load_accounts(data, name, options)
    except (InputDataError, ValueError, TypeError):  # (kept by an older version, read otherwise now)
        return
    st.session_state["accounts_file"] = (name, data)
    st.session_state["accounts_options"] = options


LOADED_ACCOUNTS = "accounts_loaded_name"


def accounts_not_kept() -> str | None:
    """The accounts file this tab had loaded before a reload, where the demo's accounts are shown instead."""
    name = st.session_state.get(LOADED_ACCOUNTS)
    if name and st.session_state.get("accounts_file", (DEMO_NAME, b""))[0] == DEMO_NAME:
        return str(name)
    return None


def _accounts_not_kept_notice() -> None:
    """In the sidebar after a reload: the accounts file this tab had loaded, which the server does not keep.

    The demo's accounts are shown instead; without a word, an uploaded file turned back into the demo data (a new
    user's test). Unsaved work restored says it in its own notice.
    """
    name = st.session_state.get(LOADED_ACCOUNTS)
    if not name:
        return
    remember(LOADED_ACCOUNTS)  # (kept on across further reloads until loaded again or hidden)
    if accounts_not_kept() is None:
        return
    with st.sidebar.container(border=True):
        st.markdown(
            f":material/upload_file: **Accounts file not kept:** this tab had loaded **{plain(str(name))}** before "
            "the reload, and its copy on the server is gone: the demo accounts are shown. Load it again on the "
            "Accounts page."
        )
        left_col, right_col = st.columns(2)
        with left_col:
            st.page_link("pages/accounts.py", label="Accounts", icon=":material/domain:")
        right_col.button("Hide", key="accounts_not_kept_hide", width="stretch",
                         on_click=lambda: st.session_state.update({LOADED_ACCOUNTS: None}))  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=8)
def _coverage(token: str, level: str, _state: PlanState):
    return coverage_layers(_state.plan, _state.result, level)


def cached_coverage_layers(level: str = "state"):
    """The map's GeoJSON and legend for this plan and these accounts (built once per change and level)."""
    return _coverage(engine_token(), level, current_engine())


KEPT_SETTINGS = "kept_settings"


def setting(key: str, default, allowed=None) -> None:
    """Start the widget ``key`` from what the manager last chose on its page, else from ``default``.

    Streamlit forgets a widget's value when a run does not draw it (another page shown, or an option hidden on
    this one): each call keeps a copy of the value the widget is about to show (at the start of a run the session
    holds the manager's latest choice), put back here when Streamlit has forgotten it. Call it just before drawing
    the widget, instead of giving the widget a default. ``allowed``: the values the widget takes now (a kept list
    keeps only those; a kept value that is not one of them gives way to ``default``, as does the widget's own value
    when its choice is gone: a territory merged away).
    """
    kept = st.session_state.setdefault(KEPT_SETTINGS, {})
    if key in st.session_state:  # (drawn on the last run: kept, unless its choice is gone — a territory merged away)
        value = st.session_state[key]
        if allowed is None or (value in allowed if not isinstance(value, list) else set(value) <= set(allowed)):
            kept[key] = value
            return
    else:
        value = kept.get(key, default)
    if allowed is not None:
        allowed = allowed if isinstance(allowed, range) else set(allowed)  # (a range tells at once, unbuilt)
        if isinstance(value, list):
            value = [v for v in value if v in allowed]
        elif value not in allowed:
            value = default
    st.session_state[key] = kept[key] = value


def level_radio(key: str, *, on_change=None) -> str:
    """The "Regions" choice of a map page: states & provinces, or US counties (kept across pages)."""
    setting(key, "state", ["state", "county"])
    return st.radio(
        "Regions",
        ["state", "county"],
        horizontal=True,
        key=key,
        format_func={"state": "States & provinces", "county": "US counties"}.get,
        on_change=on_change,
    )


POINT_LIMIT = 20_000  # above this many accounts the map shows one sized circle per region


# How figures read on every page: ``money`` and ``percent`` (territory.formatting) for metrics and captions, and
# the matching column formats for tables, which keep their numbers (sorting stays numeric; CSV downloads raw).
COUNT_FORMAT = "%,d"
MONEY_FORMAT = "$%,.0f"
"""Streamlit's printf format for dollars in a table column: ``$12,346`` (the same text as :func:`money`)."""


SCORE_FORMAT = f"%.{SCORE_DIGITS}f"
"""Streamlit's printf format for a balance score in a table column: ``0.820`` (the same text as :func:`score`)."""
SCORE_D3_FORMAT = f".{SCORE_DIGITS}f"
"""The same for a chart's tooltip (Vega-Lite takes d3 formats)."""
TEAM_SCORE_HELP = (
    "Mean of the balance scores of the territories with a rep or accounts (0..1, 1 = on target; one with accounts "
    "and no rep scores 0), times the share of the territories' accounts that have a rep: accounts waiting for a rep "
    "lower it"
)
"""What the team balance score is, said the same wherever it is shown (:func:`territory.balance.balance_from_tally`)."""


def score_column(label: str | None = None, *, progress: bool = False, **kwargs):
    """A table column of balance scores (0..1) shown as :func:`score` shows them: ``0.820``.

    ``progress`` draws a bar from 0 to 1 beside the figure.
    """
    if progress:
        return st.column_config.ProgressColumn(label, min_value=0.0, max_value=1.0, format=SCORE_FORMAT, **kwargs)
    return st.column_config.NumberColumn(label, format=SCORE_FORMAT, **kwargs)


def money_column(label: str | None = None, **kwargs):
    """A table column of dollars, shown as whole dollars with thousands separators (``$12,346``)."""
    return st.column_config.NumberColumn(label, format=MONEY_FORMAT, **kwargs)


SIGNED_PERCENT = "signed_percent"  # a column config's mark for :func:`show_table`: the digits of a signed percent


def percent_column(label: str | None = None, *, digits: int = 0, progress: bool = False, signed: bool = False,
                   **kwargs):  # fmt: skip
    """A table column of shares (1.0 is 100%) shown as :func:`percent` shows them: ``87%`` (``digits=1``: ``87.1%``).

    ``progress`` draws a bar from 0 to 100% beside the figure. (Streamlit's ``percent`` format shows as many decimals
    as the column's ``step`` has beyond the two a percentage takes: a step of 0.01 gives ``87%``.) ``signed``: a
    deviation, ``+10.3%`` beside ``-32.4%`` (Streamlit's format has no sign: "110.3%" read as a share, not as 110%
    over); written by :func:`show_table`, the data left as it is (sorted by value, read as fractions).
    """
    step = round(10.0 ** -(digits + 2), digits + 2)
    if signed:
        return {**st.column_config.NumberColumn(label, step=step, **kwargs), SIGNED_PERCENT: digits}
    if progress:
        kwargs = {"min_value": 0.0, "max_value": 1.0, **kwargs}
        return st.column_config.ProgressColumn(label, format="percent", step=step, **kwargs)
    return st.column_config.NumberColumn(label, format="percent", step=step, **kwargs)


def signed_percent(share, digits: int = 1) -> str:
    """A deviation as a table shows it: ``+10.3%``, ``-32.4%``, ``0.0%`` (no sign where it rounds to none), ``—``.

    Examples
    --------
    >>> [signed_percent(v) for v in (1.1034, -0.324, 0.00004, -0.00004, float("nan"), None)]
    ['+110.3%', '-32.4%', '0.0%', '0.0%', '—', '—']
    >>> signed_percent(0.05, digits=0)
    '+5%'
    """
    if share is None or share != share:
        return MISSING
    text = f"{float(share):+.{digits}%}"
    return text[1:] if float(text[1:-1]) == 0 else text


def show_table(data, *, download: str | None = None, **kwargs):
    """``st.dataframe`` with missing values shown as an em dash (not "None"), the same on every page.

    Percent columns (:func:`percent_column`) are rounded to the figures they show: Streamlit cuts a number off at
    its column's step instead of rounding it (0.0957 showed as 9.5% beside a caption's 9.6%). Counts (whole-number
    columns given no format) get thousands separators, as the metrics have them (1,000, not 1000). Empty text shows
    as the dash too (a CSV's blank cell is read as "").

    ``download``: a file name: a button under the table downloads it as CSV, formulas neutralised, with a byte order
    mark (the tables offer no export of their own: ``client.disableDataExport``).
    """
    config = _with_count_columns(data, kwargs.pop("column_config", None) or {})
    signed = {c: v[SIGNED_PERCENT] for c, v in config.items() if isinstance(v, dict) and SIGNED_PERCENT in v}
    config = {c: {k: x for k, x in v.items() if k != SIGNED_PERCENT} if c in signed else v for c, v in config.items()}
    shown = _blanks_as_missing(_rounded_to_steps(data, config))
    if signed and isinstance(shown, pd.DataFrame):  # (written here: the column's own format would win over it)
        present = {c: d for c, d in signed.items() if c in shown.columns}
        shown = shown.style.format({c: functools.partial(signed_percent, digits=d) for c, d in present.items()})
    table = st.dataframe(shown, placeholder=MISSING, column_config=config or None, **kwargs)
    if download:
        from territory.exports import spreadsheet_csv

        frame = data if kwargs.get("hide_index") else data.reset_index()
        # (made when clicked, not on every rerun of the page)
        st.download_button(":material/download: CSV", lambda: spreadsheet_csv(frame), file_name=download, mime="text/csv",
                           key=f"table_download:{download}", on_click="ignore", type="tertiary")  # fmt: skip
    return table


TABLE_HEADER = 35  # px: a table's heading row (and a row of one line)
WRAPPING_ROW = 68  # px: Streamlit wraps a table's text only in rows taller than 64 px
PAGE_COLUMN = 916  # px: the page's main column at a 1280 px window (app.py's padding: 32 px either side)
WRAPPED_LINE = 20  # px: a wrapped line of the table's 14 px text
CHARACTER_WIDTH = 6.2  # px: a character on average, with room for words that wrap whole (5.6 measured in Chromium)
CELL_PADDING = 8  # px, on each side of a cell's text


def wrapping_row_height(texts, width: int) -> int:
    """A table's row height in px at which its text wraps, tall enough for the longest of ``texts`` in ``width`` px.

    Parameters
    ----------
    texts : iterable of str
        The texts of the column that must be read whole (a sentence per row).
    width : int
        That column's width in px, the least it has (a table wider than its columns stretches them).

    Returns
    -------
    int
        68 px (the least height at which Streamlit wraps a cell's text; two lines), more for a text that takes more
        lines.

    Examples
    --------
    >>> wrapping_row_height(["No territory claims Union, NJ (US-34039) or a region containing it."], 480)
    68
    >>> wrapping_row_height(["word " * 100], 480)  # (500 characters, 74 a line: 7 lines)
    156
    """
    longest = max((len(str(t)) for t in texts), default=0)
    per_line = max(int((width - 2 * CELL_PADDING) / CHARACTER_WIDTH), 1)
    lines = -(-longest // per_line)
    return max(WRAPPING_ROW, lines * WRAPPED_LINE + 2 * CELL_PADDING)


def table_height(rows: int, row_height: int) -> int:
    """The height in px of a table (:func:`show_table`) that shows ``rows`` rows and its heading.

    Parameters
    ----------
    rows : int
        The rows in view (the table scrolls for the others).
    row_height : int
        Their height in px (:func:`wrapping_row_height`).

    Returns
    -------
    int

    Examples
    --------
    >>> table_height(8, 68)
    582
    """
    return TABLE_HEADER + rows * row_height + 3  # (+ its borders)


# Each problem is read whole, how to fix it included (at 1280 px the Problem column cut "… fix the state or give co"
# and "exchange the two values …", a new user's test): the other columns are narrow, and the rows are tall enough for
# the longest sentence wrapped in the Problem column's least width (an expander's 786 px at a 1280 px window).
PROBLEM_WIDTHS = {"row": 48, "account_id": 88, "column": 110, "value": 110, "problem": 340, "severity": 70}
PROBLEM_ROWS = 10  # rows in view, the table scrolls for the rest


def show_row_problems(problems: pd.DataFrame, download: str | None = None) -> None:
    """An accounts file's row problems (``LoadedAccounts.problems``) as a table that shows each sentence whole.

    Parameters
    ----------
    problems : DataFrame
        ``row, account_id, column, value, problem, severity`` (those present are shown).
    download : str, optional
        The file name of the table's CSV download (see :func:`show_table`).
    """
    widths, row = PROBLEM_WIDTHS, wrapping_row_height(problems["problem"], PROBLEM_WIDTHS["problem"])
    show_table(
        problems, hide_index=True, width="stretch", row_height=row,
        height=table_height(min(len(problems), PROBLEM_ROWS), row),
        column_config={"row": st.column_config.NumberColumn("Line", width=widths["row"], help="The file's line, "
                                                            "as an editor numbers them (the header is line 1)"),
                       "account_id": labelled({"width": widths["account_id"]}, "Account id", None),
                       "column": labelled({"width": widths["column"]}, "Column", "The file's column or columns"),
                       "value": labelled({"width": widths["value"]}, "Value", "What the file holds there"),
                       "problem": labelled({"width": widths["problem"]}, "Problem", "What is wrong and how to fix it"),
                       "severity": labelled({"width": widths["severity"]}, "Severity",
                                            "skipped: the row is not on the map; warning: it is, a field ignored")},
        download=download,
    )  # fmt: skip
    if len(problems) > PROBLEM_ROWS:  # (the table's scroll bar shows only on hover: 10 of 11 read as all of them)
        # (problems, not rows: a row may have two, and "1,159 rows" stood beside "1,156 rows, 1,159 problems")
        st.caption(f"{PROBLEM_ROWS} of the {len(problems):,} problems in view: scroll the table for the others.")


def show_outside(outside: pd.DataFrame, download: str = "accounts_outside_every_region.csv") -> None:
    """The accounts whose points lie in no region, as the rows not placed are listed: named headings, a CSV.

    (Shown raw, its headings read ``account_id``, ``lat`` beside "Line", with no download, a new user's test.)
    """
    order = [c for c in ("row", "account_id", "name", "lat", "lon") if c in outside.columns]
    show_table(
        outside[order], hide_index=True, download=download,
        column_config={
            "row": st.column_config.NumberColumn("Line", help="The line of the file, as a text editor numbers it"),
            "account_id": "Account id", "name": "Name",
            "lat": st.column_config.NumberColumn("Latitude", format="%.5f"),
            "lon": st.column_config.NumberColumn("Longitude", format="%.5f"),
        },
    )  # fmt: skip
    st.caption(
        "Each point lies in none of the bundled regions (out at sea, or in a country the map does not hold): check "
        "its coordinates in the file."
    )


def _blanks_as_missing(data):
    """``data`` with empty text cells as missing (shown as the em dash, like None), in a copy when any."""
    if not isinstance(data, pd.DataFrame):
        return data
    text = [c for c in data.columns if pd.api.types.is_object_dtype(data[c]) or pd.api.types.is_string_dtype(data[c])]
    blank = [c for c in text if data[c].map(lambda v: isinstance(v, str) and not v.strip()).any()]
    if not blank:
        return data
    out = data.copy()
    for column in blank:
        out[column] = out[column].map(lambda v: None if isinstance(v, str) and not v.strip() else v).astype(object)
    return out


def _with_count_columns(data, column_config: dict) -> dict:
    """``column_config`` with a :func:`count_column` for each whole-number column given no format (or a label)."""
    config = dict(column_config)
    if isinstance(data, pd.DataFrame):
        for column in data.columns:
            setting = config.get(column)
            plain_setting = isinstance(setting, dict) and not setting.get("type_config")  # (a heading, help only)
            if (setting is None or isinstance(setting, str) or plain_setting) and pd.api.types.is_integer_dtype(
                data[column]
            ):
                if not str(column).lower().endswith(("id", "year", "version", "zip", "fips")):
                    config[column] = {**count_column(), **setting} if plain_setting else count_column(setting)
    return config


def labelled(config, label: str, about: str | None = None):
    """A table column's ``config`` (a ``st.column_config`` column, or None for the default) with a heading and help.

    A short heading keeps a wide table within the page; ``about`` (shown when the pointer rests on the heading)
    says the rest.
    """
    out = dict(config) if config else {}
    out["label"] = label
    if about:
        out["help"] = about
    return out


def count_column(label: str | None = None, **kwargs):
    """A table column of counts, with thousands separators (``1,031``)."""
    return st.column_config.NumberColumn(label, format=COUNT_FORMAT, **kwargs)


def _rounded_to_steps(data, column_config: dict):
    """``data`` with each percent column rounded to its step's decimals (a copy; the data itself is untouched)."""
    rounded = None
    for column, config in column_config.items():
        kind = config.get("type_config", {}) if isinstance(config, dict) else {}
        step = kind.get("step")
        if kind.get("format") != "percent" or not step or not isinstance(data, pd.DataFrame) or column not in data:
            continue
        if not pd.api.types.is_float_dtype(data[column]):
            continue
        rounded = data.copy() if rounded is None else rounded
        values, digits = rounded[column], max(round(-math.log10(step)), 0)
        near = values.round(digits) + 0.0  # (no "-0.0%")
        # A share that is not all does not read as 100% (as territory.formatting.percent says it): one step to its
        # side. A rep at 349 of 350 read "100%" on the Balance page beside "99.7%" on the Edit page, and "at
        # capacity" did not count him (a new user's test). (Near 0 the columns are deviations too: -0.004% is 0.0%.)
        off = near.eq(1.0) & values.ne(1.0) & values.notna()
        near = near.mask(off & (values < 1.0), 1.0 - step).mask(off & (values > 1.0), 1.0 + step)
        rounded[column] = near.round(digits) + 0.0
    return data if rounded is None else rounded


def show_input_error(error: InputDataError) -> None:
    """Show a bad-input message; the app goes on with what it had.

    The message is shown literally, as :func:`input_error_markdown` gives it (a file's name, a column's heading or a
    cell quoted in it is not read as Markdown); an error that gathers several problems (a plan file's) lists each.
    """
    st.error(f"**Could not use this file.** {input_error_markdown(error)}", icon="⚠️")


def input_error_markdown(error: Exception) -> str:
    """A bad-input message as Markdown that shows the file's text literally (see :func:`plain`).

    An error that gathers several problems (:meth:`territory.errors.InputDataError.gather`) reads as its first line
    and a list under it, an item for each problem (the first 20, then how many more), each naming its entry and field.
    """
    if not isinstance(error, InputDataError) or len(error.problems) == 1:
        return plain(str(error))
    return "\n".join([plain(error.headline), "", *(f"- {plain(line)}" for line in error.listed())])


def handoff_columns() -> dict:
    """Column headings and formats for a handoffs table (:attr:`territory.plan_diff.PlanDiff.handoffs`)."""
    return {
        "rep_id": st.column_config.TextColumn("Rep id"),
        "name": st.column_config.TextColumn("Rep"),
        "accounts_gained": st.column_config.NumberColumn("Accounts gained", format="%d"),
        "value_gained": money_column("Value gained"),
        "accounts_lost": st.column_config.NumberColumn("Accounts lost", format="%d"),
        "value_lost": money_column("Value lost"),
        "net_accounts": st.column_config.NumberColumn("Net accounts", format="%+d"),
    }


def author(default: str | None = None) -> str:
    """Who saves: the name given on the Plans page (kept across pages), else ``default``, else the login name."""
    name = str(st.session_state.get("author_name") or "").strip()
    if name:
        return name
    if default is not None:
        return default
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no user name on some systems (no USER variable, no password entry)
        return "manager"


def remember_author(box: str = "plan_author") -> None:
    """Keep the name typed in ``box`` (the Plans page's, or Rebalance's) for the other pages and across a reload.

    Streamlit drops a widget's value when its page is not shown; the name is kept apart, with the tab's settings
    (:func:`remember`), so a reload does not ask for it again (a new user's test: Accept was greyed out after one).
    """
    st.session_state["author_name"] = str(st.session_state.get(box) or "").strip()
    remember("author_name")


def named_account_moves(moves: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """The accounts changing territory or rep (:attr:`territory.plan_diff.PlanDiff.accounts`) with their names.

    Stored plans keep account ids only; the names come from the session's accounts (where it has them).
    """
    if "name" in moves.columns or "name" not in accounts.columns or not len(moves):
        return moves
    names = accounts.drop_duplicates("account_id").set_index("account_id")["name"]
    named = moves.copy()
    named.insert(1, "name", named["account_id"].map(names).astype(object))
    return named


def show_handoffs(table: pd.DataFrame) -> None:
    """A handoffs table (:attr:`territory.plan_diff.PlanDiff.handoffs`), with what its row without a rep means."""
    waiting = table[table["rep_id"].isna()]
    shown = table.assign(rep_id=table["rep_id"].astype(object).where(table["rep_id"].notna(), "—"))
    # Every row in view up to 20 (the waiting list, last, was below the table's own scroll with ten reps).
    show_table(shown, hide_index=True, column_config=handoff_columns(), height=35 * (min(len(shown), 20) + 1) + 3)
    if len(waiting):
        row = waiting.iloc[0]
        st.caption(waiting_list_caption(int(row["accounts_lost"]), int(row["accounts_gained"])))


def waiting_list_caption(served: int, left: int) -> str:
    """What the handoffs' row without a rep means: ``served`` accounts got a rep, ``left`` have none now.

    Examples
    --------
    >>> print(waiting_list_caption(3, 1))  # doctest: +NORMALIZE_WHITESPACE
    The row without a rep is the waiting list: 3 accounts that had no rep (waiting for one, or new) get one, and 1
    that had a rep has none now (its new territory's reps are full, it is now in no territory, or it left the data).
    With it, accounts gained equal accounts lost.
    """
    # (the reasons agree with the count too: "1 that had a rep has none now (their new territory's reps are full,
    # they are now in no territory, or they left the data)")
    why = verb(
        left,
        "its new territory's reps are full, it is now in no territory, or it left the data",
        "their new territory's reps are full, they are now in no territory, or they left the data",
    )
    return (
        f"The row without a rep is the waiting list: {counted(served, 'account')} that had no rep (waiting for one, or "
        f"new) {verb(served, 'gets', 'get')} one, and {left:,} that had a rep {verb(left, 'has', 'have')} none now "
        f"({why}). With it, accounts gained equal accounts lost."
    )


def coverage_map(
    engine: PlanState,
    *,
    height: int = 620,
    key: str = "coverage_map",
    show_accounts: bool = True,
    tiles: bool = False,
    returned_objects: list[str] | None = None,
    level: str = "state",
    edit: bool = False,
    view_key: str | None = None,
    nonce: int = 0,
    on_change=None,
    fit: tuple | None = None,
    selected: str | None = None,
):
    """Draw the coverage map (territories, gaps, white space, accounts) with st_folium, and its legend under it.

    The component's payload (the rendered map) is built once per plan, accounts and options and reused on
    later reruns, so an unchanged map costs almost nothing to redraw. Returns st_folium's dict, holding only
    ``returned_objects`` (none by default, so panning never reruns the script). ``edit`` adds every region as
    clickable and the drawing tools; ``view_key`` keeps the view across redraws; a new ``nonce`` redraws the
    map afresh (clearing a drawn shape). ``on_change`` runs after a map event is stored under ``key``. ``fit``:
    :func:`zoom_to`'s view and token, fitted once per token. ``selected``: a region outlined on the map (the one
    whose details are shown, :func:`geo.layers.region_highlight_script`); ``""`` outlines none, taking off the last.

    The legend (:func:`geo.layers.territory_legend_html`, names escaped) goes under the map, in as many columns as
    the width holds: in the map's corner it hid Europe West on the Overview at 1280 px and cut its entries' figures
    (a new user's test).
    """
    from geo.layers import territory_legend_html

    returned = tuple(returned_objects or ())
    payload = _map_payload(
        engine_token(), level, show_accounts, tiles, height, returned, key, edit, view_key, current_engine()
    )
    if nonce:
        # New layer text makes the browser swap the layers again (and clear a drawn shape).
        payload = {**payload, "feature_group": f"{payload['feature_group']}\n// redraw {nonce}"}
    if fit is not None:
        from geo.layers import fit_view_script

        payload = {**payload, "feature_group": payload["feature_group"] + fit_view_script(*fit, view_key or key)}
    if selected is not None:
        from geo.layers import region_highlight_script

        payload = {**payload, "feature_group": payload["feature_group"] + region_highlight_script(selected or None)}
    event = _draw_component(payload, key, on_change)
    legend = territory_legend_html(cached_coverage_layers(level).legend)
    if legend:
        st.html(legend)
    return event


ZOOM_MAIN, ZOOM_ALL = "\x00main", "\x00all"  # ("Zoom to" choices beside the territories: no territory id)


def zoom_to(key: str, engine: PlanState, level: str, *, container=None, on_change=None) -> tuple | None:
    """A "Zoom to" choice for a map: where most accounts are, all of them, or a territory; its view for ``fit``.

    Returns ``(bounds, token)`` for :func:`coverage_map`'s ``fit``, None without a view. The token is a count of
    the choices made (and of the fit button's clicks beside the box: choosing the entry already chosen is no
    change to Streamlit), kept across a reload: the map fits once per choice, and an edit, a reload or a territory
    merged away (its entry gives way to the first) keeps where the manager moved it. ``on_change`` runs with each
    choice too (the Edit page clears a drawn shape, which a redraw of the map's layers takes off the map).
    """
    from shapely.geometry import shape

    from geo.layers import account_view, shapes_view

    plan = engine.plan
    names = {t.territory_id: t.name for t in plan.territories}
    options = [ZOOM_MAIN, ZOOM_ALL, *names]
    setting(key, ZOOM_MAIN, options)
    rounds = f"{key}_round"
    remember(rounds)

    def count() -> int:  # (kept across a reload: read back as the page kept it, checked)
        made = st.session_state.get(rounds)
        return made if isinstance(made, int) else 0

    def chosen() -> None:
        st.session_state[rounds] = count() + 1
        if on_change is not None:
            on_change()

    # (short: "Where most accounts are" was cut to "Where most accounts ar" in the sidebar at 1280 px, a new user)
    labels = {ZOOM_MAIN: "Most accounts", ZOOM_ALL: "All accounts"}
    row = (container or st).columns([5, 1], gap="small", vertical_alignment="bottom")
    choice = row[0].selectbox(
        "Zoom to", options, key=key, on_change=chosen, format_func=lambda o: labels.get(o) or names.get(o, o),
        help="Fits the map to a territory (the part holding most of its area), to every account, or to the "
             "continent holding most accounts (as the map opens); the button beside it fits again. Pan and zoom "
             "freely after: edits keep the view.",
    )  # fmt: skip
    row[1].button(
        "", icon=":material/fit_screen:", key=f"{key}_again", on_click=chosen, help="Fit the map to the choice again"
    )
    accounts = engine.result
    if choice in labels:
        view = account_view(accounts["lon"], accounts["lat"], main=choice == ZOOM_MAIN, every=choice == ZOOM_ALL)
    else:
        outline = [shape(f["geometry"]) for f in cached_coverage_layers(level).outlines.get("features", [])
                   if f["properties"].get("territory_id") == choice]  # fmt: skip
        view = shapes_view(outline)
        if view is None:  # (a territory holding no region: where its accounts are)
            mine = accounts[accounts["territory_id"] == choice]
            view = account_view(mine["lon"], mine["lat"], every=True)
    if view is None:
        (container or st).caption(
            f"{plain(names[choice])} holds no region and no account yet: nothing to zoom to."
            if choice in names
            else "No account has a place on the map: nothing to zoom to."
        )
        return None
    return view, str(count())


@st.cache_resource(show_spinner=False)
def _selectable_geojson(level: str) -> str:
    from geo.editing import selectable_regions
    from geo.layers import geojson_text, to_geojson

    regions = to_geojson(selectable_regions(level), ["region_id", "label"], precision=3 if level == "county" else 4)
    return geojson_text(regions)


@st.cache_resource(show_spinner=False)
def _selectable_ids(level: str) -> frozenset:
    from geo.editing import selectable_regions

    return frozenset(selectable_regions(level)["region_id"])


def _build_coverage_map(
    engine: PlanState, level: str, show_accounts: bool, tiles: bool, edit: bool = False, view_key: str | None = None
):
    """The map's base (:func:`geo.layers.build_base_map`) and the plan's layer groups drawn over it."""
    base = _base_map(level, tiles, edit, view_key, _map_bounds(engine, main=view_key is not None))
    return base, _plan_groups(engine, level, show_accounts, edit)


def _base_map(level: str, tiles: bool, edit: bool, view_key: str | None, bounds, clicks: bool = False):
    """The part of the map no plan changes: land, and in edit mode the clickable regions and the drawing tools.

    ``clicks``: every click on a region is sent, counted (the Coverage map's details follow a region clicked again).
    """
    from geo.layers import build_base_map

    return build_base_map(
        bounds=bounds, tiles=tiles, selectable=_selectable_geojson(level) if edit else None, draw=edit,
        view_key=view_key, clicks=clicks,
    )  # fmt: skip


def _map_bounds(engine: PlanState, main: bool) -> tuple[float, float, float, float]:
    """The view a new map fits: where most accounts are (``main``: the continent holding most of them).

    The maps with "Zoom to" (:func:`zoom_to`) open on that continent: with accounts in Europe too the Coverage map
    opened on half the world, the US territories small and Hawaii mid-Pacific (a review). The Overview's map, with
    no such box, shows them all.
    """
    from geo.layers import account_view

    accounts = engine.result
    view = account_view(accounts["lon"], accounts["lat"], main=main) if len(accounts) else None
    return view or (-130.0, 20.0, 20.0, 62.0)


def _plan_groups(engine: PlanState, level: str, show_accounts: bool, edit: bool) -> list:
    """The plan's layer groups (:func:`geo.layers.coverage_groups`): what changes on the map after an edit."""
    from geo.layers import NO_TERRITORY_COLOR, account_points, aggregate_points, coverage_groups

    layers = cached_coverage_layers(level)
    accounts = engine.result
    colors = {t.territory_id: t.color for t in engine.plan.territories}
    tooltip = [
        ("name", "Account"),
        ("industry", "Industry"),
        ("tier", "Tier"),
        ("value", "Value"),
        ("why", "Unassigned because"),
    ]
    points = unassigned = None
    if show_accounts and len(accounts):
        fill = accounts["territory_id"].map(colors).fillna(NO_TERRITORY_COLOR)
        waiting = accounts[accounts["status"] == "unassigned"]
        if len(accounts) > POINT_LIMIT:
            points = aggregate_points(accounts, fill)
            unassigned = aggregate_points(waiting, fill[waiting.index]) if len(waiting) else None
        else:
            points = account_points(accounts, fill, tooltip_columns=tooltip[:4])
            if len(waiting):
                from territory.assignment import explain

                # (the sentence the Accounts page gives, not the reason's code "no-matching-territory")
                names = level_labels("county")
                keys = [c for c in ("reason", "reason_detail", "region_id", "territory_id", "industry", "tier")
                        if c in waiting]  # fmt: skip
                said: dict[tuple, str] = {}  # (one sentence per distinct case)
                why = []
                for row in waiting[keys].astype(object).where(waiting[keys].notna(), None).to_dict("records"):
                    key = tuple(row.values())
                    if key not in said:
                        said[key] = explain(engine.plan, row, names)
                    why.append(said[key])
                unassigned = account_points(waiting.assign(why=why), fill[waiting.index], tooltip_columns=tooltip)
    return coverage_groups(
        layers.regions, layers.outlines, points=points, gaps=layers.gaps, white_space=layers.white_space,
        unassigned_points=unassigned, labels=layers.labels, paint_over=_selectable_ids(level) if edit else None,
    )  # fmt: skip


_CAPTURE_LOCK = threading.Lock()
# What the map lets go of before the plan's new layers are drawn. st_folium's script takes the last plan's layers and
# layer control off the map, then runs ours; but every layer still stayed in reach, with its shapes and data (the
# browser's memory grew 12-13 MB a county-level edit, even with the demo's 5,000 accounts, until the page was left):
# - each layer pushes itself onto window.feature_group, which st_folium never empties;
# - Leaflet 1.9's collapsed layer control listens to the map's clicks (to fold itself) and keeps listening once
#   removed, holding every layer it listed.
# By the time ours runs both are off the map: it forgets them first.
FORGET_REMOVED_GROUPS = """
if (window.layer_control && window.map) { window.map.off("click", window.layer_control.collapse, window.layer_control); }
window.feature_group = [];
"""


def _component():
    """streamlit_folium's component function, read under the lock: :func:`_base_payload` swaps it for a moment."""
    import streamlit_folium

    with _CAPTURE_LOCK:
        return streamlit_folium._component_func


@st.cache_resource(show_spinner=False, max_entries=16)
def _map_payload(token, level, show_accounts, tiles, height, returned, key, edit, view_key, _state):
    """The arguments st_folium hands its component for this map: rendered once, reused on every rerun.

    st_folium renders the map (folium, then its own string processing) and passes strings to the component;
    we let it do exactly that, capture those arguments, and keep them (strings only). The plan's layers go in as
    st_folium's dynamic feature groups: when only they change (an edit, another level on the coverage page) the
    browser keeps its map and view and swaps the layers, instead of loading a new map; and here only they are
    written again (:func:`_groups_over`), over a base written once (:func:`_base_payload`).
    """
    bounds = _map_bounds(_state, main=view_key is not None)  # (the maps that keep their view have "Zoom to")
    payload, base = _base_payload(level, tiles, height, returned, key, edit, view_key, bounds)
    groups = _plan_groups(_state, level, show_accounts, edit)
    layers, control = _groups_over(base, groups)
    css, js = _asset_links(groups)  # (as st_folium lists them from the whole map: the base's, then the layers')
    return {
        **payload, "feature_group": layers, "layer_control": control,
        "css_links": list(dict.fromkeys([*payload["css_links"], *css])),
        "js_links": list(dict.fromkeys([*payload["js_links"], *js])),
    }  # fmt: skip


def _asset_links(elements) -> tuple[list[str], list[str]]:
    """The stylesheets and scripts (:mod:`geo.assets`, served locally) that these folium elements ask for."""
    import folium

    css: list[str] = []
    js: list[str] = []
    stack = list(elements)
    while stack:
        element = stack.pop(0)
        if isinstance(element, folium.elements.JSCSSMixin):
            css.extend(href for _, href in getattr(element, "default_css", []))
            js.extend(src for _, src in getattr(element, "default_js", []))
        stack[:0] = list(getattr(element, "_children", {}).values())
    return css, js


def _groups_over(base, groups: list) -> tuple[str, str]:
    """st_folium's ``feature_group`` and ``layer_control`` texts for ``groups`` over a base map it has written.

    Written as st_folium writes them with the whole map (it adds them to the map to name their parent); the kept
    base map is then put back as it was, so that it serves the next plan's layers unchanged.
    """
    import folium
    import streamlit_folium

    with _CAPTURE_LOCK:
        root = base.get_root()
        kept = [(part, dict(part._children)) for part in (base, root, root.header, root.html, root.script)]
        try:
            layers = FORGET_REMOVED_GROUPS + "".join(
                streamlit_folium._get_feature_group_string(group, map=base, idx=i) for i, group in enumerate(groups)
            )
            control = streamlit_folium._get_layer_control_string(folium.LayerControl(collapsed=True), base)
        finally:
            for part, children in kept:
                part._children.clear()
                part._children.update(children)
    return layers, control


@st.cache_resource(show_spinner=False, max_entries=8)
def _base_payload(level, tiles, height, returned, key, edit, view_key, bounds) -> tuple[dict, object]:
    """st_folium's arguments for the map without the plan's layers, and the rendered base map (kept for them).

    The base (land, the clickable regions at county level: megabytes of script) is the same for every plan:
    rendered, written and hashed once, not after every edit.
    """
    import streamlit_folium

    base = _base_map(level, tiles, edit, view_key, bounds, clicks="last_active_drawing" in returned)
    captured: dict = {}
    with _CAPTURE_LOCK:
        real = streamlit_folium._component_func
        streamlit_folium._component_func = lambda **kwargs: captured.update(kwargs)
        try:
            streamlit_folium.st_folium(
                base, height=height, use_container_width=True, returned_objects=list(returned), key=key
            )
        finally:
            streamlit_folium._component_func = real
    captured.pop("on_change", None)
    return captured, base


def _draw_component(payload: dict, key: str, callback=None):
    def on_change():
        # Tag the value with the map that sent it: the same click on a redrawn map is a new event.
        st.session_state[key] = {**(st.session_state.get(payload["key"]) or {}), "map": payload["key"]}
        if callback is not None:
            callback()

    # (read under the lock: another session drawing its map while a base was captured got the stand-in, nothing
    # back and no map for that run, a review)
    return _component()(**payload, on_change=on_change)


def region_details(engine: PlanState, region_id: str) -> dict:
    """What the details panel shows for a clicked state, province or country."""
    from geo.boundaries import region_table
    from geo.coverage import display_region_of

    accounts = engine.result
    table = region_table().set_index("region_id")
    level = "county" if table["level"].get(region_id) == "county" else "state"
    shown = display_region_of(accounts["region_id"], level)
    inside = accounts[(shown == region_id).to_numpy()]
    # The region and every region above it (a Puerto Rico county: US-PR, PR, US), from the cached ancestor map.
    lineage = {region_id} | {ancestor for ancestor, _ in _regions()[1].get(region_id, [])}
    claims = [t for t in engine.plan.territories if lineage & set(t.region_ids)]
    space = cached_coverage_layers().white_space_table
    potential = None
    if space is not None and len(space) and region_id in set(space["region_id"]):
        potential = space.set_index("region_id").loc[region_id]
    return {
        "region_id": region_id,
        "name": table["label"].get(region_id, region_id),
        "territories": claims,
        "accounts": inside,
        "potential": potential,
    }


@st.cache_resource(show_spinner=False, max_entries=8)
def _edit_context(token: str, level: str, _state: PlanState) -> dict:
    return _context_of(_state, level, with_regions=True)


def _context_of(state: PlanState, level: str, *, with_regions: bool) -> dict:
    from geo.editing import accounts_by_region, region_holders, territory_pieces

    labels, options = _level_regions(level)
    holders = region_holders(state.plan, level)
    out = {
        "holders": holders,
        "parts": territory_pieces(state.plan, level),  # (the regions apart named in warnings)
        "labels": labels,
        "options": options,
    }
    if with_regions:
        out["regions"] = accounts_by_region(state.result, level)
    return out


@st.cache_resource(show_spinner=False)
def _level_regions(level: str) -> tuple[dict, list]:
    """Labels of every region id, and the clickable regions of a level sorted by label (the same for every plan)."""
    from geo.editing import selectable_regions

    table, selectable = region_table(), selectable_regions(level)
    labels = dict(zip(table["region_id"], table["label"], strict=True))
    labels.update(dict(zip(selectable["region_id"], selectable["label"], strict=True)))
    options = sorted(selectable["region_id"], key=lambda r: (labels.get(r, r), r))
    return labels, options


def level_labels(level: str) -> dict:
    """Region id → readable label for every region (cached; the level picks the county or state labels)."""
    return _level_regions(level)[0]


def edit_context(level: str, state: PlanState | None = None) -> dict:
    """What the editor needs about a state at a map level (cached for the states of the edit history).

    ``holders`` (region -> territory), ``parts`` (territory -> number of separate parts), ``labels``,
    ``options`` (clickable regions) and, for the current state, ``regions`` (accounts and value per region).
    """
    state = state if state is not None else current_engine()
    if state is current_engine():
        return _edit_context(engine_token(), level, state)
    token = st.session_state.get("edit_tokens", {}).get(id(state))
    if token:
        return _edit_context("edit:" + token, level, state)
    return _context_of(state, level, with_regions=False)


def plan_slug(plan: Plan) -> str:
    """A file name stem from the plan's name (whole words; a date and time in it whole, to the minute)."""
    return file_stem(plan.name, limit=80)  # (at 60, "…-new-territory-2026-12-03-2342" lost its name, Rockies)


def download_stem(plan: Plan) -> str:
    """:func:`plan_slug` with the version open: ``…-v2``, and ``…-v2-edited`` with unsaved changes.

    Files downloaded from two versions of one plan had the same names, and one overwrote the other (the tenth new
    user's test: the Salesforce files of v1 and v2, 2,150 and 2,322 rows).
    """
    where = stored_plan()
    if where is None:
        return plan_slug(plan)
    return f"{plan_slug(plan)}-v{where[1]}" + ("-edited" if unsaved_changes() else "")


@st.cache_data(show_spinner=False, max_entries=8)
def _plan_zip(plan_json: str, assignments_key: str | None, _assigned: pd.DataFrame | None,
              based_on: tuple[int, int, str] | None) -> bytes:  # fmt: skip
    import io
    import zipfile

    from geo.coverage import territories_geojson
    from territory.plan_files import plan_folder_texts

    plan = _plan_from_json(plan_json)
    texts = plan_folder_texts(plan, territories_geojson(plan), _assigned, based_on)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in texts.items():
            archive.writestr(f"{plan_slug(plan)}/{name}", text)
    return buffer.getvalue()


def plan_folder_zip(plan: Plan, assigned: pd.DataFrame | None = None, *, token: str | None = None,
                    based_on: tuple[int, int, str] | None = None) -> bytes:  # fmt: skip
    """The plan folder (see :mod:`territory.plan_files`) as a zip, for download.

    ``assigned``: the session's assignment, written as ``assignments.csv`` (who has each account), so that the
    folder read by ``cli.py`` keeps the reps this session shows. ``token``: what identifies that assignment
    (:func:`engine_token`), so a rerun finds the zip built without hashing 5,000 rows again. ``based_on``: the
    stored version the plan was opened from (:func:`stored_origin`), written in plan.yaml.
    """
    key, columns = None, None
    if assigned is not None:
        columns = assigned[["account_id", "territory_id", "rep_id"]].astype(object)
        columns = columns.where(columns.notna(), None)
        key = token or hashlib.sha1(pd.util.hash_pandas_object(columns, index=False).to_numpy().tobytes()).hexdigest()
    return _plan_zip(json.dumps(plan.to_dict()), key, columns, based_on)


def stored_origin() -> tuple[int, int, str] | None:
    """The stored version the session's plan came from, ``(plan, version, saved at)``, for a plan folder's plan.yaml.

    The time it was saved tells this database's plan 3 from another's when the folder is opened again
    (:func:`stored_version_of_folder`).
    """
    where = stored_plan()
    if where is None:
        return None
    saved = st.session_state.setdefault("saved_at_memo", {})  # (versions never change: read once a session)
    if where not in saved:
        try:
            saved[where] = plan_store().load(*where).created_at.isoformat(timespec="seconds")
        except Exception:  # (deleted meanwhile: the folder says nothing of where it came from)
            return None
    return (*where, saved[where])


def stored_version_of_folder(origin: tuple[int, int, str] | None):
    """The stored version a plan folder's ``based_on`` names, when this database holds it (same time saved)."""
    if origin is None:
        return None
    try:
        version = plan_store().load(origin[0], origin[1])
    except Exception:  # (not in this database: another laptop's plan 3, or deleted)
        return None
    return version if version.created_at.isoformat(timespec="seconds") == origin[2] else None


def read_plan_zip(
    data: bytes, filename: str, notes: list[str] | None = None
) -> tuple[Plan, pd.Series | None, tuple[int, int, str] | None]:
    """A plan from an uploaded zip of a plan folder, with what the folder says beside it.

    Returns the plan, the reps its ``assignments.csv`` kept (account id → rep id, or None) and the stored version
    it was written from (plan.yaml's ``based_on``, see :func:`territory.plan_files.read_folder_origin`, or None).
    Lines of ``assignments.csv`` skipped (a rep the plan does not have, an account listed again) are said in ``notes``.
    plan.yaml may be at the zip's root or in one folder. ``notes`` gets what was said on reading it (see
    :func:`territory.plan_files.read_plan_folder`) and the regions the bundled boundaries do not have
    (:func:`geo.boundaries.unknown_regions_warning`), each naming the zip.
    """
    import io
    import tempfile
    import zipfile
    from pathlib import PurePosixPath

    from territory.plan_files import read_folder_assignments, read_folder_origin, read_plan_folder
    from territory.textfiles import zip_member_parts, zip_members

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputDataError(
            "is not a zip file", source=filename, hint="Upload the zip the Plans page downloads"
        ) from None
    with archive, tempfile.TemporaryDirectory() as folder:
        heads = [n for n in archive.namelist() if PurePosixPath(n).name == "plan.yaml"]
        if not heads:
            raise InputDataError("has no plan.yaml", source=filename, hint="Zip the folder cli.py export-plan wrote")
        root = PurePosixPath(heads[0]).parent

        def wanted(name: str) -> bool:
            path = PurePosixPath(name)
            # (no drive letter or backslash: on Windows "C:\\x.csv" would be a path of its own, not a name)
            plain_name = zip_member_parts(path.name) == [path.name]
            return (
                path.parent == root and path.name.endswith((".yaml", ".csv")) and ".." not in path.parts and plain_name
            )

        # (within a bound: a 1 MB zip unpacked to 6 GB in memory, a security review)
        for name, content in zip_members(archive, filename, wanted):
            (Path(folder) / PurePosixPath(name).name).write_bytes(content)
        said: list[str] = []
        try:
            plan = read_plan_folder(folder, said)
            reps = read_folder_assignments(folder, plan, said)
            origin = read_folder_origin(folder, said)
        except InputDataError as error:  # named by the zip and its file, not the temporary folder it was read from
            raise _in_zip(error, filename, Path(folder)) from None
    unknown = unknown_regions_warning(plan)
    if notes is not None:
        notes.extend(f"{filename}: {note}" for note in [*said, *([unknown] if unknown else [])])
    return plan, reps, origin


def _in_zip(error: InputDataError, filename: str, folder: Path) -> InputDataError:
    """``error`` (of a plan folder read from ``folder``, a temporary folder) with each problem named by the zip.

    "tmpw_fn5zg4/plan.yaml, rep 1 …" reads "badrep.zip/plan.yaml, rep 1 …"; "alignment.csv, line 3 …" reads
    "badrep.zip/alignment.csv, line 3 …".
    """

    def named(source: str | None) -> str:
        inside = str(source or "")
        for where in (str(folder), folder.name):  # (the folder's path, or its name)
            inside = "" if inside == where else inside.removeprefix(f"{where}/")
        return f"{filename}/{inside}" if inside else filename

    def moved(problem: InputDataError) -> InputDataError:
        return type(problem)(problem.problem, source=named(problem.source), row=problem.row, column=problem.column,
                    hint=problem.hint)  # fmt: skip

    if len(error.problems) == 1:
        return moved(error.problems[0])
    return type(error).gather([moved(p) for p in error.problems], source=named(error.source) if error.source else None)


def plain(text: str) -> str:
    r"""User text (territory names) shown literally where Streamlit would read Markdown.

    Markdown characters are escaped, and a zero-width space goes into what the browser would turn into a link by
    itself (``http://…``, ``www.…``). An e-mail address (a rep's HubSpot owner) is shown as code: no ``mailto:``
    link either, and copied as written (a zero-width space after its ``@`` went into HubSpot with it, a review;
    a backslash before the ``@`` does not stop the link: Streamlit finds addresses after reading escapes).

    Examples
    --------
    >>> print(plain("Owner ann@acme.com *now*"))
    Owner `ann@acme.com` \*now\*
    """
    import re

    def escaped(part: str) -> str:
        part = re.sub(r"([\\`*_{}\[\]()#+!|$~:<>-])", r"\\\1", part)
        part = re.sub(r"(?i)\b(https?|ftp|mailto)\\:", lambda m: m.group(0) + "\u200b", part)
        return re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:3] + "\u200b.", part)

    # (what GitHub-flavoured Markdown links as an address, and more: \w here takes letters beyond ASCII too)
    text, shown, last = str(text), [], 0
    for address in re.finditer(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", text):
        shown += [escaped(text[last : address.start()]), f"`{address.group(0)}`"]
        last = address.end()
    return "".join([*shown, escaped(text[last:])])


def cut_short_said(searched: str, many: bool, allowed: float, took: float) -> str:
    """What a search the clock cut short says under its proposal: all its time used, or a step shortened to fit it.

    A search can end well inside its time with a step cut to fit (the border annealing's last stretches): "used all
    its 2 s" stood under one that took 0.9 s (a review).
    """
    their = "their" if many else "its"
    if took < 0.9 * allowed:
        return (f"{searched} cut a step short to end within {their} {allowed:g} s (it took {took:.1f} s), so proposing "
                "again may give a different plan (the machine's pace, not the settings, decided it).")  # fmt: skip
    return (f"{searched} used all {their} {allowed:g} s, so proposing again may give a different plan (the clock, not "
            "the settings, ended it).")  # fmt: skip
