"""Volumes and host folders that several services of a project write to."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from reviewtui.detect.compose_checks.findings import finding, names, services
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import Mount
from reviewtui.project.compose_yaml import YamlList
from reviewtui.project.facts import ProjectFacts

# Sockets are judged by the Docker socket item, not as shared storage.
_SOCKET_SUFFIX = ".sock"


@dataclass(frozen=True)
class _Use:
    """One service's use of a named volume or host path."""

    service: str
    storage: str
    writable: bool
    evidence: Evidence


def _storage(mount: Mount) -> str | None:
    """What a mount brings in, named so that two services' mounts of it compare equal."""
    if mount.kind == "volume" and mount.source:
        return f"volume {mount.source}"
    if mount.kind != "bind" or not mount.source or mount.source.endswith(_SOCKET_SUFFIX):
        return None
    source = mount.source
    if not source.startswith(("/", "~", "\\")):
        source = posixpath.join(posixpath.dirname(mount.location.path), source)
    return posixpath.normpath(source)


def _own_uses(service: ComposeService) -> list[_Use]:
    uses = []
    for mount in service.volumes():
        storage = _storage(mount)
        if storage is not None:
            evidence = service.evidence_at(mount.location)
            uses.append(_Use(service.name, storage, not mount.read_only, evidence))
    return uses


def _borrowed_uses(service: ComposeService, own: dict[str, list[_Use]]) -> list[_Use]:
    """The mounts ``volumes_from`` takes over from other services of the project."""
    value = service.get("volumes_from")
    if not isinstance(value, YamlList):
        return []
    uses = []
    for item, meta in value.entries():
        source, _, mode = str(item).strip().partition(":")
        if source == "container":
            continue  # a container outside the project
        evidence = service.evidence_at(meta.location)
        for use in own.get(source, []):
            writable = use.writable and mode != "ro"
            uses.append(_Use(service.name, use.storage, writable, evidence))
    return uses


def _project_uses(project: ComposeProject) -> dict[str, list[_Use]]:
    own = {service.name: _own_uses(service) for service in project.services}
    return {
        service.name: own[service.name] + _borrowed_uses(service, own)
        for service in project.services
    }


def _judge(service: ComposeService, uses: dict[str, list[_Use]]) -> Finding:
    mine = uses.get(service.name, [])
    writers: dict[str, set[str]] = {}
    for name, service_uses in uses.items():
        for use in service_uses:
            if use.writable:
                writers.setdefault(use.storage, set()).add(name)
    shared = [use for use in mine if use.writable and len(writers[use.storage]) > 1]
    if shared:
        described = [
            f"{use.storage} with {', '.join(sorted(writers[use.storage] - {service.name}))}"
            for use in shared
        ]
        return finding(
            service,
            Status.FAIL,
            f"writes to storage other services also write to: {names(described, '; ')}",
            *(use.evidence for use in shared),
        )
    others = {use.storage for name, used in uses.items() if name != service.name for use in used}
    common = sorted({use.storage for use in mine} & others)
    if common:
        return finding(
            service,
            Status.PASS,
            f"shares {names(common)} with other services, at most one of them writing",
            service.evidence("volumes"),
        )
    return finding(
        service, Status.PASS, "shares no volume with another service", service.evidence("volumes")
    )


def shared_volumes(facts: ProjectFacts) -> list[Finding]:
    """FAIL for a named volume or host path that this service and another service of the
    project both mount writable (directly or through ``volumes_from``): a compromise of
    either can change what the other reads or runs. Shared read-only by all but one
    writer passes."""
    by_project = {id(project): _project_uses(project) for project in facts.compose_projects}
    return [_judge(service, by_project[id(project)]) for project, service in services(facts)]


DETECTORS = {"shared_volumes": shared_volumes}
"""The detectors of this module, by the names the checklists use."""
