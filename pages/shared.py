"""State and cached loaders shared by the pages (the only place that touches st.session_state keys).

Cached results are shared by every session (st.cache_resource, no copy per call): treat them as read-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.accounts import read_accounts
from geo.boundaries import region_table
from geo.coverage import coverage_layers
from geo.join import join_accounts
from territory import InputDataError, Plan, account_territories, load_plan, plan_from_dict

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_ACCOUNTS = DEMO_DIR / "accounts.csv"
DEMO_PLAN = DEMO_DIR / "plan.json"


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


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_accounts(data: bytes, filename: str, swap_lat_lon: bool) -> LoadedAccounts:
    load = read_accounts(data, filename=filename, swap_lat_lon=swap_lat_lon)
    joined = join_accounts(load.accounts)
    rows = len(load.accounts) + int((load.problems["severity"] == "skipped").sum())
    return LoadedAccounts(
        source=filename,
        rows=rows,
        accounts=joined.accounts,
        problems=load.problems,
        outside=joined.outside,
        notes=load.notes + joined.notes,
        swapped=joined.swapped,
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _plan_from_json(plan_json: str) -> Plan:
    return plan_from_dict(json.loads(plan_json), source="plan")


def init_state() -> None:
    """Demo plan and demo accounts, unless the user has loaded others in this session."""
    if "plan_json" not in st.session_state:
        st.session_state["plan_json"] = json.dumps(load_plan(DEMO_PLAN).to_dict())
    st.session_state.setdefault("accounts_file", ("accounts.csv (demo)", DEMO_ACCOUNTS.read_bytes()))
    st.session_state.setdefault("swap_lat_lon", False)


def current_plan() -> Plan:
    """The plan of this session."""
    init_state()
    return _plan_from_json(st.session_state["plan_json"])


def set_plan(plan: Plan) -> None:
    """Replace the session's plan."""
    st.session_state["plan_json"] = json.dumps(plan.to_dict())


def current_accounts() -> LoadedAccounts:
    """The session's accounts, joined to regions and to the plan's territories."""
    init_state()
    filename, data = st.session_state["accounts_file"]
    loaded = _load_accounts(data, filename, st.session_state["swap_lat_lon"])
    return loaded


def set_accounts(filename: str, data: bytes, *, swap_lat_lon: bool = False) -> LoadedAccounts:
    """Load an uploaded CSV; on a file-level error nothing in the session changes and the error is raised."""
    loaded = _load_accounts(data, filename, swap_lat_lon)
    st.session_state["accounts_file"] = (filename, data)
    st.session_state["swap_lat_lon"] = swap_lat_lon
    return loaded


@st.cache_resource(show_spinner=False, max_entries=8)
def accounts_with_territories(plan_json: str, filename: str, data: bytes, swap: bool) -> pd.DataFrame:
    """Joined accounts with the territory whose regions hold them."""
    plan = _plan_from_json(plan_json)
    accounts = _load_accounts(data, filename, swap).accounts
    return accounts.join(account_territories(accounts, plan, region_table()))


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_coverage_layers(plan_json: str, filename: str, data: bytes, swap: bool):
    """The map's GeoJSON and legend for this plan and these accounts (cached: built once per change)."""
    plan = _plan_from_json(plan_json)
    return coverage_layers(plan, accounts_with_territories(plan_json, filename, data, swap))


def state_key() -> tuple[str, str, bytes, bool]:
    """Arguments identifying the current plan + accounts for the cached functions."""
    init_state()
    filename, data = st.session_state["accounts_file"]
    return st.session_state["plan_json"], filename, data, st.session_state["swap_lat_lon"]


def show_input_error(error: InputDataError) -> None:
    """Show a bad-input message; the app goes on with what it had."""
    st.error(f"**Could not use this file.** {error}", icon="⚠️")
