"""One compose file judged as the scan judges it, from its text alone.

A compose fix is offered only when, on the changed text, its item passes for its target
and no item of any service of the file gets worse. The file is read with the parts of the
project's compose reader (its YAML loader, interpolation, with no variable set, the same
normalisation of services, and ``extends`` within the file) and judged by the compose
detectors themselves. Includes, override files and ``extends`` of other files are not
followed: a fixer refuses when the evidence of its finding lives in another file.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from reviewtui.detect.compose_checks import DETECTORS
from reviewtui.detect.compose_checks.findings import Detector
from reviewtui.detect.daemon_checks.log_rotation import logging_rotation
from reviewtui.fix.compose_edit import ComposeText, EditRefused
from reviewtui.model import Status, Target
from reviewtui.project.compose_env import EnvFile, Environment
from reviewtui.project.compose_merge import merge_services, normalise_service
from reviewtui.project.compose_model import ComposeProject, ComposeService
from reviewtui.project.compose_yaml import Location, TooBig, Walker, YamlList, YamlMap
from reviewtui.project.facts import ProjectFacts

SERVICE_DETECTORS: dict[str, Detector] = {**DETECTORS, "logging_rotation": logging_rotation}
"""Every detector that answers an item for compose services, by its checklist name."""

Verdicts = dict[tuple[str, str], Status]
"""The status of each (detector name, service name) pair of one file."""

_MAX_EXTENDS = 10
_RESOURCE_KEYS = ("networks", "volumes", "secrets", "configs")


@functools.lru_cache(maxsize=32)
def judged(text: str, rel: str) -> tuple[ComposeProject | None, Verdicts]:
    """The file read on its own (:func:`file_project`) and its :func:`verdicts`; the last
    few are kept, as a plan of fixes judges each text it passes through twice."""
    project = file_project(text, rel)
    return project, verdicts(project)


def file_project(text: str, rel: str) -> ComposeProject | None:
    """The services and resources of the compose file ``rel`` holding ``text``, read on
    their own; None when the text is not a compose file."""
    try:
        parsed = ComposeText.parse(text).loaded
    except EditRefused:
        return None
    walker = Walker(rel, Environment(EnvFile()).interpolate, [])
    try:
        document, _ = walker.value(parsed, Location(rel, 1))
    except (TooBig, RecursionError):
        return None
    if not isinstance(document, YamlMap):
        return None
    project = ComposeProject(rel, [rel])
    for key in _RESOURCE_KEYS:
        if isinstance(document.get(key), YamlMap):
            setattr(project, key, document[key])
    services = document.get("services")
    if not isinstance(services, YamlMap):
        return project
    normalised = YamlMap(services.location)
    for name, service in services.items():
        if isinstance(service, YamlMap):
            data = normalise_service(service)
            data.location = services.meta[name].location
            normalised.put(str(name), data, services.meta[name])
    sources = {rel: text.splitlines()}
    for name in normalised:
        data = _extended(name, normalised, ())
        line = normalised.meta[name].location.line
        project.services.append(ComposeService(name, data, rel, line, sources))
    return project


def verdicts(project: ComposeProject | None) -> Verdicts:
    """What every service detector answers for every service of ``project``."""
    if project is None:
        return {}
    facts = ProjectFacts(root=Path("."), compose_projects=[project])
    names: dict[Target, str] = {service.target: service.name for service in project.services}
    result: Verdicts = {}
    for detector_name, detector in SERVICE_DETECTORS.items():
        for found in detector(facts):
            service_name = names.get(found.target)
            if service_name is not None:
                result[(detector_name, service_name)] = found.status
    return result


# How good an answer is: a change to a lower rank is a change for the worse. A pass
# that no longer applies is as good as a pass.
_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.NOT_APPLICABLE: 2, Status.PASS: 2}


def worsened(before: Verdicts, after: Verdicts) -> list[str]:
    """The (detector, service) pairs whose answer got worse, or went away."""
    worse = []
    for (detector, service), status in sorted(before.items()):
        new = after.get((detector, service))
        if new is None or _RANK[new] < _RANK[status]:
            shown = new.value if new is not None else "none"
            worse.append(f"{detector} for {service}: {status.value} -> {shown}")
    return worse


def entry_fails(detector: str, service: ComposeService, key: str, index: int) -> bool:
    """True when ``detector`` fails a copy of ``service`` whose list ``key`` keeps only its
    entry ``index``: that entry is one the item objects to."""
    entries = service.data.get(key)
    if not isinstance(entries, YamlList) or not 0 <= index < len(entries):
        return False
    single = YamlList(entries.location)
    single.add(entries[index], entries.meta[index])
    data = YamlMap(service.data.location)
    data.update(service.data)
    data.meta.update(service.data.meta)
    data[key] = single
    probe = ComposeService(service.name, data, service.path, service.line, service.sources)
    project = ComposeProject(service.path, [service.path], [probe])
    facts = ProjectFacts(root=Path("."), compose_projects=[project])
    return any(found.status is Status.FAIL for found in SERVICE_DETECTORS[detector](facts))


def _extended(name: str, services: YamlMap, chain: tuple[str, ...]) -> YamlMap:
    """The service with ``extends`` of a service of the same file applied, as compose
    does; ``extends`` of another file is left out."""
    service = services[name]
    spec = service.get("extends")
    if spec is None:
        return service
    current = YamlMap(service.location)
    for key, value in service.items():
        if key != "extends":
            current.put(key, value, service.meta[key])
    base, other_file = _extends_target(spec)
    if (
        base is None
        or other_file is not None
        or base not in services
        or name in chain
        or len(chain) >= _MAX_EXTENDS
    ):
        return current
    merged = merge_services(_extended(base, services, chain + (name,)), current)
    merged.location = service.location
    return merged


def _extends_target(spec: Any) -> tuple[str | None, str | None]:
    if isinstance(spec, str):
        return spec, None
    if isinstance(spec, YamlMap) and spec.get("service") is not None:
        written = spec.get("file")
        return str(spec["service"]), None if written is None else str(written)
    return None, None
