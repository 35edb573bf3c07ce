"""The overview's table: one row per checklist with its counts by verdict and progress."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from reviewtui.review.model import Verdict
from reviewtui.review.session import ChecklistCounts, ReviewSession

ALL_ROW = "*all*"
"""Row key of the last row, which walks every item of every checklist."""

_COLUMNS = (
    ("Checklist", "checklist"),
    ("pass", Verdict.PASS.value),
    ("fail", Verdict.FAIL.value),
    ("n/a", Verdict.NOT_APPLICABLE.value),
    ("needs a person", Verdict.UNKNOWN.value),
    ("accepted risk", Verdict.ACCEPTED_RISK.value),
    ("answered", "answered"),
)
_VERDICT_COLOURS = {
    Verdict.PASS: "success",
    Verdict.FAIL: "error",
    Verdict.UNKNOWN: "warning",
    Verdict.ACCEPTED_RISK: "secondary",
}
_BAR_WIDTH = 8


class ChecklistTable(DataTable[Text]):
    """Counts by verdict per checklist; selecting a row (enter or click) opens its walk."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        """Add the columns once; rows come with :meth:`show`."""
        for label, key in _COLUMNS:
            self.add_column(
                Text(label, justify="left" if key == "checklist" else "right"), key=key
            )

    def show(self, session: ReviewSession) -> None:
        """Fill the rows from the session, keeping the highlighted row."""
        row = self.cursor_row
        self.clear()
        colours = self._colours()
        totals: list[ChecklistCounts] = []
        for checklist in session.catalogue.checklists:
            counts = session.counts(checklist)
            totals.append(counts)
            self.add_row(
                *self._cells(counts.title, counts, colours, bold=False), key=checklist.name
            )
        self.add_row(*self._cells("All items", _sum(totals), colours, bold=True), key=ALL_ROW)
        self.move_cursor(row=min(row, self.row_count - 1))

    def show_loading(self, session: ReviewSession) -> None:
        """The checklists with their item counts only, while the saved review is read."""
        row = self.cursor_row
        self.clear()
        waiting = [Text("…", style="dim", justify="right") for _ in _COLUMNS[1:-1]]
        for checklist in session.catalogue.checklists:
            total = Text(f"{len(checklist.items)} items", style="dim", justify="right")
            self.add_row(Text(checklist.title), *waiting, total, key=checklist.name)
        self.add_row(Text("All items", style="bold"), *waiting, Text(""), key=ALL_ROW)
        self.move_cursor(row=min(row, self.row_count - 1))

    def _cells(
        self, title: str, counts: ChecklistCounts, colours: dict[Verdict, str], bold: bool
    ) -> list[Text]:
        cells = [Text(title, style="bold" if bold else "")]
        for verdict in (
            Verdict.PASS,
            Verdict.FAIL,
            Verdict.NOT_APPLICABLE,
            Verdict.UNKNOWN,
            Verdict.ACCEPTED_RISK,
        ):
            number = counts.by_verdict.get(verdict, 0)
            style = colours.get(verdict, "") if number else "dim"
            cells.append(Text(str(number), style=style, justify="right"))
        cells.append(_progress(counts.answered, counts.total, colours[Verdict.PASS]))
        return cells

    def _colours(self) -> dict[Verdict, str]:
        """Hex colours from the current theme; Rich text cannot read theme variables."""
        variables = self.app.get_css_variables()
        colours = {}
        for verdict, name in _VERDICT_COLOURS.items():
            colour = variables.get(name, "")
            colours[verdict] = colour[:7] if colour.startswith("#") else ""
        return colours


def _progress(answered: int, total: int, colour: str) -> Text:
    """A small bar and ``answered/total``."""
    filled = round(_BAR_WIDTH * answered / total) if total else 0
    text = Text(justify="right")
    text.append("━" * filled, style=colour)
    text.append("━" * (_BAR_WIDTH - filled), style="dim")
    text.append(f" {answered}/{total}")
    return text


def _sum(counts: list[ChecklistCounts]) -> ChecklistCounts:
    by_verdict: dict[Verdict, int] = {}
    for one in counts:
        for verdict, number in one.by_verdict.items():
            by_verdict[verdict] = by_verdict.get(verdict, 0) + number
    return ChecklistCounts(
        name=ALL_ROW,
        title="All items",
        total=sum(c.total for c in counts),
        answered=sum(c.answered for c in counts),
        by_verdict=by_verdict,
    )
