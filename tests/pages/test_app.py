"""Streamlit AppTest: every page runs without an exception; uploads that fail keep what was loaded."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = ["pages/coverage_map.py", "pages/data_sources.py"]


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_home_is_the_coverage_map_with_kpis(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Coverage map"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accounts on the map"] == "4,998"
    assert metrics["In a territory"].endswith("%")
    assert metrics["Territories"] == "6"
    assert metrics["Rows not placed"] == "2"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception


def test_map_payload_has_territories_legend_and_local_assets(app):
    app.run()
    component = next(e for e in app.main if type(e).__name__ == "UnknownElement" and "st_folium" in str(e.proto))
    payload = json.loads(component.proto.json_args)
    script = payload["script"]
    assert "North America East" in payload["html"] or "North America East" in script
    assert "territory-legend" in payload["html"] + script
    assert all(link.startswith("/app/static/vendor/") for link in payload["css_links"] + payload["js_links"])


def test_hiding_accounts_drops_the_cluster_layer(app):
    app.run()
    app.sidebar.toggle[0].set_value(False).run()
    assert not app.exception
    component = next(e for e in app.main if type(e).__name__ == "UnknownElement" and "st_folium" in str(e.proto))
    assert "markerClusterGroup" not in json.loads(component.proto.json_args)["script"]


def test_territory_and_gap_tables(app):
    app.run()
    territories = app.dataframe[0].value
    assert territories["Territory"].tolist()[:2] == ["North America East", "Europe West"]
    gaps = app.dataframe[1].value
    assert "US-NJ" in gaps["Region"].tolist()


def test_data_sources_lists_rows_that_could_not_be_placed(app):
    app.run()
    app.switch_page("pages/data_sources.py").run()
    texts = [m.value for m in app.markdown]
    assert any("2 row(s) could not be placed" in t for t in texts)
    assert any("4,998 of 5,000 rows placed" in t for t in texts)
