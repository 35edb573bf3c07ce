"""Scanner reports: the three formats, their counts and times, staleness, discovery and
bad files, read from the hand-written fixtures in tests/fixtures/scanner_reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtui.project import read_project
from reviewtui.project.scanner_formats import SeverityCounts, parse_time
from reviewtui.project.scanner_reports import (
    ScannerReport,
    ScannerSettings,
    is_scanner_report_name,
    read_scanner_report,
)

REPORTS = Path(__file__).parent / "fixtures" / "scanner_reports"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SETTINGS = ScannerSettings(now=NOW)


def read(name: str, settings: ScannerSettings = SETTINGS) -> ScannerReport:
    report, problem = read_scanner_report(REPORTS, REPORTS / name, settings)
    assert problem is None and report is not None, problem
    return report


# --- formats ------------------------------------------------------------------------------


def test_trivy_json_counts_every_result_and_names_the_image() -> None:
    report = read("trivy-python.json")

    assert report.scanner == "trivy"
    assert report.image == "python:3.12-slim"
    assert report.image_id == "sha256:" + "a1" * 32
    assert report.counts == SeverityCounts(critical=2, high=3, medium=1, low=1)
    assert report.scanned_at == datetime(2026, 11, 28, 8, 15, 42, 123456, tzinfo=UTC)
    assert report.image_created == datetime(2026, 11, 20, 3, 12, 9, tzinfo=UTC)
    assert (report.age_days, report.stale, report.rebuilt) == (5, "", False)
    assert report.path == "trivy-python.json"


def test_trivy_results_without_vulnerabilities_count_nothing() -> None:
    report = read("trivy-api-clean.json")

    assert report.counts == SeverityCounts(high=1)
    assert report.counts.summary() == "0 critical, 1 high"


def test_trivy_filesystem_scan_is_not_an_image() -> None:
    report = read("trivy-fs.json")

    assert not report.is_image
    assert report.artifact == "filesystem ."


def test_trivy_before_schema_2_is_a_list_of_results() -> None:
    report = read("trivy-legacy.json")

    assert report.image == "alpine:3.10"
    assert report.counts == SeverityCounts(critical=1, medium=1)
    assert report.dated_by_file  # no time in the report: the file's time, given by name


def test_grype_json_counts_matches_and_reads_the_embedded_image_config() -> None:
    report = read("grype-worker.json")

    assert report.scanner == "grype"
    assert report.image == "registry.example.com/shop/worker:2.0.1"
    assert report.image_id == "sha256:" + "d4" * 32
    # Negligible counts as low.
    assert report.counts == SeverityCounts(critical=1, high=2, medium=1, low=1)
    assert report.scanned_at == datetime(2026, 11, 26, 8, 5, 11, 482193, tzinfo=UTC)
    assert report.image_created == datetime(2026, 11, 25, 17, 40, 0, 500000, tzinfo=UTC)


def test_docker_scout_sarif_severity_comes_from_its_rules() -> None:
    report = read("scout-app.sarif")

    assert report.scanner == "docker scout"
    assert report.image == ""  # Docker Scout's SARIF does not name the image
    assert report.counts == SeverityCounts(critical=1, high=1, low=1)


def test_trivy_sarif_names_the_image_from_run_properties() -> None:
    report = read("trivy-nginx.sarif")

    assert (report.scanner, report.image) == ("trivy", "nginx:1.27.3")
    assert report.counts == SeverityCounts(high=1)


def test_sarif_severity_from_the_message_or_the_score(tmp_path: Path) -> None:
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Grype",
                        "rules": [
                            {"id": "A", "properties": {"security-severity": "9.8"}},
                            {"id": "B", "properties": {"security-severity": "5.0"}},
                            {"id": "C"},
                        ],
                    }
                },
                "invocations": [{"endTimeUtc": "2026-12-01T10:00:00Z"}],
                "results": [
                    {"ruleId": "A"},
                    {"ruleId": "B"},
                    {"ruleId": "C", "message": {"text": "Severity: HIGH"}},
                    {"ruleId": "C", "suppressions": [{"kind": "external"}]},
                ],
            }
        ],
    }
    (tmp_path / "grype.sarif").write_text(json.dumps(sarif))

    report, _ = read_scanner_report(tmp_path, tmp_path / "grype.sarif", SETTINGS)

    assert report is not None
    assert report.counts == SeverityCounts(critical=1, high=1, medium=1)
    assert report.scanned_at == datetime(2026, 12, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T08:15:42.123456789Z", datetime(2026, 11, 28, 8, 15, 42, 123456, tzinfo=UTC)),
        ("2026-11-26T09:05:11+01:00", datetime(2026, 11, 26, 8, 5, 11, tzinfo=UTC)),
        ("2026-11-26 09:05:11 +0100", datetime(2026, 11, 26, 8, 5, 11, tzinfo=UTC)),
        ("2026-11-26", datetime(2026, 11, 26, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_times_as_scanners_write_them(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected


# --- staleness ----------------------------------------------------------------------------


def test_report_older_than_the_age_limit_is_stale() -> None:
    report = read("trivy-python.json", ScannerSettings(max_age_days=3, now=NOW))

    assert report.stale == "stale report: scanned 5 days ago, over the 3 day limit"
    assert not report.rebuilt


def test_report_older_than_the_image_is_stale_and_says_so(tmp_path: Path) -> None:
    data = json.loads((REPORTS / "trivy-python.json").read_text())
    data["Metadata"]["ImageConfig"]["created"] = "2026-12-01T00:00:00Z"
    (tmp_path / "trivy.json").write_text(json.dumps(data))

    report, _ = read_scanner_report(tmp_path, tmp_path / "trivy.json", SETTINGS)

    assert report is not None and report.rebuilt
    assert report.stale == (
        "stale report: the image was built on 2026-12-01, after the scan of 2026-11-28"
    )


# --- bad files and discovery --------------------------------------------------------------


def test_bad_json_is_a_problem_with_file_and_line() -> None:
    report, problem = read_scanner_report(REPORTS, REPORTS / "broken.json", SETTINGS)

    assert report is None and problem is not None
    assert (problem.path, problem.line) == ("broken.json", 5)
    assert problem.reason.startswith("invalid JSON, report not read")


def test_sarif_of_another_tool_is_a_problem_only_when_named() -> None:
    named = read_scanner_report(REPORTS, REPORTS / "codeql.sarif", SETTINGS)
    found = read_scanner_report(REPORTS, REPORTS / "codeql.sarif", SETTINGS, named=False)

    assert named[0] is None and named[1] is not None
    assert "not a vulnerability scanner" in named[1].reason
    assert found == (None, None)


def test_report_outside_the_project_keeps_its_absolute_path(tmp_path: Path) -> None:
    report, _ = read_scanner_report(tmp_path, REPORTS / "trivy-python.json", SETTINGS)

    assert report is not None
    assert report.path == (REPORTS / "trivy-python.json").as_posix()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("trivy-results.json", True),
        ("grype.json", True),
        ("scan.sarif", True),
        ("results.sarif.json", True),
        ("package.json", False),
        ("trivy.yaml", False),
    ],
)
def test_report_names(name: str, expected: bool) -> None:
    assert is_scanner_report_name(name) is expected


def test_reports_in_the_project_are_found_and_others_left_alone(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    shutil.copy(REPORTS / "grype-worker.json", tmp_path / "reports" / "grype-worker.json")
    shutil.copy(REPORTS / "codeql.sarif", tmp_path / "codeql.sarif")
    (tmp_path / "trivy-notes.json").write_text('{"note": "not a report"}')

    facts = read_project(tmp_path, scanner_settings=SETTINGS)

    assert [r.path for r in facts.scanner_reports] == ["reports/grype-worker.json"]
    assert facts.problems == []


def test_a_found_report_without_a_time_is_not_dated_by_its_file(tmp_path: Path) -> None:
    shutil.copy(REPORTS / "scout-app.sarif", tmp_path / "scout-app.sarif")

    (report,) = read_project(tmp_path, scanner_settings=SETTINGS).scanner_reports

    assert report.scanned_at is None and not report.dated_by_file


def test_given_and_found_report_is_read_once(tmp_path: Path) -> None:
    shutil.copy(REPORTS / "trivy-python.json", tmp_path / "trivy-python.json")

    facts = read_project(tmp_path, scanner_reports=[tmp_path / "trivy-python.json"])

    assert [r.path for r in facts.scanner_reports] == ["trivy-python.json"]


# --- command line -------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scan_with_a_scanner_report_answers_the_scan_results_item(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    output = tmp_path / "report.json"

    result = run(
        "scan",
        str(tmp_path),
        "--scanner-report",
        str(REPORTS / "trivy-python.json"),
        "--scanner-report",
        str(REPORTS / "trivy-api-clean.json"),
        "--scanner-max-age",
        "36500",
        "--format",
        "json",
        "--output",
        str(output),
        "--fail-on",
        "none",
    )

    assert result.returncode == 0, result.stderr
    (item,) = [
        i for i in json.loads(output.read_text())["items"] if i["id"] == "image.scan-results"
    ]
    assert item["status"] == "fail"
    by_image = {f["target"].split(" (")[0]: f for f in item["findings"]}
    python = by_image["image python:3.12-slim"]
    assert python["status"] == "fail" and python["target_kind"] == "image"
    assert python["evidence"][0]["snippet"] == "python:3.12-slim: 2 critical, 3 high"
    assert python["evidence"][0]["line"] is None
    assert by_image["image registry.example.com/shop/api:1.4.2"]["status"] == "pass"


def test_scan_with_a_missing_report_is_a_usage_error(tmp_path: Path) -> None:
    result = run("scan", str(tmp_path), "--scanner-report", str(tmp_path / "nope.json"))

    assert result.returncode == 2
    assert "--scanner-report" in result.stderr and "no such file" in result.stderr


def test_scanner_options_are_in_the_help_of_the_app_and_scan() -> None:
    for command in ([], ["scan"]):
        result = run(*command, "--help")
        assert "--scanner-report" in result.stdout
        assert "--scanner-max-age" in result.stdout
        assert "--run-scanners" in result.stdout
