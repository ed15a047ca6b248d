"""Regions given back to the territory they started in (``BalanceSearch.give_back``) on small grids: bookkeeping,
bands and contiguity held, locks, white space, nothing left that could go back, and regions of no weight."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.territory.test_anneal import outside, random_locks_and_active, recount_adjacent
from tests.territory.test_search import FAST, assert_territory_graph, grid, instances, make_search, n_parts, stripes


def scrambled(case, tolerance, data):
    """A search whose regions wandered from their start (a hot anneal), the start kept as ``origin``."""
    neighbours, weights, labels, k, seed = case
    locked, active = random_locks_and_active(k, len(labels), seed, data)
    search = make_search(neighbours, weights, labels, k, tolerance=tolerance, locked=locked, active=active,
                         origin=labels.copy(), disruption=weights[:, 0].copy(), rng=np.random.default_rng(seed))  # fmt: skip
    search.anneal(50 * len(labels), limit=data.draw(st.sampled_from([1.0, 3.0]), label="limit"), t_start=5.0,
                  t_end=5.0)  # fmt: skip
    return search, locked, active


@FAST
@given(case=st.one_of(instances(), instances(contiguous=False)), tolerance=st.sampled_from([0.05, 0.3, 1.0]),
       data=st.data())  # fmt: skip
def test_giving_back_keeps_the_books_the_bands_and_the_pieces(case, tolerance, data):
    neighbours, weights, start, k, _ = case
    search, locked, active = scrambled(case, tolerance, data)
    before = search.labels.copy()
    out, moved, extra = outside(search, 1.0), search.moved(), search.extra.copy()
    parts = [n_parts(before, t, neighbours) for t in range(k)]
    search.potentials(0.0)  # cached: giving back must drop it when territories start or stop touching

    given_back = search.give_back()

    labels = search.labels
    changed = np.flatnonzero(labels != before)
    assert given_back == len(changed)  # each region goes back once, straight to its start
    np.testing.assert_array_equal(labels[changed], start[changed])
    expected = np.zeros_like(search.totals)
    np.add.at(expected, labels, search.w)
    np.testing.assert_allclose(search.totals, expected, atol=1e-9)
    np.testing.assert_array_equal(search.size, np.bincount(labels, minlength=k))
    np.testing.assert_array_equal(search.adjacent, recount_adjacent(search))
    np.testing.assert_array_equal(search.extra, extra)  # regions bigger than a share stay
    assert_territory_graph(search)
    assert (outside(search, 1.0) <= out + 1e-9).all()  # no territory farther out than it was, on any metric
    assert search.moved() <= moved + 1e-9
    for t in range(k):  # whole stays whole; in pieces, in no more than it started with or had
        assert n_parts(labels, t, neighbours) <= max(1, search.parts_at_start[t], parts[t])
    np.testing.assert_array_equal(labels[locked], before[locked])
    for t in np.flatnonzero(~active):
        np.testing.assert_array_equal(labels == t, before == t)
    assert search.give_back() == 0  # nothing left that could go back


def test_a_region_goes_back_only_where_both_territories_stay_within():
    # A 4 × 1 row, one metric of 1 each: the start is [0, 0, 1, 1]; region 1 wandered into territory 1.
    neighbours = ((1,), (0, 2), (1, 3), (2,))
    origin = np.array([0, 0, 1, 1])
    wandered = np.array([0, 1, 1, 1])
    tight = make_search(neighbours, np.ones((4, 1)), wandered, 2, tolerance=0.5, origin=origin, disruption=np.ones(4))
    assert tight.give_back() == 1  # back to 2 and 2: both within
    np.testing.assert_array_equal(tight.labels, origin)
    # Heavier at the start's far end: going back would put territory 0 at 6 against a mean of 5 (tolerance 10%).
    weights = np.array([[4.0], [2.0], [2.0], [2.0]])
    held = make_search(neighbours, weights, wandered, 2, tolerance=0.1, origin=origin, disruption=weights[:, 0].copy())
    assert held.give_back() == 0
    np.testing.assert_array_equal(held.labels, wandered)


def test_a_region_whose_going_back_would_split_its_territory_stays():
    # A 3 × 3 grid (0 1 2 / 3 4 5 / 6 7 8) started as two columns against the right one; 3 and 4 wandered into
    # territory 1, 3 reaching it through 4 alone.
    neighbours = grid(3, 3)
    origin = np.array([0, 0, 1, 0, 0, 1, 0, 0, 1])
    labels = np.array([0, 0, 1, 1, 1, 1, 0, 0, 1])
    search = make_search(neighbours, np.ones((9, 1)), labels, 2, tolerance=5.0, origin=origin, disruption=np.ones(9))
    assert search.give_back() == 2  # 3 first (territory 1 stays whole without it), then 4
    np.testing.assert_array_equal(search.labels, origin)
    # With 3 locked where it is, 4 cannot go back: 3 would be cut off from the rest of territory 1.
    locked = np.zeros(9, dtype=bool)
    locked[3] = True
    held = make_search(neighbours, np.ones((9, 1)), labels, 2, tolerance=5.0, origin=origin, disruption=np.ones(9),
                       locked=locked)  # fmt: skip
    assert held.give_back() == 0
    np.testing.assert_array_equal(held.labels, labels)


def test_a_region_of_no_weight_goes_back_only_where_no_more_borders_are_cut():
    # A 4 × 4 grid (0-3 the top row) started as two vertical halves; regions of no disruption (no accounts) wandered.
    neighbours = grid(4, 4)
    origin = stripes(4, 4, 2)
    none = np.zeros(16)
    bite = origin.copy()
    bite[[1, 5]] = 1  # 1 alone going back would cut one border more; 5 going back cuts as many, and then 1 one fewer
    search = make_search(neighbours, np.ones((16, 1)), bite, 2, tolerance=5.0, origin=origin, disruption=none)
    assert search.give_back() == 2
    np.testing.assert_array_equal(search.labels, origin)
    reach = origin.copy()
    reach[[2, 3, 6, 7, 10]] = (
        0  # territory 0 reaches into 1's half: 10 goes back (2 borders for 2), the rest would cut more
    )
    search = make_search(neighbours, np.ones((16, 1)), reach, 2, tolerance=5.0, origin=origin, disruption=none)
    cut = search.cut()
    assert search.give_back() == 1
    assert search.labels[10] == 1 and (search.labels[[2, 3, 6, 7]] == 0).all()
    assert search.cut() == cut
    # The same regions holding accounts all go back, borders or not.
    weighed = make_search(neighbours, np.ones((16, 1)), reach, 2, tolerance=5.0, origin=origin, disruption=np.ones(16))
    assert weighed.give_back() == 5
    np.testing.assert_array_equal(weighed.labels, origin)


def test_white_space_is_not_given_back():
    # Territory 2 is white space (inactive, its regions movable: the search may take them); none goes back to it.
    neighbours = ((1,), (0, 2), (1, 3), (2,))
    origin = np.array([0, 2, 2, 1])
    labels = np.array([0, 0, 1, 1])
    search = make_search(neighbours, np.ones((4, 1)), labels, 3, tolerance=5.0, origin=origin, disruption=np.ones(4),
                         active=np.array([True, True, False]), givers=np.array([False, False, True]))  # fmt: skip
    assert search.give_back() == 0
    np.testing.assert_array_equal(search.labels, labels)


def test_without_a_start_nothing_goes_back():
    neighbours = grid(3, 3)
    search = make_search(neighbours, np.ones((9, 1)), stripes(3, 3, 3), 3, tolerance=5.0)
    assert search.give_back() == 0
