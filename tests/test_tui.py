"""The app driven with Pilot: scan, walk, answer, note, filter, sign off, export, reopen."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from textual.widgets._toast import Toast
from textual.worker import WorkerFailed

from reviewtui.model import Evidence, Finding, Problem, Status, Target, TargetKind
from reviewtui.review import store
from reviewtui.review.model import Decision, Review, Verdict
from reviewtui.review.session import ReviewSession, ScanProgress
from reviewtui.tui.actions import ACTIONS, Scope, actions_for, bindings_for, key_names
from reviewtui.tui.app import ReviewApp, run_app
from reviewtui.tui.commands import ReviewCommands
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.screens.fix import FixScreen
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.screens.meeting import MeetingScreen
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.screens.signoff import SignOffScreen
from reviewtui.tui.walk import Walk, WalkFilter
from reviewtui.tui.widgets.checklist_table import ChecklistTable
from reviewtui.tui.widgets.failing_table import FailingTable
from reviewtui.tui.widgets.item_view import ItemView, example_language

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
SIZE = (100, 32)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the demo project, so the review file lands in tmp_path."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


def screen_text(app: ReviewApp) -> str:
    """The characters on the screen now, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def static_text(app: ReviewApp, selector: str) -> str:
    """The plain text of one Static on the current screen."""
    return str(app.screen.query_one(selector, Static).content)


async def finish_scan(app: ReviewApp, pilot: Pilot[None]) -> None:
    """Wait for the background scan and the screen updates it causes."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def item_screen(app: ReviewApp) -> ItemScreen:
    """The current screen, which must be the walk."""
    assert isinstance(app.screen, ItemScreen), type(app.screen).__name__
    return app.screen


async def test_overview_paints_before_the_scan_and_counts_after(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OverviewScreen)
        await finish_scan(app, pilot)

        table = app.screen.query_one(ChecklistTable)
        assert app.scan_state.running is False
        assert app.session.review.scanned_at
        assert [str(key.value) for key in table.rows] == [
            "image",
            "build",
            "runtime",
            "operations",
            "*all*",
        ]
        total = sum(len(c.items) for c in app.session.catalogue.checklists)
        assert f"0/{total}" in screen_text(app)
        assert "scanned" in screen_text(app)


async def test_a_whole_review_is_saved_and_survives_a_restart(project: Path) -> None:
    session = ReviewSession.open(project)
    image = session.catalogue.checklists[0]
    first, second, third = (item.id for item in image.items[:3])
    app = ReviewApp(project, session)

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)

        # Walk: enter opens the first item, n/p and the arrows move.
        await pilot.press("enter")
        assert item_screen(app).walk.current == first
        await pilot.press("n")
        assert item_screen(app).walk.current == second
        await pilot.press("p")
        assert item_screen(app).walk.current == first
        await pilot.press("right", "right", "left")
        assert item_screen(app).walk.current == second
        await pilot.press("k")
        assert item_screen(app).walk.current == first

        # Answer: pass on the first item.
        await pilot.press("1")
        assert session.state(first).answer is not None
        assert session.state(first).verdict is Verdict.PASS
        assert "✓ pass" in static_text(app, "#item-answer")

        # Accepted risk needs a reason: an empty one is refused in the dialog.
        await pilot.press("n", "4")
        assert isinstance(app.screen, RiskReasonScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, RiskReasonScreen)
        assert "needs a reason" in static_text(app, "#dialog-error")
        await pilot.press(*"until the new base lands")
        await pilot.press("enter")
        assert session.state(second).verdict is Verdict.ACCEPTED_RISK
        assert "until the new base lands" in static_text(app, "#item-answer")

        # Note: a TextArea dialog that saves on ctrl+s.
        await pilot.press("n", "e")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"asked [bold]ops[/]")
        await pilot.press("ctrl+s")
        assert session.state(third).note == "asked [bold]ops[/]"
        assert "asked [bold]ops[/]" in static_text(app, "#item-answer")

        # Clear an answer again with 0.
        await pilot.press("p", "p", "0")
        assert session.state(first).answered is False
        await pilot.press("1")

        # Filter: failing, then unanswered; every stop matches.
        await pilot.press("f")
        assert app.walk_filter is WalkFilter.FAILING
        assert "filter failing" in static_text(app, "#walk-where")
        failing = [
            s.item.id
            for s in session.states()
            if s.item.checklist == image.name and s.verdict is Verdict.FAIL
        ]
        visited = []
        for _ in failing:
            await pilot.press("n")
            visited.append(item_screen(app).walk.current)
        assert set(visited) <= set(failing)
        await pilot.press("f")
        assert app.walk_filter is WalkFilter.UNANSWERED
        await pilot.press("n")
        assert session.state(item_screen(app).walk.current).answered is False
        await pilot.press("f")
        assert app.walk_filter is WalkFilter.ALL

        # Back to the overview, whose counts include the answers.
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        assert "2/" in screen_text(app)

        # Sign off: the name is required, then the digest shows.
        await pilot.press("s")
        assert isinstance(app.screen, SignOffScreen)
        await pilot.click("#submit")
        assert "name" in static_text(app, "#name-error")
        assert session.review.signoffs == []
        await pilot.press(*"Ada Lovelace", "tab", *"ada@example.com", "tab", *"security")
        assert "Still open:" in static_text(app, "#signoff-summary")
        await pilot.click("#submit")
        assert "Choose a decision" in static_text(app, "#decision-error")
        assert not app.screen.query_one("#name-error").display
        assert session.review.signoffs == []
        await pilot.click("#decision-approved_with_conditions")
        await pilot.click("#submit")
        assert len(session.review.signoffs) == 1
        assert session.digest() in static_text(app, "#signoff-result")
        await pilot.click("#done")
        assert isinstance(app.screen, OverviewScreen)
        line = static_text(app, "#signoff-line")
        assert "approved with conditions by Ada Lovelace (security)" in line

        # Export: the Markdown and JSON reports are written into .reviewtui/.
        await pilot.press("x")
        await pilot.pause()
        assert (project / ".reviewtui" / "report.md").is_file()
        assert json.loads((project / ".reviewtui" / "report.json").read_text())

    saved = json.loads((project / ".reviewtui" / "review.json").read_text())
    answers = {item_id: entry.get("answer") for item_id, entry in saved["items"].items()}
    assert answers[first]["verdict"] == "pass"
    assert answers[second] == answers[second] | {
        "verdict": "accepted_risk",
        "reason": "until the new base lands",
    }
    assert answers[third]["note"] == "asked [bold]ops[/]"
    assert saved["signoffs"][0]["name"] == "Ada Lovelace"
    assert saved["signoffs"][0]["email"] == "ada@example.com"
    assert saved["signoffs"][0]["decision"] == Decision.APPROVED_WITH_CONDITIONS.value
    assert saved["signoffs"][0]["digest"] == session.digest()

    # A new app on the same folder shows the note and the sign-off.
    reopened = ReviewApp(project, ReviewSession.open(project))
    async with reopened.run_test(size=SIZE) as pilot:
        await finish_scan(reopened, pilot)
        assert "Ada Lovelace" in static_text(reopened, "#signoff-line")
        await pilot.press("enter", "n", "n")
        assert item_screen(reopened).walk.current == third
        assert "asked [bold]ops[/]" in static_text(reopened, "#item-answer")


async def test_scanned_text_is_never_read_as_markup(project: Path) -> None:
    session = ReviewSession.open(project)
    item = session.catalogue.items[0]
    session.review.findings[item.id] = [
        Finding(
            Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile"),
            Status.FAIL,
            "reason with [bold red]x[/] in it",
            (
                Evidence(
                    "Dockerfile", 3, 'LABEL a="[bold red]x[/]" b="[link=https://e.x]y[/link]"'
                ),
            ),
        ),
    ]
    session.review.problems = [Problem("[b]odd[/b].yml", 2, "cannot parse [red]this[/red]")]
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        overview = screen_text(app)
        assert "[b]odd[/b].yml:2  cannot parse [red]this[/red]" in overview

        await pilot.press("enter")
        shown = screen_text(app)
        assert "reason with [bold red]x[/] in it" in shown
        assert 'LABEL a="[bold red]x[/]" b="[link=https://e.x]y[/link]"' in shown


async def test_a_damaged_review_file_is_reported_once(project: Path) -> None:
    review = project / ".reviewtui" / "review.json"
    review.parent.mkdir()
    review.write_text("{ not json", encoding="utf-8")
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        notices = [n.message for n in app._notifications]
        assert len(notices) == 1
        assert "kept a copy at review.json.broken-" in notices[0]


async def test_answering_waits_for_the_scan(project: Path) -> None:
    session = ReviewSession.open(project)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        app.scan_state = app.scan_state.__class__(running=True, step="reading")
        await pilot.press("1")
        assert session.state(item_screen(app).walk.current).answered is False


async def test_an_answered_item_whose_detection_changed_warns(project: Path) -> None:
    session = ReviewSession.open(project)
    item = next(i for i in session.catalogue.items if i.automatic)
    target = Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile")
    evidence = (Evidence("Dockerfile", 1, "FROM x"),)
    session.review.findings[item.id] = [Finding(target, Status.PASS, "fine", evidence)]
    session.set_verdict(item.id, Verdict.PASS)
    session.review.findings[item.id] = [Finding(target, Status.FAIL, "not fine", evidence)]
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_walk(item.checklist)
        await pilot.pause()
        while item_screen(app).walk.current != item.id:
            await pilot.press("n")
        assert "it was pass, it is fail now" in static_text(app, "#item-answer")


async def test_a_long_list_of_targets_is_cut_until_asked(project: Path) -> None:
    session = ReviewSession.open(project)
    item = next(i for i in session.catalogue.items if i.automatic)
    session.review.findings[item.id] = [
        Finding(
            Target(TargetKind.DOCKERFILE, f"svc{n:02}/Dockerfile", f"svc{n:02}/Dockerfile"),
            Status.FAIL if n % 10 == 0 else Status.PASS,
            "reason",
            (Evidence(f"svc{n:02}/Dockerfile", 1, "FROM x"),),
        )
        for n in range(40)
    ]
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_item(item.id)
        await pilot.pause()
        detected = static_text(app, "#item-detected")
        assert "(4 of 40 targets fail)" in detected
        assert "… and 15 more targets (15 pass)" in detected
        # Failing targets come first, so all four are among those drawn.
        assert all(f"svc{n:02}/Dockerfile" in detected for n in (0, 10, 20, 30))

        await pilot.press("t")
        detected = static_text(app, "#item-detected")
        assert "more targets" not in detected
        assert detected.count("✓ pass  svc") == 36


async def test_clicking_a_checklist_row_opens_its_walk(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ChecklistTable)
        # The first click highlights the third row (under the border and the header), the
        # second selects it.
        await pilot.click(ChecklistTable, offset=(4, 4))
        await pilot.click(ChecklistTable, offset=(4, 4))
        await pilot.pause()
        screen = item_screen(app)
        assert screen.checklist is not None
        assert screen.checklist.name == str(table.coordinate_to_cell_key((2, 0))[0].value)


async def test_a_failing_item_opens_from_the_overview(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        failing = app.screen.query_one(FailingTable)
        assert failing.row_count == sum(
            1 for state in app.session.states() if state.verdict is Verdict.FAIL
        )
        assert failing.row_count > 0
        first = str(failing.coordinate_to_cell_key((0, 0))[0].value)

        await pilot.press("tab", "enter")
        screen = item_screen(app)
        assert screen.walk.current == first
        assert app.session.state(first).verdict is Verdict.FAIL
        assert screen.checklist is not None
        assert screen.checklist.name == app.session.state(first).item.checklist


async def test_help_lists_every_action_and_toggles(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=(100, 90)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for action in ACTIONS:
            assert action.help in shown, action.id
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, OverviewScreen)


async def test_palette_offers_what_fits_the_screen(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)
    filter_title = next(a.title for a in ACTIONS if a.id == "filter")

    async with app.run_test(size=SIZE) as pilot:
        overview_all = [hit.text async for hit in ReviewCommands(app.screen).discover()]
        overview_filter = [hit.text async for hit in ReviewCommands(app.screen).search("filt")]
        await pilot.press("enter")
        item_filter = [hit.text async for hit in ReviewCommands(app.screen).search("filt")]

    assert "Walk every item" in overview_all
    assert "Sign off" in overview_all
    assert filter_title not in overview_all + overview_filter
    assert filter_title in item_filter


async def test_palette_runs_a_screen_action(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"walk every")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        screen = item_screen(app)
        assert screen.checklist is None
        assert len(screen.walk.item_ids) == len(app.session.catalogue.items)


async def test_note_dialog_cancel_keeps_the_old_note(project: Path) -> None:
    session = ReviewSession.open(project)
    first = session.catalogue.items[0].id
    session.set_note(first, "keep me")
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "e")
        area = app.screen.query_one("#note", TextArea)
        assert area.text == "keep me"
        await pilot.press(*" and more", "escape")
        assert session.state(first).note == "keep me"


async def test_signoff_form_starts_from_the_last_signer(project: Path) -> None:
    session = ReviewSession.open(project)
    session.sign_off("Grace Hopper", "grace@example.com", "lead", Decision.APPROVED)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.screen.query_one("#name", Input).value == "Grace Hopper"
        await pilot.press("escape")
        assert len(session.review.signoffs) == 1


def test_walk_steps_only_to_matching_items() -> None:
    class FakeState:
        def __init__(self, verdict: Verdict, answered: bool) -> None:
            self.verdict = verdict
            self.answered = answered

    states = {
        "a": FakeState(Verdict.PASS, True),
        "b": FakeState(Verdict.FAIL, False),
        "c": FakeState(Verdict.PASS, False),
        "d": FakeState(Verdict.FAIL, True),
    }
    walk = Walk(list(states))

    assert walk.step(states, WalkFilter.FAILING, +1)  # type: ignore[arg-type]
    assert walk.current == "b"
    assert walk.step(states, WalkFilter.FAILING, +1)  # type: ignore[arg-type]
    assert walk.current == "d"
    assert not walk.step(states, WalkFilter.FAILING, +1)  # type: ignore[arg-type]
    assert walk.current == "d"
    assert walk.step(states, WalkFilter.UNANSWERED, -1)  # type: ignore[arg-type]
    assert walk.current == "c"
    assert walk.count(states, WalkFilter.UNANSWERED) == 2  # type: ignore[arg-type]
    assert walk.first_match(states, WalkFilter.FAILING)  # type: ignore[arg-type]
    assert walk.current == "b"
    assert [f.following() for f in WalkFilter] == [
        WalkFilter.FAILING,
        WalkFilter.UNANSWERED,
        WalkFilter.ALL,
    ]


def test_every_bound_action_has_a_method_to_run() -> None:
    owners = {
        Scope.APP: ReviewApp,
        Scope.OVERVIEW: OverviewScreen,
        Scope.ITEM: ItemScreen,
        Scope.DIALOG: RiskReasonScreen,
        Scope.MEETING: MeetingScreen,
        Scope.FIX: FixScreen,
    }
    for action in ACTIONS:
        name = "action_" + action.action.split("(")[0]
        owner = owners[action.scope]
        found = hasattr(owner, name) or (not action.bound and hasattr(ReviewApp, name))
        assert found, f"{action.id}: no {name}"


def test_no_key_is_bound_twice_where_it_could_clash() -> None:
    # Dialogs are modal: the app's keys do not reach them, so ctrl+s saves the dialog
    # there and the review elsewhere.
    for scope in (Scope.OVERVIEW, Scope.ITEM, Scope.DIALOG):
        reaching = actions_for(scope) + ([] if scope is Scope.DIALOG else actions_for(Scope.APP))
        keys = [key for action in reaching for key in action.keys.split(",")]
        clashing = {key for key in keys if keys.count(key) > 1}
        assert not clashing, (scope, clashing)
    assert key_names(next(a for a in ACTIONS if a.id == "next")) == "n → j"
    assert len(bindings_for(Scope.ITEM)) > len(actions_for(Scope.ITEM))


@pytest.mark.parametrize(
    ("example", "language"),
    [
        ("FROM python:3.12-slim\nUSER 10001", "docker"),
        ("# a comment first\nRUN true", "docker"),
        ("services:\n  app:\n    read_only: true", "yaml"),
        ("- name: Scan image\n  run: trivy image", "yaml"),
        ('{\n  "icc": false\n}', "json"),
        ("docker build --secret id=npmrc .", "bash"),
    ],
)
def test_examples_are_highlighted_in_their_language(example: str, language: str) -> None:
    assert example_language(example) == language


# What a tester met when using the app for real


def notices(app: ReviewApp) -> list[str]:
    """The messages of the toasts shown now, oldest first."""
    return [notification.message for notification in app._notifications]


async def test_a_review_that_cannot_be_saved_is_kept_in_memory_and_saved_later(
    project: Path,
) -> None:
    # A file where the review's folder should be: every save fails.
    (project / ".reviewtui").write_text("not a folder", encoding="utf-8")
    app = ReviewApp(project)

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        assert not any("scan failed" in message for message in notices(app))
        await pilot.press("enter", "1")
        await pilot.pause()

        first = item_screen(app).walk.current
        assert app.session.state(first).verdict is Verdict.PASS
        assert "✓ pass (yours)" in static_text(app, "#walk-verdict")
        failure = [m for m in notices(app) if m.startswith("Cannot save")]
        assert failure == [
            "Cannot save the review to .reviewtui/review.json: .reviewtui is a file, not a "
            "folder. Your answers are kept in memory: fix it and press ctrl+s, or they are "
            "saved with the next change."
        ]
        assert app.sub_title.endswith("NOT SAVED")

        # The same failure again replaces its toast rather than stacking a second one.
        await pilot.press("n", "2")
        await pilot.pause()
        assert len([m for m in notices(app) if m.startswith("Cannot save")]) == 1

        # Fixed: ctrl+s saves every answer kept in memory.
        (project / ".reviewtui").unlink()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Saved .reviewtui/review.json" in notices(app)
        assert not any(m.startswith("Cannot save") for m in notices(app))
        assert not app.sub_title.endswith("NOT SAVED")

    saved = json.loads((project / ".reviewtui" / "review.json").read_text())
    verdicts = {
        key: entry.get("answer", {}).get("verdict") for key, entry in saved["items"].items()
    }
    assert verdicts[first] == "pass"
    assert list(verdicts.values()).count("fail") == 1


async def test_a_failed_save_is_retried_with_the_next_change(project: Path) -> None:
    (project / ".reviewtui").write_text("", encoding="utf-8")
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        await pilot.press("enter", "1")
        assert app.unsaved
        (project / ".reviewtui").unlink()
        await pilot.press("n", "3")
        await pilot.pause()
        assert not app.unsaved

    assert (project / ".reviewtui" / "review.json").is_file()


async def test_quitting_with_answers_not_saved_asks_twice(project: Path) -> None:
    (project / ".reviewtui").write_text("", encoding="utf-8")
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        await pilot.press("enter", "1", "escape", "q")
        await pilot.pause()
        assert app.is_running
        assert any("press q again" in message for message in notices(app))
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


def test_a_crash_gives_a_non_zero_exit_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ReviewApp.run

    def headless(self: ReviewApp) -> None:
        run(self, headless=True, size=SIZE)

    def crash(self: OverviewScreen) -> None:
        raise RuntimeError("a bug in the app")

    monkeypatch.setattr(ReviewApp, "run", headless)
    monkeypatch.setattr(OverviewScreen, "on_mount", crash)

    assert run_app(project) == 1


async def test_the_saved_review_is_read_after_the_first_frame(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = ReviewSession.open(project)
    first = session.catalogue.items[0].id
    session.set_verdict(first, Verdict.NOT_APPLICABLE)
    release = threading.Event()
    load = store.load

    def slow_load(path: Path) -> Review:
        release.wait(10)
        return load(path)

    monkeypatch.setattr(store, "load", slow_load)
    app = ReviewApp(project)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The overview is up while the review file is still being read.
        assert isinstance(app.screen, OverviewScreen)
        assert "Loading the saved review…" in screen_text(app)
        await pilot.press("enter", "1")
        assert any("Wait for the saved review" in message for message in notices(app))
        assert app.session.state(first).verdict is Verdict.UNKNOWN

        release.set()
        await finish_scan(app, pilot)
        assert app.session.state(first).verdict is Verdict.NOT_APPLICABLE
        assert "Loading" not in screen_text(app)


async def test_the_walk_bar_counts_the_items_the_filter_shows(project: Path) -> None:
    session = ReviewSession.open(project)
    session.scan()
    build = next(c for c in session.catalogue.checklists if c.name == "build")
    failing = [item.id for item in build.items if session.state(item.id).verdict is Verdict.FAIL]
    assert len(failing) >= 2
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_walk("build")
        await pilot.pause()
        assert f"item 1 of {len(build.items)} · filter all" in static_text(app, "#walk-where")

        await pilot.press("f")
        # The walk goes to the first failing item, and counts only failing ones.
        assert item_screen(app).walk.current == failing[0]
        assert f"item 1 of {len(failing)} · filter failing" in static_text(app, "#walk-where")
        await pilot.press("n")
        assert f"item 2 of {len(failing)} · filter failing" in static_text(app, "#walk-where")

        # Passed by the reviewer, the item leaves the filter, and the bar says so.
        await pilot.press("1")
        left = len(failing) - 1
        assert f"not one of the {left} failing" in static_text(app, "#walk-where")


async def test_the_unanswered_filter_moves_to_an_unanswered_item(project: Path) -> None:
    session = ReviewSession.open(project)
    build = next(c for c in session.catalogue.checklists if c.name == "build")
    session.set_verdict(build.items[0].id, Verdict.PASS)
    session.set_verdict(build.items[1].id, Verdict.PASS)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_walk("build")
        await pilot.pause()
        assert item_screen(app).walk.current == build.items[0].id
        await pilot.press("f", "f")
        assert app.walk_filter is WalkFilter.UNANSWERED
        assert item_screen(app).walk.current == build.items[2].id
        assert f"item 1 of {len(build.items) - 2}" in static_text(app, "#walk-where")


async def test_no_unanswered_items_is_said_plainly(project: Path) -> None:
    session = ReviewSession.open(project)
    build = next(c for c in session.catalogue.checklists if c.name == "build")
    for item in build.items:
        session.set_verdict(item.id, Verdict.NOT_APPLICABLE)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_walk("build")
        await pilot.pause()
        await pilot.press("f", "f")
        assert "No unanswered items here." in notices(app)
        assert "no unanswered items" in static_text(app, "#walk-where")
        await pilot.press("n")
        assert "No unanswered items here; f changes the filter." in notices(app)
        assert not any("last" in message for message in notices(app))


async def test_the_last_item_says_so_once(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "p", "p", "p")
        await pilot.pause()
        assert notices(app).count("This is the first item here.") == 1


async def test_toasts_stay_few(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=SIZE) as pilot:
        for number in range(6):
            app.notify(f"notice {number}")
        await pilot.pause()
        assert notices(app) == ["notice 3", "notice 4", "notice 5"]


async def test_export_says_where_in_one_short_line(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert notices(app) == ["Wrote .reviewtui/report.md, .json, .sarif"]
        await pilot.pause(0.1)
        assert app.screen.query_one(Toast).size.height == 1


async def test_rescan_says_it_runs_and_what_changed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = ReviewSession.open(project)
    app = ReviewApp(project, session)
    release = threading.Event()
    scan = session.scan

    def held_scan(progress: ScanProgress | None = None) -> None:
        release.wait(10)
        scan(progress)

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        await pilot.press("enter")
        (project / "Dockerfile").write_text("FROM scratch\nUSER 10001\n", encoding="utf-8")
        monkeypatch.setattr(session, "scan", held_scan)
        await pilot.press("r")
        await pilot.pause()
        assert "Scanning…" in notices(app)
        release.set()
        await finish_scan(app, pilot)
        done = [m for m in notices(app) if m.startswith("Scan done")]
        assert len(done) == 1
        assert done[0].endswith("items changed.")
        assert "Scanning…" not in notices(app)

        await pilot.press("r")
        await finish_scan(app, pilot)
        assert "Scan done: nothing changed." in notices(app)


async def test_t_says_when_every_target_is_shown_already(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        app.open_item("build.non-root-user")
        await pilot.pause()
        await pilot.press("t")
        assert "The only target is shown already." in notices(app)


@pytest.mark.parametrize(("top", "bottom"), [("home", "end"), ("g", "G")])
async def test_home_and_end_scroll_to_the_very_top_and_bottom(
    project: Path, top: str, bottom: str
) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=(80, 24)) as pilot:
        await finish_scan(app, pilot)
        app.open_item("build.non-root-user")
        await pilot.pause()
        view = app.screen.query_one("#item-view", ItemView)
        assert view.max_scroll_y > 0
        await pilot.press(bottom)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        # Even with the focus elsewhere, the keys scroll the item.
        app.set_focus(None)
        await pilot.press(top)
        await pilot.pause()
        assert view.scroll_y == 0
        assert "Final stage runs as a non-root user" in screen_text(app)


async def test_wrapped_evidence_keeps_its_indent(project: Path) -> None:
    session = ReviewSession.open(project)
    item = next(i for i in session.catalogue.items if i.automatic)
    snippet = "RUN " + " ".join(f"step{n}" for n in range(30))
    session.review.findings[item.id] = [
        Finding(
            Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile"),
            Status.FAIL,
            "a reason long enough to wrap at eighty columns, " * 2,
            (Evidence("Dockerfile", 3, snippet),),
        )
    ]
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        app.open_item(item.id)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        start = next(n for n, line in enumerate(lines) if "Dockerfile:3  RUN step0" in line)
        evidence_column = lines[start].index("Dockerfile:3")
        continued = lines[start + 1]
        assert "step" in continued
        assert len(continued) - len(continued.lstrip()) == evidence_column + 2
        reason = next(n for n, line in enumerate(lines) if "a reason long enough" in line)
        assert lines[reason + 1].startswith(" " * (evidence_column + 2))


def test_hanging_text_wraps_under_itself() -> None:
    text = HangingText(
        [
            Line(Content("first line")),
            Line(Content("alpha beta gamma delta epsilon"), indent=4, hang=2),
        ]
    )

    assert text.wrapped(20).plain.split("\n") == [
        "first line",
        "    alpha beta gamma",
        "      delta epsilon",
    ]
    assert text.get_height({}, 20) == 3
    assert str(text) == "first line\n    alpha beta gamma delta epsilon"


async def test_who_answers_an_item_is_said_truly(project: Path) -> None:
    session = ReviewSession.open(project)
    manual = next(i for i in session.catalogue.items if not i.automatic)
    automatic = next(i for i in session.catalogue.items if i.automatic)
    session.review.findings[automatic.id] = []
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=SIZE) as pilot:
        app.open_item(manual.id)
        await pilot.pause()
        assert "a person answers this" in static_text(app, "#item-heading")
        app.open_item(automatic.id)
        await pilot.pause()
        assert "nothing in the project answers this" in static_text(app, "#item-heading")
        assert "detected from files" not in static_text(app, "#item-heading")


async def test_a_folder_without_docker_files_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "typo"
    empty.mkdir()
    (empty / "README.md").write_text("nothing for docker here\n", encoding="utf-8")
    app = ReviewApp(empty)

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        problems = static_text(app, "#problem-text")
        assert problems.startswith("No Docker files found in ")
        assert "every item needs a person" in problems
        assert "Every file the review looks at was read." not in problems
    assert not (empty / ".reviewtui").exists()


async def test_the_failing_table_sizes_its_targets_column(project: Path) -> None:
    session = ReviewSession.open(project)
    automatic = [i for i in session.catalogue.items if i.automatic]
    many, passed = automatic[0], automatic[1]
    session.review.findings[many.id] = [
        Finding(
            Target(TargetKind.SERVICE, "compose.yaml", f"svc{n}"),
            Status.FAIL,
            "reason",
            (Evidence("compose.yaml", 1, "services:"),),
        )
        for n in range(5000)
    ]
    session.review.findings[passed.id] = [
        Finding(
            Target(TargetKind.SERVICE, "compose.yaml", f"svc{n}"),
            Status.PASS,
            "fine",
            (Evidence("compose.yaml", 1, "services:"),),
        )
        for n in range(2)
    ]
    session.set_verdict(passed.id, Verdict.FAIL)
    manual = next(i for i in session.catalogue.items if not i.automatic)
    session.set_verdict(manual.id, Verdict.FAIL)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(FailingTable)
        cells = {str(key.value): str(table.get_cell(key, "targets")) for key in table.rows}
        assert cells[many.id] == "5000 of 5000"
        assert cells[passed.id] == "yours"
        assert cells[manual.id] == "yours"
        table.focus()
        await pilot.pause()
        assert "5000 of 5000" in screen_text(app)


async def test_signoff_errors_stand_by_their_fields(project: Path) -> None:
    session = ReviewSession.open(project)
    app = ReviewApp(project, session, scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.press(*"Ada", "tab", *"ada at example", "tab")
        await pilot.click("#decision-approved")
        await pilot.click("#submit")

        email = app.screen.query_one("#email", Input)
        assert static_text(app, "#email-error") == "'ada at example' is not an email address."
        assert app.screen.query_one("#email-error").display
        assert not app.screen.query_one("#name-error").display
        assert not app.screen.query_one("#decision-error").display
        assert email.has_class("-refused")
        assert app.focused is email
        assert session.review.signoffs == []

        # Typing takes the complaint away; a good address signs.
        email.value = "ada@example.com"
        await pilot.pause()
        assert not app.screen.query_one("#email-error").display
        assert not email.has_class("-refused")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(session.review.signoffs) == 1


async def test_the_walk_bar_keeps_the_verdict_at_80_columns(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project), scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w", "f", "f", "3")
        await pilot.pause()
        bar = screen_text(app).splitlines()[1]
        assert bar.startswith(" All checklists · ")
        assert bar.rstrip().endswith("– not applicable (yours)")


async def test_a_review_file_that_cannot_be_opened_takes_no_answers(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".reviewtui").mkdir()
    (project / ".reviewtui" / "review.json").write_text("{}", encoding="utf-8")

    def unreadable(path: Path) -> Review:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "load", unreadable)
    app = ReviewApp(project)

    async with app.run_test(size=SIZE) as pilot:
        # The failed worker may be gone before this waits for it.
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(m.startswith("Cannot open the saved review") for m in notices(app))
        await pilot.press("enter", "1")
        first = item_screen(app).walk.current
        assert app.session.state(first).answered is False
        assert any("nothing can be answered" in message for message in notices(app))


async def test_the_palette_finds_items_by_title_and_opens_them(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))

    async with app.run_test(size=SIZE) as pilot:
        await finish_scan(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"read-only root")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert item_screen(app).walk.current == "runtime.read-only-rootfs"


async def test_quitting_with_a_note_half_typed_asks_first(project: Path) -> None:
    session = ReviewSession.open(project)
    app = ReviewApp(project, session)

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await finish_scan(app, pilot)
        await pilot.press("enter", "e", *"half typed")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running, "the first ctrl+q only warns"
        assert any("not saved: ctrl+s saves it" in notice for notice in notices(app))
        await pilot.press("ctrl+s")
        await pilot.pause()
        first = session.catalogue.checklists[0].items[0].id
        assert session.state(first).note == "half typed"
