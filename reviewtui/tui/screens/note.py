"""The dialog for writing the reviewer's note on an item."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from reviewtui.tui.screens.dialog import DialogScreen


class NoteScreen(DialogScreen[str]):
    """Returns the edited note (empty removes it), or None when cancelled."""

    def __init__(self, item_title: str, note: str = "") -> None:
        super().__init__()
        self.item_title = item_title
        self.note = note

    def compose(self) -> ComposeResult:
        """A title, the text area and the buttons."""
        with Vertical(classes="dialog", id="note-dialog") as dialog:
            dialog.border_title = "Note"
            yield Static(
                Content.assemble(
                    ("Note on ", "bold"),
                    Content(self.item_title),
                    ("   ctrl+s saves, escape cancels", "$text-muted"),
                ),
                classes="dialog-intro",
            )
            yield TextArea(self.note, id="note", soft_wrap=True, tab_behavior="focus")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save note", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    def has_unsaved_text(self) -> bool:
        """The note as typed differs from the note as saved."""
        return self.query_one("#note", TextArea).text.rstrip() != self.note.rstrip()

    def on_mount(self) -> None:
        """Put the cursor at the end of the note, ready to type."""
        area = self.query_one("#note", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_submit(self) -> None:
        """Close with the note as written."""
        self.dismiss(self.query_one("#note", TextArea).text)
