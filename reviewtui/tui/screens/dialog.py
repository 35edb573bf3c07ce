"""The base of every small dialog: escape cancels, ctrl+s saves."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button

from reviewtui.tui.actions import Scope, bindings_for

ResultT = TypeVar("ResultT")


class DialogScreen(ModalScreen[ResultT]):
    """A modal that returns a result on save and None on cancel.

    Subclasses implement :meth:`action_submit`; a button with id ``cancel`` cancels and
    one with id ``submit`` saves.
    """

    SCOPE = Scope.DIALOG
    BINDINGS = bindings_for(Scope.DIALOG)

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    def has_unsaved_text(self) -> bool:
        """Whether the reviewer typed something here that is not saved yet, so quitting
        now would lose it."""
        return False

    def action_submit(self) -> None:
        """Validate and close with a result."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The dialog's buttons run the same actions as the keys."""
        event.stop()
        if event.button.id == "cancel":
            self.action_cancel()
        elif event.button.id == "submit":
            self.action_submit()
