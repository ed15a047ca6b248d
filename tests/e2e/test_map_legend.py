"""The coverage map's legend in Chromium: under the map on every page that draws it, hiding no region."""

from __future__ import annotations

import pytest

from territory import load_plan
from tests.conftest import DEMO_PLAN
from tests.e2e.conftest import ARTIFACTS, assert_legend_under_the_map, current_map, legend_and_map, wait_for_rerun

pytestmark = pytest.mark.e2e

EUROPE_WEST = "#9467bd"  # (the demo's Europe West: Great Britain, France, Germany, the Netherlands)

# Points inside the regions drawn in ``color`` and inside the map, every 6 px, and how many of them a control drawn
# over the map (a legend, the layer control, the zoom buttons) covers: those a user can neither see nor click.
REGION_UNDER_CONTROLS = """color => {
    const size = window.map.getSize();
    let inside = 0, covered = 0;
    for (const path of document.querySelectorAll(`path.leaflet-interactive[fill="${color}"]`)) {
        const r = path.getBoundingClientRect(), toPath = path.getScreenCTM().inverse();
        for (let x = Math.max(r.left, 0) + 2; x < Math.min(r.right, size.x); x += 6) {
            for (let y = Math.max(r.top, 0) + 2; y < Math.min(r.bottom, size.y); y += 6) {
                if (!path.isPointInFill(new DOMPoint(x, y).matrixTransform(toPath))) { continue; }
                inside++;
                const top = document.elementFromPoint(x, y);
                if (top && top.closest('.leaflet-control')) { covered++; }
            }
        }
    }
    return {inside, covered};
}"""


def open_page(page, app_url, path, title):
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator("h1", has_text=title).first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    return current_map(page)


@pytest.mark.parametrize(
    ("path", "title"), [("", "Overview"), ("coverage_map", "Coverage map"), ("edit_map", "Edit territories")]
)
def test_the_legend_is_under_the_map_and_hides_no_region_at_1280_and_1440_px(page, app_url, path, title):
    # At 1280 px the Overview's legend, a box over the map's bottom right corner, hid France and Germany (Europe
    # West: 36 of its 228 points in view) and cut its entries' figures ("31 waitin"), a new user's test. On every page
    # with the coverage map it is under the map: no legend over the map, every entry whole and readable.
    plan = load_plan(DEMO_PLAN)
    page.set_viewport_size({"width": 1280, "height": 900})
    content = open_page(page, app_url, path, title)
    page.locator("#territory-legend .legend-entry").first.wait_for(timeout=30_000)
    for width in (1280, 1440):
        seen = legend_and_map(page, content, "#territory-legend", width=width)
        assert_legend_under_the_map(seen)
        assert seen["names"] == [t.name for t in plan.territories] + [
            "No territory (coverage gap)", "White space (a layer of the map's layer control, off at start)"
        ], seen  # fmt: skip
        # Europe West in view on the Overview (the Coverage map and Edit pages open on North America, where most
        # accounts are, with "Zoom to" for the rest), nothing over it.
        europe = content.evaluate(REGION_UNDER_CONTROLS, EUROPE_WEST)
        assert europe["covered"] == 0, europe
        if path == "":
            assert europe["inside"] >= 40, europe
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"map_legend_{path or 'overview'}_{width}.png"))
    # The figures show (a territory's reps named when one, else counted) and the whole entry is its title (on hover).
    # (a figure keeps its " ·" on its line: a no-break space before it)
    details = [d.replace("\xa0", " ") for d in page.locator("#territory-legend .legend-detail").all_inner_texts()]
    assert any(" accounts · $" in d and " waiting" in d for d in details), details
    titles = page.locator("#territory-legend .legend-entry").evaluate_all("els => els.map(e => e.title)")
    assert any("Priya Patel, Diego Alvarez, Hannah Kim" in t and "$" in t for t in titles), titles
    assert page.errors == []


def test_a_long_territory_name_wraps_whole_in_the_legend(page, app_url):
    # "Northeastern Illinois & Minnesota + 6 …" was cut at 1280 px (a new user's test): a name takes more lines
    # rather than an ellipsis, as does a detail, and the entry stays inside the legend.
    page.set_viewport_size({"width": 1280, "height": 900})
    content = open_page(page, app_url, "edit_map", "Edit territories")  # (the narrowest: the map beside the panel)
    legend = page.locator("#territory-legend")
    legend.locator(".legend-entry").first.wait_for(timeout=30_000)
    one_line = legend.locator(".legend-name").first.evaluate("e => e.offsetHeight")
    long_name = "Northeastern Illinois & Minnesota + 6 more, and the Upper Peninsula of Michigan"
    legend.locator(".legend-name").first.evaluate("(e, text) => { e.textContent = text; }", long_name)
    name = legend.locator(".legend-name").first
    assert name.inner_text() == long_name
    assert name.evaluate("e => e.offsetHeight") >= 2 * one_line - 1
    assert_legend_under_the_map(legend_and_map(page, content, "#territory-legend"))
    ARTIFACTS.mkdir(exist_ok=True)
    legend.screenshot(path=str(ARTIFACTS / "legend_long_name.png"))
