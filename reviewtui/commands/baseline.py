"""``reviewtui baseline PATH``: today's failures written as waivers, so a gate starts now.

Every failing target that no active waiver covers gets an entry of its own in the
project's ``.reviewtui.yaml`` (one per item and target, naming exactly that target),
with an owner and a reason for the team to fill in and an expiry date: ``reviewtui
scan --fail-on low`` then passes, and fails again on any new failure, such as a service
added later. The file is kept byte for byte but for the entries added. Exits 0 when the
entries are written (or there is nothing to add), 2 for a usage error, a project file
that cannot be read or written, or an engine that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.commands.base import EXIT_OK, UsageError

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.review.session import ReviewSession
    from reviewtui.waivers.baseline import BaselineEntry

NAME = "baseline"
HELP = "write today's failures as waivers into .reviewtui.yaml, so a gate starts now"
MAX_LISTED = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The project, how long the waivers last, who owns them, and what the scan reads."""
    from reviewtui.commands import scan_options
    from reviewtui.waivers.baseline import DEFAULT_DAYS, OWNER_PLACEHOLDER

    parser.epilog = (
        "Exit status: 0 when the waivers are written or there is nothing to add; 2 for a "
        "usage error, a .reviewtui.yaml that cannot be read or written, or an engine that "
        "cannot be read. Give the same --checklists, scanner and live options as the "
        "'reviewtui scan' of the gate."
    )
    scan_options.add_path_argument(parser)
    expiry = parser.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires",
        metavar="YYYY-MM-DD",
        help=f"the last day the waivers count (default: {DEFAULT_DAYS} days from today)",
    )
    expiry.add_argument(
        "--days", type=int, metavar="N", help="the waivers count for N days from today"
    )
    parser.add_argument(
        "--owner",
        default=OWNER_PLACEHOLDER,
        help=f"the owner written into each waiver (default: {OWNER_PLACEHOLDER}, to fill in)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the waivers that would be added; write nothing",
    )
    scan_options.add_checklists_option(parser)
    scan_options.add_scanner_options(parser)
    scan_options.add_live_options(parser)


def run(options: argparse.Namespace) -> int:
    """Scan the project, add a waiver for each failing target not yet waived, and say
    how many were added for each item and where."""
    from reviewtui.commands import scan_options
    from reviewtui.waivers import collect
    from reviewtui.waivers.baseline import (
        OWNER_PLACEHOLDER,
        BaselineError,
        plan_edit,
        write_edit,
    )
    from reviewtui.waivers.project_file import PROJECT_FILE

    day = collect.today()
    expires = _expiry(options, day)
    owner = " ".join(str(options.owner).split())
    if not owner:
        raise UsageError("--owner must not be empty")
    root = scan_options.project_dir(options.path)
    catalogue = scan_options.project_catalogue(root, options.checklists)
    shown = options.path / PROJECT_FILE

    try:
        entries = _entries(root, catalogue, options, owner, expires, day)
        if not entries:
            print(f"Nothing to add: every failing target is already waived ({shown}).")
            return EXIT_OK
        edit = plan_edit(root, entries, frozenset(i.id for i in catalogue.items), day)
        if not options.dry_run:
            write_edit(edit)
    except BaselineError as error:
        # Every message starts with the project file's name: put the project before it.
        raise UsageError(f"{options.path / str(error)}; nothing written") from None

    verb = "Would add" if options.dry_run else "Added"
    print(f"{verb} {_waivers(len(entries))} to {shown}, expiring {expires.isoformat()}:")
    print(_per_item(entries), end="")
    if options.dry_run:
        print()
        print(edit.added, end="")
    else:
        who = "an owner and a reason" if owner == OWNER_PLACEHOLDER else "a reason"
        print(f"Each needs {who} (marked TODO): fill them in before committing the file.")
    return EXIT_OK


def _entries(
    root: Path,
    catalogue: Catalogue,
    options: argparse.Namespace,
    owner: str,
    expires: date,
    day: date,
) -> list[BaselineEntry]:
    """The waivers to add: the project file is checked first (a broken one stops
    everything), then the project is scanned. Raises BaselineError."""
    from reviewtui.waivers.baseline import baseline_entries, check_existing, read_existing

    check_existing(read_existing(root))
    session = _scanned(root, catalogue, options)
    _warn_about_answers(session)
    return baseline_entries(session.states(), owner, expires, day)


def _expiry(options: argparse.Namespace, day: date) -> date:
    """The last day the waivers count, from --expires or --days (default 90 days)."""
    from reviewtui.waivers.baseline import DEFAULT_DAYS

    if options.expires is not None:
        try:
            expires = date.fromisoformat(options.expires)
        except ValueError:
            raise UsageError(f"--expires {options.expires}: give a date as YYYY-MM-DD") from None
        if expires < day:
            raise UsageError(
                f"--expires {options.expires} is in the past: the waivers would never count"
            )
        return expires
    days = DEFAULT_DAYS if options.days is None else options.days
    if days < 1:
        raise UsageError("--days must be at least 1")
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise UsageError(f"--days {days}: too far in the future") from None


def _scanned(root: Path, catalogue: Catalogue, options: argparse.Namespace) -> ReviewSession:
    """The project scanned as ``reviewtui scan`` would, with the same options.

    An engine that could not be read would leave its failures out of the baseline, and
    the gate fails on it anyway: that is refused.
    """
    from reviewtui.commands import scan_options
    from reviewtui.review.session import ReviewSession

    reports, settings = scan_options.scanner_inputs(options)
    session = ReviewSession.open(
        root,
        catalogue,
        autosave=False,
        scanner_reports=reports,
        scanner_settings=settings,
        live=scan_options.live_settings(options),
    )
    if session.notice:
        print(f"reviewtui: {session.notice}", file=sys.stderr)
    session.scan()
    scan_options.warn_about_input(session)
    dead = [engine.host for engine in session.review.engines if engine.error]
    if dead:
        raise UsageError(
            f"engine {', '.join(dead)} could not be read, so its failures cannot be "
            "baselined; nothing written"
        )
    return session


def _warn_about_answers(session: ReviewSession) -> None:
    """Name the items a reviewer answered fail: a waiver never overrides an answer, so
    ``scan`` keeps failing on them (unless ``--no-saved-answers``)."""
    from reviewtui.review.model import Verdict

    failed = [
        state for state in session.states() if state.answered and state.verdict is Verdict.FAIL
    ]
    if not failed:
        return
    print(
        f"reviewtui: the saved review answers fail for {len(failed)} item(s); a reviewer's "
        "answer wins over any waiver, so 'reviewtui scan' fails on them until the answer "
        "changes:",
        file=sys.stderr,
    )
    for state in failed[:MAX_LISTED]:
        print(f"  {state.item.id} ({state.item.severity.value})", file=sys.stderr)
    if len(failed) > MAX_LISTED:
        print(f"  … and {len(failed) - MAX_LISTED} more", file=sys.stderr)


def _per_item(entries: list[BaselineEntry]) -> str:
    """One line per item, in checklist order: its id and how many waivers it got."""
    counts = Counter(entry.item for entry in entries)
    width = max(len(item) for item in counts)
    return "".join(f"  {item:<{width}}  {count}\n" for item, count in counts.items())


def _waivers(count: int) -> str:
    return f"{count} waiver" if count == 1 else f"{count} waivers"
