"""The browser's memory over many map edits: Edit territories in Debian's Chromium, one region painted per edit.

    .venv/bin/python bench/browser_memory.py [--edits 12] [--level county] [--accounts 0] [--show-accounts]

Starts the dashboard (`streamlit run app.py`) on a free port of 127.0.0.1 with a data directory of its own, loads
``--accounts`` generated accounts through the Accounts page (US ZIP centroids with jitter; 0 keeps the demo's
5,000), opens Edit territories at ``--level`` (with "Show accounts" on given ``--show-accounts``) and clicks
regions in and around Texas one after another (each a region once) with "Paint with" left on its first territory. After each edit, once the map has drawn the plan's layers again, the page's JavaScript heap is
measured after a forced garbage collection (Chrome DevTools Protocol: ``HeapProfiler.collectGarbage``, then
``Runtime.getHeapUsage``; the map's frame shares the page's heap). Prints one line an edit: seconds from the click
until the map was drawn again, heap MB, and the number of layer groups st_folium holds.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assign import with_attributes  # noqa: E402
from bench.join import random_accounts  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
VIEW = (31.0, -99.0, 6)  # the map's center and zoom: Texas and its neighbours at 1280 × 900
IN_VIEW = (27.0, 35.0, -104.0, -94.0)  # (lat, lat, lon, lon) of the places clicked


def click_points(level: str, n: int) -> list[tuple[float, float]]:
    """A place in each of ``n`` regions in view, well inside it and away from its middle (where its accounts' circle
    is drawn): the vertex in view of the region shrunk by 0.06° (a state: 0.5°) farthest from its centroid."""
    import shapely

    from geo.boundaries import load_regions

    regions = load_regions(level)
    regions = regions[regions["region_id"].str.startswith("US-")].sort_values("region_id")
    places = []
    for shape in regions.geometry:
        inner = shape.buffer(-(0.5 if level == "state" else 0.06))
        if inner.is_empty:
            continue
        part = max(getattr(inner, "geoms", [inner]), key=lambda p: p.area)
        middle = shape.centroid
        shown = [
            (float(lat), float(lon))
            for lon, lat in shapely.get_coordinates(part.exterior)
            if IN_VIEW[0] < lat < IN_VIEW[1] and IN_VIEW[2] < lon < IN_VIEW[3]
        ]
        if shown:
            places.append(max(shown, key=lambda p: (p[1] - middle.x) ** 2 + (p[0] - middle.y) ** 2))
    if len(places) < n:
        raise SystemExit(f"only {len(places)} {level} regions in view to paint: ask for {len(places)} edits at most")
    picks = np.random.default_rng(0).choice(len(places), n, replace=False)
    return [places[i] for i in picks]


# The account markers the map holds (in its cluster groups): one per account, or one per region above 20,000 accounts.
MARKERS = """() => {
    var n = 0;
    window.map.eachLayer(function (l) { if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) { n += l.getLayers().length; } });
    return n;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dashboard(data_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        # (its own data folder and database: never one named in the environment)
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if k != "TERRITORY_DATABASE_URL"},
                       "TERRITORY_DATA_DIR": data_dir},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the dashboard did not answer on /_stcore/health within 90 s")


def settled(page, timeout: float = 600_000) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0", timeout=timeout)


def drawn_map(page, *, replacing: bool, timeout: float = 120.0):
    """The map's frame once the plan's layers are drawn (again, with ``replacing``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            handle = page.locator(MAP_FRAME).first.element_handle(timeout=2_000)
            content = handle.content_frame() if handle else None
            fresh = "window.territoryLayersDrawn !== window.__seen" if replacing else "true"
            if content is not None and content.evaluate(
                f"() => Boolean(window.map && window.map._loaded && window.territoryLayersDrawn && ({fresh}))"
            ):
                content.evaluate("() => { window.__seen = window.territoryLayersDrawn; }")
                return content
        except Exception:  # (a rerun swapped the frame meanwhile)
            pass
        time.sleep(0.05)
    shot = Path(tempfile.gettempdir()) / "browser_memory_timeout.png"
    page.screenshot(path=str(shot))
    raise SystemExit(f"the map was not drawn again within {timeout:.0f} s ({shot})")


def click_at(page, content, lat: float, lon: float) -> None:
    """Click the region at a place, through the account markers over it (a click on a cluster zooms in instead)."""
    x, y = content.evaluate(
        "() => { if (!document.getElementById('through-markers')) { const s = document.createElement('style'); "
        "s.id = 'through-markers'; s.textContent = '.leaflet-marker-pane * { pointer-events: none !important; }'; "
        "document.head.appendChild(s); } "
        f"const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}"
    )
    box = page.locator(MAP_FRAME).first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def load_accounts(page, url: str, n: int, folder: Path) -> None:
    rng = np.random.default_rng(0)
    accounts = with_attributes(random_accounts(n, rng), rng, rep_ids=["none"]).drop(columns=["owner"])
    accounts = accounts.assign(name=[f"Account {i}" for i in range(n)])
    path = folder / f"accounts_{n}.csv"
    accounts.to_csv(path, index=False)
    page.goto(f"{url}/accounts", wait_until="domcontentloaded")
    settled(page)
    page.get_by_text("Load accounts").first.click()
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(path))
    page.get_by_role("button", name="Load these accounts").click(timeout=180_000)
    page.wait_for_timeout(1_000)
    settled(page)
    said = page.locator('[data-testid="stMain"]').inner_text()
    if f"Loaded {n:,} of {n:,} rows" not in said:
        raise SystemExit(f"the Accounts page does not say {n:,} accounts were loaded: {said[:400]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--level", choices=["state", "county"], default="county")
    parser.add_argument("--accounts", type=int, default=0, help="generated accounts to load (0: the demo's)")
    parser.add_argument("--show-accounts", action="store_true", help='with "Show accounts" on')
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        proc, url = start_dashboard(str(Path(folder) / "data"))
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])  # fmt: skip
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            session = page.context.new_cdp_session(page)

            def heap_mb() -> float:
                session.send("HeapProfiler.collectGarbage")
                return session.send("Runtime.getHeapUsage")["usedSize"] / 1e6

            if args.accounts:
                load_accounts(page, url, args.accounts, Path(folder))
            else:
                page.goto(url, wait_until="domcontentloaded")
                settled(page)
            # (by the sidebar, as a user goes: a new address would open another tab's session, on the demo's accounts)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Edit territories", exact=True).click()
            page.wait_for_timeout(500)
            settled(page)
            content = drawn_map(page, replacing=False)
            if args.show_accounts:
                page.get_by_text("Show accounts").first.click()
                settled(page)
                content = drawn_map(page, replacing=True)
            if args.level == "county":
                page.locator('[data-testid="stSidebar"]').get_by_text("US counties").click()
                settled(page)
                content = drawn_map(page, replacing=True)
            content.evaluate(f"() => {{ window.map.setView([{VIEW[0]}, {VIEW[1]}], {VIEW[2]}, {{animate: false}}); }}")
            page.wait_for_timeout(800)
            shown = content.evaluate(MARKERS)
            accounts = f"{args.accounts:,} generated accounts" if args.accounts else "the demo's accounts"
            accounts += ", shown" if args.show_accounts else ", not shown"
            print(
                f"Edit territories at {args.level} level, {accounts} ({shown:,} account markers on the map): heap "
                f"{heap_mb():.1f} MB before any edit"
            )
            print("edit | seconds | heap MB | layer groups held")
            for i, (lat, lon) in enumerate(click_points(args.level, args.edits)):
                started = time.monotonic()
                click_at(page, content, lat, lon)
                page.wait_for_timeout(300)
                settled(page)
                content = drawn_map(page, replacing=True)
                seconds = time.monotonic() - started
                held = content.evaluate("() => (window.feature_group || []).length")
                print(f"{i + 1} | {seconds:.1f} | {heap_mb():.1f} | {held}", flush=True)
            browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
