"""Snapshots of meeting mode at 80x24 and 200x50 (a shared screen), on the demo project.

The demo is set up as tests/snapshot_app.py says, and the cursor does not blink; the
toasts are cleared, since their timeout runs on the wall clock. Update with ``pytest
tests/test_meeting_snapshots.py --snapshot-update`` and look at the SVGs before
committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from reviewtui.tui.app import ReviewApp
from tests.snapshot_app import SnapCompare, demo_app

__all__ = ["demo_app"]  # the fixture, used by name

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]
NAMES = ("A", "d", "a", "enter", "B", "o", "b", ",", "space", "C", "y")
"""Typed into the attendees field: Ada on one line, then "Bob, Cy"."""


def after_scan(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before hook: wait for the scan, press ``keys``, then still the screen."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        pilot.app.clear_notifications()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.pause()

    return run_before


MEETING = ("m", *NAMES, "ctrl+s")
"""Start the meeting with Ada, Bob and Cy."""


@pytest.mark.parametrize("size", SIZES)
def test_meeting_attendees(
    snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]
) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan("m", *NAMES))


@pytest.mark.parametrize("size", SIZES)
def test_meeting_item(
    snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]
) -> None:
    # Failing first: the demo's critical secret in an ENV, with its masked evidence.
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan(*MEETING, "f"))


@pytest.mark.parametrize("size", SIZES)
def test_meeting_decided(
    snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]
) -> None:
    # Bob accepts the risk of the second failing item, with a reason and a note.
    keys = (*MEETING, "f", "n", "w", "4", *"until the proxy lands", "enter")
    keys += ("e", *"Ops to confirm", "ctrl+s")
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_meeting_summary(
    snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]
) -> None:
    keys = (*MEETING, "2", "n", "w", "1", "n", "w", "3", "escape", "enter")
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan(*keys))
