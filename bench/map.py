"""Map budgets: HTML size, Python build time and Chromium render time of the coverage map.

    .venv/bin/python bench/map.py [--levels state county] [--sizes 5000 100000] [--runs 3]

For each level × account count: accounts are US ZIP centroids with jitter (plus the demo's territories), the
engine assigns them, the coverage layers and the folium map are built (Python time, including st_folium's
own HTML processing is not counted here: folium's render is), and the HTML is opened in Debian's Chromium,
served with the app's vendored Leaflet from 127.0.0.1: render time is navigation start → every territory path
drawn. Then the rerun time of each page on the demo data (AppTest). Budgets (issue 4): HTML ≤ 3 MB with
3.1k counties + 100k accounts; drawn in ≤ 2 s; a page rerun ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assign import with_attributes  # noqa: E402
from bench.join import random_accounts  # noqa: E402
from geo.boundaries import region_table  # noqa: E402
from geo.coverage import coverage_layers  # noqa: E402
from geo.join import join_accounts  # noqa: E402
from geo.layers import NO_TERRITORY_COLOR, account_points, aggregate_points, build_coverage_map  # noqa: E402
from territory import load_plan  # noqa: E402
from territory.edits import start  # noqa: E402

POINT_LIMIT = 20_000  # as pages/shared.py


def build_html(plan, accounts, level: str) -> tuple[str, float]:
    started = time.perf_counter()
    layers = coverage_layers(plan, accounts, level)
    colors = (
        accounts["territory_id"].map({t.territory_id: t.color for t in plan.territories}).fillna(NO_TERRITORY_COLOR)
    )
    points = (
        aggregate_points(accounts, colors)
        if len(accounts) > POINT_LIMIT
        else account_points(accounts, colors, tooltip_columns=[("name", "Account"), ("value", "Value")])
    )
    fmap = build_coverage_map(
        layers.regions,
        layers.outlines,
        layers.legend,
        points=points,
        bounds=(-125, 24, -66, 50),
        gaps=layers.gaps,
        white_space=layers.white_space,
    )
    html = fmap.get_root().render()
    return html, time.perf_counter() - started


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = type("QuietHandler", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    handler = functools.partial(handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def render_seconds(browser, url: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function(
            "() => { const m = Object.values(window).find(v => v && v._leaflet_id && v.getPane);"
            " return m && m._loaded && document.querySelectorAll('path.leaflet-interactive').length > 0; }",
            timeout=120_000,
        )
        times.append(page.evaluate("() => performance.now()") / 1000)
        page.close()
    return statistics.median(times)


def page_reruns(pages: list[str], runs: int = 5) -> dict[str, float]:
    """Median seconds of a rerun of each unchanged page on the demo data (Streamlit's AppTest, in process)."""
    from streamlit.testing.v1 import AppTest

    out = {}
    for page in pages:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        app.run()
        app.switch_page(page).run()
        app.run()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - started)
        out[page] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="+", default=["state", "county"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-reruns", action="store_true", help="skip the page-rerun timings")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    plan = load_plan(ROOT / "data" / "demo" / "plan.json")
    regions = region_table()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "static" / "vendor", folder / "app" / "static" / "vendor")
        server, base = serve(folder)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
            )
            print(f"{'level':>7} {'accounts':>9} {'HTML MB':>8} {'python s':>9} {'browser s':>10}")
            for n in args.sizes:
                raw = with_attributes(random_accounts(n, rng), rng, [r.rep_id for r in plan.reps])
                joined = join_accounts(raw).accounts
                accounts = start(plan, joined.assign(name=joined["account_id"]), regions).result
                for level in args.levels:
                    html, python_seconds = build_html(plan, accounts, level)
                    name = f"map-{level}-{n}.html"
                    (folder / name).write_text(html, encoding="utf-8")
                    seconds = render_seconds(browser, f"{base}/{name}", args.runs)
                    print(
                        f"{level:>7} {n:>9,} {len(html.encode()) / 1e6:>8.2f} {python_seconds:>9.2f} {seconds:>10.2f}"
                    )
            browser.close()
        server.shutdown()
    if not args.no_reruns:
        print("\npage rerun on demo data (median of 5, goal <= 0.5 s)")
        pages = ["pages/overview.py", "pages/coverage_map.py", "pages/balance.py", "pages/accounts.py", "pages/reps.py"]
        for page, seconds in page_reruns(pages).items():
            print(f"{page:>24} {seconds:>6.2f} s")


if __name__ == "__main__":
    main()
