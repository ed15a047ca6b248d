"""Region boundaries: the bundled levels and a user's own boundary files.

Every GeoDataFrame returned here has the columns ``region_id, name, level, parent_id, label, geometry`` in
EPSG:4326 with valid geometries.
"""

from __future__ import annotations

import io
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from territory.errors import LISTED_PROBLEMS, BoundaryFileError
from territory.formatting import counted, verb

__all__ = [
    "BOUNDARY_DIR",
    "LEVELS",
    "EQUAL_AREA_CRS",
    "US_ISLAND_AREAS",
    "BoundaryLoad",
    "load_regions",
    "load_join_layer",
    "shared_join_layer",
    "region_table",
    "unknown_regions_warning",
    "region_label",
    "region_labels",
    "region_lineage",
    "region_parents",
    "describe_regions",
    "read_boundary_file",
    "boundary_file_columns",
    "boundary_file_header",
    "boundary_links",
    "drawn_territories",
    "repair_geometries",
    "area_km2",
]

BOUNDARY_DIR = Path(__file__).resolve().parent.parent / "data" / "boundaries"
LEVELS = ("state", "county", "province", "country")
REGION_COLUMNS = ["region_id", "name", "level", "parent_id", "label"]
# World cylindrical equal-area: areas anywhere on Earth.
EQUAL_AREA_CRS = CRS.from_epsg(6933)
WGS84 = CRS.from_epsg(4326)
# Puerto Rico and the US island areas: countries of the world level ("PR") and states of the US level ("US-PR"), the
# same land twice. Drawn and joined as the state (and its counties); a claim on the country still holds them.
US_ISLAND_AREAS = ("PR", "VI", "GU", "AS", "MP")
# Countries whose regions come from a finer bundled level when joining accounts.
_COVERED_BY_FINER = {"US", "CA", *US_ISLAND_AREAS}


@lru_cache(maxsize=16)
def _read_level(level: str, display: bool) -> gpd.GeoDataFrame:
    path = BOUNDARY_DIR / f"{level}{'_display' if display else ''}.parquet"
    # (the one CRS object for every layer: pyproj builds a CRS's internals again in each thread that compares it,
    # ~5 ms, and every Streamlit run is a new thread: the county map's joins of levels compared five of them)
    return gpd.read_parquet(path).set_crs(WGS84, allow_override=True)


def load_regions(level: str, *, display: bool = False) -> gpd.GeoDataFrame:
    """Load one bundled boundary level.

    Parameters
    ----------
    level : {"state", "county", "province", "country"}
        US states (+DC, PR and island areas), US counties, Canadian provinces, world countries.
    display : bool, default False
        The simplified version meant for maps instead of the full-detail one meant for joins.

    Returns
    -------
    GeoDataFrame
        ``region_id, name, level, parent_id, label, code, fips, geometry`` in EPSG:4326.

    Raises
    ------
    ValueError
        If ``level`` is not one of :data:`LEVELS`.

    Examples
    --------
    >>> states = load_regions("state")
    >>> states.set_index("region_id").loc["US-NY", "name"]
    'New York'
    """
    if level not in LEVELS:
        raise ValueError(f"`level` was {level!r} but is expected to be one of {list(LEVELS)}")
    return _read_level(level, display).copy()


@lru_cache(maxsize=2)
def _join_layer(display: bool) -> gpd.GeoDataFrame:
    countries = _read_level("country", display)
    parts = [
        _read_level("county", display),
        _read_level("province", display),
        countries[~countries["region_id"].isin(_COVERED_BY_FINER)],
    ]
    layer = pd.concat([p[REGION_COLUMNS + ["geometry"]] for p in parts], ignore_index=True)
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84)


def shared_join_layer() -> gpd.GeoDataFrame:
    """The same layer as :func:`load_join_layer`, shared and read-only, so its spatial index is built once."""
    return _join_layer(False)


def load_join_layer(*, display: bool = False) -> gpd.GeoDataFrame:
    """The finest bundled region at every place: US counties, Canadian provinces, other countries.

    Accounts are joined to this layer; their states, provinces and countries follow from ``parent_id``.
    """
    return _join_layer(display).copy()


@lru_cache(maxsize=1)
def _region_table() -> pd.DataFrame:
    frames = []
    for level in LEVELS:
        gdf = _read_level(level, False)
        point = gdf.geometry.representative_point()
        frames.append(pd.DataFrame(gdf[REGION_COLUMNS]).assign(lat=point.y.round(5), lon=point.x.round(5)))
    table = pd.concat(frames, ignore_index=True).drop_duplicates("region_id").reset_index(drop=True)
    # An island area's state sits under its country, and the country under the US: a territory that claims "PR"
    # (the world level's Puerto Rico) holds the accounts, which join to Puerto Rico's counties, as one that claims
    # "US-PR" or the whole US does.
    ids = set(table["region_id"])
    for code in US_ISLAND_AREAS:
        if code in ids and f"US-{code}" in ids:
            table.loc[table["region_id"] == f"US-{code}", "parent_id"] = code
            table.loc[table["region_id"] == code, "parent_id"] = "US"
    return table


def region_table() -> pd.DataFrame:
    """All bundled regions without geometry: ids, names, levels, parents and a point inside each.

    Returns
    -------
    DataFrame
        ``region_id, name, level, parent_id, label, lat, lon``; ``lat``/``lon`` is a representative point
        (always inside the region), used to place accounts that only carry a region code.
    """
    return _region_table().copy()


def unknown_regions_warning(plan) -> str | None:
    """A sentence naming the regions a plan claims (or gives as a rep's home) that the bundled boundaries do not have.

    None when there are none. Said wherever a plan is read (the Data sources upload, a plan folder on the Plans page,
    ``cli.py``): their accounts can be in no territory, a home the map does not have places no rep near it, and a
    mistyped id (US-ZZ) would otherwise go unnoticed.
    """
    known = set(_region_table()["region_id"])
    unknown = sorted(plan.claimed_region_ids() - known)
    homes = sorted({r.home_region for r in plan.reps if r.home_region and r.home_region not in known})
    if not unknown and not homes:
        return None
    said = []
    if unknown:
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        said.append(
            f"the plan names regions the bundled boundaries do not have: {', '.join(unknown[:10])}{more}. Their "
            "accounts cannot be placed in them"
        )
    if homes:
        reps = [r for r in plan.reps if r.home_region in homes]
        named = ", ".join(f"{r.name} ({r.home_region})" for r in reps[:10])
        more = f" and {len(reps) - 10} more" if len(reps) > 10 else ""
        said.append(
            f"{'the plan gives' if not unknown else 'it gives'} reps a home the bundled boundaries do not have: "
            f"{named}{more}. No distance from home can be measured for them"
        )
    return "; ".join(said) + "; check the ids (e.g. US-NY, US-36061, CA-ON, GB)"


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    table = _region_table()
    return dict(zip(table["region_id"], table["label"].astype(str), strict=True))


def region_labels(region_ids) -> list[str]:
    """The bundled regions' display labels ("Kings, NY", "Texas"), an unknown id as itself.

    Examples
    --------
    >>> region_labels(["US-TX", "US-36047", "XX-1"])
    ['Texas', 'Kings, NY', 'XX-1']
    """
    labels = _labels()
    return [labels.get(r, str(r)) for r in region_ids]


def region_label(region_id: str) -> str:
    """One region's display label (see :func:`region_labels`)."""
    return _labels().get(region_id, str(region_id))


@lru_cache(maxsize=1)
def _ids_by_label() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for region_id, label in _labels().items():
        found.setdefault(label.casefold(), []).append(region_id)
    return {label: tuple(sorted(ids)) for label, ids in found.items()}


def regions_named(text: str, *, within=None) -> tuple[str, ...]:
    """The bundled regions ``text`` names: its id (any case, aliases too), else every region with that label.

    Two letters name a US state or Canadian province by its postal code too (``NY``, ``ON``), and where a
    country has the same code both are named (``MA``: Morocco and Massachusetts). ``within``: region ids (a
    plan's claims); where several regions are named and some are, or lie in, one of these, only those are kept
    (``MA`` in a plan of US states is Massachusetts), else those in a country one of these lies in.

    Examples
    --------
    >>> regions_named("texas"), regions_named("us-tx"), regions_named("Kings, NY"), regions_named("Atlantis")
    (('US-TX',), ('US-TX',), ('US-36047',), ())
    >>> len(regions_named("Georgia"))  # (the state, and the country)
    2
    >>> regions_named("ny"), regions_named("ON"), regions_named("MA"), regions_named("gb")
    (('US-NY',), ('CA-ON',), ('MA', 'US-MA'), ('GB',))
    >>> regions_named("MA", within={"US-NY", "US-MA"}), regions_named("CA", within={"US"})
    (('US-MA',), ('US-CA',))
    >>> regions_named("Georgia", within={"US-GA", "GE"})  # (both claimed: both named)
    ('GE', 'US-GA')
    >>> regions_named("MD", within={"US-NY"}), regions_named("MD", within={"DE"})  # (by the countries held)
    (('US-MD',), ('MD', 'US-MD'))
    >>> regions_named("DE", within={"DE", "US-10001"}), regions_named("DE", within={"DE", "US-NY"})
    (('DE', 'US-DE'), ('DE',))
    """
    from territory.regions import normalize_region_id

    region_id = normalize_region_id(text)
    labels = _labels()
    postal = (
        tuple(f"{country}-{region_id}" for country in ("US", "CA") if f"{country}-{region_id}" in labels)
        if len(region_id) == 2 and region_id.isalpha()
        else ()
    )
    if region_id in labels or postal:
        found = ((region_id,) if region_id in labels else ()) + postal
    else:
        found = _ids_by_label().get(str(text).strip().casefold(), ())
    if within is None or len(found) < 2:
        return found
    within = set(within)
    # (a region is held where it, or a region it lies in, is claimed, or where a region inside it is: a plan
    # holding Delaware's counties holds Delaware, so "DE" there is as ambiguous as Germany and Delaware)
    holding = {a for r in within for a in region_lineage(r)}
    inside = tuple(r for r in found if r in holding or any(a in within for a in region_lineage(r)))
    # (else those in a country the plan works in: "MD" in a plan of some US states is Maryland, not Moldova)
    countries = {region_lineage(r)[-1] for r in within}
    return inside or tuple(r for r in found if region_lineage(r)[-1] in countries) or found


@lru_cache(maxsize=1)
def _parents() -> dict[str, str]:
    table = _region_table().dropna(subset=["parent_id"])
    return dict(zip(table["region_id"], table["parent_id"].astype(str), strict=True))


def region_lineage(region_id: str) -> list[str]:
    """The region and the bundled regions it lies in, nearest first.

    Examples
    --------
    >>> region_lineage("US-36061"), region_lineage("DE")
    (['US-36061', 'US-NY', 'US'], ['DE'])
    """
    parents = _parents()
    out = [str(region_id)]
    while out[-1] in parents and len(out) < 8:
        out.append(parents[out[-1]])
    return out


def region_parents(region_ids) -> dict[str, str]:
    """Each region and each bundled region it lies in → the region that holds it (their lineages as one mapping).

    Examples
    --------
    >>> region_parents(["US-36061", "DE"])
    {'US-36061': 'US-NY', 'US-NY': 'US'}
    """
    return {child: parent for r in region_ids for child, parent in pairwise(region_lineage(r))}


def describe_regions(region_ids, *, shown: int = 4) -> str:
    """Regions in a few words: up to ``shown`` by name, more counties by their states.

    Examples
    --------
    >>> describe_regions(["US-TX", "US-LA"])
    'Louisiana, Texas'
    >>> table = _region_table()
    >>> counties = table.loc[table["parent_id"].isin(["US-TX", "US-LA"]), "region_id"].tolist()
    >>> describe_regions(counties)
    '318 counties of Louisiana and Texas'
    >>> describe_regions(["US-22001", "US-22003", "US-22005", "CA-ON", "GB"])
    'Ontario, United Kingdom and 3 counties of Louisiana'
    >>> describe_regions(["US-LA", "US-22001", "US-22003", "US-22005", "US-22007", "US-48001"])
    '5 counties of Louisiana and Texas'
    >>> describe_regions(["US-22001", "CA-ON", "CA-QC", "CA-BC", "GB"])
    'British Columbia, Ontario, Québec, United Kingdom and 1 county of Louisiana'
    """
    ids = sorted(dict.fromkeys(str(r) for r in region_ids))
    table = _region_table().set_index("region_id")
    if len(ids) <= shown:
        return ", ".join(sorted(region_labels(ids)))
    level = table["level"].reindex(ids)
    counties = [r for r in ids if level.get(r) == "county"]
    # (a state beside its own counties — accounts placed in the state as a whole — is said with them: "Louisiana
    # and 59 counties of Louisiana and Texas" read as garbled)
    of_counties = {str(table["parent_id"].get(r)) for r in counties}
    others = sorted(region_labels([r for r in ids if r not in set(counties) and r not in of_counties]))
    if not counties:
        return ", ".join(others[:shown]) + (f" and {len(others) - shown} more" if len(others) > shown else "")
    states = sorted(
        {str(table["name"].get(str(table["parent_id"].get(r)), table["parent_id"].get(r))) for r in counties}
    )
    named = " and ".join([", ".join(states[:-1]), states[-1]] if len(states) > 1 else states)
    # ("the counties of Idaho, Oregon and Washington (38) (United States of America)" read as two asides)
    counted = f"{len(counties)} count{'y' if len(counties) == 1 else 'ies'} of {named}"
    return f"{', '.join(others)} and {counted}" if others else counted


@dataclass
class BoundaryLoad:
    """A user's boundary file, ready to use, and what was done to it on the way."""

    regions: gpd.GeoDataFrame
    source_crs: str
    reprojected: bool = False
    assumed_crs: bool = False
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The file's numeric columns (population, households …), one row per region of ``regions``, by region id."""
    texts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The file's other columns (a current territory, an owner …) as text, blank as missing, by region id."""
    columns: list[str] = field(default_factory=list)
    """The file's columns but the id and the geometry, in the file's order (``figures`` and ``texts`` hold them apart)."""

    @property
    def dropped(self) -> list[str]:
        """The repairs that lost a feature (not a polygon, or no geometry): worth saying outright."""
        return [note for note in self.repaired if " dropped" in note]


def read_boundary_file(
    source: str | Path | bytes | io.BytesIO,
    id_column: str,
    *,
    name_column: str | None = None,
    filename: str | None = None,
    level: str = "custom",
) -> BoundaryLoad:
    """Read a user's boundary file (GeoJSON, zipped Shapefile or GeoPackage) as regions.

    Parameters
    ----------
    source : path, bytes or file-like
        The file. Bytes or a buffer need ``filename`` to tell the format by its extension.
    id_column : str
        The column that identifies each region; values must be present and unique.
    name_column : str, optional
        A column with display names (defaults to the id).
    filename : str, optional
        Name to use in messages and to recognise the format.
    level : str
        Value for the ``level`` column.

    Returns
    -------
    BoundaryLoad
        Regions in EPSG:4326 with invalid geometries repaired, and notes on reprojection and repairs.

    Raises
    ------
    BoundaryFileError
        If the file cannot be read, lacks the id column, has missing or duplicate ids, a feature whose geometry
        cannot be read (a ring not closed, a coordinate that is not a number, an unknown geometry type), no
        coordinate system and coordinates that are not plainly longitude/latitude, or holds no polygons. The
        problems of features and columns are said at once: one error whose ``problems`` holds each, naming the
        file, the feature and the column (see :meth:`territory.errors.InputDataError.gather`).

    Examples
    --------
    >>> data = (b'{"type": "FeatureCollection", "features": ['
    ...         b'{"type": "Feature", "properties": {"id": "A"}, "geometry": {"type": "Polygonn", "coordinates": []}},'
    ...         b'{"type": "Feature", "properties": {"id": null}, "geometry": null}]}')
    >>> read_boundary_file(data, "id", filename="r.geojson")
    Traceback (most recent call last):
    ...
    territory.errors.BoundaryFileError: r.geojson: 2 problems; fix them all, then load the file again:
    - r.geojson: feature 1 (id 'A'): geometry type 'Polygonn' is not a GeoJSON geometry type (Polygon, MultiPolygon …). Give the feature a Polygon or MultiPolygon of [longitude, latitude] points, or export the layer again
    - r.geojson, column 'id': feature 2 has no id. Fill the id or pick another id column
    """
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    # Every problem found is said at once (fix them all, upload once): a feature whose geometry cannot be read, a
    # missing name column, each feature without an id, each id on two features. Only what stops the checks (no
    # features, no id column, no polygon, coordinates of no known system) is said as soon as it is found.
    problems: list[BoundaryFileError] = []
    raw = _read_any(source, name, problems)

    def refuse(problem: BoundaryFileError | None = None) -> BoundaryFileError:
        return BoundaryFileError.gather([*problems, *([problem] if problem else [])])

    if raw.empty:
        raise refuse(BoundaryFileError("the file holds no features", source=name,
                                       hint="Export the layer with its polygons"))  # fmt: skip
    if id_column not in raw.columns:
        columns = ", ".join(c for c in raw.columns if c != "geometry")
        if not columns:
            raise refuse(BoundaryFileError(
                "its features have no attributes to use as region ids", source=name,
                hint="Give each feature an id (GeoJSON 'properties'), e.g. in QGIS or mapshaper, and upload it again",
            ))  # fmt: skip
        if id_column is None:
            raise refuse(BoundaryFileError("no id column picked", source=name, hint=f"Pick one of: {columns}"))
        raise refuse(
            BoundaryFileError(f"no column '{id_column}'", source=name, column=id_column, hint=f"Pick one of: {columns}")
        )
    if name_column is not None and name_column not in raw.columns:
        columns = ", ".join(c for c in raw.columns if c != "geometry")
        problems.append(
            BoundaryFileError(
                f"no column '{name_column}'", source=name, column=name_column, hint=f"Pick one of: {columns}"
            )
        )
        name_column = None
    ids = raw[id_column]
    missing = ids.isna() | (ids.astype(str).str.strip() == "")
    if missing.any():
        problems.extend(
            BoundaryFileError(
                f"feature {pos + 1}{_said(raw, pos, name_column)} has no id",
                source=name,
                column=id_column,
                hint="Fill the id or pick another id column",
            )
            for pos in np.flatnonzero(missing.to_numpy())
        )
    if (
        pd.api.types.is_float_dtype(ids)
        and np.isfinite(ids.dropna()).all()
        and (ids.dropna() == ids.dropna().round()).all()
    ):
        # (whole numbers read as floats, a blank among them: "1.0", "2.0" in the ids and their messages, a new user)
        ids = ids.map(lambda v: "" if pd.isna(v) else str(int(v)))
    ids = ids.astype(str).str.strip()
    dup = ids.duplicated(keep=False) & ~missing
    for region_id in sorted(set(ids[dup])):
        same = (ids == region_id) & ~missing
        problems.append(
            BoundaryFileError(
                f"ids are not unique: {region_id} (features {_rows(same)})",
                source=name,
                column=id_column,
                hint="Pick a column whose values are unique, or dissolve the duplicates first",
            )
        )
    if (raw.geometry.isna() | raw.geometry.is_empty).all():
        unread = any(problem.problem.startswith("feature ") for problem in problems)  # (said: nulled on reading)
        raise refuse(None if unread else BoundaryFileError(
            "no feature has a geometry (every one is empty)", source=name,
            hint="Export the layer with its polygons, not its attribute table alone",
        ))  # fmt: skip
    load = BoundaryLoad(regions=raw, source_crs="")
    try:
        gdf = _to_wgs84(raw, name, load)
    except BoundaryFileError as error:  # (said with the features' problems, when there are any)
        if not problems:
            raise
        problems.append(error)
        gdf = raw
    # (a feature without a geometry, "geometry": null, is no polygon either: the repairs drop it, by feature)
    absent = gdf.geometry.isna() | gdf.geometry.is_empty
    non_polygon = ~gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]) & ~absent
    if (non_polygon | absent).all():
        raise refuse(
            BoundaryFileError(
                f"no polygons: geometries are {', '.join(sorted(set(gdf.geometry.geom_type.dropna())))}",
                source=name,
                hint="Regions must be polygons; points or lines cannot hold accounts",
            )
        )
    if problems:  # (with what the load would drop, so that one upload fixes all)
        unread = {getattr(problem, "feature", None) for problem in problems}
        for pos in np.flatnonzero((absent | non_polygon).to_numpy()):
            if pos + 1 in unread:
                continue
            shown = f" (id '{ids.iloc[pos]}')" if not missing.iloc[pos] else _said(raw, pos, name_column)
            what = "no geometry (null)" if absent.iloc[pos] else f"a {gdf.geometry.iloc[pos].geom_type}, not a polygon"
            problems.append(
                BoundaryFileError(
                    f"feature {pos + 1}{shown}: {what}; it would be dropped",
                    source=name,
                    hint="Give it its polygon, or delete the feature (once the rest is fixed, the file loads without it)",
                )
            )
        raise refuse()
    # Points and lines beside polygons cannot hold accounts: dropped, and said so by feature.
    dropped = [
        f"{name}, feature {pos + 1} (id '{ids.iloc[pos]}'): a {gdf.geometry.iloc[pos].geom_type}, not a polygon; "
        "dropped (regions must be polygons)"
        for pos in np.flatnonzero(non_polygon.to_numpy())
    ]
    numbers = np.arange(1, len(gdf) + 1)  # each feature's number in the file, said in the repairs
    if dropped:
        keep = ~non_polygon.to_numpy()
        gdf, ids, numbers = gdf.loc[keep], ids.loc[keep], numbers[keep]
    labels = ids
    if name_column:
        named = gdf[name_column].notna() & (gdf[name_column].astype(str).str.strip() != "")
        labels = gdf[name_column].astype(str).where(named, ids)  # (not "None" on the map: the id)
        unnamed = [f"feature {numbers[pos]} (id '{ids.iloc[pos]}')" for pos in np.flatnonzero(~named.to_numpy())]
        if unnamed:
            more = f" and {len(unnamed) - LISTED_PROBLEMS} more" if len(unnamed) > LISTED_PROBLEMS else ""
            load.notes.append(
                f"{name}, column '{name_column}': {counted(len(unnamed), 'feature')} "
                f"{verb(len(unnamed), 'has', 'have')} no name, shown by {verb(len(unnamed), 'its', 'their')} id: "
                f"{', '.join(unnamed[:LISTED_PROBLEMS])}{more}"
            )
    regions = gpd.GeoDataFrame(
        {
            "region_id": ids.values,
            "name": labels.values,
            "level": level,
            "parent_id": pd.Series([None] * len(ids), dtype="string"),
            "label": labels.values,
        },
        geometry=gdf.geometry.values,
        crs=WGS84,
    )
    regions, load.repaired = repair_geometries(regions, source=name, numbers=numbers)
    load.repaired = dropped + load.repaired
    load.regions = regions
    numeric = [c for c in gdf.columns if c not in (id_column, "geometry") and pd.api.types.is_numeric_dtype(gdf[c])
               and not pd.api.types.is_bool_dtype(gdf[c])]  # fmt: skip
    load.figures = (
        pd.DataFrame(gdf[numeric].to_numpy(dtype=float), index=ids.to_numpy(), columns=[str(c) for c in numeric])
        .reindex(regions["region_id"].to_numpy())
        .rename_axis("region_id")
    )
    others = [c for c in gdf.columns if c not in (id_column, "geometry", *numeric)]
    load.columns = [str(c) for c in gdf.columns if c not in (id_column, "geometry")]
    load.notes += _numbers_as_text(gdf[others], name)
    texts = gdf[others].apply(_as_text)
    load.texts = (
        pd.DataFrame(texts.to_numpy(dtype=object), index=ids.to_numpy(), columns=[str(c) for c in others])
        .reindex(regions["region_id"].to_numpy())
        .rename_axis("region_id")
    )
    overlapping = overlaps(regions)
    if overlapping:
        shown = "; ".join(overlapping[:LISTED_PROBLEMS])
        more = f"; and {len(overlapping) - LISTED_PROBLEMS} more" if len(overlapping) > LISTED_PROBLEMS else ""
        load.notes.append(
            f"{name}: {counted(len(overlapping), 'pair')} of regions {verb(len(overlapping), 'overlaps', 'overlap')} "
            f"({shown}{more}): an account where two "
            "overlap is joined to one of them. Draw the regions so that each place lies in one"
        )
    return load


# A column named as codes are: TIGER's CD119FP, STATEFP, TRACTCE, ZCTA5CE20, GEOID20; FIPS, ZIP, …_CODE, …_ID
_CODE_NAME = re.compile(
    r"(FP|FIPS|GEOID|ZIP|ZIPCODE|ZCTA5?|POSTAL|CODE|_ID|_CD"
    r"|(TRACT|BLKGRP|BLOCK|COUSUB|ZCTA5|PLACE|COUNTY|STATE)CE)\d*$|^(ID|CD)$",
    re.IGNORECASE,
)


def _numbers_as_text(columns: pd.DataFrame, name: str) -> list[str]:
    """Notes on columns of numbers that a few cells ("n/a", "-") made text: not offered to balance on, unsaid before.

    A column is said when most of its cells are numbers; the cells that are not are named by feature (up to 3).
    A column of codes is not, being no quantity to balance on: numbers all of one width with a leading zero
    (``CD119FP``: "01" … "53", and "ZZ" for a part of a state with no district), or a column named as codes are
    (``TRACTCE``, ``GEOID``, ``zone_code``). "TBD", "NA" or "n/a" in a column of figures are still said.

    Examples
    --------
    >>> frame = pd.DataFrame({"households": ["120", "n/a", "80", "95"], "zone": ["a", "b", "c", "d"],
    ...                       "CD119FP": ["01", "02", "ZZ", "12"], "TRACTCE": ["1101", "1102", "98XX", "1203"]})
    >>> _numbers_as_text(frame, "zones.geojson")  # doctest: +NORMALIZE_WHITESPACE
    ["zones.geojson: column 'households' is read as text, so it is not offered to balance on: feature 2 has 'n/a'.
      Write a number in each of its cells (or leave a cell empty) to balance on it"]
    >>> frame = pd.DataFrame({"reps": ["12", "NA", "31"], "HH": ["120", "TBD", "95"]})
    >>> [note.split(":")[1] for note in _numbers_as_text(frame, "z.geojson")]  # doctest: +NORMALIZE_WHITESPACE
    [" column 'reps' is read as text, so it is not offered to balance on",
     " column 'HH' is read as text, so it is not offered to balance on"]
    """
    notes = []
    for column in columns.columns:
        cells = columns[column].astype(object)
        given = cells.notna() & cells.map(lambda v: bool(str(v).strip()))
        written = cells.where(given).map(lambda v: str(v).strip().replace(",", ""))
        numbers = pd.to_numeric(written, errors="coerce")
        odd = given & numbers.isna()
        if not given.any() or not odd.any() or numbers.notna().sum() < max(2, odd.sum()):
            continue
        width = written[given].str.len()
        leading_zero = written[numbers.notna()].str.match(r"0\d").any()
        if (leading_zero and width.nunique() == 1) or _CODE_NAME.search(str(column)):
            continue  # codes
        at = [f"feature {i + 1} has '{cells.iloc[i]}'" for i in np.flatnonzero(odd.to_numpy())[:3]]
        more = f" (and {int(odd.sum()) - 3} more)" if odd.sum() > 3 else ""
        notes.append(
            f"{name}: column '{column}' is read as text, so it is not offered to balance on: {'; '.join(at)}{more}. "
            "Write a number in each of its cells (or leave a cell empty) to balance on it"
        )
    return notes


def overlaps(regions: gpd.GeoDataFrame, least: float = 0.01) -> list[str]:
    """The pairs of ``regions`` whose overlap is at least ``least`` of the smaller's area, said ("A and B: 12% of B").

    Regions that only touch (a shared border) do not overlap. Areas are measured on an equal-area projection.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> regions = gpd.GeoDataFrame({"label": ["DACH", "Benelux", "Nordics"]},
    ...                            geometry=[box(5, 45, 17, 55), box(2, 49, 7, 54), box(17, 55, 30, 70)], crs=WGS84)
    >>> overlaps(regions)
    ['DACH and Benelux: 40% of Benelux']
    """
    if len(regions) < 2:
        return []
    shapes = regions.geometry.values
    left, right = regions.sindex.query(shapes, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if not len(left):
        return []
    # (interiors that meet: a shared border alone is no overlap)
    inside = shapely.relate_pattern(shapes[left], shapes[right], "T********")
    left, right = left[inside], right[inside]
    if not len(left):
        return []
    equal = regions.geometry.to_crs(EQUAL_AREA_CRS).values
    common = shapely.area(shapely.intersection(equal[left], equal[right]))
    smaller = np.minimum(shapely.area(equal[left]), shapely.area(equal[right]))
    share = np.divide(common, smaller, out=np.zeros_like(common), where=smaller > 0)
    labels = regions["label"].astype(str).to_numpy() if "label" in regions else regions.index.astype(str).to_numpy()
    out = []
    for a, b, part in sorted(zip(left, right, share, strict=True), key=lambda x: (-round(float(x[2]), 2), x[0], x[1])):
        if part >= least:
            small = b if shapely.area(equal[b]) <= shapely.area(equal[a]) else a
            out.append(f"{labels[a]} and {labels[b]}: {part:.0%} of {labels[small]}")
    return out


def boundary_links(
    regions: gpd.GeoDataFrame, *, touch_m: float = 100.0, reach_km: float = 1000.0
) -> dict[str, tuple[str, ...]]:
    """Which regions of a boundary file touch, as plain data, with islands and parts apart linked to the nearest.

    Two regions touch when they share a border (not a corner alone, nor a border shorter than ``touch_m``), within
    about ``touch_m`` of each other (a file's borders seldom meet exactly: digitised apart, or simplified). A part of the map apart from the rest (an
    island, an exclave, a region the file's neighbours do not reach) is linked to the nearest region of another
    part, the smallest part first, when it lies within ``reach_km`` (measured on the ellipsoid between the two
    regions' nearest points); further away it stays apart (no territory is made to cross an ocean). Regions on both
    sides of the 180th meridian are not linked across it.

    Parameters
    ----------
    regions : GeoDataFrame
        ``region_id`` and polygons in EPSG:4326 (:func:`read_boundary_file`'s ``regions``).
    touch_m : float, default 100
    reach_km : float, default 1000

    Returns
    -------
    dict
        ``{region_id: (neighbour ids, …)}`` for every region, in the file's order (what
        :class:`territory.optimizer.RegionGraph` takes).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> regions = gpd.GeoDataFrame({"region_id": ["A", "B", "C", "Far"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2.1, 0, 3, 1), box(60, 0, 61, 1)], crs=WGS84)
    >>> boundary_links(regions)  # C lies 11 km off B, Far 6,500 km from all
    {'A': ('B',), 'B': ('A', 'C'), 'C': ('B',), 'Far': ()}
    """
    if regions.crs is None or not regions.crs.equals(WGS84):
        raise ValueError(f"`regions` must be in EPSG:4326, got {regions.crs}; call regions.to_crs(4326) first")
    ids = regions["region_id"].astype(str).tolist()
    if len(set(ids)) != len(ids):
        raise ValueError("`regions` has a region_id on two rows; give each region one row")
    links: dict[int, set[int]] = {i: set() for i in range(len(ids))}
    if len(ids) > 1:
        shapes = regions.geometry.to_numpy()
        tree = shapely.STRtree(shapes)
        # (in degrees: a degree of latitude is 111 km; one of longitude less away from the equator, so the distance
        # allowed there is shorter, never longer)
        near = touch_m / _METERS_PER_DEGREE
        left, right = tree.query(shapes, predicate="dwithin", distance=near)
        pairs = left < right
        left, right = left[pairs], right[pairs]
        # A border, not a corner alone, as the bundled regions touch: the length of one's outline within touch_m
        # of the other's is about twice touch_m where only corners meet (Texas's grid of counties), their shared
        # border and twice touch_m where they share one; a border shorter than touch_m is taken for a corner. (A
        # region inside another without a hole for it shares no outline: it joins the nearest part below.)
        zone = shapely.buffer(shapely.boundary(shapes), near, quad_segs=2)
        border = shapely.length(shapely.intersection(zone[left], shapely.boundary(shapes[right]))) > 3 * near
        for a, b in zip(left[border].tolist(), right[border].tolist(), strict=True):
            links[a].add(b)
            links[b].add(a)
        _link_parts(links, shapes, tree, reach_km * 1000.0)
    return {ids[i]: tuple(sorted(ids[j] for j in links[i])) for i in range(len(ids))}


_METERS_PER_DEGREE = 111_320.0


def _link_parts(links: dict[int, set[int]], shapes: np.ndarray, tree: shapely.STRtree, reach_m: float) -> None:
    """Link each part of ``links`` apart from the rest to its nearest region elsewhere within ``reach_m`` (in place).

    The smallest part first, each to the region nearest it in another part; a part with nothing within reach stays
    apart.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")

    def parts() -> list[set[int]]:
        seen: set[int] = set()
        out = []
        for start in links:
            if start in seen:
                continue
            part, stack = {start}, [start]
            while stack:
                for n in links[stack.pop()]:
                    if n not in part:
                        part.add(n)
                        stack.append(n)
            seen |= part
            out.append(part)
        return out

    apart: set[int] = set()  # (a region of each part with nothing within reach: nothing reaches it either)
    while True:
        pieces = [p for p in parts() if not p & apart]
        if len(pieces) <= 1:
            return
        part = min(pieces, key=lambda p: (len(p), min(p)))
        members = np.array(sorted(part))
        # Degrees enough for reach_m at the part's highest latitude (a degree of longitude shrinks there).
        _, miny, _, maxy = shapely.total_bounds(shapes[members])
        shrink = max(np.cos(np.radians(min(max(abs(miny), abs(maxy)), 85.0))), 0.05)
        most = reach_m / _METERS_PER_DEGREE / shrink
        found, degrees = None, min(0.1, most)
        while found is None:
            near, other = tree.query(shapes[members], predicate="dwithin", distance=degrees)
            outside = ~np.isin(other, members)
            if outside.any():
                a, b = members[near[outside]], other[outside]
                ends = shapely.get_coordinates(shapely.shortest_line(shapes[a], shapes[b])).reshape(-1, 2, 2)
                metres = geod.inv(ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])[2]
                best = int(np.lexsort((b, a, metres))[0])
                if metres[best] <= reach_m:
                    found = (int(a[best]), int(b[best]))
                    break
            if degrees >= most:
                break
            degrees = min(degrees * 4, most)
        if found is None:
            apart.add(int(members[0]))
            continue
        links[found[0]].add(found[1])
        links[found[1]].add(found[0])


def drawn_territories(regions: gpd.GeoDataFrame, labels: pd.Series, metrics: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each territory drawn on a boundary file's regions, dissolved, with its regions and metric totals.

    Parameters
    ----------
    regions : GeoDataFrame
        ``region_id`` and polygons (:func:`read_boundary_file`'s ``regions``).
    labels : Series
        Region id → territory id (:class:`territory.partition.Partition`'s ``labels``).
    metrics : DataFrame
        By region id: the figures to total per territory.

    Returns
    -------
    GeoDataFrame
        ``territory_id``, ``regions`` (how many), one column per metric, and the outline; EPSG:4326.
    """
    ids = regions["region_id"].astype(str)
    frame = gpd.GeoDataFrame(
        {"territory_id": ids.map(labels).to_numpy(), "regions": 1},
        geometry=regions.geometry.to_numpy(),
        crs=regions.crs,
    )
    for column in metrics.columns:
        frame[str(column)] = metrics[column].reindex(ids.to_numpy()).fillna(0.0).to_numpy()
    frame = frame.dropna(subset=["territory_id"])
    totals = frame.drop(columns="geometry").groupby("territory_id", sort=True).sum()
    shapes = frame.groupby("territory_id", sort=True).geometry.apply(lambda g: shapely.union_all(g.to_numpy()))
    return gpd.GeoDataFrame(totals.reset_index(), geometry=shapes.to_numpy(), crs=regions.crs)


def boundary_file_columns(source: str | Path | bytes | io.BytesIO, *, filename: str | None = None) -> list[str]:
    """The attribute columns of a boundary file, to let the user pick the id column.

    Raises
    ------
    BoundaryFileError
        If the file cannot be read.
    """
    return boundary_file_header(source, filename=filename)[0]


def boundary_file_header(
    source: str | Path | bytes | io.BytesIO, *, filename: str | None = None
) -> tuple[list[str], set[str]]:
    """The attribute columns of a boundary file, and those that could be its id column (every value there, no two alike).

    What :func:`guess_boundary_columns` is given, so that a column named like an id but repeating values (a
    ``code`` of four sales zones beside ``GEOID``) is not guessed, and the file does not open on an error about it.

    Raises
    ------
    BoundaryFileError
        If the file cannot be read.
    """
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    # (a feature whose geometry cannot be read does not hide the columns: read_boundary_file says it, with the rest)
    frame = _read_any(source, name, [])
    columns = [c for c in frame.columns if c != "geometry"]
    fit = {column for column in columns if (values := _as_text(frame[column])).notna().all() and values.is_unique}
    return columns, fit


def _as_text(column: pd.Series) -> pd.Series:
    """A column's values as trimmed text, a blank or missing one as None (as :attr:`BoundaryLoad.texts` holds them)."""
    values = column.astype(object).where(column.notna(), None)
    return values.map(lambda v: None if v is None or not str(v).strip() else str(v).strip())


_ID_NAMES = ("region_id", "id", "code", "geoid", "fips", "iso_a2", "iso_a3", "iso", "postal", "abbrev", "key")
_NAME_NAMES = ("name", "label", "title", "namelsad", "name_en", "admin", "name_long")


def guess_boundary_columns(columns, fit_ids=None) -> tuple[str | None, str | None]:
    """The id and name columns a boundary file most likely has, by their names (None where no name fits).

    With ``fit_ids`` (the columns that could be ids: :func:`boundary_file_header`), a column named like an id but not
    among them is passed over for the next one named like an id (none fitting: the guess by names alone, so that a
    GEOID with a blank or a repeated id says so rather than another column being taken quietly).

    Examples
    --------
    >>> guess_boundary_columns(["NAME", "STATEFP", "GEOID", "ALAND"])
    ('GEOID', 'NAME')
    >>> guess_boundary_columns(["a", "b"])
    (None, None)

    Else by those names with a number after them (``NAME20``, GADM's ``NAME_2``: the highest, the finest level), else by
    how they end (``zone_code``, ``zone_name``; the last such column: parents' come first, ``state_fips`` before
    ``county_fips``). A review's file had its names unused.

    >>> guess_boundary_columns(["zone_code", "zone_name", "households"]), guess_boundary_columns(["NAME20", "GEOID20"])
    (('zone_code', 'zone_name'), ('GEOID20', 'NAME20'))
    >>> guess_boundary_columns(["ADM0_A3", "NAME", "ISO_A2", "POSTAL"])  # (Natural Earth)
    ('ISO_A2', 'NAME')
    >>> guess_boundary_columns(["GID_0", "NAME_0", "GID_1", "NAME_1", "GID_2", "NAME_2"])  # (GADM level 2)
    ('GID_2', 'NAME_2')
    >>> guess_boundary_columns(["state_fips", "state_name", "county_fips", "county_name", "parent_id"])
    ('county_fips', 'county_name')
    >>> guess_boundary_columns(["GEOID", "NAME", "code"], fit_ids={"GEOID", "NAME"})  # (code repeats values)
    ('GEOID', 'NAME')
    >>> # (a district number, whole and unique, before a territory code with blanks and repeats: a new user's file)
    >>> guess_boundary_columns(["district_no", "district_name", "terr_code"], fit_ids={"district_no", "district_name"})
    ('district_no', 'district_name')
    >>> guess_boundary_columns(["zone_code", "zone_name", "households_num"])
    ('zone_code', 'zone_name')
    """
    if fit_ids is not None:
        by_names, name_column = guess_boundary_columns(columns)
        fitting = [c for c in columns if c in fit_ids]
        guessed_id = guess_boundary_columns(fitting)[0] if fitting else None
        if guessed_id is None:  # (none named like an id fits: the guess by names, whose problems the file then shows)
            return by_names, name_column
        if name_column == guessed_id:
            name_column = guess_boundary_columns([c for c in columns if c != guessed_id])[1]
        return guessed_id, name_column
    by_lower = {}
    for column in columns:
        by_lower.setdefault(str(column).strip().lower(), column)

    def numbered(names) -> str | None:
        """The column named one of ``names`` with a number after it, the highest number."""
        found = []
        for lower, column in by_lower.items():
            match = re.fullmatch(r"(.*?)_?(\d+)", lower)
            if match and match.group(1) in names:
                found.append((int(match.group(2)), column))
        return max(found, key=lambda f: f[0])[1] if found else None

    def ending(suffixes, taken=None) -> str | None:
        found = [column for lower, column in by_lower.items() if lower.endswith(suffixes) and column != taken
                 and not lower.startswith(("parent", "owner"))]  # fmt: skip
        return found[-1] if found else None

    id_column = (next((by_lower[c] for c in _ID_NAMES if c in by_lower), None) or numbered(_ID_NAMES + ("gid",))
                 or ending(("_id", "_code", "_fips", "_geoid"))
                 # (a number last: households_num beside zone_code is no id, a review)
                 or ending(("_no", "_num", "_number")))  # fmt: skip
    name_column = (next((by_lower[c] for c in _NAME_NAMES if c in by_lower and by_lower[c] != id_column), None)
                   or numbered(_NAME_NAMES) or ending(("_name",), taken=id_column))  # fmt: skip
    return id_column, name_column


def _said(raw: pd.DataFrame, pos: int, name_column: str | None) -> str:
    """How a feature is told apart besides its number: its name, else its first attribute (" (NAME 'Ohio')")."""
    columns = [name_column] if name_column else [c for c in raw.columns if c != "geometry"]
    for column in columns:
        value = raw[column].iloc[pos]
        if value is not None and value == value and str(value).strip():
            return f" ({column} '{value}')"
    return ""


def _rows(mask: pd.Series) -> str:
    positions = np.flatnonzero(mask.to_numpy()) + 1
    text = ", ".join(str(p) for p in positions[:5])
    return text + (", …" if len(positions) > 5 else "")


def _read_any(source, name: str, problems: list[BoundaryFileError]) -> gpd.GeoDataFrame:
    """The file as a frame.

    A GeoJSON feature whose geometry cannot be read is read without it and said in ``problems`` (by feature), so
    that the other checks go on and every problem is said at once.
    """
    lower = name.lower()
    if not lower.endswith((".geojson", ".json", ".zip", ".gpkg", ".shp")):
        raise BoundaryFileError(
            "unsupported file type", source=name, hint="Upload a .geojson, a zipped Shapefile (.zip) or a .gpkg"
        )
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    if lower.endswith((".geojson", ".json")):
        data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
        source = io.BytesIO(_check_geojson(data, name, problems))
    try:
        with warnings.catch_warnings():  # (a column of mixed numbers and text: said in a note of ours instead)
            warnings.filterwarnings("ignore", message="Could not parse column", category=UserWarning)
            return _read_frame(source, lower, name)
    except BoundaryFileError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        # GDAL names the temporary copy, and suggests driver prefixes: neither means anything to the user.
        if "not recognized as being in a supported file format" in detail:
            detail = "not a format we read: GeoJSON, a zipped Shapefile or a GeoPackage"
        detail = re.sub(r"'?(/tmp|/var/folders|[A-Za-z]:\\)[^' ]*'?", "the file", detail)
        raise BoundaryFileError(
            f"could not be read ({detail})",
            source=name,
            hint="The file may be truncated or not what its extension says; export it again",
        ) from exc


def _read_frame(source, lower: str, name: str) -> gpd.GeoDataFrame:
    if lower.endswith(".zip"):
        return _read_zipped_shapefile(source, name)
    if hasattr(source, "read"):
        data = source.read()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(lower).name
            path.write_bytes(data)
            return gpd.read_file(path)
    return gpd.read_file(source)


def _check_geojson(data: bytes, name: str, problems: list[BoundaryFileError]) -> bytes:
    """Refuse, in words and by feature, what GDAL would refuse in its own terms (or read as nothing).

    What makes the whole file unreadable is raised; each feature whose geometry cannot be read (a ring not closed,
    coordinates that are not numbers, a geometry type GeoJSON does not have) is added to ``problems`` and its
    geometry left out of the text returned, so that the rest of the file is read and checked too.
    """
    import json

    if not data.strip():  # (said "is not valid JSON (line 1, column 1 …)", a new user's test)
        raise BoundaryFileError("is empty", source=name, hint="Export the layer as GeoJSON again, or pick another file")
    head = data.lstrip()[:2000].decode("utf-8-sig", errors="replace")
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    if not first.startswith(("{", "[")) and "," in first and "\ufffd" not in head[:-4]:
        # (a CSV renamed .geojson: its first line is a header of comma-separated names)
        raise BoundaryFileError(
            f"looks like comma-separated text (a CSV: its first line reads {first[:60]!r}), not GeoJSON",
            source=name,
            hint=(
                "Accounts are loaded on their own (the Accounts page; --accounts in cli.py); region boundaries are "
                "GeoJSON or a zipped Shapefile (the Data sources page; --boundaries in cli.py)"
            ),
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BoundaryFileError("is not text (GeoJSON is UTF-8 text)", source=name,
                                hint="Export the layer as GeoJSON again") from exc  # fmt: skip
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg.lower()})",
            source=name,
            hint="The file may be cut short or edited by hand; export it again",
        ) from exc
    except RecursionError:  # (a traceback with the server's paths, a security review)
        raise BoundaryFileError("is nested too deeply to read", source=name,
                                hint="GeoJSON nests a few levels: export the layer as GeoJSON again") from None  # fmt: skip
    kind = document.get("type") if isinstance(document, dict) else None
    if kind not in ("FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection"):
        raise BoundaryFileError(
            'is JSON but not GeoJSON (its top level has no "type": "FeatureCollection")',
            source=name,
            hint="Upload a GeoJSON FeatureCollection of polygons, e.g. exported from QGIS or mapshaper",
        )
    features = document.get("features") if kind == "FeatureCollection" else [document]
    if not isinstance(features, list):
        raise BoundaryFileError('its "features" is not a list', source=name, hint="Export the layer as GeoJSON again")
    found = []
    for number, feature in enumerate(features, start=1):
        is_feature = isinstance(feature, dict) and kind in ("FeatureCollection", "Feature")
        geometry = feature.get("geometry") if is_feature else feature
        problem = _geometry_problem(geometry)
        if problem:
            properties = feature.get("properties") if isinstance(feature, dict) else None
            shown = f"feature {number}" + (f" ({_first_value(properties)})" if _first_value(properties) else "")
            found.append(
                BoundaryFileError(
                    f"{shown}: {problem}",
                    source=name,
                    hint="Each ring of a polygon lists at least four points and ends with its first point; fix the "
                    "feature, or export the layer again"
                    if "ring" in problem
                    else "Give the feature a Polygon or MultiPolygon of [longitude, latitude] points, or export the "
                    "layer again",
                )
            )
            if not is_feature:  # (a bare geometry: nothing else to read)
                raise BoundaryFileError.gather(found)
            feature["geometry"] = None
            found[-1].feature = number  # (read without its geometry: not said again as one that has none)
    problems.extend(found)
    return json.dumps(document).encode() if found else data


def _first_value(properties) -> str:
    if isinstance(properties, dict):
        for key, value in properties.items():
            if value not in (None, ""):
                return f"{key} '{value}'"
    return ""


_GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def _geometry_problem(geometry) -> str:
    """What makes a GeoJSON geometry unreadable ("" when nothing does; a null geometry is read, and said later)."""
    if geometry is None:
        return ""
    if not isinstance(geometry, dict):
        return f"its geometry is not a GeoJSON geometry object (got {type(geometry).__name__})"
    kind = geometry.get("type")
    if kind not in _GEOMETRY_TYPES:
        return f"geometry type {kind!r} is not a GeoJSON geometry type (Polygon, MultiPolygon …)"
    if kind == "GeometryCollection":
        return next((p for g in geometry.get("geometries") or [] if (p := _geometry_problem(g))), "")
    if geometry.get("coordinates") is None:
        return f"its {kind} has no coordinates"
    if not _all_numbers(geometry["coordinates"]):
        return "a coordinate is not a number (each point is [longitude, latitude], e.g. [-74.0, 40.7])"
    return _ring_problem(geometry)


def _all_numbers(coordinates) -> bool:
    """Whether nested lists hold only numbers (a point [x, y] of ints or floats, not text or true/false)."""
    if isinstance(coordinates, list):
        return all(_all_numbers(c) for c in coordinates)
    return isinstance(coordinates, (int, float)) and not isinstance(coordinates, bool) and np.isfinite(coordinates)


def _ring_problem(geometry) -> str:
    """What is wrong with a GeoJSON polygon's rings ("" when nothing is)."""
    if not isinstance(geometry, dict):
        return ""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "GeometryCollection":
        return next((p for g in geometry.get("geometries") or [] if (p := _ring_problem(g))), "")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    for polygon in polygons or []:
        if not isinstance(polygon, list):
            return "its coordinates are not lists of rings"
        for ring in polygon:
            if not isinstance(ring, list) or not all(isinstance(pt, list) and len(pt) >= 2 for pt in ring):
                return "a ring is not a list of [longitude, latitude] points"
            if len(ring) < 3:  # (three, closed, is read, then dropped as empty by the repair, and said)
                return f"a ring has {counted(len(ring), 'point')}; a polygon's ring needs at least four"
            if ring[0][:2] != ring[-1][:2]:
                return f"a ring does not end where it starts (first point {ring[0][:2]}, last {ring[-1][:2]})"
    return ""


_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _read_zipped_shapefile(source, name: str) -> gpd.GeoDataFrame:
    from territory.errors import InputDataError
    from territory.textfiles import zip_member_parts, zip_members

    with tempfile.TemporaryDirectory() as tmp:
        try:
            with zipfile.ZipFile(source) as archive:
                # (the shapefile's own parts alone, within a bound: a 1 MB zip unpacked 1 GiB to disk on every
                # rerun, a security review)
                members = zip_members(archive, name, lambda n: n.lower().endswith(_SHAPEFILE_PARTS))
        except zipfile.BadZipFile as exc:
            raise BoundaryFileError(
                "is not a valid zip archive", source=name, hint="Zip the .shp, .shx, .dbf and .prj files together"
            ) from exc
        except InputDataError as exc:
            raise BoundaryFileError(exc.problem, source=name, hint=exc.hint) from None
        for member, content in members:
            # (plain names alone, whatever the system: a drive letter or a UNC share in a member's name wrote outside
            # the folder on Windows, a review)
            parts = zip_member_parts(member)
            if not parts:
                continue
            path = Path(tmp, *parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        shapefiles = sorted(Path(tmp).rglob("*.shp"))
        if not shapefiles:
            raise BoundaryFileError(
                "the zip holds no .shp file", source=name, hint="Zip the .shp, .shx, .dbf and .prj files together"
            )
        if len(shapefiles) > 1:
            listed = ", ".join(p.name for p in shapefiles)
            raise BoundaryFileError(
                f"the zip holds several shapefiles ({listed})", source=name, hint="Upload one layer per zip"
            )
        return gpd.read_file(shapefiles[0])


def _to_wgs84(gdf: gpd.GeoDataFrame, name: str, load: BoundaryLoad) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if np.isfinite([minx, miny, maxx, maxy]).all() and -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
            load.assumed_crs = True
            load.source_crs = "none (assumed EPSG:4326)"
            load.notes.append(
                f"{name} has no coordinate system; every coordinate is a valid longitude/latitude,"
                " so it was read as EPSG:4326"
            )
            return gdf.set_crs(WGS84)
        raise BoundaryFileError(
            f"has no coordinate system and its coordinates (x {minx:.6g}..{maxx:.6g}, y {miny:.6g}..{maxy:.6g})"
            " are not longitude/latitude",
            source=name,
            hint="Include the .prj file in the zip, or reproject the file to EPSG:4326 before uploading",
        )
    load.source_crs = gdf.crs.to_string()
    minx, miny, maxx, maxy = gdf.total_bounds
    if (
        gdf.crs.is_geographic
        and -90 <= minx
        and maxx <= 90
        and -180 <= miny
        and maxy <= 180
        and (miny < -90 or maxy > 90)
    ):
        # x within ±90 and y beyond it: latitude, longitude (GeoJSON wants longitude first)
        raise BoundaryFileError(
            f"its coordinates look swapped: the second number of each point runs from {miny:.6g} to {maxy:.6g}, "
            "beyond the ±90 of a latitude, while the first stays within it (latitude, longitude order)",
            source=name,
            hint="GeoJSON lists longitude first: write each point as [longitude, latitude] (e.g. [-74.0, 40.7] "
            "for New York)",
        )
    if gdf.crs.is_geographic and not (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90):
        # (a GeoJSON is read as EPSG:4326 whatever its coordinates: metres from a projected file end here)
        raise BoundaryFileError(
            f"says it is in {load.source_crs} (longitude/latitude), but its coordinates (x {minx:.6g}..{maxx:.6g}, "
            f"y {miny:.6g}..{maxy:.6g}) are not: they look projected, e.g. in metres",
            source=name,
            hint="Reproject the file to EPSG:4326 before uploading (GeoJSON is always longitude/latitude), or upload "
            "it as a zipped Shapefile or a GeoPackage with its coordinate system",
        )
    if gdf.crs.equals(WGS84):
        return gdf
    load.reprojected = True
    load.notes.append(f"{name} was reprojected from {load.source_crs} to EPSG:4326")
    return gdf.to_crs(WGS84)


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, source: str = "regions", numbers=None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Make every geometry valid and polygonal.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a ``region_id`` column.
    source : str
        File name for the messages.

    Returns
    -------
    (GeoDataFrame, list of str)
        The repaired frame (empty geometries dropped) and one message per repaired or dropped feature,
        naming the feature (its number in the file: ``numbers``, default the row's position), the id and what was
        wrong, in words (:func:`invalid_geometry_reason`).
    """
    numbers = np.arange(1, len(gdf) + 1) if numbers is None else np.asarray(numbers)
    geoms = gdf.geometry.values
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    messages = []
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        fixed = shapely.make_valid(geoms[invalid])
        out = np.array(geoms, dtype=object)
        out[invalid] = [_polygonal(g) for g in fixed]
        for pos, reason in zip(np.flatnonzero(invalid), reasons, strict=True):
            messages.append(
                f"{source}, feature {numbers[pos]} (id '{gdf['region_id'].iloc[pos]}'): "
                f"{invalid_geometry_reason(reason)}; "
                "repaired"
            )
        gdf = gdf.copy()
        gdf["geometry"] = gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)
    missing = gdf.geometry.isna()
    empty = missing | gdf.geometry.is_empty
    for pos in np.flatnonzero(empty.to_numpy()):
        what = "no geometry (null);" if missing.iloc[pos] else "empty geometry"
        messages.append(f"{source}, feature {numbers[pos]} (id '{gdf['region_id'].iloc[pos]}'): {what} dropped")
    return gdf.loc[~empty].reset_index(drop=True), messages


# GEOS's reasons for an invalid geometry ("Self-intersection[-97.5 30.2]"), in words.
_GEOS_REASONS = {
    "self-intersection": "its outline crosses itself",
    "ring self-intersection": "its outline touches itself",
    "hole lies outside shell": "a hole lies outside its outline",
    "nested holes": "a hole lies inside another hole",
    "interior is disconnected": "holes cut it into separate pieces",
    "nested shells": "one of its parts lies inside another",
    "duplicate rings": "a ring is repeated",
    "too few points in geometry component": "a ring has fewer than four points",
    "invalid coordinate": "a coordinate is not a number",
    "ring is not closed": "a ring does not end where it starts",
}


def invalid_geometry_reason(reason: str) -> str:
    """GEOS's reason for an invalid geometry, in words, with the place as longitude, latitude.

    Examples
    --------
    >>> invalid_geometry_reason("Self-intersection[-97.5 30.25]")
    'invalid outline: its outline crosses itself near longitude -97.5, latitude 30.25'
    >>> invalid_geometry_reason("Something new")
    'invalid outline: something new'
    """
    found = re.match(r"\s*([^\[]*?)\s*(?:\[\s*(\S+)\s+(\S+)[^\]]*\])?\s*$", str(reason))
    kind, x, y = (found.group(1), found.group(2), found.group(3)) if found else (str(reason), None, None)
    said = _GEOS_REASONS.get(kind.lower(), kind[:1].lower() + kind[1:])
    where = ""
    if x is not None and y is not None and "nan" not in (x.lower(), y.lower()):
        where = f" near longitude {float(x):.6g}, latitude {float(y):.6g}"
    return f"invalid outline: {said}{where}"


def _polygonal(geom):
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each geometry in km², computed in an equal-area CRS (EPSG:6933).

    Raises
    ------
    ValueError
        If ``gdf`` has no CRS (areas of unknown coordinates mean nothing).
    """
    if gdf.crs is None:
        raise ValueError("`gdf` has no CRS; call set_crs() with the file's coordinate system first")
    return gdf.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6
