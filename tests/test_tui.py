"""The app driven with Pilot: scan, walk, answer, note, filter, sign off, export, reopen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from reviewtui.model import Evidence, Finding, Problem, Status, Target, TargetKind
from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.actions import ACTIONS, Scope, actions_for, bindings_for, key_names
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.commands import ReviewCommands
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.screens.signoff import SignOffScreen
from reviewtui.tui.walk import Walk, WalkFilter
from reviewtui.tui.widgets.checklist_table import ChecklistTable
from reviewtui.tui.widgets.failing_table import FailingTable
from reviewtui.tui.widgets.item_view import example_language

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
        assert "filter failing" in static_text(app, "#walk-bar")
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
        assert "name" in static_text(app, "#dialog-error")
        assert session.review.signoffs == []
        await pilot.press(*"Ada Lovelace", "tab", *"ada@example.com", "tab", *"security")
        assert "Still open:" in static_text(app, "#signoff-summary")
        await pilot.click("#submit")
        assert "choose a decision" in static_text(app, "#dialog-error")
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

    async with app.run_test(size=(100, 60)) as pilot:
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
    }
    for action in ACTIONS:
        name = "action_" + action.action.split("(")[0]
        owner = owners[action.scope]
        found = hasattr(owner, name) or (not action.bound and hasattr(ReviewApp, name))
        assert found, f"{action.id}: no {name}"


def test_no_key_is_bound_twice_where_it_could_clash() -> None:
    for scope in (Scope.OVERVIEW, Scope.ITEM, Scope.DIALOG):
        keys = [
            key
            for action in actions_for(scope) + actions_for(Scope.APP)
            for key in action.keys.split(",")
        ]
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
