"""The reviewtui app: opens a project's review, scans it in the background, and walks it."""

from __future__ import annotations

import importlib
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import App
from textual.reactive import reactive
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from reviewtui.checklists import ChecklistError
from reviewtui.review.session import ReviewSession
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.commands import ReviewCommands
from reviewtui.tui.render import display_path
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.screens.signoff import SignOffScreen
from reviewtui.tui.walk import WalkFilter

log = logging.getLogger(__name__)

_PROGRESS_INTERVAL = 0.05
"""Seconds between progress updates; more often only slows the scan down."""

REPORT_FORMATS = (("markdown", "report.md"), ("json", "report.json"))
"""What export writes into the project's .reviewtui folder."""


@dataclass(frozen=True)
class ScanState:
    """What the background scan is doing: a step and how far it got, or nothing."""

    running: bool
    step: str = ""
    done: int = 0
    total: int = 0


class ReviewApp(App[None]):
    """One project's review in a terminal.

    The overview paints at once from the saved review; the scan runs in a thread and
    updates every screen through :attr:`review_changed` when it ends.
    """

    CSS_PATH = "app.tcss"
    TITLE = "reviewtui"
    BINDINGS = bindings_for(Scope.APP)
    COMMANDS = App.COMMANDS | {ReviewCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    walk_filter: reactive[WalkFilter] = reactive(WalkFilter.ALL)
    """Which items the walk stops at; kept across walks."""

    def __init__(
        self, root: Path, session: ReviewSession | None = None, scan: bool = True
    ) -> None:
        super().__init__()
        self.session = session or ReviewSession.open(root)
        self.scan_on_start = scan
        self.scan_state = ScanState(running=False)
        self.review_changed: Signal[None] = Signal(self, "review-changed")
        self.scan_progress: Signal[ScanState] = Signal(self, "scan-progress")

    def on_mount(self) -> None:
        """Paint the overview now and start the scan behind it."""
        self.theme = "tokyo-night"
        self.sub_title = display_path(self.session.root)
        self.push_screen(OverviewScreen())
        if self.session.notice:
            self.notify(self.session.notice, title="Review file", severity="warning", timeout=10)
        if self.scan_on_start:
            self.start_scan()

    # The review

    def changed(self) -> None:
        """Tell every screen that the review changed (it is saved already)."""
        self.review_changed.publish(None)

    def ready_to_change(self) -> bool:
        """False, with a notice, while a scan is running: answers wait for fresh findings."""
        if self.scan_state.running:
            self.notify(
                "Wait for the scan to finish before answering.", severity="warning", timeout=3
            )
            return False
        return True

    def open_item(self, item_id: str) -> None:
        """Walk the checklist of ``item_id``, starting at that item."""
        item = self.session.state(item_id).item
        checklist = next(c for c in self.session.catalogue.checklists if c.name == item.checklist)
        ids = [each.id for each in checklist.items]
        self.push_screen(ItemScreen(checklist, ids, ids.index(item_id)))

    def open_walk(self, checklist_name: str | None) -> None:
        """Walk one checklist (or every item when None) from its first shown item."""
        catalogue = self.session.catalogue
        checklist = next((c for c in catalogue.checklists if c.name == checklist_name), None)
        items = list(checklist.items) if checklist else catalogue.items
        if not items:
            self.notify("This checklist has no items.", severity="warning")
            return
        screen = ItemScreen(checklist, [item.id for item in items])
        states = {item.id: self.session.state(item.id) for item in items}
        if not screen.walk.first_match(states, self.walk_filter):
            self.notify(
                f"No {self.walk_filter.value} items here: showing the first item.", timeout=3
            )
        self.push_screen(screen)

    # Scanning

    def start_scan(self) -> None:
        """Scan in a thread worker; the overview shows its progress."""
        if self.scan_state.running:
            self.notify("A scan is already running.", timeout=2)
            return
        self._set_scan_state(ScanState(running=True, step="finding files"))
        self._scan()

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _scan(self) -> None:
        last = 0.0

        def progress(step: str, done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < _PROGRESS_INTERVAL and done != total:
                return
            last = now
            self.call_from_thread(self._set_scan_state, ScanState(True, step, done, total))

        self.session.scan(progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """When the scan ends, say so everywhere; a failed scan is reported, not raised."""
        if event.worker.group != "scan" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self._set_scan_state(ScanState(running=False))
        if event.state is WorkerState.ERROR:
            log.error("scan failed: %s", event.worker.error)
            self.notify(
                f"The scan failed: {event.worker.error}",
                severity="error",
                timeout=10,
                markup=False,
            )
        self.changed()

    def _set_scan_state(self, state: ScanState) -> None:
        self.scan_state = state
        self.scan_progress.publish(state)

    # Actions of the table in actions.py

    def action_show_help(self) -> None:
        """Open the help screen, or close it when it is open."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen())

    def action_sign_off(self) -> None:
        """Open the sign-off form."""
        if isinstance(self.screen, SignOffScreen) or not self.ready_to_change():
            return
        self.push_screen(SignOffScreen(self.session), lambda _: self.changed())

    def action_rescan(self) -> None:
        """Read the project again."""
        self.start_scan()

    def action_export(self) -> None:
        """Write the Markdown and JSON reports into the project's .reviewtui folder."""
        try:
            report = importlib.import_module("reviewtui.report")
        except ImportError as error:
            self.notify(f"Reports are not available: {error}", severity="error", markup=False)
            return
        folder = self.session.root / ".reviewtui"
        try:
            written = [
                report.write_report(self.session, fmt, folder / name)
                for fmt, name in REPORT_FORMATS
            ]
        except OSError as error:
            self.notify(f"Could not write the report: {error}", severity="error", markup=False)
            return
        shown = ", ".join(display_path(Path(path)) for path in written)
        self.notify(f"Wrote {shown}", title="Export", markup=False)


class _AppLogHandler(logging.Handler):
    """Sends log records to the app's devtools log, never onto the screen it draws."""

    def __init__(self, app: App[None]) -> None:
        super().__init__()
        self.app = app

    def emit(self, record: logging.LogRecord) -> None:
        """Hand the formatted record to Textual's logger."""
        self.app.log.logging(self.format(record))


@contextmanager
def _logging_into(app: App[None]) -> Iterator[None]:
    """While the app runs, a log line written to the terminal would tear the screen."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [_AppLogHandler(app)]
    try:
        yield
    finally:
        root.handlers = saved


def run_app(root: Path) -> int:
    """Run the app on the project at ``root``; the exit code for the command line."""
    if not root.is_dir():
        sys.stderr.write(f"reviewtui: {root}: not a folder\n")
        return 2
    try:
        session = ReviewSession.open(root)
    except ChecklistError as error:
        sys.stderr.write(f"reviewtui: {error}\n")
        return 2
    app = ReviewApp(root, session)
    with _logging_into(app):
        app.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(run_app(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
