"""Live network detectors: published ports, privileged host ports, internal networks for
back ends and the default bridge (CIS 5.8, 5.14, 5.30)."""

from __future__ import annotations

from dataclasses import dataclass

from reviewtui.detect.compose_checks.findings import MAX_NAMED, names
from reviewtui.detect.live_checks.findings import Detector, per_container
from reviewtui.live.facts import ContainerFacts, EngineFacts, NetworkFacts
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose_views import ALL_INTERFACES

PRIVILEGED_PORT_LIMIT = 1024
"""Host ports below this one are privileged (CIS 5.8)."""
# NetworkMode values that put a container on the engine's default bridge, docker0.
_DEFAULT_BRIDGE_MODES = frozenset({"bridge", "default"})
DEFAULT_BRIDGE = "bridge"
"""The name of the engine's default bridge network, docker0."""
NO_DEFAULT_BRIDGE = "the engine has no default bridge (no network named bridge)"
"""Why an object the engine would put on docker0 cannot be there."""


@dataclass(frozen=True)
class Published:
    """One host port a container publishes: ``container_port`` is ``80/tcp``; an empty
    ``host_ip`` means all interfaces and an empty ``host_port`` one the engine picks."""

    container_port: str
    host_ip: str
    host_port: str
    evidence: Evidence

    @property
    def all_interfaces(self) -> bool:
        """Whether the port is open on every interface of the host."""
        return self.host_ip.strip() in ALL_INTERFACES

    @property
    def text(self) -> str:
        """How ``docker ps`` shows it: ``127.0.0.1:8443->443/tcp``."""
        port = self.host_port or "any"
        address = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        host = f"{address}:{port}" if address else port
        return f"{host}->{self.container_port}"


def _port_order(key: str) -> tuple[int, str]:
    number, _, protocol = key.partition("/")
    return (int(number) if number.isdigit() else 0, protocol)


def _bindings(container: ContainerFacts, field: str) -> list[Published]:
    """The bindings of ``HostConfig.PortBindings`` or ``NetworkSettings.Ports``."""
    value = container.get(field)
    found = []
    for key in sorted(value, key=_port_order) if isinstance(value, dict) else []:
        entries = value[key]
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                found.append(
                    Published(
                        str(key),
                        str(entry.get("HostIp") or ""),
                        str(entry.get("HostPort") or ""),
                        container.evidence(f"{field}.{key}"),
                    )
                )
    return found


def _publish_all(container: ContainerFacts, declared: list[Published]) -> list[Published]:
    """The exposed ports ``HostConfig.PublishAllPorts`` (``-P``) publishes on all
    interfaces, where no binding of their own says otherwise."""
    exposed = container.get("Config.ExposedPorts")
    if container.get("HostConfig.PublishAllPorts") is not True or not isinstance(exposed, dict):
        return []
    bound = {port.container_port for port in declared}
    evidence = container.evidence("HostConfig.PublishAllPorts")
    return [
        Published(str(key), "", "", evidence)
        for key in sorted(exposed, key=_port_order)
        if key not in bound
    ]


def published_ports(container: ContainerFacts) -> tuple[list[Published], bool]:
    """The ports ``container`` publishes, and whether they are the engine's own account.

    A container that runs has ``NetworkSettings.Ports``, where the engine says which
    address and port it really bound; one that does not is judged by what it asked for,
    ``HostConfig.PortBindings`` (and ``PublishAllPorts``).
    """
    running = _bindings(container, "NetworkSettings.Ports")
    if running:
        return running, True
    declared = _bindings(container, "HostConfig.PortBindings")
    return declared + _publish_all(container, declared), False


def _network_mode(container: ContainerFacts) -> str:
    return str(container.get("HostConfig.NetworkMode") or "").strip()


def _daemon_address(engine: EngineFacts) -> str | None:
    """The address the engine's daemon.json (``ip``) binds ports published without one."""
    if engine.daemon_config is None:
        return None
    address = engine.daemon_config.get("ip")
    if isinstance(address, str) and address.strip() not in ALL_INTERFACES:
        return address.strip()
    return None


def _port_bindings(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when every published port is bound to a host address; NOT_APPLICABLE without
    published ports (CIS 5.14). ``HostIp`` empty, ``0.0.0.0`` or ``::`` is every
    interface; a running container is judged by the addresses the engine bound."""
    if _network_mode(container) == "host":
        return Finding(
            container.target,
            Status.FAIL,
            "HostConfig.NetworkMode is host: every port it listens on is open on all "
            "host interfaces",
            (container.evidence("HostConfig.NetworkMode"),),
        )
    ports, bound = published_ports(container)
    if not ports:
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            "publishes no ports",
            (container.evidence("HostConfig.PortBindings"),),
        )
    open_ports = [port for port in ports if port.all_interfaces]
    if open_ports:
        reason = f"published on all interfaces: {names([port.text for port in open_ports])}"
        evidence = [port.evidence for port in open_ports]
        address = _daemon_address(engine)
        if address is not None and not bound and engine.daemon_config is not None:
            reason += (
                f"; {engine.daemon_config.path} sets ip {address}, which they bind to "
                "if that is the configuration the engine runs with"
            )
            evidence.append(engine.daemon_config.evidence("ip"))
        return Finding(container.target, Status.FAIL, reason, tuple(dict.fromkeys(evidence)))
    addresses = sorted({port.host_ip for port in ports})
    return Finding(
        container.target,
        Status.PASS,
        f"every published port is bound to {names(addresses)}",
        tuple(dict.fromkeys(port.evidence for port in ports[:MAX_NAMED])),
    )


def _host_port_numbers(port: Published) -> list[int] | None:
    """The first and last host port of a binding; empty when the engine picks it, None
    when it cannot be read."""
    text = port.host_port.strip()
    if not text:
        return []
    low, _, high = text.partition("-")
    try:
        return [int(low), int(high) if high else int(low)]
    except ValueError:
        return None


def _privileged_ports(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for a host port below 1024 (CIS 5.8); a port the engine picks, or above 1023,
    passes. Front doors on 80 and 443 fail too: CIS allows them as needed exceptions,
    which a reviewer records."""
    if _network_mode(container) == "host":
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            "HostConfig.NetworkMode is host: it publishes nothing, it listens on the host itself",
            (container.evidence("HostConfig.NetworkMode"),),
        )
    ports, _ = published_ports(container)
    if not ports:
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            "publishes no ports",
            (container.evidence("HostConfig.PortBindings"),),
        )
    low: list[Published] = []
    unread: list[Published] = []
    for port in ports:
        numbers = _host_port_numbers(port)
        if numbers is None:
            unread.append(port)
        elif numbers and numbers[0] < PRIVILEGED_PORT_LIMIT:
            low.append(port)
    if low:
        return Finding(
            container.target,
            Status.FAIL,
            "publishes privileged host ports (below 1024): "
            + names(list(dict.fromkeys(port.host_port for port in low))),
            tuple(dict.fromkeys(port.evidence for port in low)),
        )
    if unread:
        return Finding(
            container.target,
            Status.UNKNOWN,
            f"cannot tell the host port of {names([port.text for port in unread])}",
            tuple(dict.fromkeys(port.evidence for port in unread)),
        )
    published = list(dict.fromkeys(port.host_port or "any" for port in ports))
    return Finding(
        container.target,
        Status.PASS,
        f"host ports are 1024 or above, or picked by the engine: {names(published)}",
        tuple(dict.fromkeys(port.evidence for port in ports[:MAX_NAMED])),
    )


def _joined(container: ContainerFacts) -> list[str]:
    """The names of the networks the container is attached to (or asked to be)."""
    networks = container.get("NetworkSettings.Networks")
    if isinstance(networks, dict) and networks:
        return sorted(str(name) for name in networks)
    mode = _network_mode(container)
    if mode.lower() in _DEFAULT_BRIDGE_MODES or not mode:
        return [DEFAULT_BRIDGE]
    return [mode]


def find_network(engine: EngineFacts, name: str) -> NetworkFacts | None:
    """The engine's network of that name (or id, which NetworkMode may hold)."""
    for network in engine.networks:
        if network.name == name:
            return network
    for network in engine.networks:
        network_id = str(network.data.get("Id", ""))
        if len(name) >= 12 and network_id.startswith(name):
            return network
    return None


def lacks_default_bridge(engine: EngineFacts) -> bool:
    """Whether the engine lists its networks and none is named bridge: dockerd runs with
    ``--bridge=none``, so no container can be on docker0 there."""
    return bool(engine.networks) and all(n.name != DEFAULT_BRIDGE for n in engine.networks)


def networks_evidence(engine: EngineFacts) -> Evidence:
    """Evidence naming every network the engine lists (``/networks``)."""
    listed = ", ".join(sorted(network.name for network in engine.networks)) or "none at all"
    return Evidence(f"{engine.host}: engine /networks", None, listed, "Name")


def _network_segmentation(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """Back ends (containers that publish no ports) should join only internal networks.
    Front ends, which must be reachable, are not applicable; ``NetworkMode`` none passes,
    host fails; the default bridge is never internal (on an engine without one, a back end
    meant for it cannot start and the item does not apply); a user-defined network is
    judged by its ``Internal`` flag on the engine."""
    mode = _network_mode(container)
    mode_evidence = container.evidence("HostConfig.NetworkMode")
    if mode == "none":
        return Finding(
            container.target,
            Status.PASS,
            "HostConfig.NetworkMode is none: no network at all",
            (mode_evidence,),
        )
    if mode == "host":
        return Finding(
            container.target,
            Status.FAIL,
            "HostConfig.NetworkMode is host: on the host's own network",
            (mode_evidence,),
        )
    if mode.startswith("container:"):
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            f"shares the network of {mode}",
            (mode_evidence,),
        )
    ports, _ = published_ports(container)
    if ports:
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            "a front end: it publishes ports",
            tuple(dict.fromkeys(port.evidence for port in ports[:MAX_NAMED])),
        )
    return _back_end_networks(engine, container)


def _back_end_networks(engine: EngineFacts, container: ContainerFacts) -> Finding:
    joined = _joined(container)
    evidence: list[Evidence] = [container.evidence("NetworkSettings.Networks", joined)]
    if joined == [DEFAULT_BRIDGE] and lacks_default_bridge(engine):
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            f"a back end meant for the default bridge, but {NO_DEFAULT_BRIDGE}: "
            "the container cannot start on it",
            (*evidence, networks_evidence(engine)),
        )
    open_networks: list[str] = []
    unlisted: list[str] = []
    for name in joined:
        if name == DEFAULT_BRIDGE:
            open_networks.append(name)  # docker0 cannot be made internal
            continue
        network = find_network(engine, name)
        if network is None:
            unlisted.append(name)
            continue
        evidence.append(network.evidence("Internal"))
        if network.get("Internal") is not True:
            open_networks.append(name)
    if open_networks:
        return Finding(
            container.target,
            Status.FAIL,
            "a back end (no published ports) on networks that are not internal: "
            f"{names(open_networks)}",
            tuple(evidence),
        )
    if unlisted:
        return Finding(
            container.target,
            Status.UNKNOWN,
            f"a back end on networks the engine does not list: {names(unlisted)}; "
            "cannot tell whether they are internal",
            tuple(evidence),
        )
    return Finding(
        container.target,
        Status.PASS,
        f"a back end only on internal networks: {names(joined)}",
        tuple(evidence),
    )


def _default_bridge(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when the container is on the engine's default bridge, docker0 (CIS 5.30):
    ``NetworkMode`` default or bridge, or attached to the network named bridge.
    NetworkMode none passes; host and container:... join no network of their own. On an
    engine without a network named bridge (dockerd ``--bridge=none``) a container meant
    for docker0 cannot start, and the item does not apply to it."""
    mode = _network_mode(container)
    mode_evidence = container.evidence("HostConfig.NetworkMode")
    if mode.lower() in _DEFAULT_BRIDGE_MODES and lacks_default_bridge(engine):
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            f"HostConfig.NetworkMode is {mode}, but {NO_DEFAULT_BRIDGE}: the container "
            "cannot start on it",
            (mode_evidence, networks_evidence(engine)),
        )
    if mode.lower() in _DEFAULT_BRIDGE_MODES:
        # TODO: on a Windows engine, default is the nat network, not docker0.
        return Finding(
            container.target,
            Status.FAIL,
            f"HostConfig.NetworkMode is {mode}: it is on docker0, shared with every "
            "container started without a network",
            (mode_evidence,),
        )
    if mode == "none":
        return Finding(
            container.target,
            Status.PASS,
            "HostConfig.NetworkMode is none: no network at all",
            (mode_evidence,),
        )
    if mode == "host" or mode.startswith("container:"):
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            f"HostConfig.NetworkMode is {mode}: it does not join networks of its own",
            (mode_evidence,),
        )
    joined = _joined(container)
    if DEFAULT_BRIDGE in joined:
        return Finding(
            container.target,
            Status.FAIL,
            "attached to the network bridge: docker0, shared with every container "
            "started without a network",
            (mode_evidence, container.evidence("NetworkSettings.Networks", joined)),
        )
    return Finding(
        container.target,
        Status.PASS,
        f"on user-defined networks, not docker0: {names(joined)}",
        (mode_evidence, container.evidence("NetworkSettings.Networks", joined)),
    )


port_bindings = per_container(_port_bindings)
privileged_ports = per_container(_privileged_ports)
network_segmentation = per_container(_network_segmentation)
default_bridge = per_container(_default_bridge)

DETECTORS: dict[str, Detector] = {
    "port_bindings": port_bindings,
    "privileged_ports": privileged_ports,
    "network_segmentation": network_segmentation,
    "default_bridge": default_bridge,
}
"""The detectors of this module, by the names the checklists use."""
