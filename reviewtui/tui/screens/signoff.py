"""The sign-off form: who signs, in what role, what they decide and with which SSH key;
then the digest and the signature."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from reviewtui.review import signing
from reviewtui.review.model import Decision, SignOff, Verdict
from reviewtui.review.session import AnswerError, ReviewSession
from reviewtui.tui.render import decision_content
from reviewtui.tui.screens.dialog import DialogScreen

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp


_TALL_ENOUGH = 30
"""Terminal rows the form needs with fields of three rows; below, each takes one."""


class SignOffScreen(DialogScreen[SignOff]):
    """Signs the session off and shows the digest; returns the sign-off, or None."""

    # On a short terminal the fields are one row each, on a lighter ground (see
    # on_resize), so the whole form (four fields, the decision and buttons) fits 24 rows.
    DEFAULT_CSS = """
    SignOffScreen.-short .form-row Input {
        background: $panel;
        padding: 0 1;
    }
    SignOffScreen.-short .form-row Input.-refused {
        background-tint: $error 30%;
    }
    """

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
                if self.session.review.signoffs:
                    yield Static(_earlier(self.session.review.signoffs), id="signoff-earlier")
                yield from _field("name", "Name", last.name if last else "", "required")
                yield from _field("email", "Email", last.email if last else "", "optional")
                yield from _field(
                    "role", "Role", last.role if last else "", "e.g. security reviewer", False
                )
                yield from _field(
                    "key",
                    "Key",
                    signing.git_signing_key(self.session.root),
                    "SSH key file or key::…; empty signs off unsigned",
                )
                with RadioSet(id="decision") as decisions:
                    decisions.border_title = "Decision"
                    for decision in Decision:
                        # No decision is chosen in advance: signing is a deliberate act.
                        yield RadioButton(decision.label, id=f"decision-{decision.value}")
                yield _error_line("decision-error")
                yield _error_line("dialog-error")
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

    def on_resize(self, event: events.Resize) -> None:
        """Fields of one row on a short terminal, of three on a tall one."""
        short = event.size.height < _TALL_ENOUGH
        self.set_class(short, "-short")
        # Set on the widgets: the app's stylesheet gives rows and labels their tall size.
        for row in self.query(".form-row"):
            row.styles.height = 1 if short else None
            row.styles.margin = (1, 0, 0, 0) if short else None
        for label in self.query(".form-label"):
            label.styles.padding = 0 if short else None
        self.query_one("#decision").styles.margin = (1, 0, 0, 0) if short else None
        for field in self.query(".form-row Input").results(Input):
            field.compact = short
            # A refused field keeps to its one row: its tint says it was refused.
            field.styles.border = ("none", "black") if short else None

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing in a field that was refused takes its error away."""
        if event.input.has_class("-refused"):
            event.input.remove_class("-refused")
            self.query_one(f"#{event.input.id}-error", Static).display = False

    def on_radio_set_changed(self, _: RadioSet.Changed) -> None:
        """Choosing a decision takes the missing-decision error away."""
        self.query_one("#decision-error", Static).display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field moves on; in the last field it signs."""
        event.stop()
        if event.input.id == "key":
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
        """Sign off with the form's values, or say what is wrong beside its field."""
        if self.signoff is not None:
            self.dismiss(self.signoff)
            return
        self._clear_errors()
        app = cast("ReviewApp", self.app)
        signoffs = self.session.review.signoffs
        before = len(signoffs)
        # TODO: ssh-keygen signs on the event loop; a hardware key waiting for a touch
        # freezes the screen until it comes (or ssh-keygen gives up after two minutes).
        try:
            with app.saving():
                self.session.sign_off(
                    self._value("name"),
                    self._value("email"),
                    self._value("role"),
                    self._decision(),
                    key=self._value("key"),
                )
        except AnswerError as error:
            self._show_error(str(error))
            return
        except signing.SigningError as error:
            self._show_error(str(error), "key")
            return
        # Signed even when the save failed: the sign-off is kept in memory, as answers are.
        if len(signoffs) > before:
            self.signoff = signoffs[-1]
            self._show_result(self.signoff)

    def _show_error(self, message: str, field: str = "") -> None:
        """Put the session's complaint under the field it is about, and go there."""
        field = field or _field_of(message)
        line = self.query_one(f"#{field}-error" if field else "#dialog-error", Static)
        # The choices stand right above the error: naming them again takes two lines.
        shown = "Choose a decision above." if field == "decision" else _sentence(message)
        line.update(Content(shown))
        line.display = True
        if field == "decision":
            self.query_one("#decision", RadioSet).focus()
        elif field:
            widget = self.query_one(f"#{field}", Input)
            widget.add_class("-refused")
            widget.focus()

    def _clear_errors(self) -> None:
        for line in self.query(".dialog-error").results(Static):
            line.update("")
            line.display = False
        for widget in self.query(Input):
            widget.remove_class("-refused")

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
                "\n",
                ("Key     ", "$text-muted"),
                _signature(signoff),
                "\n\n",
                (
                    "The digest covers every item's findings, answer and note as they stand now; "
                    "any later change gives a new digest. "
                    + (
                        "The SSH signature covers the content and the sign-off; "
                        "reviewtui verify checks it."
                        if signoff.signed
                        else "Nothing proves who made an unsigned sign-off."
                    ),
                    "$text-muted",
                ),
            )
        )
        self.query_one("#done", Button).focus()


def _signature(signoff: SignOff) -> Content:
    """Whether a signature backs the sign-off, and with which key."""
    if not signoff.signed:
        return Content.styled("none: the sign-off is unsigned", "$warning")
    return Content.styled(f"{signing.key_kind(signoff.key)} {signoff.fingerprint}", "bold")


def _earlier(signoffs: list[SignOff]) -> Content:
    """The sign-offs already made, each with whether it is signed: the last three."""
    shown = [
        f"{signoff.name} ({'signed' if signoff.signed else 'unsigned'})"
        for signoff in signoffs[-3:]
    ]
    more = f"{len(signoffs) - 3} more, " if len(signoffs) > 3 else ""
    return Content.styled(f"Signed off before: {more}{', '.join(shown)}.", "$text-muted")


def _field(
    field_id: str, label: str, value: str, placeholder: str, can_fail: bool = True
) -> ComposeResult:
    """A labelled row of the form, and the line under it for its error (``name-error``)."""
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        yield Input(value, id=field_id, placeholder=placeholder)
    if can_fail:
        yield _error_line(f"{field_id}-error", classes="field-error")


def _error_line(id: str, classes: str = "") -> Static:
    """An error line, hidden until there is something to say."""
    line = Static(id=id, classes=f"dialog-error {classes}".strip())
    line.display = False
    return line


def _field_of(message: str) -> str:
    """Which field the session's AnswerError is about, from its words; "" for none.

    The email comes first: its message quotes what was typed, which may hold any word.
    """
    if message.endswith("is not an email address"):
        return "email"
    if "decision" in message:
        return "decision"
    if "name" in message:
        return "name"
    return ""


def _sentence(message: str) -> str:
    """The session's lower-case message as a sentence."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
