"""Live swarm detectors for the runtime items a service spec answers beyond users, limits,
ports and restarts: mounts, confinement, networks, the image, health, init, logs, ulimits
and kernel settings; and the swarm-only items on engines that manage no swarm.

The module makes services of its own on the rig's one-node swarm (never started:
``--replicas 0``), beside the rig's ``svc-hardened`` and ``svc-weak``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks import (
    swarm_cluster,
    swarm_lifecycle,
    swarm_mounts,
    swarm_network,
    swarm_privileges,
    swarm_services,
)
from reviewtui.detect.live_checks.findings import Detector
from reviewtui.detect.live_checks.swarm_common import api_version
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import (
    EngineFacts,
    ImageFacts,
    NetworkFacts,
    SwarmFacts,
    SwarmServiceFacts,
)
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

SWARM_MODULES = (
    swarm_services,
    swarm_mounts,
    swarm_privileges,
    swarm_network,
    swarm_lifecycle,
    swarm_cluster,
)
DETECTORS: dict[str, Detector] = {
    name: detector for module in SWARM_MODULES for name, detector in module.DETECTORS.items()
}
"""The swarm detectors of every swarm module, by name (each name is in one module)."""

CONTAINER = "Spec.TaskTemplate.ContainerSpec"
MOUNTS = f"{CONTAINER}.Mounts"
PORTS = "Spec.EndpointSpec.Ports"
HARDENED = engine_rig.PREFIX + "svc-hardened"
WEAK = engine_rig.PREFIX + "svc-weak"
SOCKET = engine_rig.PREFIX + "svc-sock"
TUNED = engine_rig.PREFIX + "svc-tuned"
HOST = engine_rig.PREFIX + "svc-host"
BARE = engine_rig.PREFIX + "svc-bare"
INTERNAL = engine_rig.PREFIX + "svc-internal"
# The tester's service: the Docker socket and /etc bound in, a port below 1024 (one per
# run: runs sharing the swarm cannot publish the same port), an untagged image.
UNTAGGED = "reviewtui-test/busybox"
LOW_PORT = 100 + int(engine_rig.RUN[1:]) % 900
SWARM_ITEMS = ("swarm_autolock", "overlay_encryption", "swarm_cert_rotation")
NEW_DETECTORS = (
    "docker_socket",
    "sensitive_mounts",
    "mount_propagation",
    "tmpfs_exec",
    "privileged",
    "host_namespaces",
    "host_devices",
    "security_profiles",
    "no_new_privileges",
    "privileged_ports",
    "network_segmentation",
    "default_bridge",
    "compose_image_tag",
    "compose_image_digest",
    "service_healthcheck",
    "init_process",
    "logging_rotation",
    "ulimits",
    "kernel_settings",
)


def _service(*args: str) -> None:
    common = ("--detach", "--no-resolve-image", "--replicas", "0")
    labels = ("--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL)
    engine_rig.docker("service", "create", *common, *labels, *args)


@pytest.fixture(scope="module")
def facts(
    live_swarm: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectFacts]:
    """The engine read once, with this module's services: ``svc-sock`` as the tester made
    it, ``svc-tuned`` with propagation, tmpfs, health check, init, rotated logs, ulimits
    and a sysctl on an internal overlay network, ``svc-host`` on the host network and
    ``svc-bare`` with no network, port or command at all."""
    services = (SOCKET, TUNED, HOST, BARE)
    try:
        engine_rig.docker(
            "network", "create", "--label", engine_rig.RUN_LABEL, "-d", "overlay", "--internal",
            INTERNAL,
        )  # fmt: skip
        _service(
            "--name", SOCKET,
            "--mount", "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
            "--mount", "type=bind,src=/etc,dst=/host-etc",
            "-p", f"mode=host,published={LOW_PORT},target=80",
            UNTAGGED,
        )  # fmt: skip
        _service(
            "--name", TUNED,
            "--mount", "type=bind,src=/srv,dst=/srv,bind-propagation=rshared",
            "--mount", "type=tmpfs,dst=/tmp,tmpfs-size=1000000",
            "--mount", "type=volume,src=data,dst=/data",
            "--health-cmd", "true",
            "--init",
            "--log-driver", "json-file", "--log-opt", "max-size=1m",
            "--ulimit", "nofile=1024:2048",
            "--sysctl", "net.ipv4.ip_forward=1",
            "--network", INTERNAL,
            engine_rig.HARDENED_IMAGE,
        )  # fmt: skip
        _service("--name", HOST, "--network", "host", engine_rig.HARDENED_IMAGE)
        _service("--name", BARE, engine_rig.BASE_IMAGE)
        (engine,) = read_engines(LiveSettings(all_containers=True, all_images=True))
        assert engine.error is None, engine.error
        assert engine.swarm is not None
        yield ProjectFacts(root=tmp_path_factory.mktemp("swarm-services"), engines=[engine])
    finally:
        engine_rig.docker("service", "rm", *services, check=False)
        time.sleep(1)  # the service's network attachments go away after it does
        engine_rig.docker("network", "rm", INTERNAL, check=False)


def _by_service(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {
        finding.target.name: finding
        for finding in DETECTORS[detector](facts)
        if finding.target.kind is TargetKind.SWARM_SERVICE
    }


def _has_bridge(facts: ProjectFacts) -> bool:
    return any(network.name == "bridge" for network in facts.engines[0].networks)


# -- the tester's service and the rig's ------------------------------------------------------


def test_socket_and_etc_mounts_fail(facts: ProjectFacts) -> None:
    socket = _by_service(facts, "docker_socket")
    sensitive = _by_service(facts, "sensitive_mounts")

    assert (socket[SOCKET].status, socket[SOCKET].reason) == (
        Status.FAIL,
        "mounts the Docker socket (/var/run/docker.sock): access to it is root on the host",
    )
    assert live_helpers.cited(socket[SOCKET]) == [
        (
            MOUNTS,
            '{"Source": "/var/run/docker.sock", "Target": "/var/run/docker.sock", "Type": "bind"}',
        )
    ]
    assert socket[SOCKET].evidence[0].path == f"default: swarm service {SOCKET}"
    assert (sensitive[SOCKET].status, sensitive[SOCKET].reason) == (
        Status.FAIL,
        "mounts sensitive host paths: /etc (writable)",
    )
    assert live_helpers.cited(sensitive[SOCKET]) == [
        (MOUNTS, '{"Source": "/etc", "Target": "/host-etc", "Type": "bind"}')
    ]
    for name in (HARDENED, WEAK):
        assert (socket[name].status, socket[name].reason) == (
            Status.PASS,
            "no mount brings in the Docker socket",
        )
        assert live_helpers.cited(socket[name]) == [(MOUNTS, "null")]
        assert sensitive[name].status is Status.PASS
    assert sensitive[TUNED].status is Status.PASS  # /srv and a volume


def test_privileged_port_and_untagged_image_fail(facts: ProjectFacts) -> None:
    ports = _by_service(facts, "privileged_ports")
    tags = _by_service(facts, "compose_image_tag")
    digests = _by_service(facts, "compose_image_digest")

    assert (ports[SOCKET].status, ports[SOCKET].reason) == (
        Status.FAIL,
        f"publishes privileged host ports (below 1024): {LOW_PORT}",
    )
    assert live_helpers.cited(ports[SOCKET]) == [
        (
            PORTS,
            f'{{"Protocol": "tcp", "PublishMode": "host", "PublishedPort": {LOW_PORT}, '
            '"TargetPort": 80}',
        )
    ]
    assert ports[WEAK].status is Status.PASS
    assert ports[WEAK].reason == (
        f"host ports are 1024 or above, or picked by the swarm: {engine_rig.SWARM_PORT}"
    )
    assert (ports[HARDENED].status, ports[HARDENED].reason) == (
        Status.NOT_APPLICABLE,
        "publishes no ports",
    )
    # The swarm knows the host network by an id of its own, which /networks does not list.
    assert ports[HOST].status is Status.NOT_APPLICABLE
    # The docker CLI writes the tag it would pull, latest, into the spec.
    assert (tags[SOCKET].status, tags[SOCKET].reason) == (
        Status.FAIL,
        f"image {UNTAGGED}:latest uses the moving tag latest",
    )
    assert live_helpers.cited(tags[SOCKET]) == [(f"{CONTAINER}.Image", f"{UNTAGGED}:latest")]
    assert (tags[HARDENED].status, tags[HARDENED].reason) == (
        Status.PASS,
        f"image {engine_rig.HARDENED_IMAGE} pins version {engine_rig.RUN}",
    )
    weak = digests[WEAK]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        f"image {engine_rig.WEAK_IMAGE} is not pinned by digest: its tag can be moved to "
        "other content; swarm pinned no digest (--no-resolve-image, or no registry)"
    )
    assert live_helpers.cited(weak) == [
        (f"{CONTAINER}.Image", engine_rig.WEAK_IMAGE),
        ("RepoDigests", "[]"),
    ]
    assert weak.evidence[1].path == f"default: image {engine_rig.WEAK_IMAGE}"


def test_propagation_and_tmpfs(facts: ProjectFacts) -> None:
    propagation = _by_service(facts, "mount_propagation")
    tmpfs = _by_service(facts, "tmpfs_exec")

    tuned = propagation[TUNED]
    assert (tuned.status, tuned.reason) == (
        Status.FAIL,
        "shares mount propagation with the host: /srv (rshared); mounts made in the "
        "container appear on the host",
    )
    assert live_helpers.cited(tuned) == [
        (
            MOUNTS,
            '{"BindOptions": {"Propagation": "rshared"}, "Source": "/srv", "Target": "/srv", '
            '"Type": "bind"}',
        )
    ]
    assert propagation[SOCKET].status is Status.PASS
    assert (tmpfs[TUNED].status, tmpfs[TUNED].reason) == (
        Status.PASS,
        "tmpfs mounts keep noexec and nosuid: /tmp",
    )
    assert live_helpers.cited(tmpfs[TUNED]) == [
        (MOUNTS, '{"Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1000000}, "Type": "tmpfs"}')
    ]
    assert (tmpfs[WEAK].status, tmpfs[WEAK].reason) == (Status.PASS, "no tmpfs mount")


def test_what_swarm_services_cannot_do(facts: ProjectFacts) -> None:
    privileged = _by_service(facts, "privileged")
    devices = _by_service(facts, "host_devices")
    namespaces = _by_service(facts, "host_namespaces")

    for name in (HARDENED, WEAK, SOCKET):
        assert (privileged[name].status, privileged[name].reason) == (
            Status.PASS,
            "swarm services cannot be privileged: ContainerSpec has no Privileged field",
        )
        assert live_helpers.cited(privileged[name]) == [(f"{CONTAINER}.Privileged", "null")]
        assert (devices[name].status, devices[name].reason) == (
            Status.PASS,
            "swarm services cannot map host devices: ContainerSpec has no Devices field",
        )
        assert live_helpers.cited(devices[name]) == [(f"{CONTAINER}.Devices", "null")]
    weak = namespaces[WEAK]
    assert weak.status is Status.PASS
    assert weak.reason.startswith("keeps its own namespaces: not on the host network, and a swarm")
    assert [field for field, _ in live_helpers.cited(weak)] == [
        "Spec.TaskTemplate.Networks",
        f"{CONTAINER}.PidMode",
    ]
    # The swarm's own copy of the host network has an id that /networks does not list.
    host = namespaces[HOST]
    assert host.status is Status.UNKNOWN
    assert host.reason.startswith("attached to networks the engine does not list (")
    assert host.reason.endswith(
        "): predefined ones such as host are not in /networks; check with docker network inspect"
    )
    assert host.evidence[0].field == "Spec.TaskTemplate.Networks"
    assert '"Target":' in host.evidence[0].snippet


def test_confinement_on_this_engine(facts: ProjectFacts) -> None:
    (engine,) = facts.engines
    profiles = _by_service(facts, "security_profiles")
    no_new = _by_service(facts, "no_new_privileges")

    weak = profiles[WEAK]
    assert weak.status is Status.PASS
    assert weak.reason.startswith("the engine's default seccomp")
    assert live_helpers.cited(weak)[0] == (f"{CONTAINER}.Privileges", "null")
    assert weak.evidence[1].path == "default: engine /info"
    version = api_version(engine)
    assert version is not None
    finding = no_new[HARDENED]
    if engine.daemon_config is not None and engine.daemon_config.get("no-new-privileges"):
        assert finding.status is Status.PASS
    elif version < (1, 44):
        assert finding.status is Status.UNKNOWN
        assert finding.reason == (
            f"the engine's API {engine.version['ApiVersion']} has no ContainerSpec.Privileges."
            "NoNewPrivileges (API 1.44): only the daemon's default can set it, and none was "
            "seen; check the nodes"
        )
        assert live_helpers.cited(finding) == [
            ("ApiVersion", engine.version["ApiVersion"]),
            (f"{CONTAINER}.Privileges.NoNewPrivileges", "null"),
        ]
    else:
        assert finding.status is Status.FAIL


def test_networks_of_the_services(facts: ProjectFacts) -> None:
    segmentation = _by_service(facts, "network_segmentation")
    bridge = _by_service(facts, "default_bridge")

    hardened = segmentation[HARDENED]
    assert (hardened.status, hardened.reason) == (
        Status.FAIL,
        "a back end (no published ports) on networks that are not internal: "
        f"{engine_rig.PREFIX}encrypted",
    )
    assert [field for field, _ in live_helpers.cited(hardened)] == [
        "Spec.TaskTemplate.Networks",
        "Internal",
    ]
    assert hardened.evidence[1].path == f"default: network {engine_rig.PREFIX}encrypted"
    assert (segmentation[TUNED].status, segmentation[TUNED].reason) == (
        Status.PASS,
        f"a back end only on internal networks: {INTERNAL}",
    )
    assert live_helpers.cited(segmentation[TUNED])[1] == ("Internal", "true")
    assert (segmentation[WEAK].status, segmentation[WEAK].reason) == (
        Status.NOT_APPLICABLE,
        "a front end: it publishes ports",
    )
    assert segmentation[HOST].status is Status.UNKNOWN
    assert bridge[HOST].status is Status.UNKNOWN
    assert (bridge[HARDENED].status, bridge[HARDENED].reason) == (
        Status.PASS,
        f"on swarm networks, not docker0: {engine_rig.PREFIX}encrypted",
    )
    bare = bridge[BARE]
    if _has_bridge(facts):
        assert bare.status is Status.FAIL
    else:
        assert (bare.status, bare.reason) == (
            Status.UNKNOWN,
            "attached to no network: its tasks join each node's default bridge, and the "
            "engine has no default bridge (no network named bridge) here: check the nodes",
        )
        assert live_helpers.cited(bare)[0] == ("Spec.TaskTemplate.Networks", "null")
        assert bare.evidence[1].path == "default: engine /networks"
    assert segmentation[BARE].status is bare.status
    # Published in host mode, its tasks are on the bridge too.
    assert bridge[SOCKET].status is bare.status


def test_health_init_and_logs(facts: ProjectFacts) -> None:
    health = _by_service(facts, "service_healthcheck")
    init = _by_service(facts, "init_process")
    logs = _by_service(facts, "logging_rotation")
    (engine,) = facts.engines

    assert (health[HARDENED].status, health[HARDENED].reason) == (
        Status.PASS,
        "the HEALTHCHECK of its image applies",
    )
    assert live_helpers.cited(health[HARDENED]) == [
        (f"{CONTAINER}.Healthcheck", "null"),
        ("Config.Healthcheck", '{"Interval": 30000000000, "Test": ["CMD", "/bin/true"]}'),
    ]
    assert (health[TUNED].status, health[TUNED].reason) == (
        Status.PASS,
        "ContainerSpec.Healthcheck sets a test",
    )
    assert live_helpers.cited(health[TUNED]) == [
        (f"{CONTAINER}.Healthcheck.Test", '["CMD-SHELL", "true"]')
    ]
    assert health[WEAK].status is Status.FAIL
    assert health[SOCKET].status is Status.UNKNOWN  # its untagged image is not here
    assert (init[TUNED].status, init[TUNED].reason) == (
        Status.PASS,
        "ContainerSpec.Init is true: docker-init runs as PID 1",
    )
    weak = init[WEAK]
    assert (weak.status, weak.reason) == (
        Status.FAIL,
        "ContainerSpec.Init is false: sleep from Config.Cmd runs as PID 1 and must reap "
        "zombies and handle signals itself",
    )
    assert live_helpers.cited(weak) == [
        (f"{CONTAINER}.Init", "false"),
        ("Config.Cmd", '["sleep", "3600"]'),
    ]
    assert init[BARE].status is Status.UNKNOWN
    assert (logs[TUNED].status, logs[TUNED].reason) == (
        Status.PASS,
        "json-file rotates at max-size 1m",
    )
    assert live_helpers.cited(logs[TUNED]) == [
        ("Spec.TaskTemplate.LogDriver", '{"Name": "json-file", "Options": {"max-size": "1m"}}')
    ]
    if engine.daemon_config is None and engine.info.get("LoggingDriver") == "json-file":
        assert logs[WEAK].status is Status.UNKNOWN
        assert live_helpers.cited(logs[WEAK]) == [
            ("Spec.TaskTemplate.LogDriver", "null"),
            ("LoggingDriver", "json-file"),
        ]


def test_ulimits_and_kernel_settings(facts: ProjectFacts) -> None:
    ulimits = _by_service(facts, "ulimits")
    kernel = _by_service(facts, "kernel_settings")

    assert (ulimits[TUNED].status, ulimits[TUNED].reason) == (
        Status.PASS,
        "ulimits set: nofile 1024/2048",
    )
    assert live_helpers.cited(ulimits[TUNED]) == [
        (f"{CONTAINER}.Ulimits", '[{"Hard": 2048, "Name": "nofile", "Soft": 1024}]')
    ]
    if facts.engines[0].daemon_config is None:
        assert ulimits[WEAK].status is Status.UNKNOWN
        assert live_helpers.cited(ulimits[WEAK]) == [(f"{CONTAINER}.Ulimits", "null")]
    assert (kernel[TUNED].status, kernel[TUNED].reason) == (
        Status.FAIL,
        "sysctl net.ipv4.ip_forward=1",
    )
    assert live_helpers.cited(kernel[TUNED]) == [(f"{CONTAINER}.Sysctls", "net.ipv4.ip_forward=1")]
    assert kernel[WEAK].status is Status.PASS
    assert live_helpers.cited(kernel[WEAK]) == [
        (f"{CONTAINER}.Sysctls", "null"),
        (f"{CONTAINER}.OomScoreAdj", "null"),
    ]


_RIG_SERVICES = [
    # (detector, service, status, reason, the fields cited)
    ("docker_socket", HARDENED, Status.PASS, "no mount brings in the Docker socket", [MOUNTS]),
    ("sensitive_mounts", WEAK, Status.PASS, "no sensitive host path is mounted", [MOUNTS]),
    (
        "mount_propagation",
        HARDENED,
        Status.PASS,
        "no mount shares its propagation with the host",
        [MOUNTS],
    ),
    ("tmpfs_exec", HARDENED, Status.PASS, "no tmpfs mount", [MOUNTS]),
    (
        "service_healthcheck",
        WEAK,
        Status.FAIL,
        "no health check: ContainerSpec.Healthcheck is not set and the image's "
        "Config.Healthcheck neither",
        [f"{CONTAINER}.Healthcheck", "Config.Healthcheck"],
    ),
    (
        "init_process",
        HARDENED,
        Status.FAIL,
        "ContainerSpec.Init is false: sleep from Config.Cmd runs as PID 1 and must reap "
        "zombies and handle signals itself",
        [f"{CONTAINER}.Init", "Config.Cmd"],
    ),
    (
        "compose_image_tag",
        WEAK,
        Status.PASS,
        f"image {engine_rig.WEAK_IMAGE} pins version {engine_rig.RUN}",
        [f"{CONTAINER}.Image"],
    ),
    (
        "compose_image_digest",
        HARDENED,
        Status.FAIL,
        f"image {engine_rig.HARDENED_IMAGE} is not pinned by digest: its tag can be moved to "
        "other content; swarm pinned no digest (--no-resolve-image, or no registry)",
        [f"{CONTAINER}.Image", "RepoDigests"],
    ),
    (
        "default_bridge",
        WEAK,
        Status.PASS,
        f"on swarm networks, not docker0: {engine_rig.PREFIX}plain",
        ["Spec.TaskTemplate.Networks"],
    ),
    (
        "kernel_settings",
        HARDENED,
        Status.PASS,
        "no routing sysctls; the OOM killer and cgroup parent keep their defaults",
        [f"{CONTAINER}.Sysctls", f"{CONTAINER}.OomScoreAdj"],
    ),
    (
        "host_namespaces",
        HARDENED,
        Status.PASS,
        "keeps its own namespaces: not on the host network, and a swarm service cannot share "
        "the host's PID, IPC, UTS or user namespace (ContainerSpec has no field for them)",
        ["Spec.TaskTemplate.Networks", f"{CONTAINER}.PidMode"],
    ),
]


@pytest.mark.parametrize(("detector", "service", "status", "reason", "cited"), _RIG_SERVICES)
def test_the_rig_services(
    facts: ProjectFacts,
    detector: str,
    service: str,
    status: Status,
    reason: str,
    cited: list[str],
) -> None:
    finding = _by_service(facts, detector)[service]

    assert (finding.status, finding.reason) == (status, reason)
    assert [evidence.field for evidence in finding.evidence] == cited


def test_every_new_detector_answers_every_service(facts: ProjectFacts) -> None:
    for detector in NEW_DETECTORS:
        found = _by_service(facts, detector)
        assert {HARDENED, WEAK, SOCKET, TUNED, HOST, BARE} <= set(found), detector
        for finding in found.values():
            assert finding.evidence, (detector, finding.target.name)
            assert all(e.path.startswith("default: ") for e in finding.evidence)
            assert not finding.reason.endswith("…"), (detector, finding.reason)
            if finding.status in (Status.PASS, Status.FAIL):
                assert any(e.field for e in finding.evidence), (detector, finding)


def test_planted_secrets_appear_nowhere(facts: ProjectFacts) -> None:
    planted = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN)
    for detector in NEW_DETECTORS:
        for finding in DETECTORS[detector](facts):
            text = " ".join([finding.reason, *(e.snippet for e in finding.evidence)])
            assert not any(secret in text for secret in planted), (detector, finding.target)


# -- hand-written specs ----------------------------------------------------------------------


def _engine(
    container: dict[str, Any] | None = None,
    *,
    api: str = "1.41",
    networks: tuple[dict[str, Any], ...] = (),
    images: tuple[ImageFacts, ...] = (),
    info: dict[str, Any] | None = None,
    daemon: DaemonConfig | None = None,
    swarm: dict[str, Any] | None = None,
    **task: Any,
) -> ProjectFacts:
    """Facts of one engine managing a swarm with one service, ``api``, of this spec."""
    spec = {"Name": "api", "TaskTemplate": {"ContainerSpec": container or {}, **task}}
    endpoint = Endpoint("h", "unix:///var/run/docker.sock", "the default context")
    engine = EngineFacts(
        endpoint,
        "2026-01-01T00:00:00Z",
        info={"ID": "x", **(info or {})},
        version={"ApiVersion": api},
        networks=[NetworkFacts("h", data) for data in networks],
        images={image.id: image for image in images},
        daemon_config=daemon,
    )
    engine.swarm = SwarmFacts("h", swarm or {})
    engine.swarm.services = [SwarmServiceFacts("h", {"ID": "s1", "Spec": spec})]
    return ProjectFacts(root=Path("."), engines=[engine])


def _with_ports(*ports: dict[str, Any], **more: Any) -> ProjectFacts:
    facts = _engine(**more)
    service = facts.engines[0].swarm.services[0]  # type: ignore[union-attr]
    service.data["Spec"]["EndpointSpec"] = {"Ports": list(ports)}
    return facts


def _judge(detector: str, facts: ProjectFacts) -> Finding:
    (finding,) = DETECTORS[detector](facts)
    return finding


def _daemon(settings: dict[str, Any]) -> DaemonConfig:
    lines = ["{", *(f'  "{key}": {value!r},' for key, value in settings.items()), "}"]
    key_lines = {key: index + 2 for index, key in enumerate(settings)}
    return DaemonConfig(
        "/etc/docker/daemon.json",
        settings=settings,
        readable=True,
        key_lines=key_lines,
        lines=lines,
    )


def _image(config: dict[str, Any], tag: str = "app:1") -> ImageFacts:
    return ImageFacts("h", {"Id": "sha256:" + "cd" * 32, "RepoTags": [tag], "Config": config})


@pytest.mark.parametrize(
    ("mount", "status", "reason"),
    [
        (
            {"Type": "bind", "Source": "/run/docker.sock", "Target": "/s", "ReadOnly": True},
            Status.FAIL,
            "mounts the Docker socket (/run/docker.sock) read-only, which does not help: "
            "access to it is root on the host",
        ),
        (
            {"Type": "bind", "Source": "/var/run", "Target": "/host-run"},
            Status.FAIL,
            "mounts host folder /var/run, which holds the Docker socket: access to it is root "
            "on the host",
        ),
        (
            {"Type": "volume", "Source": "data", "Target": "/var/run/docker.sock"},
            Status.PASS,
            "no mount brings in the Docker socket",
        ),
    ],
)
def test_socket_forms(mount: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("docker_socket", _engine({"Mounts": [mount]}))

    assert (finding.status, finding.reason) == (status, reason)
    assert finding.evidence[0].field == MOUNTS
    assert finding.target.kind is TargetKind.SWARM_SERVICE


def test_sensitive_paths_read_only_and_propagation_forms() -> None:
    mounts = [
        {"Type": "bind", "Source": "/usr/share", "Target": "/u", "ReadOnly": True},
        {"Type": "bind", "Source": "/var/lib/docker", "Target": "/d", "ReadOnly": True},
        {
            "Type": "bind",
            "Source": "/mnt",
            "Target": "/m",
            "BindOptions": {"Propagation": "rslave"},
        },
    ]

    sensitive = _judge("sensitive_mounts", _engine({"Mounts": mounts}))
    propagation = _judge("mount_propagation", _engine({"Mounts": mounts}))

    assert (sensitive.status, sensitive.reason) == (
        Status.FAIL,
        "mounts sensitive host paths: /var/lib/docker (read-only)",
    )
    assert live_helpers.cited(sensitive) == [
        (MOUNTS, '{"ReadOnly": true, "Source": "/var/lib/docker", "Target": "/d", "Type": "bind"}')
    ]
    assert (propagation.status, propagation.reason) == (
        Status.PASS,
        "host mounts propagate in, none go back: /m (rslave)",
    )


def test_tmpfs_options_that_allow_exec() -> None:
    weak = {"Type": "tmpfs", "Target": "/run", "TmpfsOptions": {"Options": [["exec"], ["suid"]]}}
    sized = {"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"Options": [["size", "1m"]]}}

    finding = _judge("tmpfs_exec", _engine({"Mounts": [weak, sized]}, api="1.46"))

    assert (finding.status, finding.reason) == (
        Status.FAIL,
        "tmpfs allows what Docker forbids by default: /run (exec, suid); dropped programs can "
        "run from it",
    )
    assert live_helpers.cited(finding) == [
        (
            MOUNTS,
            '{"Target": "/run", "TmpfsOptions": {"Options": [["exec"], ["suid"]]}, '
            '"Type": "tmpfs"}',
        )
    ]
    assert _judge("tmpfs_exec", _engine({"Mounts": [sized]})).status is Status.PASS


@pytest.mark.parametrize(
    ("privileges", "info", "reason", "cited"),
    [
        (
            {"Seccomp": {"Mode": "unconfined"}},
            {},
            "confinement switched off: seccomp=unconfined",
            [(f"{CONTAINER}.Privileges.Seccomp.Mode", "unconfined")],
        ),
        (
            {"AppArmor": {"Mode": "disabled"}},
            {},
            "confinement switched off: apparmor=unconfined",
            [(f"{CONTAINER}.Privileges.AppArmor.Mode", "disabled")],
        ),
        (
            {"SELinuxContext": {"Disable": True}},
            {"SecurityOptions": ["name=seccomp,profile=builtin", "name=selinux"]},
            "confinement switched off: label=disable",
            [(f"{CONTAINER}.Privileges.SELinuxContext.Disable", "true")],
        ),
    ],
)
def test_confinement_switched_off(
    privileges: dict[str, Any], info: dict[str, Any], reason: str, cited: list[tuple[str, str]]
) -> None:
    facts = _engine({"Privileges": privileges}, api="1.44", info=info)

    finding = _judge("security_profiles", facts)

    assert (finding.status, finding.reason) == (Status.FAIL, reason)
    assert live_helpers.cited(finding) == cited


def test_confinement_kept() -> None:
    seccomp_only = {"SecurityOptions": ["name=seccomp,profile=builtin"]}
    selinux_off = _engine(
        {"Privileges": {"SELinuxContext": {"Disable": True}}}, api="1.44", info=seccomp_only
    )
    custom = _engine(
        {"Privileges": {"Seccomp": {"Mode": "custom", "Profile": "e30="}}},
        api="1.44",
        info={"SecurityOptions": ["name=seccomp,profile=unconfined"]},
    )

    kept = _judge("security_profiles", selinux_off)
    own = _judge("security_profiles", custom)

    assert (kept.status, kept.reason) == (
        Status.PASS,
        "the engine's default seccomp profile applies (the engine runs without AppArmor or "
        "SELinux)",
    )
    assert live_helpers.cited(kept) == [
        (f"{CONTAINER}.Privileges", '{"SELinuxContext": {"Disable": true}}'),
        ("SecurityOptions", '["name=seccomp,profile=builtin"]'),
    ]
    assert own.status is Status.PASS  # its own profile, not the engine's unconfined default


@pytest.mark.parametrize(
    ("privileges", "api", "more", "status", "reason"),
    [
        ({"NoNewPrivileges": True}, "1.44", {}, Status.PASS, "no-new-privileges is set"),
        (
            {"NoNewPrivileges": False},
            "1.44",
            {},
            Status.FAIL,
            "no-new-privileges is not set: setuid binaries can raise privileges",
        ),
        (
            None,
            "1.43",
            {
                "info": {
                    "SecurityOptions": ["name=seccomp,profile=builtin", "name=no-new-privileges"]
                }
            },
            Status.PASS,
            "the engine sets no-new-privileges for every container (SecurityOptions)",
        ),
        (
            None,
            "1.41",
            {"daemon": _daemon({"no-new-privileges": True})},
            Status.PASS,
            "/etc/docker/daemon.json sets no-new-privileges for every container",
        ),
        (
            None,
            "1.40",
            {},
            Status.UNKNOWN,
            "the engine's API 1.40 has no ContainerSpec.Privileges.NoNewPrivileges (API 1.44): "
            "only the daemon's default can set it, and none was seen; check the nodes",
        ),
    ],
)
def test_no_new_privileges_forms(
    privileges: dict[str, Any] | None,
    api: str,
    more: dict[str, Any],
    status: Status,
    reason: str,
) -> None:
    container = {"Privileges": privileges} if privileges is not None else {}

    finding = _judge("no_new_privileges", _engine(container, api=api, **more))

    assert (finding.status, finding.reason) == (status, reason)
    assert f"{CONTAINER}.Privileges.NoNewPrivileges" in [e.field for e in finding.evidence]


def test_generic_resources_are_left_to_a_person() -> None:
    gpu = {"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": 1}}
    facts = _engine(Resources={"Reservations": {"GenericResources": [gpu]}})

    finding = _judge("host_devices", facts)

    assert finding.status is Status.UNKNOWN
    assert finding.reason.startswith("reserves generic resources (NVIDIA-GPU): the node hands")
    assert finding.evidence[0].field == (
        "Spec.TaskTemplate.Resources.Reservations.GenericResources"
    )


@pytest.mark.parametrize(
    ("port", "status", "reason"),
    [
        (
            {"TargetPort": 443, "PublishedPort": 443, "PublishMode": "host"},
            Status.FAIL,
            "publishes privileged host ports (below 1024): 443",
        ),
        (
            {"TargetPort": 80, "PublishedPort": 1024},
            Status.PASS,
            "host ports are 1024 or above, or picked by the swarm: 1024",
        ),
        (
            {"TargetPort": 80},
            Status.PASS,
            "host ports are 1024 or above, or picked by the swarm: any",
        ),
    ],
)
def test_privileged_port_numbers(port: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("privileged_ports", _with_ports(port))

    assert (finding.status, finding.reason) == (status, reason)


BRIDGE = {"Name": "bridge", "Id": "b" * 64, "Driver": "bridge", "Internal": False}
HOST_NET = {"Name": "host", "Id": "h" * 64, "Driver": "host"}


def test_segmentation_and_bridge_by_network() -> None:
    back = {
        "Name": "back",
        "Id": "backid0123456789abcdefghi",
        "Driver": "overlay",
        "Internal": True,
    }
    internal = _engine(Networks=[{"Target": "backid0123456789abcdefghi"}], networks=(back,))
    unlisted = _engine(Networks=[{"Target": "goneid0123456789abcdefghi"}], networks=(back,))
    no_network = _engine(networks=(BRIDGE, HOST_NET))
    on_bridge = _engine(Networks=[{"Target": "bridge"}], networks=(BRIDGE,))

    assert _judge("network_segmentation", internal).reason == (
        "a back end only on internal networks: back"
    )
    assert _judge("default_bridge", internal).status is Status.PASS
    assert _judge("network_segmentation", unlisted).status is Status.UNKNOWN
    segmented = _judge("network_segmentation", no_network)
    assert (segmented.status, segmented.reason) == (
        Status.FAIL,
        "a back end (no published ports) with no network of its own: its tasks join the "
        "default bridge of their node, which is never internal",
    )
    bridged = _judge("default_bridge", no_network)
    assert (bridged.status, bridged.reason) == (
        Status.FAIL,
        "attached to no network: its tasks join docker0, shared with every container "
        "started without a network",
    )
    assert live_helpers.cited(bridged) == [("Spec.TaskTemplate.Networks", "null")]
    assert _judge("default_bridge", on_bridge).reason.startswith("attached to the network bridge")
    host_mode = _with_ports({"TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"})
    host_mode.engines[0].networks = [NetworkFacts("h", BRIDGE)]
    assert _judge("default_bridge", host_mode).status is Status.FAIL
    mesh = _with_ports({"TargetPort": 80, "PublishedPort": 8080})
    mesh.engines[0].networks = [NetworkFacts("h", BRIDGE)]
    meshed = _judge("default_bridge", mesh)
    assert (meshed.status, meshed.reason) == (
        Status.PASS,
        "published through the routing mesh: its tasks join the ingress network, not docker0",
    )
    assert [e.field for e in meshed.evidence] == ["Spec.TaskTemplate.Networks", PORTS]


def test_host_network_by_id() -> None:
    facts = _engine(Networks=[{"Target": "h" * 64}], networks=(HOST_NET, BRIDGE))

    assert _judge("network_segmentation", facts).status is Status.FAIL
    assert _judge("default_bridge", facts).status is Status.NOT_APPLICABLE
    assert _judge("privileged_ports", facts).status is Status.NOT_APPLICABLE
    namespaces = _judge("host_namespaces", facts)
    assert (namespaces.status, namespaces.reason) == (
        Status.FAIL,
        "shares the host's network namespace: attached to the host network",
    )
    assert live_helpers.cited(namespaces) == [
        ("Spec.TaskTemplate.Networks", f'[{{"Target": "{"h" * 64}"}}]')
    ]


def test_networks_the_engine_does_not_list() -> None:
    facts = _engine(Networks=[{"Target": "swarmhostid0123456789abc"}], networks=(BRIDGE,))

    for detector in ("host_namespaces", "default_bridge", "port_bindings", "network_segmentation"):
        assert _judge(detector, facts).status is Status.UNKNOWN, detector
    assert _judge("default_bridge", facts).reason == (
        "attached to networks the engine does not list (swarmhostid0123456789abc): predefined "
        "ones such as bridge and host are not in /networks; check with docker network inspect"
    )


@pytest.mark.parametrize(
    ("image", "tag", "digest"),
    [
        ("nginx:1.27@sha256:" + "a" * 64, Status.PASS, Status.PASS),
        ("nginx:latest", Status.FAIL, Status.FAIL),
        ("nginx", Status.FAIL, Status.FAIL),
        ("registry.example:5000/team/app:2.1.0", Status.PASS, Status.FAIL),
    ],
)
def test_image_reference_forms(image: str, tag: Status, digest: Status) -> None:
    facts = _engine({"Image": image})

    assert _judge("compose_image_tag", facts).status is tag
    assert _judge("compose_image_digest", facts).status is digest


def test_image_digest_reason_and_empty_image() -> None:
    pinned = _judge("compose_image_digest", _engine({"Image": "nginx:1.27@sha256:" + "a" * 64}))
    empty = _judge("compose_image_tag", _engine({}))

    assert pinned.reason == f"image nginx:1.27@sha256:{'a' * 64} is pinned by digest"
    assert (empty.status, empty.reason) == (Status.UNKNOWN, "ContainerSpec.Image is empty")


def test_healthcheck_forms() -> None:
    off = _engine({"Image": "app:1", "Healthcheck": {"Test": ["NONE"]}})
    image_off = _engine({"Image": "app:1"}, images=(_image({"Healthcheck": {"Test": ["NONE"]}}),))
    # Interval alone keeps the image's test.
    interval_only = _engine(
        {"Image": "app:1", "Healthcheck": {"Interval": 1}},
        images=(_image({"Healthcheck": {"Test": ["CMD", "true"]}}),),
    )
    unknown = _engine({"Image": "elsewhere:1"})

    assert _judge("service_healthcheck", off).reason == (
        'ContainerSpec.Healthcheck.Test ["NONE"] turns it off'
    )
    assert _judge("service_healthcheck", image_off).reason == (
        'no health check: the image\'s Config.Healthcheck.Test ["NONE"] turns it off'
    )
    assert _judge("service_healthcheck", interval_only).status is Status.PASS
    left = _judge("service_healthcheck", unknown)
    assert (left.status, left.reason) == (
        Status.UNKNOWN,
        "ContainerSpec.Healthcheck is not set and the image elsewhere:1 is not on this "
        "engine: its HEALTHCHECK, if any, decides",
    )


def test_init_forms() -> None:
    tini = _engine({"Image": "app:1", "Init": False, "Command": ["/sbin/tini", "--", "app"]})
    daemon_default = _engine({"Image": "x:1"}, daemon=_daemon({"init": True}))
    explicit_false = _engine(
        {"Image": "app:1", "Init": False},
        daemon=_daemon({"init": True}),
        images=(_image({"Entrypoint": ["/app/server"]}),),
    )
    unknown = _engine({"Image": "elsewhere:1"})

    found = _judge("init_process", tini)
    assert (found.status, found.reason) == (
        Status.PASS,
        f"{CONTAINER}.Command starts tini as PID 1",
    )
    assert _judge("init_process", daemon_default).reason == (
        "/etc/docker/daemon.json sets init for every container"
    )
    failing = _judge("init_process", explicit_false)
    assert (failing.status, failing.reason) == (
        Status.FAIL,
        "ContainerSpec.Init is false: server from Config.Entrypoint runs as PID 1 and must "
        "reap zombies and handle signals itself",
    )
    assert failing.evidence[1].path == "h: image app:1"
    assert _judge("init_process", unknown).status is Status.UNKNOWN


def test_logging_forms() -> None:
    none = _engine(LogDriver={"Name": "none"})
    task_default = _engine(swarm={"Spec": {"TaskDefaults": {"LogDriver": {"Name": "journald"}}}})
    local = _engine(info={"LoggingDriver": "local"})
    json_file = _engine(
        info={"LoggingDriver": "json-file"}, daemon=_daemon({"log-opts": {"max-size": "10m"}})
    )
    unrotated = _engine(info={"LoggingDriver": "json-file"}, daemon=_daemon({}))

    assert (_judge("logging_rotation", none).status, _judge("logging_rotation", none).reason) == (
        Status.FAIL,
        "log driver none: no logs are kept at all",
    )
    defaulted = _judge("logging_rotation", task_default)
    assert (defaulted.status, defaulted.reason) == (
        Status.PASS,
        "no LogDriver: the swarm's task default applies; logs go to the journald driver",
    )
    assert defaulted.evidence[1].path == "h: swarm"
    assert _judge("logging_rotation", local).reason == (
        "no LogDriver: the engine's default applies; the local driver rotates its files by default"
    )
    rotated = _judge("logging_rotation", json_file)
    assert rotated.status is Status.PASS
    assert rotated.evidence[-1].path == "/etc/docker/daemon.json"
    assert _judge("logging_rotation", unrotated).status is Status.FAIL


def test_ulimits_and_kernel_forms() -> None:
    unlimited = _engine({"Ulimits": [{"Name": "nproc", "Soft": -1, "Hard": -1}]})
    old_engine = _engine(api="1.40")
    defaults = _engine(daemon=_daemon({"default-ulimits": {"nofile": {"Soft": 1, "Hard": 2}}}))
    protected = _engine({"OomScoreAdj": -900})

    failing = _judge("ulimits", unlimited)
    assert (failing.status, failing.reason) == (
        Status.FAIL,
        "Ulimits lift the nproc limit: unlimited",
    )
    assert failing.evidence[0].field == f"{CONTAINER}.Ulimits"
    old = _judge("ulimits", old_engine)
    assert (old.status, old.reason) == (
        Status.UNKNOWN,
        "the engine's API 1.40 has no ContainerSpec.Ulimits (it came with 1.41): the limits "
        "dockerd runs with apply; confirm they fit",
    )
    assert _judge("ulimits", defaults).reason == (
        "no Ulimits: the default-ulimits of /etc/docker/daemon.json apply"
    )
    oom = _judge("kernel_settings", protected)
    assert (oom.status, oom.reason) == (
        Status.FAIL,
        "OomScoreAdj -900 makes the OOM killer take other host processes first",
    )
    assert live_helpers.cited(oom) == [(f"{CONTAINER}.OomScoreAdj", "-900")]


# -- the swarm items on engines that manage no swarm ----------------------------------------


def _off_swarm(state: dict[str, Any] | None) -> ProjectFacts:
    endpoint = Endpoint("h", "unix:///var/run/docker.sock", "the default context")
    info: dict[str, Any] = {"ID": "x"}
    if state is not None:
        info["Swarm"] = state
    return ProjectFacts(root=Path("."), engines=[EngineFacts(endpoint, "now", info=info)])


@pytest.mark.parametrize("item", SWARM_ITEMS)
def test_swarm_items_on_a_worker_and_an_unswarmed_engine(item: str) -> None:
    worker = _judge(item, _off_swarm({"LocalNodeState": "active", "ControlAvailable": False}))
    alone = _judge(item, _off_swarm({"LocalNodeState": "inactive", "ControlAvailable": False}))
    silent = _judge(item, _off_swarm(None))

    assert (worker.status, worker.reason) == (
        Status.UNKNOWN,
        "a swarm worker: ask a manager; only managers hold the swarm's settings",
    )
    assert live_helpers.cited(worker) == [
        ("Swarm.LocalNodeState", "active"),
        ("Swarm.ControlAvailable", "false"),
    ]
    assert worker.target.kind is TargetKind.ENGINE
    assert (alone.status, alone.reason) == (
        Status.NOT_APPLICABLE,
        "not part of a swarm: Swarm.LocalNodeState is inactive",
    )
    assert alone.evidence[0].path == "h: engine /info"
    assert silent.status is Status.NOT_APPLICABLE


def test_swarm_items_on_a_locked_or_failing_node() -> None:
    locked = _off_swarm({"LocalNodeState": "locked"})
    failing = _off_swarm({"LocalNodeState": "error"})

    autolock = _judge("swarm_autolock", locked)
    assert (autolock.status, autolock.reason) == (
        Status.PASS,
        "Swarm.LocalNodeState is locked: the managers auto-lock, and this one waits for its "
        "unlock key",
    )
    assert _judge("overlay_encryption", locked).status is Status.UNKNOWN
    assert _judge("swarm_cert_rotation", failing).reason == (
        "Swarm.LocalNodeState is error: the swarm's settings cannot be read here"
    )


def test_unreachable_engines_get_no_swarm_finding() -> None:
    facts = _off_swarm({"LocalNodeState": "inactive"})
    facts.engines[0].info = {}

    for item in SWARM_ITEMS:
        assert DETECTORS[item](facts) == []
