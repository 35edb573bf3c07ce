"""Running Trivy or Grype on the project's local images, when asked to and installed.

Scanning is opt-in: it reads the scanner's vulnerability database, which may be old,
and takes time. It never pulls an image (an image the Docker engine does not hold is
skipped) and never updates the database: Trivy runs with ``--skip-db-update
--offline-scan`` and reads images only from the local engine, Grype with database and
version checks switched off. Each run has a timeout; every failure becomes a problem.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.scanner_reports import ScannerSettings

log = logging.getLogger(__name__)

SCANNERS = ("trivy", "grype")
MAX_IMAGES = 20
INSPECT_TIMEOUT_SECONDS = 30.0
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
# What an image reference may hold; anything else (a leading dash that a scanner would
# read as an option, spaces, quotes) is not passed to a command.
_IMAGE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")

Which = Callable[[str], str | None]
Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass
class ScanRun:
    """What running the scanners produced: the report files written, and the problems."""

    reports: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def images_to_scan(facts: ProjectFacts) -> list[str]:
    """The image names compose services run, in order, once each, at most 20; names that
    are still variables or not plain image references are left out."""
    names: list[str] = []
    for project in facts.compose_projects:
        for service in project.services:
            image = service.get("image")
            name = image.strip() if isinstance(image, str) else ""
            if _IMAGE_REFERENCE.match(name) and name not in names:
                names.append(name)
    return names[:MAX_IMAGES]


def scanner_command(tool: str, executable: str, image: str, output: Path) -> list[str]:
    """The command that scans one local image offline and writes a JSON report."""
    if tool == "trivy":
        return [
            executable,
            "image",
            "--format",
            "json",
            "--output",
            str(output),
            "--scanners",
            "vuln",
            "--skip-db-update",
            "--skip-java-db-update",
            "--offline-scan",
            "--image-src",
            "docker",
            "--quiet",
            image,
        ]
    # `docker:` makes Grype read the image from the Docker engine only.
    return [executable, f"docker:{image}", "--output", "json", "--file", str(output)]


def scanner_environment(tool: str) -> dict[str, str]:
    """The environment a scanner runs in: no database update, no version check."""
    environment = dict(os.environ)
    if tool == "trivy":
        environment.update({"TRIVY_NO_PROGRESS": "true", "TRIVY_SKIP_VERSION_CHECK": "true"})
    else:
        environment.update(
            {"GRYPE_DB_AUTO_UPDATE": "false", "GRYPE_CHECK_FOR_APP_UPDATE": "false"}
        )
    return environment


def run_scanners(
    images: Sequence[str],
    settings: ScannerSettings,
    output_dir: Path | None = None,
    which: Which = shutil.which,
    run: Runner = subprocess.run,
) -> ScanRun:
    """Scan each local image with the first scanner installed; report files and problems.

    ``which`` and ``run`` stand in for :func:`shutil.which` and :func:`subprocess.run`
    in tests.
    """
    outcome = ScanRun()
    tool, executable = _installed_scanner(which)
    docker = which("docker")
    if executable is None:
        outcome.problems.append(_problem("neither trivy nor grype is installed; nothing scanned"))
        return outcome
    if docker is None:
        outcome.problems.append(
            _problem("docker is not installed, so no local image can be scanned")
        )
        return outcome
    if not images:
        outcome.problems.append(_problem("no compose service names an image to scan"))
        return outcome

    folder = output_dir or Path(tempfile.mkdtemp(prefix="reviewtui-scans-"))
    for image in images:
        if not _is_local(docker, image, run, outcome):
            continue
        output = folder / f"{tool}-{_UNSAFE_NAME.sub('_', image)}.json"
        command = scanner_command(tool, executable, image, output)
        if _scan(tool, command, image, settings, run, outcome):
            outcome.reports.append(output)
    return outcome


def _installed_scanner(which: Which) -> tuple[str, str | None]:
    for tool in SCANNERS:
        executable = which(tool)
        if executable:
            return tool, executable
    return SCANNERS[0], None


def _is_local(docker: str, image: str, run: Runner, outcome: ScanRun) -> bool:
    """True when the Docker engine holds the image; asking never pulls it."""
    command = [docker, "image", "inspect", "--format", "{{.Id}}", image]
    result = _run(command, INSPECT_TIMEOUT_SECONDS, None, run)
    if isinstance(result, str):
        outcome.problems.append(_problem(f"cannot ask docker about {image}: {result}"))
        return False
    if result.returncode != 0:
        outcome.problems.append(_problem(f"{image} is not a local image; not pulled, not scanned"))
        return False
    return True


def _scan(
    tool: str,
    command: list[str],
    image: str,
    settings: ScannerSettings,
    run: Runner,
    outcome: ScanRun,
) -> bool:
    log.info("scanning %s: %s", image, " ".join(command))
    result = _run(command, settings.timeout_seconds, scanner_environment(tool), run)
    if isinstance(result, str):
        outcome.problems.append(_problem(f"{tool} on {image} {result}"))
        return False
    if result.returncode != 0:
        outcome.problems.append(
            _problem(f"{tool} on {image} failed (exit {result.returncode}): {_last_line(result)}")
        )
        return False
    return True


def _run(
    command: list[str], timeout: float, environment: dict[str, str] | None, run: Runner
) -> subprocess.CompletedProcess[str] | str:
    """The finished process, or why it could not run to the end."""
    try:
        return run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} seconds"
    except OSError as error:
        return f"could not start: {error.strerror or error}"


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _problem(reason: str) -> Problem:
    return Problem(".", None, f"--run-scanners: {reason}")
