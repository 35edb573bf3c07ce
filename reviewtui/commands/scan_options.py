"""The options the commands that scan a project share (checklists, scanner reports, live
engines), what they mean once parsed, and what a scan says on standard error.

Kept apart from cli.py so that every command module can use them; nothing here imports
more than argparse until an option is used.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.commands.base import UsageError

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.live import LiveSettings
    from reviewtui.project.scanner_reports import ScannerSettings
    from reviewtui.review.session import ReviewSession

MAX_ENGINE_TIMEOUT = 3600.0
"""The longest --engine-timeout taken, in seconds."""
MAX_PROBLEM_LINES = 20
"""Unreadable files named on standard error; the rest are counted."""


def add_path_argument(parser: argparse.ArgumentParser) -> None:
    """The project directory, the current one when none is given."""
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        help="project directory (default: current directory)",
    )


def add_checklists_option(parser: argparse.ArgumentParser, whose: str = "the project's") -> None:
    """``--checklists DIR``, beside the checklists of the project (``whose``) and ours."""
    parser.add_argument(
        "--checklists",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also load the checklist files (*.yaml) in DIR; repeatable "
        f"({whose} own .reviewtui/checklists is always loaded)",
    )


def add_scanner_options(parser: argparse.ArgumentParser) -> None:
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


def scanner_inputs(options: argparse.Namespace) -> tuple[list[Path], ScannerSettings]:
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


def add_live_options(parser: argparse.ArgumentParser) -> None:
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


def live_settings(options: argparse.Namespace) -> LiveSettings | None:
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


def project_dir(path: Path) -> Path:
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    try:
        next(path.iterdir(), None)
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    return path.resolve()


def project_catalogue(root: Path | None = None, extra: Sequence[Path] = ()) -> Catalogue:
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


def warn_about_input(session: ReviewSession) -> None:
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
