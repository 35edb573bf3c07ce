"""The dialog asking why a risk is accepted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from reviewtui.tui.screens.dialog import DialogScreen


class RiskReasonScreen(DialogScreen[str]):
    """Returns the reason for accepting the risk, or None when cancelled."""

    def __init__(self, item_title: str, reason: str = "") -> None:
        super().__init__()
        self.item_title = item_title
        self.reason = reason

    def compose(self) -> ComposeResult:
        """A title, the reason field, an error line and the buttons."""
        with Vertical(classes="dialog", id="risk-dialog") as dialog:
            dialog.border_title = "Accept the risk"
            yield Static(
                Content.assemble(
                    ("Why is this risk accepted? ", "bold"), Content(self.item_title)
                ),
                classes="dialog-intro",
            )
            yield Input(
                self.reason, placeholder="the reason, e.g. who decided and until when", id="reason"
            )
            yield Static(id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Accept risk", id="submit", variant="warning")
                yield Button("Cancel", id="cancel")

    def has_unsaved_text(self) -> bool:
        """A reason was typed and not yet given."""
        return self.query_one("#reason", Input).value.strip() != self.reason.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the field saves."""
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Close with the reason, unless it is empty."""
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#dialog-error", Static).update(
                Content("An accepted risk needs a reason.")
            )
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(reason)
