"""Spatial join speed: our join_accounts against a bare geopandas.sjoin on the same points, same run.

    .venv/bin/python bench/join.py [--sizes 10000 100000 1000000] [--repeat 3] [--seed 1]
    .venv/bin/python bench/join.py --near-borders [--sizes 10000 100000] [--km 2]

Points are real US ZIP centroids (data/geocode/zips.csv.gz) with ~1 km of jitter, so nearly all fall inside a
county, as accounts do. Both sides join to the bundled full-detail US counties; ours also handles the few
points that fall outside (snap to the nearest county within 10 km) and checks for swapped coordinates.
Prints accounts/s for each and the ratio (ours / bare: goal ≤ 1.2).

``--near-borders``: accounts on the borders between contiguous US states, jittered by about ``--km``, each with
the state on one side of its border as its ``state`` column, so that about half lie across from the state they
give. Times :func:`geo.join.locate_accounts` (the join, then each such row checked against its state: placed there
within 3 km, else warned) and counts what it did.
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
from geo.join import join_accounts, locate_accounts  # noqa: E402


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


def border_accounts(n: int, km: float, rng: np.random.Generator) -> pd.DataFrame:
    """Accounts on the contiguous states' borders, jittered by about ``km``, each giving one of its two states."""
    import shapely

    states = load_regions("state")
    states = states[~states["region_id"].isin(["US-AK", "US-HI", "US-PR", "US-GU", "US-VI", "US-AS", "US-MP"])]
    borders = shapely.boundary(states.geometry.to_numpy())
    per_state = n // len(borders) + 1
    points, codes = [], []
    for code, border in zip(states["region_id"].str[3:], borders, strict=True):
        along = rng.uniform(0, shapely.length(border), per_state)
        points.append(shapely.get_coordinates(shapely.line_interpolate_point(border, along)))
        codes += [code] * per_state
    xy = np.vstack(points)[:n] + rng.normal(0, km / 111.0, (n, 2))
    return pd.DataFrame({"account_id": np.arange(n), "row": np.arange(n) + 2, "lat": xy[:, 1], "lon": xy[:, 0],
                         "state": codes[:n], "country": "US", "geocode_source": "coordinates",
                         "geocode_region": ""})  # fmt: skip


def near_borders(sizes: list[int], km: float, repeat: int, rng: np.random.Generator) -> None:
    """Time :func:`locate_accounts` on accounts near state borders (see the module's docstring)."""
    locate_accounts(border_accounts(1000, km, rng))  # (warm-up: the layer's index and the region table)
    print(f"{'accounts':>10} {'seconds':>8} {'accounts/s':>11} {'placed by address':>18} {'warned':>7}")
    for n in sizes:
        accounts = border_accounts(n, km, rng)
        ((seconds, result),) = interleaved([lambda a=accounts: locate_accounts(a)], repeat)
        placed = next((int(note.split()[0].replace(",", "")) for note in result.notes
                       if "placed in the state or country" in note), 0)  # fmt: skip
        print(f"{n:>10,} {seconds:>8.2f} {n / seconds:>11,.0f} {placed:>18,} {len(result.problems):>7,}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--near-borders", action="store_true", help="time locate_accounts near state borders")
    parser.add_argument("--km", type=float, default=2.0, help="--near-borders: the points' jitter, km")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.near_borders:
        near_borders(args.sizes, args.km, args.repeat, rng)
        return
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
