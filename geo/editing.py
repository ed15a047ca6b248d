"""Geometry for editing territories on the map.

Which regions can be clicked, which regions a drawn shape takes, and which regions touch (for contiguity).
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
from shapely.geometry import shape as to_shape

from geo.boundaries import EQUAL_AREA_CRS, WGS84, load_regions

__all__ = [
    "SELECTION_METHODS",
    "accounts_by_region",
    "rebalance_units",
    "region_adjacency",
    "region_graph_links",
    "region_holders",
    "regions_in_shape",
    "replaced_claims",
    "unknown_population",
    "selectable_regions",
    "territory_part_counts",
]

SELECTION_METHODS = ("area", "centroid")
_NOT_IN_COUNTRY_LAYER = ("US", "CA")  # drawn as their states/provinces (or counties) instead


@lru_cache(maxsize=2)
def _selectable(level: str) -> gpd.GeoDataFrame:
    if level not in ("state", "county"):
        raise ValueError(f"`level` was {level!r} but is expected to be one of ['state', 'county']")
    countries = load_regions("country", display=True)
    frames = [
        load_regions(level, display=True),
        load_regions("province", display=True),
        countries[~countries["region_id"].isin(_NOT_IN_COUNTRY_LAYER)],
    ]
    columns = ["region_id", "label", "level", "geometry"]
    out = gpd.GeoDataFrame(pd.concat([f[columns] for f in frames], ignore_index=True), geometry="geometry", crs=WGS84)
    out = out[~out.geometry.is_empty & out.geometry.notna()].reset_index(drop=True)
    return out


def selectable_regions(level: str = "state") -> gpd.GeoDataFrame:
    """The regions a manager can click or draw over at a map level (display geometry, EPSG:4326).

    Parameters
    ----------
    level : {"state", "county"}
        ``state``: US states, Canadian provinces and the other countries; ``county``: US counties instead of
        US states.

    Returns
    -------
    GeoDataFrame
        ``region_id, label, level, geometry`` (a copy).
    """
    return _selectable(level).copy()


@lru_cache(maxsize=1)
def _adjacency() -> dict[str, tuple[str, ...]]:
    frames = [load_regions(level, display=True)[["region_id", "geometry"]] for level in ("county", "state", "province")]
    countries = load_regions("country", display=True)
    frames.append(countries[~countries["region_id"].isin(_NOT_IN_COUNTRY_LAYER)][["region_id", "geometry"]])
    table = pd.concat(frames, ignore_index=True)
    geometries = table.geometry.to_numpy()
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    keep = left != right
    ids = table["region_id"].to_numpy(dtype=object)
    pairs = pd.DataFrame({"a": ids[left[keep]], "b": ids[right[keep]]}).drop_duplicates()
    return {k: tuple(sorted(v)) for k, v in pairs.groupby("a")["b"]}


def region_adjacency() -> dict[str, tuple[str, ...]]:
    """Regions that share a border or a corner, as plain data: ``{region_id: (neighbour ids, …)}``.

    Built once from the display boundaries (whose shared borders are shared exactly) for US counties and
    states, Canadian provinces and the other countries; a county also touches the neighbouring states.
    Islands have no neighbours.
    """
    return _adjacency()


def _shape_of(drawn) -> shapely.Geometry:
    geometry = drawn.get("geometry", drawn) if isinstance(drawn, dict) else drawn
    try:
        shape = to_shape(geometry) if isinstance(geometry, dict) else geometry
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise ValueError(f"the drawn shape is not GeoJSON geometry ({exc}); draw a polygon or a rectangle") from None
    if not isinstance(shape, shapely.Geometry) or shape.geom_type not in ("Polygon", "MultiPolygon"):
        kind = getattr(shape, "geom_type", type(shape).__name__)
        raise ValueError(f"the drawn shape is a {kind}; draw a polygon or a rectangle")
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    if shape.is_empty or shape.area == 0:
        raise ValueError("the drawn shape has no area; draw a polygon with at least three corners")
    return shape


def regions_in_shape(drawn, level: str = "state", *, method: str = "area", threshold: float = 0.5) -> pd.DataFrame:
    """Regions a drawn shape takes.

    Parameters
    ----------
    drawn : dict or shapely geometry
        A GeoJSON Feature or geometry (lon/lat), as Leaflet.draw returns it.
    level : {"state", "county"}
        Which regions (see :func:`selectable_regions`).
    method : {"area", "centroid"}
        ``area``: a region is taken when at least ``threshold`` of its area lies inside the shape (areas in
        the equal-area EPSG:6933); ``centroid``: when its representative point lies inside.
    threshold : float, default 0.5
        Share of area, in (0, 1].

    Returns
    -------
    DataFrame
        Every region the shape touches: ``region_id, label, share, point_inside, selected``, selected first,
        then by share.

    Raises
    ------
    ValueError
        For a shape that is not a polygon, or a bad method or threshold.
    """
    if method not in SELECTION_METHODS:
        raise ValueError(f"`method` was {method!r} but is expected to be one of {list(SELECTION_METHODS)}")
    if not 0 < threshold <= 1:
        raise ValueError(f"`threshold` was {threshold!r}; use a share between 0 (exclusive) and 1")
    shape = _shape_of(drawn)
    regions = _selectable(level)
    hits = regions.sindex.query(shape, predicate="intersects")
    candidates = regions.iloc[np.sort(hits)]
    columns = ["region_id", "label", "share", "point_inside", "selected"]
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    drawn_area = gpd.GeoSeries([shape], crs=WGS84).to_crs(EQUAL_AREA_CRS).iloc[0]
    projected = candidates.geometry.to_crs(EQUAL_AREA_CRS)
    inside = shapely.intersection(projected.to_numpy(), drawn_area)
    area = shapely.area(projected.to_numpy())
    share = np.where(area > 0, shapely.area(inside) / np.where(area > 0, area, 1.0), 0.0)
    points = candidates.geometry.representative_point()
    point_inside = shapely.contains(shape, points.to_numpy())
    selected = share >= threshold if method == "area" else point_inside
    out = pd.DataFrame(
        {
            "region_id": candidates["region_id"].to_numpy(dtype=object),
            "label": candidates["label"].to_numpy(dtype=object),
            "share": np.round(share, 4),
            "point_inside": point_inside,
            "selected": selected,
        }
    )
    return out.sort_values(["selected", "share", "region_id"], ascending=[False, False, True]).reset_index(drop=True)


def region_holders(plan, level: str = "state") -> dict[str, str]:
    """``{region_id: territory_id}`` for every region drawn at ``level`` as part of a territory.

    At ``county`` level a state claim shows as its counties (see :func:`geo.coverage.display_claims`).
    """
    from geo.coverage import display_claims

    claims = display_claims(plan, level)
    return dict(zip(claims["region_id"], claims["territory_id"], strict=True))


def territory_part_counts(plan, level: str = "state", *, holders: dict[str, str] | None = None) -> dict[str, int]:
    """How many separate (not touching) parts each territory of ``plan`` has at ``level``.

    ``holders``: :func:`region_holders` of ``plan`` at ``level``, when the caller has it already.
    """
    from territory.impact import territory_parts

    adjacency = region_adjacency()
    members: dict[str, set[str]] = {}
    holders = region_holders(plan, level) if holders is None else holders
    for region_id, territory_id in holders.items():
        members.setdefault(territory_id, set()).add(region_id)
    return {t.territory_id: len(territory_parts(members.get(t.territory_id, ()), adjacency)) for t in plan.territories}


def accounts_by_region(accounts: pd.DataFrame, level: str = "state") -> pd.DataFrame:
    """Accounts and value per region drawn at ``level`` (a county's accounts count for its state at state level).

    Returns
    -------
    DataFrame
        Indexed by ``region_id``: ``accounts``, ``value``.
    """
    from geo.coverage import display_region_of

    if accounts.empty:
        return pd.DataFrame(columns=["accounts", "value"], index=pd.Index([], name="region_id"))
    shown = display_region_of(accounts["region_id"], level)
    frame = pd.DataFrame({"region_id": shown.to_numpy(dtype=object), "value": accounts["value"].to_numpy(dtype=float)})
    return frame.groupby("region_id").agg(accounts=("value", "size"), value=("value", "sum"))


def _country_of(region_id: str, table: pd.DataFrame) -> str:
    """The country a region belongs to: a US county or state → US, a Canadian province → CA."""
    seen = 0
    while seen < 3:
        parent = table["parent_id"].get(region_id) if region_id in table.index else None
        if parent is None or pd.isna(parent):
            return region_id
        region_id = str(parent)
        seen += 1
    return region_id


def region_graph_links(
    region_ids, *, link_islands: bool = True, reach_km: float = 1000.0
) -> dict[str, tuple[str, ...]]:
    """Adjacency among ``region_ids`` (shared borders), with islands and exclaves linked to their nearest region.

    Parameters
    ----------
    region_ids : iterable of str
    link_islands : bool, default True
        Join every separate part to the nearest region of another part (distance between representative points)
        when that region is in the same country (Hawaii, Alaska, Puerto Rico, an island county) or within
        ``reach_km`` (Great Britain to the continent), so that a territory can reach it. Parts further away (Europe
        and North America) stay apart: no territory is made to cross an ocean.
    reach_km : float, default 1000

    Returns
    -------
    dict
        ``{region_id: (neighbour ids, …)}`` as plain data (what :class:`territory.optimizer.RegionGraph` takes).

    Examples
    --------
    >>> links = region_graph_links(["US-CA", "US-HI", "US-NV", "FR", "GB", "DE"])
    >>> "US-HI" in links["US-CA"] or "US-HI" in links["US-NV"], links["GB"] != ()
    (True, True)
    >>> any(r.startswith("US-") for r in links["FR"] + links["GB"] + links["DE"])
    False
    """
    from territory.impact import territory_parts

    wanted = list(dict.fromkeys(str(r) for r in region_ids))
    keep = set(wanted)
    full = region_adjacency()
    links = {r: set(n for n in full.get(r, ()) if n in keep) for r in wanted}
    if link_islands and len(wanted) > 1:
        from geo.boundaries import region_table

        full_table = region_table().set_index("region_id")
        points = full_table.reindex(wanted)[["lon", "lat"]].dropna()
        country = pd.Series({r: _country_of(r, full_table) for r in points.index}, dtype=object)
        done: set[str] = set()  # regions of parts that nothing may join
        while True:
            parts = territory_parts(wanted, links)
            if len(parts) <= 1:
                break
            parts = [p for p in parts if not set(p) <= done]
            if not parts:
                break
            part = parts[-1]  # the smallest part still open joins its nearest allowed neighbour
            inside = points.loc[points.index.intersection(sorted(part))]
            outside = points.drop(index=list(part), errors="ignore")
            if inside.empty or outside.empty:
                done |= set(part)
                continue
            lat = np.radians((inside["lat"].to_numpy()[:, None] + outside["lat"].to_numpy()[None, :]) / 2)
            dx = (inside["lon"].to_numpy()[:, None] - outside["lon"].to_numpy()[None, :]) * np.cos(lat) * 111.2
            dy = (inside["lat"].to_numpy()[:, None] - outside["lat"].to_numpy()[None, :]) * 111.2
            distance = np.hypot(dx, dy)
            same = country[inside.index].to_numpy()[:, None] == country[outside.index].to_numpy()[None, :]
            distance[~same & (distance > reach_km)] = np.inf
            if not np.isfinite(distance).any():
                done |= set(part)
                continue
            i, j = np.unravel_index(int(distance.argmin()), distance.shape)
            x, y = inside.index[i], outside.index[j]
            links[x].add(y)
            links[y].add(x)
    return {r: tuple(sorted(links[r])) for r in wanted}


def rebalance_units(state, level: str = "state") -> tuple[dict[str, str], pd.DataFrame, dict[str, tuple[str, ...]]]:
    """The regions a rebalance works on at ``level``: who holds them, their metrics and how they link.

    Parameters
    ----------
    state : territory.edits.PlanState
        The plan with its assigned accounts (``result``) and their ``workload``.
    level : {"state", "county"}

    Returns
    -------
    holders : dict
        Region id → territory id, for every region held by a territory at this level.
    table : DataFrame
        Indexed by those region ids (sorted): ``workload``, ``accounts``, ``value`` (of the accounts in the region)
        and ``population`` (people, :func:`geo.population.population`).
    links : dict
        Their adjacency with islands linked (:func:`region_graph_links`).
    """
    from geo.coverage import display_region_of
    from geo.population import population

    holders = region_holders(state.plan, level)
    units = sorted(holders)
    result = state.result
    stats = accounts_by_region(result, level).reindex(units).fillna(0)
    if len(result):
        shown = display_region_of(result["region_id"], level)
        workload = pd.Series(np.asarray(state.workload, dtype=float), index=result.index)
        workload = workload.groupby(shown.to_numpy()).sum().reindex(units).fillna(0)
    else:
        workload = pd.Series(0.0, index=units)
    table = pd.DataFrame(
        {"workload": workload.to_numpy(dtype=float), "accounts": stats["accounts"].to_numpy(dtype=float),
         "value": stats["value"].to_numpy(dtype=float), "population": population(units, level).to_numpy()},
        index=pd.Index(units, name="region_id"),
    )  # fmt: skip
    return holders, table, region_graph_links(units)


def unknown_population(table: pd.DataFrame, metrics) -> str | None:
    """A sentence when population is balanced but some regions have none on record (outside the US), else None.

    Examples
    --------
    >>> t = pd.DataFrame({"population": [5.0, 0.0, 0.0]}, index=["US-CA", "CA-ON", "GB"])
    >>> unknown_population(t, ["workload", "population"])
    'Population is on record for US states and counties only: 2 region(s) count as empty (CA-ON, GB).'
    """
    if "population" not in metrics or "population" not in table:
        return None
    empty = [str(r) for r in table.index[table["population"] <= 0]]
    if not empty:
        return None
    shown = ", ".join(empty[:5]) + (" …" if len(empty) > 5 else "")
    return f"Population is on record for US states and counties only: {len(empty)} region(s) count as empty ({shown})."


def replaced_claims(region_ids, level: str = "state") -> list[str]:
    """The claims that units at ``level`` stand for: at county level, the states of the counties (sorted).

    A rebalance at county level hands out counties; the states they came from are no longer claimed as a whole
    (:func:`territory.rebalance.propose`'s ``replaces``). At state level: none.
    """
    if level != "county":
        return []
    from geo.boundaries import region_table

    parents = region_table().set_index("region_id")["parent_id"]
    return sorted({str(p) for p in parents.reindex(list(region_ids)).dropna()})
