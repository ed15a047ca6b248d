"""Accounts from CSV: recognise columns, validate rows, place every row it can.

A file that cannot be used at all raises :class:`AccountsFileError`; a row that cannot be used is reported
in ``AccountsLoad.problems`` with its row, column and reason, and the other rows go on.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.geocode import GUESSED_CITY_FIX, geocode
from territory.cell_numbers import (
    EITHER_DOT,
    column_shapes,
    decimal_mark,
    degrees_problem,
    other_reading,
    read_amount,
    read_coordinate_pair,
    read_degrees,
    read_number,
    read_shaped,
)
from territory.errors import AccountsFileError
from territory.formatting import and_list, counted, numbered
from territory.model import normalize_tier
from territory.textfiles import (
    CSV_HINT,
    CsvRecordError,
    decode_text,
    header_delimiter,
    quoting_hint,
    scan_csv,
    shifted_said,
    utf16_without_mark,
    without_title_lines,
)

__all__ = [
    "ACCOUNT_FIELDS", "COLUMN_ALIASES", "FIELD_LABELS", "AccountsLoad", "guess_column_map", "read_accounts",
    "read_headers", "recode_industries", "rows_with_problems", "shared_columns", "unread_lookalikes",
]  # fmt: skip

ACCOUNT_FIELDS = (
    "account_id", "name", "industry", "tier", "value", "cycle_days", "owner", "account_status",
    "lat", "lon", "zip", "city", "state", "country", "region",
)  # fmt: skip
#: Each field as the Accounts page names it (and the messages about a column mapping).
FIELD_LABELS = {
    "account_id": "Account id", "name": "Name", "industry": "Industry", "tier": "Tier", "value": "Estimated value",
    "cycle_days": "Cycle length (days)", "owner": "Current owner", "account_status": "Status (customer/prospect)",
    "lat": "Latitude", "lon": "Longitude", "zip": "ZIP", "city": "City", "state": "State / province",
    "country": "Country", "region": "Region code",
}  # fmt: skip
# Header spellings (compared lower-case, letters and digits only) -> our field.
COLUMN_ALIASES = {
    "account_id": ["accountid", "id", "recordid", "companyid", "accountnumber"],
    "name": ["name", "accountname", "companyname", "company"],
    "industry": ["industry", "vertical", "sector"],
    "tier": ["tier", "segment", "accounttier", "customersegment"],
    "value": ["value", "estimatedvalue", "annualrevenue", "revenue", "dealvalue", "potentialvalue", "arr"],
    "cycle_days": ["cycledays", "cyclelength", "salescycle", "salescycledays", "cyclelengthdays"],
    "owner": [
        "owner",
        "currentowner",
        "accountowner",
        "companyowner",
        "ownerid",
        "accountownerid",
        "companyownerid",
        "owneremail",
        "ownername",
        "hubspotowner",
        "rep",
    ],  # (a Salesforce report: "Account Owner ID", a review)
    # (HubSpot's "Lifecycle Stage" before its "Type", Prospect/Partner/…, often empty: customers read as prospects, a
    # review)
    "account_status": ["status", "accountstatus", "lifecyclestage", "type", "accounttype", "customerstatus"],
    "lat": ["lat", "latitude", "billinglatitude", "y"],
    "lon": ["lon", "lng", "long", "longitude", "billinglongitude", "x"],
    "zip": ["zip", "zipcode", "postalcode", "postcode", "billingzippostalcode", "billingpostalcode", "billingzip"],
    "city": ["city", "billingcity", "town"],
    # (and the codes of a Salesforce org with State and Country picklists: BillingStateCode, "Billing State/Province
    # Code"; such a Data Loader file was refused, a review)
    "state": [
        "state",
        "province",
        "stateprovince",
        "billingstateprovince",
        "stateregion",
        "billingstate",
        "statecode",
        "provincecode",
        "billingstatecode",
        "billingstateprovincecode",
        "stateprovincecode",
    ],
    "country": [
        "country",
        "billingcountry",
        "countryregion",
        "countrycode",
        "billingcountrycode",
        "billingcountryterritorycode",
        "countryterritorycode",
    ],
    "region": ["region", "regionid", "regioncode", "territoryregion"],
}
_BY_ADDRESS = "placed by its address instead"  # (what a row with unusable coordinates but an address is told)
#: The largest estimated value or cycle length an accounts file may give (a quadrillion: beyond is a typo, and
#: 1e309 reads as infinity).
LARGEST_NUMBER = 1e15

_STATUS = {
    "customer": "customer", "client": "customer", "active": "customer", "activecustomer": "customer",
    "customerdirect": "customer", "customerchannel": "customer", "prospect": "prospect", "lead": "prospect", "opportunity": "prospect",
    "target": "prospect", "marketingqualifiedlead": "prospect", "salesqualifiedlead": "prospect",
    "subscriber": "prospect", "evangelist": "customer",
}  # fmt: skip


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def guess_column_map(headers: list[str]) -> dict[str, str]:
    """Map our fields to a file's headers by their usual names (Salesforce and HubSpot exports included).

    Returns
    -------
    dict
        ``{field: header}`` for every field recognised; the first matching alias wins.
    """
    by_key = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    for header in headers:  # (a Salesforce custom field, Tier__c or TIER__C, is the field it names)
        if str(header).lower().endswith("__c"):
            by_key.setdefault(_key(str(header)[:-3]), header)
    mapping = {}
    for name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in by_key and by_key[alias] not in mapping.values():
                mapping[name] = by_key[alias]
                break
    return mapping


@dataclass
class AccountsLoad:
    """Accounts read from a CSV.

    Attributes
    ----------
    accounts : DataFrame
        One row per placed account: our fields, ``lat``/``lon``, ``geocode_source`` and ``row`` (the line of
        the file the row starts on, as an editor numbers lines: header = 1, blank lines count). Extra columns of
        the file are kept.
    problems : DataFrame
        ``row, account_id, column, value, problem, severity`` — severity ``skipped`` (row not placed) or
        ``warning`` (row kept, a field ignored).
    column_map : dict
        Our field -> the file's header.
    source : str
        The file name used in messages.
    """

    accounts: pd.DataFrame
    problems: pd.DataFrame
    column_map: dict[str, str]
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> pd.DataFrame:
        """Problems that kept a row off the map."""
        return self.problems[self.problems["severity"] == "skipped"]


def rows_with_problems(problems: pd.DataFrame) -> tuple[int, int]:
    """``(skipped, warned)``: rows not placed, and rows placed with a warning, of :attr:`AccountsLoad.problems`.

    A row can have several problems: one skipped that had a warning too is a skipped row, counted once.

    Examples
    --------
    >>> rows_with_problems(pd.DataFrame({"row": [2, 2, 3], "severity": ["warning", "skipped", "warning"]}))
    (1, 1)
    """
    skipped = set(problems.loc[problems["severity"] == "skipped", "row"])
    return len(skipped), len(set(problems["row"]) - skipped)


def read_accounts(
    source: str | Path | bytes | io.IOBase,
    *,
    filename: str | None = None,
    column_map: dict[str, str] | None = None,
    swap_lat_lon: bool = False,
) -> AccountsLoad:
    """Read accounts from a CSV and place each one (coordinates, else offline geocoding).

    Parameters
    ----------
    source : path, bytes or file-like
        The CSV.
    filename : str, optional
        Name for messages (defaults to the path's name).
    column_map : dict, optional
        ``{field: header}`` overriding the guessed mapping (see :data:`ACCOUNT_FIELDS`); a field mapped to None
        reads no column.
    swap_lat_lon : bool, default False
        Read the latitude column as longitude and vice versa (for files exported with them swapped).

    Returns
    -------
    AccountsLoad

    Raises
    ------
    AccountsFileError
        If the file cannot be parsed, is empty, has no id column, or has neither coordinates nor any
        address column; if one column is mapped to both Latitude and Longitude, or a column mapped to either
        holds no numbers in a file without an address.
    """
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    read = _read_csv(source, name)
    raw = read.raw
    mapping = guess_column_map(list(raw.columns))
    if column_map:
        for key, header in column_map.items():
            if key not in ACCOUNT_FIELDS:
                raise ValueError(f"`column_map` key {key!r} is not one of {list(ACCOUNT_FIELDS)}")
            if header is not None and header not in raw.columns:
                raise AccountsFileError(
                    f"no column '{header}' (mapped to {key})",
                    source=name,
                    hint=f"The file's columns are: {', '.join(raw.columns)}",
                )
        chosen = {k: v for k, v in column_map.items() if v is not None}
        # A field mapped to None reads no column (not even the one its name would suggest).
        mapping = {
            k: v for k, v in mapping.items() if v not in chosen.values() and column_map.get(k, v) is not None
        } | chosen
    written = _coordinate_pairs(raw, mapping, name)  # (one column of both: two columns)
    if mapping.get("lat") is not None and mapping.get("lat") == mapping.get("lon"):
        raise AccountsFileError(
            f"column '{mapping['lat']}' is mapped to both Latitude and Longitude: a latitude is not a longitude, and "
            "its cells are not both together (as in '40.7128, -74.0060')",
            source=name,
            hint="Map Latitude to the column with latitudes and Longitude to the one with longitudes",
        )
    notes = [f"{name}: {message}" for message in shared_columns(mapping)]
    notes += [f"{name}: {message}" for message in unread_lookalikes(list(raw.columns), mapping)]
    together = written.pop("column", None)
    if written:
        notes.append(written.pop("said"))
    _check_columns(raw, mapping, name)
    doubtful, originals = _number_marks(raw, mapping, name, read.delimiter, notes, swapped=swap_lat_lon)
    for column, cells in written.items():  # (quoted as written: "40.7128 N, 74.006 W", not 40.7128)
        originals[column] = pd.concat([cells, originals.get(column, cells.iloc[:0]).drop(cells.index, errors="ignore")])
    mapping_problems = _check_coordinate_columns(raw, mapping, name)
    if swap_lat_lon and "lat" in mapping and "lon" in mapping:
        mapping["lat"], mapping["lon"] = mapping["lon"], mapping["lat"]

    accounts = pd.DataFrame(index=raw.index)
    for key in ACCOUNT_FIELDS:
        if key in mapping:
            accounts[key] = raw[mapping[key]]
    extras = [c for c in raw.columns if c not in mapping.values()]
    for column in extras:
        # (an unmapped column named like a field is kept under another name: it is not that field)
        accounts[column if column not in accounts and column not in ACCOUNT_FIELDS else f"{column}_extra"] = raw[column]
    accounts["row"] = read.lines  # the line of the file, as an editor numbers it (header = 1, blank lines count)

    problems: list[dict] = list(mapping_problems)
    for idx, column, cell, number, other in doubtful:
        problems.append(_problem(
            accounts, idx, column, cell,
            f"could be read as {number:.10g} or as {other:.10g} (the column writes numbers both with decimal points "
            f"and with decimal commas); read as {number:.10g}: if you meant {other:.10g}, write {other:.10g}",
            "warning",
        ))  # fmt: skip
    accounts = _clean_fields(accounts, mapping, name, problems)
    if together is not None:
        _said_of_pairs(problems, together, mapping, dict(zip(read.lines.tolist(), raw[together].tolist(), strict=True)))
    placed = geocode(accounts)
    accounts["lat"] = placed["lat"]
    accounts["lon"] = placed["lon"]
    accounts["geocode_source"] = placed["geocode_source"]
    accounts["geocode_region"] = placed["geocode_region"]
    unplaced = placed["geocode_problem"] != ""
    for idx in accounts.index[placed["geocode_note"] != ""]:
        where, region = placed.at[idx, "geocode_source"], placed.at[idx, "geocode_region"]
        note = placed.at[idx, "geocode_note"]
        # (a city of several places, placed in the largest, says so itself)
        text = note if note.endswith(f"({GUESSED_CITY_FIX})") else f"{note}; placed by {where} instead"
        if region:  # (in the region, not in the county under its centre: only a territory claiming all of it)
            from geo.boundaries import region_label

            text += f": in {region_label(region)} as a whole, for the territory that claims all of it"
            # (what to do, as every problem says: a new user's nine "New York, NY" rows said only where they went)
            text += " (give its ZIP or its coordinates to place it in its county)"
        problems.append(_problem(accounts, idx, *_at_fault(accounts, idx, mapping, placed.at[idx, "geocode_fields"]), text,
                                 "warning"))  # fmt: skip
    # A row whose coordinates fell back on an address that cannot be placed is one problem, skipped: its
    # coordinates' problem said "placed by its address instead" beside the address's "not found" (a contradiction).
    fell_back = {p["row"]: p for p in problems if str(p["problem"]).endswith(_BY_ADDRESS)}
    for idx in accounts.index[unplaced]:
        why = placed.at[idx, "geocode_problem"]
        coordinates = fell_back.get(int(accounts.at[idx, "row"]))
        if coordinates is not None:
            coordinates["problem"] = (
                coordinates["problem"].removesuffix(_BY_ADDRESS)
                + f"its address cannot place it either ({why}); row skipped"
            )
            coordinates["severity"] = "skipped"
            continue
        column, value = _at_fault(accounts, idx, mapping, placed.at[idx, "geocode_fields"])
        # (said as every other row skipped is: the line had no "row skipped", a review)
        problems.append(_problem(accounts, idx, column, value, f"{why}; row skipped", "skipped"))
    rows = len(raw)
    accounts = _one_row_per_account(accounts, ~unplaced & accounts["lat"].notna(), header=mapping.get("account_id"),
                                    problems=problems)  # fmt: skip
    problems += _likely_duplicates(accounts, mapping.get("name"))
    table = pd.DataFrame(problems, columns=["row", "account_id", "column", "value", "problem", "severity"])
    if len(table) and any(len(v) for v in originals.values()):
        # (a number cell read with decimal commas or currency signs is quoted as written, not as it was read:
        # "-$1,500.00", not "-1500.0")
        index_of = pd.Series(raw.index, index=np.asarray(read.lines))  # (a file's line → its row)
        table["value"] = [
            originals[c].get(index_of.get(int(r)), v) if c in originals and r == r else v
            for c, r, v in zip(table["column"], table["row"], table["value"], strict=True)
        ]
    if rows and accounts.empty:  # (a load that keeps nothing is no load: the accounts in use stay)
        first = table.sort_values("row", kind="stable").iloc[0] if len(table) else None
        refusal = AccountsFileError(
            (f"none of its {counted(rows, 'row')} can be used" if rows > 1 else "its one row cannot be used")
            + (
                f"; {'the first, ' if rows > 1 else ''}line {int(first['row'])}, column '{first['column']}': "
                f"{str(first['problem']).removesuffix('; row skipped')}"
                if first is not None
                else ""
            ),
            source=name,
            hint="Fix the rows (each needs an id and coordinates or an address) and load the file again"
            + _unread_columns_hint(raw.columns, mapping),
        )
        # (every row's problem, for cli.py's --problems: the file it writes was missing when no row could be used)
        refusal.problems_table = table.sort_values("row", kind="stable", ignore_index=True)
        raise refusal
    return AccountsLoad(
        accounts=accounts,
        problems=table.sort_values("row", kind="stable", ignore_index=True),
        column_map=mapping,
        source=name,
        notes=read.notes + notes,
    )


# The first bytes of files that are not CSV text: a spreadsheet (xlsx is a zip), a PDF, an image, an old Excel file.
_NOT_TEXT = {b"PK\x03\x04": "an Excel workbook or a zip", b"%PDF": "a PDF", b"\x89PNG": "an image",
             b"\xd0\xcf\x11\xe0": "an old Excel workbook", b"\xff\xd8\xff": "an image"}  # fmt: skip


def read_headers(source: str | Path | bytes, filename: str | None = None) -> list[str]:
    """The column headings of an accounts CSV (to map them before reading it).

    Raises
    ------
    AccountsFileError
        As :func:`read_accounts` does when the file is not a CSV with a header and rows.
    """
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    raw = _read_csv(source, name).raw
    _check_separator(raw, name)
    return list(raw.columns)


@dataclass
class _Csv:
    """A CSV's cells as text, each row's line in the file, and what was said on reading it."""

    raw: pd.DataFrame
    lines: np.ndarray
    notes: list[str]
    delimiter: str = ","


def _read_csv(source, name: str) -> _Csv:
    """The file's cells; rows of only commas or blank cells are dropped (and counted in a note, as blank lines)."""
    notes: list[str] = []
    try:
        if isinstance(source, (str, Path)):
            source = Path(source).read_bytes()
        elif hasattr(source, "read"):
            source = source.read()
        if isinstance(source, (bytes, bytearray)):
            _check_text(bytes(source), name)
            source = decode_text(source, name, notes)
        titled = without_title_lines(source)  # (a report's title above the header: lines blanked, numbers kept)
        source = titled.text
        notes += [titled.said(name)] if titled.lines else []
        delimiter = header_delimiter(source)
        # Lines of only delimiters are blank lines, whatever their count: one with a field more than the header
        # refused the whole file with pandas' "Expected 18 fields in line 297, saw 19" (a new user's test)
        mark = re.escape(delimiter)
        source = re.sub(rf"(?m)^[ \t\r{mark}]*{mark}[ \t\r{mark}]*$", "", source)
        scan = scan_csv(source, delimiter)
        if scan.shifted:  # (every such line named, to be fixed in one round)
            raise AccountsFileError(shifted_said(scan.shifted, scan.header), source=name, row=scan.shifted[0][0],
                                    hint=quoting_hint(delimiter))  # fmt: skip
        # (index_col=False: a record with one more field than the header on the first row made pandas read the first
        # column as the index and shift every column of every row, "ZIP 'fintech' is not a US ZIP code" on good lines,
        # a new user's test; such records are refused above, and a delimiter that ends every line is read as none)
        with warnings.catch_warnings():  # (empty cells beyond the header's, known blank: pandas' warning on stderr)
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            raw = pd.read_csv(
                io.StringIO(source), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""],
                skipinitialspace=True, index_col=False,
            )  # fmt: skip
    except (FileNotFoundError, IsADirectoryError):
        raise AccountsFileError("file not found", source=name, hint="Check the path") from None
    except pd.errors.EmptyDataError:
        raise AccountsFileError(
            "the file is empty", source=name, hint="Export the accounts with a header row"
        ) from None
    except CsvRecordError as exc:
        raise AccountsFileError(str(exc), source=name, row=exc.line, hint=CSV_HINT) from None
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise AccountsFileError(
            f"is not a readable CSV ({str(exc).strip()})",
            source=name,
            row=int(line.group(1)) if line else None,
            hint="Check quoting and the number of fields on that line",
        ) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    notes += _repeated_headers(source, delimiter, list(raw.columns), name)
    # (the two readers split the text alike; otherwise, which should not happen, rows are numbered after the header)
    starts, blank = (scan.starts, scan.blank) if len(scan.starts) == len(raw) else (list(range(2, len(raw) + 2)), [])
    lines = np.asarray(starts, dtype=int)
    empty = raw.isna().all(axis=1).to_numpy()  # (only commas: pandas reads a row of empty cells)
    last = lines[~empty].max() if (~empty).any() else 0
    skipped = sorted([n for n in blank if n < last] + lines[empty].tolist())
    if skipped:
        notes.append(
            f"{name}: {counted(len(skipped), 'empty line')} skipped ({numbered('line', skipped)}: blank, or only commas)"
        )
    raw, lines = raw.loc[~empty].reset_index(drop=True), lines[~empty]
    raw, lines = _without_report_footer(raw, lines, name, notes)
    if raw.empty:
        raise AccountsFileError("has a header but no rows", source=name, hint="Add at least one account")
    return _Csv(raw, lines, notes, delimiter)


# ("Total" alone, or with its count or a colon: "Total Wine & More" is an account, a review)
_FOOTER = re.compile(r"(grand totals?\b|totals?\s*(?:\(|:|$)|copyright\b|confidential\b|generated by\b)", re.IGNORECASE)


def _without_report_footer(raw: pd.DataFrame, lines: np.ndarray, name: str, notes: list[str]) -> tuple:
    """``raw`` without a report's footer (a Salesforce report exported as CSV ends with one), said in a note.

    The footer: the last rows with one cell each (or up to three, the first saying one of these), from the first
    saying "Grand Totals", "Copyright", "Confidential" or "Generated By". (They were read as five accounts with no place: the CLI refused the file without --skip-invalid, a new user's
    test.)
    """
    filled = raw.notna().sum(axis=1).to_numpy()

    def first(i: int) -> str:  # (the row's first cell given; of every row at once, bfill took 2.5 s 10,000 rows)
        given = raw.iloc[i].dropna()
        return str(given.iloc[0]).strip() if len(given) else ""

    # (the last rows of one cell, or of a few that say "Grand Totals (4 records)" beside their sums: such a line was
    # read as a row, a new user's test)
    start = len(raw)
    while start > 0 and (filled[start - 1] == 1 or (filled[start - 1] <= 3 and _FOOTER.match(first(start - 1)))):
        start -= 1
    footer = [i for i in range(start, len(raw)) if _FOOTER.match(first(i))]
    if not footer:
        return raw, lines
    cut = footer[0]
    notes.append(f"{name}: {counted(len(raw) - cut, 'line')} of a report's footer skipped ("
                 f"{numbered('line', lines[cut:].tolist())}: {first(cut)!r} …)")  # fmt: skip
    return raw.iloc[:cut].reset_index(drop=True), lines[:cut]


def unread_lookalikes(columns, mapping: dict[str, str]) -> list[str]:
    """Notes on columns no field reads that look like a field no column gives: its name holds one of the field's.

    "Annual revenue (USD)" was read as nothing, and every account counted $0, unsaid; "State/Region (HQ)" too, and
    76 cities were placed in the largest of their name (a new user's test). Names of four letters or more only
    (not "id" in "Create Date"); one note a field, the first such column.

    Examples
    --------
    >>> unread_lookalikes(["Record ID", "Annual revenue (USD)", "State/Region (HQ)", "Create Date"],
    ...                   {"account_id": "Record ID"})[0]
    "column 'Annual revenue (USD)' is read as no field, and no column gives the estimated value (every account counts 0): read it as the estimated value if it is one (the Accounts page's column mapping, or cli.py's --column value='Annual revenue (USD)')"
    >>> [n.split(" is read")[0] for n in unread_lookalikes(["Record ID", "State/Region (HQ)"], {"account_id": "Record ID"})]
    ["column 'State/Region (HQ)'"]
    >>> unread_lookalikes(["id", "value", "Revenue 2023"], {"account_id": "id", "value": "value"})
    []
    """
    unread = [c for c in columns if c not in mapping.values()]
    said = []
    for key, aliases in COLUMN_ALIASES.items():
        if key in mapping:
            continue
        column = next((c for c in unread if any(len(a) >= 4 and a in _key(c) for a in aliases)), None)
        if column is None:
            continue
        label = FIELD_LABELS[key].lower().replace(" (days)", "").replace(" (customer/prospect)", "")
        zero = " (every account counts 0)" if key == "value" else ""
        said.append(f"column '{column}' is read as no field, and no column gives the {label}{zero}: read it as the "
                    f"{label} if it is one (the Accounts page's column mapping, or cli.py's --column "
                    f"{key}='{column}')")  # fmt: skip
        unread.remove(column)
    return said


def _unread_columns_hint(columns, mapping: dict[str, str]) -> str:
    """Where no row could be used, the columns the file has that no field reads, to map (else ``''``).

    (A Salesforce file whose state and country columns went unrecognised was refused as "city ambiguous", without a
    word on its unread columns, a review.)

    Examples
    --------
    >>> _unread_columns_hint(["ID", "CITY", "PROVINZ"], {"account_id": "ID", "city": "CITY"})
    "; or read one of the columns no field reads, 'PROVINZ', as the field it holds (on the Accounts page, or cli.py's --column state=HEADER)"
    """
    unread = [str(c) for c in columns if c not in mapping.values()]
    if not unread:
        return ""
    listed = and_list([f"'{c}'" for c in unread[:8]]) + (f" and {len(unread) - 8} more" if len(unread) > 8 else "")
    return (f"; or read one of the columns no field reads, {listed}, as the field it holds (on the Accounts page, "
            "or cli.py's --column state=HEADER)")  # fmt: skip


def _repeated_headers(text: str, delimiter: str, columns: list[str], name: str) -> list[str]:
    r"""A note for each header the file has twice or more: the first is the one read (it was silent, a review).

    Examples
    --------
    >>> _repeated_headers("id,Industry,x,Industry\n1,saas,2,fintech\n", ",", ["id", "Industry", "x", "Industry.1"], "f.csv")
    ["f.csv: column 'Industry' is in the header twice (columns 2, 4): the first is read; the other is kept as 'Industry.1'"]
    """
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip() for cell in next((r for r in records if r), [])]  # (lines above it may be blank)
    if len(header) != len(columns):
        return []
    places: dict[str, list[int]] = {}
    for position, heading in enumerate(header):
        if heading:
            places.setdefault(heading, []).append(position)
    notes = []
    for heading, at in places.items():
        if len(at) > 1:
            times = {2: "twice", 3: "three times"}.get(len(at), f"{len(at)} times")
            others = and_list([f"'{columns[i]}'" for i in at[1:]])
            notes.append(
                f"{name}: column '{heading}' is in the header {times} ({numbered('column', [i + 1 for i in at])}): "
                f"the first is read; the other{'s are' if len(at) > 2 else ' is'} kept as {others}"
            )
    return notes


def _check_text(data: bytes, name: str) -> None:
    """Refuse a file that is not text: a workbook, a PDF, an image, or bytes with NULs in them.

    Text with a UTF-16 or UTF-32 byte-order mark is text (Excel's "Unicode Text"), NULs and all; so is UTF-16
    without the mark (:func:`~territory.textfiles.utf16_without_mark`: every other byte a NUL, and the whole decodes).
    A file whose start is UTF-16 without the mark and the rest not is named as such.
    """
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # (UTF-32's marks start like UTF-16's)
        return
    kind = next((what for magic, what in _NOT_TEXT.items() if head.startswith(magic)), None)
    if kind is None and b"\x00" in head and utf16_without_mark(data) is not None:
        return  # (UTF-16 without its mark: read as such, with a note)
    # (the start, whole code units, less the last in case it cuts a surrogate pair: an odd length, a rest in UTF-8)
    if kind is None and utf16_without_mark(head[: len(head) // 2 * 2 - 2]) is not None:
        raise AccountsFileError(
            "starts as UTF-16 text without a byte-order mark, but not all of it reads as UTF-16",
            source=name,
            hint="Save it as 'CSV UTF-8 (comma delimited)' from your spreadsheet (or as UTF-8 in your editor) and "
            "load that",
        )
    start = head.lstrip(codecs.BOM_UTF8).lstrip()
    if kind is None and start[:1] in (b"{", b"[") and re.match(rb'[{\[]\s*("|\{|\[|\]|\})', start):
        # (a boundary file given as accounts: "has a header but no rows", a review)
        geojson = b'"FeatureCollection"' in head or b'"Feature"' in head or b'"coordinates"' in head
        raise AccountsFileError(
            f"is {'a GeoJSON (boundaries)' if geojson else 'JSON'}, not a CSV of accounts",
            source=name,
            hint=("A boundary file goes to the Data sources page (cli.py partition --boundaries); accounts are a CSV "
                  "with an id and coordinates or an address" if geojson else
                  "Give the accounts as a CSV with a header row: an id and coordinates or an address"),
        )  # fmt: skip
    if kind is not None or b"\x00" in head:
        raise AccountsFileError(
            f"is not a CSV text file (it looks like {kind or 'a binary file'})",
            source=name,
            hint="Save the sheet as 'CSV UTF-8 (comma delimited)' from your spreadsheet and load that",
        )


_NUMBER_FIELDS = ("value", "cycle_days", "lat", "lon")
# Names of a column that may hold latitude and longitude together (compared as _key makes them, in part).
_PAIR_NAMES = (
    "coord",
    "latlon",
    "latlng",
    "latlong",
    "lonlat",
    "lnglat",
    "location",
    "geo",
    "gps",
    "position",
    "point",
)


def _coordinate_pairs(raw: pd.DataFrame, mapping: dict[str, str], name: str) -> dict:
    """A column of latitude and longitude together ("40.7128, -74.0060") split in two, each mapped, in ``raw``.

    The column is the one Latitude and Longitude are both mapped to (or the one of them mapped), else (neither
    mapped) the first column no field reads whose name says coordinates or location, or latitude and longitude, and
    whose cells, half of them at least, are pairs
    (:func:`~territory.cell_numbers.read_coordinate_pair`). Its parts are read as columns "<name> (latitude)" and
    "<name> (longitude)"; a cell that is no pair goes whole to the first, for its check to name it. A file with
    one column of both was read as having no coordinates ("holds no numbers", a new user's test).

    Returns
    -------
    dict
        The column's cells as written, by part (for messages), ``"said"``: a note, and ``"column"``: the column
        split; empty if no column was split.
    """
    one = [mapping[k] for k in ("lat", "lon") if mapping.get(k) is not None]
    if len(one) == 2 and one[0] != one[1]:
        return {}
    if one:  # (both fields mapped to it, or one: "--column lat=Location" was "neither coordinates nor an address")
        candidates = one[:1]
    else:
        # (and "Latitude, Longitude", a heading naming both, a new user's test)
        candidates = [c for c in raw.columns if c not in mapping.values()
                      and (any(n in _key(c) for n in _PAIR_NAMES) or ("lat" in _key(c) and ("lon" in _key(c)
                                                                                               or "lng" in _key(c))))]  # fmt: skip
    for column in candidates:
        cells = raw[column].astype("string").str.strip()
        given = cells[cells.notna() & cells.ne("")]
        if not len(given) or not _mostly_pairs(given.head(200)):  # (decided on a sample: a column of 100,000 places)
            continue
        pairs = given.map(read_coordinate_pair)
        read = pairs[pairs.notna()]
        # (a column named lng/lat gives the longitude first, and so does one whose first figures pass 90 where the
        # second never do, as GeoJSON's [-118.24, 34.05]; letters or WKT's POINT say their order themselves)
        plain = ~given[read.index].str.contains("[A-Za-z]", regex=True)
        firsts = np.array([abs(a) for (a, _), bare in zip(read, plain, strict=True) if bare])
        seconds = np.array([abs(b) for (_, b), bare in zip(read, plain, strict=True) if bare])
        by_range = bool(len(firsts)) and bool((firsts > 90).any()) and not bool((seconds > 90).any())
        lon_first = any(n in _key(column) for n in ("lonlat", "lnglat")) or by_range
        ordered = [(b, a) if lon_first and bare else (a, b) for (a, b), bare in zip(read, plain, strict=True)]
        lat_text, lon_text = given.copy(), pd.Series(pd.NA, index=given.index, dtype="string")
        lat_text[read.index] = [repr(lat) for lat, _ in ordered]
        lon_text[read.index] = [repr(lon) for _, lon in ordered]
        lat_column, lon_column = f"{column} (latitude)", f"{column} (longitude)"
        raw[lat_column], raw[lon_column] = lat_text.reindex(raw.index), lon_text.reindex(raw.index)
        mapping["lat"], mapping["lon"] = lat_column, lon_column
        example = str(given[read.index[0]])
        first_lon = (lon_first and plain.iloc[0]) or example.lstrip().upper().startswith("POINT")
        order = "longitude and latitude" if first_lon else "latitude and longitude"
        return {lat_column: given[read.index], lon_column: given[read.index], "column": column,
                "said": f"{name}: column '{column}' holds the {order} together ('{example}'): each read as its own column, "
                        f"'{lat_column}' and '{lon_column}'"}  # fmt: skip
    return {}


def _said_of_pairs(problems: list[dict], column: str, mapping: dict[str, str], cells: dict) -> None:
    """The problems of a column of latitude and longitude together, said of that column, in ``problems`` in place.

    A cell with no pair ("40.7128" alone, "40.7, -74.0, 10") was "not a number" or "coordinate missing" in a
    column "Location (latitude)" the file does not have (a new user's test): it is said as no pair, in the file's
    column, quoted whole. A part out of its range keeps its part's name ("Location (longitude)": which is off).
    """
    parts = {mapping.get("lat"), mapping.get("lon")}
    for problem in problems:
        text = str(problem.get("problem", ""))
        if problem.get("column") not in parts or not text.startswith(("is not a number", "coordinate missing")):
            continue
        fate = "row skipped" if problem.get("severity") == "skipped" else _BY_ADDRESS
        problem["column"] = column
        problem["value"] = "" if cells.get(problem["row"]) is None else str(cells[problem["row"]])
        problem["problem"] = f"holds no latitude and longitude together (as in '40.7128, -74.0060'); {fate}"


def _number_marks(raw: pd.DataFrame, mapping: dict[str, str], name: str, delimiter: str,
                  notes: list[str], *, swapped: bool = False) -> tuple[list[tuple], dict]:  # fmt: skip
    """The number columns' cells (value, cycle length, coordinates) as Python reads them, in ``raw`` in place.

    A cell that can be read only one way (``800,00``, ``1.234,50``, ``48,85``; ``1,500.00``, ``12.5``) is read so.
    One that could be either (``1,234``, ``2.000``) follows its column: the mark most of the column's cells show,
    else most of the file's other number columns, else a decimal comma in a semicolon-separated file (Excel's CSV
    where the comma is the decimal mark), else a point. In a latitude or longitude (never 1,000 or more) the mark
    a cell has is its decimal mark. A cell that is no number (``12,3,4``) is left as it is, for the field's own
    check to name. A note names the columns read with decimal commas (:mod:`territory.cell_numbers`).

    Returns the cells that could be either in a column whose own cells show both marks (row index, column, cell,
    how it was read, how the other mark reads it), each for a warning; and the cells rewritten, column → their
    text as written (messages quote it so).
    """
    seen = []
    for key in _NUMBER_FIELDS:
        column = mapping.get(key)
        if column not in raw or any(column == c for c, *_ in seen):
            continue
        coordinates = key in ("lat", "lon")
        cells = raw[column].astype("string").str.strip()
        given = cells[cells.notna() & cells.ne("")]
        if not len(given):
            continue
        # Most files write numbers Python reads as they are: read at once (a cell at a time, 200,000 rows took 6 s),
        # "2.000" the only one among them that could be either; the rest (commas, currency signs) by their shapes.
        direct = pd.to_numeric(given, errors="coerce").astype(float)
        readable = direct.notna().to_numpy(dtype=bool)
        dotted = readable & given.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
        either_dot = np.zeros(len(given), dtype=bool)  # (at most 8 characters with a sign)
        short = np.flatnonzero(dotted & (given.str.len() <= 8).to_numpy(dtype=bool))
        either_dot[short] = given.iloc[short].str.fullmatch(EITHER_DOT).fillna(False).to_numpy(dtype=bool)
        point = dotted & (~either_dot if not coordinates else True)
        if point.any():  # (1.5e3 is written the same either way)
            point[point] = ~given[point].str.contains("[eE]", regex=True).fillna(False).to_numpy(dtype=bool)
        rest = given[~readable]
        codes, bare = column_shapes(rest)
        either_comma = codes == 2
        points = int(point.sum() + (codes == 4).sum() + ((codes == 3).sum() if coordinates else 0))
        commas = int((codes == 5).sum() + (either_comma.sum() if coordinates else 0))
        seen.append((column, coordinates, given, direct, readable, either_dot, rest, codes, bare, points, commas))
    file_points = sum(item[-2] for item in seen)
    file_commas = sum(item[-1] for item in seen)
    # (coordinates' decimal points say little of the mark of a file's other numbers: kept as text, geocoded, they
    # keep their points in a file Excel wrote with decimal commas, and "2.100" in every value read as 2.1, a new
    # user's test; their decimal commas say it)
    money_points = sum(item[-2] for item in seen if not item[1])
    doubtful, european, originals, scaled, lettered = [], [], {}, [], []
    for column, coordinates, given, direct, readable, either_dot, rest, codes, bare, points, commas in seen:
        others = (file_points - points if coordinates else money_points - points, file_commas - commas)
        decimal = decimal_mark(points, commas, others, default="," if delimiter == ";" else ".")
        read = direct.copy()
        reread = either_dot & (decimal == ",") & (not coordinates)  # (2.000 with a decimal comma: 2000)
        if reread.any():
            read[reread] = given[reread].str.replace(".", "", regex=False).astype(float)
        if len(rest):
            read[rest.index] = read_shaped(bare, codes, decimal, coordinates=coordinates).to_numpy(dtype=float)
            if column == mapping.get("value") and (codes == 0).any():  # (USD 1,200,000; 1.2M; ($12,000))
                amounts = rest[codes == 0].map(lambda cell, mark=decimal: read_amount(cell, mark)).dropna()
                if len(amounts):
                    read[amounts.index] = amounts.astype(float)
                    first = amounts.index[0]
                    scaled.append(f"{name}: column '{column}' read with amounts written with a currency's code, a "
                                  f"scale or in brackets ('{given[first]}' is {amounts[first]:,.10g})")  # fmt: skip
            axis = "lat" if column == mapping.get("lat") else "lon" if column == mapping.get("lon") else None
            if swapped and axis is not None:  # (--swap-lat-lon: the latitude column holds longitudes, "74.006 W")
                axis = "lon" if axis == "lat" else "lat"
            if axis is not None and (codes == 0).any():  # (40°42′46″N, 74.006 W: "not a number", a new user's test)
                degrees = rest[codes == 0].map(lambda cell, on=axis: read_degrees(cell, on)).dropna()
                if len(degrees):
                    read[degrees.index] = degrees.astype(float)
                    first = degrees.index[0]
                    lettered.append(f"'{column}' ('{given[first]}' is {degrees[first]:.6g})")
        # (a cell Python reads as the same number stays as written)
        changed = pd.Series(~readable | reread, index=given.index) & read.notna()
        raw.loc[changed[changed].index, column] = read[changed].map(repr)
        originals[column] = given[changed]
        if decimal == "," and (commas or reread.any() or len(rest)):
            european.append(f"'{column}'")
        if points and commas and not coordinates:
            either = pd.Series(either_dot, index=given.index)
            either[rest.index] = (codes == 2) | (codes == 3)
            for idx in either.index[either]:
                doubtful.append((idx, column, given[idx], read[idx], other_reading(given[idx], decimal)))
    if european:
        which = f"column {european[0]}" if len(european) == 1 else f"columns {', '.join(european)}"
        notes.append(f"{name}: {which} read with decimal commas (48,85 is 48.85; 1.000 is 1000)")
    notes += scaled
    if lettered:
        notes.append(f"{name}: {'column' if len(lettered) == 1 else 'columns'} {and_list(lettered)} read with degrees "
                     "or N/S/E/W letters (south and west are negative)")  # fmt: skip
    return doubtful, originals


def _check_separator(raw: pd.DataFrame, name: str) -> None:
    if len(raw.columns) == 1 and ";" in raw.columns[0]:
        raise AccountsFileError(
            "its fields are separated by semicolons, not commas",
            source=name,
            hint="Save it again as CSV with commas (in Excel: 'CSV UTF-8 (comma delimited)')",
        )


def shared_columns(column_map: dict[str, str | None]) -> list[str]:
    """A warning for each column mapped to more than one field (each of them reads the same cells).

    Parameters
    ----------
    column_map : dict
        ``{field: header}`` (None for a field that reads no column).

    Returns
    -------
    list of str
        One sentence per column, naming it and its fields, and how to fix it. A column mapped to both Latitude
        and Longitude is right only if its cells hold both ("40.7128, -74.0060"): :func:`read_accounts` reads them
        so, and refuses the column otherwise.

    Examples
    --------
    >>> shared_columns({"account_id": "id", "value": "amount", "cycle_days": "amount"})
    ["column 'amount' is mapped to both Estimated value and Cycle length (days): both read the same cells; map each field to its own column, or one of them to (none)"]
    """
    fields_of: dict[str, list[str]] = {}
    for key in ACCOUNT_FIELDS:
        if column_map.get(key) is not None:
            fields_of.setdefault(column_map[key], []).append(key)
    said = []
    for header, fields in fields_of.items():
        if len(fields) < 2:
            continue
        labels = [FIELD_LABELS[f] for f in fields]
        both = f"column '{header}' is mapped to {'both ' if len(fields) == 2 else ''}{', '.join(labels[:-1])} and {labels[-1]}"
        if {"lat", "lon"} <= set(fields):
            said.append(f"{both}: read as both together if its cells hold both (as in '40.7128, -74.0060'); if not, "
                        "map Latitude to the column with latitudes and Longitude to the one with longitudes")  # fmt: skip
        else:
            said.append(f"{both}: {'both' if len(fields) == 2 else 'all'} read the same cells; map each field to "
                        f"its own column, or {'one' if len(fields) == 2 else 'all but one'} of them to (none)")  # fmt: skip
    return said


def _check_coordinate_columns(raw: pd.DataFrame, mapping: dict[str, str], name: str) -> list[dict]:
    """A column mapped to Latitude or Longitude that holds no number at all: one problem for the mapping.

    Every row would say "is not a number" (a column of names mapped to Latitude, a new user's test). The file's
    coordinates are left out (``mapping`` loses ``lat`` and ``lon``) and the rows are placed by their address,
    with one problem on line 1 (the header) naming the column; without an address the file is refused.
    """
    if "lat" not in mapping or "lon" not in mapping:
        return []
    problems = []
    for key, what in (("lat", "latitudes"), ("lon", "longitudes")):
        header = mapping[key]
        cells = raw[header].astype("string").str.strip()
        given = cells[cells.notna() & (cells != "")]
        if len(given) < 2 or pd.to_numeric(given, errors="coerce").notna().any():  # (one row: its own problem)
            continue
        said = f"column '{header}' mapped to {FIELD_LABELS[key]} holds no numbers"
        fix = f"map {FIELD_LABELS[key]} to the column with {what}"
        if not any(k in mapping for k in ("zip", "city", "region", "state", "country")):
            raise AccountsFileError(
                f"{said} (its first value: '{given.iloc[0]}')",
                source=name,
                hint=f"{fix[0].upper()}{fix[1:]}; the file's columns are: {', '.join(raw.columns)}",
            )
        problems.append(
            {"row": 1, "account_id": None, "column": header, "value": str(given.iloc[0]),
             "problem": f"{said}; {fix}. The file's coordinates are not used: accounts are placed by their address",
             "severity": "warning"}
        )  # fmt: skip
    if problems:
        del mapping["lat"], mapping["lon"]
    return problems


def _check_columns(raw: pd.DataFrame, mapping: dict[str, str], name: str) -> None:
    _check_separator(raw, name)
    if "account_id" not in mapping:
        raise AccountsFileError(
            "no account id column",
            source=name,
            hint=f"Add a column named 'id' or 'account_id', or map one (the Accounts page's column mapping, or cli.py "
            f"--column account_id=COLUMN); the file's columns are: {', '.join(raw.columns)}",
        )
    has_coords = "lat" in mapping and "lon" in mapping
    has_address = any(k in mapping for k in ("zip", "city", "region", "state", "country"))
    if not has_coords and not has_address:
        # (a column of pairs under a name that says nothing, "Where": named, with how to read it, a new user's test)
        pairs = next((c for c in raw.columns if c not in mapping.values() and _mostly_pairs(raw[c].head(50))), None)
        hint = (f"Column '{pairs}' holds latitudes and longitudes together: map both Latitude and Longitude to it (the "
                f"Accounts page's column mapping, or cli.py --column lat='{pairs}')" if pairs is not None
                else "Add 'lat' and 'lon' columns, or an address: 'zip', 'city' with 'state' or 'country', or a "
                "'region' code such as US-NY")  # fmt: skip
        raise AccountsFileError(
            "has neither coordinates nor an address",
            source=name,
            hint=f"{hint}; the file's columns are: {', '.join(raw.columns)}",
        )


def _mostly_pairs(cells: pd.Series) -> bool:
    """Whether half of ``cells`` given at least are latitude and longitude together (in range), fewer one number.

    A latitude with a decimal comma ("42,35", one field mapped to it) read as the pair (42, 35), and points as
    "1,200" as (1, 200): a review. A pair out of range is no pair here (a cell of them is still read, and named).

    Examples
    --------
    >>> _mostly_pairs(pd.Series(["40.7128, -74.0060", "(34.05, -118.24)", "x"])), _mostly_pairs(pd.Series(["42,35", "41,41"]))
    (True, False)
    >>> _mostly_pairs(pd.Series(["1,200", "3/4", "2,500"]))
    False
    """
    given = cells.dropna().astype(str).str.strip()
    given = given[given.ne("")]
    if not len(given):
        return False
    pairs = given.map(read_coordinate_pair).dropna()
    in_range = sum(1 for a, b in pairs if max(abs(a), abs(b)) <= 180 and min(abs(a), abs(b)) <= 90)  # (either order)
    single = int(given.map(lambda cell: read_number(cell, ",", coordinates=True)[0] is not None).sum())
    return 2 * in_range >= len(given) and single < in_range


def _problem(accounts, idx, column, value, problem, severity) -> dict:
    return {
        "row": int(accounts.at[idx, "row"]),
        "account_id": accounts.at[idx, "account_id"] if "account_id" in accounts else None,
        "column": column,
        "value": "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value),
        "problem": problem,
        "severity": severity,
    }


def _one_row_per_account(accounts: pd.DataFrame, placed: pd.Series, *, header: str | None,
                         problems: list[dict]) -> pd.DataFrame:  # fmt: skip
    """The rows placed, one per account id: the first that could be placed; the other rows of an id said, and dropped.

    A later row with the id of a row kept is a duplicate, skipped (its warnings dropped: none of it is used); a row
    that could not be placed is said by its own problem, which names the line kept when another row has its id.

    Examples
    --------
    >>> rows = pd.DataFrame({"account_id": ["A1", "A1", "B", "B"], "row": [2, 3, 4, 5]})
    >>> problems = [{"row": 2, "problem": "state 'ZZ' not found; row skipped", "severity": "skipped"}]
    >>> kept = _one_row_per_account(rows, pd.Series([False, True, True, True]), header="id", problems=problems)
    >>> kept["row"].tolist()
    [3, 4]
    >>> [p["problem"] for p in problems]
    ["state 'ZZ' not found; row skipped (line 3, with the same id, was used)", 'duplicate account id (line 4 has it too); row skipped']
    """
    ids = accounts["account_id"]
    first = ids[placed][~ids[placed].duplicated()]  # (the row kept for each id placed)
    kept_line = pd.Series(accounts.loc[first.index, "row"].to_numpy(), index=first.to_numpy())
    duplicate = placed & ~accounts.index.isin(first.index)
    also = ~placed & ids.isin(kept_line.index)  # (rows not placed whose id another row gives)
    lines = accounts["row"].astype(int)
    dropped = set(lines[duplicate].tolist())
    said = {int(lines[i]): int(kept_line[ids[i]]) for i in accounts.index[also]}
    for problem in problems:
        line = problem.get("row")
        if line in said and problem.get("severity") == "skipped":
            problem["problem"] = f"{problem['problem']} (line {said.pop(line)}, with the same id, was used)"
    problems[:] = [p for p in problems if not (p.get("row") in dropped and p.get("severity") == "warning")]
    if not duplicate.any():  # (the lookups below cost 0.3 s a file of 100,000 rows: none without a duplicate)
        return accounts.loc[placed].reset_index(drop=True)
    repeated = ids[duplicate].unique()
    first = first[first.isin(repeated)]
    kept_line = kept_line[kept_line.index.isin(repeated)]
    kept_index = dict(zip(first.to_numpy(), first.index, strict=True))
    compared = [k for k in _COMPARED_FIELDS if k in accounts]
    involved = accounts.index[duplicate].union(pd.Index([kept_index[i] for i in repeated]))
    # (as plain records, a row at a time: .loc a row took 1.6 ms, 80 s for a file of 50,000 repeated rows)
    cells = accounts.loc[involved, [*compared, "geocode_source"] if "geocode_source" in accounts else compared]
    columns = {c: cells[c].tolist() for c in cells.columns}  # (not to_dict("index"): its transpose took 2.9 s)
    at = {idx: position for position, idx in enumerate(cells.index)}

    def record(idx) -> dict:
        return {c: values[at[idx]] for c, values in columns.items()}

    kept_lines = kept_line.to_dict()
    for idx, account_id, line in zip(accounts.index[duplicate], ids[duplicate].tolist(),
                                     lines[duplicate].tolist(), strict=True):  # fmt: skip
        # (with how the two rows differ: "duplicate account id" alone left the reader to open both lines, a new user)
        there, here = record(kept_index[account_id]), record(idx)
        # (the coordinates where the file gives them: a city's or a ZIP's centre is where the address says)
        given = here.get("geocode_source", "coordinates") == there.get("geocode_source", "coordinates") == "coordinates"
        differ = _how_rows_differ({k: there[k] for k in compared if given or k not in ("lat", "lon")}, here)
        # (written as _problem writes it, without its lookups a row: 1.4 s a file of 10,000 repeated rows)
        problems.append({"row": int(line), "account_id": account_id, "column": header,
                         "value": "" if account_id is None else str(account_id),
                         "problem": f"duplicate account id (line {int(kept_lines[account_id])} has it too"
                                    + (f", {differ}" if compared else "") + "); row skipped",
                         "severity": "skipped"})  # fmt: skip
    return accounts.loc[placed & ~duplicate].reset_index(drop=True)


# The fields two rows of one id are compared on, in the order their differences are said.
_COMPARED_FIELDS = ("name", "value", "owner", "industry", "tier", "account_status", "cycle_days", "zip", "city",
                    "state", "country", "region", "lat", "lon")  # fmt: skip


def _how_rows_differ(kept: dict, this: dict, *, shown: int = 2) -> str:
    """How a duplicate row differs from the row kept, in words: the first ``shown`` of ``kept``'s fields that differ.

    Examples
    --------
    >>> kept = {"name": "Acme", "value": 1200.0, "owner": "Ann", "city": None}
    >>> _how_rows_differ(kept, {"name": "Acme Corp", "value": 900.0, "owner": "Bo", "city": None})
    "another name ('Acme' there, 'Acme Corp' here); estimated value (1,200 there, 900 here) and 1 more field"
    >>> _how_rows_differ(kept, dict(kept))
    'the same in every field'
    """
    said = []
    for key in kept:
        a, b = kept[key], this[key]
        if (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b):
            continue
        label = "another name" if key == "name" else FIELD_LABELS[key].lower()
        said.append(f"{label} ({_shown(a)} there, {_shown(b)} here)")
    if not said:
        return "the same in every field"
    more = len(said) - shown
    listed = said[:shown] + ([f"{more} more field{'s' if more > 1 else ''}"] if more > 0 else [])
    return and_list(listed)


def _shown(value) -> str:
    """A cell in a message: numbers with separators, text quoted, nothing as "none"."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, (int, float, np.number)):
        return f"{float(value):,.6g}" if abs(float(value)) < 1e6 else f"{float(value):,.0f}"
    return repr(str(value))


def _likely_duplicates(accounts: pd.DataFrame, header: str | None) -> list[dict]:
    """Warnings for rows that look like one company under two ids: the same name at the same ZIP or the same point.

    The same point is compared where the file gives coordinates; rows placed by their city are compared by the city
    (with its state and country) instead.

    Both are kept (ids differ), and said: a CRM export with the company twice counts its value and workload twice
    (a review: a Salesforce user expects a "possible duplicate"). Names are compared without case, spaces or
    punctuation; points to about 10 m. Rows without a name are not compared.

    Examples
    --------
    >>> rows = pd.DataFrame({"account_id": ["1", "2", "3", "4"], "row": [2, 3, 4, 5],
    ...                      "name": ["Acme, Inc.", "ACME Inc", "Acme Inc", "Beta"], "zip": ["02110", "02110", None, None],
    ...                      "lat": [42.35, 42.35, 40.0, 42.35], "lon": [-71.05, -71.05, -74.0, -71.05]})
    >>> [(p["row"], p["problem"]) for p in _likely_duplicates(rows, "Account Name")]  # doctest: +NORMALIZE_WHITESPACE
    [(3, 'same name as line 2 (id 1), at the same ZIP: if it is one company under two ids, keep one row (its value
      and workload count twice); kept')]
    """
    if "name" not in accounts or accounts.empty:
        return []
    key = accounts["name"].astype("string").str.lower().str.replace(r"[\W_]+", "", regex=True)
    named = key.notna() & key.ne("")
    out, said = [], set()
    # (the point only where the file gives it: two rows placed by one city's centre were "at the same point", unsaid
    # that neither had coordinates, a new user's test; those are compared by their city)
    by_coordinates = (accounts["geocode_source"].eq("coordinates") if "geocode_source" in accounts
                      else pd.Series(True, index=accounts.index))  # fmt: skip
    # (a point as one complex number: as text, "40.7128,-74.006", it took 0.3 s a file of 100,000 rows)
    point = pd.Series(accounts["lat"].round(4).to_numpy() + 1j * accounts["lon"].round(4).to_numpy(),
                      index=accounts.index)  # fmt: skip
    places = [("ZIP", accounts["zip"].astype("string").str.strip()) if "zip" in accounts else None,
              ("point", point.where(by_coordinates))]  # fmt: skip
    if "city" in accounts:
        city = accounts["city"].astype("string").str.strip().str.lower()
        for other in ("state", "country"):
            if other in accounts:
                city = city + "|" + accounts[other].astype("string").str.strip().str.lower().fillna("")
        by_city = accounts["geocode_source"].eq("city") if "geocode_source" in accounts else ~by_coordinates
        places.append(("city", city.where(by_city)))  # (by ZIP: two branches of a chain in two ZIPs, a review)
    for what, place in filter(None, places):
        usable = named & place.notna() & place.ne("")
        frame = pd.DataFrame({"key": key[usable], "place": place[usable]})
        repeated = frame.duplicated(["key", "place"], keep="first")
        if not repeated.any():
            continue
        first = frame[~repeated].reset_index().set_index(["key", "place"])["index"]
        for idx in frame.index[repeated]:
            if idx in said:
                continue
            said.add(idx)
            other = first[(frame.at[idx, "key"], frame.at[idx, "place"])]
            out.append(_problem(
                accounts, idx, header, accounts.at[idx, "name"],
                f"same name as line {int(accounts.at[other, 'row'])} (id {accounts.at[other, 'account_id']}), "
                f"{'in' if what == 'city' else 'at'} the same {what}: if it is one company under two ids, keep one row (its value and workload count twice); "
                "kept", "warning",
            ))  # fmt: skip
    return out


def _at_fault(accounts: pd.DataFrame, idx, mapping: dict[str, str], fields: str) -> tuple[str, str]:
    """The column(s) and value(s) of the address fields a geocoding problem names (``"city;state"``).

    Columns and values are joined with ", " in the order the problem names them; a problem that names none (no
    address at all) is the "address" with no value.
    """
    names = [f for f in dict.fromkeys(fields.split(";")) if f and f in mapping and f in accounts]
    if not names:
        return "address", ""
    return ", ".join(mapping[f] for f in names), ", ".join(str(accounts.at[idx, f]) for f in names)


def _clean_fields(accounts: pd.DataFrame, mapping: dict[str, str], name: str, problems: list[dict]) -> pd.DataFrame:
    header = mapping.get

    # Ids: present and unique.
    ids = accounts["account_id"].astype("string").str.strip()
    missing = ids.isna() | (ids == "")
    for idx in accounts.index[missing]:
        problems.append(_problem(accounts, idx, header("account_id"), "", "no account id; row skipped", "skipped"))
    # (rows with an id that another row has too stay until they are placed: the first row that can be placed is the
    # account, :func:`_one_row_per_account`; dropped here, a first row that could not be placed lost the account)
    accounts["account_id"] = ids.astype(object)
    accounts = accounts.loc[~missing].copy()

    for key in ("name", "industry", "owner", "city", "state", "country", "zip", "region"):
        if key in accounts:
            accounts[key] = accounts[key].astype("string").str.strip().astype(object)
    if "name" not in accounts:
        accounts["name"] = accounts["account_id"]
    accounts["name"] = accounts["name"].where(accounts["name"].notna(), accounts["account_id"])
    if "industry" in accounts:
        accounts["industry"] = accounts["industry"].str.lower()
    else:
        accounts["industry"] = None

    if "tier" in accounts:
        tiers = accounts["tier"].map(normalize_tier)
        bad = accounts["tier"].notna() & tiers.isna()
        for idx in accounts.index[bad]:
            problems.append(
                _problem(
                    accounts,
                    idx,
                    header("tier"),
                    accounts.at[idx, "tier"],
                    "unknown tier; use enterprise, mid-market or SMB (tier left empty)",
                    "warning",
                )
            )
        accounts["tier"] = tiers
    else:
        accounts["tier"] = None

    for key, label in (("value", "estimated value"), ("cycle_days", "cycle length")):
        if key not in accounts:
            accounts[key] = 0.0 if key == "value" else np.nan
            continue
        # (read as numbers by _number_marks; what is left is no number: "12,3,4" is not 1234)
        text = accounts[key].astype("string").str.replace(r"[\s$€£]", "", regex=True)
        numbers = pd.to_numeric(text, errors="coerce").astype(float)
        bad = (accounts[key].notna() & numbers.isna()) | (numbers < 0)
        # (1e309 reads as infinity: it crashed every page that shows money; a figure this large is a typo)
        huge = numbers.notna() & ~bad & ~(numbers < LARGEST_NUMBER)
        for idx in accounts.index[bad | huge]:
            problems.append(
                _problem(
                    accounts,
                    idx,
                    header(key),
                    accounts.at[idx, key],
                    _number_said(
                        label,
                        numbers[idx],
                        str(accounts.at[idx, key]),
                        huge=bool(huge[idx]),
                        fate="counted as 0" if key == "value" else "left empty",
                    ),
                    "warning",
                )
            )
        accounts[key] = numbers.where(~(bad | huge)).astype(float)
    accounts["value"] = accounts["value"].fillna(0.0)

    if "account_status" in accounts:
        status = accounts["account_status"].map(lambda s: _STATUS.get(_key(s)) if isinstance(s, str) else None)
        bad = accounts["account_status"].notna() & status.isna()
        for idx in accounts.index[bad]:
            problems.append(
                _problem(
                    accounts,
                    idx,
                    header("account_status"),
                    accounts.at[idx, "account_status"],
                    "unknown status; use customer or prospect (read as prospect)",
                    "warning",
                )
            )
        accounts["account_status"] = status.fillna("prospect")
    else:
        accounts["account_status"] = "prospect"

    if "lat" in accounts and "lon" in accounts:
        accounts = _clean_coordinates(accounts, mapping, problems)
    return accounts


def _number_said(label: str, number: float, cell: str, *, huge: bool, fate: str) -> str:
    """The problem of a value or cycle length that cannot be used, with what becomes of it.

    Examples
    --------
    >>> _number_said("estimated value", -12000.0, "($12,000)", huge=False, fate="counted as 0")
    'estimated value must be at least 0 (read as -12,000; counted as 0)'
    >>> _number_said("estimated value", float("nan"), "45%", huge=False, fate="counted as 0")
    'estimated value is a percentage, not an amount (counted as 0)'
    """
    if huge:
        return f"{label} is too large (at most {LARGEST_NUMBER:,.0f}) ({fate})"
    if number < 0:  # (with the figure read: "($12,000)" is -12,000, an accountant's negative, a new user's test)
        return f"{label} must be at least 0 (read as {number:,.10g}; {fate})"
    if cell.strip().endswith("%"):
        return f"{label} is a percentage, not an amount ({fate})"
    return f"{label} is not a number ({fate})"  # ("12,3,4"; the review: "must be a number of at least 0")


def _clean_coordinates(accounts: pd.DataFrame, mapping: dict[str, str], problems: list[dict]) -> pd.DataFrame:
    lat = pd.to_numeric(accounts["lat"].astype("string").str.strip(), errors="coerce").astype(float)
    lon = pd.to_numeric(accounts["lon"].astype("string").str.strip(), errors="coerce").astype(float)
    has_address = pd.Series(False, index=accounts.index)
    for key in ("zip", "city", "region", "state", "country"):
        if key in accounts:
            has_address |= accounts[key].notna() & (accounts[key].astype("string").str.strip() != "")
    checks = [
        ("lat", accounts["lat"].notna() & lat.isna(), "is not a number"),
        ("lon", accounts["lon"].notna() & lon.isna(), "is not a number"),
        ("lat", lat.notna() & ~lat.between(-90, 90), "is not a latitude (must be between -90 and 90)"),
        ("lon", lon.notna() & ~lon.between(-180, 180), "is not a longitude (must be between -180 and 180)"),
        # (0, 0) is in the Gulf of Guinea: nearly always an empty cell exported as zeros
        ("lat", (lat == 0) & (lon == 0), "is 0 and so is the longitude (most likely blanks exported as zeros)"),
    ]
    bad_any = pd.Series(False, index=accounts.index)
    for key, mask, text in checks:
        mask = mask & ~bad_any
        for idx in accounts.index[mask]:
            # (swapped only where that gives a place off Antarctica: latitude 123, longitude -71 read the other way
            # is 71° south, and "may be swapped" led the wrong way, a review)
            swapped = key == "lat" and -60 <= lon[idx] <= 90 and -180 <= lat[idx] <= 180
            hint = "; latitude and longitude may be swapped" if swapped and "between" in text else ""
            why = degrees_problem(str(accounts.at[idx, key]), key) if text == "is not a number" else None
            # ("40.7 W" in the latitudes was "not a number", a new user's test; said for this row only)
            said = f"is not a {'latitude' if key == 'lat' else 'longitude'}: {why}" if why is not None else text
            fate = _BY_ADDRESS if has_address[idx] else "row skipped"
            problems.append(
                _problem(
                    accounts,
                    idx,
                    mapping[key],
                    accounts.at[idx, key],
                    f"{said}{hint}; {fate}",
                    "warning" if has_address[idx] else "skipped",
                )
            )
        bad_any |= mask
    lat[bad_any] = np.nan
    lon[bad_any] = np.nan
    half = lat.isna() ^ lon.isna()
    for idx in accounts.index[half & ~bad_any]:
        missing = "lon" if pd.isna(lon[idx]) else "lat"
        problems.append(
            _problem(
                accounts,
                idx,
                mapping[missing],
                "",
                f"coordinate missing (the {'longitude' if missing == 'lon' else 'latitude'} is empty: fill it in"
                + (
                    "); " + _BY_ADDRESS
                    if has_address[idx]
                    else ", or give an address: ZIP, city or region code); row skipped"
                ),
                "warning" if has_address[idx] else "skipped",
            )
        )
    lat[half] = np.nan
    lon[half] = np.nan
    accounts["lat"] = lat.astype(float)
    accounts["lon"] = lon.astype(float)
    # Rows already reported as skipped should not be reported again by the geocoder.
    skipped = (bad_any | half) & ~has_address
    return accounts.loc[~skipped]


def recode_industries(accounts: pd.DataFrame, industry_map) -> pd.DataFrame:
    """``accounts`` with each industry read as ``industry_map`` says: a CRM's values as the plan names them.

    Keys and values in any case, spaces around trimmed (industries are read lower-cased); a value mapped to
    itself, or not in the map, stays. A CRM's industries rarely match a plan's (HubSpot's FINANCIAL_SERVICES
    against a territory's fintech), and a territory's industry focus turns away every account it does not name.

    Examples
    --------
    >>> accounts = pd.DataFrame({"industry": pd.Series(["financial_services", "saas", None], dtype=object)})
    >>> recode_industries(accounts, {"FINANCIAL_SERVICES": " Fintech"})["industry"].tolist()
    ['fintech', 'saas', None]
    >>> recode_industries(accounts, {"saas": ""})
    Traceback (most recent call last):
    ValueError: industry 'saas' is read as nothing: give the plan's name for it, or leave it out of the map
    """
    wanted = {}
    for key, value in dict(industry_map or {}).items():
        key, value = str(key).strip().lower(), str(value or "").strip().lower()
        if not value:
            raise ValueError(f"industry {key!r} is read as nothing: give the plan's name for it, or leave it out of "
                             "the map")  # fmt: skip
        if key != value:
            wanted[key] = value
    if not wanted or "industry" not in accounts:
        return accounts
    out = accounts.copy()
    out["industry"] = pd.Series([wanted.get(v, v) if isinstance(v, str) else v for v in out["industry"]],
                                index=out.index, dtype=object)  # fmt: skip
    return out
