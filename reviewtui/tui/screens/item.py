"""The walk: one item at a time, answered with a key, under a filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from reviewtui.checklists import Checklist
from reviewtui.model import Status
from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import AnswerError
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import verdict_content
from reviewtui.tui.screens.action import ActionScreen
from reviewtui.tui.screens.fix import FixScreen, fixable_findings, no_fix_reason
from reviewtui.tui.screens.note import NoteScreen
from reviewtui.tui.screens.risk import RiskReasonScreen
from reviewtui.tui.walk import Walk, WalkFilter
from reviewtui.tui.widgets.item_view import TARGETS_SHOWN, ItemView

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
        self._fix_offers: dict[str, tuple[ItemState, bool]] = {}

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
        with Horizontal(id="walk-bar"):
            yield Static(id="walk-where")
            yield Static(id="walk-verdict")
        yield ItemView(id="item-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the item, and follow the session's changes (a rescan, say)."""
        self.review_app.review_changed.subscribe(self, lambda _: self.refresh_item())
        self.refresh_item()

    def refresh_item(self) -> None:
        """Redraw the bar and the item from the session."""
        state = self.state
        self.query_one("#walk-where", Static).update(self._where())
        self.query_one("#walk-verdict", Static).update(
            Content.assemble(
                verdict_content(state.verdict, bold=True),
                (_verdict_origin(state), "$text-muted"),
                # The footer has no room for the key at 80 columns: say it where it works.
                ("  F fix", "$text-accent") if self._offers_fix(state) else "",
            )
        )
        self.query_one(ItemView).show(state)
        self.call_after_refresh(self._prepare_next)

    def _prepare_next(self) -> None:
        """Build the next item's view once this one is drawn, so ``n`` mostly draws."""
        if not self.is_current:
            return
        upcoming = self.walk.peek(self._states(), self.review_app.walk_filter, +1)
        if upcoming is not None:
            state = self.review_app.session.state(upcoming)
            self._offers_fix(state)
            self.query_one(ItemView).prepare(state)

    def _offers_fix(self, state: ItemState) -> bool:
        """True when a fixer can fix a failing target of ``state``; kept with the state,
        as a big item has thousands of targets to look through."""
        kept = self._fix_offers.get(state.item.id)
        if kept is None or kept[0] is not state:
            kept = self._fix_offers[state.item.id] = (state, bool(fixable_findings(state)))
        return kept[1]

    def _where(self) -> Content:
        """Checklist, the item's place among those the filter shows, and the filter.

        The verdict has a widget of its own at the right, so a narrow terminal cuts this
        part short rather than the verdict.
        """
        walk_filter = self.review_app.walk_filter
        place, shown = self.walk.position(self._states(), walk_filter)
        if place is not None:
            position = f"item {place} of {shown}"
        elif shown:
            position = f"not one of the {shown} {walk_filter.value}"
        else:
            position = f"no {walk_filter.value} items"
        return Content.assemble(
            (self.checklist.title if self.checklist else "All checklists", "bold"),
            (" · ", "$text-muted"),
            position,
            (" · ", "$text-muted"),
            ("filter ", "$text-muted"),
            (walk_filter.value, "bold $text-accent"),
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
        states = self._states()
        if self.walk.step(states, walk_filter, direction):
            self.refresh_item()
            return
        self.notify(_no_step_message(self.walk, states, walk_filter, direction), timeout=3)

    def action_cycle_filter(self) -> None:
        """All → failing → unanswered → all; the walk goes to the first item shown.

        The item in view stays when the new filter shows it, so a reviewer who narrows
        the walk does not lose their place.
        """
        app = self.review_app
        app.walk_filter = app.walk_filter.following()
        states = self._states()
        if not app.walk_filter.matches(states[self.walk.current]) and not self.walk.first_match(
            states, app.walk_filter
        ):
            self.notify(f"No {app.walk_filter.value} items here.", timeout=3)
        self.refresh_item()

    def action_toggle_targets(self) -> None:
        """Draw every target of the item, or only the first ones."""
        view = self.query_one(ItemView)
        targets = len(self.state.findings)
        if targets <= TARGETS_SHOWN:
            shown = f"All {targets} targets are" if targets != 1 else "The only target is"
            self.notify(f"{shown} shown already." if targets else "This item has no targets.")
            return
        view.all_targets = not view.all_targets
        self.refresh_item()

    def action_scroll_top(self) -> None:
        """Scroll the item back to its title."""
        self.query_one(ItemView).scroll_to(y=0, animate=False, immediate=True)

    def action_scroll_bottom(self) -> None:
        """Scroll the item to its end."""
        view = self.query_one(ItemView)
        view.scroll_to(y=view.max_scroll_y, animate=False, immediate=True)

    def action_back(self) -> None:
        """Back to the overview."""
        self.dismiss()

    def action_show_fix(self) -> None:
        """Show each failing target's fix as a diff, to apply, skip or copy."""
        if not self.review_app.ready_to_change():
            return
        reason = no_fix_reason(self.state)
        if reason:
            self.notify(reason, timeout=3)
            return
        self.app.push_screen(FixScreen(self.walk.current))

    # Answering

    def action_answer(self, verdict: str) -> None:
        """Set the answer to ``verdict``; an empty string clears it."""
        self._set_verdict(Verdict(verdict) if verdict else None)

    def action_confirm(self) -> None:
        """Take the detected answer as the reviewer's own."""
        state = self.state
        if state.detected is Status.UNKNOWN:
            self.notify("Nothing detected to confirm: answer with 1-4.", severity="warning")
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
        app = self.review_app
        with app.saving():
            app.session.set_note(self.walk.current, note)
            self.notify("Note saved." if note.strip() else "Note removed.", timeout=2)
        app.changed()

    def action_set_action(self) -> None:
        """Ask who fixes the item and by when; an item that passes needs no one."""
        if not self.review_app.ready_to_change():
            return
        state = self.state
        answer = state.answer
        has_action = answer is not None and bool(answer.owner or answer.due)
        if state.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE) and not has_action:
            self.notify(
                f"This item is {state.verdict.label}: only an open item needs an owner.",
                severity="warning",
                timeout=3,
            )
            return
        session = self.review_app.session
        self.app.push_screen(
            ActionScreen(session, self.walk.current, state.item.title), self._action_given
        )

    def _action_given(self, action: tuple[str, str] | None) -> None:
        if action is None:
            return
        owner, due = action
        if owner or due:
            shown = f"Owner {owner}" + (f", due {due}." if due else ".")
            self.notify(shown, timeout=2, markup=False)
        else:
            self.notify("Owner and due date removed.", timeout=2)
        self.review_app.changed()

    def _set_verdict(self, verdict: Verdict | None, reason: str = "") -> None:
        app = self.review_app
        if not app.ready_to_change():
            return
        try:
            with app.saving():
                app.session.set_verdict(self.walk.current, verdict, reason)
        except AnswerError as error:
            self.notify(str(error), severity="error")
            return
        app.changed()


def _no_step_message(
    walk: Walk, states: dict[str, ItemState], walk_filter: WalkFilter, direction: int
) -> str:
    """Why the walk did not move: nothing shown at all, or nothing more that way."""
    shown = "" if walk_filter is WalkFilter.ALL else f" {walk_filter.value}"
    if not walk.count(states, walk_filter):
        return f"No{shown} items here; f changes the filter."
    end = "last" if direction > 0 else "first"
    if walk_filter.matches(states[walk.current]):
        return f"This is the {end}{shown} item here."
    return f"No{shown} items {'after' if direction > 0 else 'before'} this one."


def _verdict_origin(state: ItemState) -> str:
    """Where the verdict shown in the bar comes from."""
    if state.answered:
        return " (yours)"
    return " (waived)" if state.waived else " (detected)"
