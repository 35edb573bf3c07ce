"""A snapshot of the proposed fix at 80x24 and 120x40, on the demo project.

As in test_snapshots.py: the demo is copied to a folder named ``demo`` and the clock is
fixed. Update with ``pytest tests/test_fix_snapshots.py --snapshot-update`` and look at
the SVGs before committing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from reviewtui.review import model, session
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.fix import FixScreen

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
FIXED_TIME = "2026-12-03T10:00:00Z"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

SnapCompare = Callable[..., bool]


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewApp:
    """The app on a fresh copy of the demo, shown as ``demo``, with a stopped clock."""
    monkeypatch.setattr(model, "now_iso", lambda: FIXED_TIME)
    monkeypatch.setattr(session, "now_iso", lambda: FIXED_TIME)
    root = Path(shutil.copytree(DEMO, tmp_path / "demo"))
    monkeypatch.chdir(tmp_path)
    return ReviewApp(root, ReviewSession.open(root))


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
