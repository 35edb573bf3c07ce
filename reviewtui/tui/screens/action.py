"""The dialog that makes a failing item an action item: who fixes it, and by when."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from reviewtui.review.session import AnswerError, ReviewSession
from reviewtui.tui.screens.dialog import DialogScreen

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp


class ActionScreen(DialogScreen[tuple[str, str]]):
    """Sets the item's owner and due date; returns them (both empty: cleared), or None.

    The session checks the values, so the dialog says what is wrong and stays open
    rather than losing what was typed.
    """

    def __init__(self, session: ReviewSession, item_id: str, item_title: str) -> None:
        super().__init__()
        self.session = session
        self.item_id = item_id
        self.item_title = item_title

    def compose(self) -> ComposeResult:
        """A title, the owner and due date fields, an error line and the buttons."""
        answer = self.session.review.answers.get(self.item_id)
        with Vertical(classes="dialog", id="action-dialog") as dialog:
            dialog.border_title = "Owner and due date"
            yield Static(
                Content.assemble(
                    ("Who fixes ", "bold"),
                    Content(self.item_title),
                    (", and by when?", "bold"),
                    "\n",
                    ("Empty fields remove the owner and due date.", "$text-muted"),
                ),
                classes="dialog-intro",
            )
            with Horizontal(classes="form-row"):
                yield Label("Owner", classes="form-label")
                yield Input(
                    answer.owner if answer else "",
                    id="owner",
                    placeholder="e.g. @octocat or platform-team",
                )
            with Horizontal(classes="form-row"):
                yield Label("Due", classes="form-label")
                yield Input(
                    answer.due if answer else "",
                    id="due",
                    placeholder="YYYY-MM-DD, e.g. 2027-01-31 (optional)",
                )
            yield Static(id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start in the owner field."""
        self.query_one("#owner", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the owner field moves on; in the due date it saves."""
        event.stop()
        if event.input.id == "owner":
            self.query_one("#due", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        """Save the action in the session, or say why it cannot be saved."""
        owner = self.query_one("#owner", Input).value.strip()
        due = self.query_one("#due", Input).value.strip()
        app = cast("ReviewApp", self.app)
        try:
            with app.saving():
                self.session.set_action(self.item_id, owner, due)
        except AnswerError as error:
            message = str(error)
            self.query_one("#dialog-error", Static).update(
                Content(message[:1].upper() + message[1:] + ".")
            )
            self.query_one("#due" if "date" in message else "#owner", Input).focus()
            return
        self.dismiss((owner, due))
