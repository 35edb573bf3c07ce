"""Walking through a checklist's items one at a time, under a filter.

Plain Python with no Textual in it, so the stepping rules are tested on their own.
"""

from __future__ import annotations

from enum import StrEnum

from reviewtui.review.model import ItemState, Verdict


class WalkFilter(StrEnum):
    """Which items the walk stops at."""

    ALL = "all"
    FAILING = "failing"
    UNANSWERED = "unanswered"

    def matches(self, state: ItemState) -> bool:
        """True when the walk should stop at this item."""
        if self is WalkFilter.FAILING:
            return state.verdict is Verdict.FAIL
        if self is WalkFilter.UNANSWERED:
            return not state.answered
        return True

    def following(self) -> WalkFilter:
        """The next filter in the cycle all → failing → unanswered → all."""
        members = list(WalkFilter)
        return members[(members.index(self) + 1) % len(members)]


class Walk:
    """A position in an ordered list of item ids, moving only to items the filter shows.

    The current item stays put when the filter changes or when an answer makes it stop
    matching, so the reviewer never loses the item they are looking at.
    """

    def __init__(self, item_ids: list[str], index: int = 0) -> None:
        if not item_ids:
            raise ValueError("a walk needs at least one item")
        self.item_ids = item_ids
        self.index = max(0, min(index, len(item_ids) - 1))

    @property
    def current(self) -> str:
        """The id of the item shown now."""
        return self.item_ids[self.index]

    def step(self, states: dict[str, ItemState], walk_filter: WalkFilter, direction: int) -> bool:
        """Move to the nearest matching item in ``direction`` (+1 or -1).

        Returns False, without moving, when no item in that direction matches.
        """
        index = self._nearest(states, walk_filter, direction)
        if index is None:
            return False
        self.index = index
        return True

    def peek(
        self, states: dict[str, ItemState], walk_filter: WalkFilter, direction: int
    ) -> str | None:
        """The id :meth:`step` would move to, without moving; None when it would not."""
        index = self._nearest(states, walk_filter, direction)
        return None if index is None else self.item_ids[index]

    def _nearest(
        self, states: dict[str, ItemState], walk_filter: WalkFilter, direction: int
    ) -> int | None:
        index = self.index + direction
        while 0 <= index < len(self.item_ids):
            if walk_filter.matches(states[self.item_ids[index]]):
                return index
            index += direction
        return None

    def first_match(self, states: dict[str, ItemState], walk_filter: WalkFilter) -> bool:
        """Move to the first matching item; False, without moving, when none matches."""
        for index, item_id in enumerate(self.item_ids):
            if walk_filter.matches(states[item_id]):
                self.index = index
                return True
        return False

    def count(self, states: dict[str, ItemState], walk_filter: WalkFilter) -> int:
        """How many items the filter shows."""
        return sum(1 for item_id in self.item_ids if walk_filter.matches(states[item_id]))

    def position(
        self, states: dict[str, ItemState], walk_filter: WalkFilter
    ) -> tuple[int | None, int]:
        """Where the current item stands among those the filter shows: ``(3, 13)``.

        The first number is None when the current item is not one of them (it was just
        answered, say, and the filter is on unanswered items).
        """
        place: int | None = None
        shown = 0
        for index, item_id in enumerate(self.item_ids):
            if walk_filter.matches(states[item_id]):
                shown += 1
                if index == self.index:
                    place = shown
        return place, shown
