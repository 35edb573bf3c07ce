"""Running scanners on local images: the commands, and every way a run can fail.

No scanner is installed here and none may be downloaded, so ``which`` and ``run`` are
stand-ins that record what would have been executed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from reviewtui.project import read_project
from reviewtui.project.scanner_reports import ScannerSettings
from reviewtui.project.scanner_runs import (
    images_to_scan,
    run_scanners,
    scanner_command,
    scanner_environment,
)

SETTINGS = ScannerSettings(run_scanners=True, timeout_seconds=42)


class FakeRunner:
    """Records commands; answers ``docker image inspect`` and scans as told."""

    def __init__(self, local: set[str], scan_exit: int = 0, raises: Exception | None = None):
        self.local = local
        self.scan_exit = scan_exit
        self.raises = raises
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((command, kwargs))
        if command[1:3] == ["image", "inspect"]:
            found = command[-1] in self.local
            return subprocess.CompletedProcess(command, 0 if found else 1, "sha256:x\n", "")
        if self.raises is not None:
            raise self.raises
        return subprocess.CompletedProcess(command, self.scan_exit, "", "FATAL db missing\n")


def which_of(*installed: str) -> Any:
    return lambda name: f"/usr/local/bin/{name}" if name in installed else None


def test_trivy_command_is_offline_and_reads_only_the_local_engine(tmp_path: Path) -> None:
    command = scanner_command("trivy", "/usr/bin/trivy", "app:1.0", tmp_path / "out.json")

    assert command[:2] == ["/usr/bin/trivy", "image"]
    assert command[-1] == "app:1.0"
    for flag in ("--skip-db-update", "--offline-scan", "--skip-java-db-update"):
        assert flag in command
    assert command[command.index("--image-src") + 1] == "docker"
    assert command[command.index("--format") + 1] == "json"
    assert command[command.index("--output") + 1] == str(tmp_path / "out.json")
    assert "--exit-code" not in command  # findings are no failure of the run


def test_grype_command_reads_the_docker_engine_without_db_updates(tmp_path: Path) -> None:
    command = scanner_command("grype", "grype", "app:1.0", tmp_path / "out.json")
    environment = scanner_environment("grype")

    assert command == [
        "grype",
        "docker:app:1.0",
        "--output",
        "json",
        "--file",
        str(tmp_path / "out.json"),
    ]
    assert environment["GRYPE_DB_AUTO_UPDATE"] == "false"
    assert environment["GRYPE_CHECK_FOR_APP_UPDATE"] == "false"


def test_nothing_installed_is_a_problem_and_runs_nothing() -> None:
    runner = FakeRunner(local={"app:1.0"})

    outcome = run_scanners(["app:1.0"], SETTINGS, which=which_of("docker"), run=runner)

    assert outcome.reports == [] and runner.calls == []
    assert [p.reason for p in outcome.problems] == [
        "--run-scanners: neither trivy nor grype is installed; nothing scanned"
    ]


def test_without_docker_no_local_image_can_be_scanned() -> None:
    outcome = run_scanners(["app:1.0"], SETTINGS, which=which_of("trivy"), run=FakeRunner(set()))

    assert "docker is not installed" in outcome.problems[0].reason


def test_only_local_images_are_scanned_with_a_timeout(tmp_path: Path) -> None:
    runner = FakeRunner(local={"app:1.0"})

    outcome = run_scanners(
        ["app:1.0", "postgres:16"],
        SETTINGS,
        output_dir=tmp_path,
        which=which_of("trivy", "docker"),
        run=runner,
    )

    scans = [(command, kwargs) for command, kwargs in runner.calls if "trivy" in command[0]]
    assert len(scans) == 1 and scans[0][0][-1] == "app:1.0"
    assert scans[0][1]["timeout"] == 42
    assert scans[0][1]["env"]["TRIVY_NO_PROGRESS"] == "true"
    assert outcome.reports == [tmp_path / "trivy-app_1.0.json"]
    assert [p.reason for p in outcome.problems] == [
        "--run-scanners: postgres:16 is not a local image; not pulled, not scanned"
    ]


def test_grype_is_used_when_trivy_is_missing(tmp_path: Path) -> None:
    runner = FakeRunner(local={"app:1.0"})

    run_scanners(["app:1.0"], SETTINGS, tmp_path, which=which_of("grype", "docker"), run=runner)

    assert runner.calls[-1][0][:2] == ["/usr/local/bin/grype", "docker:app:1.0"]


@pytest.mark.parametrize(
    ("runner", "reason"),
    [
        (
            FakeRunner({"app:1.0"}, scan_exit=1),
            "--run-scanners: trivy on app:1.0 failed (exit 1): FATAL db missing",
        ),
        (
            FakeRunner({"app:1.0"}, raises=subprocess.TimeoutExpired(["trivy"], 42)),
            "--run-scanners: trivy on app:1.0 timed out after 42 seconds",
        ),
        (
            FakeRunner({"app:1.0"}, raises=PermissionError(13, "Permission denied")),
            "--run-scanners: trivy on app:1.0 could not start: Permission denied",
        ),
    ],
)
def test_a_failed_run_is_a_problem(tmp_path: Path, runner: FakeRunner, reason: str) -> None:
    outcome = run_scanners(
        ["app:1.0"], SETTINGS, tmp_path, which=which_of("trivy", "docker"), run=runner
    )

    assert outcome.reports == []
    assert [p.reason for p in outcome.problems] == [reason]


def test_images_to_scan_are_the_compose_images_once_each(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web: {image: 'shop/web:1.2'}\n"
        "  api: {image: 'shop/api:${TAG:-1}'}\n"
        "  again: {image: 'shop/web:1.2'}\n"
        "  built: {build: .}\n"
        "  odd: {image: '--config=/etc/passwd'}\n"
    )

    # Compose fills in `${TAG:-1}`; a service that only builds names no image, and what
    # a scanner would read as an option is no image name.
    assert images_to_scan(read_project(tmp_path)) == ["shop/web:1.2", "shop/api:1"]


def test_run_scanners_problem_reaches_the_project_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)

    facts = read_project(tmp_path, scanner_settings=SETTINGS)

    assert [p.reason for p in facts.problems] == [
        "--run-scanners: neither trivy nor grype is installed; nothing scanned"
    ]
