"""A plan as plain files for git: one folder, sorted and stably formatted, so one edit makes a small diff.

    plan.yaml            name, settings, territories (without regions), reps, carve-outs; ``based_on``: the
                         saved version the folder was written from (plan number, version and when it was saved,
                         which tells one database's plan 3 from another's), when there was one
    alignment.csv        region_id,territory_id — one line per claim, sorted
    overrides.csv        account_id,territory_id,rep_id,locked — sorted by account
    accounts.csv         the plan's own accounts (the seed's accountAssignments), when it has any
    assignments.csv      account_id,territory_id,rep_id — the rep each served account had when the folder was
                         written (when the writer had an assignment): read back, each account keeps that rep where
                         the rules allow, so the folder gives the reps the dashboard showed, not a fresh shuffle
    territories.geojson  each territory's shape, one feature per line (for viewing on GitHub; not read back)

Reading a folder back gives the same plan (the order of a territory's regions carries no meaning and comes back
sorted). Files are written for git, not for spreadsheets: cells are not altered against formula injection here
(the CRM exports are).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from territory.cell_numbers import read_number
from territory.errors import LISTED_PROBLEMS, PlanFileError
from territory.formatting import counted, numbered, verb
from territory.model import (
    FOLDER_HEADER,
    REGION_ID_HINT,
    Plan,
    claims_alike,
    normalize_region_id,
    plan_from_dict,
)
from territory.regions import is_region_id
from territory.textfiles import (
    CSV_HINT,
    CsvRecordError,
    csv_records,
    header_delimiter,
    is_blank_record,
    overlong_records,
    quoting_hint,
    read_text,
    read_yaml,
    shifted_said,
    without_title_lines,
    write_text_atomic,
)

__all__ = [
    "write_plan_folder",
    "read_plan_folder",
    "read_folder_assignments",
    "assignments_not_loaded",
    "read_folder_origin",
    "canonical_plan",
    "PLAN_FILES",
]

PLAN_FILES = ("plan.yaml", "alignment.csv", "overrides.csv", "accounts.csv", "assignments.csv", "territories.geojson")
_ASSIGNMENT_FIELDS = ["account_id", "territory_id", "rep_id"]
_ACCOUNT_FIELDS = ["account_id", "name", "region_id", "industry", "tier", "value", "owner", "status"]


def canonical_plan(plan: Plan) -> Plan:
    """The plan with each territory's regions sorted (the form a plan folder reads back)."""
    return replace(
        plan,
        territories=tuple(replace(t, region_ids=tuple(sorted(t.region_ids))) for t in plan.territories),
        overrides=tuple(sorted(plan.overrides, key=lambda o: o.account_id)),
        accounts=tuple(sorted(plan.accounts, key=lambda a: a.account_id)),
        unclaimed_region_ids=tuple(sorted(plan.unclaimed_region_ids)),
    )


def _csv_text(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


_PLAIN = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _number(value: float):
    return int(value) if float(value).is_integer() else value


def plan_folder_texts(
    plan: Plan,
    territories_geojson: dict | None = None,
    assignments: pd.DataFrame | None = None,
    based_on: tuple[int, int, str] | None = None,
) -> dict[str, str]:
    """The folder's files as ``{name: text}`` (what :func:`write_plan_folder` writes).

    ``assignments``: the plan's assignment (``account_id``, ``territory_id``, ``rep_id``), written as
    ``assignments.csv`` for the accounts that have a rep. ``based_on``: the saved version ``(plan number,
    version, saved at)`` the plan was opened from, written in plan.yaml (see :func:`read_folder_origin`).
    """
    data = plan.to_dict()
    for territory in data["territories"]:
        territory.pop("region_ids")
        territory["annual_quota"] = _number(territory["annual_quota"])
    head = {"name": data["name"]}
    if based_on is not None:
        head["based_on"] = {"plan": int(based_on[0]), "version": int(based_on[1]), "saved_at": str(based_on[2])}
    head |= {
        "settings": data["settings"],
        "unclaimed_region_ids": sorted(data["unclaimed_region_ids"]),
        "territories": data["territories"],
        "reps": data["reps"],
    }
    texts = {
        "plan.yaml": f"{FOLDER_HEADER}; account overrides: overrides.csv.\n"
        + yaml.safe_dump(head, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120),
        "alignment.csv": _csv_text(
            ["region_id", "territory_id"],
            sorted([r, t.territory_id] for t in plan.territories for r in t.region_ids),
        ),
        "overrides.csv": _csv_text(
            ["account_id", "territory_id", "rep_id", "locked"],
            [
                [o.account_id, o.territory_id, o.rep_id, "true" if o.locked else "false"]
                for o in sorted(plan.overrides, key=lambda o: o.account_id)
            ],
        ),
    }
    if plan.accounts:
        texts["accounts.csv"] = _csv_text(
            _ACCOUNT_FIELDS,
            [
                [a.account_id, a.name, a.region_id, a.industry, a.tier, _number(a.value), a.owner, a.status]
                for a in sorted(plan.accounts, key=lambda a: a.account_id)
            ],
        )
    if assignments is not None:
        served = assignments[assignments["rep_id"].notna()]
        texts["assignments.csv"] = _csv_text(
            _ASSIGNMENT_FIELDS,
            sorted(
                [str(a), "" if t is None or t != t else str(t), str(r)]
                for a, t, r in zip(served["account_id"], served["territory_id"], served["rep_id"], strict=True)
            ),
        )
    if territories_geojson is not None:
        features = sorted(
            territories_geojson.get("features", []), key=lambda f: str(f["properties"].get("territory_id"))
        )
        lines = [json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for f in features]
        texts["territories.geojson"] = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    return texts


def write_plan_folder(
    plan: Plan,
    folder: str | Path,
    *,
    territories_geojson: dict | None = None,
    assignments: pd.DataFrame | None = None,
    based_on: tuple[int, int, str] | None = None,
) -> list[Path]:
    """Write a plan as a folder of plain files (see the module docstring); returns the files written.

    Each file is written whole or not at all (a temporary file renamed into place), with the permissions of any
    new file (:func:`~territory.textfiles.write_text_atomic`); a file of the folder
    format that the plan no longer needs (``accounts.csv`` of a plan without accounts, ``assignments.csv`` when
    no assignment is given: the old one would keep reps of another plan) is removed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = plan_folder_texts(plan, territories_geojson, assignments, based_on)
    written = []
    for name, text in texts.items():
        written.append(write_text_atomic(folder / name, text, newline=""))
    for name in ("accounts.csv", "assignments.csv"):
        if name not in texts and (folder / name).exists():
            (folder / name).unlink()
    return written


def _read_csv(path: Path, required: list[str], notes: list[str] | None) -> list[tuple[int, dict]]:
    """Each row of a folder's CSV with the line it is on; blank lines and rows of only commas are skipped."""
    if not path.exists():
        return []
    titled = without_title_lines(read_text(path, notes=notes))  # (a title above the header: lines blanked)
    text = titled.text
    if titled.lines and notes is not None:
        notes.append(titled.said(path.name))
    # (saved again by a spreadsheet where the comma is the decimal mark: semicolons; it was refused as "missing
    # columns region_id, territory_id", a review)
    delimiter = header_delimiter(text)
    try:
        records = [(n, r) for n, r in csv_records(text, delimiter=delimiter) if not is_blank_record(r)]
    except CsvRecordError as exc:
        raise PlanFileError(str(exc), source=path.name, row=exc.line, hint=CSV_HINT) from None
    header = [h.strip() for h in records[0][1]] if records else []
    if delimiter != "," and notes is not None and records:
        notes.append(f"{path.name}: read with {'semicolons' if delimiter == ';' else 'tabs'} between its cells")
    missing = [c for c in required if c not in header]
    if missing:
        raise PlanFileError(
            f"missing {numbered('column', missing, shown=len(missing))}",
            source=path.name,
            hint=f"The header must be: {','.join(required)}",
        )
    # A value with an unquoted comma shifts every cell after it (a territory "Acme, West" took "West" as its colour):
    # refused, every such line named. A cell missing at the end of a line reads as empty; an empty one too many on
    # every line (a spreadsheet's export) is not read.
    shifted = overlong_records(records)
    if shifted:
        raise PlanFileError(shifted_said(shifted, len(header)), source=path.name, row=shifted[0][0],
                            hint=quoting_hint(delimiter, "Acme, West".replace(",", delimiter)))  # fmt: skip
    return [(n, {h: (r[i].strip() if i < len(r) else "") for i, h in enumerate(header)}) for n, r in records[1:]]


def _rows_or_problem(
    path: Path, required: list[str], notes: list[str] | None, problems: list[PlanFileError]
) -> list[tuple[int, dict]]:
    """:func:`_read_csv`'s rows, or none with its refusal added to ``problems``.

    A file that cannot be read as a whole (a line with a field too many, a missing column) is said with the other
    files' problems, not instead of them: fixed in one round (a new user's test).
    """
    try:
        return _read_csv(path, required, notes)
    except PlanFileError as error:
        problems.extend(error.problems)
        return []


def _yaml_problem(error) -> str:
    """The YAML parser's complaint in one line, with where ("not valid YAML at line 3, column 3: …")."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not valid YAML{where}: {problem}"


def read_plan_folder(folder: str | Path, notes: list[str] | None = None) -> Plan:
    """Read a plan folder written by :func:`write_plan_folder` (or by hand, e.g. edited in a pull request).

    Files are read as UTF-8 (with or without a byte-order mark), else as Windows-1252 (see
    :mod:`territory.textfiles`); lines are numbered as a text editor numbers them.

    Parameters
    ----------
    folder : str or Path
    notes : list of str, optional
        Gets what the reader has to say without refusing the folder: a file not in UTF-8, a region listed for
        two territories that share it by industry focus, tiers or priority.

    Raises
    ------
    PlanFileError
        Naming the file, line and field: a missing ``plan.yaml``, a region claimed by an unknown territory, a
        region listed for two territories that would take the same accounts, an override to an unknown rep … Every
        problem of plan.yaml, alignment.csv, overrides.csv and accounts.csv is said at once: one error whose
        ``problems`` holds each and whose message lists them (see :meth:`territory.errors.InputDataError.gather`).
    """
    folder = Path(folder)
    head_path = folder / "plan.yaml"
    if not head_path.exists():
        raise PlanFileError(
            "no plan.yaml in the folder", source=str(folder), hint="Export a plan with cli.py export-plan"
        )
    try:
        head = read_yaml(read_text(head_path, notes=notes)) or {}
    except yaml.YAMLError as error:
        raise PlanFileError(_yaml_problem(error), source="plan.yaml", hint="Fix the YAML syntax") from error
    if not isinstance(head, dict):
        raise PlanFileError("expected a mapping with name, territories and reps", source="plan.yaml")
    territories = head.get("territories") or []
    ids = {t.get("territory_id") for t in territories if isinstance(t, dict)}
    # Every problem of every file is gathered and said at once (fix them all, load once), as for a plan file.
    problems: list[PlanFileError] = []
    regions: dict[str, list[str]] = {}
    lines: dict[str, dict[str, int]] = {}  # region -> territory -> its line in alignment.csv
    repeats: dict[str, list[tuple[int, int]]] = {}  # territory -> (line, the line it repeats)
    for row_number, row in _rows_or_problem(folder / "alignment.csv", ["region_id", "territory_id"], notes, problems):
        if not row["region_id"]:
            problems.append(
                PlanFileError(
                    "empty region id",
                    source="alignment.csv",
                    row=row_number,
                    column="region_id",
                    hint="Write the region's id (as the other lines do, e.g. US-NY), or delete the line",
                )
            )
            continue
        if row["territory_id"] not in ids:
            known = ", ".join(sorted(str(i) for i in ids if i))
            problems.append(
                PlanFileError(
                    f"unknown territory '{row['territory_id']}'" if row["territory_id"] else "empty territory id",
                    source="alignment.csv",
                    row=row_number,
                    column="territory_id",
                    hint=f"Use a territory_id of plan.yaml: {known}"
                    if known
                    else "plan.yaml lists no territory: add the territories there first",
                )
            )
            continue
        if not is_region_id(normalize_region_id(row["region_id"])):
            # (said of its line here: it was said of plan.yaml's territory, whose file has no region_ids, a new user's
            # test)
            problems.append(
                PlanFileError(
                    f"'{row['region_id']}' is not a region id",
                    source="alignment.csv",
                    row=row_number,
                    column="region_id",
                    hint=f"{REGION_ID_HINT}, or delete the line",
                )
            )
            continue
        claims = lines.setdefault(normalize_region_id(row["region_id"]), {})
        if row["territory_id"] in claims:  # (said, read once: a repeated line passed without a word)
            repeats.setdefault(row["territory_id"], []).append((row_number, claims[row["territory_id"]]))
            continue
        regions.setdefault(row["territory_id"], []).append(row["region_id"])
        claims[row["territory_id"]] = row_number
    for territory_id, repeated in repeats.items() if notes is not None else ():
        said = "; ".join(f"line {line} repeats line {first}" for line, first in repeated[:5])
        more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        notes.append(
            f"alignment.csv has {counted(len(repeated), 'repeated line')} for territory {territory_id} ({said}{more}): "
            "each region read once; delete the repeated lines"
        )
    data = dict(head)
    data["territories"] = [
        {**t, "region_ids": sorted(regions.get(t.get("territory_id"), []))} if isinstance(t, dict) else t
        for t in territories
    ]
    overrides = []
    for row_number, row in _rows_or_problem(
        folder / "overrides.csv", ["account_id", "territory_id", "rep_id", "locked"], notes, problems
    ):
        locked = row["locked"].lower()
        if locked not in ("true", "false", ""):
            problems.append(
                PlanFileError(
                    f"'locked' must be true or false, got {row['locked']!r}",
                    source="overrides.csv",
                    row=row_number,
                    column="locked",
                    hint="Write true (the account stays with this territory and rep) or false",
                )
            )
            continue
        overrides.append(
            {
                "account_id": row["account_id"],
                "territory_id": row["territory_id"] or None,
                "rep_id": row["rep_id"] or None,
                "locked": locked != "false",
            }
        )
    data["overrides"] = overrides
    data["accounts"] = []
    for row_number, row in _rows_or_problem(folder / "accounts.csv", _ACCOUNT_FIELDS, notes, problems):
        try:
            # (a decimal comma too: "12500,5" in a file saved again with semicolons by European Excel; a review)
            value = float(row["value"] or 0) if _PLAIN.fullmatch(row["value"] or "0") else read_number(row["value"])[0]
            if value is None:
                raise ValueError(row["value"])
        except ValueError:
            problems.append(
                PlanFileError(
                    f"value must be a number, got {row['value']!r}",
                    source="accounts.csv",
                    row=row_number,
                    column="value",
                    hint="Write the account's value as a plain number (12500.50), or leave it empty for 0",
                )
            )
            continue
        data["accounts"].append({k: (v if v != "" else None) for k, v in row.items()} | {"value": value})
    try:
        plan = plan_from_dict(data, source=f"{folder.name}/plan.yaml")
    except PlanFileError as error:  # (plan.yaml's problems first, then the CSV files')
        raise _gathered([*error.problems, *problems], folder) from None
    if problems:
        raise _gathered(problems, folder)
    if notes is not None:
        notes.extend(_shared_regions(plan, lines))
    return plan


def _gathered(problems: list[PlanFileError], folder: Path) -> PlanFileError:
    """One error for the problems of a folder: said by their file when they are all in one, else by the folder.

    Each file's problems are listed in the order of its lines (the files in the order their problems were found).
    """
    files = {source: n for n, source in enumerate(dict.fromkeys(problem.source for problem in problems))}
    problems = sorted(problems, key=lambda problem: (files[problem.source], problem.row or 0))
    return PlanFileError.gather(problems, source=None if len(files) == 1 else str(folder))


def _shared_regions(plan: Plan, lines: dict[str, dict[str, int]]) -> list[str]:
    """What to say of the regions alignment.csv lists for two territories (each pair of territories once), with lines.

    Where both take the same accounts at the same priority, the lower territory id takes them and each is flagged as
    a conflict (as a plan file with such a claim reads: the folder refused what ``cli.py export-plan`` wrote, a
    review); else an overlay (a territory with an industry focus, tiers or a higher priority over another, as a plan
    file may hold). Both are said with their lines, so that a line left over by an edit or a merge is found.
    """
    by_id = {t.territory_id: t for t in plan.territories}
    pairs: dict[tuple[str, str], list[str]] = {}
    alike: list[str] = []
    for region, listed in sorted(lines.items()):
        for (first, first_line), (second, line) in itertools.combinations(
            sorted(listed.items(), key=lambda x: x[1]), 2
        ):
            a, b = by_id[first], by_id[second]
            if claims_alike(a, b):
                taker = min((a, b), key=lambda t: t.territory_id)
                alike.append(
                    f"alignment.csv, line {line}: region {region} is listed for two territories, {_named(a)} (line "
                    f"{first_line}) and {_named(b)}, which take the same accounts at the same priority: "
                    f"{taker.name or taker.territory_id} (the lower id) takes them, each flagged as a conflict. A "
                    "region belongs to one territory: delete one of the two lines (or give one territory an industry "
                    "focus, tiers or a higher priority in plan.yaml)"
                )
                continue
            pairs.setdefault((first, second), []).append(f"{region} (lines {first_line} and {line})")
    said = []
    for (first, second), listed in pairs.items():
        a, b = by_id[first], by_id[second]
        said.append(
            f"alignment.csv lists {counted(len(listed), 'region')} for both {_named(a)} and {_named(b)}: "
            f"{', '.join(listed[:5])}{' …' if len(listed) > 5 else ''}. Each account there goes to the territory "
            f"that admits it, the higher priority first ({_admits(a)}; {_admits(b)}). If a region belongs to one "
            "territory, delete the other line"
        )
    return [*alike, *said]


def _named(territory) -> str:
    return f"{territory.name} ({territory.territory_id})"


def _admits(territory) -> str:
    focus = [", ".join(territory.industries) if territory.industries else "", ", ".join(territory.tiers)]
    admits = " and ".join(f for f in focus if f) or "every account"
    return f"{territory.territory_id}: {admits}, priority {territory.priority}"


def read_folder_origin(folder: str | Path, notes: list[str] | None = None) -> tuple[int, int, str] | None:
    """The saved version a plan folder was written from, ``(plan number, version, saved at)``, or None.

    plan.yaml's ``based_on`` (written by the Plans page's download and ``cli.py export-plan --plan store:N``).
    Opened over a later version of that plan, the folder is saved as a change to the version it came from, so that
    what was saved since is merged, not undone; ``saved at`` tells whether that plan is in this database. A
    ``based_on`` that is not a plan number and a version is said in ``notes`` and ignored.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> text = "name: FY27" + chr(10) + "based_on: {plan: 3, version: 5, saved_at: '2026-11-30T09:15:02+00:00'}"
    >>> _ = (folder / "plan.yaml").write_text(text)
    >>> read_folder_origin(folder)
    (3, 5, '2026-11-30T09:15:02+00:00')
    """
    path = Path(folder) / "plan.yaml"
    if not path.exists():
        return None
    try:
        head = read_yaml(read_text(path)) or {}
    except yaml.YAMLError:
        return None  # (read_plan_folder says what is wrong with it)
    origin = head.get("based_on") if isinstance(head, dict) else None
    if origin is None:
        return None
    try:
        plan_id, version, saved_at = origin["plan"], origin["version"], origin.get("saved_at", "")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (plan_id, version)):
            raise TypeError
    except (TypeError, KeyError, AttributeError):
        if notes is not None:
            notes.append(
                f"plan.yaml: based_on should be {{plan: N, version: V, saved_at: …}} with whole numbers, not "
                f"{origin!r}; ignored, so the folder is not checked against later versions of its plan"
            )
        return None
    if hasattr(saved_at, "isoformat"):  # (an unquoted time reads as a datetime)
        saved_at = saved_at.isoformat(timespec="seconds")
    return int(plan_id), int(version), str(saved_at or "")


def read_folder_assignments(
    folder: str | Path, plan: Plan | None = None, notes: list[str] | None = None
) -> pd.Series | None:
    """The reps saved in a plan folder's ``assignments.csv`` (account id → rep id), or None without that file.

    Given to the assignment as the reps to keep (``territory.edits.start(..., keep=...)``): each account keeps its
    rep where the rules still allow (the rep is active, serves its territory and has room).

    Parameters
    ----------
    folder : str or Path
    plan : Plan, optional
        The folder's plan (:func:`read_plan_folder`). Given, a line naming a rep the plan does not have is skipped
        (its account is assigned afresh) and said in ``notes``, by rep, with its lines and accounts.
    notes : list of str, optional
        Gets the lines skipped, and why: a rep not in the plan, an account listed again with the same rep (the
        first line is read); and a file not in UTF-8.

    Returns
    -------
    Series or None
        Rep id by account id (index ``account_id``).

    Raises
    ------
    PlanFileError
        A missing column, or every line that cannot be read, at once: an empty account or rep id, an account
        listed with two different reps (which one it had cannot be told); each naming the line and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "assignments.csv").write_text("account_id,territory_id,rep_id" + chr(10) + "A1,E,R01" + chr(10))
    >>> read_folder_assignments(folder).to_dict()
    {'A1': 'R01'}
    """
    path = Path(folder) / "assignments.csv"
    if not Path(folder).is_dir() or not path.exists():
        return None
    problems: list[PlanFileError] = []
    lines: dict[str, list[tuple[int, str]]] = {}  # account -> (line, rep) of each line naming it
    territories = None if plan is None else {t.territory_id for t in plan.territories}
    strangers: dict[str, list[int]] = {}  # a territory plan.yaml does not have -> the lines naming it
    for row_number, row in _read_csv(path, _ASSIGNMENT_FIELDS, notes):
        if territories is not None and row["territory_id"] and row["territory_id"] not in territories:
            strangers.setdefault(row["territory_id"], []).append(row_number)
        empty = [column for column in ("account_id", "rep_id") if not row[column]]
        problems.extend(
            PlanFileError(
                f"empty {column.replace('_', ' ')}",
                source="assignments.csv",
                row=row_number,
                column=column,
                hint="Each line names an account and the rep it had; delete the line to let the account be "
                "assigned afresh",
            )
            for column in empty
        )
        if not empty:
            lines.setdefault(row["account_id"], []).append((row_number, row["rep_id"]))
    for account_id, listed in lines.items():
        if len({rep_id for _, rep_id in listed}) > 1:
            problems.append(
                PlanFileError(
                    f"account {account_id} is listed with different reps: "
                    + ", ".join(f"{rep_id} (line {line})" for line, rep_id in listed),
                    source="assignments.csv",
                    row=listed[1][0],
                    column="rep_id",
                    hint="An account has one rep: delete the lines that are wrong (or all of them, to let the "
                    "account be assigned afresh)",
                )
            )
    if problems:
        raise PlanFileError.gather(problems)
    known = None if plan is None else {rep.rep_id for rep in plan.reps}
    kept: dict[str, str] = {}
    unknown: dict[str, list[tuple[int, str]]] = {}  # rep -> (line, account) of each line skipped
    repeated: list[str] = []
    for account_id, listed in lines.items():
        line, rep_id = listed[0]
        if len(listed) > 1:
            repeated.append(f"{account_id} (lines {_numbers([n for n, _ in listed])})")
        if known is not None and rep_id not in known:
            unknown.setdefault(rep_id, []).extend((n, account_id) for n, _ in listed)
            continue
        kept[account_id] = rep_id
    if notes is not None:
        # (a territory the plan does not have was read without a word, a new user's test: the column is a record)
        notes.extend(
            f"assignments.csv, line{'s' if len(at) > 1 else ''} {_numbers(at)}, column 'territory_id': territory "
            f"'{territory_id}' is not a territory of plan.yaml. The column is not read (each account goes to the "
            "territory its region gives it, and keeps its rep where the rules allow): correct the territory id"
            for territory_id, at in sorted(strangers.items())
        )
        notes.extend(
            f"assignments.csv, line{'s' if len(skipped) > 1 else ''} {_numbers([n for n, _ in skipped])}, column "
            f"'rep_id': rep '{rep_id}' is not a rep of plan.yaml, so {counted(len({a for _, a in skipped}), 'account')} "
            f"({_listed([a for _, a in skipped])}) {verb(len({a for _, a in skipped}), 'was', 'were')} skipped and "
            f"{verb(len({a for _, a in skipped}), 'is', 'are')} assigned afresh. Add the rep to plan.yaml's "
            "reps, or correct the rep id"
            for rep_id, skipped in sorted(unknown.items())
        )
        if repeated:
            notes.append(
                f"assignments.csv, column 'account_id': {counted(len(repeated), 'account')} listed more than once with "
                f"the same rep: {_listed(repeated)}; the first line of each was read, the others skipped. Delete the "
                "repeated lines"
            )
    return pd.Series(kept, dtype=object, name="rep_id").rename_axis("account_id")


def assignments_not_loaded(kept: pd.Series | None, account_ids) -> str | None:
    """A sentence naming the accounts of ``assignments.csv`` (:func:`read_folder_assignments`) not among ``account_ids``.

    None when every one is loaded. Their lines are not used: the reps kept are those of the accounts loaded.

    Examples
    --------
    >>> print(assignments_not_loaded(pd.Series({"A1": "R1", "ACC-9": "R2"}), ["A1", "A2"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    assignments.csv names 1 account that is not among the accounts loaded (ACC-9): its line is not used. Load the
    accounts the plan was written with to keep its reps
    >>> assignments_not_loaded(pd.Series({"A1": "R1"}), ["A1"]) is None
    True
    """
    if kept is None or not len(kept):
        return None
    missing = sorted(set(map(str, kept.index)) - set(map(str, account_ids)))
    if not missing:
        return None
    n = len(missing)
    return (
        f"assignments.csv names {counted(n, 'account')} that {verb(n, 'is', 'are')} not among the accounts loaded "
        f"({_listed(missing)}): {verb(n, 'its line is', 'their lines are')} not used. Load the accounts the plan was "
        "written with to keep its reps"
    )


def _listed(items: list[str]) -> str:
    """The first :data:`~territory.errors.LISTED_PROBLEMS` items, then how many more ("A1, A2 and 3 more")."""
    shown = ", ".join(items[:LISTED_PROBLEMS])
    return shown + (f" and {len(items) - LISTED_PROBLEMS} more" if len(items) > LISTED_PROBLEMS else "")


def _numbers(lines: list[int]) -> str:
    """Line numbers as a reader says them: "4", "4 and 9", "3, 7 and 9" (then how many more)."""
    said = [str(n) for n in sorted(lines)]
    if len(said) > LISTED_PROBLEMS:
        return ", ".join(said[:LISTED_PROBLEMS]) + f" and {len(said) - LISTED_PROBLEMS} more"
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"
