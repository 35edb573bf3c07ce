"""Detectors answered from vulnerability scanner reports: critical findings per image.

Each image a report describes is one target. When several reports describe the same
image, the newest decides and the older ones are not applicable. Critical findings fail
the image however old the report is, unless the image was rebuilt since; a report that
is stale or does not say when it was made cannot clear an image, so it answers unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.scanner_reports import ScannerReport

_OLDEST = datetime.min.replace(tzinfo=UTC)


def scanner_results(facts: ProjectFacts) -> list[Finding]:
    """Per scanned image: is its latest, current report free of critical vulnerabilities?"""
    newest: dict[str, ScannerReport] = {}
    for report in facts.scanner_reports:
        if not report.is_image:
            continue
        held = newest.get(report.image_key)
        if held is None or _when(report) > _when(held):
            newest[report.image_key] = report

    findings = []
    for report in facts.scanner_reports:
        if not report.is_image:
            findings.append(_not_an_image(report))
        elif newest[report.image_key] is not report:
            findings.append(_superseded(report, newest[report.image_key]))
        else:
            findings.append(_judge(report))
    return findings


def _judge(report: ScannerReport) -> Finding:
    """Rebuilt since the scan: unknown. Criticals: fail, however old the report, since
    the same image only gains CVEs. No criticals: pass only when the report is current."""
    target = _target(report)
    evidence = (_evidence(report),)
    counts = report.counts.summary()
    if report.rebuilt:
        return Finding(target, Status.UNKNOWN, f"{report.stale} ({counts})", evidence)
    if report.counts.critical:
        note = f"; {report.stale}" if report.stale else ""
        return Finding(
            target,
            Status.FAIL,
            f"{counts} vulnerabilities in {_name(report)} ({_scanned(report)}){note}",
            evidence,
        )
    if report.scanned_at is None:
        return Finding(
            target,
            Status.UNKNOWN,
            f"{report.scanner} report of {_name(report)} does not say when it was made ({counts})",
            evidence,
        )
    if report.stale:
        return Finding(target, Status.UNKNOWN, f"{report.stale} ({counts})", evidence)
    return Finding(
        target,
        Status.PASS,
        f"no critical vulnerabilities in {_name(report)}: {counts} ({_scanned(report)})",
        evidence,
    )


def _not_an_image(report: ScannerReport) -> Finding:
    return Finding(
        Target(TargetKind.IMAGE, report.path, report.artifact),
        Status.NOT_APPLICABLE,
        f"{report.scanner} report of {report.artifact}, not of an image",
        (_evidence(report),),
    )


def _superseded(report: ScannerReport, newer: ScannerReport) -> Finding:
    return Finding(
        _target(report),
        Status.NOT_APPLICABLE,
        f"older than the {newer.scanner} report {newer.path} of the same image",
        (_evidence(report),),
    )


def _target(report: ScannerReport) -> Target:
    return Target(TargetKind.IMAGE, report.path, _name(report))


def _evidence(report: ScannerReport) -> Evidence:
    """The report file, no line: ``python:3.12-slim: 2 critical, 14 high``."""
    return Evidence(report.path, None, f"{_name(report)}: {report.counts.summary()}")


def _name(report: ScannerReport) -> str:
    return report.image or "image not named in the report"


def _scanned(report: ScannerReport) -> str:
    if report.scanned_at is None:
        return f"{report.scanner}, scan time unknown"
    days = report.age_days or 0
    age = "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"
    source = ", by the file's time" if report.dated_by_file else ""
    return f"{report.scanner}, scanned {age}{source}"


def _when(report: ScannerReport) -> datetime:
    return report.scanned_at or _OLDEST


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "scanner_results": scanner_results,
}
