"""Serve the map's JavaScript and CSS from the app itself (the browser may have no internet).

``scripts/vendor_assets.sh`` copies Leaflet and its plugins from the npm registry into ``static/vendor/`` at
set-up time; Streamlit serves that folder at ``/app/static/vendor/`` (``enableStaticServing`` in
``.streamlit/config.toml``). :func:`use_local_assets` points folium's element classes at those copies.
"""

from __future__ import annotations

from pathlib import Path

import folium
import folium.plugins

__all__ = ["VENDOR_DIR", "VENDOR_URL", "LOCAL_ASSETS", "use_local_assets", "missing_assets", "remote_asset_urls"]

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
VENDOR_URL = "/app/static/vendor"

# Element class -> (js files, css files) under static/vendor/. Anything folium would load besides these
# (jQuery, Bootstrap, Font Awesome, awesome-markers) is not used by our maps and is dropped.
LOCAL_ASSETS: dict[type, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    folium.Map: (
        [("leaflet", "leaflet/leaflet.js")],
        [("leaflet_css", "leaflet/leaflet.css")],
    ),
    folium.plugins.MarkerCluster: (
        [("markerclusterjs", "markercluster/leaflet.markercluster.js")],
        [("markerclustercss", "markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss", "markercluster/MarkerCluster.Default.css")],
    ),
    folium.plugins.FastMarkerCluster: (
        [("markerclusterjs", "markercluster/leaflet.markercluster.js")],
        [("markercluster_css", "markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss", "markercluster/MarkerCluster.Default.css")],
    ),
    folium.plugins.Draw: (
        [("leaflet_draw_js", "leaflet-draw/leaflet.draw.js")],
        [("leaflet_draw_css", "leaflet-draw/leaflet.draw.css")],
    ),
}  # fmt: skip


def use_local_assets(base_url: str = VENDOR_URL) -> None:
    """Point folium's Map, MarkerCluster, FastMarkerCluster and Draw at the app's own copies.

    Idempotent; call it once at start-up, before any map is built.
    """
    for cls, (js, css) in LOCAL_ASSETS.items():
        cls.default_js = [(name, f"{base_url}/{path}") for name, path in js]
        cls.default_css = [(name, f"{base_url}/{path}") for name, path in css]


def missing_assets() -> list[str]:
    """Vendor files that are not on disk (run ``scripts/vendor_assets.sh`` to fetch them)."""
    wanted = {path for js, css in LOCAL_ASSETS.values() for _, path in js + css}
    return sorted(p for p in wanted if not (VENDOR_DIR / p).is_file())


def remote_asset_urls(html: str) -> list[str]:
    """Script and stylesheet URLs in ``html`` that point off this host (should be none)."""
    import re

    return re.findall(r"""(?:src|href)=["'](https?://[^"']+\.(?:js|css)[^"']*)["']""", html)
