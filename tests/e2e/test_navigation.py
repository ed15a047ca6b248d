"""The browser's Back button: a page shown is one or two steps of its history, not four."""

from __future__ import annotations

from tests.e2e.conftest import wait_for_rerun


def test_each_page_shown_is_at_most_two_steps_back(page, app_url):
    # The address names the tab and the open plan (?session=…&plan=1&version=1); written one by one after Streamlit
    # wrote the page's address without them, each page shown took four steps of the history, and leaving a page
    # took as many presses of Back (the tenth new user's test: six on Edit territories).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Overview").first.wait_for(timeout=60_000)
    wait_for_rerun(page, timeout=60_000)
    page.wait_for_function("() => location.search.includes('session=')", timeout=30_000)
    steps = [page.evaluate("history.length")]
    for link, path in (("Balance", "/balance"), ("Accounts", "/accounts"), ("Reps", "/reps")):
        page.get_by_role("link", name=link, exact=True).click()
        page.wait_for_function(f"() => location.pathname.endsWith('{path}') && location.search.includes('session=')",
                               timeout=60_000)  # fmt: skip
        wait_for_rerun(page, timeout=60_000)
        page.wait_for_timeout(500)
        steps.append(page.evaluate("history.length"))
    assert all(0 < b - a <= 2 for a, b in zip(steps, steps[1:], strict=False)), steps
    # Back twice at most leaves Reps for Accounts.
    for _ in range(2):
        page.go_back()
        page.wait_for_timeout(1_000)
        if page.evaluate("location.pathname").endswith("/accounts"):
            break
    assert page.evaluate("location.pathname").endswith("/accounts")
