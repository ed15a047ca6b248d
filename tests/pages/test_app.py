"""Streamlit AppTest: every page runs without an exception, and the non-map widgets work."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pages import shared
from tests.conftest import FIGURE_PAGES, ROOT, demo_state

PAGES = list(FIGURE_PAGES)


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def open_page(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def folium_payload(app):
    component = next(e for e in app.main if type(e).__name__ == "UnknownElement" and "st_folium" in str(e.proto))
    return json.loads(component.proto.json_args)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    open_page(app, page)


def test_the_unassigned_accounts_help_speaks_words_not_codes(app):
    # Its help read "no-matching-territory: 1,964, at-capacity: 93": the assignment's internal reason codes.
    app.run()
    unassigned = next(m for m in app.metric if m.label == "Unassigned accounts")
    assert "no-matching-territory" not in unassigned.help and "at-capacity" not in unassigned.help, unassigned.help
    assert unassigned.help == (
        "1,946 in no territory (no territory claims their region, or its industry or tier focus turns them away); "
        "108 waiting in a territory whose reps are all at capacity"
    )


def test_home_is_the_overview_with_kpis(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    metrics = {m.label: m.value for m in app.metric}
    for label in [
        "Accounts with a rep",
        "Value with a rep",
        "Unassigned accounts",
        "Team balance score",
        "Reps over capacity",
        "Rep utilization",
        "Average account value",
    ]:
        assert label in metrics
    assert metrics["Accounts with a rep"].endswith("%")
    # (who is at capacity, and what waits behind them, beside the count of reps over it)
    from tests.conftest import demo_state as _demo

    team = _demo().balance.team
    over = next(m for m in app.metric if m.label == "Reps over capacity")
    assert f"{team['accounts_waiting']:,} accounts in territories wait for a rep" in over.help
    assert "raise a capacity or add a rep on the Reps page" in over.help  # (what to do, not only who is full)
    assert 0 <= float(metrics["Team balance score"]) <= 1
    territories = app.dataframe[0].value
    assert "Value per cycle day ($/day)" in territories.columns
    # The average deal size is over the accounts counted beside it, those with a rep (it took in the waiting ones).
    from tests.conftest import demo_state

    served = demo_state().result.query("status == 'assigned'")
    names = {t.territory_id: t.name for t in demo_state().plan.territories}
    expected = served.groupby(served["territory_id"].map(names))["value"].agg(["size", "mean"])
    shown = territories.set_index("Territory")
    assert (shown["Accounts with a rep"] == expected["size"].reindex(shown.index)).all()
    assert ((shown["Average account value"] - expected["mean"].reindex(shown.index)).abs() < 0.01).all()


def test_coverage_map_kpis_and_payload(app):
    open_page(app, "pages/coverage_map.py")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accounts on the map"] == "4,998"
    assert metrics["Rows not placed"] == "2"
    # listed as the Accounts page lists them, the file named (a new user's test: raw headings, sentences cut off)
    (listed,) = [e for e in app.expander if e.label.startswith("Rows not placed")]
    assert listed.label == "Rows not placed from accounts.csv \\(demo\\) (2)", listed.label  # (escaped Markdown)
    table = listed.dataframe[0]
    headings = {c: config.get("label") for c, config in json.loads(table.proto.columns or "{}").items()}
    assert headings["row"] == "Line" and headings["account_id"] == "Account id"  # (as show_row_problems names them)
    assert "severity" not in table.value.columns and table.proto.row_height  # (sentences wrapped whole)
    # The button that fits the map again draws a Material icon (Streamlit's own font): the "⤢" glyph showed as a
    # corner of itself in the sidebar's narrow column (a new user's test)
    again = app.sidebar.button(key="coverage_zoom_again")
    assert again.proto.icon == ":material/fit_screen:" and again.help == "Fit the map to the choice again"
    payload = folium_payload(app)
    # The plan's layers come as st_folium feature groups, swapped in place on a change (the legend is under the map).
    assert "North America East" in payload["feature_group"]
    assert all(link.startswith("/app/static/vendor/") for link in payload["css_links"] + payload["js_links"])
    gaps = app.dataframe[1].value
    assert "US-NJ" in gaps["Region"].tolist()


def _fitted(payload) -> tuple[list[float], str] | None:
    """The bounds ``[south, west, north, east]`` the map's layers fit once, and the token they fit under."""
    found = re.search(r'var token = ("[^"]*").*fitBounds\(\[\[([-\d.e]+), ([-\d.e]+)\], \[([-\d.e]+), ([-\d.e]+)\]\]',
                      payload["feature_group"])  # fmt: skip
    return ([float(v) for v in found.groups()[1:]], json.loads(found.group(1))) if found else None


@pytest.mark.parametrize(
    ("page", "key"), [("pages/coverage_map.py", "coverage_zoom"), ("pages/edit_map.py", "edit_zoom")]
)
def test_the_map_opens_where_most_accounts_are_and_zooms_to_a_territory(app, page, key):
    # The Coverage map opened on half the world (Europe West's accounts too): the US territories small, Hawaii
    # mid-Pacific; on the Edit map Europe West lay past the right edge (a review). It opens on North America, and
    # "Zoom to" fits a territory, every account, or North America again, once per choice.
    open_page(app, page)
    (south, west, north, east), token = _fitted(folium_payload(app))
    assert -125 < west < -115 and -75 < east < -60 and 20 < south < 35 and 45 < north < 55, (south, west, north, east)
    zoom = app.selectbox(key=key)
    assert zoom.options[:2] == ["Most accounts", "All accounts"] and "Europe West" in zoom.options
    zoom.set_value("EUW").run()
    (south, west, north, east), europe = _fitted(folium_payload(app))
    assert -12 < west < 0 and 10 < east < 25 and 35 < south < 45 and 50 < north < 62, (south, west, north, east)
    assert europe != token
    zoom.set_value(shared.ZOOM_ALL).run()
    (south, west, north, east), _ = _fitted(folium_payload(app))
    placed = demo_state().result
    # (every account, the farthest too: Honolulu and Anchorage were left out of the middle 98%, a review)
    near = 1e-4  # (the view is rounded to 4 decimals)
    assert west <= placed["lon"].min() + near and east >= placed["lon"].max() - near
    assert south <= placed["lat"].min() + near and north >= placed["lat"].max() - near
    zoom.set_value(shared.ZOOM_MAIN).run()
    again = _fitted(folium_payload(app))
    assert again[1] not in (token, europe)  # (fits again)
    app.run()  # (a rerun that chose nothing: the same token, so the browser does not fit again after an edit)
    assert _fitted(folium_payload(app))[1] == again[1]
    # the entry already chosen, chosen again, is no change to Streamlit: the button beside the box fits again
    app.button(key=f"{key}_again").click().run()
    assert _fitted(folium_payload(app))[1] not in (again[1], token, europe)


def test_a_territory_zoomed_to_and_merged_away_leaves_the_view_alone(app):
    # Merging the territory zoomed to made its entry give way to the first, a new choice to the browser: the map
    # jumped to the continent, though edits keep the view (a review).
    open_page(app, "pages/edit_map.py")
    app.selectbox(key="edit_zoom").set_value("USS").run()
    _, token = _fitted(folium_payload(app))
    app.selectbox(key="merge_keep").set_value("USC").run()
    app.selectbox(key="merge_absorb").set_value("USS").run()
    app.button(key="twin_merge").click().run()
    assert "USS" not in app.selectbox(key="edit_zoom").options
    assert app.selectbox(key="edit_zoom").value == shared.ZOOM_MAIN
    assert _fitted(folium_payload(app))[1] == token


def test_a_territory_with_no_region_says_there_is_nothing_to_zoom_to(app):
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["territories"].append({"territory_id": "EMPTY", "name": "Empty <b>one</b>", "region_ids": []})
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, "pages/coverage_map.py")
    app.selectbox(key="coverage_zoom").set_value("EMPTY").run()
    said = " ".join(c.value for c in app.sidebar.caption)
    assert "Empty \\<b\\>one\\</b\\> holds no region and no account yet: nothing to zoom to" in said, said


def test_the_coverage_map_says_a_region_two_territories_claim_alike(app):
    # Ohio in US Central and US South at the same priority: its accounts went to the lower id, each flagged as a
    # conflict, and no page said so (a review: "two reps chase the same account" was nowhere in the dashboard).
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    south = next(t for t in raw["territories"] if t["territory_id"] == "USS")
    south["region_ids"].append("US-OH")
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, "pages/coverage_map.py")
    warned = " ".join(w.value for w in app.warning).replace("\\", "")
    assert (
        "Claimed alike by two territories (the same accounts, at the same priority): Ohio by US Central (USC) and "
        "US South (USS), US Central taking its accounts. Each such account is flagged as a conflict"
    ) in warned, warned
    # (an overlay, a focus over a general territory, is no such claim: the demo's North America East over US West)
    open_page(app := AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "pages/coverage_map.py")
    assert "Claimed alike" not in " ".join(w.value for w in app.warning)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/coverage_map.py", "pages/edit_map.py"])
def test_the_map_legend_is_under_the_map_with_every_name_escaped(app, page):
    # Over the map's bottom right corner it hid Europe West on the Overview at 1280 px (a new user's test): every
    # page with the coverage map shows its legend under it (st.html), never in the map, each user string escaped.
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    territory = next(t for t in raw["territories"] if t["territory_id"] == "CAW")
    territory["name"] = "<script>alert('t')</script> West"
    rep = next(r for r in raw["reps"] if r["territory_ids"] == ["CAW"])  # (its only rep: named in the legend)
    rep["name"] = '<img src=x onerror="alert(1)">'
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, page)
    payload = folium_payload(app)
    assert "legend-entry" not in payload["feature_group"] and "legend-entry" not in payload["script"]
    legends = [h.proto.body for h in app.get("html") if 'id="territory-legend"' in h.proto.body]
    assert len(legends) == 1
    legend = legends[0]
    for t in raw["territories"]:
        if t["territory_id"] != "CAW":
            assert f">{t['name']}</span>" in legend and t["color"] in legend
    assert "No territory (coverage gap)" in legend and " accounts in " in legend
    assert "<script>" not in legend and "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; West" in legend
    assert "<img" not in legend and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in legend


def test_the_accounts_outside_a_territory_add_up(app):
    # Regions without a territory, plus accounts a territory's focus turns away, are all the accounts outside one.
    open_page(app, "pages/coverage_map.py")
    gaps = next(d.value for d in app.dataframe if {"Region", "Accounts"} <= set(d.value.columns))
    note = next(c.value for c in app.caption if c.value.startswith("Besides these"))
    turned_away = int(note.split("Besides these, ")[1].split()[0].replace(",", ""))
    outside = int(note.rsplit("add up to ", 1)[1].rstrip(".").replace(",", ""))
    assert gaps["Accounts"].sum() + turned_away == outside
    accounts = int({m.label: m.value for m in app.metric}["Accounts on the map"].replace(",", ""))
    share = float({m.label: m.value for m in app.metric}["In a territory"].rstrip("%")) / 100
    assert abs((accounts - outside) / accounts - share) < 0.001
    # Every region in a territory: said first, and the accounts turned away "still" (not "besides these" above it,
    # a new user's test)
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["territories"][0]["region_ids"] = list(raw["territories"][0]["region_ids"]) + [
        "US",
        "CA",
        "MX",
        "GB",
        "FR",
        "DE",
        "ES",
        "IT",
        "NL",
        "IE",
    ]
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    app.run()
    notes = [c.value for c in app.caption if "turned away by its industry or tier focus" in c.value]
    assert [s.value for s in app.success] == ["Every account's region is in a territory."], [
        s.value for s in app.success
    ]
    assert len(notes) == 1 and notes[0].startswith("Still, ") and "no territory takes them." in notes[0]


def test_hiding_accounts_drops_the_cluster_layer(app):
    open_page(app, "pages/coverage_map.py")
    assert "markerClusterGroup" in folium_payload(app)["feature_group"]
    app.sidebar.toggle[0].set_value(False).run()
    assert not app.exception
    assert "markerClusterGroup" not in folium_payload(app)["feature_group"]


def test_balance_least_balanced_first_and_tolerance(app):
    open_page(app, "pages/balance.py")
    territories = app.dataframe[0].value
    # (the score times the share of the territory's accounts with a rep: the accounts waiting count, as in the
    # team score)
    served = territories["accounts"] / (territories["accounts"] + territories["unserved"]).where(lambda n: n > 0)
    assert (territories["balance_score"] * served.fillna(1.0)).is_monotonic_increasing
    waiting = territories[territories["unserved"] > 0]
    assert len(waiting) and not territories["balance_score"].is_monotonic_increasing  # (the demo's order changes)
    reps = app.dataframe[1].value
    assert reps["Utilization"].is_monotonic_decreasing  # fullest first
    from tests.pages.test_display_formats import column_formats

    for frame in app.dataframe[:2]:  # workload with thousands separators, as the Edit page shows it
        assert column_formats(frame)["Workload"]["format"] == "%,.0f"
    assert "US South" in set(reps["Territories"]) and "USS" not in set(reps["Territories"])  # by name
    # The chart says the accounts waiting beside the name: its score counts those with a rep, and the territories
    # with a backlog read as the best balanced (a review)
    import json

    chart = json.loads(app.get("vega_lite_chart")[-1].proto.spec)
    expected = [n + (f" ({int(w):,} waiting)" if w > 0 else "") for n, w in zip(territories["name"], territories["unserved"], strict=True)]  # fmt: skip
    assert chart["encoding"]["y"]["sort"] == expected and any("waiting)" in label for label in expected), expected
    # … and draws each bar as it is ordered: a territory with accounts waiting was a nearly full green bar (a review)
    assert chart["encoding"]["x"]["field"] == chart["encoding"]["color"]["field"] == "score_counting_waiting"
    import pyarrow as pa

    element = app.get("vega_lite_chart")[-1].proto
    rows = pa.ipc.open_stream(element.datasets[0].data.data).read_all().to_pandas()
    drawn = {n: (a, b) for n, a, b in rows[["name", "score_counting_waiting", "balance_score"]].itertuples(index=False)}
    assert all(drawn[n][0] < drawn[n][1] for n in waiting["name"])
    app.slider[0].set_value(30).run()
    assert not app.exception


def test_the_rows_skipped_and_the_rows_with_problems_say_what_each_counts(app):
    # "Rows not placed 2" sat beside "Rows with problems … (3)": the third row is a warning (placed by its state).
    open_page(app, "pages/accounts.py")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows skipped (not placed)"] == "2"
    problems = next(e for e in app.expander if e.label.startswith("Rows with problems"))
    # (the demo's 42 rows whose coordinates lie across a border from their stated state or country, all within
    # 3 km of it, are placed by their address: a note, not 42 warnings; the fourteenth new user)
    assert problems.label.endswith("(3: 2 skipped, 1 placed with a warning)"), problems.label
    table = problems.dataframe[0].value
    assert not table["problem"].str.startswith("its coordinates lie in ").any()


def test_accounts_filters_and_unassigned_queue(app):
    open_page(app, "pages/accounts.py")
    app.pills(key="filter_status").set_value(["unassigned"]).run()
    results = app.dataframe[0].value
    assert len(results) > 0 and set(results["status"]) == {"unassigned"}
    # The Reason filter says the reasons in the table's words ("reps full"), not their codes.
    assert app.multiselect(key="filter_reason").options == ["reps full", "no territory"]
    app.multiselect(key="filter_reason").set_value(["at-capacity"]).run()
    assert set(app.dataframe[0].value["outcome"]) == {"reps full"}
    assert set(app.dataframe[0].value["reason"]) == {"at-capacity"}
    queue = app.dataframe[1].value
    assert {"reason", "reason_detail", "accounts", "value"} <= set(queue.columns)
    # the territory whose reps are full by name ("reps full | USC" read as a code, a new user's test)
    full = queue.loc[queue["reason"] == "reps full", "reason_detail"]
    assert len(full) and set(full) <= {"US Central", "US South", "US West", "North America East", "Canada West",
                                       "Europe West"}, set(full)  # fmt: skip
    assert set(app.dataframe[0].value["reason_detail"]) <= set(full)
    why = app.dataframe[2].value["why"].tolist()
    assert all(isinstance(w, str) and w for w in why)


def test_reps_roster_lists_every_rep(app):
    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    assert app.title[0].value == "Reps"
    assert len(roster) == 12
    # territories by name (they showed as ids: NAE, USW)
    territories = roster.set_index("name")["territories"]
    assert territories["Sarah Chen"] == "North America East" and territories["Tom Becker"] == "US South"


def test_the_roster_shows_the_columns_a_manager_edits_and_the_ids_on_request(app):
    # (the roster was 1,485 px wide in the 818 px of a 1280 px window: tests/e2e/test_reps.py measures it)
    open_page(app, "pages/reps.py")
    editor = app.data_editor[0]
    assert list(editor.proto.column_order) == [
        "name", "active", "home", "capacity", "quota_attainment", "territories", "specialties", "load",
    ]  # fmt: skip
    roster = editor.value.set_index("name")
    assert roster.loc["Sarah Chen", "load"] == "163 (91%)"
    app.toggle(key="reps_show_ids").set_value(True).run()
    editor = app.data_editor[0]
    assert {"rep_id", "salesforce_user_id", "hubspot_owner"} <= set(editor.proto.column_order)
    # An owner typed with the ids shown is kept by the plan.
    row = int(editor.value.index[editor.value["name"] == "Luke Anderson"][0])
    app.session_state["roster_editor"] = {
        "edited_rows": {row: {"hubspot_owner": "luke@example.com"}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    app.toggle(key="reps_show_ids").set_value(False).run()
    assert app.data_editor[0].value.set_index("name").loc["Luke Anderson", "hubspot_owner"] == "luke@example.com"


def test_data_sources_lists_rows_that_could_not_be_placed(app):
    open_page(app, "pages/data_sources.py")
    texts = [m.value for m in app.markdown]
    assert any("2 rows could not be placed" in t for t in texts)
    assert any("4,998 of 5,000 rows placed" in t for t in texts)
    # each sentence whole, as on the Accounts page (at 1280 px a one-line row cut it before how to fix it)
    from pages.shared import PROBLEM_WIDTHS, wrapping_row_height

    skipped = app.dataframe[0]
    assert skipped.value["problem"].str.len().max() > 60
    assert skipped.proto.row_height == wrapping_row_height(skipped.value["problem"], PROBLEM_WIDTHS["problem"]) >= 68


def test_a_click_on_a_region_shows_its_details(app, monkeypatch):
    import streamlit_folium

    def fake_component(**kwargs):
        # What the map component returns after a click on New Jersey (only the events the page asked for).
        assert kwargs["returned_objects"] == ["last_active_drawing"]
        return {"last_active_drawing": {"type": "Feature", "properties": {"region_id": "US-NJ"}}}

    open_page(app, "pages/coverage_map.py")
    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    app.run()
    assert not app.exception
    assert app.selectbox(key="selected_region").value == "US-NJ"
    texts = " ".join(m.value for m in app.markdown)
    assert "New Jersey" in texts and "a coverage gap" in texts
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Accounts"].replace(",", "")) > 0


def test_a_click_on_a_county_shows_its_details(app, monkeypatch):
    import streamlit_folium

    open_page(app, "pages/coverage_map.py")
    app.sidebar.radio(key="map_level").set_value("county").run()
    # The picker lists counties at county level, by name
    picker = app.selectbox(key="selected_region")
    assert "US-48201" in picker.options or any("Harris" in str(o) for o in picker.options)
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: {
        "last_active_drawing": {"type": "Feature", "properties": {"region_id": "US-48201"}}})  # fmt: skip
    app.run()
    assert not app.exception
    assert app.selectbox(key="selected_region").value == "US-48201"
    assert "Harris" in " ".join(m.value for m in app.markdown)
    assert int({m.label: m.value for m in app.metric}["Accounts"].replace(",", "")) > 0


def test_a_county_held_through_its_country_is_not_called_a_gap(app):
    # A territory that claims the whole US holds Bernalillo, NM (no one claims New Mexico): the details panel
    # looks up every region above the county (county, state, country), not its state alone. Puerto Rico's
    # counties sit one level deeper (US-PR, PR, US).
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["territories"][0]["region_ids"] = [*raw["territories"][0]["region_ids"], "US"]
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, "pages/coverage_map.py")
    app.sidebar.radio(key="map_level").set_value("county").run()
    app.selectbox(key="selected_region").set_value("US-35001").run()
    texts = " ".join(m.value for m in app.markdown)
    assert "a coverage gap" not in texts and "North America East" in texts


def test_region_details_say_which_accounts_the_territory_holds_and_which_its_focus_turns_away(app):
    # Germany: Europe West claims it but takes only some industries; the panel read "Europe West", 200 accounts,
    # $1,808,000, as if all were its own (it holds 65, a review). Now each part is said, with the largest accounts
    # in no territory marked.
    open_page(app, "pages/coverage_map.py")
    app.selectbox(key="selected_region").set_value("DE").run()
    assert not app.exception
    from tests.conftest import demo_state

    accounts = demo_state().result  # (the page's: the demo's plan and accounts)
    germany = accounts[accounts["region_id"].astype(str) == "DE"]
    held = germany[germany["territory_id"] == "EUW"]
    away = germany[germany["territory_id"].isna()]
    assert len(held) and len(away)  # (the demo: 65 and 135)
    said = " ".join(c.value for c in app.caption).replace("\\", "")
    assert f"Europe West: {len(held):,} accounts (${held['value'].sum():,.0f})" in said, said
    assert (f"In no territory, turned away by the industry focus of Europe West: {len(away):,} accounts "
            f"(${away['value'].sum():,.0f})") in said, said  # fmt: skip
    (largest,) = [d.value for d in app.dataframe if list(d.value.columns) == ["name", "value"]]
    top = germany.nlargest(5, "value")
    marked = [f"{n} (no territory)" if pd.isna(t) else n for n, t in zip(top["name"], top["territory_id"], strict=True)]
    assert largest["name"].tolist() == marked


def test_region_picker_is_the_click_twin(app):
    open_page(app, "pages/coverage_map.py")
    app.selectbox(key="selected_region").set_value("US-NY").run()
    assert not app.exception
    texts = " ".join(m.value for m in app.markdown)
    assert "North America East" in texts and "Sarah Chen" in texts


def test_county_level_switch(app):
    open_page(app, "pages/coverage_map.py")
    app.sidebar.radio(key="map_level").set_value("county").run()
    assert not app.exception
    layers = folium_payload(app)["feature_group"]
    assert "US-36061" in layers  # New York County drawn on its own


HUBSPOT = (
    b"Record ID,Company name,City,State/Region,Postal Code,Country/Region,Industry,Annual Revenue,Company owner\n"
    b"H1,Acme Pay,New York,NY,10001,United States,Fintech,120000,Sarah Chen\n"
    b"H2,Beta Health,Boston,MA,02108,United States,Healthcare,90000,\n"
    b"H3,Nowhere Inc,Xyzzyville,,,,saas,10,\n"
)


def test_upload_a_hubspot_export_with_recognised_columns(app):
    open_page(app, "pages/accounts.py")
    app.file_uploader(key="accounts_upload").set_value(("hubspot.csv", HUBSPOT, "text/csv")).run()
    assert not app.exception
    assert mapped(app, "Account id").value == "Record ID"
    assert mapped(app, "ZIP").value == "Postal Code"
    assert mapped(app, "Current owner").value == "Company owner"
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accounts"] == "2"
    assert metrics["Rows skipped (not placed)"] == "1"
    # the message says what is in the table of problems further down (it said only "Loaded 2 of 3 rows")
    said = app.success[0].value.replace("\\", "")
    assert said.startswith("Loaded 2 of 3 rows from hubspot.csv. 1 row skipped")
    assert "see **Rows with problems** below" in said
    results = app.dataframe[0].value.set_index("account_id")
    assert results.loc["H1", "territory"] == "North America East"
    assert results.loc["H1", "rep"] == "Sarah Chen"


def mapped(app, label):
    """The column-mapping box of a field, by its label."""
    return next(s for s in app.selectbox if s.label == label)


def upload(app, name, data):
    app.file_uploader(key="accounts_upload").set_value((name, data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]


def test_each_file_gets_its_own_column_mapping_and_none_means_none(app):
    open_page(app, "pages/accounts.py")
    upload(app, "first.csv", b"id,name,lat,lon,industry\nA1,Acme,40.7,-74.0,saas\n")
    assert mapped(app, "Latitude").value == "lat" and mapped(app, "Industry").value == "industry"
    mapped(app, "Industry").set_value("(none)").run()
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception
    # "(none)" reads no industry, though the column's name would suggest it
    row = app.dataframe[0].value.set_index("account_id").loc["A1"]
    assert pd.isna(row["industry"]) or row["industry"] in ("", None)
    # A new file starts from its own guesses, not the last file's choices.
    upload(app, "second.csv", b"id,name,latitude,longitude,industry\nC1,Gamma,40.7,-74.0,saas\n")
    assert mapped(app, "Latitude").value == "latitude" and mapped(app, "Longitude").value == "longitude"
    assert mapped(app, "Industry").value == "industry"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV text file (it looks like an image)"),
        (b"PK\x03\x04\x14\x00\x06\x00", "it looks like an Excel workbook or a zip"),
    ],
)
def test_an_unreadable_upload_says_what_it_is_and_how_to_fix_it(app, data, says):
    open_page(app, "pages/accounts.py")
    upload(app, "accounts.csv", data)
    shown = " ".join(e.value for e in app.error).replace("\\", "")  # (shown as written: escaped for Markdown)
    assert says in shown and "accounts.csv" in shown
    assert "codec" not in shown and "No columns to parse" not in shown


def test_a_semicolon_file_with_decimal_commas_loads(app):
    # What Excel saves as CSV in Germany or France: semicolons, decimal commas. It was refused ("separated by
    # semicolons, not commas").
    open_page(app, "pages/accounts.py")
    upload(app, "konten.csv", "id;name;lat;lon;estimated_value\nS1;Müller GmbH;48,85;2,35;1.000,50\n".encode())
    assert not app.error
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception and not app.error
    row = app.dataframe[0].value.set_index("account_id").loc["S1"]
    assert row["name"] == "Müller GmbH" and row["value"] == 1000.5


def test_excels_unicode_text_loads_tabs_and_all(app):
    # Excel's "Unicode Text" (UTF-16 with its mark, tab-separated, saved as .txt) was called a binary file.
    open_page(app, "pages/accounts.py")
    upload(app, "unicode.txt", "id\tname\tlat\tlon\r\nU1\tCafé Zoë\t48.85\t2.35\r\n".encode("utf-16"))
    assert not app.error
    assert mapped(app, "Account id").value == "id" and mapped(app, "Latitude").value == "lat"
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception and not app.error
    assert app.dataframe[0].value.set_index("account_id").loc["U1", "name"] == "Café Zoë"


def test_a_row_with_swapped_coordinates_is_in_the_rows_with_problems(app):
    # A row with its latitude and longitude exchanged (in Antarctica) was named only in the load's note.
    open_page(app, "pages/accounts.py")
    upload(
        app, "swapped.csv", b"id,name,lat,lon\nA1,Acme,40.71,-74.0\nA2,Swapped,-74.0,40.7\nA3,Chicago,41.88,-87.63\n"
    )
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception
    assert "1 row placed with a warning: see" in app.success[0].value
    problems = next(e for e in app.expander if e.label.startswith("Rows with problems"))
    table = problems.dataframe[0].value
    assert table[["row", "account_id", "column", "value", "severity"]].values.tolist() == [
        [3, "A2", "lat, lon", "-74, 40.7", "warning"]
    ]
    assert "swapped; exchange the two values on this line" in table.loc[0, "problem"]


def test_more_problems_than_the_table_shows_are_said_under_it(app):
    # 11 problems, 10 rows in view and the scroll bar shown only on hover: the eleventh went unseen.
    from pages.shared import PROBLEM_ROWS

    open_page(app, "pages/accounts.py")
    rows = "".join(f"B{i},Bad,95,{i}\n" for i in range(PROBLEM_ROWS + 1))
    upload(app, "bad.csv", f"id,name,lat,lon\nA1,Acme,40.71,-74.0\n{rows}".encode())
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    problems = next(e for e in app.expander if e.label.startswith("Rows with problems"))
    assert len(problems.dataframe[0].value) == PROBLEM_ROWS + 1
    assert [c.value for c in problems.caption] == [
        f"{PROBLEM_ROWS} of the {PROBLEM_ROWS + 1} problems in view: scroll the table for the others."
    ]


def test_one_column_mapped_to_two_fields_is_warned_before_loading(app):
    # Value and Cycle length both mapped to "amount", or Latitude and Longitude to one column, went unsaid.
    open_page(app, "pages/accounts.py")
    upload(app, "amounts.csv", b"id,name,lat,lon,amount\nA1,Acme,40.7,-74.0,100\nA2,Beta,41.9,-87.6,200\n")
    assert not app.warning
    mapped(app, "Estimated value").set_value("amount").run()
    mapped(app, "Cycle length (days)").set_value("amount").run()
    said = [w.value.replace("\\", "") for w in app.warning]
    assert said == [
        "Column 'amount' is mapped to both Estimated value and Cycle length (days): both read the same cells; map "
        "each field to its own column, or one of them to (none)"
    ]
    mapped(app, "Latitude").set_value("lon").run()
    assert any(
        "Column 'lon' is mapped to both Latitude and Longitude" in w.value.replace("\\", "") for w in app.warning
    )
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "amounts.csv: column 'lon' is mapped to both Latitude and Longitude: a latitude is not a longitude" in shown


def test_a_new_file_clears_the_last_files_error(app):
    open_page(app, "pages/accounts.py")
    upload(app, "bad.csv", b"name\nAcme\n")
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert any("no account id column" in e.value for e in app.error)
    upload(app, "good.csv", b"id,name,lat,lon\nA1,Acme,40.7,-74.0\n")
    assert not any("no account id column" in e.value for e in app.error)


def test_a_bad_upload_keeps_the_accounts_already_loaded(app):
    open_page(app, "pages/accounts.py")
    app.file_uploader(key="accounts_upload").set_value(
        ("broken.csv", b"id,name,industry\nA1,Acme,saas\n", "text/csv")
    ).run()
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception
    assert any("has neither coordinates nor an address" in e.value for e in app.error)
    assert {m.label: m.value for m in app.metric}["Accounts"] == "4,998"


def test_deactivating_a_rep_reruns_the_assignment_and_shows_what_moved(app):
    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == "Elena Rossi"][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: {"active": False}}, "added_rows": [], "deleted_rows": []}
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    heading = next(h.value for h in app.subheader if h.value.startswith("What moved"))
    moved = int(heading.split(":")[1].split()[0].replace(",", ""))
    assert moved > 0
    table = app.dataframe[-2].value
    assert "Elena Rossi" in set(table["from_rep"])
    assert "Elena Rossi" not in set(table["to_rep"])
    # Territories by name, as the rest of the page names them (they were ids: "EUW").
    assert set(table["from_territory"]) == {"Europe West"}
    balance = app.dataframe[-1].value
    assert "Elena Rossi" in balance.index
    # Undone on the Edit territories page, the change is no longer shown as what moved.
    app.switch_page("pages/edit_map.py").run()
    app.button(key="undo").click().run()
    app.switch_page("pages/reps.py").run()
    assert not app.exception
    assert not any(h.value.startswith("What moved") for h in app.subheader)


def test_a_plan_used_on_data_sources_shows_at_once_and_unknown_regions_are_named(app):
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["name"] = "Uploaded plan"
    raw["territories"][0]["region_ids"] = [*raw["territories"][0]["region_ids"], "US-ZZ"]
    raw["reps"][0]["active"] = False
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="plan_upload").set_value(("mine.json", json.dumps(raw).encode(), "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # (the inactive rep said: "12 reps" here against the Overview's "11 active reps")
    assert any("In use: **Uploaded plan** — 6 territories, 12 reps (11 active)." in m.value for m in app.markdown)
    assert any("Loaded plan from mine.json" in x.value.replace("\\", "") for x in app.success)
    assert any("US\\-ZZ" in w.value or "US-ZZ" in w.value for w in app.warning)
    # It is a plan of its own: the Plans page calls it not stored yet, and saving it makes a new plan.
    app.switch_page("pages/plans.py").run()
    assert any("not stored yet" in m.value for m in app.markdown)


def test_a_plan_file_used_over_another_plan_is_assigned_afresh_as_the_cli_assigns_it(app, tmp_path, monkeypatch):
    # Used over another plan (here a rebalance accepted as a draft: a session of its own), the file kept that plan's
    # reps where it allowed: its figures differed from cli.py's for the same file (0.788 against 0.789, a new
    # user's test).
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))  # (a store of its own: the draft saved stays here)
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    app.session_state["author_name"] = "Tess"  # (who accepts: required)
    open_page(app, "pages/rebalance.py")
    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Saved as the new draft plan" in s.value for s in app.success)
    app.switch_page("pages/data_sources.py").run()
    app.file_uploader(key="plan_upload").set_value(("plan.json", json.dumps(raw).encode(), "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("In use: **Demo FY27 plan**" in m.value for m in app.markdown)
    fresh = demo_state()
    shown = shared_result(app)
    expected = fresh.result.set_index("account_id")["rep_id"]
    assert (shown.reindex(expected.index).fillna("") == expected.fillna("")).all()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    from territory.formatting import score as score_text

    assert next(m.value for m in app.metric if m.label == "Team balance score") == score_text(
        fresh.balance.team["balance_score"]
    )


def shared_result(app) -> pd.Series:
    """The session's accounts and their reps (account id → rep id), as its edit history holds them now."""
    return app.session_state["edit_history"].current.result.set_index("account_id")["rep_id"]


def test_a_plan_with_several_problems_is_refused_saying_every_one(app):
    # Only the first was said: fixed and uploaded again, the file was refused for the next one, and so on.
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["reps"][0]["capacity"] = "forty"
    raw["reps"][1]["capacity"] = "ten"
    raw["reps"][2]["territory_ids"] = ["NOPE"]
    raw["territories"].append({**raw["territories"][0], "name": "Copy"})
    first, second, third = (raw["reps"][i]["rep_id"] for i in range(3))
    duplicate = raw["territories"][0]["territory_id"]
    open_page(app, "pages/data_sources.py")
    before = app.session_state["plan_json"]
    app.file_uploader(key="plan_upload").set_value(("fy27.json", json.dumps(raw).encode(), "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.error) == 1  # (one message, each problem an item of its list)
    shown = app.error[0].value.replace("\\", "")
    head, *items = shown.split("\n- ")
    assert head.startswith("**Could not use this file.** fy27.json: 4 problems; fix them all")
    assert items == [
        f"fy27.json, territory {len(raw['territories'])}, field 'territory_id': duplicate territory_id "
        f"'{duplicate}'. Ids must be unique",
        f"fy27.json, rep 1 ({first}), field 'capacity': 'capacity' must be a number, got 'forty'",
        f"fy27.json, rep 2 ({second}), field 'capacity': 'capacity' must be a number, got 'ten'",
        f"fy27.json, rep 3 ({third}), field 'territory_ids': unknown territory 'NOPE'. Use one of: "
        + ", ".join(sorted({t["territory_id"] for t in raw["territories"]})),
    ]
    # Nothing changed: the plan in use is the one before, and the page goes on.
    assert app.session_state["plan_json"] == before
    assert not app.success


def test_the_roster_adds_and_removes_reps(app):
    from territory import plan_from_dict

    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    gone = int(roster.index[roster["name"] == "Elena Rossi"][0])
    app.session_state["roster_editor"] = {
        "edited_rows": {},
        "added_rows": [{"name": "Nora New", "active": True, "capacity": 300, "territories": "us west, CAW"}],
        "deleted_rows": [gone],
    }
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception, [e.value for e in app.exception]
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    names = {r.name: r for r in plan.reps}
    assert "Elena Rossi" not in names and "Nora New" in names
    # (territories by name in any case, or by id)
    assert names["Nora New"].rep_id == "R13" and names["Nora New"].territory_ids == ("USW", "CAW")
    assert names["Nora New"].specialties == ()  # (an empty cell, not "nan")
    assert any("Removed from the team: Elena Rossi" in i.value for i in app.info)
    assert any(h.value.startswith("What moved") for h in app.subheader)
    # Her accounts still say whose they were.
    moved = next(d.value for d in app.dataframe if "from_rep" in d.value.columns)
    assert "Elena Rossi" in set(moved["from_rep"])


def test_removing_a_rep_who_owns_plan_accounts_or_locks(app):
    # The plan's own accounts may name the rep as owner, and locks may name the rep alone: removing her clears both.
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    rep = next(r for r in raw["reps"] if r["name"] == "Elena Rossi")
    raw["accounts"] = [{"account_id": "X1", "region_id": "US-CA", "owner": rep["rep_id"]}]
    raw["overrides"] = [*raw.get("overrides", []), {"account_id": "X1", "rep_id": rep["rep_id"], "locked": True}]
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    gone = int(roster.index[roster["name"] == "Elena Rossi"][0])
    app.session_state["roster_editor"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [gone]}
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    assert "Elena Rossi" not in {r.name for r in plan.reps}
    assert plan.accounts[0].owner is None
    assert not any(o.account_id == "X1" for o in plan.overrides)  # (a lock to her alone is gone)


def test_the_roster_shows_an_id_where_a_name_could_be_read_as_another_territory(app):
    # A territory named like another's id ("US Central" renamed, a new one called "USC"): shown by id, so that an
    # Apply (of any other change) keeps its reps where they are.
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    west = next(t for t in raw["territories"] if t["territory_id"] == "USW")
    west["name"] = "USC"
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    territories = roster.set_index("name")["territories"]
    assert territories["Priya Patel"] == "USW" and territories["Luke Anderson"] == "US Central"
    row = int(roster.index[roster["name"] == "Luke Anderson"][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: {"capacity": 99}}, "added_rows": [], "deleted_rows": []}
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    assert plan.rep("R05").territory_ids == ("USW",) and plan.rep("R10").capacity == 99


def test_the_roster_shows_where_reps_live_and_a_new_home_is_kept(app):
    # A new user could not see the homes that decide where a plan from scratch puts each rep.
    from territory import plan_from_dict

    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value.set_index("name")
    assert roster.loc["Aisha Okafor", "home"] == "Georgia" and roster.loc["Tom Becker", "home"] == "Texas"
    row = int(app.data_editor[0].value.index[app.data_editor[0].value["name"] == "Tom Becker"][0])
    other = int(app.data_editor[0].value.index[app.data_editor[0].value["name"] == "Aisha Okafor"][0])
    # Another home by the map's name; Georgia (a state, and a country's name too) stays the state it was.
    app.session_state["roster_editor"] = {
        "edited_rows": {row: {"home": "Harris, TX"}, other: {"capacity": 41}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    aisha = next(r for r in plan.reps if r.name == "Aisha Okafor")
    assert plan.rep(roster.loc["Tom Becker", "rep_id"]).home_region == "US-48201" and aisha.home_region == "US-GA"
    # A home that names no region, or several, is refused with what to type
    row = int(app.data_editor[0].value.index[app.data_editor[0].value["name"] == "Tom Becker"][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: {"home": "Atlantis"}}, "added_rows": [],
                                          "deleted_rows": []}  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "Tom Becker" in shown and "Home 'Atlantis' is not a region" in shown


def test_a_home_typed_as_two_letters_is_the_state_the_plan_works_in(app):
    # A new user's 35 reps with homes MA, MD, NY, ON: MA became Morocco and MD Moldova (country codes), and NY, ON
    # were refused as no region.
    from territory import plan_from_dict

    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    rows = {n: int(roster.index[roster["name"] == n][0]) for n in ("Tom Becker", "Aisha Okafor", "Luke Anderson")}
    homes = {"Tom Becker": "MA", "Aisha Okafor": "md", "Luke Anderson": "ON"}
    app.session_state["roster_editor"] = {"edited_rows": {rows[n]: {"home": h} for n, h in homes.items()},
                                          "added_rows": [], "deleted_rows": []}  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.error, [e.value for e in app.error]
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    got = {r.name: r.home_region for r in plan.reps if r.name in homes}
    # Massachusetts is held by a territory, Morocco is not; Maryland by none, but the plan works in the US
    assert got == {"Tom Becker": "US-MA", "Aisha Okafor": "US-MD", "Luke Anderson": "CA-ON"}
    # Puerto Rico is both a country-level region and a US state-level one: asked which
    app.session_state["roster_editor"] = {"edited_rows": {rows["Tom Becker"]: {"home": "PR"}}, "added_rows": [],
                                          "deleted_rows": []}  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "Home 'PR' could be Puerto Rico (PR) or Puerto Rico (US-PR); type the id of the one you mean" in shown


def test_a_roster_that_cannot_be_used_names_the_rep_and_the_column(app):
    open_page(app, "pages/reps.py")
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == "Hannah Kim"][0])
    app.session_state["roster_editor"] = {
        "edited_rows": {row: {"capacity": None, "territories": "USW, NOPE"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "Cannot be applied: fix these in the table" in shown
    assert "Hannah Kim (R07): Capacity is empty" in shown
    assert "Territories names 'NOPE', which the plan does not have; use territory names: North America East" in shown
    assert "reps[" not in shown and "nan" not in shown
    assert not any(h.value.startswith("What moved") for h in app.subheader)


@pytest.mark.parametrize(("page", "kind"), [("pages/overview.py", "caption"), ("pages/coverage_map.py", "caption"),
                                            ("pages/data_sources.py", "markdown")])  # fmt: skip
def test_a_plan_name_in_markdown_is_shown_as_written(app, page, kind):
    # A plan named like a Markdown link is shown literally (escaped), not turned into a link.
    from territory import plan_from_dict

    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["name"] = "[plan link](http://evil.example) ~~gone~~"
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    open_page(app, page)
    shown = " ".join(e.value for e in getattr(app, kind))
    assert "\\[plan link\\]\\(http\\:" in shown and "](http" not in shown
    # and the address is not a bare URL the browser would link by itself
    assert "http\\:\u200b//evil.example" in shown
    from pages.shared import plain

    assert plain("WWW.Acme.com") == "WWW\u200b.Acme.com"  # (the case kept)
    # an e-mail address (a HubSpot owner, a name with an @) is no mailto: link either (a security review), and it
    # is copied as written: as code (a zero-width space after its @ went into HubSpot with it, a review; a backslash
    # before the @ leaves it a link: checked in Chromium)
    assert plain("ann@acme.com") == "`ann@acme.com`"
    assert plain("Owner: ann.o+crm@acme.co.uk, [x](y)") == "Owner\\: `ann.o+crm@acme.co.uk`, \\[x\\]\\(y\\)"
    assert plain("Acme @ Boston") == "Acme @ Boston" and "\u200b" not in plain("josé@例え.jp")


def _square(x: float, y: float) -> list:
    return [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]


def _features(properties: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": _square(i, 0)}}
        for i, p in enumerate(properties)
    ]}).encode()  # fmt: skip


def test_a_boundary_file_gets_its_id_and_name_columns_picked_by_their_names(app):
    open_page(app, "pages/data_sources.py")
    data = _features([{"ALAND": 5, "NAME": "Alpha", "GEOID": "A1"}, {"ALAND": 7, "NAME": "Beta", "GEOID": "B2"}])
    app.file_uploader(key="boundary_upload").set_value(("tracts.geojson", data, "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    boxes = {s.label: s.value for s in app.selectbox}
    assert boxes["Id column"] == "GEOID" and boxes["Name column"] == "NAME"  # (the first column, ALAND, was picked)
    assert any(
        m.value.replace("\\", "").startswith("2 regions, in longitude/latitude (EPSG:4326)") for m in app.markdown
    )
    # A projected file says both systems ("coordinate system EPSG:3857" under "reprojected to EPSG:4326" read as if
    # the reprojection had not happened, a new user's test)
    mercator = json.loads(data)
    mercator["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    for feature in mercator["features"]:
        feature["geometry"]["coordinates"] = [[[x * 1e5 - 8.2e6, y * 1e5 + 4.9e6] for x, y in ring]
                                              for ring in feature["geometry"]["coordinates"]]  # fmt: skip
    app.file_uploader(key="boundary_upload").set_value(
        ("m.geojson", json.dumps(mercator).encode(), "application/json")
    ).run()
    said = [m.value.replace("\\", "") for m in app.markdown]
    assert "2 regions, read in EPSG:3857 and shown in longitude/latitude (EPSG:4326)." in said, said
    app.file_uploader(key="boundary_upload").set_value(("tracts.geojson", data, "application/json")).run()
    # The page says what the file is for now (a new user expected to build territories of it), and the preview
    # has the land behind the regions (it was a grey map).
    assert any("plans cannot use an uploaded file's regions yet" in c.value for c in app.caption)
    preview = str(next(e for e in app.main if type(e).__name__ == "UnknownElement" and "Alpha" in str(e.proto)).proto)
    assert preview.count("Polygon") > 100  # (the world's countries under the file's two regions)


def test_a_column_named_like_an_id_that_repeats_values_is_not_guessed_as_the_id(app):
    # A `code` of sales zones beside GEOID opened the file on "ids are not unique … fix them all, then load the file
    # again", though nothing needed fixing (a review): the guess takes a column whose values are all there, unique.
    open_page(app, "pages/data_sources.py")
    data = _features([{"code": "01", "NAME": "Alpha", "GEOID": "A1"}, {"code": "01", "NAME": "Beta", "GEOID": "B2"}])
    app.file_uploader(key="boundary_upload").set_value(("zones.geojson", data, "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    boxes = {s.label: s.value for s in app.selectbox}
    assert boxes["Id column"] == "GEOID" and boxes["Name column"] == "NAME", boxes
    assert not app.error, [e.value for e in app.error]
    # none named like an id: the first column that could be one (not the first column, which repeats values)
    data = _features([{"zone": "N", "NAME": "Alpha", "tract": 7}, {"zone": "N", "NAME": "Beta", "tract": 8}])
    app.file_uploader(key="boundary_upload").set_value(("tracts.geojson", data, "application/json")).run()
    boxes = {s.label: s.value for s in app.selectbox}
    assert boxes["Id column"] == "NAME" and not app.error, (boxes, [e.value for e in app.error])


def test_a_figure_below_zero_keeps_its_column_from_balance_on_and_says_where(app):
    # households was left out of "Balance on" without a word (a review); and a blank figure named its region by id
    open_page(app, "pages/data_sources.py")
    rows = [{"GEOID": f"G{i}", "NAME": f"Zone {i}", "POP": 10.0 + i, "HH": 4.0} for i in range(4)]
    rows[1]["HH"], rows[2]["POP"] = -5.0, None
    app.file_uploader(key="boundary_upload").set_value(("zones.geojson", _features(rows), "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "HH" not in app.multiselect(key="partition_metrics").options
    captions = [c.value.replace("\\", "") for c in app.caption]
    assert (
        "HH is not offered to balance on: it holds figures below 0 (Zone 1 (G1) -5). A metric counts up from 0: "
        "correct those figures in the file and load it again."
    ) in captions, captions
    # said at the file's check too, with the file's name (it was only the grey caption far below, a new user's test)
    warned = [w.value.replace("\\", "") for w in app.warning]
    assert (
        "zones.geojson: column HH holds figures below 0 (Zone 1 (G1) -5). A figure to balance on counts up from 0: "
        "correct it in the file and load it again (HH is not offered to balance on until then)." in warned
    ), warned
    app.multiselect(key="partition_metrics").set_value(["POP"]).run()
    captions = [c.value.replace("\\", "") for c in app.caption]
    said = "POP is blank for 1 of 4 regions (Zone 2 (G2)), counted as 0 (and left blank in the regions CSV)."
    assert said in captions, captions


def test_a_files_value_below_zero_is_named_as_balance_on_lists_it(app):
    # The file's own "value" is "value (file)" beside the accounts' value: the warning named the raw column (a review)
    open_page(app, "pages/data_sources.py")
    rows = [{"GEOID": f"G{i}", "NAME": f"Zone {i}", "value": 10.0 + i, "POP": 5.0} for i in range(4)]
    rows[3]["value"] = -2.0
    app.file_uploader(key="boundary_upload").set_value(("zones.geojson", _features(rows), "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    offered = app.multiselect(key="partition_metrics").options
    assert "POP" in offered and "value (file)" not in offered, offered
    warned = [w.value.replace("\\", "") for w in app.warning]
    assert any(
        w.startswith("zones.geojson: column value holds figures below 0 (Zone 3 (G3) -2).")
        and w.endswith("(value (file) is not offered to balance on until then).")
        for w in warned
    ), warned


def test_a_boundary_files_geometry_repairs_are_listed_without_a_row_number(app):
    # (a 0-based index stood beside "feature 2", a review)
    open_page(app, "pages/data_sources.py")
    document = json.loads(_features([{"GEOID": "A1", "NAME": "Alpha"}, {"GEOID": "B2", "NAME": "Bow"}]))
    document["features"][1]["geometry"]["coordinates"] = [[[5, 0], [6, 1], [6, 0], [5, 1], [5, 0]]]  # (a bow tie)
    app.file_uploader(key="boundary_upload").set_value(("bow.geojson", json.dumps(document).encode(), "x")).run()
    assert not app.exception, [e.value for e in app.exception]
    (expander,) = [e for e in app.expander if e.label.endswith("geometry repair")]
    (table,) = expander.dataframe
    assert table.value.columns.tolist() == ["Repair"] and "feature 2" in table.value["Repair"].iloc[0]
    assert json.loads(table.proto.columns)["_index"]["hidden"] is True


def test_every_problem_of_a_boundary_file_is_shown_at_once(app):
    # They came one at a time: the feature without an id, then (fixed and uploaded again) the id on two features.
    open_page(app, "pages/data_sources.py")
    document = json.loads(_features([{"GEOID": "Z1", "NAME": "One"}, {"GEOID": None, "NAME": "*No id*"},
                                     {"GEOID": "Z1", "NAME": "Again"}, {"GEOID": "Z4", "NAME": "Open ring"}]))  # fmt: skip
    document["features"][3]["geometry"]["coordinates"][0].pop()
    data = json.dumps(document).encode()
    app.file_uploader(key="boundary_upload").set_value(("bounds_mixed.geojson", data, "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    (shown,) = [e.value for e in app.error]
    plain_text = shown.replace("\\", "")
    assert "bounds_mixed.geojson: 3 problems; fix them all" in plain_text, shown
    assert plain_text.count("\n- bounds_mixed.geojson") == 3, shown
    for said in ("feature 4 (GEOID 'Z4'): a ring does not end where it starts",
                 "column 'GEOID': feature 2 (NAME '*No id*') has no id",
                 "column 'GEOID': ids are not unique: Z1 (features 1, 3)"):  # fmt: skip
        assert said in plain_text, shown
    assert "'\\*No id\\*'" in shown  # (the name as written, not italics)


def test_a_boundary_file_without_attributes_says_so(app):
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="boundary_upload").set_value(("bare.geojson", _features([{}, {}]), "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("no attributes" in e.value for e in app.error)


def test_a_boundary_feature_without_a_geometry_is_named_not_a_traceback(app):
    open_page(app, "pages/data_sources.py")
    document = json.loads(_features([{"code": "A1"}, {"code": "SW"}, {"code": "C3"}]))
    document["features"][1]["geometry"] = None
    data = json.dumps(document).encode()
    app.file_uploader(key="boundary_upload").set_value(("districts.geojson", data, "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    said = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "1 feature dropped" in said and "districts.geojson, feature 2 (id 'SW'): no geometry" in said
    assert any(
        m.value.replace("\\", "").startswith("2 regions, in longitude/latitude (EPSG:4326)") for m in app.markdown
    )


def test_a_dropped_feature_s_id_is_shown_as_written(app):
    # A feature id like a Markdown link, in the "features dropped" warning: escaped, not a link (a new user's test).
    open_page(app, "pages/data_sources.py")
    document = json.loads(_features([{"code": "A1"}, {"code": "[Click to fix](http://evil.example)"}]))
    document["features"][1]["geometry"] = None
    data = json.dumps(document).encode()
    app.file_uploader(key="boundary_upload").set_value(("q3 *east*.geojson", data, "application/json")).run()
    assert not app.exception, [e.value for e in app.exception]
    said = " ".join(w.value for w in app.warning)
    assert "1 feature dropped" in said
    assert "\\[Click to fix\\]\\(http\\:\u200b//evil.example\\)" in said and "](http" not in said
    assert "q3 \\*east\\*.geojson" in said


def test_a_single_upload_problem_is_shown_as_written(app):
    # One problem alone (not a list) was shown as Markdown: a heading like a link was a link, a name in stars italic.
    open_page(app, "pages/accounts.py")
    upload(
        app, "q3 *east* <b>x<b> [a](http:x).csv", b"name,[Click to fix](http://evil.example),*lat*,lon\nX,1,40,-74\n"
    )
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception, [e.value for e in app.exception]
    (error,) = [e.value for e in app.error]
    assert error.startswith("**Could not use this file.** ")  # (our own bold kept)
    assert "\\[Click to fix\\]\\(http\\:\u200b//evil.example\\)" in error and "](http" not in error
    assert "\\*lat\\*" in error and "q3 \\*east\\* \\<b\\>x\\<b\\> \\[a\\]\\(http\\:" in error
    assert "<b>" not in error


@pytest.mark.parametrize(
    ("encode", "said"),
    [(lambda text: text.encode("cp1252"), "mine.json is not UTF-8: read as Windows-1252"),
     (lambda text: b"\xef\xbb\xbf" + text.encode(), None)],
    ids=["windows-1252", "byte-order-mark"],
)  # fmt: skip
def test_a_plan_in_windows_1252_or_with_a_byte_order_mark_is_used(app, encode, said):
    # Windows-1252 turned the page into a UnicodeDecodeError traceback; a BOM was refused as bad JSON.
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text(encoding="utf-8"))
    raw["name"] = "Amérique"
    open_page(app, "pages/data_sources.py")
    data = encode(json.dumps(raw, ensure_ascii=False))
    app.file_uploader(key="plan_upload").set_value(("mine.json", data, "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error
    assert any("In use: **Amérique**" in m.value for m in app.markdown)
    notes = [i.value.replace("\\", "") for i in app.info]
    assert any(n.startswith(said) for n in notes) if said else not any("UTF-8" in n for n in notes)


def test_accounts_in_windows_1252_are_read_and_the_data_sources_page_says_so(app):
    open_page(app, "pages/accounts.py")
    data = "id,name,city,state,country\nL1,Société Générale,Montréal,QC,CA\n".encode("cp1252")
    upload(app, "latin1.csv", data)
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # The Accounts page says it too, with what it loaded.
    assert any("latin1.csv is not UTF-8: read as Windows-1252" in s.value.replace("\\", "") for s in app.success)
    app.switch_page("pages/data_sources.py").run()
    assert any(i.value.replace("\\", "").startswith("latin1.csv is not UTF-8: read as Windows-1252") for i in app.info)
    assert not any("could not be placed" in m.value for m in app.markdown)


def test_a_plan_used_on_data_sources_over_unsaved_changes_asks_first(app):
    # (it replaced them without a word, where the Plans page asks: a new user's test)
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    raw["name"] = "Uploaded plan"
    open_page(app, "pages/edit_map.py")
    app.multiselect(key="twin_regions").set_value(["US-NJ"]).run()
    app.selectbox(key="twin_target").set_value("USS").run()
    app.button(key="twin_move").click().run()
    edited = app.session_state["plan_json"]
    app.switch_page("pages/data_sources.py").run()
    app.file_uploader(key="plan_upload").set_value(("mine.json", json.dumps(raw).encode(), "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert app.session_state["plan_json"] == edited  # nothing replaced yet
    assert any("unsaved changes would be lost" in w.value for w in app.warning)
    app.button(key="plan_upload_no").click().run()
    assert app.session_state["plan_json"] == edited and not any("would be lost" in w.value for w in app.warning)
    next(b for b in app.button if b.label == "Use this plan").click().run()
    app.button(key="plan_upload_yes").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("In use: **Uploaded plan**" in m.value for m in app.markdown)


def test_a_crm_s_industries_are_read_as_the_plan_names_them(app):
    # HubSpot's FINANCIAL_SERVICES against the plan's fintech: North America East (fintech, healthcare) turned every
    # account away (the eighth new user's HubSpot export).
    open_page(app, "pages/accounts.py")
    data = (
        "id,name,industry,lat,lon\n"
        "A1,Acme,FINANCIAL_SERVICES,40.71,-74.0\nA2,Beta,FINANCIAL_SERVICES,40.72,-74.0\nA3,Gamma,HOSPITAL_HEALTH_CARE,42.36,-71.06\n"
    )
    upload(app, "hubspot.csv", data.encode())
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    box = next(e for e in app.expander if e.label.startswith("Industries"))
    assert box.label.replace("\\", "") == "Industries: 2 of the file's 2 named by no territory or rep", box.label
    table = box.data_editor[0].value
    assert table.set_index("industry")["accounts"].to_dict() == {"financial_services": 2, "hospital_health_care": 1}
    # suggested from common CRM names, to check and apply (all 8 of a HubSpot export's were retyped by hand, the
    # fourteenth new user)
    assert table.set_index("industry")["read_as"].to_dict() == {"financial_services": "fintech",
                                                                 "hospital_health_care": "healthcare"}  # fmt: skip
    assert any("2 readings are suggested from common CRM names" in c.value for c in box.caption)
    key = box.data_editor[0].key
    app.session_state[key] = {"edited_rows": {0: {"read_as": "fintech"}, 1: {"read_as": "healthcare"}},
                              "added_rows": [], "deleted_rows": []}  # fmt: skip
    app.run()
    app.button(key="industries_apply").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("Industries read as: financial_services → fintech, hospital_health_care → healthcare" in
               s.value.replace("\\", "") for s in app.success)  # fmt: skip
    shown = next(d.value for d in app.dataframe if "account_id" in d.value.columns).set_index("account_id")
    assert shown.loc["A1", "industry"] == "fintech" and shown.loc["A3", "industry"] == "healthcare"
    assert shown.loc["A1", "territory"] == "North America East", shown[["industry", "territory"]]


def test_a_file_without_tiers_is_said_where_a_territory_takes_only_some(app):
    # US Central takes only enterprise and mid-market: a HubSpot export with no tier column had every account there
    # turned away, each with its reason, and nothing said at the load (the fourteenth new user).
    open_page(app, "pages/accounts.py")
    upload(app, "no_tiers.csv", b"id,name,lat,lon\nA1,Acme,41.88,-87.63\nA2,Beta,40.71,-74.0\n")
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    said = [w.value.replace("\\", "") for w in app.warning if "has a tier" in w.value]
    assert said == ["No account in no_tiers.csv has a tier (no tier column, or an empty one), and US Central takes only "
                    "enterprise, mid-market: it turns away every account there (1 account in no territory for it). "
                    "Add a tier column (enterprise, mid-market, SMB) and load the file again, or map the column under "
                    "**Load accounts**."], said  # fmt: skip
    upload(app, "tiers.csv", b"id,name,lat,lon,tier\nA1,Acme,41.88,-87.63,enterprise\n")
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not [w for w in app.warning if "has a tier" in w.value]


def test_missing_map_scripts_are_said_with_what_to_run(app, tmp_path, monkeypatch):
    # Started without `make run`, static/vendor/ was empty and every map a blank frame, unsaid (the thirteenth new
    # user). Now said at the top of every page, with the command that copies them.
    import geo.assets

    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    fresh.run()
    assert not [e for e in fresh.error if "maps' scripts are missing" in e.value]
    monkeypatch.setattr(geo.assets, "VENDOR_DIR", tmp_path)
    app.run()
    (said,) = [e.value for e in app.error if "maps' scripts are missing" in e.value]
    assert "static/vendor/" in said and "make run" in said and "scripts/vendor_assets.sh" in said
    assert not app.exception


def test_territories_are_drawn_on_an_uploaded_boundary_files_regions(app):
    # Your own boundaries were a check and a preview only: now territories are drawn afresh on their regions, on the
    # accounts loaded and on the file's own figures (here each Texas county's made-up POP), to download.
    from geo.boundaries import load_regions

    counties = load_regions("county", display=True)
    texas = counties[counties["region_id"].str.startswith("US-48")][["fips", "name", "geometry"]].copy()
    texas["POP"] = [1000.0 + 37 * (i % 11) for i in range(len(texas))]
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="boundary_upload").set_value(("texas.geojson", texas.to_json().encode(), "application/json"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    boxes = {s.label: s for s in app.selectbox}
    boxes["Id column"].set_value("fips")
    boxes["Name column"].set_value("name").run()
    assert "Territories on these regions" in [h.value for h in app.subheader]
    assert app.multiselect(key="partition_metrics").options == ["accounts", "value", "POP"]
    app.number_input(key="partition_count").set_value(4)
    app.multiselect(key="partition_metrics").set_value(["accounts", "POP"])
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = next(m.value for m in app.markdown if m.value.startswith("4 territories"))
    # (each metric's largest deviation signed, as the table gives it: "±3.7%" read as a band, a review)
    assert "each in one piece" in said and re.search(r"accounts [-+±]\d+\.\d%, POP [-+±]\d+\.\d% — ", said), said
    table = next(d.value for d in app.dataframe if "POP_deviation" in d.value.columns)
    largest = table["POP_deviation"].loc[table["POP_deviation"].abs().idxmax()]
    assert f"POP {largest:+.1%}" in said or f"POP ±{abs(largest):.1%}" in said, (said, table["POP_deviation"])
    table = next(d.value for d in app.dataframe if "POP_deviation" in d.value.columns)
    assert len(table) == 4 and table["regions"].sum() == len(texas) and (table["parts"] == 1).all()
    assert table["POP"].sum() == texas["POP"].sum()
    assert {"Regions and their territory (CSV)", "Territories (GeoJSON)"} <= {
        b.label for b in app.get("download_button")
    }
    # Another number of territories: the proposal for 4 is no longer shown until proposed again.
    app.number_input(key="partition_count").set_value(5).run()
    assert not any(m.value.startswith("4 territories") for m in app.markdown)
    # Nor for another id column (it stayed, with empty downloads, a review); the metrics start again from the default.
    app.number_input(key="partition_count").set_value(4)
    app.multiselect(key="partition_metrics").set_value(["value"])
    app.button(key="partition_go").click().run()
    assert any(m.value.startswith("4 territories") for m in app.markdown)
    next(s for s in app.selectbox if s.label == "Id column").set_value("name").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not any(m.value.startswith("4 territories") for m in app.markdown)
    assert app.multiselect(key="partition_metrics").value == ["accounts", "POP"]
    app.multiselect(key="partition_metrics").set_value([]).run()
    assert app.button(key="partition_go").disabled and "Pick at least one metric to balance on." in [
        c.value for c in app.caption
    ]


def test_regions_too_coarse_to_split_evenly_are_judged_against_what_they_allow(app):
    # Seventeen squares in a row, each counted 1, for two territories: 9 | 8 is the best split there is (±5.9%),
    # and was judged "out of tolerance" on both (as every US state counted 1 was, a review).
    import geopandas as gpd
    from shapely.geometry import box

    row = gpd.GeoDataFrame({"code": [f"S{i:02d}" for i in range(17)], "N": 1.0},
                           geometry=[box(i * 0.1, 30, i * 0.1 + 0.1, 30.1) for i in range(17)], crs=4326)  # fmt: skip
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="boundary_upload").set_value(("row.geojson", row.to_json().encode(), "application/json"))
    app.run()
    next(s for s in app.selectbox if s.label == "Id column").set_value("code").run()
    app.multiselect(key="partition_metrics").set_value(["N"])
    app.number_input(key="partition_count").set_value(2)
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = next(d.value for d in app.dataframe if "N_deviation" in d.value.columns)
    assert sorted(table["N"]) == [8, 9] and (table["judged"] == "as close as its regions allow").all(), table
    assert table["largest"].str.fullmatch(r"S\d\d, S\d\d, S\d\d \+ [56] more").all(), table["largest"]
    said = [c.value.replace("\\", "") for c in app.caption]
    assert (
        "No plan comes closer than +6% on N (17 regions cannot be shared out more evenly among 2 territories): "
        "judged against that." in said
    ), said
    assert any(m.value.startswith("2 territories") and "as close as the regions allow" in m.value
               for m in app.markdown)  # fmt: skip
    # The search's settings said, so the CLI can make the same plan (page and CLI differed unsaid, a review).
    assert any("proposing again gives the same plan, as does this command" in c for c in said), said
    (command,) = [c.value for c in app.code if "cli.py partition" in c.value]
    assert command.startswith(".venv/bin/python cli.py partition --boundaries row.geojson --id-column code ")
    assert command.endswith("--territories 2 --balance-on N --seed 0 --jobs " + command.rsplit(" ", 1)[1])


def test_a_districts_file_is_read_as_its_columns_say(app):
    # A new user's file: an integer district number (whole, unique) was passed over for a territory code with blanks
    # and repeats (the page opened on "7 problems"), the file's own "value" could not be balanced on, and the code
    # was offered by default. Nine districts for eight territories: one of the three smallest is a territory alone.
    import geopandas as gpd
    from shapely.geometry import box

    people = [5000, 5000, 5000, 5000, 5000, 5000, 1000, 1000, 2000]
    districts = gpd.GeoDataFrame({"district_no": range(101, 110), "district_name": [f"D{i}" for i in range(9)],
                                  "terr_code": [1, 1, 2, 2, 3, 3, None, None, 4], "value": [7.0] * 9,
                                  "households": people},
                                 geometry=[box(i * 0.1, 30, i * 0.1 + 0.1, 30.1) for i in range(9)], crs=4326)  # fmt: skip
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="boundary_upload").set_value(("districts.geojson", districts.to_json(drop_id=True).encode(),
                                                        "application/json"))  # fmt: skip
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert next(s for s in app.selectbox if s.label == "Id column").value == "district_no"
    offered = app.multiselect(key="partition_metrics").options
    assert "value (file)" in offered and "households" in offered
    assert "terr_code" not in app.multiselect(key="partition_metrics").value
    app.multiselect(key="partition_metrics").set_value(["households"])
    app.number_input(key="partition_count").set_value(8)
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = [c.value.replace("\\", "") for c in app.caption]
    assert any(c.startswith("No plan comes closer than -53% on households (9 regions for 8 territories: at least 7 "
                            "territories hold one region alone") for c in said), said  # fmt: skip


def test_a_boundary_files_own_territories_are_rebalanced_moving_few_regions(app):
    # A sales-ops file usually says each region's territory already: those are rebalanced, as few regions moved as
    # the search can, rather than drawn afresh; blank ones take their neighbours'.
    import geopandas as gpd
    from shapely.geometry import box

    # A 6 x 4 grid of squares, POP 1 each; West holds 3 columns, East 2, North 1; one square blank.
    cells = [(x, y) for y in range(4) for x in range(6)]
    owner = ["West" if x < 3 else "East" if x < 5 else "North" for x, _ in cells]
    owner[0] = None
    grid = gpd.GeoDataFrame({"code": [f"C{x}{y}" for x, y in cells], "POP": 1.0, "territory": owner,
                             "zone": [1 + (x > 2) for x, _ in cells]},
                            geometry=[box(x * 0.2, 30 + y * 0.2, x * 0.2 + 0.2, 30.2 + y * 0.2) for x, y in cells],
                            crs=4326)  # fmt: skip
    open_page(app, "pages/data_sources.py")
    app.file_uploader(key="boundary_upload").set_value(("grid.geojson", grid.to_json().encode(), "application/json"))
    app.run()
    next(s for s in app.selectbox if s.label == "Id column").set_value("code").run()
    start = app.selectbox(key="partition_start")
    # (territory codes as numbers too: offered here, and not as a figure to balance once picked, a review)
    assert start.options == ["Nothing: draw them afresh", "the territories in column territory",
                             "the territories in column zone"], start.options  # fmt: skip
    start.set_value("zone").run()
    assert "zone" not in app.multiselect(key="partition_metrics").options
    assert app.number_input(key="partition_count_of:zone").value == 2
    app.selectbox(key="partition_start").set_value("territory").run()
    assert app.number_input(key="partition_count_of:territory").value == 3
    app.multiselect(key="partition_metrics").set_value(["POP"])
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = next(d.value for d in app.dataframe if "POP_deviation" in d.value.columns).set_index("territory_id")
    assert table["POP"].to_dict() == {"East": 8, "North": 8, "West": 8}, table
    assert table["POP_deviation_before"].round(3).to_dict() == {"East": 0.0, "North": -0.5, "West": 0.5}
    said = next(m.value for m in app.markdown if m.value.startswith("From the territories in column territory"))
    # West gives 4 squares to North through East's: fewer than drawing afresh would move (any 4 of 24 at least).
    assert "(largest deviation POP ±50.0% once its blanks took their neighbours')" in said, said
    assert (
        "change territory (outlined in black on the map; 1 of them blank in column territory, given a territory)"
        in said
    )
    assert any("1 region without a territory in column territory (C00) took its neighbours' first." in c.value
               for c in app.caption)  # fmt: skip
    _, partition, made = app.session_state["partition_result"]
    legend = next(h.proto.body for h in app.get("html") if "territory-legend" in h.proto.body)
    assert all(f">{t}<" in legend for t in ("East", "North", "West")) and "regions · POP 8" in legend, legend
    assert made["csv"].startswith("\ufeff".encode())  # (a byte order mark, as the other reports: Excel reads UTF-8)
    rows = pd.read_csv(io.BytesIO(made["csv"]), encoding="utf-8-sig")
    assert rows.columns.tolist()[:5] == ["region_id", "name", "territory_before", "territory_id", "moved"]
    # the file's other columns beside (zone, not balanced on; the features' GeoJSON ids), the column of current
    # territories once, as before
    assert rows.columns.tolist()[5:] == ["POP", "id", "zone"] and rows.set_index("region_id").loc["C00", "zone"] == 1
    assert rows.loc[rows["region_id"] == "C00", "territory_before"].isna().all()
    assert rows.set_index("region_id").loc["C00", "moved"] == "yes"  # (the blank one given a territory counts)
    # (the sentence counts as the CSV and the map do: the search's own count left the filled one out, a review)
    assert f"{int(rows['moved'].eq('yes').sum())} regions of 24 change territory" in said
    # Back to drawing afresh: the number of territories is the user's again, and the proposal gone.
    app.selectbox(key="partition_start").set_value("Nothing: draw them afresh").run()
    assert not any(m.value.startswith("From the territories") for m in app.markdown)


def test_a_territory_near_its_groups_mean_is_not_said_to_be_within_the_tolerance_of_it(app):
    # "within ±5% of its group's mean" stood beside a territory 8% off that mean (the rule also allows what regions
    # bigger than a share keep, and between the mean and the share): now "near its group's mean", with the group's
    # mean said under the table (a review; Harris holds more than a share of the sample's accounts at 8 territories)
    open_page(app, "pages/data_sources.py")
    app.toggle(key="boundary_sample").set_value(True).run()
    app.multiselect(key="partition_metrics").set_value(["accounts", "POP"])
    app.number_input(key="partition_count").set_value(8)
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = next(d.value for d in app.dataframe if "POP_deviation" in d.value.columns)
    assert not table["judged"].str.contains("within ±5% of").any(), table["judged"].tolist()
    # (with the mean, per metric: "near +12% / -3%", as the Rebalance page says it)
    near = table.loc[
        table["judged"].str.match(r"near [+-]?\d+(\.\d)?%( / [+-]?\d+(\.\d)?%)?$"), "territory_id"
    ].tolist()
    assert set(near) == set(table.loc[table["judged"].str.startswith("near"), "territory_id"]), table["judged"]
    said = [c.value.replace("\\", "") for c in app.caption if c.value.replace("\\", "").startswith("Near its group")]
    if near:  # (the search's clock decides the plan: a run may leave none near)
        assert said and said[0].startswith(f"Near its group's mean ({', '.join(near)}): "), said
        assert " against their shares). One within ±5% of that, or between that and its share" in said[0], said
    else:
        assert not said, said


def test_the_sample_boundary_file_is_one_switch_away(app):
    # A new user without a boundary file of their own can try the flow on the one the demo ships: Texas's counties
    # with their real population, its id and name columns picked by their names.
    open_page(app, "pages/data_sources.py")
    app.toggle(key="boundary_sample").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    boxes = {s.label: s.value for s in app.selectbox}
    assert boxes["Id column"] == "GEOID" and boxes["Name column"] == "NAME"
    assert any(m.value.replace("\\", "").startswith("254 regions, in longitude/latitude") for m in app.markdown)
    app.multiselect(key="partition_metrics").set_value(["accounts", "POP"])
    app.number_input(key="partition_count").set_value(4)
    app.button(key="partition_go").click().run()
    table = next(d.value for d in app.dataframe if "POP_deviation" in d.value.columns)
    shipped = json.loads((ROOT / "data" / "demo" / "texas_counties.geojson").read_text())["features"]
    assert table["POP"].sum() == sum(f["properties"]["POP"] for f in shipped) > 29_000_000
    assert (table["judged"] != "out of tolerance").all() and (table["parts"] == 1).all(), table
    from tests.pages.test_display_formats import column_formats

    formats = column_formats(next(d for d in app.dataframe if "POP_deviation" in d.value.columns))
    assert formats["POP"]["format"] == formats["Accounts"]["format"] == "%,.0f"  # (3,531,962, not 3531962)
    # The command that makes the same plan (checked to give it region for region, the thirty-eighth session).
    searches = app.session_state["partition_result"][1].report.searches
    if not app.session_state["partition_result"][1].report.cut_short:
        assert [c.value for c in app.code if "cli.py" in c.value] == [
            ".venv/bin/python cli.py partition --boundaries data/demo/texas_counties.geojson --id-column GEOID "
            "--name-column NAME --accounts data/demo/accounts.csv --skip-invalid --territories 4 --balance-on "
            f"accounts POP --seed 0 --jobs {searches}"
        ]


def test_the_accounts_download_has_the_territory_and_rep_ids_and_the_conflict_flag(app, monkeypatch):
    # A review: names only, so two reps of one name could not be told apart and the file could not be joined to
    # cli.py assign's (ids only). Both now, beside each other, and the conflict flag.
    import territory.exports

    written = []
    original = territory.exports.spreadsheet_csv
    monkeypatch.setattr(territory.exports, "spreadsheet_csv", lambda frame: written.append(frame) or original(frame))
    open_page(app, "pages/accounts.py")
    frame = next(f for f in written if "territory" in f.columns)  # (the results', not a table's own download)
    columns = list(frame.columns)
    assert columns[columns.index("territory") + 1] == "territory_id" and columns[columns.index("rep") + 1] == "rep_id"
    assert columns[-1] == "conflict"
    sarah = frame[frame["rep"] == "Sarah Chen"]
    assert len(sarah) and set(sarah["rep_id"]) == {"R01"} and set(sarah["territory_id"]) == {"NAE"}


def test_a_boundary_file_s_column_names_reach_the_page_as_written(app):
    # A security review: a numeric column named with Markdown (an image on another host, :red[...]) was rendered in
    # the proposal's "largest deviation" sentence, and the browser fetched the image.
    open_page(app, "pages/data_sources.py")
    evil = "POP ![m](http://evil.invalid/m.png) :red[X]"
    data = _features([{"GEOID": f"R{i}", "NAME": f"R{i}", evil: 5 + i % 3} for i in range(6)])
    app.file_uploader(key="boundary_upload").set_value(("evil.geojson", data, "application/json")).run()
    app.session_state["partition_metrics"] = [evil]
    app.run()
    app.button(key="partition_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = [m.value for m in app.markdown if "largest deviation" in m.value]
    assert said and "](http" not in said[0] and "\\!\\[m\\]\\(http\\:\u200b//evil.invalid" in said[0], said


def test_a_plan_folder_zip_that_unpacks_past_reason_is_refused(monkeypatch):
    # A security review: a 1 MB zip of a plan folder unpacked to 6 GB in memory.
    import io
    import zipfile

    import territory.textfiles
    from pages.shared import read_plan_zip
    from territory.errors import InputDataError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plan/plan.yaml", "name: x\n")
        archive.writestr("plan/alignment.csv", "region_id,territory_id\n" + "US-TX,T\n" * 400_000)
    assert len(buffer.getvalue()) < 100_000
    monkeypatch.setattr(territory.textfiles, "MOST_UNZIPPED_BYTES", 1_000_000)
    with pytest.raises(InputDataError, match=r"plan\.zip: unpacks to more than 1,000,000 bytes"):
        read_plan_zip(buffer.getvalue(), "plan.zip")


def recorded_downloads(monkeypatch) -> dict:
    """Every download button the pages draw from now on: file name → its bytes (made as a click would make them)."""
    import streamlit

    made = {}
    original = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        made[kwargs.get("file_name")] = data() if callable(data) else data  # (a download made when clicked)
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return made


def test_tables_without_an_export_of_their_own_have_a_guarded_csv_download(app, monkeypatch):
    # The tables' own "Download as CSV" wrote formulas as they are and is off (client.disableDataExport); the tables
    # a manager reads most get a download of their own, formulas neutralised, with a byte order mark (a review).
    made = recorded_downloads(monkeypatch)
    app.run()
    plan = json.loads(app.session_state["plan_json"])
    plan["reps"][0]["name"] = "=HYPERLINK(1)"
    app.session_state["plan_json"] = json.dumps(plan)
    for page in ("pages/balance.py", "pages/coverage_map.py", "pages/reps.py"):
        open_page(app, page)
    assert {"balance_territories.csv", "balance_reps.csv", "coverage_territories.csv", "reps.csv"} <= set(made), made
    for name in ("balance_reps.csv", "reps.csv"):
        text = made[name].decode("utf-8-sig")
        assert made[name].startswith("\ufeff".encode()) and "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


def test_accounts_outside_every_region_are_listed_as_the_rows_not_placed(app, monkeypatch):
    # Shown raw on Data sources ("account_id", "lat" beside "Line"), with no download: a new user's test. Named
    # headings and a CSV download, formulas neutralised, here and on the Coverage map.
    made = recorded_downloads(monkeypatch)
    open_page(app, "pages/accounts.py")
    # (a point in the middle of the Atlantic: in no region)
    upload(app, "sea.csv", b"id,name,lat,lon\nA1,Acme,40.7,-74.0\nA2,=Sea Co,35.0,-40.0\n")
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    app.switch_page("pages/data_sources.py").run()
    assert not app.exception
    assert any(m.value == "**1 account outside every region**" for m in app.markdown), [m.value for m in app.markdown]
    table = next(d for d in app.dataframe if list(d.value.columns) == ["row", "account_id", "name", "lat", "lon"])
    labels = json.loads(table.proto.columns)
    assert [labels[c]["label"] for c in ("row", "account_id", "name", "lat", "lon")] == [
        "Line", "Account id", "Name", "Latitude", "Longitude"]  # fmt: skip
    text = made["accounts_outside_every_region.csv"].decode("utf-8-sig")
    assert text.splitlines() == ["row,account_id,name,lat,lon", "3,A2,'=Sea Co,35,-40"], text
    made.clear()
    app.switch_page("pages/coverage_map.py").run()
    assert not app.exception and "accounts_outside_every_region.csv" in made


def test_every_unassigned_account_downloads_with_why(app, monkeypatch):
    # The sentence was shown for the 200 most valuable alone and was in no download (a new user's test: 82 accounts
    # waiting in US South, all beyond the 200, had none).
    made = recorded_downloads(monkeypatch)
    app.run()
    open_page(app, "pages/accounts.py")
    assert not app.exception, [e.value for e in app.exception]
    table = pd.read_csv(io.BytesIO(made["unassigned_accounts.csv"]), dtype=str, keep_default_na=False)
    assert len(table) > 200 and table["why"].str.len().gt(20).all()
    assert table["reason"].ne("").all() and table["account_id"].is_unique
    caption = next(c.value for c in app.caption if c.value.startswith("The 200 most valuable unassigned accounts"))
    assert caption.endswith(f"the download lists all {len(table):,} with it"), caption
