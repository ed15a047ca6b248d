"""Numbers as spreadsheets write them: decimal points or decimal commas, thousands separators, currency signs.

Excel writes ``1,500.00`` in the US and ``1.500,00`` in most of Europe; a CSV holds whichever the exporting machine
used. A cell that can be read only one way (``800,00``, ``12.5``, ``1.234,50``) says which convention it follows;
``1,234`` and ``2.000`` could be either. Accounts files (:mod:`geo.accounts`) and reps files
(:mod:`territory.roster_files`) read their number columns with these.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "EITHER_DOT", "SHAPES", "column_shapes", "decimal_mark", "other_reading", "read_amount", "read_coordinate_pair", "read_degrees", "degrees_problem",
    "read_number", "read_shaped",
]  # fmt: skip

# The shapes a cell can have, by their codes (0: no number). "either": a first group of 1-3 digits that is not 0,
# a mark, then 3 digits: a thousands separator or a decimal mark. (0,500 and 0.127 cannot be thousands.)
SHAPES = ("bad", "plain", "either comma", "either dot", "point", "comma")
_PATTERNS = (
    r"\d+|\d+(?:\.\d+)?[eE][-+]?\d+",
    r"[1-9]\d{0,2},\d{3}",
    r"[1-9]\d{0,2}\.\d{3}",
    r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?|\d*\.\d+",
    r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?|\d*,\d+|\d+,\d+[eE][-+]?\d+",  # (1,5E+06: Excel's in a comma locale)
)
_COMPILED = tuple(re.compile(rf"[-+]?(?:{p})") for p in _PATTERNS)
EITHER_DOT = _COMPILED[2].pattern  # (2.000: 2 or 2000; the one shape Python reads of those that could be either)
# Taken out of a number before it is read (1 234,50 €; $1,500.00)
SPACES_AND_SIGNS = (" ", "\t", "\u00a0", "\u202f", "$", "€", "£")
_TAKEN_OUT = re.compile("[" + "".join(SPACES_AND_SIGNS) + "]")


def _reading(shape: int, decimal: str, coordinates: bool) -> str:
    """``"point"``, ``"comma"`` or ``""`` (no number): how a cell of ``shape`` is read."""
    if shape in (1, 4) or (shape == 3 and (coordinates or decimal == ".")):
        return "point"
    if shape == 5 or (shape == 2 and (coordinates or decimal == ",")):
        return "comma"
    if shape in (2, 3):  # (either, by the column's mark)
        return "point" if decimal == "." else "comma"
    return ""


def read_number(cell: str, decimal: str = ".", *, coordinates: bool = False) -> tuple[float | None, str]:
    """A number as written in a spreadsheet cell, and how its marks read.

    The second part is ``"point"``, ``"comma"``, ``"either"`` or ``"plain"``; (None, ``"bad"``) when it is no number.
    Currency signs and spaces go (``$1,500.00``, ``€ 2 500``). ``1,234`` and ``2.000`` could be either, and are read
    with ``decimal`` (``"."`` or ``","``); with ``coordinates`` (a latitude or longitude, never 1,000 or more) the
    mark they have is the decimal mark.

    Examples
    --------
    >>> [read_number(c)[0] for c in ["$1,500.00", "1.234,50", "800,00", "12.5", "-3", "1e3", "33,44624", "0,500"]]
    [1500.0, 1234.5, 800.0, 12.5, -3.0, 1000.0, 33.44624, 0.5]
    >>> read_number("1,5E+06"), read_number("1.5E+06")
    ((1500000.0, 'comma'), (1500000.0, 'plain'))
    >>> read_number("1,234"), read_number("1,234", ","), read_number("2.000", ","), read_number("12,3,4")
    ((1234.0, 'either'), (1.234, 'either'), (2000.0, 'either'), (None, 'bad'))
    >>> read_number("-0,128", coordinates=True), read_number("51.507", ",", coordinates=True)
    ((-0.128, 'comma'), (51.507, 'point'))
    """
    text = _TAKEN_OUT.sub("", str(cell))
    shape = next((code for code, pattern in enumerate(_COMPILED, start=1) if pattern.fullmatch(text)), 0)
    how = _reading(shape, decimal, coordinates)
    if not how:
        return None, "bad"
    number = float(text.replace(",", "") if how == "point" else text.replace(".", "").replace(",", "."))
    said = {1: "plain", 4: "point", 5: "comma"}.get(shape) or ("either" if not coordinates else how)
    return number, said


def column_shapes(cells: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each cell's shape (codes into :data:`SHAPES`) and the cell without spaces and currency signs, a column at once.

    Examples
    --------
    >>> codes, bare = column_shapes(pd.Series(["1.234,50", "2.000", "$1,500.00", "x"], dtype="string"))
    >>> [SHAPES[c] for c in codes], bare.tolist()
    (['comma', 'either dot', 'point', 'bad'], ['1.234,50', '2.000', '1,500.00', 'x'])
    """
    bare = cells.astype("string")
    for sign in SPACES_AND_SIGNS:  # (one regex for them all went a cell at a time: 0.2 s a column of 100,000)
        if bare.str.contains(sign, regex=False).any():
            bare = bare.str.replace(sign, "", regex=False)
    codes = np.zeros(len(cells), dtype=np.int8)
    for code, pattern in enumerate(_COMPILED, start=1):
        open_ = np.flatnonzero(codes == 0)
        if not len(open_):
            break
        hit = bare.iloc[open_].str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)
        codes[open_[hit]] = code
    return codes, bare


def read_shaped(bare: pd.Series, codes: np.ndarray, decimal: str, *, coordinates: bool = False) -> pd.Series:
    """The numbers of a column's cells (see :func:`column_shapes`), as :func:`read_number` reads each."""
    pointed = np.isin(codes, (1, 4)) | ((codes == 3) & (coordinates or decimal == "."))
    pointed |= (codes == 2) & (not coordinates) & (decimal == ".")
    commaed = (codes == 5) | ((codes == 2) & (coordinates or decimal == ","))
    commaed |= (codes == 3) & (not coordinates) & (decimal == ",")
    out = pd.Series(np.nan, index=bare.index, dtype=float)
    if pointed.any():
        out[pointed] = pd.to_numeric(bare[pointed].str.replace(",", "", regex=False), errors="coerce").astype(float)
    if commaed.any():
        text = bare[commaed].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        out[commaed] = pd.to_numeric(text, errors="coerce").astype(float)
    return out


def decimal_mark(points: int, commas: int, *fallbacks: tuple[int, int], default: str = ".") -> str:
    """The decimal mark a column reads with.

    Its own cells' say (how many can be read only with a point, only with a comma), else the first of
    ``fallbacks`` (the file's other columns: points, commas) that says, else ``default``.

    Examples
    --------
    >>> decimal_mark(3, 0), decimal_mark(0, 2), decimal_mark(1, 1, (0, 5)), decimal_mark(0, 0, (0, 0), default=",")
    ('.', ',', ',', ',')
    """
    for p, c in ((points, commas), *fallbacks):
        if p != c:
            return "," if c > p else "."
    return default


def other_reading(cell: str, decimal: str) -> float | None:
    """A cell that could be either, read with the other mark (``2.000`` read with a point is 2; the other, 2000)."""
    return read_number(cell, "," if decimal == "." else ".")[0]


# Longer cells are no coordinate nor amount: the patterns below backtrack (a cell of 2,000 characters took 121 s, a
# review).
_LONGEST_CELL = 64

# What a spreadsheet or a CRM writes around an amount: a currency's code (USD 1,200,000; 950 EUR), a scale
# (1.2M, 500k, 2.5 bn), an accountant's brackets for a negative (($12,000)).
_CODES = r"(?:US\$|C\$|A\$|USD|CAD|EUR|GBP|AUD|CHF|JPY|MXN|SEK|NOK|DKK|PLN|[$€£])"
_DASH = re.compile(r"\s*[$€£]?\s*[-–—]\s*[$€£]?\s*")  # (an accountant's zero: "-", "$ -")
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mio": 1e6, "million": 1e6, "b": 1e9,
           "bn": 1e9, "billion": 1e9}  # fmt: skip
_AMOUNT = re.compile(
    rf"\s*(?P<open>\()?\s*(?:{_CODES}\s*)?(?P<sign>[-+])?\s*(?:{_CODES}\s*)?(?P<number>[\d.,\s$€£]*\d)\s*"
    rf"(?P<scale>{'|'.join(sorted(_SCALES, key=len, reverse=True))})?\.?\s*(?:{_CODES})?\s*(?P<close>\))?\s*",
    re.IGNORECASE,
)


def read_amount(cell: str, decimal: str = ".") -> float | None:
    """An amount written with a currency's code, a scale or in brackets, else None (a plain number: :func:`read_number`).

    A dash alone is an accountant's zero.

    Examples
    --------
    >>> [read_amount(c) for c in ["USD 1,200,000", "1.2M", "500k", "2.5 bn", "($12,000)", "950 EUR", "1,5 Mio €"]]
    [1200000.0, 1200000.0, 500000.0, 2500000000.0, -12000.0, 950.0, 1500000.0]
    >>> read_amount("-"), read_amount("$ -")  # (an accountant's zero)
    (0.0, 0.0)
    >>> read_amount("1200"), read_amount("45%"), read_amount("(12"), read_amount("12 apples")
    (None, None, None, None)
    """
    text = str(cell)
    if len(text) > _LONGEST_CELL:
        return None
    if _DASH.fullmatch(text):
        return 0.0
    found = _AMOUNT.fullmatch(text)
    if found is None or bool(found["open"]) != bool(found["close"]):
        return None
    if not (found["open"] or found["scale"] or re.search(_CODES, text, re.IGNORECASE)):
        return None
    number, _ = read_number(found["number"], decimal)
    if number is None:
        return None
    number *= _SCALES[found["scale"].lower()] if found["scale"] else 1.0
    return -number if found["open"] or found["sign"] == "-" else number


# A coordinate as written with degrees, minutes and seconds, or a hemisphere's letter (40°42′46″N, N 40.7128,
# 74.006 W, 40° 42.767'); a decimal point or comma in any figure.
_FIGURE = r"\d+(?:[.,]\d+)?"
_DEGREES = (
    rf"(?P<before>[NSEW])?\s*(?P<sign>[-+])?(?P<deg>{_FIGURE})\s*(?P<mark>[°º˚])?\s*"
    rf"(?:(?P<min>{_FIGURE})\s*['′’]\s*(?:(?P<sec>{_FIGURE})\s*(?:\"|″|''|”)?)?)?\s*(?P<after>[NSEW])?"
)
_DEGREES_CELL = re.compile(rf"\s*{_DEGREES}\s*", re.IGNORECASE)
# (degrees, minutes and seconds with spaces between, as GPS exports write them: 40 42 46 N; a letter needed)
_SPACED_CELL = re.compile(rf"\s*(?P<before>[NSEW])?\s*(?P<sign>[-+])?(?P<deg>\d+)\s+(?P<min>{_FIGURE})"
                          rf"(?:\s+(?P<sec>{_FIGURE}))?\s*(?P<after>[NSEW])?\s*", re.IGNORECASE)  # fmt: skip
_AXIS_LETTERS = {"lat": "NS", "lon": "EW"}
_AXIS_NAMES = {"lat": "latitude", "lon": "longitude"}


def _degrees_parts(cell: str):
    """The parts of a coordinate written in degrees (a regex match), else None."""
    text = str(cell)
    if len(text) > _LONGEST_CELL:
        return None
    found = _DEGREES_CELL.fullmatch(text)
    if found is None:
        found = _SPACED_CELL.fullmatch(text)
        if found is not None and not (found["before"] or found["after"]):
            return None
    return found


def read_degrees(cell: str, axis: str) -> float | None:
    """A latitude (``axis="lat"``) or longitude (``"lon"``) written with a hemisphere's letter or degrees, else None.

    South and west are negative. None for a plain number (read as numbers are), for a letter of the other axis
    (``40.7 W`` is no latitude), for a letter and a sign together, and for minutes or seconds of 60 or more
    (:func:`degrees_problem` says which).

    Examples
    --------
    >>> read_degrees("40°42′46″N", "lat"), read_degrees("74.006 W", "lon"), read_degrees("S 33,87", "lat")
    (40.71277777777778, -74.006, -33.87)
    >>> read_degrees("-74.006°", "lon"), read_degrees("40° 30'", "lat"), read_degrees("40 30 00 N", "lat")
    (-74.006, 40.5, 40.5)
    >>> read_degrees("40.7", "lat"), read_degrees("40.7 W", "lat"), read_degrees("-40.7 S", "lat"), read_degrees("40°75'", "lat")
    (None, None, None, None)
    """
    found = _degrees_parts(cell)
    if found is None or degrees_problem(cell, axis) is not None:
        return None
    letter = (found["before"] or found["after"] or "").upper()
    if not (letter or found.groupdict().get("mark") or found["min"]):
        return None
    minutes = float(found["min"].replace(",", ".")) if found["min"] else 0.0
    seconds = float(found["sec"].replace(",", ".")) if found["sec"] else 0.0
    value = float(found["deg"].replace(",", ".")) + minutes / 60 + seconds / 3600
    return -value if found["sign"] == "-" or letter in ("S", "W") else value


def degrees_problem(cell: str, axis: str) -> str | None:
    """Why a coordinate written in degrees cannot be read as a latitude (``"lat"``) or longitude, else None.

    Examples
    --------
    >>> degrees_problem("40.7 W", "lat")
    "its letter, W, is a longitude's (a latitude takes N or S)"
    >>> degrees_problem("-40.7128 N", "lat"), degrees_problem("40°72′46″N", "lat")
    ('has both a sign and a letter (write 40.7128 N, or -40.7128 for south)', 'its minutes or seconds are 60 or more')
    >>> degrees_problem("40.7128 N", "lat"), degrees_problem("40.7", "lat"), degrees_problem("north", "lat")
    (None, None, None)
    """
    found = _degrees_parts(cell)
    if found is None:
        return None
    before, after, sign = found["before"], found["after"], found["sign"]
    letter = (before or after or "").upper()
    if before and after:
        return f"has two letters, {before.upper()} and {after.upper()} (write one)"
    if letter and letter not in _AXIS_LETTERS[axis]:
        other = "lon" if axis == "lat" else "lat"
        return (f"its letter, {letter}, is a {_AXIS_NAMES[other]}'s (a {_AXIS_NAMES[axis]} takes "
                f"{' or '.join(_AXIS_LETTERS[axis])})")  # fmt: skip
    if letter and sign:
        magnitude = found["deg"]
        south = "south" if axis == "lat" else "west"
        return f"has both a sign and a letter (write {magnitude} {letter}, or -{magnitude} for {south})"
    for part in ("min", "sec"):
        if found[part] and float(found[part].replace(",", ".")) >= 60:
            return "its minutes or seconds are 60 or more"
    return None


_PAIR_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIRS = (  # (decimal points, a comma, semicolon, slash or spaces between; decimal commas, a semicolon or spaces)
    re.compile(rf"\s*(?P<wkt>POINT\s*)?[(\[]?\s*(?P<a>{_PAIR_NUMBER})\s*(?:[,;/]\s*|\s+)(?P<b>{_PAIR_NUMBER})\s*[)\]]?\s*",
               re.IGNORECASE),
    re.compile(r"\s*[(\[]?\s*(?P<a>[-+]?\d+(?:,\d+)?)\s*(?:;\s*|\s+)(?P<b>[-+]?\d+(?:,\d+)?)\s*[)\]]?\s*"),
)  # fmt: skip
_PAIR_WITH_LETTERS = re.compile(rf"\s*(?P<a>{_DEGREES.replace('?P<', '?P<a_')})\s*[,;/]?\s*"
                                rf"(?P<b>{_DEGREES.replace('?P<', '?P<b_')})\s*", re.IGNORECASE)  # fmt: skip
# (letters before the figures, "N40 W74": the second's letter read as the first's "after" made two letters of it,
# a review; geocaching's minutes without their mark, "N 40° 42.767 W 074° 00.360", are not read)
_LETTERS_FIRST = _DEGREES.replace(r"\s*(?P<after>[NSEW])?", "")
_PAIR_LETTERS_FIRST = re.compile(rf"\s*(?P<a>{_LETTERS_FIRST.replace('?P<', '?P<a_')})\s*[,;/]?\s*"
                                 rf"(?P<b>{_LETTERS_FIRST.replace('?P<', '?P<b_')})\s*", re.IGNORECASE)  # fmt: skip


def read_coordinate_pair(cell: str) -> tuple[float, float] | None:
    """(latitude, longitude) from one cell holding both, else None.

    As a map copies them (``40.7128, -74.0060``), in brackets, with a semicolon, a slash or spaces between, with
    decimal commas where a semicolon or spaces part them, with hemisphere letters (``40.7128 N, 74.006 W``, in either
    order), or as WKT's ``POINT (-74.006 40.7128)``, longitude first. Numbers are not checked against their ranges.

    Examples
    --------
    >>> read_coordinate_pair("40.7128, -74.0060"), read_coordinate_pair("(48,85; 2,35)")
    ((40.7128, -74.006), (48.85, 2.35))
    >>> read_coordinate_pair("POINT (-74.006 40.7128)"), read_coordinate_pair("74.006 W, 40.7128 N")
    ((40.7128, -74.006), (40.7128, -74.006))
    >>> read_coordinate_pair("N40 W74"), read_coordinate_pair("N 40° 30.0' W 074° 00.0'")
    ((40.0, -74.0), (40.5, -74.0))
    >>> read_coordinate_pair("40.7128"), read_coordinate_pair("Main St 12, 10001")
    (None, None)
    """
    text = str(cell)
    if len(text) > _LONGEST_CELL:
        return None
    for pattern in _PAIRS:
        found = pattern.fullmatch(text)
        if found is not None:
            a, b = (float(found[k].replace(",", ".")) for k in ("a", "b"))
            return (b, a) if found.groupdict().get("wkt") else (a, b)
    for pattern in (_PAIR_WITH_LETTERS, _PAIR_LETTERS_FIRST):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        first, second = found["a"], found["b"]
        if (found["a_before"] or found.groupdict().get("a_after") or "N").upper() in "EW":  # (its letter says so)
            first, second = second, first
        lat, lon = read_degrees(first, "lat"), read_degrees(second, "lon")
        if lat is not None and lon is not None:
            return lat, lon
    return None
