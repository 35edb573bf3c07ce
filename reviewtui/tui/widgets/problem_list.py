"""The overview's list of files that could not be read, with where and why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from reviewtui.model import Problem
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.render import plain


class ProblemList(VerticalScroll):
    """Every problem of the last scan as ``path:line  reason``, wrapped and scrollable."""

    def compose(self) -> ComposeResult:
        """One Static holds the whole list; it rewraps when the width changes."""
        yield Static(id="problem-text")

    def show(self, problems: list[Problem], empty: Content) -> None:
        """Replace the list, or say ``empty`` when there is none; the title counts them.

        A long reason wraps under itself, so each problem still starts at the edge.
        """
        self.border_title = f"Problems ({len(problems)})" if problems else "Problems"
        text = self.query_one("#problem-text", Static)
        if not problems:
            text.update(empty)
            return
        text.update(
            HangingText(
                [
                    Line(
                        Content.assemble(
                            (problem.location, "$text-warning"), "  ", plain(problem.reason)
                        )
                    )
                    for problem in problems
                ]
            )
        )
