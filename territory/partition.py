"""Territories drawn afresh on any regions: a user's own boundary file, balanced on the figures it carries.

The bundled plans' rebalancing (:mod:`territory.rebalance`) works on a plan's regions; here the regions are whatever
a boundary file holds, with their metrics counted from the accounts joined to them and taken from the file's own
numeric columns (population, households …), and their adjacency from :func:`geo.boundaries.boundary_links`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory.formatting import and_list, counted, name_list, verb
from territory.optimizer import Rebalancer, RebalanceReport, RegionGraph, components

__all__ = [
    "Partition",
    "region_metrics",
    "partition_regions",
    "regions_sheet",
    "fill_blanks",
    "link_groups",
    "bound_said",
    "blank_figures",
    "largest_regions",
    "far_groups",
    "territory_columns",
    "start_labels",
    "start_column_problem",
]


def region_metrics(
    region_ids, accounts: pd.DataFrame | None = None, figures: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each region's metrics: ``accounts`` and ``value`` from the accounts in it, and the file's own figures.

    Parameters
    ----------
    region_ids : sequence of str
    accounts : DataFrame, optional
        Joined to these regions (``region_id``; ``value`` when the accounts carry one). Accounts in none are left out.
    figures : DataFrame, optional
        Numeric columns by region id (:attr:`geo.boundaries.BoundaryLoad.figures`); a missing figure counts 0. One
        named as a metric counted from the accounts (``accounts``, ``value``) is ``value (file)`` beside it.

    Returns
    -------
    DataFrame
        Indexed by region id, in the order given.

    Examples
    --------
    >>> accounts = pd.DataFrame({"region_id": ["A", "A", "B", None], "value": [10.0, 5.0, 1.0, 7.0]})
    >>> table = region_metrics(["A", "B", "C"], accounts, pd.DataFrame({"POP": [100.0, None]}, index=["A", "C"]))
    >>> table.columns.tolist(), table.loc["A"].tolist(), table.loc["C"].tolist()
    (['accounts', 'value', 'POP'], [2.0, 15.0, 100.0], [0.0, 0.0, 0.0])
    >>> region_metrics(["A", "B"], accounts, pd.DataFrame({"value": [3.0, 4.0]}, index=["A", "B"])).columns.tolist()
    ['accounts', 'value', 'value (file)']
    """
    index = pd.Index([str(r) for r in region_ids], name="region_id")
    out = pd.DataFrame(index=index)
    if accounts is not None:
        regions = accounts["region_id"].astype(object)
        out["accounts"] = regions.value_counts().reindex(index, fill_value=0).astype(float)
        if "value" in accounts:
            values = pd.to_numeric(accounts["value"], errors="coerce").fillna(0.0)
            out["value"] = values.groupby(regions.to_numpy()).sum().reindex(index, fill_value=0.0).astype(float)
    if figures is not None and len(figures.columns):
        kept = figures.reindex(index).fillna(0.0).astype(float)
        # (the file's own "value" beside the accounts' was dropped unsaid, and could not be balanced on: a new user)
        out = out.join(kept.rename(columns=lambda c: f"{c} (file)" if c in out.columns else c))
    return out


@dataclass
class Partition:
    """Territories drawn on a boundary file's regions.

    Attributes
    ----------
    labels : Series
        Region id → territory id (``T1`` … ``Tk``), in the regions' order.
    territories : DataFrame
        Per territory: each metric's total and its deviation from the mean share, regions, parts, ``within``.
    report : RebalanceReport
    start : Series, optional
        With a current plan to rebalance: each region's territory at the start (the blank ones filled in).
    filled : tuple of str
        The regions that had no territory at the start and were given their neighbours' (see :func:`fill_blanks`).
    before : DataFrame, optional
        With a start: per territory (index), each metric's total and ``<metric>_deviation`` from the mean share at
        the start, to compare with ``territories``.
    """

    labels: pd.Series
    territories: pd.DataFrame
    report: RebalanceReport
    start: pd.Series | None = None
    filled: tuple[str, ...] = ()
    before: pd.DataFrame | None = None

    def region_table(self) -> pd.DataFrame:
        """Per region (index): ``territory_id``; with a start, also ``territory_before`` and ``moved``.

        ``territory_before`` is as the file had it (blank where it was blank); ``moved``: the territory differs from
        the file's (a blank one filled counts).
        """
        table = self.labels.to_frame("territory_id")
        if self.start is not None:
            before = self.start.reindex(table.index).mask(table.index.isin(self.filled))
            table.insert(0, "territory_before", before.to_numpy())
            table["moved"] = table["territory_before"].fillna("") != table["territory_id"]
        return table

    def filled_said(self, names: Mapping[str, str] | None = None, column: str | None = None) -> str:
        """The regions blank at the start that took their neighbours' territory, in a phrase ("" for none).

        Examples
        --------
        >>> Partition(pd.Series(dtype=object), pd.DataFrame(), None, filled=("a",)).filled_said({"a": "Anderson"})
        "1 region without a territory (Anderson) took its neighbours'"
        """
        if not self.filled:
            return ""
        n = len(self.filled)
        listed = name_list([(names or {}).get(r, r) for r in self.filled])
        where = f" in column {column}" if column else ""
        return (
            f"{counted(n, 'region')} without a territory{where} ({listed}) took {verb(n, 'its', 'their')} neighbours'"
        )

    def changes(self, metrics: pd.DataFrame) -> tuple[int, dict[str, float]]:
        """With a start: how many regions change territory, and what they hold per metric; without: (0, {}).

        ``region_table``'s ``moved`` (a blank one filled counts); ``metrics`` by region id.

        Examples
        --------
        >>> p = Partition(pd.Series({"a": "E", "b": "W"}), pd.DataFrame(), None, start=pd.Series({"a": "E", "b": "E"}))
        >>> p.changes(pd.DataFrame({"POP": [1.0, 2.0]}, index=["a", "b"]))
        (1, {'POP': 2.0})
        """
        if self.start is None:
            return 0, {}
        moved = self.region_table()["moved"]
        held = metrics.reindex(moved.index[moved.to_numpy(dtype=bool)]).sum()
        return int(moved.sum()), {str(m): float(v) for m, v in held.items()}

    def territory_table(self, metrics) -> pd.DataFrame:
        """Per territory: ``territory_id``, ``regions``, ``parts``, each metric's total and deviation, ``within``.

        With a start, each metric's ``<metric>_deviation_before`` just before its deviation; ``within_by`` last.
        """
        columns = ["territory_id", "regions", "parts", *metrics, *[f"{m}_deviation" for m in metrics], "within",
                   "within_by"]  # fmt: skip
        table = self.territories[columns].reset_index(drop=True)
        if self.before is not None:
            was = self.before.reindex(table["territory_id"].to_numpy())
            for m in metrics:
                table.insert(table.columns.get_loc(f"{m}_deviation"), f"{m}_deviation_before",
                             was[f"{m}_deviation"].to_numpy())  # fmt: skip
        return table


def partition_regions(
    metrics: pd.DataFrame,
    links: Mapping[str, tuple[str, ...]],
    n_territories: int | None,
    *,
    tolerance: float | Mapping[str, float] = 0.05,
    seconds: float = 2.0,
    rng: np.random.Generator | None = None,
    n_jobs: int | None = None,
    names: Mapping[str, str] | None = None,
    start: Mapping[str, str | None] | None = None,
) -> Partition:
    """Draw ``n_territories`` balanced, contiguous, compact territories on these regions, or rebalance ``start``.

    Parameters
    ----------
    metrics : DataFrame
        One row per region (index: region id), one column per metric to balance (:func:`region_metrics`).
    links : mapping
        Region id → the ids it touches (:func:`geo.boundaries.boundary_links`).
    n_territories : int
    tolerance : float or mapping, default 0.05
        ± share of the mean, for every metric or per metric.
    seconds : float, default 2
    rng : numpy.random.Generator, optional
    n_jobs : int, optional
        See :class:`territory.optimizer.Rebalancer`.
    names : mapping, optional
        Region id → name, to name the groups of regions that no link joins when they outnumber the territories.
    start : mapping, optional
        Region id → its current territory (a column of the file): rebalanced, moving as little as it can (the first
        metric moved counts against a plan), into as many territories as it names (``n_territories`` must be that
        number, or None). Regions with none take their neighbours' (:func:`fill_blanks`).

    Returns
    -------
    Partition

    Raises
    ------
    ValueError
        With how to fix it: no metric, a metric that is 0 in every region, a negative figure, or a number of
        territories below 1 or above the number of regions.

    Examples
    --------
    >>> metrics = pd.DataFrame({"accounts": [1.0] * 6}, index=list("abcdef"))
    >>> links = {"a": ("b",), "b": ("a", "c"), "c": ("b", "d"), "d": ("c", "e"), "e": ("d", "f"), "f": ("e",)}
    >>> result = partition_regions(metrics, links, 3, rng=np.random.default_rng(0), n_jobs=1)
    >>> result.labels.value_counts().tolist(), result.report.contiguous
    ([2, 2, 2], True)
    """
    if not len(metrics.columns):
        raise ValueError("no metric to balance: pick at least one (accounts, value, or a numeric column of the file)")
    negative = below_zero(metrics, names)
    if negative:
        raise ValueError(
            "; ".join(f"{metric} holds figures below 0 ({where})" for metric, where in negative.items())
            + ". A metric to balance counts up from 0: correct those figures in the file, or balance on another"
        )
    empty = [str(c) for c in metrics.columns if not (metrics[c] > 0).any()]
    if empty:
        raise ValueError(
            f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} 0 in every region: nothing to balance. Pick "
            "another metric (or load accounts that fall inside these regions)"
        )
    filled: tuple[str, ...] = ()
    if start is not None:
        start, filled = fill_blanks({str(r): start.get(str(r)) for r in metrics.index}, links, names=names)
        count = len(set(start.values()))
        if n_territories is not None and int(n_territories) != count:
            raise ValueError(
                f"the current territories are {count}, not {int(n_territories)}: leave the number of territories as "
                "it is to rebalance them, or draw afresh"
            )
        n_territories = count
    if not 1 <= int(n_territories) <= len(metrics):
        raise ValueError(
            f"{counted(int(n_territories), 'territory', 'territories')} on {counted(len(metrics), 'region')}: ask for 1 to "
            f"{len(metrics)} (each territory holds one region at least)"
        )
    graph = RegionGraph.from_adjacency(metrics, {str(r): links.get(str(r), ()) for r in metrics.index})
    groups = sorted(components(range(len(graph)), graph.neighbours), key=len, reverse=True)
    if start is None and len(groups) > int(n_territories):  # (a start may hold a territory in pieces: kept so)
        raise ValueError(
            f"the regions form {len(groups)} groups that no link joins (more than 1,000 km from each other): "
            f"{_groups_said(groups[1:], graph.region_ids, names or {})} apart from the rest "
            f"({counted(len(groups[0]), 'region')}); a territory drawn afresh is one piece. Ask for at least "
            f"{len(groups)} territories, or leave the far groups out of the file"
        )
    if start is not None:
        solver = Rebalancer(graph, start=start, tolerance=tolerance, rng=rng, n_jobs=n_jobs)
    else:
        solver = Rebalancer(graph, n_territories=int(n_territories), tolerance=tolerance, rng=rng, n_jobs=n_jobs)
    solver.solve(max_seconds=seconds)
    labels = solver.labels_.rename("territory_id")
    labels.index.name = "region_id"
    began = before = None
    if start is not None:
        began = pd.Series(start, name="territory_id").rename_axis("region_id")
        totals = metrics.groupby(began.reindex(metrics.index).to_numpy()).sum()
        before = totals.join(totals.div(totals.sum() / len(totals)).sub(1.0).add_suffix("_deviation"))
        before.index.name = "territory_id"
    return Partition(labels=labels, territories=solver.report_.territories, report=solver.report_, start=began,
                     filled=filled, before=before)  # fmt: skip


def regions_sheet(
    partition: Partition,
    names: pd.Series,
    metrics: pd.DataFrame,
    texts: pd.DataFrame | None = None,
    figures: pd.DataFrame | None = None,
    *,
    leave_out: Sequence[str | None] = (),
    order: Sequence[str] = (),
) -> pd.DataFrame:
    """Each region with its territory, its metrics and the boundary file's other columns: the regions CSV.

    With a start, ``territory_before`` and ``moved`` ("yes" or "no", as the map's tooltip says it). A metric that
    is one of the file's figures is blank where the file left it blank (the totals count it as 0).

    Parameters
    ----------
    partition : Partition
    names : Series
        Each region's name by region id, in the file's order (the sheet's rows).
    metrics : DataFrame
        The metrics balanced on, by region id.
    texts, figures : DataFrame, optional
        The file's other columns by region id (:attr:`geo.boundaries.BoundaryLoad.texts` and ``figures``): kept
        beside, so that the sheet joins back to whatever else the manager keeps by region (an owner, a state, the
        households not balanced on). Those in ``leave_out`` are already there (the name column is ``name``, the
        column of current territories ``territory_before``); a column named as one of the sheet's own gets
        " (file)" after its name.
    leave_out : sequence of str
        The file's columns already in the sheet (or None, for none).
    order : sequence of str, optional
        The file's columns in its order (:attr:`geo.boundaries.BoundaryLoad.columns`): the kept ones come in it,
        texts and figures mixed as the file has them; without it, texts first, then figures.

    Examples
    --------
    >>> partition = Partition(pd.Series({"a": "T1", "b": "T2"}, name="territory_id"), pd.DataFrame(), None)
    >>> names = pd.Series({"a": "Alder", "b": "Birch"})
    >>> texts = pd.DataFrame({"NAME": ["Alder", "Birch"], "owner": ["Kim", None], "moved": ["x", "y"]}, index=["a", "b"])
    >>> sheet = regions_sheet(partition, names, pd.DataFrame({"POP": [5.0, 7.0]}, index=["a", "b"]), texts,
    ...                       pd.DataFrame({"POP": [5.0, 7.0], "HH": [2.0, 3.0]}, index=["a", "b"]), leave_out=["NAME"])
    >>> print(sheet.to_csv(index=False), end="")
    region_id,name,territory_id,POP,owner,moved (file),HH
    a,Alder,T1,5.0,Kim,x,2.0
    b,Birch,T2,7.0,,y,3.0
    >>> regions_sheet(partition, names, pd.DataFrame({"POP": [5.0, 7.0]}, index=["a", "b"]), texts,
    ...               pd.DataFrame({"POP": [5.0, 7.0], "HH": [2.0, 3.0]}, index=["a", "b"]), leave_out=["NAME"],
    ...               order=["NAME", "HH", "moved", "POP", "owner"]).columns.tolist()[4:]
    ['HH', 'moved (file)', 'owner']

    A start, and a figure the file left blank:

    >>> began = Partition(partition.labels, pd.DataFrame(), None, start=pd.Series({"a": "T1", "b": "T1"}))
    >>> print(regions_sheet(began, names, pd.DataFrame({"POP": [5.0, 0.0]}, index=["a", "b"]), None,
    ...                     pd.DataFrame({"POP": [5.0, None]}, index=["a", "b"])).to_csv(index=False), end="")
    region_id,name,territory_before,territory_id,moved,POP
    a,Alder,T1,T1,no,5.0
    b,Birch,T1,T2,yes,

    The file's own ``accounts`` beside those counted from the accounts file:

    >>> counted = pd.DataFrame({"accounts": [1.0, 0.0]}, index=["a", "b"])
    >>> mine = pd.DataFrame({"accounts": [100.0, 101.0]}, index=["a", "b"])
    >>> regions_sheet(partition, names, counted, None, mine).columns.tolist()
    ['region_id', 'name', 'territory_id', 'accounts', 'accounts (file)']
    >>> regions_sheet(partition, names, counted, None, mine.where(mine < 101))[["accounts", "accounts (file)"]].values
    array([[  1., 100.],
           [  0.,  nan]])
    """
    sheet = pd.DataFrame({"region_id": [str(r) for r in names.index], "name": names.astype(str).to_numpy()})
    table = partition.region_table()
    if "moved" in table:  # (as the map's tooltip says it; a spreadsheet showed TRUE and FALSE, a review)
        table["moved"] = table["moved"].map({True: "yes", False: "no"})
    shown = metrics.copy()
    for metric in shown.columns:  # a figure the file left blank stays blank (it was counted as 0, as said)
        # (only a metric that is the file's column: the accounts counted from an accounts file are not blanked where
        # the file's own column of that name is blank)
        column = metric.removesuffix(" (file)")  # (region_metrics' name for a file's column named as ours)
        if figures is not None and column in figures.columns and _same_figures(figures[column], metrics[metric]):
            blank = figures[column].set_axis(figures.index.astype(str)).reindex(shown.index.astype(str)).isna()
            shown[metric] = shown[metric].mask(blank.to_numpy())
    sheet = sheet.join(table, on="region_id").join(shown, on="region_id")
    own = set(sheet.columns) | {"territory_before", "moved"}
    pieces = []
    for extra, numeric in ((texts, False), (figures, True)):
        if extra is None or extra.empty:
            continue
        extra = extra.set_axis(extra.index.astype(str))
        # a metric that is this column (the file's figure balanced on) is there already; one counted from the
        # accounts (accounts, value) is not: the file's own column is kept beside it, renamed
        kept = [c for c in extra.columns if c not in leave_out and not (numeric and any(
                m in metrics.columns and _same_figures(extra[c], metrics[m]) for m in (c, f"{c} (file)")))]  # fmt: skip
        pieces += [extra[c] for c in kept]
    position = {c: i for i, c in enumerate(order)}
    pieces.sort(key=lambda column: position.get(column.name, len(position)))  # (stable: without it, as given)
    columns = {}
    for column in pieces:
        name = column.name
        while name in own:
            name = f"{name} (file)"
        own.add(name)
        columns[name] = column
    if columns:
        sheet = sheet.join(pd.DataFrame(columns), on="region_id")
    return sheet


def _same_figures(column: pd.Series, metric: pd.Series) -> bool:
    """Whether a file's column holds the metric's figures (a missing figure counts 0, as region_metrics counts it)."""
    column = pd.to_numeric(column, errors="coerce").fillna(0.0).reindex(metric.index.astype(str))
    return bool(np.allclose(column.to_numpy(dtype=float), metric.fillna(0.0).to_numpy(dtype=float), equal_nan=True))


def fill_blanks(
    start: Mapping[str, str | None], links: Mapping[str, tuple[str, ...]], names: Mapping[str, str] | None = None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Give each region without a territory the one most of its neighbours with a territory hold, in waves.

    Returns the filled plan and the regions filled (in the order given). A group of regions no territory reaches
    (an island apart with none) cannot be filled: a ValueError names them.

    Examples
    --------
    >>> links = {"a": ("b",), "b": ("a", "c"), "c": ("b", "d"), "d": ("c",)}
    >>> fill_blanks({"a": "East", "b": None, "c": None, "d": "West"}, links)
    ({'a': 'East', 'b': 'East', 'c': 'West', 'd': 'West'}, ('b', 'c'))
    >>> fill_blanks({"a": None, "b": None}, {"a": ("b",), "b": ("a",)})
    Traceback (most recent call last):
    ...
    ValueError: no region has a territory at the start: give at least one a territory, or draw afresh
    """
    plan = {str(r): (None if t is None or (isinstance(t, float) and t != t) or not str(t).strip() else str(t))
            for r, t in start.items()}  # fmt: skip
    blank = [r for r, t in plan.items() if t is None]
    if len(blank) == len(plan):
        raise ValueError("no region has a territory at the start: give at least one a territory, or draw afresh")
    waiting = list(blank)
    while waiting:
        # (each wave from the plan as the wave before left it: a region filled now does not fill its neighbour now)
        found = {}
        for region in waiting:
            near = [plan[n] for n in links.get(region, ()) if plan.get(n) is not None]
            if near:
                counts = pd.Series(near).value_counts()
                found[region] = sorted(counts.index[counts == counts.max()])[0]
        if not found:
            raise ValueError(
                f"{counted(len(waiting), 'region')} without a territory "
                f"({name_list([(names or {}).get(r, r) for r in waiting])}) "
                f"{'touches' if len(waiting) == 1 else 'touch'} no region with one: give "
                f"{'it' if len(waiting) == 1 else 'them'} a territory, or draw afresh"
            )
        plan.update(found)
        waiting = [r for r in waiting if r not in found]
    return plan, tuple(blank)


def _groups_said(groups, region_ids, names: Mapping[str, str], shown: int = 4) -> str:
    """Groups of regions by name: "Hawaii; Guam and Northern Mariana Islands; and 2 more groups"."""
    said = []
    for group in groups[:shown]:
        members = [names.get(region_ids[i], region_ids[i]) for i in sorted(group)]
        more = f" and {len(members) - 3} more" if len(members) > 3 else ""
        said.append(" and ".join(members) if len(members) <= 2 else ", ".join(members[:3]) + more)
    if len(groups) > shown:
        said.append(f"and {counted(len(groups) - shown, 'more group')}")
    return "; ".join(said)


def bound_said(metric: str, bound: float, coarse: Sequence[Mapping] = ()) -> str:
    """Why no plan comes within the tolerance on ``metric``: "no plan comes closer than +31% on accounts …".

    ``coarse``: the report's groups of regions too coarse to share out evenly (``RebalanceReport.coarse``); when
    one of them sets the bound, it is named as the reason.

    Examples
    --------
    >>> bound_said("POP", 0.28).split(" (")[0]
    'no plan comes closer than ±28% on POP'
    >>> bound_said("N", 6 / 7, [{"territories": ("T1", "T2", "T3", "T4"), "metric": "N", "regions": 50,
    ...                          "over": 6 / 7, "under": 5 / 7}])
    'no plan comes closer than +86% on N (50 regions cannot be shared out more evenly among 4 territories): judged against that'
    >>> bound_said("POP", 0.556, [{"territories": tuple("ABCDEFGH"), "metric": "POP", "regions": 9, "over": 0.0,
    ...                            "under": -0.556, "alone": 7}]).split(": judged")[0]
    'no plan comes closer than -56% on POP (9 regions for 8 territories: at least 7 territories hold one region alone, and one of the smallest regions is a territory by itself)'
    """
    # (the side that sets it where it is known; a bound set by a group short of its shares read "+82%", a review)
    said = f"±{bound:.0%}"
    for group in coarse:
        if group["metric"] == metric and max(group["over"], -group["under"]) >= bound - 1e-9:
            why = (f"{group['regions']:,} regions cannot be shared out more evenly among "
                   f"{len(group['territories'])} territories")  # fmt: skip
            if group.get("alone"):  # (too few regions to give each territory two)
                why = (f"{group['regions']:,} regions for {len(group['territories'])} territories: at least "
                       f"{counted(group['alone'], 'territory', 'territories')} hold one region alone, and one of the "
                       "smallest regions is a territory by itself")  # fmt: skip
            said = f"{bound:+.0%}" if group["over"] >= -group["under"] else f"{-bound:+.0%}"
            break
    else:
        why = ("a region bigger than a territory's share, a group of regions apart that holds no whole number of "
               "shares, or regions too coarse to share out evenly")  # fmt: skip
    return f"no plan comes closer than {said} on {metric} ({why}): judged against that"


def blank_figures(figures: pd.DataFrame, metrics, names: Mapping[str, str] | None = None, *,
                  counted_from_accounts: Sequence[str] = ()) -> list[str]:  # fmt: skip
    """The metrics among the file's figures that some regions leave blank (counted as 0), said with how many.

    Regions are named by ``names`` (region id → name) where given, with their ids. ``counted_from_accounts``: the
    metrics counted from the accounts (``accounts``, ``value``), not the file's columns of those names (which
    :func:`region_metrics` names ``value (file)``).

    Examples
    --------
    >>> blank_figures(pd.DataFrame({"POP": [1.0, None, None]}, index=list("abc")), ["accounts", "POP"])
    ['POP is blank for 2 of 3 regions (b, c), counted as 0 (and left blank in the regions CSV)']
    >>> blank_figures(pd.DataFrame({"POP": [1.0, None]}, index=["48039", "48041"]), ["POP"], {"48041": "Brazos"})
    ['POP is blank for 1 of 2 regions (Brazos (48041)), counted as 0 (and left blank in the regions CSV)']
    >>> blank_figures(pd.DataFrame({"value": [1.0, None]}, index=["a", "b"]), ["value"],
    ...               counted_from_accounts=["accounts", "value"])
    []
    """
    out = []
    for metric in metrics:
        if metric in counted_from_accounts:  # (the accounts' value, not a blank in the file's: a review)
            continue
        column = metric if metric in figures.columns else metric.removesuffix(" (file)")
        if column not in figures.columns:
            continue
        blank = figures.index[figures[column].isna()].astype(str).tolist()
        if blank:
            shown = ", ".join(_region_said(r, names) for r in blank[:5])
            shown += f" and {len(blank) - 5} more" if len(blank) > 5 else ""
            out.append(
                f"{metric} is blank for {len(blank)} of {counted(len(figures), 'region')} ({shown}), counted as 0 "
                "(and left blank in the regions CSV)"
            )
    return out


def below_zero(metrics: pd.DataFrame, names: Mapping[str, str] | None = None, *, listed: int = 3) -> dict[str, str]:
    """Metric → where it is below 0 (the first ``listed`` regions, named, with their figures): not a metric to balance.

    Examples
    --------
    >>> metrics = pd.DataFrame({"POP": [5.0, 7.0], "HH": [-5.0, 2.0]}, index=["48027", "48029"])
    >>> below_zero(metrics, {"48027": "Bell"})
    {'HH': 'Bell (48027) -5'}
    """
    out = {}
    for metric in metrics.columns:
        column = pd.to_numeric(metrics[metric], errors="coerce")
        low = column[column < 0]
        if len(low):
            shown = ", ".join(f"{_region_said(str(r), names)} {v:g}" for r, v in low.iloc[:listed].items())
            out[str(metric)] = shown + (f" and {len(low) - listed} more" if len(low) > listed else "")
    return out


def largest_deviation_said(deviations) -> str:
    """The largest deviation either way, signed ("+8.4%", "-12.4%"), or "±" where it is as large both ways.

    Examples
    --------
    >>> largest_deviation_said([0.02, -0.124, 0.084]), largest_deviation_said([0.5, -0.5, 0.0])
    ('-12.4%', '±50.0%')
    """
    values = pd.Series(deviations, dtype=float).dropna()
    if values.empty:
        return "—"
    largest = float(values.abs().max())
    both = (values >= largest - 1e-9).any() and (values <= -largest + 1e-9).any() and largest > 0
    return f"±{largest:.1%}" if both else f"{float(values.loc[values.abs().idxmax()]):+.1%}"


def _region_said(region: str, names: Mapping[str, str] | None) -> str:
    """A region as a message names it: its name and id ("Brazos (48041)"), or its id where it has no other name."""
    name = (names or {}).get(region)
    return f"{name} ({region})" if name and name != region else region


def link_groups(links: Mapping[str, tuple[str, ...]]) -> list[set[str]]:
    """The groups of regions that ``links`` joins (each group's regions reach each other), largest first.

    Examples
    --------
    >>> [sorted(g) for g in link_groups({"a": ("b",), "b": ("a",), "c": ()})]
    [['a', 'b'], ['c']]
    """
    ids = list(links)
    position = {r: i for i, r in enumerate(ids)}
    neighbours = [[position[n] for n in links[r] if n in position] for r in ids]
    groups = components(range(len(ids)), neighbours)
    return sorted(({ids[i] for i in g} for g in groups), key=lambda g: (-len(g), min(g)))


def largest_regions(
    labels: pd.Series, metric: pd.Series, names: Mapping[str, str] | None = None, shown: int = 3
) -> pd.Series:
    """Per territory, its largest regions on ``metric`` by name: "Harris, Fort Bend, Galveston + 11 more".

    Examples
    --------
    >>> labels = pd.Series({"a": "T1", "b": "T1", "c": "T2"})
    >>> largest_regions(labels, pd.Series({"a": 1.0, "b": 5.0, "c": 2.0}), {"b": "Bee"}, shown=1).to_dict()
    {'T1': 'Bee + 1 more', 'T2': 'c'}
    """
    names = names or {}
    out = {}
    for territory, regions in labels.groupby(labels).groups.items():
        ranked = metric.reindex(regions).fillna(0.0).sort_values(ascending=False, kind="stable").index
        said = ", ".join(str(names.get(r, r)) for r in ranked[:shown])
        out[territory] = said + (f" + {len(ranked) - shown} more" if len(ranked) > shown else "")
    return pd.Series(out, name="largest_regions", dtype=object)


def far_groups(labels: pd.Series, links: Mapping[str, tuple[str, ...]], names: Mapping[str, str] | None = None) -> str:
    """The groups of regions apart from the rest (no link within reach), each with the territory that holds it.

    Each needs a territory of its own: said, so that a territory of one island does not puzzle ("" for none; the
    territories holding each in brackets).

    Examples
    --------
    >>> links = {"a": ("b",), "b": ("a",), "c": (), "d": ()}
    >>> far_groups(pd.Series({"a": "T1", "b": "T1", "c": "T2", "d": "T3"}), links, {"c": "Hawaii"})
    '2 groups of regions lie apart from the rest (beyond 1,000 km), no territory reaching across to them: Hawaii (T2); d (T3)'
    """
    groups = link_groups(links)
    if len(groups) < 2:
        return ""
    names = names or {}
    said = []
    for group in groups[1:]:
        members = sorted(group, key=lambda r: str(names.get(r, r)))
        held = sorted({str(labels.get(r)) for r in group})
        said.append(f"{and_list([names.get(r, r) for r in members], shown=3)} ({', '.join(held)})")
    return (f"{counted(len(groups) - 1, 'group')} of regions {verb(len(groups) - 1, 'lies', 'lie')} apart from the "
            f"rest (beyond 1,000 km), no territory reaching across to {verb(len(groups) - 1, 'it', 'them')}: "
            f"{'; '.join(said)}")  # fmt: skip


def territory_columns(texts: pd.DataFrame, figures: pd.DataFrame, n_regions: int, *, offered: bool = True) -> list[str]:
    """The file's columns that can give each region's current territory.

    Text, or whole numbers (territory codes), naming two territories or more and fewer than one per region (a name
    or a population column names one each). Whole numbers offered (``offered``, to pick from) must also be shared:
    half the regions at least have a figure another region has (a small file's population column with two equal
    figures was offered as territories); a column named outright (``offered=False``: ``--start-column``) need not,
    as territory codes for few regions, most holding one, are not.

    Examples
    --------
    >>> texts = pd.DataFrame({"NAME": ["a", "b", "c"], "owner": ["East", "East", None]})
    >>> figures = pd.DataFrame({"code": [1.0, 2.0, 2.0], "POP": [10.5, 20.0, 30.0]})
    >>> territory_columns(texts, figures, 3)
    ['code']
    >>> territory_columns(texts.assign(owner=["East", "West", "West"]), figures, 3)
    ['owner', 'code']
    >>> people = pd.DataFrame({"POP": [900.0, 1200.0, 900.0, 4000.0, 2500.0]})
    >>> territory_columns(pd.DataFrame(index=range(5)), people, 5)  # (4 figures for 5 regions: not codes)
    []
    """

    def names_territories(values: pd.Series) -> bool:
        values = values.dropna()
        return 2 <= values.nunique() < min(len(values), n_regions)

    def shared(values: pd.Series) -> bool:
        return bool(values.dropna().duplicated(keep=False).mean() >= 0.5)

    whole = [c for c in figures.columns if (figures[c].dropna() == figures[c].dropna().round()).all()]
    return [str(c) for c in texts.columns if names_territories(texts[c])] + [
        str(c) for c in whole if names_territories(figures[c]) and (shared(figures[c]) or not offered)
    ]


def start_labels(texts: pd.DataFrame, figures: pd.DataFrame, column: str) -> dict[str, str | None]:
    """Each region's current territory from the file's ``column``: its text, or its code as written; blank: None.

    (1234567, not 1.23457e+06: two codes read as one, a review.)

    Examples
    --------
    >>> start_labels(pd.DataFrame(index=["a", "b"]), pd.DataFrame({"c": [1234567.0, None]}, index=["a", "b"]), "c")
    {'a': '1234567', 'b': None}
    """
    if column in texts.columns:
        return {str(r): None if v is None or (isinstance(v, float) and v != v) else str(v)
                for r, v in texts[column].items()}  # fmt: skip
    return {str(r): None if v != v else str(int(v)) if float(v).is_integer() else repr(float(v))
            for r, v in figures[column].items()}  # fmt: skip


def start_column_problem(texts: pd.DataFrame, figures: pd.DataFrame, column: str, n_regions: int) -> str | None:
    """Why ``column`` cannot give the regions' current territories, with what to pick instead (None: it can).

    Examples
    --------
    >>> texts = pd.DataFrame({"NAME": ["a", "b", "c"], "owner": ["East", "East", "West"]})
    >>> start_column_problem(texts, pd.DataFrame(), "NAME", 3)
    "column NAME names a territory for every region (3 for 3 regions): pick the column that gives each region's territory (owner)"
    >>> start_column_problem(texts, pd.DataFrame(), "owner", 3) is None
    True
    >>> codes = pd.DataFrame({"terr": [1.0, 1.0, 2.0, 3.0, 4.0, 5.0]})  # (few regions, most alone: named, taken)
    >>> start_column_problem(pd.DataFrame(index=range(6)), codes, "terr", 6) is None
    True
    """
    if column in territory_columns(texts, figures, n_regions, offered=False):
        return None
    offered = territory_columns(texts, figures, n_regions)
    pick = f" ({', '.join(offered)})" if offered else " (this file has none: draw afresh)"
    if column not in texts.columns and column not in figures.columns:
        return f"the file has no column {column}: pick the column that gives each region's territory{pick}"
    values = (texts[column] if column in texts.columns else figures[column]).dropna()
    if column in figures.columns and not (values == values.round()).all():
        return (
            f"column {column} holds figures, not territories: pick the column that gives each region's territory{pick}"
        )
    if values.nunique() < 2:
        return (f"column {column} names {counted(values.nunique(), 'territory', 'territories')}: nothing to rebalance; "
                f"pick a column naming two or more{pick}, or draw afresh")  # fmt: skip
    return (f"column {column} names a territory for every region ({values.nunique():,} for {n_regions:,} regions): "
            f"pick the column that gives each region's territory{pick}")  # fmt: skip
