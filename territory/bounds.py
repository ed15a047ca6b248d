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

__all__ = ["Hemmed", "hemmed_in"]


@dataclass(frozen=True)
class Hemmed:
    """How close to its share any contiguous territory holding ``region`` can come, at best.

    Attributes
    ----------
    region : int
        The region (position in the graph).
    bound : float
        Every contiguous territory holding ``region`` is at least this far from its share (a fraction, 0.31 = 31%)
        on some metric.
    around : tuple of int
        The heavy regions near it whose holding or not decides that (positions), heaviest first.
    """

    region: int
    bound: float
    around: tuple[int, ...]


def hemmed_in(
    weights: np.ndarray,
    neighbours: Sequence[Sequence[int]],
    target: np.ndarray,
    regions: Sequence[int],
    *,
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
    (:func:`_reach_bound`). It is a true lower bound: no plan does better for that territory, whatever the other
    territories do.

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
    heavy, hops, most
        Which regions around count as heavy, how far to look, and at most how many (the combinations are 2**(most-1)).

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
    """
    w = np.asarray(weights, dtype=float)
    target = np.asarray(target, dtype=float)
    counted = target > 0
    if not counted.any():
        return {}
    w, target = w[:, counted], target[counted]
    share = w / target
    is_heavy = share.max(axis=1) >= heavy
    found: dict[int, Hemmed] = {}
    entering = None  # (built once, for the first heavy region)
    for region in regions:
        region = int(region)
        if not is_heavy[region]:
            continue
        around = _heavy_around(region, neighbours, is_heavy, share, hops, most)
        bound = _bound(region, around, w, neighbours, target)
        if share.shape[1] > 1:
            entering = entering if entering is not None else _entering(neighbours, share)
            bound = max(bound, _reach_bound(region, entering, share))
        if bound > 1e-9:
            found[region] = Hemmed(region, bound, around)
    return found


def _entering(neighbours, share: np.ndarray) -> list:
    """Per metric, the directed graph whose edge i → j costs j's share of that metric (what entering j adds)."""
    from scipy.sparse import csr_matrix

    n = len(neighbours)
    degree = np.fromiter((len(x) for x in neighbours), dtype=np.int64, count=n)
    heads = np.fromiter((j for x in neighbours for j in x), dtype=np.int64, count=int(degree.sum()))
    indptr = np.concatenate([[0], np.cumsum(degree)])
    # (a cost of 0 would be dropped as a missing edge: a tiny one stands in, taken off again in _reach_bound)
    return [csr_matrix((share[heads, c] + _TINY, heads, indptr), shape=(n, n)) for c in range(share.shape[1])]


_TINY = 1e-12


def _reach_bound(region: int, entering: list, share: np.ndarray) -> float:
    """The least ``d`` such that some territory holding ``region`` can be within ``d`` on every pair of metrics.

    A territory ``T`` holding the region reaches each of its regions ``r`` along a path inside ``T``, so it holds
    at least the region plus the cheapest such path on any metric ``a``: every ``r`` in ``T`` lies within the
    metric-``a`` distance ``(1 + d) - share_a(region)`` of it. What ``T`` can hold of another metric ``b`` is then
    at most what that ball holds, and must be at least ``1 - d``. (Manhattan at k = 25: the people it lacks lie
    beyond counties heavy in accounts.)
    """
    from scipy.sparse.csgraph import dijkstra

    n, m = share.shape
    best = 0.0
    for a in range(m):
        distance = dijkstra(entering[a], indices=region)
        distance = np.maximum(distance - _TINY * n, 0.0)  # (the stand-ins for zero costs, at most one per hop)
        order = np.argsort(distance, kind="stable")
        reach = distance[order]
        for b in range(m):
            if b == a:
                continue
            best = max(best, _least_reach(reach, np.cumsum(share[order, b]), float(share[region, a])))
    return best


def _heavy_around(region, neighbours, is_heavy, share, hops: int, most: int) -> tuple[int, ...]:
    """Heavy regions within ``hops`` of ``region`` (not itself), the ``most`` - 1 heaviest, heaviest first."""
    seen, frontier = {region}, [region]
    for _ in range(hops):
        frontier = [j for i in frontier for j in neighbours[i] if j not in seen and not seen.add(j)]
    near = [j for j in seen if j != region and is_heavy[j]]
    near.sort(key=lambda j: (-float(share[j].max()), j))
    return tuple(near[: max(most - 1, 0)])


def _bound(region: int, around: tuple[int, ...], w: np.ndarray, neighbours, target: np.ndarray) -> float:
    best = np.inf
    # Fewer heavy regions held first: they tend to force least, and a combination forcing more than the best
    # found is skipped before its reach is searched.
    for combo in sorted(range(2 ** len(around)), key=lambda c: (bin(c).count("1"), c)):
        held = [region] + [around[i] for i in range(len(around)) if combo >> i & 1]
        over = float((w[held].sum(axis=0) / target - 1.0).max())
        if max(over, 0.0) >= best:
            continue
        left_out = {around[i] for i in range(len(around)) if not combo >> i & 1}
        reach, whole = _reach(region, set(held), left_out, w, neighbours, target)
        if reach is None:  # the held heavy regions cannot be joined without crossing the others
            continue
        under = 0.0 if whole else float((1.0 - reach / target).max())
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


def _least_reach(reach: np.ndarray, held: np.ndarray, own: float) -> float:
    """Least ``d`` with ``held`` (cumulative, regions by ``reach``) ≥ 1 - d within reach ``(1 + d) - own`` (bisection)."""

    def possible(d: float) -> bool:
        budget = (1.0 + d) - own
        if budget < 0:
            return False
        count = int(np.searchsorted(reach, budget, side="right"))
        return count > 0 and held[count - 1] >= 1.0 - d - 1e-12

    low, high = 0.0, max(own, 1.0) + 1.0
    if possible(low):
        return 0.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (low, middle) if possible(middle) else (middle, high)
    return high
