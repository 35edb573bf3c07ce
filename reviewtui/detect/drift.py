"""Containers beside the compose services they were made from, and where the two differ.

Compose labels every container it creates with its project, service and working
directory. A container whose labels name a compose service of the reviewed project is
joined to that service: for every item answered for both, the declared answer (from the
files) and the running answer (from the engine) are compared. A difference means what
runs is not what was reviewed: someone changed the container by hand, an old deployment
still runs, or the server uses an override file the review has not seen.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewtui.live.facts import ContainerFacts
from reviewtui.model import Finding, Status, Target
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.facts import ProjectFacts

DerivedDetector = Callable[[ProjectFacts, dict[str, list[Finding]]], list[Finding]]
"""Answers an item from the facts and the findings of every other item."""

_NOT_IN_NAME = re.compile(r"[^a-z0-9_-]")
_JUDGED = (Status.PASS, Status.FAIL)
_MAX_LISTED = 3


@dataclass(frozen=True)
class Join:
    """A container and the compose service it was made from."""

    container: ContainerFacts
    service: ComposeService


def project_name(project: ComposeProject, folder: Path) -> str:
    """The name compose gives the project: its ``name:``, else its folder's name, lower
    case with anything but letters, digits, ``-`` and ``_`` dropped."""
    name = project.name or folder.name
    return _NOT_IN_NAME.sub("", name.lower())


def joins(facts: ProjectFacts) -> list[Join]:
    """Every container of the reachable engines that compose made from a reviewed service.

    The working directory in the labels identifies the project best; the project name
    is the fallback for containers started from a copy of the files elsewhere.
    """
    by_folder: dict[tuple[str, str], ComposeService] = {}
    by_name: dict[tuple[str, str], ComposeService] = {}
    for project in facts.compose_projects:
        folder = (facts.root / posixpath.dirname(project.path)).resolve()
        for service in project.services:
            by_folder.setdefault((str(folder), service.name), service)
            by_name.setdefault((project_name(project, folder), service.name), service)

    found = []
    for engine in facts.engines:
        for container in engine.containers:
            labels = container.compose_service
            if labels is None:
                continue
            label_project, service_name, working_dir = labels
            joined = by_folder.get((working_dir, service_name)) or by_name.get(
                (label_project, service_name)
            )
            if joined is not None:
                found.append(Join(container, joined))
    return found


def compose_drift(facts: ProjectFacts, results: dict[str, list[Finding]]) -> list[Finding]:
    """PASS for a joined container whose answers equal its service's on every item both
    answer; FAIL naming the items that differ. Also marks each differing container
    finding of those items with the declared answer, so the two read side by side."""
    findings = []
    for join in joins(facts):
        service_target, container_target = join.service.target, join.container.target
        differences = []
        compared = 0
        for item_id, item_findings in results.items():
            declared = _status_of(item_findings, service_target)
            if declared is None:
                continue
            running = _status_of(item_findings, container_target)
            if declared not in _JUDGED or running not in _JUDGED:
                continue
            compared += 1
            if declared is not running:
                differences.append((item_id, declared, running))
                _mark(item_findings, container_target, join.service.name, declared)
        findings.append(_finding(join, differences, compared))
    return findings


def _status_of(findings: list[Finding], target: Target) -> Status | None:
    return next((f.status for f in findings if f.target == target), None)


def _mark(findings: list[Finding], target: Target, service: str, declared: Status) -> None:
    for index, finding in enumerate(findings):
        if finding.target == target:
            reason = f"{finding.reason} (compose service {service} declares: {declared.label})"
            findings[index] = Finding(target, finding.status, reason, finding.evidence)


def _finding(join: Join, differences: list[tuple[str, Status, Status]], compared: int) -> Finding:
    service = join.service
    where = f"compose service {service.name} ({service.path})"
    evidence = (
        join.container.evidence("Config.Labels", {"com.docker.compose.service": service.name}),
        service.evidence(),
    )
    if not differences:
        if compared == 0:
            return Finding(
                join.container.target,
                Status.UNKNOWN,
                f"made from {where}, but no item is answered for both",
                evidence,
            )
        return Finding(
            join.container.target,
            Status.PASS,
            f"runs as {where} declares, on all {compared} items answered for both",
            evidence,
        )
    # Each differing item's own finding for the container says which way it differs.
    listed = ", ".join(item_id for item_id, _, _ in differences[:_MAX_LISTED])
    more = len(differences) - _MAX_LISTED
    if more > 0:
        listed += f" and {more} more"
    count = len(differences)
    return Finding(
        join.container.target,
        Status.FAIL,
        f"differs from {where} on {count} item{'s' if count > 1 else ''}: {listed}",
        evidence,
    )


DERIVED: dict[str, DerivedDetector] = {"compose_drift": compose_drift}
"""Detectors that need the other items' findings, run after all of them."""
