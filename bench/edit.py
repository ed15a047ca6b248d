"""One map edit, end to end in Chromium and the engine's part alone.

    .venv/bin/python bench/edit.py [--clicks 10] [--levels county state] [--accounts 100000] [--edits 20]

Browser: the dashboard runs (`streamlit run app.py`, demo data) and Debian's Chromium opens "Edit territories".
At each level the map is zoomed to Texas and a region is clicked with "Paint with: North America East"; the
clicks alternate between taking the region and giving it back. Timed from the mouse click until the page is
updated: the redrawn map (made only after the server applied the edit) is loaded in its iframe and the script
run is over. Goal (issue 5): median ≤ 1.0 s.

Engine: the app's part of one edit with ``--accounts`` accounts loaded (US ZIP centroids, 24 territories; as
``bench/assign.py``): ``move_regions`` (re-assign the moved accounts, update the tally) plus the new balance,
and — shown apart — the before → after table the balance panel reads (``edit_impact``). Goal: ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assign import bench_plan, with_attributes  # noqa: E402
from bench.join import random_accounts  # noqa: E402
from geo.boundaries import region_table  # noqa: E402
from geo.join import join_accounts  # noqa: E402
from territory.edits import start  # noqa: E402
from territory.impact import edit_impact  # noqa: E402

# (label, lat, lon) clicked at each level, and the view (lat, lon, zoom) that shows it.
TARGETS = {
    "county": ("Harris County, TX", 29.85, -95.4, (30.1, -94.6, 8)),
    "state": ("Oklahoma", 35.6, -97.5, (34.0, -95.0, 5)),
}


def browser_clicks(levels: list[str], clicks: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, click_at, current_map, running_app, wait_for_rerun

    out: dict[str, list[float]] = {}
    with running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for level in levels:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/edit_map", wait_until="domcontentloaded")
            page.get_by_text("Edit territories").first.wait_for(timeout=60_000)
            wait_for_rerun(page, timeout=60_000)
            content = current_map(page, timeout=60_000)
            if level == "county":
                page.locator('[data-testid="stSidebar"]').get_by_text("US counties").click()
                wait_for_rerun(page, timeout=60_000)
                content = current_map(page, replacing=content, timeout=60_000)
            _, lat, lon, (view_lat, view_lon, zoom) = TARGETS[level]
            content.evaluate(f"() => {{ window.map.setView([{view_lat}, {view_lon}], {zoom}, {{animate: false}}); }}")
            page.wait_for_timeout(500)
            times = []
            for i in range(clicks + 1):  # the first click warms the caches and is not counted
                started = time.perf_counter()
                click_at(page, content, lat, lon)
                # The map is redrawn only once the server has applied the edit; then the run must be over.
                content = current_map(page, replacing=content, timeout=30_000)
                wait_for_rerun(page)
                elapsed = time.perf_counter() - started
                if i:
                    times.append(elapsed)
            out[level] = times
            page.close()
        browser.close()
    return out


def engine_edit(n: int, edits: int, seed: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    plan, _ = bench_plan(n)
    accounts = with_attributes(random_accounts(n, rng), rng, [r.rep_id for r in plan.reps])
    joined = join_accounts(accounts).accounts
    state = start(plan, joined, region_table())
    state.result  # noqa: B018 - built once, as the app does
    counties = joined["region_id"].astype(object).value_counts()
    picks = counties.index[len(counties) // 4 : len(counties) // 4 + edits]
    times: dict[str, list[float]] = {"edit": [], "impact": [], "moved": []}
    for i, county in enumerate(picks):
        target = plan.territories[i % len(plan.territories)].territory_id
        t0 = time.perf_counter()
        child = state.move_regions([county], target)
        child.balance  # noqa: B018 - the figure we time
        t1 = time.perf_counter()
        edit_impact(state, child)
        t2 = time.perf_counter()
        times["edit"].append((t1 - t0) * 1000)
        times["impact"].append((t2 - t1) * 1000)
        times["moved"].append(len(child.flows))
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--levels", nargs="+", default=["county", "state"], choices=sorted(TARGETS))
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args(argv)

    times = engine_edit(args.accounts, args.edits, args.seed)
    print(f"engine, {args.accounts:,} accounts, {args.edits} county edits")
    print(
        f"  move_regions + balance: median {statistics.median(times['edit']):.1f} ms, "
        f"max {max(times['edit']):.1f} ms (accounts moved per edit: median {statistics.median(times['moved']):.0f})"
    )
    print(f"  edit_impact (panel table): median {statistics.median(times['impact']):.1f} ms")  # fmt: skip
    if args.skip_browser:
        return
    for level, seconds in browser_clicks(args.levels, args.clicks).items():
        print(
            f"browser, {level} level ({TARGETS[level][0]}), click → page updated over {len(seconds)} clicks: "
            f"median {statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, max {max(seconds):.2f} s"
        )


if __name__ == "__main__":
    main()
