"""One rep leaves, on real US counties: what giving regions back to their own territory saves.

    .venv/bin/python bench/give_back.py [--k 10] [--seeds 0 8] [--seconds 2]

For each seed: a plan of ``--k`` territories made from scratch, then its territory T1's rep leaves (T1's counties
given to the neighbouring territory they share most border with, as ``bench/optimize.py`` does) and the plan is
rebalanced. Rebalancing ends by giving back to their own territory the regions that can go there with every
territory still within its tolerance (``territory.search.BalanceSearch.give_back``); this prints, for each of the
searches run side by side, the accounts moved away from their territory and the cut borders just before and just
after that pass, and the regions it gave back; then the rebalanced plan's accounts moved and largest deviations.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.optimize import county_graph, one_rep_leaves  # noqa: E402
from territory.optimizer import Rebalancer  # noqa: E402
from territory.search import BalanceSearch, warm_up  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10, help="territories in the plan a rep leaves")
    parser.add_argument("--seeds", type=int, nargs=2, default=(0, 8), metavar=("FIRST", "END"))
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    graph = county_graph()
    warm_up()
    accounts = graph.metrics["accounts"].to_numpy()
    per_share = accounts.sum() / (args.k - 1)  # (the search counts disruption in shares of the first metric)
    passes = []
    measured = BalanceSearch.give_back

    def give_back(search: BalanceSearch) -> int:
        moved, cut = search.moved(), search.cut()
        regions = measured(search)
        if search.n == len(graph):  # (not warm_up's small grid, run as each solve starts)
            passes.append((moved * per_share, search.moved() * per_share, cut, search.cut(), regions))
        return regions

    BalanceSearch.give_back = give_back
    saved, fewer_cut = [], []
    for seed in range(*args.seeds):
        before = Rebalancer(graph, n_territories=args.k, rng=np.random.default_rng(seed)).solve(
            max_seconds=args.seconds
        )
        start = one_rep_leaves(graph, before.labels_, "T1")
        passes.clear()
        run = Rebalancer(graph, start=start, rng=np.random.default_rng(seed)).solve(max_seconds=args.seconds)
        said = []
        for moved, after, cut, cut_after, regions in passes:
            said.append(
                f"{moved:,.0f} → {after:,.0f} accounts moved, cut {cut:,} → {cut_after:,}, {regions} regions back"
            )
            if moved > 0:
                saved.append(1 - after / moved)
                fewer_cut.append(1 - cut_after / cut)
        labels = run.labels_.reindex(graph.region_ids)
        moved = accounts[(labels != start.reindex(graph.region_ids)).to_numpy()].sum()
        deviation = " / ".join(f"{v:.1%}" for v in run.report_.deviation.values())
        print(
            f"seed {seed}: {'; '.join(said)} | plan: {moved:,.0f} accounts moved from the start, max dev {deviation}",
            flush=True,
        )
    if saved:
        print(f"\n{len(saved)} searches: accounts moved {np.mean(saved):.1%} fewer on average "
              f"({min(saved):.1%}–{max(saved):.1%}), cut borders {np.mean(fewer_cut):.1%} fewer")  # fmt: skip


if __name__ == "__main__":
    main()
