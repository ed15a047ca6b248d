"""Streamlit pages: widgets and wiring only; the work is done in geo/ and territory/."""
