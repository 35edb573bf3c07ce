"""Command line: the app by default, and the headless commands scan, export, checklist.

Nothing here imports Textual until the app itself is started, so the headless commands
start quickly and work where no terminal UI can run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reviewtui import __version__

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.review.session import ReviewSession

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SEVERITIES = ("low", "medium", "high", "critical")
COMMANDS = ("scan", "export", "checklist")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


class UsageError(Exception):
    """A problem with what the user asked for; reported as one line, exit status 2."""


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
            "saved review), checklist (print the checklists). "
            "Run 'reviewtui COMMAND --help' for each.",
        )
        parser.add_argument(
            "path",
            nargs="?",
            default=".",
            type=Path,
            help="project directory to review (default: current directory)",
        )
        parser.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    elif command == "scan":
        parser = _Parser(
            prog="reviewtui scan", description="Detect every item headless and write the report."
        )
        parser.add_argument(
            "path",
            nargs="?",
            default=".",
            type=Path,
            help="project directory (default: current directory)",
        )
        _add_output_options(parser)
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
    elif command == "export":
        parser = _Parser(
            prog="reviewtui export",
            description="Write the report of a saved review, with its notes and sign-off.",
        )
        parser.add_argument(
            "review_file", type=Path, help="the review file, e.g. PROJECT/.reviewtui/review.json"
        )
        _add_output_options(parser)
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
        choices=("markdown", "json"),
        default="markdown",
        help="report format (default: markdown)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        help="write the report to this file (default: standard output)",
    )


def _scan(options: argparse.Namespace) -> int:
    from reviewtui.report import render
    from reviewtui.review.session import ReviewSession

    root = _project_dir(options.path)
    catalogue = _catalogue()
    session = ReviewSession.open(root, catalogue, autosave=False)
    if session.notice:
        print(f"reviewtui: {session.notice}", file=sys.stderr)
    if options.no_saved_answers:
        session.review.answers.clear()
    session.scan()
    _emit(render(session, options.format), options.output)
    return _exit_status(session, options.fail_on)


def _export(options: argparse.Namespace) -> int:
    from reviewtui.report import render
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
    session = ReviewSession(root, _catalogue(), review, path, autosave=False)
    _emit(render(session, options.format), options.output)
    return EXIT_OK


def _checklist(options: argparse.Namespace) -> int:
    from reviewtui.report.catalogue import render_catalogue

    print(render_catalogue(_catalogue(), options.format), end="")
    return EXIT_OK


def _app(options: argparse.Namespace) -> int:
    root = _project_dir(options.path)
    _catalogue()  # fail here, before the screen is taken, if a checklist is broken
    from reviewtui.tui.app import run_app

    return run_app(root)


def _project_dir(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    try:
        next(path.iterdir(), None)
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    return path.resolve()


def _catalogue() -> Catalogue:
    from reviewtui.checklists import ChecklistError, load_catalogue

    try:
        return load_catalogue()
    except ChecklistError as error:
        raise UsageError(f"checklist: {error}") from None


def _emit(report: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(report)
        return
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror or error}") from None


def _exit_status(session: ReviewSession, fail_on: str) -> int:
    from reviewtui.model import Severity
    from reviewtui.review.model import Verdict

    if fail_on == "none":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    for state in session.states():
        if state.verdict is Verdict.FAIL and state.item.severity.rank >= threshold:
            return EXIT_FAILED
    return EXIT_OK
