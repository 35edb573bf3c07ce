"""Command line: the app by default, and the headless commands scan, export, checklist.

Nothing here imports Textual until the app itself is started, so the headless commands
start quickly and work where no terminal UI can run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reviewtui import __version__
from reviewtui.commands import MODULES
from reviewtui.commands.base import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from reviewtui.commands.scan_options import (
    add_checklists_option,
    add_live_options,
    add_path_argument,
    add_scanner_options,
    live_settings,
    project_catalogue,
    project_dir,
    scanner_inputs,
    warn_about_input,
)

if TYPE_CHECKING:
    from reviewtui.review.session import ReviewSession

SEVERITIES = ("low", "medium", "high", "critical")
_EXTRA = {module.NAME: module for module in MODULES}
COMMANDS = ("scan", "export", "checklist", *_EXTRA)
__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "UsageError", "main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run reviewtui with ``argv`` (default: the process arguments); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else None
    parser = _command_parser(command)
    options = parser.parse_args(args[1:] if command else args)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if command == "scan":
            return _scan(options)
        if command == "export":
            return _export(options)
        if command == "checklist":
            return _checklist(options)
        if command in _EXTRA:
            return int(_EXTRA[command].run(options))
        return _app(options)
    except UsageError as error:
        print(f"reviewtui: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _command_parser(command: str | None) -> argparse.ArgumentParser:
    if command is None:
        parser = _Parser(
            prog="reviewtui",
            description="Docker security review of a project, in the terminal.",
            epilog="commands: scan (headless detection and report), export (report of a "
            "saved review), checklist (print the checklists)"
            + "".join(f", {m.NAME} ({m.HELP})" for m in MODULES)
            + ". Run 'reviewtui COMMAND --help' for each.",
        )
        parser.add_argument(
            "path",
            nargs="?",
            default=".",
            type=Path,
            help="project directory to review (default: current directory)",
        )
        parser.add_argument("--version", action="version", version=f"reviewtui {__version__}")
        add_checklists_option(parser)
        add_scanner_options(parser)
        add_live_options(parser)
        parser.add_argument(
            "--meeting",
            action="store_true",
            help="start a review meeting: attendees, one item at a time on a large "
            "screen, each decision with who took it",
        )
    elif command == "scan":
        parser = _Parser(
            prog="reviewtui scan", description="Detect every item headless and write the report."
        )
        add_path_argument(parser)
        _add_output_options(parser)
        add_checklists_option(parser)
        add_scanner_options(parser)
        add_live_options(parser)
        parser.add_argument(
            "--fail-on",
            choices=(*SEVERITIES, "none"),
            default="high",
            help="exit 1 when an item at or above this severity fails "
            "(default: high; none never fails)",
        )
        parser.add_argument(
            "--no-saved-answers",
            action="store_true",
            help="ignore the answers in the project's saved review",
        )
        parser.add_argument(
            "--review",
            type=Path,
            metavar="FILE",
            help="create or refresh this review file with the scan, keeping its answers, "
            "notes and sign-offs (e.g. PROJECT/.reviewtui/review.json)",
        )
        parser.add_argument(
            "--no-fixes",
            action="store_true",
            help="leave the proposed fixes (their diffs) out of the report",
        )
    elif command == "export":
        parser = _Parser(
            prog="reviewtui export",
            description="Write the report of a saved review, with its notes and sign-off.",
        )
        parser.add_argument(
            "review_file", type=Path, help="the review file, e.g. PROJECT/.reviewtui/review.json"
        )
        _add_output_options(parser)
    elif command in _EXTRA:
        module = _EXTRA[command]
        parser = _Parser(prog=f"reviewtui {command}", description=module.HELP)
        module.add_arguments(parser)
    else:
        parser = _Parser(
            prog="reviewtui checklist",
            description="Print the checklists: every item with its severity, "
            "CIS numbers and the ids other tools use.",
        )
        parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("markdown", "json", "sarif"),
        default="markdown",
        help="report format (default: markdown; sarif for code scanning)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        help="write the report to this file (default: standard output)",
    )
    parser.add_argument(
        "--link-base",
        default="",
        metavar="URL",
        help="link the Markdown report's evidence under this URL of the repository's root, "
        "e.g. https://github.com/OWNER/REPO/blob/SHA/ (default: links relative to the report)",
    )


def _scan(options: argparse.Namespace) -> int:
    from reviewtui.review.session import ReviewSession

    root = project_dir(options.path)
    catalogue = project_catalogue(root, options.checklists)
    reports, settings = scanner_inputs(options)
    _check_review_option(options)
    session = ReviewSession.open(
        root,
        catalogue,
        review_path=options.review,
        autosave=False,
        scanner_reports=reports,
        scanner_settings=settings,
        live=live_settings(options),
    )
    if session.notice:
        print(f"reviewtui: {session.notice}", file=sys.stderr)
    if options.no_saved_answers:
        session.review.answers.clear()
    session.scan()
    warn_about_input(session)
    if options.review is not None:
        _save_review(session)
    _emit(_report(session, options, fixes=not options.no_fixes), options.output)
    return _exit_status(session, options.fail_on)


def _check_review_option(options: argparse.Namespace) -> None:
    """``--review FILE`` must name a review file this reviewtui can write, or none yet."""
    from reviewtui.review import store

    path: Path | None = options.review
    if path is None:
        return
    if options.no_saved_answers:
        raise UsageError("--review keeps the saved answers; leave out --no-saved-answers")
    if path.exists():
        try:
            store.load(path)
        except store.ReviewFileError as error:
            raise UsageError(f"--review: {error}") from None


def _save_review(session: ReviewSession) -> None:
    """Write the refreshed review file of ``scan --review``."""
    from reviewtui.review.store import ReviewSaveError

    try:
        session.save()
    except ReviewSaveError as error:
        raise UsageError(str(error)) from None


def _export(options: argparse.Namespace) -> int:
    from reviewtui.review import store
    from reviewtui.review.session import ReviewSession

    path: Path = options.review_file
    try:
        review = store.load(path)
    except store.ReviewFileError as error:
        raise UsageError(str(error)) from None
    root = path.resolve().parent
    if root.name == store.REVIEW_DIR:
        root = root.parent
    session = ReviewSession(root, project_catalogue(root), review, path, autosave=False)
    _emit(_report(session, options), options.output)
    return EXIT_OK


def _report(
    session: ReviewSession, options: argparse.Namespace, fixes: bool = False
) -> Iterator[str]:
    """The report the output options ask for, in pieces; links lead from where it is
    written.

    ``fixes`` adds the proposed fixes, which only a session that has just scanned has.
    """
    from reviewtui.report import render_chunks

    link_base: str = options.link_base
    if link_base and not link_base.startswith(("https://", "http://")):
        raise UsageError(f"--link-base {link_base}: give an http:// or https:// URL")
    folder = options.output.parent if options.output is not None else None
    return render_chunks(session, options.format, link_base, report_dir=folder, fixes=fixes)


def _checklist(options: argparse.Namespace) -> int:
    from reviewtui.report.catalogue import render_catalogue

    print(render_catalogue(project_catalogue(), options.format), end="")
    return EXIT_OK


def _app(options: argparse.Namespace) -> int:
    # Settling imports no Textual; the app turns the collector on at its first frame.
    from reviewtui.tui import settling

    settling.hold_until_first_frame()
    try:
        return _run_app(options)
    finally:
        settling.first_frame()  # also when the app never drew a frame


def _run_app(options: argparse.Namespace) -> int:
    root = project_dir(options.path)
    # Fail here, before the screen is taken, if a checklist is broken.
    catalogue = project_catalogue(root, options.checklists)
    reports, settings = scanner_inputs(options)
    live = live_settings(options)
    from reviewtui.tui.app import run_app

    return run_app(
        root,
        catalogue,
        scanner_reports=reports,
        scanner_settings=settings,
        live=live,
        meeting=options.meeting,
    )


def _emit(report: Iterator[str], output: Path | None) -> None:
    """Write the report's pieces as they come: a big tree's JSON is never one string."""
    if output is None:
        sys.stdout.writelines(report)
        return
    from reviewtui.report import write_pieces

    try:
        write_pieces(output, report)
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror or error}") from None


def _exit_status(session: ReviewSession, fail_on: str) -> int:
    """1 when an item at or above ``fail_on`` fails, or when an engine the review was
    asked to read could not be read: a CI gate must not pass on an engine it never saw."""
    from reviewtui.model import Severity
    from reviewtui.review.model import Verdict

    # The problems already named each engine on stderr, with the reason.
    if any(engine.error for engine in session.review.engines):
        return EXIT_FAILED
    if fail_on == "none":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    for state in session.states():
        if state.verdict is Verdict.FAIL and state.item.severity.rank >= threshold:
            return EXIT_FAILED
    return EXIT_OK
