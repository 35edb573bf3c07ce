"""The overview's list of failing items, worst first; selecting one opens it in the walk."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from reviewtui.model import Status
from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import ReviewSession

_MIN_TITLE = 20
_SEVERITY_WIDTH = len("critical")
_TARGETS_WIDTH = len("12 of 345")
# Two cells of padding per column, and room for the vertical scrollbar.
_CHROME = 2 * 3 + 2

_SEVERITY_COLOURS = {"critical": "error", "high": "error", "medium": "warning", "low": ""}


class FailingTable(DataTable[Text]):
    """Every item whose verdict is fail: severity, title and how many targets fail."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        """Add the columns once; rows come with :meth:`show`."""
        self.add_column("severity", key="severity", width=_SEVERITY_WIDTH)
        self.add_column("item", key="item", width=_MIN_TITLE)
        self.add_column(Text("targets", justify="right"), key="targets", width=_TARGETS_WIDTH)

    def on_resize(self) -> None:
        """Give the title column whatever the others leave, so nothing scrolls sideways."""
        width = max(_MIN_TITLE, self.size.width - _SEVERITY_WIDTH - _TARGETS_WIDTH - _CHROME)
        column = self.columns.get(ColumnKey("item"))
        if column is not None and column.width != width:
            column.width = width
            self._require_update_dimensions = True
            self.refresh()

    def show(self, session: ReviewSession) -> None:
        """Fill the rows from the session, worst severity first, keeping the cursor row."""
        row = self.cursor_row
        self.clear()
        failing = [state for state in session.states() if state.verdict is Verdict.FAIL]
        failing.sort(key=lambda state: -state.item.severity.rank)
        variables = self.app.get_css_variables()
        for state in failing:
            self.add_row(*self._cells(state, variables), key=state.item.id)
        self.border_title = f"Failing items ({len(failing)})"
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def _cells(self, state: ItemState, variables: dict[str, str]) -> list[Text]:
        severity = state.item.severity.value
        colour = variables.get(_SEVERITY_COLOURS[severity], "")
        style = (colour[:7] if colour.startswith("#") else "") + (
            " bold" if severity == "critical" else ""
        )
        failing = sum(1 for finding in state.findings if finding.status is Status.FAIL)
        targets = f"{failing} of {len(state.findings)}" if state.findings else "yours"
        return [
            Text(severity, style=style.strip()),
            Text(state.item.title, no_wrap=True, overflow="ellipsis"),
            Text(targets, justify="right", style="dim"),
        ]
