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
_TARGETS_HEADER = "targets"
# Two cells of padding per column, and room for the vertical scrollbar.
_CHROME = 2 * 3 + 2

_SEVERITY_COLOURS = {"critical": "error", "high": "error", "medium": "warning", "low": ""}


class FailingTable(DataTable[Text]):
    """Every item whose verdict is fail: severity, title and how many targets fail."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._targets_width = len(_TARGETS_HEADER)

    def on_mount(self) -> None:
        """Add the columns once; rows come with :meth:`show`."""
        self.add_column("severity", key="severity", width=_SEVERITY_WIDTH)
        self.add_column("item", key="item", width=_MIN_TITLE)
        self.add_column(
            Text(_TARGETS_HEADER, justify="right"), key="targets", width=self._targets_width
        )

    def on_resize(self) -> None:
        """Give the title column whatever the others leave, so nothing scrolls sideways."""
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The targets column as wide as its widest cell; the title takes the rest."""
        title = max(_MIN_TITLE, self.size.width - _SEVERITY_WIDTH - self._targets_width - _CHROME)
        resized = False
        for key, width in (("targets", self._targets_width), ("item", title)):
            column = self.columns.get(ColumnKey(key))
            if column is not None and column.width != width:
                column.width = width
                resized = True
        if resized:
            self._require_update_dimensions = True
            self.refresh()

    def show(self, session: ReviewSession) -> None:
        """Fill the rows from the session, worst severity first, keeping the cursor row."""
        cursor = self.cursor_row
        self.clear()
        failing = [state for state in session.states() if state.verdict is Verdict.FAIL]
        failing.sort(key=lambda state: -state.item.severity.rank)
        variables = self.app.get_css_variables()
        rows = [self._cells(state, variables) for state in failing]
        self._targets_width = max([len(_TARGETS_HEADER), *(cells[-1].cell_len for cells in rows)])
        self._fit_columns()
        for state, cells in zip(failing, rows, strict=True):
            self.add_row(*cells, key=state.item.id)
        self.border_title = f"Failing items ({len(failing)})"
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))

    def _cells(self, state: ItemState, variables: dict[str, str]) -> list[Text]:
        severity = state.item.severity.value
        colour = variables.get(_SEVERITY_COLOURS[severity], "")
        style = (colour[:7] if colour.startswith("#") else "") + (
            " bold" if severity == "critical" else ""
        )
        return [
            Text(severity, style=style.strip()),
            Text(state.item.title, no_wrap=True, overflow="ellipsis"),
            Text(targets_cell(state), justify="right", style="dim"),
        ]

    def show_loading(self) -> None:
        """No rows and no count while the saved review is read."""
        self.clear()
        self.border_title = "Failing items"


def targets_cell(state: ItemState) -> str:
    """How many targets fail, ``5 of 5000``; ``yours`` when the fail is the reviewer's.

    A reviewer who fails an item that no target fails (a person's item, or one the
    detectors passed) gets the same word whichever way it came about.
    """
    failing = sum(1 for finding in state.findings if finding.status is Status.FAIL)
    return f"{failing} of {len(state.findings)}" if failing else "yours"
