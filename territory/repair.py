"""An exact step for the balance search: one round of border moves chosen all at once by an integer program.

The search (:mod:`territory.search`) judges moves two territories at a time. A plan can end with a few territories
just out while every other one sits at the edge of its band: the excess would have to travel through territories
that are within, each of which gives as much as it takes (a chain of trades). :func:`repair_balance` looks at every
border region of the plan at once and asks a mixed-integer program (HiGHS, through :func:`scipy.optimize.milp`)
for a set of border moves after which **every** territory is within its band on every metric, chains included.

Each border region may go to one territory it touches. The program keeps the plan whole in the ways one round of
moves can break it:

- a region whose move alone would split its territory does not move;
- a region joining a territory keeps a neighbour there that stays;
- a region that stays keeps a neighbour of its territory that stays;
- any other split found in the answer (two regions leaving from both sides of a narrow part) is cut off with a
  constraint (at least one of the regions around the cut-off part stays) and the program is solved again.

Rebalancing a plan, the program moves as little as possible (the disruption of each move); from scratch it stops at
the first plan found. Locked regions, regions bigger than a share and regions of territories that are not active
stay; territories that start in several parts neither give regions nor are split.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp  # (imported with the module: ~0.3 s, not in a run's time)
from scipy.sparse import coo_matrix

__all__ = ["repair_balance"]


def repair_balance(search, deadline: float, *, margin: float = 0.98, max_rounds: int = 12) -> str:
    """Move border regions of ``search``'s plan so that every territory is within its band; ``"within"`` when done.

    Parameters
    ----------
    search : territory.search.BalanceSearch
        The plan, changed in place (by :meth:`~territory.search.BalanceSearch.apply`) only when a plan within is
        found; otherwise left as it was.
    deadline : float
        ``time.perf_counter()`` value to stop by (the program gets the time left).
    margin : float, default 0.98
        The share of each band the program may use, so that the plan found is inside it and not on its edge.
    max_rounds : int, default 12
        How many times the program may be solved again after an answer that splits a territory.

    Returns
    -------
    str
        ``"within"``: the plan is now within on every metric (``search.over() == 0``). Otherwise the plan is
        unchanged: ``"none"`` when no round of border moves gets there (or the answers kept splitting territories
        after ``max_rounds``), ``"time"`` when the time ran out first.

    Examples
    --------
    A 2 × 4 grid of two territories: three columns on the left, one on the right. One round moves a column.

    >>> import numpy as np, time
    >>> from territory.search import BalanceSearch
    >>> neighbours = [[1, 4], [0, 2, 5], [1, 3, 6], [2, 7], [0, 5], [1, 4, 6], [2, 5, 7], [3, 6]]
    >>> labels = np.array([0, 0, 0, 1, 0, 0, 0, 1])
    >>> search = BalanceSearch(neighbours, np.ones((8, 1)), labels, np.ones((2, 1)), np.array([4.0]), np.array([0.05]))
    >>> repair_balance(search, time.perf_counter() + 5), search.labels.tolist()
    ('within', [0, 0, 1, 1, 0, 0, 1, 1])
    """
    from territory.optimizer import _stdout_silenced, components

    if search.over() <= 0:
        return "within"
    labels, neighbours = search.labels, search.neighbours
    active = search.active
    whole_at_start = search.parts_at_start <= 1
    # Candidate moves: region r of territory a to a touching territory b.
    src, dst = search.src, search.dst
    la, lb = labels[src], labels[dst]
    mobile = search.movable & ~search.big
    edge = (la != lb) & mobile[src] & active[lb] & whole_at_start[la] & ~search.barred[src, lb]
    pairs = np.unique(np.column_stack([src[edge], lb[edge]]), axis=0) if edge.any() else np.zeros((0, 2), np.int64)
    if not len(pairs):
        return "none"
    # A region whose move alone splits its territory stays.
    regions = np.unique(pairs[:, 0])
    splits = regions[~search.keeps_whole_each(regions)]
    if len(splits):
        pairs = pairs[~np.isin(pairs[:, 0], splits)]
    if not len(pairs):
        return "none"
    r_of, b_of = pairs[:, 0], pairs[:, 1]
    a_of = labels[r_of]
    n_moves = len(pairs)
    moves_of: dict[int, list[int]] = {}
    for v, r in enumerate(r_of.tolist()):
        moves_of.setdefault(r, []).append(v)

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    low: list[float] = []
    high: list[float] = []

    def constraint(columns, coefficients, lo, hi) -> None:
        row = len(low)
        rows.extend([row] * len(columns))
        cols.extend(columns)
        vals.extend(coefficients)
        low.append(lo)
        high.append(hi)

    for vs in moves_of.values():  # one move a region at most
        if len(vs) > 1:
            constraint(vs, [1.0] * len(vs), 0.0, 1.0)
    # Every active territory within its band on every metric (tolerance units, as the search's loads).
    deviation = search.totals - search.target
    for t in np.flatnonzero(active).tolist():
        out, into = np.flatnonzero(a_of == t), np.flatnonzero(b_of == t)
        band_low = margin * search.scale[t]
        for m in range(search.m):
            band_high = margin * max(search.scale[t], search.extra[t, m])
            coefficients = np.concatenate([-search.w[r_of[out], m], search.w[r_of[into], m]])
            constraint(np.concatenate([out, into]).tolist(), coefficients.tolist(),
                       -band_low - deviation[t, m], band_high - deviation[t, m])  # fmt: skip
    for v in range(n_moves):  # a region joining b keeps a neighbour in b that stays
        r, b = int(r_of[v]), int(b_of[v])
        there = [j for j in neighbours[r] if labels[j] == b]
        if all(j in moves_of for j in there):
            columns = [v] + [u for j in there for u in moves_of[j]]
            constraint(columns, [1.0] * len(columns), -np.inf, float(len(there)))
    for s in range(search.n):  # a region that stays keeps a neighbour of its territory that stays
        a = labels[s]
        if not active[a]:
            continue
        same = [j for j in neighbours[s] if labels[j] == a]
        if not same or not all(j in moves_of for j in same):
            continue
        own, theirs = moves_of.get(s, []), [u for j in same for u in moves_of[j]]
        constraint(own + theirs, [1.0] * len(own) + [-1.0] * len(theirs), 1.0 - len(same), np.inf)

    cost = np.zeros(n_moves)
    if search.origin is not None and search.disruption is not None:
        home = search.origin[r_of]
        cost = search.disruption[r_of] * ((b_of != home).astype(float) - (a_of != home).astype(float))
    for _ in range(max_rounds):
        left = deadline - search.clock()
        if left <= 0:
            return "time"
        matrix = coo_matrix((vals, (rows, cols)), shape=(len(low), n_moves)).tocsr()
        with _stdout_silenced():  # HiGHS may print on standard output (a CLI's stdout stays its output)
            answer = milp(cost, constraints=LinearConstraint(matrix, low, high), integrality=np.ones(n_moves),
                          bounds=Bounds(0, 1), options={"time_limit": left, "mip_rel_gap": 0.2})  # fmt: skip
        if answer.x is None:  # no round of border moves gets every territory within, or the time ran out
            return "time" if answer.status == 1 else "none"
        if answer.status == 1:  # the best answer found when the time ran out: another run may find another
            search.clock_cut = True
        chosen = np.flatnonzero(answer.x > 0.5)
        new = labels.copy()
        new[r_of[chosen]] = b_of[chosen]
        cuts = broken = 0
        for t in np.unique(np.concatenate([a_of[chosen], b_of[chosen]])).tolist():
            parts = components(np.flatnonzero(new == t).tolist(), neighbours)
            if len(parts) <= 1:
                continue
            broken += 1
            parts.sort(key=len, reverse=True)
            for part in parts[1:]:
                # At least one of the regions that left t around this part stays (or, for a part of regions that
                # joined t, one of them does not join).
                around = {j for r in part for j in neighbours[r] if labels[j] == t and new[j] != t}
                columns = [v for j in around for v in moves_of[j]]
                if not columns:
                    columns = [v for r in part if labels[r] != t for v in moves_of[r] if b_of[v] == t]
                if columns:
                    taken = int(np.isin(columns, chosen).sum())
                    constraint(columns, [1.0] * len(columns), -np.inf, float(taken - 1))
                    cuts += 1
        if broken:
            if not cuts:
                return "none"
            continue
        state = search.snapshot()
        for v in chosen.tolist():
            search.apply(int(r_of[v]), int(a_of[v]), int(b_of[v]))
        if search.over() <= 0:
            return "within"
        search.restore(state)  # (numerically on the edge: keep the plan as it was)
        return "none"
    return "none"
