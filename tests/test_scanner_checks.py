"""The scanner_results detector: one finding per image, newest report decides."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtui.detect.scanner_checks import scanner_results
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.scanner_reports import ScannerSettings

REPORTS = Path(__file__).parent / "fixtures" / "scanner_reports"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def facts_with(tmp_path: Path, *names: str, max_age: int = 30) -> ProjectFacts:
    settings = ScannerSettings(max_age_days=max_age, now=NOW)
    return read_project(
        tmp_path, scanner_reports=[REPORTS / n for n in names], scanner_settings=settings
    )


def write_trivy(path: Path, **changes: object) -> Path:
    """The python:3.12-slim Trivy fixture with top-level fields or image config changed."""
    data = json.loads((REPORTS / "trivy-python.json").read_text())
    created = changes.pop("image_created", None)
    if created:
        data["Metadata"]["ImageConfig"]["created"] = created
    if changes.pop("clean", False):
        data["Results"] = []
    data.update(changes)
    path.write_text(json.dumps(data))
    return path


def test_no_reports_means_no_findings(tmp_path: Path) -> None:
    assert scanner_results(read_project(tmp_path)) == []


def test_criticals_fail_with_the_image_and_counts_as_evidence(tmp_path: Path) -> None:
    (result,) = scanner_results(facts_with(tmp_path, "trivy-python.json"))

    assert result.status is Status.FAIL
    assert result.target.kind is TargetKind.IMAGE
    assert result.target.name == "python:3.12-slim"
    assert str(result.target) == f"image python:3.12-slim ({result.target.path})"
    assert result.reason == (
        "2 critical, 3 high vulnerabilities in python:3.12-slim (trivy, scanned 5 days ago)"
    )
    (evidence,) = result.evidence
    assert evidence.line is None
    assert evidence.path.endswith("trivy-python.json")
    assert evidence.snippet == "python:3.12-slim: 2 critical, 3 high"


def test_no_criticals_passes(tmp_path: Path) -> None:
    (result,) = scanner_results(facts_with(tmp_path, "trivy-api-clean.json"))

    assert result.status is Status.PASS
    assert result.reason == (
        "no critical vulnerabilities in registry.example.com/shop/api:1.4.2: "
        "0 critical, 1 high (trivy, scanned 5 days ago)"
    )


def test_an_old_clean_report_cannot_clear_the_image(tmp_path: Path) -> None:
    (result,) = scanner_results(facts_with(tmp_path, "trivy-api-clean.json", max_age=2))

    assert result.status is Status.UNKNOWN
    assert result.reason == (
        "stale report: scanned 5 days ago, over the 2 day limit (0 critical, 1 high)"
    )


def test_an_old_report_with_criticals_still_fails(tmp_path: Path) -> None:
    (result,) = scanner_results(facts_with(tmp_path, "trivy-python.json", max_age=2))

    assert result.status is Status.FAIL
    assert result.reason.endswith("; stale report: scanned 5 days ago, over the 2 day limit")


def test_image_rebuilt_after_the_scan_is_unknown_even_with_criticals(tmp_path: Path) -> None:
    report = write_trivy(tmp_path / "trivy-python.json", image_created="2026-12-02T00:00:00Z")

    (result,) = scanner_results(facts_with(tmp_path, str(report)))

    assert result.status is Status.UNKNOWN
    assert result.reason.startswith("stale report: the image was built on 2026-12-02")
    assert "(2 critical, 3 high)" in result.reason


def test_clean_report_without_a_time_is_unknown(tmp_path: Path) -> None:
    data = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "docker scout"}}, "results": []}],
    }
    (tmp_path / "scout.sarif").write_text(json.dumps(data))

    (result,) = scanner_results(read_project(tmp_path))  # found, so not dated by its file

    assert result.status is Status.UNKNOWN
    assert result.reason == (
        "docker scout report of image not named in the report does not say when it was made "
        "(0 critical, 0 high)"
    )
    assert result.evidence[0].path == "scout.sarif"


def test_named_report_without_a_time_is_dated_by_its_file(tmp_path: Path) -> None:
    facts = read_project(tmp_path, scanner_reports=[REPORTS / "scout-app.sarif"])

    (result,) = scanner_results(facts)

    assert result.status is Status.FAIL
    assert "by the file's time" in result.reason


def test_newest_report_of_an_image_decides(tmp_path: Path) -> None:
    older = write_trivy(tmp_path / "trivy-old.json", CreatedAt="2026-11-21T00:00:00Z")
    newer = write_trivy(tmp_path / "trivy-new.json", CreatedAt="2026-12-02T00:00:00Z", clean=True)

    findings = scanner_results(facts_with(tmp_path, str(older), str(newer)))

    by_path = {f.target.path: f for f in findings}
    assert by_path["trivy-new.json"].status is Status.PASS
    assert by_path["trivy-old.json"].status is Status.NOT_APPLICABLE
    assert by_path["trivy-old.json"].reason == (
        "older than the trivy report trivy-new.json of the same image"
    )


def test_filesystem_report_is_not_applicable(tmp_path: Path) -> None:
    (result,) = scanner_results(facts_with(tmp_path, "trivy-fs.json"))

    assert result.status is Status.NOT_APPLICABLE
    assert result.reason == "trivy report of filesystem ., not of an image"


@pytest.mark.parametrize(
    ("name", "status"),
    [("grype-worker.json", Status.FAIL), ("trivy-nginx.sarif", Status.PASS)],
)
def test_each_format_answers(tmp_path: Path, name: str, status: Status) -> None:
    findings: list[Finding] = scanner_results(facts_with(tmp_path, name))

    assert [f.status for f in findings] == [status]
