"""Spatial join speed: our join_accounts against a bare geopandas.sjoin on the same points, same run.

    .venv/bin/python bench/join.py [--sizes 10000 100000 1000000] [--repeat 3] [--seed 1]

Points are real US ZIP centroids (data/geocode/zips.csv.gz) with ~1 km of jitter, so nearly all fall inside a
county, as accounts do. Both sides join to the bundled full-detail US counties; ours also handles the few
points that fall outside (snap to the nearest county within 10 km) and checks for swapped coordinates.
Prints accounts/s for each and the ratio (ours / bare: goal ≤ 1.2).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.boundaries import load_regions  # noqa: E402
from geo.geocode import GEOCODE_DIR  # noqa: E402
from geo.join import join_accounts  # noqa: E402


def random_accounts(n: int, rng: np.random.Generator) -> pd.DataFrame:
    zips = pd.read_csv(GEOCODE_DIR / "zips.csv.gz", dtype={"zip": str})
    zips = zips[zips["lon"].between(-125, -66) & zips["lat"].between(24, 50)]
    picks = rng.integers(0, len(zips), n)
    lat = zips["lat"].to_numpy()[picks] + rng.normal(0, 0.01, n)
    lon = zips["lon"].to_numpy()[picks] + rng.normal(0, 0.01, n)
    return pd.DataFrame({"account_id": np.arange(n), "lat": lat, "lon": lon})


def bare_sjoin(accounts: pd.DataFrame, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(accounts["lon"], accounts["lat"]), crs=4326)
    return gpd.sjoin(points, counties[["region_id", "geometry"]], how="left", predicate="intersects")


def interleaved(fns, repeat: int) -> list[tuple[float, object]]:
    """Median seconds of each function, alternating them so machine noise hits both alike."""
    times = [[] for _ in fns]
    results = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    counties = load_regions("county")
    counties = counties[~counties["region_id"].str.startswith(("US-02", "US-15", "US-72", "US-6", "US-78"))]
    # Warm-up: both sides share the counties' spatial index, built here once.
    warm = random_accounts(1000, rng)
    bare_sjoin(warm, counties)
    join_accounts(warm, counties)
    print(f"{'accounts':>10} {'bare sjoin/s':>14} {'ours/s':>12} {'ratio':>6} {'outside':>8} {'snapped':>8}")
    for n in args.sizes:
        accounts = random_accounts(n, rng)
        (bare_t, _), (ours_t, result) = interleaved(
            [lambda a=accounts: bare_sjoin(a, counties), lambda a=accounts: join_accounts(a, counties)],
            max(args.repeat, 300_000 // n),  # more runs where one run is short and noise dominates
        )
        snapped = int(result.accounts["snapped"].sum())
        print(
            f"{n:>10,} {n / bare_t:>14,.0f} {n / ours_t:>12,.0f} {ours_t / bare_t:>6.2f} "
            f"{len(result.outside):>8,} {snapped:>8,}"
        )


if __name__ == "__main__":
    main()
