"""The same figure reads the same on every page: whole dollars with a $, whole percentages, a dash for nothing.

Tables keep their numbers (they sort as numbers) and carry the format the browser shows them in; metrics and
captions are text.
"""

from __future__ import annotations

import json
import re

import pytest

from pages.shared import MONEY_FORMAT
from tests.conftest import FIGURE_PAGES, app_session

DOLLARS = re.compile(r"\$\d{1,3}(,\d{3})*")
PAGES = [*FIGURE_PAGES, "pages/plans.py"]
MONEY = re.compile(r"value|deal size|velocity|^quota$|^target v$", re.IGNORECASE)
SHARES = re.compile(r"utilization|util\.|attainment|coverage|quota cov|quota %", re.IGNORECASE)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    return tmp_path


def column_formats(frame) -> dict[str, dict]:
    """Column name (its label if it has one) → the column's type config as the browser gets it."""
    config = json.loads(frame.proto.columns or "{}")
    out = {}
    for name in frame.value.columns:
        entry = config.get(f"col:{name}") or config.get(str(name)) or {}
        out[entry.get("label") or str(name)] = entry.get("type_config", {})
    return out


def tables(app):
    return list(app.dataframe)


def metric(app, label):
    return next(m for m in app.metric if m.label == label)


def test_the_shared_money_format_is_whole_dollars():
    assert MONEY_FORMAT == "$%,.0f"


@pytest.mark.parametrize("page", PAGES)
def test_every_table_shows_money_in_whole_dollars_and_shares_as_whole_percent(page):
    app = app_session(page)
    money_columns = shares = 0
    for frame in tables(app):
        numeric = {str(c) for c in frame.value.columns if frame.value[c].dtype.kind in "fi"}
        for column, (name, config) in zip(frame.value.columns, column_formats(frame).items(), strict=True):
            fmt = config.get("format")
            assert fmt != "dollar", f"{page}: {name} has format {fmt!r}"
            if MONEY.search(name) and str(column) in numeric:  # (not the raw text of a file's cell)
                assert fmt == MONEY_FORMAT, f"{page}: {name} has format {fmt!r}"
                money_columns += 1
            if SHARES.search(name) and fmt is not None:
                assert fmt == "percent" and config.get("step") == 0.01, f"{page}: {name} has {config}"
                shares += 1
    expected = {"pages/overview.py": (2, 1), "pages/coverage_map.py": (3, 0), "pages/balance.py": (4, 4),
                "pages/accounts.py": (3, 0), "pages/reps.py": (0, 2)}.get(page, (0, 0))  # fmt: skip
    assert (money_columns, shares) >= expected


@pytest.mark.parametrize("page", PAGES)
def test_every_table_shows_a_dash_for_a_missing_value(page):
    app = app_session(page)
    assert tables(app)
    assert {frame.proto.placeholder for frame in tables(app)} == {"—"}


def test_accounts_results_show_a_dash_where_an_account_has_no_rep():
    app = app_session("pages/accounts.py")
    results = app.dataframe[0]
    assert results.value["rep"].isna().any()  # (the data keeps its gaps; the table shows them as "—")
    assert results.proto.placeholder == "—"


def test_overview_metrics_show_whole_dollars_and_whole_percent():
    app = app_session()
    deal = metric(app, "Average account value").value
    assert DOLLARS.fullmatch(deal), deal
    potential = metric(app, "Value with a rep")
    assert re.fullmatch(
        rf"{DOLLARS.pattern} of {DOLLARS.pattern} of estimated value, in accounts that have a rep", potential.help
    ), potential.help
    assert re.fullmatch(r"\d+\.\d%", potential.value)
    assert re.fullmatch(r"\d+%", metric(app, "Rep utilization").value)


def test_coverage_map_value_in_a_territory_is_in_dollars():
    app = app_session("pages/coverage_map.py")
    help_text = metric(app, "Value in a territory").help
    assert re.fullmatch(rf"{DOLLARS.pattern} of {DOLLARS.pattern}", help_text), help_text
    territories = column_formats(app.dataframe[0])
    assert territories["Value"]["format"] == territories["Quota"]["format"] == MONEY_FORMAT


def test_region_details_fit_their_column():
    # The "Largest accounts" table beside the map: two columns (account and value, in whole dollars), stretched to
    # the details column, so that it does not run over it.
    app = app_session("pages/coverage_map.py")
    app.selectbox(key="selected_region").set_value("US-CA").run()
    assert not app.exception
    assert DOLLARS.fullmatch(metric(app, "Value").value)
    # (with the demo's potential, every account's value: the penetration, not the Value again, the fourteenth new
    # user)
    assert re.fullmatch(r"\d{1,3}(\.\d)?%", metric(app, "Penetration").value), metric(app, "Penetration").value
    assert not [m for m in app.metric if m.label.startswith("Potential")]
    largest = next(c for c in app.caption if c.value == "Largest accounts")
    assert largest is not None
    frame = next(f for f in app.dataframe if len(f.value) <= 5 and "name" in f.value.columns)
    assert list(frame.value.columns) == ["name", "value"]
    formats = column_formats(frame)
    assert list(formats) == ["Account", "Value"]
    assert formats["Value"]["format"] == MONEY_FORMAT
    # Names longer than the 100 px column wrap onto taller rows (they were cut, a new user's test)
    from pages.shared import CELL_PADDING, CHARACTER_WIDTH

    longest = max(map(len, frame.value["name"].astype(str)))
    if longest * CHARACTER_WIDTH + 2 * CELL_PADDING > 100:
        assert frame.proto.row_height >= 68, longest
    else:
        assert not frame.proto.row_height


def test_reps_quota_attainment_reads_as_on_the_balance_page():
    reps = app_session("pages/reps.py")
    roster = json.loads(reps.dataframe[0].proto.columns)
    assert roster["quota_attainment"]["type_config"]["format"] == "percent"
    balance = app_session("pages/balance.py")
    reps_table = column_formats(balance.dataframe[1])
    assert reps_table["Attainment"] == {k: v for k, v in roster["quota_attainment"]["type_config"].items()
                                              if k in ("type", "format", "step")}  # fmt: skip
    assert roster["utilization"]["type_config"] == reps_table["Utilization"]


def test_edit_map_balance_panel_shows_whole_dollars_and_whole_percent():
    editor = app_session("pages/edit_map.py")
    editor.multiselect(key="twin_regions").set_value(["US-NJ", "US-DE"]).run()
    editor.selectbox(key="twin_target").set_value("USS").run()
    editor.button(key="twin_move").click().run()
    assert not editor.exception
    # (st.table reads its cells as Markdown: the page escapes them, the browser shows "$1,234 → $1,300")
    # (two territories: on their side, a column each and a row per figure, to fit the panel at 1280 px)
    assert "Value" in editor.table[0].value.index
    territories = editor.table[0].value.T.map(lambda text: re.sub(r"\\(.)", r"\1", text))
    change = r"({0})( → ({0}))?"
    assert all(re.fullmatch(change.format(DOLLARS.pattern), v) for v in territories["Value"]), territories["Value"]
    assert all(re.fullmatch(change.format(r"\d+%|—"), v) for v in territories["Util."])
    moved = next(m for m in editor.metric if m.label == "Accounts changing territory")
    worth = re.match(r"Worth (\S+)\. ", moved.help)
    assert worth and DOLLARS.fullmatch(worth.group(1)), moved.help
    moves = next(t.value for t in editor.table if {"From", "To", "Value"} <= set(t.value.columns))
    assert all(DOLLARS.fullmatch(v.replace("\\", "")) for v in moves["Value"])


def test_rebalance_deviations_read_to_a_tenth_of_a_percent():
    app = app_session("pages/rebalance.py")
    app.button(key="reb_run").click().run()
    assert not app.exception
    assert re.fullmatch(r"[+-]\d+\.\d%", metric(app, "Largest deviation").value)
    assert DOLLARS.fullmatch(metric(app, "Accounts changing").help.split("Their value: ")[1])
    # (the territories' table: the quotas' and reps' boxes above it have a territory column too)
    report = next(f for f in app.dataframe if {"territory", "within"} <= set(f.value.columns))
    assert report.proto.placeholder == "—"
    deviations = {k: v for k, v in column_formats(report).items() if k.endswith((" after", " now", " handed out"))}
    # (signed, written by the page: Streamlit's percent format has none, and "110.3%" beside "-32.4%" read as a share)
    assert deviations and all(v == {"type": "number", "step": 0.001} for v in deviations.values())
    shown = shown_values(report)
    columns = [c for c in report.value.columns if c.endswith(("_deviation", "_before"))]
    for column in columns:
        for value, text in zip(report.value[column], shown[column], strict=True):
            assert text == ("—" if value != value else f"{value:+.1%}" if round(value * 1000) else f"{abs(value):.1%}")
    assert any(text.startswith("+") for c in columns for text in shown[c]), shown[columns]


def shown_values(frame):
    """The text each cell of a table shows, where the page wrote it (a pandas Styler's display values)."""
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(frame.proto.arrow_data.styler.display_values)


def test_percent_columns_are_rounded_to_what_they_show():
    # Streamlit cuts a number off at its column's step: 0.0957 showed as 9.5% beside a caption's 9.6%.
    import pandas as pd

    from pages.shared import _rounded_to_steps, percent_column

    data = pd.DataFrame({"share": [0.0957, -0.00059, -0.00004], "count": [1, 2, 3], "name": ["a", "b", "c"]})
    out = _rounded_to_steps(data, {"share": percent_column(digits=1), "name": "Name"})
    assert out["share"].tolist() == [0.096, -0.001, 0.0] and str(out["share"].iloc[2]) == "0.0"
    assert data["share"].iloc[0] == 0.0957  # (the caller's data is untouched)
    assert _rounded_to_steps(data, {"count": percent_column()}) is data  # (whole numbers: nothing to round)
    # Not all is not 100%: 349 of 350 read "100%" beside the Edit page's "99.7%" (a new user's test)
    utilization = pd.DataFrame({"u": [349 / 350, 1.0, 1.004, 0.5, None, 0.00004]})
    assert _rounded_to_steps(utilization, {"u": percent_column()})["u"].tolist()[:4] == [0.99, 1.0, 1.01, 0.5]
    assert _rounded_to_steps(utilization, {"u": percent_column(digits=1)})["u"].tolist()[:4] == [0.997, 1.0, 1.004, 0.5]
    assert _rounded_to_steps(utilization, {"u": percent_column()})["u"].iloc[5] == 0.0


def test_counts_get_thousands_separators_unless_they_are_ids():
    import pandas as pd

    from pages.shared import COUNT_FORMAT, _with_count_columns, money_column

    data = pd.DataFrame({"accounts": [1000, 31], "value": [5.0, 6.0], "rep_id": [1, 2], "reps": [3, 1],
                         "quota": [100, 200]})  # fmt: skip
    config = _with_count_columns(data, {"reps": "Reps", "quota": money_column("Quota")})
    assert config["accounts"]["type_config"]["format"] == COUNT_FORMAT == "%,d"
    assert config["reps"]["label"] == "Reps" and config["reps"]["type_config"]["format"] == COUNT_FORMAT
    assert config["quota"]["type_config"]["format"].startswith("$")  # (a format given stays)
    assert "value" not in config and "rep_id" not in config


def test_an_unassigned_accounts_tooltip_says_why_in_words():
    # It showed the reason's code ("Unassigned because no-matching-territory").
    from pages.shared import _build_coverage_map
    from tests.conftest import demo_state

    base, groups = _build_coverage_map(demo_state(), "state", True, False)
    next(g for g in groups if g.layer_name == "Unassigned accounts").add_to(base)
    text = base.get_root().render()
    assert "Unassigned because" in text and "no-matching-territory" not in text
    assert "No territory claims Sedgwick, KS" in text and "is at capacity" in text


def test_blank_text_cells_show_as_missing():
    # A CSV's blank cell is read as "": it showed as an empty cell where None shows "—".
    import pandas as pd

    from pages.shared import _blanks_as_missing

    data = pd.DataFrame({"value": ["", "12", "  "], "name": ["a", None, "c"], "n": [1, 2, 3]})
    out = _blanks_as_missing(data)
    assert out["value"].isna().tolist() == [True, False, True] and out["value"].iloc[1] == "12"
    assert out["name"].isna().tolist() == [False, True, False]
    assert data["value"].tolist() == ["", "12", "  "]  # (the caller's data is untouched)
    unchanged = data[["name", "n"]]
    assert _blanks_as_missing(unchanged) is unchanged  # (nothing blank: no copy)


def test_the_coverage_territories_table_shows_its_figures_before_the_list_of_reps():
    # A long list of rep names came before the figures and pushed them out of view.
    app = app_session("pages/coverage_map.py")
    table = next(d.value for d in app.dataframe if "With a rep" in d.value.columns)
    assert list(table.columns) == ["Territory", "Regions", "With a rep", "Waiting", "Value", "Quota", "Reps"]
    # the accounts with a rep, as the Overview counts them (US West: 1,000, and 31 waiting for a rep)
    from tests.conftest import demo_state

    result = demo_state().result
    west = result[result["territory_id"] == "USW"]
    row = table.set_index("Territory").loc["US West"]
    assert row["With a rep"] == int(west["status"].eq("assigned").sum()) and row["Waiting"] == int(
        west["status"].ne("assigned").sum()
    )


def test_coverage_falls_when_a_rep_leaves_and_his_regions_go_to_full_neighbours():
    # Counted as accounts "in a territory with a rep", Coverage rose (60.7% -> 64.7%) as a rep left and his regions
    # went to neighbours at capacity, where his accounts waited: a headline that improved as service worsened.
    from tests.conftest import demo_state

    app = app_session()
    before = metric(app, "Accounts with a rep")
    served = demo_state().result["status"].eq("assigned")
    assert before.value == f"{served.mean():.1%}"
    assert before.help.startswith(f"Accounts that have a rep: {int(served.sum()):,} of {len(served):,}")
    plan = json.loads(app.session_state["plan_json"])
    central = next(t for t in plan["territories"] if t["territory_id"] == "USC")
    south = next(t for t in plan["territories"] if t["territory_id"] == "USS")
    south["region_ids"] += central["region_ids"]
    central["region_ids"] = []
    next(r for r in plan["reps"] if r["rep_id"] == "R10")["active"] = False
    app.session_state["plan_json"] = json.dumps(plan)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    after = metric(app, "Accounts with a rep")
    assert float(after.value.rstrip("%")) < float(before.value.rstrip("%"))
    waiting = re.search(r"([\d,]+) more lie in a territory with reps but wait for one with room", after.help)
    assert waiting and int(waiting.group(1).replace(",", "")) > 0, after.help
    potential = metric(app, "Value with a rep")
    assert float(potential.value.rstrip("%")) < 100


@pytest.mark.parametrize(
    ("served", "left", "said"),
    [
        (1, 1, "1 account that had no rep (waiting for one, or new) gets one, and 1 that had a rep has none now (its "
               "new territory's reps are full, it is now in no territory, or it left the data)"),
        (2, 3, "2 accounts that had no rep (waiting for one, or new) get one, and 3 that had a rep have none now "
               "(their new territory's reps are full, they are now in no territory, or they left the data)"),
    ],
)  # fmt: skip
def test_the_waiting_list_row_of_the_handoffs_is_said_in_the_singular_for_one(served, left, said):
    # "1 that had a rep has none now (their new territory's reps are full, they are now in no territory …)"
    from pages.shared import waiting_list_caption

    assert said in waiting_list_caption(served, left)


def test_the_plans_layers_written_over_a_kept_base_are_what_st_folium_writes_with_the_whole_map():
    # After an edit only the plan's layers are written again, over a base map written once (the county map's base is
    # 2.8 MB of script: rendered, rewritten and hashed after every edit before); the texts must be st_folium's own.
    import folium
    import streamlit_folium

    from pages.shared import FORGET_REMOVED_GROUPS, _asset_links, _build_coverage_map, _groups_over
    from tests.conftest import demo_state

    state = demo_state()

    def written(base, groups=None):
        captured: dict = {}
        real = streamlit_folium._component_func
        streamlit_folium._component_func = lambda **kwargs: captured.update(kwargs)
        try:
            streamlit_folium.st_folium(
                base, key="m", feature_group_to_add=groups,
                layer_control=folium.LayerControl(collapsed=True) if groups else None,
            )  # fmt: skip
        finally:
            streamlit_folium._component_func = real
        return captured

    whole = written(*_build_coverage_map(state, "state", True, False, edit=True))
    base, groups = _build_coverage_map(state, "state", True, False, edit=True)
    alone = written(base)
    assert alone["script"] == whole["script"] and alone["feature_group"] is None
    root = base.get_root()
    sizes = [len(part._children) for part in (base, root, root.header, root.html, root.script)]
    layers, control = _groups_over(base, groups)
    # (st_folium's own text, after what lets the map forget the layers it replaced: tested in the browser)
    assert (layers, control) == (FORGET_REMOVED_GROUPS + whole["feature_group"], whole["layer_control"])
    css, js = _asset_links(groups)
    assert list(dict.fromkeys(alone["css_links"] + css)) == whole["css_links"]
    assert list(dict.fromkeys(alone["js_links"] + js)) == whole["js_links"]
    assert "RegionPaint" not in layers and "region_paint" in layers  # (the territories paint the clickable states)
    # The kept base is as it was, and serves the next layers the same.
    assert [len(part._children) for part in (base, root, root.header, root.html, root.script)] == sizes
    assert _groups_over(base, _build_coverage_map(state, "state", True, False, edit=True)[1]) == (layers, control)


def test_a_search_cut_short_says_whether_it_used_its_time_or_shortened_a_step():
    # "used all its 2 s" stood under a search that took 0.9 s, a step shortened to fit (a review)
    from pages.shared import cut_short_said

    assert cut_short_said("The search", False, 2.0, 1.95) == (
        "The search used all its 2 s, so proposing again may give a different plan (the clock, not the settings, "
        "ended it)."
    )
    assert cut_short_said("2 searches ran side by side (the best is shown) and", True, 2.0, 0.91) == (
        "2 searches ran side by side (the best is shown) and cut a step short to end within their 2 s (it took "
        "0.9 s), so proposing again may give a different plan (the machine's pace, not the settings, decided it)."
    )
