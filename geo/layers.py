"""Folium layers for the coverage map: background, territories, accounts, legend.

Every user-supplied string that reaches HTML (names in tooltips, legend, popups) passes through :func:`escape`
here, in Python, before folium or Leaflet sees it: HTML-escaped, and its braces too (folium compiles each element's
script as a Jinja template once more, where ``{{ … }}`` in an account's name ran on the server and ``{#`` broke
every map page, a review).
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.assets import use_local_assets
from geo.boundaries import load_regions
from territory.formatting import counted, money

__all__ = [
    "NO_TERRITORY_COLOR",
    "LegendEntry",
    "legend_html",
    "territory_legend_html",
    "to_geojson",
    "background_geojson",
    "geojson_text",
    "FastGeoJson",
    "build_coverage_map",
    "build_base_map",
    "coverage_groups",
    "paints_over",
    "stacked_fill",
    "RegionPaint",
    "account_points",
    "aggregate_points",
    "main_cluster",
]

NO_TERRITORY_COLOR = "#9e9e9e"
OFFLINE_BACKGROUND = "#dfe9f2"  # sea
LAND_COLOR = "#f4f1ea"


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: swatch color, territory name, its reps and a load figure (already plain text)."""

    color: str
    name: str
    detail: str = ""
    hover: str = ""
    """The whole entry, shown on hover (default: the name and the detail)."""
    outline: bool = False
    """A dashed circle in the color for a swatch, as the map draws a distance (default: a filled square)."""
    dashed: bool = False
    """A pale square with a dashed edge in the color, as the map draws a coverage gap (a solid red square stood for
    pale pink regions with dashed red edges, a review)."""
    scale: tuple[str, ...] = ()
    """Colors of a scale, low to high: the swatch is their gradient, a choropleth's key (a solid orange swatch for
    white space matched US South's color, a review)."""


def main_cluster(lon: np.ndarray, *, gap: float = 25.0) -> np.ndarray:
    """Which points belong to the group, between gaps of ``gap`` degrees of longitude, holding the most of them.

    An ocean between continents is such a gap: the Edit page opens on the continent with most accounts.

    Examples
    --------
    >>> main_cluster(np.array([-100.0, -90.0, -80.0, 5.0, 10.0, np.nan])).tolist()
    [True, True, True, False, False, False]
    """
    lon = np.asarray(lon, dtype=float)
    known = ~np.isnan(lon)
    if not known.any():
        return known
    order = np.sort(lon[known])
    cuts = order[1:][np.diff(order) > gap]  # (each cluster starts at a cut)
    cluster = np.searchsorted(cuts, lon, side="right")
    sizes = np.bincount(cluster[known], minlength=len(cuts) + 1)
    return known & (cluster == int(np.argmax(sizes)))


def account_view(lon, lat, *, main: bool = False, every: bool = False) -> tuple[float, float, float, float] | None:
    """The view that shows these accounts: ``(min_lon, min_lat, max_lon, max_lat)`` of the central 98% of them.

    ``main``: only the continent holding most of them (:func:`main_cluster`); ``every``: all of them, the farthest
    too. None when no account has a place.

    Examples
    --------
    >>> account_view([-100.0, -80.0, 10.0], [30.0, 40.0, 50.0], main=True)
    (-99.8, 30.1, -80.2, 39.9)
    >>> account_view([-100.0, -80.0, 10.0], [30.0, 40.0, 50.0], every=True)
    (-100.0, 30.0, 10.0, 50.0)
    >>> account_view([], []) is None
    True
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    keep = main_cluster(lon) if main else ~np.isnan(lon)
    keep &= ~np.isnan(lat)
    if not keep.any():
        return None
    lon, lat = lon[keep], lat[keep]
    low, high = (0.0, 1.0) if every else (0.01, 0.99)
    bounds = (np.quantile(lon, low), np.quantile(lat, low), np.quantile(lon, high), np.quantile(lat, high))
    return tuple(round(float(b), 4) for b in bounds)


def shapes_view(geometries, *, gap: float = 25.0, gap_lat: float = 45.0) -> tuple[float, float, float, float] | None:
    """The view that shows these shapes (lon/lat): ``(min_lon, min_lat, max_lon, max_lat)``, None for none.

    Where the shapes' parts fall into groups with over ``gap`` degrees of longitude between them, the group with the
    most area: France's overseas departments (Guiana, Réunion) spread a view of Europe West over three oceans; and of
    that group's parts, those in the largest group with over ``gap_lat`` degrees of latitude between groups and in any
    other such group of at least 2% of its area (Réunion lies within Russia's longitudes; Japan and Australia, 40°
    apart, stay in one view, and Chile with Canada). Parts
    across the antimeridian are drawn at the map's other edge (the Aleutians' west end, at +172°, beside no other
    part of Alaska on the map): a group of their own, left out beside the larger one.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> shapes_view([box(-125, 30, -100, 49), box(-170, 52, -140, 71), box(-160, 19, -155, 22)])
    (-170.0, 19.0, -100.0, 71.0)
    >>> shapes_view([box(-180, 51, -141, 71), box(172, 51, 180, 53)])  # (the Aleutians' west end)
    (-180.0, 51.0, -141.0, 71.0)
    >>> shapes_view([box(-5, 42, 8, 51), box(-54, 2, -51, 6), box(55, -21, 56, -20)])  # (France and two overseas)
    (-5.0, 42.0, 8.0, 51.0)
    >>> shapes_view([box(27, 41, 180, 82), box(-5, 42, 8, 51), box(55, -21, 56, -20)])  # (with Russia: no Réunion)
    (-5.0, 41.0, 180.0, 82.0)
    >>> shapes_view([box(129, 30, 146, 46), box(113, -44, 154, -10)])  # (Japan and Australia)
    (113.0, -44.0, 154.0, 46.0)
    >>> shapes_view([box(-141, 42, -52, 83), box(-75, -56, -67, -17)])  # (Canada and Chile: both, a review)
    (-141.0, -56.0, -52.0, 83.0)
    >>> shapes_view([]) is None
    True
    """
    parts = [p for g in geometries if g is not None and not g.is_empty for p in getattr(g, "geoms", [g])]
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return None
    bounds = np.array([p.bounds for p in parts], dtype=float)
    area = np.array([p.area for p in parts])
    # the largest group along the longitude, then, of its parts, along the latitude (Réunion lies within Russia's
    # longitudes: a view of Europe and Russia reached 21° south, a review)
    kept = _largest_group(bounds, area, 0, gap)
    kept = kept[_largest_group(bounds[kept], area[kept], 1, gap_lat, least=0.02)]
    kept = bounds[kept]
    return (float(kept[:, 0].min()), float(kept[:, 1].min()), float(kept[:, 2].max()), float(kept[:, 3].max()))


def _largest_group(
    bounds: np.ndarray, area: np.ndarray, axis: int, gap: float, least: float | None = None
) -> np.ndarray:
    """Positions of the parts in the group with most area, along ``axis`` (0: longitude, 1: latitude).

    A new group starts where the next part (in the order of their low edges) begins over ``gap`` degrees past every
    part before it. ``least``: keep too every group with at least this share of the largest group's area (Chile with
    Canada; not Réunion with Russia).
    """
    order = np.argsort(bounds[:, axis], kind="stable")
    reach = np.maximum.accumulate(bounds[order, axis + 2])
    group = np.r_[0, np.cumsum(bounds[order[1:], axis] - reach[:-1] > gap)]
    sizes = np.bincount(group, weights=area[order])
    if least is None:
        return order[group == np.argmax(sizes)]
    return order[sizes[group] >= least * sizes.max()]


def fit_view_script(bounds: tuple[float, float, float, float], token: str, key: str) -> str:
    """JavaScript for st_folium's layers that fits the map to ``bounds`` once per ``token`` in the browser tab.

    A "zoom to" choice: the layers' text is run again after every edit, and a map drawn again later (another page
    and back) keeps where the manager left it (:class:`_KeepView`); a new ``token`` (a new choice) fits again.
    """
    west, south, east, north = (float(b) for b in bounds)
    return (
        "\n(function () {"
        f" var token = {json.dumps(str(token))}, key = {json.dumps(f'territory-map-fit:{key}')};"
        " try { if (window.sessionStorage.getItem(key) === token) { return; }"
        " window.sessionStorage.setItem(key, token); } catch (e) {}"
        f" map_div.fitBounds([[{south}, {west}], [{north}, {east}]], {{padding: [10, 10], animate: false}});"
        " })();\n"
    )


def region_highlight_script(region_id: str | None) -> str:
    """JavaScript for st_folium's layers that outlines the region ``region_id`` on the map (none: takes it off).

    The region picked or clicked on the Coverage map: its shape, found among the map's layers by its
    ``region_id``, gets a dark line over a white casing, seen over any territory's color (New Jersey among its
    neighbours was hard to find, a new user's test). The outline takes no clicks, and the previous one is taken off.

    Examples
    --------
    >>> 'var id = "US-NJ";' in region_highlight_script("US-NJ")
    True
    """
    return (
        "\n(function () {"
        " (window.territoryMapHighlight || []).forEach(function (layer) { try { layer.remove(); } catch (e) {} });"
        " window.territoryMapHighlight = [];"
        f" var id = {json.dumps(region_id).replace('<', chr(92) + 'u003c')};"
        " if (id === null) { return; }"
        " var shape = null;"
        " map_div.eachLayer(function (layer) {"
        "  var feature = layer.feature;"
        "  if (!shape && feature && feature.properties && feature.properties.region_id === id"
        "      && feature.geometry && /Polygon/.test(feature.geometry.type)) { shape = feature; }"
        " });"
        " if (!shape) { return; }"
        " window.territoryMapHighlight = ["
        "  L.geoJSON(shape, {style: {color: '#ffffff', weight: 7, opacity: 0.9, fill: false}, interactive: false}),"
        "  L.geoJSON(shape, {style: {color: '#111111', weight: 3, opacity: 1, fill: false}, interactive: false})"
        " ];"
        " window.territoryMapHighlight.forEach(function (layer) { layer.addTo(map_div); });"
        " })();\n"
    )


def escape(text) -> str:
    """User text for the map: HTML-escaped, with ``{`` and ``}`` as character references (shown as written).

    folium renders an element's script and then compiles the result as a Jinja template again: a name holding
    ``{{ … }}`` would be evaluated on the server, one holding ``{#`` or ``{%`` break the page.

    Examples
    --------
    >>> escape("R&D {{ 7*7 }} <b>")
    'R&amp;D &#123;&#123; 7*7 &#125;&#125; &lt;b&gt;'
    """
    return html.escape(str(text)).replace("{", "&#123;").replace("}", "&#125;")


def to_geojson(
    gdf: gpd.GeoDataFrame, properties: Sequence[str], *, precision: int = 4, geometry_key: str | None = None
) -> dict:
    """A GeoJSON FeatureCollection dict with only ``properties``, strings escaped, coordinates rounded.

    Parameters
    ----------
    gdf : GeoDataFrame
        In EPSG:4326.
    properties : sequence of str
        Columns to keep as feature properties. String values are HTML-escaped.
    precision : int
        Decimal places kept in coordinates (4 ≈ 11 m).
    geometry_key : str, optional
        A column whose value identifies the geometry for good, in every plan and session (a region id of the bundled
        display boundaries, an outline's key made from its regions; never a territory id): each geometry is then
        rounded and converted once per process and reused by every later map.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"name": ["<b>A</b>"]}, geometry=[Point(1.23456, 2.0)], crs="EPSG:4326")
    >>> to_geojson(gdf, ["name"], precision=2)["features"][0]
    {'type': 'Feature', 'properties': {'name': '&lt;b&gt;A&lt;/b&gt;'}, 'geometry': {'type': 'Point', 'coordinates': [1.23, 2.0]}}
    """
    columns = {}
    for column in properties:
        values = gdf[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            # (each distinct value escaped once, missing ones "": value by value, ~40 ms of a county map's rerun)
            codes, distinct = pd.factorize(values)
            escaped = np.array([*(escape(v) for v in distinct), ""], dtype=object)
            columns[column] = escaped[codes].tolist()
        else:
            columns[column] = [None if v != v else v for v in values.tolist()]
    geometries = gdf.geometry.to_numpy()
    if geometry_key is None:
        shapes = _geometry_dicts(geometries, precision)
    else:
        keys = [(k, precision) for k in gdf[geometry_key].tolist()]
        with _GEOMETRY_LOCK:  # (one cache for every session's thread)
            found = {k: _GEOMETRY_CACHE[k] for k in keys if k in _GEOMETRY_CACHE}
            missing = [i for i, k in enumerate(keys) if k not in found]
            if missing and len(_GEOMETRY_CACHE) + len(missing) > _GEOMETRY_CACHE_SIZE:
                # (the regions' shapes are a few thousand; outlines come with every set of regions a territory has
                # had: those let go, the ones this map reads kept in ``found``)
                for key in [k for k in _GEOMETRY_CACHE if str(k[0]).startswith("outline:")]:
                    del _GEOMETRY_CACHE[key]
        if missing:
            made = _geometry_dicts(geometries[missing], precision)
            with _GEOMETRY_LOCK:
                for i, shape in zip(missing, made, strict=True):
                    _GEOMETRY_CACHE[keys[i]] = found[keys[i]] = shape
        shapes = [found[k] for k in keys]
    features = [
        {"type": "Feature", "properties": {c: columns[c][i] for c in properties}, "geometry": shape}
        for i, shape in enumerate(shapes)
    ]
    return {"type": "FeatureCollection", "features": features}


_GEOMETRY_CACHE: dict[tuple, dict] = {}
_GEOMETRY_CACHE_SIZE = 20_000
_GEOMETRY_LOCK = threading.Lock()


def _geometry_dicts(geometries: np.ndarray, precision: int) -> list:
    rounded = shapely.set_precision(geometries, 10**-precision)
    texts = shapely.to_geojson(rounded)
    return [json.loads(t) if t is not None else None for t in texts]


_BACKGROUND_CACHE: dict[str, dict] = {}


def geojson_text(data: dict) -> str:
    """Compact JSON text of a GeoJSON dict, safe inside a ``<script>`` element."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def background_geojson() -> dict:
    """World countries (display detail) as the land under everything, for maps with no base tiles."""
    if "land" not in _BACKGROUND_CACHE:
        countries = load_regions("country", display=True)
        # Land under everything, never clicked: coarser than the display level, shared borders kept.
        countries["geometry"] = shapely.coverage_simplify(countries.geometry.values, 0.2)
        _BACKGROUND_CACHE["land"] = to_geojson(countries, [], precision=3)
    return _BACKGROUND_CACHE["land"]


def account_points(
    accounts: pd.DataFrame,
    colors: pd.Series,
    *,
    tooltip_columns: Sequence[tuple[str, str]] = (),
    money_columns: Sequence[str] = ("value",),
) -> list[list]:
    """Rows ``[lat, lon, color, tooltip_html]`` for the clustered accounts layer.

    Parameters
    ----------
    accounts : DataFrame
        ``lat``, ``lon`` and the columns named in ``tooltip_columns``.
    colors : Series
        Fill color per account (same index).
    tooltip_columns : sequence of (column, label)
        Shown in the tooltip; values are HTML-escaped.
    money_columns : sequence of str, default ("value",)
        Columns holding dollars, shown as whole dollars (``$12,346``); other numbers as ``12,346``.
    """
    lat = accounts["lat"].round(5).to_numpy()
    lon = accounts["lon"].round(5).to_numpy()
    tooltips = pd.Series("", index=accounts.index, dtype=object)
    for i, (column, label) in enumerate(tooltip_columns):
        values = accounts[column]
        if column in money_columns and pd.api.types.is_numeric_dtype(values):
            text = values.map(lambda v: money(v) if pd.notna(v) else "")
        elif pd.api.types.is_float_dtype(values):
            text = values.map(lambda v: f"{v:,.0f}" if pd.notna(v) else "")
        else:
            text = values.astype(object).where(values.notna(), "").astype(str).map(escape)
        tooltips = tooltips + ("<br>" if i else "") + f"<b>{escape(label)}</b> " + text.astype(object)
    return [
        [float(a), float(b), str(c), t]
        for a, b, c, t in zip(lat, lon, colors.to_numpy(), tooltips.to_numpy(), strict=True)
    ]


def aggregate_points(accounts: pd.DataFrame, colors: pd.Series) -> list[list]:
    """One point per region instead of one per account (for very large account sets).

    Each row is ``[lat, lon, color, tooltip_html, count]``: the mean position of the region's accounts, the
    color most of them carry, and how many there are (drawn as the circle's size). Accounts in no region are put
    together by the degree of latitude and longitude they lie in (together, their mean position lay anywhere: 8
    accounts off the coasts of Alaska, Florida and Maine drew one circle in Illinois).

    Examples
    --------
    >>> accounts = pd.DataFrame({"region_id": ["A", None, None], "lat": [1.0, 40.2, 60.5],
    ...                          "lon": [2.0, -70.1, -150.3], "value": [5.0, 1.0, 2.0]})
    >>> for lat, lon, color, tooltip, count in aggregate_points(accounts, pd.Series(["#111111"] * 3)):
    ...     print(lat, lon, count, tooltip.split("<br>")[0])
    40.2 -70.1 1 <b>In no region</b>
    60.5 -150.3 1 <b>In no region</b>
    1.0 2.0 1 <b>A</b>
    """
    placed = accounts["lat"].notna().to_numpy() & accounts["lon"].notna().to_numpy()  # (only those can be drawn)
    accounts, colors = accounts[placed], colors[placed]
    lat = accounts["lat"].to_numpy(dtype=float)
    lon = accounts["lon"].to_numpy(dtype=float)
    region = accounts["region_id"].astype(object)
    cell = (
        pd.Series(np.floor(lat).astype(int).astype(str), index=region.index)
        + ","
        + np.floor(lon).astype(int).astype(str)
    )
    frame = pd.DataFrame(
        {
            "region_id": region.where(region.notna(), OUTSIDE_CELL + cell).to_numpy(),
            "lat": lat,
            "lon": lon,
            "value": accounts["value"].to_numpy(dtype=float),
            "color": colors.to_numpy(dtype=object),
        }
    )
    stats = frame.groupby("region_id").agg(
        lat=("lat", "mean"), lon=("lon", "mean"), n=("value", "size"), value=("value", "sum")
    )
    # the color most of a region's accounts carry (a tie: the one met first), at once for every region (a function
    # per region took 0.8 s of every edit at 50,000 accounts)
    pairs = frame.groupby(["region_id", "color"], sort=False).size().rename("n").reset_index()
    pairs = pairs.sort_values("n", ascending=False, kind="stable").drop_duplicates("region_id")
    color = pairs.set_index("region_id")["color"].reindex(stats.index)
    return [
        [round(float(lat), 4), round(float(lon), 4), str(c),
         f"<b>{escape(_region_said(region))}</b><br>{counted(int(n), 'account')} · {money(value)}", int(n)]
        for region, lat, lon, c, n, value in zip(
            stats.index, stats["lat"], stats["lon"], color, stats["n"], stats["value"], strict=True
        )
    ]  # fmt: skip


OUTSIDE_CELL = "\x00outside:"  # (a key no region id has)


def _region_said(key: str) -> str:
    return "In no region" if str(key).startswith(OUTSIDE_CELL) else str(key)


# A region's circle, sized by its accounts, says how many where there is room for the figure (from 22 accounts: a
# circle of 16 px or more; above 20,000 accounts a region's lone circle said nothing but in its tooltip, a new
# user's test). An icon, not a drawn circle, to hold the text; the territory's color at the drawn circle's 0.75.
_AGGREGATE_CALLBACK = """
function (row) {
    var n = row[4], radius = Math.min(4 + Math.sqrt(n) * 0.8, 28), size = Math.round(2 * radius);
    var text = n >= 10000 ? Math.round(n / 1000) + 'k' : (n >= 1000 ? (n / 1000).toFixed(1) + 'k' : String(n));
    var marker = L.marker(new L.LatLng(row[0], row[1]), {
        accounts: n, keyboard: false,
        icon: L.divIcon({
            className: 'region-accounts' + (size >= 16 ? ' region-accounts-counted' : ''),
            iconSize: new L.Point(size, size),
            html: '<div style="background-color:' + row[2] + 'bf">' + (size >= 16 ? '<span>' + text + '</span>' : '')
                + '</div>'
        })
    });
    marker.bindTooltip(row[3]);
    return marker;
}
"""
_AGGREGATE_STYLE = """<style>
.region-accounts > div { width: 100%; height: 100%; box-sizing: border-box; border-radius: 50%;
  border: 0.6px solid #333333; display: flex; align-items: center; justify-content: center; }
.region-accounts span { font: 600 10px/1 sans-serif; color: #ffffff; text-shadow: 0 0 2px #000, 0 0 2px #000; }
</style>"""
# A cluster of regions' circles says the accounts they hold, not how many circles (a review at 150,000 accounts:
# "10" over Texas was ten counties' circles holding hundreds of accounts).
_AGGREGATE_CLUSTER_ICON = """
function (cluster) {
    var n = 0;
    cluster.getAllChildMarkers().forEach(function (m) { n += m.options.accounts || 1; });
    var size = n < 100 ? 'small' : (n < 1000 ? 'medium' : 'large');
    var text = n >= 10000 ? Math.round(n / 1000) + 'k' : (n >= 1000 ? (n / 1000).toFixed(1) + 'k' : String(n));
    return L.divIcon({
        html: '<div title="' + n.toLocaleString('en-US') + ' accounts"><span>' + text + '</span></div>',
        className: 'marker-cluster marker-cluster-' + size, iconSize: new L.Point(40, 40)
    });
}
"""

_POINT_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 5, color: '#333333', weight: 0.6, fillColor: row[2], fillOpacity: 0.9
    });
    if (row[3]) { marker.bindTooltip(row[3]); }
    return marker;
}
"""


GAP_FILL = "#d7191c"
_UNASSIGNED_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 4, color: '#7f0000', weight: 1, fillColor: '#d7191c', fillOpacity: 0.95, accounts: row[4] || 1
    });
    if (row[3]) { marker.bindTooltip(row[3]); }
    return marker;
}
"""


_LABEL_STYLE = """<style>
.territory-label { font: 600 12px/18px sans-serif; color: #1b1b1b; text-align: center; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; }
.territory-label > span { display: inline-block; }
.territory-label-hidden { visibility: hidden; }
.leaflet-container:not(.labels-apart) .territory-label { visibility: hidden; }
</style>"""

# A tooltip wraps within half the map's width (the iframe's: 100vw inside it), so the side Leaflet's "auto" direction
# picks (towards the map's center) always has room for it; a long value ("Unassigned because …") takes more lines
# instead of running past the map's edge. (Leaflet's own rule, white-space: nowrap, made one long line; a width of
# max-content keeps a short tooltip on one line, as the pane it sits in has no width of its own.)
_TOOLTIP_STYLE = """<style>
.leaflet-tooltip { white-space: normal; width: max-content; max-width: min(340px, calc(50vw - 28px));
  overflow-wrap: break-word; }
.leaflet-tooltip th, .leaflet-tooltip td { vertical-align: top; }
.leaflet-tooltip.tooltip-moved-inside::before { display: none; }
.leaflet-interactive:focus { outline: none; }
</style>"""


_LEGEND_BELOW = Template(
    """<div id="{{ element_id }}" class="map-legend-below" role="group" aria-label="{{ title }}"
     style="margin:2px 0 4px; font-size:0.875rem; line-height:1.3;">
  <div class="legend-title" style="font-weight:600; margin-bottom:4px;">{{ title }}</div>
  <div class="legend-entries" style="display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr));
       gap:4px 20px;">
  {% for entry in entries %}
    <div class="legend-entry" title="{{ entry.title }}" style="display:grid; grid-template-columns:14px minmax(0, 1fr);
         column-gap:8px; align-items:start;">
      {% if entry.outline %}<span class="legend-swatch-outline" style="width:14px; height:14px; margin-top:2px;
                   box-sizing:border-box; border:2px dashed {{ entry.color }}; border-radius:50%;"></span>{% elif
      entry.dashed %}<span class="legend-swatch-dashed" style="width:14px; height:14px; margin-top:2px;
                   box-sizing:border-box; border:2px dashed {{ entry.color }}; background:{{ entry.color }}40;"></span>{%
      elif entry.scale %}<span class="legend-swatch-scale" style="width:14px; height:14px; margin-top:2px;
                   box-sizing:border-box; border:1px solid #555;
                   background:linear-gradient(135deg, {{ entry.scale | join(', ') }});"></span>{% else
      %}<span style="width:14px; height:14px; margin-top:2px; box-sizing:border-box; border:1px solid #555;
                   background:{{ entry.color }};"></span>{% endif %}
      <span style="min-width:0;"><span class="legend-name" style="overflow-wrap:anywhere;">{{ entry.name }}</span>{%
        if entry.parts %}<br><span class="legend-detail" style="color:#555; font-size:0.8rem;">{%
        for part in entry.parts %}<span style="display:inline-block; max-width:100%; overflow-wrap:anywhere;">{{
        part }}{% if not loop.last %}&nbsp;·{% endif %}</span>{% if not loop.last %} {% endif %}{% endfor
        %}</span>{% endif %}</span>
    </div>
  {% endfor %}
  </div>
</div>"""
)


def legend_html(title: str, entries: Sequence[LegendEntry], *, element_id: str = "map-legend") -> str:
    """A legend to show under a map rather than over it (a page draws it with ``st.html``): no region hidden.

    The entries go in as many columns of at least 200 px as the width holds, each name whole (it wraps), its detail
    on the line below, wrapped between its parts joined by " · " ("3 reps · 960 accounts · $9,345,700 · 43 waiting"
    broke inside "43 waiting"; a part longer than the line wraps inside it). Every string is HTML-escaped here (territory names are user data); colors that are not
    ``#rrggbb`` fall back to the no-territory grey. Nothing when there are no entries.

    Examples
    --------
    >>> text = legend_html("Regions go to", [LegendEntry("#ff7f0e", "East <b>&</b>", "gains 2 regions")])
    >>> "East &lt;b&gt;&amp;&lt;/b&gt;" in text and "<b>" not in text and "#ff7f0e" in text
    True
    >>> "dashed #333333" in legend_html("Moves", [LegendEntry("#333333", "Within 400 km", outline=True)])
    True
    >>> gap = legend_html("Territories", [LegendEntry("#d7191c", "No territory", dashed=True)])
    >>> "dashed #d7191c; background:#d7191c40" in gap
    True
    >>> "linear-gradient(135deg, #018571, #f7f7f7, #e66101)" in legend_html(
    ...     "Territories", [LegendEntry("#e66101", "White space", scale=("#018571", "#f7f7f7", "#e66101"))])
    True
    >>> legend_html("Regions go to", [])
    ''
    """
    if not entries:
        return ""
    lines = []
    for entry in entries:
        name, detail = html.escape(entry.name), html.escape(entry.detail)
        lines.append(
            {
                "color": _safe_color(entry.color),
                "outline": bool(entry.outline),
                "dashed": bool(entry.dashed),
                "scale": [_safe_color(c) for c in entry.scale],
                "name": name,
                "parts": detail.split(" · ") if detail else [],
                "title": html.escape(entry.hover) if entry.hover else f"{name} — {detail}" if detail else name,
            }
        )
    return _LEGEND_BELOW.render(title=html.escape(title), entries=lines, element_id=html.escape(element_id))


def territory_legend_html(entries: Sequence[LegendEntry]) -> str:
    """The coverage map's legend, "Territories", for the page to show under the map (:func:`legend_html`).

    Each territory's color, name, reps and figures, then the coverage gaps' key (``CoverageLayers.legend``). It was a
    box in the map's bottom right corner: at 1280 px it hid Europe West on the Overview's map (a new user's test),
    and its details were cut at its edge.
    """
    return legend_html("Territories", entries, element_id="territory-legend")


class _StartHidden(MacroElement):
    """Take the parent group off the map right after it is first added (a layer listed but off at start)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.once("add", function (e) {
            var group = e.target;
            setTimeout(function () { group.remove(); }, 0);
        });
        {% endmacro %}
        """
    )


class _ClearDrawings(MacroElement):
    """Remove shapes drawn with Leaflet.draw (applied or cancelled once the layers are redrawn); count redraws."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.drawnItems && typeof window.drawnItems.clearLayers === "function") {
            window.drawnItems.clearLayers();
        }
        window.territoryLayersDrawn = (window.territoryLayersDrawn || 0) + 1;
        {% endmacro %}
        """
    )


class _ScaleBar(MacroElement):
    """The map's scale bar, its text the size Leaflet made it for, on bars long enough for it.

    folium sets the map's text to 1rem (16 px); Leaflet sizes the bar by distance alone (up to 100 px, down to
    about half that) for its own 12 px text, so "1000 mi" ran past its bar and read "1000 m" at 1280 px (a new
    user's test). The text is 12 px again, and the bars are up to 150 px long (so at least about 75 px).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.leaflet-control-scale-line { font-size: 12px; }</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        L.control.scale({maxWidth: 150}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ScaleBar"


class _FocusInPlace(MacroElement):
    """Let a click give the map the keyboard's focus without scrolling the page to it.

    Leaflet focuses the map on every mouse-down until it has the focus, and restores the scroll of its own window
    only; the dashboard's page around the map's frame scrolled to bring it into view (35 px at 1280 × 900 on the
    Coverage map), the button came up 35 px from where it went down, and Leaflet took the first click on a region
    for a drag: nothing chosen (a new user's test). The same focus, asked not to scroll.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, keyboard = map.keyboard, container = map.getContainer();
            if (!keyboard || !keyboard._onMouseDown) { return; }
            L.DomEvent.off(container, "mousedown", keyboard._onMouseDown, keyboard);
            keyboard._onMouseDown = function () {
                if (this._focused) { return; }
                try { container.focus({preventScroll: true}); } catch (e) { container.focus(); }
            };
            if (keyboard.enabled()) { L.DomEvent.on(container, "mousedown", keyboard._onMouseDown, keyboard); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "FocusInPlace"


class _LabelsApart(MacroElement):
    """Hide a territory label that would overlap one drawn before it, again after every zoom and layer change.

    At 1280 px the whole-world view put "US West", "US Central" and "Canada West" over each other (a new user's
    test). Labels come in order of importance (:func:`geo.coverage.territory_labels`: the largest territory first);
    each is measured as drawn (its text, not its 160 px box); one that comes within a few pixels of one kept moves
    just above, below or beside it (at most 48 px) where its middle stays in its own territory, else is hidden.
    Zooming in gives them room and shows them again; a hidden territory's name is in its regions' tooltips.
    A label whose point is in view but whose text would cross the map's left or right edge is moved inside it.

    Zoomed in (level 5 and closer), a territory whose label's point is out of view while some of it is in view gets
    its name once more, on a point of it in view nearest the middle of its visible part (a new user saw no
    territory name from zoom 7 in). These come after every label of the plan, so they give way to them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var pending = false;
            var floats = L.layerGroup().addTo(map);
            function rings(latlngs, out) {  // (a polygon's or multipolygon's rings, flat)
                if (latlngs.length && latlngs[0] instanceof L.LatLng) { out.push(latlngs); }
                else { latlngs.forEach(function (part) { rings(part, out); }); }
                return out;
            }
            function inside(point, all) {  // (even-odd: holes and several pieces alike)
                var odd = false;
                all.forEach(function (ring) {
                    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
                        var a = ring[i], b = ring[j];
                        if ((a.lat > point.lat) !== (b.lat > point.lat) &&
                            point.lng < (b.lng - a.lng) * (point.lat - a.lat) / (b.lat - a.lat) + a.lng) { odd = !odd; }
                    }
                });
                return odd;
            }
            function inView() {
                floats.clearLayers();
                if (map.getZoom() < 5) { return; }
                // (no prototype: a territory whose id is "constructor" or "toString" found Object's own, the
                // labels layer off, and was written in view as "undefined")
                var view = map.getBounds(), names = Object.create(null);
                map.eachLayer(function (layer) {
                    var element = layer instanceof L.Marker && !layer._floatLabel && layer.getElement();
                    var label = element && element.querySelector(".territory-label[data-territory]");
                    if (label) {
                        names[label.getAttribute("data-territory")] = {
                            html: label.innerHTML, shown: view.contains(layer.getLatLng())
                        };
                    }
                });
                map.eachLayer(function (layer) {
                    var properties = layer.feature && layer.feature.properties;
                    if (!properties || properties.region_id !== undefined || !layer.getLatLngs) { return; }
                    var name = names[properties.territory_id];
                    if (!name || name.shown || name.placed || !view.intersects(layer.getBounds())) { return; }
                    var box = layer.getBounds(), all = rings(layer.getLatLngs(), []);
                    var south = Math.max(box.getSouth(), view.getSouth()), north = Math.min(box.getNorth(), view.getNorth());
                    var west = Math.max(box.getWest(), view.getWest()), east = Math.min(box.getEast(), view.getEast());
                    var middle = L.latLng((south + north) / 2, (west + east) / 2), points = [];
                    for (var i = 1; i < 10; i++) {
                        for (var j = 1; j < 8; j++) {
                            points.push(L.latLng(south + (north - south) * j / 8, west + (east - west) * i / 10));
                        }
                    }
                    points.sort(function (a, b) { return a.distanceTo(middle) - b.distanceTo(middle); });
                    var at = points.find(function (point) { return inside(point, all); });
                    if (!at) { return; }
                    name.placed = true;
                    var marker = L.marker(at, {
                        interactive: false, keyboard: false,
                        icon: L.divIcon({
                            className: "", iconSize: [160, 18], iconAnchor: [80, 9],
                            html: '<div class="territory-label territory-label-float">' + name.html + "</div>"
                        })
                    });
                    marker._floatLabel = true;
                    floats.addLayer(marker);
                });
            }
            function meets(r, k, x, y) {  // (boxes within x px sideways and y px up or down of each other)
                return r.left < k.right + x && r.right + x > k.left && r.top < k.bottom + y && r.bottom + y > k.top;
            }
            function shifted(r, move) {
                return {left: r.left + move[0], right: r.right + move[0], top: r.top + move[1],
                        bottom: r.bottom + move[1], width: r.width};
            }
            function apart() {
                pending = false;
                inView();
                var kept = [];
                var container = map.getContainer(), edge = container.getBoundingClientRect();
                // (the account clusters' counts: a label over one hid both, the seventh new user's test)
                // (their bubbles, not the pale rings around them; not those fading out after a zoom)
                // (and a region's circle that says its count: above 20,000 accounts)
                var clusters = Array.prototype.filter.call(container.querySelectorAll(
                    ".marker-cluster, .region-accounts-counted"), function (c) {
                    return Number(window.getComputedStyle(c).opacity) > 0.5 && c.firstElementChild;
                }).map(function (c) { return c.firstElementChild.getBoundingClientRect(); })
                    .filter(function (c) { return c.width > 0; });
                // (the map's own controls too: after "Zoom to → US South" at 1280 px "North America East" sat under
                // the layer control, a new user's test)
                var controls = Array.prototype.map.call(container.querySelectorAll(".leaflet-control"), function (c) {
                    return c.getBoundingClientRect();
                }).filter(function (c) { return c.width > 0; });
                var blocks = clusters.concat(controls);
                var texts = container.querySelectorAll(".territory-label > span");
                var shapes = Object.create(null);  // (territory id → its outline's rings, to keep a moved label in)
                map.eachLayer(function (layer) {
                    var properties = layer.feature && layer.feature.properties;
                    if (properties && properties.region_id === undefined && properties.territory_id !== undefined
                        && layer.getLatLngs) {
                        shapes[properties.territory_id] = rings(layer.getLatLngs(), shapes[properties.territory_id] || []);
                    }
                });
                function clear(moved, move, reach) {  // (a place for a label: in the map, off clusters, controls
                    // and labels kept, at most `reach` px away: 48, or 120 from under a control)
                    return Math.abs(move[0]) + Math.abs(move[1]) <= (reach || 48) && moved.top > edge.top
                        && moved.bottom < edge.bottom && moved.left > edge.left && moved.right < edge.right
                        && !blocks.some(function (c) { return meets(moved, c, 2, 2); })
                        && !kept.some(function (k) { return meets(moved, k, 6, 2); });
                }
                Array.prototype.forEach.call(texts, function (text) {
                    // (moved inside the map where it would cross its left or right edge, as far as its point
                    // stays under it: "North America East" was cut at the map's edge)
                    text.style.transform = "";
                    var r = text.getBoundingClientRect(), dx = 0, dy = 0;
                    var centre = (r.left + r.right) / 2;
                    if (r.width > 0 && centre > edge.left && centre < edge.right) {
                        dx = Math.max(0, edge.left + 4 - r.left) + Math.min(0, edge.right - 4 - r.right);
                    }
                    r = shifted(r, [dx, 0]);
                    // Over an account cluster or a control: moved just above, below, left or right of it (the
                    // nearest place clear of clusters, controls, the labels kept and the map's edges, at most 48 px,
                    // 120 from under a control), else left where it is (hidden under a control).
                    var under = blocks.filter(function (c) { return meets(r, c, 2, 2); });
                    var reach = under.some(function (c) { return controls.indexOf(c) >= 0; }) ? 120 : 48;
                    if (r.width > 0 && under.length) {
                        var tries = [];
                        under.forEach(function (c) {
                            tries.push([0, c.top - 2 - r.bottom], [0, c.bottom + 2 - r.top],
                                       [c.left - 2 - r.right, 0], [c.right + 2 - r.left, 0]);
                        });
                        tries.sort(function (a, b) {
                            return Math.abs(a[0]) + Math.abs(a[1]) - Math.abs(b[0]) - Math.abs(b[1]);
                        });
                        // (from under a control, only where its middle stays in its own territory: 120 px could
                        // carry it over a neighbour's, a review)
                        var home = reach > 48 && shapes[text.parentNode.getAttribute("data-territory")];
                        var free = tries.find(function (move) {
                            var moved = shifted(r, move);
                            if (!clear(moved, move, reach)) { return false; }
                            if (!home) { return true; }
                            return inside(map.containerPointToLatLng([(moved.left + moved.right) / 2 - edge.left,
                                                                      (moved.top + moved.bottom) / 2 - edge.top]), home);
                        });
                        if (free !== undefined) { dx += free[0]; dy = free[1]; r = shifted(r, free); }
                    }
                    var clash = r.width > 0 && (kept.some(function (k) { return meets(r, k, 6, 2); })
                        || controls.some(function (c) { return meets(r, c, 0, 0); }));
                    // Over a label kept: moved just above, below or beside it where its middle stays in its own
                    // territory (at most 48 px), else hidden. (A new rep's Rockies, between US West and US
                    // Central, had no name on any map: the tenth new user's test.)
                    var own = clash && shapes[text.parentNode.getAttribute("data-territory")];
                    if (own) {
                        var around = [];
                        kept.filter(function (k) { return meets(r, k, 6, 2); }).forEach(function (k) {
                            around.push([0, k.top - 3 - r.bottom], [0, k.bottom + 3 - r.top],
                                        [k.left - 7 - r.right, 0], [k.right + 7 - r.left, 0]);
                        });
                        around.sort(function (a, b) {
                            return Math.abs(a[0]) + Math.abs(a[1]) - Math.abs(b[0]) - Math.abs(b[1]);
                        });
                        var room = around.find(function (move) {
                            var moved = shifted(r, move);
                            var middle = map.containerPointToLatLng([(moved.left + moved.right) / 2 - edge.left,
                                                                     (moved.top + moved.bottom) / 2 - edge.top]);
                            return clear(moved, move) && inside(middle, own);
                        });
                        if (room !== undefined) { dx += room[0]; dy += room[1]; r = shifted(r, room); clash = false; }
                    }
                    if (dx || dy) { text.style.transform = "translate(" + dx + "px, " + dy + "px)"; }
                    text.parentNode.classList.toggle("territory-label-hidden", clash);
                    if (!clash && r.width > 0) { kept.push(r); }
                });
                // (none shows until they are set apart: for a moment after the map loaded they overlapped)
                map.getContainer().classList.add("labels-apart");
            }
            function later() {
                if (!pending) { pending = true; window.requestAnimationFrame(apart); }
            }
            function watch(layer) {  // (the account clusters are placed again after a zoom has ended)
                if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup && !layer._labelsWatch) {
                    layer._labelsWatch = true;
                    // (and again when they have faded in: their opacity moves for 0.3 s after)
                    layer.on("animationend", function () { later(); window.setTimeout(later, 400); });
                }
            }
            map.eachLayer(watch);
            map.on("zoomend moveend viewreset resize", later);
            map.on("layeradd", function (e) { watch(e.layer); if (!e.layer._floatLabel) { later(); } });
            later();
            // (and again as the page settles: the labels' font arriving changes their widths, and the first clusters
            // are placed after the map; on a busy machine labels stayed over clusters until the next zoom, a CI run)
            if (document.fonts && document.fonts.ready) { document.fonts.ready.then(later); }
            [500, 1500, 3000].forEach(function (ms) { window.setTimeout(later, ms); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "LabelsApart"


class _TooltipsInside(MacroElement):
    """Keep every tooltip of the page inside its map: moved back in where it would cross an edge.

    Leaflet places a tooltip beside the pointer (or marker), centered on it vertically, on the side towards the
    map's center; near the top or bottom edge half of it, and a tooltip wider than the room left on that side, was
    cut at the map's (the iframe's) edge. After Leaflet has placed it, this moves it by the part that would be
    outside, leaving a margin, and hides its arrow (which would no longer point at the pointer). Patched once on
    ``L.Tooltip`` (``_setPosition`` is where Leaflet 1.x places a tooltip, also as a sticky one follows the pointer).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var tooltip = L.Tooltip.prototype;
            if (tooltip._keptInside || typeof tooltip._setPosition !== "function") { return; }
            var place = tooltip._setPosition;
            var margin = {{ this.margin|tojson }};
            tooltip._setPosition = function (pos) {
                place.call(this, pos);
                var map = this._map, box = this._container;
                if (!map || !box) { return; }
                var size = map.getSize(), at = L.DomUtil.getPosition(box);
                var corner = map.layerPointToContainerPoint(at);
                var shift = function (start, length, room) {
                    var move = Math.min(0, room - margin - (start + length));
                    return start + move < margin ? margin - start : move;
                };
                var dx = shift(corner.x, box.offsetWidth, size.x), dy = shift(corner.y, box.offsetHeight, size.y);
                L.DomUtil[dx || dy ? "addClass" : "removeClass"](box, "tooltip-moved-inside");
                if (dx || dy) { L.DomUtil.setPosition(box, at.add(L.point(dx, dy))); }
            };
            tooltip._keptInside = true;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, margin: int = 4):
        super().__init__()
        self._name = "TooltipsInside"
        self.margin = margin


class _ClusterAssets(folium.elements.JSCSSMixin, MacroElement):
    """Loads Leaflet.markercluster with the base map, so layers added later can cluster markers."""

    def __init__(self):
        super().__init__()
        self._name = "ClusterAssets"
        # Read when built (after use_local_assets), so they point at the app's own copies.
        self.default_js = folium.plugins.FastMarkerCluster.default_js
        self.default_css = folium.plugins.FastMarkerCluster.default_css


def _safe_color(color: str) -> str:
    text = str(color)
    return (
        text
        if len(text) == 7 and text.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in text[1:])
        else NO_TERRITORY_COLOR
    )


class FastGeoJson(folium.map.Layer):
    """A GeoJSON layer styled in the browser: the data is serialised once and styles come from properties.

    ``folium.GeoJson`` evaluates a Python style function per feature and serialises each style; for thousands of
    counties redrawn after every edit that is most of the map's build time. Here the style is one object, with
    ``fill_property`` naming the feature property that holds the fill color, and the tooltip is built in the
    browser from feature properties that :func:`to_geojson` has already HTML-escaped (labels escaped here).

    Parameters
    ----------
    data : dict or str
        A GeoJSON FeatureCollection, or its text from :func:`geojson_text` (serialise a layer that never
        changes once).
    name : str
        Name in the layer control.
    style : dict
        Leaflet path options (``color``, ``weight``, ``fillOpacity`` …).
    fill_property, stroke_property : str, optional
        Properties holding each feature's fill and line colors (missing ones fall back to ``style``).
    highlight : dict, optional
        Path options while the pointer is over a feature.
    tooltip : sequence of (property, label), optional
    interactive, show, control : bool
    paintable : bool, default False
        Let a :class:`RegionPaint` of a later layer group color these shapes by their ``region_id`` (and give
        them its tooltip) instead of drawing the same shapes again. One paintable layer per map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var style = {{ this.style|tojson }};
            var fillProperty = {{ this.fill_property|tojson }};
            var strokeProperty = {{ this.stroke_property|tojson }};
            var highlight = {{ this.highlight|tojson }};
            var tooltip = {{ this.tooltip|tojson }};
            var paint = null;  // (see `paintable`: the territories' colors and tooltips over these shapes)
            var painted = function (feature) {
                var id = feature.properties && feature.properties.region_id;
                return paint && Object.prototype.hasOwnProperty.call(paint.regions, id) ? paint.regions[id] : null;
            };
            var styleOf = function (feature) {
                var out = Object.assign({}, style);
                if (fillProperty && feature.properties[fillProperty]) { out.fillColor = feature.properties[fillProperty]; }
                if (strokeProperty && feature.properties[strokeProperty]) { out.color = feature.properties[strokeProperty]; }
                var p = painted(feature);
                if (p) {
                    Object.assign(out, paint.style);
                    if (paint.fill && p[paint.fill]) { out.fillColor = p[paint.fill]; }
                    if (typeof p.fillOpacity === "number") { out.fillOpacity = p.fillOpacity; }
                }
                return out;
            };
            var layer = L.geoJson({{ this.data }}, {
                style: styleOf,
                interactive: {{ this.interactive|tojson }},
                onEachFeature: function (feature, path) {
                    if (tooltip.length) {
                        path.bindTooltip(function () {
                            var p = painted(feature), rows = p ? paint.tooltip : tooltip;
                            return "<table>" + rows.map(function (row) {
                                var value = p && row[0] in p ? p[row[0]] : feature.properties[row[0]];
                                return "<tr><th style='text-align:left;padding-right:6px'>" + row[1] + "</th><td>"
                                    + (value === undefined || value === null ? "" : value) + "</td></tr>";
                            }).join("") + "</table>";
                        }, {sticky: true});
                    }
                    if (highlight) {
                        path.on("mouseover", function () {
                            path.setStyle(painted(feature) && paint.highlight ? paint.highlight : highlight);
                        });
                        path.on("mouseout", function () { path.setStyle(styleOf(feature)); });
                    }
                }
            });
            {% if this.paintable %}
            layer.paint = function (next) {
                paint = next;
                layer.eachLayer(function (path) { path.setStyle(styleOf(path.feature)); });
            };
            layer.painting = function () { return paint; };
            window.paintableRegions = layer;
            {% endif %}
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        name: str,
        style: dict,
        *,
        fill_property: str | None = None,
        stroke_property: str | None = None,
        highlight: dict | None = None,
        tooltip: Sequence[tuple[str, str]] = (),
        interactive: bool = True,
        show: bool = True,
        control: bool = True,
        paintable: bool = False,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "FastGeoJson"
        self.paintable = paintable
        self.data = data if isinstance(data, str) else geojson_text(data)
        self.style = style
        self.fill_property = fill_property
        self.stroke_property = stroke_property
        self.highlight = highlight
        self.tooltip = [[field, html.escape(label)] for field, label in tooltip]
        self.interactive = interactive

    def render(self, **kwargs):
        """Like folium's layers, but the script (megabytes of data) is not compiled as a Jinja template again."""
        from folium.elements import ElementAddToElement

        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_RawScript(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class _RawMacro(MacroElement):
    """A macro element whose script, user data in it, is placed as rendered: not compiled as a template again.

    (branca puts a macro's rendered script in an ``Element``, which reads its text as a Jinja template: see
    :func:`escape`.)
    """

    def render(self, **kwargs):
        """The script as rendered once, then the children."""
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_RawScript(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class RegionPaint(_RawMacro):
    """A layer that colors the map's paintable region shapes (see ``FastGeoJson(paintable=True)``) by territory.

    In edit mode the map already holds every clickable region's shape; after an edit only the regions' colors and
    tooltips change, so the territories are sent as ``region_id → properties`` (no geometry: a tenth of the
    text at county level) and painted over those shapes. Removed from the map (another plan's layers, or
    "Territories" switched off in the layer control), it takes its paint off unless newer paint is on.

    Parameters
    ----------
    territory_regions : dict
        GeoJSON of the territories' regions as for :func:`coverage_groups` (values already escaped); only the
        properties are sent.
    style, highlight : dict
        Leaflet path options of a painted region, and while the pointer is over it.
    fill_property : str
        The property holding a region's fill color.
    tooltip : sequence of (property, label)
        The tooltip of a painted region (labels escaped here).

    A region drawn for several territories (held by one with a focus and by the one that takes the rest) is
    painted as those layers stacked looked: their colors blended, each over the ones before, and more opaque; its
    tooltip is the last one's (the one on top).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var paint = {{ this.data }};
            var Paint = L.Layer.extend({
                onAdd: function () {
                    if (window.paintableRegions) { window.paintableRegions.paint(paint); }
                },
                onRemove: function () {
                    // (later: when the next plan's layers replace these, their paint is on by then and stays)
                    setTimeout(function () {
                        var target = window.paintableRegions;
                        if (target && target.painting() === paint) { target.paint(null); }
                    }, 0);
                }
            });
            return new Paint();
        })();
        {{ this._parent.get_name() }}.addLayer({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        territory_regions: dict,
        *,
        style: dict,
        highlight: dict,
        fill_property: str,
        tooltip: Sequence[tuple[str, str]],
    ):
        super().__init__()
        self._name = "RegionPaint"
        fields = [fill_property, *(field for field, _ in tooltip)]
        drawn: dict[str, list[dict]] = {}
        for feature in territory_regions.get("features", []):
            properties = feature.get("properties") or {}
            drawn.setdefault(str(properties.get("region_id")), []).append(properties)
        regions = {}
        for region_id, layers in drawn.items():
            regions[region_id] = {f: layers[-1].get(f) for f in fields if f in layers[-1]}
            if len(layers) > 1:
                colors = [str(p.get(fill_property) or style.get("fillColor", NO_TERRITORY_COLOR)) for p in layers]
                regions[region_id][fill_property], regions[region_id]["fillOpacity"] = stacked_fill(
                    colors, float(style.get("fillOpacity", 1.0))
                )
        data = {
            "regions": regions,
            "style": style,
            "highlight": highlight,
            "fill": fill_property,
            "tooltip": [[field, html.escape(label)] for field, label in tooltip],
        }
        self.data = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def stacked_fill(colors: Sequence[str], opacity: float) -> tuple[str, float]:
    """The one fill that looks as ``colors`` drawn one over another, each at ``opacity``: (hex color, opacity).

    Examples
    --------
    >>> stacked_fill(["#ff0000"], 0.5)
    ('#ff0000', 0.5)
    >>> stacked_fill(["#ff0000", "#0000ff"], 0.5)  # blue over red: 0.25 red + 0.5 blue, 75% opaque
    ('#5500aa', 0.75)
    """
    weights = [opacity * (1 - opacity) ** (len(colors) - 1 - i) for i in range(len(colors))]
    total = 1 - (1 - opacity) ** len(colors)
    try:
        rgb = [[int(c.lstrip("#")[j : j + 2], 16) for j in (0, 2, 4)] for c in colors]
    except ValueError:  # (not #rrggbb: the top one, as it is)
        return colors[-1], opacity
    mixed = [round(sum(w * c[k] for w, c in zip(weights, rgb, strict=True)) / total) for k in range(3)]
    return "#" + "".join(f"{v:02x}" for v in mixed), round(total, 4)


def paints_over(territory_regions: dict, paintable_ids) -> bool:
    """Whether every region drawn for the territories is one of the map's paintable shapes (``paintable_ids``).

    Their shapes are then the same (both are the display boundaries of a region id at one precision), so the
    territories can be painted over them (:class:`RegionPaint`); a county carved out of its state at state level
    is drawn apart and is not one of them.

    Examples
    --------
    >>> regions = {"features": [{"properties": {"region_id": "US-TX"}}]}
    >>> paints_over(regions, {"US-TX", "US-OK"}), paints_over(regions, {"US-OK"}), paints_over(regions, None)
    (True, False, False)
    """
    if not paintable_ids:
        return False
    return all(
        (f.get("properties") or {}).get("region_id") in paintable_ids for f in territory_regions.get("features", [])
    )


class TerritoryLabels(_RawMacro):
    """Each territory's name on the map: a marker each, made in the browser from one list.

    The same markers as a folium ``Marker`` and ``DivIcon`` each (the labels' scripts find them by their
    ``.territory-label[data-territory]``), without two folium elements a territory, each compiling its own template:
    ~0.15 s of a county move's rerun with 64 territories.

    Parameters
    ----------
    labels : sequence of (lat, lon, name, territory_id)
        As :func:`geo.coverage.territory_labels` gives them (names and ids not escaped: escaped here).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.data }}.forEach(function (label) {
            L.marker([label[0], label[1]], {
                interactive: false,
                icon: L.divIcon({className: "empty", html: label[2], iconSize: [160, 18], iconAnchor: [80, 9]})
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, labels: Sequence[tuple[float, float, str, str]]):
        super().__init__()
        self._name = "TerritoryLabels"
        # (data-territory, as the browser reads it, is the territory id as the outlines' properties hold it: escaped
        # by to_geojson, so escaped twice here; escaped once, an id with & < > " or ' ("R&D") read "R&D" there and
        # "R&amp;D" on its outline, and the label out of view never found its territory)
        rows = [
            [float(lat), float(lon),
             f'<div class="territory-label" data-territory="{html.escape(escape(territory_id))}">'
             f"<span>{escape(text)}</span></div>"]
            for lat, lon, text, territory_id in labels
        ]  # fmt: skip
        self.data = json.dumps(rows).replace("</", "<\\/")


class _RawScript(Element):
    """Script text placed in the page as it is (branca's Element would parse it as a template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs):
        """The text itself."""
        return self.text


def build_coverage_map(
    territory_regions: dict,
    territory_outlines: dict | None,
    legend: Sequence[LegendEntry],
    *,
    points: list[list] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    tiles: bool = False,
    region_tooltip: Sequence[tuple[str, str]] = (("label", "Region"), ("territory_name", "Territory")),
    gaps: dict | None = None,
    white_space: dict | None = None,
    unassigned_points: list[list] | None = None,
    labels: Sequence[tuple[float, float, str, str]] | None = None,
    selectable: dict | str | None = None,
    draw: bool = False,
    view_key: str | None = None,
) -> folium.Map:
    """The coverage map: land background, territory regions, outlines, accounts and layer control; its legend apart.

    The same map as :func:`build_base_map` with the groups of :func:`coverage_groups` and a layer control added
    (a page that redraws the layers without rebuilding the map passes the groups to st_folium instead).

    Parameters
    ----------
    territory_regions, territory_outlines, points, region_tooltip, gaps, white_space, unassigned_points, labels
        See :func:`coverage_groups`.
    legend : sequence of LegendEntry
        The legend's lines (``CoverageLayers.legend``).
    bounds, tiles, selectable, draw, view_key
        See :func:`build_base_map`.

    Returns
    -------
    folium.Map
        Its ``legend_html`` (:func:`territory_legend_html`, names escaped) is for the page to show under the map,
        not over its regions.
    """
    fmap = build_base_map(bounds=bounds, tiles=tiles, selectable=selectable, draw=draw, view_key=view_key)
    for group in coverage_groups(
        territory_regions, territory_outlines, points=points, region_tooltip=region_tooltip, gaps=gaps,
        white_space=white_space, unassigned_points=unassigned_points, labels=labels,
    ):  # fmt: skip
        group.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    fmap.legend_html = territory_legend_html(legend)
    return fmap


def build_base_map(
    *,
    bounds: tuple[float, float, float, float] | None = None,
    tiles: bool = False,
    selectable: dict | str | None = None,
    draw: bool = False,
    view_key: str | None = None,
    clicks: bool = False,
) -> folium.Map:
    """The part of the coverage map that does not change when the plan does: land, clickable regions, tools.

    Parameters
    ----------
    bounds : (min_lon, min_lat, max_lon, max_lat), optional
        The view to fit.
    tiles : bool, default False
        Add OpenStreetMap tiles (needs internet; off by default, the map is readable without them).
    selectable : dict or str, optional
        GeoJSON (or its :func:`geojson_text`) of every region that can be clicked (properties ``region_id``,
        ``label``), drawn under the territories with a faint fill so that regions without a territory can be
        clicked too (edit mode). The territories' layers can paint them (``coverage_groups(paint_over=…)``).
    draw : bool, default False
        Add Leaflet.draw's polygon and rectangle tools (edit mode).
    view_key : str, optional
        Keep the map's center and zoom in the browser tab under this key, so a redrawn map opens where the
        user left it instead of fitting ``bounds`` again.
    clicks : bool, default False
        Send every click on a region to the page at once, each counted (:class:`_SendClicksAtOnce`): a region
        clicked again after the page chose another is a new event (st_folium sends only a value unlike its last).
        Always so with ``draw``.

    Returns
    -------
    folium.Map
    """
    use_local_assets()
    fmap = folium.Map(
        location=[40, -40],
        zoom_start=3,
        tiles="OpenStreetMap" if tiles else None,
        prefer_canvas=False,
        control_scale=False,  # (:class:`_ScaleBar` instead: Leaflet's own bar is too short for folium's text size)
        world_copy_jump=False,
    )
    # Without a tile layer Leaflet has no zoom range, and marker clustering needs one.
    fmap.options["max_zoom"] = 18
    fmap.options["min_zoom"] = 2
    header = fmap.get_root().header
    header.add_child(folium.Element(f"<style>.leaflet-container {{ background: {OFFLINE_BACKGROUND}; }}</style>"))
    header.add_child(folium.Element(_LABEL_STYLE))
    header.add_child(folium.Element(_TOOLTIP_STYLE))
    header.add_child(folium.Element(_AGGREGATE_STYLE))
    _ClusterAssets().add_to(fmap)
    _TooltipsInside().add_to(fmap)
    _LabelsApart().add_to(fmap)
    _ScaleBar().add_to(fmap)
    _FocusInPlace().add_to(fmap)
    if "land_text" not in _BACKGROUND_CACHE:
        _BACKGROUND_CACHE["land_text"] = geojson_text(background_geojson())
    FastGeoJson(
        _BACKGROUND_CACHE["land_text"],
        "Land",
        {"fillColor": LAND_COLOR, "fillOpacity": 1.0, "color": "#b9b4aa", "weight": 0.6},
        interactive=False,
        control=False,
    ).add_to(fmap)
    if selectable:
        FastGeoJson(
            selectable,
            "All regions",
            {"fillColor": "#ffffff", "fillOpacity": 0.05, "color": "#9a9a9a", "weight": 0.4},
            highlight={"weight": 2.0, "color": "#222222", "fillOpacity": 0.2},
            tooltip=[("label", "Region")],
            control=False,
            paintable=True,
        ).add_to(fmap)
    if draw:
        folium.plugins.Draw(
            export=False,
            position="topleft",
            draw_options={
                "polyline": False,
                "circle": False,
                "marker": False,
                "circlemarker": False,
                "polygon": {"allowIntersection": False, "showArea": False},
                "rectangle": {"showArea": False},
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(fmap)
    if draw or clicks:
        _SendClicksAtOnce().add_to(fmap)
    if bounds is not None and np.isfinite(bounds).all():
        min_lon, min_lat, max_lon, max_lat = bounds
        fmap.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]], padding=(10, 10))
    if view_key:
        # An animated zoom started while the iframe is still being laid out can stay unfinished (Leaflet then
        # ignores every later setView); a map that is redrawn after each edit jumps instead of animating.
        fmap.options["zoom_animation"] = False
        _KeepView(view_key).add_to(fmap)
    return fmap


def coverage_groups(
    territory_regions: dict,
    territory_outlines: dict | None,
    *,
    points: list[list] | None = None,
    region_tooltip: Sequence[tuple[str, str]] = (("label", "Region"), ("territory_name", "Territory")),
    gaps: dict | None = None,
    white_space: dict | None = None,
    unassigned_points: list[list] | None = None,
    labels: Sequence[tuple[float, float, str, str]] | None = None,
    paint_over: Collection[str] | None = None,
) -> list[folium.FeatureGroup]:
    """The layers that show a plan, one named group each (what the layer control lists).

    Parameters
    ----------
    territory_regions : dict
        GeoJSON of the regions to draw, each with properties ``region_id``, ``color`` and the tooltip fields;
        values already escaped (see :func:`to_geojson`). (The legend is not drawn in the map: see
        :func:`territory_legend_html`.)
    territory_outlines : dict, optional
        GeoJSON of each territory dissolved, with a ``color`` property; drawn as a heavy outline.
    points : list, optional
        From :func:`account_points` (one per account, clustered) or :func:`aggregate_points` (one per
        region, sized by count).
    region_tooltip : sequence of (property, label)
        Tooltip of a region.
    gaps : dict, optional
        GeoJSON of coverage gaps (properties ``label``, ``gap``, ``detail``): a red dashed layer "Coverage gaps".
    white_space : dict, optional
        GeoJSON choropleth (properties ``fill`` and tooltip texts): layer "White space", off at start.
    unassigned_points : list, optional
        From :func:`account_points`: unassigned accounts, drawn red in layer "Unassigned accounts", off at start.
    labels : sequence of (lat, lon, text, territory_id), optional
        Territory names written on the map (layer "Territory labels"); the text is escaped here. Zoomed in, a
        territory whose label is out of view is named again where it is in view (its outline, by territory id).
    paint_over : collection of str, optional
        The region ids of the base map's paintable shapes (:func:`build_base_map`'s ``selectable``). When every
        region in ``territory_regions`` is one of them, the territories paint those shapes (:class:`RegionPaint`)
        instead of drawing them again: the same map, a tenth of the text to send and redraw after an edit.

    Returns
    -------
    list of folium.FeatureGroup
    """
    groups = []

    def group(name: str, *children, hidden: bool = False) -> None:
        container = folium.FeatureGroup(name=name)
        for child in children:
            child.add_to(container)
        if hidden:
            _StartHidden().add_to(container)
        groups.append(container)

    style = {"fillColor": NO_TERRITORY_COLOR, "fillOpacity": 0.45, "color": "#ffffff", "weight": 0.7}
    highlight = {"weight": 2.5, "color": "#222222", "fillOpacity": 0.6}
    if paints_over(territory_regions, paint_over):
        territories = RegionPaint(
            territory_regions, style=style, highlight=highlight, fill_property="color", tooltip=region_tooltip
        )
    else:
        territories = FastGeoJson(
            territory_regions, "Territories", style, fill_property="color", highlight=highlight,
            tooltip=region_tooltip, control=False,
        )  # fmt: skip
    group("Territories", territories, _ClearDrawings())
    if territory_outlines and territory_outlines.get("features"):
        group(
            "Territory outlines",
            FastGeoJson(
                territory_outlines,
                "Territory outlines",
                {"fill": False, "weight": 2.5, "color": "#333333"},
                stroke_property="color",
                interactive=False,
                control=False,
            ),
        )
    if white_space and white_space.get("features"):
        group(
            "White space",
            FastGeoJson(
                white_space,
                "White space",
                {"fillColor": "#f7f7f7", "fillOpacity": 0.8, "color": "#555555", "weight": 0.6},
                fill_property="fill",
                tooltip=[
                    ("label", "Region"),
                    ("potential_text", "Potential"),
                    ("penetration_text", "Penetration"),
                    ("white_space_text", "White space (share of potential − of customers)"),
                ],
                control=False,
            ),
            hidden=True,
        )
    if gaps and gaps.get("features"):
        group(
            "Coverage gaps",
            FastGeoJson(
                gaps,
                "Coverage gaps",
                {"fillColor": GAP_FILL, "fillOpacity": 0.25, "color": GAP_FILL, "weight": 2.5, "dashArray": "6 4"},
                tooltip=[("label", "Region"), ("gap", "Gap"), ("detail", "")],
                control=False,
            ),
        )
    if unassigned_points:
        group(
            "Unassigned accounts",
            folium.plugins.FastMarkerCluster(
                unassigned_points,
                callback=_UNASSIGNED_CALLBACK,
                control=False,
                options={"maxClusterRadius": 35, "chunkedLoading": True, "disableClusteringAtZoom": 9},
                icon_create_function=_AGGREGATE_CLUSTER_ICON if len(unassigned_points[0]) > 4 else None,
            ),
            hidden=True,
        )
    if points:
        aggregated = len(points[0]) > 4
        group(
            "Accounts",
            folium.plugins.FastMarkerCluster(
                points,
                callback=_AGGREGATE_CALLBACK if aggregated else _POINT_CALLBACK,
                control=False,
                options={"maxClusterRadius": 45, "chunkedLoading": True, "disableClusteringAtZoom": 9},
                icon_create_function=_AGGREGATE_CLUSTER_ICON if aggregated else None,
            ),
        )
    if labels:
        # (data-territory, as the browser reads it, is the territory id as the outlines' properties hold it: escaped
        # by to_geojson, so escaped twice here; escaped once, an id with & < > " or ' ("R&D") read "R&D" there and
        # "R&amp;D" on its outline, and the label out of view never found its territory)
        group("Territory labels", TerritoryLabels(labels))
    return groups


class _SendClicksAtOnce(MacroElement):
    """Hand a click or a finished drawing to Streamlit at once, and every click in turn.

    streamlit-folium sends map events after a 250 ms debounce (meant for panning); for an edit that is a
    quarter of the time budget. After a click or a drawing this sends the same value its own code would, and
    records it as sent, so the debounced call finds nothing new. Only the plain event fields are handled; with
    any other returned object (bounds, zoom …) the component's own timing is kept.

    The component holds one value: clicks made while the page is still answering the last one reach Streamlit
    as the latest alone (five clicks 150 ms apart painted three of five regions, unsaid, a review). So a click on
    a region adds it to a list kept in the map, sent in the clicked feature as ``clicks`` (``n`` counting up,
    ``region_id``; the last 50) with the map's ``epoch`` (new each time the map is made): the page applies each
    click it has not seen, in order. A second click on the same region within 400 ms is a double click, one click.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var fields = [["last_clicked", "lat_lng_clicked"], ["last_object_clicked", "last_object_clicked"],
                ["last_object_clicked_count", "last_object_clicked_count"],
                ["last_object_clicked_tooltip", "last_object_clicked_tooltip"],
                ["last_object_clicked_popup", "last_object_clicked_popup"], ["all_drawings", "all_drawings"],
                ["last_active_drawing", "last_active_drawing"]];
            var known = fields.map(function (f) { return f[0]; });
            function flush() {
                var data = window.__GLOBAL_DATA__;
                if (!data || !window.Streamlit || !data.returned_objects) { return; }
                if (data.returned_objects.some(function (k) { return known.indexOf(k) < 0; })) { return; }
                var value = {};
                fields.forEach(function (f) {
                    if (data.returned_objects.indexOf(f[0]) >= 0) { value[f[0]] = data[f[1]]; }
                });
                if (JSON.stringify(data.previous_data) !== JSON.stringify(value)) {
                    data.previous_data = value;
                    window.Streamlit.setComponentValue(value);
                }
            }
            var epoch = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
            var clicks = [], count = 0, lastRegion = null, lastAt = 0;
            function listClick() {
                var data = window.__GLOBAL_DATA__;
                var feature = data && data.last_active_drawing;
                // (a feature listed already is the last click's: this click was on no region)
                if (!feature || feature.clicks || !feature.properties || feature.properties.region_id == null) {
                    return;
                }
                var region = feature.properties.region_id, now = Date.now();
                if (!(region === lastRegion && now - lastAt < 400)) {  // (the second of a double click: not listed)
                    count += 1;
                    clicks.push({n: count, region_id: region});
                    clicks = clicks.slice(-50);
                    lastRegion = region;
                    lastAt = now;
                }
                data.last_active_drawing = Object.assign({}, feature, {clicks: clicks.slice(), epoch: epoch});
            }
            map.on("click", function () { setTimeout(function () { listClick(); flush(); }, 0); });
            map.on("draw:created", function () { setTimeout(flush, 0); });
        })();
        {% endmacro %}
        """
    )


class _KeepView(MacroElement):
    """Restore the last center and zoom of this map in the browser tab (sessionStorage), and remember moves."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var key = {{ this.storage_key|tojson }};
            try {
                var saved = JSON.parse(window.sessionStorage.getItem(key) || "null");
                if (saved && isFinite(saved.lat) && isFinite(saved.lng) && isFinite(saved.zoom)) {
                    map.setView([saved.lat, saved.lng], saved.zoom, {animate: false});
                }
            } catch (e) {}
            map.on("moveend", function () {
                var c = map.getCenter();
                try {
                    window.sessionStorage.setItem(key, JSON.stringify({lat: c.lat, lng: c.lng, zoom: map.getZoom()}));
                } catch (e) {}
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, key: str):
        super().__init__()
        self._name = "KeepView"
        self.storage_key = f"territory-map-view:{key}"
