"""``reviewtui fix PATH``: the mechanical fixes of the failing targets, as a patch or written.

Without ``--apply`` nothing is written: the combined change of each file is printed as a
unified diff, each preceded by ``#`` lines saying what the fixes do, so the output works
with ``git apply`` or ``patch -p1`` in the project's folder (unless a line had to be
masked, which the output says). ``--apply`` writes each file atomically, only when it
has not changed since the scan, then scans again and says which fixed targets pass.
Exits 0 when all went well, 1 when a file could not be written or a fixed target still
fails, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewtui.commands import scan_options
from reviewtui.commands.base import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.fix.model import Fix
    from reviewtui.fix.plan import FilePlan
    from reviewtui.model import Finding, Target
    from reviewtui.review.session import ReviewSession

NAME = "fix"
HELP = "print the mechanical fixes of the failing targets as a diff, or write them"
MASKED_WARNING = "masked lines: this diff will not apply; use --apply"
"""Said in a patch whose lines had to be masked, so nobody applies it blindly."""
_CLOSE_IDS = 3
"""How many similar item ids an unknown one is answered with."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The project, which items and targets to fix, and whether to write the fixes."""
    parser.epilog = (
        "Without --apply nothing is written: the output is a patch for 'git apply' or "
        "'patch -p1' in the project's folder. Exit status: 0 when all went well; 1 when "
        "--apply could not write a file or a fixed target still fails; 2 for a usage error."
    )
    scan_options.add_path_argument(parser)
    parser.add_argument(
        "--item",
        action="append",
        default=[],
        metavar="ID",
        help="fix only this item (repeatable; default: every item that has a fix)",
    )
    parser.add_argument(
        "--target",
        metavar="GLOB",
        help="fix only the targets this glob matches: 'service web (compose.yaml)', the "
        "file's path or the service's name (e.g. web, deploy/*)",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="write the fixes (atomically, only into files unchanged since the scan), "
        "then scan again and say which fixed targets pass",
    )
    scan_options.add_checklists_option(parser)


@dataclass
class Selection:
    """The failing targets asked for: those to fix, and how many a waiver keeps as they are.

    ``without_fixer`` names the items asked for by ``--item`` that have no mechanical fix.
    """

    pairs: list[tuple[str, Finding]] = field(default_factory=list)
    waived: int = 0
    without_fixer: list[str] = field(default_factory=list)


def run(options: argparse.Namespace) -> int:
    """Print or write the fixes; the exit code says whether every write and fix worked."""
    from reviewtui.fix.plan import plan_files
    from reviewtui.review.session import ReviewSession

    root = scan_options.project_dir(options.path)
    catalogue = scan_options.project_catalogue(root, options.checklists)
    wanted = _wanted_items(catalogue, options.item)
    session = ReviewSession.open(root, catalogue, autosave=False)
    session.scan()
    selection = select(session, wanted, options.target)
    for item_id in selection.without_fixer:
        _note(f"{item_id} has no mechanical fix")
    if selection.waived:
        _note(f"{_counted(selection.waived, 'waived target')} left as they are (waivers in force)")
    order = [item.id for item in catalogue.items]
    plans, errors = plan_files(root, selection.pairs, order)
    plans = _unchanged_since_scan(session, plans, errors)
    for error in errors:
        _note(error)
    for plan in plans:
        for item_id, target, reason in plan.skipped:
            _note(f"{item_id}, {target}: {reason}")
    fixing = [plan for plan in plans if plan.fixes]
    # A file that cannot be fixed is a file --apply could not write.
    status = EXIT_FAILED if options.apply and errors else EXIT_OK
    if not fixing:
        if not errors:
            _note(f"nothing to fix in {root}: no failing target asked for has a mechanical fix")
        return status
    if not options.apply:
        sys.stdout.write("".join(patch_text(plan) for plan in fixing))
        return status
    return max(status, _apply(session, fixing))


def select(session: ReviewSession, wanted: Sequence[str], glob: str | None) -> Selection:
    """The failing targets of the ``wanted`` items (all when empty) that ``glob`` matches,
    leaving out those an active waiver covers."""
    from reviewtui.fix.registry import has_fixer
    from reviewtui.model import Status
    from reviewtui.waivers.model import matches_pattern

    selection = Selection(without_fixer=[item_id for item_id in wanted if not has_fixer(item_id)])
    for state in session.states():
        item_id = state.item.id
        if (wanted and item_id not in wanted) or not has_fixer(item_id):
            continue
        for finding in state.findings:
            if finding.status is not Status.FAIL:
                continue
            if glob is not None and not matches_pattern(glob, finding.target):
                continue
            if state.waiver_for(finding) is not None:
                selection.waived += 1
                continue
            selection.pairs.append((item_id, finding))
    return selection


def _unchanged_since_scan(
    session: ReviewSession, plans: list[FilePlan], errors: list[str]
) -> list[FilePlan]:
    """The plans whose file is still the one the scan read; an error line for the others."""
    from reviewtui.fix.plan import digest

    kept = []
    for plan in plans:
        if session.scanned_digests.get(plan.path) != digest(plan.before):
            errors.append(f"{plan.path} changed since the scan; no fix (run the command again)")
            continue
        kept.append(plan)
    return kept


def patch_text(plan: FilePlan) -> str:
    """One file's fixes: a ``#`` line per fix (and what it may change, what to check),
    then the combined diff; a masked diff says it will not apply."""
    from reviewtui.fix.model import diff_is_masked, unified_diff

    lines = [f"# {plan.path}: {_counted(len(plan.fixes), 'fix', 'fixes')}"]
    for fix in plan.fixes:
        lines += fix_comment(fix)
    if diff_is_masked(plan.path, plan.before, plan.after):
        lines.append(f"# {MASKED_WARNING}")
    return "\n".join(lines) + "\n" + unified_diff(plan.path, plan.before, plan.after)


def fix_comment(fix: Fix) -> list[str]:
    """``# ITEM, service web: summary`` and, indented, what it may change and what to
    check, each wrapped to :data:`COMMENT_WIDTH` columns."""
    lines = _comment("# ", f"{fix.item}, {target_words(fix.target)}: {_one_line(fix.summary)}")
    if fix.behaviour:
        lines += _comment("#   ", f"may change behaviour: {_one_line(fix.behaviour)}")
    if fix.check:
        lines += _comment("#   ", f"check: {_one_line(fix.check)}")
    return lines


COMMENT_WIDTH = 99
"""Columns of the comment lines before each file's diff."""


def _comment(lead: str, words: str) -> list[str]:
    import textwrap

    return textwrap.wrap(
        words,
        COMMENT_WIDTH,
        initial_indent=lead,
        subsequent_indent=lead + "    ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def target_words(target: Target) -> str:
    """``service web`` for a compose service (the diff names its file), else the target."""
    from reviewtui.model import TargetKind

    if target.kind is TargetKind.SERVICE:
        return f"service {target.name}"
    return str(target)


def _apply(session: ReviewSession, plans: list[FilePlan]) -> int:
    """Write each file, scan again, and say which fixed targets pass now."""
    from reviewtui.fix.plan import FixError
    from reviewtui.fix.write import write_plan
    from reviewtui.model import Status

    status = EXIT_OK
    written: list[Fix] = []
    for plan in plans:
        try:
            write_plan(session.root, plan)
        except FixError as error:
            _note(str(error))
            status = EXIT_FAILED
            continue
        written += plan.fixes
        _say(f"wrote {plan.path}: {_counted(len(plan.fixes), 'fix', 'fixes')}")
    if not written:
        return status
    session.scan()
    now = {
        (item_id, finding.target): finding
        for item_id, found in session.review.findings.items()
        for finding in found
    }
    for fix in written:
        finding = now.get((fix.item, fix.target))
        where = f"{fix.item}, {target_words(fix.target)}"
        if finding is None:
            _say(f"  gone after the fix: {where} (the scan no longer finds the target)")
        elif finding.status is Status.FAIL:
            _say(f"  still fails: {where}: {_one_line(finding.reason)}")
            status = EXIT_FAILED
        else:
            _say(f"  {_NOW[finding.status]}: {where}")
    return status


_NOW = {
    "pass": "passes now",
    "not_applicable": "does not apply now",
    "unknown": "needs a person now",
}


def _wanted_items(catalogue: Catalogue, asked: Sequence[str]) -> list[str]:
    """The ids of ``--item``, each checked; an unknown one is a usage error naming the
    ids it resembles."""
    import difflib

    known = [item.id for item in catalogue.items]
    for item_id in asked:
        if item_id in known:
            continue
        close = difflib.get_close_matches(item_id, known, n=_CLOSE_IDS, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else "; 'reviewtui checklist' lists them"
        )
        raise UsageError(f"--item {item_id}: no such item{hint}")
    return list(dict.fromkeys(asked))


def _one_line(value: str) -> str:
    """A fixer's words on one line, masked: they may quote the file."""
    from reviewtui.masking import mask_secrets, strip_controls

    return strip_controls(mask_secrets(" ".join(value.split())))


def _counted(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _say(line: str) -> None:
    from reviewtui.masking import strip_controls

    print(strip_controls(line))


def _note(message: str) -> None:
    from reviewtui.masking import strip_controls

    # Messages quote names and reasons read from the project: nothing may reach the
    # terminal as an escape.
    print(f"reviewtui: {strip_controls(message)}", file=sys.stderr)
