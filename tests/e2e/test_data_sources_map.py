"""Your own boundary file's territories rebalanced, in Chromium: the regions that change are outlined on the map."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import ARTIFACTS, map_frame, wait_for_rerun

pytestmark = pytest.mark.e2e

# The partition map's paths: those drawn with the dark outline of a region that changes territory, and all.
OUTLINED = """() => {
    const paths = [...document.querySelectorAll('path.leaflet-interactive')];
    return {outlined: paths.filter(p => p.getAttribute('stroke') === '#1b1b1b').length, all: paths.length};
}"""


def test_a_files_own_territories_rebalanced_outline_the_regions_that_change(page, app_url, tmp_path):
    # The sample's Texas counties with a territory column of one's own (four by longitude and latitude, far off on
    # people): "Start from" that column, propose; the map outlines exactly the regions the table says change.
    import geopandas as gpd

    counties = gpd.read_file(ROOT / "data" / "demo" / "texas_counties.geojson")
    point = counties.geometry.representative_point()
    counties["territory"] = np.where(point.x < -100, "West", np.where(point.y > 31.5, "North",
                                     np.where(point.x < -96.5, "Central", "Gulf")))  # fmt: skip
    path = tmp_path / "owned.geojson"
    counties.to_file(path, driver="GeoJSON")
    _open(page, app_url)
    # (the upload's run, and the preview map's own rerun, done before "Start from" is touched: a CI run changed it
    # while they ran and proposed nothing, the metrics read empty)
    propose = _upload(page, path)
    page.get_by_role("combobox", name="Start from").click()
    page.keyboard.type("column territory")
    page.keyboard.press("Enter")
    # (in start mode the territories are the column's, the box greyed out)
    expect(page.get_by_role("spinbutton", name="Territories")).to_be_disabled(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    expect(propose).to_be_enabled(timeout=60_000)
    propose.click()
    said = page.get_by_text("From the territories in column territory").first
    said.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    moved = int(said.inner_text().split(": ", 1)[1].split(" regions", 1)[0])
    content = _proposal_map(page)
    content.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 254",
                              timeout=30_000)  # fmt: skip
    drawn = content.evaluate(OUTLINED)
    # (opened on the file's regions, as the preview is: a review found it on the whole world, Texas a blob)
    view = content.evaluate(VIEW)
    assert view[0] >= 4 and 25 < view[1] < 37 and -107 < view[2] < -93, view
    assert drawn["all"] == 254 and 0 < moved == drawn["outlined"], (moved, drawn)
    assert page.errors == [] and page.requests_off_host == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data_sources_rebalanced_1280.png"))


# The map's zoom and centre.
VIEW = "() => { const c = window.map.getCenter(); return [window.map.getZoom(), c.lat, c.lng]; }"


def _open(page, app_url) -> None:
    """The Data sources page at 1280 px, its first run done."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/data_sources", wait_until="domcontentloaded")
    page.get_by_text("Your own boundaries").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)


def _upload(page, path):
    """Upload the boundary file at ``path``; "Propose territories" once it can be pressed and every run is done."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(path))
    wait_for_rerun(page, timeout=60_000)
    page.get_by_text("Territories on these regions").first.wait_for(timeout=60_000)
    propose = page.get_by_role("button", name="Propose territories")
    expect(propose).to_be_enabled(timeout=60_000)
    # (the preview map's own rerun, once it has loaded, done first: a click in it can be lost)
    # (looked for again when a rerun swaps the iframe meanwhile: a CI run found it detached)
    map_frame(page)
    page.wait_for_timeout(500)
    wait_for_rerun(page, timeout=60_000)
    return propose


def _proposal_map(page):
    """The proposal's Leaflet map, loaded (the preview is the first map, the proposal's the last)."""
    page.locator('iframe[title="streamlit_folium.st_folium"]').last.scroll_into_view_if_needed()
    return map_frame(page, last=True)[1]


def _upload_and_propose(page, path) -> None:
    propose = _upload(page, path)
    download = page.get_by_role("button", name="Regions and their territory (CSV)")
    for _ in range(2):  # (proposing again gives the same plan: a second click only if the first was lost)
        propose.click()
        try:
            download.wait_for(timeout=30_000)
            break
        except Exception:
            wait_for_rerun(page, timeout=60_000)
    download.wait_for(timeout=30_000)
    wait_for_rerun(page, timeout=60_000)


def test_each_file_s_proposal_map_opens_on_its_own_regions(page, app_url, tmp_path):
    # Territories proposed on one file, then on another: the second map kept the first one's view (the whole world
    # for a file of states and countries, Texas a blob: a review), as the map kept its key.
    import geopandas as gpd
    from shapely.geometry import box

    far = gpd.GeoDataFrame({"id": [f"R{i}" for i in range(6)], "POP": [5, 6, 7, 5, 6, 7]}, crs=4326,
                           geometry=[box(-100 + i, 30, -99 + i, 31) for i in range(3)]
                           + [box(10 + i, 50, 11 + i, 51) for i in range(3)])  # fmt: skip
    first = tmp_path / "far.geojson"
    far.to_file(first, driver="GeoJSON")
    counties = gpd.read_file(ROOT / "data" / "demo" / "texas_counties.geojson")
    second = tmp_path / "texas.geojson"
    counties.to_file(second, driver="GeoJSON")
    _open(page, app_url)
    views = []
    for path in (first, second):
        _upload_and_propose(page, path)
        content = _proposal_map(page)
        page.wait_for_timeout(500)
        views.append(content.evaluate(VIEW))
    zoom, lat, lng = views[1]
    assert zoom >= 4 and 25 < lat < 37 and -107 < lng < -93, views
    assert page.errors == []
