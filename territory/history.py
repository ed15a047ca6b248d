"""Undo and redo: a session's edits as an immutable list of plan states with a cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from territory.edits import PlanState

__all__ = ["EditHistory", "HistoryEntry"]


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the history: the state it produced, what it did, and when."""

    state: PlanState
    label: str
    at: datetime


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

    @classmethod
    def begin(cls, state: PlanState, label: str = "Opened the plan", *, limit: int = 100) -> EditHistory:
        """A history whose only step is ``state``."""
        return cls((HistoryEntry(state, label, _now()),), 0, limit)

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

    def push(self, state: PlanState, label: str | None = None) -> EditHistory:
        """Make ``state`` the current step (the undone steps after the cursor are dropped)."""
        entries = self.entries[: self.cursor + 1] + (HistoryEntry(state, label or state.edit, _now()),)
        entries = entries[-self.limit :]
        return EditHistory(entries, len(entries) - 1, self.limit)

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
