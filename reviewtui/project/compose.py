"""Compose projects: each compose file merged with its override, includes and extends.

A compose file that is not an override is a project; ``X.override.yml`` beside ``X.yml``
(or any of compose's default override names beside a default compose file) is merged
into it. ``include:`` brings in the services of other files and ``extends:`` builds a
service on another one, within the project's folder only and with loops cut. Strings are
interpolated from the ``.env`` file beside the main file. Every value keeps the file and
line it was written on, so detectors can point at the line that proves an answer.
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui.masking import escape_controls, has_controls
from reviewtui.model import Problem
from reviewtui.project.compose_env import EnvFile, Environment, parse_env_text
from reviewtui.project.compose_merge import (
    drop_resets,
    merge_documents,
    merge_services,
    normalise_service,
)
from reviewtui.project.compose_model import (
    BuildSpec,
    ComposeProject,
    ComposeService,
    ServiceEnvFile,
    is_remote,
    join_relative,
)
from reviewtui.project.compose_paths import rebase_services
from reviewtui.project.compose_yaml import (
    MAX_NODES,
    Location,
    TooBig,
    Walker,
    YamlList,
    YamlMap,
    new_loader,
    parse_yaml,
)
from reviewtui.project.long_lived import SETTLE_EVERY, settle
from reviewtui.project.textfile import read_text

log = logging.getLogger(__name__)

MAX_CHAIN = 10
"""Longest chain of ``include:`` or ``extends:`` followed before giving up."""

_OVERRIDE_NAME = re.compile(r"^(?P<stem>.+)\.override\.ya?ml$", re.IGNORECASE)
_DEFAULT_MAINS = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_DEFAULT_STEMS = ("compose", "docker-compose")
_RESOURCE_KEYS = ("networks", "volumes", "secrets", "configs")


@dataclass
class _Loaded:
    """One file after its includes and extends: the document and every file read for it."""

    document: YamlMap
    files: list[str]


def read_compose_projects(
    root: Path, rels: list[str]
) -> tuple[list[ComposeProject], list[Problem]]:
    """The compose projects made of ``rels`` (paths relative to ``root``), and the problems.

    Never raises for bad content: invalid YAML, a file that is not a mapping, a Compose
    v1 file, a service that is not a mapping, a YAML alias bomb and deep nesting become
    problems with the file and line, and reading goes on.
    """
    reader = _Reader(root.resolve())
    projects = []
    for number, (main, overrides) in enumerate(group_compose_files(rels), start=1):
        project = reader.project(main, overrides)
        if project is not None:
            projects.append(project)
        if number % SETTLE_EVERY == 0:
            settle()
    # A file another one includes is part of that project, not a project of its own.
    return _without_included(projects, reader.includes), reader.problems


def _without_included(
    projects: list[ComposeProject], includes: dict[str, set[str]]
) -> list[ComposeProject]:
    """The projects no other project includes (files that include each other both stay)."""
    # Who includes each file, looked up once per project: not every project's includes
    # for every project, which grows with the square of a big tree's compose files.
    included_by: dict[str, list[str]] = {}
    for main, files in includes.items():
        for rel in files:
            included_by.setdefault(rel, []).append(main)
    kept = []
    for project in projects:
        includers = [main for main in included_by.get(project.path, []) if main != project.path]
        if all(main in includes.get(project.path, set()) for main in includers):
            kept.append(project)
    return kept


def group_compose_files(rels: list[str]) -> list[tuple[str, list[str]]]:
    """Each main compose file with the override files compose would merge into it.

    ``X.override.yml`` goes with ``X.yml`` (or ``X.yaml``) in the same folder; a default
    override name (``compose.override.yaml``, ``docker-compose.override.yml``) with no
    file of its own stem goes with the folder's default compose file. An override with
    no main file is read on its own.
    """
    folders: dict[str, list[str]] = {}
    for rel in sorted(set(rels)):
        folders.setdefault(posixpath.dirname(rel), []).append(rel)
    groups: list[tuple[str, list[str]]] = []
    for folder in sorted(folders):
        by_name = {posixpath.basename(rel): rel for rel in folders[folder]}
        mains = [name for name in by_name if not _OVERRIDE_NAME.match(name)]
        attached: dict[str, list[str]] = {name: [] for name in mains}
        for name in sorted(by_name):
            match = _OVERRIDE_NAME.match(name)
            if match is None:
                continue
            main = _main_for(match.group("stem"), mains)
            if main is None:
                attached[name] = []  # an override without its main file stands alone
            else:
                attached[main].append(by_name[name])
        # TODO: ``-f`` stacks such as ``-f compose.yml -f compose.prod.yml`` are unknown
        # here; ``compose.prod.yml`` is read as a project of its own.
        groups.extend((by_name[name], attached[name]) for name in sorted(attached))
    return groups


def _main_for(stem: str, mains: list[str]) -> str | None:
    for suffix in (".yaml", ".yml"):
        for name in mains:
            if name.lower() == (stem + suffix).lower():
                return name
    if stem.lower() in _DEFAULT_STEMS:
        for default in _DEFAULT_MAINS:
            for name in mains:
                if name.lower() == default:
                    return name
    return None


class _Reader:
    """Reads and caches files, .env files and services for one pass over a project tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loader = new_loader()
        self.problems: list[Problem] = []
        self.sources: dict[str, list[str]] = {}
        self.includes: dict[str, set[str]] = {}
        self._included: set[str] = set()
        self._documents: dict[tuple[str, str | None], YamlMap | None] = {}
        self._environments: dict[tuple[str, ...], Environment] = {}
        self._reported: set[tuple[str, str]] = set()
        self._with_reset: set[str] = set()
        self._env_files: dict[str, EnvFile] = {}
        # Environments are kept in _environments, so their ids stay theirs for the pass.
        self._loaded: dict[tuple[str, int], _Loaded | None] = {}

    def project(self, main: str, overrides: list[str]) -> ComposeProject | None:
        """The project of ``main`` and its overrides, or None when ``main`` is unreadable."""
        folder = posixpath.dirname(main)
        environment = self.environment((posixpath.join(folder, ".env") if folder else ".env",))
        self._included = set()
        self.includes[main] = self._included
        loaded = self.load_file(main, environment, ())
        if loaded is None:
            return None
        document, files = self._first(main, loaded.document), list(loaded.files)
        for override in overrides:
            extra = self.load_file(override, environment, ())
            if extra is not None:
                document = merge_documents(document, extra.document)
                files.extend(extra.files)
        return self._assemble(main, document, files, environment)

    def _first(self, rel: str, document: YamlMap) -> YamlMap:
        """A first file's document: ``!reset`` means nothing there, so its keys go."""
        return drop_resets(document) if rel in self._with_reset else document

    def _assemble(
        self, main: str, document: YamlMap, files: list[str], environment: Environment
    ) -> ComposeProject:
        project = ComposeProject(
            main, list(dict.fromkeys(files)), env_file=environment.env_file.path
        )
        services = document.get("services")
        if isinstance(services, YamlMap):
            for name, service in services.items():
                if isinstance(service, YamlMap):
                    location = service.location
                    project.services.append(
                        ComposeService(
                            self._service_name(str(name), location),
                            service,
                            location.path,
                            location.line,
                            self.sources,
                            self._service_env_files(service),
                        )
                    )
        for key in _RESOURCE_KEYS:
            value = document.get(key)
            if isinstance(value, YamlMap):
                setattr(project, key, value)
        name = document.get("name")
        if isinstance(name, str) and name.strip():
            project.name = name.strip()
        return project

    def _service_name(self, name: str, location: Location) -> str:
        """The name a service is reviewed under: as written, or with its control and bidi
        characters spelled out (compose refuses such a name; shown raw, it would act on
        the terminal or hide what it says)."""
        if not has_controls(name):
            return name
        shown = escape_controls(name)
        self._report(
            location.path,
            location.line,
            f"service name {shown} holds control or bidi characters; compose refuses it",
        )
        return shown

    def _service_env_files(self, service: YamlMap) -> list[ServiceEnvFile]:
        """The service's ``env_file`` entries, each read once per pass."""
        value = service.get("env_file")
        items = YamlList(service.location_of("env_file"))
        if isinstance(value, YamlList):
            items = value
        elif value is not None:
            items.add(value, service.meta["env_file"])
        found = []
        for item, meta in items.entries():
            written = item.get("path") if isinstance(item, YamlMap) else item
            if not isinstance(written, str):
                continue
            rel = join_relative(meta.location.path, written)
            variables = None
            if rel is not None and (self.root / rel).is_file():
                variables = self.environment((rel,)).env_file
            found.append(ServiceEnvFile(rel, written, meta.location, variables))
        return found

    def environment(self, env_rels: tuple[str, ...]) -> Environment:
        """The variables of these ``.env`` files (later files win), read once each."""
        cached = self._environments.get(env_rels)
        if cached is not None:
            return cached
        merged = EnvFile()
        for rel in env_rels:
            if not (self.root / rel).is_file():
                continue
            env_file = self._env_file(rel)
            merged.path = merged.path or rel
            merged.values.update(env_file.values)
            merged.lines.update(env_file.lines)
        environment = Environment(merged)
        self._environments[env_rels] = environment
        return environment

    def _env_file(self, rel: str) -> EnvFile:
        cached = self._env_files.get(rel)
        if cached is not None:
            return cached
        text, problem = read_text(self.root, rel)
        if problem is not None:
            self._report(problem.path, problem.line, problem.reason)
        problems: list[Problem] = []
        env_file = EnvFile(rel)
        if text is not None:
            # Kept so evidence can quote the line a variable is set on.
            self.sources[rel] = text.splitlines()
            env_file = parse_env_text(text, rel, problems)
        for found in problems:
            self._report(found.path, found.line, found.reason)
        self._env_files[rel] = env_file
        return env_file

    def load_file(
        self, rel: str, environment: Environment, chain: tuple[str, ...]
    ) -> _Loaded | None:
        """One compose file with its includes and extends applied, or None if unreadable.

        Each file is loaded once per environment: files that include the same files
        (each of five including the same five, ten levels deep) would otherwise load
        them once per path through the includes, millions of times.
        """
        key = (rel, id(environment))
        if key in self._loaded:
            loaded = self._loaded[key]
            if loaded is not None:
                self._included.update(loaded.files[1:])
            return loaded
        loaded = self._load_file(rel, environment, chain)
        self._loaded[key] = loaded
        return loaded

    def _load_file(
        self, rel: str, environment: Environment, chain: tuple[str, ...]
    ) -> _Loaded | None:
        document = self.document(rel, environment)
        if document is None:
            return None
        services = self._services(rel, document)
        if services is None:
            return None
        result = YamlMap(document.location)
        for key, value in document.items():
            if key not in ("services", "include"):
                result.put(key, value, document.meta[key])
        files = [rel]
        includes = document.get("include")
        if includes is not None:
            self._include(rel, includes, document, result, services, files, chain + (rel,))
        services = self._extend_all(rel, services, environment)
        result.put("services", services, document.meta.get("services", result.location))
        return _Loaded(result, files)

    def document(self, rel: str, environment: Environment) -> YamlMap | None:
        """The interpolated top-level mapping of ``rel``, or None (with a problem)."""
        key = (rel, environment.env_file.path)
        if key in self._documents:
            return self._documents[key]
        document = self._convert(rel, environment)
        self._documents[key] = document
        return document

    def _convert(self, rel: str, environment: Environment) -> YamlMap | None:
        parsed = self._parse(rel)
        if parsed is None:
            return None
        problems: list[Problem] = []
        walker = Walker(rel, environment.interpolate, problems)
        try:
            value, _ = walker.value(parsed, Location(rel, _first_line(parsed)))
        except TooBig:
            self._report(
                rel,
                None,
                f"expands to more than {MAX_NODES} values (nested YAML aliases?); not read",
            )
            return None
        except RecursionError:
            self._report(rel, None, "nested too deeply to read")
            return None
        for problem in problems:
            self._report(problem.path, problem.line, problem.reason)
        if not isinstance(value, YamlMap):
            self._report(rel, 1, "not a compose file: the top level is not a mapping")
            return None
        if walker.saw_reset:
            self._with_reset.add(rel)
        return value

    def _parse(self, rel: str) -> Any:
        """The loaded YAML of ``rel``, read again each time it is asked for.

        Not kept: the loaded tree is several times the size of the document made from
        it, and :meth:`document` keeps that. Only a file converted under a second
        ``.env`` is read twice; its problems are reported once (see :meth:`_report`).
        """
        text, problem = read_text(self.root, rel)
        if problem is not None:
            self._report(problem.path, problem.line, problem.reason)
        parsed = None
        if text is not None:
            if rel not in self.sources:
                # Interned: the compose files of a tree repeat many lines, and keep them.
                self.sources[rel] = [sys.intern(line) for line in text.splitlines()]
            parsed, problem = parse_yaml(self.loader, text, rel)
            if problem is not None:
                self._report(problem.path, problem.line, problem.reason)
            elif parsed is None:
                self._report(rel, None, "empty compose file")
        return parsed

    def _services(self, rel: str, document: YamlMap) -> YamlMap | None:
        """The file's services, each normalised; None for a file compose cannot run."""
        services = document.get("services")
        if "services" not in document:
            if _looks_like_v1(document):
                self._report(
                    rel,
                    1,
                    "Compose v1 file (services at the top level, no services: key); skipped",
                )
                return None
            return YamlMap(document.location)
        if services is None:
            return YamlMap(document.location_of("services"))
        if not isinstance(services, YamlMap):
            self._report(
                rel,
                document.location_of("services").line,
                "services is not a mapping; no service read",
            )
            return YamlMap(document.location_of("services"))
        result = YamlMap(services.location)
        for name, service in services.items():
            meta = services.meta[name]
            if isinstance(service, YamlMap):
                normalised = normalise_service(service)
                normalised.location = meta.location
                # Compose names are text: "0:" names service "0", which extends finds.
                result.put(str(name), normalised, meta)
            else:
                self._report(rel, meta.location.line, f"service {name} is not a mapping; skipped")
        return result

    def _include(
        self,
        rel: str,
        includes: Any,
        document: YamlMap,
        result: YamlMap,
        services: YamlMap,
        files: list[str],
        chain: tuple[str, ...],
    ) -> None:
        entries = includes if isinstance(includes, YamlList) else None
        if entries is None:
            self._report(
                rel, document.location_of("include").line, "include is not a list; ignored"
            )
            return
        for entry, meta in entries.entries():
            spec = _include_spec(entry)
            if not spec.paths:
                self._report(rel, meta.location.line, "include entry has no path; ignored")
                continue
            loaded = self._load_include(rel, spec, meta.location, chain)
            if loaded is None:
                continue
            files.extend(loaded.files)
            self._adopt(rel, loaded, result, services, meta.location)

    def _load_include(
        self, rel: str, spec: _IncludeSpec, location: Location, chain: tuple[str, ...]
    ) -> _Loaded | None:
        remote = [path for path in spec.paths if is_remote(path)]
        if remote:
            self._report(
                rel, location.line, f"include of {remote[0]} is remote; not fetched, not read"
            )
            return None
        resolved = [join_relative(rel, path) for path in spec.paths]
        if any(path is None for path in resolved):
            self._report(rel, location.line, "include points outside the project; not read")
            return None
        targets = [path for path in resolved if path is not None]
        if any(target in chain for target in targets) or len(chain) >= MAX_CHAIN:
            self._report(rel, location.line, "include loop or chain too long; not followed")
            return None
        if not (self.root / targets[0]).is_file():
            self._report(rel, location.line, f"included file {targets[0]} not found")
            return None
        working_dir = self._working_dir(rel, spec, targets[0], location)
        env_rels = tuple(
            path
            for path in (join_relative(rel, env) for env in spec.env_files)
            if path is not None
        )
        if not env_rels:
            env_rels = (posixpath.join(working_dir, ".env") if working_dir else ".env",)
        environment = self.environment(env_rels)
        loaded = self.load_file(targets[0], environment, chain)
        if loaded is None:
            return None
        self._included.update(targets)
        document, files = self._first(targets[0], loaded.document), list(loaded.files)
        for extra in targets[1:]:
            more = (
                self.load_file(extra, environment, chain)
                if (self.root / extra).is_file()
                else None
            )
            if more is not None:
                document = merge_documents(document, more.document)
                files.extend(more.files)
        return _Loaded(_rebased(document, set(targets), working_dir), files)

    def _working_dir(self, rel: str, spec: _IncludeSpec, first: str, location: Location) -> str:
        """The include's project directory: ``project_directory`` when it stays inside
        the project, else the folder of the first included file."""
        if spec.project_directory is not None:
            written = spec.project_directory.rstrip("/") or "."
            folder = join_relative(rel, written) if written != "." else posixpath.dirname(rel)
            if folder is not None:
                return "" if folder == "." else folder
            self._report(
                rel,
                location.line,
                "include project_directory is outside the project; "
                "the included file's folder is used",
            )
        return posixpath.dirname(first)

    def _adopt(
        self, rel: str, loaded: _Loaded, result: YamlMap, services: YamlMap, location: Location
    ) -> None:
        """Adds an included project's services and resources to the including file."""
        included_services = loaded.document.get("services")
        if isinstance(included_services, YamlMap):
            for name, service in included_services.items():
                if name in services:
                    self._report(
                        rel,
                        services.location_of(name).line,
                        f"service {name} is defined here and in an included "
                        "file; the included one is ignored",
                    )
                    continue
                services.put(name, service, included_services.meta[name])
        for key in _RESOURCE_KEYS:
            value = loaded.document.get(key)
            if not isinstance(value, YamlMap):
                continue
            mine = result.get(key)
            if not isinstance(mine, YamlMap):
                mine = YamlMap(location)
                result.put(key, mine, location)
            for name, resource in value.items():
                if name not in mine:
                    mine.put(name, resource, value.meta[name])

    def _extend_all(self, rel: str, services: YamlMap, environment: Environment) -> YamlMap:
        if not any(isinstance(s, YamlMap) and "extends" in s for s in services.values()):
            return services
        result = YamlMap(services.location)
        for name in services:
            result.put(
                name,
                self._extended(rel, str(name), services, environment, ()),
                services.meta[name],
            )
        return result

    def _extended(
        self,
        rel: str,
        name: str,
        services: YamlMap,
        environment: Environment,
        chain: tuple[tuple[str, str], ...],
    ) -> YamlMap:
        service = services[name]
        spec = service.get("extends")
        if spec is None:
            return service
        current = YamlMap(service.location)
        for key, value in service.items():
            if key != "extends":
                current.put(key, value, service.meta[key])
        line = service.location_of("extends").line
        base_name, base_file = _extends_target(spec)
        if base_name is None:
            self._report(rel, line, f"service {name}: extends names no service; ignored")
            return current
        if (rel, name) in chain or len(chain) >= MAX_CHAIN:
            self._report(
                rel, line, f"service {name}: extends loop or chain too long; not followed"
            )
            return current
        base_rel, base_services = rel, services
        if base_file is not None:
            found = self._extends_file(rel, base_file, line, environment)
            if found is None:
                return current
            base_rel, base_services = found
        if base_name not in base_services:
            self._report(rel, line, f"service {name}: extends unknown service {base_name}")
            return current
        base = self._extended(
            base_rel, base_name, base_services, environment, chain + ((rel, name),)
        )
        merged = merge_services(base, current)
        merged.location = service.location
        return merged

    def _extends_file(
        self, rel: str, base_file: str, line: int, environment: Environment
    ) -> tuple[str, YamlMap] | None:
        if is_remote(base_file):
            self._report(rel, line, f"extends file {base_file} is remote; not fetched, not read")
            return None
        base_rel = join_relative(rel, base_file)
        if base_rel is None:
            self._report(rel, line, "extends file is outside the project; not read")
            return None
        if not (self.root / base_rel).is_file():
            self._report(rel, line, f"extends file {base_rel} not found")
            return None
        document = self.document(base_rel, environment)
        services = None if document is None else self._services(base_rel, document)
        if services is None:
            return None
        return base_rel, services

    def _report(self, path: str, line: int | None, reason: str) -> None:
        key = (path, f"{line}:{reason}")
        if key in self._reported:
            return
        self._reported.add(key)
        self.problems.append(Problem(path, line, reason))
        log.debug("%s:%s: %s", path, line, reason)


@dataclass(frozen=True)
class _IncludeSpec:
    """One ``include`` entry: the files, their ``.env`` files and project directory."""

    paths: list[str]
    env_files: list[str]
    project_directory: str | None = None


def _include_spec(entry: Any) -> _IncludeSpec:
    """An ``include`` entry in its short (a path) or long (a mapping) syntax."""
    if isinstance(entry, str):
        return _IncludeSpec([entry], [])
    if not isinstance(entry, YamlMap):
        return _IncludeSpec([], [])
    directory = entry.get("project_directory")
    return _IncludeSpec(
        _strings(entry.get("path")),
        _strings(entry.get("env_file")),
        directory if isinstance(directory, str) and directory else None,
    )


def _rebased(document: YamlMap, files: set[str], working_dir: str) -> YamlMap:
    """The included document with its files' relative paths re-based onto the project
    directory, as compose resolves them."""
    services = document.get("services")
    if not isinstance(services, YamlMap):
        return document
    rebased = rebase_services(services, files, working_dir)
    if rebased is services:
        return document
    result = YamlMap(document.location)
    for key, value in document.items():
        result.put(key, rebased if key == "services" else value, document.meta[key])
    return result


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def _extends_target(spec: Any) -> tuple[str | None, str | None]:
    if isinstance(spec, str):
        return spec, None
    if isinstance(spec, YamlMap):
        service = spec.get("service")
        file = spec.get("file")
        return (None if service is None else str(service), None if file is None else str(file))
    return None, None


def _looks_like_v1(document: YamlMap) -> bool:
    """True for the old format: services as top-level keys, each with image or build."""
    if "version" in document or "include" in document:
        return False
    return any(
        isinstance(value, YamlMap) and ("image" in value or "build" in value)
        for value in document.values()
    )


def _first_line(parsed: Any) -> int:
    lc = getattr(parsed, "lc", None)
    line = getattr(lc, "line", None)
    return line + 1 if isinstance(line, int) else 1


__all__ = [
    "BuildSpec",
    "ComposeProject",
    "ComposeService",
    "ServiceEnvFile",
    "group_compose_files",
    "join_relative",
    "read_compose_projects",
]
