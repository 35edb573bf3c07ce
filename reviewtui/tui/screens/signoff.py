"""The sign-off form: who signs, in what role, and what they decide; then the digest."""

from __future__ import annotations

from collections import Counter

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from reviewtui.review.model import Decision, SignOff, Verdict
from reviewtui.review.session import AnswerError, ReviewSession
from reviewtui.tui.render import decision_content
from reviewtui.tui.screens.dialog import DialogScreen


class SignOffScreen(DialogScreen[SignOff]):
    """Signs the session off and shows the digest; returns the sign-off, or None."""

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.signoff: SignOff | None = None

    def compose(self) -> ComposeResult:
        """The form, and the result panel that replaces it after signing."""
        last = self.session.review.signoffs[-1] if self.session.review.signoffs else None
        with Vertical(classes="dialog", id="signoff-dialog") as dialog:
            dialog.border_title = "Sign off the review"
            with Vertical(id="signoff-form"):
                yield Static(self._summary(), id="signoff-summary")
                yield from _field(
                    "Name", Input(last.name if last else "", id="name", placeholder="required")
                )
                yield from _field(
                    "Email", Input(last.email if last else "", id="email", placeholder="optional")
                )
                yield from _field(
                    "Role",
                    Input(
                        last.role if last else "", id="role", placeholder="e.g. security reviewer"
                    ),
                )
                with RadioSet(id="decision") as decisions:
                    decisions.border_title = "Decision"
                    for decision in Decision:
                        # No decision is chosen in advance: signing is a deliberate act.
                        yield RadioButton(decision.label, id=f"decision-{decision.value}")
                yield Static(id="dialog-error", classes="dialog-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Sign off", id="submit", variant="primary")
                    yield Button("Cancel", id="cancel")
            with Vertical(id="signoff-done"):
                yield Static(id="signoff-result")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Done", id="done", variant="primary")

    def _summary(self) -> Content:
        """What is being signed: how many items, how many answered, how many fail.

        Open items are pointed out, so nobody approves a review by accident that still
        has failing or unanswered items.
        """
        states = self.session.states()
        answered = sum(1 for state in states if state.answered)
        counts = Counter(state.verdict for state in states)
        by_verdict = ", ".join(
            f"{counts[verdict]} {verdict.label}" for verdict in Verdict if counts[verdict]
        )
        summary = Content.styled(
            f"{len(states)} items, {answered} answered by a reviewer: {by_verdict}.",
            "$text-muted",
        )
        open_items = [
            f"{counts[Verdict.FAIL]} failing" if counts[Verdict.FAIL] else "",
            f"{len(states) - answered} not answered" if answered < len(states) else "",
        ]
        warning = " and ".join(part for part in open_items if part)
        if not warning:
            return summary
        return Content.assemble(
            summary,
            "\n",
            (f"Still open: {warning}. The sign-off records them as they are.", "$warning"),
        )

    def on_mount(self) -> None:
        """Start in the name field, with the result panel hidden."""
        self.query_one("#signoff-done").display = False
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field moves on; in the last field it signs."""
        event.stop()
        if event.input.id == "role":
            self.action_submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Done closes with the sign-off; the base class handles save and cancel.

        Textual calls the base class's handler after this one, so this one only takes
        the button the base does not know.
        """
        if event.button.id == "done":
            event.stop()
            event.prevent_default()
            self.dismiss(self.signoff)

    def action_cancel(self) -> None:
        """Close; after signing, escape returns the sign-off just like Done."""
        self.dismiss(self.signoff)

    def action_submit(self) -> None:
        """Sign off with the form's values, or say what is missing."""
        if self.signoff is not None:
            self.dismiss(self.signoff)
            return
        try:
            self.signoff = self.session.sign_off(
                self._value("name"),
                self._value("email"),
                self._value("role"),
                self._decision(),
            )
        except AnswerError as error:
            self.query_one("#dialog-error", Static).update(Content(str(error)))
            self.query_one("#name", Input).focus()
            return
        self._show_result(self.signoff)

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def _decision(self) -> Decision | None:
        pressed = self.query_one("#decision", RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return None
        return Decision(pressed.id.removeprefix("decision-"))

    def _show_result(self, signoff: SignOff) -> None:
        self.query_one("#signoff-form").display = False
        self.query_one("#signoff-done").display = True
        who = signoff.name + (f" ({signoff.role})" if signoff.role else "")
        self.query_one("#signoff-result", Static).update(
            Content.assemble(
                ("Signed off: ", "bold"),
                decision_content(signoff.decision),
                " by ",
                Content(who),
                "\n",
                ("Time    ", "$text-muted"),
                signoff.time,
                "\n",
                ("Digest  ", "$text-muted"),
                (signoff.digest, "bold"),
                "\n\n",
                (
                    "The digest covers every item's findings, answer and note as they stand now; "
                    "any later change gives a new digest.",
                    "$text-muted",
                ),
            )
        )
        self.query_one("#done", Button).focus()


def _field(label: str, widget: Input) -> ComposeResult:
    """A labelled row of the form."""
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        yield widget
