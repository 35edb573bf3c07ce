"""Command line: the app by default, and the headless commands scan, export, checklist.

Nothing here imports Textual until the app itself is started, so the headless commands
start quickly and work where no terminal UI can run.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reviewtui import __version__
from reviewtui.commands import MODULES
from reviewtui.commands.base import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.live import LiveSettings
    from reviewtui.project.scanner_reports import ScannerSettings
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
        _add_checklists_option(parser)
        _add_scanner_options(parser)
        _add_live_options(parser)
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
        parser.add_argument(
            "path",
            nargs="?",
            default=".",
            type=Path,
            help="project directory (default: current directory)",
        )
        _add_output_options(parser)
        _add_checklists_option(parser)
        _add_scanner_options(parser)
        _add_live_options(parser)
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


def _add_checklists_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checklists",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also load the checklist files (*.yaml) in DIR; repeatable "
        "(the project's own .reviewtui/checklists is always loaded)",
    )


def _add_scanner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scanner-report",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a Trivy or Grype JSON or Docker Scout SARIF report of an image; repeatable",
    )
    parser.add_argument(
        "--scanner-max-age",
        type=int,
        default=30,
        metavar="DAYS",
        help="a scanner report older than this is stale (default: 30)",
    )
    parser.add_argument(
        "--run-scanners",
        action="store_true",
        help="scan the compose services' local images with trivy or grype, if installed "
        "(offline: no image pulls, no database updates)",
    )


def _scanner_inputs(options: argparse.Namespace) -> tuple[list[Path], ScannerSettings]:
    """The report files and scanner settings of the command line, checked."""
    from reviewtui.project.scanner_reports import ScannerSettings

    for report in options.scanner_report:
        if not report.is_file():
            raise UsageError(f"--scanner-report {report}: no such file")
    if options.scanner_max_age < 1:
        raise UsageError("--scanner-max-age must be at least 1 day")
    settings = ScannerSettings(
        max_age_days=options.scanner_max_age, run_scanners=options.run_scanners
    )
    return [report.resolve() for report in options.scanner_report], settings


def _add_live_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "live engines", "inspect Docker engines read-only: no exec, no pull, no change"
    )
    group.add_argument(
        "--live",
        action="store_true",
        help="also review what runs: the containers, images, daemon and swarm of the engine "
        "the docker CLI would use (DOCKER_HOST, else the current context); "
        "--docker-host and --context add engines to it, or name the only ones without it",
    )
    group.add_argument(
        "--docker-host",
        action="append",
        default=[],
        metavar="URL",
        help="an engine to inspect: unix://, tcp:// (TLS from DOCKER_CERT_PATH) or ssh:// "
        "(repeatable; implies --live)",
    )
    group.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="NAME",
        help="a docker context to inspect (repeatable; implies --live)",
    )
    group.add_argument(
        "--all", action="store_true", help="stopped and created containers too, not only running"
    )
    group.add_argument(
        "--images", action="store_true", help="every local image, not only those in use"
    )
    group.add_argument(
        "--engine-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on an engine that does not answer within this time (default: 10)",
    )


def _live_settings(options: argparse.Namespace) -> LiveSettings | None:
    """The engines to inspect, or None when the review reads files only.

    Every engine is checked here, before anything is read: a malformed URL or an
    unknown context is a usage error, not an engine that happens to be down.
    """
    live = options.live or options.docker_host or options.context
    if not live:
        for flag, value in (("--all", options.all), ("--images", options.images)):
            if value:
                raise UsageError(f"{flag} chooses what --live inspects; add --live")
        return None
    # Imported only for a live review: the app's first frame does not wait for them.
    from reviewtui.live import LiveSettings
    from reviewtui.live.hosts import resolve_endpoints

    timeout = options.engine_timeout
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_ENGINE_TIMEOUT:
        raise UsageError(f"--engine-timeout must be between 0 and {MAX_ENGINE_TIMEOUT} seconds")
    settings = LiveSettings(
        default_engine=options.live,
        docker_hosts=tuple(options.docker_host),
        contexts=tuple(options.context),
        all_containers=options.all,
        all_images=options.images,
        timeout=timeout,
    )
    for endpoint in resolve_endpoints(settings):
        if endpoint.error:
            raise UsageError(endpoint.error)
    return settings


MAX_ENGINE_TIMEOUT = 3600.0


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

    root = _project_dir(options.path)
    catalogue = _catalogue(root, options.checklists)
    reports, settings = _scanner_inputs(options)
    _check_review_option(options)
    session = ReviewSession.open(
        root,
        catalogue,
        review_path=options.review,
        autosave=False,
        scanner_reports=reports,
        scanner_settings=settings,
        live=_live_settings(options),
    )
    if session.notice:
        print(f"reviewtui: {session.notice}", file=sys.stderr)
    if options.no_saved_answers:
        session.review.answers.clear()
    session.scan()
    _warn_about_input(session)
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


MAX_PROBLEM_LINES = 20


def _warn_about_input(session: ReviewSession) -> None:
    """Say on stderr what could not be read, and when nothing was found at all.

    The report lists the same problems; stderr makes them visible in a CI log even
    when the report goes to a file.
    """
    problems = session.review.problems
    if problems:
        print(f"reviewtui: {len(problems)} problem(s) reading {session.root}:", file=sys.stderr)
        for problem in problems[:MAX_PROBLEM_LINES]:
            print(f"  {problem.location}: {problem.reason}", file=sys.stderr)
        if len(problems) > MAX_PROBLEM_LINES:
            print(f"  … and {len(problems) - MAX_PROBLEM_LINES} more", file=sys.stderr)
    if not any(session.review.findings.values()):
        print(
            f"reviewtui: no Dockerfile, compose file, daemon.json or CI file found in "
            f"{session.root}; every item needs a person",
            file=sys.stderr,
        )


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
    session = ReviewSession(root, _catalogue(root), review, path, autosave=False)
    _emit(_report(session, options), options.output)
    return EXIT_OK


def _report(session: ReviewSession, options: argparse.Namespace, fixes: bool = False) -> str:
    """The report the output options ask for; links lead from where it is written.

    ``fixes`` adds the proposed fixes, which only a session that has just scanned has.
    """
    from reviewtui.report import render

    link_base: str = options.link_base
    if link_base and not link_base.startswith(("https://", "http://")):
        raise UsageError(f"--link-base {link_base}: give an http:// or https:// URL")
    folder = options.output.parent if options.output is not None else None
    return render(session, options.format, link_base, report_dir=folder, fixes=fixes)


def _checklist(options: argparse.Namespace) -> int:
    from reviewtui.report.catalogue import render_catalogue

    print(render_catalogue(_catalogue(), options.format), end="")
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
    root = _project_dir(options.path)
    # Fail here, before the screen is taken, if a checklist is broken.
    catalogue = _catalogue(root, options.checklists)
    reports, settings = _scanner_inputs(options)
    live = _live_settings(options)
    from reviewtui.tui.app import run_app

    return run_app(
        root,
        catalogue,
        scanner_reports=reports,
        scanner_settings=settings,
        live=live,
        meeting=options.meeting,
    )


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


def _catalogue(root: Path | None = None, extra: Sequence[Path] = ()) -> Catalogue:
    """The shipped checklists, the project's own and those of ``--checklists``."""
    from reviewtui.checklists import ChecklistError
    from reviewtui.custom.catalogue import load_project_catalogue

    for folder in extra:
        if not folder.is_dir():
            raise UsageError(f"--checklists {folder}: no such directory")
    try:
        return load_project_catalogue(root, extra)
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
