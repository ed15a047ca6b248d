"""One family of errors for bad input, with messages that say where and how to fix."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["InputDataError", "BoundaryFileError", "AccountsFileError", "PlanFileError", "format_location"]


def format_location(source: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """Return ``"file.csv, line 7, column 'lat'"`` from whichever parts are known.

    Parameters
    ----------
    source : str, optional
        File name (or a description such as ``"uploaded file"``).
    row : int, optional
        The line of the file, as a text editor numbers lines: the header is line 1, and blank lines count (a
        spreadsheet shows the same number as its row, but for a record whose quoted cell spans lines: the line
        it starts on).
    column : str, optional
        Column or field name (a command-line option such as ``--territory`` reads ``option --territory``; a place
        in a plan file such as ``reps[0].capacity`` reads ``rep 1, field 'capacity'``, and ``reps[2]{R03}.capacity``
        ``rep 3 (R03), field 'capacity'``).

    Examples
    --------
    >>> format_location("plan.json", column="reps[0].capacity")
    "plan.json, rep 1, field 'capacity'"
    >>> format_location("plan.json", column="reps[2]{R03}.capacity")
    "plan.json, rep 3 (R03), field 'capacity'"
    >>> format_location("a.csv", 3, "lat")
    "a.csv, line 3, column 'lat'"
    """
    parts = []
    if source:
        parts.append(str(source))
    if row is not None:
        parts.append(f"line {row}")
    if column:
        entry = re.fullmatch(r"(\w+)\[(\d+)\](?:\{([^}]*)\})?(?:\.(\w+))?", column)
        if column.startswith("--"):
            parts.append(f"option {column}")
        elif entry:  # a place in a JSON or YAML plan: reps[0].capacity -> rep 1, field 'capacity'
            section, index, said, field = entry.groups()
            name = _ENTRY_NAMES.get(section)
            where = f"{name} {int(index) + 1}" if name else f"{section} entry {int(index) + 1}"
            parts.append(where + (f" ({said})" if said else ""))  # (its id: "rep 3 (R03)", found in the file at once)
            if field:
                parts.append(f"field '{field}'")
        elif "." in column or "[" in column:  # another place in a plan file (settings.tier_weights)
            parts.append(f"field '{column}'")
        else:
            parts.append(f"column '{column}'")
    return ", ".join(parts)


# A plan's lists, each entry said by what it is (counted from 1, as a reader counts them in the file).
_ENTRY_NAMES = {"territories": "territory", "reps": "rep", "overrides": "override", "accounts": "account"}


# How many problems an error gathering several lists (the rest are counted: "and 12 more").
LISTED_PROBLEMS = 20


class InputDataError(ValueError):
    """Input that cannot be used as given.

    The message starts with the location (file, row, column) when known and ends with what to do. An error that
    gathers several problems (:meth:`gather`) lists them under that first line, one a line.

    Parameters
    ----------
    problem : str
        What is wrong.
    source, row, column : optional
        Where it is wrong; see :func:`format_location`.
    hint : str, optional
        How to fix it.
    problems : sequence of InputDataError, optional
        The problems this error gathers (see :meth:`gather`).

    Attributes
    ----------
    headline : str
        The message's first part: this problem alone, or for gathered problems how many there are.
    problems : tuple of InputDataError
        Every problem found: this error alone, unless it gathers several.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
        problems: Sequence[InputDataError] = (),
    ) -> None:
        self.problem = problem
        self.source = source
        self.row = row
        self.column = column
        self.hint = hint
        where = format_location(source, row, column)
        message = f"{where}: {problem}" if where else problem
        if hint:
            message = f"{message}. {hint}" if not message.endswith(".") else f"{message} {hint}"
        self.headline = message
        self.problems: tuple[InputDataError, ...] = tuple(problems) or (self,)
        if problems:
            message += "".join(f"\n- {line}" for line in self.listed())
        super().__init__(message)

    def listed(self, limit: int = LISTED_PROBLEMS) -> list[str]:
        """Each problem in one line (the first ``limit``), then how many more there are.

        Examples
        --------
        >>> error = InputDataError.gather([InputDataError(f"bad {n}", source="a.json") for n in range(3)])
        >>> error.listed(limit=2)
        ['a.json: bad 0', 'a.json: bad 1', 'and 1 more']
        """
        lines = [" ".join(str(problem).split()) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"and {len(self.problems) - limit:,} more")
        return lines

    @classmethod
    def gather(cls, problems: Sequence[InputDataError], *, source: str | None = None) -> InputDataError:
        """One error for every problem found in an input, so that all are fixed in one go.

        Parameters
        ----------
        problems : sequence of InputDataError
            At least one, each naming where it is.
        source : str, optional
            The file they are in, said on the first line (by default theirs, when they all name the same one).

        Returns
        -------
        InputDataError
            The problem itself when there is one; else an error of this class whose ``problems`` are these and
            whose message lists them (the first :data:`LISTED_PROBLEMS`), one a line.

        Raises
        ------
        ValueError
            When ``problems`` is empty: there is nothing to raise.

        Examples
        --------
        >>> error = PlanFileError.gather([PlanFileError("missing 'reps'", source="p.json"),
        ...                               PlanFileError("bad colour", source="p.json", column="territories[0].color")])
        >>> print(error)
        p.json: 2 problems; fix them all, then load the file again:
        - p.json: missing 'reps'
        - p.json, territory 1, field 'color': bad colour
        """
        if not problems:
            raise ValueError("`problems` was empty but is expected to hold at least one problem")
        if len(problems) == 1:
            return problems[0]
        if source is None and len({problem.source for problem in problems}) == 1:
            source = problems[0].source
        return cls(
            f"{len(problems)} problems; fix them all, then load the file again:", source=source, problems=problems
        )


class BoundaryFileError(InputDataError):
    """A boundary file (GeoJSON, Shapefile, GeoPackage) that cannot be used."""


class AccountsFileError(InputDataError):
    """An accounts CSV that cannot be used as a whole."""


class PlanFileError(InputDataError):
    """A plan file that does not validate."""
