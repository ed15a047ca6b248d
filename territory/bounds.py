"""What the map forces on a territory: lower bounds on how close to its share any contiguous territory can come.

A region holding more than a share of a metric forces its territory over by that much (``Rebalancer`` reports it
as the bound). A heavy region can also be *hemmed in* by other heavy regions: Brooklyn touches only Manhattan and
Queens, so at 25 territories the one holding Brooklyn is Brooklyn alone (80% short of people), or takes Manhattan
(85% over on accounts), or takes Queens and stays on Long Island (41% short of people), or reaches out through
the Bronx (31% over on accounts). :func:`hemmed_in` finds such bounds by trying which of the heavy regions around
a region its territory holds, and by how far the territory must reach for a metric it lacks through regions heavy
in another (Manhattan: the people it lacks lie beyond counties with as many accounts as people).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Hemmed", "HemmedBounds", "hemmed_in", "least_excess"]


@dataclass(frozen=True)
class Hemmed:
    """How close to its share any contiguous territory holding ``region`` can come, at best.

    Attributes
    ----------
    region : int
        The region (position in the graph).
    bound : float
        Every contiguous territory holding ``region`` is at least this far from its share on some metric: a
        fraction (0.31 = 31%) of its share, times that metric's ``tolerance`` when tolerances are given.
    around : tuple of int
        The heavy regions near it whose holding or not decides that (positions), heaviest first.
    """

    region: int
    bound: float
    around: tuple[int, ...]


class HemmedBounds:
    """Hemmed-in bounds on one map, for any target (see :func:`hemmed_in`); path lengths are kept between calls.

    Parameters
    ----------
    weights : ndarray (n, m)
        Each region's metrics.
    neighbours : sequence of sequences of int
        Adjacency by position.
    heavy, hops, most
        Which regions around count as heavy (at least ``heavy`` of a share of some metric), how far to look, and at
        most how many (the combinations are 2**(most-1)).
    """

    def __init__(self, weights: np.ndarray, neighbours: Sequence[Sequence[int]], *, heavy: float = 0.2,
                 hops: int = 3, most: int = 8):  # fmt: skip
        self.weights = np.asarray(weights, dtype=float)
        self.neighbours = neighbours
        self.heavy, self.hops, self.most = heavy, hops, most
        self._entering = None
        self._distances: dict[tuple[int, int], np.ndarray] = {}

    def find(
        self, target: np.ndarray, regions: Sequence[int], tolerance: np.ndarray | None = None
    ) -> dict[int, Hemmed]:
        """Region → :class:`Hemmed` for the heavy ones of ``regions`` whose bound is above 0.

        ``target``: each metric's share for the territory holding the region (metrics with a share of 0 are left
        out). ``tolerance``: deviations are measured in these units per metric (default: 1 for all, a bound in
        shares); with tolerances 0.05 and 0.10, a bound of 0.4 means 2% and 4% off.
        """
        target = np.asarray(target, dtype=float)
        counted = np.flatnonzero(target > 0)
        if not len(counted):
            return {}
        unit = np.ones(len(target)) if tolerance is None else np.asarray(tolerance, dtype=float)
        w, target, unit = self.weights[:, counted], target[counted], unit[counted]
        share = w / target
        is_heavy = share.max(axis=1) >= self.heavy
        found: dict[int, Hemmed] = {}
        for region in regions:
            region = int(region)
            if not is_heavy[region]:
                continue
            around = _heavy_around(region, self.neighbours, is_heavy, share, self.hops, self.most)
            bound = _bound(region, around, w, self.neighbours, target, unit)
            if len(counted) > 1:
                bound = max(bound, self._reach_bound(region, counted, share, target, unit))
            if bound > 1e-9:
                found[region] = Hemmed(region, bound, around)
        return found

    def _distance(self, region: int, metric: int) -> np.ndarray:
        """Shortest paths from ``region``, each region on a path costing its ``metric`` (the start costs nothing)."""
        key = (region, metric)
        if key not in self._distances:
            from scipy.sparse import csr_matrix
            from scipy.sparse.csgraph import dijkstra

            if self._entering is None:
                n = len(self.neighbours)
                degree = np.fromiter((len(x) for x in self.neighbours), dtype=np.int64, count=n)
                heads = np.fromiter((j for x in self.neighbours for j in x), dtype=np.int64, count=int(degree.sum()))
                self._entering = (heads, np.concatenate([[0], np.cumsum(degree)]), n)
            heads, indptr, n = self._entering
            # (a cost of 0 would be dropped as a missing edge: a tiny one stands in, and is taken off again)
            tiny = _TINY * max(float(self.weights[:, metric].max()), 1.0)
            graph = csr_matrix((self.weights[heads, metric] + tiny, heads, indptr), shape=(n, n))
            distance = dijkstra(graph, indices=region)
            self._distances[key] = np.maximum(distance - tiny * n, 0.0)
        return self._distances[key]

    def _reach_bound(self, region: int, counted, share: np.ndarray, target: np.ndarray, unit: np.ndarray) -> float:
        """The least ``d`` such that a territory holding ``region`` can be within ``d`` on every pair of metrics.

        A territory ``T`` holding the region reaches each of its regions ``r`` along a path inside ``T``, so it holds
        at least the region plus the cheapest such path on any metric ``a``: with ``a`` at most ``1 + d`` shares,
        every ``r`` in ``T`` lies within the metric-``a`` distance ``(1 + d) - share_a(region)`` of it. What ``T``
        can hold of another metric ``b`` is then at most what that ball holds, and must be at least ``1 - d``.
        (Manhattan at k = 25: the people it lacks lie beyond counties heavy in accounts.)
        """
        m = share.shape[1]
        best = 0.0
        for a in range(m):
            distance = self._distance(region, int(counted[a])) / target[a]
            order = np.argsort(distance, kind="stable")
            reach = distance[order]
            for b in range(m):
                if b != a:
                    held = np.cumsum(share[order, b])
                    best = max(best, _least_reach(reach, held, float(share[region, a]), unit[a], unit[b]))
        return best

    def excess(self, region: int, target: np.ndarray, over: np.ndarray, under: np.ndarray,
               unit: np.ndarray | None = None) -> float:  # fmt: skip
        """Least ``e`` such that a contiguous territory holding ``region`` can be within ``over``/``under`` + ``e``.

        Within means, for every metric ``m``, ``-under[m] - e * unit[m] <= total[m] / target[m] - 1 <= over[m] +
        e * unit[m]``. A lower bound (see :func:`least_excess`): no such territory comes closer.
        """
        target, over, under = (np.asarray(v, dtype=float) for v in (target, over, under))
        unit = np.ones(len(target)) if unit is None else np.asarray(unit, dtype=float)
        if not (np.isfinite(self.weights).all() and (self.weights >= 0).all()):
            raise ValueError("the regions' metrics must be numbers of 0 or more: fill in or correct the others")
        if not ((unit > 0).all() and np.isfinite(unit).all()):
            raise ValueError("each metric's tolerance (unit) must be a positive number")
        counted = np.flatnonzero(target > 0)
        if not len(counted):  # (no metric has a share: nothing to be beyond)
            return 0.0
        share = self.weights[:, counted] / target[counted]
        over, under, unit = over[counted], under[counted], unit[counted]
        own = share[region]
        # alone: a region over a limit keeps every territory holding it over by as much
        best = max(0.0, float(((own - 1.0 - over) / unit).max()))
        for a in range(len(counted)):
            distance = self._distance(region, int(counted[a])) / target[counted[a]]
            for b in range(len(counted)):
                if b != a:
                    best = max(best, _least_excess_pair(region, share[:, a], share[:, b], distance, over[a] / unit[a],
                                                        under[b] / unit[b], unit[a], unit[b]))  # fmt: skip
        return float(best)


_TINY = 1e-12


def hemmed_in(
    weights: np.ndarray,
    neighbours: Sequence[Sequence[int]],
    target: np.ndarray,
    regions: Sequence[int],
    *,
    tolerance: np.ndarray | None = None,
    heavy: float = 0.2,
    hops: int = 3,
    most: int = 8,
) -> dict[int, Hemmed]:
    """For each of ``regions``: the least deviation (worst metric) any contiguous territory holding it can have.

    The heavy regions within ``hops`` of the region (holding at least ``heavy`` of a share of some metric; the
    ``most`` - 1 heaviest) are tried in every combination: a territory holding the region holds some of them, say
    ``S``, and none of the others. It then holds at least ``S`` (a lower bound on each metric) and lies within the
    part of the map the region reaches without crossing the others (an upper bound). The bound is the smallest,
    over the combinations that can be contiguous, of the worst excess these force. With two metrics or more it is
    raised by how far the territory must reach for one metric through regions that bring another
    (:meth:`HemmedBounds._reach_bound`). It is a true lower bound for a territory in one piece: no plan does better
    for that territory, whatever the other territories do (a territory in pieces may do better).

    Parameters
    ----------
    weights : ndarray (n, m)
        Each region's metrics.
    neighbours : sequence of sequences of int
        Adjacency by position.
    target : ndarray (m,)
        The share of each metric the territory holding the region is to have (metrics with a share of 0 are left
        out).
    regions : sequence of int
        The regions to look at (those holding at least ``heavy`` of a share are; the others are skipped).
    tolerance : ndarray (m,), optional
        Deviations measured in these units per metric (default: shares).
    heavy, hops, most
        See :class:`HemmedBounds`.

    Returns
    -------
    dict
        Region → :class:`Hemmed`, for the regions whose bound is above 0.

    Examples
    --------
    Five regions on a path: three with two thirds of a share of accounts each in the middle, two with people and
    no accounts at the ends. The middle one's territory is alone (78% short of people), or takes a neighbour and
    is a third over on accounts:

    >>> weights = np.array([[0, 3], [6, 1], [6, 1], [6, 1], [0, 3]], dtype=float)  # (accounts, people)
    >>> path = [[1], [0, 2], [1, 3], [2, 4], [3]]
    >>> found = hemmed_in(weights, path, target=np.array([9.0, 4.5]), regions=[2])
    >>> round(found[2].bound, 3), found[2].around
    (0.333, (0, 1, 3, 4))

    In units of each metric's tolerance (50% on accounts, 5% on people), its best territory takes a neighbour and
    the people beyond it: a third over on accounts (0.67 tolerances), 11% over on people (2.22):

    >>> found = hemmed_in(weights, path, target=np.array([9.0, 4.5]), regions=[2], tolerance=np.array([0.5, 0.05]))
    >>> round(found[2].bound, 2)
    2.22
    """
    return HemmedBounds(weights, neighbours, heavy=heavy, hops=hops, most=most).find(target, regions, tolerance)


def _heavy_around(region, neighbours, is_heavy, share, hops: int, most: int) -> tuple[int, ...]:
    """Heavy regions within ``hops`` of ``region`` (not itself), the ``most`` - 1 heaviest, heaviest first."""
    seen, frontier = {region}, [region]
    for _ in range(hops):
        frontier = [j for i in frontier for j in neighbours[i] if j not in seen and not seen.add(j)]
    near = [j for j in seen if j != region and is_heavy[j]]
    near.sort(key=lambda j: (-float(share[j].max()), j))
    return tuple(near[: max(most - 1, 0)])


def _bound(region: int, around: tuple[int, ...], w: np.ndarray, neighbours, target: np.ndarray,
           unit: np.ndarray) -> float:  # fmt: skip
    best = np.inf
    # Fewer heavy regions held first: they tend to force least, and a combination forcing more than the best
    # found is skipped before its reach is searched.
    for combo in sorted(range(2 ** len(around)), key=lambda c: (bin(c).count("1"), c)):
        held = [region] + [around[i] for i in range(len(around)) if combo >> i & 1]
        over = float(((w[held].sum(axis=0) / target - 1.0) / unit).max())
        if max(over, 0.0) >= best:
            continue
        left_out = {around[i] for i in range(len(around)) if not combo >> i & 1}
        reach, whole = _reach(region, set(held), left_out, w, neighbours, target)
        if reach is None:  # the held heavy regions cannot be joined without crossing the others
            continue
        under = 0.0 if whole else float(((1.0 - reach / target) / unit).max())
        best = min(best, max(over, under, 0.0))
        if best <= 0:
            return 0.0
    return float(best) if np.isfinite(best) else 0.0


def _reach(region, held: set[int], left_out: set[int], w, neighbours, target):
    """What the region reaches without crossing ``left_out``: (sums, whether it reaches a whole share).

    (None, False) when some of ``held`` is out of reach. Stops as soon as every held region is reached and every
    metric a share.
    """
    need = set(held) - {region}
    seen = {region} | left_out
    queue = [region]
    sums = w[region].copy()
    while queue:
        if not need and (sums >= target).all():
            return sums, True
        i = queue.pop()
        for j in neighbours[i]:
            if j not in seen:
                seen.add(j)
                sums += w[j]
                need.discard(j)
                queue.append(j)
    return (None, False) if need else (sums, False)


def _least_reach(reach: np.ndarray, held: np.ndarray, own: float, unit_a: float = 1.0, unit_b: float = 1.0) -> float:
    """Least ``d``: ``held`` (cumulative, regions by ``reach``) ≥ 1 - d·unit_b within ``(1 + d·unit_a) - own``."""

    def possible(d: float) -> bool:
        budget = (1.0 + d * unit_a) - own
        if budget < 0:
            return False
        count = int(np.searchsorted(reach, budget, side="right"))
        return count > 0 and held[count - 1] >= 1.0 - d * unit_b - 1e-12

    low, high = 0.0, (max(own, 1.0) + 1.0) / min(unit_a, unit_b)
    if possible(low):
        return 0.0
    for _ in range(48):
        middle = (low + high) / 2
        low, high = (low, middle) if possible(middle) else (middle, high)
    return high


def least_excess(
    weights: np.ndarray,
    neighbours: Sequence[Sequence[int]],
    target: np.ndarray,
    regions: Sequence[int],
    *,
    over: np.ndarray,
    under: np.ndarray,
    tolerance: np.ndarray | None = None,
) -> dict[int, float]:
    """For each of ``regions``: how far beyond the limits any contiguous territory holding it must go, at least.

    A territory is within the limits when each metric's total is at most ``over`` above its ``target`` and at most
    ``under`` below it (fractions of the target: 0.315 for +31.5%). The result ``e`` (in units of ``tolerance`` per
    metric, default fractions) says every contiguous territory holding the region is beyond ``over + e`` or below
    ``-under - e`` on some metric. With limits as the issue's goal sets them (each metric's tolerance, or the bound
    its largest region forces), the largest ``e`` over a map's regions says by how much no plan can meet that goal.

    How: a territory ``T`` holding the region and at most ``1 + over_a + e`` shares of a metric ``a`` holds only
    regions it reaches along paths inside ``T`` costing at most that budget (minus the region's own), and all it
    holds besides the region costs at most that budget. What it can then hold of another metric ``b`` is at most
    the best fractional knapsack over those regions (most ``b`` per ``a`` first), which must reach ``1 - under_b -
    e``. A relaxation: it ignores that the regions must join up with each other, so ``e`` is a lower bound (for a
    territory in one piece: one in pieces can do better). Metrics must be numbers of 0 or more (a ValueError says
    so), tolerances positive; a metric with a target of 0 is left out. On the
    US counties at 25 territories it is what the best territory holding Manhattan, or Los Angeles, reaches (checked
    with an integer program).

    Examples
    --------
    Five regions on a path: a hub with a share and a third of accounts and a tenth of a share of people; people,
    and some accounts, along the path. Within ±20% on accounts and ±5% on people, the hub's territory must hold
    people it cannot reach without accounts. Alone it is 85 points beyond on people; with one neighbour +43% on
    accounts and −60% on people (55 points beyond); with two +53% and −30% (33 beyond, the best); with three +63%:

    >>> weights = np.array([[4, 0.3], [0.3, 0.9], [0.3, 0.9], [0.3, 0.9], [0.0, 0.3]])  # (accounts, people)
    >>> path = [[1], [0, 2], [1, 3], [2, 4], [3]]
    >>> found = least_excess(weights, path, np.array([3.0, 3.0]), [0], over=np.array([0.2, 0.05]),
    ...                      under=np.array([0.2, 0.05]))
    >>> round(found[0], 3)  # (the second neighbour lies beyond the budget of any closer plan: exact here)
    0.333
    """
    bounds = HemmedBounds(weights, neighbours)
    return {int(r): float(bounds.excess(int(r), target, over, under, tolerance)) for r in regions}


def _least_excess_pair(region: int, cost: np.ndarray, gain: np.ndarray, distance: np.ndarray, over: float,
                       under: float, unit_a: float, unit_b: float) -> float:  # fmt: skip
    """Least ``e`` at which the knapsack over regions within metric ``a``'s budget holds ``1 - under - e`` of ``b``.

    ``cost`` and ``gain``: each region's shares of the metrics ``a`` and ``b``; ``distance``: the metric-``a`` cost
    of the cheapest path from ``region`` (in shares); ``over`` and ``under`` in units of their metric's ``unit``.
    """
    own_a, own_b = float(cost[region]), float(gain[region])
    # most of b for each share of a first (regions costing nothing first of all)
    ratio = np.divide(gain, cost, out=np.where(gain > 0, np.inf, 0.0), where=cost > 0)
    order = np.argsort(-ratio, kind="stable")
    order = order[order != region]
    reach, cost, gain = distance[order], cost[order], gain[order]

    def possible(e: float) -> bool:
        budget = 1.0 + (over + e) * unit_a - own_a
        if budget < 0:
            return False
        inside = reach <= budget * (1 + 1e-12) + 1e-15
        spent = np.cumsum(np.where(inside, cost, 0.0))
        held = np.cumsum(np.where(inside, gain, 0.0))
        whole = int(np.searchsorted(spent, budget, side="right"))  # regions taken whole, in this order
        total = float(held[whole - 1]) if whole else 0.0
        rest = np.flatnonzero(inside[whole:])
        if len(rest):  # and a part of the next one within reach
            j = whole + int(rest[0])
            left = budget - (float(spent[whole - 1]) if whole else 0.0)
            total += float(gain[j]) * (min(1.0, left / float(cost[j])) if cost[j] > 0 else 1.0)
        return own_b + total >= 1.0 - (under + e) * unit_b - 1e-12

    low = 0.0
    if possible(low):
        return 0.0
    # enough: the region's own share of b reaches the limit, and its own a fits the budget
    high = max((1.0 - own_b) / unit_b - under, (own_a - 1.0) / unit_a - over, 0.0) + 1e-9
    for _ in range(64):  # (high is enough with weights of 0 or more, checked by the caller; a guard all the same)
        if possible(high):
            break
        high = 2 * high + 1.0
    for _ in range(48):
        middle = (low + high) / 2
        low, high = (low, middle) if possible(middle) else (middle, high)
    return high
