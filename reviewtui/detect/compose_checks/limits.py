"""Resource limit detectors: memory, CPU, processes and ulimits (CIS 5.11, 5.12, 5.19,
5.29, 2.8)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reviewtui.detect.compose_checks.findings import finding, names, per_service, services
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import Limit
from reviewtui.project.compose_yaml import spelled
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

# Ulimits that protect the host's process table and kernel memory; ``memlock`` and the
# like may well need to be unlimited, and are bounded by the memory limit anyway.
GUARDING_ULIMITS = frozenset({"nproc", "nofile"})
_UNLIMITED = frozenset({"-1", "unlimited"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)?\s*$", re.IGNORECASE)


def _positive_size(value: Any) -> bool | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value > 0
    match = _SIZE.match(str(value))
    if match is None:
        return False if str(value).strip() in ("-1", "") else None
    return float(match.group(1)) > 0


def _positive_number(value: Any) -> bool | None:
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip()) > 0
    except ValueError:
        return None


def _limit_finding(
    service: ComposeService,
    limits: list[Limit],
    what: str,
    keys: str,
    positive: Callable[[Any], bool | None],
) -> Finding:
    for limit in limits:
        if positive(limit.value):
            return finding(
                service,
                Status.PASS,
                f"{what} limited: {limit.key} {spelled(limit.value)}",
                service.evidence_at(limit.location),
            )
    for limit in limits:
        if limit.from_unset_variable:
            unset = ", ".join(limit.substitution.unset if limit.substitution else ())
            return finding(
                service,
                Status.UNKNOWN,
                f"{limit.key} comes from {unset}, which is set nowhere in the project",
                service.evidence_at(limit.location),
            )
    for limit in limits:
        if positive(limit.value) is None:
            return finding(
                service,
                Status.UNKNOWN,
                f"cannot read {limit.key} {spelled(limit.value)} as a limit",
                service.evidence_at(limit.location),
            )
    if limits:
        limit = limits[0]
        return finding(
            service,
            Status.FAIL,
            f"{limit.key} {spelled(limit.value)} means no {what} limit",
            service.evidence_at(limit.location),
        )
    return finding(
        service,
        Status.FAIL,
        f"no {what} limit: neither {keys} is set",
        service.evidence("deploy", "resources", "limits"),
    )


def has_memory_limit(service: ComposeService) -> bool:
    """True when the service sets a memory limit above 0."""
    return any(_positive_size(limit.value) for limit in service.memory_limits())


def _memory_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``mem_limit`` or ``deploy.resources.limits.memory`` is above 0 (CIS 5.11)."""
    return _limit_finding(
        service,
        service.memory_limits(),
        "memory",
        "mem_limit nor deploy.resources.limits.memory",
        _positive_size,
    )


def _cpu_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``cpus``, ``cpu_quota`` or ``deploy.resources.limits.cpus`` is above 0
    (CIS 5.12); ``cpu_shares`` is a weight among busy containers, not a limit."""
    result = _limit_finding(
        service,
        service.cpu_limits(),
        "CPU",
        "cpus nor deploy.resources.limits.cpus",
        _positive_number,
    )
    if result.status is Status.FAIL and service.get("cpu_shares") is not None:
        return finding(
            service,
            Status.FAIL,
            "no CPU limit: cpu_shares only weighs busy containers against each other",
            service.evidence("cpu_shares"),
        )
    return result


def _pids_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``pids_limit`` or ``deploy.resources.limits.pids`` is above 0; -1 and 0 mean
    unlimited (CIS 5.29)."""
    return _limit_finding(
        service,
        service.pids_limits(),
        "process",
        "pids_limit nor deploy.resources.limits.pids",
        _positive_number,
    )


def _ulimit_text(name: Any, value: Any) -> str:
    if isinstance(value, dict):
        return f"{name} {spelled(value.get('soft', '?'))}/{spelled(value.get('hard', '?'))}"
    return f"{name} {spelled(value)}"


def _unlimited(value: Any) -> bool:
    values = [value.get("soft"), value.get("hard")] if isinstance(value, dict) else [value]
    return any(str(item).strip().lower() in _UNLIMITED for item in values)


def _removed_limits(ulimits: dict[Any, Any]) -> list[str]:
    """The ulimits that guard the host and are set to unlimited."""
    return [
        str(name)
        for name, value in ulimits.items()
        if str(name).lower() in GUARDING_ULIMITS and _unlimited(value)
    ]


def _service_ulimits(service: ComposeService, daemon: DaemonConfig | None) -> Finding:
    ulimits = service.get("ulimits")
    if isinstance(ulimits, dict) and ulimits:
        removed = _removed_limits(ulimits)
        if removed:
            return finding(
                service,
                Status.FAIL,
                f"ulimits lift the {names(removed)} limit: unlimited",
                *(service.evidence("ulimits", name) for name in removed),
            )
        listed = [_ulimit_text(name, value) for name, value in ulimits.items()]
        return finding(
            service, Status.PASS, f"ulimits set: {names(listed)}", service.evidence("ulimits")
        )
    if daemon is not None:
        return finding(
            service,
            Status.PASS,
            f"no ulimits: the default-ulimits of {daemon.path} apply",
            service.evidence("ulimits"),
            daemon.evidence("default-ulimits"),
        )
    return finding(
        service,
        Status.UNKNOWN,
        "no ulimits: the limits dockerd runs with apply (often a million open files); "
        "confirm they fit",
        service.evidence("ulimits"),
    )


def _daemon_ulimits(config: DaemonConfig) -> Finding:
    target = Target(TargetKind.DAEMON, config.path, config.path)
    value = config.get("default-ulimits")
    if isinstance(value, dict) and value:
        removed = [
            str(name)
            for name, limit in value.items()
            if str(name).lower() in GUARDING_ULIMITS
            and isinstance(limit, dict)
            and _unlimited({"soft": limit.get("Soft"), "hard": limit.get("Hard")})
        ]
        if removed:
            return Finding(
                target,
                Status.FAIL,
                f"default-ulimits lift the {names(removed)} limit: unlimited",
                (config.evidence("default-ulimits"),),
            )
        listed = [
            f"{name} {spelled(limit.get('Soft', '?'))}/{spelled(limit.get('Hard', '?'))}"
            if isinstance(limit, dict)
            else f"{name} {spelled(limit)}"
            for name, limit in value.items()
        ]
        return Finding(
            target,
            Status.PASS,
            f"default-ulimits set: {names(listed)}",
            (config.evidence("default-ulimits"),),
        )
    return Finding(
        target,
        Status.UNKNOWN,
        "no default-ulimits: containers take the limits dockerd itself runs with; "
        "confirm they fit",
        (config.evidence("default-ulimits"),),
    )


def ulimits(facts: ProjectFacts) -> list[Finding]:
    """Per daemon.json and per compose service: PASS where ulimits are set (``ulimits:``
    or ``default-ulimits``, listed in the reason), FAIL where ``nproc`` or ``nofile`` is
    made unlimited, UNKNOWN where only the engine's own limits apply, since whether they
    fit is for a person to judge (CIS 5.19, 2.8)."""
    findings = [_daemon_ulimits(config) for config in facts.daemon_configs]
    daemon = next(
        (
            config
            for config in facts.daemon_configs
            if isinstance(config.get("default-ulimits"), dict) and config.get("default-ulimits")
        ),
        None,
    )
    findings.extend(_service_ulimits(service, daemon) for _, service in services(facts))
    return findings


memory_limit = per_service(_memory_limit)
cpu_limit = per_service(_cpu_limit)
pids_limit = per_service(_pids_limit)

DETECTORS = {
    "memory_limit": memory_limit,
    "cpu_limit": cpu_limit,
    "pids_limit": pids_limit,
    "ulimits": ulimits,
}
"""The detectors of this module, by the names the checklists use."""
