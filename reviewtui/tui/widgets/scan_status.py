"""A one-line status under the header: the project, and the scan's progress or time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import ProgressBar, Static


class ScanStatus(Horizontal):
    """Shows what the scan is doing with a bar while it runs, and when it ran after."""

    def compose(self) -> ComposeResult:
        """A label and a bar that shows only while scanning."""
        yield Static(id="scan-label")
        yield ProgressBar(id="scan-bar", show_eta=False)

    def on_mount(self) -> None:
        """Start idle."""
        self.query_one("#scan-bar", ProgressBar).display = False

    def running(self, step: str, done: int, total: int) -> None:
        """Show what runs (``Scanning: reading files``); a total of 0 means the amount of
        work is not known yet."""
        label = step + (f" {done}/{total}" if total else "")
        self.query_one("#scan-label", Static).update(Content(label))
        bar = self.query_one("#scan-bar", ProgressBar)
        bar.display = True
        bar.update(total=total or None, progress=done)

    def idle(self, text: Content) -> None:
        """Hide the bar and show ``text``."""
        self.query_one("#scan-bar", ProgressBar).display = False
        self.query_one("#scan-label", Static).update(text)
