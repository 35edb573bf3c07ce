"""The overview's list of files that could not be read, with where and why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from reviewtui.model import Problem


class ProblemList(VerticalScroll):
    """Every problem of the last scan as ``path:line  reason``, wrapped and scrollable."""

    def compose(self) -> ComposeResult:
        """One Static holds the whole list; it rewraps when the width changes."""
        yield Static(id="problem-text")

    def show(self, problems: list[Problem]) -> None:
        """Replace the list; the border title counts the problems."""
        self.border_title = f"Problems ({len(problems)})" if problems else "Problems"
        text = self.query_one("#problem-text", Static)
        if not problems:
            text.update(Content.styled("Every file the review looks at was read.", "$text-muted"))
            return
        lines = [
            Content.assemble((problem.location, "$text-warning"), "  ", problem.reason)
            for problem in problems
        ]
        text.update(Content("\n").join(lines))
