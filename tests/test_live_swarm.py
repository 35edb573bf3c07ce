"""Live swarm detectors: the rig's two services and overlay networks on a one-node swarm,
and hand-written service specs for the settings the rig does not make."""

from __future__ import annotations

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
from reviewtui.detect.live_checks.swarm_common import local_image
from reviewtui.live.facts import (
    EngineFacts,
    ImageFacts,
    NetworkFacts,
    SwarmFacts,
    SwarmServiceFacts,
)
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
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

PLANTED = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
HARDENED = engine_rig.PREFIX + "svc-hardened"
WEAK = engine_rig.PREFIX + "svc-weak"
CONTAINER = "Spec.TaskTemplate.ContainerSpec"
SWARM_DETECTORS = ("swarm_autolock", "overlay_encryption", "swarm_cert_rotation")
DAY = 86_400 * 1_000_000_000


@pytest.fixture(scope="module")
def swarm_facts(
    live_swarm: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> ProjectFacts:
    facts = live_helpers.read_rig(tmp_path_factory, "swarm", all_images=True)
    assert facts.engines[0].swarm is not None, "the rig's engine manages a swarm"
    return facts


def _by_service(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {finding.target.name: finding for finding in DETECTORS[detector](facts)}


def _swarm_finding(facts: ProjectFacts, detector: str) -> Finding:
    (finding,) = DETECTORS[detector](facts)
    return finding


def _engine(
    spec: dict[str, Any] | None = None,
    swarm: dict[str, Any] | None = None,
    networks: list[dict[str, Any]] | None = None,
    images: list[ImageFacts] | None = None,
) -> ProjectFacts:
    """Facts of one engine managing a swarm with one service of this spec."""
    endpoint = Endpoint("h", "unix:///var/run/docker.sock", "the default context")
    engine = EngineFacts(endpoint, "2026-01-01T00:00:00Z", info={"ID": "x"})
    engine.swarm = SwarmFacts("h", swarm or {})
    if spec is not None:
        engine.swarm.services = [SwarmServiceFacts("h", {"ID": "s1", "Spec": spec})]
    engine.networks = [NetworkFacts("h", data) for data in networks or []]
    engine.images = {image.id: image for image in images or []}
    return ProjectFacts(root=Path("."), engines=[engine])


def _service(container: dict[str, Any] | None = None, **task: Any) -> dict[str, Any]:
    return {"Name": "api", "TaskTemplate": {"ContainerSpec": container or {}, **task}}


def _judge(detector: str, facts: ProjectFacts) -> Finding:
    (finding,) = DETECTORS[detector](facts)
    return finding


# -- the rig's services ----------------------------------------------------------------------


def test_runtime_user_of_the_rig_services(swarm_facts: ProjectFacts) -> None:
    found = _by_service(swarm_facts, "runtime_user")

    hardened = found[HARDENED]
    assert (hardened.status, hardened.reason) == (Status.PASS, "runs as user 1000")
    assert live_helpers.cited(hardened) == [(f"{CONTAINER}.User", "1000")]
    assert hardened.evidence[0].path == f"default: swarm service {HARDENED}"
    weak = found[WEAK]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        "Config.User is empty: the image runs as root, and ContainerSpec.User does not override it"
    )
    assert live_helpers.cited(weak) == [(f"{CONTAINER}.User", "null"), ("Config.User", '""')]
    assert weak.evidence[1].path == f"default: image {engine_rig.WEAK_IMAGE}"


def test_read_only_rootfs_and_capabilities(swarm_facts: ProjectFacts) -> None:
    read_only = _by_service(swarm_facts, "read_only_rootfs")
    caps = _by_service(swarm_facts, "cap_drop_all")

    assert read_only[HARDENED].status is Status.PASS
    assert live_helpers.cited(read_only[HARDENED]) == [(f"{CONTAINER}.ReadOnly", "true")]
    assert read_only[WEAK].status is Status.FAIL
    assert live_helpers.cited(read_only[WEAK]) == [(f"{CONTAINER}.ReadOnly", "null")]
    assert (caps[HARDENED].status, caps[HARDENED].reason) == (
        Status.PASS,
        "drops ALL capabilities",
    )
    assert live_helpers.cited(caps[HARDENED]) == [(f"{CONTAINER}.CapabilityDrop", "ALL")]
    assert caps[WEAK].status is Status.FAIL
    assert caps[WEAK].reason.startswith("CapabilityDrop does not drop ALL")


def test_published_ports_of_the_rig_services(swarm_facts: ProjectFacts) -> None:
    found = _by_service(swarm_facts, "port_bindings")

    weak = found[WEAK]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        "published through the routing mesh on every interface of every node: "
        f"{engine_rig.SWARM_PORT}:80/tcp"
    )
    assert live_helpers.cited(weak) == [
        (
            "Spec.EndpointSpec.Ports",
            '{"Protocol": "tcp", "PublishMode": "ingress", '
            f'"PublishedPort": {engine_rig.SWARM_PORT}, "TargetPort": 80}}',
        )
    ]
    assert (found[HARDENED].status, found[HARDENED].reason) == (
        Status.NOT_APPLICABLE,
        "publishes no ports",
    )


def test_restart_policy_of_the_rig_services(swarm_facts: ProjectFacts) -> None:
    found = _by_service(swarm_facts, "restart_policy")

    hardened = found[HARDENED]
    assert (hardened.status, hardened.reason) == (
        Status.PASS,
        "restart condition on-failure gives up after 3 attempts",
    )
    assert live_helpers.cited(hardened) == [("Spec.TaskTemplate.RestartPolicy.MaxAttempts", "3")]
    weak = found[WEAK]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        "restart condition any without MaxAttempts: a failing task is restarted for ever, every 5s"
    )


def test_limits_of_the_rig_services(swarm_facts: ProjectFacts) -> None:
    limits = "Spec.TaskTemplate.Resources.Limits"
    expected = {
        "memory_limit": ("memory limited: MemoryBytes 64 MiB", "MemoryBytes", "67108864"),
        "cpu_limit": ("CPU limited: NanoCPUs 0.5 CPUs", "NanoCPUs", "500000000"),
        "pids_limit": ("process limited: Pids 64", "Pids", "64"),
    }
    for detector, (reason, key, value) in expected.items():
        found = _by_service(swarm_facts, detector)
        assert (found[HARDENED].status, found[HARDENED].reason) == (Status.PASS, reason)
        assert live_helpers.cited(found[HARDENED]) == [(f"{limits}.{key}", value)]
        assert found[WEAK].status is Status.FAIL
        assert found[WEAK].reason.endswith(f"Resources.Limits.{key} is not set")
        assert live_helpers.cited(found[WEAK]) == [(f"{limits}.{key}", "null")]


def test_secrets_of_the_rig_services(swarm_facts: ProjectFacts) -> None:
    found = _by_service(swarm_facts, "secrets_not_in_env")

    weak = found[WEAK]
    assert (weak.status, weak.reason) == (
        Status.FAIL,
        "secrets in plain text: DB_PASSWORD is written in the service spec",
    )
    assert live_helpers.cited(weak) == [(f"{CONTAINER}.Env", "DB_PASSWORD=****")]
    hardened = found[HARDENED]
    secret = engine_rig.PREFIX + "db-password"
    assert (hardened.status, hardened.reason) == (
        Status.PASS,
        f"takes swarm secrets as files, not from the environment ({secret})",
    )
    assert live_helpers.cited(hardened) == [(f"{CONTAINER}.Secrets", f'["{secret}"]')]


def test_swarm_settings_of_the_rig(swarm_facts: ProjectFacts) -> None:
    autolock = _swarm_finding(swarm_facts, "swarm_autolock")
    certs = _swarm_finding(swarm_facts, "swarm_cert_rotation")

    assert autolock.status is Status.FAIL
    assert autolock.reason.startswith("auto-lock is off")
    assert live_helpers.cited(autolock) == [("Spec.EncryptionConfig.AutoLockManagers", "false")]
    assert autolock.target.kind.value == "swarm"
    assert (certs.status, certs.reason) == (
        Status.PASS,
        "node certificates last 90 days and are renewed before they expire",
    )
    assert live_helpers.cited(certs) == [("Spec.CAConfig.NodeCertExpiry", str(90 * DAY))]


def test_overlay_networks_of_the_rig(swarm_facts: ProjectFacts) -> None:
    finding = _swarm_finding(swarm_facts, "overlay_encryption")

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("overlay networks without encryption: ")
    cited = {e.path.removeprefix("default: network "): e for e in finding.evidence}
    plain = cited[engine_rig.PREFIX + "plain"]
    encrypted = cited[engine_rig.PREFIX + "encrypted"]
    assert plain.field == encrypted.field == "Options"
    assert '"encrypted": ""' in encrypted.snippet
    assert "encrypted" not in plain.snippet
    assert "ingress" not in cited


def test_planted_secrets_appear_in_no_reason_or_snippet(swarm_facts: ProjectFacts) -> None:
    for detector in DETECTORS.values():
        for finding in detector(swarm_facts):
            for text in [finding.reason] + [e.snippet for e in finding.evidence]:
                assert not any(secret in text for secret in PLANTED), (finding.target, text)


# -- users and images, by hand ---------------------------------------------------------------


def test_root_user_forms_in_the_spec() -> None:
    for user in ("0", "0:0", "root", "root:root"):
        finding = _judge("runtime_user", _engine(_service({"User": user})))
        assert (finding.status, finding.reason) == (
            Status.FAIL,
            f"runs as root: {CONTAINER}.User is {user}",
        )


def test_user_of_an_image_not_on_the_engine_is_left_to_a_person() -> None:
    finding = _judge("runtime_user", _engine(_service({"Image": "nginx:1.27@sha256:ab12"})))

    assert finding.status is Status.UNKNOWN
    assert finding.reason.startswith("ContainerSpec.User is not set and the image nginx:1.27 ")
    assert live_helpers.cited(finding)[1] == (f"{CONTAINER}.Image", "nginx:1.27@sha256:ab12")


def test_local_image_found_by_digest_or_normalised_tag() -> None:
    pinned = ImageFacts(
        "h",
        {
            "Id": "sha256:1",
            "RepoTags": ["docker.io/library/nginx:1.27"],
            "RepoDigests": ["nginx@sha256:ab12"],
            "Config": {"User": "101"},
        },
    )
    engine = _engine(images=[pinned]).engines[0]

    assert local_image(engine, "nginx:1.27@sha256:ab12") is pinned
    assert local_image(engine, "nginx:1.27") is pinned
    assert local_image(engine, "nginx:other@sha256:cd34") is None
    finding = _judge(
        "runtime_user", _engine(_service({"Image": "nginx:1.27@sha256:ab12"}), images=[pinned])
    )
    assert (finding.status, finding.reason) == (
        Status.PASS,
        "runs as 101 (Config.User), and ContainerSpec.User does not override it",
    )


# -- capabilities, ports and restarts, by hand -----------------------------------------------


@pytest.mark.parametrize(
    ("container", "status", "reason"),
    [
        (
            {"CapabilityAdd": ["CAP_SYS_ADMIN"], "CapabilityDrop": ["ALL"]},
            Status.FAIL,
            "CapabilityAdd grants SYS_ADMIN: SYS_ADMIN allows mounts and namespace changes, "
            "close to root on the host",
        ),
        (
            {"CapabilityAdd": ["CAP_NET_BIND_SERVICE"], "CapabilityDrop": ["cap_all"]},
            Status.PASS,
            "drops ALL and adds back only NET_BIND_SERVICE",
        ),
        (
            {"CapabilityAdd": ["NET_RAW"], "CapabilityDrop": ["ALL"]},
            Status.FAIL,
            "drops ALL but adds back NET_RAW",
        ),
        (
            {"CapabilityDrop": ["CAP_NET_RAW"]},
            Status.FAIL,
            "CapabilityDrop does not drop ALL: the engine's 14 default capabilities stay, "
            "NET_RAW among them",
        ),
    ],
)
def test_capability_forms(container: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("cap_drop_all", _engine(_service(container)))

    assert (finding.status, finding.reason) == (status, reason)


def test_host_mode_ports_fail_too() -> None:
    port = {"Protocol": "udp", "TargetPort": 53, "PublishedPort": 53, "PublishMode": "host"}
    spec = {**_service(), "EndpointSpec": {"Ports": [port]}}

    finding = _judge("port_bindings", _engine(spec))

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "published in host mode on every interface of each node that runs a task: 53:53/udp; "
        "a service cannot bind to one address"
    )


def test_tasks_on_the_host_network_fail() -> None:
    host = {"Name": "host", "Id": "hostid", "Driver": "host"}
    spec = _service(Networks=[{"Target": "hostid"}])

    finding = _judge("port_bindings", _engine(spec, networks=[host]))

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("attached to the host network")


@pytest.mark.parametrize(
    ("policy", "status", "reason"),
    [
        ({"Condition": "none"}, Status.PASS, "restart condition none: tasks are never restarted"),
        (
            {"Condition": "on-failure", "MaxAttempts": 0, "Delay": 10_000_000_000},
            Status.FAIL,
            "restart condition on-failure without MaxAttempts: a failing task is restarted "
            "for ever, every 10s",
        ),
        (
            {"Condition": "on-failure", "MaxAttempts": 10},
            Status.FAIL,
            "restarted up to 10 times; CIS asks for at most 5",
        ),
        (
            {"Condition": "any", "MaxAttempts": 5},
            Status.PASS,
            "restart condition any gives up after 5 attempts",
        ),
    ],
)
def test_restart_policies(policy: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("restart_policy", _engine(_service(RestartPolicy=policy)))

    assert (finding.status, finding.reason) == (status, reason)


def test_zero_and_odd_limits() -> None:
    zero = _service(Resources={"Limits": {"MemoryBytes": 0, "NanoCPUs": 0, "Pids": 0}})
    odd = _service(Resources={"Limits": {"MemoryBytes": 1536 * (1 << 20)}})

    for detector in ("memory_limit", "cpu_limit", "pids_limit"):
        assert _judge(detector, _engine(zero)).status is Status.FAIL
    assert _judge("memory_limit", _engine(odd)).reason == "memory limited: MemoryBytes 1536 MiB"


@pytest.mark.parametrize(
    ("env", "status", "reason"),
    [
        (
            ["DATABASE_URL=postgres://app:pw1234@db/app"],
            Status.FAIL,
            "secrets in plain text: DATABASE_URL holds a URL with a password",
        ),
        (
            ["DB_PASSWORD_FILE=/run/secrets/db", "API_TOKEN=", "MODE=prod"],
            Status.PASS,
            "no secret-looking variable holds a literal value",
        ),
        (
            ["API_TOKEN=/run/secrets/token"],
            Status.PASS,
            "no secret-looking variable holds a literal value",
        ),
    ],
)
def test_environment_forms(env: list[str], status: Status, reason: str) -> None:
    finding = _judge("secrets_not_in_env", _engine(_service({"Env": env})))

    assert (finding.status, finding.reason) == (status, reason)
    assert all("pw1234" not in e.snippet for e in finding.evidence)


# -- the swarm's own settings, by hand -------------------------------------------------------


def test_autolock_on_and_certificate_lifetimes() -> None:
    locked = {"Spec": {"EncryptionConfig": {"AutoLockManagers": True}}}
    long_lived = {"Spec": {"CAConfig": {"NodeCertExpiry": 365 * DAY}}}
    short = {"Spec": {"CAConfig": {"NodeCertExpiry": DAY // 2}}}

    assert _judge("swarm_autolock", _engine(swarm=locked)).status is Status.PASS
    failing = _judge("swarm_cert_rotation", _engine(swarm=long_lived))
    assert (failing.status, failing.reason) == (
        Status.FAIL,
        "node certificates last 365 days: a stolen one stays valid that long; rotate at least "
        "every 90 days",
    )
    assert _judge("swarm_cert_rotation", _engine(swarm=short)).reason.startswith(
        "node certificates last 12 hours"
    )
    assert _judge("swarm_cert_rotation", _engine(swarm={})).status is Status.UNKNOWN


def test_overlay_networks_all_encrypted_or_none_but_ingress() -> None:
    ingress = {"Name": "ingress", "Driver": "overlay", "Ingress": True, "Options": {}}
    secure = {"Name": "backend", "Driver": "overlay", "Options": {"encrypted": ""}}

    only_ingress = _judge("overlay_encryption", _engine(networks=[ingress]))
    encrypted = _judge("overlay_encryption", _engine(networks=[ingress, secure]))

    assert only_ingress.status is Status.NOT_APPLICABLE
    assert (encrypted.status, encrypted.reason) == (
        Status.PASS,
        "every overlay network is encrypted: backend",
    )
    assert [e.path for e in encrypted.evidence] == ["h: network backend"]


def test_engines_without_a_swarm_answer_only_the_swarm_items() -> None:
    facts = _engine()
    facts.engines[0].swarm = None
    facts.engines[0].info["Swarm"] = {"LocalNodeState": "inactive", "ControlAvailable": False}

    for name, detector in DETECTORS.items():
        found = detector(facts)
        if name not in SWARM_DETECTORS:
            assert found == [], name
            continue
        (finding,) = found
        assert (finding.status, finding.reason) == (
            Status.NOT_APPLICABLE,
            "not part of a swarm: Swarm.LocalNodeState is inactive",
        )
        assert finding.target == facts.engines[0].target
        assert live_helpers.cited(finding) == [("Swarm.LocalNodeState", "inactive")]


def test_join_tokens_are_never_kept(swarm_facts: ProjectFacts) -> None:
    (engine,) = swarm_facts.engines
    assert engine.swarm is not None
    assert "JoinTokens" not in engine.swarm.data
    tokens = engine_rig.docker("swarm", "join-token", "-q", "manager")
    assert tokens.startswith("SWMTKN-")
    assert tokens not in repr(engine)
