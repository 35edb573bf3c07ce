"""What the live swarm detectors share: spec field names, the image a service names, the
engine's API version and the networks a service joins.

The swarm detectors answer the runtime items a swarm service's spec answers
(``swarm_services``, ``swarm_mounts``, ``swarm_privileges``, ``swarm_network``,
``swarm_lifecycle``) and the swarm's own settings (``swarm_cluster``: auto-lock,
encrypted overlay networks, node certificate expiry). A service's settings live under
``Spec.TaskTemplate`` (``ContainerSpec``, ``Resources``, ``RestartPolicy``, ``Networks``,
``LogDriver``) and ``Spec.EndpointSpec``; the runtime detectors use the same names as the
compose and container detectors of the same items, so a compose service, its containers
and its swarm service are listed side by side. Fields that newer Engine APIs brought are
judged with the engine's API version in mind.
"""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks.container_network import find_network
from reviewtui.live.facts import EngineFacts, ImageFacts, NetworkFacts, SwarmServiceFacts
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import ImageRef, parse_image_ref

CONTAINER = "Spec.TaskTemplate.ContainerSpec"
"""Where a service's container settings live."""
NETWORKS = "Spec.TaskTemplate.Networks"
"""The networks a service's tasks are attached to."""
NANOSECONDS = 1_000_000_000
"""Nanoseconds in a second: the swarm's durations and CPUs count in them."""


def service_finding(
    service: SwarmServiceFacts, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    """The finding about ``service`` with this status, reason and evidence."""
    return Finding(service.target, status, reason, tuple(evidence))


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list value; [] for anything else."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# -- the image a service names --------------------------------------------------------------


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


def without_digest(reference: str) -> str:
    """An image reference without its ``@sha256:`` digest, as a reviewer reads it."""
    return reference.split("@", 1)[0] or "(none)"


# -- the engine's API -----------------------------------------------------------------------

# The Engine API versions that brought the service fields judged here: an older engine
# cannot express them, so a service there cannot have asked for them.
ULIMITS_API = (1, 41)
# Seccomp, AppArmor and NoNewPrivileges in ContainerSpec.Privileges came together.
PRIVILEGES_API = (1, 44)


def api_version(engine: EngineFacts) -> tuple[int, int] | None:
    """The engine's API version from ``/version`` (``ApiVersion`` 1.41 -> (1, 41))."""
    major, _, minor = str(engine.version.get("ApiVersion") or "").partition(".")
    return (int(major), int(minor)) if major.isdigit() and minor.isdigit() else None


def api_below(engine: EngineFacts, wanted: tuple[int, int]) -> bool:
    """Whether the engine's API version is known and older than ``wanted``."""
    version = api_version(engine)
    return version is not None and version < wanted


def api_evidence(engine: EngineFacts) -> Evidence:
    """Evidence citing ``ApiVersion`` in the engine's ``/version``."""
    return engine.evidence("ApiVersion", source="version")


def api_text(engine: EngineFacts) -> str:
    """The engine's API version as ``/version`` gives it, ``?`` when it gives none."""
    return str(engine.version.get("ApiVersion") or "?")


# -- the networks a service joins -----------------------------------------------------------


def host_network(engine: EngineFacts, service: SwarmServiceFacts) -> NetworkFacts | None:
    """The host network, when the service's tasks are attached to it."""
    targets = {
        str(attachment.get("Target", ""))
        for attachment in service.get(NETWORKS) or []
        if isinstance(attachment, dict)
    }
    for network in engine.networks:
        if network.driver == "host" and (
            network.name in targets or str(network.data.get("Id", "")) in targets
        ):
            return network
    return None


def network_targets(service: SwarmServiceFacts) -> tuple[str, list[str]]:
    """The spec field that lists the service's networks and their ``Target`` ids or names:
    ``Spec.TaskTemplate.Networks``, or the older ``Spec.Networks``."""
    for dotted in (NETWORKS, "Spec.Networks"):
        targets = [str(entry.get("Target", "")) for entry in dicts(service.get(dotted))]
        if targets:
            return dotted, [target for target in targets if target]
    return NETWORKS, []


def unlisted_networks(engine: EngineFacts, service: SwarmServiceFacts) -> list[str]:
    """The network targets of the service that ``/networks`` does not list. On a manager
    it lists every swarm network, so these are predefined ones, host, bridge or none,
    which the swarm knows by ids of its own."""
    # TODO: /networks/{id} would name them; the reader reads only the list.
    _, targets = network_targets(service)
    return [target for target in targets if find_network(engine, target) is None]


def unlisted_finding(service: SwarmServiceFacts, unlisted: list[str], risk: str) -> Finding:
    """UNKNOWN for a service on networks the engine does not list, which may be ``risk``."""
    return service_finding(
        service,
        Status.UNKNOWN,
        f"attached to networks the engine does not list ({names(unlisted)}): predefined ones "
        f"such as {risk} are not in /networks; check with docker network inspect",
        service.evidence(NETWORKS),
    )
