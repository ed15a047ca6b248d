"""The rebalancer on small grids: contiguous, balanced where a balance exists, locks honoured, repeatable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.optimizer import Rebalancer, RegionGraph, _alone_bounds, _coarse_bound, components


def grid(width: int, height: int, weights: np.ndarray) -> RegionGraph:
    ids = [f"r{y}_{x}" for y in range(height) for x in range(width)]
    links = {}
    for y in range(height):
        for x in range(width):
            links[f"r{y}_{x}"] = [f"r{y + dy}_{x + dx}" for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
                                  if 0 <= x + dx < width and 0 <= y + dy < height]  # fmt: skip
    metrics = pd.DataFrame(weights, index=ids, columns=["workload", "population"][: weights.shape[1]])
    return RegionGraph.from_adjacency(metrics, links)


def assert_contiguous(graph: RegionGraph, labels: pd.Series) -> None:
    position = {r: i for i, r in enumerate(graph.region_ids)}
    for territory, regions in labels.groupby(labels).groups.items():
        parts = components({position[r] for r in regions}, graph.neighbours)
        assert len(parts) == 1, (territory, len(parts))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(3, 7),
    height=st.integers(3, 7),
    k=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_from_scratch_is_contiguous_complete_and_repeatable(width, height, k, seed, data):
    n = width * height
    weights = np.array(data.draw(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=n, max_size=n)),
                       dtype=float)  # fmt: skip
    graph = grid(width, height, weights)
    first = Rebalancer(graph, n_territories=k, rng=np.random.default_rng(seed)).solve(max_seconds=10.0)
    assert set(first.labels_.index) == set(graph.region_ids)
    assert first.labels_.nunique() == k
    assert_contiguous(graph, first.labels_)
    assert first.report_.contiguous
    again = Rebalancer(graph, n_territories=k, rng=np.random.default_rng(seed)).solve(max_seconds=10.0)
    assert not first.report_.cut_short and not again.report_.cut_short  # small grids end by themselves
    pd.testing.assert_series_equal(first.labels_, again.labels_)


def test_a_run_the_clock_ends_says_so():
    graph = grid(30, 30, np.random.default_rng(0).integers(1, 9, (900, 2)).astype(float))
    solver = Rebalancer(graph, n_territories=6, rng=np.random.default_rng(0)).solve(max_seconds=0.05)
    assert solver.report_.cut_short


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_uniform_grid_is_balanced_within_tolerance(k):
    graph = grid(12, 12, np.ones((144, 2)))
    solver = Rebalancer(graph, n_territories=k, tolerance=0.05, rng=np.random.default_rng(7)).solve(max_seconds=2)
    report = solver.report_
    assert report.contiguous and all(report.within_tolerance.values()), report.deviation
    assert max(report.deviation.values()) <= 0.05 + 1e-9


def test_two_metrics_at_once():
    rng = np.random.default_rng(3)
    weights = np.column_stack([rng.integers(1, 10, 400), rng.integers(1, 10, 400)]).astype(float)
    graph = grid(20, 20, weights)
    solver = Rebalancer(graph, n_territories=5, tolerance=0.05, rng=np.random.default_rng(1)).solve(max_seconds=3)
    assert solver.report_.contiguous
    assert solver.report_.deviation["workload"] <= 0.05 + 1e-9
    assert solver.report_.deviation["population"] <= 0.05 + 1e-9


def striped(width, height, k):
    return {f"r{y}_{x}": f"T{min(x * k // width, k - 1)}" for y in range(height) for x in range(width)}


def test_locked_regions_and_territories_stay_put():
    weights = np.ones((100, 2))
    weights[:10, :] = 4.0  # the first row is heavy: the stripes are unbalanced
    graph = grid(10, 10, weights)
    start = striped(10, 10, 4)
    locked_regions = ["r0_0", "r0_9", "r5_5"]
    solver = Rebalancer(graph, start=start, locked_regions=locked_regions, locked_territories=["T3"],
                        rng=np.random.default_rng(0)).solve(max_seconds=2)  # fmt: skip
    labels = solver.labels_
    for region in locked_regions:
        assert labels[region] == start[region]
    assert set(labels[labels == "T3"].index) == {r for r, t in start.items() if t == "T3"}
    assert_contiguous(graph, labels)
    assert solver.report_.regions_moved > 0


def test_moves_little_when_the_start_is_already_balanced():
    graph = grid(8, 8, np.ones((64, 2)))
    solver = Rebalancer(graph, start=striped(8, 8, 4), rng=np.random.default_rng(0)).solve(max_seconds=1)
    assert solver.report_.regions_moved == 0
    assert max(solver.report_.deviation.values()) == 0


def test_the_bound_of_a_region_bigger_than_a_share():
    weights = np.ones((16, 1))
    weights[5] = 30.0  # total 45; 3 territories: share 15; the region is 2x a share
    graph = grid(4, 4, weights)
    report = Rebalancer(graph, n_territories=3, rng=np.random.default_rng(0)).solve(max_seconds=1).report_
    assert report.bound["workload"] == pytest.approx(1.0)
    assert report.within_tolerance["workload"]  # judged against the bound, not the raw 5%


def test_the_bound_of_regions_a_territory_may_not_give_up():
    # A 4×4 grid: two regions of 8 (territory A's reps' homes, locked) and fourteen of 1; two territories, a share
    # of 15. Neither home alone is bigger than a share, but together they hold 16: A cannot be below +6.7%, and the
    # plan is judged against that (it was "not within" for a plan that is the best there is).
    weights = np.ones((16, 1))
    weights[[0, 1]] = 8.0
    graph = grid(4, 4, weights)
    start = pd.Series(["A"] * 8 + ["B"] * 8, index=list(graph.region_ids))
    solver = Rebalancer(graph, start=start, locked_regions=["r0_0", "r0_1"], disruption_weight=0.0,
                        rng=np.random.default_rng(0)).solve(max_seconds=1)  # fmt: skip
    report = solver.report_
    assert report.bound["workload"] == pytest.approx(1 / 15)
    assert sorted(solver.labels_[solver.labels_ == "A"].index) == ["r0_0", "r0_1"]
    assert report.deviation["workload"] == pytest.approx(1 / 15)
    assert report.within_tolerance["workload"] and report.contiguous


def test_bad_configuration_is_refused_with_the_reason():
    graph = grid(3, 3, np.ones((9, 2)))
    with pytest.raises(ValueError, match="either n_territories"):
        Rebalancer(graph)
    with pytest.raises(ValueError, match="no territory in start"):
        Rebalancer(graph, start={"r0_0": "A"})
    with pytest.raises(ValueError, match="unknown metric"):
        Rebalancer(graph, n_territories=2, tolerance={"revenue": 0.1})
    with pytest.raises(ValueError, match="locked regions need start"):
        Rebalancer(graph, n_territories=2, locked_regions=["r0_0"])
    with pytest.raises(ValueError, match="non-negative"):
        RegionGraph.from_adjacency(pd.DataFrame({"w": [-1.0]}, index=["a"]), {})


def test_territory_weights_share_the_load_in_proportion():
    graph = grid(8, 8, np.ones((64, 2)))
    start = pd.Series(["A" if i < 32 else "B" for i in range(64)], index=list(graph.region_ids))
    solver = Rebalancer(graph, start=start, territory_weights={"A": 1.0, "B": 3.0}, disruption_weight=0.0,
                        rng=np.random.default_rng(0)).solve(max_seconds=2)  # fmt: skip
    counts = solver.labels_.value_counts()
    assert counts["A"] == 16 and counts["B"] == 48, counts.to_dict()
    assert solver.report_.contiguous and all(solver.report_.within_tolerance.values())
    with pytest.raises(ValueError, match="positive"):
        Rebalancer(graph, start=start, territory_weights={"A": 0.0})
    with pytest.raises(ValueError, match="not in the plan"):
        Rebalancer(graph, start=start, territory_weights={"Z": 1.0})


def _mainland_and_island() -> tuple[RegionGraph, RegionGraph]:
    """A 4×4 grid of regions of workload 1 (the mainland), and the graph of it with a pair out of its reach."""
    mainland = grid(4, 4, np.ones((16, 1)))
    links = {r: [mainland.region_ids[j] for j in mainland.neighbours[i]] for i, r in enumerate(mainland.region_ids)}
    links |= {"i1": ["i2"], "i2": ["i1"]}
    metrics = pd.DataFrame({"workload": np.ones(18)}, index=[*mainland.region_ids, "i1", "i2"])
    return mainland, RegionGraph.from_adjacency(metrics, links)


def test_the_bound_of_a_land_mass_apart():
    # A 4×4 mainland (16) and a two-region island group out of reach (2): 3 territories of 6. The island group
    # gets one territory (a third of a share: 67% under) and the mainland two (8 each: 33% over).
    mainland, graph = _mainland_and_island()
    solver = Rebalancer(graph, n_territories=3, rng=np.random.default_rng(0)).solve(max_seconds=2)
    report = solver.report_
    island = solver.labels_[["i1", "i2"]]
    assert island.nunique() == 1 and (solver.labels_ == island.iloc[0]).sum() == 2
    assert report.contiguous and report.split_at_start == []
    assert report.bound["workload"] == pytest.approx(2 / 3)
    assert report.deviation["workload"] == pytest.approx(2 / 3)
    assert report.within_tolerance["workload"]  # the best there is: judged against the bound
    deviations = dict(zip(report.territories["territory_id"], report.territories["workload_deviation"], strict=True))
    assert sorted(round(d, 3) for d in deviations.values()) == [-0.667, 0.333, 0.333]


def test_the_territories_of_a_land_mass_apart_balance_around_its_mean():
    # A 4×4 mainland (16) with A on one column and B on the rest, and an island pair (E, 2): the share is 6, and the
    # mainland's two territories are best at 8 each (+33%). Aimed at the share, moving from B (12) to A (4) stopped
    # paying once A reached its band: every region more put A out by as much as it brought B in.
    mainland, graph = _mainland_and_island()
    start = {r: ("A" if i % 4 == 0 else "B") for i, r in enumerate(mainland.region_ids)} | {"i1": "E", "i2": "E"}
    solver = Rebalancer(graph, start=start, disruption_weight=0.0, rng=np.random.default_rng(0)).solve(max_seconds=2)
    report = solver.report_
    deviations = report.territories.set_index("territory_id")["workload_deviation"]
    assert deviations["A"] == pytest.approx(1 / 3) and deviations["B"] == pytest.approx(1 / 3), deviations.to_dict()
    assert deviations["E"] == pytest.approx(-2 / 3) and report.contiguous
    assert report.within_tolerance["workload"] and report.territories["within"].all()
    # A and B at their group's mean, +33%: no split of the mainland's 16 regions does better, and E, alone on its
    # island, holds what it holds: all "regions" (best possible).
    assert report.territories["within_by"].eq("regions").all()
    # Judged around the land mass's mean: 9 is 17 points over it, out; 7 lies between its share and the mean, within
    # (its neighbour is out for it).
    judged = Rebalancer(graph, start=start, rng=np.random.default_rng(0))
    labels = np.array([{"A": 0, "B": 1, "E": 2}[start[r]] for r in graph.region_ids])
    labels[[1, 5, 9, 13]] = 0  # A on two columns: 8 each
    labels[2] = 0  # 9 and 7
    judged._cut_short = False
    judged._finish(labels, judged.start_labels, 0.0, 0, np.ones(3), np.array([6.0]), np.ones(3, dtype=bool))
    assert judged.report_.territories["within"].tolist() == [False, True, True]
    assert judged.report_.territories["within_by"].tolist() == [None, "group mean", "regions"]


def _mainland_and_chain(chain: dict[str, float]) -> RegionGraph:
    """A 4×4 mainland of workload 1 a region and, out of its reach, a chain of regions (Europe's GB–FR–DE–NL)."""
    mainland = grid(4, 4, np.ones((16, 1)))
    links = {r: [mainland.region_ids[j] for j in mainland.neighbours[i]] for i, r in enumerate(mainland.region_ids)}
    names = list(chain)
    links |= {a: [b] for a, b in zip(names, names[1:], strict=False)}
    metrics = pd.DataFrame({"workload": [*np.ones(16), *chain.values()]}, index=[*mainland.region_ids, *names])
    return RegionGraph.from_adjacency(metrics, links)


def test_a_few_regions_split_as_well_as_they_can_be_are_best_possible():
    # The demo's Europe at county level, k = 12: Great Britain, France, Germany and the Netherlands in a row for two
    # territories. GB with France (-13%) and Germany with the Netherlands (-30%) is the best split there is, but the
    # second was judged out ("6 of 12 within, 1 best possible"), as if a better plan could bring it closer.
    graph = _mainland_and_chain({"GB": 5.5, "FR": 3.3, "DE": 5.1, "NL": 1.9})
    solver = Rebalancer(graph, n_territories=4, rng=np.random.default_rng(0)).solve(max_seconds=2)
    report, labels = solver.report_, solver.labels_
    assert labels["GB"] == labels["FR"] != labels["DE"] == labels["NL"]
    assert report.territories["within"].all() and report.within_tolerance == {"workload": True}
    assert report.bound["workload"] == pytest.approx(report.deviation["workload"])
    # Europe's two are best possible, what their regions allow ("regions"); the mainland's within the tolerance.
    by = report.territories.set_index("territory_id")["within_by"]
    assert by[labels["GB"]] == by[labels["DE"]] == "regions"
    # Dealt otherwise (GB alone), the same regions are out: a better split exists.
    start = dict(labels) | {"FR": labels["DE"]}
    judged = Rebalancer(graph, start=start, rng=np.random.default_rng(0))
    judged._cut_short = False
    share = np.array([judged.weights.sum() / 4])
    judged._finish(judged.start_labels, judged.start_labels, 0.0, 0, np.ones(4), share, np.ones(4, dtype=bool))
    within = judged.report_.territories.set_index("territory_id")["within"]
    assert not within[labels["GB"]] and not within[labels["DE"]]


def test_regions_too_coarse_to_share_out_evenly_are_as_close_as_they_allow():
    # Every US state as a boundary file, each counted 1: the mainland's 50 for four territories of 7 can be 13, 13,
    # 12, 12 at best, +85.7% and +71.4%; the 13s were judged out (a review), as if a better plan could bring them in.
    # The same on a row of 17 regions of 1 for two territories: 9 | 8, ±5.9% against ±5%.
    row = 17
    metrics = pd.DataFrame({"workload": np.ones(row)}, index=[f"r{i}" for i in range(row)])
    graph = RegionGraph.from_adjacency(metrics, {f"r{i}": [f"r{i + 1}"] for i in range(row - 1)})
    report = Rebalancer(graph, n_territories=2, rng=np.random.default_rng(0)).solve(max_seconds=2).report_
    table = report.territories.set_index("territory_id")
    assert sorted(table["workload"]) == [8, 9]
    assert table["within"].all() and (table["within_by"] == "regions").all()
    assert report.within_tolerance == {"workload": True}
    assert report.bound["workload"] == pytest.approx(1 / 17)
    assert report.coarse == [{"territories": ("T1", "T2"), "metric": "workload", "regions": 17,
                              "over": pytest.approx(1 / 17), "under": pytest.approx(-1 / 17)}]  # fmt: skip
    # A split that regions allow to be closer is still out: 10 | 7.
    start = {f"r{i}": "A" if i < 10 else "B" for i in range(row)}
    judged = Rebalancer(graph, start=start, rng=np.random.default_rng(0))
    judged._cut_short = False
    judged._finish(judged.start_labels, judged.start_labels, 0.0, 0, np.ones(2), np.array([8.5]),
                   np.ones(2, dtype=bool))  # fmt: skip
    assert not judged.report_.territories["within"].any() and judged.report_.coarse == []


def test_what_coarse_regions_force_is_what_no_deal_avoids():
    # Every way of dealing a few whole-number regions among territories: the largest deviation is never below the
    # bound's over, the smallest never above its under, and some deal reaches the over.
    rng = np.random.default_rng(7)
    for _ in range(60):
        n, k = int(rng.integers(2, 8)), int(rng.integers(2, 4))
        weights = rng.integers(1, 6, size=n).astype(float)
        targets = rng.uniform(0.5, 1.5, size=k)
        targets *= weights.sum() / targets.sum()
        over, under = _coarse_bound(weights, targets)
        deals = (np.arange(k**n)[:, None] // k ** np.arange(n)[None, :]) % k
        totals = np.stack([(deals == j) @ weights for j in range(k)], axis=1) / targets - 1
        assert (totals.max(axis=1) >= over - 1e-9).all() and (totals.min(axis=1) <= under + 1e-9).all()
        assert np.isclose(totals, over).any() and np.isclose(totals, under).any()


def test_too_few_regions_to_give_every_territory_two_bound_the_low_side():
    # 5 regions for 4 territories (a data sources file of 9 states for 8 said "no plan comes closer than ±33%"
    # while -55.6% was forced): three territories hold one region alone, so one of the three smallest regions is a
    # territory by itself; 1 + 1 | 1.5 is the best there is, -36.8% against a share of 2.375.
    ids = list("abcde")
    metrics = pd.DataFrame({"workload": [3.0, 3.0, 1.0, 1.0, 1.5]}, index=ids)
    graph = RegionGraph.from_adjacency(metrics, {r: [o for o in ids if o != r] for r in ids})
    report = Rebalancer(graph, n_territories=4, rng=np.random.default_rng(0)).solve(max_seconds=2).report_
    table = report.territories
    assert sorted(table["workload"]) == [1.5, 2.0, 3.0, 3.0]
    assert table["within"].all() and (table["within_by"] == "regions").all()
    assert report.bound["workload"] == pytest.approx(1 - 1.5 / 2.375)
    assert report.coarse == [{"territories": ("T1", "T2", "T3", "T4"), "metric": "workload", "regions": 5,
                              "over": 0.0, "under": pytest.approx(1.5 / 2.375 - 1), "alone": 3}]  # fmt: skip


def test_what_too_few_regions_force_is_what_no_deal_avoids():
    # Every deal of a few regions among territories, none left empty: some territory is at most the bound's under.
    rng = np.random.default_rng(11)
    for _ in range(80):
        k = int(rng.integers(2, 5))
        n = int(rng.integers(k, 2 * k))
        weights = rng.uniform(0.1, 5.0, size=n)
        targets = rng.uniform(0.5, 1.5, size=k)
        targets *= weights.sum() / targets.sum()
        unders = _alone_bounds(weights, targets)
        under = float(unders[0]) if len(unders) else 0.0
        deals = (np.arange(k**n)[:, None] // k ** np.arange(n)[None, :]) % k
        deals = deals[np.all([(deals == j).any(axis=1) for j in range(k)], axis=0)]
        totals = np.stack([(deals == j) @ weights for j in range(k)], axis=1) / targets - 1
        assert (totals.min(axis=1) <= under + 1e-9).all()
        # and the j-th lowest territory is at most the j-th bound, in every deal
        lowest = np.sort(totals, axis=1)[:, : len(unders)]
        below = unders < 0  # (0: no bound below the share)
        assert (lowest[:, below] <= unders[None, below] + 1e-9).all() and under == (unders[0] if len(unders) else 0.0)


def test_a_group_that_holds_more_than_its_shares_is_aimed_at_its_mean_and_says_so():
    # The mainland holds 16 for two territories and the pair apart 6.88 for one: a share of 7.63, and the mainland's
    # territories +4.9% on average. Aimed at the share (±5%) as before, every mainland territory had to sit between
    # +4.8% and +5% (the demo's counties at k = 12: 6 or 7 of 12 within); they are aimed at their mean, and the
    # report gives it though it lies within the tolerance.
    graph = _mainland_and_chain({"a": 3.44, "b": 3.44})
    solver = Rebalancer(graph, n_territories=3, rng=np.random.default_rng(0)).solve(max_seconds=2)
    report = solver.report_
    assert report.territories["within"].all(), report.territories
    share = (16 + 6.88) / 3
    mainland = set(report.territories.loc[report.territories["regions"] == 8, "territory_id"])
    assert len(mainland) == 2
    assert {t: c["workload"] for t, c in report.centres.items() if t in mainland} == {
        t: pytest.approx(8 / share - 1) for t in mainland
    }


def test_more_land_masses_than_territories_is_refused():
    metrics = pd.DataFrame({"workload": [1.0, 1.0, 1.0]}, index=["a", "b", "c"])
    graph = RegionGraph.from_adjacency(metrics, {"a": ["b"]})  # c is out of reach
    with pytest.raises(ValueError, match="2 groups out of each other's reach .* at least 2 territories"):
        Rebalancer(graph, n_territories=1, rng=np.random.default_rng(0)).solve(max_seconds=1)
    labels = Rebalancer(graph, n_territories=2, rng=np.random.default_rng(0)).solve(max_seconds=1).labels_
    assert labels["a"] == labels["b"] != labels["c"]


def test_a_locked_territory_does_not_make_up_a_bound():
    # A chain of 7 regions (a locked territory L on three, A and B on two each) and a pair apart (E): the active
    # territories' share is 2, which E holds exactly, so nothing is forced and a perfect plan is within.
    ids = [f"r{i}" for i in range(9)]
    links = {f"r{i}": [f"r{i + 1}"] for i in range(6)} | {"r7": ["r8"]}
    graph = RegionGraph.from_adjacency(pd.DataFrame({"w": [1.0] * 9}, index=ids), links)
    start = {"r0": "L", "r1": "L", "r2": "L", "r3": "A", "r4": "A", "r5": "B", "r6": "B", "r7": "E", "r8": "E"}
    report = (
        Rebalancer(graph, start=start, locked_territories=["L"], rng=np.random.default_rng(0))
        .solve(max_seconds=1)
        .report_
    )
    assert report.deviation == {"w": 0.0} and report.bound == {"w": 0.0} and report.within_tolerance == {"w": True}
    assert str(report.bound["w"]) == "0.0"  # never "-0.0"


# -- searches side by side (n_jobs) ------------------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [0, -1, 1.5, True, "2"])
def test_n_jobs_must_be_a_whole_number_of_searches(n_jobs):
    graph = grid(4, 4, np.ones((16, 1)))
    with pytest.raises(ValueError, match="n_jobs must be a whole number of searches"):
        Rebalancer(graph, n_territories=2, n_jobs=n_jobs)


def test_n_jobs_defaults_to_the_cores_this_process_may_use(monkeypatch):
    import territory.optimizer as optimizer

    graph = grid(4, 4, np.ones((16, 1)))
    monkeypatch.setattr(optimizer, "_usable_cores", lambda: 3)
    assert Rebalancer(graph, n_territories=2).n_jobs == 3
    monkeypatch.setattr(optimizer, "_usable_cores", lambda: 64)
    assert Rebalancer(graph, n_territories=2).n_jobs == optimizer.MAX_JOBS


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(4, 7), height=st.integers(4, 7), k=st.integers(2, 4), seed=st.integers(0, 2**16),
       data=st.data())  # fmt: skip
def test_searches_side_by_side_are_repeatable_and_keep_the_best(width, height, k, seed, data):
    n = width * height
    weights = np.array(data.draw(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=n, max_size=n)),
                       dtype=float)  # fmt: skip
    graph = grid(width, height, weights)
    start = pd.Series([f"T{(i * k) // n}" for i in range(n)], index=list(graph.region_ids))  # k bands
    # (a time cap far above what these grids take: only a run the clock does not cut short is repeatable, and a
    # fresh-clone CI once stalled 10 s here; the searches end when they find nothing new, long before)
    runs = [Rebalancer(graph, start=start, rng=np.random.default_rng(seed), n_jobs=3).solve(max_seconds=60.0)
            for _ in range(2)]  # fmt: skip
    first, again = runs
    assert not first.report_.cut_short and not again.report_.cut_short
    assert first.report_.searches == 3
    pd.testing.assert_series_equal(first.labels_, again.labels_)
    assert_contiguous(graph, first.labels_)
    # Each of the three is the search n_jobs=1 makes with the generator spawned for it; the best of them is kept.
    alone = [Rebalancer(graph, start=start, rng=rng, n_jobs=1).solve(max_seconds=60.0)
             for rng in np.random.default_rng(seed).spawn(3)]  # fmt: skip
    best = min(alone, key=lambda solver: solver._final_key)
    pd.testing.assert_series_equal(first.labels_, best.labels_)
    assert first.report_.iterations == sum(solver.report_.iterations for solver in alone)


def test_a_plan_from_scratch_deals_the_ranked_metis_starts_out():
    pytest.importorskip("pymetis")
    weights = np.random.default_rng(3).integers(1, 9, (144, 2)).astype(float)
    graph = grid(12, 12, weights)
    dealt = []

    class Watched(Rebalancer):
        def _search(self, started, max_seconds, max_steps):
            dealt.append([parts.copy() for parts in self._ranked_starts])
            return super()._search(started, max_seconds, max_steps)

    solver = Watched(graph, n_territories=4, rng=np.random.default_rng(0), n_jobs=2).solve(max_seconds=5.0)
    ranked = Rebalancer(graph, n_territories=4, rng=np.random.default_rng(0), n_jobs=1)._metis_ranked()
    assert len(dealt) == 2 and solver.report_.searches == 2

    # (the parent's generator ranks them, as a single search's would; the searches start in either order)
    def same(got, expected):
        return len(got) == len(expected) and all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))

    assert len(ranked) > 2
    assert (same(dealt[0], ranked[0::2]) and same(dealt[1], ranked[1::2])) or (
        same(dealt[1], ranked[0::2]) and same(dealt[0], ranked[1::2])
    )


def test_stdout_is_restored_after_searches_in_threads_overlap():
    import os
    import threading

    from territory.optimizer import _stdout_silenced

    before = os.fstat(1)
    inside = threading.Barrier(4)
    seen = []

    def redirect():
        with _stdout_silenced():
            inside.wait(timeout=10)  # all four inside at once
            now, sink = os.fstat(1), os.stat(os.devnull)
            seen.append((now.st_dev, now.st_ino) == (sink.st_dev, sink.st_ino))
            inside.wait(timeout=10)

    threads = [threading.Thread(target=redirect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [True] * 4
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


def test_a_stop_ends_every_search_at_once_and_the_progress_moves_meanwhile():
    # A new user's test: "Stop the search" was seen only at the end of a round (a third of the time, from scratch),
    # and the search beside it ran on; the progress bar sat at 0% for seconds, then jumped.
    import threading
    import time

    graph = grid(60, 60, np.random.default_rng(1).integers(1, 9, (3600, 2)).astype(float))
    seen = []

    def progress(fraction):
        seen.append((time.perf_counter() - began, fraction))
        # (stopped at the third report, not at 0.6 s: on a loaded machine the first report came after 0.6 s and
        # the test failed on its count, not on the search)
        if len(seen) >= 3:
            raise KeyboardInterrupt

    threads = threading.active_count()
    began = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        Rebalancer(graph, n_territories=20, tolerance=0.0005, rng=np.random.default_rng(0), n_jobs=2).solve(
            max_seconds=60.0, progress=progress
        )
    assert time.perf_counter() - began < 6  # (0.6 s, then each search's next look at the clock; not 60 s)
    assert threading.active_count() == threads  # (no search runs on)
    assert len(seen) == 3 and all(0 <= f < 0.1 for _, f in seen)  # (reported every 0.2 s as the time goes)
    assert [f for _, f in seen] == sorted(f for _, f in seen) and seen[-1][1] > 0  # (and moving)
    # stopped in a search of one, too
    seen.clear()
    began = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        Rebalancer(graph, n_territories=20, tolerance=0.0005, rng=np.random.default_rng(0)).solve(
            max_seconds=60.0, progress=progress
        )
    assert time.perf_counter() - began < 6


def test_of_two_plans_as_far_out_at_worst_the_one_closer_elsewhere_is_better():
    # A path of six regions into three territories (a share of 2 each), the first with four regions it cannot give
    # (locked): both plans are 100% over there. One leaves the others at 1 and 1, the other at 0 and 2 with one cut
    # border fewer; judged by the worst territory and then borders, the second won however far out the rest was.
    from territory.optimizer import _key
    from territory.search import BalanceSearch

    neighbours = [[1], [0, 2], [1, 3], [2, 4], [3, 5], [4]]
    weights, locked = np.ones((6, 1)), np.array([True] * 4 + [False] * 2)

    def plan(labels):
        return BalanceSearch(neighbours, weights, np.array(labels), np.ones((3, 1)), np.array([2.0]), 0.05,
                             locked=locked)  # fmt: skip

    closer, fewer_borders = plan([0, 0, 0, 0, 1, 2]), plan([0, 0, 0, 0, 2, 2])
    assert closer.over() == fewer_borders.over() and closer.cut() > fewer_borders.cut()
    assert closer.over_total() < fewer_borders.over_total()
    assert _key(closer, False) < _key(fewer_borders, False) and _key(closer, True) < _key(fewer_borders, True)


def test_as_many_territories_as_regions_is_the_best_possible():
    # Every territory is one region, the only plan there is: each is judged within, however far from its share.
    metrics = pd.DataFrame({"workload": [1.0, 2.0, 3.0, 6.0]}, index=["a", "b", "c", "d"])
    graph = RegionGraph.from_adjacency(metrics, {"a": ["b"], "b": ["c"], "c": ["d"]})
    report = Rebalancer(graph, n_territories=4, rng=np.random.default_rng(0)).solve(max_seconds=1).report_
    assert sorted(report.territories["regions"]) == [1, 1, 1, 1]
    assert report.territories["within"].all() and report.within_tolerance == {"workload": True}
    assert report.bound["workload"] == pytest.approx(1.0)  # (d: 6 against a share of 3; a is 67% under)
    # one fewer: a plan can do better than a region alone, and is judged so
    three = Rebalancer(graph, n_territories=3, rng=np.random.default_rng(0)).solve(max_seconds=1).report_
    assert three.bound["workload"] == pytest.approx(0.5)  # d: 6 against 4


def _judged(graph: RegionGraph, plan: dict, share: float, **options) -> pd.DataFrame:
    """The report's territories for ``plan`` as it is (no search), judged against ``share``."""
    solver = Rebalancer(graph, start=plan, rng=np.random.default_rng(0), **options)
    solver._cut_short = False
    k = len(solver.territory_ids)
    active = np.array([t not in solver.locked_territories for t in range(k)])
    solver._finish(solver.start_labels, solver.start_labels, 0.0, 0, np.ones(k), np.array([share]), active)
    return solver.report_.territories.set_index("territory_id")


def _chain(parts: dict, order=None, islands=()) -> tuple[RegionGraph, dict]:
    """Regions of the given workloads per territory, linked in a chain (``order``), islands linked apart."""
    ids, weights, plan = [], [], {}
    for territory, loads in parts.items():
        for j, load in enumerate(loads):
            ids.append(f"{territory}{j}")
            weights.append(load)
            plan[f"{territory}{j}"] = territory
    order = order or [r for r in ids if r[0] not in islands]
    links = {r: [order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)] for i, r in enumerate(order)}
    for island in islands:
        members = [r for r in ids if r[0] == island]
        links |= {r: [x for x in members if x != r] for r in members}
    return RegionGraph.from_adjacency(pd.DataFrame({"workload": weights}, index=ids), links), plan


def test_within_the_tolerance_of_the_share_is_within_whatever_the_land_mass_mean():
    # The mainland's mean is +2% (the island holds 90 of a share of 100): A at -4% is within ±5% of its share, as
    # asked, though 6 points below the mean (a review found it judged out).
    graph, plan = _chain({"A": [48, 48], "B": [52.5, 52.5], "C": [52.5, 52.5], "D": [52, 52], "E": [50, 50],
                          "F": [45, 45]}, islands="F")  # fmt: skip
    judged = _judged(graph, plan, 100.0)
    assert judged.loc["A", "workload_deviation"] == pytest.approx(-0.04) and judged["within"].all()


def test_a_region_bigger_than_a_share_leaves_the_others_their_share_around_the_rest():
    # B is one region of 160 (+60%, forced) and E an island of 40: A, C and D share the rest, 300 for three, and
    # are balanced around the share, not around the mainland's mean (+15%). A at +8% is out (one region of 4 to C
    # brings every one within); the search finds that.
    graph, plan = _chain({"A": [50, 50, 4, 4], "B": [160], "C": [48, 48], "D": [48, 48], "E": [20, 20]},
                         order=["B0", "A0", "A1", "A2", "A3", "C0", "C1", "D0", "D1"], islands="E")  # fmt: skip
    assert not _judged(graph, plan, 100.0).loc["A", "within"]
    solver = Rebalancer(graph, start=plan, disruption_weight=0.0, rng=np.random.default_rng(0)).solve(max_seconds=2)
    assert solver.report_.territories["within"].all() and solver._final_key[:2] == (0.0, 0.0)


def test_a_locked_territory_on_two_land_masses_does_not_join_them():
    # L (locked) holds a region on each of two land masses; T and U, one on each, cannot trade: each holds its
    # land mass (T 1, U 3 against a share of 2) and is judged around it.
    metrics = pd.DataFrame({"workload": [0.5, 0.5, 1.0, 1.5, 1.5, 1.0]}, index=["a1", "a2", "a3", "b1", "b2", "b3"])
    graph = RegionGraph.from_adjacency(metrics, {"a1": ["a2"], "a2": ["a3"], "b1": ["b2"], "b2": ["b3"]})
    plan = {"a1": "T", "a2": "T", "a3": "L", "b1": "U", "b2": "U", "b3": "L"}
    report = (
        Rebalancer(graph, start=plan, locked_territories=["L"], rng=np.random.default_rng(0))
        .solve(max_seconds=1)
        .report_
    )
    judged = report.territories.set_index("territory_id")
    assert judged.loc["T", "workload_deviation"] == pytest.approx(-0.5) and judged.loc[["T", "U"], "within"].all()


def test_a_territory_leaving_a_land_mass_is_aimed_anew():
    # T holds a column of the mainland and half of an island path, V the other half. Balancing gives V the whole
    # island: T and U then share the mainland (+20% each), V the island (-40%), the best there is. The search was
    # still aimed at the plan's first groups (all at the share) and called that plan out, while the report said
    # within.
    mainland, _ = _mainland_and_island()
    links = {r: [mainland.region_ids[j] for j in mainland.neighbours[i]] for i, r in enumerate(mainland.region_ids)}
    links |= {"i1": ["i2"], "i2": ["i3"], "i3": ["i4"]}
    metrics = pd.DataFrame({"workload": np.ones(20)}, index=[*mainland.region_ids, "i1", "i2", "i3", "i4"])
    graph = RegionGraph.from_adjacency(metrics, links)
    plan = {r: ("T" if i % 4 == 0 else "U") for i, r in enumerate(mainland.region_ids)}
    plan |= {"i1": "T", "i2": "T", "i3": "V", "i4": "V"}
    solver = Rebalancer(graph, start=plan, disruption_weight=0.0, rng=np.random.default_rng(0)).solve(max_seconds=2)
    report = solver.report_
    assert report.within_tolerance == {"workload": True}
    assert solver._final_key[0] == 0.0  # (the search agrees)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(2, 4),
    island=st.integers(1, 4),
    k=st.integers(2, 4),
    loads=st.lists(st.integers(1, 9), min_size=20, max_size=20),
    seed=st.integers(0, 1000),
)
def test_what_the_search_calls_within_the_report_calls_within(width, island, k, loads, seed):
    # Land masses apart (a grid and an island path), regions of uneven loads, some bigger than a share: the
    # search's measure of its plan and the report's judgement agree on "within".
    mainland = grid(width, 3, np.ones((3 * width, 1)))
    ids = [*mainland.region_ids, *(f"i{j}" for j in range(island))]
    links = {r: [mainland.region_ids[j] for j in mainland.neighbours[i]] for i, r in enumerate(mainland.region_ids)}
    links |= {f"i{j}": [f"i{j + 1}"] for j in range(island - 1)}
    metrics = pd.DataFrame({"workload": np.array(loads[: len(ids)], dtype=float)}, index=ids)
    graph = RegionGraph.from_adjacency(metrics, links)
    solver = Rebalancer(graph, n_territories=k, n_jobs=1, rng=np.random.default_rng(seed))
    solver.solve(max_seconds=5, max_steps=400)
    if solver._final_key[0] == 0.0:
        assert all(solver.report_.within_tolerance.values()), solver.report_.territories


def test_a_territory_alone_on_a_land_mass_keeps_it_whatever_else_it_holds():
    # T holds all of an island (3) and a locked region of the mainland (1): 4 against a share of 8/3, the least it
    # can hold. A and B share the rest of the mainland (2 each, -25%). Judged so, all are within (they were all
    # "no": the island joined the mainland's group through T, as if T could give it up).
    main, island = [f"m{i}" for i in range(5)], ["i0", "i1", "i2"]
    links = {a: [b] for a, b in zip(main, main[1:], strict=False)} | {
        a: [b] for a, b in zip(island, island[1:], strict=False)
    }
    graph = RegionGraph.from_adjacency(pd.DataFrame({"workload": {r: 1.0 for r in main + island}}), links)
    plan = {"i0": "T", "i1": "T", "i2": "T", "m0": "T", "m1": "A", "m2": "A", "m3": "B", "m4": "B"}
    solver = Rebalancer(graph, start=plan, locked_regions=["m0"], disruption_weight=0.0, n_jobs=1,
                        rng=np.random.default_rng(0)).solve(max_seconds=1, max_steps=200)  # fmt: skip
    report = solver.report_
    assert report.within_tolerance == {"workload": True} and report.territories["within"].all()
    assert report.centres == {"A": {"workload": pytest.approx(-0.25)}, "B": {"workload": pytest.approx(-0.25)}}


def test_a_dollar_beyond_the_tolerance_is_judged_as_the_search_measures_it():
    # A share of $100M and a territory $1 beyond +5%: the search compares excesses to a millionth of a tolerance,
    # so it calls that within; the report did not.
    share = 100_000_000
    high = round(share * 1.05) + 1
    graph = RegionGraph.from_adjacency(
        pd.DataFrame({"revenue": {"a": high // 2, "b": high - high // 2, "c": 2 * share - high}}),
        {"a": ["b"], "b": ["c"]},
    )
    solver = Rebalancer(graph, start={"a": "T", "b": "T", "c": "U"}, n_jobs=1).solve(max_seconds=1, max_steps=50)
    assert solver._final_key[0] == 0.0 and solver.report_.within_tolerance == {"revenue": True}


def test_a_tolerance_below_a_tenth_of_a_percent_is_the_search_s_too():
    # ±0.05%: the search used ±0.1% at least, and called within a plan the report said was out.
    ids = [f"r{i:02d}" for i in range(12)]
    loads = [500.0] * 12
    loads[3], loads[11] = 501.6, 498.4  # T +0.08%, V -0.08%
    graph = RegionGraph.from_adjacency(pd.DataFrame({"revenue": dict(zip(ids, loads, strict=True))}),
                                       {a: [b] for a, b in zip(ids, ids[1:], strict=False)})  # fmt: skip
    solver = Rebalancer(graph, start=dict(zip(ids, "TTTTUUUUVVVV", strict=True)), tolerance=0.0005, n_jobs=1)
    solver.solve(max_seconds=1, max_steps=100)
    assert (solver._final_key[0] == 0.0) <= solver.report_.within_tolerance["revenue"]
    assert solver._final_key[0] > 0  # (T and V are beyond ±0.05%, and no move brings them closer)
    with pytest.raises(ValueError, match="must be a positive fraction"):
        Rebalancer(graph, start=dict(zip(ids, "TTTTUUUUVVVV", strict=True)), tolerance=0.0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_search_stopped_by_search_stopped_keeps_its_best_plan(n_jobs):
    # "Stop the search" threw the search away: a progress that raises SearchStopped ends every search at once, and
    # solve returns the best plan found so far (every territory whole) instead of raising.
    import time

    from territory.optimizer import SearchStopped

    graph = grid(60, 60, np.random.default_rng(1).integers(1, 9, (3600, 2)).astype(float))
    began = time.perf_counter()

    def progress(fraction):
        if time.perf_counter() - began > 0.6:
            raise SearchStopped

    solver = Rebalancer(graph, n_territories=20, tolerance=0.0005, rng=np.random.default_rng(0), n_jobs=n_jobs)
    solver.solve(max_seconds=60.0, progress=progress)
    assert time.perf_counter() - began < 6
    assert set(solver.labels_.index) == set(graph.region_ids) and solver.labels_.nunique() == 20
    assert solver.report_.contiguous


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(5, 8), height=st.integers(4, 7), reach=st.integers(1, 5), seed=st.integers(0, 2**16),
       data=st.data())  # fmt: skip
def test_a_territory_never_takes_a_region_it_may_not_hold(width, height, reach, seed, data):
    # A new territory in the corner may hold only regions within `reach` steps of it: no kind of move (boundary
    # moves, swaps, recombinations, the repair, the border annealing) takes it beyond, and the plan stays whole.
    n = width * height
    weights = np.array(data.draw(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=n, max_size=n)),
                       dtype=float)  # fmt: skip
    graph = grid(width, height, weights)
    start = striped(width, height, 2)
    start["r0_0"] = "N"
    allowed = [f"r{y}_{x}" for y in range(height) for x in range(width) if x + y <= reach]
    solver = Rebalancer(graph, start=start, seeds={"N": "r0_0"}, allowed_regions={"N": allowed},
                        rng=np.random.default_rng(seed), n_jobs=1).solve(max_seconds=5)  # fmt: skip
    labels = solver.labels_
    assert set(labels[labels == "N"].index) <= set(allowed)
    assert_contiguous(graph, labels)
    again = Rebalancer(graph, start=start, seeds={"N": "r0_0"}, allowed_regions={"N": allowed},
                       rng=np.random.default_rng(seed), n_jobs=1).solve(max_seconds=5)  # fmt: skip
    pd.testing.assert_series_equal(labels, again.labels_)


def test_a_territory_held_to_its_regions_takes_them_all_when_it_needs_them():
    # Even weights, 3 territories of 16 regions: the new one needs 16, may hold 6: it takes the 6 and no other.
    graph = grid(8, 6, np.ones((48, 2)))
    start = striped(8, 6, 2)
    start["r0_0"] = "N"
    allowed = ["r0_0", "r0_1", "r0_2", "r1_0", "r1_1", "r2_0"]
    labels = Rebalancer(graph, start=start, seeds={"N": "r0_0"}, allowed_regions={"N": allowed},
                        rng=np.random.default_rng(0), n_jobs=1).solve(max_seconds=2).labels_  # fmt: skip
    assert sorted(labels[labels == "N"].index) == sorted(allowed)
    free = Rebalancer(graph, start=start, seeds={"N": "r0_0"}, rng=np.random.default_rng(0),
                      n_jobs=1).solve(max_seconds=2).labels_  # fmt: skip
    assert (free == "N").sum() > len(allowed)  # (without it, it takes its share)


def test_allowed_regions_are_checked_up_front():
    graph = grid(4, 4, np.ones((16, 1)))
    start = striped(4, 4, 2)
    with pytest.raises(
        ValueError,
        match=r"territory .T0. starts with 7 regions it may not hold, e.g. \[.r0_1., .r1_0., .r1_1.\]: add them",
    ):
        Rebalancer(graph, start=start, allowed_regions={"T0": ["r0_0"]})
    with pytest.raises(ValueError, match=r"allowed regions for \['X'\], which are not in the plan"):
        Rebalancer(graph, start=start, allowed_regions={"X": ["r0_0"]})
    with pytest.raises(ValueError, match=r"allowed regions \['nowhere'\] of territory 'T0' are not in the graph"):
        Rebalancer(graph, start=start, allowed_regions={"T0": ["nowhere"]})
    with pytest.raises(ValueError, match="allowed regions need start"):
        Rebalancer(graph, n_territories=2, allowed_regions={"T1": ["r0_0"]})


# -- white space: regions no territory holds, which a territory may take ---------------------------------------------
def columns_start(width: int, height: int, columns: dict[int, str | None]) -> dict[str, str | None]:
    """Each region's territory by its column (None: white space)."""
    return {f"r{y}_{x}": columns[x] for y in range(height) for x in range(width)}


def test_white_space_is_taken_by_a_territory_under_its_share_and_never_given_back():
    # A holds two columns (12), B three (18), the column between them is held by none: A takes from it and from B
    # (A and B touch only through it), white space it does not need stays white, and nothing goes back to it.
    graph = grid(6, 6, np.ones((36, 1)))
    start = columns_start(6, 6, {0: "A", 1: "A", 2: None, 3: "B", 4: "B", 5: "B"})
    solver = Rebalancer(graph, start=start, rng=np.random.default_rng(0), n_jobs=1).solve(max_seconds=1)
    labels, report = solver.labels_, solver.report_
    white = [r for r, t in start.items() if t is None]
    assert sorted(report.territories["territory_id"]) == ["A", "B"]  # (white space is no territory of the plan)
    assert set(labels.dropna()) == {"A", "B"} and labels[white].isna().any()
    assert all(labels[r] is None or labels[r] in ("A", "B") for r in white)
    assert all(labels[r] is not None for r, t in start.items() if t is not None)  # (none given to white space)
    taken = [r for r in white if labels[r] is not None]
    assert taken and all(labels[r] == "A" for r in taken)  # (B, over its share, takes none)
    assert report.taken == {"regions": len(taken), "workload": float(len(taken))}
    assert report.regions_moved == int(sum(labels[r] != t for r, t in start.items() if t is not None))
    held = labels.dropna()
    position = {r: i for i, r in enumerate(graph.region_ids)}
    for territory in ("A", "B"):
        assert len(components({position[r] for r in held.index[held == territory]}, graph.neighbours)) == 1
    assert report.contiguous and not report.split_at_start and not report.pieces
    table = report.territories.set_index("territory_id")
    assert table.loc["A", "regions"] == int((held == "A").sum()) and bool(table["within"].all())
    before = solver.deviations(start).set_index("territory_id")["workload_deviation"]
    assert list(before.index) == ["A", "B"] and before["A"] == pytest.approx(-0.2)


def test_white_space_is_not_taken_by_territories_within_their_share():
    # Balanced already: a territory takes no white space for straighter borders (an enclosed hole stays a hole).
    graph = grid(5, 4, np.ones((20, 1)))
    start = columns_start(5, 4, {0: "A", 1: "A", 2: None, 3: "B", 4: "B"})
    start["r1_1"] = None  # (a hole inside A: A at 7 of 8 would take it only to balance)
    start["r1_3"] = None
    solver = Rebalancer(graph, start=start, rng=np.random.default_rng(3), n_jobs=1).solve(max_seconds=0.5)
    assert solver.report_.taken["regions"] == 0
    assert solver.labels_.isna().sum() == sum(t is None for t in start.values())


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(4, 7), height=st.integers(3, 6), seed=st.integers(0, 2**16), data=st.data())
def test_white_space_only_goes_to_territories_and_territories_stay_whole(width, height, seed, data):
    # Any plan of column bands with white space columns between: every region held at the start keeps a territory,
    # white space is taken by touching territories or stays, territories stay whole, and the report counts it.
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 6, size=(width * height, 2)).astype(float)
    graph = grid(width, height, weights)
    kinds = data.draw(st.lists(st.sampled_from(["A", "B", "C", None]), min_size=width, max_size=width))
    if len({k for k in kinds if k}) < 1 or None not in kinds:
        kinds = ["A", None, *kinds[2:]]
    # (each territory one band of columns: a later column of the same territory joins the nearest band's kind)
    seen: list = []
    for i, kind in enumerate(kinds):
        if kind is not None and kind in seen and kinds[i - 1] != kind:
            kinds[i] = None
        seen.append(kind)
    start = columns_start(width, height, dict(enumerate(kinds)))
    solver = Rebalancer(graph, start=start, rng=np.random.default_rng(seed), n_jobs=1).solve(max_seconds=0.3)
    labels, report = solver.labels_, solver.report_
    position = {r: i for i, r in enumerate(graph.region_ids)}
    for region, was in start.items():
        if was is not None:
            assert labels[region] is not None
    held = labels.dropna()
    for territory in set(held):
        assert len(components({position[r] for r in held.index[held == territory]}, graph.neighbours)) == 1
    taken = [r for r, t in start.items() if t is None and labels[r] is not None]
    assert report.taken["regions"] == len(taken)
    assert set(report.territories["territory_id"]) == {k for k in kinds if k}


def test_white_space_is_taken_up_to_the_share_not_up_to_a_group_mean_it_raises():
    # B cannot give up what it holds (locked, 1.8 a region): the group's mean lies between A and B. A takes white
    # space up to its share and stops there; it took until it matched B before, each region taken raising the mean it
    # was aimed at (a review: Canada West from -29% to +31%, judged near its group's mean).
    width, height = 10, 4
    weights = np.ones((width * height, 1))
    start = {}
    for y in range(height):
        for x in range(width):
            start[f"r{y}_{x}"] = ("A" if y < 2 else "B") if x < 3 else None
            if x < 3 and y >= 2:
                weights[y * width + x] = 1.8
    graph = grid(width, height, weights)
    locked = [r for r, t in start.items() if t == "B"]
    for seed in range(3):
        solver = Rebalancer(graph, start=start, locked_regions=locked, rng=np.random.default_rng(seed),
                            n_jobs=1).solve(max_seconds=1)  # fmt: skip
        table = solver.report_.territories.set_index("territory_id")
        assert -0.05 - 1e-9 <= table.loc["A", "workload_deviation"] <= 0.05 + 1e-9, table
        assert table.loc["A", "within_by"] == "tolerance" and solver.report_.taken["regions"] >= 2
