"""The app's proposed fix, driven with Pilot: F on a failing item shows each target's diff,
which the reviewer applies, skips or copies; a file changed since the scan gets none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from reviewtui.model import Status
from reviewtui.review import model, session
from reviewtui.review.model import Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.commands import ReviewCommands
from reviewtui.tui.screens.fix import FixScreen
from reviewtui.tui.screens.item import ItemScreen
from tests.conftest import write_project

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
SIZE = (100, 32)
FIXED_TIME = "2026-12-03T10:00:00Z"
TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"

HOSTILE_COMPOSE = f"""\
services:
  web:
    image: web:1.0
    environment:
      API_TOKEN: {TOKEN}
    labels:
      note: "[bold red]inert[/] [link=http://evil.example]click[/link]"
"""
"""A service that fails runtime.no-new-privileges, with markup and a token beside the
lines its fix adds."""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the demo project, with a stopped clock."""
    monkeypatch.setattr(model, "now_iso", lambda: FIXED_TIME)
    monkeypatch.setattr(session, "now_iso", lambda: FIXED_TIME)
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


async def settle(app: ReviewApp, pilot: Pilot[None]) -> None:
    """Wait until no worker runs and the fix screen (if shown) is not busy: making a fix,
    writing it and the scan after it each run in a worker that may start the next."""
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        busy = isinstance(screen, FixScreen) and screen.busy
        if not busy and not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("the app did not settle")


async def open_fix(app: ReviewApp, pilot: Pilot[None], item_id: str) -> FixScreen:
    """Walk to ``item_id`` and press F; the fix screen, once its first fix is made."""
    await settle(app, pilot)
    app.open_item(item_id)
    await pilot.pause()
    await pilot.press("F")
    await settle(app, pilot)
    assert isinstance(app.screen, FixScreen), type(app.screen).__name__
    return app.screen


def text_of(screen: FixScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def shown_buttons(screen: FixScreen) -> list[str]:
    return [str(button.id) for button in screen.query(Button) if button.display]


def notices(app: ReviewApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_F_shows_the_diff_and_apply_writes_it_and_the_item_passes(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.session.set_note("build.copy-not-add", "Ask Bob about the archive.\n[b]x[/b]")
        app.open_item("build.copy-not-add")
        await pilot.pause()
        assert "F fix" in str(app.screen.query_one("#walk-verdict", Static).content)
        offered = [hit.text async for hit in ReviewCommands(app.screen).search("propose fix")]
        assert "Propose a fix" in offered
        await pilot.press("F")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FixScreen)

        assert text_of(screen, "#fix-target").startswith("Dockerfile   target 1 of 1")
        assert text_of(screen, "#fix-summary").startswith("Fix: Use COPY instead of ADD")
        assert text_of(screen, "#fix-behaviour") == (
            "✓ Does not change what the service or image does."
        )
        assert text_of(screen, "#fix-check").startswith("Check after: Build the image")
        diff = text_of(screen, "#fix-diff")
        assert diff.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n@@ ")
        assert "\n-ADD . /app\n+COPY . /app\n" in diff
        assert shown_buttons(screen) == ["apply", "skip", "copy", "close"]

        await pilot.press("a")
        await settle(app, pilot)

        assert "COPY . /app\n" in (project / "Dockerfile").read_text()
        state = app.session.state("build.copy-not-add")
        assert state.verdict is Verdict.PASS
        # The reviewer's note stays as written; the fix is a line after it.
        first, second, applied = state.note.split("\n")
        assert (first, second) == ("Ask Bob about the archive.", "[b]x[/b]")
        assert applied.startswith(
            "fix applied to Dockerfile: Use COPY instead of ADD for local files"
        )
        assert applied.endswith("(2026-12-03 10:00 UTC)")
        assert "Dockerfile passes now." in notices(app)
        assert text_of(screen, "#fix-target") == (
            "Applied 1 fix. Nothing left to fix for this item."
        )
        assert shown_buttons(screen) == ["close"]
        await pilot.press("escape")
        assert isinstance(app.screen, ItemScreen)
        assert "F fix" not in str(app.screen.query_one("#walk-verdict", Static).content)

        # The export carries the fixes still proposed: the Dockerfile's USER, say.
        await pilot.press("x")
        await pilot.pause()
        report = (project / ".reviewtui" / "report.md").read_text()
        document = json.loads((project / ".reviewtui" / "report.json").read_text())
        items = {item["id"]: item for item in document["items"]}
        assert "<details><summary>Proposed fix: " in report
        assert items["build.non-root-user"]["fixes"][0]["path"] == "Dockerfile"
        assert items["build.copy-not-add"]["fixes"] == []

    saved = ReviewSession.open(project).state("build.copy-not-add")
    assert saved.note == state.note


async def test_items_without_a_fix_say_so_and_skip_goes_through_the_targets(
    project: Path,
) -> None:
    before = (project / "compose.yaml").read_bytes()
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        for item_id, message in (
            ("operations.cis-benchmark", "No mechanical fix for this item."),
            ("build.healthcheck", "Nothing to fix: no target of this item fails."),
        ):
            app.open_item(item_id)
            await pilot.pause()
            assert "F fix" not in str(app.screen.query_one("#walk-verdict", Static).content)
            await pilot.press("F")
            await pilot.pause()
            assert isinstance(app.screen, ItemScreen)
            assert message in notices(app)
            app.pop_screen()

        screen = await open_fix(app, pilot, "runtime.no-new-privileges")
        assert text_of(screen, "#fix-target").startswith(
            "service db (compose.yaml)   target 1 of 2"
        )
        assert "may change" in text_of(screen, "#fix-behaviour").lower()

        await pilot.press("s")
        await settle(app, pilot)
        assert text_of(screen, "#fix-target").startswith(
            "service worker (compose.yaml)   target 2 of 2"
        )
        assert "+      - no-new-privileges:true\n" in text_of(screen, "#fix-diff")

        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, ItemScreen)

    assert (project / "compose.yaml").read_bytes() == before
    assert app.session.state("runtime.no-new-privileges").note == ""


async def test_copy_puts_the_masked_diff_on_the_clipboard_and_says_so(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_fix(app, pilot, "build.no-secrets-in-arg-env")
        await pilot.press("c")
        await pilot.pause()

        assert screen.proposal is not None
        assert app.clipboard == screen.proposal.diff == text_of(screen, "#fix-diff") + "\n"
        assert "-ENV API_TOKEN=****\n" in app.clipboard
        assert "f3a9c2e17b5d4e8a" not in app.clipboard
        assert any("masked" in n and "will not apply" in n for n in notices(app))
        assert "masked" in text_of(screen, "#fix-status")


async def test_a_file_changed_since_the_scan_offers_only_a_rescan(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        dockerfile = project / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + "# edited after the scan\n")
        screen = await open_fix(app, pilot, "build.copy-not-add")

        assert text_of(screen, "#fix-summary") == (
            "Dockerfile changed since the scan; rescan first"
        )
        assert text_of(screen, "#fix-diff") == ""
        assert shown_buttons(screen) == ["rescan", "skip", "close"]
        await pilot.press("a")
        assert "Nothing to apply here." in notices(app)

        await pilot.press("r")
        await settle(app, pilot)

        assert "+COPY . /app\n" in text_of(screen, "#fix-diff")
        assert "apply" in shown_buttons(screen)
        await pilot.press("a")
        await settle(app, pilot)
        assert dockerfile.read_text().endswith("# edited after the scan\n")
        assert "COPY . /app\n" in dockerfile.read_text()


async def test_a_write_refused_is_one_line_on_the_screen(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_fix(app, pilot, "build.copy-not-add")
        dockerfile = project / "Dockerfile"
        edited = dockerfile.read_text() + "# saved meanwhile\n"
        dockerfile.write_text(edited)

        await pilot.press("a")
        await settle(app, pilot)

        message = "Dockerfile changed since the scan; not changed (scan again first)"
        assert text_of(screen, "#fix-status") == message
        assert message in notices(app)
        assert dockerfile.read_text() == edited
        assert app.session.state("build.copy-not-add").note == ""


async def test_markup_and_secrets_near_the_change_stay_inert_and_masked(tmp_path: Path) -> None:
    root = write_project(tmp_path / "hostile", {"compose.yaml": HOSTILE_COMPOSE})
    app = ReviewApp(root, ReviewSession.open(root))

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_fix(app, pilot, "runtime.no-new-privileges")
        diff = text_of(screen, "#fix-diff")
        await pilot.press("c")
        await pilot.pause()
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())

        assert '      note: "[bold red]inert[/] [link=http://evil.example]click[/link]"' in diff
        assert "API_TOKEN: ****" in diff
        assert "[bold red]inert[/]" in shown
        for text in (diff, shown, app.clipboard):
            assert TOKEN not in text
        await pilot.press("a")
        await settle(app, pilot)

    assert TOKEN in (root / "compose.yaml").read_text()  # the file keeps its real value
    states = ReviewSession.open(root)
    states.scan()
    finding = states.state("runtime.no-new-privileges").findings[0]
    assert finding.status is Status.PASS
