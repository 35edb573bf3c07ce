"""What an engine answered: its daemon, containers, images, networks and swarm.

The inspect data is kept as the engine sent it, so a detector reads the very field CIS
names (``HostConfig.Privileged``) and its evidence cites that field with its value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reviewtui.live.hosts import Endpoint
from reviewtui.masking import mask_variable
from reviewtui.model import ENGINE_IMAGE_PREFIX, Evidence, Problem, Target, TargetKind
from reviewtui.project.daemon import DaemonConfig

COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_WORKING_DIR = "com.docker.compose.project.working_dir"


def lookup(data: Any, dotted: str, default: Any = None) -> Any:
    """The value at a dotted path (``HostConfig.CapAdd``) of inspect data, or ``default``."""
    current = data
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return default
        current = current[part]
    return current


def shown(value: Any) -> str:
    """An inspect value as a reviewer reads it: JSON, except that text stays bare (an
    empty text reads ``""``, so it is seen)."""
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, sort_keys=True, default=str)


def masked_environment(value: Any) -> Any:
    """An environment's entries (a list of ``NAME=value``, or one entry) with the value
    of each secret masked whole; anything else as it is."""
    if isinstance(value, str):
        return mask_variable(value)
    if isinstance(value, list):
        return [mask_variable(entry) if isinstance(entry, str) else entry for entry in value]
    return value


@dataclass
class _Inspected:
    """An object on an engine: the host's name and its inspect data."""

    host: str
    data: dict[str, Any]

    @property
    def title(self) -> str:
        """How evidence names the object on its host: ``container web-1``."""
        raise NotImplementedError

    def get(self, dotted: str, default: Any = None) -> Any:
        """The value of one inspect field."""
        return lookup(self.data, dotted, default)

    def evidence(self, dotted: str, value: Any = ...) -> Evidence:
        """Evidence citing ``dotted`` and its value (or the value given, for one entry of a
        list); a missing field reads ``null``, which is what the engine's JSON holds.

        The entries of an environment (``Config.Env``, ``ContainerSpec.Env``) are masked
        one by one as the ``NAME=value`` they are, since only here is it known where
        each value ends."""
        value = self.get(dotted) if value is ... else value
        if dotted.rpartition(".")[2] == "Env":
            value = masked_environment(value)
        return Evidence(f"{self.host}: {self.title}", None, shown(value), dotted)


@dataclass
class ImageFacts(_Inspected):
    """A local image: ``/images/{id}/json`` and its history, newest step first."""

    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.data.get("Id", ""))

    @property
    def reference(self) -> str:
        """Its first tag, else its short id: the name a reviewer recognises."""
        tags = [tag for tag in self.data.get("RepoTags") or [] if tag != "<none>:<none>"]
        if tags:
            return str(tags[0])
        return self.id.removeprefix("sha256:")[:12]

    @property
    def title(self) -> str:
        return f"image {self.reference}"

    @property
    def target(self) -> Target:
        return Target(TargetKind.IMAGE, ENGINE_IMAGE_PREFIX + self.host, self.reference)


@dataclass
class ContainerFacts(_Inspected):
    """One container: ``/containers/{id}/json`` and the image it was made from."""

    image: ImageFacts | None = None

    @property
    def name(self) -> str:
        return str(self.data.get("Name", "")).lstrip("/") or self.id[:12]

    @property
    def id(self) -> str:
        return str(self.data.get("Id", ""))

    @property
    def state(self) -> str:
        """running, exited, created, ..."""
        return str(self.get("State.Status", ""))

    @property
    def title(self) -> str:
        return f"container {self.name}"

    @property
    def target(self) -> Target:
        return Target(TargetKind.CONTAINER, self.host, self.name)

    def compose_label(self, key: str) -> str:
        labels = self.get("Config.Labels") or {}
        return str(labels.get(key, "")) if isinstance(labels, dict) else ""

    @property
    def compose_service(self) -> tuple[str, str, str] | None:
        """(project, service, working directory) when compose made this container."""
        project = self.compose_label(COMPOSE_PROJECT)
        service = self.compose_label(COMPOSE_SERVICE)
        if not (project and service):
            return None
        return project, service, self.compose_label(COMPOSE_WORKING_DIR)


@dataclass
class SwarmServiceFacts(_Inspected):
    """One swarm service: ``/services/{id}``; its settings live under ``Spec``."""

    @property
    def name(self) -> str:
        return str(self.get("Spec.Name", "")) or str(self.data.get("ID", ""))[:12]

    @property
    def title(self) -> str:
        return f"swarm service {self.name}"

    @property
    def target(self) -> Target:
        return Target(TargetKind.SWARM_SERVICE, self.host, self.name)


@dataclass
class NetworkFacts(_Inspected):
    """One network from ``/networks``."""

    @property
    def name(self) -> str:
        return str(self.data.get("Name", ""))

    @property
    def driver(self) -> str:
        return str(self.data.get("Driver", ""))

    @property
    def title(self) -> str:
        return f"network {self.name}"


@dataclass
class SwarmFacts(_Inspected):
    """The swarm this engine manages: ``/swarm``, its services, and its secret names."""

    services: list[SwarmServiceFacts] = field(default_factory=list)
    secret_names: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "swarm"

    @property
    def target(self) -> Target:
        return Target(TargetKind.SWARM, self.host, "swarm")


@dataclass
class EngineFacts:
    """Everything one engine answered, or why it could not be read.

    ``error`` is set when the engine could not be reached or stopped answering; what was
    read before that stays. ``daemon_config`` is the engine's own daemon.json when the
    engine runs on this machine and the file is readable.
    """

    endpoint: Endpoint
    inspected_at: str
    error: str | None = None
    version: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    containers: list[ContainerFacts] = field(default_factory=list)
    images: dict[str, ImageFacts] = field(default_factory=dict)
    networks: list[NetworkFacts] = field(default_factory=list)
    swarm: SwarmFacts | None = None
    daemon_config: DaemonConfig | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.endpoint.name

    @property
    def target(self) -> Target:
        return Target(TargetKind.ENGINE, self.host, self.host)

    @property
    def reachable(self) -> bool:
        """Whether the engine answered at all (its /info came back)."""
        return bool(self.info)

    def evidence(self, dotted: str, value: Any = ..., source: str = "info") -> Evidence:
        """Evidence from ``/info`` (or ``/version`` with ``source="version"``)."""
        data = self.version if source == "version" else self.info
        value = lookup(data, dotted) if value is ... else value
        return Evidence(f"{self.host}: engine /{source}", None, shown(value), dotted)
