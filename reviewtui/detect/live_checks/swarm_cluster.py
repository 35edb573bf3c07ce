"""Live swarm detectors for the swarm's own settings: auto-lock, encrypted overlay
networks and node certificate expiry (CIS 7.3, 7.5, 7.7).

The swarm detectors read ``/swarm`` and the overlay networks of ``/networks`` on a
manager, and say for every other engine why it has no swarm to judge.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks.findings import Detector, combine, per_engine, per_swarm
from reviewtui.detect.live_checks.swarm_common import NANOSECONDS
from reviewtui.live.facts import EngineFacts, NetworkFacts, SwarmFacts
from reviewtui.model import Evidence, Finding, Status

_DAY = 86_400 * NANOSECONDS
# CIS 7.7 leaves "as appropriate" to the reader; swarm's own default is 90 days.
_MAX_CERT_DAYS = 90


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
    return f"{nanoseconds / (3600 * NANOSECONDS):g} hours"


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


# -- engines that manage no swarm -----------------------------------------------------------


def _not_a_manager(engine: EngineFacts, item: str) -> Finding | None:
    """The finding for a swarm-only item on an engine whose swarm was not read: it is in
    no swarm (NOT_APPLICABLE), a worker (UNKNOWN: only managers hold the swarm's
    settings), or a node whose swarm is pending, in error or locked (UNKNOWN; a locked
    manager proves auto-lock on). None for a manager, whose swarm is judged."""
    if engine.swarm is not None:
        return None
    state_field = "Swarm.LocalNodeState"
    node = engine.info.get("Swarm")
    node = node if isinstance(node, dict) else {}
    state = str(node.get("LocalNodeState") or "").strip().lower()
    manager = node.get("ControlAvailable") is True
    evidence = [engine.evidence(state_field)]
    if state in ("", "inactive"):
        return Finding(
            engine.target,
            Status.NOT_APPLICABLE,
            f"not part of a swarm: Swarm.LocalNodeState is {state}"
            if state
            else "not part of a swarm: /info reports no Swarm.LocalNodeState",
            tuple(evidence),
        )
    if state == "locked" and item == "swarm_autolock":
        return Finding(
            engine.target,
            Status.PASS,
            "Swarm.LocalNodeState is locked: the managers auto-lock, and this one waits for "
            "its unlock key",
            tuple(evidence),
        )
    if state == "active" and not manager:
        reason = "a swarm worker: ask a manager; only managers hold the swarm's settings"
        evidence.append(engine.evidence("Swarm.ControlAvailable"))
    elif state == "active":
        reason = "a swarm manager whose /swarm was not read: check it with docker info"
    else:
        reason = f"Swarm.LocalNodeState is {state}: the swarm's settings cannot be read here"
    return Finding(engine.target, Status.UNKNOWN, reason, tuple(evidence))


def _off_swarm(item: str) -> Detector:
    """A detector giving ``item``'s finding for each engine that manages no swarm."""

    def check(engine: EngineFacts) -> Finding | None:
        return _not_a_manager(engine, item)

    check.__name__ = f"_{item}_off_swarm"
    check.__doc__ = _not_a_manager.__doc__
    return per_engine(check)


def _swarm_item(item: str, check: Callable[[EngineFacts, SwarmFacts], Finding]) -> Detector:
    """A swarm-only item: judged on each manager's swarm, and answered for every other
    reachable engine."""
    return combine(per_swarm(check), _off_swarm(item))


DETECTORS: dict[str, Detector] = {
    "swarm_autolock": _swarm_item("swarm_autolock", _swarm_autolock),
    "overlay_encryption": _swarm_item("overlay_encryption", _overlay_encryption),
    "swarm_cert_rotation": _swarm_item("swarm_cert_rotation", _swarm_cert_rotation),
}
"""The detectors of this module, by the names the checklists use."""
