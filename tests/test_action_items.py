"""Action items in the app: o on an item sets who fixes it and by when."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from reviewtui.review.model import Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.actions import ACTIONS, Scope, actions_for
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.action import ActionScreen
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.widgets.item_view import action_content

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
SIZE = (100, 32)
# The build checklist's second item fails on the demo: no USER in the Dockerfile.
FAILING = "build.non-root-user"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the demo project, so the review file lands in tmp_path."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


async def open_failing_item(app: ReviewApp, pilot: Pilot[None]) -> ItemScreen:
    """Wait for the scan and walk the build checklist to its failing second item."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("down", "enter", "n")
    screen = app.screen
    assert isinstance(screen, ItemScreen)
    assert screen.walk.current == FAILING
    return screen


def answer_text(app: ReviewApp) -> str:
    return str(app.screen.query_one("#item-answer", Static).content)


def saved_answer(project: Path) -> dict[str, object]:
    document = json.loads((project / ".reviewtui" / "review.json").read_text())
    # An answer left with nothing in it is not saved at all.
    answer: dict[str, object] = document["items"][FAILING].get("answer", {})
    return answer


async def test_o_sets_the_owner_and_due_date_and_the_item_shows_them(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await open_failing_item(app, pilot)
        await pilot.press("o")
        assert isinstance(app.screen, ActionScreen)

        # Enter moves from the owner to the due date; a date that is none is refused.
        await pilot.press(*"@octocat", "enter", *"next week", "enter")
        assert isinstance(app.screen, ActionScreen)
        error = str(app.screen.query_one("#dialog-error", Static).content)
        assert error == "Due date 'next week' is not a date like 2027-01-31."
        assert app.screen.focused is app.screen.query_one("#due", Input)

        app.screen.query_one("#due", Input).value = "2027-01-31"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen)
        assert "Action: owner @octocat, due 2027-01-31" in answer_text(app)
        assert {"owner": "@octocat", "due": "2027-01-31"}.items() <= saved_answer(project).items()

        # Emptying both fields removes the action.
        await pilot.press("o")
        assert isinstance(app.screen, ActionScreen)
        app.screen.query_one("#owner", Input).value = ""
        app.screen.query_one("#due", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen)
        assert "Action:" not in answer_text(app)
        assert "owner" not in saved_answer(project)


async def test_a_due_date_needs_an_owner_and_escape_changes_nothing(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await open_failing_item(app, pilot)
        await pilot.press("o")
        app.screen.query_one("#due", Input).value = "2027-01-31"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ActionScreen)
        error = str(app.screen.query_one("#dialog-error", Static).content)
        assert error == "An action item needs an owner."

        await pilot.press("escape")
        assert isinstance(app.screen, ItemScreen)
        assert app.session.state(FAILING).answer is None


async def test_an_item_that_passes_needs_no_owner(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_failing_item(app, pilot)
        await pilot.press("1")  # the reviewer says it passes
        await pilot.press("o")
        await pilot.pause()

        assert app.screen is screen
        messages = [n.message for n in app._notifications]
        assert "This item is pass: only an open item needs an owner." in messages


def test_the_action_is_one_entry_of_the_item_screen() -> None:
    entry = next(action for action in ACTIONS if action.id == "action-item")

    assert (entry.scope, entry.keys, entry.action) == (Scope.ITEM, "o", "set_action")
    assert hasattr(ItemScreen, "action_set_action")
    assert entry in actions_for(Scope.ITEM)


def test_the_item_view_says_when_an_action_is_overdue_or_done(tmp_path: Path) -> None:
    session = ReviewSession.open(Path(shutil.copytree(DEMO, tmp_path / "demo")), autosave=False)
    session.scan()
    session.set_action(FAILING, "platform-team", "2026-01-31")

    late = action_content(session.state(FAILING), today="2026-12-03")
    session.set_verdict(FAILING, Verdict.PASS)
    done = action_content(session.state(FAILING), today="2026-12-03")

    assert late is not None and done is not None
    assert late.plain.startswith("Action: owner platform-team, due 2026-01-31 (overdue)")
    assert done.plain.startswith("Action: owner platform-team, due 2026-01-31 (done: pass now)")
    assert action_content(session.state("build.healthcheck")) is None
