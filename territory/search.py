"""The search behind :class:`territory.optimizer.Rebalancer`: balance many metrics at once on a region graph.

The state is a labelling of regions into territories with each territory's load per metric. Imbalance is
measured as the *electrical energy* of the territories' deviations on the graph of territories that touch:
``Φ = Σ_m Eᵐᵀ L⁺ Eᵐ``, where ``Eᵐ`` is each territory's deviation from its share of metric ``m`` beyond the
allowed band (in units of the tolerance) and ``L⁺`` the pseudo-inverse of that graph's Laplacian. ``Φ`` is zero
exactly when every territory is within its band, and its gradient (the potentials ``φ = L⁺E``) says which way
load must flow between neighbouring territories, even when the territories that are over and those that are
under are far apart: the min-norm flow of diffusion load balancing (Hu & Blake), which also moves as little as
possible. Three moves lower it:

- *boundary moves*: a region on a border goes to the neighbouring territory, scored for every candidate at once
  (a compiled scan; in the steps between two such scans only the best moves the last one found, scored again),
  several disjoint moves per step, never splitting a territory;
- *swaps*: a pair of border regions trade places when no single move helps (one metric for another);
- *recombination*: two touching territories are merged and re-split along a random spanning tree of their
  union, cut where the flow the potentials ask for passes, then polished with boundary moves (ReCom, as in
  GerryChain, used here as a large step of a descent).

A second phase tidies borders: moves that cut fewer region borders while every territory stays inside half its
tolerance. Regions bigger than a share raise their territory's allowance to what they force (the bound).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence

import numpy as np

__all__ = ["BalanceSearch", "still_whole", "subgraph", "warm_up"]

# A step of the descent scores every move of every border region (most of its time on a map of counties) once in
# this many steps, and between those only the best 160 (at a batch of 8) the last full scan found: at k = 10 on the US
# counties, 2 s, about half the runs end within ±5% on both metrics against about four in ten scanning every step.
RESCAN = 4


def still_whole(region: int, label: int, labels: np.ndarray, neighbours: Sequence[Sequence[int]],
                limit: int = 200) -> bool:  # fmt: skip
    """Tell whether territory ``label`` stays in one piece without ``region``.

    The neighbours of ``region`` inside the territory are grouped when they touch each other; if more than one
    group is left, a search grows from every group at once and stops as soon as they have all met (yes) or one
    of them runs out of regions (no), so it costs about the size of the smaller piece. Past ``limit`` regions
    it answers no (a safe answer: the move is not made). For a territory already in pieces it answers for the
    piece that holds ``region`` (callers count the pieces of such territories instead).

    Examples
    --------
    >>> path = [(1,), (0, 2), (1,)]
    >>> still_whole(1, 0, np.array([0, 0, 0]), path), still_whole(0, 0, np.array([0, 0, 0]), path)
    (False, True)
    """
    inside = [j for j in neighbours[region] if labels[j] == label]
    if not inside:
        return False
    if len(inside) == 1:
        return True
    root = {j: j for j in inside}

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    members = set(inside)
    for j in inside:
        for x in neighbours[j]:
            if x in members:
                a, b = find(j), find(x)
                if a != b:
                    root[a] = b
    fronts: dict[int, deque] = {}
    owner: dict[int, int] = {}
    for j in inside:
        r = find(j)
        fronts.setdefault(r, deque()).append(j)
        owner[j] = r
    if len(fronts) == 1:
        return True
    budget = limit
    while len(fronts) > 1:
        for r in list(fronts):
            if r not in fronts:
                continue
            queue = fronts[r]
            if not queue:
                return False  # this piece is closed off: without region it is cut from the others
            x = queue.popleft()
            budget -= 1
            if budget < 0:
                return False
            for y in neighbours[x]:
                if y == region or labels[y] != label:
                    continue
                o = owner.get(y)
                if o is None:
                    owner[y] = r
                    queue.append(y)
                    continue
                if o == r:
                    continue
                a, b = find(o), find(r)
                if a != b:
                    root[a] = b
                    fronts[b].extend(fronts.pop(a))
                    if len(fronts) == 1:
                        return True
                    r, queue = b, fronts[b]
    return True


class Links(Sequence):
    """Neighbours as compressed rows: region ``i``'s are ``indices[indptr[i]:indptr[i + 1]]``.

    What :class:`BalanceSearch` keeps anyway; given one, it takes the arrays as they are instead of reading a
    sequence of sequences region by region (a recombination's polish builds a search on a subgraph every time).
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray):
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, region: int) -> np.ndarray:
        return self.indices[self.indptr[region] : self.indptr[region + 1]]


def subgraph(members: np.ndarray, neighbours: Sequence[Sequence[int]]) -> Links:
    """The neighbours of ``members`` among themselves, renumbered ``0..len(members)-1`` (in their order).

    Examples
    --------
    >>> local = subgraph(np.array([2, 1]), [(1,), (0, 2), (1,)])
    >>> [local[i].tolist() for i in range(len(local))]
    [[1], [0]]
    """
    if not isinstance(neighbours, Links):
        degree = [len(x) for x in neighbours]
        neighbours = Links(np.concatenate([[0], np.cumsum(degree)]), [int(j) for x in neighbours for j in x])
    indptr, indices = neighbours.indptr, neighbours.indices
    members = np.asarray(members, dtype=np.int64)
    position = np.full(len(neighbours), -1, dtype=np.int64)
    position[members] = np.arange(len(members))
    starts, lengths = indptr[members], indptr[members + 1] - indptr[members]
    # Every link of every member, in order: member by member, each member's links as listed.
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    ends = position[indices[first + np.arange(int(lengths.sum()))]]
    keep = ends >= 0
    rows = np.repeat(np.arange(len(members)), lengths)[keep]
    return Links(np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(members)))]), ends[keep])


class BalanceSearch:
    """A labelling of regions into territories and the moves that balance it (see the module docstring).

    Parameters
    ----------
    neighbours : sequence of sequences of int
    weights : ndarray (n, m)
        Metrics per region.
    labels : ndarray (n,)
        Territory of each region, ``0..k-1``.
    targets : ndarray (k, m)
        Each territory's target load, in units of ``unit``.
    unit : ndarray (m,)
        One share of each metric.
    tolerance : ndarray (m,)
        Allowed deviation from the target, in shares.
    locked : ndarray of bool (n,), optional
        Regions that never move.
    barred : ndarray of bool (n, k), optional
        ``barred[r, t]``: region ``r`` may never go to territory ``t`` (beyond its reach, e.g. too far from its
        rep's home). No move of any kind makes it; a start that has one there keeps it until it moves.
    active : ndarray of bool (k,), optional
        Territories that may give or take regions (the others neither move nor count).
    givers : ndarray of bool (k,), optional
        Territories that are white space: regions no territory holds. Not active (they do not count), but a
        touching active territory may take their regions where that lowers its excess (for balance alone: not for
        straighter borders, and not in a shake); they take none, and need not stay whole.
    origin : ndarray (n,), optional
        Where each region started, for the cost of moving it away (``disruption``).
    disruption : ndarray (n,), optional
        Cost of moving each region away from ``origin`` (in the units of the energy).
    scale : ndarray (k,), optional
        Each territory's size relative to the others (default 1): its band is ``tolerance × scale`` shares, so that
        the tolerance is relative to its target.
    rng : numpy.random.Generator
    clock : callable, optional
        What the deadlines are compared with (default ``time.perf_counter``); the optimizer's reads infinity once
        the search is stopped, so every step ends at its next look.
    """

    def __init__(self, neighbours, weights, labels, targets, unit, tolerance, *, locked=None, active=None,
                 origin=None, disruption=None, scale=None, rng=None, clock=None, barred=None,
                 givers=None):  # fmt: skip
        self.neighbours = neighbours
        n, m = weights.shape
        k = len(targets)
        self.n, self.m, self.k = n, m, k
        if isinstance(neighbours, Links):
            degree, self.dst = np.diff(neighbours.indptr), neighbours.indices
        else:
            degree = np.fromiter((len(x) for x in neighbours), dtype=np.int64, count=n)
            self.dst = np.fromiter((j for x in neighbours for j in x), dtype=np.int64, count=int(degree.sum()))
        self.degree = degree
        self.src = np.repeat(np.arange(n, dtype=np.int64), degree)
        self.tol = np.asarray(tolerance, dtype=float)
        self.w = np.ascontiguousarray(np.asarray(weights, dtype=float) / np.asarray(unit, dtype=float) / self.tol)
        self.labels = np.asarray(labels, dtype=np.int64).copy()
        self.scale = np.ascontiguousarray(np.ones(k) if scale is None else np.asarray(scale, dtype=float))
        self.totals = np.zeros((k, m))
        np.add.at(self.totals, self.labels, self.w)
        self.size = np.bincount(self.labels, minlength=k)
        self.locked = np.zeros(n, dtype=bool) if locked is None else np.asarray(locked, dtype=bool)
        self.active = np.ones(k, dtype=bool) if active is None else np.asarray(active, dtype=bool)
        self.givers = np.zeros(k, dtype=bool) if givers is None else np.asarray(givers, dtype=bool) & ~self.active
        self.movable = ~self.locked & (self.active | self.givers)[self.labels]
        self.barred = np.ascontiguousarray(np.zeros((n, k), dtype=bool) if barred is None
                                           else np.array(barred, dtype=bool))  # fmt: skip
        if self.barred.shape != (n, k):
            raise ValueError(f"barred must be regions × territories, {(n, k)}; got {self.barred.shape}")
        self.barred[:, self.givers] = True  # (white space takes nothing back)
        self.origin = None if origin is None else np.asarray(origin, dtype=np.int64)
        self.disruption = None if disruption is None else np.asarray(disruption, dtype=float)
        self._origin_k = np.ascontiguousarray(
            self.origin if self.origin is not None else np.full(n, -1, dtype=np.int64)
        )
        if self.disruption is None or self.origin is None:
            self._disruption_k = np.zeros(n)
        else:
            self._disruption_k = np.ascontiguousarray(self.disruption)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.clock = clock if clock is not None else time.perf_counter
        # Set when a step inside stopped at the clock (a polish at the deadline, the integer program's time limit): the
        # plan may then differ from run to run (the optimizer reports the run as cut short).
        self.clock_cut = False
        self.tabu = np.zeros(n, dtype=np.int64)
        self.step = 0
        self.indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
        la, lb = self.labels[self.src], self.labels[self.dst]
        border = la != lb
        self.adjacent = np.zeros((k, k), dtype=np.int64)
        np.add.at(self.adjacent, (la[border], lb[border]), 1)
        self._pinv = None
        self._mark = np.zeros(n, dtype=np.int64)
        self._queue = np.zeros(max(n, 1), dtype=np.int64)
        self._stamp = 2
        # Territories that start in several parts may not get more (checked by counting parts, slower).
        from territory._kernels import parts_of_each

        self.parts_at_start = parts_of_each(self.indptr, self.dst, self.labels, k, self._mark, self._queue, self._stamp)
        self._stamp += 2
        self.parts_at_start[self.givers] = n + 1  # (white space need not stay whole: the kernels read this so)
        # (each territory's share, in the units of ``totals``: what white space is taken towards)
        self._shares = np.ascontiguousarray(np.broadcast_to(self.scale[:, None] / self.tol, (k, m)))
        self.extra = np.zeros((k, m))
        self.aim(targets)

    def aim(self, targets) -> None:
        """Aim the territories at new ``targets`` (territories × metrics, in units, as given to the constructor)."""
        self.target = np.ascontiguousarray(np.asarray(targets, dtype=float) / self.tol)
        self.big = (self.w > self.target.min(axis=0)).any(axis=1) if self.k else np.zeros(self.n, dtype=bool)
        self.extra[:] = 0.0
        for t in np.unique(self.labels[self.big]):
            self._update_extra(int(t))

    # -- measures --------------------------------------------------------------------------------------------------
    def excess(self, deviation, band, extra, scale=1.0):
        """Deviation beyond ``[-band × scale, max(band × scale, extra)]`` (tolerance units)."""
        low = band * np.asarray(scale, dtype=float)
        return deviation - np.clip(deviation, -low, np.maximum(low, extra))

    def deviation(self) -> np.ndarray:
        """Each territory's deviation from its target, in shares (k × m)."""
        return (self.totals - self.target) * self.tol

    def over(self) -> float:
        """How far the worst active territory is outside its allowance (0 when all are within).

        In tolerances of its own size: a territory half the size is as far out with half the load (the tolerance
        is relative).
        """
        return float(self._excess_of_active().max(initial=0.0))

    def over_total(self) -> float:
        """How far the active territories are outside their allowances, summed (0 when all are within)."""
        return float(self._excess_of_active().sum())

    def _excess_of_active(self) -> np.ndarray:
        """:meth:`_excess_each` of the active territories."""
        active = np.flatnonzero(self.active)
        return self._excess_each(self.totals[active], active)

    def cut(self) -> int:
        """Region borders between different territories."""
        return int((self.labels[self.src] != self.labels[self.dst]).sum() // 2)

    def moved(self) -> float:
        """Total disruption cost of the regions away from ``origin``."""
        if self.origin is None or self.disruption is None:
            return 0.0
        return float(self.disruption[self.labels != self.origin].sum())

    def _update_extra(self, t: int) -> None:
        members = np.flatnonzero(self.big & (self.labels == t))
        self.extra[t] = np.maximum(self.w[members].max(axis=0) - self.target[t], 0.0) if len(members) else 0.0

    def _laplacian_pinv(self) -> np.ndarray:
        if self._pinv is None:
            adjacency = (self.adjacent > 0) & self.active[:, None] & self.active[None, :]
            np.fill_diagonal(adjacency, False)
            laplacian = np.diag(adjacency.sum(axis=1).astype(float)) - adjacency
            self._pinv = np.ascontiguousarray(np.linalg.pinv(laplacian))
        return self._pinv

    def potentials(self, band: float):
        """Territory graph, pseudo-inverse of its Laplacian, excess ``E`` and potentials ``φ = L⁺E``."""
        adjacency = (self.adjacent > 0) & self.active[:, None] & self.active[None, :]
        np.fill_diagonal(adjacency, False)
        pinv = self._laplacian_pinv()
        energy = self.excess(self.totals - self.target, band, self.extra, self.scale[:, None])
        energy[~self.active] = 0.0
        return adjacency, pinv, energy, pinv @ energy

    # -- moves -----------------------------------------------------------------------------------------------------
    def apply(self, region: int, a: int, b: int) -> None:
        """Move ``region`` from territory ``a`` to ``b`` (no checks)."""
        adjacent = self.adjacent
        for j in self.neighbours[region]:
            other = self.labels[j]
            if other != a:
                adjacent[a, other] -= 1
                adjacent[other, a] -= 1
                if adjacent[a, other] == 0:
                    self._pinv = None
            if other != b:
                if adjacent[b, other] == 0:
                    self._pinv = None
                adjacent[b, other] += 1
                adjacent[other, b] += 1
        self.labels[region] = b
        self.totals[a] -= self.w[region]
        self.totals[b] += self.w[region]
        self.size[a] -= 1
        self.size[b] += 1
        if self.big[region]:
            self._update_extra(a)
            self._update_extra(b)

    def apply_each(self, regions: np.ndarray, territories: np.ndarray) -> None:
        """Move each of ``regions`` to its territory in ``territories`` (no checks; compiled :meth:`apply`)."""
        from territory._kernels import apply_moves

        regions = np.asarray(regions, dtype=np.int64)
        territories = np.asarray(territories, dtype=np.int64)
        changed = self.labels[regions] != territories
        big = regions[changed & self.big[regions]]
        touched = np.unique(np.concatenate([self.labels[big], territories[changed & self.big[regions]]]))
        if apply_moves(self.indptr, self.dst, self.w, self.labels, self.totals, self.size, self.adjacent, regions,
                       territories):  # fmt: skip
            self._pinv = None
        for t in touched.tolist():  # (territories a region bigger than a share left or joined)
            self._update_extra(int(t))

    def snapshot(self) -> tuple:
        """The state, to go back to with :meth:`restore`."""
        return (self.labels.copy(), self.totals.copy(), self.size.copy(), self.adjacent.copy(), self.extra.copy())

    def restore(self, state: tuple) -> None:
        """Go back to a state from :meth:`snapshot`."""
        labels, totals, size, adjacent, extra = state
        self.labels[:] = labels
        self.totals[:] = totals
        self.size[:] = size
        self.adjacent[:] = adjacent
        self.extra[:] = extra
        self._pinv = None

    def _keeps_whole(self, region: int, territory: int) -> bool:
        """True when ``territory`` (``region``'s) keeps its parts (one, usually) without ``region``."""
        return bool(self.keeps_whole_each(np.array([region], dtype=np.int64))[0])

    def keeps_whole_each(self, regions: np.ndarray) -> np.ndarray:
        """For each region, whether its territory keeps its parts (one, usually) without it (exact, compiled)."""
        from territory._kernels import leaves_whole_each

        yes, self._stamp = leaves_whole_each(self.indptr, self.dst, self.labels, np.asarray(regions, dtype=np.int64),
                                             self.size, self.parts_at_start, self._mark, self._queue, self._stamp)  # fmt: skip
        return yes

    def run(self, deadline: float, *, band: float = 0.0, compactness: float = 0.0, balance: float = 1.0,
            max_steps: int = 10**9, batch: int = 8, per_territory: int = 1, swaps: bool = True,
            stop_below: float | None = None, temperature: float = 0.0, rescan: int = RESCAN) -> str:  # fmt: skip
        """Boundary moves (and swaps when stuck) that lower ``balance·Φ + compactness·cut + disruption``.

        Each step scores moves of border regions to neighbouring territories and makes up to ``batch`` of the best
        (each territory in at most ``per_territory`` of them) that keep territories whole
        (:func:`territory._kernels.descend`): every move once in ``rescan`` steps (and whenever none of the
        others helps any more), the best ``16·batch + 32`` of that scan in the steps between; every move in every
        step with ``rescan=1`` or a ``temperature``. Returns why it stopped: ``"stuck"`` (no move helps, in a full
        scan), ``"done"`` (every deviation below ``stop_below`` shares), ``"steps"`` or ``"time"``.
        """
        from territory._kernels import DONE, STUCK, descend

        while max_steps > 0:
            if self.clock() > deadline:
                return "time"
            chunk = int(min(max_steps, 50))
            status, step, self._stamp, self._pinv = descend(
                self.indptr, self.dst, self.degree, self.w, self.labels, self.totals, self.target, self.scale, self.extra,
                self.big, self.active, self.movable, self.barred, self.size, self.tabu, self.parts_at_start,
                self._origin_k,
                self._disruption_k, self.adjacent, self._laplacian_pinv(), float(band), float(balance),
                float(compactness), int(batch), int(per_territory), chunk, self.step,
                -1.0 if stop_below is None else float(stop_below), float(self.tol.max()), self._mark, self._queue,
                self._stamp, float(temperature), int(self.rng.integers(2**31 - 1)) if temperature > 0 else 0,
                self.givers, self._shares, int(rescan),
            )  # fmt: skip
            self._pinv = np.ascontiguousarray(self._pinv)
            max_steps -= step - self.step
            self.step = step
            if status == DONE:
                return "done"
            if status == STUCK:
                if temperature > 0:
                    return "stuck"
                if swaps:
                    _, pinv, energy, phi = self.potentials(band)
                    if self._swap(self.totals - self.target, energy, phi, pinv, band, balance, self.step):
                        continue
                return "stuck"
        return "steps"

    def _swap(self, dev, energy, phi, pinv, band, balance, step) -> bool:
        """Trade a border region of a far-off territory for one of its neighbour's, when that lowers ``Φ``."""
        from territory._kernels import best_swap

        labels = self.labels
        badness = np.abs(energy).sum(axis=1)
        deviation, energy, phi, pinv = (np.ascontiguousarray(x, dtype=float) for x in (dev, energy, phi, pinv))
        for t in np.argsort(-badness, kind="stable")[:3]:
            if badness[t] <= 1e-9:
                break
            best = best_swap(self.indptr, self.dst, labels, self.w, deviation, energy, phi, pinv, float(band),
                             float(balance), self.extra, self.scale, self.active, self.movable, self.barred, self.tabu,
                             int(step), int(t))  # fmt: skip
            if best[1] < 0:
                continue
            _, out, into, b = best
            if not self._keeps_whole(out, t):
                self.tabu[out] = step + 10
                return True
            self.apply(out, t, b)
            if not self._keeps_whole(into, b) or not any(labels[j] == t for j in self.neighbours[into]):
                self.apply(out, b, t)
                self.tabu[into] = step + 10
                return True
            self.apply(into, b, t)
            self.tabu[out] = self.tabu[into] = step + 5
            return True
        return False

    def recombine(self, a: int, b: int, pinv, energy, phi, *, trees: int = 4, polish: int = 60,
                  band: float = 0.0, deadline: float = math.inf) -> bool:  # fmt: skip
        """Merge touching territories ``a`` and ``b`` and re-split their union (see the module docstring).

        The split aims at the loads that minimise ``Φ`` with every other territory fixed (the flow the potentials
        ask for across this border); locked regions stay on their side, as do regions barred from the other. Kept
        only when it lowers
        ``Φ`` (+ disruption). The split is polished with at most ``polish`` boundary moves, stopped early only
        at ``deadline`` (the caller's: a step count alone decides a polish, so a run is repeatable).
        """
        from territory._kernels import tree_sums

        labels = self.labels
        members = np.flatnonzero((labels == a) | (labels == b))
        size = len(members)
        if size < 2 or self.parts_at_start[a] > 1 or self.parts_at_start[b] > 1:
            return False
        position = np.full(self.n, -1, dtype=np.int64)
        position[members] = np.arange(size)
        ps, pd_ = position[self.src], position[self.dst]
        keep = (ps >= 0) & (pd_ >= 0) & (ps < pd_)
        ii, jj = ps[keep], pd_[keep]
        w = self.w[members]
        total = w.sum(axis=0)
        resistance = pinv[a, a] + pinv[b, b] - 2 * pinv[a, b]
        flow = -(phi[a] - phi[b]) / max(float(resistance), 1e-9)
        want_a = self.totals[a] + flow
        # Rebalancing a plan, each territory keeps its identity: the part given to ``a`` must hold more of ``a``'s
        # current regions (by load) than of ``b``'s, so that two territories never trade places wholesale.
        keep_identity = self.origin is not None
        mass = w.sum(axis=1) + 1e-9
        now_a = (labels[members] == a).astype(float) * mass
        # (a region barred from one side must be on the other: locked there)
        locked_a = (self.locked[members] & (labels[members] == a)) | self.barred[members, b]
        locked_b = (self.locked[members] & (labels[members] == b)) | self.barred[members, a]
        if (locked_a & locked_b).any():
            return False
        n_locked_a, n_locked_b = int(locked_a.sum()), int(locked_b.sum())
        best = None
        columns = np.ascontiguousarray(
            np.concatenate(
                [w, locked_a[:, None], locked_b[:, None], now_a[:, None], mass[:, None], np.ones((size, 1))], axis=1
            )
        )
        for _ in range(trees):
            root = int(self.rng.integers(size))
            order, sums = tree_sums(size, ii, jj, self.rng.random(len(ii)), root, columns)
            if len(order) < size:
                return False  # the union is not connected
            below = sums[:, : self.m]
            la_below, lb_below = sums[:, self.m], sums[:, self.m + 1]
            a_below, all_below = sums[:, self.m + 2], sums[:, self.m + 3]
            b_below = all_below - a_below
            a_total, b_total = float(now_a.sum()), float(mass.sum() - now_a.sum())
            for below_is_a in (True, False):
                mine = below if below_is_a else total - below
                cost = ((mine - want_a) ** 2).sum(axis=1)
                if below_is_a:
                    valid = (la_below == n_locked_a) & (lb_below == 0)
                    if keep_identity:
                        valid &= a_below >= b_below
                else:
                    valid = (la_below == 0) & (lb_below == n_locked_b)
                    if keep_identity:
                        valid &= a_total - a_below >= b_total - b_below
                cost[~valid] = np.inf
                cost[root] = np.inf
                v = int(cost.argmin())
                if np.isfinite(cost[v]) and (best is None or cost[v] < best[0]):
                    where = np.empty(size, dtype=np.int64)
                    where[order] = np.arange(size)
                    inside = np.zeros(size, dtype=bool)
                    inside[order[where[v] : where[v] + int(sums[v, -1])]] = True
                    best = (float(cost[v]), inside if below_is_a else ~inside)
        if best is None:
            return False
        in_a = best[1]
        if polish:
            local = BalanceSearch(
                subgraph(members, Links(self.indptr, self.dst)), w * self.tol, np.where(in_a, 0, 1),
                np.vstack([want_a, total - want_a]) * self.tol, np.ones(self.m), self.tol,
                locked=self.locked[members], rng=self.rng, clock=self.clock,
                barred=np.column_stack([self.barred[members, a], self.barred[members, b]]),
            )  # fmt: skip
            if local.run(deadline, max_steps=polish, stop_below=0.005, batch=1, compactness=0.001) == "time":
                self.clock_cut = True
            in_a = local.labels == 0
        new_a = w[in_a].sum(axis=0)
        ea = self.excess(new_a - self.target[a], band, self.extra[a], self.scale[a]) - energy[a]
        eb = self.excess(total - new_a - self.target[b], band, self.extra[b], self.scale[b]) - energy[b]
        delta = float((2 * (ea * phi[a] + eb * phi[b]) + ea**2 * pinv[a, a] + eb**2 * pinv[b, b]
                       + 2 * ea * eb * pinv[a, b]).sum())  # fmt: skip
        new_labels = np.where(in_a, a, b)
        if self.origin is not None and self.disruption is not None:
            cost = self.disruption[members]
            before = (labels[members] != self.origin[members]).astype(float)
            after = (new_labels != self.origin[members]).astype(float)
            delta += float((cost * (after - before)).sum())
        if delta >= -1e-9:
            return False
        self.apply_each(members, new_labels)
        return True

    def anneal(
        self,
        iterations: int,
        *,
        limit: float = 1.0,
        t_start: float = 0.5,
        t_end: float = 0.02,
        stay: bool = False,
        pairs: int = 20,
        balance: float = 0.0,
    ) -> int:
        """Simulated annealing of the borders: fewer cut region borders, every territory kept within ``±limit``.

        Parameters
        ----------
        iterations : int
            Moves proposed, each across a random cut border (a few hundred per region go a long way).
        limit : float
            The band each territory must stay in, in tolerances (1.0: the whole tolerance; above it, plus what a
            region bigger than a share forces). A territory already outside may only come closer.
        t_start, t_end : float
            The temperature, in cut borders, falls geometrically from ``t_start`` to ``t_end``.
        stay : bool
            Regions never leave their territory in ``origin`` alone (they may go back to it), only together with a
            region of at least their weight on every metric going back to its own: tidying a plan that is being
            rebalanced moves no more of any metric away. Without an ``origin`` it changes nothing.
        pairs : int
            A move that would take a territory out of its band is made together with a second move that makes room
            (a region of the territory it joins going on to a neighbour, or one of a neighbour coming into the
            territory it leaves; across the same border, a swap) and keeps every territory the two touch in, when
            one is found among this many drawn at random (0: single moves only).

        balance : float
            Weight, in cut borders per tolerance, of bringing territories that are out closer to their bands (0:
            borders only). Moves never take a territory farther out either way; with a weight, a plan that is
            still out drifts in (chains of moves carry the excess through territories that are inside).

        Returns
        -------
        int
            The number of moves made (:func:`territory._kernels.anneal`). Territories stay whole; regions bigger
            than a share and locked regions stay.
        """
        from territory._kernels import anneal

        if not (t_start > 0 and t_end > 0):
            raise ValueError(f"temperatures must be above 0 (t_start={t_start}, t_end={t_end}); use e.g. t_end=0.01")
        disruption = np.full(self.n, 1e9) if stay and self.origin is not None else self._disruption_k
        moves, self._stamp = anneal(
            self.indptr, self.dst, self.w, self.labels, self.totals, self.target, self.scale, self.extra, self.big,
            self.active,
            self.movable & ~self.givers[self.labels],  # (white space is taken for balance only, not for borders)
            self.barred, self.size, self.parts_at_start, self._origin_k, disruption, self.adjacent,
            float(limit),
            int(iterations), float(t_start), float(t_end), int(self.rng.integers(2**31 - 1)), self._mark,
            self._queue, self._stamp, int(pairs), float(balance),
            bool(stay and self.origin is not None),
        )  # fmt: skip
        if moves:
            self._pinv = None
        return int(moves)

    def give_back(self) -> int:
        """Move regions back to their territory in ``origin`` wherever both territories stay within their tolerance.

        Heaviest ``disruption`` first (accounts first, when rebalancing a plan), in passes until none can go back:
        a region goes back when its territory in ``origin`` touches it, both territories stay within their bands
        on every metric (one already out only comes closer) and the territory it leaves stays whole (or in no more
        parts than it started with). A region of no disruption goes back only where that cuts no more borders.
        What a border annealing cut short leaves (it proposes moves at random and checks contiguity cautiously): on
        the US counties at k = 10, one rep leaving, 2-second runs: ~100-200 regions, 8% fewer accounts moved and 6%
        fewer cut borders on average (``bench/give_back.py``). Returns the number of regions moved back (0 without an
        ``origin``).

        Examples
        --------
        >>> neighbours = ((1,), (0, 2), (1, 3), (2,))
        >>> search = BalanceSearch(neighbours, np.ones((4, 1)), np.array([0, 1, 1, 1]), np.ones((2, 1)),
        ...                        np.array([2.0]), np.array([0.5]), origin=np.array([0, 0, 1, 1]),
        ...                        disruption=np.ones(4))
        >>> search.give_back(), search.labels.tolist()
        (1, [0, 0, 1, 1])
        """
        from territory._kernels import give_back

        if self.origin is None:
            return 0
        moves, self._stamp = give_back(
            self.indptr, self.dst, self.w, self.labels, self.totals, self.target, self.scale, self.extra, self.big,
            self.active, self.movable & ~self.givers[self.labels], self.barred, self.size, self.parts_at_start,
            self._origin_k, self._disruption_k, self.adjacent, self._mark, self._queue, self._stamp,
        )  # fmt: skip
        if moves:
            self._pinv = None
        return int(moves)

    def _excess_each(self, totals: np.ndarray, territories: np.ndarray) -> np.ndarray:
        """How far each of ``territories`` is outside its allowance, worst metric (0 when within).

        In tolerances of its own size, as :meth:`over`.
        """
        dev = totals - self.target[territories]
        scale = self.scale[territories][:, None]
        high = np.maximum(scale, self.extra[territories])
        return (np.maximum(np.maximum(dev - high, -dev - scale), 0.0) / scale).max(axis=1)

    def level(self, deadline: float, *, max_moves: int | None = None) -> int:
        """Bring the worst territory closer by border moves that leave both territories below where it was.

        A minimax descent, for when the potentials point at a border that cannot move (a locked region, a rep's
        home): the energy descent then stops while the worst territory could still give to, or take from, another
        neighbour. Each move lowers the sorted list of excesses (so it ends); contiguity is kept. Returns the
        number of moves.
        """
        moves, limit = 0, max_moves if max_moves is not None else 2 * self.n
        active = np.flatnonzero(self.active)
        while moves < limit and self.clock() < deadline and len(active) > 1:
            worst = self._excess_each(self.totals[active], active)
            t = int(active[int(np.argmax(worst))])
            high = float(worst.max())
            if high <= 1e-9:
                break
            # every border move into or out of t: region r from a to b
            la, lb = self.labels[self.src], self.labels[self.dst]
            edge = (la != lb) & ((la == t) | (lb == t)) & self.movable[self.src] & ~self.big[self.src]
            edge &= self.active[la] & self.active[lb] & ~self.barred[self.src, lb]
            r, a, b = self.src[edge], la[edge], lb[edge]
            if not len(r):
                break
            key = np.unique(np.column_stack([r, b]), axis=0)
            r, b = key[:, 0], key[:, 1]
            a = self.labels[r]
            after_a = self._excess_each(self.totals[a] - self.w[r], a)
            after_b = self._excess_each(self.totals[b] + self.w[r], b)
            score = np.maximum(after_a, after_b)
            done = False
            for i in np.argsort(score, kind="stable"):
                if score[i] >= high - 1e-9:
                    break
                if self._keeps_whole(int(r[i]), int(a[i])):
                    self.apply(int(r[i]), int(a[i]), int(b[i]))
                    moves += 1
                    done = True
                    break
            if not done:
                break
        self.step += moves
        return moves

    def recombine_best(self, deadline: float, *, pairs: int = 6, trees: int = 4, polish: int = 60,
                       band: float = 0.0) -> bool:  # fmt: skip
        """Recombine the touching pair whose border the potentials load most; the next pairs if that fails."""
        adjacency, pinv, energy, phi = self.potentials(band)
        a, b = np.nonzero(np.triu(adjacency))
        if not len(a):
            return False
        resistance = np.maximum(pinv[a, a] + pinv[b, b] - 2 * pinv[a, b], 1e-9)
        gain = ((phi[a] - phi[b]) ** 2).sum(axis=1) / resistance
        for i in np.argsort(-gain, kind="stable")[:pairs]:
            if gain[i] <= 1e-6 or self.clock() > deadline:
                break
            if self.recombine(int(a[i]), int(b[i]), pinv, energy, phi, trees=trees, polish=polish, band=band,
                              deadline=deadline):  # fmt: skip
                return True
        return False


def warm_up() -> None:
    """Compile the search's inner loops now (numba caches them on disk), so that a first proposal is quick.

    Examples
    --------
    >>> warm_up()
    """
    side = 4
    neighbours = tuple(
        tuple(j for j in (i - side, i + side, i - 1 if i % side else -1, i + 1 if i % side < side - 1 else -1)
              if 0 <= j < side * side)
        for i in range(side * side)
    )  # fmt: skip
    weights = np.arange(1.0, 2.0 * side * side + 1).reshape(side * side, 2)
    labels = np.repeat(np.arange(2, dtype=np.int64), side * side // 2)
    origin = labels.copy()
    for kwargs in ({}, {"origin": origin, "disruption": np.ones(side * side)}):
        search = BalanceSearch(neighbours, weights, labels, np.ones((2, 2)), weights.sum(axis=0) / 2,
                               np.array([0.05, 0.05]), rng=np.random.default_rng(0), **kwargs)  # fmt: skip
        deadline = time.perf_counter() + 60
        search.run(deadline, max_steps=5)
        search.run(deadline, max_steps=5, temperature=0.3, batch=1)
        search.run(deadline, max_steps=5, stop_below=0.5)
        search.recombine_best(deadline)
        search.anneal(100, stay=True)
        search.give_back()
        search.keeps_whole_each(np.arange(side, dtype=np.int64))
        search._swap(search.totals - search.target, *search.potentials(0.0)[1:], 0.0, 1.0, search.step)
        search.apply_each(np.arange(1, dtype=np.int64), search.labels[:1].copy())
    # the integer program's first call imports scipy.optimize and loads HiGHS (~0.3 s, once per process)
    from territory.repair import repair_balance

    uneven = np.tile((np.arange(side) >= side - 1).astype(np.int64), side)  # three columns against one
    repair_balance(BalanceSearch(neighbours, np.ones((side * side, 1)), uneven, np.ones((2, 1)), np.array([side * 2.0]),
                                 np.array([0.05]), rng=np.random.default_rng(0)), time.perf_counter() + 60)  # fmt: skip
