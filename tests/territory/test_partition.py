"""Territories drawn afresh on a user's own regions (territory.partition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territory.partition import partition_regions, region_metrics


def grid(n: int = 6) -> tuple[pd.DataFrame, dict]:
    ids = [f"r{i}" for i in range(n * n)]
    links = {}
    for i in range(n * n):
        row, col = divmod(i, n)
        near = [(row + dr, col + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        links[ids[i]] = tuple(ids[r * n + c] for r, c in near if 0 <= r < n and 0 <= c < n)
    rng = np.random.default_rng(3)
    metrics = pd.DataFrame({"accounts": rng.integers(5, 15, n * n).astype(float),
                            "POP": rng.integers(100, 300, n * n).astype(float)}, index=ids)  # fmt: skip
    return metrics, links


def test_a_grid_is_cut_into_balanced_contiguous_territories_the_same_for_the_same_seed():
    metrics, links = grid()
    first = partition_regions(metrics, links, 4, rng=np.random.default_rng(7), n_jobs=1)
    again = partition_regions(metrics, links, 4, rng=np.random.default_rng(7), n_jobs=1)
    assert first.labels.equals(again.labels) or first.report.cut_short
    assert first.report.contiguous and sorted(set(first.labels)) == ["T1", "T2", "T3", "T4"]
    assert list(first.labels.index) == list(metrics.index)
    for metric in ("accounts", "POP"):
        totals = metrics[metric].groupby(first.labels).sum()
        assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9
    assert first.territories["regions"].sum() == len(metrics)


def test_what_cannot_be_balanced_is_said_with_how_to_fix_it():
    metrics, links = grid(3)
    with pytest.raises(ValueError, match="pick at least one"):
        partition_regions(metrics[[]], links, 2)
    with pytest.raises(ValueError, match="value is 0 in every region.*Pick another metric"):
        partition_regions(metrics.assign(value=0.0)[["value"]], links, 2)
    with pytest.raises(ValueError, match="counts up from 0"):
        partition_regions(metrics.assign(POP=-metrics["POP"]), links, 2)
    with pytest.raises(ValueError, match="10 territories on 9 regions: ask for 1 to 9"):
        partition_regions(metrics, links, 10)


def test_region_metrics_counts_the_accounts_inside_and_keeps_the_files_figures():
    accounts = pd.DataFrame({"region_id": pd.Categorical(["b", "b", None], categories=["a", "b"]), "value": [1, 2, 9]})
    table = region_metrics(["a", "b"], accounts, pd.DataFrame({"value": [5.0], "HH": [3.0]}, index=["a"]))
    # (the file's own value beside the accounts', named so: it was dropped, a new user's test)
    assert table.to_dict("index") == {"a": {"accounts": 0.0, "value": 0.0, "value (file)": 5.0, "HH": 3.0},
                                      "b": {"accounts": 2.0, "value": 3.0, "value (file)": 0.0, "HH": 0.0}}  # fmt: skip
    assert region_metrics(["a"]).empty


def test_groups_that_no_link_joins_are_named_when_they_outnumber_the_territories():
    metrics = pd.DataFrame({"POP": [5.0, 5.0, 1.0, 1.0, 1.0]}, index=["a", "b", "hi", "gu", "mp"])
    links = {"a": ("b",), "b": ("a",), "hi": (), "gu": ("mp",), "mp": ("gu",)}
    names = {"hi": "Hawaii", "gu": "Guam", "mp": "Northern Mariana Islands"}
    with pytest.raises(ValueError) as caught:
        partition_regions(metrics, links, 2, names=names, n_jobs=1)
    said = str(caught.value)
    assert said.startswith("the regions form 3 groups that no link joins")
    assert "Guam and Northern Mariana Islands; Hawaii apart from the rest (2 regions)" in said
    assert said.endswith("Ask for at least 3 territories, or leave the far groups out of the file")
    assert partition_regions(metrics, links, 3, names=names, n_jobs=1).report.contiguous


def test_a_files_own_territories_are_rebalanced_moving_few_regions_and_keeping_their_names():
    # The 6 x 6 grid split in columns 4 | 2 (about +33% / -33% on both metrics): rebalanced, the two keep their names,
    # every region with a territory, and fewer regions move than a plan drawn afresh reshuffles.
    metrics, links = grid()
    start = {r: ("West" if int(r[1:]) % 6 < 4 else "East") for r in metrics.index}
    start["r0"] = None  # (blank: takes its neighbours')
    result = partition_regions(metrics, links, None, start=start, rng=np.random.default_rng(0), n_jobs=1)
    assert sorted(set(result.labels)) == ["East", "West"] and result.report.contiguous
    assert result.filled == ("r0",) and result.start["r0"] == "West"
    for metric in ("accounts", "POP"):
        totals = metrics[metric].groupby(result.labels).sum()
        assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9
        assert result.before.loc["West", f"{metric}_deviation"] > 0.25  # (the start's balance, to compare)
    moved = int((result.labels != result.start).sum())
    assert moved == result.report.regions_moved and 0 < moved <= 8  # (a column of 6 and a bit: not a reshuffle)
    with pytest.raises(ValueError, match="the current territories are 2, not 3"):
        partition_regions(metrics, links, 3, start=start)
    with pytest.raises(ValueError, match="no region has a territory at the start"):
        partition_regions(metrics, links, None, start=dict.fromkeys(metrics.index))


def test_a_start_holding_a_region_apart_keeps_it_and_says_its_territory_is_in_pieces():
    # A territory of the file holding a region out of every link's reach (an island) was refused with "ask for at
    # least 3 territories", a number the file's column sets (a review): the start is taken, the territory in pieces.
    metrics, links = grid(3)
    metrics.loc["island"] = [10.0, 200.0]
    links = {**links, "island": ()}
    start = {r: ("West" if int(r[1:]) % 3 == 0 else "East") for r in metrics.index if r != "island"}
    start["island"] = "West"
    result = partition_regions(metrics, links, None, start=start, rng=np.random.default_rng(0), n_jobs=1)
    assert result.labels["island"] == "West" and result.report.split_at_start == ["West"]
    assert not result.report.contiguous
