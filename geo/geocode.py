"""Offline geocoding: ZIP codes, city + state/country and region codes to coordinates.

Tables ship in ``data/geocode/`` (built by ``data/build_geocoder.py``); nothing is fetched at run time.
Everything is vectorised: each method is one merge over all rows that still need a place.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.boundaries import US_ISLAND_AREAS, region_table
from territory.regions import normalize_region_id

__all__ = ["GEOCODE_DIR", "geocode", "normalize_zip", "country_code", "state_code"]

GEOCODE_DIR = Path(__file__).resolve().parent.parent / "data" / "geocode"
_US_NAMES = {"US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA", "AMERICA"}
_COUNTRY_ALIASES = {
    "UK": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB",
    "NORTHERN IRELAND": "GB", "HOLLAND": "NL", "THE NETHERLANDS": "NL", "DEUTSCHLAND": "DE",
    "CANADA": "CA", "CAN": "CA", "GER": "DE", "FRA": "FR", "NLD": "NL", "GBR": "GB", "DEU": "DE",
}  # fmt: skip


def _fold(values: pd.Series) -> pd.Series:
    """Lower-case, strip accents and punctuation, collapse spaces: 'Montréal ' -> 'montreal'."""

    def fold_one(text: object) -> str:
        if not isinstance(text, str):
            return ""
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return " ".join(text.lower().replace(".", " ").replace("-", " ").replace("'", "").split())

    uniques = values.drop_duplicates()
    return values.map(dict(zip(uniques, uniques.map(fold_one), strict=True))).astype(object)


# A city's words written short or long are the same key ("St. Louis" and "Saint Louis", "Ft Worth"), and New York
# is New York City (the table's name: "New York, NY" was placed by state, a new user's test).
_CITY_WORDS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}
_CITY_NAMES = {"new york city": "new york", "nyc": "new york"}


def _city_keys(values: pd.Series) -> pd.Series:
    """:func:`_fold`, with a city's words written one way.

    Examples
    --------
    >>> _city_keys(pd.Series(["St. Louis", "Saint Louis", "Fort Worth", "New York City", "NYC", "Mount Vernon"])).tolist()
    ['st louis', 'st louis', 'ft worth', 'new york', 'new york', 'mt vernon']
    """
    folded = _fold(values)
    uniques = folded.drop_duplicates()

    def one(key: str) -> str:
        key = " ".join(_CITY_WORDS.get(word, word) for word in key.split())
        return _CITY_NAMES.get(key, key)

    return folded.map(dict(zip(uniques, uniques.map(one), strict=True))).astype(object)


@lru_cache(maxsize=1)
def _zips() -> pd.DataFrame:
    return pd.read_csv(GEOCODE_DIR / "zips.csv.gz", dtype={"zip": str})[["zip", "lat", "lon"]]


# A city's name in its own language and in English, either of which the bundled table may have: GeoNames names
# Munich in English and Köln in German, so "München, DE" and "Cologne, DE" were not found (a new user's test).
# Country → pairs of names for one city; the one the table has gets the other as a second key.
_CITY_ALIASES = {
    "AT": [("Wien", "Vienna"), ("Salzburg", "Salzburg")],
    "BE": [("Bruxelles", "Brussels"), ("Brussel", "Brussels"), ("Antwerpen", "Antwerp"), ("Anvers", "Antwerp"),
           ("Gent", "Ghent"), ("Gand", "Gent"), ("Brugge", "Bruges"), ("Liège", "Liege"), ("Luik", "Liège")],
    "CA": [("Québec", "Quebec City"), ("Montréal", "Montreal")],
    "CH": [("Zürich", "Zurich"), ("Genève", "Geneva"), ("Genf", "Geneva"), ("Bern", "Berne"), ("Basel", "Basle"),
           ("Luzern", "Lucerne")],
    "CZ": [("Praha", "Prague")],
    "DE": [("München", "Munich"), ("Köln", "Cologne"), ("Nürnberg", "Nuremberg"), ("Frankfurt am Main", "Frankfurt"),
           ("Hannover", "Hanover"), ("Braunschweig", "Brunswick")],
    "DK": [("København", "Copenhagen")],
    "ES": [("Sevilla", "Seville")],
    "GR": [("Athína", "Athens"), ("Thessaloníki", "Salonika")],
    "IT": [("Roma", "Rome"), ("Milano", "Milan"), ("Napoli", "Naples"), ("Torino", "Turin"), ("Firenze", "Florence"),
           ("Venezia", "Venice"), ("Genova", "Genoa")],
    "MX": [("Ciudad de México", "Mexico City"), ("CDMX", "Mexico City")],
    "NL": [("Den Haag", "The Hague"), ("'s-Gravenhage", "The Hague")],
    "PL": [("Warszawa", "Warsaw"), ("Kraków", "Cracow")],
    "PT": [("Lisboa", "Lisbon"), ("Porto", "Oporto")],
    "RU": [("Moskva", "Moscow"), ("Sankt-Peterburg", "Saint Petersburg")],
    "SE": [("Göteborg", "Gothenburg")],
}  # fmt: skip


def _with_aliases(cities: pd.DataFrame) -> pd.DataFrame:
    """``cities``, each city of :data:`_CITY_ALIASES` again under its other name's key.

    Examples
    --------
    >>> table = pd.DataFrame({"name": ["Munich", "Köln"], "country": ["DE", "DE"]})
    >>> table["city_key"] = _city_keys(table["name"])
    >>> sorted(_with_aliases(table)["city_key"])
    ['cologne', 'koln', 'munchen', 'munich']
    """
    pairs = [(country, a, b) for country, named in _CITY_ALIASES.items() for a, b in named]
    first = _city_keys(pd.Series([a for _, a, _ in pairs], dtype=object)).tolist()
    second = _city_keys(pd.Series([b for _, _, b in pairs], dtype=object)).tolist()
    index = cities.groupby(["country", "city_key"]).indices
    extra = []
    for (country, _, _), one, other in zip(pairs, first, second, strict=True):
        for have, alias in ((one, other), (other, one)):
            rows = index.get((country, have))
            if rows is not None and (country, alias) not in index:
                extra.append(cities.iloc[rows[:1]].assign(city_key=alias))
                break
    return pd.concat([cities, *extra], ignore_index=True) if extra else cities


@lru_cache(maxsize=1)
def _cities() -> pd.DataFrame:
    cities = pd.read_csv(
        GEOCODE_DIR / "cities.csv.gz", dtype={"admin1": object, "country": object}, keep_default_na=False
    )
    cities["city_key"] = _city_keys(cities["name"].astype(object))
    cities = _with_aliases(cities)
    # admin1 is the USPS / Canadian postal code in the US and Canada: make it a region id.
    north_america = cities["country"].isin(["US", "CA"]).to_numpy()
    cities["state_id"] = np.where(north_america, cities["country"] + "-" + cities["admin1"], "")
    # (Puerto Rico and the US island areas, countries of their own in the table, are states of the US too: "San
    # Juan, PR, United States" was looked for in the US alone, and found in Texas, a review)
    islands = cities["country"].isin(US_ISLAND_AREAS).to_numpy()
    cities.loc[islands, "state_id"] = "US-" + cities.loc[islands, "country"]
    cities["unique_name"] = cities.groupby("city_key")["city_key"].transform("size") == 1
    # Largest place first, so drop_duplicates keeps it.
    return cities.sort_values("population", ascending=False, kind="stable")


@lru_cache(maxsize=1)
def _names_to_codes() -> tuple[dict[str, str], dict[str, str]]:
    """Folded country names -> alpha-2 and folded state/province names -> (country-prefixed) ids."""
    table = region_table()
    countries = table[table["level"] == "country"]
    country = dict(zip(_fold(countries["name"]).str.upper(), countries["region_id"], strict=True))
    subdivisions = table[table["level"].isin(["state", "province"])]
    states = dict(zip(_fold(subdivisions["name"]), subdivisions["region_id"], strict=True))
    states.update({"quebec": "CA-QC", "newfoundland": "CA-NL", "washington dc": "US-DC", "d c": "US-DC"})
    return country, states


def normalize_zip(values: pd.Series) -> pd.Series:
    """Five-digit US ZIP codes: ``'10001-1234'`` -> ``'10001'``, ``2134`` -> ``'02134'``; else ``''``.

    ZIP+4 is read with a hyphen, a space or nothing between (``100011234``; ``21081234``, a spreadsheet's number
    that lost its leading zero, is 02108): without the hyphen it was "not a US ZIP code" (a new user's test).

    Examples
    --------
    >>> normalize_zip(pd.Series(["10001-1234", "2134", "100011234", "21081234", "10001 1234", "123456", "x"])).tolist()
    ['10001', '02134', '10001', '02108', '10001', '', '']
    """
    text = values.astype("string").fillna("").str.strip().str.replace(r"\.0$", "", regex=True)
    parts = text.str.extract(r"^(\d{3,5})(?:[-\s]\d{4})?$|^(\d{4,5})\d{4}$")
    digits = parts[0].fillna(parts[1]).fillna("")  # (not bfill across the two: 2 s a column of 10,000 rows)
    return digits.where(digits == "", digits.str.zfill(5)).astype(object)


def country_code(values: pd.Series) -> pd.Series:
    """Alpha-2 country codes from codes or names (``'United States'`` -> ``'US'``, ``'UK'`` -> ``'GB'``)."""
    by_name, _ = _names_to_codes()
    upper = _fold(values.astype("string").fillna("").astype(object)).str.upper()

    def one(text: str) -> str:
        if not text:
            return ""
        if text in _US_NAMES or text.replace(" ", "") in {"US", "USA"}:
            return "US"
        if text in _COUNTRY_ALIASES:
            return _COUNTRY_ALIASES[text]
        if text in by_name:
            return by_name[text]
        code = normalize_region_id(text)
        return code if len(code) == 2 and code.isalpha() else ""

    uniques = upper.drop_duplicates()
    return upper.map(dict(zip(uniques, uniques.map(one), strict=True)))


# A Canadian postal code's first letter → its province (X is the Northwest Territories' and Nunavut's: not one).
_POSTAL_PROVINCES = {"A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
                     "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "Y": "YT"}  # fmt: skip


def postal_province(values: pd.Series) -> pd.Series:
    """The province a Canadian postal code lies in, as a region id (``'M5V 3L9'`` -> ``'CA-ON'``); else ``''``.

    Examples
    --------
    >>> postal_province(pd.Series(["M5V 3L9", "h2x1y4", "X0A 0H0", "10001", None])).tolist()
    ['CA-ON', 'CA-QC', '', '', '']
    """
    text = values.astype("string").fillna("").str.strip().str.upper()
    first = text.str.extract(r"^([A-Z])\d[A-Z] ?\d[A-Z]\d$")[0].fillna("")
    return first.map(lambda letter: f"CA-{_POSTAL_PROVINCES[letter]}" if letter in _POSTAL_PROVINCES else "").astype(
        object
    )


def state_code(states: pd.Series, countries: pd.Series) -> pd.Series:
    """Region ids of US states / Canadian provinces from a code or name (``'NY'``/``'New York'`` -> ``'US-NY'``).

    ``countries`` are alpha-2 codes (``''`` when unknown: US is tried, then Canada).
    """
    _, by_name = _names_to_codes()
    known = set(by_name.values())
    folded = _fold(states.astype("string").fillna("").astype(object))
    out = []
    for text, country in zip(folded, countries, strict=True):
        if not text:
            out.append("")
            continue
        if text in by_name:
            out.append(by_name[text])
            continue
        code = text.upper().replace(" ", "")
        if len(code) == 4 and code[:2] in {"US", "CA"} and (not country or code[:2] == country):
            code = code[2:]  # a region id ('US-NY')
        candidates = [f"{country}-{code}"] if country else [f"US-{code}", f"CA-{code}"]
        out.append(next((c for c in candidates if c in known), ""))
    return pd.Series(out, index=states.index, dtype=object)


def geocode(accounts: pd.DataFrame) -> pd.DataFrame:
    """Place accounts that lack coordinates, by ZIP, city + state/country, region code or state.

    Parameters
    ----------
    accounts : DataFrame
        ``lat``/``lon`` (NaN where unknown) and any of ``zip``, ``city``, ``state``, ``country``, ``region``.

    Returns
    -------
    DataFrame
        Same index, columns ``lat``, ``lon``, ``geocode_source`` (``coordinates``, ``zip``, ``city``,
        ``region``, ``state``, ``country`` or ``''``), ``geocode_region`` (for a row placed at a region's
        representative point, that region's id: the account is known to be in it, not in the county under the
        point; else ``''``), ``geocode_problem`` (why a row could not be placed, ``''`` if it was) and
        ``geocode_note`` (for a placed row, what failed before the method that worked) and ``geocode_fields``
        (the fields whose values those two name, in the same order: ``"zip"``, ``"city;state"`` …, ``''`` for
        none).
    """
    out = pd.DataFrame(index=accounts.index)
    if accounts.empty:
        return out.assign(
            lat=pd.Series(dtype=float),
            lon=pd.Series(dtype=float),
            geocode_source="",
            geocode_region="",
            geocode_problem="",
            geocode_note="",
            geocode_fields="",
        )
    out["lat"] = pd.to_numeric(accounts.get("lat"), errors="coerce") if "lat" in accounts else np.nan
    out["lon"] = pd.to_numeric(accounts.get("lon"), errors="coerce") if "lon" in accounts else np.nan
    placed = out["lat"].notna() & out["lon"].notna()
    if placed.any():
        # Rows placed by their coordinates are placed: the address is read for the others alone (read for every row,
        # it took 1 s of a 1.6 s read of 100,000 rows with coordinates). Said nothing of the first either way.
        done = out.loc[placed].assign(geocode_source="coordinates", geocode_region="", geocode_problem="",
                                      geocode_note="", geocode_fields="")  # fmt: skip
        if placed.all():
            return done
        # (put back by position, not by label: an index with a label twice would give each such row twice)
        joined = pd.concat([done, geocode(accounts.loc[~placed])])
        joined.index = np.concatenate([np.flatnonzero(placed.to_numpy()), np.flatnonzero(~placed.to_numpy())])
        return joined.sort_index().set_axis(accounts.index)
    out["geocode_source"] = np.where(placed, "coordinates", "")
    out["geocode_region"] = ""
    problems = pd.Series("", index=accounts.index, dtype=object)
    faults = pd.Series("", index=accounts.index, dtype=object)  # (the fields each problem names, ";"-separated)

    def column(name: str) -> pd.Series:
        if name not in accounts:
            return pd.Series("", index=accounts.index, dtype=object)
        return accounts[name].astype("string").fillna("").str.strip().astype(object)

    country = country_code(column("country"))
    bad_country = (column("country") != "") & (country == "")
    problems[bad_country & ~placed] += "country '" + column("country")[bad_country & ~placed] + "' not recognised; "
    faults[bad_country & ~placed] += "country;"

    states = state_code(column("state"), country)
    # A Canadian postal code with no province nor city: its first letter names the province ("M5V 3L9" is Ontario's;
    # it was ignored and the account placed in Canada as a whole, a review). Not beside a city: the city is looked
    # for in the whole country then, as before ("Vancouver" with an Ottawa postal code stays in Vancouver).
    by_postal = postal_province(column("zip"))
    from_postal = ((states == "") & (by_postal != "") & country.isin(["", "CA"]) & (_fold(column("state")) == "")
                   & (column("city") == ""))  # fmt: skip
    states = states.where(~from_postal, by_postal)
    country = country.where(~from_postal, "CA")
    # A state given in the US or Canada (or with no country) that is neither: not ignored, or the city would be
    # looked for in the whole country (or world) instead of the state the file meant.
    bad_state = (_fold(column("state")) != "") & (states == "") & country.isin(["", "US", "CA"])

    # 1. ZIP (US only).
    zips = normalize_zip(column("zip"))
    us_zip = country.isin(["", "US"])
    usable = ~placed & (zips != "") & us_zip
    if usable.any():
        hit = pd.DataFrame({"zip": zips[usable]}).reset_index().merge(_zips(), on="zip").set_index("index")
        _apply(out, hit, "zip")
        missed = usable & ~usable.index.isin(hit.index)
        problems[missed] += "ZIP '" + column("zip")[missed] + "' not found; "
        faults[missed] += "zip;"
    # (a postal code of another country, known by its country or Canadian province, is not a US ZIP gone wrong)
    not_zip = ~placed & (column("zip") != "") & (zips == "") & us_zip & ~states.str.startswith("CA-")
    problems[not_zip] += "ZIP '" + column("zip")[not_zip] + "' is not a US ZIP code; "
    faults[not_zip] += "zip;"
    placed = out["lat"].notna()
    unknown = bad_state & ~placed
    meant = country.map({"US": "a US state", "CA": "a Canadian province"}).fillna("a US state or Canadian province")
    problems[unknown] += "state '" + column("state")[unknown] + "' is not " + meant[unknown] + "; "
    faults[unknown] += "state;"

    # 2. City + state, or city + country; city alone (a name found once in the world) only with neither given:
    # not for a state or a country that was given but not recognised (the file meant a place it did not name).
    city = column("city")
    usable = ~placed & (city != "") & ~bad_state & ~(bad_country & (states == ""))
    if usable.any():
        _place_cities(out, problems, faults, usable, city, states, country)
    placed = out["lat"].notna()

    # 3. Region code, then state alone, then country alone: the region's representative point.
    regions = region_table().set_index("region_id")[["lat", "lon"]]
    for source, codes in (
        ("region", column("region").map(normalize_region_id)),
        ("state", states),
        ("country", country),
    ):
        usable = ~placed & (codes != "")
        if not usable.any():
            continue
        hit = (
            pd.DataFrame({"region_id": codes[usable]})
            .reset_index()
            .merge(regions, left_on="region_id", right_index=True)
            .set_index("index")
        )
        _apply(out, hit, source)
        first = hit[~hit.index.duplicated()]  # (placed in this region: it, not the county under its point)
        out.loc[first.index, "geocode_region"] = first["region_id"].astype(str)
        if source == "region":
            missed = usable & ~usable.index.isin(hit.index)
            problems[missed] += "region code '" + column("region")[missed] + "' unknown; "
            faults[missed] += "region;"
        placed = out["lat"].notna()
    # A row placed by its country alone where the country is divided into states or provinces (the US, Canada) lies
    # in no state: said, with how to place it (it was placed in "the US" as a whole unsaid, a new user's test).
    table = region_table()
    divided = set(table.loc[table["level"].isin(["state", "province"]), "parent_id"].dropna())
    given = (column("zip") != "") | (column("city") != "") | (column("state") != "") | (column("region") != "")
    country_only = ((out["geocode_source"] == "country") & out["geocode_region"].isin(divided) & (problems == "")
                    & ~given)  # fmt: skip
    problems[country_only] = "only its country is given (no coordinates, ZIP, city or state); "
    faults[country_only] += "country;"

    nothing = ~placed & (problems == "")
    problems[nothing] = "no coordinates and no address (ZIP, city, region code) to place it; "
    text = problems.str.rstrip("; ")
    fix = bad_state & ~placed
    out["geocode_problem"] = text.where(~fix, text + "; fix the state or give coordinates").where(~placed, "")
    # Rows placed by a coarser method after a finer one failed say so.
    out["geocode_note"] = text.where(placed, "")
    out["geocode_fields"] = faults.str.rstrip(";")
    return out


# How a row placed in the largest of several cities of its name ends (said as is: it was placed by city, not by a
# coarser method after a finer one failed).
GUESSED_CITY_FIX = "give its state to place it in the right one"


def _place_cities(out, problems, faults, usable, city, states, country) -> None:
    table = _cities()
    rows = pd.DataFrame(
        {"city_key": _city_keys(city[usable]), "state_id": states[usable], "country": country[usable]}
    ).reset_index()
    with_state = rows[rows["state_id"] != ""]
    hit_state = with_state.merge(
        table[["city_key", "state_id", "lat", "lon"]].drop_duplicates(["city_key", "state_id"]),
        on=["city_key", "state_id"],
    )
    # (a city + country only where no state is given: a state given and known bounds the search, and a city it does
    # not have is placed by the state, said; looked for in the whole country, Houston, MO went to Texas, a review)
    rest = rows[(rows["state_id"] == "") & (rows["country"] != "")]
    hit_country = rest.drop(columns="state_id").merge(
        table[["city_key", "country", "lat", "lon"]].drop_duplicates(["city_key", "country"]),
        on=["city_key", "country"],
    )
    alone = rows[(rows["state_id"] == "") & (rows["country"] == "")]
    hit_alone = alone.drop(columns=["state_id", "country"]).merge(
        table.loc[table["unique_name"], ["city_key", "lat", "lon"]], on="city_key"
    )
    hits = pd.concat([hit_state, hit_country, hit_alone]).set_index("index")
    _apply(out, hits, "city")
    # A city and its country alone, where the country has several places of that name (Springfield, United
    # States: in Missouri, Illinois, Massachusetts …): placed in the largest, and said (it was silent, a review).
    if len(hit_country):
        places = table.groupby(["city_key", "country"])["admin1"].nunique()
        counts = places.reindex(pd.MultiIndex.from_frame(hit_country[["city_key", "country"]])).to_numpy()
        several = hit_country[counts > 1].set_index("index")
        if len(several):
            largest = table.drop_duplicates(["city_key", "country"]).set_index(["city_key", "country"])
            chosen = largest.reindex(pd.MultiIndex.from_frame(several[["city_key", "country"]]))
            where = (chosen["name"].astype(str) + ", " + chosen["admin1"].astype(str)).to_numpy()
            how_many = counts[counts > 1].astype(int).astype(str)
            problems[several.index] += ("city '" + city[several.index] + "' names " + how_many + " places in "
                                        + several["country"].to_numpy() + ": placed in the largest, " + where
                                        + f" ({GUESSED_CITY_FIX}); ")  # fmt: skip
            faults[several.index] += "city;"
    missed = usable & ~usable.index.isin(hits.index)
    if missed.any():
        known = set(table["city_key"])
        ambiguous = missed & city.index.isin(alone["index"]) & _city_keys(city).map(lambda k: k in known).astype(bool)
        problems[ambiguous] += "city '" + city[ambiguous] + "' is ambiguous without a state or country; "
        faults[ambiguous] += "city;"
        not_found = missed & ~ambiguous
        where = (states.where(states != "", country)).where(lambda s: s != "", "?")
        problems[not_found] += "city '" + city[not_found] + "' (" + where[not_found] + ") not found; "
        # (the city, and the state or country it was looked for in)
        faults[not_found] += "city;" + pd.Series(np.where(states != "", "state;", np.where(country != "", "country;", "")),
                                                 index=city.index)[not_found]  # fmt: skip


def _apply(out: pd.DataFrame, hits: pd.DataFrame, source: str) -> None:
    if hits.empty:
        return
    hits = hits[~hits.index.duplicated()]
    out.loc[hits.index, "lat"] = hits["lat"].astype(float)
    out.loc[hits.index, "lon"] = hits["lon"].astype(float)
    out.loc[hits.index, "geocode_source"] = source
