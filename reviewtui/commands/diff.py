"""``reviewtui diff OLD NEW``: what changed from one saved review to another, headless.

OLD and NEW are review files, or project folders meaning their ``.reviewtui/review.json``;
``reviewtui diff .reviewtui/baseline.json .`` shows what changed since the last sign-off.
Exits 0 when nothing got worse, 1 when something did (an item fails that did not, or a
failing item fails for one more target), 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.commands import scan_options
from reviewtui.commands.base import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from reviewtui.review.changes import ReviewChanges
    from reviewtui.review.model import Review

NAME = "diff"
HELP = "what changed between two saved reviews"
FORMATS = ("text", "markdown", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The two reviews, the output format and the checklists to compare them by."""
    parser.epilog = (
        "Exit status: 0 when nothing got worse; 1 when an item fails that did not, or a "
        "failing item fails for one more target; 2 for a usage error or an unreadable "
        "review file. 'reviewtui diff .reviewtui/baseline.json .' shows what changed "
        "since the last sign-off."
    )
    parser.add_argument(
        "old", type=Path, help="the earlier review file (or a project folder holding one)"
    )
    parser.add_argument(
        "new", type=Path, help="the later review file (or a project folder holding one)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    scan_options.add_checklists_option(parser, "the NEW project's")


def run(options: argparse.Namespace) -> int:
    """Print the changes from OLD to NEW; the exit code says whether anything got worse."""
    from reviewtui.review.changes import compare

    old_path, _ = review_file(options.old)
    new_path, root = review_file(options.new)
    old, new = _load(old_path), _load(new_path)
    changes = compare(old, new, scan_options.project_catalogue(root, options.checklists))
    if options.format == "json":
        document = {"old": str(old_path), "new": str(new_path), **changes.to_dict()}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    elif options.format == "markdown":
        from reviewtui.report.changes_section import changes_markdown

        title = f"Changes from {old_path} to {new_path}"
        sys.stdout.write("\n".join(changes_markdown(changes, _inert(title), level=1)) + "\n")
    else:
        sys.stdout.write(text_report(changes, old_path, new_path))
    return EXIT_FAILED if changes.worse else EXIT_OK


def review_file(argument: Path) -> tuple[Path, Path | None]:
    """The review file an argument names, and the project it belongs to (None when the
    file lies outside a project's ``.reviewtui`` folder). Raises UsageError."""
    from reviewtui.review import store

    if argument.is_dir():
        path = store.default_path(argument)
        if not path.is_file():
            raise UsageError(
                f"{argument}: no review file ({store.REVIEW_DIR}/{store.REVIEW_FILE})"
            )
        return path, argument.resolve()
    if not argument.exists():
        raise UsageError(f"{argument}: no such file or folder")
    folder = argument.resolve().parent
    return argument, folder.parent if folder.name == store.REVIEW_DIR else None


def _load(path: Path) -> Review:
    from reviewtui.review import store

    try:
        return store.load(path)
    except store.ReviewFileError as error:
        raise UsageError(str(error)) from None


def _inert(title: str) -> str:
    from reviewtui.report.markdown import text

    return text(title)


def text_report(changes: ReviewChanges, old_path: Path, new_path: Path) -> str:
    """The changes for a terminal: where from, one block per kind, the counts last."""
    from reviewtui.report.changes_section import MAX_TARGETS
    from reviewtui.review.changes import ChangeKind, readable_time

    since = changes.since
    if since is not None:
        head = f"Changes since the sign-off of {since.words()}"
    else:
        head = "Changes between two reviews (the earlier one is not signed off)"
    lines = [head]
    for word, path, scanned in (
        ("old", old_path, changes.old_scanned_at),
        ("new", new_path, changes.new_scanned_at),
    ):
        when = f"scanned {readable_time(scanned)}" if scanned else "not scanned"
        lines.append(f"  {word}: {path} ({when})")
    lines.append("")
    if changes.empty:
        lines += ["Nothing changed.", ""]
    for kind in ChangeKind:
        of_kind = changes.of(kind)
        if not of_kind:
            continue
        lines.append(f"{kind.heading} ({len(of_kind)})")
        for change in of_kind:
            severity = f"  [{change.severity.value}]" if change.severity else ""
            verdicts = f"  {change.verdicts}" if change.verdicts else ""
            lines.append(f"  {change.item_id}{severity}  {change.title}{verdicts}")
            shown = [
                line
                for target in change.targets[:MAX_TARGETS]
                for line in [target.summary(), *("  " + d for d in target.detail_lines())]
            ]
            if len(change.targets) > MAX_TARGETS:
                shown.append(f"… {len(change.targets) - MAX_TARGETS} more targets")
            lines += [f"      {line}" for line in [*shown, *change.details]]
        lines.append("")
    verdict = "worse than before" if changes.worse else "nothing got worse"
    lines.append(f"{changes.summary()}: {verdict}.")
    return "\n".join(lines) + "\n"
