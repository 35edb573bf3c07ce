"""Merging compose files and services the way ``docker compose`` merges override files.

Mappings merge key by key; sequences are appended, where entries with the same identity
(a port, a volume's target, a secret's name, a capability) replace the earlier one;
``command``, ``entrypoint`` and ``healthcheck.test`` are replaced whole; a logging block
with another driver replaces the old one. ``!reset`` removes a key, ``!override``
replaces it without merging. The inputs are never changed: merges build new values.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from reviewtui.project.compose_yaml import (
    OVERRIDE,
    RESET,
    EntryMeta,
    YamlList,
    YamlMap,
    entry_meta,
)

_REPLACED = frozenset({"command", "entrypoint", "healthcheck.test"})
# Keys whose list form ``KEY=VALUE`` is turned into a mapping when a service is read,
# so that both forms merge alike and detectors see one shape.
_KEY_VALUE_KEYS = ("environment", "labels", "annotations", "sysctls")
_BUILD_KEY_VALUE_KEYS = ("args", "labels")


def _port_identity(value: Any) -> Hashable | None:
    if isinstance(value, YamlMap):
        return (
            "port",
            str(value.get("host_ip", "")),
            str(value.get("published", "")),
            str(value.get("target", "")),
            str(value.get("protocol", "tcp")),
        )
    return _scalar_identity(value)


def _volume_identity(value: Any) -> Hashable | None:
    if isinstance(value, YamlMap):
        target = value.get("target")
        return ("target", str(target)) if target else None
    if isinstance(value, str):
        parts = value.rsplit(":", 2)
        # ``src:dst:mode`` or ``src:dst`` or ``dst``: the target is the last part that
        # starts with a slash (a Windows source such as ``C:\data`` holds a colon).
        for part in reversed(parts):
            if part.startswith("/"):
                return ("target", part)
        return ("target", value)
    return None


def _named_identity(value: Any) -> Hashable | None:
    if isinstance(value, YamlMap):
        name = value.get("target") or value.get("source") or value.get("path")
        return ("name", str(name)) if name else None
    return _scalar_identity(value)


def _capability_identity(value: Any) -> Hashable | None:
    if isinstance(value, str):
        return value.strip().upper().removeprefix("CAP_")
    return _scalar_identity(value)


def _scalar_identity(value: Any) -> Hashable | None:
    if isinstance(value, str | int | float | bool):
        return value
    return None


_IDENTITIES: dict[str, Callable[[Any], Hashable | None]] = {
    "ports": _port_identity,
    "volumes": _volume_identity,
    "secrets": _named_identity,
    "configs": _named_identity,
    "env_file": _named_identity,
    "cap_add": _capability_identity,
    "cap_drop": _capability_identity,
}


def merge_documents(base: YamlMap, override: YamlMap) -> YamlMap:
    """Top-level merge of two whole compose files; services merge with :func:`merge_services`."""
    result = _copy_map(base)
    for key, value in override.items():
        meta = override.meta[key]
        if meta.tag == RESET:
            result.drop(key)
        elif key == "services" and isinstance(value, YamlMap) and meta.tag != OVERRIDE:
            result.put(key, _merge_service_maps(result.get(key), value), _keep(result, key, meta))
        elif key in result and meta.tag != OVERRIDE:
            merged = _merge_value(None, result[key], value)
            result.put(key, merged, _meta_for(result, key, meta, merged))
        else:
            result.put(key, value, meta)
    return result


def merge_services(base: YamlMap, override: YamlMap) -> YamlMap:
    """The service ``override`` laid over ``base`` (an override file, or ``extends``)."""
    return _merge_maps("", base, override)


def _merge_service_maps(base: Any, override: YamlMap) -> YamlMap:
    if not isinstance(base, YamlMap):
        return override
    result = _copy_map(base)
    for name, service in override.items():
        meta = override.meta[name]
        if meta.tag == RESET:
            result.drop(name)
        elif (
            isinstance(service, YamlMap)
            and isinstance(result.get(name), YamlMap)
            and meta.tag != OVERRIDE
        ):
            result.put(name, merge_services(result[name], service), result.meta[name])
        else:
            result.put(name, service, meta)
    return result


def _merge_value(path: str | None, base: Any, override: Any) -> Any:
    if isinstance(base, YamlMap) and isinstance(override, YamlMap):
        if path == "logging" and _other_driver(base, override):
            return override
        return _merge_maps(path, base, override)
    if isinstance(base, YamlList) and isinstance(override, YamlList):
        return _merge_lists(path, base, override)
    return override


def _merge_maps(path: str | None, base: YamlMap, override: YamlMap) -> YamlMap:
    result = _copy_map(base)
    for key, value in override.items():
        meta = override.meta[key]
        child = None if path is None else (f"{path}.{key}" if path else str(key))
        if meta.tag == RESET:
            result.drop(key)
        elif meta.tag == OVERRIDE or key not in result or child in _REPLACED:
            result.put(key, value, meta)
        else:
            merged = _merge_value(child, result[key], value)
            result.put(key, merged, _meta_for(result, key, meta, merged))
    return result


def _merge_lists(path: str | None, base: YamlList, override: YamlList) -> YamlList:
    identity = _IDENTITIES.get(path or "", _scalar_identity)
    result = YamlList(base.location)
    positions: dict[Hashable, int] = {}
    for source in (base, override):
        for value, meta in source.entries():
            key = identity(value)
            if key is not None and key in positions:
                result[positions[key]] = value
                result.meta[positions[key]] = meta
                continue
            if key is not None:
                positions[key] = len(result)
            result.add(value, meta)
    return result


def _other_driver(base: YamlMap, override: YamlMap) -> bool:
    old, new = base.get("driver"), override.get("driver")
    return old is not None and new is not None and old != new


def _meta_for(result: YamlMap, key: Any, meta: EntryMeta, merged: Any) -> EntryMeta:
    """A merged mapping or list keeps the line of its first definition; a replaced value
    takes the line that set it last."""
    if isinstance(merged, YamlMap | YamlList):
        return _keep(result, key, meta)
    return meta


def _keep(result: YamlMap, key: Any, meta: EntryMeta) -> EntryMeta:
    old = result.meta.get(key)
    return old.location if old is not None else meta.location


def _copy_map(source: YamlMap) -> YamlMap:
    copy = YamlMap(source.location)
    copy.update(source)
    copy.meta.update(source.meta)
    return copy


def drop_resets(value: Any) -> Any:
    """``value`` without the entries tagged ``!reset`` (they mean nothing in a first file)."""
    if isinstance(value, YamlMap):
        result = YamlMap(value.location)
        for key, child in value.items():
            meta = value.meta[key]
            if meta.tag != RESET:
                result.put(key, drop_resets(child), meta)
        return result
    if isinstance(value, YamlList):
        items = YamlList(value.location)
        for child, meta in value.entries():
            items.add(drop_resets(child), meta)
        return items
    return value


def normalise_service(service: YamlMap) -> YamlMap:
    """The service with list forms turned into mappings, so both forms read and merge alike.

    ``environment``, ``labels``, ``annotations``, ``sysctls`` and ``build.args`` given as
    ``KEY=VALUE`` lists become mappings (a bare ``KEY`` maps to None: its value comes
    from the shell); a ``networks`` list becomes a mapping of names to None; a ``build``
    string becomes ``{context: ...}``.
    """
    result = _copy_map(service)
    for key in _KEY_VALUE_KEYS:
        value = result.get(key)
        if isinstance(value, YamlList):
            result.put(key, key_value_mapping(value), result.meta[key])
    networks = result.get("networks")
    if isinstance(networks, YamlList):
        mapping = YamlMap(networks.location)
        for name, meta in networks.entries():
            mapping.put(str(name), None, meta)
        result.put("networks", mapping, result.meta["networks"])
    build = result.get("build")
    if isinstance(build, str):
        meta = result.meta["build"]
        mapping = YamlMap(meta.location)
        mapping.put("context", build, meta)
        result.put("build", mapping, entry_meta(meta.location, meta.tag))
        build = mapping
    if isinstance(build, YamlMap):
        result.put("build", _normalise_build(build), result.meta["build"])
    return result


def _normalise_build(build: YamlMap) -> YamlMap:
    result = _copy_map(build)
    for key in _BUILD_KEY_VALUE_KEYS:
        value = result.get(key)
        if isinstance(value, YamlList):
            result.put(key, key_value_mapping(value), result.meta[key])
    return result


def key_value_mapping(items: YamlList) -> YamlMap:
    """A ``KEY=VALUE`` list as a mapping; each entry keeps its line and raw text."""
    mapping = YamlMap(items.location)
    for item, meta in items.entries():
        if item is None:
            continue
        text = str(item)
        name, equals, value = text.partition("=")
        substitution = meta.substitution
        if substitution is not None and "=" in substitution.raw:
            substitution = substitution._replace(raw=substitution.raw.partition("=")[2])
        elif substitution is not None and not equals:
            substitution = None
        entry = entry_meta(meta.location, meta.tag, substitution)
        mapping.put(name.strip(), value if equals else None, entry)
    return mapping
