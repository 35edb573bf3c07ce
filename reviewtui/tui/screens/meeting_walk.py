"""The meeting's walk: which items it stops at, in what order, and how much is left.

Plain Python with no Textual in it, so the rules are tested on their own. The stepping
itself is the walk's (:class:`~reviewtui.tui.walk.Walk`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from reviewtui.review.model import ItemState, Verdict
from reviewtui.tui.walk import WalkFilter


class MeetingFilter(StrEnum):
    """Which items the meeting walks, and in what order."""

    UNDECIDED = "undecided"
    FAILING_FIRST = "failing first"
    ALL = "all"

    @property
    def walk_filter(self) -> WalkFilter:
        """The walk's filter for this one: undecided means not answered yet."""
        return WalkFilter.ALL if self is MeetingFilter.ALL else WalkFilter.UNANSWERED

    def following(self) -> MeetingFilter:
        """The next filter in the cycle undecided → failing first → all → undecided."""
        members = list(MeetingFilter)
        return members[(members.index(self) + 1) % len(members)]

    def order(self, states: Sequence[ItemState]) -> list[str]:
        """The item ids in the order this filter walks them.

        Failing first puts the failing items ahead, worst severity first, then those a
        person must answer, then the rest; each group keeps the checklists' order.
        """
        ids = [state.item.id for state in states]
        if self is not MeetingFilter.FAILING_FIRST:
            return ids
        ranked = sorted(enumerate(states), key=lambda pair: (_urgency(pair[1]), pair[0]))
        return [state.item.id for _, state in ranked]


def _urgency(state: ItemState) -> tuple[int, int]:
    verdict = state.verdict
    if verdict is Verdict.FAIL:
        return (0, -state.item.severity.rank)
    if verdict is Verdict.UNKNOWN:
        return (1, 0)
    return (2, 0)


def progress_words(states: Sequence[ItemState]) -> str:
    """``12 of 97 decided · 85 left``: every item of the review, whatever the filter."""
    decided = sum(1 for state in states if state.answered)
    return f"{decided} of {len(states)} decided · {len(states) - decided} left"
