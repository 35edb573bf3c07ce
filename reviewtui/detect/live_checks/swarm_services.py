"""Live swarm service detectors for the settings of a service's tasks: the user, the root
filesystem, capabilities, the restart policy, resource limits, ulimits, kernel settings
and secrets in the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reviewtui.detect.capabilities import DANGEROUS_CAPS, CapabilityOutcome, judge_capabilities
from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.compose_checks.user import is_root_user
from reviewtui.detect.dockerfile_checks.secrets import secret_value
from reviewtui.detect.live_checks import container_settings
from reviewtui.detect.live_checks.findings import Detector, per_swarm_service
from reviewtui.detect.live_checks.image_config import image_user
from reviewtui.detect.live_checks.swarm_common import (
    CONTAINER,
    NANOSECONDS,
    ULIMITS_API,
    api_below,
    api_evidence,
    api_text,
    dicts,
    local_image,
    service_finding,
    without_digest,
)
from reviewtui.detect.live_checks.swarm_tasks import judge_task, task_container
from reviewtui.live.facts import EngineFacts, SwarmServiceFacts
from reviewtui.masking import is_secret_name
from reviewtui.model import Evidence, Finding, Status

_LIMITS = "Spec.TaskTemplate.Resources.Limits"
_RESTART = "Spec.TaskTemplate.RestartPolicy"
MAX_RETRIES = 5
# What swarm uses when a service sets no restart policy, or leaves out part of one.
_DEFAULT_CONDITION = "any"
_DEFAULT_DELAY = 5 * NANOSECONDS


# -- the user -------------------------------------------------------------------------------


def _runtime_user(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the service's tasks run as a non-root user: ``ContainerSpec.User``, or
    without one the ``Config.User`` of its image when that image is on this engine
    (UNKNOWN otherwise: the image decides)."""
    field = f"{CONTAINER}.User"
    user = str(service.get(field) or "").strip()
    if user:
        if is_root_user(user):
            return service_finding(
                service, Status.FAIL, f"runs as root: {field} is {user}", service.evidence(field)
            )
        return service_finding(
            service, Status.PASS, f"runs as user {user}", service.evidence(field)
        )
    reference = str(service.get(f"{CONTAINER}.Image") or "")
    image_evidence = service.evidence(f"{CONTAINER}.Image")
    image = local_image(engine, reference)
    if image is None:
        return service_finding(
            service,
            Status.UNKNOWN,
            f"ContainerSpec.User is not set and the image {without_digest(reference)} is not on "
            "this engine: its default user decides; check it",
            service.evidence(field),
            image_evidence,
        )
    status, why = image_user(image)
    return service_finding(
        service,
        status,
        f"{why}, and ContainerSpec.User does not override it",
        service.evidence(field),
        image.evidence("Config.User"),
    )


# -- filesystem and capabilities ------------------------------------------------------------


def _read_only_rootfs(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the tasks' root filesystem is read-only: ``ContainerSpec.ReadOnly``."""
    field = f"{CONTAINER}.ReadOnly"
    if service.get(field) is True:
        return service_finding(
            service, Status.PASS, "root filesystem is read-only", service.evidence(field)
        )
    return service_finding(
        service,
        Status.FAIL,
        "root filesystem is writable: ContainerSpec.ReadOnly is not set (--read-only)",
        service.evidence(field),
    )


def _capabilities(service: SwarmServiceFacts, key: str) -> list[tuple[str, str]]:
    """(name, entry) for each capability of ``CapabilityAdd`` or ``CapabilityDrop``:
    the name upper case without ``CAP_`` (the CLI stores ``CAP_NET_ADMIN``)."""
    value = service.get(f"{CONTAINER}.{key}")
    entries = value if isinstance(value, list) else []
    return [(str(entry).strip().upper().removeprefix("CAP_"), str(entry)) for entry in entries]


def _cap_drop_all(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the tasks drop every capability they do not need: PASS when
    ``ContainerSpec.CapabilityDrop`` holds ALL and ``CapabilityAdd`` only common
    capabilities; FAIL for a dangerous added capability (SYS_ADMIN, NET_ADMIN...), for no
    ALL in the drop list (the engine's 14 defaults stay) and for unusual ones added back.
    (Swarm services cannot be privileged.)"""
    add_field = f"{CONTAINER}.CapabilityAdd"
    drop_field = f"{CONTAINER}.CapabilityDrop"
    verdict = judge_capabilities(
        _capabilities(service, "CapabilityAdd"), _capabilities(service, "CapabilityDrop")
    )
    named = list(verdict.names)
    if verdict.outcome is CapabilityOutcome.DANGEROUS:
        worst = named[0]
        return service_finding(
            service,
            verdict.status,
            f"CapabilityAdd grants {names(named)}: {worst} {DANGEROUS_CAPS[worst]}",
            *(service.evidence(add_field, entry) for entry in verdict.cited),
        )
    if verdict.outcome is CapabilityOutcome.KEEPS_DEFAULTS:
        return service_finding(
            service,
            verdict.status,
            "CapabilityDrop does not drop ALL: the engine's 14 default capabilities stay, "
            "NET_RAW among them",
            service.evidence(drop_field),
        )
    if verdict.outcome is CapabilityOutcome.UNUSUAL:
        return service_finding(
            service,
            verdict.status,
            f"drops ALL but adds back {names(named)}",
            *(service.evidence(add_field, entry) for entry in verdict.cited),
        )
    reason = f"drops ALL and adds back only {names(named)}" if named else "drops ALL capabilities"
    (drop_all,) = verdict.cited
    return service_finding(service, verdict.status, reason, service.evidence(drop_field, drop_all))


# -- restart policy -------------------------------------------------------------------------


def _seconds(nanoseconds: Any) -> str:
    value = nanoseconds if isinstance(nanoseconds, int) and nanoseconds >= 0 else _DEFAULT_DELAY
    return f"{value / NANOSECONDS:g}s"


def _restart_policy(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether a failing task is restarted at most five times (CIS 5.15). Condition
    ``none`` passes; ``on-failure`` or ``any`` (the default) with ``MaxAttempts`` 0 (the
    default: no limit) fails, since swarm restarts after the same fixed ``Delay`` every
    time, with none of the growing delay the engine gives containers; more than five
    attempts fails."""
    policy = service.get(_RESTART)
    policy = policy if isinstance(policy, dict) else {}
    condition = str(policy.get("Condition") or _DEFAULT_CONDITION).lower()
    attempts = policy.get("MaxAttempts") or 0
    evidence = service.evidence(_RESTART)
    if condition == "none":
        return service_finding(
            service, Status.PASS, "restart condition none: tasks are never restarted", evidence
        )
    if not isinstance(attempts, int) or attempts < 0:
        return service_finding(
            service, Status.UNKNOWN, f"cannot read MaxAttempts {attempts} as a count", evidence
        )
    if attempts == 0:
        return service_finding(
            service,
            Status.FAIL,
            f"restart condition {condition} without MaxAttempts: a failing task is restarted "
            f"for ever, every {_seconds(policy.get('Delay'))}",
            evidence,
        )
    if attempts > MAX_RETRIES:
        return service_finding(
            service,
            Status.FAIL,
            f"restarted up to {attempts} times; CIS asks for at most {MAX_RETRIES}",
            service.evidence(f"{_RESTART}.MaxAttempts"),
        )
    return service_finding(
        service,
        Status.PASS,
        f"restart condition {condition} gives up after {attempts} attempts",
        service.evidence(f"{_RESTART}.MaxAttempts"),
    )


# -- resource limits ------------------------------------------------------------------------


def _size(value: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size} {unit}"
    return f"{value} bytes"


def _limit(
    service: SwarmServiceFacts, key: str, what: str, shown: Callable[[int], str]
) -> Finding:
    field = f"{_LIMITS}.{key}"
    value = service.get(field)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return service_finding(
            service, Status.PASS, f"{what} limited: {key} {shown(value)}", service.evidence(field)
        )
    return service_finding(
        service,
        Status.FAIL,
        f"no {what} limit: Resources.Limits.{key} is not set",
        service.evidence(field),
    )


def _memory_limit(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether each task's memory is limited: ``Resources.Limits.MemoryBytes`` above 0
    (a reservation is not a limit)."""
    return _limit(service, "MemoryBytes", "memory", _size)


def _cpu_limit(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether each task's CPU is limited: ``Resources.Limits.NanoCPUs`` above 0."""
    return _limit(service, "NanoCPUs", "CPU", lambda value: f"{value / NANOSECONDS:g} CPUs")


def _pids_limit(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether each task's process count is limited: ``Resources.Limits.Pids`` above 0
    (settable from API 1.41, Docker 20.10)."""
    return _limit(service, "Pids", "process", str)


# -- ulimits and kernel settings ------------------------------------------------------------

_ULIMITS = f"{CONTAINER}.Ulimits"


def _ulimits(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS where ``ContainerSpec.Ulimits`` (API 1.41) is set or the engine's daemon.json
    sets ``default-ulimits``; FAIL where nproc or nofile is made unlimited; UNKNOWN where
    only the limits dockerd runs with apply (CIS 5.19), judged by the container detector
    on the task's ``HostConfig.Ulimits``, which the swarm copies from the spec."""
    ulimits = dicts(service.get(_ULIMITS))
    task = task_container(service, {"Ulimits": ulimits or None}, {"HostConfig.Ulimits": _ULIMITS})
    for entry in ulimits:
        task.cite("HostConfig.Ulimits", entry, _ULIMITS)
    finding = judge_task(engine, task, container_settings.ulimits)
    if finding.status is Status.UNKNOWN and api_below(engine, ULIMITS_API):
        return service_finding(
            service,
            Status.UNKNOWN,
            f"the engine's API {api_text(engine)} has no ContainerSpec.Ulimits (it came with "
            "1.41): the limits dockerd runs with apply; confirm they fit",
            api_evidence(engine),
            *finding.evidence,
        )
    return finding


def _kernel_settings(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for ``ContainerSpec.Sysctls`` that turn tasks into routers (ip_forward,
    forwarding, route_localnet, accept_source_route) and an ``OomScoreAdj`` at -500 or
    below (CIS 5.25), judged by the container detector on the task's HostConfig; a service
    cannot set a cgroup parent or turn the OOM killer off."""
    sysctls = service.get(f"{CONTAINER}.Sysctls")
    sysctls = {str(k): v for k, v in sysctls.items()} if isinstance(sysctls, dict) else {}
    host_config: dict[str, Any] = {"Sysctls": sysctls or None}
    score = service.get(f"{CONTAINER}.OomScoreAdj")
    if isinstance(score, int) and not isinstance(score, bool):
        host_config["OomScoreAdj"] = score
    task = task_container(
        service,
        host_config,
        {
            "HostConfig.Sysctls": f"{CONTAINER}.Sysctls",
            "HostConfig.OomScoreAdj": f"{CONTAINER}.OomScoreAdj",
        },
    )
    for name, value in sysctls.items():
        task.cite("HostConfig.Sysctls", f"{name}={value}", f"{CONTAINER}.Sysctls")
    return judge_task(engine, task, container_settings.kernel_settings)


# -- secrets --------------------------------------------------------------------------------


def _secrets_not_in_env(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the service keeps secrets out of its environment: FAIL for a variable of
    ``ContainerSpec.Env`` whose name looks like a secret and whose value is a literal
    (not empty, not a ``/run/secrets/`` path), or whose value is a secret whatever its
    name (a URL with a password, a known token). Anyone who may inspect the service reads
    them. A pass names the swarm secrets the service mounts as files."""
    field = f"{CONTAINER}.Env"
    reasons: list[str] = []
    evidence: list[Evidence] = []
    for entry in service.get(field) or []:
        name, equals, value = str(entry).partition("=")
        if not equals or not value.strip() or value.strip().startswith("/run/secrets/"):
            continue
        what = secret_value(value)
        if is_secret_name(name):
            reasons.append(f"{name} is written in the service spec")
        elif what is not None:
            reasons.append(f"{name} holds {what}")
        else:
            continue
        evidence.append(service.evidence(field, str(entry)))
    if reasons:
        return service_finding(
            service, Status.FAIL, f"secrets in plain text: {names(reasons)}", *evidence[:8]
        )
    secrets = [
        str(secret.get("SecretName", ""))
        for secret in service.get(f"{CONTAINER}.Secrets") or []
        if isinstance(secret, dict)
    ]
    if secrets:
        return service_finding(
            service,
            Status.PASS,
            f"takes swarm secrets as files, not from the environment ({names(secrets)})",
            service.evidence(f"{CONTAINER}.Secrets", secrets),
        )
    return service_finding(
        service,
        Status.PASS,
        "no secret-looking variable holds a literal value",
        service.evidence(field),
    )


DETECTORS: dict[str, Detector] = {
    "runtime_user": per_swarm_service(_runtime_user),
    "read_only_rootfs": per_swarm_service(_read_only_rootfs),
    "cap_drop_all": per_swarm_service(_cap_drop_all),
    "restart_policy": per_swarm_service(_restart_policy),
    "memory_limit": per_swarm_service(_memory_limit),
    "cpu_limit": per_swarm_service(_cpu_limit),
    "pids_limit": per_swarm_service(_pids_limit),
    "ulimits": per_swarm_service(_ulimits),
    "kernel_settings": per_swarm_service(_kernel_settings),
    "secrets_not_in_env": per_swarm_service(_secrets_not_in_env),
}
"""The detectors of this module, by the names the checklists use."""
