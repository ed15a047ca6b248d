"""The map of changed regions (plan diffs and rebalance proposals): colors, tooltips and its legend."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from geo.coverage import changed_regions_map
from territory.model import Plan, Territory


def _plans():
    old = Plan(
        name="old",
        territories=(
            Territory("west", "West", ("US-CA", "US-NV", "US-OR"), color="#1f77b4"),
            Territory("east", "East <b>&</b>", ("US-NY",), color="#ff7f0e"),
        ),
    )
    new = Plan(
        name="new",
        territories=(
            Territory("west", "West", ("US-CA",), color="#1f77b4"),
            Territory("east", "East <b>&</b>", ("US-NY", "US-NV", "US-OR"), color="#ff7f0e"),
            Territory("north", "North", ("US-WA",), color="#2ca02c"),
        ),
    )
    return old, new


def test_legend_counts_the_regions_each_territory_gains_and_escapes_names():
    old, new = _plans()
    moves = pd.DataFrame({
        "region_id": ["US-NV", "US-OR", "US-WA"],
        "from_name": ["West", "West", "(none)"],
        "to_name": ["East <b>&</b>", "East <b>&</b>", "North"],
        "to_territory_id": ["east", "east", "north"],
    })  # fmt: skip
    fmap = changed_regions_map(moves, old, new)
    # The legend is for the page to show under the map (over it, it hid regions): none inside the map.
    assert "Regions go to" not in fmap.get_root().render()
    html = fmap.legend_html
    assert "Regions go to" in html
    assert "gains 2 regions" in html and "gains 1 region" in html
    # the user's territory name reaches the legend escaped, never as markup
    assert "East &lt;b&gt;&amp;&lt;/b&gt;" in html
    assert "East <b>&</b>" not in html
    # each receiving territory's color is its swatch
    assert "#ff7f0e" in html and "#2ca02c" in html


def test_a_territory_left_alone_on_a_region_it_shared_does_not_gain_it():
    # Northeast gave up the states it shared with the NE Enterprise overlay: "NE Enterprise gains 4 regions" read as
    # new states for it (a new user's test).
    from territory.plan_diff import diff_plans

    shared = ("US-NY", "US-NJ")
    old = Plan(name="old", territories=(
        Territory("NE", "Northeast", shared, tiers=("smb",), color="#1f77b4"),
        Territory("ENT", "NE Enterprise", shared, tiers=("enterprise",), priority=1, color="#ff7f0e"),
        Territory("W", "West", ("US-CA",), color="#2ca02c")))  # fmt: skip
    new = replace(old, territories=(replace(old.territories[0], region_ids=()), *old.territories[1:2],
                                    replace(old.territories[2], region_ids=("US-CA", "US-OR"))))  # fmt: skip
    moves = diff_plans(old, new).regions
    html = changed_regions_map(moves, old, new).legend_html
    assert "holds alone 2 regions it shared" in html and "gains 1 region" in html, html
    assert "gains 2 regions" not in html
    # gaining regions too, it is one entry (it was two, the same name and color)
    new = replace(new, territories=(new.territories[0], replace(new.territories[1], region_ids=(*shared, "US-PA")),
                                    new.territories[2]))  # fmt: skip
    html = changed_regions_map(diff_plans(old, new).regions, old, new).legend_html
    assert "gains 1 region, holds alone 2 regions it shared" in html and html.count(">NE Enterprise<") == 1, html


def test_no_changed_regions_gives_no_legend():
    old, new = _plans()
    empty = pd.DataFrame(columns=["region_id", "from_name", "to_name", "to_territory_id"])
    fmap = changed_regions_map(empty, old, new)
    assert "Regions go to" not in fmap.get_root().render() and fmap.legend_html == ""


def test_the_proposed_territories_can_be_drawn_under_the_moves():
    old, new = _plans()
    moves = pd.DataFrame({"region_id": ["US-NV"], "from_name": ["West"], "to_name": ["East <b>&</b>"],
                          "to_territory_id": ["east"]})  # fmt: skip
    plain = changed_regions_map(moves, old, new).get_root().render()
    html = changed_regions_map(moves, old, new, level="state").get_root().render()
    assert '"territory_id"' not in plain
    # every territory of the new plan with regions is outlined, not only the one that gains; names escaped
    import re

    drawn = set(re.findall(r'"territory_id":\s*"([^"]+)"', html))
    assert drawn == {t.territory_id for t in new.territories if t.region_ids}
    assert "East <b>&</b>" not in html
    with pytest.raises(ValueError):
        changed_regions_map(moves, old, new, level="planet")


def test_the_map_frames_the_territories_that_gain_whole():
    import re

    old, new = _plans()
    moves = pd.DataFrame({"region_id": ["US-NV"], "from_name": ["West"], "to_name": ["East"],
                          "to_territory_id": ["east"]})  # fmt: skip

    def frame(html):
        south, west, north, east = map(
            float, re.findall(r"-?\d+\.\d+", re.search(r"fitBounds\(\s*\[\[[^\]]*\],\s*\[[^\]]*\]\]", html).group(0))
        )
        return south, west, north, east

    alone = frame(changed_regions_map(moves, old, new).get_root().render())
    whole = frame(changed_regions_map(moves, old, new, level="state").get_root().render())
    # Nevada alone, then East whole (New York and Oregon too): the frame reaches New York's east and Oregon's north
    assert alone[3] < -113 and whole[3] > -75 and whole[2] > 45


def test_puerto_rico_claimed_as_a_country_is_drawn_as_its_counties_at_county_level():
    from geo.coverage import display_claims
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "CAR", "name": "Caribbean", "region_ids": ["PR"]}],
                           "reps": []})  # fmt: skip
    claims = display_claims(plan, "county")
    assert "PR" not in set(claims["region_id"])  # (not its country outline over them too)
    assert (claims["region_id"].str.startswith("US-72") & claims["territory_id"].eq("CAR")).sum() >= 78


def test_puerto_rico_claimed_as_a_country_holds_its_state_at_state_level():
    from geo.coverage import display_claims
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "CAR", "name": "Caribbean", "region_ids": ["PR", "VI"]},
                                           {"territory_id": "ISL", "name": "Islands", "region_ids": ["US-VI"]}],
                           "reps": []})  # fmt: skip
    holders = dict(zip(*display_claims(plan, "state")[["region_id", "territory_id"]].T.values, strict=True))
    assert holders["US-PR"] == "CAR" and "PR" not in holders
    assert holders["US-VI"] == "ISL"  # a claim on the state itself is the nearer one


def test_other_claims_on_one_region_stay_drawn_beside_an_island_claim():
    # Two territories listing the same state (a conflict) are both drawn, whatever else the plan claims.
    from geo.coverage import display_claims
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "A", "region_ids": ["PR", "US-CA"]},
                                           {"territory_id": "B", "region_ids": ["US-CA"]}], "reps": []})  # fmt: skip
    claims = display_claims(plan, "state")
    assert sorted(claims.loc[claims["region_id"] == "US-CA", "territory_id"]) == ["A", "B"]


def test_a_claim_on_a_whole_country_is_drawn_as_its_states_and_provinces_nobody_else_claims():
    # The map draws the US and Canada as states and provinces (not as a country): a territory claiming "US" holds,
    # state by state, those no other territory claims; a claim on a state is the nearer one and wins.
    from geo.coverage import display_claims
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "ALL", "region_ids": ["US", "CA"]},
                                           {"territory_id": "WEST", "region_ids": ["US-CA", "CA-BC", "PR"]}],
                           "reps": []})  # fmt: skip
    for level in ("state", "county"):
        claims = display_claims(plan, level)
        assert not claims["region_id"].isin(["US", "CA"]).any(), level
        holders = claims.groupby("region_id")["territory_id"].agg(list)
        assert holders["CA-ON"] == ["ALL"] and holders["CA-BC"] == ["WEST"]  # provinces at both levels
        assert len(holders[holders.index.str.match(r"^CA-")]) == 13
    holders = display_claims(plan, "state").groupby("region_id")["territory_id"].agg(list)
    assert holders["US-NY"] == ["ALL"] and holders["US-CA"] == ["WEST"] and holders["US-PR"] == ["WEST"]
    assert holders["US-DC"] == ["ALL"] and holders["US-VI"] == ["ALL"]  # and the island areas under the US
    assert len(holders[holders.index.str.match(r"^US-[A-Z]{2}$")]) == 56
    # Two territories claiming the whole country are drawn on each state: the conflict stays visible.
    twice = plan_from_dict({"territories": [{"territory_id": "A", "region_ids": ["US"]},
                                            {"territory_id": "B", "region_ids": ["US"]}], "reps": []})  # fmt: skip
    claims = display_claims(twice, "state")
    assert sorted(claims.loc[claims["region_id"] == "US-TX", "territory_id"]) == ["A", "B"]


def test_a_region_left_out_of_a_whole_country_claim_is_not_drawn_for_it():
    # "unclaimed_region_ids" carves a state or province out of the country claim, at both levels.
    from geo.coverage import display_claims
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "ALL", "region_ids": ["US", "CA"]}],
                           "unclaimed_region_ids": ["US-OH", "CA-AB", "PR"], "reps": []})  # fmt: skip
    state = set(display_claims(plan, "state")["region_id"])
    assert {"US-NY", "CA-ON", "US-VI"} <= state and not {"US-OH", "CA-AB", "US-PR"} & state
    county = set(display_claims(plan, "county")["region_id"])
    assert "CA-ON" in county and "CA-AB" not in county
    assert "US-39035" not in county and "US-36061" in county  # (Cuyahoga, Ohio, out; Manhattan in)


def test_regions_left_without_a_territory_are_said_so_in_the_legend():
    old, new = _plans()
    moves = pd.DataFrame({"region_id": ["US-NV", "US-OR"], "from_name": ["West", "West"],
                          "to_name": ["(no territory)", "East <b>&</b>"], "to_territory_id": [None, "east"]})  # fmt: skip
    html = changed_regions_map(moves, old, new).legend_html
    assert "1 region left without one" in html and "gains 1 region" in html
    assert "(no territory)" not in html


def test_hundreds_of_changed_counties_are_outlined_thin_and_light():
    # (a county-level proposal drew 1,553 counties with dark outlines: one black blob)
    from geo.boundaries import region_table

    old, new = _plans()
    table = region_table()
    counties = table.loc[table["parent_id"].isin(["US-TX", "US-GA"]), "region_id"].tolist()
    assert len(counties) > 150
    many = pd.DataFrame({"region_id": counties, "from_name": "West", "to_name": "North", "to_territory_id": "north"})
    few = many.head(10)
    dense, sparse = (changed_regions_map(m, old, new).get_root().render() for m in (many, few))
    assert '"color": "#ffffff"' in dense and '"weight": 0.4' in dense and '"color": "#222222"' not in dense
    assert '"color": "#222222"' in sparse and '"weight": 1.2' in sparse


def test_changes_on_continents_apart_fit_the_map_to_where_most_of_them_lie():
    # A new user's test: counties and Europe changed in one proposal, and the map opened on the whole world with the
    # counties as specks. The map fits where most changed regions lie; the others are a zoom out away.
    import re

    old, new = _plans()
    moves = pd.DataFrame({
        "region_id": ["US-NV", "US-OR", "US-WA", "FR"],
        "from_name": ["West", "West", "(none)", "West"],
        "to_name": ["East", "East", "North", "North"],
        "to_territory_id": ["east", "east", "north", "north"],
    })  # fmt: skip
    fmap = changed_regions_map(moves, old, new)
    html = fmap.get_root().render()
    (found,) = re.findall(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", html)
    south, west, north, east = map(float, found)
    assert -125 < west < east < -110 and 30 < south < north < 50, found  # the three western states, not France
    assert "France" in html or "FR" in html  # (France is still drawn, in its new territory's color)
    # The Rebalance page's map (a level given) shows the territories that gain regions whole: from Washington to
    # New York, still not France (the bounds took every changed region there).
    html = changed_regions_map(moves, old, new, level="state").get_root().render()
    (found,) = re.findall(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", html)
    south, west, north, east = map(float, found)
    assert -125 < west < -110 and -80 < east < -60, found
    # what the view leaves out is said, for the page to name under the map
    assert fmap.off_view == ["FR"]
    # A territory that gains regions on both continents widens the view to both: nothing is left out then
    spanning = changed_regions_map(moves.assign(to_territory_id="east"),
                                   old, replace(new, territories=(*new.territories[:1], replace(new.territories[1],
                                   region_ids=("US-NY", "US-NV", "US-OR", "US-WA", "FR")))), level="state")  # fmt: skip
    assert spanning.off_view == []


def test_a_new_territory_s_distance_from_home_is_drawn_as_a_circle_with_a_legend_entry():
    old, new = _plans()
    moves = pd.DataFrame({"region_id": ["US-WA"], "from_name": ["(none)"], "to_name": ["North"],
                          "to_territory_id": ["north"]})  # fmt: skip
    fmap = changed_regions_map(moves, old, new, reach=(47.6, -122.3, 400))
    html = fmap.get_root().render()
    assert "L.circle(" in html and '"radius": 400000.0' in html and '"dashArray": "8 6"' in html
    assert "Within 400 km of the new rep&#x27;s home" in fmap.legend_html  # (escaped, as every legend name)
    # (its swatch a dashed circle, as drawn: a filled square read as another territory, the twelfth new user)
    assert fmap.legend_html.count("legend-swatch-outline") == 1 and "border:2px dashed #333333" in fmap.legend_html
    assert "L.circle(" not in changed_regions_map(moves, old, new).get_root().render()


def test_a_shared_regions_tooltip_names_every_territory_there():
    # Illinois shared by US Central and US Central SMB is drawn once for each; the one on top named only itself
    # while the region's one account was the other's (a new user's test)
    from geo.coverage import coverage_layers
    from territory import plan_from_dict

    plan = plan_from_dict({
        "territories": [{"territory_id": "USC", "name": "US Central", "region_ids": ["US-IL", "US-OH"]},
                        {"territory_id": "SMB", "name": "<b>SMB</b>", "region_ids": ["US-IL"], "tiers": ["smb"]}],
        "reps": [{"rep_id": "R1", "name": "Ann", "territory_ids": ["USC"]},
                 {"rep_id": "R2", "name": "Bo", "territory_ids": ["SMB"]}],
    })  # fmt: skip
    accounts = pd.DataFrame({"account_id": ["A1"], "region_id": ["US-17031"], "territory_id": ["USC"],
                             "value": [350_000.0], "status": ["assigned"]})  # fmt: skip
    layers = coverage_layers(plan, accounts, "state")
    illinois = [f["properties"] for f in layers.regions["features"] if f["properties"]["region_id"] == "US-IL"]
    assert len(illinois) == 2 and {p["territory_id"] for p in illinois} == {"USC", "SMB"}
    for shown in illinois:
        # (escaped once, as every name in a tooltip)
        assert shown["territory_name"] in (
            "US Central and &lt;b&gt;SMB&lt;/b&gt;, shared",
            "&lt;b&gt;SMB&lt;/b&gt; and US Central, shared",
        )
        assert shown["reps"] in ("Ann; Bo", "Bo; Ann") and shown["accounts"] == 1 and shown["value"] == "$350,000"
    ohio = next(f["properties"] for f in layers.regions["features"] if f["properties"]["region_id"] == "US-OH")
    assert ohio["territory_name"] == "US Central" and ohio["reps"] == "Ann" and ohio["accounts"] == 0
    # … at county level too: Cook County drawn for both, each naming both and counting the account (a review)
    counties = coverage_layers(plan, accounts, "county")
    cook = [f["properties"] for f in counties.regions["features"] if f["properties"]["region_id"] == "US-17031"]
    assert {p["territory_id"] for p in cook} == {"USC", "SMB"}
    assert all(p["territory_name"].endswith(", shared") and p["accounts"] == 1 for p in cook)


def test_accounts_in_a_country_or_state_as_a_whole_are_counted_not_drawn_over_its_regions():
    # One row giving only "US" drew the whole country as a gap over every state: it took their clicks (a click on
    # Oklahoma moved all of the US) and tinted the territories below (a new user's test). Texas as a whole at
    # county level the same over its counties; at state level Texas is a region the map draws.
    from geo.coverage import coverage_layers
    from territory import plan_from_dict

    plan = plan_from_dict({"territories": [{"territory_id": "W", "name": "West", "region_ids": ["US-CA"]}],
                           "reps": [{"rep_id": "R1", "name": "Ann", "territory_ids": ["W"]}]})  # fmt: skip
    # (Puerto Rico as a whole lies over no other region: drawn, a review)
    accounts = pd.DataFrame({"account_id": ["A1", "A2", "A3", "A4"], "region_id": ["US", "US-TX", "US-06037", "PR"],
                             "territory_id": [None, None, "W", None], "value": [1.0, 2.0, 3.0, 4.0],
                             "status": ["unassigned", "unassigned", "assigned", "unassigned"]})  # fmt: skip
    for level, drawn in (("state", {"US-TX", "PR"}), ("county", set())):  # (its municipios are drawn at county level)
        layers = coverage_layers(plan, accounts, level)
        assert {f["properties"]["region_id"] for f in layers.gaps["features"]} == drawn, level
        assert set(layers.uncovered["region_id"]) == {"US", "US-TX", "PR"} and layers.uncovered["accounts"].sum() == 3


def test_a_territory_is_drawn_with_its_own_regions_whatever_another_plan_drew_under_its_id():
    # The proposed territories' shapes were cached for the process by territory id: a second proposal (another
    # session's) was drawn with the first one's shapes, and a territory with the id "US-TX" changed Texas's shape on
    # every map (a security review).
    import json

    import shapely
    from shapely.geometry import shape

    from geo.layers import FastGeoJson

    def centre(plan_new):
        old = Plan(name="o", territories=(Territory("A", "A", ("US-WA",)),))
        region = plan_new.territories[0].region_ids[0]
        moves = pd.DataFrame({"region_id": [region], "from_name": ["A"], "to_name": ["A"], "to_territory_id": ["A"]})
        fmap = changed_regions_map(moves, old, plan_new, level="state")
        layer = next(c for c in fmap._children.values() if isinstance(c, FastGeoJson) and c.layer_name ==
                     "Proposed territories")  # fmt: skip
        feature = json.loads(layer.data)["features"][0]
        return shapely.centroid(shape(feature["geometry"])).x

    assert centre(Plan(name="w", territories=(Territory("A", "A", ("US-WA", "US-OR")),))) < -115
    assert centre(Plan(name="e", territories=(Territory("A", "A", ("US-ME", "US-NH")),))) > -75
    # a territory whose id is a region's leaves the region's own shape alone
    assert centre(Plan(name="x", territories=(Territory("US-TX", "Odd", ("US-WA", "US-OR")),))) < -115
    texas = Plan(name="t", territories=(Territory("S", "South", ("US-TX",)),))
    fmap = changed_regions_map(pd.DataFrame({"region_id": ["US-TX"], "from_name": ["-"], "to_name": ["South"],
                                             "to_territory_id": ["S"]}), texas, texas)  # fmt: skip
    layer = next(c for g in fmap._children.values() for c in [g, *g._children.values()]
                 if isinstance(c, FastGeoJson) and c.layer_name == "Changed regions")  # fmt: skip
    assert -107 < shapely.centroid(shape(json.loads(layer.data)["features"][0]["geometry"])).x < -93


def test_the_shape_cache_lets_go_of_outlines_past_its_size_without_losing_the_map_it_draws(monkeypatch):
    # A review of the bound: past 20,000 shapes every outline was let go, those the map being drawn had found too,
    # and the map failed (KeyError).
    import geopandas as gpd
    from shapely.geometry import box

    import geo.layers
    from geo.layers import to_geojson

    monkeypatch.setattr(geo.layers, "_GEOMETRY_CACHE", {})
    monkeypatch.setattr(geo.layers, "_GEOMETRY_CACHE_SIZE", 2)
    frame = gpd.GeoDataFrame({"k": ["outline:a", "outline:b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    to_geojson(frame, [], geometry_key="k")
    more = gpd.GeoDataFrame({"k": ["outline:a", "outline:c"]}, geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6)], crs=4326)
    drawn = to_geojson(more, [], geometry_key="k")
    assert [min(x for x, _ in f["geometry"]["coordinates"][0]) for f in drawn["features"]] == [0.0, 5.0]
    assert set(geo.layers._GEOMETRY_CACHE) == {("outline:c", 4)}


def test_a_single_region_moved_is_shown_in_the_plan_it_makes():
    # The Plans page compared two versions with Colorado moved: the map fitted Colorado alone, a plain rectangle with
    # no neighbour or territory in view (a review). With the level, the new plan's territories are drawn faintly and
    # the view takes in the territory that gains it, as the Rebalance page's map does.
    import folium

    old = Plan(name="old", territories=(
        Territory("west", "West", ("US-CO", "US-UT"), color="#1f77b4"),
        Territory("central", "Central", ("US-KS", "US-NE", "US-MO", "US-IA"), color="#ff7f0e"),
    ))  # fmt: skip
    new = Plan(name="new", territories=(
        Territory("west", "West", ("US-UT",), color="#1f77b4"),
        Territory("central", "Central", ("US-CO", "US-KS", "US-NE", "US-MO", "US-IA"), color="#ff7f0e"),
    ))  # fmt: skip
    moves = pd.DataFrame({"region_id": ["US-CO"], "from_name": ["West"], "to_name": ["Central"],
                          "to_territory_id": ["central"]})  # fmt: skip

    def fitted(fmap) -> tuple[float, float]:
        """The fitted view's width and height in degrees."""
        (fit,) = [c for c in fmap._children.values() if isinstance(c, folium.map.FitBounds)]
        (south, west), (north, east) = fit.bounds
        return east - west, north - south

    alone, placed = changed_regions_map(moves, old, new), changed_regions_map(moves, old, new, level="state")
    assert fitted(alone)[0] < 8 and fitted(placed)[0] > 15, (fitted(alone), fitted(placed))  # (Colorado is 7° wide)
    # (the territories drawn faintly under the moved region: the outline layer's style, in the map only with it)
    assert '"fillOpacity": 0.12' in placed.get_root().render()
    assert '"fillOpacity": 0.12' not in alone.get_root().render()


def test_a_new_reps_circle_is_whole_in_the_view():
    # The dashed circle of "within 800 km of the new rep's home" was cut at the map's edge (a review).
    import folium

    old, new = _plans()
    moves = pd.DataFrame({"region_id": ["US-WA"], "from_name": ["(none)"], "to_name": ["North"],
                          "to_territory_id": ["north"]})  # fmt: skip
    fmap = changed_regions_map(moves, old, new, reach=(47.4, -120.5, 800.0))
    (fit,) = [c for c in fmap._children.values() if isinstance(c, folium.map.FitBounds)]
    (south, west), (north, east) = fit.bounds
    # (800 km is 7.2° of latitude, 10.6° of longitude at 47.4°N)
    assert south <= 47.4 - 7.1 and north >= 47.4 + 7.1 and west <= -120.5 - 10.5 and east >= -120.5 + 10.5
