"""The Reps page in a browser at 1280 px: the roster and what moved fit the page (a new user's test)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, SCROLLS, wait_for_rerun

pytestmark = pytest.mark.e2e

HEADER, ROW, SELECT = 35, 35, 33  # the data editor's header and row heights, and its row-selection column, in px


def test_the_roster_and_what_moved_fit_at_1280_px(page, app_url):
    # At 1280 px the roster was 1,485 px wide in 818: the ids and CRM owners sat between the columns a manager edits.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/reps", wait_until="domcontentloaded")
    page.locator("h1", has_text="Reps").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    editor = page.locator('[data-testid="stDataFrame"]').first
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stDataFrame\"] .dvn-scroller') !== null", timeout=30_000
    )
    assert editor.evaluate(SCROLLS) <= 0
    # Every rep in view, without scrolling down (12 reps and the row that adds one).
    assert editor.bounding_box()["height"] >= 14 * ROW
    # Take the first rep (Sarah Chen) off the team: the Active box is the second column (Name is 112 px).
    box = editor.bounding_box()
    page.mouse.click(box["x"] + SELECT + 112 + 33, box["y"] + HEADER + ROW / 2)
    apply = page.get_by_role("button", name="Apply changes and re-run the assignment")
    apply.click()
    page.get_by_text("What moved:").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    heading = page.get_by_role("heading", name="What moved")
    assert "account(s)" in heading.inner_text() and not heading.inner_text().startswith("What moved: 0")
    # The sidebar, on every page, names the open plan and now says it has unsaved changes.
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "unsaved changes" in sidebar.get_by_text("Open:").first.inner_text()
    tables = page.locator('[data-testid="stDataFrame"]')
    assert tables.count() == 3  # the roster, the accounts that moved, per rep
    for i in range(3):
        tables.nth(i).scroll_into_view_if_needed()
        assert tables.nth(i).evaluate(SCROLLS) <= 0, i
    # The ids and CRM owners are one toggle away, and the roster then scrolls like a spreadsheet.
    page.get_by_text("Show rep ids and CRM owners").click()
    wait_for_rerun(page)
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-testid=\"stDataFrame\"] .dvn-scroller');"
        " return s && s.scrollWidth > s.clientWidth; }",
        timeout=30_000,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reps_1280.png"), full_page=True)
