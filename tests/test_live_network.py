"""Live network detectors against the rig's containers and hand-written inspect data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.container_network import DETECTORS
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import ContainerFacts, EngineFacts, NetworkFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

INTERNAL_NET = engine_rig.PREFIX + "net-internal"
OPEN_NET = engine_rig.PREFIX + "net-open"
ON_INTERNAL = engine_rig.PREFIX + "net-on-internal"
ON_OPEN = engine_rig.PREFIX + "net-on-open"
ON_DEFAULT = engine_rig.PREFIX + "net-default"
LOOPBACK = engine_rig.PREFIX + "net-loopback"
HOST = engine_rig.PREFIX + "net-host"
PUBLISH_ALL = engine_rig.PREFIX + "net-publish-all"
CONTAINERS = (ON_INTERNAL, ON_OPEN, ON_DEFAULT, LOOPBACK, HOST, PUBLISH_ALL)
LABELS = ("--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL)
NO_NETWORK = ("hardened", "weak-running", "privileged")


def _create(name: str, *args: str, image: str = engine_rig.BASE_IMAGE) -> None:
    engine_rig.docker(
        "create", "--pull", "never", "--name", name, *LABELS, *args, image, "sleep", "3600"
    )


@pytest.fixture(scope="module")
def facts(
    live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectFacts]:
    """The engine read once, with an internal and an open network of this module's own
    and containers on them, on the default bridge without ports, with ports on loopback
    only, on the host network and with -P (the weak image exposes 22). They are created,
    never started."""
    try:
        engine_rig.docker("network", "create", *LABELS, "--internal", INTERNAL_NET)
        engine_rig.docker("network", "create", *LABELS, OPEN_NET)
        _create(ON_INTERNAL, "--network", INTERNAL_NET)
        _create(ON_OPEN, "--network", OPEN_NET)
        _create(ON_DEFAULT)
        _create(LOOPBACK, "-p", "127.0.0.1:8443:443", "-p", "127.0.0.1::5000")
        _create(HOST, "--network", "host")
        _create(PUBLISH_ALL, "-P", image=engine_rig.WEAK_IMAGE)
        (engine,) = read_engines(LiveSettings(all_containers=True))
        assert engine.error is None, engine.error
        yield ProjectFacts(root=tmp_path_factory.mktemp("network"), engines=[engine])
    finally:
        engine_rig.docker("rm", "-f", *CONTAINERS, check=False)
        engine_rig.docker("network", "rm", INTERNAL_NET, OPEN_NET, check=False)


def _by_name(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {f.target.name: f for f in DETECTORS[detector](facts)}


def test_port_bindings_on_the_rig(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "port_bindings")
    weak = found[live_rig.container("weak")]
    assert weak.status is Status.FAIL
    assert weak.reason == "published on all interfaces: 8080->80/tcp, 80->8081/tcp"
    assert live_helpers.cited(weak) == [
        ("HostConfig.PortBindings.80/tcp", '[{"HostIp": "", "HostPort": "8080"}]'),
        ("HostConfig.PortBindings.8081/tcp", '[{"HostIp": "", "HostPort": "80"}]'),
    ]
    assert weak.evidence[0].path == f"default: container {live_rig.container('weak')}"
    for short in NO_NETWORK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.NOT_APPLICABLE
        assert finding.reason == "publishes no ports"
        assert live_helpers.cited(finding) == [("HostConfig.PortBindings", "{}")]


def test_port_bindings_of_own_containers(facts: ProjectFacts) -> None:
    found = _by_name(facts, "port_bindings")
    loopback = found[LOOPBACK]
    assert loopback.status is Status.PASS
    assert loopback.reason == "every published port is bound to 127.0.0.1"
    assert [e.field for e in loopback.evidence] == [
        "HostConfig.PortBindings.443/tcp",
        "HostConfig.PortBindings.5000/tcp",
    ]
    host = found[HOST]
    assert host.status is Status.FAIL
    assert host.reason == (
        "HostConfig.NetworkMode is host: every port it listens on is open on all host interfaces"
    )
    assert live_helpers.cited(host) == [("HostConfig.NetworkMode", "host")]
    publish_all = found[PUBLISH_ALL]
    assert publish_all.status is Status.FAIL
    assert publish_all.reason == "published on all interfaces: any->22/tcp"
    assert live_helpers.cited(publish_all) == [("HostConfig.PublishAllPorts", "true")]
    assert found[ON_DEFAULT].status is Status.NOT_APPLICABLE


def test_privileged_ports(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "privileged_ports")
    weak = found[live_rig.container("weak")]
    assert weak.status is Status.FAIL
    assert weak.reason == "publishes privileged host ports (below 1024): 80"
    assert live_helpers.cited(weak) == [
        ("HostConfig.PortBindings.8081/tcp", '[{"HostIp": "", "HostPort": "80"}]')
    ]
    for short in NO_NETWORK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.NOT_APPLICABLE
        assert finding.reason == "publishes no ports"
        assert live_helpers.cited(finding) == [("HostConfig.PortBindings", "{}")]
    loopback = found[LOOPBACK]
    assert loopback.status is Status.PASS
    assert loopback.reason == "host ports are 1024 or above, or picked by the engine: 8443, any"
    assert found[HOST].status is Status.NOT_APPLICABLE
    assert found[HOST].reason == (
        "HostConfig.NetworkMode is host: it publishes nothing, it listens on the host itself"
    )
    assert found[PUBLISH_ALL].status is Status.PASS


def test_network_segmentation(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "network_segmentation")
    for short in NO_NETWORK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS
        assert finding.reason == "HostConfig.NetworkMode is none: no network at all"
        assert live_helpers.cited(finding) == [("HostConfig.NetworkMode", "none")]
    weak = found[live_rig.container("weak")]
    assert weak.status is Status.NOT_APPLICABLE
    assert weak.reason == "a front end: it publishes ports"
    assert weak.evidence[0].field == "HostConfig.PortBindings.80/tcp"

    internal = found[ON_INTERNAL]
    assert internal.status is Status.PASS
    assert internal.reason == f"a back end only on internal networks: {INTERNAL_NET}"
    assert live_helpers.cited(internal) == [
        ("NetworkSettings.Networks", f'["{INTERNAL_NET}"]'),
        ("Internal", "true"),
    ]
    assert internal.evidence[1].path == f"default: network {INTERNAL_NET}"
    on_open = found[ON_OPEN]
    assert on_open.status is Status.FAIL
    assert on_open.reason == (
        f"a back end (no published ports) on networks that are not internal: {OPEN_NET}"
    )
    assert live_helpers.cited(on_open)[1] == ("Internal", "false")
    on_default = found[ON_DEFAULT]
    if _has_bridge(facts):
        assert on_default.status is Status.FAIL
        assert on_default.reason == (
            "a back end (no published ports) on networks that are not internal: bridge"
        )
        assert live_helpers.cited(on_default) == [("NetworkSettings.Networks", '["bridge"]')]
    else:
        assert on_default.status is Status.NOT_APPLICABLE
        assert on_default.reason == (
            "a back end meant for the default bridge, but the engine has no default bridge "
            "(no network named bridge): the container cannot start on it"
        )
        assert live_helpers.cited(on_default)[0] == ("NetworkSettings.Networks", '["bridge"]')
        assert on_default.evidence[1].path == "default: engine /networks"
    assert found[HOST].status is Status.FAIL
    assert found[HOST].reason == "HostConfig.NetworkMode is host: on the host's own network"
    assert found[LOOPBACK].status is Status.NOT_APPLICABLE


def _has_bridge(facts: ProjectFacts) -> bool:
    """Whether the rig's engine has a default bridge (dockerd without --bridge=none)."""
    return any(network.name == "bridge" for network in facts.engines[0].networks)


def test_default_bridge(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "default_bridge")
    weak = found[live_rig.container("weak")]
    if _has_bridge(facts):
        assert weak.status is Status.FAIL
        assert weak.reason == (
            "HostConfig.NetworkMode is default: it is on docker0, shared with every container "
            "started without a network"
        )
        assert live_helpers.cited(weak) == [("HostConfig.NetworkMode", "default")]
    else:
        assert weak.status is Status.NOT_APPLICABLE
        assert weak.reason == (
            "HostConfig.NetworkMode is default, but the engine has no default bridge (no "
            "network named bridge): the container cannot start on it"
        )
        assert live_helpers.cited(weak)[0] == ("HostConfig.NetworkMode", "default")
        assert weak.evidence[1].field == "Name"
        assert "none" in weak.evidence[1].snippet.split(", ")
        assert "bridge" not in weak.evidence[1].snippet.split(", ")
    for short in NO_NETWORK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS
        assert finding.reason == "HostConfig.NetworkMode is none: no network at all"
        assert live_helpers.cited(finding) == [("HostConfig.NetworkMode", "none")]
    internal = found[ON_INTERNAL]
    assert internal.status is Status.PASS
    assert internal.reason == f"on user-defined networks, not docker0: {INTERNAL_NET}"
    assert live_helpers.cited(internal) == [
        ("HostConfig.NetworkMode", INTERNAL_NET),
        ("NetworkSettings.Networks", f'["{INTERNAL_NET}"]'),
    ]
    expected = Status.FAIL if _has_bridge(facts) else Status.NOT_APPLICABLE
    assert found[ON_DEFAULT].status is expected
    assert found[HOST].status is Status.NOT_APPLICABLE
    assert found[HOST].reason == (
        "HostConfig.NetworkMode is host: it does not join networks of its own"
    )


def test_no_planted_secret_in_any_finding(facts: ProjectFacts) -> None:
    planted = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
    for name, detector in DETECTORS.items():
        for finding in detector(facts):
            text = " ".join(
                [finding.reason, *(f"{e.path} {e.field} {e.snippet}" for e in finding.evidence)]
            )
            for secret in planted:
                assert secret not in text, (name, finding.target)


# Hand-written inspect data: running containers (the rig's engine has no bridge to run
# them on), other engines' settings and odd values.


def _engine(
    *containers: dict[str, Any],
    networks: tuple[dict[str, Any], ...] = (),
    daemon: DaemonConfig | None = None,
) -> ProjectFacts:
    engine = EngineFacts(
        Endpoint("h", "unix:///nowhere.sock", "a test"),
        "2026-12-03T00:00:00Z",
        info={"ID": "test"},
        containers=[ContainerFacts("h", {"Name": "/c", **data}) for data in containers],
        networks=[NetworkFacts("h", network) for network in networks],
        daemon_config=daemon,
    )
    return ProjectFacts(root=Path("."), engines=[engine])


def _one(detector: str, data: dict[str, Any], **more: Any) -> Finding:
    (finding,) = DETECTORS[detector](_engine(data, **more))
    return finding


def _declared(*bindings: tuple[str, str, str]) -> dict[str, Any]:
    ports: dict[str, list[dict[str, str]]] = {}
    for key, address, port in bindings:
        ports.setdefault(key, []).append({"HostIp": address, "HostPort": port})
    return {"HostConfig": {"NetworkMode": "default", "PortBindings": ports}}


@pytest.mark.parametrize(
    ("address", "status", "reason"),
    [
        ("", Status.FAIL, "published on all interfaces: 8080->80/tcp"),
        ("0.0.0.0", Status.FAIL, "published on all interfaces: 0.0.0.0:8080->80/tcp"),
        ("::", Status.FAIL, "published on all interfaces: [::]:8080->80/tcp"),
        ("127.0.0.1", Status.PASS, "every published port is bound to 127.0.0.1"),
        ("::1", Status.PASS, "every published port is bound to ::1"),
        ("10.0.0.5", Status.PASS, "every published port is bound to 10.0.0.5"),
    ],
)
def test_host_addresses(address: str, status: Status, reason: str) -> None:
    finding = _one("port_bindings", _declared(("80/tcp", address, "8080")))
    assert (finding.status, finding.reason) == (status, reason)
    assert finding.evidence[0].field == "HostConfig.PortBindings.80/tcp"


def test_running_container_is_judged_by_what_the_engine_bound() -> None:
    data = _declared(("80/tcp", "", "8080"))
    data["NetworkSettings"] = {
        "Ports": {
            "80/tcp": [
                {"HostIp": "0.0.0.0", "HostPort": "8080"},
                {"HostIp": "::", "HostPort": "8080"},
            ],
            "9000/tcp": None,  # exposed, not published
        }
    }
    finding = _one("port_bindings", data)
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "published on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"
    )
    assert [e.field for e in finding.evidence] == ["NetworkSettings.Ports.80/tcp"]
    # An engine whose daemon binds published ports to one address says so at run time.
    data["NetworkSettings"]["Ports"]["80/tcp"] = [{"HostIp": "127.0.0.1", "HostPort": "8080"}]
    assert _one("port_bindings", data).status is Status.PASS


def test_daemon_ip_is_mentioned_for_created_containers() -> None:
    daemon = DaemonConfig(
        "/etc/docker/daemon.json",
        settings={"ip": "127.0.0.1"},
        readable=True,
        key_lines={"ip": 2},
        lines=["{", '  "ip": "127.0.0.1"', "}"],
    )
    finding = _one("port_bindings", _declared(("80/tcp", "", "8080")), daemon=daemon)
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "published on all interfaces: 8080->80/tcp; /etc/docker/daemon.json sets ip "
        "127.0.0.1, which they bind to if that is the configuration the engine runs with"
    )
    assert (finding.evidence[-1].path, finding.evidence[-1].line) == (
        "/etc/docker/daemon.json",
        2,
    )


@pytest.mark.parametrize(
    ("port", "status", "reason"),
    [
        ("443", Status.FAIL, "publishes privileged host ports (below 1024): 443"),
        ("1023", Status.FAIL, "publishes privileged host ports (below 1024): 1023"),
        ("80-81", Status.FAIL, "publishes privileged host ports (below 1024): 80-81"),
        ("1024", Status.PASS, "host ports are 1024 or above, or picked by the engine: 1024"),
        ("", Status.PASS, "host ports are 1024 or above, or picked by the engine: any"),
        ("http", Status.UNKNOWN, "cannot tell the host port of http->80/tcp"),
    ],
)
def test_privileged_port_numbers(port: str, status: Status, reason: str) -> None:
    finding = _one("privileged_ports", _declared(("80/tcp", "", port)))
    assert (finding.status, finding.reason) == (status, reason)


def test_shared_network_namespace_is_not_applicable() -> None:
    data = {"HostConfig": {"NetworkMode": "container:abc123"}}
    finding = _one("network_segmentation", data)
    assert (finding.status, finding.reason) == (
        Status.NOT_APPLICABLE,
        "shares the network of container:abc123",
    )
    finding = _one("default_bridge", data)
    assert finding.status is Status.NOT_APPLICABLE


def test_segmentation_looks_networks_up_by_name_or_id() -> None:
    internal = {"Name": "back", "Id": "0123456789abcdef" * 4, "Internal": True}
    by_id = {
        "HostConfig": {"NetworkMode": "0123456789ab"},
        "NetworkSettings": {"Networks": {}},
    }
    assert _one("network_segmentation", by_id, networks=(internal,)).status is Status.PASS
    mixed = {
        "HostConfig": {"NetworkMode": "back"},
        "NetworkSettings": {"Networks": {"back": {}, "front": {}}},
    }
    front = {"Name": "front", "Id": "f" * 64, "Internal": False}
    finding = _one("network_segmentation", mixed, networks=(internal, front))
    assert finding.status is Status.FAIL
    assert finding.reason.endswith("not internal: front")
    assert live_helpers.cited(finding) == [
        ("NetworkSettings.Networks", '["back", "front"]'),
        ("Internal", "true"),
        ("Internal", "false"),
    ]


def test_segmentation_unknown_for_a_network_the_engine_does_not_list() -> None:
    data = {
        "HostConfig": {"NetworkMode": "gone"},
        "NetworkSettings": {"Networks": {"gone": {}}},
    }
    finding = _one("network_segmentation", data)
    assert finding.status is Status.UNKNOWN
    assert finding.reason == (
        "a back end on networks the engine does not list: gone; cannot tell whether they "
        "are internal"
    )


def test_default_bridge_by_attachment() -> None:
    data = {
        "HostConfig": {"NetworkMode": "app"},
        "NetworkSettings": {"Networks": {"app": {}, "bridge": {}}},
    }
    finding = _one("default_bridge", data)
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "attached to the network bridge: docker0, shared with every container started "
        "without a network"
    )
    finding = _one("default_bridge", {"HostConfig": {"NetworkMode": "bridge"}})
    assert finding.status is Status.FAIL
    assert finding.reason.startswith("HostConfig.NetworkMode is bridge: it is on docker0")


BRIDGELESS = ({"Name": "host", "Driver": "host"}, {"Name": "none", "Driver": "null"})
BRIDGED = (*BRIDGELESS, {"Name": "bridge", "Driver": "bridge", "Internal": False})


@pytest.mark.parametrize("mode", ["default", "bridge"])
def test_default_bridge_on_an_engine_without_one(mode: str) -> None:
    data = {"HostConfig": {"NetworkMode": mode}}

    finding = _one("default_bridge", data, networks=BRIDGELESS)

    assert (finding.status, finding.reason) == (
        Status.NOT_APPLICABLE,
        f"HostConfig.NetworkMode is {mode}, but the engine has no default bridge (no network "
        "named bridge): the container cannot start on it",
    )
    assert live_helpers.cited(finding) == [
        ("HostConfig.NetworkMode", mode),
        ("Name", "host, none"),
    ]
    assert finding.evidence[1].path == "h: engine /networks"
    assert _one("default_bridge", data, networks=BRIDGED).status is Status.FAIL


def test_segmentation_of_a_back_end_on_an_engine_without_a_default_bridge() -> None:
    data = {"HostConfig": {"NetworkMode": "default"}}

    without = _one("network_segmentation", data, networks=BRIDGELESS)
    with_bridge = _one("network_segmentation", data, networks=BRIDGED)

    assert without.status is Status.NOT_APPLICABLE
    assert without.reason.startswith("a back end meant for the default bridge, but the engine")
    assert with_bridge.status is Status.FAIL
    assert with_bridge.reason.endswith("not internal: bridge")
