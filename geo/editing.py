"""Geometry for editing territories on the map.

Which regions can be clicked, which regions a drawn shape takes, and which regions touch (for contiguity).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
from shapely.geometry import shape as to_shape

from geo.boundaries import EQUAL_AREA_CRS, US_ISLAND_AREAS, WGS84, load_regions
from territory.formatting import counted, verb

__all__ = [
    "SELECTION_METHODS",
    "accounts_by_region",
    "fold_whole_states",
    "rebalance_units",
    "region_adjacency",
    "region_graph_links",
    "region_holders",
    "regions_in_shape",
    "replaced_claims",
    "unit_metrics",
    "unit_of",
    "unit_parents",
    "units_of_claims",
    "unit_population",
    "unknown_population",
    "countries_beside_states",
    "selectable_regions",
    "territory_part_counts",
    "territory_count_range",
    "territory_pieces",
]

SELECTION_METHODS = ("area", "centroid")
# Drawn as their states, provinces or counties instead (Puerto Rico once, as the US state, not also as a country).
_NOT_IN_COUNTRY_LAYER = ("US", "CA", *US_ISLAND_AREAS)


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
    left, right = left[keep], right[keep]
    # A shared border, not a corner alone (Utah and New Mexico at Four Corners; Saskatchewan and Nunavut, through
    # which Canada Atlantic took Saskatchewan in a proposal, a review): the boundaries meet along a line, or the
    # interiors meet (a county inside its state, or a country over a neighbour's edge on the world map).
    keep = shapely.relate_pattern(geometries[left], geometries[right], "****1****") | shapely.relate_pattern(
        geometries[left], geometries[right], "T********"
    )
    ids = table["region_id"].to_numpy(dtype=object)
    pairs = pd.DataFrame({"a": ids[left[keep]], "b": ids[right[keep]]}).drop_duplicates()
    return {k: tuple(sorted(v)) for k, v in pairs.groupby("a")["b"]}


def region_adjacency() -> dict[str, tuple[str, ...]]:
    """Regions that share a border (not a corner alone), as plain data: ``{region_id: (neighbour ids, …)}``.

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


def territory_pieces(plan, level: str = "state") -> dict[str, list[set[str]]]:
    """The separate (not touching) parts of each territory of ``plan`` at ``level``, largest first.

    Regions touch where they share a border (not a corner alone), or face each other across a strait of at most
    :data:`STRAIT_KM` over water (Prince Edward Island and New Brunswick; Great Britain and France), as the rebalance
    links them. A territory holds every region it claims at ``level`` (those it shares too). A territory with no
    region at ``level`` has no part.
    """
    from geo.coverage import display_claims
    from territory.impact import territory_parts

    adjacency = region_adjacency()
    members: dict[str, set[str]] = {}
    # (every region a territory claims, those it shares with another too: a region has one holder, and Kansas and
    # Oklahoma painted into a territory that ranks above the one keeping them were left out of its parts, so
    # "Nebraska lies apart" was said of Kansas, Nebraska and Oklahoma, a review)
    claims = list(zip(*(display_claims(plan, level)[c] for c in ("region_id", "territory_id")), strict=True))
    for region_id, territory_id in claims:
        members.setdefault(territory_id, set()).add(region_id)
    pieces = {t.territory_id: territory_parts(members.get(t.territory_id, ()), adjacency) for t in plan.territories}
    split = [t for t, parts in pieces.items() if len(parts) > 1]
    if not split:
        return pieces
    # Parts across a strait of at most STRAIT_KM, over water only, are one, as the rebalance links them (Prince
    # Edward Island with New Brunswick: the Edit page called it a part apart, the Rebalance page one territory, a
    # new user's test). Only territories in pieces are looked at.
    held = tuple(sorted({region_id for region_id, _ in claims}))
    for territory_id in split:
        pieces[territory_id] = [set(p) for p in _joined_across_straits(tuple(sorted(members[territory_id])), held)]
    return pieces


@lru_cache(maxsize=64)
def _joined_across_straits(mine: tuple[str, ...], held: tuple[str, ...]) -> tuple[set, ...]:
    """The parts of a territory's regions ``mine`` with those across a strait of at most STRAIT_KM joined.

    Kept: an edit changes one or two territories, and the others' parts are looked up (a territory in pieces cost
    0.13 s a rerun at county level).
    """
    from territory.impact import territory_parts

    gaps, known = _held_gaps(held)
    adjacency = region_adjacency()
    inside = {r for r in mine if r in known}
    ordered = sorted(inside)
    links = {r: set(adjacency.get(r, ())) & inside for r in ordered}
    _join_parts(ordered, links, lambda part: gaps.strait(part, STRAIT_KM, among=inside, water_only=True))
    # (regions the table lacks stay parts of their own, as before)
    return tuple(frozenset(p) for p in territory_parts(ordered, links) + [{r} for r in sorted(set(mine) - inside)])


@lru_cache(maxsize=4)
def _held_gaps(held: tuple[str, ...]) -> tuple[_Gaps, frozenset]:
    """:class:`_Gaps` for the ``held`` regions (those the bundled table has), and those regions.

    Kept for the next call: an edit moves regions between territories and rarely changes which are held (built,
    0.1-0.2 s at county level).
    """
    from geo.boundaries import region_table

    table = region_table().set_index("region_id")
    known = [r for r in held if r in table.index]
    return _Gaps(known, table), frozenset(known)


def territory_part_counts(plan, level: str = "state") -> dict[str, int]:
    """How many separate (not touching) parts each territory of ``plan`` has at ``level`` (:func:`territory_pieces`)."""
    return {t: len(parts) for t, parts in territory_pieces(plan, level).items()}


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


def groups_apart(links: dict[str, tuple[str, ...]], region_ids) -> int:
    """How many groups of ``region_ids`` are out of each other's reach through ``links`` (a territory spans one).

    A plan from scratch needs at least this many territories (Europe and North America cannot share one).

    Examples
    --------
    >>> groups_apart({"a": ("b",), "b": ("a",), "c": ()}, ["a", "b", "c"])
    2
    """
    from territory.optimizer import components

    ids = list(region_ids)
    position = {r: i for i, r in enumerate(ids)}
    neighbours = [[position[j] for j in links.get(r, ()) if j in position] for r in ids]
    return len(components(range(len(ids)), neighbours))


def territory_count_range(
    links: dict[str, tuple[str, ...]], region_ids, holders: Mapping[str, str], locked=()
) -> tuple[int, int]:
    """The fewest and the most territories a plan from scratch over ``region_ids`` can have, ``locked`` ones kept.

    Each group of regions out of each other's reach needs a territory of its own (:func:`groups_apart`), and a
    territory holds one region at least. Locked territories stay as they are and count among the territories: the
    regions they hold are left out of the drawing, so they may cut the rest into groups apart, and each locked
    territory holding one of ``region_ids`` adds one to both. (:func:`territory.rebalance.propose` refuses the
    numbers outside; the page's number box offered them, a new user's test and a review's.)

    Examples
    --------
    >>> links = {"a": ("b",), "b": ("a", "c"), "c": ("b",), "d": ()}
    >>> territory_count_range(links, "abcd", {"a": "T1", "b": "T2", "c": "T1", "d": "T3"})
    (2, 4)
    >>> territory_count_range(links, "abcd", {"a": "T1", "b": "T2", "c": "T1", "d": "T3"}, locked=["T2"])
    (4, 4)
    >>> territory_count_range(links, "abcd", {"a": "T1", "b": "T1", "c": "T1", "d": "T3"}, locked=["T1"])
    (2, 2)
    """
    ids = list(region_ids)
    kept = set(locked)
    held = {holders.get(r) for r in ids} & kept
    rest = [r for r in ids if holders.get(r) not in kept]
    if not held:
        return groups_apart(links, ids), len(ids)
    return len(held) + (groups_apart(links, rest) if rest else 0), len(held) + len(rest)


#: Regions across a strait of at most this many km are touching, for the rebalance and the Edit page alike.
STRAIT_KM = 50.0
CORNER_M = 100.0
"""Regions this close that share no border meet at a corner (or next to one): not across a strait."""


def region_graph_links(
    region_ids, *, link_islands: bool = True, reach_km: float = 1000.0, strait_km: float = STRAIT_KM
) -> dict[str, tuple[str, ...]]:
    """Adjacency among ``region_ids`` (shared borders), with islands and exclaves linked to their nearest region.

    The regions given are the ones held (by some territory); the others are gaps a territory may not cross. A
    territory is one piece across water or another country, never across its own country's regions that no
    territory holds: Texas and Arizona are not linked across an unheld New Mexico.

    Parameters
    ----------
    region_ids : iterable of str
    link_islands : bool, default True
        Join separate parts. A part bordered only by the sea or by other countries (Hawaii, Alaska, Great Britain
        next to an unheld Ireland) joins another part across a strait of at most ``strait_km`` (Great Britain to
        France), else its nearest region (distance between representative points) when that region is in the same
        country or within ``reach_km``. A part cut off by unheld regions
        of its own country joins another part only across a strait of at most ``strait_km`` (Staten Island,
        Virginia's Eastern Shore) that crosses none of them. Parts further away (Europe and North America) stay
        apart: no territory is made to cross an ocean or a gap in the plan.
    reach_km : float, default 1000
    strait_km : float, default 50

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
    >>> region_graph_links(["US-AZ", "US-TX"])  # New Mexico between them holds no territory
    {'US-AZ': (), 'US-TX': ()}
    """
    wanted = list(dict.fromkeys(str(r) for r in region_ids))
    keep = set(wanted)
    full = region_adjacency()
    links = {r: set(n for n in full.get(r, ()) if n in keep) for r in wanted}
    if not link_islands or len(wanted) < 2:
        return {r: tuple(sorted(links[r])) for r in wanted}
    from geo.boundaries import region_table

    full_table = region_table().set_index("region_id")
    points = full_table.reindex(wanted)[["lon", "lat"]].dropna()
    country = {r: _country_of(r, full_table) for r in wanted}
    gaps = _Gaps(wanted, full_table, country)
    if gaps.level == "county":
        _link_states_across_straits(wanted, links, full_table, gaps, strait_km)

    def pair_for(part):
        # Bordered by unheld land of its own country, the part is cut off by a gap in the plan.
        beside = {n for r in part for n in full.get(r, ()) if n not in keep and n in gaps.layer}
        if {_country_of(n, full_table) for n in beside} & {country[r] for r in part}:
            return gaps.strait(part, strait_km)
        # across the narrowest strait when there is one (Great Britain to France), else to the nearest region
        return gaps.strait(part, strait_km) or _nearest_across(part, points, country, reach_km)

    _join_parts(wanted, links, pair_for)
    return {r: tuple(sorted(links[r])) for r in wanted}


def sea_links(links: Mapping[str, tuple[str, ...]], *, strait_km: float = STRAIT_KM) -> frozenset[tuple[str, str]]:
    """The links of ``links`` across more sea than a strait: regions that share no border, over ``strait_km`` apart.

    :func:`region_graph_links` joins an island to its nearest region however far it lies (Hawaii to the Aleutians,
    Puerto Rico to Miami-Dade), so that every region can be reached; a rebalance of a plan trades regions across
    such a link only within a territory (:func:`territory.rebalance.propose`'s ``sea_links``): Hawaii's territory
    took Alaska's Kenai Peninsula, 4,333 km from its rep, in a review's proposal.

    Returns
    -------
    frozenset
        Pairs ``(a, b)`` with ``a < b``.

    Examples
    --------
    >>> sorted(sea_links(region_graph_links(["US-CA", "US-HI", "US-NV", "FR", "GB"])))  # (GB and FR: a strait)
    [('US-CA', 'US-HI')]
    """
    adjacency = region_adjacency()
    pairs = {(min(a, b), max(a, b)) for a, near in links.items() for b in near if b not in adjacency.get(a, ())}
    if not pairs:
        return frozenset()
    shapes = _shapes_in_metres()
    return frozenset(
        (a, b)
        for a, b in sorted(pairs)
        if a in shapes and b in shapes and shapely.distance(shapes[a], shapes[b]) > strait_km * 1000
    )


@lru_cache(maxsize=1)
def _shapes_in_metres() -> dict[str, shapely.Geometry]:
    """Region id → its shape on the equal-area map (metres), states, provinces, countries and counties."""
    layers = [_projected(level) for level in ("state", "county")]
    return {r: g for layer in layers for r, g in zip(layer["region_id"], layer.geometry.to_numpy(), strict=True)}


def _link_states_across_straits(wanted, links: dict, full_table: pd.DataFrame, gaps: _Gaps, strait_km: float) -> None:
    """Join the held counties of each state across straits of at most ``strait_km`` (``links``, in place).

    Michigan's two peninsulas, 6 km apart at Mackinac, are one region at state level; at county level a territory
    holding every Michigan county was in two pieces, since the Upper Peninsula reaches the rest by land through
    Wisconsin (the fifteenth new user). Each state's parts join across its narrowest strait, within the state.
    """
    states: dict[str, set[str]] = {}
    for region_id in wanted:
        parent = full_table["parent_id"].get(region_id)
        if full_table["level"].get(region_id) == "county" and isinstance(parent, str):
            states.setdefault(parent, set()).add(region_id)
    for members in states.values():
        _join_parts(sorted(members), links,
                    lambda part, members=members: gaps.strait(part, strait_km, among=members, water_only=True))  # fmt: skip


def _join_parts(members: list, links: dict, pair_for) -> None:
    """Link the parts of ``members`` (``links``, in place) until one part is left or no open part joins any.

    The smallest part still open joins by the pair ``pair_for(part)`` gives (a region in it, one outside), or is
    closed when it gives None. ``members`` in a fixed order: parts of one size are taken in it.
    """
    from territory.impact import territory_parts

    inside = set(members)
    done: set[str] = set()  # regions of parts that nothing may join
    while True:
        parts = territory_parts(members, {r: links[r] & inside for r in members})
        open_parts = [p for p in parts if not p <= done]
        if len(parts) <= 1 or not open_parts:
            break
        part = open_parts[-1]
        pair = pair_for(part)
        if pair is None:
            done |= set(part)
            continue
        x, y = pair
        links[x].add(y)
        links[y].add(x)


def _nearest_across(part, points: pd.DataFrame, country: dict, reach_km: float) -> tuple[str, str] | None:
    """The closest pair (representative points) from ``part`` to a region outside it: same country, or near."""
    inside = points.loc[points.index.intersection(sorted(part))]
    outside = points.drop(index=list(part), errors="ignore")
    if inside.empty or outside.empty:
        return None
    lat = np.radians((inside["lat"].to_numpy()[:, None] + outside["lat"].to_numpy()[None, :]) / 2)
    # (longitudes the short way round: the Northern Mariana Islands, at 145° E, were joined to Maine, not the Aleutians)
    dlon = (inside["lon"].to_numpy()[:, None] - outside["lon"].to_numpy()[None, :] + 180.0) % 360.0 - 180.0
    dx = dlon * np.cos(lat) * 111.2
    dy = (inside["lat"].to_numpy()[:, None] - outside["lat"].to_numpy()[None, :]) * 111.2
    distance = np.hypot(dx, dy)
    same = (
        np.array([country[r] for r in inside.index], dtype=object)[:, None]
        == np.array([country[r] for r in outside.index], dtype=object)[None, :]
    )
    distance[~same & (distance > reach_km)] = np.inf
    if not np.isfinite(distance).any():
        return None
    i, j = np.unravel_index(int(distance.argmin()), distance.shape)
    return str(inside.index[i]), str(outside.index[j])


class _Gaps:
    """The held regions' shapes (metres) and the unheld regions of their countries, for straits."""

    def __init__(self, wanted: list[str], full_table: pd.DataFrame, country: dict | None = None):
        # The state layer when states are held (a county among them is one carved out of a state, inside its
        # shape); the county layer when the units are counties.
        levels = full_table["level"].reindex(wanted)
        level = "county" if (levels == "county").any() and not (levels == "state").any() else "state"
        self.level = level
        layer = _projected(level)
        held = layer["region_id"].isin(set(wanted)).to_numpy()
        self.ids = layer["region_id"].to_numpy(dtype=object)
        self.layer = set(self.ids)  # the regions drawn at this level (a state's counties are not its neighbours)
        self.shapes = layer.geometry.to_numpy()
        self.held = np.flatnonzero(held)
        self.unheld_country = layer["country"].to_numpy(dtype=object)
        # (without ``country``, the layer's own: each held region's country, all :meth:`strait` reads)
        if country is None:
            country = dict(zip(self.ids[self.held], self.unheld_country[self.held], strict=True))
        self.country = country
        self.unheld = np.flatnonzero(~held & layer["country"].isin(set(country.values())).to_numpy())
        self.tree_held = shapely.STRtree(self.shapes[self.held])
        self.tree_unheld = shapely.STRtree(self.shapes[self.unheld])
        self.tree_all = shapely.STRtree(self.shapes)

    def strait(self, part, strait_km: float, *, among=None, water_only: bool = False) -> tuple[str, str] | None:
        """The closest pair of held regions across a strait of at most ``strait_km``; None if none.

        One region is in ``part``, the other not (and in ``among``, if given); the line between them crosses no
        unheld land of their countries, and with ``water_only`` no land of any other region.
        """
        inside = [i for i in self.held if self.ids[i] in part]
        if not inside:
            return None
        best = None
        for i in inside:
            near = self.tree_held.query(self.shapes[i], predicate="dwithin", distance=strait_km * 1000)
            for j in self.held[near]:
                if self.ids[j] in part or (among is not None and self.ids[j] not in among):
                    continue
                gap = shapely.distance(self.shapes[i], self.shapes[j])
                if gap <= CORNER_M or (best is not None and gap >= best[0]):
                    continue  # (touching at a corner, or next to one, is no strait: Utah and New Mexico, a review)
                line = shapely.shortest_line(self.shapes[i], self.shapes[j])
                touched = self.unheld[self.tree_unheld.query(line, predicate="intersects")]
                mine = {self.country[self.ids[i]], self.country[self.ids[j]]}
                # Over the land of unheld regions of their country (their inside, not a corner they share; together:
                # a line along the border of two of them is over land, though inside neither: a reviewer's case)?
                theirs = [c for c in touched if self.unheld_country[c] in mine]
                if theirs and shapely.relate_pattern(line, shapely.union_all(self.shapes[theirs]), "T********"):
                    continue
                # Over any other region's land (a strait within a state is water: not a shortcut through another
                # state's held counties)?
                if water_only:
                    others = [c for c in self.tree_all.query(line, predicate="intersects") if c not in (i, j)]
                    if others and shapely.relate_pattern(line, shapely.union_all(self.shapes[others]), "T********"):
                        continue
                best = (gap, str(self.ids[i]), str(self.ids[j]))
        return None if best is None else best[1:]


@lru_cache(maxsize=2)
def _projected(level: str) -> gpd.GeoDataFrame:
    """The selectable regions at ``level`` in metres (equal-area), with their country."""
    from geo.boundaries import region_table

    layer = _selectable(level)[["region_id", "geometry"]].to_crs(EQUAL_AREA_CRS)
    table = region_table().set_index("region_id")
    layer["country"] = [_country_of(r, table) for r in layer["region_id"]]
    return layer.reset_index(drop=True)


COVERS = ("held", "countries")


def rebalance_units(
    state, level: str = "state", *, admitted: bool = True, cover: str = "held"
) -> tuple[dict[str, str | None], pd.DataFrame, dict[str, tuple[str, ...]]]:
    """The regions a rebalance works on at ``level``: who holds them, their metrics and how they link.

    Parameters
    ----------
    state : territory.edits.PlanState
        The plan with its assigned accounts (``result``) and their ``workload``.
    level : {"state", "county"}
    admitted : bool, default True
        Count only the accounts that the region's territory takes (its industry focus and tiers): what the
        territories carry. False: every account in the region (for territories drawn anew, which take all).
    cover : {"held", "countries"}, default "held"
        ``held``: the regions the territories hold. ``countries``: those and every region at ``level`` of the
        countries the accounts are in (all US states or counties, all Canadian provinces; another country whole),
        held by no territory where none holds them: a plan drawn anew over a team's own accounts, whatever the
        plan held before (:func:`country_regions`), or the white space a rebalance may take (counting every
        account in it).

    Returns
    -------
    holders : dict
        Region id → territory id, for every region held by a territory at this level (None: held by none).
    table : DataFrame
        Indexed by those region ids (sorted): ``workload``, ``accounts``, ``value`` (of the accounts in the region)
        and ``population`` (people, :func:`geo.population.population`).
    links : dict
        Their adjacency with islands linked (:func:`region_graph_links`).
    """
    from geo.boundaries import region_table

    # (regions the bundled boundaries do not have, a mistyped US-ZZ, are left out: with no neighbour they were a
    # land mass of their own, drawn anew as a territory "US-ZZ" with a rep sent to it; a new user's test)
    known = set(region_table()["region_id"])
    holders = {r: t for r, t in region_holders(state.plan, level).items() if r in known}
    if level == "state" and not admitted:
        # Drawn anew at state level, every state is a unit, counties carved out of it too (the draft a county-level
        # proposal leaves lists the counties of the states it splits): the new plan is drawn on states.
        holders = _whole_states(holders)
    if cover not in COVERS:
        raise ValueError(f"`cover` was {cover!r} but is expected to be one of {list(COVERS)}")
    if cover == "countries":
        # (a new user's own accounts in states the demo's territories did not hold were left out of a plan drawn
        # anew: 210 accounts in New Jersey, Maryland, Oklahoma … in no territory)
        region_ids = state.result["region_id"].dropna() if len(state.result) else pd.Series(dtype=object)
        holders = {**dict.fromkeys(country_regions(region_ids, level)), **holders}  # (held ones keep their holder)
    units = sorted(holders)
    table = unit_metrics(state, level, holders, admitted=admitted, unheld=cover == "countries")
    return holders, table, region_graph_links(units)


def country_regions(region_ids, level: str = "state") -> list[str]:
    """Every region at ``level`` of the countries ``region_ids`` lie in (a plan drawn over a team's accounts).

    The US by its states (``county``: its counties), Canada by its provinces and any other country whole; the US
    island areas (Puerto Rico, Guam …) only where a region of theirs is given.

    Examples
    --------
    >>> regions = country_regions(["US-36061", "CA-ON", "DE"])
    >>> len([r for r in regions if r.startswith("US-")]), len([r for r in regions if r.startswith("CA-")])
    (51, 13)
    >>> "DE" in regions, "FR" in regions, "US-PR" in regions, "US-PR" in country_regions(["US-72001"])
    (True, False, False, True)
    >>> len(country_regions(["US-TX"], "county")) > 3000
    True
    """
    from geo.boundaries import region_lineage

    lineage = {a for r in {str(r) for r in region_ids} for a in region_lineage(r)}
    countries = {r.split("-", 1)[0] for r in lineage}
    islands = {*US_ISLAND_AREAS, *(f"US-{a}" for a in US_ISLAND_AREAS)}
    out = []
    for region_id in _selectable(level)["region_id"]:
        if region_id.split("-", 1)[0] not in countries:
            continue
        area = set(region_lineage(region_id)[:2])
        if area & islands and not area & lineage:  # (an island area only where the accounts are)
            continue
        out.append(region_id)
    return sorted(dict.fromkeys(out))


def home_at_level(region_id: str | None, level: str, table: pd.DataFrame) -> str | None:
    """A new rep's home region as a region of ``table`` (:func:`rebalance_units`' regions at ``level``).

    At county level a state stands for its most populous county that a territory holds (its largest city's,
    where a rep most likely lives; by workload where the population is not known); at state level a county
    stands for its state. None when neither it nor what stands for it is among the regions.

    Parameters
    ----------
    region_id : str or None
        A region id: a state (``US-CO``) or a county (``US-08031``).
    level : {"state", "county"}
    table : DataFrame
        Indexed by the regions being balanced, with ``population`` and ``workload`` columns.

    Examples
    --------
    >>> table = pd.DataFrame({"population": [715_522, 730_395, np.nan], "workload": [40.0, 31.0, 0.0]},
    ...                      index=["US-08031", "US-08041", "US-49035"])
    >>> home_at_level("US-CO", "county", table)  # (El Paso County, Colorado Springs, has more people than Denver)
    'US-08041'
    >>> home_at_level("US-08031", "county", table)
    'US-08031'
    >>> home_at_level("US-UT", "county", table)  # (Salt Lake County's population unknown: by workload)
    'US-49035'
    >>> home_at_level("US-08031", "state", pd.DataFrame(index=["US-CO", "US-UT"]))
    'US-CO'
    >>> home_at_level("US-TX", "county", table) is None
    True
    """
    if region_id is None:
        return None
    if region_id in table.index:
        return region_id
    if level == "county":
        counties = table.loc[table.index.isin(_counties_by_state().get(region_id, ()))]
        if counties.empty:
            return None
        people = counties["population"] if "population" in counties else pd.Series(dtype=float)
        by = people if people.notna().any() else counties.get("workload", pd.Series(0.0, index=counties.index))
        return str(by.fillna(-1).sort_index().idxmax())
    parent = _state_of_county().get(region_id)
    return parent if parent in table.index else None


def _whole_states(holders: dict[str, str]) -> dict[str, str]:
    """``holders`` with each county folded into its state, held by the territory holding most of its counties.

    The state's own holder holds the counties no other territory lists (the first by id on a tie). (The state's
    claim goes to the territory with most of its accounts, which may hold few of its counties: New York City's
    six for New York, with 50 upstate in another.)

    Examples
    --------
    >>> _whole_states({"US-36061": "E", "US-36047": "E", "US-36005": "N", "US-CA": "W", "US-06037": "S"})
    {'US-CA': 'W', 'US-NY': 'E'}
    >>> dc = {"US-11001": "E", "US-DC": "W"}  # (the District's only county)
    >>> _whole_states(dc)
    {'US-DC': 'E'}
    """
    counties_of, parent = _counties_by_state(), _state_of_county()
    out = {r: t for r, t in holders.items() if r not in parent}
    counted: dict[str, Counter] = {}
    for region, territory in holders.items():
        if region in parent:
            counted.setdefault(parent[region], Counter())[territory] += 1
    for state_id, tally in counted.items():
        if state_id in out:  # (its holder holds the counties no one lists)
            tally[out[state_id]] += len(counties_of[state_id]) - sum(tally.values())
        out[state_id] = min(tally, key=lambda t: (-tally[t], t))
    return out


def unit_metrics(state, level: str, holders, *, admitted: bool = True, unheld: bool = False) -> pd.DataFrame:
    """``workload``, ``accounts``, ``value`` and ``population`` of the regions in ``holders`` (sorted ids).

    ``holders``: region id → the territory that would hold it (the plan's, or a proposal's): with ``admitted``,
    a region counts the accounts that territory takes (its industries and tiers; the plan's territories).
    ``unheld``: regions held by none (None) are units too, counting every account in them (as a territory that
    takes every account would: white space offered to a rebalance).
    """
    every = sorted(str(r) for r in dict(holders))
    holders = {str(r): t for r, t in dict(holders).items() if t is not None and not pd.isna(t)}
    units = every if unheld else sorted(holders)
    result = state.result
    workload = pd.Series(np.asarray(state.workload, dtype=float), index=result.index)
    shown = unit_of(result["region_id"], units) if len(result) else pd.Series(dtype=object)
    if admitted and len(result):
        keep = _admitted(result, state.plan, shown.map(holders))
        if unheld:
            keep |= (shown.notna() & ~shown.isin(list(holders))).to_numpy()
        result, workload, shown = result[keep], workload[keep], shown[keep]
    frame = pd.DataFrame({"unit": shown.to_numpy(dtype=object), "workload": workload.to_numpy(dtype=float),
                          "value": result["value"].to_numpy(dtype=float)})  # fmt: skip
    stats = frame.groupby("unit").agg(accounts=("value", "size"), value=("value", "sum"), workload=("workload", "sum"))
    stats = stats.reindex(units).fillna(0.0)
    return pd.DataFrame(
        {"workload": stats["workload"].to_numpy(dtype=float), "accounts": stats["accounts"].to_numpy(dtype=float),
         "value": stats["value"].to_numpy(dtype=float), "population": unit_population(units, level).to_numpy()},
        index=pd.Index(units, name="region_id"),
    )  # fmt: skip


def taken_now(state, level: str, territory_id: str, units, metrics) -> pd.Series:
    """Per metric, what ``territory_id`` takes now in ``units``: the accounts assigned to it there, the units' people.

    Where territories share a region (a tier overlay), each takes its own accounts there, as the assignment gives
    them (a focus alone would count an account that a territory of higher priority takes, twice).
    """
    units = [str(u) for u in units]
    result = state.result
    if len(result):
        mine = (unit_of(result["region_id"], units).notna() & result["territory_id"].eq(territory_id)).to_numpy()
        workload = float(np.asarray(state.workload, dtype=float)[mine].sum())
        accounts, value = int(mine.sum()), float(result["value"].to_numpy(dtype=float)[mine].sum())
    else:
        workload, accounts, value = 0.0, 0, 0.0
    table = pd.DataFrame({"workload": [workload], "accounts": [float(accounts)], "value": [value],
                          "population": [float(unit_population(units, level).sum())]})  # fmt: skip
    return table[list(dict.fromkeys(metrics))].iloc[0].astype(float)


def unit_of(region_ids: pd.Series, units) -> pd.Series:
    """The unit each region counts for: itself if it is one, else its nearest enclosing region that is one.

    An account's region is its finest (a US county, a province, a country). At state level a county counts for
    its state, unless the county is a unit itself (carved out of the state for another territory); a region under
    no unit maps to None.

    Examples
    --------
    >>> unit_of(pd.Series(["US-36061", "US-36047", "US-06037", "CA-ON"]), ["US-36061", "US-NY", "CA-ON"]).tolist()
    ['US-36061', 'US-NY', None, 'CA-ON']
    """
    from geo.boundaries import region_table

    parent = region_table().set_index("region_id")["parent_id"]
    units = set(units)
    current = region_ids.astype(object)
    found = pd.Series(None, index=region_ids.index, dtype=object)
    for _ in range(4):  # county → state → (island area) → country
        hit = found.isna() & current.isin(units)
        found[hit] = current[hit]
        if not found.isna().any():
            break
        current = current.map(parent)
    return found.astype(object).where(found.notna(), None)


def unit_population(units, level: str = "state") -> pd.Series:
    """People in each unit; a state that has some of its counties as units of their own counts the rest.

    Examples
    --------
    >>> people = unit_population(["US-NY", "US-36061", "US-NJ"])
    >>> bool(people["US-NY"] + people["US-36061"] == unit_population(["US-NY"])["US-NY"])
    True
    """
    from geo.boundaries import region_table
    from geo.population import population

    units = [str(u) for u in units]
    table = region_table().set_index("region_id")
    counties = [u for u in units if table["level"].get(u) == "county"]
    people = population(units, level)
    if level == "state" and counties:
        people[counties] = population(counties, "county").to_numpy()
        inside = unit_of(pd.Series(counties, index=counties).map(table["parent_id"]), units)
        taken = people[counties].groupby(inside.to_numpy()).sum()
        taken = taken[taken.index.isin(units)]
        people[taken.index] = (people[taken.index] - taken).clip(lower=0.0)
    return people


def _admitted(result: pd.DataFrame, plan, holder: pd.Series) -> np.ndarray:
    """Accounts that the territory holding their region takes: its industries and tiers (empty: all)."""
    keep = holder.notna().to_numpy().copy()
    for territory in plan.territories:
        if not (territory.industries or territory.tiers):
            continue
        refused = np.zeros(len(result), dtype=bool)
        for column, allowed in (("industry", territory.industries), ("tier", territory.tiers)):
            if allowed:
                values = result[column] if column in result else pd.Series(None, index=result.index, dtype=object)
                refused |= ~values.isin(allowed).to_numpy()
        keep &= ~((holder == territory.territory_id).to_numpy() & refused)
    return keep


def unknown_population(table: pd.DataFrame, metrics) -> str | None:
    """A sentence when population is balanced but some regions have none on record, else None.

    Examples
    --------
    >>> t = pd.DataFrame({"population": [5.0, 0.0, 0.0]}, index=["US-CA", "AQ", "US-60010"])
    >>> unknown_population(t, ["workload", "population"])
    'No population on record for 2 regions (AQ, US-60010): they count as empty.'
    """
    if "population" not in metrics or "population" not in table:
        return None
    empty = [str(r) for r in table.index[table["population"] <= 0]]
    if not empty:
        return None
    shown = ", ".join(empty[:5]) + (" …" if len(empty) > 5 else "")
    said = verb(len(empty), "it counts", "they count")
    return f"No population on record for {counted(len(empty), 'region')} ({shown}): {said} as empty."


def countries_beside_states(table: pd.DataFrame, metrics, *, least: float = 0.2) -> str | None:
    """A sentence when population is balanced and whole countries hold much of it beside states and provinces.

    A country counts all its people (Germany's 83 million) where the other regions are states and provinces: the
    territories holding the countries are far over the mean share, and every other territory far under it (the demo
    on population: Europe West at +514%, the North American territories -41% to -62%: true, but read as a broken
    plan, a review). Said with how they are judged. ``least``: the countries' part of the population from which it
    is said.

    Examples
    --------
    >>> t = pd.DataFrame({"population": [40e6, 30e6, 80e6]}, index=["US-CA", "US-TX", "DE"])
    >>> countries_beside_states(t, ["population"]).split(":")[0]
    'Whole countries (Germany) hold 53% of the population balanced here, beside states and provinces'
    >>> countries_beside_states(t.drop(index="DE"), ["population"]) is None
    True
    """
    if "population" not in metrics or "population" not in table or not len(table):
        return None
    population = table["population"].clip(lower=0)
    ids = pd.Series(table.index.astype(str), index=table.index)
    whole = ids.str.fullmatch(r"[A-Z]{2}") & (population > 0)
    total = float(population.sum())
    if not whole.any() or whole.all() or total <= 0:
        return None
    part = float(population[whole].sum()) / total
    if part < least:
        return None
    from geo.boundaries import region_label

    largest = population[whole].sort_values(ascending=False).index
    names = ", ".join(region_label(str(r)) for r in largest[:4]) + (" …" if len(largest) > 4 else "")
    return (
        f"Whole countries ({names}) hold {part:.0%} of the population balanced here, beside states and provinces: "
        "against the team's mean, the territories holding them read far over it and every other territory far "
        "under it. Each is judged against what its own group of regions can hold (near group mean); balance "
        "without population to compare the territories by their work alone."
    )


def replaced_claims(region_ids, level: str = "state") -> list[str]:
    """The claims that units at ``level`` stand for: at county level, the states of the counties (sorted).

    A rebalance at county level hands out counties; the states they came from are no longer claimed as a whole
    (:func:`territory.rebalance.propose`'s ``replaces``). At state level: none.
    """
    return sorted(set(unit_parents(region_ids, level).values()))


def region_points(region_ids) -> dict[str, tuple[float, float]]:
    """Region id → (latitude, longitude) of a point inside it, for the regions the boundary table knows.

    Examples
    --------
    >>> lat, lon = region_points(["US-CO", "nowhere"])["US-CO"]
    >>> 37 < lat < 41 and -109 < lon < -102
    True
    """
    from geo.boundaries import region_table

    table = region_table().set_index("region_id")
    known = table.index.intersection(pd.Index(list(region_ids)))
    # (read as columns: one cell at a time took ~50 ms for the 3,230 counties, on every rerun of the Rebalance page)
    points = table.loc[known, ["lat", "lon"]].astype(float)
    return dict(zip(points.index, zip(points["lat"].tolist(), points["lon"].tolist(), strict=True), strict=True))


def unit_parents(region_ids, level: str = "state") -> dict[str, str]:
    """Unit → the claim it stands for: at county level each county's state; at state level none.

    Examples
    --------
    >>> unit_parents(["US-06037", "CA-ON"], "county"), unit_parents(["US-CA"], "state")
    ({'US-06037': 'US-CA'}, {})
    """
    if level != "county":
        return {}
    parent = _state_of_county()  # (read once: the boundary table looked up per county took 150 ms a call)
    return {r: parent[r] for r in region_ids if r in parent}


def units_of_claims(*plans) -> dict[str, str]:
    """County → state for every county of the states ``plans`` claim, and for each county they claim.

    The ``parents`` by which :func:`territory.plan_diff.diff_plans` compares a state claimed whole with its
    counties handed out.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-DE", "US-36061"]}],
    ...                        "reps": []})
    >>> sorted(units_of_claims(plan).items())
    [('US-10001', 'US-DE'), ('US-10003', 'US-DE'), ('US-10005', 'US-DE'), ('US-36061', 'US-NY')]
    """
    from geo.boundaries import region_table

    claims = {r for plan in plans for t in plan.territories for r in t.region_ids}
    table = region_table()
    counties = table[(table["level"] == "county") & table["parent_id"].notna()]
    counties = counties[counties["parent_id"].isin(claims) | counties["region_id"].isin(claims)]
    return dict(zip(counties["region_id"], counties["parent_id"].astype(str), strict=True))


def proposal_moves(plan, proposal, holders, level: str) -> pd.DataFrame:
    """The regions a proposal moves (:func:`territory.rebalance.region_moves`), counted as the Plans page counts them.

    At state level on a plan that hands out counties (a county-level proposal accepted), a state's counties may
    have several holders: the state moves county by county, and so does every other state, as
    :func:`territory.plan_diff.diff_plans` compares them (a new user's test: the Rebalance page said 14 regions
    moved, the Plans page 912, and the counties of Los Angeles going to the territory that held most of
    California were neither counted nor drawn).

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> from territory.rebalance import Proposal
    >>> plan = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-DE"]},
    ...                                        {"territory_id": "E", "region_ids": ["US-10001"]}], "reps": []})
    >>> new = plan_from_dict({"territories": [{"territory_id": "W", "region_ids": ["US-DE"]},
    ...                                       {"territory_id": "E", "region_ids": []}], "reps": []})
    >>> proposal = Proposal(plan=new, labels=pd.Series({"US-DE": "W"}), start=pd.Series({"US-DE": "W"}),
    ...                     report=None, scenario="territories", description="")
    >>> proposal_moves(plan, proposal, {"US-DE": "W"}, "state")[["region_id", "from_territory_id"]].values.tolist()
    [['US-10001', 'E']]
    """
    from territory.plan_diff import diff_plans
    from territory.rebalance import NO_TERRITORY, region_moves

    moves = region_moves(plan, proposal, holders)
    state_of = _state_of_county()
    if level != "state" or not any(r in state_of for t in plan.territories for r in t.region_ids):
        return moves
    # (the counties' rows as the Plans page has them; the other units' as the proposal moved them)
    regions = diff_plans(plan, proposal.plan, parents=units_of_claims(plan, proposal.plan)).regions
    counties = regions[regions["region_id"].isin(state_of)]
    counties = counties.assign(to_name=counties["to_name"].where(counties["to_territory_id"].notna(), NO_TERRITORY))
    # (the proposal's own rows of states and of counties give way to those: a county unit moved was listed twice,
    # 727 regions moved on the Rebalance page against 444 on the Plans page, a new user's test)
    ours = moves["region_id"].isin(_counties_by_state()) | moves["region_id"].isin(state_of)
    return pd.concat([moves[~ours], counties[list(moves.columns)]], ignore_index=True)


def rep_homes_at_level(plan, level: str, table: pd.DataFrame, holders, metrics) -> dict[str, list[str]]:
    """Region of ``table`` → the names of the active reps whose home it is at ``level``, as a proposal keeps them.

    At county level a rep living in a state (``US-CA``) has the busiest county of it on the first metric that
    their territory holds (:func:`territory.rebalance.rep_home_units`). These stay with their reps, so a new rep
    cannot start a territory on one (the page's default home skips them).
    """
    from territory.rebalance import balance_metrics, rep_home_units

    weight = balance_metrics(table, list(dict.fromkeys(metrics)) or ["workload"]).iloc[:, 0]
    held = pd.Series(dict(holders), dtype=object)
    names = {r.rep_id: r.name for r in plan.reps}
    homes = rep_home_units(plan.reps, weight, unit_parents(table.index, level), held)
    return {unit: [names[r] for r in reps] for unit, reps in homes.items()}


def propose_at_level(state, level: str, table: pd.DataFrame, holders, links, metrics, **options):
    """:func:`territory.rebalance.propose` on the regions of ``level``, with what the geography supplies.

    The page and the CLI call this with the units of :func:`rebalance_units` (``holders``, ``table``, ``links``) and
    the metrics picked; ``options`` are the scenario's (``scenario``, ``tolerance``, ``rng``, ``max_seconds`` …).
    Supplied here: the region graph of the metrics, the links across the sea (:func:`sea_links`), the claims the
    regions replace (the states of handed-out counties), region names, the regions' parents (a rep's home state → its busiest county), a point inside each
    region (how far a rep would go to staff a territory) and the recount of regions a leaving territory hands out
    (each counts what its new territory takes).
    """
    from geo.boundaries import region_label
    from territory.optimizer import RegionGraph
    from territory.rebalance import balance_metrics, propose

    metrics = list(dict.fromkeys(metrics))
    graph = RegionGraph.from_adjacency(balance_metrics(table, metrics), links)
    replaces = replaced_claims(table.index, level)
    if level == "state":
        # (counties claimed on their own whose state is a unit: a plan drawn anew on states replaces them)
        parent, units = _state_of_county(), set(table.index)
        replaces = sorted({r for t in state.plan.territories for r in t.region_ids
                           if r not in units and parent.get(r) in units})  # fmt: skip
        if options.get("scenario") == "territories" and options.get("locked_territories"):
            # (a county carved out of a state that a locked territory holds stays carved out: drawn anew, it would
            # be folded into that state, and the locked territory would take its accounts)
            locked, held = set(options["locked_territories"]), dict(holders)
            replaces = [r for r in replaces if held.get(parent.get(r)) not in locked]
    # (islands joined to their nearest region across the sea are traded across only within a territory)
    options.setdefault("sea_links", sea_links(links))
    proposal = propose(
        state.plan, graph, holders, replaces=replaces, region_label=region_label,
        unit_parents=unit_parents(table.index, level),
        # (and the reps' homes: one living outside the regions is placed nearest to home)
        region_points=region_points([*table.index, *(r.home_region for r in state.plan.reps if r.home_region)]),
        area_parents={u: s for u in table.index if (s := _state_of_county().get(u))},
        recount=lambda new_holders: balance_metrics(unit_metrics(state, level, new_holders, unheld=True), metrics),
        taken_now=lambda territory_id, units: taken_now(state, level, territory_id, units, metrics),
        **options,
    )  # fmt: skip
    # (a state whose counties all went to one territory is claimed whole again: the draft then still reads as
    # states, and a rebalance at state level works on states, not on the 3,000 counties)
    if level != "county":
        return proposal
    # (a locked territory of a plan drawn anew is kept as it was: its claims are not folded either)
    kept = set(options.get("locked_territories") or ()) if options.get("scenario") == "territories" else set()
    return replace(proposal, plan=fold_whole_states(proposal.plan, keep=kept))


def fold_whole_states(plan, keep=()):
    """``plan`` with each territory that lists every county of a state listing the state instead.

    A rebalance at county level hands out counties; where one territory ends up with all of a state's counties,
    the state is claimed whole again, as a manager would draw it. The accounts it holds are the same: those in the
    counties, and those placed in the state as a whole. Territories in ``keep`` are left as they are.

    Examples
    --------
    >>> from geo.boundaries import region_table
    >>> from territory import plan_from_dict
    >>> table = region_table()
    >>> delaware = sorted(table.loc[table["parent_id"].eq("US-DE") & table["level"].eq("county"), "region_id"])
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": [*delaware, "US-36061"]},
    ...                                        {"territory_id": "W", "region_ids": ["US-WA"]}], "reps": []})
    >>> [t.region_ids for t in fold_whole_states(plan).territories]
    [('US-36061', 'US-DE'), ('US-WA',)]
    >>> fold_whole_states(plan_from_dict({"territories": [{"territory_id": "E", "region_ids": delaware[:2]}],
    ...                                   "reps": []})).territories[0].region_ids == tuple(delaware[:2])
    True
    """
    counties_of, parent = _counties_by_state(), _state_of_county()
    territories, changed = [], False
    for territory in plan.territories:
        if territory.territory_id in keep:
            territories.append(territory)
            continue
        listed = set(territory.region_ids)
        states = {parent[r] for r in territory.region_ids if r in parent}
        whole = {s for s in states if counties_of[s] <= listed}
        if not whole:
            territories.append(territory)
            continue
        kept = [r for r in territory.region_ids if parent.get(r) not in whole]
        territories.append(replace(territory, region_ids=tuple(kept + sorted(whole - set(kept)))))
        changed = True
    return replace(plan, territories=tuple(territories)) if changed else plan


def whole_state_claims(region_ids) -> dict[str, str]:
    """County → state for every county of the states ``region_ids``' counties are in (:func:`territory.plan_diff.grouped_by_claim`).

    Examples
    --------
    >>> claims = whole_state_claims(["US-10001", "US-TX"])
    >>> sorted(claims), set(claims.values())
    (['US-10001', 'US-10003', 'US-10005'], {'US-DE'})
    """
    parent = _state_of_county()
    states = {parent[r] for r in region_ids if r in parent}
    counties = _counties_by_state()
    return {county: state for state in sorted(states) for county in sorted(counties.get(state, ()))}


@lru_cache(maxsize=1)
def _counties_by_state() -> dict[str, frozenset]:
    """State id → the ids of its counties (the boundary table's)."""
    from geo.boundaries import region_table

    table = region_table()
    counties = table[(table["level"] == "county") & table["parent_id"].notna()]
    return {str(s): frozenset(group) for s, group in counties.groupby("parent_id")["region_id"]}


@lru_cache(maxsize=1)
def _state_of_county() -> dict[str, str]:
    """County id → its state's id (:func:`_counties_by_state` the other way)."""
    return {county: s for s, counties in _counties_by_state().items() for county in counties}
