"""Border annealing's second moves along a chain of territories (``pairs``): a move held by the balance made with a
region of the territory it joins going on to a third, or one of a third coming into the territory it leaves.

Checked move by move (not only at the end, where a cold finish could hide a step that broke something): the books,
contiguity, sizes, bands, locks, inactive territories, ``stay``, and the cut-border lists the kernel draws from."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory import _kernels
from territory.search import BalanceSearch
from tests.territory.test_anneal import LIMITS, outside, random_locks_and_active, recount_adjacent
from tests.territory.test_search import FAST, grid, grow, instances, make_search, n_parts

# -- helpers -------------------------------------------------------------------------------------------------------


def kind_of(before: np.ndarray, after: np.ndarray) -> str:
    """What one annealing step did: ``none``, ``single``, ``swap`` (two regions trading places) or ``chain``."""
    changed = np.flatnonzero(before != after)
    if len(changed) < 2:
        return ["none", "single"][len(changed)]
    assert len(changed) == 2, changed
    x, y = changed
    if before[x] == after[y] and before[y] == after[x]:
        return "swap"
    # p → q → s: one region joins the territory the other leaves
    assert after[x] == before[y] or after[y] == before[x], (before[changed], after[changed])
    assert len({before[x], after[x], before[y], after[y]}) == 3
    return "chain"


def step_by_step(search: BalanceSearch, steps: int, *, limit: float, temperature: float, stay: bool = False,
                 pairs: int = 20, balance: float = 0.0) -> Counter:  # fmt: skip
    """Anneal one proposal at a time, checking every invariant after each; returns what the steps did."""
    neighbours, k = search.neighbours, search.k
    start = search.labels.copy()
    fixed = ~search.movable | search.big
    inactive = np.flatnonzero(~search.active)
    kinds: Counter = Counter()
    cold = temperature <= 0.02  # a cut border more is taken once in e^50
    cut = search.cut()
    for step in range(steps):
        before, out_before = search.labels.copy(), outside(search, limit)
        moves = search.anneal(1, limit=limit, t_start=temperature, t_end=temperature, stay=stay, pairs=pairs,
                              balance=balance)  # fmt: skip
        after = search.labels
        changed = np.flatnonzero(before != after)
        where = (step, changed.tolist(), before[changed].tolist(), after[changed].tolist())
        assert moves == len(changed) and moves <= 2, where
        kinds[kind_of(before, after)] += 1
        # the books
        totals = np.zeros_like(search.totals)
        np.add.at(totals, after, search.w)
        np.testing.assert_allclose(search.totals, totals, atol=1e-9, err_msg=str(where))
        np.testing.assert_array_equal(search.size, np.bincount(after, minlength=k), err_msg=str(where))
        np.testing.assert_array_equal(search.adjacent, recount_adjacent(search), err_msg=str(where))
        # no territory emptied or cut in more pieces than it started with
        assert (search.size >= 1).all(), where
        for t in set(before[changed].tolist()) | set(after[changed].tolist()):
            assert 1 <= n_parts(after, t, neighbours) <= max(1, search.parts_at_start[t]), (where, t)
        # every territory (the third of a chain too) inside its band, or no farther out than before
        assert (outside(search, limit) <= out_before + 1e-9).all(), (where, out_before, outside(search, limit))
        # locked and big regions stay; inactive territories neither give nor take
        np.testing.assert_array_equal(after[fixed], start[fixed], err_msg=str(where))
        for t in inactive:
            np.testing.assert_array_equal(after == t, start == t, err_msg=str(where))
        if cold and not stay and not balance:
            cut, cut_before = search.cut(), cut
            assert cut <= cut_before, (where, cut_before, cut)  # the pair is scored whole: cold, no worse
        if search.origin is not None:
            left = (before[changed] == search.origin[changed]) & (after[changed] != search.origin[changed])
            assert left.sum() <= 1, where  # the second region never leaves its origin
            if stay and left.any():  # with stay, only with the other going home, at least as heavy (first metric)
                back = (before[changed] != search.origin[changed]) & (after[changed] == search.origin[changed])
                assert back.sum() == 1, where
                assert (search.w[changed[back]].sum(axis=0) >= search.w[changed[left]].sum(axis=0) - 1e-12).all(), where
    return kinds


def random_origin(labels: np.ndarray, k: int, seed: int, data) -> np.ndarray | None:
    """No origin, the start, or the start with some regions recorded elsewhere (they are away from home)."""
    choice = data.draw(st.sampled_from(["none", "start", "elsewhere"]), label="origin")
    if choice == "none":
        return None
    origin = labels.copy()
    if choice == "elsewhere":
        rng = np.random.default_rng(seed + 2)
        some = rng.random(len(labels)) < 0.25
        origin[some] = rng.integers(0, k, int(some.sum()))
    return origin


# -- move by move, on random grids ---------------------------------------------------------------------------------


@FAST
@given(
    case=st.one_of(instances(min_k=3), instances(contiguous=False, min_k=3)),
    tolerance=st.sampled_from([0.05, 0.1, 0.3]),  # binding: many moves are held by the balance
    limit=LIMITS,
    temperature=st.sampled_from([0.02, 0.3, 1.0, 5.0]),
    stay=st.booleans(),
    balance=st.sampled_from([0.0, 30.0]),  # with a weight on the excess too
    data=st.data(),
)
def test_every_step_keeps_the_invariants(case, tolerance, limit, temperature, stay, balance, data):
    neighbours, weights, labels, k, seed = case
    n = len(labels)
    locked, active = random_locks_and_active(k, n, seed, data)
    origin = random_origin(labels, k, seed, data)
    search = make_search(neighbours, weights, labels, k, tolerance=tolerance, locked=locked, active=active,
                         origin=origin, rng=np.random.default_rng(seed))  # fmt: skip
    step_by_step(search, 12 * n, limit=limit, temperature=temperature, stay=stay, balance=balance)


def grown_grid(seed: int, *, metrics: int):
    """Three territories grown on a 9 × 6 grid, region weights 1-8 on ``metrics`` metrics."""
    rng = np.random.default_rng(seed)
    neighbours = grid(9, 6)
    labels = grow(neighbours, 3, rng)
    return neighbours, labels, rng.integers(1, 9, size=(54, metrics)).astype(float)


@pytest.mark.parametrize("seed", [0, 2, 3, 4, 5])
def test_a_weight_on_the_excess_brings_territories_in(seed):
    # Three territories grown on a 9 × 6 grid with uneven weights start out of a tight band on two metrics; with a
    # weight on the excess the annealing brings every one in (the invariants of such steps: the test above).
    neighbours, labels, weights = grown_grid(seed, metrics=2)
    search = make_search(neighbours, weights, labels, 3, tolerance=0.05, rng=np.random.default_rng(seed))
    assert search.over() > 0
    for _ in range(10):
        search.anneal(200, limit=1.0, t_start=1.0, t_end=1.0, balance=30.0)
    assert search.over() == 0


@pytest.mark.parametrize("seed", range(4))
def test_chain_moves_are_made_on_a_grid_with_the_balance_binding(seed):
    # Three territories grown on a 9 × 6 grid, weights 1-8, a tight band: the step-by-step walk sees chains (and
    # swaps and single moves), every step checked.
    neighbours, labels, weights = grown_grid(seed, metrics=1)
    search = make_search(neighbours, weights, labels, 3, tolerance=0.1, rng=np.random.default_rng(seed))
    kinds = step_by_step(search, 1_500, limit=1.0, temperature=1.0)
    assert kinds["chain"] > 0 and kinds["swap"] > 0 and kinds["single"] > 0, kinds
    without = make_search(neighbours, weights, labels, 3, tolerance=0.1, rng=np.random.default_rng(seed))
    assert step_by_step(without, 300, limit=1.0, temperature=1.0, pairs=0)["chain"] == 0


# -- the kernel's own state: cut-border lists, iteration by iteration -----------------------------------------------


def check_kernel_state(state: dict, w: np.ndarray, k: int, lists: bool = True) -> None:
    """The cut borders are filed under their source's territory, each once; totals, sizes, borders agree."""
    labels, src, indices = state["labels"], state["src"], state["indices"]
    cut = labels[src] != labels[indices]
    if lists:
        owner, filed_by, place, count = state["owner"], state["lists"], state["place"], state["count"]
        np.testing.assert_array_equal(owner, np.where(cut, labels[src], -1))
        np.testing.assert_array_equal(count, np.bincount(labels[src[cut]], minlength=k))
        for t in range(k):
            filed = filed_by[t, : count[t]]
            assert sorted(filed.tolist()) == np.flatnonzero(cut & (labels[src] == t)).tolist(), t
            np.testing.assert_array_equal(place[filed], np.arange(count[t]))
    totals = np.zeros_like(state["totals"])
    np.add.at(totals, labels, w)
    np.testing.assert_allclose(state["totals"], totals, atol=1e-9)
    np.testing.assert_array_equal(state["size"], np.bincount(labels, minlength=k))
    adjacent = np.zeros((k, k), dtype=np.int64)
    np.add.at(adjacent, (labels[src[cut]], labels[indices[cut]]), 1)
    np.testing.assert_array_equal(state["adjacent"], adjacent)


@settings(FAST, max_examples=15)
@given(
    case=st.one_of(instances(min_k=3), instances(contiguous=False, min_k=3)),
    tolerance=st.sampled_from([0.05, 0.1, 0.3]),
    temperature=st.sampled_from([0.5, 3.0]),
)
def test_the_cut_lists_stay_filed_through_chain_moves(case, tolerance, temperature):
    # The kernel run as Python (its helpers compiled) with a spy on the draw of a cut border: at every iteration,
    # before the draw, the lists it draws from match the labels (a single call of many iterations, where a list left
    # stale by an undone or a chained move would be drawn from).
    neighbours, weights, labels, k, seed = case
    search = make_search(neighbours, weights, labels, k, tolerance=tolerance, rng=np.random.default_rng(seed))
    kinds: Counter = Counter()
    previous = [search.labels.copy()]

    def spy(count, total):
        state = sys._getframe(1).f_locals
        check_kernel_state(state, search.w, k)
        kinds[kind_of(previous[0], state["labels"])] += 1
        previous[0] = state["labels"].copy()
        assert total == count.sum() > 0
        x = np.random.randint(total)  # the kernel's own draw, from the generator its Python version seeded
        for t in range(count.shape[0]):
            if x < count[t]:
                return t, x
            x -= count[t]
        raise AssertionError("no territory drawn")

    rng_state = np.random.get_state()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_kernels, "_pick_cut", spy)
        moves, search._stamp = _kernels.anneal.py_func(
            search.indptr, search.dst, search.w, search.labels, search.totals, search.target, search.scale,
            search.extra, search.big, search.active, search.movable, search.barred, search.size, search.parts_at_start,
            search._origin_k, search._disruption_k, search.adjacent, 1.0, 10 * len(labels), temperature,
            temperature, seed, search._mark, search._queue, search._stamp, 20,
        )  # fmt: skip
    np.random.set_state(rng_state)
    kinds[kind_of(previous[0], search.labels)] += 1  # the last iteration
    assert moves == kinds["single"] + 2 * (kinds["swap"] + kinds["chain"]), (moves, kinds)
    check_kernel_state(
        {"labels": search.labels, "src": search.src, "indices": search.dst, "totals": search.totals,
         "size": search.size, "adjacent": search.adjacent}, search.w, k, lists=False,
    )  # fmt: skip
    np.testing.assert_array_equal(search.adjacent, recount_adjacent(search))
    for t in range(k):
        assert 1 <= n_parts(search.labels, t, neighbours) <= max(1, search.parts_at_start[t])


# -- chains where nothing else can move ----------------------------------------------------------------------------


def strip(direction: str, **changes) -> tuple[BalanceSearch, np.ndarray, np.ndarray]:
    """A 9 × 3 grid in three territories of three columns (share 9, band ±1.5) and a tooth of territory 0.

    ``on``: 0 | 1 | 2, the tooth (3, 1) sticks into 1, which is at the top of its band (10) and 2 below its band
    (7); only the tooth and 1's column next to 2 may move. The tooth joining 1 takes 1 out: it may only be made
    with one of 1's regions going on to 2 (a chain 0 → 1 → 2).

    ``in``: 2 | 0 | 1, the tooth (6, 1) sticks into 1, 0 is at the bottom of its band (8), 2 at the top (10); only the
    tooth and 2's column next to 0 may move. The tooth leaving 0 takes 0 out: it may only be made with one of 2's
    regions coming into 0 (a chain 2 → 0 → 1).

    ``changes``: ``weights`` ({(x, y): weight}), ``active``, ``origin`` ({(x, y): territory}), ``stay``.
    Returns the search, the tooth (a mask) and the regions that may move.
    """
    neighbours = grid(9, 3)
    x, y = np.tile(np.arange(9), 3), np.repeat(np.arange(3), 9)

    def at(*cells):
        return np.isin(y * 9 + x, [cy * 9 + cx for cx, cy in cells])

    weights = np.ones((27, 1))
    if direction == "on":
        labels = x // 3
        tooth = at((3, 1))
        weights[at((4, 0), (4, 2)), 0] = 2.0
        weights[at((8, 0), (8, 2)), 0] = 0.0
        movable = tooth | (x == 5)
    else:
        labels = np.array([2, 0, 1])[x // 3]
        tooth = at((6, 1))
        weights[at((0, 1), (8, 1)), 0] = 2.0
        weights[at((4, 0), (4, 2)), 0] = 0.0
        movable = tooth | (x == 2)
    labels[tooth] = 0
    for cell, value in changes.get("weights", {}).items():
        weights[at(cell), 0] = value
    origin = None
    if "origin" in changes:
        origin = labels.copy()
        for cell, t in changes["origin"].items():
            origin[at(cell)] = t
    search = BalanceSearch(neighbours, weights, labels, np.ones((3, 1)), np.array([9.0]), np.array([1.5 / 9]),
                           locked=~movable, active=changes.get("active"), origin=origin,
                           rng=np.random.default_rng(0))  # fmt: skip
    return search, tooth, movable


@pytest.mark.parametrize("direction", ["on", "in"])
def test_a_chain_takes_in_a_tooth_that_no_single_move_or_swap_can(direction):
    for pairs in (0, 20):
        search, tooth, movable = strip(direction)
        start, cut = search.labels.copy(), search.cut()
        moves = search.anneal(2_000, t_start=0.02, t_end=0.02, pairs=pairs)
        if not pairs:
            assert moves == 0 and search.cut() == cut  # cold: every single move costs borders or the balance
            continue
        assert moves >= 2 and search.cut() < cut, search.labels.reshape(3, 9)
        assert search.labels[tooth] == 1
        assert (search.labels[~movable] == start[~movable]).all()
        assert np.bincount(search.labels, minlength=3)[0] == (9 if direction == "on" else 10)
        assert search.over() <= 1e-9 or direction == "on"  # ``on``: 2 starts below its band and comes closer


@pytest.mark.parametrize(
    ("direction", "changes"),
    [
        ("on", {"weights": {(8, 0): 3.0}}),  # 2 at the top of its band (10): it cannot take the region 1 passes on
        ("on", {"weights": {(0, 0): 0.0, (0, 2): 0.0}}),  # 0 at the bottom of its band (8): it cannot give the tooth
        ("on", {"active": np.array([True, True, False])}),  # 2 inactive: it takes nothing
        ("in", {"weights": {(0, 0): 0.0, (0, 1): 1.0}}),  # 2 at 8: giving a region takes it below its band (7.5)
        ("in", {"active": np.array([True, True, False])}),  # 2 inactive: it gives nothing
        ("in", {"origin": {}, "stay": True}),  # the tooth is at home in 0: with stay it does not leave
        ("in", {"origin": {(6, 1): 1}, "stay": True}),  # the tooth may go home, but 2's regions are at home too
    ],
)
def test_a_chain_is_refused_when_it_would_break_a_rule(direction, changes):
    search, tooth, movable = strip(direction, **changes)
    start, cut = search.labels.copy(), search.cut()
    moves = search.anneal(2_000, t_start=0.02, t_end=0.02, stay=changes.get("stay", False))
    assert moves == 0 and search.cut() == cut
    np.testing.assert_array_equal(search.labels, start)


@pytest.mark.parametrize("direction", ["on", "in"])
def test_with_stay_a_chain_sends_strays_home(direction):
    # The tooth belongs to 1 and 1's (on) or 2's (in) movable column to the territory it would join: the chain
    # sends regions home only, so with stay it is made; nothing at home leaves.
    origin = {(3, 1): 1, **{(5, y): 2 for y in range(3)}} if direction == "on" else {
        (6, 1): 1, **{(2, y): 0 for y in range(3)}}  # fmt: skip
    search, tooth, movable = strip(direction, origin=origin)
    start = search.labels.copy()
    home = start == search.origin
    kinds = step_by_step(search, 300, limit=1.0, temperature=0.02, stay=True)
    assert kinds["chain"] >= 1 and search.labels[tooth] == 1
    # no more away from home than at the start (a region at home leaves only with one going home)
    away = search.labels != search.origin
    assert away.sum() <= (~home).sum() and (home & away).sum() <= (~home & ~away).sum()


def test_with_stay_a_region_leaves_home_only_with_one_going_home():
    # The tooth (3, 1) is 1's, lent to 0; every other region is at home. Without home swaps no chain could take it
    # back: 1 would have to pass a region at home on to 2. Now the pair (the tooth home, a region of 1 on to 2)
    # is made: as many regions away from home as before, and one less cut border.
    search, tooth, movable = strip("on", origin={(3, 1): 1})
    start, cut = search.labels.copy(), search.cut()
    away_before = int((start != search.origin).sum())
    moves = search.anneal(2_000, t_start=0.02, t_end=0.02, stay=True)
    assert moves >= 2 and search.cut() < cut and search.labels[tooth] == 1
    assert int((search.labels != search.origin).sum()) == away_before


def test_a_chain_never_empties_the_territory_it_takes_from():
    # The ``in`` strip with a fourth territory: 2 started in two pieces, (0, 0) and (2, 1), and has given the first
    # to 3, so (2, 1) is all it holds (its band allows it to give it: target 1 region). The tooth may only leave 0
    # with a region coming into 0, and the only one that may move is 2's last: taking it would empty 2 (contiguity
    # does not refuse it, as 2 may be in two pieces).
    neighbours = grid(9, 3)
    x, y = np.tile(np.arange(9), 3), np.repeat(np.arange(3), 9)

    def at(*cells):
        return np.isin(y * 9 + x, [cy * 9 + cx for cx, cy in cells])

    labels = np.array([3, 0, 1])[x // 3]
    tooth = at((6, 1))
    labels[tooth] = 0
    labels[at((0, 0), (2, 1))] = 2
    weights = np.ones((27, 1))
    weights[at((4, 0), (4, 2)), 0] = 0.0  # 0: 8 regions' weight, at the bottom of its band
    weights[at((8, 1)), 0] = 2.0  # 1: 9, room for the tooth
    targets = np.array([[9.0], [9.0], [1.0], [8.0]]) / 9
    movable = tooth | at((2, 1))
    search = BalanceSearch(neighbours, weights, labels, targets, np.array([9.0]), np.array([1.5 / 9]),
                           locked=~movable, rng=np.random.default_rng(0))  # fmt: skip
    assert search.parts_at_start.tolist() == [1, 1, 2, 1]
    search.apply(0, 2, 3)
    assert search.size[2] == 1 and search.over() == 0.0
    start = search.labels.copy()
    assert search.anneal(2_000, t_start=0.02, t_end=0.02) == 0
    np.testing.assert_array_equal(search.labels, start)
    # the control: with a second region in 2 (back from 3), the chain is made
    search.apply(0, 3, 2)
    assert step_by_step(search, 50, limit=1.0, temperature=0.02)["chain"] >= 1


def test_with_stay_a_region_leaves_home_only_for_one_as_heavy_on_every_metric():
    # The ``on`` strip with a second metric on which the tooth going home weighs 0.1 and the regions of 1 that may
    # leave weigh 5 (a reviewer's case): the swap would move 50 times the accounts away, so it is not made.
    neighbours = grid(9, 3)
    x, y = np.tile(np.arange(9), 3), np.repeat(np.arange(3), 9)
    tooth = (x == 3) & (y == 1)
    weights = np.ones((27, 2))
    weights[((x == 4) & (y != 1)), 0] = 2.0
    weights[((x == 8) & (y != 1)), 0] = 0.0
    weights[tooth, 1] = 0.1
    weights[x == 5, 1] = 5.0
    labels = x // 3
    labels[tooth] = 0
    origin = labels.copy()
    origin[tooth] = 1
    search = BalanceSearch(neighbours, weights, labels, np.ones((3, 2)), np.array([9.0, 9.0]),
                           np.array([1.5 / 9, 100.0]), locked=~(tooth | (x == 5)), origin=origin,
                           rng=np.random.default_rng(0))  # fmt: skip
    before = weights[labels != origin].sum(axis=0)
    search.anneal(2_000, t_start=0.02, t_end=0.02, stay=True)
    assert (weights[search.labels != origin].sum(axis=0) <= before + 1e-9).all()
