"""The first page in Chromium: territories and legend drawn from the app's own assets, with no network."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading

import pandas as pd
import pytest
import shapely

from geo.boundaries import load_regions
from territory import load_plan, plan_from_dict
from tests.conftest import DEMO_PLAN
from tests.e2e.conftest import ARTIFACTS, click_at, map_frame, wait_for_rerun

pytestmark = pytest.mark.e2e


def test_coverage_map_draws_territories_and_legend_offline(page, app_url):
    plan = load_plan(DEMO_PLAN)
    page.goto(f"{app_url}/coverage_map", wait_until="domcontentloaded")
    page.get_by_text("Coverage map").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    frame, content = map_frame(page)

    # Every claimed region is an SVG path; gap regions add more.
    claimed = sum(len(t.region_ids) for t in plan.territories)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    paths = frame.locator("path.leaflet-interactive").count()
    assert paths >= claimed

    legend = page.locator("#territory-legend")  # (under the map: tests/e2e/test_map_legend.py)
    legend.wait_for(timeout=10_000)
    names = legend.locator(".legend-name").all_inner_texts()
    assert names[: len(plan.territories)] == [t.name for t in plan.territories]
    assert "No territory (coverage gap)" in names

    # Territory fills use the plan's colors; regions holding accounts but no territory are drawn as gaps.
    fills = content.evaluate(
        "() => Array.from(document.querySelectorAll('path.leaflet-interactive')).map(p => p.getAttribute('fill'))"
    )
    assert {t.color for t in plan.territories} <= set(fills)
    assert "#d7191c" in fills

    # Accounts are clustered.
    frame.locator(".marker-cluster").first.wait_for(timeout=30_000)

    # The map's assets came from the app itself; nothing tried to leave this machine.
    assert page.requests_off_host == []
    assert content.evaluate("() => typeof L !== 'undefined' && typeof L.markerClusterGroup === 'function'")
    assert page.errors == []

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coverage_map.png"))


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("", "Overview"),
        ("balance", "Balance"),
        ("accounts", "Accounts"),
        ("reps", "Reps"),
        ("data_sources", "Data sources"),
    ],
)
def test_every_page_renders_without_error(page, app_url, path, title):
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator("h1", has_text=title).first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.requests_off_host == []
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page_{path or 'overview'}.png"))


def test_first_visit_to_a_page_url_still_uses_the_app_navigation(browser):
    # Regression: a server whose very first request is /reps ran the page without app.py (old multipage mode).
    from tests.e2e.conftest import running_app

    with running_app() as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/reps", wait_until="domcontentloaded")
        page.locator("h1", has_text="Reps").first.wait_for(timeout=60_000)
        wait_for_rerun(page, timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overview" in nav and "Data sources" in nav
        assert "shared" not in nav
        context.close()


def open_coverage_map(page, app_url):
    page.goto(f"{app_url}/coverage_map", wait_until="domcontentloaded")
    page.locator("h1", has_text="Coverage map").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    frame, content = map_frame(page)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    return frame, content


def count_paths(content, attribute, value):
    return content.evaluate(
        f"() => Array.from(document.querySelectorAll('path.leaflet-interactive'))"
        f".filter(p => p.getAttribute('{attribute}') === '{value}').length"
    )


def test_gap_layer_outlines_regions_with_accounts_but_no_territory(page, app_url):
    from geo.coverage import GAP_COLOR

    frame, content = open_coverage_map(page, app_url)
    # The demo plan leaves New Jersey, Maryland, Connecticut… uncovered: each is outlined in the gap color.
    gaps = count_paths(content, "stroke", GAP_COLOR)
    assert gaps >= 20
    names = content.evaluate(
        "() => Object.values(window.map._layers).filter(l => l.feature && l.options && l.options.color === '"
        + GAP_COLOR
        + "').map(l => l.feature.properties.label)"
    )
    assert {"New Jersey", "Maryland", "Connecticut"} <= set(names)


def test_white_space_layer_can_be_toggled(page, app_url):
    frame, content = open_coverage_map(page, app_url)
    # White-space regions are the only paths stroked #555555; the layer starts hidden.
    assert count_paths(content, "stroke", "#555555") == 0
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="White space").click()
    page.wait_for_function(
        "() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]').contentDocument"
        ".querySelectorAll('path[stroke=\"#555555\"]').length > 0",
        timeout=10_000,
    )
    assert count_paths(content, "stroke", "#555555") >= 30
    frame.locator(".leaflet-control-layers-overlays label", has_text="White space").click()
    page.wait_for_timeout(500)
    assert count_paths(content, "stroke", "#555555") == 0


def open_without_accounts(page, app_url):
    """The Coverage map with its account clusters hidden, so that a click lands on a region, not on a cluster."""
    open_coverage_map(page, app_url)
    page.locator('[data-testid="stSidebar"]').get_by_text("Show accounts").click()
    wait_for_rerun(page)
    frame, content = map_frame(page)
    page.wait_for_timeout(500)
    assert content.evaluate("() => document.querySelectorAll('.marker-cluster').length") == 0
    return frame, content


def test_a_click_on_a_region_shows_its_details(page, app_url):
    frame, content = open_without_accounts(page, app_url)
    # Central Wyoming: no territory claims it, and it holds accounts (a coverage gap).
    point = content.evaluate(
        "() => { const p = window.map.latLngToContainerPoint([43.2, -107.6]); return [p.x, p.y]; }"
    )
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.get_by_text("Wyoming (US-WY)").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    assert page.get_by_text("a coverage gap").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "coverage_map_click.png"))


def test_the_first_click_on_a_region_chooses_it_where_the_map_runs_below_the_window(page, app_url):
    # At 1280 × 900 the map's foot is below the window: Leaflet's focus on the first mouse-down scrolled the page
    # 35 px, the button came up 35 px away, and the click was taken for a drag (a new user's test).
    page.set_viewport_size({"width": 1280, "height": 900})
    frame, content = open_coverage_map(page, app_url)
    page.wait_for_timeout(500)
    scrolled = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"
    before = page.evaluate(scrolled)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    assert box["y"] + box["height"] > 900  # (the case: the map runs below the window)
    click_at(page, content, 39.3, -97.2)  # Kansas: no territory, no cluster there
    page.get_by_text("Kansas (US-KS)").first.wait_for(timeout=30_000)
    assert page.evaluate(scrolled) == before


OUTLINED = """() => (window.territoryMapHighlight || []).map(layer => {
    const b = layer.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })"""


def wait_for_outline(page, content, inside: tuple[float, float]) -> None:
    """Wait until the map outlines one region, a dark line over a white casing, around ``inside`` (lat, lon)."""
    lat, lon = inside
    for _ in range(60):
        outlined = content.evaluate(OUTLINED)
        drawn = content.evaluate("() => document.querySelectorAll('path[stroke=\"#111111\"]').length")
        if len(outlined) == 2 and drawn == 1:
            west, south, east, north = outlined[1]
            if west < lon < east and south < lat < north:
                return
        page.wait_for_timeout(500)
    raise AssertionError(f"no outline around {inside}: {outlined}, {drawn} dark lines")


def pick_region(page, name: str):
    """Pick the region ``name`` in the box beside the map and wait for its details; the box."""
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Region").first
    picker.click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.get_by_text("Largest accounts").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    return picker


def test_the_region_clicked_or_picked_is_outlined_on_the_map(page, app_url):
    # The region whose details are shown was not marked on the map (New Jersey among its neighbours was hard to
    # find, a new user's test): it is outlined, and the outline follows the next click or pick, and goes with none.
    frame, content = open_without_accounts(page, app_url)
    assert content.evaluate(OUTLINED) == []
    click_at(page, content, 39.3, -97.2)  # Kansas: no territory, no cluster there
    page.get_by_text("Kansas (US-KS)").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    frame, content = map_frame(page)
    wait_for_outline(page, content, (38.5, -98.0))
    # The outline takes no clicks: a click inside Kansas again reaches the region under it.
    assert content.evaluate("() => window.territoryMapHighlight.every(l => !l.options.interactive)")
    picker = pick_region(page, "California")
    frame, content = map_frame(page)
    wait_for_outline(page, content, (37.0, -120.0))
    page.screenshot(path=str(ARTIFACTS / "coverage_map_outlined.png"))
    picker.click()
    page.get_by_role("option", name="Click or pick a region").click()
    wait_for_rerun(page)
    for _ in range(40):
        if content.evaluate(OUTLINED) == []:
            break
        page.wait_for_timeout(500)
    assert content.evaluate(OUTLINED) == []
    assert page.errors == []


@pytest.mark.parametrize("width", [1400, 1280])
def test_the_largest_accounts_fit_the_region_details_column(page, app_url, width):
    # The table beside the map shows its columns whole, without a horizontal scroll bar, values in whole dollars.
    # (at 1280 px it was 220 px wide in the column's 195: found by the whole suite run at E2E_WIDTH=1280)
    page.set_viewport_size({"width": width, "height": 1000})
    open_coverage_map(page, app_url)
    pick_region(page, "California")
    column = page.locator('[data-testid="stColumn"]').filter(has_text="Largest accounts").last
    table = column.locator('[data-testid="stDataFrame"]').first
    table.locator(".dvn-scroller").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    widths = table.evaluate(
        "(t) => { const s = t.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth, "
        "t.getBoundingClientRect().right, t.closest('[data-testid=\"stColumn\"]').getBoundingClientRect().right]; }"
    )
    scroll_width, client_width, table_right, column_right = widths
    assert scroll_width <= client_width, widths
    assert table_right <= column_right + 1, widths
    column.screenshot(path=str(ARTIFACTS / f"coverage_map_region_details_{width}.png"))


# Each territory label's text box (the span inside Leaflet's marker) as drawn, and whether it is hidden.
LABEL_BOXES = """() => Array.from(document.querySelectorAll('.territory-label > span')).map(s => {
    const r = s.getBoundingClientRect();
    return {name: s.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            hidden: getComputedStyle(s.parentNode).visibility === 'hidden'};
})"""


def _overlapping(boxes) -> list[tuple[str, str]]:
    shown = [b for b in boxes if not b["hidden"]]
    return [
        (a["name"], b["name"])
        for i, a in enumerate(shown)
        for b in shown[i + 1 :]
        if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]
    ]


# Whether the label "North America East" is shown and wholly inside the map's box, left to right.
INSIDE = """() => {
    const r = window.map.getContainer().getBoundingClientRect();
    const s = [...document.querySelectorAll('.territory-label > span')].find(e => e.textContent === 'North America East');
    if (!s || getComputedStyle(s.parentNode).visibility === 'hidden') return false;
    const b = s.getBoundingClientRect();
    return r.left <= b.left && b.right <= r.right;
}"""


def test_territory_labels_never_overlap_and_come_back_when_zoomed_in(page, app_url):
    # At 1280 px the world view wrote "US West", "US Central" and "Canada West" over each other (a new user's test):
    # a label that would overlap a larger territory's is hidden until a zoom gives it room.
    plan = load_plan(DEMO_PLAN)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/coverage_map", wait_until="domcontentloaded")
    page.get_by_text("Coverage map").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    _, content = map_frame(page)
    content.wait_for_function(
        f"() => document.querySelectorAll('.territory-label > span').length === {len(plan.territories)}",
        timeout=30_000,
    )
    seen = {}
    for zoom in (2, 3, 4, 5):
        # (in braces: setView returns the map, and Playwright took 24 s to copy it back each time)
        content.evaluate(f"() => {{ window.map.setView([39, -95], {zoom}, {{animate: false}}); }}")
        content.wait_for_timeout(300)  # (the labels are set apart on the next animation frame)
        boxes = content.evaluate(LABEL_BOXES)
        assert not _overlapping(boxes), (zoom, boxes)
        seen[zoom] = {b["name"] for b in boxes if not b["hidden"]}
    assert all("US West" in names for names in seen.values()), seen  # (the larger territory's label kept)
    us = {t.name for t in plan.territories if t.territory_id.startswith("US")}
    assert us <= seen[5], seen
    # A label whose point is near the map's edge is moved inside it ("North America East" was cut at the edge).
    for side in ("right", "left"):
        edge = content.evaluate("() => { const r = window.map.getContainer().getBoundingClientRect(); "
                                "return {left: r.left, right: r.right}; }")  # fmt: skip
        label = next(b for b in content.evaluate(LABEL_BOXES) if b["name"] == "North America East")
        centre = (label["left"] + label["right"]) / 2
        target = edge["right"] - 30 if side == "right" else edge["left"] + 30
        content.evaluate(f"() => {{ window.map.panBy([{centre - target}, 0], {{animate: false}}); }}")
        content.wait_for_timeout(300)
        # (and up to 5 s more until it is moved inside: a cold CI machine read it before it was; the assert says so
        # if it never is)
        with contextlib.suppress(Exception):
            content.wait_for_function(INSIDE, timeout=5_000)
        label = next(b for b in content.evaluate(LABEL_BOXES) if b["name"] == "North America East")
        assert abs(label["right"] - label["left"]) > 60  # (a box wider than the 30 px to the edge: it was moved)
        assert not label["hidden"] and edge["left"] <= label["left"] and label["right"] <= edge["right"], (side, label)
        assert not _overlapping(content.evaluate(LABEL_BOXES))
    # Zoomed in where a territory's label is out of view, its name is written in view once more (none was from
    # zoom 7 in: a new user's test); zoomed out again, only the plan's labels are left.
    edge = content.evaluate("() => { const r = window.map.getContainer().getBoundingClientRect(); "
                            "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }")  # fmt: skip
    for centre, zoom, name in (([44, -120], 7, "US West"), ([31, -98], 7, "US South"), ([40, -89], 8, "US Central")):
        content.evaluate(f"() => {{ window.map.setView({centre}, {zoom}, {{animate: false}}); }}")
        content.wait_for_timeout(300)
        boxes = content.evaluate(LABEL_BOXES)
        in_view = [b["name"] for b in boxes if not b["hidden"] and edge["left"] <= b["left"] and b["right"] <=
                   edge["right"] and edge["top"] <= b["top"] and b["bottom"] <= edge["bottom"]]  # fmt: skip
        assert in_view == [name], (centre, zoom, in_view)
        assert not _overlapping(boxes)
    content.evaluate("() => { window.map.setView([39, -95], 4, {animate: false}); }")
    content.wait_for_timeout(300)
    assert len(content.evaluate(LABEL_BOXES)) == len(plan.territories)
    page.screenshot(path=str(ARTIFACTS / "coverage_map_labels_1280.png"))


# Shown labels that overlap an account cluster's bubble (its count; not the pale ring around), as [label, count] pairs.
LABELS_OVER_CLUSTERS = """() => {
    const box = e => e.getBoundingClientRect();
    const clusters = [...document.querySelectorAll('.marker-cluster > div')].filter(c => box(c).width > 0);
    const labels = [...document.querySelectorAll('.territory-label > span')]
        .filter(s => getComputedStyle(s.parentNode).visibility !== 'hidden' && box(s).width > 0);
    return labels.flatMap(s => clusters.filter(c => {
        const a = box(s), b = box(c);
        return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }).map(c => [s.textContent, c.textContent]));
}"""


def test_territory_labels_stay_clear_of_the_account_clusters(page, app_url):
    # On the Overview at 1280 px "US Central", "US South" and "US West" sat under the clusters of 606, 442 and 128
    # accounts (the seventh new user): a label over a cluster is moved just above, below or beside it, at most 48 px,
    # where there is room. (Where there is none, it stays: on the Coverage map's narrower first view "US Central" is
    # wedged between three clusters.)
    plan = load_plan(DEMO_PLAN)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Overview").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    _, content = map_frame(page)
    content.wait_for_function(
        f"() => document.querySelectorAll('.territory-label > span').length === {len(plan.territories)}"
        " && document.querySelectorAll('.marker-cluster').length > 0",
        timeout=30_000,
    )
    try:  # (the clusters fade in after the map is drawn; the labels are set apart again when they have)
        content.wait_for_function(f"() => ({LABELS_OVER_CLUSTERS})().length === 0", timeout=20_000)
    except Exception:
        pass
    page.screenshot(path=str(ARTIFACTS / "coverage_map_labels_clusters_1280.png"))
    assert content.evaluate(LABELS_OVER_CLUSTERS) == []
    boxes = content.evaluate(LABEL_BOXES)
    assert not _overlapping(boxes) and len([b for b in boxes if not b["hidden"]]) >= 5, boxes


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_scale_bar_text_fits_its_bar(page, app_url, width):
    # The map's scale bar read "1000 km" and "500 m|" at 1280 px: folium sets the map's text to 1rem (16 px), and
    # Leaflet sizes the bar by distance for its own 12 px text, so the text ran past the bar and "mi" was cut.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{app_url}/coverage_map", wait_until="domcontentloaded")
    page.get_by_text("Coverage map").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    _, content = map_frame(page)
    for zoom in (2, 3, 4, 5, 8):
        content.evaluate(f"() => {{ window.map.setView([39, -92], {zoom}, {{animate: false}}); }}")
        page.wait_for_timeout(300)
        lines = content.evaluate(
            "() => [...document.querySelectorAll('.leaflet-control-scale-line')]"
            ".map(e => [e.textContent, e.scrollWidth - e.clientWidth])"
        )
        assert len(lines) == 2 and all(over <= 0 for _, over in lines), (zoom, lines)


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_region_box_shows_its_prompt_whole(page, app_url, width):
    # Beside the map, the Region box read "Click a region on the map" (1280 px) or "Click a region on the map, or
    # pic" (1440 px): its 219 px prompt in 147 px and 187 px.
    page.set_viewport_size({"width": width, "height": 900})
    open_coverage_map(page, app_url)
    seen = page.get_by_role("combobox", name="Region", exact=True).evaluate(
        "i => [i.value, i.scrollWidth, i.clientWidth]"
    )
    assert seen[0] == "Click or pick a region" and seen[1] <= seen[2], seen


@contextlib.contextmanager
def _map_alone(browser, tmp_path, plan):
    """The coverage map of ``plan`` (no accounts) served alone, without the app: (page, the map's JS name)."""
    from geo.coverage import coverage_layers
    from geo.layers import build_coverage_map

    layers = coverage_layers(plan, pd.DataFrame(columns=["region_id", "territory_id", "value"]))
    fmap = build_coverage_map(layers.regions, layers.outlines, layers.legend, labels=layers.labels)
    (tmp_path / "app" / "static").mkdir(parents=True)
    (tmp_path / "app" / "static" / "vendor").symlink_to(ARTIFACTS.parent / "static" / "vendor")
    (tmp_path / "map.html").write_text(fmap.get_root().render())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/map.html")
        name = fmap.get_name()
        page.wait_for_function(f"() => window.{name} && window.{name}._loaded")
        yield page, name
    finally:
        context.close()
        server.shutdown()


FLOATS = "() => Array.from(document.querySelectorAll('.territory-label-float')).map(d => d.textContent)"


def test_a_territory_whose_id_needs_escaping_is_named_in_view_when_its_label_is_not(browser, tmp_path):
    # Zoomed in on Washington, away from the label of a territory whose id has & < > " and ' in it, its name is
    # written in view once more: the label's data-territory (unescaped as the browser reads it) and the outline's
    # territory_id (escaped by to_geojson) did not match, and no name came ("R&D" against "R&amp;D").
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "R&D <\"x'>", "name": "Research & <Dev>", "region_ids": ["US-CA", "US-OR", "US-WA"]},
                {"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
            ],
            "reps": [],
        }
    )
    with _map_alone(browser, tmp_path, plan) as (page, name):
        page.evaluate(f"() => {{ window.{name}.setView([47.5, -122.5], 7, {{animate: false}}); }}")
        page.wait_for_timeout(400)
        assert page.evaluate(FLOATS) == ["Research & <Dev>"]
        assert not page.errors


def test_no_float_label_reads_undefined_for_a_territory_named_like_an_object_property(browser, tmp_path):
    # With the labels layer off, the territories' names were looked up in a plain object: a territory whose id is
    # "constructor" (or "toString" …) found Object's own and was written in view as "undefined".
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "constructor", "name": "West", "region_ids": ["US-CA", "US-OR", "US-WA"]},
                {"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
            ],
            "reps": [],
        }
    )
    with _map_alone(browser, tmp_path, plan) as (page, name):
        page.evaluate(f"() => {{ window.{name}.setView([47.5, -122.5], 7, {{animate: false}}); }}")
        page.wait_for_timeout(400)
        assert page.evaluate(FLOATS) == ["West"]  # (its label out of view: named once more)
        # the layer control's "Territory labels" unticked: that group leaves the map, and no name is written
        page.evaluate(
            f"""() => {{ const map = window.{name}, labels = [];
            map.eachLayer(l => {{ if (l instanceof L.FeatureGroup && l.getLayers().some(m => m.getElement
                && m.getElement() && m.getElement().querySelector('.territory-label'))) {{ labels.push(l); }} }});
            labels.forEach(l => map.removeLayer(l)); map.fire('moveend'); }}"""
        )
        page.wait_for_timeout(400)
        assert page.evaluate(FLOATS) == []
        assert not page.errors


def test_a_label_over_another_moves_beside_it_within_its_own_territory(browser, tmp_path):
    # A new rep's Rockies (Colorado, Utah, Nevada, Idaho) between US West and US Central had no name on any map: its
    # label met US West's and was hidden (the tenth new user's test). It moves just above, below or beside the
    # label kept, where its middle stays in Rockies; no two labels overlap.
    plan = plan_from_dict(
        {
            "territories": [
                {"territory_id": "USW", "name": "US West", "region_ids": ["US-CA", "US-OR", "US-WA", "US-AZ"]},
                {"territory_id": "ROCKIES", "name": "Rockies", "region_ids": ["US-CO", "US-UT", "US-NV", "US-ID"]},
                {"territory_id": "USC", "name": "US Central", "region_ids": ["US-KS", "US-NE", "US-SD", "US-ND"]},
            ],
            "reps": [],
        }
    )
    with _map_alone(browser, tmp_path, plan) as (page, name):
        placed = {}
        for zoom in (2, 3, 4):
            page.evaluate(f"() => {{ window.{name}.setView([40, -110], {zoom}, {{animate: false}}); }}")
            page.wait_for_timeout(400)
            boxes = page.evaluate(LABEL_BOXES)
            assert not _overlapping(boxes), (zoom, boxes)
            placed[zoom] = {b["name"]: b for b in boxes if not b["hidden"]}
        # At zoom 3 the three names fit, Rockies' moved off US West's and still over Rockies' own states.
        assert set(placed[3]) == {"US West", "Rockies", "US Central"}, placed[3]
        rockies = placed[3]["Rockies"]
        middle = page.evaluate(
            f"""() => {{ const map = window.{name}, box = map.getContainer().getBoundingClientRect();
            const at = map.containerPointToLatLng([{(rockies["left"] + rockies["right"]) / 2} - box.left,
                                                   {(rockies["top"] + rockies["bottom"]) / 2} - box.top]);
            return [at.lat, at.lng]; }}"""
        )
        states = load_regions("state")
        rocky = shapely.union_all(states[states["region_id"].isin(["US-CO", "US-UT", "US-NV", "US-ID"])].geometry)
        assert rocky.contains(shapely.Point(middle[1], middle[0])), middle
        assert not page.errors


def _centre(content) -> tuple[float, float]:
    return tuple(content.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng]; }"))


def choose_zoom(page, option: str) -> None:
    """Pick ``option`` under "Zoom to" in the sidebar and wait for the rerun."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_role("combobox", name="Zoom to"))
    for _ in range(5):  # (a rerun the map starts may close the list just opened: again)
        wait_for_rerun(page)
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).last.click(timeout=3_000)
            break
        except Exception:  # noqa: BLE001
            page.keyboard.press("Escape")
    wait_for_rerun(page, timeout=60_000)


def test_the_map_opens_on_north_america_and_zooms_to_a_territory(page, app_url):
    # The Coverage map opened on half the world (the demo's Europe West too), the US territories small (a review).
    page.goto(f"{app_url}/coverage_map", wait_until="domcontentloaded")
    page.get_by_text("Coverage map").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    _, content = map_frame(page)
    lat, lon = _centre(content)
    assert 25 < lat < 50 and -120 < lon < -80 and content.evaluate("() => window.map.getZoom()") >= 3, (lat, lon)

    choose_zoom(page, "Europe West")
    _, content = map_frame(page)
    content.wait_for_function("() => { const c = window.map.getCenter(); return c.lng > -15 && c.lng < 30; }",
                              timeout=15_000)  # fmt: skip
    lat, lon = _centre(content)
    assert 40 < lat < 58 and -10 < lon < 25 and content.evaluate("() => window.map.getZoom()") >= 4, (lat, lon)
    # moved by hand, the view stays where it was put on the next rerun (a toggle), not fitted again
    content.evaluate("() => { window.map.setView([48.1, 11.6], 7, {animate: false}); }")
    page.get_by_text("Show accounts").first.click()
    wait_for_rerun(page, timeout=60_000)
    page.wait_for_timeout(1_000)
    _, content = map_frame(page)
    lat, lon = _centre(content)
    assert abs(lat - 48.1) < 0.5 and abs(lon - 11.6) < 0.5, (lat, lon)
    assert page.errors == []


# The map's controls (zoom, layers, scale, attribution) as drawn, and every label shown that meets one.
UNDER_CONTROLS = """() => {
    const controls = [...document.querySelectorAll('.leaflet-control')].map(c => c.getBoundingClientRect())
        .filter(c => c.width > 0);
    return [...document.querySelectorAll('.territory-label > span')]
        .filter(s => getComputedStyle(s.parentNode).visibility !== 'hidden')
        .filter(s => { const r = s.getBoundingClientRect(); return r.width > 0 && controls.some(c =>
            r.left < c.right && c.left < r.right && r.top < c.bottom && c.top < r.bottom); })
        .map(s => s.textContent);
}"""


def test_no_territory_label_is_drawn_under_the_map_controls(page, app_url):
    # After "Zoom to → US South" at 1280 px, "North America East" sat under the layer control (a new user's test).
    page.set_viewport_size({"width": 1280, "height": 900})
    open_coverage_map(page, app_url)
    choose_zoom(page, "US South")
    _, content = map_frame(page)
    content.wait_for_function("() => window.map.getCenter().lat < 36", timeout=15_000)
    page.wait_for_timeout(3_500)  # (the labels are set apart again as the map settles)
    assert content.evaluate(UNDER_CONTROLS) == []
    page.screenshot(path=str(ARTIFACTS / "coverage_map_us_south.png"))
    # Anywhere on the map: a few views, each label clear of every control.
    for lat, lon, zoom in [(45, -75, 5), (30, -80, 5), (50, -100, 4), (35, -118, 5)]:
        content.evaluate(f"() => {{ window.map.setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")
        page.wait_for_timeout(800)
        assert content.evaluate(UNDER_CONTROLS) == [], (lat, lon, zoom)
    assert page.errors == []


def test_a_region_clicked_again_after_another_was_picked_is_chosen_again(page, app_url):
    # Kansas clicked, California picked in the box, Kansas clicked again: the map sent nothing (the same value as
    # its last), and the details stayed on California.
    frame, content = open_without_accounts(page, app_url)
    click_at(page, content, 39.3, -97.2)
    page.get_by_text("Kansas (US-KS)").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    pick_region(page, "California")
    assert page.get_by_text("Kansas (US-KS)").count() == 0
    frame, content = map_frame(page)
    page.wait_for_timeout(500)
    click_at(page, content, 39.3, -97.2)
    page.get_by_text("Kansas (US-KS)").first.wait_for(timeout=30_000)
