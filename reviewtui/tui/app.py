"""The reviewtui app: opens a project's review, scans it in the background, and walks it."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.notifications import Notify
from textual.reactive import Reactive, reactive
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from reviewtui.checklists import Catalogue, ChecklistError
from reviewtui.custom.catalogue import load_project_catalogue
from reviewtui.review.model import Review
from reviewtui.review.session import ReviewSession, ScanProgress
from reviewtui.review.store import ReviewSaveError
from reviewtui.tui import settling
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.commands import ReviewCommands
from reviewtui.tui.render import display_path
from reviewtui.tui.saving import project_relative, review_file_label, save_failure_message
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.walk import WalkFilter

if TYPE_CHECKING:
    from reviewtui.live import LiveSettings
    from reviewtui.project.scanner_reports import ScannerSettings

log = logging.getLogger(__name__)

_PROGRESS_INTERVAL = 0.05
"""Seconds between progress updates; more often only slows the scan down."""

_FIRST_FRAME_WAIT = 1.0
"""Seconds the worker waits at most for the first frame before it reads anything."""

REPORT_FORMATS = (("markdown", "report.md"), ("json", "report.json"), ("sarif", "report.sarif"))
"""What export writes into the project's .reviewtui folder."""


LOADING = "loading the saved review…"
"""The first step of the worker when the app opens the saved review itself."""

_MAX_TOASTS = 3
"""Notifications shown at once; an older one gives way to a newer one."""


@dataclass(frozen=True)
class ScanState:
    """What the background worker is doing: a step and how far it got, or nothing."""

    running: bool
    step: str = ""
    done: int = 0
    total: int = 0

    @property
    def loading(self) -> bool:
        """True while the saved review is being read, before any scan."""
        return self.running and self.step == LOADING

    @property
    def label(self) -> str:
        """The status line's words for this state."""
        return LOADING.capitalize() if self.loading else f"Scanning: {self.step}"


class ReviewApp(App[None]):
    """One project's review in a terminal.

    The overview paints at once; the saved review is read (unless ``session`` is given)
    and the project scanned in a thread, and every screen hears of it through
    :attr:`review_changed`. Until then the session is an empty, unsaved stand-in.
    ``meeting`` starts a review meeting at once, as ``m`` does.
    """

    CSS_PATH = "app.tcss"
    TITLE = "reviewtui"
    BINDINGS = bindings_for(Scope.APP)
    COMMANDS = App.COMMANDS | {ReviewCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    NOTIFICATION_TIMEOUT = 4

    theme: Reactive[str] = Reactive("tokyo-night")
    """Textual's theme, as its own default is declared: set on mount instead, the change
    would parse all the CSS again (and tokenize every theme variable) before the first
    frame. The ``-theme-…`` class a change adds is left out, as for Textual's default."""

    walk_filter: reactive[WalkFilter] = reactive(WalkFilter.ALL)
    """Which items the walk stops at; kept across walks."""

    def __init__(
        self,
        root: Path,
        session: ReviewSession | None = None,
        scan: bool = True,
        *,
        catalogue: Catalogue | None = None,
        scanner_reports: Sequence[Path] = (),
        scanner_settings: ScannerSettings | None = None,
        live: LiveSettings | None = None,
        meeting: bool = False,
    ) -> None:
        super().__init__()
        self.root = root.resolve()
        self._meeting_on_start = meeting
        self._scanner_inputs = (list(scanner_reports), scanner_settings)
        self._live = live
        self._load_on_start = session is None
        self.session = session or _stand_in(self.root, catalogue)
        self._catalogue = self.session.catalogue
        self.scan_on_start = scan
        self.scan_state = ScanState(running=False)
        self.unsaved = False
        """True after a save failed, until one works again."""
        self._announce_scan = False
        self._quit_unsaved = False
        self._quit_typed: object = None
        self._failure_notice = ""
        self._open_error = ""
        self.review_changed: Signal[None] = Signal(self, "review-changed")
        self.scan_progress: Signal[ScanState] = Signal(self, "scan-progress")
        self._first_frame = threading.Event()

    def get_default_screen(self) -> OverviewScreen:
        """The overview, as the screen the app starts on: pushed on mount instead, it
        would go over a blank screen made and styled first, and switching to it would
        hold the first frame back."""
        return OverviewScreen()

    def on_mount(self) -> None:
        """Paint the overview now; read the saved review and scan behind it."""
        settling.start()
        self._show_saved_state()
        self.call_after_refresh(self._drew_first_frame)
        if not self._load_on_start:
            self._tell_notice()
        if self._load_on_start or self.scan_on_start:
            self._start_worker(load=self._load_on_start, scan=self.scan_on_start)
        if self._meeting_on_start:
            self.action_start_meeting()

    def _drew_first_frame(self) -> None:
        settling.first_frame()
        self._first_frame.set()

    def on_unmount(self) -> None:
        """The objects frozen after the scan go back to the collector with the app."""
        settling.release()

    def _tell_notice(self) -> None:
        if self.session.notice:
            self.notify(self.session.notice, severity="warning", timeout=10, markup=False)

    # Notifications

    def on_notify(self, event: Notify) -> None:
        """Keep the toasts few: the same message replaces itself, the oldest gives way.

        Textual adds the notification after this handler, so only older ones go here.
        Textual has no public way to take a toast away; ``_unnotify`` is what a click on
        a toast calls.
        """
        new = event.notification
        shown = list(self._notifications)
        for old in shown:
            if (old.message, old.title, old.severity) == (new.message, new.title, new.severity):
                self._unnotify(old, refresh=False)
        shown = list(self._notifications)
        for old in shown[: max(0, len(shown) - _MAX_TOASTS + 1)]:
            self._unnotify(old, refresh=False)

    def _forget_notice(self, message: str) -> None:
        """Take a toast away before its time: its news is out of date."""
        for old in list(self._notifications):
            if old.message == message:
                self._unnotify(old, refresh=False)

    # The review

    def changed(self) -> None:
        """Tell every screen that the review changed (and was saved, or said why not)."""
        self.review_changed.publish(None)

    def ready_to_change(self) -> bool:
        """False, with a notice, while the worker runs: answers wait for fresh findings.

        Also False for good when the saved review could not be opened: answers given to
        the empty stand-in would be saved nowhere.
        """
        if self._open_error:
            self.notify(self._open_error, severity="error", markup=False)
            return False
        if not self.scan_state.running:
            return True
        if self.scan_state.loading:
            self.notify("Wait for the saved review to load.", severity="warning", timeout=3)
        else:
            self.notify("Wait for the scan to finish.", severity="warning", timeout=3)
        return False

    @contextmanager
    def saving(self) -> Iterator[None]:
        """Run a change of the session that saves the review; a failed save is told.

        The session keeps the change in memory when the file cannot be written, so the
        reviewer loses nothing and the next change (or ctrl+s) tries again. Any other
        error (an answer the session refuses, say) goes to the caller.
        """
        try:
            yield
        except OSError as error:
            self.save_failed(error)
        else:
            self._saved()

    def save_failed(self, error: OSError) -> None:
        """Say that the review is not saved, why, and that the answers are kept."""
        log.warning("cannot save the review: %s", error)
        self.unsaved = True
        self._show_saved_state()
        self._failure_notice = save_failure_message(self.session, error)
        self.notify(
            self._failure_notice,
            title="Not saved",
            severity="error",
            timeout=15,
            markup=False,
        )

    def _saved(self) -> None:
        if not self.unsaved:
            return
        self.unsaved = False
        self._quit_unsaved = False
        self._show_saved_state()
        self._forget_notice(self._failure_notice)
        self.notify(f"Saved {review_file_label(self.session)}", markup=False)

    def _show_saved_state(self) -> None:
        """The header says when the review on disk is behind the one on screen."""
        where = display_path(self.root)
        self.sub_title = f"{where} · NOT SAVED" if self.unsaved else where

    def open_item(self, item_id: str) -> None:
        """Walk the checklist of ``item_id``, starting at that item."""
        # Imported at the first walk, not with the app: the first frame shows the
        # overview only, and the item screen brings the fix, note and report modules.
        from reviewtui.tui.screens.item import ItemScreen

        item = self.session.state(item_id).item
        checklist = next(c for c in self.session.catalogue.checklists if c.name == item.checklist)
        ids = [each.id for each in checklist.items]
        self.push_screen(ItemScreen(checklist, ids, ids.index(item_id)))

    def open_walk(self, checklist_name: str | None) -> None:
        """Walk one checklist (or every item when None) from its first shown item."""
        from reviewtui.tui.screens.item import ItemScreen  # as in open_item

        catalogue = self.session.catalogue
        checklist = next((c for c in catalogue.checklists if c.name == checklist_name), None)
        items = list(checklist.items) if checklist else catalogue.items
        if not items:
            self.notify("This checklist has no items.", severity="warning")
            return
        screen = ItemScreen(checklist, [item.id for item in items])
        states = {item.id: self.session.state(item.id) for item in items}
        if not screen.walk.first_match(states, self.walk_filter):
            self.notify(f"No {self.walk_filter.value} items here: showing the first.")
        self.push_screen(screen)

    # Loading and scanning

    def start_scan(self) -> None:
        """Scan in a thread worker; the overview shows its progress."""
        if self.scan_state.running:
            self.notify("A scan is already running.", timeout=2)
            return
        self._start_worker(load=False, scan=True)

    def _start_worker(self, load: bool, scan: bool) -> None:
        first = LOADING if load else "finding files"
        self._set_scan_state(ScanState(running=True, step=first))
        self._load_and_scan(load, scan)

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _load_and_scan(self, load: bool, scan: bool) -> int | None:
        """Read the saved review when asked, then scan; how many items' findings changed.

        Returns None when there was no scan. Runs in a thread: a big review file takes
        seconds to read, and the first frame must not wait for it.
        """
        # The thread would take its share of the interpreter while the first frame is
        # drawn: it waits for that frame (or a little while, should none come).
        self._first_frame.wait(_FIRST_FRAME_WAIT)
        if load:
            reports, settings = self._scanner_inputs
            session = ReviewSession.open(
                self.root,
                self._catalogue,
                scanner_reports=reports,
                scanner_settings=settings,
                live=self._live,
            )
            self.call_from_thread(self._adopt, session, scan)
        if not scan:
            settling.after_scan()
            return None
        settling.before_scan()
        before = self.session.review.findings
        try:
            self.session.scan(self._progress_reporter())
        except ReviewSaveError as error:
            self.call_from_thread(self.save_failed, error)
        after = self.session.review.findings
        changed = sum(
            1 for item in self.session.catalogue.items if before.get(item.id) != after.get(item.id)
        )
        settling.after_scan()
        return changed

    def _progress_reporter(self) -> ScanProgress:
        last = 0.0

        def progress(step: str, done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < _PROGRESS_INTERVAL and done != total:
                return
            last = now
            self.call_from_thread(self._set_scan_state, ScanState(True, step, done, total))

        return progress

    def _adopt(self, session: ReviewSession, scanning: bool) -> None:
        """Take the session read by the worker in place of the stand-in, and show it."""
        self.session = session
        self._set_scan_state(ScanState(True, "finding files") if scanning else ScanState(False))
        self._tell_notice()
        self.changed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """When the worker ends, say so everywhere; a failure is reported, not raised."""
        if event.worker.group != "scan" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        was_loading = self.scan_state.loading
        self._set_scan_state(ScanState(running=False))
        announce, self._announce_scan = self._announce_scan, False
        if announce:
            self._forget_notice(_SCANNING)
        if event.state is WorkerState.ERROR:
            what = "Cannot open the saved review" if was_loading else "The scan failed"
            message = f"{what}: {event.worker.error}"
            log.error("%s", message)
            if was_loading:
                self._open_error = f"{message}; nothing can be answered. Quit with q."
            self.notify(message, severity="error", timeout=10, markup=False)
        elif announce and isinstance(event.worker.result, int):
            self.notify(_scan_done(event.worker.result))
        self.changed()

    def _set_scan_state(self, state: ScanState) -> None:
        self.scan_state = state
        self.scan_progress.publish(state)

    # Actions of the table in actions.py

    def action_show_help(self) -> None:
        """Open the help screen, or close it when it is open."""
        from reviewtui.tui.screens.help import HelpScreen  # not needed for the first frame

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen())

    def action_start_meeting(self) -> None:
        """Ask who attends, then walk the review with them on the meeting screen."""
        from reviewtui.tui.screens.meeting import open_meeting  # not needed for the first frame

        open_meeting(self)

    def action_sign_off(self) -> None:
        """Open the sign-off form."""
        # Imported here, not with the app: the first frame must not wait for its widgets.
        from reviewtui.tui.screens.signoff import SignOffScreen

        if isinstance(self.screen, SignOffScreen) or not self.ready_to_change():
            return
        self.push_screen(SignOffScreen(self.session), lambda _: self.changed())

    def action_rescan(self) -> None:
        """Read the project again, saying so at the start and at the end."""
        if self.scan_state.running:
            self.notify("A scan is already running.", timeout=2)
            return
        self._announce_scan = True
        self.notify(_SCANNING, timeout=30)
        self.start_scan()

    def action_save_review(self) -> None:
        """Save the review now: the way to retry after a save failed."""
        if not self.ready_to_change():
            return
        if not self.session.autosave:
            self.notify("This review is read-only: nothing is saved.", severity="warning")
            return
        with self.saving():
            self.session.save()
            if not self.unsaved:
                self.notify(f"Saved {review_file_label(self.session)}", markup=False)

    async def action_quit(self) -> None:
        """Quit; with unsaved answers, try once more and ask for a second q. Text typed
        in a dialog and not saved yet also asks first: nothing typed is lost unasked."""
        screen = self.screen
        typing = getattr(screen, "has_unsaved_text", None)
        if typing is not None and typing() and self._quit_typed is not screen:
            self._quit_typed = screen
            self.notify(
                "What you typed here is not saved: ctrl+s saves it; press ctrl+q again "
                "to quit without it.",
                severity="warning",
                timeout=10,
            )
            return
        if self.unsaved and not self._quit_unsaved:
            with self.saving():
                self.session.save()
            if self.unsaved:
                self._quit_unsaved = True
                self.notify(
                    "The review is not saved: press q again to quit and lose the answers "
                    "not saved, or fix it and press ctrl+s.",
                    severity="warning",
                    timeout=10,
                )
                return
        self.exit()

    def action_export(self) -> None:
        """Write the Markdown and JSON reports into the project's .reviewtui folder."""
        # Imported here, not with the app: the first frame must not wait for it.
        from reviewtui.report import write_report

        # A sign-off made meanwhile by `reviewtui sign` is on disk only: without it the
        # report would leave it out, and its seal would not verify.
        self.session.refresh_from_disk()
        folder = self.session.root / ".reviewtui"
        try:
            # With the proposed fixes, made from the files unchanged since the last scan.
            # TODO: each format makes the fixes again, on the UI thread; for a project of
            # hundreds of services that is a noticeable pause.
            written = [
                write_report(self.session, fmt, folder / name, fixes=True)
                for fmt, name in REPORT_FORMATS
            ]
        except OSError as error:
            reason = error.strerror or str(error)
            if folder.exists() and not folder.is_dir():
                reason = ".reviewtui is a file, not a folder"
            self.notify(
                f"Cannot write the reports to .reviewtui/: {reason}",
                severity="error",
                markup=False,
            )
            return
        self.notify(_wrote(self.session.root, written), markup=False)


_SCANNING = "Scanning…"


def _scan_done(changed: int) -> str:
    """The notice at the end of a rescan."""
    if not changed:
        return "Scan done: nothing changed."
    return f"Scan done: {changed} item{'s' if changed != 1 else ''} changed."


def _wrote(root: Path, written: list[Path]) -> str:
    """``Wrote .reviewtui/report.md, .json, .sarif``: the first file relative to the
    project, the others by what differs from it, so the notice stays one short line."""
    shown = [project_relative(root, path) for path in written]
    first = PurePosixPath(shown[0])
    rest = []
    for path in shown[1:]:
        other = PurePosixPath(path)
        if other.parent == first.parent and other.stem == first.stem:
            rest.append(other.suffix)
        elif other.parent == first.parent:
            rest.append(other.name)
        else:
            rest.append(path)
    return "Wrote " + ", ".join([shown[0], *rest])


def _stand_in(root: Path, catalogue: Catalogue | None) -> ReviewSession:
    """An empty session that saves nothing, shown until the worker has read the real one."""
    catalogue = catalogue or load_project_catalogue(root)
    return ReviewSession(root, catalogue, Review(project=root.name), path=None, autosave=False)


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


def run_app(
    root: Path,
    catalogue: Catalogue | None = None,
    scanner_reports: Sequence[Path] = (),
    scanner_settings: ScannerSettings | None = None,
    live: LiveSettings | None = None,
    meeting: bool = False,
) -> int:
    """Run the app on the project at ``root`` (with ``catalogue``, or the shipped and the
    project's own checklists, the scanner reports and settings and the live engines of
    the command line);
    the exit code for the command line: 0, 2 for a bad folder or checklist, and 1 when
    the app crashed.

    Only the checklists are read here, so a broken one is told before the screen is
    taken; the saved review is read behind the first frame.
    """
    if not root.is_dir():
        sys.stderr.write(f"reviewtui: {root}: not a folder\n")
        return 2
    try:
        catalogue = catalogue or load_project_catalogue(root.resolve())
    except ChecklistError as error:
        sys.stderr.write(f"reviewtui: {error}\n")
        return 2
    app = ReviewApp(
        root,
        catalogue=catalogue,
        scanner_reports=scanner_reports,
        scanner_settings=scanner_settings,
        live=live,
        meeting=meeting,
    )
    with _logging_into(app):
        app.run()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(run_app(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
