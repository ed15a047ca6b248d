"""Rebalancing on real US counties: ours against METIS (pymetis) and GerryChain's recursive_tree_part.

    .venv/bin/python bench/optimize.py [--ks 10 25 50] [--seconds 2] [--seed 0] [--seeds 5] [--leave-k 10]
    # GerryChain is for this benchmark only:  .venv/bin/pip install -r requirements-bench.txt

Regions: the 3,230 US counties, linked by shared borders, islands and Alaska/Hawaii joined to their nearest
county (``geo.editing.region_graph_links``). Metrics: ``accounts`` — the demo accounts per county — and
``population`` — people per county (``data/population/county_population.csv``: SimpleMaps' US ZIP list,
ACS-based, shared among counties by its county weights). Tolerance ±5% on both.

For each k: the largest deviation from the mean share of each metric; the bound set by the largest county
(largest ÷ mean share − 1); ``within``: territories inside the tolerance on every metric, a territory holding a
county bigger than a share being allowed that county's excess (and the others, on average, the shortfall that
excess leaves them), and a territory holding a county hemmed in by heavy counties (``hemmed in``: Brooklyn, which
touches only Manhattan and Queens; ``territory.bounds.hemmed_in``) the least deviation any territory holding it can
have; whether every territory is one piece; cut edges
(borders between territories: fewer is more compact); seconds. METIS balances one metric (accounts); GerryChain
balances one metric (accounts, epsilon = max(5%, bound)); ``ours (accounts)`` is our search given that one metric
too, the same problem cut for cut. Ours is then run with ``--seeds`` seeds, to show the spread (and, over the same
seeds, METIS and ours on accounts alone). Last, one rep leaves (territory T1 of our k=``--leave-k`` plan): the rebalanced plan (start: T1's
counties given to the neighbouring territory they share most border with) against a plan made from scratch with
k − 1, in accounts moved away from their territory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.boundaries import load_regions  # noqa: E402
from geo.editing import region_graph_links  # noqa: E402
from territory.bounds import hemmed_in, least_excess  # noqa: E402
from territory.optimizer import Rebalancer, RegionGraph, components, cut_edges  # noqa: E402
from territory.search import warm_up  # noqa: E402


def county_metrics() -> pd.DataFrame:
    from tests.conftest import demo_state

    counties = load_regions("county")["region_id"].tolist()
    state = demo_state()
    accounts = state.result.groupby(state.result["region_id"].astype(object)).size()
    population = pd.read_csv(ROOT / "data" / "population" / "county_population.csv", dtype={"region_id": str})
    population = population.set_index("region_id")["population"]
    return pd.DataFrame(
        {
            "accounts": accounts.reindex(counties).fillna(0).to_numpy(),
            "population": population.reindex(counties).fillna(0).to_numpy(),
        },
        index=counties,
    )


def county_graph() -> RegionGraph:
    """The US counties with their metrics (:func:`county_metrics`), linked by shared borders."""
    metrics = county_metrics()
    return RegionGraph.from_adjacency(metrics, region_graph_links(metrics.index))


def evaluate(name, graph: RegionGraph, labels: np.ndarray, seconds: float, k: int, tolerance: float = 0.05) -> dict:
    weights = graph.metrics.to_numpy()
    totals = np.zeros((k, weights.shape[1]))
    np.add.at(totals, labels, weights)
    share = weights.sum(axis=0) / k
    deviation = totals / share - 1
    bound = np.maximum(weights.max(axis=0) / share - 1, 0)
    # A territory holding a region bigger than a share is allowed what that region forces, and no more; what such
    # territories hold above their share the others cannot have, so these may be that much short on average
    # besides the tolerance (as the optimizer's report judges: territory.optimizer.Rebalancer._finish).
    biggest = np.zeros_like(totals)
    np.maximum.at(biggest, labels, weights)
    forced = np.maximum(biggest / share - 1, 0)
    allowed = np.maximum(tolerance, forced)
    free = (forced == 0).sum(axis=0)
    short = np.tile(tolerance + np.where(free > 0, forced.sum(axis=0) / np.maximum(free, 1), 0.0), (k, 1))
    # A county hemmed in by heavy counties (Brooklyn between Manhattan and Queens) keeps its territory at least
    # that far off on some metric, whatever the plan: judged on its worst metric against that bound.
    # (as the optimizer's report: for a territory in one piece, where it says more than its own regions force)
    parts = [len(components(np.flatnonzero(labels == t).tolist(), graph.neighbours)) for t in range(k)]
    hemmed, every = [], hemmed_in(weights, graph.neighbours, share, range(len(graph)))
    for t in range(k):
        found = [every[r] for r in np.flatnonzero(labels == t) if r in every]
        if found and parts[t] == 1:
            worst = max(found, key=lambda h: h.bound)
            if worst.bound > max(float(forced[t].max()), tolerance) + 1e-6:
                allowed[t] = np.maximum(allowed[t], worst.bound)
                short[t] = np.maximum(short[t], worst.bound)
                hemmed.append(f"{graph.region_ids[worst.region]} {worst.bound:.1%}")
    within = ((deviation <= allowed + 1e-9) & (deviation >= -short - 1e-9)).all(axis=1)
    cut = cut_edges(labels, graph.neighbours)
    # The goal as the issue writes it: each metric's largest deviation within max(tolerance, bound); how far beyond.
    goal = np.maximum(tolerance, bound)
    beyond = float(np.maximum(np.abs(deviation).max(axis=0) - goal, 0).max())
    row = {"method": name, "k": k}
    for m, metric in enumerate(graph.metrics.columns):
        row[f"{metric} dev"] = f"{np.abs(deviation[:, m]).max():.1%}"
        row[f"{metric} bound"] = f"{bound[m]:.1%}"
    row.update({
        "hemmed in": ", ".join(hemmed) or "—",
        "beyond goal": f"{beyond:.1%}",
        "within": f"{int(within.sum())}/{k}",
        "contiguous": f"{sum(p == 1 for p in parts)}/{k}",
        "cut edges": cut,
        "seconds": round(seconds, 2),
    })  # fmt: skip
    return row


def least_beyond_goal(graph: RegionGraph, k: int, tolerance: float = 0.05) -> tuple[float, str]:
    """How far beyond the goal as written (every metric within max(tolerance, bound)) any plan must be, at least.

    The largest :func:`territory.bounds.least_excess` over the regions holding a fifth of a share of some metric or
    more (a lower bound over those; the lighter ones are not looked at), and that region. It holds for plans whose
    territory holding that region is in one piece (a territory in pieces can do better; ours are in one piece).
    """
    weights = graph.metrics.to_numpy()
    share = weights.sum(axis=0) / k
    goal = np.maximum(tolerance, weights.max(axis=0) / share - 1)
    heavy = np.flatnonzero((weights / share).max(axis=1) >= 0.2)
    found = least_excess(weights, graph.neighbours, share, heavy, over=goal, under=goal)
    if not found:  # (few territories: no county holds a fifth of a share)
        return 0.0, None
    worst = max(found, key=found.get)
    return found[worst], graph.region_ids[worst]


def metis(graph: RegionGraph, k: int, seed: int) -> np.ndarray:
    import pymetis

    # Accounts in thousandths, at least 1: an empty county weighs next to nothing (weighing it as a whole account, as
    # this benchmark first did, gave the 2,600 empty counties two thirds of the weight and left METIS 61% off on the
    # one metric it balances).
    weights = np.maximum((graph.metrics["accounts"].to_numpy() * 1000).round().astype(int), 1)
    options = pymetis.Options(contig=1, seed=seed)
    _, parts = pymetis.part_graph(k, adjacency=[list(n) for n in graph.neighbours], vweights=weights.tolist(),
                                  options=options)  # fmt: skip
    return np.asarray(parts)


def accounts_only(graph: RegionGraph, k: int, seed: int, seconds: float) -> np.ndarray:
    """Our search on accounts alone, the one metric METIS and GerryChain balance here: cut edges like for like."""
    one = RegionGraph(graph.region_ids, graph.metrics[["accounts"]], graph.neighbours)
    run = Rebalancer(one, n_territories=k, rng=np.random.default_rng(seed)).solve(max_seconds=seconds)
    return np.array([run.territory_ids.index(t) for t in run.labels_])


def gerrychain_parts(graph: RegionGraph, k: int, seed: int, epsilon: float) -> np.ndarray | None:
    try:
        import networkx as nx
        from gerrychain import Graph

        try:
            from gerrychain.partition import recursive_tree_part
        except ImportError:
            from gerrychain.tree import recursive_tree_part
    except ImportError:
        return None
    g = nx.Graph()
    for i, others in enumerate(graph.neighbours):
        g.add_node(i, accounts=float(graph.metrics["accounts"].iloc[i]))
        g.add_edges_from((i, j) for j in others if j > i)
    target = graph.metrics["accounts"].sum() / k
    assignment = recursive_tree_part(Graph.from_networkx(g), range(k), target, "accounts", epsilon, rng=seed)
    return np.array([assignment[i] for i in range(len(graph))])


def one_rep_leaves(graph: RegionGraph, before: pd.Series, leaving: str) -> pd.Series:
    """``before`` with ``leaving``'s regions given to the neighbouring territory each shares most border with."""
    start = before.copy()
    position = {r: i for i, r in enumerate(graph.region_ids)}
    for region in before[before == leaving].index:
        counts = pd.Series([before.iloc[j] for j in graph.neighbours[position[region]]]).value_counts()
        counts = counts.drop(leaving, errors="ignore")
        start[region] = counts.index[0] if len(counts) else before[before != leaving].iloc[0]
    return start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5, help="also run ours with this many seeds and summarise")
    parser.add_argument("--leave-k", type=int, default=10, help="the plan one rep leaves (k territories)")
    args = parser.parse_args(argv)
    metrics = county_metrics()
    warm_up()  # compile the search's kernels first (numba caches them), so the first run is timed like the rest
    started = time.perf_counter()
    graph = RegionGraph.from_adjacency(metrics, region_graph_links(metrics.index))
    print(f"graph: {len(graph)} counties, built in {time.perf_counter() - started:.2f} s")
    floor = {}
    for k in args.ks:  # the regions that decide what is possible
        share = metrics.sum() / k
        top = (metrics / share).sort_values("accounts", ascending=False).head(4)
        print(f"k={k}: biggest counties in shares (accounts, population): "
              + ", ".join(f"{r} {a:.2f}/{p:.2f}" for r, (a, p) in top.iterrows()))  # fmt: skip
        goal = np.maximum(0.05, metrics.max() / share - 1)
        floor[k], region = least_beyond_goal(graph, k)
        print("      goal as written: " + ", ".join(f"{m} within ±{g:.1%}" for m, g in goal.items())
              + (f"; no plan meets it: the territory holding {region}, in one piece, is at least "
                 f"{100 * floor[k]:.1f} points beyond" if floor[k] > 1e-9
                 else "; no county holding a fifth of a share rules it out"))  # fmt: skip
    rows, plans, spread, metis_spread = [], {}, [], []
    for k in sorted(set(args.ks) | {args.leave_k}):
        t0 = time.perf_counter()
        ours = Rebalancer(graph, n_territories=k, rng=np.random.default_rng(args.seed)).solve(max_seconds=args.seconds)
        seconds = time.perf_counter() - t0
        labels = np.array([ours.territory_ids.index(t) for t in ours.labels_])
        plans[k] = ours
        if k not in args.ks:
            continue
        rows.append(evaluate("ours", graph, labels, seconds, k))
        t0 = time.perf_counter()
        alone = accounts_only(graph, k, args.seed, args.seconds)
        rows.append(evaluate("ours (accounts)", graph, alone, time.perf_counter() - t0, k))
        t0 = time.perf_counter()
        rows.append(evaluate("pymetis (accounts)", graph, metis(graph, k, args.seed), time.perf_counter() - t0, k))
        bound = max(0.05, float(metrics["accounts"].max() / (metrics["accounts"].sum() / k) - 1) + 0.01)
        t0 = time.perf_counter()
        try:
            parts = gerrychain_parts(graph, k, args.seed, bound)
        except Exception as error:  # it gives up on some k: say so
            rows.append({"method": f"gerrychain: {type(error).__name__}", "k": k})
            parts = None
        if parts is not None:
            rows.append(evaluate("gerrychain rtp (accounts)", graph, parts, time.perf_counter() - t0, k))
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            run = Rebalancer(graph, n_territories=k, rng=np.random.default_rng(seed)).solve(max_seconds=args.seconds)
            seconds = time.perf_counter() - t0
            found = evaluate("ours", graph, np.array([run.territory_ids.index(t) for t in run.labels_]), seconds, k)
            spread.append({"k": k, "seed": seed, **{c: found[c] for c in found if c not in ("method", "k")}})
            # METIS over the same seeds: its cut varies a lot from seed to seed (one seed is a poor yardstick).
            # Beside it, ours on the one metric METIS balances: the same problem, cut for cut.
            by_metis = evaluate("pymetis", graph, metis(graph, k, seed), 0.0, k)
            by_ours = evaluate("ours (accounts)", graph, accounts_only(graph, k, seed, args.seconds), 0.0, k)
            metis_spread.append({"k": k, "cut edges": by_metis["cut edges"], "ours one": by_ours["cut edges"],
                                 "ours one dev": by_ours["accounts dev"]})  # fmt: skip
    print(pd.DataFrame(rows).to_string(index=False))
    if spread:
        print(f"\nours with seeds 0..{args.seeds - 1}:")
        table = pd.DataFrame(spread)
        print(table.to_string(index=False))
        devs = [c for c in table.columns if c.endswith(" dev")]
        worst = table[devs].apply(lambda col: col.str.rstrip("%").astype(float)).max(axis=1)
        by_k = pd.DataFrame(metis_spread).groupby("k")
        for k, group in table.assign(worst=worst).groupby("k"):
            inside = group[group["worst"] <= 5.0]["cut edges"]
            cuts = by_k.get_group(k)["cut edges"]
            judged = group["within"].str.split("/").map(lambda p: int(p[0]))
            print(f"k={k}: {len(inside)} of {len(group)} runs within ±5% on every metric, "
                  f"{int((judged == k).sum())} with every territory within against the bounds "
                  f"({judged.mean():.1f} territories of {k} on average); cut edges "
                  f"{group['cut edges'].min()}–{group['cut edges'].max()}"
                  + (f" (median of the runs within: {int(inside.median())})" if len(inside) else "")
                  + f"; pymetis (accounts only) over the same seeds: {cuts.min()}–{cuts.max()}, median "
                    f"{int(cuts.median())}")  # fmt: skip
            one = by_k.get_group(k)
            beyond = group["beyond goal"].str.rstrip("%").astype(float)
            print(
                f"      beyond the goal as written: ours {beyond.min():.1f}–{beyond.max():.1f} points (median "
                f"{beyond.median():.1f})"
                + (f"; no plan with territories in one piece less than {100 * floor[k]:.1f}"
                   if floor.get(k, 0.0) > 1e-9 else "")
            )  # fmt: skip
            print(f"      ours on accounts alone (METIS's problem), same seeds: cut edges {one['ours one'].min()}–"
                  f"{one['ours one'].max()}, median {int(one['ours one'].median())}; largest accounts deviation "
                  f"{max(one['ours one dev'], key=lambda v: float(v.rstrip('%')))}")  # fmt: skip

    # One rep leaves: T1 of our k=leave_k plan goes to its neighbours.
    k = args.leave_k
    before = plans[k].labels_
    leaving = "T1"
    start = one_rep_leaves(graph, before, leaving)
    t0 = time.perf_counter()
    rebalanced = Rebalancer(graph, start=start, rng=np.random.default_rng(args.seed)).solve(max_seconds=args.seconds)
    t_rebalance = time.perf_counter() - t0
    scratch = Rebalancer(graph, n_territories=k - 1, rng=np.random.default_rng(args.seed)).solve(
        max_seconds=args.seconds
    )
    accounts = metrics["accounts"]

    def moved(labels: pd.Series) -> float:
        # Accounts whose territory changed, matching each new territory to the old one it overlaps most.
        overlap = pd.crosstab(labels, before, values=accounts, aggfunc="sum").fillna(0)
        match = overlap.idxmax(axis=1)
        return float(accounts[labels.map(match) != before].sum())

    print(
        f"\nrep leaves ({leaving} of the k={k} plan, {int(accounts[before == leaving].sum())} accounts): "
        f"rebalanced moves {moved(rebalanced.labels_):,.0f} accounts "
        f"(max dev {' / '.join(f'{v:.1%}' for v in rebalanced.report_.deviation.values())}, {t_rebalance:.2f} s); "
        f"a plan from scratch with k={k - 1} moves {moved(scratch.labels_):,.0f} "
        f"(max dev {' / '.join(f'{v:.1%}' for v in scratch.report_.deviation.values())})"
    )


if __name__ == "__main__":
    main()
