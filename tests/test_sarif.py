"""The SARIF report: valid SARIF 2.1.0, one rule per item, results code scanning can use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reviewtui.report import render
from reviewtui.report.sarif import FINGERPRINT, SOURCE_ROOT, rule_name
from tests.conftest import write_project
from tests.report_projects import (
    BUILDERS,
    answer,
    answered_project,
    live_project,
    record_live,
    scanned,
    waived_project,
    write_weak,
)
from tests.sarif_schema import sarif_schema, sarif_validator

Log = dict[str, Any]


def sarif_of(session: Any) -> Log:
    """The session's SARIF report, parsed."""
    log: Log = json.loads(render(session, "sarif"))
    return log


def run_of(log: Log) -> Log:
    run: Log = log["runs"][0]
    return run


def results_of(log: Log, rule: str) -> list[Log]:
    """The results of one rule."""
    return [result for result in run_of(log)["results"] if result["ruleId"] == rule]


def physical(result: Log) -> tuple[str, int | None]:
    """The uri and line of a result's first location."""
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uriBaseId"] == SOURCE_ROOT
    return location["artifactLocation"]["uri"], location.get("region", {}).get("startLine")


@pytest.fixture(scope="module")
def schema() -> dict[str, object]:
    """The official SARIF 2.1.0 schema (skips without one, unless it is required)."""
    return sarif_schema()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_report_is_valid_sarif(tmp_path: Path, schema: dict[str, object], name: str) -> None:
    # With the proposed fixes, so SARIF's fix objects are checked too.
    log = json.loads(render(BUILDERS[name](tmp_path), "sarif", fixes=True))

    validator = jsonschema.Draft202012Validator(schema)
    assert [error.message for error in validator.iter_errors(log)] == []
    assert log["version"] == "2.1.0"


def test_one_rule_per_item_with_what_code_scanning_shows(tmp_path: Path) -> None:
    session = BUILDERS["weak"](tmp_path)
    rules = run_of(sarif_of(session))["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    item = session.catalogue.item("runtime.not-privileged")
    assert item is not None

    assert sorted(by_id) == sorted(i.id for i in session.catalogue.items)
    rule = by_id["runtime.not-privileged"]
    assert rule["name"] == "RuntimeNotPrivileged" == rule_name(item.id)
    assert rule["shortDescription"]["text"] == item.title
    assert rule["fullDescription"]["text"] == " ".join(item.question.split())
    assert rule["help"]["text"].startswith("Why it matters: ")
    assert "**How to fix:**" in rule["help"]["markdown"]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["security-severity"] == "9.5"
    assert {"security", "runtime", "CIS-Docker-5.5"} <= set(rule["properties"]["tags"])
    severities = {r["properties"]["severity"]: r["properties"]["security-severity"] for r in rules}
    assert severities == {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
    levels = {r["properties"]["severity"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels == {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def test_failing_targets_are_results_at_their_lines(tmp_path: Path) -> None:
    log = sarif_of(BUILDERS["weak"](tmp_path))
    run = run_of(log)

    privileged = results_of(log, "runtime.not-privileged")
    assert [physical(r) for r in privileged] == [("compose.yaml", 4)]
    assert privileged[0]["message"]["text"] == (
        "service web (compose.yaml): privileged: true gives the container every capability "
        "and host device."
    )
    assert privileged[0]["locations"][0]["physicalLocation"]["region"]["snippet"] == {
        "text": "privileged: true"
    }
    assert "suppressions" not in privileged[0]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert {r["kind"] for r in run["results"]} == {"fail"}
    # An item that needs a person has nothing to point at.
    assert results_of(log, "operations.incident-response") == []
    assert "supersecretvalue123" not in json.dumps(log)


def test_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    session = scanned(write_weak(repository / "services" / "api"))

    log = sarif_of(session)

    assert physical(results_of(log, "runtime.not-privileged")[0]) == (
        "services/api/compose.yaml",
        4,
    )
    assert run_of(log)["originalUriBaseIds"][SOURCE_ROOT]["uri"] == repository.as_uri() + "/"


def test_waivers_and_accepted_risks_are_suppressed_with_their_reason(tmp_path: Path) -> None:
    log = sarif_of(waived_project(tmp_path))

    vpn, web = sorted(
        results_of(log, "runtime.not-privileged"), key=lambda r: r["properties"]["target"]
    )
    assert vpn["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "waived in source (compose.yaml:2): needs raw sockets for the VPN",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": "compose.yaml", "uriBaseId": SOURCE_ROOT},
                    "region": {"startLine": 2},
                }
            },
        }
    ]
    assert "suppressions" not in web  # only the vpn service is waived
    socket = results_of(log, "runtime.no-docker-socket")
    assert [s["kind"] for r in socket for s in r["suppressions"]] == ["external"]
    assert "watchtower updates the images" in socket[0]["suppressions"][0]["justification"]
    # An expired waiver suppresses nothing.
    assert all("suppressions" not in r for r in results_of(log, "runtime.cap-drop-all"))


def test_reviewer_answers_suppress_or_add_results(tmp_path: Path) -> None:
    session = answered_project(tmp_path)
    log = sarif_of(session)

    risk = results_of(log, "runtime.not-privileged")[0]["suppressions"][0]
    assert (risk["kind"], risk["justification"]) == ("external", "accepted risk: legacy driver")
    overridden = results_of(log, "build.copy-not-add")[0]["suppressions"][0]
    assert overridden["justification"] == "a reviewer answered pass against the detection"
    # A person's fail on an item no detector answers points at the answer in the review file.
    manual = results_of(log, "operations.incident-response")
    assert len(manual) == 1
    uri, line = physical(manual[0])
    review_lines = (session.root / ".reviewtui" / "review.json").read_text().splitlines()
    assert uri == ".reviewtui/review.json"
    assert line is not None and review_lines[line - 1] == '    "operations.incident-response": {'
    assert manual[0]["message"]["text"] == (
        "A reviewer answered fail: Incident response for a compromised container. "
        "Note: Nobody owns the runbook."
    )


def test_action_items_travel_in_result_properties(tmp_path: Path) -> None:
    log = sarif_of(answered_project(tmp_path))

    pinned = results_of(log, "image.base-tag-pinned")[0]["properties"]
    socket = [r["properties"] for r in results_of(log, "runtime.no-docker-socket")]

    assert (pinned["owner"], pinned["due"], pinned["overdue"]) == ("@octocat", "2027-01-31", False)
    assert [(p["owner"], p["overdue"]) for p in socket] == [("platform-team", True)]


def test_live_evidence_is_a_logical_location(tmp_path: Path) -> None:
    log = sarif_of(live_project(tmp_path))

    container = [
        r
        for r in results_of(log, "runtime.not-privileged")
        if r["properties"]["targetKind"] == "container"
    ]
    location = container[0]["locations"][0]
    assert "physicalLocation" not in location
    assert location["logicalLocations"] == [
        {
            "name": "HostConfig.Privileged",
            "fullyQualifiedName": "prod/container web-1/HostConfig.Privileged",
            "kind": "property",
        }
    ]
    assert location["message"]["text"] == "HostConfig.Privileged = true"
    engines = run_of(log)["properties"]["engines"]
    assert [(e["host"], e["error"]) for e in engines] == [
        ("prod", ""),
        ("edge", "connection refused"),
    ]


def test_fingerprints_survive_moved_lines_and_a_new_scan(tmp_path: Path) -> None:
    root = write_weak(tmp_path / "weak")
    before = sarif_of(scanned(root))
    dockerfile = root / "Dockerfile"
    dockerfile.write_text("# moved down\n\n" + dockerfile.read_text())
    after = sarif_of(scanned(root))

    def fingerprints(log: Log) -> dict[str, str]:
        return {
            r["partialFingerprints"][FINGERPRINT]: f"{r['ruleId']} {r['properties']['target']}"
            for r in run_of(log)["results"]
        }

    assert fingerprints(before) == fingerprints(after)
    assert len(fingerprints(before)) == len(run_of(before)["results"])  # all distinct
    tag_before = results_of(before, "image.base-tag-pinned")[0]
    tag_after = results_of(after, "image.base-tag-pinned")[0]
    assert (physical(tag_before)[1], physical(tag_after)[1]) == (1, 3)


def test_unreadable_files_are_notifications_of_the_run(tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", {"daemon.json": "{ not json\n"})
    run = run_of(sarif_of(scanned(root)))

    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert notifications[0]["level"] == "warning"
    assert notifications[0]["message"]["text"].startswith("daemon.json: invalid JSON")
    assert notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "daemon.json",
        "uriBaseId": SOURCE_ROOT,
    }


def test_scan_and_export_write_sarif(tmp_path: Path, schema: dict[str, object]) -> None:
    session = answered_project(tmp_path)
    scan = subprocess.run(
        [sys.executable, "-m", "reviewtui", "scan", str(session.root), "--format", "sarif"],
        capture_output=True,
        text=True,
    )
    review_file = session.root / ".reviewtui" / "review.json"
    output = tmp_path / "review.sarif"
    export = subprocess.run(
        [sys.executable, "-m", "reviewtui", "export", str(review_file)]
        + ["--format", "sarif", "--output", str(output)],
        capture_output=True,
        text=True,
    )

    assert scan.returncode == 1, scan.stderr  # critical items fail
    assert export.returncode == 0, export.stderr
    validator = jsonschema.Draft202012Validator(schema)
    for log in (json.loads(scan.stdout), json.loads(output.read_text(encoding="utf-8"))):
        assert list(validator.iter_errors(log)) == []
        assert results_of(log, "operations.incident-response")


# Its rule SARIF2006 fetches every help link: slow, and not the point offline.
VALIDATOR_CONFIG = """\
<?xml version="1.0" encoding="utf-8" ?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
"""


def test_microsofts_validator_finds_no_error(tmp_path: Path) -> None:
    sarif_schema()  # fetches the validator with the schema, when it can
    validator = sarif_validator()
    if validator is None:
        pytest.skip("Sarif.Multitool is not in the cache")
    # One review with every kind of result: waived, accepted, overridden, manual, live.
    session = waived_project(tmp_path)
    answer(session)
    record_live(session)
    path = tmp_path / "review.sarif"
    path.write_text(render(session, "sarif", fixes=True), encoding="utf-8")
    config = tmp_path / "validator.xml"
    config.write_text(VALIDATOR_CONFIG, encoding="utf-8")
    out = tmp_path / "validation.sarif"

    result = subprocess.run(
        [str(validator), "validate", str(path), "--output", str(out), "--config", str(config)]
        + ["--log", "ForceOverwrite", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [r["ruleId"] for r in found if r.get("level") == "error"] == []
    # The one warning left: reviewtui has no home page to name as its informationUri.
    assert {r["ruleId"] for r in found} <= {"SARIF2005"}
