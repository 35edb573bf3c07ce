"""Vulnerability scanner reports: which files they are, what they say, and how old they are.

Reports come from three places: files named on the command line, report files found in
the project (``trivy*.json``, ``grype*.json``, ``*.sarif``, recognised by their content),
and scanners run on local images when asked to. Each becomes a :class:`ScannerReport`
whose ``stale`` says why it no longer describes the image, so a clean but old scan is
never read as a clean image.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.model import Problem
from reviewtui.project.textfile import parse_json, read_text

if TYPE_CHECKING:
    from reviewtui.project.scanner_formats import SeverityCounts

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_DAYS = 30
DEFAULT_TIMEOUT_SECONDS = 300.0
# Scanner reports of real images run to tens of megabytes; one found in the project is
# sniffed only when it is small, one named on the command line may be larger.
MAX_FOUND_BYTES = 8 * 1024 * 1024
MAX_GIVEN_BYTES = 64 * 1024 * 1024
_SNIFF_CHARS = 4096
_SNIFF_MARKERS = ('"SchemaVersion"', '"ArtifactName"', '"Target"', '"matches"', '"runs"')
# A build a minute after a scan is the same pipeline run, not a newer image.
_CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class ScannerSettings:
    """How scanner reports are judged and whether scanners run.

    ``max_age_days`` is the age past which a report is stale; ``run_scanners`` runs
    Trivy or Grype on the project's local images (never pulling one), each run limited to
    ``timeout_seconds``; ``now`` fixes the clock for tests.
    """

    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    run_scanners: bool = False
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    now: datetime | None = None

    def clock(self) -> datetime:
        """The time reports are dated against: ``now`` when fixed, else the current time."""
        return self.now if self.now is not None else datetime.now(UTC)


@dataclass(frozen=True)
class ScannerReport:
    """One scanner report as read: what it is of, its counts, and its age.

    ``path`` is relative to the project root, or absolute for a report outside it.
    ``image`` is "" when the report does not name the image; ``artifact`` names what was
    scanned when it was not an image. ``scanned_at`` comes from the report, or from the
    file's time for a report named on the command line that carries none
    (``dated_by_file``). ``stale`` says why the report is out of date ("" when current):
    ``rebuilt`` when the image was built after the scan, so the report may describe other
    content, else because it is older than the age limit. ``age_days`` is its age on the
    day of reading.
    """

    path: str
    scanner: str
    image: str
    image_id: str
    artifact: str
    counts: SeverityCounts
    scanned_at: datetime | None
    image_created: datetime | None
    dated_by_file: bool = False
    stale: str = ""
    rebuilt: bool = False
    age_days: int | None = None

    @property
    def is_image(self) -> bool:
        """True when the report is of a container image."""
        return not self.artifact

    @property
    def image_key(self) -> str:
        """What identifies the scanned image across reports: its id, else its name."""
        return self.image_id or self.image or self.path


def is_scanner_report_name(name: str) -> bool:
    """True for file names scanner reports are usually saved under."""
    lower = name.lower()
    if lower.endswith((".sarif", ".sarif.json")):
        return True
    return lower.endswith(".json") and lower.startswith(("trivy", "grype", "scout"))


def read_scanner_reports(
    root: Path,
    given: Iterable[Path],
    found: Iterable[str],
    settings: ScannerSettings,
) -> tuple[list[ScannerReport], list[Problem]]:
    """Every report named on the command line (``given``) and found in the project.

    A given file that is no scanner report is a problem; a found one is skipped quietly,
    since ``*.sarif`` files also come from linters and code scanners.
    """
    reports: list[ScannerReport] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    sources = [(path, True) for path in given]
    sources += [(root / rel, False) for rel in found]

    for path, named in sources:
        resolved = path.expanduser().resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        report, problem = read_scanner_report(root, resolved, settings, named=named)
        if report is not None:
            reports.append(report)
        if problem is not None:
            problems.append(problem)
    return reports, problems


def read_scanner_report(
    root: Path, path: Path, settings: ScannerSettings, named: bool = True
) -> tuple[ScannerReport | None, Problem | None]:
    """The report at ``path``, or a problem saying why it cannot be read.

    ``named`` is true for a report the user named (or a scanner just wrote): it may be
    larger, it must be a report, and its file time dates it when it carries no time.
    """
    rel = _display_path(root, path)
    limit = MAX_GIVEN_BYTES if named else MAX_FOUND_BYTES
    text, problem = read_text(root, rel, max_bytes=limit)
    if text is None:
        return None, problem
    if not named and not any(marker in text[:_SNIFF_CHARS] for marker in _SNIFF_MARKERS):
        return None, None

    data, error = parse_json(text)
    if error is not None:
        return None, Problem(rel, error.line, error.describe("invalid JSON, report not read"))
    # Imported at the first report: the session, and so the app's first frame, needs
    # the settings here but none of the formats.
    from reviewtui.project.scanner_formats import NotAReport, parse_report

    try:
        parsed = parse_report(data)
    except NotAReport as error:
        return None, Problem(rel, None, f"{error}; not read") if named else None

    scanned_at, dated_by_file = parsed.scanned_at, False
    if scanned_at is None and named:
        scanned_at, dated_by_file = _file_time(path), True
    report = ScannerReport(
        path=rel,
        scanner=parsed.scanner,
        image=parsed.image,
        image_id=parsed.image_id,
        artifact=parsed.artifact,
        counts=parsed.counts,
        scanned_at=scanned_at,
        image_created=parsed.image_created,
        dated_by_file=dated_by_file,
    )
    log.debug("read %s report %s: %s", report.scanner, rel, report.counts.summary())
    return _dated(report, settings), problem


def _dated(report: ScannerReport, settings: ScannerSettings) -> ScannerReport:
    """The report with its age and, when it is out of date, the reason."""
    if report.scanned_at is None:
        return report
    now = settings.clock()
    age = now - report.scanned_at
    age_days = max(age.days, 0)
    stale = ""
    rebuilt = bool(
        report.image_created and report.image_created > report.scanned_at + _CLOCK_SLACK
    )
    if rebuilt and report.image_created:
        stale = (
            f"stale report: the image was built on {report.image_created:%Y-%m-%d}, "
            f"after the scan of {report.scanned_at:%Y-%m-%d}"
        )
    elif age > timedelta(days=settings.max_age_days):
        stale = (
            f"stale report: scanned {age_days} days ago, "
            f"over the {settings.max_age_days} day limit"
        )
    return dataclasses.replace(report, stale=stale, rebuilt=rebuilt, age_days=age_days)


def _file_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def _display_path(root: Path, path: Path) -> str:
    """The path relative to the project in POSIX form, or absolute when outside it."""
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
