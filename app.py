"""Territory planner dashboard: `streamlit run app.py` (see README for the one-command set-up)."""

from __future__ import annotations

import streamlit as st

from geo.assets import missing_assets, use_local_assets
from pages.shared import (
    drop_questions_left_behind,
    init_state,
    keep_settings,
    keep_unsaved_work,
    open_plan_notice,
    restored_work_notice,
    search_warm_up,
)

# Icons are Material Symbols, drawn with the font Streamlit serves itself (emoji need an emoji font, which many
# machines lack: they showed as empty boxes). The tab's icon is the same "map" symbol as inline SVG: Streamlit
# fetches a ":material/…:" favicon from fonts.gstatic.com, and the dashboard makes no request off this machine.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#1f77b4" d="M20.5 3l-.16.03L15 5.1 '
    "9 3 3.36 4.9c-.21.07-.36.25-.36.48V20.5c0 .28.22.5.5.5l.16-.03L9 18.9l6 2.1 5.64-1.9c.21-.07.36-.25.36-.48V3.5"
    'c0-.28-.22-.5-.5-.5zM15 19l-6-2.11V5l6 2.11V19z"/></svg>'
)

st.set_page_config(page_title="Territory planner", page_icon=FAVICON, layout="wide")
use_local_assets()
# Served by the app itself (no CDN): started without `make run`, they were not there, and every map was a blank
# frame with no word why (the thirteenth new user)
if missing := missing_assets():
    st.error(
        f"The maps' scripts are missing ({', '.join(missing[:2])}{' and more' if len(missing) > 2 else ''} in "
        "static/vendor/), so the maps stay blank: run `make run`, which copies them there, or "
        "`bash scripts/vendor_assets.sh`, then reload this page.",
        icon=":material/map:",
    )
# Streamlit's wide layout keeps 80 px either side of the page: at a 1280 px window the column was 818 px, and the
# roster's specialties and the versions' messages were cut (a new user's test). 32 px either side gives 916 px (1,076
# at 1440). Narrow windows keep Streamlit's own padding. (Style only: Streamlit puts it where it takes no room.)
# A metric's label wraps rather than ending in "…", and its figure is smaller in a narrow window: at 900 px the
# Overview's four metrics a row read "Coverage (acc…" and the Edit page's "-29.…" (a new user's test).
# The Rebalance page's command options are kept on one line ("--seed 0 --jobs 2" broke inside at 1280 px); not every
# caption's code: an e-mail address shown as code (pages.shared.plain) ran past the sidebar, a review.
st.html(
    "<style>@media (min-width: 768px) { [data-testid='stMainBlockContainer'] "
    "{ padding-left: 2rem; padding-right: 2rem; } }"
    "[data-testid='stMetricLabel'] * { white-space: normal !important; text-overflow: clip !important; "
    "overflow-wrap: anywhere; }"
    "@media (max-width: 1100px) { [data-testid='stMetricValue'] { font-size: 1.6rem; } }"
    ".st-key-reb_same_plan code { white-space: nowrap; }"
    "[data-testid='stCaptionContainer'] code { overflow-wrap: anywhere; }</style>"
)

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/coverage_map.py", title="Coverage map", icon=":material/map:"),
    st.Page("pages/edit_map.py", title="Edit territories", icon=":material/edit_location_alt:"),
    st.Page("pages/balance.py", title="Balance", icon=":material/balance:"),
    st.Page("pages/accounts.py", title="Accounts", icon=":material/domain:"),
    st.Page("pages/reps.py", title="Reps", icon=":material/badge:"),
    st.Page("pages/rebalance.py", title="Rebalance", icon=":material/swap_horiz:"),
    st.Page("pages/plans.py", title="Plans", icon=":material/folder_open:"),
    st.Page("pages/data_sources.py", title="Data sources", icon=":material/database:"),
]
navigation = st.navigation(pages)
search_warm_up()  # (the rebalancer's compiled loops, loaded in a thread while the pages are used)
init_state()  # the session's plan: after a reload of the browser, the unsaved changes it left
restored_work_notice()
drop_questions_left_behind(navigation.url_path)
try:
    navigation.run()
finally:  # (also after a page's st.rerun or st.stop)
    open_plan_notice()  # which plan this tab has open, and whether it has unsaved changes (after the page's edits)
    keep_unsaved_work()  # a reload of the browser reopens the unsaved changes; the address names the open plan
    keep_settings()  # … and starts the pages from the choices made on them
