"""Live resource limit detectors: memory, CPU and processes (CIS 5.11, 5.12, 5.29)."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.live_checks.findings import Detector, per_container
from reviewtui.live.facts import ContainerFacts, EngineFacts, shown
from reviewtui.model import Finding, Status

# What the kernel uses when HostConfig.CpuPeriod is 0.
_DEFAULT_CPU_PERIOD = 100_000
_NANO = 1_000_000_000
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def _number(value: Any) -> float | None:
    """An inspect value as a number; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _size(value: float) -> str:
    """Bytes as a reviewer reads them: 67108864 is 64 MiB."""
    for unit in _UNITS[:-1]:
        if value < 1024:
            return f"{value:g} {unit}"
        value /= 1024
    return f"{value:g} {_UNITS[-1]}"


def _unread(container: ContainerFacts, key: str) -> Finding:
    return Finding(
        container.target,
        Status.UNKNOWN,
        f"cannot read {key} {shown(container.get(key))} as a limit",
        (container.evidence(key),),
    )


def _memory_limit(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.Memory`` is above 0; 0 means no limit (CIS 5.11)."""
    key = "HostConfig.Memory"
    value = container.get(key)
    evidence = (container.evidence(key),)
    if value is None:
        return Finding(container.target, Status.FAIL, f"no memory limit: {key} is null", evidence)
    number = _number(value)
    if number is None:
        return _unread(container, key)
    if number > 0:
        return Finding(
            container.target,
            Status.PASS,
            f"memory limited: {key} {value} ({_size(number)})",
            evidence,
        )
    return Finding(container.target, Status.FAIL, f"{key} {value} means no memory limit", evidence)


def _cpu_limit(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.NanoCpus`` (``--cpus``) or ``HostConfig.CpuQuota`` is above 0
    (CIS 5.12); ``HostConfig.CpuShares`` is a weight among busy containers, not a limit."""
    nano_key, quota_key, period_key = (
        "HostConfig.NanoCpus",
        "HostConfig.CpuQuota",
        "HostConfig.CpuPeriod",
    )
    nano, quota = container.get(nano_key), container.get(quota_key)
    for key, value in ((nano_key, nano), (quota_key, quota)):
        if value is not None and _number(value) is None:
            return _unread(container, key)
    nano_number, quota_number = _number(nano) or 0, _number(quota) or 0
    if nano_number > 0:
        return Finding(
            container.target,
            Status.PASS,
            f"CPU limited: {nano_key} {nano} ({nano_number / _NANO:g} CPUs)",
            (container.evidence(nano_key),),
        )
    if quota_number > 0:
        period = _number(container.get(period_key)) or 0
        period = period if period > 0 else _DEFAULT_CPU_PERIOD
        return Finding(
            container.target,
            Status.PASS,
            f"CPU limited: {quota_key} {quota} µs every {period:g} µs "
            f"({quota_number / period:g} CPUs)",
            (container.evidence(quota_key), container.evidence(period_key)),
        )
    evidence = (container.evidence(nano_key), container.evidence(quota_key))
    shares = _number(container.get("HostConfig.CpuShares"))
    if shares is not None and shares > 0:
        return Finding(
            container.target,
            Status.FAIL,
            "no CPU limit: HostConfig.CpuShares only weighs busy containers against each other",
            (container.evidence("HostConfig.CpuShares"), *evidence),
        )
    return Finding(
        container.target,
        Status.FAIL,
        f"no CPU limit: neither {nano_key} nor {quota_key} is above 0",
        evidence,
    )


def _pids_limit(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.PidsLimit`` is above 0; null, 0 and -1 mean no limit
    (CIS 5.29)."""
    key = "HostConfig.PidsLimit"
    value = container.get(key)
    evidence = (container.evidence(key),)
    if value is None:
        return Finding(container.target, Status.FAIL, f"no process limit: {key} is null", evidence)
    number = _number(value)
    if number is None:
        return _unread(container, key)
    if number > 0:
        return Finding(container.target, Status.PASS, f"process limited: {key} {value}", evidence)
    return Finding(
        container.target, Status.FAIL, f"{key} {value} means no process limit", evidence
    )


memory_limit = per_container(_memory_limit)
cpu_limit = per_container(_cpu_limit)
pids_limit = per_container(_pids_limit)

DETECTORS: dict[str, Detector] = {
    "memory_limit": memory_limit,
    "cpu_limit": cpu_limit,
    "pids_limit": pids_limit,
}
"""The detectors of this module, by the names the checklists use."""
