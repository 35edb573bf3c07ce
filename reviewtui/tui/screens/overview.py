"""The first screen: every checklist's counts, the problems, the scan and the sign-off."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Container
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from reviewtui.review.model import SignOff
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import decision_content, display_path, short_time
from reviewtui.tui.screens.changes import ChangesLine, show_changes
from reviewtui.tui.widgets.checklist_table import ALL_ROW, ChecklistTable
from reviewtui.tui.widgets.failing_table import FailingTable
from reviewtui.tui.widgets.problem_list import ProblemList
from reviewtui.tui.widgets.scan_status import ScanStatus

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp, ScanState


class OverviewScreen(Screen[None]):
    """The checklists with counts by verdict; enter (or a click) walks one of them."""

    SCOPE = Scope.OVERVIEW
    BINDINGS = bindings_for(Scope.OVERVIEW)
    AUTO_FOCUS = "#checklists"

    def __init__(self) -> None:
        super().__init__()
        self._stale = False

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    def compose(self) -> ComposeResult:
        """Header, project and scan line, the table, the problems, the sign-off, keys."""
        yield Header()
        yield ScanStatus(id="scan-status")
        yield ChecklistTable(id="checklists")
        with Container(id="overview-lower"):
            yield FailingTable(id="failing")
            yield ProblemList(id="problems")
        yield ChangesLine(id="changes-line")
        yield Static(id="signoff-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show what the session holds now, and follow its changes."""
        self.query_one("#checklists").border_title = "Checklists"
        self.review_app.review_changed.subscribe(self, self._on_review_changed)
        self.review_app.scan_progress.subscribe(self, self._on_scan_progress)
        self.refresh_review()
        # The worker may have started before this screen could hear of it.
        self._on_scan_progress(self.review_app.scan_state)

    def refresh_review(self) -> None:
        """Redraw every part from the session."""
        self._stale = False
        if self.review_app.scan_state.loading:
            self._show_loading()
            return
        session = self.review_app.session
        table = self.query_one(ChecklistTable)
        table.show(session)
        table.border_subtitle = f"{len(session.catalogue.items)} items"
        self.query_one(FailingTable).show(session)
        self.query_one(ProblemList).show(session.review.problems, self._no_problems())
        signoffs = session.review.signoffs
        # The digest costs a pass over every finding: only a sign-off needs it.
        changed = bool(signoffs) and signoffs[-1].digest != session.digest()
        self.query_one("#signoff-line", Static).update(
            signoff_content(signoffs[-1] if signoffs else None, changed)
        )
        self.query_one(ChangesLine).show(session.changes_since_signoff() if changed else None)
        if not self.review_app.scan_state.running:
            self.query_one(ScanStatus).idle(self._scanned_content())

    def _show_loading(self) -> None:
        """Only what is known before the saved review is read: the checklists."""
        session = self.review_app.session
        self.query_one(ChecklistTable).show_loading(session)
        self.query_one(FailingTable).show_loading()
        self.query_one(ProblemList).show([], Content.styled("…", "$text-muted"))
        self.query_one(ChangesLine).show(None)
        self.query_one("#signoff-line", Static).update(
            Content.assemble(("Sign-off  ", "bold"), ("…", "$text-muted"))
        )

    def _no_problems(self) -> Content:
        """What the problem list says when it is empty: all read, or nothing to read.

        The review keeps findings, not the files found; a project where no item has a
        single finding is one where discovery found nothing the detectors read.
        """
        session = self.review_app.session
        if not session.review.scanned_at:
            return Content.styled("Not scanned yet.", "$text-muted")
        if not any(session.review.findings.values()):
            return Content.assemble(
                ("No Docker files found in ", "bold $text-warning"),
                (display_path(session.root), "bold $text-warning"),
                (
                    ": no Dockerfile, compose file, daemon.json, .dockerignore or CI file, "
                    "so every item needs a person.",
                    "$text-warning",
                ),
            )
        return Content.styled("Every file the review looks at was read.", "$text-muted")

    def _scanned_content(self) -> Content:
        session = self.review_app.session
        scanned = short_time(session.review.scanned_at)
        parts: list[str | tuple[str, str]] = [
            ("Project ", "$text-muted"),
            (display_path(session.root), "bold"),
            ("  ·  ", "$text-muted"),
            (f"scanned {scanned}" if scanned else "not scanned yet", "$text-muted"),
        ]
        for engine in session.review.engines:
            parts.append(("  ·  engine ", "$text-muted"))
            if engine.error:
                parts.append((f"{engine.host} not reachable", "bold $text-warning"))
            else:
                parts.append((engine.host, "bold"))
                parts.append((f" ({engine.containers} containers)", "$text-muted"))
        return Content.assemble(*parts)

    def _on_review_changed(self, _: None) -> None:
        # Answers come from the walk; redraw when the overview is seen again.
        if self.is_current:
            self.refresh_review()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        """Back from the walk or a dialog: redraw what changed meanwhile."""
        if self._stale:
            self.refresh_review()

    def _on_scan_progress(self, state: ScanState) -> None:
        status = self.query_one(ScanStatus)
        if state.running:
            status.running(state.label, state.done, state.total)
            if state.loading:
                self._show_loading()
        else:
            status.idle(self._scanned_content())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter or a click on a checklist walks it; on a failing item, opens that item."""
        event.stop()
        key = str(event.row_key.value)
        if isinstance(event.data_table, FailingTable):
            self.review_app.open_item(key)
        else:
            self._open(key)

    def action_open_checklist(self) -> None:
        """Walk the highlighted checklist (the palette's way to do what enter does)."""
        table = self.query_one(ChecklistTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._open(str(row_key.value))

    def action_walk_all(self) -> None:
        """Walk every item of every checklist."""
        self._open(ALL_ROW)

    def action_show_changes(self) -> None:
        """List what changed since the last sign-off."""
        show_changes(self.review_app)

    def _open(self, name: str) -> None:
        self.review_app.open_walk(None if name == ALL_ROW else name)


def signoff_content(signoff: SignOff | None, changed_since: bool) -> Content:
    """The last sign-off in one line, and whether the review changed since it."""
    if signoff is None:
        return Content.assemble(
            ("Sign-off  ", "bold"), ("not signed off yet; press s to sign off", "$text-muted")
        )
    who = signoff.name + (f" ({signoff.role})" if signoff.role else "")
    parts: list[str | Content | tuple[str, str]] = [
        ("Sign-off  ", "bold"),
        decision_content(signoff.decision),
        " by ",
        Content(who),
        ("  ·  " + short_time(signoff.time), "$text-muted"),
        ("  ·  digest " + signoff.digest[:12], "$text-muted"),
    ]
    if changed_since:
        parts.append(("  ·  the review changed since", "bold $text-warning"))
    return Content.assemble(*parts)
