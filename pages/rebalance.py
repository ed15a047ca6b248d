"""Propose a rebalance: balanced, contiguous territories that move as few accounts as possible.

The proposal is shown as a diff and kept only when accepted (as a new draft plan).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from geo.boundaries import (
    describe_regions,
    region_label,
    region_labels,
    region_lineage,
    unknown_regions_warning,
)
from geo.editing import whole_state_claims
from pages.shared import (
    CELL_PADDING,
    CHARACTER_WIDTH,
    KEPT_SETTINGS,
    TABLE_HEADER,
    and_list,
    author,
    counted,
    current_engine,
    cut_short_said,
    deviation,
    deviation_digits,
    engine_token,
    keep_settings,
    level_labels,
    level_radio,
    money,
    money_column,
    named_account_moves,
    near_mean,
    open_version,
    percent,
    percent_column,
    plain,
    plan_store,
    push_state,
    remember,
    remember_author,
    score,
    session_edits,
    setting,
    show_handoffs,
    show_table,
    stored_plan,
    table_height,
    unsaved_changes,
    verb,
    wait_for_search,
    wrapping_row_height,
)
from territory.exports import spreadsheet_csv
from territory.impact import edit_impact
from territory.plan_diff import diff_plans, grouped_by_claim
from territory.rebalance import (
    NEW_TERRITORY_WITHIN_KM,
    assign_proposal,
    describe_coarse,
    describe_hemmed,
    describe_pieces,
    describe_split_best,
    draft_name,
    far_from_home,
    farthest_from_home,
    into_new_countries,
    judge_territories,
    largest_deviation,
    leaving_shortfall,
    taken_far_from_home,
)

# The reps' table at 1280 px, in an expander ~786 px wide: the territory, then who covers it now and after.
STAFFING_WIDTHS = {"territory": 320, "reps": 230}
KEPT_CAPACITY = "reb_new_capacity_kept"  # (the new rep's capacity, kept across pages and a reload)
PROPOSAL_SHOWN = "reb_proposal_shown"  # (when the proposal shown was made, kept across a reload: said lost after it)
SEARCH_BEGAN = "reb_search_began"  # (when a search began, kept across a reload until it ends: see _propose)
METRICS = {"workload": "Workload", "accounts": "Accounts", "value": "Value", "population": "Population (potential)"}
MOST_TERRITORIES = (
    250  # ("Another number of territories": a plan of 64 territories could not be redrawn at 64 under 60)
)


class _Notes:
    """A proposal's explanations, kept to be said together in one box under its figures.

    Said one by one, about twenty paragraphs stood between the headline figures and Accept, and the next step was
    hard to find (a new user's test). What asks for action before accepting (accounts left in no territory or
    waiting, a territory far over its share) is still said at once, above the box.
    """

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str | list[str]]] = []

    def info(self, topic: str, text: str) -> None:
        self.items.append(("info", topic, text))

    def warning(self, topic: str, text: str) -> None:
        self.items.append(("warning", topic, text))

    def bullets(self, topic: str, heading: str, sentences: list[str]) -> None:
        self.items.append(("bullets", topic, [heading, *sentences]))

    def show(self) -> None:
        """One box, its label naming what it holds (the topics in the order said)."""
        if not self.items:
            return
        topics = list(dict.fromkeys(topic for _, topic, _ in self.items))
        label = f"Notes on this proposal ({len(self.items)}): {', '.join(topics)}"
        with st.expander(label):
            for kind, _, text in self.items:
                if kind == "bullets":  # (a heading, then one line each: dozens with many territories)
                    st.markdown(f"**{text[0]}**")
                    for sentence in text[1:]:
                        st.markdown(f"- {sentence}")
                else:
                    getattr(st, kind)(text)


engine = current_engine()
plan = engine.plan
st.title("Rebalance")
st.caption(
    "The optimizer proposes territories balanced on the metrics you pick (within the tolerance, or as close as "
    "the largest region allows), every territory in one piece, compact, and moving as few accounts as it can. "
    "Nothing changes until you accept the proposal as a new draft plan."
)
unknown = unknown_regions_warning(plan)
if unknown:  # (left out of the rebalance: they were drawn anew as a territory of their own, a new user's test)
    st.warning(plain(f"{unknown[:1].upper()}{unknown[1:]}. A rebalance leaves them out."))

with st.sidebar:
    st.subheader("Rebalance")
    level = level_radio("reb_level")

territory_ids = [t.territory_id for t in plan.territories]
names = {t.territory_id: t.name for t in plan.territories}
# (across the page: in a column, pills and multiselect tags scroll out of sight with three or four picked)
# Every setting starts from what was chosen the last time the page was shown (Streamlit forgets a widget's value
# on other pages; a proposal on screen can then still be accepted after a look elsewhere).
setting("reb_metrics", ["workload", "value"], METRICS)
metrics = st.pills("Balance on", list(METRICS), selection_mode="multi", key="reb_metrics", format_func=METRICS.get)
form = st.columns(3)
setting("reb_scenario", "rebalance", ["rebalance", "rep_leaves", "rep_joins", "territories"])
scenario = form[0].radio(
    "Scenario", ["rebalance", "rep_leaves", "rep_joins", "territories"], key="reb_scenario",
    format_func={"rebalance": "Rebalance the current territories", "rep_leaves": "A rep leaves",
                 "rep_joins": "A new rep joins (a new territory)", "territories": "Another number of territories"}.get,
)  # fmt: skip
# A metric may have its own tolerance (value looser than workload, say); empty: the slider's.
# (kept apart from the widgets, which Streamlit forgets while a metric is not picked)
kept_tolerances = st.session_state.setdefault("reb_tol_kept", {})
if not isinstance(kept_tolerances, dict):  # (as a reload gives it back: checked)
    kept_tolerances = st.session_state["reb_tol_kept"] = {}
remember("reb_tol_kept")  # (and across a reload)
for m in metrics or ["workload"]:
    was = kept_tolerances.get(m)
    if f"reb_tol_{m}" not in st.session_state and isinstance(was, int) and not isinstance(was, bool) and 1 <= was <= 50:
        st.session_state[f"reb_tol_{m}"] = was
# The tolerances set per metric, said on the form: set in the expander and collapsed, they stayed in use while the
# slider read 5 and nothing said so (a new user's test).
own = {m: st.session_state.get(f"reb_tol_{m}") for m in metrics or ["workload"]}
own = {m: v for m, v in own.items() if v is not None}
shared_for = [METRICS.get(m, m).split(" (")[0].lower() for m in metrics or ["workload"] if m not in own]
setting("reb_tolerance", 5, range(1, 26))
tolerance = form[1].slider(
    "Tolerance (±% of the mean)" if not own
    else f"Tolerance for {' and '.join(shared_for)} (±% of the mean)" if shared_for
    else "Tolerance (±% of the mean): not in use, each metric has its own", 1, 25, key="reb_tolerance",
    format="±%d%%",  # (as the Balance page's slider shows its band: "5" alone read as a count, a review)
    disabled=bool(own) and not shared_for,
    help="Each metric picked has its own tolerance (Tolerance per metric): clear them there to use this one"
    if own and not shared_for else "±1% to ±25% here, for every metric; up to ±50% for a metric of its own under "
    "Tolerance per metric, as cli.py rebalance --tolerance allows",
) / 100  # fmt: skip
# (under the slider, not in the box's label, in a slot always there: a label that changes, or an element put before
# the box, closed it at each figure typed)
in_use = form[1].empty()
if own:
    in_use.caption("Per metric, in use: "
                    + ", ".join(f"{METRICS.get(m, m).split(' (')[0].lower()} ±{v}%" for m, v in own.items())
                    + " (Tolerance per metric, below)")  # fmt: skip
with form[1].expander("Tolerance per metric"):
    per_metric = {}
    for m in metrics or ["workload"]:
        key = f"reb_tol_{m}"
        per_metric[m] = st.number_input(
            f"{METRICS.get(m, m)} (±%)", 1, 50, value=None, step=1, key=key, placeholder=f"{tolerance:.0%} (as above)",
        )  # fmt: skip
        # (value=None always, the box's start in the session: with no value given once a figure was typed, an emptied
        # box read its minimum, ±1%, and kept it, a review)
        kept_tolerances[m] = per_metric[m]
tolerances = {m: (v / 100 if v is not None else tolerance) for m, v in per_metric.items()}
setting("reb_seconds", 2, range(1, 11))
seconds = form[1].slider("Time to search (s)", 1, 10, key="reb_seconds")
# A plan from scratch has no reps to size territories by and no accounts to keep in place; territories locked stay as
# they are, and the rest is drawn anew.
scratch = scenario == "territories"
scratch_help = " (not for a plan from scratch: its territories are drawn anew)" if scratch else ""
setting("reb_disruption", 1.0)
disruption = form[2].slider("Keep accounts where they are (weight)", 0.0, 5.0, step=0.5, key="reb_disruption",
                            disabled=scratch, help="How much moving accounts away from their territory costs, "
                            "against bringing territories to their share: 0, accounts move freely; higher, fewer "
                            "accounts move, the plan may stay further off. It weighs the first metric picked (workload "
                            "by default) that moves, so regions with none (empty counties) cost nothing to move: the "
                            "regions moved may rise while the accounts moved do not." + scratch_help)  # fmt: skip
capacity_help = ("On (default): a territory whose reps can take twice the accounts gets twice the load. Off: every "
                 "territory the same share, however many reps it has.")  # fmt: skip
if scratch:  # off by default (equal shares), the manager's choice for the other scenarios kept apart
    setting("reb_capacity_scratch", False)
    by_capacity = form[1].checkbox(
        "Size territories by their reps' capacity", key="reb_capacity_scratch",
        help="Off (default): the territories drawn anew get equal shares. On: they are drawn with equal shares, the "
        "reps placed (where they live), and then resized to the capacity of the reps placed in each, in part of the "
        "time: fewer accounts wait for a rep.",
    )  # fmt: skip
else:
    setting("reb_capacity", True)
    by_capacity = form[1].checkbox("Size territories by their reps' capacity", key="reb_capacity", help=capacity_help)
one_way_help = ("A territory with an industry or tier focus can trade regions only with territories of the same "
                "focus. On: it may also give regions to touching territories that take every account it takes. They "
                "take all the region's accounts, also those the giver left out, which may then wait for a rep with "
                "capacity.")  # fmt: skip
setting("reb_one_way", False)
one_way = form[1].checkbox("One-way trades", key="reb_one_way",
                           disabled=scratch, help=one_way_help + scratch_help)  # fmt: skip
setting("reb_keep_countries", False)
keep_countries = form[1].checkbox(
    "Keep regions in their country", key="reb_keep_countries", disabled=scratch,
    help="On: a region goes only to a territory holding a touching region of its country (Idaho not to a territory "
    "of Canadian provinces), and a territory with no such neighbour stays as it is. Off: regions cross a border "
    "where balance asks; the proposal lists them." + scratch_help,
)  # fmt: skip
setting("reb_white_space", False)
white_space = form[1].checkbox(
    "Take in white space", key="reb_white_space", disabled=scratch,
    help="On: regions no territory holds (in the countries of your accounts) may be taken by a touching territory "
    "that takes every account (no industry or tier focus), where that brings it closer to its share, and territories "
    "that touch only across white space (US West and US South, New Mexico between) trade once one takes a way "
    "through. Its accounts then get a territory, and a rep where that territory's reps have room (the proposal "
    "says how many wait, and how the quotas follow). Off: only the regions the territories hold move."
    + scratch_help,
)  # fmt: skip
setting("reb_locked", [], territory_ids)
# The locks' tags wrap onto more lines (wrap=True): in a column Streamlit keeps them on one line that scrolls
# sideways, and at 1280 px two of six locked territories showed (a tester's report).
locked_help = ("They stay as they are; the regions of the others are drawn anew into the number of territories asked "
               "for, the locked ones among them: fewer (or more) territories in one area only" if scratch
               else "They neither give nor take a region")  # fmt: skip
locked = form[2].multiselect("Locked territories (unchanged)", territory_ids, key="reb_locked", format_func=names.get,
                             help=locked_help, wrap=True)  # fmt: skip
options = {}
if scenario == "rep_leaves":
    # A rep (their territory stays while it has other reps), or a whole territory with its reps.
    active = [r for r in plan.reps if r.active]
    team = {t: [r for r in active if t in r.territory_ids] for t in territory_ids}

    def _leaver(choice: str) -> str:
        if choice.startswith("territory:"):
            t = choice.split(":", 1)[1]
            return f"All of {names[t]} ({len(team[t])} rep{'' if len(team[t]) == 1 else 's'}: the territory goes)"
        rep = next(r for r in active if r.rep_id == choice)
        where = [t for t in rep.territory_ids if t in names]
        if not where:
            return f"{rep.name} (no territory)"
        alone = [t for t in where if len(team[t]) == 1]
        # ("only rep", short: at 1280 px the box cut "(its only rep: it goes)" to "(its only rep: it"; the caption
        # under it says the rest)
        return f"{rep.name} — {', '.join(names[t] for t in where)}" + (" (only rep)" if alone else "")

    # By territory, then by name (a rep who left is not in the list, so the choice after accepting is still a rep
    # of the same territory when there is one).
    first = {r.rep_id: min((names[t] for t in r.territory_ids if t in names), default="~") for r in active}
    ordered = sorted(active, key=lambda r: (first[r.rep_id], r.name.casefold(), r.rep_id))
    choices = [r.rep_id for r in ordered] + [f"territory:{t}" for t in sorted(territory_ids, key=names.get)]
    # The rep picked before who is no longer listed (they left in the draft just accepted): the next rep of the same
    # territory, not the list's first (another territory's only rep: it went unsaid, a review).
    before, where_before = st.session_state.get("reb_leaving"), st.session_state.get("reb_leaving_territory")
    same = [r.rep_id for r in ordered if where_before in r.territory_ids]
    replaced = before is not None and before not in choices
    setting("reb_leaving", same[0] if replaced and same else choices[0], choices)
    leaving = form[2].selectbox("Who leaves", choices, key="reb_leaving", format_func=_leaver,
                                help="A rep: their accounts go to the other reps of their territory, which gives "
                                     "regions to touching territories that take the same accounts if its smaller "
                                     "team cannot carry them (sized by capacity); a territory whose only rep leaves "
                                     "goes to its neighbours. All of a territory: it goes, with its reps. To keep "
                                     "a territory for a replacement, set the rep inactive on the Reps page instead: "
                                     "it stays, its accounts waiting for the new rep.")  # fmt: skip
    # (a rep set inactive on the Reps page is not listed: said, with what the page offers for their territory; the
    # manager looked for Tom Becker and found nothing, a review)
    gone_already = [r for r in plan.reps if not r.active and any(t in names for t in r.territory_ids)]
    if gone_already:
        listed = "; ".join(f"{r.name} ({', '.join(names[t] for t in r.territory_ids if t in names)})"
                           for r in gone_already[:5]) + (f" and {len(gone_already) - 5} more" if len(gone_already) > 5
                                                         else "")  # fmt: skip
        form[2].caption(plain(f"Set inactive on the Reps page, so not listed: {listed}. Their territories keep their "
                              "accounts, for the other reps there as far as they have room, else waiting: pick "
                              "\"All of\" a territory to hand it to its neighbours, or rebalance the current "
                              "territories."))  # fmt: skip
    if replaced:  # (named, and a Propose now models them leaving: one more click modelled another rep leaving,
        # unnoticed, a new user's test)
        gone = next((r.name for r in plan.reps if r.rep_id == before), None)
        what = (
            f"{gone}, the rep picked before,"
            if gone
            else "The territory picked before"
            if str(before).startswith("territory:")
            else "The rep picked before"
        )
        form[2].caption(plain(f"{what} is not in the plan open now: {_leaver(leaving)} is picked instead, and Propose "
                              "models "
                              + ("its leaving." if leaving.startswith("territory:") else "them leaving.")))  # fmt: skip
    chosen_rep = next((r for r in active if r.rep_id == leaving), None)
    st.session_state["reb_leaving_territory"] = (
        leaving.split(":", 1)[1] if leaving.startswith("territory:")
        else next((t for t in chosen_rep.territory_ids if t in names), None) if chosen_rep else None
    )  # fmt: skip
    if leaving.startswith("territory:"):
        options["territory_id"] = leaving.split(":", 1)[1]
    else:
        options["rep_id"] = leaving
        # (said in full under the box: at 1280 px the box cut "… (its only rep: it goes)" to "(its only r")
        rep = next((r for r in active if r.rep_id == leaving), None)
        alone = [names[t] for t in (rep.territory_ids if rep else ()) if t in names and len(team[t]) == 1]
        if alone:
            goes = "it goes to its" if len(alone) == 1 else "they go to their"
            form[2].caption(plain(f"{rep.name} is the only rep of {' and '.join(alone)}: {goes} neighbours."))
elif scenario == "rep_joins":
    setting("reb_new_name", "")
    options["new_name"] = form[2].text_input("New territory's name (required)", key="reb_new_name",
                                             placeholder="e.g. Rockies")  # fmt: skip
    # The new rep's name and capacity (optional: "New rep (<territory>)" and the team's median otherwise)
    median = plan.usual_capacity()
    setting("reb_new_rep", "")
    options["new_rep_name"] = form[2].text_input(
        "New rep's name (optional)", key="reb_new_rep", max_chars=80,
        placeholder=f"New rep ({str(options['new_name'] or '').strip() or 'territory'})",
    ).strip() or None  # fmt: skip
    kept_capacity = st.session_state.get(KEPT_CAPACITY)
    if "reb_new_capacity" not in st.session_state and isinstance(kept_capacity, int) and kept_capacity >= 1:
        st.session_state["reb_new_capacity"] = kept_capacity
    options["new_rep_capacity"] = form[2].number_input(
        "New rep's capacity (accounts, optional)", 1, 100_000, value=None, step=10, key="reb_new_capacity",
        placeholder=f"{median} (the team median)",
        # (the Reps page takes 0, a rep on leave: a new user read the two as at odds)
        help="How many accounts the new rep can carry: the new territory's share of the team's workload and value "
        "follows it. At least 1 here, since a territory with no capacity would be drawn empty; a rep who takes no "
        "accounts for now (on leave) gets 0 on the Reps page.",
    )  # fmt: skip
    st.session_state[KEPT_CAPACITY] = options["new_rep_capacity"]
    remember(KEPT_CAPACITY)
    capacity = options["new_rep_capacity"]
    if capacity and median and (capacity > 5 * median or capacity < median / 5):  # (a zero too many, a review)
        form[2].caption(f"⚠️ {capacity:,} is {capacity / median:.1f}× the team median ({median:,}): a territory's "
                        "share follows its reps' capacity. Check the number.")  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _units(token: str, level: str, admitted: bool, cover: str, _state):
    """Regions held by a territory at this level, their metrics and adjacency (islands linked)."""
    from geo.editing import rebalance_units

    return rebalance_units(_state, level, admitted=admitted, cover=cover)


@st.cache_resource(show_spinner=False, max_entries=8)
def _count_range(token: str, level: str, cover: str, locked: tuple, _links, _regions, _holders) -> tuple[int, int]:
    """:func:`geo.editing.territory_count_range` for :func:`_units`' regions (~20 ms at county level: cached)."""
    from geo.editing import territory_count_range

    return territory_count_range(_links, _regions, _holders, locked)


def territory_count_refused(k: int, least: int, most: int, regions: int, apart: int, locked: tuple) -> str | None:
    """Why ``k`` territories cannot be drawn here (outside ``least`` to ``most``), with the number to ask; else None."""
    with_locks = f" with {counted(len(locked), 'territory', 'territories')} locked" if locked else ""
    if k > most:
        why = (f"at most {MOST_TERRITORIES} are drawn" if most == MOST_TERRITORIES
               else f"a territory holds a region at least, and this level has {regions:,}{with_locks}")  # fmt: skip
        return f"{k} territories cannot be drawn: {why}. Ask for {most} or fewer."
    if k < least:
        why = (f"the regions form {apart} groups out of each other's reach (e.g. Europe and North America), each "
               "needing a territory of its own" if apart > 1 and not locked
               else f"locked territories count among them:{with_locks}, the plan needs at least {least}" if locked
               else f"a plan needs at least {least}")  # fmt: skip
        return f"{k} {'territory' if k == 1 else 'territories'} cannot be drawn: {why}. Ask for at least {least}."
    return None


# Drawn anew (another number of territories), territories take every account of their regions; otherwise a
# region counts the accounts its territory takes (its industries and tiers).
cover = "held"
k_refused = None  # (another number of territories: why the number asked cannot be drawn)
k_slot = form[2].container() if scenario == "territories" else form[2]  # (the number first: "Draw over" under it)
if scenario == "territories":
    # (a new user's own accounts lay in states the plan's territories did not hold: drawn anew over those alone, 210
    # of them stayed in no territory)
    COVER_LABELS = {"held": "The regions the territories hold", "countries": "Every region of the accounts' countries"}
    setting("reb_cover", "held", list(COVER_LABELS))
    cover = form[2].radio(
        "Draw over", list(COVER_LABELS), key="reb_cover", format_func=COVER_LABELS.get,
        help="The regions the territories hold now, or every region of the countries your accounts are in (all US "
        "states, or counties, and Canadian provinces; another country whole), held or not: a plan from scratch "
        "over your own accounts, whatever the plan held before. Territories holding only regions outside them "
        "stay as they are.",
    )  # fmt: skip
if white_space and not scratch:  # (the white space of the accounts' countries, offered to the search)
    cover = "countries"
holders, unit_table, links = _units(engine_token(), level, scenario != "territories", cover, engine)
if scenario == "territories" and cover == "held":
    # (accounts placed in a region the units make up, a state whose counties they are, are inside: their claim goes
    # with the counties; counted outside, the caption said 532 where the proposal left 531 in no territory, a review)
    units = set(unit_table.index.astype(str))
    made_up = {lineage[1] for lineage in map(region_lineage, units) if len(lineage) > 1}
    placed = engine.result["region_id"].dropna().astype(str)
    inside = {r for r in placed.unique() if r in made_up or not units.isdisjoint(region_lineage(r))}
    beyond = int((~placed.isin(inside)).sum())
    if beyond:
        form[2].caption(
            f"{counted(beyond, 'account')} {verb(beyond, 'lies', 'lie')} outside the regions the territories hold: "
            "draw over every region of the accounts' countries to take "
            f"{verb(beyond, 'it', 'them')} in."
        )
if scenario == "rep_joins":
    from geo.editing import home_at_level, rep_homes_at_level

    labels = level_labels(level)
    # (a home picked at the other level stands for its county or state here: Colorado became Alabama's first
    # county when the regions were switched to counties)
    picked = st.session_state.get("reb_home", st.session_state.get(KEPT_SETTINGS, {}).get("reb_home"))
    # The busiest regions first, each with its accounts: typing "Dallas" offered Dallas, AL first, and Dallas, TX,
    # where the accounts are, seventh (the twelfth new user); the busiest is the default (Alberta, first by id, was:
    # a new territory typed and proposed was carved out of Canada, a review)
    home_picker_accounts = unit_table["accounts"].fillna(0).astype(int)
    ordered = sorted(unit_table.index, key=lambda r: (-home_picker_accounts[r], str(labels.get(r, r))))
    # Reps' homes stay with their reps: the default is the busiest region that is no rep's home, and a rep's home
    # says whose it is (California, Priya Patel's home, was the default: a new territory took it from her, a new
    # user's test; a proposal now refuses it)
    lived_in = rep_homes_at_level(plan, level, unit_table, holders, st.session_state.get("reb_metrics") or ["workload"])
    free = [r for r in ordered if r not in lived_in]
    setting("reb_home", home_at_level(picked, level, unit_table) or (free or ordered or [None])[0],
            unit_table.index)  # fmt: skip
    options["home_region"] = form[2].selectbox(
        "Home region of the new rep", ordered, key="reb_home",
        format_func=lambda r: f"{labels.get(r, r)} ({r})" + (f" · {counted(home_picker_accounts[r], 'account')}" if home_picker_accounts[r] else "")
        + (f" · home of {and_list(lived_in[r])}" if r in lived_in else ""),
        help="The regions with the most accounts first; type to find one by name. A rep's home stays with their "
             "territory: start the new rep elsewhere",
        # (matches in this order: the fuzzy filter sorts by its own score, and Enter after "Dallas" took Dallas, AL,
        # listed before Dallas, TX with its 46 accounts, the thirteenth new user)
        filter_mode="contains",
    )  # fmt: skip
    if picked and picked != options["home_region"] and home_at_level(picked, level, unit_table) is None:
        # (a home in white space, picked with "Take in white space" ticked, gave way to the first region unsaid when
        # the box was unticked: a review)
        from geo.boundaries import region_label

        form[2].caption(
            f"{plain(region_label(picked))}, picked before, is not among the regions here"
            + (" (no territory holds it: tick “Take in white space” to start the new territory there)"
               if not white_space else "")
            + f"; the home is now {plain(labels.get(options['home_region'], options['home_region']))}."
        )  # fmt: skip
if scenario != "territories":
    # A distance from home: the new rep's territory takes only regions within it (a Denver rep's territory reached Los
    # Angeles for its share, the tenth new user's test); rebalancing, or a rep leaving, no territory takes a region
    # farther than it from all of its reps' homes.
    joining = scenario == "rep_joins"
    # (one box per meaning: the new rep's 600 km carried over to "A rep leaves" applied to every territory, a review;
    # the new rep's box renamed when it began at 800 km, so an empty box kept from before does not stand for "any")
    within_key = "reb_within_km_joining" if joining else "reb_within_km"
    # (a new rep's is held to 800 km unless cleared: a Denver rep's territory reached Kings County, CA otherwise)
    setting(within_key, int(NEW_TERRITORY_WITHIN_KM) if joining else None)
    options["home_within_km"] = form[2].number_input(
        "Only regions within (km of home)" if joining else "Regions within (km of a rep's home, optional)",
        10, 20_000, value=None, step=50, key=within_key, placeholder="any distance",
        help=f"The new territory takes only regions whose centre lies within this distance of the home region's "
        f"({NEW_TERRITORY_WITHIN_KM:,.0f} km unless you change it). Where they hold less than the new rep's share, "
        "the territory is sized to what they hold and the other territories share the rest. Empty: any region the "
        "balance asks for, however far from home." if joining
        else "No territory takes a region whose centre lies farther than this from all of its reps' homes; it keeps "
        "the regions it holds. A territory whose reps have no home region takes any. Distances are from the centre "
        "of each rep's home region: a state's centre when the home is a state (a county as home on the Reps page "
        "measures closer). A territory that goes hands its regions out whatever the distance, each to the "
        "touching territory whose reps live nearest, and says which lie beyond it. Empty: any region the balance "
        "asks for.",
    )  # fmt: skip
region_names = level_labels(level)
lock_help = "They stay in the territory that holds them (reps' home regions always do)"
if scratch:  # shown empty and off (a plan from scratch draws every territory anew); the choice is kept for the rest
    form[2].multiselect("Locked regions (stay where they are)", [], key="reb_locked_regions_scratch", disabled=True,
                        help=lock_help + scratch_help, wrap=True)  # fmt: skip
    # (said on the page: a new user found the greyed-out locks explained only in their tooltips)
    form[2].caption(":material/info: Greyed out for a plan from scratch, which draws territories anew: the weight on "
                    "keeping accounts, locked regions and one-way trades are for rebalancing the territories you have. "
                    "Your choices are kept for those scenarios. Locked territories stay as they are: only the others "
                    "are drawn anew.")  # fmt: skip
else:
    kept_regions = st.session_state.get("reb_locked_regions_kept", [])
    kept_regions = [r for r in kept_regions if isinstance(r, str) and r in unit_table.index] if isinstance(
        kept_regions, list) else []  # fmt: skip
    if "reb_locked_regions" not in st.session_state and kept_regions:
        st.session_state["reb_locked_regions"] = kept_regions
    options["locked_regions"] = form[2].multiselect(
        "Locked regions (stay where they are)", list(unit_table.index), key="reb_locked_regions",
        format_func=lambda r: f"{region_names.get(r, r)} ({r})", help=lock_help, wrap=True,
    )  # fmt: skip
    st.session_state["reb_locked_regions_kept"] = list(options["locked_regions"])
    remember("reb_locked_regions_kept")
if scenario == "territories":
    # (a territory spans no ocean and holds a region at least, and the locked territories count among them and may
    # cut the rest apart: the numbers the proposal takes, so that the box offers none it refuses -- a new user's
    # test, and a review's)
    locked_now = tuple(sorted(str(t) for t in locked))
    apart, _ = _count_range(engine_token(), level, cover, (), links, unit_table.index, holders)
    fewest, regions_most = _count_range(engine_token(), level, cover, locked_now, links, unit_table.index, holders)
    # (one per region at most; and at most MOST_TERRITORIES: it was 60, and a plan of 64 could not be redrawn at its
    # own number, a review at 150 reps)
    most = max(1, min(MOST_TERRITORIES, regions_most))
    least = min(max(1, fewest), most)
    # Locks changed: the number moves to the nearest offered (not back to the default). A number typed outside the
    # range is kept and refused with why: with the range as the box's own limits, Streamlit kept "1" or "60" shown
    # in red and proposed the last number taken, without a word (a new user's test).
    # (after the kept number is put back, and on any change of the range's inputs: the level, what is drawn over, the
    # locks; a review found a kept 60 refused after a change of level, and locks changed on another scenario missed)
    setting("reb_k", min(max(len(territory_ids), least), most), range(0, 1_000_001))  # (as the box takes: below)
    ranged = (level, cover, locked_now)
    if isinstance(st.session_state.get("reb_k"), int) and st.session_state.get("reb_k_range") not in (None, ranged):
        st.session_state["reb_k"] = min(max(st.session_state["reb_k"], least), most)
    st.session_state["reb_k_range"] = ranged
    options["n_territories"] = k_slot.number_input(
        f"Number of territories ({least} to {most})" if least < most else "Number of territories",
        # (0 and past the most taken, and refused below with the range that applies: Streamlit's own "must be
        # between 1 and 2500" under "(3 to 38)" read as two rules, a new user's test)
        0, 1_000_000, key="reb_k",
        help=f"At most one per region at this level ({len(unit_table):,} regions), and at most {MOST_TERRITORIES}"
        + (f"; at least one per group of regions out of each other's reach ({apart})" if apart > 1 else "")
        + "; locked territories count among them"
        + (f" (with {counted(len(locked_now), 'territory', 'territories')} locked, {least} to {most})"
           if locked_now else ""),
    )  # fmt: skip
    k_refused = territory_count_refused(options["n_territories"], least, most, len(unit_table), apart, locked_now)
    if k_refused:
        k_slot.error(plain(k_refused), icon=":material/error:")


def _inputs() -> tuple:
    """What a proposal was made from: a change makes the proposal on screen out of date."""
    keys = ("reb_scenario", "reb_metrics", "reb_tolerance", "reb_seconds", "reb_disruption", "reb_capacity", "reb_capacity_scratch",
            "reb_one_way", "reb_keep_countries", "reb_white_space", "reb_locked", "reb_leaving", "reb_new_name", "reb_new_rep", "reb_new_capacity", "reb_k", "reb_home", "reb_within_km", "reb_within_km_joining", "reb_locked_regions", "reb_cover",
            *(f"reb_tol_{m}" for m in METRICS))  # fmt: skip
    return (level, engine_token()) + tuple(repr(st.session_state.get(k)) for k in keys)


def _propose() -> None:
    from geo.editing import countries_beside_states, unknown_population

    st.session_state.pop("reb_error_inputs", None)  # (a message this run gives is about the settings now)

    chosen = st.session_state.get("reb_metrics") or ["workload"]
    notes = [] if st.session_state.get("reb_metrics") else ["No metric was picked: the proposal balances workload."]
    notes += [n for n in [unknown_population(unit_table, chosen), countries_beside_states(unit_table, chosen)] if n]
    if notes:
        st.session_state["reb_note"] = " ".join(notes)
    else:
        st.session_state.pop("reb_note", None)
    if scenario != "territories" and set(st.session_state.get("reb_locked") or []) >= set(territory_ids):
        st.session_state["reb_error"] = "every territory is locked: unlock at least two to rebalance"
        st.session_state.pop("reb_proposal", None)
        return
    if (
        scenario == "rebalance"
        and len(unit_table)
        and set(options.get("locked_regions") or []) >= set(unit_table.index)
    ):
        st.session_state["reb_error"] = ("every region is locked (Locked regions), so none can move: unlock the "
                                         "regions that may change territory")  # fmt: skip
        st.session_state.pop("reb_proposal", None)
        return
    used = {m: tolerances.get(m, tolerance) for m in chosen}
    # (on a 1440 × 900 screen the button sat at the bottom edge, and the bar and "Stop the search" came below it: for
    # 10 s nothing in view changed, the eleventh new user's test; a toast shows in view wherever the page is scrolled)
    # (shown as long as the search may last, at most 4 s: a 2-second search's result came with the toast still up,
    # the twelfth new user)
    # (shown once the search runs, from its first report of progress: before it, a refusal that came at once had
    # "Searching for up to 2 s" above it, a review)
    toast = (
        f"Searching for up to {float(seconds):g} s: the progress and “Stop the search” are under the Propose button.",
        min(4, max(1, math.ceil(float(seconds)))),
    )
    bar = st.progress(0.0, text="Searching…")
    # Any click stops a run of the page, the search with it (at its next progress report): a button says so. The
    # mark is taken off only when the search ends, so the next run can tell a search that was stopped.
    stopper = st.empty()
    stopper.button("Stop the search", key="reb_stop", help="The best plan found so far is proposed")
    st.session_state["reb_searching"] = handoff = {"done": threading.Event()}  # (see _search_and_keep)
    # Kept in the store at once, with the settings: a reload meanwhile starts a new session, which says the search
    # was lost (the search's end clears it; the run's own keeping comes only at its end).
    st.session_state[SEARCH_BEGAN] = time.strftime("%H:%M:%S UTC", time.gmtime())
    remember(SEARCH_BEGAN)
    keep_settings()
    try:
        wait_for_search(bar)  # (the compiled loops, ready)
    except BaseException as error:
        if isinstance(error, Exception):  # (a failure: no "stopped" note)
            st.session_state.pop("reb_searching", None)
            st.session_state[SEARCH_BEGAN] = None
        else:  # (a click meanwhile stopped the run before any search began: the next run says none was made)
            handoff["done"].set()
        raise
    try:
        _search_and_keep(bar, stopper, used, toast)
    except Exception:  # (a failure, not a stop: Streamlit's stop and rerun are not Exceptions) — no "stopped" note
        st.session_state.pop("reb_searching", None)
        st.session_state[SEARCH_BEGAN] = None
        raise


def _search_and_keep(bar, stopper, used: dict, toast: tuple | None = None) -> None:
    """The search, then the proposal's assignment, balance, diff and map, kept for the page.

    The "searching" mark (a hand-off: an event and, once ready, what to keep) comes off once the proposal is kept: a
    run stopped before that (Stop, a click, another page) leaves it, and the next run takes the proposal from it
    (:func:`_take_stopped`) or says none was made. ``toast``: (text, seconds), shown at the search's first report
    of progress (not before: a refusal that comes at once needs none).
    """
    from geo.editing import proposal_moves, propose_at_level
    from territory.optimizer import SearchStopped

    # A click (Stop, another widget, another page) reaches the search as Streamlit's stop of this run, raised by the
    # bar; Streamlit starts the next run at once. The search is told to stop (SearchStopped) and ends with the best
    # plan it found. This run can no longer touch the page or its session state (Streamlit's stop is raised again
    # at each look): the proposal is worked out all the same and handed to the next run through the mark, which
    # waits for it; Streamlit's stop is raised again after.
    handoff = st.session_state["reb_searching"]
    halted: list[BaseException] = []
    inputs, settings_said, labels = _inputs(), _settings_said(used), level_labels("county")  # (read while we can)
    scenario_now, locked_now = st.session_state["reb_scenario"], st.session_state.get("reb_locked") or []

    shown = []  # (the toast, to say when the search ended: "up to 10 s" stayed over a 1-second search's result)

    def report(fraction: float) -> None:
        nonlocal toast
        if halted:
            raise SearchStopped
        try:
            if toast is not None and fraction < 1.0:
                shown.append(st.toast(toast[0], icon=":material/hourglass_top:", duration=toast[1]))
            toast = None
            bar.progress(min(max(fraction, 0.0), 1.0), text="Searching…")
        except BaseException as error:
            if isinstance(error, Exception):  # (a failure; Streamlit's stop and rerun are not Exceptions)
                raise
            halted.append(error)
            raise SearchStopped from error

    def drawn(show) -> None:  # (after a stop the bar and button go with the next run)
        if not halted:
            show()

    def keep(kept: dict, dropped: tuple = ()) -> None:
        kept = {**kept, SEARCH_BEGAN: None}  # (the search ended: nothing to say after a reload)
        if halted:
            handoff["kept"], handoff["dropped"] = kept, dropped
            handoff["done"].set()
            raise halted[0] from None
        for key in dropped:
            st.session_state.pop(key, None)
        st.session_state.update(kept)
        st.session_state.pop("reb_searching", None)
        keep_settings()  # (the search's end, kept at once as its beginning was)

    began = time.monotonic()
    try:
        try:
            proposal = propose_at_level(
                engine, level, unit_table, holders, links, list(used), scenario=scenario_now,
                tolerance=used,
                locked_territories=locked_now,
                disruption_weight=disruption, by_capacity=by_capacity, one_way=one_way and not scratch,
                keep_countries=keep_countries and not scratch,
                white_space=white_space and not scratch,
                rng=np.random.default_rng(0),
                max_seconds=float(seconds), progress=report,
                **options,
            )  # fmt: skip
        except ValueError as error:
            drawn(bar.empty)
            drawn(stopper.empty)
            keep({"reb_error": str(error)}, ("reb_proposal",))
            return
        drawn(stopper.empty)
        if shown:
            searched = time.monotonic() - began
            drawn(lambda: shown[0].toast(f"Searched for {searched:.1f} s: the proposal follows under the Propose "
                                         "button.", icon=":material/check_circle:", duration=2))  # fmt: skip
        # The rest takes a second or more at county level: said on the bar, not a page standing still.
        drawn(lambda: bar.progress(1.0, text="Searched. Assigning the accounts and reps, measuring the balance, "
                                             "drawing the map…"))  # fmt: skip
        # The proposal's assignment, balance and diff are worked out once here, not on every rerun of the page.
        # Accounts keep their reps wherever the new plan allows: the handoffs are what the proposal really changes.
        # (quotas follow the accounts' value: a territory that gives a tenth of its value gives a tenth of its quota)
        proposal, new_state = assign_proposal(engine, proposal)
        impact = edit_impact(engine, new_state, region_labels=labels)
        diff = diff_plans(plan, proposal.plan, engine.result, new_state.result)
        # The map of changed regions over the proposed territories is drawn once (outlines take ~1 s at county level).
        from geo.coverage import changed_regions_map

        moves = proposal_moves(plan, proposal, holders, level)
        reach = None
        if proposal.home_within_km is not None:  # (the distance the new territory was held to, drawn around home)
            from geo.editing import region_points

            home = options.get("home_region")
            point = region_points([home]).get(home)
            reach = (*point, proposal.home_within_km) if point is not None else None
        fmap = changed_regions_map(moves, plan, proposal.plan, level=level, reach=reach) if len(moves) else None
        kept = {
            "reb_proposal": (proposal, new_state, impact, diff, moves, fmap),
            # Reps leave and those who remain cannot take their accounts: said at the top of the proposal.
            "reb_shortfall": leaving_shortfall(engine, new_state),
            "reb_off_view": list(getattr(fmap, "off_view", [])),
            "reb_inputs": inputs,
            "reb_tol_used": used,
            "reb_seconds_used": float(seconds),
            # (with the seed and searches, which give the same plan again: the eleventh new user's suggestion)
            "reb_settings_said": settings_said
            + f"; seed 0, {counted(proposal.report.searches, 'search', 'searches')}"
            + (
                f" (stopped after {proposal.stopped_after:.1f} s)"
                if proposal.stopped_after is not None
                else " (cut short by the clock)"
                if proposal.report.cut_short
                else ""
            ),
            "reb_lost_where": _where_lost(impact.lost, proposal, level),
        }
        drawn(bar.empty)
        keep(kept, ("reb_error",))
    finally:
        handoff["done"].set()  # (a failure too: the next run waits no longer)


def _take_stopped(handoff) -> bool:
    """In the run after a stopped one: wait for what it kept (the best plan found so far) and keep it; False if none."""
    done = handoff.get("done") if isinstance(handoff, dict) else None
    if done is None:
        return False
    if not done.is_set():
        with st.spinner("Keeping the best plan found so far…"):
            done.wait(timeout=60)
    if "kept" not in handoff:
        return False
    for key in handoff.get("dropped", ()):
        st.session_state.pop(key, None)
    st.session_state.update(handoff["kept"])
    return True


def _settings_said(used: dict) -> str:
    """The settings a proposal was made with, for the accepted draft's message: ". Settings: …".

    (A draft read "The current territories rebalanced" whatever the tolerance, the locks or one-way trades were: a
    new user's test.)
    """
    said = [", ".join(f"{METRICS.get(m, m).split(' (')[0].lower()} ±{v:.0%}" for m, v in used.items()),
            f"{level} level", "sized by capacity" if by_capacity else "equal shares"]  # fmt: skip
    if one_way and not scratch:
        said.append("one-way trades")
    if white_space and not scratch:
        said.append("white space taken in")
    if st.session_state.get("reb_locked"):
        said.append("locked: " + ", ".join(names.get(t, t) for t in st.session_state["reb_locked"]))
    if options.get("locked_regions"):
        said.append(f"{counted(len(options['locked_regions']), 'region')} locked")
    if options.get("home_within_km"):
        said.append(f"new territory within {options['home_within_km']:,.0f} km of home" if scenario == "rep_joins"
                    else f"territories within {options['home_within_km']:,.0f} km of their reps' homes")  # fmt: skip
    if not scratch:
        said.append(f"keep-accounts weight {disruption:g}")
    return ". Settings: " + "; ".join(said) + f"; {float(seconds):g} s search"


def _left_out_said(regions) -> str:
    """The regions a proposal leaves in no territory, and what to do about them."""
    return (
        f"Left without a territory: {plain(describe_regions(regions, shown=8))}. No other territory touches them, so "
        "none takes them over (and none is sent across an ocean); give them to a territory on the Edit map page."
    )


def _where_lost(lost, proposal, level: str) -> list[str]:
    """Where the accounts a proposal leaves in no territory are, a phrase per kind of place.

    In regions no territory takes over, or in regions whose new territory refuses them; worked out once per
    proposal, not on every rerun.
    """
    from geo.coverage import display_region_of

    if not len(lost):
        return []
    unit = display_region_of(lost["region_id"].astype(object), level)
    holder = unit.map(proposal.labels.to_dict())
    named = {**names, **{t.territory_id: t.name for t in proposal.plan.territories}}
    parts = []
    if holder.isna().any():
        parts.append(f"{int(holder.isna().sum()):,} in {plain(describe_regions(sorted(set(unit[holder.isna()]))))}, "
                     "which no territory takes over")  # fmt: skip
    for t, count in holder.dropna().value_counts().items():
        parts.append(f"{count:,} in regions now held by {plain(named.get(t, t))}, which does not take them (its "
                     "industry and tier focus)")  # fmt: skip
    return parts


unnamed = scenario == "rep_joins" and not str(options.get("new_name") or "").strip()
stopped = st.session_state.pop("reb_searching", None)  # a search this session started did not end: it was stopped
if stopped and not _take_stopped(stopped):
    st.info(
        "The last proposal was stopped before it was ready (Stop, another click, or another page opened): no new "
        "proposal was made."
    )
if stopped:  # (said, or kept from the stopped search: nothing more to say after a reload)
    st.session_state[SEARCH_BEGAN] = None
elif not stopped and st.session_state.get(SEARCH_BEGAN):
    # A search that began in this tab before a reload (kept with the settings when it began, cleared when it ended):
    # the reload lost it with the session, and the page came back without a word (the eleventh new user's test).
    st.info(f"A proposal was being searched for when this tab was reloaded, at {st.session_state[SEARCH_BEGAN]}: "
            "the reload ended it, and no proposal was made. The settings are as they were: propose again.")  # fmt: skip
    st.session_state[SEARCH_BEGAN] = None
    remember(SEARCH_BEGAN)
if st.button("Propose rebalance", type="primary", key="reb_run", disabled=unnamed or bool(k_refused),
             help="Name the new territory first" if unnamed else "Ask for a number of territories in the range shown"
             if k_refused else None):  # fmt: skip
    _propose()
if st.session_state.get("reb_error"):
    # A message about other settings goes when they change (a new user's test: "No proposal: Europe West is alone
    # on its land mass" stayed up on "A new rep joins").
    if st.session_state.setdefault("reb_error_inputs", _inputs()) != _inputs():
        st.session_state.pop("reb_error", None)
    else:
        st.error(f"No proposal: {plain(st.session_state['reb_error'])}")
if not st.session_state.get("reb_error"):
    st.session_state.pop("reb_error_inputs", None)
if st.session_state.get("reb_note") and st.session_state.get("reb_proposal"):
    st.info(plain(st.session_state["reb_note"]))

pending = st.session_state.get("reb_proposal")
# A proposal is not kept across a reload (a new session): said, once, on the page's first run after one (it went
# without a word, a review); another page and back in the same session keeps it.
showing = pending is not None and pending[0].plan.name == plan.name
if not st.session_state.get("reb_page_ran") and not showing and st.session_state.get(PROPOSAL_SHOWN):
    st.info(f"The proposal made at {st.session_state[PROPOSAL_SHOWN]} was not kept across the reload: a proposal is "
            "kept until it is accepted or the tab is reloaded. The settings are as they were: propose again.")  # fmt: skip
st.session_state["reb_page_ran"] = True
if not showing:
    st.session_state[PROPOSAL_SHOWN] = None
elif st.session_state.get("reb_proposal_id") != id(pending[0]):  # (a new proposal: its time)
    st.session_state[PROPOSAL_SHOWN] = time.strftime("%H:%M:%S UTC", time.gmtime())
st.session_state["reb_proposal_id"] = id(pending[0]) if showing else None
remember(PROPOSAL_SHOWN)
if showing:
    proposal, new_state, impact, diff, moves_table, fmap = pending
    report = proposal.report
    notes = _Notes()  # (said in one box under the figures, before Accept)
    stale = st.session_state.get("reb_inputs") != _inputs()
    st.subheader("Proposal")
    if proposal.stopped_after is not None:
        st.info(f"Stopped after {proposal.stopped_after:.1f} s: the best plan found so far. Propose again to let the "
                "search run its time.")  # fmt: skip
    if stale:
        st.warning("The settings changed since this proposal was made: propose again to see their effect.")
    stale_said = "Not to be accepted: the settings changed since this proposal was made. Propose again."
    kept_count = int(report.territories["locked"].astype(bool).sum())
    if kept_count == len(report.territories):  # (none could trade: the figures are every territory's)
        scope = (
            " No territory could be rebalanced (the notes below say which and why); the figures are every territory's."
        )
    elif kept_count and proposal.handed_out_only:  # ("1 of 5 rebalanced" beside "nothing else moves" misread)
        scope = (
            f" {len(report.territories) - kept_count} of {len(report.territories)} territories "
            f"{'takes' if len(report.territories) - kept_count == 1 else 'take'} the leaving "
            f"territory's regions; the other {kept_count} {'is' if kept_count == 1 else 'are'} kept as "
            f"{'it is' if kept_count == 1 else 'they are'} (the notes below say which and why). Nothing is rebalanced beyond "
            "that. The figures below count every territory, kept ones too."
        )
    elif kept_count:
        scope = (
            f" {len(report.territories) - kept_count} of {len(report.territories)} territories rebalanced; the other "
            f"{kept_count} {'is' if kept_count == 1 else 'are'} kept as {'it is' if kept_count == 1 else 'they are'} "
            "(the notes below say which and why). The figures below count every "
            "territory, kept ones too."
        )
    else:
        scope = ""
    # (nothing to accept when neither the regions, the territories, the accounts nor the reps would change)
    # (as the Plans page compares: regions, territories' settings and accounts; and the reps. The plans' own order
    # of regions may differ: compared whole, a plan that moved nothing could be accepted as a new draft)
    unchanged = diff.empty and proposal.plan.to_dict()["reps"] == plan.to_dict()["reps"]
    if unchanged:  # (said as such: "The current territories rebalanced" above a plan that moves nothing misled)
        st.info(
            "**No change: the plan is already as balanced as these settings allow.** No region can move to bring a "
            "territory closer"
            + (" (locked regions and territories stay where they are; unlock some to give the search room)"
               if st.session_state.get("reb_locked") or st.session_state.get("reb_locked_regions") else "")
            + ". The figures below are the current plan's; there is nothing to accept."
            # (what the scenario said beyond its name: territories that kept their regions in their country)
            + (f" {plain(more[:1].upper() + more[1:])}." if (more := proposal.description.partition('; ')[2]) else "")
        )  # fmt: skip
    else:
        st.markdown(f"**{plain(proposal.description)}.**{scope}")
    if proposal.trades_with_none and not proposal.white_space:
        # (a rep left US South, which no touching territory could help: US West, across New Mexico, could)
        # (and what that costs: with it ticked a new user saw Kansas go to Canada West, 2,692 km from its rep, and
        # the accounts waiting for a rep rise from 108 to 501)
        st.caption("A territory apart from those it could trade with (no region of theirs touching) may trade "
                   "across the regions no territory holds: tick “Take in white space” and propose again. Territories "
                   "then take regions no territory holds too, far ones among them, and their accounts wait for a rep "
                   "where the reps are full: "
                   + ("set “Only regions within (km of home)” to keep the new territory near its rep"
                      if scenario == "rep_joins" else
                      "set “Regions within (km of a rep's home, optional)” to keep each territory near its reps")
                   + ", and compare the accounts waiting before you accept.")  # fmt: skip
    if st.session_state.get("reb_shortfall"):  # (a rep leaves and the reps who remain are full)
        st.warning("\n\n".join(plain(sentence) for sentence in st.session_state["reb_shortfall"]))
    if impact.team.get("accounts_lost"):
        # Said first, with where they are: no balance figure below counts accounts that fall out of every territory.
        parts = st.session_state.get("reb_lost_where") or []
        # (with the regions no territory takes over and what to do: said in three boxes, a red and two yellow, the
        # same accounts twice, a new user's test)
        st.error(
            f"{counted(impact.team['accounts_lost'], 'account')} worth {money(impact.team['value_lost'])} would be "
            "left in "
            f"no territory{': ' + '; '.join(parts) if parts else ''}. The balance figures do not count them."
            + (f"\n\n{_left_out_said(proposal.left_out)}" if proposal.left_out else "")
        )
    proposed_names = {t.territory_id: t.name for t in proposal.plan.territories}
    name_of = {**names, **proposed_names}  # (a territory's name in the proposal, else as it was)
    # The chips' second lines wrap rather than end in "…": at 1280 px the largest deviation's territory read
    # "Germany & Netherlan…" (a new user's test).
    st.html(
        "<style>[data-testid='stMetricDelta'] * {white-space: normal !important; text-overflow: clip !important}</style>"
    )
    kpis = st.columns(5)
    # Each metric's tolerance as the proposal was made (a proposal shown after the form changed is judged on the
    # settings it was made with; the warning above says it is out of date).
    tol = st.session_state.get("reb_tol_used") or {m: tolerances.get(m, tolerance) for m in report.deviation}
    tol = {m: tol.get(m, tolerance) for m in report.deviation}
    # (±2.5% as set, not ±2%: a reviewer's case)
    band = (f"±{next(iter(tol.values())) * 100:g}%" if len(set(tol.values())) == 1
            else ", ".join(f"±{v * 100:g}% {METRICS.get(m, m).lower()}" for m, v in tol.items()))  # fmt: skip
    verdicts = judge_territories(report.territories, tol)
    # Every territory counts in both figures, kept ones too: the headline must not read well while a territory is
    # far off. The largest deviation is the territory and metric farthest from its share.
    rows = report.territories
    far_id, worst, far_deviation = largest_deviation(rows, tol)
    far_verdict = verdicts[rows.index[rows["territory_id"] == far_id][0]]
    forced = far_verdict == "best possible"
    far_kept = bool(rows.loc[rows["territory_id"] == far_id, "locked"].astype(bool).iloc[0])
    free = rows[~rows["locked"].astype(bool)]
    changeable = ""
    if far_kept and len(free):  # (and the farthest of those the search could change, where there are some)
        free_id, free_metric, free_deviation = largest_deviation(free, tol)
        changeable = (f"Of the territories this proposal could change, the farthest is "
                      f"{plain(name_of.get(free_id, free_id))}: {METRICS.get(free_metric, free_metric).lower()} "
                      f"{free_deviation:+.1%}. ")  # fmt: skip
    kpis[0].metric("Largest deviation", f"{far_deviation:+.1%}",
                   # (the territory's name first, then the metric's first word: at 1280 px the chip is cut, and
                   # "value, Germany & Net…" lost the name)
                   # (a kept territory said so: "North America East, value" read as the search's doing, a new
                   # user's test)
                   delta=plain(name_of.get(far_id, far_id)
                               + (f", {METRICS.get(worst, worst).lower().split(' (')[0]}" if len(report.deviation) > 1
                                  else "") + (far_kept and (", kept after taking regions" if far_id in set(moves_table.get("to_territory_id", ()))
                                                  else ", kept as it is") or "")),  # fmt: skip
                   delta_color="off", delta_arrow="off",
                   help=changeable + f"{plain(name_of.get(far_id, far_id))}: {METRICS.get(worst, worst).lower()} "
                        f"{far_deviation:+.1%} against its share, the farthest beyond its tolerance among all "
                        "territories (kept ones too). "
                        + (
                            f"It holds {plain(region_labels([report.hemmed[far_id]['region_id']])[0])}: however a "
                            "territory holding it is drawn, it is at least "
                            f"{percent(report.hemmed[far_id]['by_metric'][worst], 1)} off on "
                            f"{METRICS.get(worst, worst).lower()} or further off on another metric (see the note "
                            "above the table). "
                            if far_id in report.hemmed
                            else (
                                (
                                    "It took regions of the territory that goes and is kept from there on (the notes "
                                    "below say why): this proposal cannot bring it closer. "
                                    if far_id in set(moves_table.get("to_territory_id", ()))
                                    else "It is kept as it is (the notes below say which and why): this proposal does not "
                                    "change it. "
                                )
                                if bool(rows.loc[rows["territory_id"] == far_id, "locked"].iloc[0])
                                else f"Its regions force it: no plan can do better than {percent(report.bound[worst], 1)} "
                                f"on {METRICS.get(worst, worst).lower()}: what a region bigger than its share, reps' "
                                "home regions (they stay in their territory) or a land mass apart force on some "
                                "territory. "
                                if forced
                                else "It is within its tolerance of what its group of territories can hold on "
                                "average, or between that and its share (the note above the table says why the "
                                "group is off its shares): a better plan could bring it closer. "
                                if far_verdict == "near group mean"
                                # (not forced: the bound is some other territory's, and this one could be closer)
                                else "A better plan could bring it closer: nothing it holds forces it this far. "
                            )
                        )
                        + "Locked territories, locked regions and industry focus can force more.")  # fmt: skip
    strictly = int(verdicts.eq("yes").sum())
    forced_count, near_count = int(verdicts.eq("best possible").sum()), int(verdicts.eq("near group mean").sum())
    # (both in ~20 characters: the chip is cut beyond at 1280 px)
    besides = ([f"+{near_count} near {'mean' if forced_count else 'group mean'}"] if near_count else []) + (
        [f"+{forced_count} best{'' if near_count else ' possible'}"] if forced_count else [])  # fmt: skip
    # (the tolerances it was judged on, said with it: per-metric tolerances set in a collapsed box went unsaid)
    kpis[1].metric("Within tolerance", f"{strictly} of {len(rows)}",
                   delta=f"at {band}" + (f"; {', '.join(besides)}" if besides else ""),
                   delta_color="off", delta_arrow="off",
                   help=f"Territories within {band} on every metric. Below, '+n best possible' ('best' beside "
                        "the other): territories further off only by what their own regions force (a region bigger "
                        "than a share, a heavy region hemmed in by other heavy regions, a few regions that no other "
                        "split shares out better, a land mass a territory holds alone); '+n near group mean' ('near "
                        "mean' beside the other): territories within their tolerance of what their group holds on "
                        "average where the group cannot hold its shares (a land mass apart, regions bigger than a "
                        "share elsewhere), or between that and their share: a better plan might bring them closer "
                        "(the notes above the table say which groups).")  # fmt: skip

    def around(territory_id: str, metric: str) -> list[float]:
        """Its group's mean ± the tolerance, where it has one: figures show which side of them they are on."""
        centre = report.centres.get(territory_id, {}).get(metric)
        return [] if centre is None else [centre - tol[metric], centre + tol[metric]]

    if not all(report.within_tolerance.values()):
        out = report.territories[report.territories["within"].eq(False)]
        if len(out):
            shown = [
                f"{plain(name_of.get(t, t))} ("
                + ", ".join(
                    f"{METRICS.get(m, m).lower()} {deviation(row[f'{m}_deviation'], tol[m], around(t, m))}"
                    for m in report.deviation
                )  # (as many decimals as show it is beyond ±1%, not +1.0%)
                + ")"
                for t, row in out.set_index("territory_id").head(4).iterrows()
            ]
            more = f" and {len(out) - 4} more" if len(out) > 4 else ""
            if proposal.stopped_after is not None:  # (not the search's doing: the user's)
                why = "You stopped the search: propose again and let it run its time to bring them closer."
            elif proposal.scenario == "territories":
                why = (
                    "The search was stopped by its time: propose again with more time, or ask for another number "
                    "of territories."
                    if report.cut_short
                    else "The search ended by itself (more time gives the same plan): ask for another number of "
                    "territories" + (", or work with US counties (smaller regions)." if level == "state" else ".")
                )
            else:
                why = ("The search found no move that brings them closer: the regions at their borders may be reps' "
                       "home regions (they stay with their reps), locked, or held by territories that take other "
                       "accounts" + (", or whole states may be too large a step: work with US counties (smaller "
                                     "regions)." if level == "state" else "."))  # fmt: skip
            held = [t.territory_id for t in proposal.plan.territories if proposal.home_within_km is not None
                    and t.territory_id in set(out["territory_id"]) and t.territory_id not in names]  # fmt: skip
            if held:  # (the new territory, held near home: the distance is why, as the description says)
                why += (f" {plain(name_of.get(held[0], held[0]))} takes only regions within "
                        f"{proposal.home_within_km:,.0f} km of its rep's home, which may not hold its share on every "
                        "metric (said above): a larger distance gives it more to choose from.")  # fmt: skip
            elif proposal.home_within_km is not None and proposal.scenario != "rep_joins":
                why += (f" Each territory takes no region over {proposal.home_within_km:,.0f} km from its reps' "
                        "homes (said above): a larger distance gives them more to trade.")  # fmt: skip
            st.caption(f"Outside {band} by more than their largest regions force: {'; '.join(shown)}{more}. {why}")

    # A territory that takes regions and ends far over its share (one rep's territory taking a whole neighbour's):
    # said plainly, with what would help, whether it is counted above or kept.
    # (another number of territories: every territory is drawn afresh, so the worst of all is named, not the worst
    # of those that took regions -- Florida at 2.3x was named while California was 5.7x, a review)
    gainers = set(moves_table["to_territory_id"].dropna()) if len(moves_table) else set()
    taking = (report.territories if proposal.scenario == "territories"
              else report.territories[report.territories["territory_id"].isin(gainers)])  # fmt: skip
    heavy = taking[[f"{m}_deviation" for m in report.deviation]].max(axis=1).sort_values(ascending=False)
    said_heavy = None
    limit = max(0.25, 5 * max(tol.values()))
    if len(heavy) and heavy.iloc[0] > limit:
        worst_row = taking.loc[heavy.index[0]]
        said_heavy = worst_row["territory_id"]
        locked_now = bool(st.session_state.get("reb_locked"))
        also = [f"{name_of.get(taking.loc[i, 'territory_id'], taking.loc[i, 'territory_id'])} {1 + v:.1f}×"
                for i, v in heavy.iloc[1:4].items() if v > limit]  # fmt: skip
        # (a search stopped, by the user or its time, is not the best these territories can do, a review)
        stopped = proposal.stopped_after is not None or report.cut_short
        verdict = (
            "the search was stopped before it finished: propose again and let it run its time, and if it stays so, "
            if stopped
            else "this is the best these territories can do, not a balanced plan. "
        )
        # (a new rep's capacity far above the team's shrinks every other territory's share: the likely cause)
        usual = max(plan.usual_capacity(), 1)
        had = {r.rep_id for r in plan.reps}
        joining = max((r.capacity for r in proposal.plan.reps if r.rep_id not in had), default=0)
        if proposal.scenario == "rep_joins" and joining > 3 * usual:
            advice = (
                f"The new rep's capacity ({joining:,}) is {joining / usual:.0f}× the team's usual ({usual:,}): "
                "each territory's share follows its reps' capacity, so the others' shrink. Check the number."
            )
        elif proposal.scenario == "territories":
            advice = (
                "Ask for another number of territories, "
                + ("or work with US counties (smaller regions), " if level == "state" else "")
                + "or give the regions between the groups out of reach to a territory first."
            )
        else:
            advice = (
                "Before accepting, give it reps (Reps page)"
                + (", or unlock territories so that more share the load" if locked_now else "")
                + ", or give the territories beside it the same industry and tier focus (Edit page, Territory "
                "settings), so that they can take regions from it."
            )
        st.warning(
            f"{plain(name_of.get(worst_row['territory_id'], worst_row['territory_id']))} would carry "
            f"{1 + heavy.iloc[0]:.1f}× its share"
            + (plain(f" ({', '.join(also)} too)") if also else "")
            + f": {verdict}{advice}"
        )  # fmt: skip
    whole = "yes" if report.contiguous else ("as before" if set(report.pieces) <= set(report.split_at_start) else "no")
    kpis[2].metric("In one piece", whole,
                   help="A territory already in pieces (apart across regions no territory holds) keeps its pieces; "
                        "the proposal splits none.")  # fmt: skip
    # The regions at this level whose territory changes, against the plan as it is (a county that only stops
    # being claimed through its state is not a move).
    by_county = len(moves_table) and not moves_table["region_id"].isin(proposal.labels.index).all()
    # (a state whose every county moved alike on one row, "Idaho (all 44 counties)", as the Plans page's Compare lists
    # it: 145 rows of counties stood for 4 states, a review; made once, for the headline's help and the table)
    rows_moved = grouped_by_claim(moves_table, whole_state_claims(moves_table["region_id"]))
    whole_states = int(rows_moved["units"].gt(1).sum()) if by_county else 0
    # (regions handed across a country's border, in the headline: Idaho to Canada West was the whole default
    # proposal and said only in the notes, a review)
    crossing = into_new_countries(plan, moves_table) if proposal.scenario != "territories" and len(moves_table) else []
    # (and those going to no territory: "Regions moved 4" stood for four countries that no territory takes, a review)
    to_none = int(moves_table["to_territory_id"].isna().sum()) if len(moves_table) else 0
    flagged = [f"{len(crossing):,} across a border (notes below)" if len(crossing) else "",
               f"{to_none:,} to no territory" if to_none else ""]  # fmt: skip
    kpis[3].metric("Regions moved", f"{len(moves_table):,}", delta=" · ".join(f for f in flagged if f) or None,
                   delta_color="inverse", delta_arrow="off",
                   help="counted county by county, as the Plans page compares plans that hand out counties"
                   + (f": {counted(whole_states, 'state')} moved whole, each one row in the table below"
                      if whole_states else "")
                   if by_county else f"of {len(proposal.labels):,} regions at this level")  # fmt: skip
    # Every account whose territory or rep changes, as the Plans page's comparison counts them: a rep who leaves
    # hands accounts over (or leaves them waiting) without any changing territory.
    changing = diff.accounts
    had, has = changing["from_rep_id"].notna(), changing["to_rep_id"].notna()
    same = changing["from_rep_id"].eq(changing["to_rep_id"])
    waiting, served, still = int((had & ~has).sum()), int((~had & has).sum()), int((~had & ~has).sum())
    handed, same_rep = int((had & has & ~same).sum()), int((had & has & same).sum())
    kpis[4].metric(
        "Accounts changing", f"{len(changing):,}",
        # (in the headline, in red: a proposal that leaves accounts without a rep must not read well at a glance)
        delta=f"{waiting:,} left without a rep" if waiting else None, delta_color="inverse", delta_arrow="off",
        # (by what happens to their rep, so that the parts add up to the figure: "15 change territory; 15 that had
        # none get one" stood under 29)
        help=f"Accounts whose territory or rep changes: {len(changing):,}. "
        + "; ".join(
            part
            for part in (
                f"{handed:,} go from one rep to another" if handed else "",
                f"{same_rep:,} keep their rep in another territory" if same_rep else "",
                f"{served:,} that had no rep get one" if served else "",
                f"{waiting:,} that had a rep are left waiting for one" if waiting else "",
                f"{still:,} without a rep change territory" if still else "",
            )
            if part
        )
        + f". {impact.team['accounts_moved']:,} of them change territory (the CLI's accounts_moved; its "
        "accounts_changing is the headline figure). Their value: "
        + money(float(changing["value"].sum()) if len(changing) else 0.0),
    )  # fmt: skip
    many = report.searches > 1
    searched = f"{report.searches} searches ran side by side (the best plan is shown) and" if many else "The search"
    if proposal.stopped_after is not None:  # (said above: "Stopped after 4.1 s"; not "used all their 10 s")
        allowed = st.session_state.get("reb_seconds_used", seconds)
        st.caption(f"{searched} stopped when you asked, after {proposal.stopped_after:.1f} of "
                   f"{'their' if many else 'its'} {allowed:g} s, so proposing again may give a different plan.")  # fmt: skip
    elif report.cut_short:
        allowed = st.session_state.get("reb_seconds_used", seconds)  # (what it had, not the slider's value now)
        st.caption(cut_short_said(searched, many, float(allowed), report.seconds))
    else:
        took = f"in {report.seconds:.1f} s" if report.seconds >= 0.05 else "at once"  # (not "in 0.0 s")
        # (with what the CLI needs for the same plan: a new user compared the two and found no seed said here)
        # (its options on one line, app.py's style for this box: "--seed 0 --jobs 2" broke inside at 1280 px)
        st.container(key="reb_same_plan").caption(
            f"{searched} ended by {'themselves' if many else 'itself'} {took}: proposing again gives the same plan, as "
            f"does `cli.py rebalance` with `--seed 0 --jobs {report.searches}` and these settings."
        )  # fmt: skip
    for warning in impact.warnings:  # what the proposal does to the reps: over capacity, accounts waiting
        if st.session_state.get("reb_shortfall") and getattr(warning, "kind", "") == "waiting":
            continue  # (the leaver's accounts waiting where the reps are full: said above, with what would help)
        if impact.team.get("accounts_lost") and getattr(warning, "kind", "") == "coverage_gap":
            continue  # (the accounts left in no territory: said at the top, in red)
        st.warning(plain(warning))
    if proposal.scenario != "territories":
        from geo.editing import region_points

        reps_homes = [r.home_region for r in proposal.plan.reps if r.home_region]
        if proposal.scenario == "rep_joins":  # (the new territory far from its rep's home: said before accepting)
            for far in far_from_home(plan, proposal, new_state, region_points(reps_homes), region_label):
                st.warning(plain(far["said"]))
            # The new rep has no CRM user: where the team's reps have theirs, the Plans page's CRM files leave the new
            # rep's accounts out until it is given (350 accounts left out of both files unsaid, a review).
            joined = [r for r in proposal.plan.reps if r.rep_id not in {x.rep_id for x in plan.reps}]
            systems = [name for name, field in (("Salesforce user id", "salesforce_user_id"),
                                                ("HubSpot owner", "hubspot_owner"))
                       if any(getattr(r, field) for r in plan.reps if r.active)]  # fmt: skip
            theirs = int(new_state.result["rep_id"].isin([r.rep_id for r in joined]).sum())
            if joined and systems and theirs:
                st.info(
                    f"{plain(joined[0].name)} has no {' or '.join(systems)} yet: once accepted, give them on the "
                    "Reps page (Show rep ids and CRM owners), or the Plans page's CRM files leave out "
                    f"{counted(theirs, 'account')} of theirs.",
                    icon=":material/badge:",
                )
        # (a territory taking a region far beyond those it held: any scenario)
        for sentence in taken_far_from_home(
            proposal, holders, region_points([*proposal.labels.index, *reps_homes]), region_label,
            remedy="“Regions within (km of a rep's home)” above keeps every territory within a distance of its "
            "reps' homes." if proposal.scenario != "rep_joins"  # (there it holds only the new territory)
            else "Locking that territory, or its regions, above keeps them as they are.",
        ):  # fmt: skip
            st.warning(plain(sentence))
    waiting = int((new_state.result["rep_id"].isna() & new_state.result["territory_id"].notna()).sum())
    if proposal.scenario == "territories" and waiting:
        # (said with what to do: the warning above gave the count only, a new user's test)
        sized = (
            bool(report.territories["share"].sub(1.0).abs().gt(0.005).any()) if "share" in report.territories else False
        )
        st.caption(
            f"{counted(waiting, 'account')} {verb(waiting, 'waits', 'wait')} for a rep: "
            + ("the territories drawn are sized by the capacity of the reps placed in them, within the tolerance "
               "and as far as the regions allow (and the team may not carry them all: the Reps page has each rep's "
               "capacity). To place more of them: raise the capacity of the reps whose territories are full, or "
               "give those territories more reps (Reps page)."
               if sized else
               "a plan from scratch gives every territory an equal share, whatever its reps can carry (and the team "
               "may not carry them all: the Reps page has each rep's capacity). To place more of them: tick “Size "
               "territories by their reps' capacity” above and propose again (the territories drawn are then resized "
               "to the reps placed in them); or raise the capacity of the reps whose territories are full, or give "
               "those territories more reps (Reps page).")
        )  # fmt: skip
    # A region that crosses into a territory holding nothing in its country (Idaho to Canadian provinces): said, as a
    # manager may not want a territory across a border (counted in the headline above).
    if len(crossing):
        said = [
            # (county names listed by the dozen read as one list with their states: "Ada, ID, Adams, ID, …")
            f"{plain(describe_regions(list(group['region_id'])))} "
            f"({plain(region_labels([country])[0])}) to {plain(name_of.get(to, to))}"
            for (to, country), group in crossing.groupby(["to_territory_id", "country"], sort=True)
        ]
        # (a region of a territory that goes cannot stay where it is: no lock advice for those)
        going = set(names) - set(proposed_names)
        lockable = ~crossing["from_territory_id"].isin(going)
        one = int((~lockable).sum()) == 1
        it = "it" if one else "them"
        notes.info(
            "regions across a border",
            "Across a border: "
            + "; ".join(said)
            + ", which held no region of that country before."
            + (
                " To keep regions in their country, tick “Keep regions in their country”, or lock a region (Locked "
                "regions), and propose again."
                if lockable.any()
                else ""
            )
            + (
                f" {plain(describe_regions(list(crossing.loc[~lockable, 'region_id'])))} "
                + ("comes" if one else "come")
                + f" from a territory that goes, so locking cannot keep {it} where {'it is' if one else 'they are'}: "
                f"to give {it} to another territory, move {it} on the Edit page after accepting."
                if (~lockable).any()
                else ""
            ),
        )
    if proposal.separate:
        alone = ", ".join(plain(names.get(t, t)) for t in proposal.separate)
        one = len(proposal.separate) == 1
        notes.info(
            "territories out of reach",
            f"{alone}: no border within reach of the other territories (the sea, or regions no territory holds, lie "
            "between), so rebalancing cannot "
            f"change {'it' if one else 'them'}; {'it is' if one else 'they are'} kept as {'it is' if one else 'they are'}"
            " and left out of the mean the others are balanced to.",
        )
    # A territory went, and its regions were handed to its neighbours first (not so when a rep leaves a team that
    # stays): the territories that took some.
    gone = set(names) - set(proposed_names)
    handed_out = proposal.scenario == "rep_leaves" and bool(gone)
    start_holder = proposal.start.reindex(list(holders)) if handed_out else None
    took = (
        {str(t) for r, t in start_holder.items() if holders.get(r) in gone and isinstance(t, str)}
        if handed_out
        else set()
    )
    if proposal.apart:
        groups = "; ".join(plain(describe_regions(part)) for part in proposal.apart)
        # The rest, where their share cannot be had, are balanced around the centre the search aims at.
        held_apart = {proposal.labels.get(r) for part in proposal.apart for r in part}
        rest = [c for t, c in report.centres.items() if t not in held_apart]
        rest = rest if len(rest) > 1 else []  # (one territory holding the rest: the table says it all)
        together = {m: sorted({round(c[m], 3) for c in rest if m in c}) for m in tol}
        together = {m: v for m, v in together.items() if v}
        # Each group apart with territories of its own that share it (Texas and Louisiana's two at -33%: "near group
        # mean" with no average said), unless every split of it was tried (its own note says so).
        apart_said = []
        for part in proposal.apart:
            members = sorted(set(proposal.labels.reindex(list(part)).dropna()))
            centre = report.centres.get(members[0], {}) if members else {}
            if len(members) < 2 or not centre or any(set(members) <= set(g) for g in report.split_best):
                continue
            apart_said.append(
                " and ".join(plain(name_of.get(t, t)) for t in members) + " share what their regions hold: on average "
                + ", ".join(f"{centre[m]:+.1%} on {METRICS.get(m, m).lower()}" for m in tol if m in centre)
                + " against their shares"
            )  # fmt: skip
        notes.info(
            "regions out of reach",
            f"Out of reach of the other regions: {groups}. Regions no territory holds (or the sea) lie between, and a "
            "territory never reaches across them, so these get territories of their own: their balance is what "
            "their regions allow. Give the regions between to a territory first (Edit page) to let them join."
            + ("".join(f" {said}." for said in apart_said))
            + (
                " The other territories share what the rest holds (less what regions bigger than a share take): "
                "on average "
                + ", ".join(
                    (f"{v[0]:+.1%}" if len(v) == 1 else f"{v[0]:+.1%} to {v[-1]:+.1%}")
                    + f" on {METRICS.get(m, m).lower()}"
                    for m, v in together.items()
                )
                + " against their shares. One within its tolerance of that, or between that and its share, reads "
                "'near' and that average in the table's Within column: a better plan might bring it closer."
                if together
                else ""
            ),
        )
    elif report.centres and not proposal.handed_out_only:
        # Groups that only trade among themselves (kept territories lie between): each is balanced around what its
        # regions hold, said with where the search aims it (a new user read "best possible" at +10% as a claim with
        # nothing behind it). Territories kept as they are were not balanced around anything: not said (a new
        # user's test: every territory kept, judged "no", and five listed as groups "near" their means).
        groups: dict[tuple, list[str]] = {}
        kept_ids = set(rows.loc[rows["locked"].astype(bool), "territory_id"])
        for t, c in report.centres.items():
            if t not in kept_ids:
                groups.setdefault(tuple(round(float(c.get(m, 0.0)), 3) for m in tol), []).append(t)
        kept_between = bool(rows["locked"].astype(bool).any())
        ((key, members),) = groups.items() if len(groups) == 1 else ((None, []),)
        if not groups:
            pass
        elif len(members) > 1 and not kept_between and all(v <= 0 for v in key) and len(proposal.separate) == 0:
            # One group, short of its shares because regions bigger than a share (or locked ones) keep their
            # territories over theirs.
            aimed = ", ".join(f"{v:+.1%} on {METRICS.get(m, m).lower()}" for m, v in zip(tol, key, strict=True) if v)
            notes.info(
                "groups balanced apart",
                "Some regions hold more than a territory's share, or are locked in one that holds more, and keep "
                f"their territories over their shares; the other {len(members)} territories share less: on average "
                f"{aimed} against their shares. One within its tolerance of that, or between that "
                "and its share, reads 'near' and that average in the table's Within column: a better plan might bring it closer.",
            )
        else:
            said = [
                # ("Canada West, Rockies and US West", not "Canada West and Rockies and US West": a new rep's group)
                and_list(sorted(plain(name_of.get(t, t)) for t in members), shown=len(members))
                + (" are" if len(members) > 1 else " is")
                + " aimed at "  # (not "on average at": their figures in the table need not average to it)
                + ", ".join(f"{v:+.1%} on {METRICS.get(m, m).lower()}" for m, v in zip(tol, key, strict=True))
                for key, members in sorted(groups.items())
            ]
            notes.info(
                "groups balanced apart",
                "Not every territory can trade regions with every other"
                + (" (territories kept as they are, said below, lie between some of them)" if kept_between else "")
                + ": territories that trade only among themselves share what their regions hold (less what a "
                "region bigger than a share, or hemmed in, keeps its territory over). "
                + "; ".join(said)
                + " (against the team's mean times each one's size). One within its tolerance of that reads "
                "'near' and that average in the table's Within column: a better plan might bring it closer."
                # (not "or between that and its share": each group is judged against its own share, and Canada West
                # at -9.2%, between -19.3% and the team's share, read "no" beside it, a review)
            )  # fmt: skip
    if proposal.left_out and not impact.team.get("accounts_lost"):  # (else said with the accounts, above)
        st.warning(_left_out_said(proposal.left_out))
    if proposal.one_way:
        notes.info("one-way trades", plain(proposal.one_way))
    kept_focus = [t for t in proposal.own_focus if t not in proposal.gave]
    if kept_focus:
        focused = ", ".join(plain(names.get(t, t)) for t in kept_focus)
        took_some = [t for t in kept_focus if t in took]
        kept = (
            "not rebalanced after taking their share of the leaving territory's regions"
            if took_some and len(took_some) == len(kept_focus)
            else (
                f"kept as they are ({', '.join(plain(names.get(t, t)) for t in took_some)} after taking regions of "
                "the territory that goes)"
                if took_some
                else "kept as they are"
            )
        )
        notes.info(
            "territories kept for their focus",
            f"{focused}: no touching territory takes the same accounts (industries and tiers), and a region moved "
            f"between territories that take different accounts would leave some of them in no territory; so they "
            f"are {kept} and left out of the mean the others are balanced to.",
        )
        # Which of them are over their share, and what would help: this proposal cannot bring them down.
        rows = report.territories.set_index("territory_id")
        # (each with the metric it is over on: "North America East (+2%)" stood beside its −11.3% on accounts)
        over = {
            t: max((rows.loc[t, f"{m}_deviation"], m) for m in report.deviation)
            for t in kept_focus
            if t in rows.index and any(rows.loc[t, f"{m}_deviation"] > tol[m] for m in report.deviation)
        }
        over.pop(said_heavy, None)  # (said above, with its figure)
        if over:
            territory_of = {t.territory_id: t for t in plan.territories}
            focused = [t for t in over if t in territory_of and (territory_of[t].industries or territory_of[t].tiers)]
            heavy_ones = ", ".join(
                f"{plain(names.get(t, t))} ({METRICS.get(m, m).lower().split(' (')[0]} {v:+.1%})"
                for t, (v, m) in sorted(over.items())
            )
            wide = [t for t in over if t not in focused]

            def named(ids) -> str:
                return ", ".join(plain(names.get(t, t)) for t in sorted(ids))

            one = len(over) == 1
            ways = []
            if focused and proposal.scenario != "territories" and not proposal.one_way and not one_way:
                ways.append("tick “One-way trades” to let a territory with a focus give regions to touching "
                            "territories that take every account it takes")  # fmt: skip
            if focused:
                ways.append(f"widen {'its' if one else 'the'} focus{'' if one else ' of ' + named(focused)} (Edit "
                            "page, Territory settings)")  # fmt: skip
            ways.append(f"give {'it' if one else named(over)} reps (Reps page), so that "
                        f"{'its share grows' if one else 'their shares grow'}")  # fmt: skip
            if wide:
                ways.append(f"give the regions between {'it' if one else named(wide)} and a territory that takes "
                            "every account to a territory (Edit page), so that they touch")  # fmt: skip
            notes.warning(
                "how to bring territories to their share",
                f"This proposal cannot bring {heavy_ones} down to {'its' if len(over) == 1 else 'their'} share. "
                f"To change that: {'; or '.join(ways)}.",
            )
    gave_focus = [t for t in proposal.own_focus if t in proposal.gave]
    if gave_focus:
        notes.info(
            "territories kept for their focus",
            f"{', '.join(plain(names.get(t, t)) for t in gave_focus)}: beyond the regions given one way (above), not "
            "rebalanced (no touching territory takes the same accounts, so none can give regions back) and left out "
            "of the mean the others are balanced to.",
        )
    for sentence in describe_pieces(report, name_of, describe_regions, proposal.cut_by_home):
        notes.info("territories in pieces", plain(sentence))
    hemmed_notes = describe_hemmed(report, name_of, region_labels)
    if len(hemmed_notes) > 3:  # (one list, not a wall of boxes: dozens with many territories)
        notes.bullets("hemmed in by heavy regions",
                      f"{len(hemmed_notes)} territories hemmed in by heavy regions: judged against their bounds",
                      [plain(sentence) for sentence in hemmed_notes])  # fmt: skip
    else:
        for sentence in hemmed_notes:
            notes.info("hemmed in by heavy regions", plain(sentence))
    # Why a few regions' territories are "best possible" (Germany & Netherlands at -30%: only the column's help said)
    for sentence in describe_split_best(report, proposal.labels, name_of, region_labels):
        notes.info("regions split every way", plain(sentence))
    # (every state counted 1 for a few territories: 13 | 12 at best, judged against what the regions allow)
    metric_words = {m: METRICS.get(m, m).split(" (")[0].lower() for m in METRICS}
    for sentence in describe_coarse(report, name_of, metric_words):
        notes.info("regions too coarse to split evenly", plain(sentence))
    notes.show()

    # (the quotas and the reps after, in two boxes above Accept: under the details they came after it)
    # Quotas follow the accounts (assign_proposal): said before accepting, with each territory's before and after.
    # A territory drawn anew keeps the id of the old one it overlaps most, and its quota and reps now are that one's:
    # said with the old name ("Texas & Louisiana (was US South)" with US South's three reps, a new user's test).
    def was(territory_id: str) -> str:
        new, old = name_of.get(territory_id, territory_id), names.get(territory_id)
        return new if old is None or old == new else f"{new} (was {old})"

    quota_now = {t.territory_id: t.annual_quota for t in plan.territories}
    quotas = pd.DataFrame(
        [
            (was(t.territory_id), quota_now.get(t.territory_id), t.annual_quota)
            for t in proposal.plan.territories
            if t.annual_quota is not None and abs((quota_now.get(t.territory_id) or 0.0) - t.annual_quota) >= 0.5
        ]
        + [
            (f"{names.get(t, t)} (goes)", q, None)
            for t, q in quota_now.items()
            if q and t not in {x.territory_id for x in proposal.plan.territories}
        ],  # fmt: skip
        columns=["territory", "now", "after"],
    )
    total_now = float(sum(q for q in quota_now.values() if q))
    total_after = float(sum(t.annual_quota for t in proposal.plan.territories if t.annual_quota))
    if len(quotas):
        with st.expander(f"Annual quotas follow the accounts: {len(quotas)} territor{'y' if len(quotas) == 1 else 'ies'}"
                         " change"):  # fmt: skip
            st.caption(
                "A territory that gives a share of its accounts' value gives that share of its quota; a new territory "
                "gets the quota of what it takes. "
                + (f"The team's total stays {money(total_now)}." if abs(total_now - total_after) < 1
                   else f"The team's total goes from {money(total_now)} to {money(total_after)}"
                   + (": accounts that had no territory bring quota at the plan's rate (its quotas over the value "
                      "its territories held), so that a territory drawn over white space is measured against a "
                      "quota for it. Change quotas on the Edit page (Territory settings) after accepting." if total_after > total_now
                      else "."))
            )  # fmt: skip
            show_table(quotas, hide_index=True,
                       column_config={"territory": st.column_config.TextColumn("Territory", width=400),
                                      "now": money_column("Quota now"), "after": money_column("Quota after")})  # fmt: skip

    # Who covers each territory after (the table above has no room for it at 1280 px): a manager reads "Canada West"
    # and asks who has it now (a new user's test).
    def covering(p, territory_id: str) -> str:
        return ", ".join(r.name for r in p.reps if r.active and territory_id in r.territory_ids)

    kept_ids = {t.territory_id for t in proposal.plan.territories}
    staffing = pd.DataFrame(
        [(was(t.territory_id), covering(plan, t.territory_id), covering(proposal.plan, t.territory_id))
         for t in proposal.plan.territories]
        # (and the territories that go, with who has them now)
        + [(f"{t.name} (goes)", covering(plan, t.territory_id), "—") for t in plan.territories
           if t.territory_id not in kept_ids and covering(plan, t.territory_id)],
        columns=["territory", "now", "after"],
    )  # fmt: skip
    changing_reps = int(staffing["now"].ne(staffing["after"]).sum())
    without = int(staffing["after"].eq("").sum())
    with st.expander(
        "Reps: who covers each territory ("
        + ("no change" if not changing_reps else f"{changing_reps} change{'' if changing_reps == 1 else 's'}")
        + (f", {without} without a rep" if without else "") + ")"
    ):  # fmt: skip
        # (the territory's column takes the room: "X (was Y)" was cut at 1280 px beside short rep names)
        # (the reps' names wrap onto more lines, every name whole: at 1280 px "Reps after" cut "Priya Patel, Diego
        # Alvarez, Hannah" and "Tom Becker, Aisha Okafor, Noah Wi", a new user's test)
        row = max(wrapping_row_height(staffing["territory"], STAFFING_WIDTHS["territory"]),
                  *(wrapping_row_height(staffing[c], STAFFING_WIDTHS["reps"]) for c in ("now", "after")))  # fmt: skip
        one_line = all(len(str(t)) * CHARACTER_WIDTH + 2 * CELL_PADDING <= STAFFING_WIDTHS[w]
                       for c, w in (("territory", "territory"), ("now", "reps"), ("after", "reps"))
                       for t in staffing[c])  # fmt: skip
        show_table(staffing, hide_index=True, width="stretch",
                   **({} if one_line else {"row_height": row, "height": table_height(min(len(staffing), 12), row)}),
                   column_config={"territory": st.column_config.TextColumn("Territory",
                                                                           width=STAFFING_WIDTHS["territory"]),
                                  "now": st.column_config.TextColumn("Reps now", width=STAFFING_WIDTHS["reps"]),
                                  "after": st.column_config.TextColumn("Reps after",
                                                                       width=STAFFING_WIDTHS["reps"])})  # fmt: skip
    # The decision under the figures and the notes, before the details (the table, the map of moves, the
    # handoffs): at the foot of the proposal, Accept stood ~2,600 px below its headline (a new user's test).
    before, after = impact.team["balance_score_before"], impact.team["balance_score_after"]
    waiting = impact.team["accounts_waiting_before"], impact.team["accounts_waiting_after"]
    gap = impact.team.get("accounts_in_no_territory_before", 0), impact.team.get("accounts_in_no_territory_after", 0)
    # (the accounts in no territory said too: "(269 → 207 waiting)" stood beside "Accounts with no rep across the
    # team: 209, against 271", the difference 2 accounts in no territory: a new user read a contradiction)
    st.caption(
        f"Team balance score {score(before)} → {score(after)} (accounts assigned by the plan's rules). The score compares "
        "each territory's accounts and value per rep with the plan's targets per rep, so it can fall while the "
        "territories get closer to each other; accounts waiting for a rep lower it"
        + (f" ({waiting[0]:,} → {waiting[1]:,} waiting in a territory" if any(waiting) else "")
        + (f"; {gap[0]:,} → {gap[1]:,} in no territory, with no rep either" if any(gap) and any(waiting) else "")
        + (")." if any(waiting) else ".")
        # (the score rose as a whole region's accounts left every territory: a new user read it as a better plan)
        + (
            f" Accounts in no territory do not count in it: it rises here while {gap[1] - gap[0]:,} more accounts "
            "would be in no territory."
            if gap[1] > gap[0] and after > before
            else ""
        )
    )

    def _accept(as_version: bool = False) -> None:
        """Save the proposal as a new draft plan, or (``as_version``) as the open plan's next version, and open it."""
        store = plan_store()
        if store is None:  # nowhere to save it: it becomes the session's plan, as assigned here (reps kept)
            push_state(new_state, proposal.description)  # a step of the edit history, as assigned here
            st.session_state.pop("reb_proposal", None)
            st.session_state["reb_accepted"] = ("Applied to this session's plan. It is not saved: the plan store "
                                                "could not be opened (see the Plans page).")  # fmt: skip
            return
        # Named with what and when: two drafts rebalanced from one plan are told apart (a rebalanced plan
        # rebalanced again keeps one suffix).
        from datetime import UTC, datetime

        named = replace(proposal.plan, name=draft_name(plan.name, proposal.summary, datetime.now(UTC)))
        where = stored_plan()
        settings = st.session_state.get("reb_settings_said", "")
        message = proposal.description + (f" (from plan #{where[0]} v{where[1]})" if where else "") + settings
        assignments = new_state.result[["account_id", "territory_id", "rep_id", "status", "value"]]
        who = str(st.session_state.get("reb_author") or "").strip()
        if not who:  # (the name cleared and Accept clicked at once: the button was drawn while it was there)
            st.session_state["reb_error"] = "give your name before accepting: it is saved with the draft"
            return
        remember_author("reb_author")  # (the Plans page starts from it; a reload keeps it)
        if where and unsaved_changes() and st.session_state.get("reb_save_first", True):
            # The plan's unsaved edits (the proposal started from them) are saved first as its next version:
            # opening the draft dropped them, unasked (a new user's test).
            from territory.store import StoreError, VersionConflict

            try:
                # (with the edits, in the audit log as the Plans page's saves log them: missing, a review)
                kept = store.save(where[0], plan, base_version=where[1], author=who,
                                  message="Edits saved before accepting a rebalance proposal",
                                  assignments=engine.result[["account_id", "territory_id", "rep_id", "status",
                                                             "value"]], edits=session_edits()[0])  # fmt: skip
            except (VersionConflict, StoreError) as error:
                st.session_state["reb_error"] = (f"your changes to plan #{where[0]} could not be saved first, so "
                                                 f"nothing was accepted: {error}")  # fmt: skip
                return
            where = (kept.plan_id, kept.version)
            message = proposal.description + f" (from plan #{where[0]} v{where[1]})" + settings
        if as_version and where:
            # The plan's next version, under its own name: a quarter's rebalances stay in one plan's history (two
            # new users expected the open plan to change, and found plans #2 and #3 instead).
            from territory.store import StoreError, VersionConflict

            try:
                version = store.save(where[0], replace(proposal.plan, name=plan.name), base_version=where[1],
                                     author=who, message=proposal.description + settings, assignments=assignments)  # fmt: skip
            except (VersionConflict, StoreError) as error:
                st.session_state["reb_error"] = (
                    f"the proposal could not be saved as plan #{where[0]}'s next version: {error}"
                )
                return
            open_version(version, replace(new_state, plan=version.plan))
            st.session_state.pop("reb_proposal", None)
            st.session_state["reb_accepted"] = (f"Saved as version {version.version} of plan #{version.plan_id}; the "
                                                "Plans page compares it with the version before.")  # fmt: skip
            st.session_state["reb_previous"] = (where, (version.plan_id, version.version))
            return
        version = store.create_plan(named, author=who, message=message, assignments=assignments)
        open_version(version, replace(new_state, plan=version.plan))  # as assigned here, reps kept
        st.session_state.pop("reb_proposal", None)
        st.session_state["reb_accepted"] = f"Saved as the new draft plan #{version.plan_id} and opened it."
        # (to go back to, while the accepted draft is the plan open: also after visiting other pages)
        st.session_state["reb_previous"] = (where, (version.plan_id, version.version)) if where else None

    # Who accepts is saved with the draft: the name given here or on the Plans page (one name for both), never the
    # server's login name.
    # (without a plan store nothing is saved, and no name is asked)
    nameless = False
    where_now = stored_plan()
    if plan_store() is not None and where_now and unsaved_changes():
        # (accepting opens the new draft: the plan's unsaved edits would go with the session's plan)
        st.checkbox(f"Save my unsaved changes to plan #{where_now[0]} first (as version {where_now[1] + 1})",
                    value=True, key="reb_save_first",
                    help="The proposal starts from the plan as you edited it. Accepting opens the new draft; "
                         "without this, your edits to the plan you came from are dropped.")  # fmt: skip
        if not st.session_state.get("reb_save_first", True):
            st.caption(f"Your unsaved edits to plan #{where_now[0]} will be dropped when the draft opens (the "
                       "draft itself keeps what the proposal made of them).")  # fmt: skip
    # The name and the two buttons on one row (the name box across the page pushed them down).
    decide = st.columns([3, 1.6, 1.6, 1], vertical_alignment="bottom")
    if plan_store() is not None:
        if "reb_author" not in st.session_state:
            st.session_state["reb_author"] = author(default="")
        decide[0].text_input("Your name (required: saved with the draft)", key="reb_author", max_chars=80,
                             on_change=remember_author, args=("reb_author",))  # fmt: skip
        nameless = not str(st.session_state.get("reb_author") or "").strip()
    decide[1].button("Accept as a new draft", type="primary", on_click=_accept, key="reb_accept",
                     disabled=stale or unchanged or nameless, width="stretch",
                     help="Nothing would change: the plan is as this proposal has it" if unchanged
                     else "Give your name first: it is saved with the draft" if nameless
                     else stale_said if stale else None)  # fmt: skip
    if plan_store() is not None and where_now:
        # (the next version's number, after the unsaved edits saved first where they are)
        after_edits = where_now[1] + (1 if unsaved_changes() and st.session_state.get("reb_save_first", True) else 0)
        decide[2].button(f"Accept as version {after_edits + 1}", on_click=_accept, kwargs={"as_version": True},
                         key="reb_accept_version", disabled=stale or unchanged or nameless, width="stretch",
                         help=f"Save the proposal as plan #{where_now[0]}'s next version (its history and the Plans "
                         "page's Compare show the change), instead of a new draft plan")  # fmt: skip
    decide[3].button("Discard", on_click=lambda: st.session_state.pop("reb_proposal", None), key="reb_discard",
                     width="stretch")  # fmt: skip
    if stale and not unchanged:  # (said beside the greyed buttons too: only above the proposal, far up, before)
        st.caption(stale_said)
    st.subheader("Territories before and after", divider="gray")
    table = report.territories.copy()
    table["territory"] = table["territory_id"].map(lambda t: name_of.get(t, t))
    # Within the tolerance itself, off only by what its regions force ("best possible"), within the tolerance of its
    # group's mean ("near group mean"), or not (a kept territory:
    # on the tolerance itself, as the headline counts it).
    # ("near group mean" with the mean said: judged against a figure the table did not show, a new user's test)
    table["within"] = [
        near_mean(report.centres.get(t, {}), list(report.deviation), min(tol.values())) if v == "near group mean" else v
        for t, v in zip(table["territory_id"], verdicts, strict=True)
    ]
    # "kept" as a word: a ticked box in a table read as something to untick
    # ("took, kept" for one that took regions of the territory that goes and was not rebalanced after: "kept" stood
    # beside US West gaining 4 regions, -9.2% to +6.3%, a review)
    table["locked"] = [
        ("took, kept" if t in took else "kept") if bool(k) else ""
        for t, k in zip(table["territory_id"], table["locked"].fillna(False), strict=True)
    ]
    # Columns that say nothing here are left out (every territory in one piece, none kept, equal shares; pieces of
    # kept territories only, which a note below names), so that the metrics fit beside the names at 1280 px; the
    # names stay in view when the table scrolls sideways.
    columns = ["territory", "locked", "within", "share", "regions", "parts"]
    if not table["locked"].astype(bool).any():
        columns.remove("locked")
    if table["share"].sub(1.0).abs().max() < 0.005:
        columns.remove("share")
    if table.loc[~table["locked"].astype(bool), "parts"].fillna(1).le(1).all():
        columns.remove("parts")
    if proposal.home_within_km is not None:
        # (held to a distance of home: how far each reaches, to check it against the distance; the twelfth new
        # user's suggestion)
        from geo.editing import region_points as points_of

        reach = farthest_from_home(proposal.plan, proposal.labels, points_of(
            [*proposal.labels.index, *(r.home_region for r in proposal.plan.reps if r.home_region)]
        )).set_index("territory_id")  # fmt: skip
        table["farthest"] = table["territory_id"].map(reach["farthest_km"])
        table["farthest_region"] = table["territory_id"].map(reach["farthest_region"].map(region_label))
        columns.append("farthest")
    for m in proposal.report.deviation:
        if proposal.before is not None:
            was = proposal.before.set_index("territory_id")[f"{m}_deviation"]
            # (a territory the proposal makes has no figure now)
            table[f"{m}_before"] = table["territory_id"].map(was).where(table["territory_id"].isin(names))
            columns.append(f"{m}_before")
        columns.append(f"{m}_deviation")
    # The longest name whole, where the other columns leave room at 1280 px (the page's main column is ~820 px wide
    # with the sidebar open; a metric's column ~90 px), else what room they leave, down to 112 px: the table then
    # fits, a long name cut (its tooltip whole), rather than scrolling its last metric out of view (a rep leaving,
    # metrics now and after: 838 px in 818, "Value after" cut, a new user's test). ("Southern California & Arizona
    # + 4 more" was cut at 230 px with 260 px to spare.)
    longest = max((len(v) for v in table["within"] if str(v).startswith("near ")), default=0)
    long_verdicts = {"best possible": 104}  # (the room each takes; "near -15% / -12%" by its length)
    width = {"locked": 80 if table["locked"].eq("took, kept").any() else 56, "within": max([w for v, w in long_verdicts.items() if table["within"].eq(v).any()]
                                         + [7 * longest + 14 if longest else 64]),
             "share": 60, "regions": 72, "parts": 64, "farthest": 76}  # fmt: skip
    # (with figures now and after, four or more metric columns: each 98 px, its header short, "Workload before"; the
    # headers' own widths, "Workload handed out" at 145 px, pushed "Value after" out of view)
    both = proposal.before is not None
    metric_width = 98 if both else None

    def room_left() -> int:
        return 816 - sum(
            width.get(c) or (64 if c == "within" else metric_width or 90) for c in columns if c != "territory"
        )

    room = room_left()
    if room < 112 and "regions" in columns:
        # (kept, pieces, a long verdict and four metric columns leave no room for the names: the count of regions
        # gives way, the table scrolled 44 px with "Value after" cut at 1280 px, a new user's test; the moves table
        # below lists the regions)
        columns.remove("regions")
        room = room_left()
    wanted = 7 * int(table["territory"].str.len().max()) + 24
    name_width = int(max(min(wanted, room), 112))

    def decimals(column: str, metric: str) -> int:
        """As many as tell a figure beyond the tolerance from one inside: "+5.04%", not "+5.0%" by "best possible".

        And beyond its group's mean ± the tolerance: two rows read "+5.9%", one "near group mean", one "no" (+4.9%
        ± 1%).
        """
        edges = [around(t, metric) for t in table["territory_id"]]
        return max((deviation_digits(v, tol[metric], e) for v, e in zip(table.get(column, ()), edges, strict=False)),
                   default=1)  # fmt: skip

    # One number of decimals for the metrics side by side ("9.8%" beside "0.31%" read as two kinds of figure)
    # (and for now and after alike: "-9.5%" now beside "-6.42%" after, the twelfth new user)
    # (at most two: one figure a hair beyond an edge gave the whole table three, "8.340%", "-12.713%", from one
    # proposal to the next: the fifteenth new user; the Within column says which side such a figure is on)
    after_digits = before_digits = min(max((decimals(f"{m}_{when}", m) for m in proposal.report.deviation
                                            for when in ("deviation", "before")), default=1), 2)  # fmt: skip
    # ("Within: within ±10% workload, ±5% value of its share on every metric" read awkwardly: the fifteenth new user)
    within_said = (f"Within: “yes” when every metric is within {band} of the territory's share."
                   if len(set(tol.values())) == 1 else
                   "Within: “yes” when every metric is within its tolerance of the territory's share ("
                   + ", ".join(f"{METRICS.get(m, m).lower()} ±{v * 100:g}%" for m, v in tol.items()) + ").")  # fmt: skip
    if "share" in columns:  # (its meaning was in the column's help alone: a review)
        within_said += (
            " Share: the territory's size against the average territory's (what its reps can carry), "
            "so 1.50× aims at half as much again as the team's mean."
        )
    st.caption(within_said)
    show_table(
        table[columns], hide_index=True,
        column_config={"locked": st.column_config.TextColumn(  # (a kept one: against the whole team's mean)
            "Kept", width=width["locked"], help="Not rebalanced: locked, alone on its land mass, or no touching territory takes the same "
                         "accounts" + ("; 'took, kept': it took regions of the territory that goes, and was not "
                                       "rebalanced after" if handed_out else "")
        ),
                       "territory": st.column_config.TextColumn("Territory", width=name_width, pinned=True),
                       "within": st.column_config.TextColumn(
                           "Within", width=width["within"], help=f"Yes: within {band} on every metric. Best possible: further "
                                          "off, but only by what its own regions force (a region bigger than a "
                                          "share, a heavy region hemmed in by heavy regions, a few regions that no "
                                          "other split shares out better, a land mass it holds alone). Near, with a "
                                          "figure: its group of territories holds that much over or under their "
                                          "shares on average (the notes above the table say why), and it is within "
                                          "its tolerance of that figure, or between that figure and its share. One "
                                          "figure per metric, in the order of the columns, or one alone where they "
                                          "read alike. A better plan might bring it closer. A kept "
                                          "territory: within the tolerance itself or not"),
                       "share": st.column_config.NumberColumn(
                           "Share", format="%.2f×", width=width["share"], help="Its size against the average territory's: what its reps "
                                                         "can carry, or 1× each with equal shares (a new rep's "
                                                         "territory held near home: what lies there)"),
                       "regions": st.column_config.NumberColumn("Regions", format="%d", width=width["regions"]),
                       "farthest": st.column_config.NumberColumn(
                           "Farthest", format="%,.0f km", width=width["farthest"],
                           help="Its region farthest from its reps' homes: how far that region's centre lies from "
                                "the nearest of them (the CLI's farthest_km, with the region's name)"),
                       "parts": st.column_config.NumberColumn(
                           "Pieces", format="%d", width=width["parts"], help="More than 1: apart across regions no territory holds"),
                       **{f"{m}_deviation": percent_column(
                           f"{METRICS.get(m, m).split(' (')[0] if both else METRICS.get(m, m)} after",
                           digits=after_digits, width=metric_width, signed=True,
                           help="In the proposal: off its share by this much (its share: the team's mean times its "
                                "size)")
                          for m in proposal.report.deviation},
                       **{f"{m}_before": percent_column(
                           f"{METRICS.get(m, m).split(' (')[0]} now",
                           digits=before_digits, width=metric_width, signed=True,
                           help="In the current plan, its regions as they are today"
                           + (" (the leaving territory's not yet handed out)" if handed_out else "")
                           + ", against the same shares as after (the team after the change: a new territory's "
                           "size moves them)")
                          for m in proposal.report.deviation}},
    )  # fmt: skip
    # A territory that goes has no row (it has no share after): what it holds now, said under the table, since every
    # row's "now" is then under its share (the thirteenth new user could not see where the excess sat)
    gone_rows = impact.territories[~impact.territories["territory_id"].isin(proposed_names)]
    for row in gone_rows.itertuples(index=False):
        # (its reps' figures: the accounts waiting there were left out of "it holds 300 accounts" while 319 moved,
        # the fifteenth new user)
        waiting = 0 if pd.isna(row.unserved_before) else int(row.unserved_before)
        st.caption(
            f"{plain(row.name)} goes, so it has no row: now its reps carry "
            f"{counted(int(row.accounts_before), 'account')}, {row.workload_before:,.0f} of workload and "
            f"{money(row.value_before)} of value"
            + (
                f", and {counted(waiting, 'more account')} {verb(waiting, 'waits', 'wait')} for a rep there"
                if waiting
                else ""
            )
            + ": the territories that take its regions carry them after."
        )
    if len(moves_table):
        from streamlit_folium import st_folium

        # Beside the map while the names are short; under it, at full width, when a territory's name is long
        # ("US West + North America East + …" was cut to "US West + North A…" at 1280 px).
        longest = max((len(str(n)) for n in (*moves_table["from_name"], *moves_table["to_name"])), default=0)
        left, right = st.columns([5, 4]) if longest <= 20 else (st.container(), st.container())
        with left:
            # (a copy each run: st_folium renames the map's parts in place, and the kept map then named layers that
            # no longer exist on the next rerun: the map vanished with "fast_geo_json_… is not defined")
            st_folium(copy.deepcopy(fmap), height=480,
                      use_container_width=True,
                      returned_objects=[], key="reb_map")  # fmt: skip
            # (its legend under it, escaped by geo: over the map, eight entries hid the regions on the Atlantic side)
            if getattr(fmap, "legend_html", ""):
                st.html(fmap.legend_html)
            # (the map shows where most moves are: the others named, or a manager never sees them on the map)
            away = st.session_state.get("reb_off_view") or []
            if away:
                listed = region_labels(away[:8])
                st.caption(f"Also moved, off this view (zoom out to see): {', '.join(plain(n) for n in listed)}"
                           + (f" and {len(away) - 8} more" if len(away) > 8 else "") + ".")  # fmt: skip
        with right:
            # (names of their own: the home picker's format_func reads the page's ``labels`` when it is drawn)
            rows_named = region_labels(rows_moved["region_id"])
            shown = rows_moved.assign(region=[name if units == 1 else f"{name} (all {units:,} counties)"
                                              for name, units in zip(rows_named, rows_moved["units"], strict=True)])  # fmt: skip
            show_table(shown[["region", "from_name", "to_name"]], hide_index=True,
                       column_config={"region": "Region", "from_name": "From", "to_name": "To"},
                       # (under the map, as tall as its rows up to 300 px: 3 moves stood over 5 empty rows)
                       **({} if longest <= 20 else {"height": min(300, table_height(len(shown), TABLE_HEADER))}))  # fmt: skip
    if len(diff.handoffs):
        st.markdown("**Handoffs per rep**")
        show_handoffs(diff.handoffs)
        # (the eleventh new user added the handoffs up to 1,609 under a headline of 3,144: the others keep their rep)
        changing = diff.accounts
        same = changing["from_rep_id"].fillna("\0").eq(changing["to_rep_id"].fillna("\0"))
        if same.any():
            with_rep = same & changing["from_rep_id"].notna()
            placed = changing["from_territory_id"].notna() & changing["to_territory_id"].notna()
            kept_rep, kept_unplaced = int((with_rep & placed).sum()), int((with_rep & ~placed).sum())
            no_rep = int((same & changing["from_rep_id"].isna()).sum())
            parts = (
                f"{kept_rep:,} keep their rep in another territory" if kept_rep else "",
                # (a rep locked to an account that leaves, or comes into, no territory: a reviewer's case)
                f"{kept_unplaced:,} keep their rep, with no territory before or after" if kept_unplaced else "",
                f"{no_rep:,} with no rep before or after change territory" if no_rep else "",
            )
            st.caption(f"Of the {len(changing):,} accounts changing, {int((~same).sum()):,} change rep (the handoffs "
                       "above); " + "; ".join(part for part in parts if part) + ".")  # fmt: skip
        # Account by account too, before accepting (only the Plans page's Compare had it, once accepted: the
        # fifteenth new user), as that page writes it
        downloads = st.columns(2)
        downloads[0].download_button("Download the handoffs (CSV)", spreadsheet_csv(diff.handoffs),
                                     "rebalance-handoffs.csv", on_click="ignore")  # fmt: skip
        downloads[1].download_button(
            f"Download the {len(diff.accounts):,} accounts changing (CSV)",
            spreadsheet_csv(named_account_moves(diff.accounts, engine.accounts)),
            "rebalance-accounts.csv",
            key="reb_accounts_csv",
            on_click="ignore",
        )

if st.session_state.get("reb_back_done"):
    st.success(st.session_state.pop("reb_back_done"))
if st.session_state.get("reb_accepted"):
    st.success(st.session_state.pop("reb_accepted"))
came_from = st.session_state.get("reb_previous")
if came_from is not None and came_from[1] == stored_plan():
    previous = came_from[0]
    if previous is not None:

        def _back() -> None:
            store = plan_store()
            if store is not None:
                open_version(store.load(*previous))
                st.session_state["reb_back_done"] = f"Reopened plan #{previous[0]} v{previous[1]}."
            st.session_state.pop("reb_previous", None)

        st.button(f"Back to plan #{previous[0]} v{previous[1]}", on_click=_back, key="reb_back",
                  help="Open the plan you had before accepting (the accepted draft stays on the Plans page)")  # fmt: skip
