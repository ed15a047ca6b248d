"""A team of reps from a CSV (as a CRM or an HR system exports it), merged into the roster the Reps page edits.

The roster is the Reps page's table: one row a rep, with ``rep_id`` (empty for a rep who joins), ``name``,
``active``, ``home``, ``capacity``, ``quota_attainment``, ``territories``, ``specialties``,
``salesforce_user_id`` and ``hubspot_owner``. The page checks and applies it as it applies the table.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from territory.cell_numbers import column_shapes, decimal_mark, read_shaped
from territory.errors import InputDataError
from territory.textfiles import (
    CSV_HINT,
    CsvRecordError,
    csv_records,
    decode_text,
    header_delimiter,
    is_blank_record,
    overlong_records,
    quoting_hint,
    without_title_lines,
)

__all__ = ["ROSTER_ALIASES", "heading_key", "merge_roster", "read_roster_csv"]

# A heading, lower-cased with only its letters and digits kept → the roster column it fills.
ROSTER_ALIASES = {
    "name": ("name", "repname", "rep", "fullname", "salesrep", "owner", "ownername"),
    "rep_id": ("repid", "id", "employeeid"),
    "active": ("active", "isactive"),
    "home": ("home", "homeregion", "homestate", "state", "region", "location", "base"),
    "capacity": ("capacity", "maxaccounts", "accountcapacity"),
    "quota_attainment": ("quotaattainment", "attainment", "quota", "quotapercent"),
    "territories": ("territories", "territory"),
    "specialties": ("specialties", "specialty", "specialities", "speciality", "focus"),
    "salesforce_user_id": ("salesforceuserid", "salesforceid", "sfuserid", "userid", "ownerid"),
    "hubspot_owner": ("hubspotowner", "hubspotemail", "hubspotowneremail", "email", "owneremail"),
}
_TRUE = {"", "yes", "y", "true", "t", "1", "active", "x"}
_FALSE = {"no", "n", "false", "f", "0", "inactive"}


def heading_key(heading: str) -> str:
    """A file's heading as :data:`ROSTER_ALIASES` writes it: lower case, letters and digits only.

    >>> heading_key("Quota Attainment %")
    'quotaattainment'
    """
    return re.sub(r"[^0-9a-z]", "", str(heading).casefold())


def read_roster_csv(data: bytes, source: str, *, problems: list | None = None) -> tuple[pd.DataFrame, list[int]]:
    r"""The reps of a CSV, in the roster's columns (those the file gives), and the line each one is on.

    Parameters
    ----------
    data : bytes
        The file (UTF-8, Windows-1252, UTF-16: as :func:`territory.textfiles.decode_text` reads it); commas,
        semicolons or tabs.
    source : str
        The file's name, for messages.
    problems : list, optional
        Where to put the problems of lines (:class:`~territory.errors.InputDataError`, by line) instead of raising
        them: the caller can say them together with what it finds in the reps read (an unknown territory), in one
        round (the Reps page said the lines' problems, and then, fixed, the reps': a new user's test). A cell that
        is no number is NaN then, and an ``active`` that is neither yes nor no is False.

    Returns
    -------
    reps : DataFrame
        ``name`` and the other roster columns the file has; ``capacity`` and ``quota_attainment`` as numbers (an
        empty cell is NaN: the page names the rep and the column), ``active`` as True or False (None where empty:
        a rep the roster has keeps what it says, :func:`merge_roster`).
    lines : list of int
        The file's line for each rep.

    Raises
    ------
    InputDataError
        No header, no column read as the rep's name, two columns read as one, or no rep; or, all of them in one
        error (:meth:`~territory.errors.InputDataError.gather`), lines with more fields than the header, capacity
        or quota cells that are no number, ``active`` cells that are neither yes nor no.

    Examples
    --------
    >>> reps, lines = read_roster_csv(b"Rep Name;Home State;Capacity;Quota\nAnn;MA;40;112%\n\nBo;TX;;0.9\n", "t.csv")
    >>> reps.to_dict("list"), lines
    ({'name': ['Ann', 'Bo'], 'home': ['MA', 'TX'], 'capacity': [40.0, nan], 'quota_attainment': [1.12, 0.9]}, [2, 4])
    """
    # (a title above the header, "Sales team 2027": its lines blanked, so that every line keeps its number; the
    # page's messages name lines, and a title cannot be a rep, the header being the first line with two cells)
    text = without_title_lines(decode_text(data, source)).text
    delimiter = header_delimiter(text)  # (as an accounts file's: the first line that is not blank)
    try:
        records = [(line, record) for line, record in csv_records(text, delimiter=delimiter)
                   if not is_blank_record(record)]  # fmt: skip
    except CsvRecordError as exc:
        raise InputDataError(str(exc), source=source, row=exc.line, hint=CSV_HINT) from None
    if not records:
        raise InputDataError("the file is empty", source=source, hint="Give a header line (name, home, capacity …) "
                             "and one rep a line")  # fmt: skip
    (_, header), rows = records[0], records[1:]
    columns: dict[str, int] = {}
    for position, heading in enumerate(header):
        field = next((f for f, names in ROSTER_ALIASES.items() if heading_key(heading) in names), None)
        if field is None:
            continue
        if field in columns:
            raise InputDataError(
                f"columns '{header[columns[field]]}' and '{heading}' are both read as the rep's {field.replace('_', ' ')}",
                source=source, row=1, hint="Rename or remove one of them",
            )  # fmt: skip
        columns[field] = position
    if "name" not in columns:
        raise InputDataError(
            "no column holds the reps' names", source=source, row=1,
            hint=f"Name one column 'name' (read: {', '.join(repr(h) for h in header)})",
        )  # fmt: skip
    if not rows:
        raise InputDataError("the file lists no rep", source=source, hint="Add one rep a line under the header")
    # (a name with an unquoted comma shifts every cell after it: "'saas' is not yes or no" said nothing of why; one
    # whose last cells are empty has a blank field too many: "'US-NY' is not a number", a new user's test)
    found = [
        InputDataError(f"{fields} fields where the header has {len(header)}", source=source, row=line,
                       hint=quoting_hint(delimiter, "Chen, Sarah"))
        for line, fields in overlong_records(records)
    ]  # fmt: skip
    out = {field: [_cell(record, position) for _, record in rows] for field, position in columns.items()}
    reps = pd.DataFrame(out)
    reps.attrs["unread"] = _unread_headings(header, columns)  # (said by the page)
    said = {problem.row for problem in found}  # (a shifted line: one problem, not one a cell)
    for field, hint in (
        (
            "capacity",
            "Write how many accounts the rep can carry, as a number (e.g. 40), or leave it empty (a rep keeps "
            "theirs; a new rep gets the team's median)",
        ),
        ("quota_attainment", "Write the rep's quota attainment as a number (112% or 1.12), or leave it empty"),
    ):
        if field not in reps:
            continue
        numbers = _numbers(list(reps[field]), percent=field == "quota_attainment", delimiter=delimiter)
        heading = header[columns[field]]
        if field == "quota_attainment" and heading_key(heading) == "quota":
            # A bare "Quota" holding amounts (1500000: a quota in dollars, as CRMs and HR sheets mean it) was read
            # as 150000000% attained, "was 1500000% meant?" (a review): the column is said, once, and not read.
            amounts = [t for t, n in zip(reps[field], numbers, strict=True) if n == n and n > 10 and "%" not in t]
            if amounts:
                found.append(InputDataError(
                    f"read as quota attainment (1.12 or 112%: 12% over quota), but it holds amounts such as "
                    f"{amounts[0]}", source=source, row=1, column=heading,
                    hint="Name the column 'quota attainment' if it holds attainment, or remove it: a rep's quota "
                         "amount is not kept (territories have their own annual quota in the plan)",
                ))  # fmt: skip
                reps[field] = [np.nan] * len(numbers)
                continue
        for (line, _), text, number in zip(rows, reps[field], numbers, strict=True):
            if text.strip() and number != number and line not in said:
                found.append(InputDataError(f"'{text}' is not a number", source=source, row=line,
                                               column=header[columns[field]], hint=hint))  # fmt: skip
        reps[field] = numbers
    if "active" in reps:
        flags = []
        for (line, _), value in zip(rows, reps["active"], strict=True):
            folded = value.strip().casefold()
            if folded not in _TRUE | _FALSE and line not in said:
                found.append(InputDataError(f"'{value}' is not yes or no", source=source, row=line,
                                               column=header[columns["active"]],
                                               hint="Write yes or no (or leave it empty: active)"))  # fmt: skip
            flags.append(None if not folded else folded in _TRUE)
        reps["active"] = flags
    found.sort(key=lambda p: p.row or 0)
    if found and problems is None:
        raise InputDataError.gather(found, source=source)
    if problems is not None:
        problems.extend(found)
    return reps, [line for line, _ in rows]


def _unread_headings(header: list[str], columns: dict[str, int]) -> list[tuple[str, str | None]]:
    """The headings no field reads, each with the field whose name it is close to where the file lacks that field.

    A reps file with "capcity" was said to change nothing, its capacities dropped unsaid (a review); a file's own
    columns (notes, manager) are not read either. The page says them all, a typo with the field it may mean.

    Examples
    --------
    >>> _unread_headings(["name", "capcity", "Manager"], {"name": 0})
    [('capcity', 'capacity'), ('Manager', None)]
    """
    known = {alias: field for field, names in ROSTER_ALIASES.items() for alias in names}
    read = set(columns.values())
    out = []
    for position, heading in enumerate(header):
        if position in read or not str(heading).strip():
            continue
        close = difflib.get_close_matches(heading_key(heading), list(known), n=1, cutoff=0.8)
        field = known[close[0]] if close else None
        out.append((str(heading), field.replace("_", " ") if field is not None and field not in columns else None))
    return out


def _cell(record: list[str], position: int) -> str:
    return record[position].strip() if position < len(record) else ""


def _numbers(texts: list[str], *, percent: bool, delimiter: str) -> list[float]:
    """Figures as people type them ("1,200", "112%", and in a semicolon file "0,9" and "1.200"); NaN when none.

    The column's decimal mark is what its cells show, else a comma in a semicolon-separated file (Excel's CSV where
    the comma is the decimal mark): "0,9" there read 9, and "1.200" 1.2 (a review). An infinite figure is none.

    Examples
    --------
    >>> _numbers(["40", "1.200", "0,9", "", "inf"], percent=False, delimiter=";")
    [40.0, 1200.0, 0.9, nan, nan]
    >>> _numbers(["112%", "0.9", "1,200"], percent=True, delimiter=",")
    [1.12, 0.9, 1200.0]
    """
    shares = np.array([t.strip().endswith("%") for t in texts], dtype=bool)
    codes, bare = column_shapes(pd.Series([t.strip().removesuffix("%") for t in texts], dtype="string"))
    decimal = decimal_mark(int((codes == 4).sum()), int((codes == 5).sum()), default="," if delimiter == ";" else ".")
    values = read_shaped(bare, codes, decimal).to_numpy(dtype=float, copy=True)
    values[~np.isfinite(values)] = np.nan
    if percent:
        values[shares] /= 100
    return values.tolist()


def merge_roster(roster: pd.DataFrame, reps: pd.DataFrame, *, only_listed: bool = False,
                 lines: Sequence[int] | None = None, source: str = "", problems: list | None = None) -> pd.DataFrame:  # fmt: skip
    """The roster with the file's reps merged in.

    A rep whose id (else name, in any case) the roster has is updated with the cells the file gives; an empty cell
    keeps what the roster has (an HR or CRM export leaves cells empty: a blank territories cell took a rep's 180
    accounts away, and a blank email their HubSpot owner, a review). The others join (no id; an empty cell, the
    roster's default). ``only_listed``: the roster's reps the file does not list go.

    A rep the file lists twice (the same roster rep, by id or name, or two new reps of one name) is a problem of
    the later line (:class:`~territory.errors.InputDataError`, naming both lines of ``source``, by ``lines``): put
    in ``problems`` when given, else raised; the later line is left out. (It joined as a second rep of that name,
    unsaid: a review.)

    Examples
    --------
    >>> roster = pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ann", "Bo"], "capacity": [40, 50],
    ...                        "home": ["Ohio", "Utah"]})
    >>> file = pd.DataFrame({"name": ["ann", "Cy"], "capacity": [45.0, 30.0]})
    >>> merge_roster(roster, file).to_dict("list")
    {'rep_id': ['R1', 'R2', ''], 'name': ['ann', 'Bo', 'Cy'], 'capacity': [45.0, 50, 30.0], 'home': ['Ohio', 'Utah', None]}
    >>> merge_roster(roster, file, only_listed=True)["rep_id"].tolist()
    ['R1', '']
    >>> merge_roster(roster, pd.DataFrame({"name": ["Bo"], "capacity": [np.nan], "home": [""]})).to_dict("list")
    {'rep_id': ['R1', 'R2'], 'name': ['Ann', 'Bo'], 'capacity': [40, 50], 'home': ['Ohio', 'Utah']}
    >>> merge_roster(roster, pd.DataFrame({"name": ["Bo", "bo"]}), lines=[2, 5], source="team.csv")
    Traceback (most recent call last):
    ...
    territory.errors.InputDataError: team.csv, line 5: the rep 'bo' is listed on line 2 too. List each rep once (two reps of one name: give each its own id in a rep_id column)
    """
    out = roster.copy().astype(object)
    by_id = {str(r).casefold(): i for i, r in zip(out.index, out["rep_id"], strict=True) if str(r)}
    by_name = {str(n).strip().casefold(): i for i, n in zip(out.index, out["name"], strict=True)}
    lines = list(lines) if lines is not None else list(range(1, len(reps) + 1))
    listed, added, found = {}, [], []
    new_names: dict[str, int] = {}
    for line, row in zip(lines, reps.to_dict("records"), strict=True):
        given_id = str(row.get("rep_id") or "").strip().casefold()
        index = by_id.get(given_id) if given_id else None
        # (a rep with no name is no other rep with none: two such lines were said as "the rep '' is listed on line
        # 3 too", a new user's test; the roster says each has no name)
        name = "" if _blank(row["name"]) else str(row["name"]).strip().casefold()
        index = (by_name.get(name) if name else None) if index is None else index
        first = listed.get(index) if index is not None else (new_names.get(name) if name and not given_id else None)
        if first is not None:
            found.append(InputDataError(
                f"the rep '{row['name']}' is listed on line {first} too", source=source, row=line,
                hint="List each rep once (two reps of one name: give each its own id in a rep_id column)",
            ))  # fmt: skip
            continue
        if index is None:
            if name and not given_id:
                new_names[name] = line
            fresh = {k: v for k, v in row.items() if k != "rep_id" and k in out.columns and not _blank(v)}
            if "active" in out.columns:
                fresh.setdefault("active", True)
            added.append({**{c: None for c in out.columns}, "rep_id": "", **fresh})
            continue
        listed[index] = line
        for column, value in row.items():
            if column in out.columns and column != "rep_id" and not _blank(value):
                out.at[index, column] = value
    if found and problems is None:
        raise InputDataError.gather(found, source=source)
    if problems is not None:
        problems.extend(found)
    if only_listed:
        out = out.loc[list(listed)]
    merged = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True) if added else out
    return merged.reset_index(drop=True)


def _blank(value) -> bool:
    """An empty cell: None, NaN or only spaces."""
    return (
        value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())
    )


def specialties_matching_nothing(plan, industries) -> list[str]:
    """A sentence for each specialty that looks like a misspelt industry or tier (it matches no account as typed).

    ``plan``: its active reps' specialties (as :func:`~territory.model.normalize_specialties` writes them) against
    ``industries`` (the accounts') and those its territories focus on. A specialty that is none of them nor a tier,
    but close to one (``difflib``'s ratio at least 0.8), is said with the one it is close to; one close to none may
    be an industry these accounts do not have, and is not said.

    Examples
    --------
    >>> from territory.model import Plan, Rep
    >>> reps = (Rep("F", "Fiona", specialties=("fintec", "Mid Market", "mining")), Rep("H", "Hal", specialties=("entreprise",)))
    >>> for sentence in specialties_matching_nothing(Plan("p", (), reps), ["fintech", "healthcare"]):
    ...     print(sentence)
    Fiona's specialty 'fintec' matches no account: did you mean 'fintech'?
    Hal's specialty 'entreprise' matches no account: did you mean 'enterprise'?
    """
    import difflib

    from territory.model import TIERS

    focus = (i for t in plan.territories for i in t.industries)
    known = sorted({str(i).strip().lower() for i in [*industries, *focus] if isinstance(i, str) and i.strip()}
                   | set(TIERS))  # fmt: skip
    said = []
    for rep in plan.reps:
        for specialty in rep.specialties if rep.active else ():
            if specialty in known:
                continue
            close = difflib.get_close_matches(specialty, known, n=1, cutoff=0.8)
            if close:
                said.append(f"{rep.name}'s specialty '{specialty}' matches no account: did you mean '{close[0]}'?")
    return said
