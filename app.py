"""Territory planner dashboard: `streamlit run app.py` (see README for the one-command set-up)."""

from __future__ import annotations

import streamlit as st

from geo.assets import use_local_assets

st.set_page_config(page_title="Territory planner", page_icon="🗺️", layout="wide")
use_local_assets()

pages = [
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("pages/coverage_map.py", title="Coverage map", icon="🗺️"),
    st.Page("pages/edit_map.py", title="Edit territories", icon="✏️"),
    st.Page("pages/balance.py", title="Balance", icon="⚖️"),
    st.Page("pages/accounts.py", title="Accounts", icon="🏢"),
    st.Page("pages/reps.py", title="Reps", icon="🧑‍💼"),
    st.Page("pages/rebalance.py", title="Rebalance", icon="🧮"),
    st.Page("pages/plans.py", title="Plans", icon="🗂️"),
    st.Page("pages/data_sources.py", title="Data sources", icon="📂"),
]
st.navigation(pages).run()
