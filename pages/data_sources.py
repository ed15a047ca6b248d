"""Data sources: upload accounts, a plan, or your own boundary file; see what could not be used and why."""

from __future__ import annotations

import hashlib
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.boundaries import (
    boundary_file_header,
    guess_boundary_columns,
    read_boundary_file,
    unknown_regions_warning,
)
from geo.layers import LegendEntry, build_base_map, territory_legend_html, to_geojson
from pages.shared import (
    DEMO_NAME,
    current_accounts,
    current_engine,
    current_plan,
    cut_short_said,
    engine_token,
    link_stored,
    near_mean,
    percent_column,
    plain,
    remember,
    set_plan_afresh,
    setting,
    show_input_error,
    show_outside,
    show_row_problems,
    show_table,
    swap_advice,
    unmatched_owners_warning,
    unsaved_changes,
)
from territory import InputDataError, load_plan
from territory.formatting import counted, verb
from territory.store import keep_upload, kept_upload


def _partition_command(filename: str, columns: tuple, asked: dict, searches: int) -> str:
    """The ``cli.py partition`` command that makes the page's plan again (the seed and searches the page used).

    ``asked``: ``count``, ``chosen``, ``tolerance``, ``start_column``; the accounts are the demo's or the file the
    manager loaded (by its name, to be found where they keep it).
    """
    import shlex

    id_column, name_column = columns
    boundaries = f"data/demo/{filename}" if filename == SAMPLE_BOUNDARIES.name else filename
    parts = ["cli.py", "partition", "--boundaries", boundaries, "--id-column", str(id_column)]
    if name_column:
        parts += ["--name-column", str(name_column)]
    if {"accounts", "value"} & set(asked["chosen"]):
        loaded = st.session_state.get("accounts_file", (DEMO_NAME, b""))[0]
        parts += (["--accounts", "data/demo/accounts.csv", "--skip-invalid"] if loaded == DEMO_NAME
                  else ["--accounts", str(loaded)])  # fmt: skip
    if asked["start_column"] is not None:
        parts += ["--start-column", str(asked["start_column"])]
    else:
        parts += ["--territories", str(asked["count"])]
    parts += ["--balance-on", *map(str, asked["chosen"])]
    if asked["tolerance"] != 5:
        parts += ["--tolerance", f"{asked['tolerance']:g}"]
    parts += ["--seed", "0", "--jobs", str(searches)]
    return ".venv/bin/python " + " ".join(shlex.quote(p) for p in parts)


def _territories_on(load, filename: str, source: str, columns: tuple = (None, None)) -> None:
    """Territories drawn afresh on an uploaded boundary file's regions: options, the proposal, its downloads.

    ``source`` identifies the file and the columns read (a proposal is shown only for what it was made from).
    """
    import numpy as np

    from geo.boundaries import boundary_links, drawn_territories
    from territory.exports import spreadsheet_csv
    from territory.model import PALETTE
    from territory.partition import (
        below_zero,
        blank_figures,
        bound_said,
        far_groups,
        largest_deviation_said,
        largest_regions,
        link_groups,
        partition_regions,
        regions_sheet,
        start_labels,
        territory_columns,
    )
    from territory.rebalance import judge_territories

    regions = load.regions
    st.subheader("Territories on these regions")
    st.caption(
        "Balanced, contiguous, compact territories drawn afresh on this file's regions, or the file's own territories "
        "rebalanced: on the accounts loaded (counted in the region each lies in) and on the file's own numeric "
        "columns (population …)."
    )
    if len(regions) < 2:
        st.info("The file holds one region: nothing to divide.")
        return
    metrics, outside, loaded, figures_key = _file_metrics(source, engine_token(), load)
    offered = [c for c in metrics.columns if (metrics[c] > 0).any() and not (metrics[c] < 0).any()]
    if not offered:
        st.info(
            "No account lies in these regions and the file has no numeric column to balance on: load accounts "
            "there (Accounts above), or a file with a figure per region (population, households …)."
        )
        return
    # A column of the file with each region's current territory: those territories rebalanced, moving as little as
    # the search can, instead of drawn afresh (a sales-ops file usually has one).
    texts = load.texts
    # (text columns, or territory codes as whole numbers: a column of codes was offered to balance on, not here, and
    # the CLI took it, a review)
    current = territory_columns(texts, load.figures, len(regions))
    afresh = "Nothing: draw them afresh"
    another = st.session_state.get("partition_source") != source  # (another file: its own choices, below)
    if another or st.session_state.get("partition_start", afresh) not in [afresh, *current]:
        st.session_state["partition_start"] = afresh
    start_column = st.selectbox(
        "Start from", [afresh, *current], key="partition_start",
        format_func=lambda c: c if c == afresh else f"the territories in column {c}",
        help="Pick the file's column with each region's current territory to rebalance those territories, moving as "
             "little of the first metric under Balance on (accounts, put first) as it can (regions holding none of it "
             "may still move, for the other metrics or straighter borders). Regions left blank take their neighbours'.",
    )  # fmt: skip
    start_column = None if start_column == afresh else start_column
    options = st.columns([1, 2, 1])
    if start_column is None:
        count = options[0].number_input("Territories", min_value=1, max_value=len(regions),
                                        value=min(8, len(regions)), step=1, key="partition_count")  # fmt: skip
    else:
        count = len({v for v in start_labels(texts, load.figures, start_column).values() if v is not None})
        offered = [c for c in offered if c != start_column]  # (territory codes are not a figure to balance)
        options[0].number_input("Territories", value=count, disabled=True, key=f"partition_count_of:{start_column}",
                                help=f"As many as column {plain(start_column)} names.")  # fmt: skip
    # (the accounts and the file's first figure: two metrics at once, what a plan made by hand seldom balances)
    figures = [c for c in offered if c not in ("accounts", "value")]
    # (not a column of territory codes, the first figure of a file with one: it was balanced on by default)
    measures = [c for c in figures if c not in current] or figures
    default = [c for c in offered if c == "accounts"][:1] + measures[:1] or offered[:1]
    # Another file: its own metrics, by default. (Set, not dropped: the browser sent the old file's choice back, and
    # the proposal balanced on fewer metrics unsaid, or on none, a review.)
    if another or "partition_metrics" not in st.session_state:
        st.session_state["partition_source"] = source
        st.session_state["partition_metrics"] = default
    elif not set(st.session_state["partition_metrics"]) <= set(offered):
        st.session_state["partition_metrics"] = [m for m in st.session_state["partition_metrics"] if m in offered]
    chosen = options[1].multiselect("Balance on", offered, key="partition_metrics")
    tolerance = options[2].number_input("Tolerance ± %", min_value=1, max_value=50, value=5, step=1,
                                        key="partition_tolerance")  # fmt: skip
    if outside:
        st.caption(
            f"{counted(outside, 'account')} of the {loaded:,} loaded lie in none of this file's regions (or "
            "have no coordinates) and are not counted."
        )
    names = dict(zip(regions["region_id"].astype(str), regions["label"].astype(str), strict=True))
    for blank in blank_figures(load.figures, chosen, names, counted_from_accounts=COUNTED_FROM_ACCOUNTS):
        st.caption(plain(blank[:1].upper() + blank[1:]) + ".")
    # (a column with a figure below 0 was left out of "Balance on" without a word: a review)
    for metric, where in below_zero(metrics, names).items():
        st.caption(plain(f"{metric} is not offered to balance on: it holds figures below 0 ({where}). A metric counts "
                         "up from 0: correct those figures in the file and load it again."))  # fmt: skip
    # (what the proposal was made from: the file and its columns, the figures, the options; a stale one showed for
    # another id column with empty downloads, a review)
    asked = (source, figures_key, int(count), tuple(chosen), float(tolerance), start_column)
    if not chosen:  # (the button is greyed out: said why)
        st.caption("Pick at least one metric to balance on.")
    if st.button("Propose territories", key="partition_go", disabled=not chosen, type="primary"):
        with st.spinner("Drawing territories…"):
            links = boundary_links(regions)  # (once: the search and the far groups)
            try:
                start = None if start_column is None else start_labels(texts, load.figures, start_column)
                partition = partition_regions(
                    metrics[chosen], links, None if start else int(count),
                    tolerance=tolerance / 100, seconds=2.0, rng=np.random.default_rng(0), names=names, start=start,
                )  # fmt: skip
            except ValueError as error:
                st.error(plain(str(error)[:1].upper() + str(error)[1:]) + ".")
                return
            # What the proposal shows on every rerun, made once with it: whether the file's regions touch in one
            # group, the downloads (each region's territory; the territories dissolved).
            # each region with its territory, the metrics and the file's other columns (to join back by region: an
            # owner, a state; they were left out, a review), named as cli.py partition names them
            sheet = regions_sheet(
                partition,
                pd.Series(regions["label"].to_numpy(), index=regions["region_id"]),
                metrics[chosen],
                texts,
                load.figures,
                leave_out=(columns[1], start_column),
                order=getattr(load, "columns", ()),  # (a load kept from before the field has none)
            )
            made = {
                "asked": {
                    "count": int(count),
                    "chosen": list(chosen),
                    "tolerance": float(tolerance),
                    "start_column": start_column,
                },  # fmt: skip
                "touching": len(link_groups(boundary_links(regions, reach_km=0))),
                "far": far_groups(partition.labels, links, names),
                "largest": largest_regions(partition.labels, metrics[chosen[0]], names),
                # (with a byte order mark, as the other reports: "Südviertel" read as "SÃ¼dviertel" in Excel, a review)
                "csv": spreadsheet_csv(sheet),
                "geojson": drawn_territories(regions, partition.labels, metrics[chosen]).to_json(),
            }
        st.session_state["partition_result"] = (asked, partition, made)
    stored = st.session_state.get("partition_result")
    if not stored or stored[0] != asked:
        return
    _, partition, made = stored
    report = partition.report
    # (the file's own column names, escaped: Markdown in a header fetched an image from another host, a review)
    # (signed, as the table below: "±8.4%" read as a band for a territory +8.4% off, a review)
    worst = ", ".join(f"{plain(m)} {largest_deviation_said(partition.territories[f'{m}_deviation'])}" for m in chosen)
    judged = all(report.within_tolerance.values())
    bounded = any(b > tolerance / 100 for b in report.bound.values())
    # (regions that touch no other are joined to the nearest: "in one piece" then counts those links too, a review)
    pieces = "each in one piece" if report.contiguous else "some in several pieces"
    if made["touching"] > 1:
        pieces += " (counting the links across water or gaps to the nearest region)"
    st.write(
        f"{counted(int(count), 'territory', 'territories')}, {pieces}; largest deviation from the mean: {worst} — "
        + ("as close as the regions allow (below)." if judged and bounded else "within the tolerance." if judged
           else "not all within the tolerance (each territory below).")
    )  # fmt: skip
    if partition.before is not None:  # (what the rebalance changes: the regions and what they hold)
        before = ", ".join(f"{plain(m)} {largest_deviation_said(partition.before[f'{m}_deviation'])}" for m in chosen)
        # (the regions whose territory differs from the file's, a blank one filled counting, as the map outlines
        # them and the CSV marks them: the search's own count left those out, 106 beside 110, a review)
        moved, held = partition.changes(metrics[chosen])
        held = ", ".join(f"{held[m]:,.0f} {plain(m)}" for m in chosen)
        filled = " once its blanks took their neighbours'" if partition.filled else ""
        # (a blank region given a territory counts as a change, as the CSV marks it: said, since "before" is measured
        # with the blanks filled, a new user's test)
        blank_ones = len(partition.filled)
        blank_ones = (f"; {blank_ones:,} of them blank in column {plain(start_column)}, given a territory"
                      if blank_ones else "")  # fmt: skip
        st.write(
            f"From the territories in column {plain(start_column)} (largest deviation {before}{filled}): "
            + (f"{counted(moved, 'region')} of {len(regions):,} {verb(moved, 'changes', 'change')} territory "
               f"(outlined in black on the map{blank_ones}), holding {held}." if moved else "no region changes territory.")
        )  # fmt: skip
        if partition.filled:
            shown = {r: plain(names.get(r, r)) for r in partition.filled}  # (user text escaped, the sentence not)
            st.caption(partition.filled_said(shown, plain(start_column)) + " first.")
    for metric, bound in report.bound.items():
        if bound > tolerance / 100:
            coarse = [c | {"metric": plain(metric)} for c in report.coarse if c["metric"] == metric]
            said = bound_said(plain(metric), bound, coarse)
            st.caption(said[:1].upper() + said[1:] + ".")
    if partition.start is not None and report.split_at_start:  # (kept in pieces, unsaid: a review)
        pieces_said = ", ".join(plain(t) for t in report.split_at_start)
        st.caption(f"{pieces_said} {verb(len(report.split_at_start), 'is', 'are')} in pieces in column "
                   f"{plain(start_column)} and stay so: the search moves regions at the borders, it does not join "
                   "pieces. Give a piece the territory around it in the file to join it.")  # fmt: skip
    if made["far"]:  # (four of eight territories on islands, none named: a review)
        st.caption(plain(made["far"][:1].upper() + made["far"][1:]) + ".")
    colors = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted(set(partition.labels)))}
    changes = partition.region_table()
    drawn = regions.assign(region_id=regions["region_id"].astype(str)).join(changes, on="region_id")
    drawn["color"] = drawn["territory_id"].map(colors)
    fields, aliases = ["label", "territory_id"], ["Region", "Territory"]
    if partition.start is not None:  # (the regions that change territory outlined, what each was in the tooltip)
        drawn["territory_before"] = drawn["territory_before"].fillna("(none)")
        drawn["moved"] = drawn["moved"].map({True: "yes", False: "no"})
        fields, aliases = [*fields, "territory_before", "moved"], [*aliases, "Before", "Changes"]
    else:
        drawn["moved"] = "no"
    minx, miny, maxx, maxy = regions.total_bounds
    fmap = build_base_map(bounds=(minx, miny, maxx, maxy))
    folium.GeoJson(
        to_geojson(drawn, ["region_id", "color", *dict.fromkeys([*fields, "moved"])]),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        style_function=lambda f: {"fillColor": f["properties"]["color"], "fillOpacity": 0.55,
                                  **({"color": "#1b1b1b", "weight": 2.2} if f["properties"]["moved"] == "yes"
                                     else {"color": "#ffffff", "weight": 0.6})},
    ).add_to(fmap)  # fmt: skip
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    # (a key of its own per proposal: with one key the map kept the last proposal's view, the whole world for a file
    # of states and countries, the next file's Texas a blob in it, a review)
    view = hashlib.sha1(repr(asked).encode()).hexdigest()[:12]
    st_folium(fmap, height=420, use_container_width=True, returned_objects=[], key=f"partition_map:{view}")
    table = partition.territory_table(chosen).drop(columns=["within", "within_by"])
    # (which color is which territory, as under the other maps: neither the map nor the table said, a review; the
    # legend escapes its text, the file's column names too)
    first = chosen[0]
    st.html(territory_legend_html([
        LegendEntry(colors[t], str(t), f"{counted(int(n), 'region')} · {METRIC_LABELS.get(first, first)} {float(v):,.0f}")
        for t, n, v in zip(table["territory_id"], table["regions"], table[first], strict=True) if t in colors
    ]))  # fmt: skip
    # (how each was judged, as the Rebalance page judges: a territory 12% under its share is within when a region
    # bigger than a share takes that much from the others; a tick alone read as a mistake)
    said = {"yes": f"within ±{tolerance:g}%", "best possible": "as close as its regions allow",
            "no": "out of tolerance"}  # fmt: skip
    verdicts = judge_territories(partition.territories, tolerance / 100)
    # (near its group's mean with that mean, "near -15% / -12%", as the Rebalance page says it)
    table = table.assign(judged=[
        near_mean(partition.report.centres.get(t, {}), chosen, tolerance / 100) if v == "near group mean" else said[v]
        for t, v in zip(partition.territories["territory_id"], verdicts, strict=True)
    ])  # fmt: skip
    near = [
        str(t) for t, v in zip(partition.territories["territory_id"], verdicts, strict=True) if v == "near group mean"
    ]
    centres = {tuple(round(float(c.get(m, 0.0)), 3) for m in chosen) for t, c in partition.report.centres.items()
               if str(t) in near}  # fmt: skip
    if near and centres:
        # ("within ±5% of its group's mean" stood beside a territory 8% off that mean: the rule also allows what
        # regions bigger than a share keep, and between that mean and the share; said as the Rebalance page says it)
        aimed = "; ".join(", ".join(f"{v:+.1%} on {METRIC_LABELS.get(m, m)}" for m, v in zip(chosen, key, strict=True))
                          for key in sorted(centres))  # fmt: skip
        st.caption(plain(
            f"Near its group's mean ({', '.join(near)}): regions bigger than a share, or regions out of reach, leave "
            f"these territories more or less than their shares to hold on average ({aimed} against their shares). "
            f"One within ±{tolerance:g}% of that, or between that and its share, is judged near it: a better plan "
            "might bring it closer."
        ))  # fmt: skip
    table["largest"] = table["territory_id"].map(made["largest"]).to_numpy()  # (which is which; last: the widest)
    # (the verdict beside the territory: with two metrics before and after it was cut at the edge at 1280 px, a review)
    table = table[["territory_id", "judged", *[c for c in table.columns if c not in ("territory_id", "judged")]]]
    show_table(
        table, key="partition_table", hide_index=True,
        column_config={
            "territory_id": "Territory", "regions": "Regions", "parts": "Pieces", "judged": "Balance",
            "largest": st.column_config.TextColumn(f"Largest regions ({METRIC_LABELS.get(chosen[0], chosen[0])})",
                                                   width="medium"),
            **{m: st.column_config.NumberColumn(METRIC_LABELS.get(m, m), format="%,.0f") for m in chosen},
            **{f"{m}_deviation": percent_column(f"{METRIC_LABELS.get(m, m)} vs mean", digits=1, signed=True)
               for m in chosen},
            **{f"{m}_deviation_before": percent_column(f"{METRIC_LABELS.get(m, m)} vs mean before", digits=1,
                                                       signed=True) for m in chosen},
        },
    )  # fmt: skip
    # (the page's search settings, so that the CLI can make the same plan: page and CLI differed unsaid, a review)
    many = report.searches > 1
    searched = f"{report.searches} searches ran side by side (the best is shown) and" if many else "The search"
    if report.cut_short:
        st.caption(cut_short_said(searched, many, 2.0, report.seconds))
    else:
        st.caption(f"{searched} ended by {'themselves' if many else 'itself'} in {report.seconds:.1f} s: proposing "
                   "again gives the same plan, as does this command (from the project's folder, your files where "
                   "you keep them):")  # fmt: skip
        # (a command to copy, not "--seed 0 --jobs 2" in a sentence, which wrapped inside its code at 1280 px)
        st.code(_partition_command(filename, columns, made["asked"], report.searches), language="bash",
                wrap_lines=True)  # fmt: skip
    stem = filename.rsplit(".", 1)[0]
    downloads = st.columns([1, 1, 2])
    downloads[0].download_button("Regions and their territory (CSV)", made["csv"],
                                 file_name=f"{stem}_territories.csv", mime="text/csv", key="partition_csv",
                                 on_click="ignore")  # fmt: skip
    downloads[1].download_button("Territories (GeoJSON)", made["geojson"], file_name=f"{stem}_territories.geojson",
                                 mime="application/geo+json", key="partition_geojson",
                                 on_click="ignore")  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _file_metrics(source: str, token: str, _load) -> tuple[pd.DataFrame, int, int, str]:
    """A boundary file's regions' metrics from the accounts loaded (joined to them) and its own figures.

    Made once per file, columns and accounts (``source``, ``token``), not on every rerun of the page: (metrics,
    accounts outside its regions or without coordinates, accounts loaded, a hash of the metrics).
    """
    from geo.join import join_accounts
    from territory.partition import region_metrics

    accounts = current_engine().result
    located = accounts.dropna(subset=["lat", "lon"])
    joined = join_accounts(located[["lat", "lon", "value"]].reset_index(drop=True), _load.regions,
                           check_swapped=False, snap_at_sea_only=True)  # fmt: skip
    inside = joined.accounts["region_id"].notna()
    metrics = region_metrics(_load.regions["region_id"], joined.accounts[inside.to_numpy()], _load.figures)
    outside = int((~inside).sum()) + (len(accounts) - len(located))
    digest = hashlib.sha1(pd.util.hash_pandas_object(metrics, index=True).to_numpy().tobytes()).hexdigest()
    return metrics, outside, len(accounts), digest


SAMPLE_BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "demo" / "texas_counties.geojson"
METRIC_LABELS = {"accounts": "Accounts", "value": "Value"}
COUNTED_FROM_ACCOUNTS = ("accounts", "value")  # figures counted from the accounts, beside any of the file's

st.title("Data sources")

loaded = current_accounts()
plan = current_plan()
# (the row problems as on the Accounts page, each sentence whole: at 1280 px they were cut before how to fix them)

st.subheader("Accounts")
st.write(
    f"In use: **{plain(loaded.source)}** — {len(loaded.accounts):,} of {loaded.rows:,} rows placed "
    f"({(loaded.accounts['geocode_source'] != 'coordinates').sum():,} by address)."
)
st.caption("Load another accounts file on the **Accounts** page (column mapping, progress, results).")
if loaded.swapped:
    st.warning(f"Latitude and longitude look swapped in this file: on the Accounts page, {swap_advice()}.")
for note in loaded.notes:
    st.info(plain(note))  # (a note may quote the file: its name, a cell)
unmatched_owners_warning()
skipped = loaded.problems[loaded.problems["severity"] == "skipped"]
if len(skipped):
    st.markdown(f"**{counted(len(skipped), 'row')} could not be placed**")
    show_row_problems(skipped, download="rows_skipped.csv")
warnings = loaded.problems[loaded.problems["severity"] == "warning"]
if len(warnings):
    st.markdown(f"**{counted(len(warnings), 'warning')}** on rows that were placed")
    show_row_problems(warnings, download="rows_with_warnings.csv")
if len(loaded.outside):
    st.markdown(f"**{counted(len(loaded.outside), 'account')} outside every region**")
    show_outside(loaded.outside)

st.divider()
st.subheader("Plan")


def _use_uploaded_plan(confirmed: bool = False) -> None:
    """Load the uploaded plan before the page is drawn, so that the lines above show it.

    Over unsaved changes it asks first (``confirmed`` is the answer), as the Plans page does: the upload replaced
    them without a word (a new user's test).
    """
    import tempfile
    from pathlib import Path

    upload = st.session_state.get("plan_upload")
    if upload is None:
        return
    if unsaved_changes() and not confirmed:
        st.session_state["plan_upload_confirm"] = upload.name
        return
    st.session_state.pop("plan_upload_confirm", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        notes: list[str] = []
        try:
            loaded_plan = load_plan(path, notes)
        except InputDataError as error:
            st.session_state["plan_upload_outcome"] = ("error", error)
            return
    set_plan_afresh(loaded_plan, f"Opened {upload.name}")
    # An uploaded plan is a plan of its own, not a change to the stored one open before: saved, it is a new plan.
    # (Undone, the session is on the stored plan again: the edit history's step keeps the link.)
    link_stored(None)
    st.session_state["plan_upload_outcome"] = ("success", upload.name, notes, unknown_regions_warning(loaded_plan))


# (the inactive ones said: "12 reps" here beside the Overview's "11 active reps" read as a rep lost, a new user's test)
active = sum(r.active for r in plan.reps)
st.write(f"In use: **{plain(plan.name)}** — {len(plan.territories)} territories, {len(plan.reps)} reps"
         + (f" ({active} active)." if active < len(plan.reps) else "."))  # fmt: skip
plan_upload = st.file_uploader("Upload a plan (JSON or YAML)", type=["json", "yaml", "yml"], key="plan_upload")
if plan_upload is not None:
    st.button("Use this plan", on_click=_use_uploaded_plan)
    if st.session_state.get("plan_upload_confirm") == plan_upload.name and unsaved_changes():
        with st.container(border=True):
            st.warning(
                f"**{plain(plan_upload.name)}** replaces the plan open in this session, **{plain(plan.name)}**, and "
                "its unsaved changes would be lost. Save them first (Plans page), or drop them.",
                icon=":material/warning:",
            )
            answer = st.columns(2)
            answer[0].button("Drop my changes and use this plan", key="plan_upload_yes", on_click=_use_uploaded_plan,
                             kwargs={"confirmed": True})  # fmt: skip
            answer[1].button(
                "Cancel", key="plan_upload_no", on_click=lambda: st.session_state.pop("plan_upload_confirm", None)
            )
else:
    st.session_state.pop("plan_upload_confirm", None)
outcome = st.session_state.pop("plan_upload_outcome", None)
if outcome is not None and outcome[0] == "error":
    show_input_error(outcome[1])
elif outcome is not None:
    st.success(f"Loaded plan from {plain(outcome[1])}.")
    for note in outcome[2]:  # (read as Windows-1252, not UTF-8)
        st.info(plain(note))
    if outcome[3]:
        st.warning(plain(outcome[3][:1].upper() + outcome[3][1:] + "."))

KEPT_BOUNDARY = "kept_boundary"


def _boundary_changed() -> None:
    """The file taken off the uploader (its ×) is forgotten: not reopened from the kept copy."""
    if st.session_state.get("boundary_upload") is None:
        st.session_state[KEPT_BOUNDARY] = None


def _keep_boundary(data: bytes, filename: str, digest: str) -> None:
    """Keep the uploaded boundary file's bytes (``uploads/``) and name for this tab, so a reload reopens it.

    ``digest``: the bytes' SHA-256 (a corrected file of the same name and size is another file).
    """
    kept = st.session_state.get(KEPT_BOUNDARY)
    if isinstance(kept, dict) and kept.get("name") == filename and kept.get("sha256") == digest:
        return
    try:
        st.session_state[KEPT_BOUNDARY] = {"name": filename, "digest": keep_upload(data), "sha256": digest}
    except OSError:  # (a data directory that cannot be written: a reload asks for the file again)
        st.session_state[KEPT_BOUNDARY] = {"name": filename, "digest": None, "sha256": digest}
    remember(KEPT_BOUNDARY)


def _kept_boundary() -> tuple[bytes, str] | None:
    """The boundary file this tab uploaded before (a reload, another page and back), read back; said on the page.

    It was gone after a reload, without a word, with the columns chosen (a review): the accounts file was kept.
    """
    kept = st.session_state.get(KEPT_BOUNDARY)
    if not isinstance(kept, dict) or not isinstance(kept.get("name"), str):
        return None
    # (read from the data directory once, not on every rerun of the page)
    read = st.session_state.get("kept_boundary_read")
    data = read[1] if isinstance(read, tuple) and read[0] == kept.get("digest") else kept_upload(kept.get("digest"))
    st.session_state["kept_boundary_read"] = (kept.get("digest"), data)
    if data is None:
        st.info(f"The boundary file **{plain(kept['name'])}** loaded before is no longer kept on the server: upload "
                "it again.", icon=":material/upload_file:")  # fmt: skip
        st.session_state[KEPT_BOUNDARY] = None
        return None
    said, forget = st.columns([4, 1])
    said.caption(f"**{plain(kept['name'])}**, uploaded before (kept on the server): upload another file to replace "
                 "it.")  # fmt: skip
    forget.button("Forget it", key="boundary_forget", on_click=lambda: st.session_state.update({KEPT_BOUNDARY: None}))
    return data, kept["name"]


st.divider()
st.subheader("Your own boundaries")
st.caption("GeoJSON, a zipped Shapefile or a GeoPackage. Pick the column that identifies each region.")
boundary = st.file_uploader("Upload a boundary file", type=["geojson", "json", "zip", "gpkg"], key="boundary_upload",
                            on_change=_boundary_changed)  # fmt: skip
kept_boundary = None if boundary is not None else _kept_boundary()
use_sample = st.toggle(
    f"Try the sample: Texas's 254 counties with their population ({SAMPLE_BOUNDARIES.name})", key="boundary_sample",
    disabled=boundary is not None or kept_boundary is not None,
    help="A boundary file as you would bring one (GEOID, NAME, POP), shipped with the demo",
)  # fmt: skip
source = (boundary.getvalue(), boundary.name) if boundary is not None else kept_boundary
if source is None and use_sample:
    source = (SAMPLE_BOUNDARIES.read_bytes(), SAMPLE_BOUNDARIES.name)
if source is not None:
    data, filename = source
    digest = hashlib.sha256(data).hexdigest()  # (the file's, once: what is kept, its choices, its preview, a proposal)
    if boundary is not None:
        _keep_boundary(data, filename, digest)
    try:
        columns, fit_ids = boundary_file_header(data, filename=filename)
        # by their names (GEOID, NAME …), among the columns whose values are all there and unique: a `code` of four
        # zones beside GEOID opened the file on "ids are not unique … fix them all" (a review)
        guessed_id, guessed_name = guess_boundary_columns(columns, fit_ids)
        # (the choices kept across pages and a reload, for this file: another file starts from its own guesses,
        # not the last file's choices, a review)
        chosen_for = digest[:16]
        first = next((c for c in columns if c in fit_ids), columns[0] if columns else None)
        setting(f"boundary_id_column:{chosen_for}", guessed_id or first, columns)
        id_column = st.selectbox("Id column", columns, key=f"boundary_id_column:{chosen_for}")
        names = [None, *columns]
        setting(f"boundary_name_column:{chosen_for}", guessed_name, names)
        name_column = st.selectbox("Name column", names, format_func=lambda c: c or "(same as id)",
                                   key=f"boundary_name_column:{chosen_for}")  # fmt: skip
        result = read_boundary_file(data, id_column, name_column=name_column, filename=filename)
    except InputDataError as error:
        show_input_error(error)
    else:
        for note in result.notes:  # (a note may quote the file: its name, a feature's id)
            st.info(plain(note))
        # (a figure below 0 was said only far below, in grey, beside "Balance on": a new user's test)
        from territory.partition import below_zero

        labels = dict(zip(result.regions["region_id"].astype(str), result.regions["label"].astype(str), strict=True))
        for column, where in below_zero(result.figures.fillna(0.0), labels).items():
            # (named as "Balance on" lists it: a column named as a figure counted from the accounts is "value (file)")
            offered = f"{column} (file)" if column in COUNTED_FROM_ACCOUNTS else column
            st.warning(plain(f"{filename}: column {column} holds figures below 0 ({where}). A figure to balance on "
                             f"counts up from 0: correct it in the file and load it again ({offered} is not offered "
                             "to balance on until then)."))  # fmt: skip
        dropped = result.dropped
        if dropped:  # a region lost is said outright, not only inside the repairs
            st.warning(
                f"{len(dropped)} feature{'' if len(dropped) == 1 else 's'} dropped: " + "; ".join(plain(d) for d in dropped[:5])
                + (f"; and {len(dropped) - 5} more" if len(dropped) > 5 else "")
            )  # fmt: skip
        if result.repaired:
            with st.expander(counted(len(result.repaired), "geometry repair")):
                # (no index: a 0-based row number beside "feature 8" read as another numbering, a review)
                show_table(pd.DataFrame({"Repair": result.repaired}), hide_index=True)
        count = len(result.regions)
        # (the file's system, and what the map uses: "EPSG:3857" alone read as if the reprojection had not happened)
        source_crs = str(result.source_crs)
        if source_crs.startswith("none"):
            where = "with no coordinate system given: read as longitude/latitude (EPSG:4326)."
        elif source_crs in ("EPSG:4326", "OGC:CRS84", ""):
            where = "in longitude/latitude (EPSG:4326)."
        else:
            where = f"read in {plain(source_crs)} and shown in longitude/latitude (EPSG:4326)."
        st.write(f"{count:,} region{'' if count == 1 else 's'}, {where}")
        st.caption(
            "A check and a preview, and territories drawn on its regions below, to download: plans cannot use an "
            "uploaded file's regions yet (a plan's territories are made of the bundled US states and counties, "
            "Canadian provinces and countries)."
        )
        minx, miny, maxx, maxy = result.regions.total_bounds
        fmap = build_base_map(bounds=(minx, miny, maxx, maxy))  # (the land behind: it was a grey map, a user's test)
        folium.GeoJson(
            to_geojson(result.regions, ["region_id", "label"]),
            tooltip=folium.GeoJsonTooltip(fields=["region_id", "label"], aliases=["Id", "Name"]),
            style_function=lambda _: {"fillColor": "#1f77b4", "fillOpacity": 0.3, "color": "#1f77b4", "weight": 1},
        ).add_to(fmap)
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
        st_folium(
            fmap,
            height=420,
            use_container_width=True,
            returned_objects=[],
            key=f"boundary_preview:{digest[:12]}",
        )  # (each file its own view, as above)
        _territories_on(result, filename, f"{filename}:{digest}:{id_column}:{name_column}", (id_column, name_column))
