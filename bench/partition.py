"""Territories drawn on a boundary file's own regions: the links, the search, and how balanced the result is.

    .venv/bin/python bench/partition.py [--ks 4 8 16] [--metrics accounts POP] [--seeds 3] [--seconds 2]

The file is the sample the demo ships (``data/demo/texas_counties.geojson``: Texas's 254 counties with their
population, ``POP``) with the demo accounts joined to it, as ``cli.py partition`` and the Data sources page read
them; then, for the links alone, every US county of the bundled boundaries written as such a file (3,230 regions).
For each K and seed: the largest deviation per metric from the mean share, whether every territory is within the
tolerance as the report judges it (a region bigger than a share is judged against its bound), contiguity, cut
edges and seconds. Goal (issue 7, on the bundled counties): within ±5% on two metrics at once, contiguous, ≤ 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.accounts import read_accounts  # noqa: E402
from geo.boundaries import boundary_links, load_regions, read_boundary_file  # noqa: E402
from geo.join import join_accounts  # noqa: E402
from territory.partition import partition_regions, region_metrics  # noqa: E402

SAMPLE = ROOT / "data" / "demo" / "texas_counties.geojson"
ACCOUNTS = ROOT / "data" / "demo" / "accounts.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--metrics", nargs="+", default=["accounts", "POP"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--tolerance", type=float, default=5.0, help="± per cent (default 5)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load = read_boundary_file(SAMPLE, "GEOID", name_column="NAME")
    accounts = read_accounts(ACCOUNTS.read_bytes(), filename=ACCOUNTS.name).accounts.dropna(subset=["lat", "lon"])
    joined = join_accounts(accounts.reset_index(drop=True), load.regions, check_swapped=False).accounts
    metrics = region_metrics(load.regions["region_id"], joined[joined["region_id"].notna()], load.figures)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    links = boundary_links(load.regions)
    link_seconds = time.perf_counter() - started
    print(f"{SAMPLE.name}: {len(metrics)} regions, {int(metrics['accounts'].sum())} accounts inside; read and joined "
          f"in {read_seconds:.2f} s, linked in {link_seconds:.3f} s")  # fmt: skip
    for k in args.ks:
        rows = []
        for seed in range(args.seeds):
            result = partition_regions(metrics[args.metrics], links, k, tolerance=args.tolerance / 100,
                                       seconds=args.seconds, rng=np.random.default_rng(seed), n_jobs=2)  # fmt: skip
            report = result.report
            rows.append((report, all(report.within_tolerance.values())))
        deviation = {m: statistics.median(r.deviation[m] for r, _ in rows) for m in args.metrics}
        bound = {m: rows[0][0].bound[m] for m in args.metrics}
        print(
            f"k = {k:>3}: within (as judged) {sum(ok for _, ok in rows)} of {len(rows)}; contiguous "
            f"{sum(r.contiguous for r, _ in rows)} of {len(rows)}; largest deviation (median) "
            + ", ".join(
                f"{m} {deviation[m]:.1%}" + (f" (bound {bound[m]:.1%})" if bound[m] > 0 else "") for m in args.metrics
            )  # fmt: skip
            + f"; cut edges {statistics.median(r.cut_edges for r, _ in rows):.0f}; "
            f"seconds {statistics.median(r.seconds for r, _ in rows):.2f}"
        )
    counties = load_regions("county", display=True)[["region_id", "geometry"]]
    started = time.perf_counter()
    every = boundary_links(counties)
    print(f"every US county as a file: {len(every):,} regions linked in {time.perf_counter() - started:.2f} s "
          f"({sum(map(len, every.values())) // 2:,} pairs)")  # fmt: skip


if __name__ == "__main__":
    main()
