"""Compose changes that bound what a service may use: memory, CPU, processes and logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewtui.fix.compose_change import Changed, Failing
from reviewtui.fix.compose_defaults import (
    CPUS,
    LOG_DRIVER,
    LOG_OPTIONS,
    MEMORY,
    PIDS,
    RESOURCE_KEYS,
    LimitDefault,
)
from reviewtui.fix.compose_edit import ComposeText, DataPath, EditRefused
from reviewtui.project.compose_views import Limit

_DEPLOY_LIMITS = ("deploy", "resources", "limits")
_NOT_A_SIZE = ("", "-1", "0")


def memory_limit(failing: Failing) -> Changed:
    """A memory limit where the file keeps its limits, or the one that means none raised."""
    return _limited(
        failing,
        MEMORY,
        failing.service.memory_limits(),
        "Limit memory",
        "Past the limit the kernel's OOM killer ends the service's processes: a limit "
        "below what it needs at its peak makes it crash under load.",
        "Watch the service's memory under real load (docker stats, MEM USAGE) and set the "
        "limit with headroom above the peak; a JVM or database may need its own memory "
        "settings to stay under it.",
    )


def cpu_limit(failing: Failing) -> Changed:
    """A CPU limit where the file keeps its limits, or the one that means none raised."""
    return _limited(
        failing,
        CPUS,
        failing.service.cpu_limits(),
        "Limit CPU",
        "The service gets at most one CPU's worth of time: a busy service slows down "
        "instead of taking the host's other CPUs.",
        "Watch the service's CPU under real load (docker stats, CPU %) and set the limit "
        "above its busy peak; raise it for services that run many threads.",
    )


def pids_limit(failing: Failing) -> Changed:
    """A process limit where the file keeps its limits, or the one that means none raised."""
    return _limited(
        failing,
        PIDS,
        failing.service.pids_limits(),
        "Limit processes",
        "Past the limit the service cannot start processes or threads: one that forks "
        "workers or runs many threads fails with 'Resource temporarily unavailable'.",
        "Count the service's processes and threads at its peak (docker stats, PIDS) and "
        "set the limit to about twice that.",
    )


def _limited(
    failing: Failing,
    limit: LimitDefault,
    found: list[Limit],
    title: str,
    behaviour: str,
    check: str,
) -> Changed:
    """The limit set (see :func:`_set_limit`), summed up as ``title (key value)``, with
    what it may change and what to check after it."""
    doc, where = _set_limit(failing, limit, found)
    return Changed(doc, f"{title} ({where})", behaviour, check)


def log_rotation(failing: Failing) -> Changed:
    """json-file logs rotated with ``max-size`` and ``max-file``, written into the
    service's ``logging`` (the block added when it has none)."""
    doc, path = failing.doc, failing.key("logging")
    logging = doc.value(path)
    if not doc.owns(path):
        if logging is not None:
            # TODO: ``logging: *default-logging`` is common; the fix belongs in the
            # anchor, which changes every service using it, so none is offered.
            raise EditRefused("logging comes from a merge or an alias")
        doc = doc.insert(failing.path, "logging", {"driver": LOG_DRIVER, "options": LOG_OPTIONS})
    elif logging is None:
        doc = doc.replace(path, {"driver": LOG_DRIVER, "options": LOG_OPTIONS})
    elif isinstance(logging, dict):
        doc = _rotate_options(doc, path, logging)
    else:
        raise EditRefused("logging is not a mapping")
    written = ", ".join(f"{key} {value}" for key, value in LOG_OPTIONS.items())
    return Changed(
        doc,
        f"Rotate the logs (json-file, {written})",
        "Older log lines are deleted once three files of 10 MB are full. The driver is "
        "json-file: if the hosts' engines send logs elsewhere by default (journald, a log "
        "shipper), this service's logs no longer go there.",
        "Check that 30 MB is enough to cover the time you need to read back, and that "
        "the hosts do not collect logs through another driver (then name that driver "
        "instead).",
    )


def _rotate_options(doc: ComposeText, path: DataPath, logging: dict[Any, Any]) -> ComposeText:
    driver = logging.get("driver")
    if driver is not None and str(driver).strip().lower() != LOG_DRIVER:
        raise EditRefused(f"log driver {driver}")
    options_path = path + ("options",)
    options = logging.get("options")
    if not doc.owns(options_path):
        if options is not None:
            raise EditRefused("logging options come from a merge")
        return doc.insert(path, "options", LOG_OPTIONS)
    if options is None:
        return doc.replace(options_path, LOG_OPTIONS)
    if not isinstance(options, dict):
        raise EditRefused("logging options are not a mapping")
    for key, value in LOG_OPTIONS.items():
        current = options.get(key)
        if key not in options:
            doc = doc.insert(options_path, key, value)
        elif key == "max-size" and str(current).strip() in _NOT_A_SIZE:
            doc = doc.replace(options_path + (key,), value)
    return doc


def _set_limit(
    failing: Failing, limit: LimitDefault, found: list[Limit]
) -> tuple[ComposeText, str]:
    """The limit written, and where, as ``key value`` for the summary."""
    if found:
        return _raise_limits(failing, limit, found)
    if _keeps_limits_in_deploy(failing):
        doc = _insert_deploy_limit(failing.doc, failing.path, limit)
        return doc, f"deploy.resources.limits.{limit.deploy_key} {limit.deploy_value}"
    doc = failing.doc.insert(failing.path, limit.key, limit.value)
    return doc, f"{limit.key} {limit.value}"


def _raise_limits(
    failing: Failing, limit: LimitDefault, found: list[Limit]
) -> tuple[ComposeText, str]:
    """Every limit that says "no limit" (0, -1) set to the default instead."""
    doc = failing.doc
    written = []
    for weak in found:
        if weak.substitution is not None:
            raise EditRefused(f"{weak.key} comes from a variable")
        if weak.key.startswith("deploy."):
            path = failing.key(*_DEPLOY_LIMITS, limit.deploy_key)
            value = limit.deploy_value
        else:
            path = failing.key(weak.key)
            value = limit.value if weak.key == limit.key else _same_in(weak.key)
        doc = doc.replace(path, value)
        written.append(f"{weak.key} {value}")
    return doc, ", ".join(written)


def _same_in(key: str) -> str | int | float:
    """The default for another top-level key of the same limit (``cpu_quota``)."""
    if key == "cpu_quota":
        return 100000  # one CPU at the default 100 ms period
    raise EditRefused(f"no default for {key}")


def _keeps_limits_in_deploy(failing: Failing) -> bool:
    """Whether the limit goes under ``deploy.resources.limits``: where the service keeps
    its limits already, or where the file's other services keep theirs while this one
    has a ``deploy`` of its own or no limit at all."""
    doc, path = failing.doc, failing.path
    service = doc.value(path, {})
    if not isinstance(service, dict):
        raise EditRefused("the service is not a mapping")
    if RESOURCE_KEYS & set(service):
        return False
    for depth in range(len(_DEPLOY_LIMITS), 0, -1):
        if doc.owns(path + _DEPLOY_LIMITS[:depth]):
            return isinstance(doc.value(path + _DEPLOY_LIMITS[:depth]), dict)
    if "deploy" in service:
        return False  # a deploy from a merge: one written here would replace it
    return _file_keeps_limits_in_deploy(failing.services())


def _file_keeps_limits_in_deploy(services: Mapping[Any, Any]) -> bool:
    """True when more of the file's services keep limits in ``deploy`` than beside
    their other keys."""
    deploy = top = 0
    for service in services.values():
        limits = _at(service, _DEPLOY_LIMITS)
        if isinstance(limits, dict) and limits:
            deploy += 1
        if isinstance(service, dict) and RESOURCE_KEYS & set(service):
            top += 1
    return deploy > top


def _at(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _insert_deploy_limit(doc: ComposeText, path: DataPath, limit: LimitDefault) -> ComposeText:
    """The limit under ``deploy.resources.limits``, writing the mappings that are missing."""
    depth = 0
    while depth < len(_DEPLOY_LIMITS) and doc.owns(path + _DEPLOY_LIMITS[: depth + 1]):
        depth += 1
    parent = path + _DEPLOY_LIMITS[:depth]
    missing = (*_DEPLOY_LIMITS[depth:], limit.deploy_key)
    value: Any = limit.deploy_value
    for key in reversed(missing[1:]):
        value = {key: value}
    if doc.value(parent + (missing[0],)) is not None:
        raise EditRefused(f"{missing[0]} comes from a merge")
    current = doc.value(parent)
    if depth > 0 and current is None:
        return doc.replace(parent, {missing[0]: value})
    if not isinstance(current, dict):
        raise EditRefused(f"{parent[-1]} is not a mapping")
    return doc.insert(parent, missing[0], value)
