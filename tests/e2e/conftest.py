"""A real dashboard in a real browser: `streamlit run` on a free port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app():
    """`streamlit run app.py` on a free port of 127.0.0.1; yields its URL once /_stcore/health answers."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"the dashboard did not answer on /_stcore/health within 60 s; see {log.name}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A page that records every request and refuses any that leaves 127.0.0.1."""
    # (E2E_WIDTH=1280 runs the whole suite in a narrower window; the tests that measure widths set their own)
    context = browser.new_context(viewport={"width": int(os.environ.get("E2E_WIDTH", "1400")), "height": 1000})
    page = context.new_page()
    page.requests_off_host = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            page.requests_off_host.append(url)
            route.abort()

    page.route("**/*", guard)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def wait_for_rerun(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the script run and nothing is stale."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0", timeout=timeout)


# What each map iframe holds, for a map that did not load: whether its page, Leaflet, the map and its view are there.
_MAP_STATE = """() => ({
    ready: document.readyState,
    leaflet: typeof window.L !== "undefined",
    map: !!window.map,
    loaded: !!(window.map && window.map._loaded),
    div: !!document.getElementById("map_div"),
    scripts: document.scripts.length,
})"""


def describe_maps(page) -> str:
    """One line per st_folium iframe of the page: its size on the page and what its document holds."""
    lines = []
    iframes = page.locator('iframe[title="streamlit_folium.st_folium"]')
    for i in range(iframes.count()):
        try:
            handle = iframes.nth(i).element_handle(timeout=1_000)
            box = handle.bounding_box() if handle else None
            content = handle.content_frame() if handle else None
            state = content.evaluate(_MAP_STATE) if content else "no document"
            lines.append(f"iframe {i}: box {box}, {state}")
        except Exception as exc:  # (a rerun swapped it meanwhile: say so, the rest still helps)
            lines.append(f"iframe {i}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    return "; ".join(lines) or "no map iframe"


def map_frame(page, timeout: float = 45_000, *, last: bool = False):
    """The Leaflet map inside st_folium's iframe (the page's first map, or its ``last``), once it has loaded.

    The iframe is looked for again every few seconds until the deadline: a rerun may swap it between finding it and
    reading its content (a CI run found it detached), or leave the one found waiting for a render that goes to its
    successor (a loaded CI run waited 30 s on one whose map never loaded). A map that does not load in ``timeout`` ms
    fails with what each map iframe holds.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=timeout)
    frames = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame = frames.last if last else frames.first
    frame.locator("#map_div").wait_for(timeout=max((deadline - time.monotonic()) * 1000, 1_000))
    error = None
    while True:
        try:
            iframes = page.locator('iframe[title="streamlit_folium.st_folium"]')
            handle = (iframes.last if last else iframes.first).element_handle(timeout=2_000)
            content = handle.content_frame() if handle else None
            if content is not None:
                left = min(max((deadline - time.monotonic()) * 1000, 1_000), 5_000)
                content.wait_for_function("() => window.map && window.map._loaded", timeout=left)
                return frame, content
        except Exception as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the map did not load in {timeout / 1000:.0f} s: {describe_maps(page)}") from error
        page.wait_for_timeout(200)


def screenshot_map(page, path, timeout: float = 15_000) -> None:
    """A screenshot of the map's iframe, looked for again when a rerun swaps it meanwhile ("not attached")."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            page.locator('iframe[title="streamlit_folium.st_folium"]').first.screenshot(path=str(path), timeout=5_000)
            return
        except Exception:
            if time.monotonic() >= deadline:
                raise
            page.wait_for_timeout(300)


def current_map(page, *, replacing=None, timeout: float = 30_000):
    """The map iframe's content frame once its Leaflet map has loaded and drawn the plan's layers.

    ``replacing``: the map as it was before an edit; waits until the plan's layers have been drawn again
    (in the same map, or in a new one).
    """
    deadline = time.monotonic() + timeout / 1000
    last_error = None
    while time.monotonic() < deadline:
        try:
            handle = page.locator('iframe[title="streamlit_folium.st_folium"]').first.element_handle(timeout=2_000)
            content = handle.content_frame() if handle else None
            if content is not None:
                ready = "window.map && window.map._loaded && window.territoryLayersDrawn"
                fresh = "true" if replacing is None else "window.territoryLayersDrawn !== window.__seenLayers"
                if content.evaluate(f"() => Boolean({ready} && ({fresh}))"):
                    content.evaluate("() => { window.__seenLayers = window.territoryLayersDrawn; }")
                    return content
        except Exception as error:  # the iframe was swapped while we looked at it
            last_error = error
        time.sleep(0.05)
    raise AssertionError(f"no (redrawn) map within {timeout / 1000:.0f} s; last error: {last_error}")


def click_at(page, content, lat: float, lon: float) -> None:
    """Click the map at a latitude/longitude (through the page, as a user's mouse does)."""
    x, y = content.evaluate(
        f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}"
    )
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


# How far a table (st.dataframe) scrolls sideways: 0 or less when every column is in view.
SCROLLS = "e => { const s = e.querySelector('.dvn-scroller'); return s ? s.scrollWidth - s.clientWidth : null; }"


def settled_scroll(table, timeout_ms: int = 10_000) -> float:
    """How far ``table`` scrolls sideways once its columns are laid out (:data:`SCROLLS`).

    The grid sizes its columns after it is drawn: measured at once, the roster at 1280 px scrolled 84 px in one CI
    run and none in the screenshot taken a moment later. Waits up to ``timeout_ms`` for no scroll, then measures.
    """
    try:
        table.page.wait_for_function(
            "e => { const s = e.querySelector('.dvn-scroller'); return s && s.scrollWidth - s.clientWidth <= 0; }",
            arg=table.element_handle(),
            timeout=timeout_ms,
        )
    except Exception:  # (still scrolling: the caller's assertion says by how much)
        pass
    return table.evaluate(SCROLLS)


# How far the widest of an element and what it holds runs past its box (a line cut with "…" runs past it).
OVERFLOWS = "e => Math.max(...[e, ...e.querySelectorAll('*')].map(x => x.scrollWidth - x.clientWidth))"


# The map's box and every legend's, in the page's coordinates: one in the map (inside its iframe: ``inFrame``) or
# the one on the page (``selector``); for the page's, each entry's box and whether its name or detail is cut.
LEGEND_AND_MAP = """([frameBox, inFrame, selector]) => {
    const box = r => [r.left, r.top, r.right, r.bottom];
    const legend = document.querySelector(selector);
    const outer = legend ? legend.getBoundingClientRect() : null;
    return {
        map: [frameBox.x, frameBox.y, frameBox.x + frameBox.width, frameBox.y + frameBox.height],
        legends: [...inFrame.map(r => [frameBox.x + r[0], frameBox.y + r[1], frameBox.x + r[2], frameBox.y + r[3]]),
                  ...(outer ? [box(outer)] : [])],
        entries: legend ? [...legend.querySelectorAll('.legend-entry')].map(e => box(e.getBoundingClientRect())) : [],
        names: legend ? [...legend.querySelectorAll('.legend-name')].map(e => e.innerText) : [],
        cut: legend ? [...legend.querySelectorAll('.legend-name, .legend-detail')]
            .filter(e => e.scrollWidth > e.clientWidth + 0.5 || e.getBoundingClientRect().width < 1).length : null,
        font: legend ? parseFloat(getComputedStyle(legend.querySelector('.legend-name')).fontSize) : null,
        page: document.documentElement.clientWidth,
    };
}"""
# Any legend drawn inside the map (a Leaflet control holding legend entries), in the iframe's coordinates.
LEGENDS_IN_MAP = """() => [...new Set([...document.querySelectorAll('.legend-entry, .legend-name')]
        .map(e => e.closest('.leaflet-control') || e))]
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.left, r.top, r.right, r.bottom])"""


def overlap(a, b) -> float:
    """The area two boxes (left, top, right, bottom) share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def legend_and_map(page, content, selector: str, *, width: int | None = None) -> dict:
    """Where the map and every legend are on the page (:data:`LEGEND_AND_MAP`); ``content``: the map's frame.

    ``width``: first make the window that wide (900 px high) and scroll the map into view.
    """
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    if width is not None:
        page.set_viewport_size({"width": width, "height": 900})
        iframe.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
    return page.evaluate(LEGEND_AND_MAP, [iframe.bounding_box(), content.evaluate(LEGENDS_IN_MAP), selector])


def assert_legend_under_the_map(seen: dict) -> None:
    """One legend, on the page under the map (none over it), every entry inside it and the page, none cut, readable."""
    assert len(seen["legends"]) == 1, seen
    outer = seen["legends"][0]
    assert overlap(seen["map"], outer) == 0 and outer[1] >= seen["map"][3] - 0.5, seen
    assert seen["entries"] and all(
        e[0] >= outer[0] - 0.5 and e[2] <= min(outer[2], seen["page"]) + 0.5 and e[3] <= outer[3] + 0.5
        for e in seen["entries"]
    ), seen
    assert seen["cut"] == 0 and seen["font"] >= 12, seen


# Where each chosen tag of a multiselect lies against the box that shows them, and how far that box scrolls sideways.
TAGS_IN_VIEW = """e => {
    const box = e.querySelector('.react-aria-ComboBox [data-testid="stMultiSelectTagsContainer"]');
    const outer = box.getBoundingClientRect();
    const tags = [...box.querySelectorAll('[data-tag]')].map(t => {
        const r = t.getBoundingClientRect();
        return [t.innerText, r.left >= outer.left - 0.5 && r.right <= outer.right + 0.5
                             && r.top >= outer.top - 0.5 && r.bottom <= outer.bottom + 0.5];
    });
    return {box: [outer.width, outer.height], scrolls: box.scrollWidth - box.clientWidth, tags};
}"""


def _pages_of(item) -> list:
    """The Playwright pages among a test's fixtures (a fixture may yield a tuple that holds one)."""
    from playwright.sync_api import Page

    found = []
    for value in item.funcargs.values():
        for candidate in value if isinstance(value, tuple) else (value,):
            if isinstance(candidate, Page) and candidate not in found:
                found.append(candidate)
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed e2e test, the page's URL, its alerts and visible text in the report, and a full screenshot in
    test-artifacts/: CI keeps only the log, which should say what the page showed when the wait ran out.
    """
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for i, page in enumerate(_pages_of(item)):
        try:
            text = page.locator('[data-testid="stMain"]').first.inner_text(timeout=5_000)
            alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"failed-{item.name}-{i}.png".replace("/", "_")
            page.screenshot(path=str(shot), full_page=True, timeout=10_000)
        except Exception as exc:  # (the page may be gone: say so, do not hide the test's own error)
            report.sections.append((f"page {i}", f"could not read the page: {exc}"))
            continue
        state = page.evaluate(
            "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState ?? 'no app'"
        )
        body = "\n".join(line for line in text.splitlines() if line.strip())
        report.sections.append((
            f"page {i}: {page.url} (script {state})",
            "alerts:\n" + "\n".join(f"  {a}" for a in alerts) + f"\ntext (first 4000 characters):\n{body[:4000]}"
            + f"\nscreenshot: {shot}",
        ))  # fmt: skip
