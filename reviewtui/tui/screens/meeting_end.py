"""Ending a review meeting: the question whether to, and the summary of what it decided."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from reviewtui.review import model
from reviewtui.review.meeting import Meeting, duration_words
from reviewtui.review.model import ItemState
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import display_path, plain, short_time
from reviewtui.tui.screens.dialog import DialogScreen
from reviewtui.tui.screens.meeting_card import BADGE_WIDTH, badge, label
from reviewtui.tui.screens.meeting_walk import progress_words

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp


class EndMeetingScreen(DialogScreen[bool]):
    """Asks whether to end the meeting; True to end it, None to go on."""

    def __init__(self, meeting: Meeting) -> None:
        super().__init__()
        self.meeting = meeting

    def compose(self) -> ComposeResult:
        """What the meeting did so far, and the two choices."""
        count = len(self.meeting.decisions)
        length = duration_words(self.meeting.minutes(model.now_iso()))
        so_far = f" in {length}" if length else ""
        with Vertical(classes="dialog", id="end-meeting-dialog") as dialog:
            dialog.border_title = "End the meeting?"
            yield Static(
                Content.assemble(
                    (f"{count} item{'s' if count != 1 else ''} decided{so_far}. ", "bold"),
                    ("The summary follows; the review file keeps the meeting.", "$text-muted"),
                ),
                classes="dialog-intro",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("End meeting", id="submit", variant="primary")
                yield Button("Back to the meeting", id="cancel")

    def on_mount(self) -> None:
        """Enter ends the meeting: the button has the focus."""
        self.query_one("#submit", Button).focus()

    def action_submit(self) -> None:
        """End it."""
        self.dismiss(True)


class MeetingSummaryScreen(Screen[None]):
    """What a meeting decided, by whom, who attended and how long it took; enter, escape
    or the button returns to the overview."""

    SCOPE = Scope.DIALOG
    BINDINGS = bindings_for(Scope.DIALOG)
    AUTO_FOCUS = "#summary-done"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

    DEFAULT_CSS = """
    MeetingSummaryScreen.-tall #summary-body {
        padding-top: 3;
    }
    MeetingSummaryScreen.-tall .summary-part {
        margin-bottom: 2;
    }
    MeetingSummaryScreen #summary-body {
        align-horizontal: center;
        padding: 1 2;
    }
    MeetingSummaryScreen #summary-card {
        width: 100%;
        max-width: 100;
        height: auto;
    }
    MeetingSummaryScreen .summary-part {
        margin-bottom: 1;
    }
    MeetingSummaryScreen #summary-title {
        color: $text-primary;
        text-style: bold;
    }
    MeetingSummaryScreen #summary-buttons {
        height: auto;
    }
    MeetingSummaryScreen #summary-hint {
        width: auto;
        padding: 1 2;
    }
    """

    def __init__(self, meeting: Meeting) -> None:
        super().__init__()
        self.meeting = meeting

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    def compose(self) -> ComposeResult:
        """The summary in a centred column, and the way back."""
        with VerticalScroll(id="summary-body"):
            with Vertical(id="summary-card"):
                yield Static(id="summary-title", classes="summary-part")
                yield Static(id="summary-when", classes="summary-part")
                yield Static(id="summary-who", classes="summary-part")
                yield Static(id="summary-decisions", classes="summary-part")
                yield Static(id="summary-review", classes="summary-part")
                with Horizontal(id="summary-buttons"):
                    yield Button("Back to the overview", id="summary-done", variant="primary")
                    yield Static(
                        Content.styled("enter or escape", "$text-muted"), id="summary-hint"
                    )

    def on_mount(self) -> None:
        """Fill the summary from the meeting and the review as it stands."""
        session = self.review_app.session
        states = {state.item.id: state for state in session.states()}
        decided = [states[item_id] for item_id in self.meeting.decisions if item_id in states]
        self._set(
            "#summary-title",
            Content.assemble("Meeting ended", (" · " + display_path(session.root), "$text-muted")),
        )
        self._set("#summary-when", when_content(self.meeting))
        self._set("#summary-who", attendees_content(self.meeting, decided))
        self._set("#summary-decisions", decisions_content(decided))
        self._set(
            "#summary-review",
            Content.assemble(label("Review"), (progress_words(list(states.values())), "bold")),
        )

    def _set(self, selector: str, content: Content) -> None:
        self.query_one(selector, Static).update(content)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The button closes the summary."""
        event.stop()
        self.dismiss()

    def action_cancel(self) -> None:
        """Escape: back to the overview."""
        self.dismiss()

    def action_submit(self) -> None:
        """ctrl+s: back to the overview too; there is nothing to save."""
        self.dismiss()


def when_content(meeting: Meeting) -> Content:
    """``Held      2026-12-03 10:00 UTC → 10:42 · 42 minutes``."""
    start = short_time(meeting.started)
    end = short_time(meeting.ended)
    # The end's day is said only when the meeting ran past midnight.
    if end[:10] == start[:10]:
        end = end[11:]
    parts: list[str | Content | tuple[str, str]] = [label("Held"), start]
    if end:
        parts += [" → ", end]
    length = duration_words(meeting.minutes())
    if length:
        parts += [("  ·  ", "$text-muted"), (length, "bold")]
    return Content.assemble(*parts)


def attendees_content(meeting: Meeting, decided: list[ItemState]) -> Content:
    """The attendees, each with how many decisions they took here."""
    by_whom = Counter(state.answer.decided_by for state in decided if state.answer)
    parts: list[str | Content | tuple[str, str]] = [label("Attendees")]
    for index, name in enumerate(meeting.attendees):
        if index:
            parts.append(("  ·  ", "$text-muted"))
        parts.append((name, "bold"))
        if by_whom[name]:
            parts.append((f" decided {by_whom[name]}", "$text-muted"))
    return Content.assemble(*parts)


def decisions_content(decided: list[ItemState]) -> Content:
    """Every item decided in the meeting: its decision, title and who took it."""
    count = len(decided)
    heading = Content.assemble(
        label("Decided"),
        (f"{count} item{'s' if count != 1 else ''} in this meeting", "bold"),
    )
    lines = [heading]
    for state in decided:
        answer = state.answer
        if answer is None or answer.verdict is None:
            continue
        line = Content.assemble(
            "  ",
            badge(answer.verdict, BADGE_WIDTH),
            "  ",
            plain(state.item.title),
            ("  by ", "$text-muted"),
            (answer.decided_by or "—", "bold"),
        )
        lines.append(line)
    return Content("\n").join(lines)
