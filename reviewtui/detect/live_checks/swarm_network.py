"""Live swarm service detectors for networks: published ports, privileged host ports,
internal networks for back ends and the default bridge (CIS 5.8, 5.30)."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks.container_network import (
    DEFAULT_BRIDGE,
    NO_DEFAULT_BRIDGE,
    PRIVILEGED_PORT_LIMIT,
    find_network,
    lacks_default_bridge,
    networks_evidence,
)
from reviewtui.detect.live_checks.findings import Detector, per_swarm_service
from reviewtui.detect.live_checks.swarm_common import (
    NETWORKS,
    dicts,
    host_network,
    network_targets,
    service_finding,
    unlisted_finding,
    unlisted_networks,
)
from reviewtui.live.facts import EngineFacts, SwarmServiceFacts
from reviewtui.model import Finding, Status

_PORTS = "Spec.EndpointSpec.Ports"


# -- published ports ------------------------------------------------------------------------


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
    host = host_network(engine, service)
    if host is not None:
        return service_finding(
            service,
            Status.FAIL,
            "attached to the host network: every port it listens on is open on the node's "
            "interfaces",
            service.evidence(NETWORKS),
        )
    ports = [port for port in service.get(_PORTS) or [] if isinstance(port, dict)]
    unlisted = unlisted_networks(engine, service)
    if not ports and unlisted:
        return unlisted_finding(service, unlisted, "host")
    if not ports:
        return service_finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence(_PORTS)
        )
    ingress = [port for port in ports if port.get("PublishMode", "ingress") == "ingress"]
    evidence = [service.evidence(_PORTS, port) for port in ports[:8]]
    if ingress:
        return service_finding(
            service,
            Status.FAIL,
            "published through the routing mesh on every interface of every node: "
            f"{names([_port_text(port) for port in ingress])}",
            *evidence,
        )
    return service_finding(
        service,
        Status.FAIL,
        "published in host mode on every interface of each node that runs a task: "
        f"{names([_port_text(port) for port in ports])}; a service cannot bind to one address",
        *evidence,
    )


# -- ports and networks ---------------------------------------------------------------------


def _ports(service: SwarmServiceFacts) -> list[dict[str, Any]]:
    return dicts(service.get(_PORTS))


def _published_port(port: dict[str, Any]) -> int | None:
    """The node port a published port takes; None when the swarm picks one."""
    value = port.get("PublishedPort")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _privileged_ports(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for a ``PublishedPort`` below 1024 in ``Spec.EndpointSpec.Ports``, in ingress
    or host mode alike: each takes that port on the nodes (CIS 5.8). A port the swarm
    picks (from 30000 up) passes; NOT_APPLICABLE without published ports or on the host
    network."""
    if host_network(engine, service) is not None:
        return service_finding(
            service,
            Status.NOT_APPLICABLE,
            "attached to the host network: it publishes nothing, it listens on the node itself",
            service.evidence(NETWORKS),
        )
    ports = _ports(service)
    if not ports:
        return service_finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence(_PORTS)
        )
    low = [p for p in ports if (n := _published_port(p)) is not None and n < PRIVILEGED_PORT_LIMIT]
    if low:
        return service_finding(
            service,
            Status.FAIL,
            "publishes privileged host ports (below 1024): "
            + names(list(dict.fromkeys(str(_published_port(port)) for port in low))),
            *(service.evidence(_PORTS, port) for port in low[:8]),
        )
    published = list(dict.fromkeys(str(_published_port(port) or "any") for port in ports))
    return service_finding(
        service,
        Status.PASS,
        f"host ports are 1024 or above, or picked by the swarm: {names(published)}",
        *(service.evidence(_PORTS, port) for port in ports[:8]),
    )


def _ingress_ports(service: SwarmServiceFacts) -> list[dict[str, Any]]:
    return [p for p in _ports(service) if p.get("PublishMode", "ingress") == "ingress"]


def _on_default_bridge(
    engine: EngineFacts, service: SwarmServiceFacts, what: str, fail: str
) -> Finding:
    """The finding for a service whose tasks join each node's default bridge: FAIL with
    ``fail``; UNKNOWN on an engine that has none, where such tasks cannot start (other
    nodes may have one)."""
    evidence = [service.evidence(NETWORKS)]
    if lacks_default_bridge(engine):
        return service_finding(
            service,
            Status.UNKNOWN,
            f"{what}: its tasks join each node's default bridge, and {NO_DEFAULT_BRIDGE} "
            "here: check the nodes",
            *evidence,
            networks_evidence(engine),
        )
    return service_finding(service, Status.FAIL, f"{what}: {fail}", *evidence)


def _network_segmentation(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Back ends (services that publish no ports) should join only internal networks.
    Front ends are not applicable; the host network fails; a service without networks
    has its tasks on each node's default bridge, which is never internal; an attached
    network is judged by its ``Internal`` flag on the engine."""
    if host_network(engine, service) is not None:
        return service_finding(
            service,
            Status.FAIL,
            "attached to the host network: on the node's own network",
            service.evidence(NETWORKS),
        )
    ports = _ports(service)
    if ports:
        return service_finding(
            service,
            Status.NOT_APPLICABLE,
            "a front end: it publishes ports",
            *(service.evidence(_PORTS, port) for port in ports[:8]),
        )
    dotted, targets = network_targets(service)
    if not targets:
        return _on_default_bridge(
            engine,
            service,
            "a back end (no published ports) with no network of its own",
            "its tasks join the default bridge of their node, which is never internal",
        )
    evidence = [service.evidence(dotted)]
    open_networks: list[str] = []
    unlisted: list[str] = []
    joined: list[str] = []
    for target in targets:
        network = find_network(engine, target)
        if network is None:
            unlisted.append(target)
            joined.append(target)
            continue
        joined.append(network.name)
        evidence.append(network.evidence("Internal"))
        if network.get("Internal") is not True:
            open_networks.append(network.name)
    if open_networks:
        return service_finding(
            service,
            Status.FAIL,
            "a back end (no published ports) on networks that are not internal: "
            f"{names(open_networks)}",
            *evidence,
        )
    if unlisted:
        return service_finding(
            service,
            Status.UNKNOWN,
            f"a back end on networks the engine does not list: {names(unlisted)}; "
            "cannot tell whether they are internal",
            *evidence,
        )
    return service_finding(
        service, Status.PASS, f"a back end only on internal networks: {names(joined)}", *evidence
    )


def _default_bridge(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL when the service's tasks are on each node's default bridge, docker0 (CIS
    5.30): attached to the network named bridge, or to no network and publishing no port
    through the routing mesh (whose tasks join the ingress network instead). The host
    network is not applicable; a network the engine does not list (the swarm's copies of
    bridge and host are not in ``/networks``) is left to a person."""
    if host_network(engine, service) is not None:
        return service_finding(
            service,
            Status.NOT_APPLICABLE,
            "attached to the host network: it joins no network of its own",
            service.evidence(NETWORKS),
        )
    unlisted = unlisted_networks(engine, service)
    if unlisted:
        return unlisted_finding(service, unlisted, "bridge and host")
    dotted, targets = network_targets(service)
    found = [(target, find_network(engine, target)) for target in targets]
    joined = [network.name if network is not None else target for target, network in found]
    if DEFAULT_BRIDGE in joined:
        return service_finding(
            service,
            Status.FAIL,
            "attached to the network bridge: docker0, shared with every container started "
            "without a network",
            service.evidence(dotted),
        )
    if joined:
        return service_finding(
            service,
            Status.PASS,
            f"on swarm networks, not docker0: {names(joined)}",
            service.evidence(dotted),
        )
    ingress = _ingress_ports(service)
    if ingress:
        return service_finding(
            service,
            Status.PASS,
            "published through the routing mesh: its tasks join the ingress network, not docker0",
            service.evidence(NETWORKS),
            *(service.evidence(_PORTS, port) for port in ingress[:8]),
        )
    return _on_default_bridge(
        engine,
        service,
        "attached to no network",
        "its tasks join docker0, shared with every container started without a network",
    )


DETECTORS: dict[str, Detector] = {
    "port_bindings": per_swarm_service(_port_bindings),
    "privileged_ports": per_swarm_service(_privileged_ports),
    "network_segmentation": per_swarm_service(_network_segmentation),
    "default_bridge": per_swarm_service(_default_bridge),
}
"""The detectors of this module, by the names the checklists use."""
