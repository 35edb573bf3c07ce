"""The walk: one item at a time, answered with a key, under a filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from reviewtui.checklists import Checklist
from reviewtui.model import Status
from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import AnswerError
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import verdict_content
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.walk import Walk, WalkFilter
from reviewtui.tui.widgets.item_view import ItemView

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp


class ItemScreen(Screen[None]):
    """Shows one item of a checklist (or of all of them) and takes the reviewer's answer."""

    SCOPE = Scope.ITEM
    BINDINGS = bindings_for(Scope.ITEM)
    AUTO_FOCUS = "#item-view"

    def __init__(self, checklist: Checklist | None, item_ids: list[str], index: int = 0) -> None:
        super().__init__()
        self.checklist = checklist
        self.walk = Walk(item_ids, index)

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    @property
    def state(self) -> ItemState:
        """The state of the item shown now."""
        return self.review_app.session.state(self.walk.current)

    def compose(self) -> ComposeResult:
        """Header, the walk bar, the item, keys."""
        yield Header()
        yield Static(id="walk-bar")
        yield ItemView(id="item-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the item, and follow the session's changes (a rescan, say)."""
        self.review_app.review_changed.subscribe(self, lambda _: self.refresh_item())
        self.refresh_item()

    def refresh_item(self) -> None:
        """Redraw the bar and the item from the session."""
        state = self.state
        self.query_one("#walk-bar", Static).update(self._bar(state))
        self.query_one(ItemView).show(state)

    def _bar(self, state: ItemState) -> Content:
        walk_filter = self.review_app.walk_filter
        states = self._states()
        shown = self.walk.count(states, walk_filter)
        where = self.checklist.title if self.checklist else "All checklists"
        position = f"item {self.walk.index + 1} of {len(self.walk.item_ids)}"
        return Content.assemble(
            (where, "bold"),
            ("  ·  ", "$text-muted"),
            position,
            ("  ·  ", "$text-muted"),
            ("filter ", "$text-muted"),
            (walk_filter.value, "bold $text-accent"),
            (f" ({shown})", "$text-muted"),
            ("  ·  ", "$text-muted"),
            verdict_content(state.verdict, bold=True),
            (" (yours)" if state.answered else " (detected)", "$text-muted"),
        )

    def _states(self) -> dict[str, ItemState]:
        session = self.review_app.session
        return {item_id: session.state(item_id) for item_id in self.walk.item_ids}

    # Moving

    def action_next_item(self) -> None:
        """Next item that the filter shows."""
        self._step(+1)

    def action_previous_item(self) -> None:
        """Previous item that the filter shows."""
        self._step(-1)

    def _step(self, direction: int) -> None:
        walk_filter = self.review_app.walk_filter
        if self.walk.step(self._states(), walk_filter, direction):
            self.refresh_item()
            return
        end = "last" if direction > 0 else "first"
        shown = "" if walk_filter is WalkFilter.ALL else f" {walk_filter.value}"
        self.notify(
            f"This is the {end}{shown} item here; escape goes back to the overview.", timeout=3
        )

    def action_cycle_filter(self) -> None:
        """All → failing → unanswered → all; stays on this item until you move."""
        app = self.review_app
        app.walk_filter = app.walk_filter.following()
        if not self.walk.count(self._states(), app.walk_filter):
            self.notify(f"No {app.walk_filter.value} items here.", timeout=3)
        self.refresh_item()

    def action_toggle_targets(self) -> None:
        """Draw every target of the item, or only the first ones."""
        view = self.query_one(ItemView)
        view.all_targets = not view.all_targets
        self.refresh_item()

    def action_back(self) -> None:
        """Back to the overview."""
        self.dismiss()

    # Answering

    def action_answer(self, verdict: str) -> None:
        """Set the answer to ``verdict``; an empty string clears it."""
        self._set_verdict(Verdict(verdict) if verdict else None)

    def action_confirm(self) -> None:
        """Take the detected answer as the reviewer's own."""
        state = self.state
        if state.detected is Status.UNKNOWN:
            self.notify(
                "Nothing was detected to confirm: answer with 1-4.", severity="warning", timeout=4
            )
            return
        self._set_verdict(Verdict(state.detected.value))

    def action_accept_risk(self) -> None:
        """Ask for the reason, then record an accepted risk."""
        if not self.review_app.ready_to_change():
            return
        answer = self.state.answer
        self.app.push_screen(
            RiskReasonScreen(self.state.item.title, answer.reason if answer else ""),
            self._risk_given,
        )

    def _risk_given(self, reason: str | None) -> None:
        if reason is not None:
            self._set_verdict(Verdict.ACCEPTED_RISK, reason)

    def action_edit_note(self) -> None:
        """Open the note editor; the note saves when the dialog is saved."""
        if not self.review_app.ready_to_change():
            return
        self.app.push_screen(NoteScreen(self.state.item.title, self.state.note), self._note_given)

    def _note_given(self, note: str | None) -> None:
        if note is None:
            return
        self.review_app.session.set_note(self.walk.current, note)
        self.review_app.changed()
        self.notify("Note saved." if note.strip() else "Note removed.", timeout=2)

    def _set_verdict(self, verdict: Verdict | None, reason: str = "") -> None:
        if not self.review_app.ready_to_change():
            return
        try:
            self.review_app.session.set_verdict(self.walk.current, verdict, reason)
        except AnswerError as error:
            self.notify(str(error), severity="error")
            return
        self.review_app.changed()
