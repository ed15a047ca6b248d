"""Hemmed-in bounds: never above what the best contiguous territory holding the region achieves."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.bounds import hemmed_in, least_excess
from territory.optimizer import Rebalancer, RegionGraph, components


def connected_sets(n: int, neighbours, region: int):
    """Every connected set of regions holding ``region`` (brute force, small maps only)."""
    others = [r for r in range(n) if r != region]
    for size in range(len(others) + 1):
        for extra in itertools.combinations(others, size):
            members = [region, *extra]
            if len(components(members, neighbours)) == 1:
                yield members


def best_possible(weights: np.ndarray, neighbours, target: np.ndarray, region: int, unit=None) -> float:
    """The least worst-metric deviation over every connected set holding ``region`` (brute force), in ``unit``s."""
    unit = np.ones(weights.shape[1]) if unit is None else unit
    return min(float((np.abs(weights[members].sum(axis=0) / target - 1) / unit).max())
               for members in connected_sets(len(weights), neighbours, region))  # fmt: skip


@st.composite
def small_maps(draw):
    n = draw(st.integers(3, 9))
    # a random spanning tree keeps the map connected; a few more borders on top
    edges = {(draw(st.integers(0, i - 1)), i) for i in range(1, n)}
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            edges.add((min(a, b), max(a, b)))
    neighbours = [sorted({b for a, b in edges if a == i} | {a for a, b in edges if b == i}) for i in range(n)]
    weights = np.array(draw(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=n, max_size=n)),
                       dtype=float)  # fmt: skip
    k = draw(st.integers(2, 4))
    target = np.maximum(weights.sum(axis=0) / k, 1.0)
    return weights, neighbours, target


@settings(max_examples=150, deadline=None, derandomize=True)
@given(small_maps(), st.data())
def test_the_bound_is_never_above_the_best_territory(case, data):
    weights, neighbours, target = case
    region = data.draw(st.integers(0, len(weights) - 1))
    # in shares, or in units of a tolerance per metric
    unit = data.draw(st.sampled_from([None, np.array([1.0, 1.0]), np.array([1.0, 3.0]), np.array([4.0, 1.0])]))
    found = hemmed_in(weights, neighbours, target, [region], tolerance=unit, heavy=0.1, hops=2, most=5)
    bound = found[region].bound if region in found else 0.0
    assert bound <= best_possible(weights, neighbours, target, region, unit) + 1e-9


def test_brooklyn_between_manhattan_and_queens():
    # Brooklyn touches Manhattan and Queens only; Queens also the Bronx and Nassau; Nassau, Suffolk; the Bronx and
    # Manhattan the mainland (a chain of light regions with people). Shares at k = 25 (accounts, people).
    ids = ["brooklyn", "manhattan", "queens", "bronx", "nassau", "suffolk"] + [f"m{i}" for i in range(8)]
    shares = np.array([[0.57, 0.20], [1.28, 0.12], [0.52, 0.18], [0.22, 0.11], [0.09, 0.10], [0.09, 0.11]]
                      + [[0.02, 0.19]] * 8)  # fmt: skip
    links = {"brooklyn": ["manhattan", "queens"], "manhattan": ["brooklyn", "queens", "bronx", "m0"],
             "queens": ["brooklyn", "manhattan", "bronx", "nassau"], "bronx": ["manhattan", "queens", "m0"],
             "nassau": ["queens", "suffolk"], "suffolk": ["nassau"], "m0": ["manhattan", "bronx", "m1"]}  # fmt: skip
    links.update({f"m{i}": [f"m{i - 1}", f"m{i + 1}"] for i in range(1, 7)} | {"m7": ["m6"]})
    neighbours = [[ids.index(j) for j in links[i]] for i in ids]
    found = hemmed_in(shares, neighbours, np.ones(2), [0])
    # alone −80% people; with Manhattan +85%; with Queens on Long Island −41% people; through the Bronx +31%
    assert round(found[0].bound, 2) == 0.31
    assert [ids[r] for r in found[0].around] == ["manhattan", "queens", "bronx"]
    # Manhattan is over by its own accounts (1.28) whatever it holds, and more: the people it lacks (0.88 of a
    # share) lie along the mainland, 0.19 a region for 0.02 accounts each, so at d over it reaches (d - 0.28) / 0.02
    # regions and needs 0.12 + 0.19 n >= 1 - d: d = 0.34 (three regions)
    assert round(hemmed_in(shares, neighbours, np.ones(2), [1])[1].bound, 2) == 0.34
    # a light region, or one with the share it needs within reach, is not hemmed in
    assert hemmed_in(shares, neighbours, np.ones(2), [ids.index("nassau"), ids.index("m3")]) == {}


def test_a_territory_holding_a_hemmed_in_region_is_judged_against_its_bound():
    # A path: people at the ends, three regions of two thirds of a share of accounts each in the middle. Any two
    # contiguous territories are a third over and a third short on accounts.
    metrics = pd.DataFrame([[0, 3], [6, 1], [6, 1], [6, 1], [0, 3]], columns=["accounts", "people"],
                           index=[f"r{i}" for i in range(5)], dtype=float)  # fmt: skip
    links = {f"r{i}": [f"r{j}" for j in (i - 1, i + 1) if 0 <= j < 5] for i in range(5)}
    graph = RegionGraph.from_adjacency(metrics, links)
    solver = Rebalancer(graph, n_territories=2, rng=np.random.default_rng(0), n_jobs=1).solve(max_seconds=5)
    report = solver.report_
    assert report.contiguous
    assert (report.territories["accounts_deviation"].abs() > 0.3).all()
    assert report.territories["within"].all()  # the best any plan can do
    assert report.within_tolerance == {"accounts": True, "people": True}
    assert set(report.hemmed) == set(solver.labels_)
    for hemmed in report.hemmed.values():
        assert round(hemmed["bound"], 3) == 0.333
    # with room to balance (lighter middle regions), nothing is hemmed in and within means within the tolerance
    lighter = pd.DataFrame([[3, 3], [2, 1], [1, 1], [1, 1], [2, 1], [3, 3]], columns=["accounts", "people"],
                           index=[f"r{i}" for i in range(6)], dtype=float)  # fmt: skip
    links = {f"r{i}": [f"r{j}" for j in (i - 1, i + 1) if 0 <= j < 6] for i in range(6)}
    solver = Rebalancer(RegionGraph.from_adjacency(lighter, links), n_territories=2, rng=np.random.default_rng(0),
                        n_jobs=1).solve(max_seconds=5)  # fmt: skip
    assert solver.report_.hemmed == {}
    assert (solver.report_.territories[["accounts_deviation", "people_deviation"]].abs() < 1e-9).all().all()


def judged(metrics: pd.DataFrame, links: dict, start: dict, **options):
    """The report on ``start`` as it is, judged as a search's result would be."""
    graph = RegionGraph.from_adjacency(metrics, links)
    solver = Rebalancer(graph, start=start, rng=np.random.default_rng(0), n_jobs=1, **options)
    labels = solver.start_labels
    k = len(solver.territory_ids)
    share = solver.weights.sum(axis=0) / k
    solver._cut_short = False
    solver._finish(labels, labels, 0.0, 0, np.ones(k, dtype=np.int64), share, np.ones(k, dtype=bool))
    return solver.report_


def test_a_territory_in_pieces_gets_no_bound_of_its_own_but_shares_what_a_hemmed_in_one_leaves():
    # An island with no neighbour: alone it would be half short of accounts and 83% of people, but the territory
    # holding it also holds mainland regions, in two pieces: no bound for one piece applies to it. T2, in one piece,
    # is hemmed in at +1/6 on people, and of two territories what one holds over its share the other lacks: T1 is
    # judged against that (its group's mean), not against a bound of its own.
    ids = ["island", "a", "b", "c", "d"]
    metrics = pd.DataFrame([[3, 1], [1, 2], [2, 2], [3, 4], [3, 3]], index=ids, columns=["accounts", "people"],
                           dtype=float)  # fmt: skip
    links = {"island": [], "a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    report = judged(metrics, links, {"island": "T1", "a": "T1", "b": "T1", "c": "T2", "d": "T2"})
    rows = report.territories.set_index("territory_id")
    assert rows.loc["T1", "parts"] == 2 and rows.loc["T1", "people_deviation"] == pytest.approx(-1 / 6)
    assert "T1" not in report.hemmed and report.hemmed["T2"]["by_metric"]["people"] == pytest.approx(1 / 6)
    assert report.centres == {"T1": {"people": pytest.approx(-1 / 6)}}
    assert rows.loc["T1", "within"] and rows.loc["T1", "within_by"] == "group mean"
    assert rows.loc["T2", "within_by"] == "regions"


def test_a_region_bigger_than_a_share_excuses_only_its_own_metric():
    # r0 holds 1.6 shares of accounts; regions with people and no accounts lie all around it. Its territory is
    # excused on accounts (its own excess), not on people: 25% short of people is a miss.
    metrics = pd.DataFrame({"accounts": [8.0] + [0.0] * 14 + [2.0], "people": [1.0] * 16},
                           index=[f"r{i}" for i in range(16)])  # fmt: skip
    links = {f"r{i}": [f"r{j}" for j in (i - 4, i + 4) if 0 <= j < 16] + ([f"r{i - 1}"] if i % 4 else [])
             + ([f"r{i + 1}"] if i % 4 < 3 else []) for i in range(16)}  # fmt: skip
    start = {f"r{i}": "T1" if i in (0, 1, 2, 4, 5, 8) else "T2" for i in range(16)}
    report = judged(metrics, links, start)
    rows = report.territories.set_index("territory_id")
    assert rows.loc["T1", "people_deviation"] == pytest.approx(-0.25)
    assert rows.loc["T1", "accounts_deviation"] == pytest.approx(0.6)
    assert report.hemmed == {} and not rows.loc["T1", "within"]


def least_beyond(weights, neighbours, target, region, over, under, unit) -> float:
    """The least excess beyond the limits over every connected set holding ``region`` (brute force), in ``unit``s."""
    best = np.inf
    for members in connected_sets(len(weights), neighbours, region):
        deviation = weights[members].sum(axis=0) / target - 1
        best = min(best, float((np.maximum(np.maximum(deviation - over, -under - deviation), 0) / unit).max()))
    return best


@settings(max_examples=200, deadline=None, derandomize=True)
@given(small_maps(), st.data())
def test_the_least_excess_is_never_above_the_best_territory(case, data):
    weights, neighbours, target = case
    region = data.draw(st.integers(0, len(weights) - 1))
    limits = st.tuples(st.sampled_from([0.0, 0.05, 0.2, 0.5]), st.sampled_from([0.0, 0.05, 0.2, 0.5]))
    over, under = np.array(data.draw(limits)), np.array(data.draw(limits))
    unit = data.draw(st.sampled_from([None, np.array([1.0, 3.0]), np.array([4.0, 1.0])]))
    found = least_excess(weights, neighbours, target, [region], over=over, under=under, tolerance=unit)[region]
    exact = least_beyond(weights, neighbours, target, region, over, under, np.ones(2) if unit is None else unit)
    assert 0 <= found <= exact + 1e-9


def test_the_least_excess_of_manhattan_on_a_mainland_chain():
    # Manhattan (1.28 shares of accounts, 0.12 of people) on the mainland chain of the Brooklyn test, within +28%
    # on accounts and ±5% on people: n regions of the chain (0.02 accounts, 0.19 people each) put it 0.02 n beyond
    # on accounts and 0.83 - 0.19 n beyond on people: at best n = 4, 8 points beyond on both. The relaxation finds
    # the same: within 0.08 beyond, a path costs at most 0.08 of accounts, so it reaches 4 regions, no more.
    shares = np.array([[1.28, 0.12]] + [[0.02, 0.19]] * 8)
    chain = [[1]] + [[i - 1, i + 1] for i in range(1, 8)] + [[7]]
    found = least_excess(shares, chain, np.ones(2), [0], over=np.array([0.28, 0.05]), under=np.array([0.28, 0.05]))[0]
    exact = least_beyond(shares, chain, np.ones(2), 0, np.array([0.28, 0.05]), np.array([0.28, 0.05]), np.ones(2))
    assert exact == pytest.approx(0.08) and found == pytest.approx(0.08, abs=1e-6)
    # a region within its limits alone, or with what its neighbours bring, is 0 beyond
    assert least_excess(shares, chain, np.ones(2), [4], over=np.array([9.0, 0.05]), under=np.array([9.0, 0.05]))[4] == 0


def test_the_least_excess_says_what_it_cannot_read():
    path = [[1], [0]]
    limits = {"over": np.array([0.05, 0.05]), "under": np.array([0.05, 0.05])}
    for weights in (np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[1.0, np.nan], [1.0, 1.0]])):
        with pytest.raises(ValueError, match="numbers of 0 or more"):
            least_excess(weights, path, np.array([1.0, 1.0]), [0], **limits)
    with pytest.raises(ValueError, match="must be a positive number"):
        least_excess(np.ones((2, 2)), path, np.array([1.0, 1.0]), [0], tolerance=np.array([0.0, 1.0]), **limits)
    assert least_excess(np.ones((2, 2)), path, np.zeros(2), [0, 1], **limits) == {0: 0.0, 1: 0.0}
