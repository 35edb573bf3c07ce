"""The dialog that starts a review meeting: who attends."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from reviewtui.review.meeting import parse_attendees
from reviewtui.tui.render import short_time
from reviewtui.tui.screens.dialog import DialogScreen


class AttendeesScreen(DialogScreen[list[str]]):
    """Returns the attendees' names, in order, or None when cancelled.

    ``names`` fill the field to start with: the meeting's that is being resumed, or the
    last meeting's, since the same people tend to meet again. ``resuming`` is the start
    time of a meeting that was never ended and goes on.
    """

    DEFAULT_CSS = """
    AttendeesScreen #attendees {
        height: 7;
    }
    """

    def __init__(self, names: list[str], resuming: str = "") -> None:
        super().__init__()
        self.names = names
        self.resuming = resuming

    def compose(self) -> ComposeResult:
        """A title, the names field, an error line and the buttons."""
        with Vertical(classes="dialog", id="attendees-dialog") as dialog:
            dialog.border_title = "Review meeting"
            yield Static(self._intro(), classes="dialog-intro")
            yield TextArea("\n".join(self.names), id="attendees", tab_behavior="focus")
            yield Static(id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start meeting", id="submit", variant="primary")
                yield Button("Cancel", id="cancel")

    def _intro(self) -> Content:
        parts: list[str | tuple[str, str]] = [
            ("Who attends? ", "bold"),
            "One name per line, or commas between them. The first decides; w changes who.",
        ]
        if self.resuming:
            started = short_time(self.resuming)
            parts += [
                "\n",
                (f"The meeting started {started} was not ended: it goes on.", "$text-warning"),
            ]
        parts += ["\n", ("ctrl+s starts, escape cancels", "$text-muted")]
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        """The cursor at the end of the names, ready to type."""
        area = self.query_one("#attendees", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_submit(self) -> None:
        """Close with the names, unless there are none."""
        names = parse_attendees(self.query_one("#attendees", TextArea).text)
        if not names:
            self.query_one("#dialog-error", Static).update(
                Content("A meeting needs at least one attendee.")
            )
            self.query_one("#attendees", TextArea).focus()
            return
        self.dismiss(names)
