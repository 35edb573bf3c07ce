"""Live daemon detectors: the rig's engine as it runs, and hand-written /info answers for
the daemons it cannot be (rootless, aufs, debug, insecure registries, plain TCP)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.daemon import DETECTORS
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import EngineFacts, NetworkFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.daemon import DaemonConfig, read_daemon_config
from reviewtui.project.facts import ProjectFacts

SOCKET = Endpoint("default", "unix:///var/run/docker.sock", "the default context")
PLAIN_TCP = Endpoint("tcp://10.0.0.1:2375", "tcp://10.0.0.1:2375", "--docker-host")
INFO: dict[str, Any] = {
    "Driver": "overlay2",
    "Debug": False,
    "ExperimentalBuild": False,
    "LiveRestoreEnabled": False,
    "SecurityOptions": ["name=seccomp,profile=builtin"],
    "Plugins": {"Authorization": None},
    "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"], "IndexConfigs": {}},
    "Swarm": {"LocalNodeState": "inactive"},
}


@pytest.fixture(scope="module")
def rig_engine(live_rig: engine_rig.Rig) -> EngineFacts:
    (engine,) = read_engines(LiveSettings(all_containers=True))
    assert engine.error is None, engine.error
    return engine


def _engine(
    endpoint: Endpoint = SOCKET,
    networks: list[dict[str, Any]] | None = None,
    config: DaemonConfig | None = None,
    **info: Any,
) -> EngineFacts:
    engine = EngineFacts(endpoint, "2026-01-01T00:00:00Z", info={**INFO, **info})
    engine.networks = [NetworkFacts(engine.host, data) for data in networks or []]
    engine.daemon_config = config
    return engine


def _judge(detector: str, engine: EngineFacts) -> Finding:
    (finding,) = DETECTORS[detector](ProjectFacts(root=Path("."), engines=[engine]))
    assert finding.target == engine.target
    return finding


def _daemon_json(folder: Path, settings: dict[str, Any]) -> DaemonConfig:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "daemon.json"
    path.write_text(json.dumps(settings, indent=2) + "\n")
    config = read_daemon_config(folder, "daemon.json")
    config.path = str(path)
    return config


# -- the rig's engine ------------------------------------------------------------------------


def _cli_info() -> dict[str, Any]:
    return dict(json.loads(engine_rig.docker("info", "--format", "{{json .}}")))


def test_rig_engine_icc_follows_its_default_bridge(rig_engine: EngineFacts) -> None:
    finding = _judge("daemon_icc", rig_engine)

    networks = engine_rig.docker("network", "ls", "--format", "{{.Name}}").split()
    if "bridge" not in networks:  # the rig's dockerd runs with --bridge=none
        assert finding.status is Status.NOT_APPLICABLE
        assert finding.reason.startswith("no network named bridge: the daemon runs without")
        assert finding.evidence[0].field == "Name"
        assert "bridge" not in finding.evidence[0].snippet.split(", ")
    else:
        assert finding.status in (Status.PASS, Status.FAIL)
        assert finding.evidence[0].field == "Options.com.docker.network.bridge.enable_icc"


def test_rig_engine_answers_from_info(rig_engine: EngineFacts) -> None:
    info = _cli_info()

    userns = _judge("daemon_userns", rig_engine)
    if not any("userns" in o or "rootless" in o for o in info["SecurityOptions"]):
        assert userns.status is Status.FAIL
        assert userns.reason.startswith("SecurityOptions shows neither userns nor rootless")
        assert live_helpers.cited(userns)[0] == (
            "SecurityOptions",
            json.dumps(info["SecurityOptions"]),
        )
    registries = _judge("daemon_insecure_registries", rig_engine)
    assert registries.status is Status.PASS
    assert registries.reason.startswith("only the loopback ranges the engine adds itself")
    assert registries.evidence[0].field == "RegistryConfig.InsecureRegistryCIDRs"
    authorization = _judge("daemon_authorization", rig_engine)
    expected = Status.PASS if info["Plugins"]["Authorization"] else Status.FAIL
    assert authorization.status is expected
    assert authorization.evidence[0].path == "default: engine /info"


def test_rig_engine_live_restore(rig_engine: EngineFacts) -> None:
    info = rig_engine.info
    finding = _judge("daemon_live_restore", rig_engine)

    assert live_helpers.cited(finding)[0] == (
        "LiveRestoreEnabled",
        json.dumps(info["LiveRestoreEnabled"]),
    )
    if info["LiveRestoreEnabled"]:
        assert finding.status is Status.PASS
    elif info["Swarm"]["LocalNodeState"] == "active":  # another test run's swarm
        assert finding.status is Status.UNKNOWN
    else:
        assert (finding.status, finding.reason) == (
            Status.FAIL,
            "live restore is off: restarting the daemon stops every container",
        )


def test_rig_engine_without_daemon_json_leaves_file_settings_to_a_person(
    rig_engine: EngineFacts,
) -> None:
    if rig_engine.daemon_config is not None:
        pytest.skip("this engine has a readable daemon.json")

    for name in ("daemon_tls", "daemon_no_new_privileges", "daemon_userland_proxy"):
        finding = _judge(name, rig_engine)
        assert finding.status is Status.UNKNOWN, name
        assert "no daemon.json of this engine could be read" in finding.reason
        assert live_helpers.cited(finding) == [("URL", "unix:///var/run/docker.sock")]
    safe = _judge("daemon_safe_defaults", rig_engine)
    assert safe.status is Status.UNKNOWN
    assert safe.reason.startswith("/info shows no debug, driver overlay2, experimental off")
    assert [e.field for e in safe.evidence][:3] == ["Debug", "Driver", "ExperimentalBuild"]


# -- inter-container communication -----------------------------------------------------------

ICC = "com.docker.network.bridge.enable_icc"


@pytest.mark.parametrize(
    ("options", "status", "reason"),
    [
        (
            {ICC: "false"},
            Status.PASS,
            "icc is off on the default bridge: its containers reach each other only through "
            "published ports",
        ),
        (
            {ICC: "true"},
            Status.FAIL,
            "icc is on on the default bridge: every container on it can reach every other",
        ),
        (
            {},
            Status.FAIL,
            "icc is on (the default) on the default bridge: every container on it can reach "
            "every other",
        ),
    ],
)
def test_icc_of_the_default_bridge(options: dict[str, str], status: Status, reason: str) -> None:
    bridge = {"Name": "bridge", "Driver": "bridge", "Options": options}

    finding = _judge("daemon_icc", _engine(networks=[bridge]))

    assert (finding.status, finding.reason) == (status, reason)
    assert finding.evidence[0].field == f"Options.{ICC}"
    assert finding.evidence[0].path == "default: network bridge"


def test_icc_set_in_daemon_json_but_not_running(tmp_path: Path) -> None:
    bridge = {"Name": "bridge", "Driver": "bridge", "Options": {ICC: "true"}}
    config = _daemon_json(tmp_path, {"icc": False})

    finding = _judge("daemon_icc", _engine(networks=[bridge], config=config))

    assert finding.status is Status.FAIL
    assert finding.reason.endswith("its daemon.json sets icc false, so the daemon needs a restart")
    assert (finding.evidence[1].path, finding.evidence[1].line) == (config.path, 2)


def test_no_default_bridge_at_all() -> None:
    finding = _judge("daemon_icc", _engine(networks=[{"Name": "host", "Driver": "host"}]))

    assert finding.status is Status.NOT_APPLICABLE
    assert live_helpers.cited(finding) == [("Name", "host")]


# -- user namespaces and live restore --------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "status"),
    [
        (["name=seccomp,profile=default", "name=rootless"], Status.PASS),
        (["name=apparmor", "name=userns"], Status.PASS),
        (["apparmor", "seccomp"], Status.FAIL),
        ([], Status.FAIL),
    ],
)
def test_userns_and_rootless(options: list[str], status: Status) -> None:
    assert _judge("daemon_userns", _engine(SecurityOptions=options)).status is status


def test_rootless_says_so() -> None:
    finding = _judge("daemon_userns", _engine(SecurityOptions=["name=rootless"]))

    assert finding.reason.startswith("the daemon runs rootless")
    assert live_helpers.cited(finding) == [("SecurityOptions", "name=rootless")]


def test_live_restore_on_a_swarm_node_is_left_to_a_person() -> None:
    swarm = _engine(Swarm={"LocalNodeState": "active"})
    on = _engine(LiveRestoreEnabled=True)

    finding = _judge("daemon_live_restore", swarm)

    assert finding.status is Status.UNKNOWN
    assert "swarm node" in finding.reason
    assert live_helpers.cited(finding)[-1] == ("Swarm.LocalNodeState", "active")
    assert _judge("daemon_live_restore", on).status is Status.PASS


# -- TLS -------------------------------------------------------------------------------------


def test_plain_tcp_endpoint_fails() -> None:
    finding = _judge("daemon_tls", _engine(PLAIN_TCP))

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("reached over plain tcp at tcp://10.0.0.1:2375")
    assert live_helpers.cited(finding) == [("URL", "tcp://10.0.0.1:2375")]
    assert finding.target.path == "tcp://10.0.0.1:2375"


def test_tls_without_and_with_a_client_certificate() -> None:
    url = "tcp://10.0.0.1:2376"
    anonymous = Endpoint(url, url, "--docker-host", SimpleNamespace(cert=None))
    certified = Endpoint(url, url, "--docker-host", SimpleNamespace(cert=("c.pem", "k.pem")))

    assert _judge("daemon_tls", _engine(anonymous)).status is Status.FAIL
    assert _judge("daemon_tls", _engine(certified)).status is Status.UNKNOWN


def test_ssh_endpoint_is_left_to_a_person() -> None:
    ssh = Endpoint("ssh://admin@host", "ssh://admin@host", "--docker-host")

    assert _judge("daemon_tls", _engine(ssh)).status is Status.UNKNOWN


def test_local_daemon_json_hosts_decide(tmp_path: Path) -> None:
    plain = _daemon_json(tmp_path / "a", {"hosts": ["unix://", "tcp://0.0.0.0:2375"]})
    verified = _daemon_json(
        tmp_path / "b",
        {
            "hosts": ["tcp://0.0.0.0:2376"],
            "tlsverify": True,
            "tlscacert": "/ca.pem",
            "tlscert": "/cert.pem",
            "tlskey": "/key.pem",
        },
    )
    silent = _daemon_json(tmp_path / "c", {"debug": False})

    failing = _judge("daemon_tls", _engine(config=plain))
    assert failing.status is Status.FAIL
    assert failing.reason == (
        f"tcp://0.0.0.0:2375 without TLS: root access for anyone who reaches the port "
        f"({plain.path})"
    )
    assert failing.evidence[0].path == plain.path
    assert _judge("daemon_tls", _engine(config=verified)).status is Status.PASS
    unknown = _judge("daemon_tls", _engine(config=silent))
    assert unknown.status is Status.UNKNOWN
    assert f"{silent.path} sets no hosts" in unknown.reason


# -- insecure registries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "status", "listed"),
    [
        ({"InsecureRegistryCIDRs": ["127.0.0.0/8", "::1/128"]}, Status.PASS, ""),
        ({"InsecureRegistryCIDRs": []}, Status.PASS, ""),
        ({"InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"]}, Status.FAIL, "10.0.0.0/8"),
        (
            {
                "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                "IndexConfigs": {
                    "docker.io": {"Secure": True},
                    "localhost:5000": {"Secure": False},
                    "registry.internal:5000": {"Secure": False},
                },
            },
            Status.FAIL,
            "registry.internal:5000",
        ),
        ({"Mirrors": ["http://mirror.internal/"]}, Status.FAIL, "http://mirror.internal/"),
    ],
)
def test_insecure_registries(registry: dict[str, Any], status: Status, listed: str) -> None:
    finding = _judge("daemon_insecure_registries", _engine(RegistryConfig=registry))

    assert finding.status is status
    if listed:
        assert finding.reason == (
            f"images come without verified TLS from {listed}: anyone on the path can swap them"
        )


def test_loopback_only_names_what_the_engine_added() -> None:
    registry = {"InsecureRegistryCIDRs": ["127.0.0.0/8", "::1/128"]}

    finding = _judge("daemon_insecure_registries", _engine(RegistryConfig=registry))

    assert finding.reason == (
        "only the loopback ranges the engine adds itself are insecure (127.0.0.0/8, ::1/128)"
    )
    assert live_helpers.cited(finding) == [
        ("RegistryConfig.InsecureRegistryCIDRs", '["127.0.0.0/8", "::1/128"]')
    ]


# -- settings only daemon.json shows ---------------------------------------------------------


def test_no_new_privileges_and_userland_proxy_from_daemon_json(tmp_path: Path) -> None:
    config = _daemon_json(tmp_path, {"no-new-privileges": True, "userland-proxy": True})
    engine = _engine(config=config)

    nnp = _judge("daemon_no_new_privileges", engine)
    proxy = _judge("daemon_userland_proxy", engine)

    assert (nnp.status, nnp.reason) == (
        Status.PASS,
        f"no-new-privileges is the default for every container ({config.path})",
    )
    assert (nnp.evidence[0].path, nnp.evidence[0].line) == (config.path, 2)
    assert proxy.status is Status.FAIL


def test_authorization_plugin_named() -> None:
    engine = _engine(Plugins={"Authorization": ["opa-docker-authz"]})

    finding = _judge("daemon_authorization", engine)

    assert (finding.status, finding.reason) == (
        Status.PASS,
        "authorization plugins decide each API call: opa-docker-authz",
    )


# -- safe defaults ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "reason", "field"),
    [
        (
            {"Debug": True},
            "Debug is true: the daemon logs at debug level, requests and their data included",
            "Debug",
        ),
        (
            {"Driver": "aufs"},
            "the storage driver is aufs: deprecated, unmaintained and removed from new engines",
            "Driver",
        ),
        (
            {"ExperimentalBuild": True},
            "experimental features are on, with no stability or security promise",
            "ExperimentalBuild",
        ),
        (
            {"SecurityOptions": ["name=seccomp,profile=unconfined"]},
            "the daemon's seccomp profile is unconfined: seccomp is off for every container",
            "SecurityOptions",
        ),
    ],
)
def test_unsafe_values_info_shows(info: dict[str, Any], reason: str, field: str) -> None:
    finding = _judge("daemon_safe_defaults", _engine(**info))

    assert (finding.status, finding.reason) == (Status.FAIL, reason)
    assert finding.evidence[0].field == field


def test_safe_defaults_join_info_and_daemon_json(tmp_path: Path) -> None:
    failing = _daemon_json(tmp_path / "a", {"log-level": "debug"})
    confirm = _daemon_json(tmp_path / "b", {"cgroup-parent": "/custom"})
    safe = _daemon_json(tmp_path / "c", {"log-level": "info"})

    both = _judge("daemon_safe_defaults", _engine(config=failing, Driver="aufs"))
    unsure = _judge("daemon_safe_defaults", _engine(config=confirm))
    fine = _judge("daemon_safe_defaults", _engine(config=safe))

    assert both.status is Status.FAIL
    assert both.reason.startswith("the storage driver is aufs")
    assert "log-level debug logs requests and their data" in both.reason
    assert {e.path for e in both.evidence} == {"default: engine /info", failing.path}
    assert unsure.status is Status.UNKNOWN
    assert fine.status is Status.PASS
    assert fine.reason.startswith(
        "no debug, driver overlay2, experimental off, seccomp builtin; "
        f"{safe.path} keeps the log level"
    )
    assert unsure.reason.startswith("cgroup-parent /custom moves every container's cgroup")
