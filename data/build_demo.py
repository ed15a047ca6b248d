"""Rebuild the demo data in ``data/demo/`` (seeded: the same files every run).

Run by hand::

    .venv/bin/python data/build_demo.py [--accounts 5000] [--seed 7]

Writes ``accounts.csv`` (accounts at real US, Canadian and European city locations, weighted by population;
a few rows carry only a ZIP or a city, and three rows are deliberately unusable to show the problem report)
and ``plan.json`` (6 territories and 12 reps, including the two example territories of the seed); and
``texas_counties.geojson``, a boundary file of your own as a user would bring one (Texas's 254 counties from the
bundled display boundaries, ``GEOID``, ``NAME`` and ``POP``: the county population of ``data/population``), to try
territories drawn on your own regions (Data sources page, ``cli.py partition``). ``--boundaries-only`` writes that
file alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "demo"
INDUSTRIES = ["fintech", "healthcare", "saas", "ecommerce", "manufacturing", "logistics", "education", "media"]
INDUSTRY_WEIGHTS = [0.16, 0.16, 0.18, 0.14, 0.12, 0.09, 0.08, 0.07]
TIERS = {"enterprise": 0.15, "mid-market": 0.35, "smb": 0.50}
VALUE = {"enterprise": (30_000, 0.5), "mid-market": (8_000, 0.45), "smb": (2_000, 0.5)}
CYCLE = {"enterprise": (120, 270), "mid-market": (60, 120), "smb": (14, 60)}
SHARE = {"US": 0.78, "CA": 0.10, "GB": 0.04, "DE": 0.04, "FR": 0.025, "NL": 0.015}
NAME_A = [
    "Blue",
    "North",
    "Bright",
    "Iron",
    "Summit",
    "Clear",
    "Red",
    "Granite",
    "Silver",
    "Harbor",
    "Pioneer",
    "Maple",
    "Cedar",
    "Atlas",
    "Nova",
    "Vertex",
    "Prairie",
    "Lake",
    "Union",
    "Coastal",
]
NAME_B = [
    "River",
    "Peak",
    "Labs",
    "Works",
    "Health",
    "Logic",
    "Pay",
    "Cart",
    "Systems",
    "Bridge",
    "Forge",
    "Point",
    "Data",
    "Care",
    "Freight",
    "Learning",
    "Media",
    "Capital",
    "Cloud",
    "Metrics",
]
NAME_C = ["Inc.", "LLC", "Corp.", "Group", "Co.", "Ltd.", "GmbH", "Partners", "Technologies", "Holdings"]

TERRITORIES = [
    {"territory_id": "NAE", "name": "North America East", "color": "#1f77b4",
     "region_ids": ["US-NY", "US-PA", "US-MA", "CA-ON", "CA-QC"], "industries": ["fintech", "healthcare"],
     "annual_quota": 2_500_000, "priority": 1},
    {"territory_id": "EUW", "name": "Europe West", "color": "#9467bd",
     "region_ids": ["UK", "DE", "FR", "NL"], "industries": ["saas", "ecommerce"], "annual_quota": 2_000_000,
     "priority": 1},
    {"territory_id": "USW", "name": "US West", "color": "#2ca02c",
     "region_ids": ["US-CA", "US-WA", "US-OR", "US-NV", "US-AZ", "US-UT", "US-CO", "US-ID"],
     "annual_quota": 10_000_000},
    {"territory_id": "USS", "name": "US South", "color": "#ff7f0e",
     "region_ids": ["US-TX", "US-FL", "US-GA", "US-NC", "US-SC", "US-TN", "US-AL", "US-LA", "US-VA"],
     "annual_quota": 9_000_000},
    {"territory_id": "USC", "name": "US Central", "color": "#8c564b",
     "region_ids": ["US-IL", "US-OH", "US-MI", "US-IN", "US-WI", "US-MN", "US-MO", "US-IA"],
     "tiers": ["enterprise", "mid-market"], "annual_quota": 4_500_000},
    {"territory_id": "CAW", "name": "Canada West", "color": "#17becf",
     "region_ids": ["CA-BC", "CA-AB", "CA-SK", "CA-MB"], "annual_quota": 1_800_000},
]  # fmt: skip
REPS = [
    ("R01", "Sarah Chen", "US-NY", ["NAE"], 180, 1.12, ["fintech"]),
    ("R02", "Marcus Johnson", "CA-ON", ["NAE"], 160, 0.94, ["healthcare"]),
    ("R03", "Elena Rossi", "GB", ["EUW"], 110, 1.05, ["saas"]),
    ("R04", "Jonas Weber", "DE", ["EUW"], 100, 0.88, ["ecommerce", "enterprise"]),
    ("R05", "Priya Patel", "US-CA", ["USW"], 380, 1.21, ["saas", "enterprise"]),
    ("R06", "Diego Alvarez", "US-AZ", ["USW"], 300, 0.79, ["ecommerce"]),
    ("R07", "Hannah Kim", "US-WA", ["USW"], 320, 1.02, ["healthcare"]),
    ("R08", "Tom Becker", "US-TX", ["USS"], 350, 0.97, ["manufacturing", "logistics"]),
    ("R09", "Aisha Okafor", "US-GA", ["USS"], 330, 1.09, ["fintech", "mid-market"]),
    ("R10", "Luke Anderson", "US-IL", ["USC"], 300, 0.85, ["manufacturing"]),
    ("R11", "Mei Tanaka", "CA-BC", ["CAW"], 200, 1.15, ["saas"]),
    ("R12", "Noah Williams", "US-FL", ["USS"], 280, 0.66, ["healthcare"]),
]


def _crm_users(rep_id: str, name: str) -> dict:
    """The rep's users in the CRMs (R10 has no Salesforce user, to show how the Plans page names such a rep)."""
    users = {"hubspot_owner": name.lower().replace(" ", ".") + "@example.com"}
    if rep_id != "R10":
        users["salesforce_user_id"] = f"0058a00000000{rep_id[1:]:0>2}AAA"
    return users


def build_plan() -> dict:
    reps = [
        {
            "rep_id": r,
            "name": n,
            "home_region": h,
            "territory_ids": t,
            "capacity": c,
            "quota_attainment": q,
            "specialties": s,
            "active": True,
            **_crm_users(r, n),
        }
        for r, n, h, t, c, q, s in REPS
    ]
    return {
        "name": "Demo FY27 plan",
        "settings": {
            "target_accounts_per_rep": 300,
            "tier_weights": {"enterprise": 3, "mid-market": 2, "smb": 1},
            "potential": "prospect_value",
        },
        "territories": TERRITORIES,
        "reps": reps,
        "overrides": [],
    }


def build_accounts(count: int, rng: np.random.Generator) -> pd.DataFrame:
    cities = pd.read_csv(HERE / "geocode" / "cities.csv.gz", dtype={"admin1": str}, keep_default_na=False)
    zips = pd.read_csv(HERE / "geocode" / "zips.csv.gz", dtype={"zip": str})
    frames = []
    for country, share in SHARE.items():
        pool = cities[(cities["country"] == country) & (cities["population"] >= 15_000)]
        n = round(count * share)
        picks = pool.sample(n, replace=True, weights=pool["population"], random_state=rng)
        frames.append(picks)
    picks = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=rng).reset_index(drop=True)
    n = len(picks)
    tiers = rng.choice(list(TIERS), size=n, p=list(TIERS.values()))
    median = np.array([VALUE[t][0] for t in tiers])
    sigma = np.array([VALUE[t][1] for t in tiers])
    values = np.round(median * rng.lognormal(0, sigma), -2)
    cycles = np.array([rng.integers(*CYCLE[t]) for t in tiers])
    names = [
        f"{a} {b} {c}"
        for a, b, c in zip(rng.choice(NAME_A, n), rng.choice(NAME_B, n), rng.choice(NAME_C, n), strict=True)
    ]
    jitter = rng.normal(0, 0.01, size=(n, 2))
    status = rng.choice(["customer", "prospect"], size=n, p=[0.35, 0.65])
    state = np.where(picks["country"].isin(["US", "CA"]), picks["admin1"], "")
    accounts = pd.DataFrame(
        {
            "id": [f"ACC-{i + 1:05d}" for i in range(n)],
            "name": names,
            "industry": rng.choice(INDUSTRIES, size=n, p=INDUSTRY_WEIGHTS),
            "tier": tiers,
            "estimated_value": values.astype(int),
            "cycle_length_days": cycles,
            "current_owner": "",
            "status": status,
            "lat": (picks["lat"] + jitter[:, 0]).round(5),
            "lon": (picks["lon"] + jitter[:, 1]).round(5),
            "zip": "",
            "city": picks["name"],
            "state": state,
            "country": picks["country"],
            "last_funding_date": "",
        }
    )
    # Customers are owned by a rep of the territory that holds their state/province/country.
    region = np.where(accounts["state"] != "", accounts["country"] + "-" + accounts["state"], accounts["country"])
    region = pd.Series(region).replace({"GB": "UK"})
    reps_by_region: dict[str, list[str]] = {}
    for territory in TERRITORIES:
        members = [r[0] for r in REPS if territory["territory_id"] in r[3]]
        for rid in territory["region_ids"]:
            reps_by_region[rid] = members
    owners = [
        (rng.choice(reps_by_region[r]) if s == "customer" and r in reps_by_region else "")
        for r, s in zip(region, accounts["status"], strict=True)
    ]
    accounts["current_owner"] = owners
    # Timing signal for scoring: a recent funding round on ~8% of accounts.
    funded = rng.random(n) < 0.08
    days_ago = rng.integers(10, 720, size=n)
    dates = pd.Timestamp("2026-10-01") - pd.to_timedelta(days_ago, unit="D")
    accounts.loc[funded, "last_funding_date"] = dates[funded].strftime("%Y-%m-%d")
    # Some rows carry only an address, as CRM exports often do.
    us = np.flatnonzero(accounts["country"] == "US")
    by_city = rng.choice(us, size=60, replace=False)
    accounts.loc[by_city, ["lat", "lon"]] = np.nan
    by_zip = rng.choice(np.setdiff1d(us, by_city), size=40, replace=False)
    zip_rows = zips.sample(40, random_state=rng)
    accounts.loc[by_zip, ["lat", "lon"]] = np.nan
    accounts.loc[by_zip, "zip"] = zip_rows["zip"].to_numpy()
    accounts.loc[by_zip, "city"] = zip_rows["city"].str.title().to_numpy()
    accounts.loc[by_zip, "state"] = zip_rows["state"].to_numpy()
    # Three rows that cannot be placed, to show the report.
    bad = accounts.sample(3, random_state=rng).index
    accounts.loc[bad[0], ["lat", "lon", "city", "state", "zip"]] = [123.0, -74.0, "", "", ""]
    accounts.loc[bad[0], "country"] = ""
    accounts.loc[bad[1], ["lat", "lon", "city"]] = [np.nan, np.nan, "Atlantis"]
    accounts.loc[bad[2], ["lat", "lon", "city", "state", "zip", "country"]] = [np.nan, np.nan, "", "", "", ""]
    return accounts


def build_boundary_sample() -> str:
    """Texas's counties as a user's own GeoJSON (GEOID, NAME, POP), coordinates to 3 decimals (~100 m)."""
    import sys

    import shapely

    sys.path.insert(0, str(HERE.parent))
    from geo.boundaries import load_regions

    counties = load_regions("county", display=True)
    texas = counties[counties["region_id"].str.startswith("US-48")].sort_values("region_id")
    population = pd.read_csv(HERE / "population" / "county_population.csv").set_index("region_id")["population"]
    sample = texas[["fips", "name", "geometry"]].rename(columns={"fips": "GEOID", "name": "NAME"})
    sample["POP"] = texas["region_id"].map(population).fillna(0).astype(int).to_numpy()
    sample["geometry"] = shapely.set_precision(sample.geometry.to_numpy(), 0.001)
    return sample.reset_index(drop=True).to_json(drop_id=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--boundaries-only", action="store_true", help="write texas_counties.geojson alone")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "texas_counties.geojson").write_text(build_boundary_sample() + "\n", encoding="utf-8")
    if args.boundaries_only:
        return
    (OUT / "plan.json").write_text(json.dumps(build_plan(), indent=2) + "\n", encoding="utf-8")
    accounts = build_accounts(args.accounts, rng)
    accounts.to_csv(OUT / "accounts.csv", index=False)
    print(f"accounts: {len(accounts)} rows; plan: {len(TERRITORIES)} territories, {len(REPS)} reps")


if __name__ == "__main__":
    main()
