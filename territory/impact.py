"""What an edit did to balance: before → after for the territories and reps it touched, and warnings."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from territory.edits import PlanState, diff_assignments
from territory.formatting import and_list, counted, money, name_list, verb
from territory.model import Plan

__all__ = ["EditImpact", "ImpactWarning", "edit_impact", "territory_parts", "moved_between"]

_TERRITORY_FIGURES = {
    "accounts": "accounts",
    "value": "total_value",
    "workload": "workload",
    "utilization": "utilization",
    "balance_score": "balance_score",
    "reps": "reps",
    "unserved": "unserved",
}
_REP_FIGURES = ("accounts", "value", "workload", "utilization")


class ImpactWarning(str):
    """A warning's sentence, with what it is about: ``kind``.

    Kinds: ``over_capacity`` (a rep), ``unstaffed`` (a territory left without a rep), ``no_rep`` (more accounts in a
    territory with no rep all along), ``team_waiting`` (the team's accounts with no rep, where they wait), ``waiting``
    (more accounts wait in a territory whose reps are at capacity), ``pieces`` (a territory split) and
    ``coverage_gap`` (accounts left in no territory), ``home_moved`` (a rep's home region out of their territories). A page that says one of them its own way leaves that kind
    out, not a sentence found by its words.

    Examples
    --------
    >>> said = ImpactWarning("Ann is over capacity: 41 accounts for a capacity of 40.", "over_capacity")
    >>> said.kind, said.startswith("Ann"), said == "Ann is over capacity: 41 accounts for a capacity of 40."
    ('over_capacity', True, True)
    >>> import pickle
    >>> pickle.loads(pickle.dumps(said)).kind  # (kept in caches and sessions)
    'over_capacity'
    """

    kind: str

    def __new__(cls, text: str, kind: str = "") -> ImpactWarning:
        """The sentence ``text``, about ``kind``."""
        said = super().__new__(cls, text)
        said.kind = kind
        return said

    def __getnewargs__(self) -> tuple[str, str]:
        return str(self), self.kind


@dataclass(frozen=True)
class EditImpact:
    """Before → after figures of an edit.

    Attributes
    ----------
    edit : str
    territories : DataFrame
        One row per touched territory: ``territory_id, name`` and ``<figure>_before`` / ``<figure>_after`` for
        accounts (assigned), value, workload, utilization, balance_score, reps and unserved (accounts the
        territory holds that no rep can take: reps at capacity, or none).
    reps : DataFrame
        One row per touched rep: ``rep_id, name, capacity`` and before/after accounts, value, workload,
        utilization.
    moves : DataFrame
        Accounts that changed territory, grouped: ``from_territory_id, to_territory_id, from_name, to_name,
        accounts, value``.
    team : dict
        ``balance_score_before/after``, ``accounts_waiting_before/after`` (accounts the territories take that wait
        for a rep), ``accounts_in_no_territory_before/after`` (with the waiting ones, the accounts with no rep),
        ``workload_cv_before/after``, ``accounts_moved``, ``value_moved``, ``accounts_lost``, ``value_lost``.
    warnings : list of ImpactWarning
        Sentences (plain strings) with a ``kind`` each (:class:`ImpactWarning`).
    lost : DataFrame
        Accounts that had a territory and have none after the edit: ``account_id, region_id, value``.
    """

    edit: str
    territories: pd.DataFrame
    reps: pd.DataFrame
    moves: pd.DataFrame
    team: dict
    warnings: list[ImpactWarning] = field(default_factory=list)
    lost: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["account_id", "region_id", "value"]))


def territory_parts(region_ids: Iterable[str], adjacency: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """Connected parts of a set of regions under ``adjacency`` (largest first).

    Examples
    --------
    >>> adjacency = {"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}
    >>> [sorted(p) for p in territory_parts(["a", "c", "d"], adjacency)]
    [['a'], ['c'], ['d']]
    >>> [sorted(p) for p in territory_parts(["a", "b", "c"], adjacency)]
    [['a', 'b', 'c']]
    """
    remaining = set(region_ids)
    parts = []
    while remaining:
        seed = min(remaining)
        part, frontier = {seed}, [seed]
        remaining.discard(seed)
        while frontier:
            for neighbour in adjacency.get(frontier.pop(), ()):
                if neighbour in remaining:
                    remaining.discard(neighbour)
                    part.add(neighbour)
                    frontier.append(neighbour)
        parts.append(part)
    return sorted(parts, key=lambda p: (-len(p), min(p)))


def moved_between(before: PlanState, after: PlanState) -> pd.DataFrame:
    """Accounts whose territory or rep differ between two states.

    Read from the edit's flows when one state is the other's child, else from a full comparison.

    Returns
    -------
    DataFrame
        ``position, account_id, region_id, from_claim_id, to_claim_id, from_rep_id, to_rep_id, value``.
    """
    columns = ["from_claim_id", "to_claim_id", "from_rep_id", "to_rep_id"]
    if after.parent is before or before.parent is after:
        child, reverse = (after, False) if after.parent is before else (before, True)
        flows = child.flows
        if flows.empty:
            return pd.DataFrame(columns=["position", "account_id", "region_id", *columns, "value"])
        out = flows[["position", "account_id", *columns, "value"]].copy()
        if reverse:
            out = out.rename(
                columns={
                    "from_claim_id": "to_claim_id",
                    "to_claim_id": "from_claim_id",
                    "from_rep_id": "to_rep_id",
                    "to_rep_id": "from_rep_id",
                }
            )
    else:
        diff = diff_assignments(before.result, after.result)
        positions = before.index.account_position.get_indexer(diff["account_id"])
        out = pd.DataFrame(
            {
                "position": positions,
                "account_id": diff["account_id"],
                "from_claim_id": diff["from_territory_id"],
                "to_claim_id": diff["to_territory_id"],
                "from_rep_id": diff["from_rep_id"].where(diff["from_status"] == "assigned", None),
                "to_rep_id": diff["to_rep_id"].where(diff["to_status"] == "assigned", None),
                "value": diff["value"],
            }
        )
    regions = before.accounts["region_id"].astype(object).to_numpy()
    out["region_id"] = pd.Series(regions[out["position"].to_numpy(dtype=np.int64)], index=out.index, dtype=object)
    return out.reset_index(drop=True)


def _same(a, b) -> bool:
    return (a is None and b is None) or a == b


def edit_impact(
    before: PlanState,
    after: PlanState,
    *,
    parts_before: Mapping[str, int] | None = None,
    parts_after: Mapping[str, int] | None = None,
    region_labels: Mapping[str, str] | None = None,
) -> EditImpact:
    """Compare two states of a plan for the balance panel.

    Parameters
    ----------
    before, after : PlanState
        Usually a state and the edit made from it (undo compares them the other way round).
    parts_before, parts_after : mapping, optional
        Number of connected parts of each territory, or the parts themselves (:func:`territory_parts`, largest
        first); a territory that gets more parts than it had is reported as no longer contiguous, naming the
        regions apart from its largest part when ``parts_after`` holds the parts.
    region_labels : mapping, optional
        Names for region ids in warnings.

    Returns
    -------
    EditImpact
    """
    moved = moved_between(before, after)
    labels = region_labels or {}
    plans = (before.plan, after.plan)
    old_t = {t.territory_id: t for t in before.plan.territories}
    new_t = {t.territory_id: t for t in after.plan.territories}
    touched_t = set(moved["from_claim_id"].dropna()) | set(moved["to_claim_id"].dropna())
    touched_t |= {k for k in old_t.keys() | new_t.keys() if old_t.get(k) != new_t.get(k)}
    old_r = {r.rep_id: r for r in before.plan.reps}
    new_r = {r.rep_id: r for r in after.plan.reps}
    touched_r = set(moved["from_rep_id"].dropna()) | set(moved["to_rep_id"].dropna())
    touched_r |= {k for k in old_r.keys() | new_r.keys() if old_r.get(k) != new_r.get(k)}
    balance_before, balance_after = before.balance, after.balance
    order = [t.territory_id for t in after.plan.territories] + [
        t.territory_id for t in before.plan.territories if t.territory_id not in new_t
    ]
    territories = _before_after(
        balance_before.territories, balance_after.territories, "territory_id", [t for t in order if t in touched_t],
        _TERRITORY_FIGURES,
    )  # fmt: skip
    rep_order = [r.rep_id for r in after.plan.reps] + [r.rep_id for r in before.plan.reps if r.rep_id not in new_r]
    reps = _before_after(
        balance_before.reps, balance_after.reps, "rep_id", [r for r in rep_order if r in touched_r],
        {k: k for k in _REP_FIGURES},
    )  # fmt: skip
    capacity = {r.rep_id: r.capacity for p in plans for r in p.reps}
    reps.insert(2, "capacity", reps["rep_id"].map(capacity).astype("Int64"))
    names = {t.territory_id: t.name for p in plans for t in p.territories}
    changed = moved[
        [not _same(a, b) for a, b in zip(moved["from_claim_id"], moved["to_claim_id"], strict=True)]
    ] if len(moved) else moved  # fmt: skip
    if len(changed):
        moves = (
            changed.fillna({"from_claim_id": "", "to_claim_id": ""})
            .groupby(["from_claim_id", "to_claim_id"])
            .agg(accounts=("value", "size"), value=("value", "sum"))
            .reset_index()
            .rename(columns={"from_claim_id": "from_territory_id", "to_claim_id": "to_territory_id"})
            .sort_values(["accounts", "value"], ascending=False)
            .replace({"from_territory_id": {"": None}, "to_territory_id": {"": None}})
        )
    else:
        moves = pd.DataFrame(columns=["from_territory_id", "to_territory_id", "accounts", "value"])
    moves.insert(2, "from_name", moves["from_territory_id"].map(lambda t: names.get(t, "No territory")))
    moves.insert(3, "to_name", moves["to_territory_id"].map(lambda t: names.get(t, "No territory")))
    team = {
        "balance_score_before": balance_before.team["balance_score"],
        "balance_score_after": balance_after.team["balance_score"],
        "accounts_waiting_before": balance_before.team["accounts_waiting"],
        "accounts_waiting_after": balance_after.team["accounts_waiting"],
        "workload_cv_before": balance_before.team["workload_cv"],
        "workload_cv_after": balance_after.team["workload_cv"],
        "accounts_moved": int(len(changed)),
        "value_moved": float(changed["value"].sum()) if len(changed) else 0.0,
    }
    # Accounts that had a territory and have none after the edit (a coverage gap it opens).
    lost = changed[changed["from_claim_id"].notna() & changed["to_claim_id"].isna()] if len(changed) else changed
    team["accounts_lost"] = int(len(lost))
    team["value_lost"] = float(lost["value"].sum()) if len(lost) else 0.0
    counted_before = _no_rep(before)
    no_rep = (*counted_before, *_no_rep(after, before, counted_before))
    team["accounts_in_no_territory_before"], team["accounts_in_no_territory_after"] = no_rep[1], no_rep[3]
    made = {t.territory_id for t in after.plan.territories} - {t.territory_id for t in before.plan.territories}
    warnings = _warnings(reps, territories, lost, names, labels, parts_before or {}, parts_after or {}, no_rep, made)
    return EditImpact(after.edit, territories.reset_index(drop=True), reps.reset_index(drop=True),
                      moves.reset_index(drop=True), team, warnings,
                      lost[["account_id", "region_id", "value"]].reset_index(drop=True))  # fmt: skip


def _before_after(old: pd.DataFrame, new: pd.DataFrame, key: str, ids: list[str], figures: dict) -> pd.DataFrame:
    left = old.set_index(key).reindex(ids)
    right = new.set_index(key).reindex(ids)
    out = pd.DataFrame({key: pd.Series(ids, dtype=object)})
    out["name"] = right["name"].fillna(left["name"]).to_numpy(dtype=object) if ids else pd.Series(dtype=object)
    for label, column in figures.items():
        out[f"{label}_before"] = left[column].to_numpy(dtype=float) if ids else np.zeros(0)
        out[f"{label}_after"] = right[column].to_numpy(dtype=float) if ids else np.zeros(0)
    return out


def _count(parts) -> int:
    """A number of parts, given as the number or as the parts."""
    return parts if isinstance(parts, int) else len(parts)


def _apart_in_words(parts: Sequence[Collection[str]], labels: Mapping[str, str], shown: int = 3) -> str:
    """The regions of a territory's smaller parts, by name, against the size of its largest.

    Examples
    --------
    >>> _apart_in_words([{"TX", "OK", "AR"}, {"NJ", "DE"}], {"NJ": "New Jersey", "DE": "Delaware"})
    'Delaware, New Jersey lie apart from its other 3 regions'
    >>> _apart_in_words([set("abcdefgh"), set("ijklm"), {"n"}], {})
    'i, j, k and 2 more; n lie apart from its other 8 regions'

    As many parts as regions of one are named (``shown``), the largest first; the others are counted:

    >>> _apart_in_words([set("abcdefgh"), {"i", "j"}, {"k"}, {"l"}, {"m"}, {"n"}], {})
    'i, j; k; l; and 2 more parts lie apart from its other 8 regions'
    """
    largest, *smaller = parts
    names = [sorted(labels.get(r, r) for r in part) for part in smaller]
    # (a county map cut a territory in hundreds of pieces: every one was named, a warning of thousands of words)
    said = "; ".join(
        ", ".join(n[:shown]) + (f" and {len(n) - shown} more" if len(n) > shown else "") for n in names[:shown]
    )
    if len(names) > shown:
        said += f"; and {counted(len(names) - shown, 'more part')}"
    return f"{said} {verb(sum(map(len, names)), 'lies', 'lie')} apart from its other {counted(len(largest), 'region')}"


def _no_rep(state: PlanState, parent: PlanState | None = None, of_parent: tuple[int, int] | None = None
            ) -> tuple[int, int]:  # fmt: skip
    """Accounts with no rep across the team, and of them those in no territory (a coverage gap).

    For a state made by one edit of ``parent`` (whose counts are ``of_parent``), counted from the accounts the edit
    changed: the state's full table is built only when something reads it (counting on it cost an edit 25 ms of
    copying 100,000 rows, the edit bench's `edit_impact` 15 -> 42 ms).
    """
    flows = state.flows
    needed = {"from_rep_id", "from_claim_id", "new_rep_id", "new_territory_id"}
    if parent is not None and of_parent is not None and state.parent is parent and needed <= set(flows.columns):
        was_none, now_none = flows["from_rep_id"].isna(), flows["new_rep_id"].isna()
        was_gap, now_gap = was_none & flows["from_claim_id"].isna(), now_none & flows["new_territory_id"].isna()
        return (of_parent[0] + int(now_none.sum()) - int(was_none.sum()),
                of_parent[1] + int(now_gap.sum()) - int(was_gap.sum()))  # fmt: skip
    none = state.result["rep_id"].isna()
    return int(none.sum()), int((none & state.result["territory_id"].isna()).sum())


def homes_moved(
    before: Plan,
    after: Plan,
    region_labels: Mapping[str, str] | None = None,
    *,
    parents: Mapping[str, str] | None = None,
) -> list[ImpactWarning]:
    """A warning for each active rep whose home region an edit takes out of every territory they cover.

    For the map editor, whose remedy is to paint the region back. Moving Texas to US West left Tom Becker, who
    lives there and covers US South, without a word (a review); the Rebalance page keeps reps' home regions in their
    territories. A home is in the territories that list it or, when none does, those that list the nearest region
    holding it (``parents``: region → the region it lies in, e.g. a county → its state; the most specific claim, as
    the assignment reads claims). A rep whose territories the edit removed is left to the warning of a territory
    without a rep: painting back cannot help.

    Parameters
    ----------
    before, after : Plan
        The plan before and after the edit.
    region_labels : mapping, optional
        Region id → the name to say ("Texas").
    parents : mapping, optional
        Region id → the id of the region it lies in. Without it a home counts only where it is listed itself.

    Returns
    -------
    list of ImpactWarning
        One ``home_moved`` warning per rep whose home left every territory they cover.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [
    ...     {"territory_id": "S", "name": "US South", "region_ids": ["US-TX", "US-OK"]},
    ...     {"territory_id": "W", "name": "US West", "region_ids": ["US-CA"]}],
    ...     "reps": [{"rep_id": "R1", "name": "Tom Becker", "home_region": "US-TX", "territory_ids": ["S"]}]})
    >>> moved = plan_from_dict({"territories": [
    ...     {"territory_id": "S", "name": "US South", "region_ids": ["US-OK"]},
    ...     {"territory_id": "W", "name": "US West", "region_ids": ["US-CA", "US-TX"]}],
    ...     "reps": [{"rep_id": "R1", "name": "Tom Becker", "home_region": "US-TX", "territory_ids": ["S"]}]})
    >>> [(str(w), w.kind) for w in homes_moved(plan, moved, {"US-TX": "Texas"})]  # doctest: +NORMALIZE_WHITESPACE
    [("Texas, Tom Becker's home region, left US South, the territory Tom Becker covers, for US West: paint it back, \
or give Tom Becker another home region on the Reps page.", 'home_moved')]
    >>> gone = plan_from_dict({"territories": [{"territory_id": "W", "name": "US West", "region_ids": ["US-CA"]}],
    ...     "reps": [{"rep_id": "R1", "name": "Tom Becker", "home_region": "US-TX", "territory_ids": []}]})
    >>> homes_moved(plan, gone)  # (US South removed: Tom Becker covers none, said as a territory without a rep)
    []
    >>> homes_moved(plan, plan), homes_moved(moved, plan)  # (none taken out; put back)
    ([], [])

    A county home is held by its state's territory until a territory lists the county itself:

    >>> def south(houston):
    ...     return plan_from_dict({"territories": [
    ...         {"territory_id": "S", "name": "US South", "region_ids": ["US-TX"]},
    ...         {"territory_id": "H", "name": "Houston", "region_ids": houston}],
    ...         "reps": [{"rep_id": "R1", "name": "Tom Becker", "home_region": "US-48201", "territory_ids": ["S"]}]})
    >>> [str(w) for w in homes_moved(south(["US-LA"]), south(["US-LA", "US-48201"]), {"US-48201": "Harris, TX"},
    ...                              parents={"US-48201": "US-TX"})]  # doctest: +NORMALIZE_WHITESPACE
    ["Harris, TX, Tom Becker's home region, left US South, the territory Tom Becker covers, for Houston: paint it \
back, or give Tom Becker another home region on the Reps page."]
    """
    labels = region_labels or {}
    covered_before = {r.rep_id: set(r.territory_ids) for r in before.reps}
    names_after = {t.territory_id: t.name for t in after.territories}
    out = []
    for rep in after.reps:
        covers = [t for t in rep.territory_ids if t in names_after]
        if not rep.active or not rep.home_region or not covers:
            continue
        holding_before = _holding(before, rep.home_region, parents or {})
        was = [
            t
            for t in holding_before
            if t.territory_id in covered_before.get(rep.rep_id, ()) and t.territory_id in names_after
        ]
        now = _holding(after, rep.home_region, parents or {})
        if not was or any(t.territory_id in covers for t in now):
            continue
        held_before = {t.territory_id for t in holding_before}
        new = [t.name for t in now if t.territory_id not in held_before]
        if new:
            where = f"for {and_list(new)}"
        elif now:  # (a focused territory sharing it kept it)
            where = f"and only {and_list([t.name for t in now])} {verb(len(now), 'holds', 'hold')} it now"
        else:
            where = "and is in no territory now"
        whose = (f"the territory {rep.name} covers" if len(covers) == 1
                 else f"{'one' if len(was) == 1 else 'some'} of the territories {rep.name} covers")  # fmt: skip
        out.append(ImpactWarning(
            f"{labels.get(rep.home_region, rep.home_region)}, {rep.name}'s home region, left "
            f"{and_list([t.name for t in was])}, {whose}, {where}: paint it back, or give {rep.name} another home "
            "region on the Reps page.", "home_moved"
        ))  # fmt: skip
    return out


def _holding(plan: Plan, region_id: str, parents: Mapping[str, str]) -> list:
    """The territories that list ``region_id`` or, when none does, the nearest region holding it (``parents``)."""
    at, seen = region_id, set()
    while at and at not in seen:
        seen.add(at)
        found = [t for t in plan.territories if at in t.region_ids]
        if found:
            return found
        at = parents.get(at)
    return []


def _warnings(reps, territories, lost, names, labels, parts_before, parts_after,
              no_rep=(0, 0, 0, 0), made=frozenset()) -> list[ImpactWarning]:  # fmt: skip
    out: list[ImpactWarning] = []
    for row in reps.itertuples(index=False):
        cap = row.capacity
        if cap is pd.NA or row.accounts_after != row.accounts_after:
            continue
        if row.accounts_after > cap and not (row.accounts_before > cap and row.accounts_after <= row.accounts_before):
            out.append(ImpactWarning(f"{row.name} is over capacity: {row.accounts_after:,.0f} accounts for a capacity "
                                     f"of {cap:,}.", "over_capacity"))  # fmt: skip
    unstaffed = [
        row.name for row in territories.itertuples(index=False) if row.reps_after == 0 and row.reps_before != 0
    ]
    if len(unstaffed) == 1:
        out.append(ImpactWarning(f"{unstaffed[0]} has no active rep: its accounts wait unassigned until one covers it.",
                                 "unstaffed"))  # fmt: skip
    elif unstaffed:  # (one warning, not one per territory: a plan from scratch may make dozens)
        shown = name_list(unstaffed)
        out.append(ImpactWarning(
            f"{len(unstaffed)} territories have no active rep ({shown}): their accounts wait unassigned until one "
            "covers them.", "unstaffed"
        ))  # fmt: skip
    # More accounts wait in a territory: where its reps are at capacity (below), or where it had no rep all along
    # (a rebalance may give it regions; it was said for a territory left without a rep, not for one without a rep
    # all along: a new user's test, seven states went to a territory with no rep without a word).
    waiting, grown = [], []
    for row in territories.itertuples(index=False):
        waiting_before = 0 if row.unserved_before != row.unserved_before else row.unserved_before
        if row.unserved_after != row.unserved_after or row.unserved_after <= waiting_before:
            continue
        if row.reps_after:
            waiting.append((row.name, row.unserved_after - waiting_before, row.unserved_after))
        elif row.reps_before == 0:
            grown.append((row.name, row.unserved_after - waiting_before))
    if len(grown) == 1:
        out.append(ImpactWarning(
            f"{grown[0][1]:,.0f} more account{'s go' if grown[0][1] != 1 else ' goes'} to {grown[0][0]}, which has no "
            f"active rep: {'they wait' if grown[0][1] != 1 else 'it waits'} unassigned until a rep covers it.", "no_rep"
        ))  # fmt: skip
    elif grown:
        said = name_list([f"{name}: {count:,.0f}" for name, count in grown])
        out.append(ImpactWarning(f"More accounts go to territories with no active rep ({said}): they wait unassigned "
                                 "until a rep covers them.", "no_rep"))  # fmt: skip
    # Territory by territory, an account that waited in one territory and waits in another counts as more in the
    # second, and one in no territory before (a coverage gap) that now waits for a rep counts too: the team's
    # accounts with no rep, before and after, say what the edit does to the waiting list.
    more_in_all = sum(w[1] for w in waiting)
    before_total, before_gap, after_total, after_gap = no_rep
    waiting.sort(key=lambda w: (-w[1], w[0]))
    shown = name_list([f"{name}: {more:,.0f}" for name, more, _ in waiting])  # ("Canada West 59" read as an address)
    if waiting and after_total - before_total != more_in_all:
        # The team's count first: "more" territory by territory can stand beside fewer in all (a plan from scratch
        # gives a rep to accounts in no territory before, and puts others where the reps are full).
        out.append(ImpactWarning(
            f"Accounts with no rep across the team: {after_total:,}, against {before_total:,} before"
            + (f" ({before_gap:,} of them then in no territory, {after_gap:,} now)" if before_gap or after_gap else "")
            + f". Where the reps are at capacity, {counted(round(more_in_all), 'account')} that did not wait there "
            + f"before now {verb(round(more_in_all), 'waits', 'wait')} for a rep, in {len(waiting)} "
            + ("territory" if len(waiting) == 1 else "territories")
            + f" ({shown}).", "team_waiting"
        ))  # fmt: skip
    elif len(waiting) > 3:  # (one warning, not one per territory: a plan from scratch may make dozens)
        out.append(ImpactWarning(
            f"{counted(round(more_in_all), 'more account')} in {len(waiting)} territories "
            f"{verb(round(more_in_all), 'waits', 'wait')} for a rep, their reps being at capacity ({shown}).", "waiting"
        ))  # fmt: skip
    else:
        out += [
            ImpactWarning(
                f"{counted(round(more), 'more account')} in {name} {verb(round(more), 'waits', 'wait')} for "
                f"a rep: its reps are at capacity ({now:,.0f} waiting).",
                "waiting",
            )  # fmt: skip
            for name, more, now in waiting
        ]
    for row in territories.itertuples(index=False):
        before, pieces = _count(parts_before.get(row.territory_id, 0)), parts_after.get(row.territory_id, 0)
        after = _count(pieces)
        if after > max(before, 1):
            # (the regions apart, by name: "US South now has 3 separate parts" left the manager to find them)
            apart = "" if isinstance(pieces, int) else f": {_apart_in_words(pieces, labels)}"
            if row.territory_id in made:  # (made by this edit: "no longer contiguous" was said of it, a review)
                out.append(ImpactWarning(f"{row.name} is not contiguous: it has {after} separate parts{apart}.",
                                         "pieces"))  # fmt: skip
            elif before <= 1:
                out.append(ImpactWarning(f"{row.name} is no longer contiguous: it now has {after} separate "
                                         f"parts{apart}.", "pieces"))  # fmt: skip
            else:
                out.append(ImpactWarning(f"{row.name} now has {after} separate parts (was {before}){apart}.", "pieces"))
    if len(lost):
        regions = lost.groupby("region_id").size().sort_values(ascending=False)
        shown = ", ".join(labels.get(r, r) for r in regions.index[:5]) + (" …" if len(regions) > 5 else "")
        out.append(ImpactWarning(
            f"Coverage gap: {counted(len(lost), 'account')} worth {money(lost['value'].sum())} in {shown} "
            f"{verb(len(lost), 'is', 'are')} now in no territory.", "coverage_gap"
        ))  # fmt: skip
    return out


def _rep_names(names: list[str], limit: int = 4) -> str:
    """``A``, ``A and B``, ``A, B and C``; past ``limit`` names, ``A, B, C, D and 2 more``."""
    if len(names) > limit:
        names = [*names[:limit], f"{len(names) - limit} more"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def waiting_remedies(
    plan: Plan,
    accounts: pd.DataFrame,
    *,
    territory_ids: list[str] | None = None,
    limit: int = 5,
    where: str = "on the Reps page",
) -> list[str]:
    """What to do about the accounts that wait for a rep, territory by territory, most waiting first.

    An account waits when its territory's active reps are all at capacity, or when the territory has no active rep;
    each sentence names the territory, how many wait, the reps concerned and the remedies: raise a capacity or add
    a rep on the Reps page, or move regions to a territory with room. The sentences are plain text (escape them
    with :func:`plain` for Markdown).

    Parameters
    ----------
    plan : Plan
        The plan the accounts were assigned with (its territories' names and reps).
    accounts : pandas.DataFrame
        The assignment (``territory_id``, ``status``, ``reason``): rows with status ``unassigned`` and reason
        ``at-capacity`` or ``no-available-rep`` wait for a rep.
    territory_ids : list of str, optional
        Only these territories (those a change left with more accounts waiting); all when None.
    limit : int, default 5
        Territories named one by one; the others are counted in a last sentence.
    where : str, default "on the Reps page"
        Where reps are edited, as the sentences say it ("in the roster above" on the Reps page).

    Returns
    -------
    list of str
        One sentence per territory (none when no account waits), then the count of the others past ``limit``.
    """
    if territory_ids is not None and not len(territory_ids):
        return []  # (no territory waits more: the page's every rerun skips the scan of the accounts)
    waiting = accounts[
        accounts["status"].eq("unassigned")
        & accounts["reason"].isin(["at-capacity", "no-available-rep"])
        & (accounts["territory_id"].isin(territory_ids) if territory_ids is not None else True)
    ]
    counts = waiting.groupby("territory_id").size().sort_values(ascending=False, kind="stable")
    names = {t.territory_id: t.name.strip() or t.territory_id for t in plan.territories}
    said = []
    for territory_id, count in counts.iloc[:limit].items():
        name = names.get(territory_id, territory_id)
        reps = [r.name for r in plan.reps_of(territory_id)]
        if reps:
            raise_by = (f"their capacities by {count:,} in all" if len(reps) > 1
                        else f"{reps[0]}'s capacity by {count:,}")  # fmt: skip
            said.append(
                f"{name}: {counted(count, 'account')} {verb(count, 'waits', 'wait')} behind {_rep_names(reps)}, at "
                f"capacity. To serve {verb(count, 'it', 'them')}, raise "
                f"{raise_by} {where}, add a rep to {name} there (in the Territories column), or move "
                "regions to a territory with room (Edit territories, or Rebalance)."
            )
        else:
            inactive = [r.name for r in plan.reps_of(territory_id, active_only=False)]
            staff = (f"tick Active for {_rep_names(inactive)}" + (" or " if inactive else "")) if inactive else ""
            said.append(
                f"{name}: {counted(count, 'account')} {verb(count, 'waits', 'wait')}; it has no active rep. "
                f"{where[0].upper()}{where[1:]}, {staff}add a rep with "
                f"{name} in the Territories column, or give its regions to a territory with reps (Edit territories, "
                "or Rebalance)."
            )
    if len(counts) > limit:
        rest = counts.iloc[limit:]
        said.append(
            f"{counted(len(rest), 'more territory', 'more territories')}: {counted(int(rest.sum()), 'account')} (the "
            "Territories table's Waiting column)."
        )
    return said


def more_waiting(before: PlanState, after: PlanState) -> list[str]:
    """The territories where more accounts wait for a rep in ``after`` than in ``before`` (for :func:`waiting_remedies`).

    Read from the states' balance tallies (their ``unserved``), which the pages have already, not from the accounts.
    """

    def waiting(state: PlanState) -> pd.Series:
        return state.balance.territories.set_index("territory_id")["unserved"]

    grew = waiting(after).sub(waiting(before), fill_value=0)
    return [str(t) for t in grew[grew > 0].index]
