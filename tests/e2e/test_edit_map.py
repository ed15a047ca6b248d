"""Editing territories in Chromium: a click moves a county, a drawn polygon previews and moves regions, undo.

Every figure the balance panel shows is compared with what ``territory/`` computes for the same edit.
"""

from __future__ import annotations

import json
import re

import pytest

from geo.editing import regions_in_shape
from tests.conftest import demo_state as demo_engine_state
from tests.e2e.conftest import ARTIFACTS, click_at, current_map, wait_for_rerun

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_state():
    return demo_engine_state()


def open_editor(page, app_url, level="county"):
    page.goto(f"{app_url}/edit_map", wait_until="domcontentloaded")
    page.get_by_text("Edit territories").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    content = current_map(page)
    if level == "county":
        page.locator('[data-testid="stSidebar"]').get_by_text("US counties").click()
        wait_for_rerun(page, timeout=60_000)
        content = current_map(page, replacing=content, timeout=60_000)
    return content


def panel_rows(page) -> dict[str, list[str]]:
    """The balance panel's territories and reps: name -> their figures, in the tables' order.

    A table of a few is on its side (a column per territory or rep, a row per figure, to fit at 1280 px); a longer
    one has a row each.
    """
    rows = {}
    for table in page.locator('[data-testid="stTable"]').all():
        head = [c.strip() for c in table.locator("thead th").all_inner_texts()]
        body = [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tbody tr").all()]
        if "Util." in head:
            rows.update({cells[0]: cells[1:] for cells in body if cells})
        elif any(cells and cells[0] == "Util." for cells in body):
            rows.update({name: [cells[j] for cells in body] for j, name in enumerate(head) if j and name})
    return rows


def before_after(cell: str) -> tuple[str, str]:
    parts = [p.strip() for p in cell.split("→")]
    return (parts[0], parts[-1])


def as_number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def team_score(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Team balance score").first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def check_panel(page, before, after, territory_id):
    """The panel's figures for ``territory_id`` and every rep the edit touched equal the engine's."""
    old = before.balance.territories.set_index("territory_id")
    new = after.balance.territories.set_index("territory_id")
    name = after.plan.territory(territory_id).name
    rows = panel_rows(page)
    accounts = before_after(rows[name][0])
    assert as_number(accounts[0]) == old.loc[territory_id, "accounts"]
    assert as_number(accounts[1]) == new.loc[territory_id, "accounts"]
    workload = before_after(rows[name][2])
    assert as_number(workload[1]) == round(new.loc[territory_id, "workload"])
    score = before_after(rows[name][4])
    assert score[1] == f"{new.loc[territory_id, 'balance_score']:.3f}"
    reps = after.balance.reps.set_index("rep_id")
    for rep_id in set(after.flows["to_rep_id"].dropna()) | set(after.flows["from_rep_id"].dropna()):
        cells = rows[reps.loc[rep_id, "name"]]
        assert as_number(before_after(cells[0])[1]) == reps.loc[rep_id, "accounts"]
    assert team_score(page) == f"{after.balance.team['balance_score']:.3f}"


def paint_harris_county(page, content):
    """Click Harris County, Texas (US South) with "Paint with: North America East"; the map once redrawn."""
    # (Harris County left of the map's center: the controls are at the edges)
    content.evaluate("() => { window.map.setView([30.1, -94.6], 8, {animate: false}); }")
    page.wait_for_timeout(400)
    click_at(page, content, 29.85, -95.4)
    page.get_by_text("(US-48201) to North America East").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    return current_map(page, replacing=content)


def map_top(page) -> float:
    """Where the map's frame starts on the screen (px from the window's top)."""
    return page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()["y"]


def test_a_click_on_a_county_moves_it_and_the_panel_shows_the_engines_numbers(page, app_url, demo_state):
    content = open_editor(page, app_url)
    top = map_top(page)
    # Harris County, Texas (US South) painted into the first territory, North America East.
    redrawn = paint_harris_county(page, content)
    # The map stays where it was: "All saved." above it turned into "Unsaved changes — …", wrapped to a second line
    # and moved the map 22 px down, so the next clicks painted the region north of the one aimed at (a review).
    assert map_top(page) == pytest.approx(top, abs=0.5)
    assert page.get_by_text("Unsaved changes").first.is_visible()
    expected = demo_state.move_regions(["US-48201"], "NAE")
    check_panel(page, demo_state, expected, "NAE")
    check_panel(page, demo_state, expected, "USS")
    # The redrawn map opens where the user was, not at the fitted overview.
    assert redrawn.evaluate("() => window.map.getZoom()") == 8
    # The county is now drawn in the territory's color.
    fills = redrawn.evaluate(
        "() => Array.from(document.querySelectorAll('path.leaflet-interactive')).map(p => p.getAttribute('fill'))"
    )
    assert demo_state.plan.territory("NAE").color in fills
    page.screenshot(path=str(ARTIFACTS / "edit_map_click.png"))
    assert not page.requests_off_host


# A region's fill and its tooltip's text as the map shows them (the clickable shape the territories paint).
REGION_SHOWN = """id => {
    let shown = null;
    window.paintableRegions.eachLayer(path => {
        if (path.feature.properties.region_id === id) {
            path.openTooltip(path.getBounds().getCenter());
            shown = {fill: path.options.fillColor, opacity: path.options.fillOpacity,
                     tip: path.getTooltip().getElement().innerText};
            path.closeTooltip();
        }
    });
    return shown;
}"""


def test_the_territories_paint_the_clickable_counties_and_an_edit_repaints_them(page, app_url, demo_state):
    # After an edit the county map sent every county's shape again (1.1 MB) and drew 2,000 new ones over the
    # clickable ones; now the territories paint the clickable shapes. Colors, tooltips and the layer control the same.
    content = open_editor(page, app_url)
    usw, nae = demo_state.plan.territory("USW"), demo_state.plan.territory("NAE")
    shown = content.evaluate(REGION_SHOWN, "US-06037")  # Los Angeles
    assert shown["fill"] == usw.color and shown["opacity"] == 0.45, shown
    assert "Los Angeles, CA" in shown["tip"] and usw.name in shown["tip"], shown
    gap = content.evaluate(REGION_SHOWN, "US-15003")  # Honolulu: in no territory (a coverage gap over it)
    assert gap["fill"] == "#ffffff" and gap["opacity"] == 0.05 and "Territory" not in gap["tip"], gap
    # "Territories" off in the layer control takes the paint off; on again, it is back.
    content.evaluate("() => { window.map.removeLayer(window.feature_group[0]); }")
    page.wait_for_timeout(200)
    assert content.evaluate(REGION_SHOWN, "US-06037")["fill"] == "#ffffff"
    content.evaluate("() => { window.map.addLayer(window.feature_group[0]); }")
    page.wait_for_timeout(200)
    assert content.evaluate(REGION_SHOWN, "US-06037")["fill"] == usw.color
    # An edit: the county takes its new territory's color and name; the others keep theirs.
    content.evaluate("() => { window.__replaced = window.feature_group.map(group => new WeakRef(group)); }")
    redrawn = paint_harris_county(page, content)
    # The layers it replaced are let go of (each edit kept them all in reach: 12-13 MB a county-level edit, until the
    # page was left): nothing holds them once the garbage is collected, and st_folium's list holds only today's.
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    kept = redrawn.evaluate("() => window.__replaced.filter(ref => ref.deref() !== undefined).length")
    assert kept == 0, f"{kept} of the replaced layers are still reachable"
    assert redrawn.evaluate("() => window.feature_group.length") == content.evaluate("() => window.__replaced.length")
    harris = redrawn.evaluate(REGION_SHOWN, "US-48201")
    assert harris["fill"] == nae.color and nae.name in harris["tip"], harris
    # The clicked shape stays (not drawn anew): no focus box is left around it (a review).
    assert redrawn.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") in ("none", "")
    assert redrawn.evaluate(REGION_SHOWN, "US-06037")["fill"] == usw.color
    # (each county's shape is on the map once: the clickable one)
    drawn = "() => Object.values(window.map._layers).filter(l => l.feature && l.feature.properties.region_id === 'US-48201').length"
    assert redrawn.evaluate(drawn) == 1
    assert not page.requests_off_host


def test_clicks_faster_than_the_page_answers_each_paint_their_region(page, app_url, demo_state):
    # Five clicks 150 ms apart painted three of five regions, unsaid (a review): the component keeps one value. Each
    # click is listed in the map and applied in turn; a double click is one click (not painted and taken out).
    content = open_editor(page, app_url, level="state")
    content.evaluate("() => { window.map.setView([39.0, -97.0], 5, {animate: false}); }")
    page.wait_for_timeout(400)
    aimed = {"US-KS": (38.5, -98.5), "US-NE": (41.6, -99.8), "US-OK": (35.6, -97.4), "US-MO": (38.4, -92.5)}
    for lat, lon in aimed.values():
        click_at(page, content, lat, lon)
        page.wait_for_timeout(150)
    page.mouse.dblclick(*_on_screen(page, content, 42.0, -93.5))  # Iowa
    # (North America East takes only some industries: a region painted with it is shared, said in its tooltip)
    painted = (
        f"() => {json.dumps([*aimed, 'US-IA'])}.every(id => ({REGION_SHOWN})(id).tip.includes('North America East'))"
    )
    content.wait_for_function(painted, timeout=90_000)
    wait_for_rerun(page, timeout=60_000)
    shown = {r: content.evaluate(REGION_SHOWN, r)["tip"] for r in [*aimed, "US-IA"]}
    assert all("North America East" in tip for tip in shown.values()), shown
    assert not page.errors


def _on_screen(page, content, lat: float, lon: float) -> tuple[float, float]:
    x, y = content.evaluate(
        f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}"
    )
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    return box["x"] + x, box["y"] + y


def test_a_drawn_polygon_previews_the_regions_past_the_threshold_applies_and_undoes(page, app_url, demo_state):
    content = open_editor(page, app_url)
    content.evaluate("() => { window.map.setView([38.5, -98.0], 7, {animate: false}); }")
    page.wait_for_timeout(400)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    corners = [(38.0, -99.6), (39.2, -99.4), (39.1, -97.2), (37.9, -97.5)]
    pixels = [content.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{a}, {o}]); return [p.x, p.y]; }}")
              for a, o in corners]  # fmt: skip
    drawn = [content.evaluate(f"() => {{ const l = window.map.containerPointToLatLng([{x}, {y}]); return [l.lng, l.lat]; }}")
             for x, y in pixels]  # fmt: skip
    content.locator(".leaflet-draw-draw-polygon").click()
    for x, y in pixels + pixels[:1]:
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(150)
    page.get_by_text("Drawn shape").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    polygon = {"type": "Polygon", "coordinates": [drawn + drawn[:1]]}
    shares = regions_in_shape(polygon, "county", threshold=0.5)
    preview = page.locator('[data-testid="stTable"]').first
    header = [c.strip() for c in preview.locator("thead tr").last.locator("th").all_inner_texts()]
    column = header.index("Id")
    ids = {
        [c.strip() for c in row.locator("th, td").all_inner_texts()][column]
        for row in preview.locator("tbody tr").all()
    }
    expected = set(shares.loc[shares["selected"], "region_id"])
    doubtful = set(shares.loc[(shares["share"] - 0.5).abs() < 0.01, "region_id"])
    assert ids - doubtful == expected - doubtful
    assert len(expected) >= 5
    # Apply and Cancel side by side (in two columns, Cancel stood half the map away), under the map and beside the
    # preview, where they are in the window (under the map and its legend they were 600 px below it, a review).
    for where in ("draw_apply", "draw_apply_panel"):
        apply = page.locator(f".st-key-{where} button")
        cancel = page.locator(f".st-key-{where.replace('apply', 'cancel')} button")
        a, c = apply.bounding_box(), cancel.bounding_box()
        assert abs(a["y"] - c["y"]) < 2 and 0 <= c["x"] - (a["x"] + a["width"]) <= 24, (where, a, c)
    apply = page.locator(".st-key-draw_apply_panel button")
    assert apply.bounding_box()["y"] + apply.bounding_box()["height"] <= page.viewport_size["height"], (
        apply.bounding_box()
    )
    # and what the shape does, with which territory, above them beside the map (it was under the map, a review)
    chooser = page.locator(".st-key-draw_chooser")
    where = chooser.bounding_box()
    assert where["x"] >= box["x"] + box["width"] - 1 and where["y"] + where["height"] < apply.bounding_box()["y"]
    assert "Move to" in chooser.inner_text() and "Move to a territory" in chooser.inner_text()
    page.screenshot(path=str(ARTIFACTS / "edit_map_drawn.png"))
    apply.click()
    page.get_by_text("Balance after the last edit").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    after = demo_state.move_regions(sorted(ids), "NAE")
    check_panel(page, demo_state, after, "NAE")
    page.get_by_role("button", name="↶ Undo").click()
    page.get_by_text("No edit yet").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    assert team_score(page) == f"{demo_state.balance.team['balance_score']:.3f}"
    page.screenshot(path=str(ARTIFACTS / "edit_map_undo.png"))


def test_a_renamed_territory_stays_picked_in_paint_with(page, app_url):
    # Renaming the territory picked in "Paint with" made the box fall back to the first territory at the next
    # action (the browser held the old label), so the next click painted North America East.
    open_editor(page, app_url, level="state")

    def picked(label: str) -> str:
        return page.get_by_role("combobox", name=label, exact=True).get_attribute("value")

    def choose(label: str, option: str) -> None:
        # (a rerun the map starts, once drawn, may close a list just opened: open it again)
        box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_role("combobox", name=label,
                                                                                       exact=True))  # fmt: skip
        for _ in range(5):
            wait_for_rerun(page)
            page.wait_for_timeout(500)
            box.click()
            try:
                page.get_by_role("option", name=option, exact=True).last.click(timeout=3_000)
                break
            except Exception:  # noqa: BLE001 (closed before the click: again)
                page.keyboard.press("Escape")
        wait_for_rerun(page)
        assert picked(label) == option

    choose("Paint with", "US Central")
    page.get_by_role("tab", name="Territory settings").click()
    choose("Territory", "US Central")
    # (the settings fields are filled from the plan on the rerun that picked the territory: a name typed before
    # that rerun ends is overwritten, and the save changes nothing; so type and save until the save took)
    name = page.get_by_role("textbox", name="Name", exact=True)
    for _ in range(3):
        name.fill("Midwest")
        name.press("Enter")
        page.wait_for_timeout(500)
        wait_for_rerun(page)
        if name.input_value() != "Midwest":
            continue
        page.get_by_role("button", name="Save territory").click()
        page.wait_for_timeout(500)
        wait_for_rerun(page)
        if page.get_by_text(re.compile(r"Renamed .* to Midwest")).count():
            break
    wait_for_rerun(page)
    assert picked("Paint with") == "Midwest"
    page.locator('[data-testid="stSidebar"]').get_by_text("Show accounts").click()  # any other action
    page.wait_for_timeout(500)
    wait_for_rerun(page)
    assert picked("Paint with") == "Midwest"  # (it fell back to North America East here)


def test_a_reload_of_the_browser_keeps_an_unsaved_edit(page, app_url):
    content = open_editor(page, app_url)
    # (in braces: returned, the map itself took Playwright ~70 s to serialise, most of this test's time in CI)
    content.evaluate("() => { window.map.setView([30.1, -94.6], 8, {animate: false}); }")
    page.wait_for_timeout(400)
    click_at(page, content, 29.85, -95.4)  # Harris County, Texas, to North America East
    page.get_by_text("(US-48201) to North America East").first.wait_for(timeout=30_000)
    wait_for_rerun(page)
    assert "session=" in page.url and "plan=" in page.url  # the address names the tab and its plan
    address = page.url
    page.reload(wait_until="domcontentloaded")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Unsaved changes restored").wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    assert page.url == address
    # the edit is still there: the Plans page counts it as unsaved
    page.goto(address.replace("/edit_map", "/plans"), wait_until="domcontentloaded")
    page.get_by_text("unsaved").first.wait_for(timeout=60_000)
    # Discard (it asks first): back to the stored plan, and a second reload restores nothing
    sidebar.get_by_role("button", name="Discard…").click()
    sidebar.get_by_text("cannot be brought back").wait_for(timeout=30_000)
    sidebar.get_by_role("button", name="Discard", exact=True).click()
    wait_for_rerun(page)
    page.reload(wait_until="domcontentloaded")
    wait_for_rerun(page, timeout=60_000)
    page.wait_for_timeout(1000)
    assert sidebar.get_by_text("Unsaved changes restored").count() == 0
    page.screenshot(path=str(ARTIFACTS / "reload_restores.png"))
    assert not page.requests_off_host
