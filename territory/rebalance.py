"""Rebalancing scenarios on a plan: rebalance as it is, a rep leaves, a rep joins, another number of territories.

Each scenario makes a start for :class:`territory.optimizer.Rebalancer` from the plan, runs it, and returns a new
plan (the input is not changed) with the optimizer's report. The regions are the units the caller chose (US
states, or counties …) with their metrics and adjacency as plain data; a territory's claims become the units it
gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from territory.edits import free_id, new_territory_id, next_color
from territory.model import Plan, Rep, Territory
from territory.optimizer import Rebalancer, RebalanceReport, RegionGraph

__all__ = [
    "Proposal",
    "balance_metrics",
    "capacity_weights",
    "propose",
    "region_moves",
    "separate_territories",
    "SCENARIOS",
]

SCENARIOS = ("rebalance", "rep_leaves", "rep_joins", "territories")


@dataclass(frozen=True)
class Proposal:
    """A proposed plan and how it was reached."""

    plan: Plan
    labels: pd.Series
    start: pd.Series
    report: RebalanceReport
    scenario: str
    description: str
    separate: tuple[str, ...] = ()
    before: pd.DataFrame | None = None
    """Each territory's deviations in the start, on the proposal's shares (None for a plan from scratch)."""


def balance_metrics(table: pd.DataFrame, metrics: Sequence[str], *, floor: float = 0.01) -> pd.DataFrame:
    """The metric columns to balance, each region given a small floor (``floor`` × the column's mean).

    Without it a region with no accounts weighs nothing and a territory could take any number of them for free.

    Parameters
    ----------
    table : DataFrame
        Region metrics (e.g. :func:`geo.editing.rebalance_units`), indexed by region id.
    metrics : sequence of str
        Columns of ``table``.

    Examples
    --------
    >>> balance_metrics(pd.DataFrame({"accounts": [0.0, 4.0]}, index=["a", "b"]), ["accounts"])["accounts"].tolist()
    [0.02, 4.02]
    """
    unknown = [m for m in metrics if m not in table.columns]
    if not metrics or unknown:
        raise ValueError(f"pick metrics among {list(table.columns)}" + (f"; unknown: {unknown}" if unknown else ""))
    metrics = list(dict.fromkeys(metrics))
    chosen = table[metrics].astype(float)
    empty = [m for m in metrics if not (chosen[m] > 0).any()]
    if empty:
        raise ValueError(
            f"nothing to balance: {', '.join(empty)} is zero in every region (no accounts loaded, or no values); "
            "load accounts or pick another metric"
        )
    return chosen + chosen.mean() * floor


def region_moves(plan: Plan, proposal: Proposal, holders: Mapping[str, str]) -> pd.DataFrame:
    """The regions whose territory the proposal changes, against the plan as it is.

    A territory that goes, or a new rep's home region, count too (``proposal.start`` has them moved already).

    Returns
    -------
    DataFrame
        ``region_id, from_territory_id, from_name, to_territory_id, to_name`` (names from the plan, then the
        proposal, for territories only one of them has).
    """
    current = pd.Series(holders, dtype=object).reindex(proposal.labels.index)
    moved = proposal.labels[proposal.labels != current]
    old = {t.territory_id: t.name for t in plan.territories}
    new = {t.territory_id: t.name for t in proposal.plan.territories}
    before = current[moved.index]
    return pd.DataFrame({
        "region_id": moved.index.astype(str),
        "from_territory_id": before.to_numpy(dtype=object),
        "from_name": [old.get(t, new.get(t, t)) for t in before],
        "to_territory_id": moved.astype(str).to_numpy(),
        "to_name": [new.get(t, old.get(t, t)) for t in moved],
    })  # fmt: skip


def _current_labels(plan: Plan, holders: Mapping[str, str], region_ids: Sequence[str]) -> pd.Series:
    return pd.Series([holders.get(r) for r in region_ids], index=pd.Index(region_ids, name="region_id"), dtype=object)


def separate_territories(labels: pd.Series, graph: RegionGraph) -> tuple[str, ...]:
    """Territories alone on their land masses: no region of theirs can reach another territory's.

    Rebalancing cannot change them (a territory in Europe does not trade regions with one in America), so they
    are left as they are and kept out of the mean the others are balanced to.

    Examples
    --------
    >>> from territory.optimizer import RegionGraph
    >>> metrics = pd.DataFrame({"w": [1.0, 1.0, 1.0, 1.0]}, index=["a", "b", "c", "d"])
    >>> graph = RegionGraph.from_adjacency(metrics, {"a": ["b"], "c": ["d"]})
    >>> separate_territories(pd.Series(["X", "Y", "Z", "Z"], index=metrics.index), graph)
    ('Z',)
    """
    from territory.optimizer import components

    present: dict[str, set[int]] = {}
    crowded: set[int] = set()
    for number, part in enumerate(components(range(len(graph)), graph.neighbours)):
        here = {str(labels.iloc[i]) for i in part if pd.notna(labels.iloc[i])}
        for territory_id in here:
            present.setdefault(territory_id, set()).add(number)
        if len(here) > 1:
            crowded.add(number)
    return tuple(sorted(t for t, parts in present.items() if not parts & crowded))


def capacity_weights(reps, territory_ids) -> dict[str, float]:
    """Each territory's relative size: the capacity of its active reps.

    A rep on two territories counts half in each; a territory without a rep weighs as the average staffed one.

    Examples
    --------
    >>> from territory.model import Rep
    >>> reps = [Rep("r1", "Ann", territory_ids=("A",), capacity=40), Rep("r2", "Bo", territory_ids=("A", "B"))]
    >>> capacity_weights(reps, ["A", "B", "C"])
    {'A': 1.5, 'B': 0.5, 'C': 1.0}
    """
    load = {str(t): 0.0 for t in territory_ids}
    for rep in reps:
        mine = [t for t in rep.territory_ids if t in load]
        if rep.active and mine:
            for t in mine:
                load[t] += rep.capacity / len(mine)
    staffed = [v for v in load.values() if v > 0]
    if not staffed:
        return {}
    mean = sum(staffed) / len(staffed)
    return {t: (v if v > 0 else mean) / mean for t, v in load.items()}


def _give_to_neighbours(labels: pd.Series, leaving: str, graph: RegionGraph) -> pd.Series:
    out = labels.copy()
    position = {r: i for i, r in enumerate(graph.region_ids)}
    pending = list(out[out == leaving].index)
    for _ in range(len(pending) + 1):
        if not pending:
            break
        still = []
        for region in pending:
            counts = pd.Series([out.iloc[j] for j in graph.neighbours[position[region]]], dtype=object)
            counts = counts[counts.notna() & (counts != leaving)].value_counts()
            if len(counts):
                out[region] = counts.index[0]
            else:
                still.append(region)
        pending = still
    for region in pending:  # cut off from every other territory: the lightest takes it
        out[region] = out[out != leaving].value_counts().index[-1]
    return out


def propose(
    plan: Plan,
    graph: RegionGraph,
    holders: Mapping[str, str],
    *,
    scenario: str = "rebalance",
    territory_id: str | None = None,
    new_name: str | None = None,
    home_region: str | None = None,
    n_territories: int | None = None,
    tolerance: float | Mapping[str, float] = 0.05,
    locked_territories: Sequence[str] = (),
    disruption_weight: float = 1.0,
    by_capacity: bool = False,
    replaces: Sequence[str] = (),
    rng: np.random.Generator | None = None,
    max_seconds: float = 2.0,
    progress: Callable[[float], None] | None = None,
) -> Proposal:
    """Run a scenario and return the proposed plan.

    Parameters
    ----------
    plan : Plan
    graph : RegionGraph
        The units (regions) to assign, with metrics and adjacency.
    holders : mapping
        Region id → territory id of the current plan for those units (units held by no territory are left out
        of ``graph`` by the caller, or given to a territory by the start).
    scenario : {"rebalance", "rep_leaves", "rep_joins", "territories"}
        ``rep_leaves``: ``territory_id``'s regions go to its neighbours and its reps are deactivated;
        ``rep_joins``: a new territory ``new_name`` grows from ``home_region``; ``territories``: a plan from
        scratch with ``n_territories``.
    tolerance, locked_territories, disruption_weight, rng, max_seconds, progress
        See :class:`~territory.optimizer.Rebalancer`.
    replaces : sequence of str
        Claims the units stand for (at county level, the states whose counties are the units): dropped from the
        territories, which then claim the units themselves, so that no region is claimed twice.
    by_capacity : bool, default False
        Size each territory by its reps' capacity (:func:`capacity_weights`): a territory with two reps gets
        twice the load of one with one. Off: every territory gets the same share.

    Returns
    -------
    Proposal
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario {scenario!r}; use one of {', '.join(SCENARIOS)}")
    rng = rng if rng is not None else np.random.default_rng(0)
    ids = list(graph.region_ids)
    current = _current_labels(plan, holders, ids)
    if current.isna().any():
        missing = list(current[current.isna()].index[:5])
        raise ValueError(f"{int(current.isna().sum())} region(s) have no territory, e.g. {missing}; leave them out")
    territories = {t.territory_id: t for t in plan.territories}
    reps = plan.reps
    seeds = None
    if scenario == "rep_leaves":
        if territory_id not in territories:
            raise ValueError(f"pick the territory whose rep leaves; known: {', '.join(territories)}")
        if (current != territory_id).sum() == 0:
            raise ValueError("the territory that goes is the only one")
        if territory_id in separate_territories(current, graph):
            raise ValueError(
                f"{territories[territory_id].name} is alone on its land mass: no neighbouring territory can take its "
                "regions (reassign them by hand, or add a territory there first)"
            )
        start = _give_to_neighbours(current, territory_id, graph)
        gone = territories.pop(territory_id)
        reps = tuple(
            replace(
                r,
                active=False if r.territory_ids == (territory_id,) else r.active,
                territory_ids=tuple(t for t in r.territory_ids if t != territory_id),
            )  # fmt: skip
            for r in plan.reps
        )
        description = f"{gone.name} goes: its regions and accounts are shared among its neighbours, then rebalanced"
    elif scenario == "rep_joins":
        name = str(new_name or "").strip()
        if not name:
            raise ValueError("name the new territory")
        if name.casefold() in {t.name.strip().casefold() for t in plan.territories}:
            raise ValueError(f"a territory named {name!r} exists already; pick another name")
        if home_region not in set(ids):
            raise ValueError("pick the new rep's home region among the regions being balanced")
        new_id = new_territory_id(plan, name)
        start = current.copy()
        start[home_region] = new_id
        territories[new_id] = Territory(new_id, name, color=next_color(plan))
        seeds = {new_id: home_region}
        # The new rep, so that the new territory's accounts have someone: the team's usual capacity.
        capacities = [r.capacity for r in plan.reps if r.active]
        rep_id = free_id(f"REP-{new_id}", {r.rep_id for r in plan.reps})
        reps = (*plan.reps, Rep(rep_id, f"New rep ({name})", home_region=home_region, territory_ids=(new_id,),
                                capacity=int(np.median(capacities)) if capacities else 40))  # fmt: skip
        description = f"{name} joins at {home_region}: a territory carved from its neighbours, with a new rep"
    elif scenario == "territories":
        if not n_territories or n_territories < 1:
            raise ValueError("give the number of territories")
        start = current
        description = f"A plan from scratch with {n_territories} territor{'y' if n_territories == 1 else 'ies'}"
    else:
        start = current
        description = "The current territories rebalanced"
    if scenario == "territories":
        separate = ()
        solver = Rebalancer(graph, n_territories=n_territories, tolerance=tolerance, rng=rng)
    else:
        # Territories alone on their land mass are kept as they are (a new one is never alone: it has a home).
        separate = tuple(t for t in separate_territories(start, graph) if not seeds or t not in seeds)
        free = set(start.dropna()) - set(locked_territories) - set(separate)
        if len(free) < 2:
            raise ValueError(
                "fewer than two territories can trade regions (the others are locked or alone on their land mass): "
                "unlock at least two that touch"
            )
        solver = Rebalancer(graph, start=start, tolerance=tolerance,
                            locked_territories=sorted(set(locked_territories) | set(separate)),
                            territory_weights=capacity_weights(reps, set(start)) if by_capacity else None,
                            disruption_weight=disruption_weight, seeds=seeds, rng=rng)  # fmt: skip
    solver.solve(max_seconds=max_seconds, progress=progress)
    labels = solver.labels_
    report = solver.report_
    if scenario == "territories":
        # New territories T1..Tk: keep the old ones' names and reps where a new territory overlaps one most.
        labels, territories, reps = _name_new_territories(plan, current, labels, graph)
        renamed = dict(zip(solver.labels_.to_numpy(), labels.to_numpy(), strict=True))
        table = report.territories.assign(territory_id=report.territories["territory_id"].map(renamed))
        report = replace(report, territories=table)
    units = set(ids)
    replaced = set(replaces)
    new_territories = []
    for t_id, territory in territories.items():
        # Claims outside the balanced units stay, except those the units stand for.
        kept = tuple(r for r in territory.region_ids if r not in units and r not in replaced)
        mine = tuple(sorted(labels[labels == t_id].index))
        new_territories.append(replace(territory, region_ids=kept + mine))
    new_plan = replace(plan, territories=tuple(new_territories), reps=tuple(reps))
    before = None if scenario == "territories" else solver.deviations(start)
    return Proposal(new_plan, labels, start, report, scenario, description, tuple(separate), before)


def _name_new_territories(plan: Plan, current: pd.Series, labels: pd.Series, graph: RegionGraph):
    weights = graph.metrics.iloc[:, 0].to_numpy()
    overlap = pd.crosstab(labels, current, values=weights, aggfunc="sum").fillna(0)
    old = {t.territory_id: t for t in plan.territories}
    mapping, used = {}, set()
    for new_id in overlap.max(axis=1).sort_values(ascending=False).index:
        row = overlap.loc[new_id].drop(labels=list(used), errors="ignore")
        if len(row) and row.max() > 0:
            mapping[new_id] = row.idxmax()
            used.add(mapping[new_id])
    territories = {}
    renamed = labels.copy()
    for new_id in sorted(set(labels)):
        if new_id in mapping:
            territory = old[mapping[new_id]]
        else:
            fresh = new_territory_id(plan, f"Territory {new_id}")
            territory = Territory(fresh, f"Territory {new_id[1:]}", color=next_color(plan))
        territories[territory.territory_id] = replace(territory, region_ids=())
        renamed[labels == new_id] = territory.territory_id
    kept = set(territories)
    reps = tuple(
        replace(r, territory_ids=tuple(t for t in r.territory_ids if t in kept), active=r.active and any(t in kept for t in r.territory_ids))
        for r in plan.reps
    )  # fmt: skip
    for t in plan.territories:  # territories outside the balanced units keep their claims
        if t.territory_id not in territories and t.territory_id not in set(current):
            territories[t.territory_id] = t
    return renamed, territories, reps
