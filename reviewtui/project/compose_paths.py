"""Relative paths of included compose files, re-based onto the project directory.

Compose resolves the relative paths of an included file (``build`` contexts, ``env_file``
entries, bind-mount sources) against the include's ``project_directory``, which defaults
to the folder of the first included file. Everywhere else in the reader a relative path
resolves against the file that wrote it, so the paths of an included file whose folder is
not its project directory are rewritten here to mean, from that file, what compose reads.
Values are never changed in place: cached documents share them.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from reviewtui.project.compose_views import is_host_path, split_short_volume
from reviewtui.project.compose_yaml import EntryMeta, YamlList, YamlMap

_REMOTE = re.compile(r"^([a-z][a-z0-9+.\-]*://|git@|github\.com/)", re.IGNORECASE)


def rebase_services(services: YamlMap, files: set[str], working_dir: str) -> YamlMap:
    """``services`` with the relative paths written in ``files`` re-based onto
    ``working_dir`` (both relative to the project root); other values stay as they are."""
    if all(posixpath.dirname(rel) == working_dir for rel in files):
        return services
    result = YamlMap(services.location)
    for name, service in services.items():
        meta = services.meta[name]
        if isinstance(service, YamlMap):
            service = _rebase_service(service, files, working_dir)
        result.put(name, service, meta)
    return result


def _rebase_service(service: YamlMap, files: set[str], working_dir: str) -> YamlMap:
    result = _copy(service)
    build = service.get("build")
    if isinstance(build, YamlMap):
        result.put("build", _rebase_build(build, files, working_dir), service.meta["build"])
    env_file = service.get("env_file")
    if env_file is not None:
        meta = service.meta["env_file"]
        result.put("env_file", _rebase_env_files(env_file, meta, files, working_dir), meta)
    volumes = service.get("volumes")
    if isinstance(volumes, YamlList):
        result.put(
            "volumes", _rebase_volumes(volumes, files, working_dir), service.meta["volumes"]
        )
    return result


def _rebase_build(build: YamlMap, files: set[str], working_dir: str) -> YamlMap:
    context = build.get("context")
    meta = build.meta.get("context", build.location)
    if meta.location.path not in files:
        return build
    if context is None:
        # The default context is the project directory itself.
        context = "."
    if not isinstance(context, str) or _REMOTE.match(context):
        return build
    result = _copy(build)
    result.put("context", rebase_path(context, meta.location.path, working_dir), meta)
    return result


def _rebase_env_files(value: Any, meta: EntryMeta, files: set[str], working_dir: str) -> Any:
    if isinstance(value, str):
        if meta.location.path not in files:
            return value
        return rebase_path(value, meta.location.path, working_dir)
    if not isinstance(value, YamlList):
        return value
    result = YamlList(value.location)
    for item, item_meta in value.entries():
        if isinstance(item, YamlMap) and isinstance(item.get("path"), str):
            path_meta = item.meta["path"]
            if path_meta.location.path in files:
                copy = _copy(item)
                copy.put(
                    "path",
                    rebase_path(item["path"], path_meta.location.path, working_dir),
                    path_meta,
                )
                item = copy
        elif isinstance(item, str) and item_meta.location.path in files:
            item = rebase_path(item, item_meta.location.path, working_dir)
        result.add(item, item_meta)
    return result


def _rebase_volumes(volumes: YamlList, files: set[str], working_dir: str) -> YamlList:
    result = YamlList(volumes.location)
    for item, meta in volumes.entries():
        if isinstance(item, str) and meta.location.path in files:
            item = _rebase_short_volume(item, meta.location.path, working_dir)
        elif isinstance(item, YamlMap):
            item = _rebase_long_volume(item, files, working_dir)
        result.add(item, meta)
    return result


def _rebase_short_volume(text: str, file_rel: str, working_dir: str) -> str:
    source, target, mode = split_short_volume(text)
    if not source.startswith("."):
        return text
    rebased = rebase_path(source, file_rel, working_dir)
    return ":".join(part for part in (rebased, target, mode) if part)


def _rebase_long_volume(item: YamlMap, files: set[str], working_dir: str) -> YamlMap:
    source = item.get("source")
    meta = item.meta.get("source")
    if not isinstance(source, str) or meta is None or meta.location.path not in files:
        return item
    kind = str(item.get("type") or ("bind" if is_host_path(source) else "volume"))
    if kind != "bind" or not _relative(source):
        return item
    copy = _copy(item)
    copy.put("source", rebase_path(source, meta.location.path, working_dir), meta)
    return copy


def rebase_path(path: str, file_rel: str, working_dir: str) -> str:
    """``path``, meant relative to ``working_dir``, as ``file_rel`` would write it."""
    if not _relative(path):
        return path
    wanted = posixpath.normpath(posixpath.join(working_dir, path))
    return posixpath.relpath(wanted, posixpath.dirname(file_rel) or ".")


def _relative(path: str) -> bool:
    return bool(path) and not path.startswith(("/", "~", "\\", "$")) and ":" not in path[:2]


def _copy(source: YamlMap) -> YamlMap:
    copy = YamlMap(source.location)
    copy.update(source)
    copy.meta.update(source.meta)
    return copy
