"""What the snapshot tests share: the demo project copied to a folder named ``demo``, the
clock stopped, and the two terminal sizes, so the path and times on screen never change."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

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
