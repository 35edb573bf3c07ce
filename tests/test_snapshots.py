"""Snapshots of the app's screens at 80x24 and 120x40, on the demo project.

The project is copied to a folder named ``demo`` and the clock is fixed, so the path and
times on screen never change; the cursor does not blink. Update the snapshots with
``pytest tests/test_snapshots.py --snapshot-update`` and look at them before committing.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from reviewtui.review import model, session
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp

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
