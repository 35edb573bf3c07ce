"""Network detectors: published ports, privileged host ports, the default bridge and
internal networks for back ends (CIS 5.8, 5.14, 5.30)."""

from __future__ import annotations

from reviewtui.detect.compose_checks.findings import (
    MAX_NAMED,
    Check,
    finding,
    names,
    per_service,
    per_service_with_facts,
)
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import ALL_INTERFACES, PortBinding, is_true
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

_PRIVILEGED_PORT_LIMIT = 1024
# ``network_mode`` values that put a container on the engine's default bridge, docker0.
_DEFAULT_BRIDGE_MODES = frozenset({"bridge", "default"})


def _daemon_bind_address(daemons: list[DaemonConfig]) -> DaemonConfig | None:
    """A daemon.json whose ``ip`` makes ports published without an address bind to one."""
    for config in daemons:
        address = config.get("ip")
        if isinstance(address, str) and address.strip() not in ALL_INTERFACES:
            return config
    return None


def _port_bindings_for(facts: ProjectFacts) -> Check:
    """PASS when every published port names a host address; NOT_APPLICABLE without
    published ports (CIS 5.14). A daemon.json in the project whose ``ip`` names an address
    is mentioned: on that daemon, ports published without an address bind to it."""
    daemon = _daemon_bind_address(list(facts.daemon_configs))

    def check(project: ComposeProject, service: ComposeService) -> Finding:
        result = _port_bindings(service)
        if result.status is not Status.FAIL or daemon is None or not service.ports():
            return result
        note = (
            f"; {daemon.path} sets ip {daemon.get('ip')}, which they bind to "
            "if that is the daemon that runs them"
        )
        return finding(
            service,
            result.status,
            result.reason + note,
            *result.evidence,
            daemon.evidence("ip"),
        )

    return check


def _port_bindings(service: ComposeService) -> Finding:
    """PASS when every published port names a host address; NOT_APPLICABLE without
    published ports (CIS 5.14)."""
    if str(service.get("network_mode", default="")).lower() == "host":
        return finding(
            service,
            Status.FAIL,
            "network_mode: host: every port it listens on is open on all host interfaces",
            service.evidence("network_mode"),
        )
    ports = service.ports()
    if not ports:
        return finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence("ports")
        )
    open_ports = [port for port in ports if port.all_interfaces]
    if open_ports:
        return finding(
            service,
            Status.FAIL,
            f"published on all interfaces: {names([port.text for port in open_ports])}",
            *(service.evidence_at(port.location) for port in open_ports),
        )
    addresses = sorted({port.host_ip for port in ports})
    return finding(
        service,
        Status.PASS,
        f"every published port is bound to {names(addresses)}",
        *(service.evidence_at(port.location) for port in ports[:MAX_NAMED]),
    )


def _network_segmentation(project: ComposeProject, service: ComposeService) -> Finding:
    """Back ends (services that publish no ports) should join only ``internal: true``
    networks. Front ends, which must be reachable, and single-service projects are
    not applicable; ``network_mode: none`` passes; a network declared ``external`` is
    judged by a person, as its settings live elsewhere."""
    mode = str(service.get("network_mode", default="")).strip().lower()
    if mode == "none":
        return finding(
            service,
            Status.PASS,
            "network_mode: none: no network at all",
            service.evidence("network_mode"),
        )
    if mode == "host":
        return finding(
            service,
            Status.FAIL,
            "network_mode: host: on the host's own network",
            service.evidence("network_mode"),
        )
    if mode.startswith(("service:", "container:")):
        return finding(
            service,
            Status.NOT_APPLICABLE,
            f"shares the network of {mode}",
            service.evidence("network_mode"),
        )
    if len(project.services) < 2:
        return finding(service, Status.NOT_APPLICABLE, "the only service of its project")
    if service.ports():
        return finding(
            service,
            Status.NOT_APPLICABLE,
            "a front end: it publishes ports",
            service.evidence("ports"),
        )
    return _back_end_networks(project, service)


def _back_end_networks(project: ComposeProject, service: ComposeService) -> Finding:
    attached = service.get("networks")
    joined = (
        [str(name) for name in attached]
        if isinstance(attached, dict) and attached
        else ["default"]
    )
    open_networks, external = [], []
    for name in joined:
        declared = project.networks.get(name)
        if isinstance(declared, dict) and is_true(declared.get("external")):
            external.append(name)
        elif not (isinstance(declared, dict) and is_true(declared.get("internal"))):
            open_networks.append(name)
    evidence = service.evidence("networks")
    if open_networks:
        return finding(
            service,
            Status.FAIL,
            f"a back end (no published ports) on "
            f"networks that are not internal: {names(open_networks)}",
            evidence,
        )
    if external:
        return finding(
            service,
            Status.UNKNOWN,
            f"a back end on external networks "
            f"{names(external)}: their settings live outside this project",
            evidence,
        )
    return finding(
        service, Status.PASS, f"a back end only on internal networks: {names(joined)}", evidence
    )


def _published_numbers(port: PortBinding) -> list[int] | None:
    """The host ports a binding publishes; None when they cannot be read."""
    text = port.published.strip()
    if not text:
        return []
    low, _, high = text.partition("-")
    try:
        first = int(low)
        last = int(high) if high else first
    except ValueError:
        return None
    return [first, last]


def _privileged_ports(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for a host port below 1024 (CIS 5.8); a port the engine picks, or above 1023,
    passes. Front doors such as a load balancer on 80 and 443 fail too: CIS allows them
    as needed exceptions, which a reviewer records."""
    if str(service.get("network_mode", default="")).strip().lower() == "host":
        return finding(
            service,
            Status.NOT_APPLICABLE,
            "network_mode: host: it publishes nothing, it listens on the host itself",
            service.evidence("network_mode"),
        )
    ports = service.ports()
    if not ports:
        return finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence("ports")
        )
    low: list[PortBinding] = []
    unread: list[PortBinding] = []
    for port in ports:
        numbers = _published_numbers(port)
        if numbers is None or (port.from_unset_variable and not port.published):
            unread.append(port)
        elif numbers and numbers[0] < _PRIVILEGED_PORT_LIMIT:
            low.append(port)
    if low:
        return finding(
            service,
            Status.FAIL,
            "publishes privileged host ports (below 1024): "
            + names(list(dict.fromkeys(port.published for port in low))),
            *(service.evidence_at(port.location) for port in low),
        )
    if unread:
        return finding(
            service,
            Status.UNKNOWN,
            f"cannot tell the host port of {names([p.text for p in unread])}",
            *(service.evidence_at(port.location) for port in unread),
        )
    published = [port.published or "any" for port in ports]
    return finding(
        service,
        Status.PASS,
        f"host ports are 1024 or above, or picked by the engine: {names(published)}",
        *(service.evidence_at(port.location) for port in ports[:MAX_NAMED]),
    )


def _bridge_network(project: ComposeProject, name: str) -> bool:
    """True when the project's network ``name`` is the engine's default bridge, declared
    ``external`` under the name ``bridge``."""
    declared = project.networks.get(name)
    if not isinstance(declared, dict):
        return False
    external = declared.get("external")
    real_name = declared.get("name")
    if isinstance(external, dict):  # the old ``external: {name: bridge}`` form
        real_name = external.get("name", real_name)
        external = True
    return is_true(external) and str(real_name or name).strip().lower() == "bridge"


def _default_bridge(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL when the service joins the engine's default bridge, docker0 (CIS 5.30), with
    ``network_mode: bridge`` or an external network named ``bridge``. A service without
    ``networks:`` is on the project's own default network, which compose creates, and
    passes."""
    mode = str(service.get("network_mode", default="")).strip().lower()
    if mode in _DEFAULT_BRIDGE_MODES:
        return finding(
            service,
            Status.FAIL,
            f"network_mode: {mode} puts it on docker0, shared with every container "
            "started without a network",
            service.evidence("network_mode"),
        )
    if mode == "none":
        return finding(
            service,
            Status.PASS,
            "network_mode: none: no network at all",
            service.evidence("network_mode"),
        )
    if mode:
        return finding(
            service,
            Status.NOT_APPLICABLE,
            f"network_mode: {mode}: it does not join networks of its own",
            service.evidence("network_mode"),
        )
    attached = service.get("networks")
    joined = [str(name) for name in attached] if isinstance(attached, dict) and attached else []
    bridged = [name for name in joined or ["default"] if _bridge_network(project, name)]
    if bridged:
        return finding(
            service,
            Status.FAIL,
            f"joins {names(bridged)}, the external network bridge: docker0, shared "
            "with every container started without a network",
            service.evidence("networks"),
            *(service.evidence_at(project.networks[name].location) for name in bridged),
        )
    if not joined:
        return finding(
            service,
            Status.PASS,
            "on the project's default network, which compose creates, not docker0",
            service.evidence("networks"),
        )
    return finding(
        service,
        Status.PASS,
        f"on the project's networks, not docker0: {names(joined)}",
        service.evidence("networks"),
    )


port_bindings = per_service_with_facts(_port_bindings_for)
network_segmentation = per_service(_network_segmentation)
privileged_ports = per_service(_privileged_ports)
default_bridge = per_service(_default_bridge)

DETECTORS = {
    "port_bindings": port_bindings,
    "network_segmentation": network_segmentation,
    "privileged_ports": privileged_ports,
    "default_bridge": default_bridge,
}
"""The detectors of this module, by the names the checklists use."""
