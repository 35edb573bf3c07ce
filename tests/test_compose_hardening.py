"""The compose detectors added for the KICS and compose-lint rules and the CIS 5.x gaps:
images, devices, propagation, tmpfs, kernel settings, health, restarts, ports, the default
bridge, ulimits, init and shared volumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.detect import compose_checks
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts

DIGEST = "sha256:" + "0123456789abcdef" * 4


def project(root: Path, compose: str, **files: str) -> ProjectFacts:
    (root / "compose.yaml").write_text(compose)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return read_project(root)


def findings(name: str, facts: ProjectFacts) -> dict[str, Finding]:
    return {f.target.name: f for f in compose_checks.DETECTORS[name](facts)}


def one(name: str, root: Path, service_body: str, image: str = "app:1.0", **files: str) -> Finding:
    """The finding for a lone service ``app`` whose body is given, indented by 4."""
    body = "".join(f"    {line}\n" for line in service_body.splitlines())
    head = f"    image: {image}\n" if image else ""
    return findings(name, project(root, f"services:\n  app:\n{head}{body}", **files))["app"]


def lines(finding: Finding) -> list[int | None]:
    return [evidence.line for evidence in finding.evidence]


# --- image pinning -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag", "digest"),
    [
        ("nginx", Status.FAIL, Status.FAIL),
        ("nginx:latest", Status.FAIL, Status.FAIL),
        ("nginx:stable-alpine", Status.FAIL, Status.FAIL),
        ("stefanscherer/whoami:insider-10.0.18334.1", Status.PASS, Status.FAIL),
        ("nginx:alpine", Status.FAIL, Status.FAIL),
        ("registry.local:5000/team/app", Status.FAIL, Status.FAIL),
        ("nginx:1.27.1", Status.PASS, Status.FAIL),
        ("registry.local:5000/team/app:2.3", Status.PASS, Status.FAIL),
        (f"nginx:1.27.1@{DIGEST}", Status.PASS, Status.PASS),
        (f"nginx@{DIGEST}", Status.PASS, Status.PASS),
        ('"app:${TAG:-1.2.0}"', Status.PASS, Status.FAIL),
        ('"app:${TAG:-latest}"', Status.FAIL, Status.FAIL),
        ('"app:${TAG}"', Status.UNKNOWN, Status.UNKNOWN),
        ('"${IMAGE}"', Status.UNKNOWN, Status.UNKNOWN),
    ],
)
def test_compose_image_pinning(tmp_path: Path, image: str, tag: Status, digest: Status) -> None:
    facts = project(tmp_path, f"services:\n  app:\n    image: {image}\n")
    tag_finding = findings("compose_image_tag", facts)["app"]
    digest_finding = findings("compose_image_digest", facts)["app"]
    assert tag_finding.status is tag, tag_finding.reason
    assert digest_finding.status is digest, digest_finding.reason
    assert lines(tag_finding) == lines(digest_finding) == [3]


def test_compose_image_reasons(tmp_path: Path) -> None:
    facts = project(tmp_path, "services:\n  a:\n    image: redis\n  b:\n    image: redis:7.4\n")
    tag = findings("compose_image_tag", facts)
    digest = findings("compose_image_digest", facts)
    assert tag["a"].reason == "image redis has no tag, so it pulls latest"
    assert tag["b"].reason == "image redis:7.4 pins version 7.4"
    assert digest["b"].reason == (
        "image redis:7.4 is not pinned by digest: its tag can be moved to other content"
    )


def test_built_images_are_judged_by_their_dockerfile(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        "services:\n  app:\n    image: team/app:latest\n    build: ./src\n",
        **{"src/Dockerfile": "FROM alpine:3.20\n"},
    )
    finding = findings("compose_image_tag", facts)["app"]
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.reason == (
        "built from src: the image name tags the local build, "
        "whose FROM lines the image checklist judges"
    )
    assert lines(finding) == [4]


# --- devices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "evidence"),
    [
        ("", Status.PASS, [2]),
        ("devices:\n  - /dev/sda:/dev/sda", Status.FAIL, [5]),
        ("devices:\n  - /dev/nvme0n1", Status.FAIL, [5]),
        ("devices:\n  - //dev/./sdb:/dev/xvda:rwm", Status.FAIL, [5]),
        ("devices:\n  - /dev/mem:/dev/mem", Status.FAIL, [5]),
        ("devices:\n  - /dev/input/event0", Status.FAIL, [5]),
        ("devices:\n  - /dev:/dev", Status.FAIL, [5]),
        ("devices:\n  - /dev/sda:/dev/sda:m", Status.UNKNOWN, [5]),
        ("devices:\n  - /dev/net/tun:/dev/net/tun\n  - /dev/dri", Status.UNKNOWN, [5, 6]),
        ("devices:\n  - source: /dev/sdb\n    target: /dev/sdb", Status.FAIL, [5]),
        ("devices:\n  - ${SERIAL}:/dev/ttyUSB0", Status.UNKNOWN, [5]),
        ("device_cgroup_rules:\n  - 'a *:* rwm'", Status.FAIL, [5]),
        ("device_cgroup_rules:\n  - 'b 8:* rw'", Status.FAIL, [5]),
        ("device_cgroup_rules:\n  - 'c 189:* rmw'", Status.UNKNOWN, [5]),
        ("device_cgroup_rules:\n  - 'b 8:* m'", Status.PASS, [2]),
        ("privileged: true", Status.FAIL, [4]),
    ],
)
def test_host_devices(tmp_path: Path, body: str, status: Status, evidence: list[int]) -> None:
    finding = one("host_devices", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


@pytest.mark.parametrize(
    "body",
    [
        "devices:\n  - /dev/mem:/dev/mem",
        "devices:\n  - /dev/kmem",
        "devices:\n  - /dev/port:/dev/port:rw",
        "devices:\n  - /dev/sda",
        "devices:\n  - /dev/sda1:/dev/xvda1",
        "devices:\n  - /dev/sdb:/dev/sdb:rwm",
        'devices: ["/dev/mem:/dev/mem"]',
        "devices:\n  - source: /dev/mem\n    target: /dev/mem",
        "devices:\n  - source: /dev/kmem\n    target: /dev/kmem\n    permissions: rwm",
        "devices:\n  - source: /dev/port\n    target: /dev/port\n    permissions: r",
        "devices:\n  - source: /dev/sdc2\n    target: /dev/sdc2",
        # compose refuses a lone string, but the device it names must not be missed
        "devices: /dev/mem:/dev/mem",
    ],
)
def test_host_devices_flags_memory_ports_and_disks(tmp_path: Path, body: str) -> None:
    finding = one("host_devices", tmp_path, body)

    assert finding.status is Status.FAIL, finding.reason
    assert finding.reason.startswith("opens host devices that hand over the host: /dev/")
    assert finding.evidence[0].line in (4, 5)


def test_host_devices_long_syntax_from_an_unset_variable_is_unknown(tmp_path: Path) -> None:
    body = "devices:\n  - source: ${NOWHERE}\n    target: /dev/ttyUSB0"

    finding = one("host_devices", tmp_path, body)

    assert finding.status is Status.UNKNOWN
    assert finding.reason == (
        "maps host devices: /dev/ttyUSB0 (host device from an unset variable); "
        "confirm the service needs them"
    )
    assert lines(finding) == [5]


def test_host_devices_reasons(tmp_path: Path) -> None:
    failing = one("host_devices", tmp_path, "devices:\n  - /dev/sda\n  - /dev/kmsg")
    assert failing.reason == "opens host devices that hand over the host: /dev/sda, /dev/kmsg"
    unsure = one("host_devices", tmp_path, "devices:\n  - /dev/net/tun")
    assert unsure.reason == "maps host devices: /dev/net/tun; confirm the service needs them"


# --- mounts and tmpfs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volumes", "status", "evidence"),
    [
        ("- /mnt:/mnt:rshared", Status.FAIL, [5]),
        ("- ./data:/data:ro,shared", Status.FAIL, [5]),
        (
            "- type: bind\n  source: /mnt\n  target: /mnt\n  bind:\n    propagation: shared",
            Status.FAIL,
            [6],
        ),
        ("- /:/host:ro,rslave", Status.PASS, [5]),
        ("- /srv:/srv\n- data:/data", Status.PASS, [4]),
    ],
)
def test_mount_propagation(
    tmp_path: Path, volumes: str, status: Status, evidence: list[int]
) -> None:
    body = "volumes:\n" + "".join(f"  {line}\n" for line in volumes.splitlines())
    finding = one("mount_propagation", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_mount_propagation_reasons(tmp_path: Path) -> None:
    shared = one("mount_propagation", tmp_path, "volumes:\n  - /mnt:/mnt:rshared")
    assert shared.reason == (
        "shares mount propagation with the host: /mnt (rshared); "
        "mounts made in the container appear on the host"
    )
    slave = one("mount_propagation", tmp_path, "volumes:\n  - /:/host:ro,rslave")
    assert slave.reason == "host mounts propagate in, none go back: /host (rslave)"


@pytest.mark.parametrize(
    ("body", "status", "evidence"),
    [
        ("tmpfs:\n  - /tmp:size=64m\n  - /run", Status.PASS, [4]),
        ("tmpfs:\n  - /tmp:rw,noexec,nosuid", Status.PASS, [4]),
        ("tmpfs:\n  - /tmp:size=64m\n  - /run:exec,mode=755", Status.FAIL, [6]),
        ("tmpfs: /run:suid", Status.FAIL, [4]),
        ("volumes:\n  - type: tmpfs\n    target: /cache", Status.PASS, [2]),
        ("", Status.PASS, [2]),
    ],
)
def test_tmpfs_exec(tmp_path: Path, body: str, status: Status, evidence: list[int]) -> None:
    finding = one("tmpfs_exec", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_tmpfs_exec_reason(tmp_path: Path) -> None:
    finding = one("tmpfs_exec", tmp_path, "tmpfs:\n  - /run:exec,suid")
    assert finding.reason == (
        "tmpfs allows what Docker forbids by default: /run (exec, suid); "
        "dropped programs can run from it"
    )


# --- kernel settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "evidence"),
    [
        ("sysctls:\n  - net.ipv4.ip_forward=1", Status.FAIL, [5]),
        ("sysctls:\n  net.ipv4.ip_forward: 0", Status.PASS, [4]),
        ("sysctls:\n  net.ipv4.conf.all.route_localnet: 1", Status.FAIL, [5]),
        ("sysctls:\n  net.ipv6.conf.eth0.forwarding: '1'", Status.FAIL, [5]),
        ("sysctls:\n  net.core.somaxconn: 1024", Status.PASS, [4]),
        ("oom_kill_disable: true", Status.FAIL, [4]),
        ("oom_kill_disable: true\nmem_limit: 256m", Status.PASS, [2]),
        ("oom_score_adj: -900", Status.FAIL, [4]),
        ("oom_score_adj: -100", Status.PASS, [2]),
        ("cgroup_parent: custom.slice", Status.FAIL, [4]),
        ("", Status.PASS, [2]),
    ],
)
def test_kernel_settings(tmp_path: Path, body: str, status: Status, evidence: list[int]) -> None:
    finding = one("kernel_settings", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_kernel_settings_names_every_problem(tmp_path: Path) -> None:
    finding = one(
        "kernel_settings",
        tmp_path,
        "sysctls:\n  net.ipv4.ip_forward: 1\noom_score_adj: -1000\ncgroup_parent: ops.slice",
    )
    assert finding.reason == (
        "sysctl net.ipv4.ip_forward=1; oom_score_adj -1000 makes the OOM killer take other "
        "host processes first; cgroup_parent ops.slice places it outside Docker's cgroup"
    )
    assert lines(finding) == [5, 6, 7]


# --- health checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "reason", "evidence"),
    [
        (
            'healthcheck:\n  test: ["CMD", "curl", "-f", "http://localhost/"]',
            Status.PASS,
            "healthcheck: sets a test",
            [5],
        ),
        ("healthcheck:\n  test: curl -f http://localhost/", Status.PASS, None, [5]),
        (
            "healthcheck:\n  disable: true",
            Status.FAIL,
            "healthcheck: disable: true turns it off",
            [5],
        ),
        (
            'healthcheck:\n  test: ["NONE"]',
            Status.FAIL,
            'healthcheck test ["NONE"] turns it off',
            [5],
        ),
        ("", Status.UNKNOWN, None, [3]),
        ("healthcheck:\n  interval: 10s", Status.UNKNOWN, None, [3]),
    ],
)
def test_service_healthcheck(
    tmp_path: Path, body: str, status: Status, reason: str | None, evidence: list[int]
) -> None:
    finding = one("service_healthcheck", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason
    if reason is not None:
        assert finding.reason == reason


@pytest.mark.parametrize(
    ("dockerfile", "target", "status", "reason"),
    [
        (
            "FROM alpine:3.20\nHEALTHCHECK CMD true\n",
            None,
            Status.PASS,
            "the HEALTHCHECK of src/Dockerfile applies",
        ),
        (
            "FROM alpine:3.20\nRUN true\n",
            None,
            Status.FAIL,
            "no healthcheck: and src/Dockerfile sets no HEALTHCHECK",
        ),
        (
            "FROM alpine:3.20 AS base\nHEALTHCHECK CMD true\nFROM base\nHEALTHCHECK NONE\n",
            None,
            Status.FAIL,
            "no healthcheck: and src/Dockerfile turns it off with HEALTHCHECK NONE",
        ),
        (
            "FROM alpine:3.20 AS app\nHEALTHCHECK CMD true\nFROM alpine:3.20 AS test\n",
            "app",
            Status.PASS,
            "the HEALTHCHECK of target stage app of src/Dockerfile applies",
        ),
        (
            "FROM alpine:3.20 AS build\nRUN true\nFROM alpine:3.20\nHEALTHCHECK CMD true\n",
            "build",
            Status.FAIL,
            "no healthcheck: and target stage build of src/Dockerfile sets no HEALTHCHECK",
        ),
        (
            "FROM alpine:3.20\nHEALTHCHECK CMD true\n",
            "missing",
            Status.UNKNOWN,
            "no healthcheck: and src/Dockerfile has no stage missing, so the build fails",
        ),
    ],
)
def test_service_healthcheck_from_the_dockerfile(
    tmp_path: Path, dockerfile: str, target: str | None, status: Status, reason: str
) -> None:
    build = "    build:\n      context: ./src\n" + (f"      target: {target}\n" if target else "")
    facts = project(tmp_path, "services:\n  app:\n" + build, **{"src/Dockerfile": dockerfile})
    finding = findings("service_healthcheck", facts)["app"]
    assert (finding.status, finding.reason) == (status, reason)
    if status is Status.PASS:
        assert finding.evidence[0].path == "src/Dockerfile"
        assert finding.evidence[0].line == 2


# --- restart policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "evidence"),
    [
        ("", Status.PASS, [2]),
        ('restart: "no"', Status.PASS, [4]),
        ("restart: no", Status.PASS, [4]),
        ("restart: always", Status.PASS, [4]),
        ("restart: unless-stopped", Status.PASS, [4]),
        ("restart: on-failure", Status.FAIL, [4]),
        ('restart: "on-failure:5"', Status.PASS, [4]),
        ('restart: "on-failure:3"', Status.PASS, [4]),
        ('restart: "on-failure:10"', Status.FAIL, [4]),
        ('restart: "on-failure:x"', Status.UNKNOWN, [4]),
        ("restart: ${RESTART}", Status.UNKNOWN, [4]),
        ("deploy:\n  restart_policy:\n    condition: on-failure", Status.FAIL, [5]),
        (
            "deploy:\n  restart_policy:\n    condition: on-failure\n    max_attempts: 5",
            Status.PASS,
            [7],
        ),
        ("deploy:\n  restart_policy:\n    max_attempts: 20", Status.FAIL, [6]),
        ("deploy:\n  restart_policy:\n    condition: any", Status.PASS, [5]),
        ("deploy:\n  restart_policy:\n    condition: none", Status.PASS, [5]),
    ],
)
def test_restart_policy(tmp_path: Path, body: str, status: Status, evidence: list[int]) -> None:
    finding = one("restart_policy", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_restart_policy_reasons(tmp_path: Path) -> None:
    assert one("restart_policy", tmp_path, "restart: on-failure").reason == (
        "on-failure without a retry count: a crashing container is restarted forever"
    )
    assert one("restart_policy", tmp_path, 'restart: "on-failure:10"').reason == (
        "on-failure retries 10 times; CIS asks for at most 5"
    )
    assert one("restart_policy", tmp_path, "restart: unless-stopped").reason == (
        "restart: unless-stopped: restarted without limit, each time after a longer delay"
    )


# --- privileged ports and the default bridge ---------------------------------------------


@pytest.mark.parametrize(
    ("ports", "status"),
    [
        (['"80:80"'], Status.FAIL),
        (['"127.0.0.1:443:443"'], Status.FAIL),
        (['"[::1]:22:22"'], Status.FAIL),
        (['"1000-1030:1000-1030"'], Status.FAIL),
        (['"8080:80"'], Status.PASS),
        (['"80"'], Status.PASS),
        (['"1024:1024"'], Status.PASS),
        (['"${PORT:-8080}:80"'], Status.PASS),
        (['"${PORT:-80}:80"'], Status.FAIL),
        (['"${PORT}:80"'], Status.UNKNOWN),
    ],
)
def test_privileged_ports_short(tmp_path: Path, ports: list[str], status: Status) -> None:
    body = "ports:\n" + "".join(f"  - {p}\n" for p in ports)
    finding = one("privileged_ports", tmp_path, body)
    assert finding.status is status, finding.reason


def test_privileged_ports_long_syntax_and_reason(tmp_path: Path) -> None:
    finding = one(
        "privileged_ports",
        tmp_path,
        "ports:\n  - target: 53\n    published: 53\n    protocol: udp\n  - '53:53/tcp'"
        "\n  - '8443:443'",
    )
    assert finding.status is Status.FAIL
    assert finding.reason == "publishes privileged host ports (below 1024): 53"
    assert lines(finding) == [5, 8]


def test_privileged_ports_not_applicable(tmp_path: Path) -> None:
    assert one("privileged_ports", tmp_path, "").status is Status.NOT_APPLICABLE
    host = one("privileged_ports", tmp_path, "network_mode: host")
    assert host.status is Status.NOT_APPLICABLE


BRIDGES = """\
services:
  docker0:
    image: x
    network_mode: bridge
  default_mode:
    image: x
    network_mode: default
  none:
    image: x
    network_mode: none
  host:
    image: x
    network_mode: host
  plain:
    image: x
  named:
    image: x
    networks: [front]
  legacy:
    image: x
    networks: [old]
networks:
  front: {}
  old:
    external:
      name: bridge
"""


def test_default_bridge(tmp_path: Path) -> None:
    result = findings("default_bridge", project(tmp_path, BRIDGES))
    summary = {name: (f.status, lines(f)) for name, f in result.items()}
    assert summary == {
        "docker0": (Status.FAIL, [4]),
        "default_mode": (Status.FAIL, [7]),
        "none": (Status.PASS, [10]),
        "host": (Status.NOT_APPLICABLE, [13]),
        "plain": (Status.PASS, [14]),
        "named": (Status.PASS, [18]),
        "legacy": (Status.FAIL, [21, 24]),
    }
    assert result["plain"].reason == (
        "on the project's default network, which compose creates, not docker0"
    )


def test_default_network_declared_as_the_bridge_fails(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        "services:\n  app:\n    image: x\nnetworks:\n  default:\n    name: bridge\n"
        "    external: true\n",
    )
    assert findings("default_bridge", facts)["app"].status is Status.FAIL


# --- ulimits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (
            "ulimits:\n  nproc: 65535\n  nofile:\n    soft: 20000\n    hard: 40000",
            Status.PASS,
            "ulimits set: nproc 65535, nofile 20000/40000",
        ),
        ("ulimits:\n  memlock:\n    soft: -1\n    hard: -1", Status.PASS, None),
        ("ulimits:\n  nproc: -1", Status.FAIL, "ulimits lift the nproc limit: unlimited"),
        ("ulimits:\n  nofile:\n    soft: 1024\n    hard: unlimited", Status.FAIL, None),
        ("", Status.UNKNOWN, None),
    ],
)
def test_ulimits(tmp_path: Path, body: str, status: Status, reason: str | None) -> None:
    finding = one("ulimits", tmp_path, body)
    assert finding.status is status, finding.reason
    if reason is not None:
        assert finding.reason == reason


def test_ulimits_from_the_daemon(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        "services:\n  app:\n    image: x\n",
        **{
            "daemon.json": '{\n  "default-ulimits": {\n    "nofile": '
            '{"Name": "nofile", "Soft": 4096, "Hard": 8192}\n  }\n}\n'
        },
    )
    result = findings("ulimits", facts)
    assert result["daemon.json"].target.kind is TargetKind.DAEMON
    assert result["daemon.json"].status is Status.PASS
    assert result["daemon.json"].reason == "default-ulimits set: nofile 4096/8192"
    assert result["app"].status is Status.PASS
    assert [(e.path, e.line) for e in result["app"].evidence] == [
        ("compose.yaml", 2),
        ("daemon.json", 2),
    ]


def test_daemon_without_default_ulimits_is_unknown(tmp_path: Path) -> None:
    facts = project(tmp_path, "services: {}\n", **{"daemon.json": '{"icc": false}'})
    assert findings("ulimits", facts)["daemon.json"].status is Status.UNKNOWN


# --- init --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "status", "reason"),
    [
        (
            'FROM alpine:3.20\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["app"]\n',
            Status.PASS,
            "ENTRYPOINT of Dockerfile starts tini as PID 1",
        ),
        (
            'FROM alpine:3.20\nENTRYPOINT ["dumb-init", "--", "app"]\n',
            Status.PASS,
            "ENTRYPOINT of Dockerfile starts dumb-init as PID 1",
        ),
        (
            "FROM alpine:3.20\nCMD exec tini -- app\n",
            Status.PASS,
            "CMD of Dockerfile starts tini as PID 1",
        ),
        (
            'FROM python:3.12\nCMD ["python", "-m", "app"]\n',
            Status.FAIL,
            "no init: true: python from the CMD of Dockerfile runs as PID 1 and must reap "
            "zombies and handle signals itself",
        ),
        (
            "FROM alpine:3.20\n",
            Status.UNKNOWN,
            "no init: true and Dockerfile sets no ENTRYPOINT or CMD",
        ),
    ],
)
def test_init_process_from_the_dockerfile(
    tmp_path: Path, dockerfile: str, status: Status, reason: str
) -> None:
    facts = project(tmp_path, "services:\n  app:\n    build: .\n", Dockerfile=dockerfile)
    finding = findings("init_process", facts)["app"]
    assert (finding.status, finding.reason) == (status, reason)


def test_init_process_from_compose_and_daemon(tmp_path: Path) -> None:
    assert one("init_process", tmp_path, "init: true").status is Status.PASS
    assert one("init_process", tmp_path, "").status is Status.UNKNOWN
    with_daemon = one("init_process", tmp_path, "", **{"daemon.json": '{\n  "init": true\n}'})
    assert with_daemon.status is Status.PASS
    assert [(e.path, e.line) for e in with_daemon.evidence] == [("daemon.json", 2)]


# --- shared volumes ----------------------------------------------------------------------

SHARING = """\
services:
  app:
    image: x
    volumes:
      - uploads:/app/uploads
      - ./static:/app/static
      - /var/run/docker.sock:/var/run/docker.sock
  worker:
    image: x
    volumes:
      - uploads:/work/uploads
      - /var/run/docker.sock:/var/run/docker.sock
  nginx:
    image: x
    volumes:
      - ./static/:/usr/share/nginx/html:ro
  backup:
    image: x
    volumes_from:
      - app:ro
  sidecar:
    image: x
    volumes_from:
      - worker
  alone:
    image: x
    volumes:
      - cache:/cache
volumes:
  uploads: {}
  cache: {}
"""


def test_shared_volumes(tmp_path: Path) -> None:
    result = findings("shared_volumes", project(tmp_path, SHARING))
    summary = {name: (f.status, lines(f)) for name, f in result.items()}
    assert summary == {
        "app": (Status.FAIL, [5]),
        "worker": (Status.FAIL, [11]),
        "nginx": (Status.PASS, [15]),
        "backup": (Status.PASS, [17]),
        "sidecar": (Status.FAIL, [24]),
        "alone": (Status.PASS, [27]),
    }
    assert result["app"].reason == (
        "writes to storage other services also write to: volume uploads with sidecar, worker"
    )
    assert result["nginx"].reason == (
        "shares static with other services, at most one of them writing"
    )


# --- capabilities named by compose-lint --------------------------------------------------


@pytest.mark.parametrize(
    "capability",
    [
        "ALL",
        "SYS_ADMIN",
        "SYS_MODULE",
        "SYS_RAWIO",
        "NET_ADMIN",
        "BPF",
        "SYS_BOOT",
        "SYS_PTRACE",
        "DAC_READ_SEARCH",
        "PERFMON",
        "SYS_TIME",
        "SYS_NICE",
        "IPC_LOCK",
        "LEASE",
        "SYSLOG",
    ],
)
def test_every_dangerous_capability_fails_with_what_it_allows(
    tmp_path: Path, capability: str
) -> None:
    finding = one("cap_drop_all", tmp_path, f"cap_drop: [ALL]\ncap_add: [CAP_{capability}]")
    assert finding.status is Status.FAIL
    assert finding.reason.startswith(f"cap_add grants {capability}: {capability} ")


# --- secrets in commands and URLs --------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "status"),
    [
        ("redis-server --requirepass Sup3rSecretValue", Status.FAIL),
        ("redis-server --requirepass ${REDIS_PASSWORD:-Sup3rSecretValue}", Status.FAIL),
        ("redis-server --requirepass ${REDIS_PASSWORD}", Status.PASS),
        ("app --db-password=Sup3rSecretValue", Status.FAIL),
        ("app --password-file=/run/secrets/db", Status.PASS),
        ('["app", "--api-token", "Sup3rSecretValue"]', Status.FAIL),
        ("app --port 8080 --verbose", Status.PASS),
    ],
)
def test_secrets_in_commands(tmp_path: Path, command: str, status: Status) -> None:
    finding = one("secrets_not_in_env", tmp_path, f"command: {command}")
    assert finding.status is status, finding.reason
    if status is Status.FAIL:
        assert lines(finding) == [4]
        assert "Sup3rSecretValue" not in str(finding.to_dict())


def test_url_password_from_the_env_file_fails(tmp_path: Path) -> None:
    finding = one(
        "secrets_not_in_env",
        tmp_path,
        "environment:\n  DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app",
        **{".env": "DB_PASSWORD=Sup3rSecretValue\n"},
    )
    assert finding.status is Status.FAIL
    assert finding.reason == "secrets in plain text: DATABASE_URL takes DB_PASSWORD from .env"
    assert [(e.path, e.line) for e in finding.evidence] == [("compose.yaml", 5), (".env", 1)]
    assert "Sup3rSecretValue" not in str(finding.to_dict())


def test_url_password_from_the_environment_passes(tmp_path: Path) -> None:
    finding = one(
        "secrets_not_in_env",
        tmp_path,
        "environment:\n  DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app",
    )
    assert finding.status is Status.PASS


# --- sensitive mounts, ports and profiles ------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "status"),
    [
        ("/var:/host/var", Status.FAIL),
        ("/var/lib:/host/lib", Status.FAIL),
        ("/var/lib/containerd:/c", Status.FAIL),
        ("/var/lib/mysql:/var/lib/mysql", Status.PASS),
        ("/var/log/app:/logs", Status.PASS),
        ("/dev/null:/app/.env", Status.PASS),
        ("/dev/log:/dev/log", Status.PASS),
    ],
)
def test_sensitive_mounts_parents_and_harmless_devices(
    tmp_path: Path, volume: str, status: Status
) -> None:
    finding = one("sensitive_mounts", tmp_path, f"volumes:\n  - '{volume}'")
    assert finding.status is status, finding.reason


def test_port_bindings_mention_the_daemon_bind_address(tmp_path: Path) -> None:
    finding = one(
        "port_bindings",
        tmp_path,
        'ports:\n  - "8080:80"',
        **{"etc/daemon.json": '{\n  "ip": "127.0.0.1"\n}\n'},
    )
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "published on all interfaces: 8080:80; etc/daemon.json sets ip 127.0.0.1, "
        "which they bind to if that is the daemon that runs them"
    )
    assert [(e.path, e.line) for e in finding.evidence] == [
        ("compose.yaml", 5),
        ("etc/daemon.json", 2),
    ]


def test_services_in_profiles_are_reviewed_and_named_so(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        "services:\n  app:\n    image: x\n  debug:\n    image: y\n    profiles: [dev]\n"
        "  tools:\n    image: z\n    profiles: [dev, ops]\n",
    )
    names = sorted(f.target.name for f in compose_checks.DETECTORS["privileged"](facts))
    assert names == ["app", "debug [profile dev]", "tools [profiles dev, ops]"]


@pytest.mark.parametrize("compose", [SHARING, BRIDGES])
def test_every_finding_carries_evidence_in_the_project(tmp_path: Path, compose: str) -> None:
    facts = project(tmp_path, compose)
    for name, detector in compose_checks.DETECTORS.items():
        for finding in detector(facts):
            assert finding.evidence, name
            for evidence in finding.evidence:
                assert (tmp_path / evidence.path).is_file(), (name, evidence)
                assert evidence.line is not None and evidence.line >= 1


def test_host_cgroup_namespace_is_shared_too(tmp_path: Path) -> None:
    finding = one("host_namespaces", tmp_path, "cgroup: host")
    assert (finding.status, finding.reason) == (
        Status.FAIL,
        "shares the host's namespaces: cgroup: host",
    )
