from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from geo.boundaries import (
    LEVELS,
    area_km2,
    boundary_file_columns,
    boundary_file_header,
    load_join_layer,
    load_regions,
    read_boundary_file,
    region_table,
    repair_geometries,
    unknown_regions_warning,
)
from territory.errors import BoundaryFileError

STATES_AND_DC = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
}  # fmt: skip
COLUMNS = ["region_id", "name", "level", "parent_id", "label", "geometry"]


# --- the bundled real data -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("display", [False, True])
def test_every_level_loads_valid_in_wgs84(level, display):
    gdf = load_regions(level, display=display)
    assert set(COLUMNS) <= set(gdf.columns)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.is_valid.all()
    assert not gdf.geometry.is_empty.any()
    assert gdf["region_id"].is_unique
    assert (gdf["level"] == level).all()
    assert set(gdf.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_counties_3200_plus_with_fips_ids_and_state_parents():
    counties = load_regions("county")
    assert 3200 <= len(counties) < 3300
    assert counties["region_id"].str.fullmatch(r"US-\d{5}").all()
    row = counties.set_index("region_id").loc["US-36061"]
    assert row["name"] == "New York"
    assert row["parent_id"] == "US-NY"
    assert row["fips"] == "36061"


def test_50_states_and_dc_with_usps_and_fips():
    states = load_regions("state").set_index("region_id")
    assert {f"US-{s}" for s in STATES_AND_DC} <= set(states.index)
    assert states.loc["US-NY", ["name", "code", "fips", "parent_id"]].tolist() == ["New York", "NY", "36", "US"]
    assert states.loc["US-DC", "name"] == "District of Columbia"


def test_13_canadian_provinces_and_territories():
    provinces = load_regions("province")
    assert len(provinces) == 13
    assert {"CA-ON", "CA-QC", "CA-BC", "CA-AB", "CA-NL", "CA-NU"} <= set(provinces["region_id"])
    assert (provinces["parent_id"] == "CA").all()


def test_countries_use_alpha2_including_seed_countries():
    countries = load_regions("country").set_index("region_id")
    assert {"GB", "DE", "FR", "NL", "US", "CA", "XK"} <= set(countries.index)
    assert countries.loc["GB", "name"] == "United Kingdom"
    assert len(countries) > 200


def test_display_version_is_smaller_than_full():
    full = load_regions("county").geometry.count_coordinates().sum()
    display = load_regions("county", display=True).geometry.count_coordinates().sum()
    assert display < full


def test_load_regions_rejects_unknown_level():
    with pytest.raises(ValueError, match=r"`level` was 'zip' but is expected to be one of \['state'"):
        load_regions("zip")


def test_join_layer_has_no_overlap_between_us_and_countries():
    layer = load_join_layer()
    assert "US" not in set(layer["region_id"])
    assert "CA" not in set(layer["region_id"])
    assert {"US-36061", "CA-ON", "DE"} <= set(layer["region_id"])


def test_region_table_points_lie_inside_their_region():
    table = region_table().set_index("region_id")
    states = load_regions("state").set_index("region_id")
    for rid in ["US-NY", "US-HI", "US-MI"]:
        assert states.loc[rid, "geometry"].contains(Point(table.loc[rid, "lon"], table.loc[rid, "lat"]))


def test_area_uses_an_equal_area_crs():
    states = load_regions("state").set_index("region_id")
    areas = area_km2(states.loc[["US-CO", "US-WY"]].reset_index())
    # Census: Colorado 269,837 km², Wyoming 253,600 km² (total area); cartographic boundaries at 1:10m.
    assert areas.iloc[0] == pytest.approx(269_600, rel=0.02)
    assert areas.iloc[1] == pytest.approx(253_300, rel=0.02)


def test_area_without_crs_is_an_error():
    with pytest.raises(ValueError, match="has no CRS; call set_crs"):
        area_km2(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]))


# --- a user's own boundary files -------------------------------------------------------------------------


def squares_gdf(crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "title": ["Alpha", "Beta"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=crs
    )


def test_a_column_of_numbers_a_few_cells_made_text_is_said_and_no_library_warning_is_printed(tmp_path):
    # ("n/a" in households: the column was silently not offered to balance on, and pyogrio's "Could not parse column
    # 'households' as JSON" went to stderr, a review)
    import warnings

    features = [
        {"type": "Feature", "properties": {"zone_code": f"Z{i}", "zone_name": f"Zone {i}", "households": value,
                                           "CD119FP": district},
         "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]}}
        for i, (value, district) in enumerate(zip([120, "n/a", 80, 95], ["01", "02", "ZZ", "12"], strict=True))
    ]  # fmt: skip
    # (a column of codes, as the Census's CD119FP with "ZZ" for a part with no district, is not said: no quantity)
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = read_boundary_file(path, "zone_code", name_column="zone_name")
    assert result.notes == [
        "zones.geojson: column 'households' is read as text, so it is not offered to balance on: feature 2 has 'n/a'. "
        "Write a number in each of its cells (or leave a cell empty) to balance on it"
    ]
    assert "households" not in result.figures.columns


def test_geojson_with_chosen_id_and_name(tmp_path):
    path = tmp_path / "regions.geojson"
    squares_gdf().to_file(path, driver="GeoJSON")
    result = read_boundary_file(path, "code", name_column="title")
    assert result.regions["region_id"].tolist() == ["A", "B"]
    assert result.regions["name"].tolist() == ["Alpha", "Beta"]
    assert result.regions.crs.to_epsg() == 4326
    assert not result.reprojected
    assert boundary_file_columns(path) == ["code", "title"]


def test_regions_that_overlap_are_said_and_those_that_touch_are_not(tmp_path):
    # (DACH over Benelux in a new user's file went unsaid: an account in both joins to one of them)
    path = tmp_path / "regions.geojson"
    squares = squares_gdf()  # (two squares side by side: a shared border, no overlap)
    squares.to_file(path, driver="GeoJSON")
    assert not any("overlap" in note for note in read_boundary_file(path, "code").notes)
    wide = gpd.GeoDataFrame({"code": ["A", "B", "C"], "title": ["Alpha", "Beta", "Gamma"]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0.5, 0, 1.5, 0.5)], crs="EPSG:4326")  # fmt: skip
    wide.to_file(path, driver="GeoJSON")
    notes = read_boundary_file(path, "code", name_column="title").notes
    assert (
        "regions.geojson: 2 pairs of regions overlap (Alpha and Gamma: 50% of Gamma; Beta and Gamma: 50% of Gamma): "
        "an account where two overlap is joined to one of them. Draw the regions so that each place lies in one"
    ) in notes, notes


def test_geopackage_in_projected_crs_is_reprojected(tmp_path):
    path = tmp_path / "regions.gpkg"
    squares_gdf().to_crs(3857).to_file(path, driver="GPKG")
    result = read_boundary_file(path, "code")
    assert result.reprojected
    assert "reprojected from EPSG:3857 to EPSG:4326" in result.notes[0]
    assert result.regions.total_bounds == pytest.approx([0, 0, 2, 1], abs=1e-6)


def zip_shapefile(gdf, tmp_path, *, keep_prj=True, name="regions"):
    folder = tmp_path / f"{name}-shp"
    folder.mkdir()
    gdf.to_file(folder / f"{name}.shp")
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            if keep_prj or part.suffix != ".prj":
                zf.write(part, part.name)
    return archive


def test_zipped_shapefile_from_bytes(tmp_path):
    archive = zip_shapefile(squares_gdf().to_crs(5070), tmp_path)
    result = read_boundary_file(archive.read_bytes(), "code", filename="regions.zip")
    assert result.reprojected
    assert result.regions.total_bounds == pytest.approx([0, 0, 2, 1], abs=1e-6)


def test_a_zip_bomb_is_refused_and_only_the_shapefile_s_parts_are_unpacked(tmp_path, monkeypatch):
    # A security review: a 1 MB zip unpacked to 1 GiB on disk, twice on every rerun of the Data sources page.
    import territory.textfiles

    archive = zip_shapefile(squares_gdf(), tmp_path)
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("notes/big.txt", b"0" * 5_000_000)  # (not a part of the shapefile: not unpacked)
    assert len(read_boundary_file(archive, "code").regions) == 2
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("regions.shp", b"0" * 5_000_000)
    assert bomb.stat().st_size < 50_000
    monkeypatch.setattr(territory.textfiles, "MOST_UNZIPPED_BYTES", 1_000_000)
    with pytest.raises(BoundaryFileError, match=r"bomb\.zip: unpacks to more than 1,000,000 bytes"):
        read_boundary_file(bomb, "code")


def test_a_geojson_nested_too_deeply_is_said(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(BoundaryFileError, match=r"deep\.geojson: is nested too deeply to read"):
        read_boundary_file(deep, "code")


def test_projected_shapefile_without_prj_is_refused(tmp_path):
    bare = zip_shapefile(squares_gdf().to_crs(5070), tmp_path, keep_prj=False, name="noprj")
    with pytest.raises(
        BoundaryFileError,
        match=r"noprj\.zip: has no coordinate system and its coordinates \(x .*\) are not longitude/latitude\. "
        r"Include the \.prj file",
    ):
        read_boundary_file(bare, "code")


def test_a_geojson_in_metres_is_refused(tmp_path):
    # GeoJSON is read as EPSG:4326 whatever its coordinates: a file in metres without a coordinate system drew a
    # grey map with one line.
    path = tmp_path / "metres.geojson"
    projected = squares_gdf().to_crs(3857)
    projected.geometry = projected.geometry.translate(-11_688_546, 4_865_942)
    path.write_text(projected.set_crs(None, allow_override=True).to_json())
    with pytest.raises(BoundaryFileError, match=r"metres\.geojson: says it is in EPSG:4326 .* they look projected.*"
                                                r"Reproject the file to EPSG:4326"):  # fmt: skip
        read_boundary_file(path, "code")


def test_a_geojson_in_metres_with_duplicate_ids_says_both(tmp_path):
    # The ids were said first; fixed and uploaded again, the file was then refused for its coordinates.
    path = tmp_path / "metres.geojson"
    projected = squares_gdf().to_crs(3857)
    projected.geometry = projected.geometry.translate(-11_688_546, 4_865_942)
    projected["code"] = ["A", "A"]
    path.write_text(projected.set_crs(None, allow_override=True).to_json())
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(path, "code")
    assert [p.problem.split(":")[0] for p in caught.value.problems] == [
        "ids are not unique",
        "says it is in EPSG",
    ]


def test_a_geojson_with_latitude_first_is_said_to_be_swapped(tmp_path):
    # New York and Texas written [latitude, longitude]: it was said to "look projected, e.g. in metres".
    def square(lat, lon):
        return [[[lat, lon], [lat + 1, lon], [lat + 1, lon + 1], [lat, lon + 1], [lat, lon]]]

    features = [
        {"type": "Feature", "properties": {"code": c}, "geometry": {"type": "Polygon", "coordinates": square(*p)}}
        for c, p in (("NY", (40.7, -74.0)), ("TX", (31.0, -100.0)))
    ]
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(path, "code")
    said = str(caught.value)
    assert said.startswith("swapped.geojson: its coordinates look swapped: the second number of each point runs "
                           "from -100 to -73")  # fmt: skip
    assert "write each point as [longitude, latitude]" in said and "projected" not in said


def test_lonlat_shapefile_without_prj_is_assumed_wgs84(tmp_path):
    archive = zip_shapefile(squares_gdf(), tmp_path, keep_prj=False)
    result = read_boundary_file(archive, "code")
    assert result.assumed_crs
    assert "read as EPSG:4326" in result.notes[0]


def test_truncated_geojson(tmp_path):
    text = json.dumps(json.loads(squares_gdf().to_json()))
    path = tmp_path / "cut.geojson"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(
        BoundaryFileError,
        match=r"cut\.geojson: is not valid JSON \(line 1, column \d+: .*\)\. The file may be cut short",
    ):
        read_boundary_file(path, "code")


def test_self_intersecting_geometry_is_repaired_and_reported(tmp_path):
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    gdf = gpd.GeoDataFrame({"code": ["OK", "BOW"]}, geometry=[box(5, 5, 6, 6), bowtie], crs=4326)
    path = tmp_path / "bowtie.geojson"
    gdf.to_file(path, driver="GeoJSON")
    result = read_boundary_file(path, "code")
    assert len(result.repaired) == 1
    assert result.repaired[0] == (
        "bowtie.geojson, feature 2 (id 'BOW'): invalid outline: its outline crosses itself near longitude 1, latitude 1; "
        "repaired"
    )
    assert result.regions.geometry.is_valid.all()
    assert result.regions.set_index("region_id").loc["BOW", "geometry"].area == pytest.approx(2.0)


def test_a_repair_names_the_feature_by_its_number_in_the_file(tmp_path):
    # A point dropped before the repairs: the bowtie is still feature 3 of the file (it was said to be row 2).
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    gdf = gpd.GeoDataFrame({"code": ["PT", "OK", "BOW"]}, geometry=[Point(9, 9), box(5, 5, 6, 6), bowtie], crs=4326)
    path = tmp_path / "mixed.geojson"
    gdf.to_file(path, driver="GeoJSON")
    result = read_boundary_file(path, "code")
    assert result.repaired[0].startswith("mixed.geojson, feature 1 (id 'PT'): a Point, not a polygon; dropped")
    assert result.repaired[1].startswith("mixed.geojson, feature 3 (id 'BOW'): invalid outline")


def test_missing_id_column_lists_the_columns(tmp_path):
    path = tmp_path / "r.geojson"
    squares_gdf().to_file(path, driver="GeoJSON")
    with pytest.raises(
        BoundaryFileError, match=r"r\.geojson, column 'fips': no column 'fips'\. Pick one of: code, title"
    ):
        read_boundary_file(path, "fips")


def test_duplicate_ids_are_refused(tmp_path):
    gdf = squares_gdf()
    gdf["code"] = ["A", "A"]
    path = tmp_path / "dup.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(
        BoundaryFileError, match=r"dup\.geojson, column 'code': ids are not unique: A \(features 1, 2\)"
    ):
        read_boundary_file(path, "code")


def test_whole_number_ids_with_a_blank_read_as_whole_numbers(tmp_path):
    # Codes 1-4 with blanks were read as floats: "ids are not unique: 1.0" (a new user's test).
    import json

    features = [{"type": "Feature", "properties": {"code": code},
                 "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]}}
                for i, code in enumerate([7, 7, None])]  # fmt: skip
    path = tmp_path / "codes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(path, "code")
    said = str(caught.value)
    assert "ids are not unique: 7 (features 1, 2)" in said and "1.0" not in said and "7.0" not in said, said
    features[1]["properties"]["code"] = 12
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features[:2]}))
    assert read_boundary_file(path, "code").regions["region_id"].tolist() == ["7", "12"]


def test_empty_ids_are_refused(tmp_path):
    gdf = squares_gdf()
    gdf["code"] = ["A", None]
    path = tmp_path / "holes.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(BoundaryFileError, match=r"holes\.geojson, column 'code': feature 2 \(title 'Beta'\) has no id"):
        read_boundary_file(path, "code")


def test_points_are_not_regions(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(0, 0)], crs=4326)
    path = tmp_path / "pts.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(BoundaryFileError, match=r"no polygons: geometries are Point"):
        read_boundary_file(path, "code")


def test_unsupported_extension():
    with pytest.raises(BoundaryFileError, match=r"x\.kml: unsupported file type\. Upload a \.geojson"):
        read_boundary_file(b"<kml/>", "id", filename="x.kml")


def test_bad_zip():
    with pytest.raises(BoundaryFileError, match=r"z\.zip: is not a valid zip archive"):
        read_boundary_file(b"not a zip", "id", filename="z.zip")


def test_repair_drops_empty_geometries():
    gdf = gpd.GeoDataFrame({"region_id": ["A", "B"]}, geometry=[box(0, 0, 1, 1), Polygon()], crs=4326)
    out, messages = repair_geometries(gdf, source="f.geojson")
    assert out["region_id"].tolist() == ["A"]
    assert messages == ["f.geojson, feature 2 (id 'B'): empty geometry dropped"]


def test_no_region_wraps_around_the_antimeridian():
    # GDAL reads TopoJSON arcs that cross ±180° as 360°-wide bands; the build splits them (not Antarctica).
    import shapely

    for level in LEVELS:
        for display in (False, True):
            gdf = load_regions(level, display=display)
            for region_id, geom in zip(gdf["region_id"], gdf.geometry, strict=True):
                for part in shapely.get_parts(geom):
                    minx, miny, maxx, _ = part.bounds
                    assert maxx - minx <= 180 or region_id == "AQ", (level, region_id, part.bounds)


def test_an_unreadable_boundary_file_says_so_without_paths_or_driver_talk():
    for data, name, start in [
        (b"not a geojson at all", "bad.geojson", "bad.geojson: is not valid JSON (line 1, column 1: expecting value)"),
        (b"", "empty.gpkg", "empty.gpkg: could not be read (not a format we read: GeoJSON, a zipped Shapefile"),
        # (an empty file and a CSV renamed .geojson read "is not valid JSON (line 1, column 1 …)", a new user's test)
        (b"", "empty.geojson", "empty.geojson: is empty. Export the layer as GeoJSON again"),
        (
            b"account_id,name,lat,lon\n1,Acme,40.7,-74.0\n",
            "accounts.geojson",
            "accounts.geojson: looks like comma-separated text (a CSV: its first line reads 'account_id,name,lat,lon'), "
            "not GeoJSON. Accounts are loaded on their own (the Accounts page; --accounts in cli.py)",
        ),
        (b"\x89PNG\r\n\x1a\n,,,", "image.geojson", "image.geojson: is not text"),
    ]:
        with pytest.raises(BoundaryFileError) as caught:
            boundary_file_columns(data, filename=name)
        message = str(caught.value)
        assert message.startswith(start)
        assert "/tmp" not in message and "DRIVER" not in message


def _collection(*geometries, properties=True) -> bytes:
    features = [
        {"type": "Feature", "properties": {"code": f"R{i}"} if properties else {}, "geometry": geometry}
        for i, geometry in enumerate(geometries, start=1)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            _collection(SQUARE, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
            "r.geojson: feature 2 (code 'R2'): a ring does not end where it starts (first point [0, 0], last [0, 1])."
            " Each ring of a polygon lists at least four points and ends with its first point",
        ),
        (
            _collection({"type": "Polygon", "coordinates": [[0, 0]]}),
            "r.geojson: feature 1 (code 'R1'): a ring is not a list of [longitude, latitude] points.",
        ),
        (b'{"regions": []}', 'r.geojson: is JSON but not GeoJSON (its top level has no "type": "FeatureCollection")'),
        (
            _collection(SQUARE, properties=False),
            "r.geojson: its features have no attributes to use as region ids. Give each feature an id (GeoJSON "
            "'properties')",
        ),
        (_collection(None), "r.geojson: no feature has a geometry (every one is empty)."),
    ],
)
def test_a_bad_geojson_is_refused_in_words_naming_the_feature(data, said):
    # (GDAL said "IllegalArgumentException: Points of LinearRing do not form a closed linestring", or read a
    # degenerate polygon and then called the file "projected, e.g. in metres")
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(data, "code", filename="r.geojson")
    assert str(caught.value).startswith(said)


def test_every_problem_of_a_boundary_file_is_said_at_once():
    # They came one at a time: a feature without an id (fixed, uploaded), then two features with one id, then a
    # ring not closed; a geometry of an unknown type or with text for coordinates was read as none and dropped.
    geometries = [
        SQUARE,
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        {"type": "Polygonn", "coordinates": SQUARE["coordinates"]},
        {"type": "Polygon", "coordinates": [[["0", "0"], [1, 0], [1, 1], [0, 0]]]},
        SQUARE,
        SQUARE,
        {"type": "Polygon"},
        {"type": "Point", "coordinates": [0, 0]},
        None,
    ]
    document = json.loads(_collection(*geometries))
    document["features"][4]["properties"] = {"code": None, "title": "Nameless"}
    document["features"][5]["properties"]["code"] = "R1"
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(json.dumps(document).encode(), "code", name_column="NAME", filename="r.geojson")
    said = [" ".join(str(p).split()) for p in caught.value.problems]
    other_hint = "Give the feature a Polygon or MultiPolygon of [longitude, latitude] points, or export the layer again"
    ring_hint = "Each ring of a polygon lists at least four points and ends with its first point; fix the feature, or export the layer again"
    assert said == [
        f"r.geojson: feature 2 (code 'R2'): a ring does not end where it starts (first point [0, 0], last [0, 1]). {ring_hint}",
        f"r.geojson: feature 3 (code 'R3'): geometry type 'Polygonn' is not a GeoJSON geometry type (Polygon, MultiPolygon …). {other_hint}",
        f"r.geojson: feature 4 (code 'R4'): a coordinate is not a number (each point is [longitude, latitude], e.g. [-74.0, 40.7]). {other_hint}",
        f"r.geojson: feature 7 (code 'R7'): its Polygon has no coordinates. {other_hint}",
        "r.geojson, column 'NAME': no column 'NAME'. Pick one of: code, title",
        "r.geojson, column 'code': feature 5 (title 'Nameless') has no id. Fill the id or pick another id column",
        "r.geojson, column 'code': ids are not unique: R1 (features 1, 6). Pick a column whose values are unique, or "
        "dissolve the duplicates first",
        # (and what the load would drop, that one upload may fix all)
        "r.geojson: feature 8 (id 'R8'): a Point, not a polygon; it would be dropped. Give it its polygon, or delete "
        "the feature (once the rest is fixed, the file loads without it)",
        "r.geojson: feature 9 (id 'R9'): no geometry (null); it would be dropped. Give it its polygon, or delete the "
        "feature (once the rest is fixed, the file loads without it)",
    ]
    assert str(caught.value).startswith(
        "r.geojson: 9 problems; fix them all, then load the file again:\n- r.geojson: feature 2"
    )
    # The columns are still listed (to pick the id from), the problems being said on reading.
    assert boundary_file_columns(json.dumps(document).encode(), filename="r.geojson") == ["code", "title"]


def test_the_header_says_which_columns_could_be_ids():
    # (all values there and no two alike, after trimming: what the Data sources page guesses the id among)
    frame = gpd.GeoDataFrame(
        {"code": ["01", "01", "02"], "GEOID": ["A", "B", "C"], "blank": ["x", " ", "y"], "POP": [1, 2, 3],
         "padded": ["a", "a ", "b"]},
        geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs=4326,
    )  # fmt: skip
    columns, fit = boundary_file_header(frame.to_json().encode(), filename="z.geojson")
    assert columns[-5:] == ["code", "GEOID", "blank", "POP", "padded"] and fit >= {"GEOID", "POP"}
    assert not fit & {"code", "blank", "padded"}


def test_a_feature_without_a_name_is_shown_by_its_id_and_said():
    document = json.loads(_collection(SQUARE, {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 0]]]}))
    document["features"][0]["properties"]["NAME"] = "Alpha"
    result = read_boundary_file(json.dumps(document).encode(), "code", name_column="NAME", filename="r.geojson")
    assert list(result.regions["label"]) == ["Alpha", "R2"]  # (it read "None")
    assert result.notes[-1] == "r.geojson, column 'NAME': 1 feature has no name, shown by its id: feature 2 (id 'R2')"


def test_each_kind_of_invalid_outline_is_said_in_words():
    from geo.boundaries import invalid_geometry_reason

    assert invalid_geometry_reason("Hole lies outside shell[5 5]") == (
        "invalid outline: a hole lies outside its outline near longitude 5, latitude 5"
    )
    assert invalid_geometry_reason("Nested shells[1.5 -2]") == (
        "invalid outline: one of its parts lies inside another near longitude 1.5, latitude -2"
    )
    assert invalid_geometry_reason("Invalid Coordinate[nan nan]") == "invalid outline: a coordinate is not a number"
    # A three-point ring is read, said in words, and dropped as empty; the other regions load.
    thin = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}
    result = read_boundary_file(_collection(SQUARE, thin), "code", filename="r.geojson")
    assert list(result.regions["region_id"]) == ["R1"]
    assert result.repaired == [
        "r.geojson, feature 2 (id 'R2'): invalid outline: a ring has fewer than four points near longitude 0, latitude 0;"
        " repaired",
        "r.geojson, feature 2 (id 'R2'): empty geometry dropped",
    ]


def test_features_without_attributes_are_named_as_such_not_as_a_missing_column(tmp_path):
    path = tmp_path / "no_props.geojson"
    feature = {"type": "Feature", "geometry": box(0, 0, 1, 1).__geo_interface__, "properties": {}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(BoundaryFileError) as error:
        read_boundary_file(path, id_column=None)
    message = str(error.value)
    assert "no_props.geojson" in message and "no attributes" in message and "None" not in message


def test_a_point_beside_polygons_is_dropped_and_named():
    features = [
        {"type": "Feature", "geometry": box(0, 0, 1, 1).__geo_interface__, "properties": {"code": "A1"}},
        {"type": "Feature", "geometry": Point(5, 5).__geo_interface__, "properties": {"code": "E5"}},
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    result = read_boundary_file(data, "code", filename="point.geojson")
    assert list(result.regions["region_id"]) == ["A1"]
    assert result.repaired == [
        "point.geojson, feature 2 (id 'E5'): a Point, not a polygon; dropped (regions must be polygons)"
    ]
    assert result.dropped == result.repaired  # (what the Data sources page warns of outright)


def test_a_feature_without_a_geometry_is_dropped_and_named():
    # ("geometry": null beside polygons crashed the Data sources page: 'NoneType' object has no attribute 'geom_type')
    features = [
        {"type": "Feature", "geometry": box(0, 0, 1, 1).__geo_interface__, "properties": {"code": "A1"}},
        {"type": "Feature", "geometry": None, "properties": {"code": "SW"}},
        {"type": "Feature", "geometry": box(2, 0, 3, 1).__geo_interface__, "properties": {"code": "C3"}},
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    result = read_boundary_file(data, "code", filename="nogeom.geojson")
    assert list(result.regions["region_id"]) == ["A1", "C3"]
    assert result.repaired == ["nogeom.geojson, feature 2 (id 'SW'): no geometry (null); dropped"]
    assert result.dropped == result.repaired


def test_points_and_features_without_geometry_are_no_polygons():
    features = [
        {"type": "Feature", "geometry": Point(5, 5).__geo_interface__, "properties": {"code": "P"}},
        {"type": "Feature", "geometry": None, "properties": {"code": "N"}},
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    with pytest.raises(BoundaryFileError, match=r"points\.geojson: no polygons: geometries are Point\. "):
        read_boundary_file(data, "code", filename="points.geojson")


def test_unknown_regions_warning_names_the_ids_a_plan_claims_that_no_boundary_has():
    from dataclasses import replace

    from territory import load_plan
    from tests.conftest import DEMO_PLAN

    plan = load_plan(DEMO_PLAN)
    assert unknown_regions_warning(plan) is None
    first = plan.territories[0]
    odd = replace(
        plan, territories=(replace(first, region_ids=(*first.region_ids, "US-ZZ", "XX")), *plan.territories[1:])
    )
    said = unknown_regions_warning(odd)
    assert said.startswith("the plan names regions the bundled boundaries do not have: US-ZZ, XX. ")
    assert "check the ids" in said
    # A rep's home of a region id's shape that the map does not have (a review: plan files took it unsaid)
    rep = plan.reps[0]
    homeless = replace(plan, reps=(replace(rep, home_region="US-ZZ"), *plan.reps[1:]))
    said = unknown_regions_warning(homeless)
    assert said == (
        f"the plan gives reps a home the bundled boundaries do not have: {rep.name} (US-ZZ). No distance from home "
        "can be measured for them; check the ids (e.g. US-NY, US-36061, CA-ON, GB)"
    )
    both = unknown_regions_warning(replace(odd, reps=homeless.reps))
    assert "do not have: US-ZZ, XX. Their accounts cannot be placed in them; it gives reps a home" in both


def test_a_boundary_files_regions_touch_as_the_bundled_counties_do_and_islands_join_the_nearest():
    # Texas's 254 counties as a user's file: the same neighbours as the bundled links, corners alone not touching
    # (McMullen and Frio, whose corners lie 95 m apart, neither), but for one pair whose border is 96 m long: shorter
    # than touch_m, it cannot be told from a corner. Hawaii's islands join each other (within 1,000 km) and stay
    # apart from the mainland (3,800 km).
    from geo.boundaries import boundary_links, load_regions
    from geo.editing import region_graph_links

    counties = load_regions("county")
    texas = counties[counties["region_id"].str.startswith("US-48")].reset_index(drop=True)
    links = boundary_links(texas)
    bundled = region_graph_links(texas["region_id"])
    assert list(links) == texas["region_id"].tolist()
    differ = {r for r in links if set(links[r]) != set(bundled[r])}
    assert differ == {"US-48283", "US-48013"}  # (Live Oak and Atascosa: a border of 96 m)
    assert "US-48163" not in links["US-48311"] and "US-48375" not in links["US-48117"]  # (corners alone)
    assert all(r in links[n] for r in links for n in links[r])  # (both ways)
    west = counties[counties["region_id"].str[:5].isin(["US-15", "US-06"])].reset_index(drop=True)
    joined = boundary_links(west)
    hawaii = [r for r in joined if r.startswith("US-15")]
    assert not any(n.startswith("US-06") for r in hawaii for n in joined[r])
    from territory.optimizer import RegionGraph, components

    graph = RegionGraph.from_adjacency(pd.DataFrame({"m": 1.0}, index=list(joined)), joined)
    parts = components(range(len(graph)), graph.neighbours)
    assert sorted(len(p) for p in parts) == [5, 58]  # (Hawaii's five counties in one part, California's 58)
    with pytest.raises(ValueError, match="EPSG:4326"):
        boundary_links(texas.to_crs(3857))


def test_drawn_territories_dissolve_a_files_regions_with_their_totals():
    from geo.boundaries import WGS84, drawn_territories

    regions = gpd.GeoDataFrame({"region_id": ["A", "B", "C"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
                               crs=WGS84)  # fmt: skip
    labels = pd.Series({"A": "T1", "B": "T1", "C": "T2"})
    shapes = drawn_territories(regions, labels, pd.DataFrame({"POP": [1.0, 2.0, 4.0]}, index=["A", "B", "C"]))
    assert shapes["territory_id"].tolist() == ["T1", "T2"] and shapes["regions"].tolist() == [2, 1]
    assert shapes["POP"].tolist() == [3.0, 4.0] and shapes.geometry.iloc[0].equals(box(0, 0, 2, 1))
    assert '"territory_id": "T2"' in shapes.to_json()
