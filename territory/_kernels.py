"""Compiled inner loops of :mod:`territory.search` (numba).

``descend`` makes boundary moves that lower ``balance·Φ + compactness·cut + disruption`` (see
:mod:`territory.search`) for up to ``max_steps`` steps, keeping the potentials up to date as it goes (a move
changes two territories' excess; the pseudo-inverse of the territory graph's Laplacian is recomputed only when
two territories start or stop touching). Contiguity is checked by searches inside the territory from every neighbour
of the moved region at once (:func:`whole_racing`), which stop as soon as they have all met or one of them runs out:
about the smaller side's size.

Bands: a territory ``t`` is within when its deviation (tolerance units) is in ``[-band × scale[t],
max(band × scale[t], extra[t])]``: ``scale`` is its size relative to the others (a territory twice the size may
be twice as far off in absolute terms: the tolerance is relative), ``extra`` what a region bigger than its share
forces on it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

STUCK, STEPS, DONE = 0, 1, 2
NEAR = 64  # the border annealing looks this many regions around a move for the rest of its territory


@njit(cache=True, nogil=True)
def _excess(deviation, band, extra):
    high = band if band > extra else extra
    if deviation > high:
        return deviation - high
    if deviation < -band:
        return deviation + band
    return 0.0


@njit(cache=True, nogil=True)
def _move_delta(r, a, b, same, into_b, w, dev, low, high, energy, phi, pinv, balance, compactness, origin,
                disruption):  # fmt: skip
    """Change in ``balance·Φ + compactness·cut + disruption`` when region ``r`` goes from ``a`` to ``b``.

    ``dev``: each territory's total less its target; a territory is within on metric ``c`` between ``-low[t]`` and
    ``high[t, c]``; ``energy``: its excess now. :func:`descend` computes the same inline in its scan (a call there
    costs more than the sum itself).
    """
    delta = 0.0
    for c in range(w.shape[1]):
        x = dev[a, c] - w[r, c]
        ea = (x - high[a, c] if x > high[a, c] else (x + low[a] if x < -low[a] else 0.0)) - energy[a, c]
        y = dev[b, c] + w[r, c]
        eb = (y - high[b, c] if y > high[b, c] else (y + low[b] if y < -low[b] else 0.0)) - energy[b, c]
        delta += (2.0 * (ea * phi[a, c] + eb * phi[b, c]) + ea * ea * pinv[a, a] + eb * eb * pinv[b, b]
                  + 2.0 * ea * eb * pinv[a, b])  # fmt: skip
    delta *= balance
    delta += compactness * (same - into_b)
    if origin[r] >= 0:
        if origin[r] == a:
            delta += disruption[r]
        elif origin[r] == b:
            delta -= disruption[r]
    return delta


@njit(cache=True, nogil=True)
def _take_delta(r, b, w, totals, shares, low, high):
    """Change in territory ``b``'s squared excess over its share when it takes region ``r`` from white space.

    (Not the potentials' ``Φ``: a territory that touches no other, Texas's with white space between it and the
    rest, has none, and white space is taken to bring the territory that takes it closer to its own band. Against
    its share, not where it is aimed: a group's centre below the share, left by a territory that cannot give up what
    it holds, would keep the others from white space that brings them to their shares.)
    """
    delta = 0.0
    for c in range(w.shape[1]):
        x = totals[b, c] - shares[b, c]
        old, new = _excess(x, low[b], high[b, c]), _excess(x + w[r, c], low[b], high[b, c])
        delta += new * new - old * old
    return delta


@njit(cache=True, nogil=True)
def _border_counts(indptr, indices, labels, r, a, b):
    """Borders of region ``r`` with its own territory ``a`` and with territory ``b``."""
    same, into_b = 0, 0
    for e in range(indptr[r], indptr[r + 1]):
        lj = labels[indices[e]]
        if lj == a:
            same += 1
        elif lj == b:
            into_b += 1
    return same, into_b


@njit(cache=True, nogil=True)
def _leaves_whole(indptr, indices, labels, r, a, parts_at_start, mark, queue, stamp, limit):
    """True when territory ``a`` without ``r`` has no more parts than it started with (one, usually).

    Gives up (False) after searching ``limit`` regions around ``r``: a move whose neighbours only meet far away is
    refused without searching the whole territory (never a wrong yes, sometimes a cautious no). For an exact
    answer see :func:`_leaves_whole_exact`. A territory that started with more parts than regions (white space,
    which gives regions and need not stay whole: see :class:`territory.search.BalanceSearch`) always does.
    """
    if parts_at_start[a] > labels.shape[0]:
        return True
    if parts_at_start[a] > 1:
        return parts_without(indptr, indices, labels, r, a, mark, queue, stamp) <= parts_at_start[a]
    return whole_without(indptr, indices, labels, r, a, mark, queue, stamp, limit)


@njit(cache=True, nogil=True)
def _leaves_whole_exact(indptr, indices, labels, r, a, parts_at_start, mark, queue, owner, stamp):
    """True when territory ``a`` without ``r`` has no more parts than it started with (``owner``: scratch)."""
    if parts_at_start[a] > labels.shape[0]:
        return True
    if parts_at_start[a] > 1:
        return parts_without(indptr, indices, labels, r, a, mark, queue, stamp) <= parts_at_start[a]
    return whole_racing(indptr, indices, labels, r, a, mark, queue, owner, stamp)


@njit(cache=True, nogil=True)
def _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, a, b):
    """Move region ``r`` from territory ``a`` to ``b``, keeping totals, sizes and border counts.

    Returns True when two territories start or stop touching (the territory graph changed).
    """
    relink = False
    for e in range(indptr[r], indptr[r + 1]):
        lj = labels[indices[e]]
        if lj != a:
            adjacent[a, lj] -= 1
            adjacent[lj, a] -= 1
            if adjacent[a, lj] == 0:
                relink = True
        if lj != b:
            if adjacent[b, lj] == 0:
                relink = True
            adjacent[b, lj] += 1
            adjacent[lj, b] += 1
    labels[r] = b
    size[a] -= 1
    size[b] += 1
    for c in range(w.shape[1]):
        totals[a, c] -= w[r, c]
        totals[b, c] += w[r, c]
    return relink


@njit(cache=True, nogil=True)
def _laplacian_pinv(adjacent, active):
    """Pseudo-inverse of the Laplacian of the active territories' graph (zero rows for the others).

    For a connected graph ``L⁺ = (L + J/n)⁻¹ − J/n`` (one solve, several times faster than an SVD); otherwise
    ``numpy.linalg.pinv``.
    """
    k = adjacent.shape[0]
    index = np.empty(k, dtype=np.int64)
    n = 0
    for t in range(k):
        if active[t]:
            index[n] = t
            n += 1
    out = np.zeros((k, k))
    if n == 0:
        return out
    laplacian = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j and adjacent[index[i], index[j]] > 0:
                laplacian[i, j] = -1.0
                laplacian[i, i] += 1.0
    seen = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    seen[0] = True
    stack[0] = 0
    top, reached = 1, 1
    while top > 0:
        top -= 1
        x = stack[top]
        for y in range(n):
            if laplacian[x, y] < 0 and not seen[y]:
                seen[y] = True
                reached += 1
                stack[top] = y
                top += 1
    if reached == n:
        inverse = np.linalg.inv(laplacian + 1.0 / n) - 1.0 / n
    else:
        inverse = np.linalg.pinv(laplacian)
    for i in range(n):
        for j in range(n):
            out[index[i], index[j]] = inverse[i, j]
    return out


@njit(cache=True, nogil=True)
def whole_without(indptr, indices, labels, region, label, mark, queue, stamp, limit):
    """True when ``label``'s regions other than ``region`` that touch ``region`` are still connected.

    The search from one of them stops at ``limit`` regions (False: not shown connected).
    """
    first = -1
    wanted = 0
    for e in range(indptr[region], indptr[region + 1]):
        j = indices[e]
        if labels[j] == label and mark[j] != stamp - 1:
            mark[j] = stamp - 1  # a neighbour still to reach
            wanted += 1
            if first < 0:
                first = j
    if wanted == 0:
        return False
    if wanted == 1:
        mark[first] = stamp
        return True
    head, tail = 0, 0
    queue[tail] = first
    tail += 1
    mark[first] = stamp
    wanted -= 1
    while head < tail and tail < limit:
        x = queue[head]
        head += 1
        for e in range(indptr[x], indptr[x + 1]):
            y = indices[e]
            if y == region or labels[y] != label or mark[y] == stamp:
                continue
            if mark[y] == stamp - 1:
                wanted -= 1
                if wanted == 0:
                    return True
            mark[y] = stamp
            queue[tail] = y
            tail += 1
    return False


@njit(cache=True, nogil=True)
def whole_racing(indptr, indices, labels, region, label, mark, queue, owner, stamp):
    """Exactly :func:`whole_without` with no limit, but searching from every neighbour of ``region`` at once.

    One breadth-first search from all of ``region``'s neighbours in ``label``, each region owned by the neighbour
    that reached it first; two owners that meet are joined. True as soon as every owner is joined; False as soon as
    some joined set has nothing left to search (it is cut off from the others). It stops after searching about as
    many regions as the smaller side holds (times the neighbours), where a search from one neighbour would go round
    the whole territory when ``region`` is a cut point (most of a step's time in :func:`descend` went there).
    ``owner``: scratch of the regions' length; ``mark``: regions searched carry ``stamp``.
    """
    first = indptr[region]
    degree = indptr[region + 1] - first
    parent = np.empty(degree, dtype=np.int64)  # union-find over the owners
    pending = np.zeros(degree, dtype=np.int64)  # per set (at its root): regions queued, not yet searched
    owners, tail = 0, 0
    for e in range(first, indptr[region + 1]):
        j = indices[e]
        if j != region and labels[j] == label and mark[j] != stamp:  # (a link to itself is no way round)
            mark[j] = stamp
            owner[j] = owners
            parent[owners] = owners
            pending[owners] = 1
            queue[tail] = j
            tail += 1
            owners += 1
    if owners == 0:
        return False
    sets, head = owners, 0
    while sets > 1:
        x = queue[head]
        head += 1
        ox = owner[x]
        while parent[ox] != ox:
            ox = parent[ox]
        for e in range(indptr[x], indptr[x + 1]):
            y = indices[e]
            if y == region or labels[y] != label:
                continue
            if mark[y] != stamp:
                mark[y] = stamp
                owner[y] = ox
                pending[ox] += 1
                queue[tail] = y
                tail += 1
                continue
            oy = owner[y]
            while parent[oy] != oy:
                oy = parent[oy]
            if oy != ox:
                parent[oy] = ox
                pending[ox] += pending[oy]
                sets -= 1
                if sets == 1:
                    return True
        pending[ox] -= 1
        if pending[ox] == 0:
            return False  # x's set has nothing left to search: it does not reach the others
    return True


@njit(cache=True, nogil=True)
def _flood(indptr, indices, labels, start, skip, mark, queue, stamp):
    """Mark (``stamp``) the regions of ``start``'s territory that it reaches without passing ``skip``."""
    label = labels[start]
    head, tail = 0, 0
    queue[tail] = start
    tail += 1
    mark[start] = stamp
    while head < tail:
        x = queue[head]
        head += 1
        for e in range(indptr[x], indptr[x + 1]):
            y = indices[e]
            if y == skip or labels[y] != label or mark[y] == stamp:
                continue
            mark[y] = stamp
            queue[tail] = y
            tail += 1


@njit(cache=True, nogil=True)
def parts_without(indptr, indices, labels, region, label, mark, queue, stamp):
    """Number of connected parts of ``label``'s regions other than ``region``."""
    parts = 0
    for start in range(labels.shape[0]):
        if start != region and labels[start] == label and mark[start] != stamp:
            parts += 1
            _flood(indptr, indices, labels, start, region, mark, queue, stamp)
    return parts


@njit(cache=True, nogil=True)
def parts_of_each(indptr, indices, labels, k, mark, queue, stamp):
    """Number of connected parts of each of the ``k`` territories (one sweep over the regions)."""
    parts = np.zeros(k, dtype=np.int64)
    for start in range(labels.shape[0]):
        if mark[start] != stamp:
            parts[labels[start]] += 1
            _flood(indptr, indices, labels, start, -1, mark, queue, stamp)
    return parts


@njit(cache=True, nogil=True)
def leaves_whole_each(indptr, indices, labels, regions, size, parts_at_start, mark, queue, stamp):
    """For each of ``regions``: does its territory keep its parts (one, usually) without it? Returns (yes, stamp)."""
    yes = np.zeros(regions.shape[0], dtype=np.bool_)
    owner = np.empty(labels.shape[0], dtype=np.int64)
    for i in range(regions.shape[0]):
        r = regions[i]
        a = labels[r]
        stamp += 2
        yes[i] = (size[a] > 1 or parts_at_start[a] > labels.shape[0]) and _leaves_whole_exact(
            indptr, indices, labels, r, a, parts_at_start, mark, queue, owner, stamp
        )
    return yes, stamp


@njit(cache=True, nogil=True)
def apply_moves(indptr, indices, w, labels, totals, size, adjacent, regions, to):
    """Move each of ``regions`` to its territory in ``to`` (see :func:`_apply_move`); True if the territory graph changed."""
    relink = False
    for i in range(regions.shape[0]):
        r = regions[i]
        if labels[r] != to[i]:
            relink |= _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, labels[r], to[i])
    return relink


@njit(cache=True, nogil=True)
def best_swap(indptr, indices, labels, w, deviation, energy, phi, pinv, band, balance, extra, scale, active, movable,
              barred, tabu, step, t):  # fmt: skip
    """The trade of a border region of ``t`` for one of a neighbour's that lowers ``balance·Φ`` the most.

    ``barred[r, b]``: region ``r`` may not go to territory ``b`` (out of its reach). Returns ``(delta, out, into, b)``: ``out`` (of ``t``) goes to ``b`` and ``into`` (of ``b``) comes to ``t``;
    ``out == -1`` when no trade lowers it. Contiguity is the caller's to check.
    """
    n, m = w.shape
    k = deviation.shape[0]
    best_d, best_out, best_in, best_b = -1e-12, -1, -1, -1
    touches = np.zeros(k, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)  # t's regions on a border, in order
    n_members = 0
    for r in range(n):
        if labels[r] == t:
            on_border = False
            for e in range(indptr[r], indptr[r + 1]):
                other = labels[indices[e]]
                if other != t:
                    touches[other] = True
                    on_border = True
            if on_border:
                members[n_members] = r
                n_members += 1
    touches[t] = False
    outs = np.empty(n, dtype=np.int64)
    ins = np.empty(n, dtype=np.int64)
    seen = np.full(n, -1, dtype=np.int64)  # the b for which a region of b is already among ins
    high_t, high_b = np.empty(m), np.empty(m)
    for b in range(k):
        if not touches[b] or not active[b]:
            continue
        # Border regions of t touching b (out) and of b touching t (into), each in the order of the regions.
        n_out, n_in = 0, 0
        for i in range(n_members):
            r = members[i]
            touches_b = False
            for e in range(indptr[r], indptr[r + 1]):
                j = indices[e]
                if labels[j] == b:
                    touches_b = True
                    if seen[j] != b and movable[j] and not barred[j, t] and tabu[j] <= step:
                        seen[j] = b
                        ins[n_in] = j
                        n_in += 1
            if touches_b and movable[r] and not barred[r, b] and tabu[r] <= step:
                outs[n_out] = r
                n_out += 1
        ins[:n_in].sort()
        # The bands of t and b (as _excess reads them), read once: the excess is computed inline below (a call per
        # pair took most of the time).
        low_t, low_b = band * scale[t], band * scale[b]
        for c in range(m):
            high_t[c] = low_t if low_t > extra[t, c] else extra[t, c]
            high_b[c] = low_b if low_b > extra[b, c] else extra[b, c]
        for i in range(n_out):
            out = outs[i]
            for j in range(n_in):
                into = ins[j]
                delta = 0.0
                for c in range(m):
                    net = w[into, c] - w[out, c]  # what t gains
                    x = deviation[t, c] + net
                    et = (x - high_t[c] if x > high_t[c] else (x + low_t if x < -low_t else 0.0)) - energy[t, c]
                    y = deviation[b, c] - net
                    eb = (y - high_b[c] if y > high_b[c] else (y + low_b if y < -low_b else 0.0)) - energy[b, c]
                    delta += (2.0 * (et * phi[t, c] + eb * phi[b, c]) + et * et * pinv[t, t] + eb * eb * pinv[b, b]
                              + 2.0 * et * eb * pinv[t, b])  # fmt: skip
                delta *= balance
                if delta < best_d:
                    best_d, best_out, best_in, best_b = delta, out, into, b
    return best_d, best_out, best_in, best_b


@njit(cache=True, nogil=True)
def _on_border(indptr, indices, labels, r):
    """True when region ``r`` has a neighbour in another territory."""
    for e in range(indptr[r], indptr[r + 1]):
        if labels[indices[e]] != labels[r]:
            return True
    return False


@njit(cache=True, nogil=True)
def _score_now(indptr, indices, labels, r, a, b, w, totals, shares, dev, low, high, energy, phi, pinv, balance,
               compactness, origin, disruption, givers):  # fmt: skip
    """The change a move of ``r`` from ``a`` to ``b`` makes now (infinity once ``r`` no longer touches ``b``)."""
    same, into_b = _border_counts(indptr, indices, labels, r, a, b)
    if into_b == 0:
        return np.inf
    if givers[a]:
        return balance * _take_delta(r, b, w, totals, shares, low, high)
    return _move_delta(r, a, b, same, into_b, w, dev, low, high, energy, phi, pinv, balance, compactness, origin,
                       disruption)  # fmt: skip


@njit(cache=True, nogil=True)
def _keep_best(top_d, top_r, top_a, top_b, n_top, cap, delta, r, a, b):
    """Put move ``(r, a, b)`` of change ``delta`` into the sorted list of the ``cap`` best; returns its length."""
    i = n_top if n_top < cap else cap - 1
    while i > 0 and top_d[i - 1] > delta:
        if i < cap:
            top_d[i] = top_d[i - 1]
            top_r[i] = top_r[i - 1]
            top_a[i] = top_a[i - 1]
            top_b[i] = top_b[i - 1]
        i -= 1
    top_d[i] = delta
    top_r[i] = r
    top_a[i] = a
    top_b[i] = b
    return n_top + 1 if n_top < cap else n_top


@njit(cache=True, nogil=True)
def descend(indptr, indices, degree, w, labels, totals, target, scale, extra, big, active, movable, barred, size, tabu,
            parts_at_start, origin, disruption, adjacent, pinv, band, balance, compactness, batch, per_territory,
            max_steps, step, stop_below, tol_max, mark, queue, stamp, temperature, seed, givers, shares,
            rescan):  # fmt: skip
    """Make up to ``max_steps`` steps of boundary moves. Returns ``(status, step, stamp, pinv)``.

    ``barred[r, b]``: region ``r`` may not go to territory ``b``. ``givers[a]``: territory ``a`` is white space
    (inactive, its regions movable): a region of it is taken only where that brings the taker closer to its share
    (``shares``, territories × metrics in the units of ``totals``; not for borders), and never by the random move
    of a shake.

    With ``temperature > 0`` each step also tries one random move, made with probability
    ``exp(-delta / temperature)`` (a shake for an iterated local search; ``seed`` seeds numba's generator).

    With ``rescan > 1`` (and no temperature) a step scans every move only once in ``rescan`` steps, or when none
    of the others helps any more; the full scan keeps its best ``4·top`` improving moves, and the steps between
    score only those again (the potentials change little from one step to the next, and the scan is most of a
    step's time on a map of counties). ``STUCK`` is said only after a full scan.
    """
    if temperature > 0:
        np.random.seed(seed)
    n, m = w.shape
    k = totals.shape[0]
    # Each territory's deviation and band, kept up to date as regions move (the scan reads them for every move).
    dev = totals - target
    low = band * scale
    owner = np.empty(n, dtype=np.int64)  # scratch for whole_racing
    high = np.empty((k, m))
    energy = np.zeros((k, m))
    for t in range(k):
        for c in range(m):
            high[t, c] = low[t] if low[t] > extra[t, c] else extra[t, c]
            if active[t]:
                energy[t, c] = _excess(dev[t, c], low[t], extra[t, c])
    phi = pinv @ energy
    top = 4 * batch + 8  # the best improving moves of a step, kept sorted while scanning
    # With ``rescan > 1`` a full scan keeps its best ``keep`` moves as a pool, and the steps until the next full
    # scan score only those again (the potentials change little from one step to the next).
    keep = 4 * top if rescan > 1 and temperature <= 0 else top
    top_d = np.empty(keep)
    top_r = np.empty(keep, dtype=np.int64)
    top_a = np.empty(keep, dtype=np.int64)
    top_b = np.empty(keep, dtype=np.int64)
    pool_r = np.empty(keep, dtype=np.int64)
    pool_a = np.empty(keep, dtype=np.int64)
    pool_b = np.empty(keep, dtype=np.int64)
    pool_n = 0
    since = 0
    count = np.zeros(k, dtype=np.int64)
    touched = np.empty(k, dtype=np.int64)
    used = np.zeros(k, dtype=np.int64)
    # Only regions on a border between territories have moves: they are flagged once, and again around each move.
    border = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        border[r] = _on_border(indptr, indices, labels, r)
    idle = 0
    for _ in range(max_steps):
        step += 1
        if stop_below > 0:
            worst = 0.0
            for t in range(k):
                if active[t]:
                    for c in range(m):
                        d = abs(totals[t, c] - target[t, c])
                        if d > worst:
                            worst = d
            if worst * tol_max < stop_below:
                return DONE, step, stamp, pinv
        n_top = 0
        seen = 0
        pick_r, pick_a, pick_b, pick_d = -1, -1, -1, 0.0
        full = keep == top or pool_n == 0 or since >= rescan
        if not full:
            since += 1
            for i in range(pool_n):
                r, a, b = pool_r[i], pool_a[i], pool_b[i]
                if labels[r] != a or tabu[r] > step or not active[b] or barred[r, b]:
                    continue
                delta = _score_now(indptr, indices, labels, r, a, b, w, totals, shares, dev, low, high, energy, phi,
                                   pinv, balance, compactness, origin, disruption, givers)  # fmt: skip
                if delta == np.inf:
                    continue
                seen += 1
                if delta < -1e-12 and (n_top < top or delta < top_d[n_top - 1]):
                    n_top = _keep_best(top_d, top_r, top_a, top_b, n_top, top, delta, r, a, b)
            if n_top == 0:
                full = True
        if full:
            since = 1
        for r in range(n if full else 0):
            if not border[r] or not movable[r] or tabu[r] > step:
                continue
            a = labels[r]
            same = 0
            n_touched = 0
            for e in range(indptr[r], indptr[r + 1]):
                lj = labels[indices[e]]
                if lj == a:
                    same += 1
                else:
                    if count[lj] == 0:
                        touched[n_touched] = lj
                        n_touched += 1
                    count[lj] += 1
            for q in range(n_touched):
                b = touched[q]
                c_b = count[b]
                count[b] = 0
                if not active[b] or barred[r, b]:
                    continue
                if givers[a]:  # (white space is taken for balance alone, by the taker's own excess; not in a shake)
                    delta = balance * _take_delta(r, b, w, totals, shares, low, high)
                    seen += 1
                else:
                    # _move_delta, inline: called, it takes about 2.5 times as long (numba passes each array as a
                    # struct), and this is most of a step's time
                    delta = 0.0
                    for c in range(m):
                        x = dev[a, c] - w[r, c]
                        ea = (x - high[a, c] if x > high[a, c] else (x + low[a] if x < -low[a] else 0.0)) - energy[a, c]
                        y = dev[b, c] + w[r, c]
                        eb = (y - high[b, c] if y > high[b, c] else (y + low[b] if y < -low[b] else 0.0)) - energy[b, c]
                        delta += (2.0 * (ea * phi[a, c] + eb * phi[b, c]) + ea * ea * pinv[a, a]
                                  + eb * eb * pinv[b, b] + 2.0 * ea * eb * pinv[a, b])  # fmt: skip
                    delta *= balance
                    delta += compactness * (same - c_b)
                    if origin[r] >= 0:
                        if origin[r] == a:
                            delta += disruption[r]
                        elif origin[r] == b:
                            delta -= disruption[r]
                    seen += 1
                    if temperature > 0 and np.random.random() * seen < 1.0:  # one move picked at random
                        pick_r, pick_a, pick_b, pick_d = r, a, b, delta
                if delta < -1e-12 and (n_top < keep or delta < top_d[n_top - 1]):
                    n_top = _keep_best(top_d, top_r, top_a, top_b, n_top, keep, delta, r, a, b)
        if full and keep > top:
            pool_n = n_top
            for i in range(n_top):
                pool_r[i], pool_a[i], pool_b[i] = top_r[i], top_a[i], top_b[i]
        if seen == 0 or (n_top == 0 and pick_r < 0):
            return STUCK, step, stamp, pinv
        tries = min(n_top, top)
        take_pick = pick_r >= 0 and (pick_d <= 0 or np.random.random() < np.exp(-pick_d / temperature))
        used[:] = 0
        moved = 0
        tried = 0
        relink = False
        for q in range(-1, tries):
            if q < 0:
                if not take_pick:
                    continue
                r, a, b = pick_r, pick_a, pick_b
            else:
                r, a, b = top_r[q], top_a[q], top_b[q]
            if labels[r] != a or used[a] >= per_territory or used[b] >= per_territory:
                continue
            if moved > 0 and not (q < 0):
                # earlier moves of this step changed the potentials: score this one again
                if _score_now(indptr, indices, labels, r, a, b, w, totals, shares, dev, low, high, energy, phi, pinv,
                              balance, compactness, origin, disruption, givers) >= -1e-12:  # fmt: skip
                    continue
            tried += 1
            if tried > 4 * batch:
                break
            if size[a] <= 1 and not givers[a]:
                tabu[r] = step + 25
                continue
            stamp += 2
            if not _leaves_whole_exact(indptr, indices, labels, r, a, parts_at_start, mark, queue, owner, stamp):
                tabu[r] = step + 25
                continue
            # the move
            if _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, a, b):
                relink = True
            border[r] = _on_border(indptr, indices, labels, r)
            for e in range(indptr[r], indptr[r + 1]):
                border[indices[e]] = _on_border(indptr, indices, labels, indices[e])
            if big[r]:
                for t in (a, b):
                    for c in range(m):
                        extra[t, c] = 0.0
                    for x in range(n):
                        if big[x] and labels[x] == t:
                            for c in range(m):
                                over = w[x, c] - target[t, c]
                                if over > extra[t, c]:
                                    extra[t, c] = over
            for t in (a, b):
                for c in range(m):
                    dev[t, c] = totals[t, c] - target[t, c]
                    high[t, c] = low[t] if low[t] > extra[t, c] else extra[t, c]
                    new = _excess(dev[t, c], low[t], extra[t, c]) if active[t] else 0.0
                    change = new - energy[t, c]
                    if change != 0.0:
                        energy[t, c] = new
                        for u in range(k):
                            phi[u, c] += pinv[u, t] * change
            tabu[r] = step + 3
            used[a] += 1
            used[b] += 1
            moved += 1
            if moved >= batch:
                break
        if relink:
            pinv = _laplacian_pinv(adjacent, active)
            phi = pinv @ energy
        if moved == 0:
            idle += 1
            if (tried == 0 and not take_pick) or idle > 30:  # nothing helps, or only moves that split territories
                return STUCK, step, stamp, pinv
        else:
            idle = 0
    return STEPS, step, stamp, pinv


@njit(cache=True, nogil=True)
def tree_sums(size, ii, jj, rand, root, values):
    """A random spanning tree (Kruskal on ``rand`` edge weights) and the sums of ``values`` below each node.

    The tree is rooted at ``root``. Returns ``(order, sums)``: the nodes in depth-first preorder (a node's subtree is the ``sums[v, -1]``-long run
    starting at its place, when the last column of ``values`` is ones) and the subtree sums; ``order`` is shorter
    than ``size`` when the graph is not connected.
    """
    parent_set = np.arange(size)
    count = 0
    tree_a = np.empty(size, dtype=np.int64)
    tree_b = np.empty(size, dtype=np.int64)
    for e in np.argsort(rand):
        x, y = ii[e], jj[e]
        while parent_set[x] != x:
            parent_set[x] = parent_set[parent_set[x]]
            x = parent_set[x]
        while parent_set[y] != y:
            parent_set[y] = parent_set[parent_set[y]]
            y = parent_set[y]
        if x != y:
            parent_set[x] = y
            tree_a[count] = ii[e]
            tree_b[count] = jj[e]
            count += 1
            if count == size - 1:
                break
    degree = np.zeros(size + 1, dtype=np.int64)
    for c in range(count):
        degree[tree_a[c] + 1] += 1
        degree[tree_b[c] + 1] += 1
    start = np.cumsum(degree)
    fill = start[:-1].copy()
    links = np.empty(2 * count, dtype=np.int64)
    for c in range(count):
        links[fill[tree_a[c]]] = tree_b[c]
        fill[tree_a[c]] += 1
        links[fill[tree_b[c]]] = tree_a[c]
        fill[tree_b[c]] += 1
    order = np.empty(size, dtype=np.int64)
    parent = np.full(size, -1, dtype=np.int64)
    seen = np.zeros(size, dtype=np.bool_)
    stack = np.empty(size, dtype=np.int64)
    top, n_order = 1, 0
    stack[0] = root
    seen[root] = True
    while top > 0:
        top -= 1
        x = stack[top]
        order[n_order] = x
        n_order += 1
        for e in range(start[x], start[x + 1]):
            y = links[e]
            if not seen[y]:
                seen[y] = True
                parent[y] = x
                stack[top] = y
                top += 1
    sums = values.copy()
    for i in range(n_order - 1, 0, -1):
        x = order[i]
        p = parent[x]
        for c in range(values.shape[1]):
            sums[p, c] += sums[x, c]
    return order[:n_order], sums


@njit(cache=True, nogil=True)
def _fits(total, target, extra, limit, change):
    """True when ``total + change`` is inside ``[-limit, max(limit, extra)]`` of ``target``, or no farther out."""
    high = limit if limit > extra else extra
    after = total + change - target
    if -limit <= after <= high:
        return True
    before = total - target
    if after > 0:
        return before > high and after <= before
    return before < -limit and after >= before


@njit(cache=True, nogil=True)
def _reverse_edges(indptr, indices):
    """For each directed edge ``r → j`` (a position in ``indices``), the position of ``j → r``."""
    n = indptr.shape[0] - 1
    rev = np.empty(indices.shape[0], dtype=np.int64)
    for r in range(n):
        for e in range(indptr[r], indptr[r + 1]):
            j = indices[e]
            for f in range(indptr[j], indptr[j + 1]):
                if indices[f] == r:
                    rev[e] = f
                    break
    return rev


@njit(cache=True, nogil=True)
def _file(e, new, owner, lists, place, count):
    """File edge ``e`` under territory ``new`` (its source's, when the edge is cut; -1: not filed)."""
    old = owner[e]
    if old == new:
        return
    if old >= 0:
        p = place[e]
        last = lists[old, count[old] - 1]
        lists[old, p] = last
        place[last] = p
        count[old] -= 1
    if new >= 0:
        lists[new, count[new]] = e
        place[e] = count[new]
        count[new] += 1
    owner[e] = new


@njit(cache=True, nogil=True)
def _refile(indptr, indices, rev, labels, r, owner, lists, place, count):
    """File again the edges at ``r`` after it changed territory (``labels`` already updated)."""
    b = labels[r]
    for e in range(indptr[r], indptr[r + 1]):
        j = indices[e]
        cut = labels[j] != b
        _file(e, b if cut else -1, owner, lists, place, count)
        _file(rev[e], labels[j] if cut else -1, owner, lists, place, count)


@njit(cache=True, nogil=True)
def _pick_cut(count, total):
    """A territory drawn in proportion to its cut edges (``total`` of them in all)."""
    x = np.random.randint(total)
    for t in range(count.shape[0]):
        if x < count[t]:
            return t, x
        x -= count[t]
    return -1, -1


@njit(cache=True, nogil=True)
def _score(indptr, indices, labels, origin, disruption, r, a, b):
    """Change in cut borders (plus disruption) when ``r`` goes from ``a`` to ``b``."""
    same, into_b = _border_counts(indptr, indices, labels, r, a, b)
    delta = float(same - into_b)
    if origin[r] >= 0:
        if origin[r] == a:
            delta += disruption[r]
        elif origin[r] == b:
            delta -= disruption[r]
    return delta, into_b


@njit(cache=True, nogil=True)
def _both_fit(totals, target, extra, scale, limit, a, b, w, r, s):
    """True when ``r`` going from ``a`` to ``b`` (and ``s`` from ``b`` to ``a`` when ``s >= 0``) keeps both in."""
    for c in range(w.shape[1]):
        change = w[r, c] - (w[s, c] if s >= 0 else 0.0)
        if not (_fits(totals[a, c], target[a, c], extra[a, c], limit * scale[a], -change)
                and _fits(totals[b, c], target[b, c], extra[b, c], limit * scale[b], change)):  # fmt: skip
            return False
    return True


@njit(cache=True, nogil=True)
def _one_fits(totals, target, extra, scale, limit, t, w, x, sx, y, sy):
    """True when ``t`` changed by ``sx × w[x]`` (and ``sy × w[y]`` when ``y >= 0``) stays in (see :func:`_fits`)."""
    for c in range(w.shape[1]):
        change = sx * w[x, c] + (sy * w[y, c] if y >= 0 else 0.0)
        if not _fits(totals[t, c], target[t, c], extra[t, c], limit * scale[t], change):
            return False
    return True


@njit(cache=True, nogil=True)
def _excess_change(totals, target, extra, scale, limit, t, w, x, sx, y, sy):
    """The change in ``t``'s excess beyond its band when it changes by ``sx × w[x]`` (``+ sy × w[y]`` if ``y >= 0``).

    Summed over the metrics, relative to the territory's size (``scale``), as :func:`_fits` reads the band.
    """
    low = limit * scale[t]
    change = 0.0
    for c in range(w.shape[1]):
        high = low if low > extra[t, c] else extra[t, c]
        before = totals[t, c] - target[t, c]
        after = before + sx * w[x, c] + (sy * w[y, c] if y >= 0 else 0.0)
        if after > high:
            change += after - high
        elif after < -low:
            change += -low - after
        if before > high:
            change -= before - high
        elif before < -low:
            change -= -low - before
    return change / scale[t]


@njit(cache=True, nogil=True)
def _no_lighter(w, y, r):
    """Whether region ``y`` weighs at least as much as ``r`` on every metric."""
    for c in range(w.shape[1]):
        if w[y, c] < w[r, c]:
            return False
    return True


@njit(cache=True, nogil=True)
def anneal(indptr, indices, w, labels, totals, target, scale, extra, big, active, movable, barred, size, parts_at_start,
           origin, disruption, adjacent, limit, iterations, t_start, t_end, seed, mark, queue, stamp, pairs,
           balance=0.0, home_swaps=False):  # fmt: skip
    """Simulated annealing of the borders: fewer cut region borders (plus disruption), balance held.

    ``iterations`` times: a random cut border (region ``r`` in ``a``, its neighbour in ``b``) proposes moving ``r``
    to ``b``; the move is scored by the change in cut borders (and in ``disruption`` when it leaves or returns to
    ``origin``) and made with the Metropolis rule at a temperature falling geometrically from ``t_start`` to
    ``t_end``, when both territories stay within ``±limit × scale`` of their targets on every metric (above: up to
    their big regions' ``extra`` when that is more), or no farther out than before, and the territory it leaves
    stays whole. A move that would take a territory out is made, when ``pairs > 0``, together with a second move
    that makes room (among up to ``pairs`` drawn at random): when ``b`` would be over, a region of ``b`` going to
    a neighbouring territory (``a`` or another one, when ``a`` is fine without ``r``); when only ``a`` would be
    under, a region of a neighbouring territory coming into ``a``; every territory the two touch kept in. The two
    are scored together (a swap or a shift along a chain of territories lets a border straighten where single
    moves are held by the balance; the second region never leaves its ``origin``). Regions bigger than a share do
    not move.
    With ``home_swaps`` (a plan being rebalanced, regions held to their ``origin`` by a prohibitive ``disruption``),
    a region may still leave its origin together with a region of at least its weight on every metric going back
    to its own: the pair is scored by its borders alone. Without it the first regions a search moved stay
    wherever they went (a one-county-wide corridor), since every move that would straighten them leaves an origin.
    Neither move takes a region where ``barred[r, b]`` bars it. Returns ``(moves, stamp)``.
    """
    np.random.seed(seed)
    n, m = w.shape
    k = totals.shape[0]
    moves = 0
    n_edges = indices.shape[0]
    if iterations <= 0 or n == 0 or k == 0:
        return moves, stamp
    rev = _reverse_edges(indptr, indices)
    src = np.empty(n_edges, dtype=np.int64)
    for r in range(n):
        for e in range(indptr[r], indptr[r + 1]):
            src[e] = r
    # The cut edges filed by their source's territory: a random cut border, or one leaving a given territory,
    # in constant time.
    owner = np.full(n_edges, -1, dtype=np.int64)
    place = np.zeros(n_edges, dtype=np.int64)
    count = np.zeros(k, dtype=np.int64)
    lists = np.empty((k, max(n_edges, 1)), dtype=np.int64)
    for e in range(n_edges):
        if labels[src[e]] != labels[indices[e]]:
            _file(e, labels[src[e]], owner, lists, place, count)
    ratio = (t_end / t_start) ** (1.0 / iterations)
    temperature = t_start
    for _ in range(iterations):
        temperature *= ratio
        total = 0
        for t in range(k):
            total += count[t]
        if total == 0:
            break
        a, x = _pick_cut(count, total)
        e = lists[a, x]
        r = src[e]
        b = labels[indices[e]]
        if not movable[r] or big[r] or not active[b] or barred[r, b]:
            continue
        delta, _ = _score(indptr, indices, labels, origin, disruption, r, a, b)
        leaving = home_swaps and origin[r] == a  # (only with a region going home: scored as a pair, below)
        fits = -1  # not known yet
        score = delta
        if (
            balance > 0.0 and not leaving
        ):  # a move that brings territories closer to their bands counts as borders saved
            fits = 1 if _both_fit(totals, target, extra, scale, limit, a, b, w, r, -1) else 0
            if fits == 1:
                score += balance * (
                    _excess_change(totals, target, extra, scale, limit, a, w, r, -1.0, -1, 0.0)
                    + _excess_change(totals, target, extra, scale, limit, b, w, r, 1.0, -1, 0.0)
                )
        if not leaving and score > 0 and np.random.random() >= np.exp(-score / temperature):
            continue
        if size[a] <= 1:
            continue
        if not leaving and (
            fits == 1 or (fits == -1 and _both_fit(totals, target, extra, scale, limit, a, b, w, r, -1))
        ):
            stamp += 2
            if not _leaves_whole(indptr, indices, labels, r, a, parts_at_start, mark, queue, stamp, NEAR):
                continue
            _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, a, b)
            _refile(indptr, indices, rev, labels, r, owner, lists, place, count)
            moves += 1
            continue
        # Out of balance alone: a second move that makes room, made with it — when b would be over, a region of b
        # going to a neighbour c of b; when only a would be under, a region of a neighbour c coming into a (c = a
        # or b: a swap across the same border, the only way when both would be out).
        b_fits = _one_fits(totals, target, extra, scale, limit, b, w, r, 1.0, -1, 0.0)
        a_fits = b_fits or _one_fits(totals, target, extra, scale, limit, a, w, r, -1.0, -1, 0.0)
        s, s_from, s_to = -1, -1, -1
        for _t in range(pairs):
            if not b_fits:
                if count[b] == 0:
                    break
                f = lists[b, np.random.randint(count[b])]
                y, y_from, y_to = src[f], b, labels[indices[f]]
                if y_to != a and not (a_fits and active[y_to]):
                    continue
            else:
                if count[a] == 0:
                    break
                f = lists[a, np.random.randint(count[a])]
                y, y_from, y_to = indices[f], labels[indices[f]], a
                if not active[y_from]:
                    continue
            if not movable[y] or big[y] or origin[y] == y_from or y == r or barred[y, y_to]:
                continue
            if leaving and (origin[y] != y_to or not _no_lighter(w, y, r)):  # (going home, no less than r moves)
                continue
            if y_from == b and y_to == a:
                ok = _both_fit(totals, target, extra, scale, limit, a, b, w, r, y)
            elif y_from == b:  # b gives y to c; a is fine without r
                ok = (_one_fits(totals, target, extra, scale, limit, b, w, r, 1.0, y, -1.0)
                      and _one_fits(totals, target, extra, scale, limit, y_to, w, y, 1.0, -1, 0.0))  # fmt: skip
            else:  # c gives y to a; b is fine with r
                ok = (_one_fits(totals, target, extra, scale, limit, a, w, r, -1.0, y, 1.0)
                      and _one_fits(totals, target, extra, scale, limit, y_from, w, y, -1.0, -1, 0.0))  # fmt: skip
            if ok:
                s, s_from, s_to = y, y_from, y_to
                break
        if s < 0:
            continue
        closer = 0.0  # the pair's change in excess, over the territories it touches (before either move)
        if balance > 0.0:  # a loses r (and takes s when s comes to it); b takes r (and gives s when s is b's)
            closer = _excess_change(
                totals, target, extra, scale, limit, a, w, r, -1.0, s if s_to == a else -1, 1.0
            ) + _excess_change(totals, target, extra, scale, limit, b, w, r, 1.0, s if s_from == b else -1, -1.0)
            if s_to != a:  # on along a chain: a third territory takes s
                closer += _excess_change(totals, target, extra, scale, limit, s_to, w, s, 1.0, -1, 0.0)
            elif s_from != b:  # in along a chain: a third territory gives s
                closer += _excess_change(totals, target, extra, scale, limit, s_from, w, s, -1.0, -1, 0.0)
        stamp += 2
        if not _leaves_whole(indptr, indices, labels, r, a, parts_at_start, mark, queue, stamp, NEAR):
            continue
        _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, a, b)
        # the second move, scored after the first; the two are judged by their whole change (the first move's
        # part passed the Metropolis rule already)
        delta2, into = _score(indptr, indices, labels, origin, disruption, s, s_from, s_to)
        good = into > 0 and size[s_from] > 1
        # (leaving: the first move's part is judged here, with the second's; its disruption and the second's cancel)
        rest = delta + delta2 + balance * closer - (0.0 if leaving else max(delta, 0.0))
        if good and rest > 0:
            good = np.random.random() < np.exp(-rest / temperature)
        if good:
            stamp += 2
            good = _leaves_whole(indptr, indices, labels, s, s_from, parts_at_start, mark, queue, stamp, NEAR)
        if not good:
            _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, b, a)
            continue
        _refile(indptr, indices, rev, labels, r, owner, lists, place, count)
        _apply_move(indptr, indices, w, labels, totals, size, adjacent, s, s_from, s_to)
        _refile(indptr, indices, rev, labels, s, owner, lists, place, count)
        moves += 2
    return moves, stamp


@njit(cache=True, nogil=True)
def give_back(indptr, indices, w, labels, totals, target, scale, extra, big, active, movable, barred, size,
              parts_at_start, origin, disruption, adjacent, mark, queue, stamp):  # fmt: skip
    """Move regions back to their ``origin`` territory where both territories stay in their bands.

    Regions go back heaviest ``disruption`` first, in passes until none can: each goes when its origin touches it,
    both territories stay within ``±scale`` of their targets on every metric (above: up to their big regions'
    ``extra``; one already out may only come closer, as :func:`_fits` reads it) and the territory it leaves has no
    more parts than it started with (checked exactly: :func:`whole_racing`). A region of no disruption goes back
    only where that cuts no more borders. Regions bigger than a share, locked regions and inactive territories
    stay. Returns ``(moves, stamp)``.
    """
    n = labels.shape[0]
    owner = np.empty(n, dtype=np.int64)  # scratch for whole_racing
    order = np.argsort(-disruption, kind="mergesort")
    moves = 0
    changed = True
    while changed:
        changed = False
        for r in order:
            a, b = labels[r], origin[r]
            if b < 0 or a == b or not movable[r] or big[r] or not active[a] or not active[b] or barred[r, b]:
                continue
            same, into_b = _border_counts(indptr, indices, labels, r, a, b)
            if into_b == 0 or size[a] <= 1 or (disruption[r] <= 0 and same > into_b):
                continue
            if not _both_fit(totals, target, extra, scale, 1.0, a, b, w, r, -1):
                continue
            stamp += 2
            if not _leaves_whole_exact(indptr, indices, labels, r, a, parts_at_start, mark, queue, owner, stamp):
                continue
            _apply_move(indptr, indices, w, labels, totals, size, adjacent, r, a, b)
            moves += 1
            changed = True
    return moves, stamp
