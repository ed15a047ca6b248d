"""Undo and redo: a session's edits as an immutable list of plan states with a cursor."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from territory.edits import PlanState, session_start

__all__ = ["EditHistory", "HistoryEntry"]

_AS_CURRENT = object()  # push(): the new step is stored as the current one is


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the history: the state it produced, what it did, and when.

    ``stored`` says what the step's plan was stored as — the pages keep ``(plan_id, version, that version's plan as
    JSON)`` — or None for a plan not stored: undo goes back to it with the plan, so that undoing a plan used in place
    of a stored one (a file uploaded) is working on the stored plan again, not on a plan "not stored yet".
    """

    state: PlanState
    label: str
    at: datetime
    stored: Hashable | None = None


@dataclass(frozen=True)
class EditHistory:
    """The states a session went through; ``cursor`` points at the current one.

    Every method returns a new history. :meth:`push` after an undo drops the undone steps (as every editor
    does). The oldest steps beyond ``limit`` are forgotten, never the current one.

    Examples
    --------
    >>> from territory import plan_from_dict
    >>> from territory.edits import start
    >>> import pandas as pd
    >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]},
    ...                                        {"territory_id": "W", "region_ids": ["US-CA"]}], "reps": []})
    >>> regions = pd.DataFrame({"region_id": ["US-NY", "US-CA"], "parent_id": ["US", "US"]})
    >>> accounts = pd.DataFrame({"account_id": ["a"], "region_id": ["US-NY"], "value": [1.0]})
    >>> history = EditHistory.begin(start(plan, accounts, regions))
    >>> history = history.push(history.current.move_regions(["US-NY"], "W"))
    >>> history.current.result["territory_id"].tolist(), history.can_undo, history.can_redo
    (['W'], True, False)
    >>> history.undo().current.result["territory_id"].tolist()
    ['E']
    >>> history.undo().redo().current is history.current
    True
    """

    entries: tuple[HistoryEntry, ...]
    cursor: int = 0
    limit: int = 100

    def __post_init__(self) -> None:
        # Memory bounded by the steps kept (a review: a session grew 37 MB an edit at 150,000 accounts, for good):
        # the oldest step lets go of the steps before it, which nothing else holds, and only the current step and
        # its neighbours keep their full tables (the others build theirs again when read: undo twice, say).
        if not self.entries:
            return
        self.entries[0].state.forget_earlier()
        near = {id(e.state) for e in self.entries[max(0, self.cursor - 1) : self.cursor + 2]}
        for entry in self.entries:
            if id(entry.state) not in near:
                entry.state.release_table()

    @classmethod
    def begin(
        cls, state: PlanState, label: str = "Opened the plan", *, stored: Hashable | None = None, limit: int = 100
    ) -> EditHistory:
        """A history whose only step is ``state`` (stored as ``stored``: see :class:`HistoryEntry`).

        The session starts at ``state`` (:func:`territory.edits.session_start`): what its edits give back is what
        ``state`` gives, whatever states it came from.
        """
        return cls((HistoryEntry(session_start(state), label, _now(), stored),), 0, limit)

    @property
    def current(self) -> PlanState:
        """The state the session is at."""
        return self.entries[self.cursor].state

    @property
    def can_undo(self) -> bool:
        """Whether there is a step before the current one."""
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        """Whether an undone step can be redone."""
        return self.cursor < len(self.entries) - 1

    @property
    def stored(self) -> Hashable | None:
        """What the current step's plan is stored as (:class:`HistoryEntry`), None for a plan not stored."""
        return self.entries[self.cursor].stored

    def push(self, state: PlanState, label: str | None = None, *, stored=_AS_CURRENT) -> EditHistory:
        """Make ``state`` the current step (the undone steps after the cursor are dropped).

        ``stored``: what it is stored as; by default what the current step is (an edit leaves the plan where it is
        stored).
        """
        stored = self.stored if stored is _AS_CURRENT else stored
        entries = self.entries[: self.cursor + 1] + (HistoryEntry(state, label or state.edit, _now(), stored),)
        entries = entries[-self.limit :]
        return EditHistory(entries, len(entries) - 1, self.limit)

    def restored(
        self, stored: Hashable | None, *, also: Callable[[Hashable | None], bool] | None = None, current: bool = True
    ) -> EditHistory:
        """The history with the current step stored as ``stored``, and each step for which ``also(its stored)`` is.

        Parameters
        ----------
        stored : hashable or None
            What the current step's plan is stored as now (saved, or a plan used in place of the stored one: None).
        also : callable, optional
            Which other steps are stored as ``stored`` too, by what they were stored as: after a save, the steps
            on the plan saved (undone, they are changes to the version saved, not to the one before).
        current : bool, default True
            False: the current step only when ``also`` says so (a plan deleted: the steps on it are on none).

        Returns
        -------
        EditHistory
            The same steps and cursor.

        Examples
        --------
        >>> from territory import plan_from_dict
        >>> from territory.edits import start
        >>> import pandas as pd
        >>> plan = plan_from_dict({"territories": [{"territory_id": "E", "region_ids": ["US-NY"]}], "reps": []})
        >>> regions = pd.DataFrame({"region_id": ["US-NY"], "parent_id": ["US"]})
        >>> accounts = pd.DataFrame({"account_id": ["a"], "region_id": ["US-NY"], "value": [1.0]})
        >>> history = EditHistory.begin(start(plan, accounts, regions), stored=(1, 1))
        >>> history = history.push(history.current.move_regions(["US-NY"], None)).restored(None)
        >>> history.stored, history.undo().stored
        (None, (1, 1))
        >>> history.restored((1, 2), also=lambda s: s == (1, 1)).undo().stored
        (1, 2)
        """
        entries = tuple(
            replace(entry, stored=stored)
            if (current and i == self.cursor) or (also is not None and also(entry.stored))
            else entry
            for i, entry in enumerate(self.entries)
        )
        return EditHistory(entries, self.cursor, self.limit)

    def undo(self) -> EditHistory:
        """One step back (ValueError when there is none)."""
        if not self.can_undo:
            raise ValueError("nothing to undo")
        return EditHistory(self.entries, self.cursor - 1, self.limit)

    def redo(self) -> EditHistory:
        """One step forward again (ValueError when there is none)."""
        if not self.can_redo:
            raise ValueError("nothing to redo")
        return EditHistory(self.entries, self.cursor + 1, self.limit)

    def go_to(self, step: int) -> EditHistory:
        """Jump to any step of the list (0 is the first)."""
        if not 0 <= step < len(self.entries):
            raise ValueError(f"step {step} is not in the history (0..{len(self.entries) - 1})")
        return EditHistory(self.entries, step, self.limit)

    @property
    def previous(self) -> PlanState | None:
        """The state before the current one (what the current edit is measured against)."""
        return self.entries[self.cursor - 1].state if self.can_undo else None


def _now() -> datetime:
    return datetime.now(UTC)
