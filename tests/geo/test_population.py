"""People per region from the bundled county table."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.boundaries import load_regions
from geo.population import POPULATION_FILE, REGION_POPULATION_FILE, population


def test_every_bundled_county_has_a_row_and_states_add_up():
    counties = load_regions("county")["region_id"]
    table = pd.read_csv(POPULATION_FILE, dtype={"region_id": str})
    assert set(table["region_id"]) == set(counties)
    assert (table["population"] >= 0).all()
    by_county = population(counties, "county")
    states = load_regions("state")["region_id"]
    by_state = population(states, "state")
    assert by_state.sum() == pytest.approx(by_county.sum())
    assert 320e6 < by_county.sum() < 345e6  # the ACS-based total of the source list


def test_known_places_and_regions_without_figures():
    assert 9.5e6 < population(["US-06037"], "county").iloc[0] < 10.5e6  # Los Angeles County
    people = population(["US-TX", "CA-ON", "FR", "AQ", "nowhere"], "state")
    assert 28e6 < people["US-TX"] < 32e6
    assert people["CA-ON"] == 14_223_942 and 60e6 < people["FR"] < 70e6  # 2021 census; GeoNames
    assert people[["AQ", "nowhere"]].eq(0).all()
    assert list(people.index) == ["US-TX", "CA-ON", "FR", "AQ", "nowhere"]
    # the same provinces and countries at county level
    assert population(["CA-ON", "FR"], "county").tolist() == people[["CA-ON", "FR"]].tolist()


def test_every_province_and_country_has_a_row():
    table = pd.read_csv(REGION_POPULATION_FILE, dtype={"region_id": str}, keep_default_na=False)
    provinces = set(load_regions("province")["region_id"])
    countries = set(load_regions("country")["region_id"]) - {"US", "CA"}
    assert set(table["region_id"]) == provinces | countries - {"AQ", "HM"}  # uninhabited: no figure
    assert table.loc[table["region_id"].isin(provinces), "population"].sum() == 36_991_981  # the 2021 census


def test_a_level_without_figures_is_refused():
    with pytest.raises(ValueError, match="population is kept for"):
        population(["CA-ON"], "province")
