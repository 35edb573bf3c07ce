"""Containers beside the compose services they were made from, and the settings that differ.

Compose labels every container it creates with its project, service and working
directory. A container whose working directory is the folder of a reviewed compose
project is joined to that project's service of the labelled name; the project name alone
joins only a container whose labels name no working directory. A container of the same
project name from another folder was made from another copy of the files: it is said to
be one, not compared with files it did not come from.

For a joined container a fixed table of settings that both the compose file and the
engine's inspect data express is compared value by value: the image, user, privileged,
read_only, capabilities, security options, memory, CPU and process limits, the network
and namespaces, published ports, host paths bound, environment variable names (never
their values), restart policy, health check and init.

The answers of the other items are not compared. An item's answer draws on more than the
declared settings: the live detectors see the image's ENV, USER and HEALTHCHECK and the
engine's daemon.json, the compose detectors see the project's Dockerfiles or, for a
pulled image, nothing. Comparing answers would blame the deployment for what the files
cannot show (a container run exactly as declared, from an image whose ENV holds a token,
would "differ" on secrets) and would hide drift both sides answer alike (a 64m memory
limit declared, 2g running: both pass). Settings compare like with like.

A difference that weakens the container (something switched off, loosened or added that
an item cares about) fails the item; one that only tightens it, or changes nothing that
matters to security, is named in the reason and passes. A setting the file leaves out is
compared with the engine's default: a privileged container of a service that says
nothing about privileged differs and fails, a memory limit set only at run time passes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.drift_settings import Difference, Join, compare_settings
from reviewtui.live.facts import (
    COMPOSE_PROJECT,
    COMPOSE_SERVICE,
    COMPOSE_WORKING_DIR,
    ContainerFacts,
    EngineFacts,
)
from reviewtui.masking import MAX_SNIPPET
from reviewtui.model import Evidence, Finding, Status, Target
from reviewtui.project.compose import ComposeProject
from reviewtui.project.facts import ProjectFacts

DerivedDetector = Callable[[ProjectFacts, dict[str, list[Finding]]], list[Finding]]
"""Answers an item from the facts and the findings of every other item."""

COMPOSE_CONFIG_FILES = "com.docker.compose.project.config_files"
"""The label listing the compose files a container was made from, comma separated."""

_NOT_IN_NAME = re.compile(r"[^a-z0-9_-]")
_MAX_LISTED = 3


@dataclass(frozen=True)
class _Reviewed:
    """A reviewed compose project with the name compose gives it and its folder, as found
    and resolved, and its files as absolute paths."""

    project: ComposeProject
    name: str
    folder: str
    folders: frozenset[str]
    files: frozenset[str]


def project_name(project: ComposeProject, folder: Path) -> str:
    """The name compose gives the project: its ``name:``, else its folder's name, lower
    case with anything but letters, digits, ``-`` and ``_`` dropped."""
    name = project.name or folder.name
    return _NOT_IN_NAME.sub("", name.lower())


def _reviewed(facts: ProjectFacts) -> list[_Reviewed]:
    found = []
    for project in facts.compose_projects:
        folder = facts.root / posixpath.dirname(project.path)
        files = {str(facts.root / rel) for rel in project.files}
        files |= {str((facts.root / rel).resolve()) for rel in project.files}
        found.append(
            _Reviewed(
                project,
                project_name(project, folder.resolve()),
                str(folder.resolve()),
                frozenset({posixpath.normpath(str(folder)), str(folder.resolve())}),
                frozenset(files),
            )
        )
    return found


def _same_folder(working_dir: str, reviewed: _Reviewed) -> bool:
    if posixpath.normpath(working_dir) in reviewed.folders:
        return True
    # The label holds the path on the engine's host; for a local engine a symlinked
    # temporary folder is still the same folder.
    return working_dir.startswith("/") and str(Path(working_dir).resolve()) in reviewed.folders


def _labels_evidence(container: ContainerFacts) -> Evidence:
    labels = {
        key: container.compose_label(key)
        for key in (COMPOSE_PROJECT, COMPOSE_SERVICE, COMPOSE_WORKING_DIR)
        if container.compose_label(key)
    }
    return container.evidence("Config.Labels", labels)


def _declared_services(project: ComposeProject) -> Evidence:
    """The compose file and, as its snippet, the services the project declares."""
    declared = names([service.name for service in project.services])
    return Evidence(project.path, None, f"services: {declared}" if declared else "no services")


def _place(
    engine: EngineFacts, container: ContainerFacts, reviewed: list[_Reviewed]
) -> Join | Finding | None:
    """The join of a compose-made container with its reviewed service; a finding when it
    belongs to the reviewed project but cannot be joined; None when it is not ours."""
    labels = container.compose_service
    if labels is None:
        return None
    label_project, service_name, working_dir = labels
    if working_dir:
        candidates = [r for r in reviewed if _same_folder(working_dir, r)]
        if not candidates:
            if any(r.name == label_project for r in reviewed):
                return Finding(
                    container.target,
                    Status.UNKNOWN,
                    f"compose project {label_project} from {working_dir}: another copy of "
                    "the files, not the reviewed one",
                    (_labels_evidence(container),),
                )
            return None
    else:
        candidates = [r for r in reviewed if r.name == label_project]
        if not candidates:
            return None
    config_files = {
        posixpath.normpath(part.strip())
        for part in container.compose_label(COMPOSE_CONFIG_FILES).split(",")
        if part.strip()
    }
    chosen = max(
        candidates,
        key=lambda r: (
            bool(config_files & r.files),
            r.name == label_project,
            r.project.service(service_name) is not None,
        ),
    )
    service = chosen.project.service(service_name)
    if service is None:
        return Finding(
            container.target,
            Status.FAIL,
            f"made by compose for service {service_name}, which the reviewed files do not declare",
            (_labels_evidence(container), *(_declared_services(r.project) for r in candidates)),
        )
    return Join(container, service, engine, label_project, working_dir or chosen.folder)


def compose_drift(facts: ProjectFacts, results: dict[str, list[Finding]]) -> list[Finding]:
    """Per compose-made container of a reviewed project: PASS when it runs with the
    settings its service declares (or tighter ones), FAIL naming the settings where it is
    weaker, FAIL for a service the files do not declare, UNKNOWN for a container made from
    another copy of the files. Per service without a container on any engine read,
    UNKNOWN. The container findings of the items a difference touches get a note of what
    the service declares, so the two read side by side."""
    reviewed = _reviewed(facts)
    reachable = [engine for engine in facts.engines if engine.reachable]
    findings: list[Finding] = []
    with_container: set[Target] = set()
    for engine in reachable:
        for container in engine.containers:
            placed = _place(engine, container, reviewed)
            if isinstance(placed, Finding):
                findings.append(placed)
            elif placed is not None:
                with_container.add(placed.service.target)
                differences, compared = compare_settings(placed)
                _annotate(results, placed, differences)
                findings.append(_finding(placed, differences, compared))
    if reachable:
        hosts = ", ".join(engine.host for engine in reachable)
        findings.extend(
            Finding(
                service.target,
                Status.UNKNOWN,
                f"no container of this service runs on the engines read ({hosts})",
                (service.evidence(),),
            )
            for r in reviewed
            for service in r.project.services
            # A service in profiles starts only when asked for: no container is normal.
            # TODO: profiles enabled on the server (COMPOSE_PROFILES) are not known.
            if not service.profiles and service.target not in with_container
        )
    findings.extend(
        Finding(engine.target, Status.UNKNOWN, f"engine not reachable: {engine.error}")
        for engine in facts.engines
        if not engine.reachable
    )
    return findings


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _listed(settings: list[str]) -> str:
    """Up to three settings, then how many more; the evidence shows every one."""
    if len(settings) <= _MAX_LISTED:
        return _and(settings)
    more = len(settings) - _MAX_LISTED
    return f"{', '.join(settings[:_MAX_LISTED])} and {more} more: see the evidence"


def _finding(join: Join, differences: list[Difference], compared: int) -> Finding:
    service = join.service
    where = f"compose service {service.name} ({service.path})"
    weaker = list(dict.fromkeys(d.setting for d in differences if d.weakens))
    harmless = list(dict.fromkeys(d.setting for d in differences if not d.weakens))
    ordered = [d for d in differences if d.weakens] + [d for d in differences if not d.weakens]
    evidence = tuple(
        dict.fromkeys(
            [_labels_evidence(join.container), service.evidence()]
            + [entry for d in ordered for entry in d.evidence]
        )
    )
    if weaker:
        count = len(weaker)
        reason = (
            f"differs from {where} on {count} setting{'s' if count > 1 else ''}: {_listed(weaker)}"
        )
        extra = f"; also, without weakening it, on {_listed(harmless)}" if harmless else ""
        if len(reason + extra) <= MAX_SNIPPET:
            reason += extra
        return Finding(join.container.target, Status.FAIL, reason, evidence)
    if harmless:
        return Finding(
            join.container.target,
            Status.PASS,
            f"differs from {where} only without weakening it, on {_listed(harmless)}",
            evidence,
        )
    return Finding(
        join.container.target,
        Status.PASS,
        f"runs as {where} declares, on all {compared} settings compared",
        evidence,
    )


def _annotate(
    results: dict[str, list[Finding]], join: Join, differences: list[Difference]
) -> None:
    """Note on the container's findings of each item a difference touches what the
    service declares."""
    notes: dict[str, list[str]] = {}
    for difference in differences:
        for item_id in difference.items:
            notes.setdefault(item_id, []).append(difference.declared)
    target = join.container.target
    for item_id, declared in notes.items():
        findings = results.get(item_id, [])
        note = f" (compose service {join.service.name} declares {'; '.join(declared)})"
        for index, finding in enumerate(findings):
            if finding.target != target:
                continue
            reason = finding.reason
            # The note goes last and must survive the cut a long reason gets.
            room = MAX_SNIPPET - len(note)
            if len(reason) > room > 1:
                reason = reason[: room - 1] + "…"
            findings[index] = Finding(target, finding.status, reason + note, finding.evidence)


DERIVED: dict[str, DerivedDetector] = {"compose_drift": compose_drift}
"""Detectors that need the other items' findings, run after all of them."""
