"""One compose file judged as the scan judges it, from its text alone.

A compose fix is offered only when, on the changed text, its item passes for its target
and no item of any service of the file gets worse. The file is read with the parts of the
project's compose reader (its YAML loader, interpolation, with no variable set, the same
normalisation of services, and ``extends`` within the file) and judged by the compose
detectors themselves. Includes, override files and ``extends`` of other files are not
followed: a fixer refuses when the evidence of its finding lives in another file.

After a change to one service, :func:`service_verdicts` judges again only what that
change can move: the service itself, with the file's resources and no other service,
and the detectors that look across services (:data:`PROJECT_WIDE`) when the change
touched a key they read of it, which they are watched reading.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
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
from reviewtui.project.compose_yaml import EntryMeta, Location, TooBig, Walker, YamlList, YamlMap
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


def file_project(text: str, rel: str, doc: ComposeText | None = None) -> ComposeProject | None:
    """The services and resources of the compose file ``rel`` holding ``text`` (``doc``
    when it was parsed already), read on their own; None when it is no compose file."""
    try:
        parsed = (ComposeText.parse(text) if doc is None else doc).loaded
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
    return _answers(project, SERVICE_DETECTORS)


PROJECT_WIDE = frozenset({"network_segmentation", "shared_volumes"})
"""Detectors whose answer for a service depends on the file's other services (how many
there are, what they mount). Every other one answers for a service from the service
and the file's networks, volumes, secrets and configs alone; :func:`judged_alone`
checks that for each file before a change is judged on one service."""

ON_ITS_OWN = {name: d for name, d in SERVICE_DETECTORS.items() if name not in PROJECT_WIDE}
"""Every detector but the :data:`PROJECT_WIDE` ones."""
_ACROSS = {name: d for name, d in SERVICE_DETECTORS.items() if name in PROJECT_WIDE}

EVERY_KEY = "\0every key"
"""Noted for a detector that went through all of a service's keys."""

_EVERYTHING = frozenset({EVERY_KEY})

Reads = dict[str, dict[str, frozenset[Any]]]
"""For each :data:`PROJECT_WIDE` detector, the keys it read of each service, by name."""


def across_services(
    project: ComposeProject, names: frozenset[str] = PROJECT_WIDE
) -> tuple[Verdicts, Reads]:
    """What the :data:`PROJECT_WIDE` detectors ``names`` answer for every service, and
    which keys of each service each of them read to answer."""
    found: Verdicts = {}
    reads: Reads = {}
    for name in sorted(names):
        noted: dict[str, set[Any]] = {service.name: set() for service in project.services}
        watched = replace(
            project,
            services=[
                replace(service, data=_Noted(service.data, noted[service.name]))
                for service in project.services
            ],
        )
        found.update(_answers(watched, {name: _ACROSS[name]}))
        reads[name] = {service: frozenset(keys) for service, keys in noted.items()}
    return found, reads


@dataclass(frozen=True)
class Rejudged:
    """The answers a change to one service moved: every detector's for the service but
    the :data:`PROJECT_WIDE` ones, and of those the ones in ``again``, for every service
    (with what they read)."""

    found: Verdicts
    again: frozenset[str]
    reads: Reads


def service_verdicts(
    project: ComposeProject, name: str, before: ComposeService, reads: Reads
) -> Rejudged:
    """The answers a change to the service ``name`` alone (``before`` it, in ``project``
    after it) can move, and the keys the :data:`PROJECT_WIDE` detectors read after it.

    Every detector but those answers for the service judged with the file's resources
    and no other service. A :data:`PROJECT_WIDE` detector is run again over every
    service only when the change touched a key it read of this one: otherwise it reads
    what it read before, and answers what it answered.
    """
    service = project.service(name)
    if service is None:
        return Rejudged({}, frozenset(), reads)
    found = _answers(replace(project, services=[service]), ON_ITS_OWN)
    again = frozenset(
        detector
        for detector in PROJECT_WIDE
        if not _same_keys(before, service, reads.get(detector, {}).get(name, _EVERYTHING))
    )
    if not again:
        return Rejudged(found, again, reads)
    across, read_again = across_services(project, again)
    return Rejudged({**found, **across}, again, {**reads, **read_again})


def judged_alone(project: ComposeProject, found: Verdicts, name: str) -> bool:
    """True when the service ``name``, judged with no other service, gets from every
    detector but the :data:`PROJECT_WIDE` ones the answers ``found`` holds for it in the
    whole file: only then may a change to it be judged on its own."""
    service = project.service(name)
    if service is None:
        return False
    alone = _answers(replace(project, services=[service]), ON_ITS_OWN)
    return alone == {
        pair: status for pair, status in found.items() if pair[1] == name and pair[0] in ON_ITS_OWN
    }


class _NotedMeta(dict[Any, EntryMeta]):
    """A mapping's metas that note each key read (every key, gone through)."""

    def __init__(self, meta: dict[Any, EntryMeta], read: set[Any]) -> None:
        super().__init__(meta)
        self.read = read

    def _everything(self) -> None:
        self.read.add(EVERY_KEY)

    def __getitem__(self, key: Any) -> EntryMeta:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(key)
        return super().__contains__(key)


class _Noted(YamlMap):
    """A service's values that note each key a detector reads: :data:`EVERY_KEY` when it
    goes through them all (or changes them, which no detector should)."""

    __slots__ = ("read",)

    def __init__(self, data: YamlMap, read: set[Any]) -> None:
        super().__init__(data.location)
        dict.update(self, data)
        self.meta = _NotedMeta(data.meta, read)
        self.read = read

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(key)
        return dict.__contains__(self, key)

    def _everything(self) -> None:
        self.read.add(EVERY_KEY)


def _noting_every_key(name: str) -> Any:
    method = getattr(dict, name)

    def noting(self: _Noted | _NotedMeta, *args: Any, **kwargs: Any) -> Any:
        self._everything()
        return method(self, *args, **kwargs)

    noting.__name__ = name
    return noting


# Whatever goes through every key, or changes the mapping, reads it all.
for _method in (
    "keys", "values", "items", "__iter__", "__len__", "__eq__", "__ne__", "__reversed__",
    "__or__", "__ror__", "__ior__", "copy", "__setitem__", "__delitem__", "pop", "popitem",
    "setdefault", "update", "clear",
):  # fmt: skip
    setattr(_Noted, _method, _noting_every_key(_method))
    setattr(_NotedMeta, _method, _noting_every_key(_method))


def _same_keys(before: ComposeService, after: ComposeService, keys: frozenset[Any]) -> bool:
    """True when the two services hold the same values (and tags and substitutions) at
    ``keys`` (at every key when it holds :data:`EVERY_KEY`); where they are written may
    differ."""
    old, new = before.data, after.data
    if EVERY_KEY in keys:
        return _same(old, new)
    return all(
        (key in old) == (key in new)
        and _same_meta(old.meta.get(key), new.meta.get(key))
        and _same(old.get(key), new.get(key))
        for key in keys
    )


def _same(old: Any, new: Any) -> bool:
    """True when two read values are the same, with the same tags and substitutions."""
    if isinstance(old, YamlMap) or isinstance(new, YamlMap):
        return (
            isinstance(old, YamlMap)
            and isinstance(new, YamlMap)
            and list(dict.keys(old)) == list(dict.keys(new))
            and all(
                _same_meta(old.meta.get(key), new.meta.get(key))
                and _same(dict.__getitem__(old, key), dict.__getitem__(new, key))
                for key in dict.keys(old)
            )
        )
    if isinstance(old, YamlList) or isinstance(new, YamlList):
        return (
            isinstance(old, YamlList)
            and isinstance(new, YamlList)
            and len(old) == len(new)
            and all(_same_meta(a, b) for a, b in zip(old.meta, new.meta, strict=False))
            and all(_same(a, b) for a, b in zip(old, new, strict=True))
        )
    return type(old) is type(new) and bool(old == new)


def _same_meta(old: EntryMeta | None, new: EntryMeta | None) -> bool:
    if old is None or new is None:
        return old is new
    return (old.tag, old.substitution) == (new.tag, new.substitution)


def _answers(project: ComposeProject, detectors: dict[str, Detector]) -> Verdicts:
    facts = ProjectFacts(root=Path("."), compose_projects=[project])
    names: dict[Target, str] = {service.target: service.name for service in project.services}
    result: Verdicts = {}
    for detector_name, detector in detectors.items():
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
