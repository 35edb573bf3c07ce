"""Reading a whole project: discovery, then every Dockerfile, compose file, daemon.json, CI file
and scanner report it holds, into one :class:`ProjectFacts`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from reviewtui.project.ci import read_ci_file
from reviewtui.project.compose import read_compose_projects
from reviewtui.project.daemon import read_daemon_config
from reviewtui.project.discovery import discover
from reviewtui.project.dockerfile import read_dockerfile
from reviewtui.project.dockerignore import read_dockerignore
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.long_lived import SETTLE_EVERY, settle
from reviewtui.project.scanner_reports import ScannerSettings, read_scanner_reports
from reviewtui.project.scanner_runs import images_to_scan, run_scanners

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a project is read."""


def read_project(
    root: Path,
    progress: Progress | None = None,
    scanner_reports: Sequence[Path] = (),
    scanner_settings: ScannerSettings | None = None,
) -> ProjectFacts:
    """Discover and read every file of the project at ``root`` that a review looks at.

    ``scanner_reports`` are vulnerability reports named by the user, read beside those
    found in the project; ``scanner_settings`` says how old a report may be and whether
    to run scanners on local images. Never raises for bad content: what cannot be read
    becomes a problem entry.
    """

    def report(step: str, done: int, total: int) -> None:
        if progress is not None:
            progress(step, done, total)

    root = root.resolve()
    found = discover(
        root, on_file=lambda n: report("finding files", n, 0) if n % 500 == 0 else None
    )
    facts = ProjectFacts(root=root, files=found.all_files, problems=list(found.problems))
    total = (
        len(found.dockerfiles)
        + len(found.compose_files)
        + len(found.daemon_files)
        + len(found.dockerignore_files)
        + len(found.ci_files)
    )
    done = 0

    for rel in found.dockerfiles:
        dockerfile = read_dockerfile(root, rel)
        facts.dockerfiles.append(dockerfile)
        facts.problems.extend(dockerfile.problems)
        done += 1
        report("reading Dockerfiles", done, total)
        if done % SETTLE_EVERY == 0:
            settle()

    projects, problems = read_compose_projects(root, found.compose_files)
    facts.compose_projects.extend(projects)
    facts.problems.extend(problems)
    settle()
    done += len(found.compose_files)
    report("reading compose files", done, total)

    for rel in found.daemon_files:
        daemon = read_daemon_config(root, rel)
        facts.daemon_configs.append(daemon)
        facts.problems.extend(daemon.problems)
    for rel in found.dockerignore_files:
        ignore = read_dockerignore(root, rel)
        facts.dockerignores.append(ignore)
        facts.problems.extend(ignore.problems)
    for rel in found.ci_files:
        ci_file = read_ci_file(root, rel)
        facts.ci_files.append(ci_file)
        facts.problems.extend(ci_file.problems)
    _read_scanner_reports(facts, scanner_reports, found.scanner_reports, scanner_settings)
    report("read", total, total)

    log.debug("read %s: %d files, %d problems", root, len(facts.files), len(facts.problems))
    return facts


def _read_scanner_reports(
    facts: ProjectFacts,
    given: Sequence[Path],
    found: list[str],
    settings: ScannerSettings | None,
) -> None:
    settings = settings or ScannerSettings()
    given = list(given)
    if settings.run_scanners:
        run = run_scanners(images_to_scan(facts), settings)
        given.extend(run.reports)
        facts.problems.extend(run.problems)
    reports, problems = read_scanner_reports(facts.root, given, found, settings)
    facts.scanner_reports.extend(reports)
    facts.problems.extend(problems)
