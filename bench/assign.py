"""Join + assignment + balance at scale, and the cost of one edit with everything loaded.

    .venv/bin/python bench/assign.py [--sizes 10000 100000 1000000] [--edits 20] [--seed 3]

Accounts are real US ZIP centroids with ~1 km jitter, random industry, tier, value, status and (for a third of
the customers) a current owner. The plan groups the 50 states + DC into 24 territories with 4 reps each; the
reps' capacity is sized so that about 90% of the accounts fit. Prints seconds per stage, the whole pipeline
against a bare ``geopandas.sjoin`` of the same points in the same run (goal ≤ 1.5×), and the median time of
one edit — a county, then a whole state, moved to another territory — until the new balance is known
(goal ≤ 20 ms at 1M accounts).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.join import bare_sjoin, random_accounts  # noqa: E402
from geo.boundaries import load_regions, region_table, shared_join_layer  # noqa: E402
from geo.join import join_accounts  # noqa: E402
from territory import plan_from_dict  # noqa: E402
from territory.assignment import ancestor_map, assign_accounts  # noqa: E402
from territory.balance import compute_balance  # noqa: E402
from territory.edits import start  # noqa: E402

INDUSTRIES = ["fintech", "healthcare", "saas", "ecommerce", "manufacturing", "logistics"]


def bench_plan(n_accounts: int) -> tuple:
    states = sorted(s for s in load_regions("state")["region_id"] if s[3:] not in {"PR", "VI", "GU", "AS", "MP"})
    territories, reps = [], []
    capacity = max(1, int(n_accounts * 0.9 / (24 * 4)))
    for i in range(24):
        members = states[i::24]
        territories.append(
            {
                "territory_id": f"T{i:02d}",
                "name": f"Territory {i}",
                "region_ids": members,
                "annual_quota": 1_000_000 * len(members),
            }
        )
        for j in range(4):
            reps.append(
                {
                    "rep_id": f"R{i:02d}{j}",
                    "territory_ids": [f"T{i:02d}"],
                    "capacity": capacity,
                    "quota_attainment": round(0.7 + 0.1 * j, 2),
                    "specialties": [INDUSTRIES[(i + j) % 6]],
                }
            )
    return plan_from_dict({"name": "bench", "territories": territories, "reps": reps}), states


def with_attributes(points: pd.DataFrame, rng: np.random.Generator, rep_ids: list[str]) -> pd.DataFrame:
    n = len(points)
    status = rng.choice(["customer", "prospect"], n, p=[0.3, 0.7])
    owner = np.where((status == "customer") & (rng.random(n) < 0.33), rng.choice(rep_ids, n), None)
    return points.assign(
        account_id=[f"A{i}" for i in range(n)],
        industry=rng.choice(INDUSTRIES, n),
        tier=rng.choice(["enterprise", "mid-market", "smb"], n, p=[0.15, 0.35, 0.5]),
        value=np.round(rng.lognormal(10, 1, n), -2),
        status=status,
        owner=owner,
    )


def timed(fn):
    start_time = time.perf_counter()
    out = fn()
    return time.perf_counter() - start_time, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    regions = region_table()
    ancestors = ancestor_map(regions)  # a property of the boundaries, built once (the app caches it)
    layer = shared_join_layer()
    join_accounts(random_accounts(1000, rng))  # build the spatial index once
    bare_sjoin(random_accounts(1000, rng), layer)
    print(
        f"{'accounts':>10} {'join s':>7} {'assign s':>8} {'balance s':>9} {'total s':>8} {'sjoin s':>8} "
        f"{'ratio':>6} {'assigned':>9} {'edit county ms':>15} {'edit state ms':>14}"
    )
    for n in args.sizes:
        plan, states = bench_plan(n)
        accounts = with_attributes(random_accounts(n, rng), rng, [r.rep_id for r in plan.reps])
        t_sjoin, _ = timed(lambda a=accounts: bare_sjoin(a, layer))
        t_join, joined = timed(lambda a=accounts: join_accounts(a))
        t_assign, result = timed(lambda j=joined, p=plan: assign_accounts(p, j.accounts, regions, ancestors=ancestors))
        t_balance, _ = timed(lambda r=result, p=plan: compute_balance(p, r.accounts))
        total = t_join + t_assign + t_balance
        assigned = (result.accounts["status"] == "assigned").mean()

        state = start(plan, joined.accounts, regions)
        counties = joined.accounts["region_id"].astype(object).value_counts()
        county = counties.index[len(counties) // 2]  # a typical county
        edit_times = {"county": [], "state": []}
        for i in range(args.edits):
            target = plan.territories[i % len(plan.territories)].territory_id
            for kind, region in (("county", county), ("state", states[i % len(states)])):
                t0 = time.perf_counter()
                moved = state.move_regions([region], target)
                moved.balance  # noqa: B018 - the figure we time
                edit_times[kind].append((time.perf_counter() - t0) * 1000)
        print(
            f"{n:>10,} {t_join:>7.2f} {t_assign:>8.2f} {t_balance:>9.2f} {total:>8.2f} {t_sjoin:>8.2f} "
            f"{total / t_sjoin:>6.2f} {assigned:>9.1%} {statistics.median(edit_times['county']):>15.1f} "
            f"{statistics.median(edit_times['state']):>14.1f}"
        )


if __name__ == "__main__":
    main()
