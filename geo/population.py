"""People per region: US counties (summed to states), Canadian provinces and countries (``data/population/``).

Population is a measure of a region's potential where accounts are few: the Rebalance page offers it as a
metric to balance on. US counties: the ACS via SimpleMaps' ZIP list; provinces: the 2021 Canadian census;
countries: GeoNames (see ``data/README.md``). Regions with no figure (Antarctica, uploaded regions) count as 0.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

__all__ = ["POPULATION_FILE", "REGION_POPULATION_FILE", "population"]

POPULATION_FILE = Path(__file__).resolve().parent.parent / "data" / "population" / "county_population.csv"
REGION_POPULATION_FILE = POPULATION_FILE.with_name("region_population.csv")


@lru_cache(maxsize=4)
def _table(level: str) -> pd.Series:
    people = pd.read_csv(POPULATION_FILE, dtype={"region_id": str}).set_index("region_id")["population"]
    others = pd.read_csv(REGION_POPULATION_FILE, dtype={"region_id": str}, keep_default_na=False)  # NA: Namibia
    others = others.set_index("region_id")["population"]
    if level != "county":
        from geo.coverage import display_region_of

        states = display_region_of(pd.Series(people.index, index=people.index), "state")
        people = people.groupby(states.to_numpy()).sum()
    return pd.concat([people, others]).astype(float)


def population(region_ids, level: str = "state") -> pd.Series:
    """People in each region: US counties (or US states at ``state`` level), Canadian provinces, countries.

    Parameters
    ----------
    region_ids : iterable of str
        Region ids as shown at ``level`` (``US-06037`` at county level, ``US-CA`` at state level; provinces
        and countries keep their own ids).
    level : {"state", "county"}

    Returns
    -------
    Series
        Float people per region id, in the order given.

    Examples
    --------
    >>> people = population(["US-CA", "US-WY", "CA-ON", "DE", "AQ"])
    >>> people["US-CA"] > 30e6, people["US-WY"] < 1e6, people["CA-ON"], people["DE"] > 80e6, people["AQ"]
    (np.True_, np.True_, np.float64(14223942.0), np.True_, np.float64(0.0))
    """
    if level not in ("state", "county"):
        raise ValueError(f"level {level!r}: population is kept for 'state' and 'county'")
    ids = [str(r) for r in region_ids]
    return _table(level).reindex(ids).fillna(0.0).rename("population")
