"""The proposed fix of a failing item: each failing target's change as a diff, to apply,
skip or copy.

A fix is made from the file as it is on disk, and only when that file is still the one
the last scan read; otherwise the screen offers nothing but a rescan. Making a fix and
writing it run in a thread, so a big file never holds up the screen. After a fix is
written the app's own scan runs again and the item's answer updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from reviewtui.fix.model import Fix
from reviewtui.fix.plan import FixError, digest, fixable, propose, read_file
from reviewtui.fix.registry import has_fixer
from reviewtui.fix.write import write_text
from reviewtui.model import Finding, Status, Target
from reviewtui.report.fix_section import words
from reviewtui.review import model as review_model
from reviewtui.review.model import ItemState
from reviewtui.tui.actions import Scope, bindings_for
from reviewtui.tui.render import plain, short_time

if TYPE_CHECKING:
    from reviewtui.tui.app import ReviewApp

_DIFF_STYLES = (
    ("+++", "bold"),
    ("---", "bold"),
    ("@@", "$text-accent"),
    ("+", "$text-success"),
    ("-", "$text-error"),
    ("\\", "$text-muted"),
)
"""The style of a diff line, by how it starts (the first that matches)."""


@dataclass(frozen=True)
class Proposal:
    """What the screen offers for one target: a fix with its masked diff, or why there
    is none (``stale`` when the file changed since the scan, so only a rescan helps)."""

    target: Target
    fix: Fix | None = None
    diff: str = ""
    masked: bool = False
    problem: str = ""
    stale: bool = False


def fixable_findings(state: ItemState) -> list[Finding]:
    """The item's failing findings that no waiver covers and a fixer can fix."""
    return [
        finding
        for finding in state.findings
        if finding.status is Status.FAIL
        and state.waiver_for(finding) is None
        and fixable(state.item.id, finding)
    ]


def no_fix_reason(state: ItemState) -> str:
    """Why the item has nothing to propose, or an empty string when it has."""
    if not has_fixer(state.item.id):
        return "No mechanical fix for this item."
    failing = [finding for finding in state.findings if finding.status is Status.FAIL]
    if not failing:
        return "Nothing to fix: no target of this item fails."
    if all(state.waiver_for(finding) is not None for finding in failing):
        return "Nothing to fix: every failing target of this item is waived."
    if not fixable_findings(state):
        return "No mechanical fix for this item's failing targets."
    return ""


def make_proposal(root: Path, scanned: dict[str, str], item_id: str, finding: Finding) -> Proposal:
    """The fix of one failing target from its file on disk, if that file is the one the
    last scan read (``scanned``: the fingerprint of each file then)."""
    target = finding.target
    try:
        text = read_file(root, target.path)
    except FixError as error:
        return Proposal(target, problem=str(error))
    if target.path not in scanned:
        return Proposal(
            target, problem=f"{target.path} is not scanned yet; rescan first", stale=True
        )
    if scanned[target.path] != digest(text):
        return Proposal(
            target, problem=f"{target.path} changed since the scan; rescan first", stale=True
        )
    fix = propose(item_id, finding, text)
    if fix is None:
        return Proposal(
            target,
            problem=f"No mechanical fix for this target in {target.path}: it needs a person.",
        )
    return Proposal(target, fix, fix.diff(), fix.masked)


def diff_content(diff: str) -> Content:
    """The diff in colour, each line exactly as written (it is masked already)."""
    lines = []
    for line in diff.rstrip("\n").split("\n"):
        style = next((style for start, style in _DIFF_STYLES if line.startswith(start)), "")
        lines.append(plain(line, style))
    return Content("\n").join(lines)


class FixScreen(ModalScreen[None]):
    """The failing targets of one item, one at a time: what the fix does, whether it can
    change behaviour, what to check after, and the diff; apply, skip, copy or close."""

    SCOPE = Scope.FIX
    BINDINGS = bindings_for(Scope.FIX)
    DEFAULT_CSS = """
    FixScreen {
        align: center middle;
        background: $background 60%;
    }
    FixScreen #fix-dialog {
        width: 100;
        max-width: 100%;
        height: 90%;
        max-height: 100%;
        padding: 0 1;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
    }
    FixScreen .fix-line {
        height: auto;
    }
    FixScreen #fix-target {
        margin-top: 1;
    }
    /* At 80x24 every row counts: the whole screen, and no blank line at the top. */
    FixScreen.-narrow #fix-dialog {
        height: 100%;
    }
    FixScreen.-narrow #fix-target {
        margin-top: 0;
    }
    FixScreen .dialog-buttons {
        margin-top: 1;
    }
    FixScreen #fix-diff-box {
        height: 1fr;
        min-height: 3;
        margin: 1 0 0 0;
        background: $background;
        border: round $border-blurred;
    }
    FixScreen #fix-diff-box:focus {
        border: round $accent;
    }
    FixScreen #fix-diff {
        width: auto;
        padding: 0 1;
    }
    FixScreen #fix-status {
        height: auto;
        color: $text-muted;
    }
    """
    AUTO_FOCUS = "#fix-diff-box"

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.proposal: Proposal | None = None
        self.busy = ""
        """What runs now: "proposing", "writing" or "scanning"; empty when nothing does."""
        self.applied: list[Fix] = []
        self._done: set[Target] = set()
        self._result = ""

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return cast("ReviewApp", self.app)

    @property
    def state(self) -> ItemState:
        """The item's state as the session holds it now."""
        return self.review_app.session.state(self.item_id)

    def compose(self) -> ComposeResult:
        """The target, what the fix does, the diff, the status line and the buttons."""
        with Vertical(id="fix-dialog") as dialog:
            dialog.border_title = f"Proposed fix · {self.item_id}"
            yield Static(id="fix-target", classes="fix-line")
            yield Static(id="fix-summary", classes="fix-line")
            yield Static(id="fix-behaviour", classes="fix-line")
            yield Static(id="fix-check", classes="fix-line")
            # Both ways: a diff's long lines are not wrapped, so they read as in the file.
            with ScrollableContainer(id="fix-diff-box"):
                yield Static(id="fix-diff")
            yield Static(id="fix-status")
            with Horizontal(classes="dialog-buttons"):
                # Compact: at 80x24 the diff needs the rows that borders would take.
                yield Button("Apply  a", id="apply", variant="warning", compact=True)
                yield Button("Rescan  r", id="rescan", variant="primary", compact=True)
                yield Button("Skip  s", id="skip", compact=True)
                yield Button("Copy diff  c", id="copy", compact=True)
                yield Button("Close  esc", id="close", compact=True)

    def on_mount(self) -> None:
        """Propose the first target's fix, and hear when a scan ends."""
        self.review_app.review_changed.subscribe(self, lambda _: self._review_changed())
        self._next()

    # Moving through the targets

    def _next(self) -> None:
        """Propose the fix of the first target not applied or skipped yet."""
        found = fixable_findings(self.state)
        left = [finding for finding in found if finding.target not in self._done]
        if not left:
            self._finish()
            return
        self.busy = "proposing"
        self._show_place(left[0].target, len(self._done) + 1, len(self._done) + len(left))
        self._status("Making the fix…")
        self._propose(left[0])

    # A worker's failure is told on the screen, never allowed to end the app.
    @work(thread=True, exclusive=True, group="fix-propose", exit_on_error=False)
    def _propose(self, finding: Finding) -> None:
        session = self.review_app.session
        proposal = make_proposal(
            session.root, dict(session.scanned_digests), self.item_id, finding
        )
        self.app.call_from_thread(self._show, proposal)

    def _show(self, proposal: Proposal) -> None:
        """Fill the screen with one target's proposal (unless it was closed meanwhile)."""
        if not self.is_attached:
            return
        self.busy = ""
        self.proposal = proposal
        fix = proposal.fix
        summary = self.query_one("#fix-summary", Static)
        behaviour = self.query_one("#fix-behaviour", Static)
        check = self.query_one("#fix-check", Static)
        if fix is None:
            summary.update(plain(proposal.problem, "bold $text-warning"))
            behaviour.update("")
            check.update("")
            self.query_one("#fix-diff", Static).update("")
        else:
            summary.update(Content.assemble(("Fix: ", "bold"), Content(words(fix.summary))))
            behaviour.update(_behaviour_content(fix))
            check.update(
                Content.assemble(("Check after: ", "bold"), Content(words(fix.check)))
                if fix.check
                else ""
            )
            self.query_one("#fix-diff", Static).update(diff_content(proposal.diff))
        behaviour.display = fix is not None
        check.display = fix is not None and bool(fix.check)
        box = self.query_one("#fix-diff-box", ScrollableContainer)
        box.display = fix is not None
        box.scroll_home(animate=False)
        self._status(self._result or _proposal_status(proposal))
        self._result = ""
        self._show_buttons(fix is not None, proposal.stale)

    def _show_place(self, target: Target, place: int, total: int) -> None:
        where = Content.assemble(
            (str(target), "bold"), (f"   target {place} of {total}", "$text-muted")
        )
        self.query_one("#fix-target", Static).update(where)

    def _show_buttons(self, offered: bool, stale: bool) -> None:
        self.query_one("#apply", Button).display = offered
        self.query_one("#copy", Button).display = offered
        self.query_one("#rescan", Button).display = stale

    def _finish(self) -> None:
        """Nothing left to propose: say what was applied, and leave only close."""
        self.proposal = None
        count = len(self.applied)
        done = f"Applied {count} fix{'es' if count != 1 else ''}. " if count else ""
        self.query_one("#fix-target", Static).update(
            plain(f"{done}Nothing left to fix for this item.", "bold")
        )
        for name in ("#fix-summary", "#fix-behaviour", "#fix-check", "#fix-diff-box"):
            self.query_one(name).display = False
        self._status(self._result)
        self._show_buttons(False, False)
        self.query_one("#skip", Button).display = False
        self.query_one("#close", Button).focus()

    def _status(self, message: str) -> None:
        self.query_one("#fix-status", Static).update(plain(message))

    # Actions of the table in actions.py

    def action_apply_fix(self) -> None:
        """Write the fix into its file, then scan again."""
        proposal = self.proposal
        if self.busy or proposal is None or proposal.fix is None:
            self.notify("Nothing to apply here.", severity="warning", timeout=3)
            return
        if not self.review_app.ready_to_change():
            return
        self.busy = "writing"
        self._status(f"Writing {proposal.fix.path}…")
        self._write(proposal.fix)

    @work(thread=True, exclusive=True, group="fix-write", exit_on_error=False)
    def _write(self, fix: Fix) -> None:
        try:
            write_text(self.review_app.session.root, fix.path, fix.before, fix.after)
        except FixError as error:
            self.app.call_from_thread(self._not_written, str(error))
            return
        self.app.call_from_thread(self._written, fix)

    def _not_written(self, message: str) -> None:
        self.busy = ""
        self._status(message)
        self.notify(message, severity="error", markup=False)

    def _written(self, fix: Fix) -> None:
        """Record the fix in the item's note, then rescan so the answer follows."""
        self.applied.append(fix)
        self._done.add(fix.target)
        self._add_to_note(fix)
        self.busy = "scanning"
        self._status(f"Wrote {fix.path}; scanning again…")
        self._show_buttons(False, False)
        self.review_app.start_scan()

    def _add_to_note(self, fix: Fix) -> None:
        """A line at the end of the item's note; what the reviewer wrote stays as it was."""
        app = self.review_app
        when = short_time(review_model.now_iso())
        line = f"fix applied to {fix.target}: {words(fix.summary)} ({when})"
        note = self.state.note
        with app.saving():
            app.session.set_note(self.item_id, f"{note}\n{line}" if note.strip() else line)
        app.changed()

    def _review_changed(self) -> None:
        """When the scan that follows a fix or a rescan ends, propose again."""
        if self.busy != "scanning" or self.review_app.scan_state.running:
            return
        self.busy = ""
        if self.applied and self.applied[-1].target in self._done:
            self._result = self._outcome(self.applied[-1])
            self.notify(self._result, markup=False, timeout=5)
        self._next()

    def _outcome(self, fix: Fix) -> str:
        """What the scan after a fix found for its target."""
        finding = next((f for f in self.state.findings if f.target == fix.target), None)
        if finding is None:
            return f"{fix.target}: the scan no longer finds it."
        if finding.status is Status.FAIL:
            return f"{fix.target} still fails: {finding.reason}"
        return f"{fix.target} {_NOW[finding.status]}."

    def action_skip_fix(self) -> None:
        """Leave this target as it is: on to the next one, or close after the last."""
        if self.busy:
            return
        if self.proposal is None:
            self.dismiss(None)
            return
        self._done.add(self.proposal.target)
        left = [f for f in fixable_findings(self.state) if f.target not in self._done]
        if not left:
            self.dismiss(None)
            return
        self._next()

    def action_copy_diff(self) -> None:
        """Put the masked diff on the clipboard."""
        proposal = self.proposal
        if proposal is None or proposal.fix is None:
            self.notify("No diff to copy here.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(proposal.diff)
        if proposal.masked:
            message = (
                "Copied the diff. Secret values are masked in it, so it will not apply "
                "as it stands: a applies the real change."
            )
        else:
            message = "Copied the diff (secret values are masked in every diff)."
        self.notify(message, timeout=5)

    def action_rescan(self) -> None:
        """Scan again, then propose from the file as it is now."""
        if self.busy:
            return
        if not self.review_app.ready_to_change():
            return
        self.busy = "scanning"
        self._status("Scanning again…")
        self._show_buttons(False, False)
        self.review_app.start_scan()

    def action_close(self) -> None:
        """Close; a write under way finishes first."""
        if self.busy == "writing":
            self.notify("Writing the file: a moment.", timeout=2)
            return
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A fix that could not be made or written for a reason nobody foresaw: said here."""
        if event.worker.group.startswith("fix-") and event.state is WorkerState.ERROR:
            self.busy = ""
            message = f"The fix failed: {event.worker.error}"
            self._status(message)
            self.notify(message, severity="error", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The buttons run the same actions as the keys."""
        event.stop()
        actions = {
            "apply": self.action_apply_fix,
            "rescan": self.action_rescan,
            "skip": self.action_skip_fix,
            "copy": self.action_copy_diff,
            "close": self.action_close,
        }
        if event.button.id in actions:
            actions[event.button.id]()


_NOW = {
    Status.PASS: "passes now",
    Status.NOT_APPLICABLE: "does not apply now",
    Status.UNKNOWN: "needs a person now",
}


def _behaviour_content(fix: Fix) -> Content:
    """Whether the fix can change what the service or image does, in plain sight."""
    if fix.behaviour:
        return Content.assemble(
            ("⚠ May change behaviour: ", "bold $text-warning"), Content(words(fix.behaviour))
        )
    return plain("✓ Does not change what the service or image does.", "$text-success")


def _proposal_status(proposal: Proposal) -> str:
    if proposal.fix is None:
        return "r scans again." if proposal.stale else ""
    if proposal.masked:
        return (
            "Secret values are masked in this diff, so it will not apply as copied; "
            "a writes the real change."
        )
    return "Secret values are masked in every diff."
