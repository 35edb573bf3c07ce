"""What changed since the last sign-off: the overview's line of counts, and the screen
that lists every change, from which enter opens the item."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from reviewtui.review.changes import ChangeKind, ItemChange, ReviewChanges
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.render import plain, severity_content

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp

KIND_STYLES = {
    ChangeKind.NEW_FAILURE: "bold $text-error",
    ChangeKind.FIXED: "bold $text-success",
    ChangeKind.WAIVER_EXPIRED: "bold $text-warning",
}
"""Theme styles of the kinds that matter most; the others use the primary colour."""

_SEVERITY_WIDTH = len("critical")
_DETAIL_INDENT = 2


def since_words(changes: ReviewChanges) -> str:
    """``2026-12-03 10:00 UTC by Ada (security)``, or what the comparison starts from."""
    return changes.since.words() if changes.since else "the earlier review"


def counts_content(changes: ReviewChanges) -> Content:
    """``1 new failure · 2 fixed · 3 changed · 1 waiver expired``, coloured when not 0."""
    counts = changes.counts()
    pieces = [
        (counts["new_failures"], "new failure", "new failures", "bold $text-error"),
        (counts["fixed"], "fixed", "fixed", "$text-success"),
        (counts["changed"], "changed", "changed", "$text-primary"),
        (counts["waivers_expired"], "waiver expired", "waivers expired", "$text-warning"),
    ]
    parts: list[str | tuple[str, str]] = []
    for count, one, many, style in pieces:
        if parts:
            parts.append(("  ·  ", "$text-muted"))
        words = f"{count} {one if count == 1 else many}"
        parts.append((words, style) if count else (words, "$text-muted"))
    return Content.assemble(*parts)


class ChangesLine(Static):
    """The overview's line: since which sign-off, the counts, and the key that lists them.

    Hidden while there is nothing to compare with (no sign-off that kept a baseline).
    A click opens the list, like the key.
    """

    DEFAULT_CSS = """
    ChangesLine {
        height: auto;
        padding: 0 2;
    }
    """

    def show(self, changes: ReviewChanges | None) -> None:
        """Say what changed, or hide the line when there is no baseline."""
        # TODO: the first comparison after a scan runs on the UI thread: about 2.5 s for
        # a review of 2000 services (reading the baseline, comparing every finding); the
        # scan's worker could do it. Later ones take milliseconds (see changes.py).
        self.display = changes is not None
        if changes is None:
            return
        parts: list[str | Content | tuple[str, str]] = [
            ("Since the last sign-off ", "bold"),
            (f"({since_words(changes)})  ", "$text-muted"),
        ]
        if changes.empty:
            parts.append(
                (
                    "nothing to look at again: no verdict, evidence or answer changed",
                    "$text-success",
                )
            )
        else:
            parts += [counts_content(changes), ("  ·  d lists them", "$text-muted")]
        self.update(Content.assemble(*parts))

    async def on_click(self, event: events.Click) -> None:
        """Open the list of changes."""
        event.stop()
        await self.run_action("screen.show_changes")


def show_changes(app: ReviewApp) -> None:
    """Open the list of changes since the last sign-off, or say why there is none."""
    if not app.ready_to_change():
        return
    changes = app.session.changes_since_signoff()
    if changes is None:
        message = (
            "The last sign-off kept no copy of the reviewed content to compare with."
            if app.session.review.signoffs
            else "Not signed off yet: nothing to compare with."
        )
        app.notify(message, severity="warning")
        return
    app.push_screen(ChangesScreen())


class ChangesScreen(Screen[None]):
    """Every change since the last sign-off, grouped by kind; the highlighted one's
    details below the list. Enter opens the item; escape goes back."""

    DEFAULT_CSS = """
    ChangesScreen #changes-head {
        height: auto;
        padding: 0 1;
        margin: 1 0 0 0;
    }
    ChangesScreen #changes-list {
        height: 1fr;
        min-height: 5;
        margin: 1 1 0 1;
        border: round $primary;
        border-title-style: bold;
    }
    ChangesScreen #changes-list:focus {
        border: round $accent;
    }
    ChangesScreen #changes-detail-box {
        height: auto;
        max-height: 45%;
        margin: 0 1;
        padding: 0 1;
        border: round $border-blurred;
    }
    ChangesScreen #changes-detail {
        height: auto;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "back", tooltip="Back to the overview"),
    ]
    AUTO_FOCUS = "#changes-list"

    def __init__(self) -> None:
        super().__init__()
        self._changes: dict[str, ItemChange] = {}

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    def compose(self) -> ComposeResult:
        """Header, the sign-off and counts, the list, the details, keys."""
        yield Header()
        yield Static(id="changes-head")
        yield OptionList(id="changes-list")
        with VerticalScroll(id="changes-detail-box"):
            yield Static(id="changes-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the changes now, and again after every change of the review (a rescan)."""
        self.review_app.review_changed.subscribe(self, lambda _: self.refresh_changes())
        self.refresh_changes()

    def refresh_changes(self) -> None:
        """Rebuild the list from the session, keeping the highlighted change."""
        changes = self.review_app.session.changes_since_signoff()
        options = self.query_one(OptionList)
        kept = options.highlighted_option.id if options.highlighted_option else None
        self._changes = {}
        if changes is None:
            self.query_one("#changes-head", Static).update(
                plain("No sign-off to compare with any more.", "$text-warning")
            )
            options.clear_options()
            self._show_detail(None)
            return
        self.query_one("#changes-head", Static).update(_head(changes))
        options.border_title = f"Changes ({len(changes.changes)})"
        options.border_subtitle = "enter opens the item"
        options.set_options(self._options(changes))
        if kept is not None and kept in self._changes:
            options.highlighted = options.get_option_index(kept)
        elif self._changes:
            options.highlighted = options.get_option_index(next(iter(self._changes)))
        self._show_detail(self._highlighted())

    def _options(self, changes: ReviewChanges) -> list[Option]:
        """A heading per kind, then one option per change of that kind."""
        if changes.empty:
            empty = "No verdict, evidence or answer changed since the sign-off."
            return [Option(plain(empty, "$text-muted"), disabled=True)]
        options = []
        for kind in ChangeKind:
            of_kind = changes.of(kind)
            if not of_kind:
                continue
            style = KIND_STYLES.get(kind, "bold $text-primary")
            options.append(Option(plain(f"{kind.heading} ({len(of_kind)})", style), disabled=True))
            for change in of_kind:
                key = f"{kind.value}:{change.item_id}"
                self._changes[key] = change
                options.append(Option(_option_content(change), id=key))
        return options

    def _highlighted(self) -> ItemChange | None:
        option = self.query_one(OptionList).highlighted_option
        return self._changes.get(option.id) if option and option.id else None

    def _show_detail(self, change: ItemChange | None) -> None:
        box = self.query_one("#changes-detail-box")
        box.display = change is not None
        if change is not None:
            self.query_one("#changes-detail", Static).update(detail_text(change))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the details of the change under the cursor."""
        event.stop()
        self._show_detail(self._changes.get(event.option.id or ""))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a change opens its item in the walk."""
        event.stop()
        change = self._changes.get(event.option.id or "")
        if change is None:
            return
        if self.review_app.session.catalogue.item(change.item_id) is None:
            self.notify(f"{change.item_id} is no longer in the checklists.", markup=False)
            return
        self.review_app.open_item(change.item_id)

    def action_back(self) -> None:
        """Back to the overview."""
        self.dismiss()


def _head(changes: ReviewChanges) -> Content:
    return Content.assemble(
        ("Since the sign-off ", "bold"),
        plain(f"of {since_words(changes)}", "bold"),
        "\n",
        counts_content(changes),
    )


def _option_content(change: ItemChange) -> Content:
    """``high      Docker socket not mounted  pass → fail``, the severity in its colour."""
    if change.severity is not None:
        severity = severity_content(change.severity)
        severity = severity.pad_right(_SEVERITY_WIDTH - severity.cell_length)
    else:
        severity = plain(" " * _SEVERITY_WIDTH)
    return Content.assemble(
        severity,
        "  ",
        plain(change.title),
        ("  " + change.verdicts, "$text-muted"),
    )


def detail_text(change: ItemChange) -> HangingText:
    """A change in full: the item and its verdicts, then every line of detail, each
    wrapping under itself."""
    lines = [
        Line(
            Content.assemble(
                plain(change.title, "bold"),
                ("  " + change.item_id, "$text-muted"),
            )
        ),
        Line(plain(f"{change.kind.heading} · {change.verdicts}", "$text-secondary")),
    ]
    for text in change.lines():
        depth = len(text) - len(text.lstrip(" "))
        lines.append(Line(plain(text.lstrip(" ")), _DETAIL_INDENT + depth))
    return HangingText(lines)
