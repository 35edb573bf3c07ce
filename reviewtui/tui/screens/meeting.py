"""Meeting mode: the checklist walked together on a shared screen, one item at a time.

Large and uncluttered: the question, the detected answer with its key evidence, the
decision and who took it, the note, and how much is left. ``d`` swaps in the walk's
full item view for the details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import AnswerError
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import display_path, plain, prose
from reviewtui.tui.screens.meeting_attendees import AttendeesScreen
from reviewtui.tui.screens.meeting_card import (
    decider_content,
    decision_content,
    detected_content,
    evidence_lines,
    meta_content,
    note_content,
)
from reviewtui.tui.screens.meeting_end import EndMeetingScreen, MeetingSummaryScreen
from reviewtui.tui.screens.meeting_walk import MeetingFilter, progress_words
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.walk import Walk
from reviewtui.tui.widgets.item_view import ItemView

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp, ScanState

_LOAD_POLL = 0.05
"""Seconds between looks at whether the saved review is read, before asking names."""


def open_meeting(app: ReviewApp) -> None:
    """Ask who attends, then walk the review with them; nothing when one is open.

    The names of the meeting that goes on (or of the last one) fill the field, so the
    saved review is read first.
    """
    if any(isinstance(screen, MeetingScreen) for screen in app.screen_stack):
        app.notify("A meeting is under way already.", timeout=3)
        return
    if isinstance(app.screen, AttendeesScreen):
        return
    if app.scan_state.loading:
        app.set_timer(_LOAD_POLL, lambda: open_meeting(app))
        return
    meetings = app.session.review.meetings
    going_on = app.session.meeting
    names = going_on.attendees if going_on else (meetings[-1].attendees if meetings else [])

    def start(attendees: list[str] | None) -> None:
        if attendees:
            app.push_screen(MeetingScreen(attendees))

    app.push_screen(AttendeesScreen(list(names), going_on.started if going_on else ""), start)


class MeetingScreen(Screen[None]):
    """One item at a time, large, for a room; each decision names who took it.

    The meeting starts (and is saved) once the scan has finished, so decisions are
    taken on fresh findings; until then the screen says it is waiting.
    """

    SCOPE = Scope.MEETING
    BINDINGS = bindings_for(Scope.MEETING)
    AUTO_FOCUS = "#meeting-body"

    # A tall screen (a projector, a wide monitor) gets room between the parts; 80x24
    # keeps them close so an item fits without scrolling.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

    DEFAULT_CSS = """
    MeetingScreen #meeting-bar {
        height: 1;
        padding: 0 1;
        background: $primary-muted;
    }
    MeetingScreen #meeting-where {
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    MeetingScreen #meeting-progress {
        width: auto;
        margin-left: 2;
    }
    MeetingScreen #meeting-body {
        align-horizontal: center;
        padding: 1 1 0 1;
    }
    MeetingScreen #meeting-card {
        width: 100%;
        max-width: 100;
        height: auto;
    }
    MeetingScreen .meeting-part {
        margin-bottom: 1;
    }
    MeetingScreen #meeting-meta {
        margin-bottom: 0;
    }
    MeetingScreen #meeting-title {
        color: $text-primary;
        text-style: bold;
    }
    MeetingScreen #meeting-question {
        text-style: bold;
        color: $foreground;
        background: $panel;
        border-left: thick $accent;
        padding: 0 1;
    }
    MeetingScreen.-wide #meeting-body {
        padding: 1 4 0 4;
    }
    MeetingScreen.-tall #meeting-body {
        padding-top: 3;
    }
    MeetingScreen.-tall #meeting-meta {
        margin-bottom: 1;
    }
    MeetingScreen.-tall .meeting-part {
        margin-bottom: 2;
    }
    MeetingScreen.-tall #meeting-question {
        padding: 1 2;
    }
    MeetingScreen #meeting-people {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    MeetingScreen #meeting-decider {
        width: 1fr;
    }
    MeetingScreen #meeting-count {
        width: auto;
        margin-left: 2;
    }
    """

    def __init__(self, attendees: list[str]) -> None:
        super().__init__()
        self.attendees = attendees
        self.decider = 0
        """Index into the meeting's attendees of the one who decides now."""
        self.meeting_filter = MeetingFilter.UNDECIDED
        self.walk: Walk | None = None
        """None until the meeting has started."""
        self.details = False

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    @property
    def state(self) -> ItemState:
        """The state of the item shown now; only once the meeting has started."""
        assert self.walk is not None
        return self.review_app.session.state(self.walk.current)

    def compose(self) -> ComposeResult:
        """The bar with what is left, the large item, the details, who decides, keys."""
        with Horizontal(id="meeting-bar"):
            yield Static(id="meeting-where")
            yield Static(id="meeting-progress")
        with VerticalScroll(id="meeting-body"):
            with Vertical(id="meeting-card"):
                yield Static(id="meeting-meta", classes="meeting-part")
                yield Static(id="meeting-title", classes="meeting-part")
                yield Static(id="meeting-question", classes="meeting-part")
                yield Static(id="meeting-detected", classes="meeting-part")
                yield Static(id="meeting-evidence", classes="meeting-part")
                yield Static(id="meeting-decision", classes="meeting-part")
                yield Static(id="meeting-note", classes="meeting-part")
        yield ItemView(id="item-view")
        with Horizontal(id="meeting-people"):
            yield Static(id="meeting-decider")
            yield Static(id="meeting-count")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Start the meeting now, or when the scan has finished."""
        self.query_one(ItemView).display = False
        app = self.review_app
        app.review_changed.subscribe(self, lambda _: self.refresh_item())
        app.scan_progress.subscribe(self, self._on_scan_progress)
        if app.scan_state.running:
            self._show_waiting()
        else:
            self._begin()

    def _on_scan_progress(self, state: ScanState) -> None:
        if not state.running and self.walk is None:
            self._begin()

    def _show_waiting(self) -> None:
        self.query_one("#meeting-where", Static).update(Content.styled("Meeting", "bold"))
        self.query_one("#meeting-title", Static).update(Content("Waiting for the scan to finish…"))
        self.query_one("#meeting-people", Horizontal).display = False

    def _begin(self) -> None:
        """Record the meeting's start and go to the first item the filter shows."""
        app = self.review_app
        if not app.ready_to_change():
            self.dismiss()
            return
        with app.saving():
            meeting = app.session.start_meeting(self.attendees)
        self.attendees = meeting.attendees
        states = app.session.states()
        self.walk = Walk(self.meeting_filter.order(states))
        if not self.walk.first_match(self._states(), self.meeting_filter.walk_filter):
            self.notify("Every item is decided already: showing the first.")
        self.query_one("#meeting-people", Horizontal).display = True
        self.refresh_item()

    def _states(self) -> dict[str, ItemState]:
        session = self.review_app.session
        return {state.item.id: state for state in session.states()}

    # Drawing

    def refresh_item(self) -> None:
        """Redraw everything from the session."""
        if self.walk is None:
            return
        session = self.review_app.session
        states = self._states()
        state = states[self.walk.current]
        meeting = session.meeting
        self.query_one("#meeting-where", Static).update(self._where(states))
        self.query_one("#meeting-progress", Static).update(self._progress(list(states.values())))
        titles = {c.name: c.title for c in session.catalogue.checklists}
        self._set("#meeting-meta", meta_content(state, titles.get(state.item.checklist, "")))
        self._set("#meeting-title", plain(state.item.title))
        self._set("#meeting-question", prose(state.item.question))
        self._set("#meeting-detected", detected_content(state))
        self.query_one("#meeting-evidence", Static).update(evidence_lines(state))
        self._set("#meeting-decision", decision_content(state, meeting))
        self._set("#meeting-note", note_content(state))
        self._set("#meeting-decider", decider_content(self.attendees, self.decider))
        decided_here = len(meeting.decisions) if meeting else 0
        self._set(
            "#meeting-count",
            Content.styled(f"{decided_here} decided in this meeting", "$text-muted"),
        )
        if self.details:
            self.query_one(ItemView).show(state)
        self.query_one("#meeting-body", VerticalScroll).scroll_home(animate=False)

    def _set(self, selector: str, content: Content) -> None:
        self.query_one(selector, Static).update(content)

    def _where(self, states: dict[str, ItemState]) -> Content:
        """``MEETING · item 3 of 85 · undecided``, plus NOT SAVED when it is not."""
        assert self.walk is not None
        walk_filter = self.meeting_filter.walk_filter
        place, shown = self.walk.position(states, walk_filter)
        if place is not None:
            position = f"item {place} of {shown}"
        elif shown:
            position = f"decided · {shown} to go"
        else:
            position = "nothing left"
        parts: list[str | tuple[str, str]] = [
            ("MEETING", "bold"),
            (" · ", "$text-muted"),
            (display_path(self.review_app.root), "$text-muted"),
            (" · ", "$text-muted"),
            position,
            (" · ", "$text-muted"),
            (self.meeting_filter.value, "bold $text-accent"),
        ]
        if self.review_app.unsaved:
            parts.append(("  NOT SAVED", "bold $text-error"))
        return Content.assemble(*parts)

    def _progress(self, states: list[ItemState]) -> Content:
        return Content.styled(progress_words(states), "bold")

    # Moving

    def action_next_item(self) -> None:
        """Next item that the filter shows."""
        self._step(+1)

    def action_previous_item(self) -> None:
        """Previous item that the filter shows."""
        self._step(-1)

    def _step(self, direction: int) -> None:
        if self.walk is None:
            return
        states = self._states()
        walk_filter = self.meeting_filter.walk_filter
        if self.walk.step(states, walk_filter, direction):
            self.refresh_item()
            return
        if not self.walk.count(states, walk_filter):
            self.notify("Every item is decided: f shows all, escape ends the meeting.")
        else:
            end = "last" if direction > 0 else "first"
            self.notify(f"This is the {end} {self.meeting_filter.value} item.", timeout=3)

    def action_cycle_filter(self) -> None:
        """Undecided → failing first → all; the item in view stays when it still shows."""
        if self.walk is None:
            return
        current = self.walk.current
        self.meeting_filter = self.meeting_filter.following()
        order = self.meeting_filter.order(self.review_app.session.states())
        self.walk = Walk(order, order.index(current))
        states = self._states()
        walk_filter = self.meeting_filter.walk_filter
        keeps = walk_filter.matches(states[current]) and self.meeting_filter is not (
            MeetingFilter.FAILING_FIRST
        )
        if not keeps and not self.walk.first_match(states, walk_filter):
            self.notify("Every item is decided: f shows all.", timeout=3)
        self.notify(f"Filter: {self.meeting_filter.value}.", timeout=2)
        self.refresh_item()

    def action_toggle_details(self) -> None:
        """Swap the large view for every detail of the item, and back."""
        if self.walk is None:
            return
        self.details = not self.details
        view = self.query_one(ItemView)
        body = self.query_one("#meeting-body", VerticalScroll)
        view.display = self.details
        body.display = not self.details
        if self.details:
            view.show(self.state)
            view.focus()
        else:
            body.focus()

    def action_next_decider(self) -> None:
        """The next attendee decides, in turn."""
        if self.walk is None:
            return
        if len(self.attendees) < 2:
            self.notify("Only one attendee: they decide.", timeout=3)
            return
        self.decider = (self.decider + 1) % len(self.attendees)
        self._set("#meeting-decider", decider_content(self.attendees, self.decider))

    # Deciding

    def action_decide(self, verdict: str) -> None:
        """Take the decision ``verdict`` for the item in view, by the one who decides."""
        self._decide(Verdict(verdict))

    def action_decide_risk(self) -> None:
        """Ask why the risk is accepted, then decide so."""
        if self.walk is None or not self.review_app.ready_to_change():
            return
        answer = self.state.answer
        self.app.push_screen(
            RiskReasonScreen(self.state.item.title, answer.reason if answer else ""),
            self._risk_given,
        )

    def _risk_given(self, reason: str | None) -> None:
        if reason is not None:
            self._decide(Verdict.ACCEPTED_RISK, reason)

    def _decide(self, verdict: Verdict, reason: str = "") -> None:
        app = self.review_app
        if self.walk is None or not app.ready_to_change():
            return
        decider = self.attendees[self.decider]
        try:
            with app.saving():
                app.session.decide_in_meeting(self.walk.current, verdict, reason, decider)
        except AnswerError as error:
            self.notify(str(error), severity="error")
            return
        self.notify(f"Decided: {verdict.label}, by {decider}.", timeout=2, markup=False)
        app.changed()

    def action_edit_note(self) -> None:
        """Open the note dialog for the item in view."""
        if self.walk is None or not self.review_app.ready_to_change():
            return
        state = self.state
        self.app.push_screen(NoteScreen(state.item.title, state.note), self._note_given)

    def _note_given(self, note: str | None) -> None:
        if note is None or self.walk is None:
            return
        app = self.review_app
        with app.saving():
            app.session.set_note(self.walk.current, note)
            self.notify("Note saved." if note.strip() else "Note removed.", timeout=2)
        app.changed()

    # Ending

    def action_end_meeting(self) -> None:
        """Ask to end the meeting; once ended, its summary takes this screen's place.

        From the details, escape goes back to the large view first.
        """
        if self.details:
            self.action_toggle_details()
            return
        meeting = self.review_app.session.meeting
        if self.walk is None or meeting is None:
            self.dismiss()
            return
        self.app.push_screen(EndMeetingScreen(meeting), self._end_confirmed)

    def _end_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        app = self.review_app
        with app.saving():
            meeting = app.session.end_meeting()
        app.changed()
        if meeting is not None:
            app.switch_screen(MeetingSummaryScreen(meeting))
        else:
            self.dismiss()

    async def action_end_and_quit(self) -> None:
        """End the meeting (saved), then quit as q does everywhere."""
        if self.walk is not None:
            app = self.review_app
            with app.saving():
                app.session.end_meeting()
        await self.app.run_action("app.quit")
