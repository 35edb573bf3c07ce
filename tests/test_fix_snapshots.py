"""A snapshot of the proposed fix at 80x24 and 120x40, on the demo project.

The demo is set up as tests/snapshot_app.py says. Update with ``pytest
tests/test_fix_snapshots.py --snapshot-update`` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.fix import FixScreen
from tests.snapshot_app import SIZES, SnapCompare, demo_app

__all__ = ["demo_app"]  # the fixture, used by name


async def fix_of_no_new_privileges(pilot: Pilot[None]) -> None:
    """Wait for the scan, walk to runtime.no-new-privileges and press F: the fix of its
    first failing target, service db."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.open_item("runtime.no-new-privileges")  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("F")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, FixScreen) and app.screen.proposal is not None
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES)
def test_fix(snap_compare: SnapCompare, demo_app: ReviewApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=fix_of_no_new_privileges)
