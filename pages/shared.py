"""State and cached loaders shared by the pages (the only place that touches st.session_state keys).

Cached results are shared by every session (st.cache_resource, no copy per call): treat them as read-only.
The domain state of a session is three keys no widget owns: ``plan_json`` (the plan), ``accounts_file``
(name and bytes of the accounts CSV) and ``accounts_options`` (column mapping, swapped coordinates).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.accounts import read_accounts
from geo.boundaries import region_table
from geo.coverage import coverage_layers
from geo.join import locate_accounts
from territory import InputDataError, Plan, load_plan, plan_from_dict
from territory.assignment import ancestor_map
from territory.edits import PlanState, start
from territory.scoring import score_accounts

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


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_accounts(data: bytes, filename: str, options_json: str) -> LoadedAccounts:
    options = json.loads(options_json)
    load = read_accounts(
        data, filename=filename, column_map=options.get("column_map") or None, swap_lat_lon=options.get("swap", False)
    )
    located = locate_accounts(load.accounts)
    rows = len(load.accounts) + int((load.problems["severity"] == "skipped").sum())
    return LoadedAccounts(
        source=filename,
        rows=rows,
        accounts=located.accounts,
        problems=load.problems,
        outside=located.outside,
        notes=load.notes + located.notes,
        swapped=located.swapped,
        column_map=load.column_map,
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _plan_from_json(plan_json: str) -> Plan:
    return plan_from_dict(json.loads(plan_json), source="plan")


@st.cache_resource(show_spinner=False)
def _regions() -> tuple[pd.DataFrame, dict]:
    regions = region_table()
    return regions, ancestor_map(regions)


@st.cache_resource(show_spinner=False, max_entries=8)
def _engine(plan_json: str, filename: str, data: bytes, options_json: str) -> PlanState:
    plan = _plan_from_json(plan_json)
    accounts = _load_accounts(data, filename, options_json).accounts
    scores = score_accounts(accounts, plan.settings.scoring)
    accounts = accounts.assign(score=scores["score"].to_numpy(), activation_tier=scores["activation_tier"].to_numpy())
    regions, _ = _regions()
    return start(plan, accounts, regions)


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


def init_state() -> None:
    """Demo plan and demo accounts, unless the user has loaded others in this session."""
    ensure_app_navigation()
    if "plan_json" not in st.session_state:
        st.session_state["plan_json"] = json.dumps(load_plan(DEMO_PLAN).to_dict())
    st.session_state.setdefault("accounts_file", (DEMO_NAME, DEMO_ACCOUNTS.read_bytes()))
    st.session_state.setdefault("accounts_options", json.dumps({"column_map": None, "swap": False}))


def state_key() -> tuple[str, str, bytes, str]:
    """Arguments identifying the current plan + accounts for the cached functions."""
    init_state()
    filename, data = st.session_state["accounts_file"]
    return st.session_state["plan_json"], filename, data, st.session_state["accounts_options"]


def current_plan() -> Plan:
    """The plan of this session."""
    init_state()
    return _plan_from_json(st.session_state["plan_json"])


def set_plan(plan: Plan) -> None:
    """Replace the session's plan."""
    st.session_state["plan_json"] = json.dumps(plan.to_dict())


def current_accounts() -> LoadedAccounts:
    """The session's accounts, located in regions."""
    _, filename, data, options = state_key()
    return _load_accounts(data, filename, options)


def current_engine() -> PlanState:
    """The session's plan with every account assigned (cached per plan and accounts)."""
    return _engine(*state_key())


def set_accounts(filename: str, data: bytes, *, column_map: dict | None = None, swap: bool = False) -> LoadedAccounts:
    """Load a CSV; on a file-level error nothing in the session changes and the error is raised."""
    options = json.dumps({"column_map": column_map, "swap": swap}, sort_keys=True)
    loaded = _load_accounts(data, filename, options)
    st.session_state["accounts_file"] = (filename, data)
    st.session_state["accounts_options"] = options
    return loaded


@st.cache_resource(show_spinner=False, max_entries=8)
def _coverage(plan_json: str, filename: str, data: bytes, options_json: str, level: str):
    engine = _engine(plan_json, filename, data, options_json)
    return coverage_layers(engine.plan, engine.result, level)


def cached_coverage_layers(level: str = "state"):
    """The map's GeoJSON and legend for this plan and these accounts (built once per change and level)."""
    return _coverage(*state_key(), level)


POINT_LIMIT = 20_000  # above this many accounts the map shows one sized circle per region


def show_input_error(error: InputDataError) -> None:
    """Show a bad-input message; the app goes on with what it had."""
    st.error(f"**Could not use this file.** {error}", icon="⚠️")


def money(value: float) -> str:
    """``1234567`` -> ``$1.23M`` for KPI cards."""
    if value != value:  # NaN
        return "—"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:,.2f}{suffix}"
    return f"${value:,.0f}"


def coverage_map(
    engine: PlanState,
    *,
    height: int = 620,
    key: str = "coverage_map",
    show_accounts: bool = True,
    tiles: bool = False,
    returned_objects: list[str] | None = None,
    level: str = "state",
):
    """Draw the coverage map (territories, gaps, white space, accounts, legend) with st_folium.

    The component's payload (the rendered map) is built once per plan, accounts and options and reused on
    later reruns, so an unchanged map costs almost nothing to redraw. Returns st_folium's dict, holding only
    ``returned_objects`` (none by default, so panning never reruns the script).
    """
    returned = tuple(returned_objects or ())
    payload = _map_payload(*state_key(), level, show_accounts, tiles, height, returned, key)
    return _draw_component(payload, key)


def _build_coverage_map(engine: PlanState, level: str, show_accounts: bool, tiles: bool):
    import numpy as np

    from geo.layers import NO_TERRITORY_COLOR, account_points, aggregate_points, build_coverage_map

    layers = cached_coverage_layers(level)
    accounts = engine.result
    colors = {t.territory_id: t.color for t in engine.plan.territories}
    tooltip = [
        ("name", "Account"),
        ("industry", "Industry"),
        ("tier", "Tier"),
        ("value", "Value"),
        ("reason", "Unassigned because"),
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
                unassigned = account_points(waiting, fill[waiting.index], tooltip_columns=tooltip)
    if len(accounts):
        lat, lon = accounts["lat"].to_numpy(dtype=float), accounts["lon"].to_numpy(dtype=float)
        bounds = (np.nanquantile(lon, 0.01), np.nanquantile(lat, 0.01), np.nanquantile(lon, 0.99),
                  np.nanquantile(lat, 0.99))  # fmt: skip
    else:
        bounds = (-130.0, 20.0, 20.0, 62.0)
    return build_coverage_map(
        layers.regions, layers.outlines, layers.legend, points=points, bounds=bounds, tiles=tiles,
        gaps=layers.gaps, white_space=layers.white_space, unassigned_points=unassigned, labels=layers.labels,
    )  # fmt: skip


_CAPTURE_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=16)
def _map_payload(plan_json, filename, data, options_json, level, show_accounts, tiles, height, returned, key):
    """The arguments st_folium hands its component for this map: rendered once, reused on every rerun.

    st_folium renders the map (folium, then its own string processing) and passes strings to the component;
    we let it do exactly that once, capture those arguments, and keep them (strings only, no folium objects).
    """
    import streamlit_folium

    engine = _engine(plan_json, filename, data, options_json)
    fmap = _build_coverage_map(engine, level, show_accounts, tiles)
    captured: dict = {}
    with _CAPTURE_LOCK:
        real = streamlit_folium._component_func
        streamlit_folium._component_func = lambda **kwargs: captured.update(kwargs)
        try:
            streamlit_folium.st_folium(
                fmap, height=height, use_container_width=True, returned_objects=list(returned), key=key
            )
        finally:
            streamlit_folium._component_func = real
    captured.pop("on_change", None)
    return captured


def _draw_component(payload: dict, key: str):
    import streamlit_folium

    def on_change():
        st.session_state[key] = st.session_state.get(payload["key"], {})

    return streamlit_folium._component_func(**payload, on_change=on_change)


def region_details(engine: PlanState, region_id: str) -> dict:
    """What the details panel shows for a clicked state, province or country."""
    from geo.boundaries import region_table
    from geo.coverage import display_region_of

    accounts = engine.result
    table = region_table().set_index("region_id")
    level = "county" if table["level"].get(region_id) == "county" else "state"
    shown = display_region_of(accounts["region_id"], level)
    inside = accounts[(shown == region_id).to_numpy()]
    lineage = {region_id, table["parent_id"].get(region_id)}
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
