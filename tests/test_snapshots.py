"""Snapshots of the app's screens at 80x24 and 120x40, on the demo project.

The demo is set up as tests/snapshot_app.py says; the cursor does not blink. Update the
snapshots with ``pytest tests/test_snapshots.py --snapshot-update`` and look at them before
committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from reviewtui.tui.app import ReviewApp
from tests.snapshot_app import SIZES, SnapCompare, demo_app

__all__ = ["demo_app"]  # the fixture, used by name


def after_scan(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before hook: wait for the scan, press ``keys``, stop the cursor blinking."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_overview(snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan())


@pytest.mark.parametrize("size", SIZES)
def test_item(snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]) -> None:
    # The build checklist's second item fails on the demo: no USER in the Dockerfile.
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan("down", "enter", "n"))


@pytest.mark.parametrize("size", SIZES)
def test_signoff(snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan("s"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=after_scan("question_mark"))
