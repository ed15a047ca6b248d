"""One round of border moves chosen by an integer program (``territory.repair.repair_balance``)."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from territory.repair import repair_balance
from tests.territory.test_anneal import random_locks_and_active
from tests.territory.test_search import FAST, assert_consistent, grid, instances, make_search, stripes


def later(seconds: float = 30.0) -> float:
    return time.perf_counter() + seconds


def test_a_chain_of_three_territories_is_balanced_in_one_round():
    # 9 × 2 grid, columns 0-3 | 4-6 | 7-8: loads 8, 6, 4 against a share of 6. No single move helps (the middle
    # territory is full), a column passed along the chain does.
    neighbours = grid(9, 2)
    columns = np.tile(np.arange(9), 2)
    labels = np.select([columns < 4, columns < 7], [0, 1], 2).astype(np.int64)
    search = make_search(neighbours, np.ones((18, 1)), labels, 3)
    assert search.over() > 0
    assert repair_balance(search, later()) == "within"
    assert search.over() == 0
    np.testing.assert_array_equal(search.labels, stripes(9, 2, 3))
    assert_consistent(search, labels, np.zeros(18, dtype=bool), np.ones(3, dtype=bool))


def test_no_round_of_border_moves_gets_there_and_nothing_changes():
    # A path 0-0-0-0-0-1 with a share of 3: two regions must move, and only one touches the other territory.
    path = tuple(tuple(j for j in (i - 1, i + 1) if 0 <= j < 6) for i in range(6))
    labels = np.array([0, 0, 0, 0, 0, 1])
    search = make_search(path, np.ones((6, 1)), labels, 2)
    before = search.snapshot()
    assert repair_balance(search, later()) == "none"
    for now, then in zip(search.snapshot(), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_a_plan_already_within_is_left_alone():
    neighbours = grid(4, 4)
    labels = stripes(4, 4, 2)
    search = make_search(neighbours, np.ones((16, 2)), labels, 2)
    assert repair_balance(search, later()) == "within"
    np.testing.assert_array_equal(search.labels, labels)


def test_the_time_limit_is_kept():
    neighbours = grid(9, 2)
    columns = np.tile(np.arange(9), 2)
    labels = np.select([columns < 4, columns < 7], [0, 1], 2).astype(np.int64)
    search = make_search(neighbours, np.ones((18, 1)), labels, 3)
    assert repair_balance(search, time.perf_counter() - 1.0) == "time"  # already past: no answer, nothing moved
    np.testing.assert_array_equal(search.labels, labels)


@FAST
@given(case=instances(), data=st.data(), tolerance=st.sampled_from([0.05, 0.2]))
def test_a_repair_is_within_whole_and_honours_locks_or_changes_nothing(case, data, tolerance):
    neighbours, weights, labels, k, seed = case
    locked, active = random_locks_and_active(k, len(labels), seed, data)
    search = make_search(neighbours, weights, labels, k, tolerance=tolerance, locked=locked, active=active)
    before = search.snapshot()
    found = repair_balance(search, later()) == "within"
    assert_consistent(search, labels, locked, active)  # whole, locks and inactive territories kept, books right
    if found:
        assert search.over() == 0
        # one round: every region that moved touched, at the start, the territory it joined
        for r in np.flatnonzero(search.labels != labels):
            assert any(labels[j] == search.labels[r] for j in neighbours[r]), r
        assert not (search.big & (search.labels != labels)).any()
    else:
        for now, then in zip(search.snapshot(), before, strict=True):
            np.testing.assert_array_equal(now, then)
