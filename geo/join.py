"""Accounts to regions: one vectorised spatial join, a near-shore snap, and a swapped-coordinates check."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.boundaries import EQUAL_AREA_CRS, WGS84, region_label, region_table, shared_join_layer
from territory.formatting import counted, numbered, verb
from territory.regions import normalize_region_id

__all__ = ["JoinResult", "join_accounts", "locate_accounts", "looks_swapped"]

PROBLEM_COLUMNS = ["row", "account_id", "column", "value", "problem", "severity"]
# Accounts within this distance of a region (coastal points against a generalised coastline) are snapped.
SNAP_METERS = 10_000.0
# An account whose coordinates lie this close to the state or country its address gives is placed there: the
# bundled borders are drawn at 1:10,000,000 (US) and 1:50,000,000 (countries), so a point a kilometre or two
# from a border may fall on its other side (Gatineau, QC in Ontario; El Paso, where the US and Mexican borders
# overlap, in Mexico).
ADDRESS_METERS = 3_000.0


@dataclass
class JoinResult:
    """Accounts with their region, and the ones that fell outside every region.

    Attributes
    ----------
    accounts : DataFrame
        The input with ``region_id`` (the finest region containing the account, ``None`` if outside),
        ``region_level`` and ``snapped`` (placed in the nearest region within 10 km).
    outside : DataFrame
        The accounts outside every region (``account_id``, ``row``, ``lat``, ``lon`` when present).
    swapped : bool
        True when the coordinates look like latitude and longitude were swapped.
    notes : list of str
        Messages for the user.
    problems : DataFrame
        Rows whose own coordinates look swapped (in Antarctica, the file as a whole not swapped), as
        :class:`geo.accounts.AccountsLoad` lists its problems: ``row, account_id, column, value, problem,
        severity`` (``warning``: the row is kept where its coordinates put it).
    """

    accounts: pd.DataFrame
    outside: pd.DataFrame
    swapped: bool = False
    notes: list[str] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))


def join_accounts(
    accounts: pd.DataFrame,
    regions: gpd.GeoDataFrame | None = None,
    *,
    snap_meters: float = SNAP_METERS,
    check_swapped: bool = True,
    column_map: dict[str, str] | None = None,
    snap_at_sea_only: bool = False,
) -> JoinResult:
    """Join account points to the regions that contain them.

    Parameters
    ----------
    accounts : DataFrame
        With float columns ``lat`` and ``lon`` in EPSG:4326.
    regions : GeoDataFrame, optional
        ``region_id``, ``level`` and polygons in EPSG:4326; defaults to the bundled finest layer
        (US counties, Canadian provinces, other countries).
    snap_meters : float, default 10 km
        Accounts outside every region but this close to one are placed in the nearest; 0 disables.
    check_swapped : bool, default True
        Test whether the points fit the regions better with latitude and longitude swapped.
    column_map : dict, optional
        ``{"lat": header, "lon": header}``: the file's columns, to name them in ``problems`` (default "lat", "lon").
    snap_at_sea_only : bool, default False
        With ``regions`` of your own (a file of sales districts): an account outside all of them is snapped only
        into a region lying mostly in its own state, province or country (by the bundled boundaries), or when it
        lies in none (just off the coast); one in another (a town across the border from the file's regions:
        Edmundston, New Brunswick, beside a Maine district) stays outside.

    Returns
    -------
    JoinResult

    Raises
    ------
    ValueError
        If ``lat``/``lon`` are missing, or ``regions`` is not in EPSG:4326.
    """
    if not {"lat", "lon"} <= set(accounts.columns):
        raise ValueError("`accounts` needs 'lat' and 'lon' columns; read the CSV with read_accounts() first")
    if regions is None:
        regions = shared_join_layer()
    elif regions.crs is None or not regions.crs.equals(WGS84):
        raise ValueError(f"`regions` must be in EPSG:4326, got {regions.crs}; call regions.to_crs(4326) first")
    lat = accounts["lat"].to_numpy(dtype=float)
    lon = accounts["lon"].to_numpy(dtype=float)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84)
    # The spatial index of the regions (built once per regions frame) against all points at once.
    point_pos, region_pos = regions.sindex.query(points.values, predicate="intersects")
    # A point on a shared border hits two regions, and one where two sources' borders overlap (El Paso lies in
    # El Paso County and in Mexico) too: keep the one first in the layer, which lists the finest-drawn first
    # (US counties at 1:10,000,000, Canadian provinces, then countries at 1:50,000,000).
    order = np.lexsort((region_pos, point_pos))
    point_pos, region_pos = point_pos[order], region_pos[order]
    first = np.unique(point_pos, return_index=True)[1]
    codes = np.full(len(points), -1, dtype=np.int64)
    codes[point_pos[first]] = region_pos[first]
    snapped = np.zeros(len(points), dtype=bool)

    outside = np.flatnonzero((codes < 0) & ~np.isnan(lat) & ~np.isnan(lon))
    keep = _same_area(points.values[outside], regions) if snap_at_sea_only and len(outside) else None
    if snap_meters > 0 and len(outside):
        near_point, near_region = _snap(points.values[outside], regions, snap_meters, keep=keep)
        codes[outside[near_point]] = near_region
        snapped[outside[near_point]] = True

    region_ids = pd.Index(regions["region_id"].to_numpy())
    levels = pd.Index(pd.unique(regions["level"].to_numpy()))
    level_codes = levels.get_indexer(regions["level"].to_numpy())
    out = accounts.copy(deep=False)
    out["region_id"] = pd.Categorical.from_codes(codes, categories=region_ids)
    out["region_level"] = pd.Categorical.from_codes(np.where(codes >= 0, level_codes[codes], -1), categories=levels)
    out["snapped"] = snapped
    missing = out["region_id"].isna()
    keep = [c for c in ("account_id", "name", "row", "lat", "lon") if c in out.columns]
    result = JoinResult(accounts=out, outside=out.loc[missing, keep].reset_index(drop=True))
    if snapped.any():
        result.notes.append(_snapped_note(out.loc[snapped], snap_meters))
    if missing.any():
        result.notes.append(_outside_note(out.loc[missing]))
    # Points outside every region, or in Antarctica (New York with its two columns swapped lies there), may be
    # swapped: the check fires when most of the file's points are such and fall inside a region once exchanged.
    antarctica = (out["region_id"].astype(object) == "AQ").to_numpy()
    suspect = missing.to_numpy() | antarctica
    if check_swapped and suspect.any():
        if looks_swapped(accounts.loc[suspect], regions, total=len(accounts)):
            result.swapped = True
            result.notes.append(SWAPPED_NOTE)
    if antarctica.any() and not result.swapped:  # a few rows with their two coordinates exchanged
        result.notes.append(_antarctica_note(out.loc[antarctica]))
        result.problems = _swapped_rows(out.loc[antarctica], column_map or {})
    return result


#: Said when most points fall inside a region only with latitude and longitude exchanged; each face adds how to
#: read the file the other way (the switch, or ``--swap-lat-lon``, on or off as it was).
SWAPPED_NOTE = "latitude and longitude look swapped: with the two columns exchanged, most accounts fall inside a region"


def _snapped_note(rows: pd.DataFrame, snap_meters: float = SNAP_METERS) -> str:
    """The note for ``rows`` just off the coast, placed in the nearest region, their lines named."""
    lines = rows["row"].dropna().astype(int).tolist() if "row" in rows else []
    return (
        f"{counted(len(rows), 'account')} just off the coast {verb(len(rows), 'was', 'were')} placed in the nearest "
        f"region (within {snap_meters / 1000:g} km)" + (f" ({numbered('line', lines)})" if lines else "")
    )


def _outside_note(rows: pd.DataFrame) -> str:
    """The note for ``rows`` outside every region, their lines named (the count alone said nothing of which).

    Placed by their coordinates, the coordinates are to check; placed by their address, the address.
    """
    lines = rows["row"].dropna().astype(int).tolist() if "row" in rows else []
    by_address = "geocode_source" in rows and rows["geocode_source"].astype(object).ne("coordinates").any()
    what = "address" if by_address and len(rows) == 1 else "coordinates or addresses" if by_address else (
        "coordinates")  # fmt: skip
    return (f"{counted(len(rows), 'account')} {_lie(len(rows))} outside every region"
            + (f" ({numbered('line', lines)})" if lines else "")
            + ": no territory can take " + (f"it; check its {what}" if len(rows) == 1
                                             else f"them; check their {what}"))  # fmt: skip


def _antarctica_note(rows: pd.DataFrame) -> str:
    """The note for ``rows`` in Antarctica: their latitude and longitude most likely swapped."""
    lines = rows["row"].dropna().astype(int).tolist() if "row" in rows else []
    one = len(rows) == 1
    return (
        f"{counted(len(rows), 'account')} {_lie(len(rows))} in Antarctica"
        + (f" ({numbered('line', lines)})" if lines else "")
        + f": {'its' if one else 'their'} latitude and longitude are most likely swapped; exchange the two values"
        + (" on that line" if one else " on those lines")
    )


#: The columns that give an account's address (:func:`geo.geocode.geocode`).
_ADDRESS_FIELDS = ("zip", "city", "state", "country", "region")


def _by_address_where_nowhere(
    result: JoinResult, accounts: pd.DataFrame, column_map: dict[str, str], regions: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Accounts whose coordinates put them in no region, or in Antarctica, placed by their address where it places them.

    Coordinates in the sea or swapped (Paris, FR at 2.35, 48.86 lies in the Indian Ocean; Toronto's, swapped, in
    Antarctica) left the account in no territory while its own address said where it is (a new user's test): such
    a row is placed by its address as a row without coordinates is (ZIP, city, state, country), with a warning
    naming its line and its coordinates. Returns ``accounts`` with those rows' ``lat``, ``lon``,
    ``geocode_source`` and ``geocode_region`` as the address gives them (``result`` is changed in place).
    """
    fields = [c for c in _ADDRESS_FIELDS if c in accounts.columns]
    # (a file that looks swapped as a whole is read again the other way: its rows are not placed one by one, each
    # with a warning -- 56,000 of them in a swapped file of 100,000, a review)
    if not fields or "geocode_source" not in accounts.columns or accounts.empty or result.swapped:
        return accounts
    region = result.accounts["region_id"].astype(object)
    nowhere = (region.isna() | region.eq("AQ")).to_numpy(dtype=bool)
    by_point = accounts["geocode_source"].astype(object).eq("coordinates").to_numpy(dtype=bool)
    given = (accounts[fields].astype("string").fillna("").apply(lambda c: c.str.strip()).ne("")).any(axis=1)
    chosen = np.flatnonzero(nowhere & by_point & given.to_numpy(dtype=bool))
    if not len(chosen):
        return accounts
    from geo.geocode import geocode

    placed = geocode(accounts.iloc[chosen].assign(lat=np.nan, lon=np.nan))
    ok = (placed["geocode_problem"].eq("") & placed["lat"].notna() & placed["lon"].notna()).to_numpy(dtype=bool)
    chosen, placed = chosen[ok], placed.loc[ok]
    if not len(chosen):
        return accounts
    # The region: the one the address names (a state or country placed as a whole), else the one its point is in.
    code = placed["geocode_region"].astype(object).fillna("").to_numpy(dtype=object)
    joined = join_accounts(placed[["lat", "lon"]].reset_index(drop=True), regions, check_swapped=False)
    found = np.where(code != "", code, joined.accounts["region_id"].astype(object).to_numpy(dtype=object))
    # (an address in Antarctica -- McMurdo Station -- is where the coordinates were: it stays, a review)
    keep = np.array([isinstance(r, str) and r not in ("", "AQ") for r in found])
    chosen, placed, found = chosen[keep], placed.loc[keep], found[keep]
    if not len(chosen):
        return accounts
    before = result.accounts
    was_outside = before.loc[before["region_id"].isna()].copy()
    was_antarctica = before.loc[before["region_id"].astype(object).eq("AQ")].copy()
    moved = before.iloc[chosen].copy()  # (as they were: their coordinates are said)
    was_snapped = before.loc[before["snapped"].to_numpy(dtype=bool)].copy() if "snapped" in before else before.iloc[:0]
    levels = region_table().set_index("region_id")["level"]
    if "level" in regions.columns:
        levels = pd.concat([regions.drop_duplicates("region_id").set_index("region_id")["level"], levels])
        levels = levels[~levels.index.duplicated()]
    _place(result, chosen, found.tolist(), levels)
    out = result.accounts
    for column in ("lat", "lon"):
        values = out[column].to_numpy(dtype=float).copy()
        values[chosen] = placed[column].to_numpy(dtype=float)
        out[column] = values
    accounts = accounts.copy()
    for column in ("lat", "lon", "geocode_source", "geocode_region"):
        values = accounts[column].to_numpy(dtype=float if column in ("lat", "lon") else object).copy()
        values[chosen] = placed[column].to_numpy(dtype=values.dtype)
        accounts[column] = values
        if column.startswith("geocode_") and column in out:  # (what the pages count as placed by address)
            out[column] = values
    # What is said: each row moved, and the notes of those still outside or in Antarctica, counted again.
    columns = f"{column_map.get('lat', 'lat')}, {column_map.get('lon', 'lon')}"
    lines = set(moved["row"].dropna().astype(int)) if "row" in moved else set()
    problems = pd.DataFrame({
        "row": moved["row"].astype(int).to_numpy() if "row" in moved else pd.NA,
        "account_id": moved["account_id"].to_numpy() if "account_id" in moved else None,
        "column": columns,
        "value": [f"{lat!r}, {lon!r}" for lat, lon in zip(moved["lat"].astype(float), moved["lon"].astype(float), strict=True)],
        "problem": [
            ("in Antarctica: latitude and longitude are most likely swapped" if was == "AQ"
             else "its coordinates lie outside every region (in the sea, or off the map)")
            + f"; placed by its {_METHOD.get(how, how)} instead (in {region_label(r)}): check its coordinates"
            for was, how, r in zip(region.iloc[chosen], placed["geocode_source"], found, strict=True)
        ],
        "severity": "warning",
    }, columns=PROBLEM_COLUMNS)  # fmt: skip
    if len(result.problems) and "row" in moved:  # (Antarctica's "stays in Antarctica until then": no longer so)
        result.problems = result.problems[~result.problems["row"].isin(lines)]
    result.problems = (pd.concat([result.problems, problems], ignore_index=True) if len(result.problems)
                       else problems)  # fmt: skip
    stale = {_outside_note(was_outside), _antarctica_note(was_antarctica), _snapped_note(was_snapped)}
    notes = [n for n in result.notes if n not in stale]
    still_snapped = out.loc[out["snapped"].to_numpy(dtype=bool)] if "snapped" in out else out.iloc[:0]
    if len(still_snapped):  # (one snapped into Antarctica and then placed by its address is no longer "off the coast")
        notes.insert(0, _snapped_note(still_snapped))
    still_outside, still_antarctica = (
        out.loc[out["region_id"].isna()],
        out.loc[out["region_id"].astype(object).eq("AQ")],
    )
    if len(still_outside):
        notes.append(_outside_note(still_outside))
    if len(still_antarctica) and len(was_antarctica) and not result.swapped:
        notes.append(_antarctica_note(still_antarctica))
    moved_lines = sorted(lines)
    notes.append(
        f"{counted(len(chosen), 'account')} whose coordinates lie in no region, or in Antarctica, "
        f"{verb(len(chosen), 'was', 'were')} placed by {'its address' if len(chosen) == 1 else 'their addresses'}"
        + (f" ({numbered('line', moved_lines)})" if moved_lines else "")
        + ": check "
        + ("its coordinates" if len(chosen) == 1 else "their coordinates")
    )
    result.notes = notes
    keep_columns = [c for c in ("account_id", "name", "row", "lat", "lon") if c in out.columns]
    result.outside = out.loc[out["region_id"].isna(), keep_columns].reset_index(drop=True)
    return accounts


#: How an address placed an account, as said (:func:`geo.geocode.geocode`'s ``geocode_source``).
_METHOD = {"zip": "ZIP", "city": "city", "state": "state", "country": "country", "region": "region code"}


def _check_stated_places(
    result: JoinResult, accounts: pd.DataFrame, column_map: dict[str, str], regions: gpd.GeoDataFrame
) -> None:
    """Rows placed by their coordinates in another state or country than their own columns give: a warning each.

    (In the demo, El Paso and Laredo, TX lay in Mexico and were left in no territory, and Perth Amboy, NJ lay in
    Staten Island, NY, all unsaid: the fourteenth new user.) A point within :data:`ADDRESS_METERS` of the place
    its address gives is placed there (the nearest of its regions), with a note: at that distance the bundled
    borders cannot tell. Any other stays where its coordinates put it; the warning names both places, and a note
    counts them.
    """
    stated = [c for c in ("state", "country") if c in accounts.columns]
    if not stated:
        return
    source = accounts["geocode_source"].astype(object)
    # (and by ZIP: "10001" with state CA went to Manhattan unsaid, a review; said, never moved: a ZIP is no point
    # near a border)
    by_point, by_zip = source.eq("coordinates").to_numpy(dtype=bool), source.eq("zip").to_numpy(dtype=bool)
    region = result.accounts["region_id"].astype(object)
    rows = np.flatnonzero((by_point | by_zip) & region.notna().to_numpy(dtype=bool))
    if not len(rows):
        return
    from geo.geocode import country_code, state_code

    table = region_table().set_index("region_id")
    found = region.iloc[rows]
    in_county = found.map(table["level"]).eq("county")  # (a county's state; a state, province or country itself)
    found_state = found.map(table["parent_id"]).where(in_county, found).astype(object)
    found_country = found.astype(str).str.split("-").str[0]
    given = accounts.iloc[rows]
    country = given["country"] if "country" in given else pd.Series("", index=given.index)
    state = given["state"] if "state" in given else pd.Series("", index=given.index)
    pairs = pd.DataFrame({"state": state.astype("string").fillna(""), "country": country.astype("string").fillna("")})
    unique = pairs.drop_duplicates()
    codes = country_code(unique["country"])
    unique = unique.assign(country_code=codes.to_numpy(), state_code=state_code(unique["state"], codes).to_numpy())
    coded = pairs.merge(unique, on=["state", "country"], how="left").set_axis(pairs.index)
    # (a state checked where a country is given, or the point is in the US or Canada: Western Australia's WA, with
    # no country column, is not Washington)
    stated_state = coded["state_code"].ne("") & coded["state_code"].ne(found_state.to_numpy())
    wrong_state = stated_state & (coded["country_code"].ne("") | found_country.isin(["US", "CA"]).to_numpy())
    # (Puerto Rico, Guam, the Virgin Islands: a country of their own in a CRM, a state of the US here)
    as_state = ("US-" + coded["country_code"]).eq(found_state.to_numpy())
    wrong_country = (coded["country_code"].ne("") & coded["country_code"].ne(found_country.to_numpy())
                     & ~as_state)  # fmt: skip
    off = (wrong_state | wrong_country).to_numpy(dtype=bool).copy()
    # (near its state, a point is placed there whatever the country column: a Texas address 1.5 km into Mexico with
    # no country column was left there, unsaid: a reviewer's case. Only the warning needs the guard above.)
    zipped = by_zip[rows]
    candidates = np.flatnonzero((off | stated_state.to_numpy(dtype=bool)) & ~zipped)
    if not len(candidates) and not (off & zipped).any():
        return
    said_id = coded["state_code"].where(stated_state, coded["country_code"]).to_numpy(dtype=object)
    near = _near_stated(given.iloc[candidates], said_id[candidates], regions) if len(candidates) else {}
    if near:
        moved = candidates[list(near)]
        levels = (regions.drop_duplicates("region_id").set_index("region_id")["level"] if "level" in regions.columns
                  else table["level"])  # fmt: skip
        _place(result, rows[moved], list(near.values()), levels)
        off[moved] = False
        lines = [int(r) for r in given["row"].iloc[moved]] if "row" in given else []
        one = len(moved) == 1
        result.notes.append(
            f"{counted(len(moved), 'account')} placed in the state or country "
            f"{'its address gives: its coordinates lie' if one else 'their addresses give: each lies'} within "
            f"{ADDRESS_METERS / 1000:g} km of it, closer than the map draws borders"
            + (f" ({numbered('line', lines)})" if lines else "")
        )  # fmt: skip
    if not off.any():
        return
    columns = f"{column_map.get('lat', 'lat')}, {column_map.get('lon', 'lon')}"
    problems = []
    for i in np.flatnonzero(off):
        row = given.iloc[i]
        there, own = found.iloc[i], found_state.iloc[i]
        said = coded["state_code"].iloc[i] if wrong_state.iloc[i] else coded["country_code"].iloc[i]
        what = "state" if wrong_state.iloc[i] else "country"
        where = region_label(own) + (f" ({region_label(there)})" if there != own else "")
        if zipped[i]:
            column, value = column_map.get("zip", "zip"), str(row["zip"])
            problem = (f"its ZIP code lies in {where}, but its {what} is {region_label(said)}: it is placed by the "
                       f"ZIP code; check which of the two is right")  # fmt: skip
        else:
            column, value = columns, f"{float(row['lat'])!r}, {float(row['lon'])!r}"  # (as read: -106.4985)
            problem = (f"its coordinates lie in {where}, but its {what} is {region_label(said)}: it is placed by its "
                       "coordinates; check them (or clear them to place it by its address)")  # fmt: skip
        problems.append({"row": int(row["row"]) if "row" in row else pd.NA, "account_id": row.get("account_id"),
                         "column": column, "value": value, "problem": problem, "severity": "warning"})  # fmt: skip
    table = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    result.problems = pd.concat([result.problems, table], ignore_index=True) if len(result.problems) else table
    for zip_codes in (False, True):
        these = zipped[off] == zip_codes
        lines = [int(r) for r in table.loc[these, "row"].dropna()]
        one = these.sum() == 1
        if these.any():
            result.notes.append(
                (f"{counted(int(these.sum()), 'account')} whose ZIP {'code lies' if one else 'codes lie'}" if zip_codes
                 else f"{counted(int(these.sum()), 'account')} {_lie(int(these.sum()))}")
                + f" outside the state or country {'its' if one else 'their'} address gives"
                + (f" ({numbered('line', lines)})" if lines else "")
                + (": placed by the ZIP code; check them" if zip_codes else ": placed by their coordinates; check them")
            )  # fmt: skip


def _near_stated(rows: pd.DataFrame, said: np.ndarray, regions: gpd.GeoDataFrame) -> dict[int, str]:
    """``{position in rows: region id}`` for the rows within :data:`ADDRESS_METERS` of the place they state.

    ``said`` holds each row's stated state or province (``US-TX``, ``CA-QC``) or country (``MX``, ``US``); its
    regions in the join layer are the place itself, its counties, or a country's states' counties.
    """
    region_id = regions["region_id"].astype(str).to_numpy()
    parent = (regions["parent_id"].astype(object).fillna("").astype(str).to_numpy() if "parent_id" in regions
              else region_id)  # fmt: skip
    country = np.array([r.split("-")[0] for r in region_id], dtype=object)
    said = np.asarray(said, dtype=object)
    points = gpd.points_from_xy(rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float))
    # One query of the layer's own spatial index for every row, then only the pairs whose region is in the place the
    # row states (the place itself, one of its counties, or a country's): a subset's index built per place took
    # most of the time with many places.
    near_point, near_region = _snap(
        points, regions, ADDRESS_METERS,
        keep=lambda p, r: (said[p] != "") & ((region_id[r] == said[p]) | (parent[r] == said[p]) | (country[r] == said[p])),
    )  # fmt: skip
    return dict(sorted((int(p), str(region_id[r])) for p, r in zip(near_point, near_region, strict=True)))


def _place(result: JoinResult, positions: np.ndarray, region_ids: list[str], levels: pd.Series) -> None:
    """Put the accounts at ``positions`` (of ``result.accounts``) in ``region_ids`` (``levels``: region → level)."""
    out = result.accounts
    region_id = out["region_id"].astype(object).to_numpy().copy()
    level = out["region_level"].astype(object).to_numpy().copy()
    region_id[positions] = region_ids
    level[positions] = pd.Series(region_ids, dtype=object).map(levels).to_numpy(dtype=object)
    out["region_id"] = pd.Series(region_id, index=out.index, dtype=object)
    out["region_level"] = pd.Series(level, index=out.index, dtype=object)
    out.iloc[positions, out.columns.get_loc("snapped")] = False


def _swapped_rows(rows: pd.DataFrame, column_map: dict[str, str]) -> pd.DataFrame:
    """A problem per row in Antarctica: its two coordinates, and that they are most likely swapped."""
    columns = f"{column_map.get('lat', 'lat')}, {column_map.get('lon', 'lon')}"
    return pd.DataFrame(
        {
            "row": rows["row"].astype(int) if "row" in rows else pd.NA,
            "account_id": rows["account_id"] if "account_id" in rows else None,
            "column": columns,
            "value": [f"{lat:g}, {lon:g}" for lat, lon in zip(rows["lat"], rows["lon"], strict=True)],
            "problem": "in Antarctica: latitude and longitude are most likely swapped; exchange the two values on "
            "this line (the account stays in Antarctica until then)",
            "severity": "warning",
        },
        columns=PROBLEM_COLUMNS,
    ).reset_index(drop=True)


def _lie(count) -> str:
    return "lies" if count == 1 else "lie"


@lru_cache(maxsize=1)
def _to_equal_area() -> Transformer:
    return Transformer.from_crs(WGS84, EQUAL_AREA_CRS, always_xy=True)


def _same_area(points: np.ndarray, regions: gpd.GeoDataFrame):
    """For :func:`_snap`'s ``keep``: a point may go to a region overlapping its own state, province or country.

    Each point's area is the bundled region it lies in (a county's state); a point in none (at sea) may go anywhere
    within reach. A region counts as overlapping when at least 1% of it lies in the area (borders drawn apart by
    a file and by the bundled boundaries overlap by slivers).
    """
    land = shared_join_layer()
    hit_point, hit_region = land.sindex.query(points, predicate="intersects")
    first = np.unique(hit_point, return_index=True)[1]
    parent = region_table().set_index("region_id")["parent_id"]
    area = {}
    for p, r in zip(hit_point[first].tolist(), hit_region[first].tolist(), strict=True):
        row = land.iloc[r]
        area[p] = str(parent.get(row["region_id"])) if row["level"] == "county" else str(row["region_id"])
    polygons = regions.geometry.values
    overlaps: dict[tuple[str, int], bool] = {}

    def keep(point_pos: np.ndarray, region_pos: np.ndarray) -> np.ndarray:
        out = np.ones(len(point_pos), dtype=bool)
        for i, (p, r) in enumerate(zip(point_pos.tolist(), region_pos.tolist(), strict=True)):
            if p not in area:
                continue
            key = (area[p], r)
            if key not in overlaps:
                shape = _area_shape(area[p])
                inside = shape.intersection(polygons[r]).area if shape is not None else 0.0
                overlaps[key] = inside >= 0.01 * max(polygons[r].area, 1e-12)
            out[i] = overlaps[key]
        return out

    return keep


@lru_cache(maxsize=256)
def _area_shape(area_id: str):
    """A state's, province's or country's shape (the bundled boundaries), or None."""
    from geo.boundaries import load_regions

    for level in ("state", "province", "country"):
        layer = load_regions(level)
        found = layer.loc[layer["region_id"] == area_id, "geometry"]
        if len(found):
            return found.iloc[0]
    return None


def _snap(
    points: np.ndarray, regions: gpd.GeoDataFrame, snap_meters: float, keep=None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest region within ``snap_meters`` of each point, without reprojecting any polygon.

    Candidates come from the spatial index with a generous distance in degrees; the nearest candidate (in
    degrees, which ranks correctly at these distances) is then checked in metres: the point and its nearest
    point on the region are projected to an equal-area CRS. ``keep(point positions, region positions)``, when
    given, says which candidate pairs may be chosen (a boolean array).

    Returns
    -------
    (ndarray, ndarray)
        Positions in ``points`` that were snapped and the positions of their regions in ``regions``.
    """
    lat = np.abs(shapely.get_y(points))
    degrees = snap_meters / (111_320.0 * np.cos(np.radians(np.minimum(np.nanmax(lat), 80.0))))
    point_pos, region_pos = regions.sindex.query(points, predicate="dwithin", distance=degrees)
    if keep is not None and len(point_pos):
        chosen = np.asarray(keep(point_pos, region_pos), dtype=bool)
        point_pos, region_pos = point_pos[chosen], region_pos[chosen]
    if len(point_pos) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    polygons = regions.geometry.values
    pairs = pd.DataFrame(
        {"point": point_pos, "region": region_pos, "deg": shapely.distance(points[point_pos], polygons[region_pos])}
    )
    nearest = pairs.sort_values(["point", "deg", "region"]).drop_duplicates("point")
    lines = shapely.shortest_line(points[nearest["point"]], polygons[nearest["region"]])
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)  # (line, end, xy)
    x, y = _to_equal_area().transform(coords[..., 0], coords[..., 1])
    keep = np.hypot(x[:, 0] - x[:, 1], y[:, 0] - y[:, 1]) <= snap_meters
    return nearest["point"].to_numpy()[keep], nearest["region"].to_numpy()[keep]


def looks_swapped(
    accounts: pd.DataFrame, regions: gpd.GeoDataFrame, *, total: int | None = None, sample: int = 2000
) -> bool:
    """Whether the points outside every region would fall inside one with latitude and longitude swapped.

    Parameters
    ----------
    accounts : DataFrame
        The accounts outside every region (``lat``, ``lon``).
    regions : GeoDataFrame
        The regions they were joined against.
    total : int, optional
        How many accounts were joined; the check only fires when at least half of them are outside.
    sample : int
        At most this many points are tested.

    Returns
    -------
    bool
        True when at least 80% of the tested points fall inside a region once swapped.
    """
    valid = accounts[accounts["lat"].between(-180, 180) & accounts["lon"].between(-90, 90)]
    total = total if total is not None else len(accounts)
    if len(valid) == 0 or len(accounts) < 0.5 * total:
        return False
    tested = valid.iloc[np.linspace(0, len(valid) - 1, min(sample, len(valid))).astype(int)]
    swapped = gpd.GeoDataFrame(geometry=gpd.points_from_xy(tested["lat"], tested["lon"]), crs=WGS84)
    inside = gpd.sjoin(swapped, regions[["geometry"]], how="inner", predicate="intersects").index.unique()
    return len(inside) >= 0.8 * len(tested)


def locate_accounts(
    accounts: pd.DataFrame, regions: gpd.GeoDataFrame | None = None, *, column_map: dict[str, str] | None = None
) -> JoinResult:
    """The region of every placed account: the region it was placed in by code, else the spatial join.

    An account placed at a region's representative point — by a region code (the seed's ``region: "US-NY"``), or
    by its state or country alone when its ZIP or city was not found — belongs to that region, not to whichever
    county the point falls in: a territory of that county must not get it. Every other account is joined with
    :func:`join_accounts`.

    Parameters
    ----------
    accounts : DataFrame
        From :func:`geo.accounts.read_accounts` (``lat``, ``lon``, ``geocode_source``, and ``geocode_region`` or,
        for rows placed by region code, ``region``).
    regions : GeoDataFrame, optional
        As for :func:`join_accounts`.
    column_map : dict, optional
        As for :func:`join_accounts` (the load's ``column_map``).
    """
    result = join_accounts(accounts, regions, column_map=column_map)
    if "geocode_source" not in accounts.columns:
        return result
    layer = shared_join_layer() if regions is None else regions
    accounts = _by_address_where_nowhere(result, accounts, column_map or {}, layer)
    _check_stated_places(result, accounts, column_map or {}, layer)
    source = accounts["geocode_source"].astype(object)
    codes = pd.Series("", index=accounts.index, dtype=object)
    if "region" in accounts.columns:
        codes[source == "region"] = accounts.loc[source == "region", "region"].map(normalize_region_id)
    if "geocode_region" in accounts.columns:
        given = accounts["geocode_region"].astype(object).fillna("")
        codes = codes.where(given == "", given)
    by_code = (source.isin(["region", "state", "country"]) & codes.ne("") & codes.notna()).to_numpy(dtype=bool)
    if not by_code.any():
        return result
    _place(result, np.flatnonzero(by_code), codes.to_numpy(dtype=object)[by_code].tolist(),
           region_table().set_index("region_id")["level"])  # fmt: skip
    out = result.accounts
    missing = out["region_id"].isna()
    keep = [c for c in ("account_id", "name", "row", "lat", "lon") if c in out.columns]
    result.outside = out.loc[missing, keep].reset_index(drop=True)
    return result
