from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.assets import LOCAL_ASSETS, VENDOR_URL, missing_assets, remote_asset_urls, use_local_assets
from geo.coverage import coverage_layers, display_region_of, territory_shapes, uncovered_regions
from geo.layers import (
    LegendEntry,
    account_points,
    build_coverage_map,
    coverage_groups,
    territory_legend_html,
    to_geojson,
)
from territory import plan_from_dict
from territory.edits import deactivate_rep

EVIL = '<img src=x onerror="alert(1)">'


def small_plan(name="East"):
    return plan_from_dict(
        {
            "name": "p",
            "territories": [
                {"territory_id": "E", "name": name, "region_ids": ["US-NY", "US-PA"], "color": "#1f77b4"},
                {"territory_id": "W", "name": "West", "region_ids": ["UK"], "color": "#ff7f0e"},
            ],
            "reps": [{"rep_id": "R1", "name": EVIL, "territory_ids": ["E"]}],
        }
    )


def test_to_geojson_escapes_strings_and_rounds():
    gdf = gpd.GeoDataFrame({"region_id": ["A"], "label": [EVIL]}, geometry=[box(0.123456, 0, 1, 1)], crs=4326)
    data = to_geojson(gdf, ["region_id", "label"])
    props = data["features"][0]["properties"]
    assert props["label"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert "0.1235" in str(data["features"][0]["geometry"]["coordinates"])


def test_account_points_escape_tooltips():
    accounts = pd.DataFrame({"lat": [1.0], "lon": [2.0], "name": [EVIL], "value": [1234.5]})
    points = account_points(accounts, pd.Series(["#123456"]), tooltip_columns=[("name", "Account"), ("value", "Value")])
    assert points[0][:3] == [1.0, 2.0, "#123456"]
    assert "<img" not in points[0][3]
    assert "&lt;img" in points[0][3]
    assert "<b>Value</b> $1,235" in points[0][3]  # (whole dollars, half a dollar up, as the tables show it)


def test_territory_shapes_dissolve_and_flag_unknown_regions():
    plan = plan_from_dict(
        {"name": "p", "territories": [{"territory_id": "E", "region_ids": ["US-NY", "US-ZZ"]}], "reps": []}
    )
    shapes = territory_shapes(plan)
    assert shapes.regions["region_id"].tolist() == ["US-NY"]
    assert shapes.unknown_region_ids == ["US-ZZ"]
    assert len(shapes.outlines) == 1


def test_display_region_of_county_is_its_state():
    out = display_region_of(pd.Series(["US-36061", "CA-ON", "DE"]))
    assert out.tolist() == ["US-NY", "CA-ON", "DE"]


def test_uncovered_regions_are_ranked_by_accounts():
    plan = small_plan()
    accounts = pd.DataFrame(
        {
            "region_id": ["US-34013", "US-34017", "US-09001", "US-36061"],
            "territory_id": [None, None, None, "E"],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    gaps = uncovered_regions(accounts, plan)
    assert gaps["region_id"].tolist() == ["US-NJ", "US-CT"]
    assert gaps["accounts"].tolist() == [2, 1]
    assert gaps["value"].tolist() == [3.0, 3.0]


def test_a_county_taken_out_of_its_state_s_territory_is_a_gap_at_state_level_too():
    # Harris County taken out of US South: at state level its 57 accounts were counted as turned away by a focus,
    # Texas being held, and no gap was drawn (a new user's test); at county level they were a gap.
    from tests.conftest import demo_state

    state = demo_state().move_regions(["US-48201"], None)
    assert state.plan.unclaimed_region_ids == ("US-48201",)
    for level in ("state", "county"):
        layers = coverage_layers(state.plan, state.result, level)
        harris = layers.uncovered.set_index("region_id").loc["US-48201"]
        assert (harris["label"], harris["accounts"]) == ("Harris, TX", 57)
        gap = next(e for e in layers.legend if e.name.startswith("No territory"))
        assert gap.detail.endswith("· 1,415 more turned away by a focus"), gap.detail
        assert "US-48201" in {f["properties"]["region_id"] for f in layers.gaps["features"]}
    before = next(
        e
        for e in coverage_layers(demo_state().plan, demo_state().result, "state").legend
        if e.name.startswith("No territory")
    )
    assert before.detail == "531 accounts in 26 regions · 1,415 more turned away by a focus"
    assert gap.detail.startswith("588 accounts in 137 regions")  # (county level: 57 more)


def test_the_gap_legend_says_how_many_more_a_focus_turns_away():
    # The legend counts the accounts in regions no territory holds; the other pages every account in no territory,
    # also those a held region's focus turns away (531 against 1,946 on the demo).
    accounts = pd.DataFrame(
        {
            "region_id": ["US-34013", "US-34017", "US-36061", "US-36061", None],
            "territory_id": [None, None, None, "E", None],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    (gap,) = [e for e in coverage_layers(small_plan(), accounts).legend if e.name.startswith("No territory")]
    assert gap.detail == "2 accounts in 1 region · 1 more turned away by a focus"
    assert gap.hover == (
        "No territory (coverage gap) — 2 accounts in 1 region that no territory holds; 1 more account is in no "
        "territory though a territory holds their region (its industry or tier focus turns them away): 3 in no "
        "territory in all, as the Overview and Accounts pages count them"
    )
    (gap,) = [e for e in coverage_layers(small_plan(), accounts.iloc[[0, 1, 3]]).legend if e.name.startswith("No")]
    assert gap.hover == "No territory (coverage gap) — 2 accounts in 1 region that no territory holds"
    assert gap.detail == "2 accounts in 1 region"
    # No region without a territory, but accounts a focus turns away: said all the same (a region painted to a
    # territory with a focus seemed to close the gap)
    (gap,) = [e for e in coverage_layers(small_plan(), accounts.iloc[[2, 3]]).legend if e.name.startswith("No")]
    assert (gap.name, gap.detail, gap.color) == ("No territory", "1 account turned away by a focus", "#9e9e9e")


def test_map_html_escapes_user_strings_and_uses_no_cdn():
    plan = small_plan(name=EVIL)
    accounts = pd.DataFrame(
        {
            "region_id": ["US-36061", "US-34013"],
            "territory_id": ["E", None],
            "value": [10.0, 20.0],
            "lat": [40.78, 40.79],
            "lon": [-73.97, -74.2],
            "name": [EVIL, "ok"],
        }
    )
    layers = coverage_layers(plan, accounts)
    assert [e.name for e in layers.legend] == [
        EVIL,
        "West",
        "No territory (coverage gap)",
        "White space (a layer of the map's layer control, off at start)",
    ]
    # (the white space's shades explained: a new user's test found them said nowhere)
    assert layers.legend[-1].detail.startswith("orange: fewer customers than the region's share of potential")
    # Swatches drawn as the map draws them: the gap pale with a dashed red edge, white space as its scale, teal to
    # orange (a solid orange square matched US South's color, a solid red one stood for pale pink regions: a review)
    gap, space = layers.legend[-2:]
    assert gap.dashed and not space.dashed and space.scale == ("#018571", "#f7f7f7", "#e66101")
    points = account_points(accounts, pd.Series(["#1f77b4", "#9e9e9e"]), tooltip_columns=[("name", "Account")])
    fmap = build_coverage_map(layers.regions, layers.outlines, layers.legend, points=points, bounds=(-80, 38, -70, 42))
    html = fmap.get_root().render()
    assert EVIL not in html
    assert 'onerror="alert(1)"' not in html
    assert "&lt;img src=x" in html
    assert remote_asset_urls(html) == []
    assert f"{VENDOR_URL}/leaflet/leaflet.js" in html
    # The legend is for the page to show under the map (over it, it hid Europe West at 1280 px): none inside it.
    assert "territory-legend" not in html and "legend-entry" not in html
    legend = fmap.legend_html
    assert 'id="territory-legend"' in legend and "No territory (coverage gap)" in legend
    assert EVIL not in legend and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in legend
    # The gap region (New Jersey) is drawn and named in the legend.
    features = {f["properties"]["region_id"]: f["properties"] for f in layers.regions["features"]}
    assert "US-NJ" not in features
    gaps = {f["properties"]["region_id"]: f["properties"] for f in layers.gaps["features"]}
    assert gaps["US-NJ"]["gap"] == "Accounts but no territory"
    assert features["US-NY"]["reps"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def test_the_territory_legend_escapes_every_string_and_wraps_only_between_figures():
    # The legend under the coverage map: a territory's name, its rep, its figures and the hover text are user data.
    entry = LegendEntry(
        "#1f77b4", "<script>alert(1)</script>", f"{EVIL} · 1,000 accounts · $9,841,900 · 31 waiting", hover="<b>x</b>"
    )
    text = territory_legend_html([entry, LegendEntry("red;background:url(x)", "Gap", "")])
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert EVIL not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert "<b>" not in text and 'title="&lt;b&gt;x&lt;/b&gt;"' in text
    assert "url(x)" not in text and "#9e9e9e" in text  # (a color that is not #rrggbb: the no-territory grey)
    # Each figure a whole: "31 waiting" broke between its number and its word.
    assert text.count("display:inline-block") == 4 and "31 waiting</span>" in text
    assert territory_legend_html([]) == ""


def test_tiles_are_off_by_default():
    layers = coverage_layers(small_plan(), pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    html = build_coverage_map(layers.regions, layers.outlines, layers.legend).get_root().render()
    assert "tile.openstreetmap.org" not in html
    html = build_coverage_map(layers.regions, layers.outlines, layers.legend, tiles=True).get_root().render()
    assert "tile.openstreetmap.org" in html


def test_local_assets_are_installed():
    use_local_assets()
    assert missing_assets() == [], "run scripts/vendor_assets.sh"
    for cls in LOCAL_ASSETS:
        for _, url in cls.default_js + cls.default_css:
            assert url.startswith(VENDOR_URL)


def test_county_level_draws_counties_of_state_territories():
    plan = small_plan()
    layers = coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]), level="county")
    features = {f["properties"]["region_id"]: f["properties"] for f in layers.regions["features"]}
    assert features["US-36061"]["territory_id"] == "E"
    assert "US-NY" not in features
    assert features["GB"]["territory_id"] == "W"
    with pytest.raises(ValueError, match=r"`level` was 'zip' but is expected to be one of \['state', 'county'\]"):
        coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]), level="zip")


def test_aggregate_points_one_per_region():
    from geo.layers import aggregate_points

    accounts = pd.DataFrame(
        {"region_id": ["A", "A", "B"], "lat": [1.0, 3.0, 5.0], "lon": [2.0, 4.0, 6.0], "value": [10.0, 20.0, 5.0]}
    )
    rows = aggregate_points(accounts, pd.Series(["#111111", "#111111", "#222222"]))
    assert [r[:3] + [r[4]] for r in rows] == [[2.0, 3.0, "#111111", 2], [5.0, 6.0, "#222222", 1]]
    assert "2 accounts · $30" in rows[0][3]
    assert "1 account · $5" in rows[1][3]  # (it read "1 accounts", a review)


def test_clusters_of_regions_circles_say_the_accounts_they_hold():
    # Over 20,000 accounts the map draws a circle per region; their clusters said how many circles ("10" over Texas
    # for hundreds of accounts, a review): each circle carries its accounts, and the cluster's icon adds them up.
    import folium

    from geo.layers import aggregate_points, coverage_groups

    accounts = pd.DataFrame({"region_id": ["A", "A", "B"], "lat": [1.0, 3.0, 5.0], "lon": [2.0, 4.0, 6.0],
                             "value": [10.0, 20.0, 5.0]})  # fmt: skip
    rows = aggregate_points(accounts, pd.Series(["#111111", "#111111", "#222222"]))
    empty = {"type": "FeatureCollection", "features": []}
    for points, summed in ((rows, True), ([r[:4] for r in rows], False)):
        fmap = folium.Map()
        for group in coverage_groups(empty, empty, points=points, unassigned_points=points):
            group.add_to(fmap)
        page = fmap.get_root().render()
        assert ("accounts: row[4]" in page or "accounts: n," in page) and (
            page.count("m.options.accounts || 1") == (2 if summed else 0)
        )


def test_a_regions_circle_says_its_accounts_where_the_figure_fits():
    # Above 20,000 accounts a region's lone circle said how many only in its tooltip (a new user's test): its icon
    # holds the figure (from a circle of 16 px: 22 accounts), and the territory labels keep clear of it.
    from geo.layers import _AGGREGATE_CALLBACK, aggregate_points, build_coverage_map

    assert "'region-accounts' + (size >= 16 ? ' region-accounts-counted' : '')" in _AGGREGATE_CALLBACK
    accounts = pd.DataFrame({"region_id": ["A"] * 30 + ["B"], "lat": 1.0, "lon": 2.0, "value": 1.0})
    rows = aggregate_points(accounts, pd.Series(["#1f77b4"] * 31))
    assert [r[4] for r in rows] == [30, 1]
    empty = {"type": "FeatureCollection", "features": []}
    page = build_coverage_map(empty, empty, [], points=rows, bounds=(0, 0, 3, 3)).get_root().render()
    assert ".region-accounts > div" in page and ".marker-cluster, .region-accounts-counted" in page


def test_white_space_colors_diverge():
    from geo.coverage import white_space_color

    assert white_space_color(0.0, 1.0) == "#f7f7f7"
    assert white_space_color(1.0, 1.0) == "#e66101"
    assert white_space_color(-1.0, 1.0) == "#018571"


def test_territory_labels_are_escaped_and_inside_their_territory():
    from shapely.geometry import Point

    plan = small_plan(name=EVIL)
    layers = coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    labels = {name: (lat, lon) for lat, lon, name, _ in layers.labels}
    assert {t for *_, t in layers.labels} == {"E", "W"}
    assert set(labels) == {EVIL, "West"}
    shapes = territory_shapes(plan).outlines.set_index("territory_id")
    lat, lon = labels[EVIL]
    assert shapes.loc["E", "geometry"].contains(Point(lon, lat))
    html = build_coverage_map(layers.regions, layers.outlines, layers.legend, labels=layers.labels).get_root().render()
    assert EVIL not in html and "territory-label" in html and "&lt;img src=x" in html
    assert 'data-territory=\\"E\\"' in html  # (in the icon's HTML, as a JSON string)


def test_the_legend_and_tooltips_show_money_as_whole_dollars():
    # The coverage map's legend, region tooltips and white-space choropleth say "$12,346", like the pages.
    import re

    from tests.conftest import demo_state

    state = demo_state()
    layers = coverage_layers(state.plan, state.result)
    dollars = r"\$\d{1,3}(,\d{3})*"
    for entry in layers.legend[: len(state.plan.territories)]:
        assert re.fullmatch(rf".* · [\d,]+ accounts · {dollars}( · [\d,]+ waiting)?", entry.detail), entry.detail
    # the accounts with a rep and their value, as the Overview and Balance count them (it said 1,031 for US West
    # beside their 1,000); those waiting on hover, with the reps by name
    west = next(e for e in layers.legend if e.name == "US West")
    held = state.result[state.result["territory_id"] == "USW"]
    served = held[held["status"] == "assigned"]
    waiting = len(held) - len(served)
    assert waiting and west.detail == (
        f"3 reps · {len(served):,} accounts · ${served['value'].sum():,.0f} · {waiting:,} waiting"
    )
    assert west.hover.endswith(f" · {waiting:,} waiting for a rep") and "Priya Patel" in west.hover
    canada = next(e for e in layers.legend if e.name == "Canada West")
    assert canada.detail.startswith("Mei Tanaka · ")
    east = next(e for e in layers.legend if e.name == "North America East")
    nae = state.result[state.result["territory_id"] == "NAE"]
    value = nae.loc[nae["status"] == "assigned", "value"].sum()
    assert east.detail.endswith(f" accounts · ${value:,.0f}")
    # A territory whose only rep left: its accounts all wait, and the legend says so (it read "0 accounts · $0").
    without = deactivate_rep(state, "R10")
    central = next(e for e in coverage_layers(without.plan, without.result).legend if e.name == "US Central")
    held = int((without.result["territory_id"] == "USC").sum())
    assert held > 100 and central.detail == f"no active rep · 0 accounts · $0 · {held:,} waiting"
    values = [f["properties"]["value"] for f in layers.regions["features"]]
    assert values and all(re.fullmatch(dollars, v) for v in values), values[:5]
    # One account is "1 account" (the legend read "2 reps · 1 accounts · $1,000", a review)
    one = state.result[state.result["territory_id"] == "EUW"].iloc[:1]
    entry = next(e for e in coverage_layers(state.plan, one).legend if e.name == "Europe West")
    assert " · 1 account · $" in entry.detail and "1 account with a rep" in entry.hover, (entry.detail, entry.hover)
    space = [f["properties"] for f in layers.white_space["features"]]
    assert space and all(re.fullmatch(dollars, p["potential_text"]) for p in space)
    assert all(re.fullmatch(r"\d+%|—", p["penetration_text"]) for p in space)


def test_account_tooltips_show_value_in_dollars():
    accounts = pd.DataFrame({"lat": [1.0, 2.0], "lon": [3.0, 4.0], "name": ["A", "B"], "value": [12345.67, np.nan]})
    rows = account_points(
        accounts, pd.Series(["#111111", "#222222"]), tooltip_columns=[("name", "Account"), ("value", "Value")]
    )
    assert rows[0][3] == "<b>Account</b> A<br><b>Value</b> $12,346"
    assert rows[1][3] == "<b>Account</b> B<br><b>Value</b> "


@pytest.mark.parametrize("taker", ["USW", "NAE"])
def test_a_carved_out_county_counts_its_own_accounts_at_state_level(taker):
    # Harris County carved out of US South's Texas. At state level the county is drawn apart: its tooltip counts
    # the accounts its territory holds there (it said 0), and Texas counts the rest, including the Harris accounts
    # that a focused carving territory (North America East: fintech and healthcare only) leaves to US South.
    from tests.conftest import demo_state

    state = demo_state().move_regions(["US-48201"], taker)
    result = state.result
    harris = result[result["region_id"] == "US-48201"]
    texas = result[result["region_id"].astype(str).str.startswith("US-48") & (result["territory_id"] == "USS")]
    for level in ("state", "county"):
        shown = {
            (f["properties"]["region_id"], f["properties"]["territory_id"]): f["properties"]["accounts"]
            for f in coverage_layers(state.plan, result, level).regions["features"]
        }
        assert shown[("US-48201", taker)] == int((harris["territory_id"] == taker).sum()) > 0
        if level == "state":
            assert shown[("US-TX", "USS")] == len(texas)
    if taker == "NAE":
        assert (harris["territory_id"] == "USS").any()  # the case where Texas keeps some of Harris's accounts


def test_every_map_keeps_its_tooltips_inside_it():
    # A tooltip was cut at the map's edge (a new user's test at 1280 px): every map wraps its tooltips within half its
    # width and moves one that would cross an edge back in (checked in Chromium: tests/e2e/test_display.py).
    layers = coverage_layers(small_plan(), pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    html = build_coverage_map(layers.regions, layers.outlines, layers.legend).get_root().render()
    assert "max-width: min(340px, calc(50vw - 28px))" in html and "white-space: normal" in html
    assert html.count("tooltip._keptInside = true") == 1  # (patched once, before any tooltip opens)


def test_a_territory_label_names_its_territory_as_the_outlines_do_whatever_its_id():
    # The map names a territory once more where its label is out of view by matching the label's data-territory, as
    # the browser reads it, against the outline's territory_id property, which to_geojson escapes: an id with & < > "
    # or ' ("R&D") read "R&D" on the label and "R&amp;D" on the outline, and its name never came back in view.
    from html.parser import HTMLParser

    evil_id = "R&D <\"x'>"
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": evil_id, "name": "Research", "region_ids": ["US-NY", "US-PA"]},
                {"territory_id": "W", "name": "West", "region_ids": ["UK"]},
            ],
            "reps": [],
        }
    )
    layers = coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    fmap = build_coverage_map(layers.regions, layers.outlines, layers.legend, labels=layers.labels)
    outlined = {f["properties"]["territory_id"] for f in layers.outlines["features"]}
    read = []

    class Labels(HTMLParser):
        def handle_starttag(self, tag, attrs):
            read.extend(value for name, value in attrs if name == "data-territory")

    for element in (c for c in fmap._children.values() for c in c._children.values()):
        if type(element).__name__ == "TerritoryLabels":  # (one element, the labels as data the browser reads)
            for _, _, markup in json.loads(element.data.replace("<\\/", "</")):
                Labels().feed(markup)
    assert len(read) == 2 and set(read) == outlined
    assert not {"R&D", evil_id} & outlined  # (the ids are escaped, the label's attribute as read too)


def test_the_territories_paint_the_clickable_shapes_when_every_region_drawn_is_one():
    # In edit mode the clickable regions are on the map already: the territories send their regions' colors and
    # tooltips (escaped, no geometry) to paint them, unless a region is drawn apart (a county carved out of its
    # state at state level), which is then drawn with the rest as before.
    import json

    from geo.editing import selectable_regions
    from geo.layers import FastGeoJson, RegionPaint, coverage_groups
    from tests.conftest import demo_state

    plan = small_plan(name="</script><b>East</b>")
    layers = coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    clickable = set(selectable_regions("state")["region_id"])
    territories = coverage_groups(layers.regions, layers.outlines, paint_over=clickable)[0]
    paint = next(c for c in territories._children.values() if isinstance(c, RegionPaint))
    assert "</" not in paint.data
    data = json.loads(paint.data.replace("<\\/", "</"))
    assert set(data["regions"]) == {"US-NY", "US-PA", "GB"} and "coordinates" not in paint.data
    assert data["regions"]["US-NY"] == {
        "color": "#1f77b4", "label": "New York", "territory_name": "&lt;/script&gt;&lt;b&gt;East&lt;/b&gt;",
    }  # fmt: skip
    assert data["fill"] == "color" and [row[0] for row in data["tooltip"]] == ["label", "territory_name"]
    # Without the clickable regions, or with one region drawn apart: the regions' own shapes.
    for paint_over in (None, clickable - {"US-PA"}):
        group = coverage_groups(layers.regions, layers.outlines, paint_over=paint_over)[0]
        assert any(isinstance(c, FastGeoJson) for c in group._children.values())
        assert not any(isinstance(c, RegionPaint) for c in group._children.values())
    state = demo_state().move_regions(["US-48201"], "NAE")
    carved = coverage_layers(state.plan, state.result, "state").regions
    assert "US-48201" in {f["properties"]["region_id"] for f in carved["features"]}
    group = coverage_groups(carved, None, paint_over=clickable)[0]
    assert not any(isinstance(c, RegionPaint) for c in group._children.values())
    # The clickable layer is the one a paint finds in the browser.
    base = build_coverage_map(layers.regions, layers.outlines, layers.legend, selectable=layers.regions)
    assert base.get_root().render().count("window.paintableRegions = layer") == 1


def test_a_region_drawn_for_two_territories_is_painted_as_the_two_layers_stacked_looked():
    # A region held by a focused territory and by the one that takes the rest was drawn twice, the colors mixed; the
    # paint kept one entry per region and showed the last territory's color alone (a review): Texas painted into
    # North America East stayed US South's orange.
    import json

    from geo.layers import RegionPaint, stacked_fill

    def feature(territory, color):
        return {"properties": {"region_id": "US-TX", "label": "Texas", "territory_name": territory, "color": color}}

    regions = {"features": [feature("US South", "#ff7f0e"), feature("NAE and US South, shared", "#1f77b4")]}
    paint = RegionPaint(regions, style={"fillOpacity": 0.45}, highlight={}, fill_property="color",
                        tooltip=[("label", "Region"), ("territory_name", "Territory")])  # fmt: skip
    texas = json.loads(paint.data)["regions"]["US-TX"]
    assert (texas["color"], texas["fillOpacity"]) == stacked_fill(["#ff7f0e", "#1f77b4"], 0.45)
    assert texas["fillOpacity"] == 0.6975 and texas["color"] not in ("#ff7f0e", "#1f77b4")
    assert texas["territory_name"] == "NAE and US South, shared"  # (the one on top, as its tooltip was)
    assert stacked_fill(["red", "#1f77b4"], 0.45) == ("#1f77b4", 0.45)  # (a color that is no #rrggbb: the top one)


def test_a_view_of_alaska_is_alaska_not_the_globe():
    # The Aleutians' west end lies past 180° (at +172°, drawn at the map's other edge): a territory holding Alaska
    # spanned every longitude.
    from geo.boundaries import load_regions
    from geo.layers import shapes_view

    alaska = load_regions("state", display=True).set_index("region_id").loc["US-AK", "geometry"]
    assert alaska.bounds[2] - alaska.bounds[0] > 300  # (as stored: both sides of the antimeridian)
    west, south, east, north = shapes_view([alaska])
    assert -180.5 < west < -175 and -135 < east < -125 and 50 < south < 55 and 71 < north < 72.5


def test_a_view_of_france_and_russia_leaves_out_the_overseas_departments():
    from geo.boundaries import load_regions
    from geo.layers import shapes_view

    countries = load_regions("country", display=True).set_index("region_id")["geometry"]
    assert countries["FR"].bounds[1] < -20  # (as stored: Réunion, Guiana)
    west, south, east, north = shapes_view([countries["FR"], countries["RU"]])
    assert -6 < west < -4 and 40 < south < 42.5 and east > 179 and north > 77


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        ([box(-125, 30, -100, 49), box(-170, 52, -140, 71)], (-170, 30, -100, 71)),  # (apart, same side)
        ([box(20, 40, 179, 70), box(-180, 64, -169, 70)], (20, 40, 179, 70)),  # (Russia; Chukotka at the other edge)
        # (Réunion within Russia's longitudes, 55° south of it: left out too, a review)
        ([box(-10, 35, 180, 80), box(-54, 2, -51, 6), box(55, -21, 56, -20)], (-10, 35, 180, 80)),
        ([box(129, 30, 146, 46), box(113, -44, 154, -10)], (113, -44, 154, 46)),  # (Japan and Australia: both)
        ([box(-10, 35, 30, 60)], (-10, 35, 30, 60)),
    ],
)
def test_a_view_of_shapes_keeps_the_group_holding_most_of_their_area(shapes, expected):
    from geo.layers import shapes_view

    assert shapes_view(shapes) == pytest.approx(expected)


def test_a_fit_once_script_is_data_not_code():
    from geo.layers import fit_view_script

    script = fit_view_script((-10, 35, 30, 60), 'EUW";alert(1);"', "coverage")
    assert 'var token = "EUW\\";alert(1);\\""' in script and "fitBounds([[35.0, -10.0], [60.0, 30.0]]" in script
    assert "territory-map-fit:coverage" in script


def test_a_region_outline_script_is_data_not_code():
    from geo.layers import region_highlight_script

    script = region_highlight_script('US-NJ";alert(1);"</script>')
    assert 'var id = "US-NJ\\";alert(1);\\"\\u003c/script>";' in script and "</" not in script
    # None takes the last outline off and draws none.
    none = region_highlight_script(None)
    assert "var id = null;" in none and "layer.remove()" in none


def test_an_account_view_is_the_continent_holding_most_accounts():
    from geo.layers import account_view

    lon = np.r_[np.linspace(-120, -75, 90), np.linspace(0, 20, 10)]
    lat = np.r_[np.linspace(30, 45, 90), np.linspace(40, 55, 10)]
    west, south, east, north = account_view(lon, lat, main=True)
    assert west < -119 and east < -74 and north < 45
    assert account_view(lon, lat)[2] > 15  # (all of them: Europe too, but the 1% farthest)
    assert account_view(lon, lat, every=True) == (-120, 30, 20, 55)  # ("All accounts": the farthest too)
    assert account_view([np.nan], [np.nan]) is None


@pytest.mark.parametrize("name", ["Team {{ 7*7 }} West", "Team {#1 West", "R&D {% West %}", "{{ cycler.__init__ }}"])
def test_names_with_template_delimiters_are_shown_as_written_never_run(name):
    # folium compiles each element's rendered script as a Jinja template again: "{{ 7*7 }}" in a territory or
    # account name ran on the server ("Team 49"), and "{#" or "{%" broke every map page (a review).
    plan = plan_from_dict(
        {"territories": [{"territory_id": f"T{name}", "name": name, "region_ids": ["US-NY"]}], "reps": []}
    )
    accounts = pd.DataFrame({"region_id": ["US-36061"], "territory_id": [f"T{name}"], "value": [1.0],
                             "lat": [40.7], "lon": [-74.0], "name": [f"{name} Inc"]})  # fmt: skip
    layers = coverage_layers(plan, accounts)
    points = account_points(accounts, pd.Series(["#000000"]), tooltip_columns=[("name", "Name")])
    fmap = build_coverage_map(layers.regions, layers.outlines, layers.legend, labels=layers.labels, points=points)
    rendered = fmap.get_root().render()
    assert "Team 49" not in rendered and "bound method" not in rendered
    assert rendered.count("&#123;") >= 3  # (the name's braces, as character references, in the label, outline, point)
    # and through st_folium's own path (each layer group rendered as the pages send it)
    from streamlit_folium import _get_feature_group_string

    for index, group in enumerate(
        coverage_groups(layers.regions, layers.outlines, points=points, labels=layers.labels)
    ):
        assert "Team 49" not in _get_feature_group_string(group, folium.Map(), index)
