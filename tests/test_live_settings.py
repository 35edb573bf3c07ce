"""Live per-container settings: kernel settings, ulimits, init, health check, restart
policy, secrets in the environment, the image reference and log rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.container_settings import DETECTORS
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.daemon import DaemonConfig, read_daemon_config
from reviewtui.project.facts import ProjectFacts

KERNEL_DEFAULTS = "no routing sysctls; the OOM killer and cgroup parent keep their defaults"
KERNEL_FIELDS = [
    ("HostConfig.Sysctls", "null"),
    ("HostConfig.OomKillDisable", "false"),
    ("HostConfig.OomScoreAdj", "0"),
    ("HostConfig.CgroupParent", '""'),
]
NO_ULIMITS = (
    "no Ulimits: the limits dockerd runs with apply (often a million open files); confirm they fit"
)
SLEEP_IS_PID_1 = (
    "HostConfig.Init is not set: sleep from Config.Cmd runs as PID 1 and must reap zombies "
    "and handle signals itself"
)
NO_HEALTHCHECK = "Config.Healthcheck is not set: neither the container nor its image has one"
NEVER_RESTARTED = "RestartPolicy no: never restarted automatically"
NO_ROTATION = "json-file logs without max-size grow without limit"
DEFAULT_LOGS = '{"Config": {}, "Type": "json-file"}'


@pytest.fixture(scope="module")
def rig_facts(live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory) -> ProjectFacts:
    """The rig's engine, read once for the module."""
    facts = live_helpers.read_rig(tmp_path_factory, "live-settings")
    # The rig's expectations are dockerd's defaults; daemon.json cases are unit tests below.
    facts.engines[0].daemon_config = None
    return facts


def _rig(facts: ProjectFacts, detector: str, short: str) -> Finding:
    found = {f.target.name: f for f in DETECTORS[detector](facts)}
    return found[engine_rig.PREFIX + short]


def _pinned(image: str) -> str:
    return f"image {image} pins version {engine_rig.RUN}"


def _not_pinned(image: str) -> str:
    return (
        f"image {image} is not pinned by digest: its tag can be moved to other content; "
        "the image has no registry digest, so it was built or loaded here"
    )


RIG_CASES = [
    ("kernel_settings", "hardened", Status.PASS, KERNEL_DEFAULTS, KERNEL_FIELDS),
    ("kernel_settings", "weak", Status.PASS, KERNEL_DEFAULTS, KERNEL_FIELDS),
    ("kernel_settings", "weak-running", Status.PASS, KERNEL_DEFAULTS, KERNEL_FIELDS),
    ("kernel_settings", "privileged", Status.PASS, KERNEL_DEFAULTS, KERNEL_FIELDS),
    ("ulimits", "hardened", Status.UNKNOWN, NO_ULIMITS, [("HostConfig.Ulimits", "[]")]),
    ("ulimits", "weak", Status.UNKNOWN, NO_ULIMITS, [("HostConfig.Ulimits", "[]")]),
    ("ulimits", "privileged", Status.UNKNOWN, NO_ULIMITS, [("HostConfig.Ulimits", "[]")]),
    ("init_process", "hardened", Status.PASS, "HostConfig.Init is true: docker-init runs as PID 1",
     [("HostConfig.Init", "true")]),
    ("init_process", "weak", Status.FAIL, SLEEP_IS_PID_1,
     [("HostConfig.Init", "null"), ("Config.Cmd", '["sleep", "3600"]')]),
    ("init_process", "weak-running", Status.FAIL, SLEEP_IS_PID_1,
     [("HostConfig.Init", "null"), ("Config.Cmd", '["sleep", "3600"]')]),
    ("init_process", "privileged", Status.FAIL, SLEEP_IS_PID_1,
     [("HostConfig.Init", "null"), ("Config.Cmd", '["sleep", "3600"]')]),
    ("service_healthcheck", "weak", Status.FAIL, NO_HEALTHCHECK,
     [("Config.Healthcheck", "null")]),
    ("service_healthcheck", "weak-running", Status.FAIL, NO_HEALTHCHECK,
     [("Config.Healthcheck", "null")]),
    ("service_healthcheck", "privileged", Status.FAIL, NO_HEALTHCHECK,
     [("Config.Healthcheck", "null")]),
    ("service_healthcheck", "compose-web", Status.PASS, "the HEALTHCHECK of its image applies",
     [("Config.Healthcheck.Test", '["CMD", "/bin/true"]')]),
    ("restart_policy", "hardened", Status.PASS, "on-failure gives up after 3 retries",
     [("HostConfig.RestartPolicy", '{"MaximumRetryCount": 3, "Name": "on-failure"}')]),
    ("restart_policy", "weak", Status.PASS,
     "RestartPolicy always: restarted without limit, each time after a longer delay",
     [("HostConfig.RestartPolicy", '{"MaximumRetryCount": 0, "Name": "always"}')]),
    ("restart_policy", "weak-running", Status.PASS, NEVER_RESTARTED,
     [("HostConfig.RestartPolicy", '{"MaximumRetryCount": 0, "Name": "no"}')]),
    ("restart_policy", "privileged", Status.PASS, NEVER_RESTARTED,
     [("HostConfig.RestartPolicy", '{"MaximumRetryCount": 0, "Name": "no"}')]),
    ("secrets_not_in_env", "weak", Status.FAIL,
     "secrets in plain text: DB_PASSWORD holds a literal value, GITHUB_TOKEN holds a literal "
     "value from the image's ENV",
     [("Config.Env", "DB_PASSWORD=****"), ("Config.Env", "GITHUB_TOKEN=****"),
      ("Config.Env", "GITHUB_TOKEN=****")]),
    ("secrets_not_in_env", "weak-running", Status.FAIL,
     "secrets in plain text: API_TOKEN holds a literal value", [("Config.Env", "API_TOKEN=****")]),
    ("secrets_not_in_env", "privileged", Status.PASS,
     "no secret-looking variable holds a literal value", [("Config.Env", "null")]),
    ("compose_image_tag", "hardened", Status.PASS, _pinned(engine_rig.HARDENED_IMAGE),
     [("Config.Image", engine_rig.HARDENED_IMAGE)]),
    ("compose_image_tag", "weak", Status.PASS, _pinned(engine_rig.WEAK_IMAGE),
     [("Config.Image", engine_rig.WEAK_IMAGE)]),
    ("compose_image_tag", "weak-running", Status.PASS, _pinned(engine_rig.BASE_IMAGE),
     [("Config.Image", engine_rig.BASE_IMAGE)]),
    ("compose_image_tag", "privileged", Status.PASS, _pinned(engine_rig.BASE_IMAGE),
     [("Config.Image", engine_rig.BASE_IMAGE)]),
    ("compose_image_digest", "hardened", Status.FAIL, _not_pinned(engine_rig.HARDENED_IMAGE),
     [("Config.Image", engine_rig.HARDENED_IMAGE), ("RepoDigests", "[]")]),
    ("compose_image_digest", "weak", Status.FAIL, _not_pinned(engine_rig.WEAK_IMAGE),
     [("Config.Image", engine_rig.WEAK_IMAGE), ("RepoDigests", "[]")]),
    ("compose_image_digest", "weak-running", Status.FAIL, _not_pinned(engine_rig.BASE_IMAGE),
     [("Config.Image", engine_rig.BASE_IMAGE), ("RepoDigests", "[]")]),
    ("compose_image_digest", "privileged", Status.FAIL, _not_pinned(engine_rig.BASE_IMAGE),
     [("Config.Image", engine_rig.BASE_IMAGE), ("RepoDigests", "[]")]),
    ("logging_rotation", "hardened", Status.PASS,
     "json-file rotates at max-size 10m, 3 files kept",
     [("HostConfig.LogConfig",
       '{"Config": {"max-file": "3", "max-size": "10m"}, "Type": "json-file"}')]),
    ("logging_rotation", "weak", Status.FAIL, NO_ROTATION,
     [("HostConfig.LogConfig", DEFAULT_LOGS)]),
    ("logging_rotation", "weak-running", Status.FAIL, NO_ROTATION,
     [("HostConfig.LogConfig", DEFAULT_LOGS)]),
    ("logging_rotation", "privileged", Status.FAIL, NO_ROTATION,
     [("HostConfig.LogConfig", DEFAULT_LOGS)]),
    ("logging_rotation", "compose-web", Status.FAIL, NO_ROTATION,
     [("HostConfig.LogConfig", DEFAULT_LOGS)]),
]  # fmt: skip


@pytest.mark.parametrize(("detector", "short", "status", "reason", "cited"), RIG_CASES)
def test_rig_containers(
    rig_facts: ProjectFacts,
    detector: str,
    short: str,
    status: Status,
    reason: str,
    cited: list[tuple[str, str]],
) -> None:
    finding = _rig(rig_facts, detector, short)
    assert (finding.status, finding.reason) == (status, reason)
    assert live_helpers.cited(finding) == cited


def test_rig_hardened_healthcheck_from_its_image(rig_facts: ProjectFacts) -> None:
    finding = _rig(rig_facts, "service_healthcheck", "hardened")
    assert finding.status is Status.PASS
    # The first check runs 30 s after the start: the state depends on the test's timing.
    assert finding.reason in (
        "the HEALTHCHECK of its image applies; the container is starting",
        "the HEALTHCHECK of its image applies; the container is healthy",
    )
    test, status = live_helpers.cited(finding)
    assert test == ("Config.Healthcheck.Test", '["CMD", "/bin/true"]')
    assert status[0] == "State.Health.Status"


def test_rig_hardened_environment_holds_no_secret(rig_facts: ProjectFacts) -> None:
    finding = _rig(rig_facts, "secrets_not_in_env", "hardened")
    assert (finding.status, finding.reason) == (
        Status.PASS,
        "no secret-looking variable holds a literal value",
    )
    ((field, snippet),) = live_helpers.cited(finding)
    assert field == "Config.Env" and snippet.startswith('["PATH=')


def test_rig_weak_secret_evidence_cites_container_and_image(rig_facts: ProjectFacts) -> None:
    (engine,) = rig_facts.engines
    finding = _rig(rig_facts, "secrets_not_in_env", "weak")
    paths = [e.path for e in finding.evidence]
    container = f"{engine.host}: container {engine_rig.PREFIX}weak"
    assert paths == [container, container, f"{engine.host}: image {engine_rig.WEAK_IMAGE}"]


def test_rig_findings_hold_no_planted_secret(rig_facts: ProjectFacts) -> None:
    planted = (
        engine_rig.PLANTED_PASSWORD,
        engine_rig.PLANTED_TOKEN,
        engine_rig.PLANTED_BUILD_ARG,
    )
    for detector in DETECTORS.values():
        for finding in detector(rig_facts):
            texts = [finding.reason] + [e.snippet for e in finding.evidence]
            assert not any(secret in text for secret in planted for text in texts)


# Hand-written inspect data, for what the rig does not hold.

MOVABLE = "is not pinned by digest: its tag can be moved to other content"
IMAGE_ID = "sha256:6f63c9896a360385448a4ead74f5a5002b0c6704813d83a97635611faf8ca4c3"


def _judge(
    detector: str,
    host_config: dict[str, Any] | None = None,
    *,
    config: dict[str, Any] | None = None,
    image: ImageFacts | None = None,
    daemon: DaemonConfig | None = None,
    **top: Any,
) -> Finding:
    data = {"Name": "/c", "HostConfig": host_config or {}, "Config": config or {}, **top}
    engine = EngineFacts(Endpoint("h", "unix:///run/h.sock", "test"), "2026-12-03T00:00:00Z")
    engine.info = {"ServerVersion": "20.10.24"}
    engine.containers = [ContainerFacts("h", data, image)]
    engine.daemon_config = daemon
    (finding,) = DETECTORS[detector](ProjectFacts(root=Path("."), engines=[engine]))
    return finding


def _daemon(tmp_path: Path, text: str) -> DaemonConfig:
    (tmp_path / "daemon.json").write_text(text)
    config = read_daemon_config(tmp_path, "daemon.json")
    config.path = "/etc/docker/daemon.json"
    return config


@pytest.mark.parametrize(
    ("host_config", "status", "reason", "cited"),
    [
        (
            {"Sysctls": {"net.core.somaxconn": "1024", "net.ipv4.ip_forward": "1"}},
            Status.FAIL,
            "sysctl net.ipv4.ip_forward=1",
            [("HostConfig.Sysctls", "net.ipv4.ip_forward=1")],
        ),
        (
            {"Sysctls": {"net.ipv4.conf.all.route_localnet": "1", "net.ipv4.ip_forward": "0"}},
            Status.FAIL,
            "sysctl net.ipv4.conf.all.route_localnet=1",
            [("HostConfig.Sysctls", "net.ipv4.conf.all.route_localnet=1")],
        ),
        (
            {"CgroupParent": "/mine", "OomScoreAdj": -600},
            Status.FAIL,
            "OomScoreAdj -600 makes the OOM killer take other host processes first; "
            "CgroupParent /mine places it outside Docker's cgroup",
            [("HostConfig.OomScoreAdj", "-600"), ("HostConfig.CgroupParent", "/mine")],
        ),
        (
            {"OomKillDisable": True, "Memory": 0},
            Status.FAIL,
            "OomKillDisable without a memory limit can leave the host out of memory",
            [("HostConfig.OomKillDisable", "true")],
        ),
    ],
)
def test_kernel_settings_failures(
    host_config: dict[str, Any], status: Status, reason: str, cited: list[tuple[str, str]]
) -> None:
    finding = _judge("kernel_settings", host_config)
    assert (finding.status, finding.reason) == (status, reason)
    assert live_helpers.cited(finding) == cited


def test_kernel_settings_harmless_values() -> None:
    finding = _judge(
        "kernel_settings",
        {
            "Sysctls": {"net.core.somaxconn": "1024", "net.ipv4.ip_forward": "0"},
            "OomKillDisable": True,
            "Memory": 67108864,
            "OomScoreAdj": -499,
        },
    )
    assert finding.status is Status.PASS
    assert finding.reason == (
        "sysctls net.core.somaxconn, net.ipv4.ip_forward do not open routing; "
        "the OOM killer and cgroup parent keep their defaults"
    )


@pytest.mark.parametrize(
    ("ulimits", "status", "reason"),
    [
        (
            [
                {"Name": "nofile", "Soft": 1024, "Hard": 2048},
                {"Name": "memlock", "Soft": -1, "Hard": -1},
            ],
            Status.PASS,
            "ulimits set: nofile 1024/2048, memlock -1/-1",
        ),
        (
            [
                {"Name": "nofile", "Soft": 1024, "Hard": 2048},
                {"Name": "nproc", "Soft": -1, "Hard": -1},
            ],
            Status.FAIL,
            "Ulimits lift the nproc limit: unlimited",
        ),
        (None, Status.UNKNOWN, NO_ULIMITS),
    ],
)
def test_ulimits(ulimits: Any, status: Status, reason: str) -> None:
    finding = _judge("ulimits", {"Ulimits": ulimits})
    assert (finding.status, finding.reason) == (status, reason)
    if status is Status.FAIL:
        assert live_helpers.cited(finding) == [
            ("HostConfig.Ulimits", '{"Hard": -1, "Name": "nproc", "Soft": -1}')
        ]


def test_ulimits_from_the_engines_daemon_json(tmp_path: Path) -> None:
    daemon = _daemon(
        tmp_path, '{\n  "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 64000}}\n}'
    )
    finding = _judge("ulimits", {"Ulimits": []}, daemon=daemon)
    assert finding.status is Status.PASS
    assert finding.reason == "no Ulimits: the default-ulimits of /etc/docker/daemon.json apply"
    assert [(e.path, e.line) for e in finding.evidence][1] == ("/etc/docker/daemon.json", 2)


@pytest.mark.parametrize(
    ("config", "status", "reason"),
    [
        (
            {"Entrypoint": ["/sbin/tini", "--"], "Cmd": ["app"]},
            Status.PASS,
            "Config.Entrypoint starts tini as PID 1",
        ),
        (
            {"Entrypoint": ["sh", "-c", "exec dumb-init app"]},
            Status.PASS,
            "Config.Entrypoint starts dumb-init as PID 1",
        ),
        (
            {"Entrypoint": ["/usr/bin/app"], "Cmd": ["--serve"]},
            Status.FAIL,
            "HostConfig.Init is not set: app from Config.Entrypoint runs as PID 1 and must "
            "reap zombies and handle signals itself",
        ),
        (
            {"Entrypoint": None, "Cmd": None},
            Status.UNKNOWN,
            "HostConfig.Init is not set and the container has no entrypoint or command",
        ),
    ],
)
def test_init_from_the_entrypoint(config: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("init_process", {"Init": None}, config=config)
    assert (finding.status, finding.reason) == (status, reason)


def test_init_from_the_daemon_unless_the_container_says_no(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, '{"init": true}')
    unset = _judge("init_process", {"Init": None}, config={"Cmd": ["app"]}, daemon=daemon)
    assert (unset.status, unset.reason) == (
        Status.PASS,
        "/etc/docker/daemon.json sets init for every container",
    )
    refused = _judge("init_process", {"Init": False}, config={"Cmd": ["app"]}, daemon=daemon)
    assert refused.status is Status.FAIL


def test_healthcheck_turned_off_and_empty() -> None:
    image = ImageFacts("h", {"Config": {"Healthcheck": {"Test": ["CMD", "true"]}}})
    off = _judge("service_healthcheck", config={"Healthcheck": {"Test": ["NONE"]}}, image=image)
    assert (off.status, off.reason) == (
        Status.FAIL,
        'Config.Healthcheck.Test ["NONE"] turns it off',
    )
    assert live_helpers.cited(off) == [("Config.Healthcheck.Test", '["NONE"]')]
    empty = _judge("service_healthcheck", config={"Healthcheck": {"Test": []}})
    assert (empty.status, empty.reason) == (Status.FAIL, NO_HEALTHCHECK)


def test_healthcheck_state() -> None:
    test = {"Healthcheck": {"Test": ["CMD-SHELL", "wget -q localhost"]}}
    unhealthy = _judge(
        "service_healthcheck",
        config=test,
        State={"Status": "running", "Health": {"Status": "unhealthy", "FailingStreak": 3}},
    )
    assert (unhealthy.status, unhealthy.reason) == (
        Status.FAIL,
        "the health check reports unhealthy after 3 failed checks",
    )
    assert live_helpers.cited(unhealthy)[0] == ("State.Health.Status", "unhealthy")
    healthy = _judge("service_healthcheck", config=test, State={"Health": {"Status": "healthy"}})
    assert (healthy.status, healthy.reason) == (
        Status.PASS,
        "Config.Healthcheck sets a test; the container is healthy",
    )


@pytest.mark.parametrize(
    ("policy", "status", "reason"),
    [
        (
            {"Name": "on-failure", "MaximumRetryCount": 0},
            Status.FAIL,
            "on-failure without a retry count: a crashing container is restarted forever",
        ),
        (
            {"Name": "on-failure", "MaximumRetryCount": 6},
            Status.FAIL,
            "on-failure retries 6 times; CIS asks for at most 5",
        ),
        (
            {"Name": "on-failure", "MaximumRetryCount": 5},
            Status.PASS,
            "on-failure gives up after 5 retries",
        ),
        (
            {"Name": "unless-stopped", "MaximumRetryCount": 0},
            Status.PASS,
            "RestartPolicy unless-stopped: restarted without limit, each time after a longer "
            "delay",
        ),
        ({"Name": "", "MaximumRetryCount": 0}, Status.PASS, NEVER_RESTARTED),
        ({"Name": "sometimes"}, Status.UNKNOWN, "unknown restart policy sometimes"),
    ],
)
def test_restart_policy(policy: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("restart_policy", {"RestartPolicy": policy})
    assert (finding.status, finding.reason) == (status, reason)


def test_restart_policy_of_a_swarm_task() -> None:
    finding = _judge(
        "restart_policy",
        {"RestartPolicy": {"Name": "", "MaximumRetryCount": 0}},
        config={"Labels": {"com.docker.swarm.task.id": "x1y2"}},
    )
    assert finding.status is Status.NOT_APPLICABLE
    assert live_helpers.cited(finding) == [("Config.Labels", "com.docker.swarm.task.id=x1y2")]


@pytest.mark.parametrize(
    "env",
    [
        ["DB_PASSWORD="],
        ["DB_PASSWORD_FILE=/run/secrets/db_password"],
        ["API_TOKEN=/run/secrets/api_token"],
        ["GPG_KEYS=ABCD1234", "TOKEN_URL=https://auth.example/token"],
    ],
)
def test_environment_without_literal_secrets(env: list[str]) -> None:
    finding = _judge("secrets_not_in_env", config={"Env": env})
    assert finding.status is Status.PASS


def test_secret_values_never_reach_the_output() -> None:
    finding = _judge(
        "secrets_not_in_env",
        config={
            "Env": [
                "API_KEY=first half second-half",
                "DATABASE_URL=postgres://app:s3cretpw@db:5432/app",
            ],
            "Cmd": ["redis-server", "--requirepass", "sw0rdfish", "--port=6379"],
        },
    )
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "secrets in plain text: API_KEY holds a literal value, DATABASE_URL holds a URL with "
        "a password, Config.Cmd passes --requirepass in plain text"
    )
    assert live_helpers.cited(finding) == [
        ("Config.Env", "API_KEY=****"),
        ("Config.Env", "DATABASE_URL=postgres://app:****@db:5432/app"),
        ("Config.Cmd", "--requirepass ****"),
    ]
    for value in ("first", "second-half", "s3cretpw", "sw0rdfish"):
        assert all(value not in e.snippet for e in finding.evidence)


def test_password_flags_that_reference_a_variable_or_file() -> None:
    finding = _judge(
        "secrets_not_in_env",
        config={"Cmd": ["app", "--password=$DB_PASSWORD", "--password-file", "/run/secrets/p"]},
    )
    assert finding.status is Status.PASS


@pytest.mark.parametrize(
    ("reference", "tag", "digest"),
    [
        (
            "nginx",
            (Status.FAIL, "image nginx has no tag, so it pulls latest"),
            (Status.FAIL, f"image nginx {MOVABLE}"),
        ),
        (
            "nginx:latest",
            (Status.FAIL, "image nginx:latest uses the moving tag latest"),
            (Status.FAIL, f"image nginx:latest {MOVABLE}"),
        ),
        (
            "nginx:1.27@sha256:" + "b" * 64,
            (Status.PASS, f"image nginx:1.27@sha256:{'b' * 64} is pinned by digest"),
            (Status.PASS, f"image nginx:1.27@sha256:{'b' * 64} is pinned by digest"),
        ),
    ],
)  # fmt: skip
def test_image_references(
    reference: str, tag: tuple[Status, str], digest: tuple[Status, str]
) -> None:
    image = ImageFacts("h", {"Id": IMAGE_ID, "RepoTags": [], "RepoDigests": []})
    for detector, expected in (("compose_image_tag", tag), ("compose_image_digest", digest)):
        finding = _judge(detector, config={"Image": reference}, Image=IMAGE_ID)
        assert (finding.status, finding.reason) == expected
        assert live_helpers.cited(finding) == [("Config.Image", reference)]
    with_digest = _judge(
        "compose_image_digest", config={"Image": reference}, Image=IMAGE_ID, image=image
    )
    assert with_digest.status is digest[0]


def test_digest_reason_names_the_registry_digest_when_there_is_one() -> None:
    digests = ["nginx@sha256:" + "c" * 64]
    image = ImageFacts("h", {"Id": IMAGE_ID, "RepoTags": ["nginx:1.27"], "RepoDigests": digests})
    finding = _judge(
        "compose_image_digest", config={"Image": "nginx:1.27"}, Image=IMAGE_ID, image=image
    )
    assert finding.reason == (
        "image nginx:1.27 is not pinned by digest: its tag can be moved to other content"
    )
    assert live_helpers.cited(finding)[1] == ("RepoDigests", f'["nginx@sha256:{"c" * 64}"]')


@pytest.mark.parametrize("reference", ["6f63c9896a36", IMAGE_ID, "6f63c9"])
def test_image_id_is_pinned_like_a_digest(reference: str) -> None:
    for detector in ("compose_image_tag", "compose_image_digest"):
        finding = _judge(detector, config={"Image": reference}, Image=IMAGE_ID)
        assert finding.status is Status.PASS
        assert finding.reason == (
            f"created from the image id {reference}, which names fixed content as a digest does"
        )
        assert live_helpers.cited(finding) == [("Config.Image", reference), ("Image", IMAGE_ID)]


def test_hex_looking_name_that_is_a_tag() -> None:
    image = ImageFacts("h", {"Id": IMAGE_ID, "RepoTags": ["6f63c9:latest"]})
    finding = _judge("compose_image_tag", config={"Image": "6f63c9"}, Image=IMAGE_ID, image=image)
    assert (finding.status, finding.reason) == (
        Status.FAIL,
        "image 6f63c9 has no tag, so it pulls latest",
    )


def test_empty_image_reference() -> None:
    finding = _judge("compose_image_tag", config={"Image": ""})
    assert (finding.status, finding.reason) == (Status.UNKNOWN, "Config.Image is empty")


@pytest.mark.parametrize(
    ("log_config", "status", "reason"),
    [
        ({"Type": "none", "Config": {}}, Status.FAIL, "log driver none: no logs are kept at all"),
        ({"Type": "local", "Config": {}}, Status.PASS,
         "the local driver rotates its files by default"),
        ({"Type": "syslog", "Config": {}}, Status.PASS, "logs go to the syslog driver"),
        ({"Type": "json-file", "Config": {"max-size": "-1"}}, Status.FAIL, NO_ROTATION),
        ({"Type": "json-file", "Config": {"max-size": "20m"}}, Status.PASS,
         "json-file rotates at max-size 20m"),
    ],
)  # fmt: skip
def test_logging(log_config: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("logging_rotation", {"LogConfig": log_config})
    assert (finding.status, finding.reason) == (status, reason)
    assert [e.field for e in finding.evidence] == ["HostConfig.LogConfig"]
