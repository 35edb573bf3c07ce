"""Compose drift: containers compared setting by setting with the compose services they
were made from, on containers of the real engine and on hand-written inspect data."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import engine_rig
import pytest

from reviewtui.checklists import load_catalogue
from reviewtui.detect.drift import compose_drift
from reviewtui.detect.drift_settings import SETTINGS, Join, compare_settings
from reviewtui.detect.drift_values import memory_bytes
from reviewtui.detect.engine import detect
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project import read_project
from tests.conftest import write_project

DRIFT_PROJECT = f"drift{engine_rig.RUN}"
ITEM = "runtime.live-matches-compose"
ELSEWHERE = "/srv/elsewhere"

DRIFT_COMPOSE = f"""\
name: {DRIFT_PROJECT}
services:
  limits:
    image: {engine_rig.HARDENED_IMAGE}
    network_mode: none
    mem_limit: 64m
    cpus: 0.5
    pids_limit: 50
  tighter:
    image: {engine_rig.HARDENED_IMAGE}
    network_mode: none
    mem_limit: 1g
    volumes:
      - ./data:/data:ro
  weakimage:
    image: {engine_rig.WEAK_IMAGE}
    network_mode: none
  many:
    image: {engine_rig.BASE_IMAGE}
    user: "1000"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    init: true
    network_mode: none
    ports:
      - "127.0.0.1:18080:80"
    volumes:
      - ./data:/data:ro
    environment:
      MODE: production
  byname:
    image: {engine_rig.HARDENED_IMAGE}
    network_mode: none
  lonely:
    image: {engine_rig.HARDENED_IMAGE}
  elsewhere:
    image: {engine_rig.HARDENED_IMAGE}
  debug:
    image: {engine_rig.HARDENED_IMAGE}
    profiles: [debug]
"""


@dataclass
class DriftRig:
    """The drift project's folder and the review of it against the engine."""

    project_dir: Path
    results: dict[str, list[Finding]]

    def drift(self, name: str) -> Finding:
        """The drift finding of a container (``drift-NAME``) or a service (``NAME``)."""
        found = {f.target.name: f for f in self.results[ITEM]}
        return found.get(engine_rig.PREFIX + "drift-" + name) or found[name]

    def container_finding(self, item_id: str, name: str) -> Finding:
        target = Target(TargetKind.CONTAINER, "default", engine_rig.PREFIX + "drift-" + name)
        return next(f for f in self.results[item_id] if f.target == target)


def _create(name: str, labels: dict[str, str], *args: str) -> None:
    options = [item for key, value in labels.items() for item in ("--label", f"{key}={value}")]
    engine_rig.docker(
        "create",
        "--name",
        engine_rig.PREFIX + "drift-" + name,
        "--label",
        engine_rig.LABEL,
        "--label",
        engine_rig.RUN_LABEL,
        *options,
        *args,
    )


def _labels(service: str, working_dir: str | None) -> dict[str, str]:
    labels = {"com.docker.compose.project": DRIFT_PROJECT, "com.docker.compose.service": service}
    if working_dir is not None:
        labels["com.docker.compose.project.working_dir"] = working_dir
    return labels


@pytest.fixture(scope="module")
def drift_rig(
    live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DriftRig]:
    """Containers made as if by compose from the drift project, each differing from its
    service in a known way, and the whole review of the project against the engine."""
    project_dir = write_project(
        tmp_path_factory.mktemp("drift") / "project", {"compose.yaml": DRIFT_COMPOSE}
    )
    (project_dir / "data").mkdir()
    here = str(project_dir)
    hardened, weak, base = engine_rig.HARDENED_IMAGE, engine_rig.WEAK_IMAGE, engine_rig.BASE_IMAGE
    none = ("--network", "none")
    try:
        _create("limits", _labels("limits", here), *none, "-m", "2g", "--cpus", "2",
                "--pids-limit", "5000", hardened)  # fmt: skip
        _create("tighter", _labels("tighter", here), *none, "-m", "256m", "--cpus", "1",
                "-v", f"{project_dir / 'data'}:/data:ro", hardened)  # fmt: skip
        _create("weakimage", _labels("weakimage", here), *none, weak)
        _create("many", _labels("many", here), *none, "--privileged",
                "-p", "18080:80", "-v", f"{engine_rig.SOCKET}:/var/run/docker.sock",
                "-e", f"API_TOKEN={engine_rig.PLANTED_TOKEN}", base, "sleep", "3600")  # fmt: skip
        _create("byname", _labels("byname", None), *none, hardened)
        _create("cache", _labels("cache", here), *none, hardened)
        _create("elsewhere", _labels("elsewhere", ELSEWHERE), *none, hardened)
        facts = read_project(project_dir)
        (engine,) = read_engines(LiveSettings(all_containers=True))
        assert engine.error is None, engine.error
        facts.engines = [engine]
        yield DriftRig(project_dir, detect(load_catalogue(), facts))
    finally:
        for name in ("limits", "tighter", "weakimage", "many", "byname", "cache", "elsewhere"):
            engine_rig.docker("rm", "-f", "-v", engine_rig.PREFIX + "drift-" + name, check=False)


def _cited(finding: Finding) -> list[tuple[Any, str]]:
    """Evidence as (line, snippet) for a file and (field, snippet) for the engine."""
    return [(e.line, e.snippet) if e.in_file else (e.field, e.snippet) for e in finding.evidence]


# The engine: one container per problem.


def test_limits_looser_than_declared_fail_with_both_sides_cited(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("limits")

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "differs from compose service limits (compose.yaml) on 3 settings: memory, cpus and pids"
    )
    cited = _cited(finding)
    for pair in [
        (6, "mem_limit: 64m"),
        ("HostConfig.Memory", str(2 << 30)),
        (7, "cpus: 0.5"),
        ("HostConfig.NanoCpus", "2000000000"),
        (8, "pids_limit: 50"),
        ("HostConfig.PidsLimit", "5000"),
    ]:
        assert pair in cited
    # The limit items pass on both sides, so only the note shows the difference.
    memory = drift_rig.container_finding("runtime.memory-limit", "limits")
    assert memory.status is Status.PASS
    assert memory.reason.endswith("(compose service limits declares mem_limit: 64m)")


def test_tighter_limits_pass_and_are_named(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("tighter")

    assert finding.status is Status.PASS
    assert finding.reason == (
        "differs from compose service tighter (compose.yaml) only without weakening it, "
        "on memory and cpus"
    )
    assert ("HostConfig.Memory", str(256 << 20)) in _cited(finding)
    assert ("HostConfig.NanoCpus", "1000000000") in _cited(finding)
    # ./data resolves against the labelled working directory: the bind is the same.
    assert not [e for e in finding.evidence if e.field == "Mounts"]


def test_container_run_as_declared_from_an_image_with_a_token_passes(
    drift_rig: DriftRig,
) -> None:
    finding = drift_rig.drift("weakimage")

    assert finding.status is Status.PASS
    assert finding.reason == (
        f"runs as compose service weakimage (compose.yaml) declares, on all {len(SETTINGS)} "
        "settings compared"
    )
    # The image's ENV still fails the secrets item, but no setting differs: no note.
    secrets = drift_rig.container_finding("runtime.secrets-not-env", "weakimage")
    assert secrets.status is Status.FAIL
    assert "declares" not in secrets.reason


def test_many_differences_are_all_in_the_evidence(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("many")

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "differs from compose service many (compose.yaml) on 9 settings: user, privileged, "
        "read_only and 6 more: see the evidence"
    )
    fields = {e.field for e in finding.evidence}
    assert {
        "Config.User",
        "HostConfig.Privileged",
        "HostConfig.ReadonlyRootfs",
        "HostConfig.CapDrop",
        "HostConfig.SecurityOpt",
        "HostConfig.PortBindings",
        "Mounts",
        "Config.Env",
        "HostConfig.Init",
    } <= fields
    cited = _cited(finding)
    for pair in [
        (20, 'user: "1000"'),
        ("Config.User", '""'),
        (21, "read_only: true"),
        (22, "cap_drop: [ALL]"),
        (23, 'security_opt: ["no-new-privileges:true"]'),
        (24, "init: true"),
        (26, "ports:"),
        (28, "volumes:"),
        (31, "MODE: production"),
        ("Config.Env", "set at run time: API_TOKEN"),
        ("Config.Env", "missing: MODE"),
        ("HostConfig.PortBindings", '{"80/tcp": [{"HostIp": "", "HostPort": "18080"}]}'),
    ]:
        assert pair in cited
    socket = drift_rig.container_finding("runtime.no-docker-socket", "many")
    assert socket.reason.endswith("(compose service many declares volumes: ./data:/data:ro)")
    privileged = drift_rig.container_finding("runtime.not-privileged", "many")
    assert privileged.reason.endswith("(compose service many declares no privileged)")


def test_no_planted_secret_reaches_a_finding(drift_rig: DriftRig) -> None:
    ours = engine_rig.PREFIX + "drift-"
    findings = [
        f
        for item_findings in drift_rig.results.values()
        for f in item_findings
        if f.target.name.startswith(ours)
    ] + drift_rig.results[ITEM]
    text = json.dumps([f.to_dict() for f in findings])

    assert engine_rig.PLANTED_TOKEN not in text
    assert engine_rig.PLANTED_PASSWORD not in text
    assert engine_rig.PLANTED_BUILD_ARG not in text


def test_container_joined_by_name_without_a_working_dir(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("byname")

    assert finding.status is Status.PASS
    assert finding.reason.startswith("runs as compose service byname (compose.yaml) declares")


def test_container_of_an_undeclared_service_fails(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("cache")

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "made by compose for service cache, which the reviewed files do not declare"
    )
    assert finding.evidence[0].field == "Config.Labels"
    assert '"com.docker.compose.service": "cache"' in finding.evidence[0].snippet


def test_container_from_another_copy_is_not_compared(drift_rig: DriftRig) -> None:
    finding = drift_rig.drift("elsewhere")

    assert finding.status is Status.UNKNOWN
    assert finding.reason == (
        f"compose project {DRIFT_PROJECT} from {ELSEWHERE}: another copy of the files, "
        "not the reviewed one"
    )
    assert finding.target.kind is TargetKind.CONTAINER
    # So its service has no container made from the reviewed files.
    services = {
        f.target.name: f for f in drift_rig.results[ITEM] if f.target.kind is TargetKind.SERVICE
    }
    assert services["elsewhere"].status is Status.UNKNOWN


def test_services_without_a_container(drift_rig: DriftRig) -> None:
    services = {
        f.target.name: f for f in drift_rig.results[ITEM] if f.target.kind is TargetKind.SERVICE
    }

    assert set(services) == {"lonely", "elsewhere"}  # the debug profile is not enabled
    assert services["lonely"].reason == (
        "no container of this service runs on the engines read (default)"
    )
    assert services["lonely"].evidence[0].snippet == "lonely:"


# Hand-written inspect data.

ENDPOINT = Endpoint("default", "unix:///nowhere.sock", "a test")
IMAGE_ID = "sha256:" + "a" * 64


def _image(tags: list[str] | None = None, user: str = "", env: list[str] | None = None) -> Any:
    data = {"Id": IMAGE_ID, "RepoTags": tags or [], "Config": {"User": user, "Env": env or []}}
    return ImageFacts("default", data)


def _container(
    name: str,
    service: str,
    root: Path | None,
    *,
    project: str = "demo",
    image: ImageFacts | None = None,
    config: dict[str, Any] | None = None,
    host: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> ContainerFacts:
    """A container as ``docker create --network none`` leaves it, with compose's labels."""
    all_labels = {"com.docker.compose.project": project, "com.docker.compose.service": service}
    if root is not None:
        all_labels["com.docker.compose.project.working_dir"] = str(root)
    data: dict[str, Any] = {
        "Name": "/" + name,
        "Id": name.encode().hex().ljust(64, "0"),
        "Image": IMAGE_ID,
        "Config": {
            "Image": "app:1.0",
            "User": "",
            "Env": [],
            "Labels": all_labels | (labels or {}),
        },
        "HostConfig": {
            "NetworkMode": "none",
            "Privileged": False,
            "ReadonlyRootfs": False,
            "CapAdd": None,
            "CapDrop": None,
            "SecurityOpt": None,
            "Memory": 0,
            "NanoCpus": 0,
            "CpuQuota": 0,
            "CpuPeriod": 0,
            "PidsLimit": None,
            "PidMode": "",
            "IpcMode": "private",
            "UTSMode": "",
            "UsernsMode": "",
            "PortBindings": {},
            "Binds": None,
            "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "Init": None,
        },
        "Mounts": [],
    }
    data["Config"].update(config or {})
    data["HostConfig"].update(host or {})
    return ContainerFacts("default", data, image if image is not None else _image(["app:1.0"]))


def _engine(*containers: ContainerFacts, reachable: bool = True) -> EngineFacts:
    return EngineFacts(
        ENDPOINT,
        "2026-01-01T00:00:00Z",
        error=None if reachable else "no engine is listening there",
        info={"ID": "x"} if reachable else {},
        containers=list(containers),
    )


def _review(
    root: Path,
    compose: str,
    *containers: ContainerFacts,
    results: dict[str, list[Finding]] | None = None,
    engines: list[EngineFacts] | None = None,
) -> dict[str, Finding]:
    """The drift findings by target name for ``compose`` written in ``root``."""
    write_project(root, {"compose.yaml": compose})
    facts = read_project(root)
    facts.engines = engines if engines is not None else [_engine(*containers)]
    return {f.target.name: f for f in compose_drift(facts, results if results is not None else {})}


def _service(body: str, name: str = "app") -> str:
    """A compose file of project demo with one service ``name``."""
    lines = textwrap.dedent(body).strip("\n").splitlines()
    indented = "".join(f"    {line}\n" for line in lines)
    return (
        f"name: demo\nservices:\n  {name}:\n    image: app:1.0\n    network_mode: none\n{indented}"
    )


def _one(tmp_path: Path, body: str, **container: Any) -> Finding:
    """The drift finding of one container ``c`` of service app against ``body``."""
    root = tmp_path.resolve()
    return _review(root, _service(body), _container("c", "app", root, **container))["c"]


@pytest.mark.parametrize(
    ("written", "size"),
    [
        ("64m", 64 << 20),
        ("1g", 1 << 30),
        ("512M", 512 << 20),
        ("1.5gb", 1610612736),
        ("2GiB", 2 << 30),
        ("100k", 102400),
        ("4096", 4096),
        (4096, 4096),
        ("-1", 0),
        ("0", 0),
        ("lots", None),
        (True, None),
    ],
)
def test_memory_sizes_read_as_compose_reads_them(written: Any, size: int | None) -> None:
    assert memory_bytes(written) == size


def test_same_settings_in_other_spellings_pass(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        """
        user: "1000"
        cap_add: [sys_admin]
        cap_drop: [ALL]
        security_opt: ["seccomp=unconfined", "no-new-privileges:true"]
        mem_limit: 1.5gb
        deploy: {resources: {limits: {cpus: "0.5", pids: 64}}}
        ports: ["8080:80", "[::1]:9000:9000", "9090-9091:8080-8081"]
        restart: on-failure:3
        healthcheck: {disable: true}
        init: true
        """,
        config={"User": "1000", "Healthcheck": {"Test": ["NONE"]}},
        host={
            "CapAdd": ["CAP_SYS_ADMIN"],
            "CapDrop": ["all"],
            "SecurityOpt": ["seccomp:unconfined", "no-new-privileges"],
            "Memory": 1610612736,
            "NanoCpus": 500_000_000,
            "PidsLimit": 64,
            "PortBindings": {
                "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}],
                "9000/tcp": [{"HostIp": "::1", "HostPort": "9000"}],
                "8080/tcp": [{"HostIp": "", "HostPort": "9090"}],
                "8081/tcp": [{"HostIp": "::", "HostPort": "9091"}],
            },
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
            "Init": True,
        },
    )

    assert finding.status is Status.PASS, finding.reason
    assert finding.reason == (
        f"runs as compose service app (compose.yaml) declares, on all {len(SETTINGS)} "
        "settings compared"
    )


def test_settings_the_file_leaves_out_that_weaken_fail(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        "",
        host={"Privileged": True, "PidMode": "host", "SecurityOpt": ["label=disable"]},
    )

    # label=disable is the engine's own doing for privileged and host-PID containers.
    assert finding.reason == (
        "differs from compose service app (compose.yaml) on 2 settings: privileged and pid"
    )
    assert (3, "app:") in _cited(finding)  # the service's line stands for the missing key
    assert ("HostConfig.Privileged", "true") in _cited(finding)
    assert ("HostConfig.PidMode", "host") in _cited(finding)


def test_settings_set_only_at_run_time_that_tighten_pass(tmp_path: Path) -> None:
    finding = _one(
        tmp_path,
        "",
        config={"User": "1000"},
        host={"Memory": 2 << 30, "PidsLimit": 100, "ReadonlyRootfs": True, "Init": True},
    )

    assert finding.status is Status.PASS
    assert finding.reason == (
        "differs from compose service app (compose.yaml) only without weakening it, on "
        "user, read_only, memory and 2 more: see the evidence"
    )
    assert ("HostConfig.Init", "true") in _cited(finding)


@pytest.mark.parametrize(
    ("pids", "status"),
    [
        (None, Status.FAIL),
        (0, Status.FAIL),
        (-1, Status.FAIL),
        (50, Status.PASS),
        (49, Status.PASS),
    ],
)
def test_pids_limit_dropped_or_unlimited_at_run_time(
    tmp_path: Path, pids: int | None, status: Status
) -> None:
    finding = _one(tmp_path, "pids_limit: 50", host={"PidsLimit": pids})

    assert finding.status is status, finding.reason


@pytest.mark.parametrize(
    ("declared", "running", "weakens"),
    [
        ('"1000"', "0:0", True),
        ('"1000"', "root", True),
        ('"1000"', "", True),  # the image's user is root
        ('"1000"', "1001", False),
        ("root", "1000", False),
        (None, "0", False),  # root either way: the image's user is root
    ],
)
def test_user(tmp_path: Path, declared: str | None, running: str, weakens: bool) -> None:
    finding = _one(tmp_path, f"user: {declared}" if declared else "", config={"User": running})

    assert finding.status is (Status.FAIL if weakens else Status.PASS), finding.reason
    if declared is None:
        assert finding.reason.startswith("runs as compose service app")


def test_user_left_to_an_image_with_that_user_is_the_same(tmp_path: Path) -> None:
    finding = _one(tmp_path, "", config={"User": "1000"}, image=_image(["app:1.0"], user="1000"))

    assert finding.reason.startswith("runs as compose service app")


@pytest.mark.parametrize(
    ("declared", "running", "status"),
    [
        ("127.0.0.1:8080:80", {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, Status.FAIL),
        ("8080:80", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}, Status.PASS),
        ("8080:80", {}, Status.PASS),
        ("8080:80", {"81/tcp": [{"HostIp": "", "HostPort": "8081"}]}, Status.FAIL),
        ("80", {"80/tcp": [{"HostIp": "", "HostPort": ""}]}, Status.PASS),
    ],
)
def test_ports(tmp_path: Path, declared: str, running: dict[str, Any], status: Status) -> None:
    finding = _one(tmp_path, f'ports: ["{declared}"]', host={"PortBindings": running})

    assert finding.status is status, finding.reason


def test_binds_relative_to_the_working_dir_and_the_socket(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    mounts = [
        {"Type": "bind", "Source": f"{root}/data", "Destination": "/data", "RW": True},
        {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/s", "RW": True},
        {"Type": "volume", "Name": "cache", "Source": "/var/lib/docker/volumes/cache/_data",
         "Destination": "/cache", "RW": True},
    ]  # fmt: skip
    container = _container("c", "app", root)
    container.data["Mounts"] = mounts
    compose = _service('volumes: ["./data:/data:ro", "cache:/cache"]')

    finding = _review(root, compose, container)["c"]

    assert finding.status is Status.FAIL
    assert (
        finding.reason == "differs from compose service app (compose.yaml) on 1 setting: volumes"
    )
    snippets = [e.snippet for e in finding.evidence if e.field == "Mounts"]
    assert len(snippets) == 2
    assert '"Source": "/var/run/docker.sock"' in snippets[0]
    assert f'"Source": "{root}/data"' in snippets[1]
    assert (6, 'volumes: ["./data:/data:ro", "cache:/cache"]') in _cited(finding)


def test_environment_names_only_never_values(tmp_path: Path) -> None:
    image = _image(
        ["app:1.0"], env=["PATH=/bin", "GITHUB_TOKEN=ghp_fromtheimage0123456789abcdefghijkl"]
    )
    finding = _one(
        tmp_path,
        "environment: {MODE: production, FROM_SHELL: null}",
        image=image,
        config={
            "Env": [
                "PATH=/bin",
                "GITHUB_TOKEN=ghp_fromtheimage0123456789abcdefghijkl",
                "DB_PASSWORD=hunter2hunter2",
                "DEBUG=1",
            ]
        },
    )

    assert finding.reason == (
        "differs from compose service app (compose.yaml) on 1 setting: environment"
    )
    cited = _cited(finding)
    assert ("Config.Env", "set at run time: DB_PASSWORD, DEBUG") in cited
    assert ("Config.Env", "missing: MODE") in cited
    assert "hunter2" not in json.dumps(finding.to_dict())


def test_environment_added_without_a_secret_name_only_differs(tmp_path: Path) -> None:
    finding = _one(tmp_path, "", config={"Env": ["DEBUG=1"]})

    assert finding.status is Status.PASS
    assert finding.reason.endswith("only without weakening it, on environment")


def test_environment_of_an_unread_image_is_not_taken_as_set_at_run_time(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    container = _container("c", "app", root, config={"Env": ["API_TOKEN=x"]})
    container.image = None

    finding = _review(root, _service(""), container)["c"]

    assert finding.status is Status.PASS, finding.reason


@pytest.mark.parametrize(
    ("declared", "running", "status"),
    [
        ("restart: on-failure:3", {"Name": "on-failure", "MaximumRetryCount": 0}, Status.FAIL),
        ("restart: on-failure:3", {"Name": "on-failure", "MaximumRetryCount": 10}, Status.FAIL),
        ("restart: always", {"Name": "no", "MaximumRetryCount": 0}, Status.PASS),
        ("", {"Name": "", "MaximumRetryCount": 0}, Status.PASS),
        (
            "deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}",
            {"Name": "on-failure", "MaximumRetryCount": 3},
            Status.PASS,
        ),
    ],
)
def test_restart_policy(
    tmp_path: Path, declared: str, running: dict[str, Any], status: Status
) -> None:
    finding = _one(tmp_path, declared, host={"RestartPolicy": running})

    assert finding.status is status, finding.reason


@pytest.mark.parametrize(
    ("declared", "running", "status"),
    [
        ("", {"Test": ["NONE"]}, Status.FAIL),
        ('healthcheck: {test: ["CMD", "true"]}', None, Status.FAIL),
        ('healthcheck: {test: ["CMD", "true"]}', {"Test": ["CMD", "true"]}, Status.PASS),
        ("healthcheck: {disable: true}", None, Status.PASS),
        ("", {"Test": ["CMD-SHELL", "true"]}, Status.PASS),
    ],
)
def test_healthcheck(
    tmp_path: Path, declared: str, running: dict[str, Any] | None, status: Status
) -> None:
    finding = _one(tmp_path, declared, config={"Healthcheck": running})

    assert finding.status is status, finding.reason


@pytest.mark.parametrize(
    ("compose_image", "running", "tags", "status"),
    [
        ("nginx", "docker.io/library/nginx:latest", [], Status.PASS),
        ("nginx:1.25", "nginx:1.27", [], Status.FAIL),
        ("nginx:1.25", IMAGE_ID, ["nginx:1.25"], Status.PASS),  # made from the id
        ("nginx:1.25", "nginx:latest", ["nginx:1.25", "nginx:latest"], Status.PASS),
    ],
)
def test_image_reference(
    tmp_path: Path, compose_image: str, running: str, tags: list[str], status: Status
) -> None:
    root = tmp_path.resolve()
    compose = f"name: demo\nservices:\n  app:\n    image: {compose_image}\n"
    container = _container("c", "app", root, image=_image(tags), config={"Image": running})

    finding = _review(root, compose, container)["c"]

    assert finding.status is status, finding.reason
    if status is Status.FAIL:
        assert (4, f"image: {compose_image}") in _cited(finding)
        assert ("Config.Image", running) in _cited(finding)


@pytest.mark.parametrize(
    ("written", "compared"),
    [("app:${TAG}", False), ("app:${TAG:-1.0}", True), ("app:${TAG}", True)],
    ids=["unset", "default", "set-in-env-file"],
)
def test_image_from_a_variable_set_nowhere_is_not_compared(
    tmp_path: Path, written: str, compared: bool, request: pytest.FixtureRequest
) -> None:
    root = tmp_path.resolve()
    files = {"compose.yaml": f"name: demo\nservices:\n  app:\n    image: {written}\n"}
    if request.node.callspec.id == "set-in-env-file":
        files[".env"] = "TAG=2.0\n"
    write_project(root, files)
    container = _container("c", "app", root, config={"Image": "app:9"}, image=_image(["app:9"]))

    finding = _review(root, files["compose.yaml"], container)["c"]

    assert ("image" in finding.reason) is compared, finding.reason


@pytest.mark.parametrize(
    ("running", "status"),
    [("demo-app", Status.PASS), ("demo_app:latest", Status.PASS), ("other:1", Status.FAIL)],
)
def test_built_service_has_compose_s_image_name(
    tmp_path: Path, running: str, status: Status
) -> None:
    root = tmp_path.resolve()
    compose = "name: demo\nservices:\n  app:\n    build: .\n    network_mode: none\n"
    container = _container("c", "app", root, image=_image([]), config={"Image": running})

    finding = _review(root, compose, container)["c"]

    assert finding.status is status, finding.reason


def test_caps_dropped_by_name_instead_of_all_are_not_weaker(tmp_path: Path) -> None:
    defaults = """CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
        NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE""".split()
    finding = _one(tmp_path, "cap_drop: [ALL]", host={"CapDrop": defaults})

    assert finding.status is Status.PASS
    assert finding.reason.endswith("only without weakening it, on cap_drop")


def test_cap_added_at_run_time_fails(tmp_path: Path) -> None:
    finding = _one(tmp_path, "cap_drop: [ALL]", host={"CapDrop": ["ALL"], "CapAdd": ["NET_ADMIN"]})

    assert (
        finding.reason == "differs from compose service app (compose.yaml) on 1 setting: cap_add"
    )
    assert ("HostConfig.CapAdd", '["NET_ADMIN"]') in _cited(finding)


def test_network_modes(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    compose = (
        "name: demo\nservices:\n"
        "  isolated:\n    image: app:1.0\n    network_mode: none\n"
        "  front:\n    image: app:1.0\n    networks: [web]\n"
        "networks:\n  web: {}\n"
    )
    found = _review(
        root,
        compose,
        _container("a", "isolated", root, host={"NetworkMode": "demo_web"}),
        _container("b", "front", root, host={"NetworkMode": "host"}),
        _container("c", "front", root, host={"NetworkMode": "none"}),
    )

    assert found["a"].reason.endswith("on 1 setting: network_mode")
    assert found["b"].reason.endswith("on 1 setting: network_mode")
    assert found["c"].status is Status.PASS
    assert found["c"].reason.endswith("only without weakening it, on network_mode")


def test_matching_by_folder_name_and_files(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    worker = "name: demo\nservices:\n  worker:\n    image: app:1.0\n    network_mode: none\n"
    write_project(root, {"compose.worker.yaml": worker})
    compose = _service("")
    found = _review(
        root,
        compose,
        _container("here", "app", root),
        _container("byname", "app", None),
        _container("copy", "app", Path("/srv/elsewhere")),
        _container("stranger", "app", Path("/srv/other"), project="unrelated"),
        _container("undeclared", "cache", root),
        # Two projects share the folder: the labelled files say which one.
        _container(
            "worker",
            "worker",
            root,
            labels={"com.docker.compose.project.config_files": f"{root}/compose.worker.yaml"},
        ),
    )

    assert found["here"].status is Status.PASS
    assert found["byname"].status is Status.PASS
    assert found["copy"].status is Status.UNKNOWN
    assert found["copy"].reason == (
        "compose project demo from /srv/elsewhere: another copy of the files, not the reviewed one"
    )
    assert "stranger" not in found
    assert found["undeclared"].status is Status.FAIL
    assert found["undeclared"].reason == (
        "made by compose for service cache, which the reviewed files do not declare"
    )
    assert [(e.location, e.snippet) for e in found["undeclared"].evidence[1:]] == [
        ("compose.worker.yaml", "services: worker"),
        ("compose.yaml", "services: app"),
    ]
    assert found["worker"].reason.startswith(
        "runs as compose service worker (compose.worker.yaml)"
    )


def test_services_without_a_container_and_unreachable_engines(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    compose = (
        "name: demo\nservices:\n"
        "  app:\n    image: app:1.0\n"
        "  debug:\n    image: app:1.0\n    profiles: [debug]\n"
    )
    dead = EngineFacts(
        Endpoint("remote", "tcp://10.0.0.1:2376", "a test"),
        "2026-01-01T00:00:00Z",
        error="no engine is listening there",
    )

    found = _review(root, compose, engines=[_engine(), dead])
    assert set(found) == {"app", "remote"}
    assert found["app"].status is Status.UNKNOWN
    assert found["app"].reason == "no container of this service runs on the engines read (default)"
    assert found["remote"].reason == "engine not reachable: no engine is listening there"

    # With no engine answering, nothing says the service has no container.
    assert set(_review(root, compose, engines=[dead])) == {"remote"}
    assert _review(root, compose, engines=[]) == {}


def test_notes_only_where_a_setting_differs(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    container = _container("c", "app", root, host={"ReadonlyRootfs": False})
    service_target = Target(TargetKind.SERVICE, "compose.yaml", "app")
    results = {
        "runtime.read-only-rootfs": [
            Finding(service_target, Status.PASS, "read_only: true"),
            Finding(container.target, Status.FAIL, "HostConfig.ReadonlyRootfs is false"),
        ],
        "runtime.secrets-not-env": [
            Finding(container.target, Status.FAIL, "secrets in plain text: X from the image's ENV")
        ],
        "runtime.memory-limit": [Finding(container.target, Status.FAIL, "x" * 198)],
    }

    found = _review(root, _service("read_only: true\nmem_limit: 64m"), container, results=results)

    assert found["c"].reason.endswith("on 2 settings: read_only and memory")
    read_only = results["runtime.read-only-rootfs"]
    assert read_only[0].reason == "read_only: true"
    assert read_only[1].reason == (
        "HostConfig.ReadonlyRootfs is false (compose service app declares read_only: true)"
    )
    assert results["runtime.secrets-not-env"][0].reason.endswith("from the image's ENV")
    # A long reason is cut to keep the note whole.
    memory = results["runtime.memory-limit"][0].reason
    assert len(memory) == 200
    assert memory.endswith("… (compose service app declares mem_limit: 64m)")


def test_every_setting_is_compared_and_notes_real_items(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    write_project(
        root,
        {
            "compose.yaml": _service(
                """
                user: "1000"
                privileged: false
                read_only: true
                cap_add: [CHOWN]
                cap_drop: [ALL]
                security_opt: ["no-new-privileges:true", "seccomp:unconfined"]
                mem_limit: 64m
                cpus: 0.5
                pids_limit: 50
                pid: host
                ipc: host
                uts: host
                userns_mode: host
                ports: ["127.0.0.1:8080:80"]
                volumes: ["/srv/data:/data:ro"]
                environment: {MODE: production}
                restart: on-failure:3
                healthcheck: {test: ["CMD", "true"]}
                init: true
                """
            )
        },
    )
    facts = read_project(root)
    container = _container(
        "c",
        "app",
        root,
        image=_image(["other:2"]),
        config={"Image": "other:2", "User": "0", "Env": ["API_TOKEN=x"]},
        host={
            "NetworkMode": "host",
            "Privileged": True,
            "CapAdd": ["SYS_ADMIN"],
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 0},
            "Binds": ["/var/run/docker.sock:/var/run/docker.sock"],
        },
    )
    service = facts.compose_projects[0].services[0]
    join = Join(container, service, _engine(container), "demo", str(root))

    differences, compared = compare_settings(join)

    # Every setting but the ports, which the host's network makes moot, differs.
    assert compared == len(SETTINGS) - 1
    assert len({d.setting for d in differences}) == len(SETTINGS) - 1
    catalogue = {item.id for item in load_catalogue().items}
    for difference in differences:
        assert difference.items and set(difference.items) <= catalogue, difference
        assert difference.evidence[0].in_file and not difference.evidence[1].in_file
