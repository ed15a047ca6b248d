from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo.boundaries import load_regions, shared_join_layer
from geo.join import join_accounts, locate_accounts, looks_swapped


def accounts(*points):
    return pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(len(points))],
            "lat": [p[0] for p in points],
            "lon": [p[1] for p in points],
        }
    )


def test_manhattan_joins_to_new_york_county_and_state():
    result = join_accounts(accounts((40.7831, -73.9712)))
    row = result.accounts.iloc[0]
    assert row["region_id"] == "US-36061"
    assert row["region_level"] == "county"
    counties = load_regions("county").set_index("region_id")
    assert counties.loc[row["region_id"], "parent_id"] == "US-NY"
    assert result.outside.empty


def test_toronto_berlin_london():
    result = join_accounts(accounts((43.65, -79.38), (52.52, 13.40), (51.507, -0.128)))
    assert result.accounts["region_id"].tolist() == ["CA-ON", "DE", "GB"]
    assert result.accounts["region_level"].tolist() == ["province", "country", "country"]


def test_point_in_the_ocean_is_listed_outside():
    result = join_accounts(accounts((40.7831, -73.9712), (35.0, -40.0)))
    assert result.accounts.loc[0, "region_id"] == "US-36061"
    assert pd.isna(result.accounts.loc[1, "region_id"])
    assert result.outside["account_id"].tolist() == ["A1"]
    assert "1 account lies outside every region: no territory can take it; check its coordinates" in result.notes


def test_coastal_point_just_offshore_is_snapped():
    # ~3 km off Miami Beach.
    result = join_accounts(accounts((25.79, -80.09)))
    assert result.accounts.loc[0, "snapped"]
    assert result.accounts.loc[0, "region_id"] == "US-12086"
    far = join_accounts(accounts((25.79, -79.5)))
    assert pd.isna(far.accounts.loc[0, "region_id"])


def test_swapped_file_is_detected():
    rng = np.random.default_rng(0)
    lat = rng.uniform(33, 45, 200)
    lon = rng.uniform(-110, -85, 200)
    result = join_accounts(pd.DataFrame({"account_id": range(200), "lat": lon, "lon": lat}))
    assert result.swapped
    assert any("latitude and longitude look swapped" in n for n in result.notes)
    fine = join_accounts(pd.DataFrame({"account_id": range(200), "lat": lat, "lon": lon}))
    assert not fine.swapped


def test_a_few_outside_points_do_not_claim_a_swap():
    result = join_accounts(accounts((40.78, -73.97), (40.0, -50.0)))
    assert not result.swapped


def test_custom_regions_and_crs_check():
    regions = gpd.GeoDataFrame(
        {"region_id": ["W", "E"], "level": "custom"}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    result = join_accounts(accounts((0.5, 0.5), (0.5, 1.5), (5, 5)), regions, snap_meters=0)
    assert result.accounts["region_id"].tolist()[:2] == ["W", "E"]
    assert pd.isna(result.accounts.loc[2, "region_id"])
    with pytest.raises(ValueError, match=r"`regions` must be in EPSG:4326, got EPSG:3857; call regions.to_crs"):
        join_accounts(accounts((0, 0)), regions.to_crs(3857))


def test_point_on_a_shared_border_gets_one_region():
    regions = gpd.GeoDataFrame(
        {"region_id": ["W", "E"], "level": "custom"}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    result = join_accounts(accounts((0.5, 1.0)), regions)
    assert len(result.accounts) == 1
    assert result.accounts.loc[0, "region_id"] in {"W", "E"}


def test_missing_columns():
    with pytest.raises(ValueError, match=r"`accounts` needs 'lat' and 'lon' columns"):
        join_accounts(pd.DataFrame({"x": [1]}))


def test_looks_swapped_needs_half_outside():
    regions = gpd.GeoDataFrame({"region_id": ["R"]}, geometry=[box(10, 40, 20, 50)], crs=4326)
    outside = pd.DataFrame({"lat": [15.0, 16.0], "lon": [45.0, 46.0]})
    assert looks_swapped(outside, regions, total=2)
    assert not looks_swapped(outside, regions, total=100)


def test_a_claim_on_puerto_rico_as_a_country_holds_its_accounts():
    # The world level has Puerto Rico as a country ("PR"), the US level as a state ("US-PR"); accounts join to its
    # counties. A territory may claim either (or the whole US) and holds them.
    from geo.boundaries import region_table
    from territory import plan_from_dict
    from territory.assignment import assign_accounts

    joined = join_accounts(accounts((18.4655, -66.1057), (25.7617, -80.1918))).accounts
    assert joined["region_id"].tolist() == ["US-72127", "US-12086"]
    joined = joined.assign(value=1.0)
    table = region_table()
    for claim in ("PR", "US-PR", "US"):
        plan = plan_from_dict({
            "territories": [{"territory_id": "CAR", "region_ids": [claim]}, {"territory_id": "FL", "region_ids": ["US-FL"]}],
            "reps": [{"rep_id": "R1", "territory_ids": ["CAR"]}, {"rep_id": "R2", "territory_ids": ["FL"]}],
        })  # fmt: skip
        result = assign_accounts(plan, joined, table).accounts.set_index("account_id")
        assert result.loc["A0", "territory_id"] == "CAR", claim
        assert result.loc["A1", "territory_id"] == "FL", claim  # (Florida's own claim is the nearer one)
    parents = table.set_index("region_id")["parent_id"]
    assert [parents["US-72127"], parents["US-PR"], parents["PR"]] == ["US-PR", "PR", "US"]


def test_swapped_coordinates_that_land_in_antarctica_are_detected():
    # New York with its two columns exchanged (lat -74, lon 40.7) is inside a region: Antarctica.
    points = [(-74.0 + i * 0.01, 40.7 + i * 0.01) for i in range(20)]
    result = join_accounts(accounts(*points))
    assert result.swapped
    assert any("look swapped" in note for note in result.notes)
    # A few accounts in Antarctica do not make a file look swapped, but they are named as likely swapped.
    result = join_accounts(accounts((40.7831, -73.9712), (43.65, -79.38), (-74.0, 40.7)).assign(row=[2, 3, 4]))
    assert not result.swapped
    # (one line: "line 4", not "lines 4", a new user's test)
    assert any(n.startswith("1 account lies in Antarctica (line 4): its latitude and longitude are most likely")
               and n.endswith("on that line") for n in result.notes)  # fmt: skip
    result = join_accounts(accounts((40.78, -73.97), (-74.0, 40.7), (-74.1, 40.6), (43.65, -79.38), (52.5, 13.4),
                                    (51.5, -0.1)).assign(row=[2, 3, 5, 6, 7, 8]))  # fmt: skip
    assert not result.swapped
    assert any(n.startswith("2 accounts lie in Antarctica (lines 3, 5): their latitude") for n in result.notes)


def test_a_row_with_swapped_coordinates_is_a_problem_of_its_own_line():
    # It was said only in the load's note (a new user's test): it is in the problems, with the file's columns, its
    # two values and how to fix it, as the other rows' problems are.
    points = accounts((40.7831, -73.9712), (-74.0, 40.7), (43.65, -79.38)).assign(row=[2, 3, 4])
    result = locate_accounts(points, column_map={"lat": "Billing Latitude", "lon": "Billing Longitude"})
    assert result.problems[["row", "account_id", "column", "value", "severity"]].values.tolist() == [
        [3, "A1", "Billing Latitude, Billing Longitude", "-74, 40.7", "warning"]
    ]
    assert "most likely swapped; exchange the two values on this line" in result.problems.loc[0, "problem"]
    # (a file swapped as a whole is one warning for the file, not one per row)
    whole = join_accounts(accounts(*[(-74.0 + i * 0.01, 40.7 + i * 0.01) for i in range(20)]))
    assert whole.swapped and whole.problems.empty


def test_coordinates_in_another_state_or_country_than_the_address_are_said():
    # Coordinates far from the state or country their row gives (a CRM's stale geocode) are a warning naming both
    # places; the account stays where its point is.
    accounts = pd.DataFrame({
        "account_id": ["BROOKLYN-NJ", "MONTERREY-TX", "OK", "BYCITY", "NOSTATE", "TORONTO-QC"],
        "row": [2, 3, 4, 5, 6, 7],
        "lat": [40.6501, 25.6866, 40.7128, 40.6501, 25.6866, 43.6532],
        "lon": [-73.9496, -100.3161, -74.006, -73.9496, -100.3161, -79.3832],
        "state": ["NJ", "Texas", "NY", "NJ", None, "QC"],
        "country": ["US", "US", "USA", "US", None, "Canada"],
        "geocode_source": ["coordinates", "coordinates", "coordinates", "city", "coordinates", "coordinates"],
        "geocode_region": [""] * 6,
    })  # fmt: skip
    result = locate_accounts(accounts, column_map={"lat": "Latitude", "lon": "Longitude"})
    problems = result.problems.set_index("account_id")
    assert problems.index.tolist() == ["BROOKLYN-NJ", "MONTERREY-TX", "TORONTO-QC"]
    assert problems.loc["BROOKLYN-NJ", ["row", "column", "value", "severity"]].tolist() == [
        2, "Latitude, Longitude", "40.6501, -73.9496", "warning"]  # fmt: skip
    assert problems.loc["MONTERREY-TX", "value"] == "25.6866, -100.3161"  # (as read, not rounded)
    assert problems.loc["BROOKLYN-NJ", "problem"] == (
        "its coordinates lie in New York (Kings, NY), but its state is New Jersey: it is placed by its coordinates; "
        "check them (or clear them to place it by its address)"
    )
    assert problems.loc["MONTERREY-TX", "problem"].startswith("its coordinates lie in Mexico, but its state is Texas")
    assert problems.loc["TORONTO-QC", "problem"].startswith("its coordinates lie in Ontario, but its state is Québec")
    placed = result.accounts.set_index("account_id")["region_id"].astype(object)
    assert placed["BROOKLYN-NJ"] == "US-36047" and placed["MONTERREY-TX"] == "MX"  # (where the points are)
    assert "3 accounts lie outside the state or country their address gives (lines 2, 3, 7)" in " ".join(result.notes)


def test_a_zip_code_in_another_state_than_the_address_is_said():
    # ZIP 10001 with state CA was placed in Manhattan without a word (a review): said, by the ZIP's column, and
    # placed by the ZIP still (a ZIP near a border is not moved: it is no point).
    from geo.accounts import read_accounts

    data = (
        "Account ID,Billing State/Province,Billing Zip/Postal Code,Billing Country\n"
        "ZIPCA,CA,10001,United States\nZIPNY,NY,10001,United States\nPOSTAL,,M5V 3L9,Canada\n"
    )
    with_city = "Account ID,Billing City,Billing Zip/Postal Code,Billing Country\nVAN,Vancouver,K1A 0B1,Canada\n"
    vancouver = read_accounts(io.BytesIO(with_city.encode()), filename="v.csv").accounts
    # (beside a city the postal code names no province: the city is looked for in Canada, as before, a review)
    assert vancouver.loc[0, "geocode_source"] == "city" and vancouver.loc[0, "lon"] < -120
    load = read_accounts(io.BytesIO(data.encode()), filename="crm.csv")
    result = locate_accounts(load.accounts, column_map=load.column_map)
    problems = result.problems.set_index("account_id")
    assert problems.index.tolist() == ["ZIPCA"]
    assert problems.loc["ZIPCA", ["row", "column", "value"]].tolist() == [2, "Billing Zip/Postal Code", "10001"]
    assert problems.loc["ZIPCA", "problem"] == (
        "its ZIP code lies in New York (New York, NY), but its state is California: it is placed by the ZIP code; "
        "check which of the two is right"
    )
    assert "1 account whose ZIP code lies outside the state or country its address gives (line 2)" in result.notes[-1]
    placed = result.accounts.set_index("account_id")["region_id"].astype(object)
    assert placed["ZIPCA"] == placed["ZIPNY"] == "US-36061"
    # A Canadian postal code with no province gives its province by its first letter (it was Canada as a whole).
    assert placed["POSTAL"] == "CA-ON"


def test_coordinates_a_border_apart_from_their_address_are_placed_by_it():
    # The bundled borders are drawn at 1:10,000,000 (US) and 1:50,000,000 (countries): El Paso, TX lies in both
    # El Paso County and Mexico, whose borders come from two sources, and was placed in Mexico (in no territory;
    # now the finer-drawn county comes first whatever the address);
    # Gatineau, QC (GeoNames' Hull) falls 1.7 km into Ontario; the demo's Perth Amboy, NJ on Staten Island. A point
    # within 3 km of the place its row gives is placed there, in its nearest region, with a note.
    accounts = pd.DataFrame({
        "account_id": ["PERTH", "ELPASO", "HULL", "NOSTATE", "LAREDO-NAME"],
        "row": [2, 3, 4, 5, 6],
        "lat": [40.5121, 31.7587, 45.4276, 31.7587, 27.5064],
        "lon": [-74.2548, -106.4869, -75.7106, -106.4869, -99.5075],
        "state": ["NJ", "TX", "QC", None, "Texas"],
        "country": ["US", "US", "CA", None, "United States"],
        "geocode_source": ["coordinates"] * 5, "geocode_region": [""] * 5,
    })  # fmt: skip
    result = locate_accounts(accounts)
    assert result.problems.empty, result.problems
    placed = result.accounts.set_index("account_id")["region_id"].astype(object)
    assert placed.to_dict() == {
        "PERTH": "US-34023",  # Middlesex, NJ (not Richmond, NY)
        "ELPASO": "US-48141",  # El Paso, TX (not Mexico)
        "HULL": "CA-QC",
        "NOSTATE": "US-48141",  # (no address to go by: the finer-drawn of the two, the US county)
        "LAREDO-NAME": "US-48479",  # Webb, TX
    }
    # (a state with no country column too, where the point lies outside the US and Canada: a Texas address 1.5 km
    # into Mexico was left there, unsaid, since "WA" there may be Western Australia: a reviewer's case)
    texas = locate_accounts(pd.DataFrame({
        "account_id": ["TX-NO-COUNTRY"], "row": [2], "lat": [26.08], "lon": [-98.2763], "state": ["TX"],
        "geocode_source": ["coordinates"], "geocode_region": [""],
    }))  # fmt: skip
    assert shared_join_layer().loc[lambda g: g["region_id"].eq("MX")].contains(
        shapely.Point(-98.2763, 26.08)).any()  # fmt: skip
    assert texas.accounts["region_id"].tolist() == ["US-48215"] and texas.problems.empty  # Hidalgo, TX
    assert set(result.accounts.set_index("account_id").loc[["PERTH", "ELPASO", "HULL"], "region_level"]) == {
        "county", "province"}  # fmt: skip
    assert (
        "2 accounts placed in the state or country their addresses give: each lies within 3 km of it, "
        "closer than the map draws borders (lines 2, 4)"
    ) in result.notes


def test_island_states_as_countries_are_no_mismatch():
    # Puerto Rico, Guam and the Virgin Islands as countries (as CRMs write them) are no mismatch; nor is a state
    # code of another country with no country column (Western Australia's WA is not Washington)
    islands = pd.DataFrame({
        "account_id": ["SJ", "GU", "VI", "PERTH-AU"], "row": [2, 3, 4, 5],
        "lat": [18.4655, 13.4443, 18.3419, -31.9505], "lon": [-66.1057, 144.7937, -64.9307, 115.8605],
        "state": [None, None, None, "WA"], "country": ["Puerto Rico", "Guam", "VI", None],
        "geocode_source": ["coordinates"] * 4, "geocode_region": [""] * 4,
    })  # fmt: skip
    assert locate_accounts(islands).problems.empty


def test_coordinates_in_no_region_or_in_antarctica_give_way_to_the_address():
    # Paris, FR at (2.35, 48.86) lies in the Indian Ocean and Toronto's swapped coordinates in Antarctica: both were
    # left in no territory, "2 accounts lie outside every region" naming no line, while their addresses said where
    # they are (a new user's test). Each is placed by its address, with a warning naming its line and coordinates;
    # one with no address that places it stays outside, its line named.
    text = (
        "id,name,lat,lon,city,state,country\n"
        "S1,Paris swapped,2.3522,48.8566,Paris,,FR\n"
        "S2,Toronto swapped,-79.3832,43.6532,Toronto,ON,CA\n"
        "S3,Ottawa,45.4215,-75.6972,Ottawa,ON,CA\n"
        "S4,Nowhere,0.5,-30.0,,,\n"
        "S5,Xyzzy,0.5,-31.0,Xyzzyville,,\n"
    )
    result = _read_and_located(text)
    placed = result.accounts.set_index("account_id")
    assert placed.loc["S1", "region_id"] == "FR" and placed.loc["S2", "region_id"] == "CA-ON"
    assert placed.loc["S3", "region_id"] == "CA-ON"
    assert pd.isna(placed.loc["S4", "region_id"]) and pd.isna(placed.loc["S5", "region_id"])
    # (the map shows them where their addresses are, not in the sea)
    assert 48 < placed.loc["S1", "lat"] < 50 and 43 < placed.loc["S2", "lat"] < 44
    assert result.outside["account_id"].tolist() == ["S4", "S5"]
    problems = result.problems.set_index("account_id")
    assert problems.loc["S1", "problem"].startswith("its coordinates lie outside every region (in the sea")
    assert "placed by its city instead (in France): check its coordinates" in problems.loc["S1", "problem"]
    assert problems.loc["S2", "problem"].startswith("in Antarctica: latitude and longitude are most likely swapped;")
    assert problems.loc["S1", "row"] == 2 and problems.loc["S1", "value"] == "2.3522, 48.8566"
    assert set(problems.index) == {"S1", "S2"} and (result.problems["severity"] == "warning").all()
    assert "2 accounts lie outside every region (lines 5, 6): no territory can take them; check their coordinates" in (
        result.notes
    )
    assert any(n.startswith("2 accounts whose coordinates lie in no region, or in Antarctica, were placed by their "
                            "addresses (lines 2, 3)") for n in result.notes)  # fmt: skip
    assert not any("Antarctica (line" in n for n in result.notes)  # (it is no longer there)


def test_accounts_just_off_the_coast_are_named_by_line():
    # ("1 account just off the coast was placed in the nearest region" named no line, a new user's test)
    points = pd.DataFrame({"account_id": ["SHORE", "CITY"], "row": [7, 8], "lat": [40.55, 40.7831],
                           "lon": [-73.84, -73.9712]})  # fmt: skip
    result = join_accounts(points, check_swapped=False)
    snapped = result.accounts.set_index("account_id")["snapped"]
    assert snapped["SHORE"] and not snapped["CITY"]  # (Jamaica Bay, off Queens' generalised shore)
    assert "1 account just off the coast was placed in the nearest region (within 10 km) (line 7)" in result.notes


def test_what_is_placed_by_address_says_so_and_what_is_right_stays():
    # (a review) the rows moved read as placed by address (the Data sources page counts them); a region code is an
    # address too; an account in Antarctica whose address says Antarctica stays; a file that looks swapped as a
    # whole is read again the other way, not rescued row by row
    text = (
        "id,lat,lon,city,country,region\n"
        "P,2.3522,48.8566,Paris,FR,\n"
        "M,-77.85,166.68,,Antarctica,\n"
        "R,0.5,-30.0,,,US-NY\n"
        "O,45.4215,-75.6972,Ottawa,CA,\n"
    )
    result = _read_and_located(text)
    placed = result.accounts.set_index("account_id")
    assert placed.loc["P", "geocode_source"] == "city" and placed.loc["O", "geocode_source"] == "coordinates"
    assert placed.loc["R", "region_id"] == "US-NY" and placed.loc["R", "geocode_source"] == "region"
    assert placed.loc["M", "region_id"] == "AQ" and placed.loc["M", "lat"] == -77.85  # (stays where it is)
    problems = result.problems.set_index("account_id")
    assert "placed by its region code instead (in New York)" in problems.loc["R", "problem"]
    swapped = "id,lat,lon,city,country\n" + "".join(
        f"S{i},{lon},{lat},Paris,FR\n" for i, (lat, lon) in enumerate([(40.78, -73.97), (41.88, -87.63), (33.75, -84.39)])
    )  # fmt: skip
    result = _read_and_located(swapped, "swapped.csv")
    assert result.swapped and not any("placed by its city" in p for p in result.problems["problem"])


def _read_and_located(text: str, name: str = "mixed.csv"):
    """A CSV text read as the pages read it, then located."""
    from geo.accounts import read_accounts

    load = read_accounts(text.encode(), filename=name)
    return locate_accounts(load.accounts, column_map=load.column_map)


def test_own_boundaries_take_no_account_from_across_a_border_within_the_snap():
    # A file of sales districts in Maine took three accounts of Edmundston, New Brunswick (within 10 km of Maine):
    # with regions of one's own, only points at sea (in no bundled region either) are snapped; a point in Penobscot
    # Bay, off the file's coast, still is.
    states = gpd.read_parquet(Path(__file__).resolve().parents[2] / "data" / "boundaries" / "state.parquet")
    maine = states[states["region_id"] == "US-ME"][["region_id", "level", "geometry"]].reset_index(drop=True)
    points = pd.DataFrame({"lat": [47.373, 44.0], "lon": [-68.325, -69.0]})
    plain = join_accounts(points, maine, check_swapped=False)
    assert plain.accounts["region_id"].astype(object).tolist() == ["US-ME", "US-ME"]
    own = join_accounts(points, maine, check_swapped=False, snap_at_sea_only=True)
    assert own.accounts["region_id"].astype(object).isna().tolist() == [True, False]
    assert own.accounts["snapped"].tolist() == [False, True]
    # A district of Maine takes a point of Maine just past its edge (Augusta, 1 km out: every point on land was
    # refused at first, a review), not Edmundston.
    district = gpd.GeoDataFrame({"region_id": ["D1"], "level": ["district"]}, geometry=[box(-71, 43.5, -69.79, 45)],
                                crs=4326)  # fmt: skip
    near = pd.DataFrame({"lat": [47.373, 44.31], "lon": [-68.325, -69.777]})
    placed = join_accounts(near, district, check_swapped=False, snap_at_sea_only=True).accounts["region_id"]
    assert placed.astype(object).tolist()[1] == "D1" and pd.isna(placed.iloc[0])
