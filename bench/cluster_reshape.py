"""The territories around the New York hubs reshaped together by an integer program: how far the search is from it.

    .venv/bin/python bench/cluster_reshape.py [--k 25] [--seed 0] [--ring 0] [--limit 120]

An experiment for issue 7, not part of the product. The search's plan (``Rebalancer``, 2 s) is made first; then the
territories holding Manhattan, Brooklyn, Queens and the Bronx (and, with ``--ring N``, the territories touching them,
N times) have their counties dealt out again among themselves by scipy's HiGHS: each county to one of them, each
territory kept in one piece by a flow from a root county that stays (its hub, or its county with most neighbours
inside it), minimising how far beyond the goal as written (each metric within max(5%, its bound): the bench's
``beyond goal``) the worst of them ends. The counties outside stay as they are. Prints the plan's figures before and
after (as ``bench/optimize.py`` judges them), the program's size and seconds, and its optimum.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from optimize import county_graph, evaluate  # noqa: E402

from territory.optimizer import Rebalancer, RegionGraph  # noqa: E402
from territory.search import warm_up  # noqa: E402

HUBS = ("US-36061", "US-36047", "US-36081", "US-36005")  # Manhattan, Brooklyn, Queens, the Bronx
SHOWN = ("accounts dev", "population dev", "beyond goal", "within", "contiguous", "cut edges")


def reshape(graph: RegionGraph, labels: np.ndarray, k: int, territories: list[int], limit: float):
    """Deal the counties of ``territories`` out again among them (see the module's docstring): (labels, result)."""
    weights, neighbours = graph.metrics.to_numpy(), graph.neighbours
    share = weights / (weights.sum(axis=0) / k)
    goal = np.maximum(0.05, share.max(axis=0) - 1)
    hubs = [graph.region_ids.index(h) for h in HUBS]
    regions = np.flatnonzero(np.isin(labels, territories))
    at = {int(r): i for i, r in enumerate(regions)}
    m, kt, metrics = len(regions), len(territories), weights.shape[1]
    roots = []
    for t in territories:
        held = [h for h in hubs if labels[h] == t]
        members = np.flatnonzero(labels == t)
        roots.append(held[0] if held else max(members, key=lambda r: sum(labels[j] == t for j in neighbours[r])))
    arcs = [(at[i], at[j]) for i in regions for j in neighbours[i] if j in at]
    n_arcs = len(arcs)
    x = lambda v, t: v * kt + t  # noqa: E731  (county v in territory t)
    f = lambda a, t: m * kt + a * kt + t  # noqa: E731  (territory t's flow along arc a)
    e = m * kt + n_arcs * kt
    matrix = lil_matrix((m + 2 * metrics * kt + m * kt + 2 * n_arcs * kt, e + 1))
    low, high = [], []
    row = 0

    def bounded(lo: float, hi: float) -> None:
        nonlocal row
        low.append(lo)
        high.append(hi)
        row += 1

    for v in range(m):  # each county in one territory
        for t in range(kt):
            matrix[row, x(v, t)] = 1
        bounded(1, 1)
    for t in range(kt):  # within the goal + e, over and under
        for metric in range(metrics):
            for sign in (1, -1):
                for v in range(m):
                    matrix[row, x(v, t)] = share[regions[v], metric]
                matrix[row, e] = -sign
                bounded(-np.inf, 1 + goal[metric]) if sign == 1 else bounded(1 - goal[metric], np.inf)
    inflow = [[] for _ in range(m)]
    outflow = [[] for _ in range(m)]
    for a, (i, j) in enumerate(arcs):
        inflow[j].append(a)
        outflow[i].append(a)
    for t in range(kt):  # one piece: each county but the root takes one unit of its territory's flow
        root = at[int(roots[t])]
        for v in range(m):
            if v == root:
                continue
            for a in inflow[v]:
                matrix[row, f(a, t)] += 1
            for a in outflow[v]:
                matrix[row, f(a, t)] -= 1
            matrix[row, x(v, t)] = -1
            bounded(0, 0)
    for t in range(kt):  # flow only between counties of the territory
        for a, (i, j) in enumerate(arcs):
            matrix[row, f(a, t)], matrix[row, x(j, t)] = 1, -m
            bounded(-np.inf, 0)
            matrix[row, f(a, t)], matrix[row, x(i, t)] = 1, -m
            bounded(-np.inf, 0)
    matrix = matrix[:row]
    lower, upper = np.zeros(e + 1), np.ones(e + 1)
    upper[m * kt : e], upper[e] = m, 10.0
    for t in range(kt):
        lower[x(at[int(roots[t])], t)] = 1
    integral = np.zeros(e + 1)
    integral[: m * kt] = 1
    cost = np.zeros(e + 1)
    cost[e] = 1
    result = milp(cost, constraints=LinearConstraint(matrix.tocsr(), low, high), bounds=Bounds(lower, upper),
                  integrality=integral, options={"time_limit": limit})  # fmt: skip
    after = labels.copy()
    if result.x is not None:
        after[regions] = np.array(territories)[result.x[: m * kt].reshape(m, kt).argmax(axis=1)]
    return after, result, m


def main(argv=None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, kind, default, said in [
        ("--k", int, 25, "territories"),
        ("--seed", int, 0, "the search's generator"),
        ("--ring", int, 0, "also the territories touching them, this many times"),
        ("--limit", float, 120.0, "seconds for the integer program"),
    ]:
        options.add_argument(flag, type=kind, default=default, help=said)
    args = options.parse_args(argv)
    graph = county_graph()
    warm_up()
    run = Rebalancer(graph, n_territories=args.k, rng=np.random.default_rng(args.seed)).solve(max_seconds=2)
    labels = np.array([run.territory_ids.index(t) for t in run.labels_])
    before = evaluate("ours", graph, labels, 0.0, args.k)
    hubs = [graph.region_ids.index(h) for h in HUBS]
    territories = sorted({int(labels[h]) for h in hubs})
    for _ in range(args.ring):
        territories = sorted(set(territories) | {int(labels[j]) for t in territories for r in np.flatnonzero(labels == t)
                                                 for j in graph.neighbours[r]})  # fmt: skip
    started = time.perf_counter()
    after, result, counties = reshape(graph, labels, args.k, territories, args.limit)
    seconds = time.perf_counter() - started
    print(f"k={args.k}, seed {args.seed}: the search's plan: " + ", ".join(f"{c} {before[c]}" for c in SHOWN))
    print(f"reshaped together: {len(territories)} territories, {counties} counties; HiGHS {seconds:.1f} s, "
          f"{result.message}; worst beyond the goal among them {result.fun:.1%}"
          if result.x is not None else f"no plan found in {seconds:.1f} s: {result.message}")  # fmt: skip
    if result.x is not None:
        found = evaluate("ours", graph, after, 0.0, args.k)
        print("the plan after: " + ", ".join(f"{c} {found[c]}" for c in SHOWN))


if __name__ == "__main__":
    main()
