"""The compose model detectors read: projects, services, and where each service builds from.

Values are the located dicts and lists of :mod:`reviewtui.project.compose_yaml`, so every
answer can cite the file and line that proves it; the views of
:mod:`reviewtui.project.compose_views` give the keys that come in several syntaxes one shape.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from reviewtui.masking import escape_controls
from reviewtui.model import Evidence, Target, TargetKind
from reviewtui.project.compose_env import EnvFile
from reviewtui.project.compose_views import (
    EnvVariable,
    Limit,
    Mount,
    PortBinding,
    SecurityOption,
    find_limit,
    parse_environment,
    parse_ports,
    parse_security_options,
    parse_volumes,
)
from reviewtui.project.compose_yaml import Location, YamlList, YamlMap

_REMOTE_CONTEXT = re.compile(r"^([a-z][a-z0-9+.\-]*://|git@|github\.com/)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class BuildSpec:
    """Where a service's image is built from: folder and Dockerfile relative to the root.

    ``dockerfile`` is None for a remote context (a git URL) or an inline Dockerfile.
    """

    context: str | None
    dockerfile: str | None
    target: str | None
    location: Location
    inline: bool = False


@dataclass(frozen=True)
class ServiceEnvFile:
    """One ``env_file`` entry of a service: the file as resolved and, when it is in the
    project, its variables (None when it is missing or outside the project)."""

    path: str | None
    written: str
    location: Location
    variables: EnvFile | None


@dataclass
class ComposeService:
    """One service of a compose project after merging, interpolation and ``extends``.

    ``data`` is the service's mapping (a ``dict``); ``environment``, ``labels``,
    ``sysctls`` and ``build.args`` are always mappings there, ``networks`` a mapping of
    names, ``build`` a mapping with ``context``. ``path`` and ``line`` are where the
    service's name was first written.
    """

    name: str
    data: YamlMap
    path: str
    line: int
    sources: dict[str, list[str]] = field(repr=False, default_factory=dict)
    env_files: list[ServiceEnvFile] = field(default_factory=list)
    # Made once and shared by every finding about the service: a big tree has hundreds
    # of thousands of them. The target is kept with what it was made from.
    _target: tuple[tuple[str, str, tuple[str, ...]], Target] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _evidence: dict[Location, Evidence] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _cited: dict[tuple[Evidence, ...], tuple[Evidence, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def location(self) -> Location:
        """Where the service's name was written."""
        return Location(self.path, self.line)

    @property
    def profiles(self) -> list[str]:
        """The ``profiles`` the service belongs to; empty when it always starts."""
        value = self.data.get("profiles")
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [str(item) for item in items if isinstance(item, str | int) and str(item)]

    @property
    def target(self) -> Target:
        """The service as a review target. A service in profiles starts only when one of
        them is enabled; it is still reviewed, and its name says so."""
        profiles = self.profiles
        key = (self.name, self.path, tuple(profiles))
        kept = self._target
        if kept is not None and kept[0] == key:
            return kept[1]
        if not profiles:
            target = Target(TargetKind.SERVICE, self.path, self.name)
        else:
            word = "profile" if len(profiles) == 1 else "profiles"
            listed = escape_controls(", ".join(profiles))
            target = Target(TargetKind.SERVICE, self.path, f"{self.name} [{word} {listed}]")
        self._target = (key, target)
        return target

    def get(self, *keys: Any, default: Any = None) -> Any:
        """The value at a key path such as ``get("deploy", "resources")``, or ``default``."""
        value: Any = self.data
        for key in keys:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif (
                isinstance(value, list)
                and isinstance(key, int)
                and -len(value) <= key < len(value)
            ):
                value = value[key]
            else:
                return default
        return value

    def location_of(self, *keys: Any) -> Location:
        """The line of the deepest key of the path that exists (the service's own line when
        none does)."""
        value: Any = self.data
        location = self.location
        for key in keys:
            if isinstance(value, YamlMap) and key in value:
                location = value.location_of(key)
                value = value[key]
            elif isinstance(value, YamlList) and isinstance(key, int) and 0 <= key < len(value):
                location = value.meta[key].location
                value = value[key]
            else:
                break
        return location

    def evidence(self, *keys: Any) -> Evidence:
        """Evidence for a key path: the deepest key that exists, else the service's line."""
        return self.evidence_at(self.location_of(*keys))

    def evidence_at(self, location: Location) -> Evidence:
        """Evidence for a line of one of the project's files, with that line as snippet."""
        found = self._evidence.get(location)
        if found is None:
            lines = self.sources.get(location.path, [])
            line = location.line
            snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            found = self._evidence[location] = Evidence(location.path, line, snippet)
        return found

    def cited(self, evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        """``evidence`` as the one tuple of it the service's findings share: most of them
        cite the same line, the service's name."""
        return self._cited.setdefault(evidence, evidence)

    def ports(self) -> list[PortBinding]:
        """The published ports, short and long syntax alike (``expose`` publishes nothing)."""
        return parse_ports(self.data.get("ports"))

    def volumes(self) -> list[Mount]:
        """The service's mounts: binds, named and anonymous volumes, tmpfs."""
        return parse_volumes(self.data.get("volumes"))

    def security_options(self) -> list[SecurityOption]:
        """The ``security_opt`` entries split into name and value."""
        return parse_security_options(self.data.get("security_opt"))

    def memory_limits(self) -> list[Limit]:
        """``mem_limit`` and ``deploy.resources.limits.memory``, where set."""
        return find_limit(self.data, ("mem_limit",), "memory")

    def cpu_limits(self) -> list[Limit]:
        """``cpus``, ``cpu_quota`` and ``deploy.resources.limits.cpus``, where set
        (``cpu_shares`` is a relative weight, not a limit)."""
        return find_limit(self.data, ("cpus", "cpu_quota"), "cpus")

    def pids_limits(self) -> list[Limit]:
        """``pids_limit`` and ``deploy.resources.limits.pids``, where set."""
        return find_limit(self.data, ("pids_limit",), "pids")

    def environment(self) -> list[EnvVariable]:
        """The ``environment`` entries with their lines and how each was interpolated."""
        return parse_environment(self.data.get("environment"))

    def build_args(self) -> list[EnvVariable]:
        """The ``build.args`` entries, like :meth:`environment`."""
        build = self.data.get("build")
        return parse_environment(build.get("args")) if isinstance(build, YamlMap) else []

    def build(self) -> BuildSpec | None:
        """Where the image is built from, resolved against the file that says so."""
        build = self.data.get("build")
        if not isinstance(build, YamlMap):
            return None
        location = self.data.location_of("build")
        target = None if build.get("target") is None else str(build["target"])
        if build.get("dockerfile_inline") is not None:
            return BuildSpec(None, None, target, location, inline=True)
        context = str(build.get("context") or ".")
        if _REMOTE_CONTEXT.match(context):
            return BuildSpec(None, None, target, location)
        # The context resolves against the file that wrote it, which an override or
        # ``extends`` may make another file than the one that started ``build``.
        context_rel = join_relative(build.location_of("context").path, context)
        if context_rel is None:
            return BuildSpec(None, None, target, location)
        dockerfile = str(build.get("dockerfile") or "Dockerfile")
        dockerfile_rel = (
            None
            if dockerfile.startswith("/")
            else _normalise(posixpath.join(context_rel, dockerfile))
        )
        return BuildSpec(context_rel, dockerfile_rel, target, location)


@dataclass
class ComposeProject:
    """A compose file merged with its override file, its includes and its extends.

    ``path`` is the main file; ``files`` every file that went into the merge. The
    top-level ``networks``, ``volumes``, ``secrets`` and ``configs`` are mappings by name.
    ``name`` is the top-level ``name:``, empty when the file sets none (compose then names
    the project after its folder).
    """

    path: str
    files: list[str] = field(default_factory=list)
    services: list[ComposeService] = field(default_factory=list)
    networks: dict[str, Any] = field(default_factory=dict)
    volumes: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    configs: dict[str, Any] = field(default_factory=dict)
    env_file: str | None = None
    name: str = ""

    def service(self, name: str) -> ComposeService | None:
        """The service of that name, if the project has one."""
        return next((service for service in self.services if service.name == name), None)


def is_remote(path: str) -> bool:
    """True for a URL or git address (``https://``, ``oci://``, ``git@``): compose fetches
    those, reviewtui never does."""
    return _REMOTE_CONTEXT.match(path) is not None


def join_relative(base_rel: str, path: str) -> str | None:
    """``path`` as written in the file ``base_rel``, relative to the project root; None
    when it is absolute or leaves the project."""
    if not path or path.startswith(("/", "~", "\\")) or _DRIVE.match(path):
        return None
    joined = _normalise(posixpath.join(posixpath.dirname(base_rel), path))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def _normalise(path: str) -> str:
    return posixpath.normpath(path)
