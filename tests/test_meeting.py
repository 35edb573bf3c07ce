"""Meeting mode: the record in the review file, the session's meeting, the report's
section, and the meeting walked by keyboard in the app."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from reviewtui.report.meeting_section import meeting_section
from reviewtui.review import model, session, store
from reviewtui.review.meeting import Meeting, duration_words, parse_attendees
from reviewtui.review.model import Review, Verdict
from reviewtui.review.session import AnswerError, ReviewSession, ScanProgress
from reviewtui.tui.actions import ACTIONS, Scope, actions_for, key_names
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.meeting import MeetingScreen
from reviewtui.tui.screens.meeting_attendees import AttendeesScreen
from reviewtui.tui.screens.meeting_end import EndMeetingScreen, MeetingSummaryScreen
from reviewtui.tui.screens.meeting_walk import MeetingFilter, progress_words
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.widgets.item_view import ItemView

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
SIZE = (100, 32)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the demo project."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A clock the test moves by hand: set ``clock[0]`` to the time it should say."""
    now = ["2026-12-03T10:00:00Z"]
    monkeypatch.setattr(model, "now_iso", lambda: now[0])
    monkeypatch.setattr(session, "now_iso", lambda: now[0])
    yield now


def scanned(root: Path) -> ReviewSession:
    """The project's session, scanned."""
    review = ReviewSession.open(root)
    review.scan()
    return review


def saved_document(root: Path) -> dict[str, object]:
    """The review file as JSON."""
    document = json.loads(store.default_path(root).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


# The record


def test_attendees_are_read_one_per_line_or_comma_separated() -> None:
    assert parse_attendees("Ada Lovelace\nBob, Cy\n\n ada lovelace ,  Dee  Dee") == [
        "Ada Lovelace",
        "Bob",
        "Cy",
        "Dee Dee",
    ]
    assert parse_attendees(" , \n ") == []


def test_a_meeting_lasts_from_its_start_to_its_end() -> None:
    meeting = Meeting("2026-12-03T10:00:00Z", ["Ada"], ended="2026-12-03T11:05:30Z")

    assert meeting.minutes() == 65
    assert duration_words(meeting.minutes()) == "1 h 05 min"
    assert duration_words(42) == "42 minutes"
    assert duration_words(0) == "under a minute"
    assert Meeting("2026-12-03T10:00:00Z", ["Ada"]).minutes("2026-12-03T10:01:00Z") == 1
    assert Meeting("garbage", ["Ada"], ended="2026-12-03T10:00:00Z").minutes() is None
    assert duration_words(None) == ""


def test_a_meeting_is_saved_with_its_decisions_and_read_back(
    project: Path, clock: list[str]
) -> None:
    review = scanned(project)
    items = [item.id for item in review.catalogue.items]

    review.start_meeting(["Ada", "Bob"])
    review.decide_in_meeting(items[0], Verdict.PASS, "", "Ada")
    clock[0] = "2026-12-03T10:20:00Z"
    review.decide_in_meeting(items[1], Verdict.ACCEPTED_RISK, "until Q3", "Bob")
    review.decide_in_meeting(items[0], Verdict.FAIL, "", "Bob")
    clock[0] = "2026-12-03T10:42:00Z"
    ended = review.end_meeting()

    assert ended is not None and review.meeting is None
    document = saved_document(project)
    assert document["meetings"] == [
        {
            "started": "2026-12-03T10:00:00Z",
            "ended": "2026-12-03T10:42:00Z",
            "attendees": ["Ada", "Bob"],
            "decisions": [items[0], items[1]],
        }
    ]
    again = ReviewSession.open(project)
    assert again.review.meetings == [ended]
    assert again.state(items[0]).answer is not None
    assert again.state(items[0]).answer.decided_by == "Bob"
    assert again.state(items[0]).verdict is Verdict.FAIL
    assert again.state(items[1]).answer is not None
    assert again.state(items[1]).answer.reason == "until Q3"
    assert again.review.meetings[0].minutes() == 42


def test_a_review_without_meetings_is_written_as_before(project: Path) -> None:
    review = scanned(project)
    review.set_verdict(review.catalogue.items[0].id, Verdict.PASS)

    assert "meetings" not in saved_document(project)
    assert "decided_by" not in store.default_path(project).read_text(encoding="utf-8")


def test_a_meeting_needs_an_attendee_and_decides_only_while_under_way(project: Path) -> None:
    review = scanned(project)
    item = review.catalogue.items[0].id

    with pytest.raises(AnswerError, match="at least one attendee"):
        review.start_meeting([" ", ""])
    with pytest.raises(AnswerError, match="no meeting"):
        review.decide_in_meeting(item, Verdict.PASS, "", "Ada")
    assert review.end_meeting() is None

    meeting = review.start_meeting(["Ada"])
    with pytest.raises(AnswerError, match="needs a reason"):
        review.decide_in_meeting(item, Verdict.ACCEPTED_RISK, " ", "Ada")
    assert meeting.decisions == []
    assert review.state(item).answered is False


def test_a_meeting_the_app_never_ended_goes_on(project: Path, clock: list[str]) -> None:
    first = scanned(project)
    item = first.catalogue.items[0].id
    first.start_meeting(["Ada", "Bob"])
    first.decide_in_meeting(item, Verdict.PASS, "", "Ada")

    # The app stopped here without ending the meeting; the next start goes on with it.
    clock[0] = "2026-12-03T10:30:00Z"
    second = ReviewSession.open(project)
    assert second.meeting is not None
    resumed = second.start_meeting(["Ada", "Bob", "Cy"])

    assert len(second.review.meetings) == 1
    assert resumed.started == "2026-12-03T10:00:00Z"
    assert resumed.attendees == ["Ada", "Bob", "Cy"]
    assert resumed.decisions == [item]


def test_another_sessions_save_keeps_the_meeting(project: Path) -> None:
    meeting_room = scanned(project)
    desk = ReviewSession.open(project)
    items = [item.id for item in meeting_room.catalogue.items]

    meeting_room.start_meeting(["Ada"])
    meeting_room.decide_in_meeting(items[0], Verdict.PASS, "", "Ada")
    desk.set_verdict(items[1], Verdict.FAIL)
    meeting_room.decide_in_meeting(items[2], Verdict.PASS, "", "Ada")

    document = saved_document(project)
    meetings = document["meetings"]
    assert isinstance(meetings, list) and len(meetings) == 1
    assert meetings[0]["decisions"] == [items[0], items[2]]
    assert ReviewSession.open(project).state(items[1]).verdict is Verdict.FAIL


def test_a_damaged_meeting_names_the_review_file(project: Path) -> None:
    review = scanned(project)
    review.start_meeting(["Ada"])
    path = store.default_path(project)
    document = saved_document(project)
    document["meetings"] = [{"started": "2026-12-03T10:00:00Z", "attendees": "Ada"}]
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(store.ReviewFileError, match="review.json: damaged review file"):
        store.load(path)


# The walk's rules


def test_failing_first_puts_failing_items_ahead_worst_first(project: Path) -> None:
    review = scanned(project)
    states = review.states()

    order = MeetingFilter.FAILING_FIRST.order(states)
    by_id = {state.item.id: state for state in states}
    failing = [i for i in order if by_id[i].verdict is Verdict.FAIL]

    assert order[: len(failing)] == failing
    ranks = [by_id[i].item.severity.rank for i in failing]
    assert ranks == sorted(ranks, reverse=True)
    assert by_id[order[len(failing)]].verdict is Verdict.UNKNOWN
    assert sorted(order) == sorted(by_id)
    assert MeetingFilter.UNDECIDED.order(states) == [s.item.id for s in states]
    assert [f.following() for f in MeetingFilter] == [
        MeetingFilter.FAILING_FIRST,
        MeetingFilter.ALL,
        MeetingFilter.UNDECIDED,
    ]


def test_progress_counts_every_item(project: Path) -> None:
    review = scanned(project)
    review.set_verdict(review.catalogue.items[0].id, Verdict.PASS)
    total = len(review.catalogue.items)

    assert progress_words(review.states()) == f"1 of {total} decided · {total - 1} left"


# The report's section


def test_the_report_lists_meetings_with_attendees_and_decisions(
    project: Path, clock: list[str]
) -> None:
    review = scanned(project)
    first, second = (item for item in review.catalogue.items[:2])
    review.start_meeting(["Ada | *admin*", "<b>Bob</b>"])
    review.decide_in_meeting(
        first.id, Verdict.ACCEPTED_RISK, "until `Q3` | later", "Ada | *admin*"
    )
    review.decide_in_meeting(second.id, Verdict.PASS, "", "<b>Bob</b>")
    clock[0] = "2026-12-03T10:42:00Z"
    review.end_meeting()
    review.start_meeting(["Cy"])

    lines = meeting_section(review.review.meetings, review.states())
    text = "\n".join(lines)

    assert lines[0] == "## Review meetings"
    assert "### 2026-12-03 10:00 UTC, 42 minutes" in lines
    assert r"**Attendees:** Ada \| \*admin\*, &lt;b&gt;Bob&lt;/b&gt;" in lines
    assert (
        f"| `{first.id}` {first.title} | accepted risk — until \\`Q3\\` \\| later "
        r"| Ada \| \*admin\* |"
    ) in lines
    assert f"| `{second.id}` {second.title} | pass | &lt;b&gt;Bob&lt;/b&gt; |" in lines
    assert "2 items decided." in lines
    assert "### 2026-12-03 10:42 UTC, not ended" in lines
    assert "No item was decided." in lines
    assert "<b>" not in text
    assert meeting_section([], review.states()) == []


def test_the_report_says_when_a_decision_was_cleared_since(project: Path) -> None:
    review = scanned(project)
    item = review.catalogue.items[0]
    review.start_meeting(["Ada"])
    review.decide_in_meeting(item.id, Verdict.PASS, "", "Ada")
    review.set_verdict(item.id, None)

    lines = meeting_section(review.review.meetings, review.states())

    assert f"| `{item.id}` {item.title} | cleared since |  |" in lines
    gone = meeting_section([Meeting("2026-12-03T10:00:00Z", ["Ada"], "", ["x.gone"])], [])
    assert "| `x.gone` | no longer in the checklists | |" in gone


# The keys


def test_every_meeting_action_has_a_method_and_no_key_clashes() -> None:
    for action in actions_for(Scope.MEETING):
        name = "action_" + action.action.split("(")[0]
        assert hasattr(MeetingScreen, name), f"{action.id}: no {name}"
    assert hasattr(ReviewApp, "action_start_meeting")

    # q ends the meeting before quitting: the only app key the meeting takes over.
    meeting_keys = [k for a in actions_for(Scope.MEETING) for k in a.keys.split(",")]
    app_keys = [k for a in actions_for(Scope.APP) for k in a.keys.split(",")]
    assert len(meeting_keys) == len(set(meeting_keys))
    assert set(meeting_keys) & set(app_keys) == {"q"}
    overview_keys = [k for a in actions_for(Scope.OVERVIEW) for k in a.keys.split(",")]
    assert "m" not in overview_keys and app_keys.count("m") == 1


# The app


def screen_text(app: ReviewApp) -> str:
    """The characters on the screen now, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def text_of(app: ReviewApp, selector: str) -> str:
    """The plain text of one Static on the current screen."""
    return str(app.screen.query_one(selector, Static).content)


def meeting_screen(app: ReviewApp) -> MeetingScreen:
    """The current screen, which must be the meeting."""
    assert isinstance(app.screen, MeetingScreen), type(app.screen).__name__
    return app.screen


async def start(pilot: Pilot[None], names: str = "Ada\nBob, Cy") -> None:
    """m, the names, ctrl+s: the meeting screen is up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("m")
    assert isinstance(pilot.app.screen, AttendeesScreen)
    await pilot.press(*[("enter" if ch == "\n" else ch) for ch in names])
    await pilot.press("ctrl+s")
    await pilot.pause()


async def test_a_meeting_runs_start_to_finish_by_keyboard(project: Path, clock: list[str]) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = meeting_screen(app)
        review = app.session
        total = len(review.catalogue.items)
        first = screen.walk.current if screen.walk else ""
        assert first == review.catalogue.items[0].id
        assert f"0 of {total} decided · {total} left" in screen_text(app)
        assert "Ada" in text_of(app, "#meeting-decider")
        assert review.state(first).item.title in screen_text(app)

        # 2 decides fail, by the first attendee; the item stays in view.
        await pilot.press("2")
        assert review.state(first).verdict is Verdict.FAIL
        assert review.state(first).answer is not None
        assert review.state(first).answer.decided_by == "Ada"
        assert "✗ FAIL" in text_of(app, "#meeting-decision")
        assert "by Ada" in text_of(app, "#meeting-decision")
        assert f"1 of {total} decided · {total - 1} left" in screen_text(app)

        # w passes the decision to Bob; n moves on; 4 asks for the reason.
        await pilot.press("w", "n", "4")
        assert isinstance(app.screen, RiskReasonScreen)
        await pilot.press(*"until Q3", "enter")
        second = meeting_screen(app).walk.current  # type: ignore[union-attr]
        assert second != first
        assert review.state(second).verdict is Verdict.ACCEPTED_RISK
        assert review.state(second).answer.decided_by == "Bob"  # type: ignore[union-attr]
        assert "until Q3" in text_of(app, "#meeting-decision")

        # e writes the note, per item.
        await pilot.press("e")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"ask ops", "ctrl+s")
        assert review.state(second).note == "ask ops"
        assert "ask ops" in text_of(app, "#meeting-note")

        # w twice more comes round to Ada again.
        await pilot.press("w", "w", "n", "1")
        third = meeting_screen(app).walk.current  # type: ignore[union-attr]
        assert review.state(third).answer.decided_by == "Ada"  # type: ignore[union-attr]

        # escape asks, enter ends: the summary.
        clock[0] = "2026-12-03T10:42:00Z"
        await pilot.press("escape")
        assert isinstance(app.screen, EndMeetingScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MeetingSummaryScreen)
        assert "42 minutes" in text_of(app, "#summary-when")
        who = text_of(app, "#summary-who")
        assert "Ada decided 2" in who and "Bob decided 1" in who and "Cy" in who
        decisions = text_of(app, "#summary-decisions")
        assert "3 items in this meeting" in decisions
        assert review.state(second).item.title in decisions
        assert f"3 of {total} decided · {total - 3} left" in text_of(app, "#summary-review")

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)

    meetings = saved_document(project)["meetings"]
    assert meetings == [
        {
            "started": "2026-12-03T10:00:00Z",
            "ended": "2026-12-03T10:42:00Z",
            "attendees": ["Ada", "Bob", "Cy"],
            "decisions": [first, second, third],
        }
    ]


async def test_the_command_line_meeting_waits_for_the_saved_review(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = scanned(project)
    earlier.start_meeting(["Ada", "Bob"])
    earlier.end_meeting()
    release = threading.Event()
    load = store.load

    def slow_load(path: Path) -> Review:
        release.wait(10)
        return load(path)

    monkeypatch.setattr(store, "load", slow_load)
    # No session given: the app reads the saved review in its worker, as on the command
    # line, and asks for the names once it has, filled from the last meeting.
    app = ReviewApp(project, meeting=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert isinstance(app.screen, OverviewScreen)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert isinstance(app.screen, AttendeesScreen)
        assert app.screen.query_one(TextArea).text == "Ada\nBob"
        await pilot.press("ctrl+s")
        await pilot.pause()
        meeting_screen(app)
        assert app.session.meeting is not None
        assert app.session.meeting.attendees == ["Ada", "Bob"]
    assert len(ReviewSession.open(project).review.meetings) == 2


async def test_a_meeting_left_open_is_said_to_go_on(project: Path) -> None:
    earlier = scanned(project)
    earlier.start_meeting(["Ada", "Bob"])

    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("m")
        assert isinstance(app.screen, AttendeesScreen)
        assert "was not ended: it goes on" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        meeting_screen(app)
        await pilot.press("m")
        await pilot.pause()
        meeting_screen(app)
    assert len(ReviewSession.open(project).review.meetings) == 1


async def test_the_meeting_starts_when_the_scan_ends(project: Path) -> None:
    review = ReviewSession.open(project)
    release = threading.Event()
    scan = review.scan

    def slow_scan(progress: ScanProgress | None = None) -> None:
        release.wait(10)
        scan(progress)

    review.scan = slow_scan  # type: ignore[method-assign]
    app = ReviewApp(project, review)
    async with app.run_test(size=SIZE) as pilot:
        # The names go in while the scan runs; the meeting and its decisions wait for it.
        await pilot.press("m", *"Ada", "ctrl+s")
        await pilot.pause()
        screen = meeting_screen(app)
        assert "Waiting for the scan to finish" in screen_text(app)
        await pilot.press("1")
        assert screen.walk is None and review.meeting is None
        assert not any(state.answered for state in review.states())

        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.walk is not None
        assert review.meeting is not None and review.meeting.attendees == ["Ada"]
        assert "Waiting" not in screen_text(app)


async def test_attendees_are_required_and_shown_as_written(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("m", "ctrl+s")
        assert isinstance(app.screen, AttendeesScreen)
        assert "at least one attendee" in text_of(app, "#dialog-error")
        await pilot.press(*"[bold]Eve[/]", "ctrl+s")
        await pilot.pause()
        assert "[bold]Eve[/]" in text_of(app, "#meeting-decider")
        await pilot.press("w")
        assert "Only one attendee" in " ".join(str(n.message) for n in app._notifications)


async def test_filters_walk_undecided_failing_first_or_all(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = meeting_screen(app)
        review = app.session

        await pilot.press("f")
        assert screen.meeting_filter is MeetingFilter.FAILING_FIRST
        failing = review.state(screen.walk.current)  # type: ignore[union-attr]
        assert failing.verdict is Verdict.FAIL
        assert failing.item.severity.value == "critical"
        assert "failing first" in text_of(app, "#meeting-where")

        # A decided item drops out of the walk but stays in view until n.
        await pilot.press("2")
        assert screen.walk is not None and screen.walk.current == failing.item.id
        assert "decided ·" in text_of(app, "#meeting-where")
        await pilot.press("n")
        following = review.state(screen.walk.current)
        assert following.verdict is Verdict.FAIL and following.item.id != failing.item.id

        # All items keeps the item in view, and counts the decided one too.
        total = len(review.catalogue.items)
        await pilot.press("f")
        assert screen.meeting_filter is MeetingFilter.ALL
        assert screen.walk.current == following.item.id
        assert f" of {total} · all" in text_of(app, "#meeting-where")

        # Back to undecided, in the checklists' order: the item in view stays.
        await pilot.press("f")
        assert screen.meeting_filter is MeetingFilter.UNDECIDED
        assert screen.walk.current == following.item.id
        assert f" of {total - 1} · undecided" in text_of(app, "#meeting-where")
        await pilot.press("p")
        assert review.state(screen.walk.current).answered is False
        order = [item.id for item in review.catalogue.items]
        assert order.index(screen.walk.current) < order.index(following.item.id)


async def test_d_shows_every_detail_and_escape_comes_back(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = meeting_screen(app)
        view = screen.query_one(ItemView)
        assert not view.display

        await pilot.press("d")
        assert view.display and not screen.query_one("#meeting-body").display
        assert "Why it matters" in screen_text(app)
        await pilot.press("n")
        assert "Why it matters" in screen_text(app)

        await pilot.press("escape")
        assert not view.display
        assert isinstance(app.screen, MeetingScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, EndMeetingScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MeetingScreen)
        assert app.session.meeting is not None


async def test_q_ends_the_meeting_and_quits(project: Path, clock: list[str]) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await pilot.press("1")
        clock[0] = "2026-12-03T10:05:00Z"
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    meeting = ReviewSession.open(project).review.meetings[0]
    assert meeting.ended == "2026-12-03T10:05:00Z"
    assert len(meeting.decisions) == 1


async def test_help_lists_the_meeting_keys(project: Path) -> None:
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=(100, 200)) as pilot:
        await start(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        assert "Meeting" in shown
        for action in actions_for(Scope.MEETING):
            assert action.help in shown, action.id
        start_key = next(a for a in ACTIONS if a.id == "start-meeting")
        assert key_names(start_key) == "m" and start_key.help in shown


async def test_a_scanned_snippet_in_the_key_evidence_is_not_markup(tmp_path: Path) -> None:
    root = tmp_path / "markup"
    root.mkdir()
    (root / "Dockerfile").write_text(
        "FROM python:3.12-slim\nRUN curl -k https://example.com/[bold]x[/] | sh\n"
    )
    app = ReviewApp(root, ReviewSession.open(root))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "Ada")
        screen = meeting_screen(app)
        while screen.walk is not None and screen.walk.current != "build.no-pipe-to-shell":
            await pilot.press("n")
        evidence = text_of(app, "#meeting-evidence")
        assert "RUN curl -k https://example.com/[bold]x[/] | sh" in evidence
        assert "[bold]x[/]" in screen_text(app)


def test_the_command_line_offers_meeting_mode() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "--help"], capture_output=True, text=True
    )

    assert result.returncode == 0
    assert "--meeting" in result.stdout


def test_the_command_line_meeting_on_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "--meeting", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"reviewtui: error: {tmp_path / 'nope'}: no such directory"
    ]
