"""Reading a whole project: discovery, then every Dockerfile, compose file, daemon.json, CI file
and scanner report it holds, into one :class:`ProjectFacts` (or all but the Dockerfiles, which
a scan reads a batch at a time while it judges them)."""

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
from reviewtui.project.long_lived import SETTLE_EVERY, settle, settle_what_is_loaded
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
    reading = _Reading(root, progress)
    for rel in reading.found.dockerfiles:
        dockerfile = read_dockerfile(reading.root, rel)
        reading.facts.dockerfiles.append(dockerfile)
        reading.facts.problems.extend(dockerfile.problems)
        reading.step("reading Dockerfiles")
        if reading.done % SETTLE_EVERY == 0:
            settle()
    return reading.rest(scanner_reports, scanner_settings)


def read_project_but_dockerfiles(
    root: Path,
    progress: Progress | None = None,
    scanner_reports: Sequence[Path] = (),
    scanner_settings: ScannerSettings | None = None,
) -> tuple[ProjectFacts, list[str]]:
    """:func:`read_project` without reading the Dockerfiles: the facts of everything
    else, and the Dockerfiles' paths (relative to the facts' root), to be read by
    :func:`reviewtui.detect.engine.detect_streaming` a batch at a time.

    A big tree's parsed Dockerfiles are most of its facts, and all but those a compose
    service builds are needed by one Dockerfile's findings only.
    """
    reading = _Reading(root, progress, with_dockerfiles=False)
    facts = reading.rest(scanner_reports, scanner_settings)
    return facts, list(reading.found.dockerfiles)


class _Reading:
    """One reading of a project: what discovery found, the facts so far, the progress."""

    def __init__(self, root: Path, progress: Progress | None, with_dockerfiles: bool = True):
        settle_what_is_loaded()
        self.root = root.resolve()
        self.progress = progress
        self.found = found = discover(
            self.root,
            on_file=lambda n: self.report("finding files", n, 0) if n % 500 == 0 else None,
        )
        self.facts = ProjectFacts(
            root=self.root, files=found.all_files, problems=list(found.problems)
        )
        self.total = (
            (len(found.dockerfiles) if with_dockerfiles else 0)
            + len(found.compose_files)
            + len(found.daemon_files)
            + len(found.dockerignore_files)
            + len(found.ci_files)
        )
        self.done = 0

    def report(self, step: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(step, done, total)

    def step(self, step: str, files: int = 1) -> None:
        """``files`` more files read."""
        self.done += files
        self.report(step, self.done, self.total)

    def rest(
        self, scanner_reports: Sequence[Path], scanner_settings: ScannerSettings | None
    ) -> ProjectFacts:
        """The facts, with every file but the Dockerfiles read into them."""
        root, found, facts = self.root, self.found, self.facts
        projects, problems = read_compose_projects(root, found.compose_files)
        facts.compose_projects.extend(projects)
        facts.problems.extend(problems)
        settle()
        self.step("reading compose files", len(found.compose_files))

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
        self.report("read", self.total, self.total)

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
