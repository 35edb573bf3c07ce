"""The proposed fixes a report carries: made from the project's files when the report is
written, masked, and shown folded under each failing item of the Markdown report.

A fix is only proposed over a file that is still the one the last scan read: a file
changed since gets no diff, and a line saying so. What is kept is the masked diff and
the fixer's words, never a file's text, so no report (nor the seal of a Markdown one)
can hold a secret through a fix. The escaping helpers live in
:mod:`reviewtui.report.markdown`, which imports this module, so they are imported where
they are used.
"""

from __future__ import annotations

import difflib
import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewtui.fix.model import Fix, diff_is_masked, masked_lines, unified_diff
from reviewtui.masking import mask_secrets, strip_controls
from reviewtui.model import Finding, Status, Target
from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import ReviewSession

log = logging.getLogger(__name__)

MAX_SUMMARY = 120
"""Characters of the fixers' summaries on the folded line of an item's fixes."""


@dataclass(frozen=True)
class Replacement:
    """Lines of the file as scanned that a fix replaces, for SARIF: from the start of line
    ``start`` to the start of line ``end`` (the same line for an insertion), by
    ``inserted`` (whole lines)."""

    start: int
    end: int
    inserted: str


@dataclass(frozen=True)
class TargetFix:
    """One failing target's fix as the reports show it, made on the file as scanned.

    ``diff`` is masked; ``masked`` says that masking changed it, so it will not apply
    as it stands. ``replacements`` are the changed lines for SARIF, empty when a line
    they would insert had to be masked.
    """

    item: str
    target: Target
    path: str
    summary: str
    behaviour: str
    check: str
    diff: str
    masked: bool
    replacements: tuple[Replacement, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain form for the JSON report."""
        return {
            "item": self.item,
            "target": self.target.to_dict(),
            "path": self.path,
            "summary": self.summary,
            "changes_behaviour": bool(self.behaviour),
            "behaviour": self.behaviour,
            "check": self.check,
            "diff": self.diff,
            "masked": self.masked,
        }


@dataclass(frozen=True)
class FileDiff:
    """Every fix of one item to one file, made one after the other: the change the
    Markdown report shows (masked; ``masked`` when masking changed it)."""

    path: str
    diff: str
    masked: bool


@dataclass(frozen=True)
class ItemFixes:
    """What a report proposes for one failing item: a fix per target, the combined diff
    per file, and a line for each file that got none (changed since the scan, say)."""

    fixes: tuple[TargetFix, ...] = ()
    files: tuple[FileDiff, ...] = ()
    notes: tuple[str, ...] = ()


def collect_fixes(session: ReviewSession) -> dict[str, ItemFixes]:
    """The proposed fixes of every failing item, by item id, from the files on disk.

    Only the failing targets no waiver covers get one, and only in files unchanged since
    the session's last scan (a session that did not scan proposes nothing). The most
    severe items go first, until the fixers have worked through :data:`MAX_FIX_TEXT`
    characters; the targets left untried are counted in their item's notes.
    """
    from reviewtui.fix.plan import FILE_KINDS
    from reviewtui.fix.registry import has_fixer

    if not session.scanned_digests:
        return {}
    files = _ScannedFiles(session)
    budget = _Budget(MAX_FIX_TEXT)
    # What plan.fixable asks of each finding, the fixer looked up once per item.
    failing = [
        state
        for state in session.states()
        if state.verdict is Verdict.FAIL and has_fixer(state.item.id)
    ]
    failing.sort(key=lambda state: -state.item.severity.rank)
    collected: dict[str, ItemFixes] = {}
    for state in failing:
        found = [f for f in open_failures(state) if f.target.kind in FILE_KINDS]
        if found:
            fixes = _item_fixes(state.item.id, found, files, budget)
            if fixes.fixes or fixes.notes:
                collected[state.item.id] = fixes
    return collected


MAX_FIX_TEXT = 100_000
"""Characters of file text the fixers may work through for one report.

A fixer parses the whole file, edits it and checks the result, so each fix costs about
as much as its file is long; a report must stay quick on a compose file of hundreds of
services, and the Markdown one has no room for hundreds of diffs anyway.
"""


def open_failures(state: ItemState) -> list[Finding]:
    """The item's failing findings that no waiver in force covers."""
    return [
        finding
        for finding in state.findings
        if finding.status is Status.FAIL and state.waiver_for(finding) is None
    ]


@dataclass
class _Budget:
    """What is left of the text the fixers may work through; once a fix does not fit,
    none is tried after it (nor its file read), so the count of the rest stays cheap."""

    left: int
    spent: bool = False

    def spend(self, text: str) -> bool:
        """Take the cost of one fix on ``text``; False when too little is left."""
        if len(text) > self.left:
            self.spent = True
        if self.spent:
            return False
        self.left -= len(text)
        return True


class _ScannedFiles:
    """The project's files, each read once, and only when unchanged since the scan."""

    def __init__(self, session: ReviewSession) -> None:
        self.root: Path = session.root
        self.digests = session.scanned_digests
        self.texts: dict[str, str | None] = {}
        self.notes: dict[str, str] = {}

    def text(self, rel: str) -> str | None:
        """The file's text, or None (with :attr:`notes` saying why)."""
        from reviewtui.fix.plan import FixError, digest, read_file

        if rel not in self.texts:
            text: str | None = None
            try:
                text = read_file(self.root, rel)
            except FixError as error:
                self.notes[rel] = str(error)
            if text is not None and self.digests.get(rel) != digest(text):
                self.notes[rel] = f"{rel} changed since the scan; no fix shown (scan again)"
                text = None
            self.texts[rel] = text
        return self.texts[rel]


def _item_fixes(
    item_id: str, failing: Sequence[Finding], files: _ScannedFiles, budget: _Budget
) -> ItemFixes:
    """Each target's fix, made on its file as scanned, and the item's change per file."""
    from reviewtui.fix.plan import propose

    fixes: list[TargetFix] = []
    notes: list[str] = []
    combined: list[FileDiff] = []
    if budget.spent:  # nothing more is tried: the count of the targets is all there is
        return ItemFixes(notes=(_untried(len(failing), item_id),))
    untried = 0
    by_path: dict[str, list[Finding]] = {}
    for finding in failing:
        by_path.setdefault(finding.target.path, []).append(finding)
    for rel, found in by_path.items():
        if budget.spent:
            untried += len(found)
            continue
        text = files.text(rel)
        if text is None:
            notes.append(files.notes[rel])
            continue
        made: list[Fix] = []
        for finding in found:
            if not budget.spend(text):
                untried += 1
                continue
            fix = propose(item_id, finding, text)
            if fix is not None:
                made.append(fix)
        fixes += [report_fix(fix) for fix in made]
        combined += _file_diffs(rel, text, made, fixes[len(fixes) - len(made) :])
    if untried:
        notes.append(_untried(untried, item_id))
    return ItemFixes(tuple(fixes), tuple(combined), tuple(notes))


def _untried(count: int, item_id: str) -> str:
    return (
        f"{count} more failing target{'s' if count != 1 else ''} not tried here, to "
        f"keep the report quick: reviewtui fix --item {item_id} tries them"
    )


def _file_diffs(
    rel: str, text: str, made: Sequence[Fix], shown: Sequence[TargetFix]
) -> list[FileDiff]:
    """One diff of every fix to ``rel`` at once, when they change separate lines; else
    each fix's own diff. No fixer runs again: the changes are merged line by line."""
    if not made:
        return []
    merged = _merged(text, [line_changes(fix.before, fix.after) for fix in made])
    if len(made) == 1 or merged is None:
        return [FileDiff(rel, fix.diff, fix.masked) for fix in shown]
    return [FileDiff(rel, unified_diff(rel, text, merged), diff_is_masked(rel, text, merged))]


_Change = tuple[int, int, list[str]]
"""Lines ``start`` to ``end`` (0-based, end excluded) replaced by whole lines."""


def line_changes(before: str, after: str) -> list[_Change]:
    """The lines ``after`` changes in ``before``, in order."""
    new = after.splitlines(keepends=True)
    return [(first, last, new[at:until]) for first, last, at, until in _opcodes(before, after)]


def _opcodes(before: str, after: str) -> list[tuple[int, int, int, int]]:
    """Each change as the lines it replaces in ``before`` and those of ``after`` it puts
    there (0-based, ends excluded)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [
        (first, last, at, until)
        for tag, first, last, at, until in matcher.get_opcodes()
        if tag != "equal"
    ]


def _merged(text: str, changes: Sequence[Sequence[_Change]]) -> str | None:
    """``text`` with every change applied, or None when two of them touch the same lines
    (or insert at the same place, where their order would be a guess)."""
    ordered = sorted((change for each in changes for change in each), key=lambda c: c[:2])
    for (start, end, _), (next_start, next_end, _) in zip(ordered, ordered[1:], strict=False):
        if next_start < end or (start, end) == (next_start, next_end):
            return None
    lines = text.splitlines(keepends=True)
    for start, end, inserted in reversed(ordered):
        lines[start:end] = inserted
    return "".join(lines)


def report_fix(fix: Fix) -> TargetFix:
    """A fix as the reports keep it: masked words and diff, and the lines for SARIF."""
    return TargetFix(
        fix.item,
        fix.target,
        fix.path,
        words(fix.summary),
        words(fix.behaviour),
        words(fix.check),
        fix.diff(),
        fix.masked,
        replacements(fix.before, fix.after),
    )


def replacements(before: str, after: str) -> tuple[Replacement, ...]:
    """The lines ``after`` replaces in ``before``; none when a line it inserts must be
    masked, or when ``before`` does not end with a line end (SARIF could not place the
    last line's change)."""
    if before and not before.endswith("\n"):
        return ()
    new, shown = after.splitlines(keepends=True), masked_lines(after)
    changes: list[Replacement] = []
    for first, last, at, until in _opcodes(before, after):
        if new[at:until] != shown[at:until]:
            return ()
        changes.append(Replacement(first + 1, last + 1, "".join(new[at:until])))
    return tuple(changes)


def words(value: str) -> str:
    """A fixer's words on one line, masked and without control characters: they may
    quote the file."""
    return strip_controls(mask_secrets(" ".join(value.split())))


# The Markdown report


def fix_lines(fixes: ItemFixes | None, with_diff: bool) -> list[str]:
    """The lines under a failing item: its fixes folded in ``<details>`` (what each does,
    then the diff of each file), and a line for each file that got none.

    ``with_diff`` False leaves the diffs out (the report must be shortened) and says so.
    """
    if fixes is None:
        return []
    from reviewtui.report.markdown import text

    lines = [f"*{text(note)}*" for note in fixes.notes]
    lines += [""] if lines else []
    if not fixes.fixes:
        return lines
    lines += [f"<details><summary>{_summary_line(fixes.fixes)}</summary>", ""]
    # Targets fixed the same way share their warnings: said once, under the list.
    shared = len(fixes.fixes) > 1 and len({(f.behaviour, f.check) for f in fixes.fixes}) == 1
    for fix in fixes.fixes:
        lines.append(f"- {text(str(fix.target))}: {text(fix.summary)}")
        if not shared:
            lines += _warning_lines(fix, "  - ")
    lines.append("")
    if shared:
        for line in _warning_lines(fixes.fixes[0], ""):
            lines += [line, ""]
    if with_diff:
        for file in fixes.files:
            lines += diff_block(file.diff)
            if file.masked:
                lines += [
                    "*Masked lines: this diff will not apply as it stands; "
                    "`reviewtui fix --apply` writes the real change.*",
                    "",
                ]
    else:
        lines += [
            "*The diff is left out to fit the comment limit; `reviewtui fix` prints it.*",
            "",
        ]
    return [*lines, "</details>", ""]


def _warning_lines(fix: TargetFix, prefix: str) -> list[str]:
    """What applying ``fix`` can change and what to check after it, as Markdown lines."""
    from reviewtui.report.markdown import text

    lines = []
    if fix.behaviour:
        lines.append(f"{prefix}**May change behaviour:** {text(fix.behaviour)}")
    if fix.check:
        lines.append(f"{prefix}**Check after:** {text(fix.check)}")
    return lines


def diff_block(diff: str) -> list[str]:
    """A fenced ``diff`` block longer than any run of backticks in it, so nothing in the
    diff can end it; the diff is shown exactly as written (it is masked already)."""
    longest = max((len(run) for run in _backtick_runs(diff)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}diff", *diff.rstrip("\n").split("\n"), fence, ""]


def _backtick_runs(value: str) -> list[str]:
    runs, run = [], ""
    for character in value:
        if character == "`":
            run += character
        elif run:
            runs.append(run)
            run = ""
    return [*runs, run] if run else runs


def _summary_line(fixes: Sequence[TargetFix]) -> str:
    """``Proposed fix: WHAT (2 targets) — may change behaviour``, as HTML text: the line
    sits in an HTML block, where Markdown is not read, so it is only HTML-escaped."""
    summaries = list(dict.fromkeys(fix.summary for fix in fixes))
    if len(summaries) > 1:
        # "Make the root filesystem read-only (read_only: true; tmpfs: /tmp)" and the
        # same with other paths: the part before the details says it for all of them.
        summaries = list(dict.fromkeys(summary.split(" (")[0] for summary in summaries))
    shown = "; ".join(summaries)
    if len(shown) > MAX_SUMMARY:
        shown = shown[: MAX_SUMMARY - 1].rstrip() + "…"
    count = f" ({len(fixes)} targets)" if len(fixes) > 1 else ""
    warning = " — may change behaviour" if any(fix.behaviour for fix in fixes) else ""
    return html.escape(f"Proposed fix: {shown}{count}{warning}", quote=False)


def fixes_by_target(fixes: Mapping[str, ItemFixes]) -> dict[tuple[str, Target], TargetFix]:
    """Each target's fix by item id and target, for the SARIF results."""
    return {(fix.item, fix.target): fix for found in fixes.values() for fix in found.fixes}
