"""Live swarm detectors: the runtime items a swarm service's spec answers, and the swarm's
own settings (auto-lock, encrypted overlay networks, node certificate expiry).

A service's settings live under ``Spec.TaskTemplate`` (``ContainerSpec``, ``Resources``,
``RestartPolicy``) and ``Spec.EndpointSpec``; the runtime detectors use the same names as
the compose and container detectors of the same items, so a compose service, its
containers and its swarm service are listed side by side. The swarm detectors read
``/swarm`` and the overlay networks of ``/networks`` on a manager.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.compose_checks.privileges import COMMON_CAPS, DANGEROUS_CAPS
from reviewtui.detect.compose_checks.user import is_root_user
from reviewtui.detect.dockerfile_checks.secrets import secret_value
from reviewtui.detect.live_checks.findings import Detector, per_swarm, per_swarm_service
from reviewtui.detect.live_checks.image_config import image_user
from reviewtui.live.facts import (
    EngineFacts,
    ImageFacts,
    NetworkFacts,
    SwarmFacts,
    SwarmServiceFacts,
)
from reviewtui.masking import is_secret_name
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import ImageRef, parse_image_ref

_CONTAINER = "Spec.TaskTemplate.ContainerSpec"
_LIMITS = "Spec.TaskTemplate.Resources.Limits"
_RESTART = "Spec.TaskTemplate.RestartPolicy"
_PORTS = "Spec.EndpointSpec.Ports"
MAX_RETRIES = 5
_NANOSECONDS = 1_000_000_000
_DAY = 86_400 * _NANOSECONDS
# CIS 7.7 leaves "as appropriate" to the reader; swarm's own default is 90 days.
_MAX_CERT_DAYS = 90
# What swarm uses when a service sets no restart policy, or leaves out part of one.
_DEFAULT_CONDITION = "any"
_DEFAULT_DELAY = 5 * _NANOSECONDS


def _finding(
    service: SwarmServiceFacts, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    return Finding(service.target, status, reason, tuple(evidence))


# -- the user -------------------------------------------------------------------------------


def _same_image(ref: ImageRef, tag: str) -> bool:
    other = parse_image_ref(tag)
    return other is not None and (other.registry, other.repository, other.tag or "latest") == (
        ref.registry,
        ref.repository,
        ref.tag or "latest",
    )


def local_image(engine: EngineFacts, reference: str) -> ImageFacts | None:
    """The image ``reference`` names among those read from the engine: by digest when it
    has one (``name:tag@sha256:...``, the form swarm stores), else by tag."""
    ref = parse_image_ref(reference)
    if ref is None:
        return None
    for image in engine.images.values():
        if ref.digest:
            digests = image.data.get("RepoDigests") or []
            if any(str(item).endswith("@" + ref.digest) for item in digests):
                return image
        elif any(_same_image(ref, str(tag)) for tag in image.data.get("RepoTags") or []):
            return image
    return None


def _runtime_user(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the service's tasks run as a non-root user: ``ContainerSpec.User``, or
    without one the ``Config.User`` of its image when that image is on this engine
    (UNKNOWN otherwise: the image decides)."""
    field = f"{_CONTAINER}.User"
    user = str(service.get(field) or "").strip()
    if user:
        if is_root_user(user):
            return _finding(
                service, Status.FAIL, f"runs as root: {field} is {user}", service.evidence(field)
            )
        return _finding(service, Status.PASS, f"runs as user {user}", service.evidence(field))
    reference = str(service.get(f"{_CONTAINER}.Image") or "")
    image_evidence = service.evidence(f"{_CONTAINER}.Image")
    image = local_image(engine, reference)
    if image is None:
        return _finding(
            service,
            Status.UNKNOWN,
            f"ContainerSpec.User is not set and the image {_without_digest(reference)} is not on "
            "this engine: its default user decides; check it",
            service.evidence(field),
            image_evidence,
        )
    status, why = image_user(image)
    return _finding(
        service,
        status,
        f"{why}, and ContainerSpec.User does not override it",
        service.evidence(field),
        image.evidence("Config.User"),
    )


def _without_digest(reference: str) -> str:
    return reference.split("@", 1)[0] or "(none)"


# -- filesystem and capabilities ------------------------------------------------------------


def _read_only_rootfs(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the tasks' root filesystem is read-only: ``ContainerSpec.ReadOnly``."""
    field = f"{_CONTAINER}.ReadOnly"
    if service.get(field) is True:
        return _finding(
            service, Status.PASS, "root filesystem is read-only", service.evidence(field)
        )
    return _finding(
        service,
        Status.FAIL,
        "root filesystem is writable: ContainerSpec.ReadOnly is not set (--read-only)",
        service.evidence(field),
    )


def _capabilities(service: SwarmServiceFacts, key: str) -> list[tuple[str, str]]:
    """(name, entry) for each capability of ``CapabilityAdd`` or ``CapabilityDrop``:
    the name upper case without ``CAP_`` (the CLI stores ``CAP_NET_ADMIN``)."""
    value = service.get(f"{_CONTAINER}.{key}")
    entries = value if isinstance(value, list) else []
    return [(str(entry).strip().upper().removeprefix("CAP_"), str(entry)) for entry in entries]


def _cap_drop_all(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the tasks drop every capability they do not need: PASS when
    ``ContainerSpec.CapabilityDrop`` holds ALL and ``CapabilityAdd`` only common
    capabilities; FAIL for a dangerous added capability (SYS_ADMIN, NET_ADMIN...), for no
    ALL in the drop list (the engine's 14 defaults stay) and for unusual ones added back.
    (Swarm services cannot be privileged.)"""
    add_field = f"{_CONTAINER}.CapabilityAdd"
    drop_field = f"{_CONTAINER}.CapabilityDrop"
    added = _capabilities(service, "CapabilityAdd")
    dangerous = [(name, entry) for name, entry in added if name in DANGEROUS_CAPS]
    if dangerous:
        ordered = sorted({name for name, _ in dangerous}, key=list(DANGEROUS_CAPS).index)
        return _finding(
            service,
            Status.FAIL,
            f"CapabilityAdd grants {names(ordered)}: {ordered[0]} {DANGEROUS_CAPS[ordered[0]]}",
            *(service.evidence(add_field, entry) for _, entry in dangerous),
        )
    dropped = _capabilities(service, "CapabilityDrop")
    drop_all = next((entry for name, entry in dropped if name == "ALL"), None)
    if drop_all is None:
        return _finding(
            service,
            Status.FAIL,
            "CapabilityDrop does not drop ALL: the engine's 14 default capabilities stay, "
            "NET_RAW among them",
            service.evidence(drop_field),
        )
    unusual = [(name, entry) for name, entry in added if name not in COMMON_CAPS]
    if unusual:
        return _finding(
            service,
            Status.FAIL,
            f"drops ALL but adds back {names([name for name, _ in unusual])}",
            *(service.evidence(add_field, entry) for _, entry in unusual),
        )
    kept = sorted({name for name, _ in added})
    reason = f"drops ALL and adds back only {names(kept)}" if kept else "drops ALL capabilities"
    return _finding(service, Status.PASS, reason, service.evidence(drop_field, drop_all))


# -- published ports ------------------------------------------------------------------------


def _host_network(engine: EngineFacts, service: SwarmServiceFacts) -> NetworkFacts | None:
    """The host network, when the service's tasks are attached to it."""
    targets = {
        str(attachment.get("Target", ""))
        for attachment in service.get("Spec.TaskTemplate.Networks") or []
        if isinstance(attachment, dict)
    }
    for network in engine.networks:
        if network.driver == "host" and (
            network.name in targets or str(network.data.get("Id", "")) in targets
        ):
            return network
    return None


def _port_text(port: dict[str, Any]) -> str:
    published = port.get("PublishedPort")
    target = f"{port.get('TargetPort', '?')}/{port.get('Protocol', 'tcp')}"
    return f"{published}:{target}" if published else target


def _port_bindings(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the service's published ports are bound to a chosen interface. A swarm
    service cannot name a host address: ingress mode publishes each port on every
    interface of every node (the routing mesh), host mode on every interface of each node
    that runs a task, so both FAIL, and a firewall in front of the nodes is the way to
    narrow them; tasks on the host network FAIL too. NOT_APPLICABLE without published
    ports."""
    host = _host_network(engine, service)
    if host is not None:
        return _finding(
            service,
            Status.FAIL,
            "attached to the host network: every port it listens on is open on the node's "
            "interfaces",
            service.evidence("Spec.TaskTemplate.Networks"),
        )
    ports = [port for port in service.get(_PORTS) or [] if isinstance(port, dict)]
    if not ports:
        return _finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence(_PORTS)
        )
    ingress = [port for port in ports if port.get("PublishMode", "ingress") == "ingress"]
    evidence = [service.evidence(_PORTS, port) for port in ports[:8]]
    if ingress:
        return _finding(
            service,
            Status.FAIL,
            "published through the routing mesh on every interface of every node: "
            f"{names([_port_text(port) for port in ingress])}",
            *evidence,
        )
    return _finding(
        service,
        Status.FAIL,
        "published in host mode on every interface of each node that runs a task: "
        f"{names([_port_text(port) for port in ports])}; a service cannot bind to one address",
        *evidence,
    )


# -- restart policy -------------------------------------------------------------------------


def _seconds(nanoseconds: Any) -> str:
    value = nanoseconds if isinstance(nanoseconds, int) and nanoseconds >= 0 else _DEFAULT_DELAY
    return f"{value / _NANOSECONDS:g}s"


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
        return _finding(
            service, Status.PASS, "restart condition none: tasks are never restarted", evidence
        )
    if not isinstance(attempts, int) or attempts < 0:
        return _finding(
            service, Status.UNKNOWN, f"cannot read MaxAttempts {attempts} as a count", evidence
        )
    if attempts == 0:
        return _finding(
            service,
            Status.FAIL,
            f"restart condition {condition} without MaxAttempts: a failing task is restarted "
            f"for ever, every {_seconds(policy.get('Delay'))}",
            evidence,
        )
    if attempts > MAX_RETRIES:
        return _finding(
            service,
            Status.FAIL,
            f"restarted up to {attempts} times; CIS asks for at most {MAX_RETRIES}",
            service.evidence(f"{_RESTART}.MaxAttempts"),
        )
    return _finding(
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
        return _finding(
            service, Status.PASS, f"{what} limited: {key} {shown(value)}", service.evidence(field)
        )
    return _finding(
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
    return _limit(service, "NanoCPUs", "CPU", lambda value: f"{value / _NANOSECONDS:g} CPUs")


def _pids_limit(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether each task's process count is limited: ``Resources.Limits.Pids`` above 0
    (settable from API 1.41, Docker 20.10)."""
    return _limit(service, "Pids", "process", str)


# -- secrets --------------------------------------------------------------------------------


def _secrets_not_in_env(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Whether the service keeps secrets out of its environment: FAIL for a variable of
    ``ContainerSpec.Env`` whose name looks like a secret and whose value is a literal
    (not empty, not a ``/run/secrets/`` path), or whose value is a secret whatever its
    name (a URL with a password, a known token). Anyone who may inspect the service reads
    them. A pass names the swarm secrets the service mounts as files."""
    field = f"{_CONTAINER}.Env"
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
        return _finding(
            service, Status.FAIL, f"secrets in plain text: {names(reasons)}", *evidence[:8]
        )
    secrets = [
        str(secret.get("SecretName", ""))
        for secret in service.get(f"{_CONTAINER}.Secrets") or []
        if isinstance(secret, dict)
    ]
    if secrets:
        return _finding(
            service,
            Status.PASS,
            f"takes swarm secrets as files, not from the environment ({names(secrets)})",
            service.evidence(f"{_CONTAINER}.Secrets", secrets),
        )
    return _finding(
        service,
        Status.PASS,
        "no secret-looking variable holds a literal value",
        service.evidence(field),
    )


# -- the swarm itself -----------------------------------------------------------------------


def _swarm_finding(swarm: SwarmFacts, status: Status, reason: str, *evidence: Evidence) -> Finding:
    return Finding(swarm.target, status, reason, tuple(evidence))


def _swarm_autolock(engine: EngineFacts, swarm: SwarmFacts) -> Finding:
    """Whether the swarm's managers are auto-locked: ``Spec.EncryptionConfig.
    AutoLockManagers`` in ``/swarm`` (CIS 7.5)."""
    field = "Spec.EncryptionConfig.AutoLockManagers"
    if swarm.get(field) is True:
        return _swarm_finding(
            swarm,
            Status.PASS,
            "managers auto-lock: a restarted manager needs the unlock key before it can "
            "decrypt the raft log",
            swarm.evidence(field),
        )
    return _swarm_finding(
        swarm,
        Status.FAIL,
        "auto-lock is off: the key that decrypts the raft log, and the swarm's secrets in "
        "it, lies unprotected on every manager's disk",
        swarm.evidence(field),
    )


def _is_ingress(network: NetworkFacts) -> bool:
    return network.data.get("Ingress") is True or network.name == "ingress"


def _overlay_encryption(engine: EngineFacts, swarm: SwarmFacts) -> Finding:
    """Whether every overlay network except ``ingress`` (the routing mesh) encrypts its
    traffic between nodes: ``Options`` holds ``encrypted`` (CIS 7.3). Each overlay
    network is cited; NOT_APPLICABLE without any."""
    overlays = sorted(
        (n for n in engine.networks if n.driver == "overlay" and not _is_ingress(n)),
        key=lambda network: network.name,
    )
    if not overlays:
        names_seen = ", ".join(sorted(network.name for network in engine.networks)) or "none"
        return _swarm_finding(
            swarm,
            Status.NOT_APPLICABLE,
            "no overlay network besides ingress",
            Evidence(f"{engine.host}: engine /networks", None, names_seen, "Name"),
        )
    plain = [n for n in overlays if "encrypted" not in (n.get("Options") or {})]
    encrypted = [n for n in overlays if n not in plain]
    evidence = [network.evidence("Options") for network in plain + encrypted]
    if plain:
        return _swarm_finding(
            swarm,
            Status.FAIL,
            f"overlay networks without encryption: {names([n.name for n in plain])}; their "
            "traffic between nodes crosses the network in clear",
            *evidence,
        )
    return _swarm_finding(
        swarm,
        Status.PASS,
        f"every overlay network is encrypted: {names([n.name for n in encrypted])}",
        *evidence,
    )


def _duration(nanoseconds: int) -> str:
    days = nanoseconds / _DAY
    if days >= 1:
        return f"{days:g} days"
    return f"{nanoseconds / (3600 * _NANOSECONDS):g} hours"


def _swarm_cert_rotation(engine: EngineFacts, swarm: SwarmFacts) -> Finding:
    """Whether node certificates are rotated often enough: ``Spec.CAConfig.NodeCertExpiry``
    at most 90 days (swarm renews each node's certificate before it expires) (CIS 7.7)."""
    # TODO: the age of the root CA (CIS 7.8) shows in TLSInfo.TrustRoot's certificate,
    # which is not parsed; only the node certificates' lifetime is judged.
    field = "Spec.CAConfig.NodeCertExpiry"
    expiry = swarm.get(field)
    if not isinstance(expiry, int) or isinstance(expiry, bool) or expiry <= 0:
        return _swarm_finding(
            swarm,
            Status.UNKNOWN,
            "/swarm does not say how long node certificates last: check docker info's "
            "Expiry Duration",
            swarm.evidence(field),
        )
    if expiry > _MAX_CERT_DAYS * _DAY:
        return _swarm_finding(
            swarm,
            Status.FAIL,
            f"node certificates last {_duration(expiry)}: a stolen one stays valid that long; "
            f"rotate at least every {_MAX_CERT_DAYS} days",
            swarm.evidence(field),
        )
    return _swarm_finding(
        swarm,
        Status.PASS,
        f"node certificates last {_duration(expiry)} and are renewed before they expire",
        swarm.evidence(field),
    )


DETECTORS: dict[str, Detector] = {
    "runtime_user": per_swarm_service(_runtime_user),
    "read_only_rootfs": per_swarm_service(_read_only_rootfs),
    "cap_drop_all": per_swarm_service(_cap_drop_all),
    "port_bindings": per_swarm_service(_port_bindings),
    "restart_policy": per_swarm_service(_restart_policy),
    "memory_limit": per_swarm_service(_memory_limit),
    "cpu_limit": per_swarm_service(_cpu_limit),
    "pids_limit": per_swarm_service(_pids_limit),
    "secrets_not_in_env": per_swarm_service(_secrets_not_in_env),
    "swarm_autolock": per_swarm(_swarm_autolock),
    "overlay_encryption": per_swarm(_overlay_encryption),
    "swarm_cert_rotation": per_swarm(_swarm_cert_rotation),
}
"""The detectors of this module, by the names the checklists use."""
