"""A session's memory over many map edits: the edit history with every step's table read, as the pages read them.

    .venv/bin/python bench/session_memory.py [--accounts 150000] [--edits 300] [--every 50] [--seed 0]

The app's part of a long editing session: ``--accounts`` accounts (US ZIP centroids, 24 territories of states; as
``bench/assign.py``), then ``--edits`` single-county moves pushed onto an :class:`~territory.history.EditHistory`
(the pages' limit, 100 steps), the full assignment table read after each one (the pages read it to draw), and the
process's resident memory printed every ``--every`` edits. Goal: memory bounded by the history's limit, not by the
number of edits (a review at 150,000 accounts: +37 MB an edit, for good).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assign import bench_plan, with_attributes  # noqa: E402
from bench.join import random_accounts  # noqa: E402
from geo.boundaries import region_table  # noqa: E402
from geo.join import join_accounts  # noqa: E402
from territory.edits import start  # noqa: E402
from territory.history import EditHistory  # noqa: E402


def resident_mb() -> int:
    """The process's resident memory in MB (Linux)."""
    pages = int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 2**20


def session(n: int, edits: int, every: int, seed: int) -> list[tuple[int, int, int, float]]:
    """(edits made, resident MB, steps kept, seconds an edit) every ``every`` edits."""
    rng = np.random.default_rng(seed)
    plan, _ = bench_plan(n)
    accounts = with_attributes(random_accounts(n, rng), rng, [r.rep_id for r in plan.reps])
    joined = join_accounts(accounts).accounts
    state = start(plan, joined, region_table())
    state.result  # noqa: B018 (read, as the pages do)
    history = EditHistory.begin(state)
    counties = joined["region_id"].dropna().astype(str)
    counties = counties[counties.str.len() == 8].value_counts().index[: max(edits, 1)].tolist()
    territories = [t.territory_id for t in plan.territories]
    rows, began = [(0, resident_mb(), 1, 0.0)], time.perf_counter()
    for i in range(edits):
        county = counties[i % len(counties)]
        history = history.push(history.current.move_regions([county], territories[(i * 7 + 3) % len(territories)]))
        history.current.result  # noqa: B018
        if (i + 1) % every == 0:
            gc.collect()
            rows.append((i + 1, resident_mb(), len(history.entries), (time.perf_counter() - began) / (i + 1)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=150_000)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"{args.accounts:,} accounts, {args.edits} single-county edits, the history's limit 100 steps")
    print(f"{'edits':>6} {'resident MB':>12} {'steps kept':>11} {'s / edit':>9}")
    for made, mb, kept, seconds in session(args.accounts, args.edits, args.every, args.seed):
        print(f"{made:>6} {mb:>12,} {kept:>11} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
