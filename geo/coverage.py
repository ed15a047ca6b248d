"""Geometry for a plan's coverage: each territory's regions and outline, and regions left uncovered."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache, lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.boundaries import LEVELS, US_ISLAND_AREAS, WGS84, load_regions, region_table
from territory.formatting import counted, money, percent, verb
from territory.model import Plan

__all__ = [
    "CoverageLayers",
    "TerritoryShapes",
    "coverage_layers",
    "display_region_of",
    "territory_shapes",
    "uncovered_regions",
]


@dataclass
class TerritoryShapes:
    """Display geometry of a plan.

    Attributes
    ----------
    regions : GeoDataFrame
        One row per (territory, claimed region): ``region_id, label, level, territory_id, territory_name,
        color``.
    outlines : GeoDataFrame
        One row per territory: the union of its regions.
    unknown_region_ids : list of str
        Region ids the plan names that the bundled boundaries do not have.
    """

    regions: gpd.GeoDataFrame
    outlines: gpd.GeoDataFrame
    unknown_region_ids: list[str]


@cache
def _display_positions(level: str) -> pd.Series:
    """Region id → its row in ``load_regions(level, display=True)``."""
    ids = load_regions(level, display=True)["region_id"].astype(object)
    return pd.Series(np.arange(len(ids)), index=pd.Index(ids, dtype=object))


def _display_regions(region_ids: list[str]) -> gpd.GeoDataFrame:
    frames = []
    for level in LEVELS:
        # (the rows found by position, in the layer's order: ~40 ms an edit with the county layer filtered by isin)
        positions = _display_positions(level).reindex(pd.Index(region_ids, dtype=object)).dropna().astype(int)
        if len(positions):
            gdf = load_regions(level, display=True)
            frames.append(gdf.iloc[np.sort(positions.unique())][["region_id", "label", "level", "geometry"]])
    if not frames:
        return gpd.GeoDataFrame(columns=["region_id", "label", "level", "geometry"], geometry="geometry", crs=WGS84)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)


def territory_shapes(plan: Plan, level: str = "state", *, claims: pd.DataFrame | None = None) -> TerritoryShapes:
    """Display geometry of every territory's regions, and each territory dissolved into one outline.

    Parameters
    ----------
    plan : Plan
    level : {"state", "county"}
        ``state`` draws the regions as the plan lists them; ``county`` draws every US county by the territory
        that holds it (a state claim becomes its counties, a carved-out county shows its own territory).

    claims : DataFrame, optional
        :func:`display_claims` of ``plan`` at ``level``, when the caller has it already.

    Returns
    -------
    TerritoryShapes
    """
    claims = display_claims(plan, level) if claims is None else claims
    unknown = sorted(plan.claimed_region_ids() - set(region_table()["region_id"]))
    shapes = _display_regions(sorted(set(claims["region_id"])))
    regions = shapes.merge(claims, on="region_id")
    regions = gpd.GeoDataFrame(regions, geometry="geometry", crs=WGS84)
    rows = []
    for territory_id, group in regions.groupby("territory_id", sort=True):
        members = tuple(sorted(set(group["region_id"])))
        rows.append((territory_id, group["color"].iloc[0], _outline_key(members), _outline(members)))
    outlines = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["territory_id", "color", "outline_key", "geometry"]), geometry="geometry", crs=WGS84
    )
    return TerritoryShapes(regions=regions, outlines=outlines, unknown_region_ids=unknown)


def _outline_key(region_ids: tuple[str, ...]) -> str:
    import hashlib

    return "outline:" + hashlib.sha1("|".join(region_ids).encode()).hexdigest()


@lru_cache(maxsize=512)
def _outline(region_ids: tuple[str, ...]):
    """The union of these regions' display shapes (cached: an edit redraws only the territories it touched)."""
    import shapely

    return shapely.union_all(_display_regions(list(region_ids)).geometry.to_numpy())


DISPLAY_LEVELS = ("state", "county")


def _check_level(level: str) -> None:
    if level not in DISPLAY_LEVELS:
        raise ValueError(f"`level` was {level!r} but is expected to be one of {list(DISPLAY_LEVELS)}")


def display_claims(plan: Plan, level: str = "state") -> pd.DataFrame:
    """The regions drawn for each territory: ``region_id, territory_id, territory_name, color``.

    At ``state`` level the regions the plan lists; at ``county`` level every US county with the territory
    that holds it (a state claim becomes its counties), and the plan's other claims (provinces, countries).
    """
    _check_level(level)
    # Kept for the plans met last (a map edit reads the plans before and after it three or four times: ~0.1 s
    # each at county level with 64 territories): by what the claims are made of, a copy each time.
    key = (
        level,
        plan.unclaimed_region_ids,
        tuple((t.territory_id, t.name, t.color, t.priority, t.region_ids) for t in plan.territories),
    )
    with _CLAIMS_LOCK:
        found = _CLAIMS.get(key)
        if found is not None:
            _CLAIMS.move_to_end(key)
    if found is None:
        found = _display_claims(plan, level)
        with _CLAIMS_LOCK:
            _CLAIMS[key] = found
            while len(_CLAIMS) > 16:
                _CLAIMS.popitem(last=False)
    return found.copy()


_CLAIMS: OrderedDict = OrderedDict()
_CLAIMS_LOCK = threading.Lock()


def _display_claims(plan: Plan, level: str) -> pd.DataFrame:
    rows = [(rid, t.territory_id, t.name, t.color) for t in plan.territories for rid in t.region_ids]
    claims = pd.DataFrame(rows, columns=["region_id", "territory_id", "territory_name", "color"])
    if level == "county":
        return _country_parts(_claims_by_county(plan, claims), ("CA",), plan.unclaimed_region_ids)
    # Puerto Rico claimed as a country ("PR") is drawn as the US state the map shows ("US-PR"); a claim on the state
    # itself is the nearer one and wins.
    island = claims["region_id"].isin(US_ISLAND_AREAS)
    if island.any():
        moved = claims[island].assign(region_id="US-" + claims.loc[island, "region_id"])
        moved = moved[~moved["region_id"].isin(claims["region_id"])]  # (only those not claimed as the state)
        claims = pd.concat([claims[~island], moved], ignore_index=True)
    return _country_parts(claims, SPLIT_COUNTRIES, plan.unclaimed_region_ids)


# Countries the map draws as their states and provinces (the country layer leaves them out).
SPLIT_COUNTRIES = ("US", "CA")


@lru_cache(maxsize=8)
def _parts_of(country: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The states or provinces the map draws for ``country``, each with the regions above it up to the country."""
    table = region_table()
    parent = table.set_index("region_id")["parent_id"]
    parts = table.loc[table["parent_id"].eq(country) & table["level"].isin(["state", "province"]), "region_id"]
    if country == "US":  # Puerto Rico and the island areas: the state under the island area, under the US
        islands = table.loc[table["region_id"].isin(US_ISLAND_AREAS), "region_id"]
        parts = pd.concat([parts, "US-" + islands[islands.map(parent).eq("US")]])
        parts = parts[parts.isin(table["region_id"])]
    out = []
    for part in sorted(parts):
        chain, above = [], parent.get(part)
        while isinstance(above, str) and above != country:
            chain.append(above)
            above = parent.get(above)
        out.append((part, tuple(chain)))
    return tuple(out)


def _country_parts(claims: pd.DataFrame, countries, unclaimed=()) -> pd.DataFrame:
    """Claims on the US or Canada as a whole, rewritten as their states or provinces that no claim names itself.

    The map draws those countries as their states and provinces, and accounts are counted there: a territory that
    claims "US" holds, region by region, the states no other territory claims (a claim on a state is the nearer one
    and wins), so that its accounts and people count for the regions drawn, and a rebalance can trade them. A state
    the plan leaves out (``unclaimed``, or under an island area left out) is not held.
    """
    whole = claims["region_id"].isin(countries)
    if not whole.any():
        return claims
    named = set(claims.loc[~whole, "region_id"])
    cut = set(unclaimed)
    rows = []
    for country in sorted(set(claims.loc[whole, "region_id"])):
        free = [part for part, above in _parts_of(country) if part not in named and part not in cut
                and not cut.intersection(above)]  # fmt: skip
        for claim in claims[claims["region_id"].eq(country)].to_dict("records"):
            rows.extend(claim | {"region_id": part} for part in free)
    parts_frame = pd.DataFrame(rows, columns=claims.columns)
    return pd.concat([claims[~whole], parts_frame], ignore_index=True)


@cache
def _region_ancestors() -> pd.DataFrame:
    """Every bundled region with its ancestors (a property of the boundaries: ~35 ms to build)."""
    from territory.alignment import region_ancestors

    return region_ancestors(region_table()[["region_id", "parent_id"]])


def _claims_by_county(plan: Plan, claims: pd.DataFrame) -> pd.DataFrame:
    """Claims rewritten at county level: every US county with the territories that hold it.

    A county two territories claim alike (a state shared by a territory and its overlay, one taking only some
    tiers) is listed for each, as the state is at state level: each drawing's tooltip names both (it named one,
    with none of the other's accounts: a review).
    """
    from territory.alignment import region_claims

    table = region_table()
    hits = region_claims(plan, table, _region_ancestors())
    if len(hits):
        hits = hits.sort_values(["region_id", "depth", "priority", "territory_id"], ascending=[True, True, False, True])
        best = hits.drop_duplicates("region_id")[["region_id", "depth", "priority"]]
        resolved = hits.merge(best, on=["region_id", "depth", "priority"]).drop_duplicates(
            ["region_id", "territory_id"]
        )
        # (the one the assignment resolves to, the lowest id, last: on top, and the holder where one is read)
        resolved = resolved.sort_values(["region_id", "territory_id"], ascending=[True, False], kind="stable")
    else:
        resolved = pd.DataFrame(columns=["region_id", "territory_id"])
    levels = table.set_index("region_id")["level"]
    resolved = resolved[resolved["region_id"].map(levels) == "county"]
    attributes = {t.territory_id: (t.name, t.color) for t in plan.territories}
    counties = pd.DataFrame(
        {
            "region_id": resolved["region_id"],
            "territory_id": resolved["territory_id"],
            "territory_name": resolved["territory_id"].map(lambda t: attributes[t][0]),
            "color": resolved["territory_id"].map(lambda t: attributes[t][1]),
        }
    )
    # Claims outside the US county hierarchy (provinces, countries) stay as they are; the US and its island areas
    # (Puerto Rico claimed as a country) are drawn as their counties above.
    others = claims[
        ~claims["region_id"].map(levels).isin(["state", "county"]) & ~claims["region_id"].isin(["US", *US_ISLAND_AREAS])
    ]
    return pd.concat([counties, others], ignore_index=True)


def _shared_said_whole(regions: pd.DataFrame) -> pd.DataFrame:
    """A region two territories share is drawn once for each; each drawing's tooltip names every territory there.

    The map shows the drawing on top, whose tooltip named only its own territory ("Illinois / US Central SMB", where
    the one account belonged to US Central: a new user's test): each now names them all ("US Central SMB and US
    Central, shared"), their reps, and the accounts and value of the region in all of them.

    Examples
    --------
    >>> frame = pd.DataFrame({"region_id": ["IL", "IL", "OH"], "territory_name": ["SMB", "Central", "SMB"],
    ...                       "reps": ["Ann", "Bo", "Ann"], "accounts": [0, 1, 2], "value": [0.0, 5.0, 7.0]})
    >>> _shared_said_whole(frame)[["territory_name", "reps", "accounts"]].values.tolist()
    [['SMB and Central, shared', 'Ann; Bo', 1], ['SMB and Central, shared', 'Ann; Bo', 1], ['SMB', 'Ann', 2]]
    """
    shared = regions["region_id"].duplicated(keep=False)
    if not shared.any():
        return regions
    from territory.formatting import and_list

    out = regions.copy()
    groups = out[shared].groupby("region_id", sort=False)
    names = groups["territory_name"].agg(lambda s: and_list(list(dict.fromkeys(s))) + ", shared")
    out.loc[shared, "territory_name"] = out.loc[shared, "region_id"].map(names)
    if "reps" in out:
        reps = groups["reps"].agg(lambda s: "; ".join(dict.fromkeys(s)))
        out.loc[shared, "reps"] = out.loc[shared, "region_id"].map(reps)
    for column in ("accounts", "value"):
        if column in out:
            out.loc[shared, column] = out.loc[shared, "region_id"].map(groups[column].sum()).to_numpy()
    return out


def display_region_of(region_ids: pd.Series, level: str = "state") -> pd.Series:
    """The region shown on the map for each finest region: at ``state`` level a county shows as its state."""
    _check_level(level)
    if level == "county":
        return region_ids.astype(object)
    # (each distinct region looked up once: mapping 150,000 accounts one by one took ~0.13 s an edit)
    codes, distinct = pd.factorize(region_ids)
    distinct = pd.Series(distinct, dtype=object)
    table = region_table().set_index("region_id")
    shown = distinct.where(distinct.map(table["level"]) != "county", distinct.map(table["parent_id"]))
    out = np.append(shown.to_numpy(dtype=object), np.nan)[codes]  # (code -1: no region)
    return pd.Series(out, index=region_ids.index, name=region_ids.name, dtype=object)


def uncovered_regions(
    accounts: pd.DataFrame, plan: Plan, level: str = "state", *, claims: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """States (or counties), provinces and countries that hold accounts outside every territory.

    Parameters
    ----------
    accounts : DataFrame
        With ``region_id``, ``territory_id`` and ``value``.
    plan : Plan

    Returns
    -------
    GeoDataFrame
        ``region_id, label, level, accounts, value`` and the display geometry, most accounts first.
    """
    # (the two columns read, not every column of 150,000 accounts copied)
    loose = accounts.loc[accounts["territory_id"].isna() & accounts["region_id"].notna(), ["region_id", "value"]]
    shown = display_region_of(loose["region_id"], level)
    if plan.unclaimed_region_ids:
        # A county taken out of its state's territory is a gap of its own at state level too (its state is held:
        # its accounts were counted as turned away by a focus, and no gap drawn, a new user's test)
        holes = loose["region_id"].isin(set(plan.unclaimed_region_ids))
        shown = shown.where(~holes, loose["region_id"].astype(object))
    stats = (
        pd.DataFrame({"region_id": shown, "value": loose["value"]})
        .groupby("region_id")
        .agg(accounts=("value", "size"), value=("value", "sum"))
        .reset_index()
    )
    claims = display_claims(plan, level) if claims is None else claims
    claimed = plan.claimed_region_ids() | set(claims["region_id"])
    stats = stats[~stats["region_id"].isin(claimed)]
    shapes = _display_regions(stats["region_id"].tolist())
    out = shapes.merge(stats, on="region_id").sort_values(["accounts", "region_id"], ascending=[False, True])
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=WGS84)


GAP_COLOR = "#d7191c"


@dataclass
class CoverageLayers:
    """What the coverage map draws, as plain GeoJSON dicts (cacheable) and legend entries."""

    regions: dict
    outlines: dict
    legend: list
    unknown_region_ids: list[str]
    uncovered: pd.DataFrame
    gaps: dict | None = None
    white_space: dict | None = None
    white_space_table: pd.DataFrame | None = None
    labels: list | None = None


def coverage_layers(plan: Plan, accounts: pd.DataFrame, level: str = "state") -> CoverageLayers:
    """Everything the coverage map needs from a plan and its joined accounts.

    Parameters
    ----------
    plan : Plan
    accounts : DataFrame
        With ``region_id``, ``territory_id`` and ``value``.
    level : {"state", "county"}
        Draw US states or US counties (see :func:`territory_shapes`).

    Returns
    -------
    CoverageLayers
        ``regions``: each territory's regions (colored), with tooltip properties ``label``, ``territory_name``,
        ``reps``, ``accounts`` and ``value``; ``outlines``: territories dissolved; the legend lines.
    """
    from geo.layers import LegendEntry, to_geojson

    claims = display_claims(plan, level)
    shapes = territory_shapes(plan, level, claims=claims)
    shown = display_region_of(accounts["region_id"], level) if len(accounts) else pd.Series(dtype=object)
    if len(accounts):
        # A county drawn as a region of its own at state level (carved out of its state for another territory)
        # counts the accounts its territory holds there; the state counts the rest (those the carving territory
        # refuses fall back to the state's).
        finest = accounts["region_id"].astype(object)
        apart = finest.isin(set(shapes.regions["region_id"])) & (shown != finest)
        if apart.any():
            drawn = set(zip(shapes.regions["region_id"], shapes.regions["territory_id"], strict=True))
            pairs = zip(finest[apart], accounts["territory_id"][apart], strict=True)
            own = pd.Series([p in drawn for p in pairs], index=finest.index[apart], dtype=bool)
            shown = shown.where(~own.reindex(shown.index, fill_value=False), finest)
    per_region = (
        pd.DataFrame({"region_id": shown, "territory_id": accounts.get("territory_id"), "value": accounts.get("value")})
        .groupby(["region_id", "territory_id"], dropna=False)
        .agg(accounts=("value", "size"), value=("value", "sum"))
        .reset_index()
    )
    reps = {
        t.territory_id: ", ".join(r.name for r in plan.reps_of(t.territory_id)) or "no active rep"
        for t in plan.territories
    }
    regions = shapes.regions.copy()
    regions["reps"] = regions["territory_id"].map(reps)
    stats = per_region.dropna(subset=["territory_id"]).set_index(["region_id", "territory_id"])
    key = pd.MultiIndex.from_frame(regions[["region_id", "territory_id"]])
    regions["accounts"] = stats["accounts"].reindex(key).fillna(0).astype(int).to_numpy()
    regions["value"] = stats["value"].reindex(key).fillna(0).to_numpy()
    regions = _shared_said_whole(regions)
    uncovered = (
        uncovered_regions(accounts, plan, level, claims=claims)
        if len(accounts)
        else uncovered_regions(pd.DataFrame(columns=["region_id", "territory_id", "value"]), plan, level, claims=claims)
    )
    # Regions without a territory are drawn once, by the gap layer (not repeated here in gray).
    layer = gpd.GeoDataFrame(regions, geometry="geometry", crs=WGS84)
    layer["value"] = layer["value"].map(money)
    properties = ["region_id", "label", "territory_id", "territory_name", "color", "reps", "accounts", "value"]
    precision = 4
    if level == "county":
        # Thousands of small shapes: ~100 m precision, and the reps (named in the legend) not repeated per county.
        properties.remove("reps")
        precision = 3
    # A territory's accounts with a rep and their value, as the Overview, Balance and Edit pages count them, and
    # how many wait for a rep (on hover with the reps by name, and in the Coverage map's table).
    with_rep = accounts["status"].eq("assigned") if "status" in accounts else pd.Series(True, index=accounts.index)
    counts = (
        accounts.assign(with_rep=with_rep, rep_value=accounts["value"].where(with_rep, 0.0))
        .groupby("territory_id")
        .agg(accounts=("value", "size"), with_rep=("with_rep", "sum"), rep_value=("rep_value", "sum"))
    )
    legend = []
    for t in plan.territories:
        n = int(counts["with_rep"].get(t.territory_id, 0)) if len(counts) else 0
        v = float(counts["rep_value"].get(t.territory_id, 0.0)) if len(counts) else 0.0
        waiting = int(counts["accounts"].get(t.territory_id, 0)) - n if len(counts) else 0
        # The reps by name when one, else how many (all named on hover and in the region tooltips).
        team = plan.reps_of(t.territory_id)
        who = team[0].name if len(team) == 1 else f"{len(team)} reps" if team else "no active rep"
        hover = f"{t.name} — {reps[t.territory_id]} · {counted(n, 'account')} with a rep · {money(v)}" + (
            f" · {waiting:,} waiting for a rep" if waiting else ""
        )
        # (the accounts waiting said too: "no active rep · 0 accounts · $0" hid the 319 a territory without a rep
        # holds, a new user's test)
        detail = f"{who} · {counted(n, 'account')} · {money(v)}" + (f" · {waiting:,} waiting" if waiting else "")
        legend.append(LegendEntry(t.color, t.name, detail, hover=hover))
    in_gaps = int(uncovered["accounts"].sum()) if len(uncovered) else 0
    loose = int((accounts["territory_id"].isna() & accounts["region_id"].notna()).sum()) if len(accounts) else 0
    turned_away = max(loose - in_gaps, 0)
    if len(uncovered) or turned_away:
        # (the other pages count every account in no territory, also those a held region's focus turns away: 1,964
        # there against 553 here on the demo, a new user's test; said on hover. Said in the legend too: a region
        # painted to a territory with a focus left its 56 turned-away accounts out of the count, and the gap
        # seemed closed, the fourteenth new user)
        gap = f"{counted(in_gaps, 'account')} in {counted(len(uncovered), 'region')}"
        away = f"{counted(turned_away, 'account')} turned away by a focus"
        if not len(uncovered):
            detail, hover = (
                away,
                (
                    f"No territory — every region has a territory, but {counted(turned_away, 'account')} "
                    f"{verb(turned_away, 'is', 'are')} in none: the territory holding their region has an industry or "
                    "tier focus that turns them away, as the Overview and Accounts pages count them"
                ),
            )
        else:
            detail = gap + (f" · {turned_away:,} more turned away by a focus" if turned_away else "")
            hover = f"No territory (coverage gap) — {gap} that no territory holds" + (
                f"; {counted(turned_away, 'more account')} {verb(turned_away, 'is', 'are')} in no territory though a "
                "territory holds their region (its industry or tier focus turns them away): "
                f"{loose:,} in no territory in all, as the Overview and Accounts pages count them"
                if turned_away
                else ""
            )
        # (no region without a territory: no red on the map, so a gray swatch for the accounts in none)
        legend.append(LegendEntry(GAP_COLOR if len(uncovered) else "#9e9e9e",
                                  "No territory (coverage gap)" if len(uncovered) else "No territory",
                                  detail, hover=hover, dashed=bool(len(uncovered))))  # fmt: skip
    outlines = shapes.outlines[["territory_id", "color", "outline_key", "geometry"]]
    gaps = _gap_layer(plan, uncovered[~uncovered["region_id"].isin(over_drawn(level))], shapes)
    space_table, space = _white_space_layer(plan, accounts)
    if space.get("features"):
        # (its shades were explained nowhere: the layer's figures, "−0.5%", on hover only, a new user's test)
        legend.append(LegendEntry(
            white_space_color(1.0, 1.0), "White space (a layer of the map's layer control, off at start)",
            "orange: fewer customers than the region's share of potential · teal: more · pale: as many",
            scale=(white_space_color(-1.0, 1.0), white_space_color(0.0, 1.0), white_space_color(1.0, 1.0)),
            hover="White space — each state, province or country's share of the potential value less its share of "
                  "the customers' value: orange regions are under-penetrated for their potential (room to grow), "
                  "teal ones over; the map's layer control (top right) turns the layer on",
        ))  # fmt: skip
    labels = territory_labels(plan, shapes.outlines)
    return CoverageLayers(
        regions=to_geojson(layer, properties, precision=precision, geometry_key="region_id"),
        outlines=to_geojson(outlines, ["territory_id", "color"], precision=precision, geometry_key="outline_key"),
        legend=legend,
        unknown_region_ids=shapes.unknown_region_ids,
        uncovered=pd.DataFrame(uncovered.drop(columns="geometry")),
        gaps=gaps,
        white_space=space,
        white_space_table=space_table,
        labels=labels,
    )


def territory_labels(plan: Plan, outlines: gpd.GeoDataFrame) -> list[tuple[float, float, str, str]]:
    """``(lat, lon, name, territory_id)`` for each territory: a point inside its largest piece (escaped later).

    The largest pieces come first: where labels would overlap on the map, the first is kept in view
    (``geo.layers``'s labels apart).
    """
    import shapely

    names = {t.territory_id: t.name for t in plan.territories}
    out = []
    for territory_id, geometry in zip(outlines["territory_id"], outlines.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        parts = shapely.get_parts(geometry)
        largest = max(parts, key=lambda g: g.area)
        point = largest.representative_point()
        name = names.get(territory_id, territory_id)
        out.append((largest.area, round(point.y, 4), round(point.x, 4), name, territory_id))
    out.sort(key=lambda label: -label[0])  # (stable: territories of one size keep the plan's order)
    return [label[1:] for label in out]


@cache
def over_drawn(level: str) -> frozenset[str]:
    """Regions that hold regions the map draws at ``level``: the US and Canada at state level, states too at county.

    Accounts placed in one as a whole (a row giving only its country or state) are a gap the map cannot draw: its
    shape lay over every state or county in it, took their clicks (a click on Oklahoma moved the whole US, a new
    user's test) and tinted the territories below. They are counted, not drawn.

    Examples
    --------
    >>> {"CA", "US"} <= over_drawn("state") and not {"DE", "US-TX", "PR"} & over_drawn("state")
    True
    >>> {"US", "US-TX"} <= over_drawn("county") and "CA-ON" not in over_drawn("county")
    True
    """
    table = region_table()
    drawn = {"state": ("state", "province", "country"), "county": ("county", "province", "country")}[level]
    parent = table.set_index("region_id")["parent_id"].dropna().to_dict()
    # Each drawn region counted for every region above it: one holding a single drawn region (Puerto Rico, the
    # country, over US-PR, the state) lies over no other and is drawn as its gap (a review)
    held: dict[str, int] = {}
    for region in table.loc[table["level"].isin(drawn), "region_id"]:
        above = parent.get(region)
        while above is not None:
            held[above] = held.get(above, 0) + 1
            above = parent.get(above)
    return frozenset(r for r, n in held.items() if n > 1)


def _gap_layer(plan: Plan, uncovered: gpd.GeoDataFrame, shapes: TerritoryShapes) -> dict:
    """Regions holding accounts but no territory, and the regions of territories without an active rep."""
    from geo.layers import to_geojson

    staffed = {t.territory_id for t in plan.territories if plan.reps_of(t.territory_id)}
    orphan = shapes.regions[~shapes.regions["territory_id"].isin(staffed)]
    frames = []
    if len(uncovered):
        frames.append(
            uncovered.assign(
                gap="Accounts but no territory", detail=uncovered["accounts"].map(lambda n: counted(int(n), "account"))
            )
        )
    if len(orphan):
        frames.append(orphan.assign(gap="Territory without an active rep", detail=orphan["territory_name"]))
    if not frames:
        return {"type": "FeatureCollection", "features": []}
    layer = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    return to_geojson(
        layer[["region_id", "label", "gap", "detail", "geometry"]],
        ["region_id", "label", "gap", "detail"],
        geometry_key="region_id",
    )


def white_space_color(score: float, scale: float) -> str:
    """Diverging color for a white-space score: orange = under-penetrated for its potential, teal = over."""
    if scale <= 0 or score != score:
        return "#f7f7f7"
    t = max(-1.0, min(1.0, score / scale))
    low, mid, high = (1, 133, 113), (247, 247, 247), (230, 97, 1)
    a, b = (mid, high) if t >= 0 else (mid, low)
    t = abs(t)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=8)
def _simplified_regions(region_ids: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The display shapes of these regions at ~1 km detail (a choropleth over states and countries reads fine so).

    Kept for the next edit, which shows the same regions (simplifying them took ~40 ms a map edit). Not to be
    changed in place: merged into a new frame by the caller.
    """
    shapes = _display_regions(list(region_ids))
    shapes["geometry"] = shapes.geometry.simplify(0.02, preserve_topology=True)
    return shapes


def _white_space_layer(plan: Plan, accounts: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """White space per state / province / country, as a table and a choropleth GeoJSON."""
    from geo.layers import to_geojson
    from territory.gaps import white_space

    if plan.settings.potential == "population" or not len(accounts):
        return pd.DataFrame(), {"type": "FeatureCollection", "features": []}
    table = white_space(plan, accounts, region_of=display_region_of(accounts["region_id"]))
    layer = _simplified_regions(tuple(table["region_id"])).merge(table, on="region_id")
    scale = float(table["white_space"].abs().max()) if len(table) else 0.0
    layer["fill"] = layer["white_space"].map(lambda v: white_space_color(v, scale))
    layer["potential_text"] = layer["potential"].map(money)
    layer["penetration_text"] = layer["penetration"].map(percent)
    layer["white_space_text"] = layer["white_space"].map(lambda v: f"{v:+.1%}")
    layer = gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84)
    layer["shape_key"] = "white-space:" + layer["region_id"].astype(str)
    properties = ["region_id", "label", "fill", "potential_text", "penetration_text", "white_space_text"]
    return table, to_geojson(layer[properties + ["shape_key", "geometry"]], properties, precision=3,
                             geometry_key="shape_key")  # fmt: skip


MANY_CHANGED = 150  # more changed regions than this (counties) are outlined thin and light


def changed_regions_map(regions: pd.DataFrame, old: Plan, new: Plan, *, level: str | None = None,
                        reach: tuple[float, float, float] | None = None):  # fmt: skip
    """A map of the regions that changed territory between two plans, in their new territory's color.

    Parameters
    ----------
    regions : DataFrame
        ``region_id, from_name, to_name, to_territory_id`` (:attr:`territory.plan_diff.PlanDiff.regions`).
    old, new : Plan
    level : {"state", "county"}, optional
        Also draw ``new``'s territories at this level, faintly and under the changed regions, so that the moves
        show in the plan they make (outlines only, not clickable).
    reach : (float, float, float), optional
        Latitude, longitude and km: a new rep's territory held within that distance of their home, drawn as a
        dashed circle (not clickable) with a legend entry.

    Returns
    -------
    folium.Map
        Fitted to the changed regions (where most of them lie, when they lie on continents apart:
        :func:`_main_cluster`; its ``off_view``: the region ids left out of the view); tooltips say from → to. Its
        ``legend_html`` (for the page to show under the map; empty without changed regions) gives each receiving
        territory's color, name and the number of regions it gains (names escaped).
    """
    import folium

    from geo.layers import FastGeoJson, LegendEntry, build_base_map, legend_html, to_geojson

    colors = {t.territory_id: t.color for t in old.territories} | {t.territory_id: t.color for t in new.territories}
    shapes = _display_regions(regions["region_id"].tolist()) if len(regions) else _display_regions([])
    columns = ["region_id", "from_name", "to_name", "to_territory_id"]
    columns += ["from_territory_id"] if "from_territory_id" in regions.columns else []
    layer = shapes.merge(regions[columns], on="region_id")
    first = layer["to_territory_id"].map(lambda ids: ids.split(", ")[0] if isinstance(ids, str) else None)
    # (a territory that held the region already, with another that gives it up, holds it alone: it gains nothing,
    # "NE Enterprise gains 4 regions" read as new states for it, a new user's test)
    had = pd.Series(
        [isinstance(was, str) and to in was.split(", ") for to, was in zip(first, layer.get("from_territory_id",
                                                                                        [None] * len(layer)), strict=True)],
        index=layer.index,
    )  # fmt: skip
    layer["color"] = first.map(colors).fillna(GAP_COLOR)
    layer = gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84)
    focus = _main_cluster(layer)
    bounds = tuple(layer[focus].total_bounds) if len(layer) else None
    context = None
    if level is not None:
        _check_level(level)
        outlines = territory_shapes(new, level).outlines
        names = {t.territory_id: t.name for t in new.territories}
        context = outlines.assign(name=outlines["territory_id"].map(names))
        # the map shows the territories that gain regions whole, not only the regions they gain
        gaining = context[context["territory_id"].isin(set(first[focus].dropna()))]
        if len(layer) and len(gaining):
            both = np.vstack([layer[focus].total_bounds, gaining.total_bounds])
            bounds = (both[:, 0].min(), both[:, 1].min(), both[:, 2].max(), both[:, 3].max())
    if reach is not None and bounds is not None:
        # (the new rep's circle whole in view: its edge was cut at 1280 px, a review)
        lat, lon, km = (float(v) for v in reach)
        dlat, dlon = km / 111.2, km / (111.2 * max(np.cos(np.radians(lat)), 0.05))
        bounds = (min(bounds[0], lon - dlon), min(bounds[1], lat - dlat), max(bounds[2], lon + dlon),
                  max(bounds[3], lat + dlat))  # fmt: skip
    fmap = build_base_map(bounds=bounds)
    # The changed regions out of that view (on another continent than most), for the page to name: a new user's
    # test found Germany and the Netherlands, in the legend, off the map at 1280 px.
    fmap.off_view = _outside(layer, bounds)
    if context is not None:
        FastGeoJson(
            # (keyed by the regions each outline is made of: a territory's id names other shapes in another plan,
            # another proposal, another session, and the cache is the process's: a review saw one session's
            # proposal drawn with another's territories)
            to_geojson(context, ["territory_id", "name", "color"], geometry_key="outline_key"),
            "Proposed territories",
            {"fillOpacity": 0.12, "weight": 1.5, "opacity": 0.8},
            fill_property="color",
            stroke_property="color",
            interactive=False,
            control=False,
        ).add_to(fmap)
    group = folium.FeatureGroup(name="Changed regions")
    FastGeoJson(
        to_geojson(layer, ["region_id", "label", "from_name", "to_name", "color"], geometry_key="region_id"),
        "Changed regions",
        # (hundreds of counties with dark outlines drew a black blob: thin light lines between them instead)
        {"fillColor": GAP_COLOR, "fillOpacity": 0.6, "color": "#222222", "weight": 1.2}
        if len(layer) <= MANY_CHANGED
        else {"fillColor": GAP_COLOR, "fillOpacity": 0.7, "color": "#ffffff", "weight": 0.4, "opacity": 0.8},
        fill_property="color",
        tooltip=[("label", "Region"), ("from_name", "From"), ("to_name", "To")],
        control=False,
    ).add_to(group)
    counts = layer.assign(first=first, had=had).groupby(["first", "to_name", "color"], dropna=False)["had"]
    gains = pd.DataFrame({"all": counts.size(), "had": counts.sum()}).sort_values("all", ascending=False)

    def regions_said(n) -> str:
        return f"{int(n)} region{'s' if int(n) != 1 else ''}"

    def detail(row) -> str:  # (one entry a territory: "gains 2 regions", "holds alone 4 regions it shared", or both)
        return ", ".join(([f"gains {regions_said(row['all'] - row['had'])}"] if row["all"] > row["had"] else [])
                         + ([f"holds alone {regions_said(row['had'])} it shared"] if row["had"] else []))  # fmt: skip

    entries = [
        LegendEntry(color=color, name="No territory", detail=f"{regions_said(row['all'])} left without one")
        if first_id != first_id or first_id is None
        else LegendEntry(color=color, name=str(name), detail=detail(row))
        for (first_id, name, color), row in gains.iterrows()
    ]
    # The legend goes under the map, not over it: in the map's corner its entries (eight for a plan drawn anew)
    # hid the regions on the Atlantic side at 1280 px (a tester's report). The page draws it (``st.html``).
    if reach is not None:
        lat, lon, km = reach
        folium.Circle(location=(float(lat), float(lon)), radius=float(km) * 1000.0, color="#333333", weight=2,
                      dash_array="8 6", fill=False, interactive=False).add_to(fmap)  # fmt: skip
        entries.append(LegendEntry(color="#333333", name=f"Within {float(km):,.0f} km of the new rep's home",
                                   detail="the dashed circle: the new territory takes no region whose centre lies beyond it",
                                   outline=True))  # fmt: skip
    fmap.legend_html = legend_html("Regions go to", entries, element_id="changed-regions-legend")
    group.add_to(fmap)
    return fmap


def _outside(layer: gpd.GeoDataFrame, bounds) -> list[str]:
    """The regions of ``layer`` whose inside point lies outside ``bounds``: their ``region_id``, in the layer's order.

    ``bounds``: west, south, east, north (None: none outside).

    Examples
    --------
    >>> import shapely
    >>> layer = gpd.GeoDataFrame({"region_id": ["a", "b"]}, geometry=[shapely.Point(-100, 40), shapely.Point(5, 50)],
    ...                          crs=WGS84)
    >>> _outside(layer, (-120, 30, -80, 50)), _outside(layer, (-120, 30, 10, 55)), _outside(layer, None)
    (['b'], [], [])
    """
    if bounds is None or len(layer) == 0:
        return []
    point = layer.geometry.representative_point()
    west, south, east, north = bounds
    out = ~(point.x.between(west, east) & point.y.between(south, north))
    return layer.loc[out.to_numpy(), "region_id"].tolist()


def _main_cluster(layer: gpd.GeoDataFrame, *, gap: float = 20.0) -> np.ndarray:
    """Which regions the map is fitted to: where most changed regions lie, when they lie on continents apart.

    Regions are grouped by longitude, split where ``gap`` degrees separate them (North America and Europe); the
    group with the most regions is kept (fitted to both, the counties that changed were specks on a map of the
    world: a new user's test). One group: all of them.

    Examples
    --------
    >>> import shapely
    >>> points = gpd.GeoDataFrame(geometry=[shapely.Point(x, 40) for x in (-100, -95, -90, 5, 10)], crs=WGS84)
    >>> _main_cluster(points).tolist()
    [True, True, True, False, False]
    >>> _main_cluster(points.iloc[:3]).tolist()
    [True, True, True]
    """
    if len(layer) == 0:
        return np.zeros(0, dtype=bool)
    lon = layer.geometry.representative_point().x.to_numpy()
    order = np.argsort(lon, kind="stable")
    group = np.zeros(len(lon), dtype=np.int64)
    group[order] = np.concatenate([[0], np.cumsum(np.diff(lon[order]) > gap)])
    counts = np.bincount(group)
    return group == int(np.argmax(counts))


def territories_geojson(plan: Plan, *, precision: int = 3) -> dict:
    """Each territory's shape (its regions dissolved) as GeoJSON for a plan folder.

    Properties ``territory_id``, ``name``, ``color`` as plain text (for viewers such as GitHub, not for HTML).
    """
    import json

    import shapely

    outlines = territory_shapes(plan, "state").outlines
    names = {t.territory_id: t.name for t in plan.territories}
    rounded = shapely.set_precision(outlines.geometry.to_numpy(), 10**-precision)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"territory_id": tid, "name": names.get(tid, tid), "color": color},
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
            for tid, color, geometry in zip(outlines["territory_id"], outlines["color"], rounded, strict=True)
        ],
    }
