"""Live mount detectors against the rig's containers and hand-written inspect data."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.container_mounts import DETECTORS
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project.facts import ProjectFacts

VOLUME = engine_rig.PREFIX + "mounts-data"
EDGE = engine_rig.PREFIX + "mounts-edge"
PEER = engine_rig.PREFIX + "mounts-peer"
READER = engine_rig.PREFIX + "mounts-reader"
DEVICE = engine_rig.PREFIX + "mounts-device"
LABELS = ("--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL)


def _create(name: str, *args: str) -> None:
    engine_rig.docker(
        "create", "--pull", "never", "--name", name, *LABELS, "--network", "none", *args,
        engine_rig.BASE_IMAGE, "sleep", "3600",
    )  # fmt: skip


@pytest.fixture(scope="module")
def facts(
    live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectFacts]:
    """The engine read once, with the rig and a few containers of this module's own:
    ``edge`` (a shared propagation bind of /run, /proc read-only, an exec tmpfs, a block
    device rule, a volume it writes), ``peer`` (writes the same volume), ``reader``
    (borrows it read-only with --volumes-from) and ``device`` (maps /dev/null). They
    are created, never started. Only this run's containers are kept, so other runs on
    the same engine cannot change what is shared."""
    engine_rig.docker("volume", "create", *LABELS, VOLUME)
    try:
        _create(
            EDGE,
            "-v", f"{VOLUME}:/data",
            "-v", "/run:/hostrun:rshared",
            "-v", "/proc:/hostproc:ro",
            "--mount", "type=bind,src=/usr/share,dst=/share,readonly,bind-propagation=rslave",
            "--tmpfs", "/scratch:rw,exec,size=1m",
            "--mount", "type=tmpfs,dst=/cache",
            "--device-cgroup-rule", "b 8:* rw",
        )  # fmt: skip
        _create(PEER, "-v", f"{VOLUME}:/data")
        _create(READER, "--volumes-from", f"{PEER}:ro")
        _create(DEVICE, "--device", "/dev/null:/dev/nothing")
        (engine,) = read_engines(LiveSettings(all_containers=True))
        assert engine.error is None, engine.error
        mine = [c for c in engine.containers if c.name.startswith(engine_rig.PREFIX)]
        engine = dataclasses.replace(engine, containers=mine)
        yield ProjectFacts(root=tmp_path_factory.mktemp("mounts"), engines=[engine])
    finally:
        engine_rig.docker("rm", "-f", "-v", EDGE, PEER, READER, DEVICE, check=False)
        engine_rig.docker("volume", "rm", VOLUME, check=False)


def _by_name(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {f.target.name: f for f in DETECTORS[detector](facts)}


def test_docker_socket_on_the_rig(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "docker_socket")
    for short in ("weak", "weak-running"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.FAIL
        assert finding.reason == (
            "mounts the Docker socket (/var/run/docker.sock): access to it is root on the host"
        )
        (evidence,) = finding.evidence
        assert evidence.field == "Mounts"
        assert '"Source": "/var/run/docker.sock"' in evidence.snippet
        assert evidence.path == f"default: container {live_rig.container(short)}"
    for short in ("hardened", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS
        assert finding.reason == "no mount brings in the Docker socket"
        assert live_helpers.cited(finding) == [("Mounts", "[]")]


def test_docker_socket_folders_and_borrowed_read_only(facts: ProjectFacts) -> None:
    found = _by_name(facts, "docker_socket")
    assert found[EDGE].status is Status.FAIL
    assert found[EDGE].reason == (
        "mounts host folder /run, which holds the Docker socket: access to it is root on the host"
    )
    assert found[PEER].status is Status.PASS
    assert found[READER].status is Status.PASS


def test_sensitive_mounts_on_the_rig(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "sensitive_mounts")
    weak = found[live_rig.container("weak")]
    assert weak.status is Status.FAIL
    assert weak.reason == "mounts sensitive host paths: /etc (writable)"
    (evidence,) = weak.evidence
    assert evidence.field == "Mounts" and '"Source": "/etc"' in evidence.snippet
    for short in ("hardened", "weak-running", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS, short
        assert finding.reason == "no sensitive host path is mounted"
        assert finding.evidence[0].field == "Mounts"
    edge = found[EDGE]
    assert edge.status is Status.FAIL
    assert edge.reason == "mounts sensitive host paths: /proc (read-only)"


def test_sensitive_volumes_of_images(facts: ProjectFacts) -> None:
    images = {
        f.target.name: f
        for f in DETECTORS["sensitive_mounts"](facts)
        if f.target.kind is TargetKind.IMAGE
    }
    weak = images[engine_rig.WEAK_IMAGE]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        "declares VOLUME /proc: a volume over the kernel's own filesystem invites mounting "
        "the host's there"
    )
    assert live_helpers.cited(weak) == [("Config.Volumes", '{"/proc": {}}')]
    assert weak.evidence[0].path == f"default: image {engine_rig.WEAK_IMAGE}"
    for reference in (engine_rig.HARDENED_IMAGE, engine_rig.BASE_IMAGE):
        assert images[reference].status is Status.PASS
        assert images[reference].reason == "declares no volume at /dev, /proc or /sys"
        assert live_helpers.cited(images[reference]) == [("Config.Volumes", "null")]


def test_mount_propagation(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "mount_propagation")
    for short in ("hardened", "weak", "weak-running", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS, short
        assert finding.reason == "no mount shares its propagation with the host"
        assert finding.evidence[0].field == "Mounts"
    edge = found[EDGE]
    assert edge.status is Status.FAIL
    assert edge.reason == (
        "shares mount propagation with the host: /hostrun (rshared); mounts made in the "
        "container appear on the host"
    )
    (evidence,) = edge.evidence
    assert evidence.field == "Mounts" and '"Propagation": "rshared"' in evidence.snippet


def test_read_only_rootfs(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "read_only_rootfs")
    hardened = found[live_rig.container("hardened")]
    assert hardened.status is Status.PASS
    assert hardened.reason == "root filesystem is read-only"
    assert live_helpers.cited(hardened) == [("HostConfig.ReadonlyRootfs", "true")]
    for short in ("weak", "weak-running", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.FAIL
        assert finding.reason == (
            "root filesystem is writable: run it with --read-only and give the paths it "
            "writes to tmpfs or volumes"
        )
        assert live_helpers.cited(finding) == [("HostConfig.ReadonlyRootfs", "false")]


def test_tmpfs_exec(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "tmpfs_exec")
    hardened = found[live_rig.container("hardened")]
    assert hardened.status is Status.PASS
    assert hardened.reason == "tmpfs mounts keep noexec and nosuid: /tmp"
    assert live_helpers.cited(hardened) == [
        ("HostConfig.Tmpfs", '{"/tmp": "rw,noexec,nosuid,size=16m"}')
    ]
    for short in ("weak", "weak-running", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS
        assert finding.reason == "no tmpfs mount"
        assert live_helpers.cited(finding) == [("HostConfig.Tmpfs", "null")]
    edge = found[EDGE]
    assert edge.status is Status.FAIL
    assert edge.reason == (
        "tmpfs allows what Docker forbids by default: /scratch (exec); dropped programs can "
        "run from it"
    )
    assert live_helpers.cited(edge) == [("HostConfig.Tmpfs", '{"/scratch": "rw,exec,size=1m"}')]


def test_host_devices(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "host_devices")
    privileged = found[live_rig.container("privileged")]
    assert privileged.status is Status.FAIL
    assert privileged.reason == (
        "HostConfig.Privileged is true: every host device is available to the container"
    )
    assert live_helpers.cited(privileged) == [("HostConfig.Privileged", "true")]
    for short in ("hardened", "weak", "weak-running"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS
        assert finding.reason == "maps no host devices"
        assert finding.evidence[0].field == "HostConfig.Devices"
    edge = found[EDGE]
    assert edge.status is Status.FAIL
    assert edge.reason == "opens host devices that hand over the host: rule 'b 8:* rw'"
    assert live_helpers.cited(edge) == [("HostConfig.DeviceCgroupRules", "b 8:* rw")]
    device = found[DEVICE]
    assert device.status is Status.UNKNOWN
    assert device.reason == "maps host devices: /dev/null; confirm the container needs them"
    assert device.evidence[0].field == "HostConfig.Devices"
    assert '"PathOnHost": "/dev/null"' in device.evidence[0].snippet


def test_shared_volumes(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "shared_volumes")
    for short in ("hardened", "weak", "weak-running", "privileged"):
        finding = found[live_rig.container(short)]
        assert finding.status is Status.PASS, short
        assert finding.reason == "shares no volume with another container"
        assert finding.evidence[0].field == "Mounts"
    edge, peer, reader = found[EDGE], found[PEER], found[READER]
    assert edge.status is Status.FAIL
    assert edge.reason == (
        f"writes to storage other containers also write to: volume {VOLUME} with {PEER}"
    )
    assert peer.reason == (
        f"writes to storage other containers also write to: volume {VOLUME} with {EDGE}"
    )
    assert f'"Name": "{VOLUME}"' in edge.evidence[0].snippet
    assert reader.status is Status.PASS
    assert reader.reason == (
        f"shares volume {VOLUME} with other containers; none of them writes where it writes"
    )
    assert live_helpers.cited(reader)[-1] == ("HostConfig.VolumesFrom", f'["{PEER}:ro"]')
    assert '"RW": false' in reader.evidence[0].snippet


def test_no_planted_secret_in_any_finding(facts: ProjectFacts) -> None:
    planted = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
    for name, detector in DETECTORS.items():
        for finding in detector(facts):
            text = " ".join(
                [finding.reason, *(f"{e.path} {e.field} {e.snippet}" for e in finding.evidence)]
            )
            for secret in planted:
                assert secret not in text, (name, finding.target)


# Hand-written inspect data, for what the rig cannot make.


def _facts(*containers: dict[str, Any], images: tuple[ImageFacts, ...] = ()) -> ProjectFacts:
    engine = EngineFacts(
        Endpoint("h", "unix:///nowhere.sock", "a test"),
        "2026-12-03T00:00:00Z",
        info={"ID": "test"},
        containers=[ContainerFacts("h", data) for data in containers],
        images={image.id: image for image in images},
    )
    return ProjectFacts(root=Path("."), engines=[engine])


def _one(detector: str, data: dict[str, Any]) -> Finding:
    (finding,) = DETECTORS[detector](_facts({"Name": "/c", **data}))
    return finding


def _bind(source: str, destination: str = "/x", rw: bool = True, **more: Any) -> dict[str, Any]:
    return {"Type": "bind", "Source": source, "Destination": destination, "RW": rw, **more}


@pytest.mark.parametrize(
    ("mount", "reason"),
    [
        (
            _bind("/run/user/1000/docker.sock", "/var/run/docker.sock"),
            "mounts the Docker socket (/run/user/1000/docker.sock): access to it is root on "
            "the host",
        ),
        (
            _bind("/run/user/1000"),
            "mounts host folder /run/user/1000, which holds the Docker socket: access to it "
            "is root on the host",
        ),
        (
            _bind("/var/run/"),
            "mounts host folder /var/run/, which holds the Docker socket: access to it is "
            "root on the host",
        ),
        (
            _bind("/srv/engine", "/var/run/docker.sock"),
            "mounts /srv/engine at /var/run/docker.sock, where clients look for the Docker "
            "socket: access to it is root on the host",
        ),
        (
            {"Type": "npipe", "Source": r"\\.\pipe\docker_engine", "Destination": "/p"},
            r"mounts the Docker socket (\\.\pipe\docker_engine): access to it is root on "
            "the host",
        ),
        (
            _bind("/run/docker.sock", rw=False),
            "mounts the Docker socket (/run/docker.sock) read-only, which does not help: "
            "access to it is root on the host",
        ),
    ],
)
def test_docker_socket_forms(mount: dict[str, Any], reason: str) -> None:
    finding = _one("docker_socket", {"Mounts": [mount]})
    assert (finding.status, finding.reason) == (Status.FAIL, reason)
    assert finding.evidence[0].field == "Mounts"


def test_docker_socket_from_binds_alone() -> None:
    finding = _one("docker_socket", {"HostConfig": {"Binds": ["/var/run/docker.sock:/sock:ro,z"]}})
    assert finding.status is Status.FAIL
    assert "read-only, which does not help" in finding.reason
    assert live_helpers.cited(finding) == [("HostConfig.Binds", "/var/run/docker.sock:/sock:ro,z")]


def test_docker_socket_ignores_volumes_and_other_paths() -> None:
    volume = {
        "Type": "volume",
        "Name": "data",
        "Source": "/var/lib/docker/volumes/data/_data",
        "Destination": "/var/run",
        "RW": True,
    }
    finding = _one("docker_socket", {"Mounts": [volume, _bind("/srv/app")]})
    assert finding.status is Status.PASS
    assert _one("docker_socket", {}).evidence[0].snippet == "null"


@pytest.mark.parametrize(
    ("mount", "status", "reason"),
    [
        (_bind("/", rw=False), Status.FAIL, "mounts sensitive host paths: / (read-only)"),
        (_bind("/usr", rw=False), Status.PASS, "no sensitive host path is mounted"),
        (_bind("/usr/lib"), Status.FAIL, "mounts sensitive host paths: /usr/lib (writable)"),
        (_bind("//etc/./ssh/"), Status.FAIL, "mounts sensitive host paths: /etc/ssh (writable)"),
        (_bind("/etc/localtime", rw=False), Status.PASS, "no sensitive host path is mounted"),
        (_bind("/home/ann/project"), Status.PASS, "no sensitive host path is mounted"),
        (_bind("/home/ann"), Status.FAIL, "mounts sensitive host paths: /home/ann (writable)"),
        (
            _bind("/var/lib/docker", rw=False),
            Status.FAIL,
            "mounts sensitive host paths: /var/lib/docker (read-only)",
        ),
        (
            {"Type": "volume", "Name": "v", "Source": "/var/lib/docker/volumes/v/_data"},
            Status.PASS,
            "no sensitive host path is mounted",
        ),
    ],
)
def test_sensitive_paths(mount: dict[str, Any], status: Status, reason: str) -> None:
    finding = _one("sensitive_mounts", {"Mounts": [mount]})
    assert (finding.status, finding.reason) == (status, reason)


def test_sensitive_mounts_from_host_config_mounts() -> None:
    wanted = {"Type": "bind", "Source": "/sys", "Target": "/sys", "ReadOnly": True}
    finding = _one("sensitive_mounts", {"HostConfig": {"Mounts": [wanted]}})
    assert finding.reason == "mounts sensitive host paths: /sys (read-only)"
    assert finding.evidence[0].field == "HostConfig.Mounts"


def test_image_volumes_normalised() -> None:
    image = ImageFacts("h", {"Id": "sha256:" + "a" * 64, "Config": {"Volumes": {"/dev/": {}}}})
    fine = ImageFacts("h", {"Id": "sha256:" + "b" * 64, "Config": {"Volumes": {"/data": {}}}})
    findings = {
        f.target.name: f for f in DETECTORS["sensitive_mounts"](_facts(images=(image, fine)))
    }
    assert findings["a" * 12].status is Status.FAIL
    assert findings["a" * 12].reason.startswith("declares VOLUME /dev/: ")
    assert findings["b" * 12].status is Status.PASS


def test_propagation_slave_passes_and_binds_are_read() -> None:
    finding = _one("mount_propagation", {"Mounts": [_bind("/mnt", "/m", Propagation="rslave")]})
    assert finding.status is Status.PASS
    assert finding.reason == "host mounts propagate in, none go back: /m (rslave)"
    finding = _one("mount_propagation", {"HostConfig": {"Binds": ["/mnt:/m:shared,ro"]}})
    assert finding.status is Status.FAIL
    assert finding.reason.startswith("shares mount propagation with the host: /m (shared)")
    assert live_helpers.cited(finding) == [("HostConfig.Binds", "/mnt:/m:shared,ro")]


def test_read_only_rootfs_missing_is_writable() -> None:
    finding = _one("read_only_rootfs", {"HostConfig": {}})
    assert finding.status is Status.FAIL
    assert live_helpers.cited(finding) == [("HostConfig.ReadonlyRootfs", "null")]


@pytest.mark.parametrize(
    ("tmpfs", "status", "reason"),
    [
        ({"/tmp": "rw,noexec,nosuid"}, Status.PASS, "tmpfs mounts keep noexec and nosuid: /tmp"),
        ({"/tmp": ""}, Status.PASS, "tmpfs mounts keep noexec and nosuid: /tmp"),
        (
            {"/run": "SUID, exec"},
            Status.FAIL,
            "tmpfs allows what Docker forbids by default: /run (exec, suid); dropped "
            "programs can run from it",
        ),
    ],
)
def test_tmpfs_options(tmpfs: dict[str, str], status: Status, reason: str) -> None:
    finding = _one("tmpfs_exec", {"HostConfig": {"Tmpfs": tmpfs}})
    assert (finding.status, finding.reason) == (status, reason)


def test_tmpfs_mounts_from_mount_flag() -> None:
    tmpfs = {"Type": "tmpfs", "Source": "", "Destination": "/cache", "RW": True}
    finding = _one("tmpfs_exec", {"Mounts": [tmpfs]})
    assert finding.status is Status.PASS
    assert finding.reason == "tmpfs mounts keep noexec and nosuid: /cache"


def _device(path: str, permissions: str = "rwm") -> dict[str, str]:
    return {"PathOnHost": path, "PathInContainer": path, "CgroupPermissions": permissions}


@pytest.mark.parametrize(
    ("host_config", "status", "reason"),
    [
        (
            {"Devices": [_device("/dev/sda")]},
            Status.FAIL,
            "opens host devices that hand over the host: /dev/sda",
        ),
        (
            {"Devices": [_device("//dev/./kmsg", "r")]},
            Status.FAIL,
            "opens host devices that hand over the host: /dev/kmsg",
        ),
        (
            {"Devices": [_device("/dev")]},
            Status.FAIL,
            "opens host devices that hand over the host: /dev",
        ),
        (
            {"Devices": [_device("/dev/sda", "m")]},
            Status.UNKNOWN,
            "maps host devices: /dev/sda; confirm the container needs them",
        ),
        (
            {"DeviceCgroupRules": ["a *:* rwm"]},
            Status.FAIL,
            "opens host devices that hand over the host: rule 'a *:* rwm'",
        ),
        (
            {"DeviceCgroupRules": ["c 10:200  rw"]},
            Status.UNKNOWN,
            "maps host devices: rule 'c 10:200 rw'; confirm the container needs them",
        ),
        ({"DeviceCgroupRules": ["b 8:* m"]}, Status.PASS, "maps no host devices"),
        (
            {"DeviceRequests": [{"Driver": "", "Count": -1, "Capabilities": [["gpu"]]}]},
            Status.UNKNOWN,
            "maps host devices: a request for gpu devices; confirm the container needs them",
        ),
    ],
)
def test_device_forms(host_config: dict[str, Any], status: Status, reason: str) -> None:
    finding = _one("host_devices", {"HostConfig": host_config})
    assert (finding.status, finding.reason) == (status, reason)


def test_shared_anonymous_volume_and_host_paths() -> None:
    anonymous = "f" * 64
    first = {
        "Name": "/a",
        "Mounts": [
            {"Type": "volume", "Name": anonymous, "Destination": "/v", "RW": True},
            _bind("/srv/data/", "/d"),
            _bind("/var/run/docker.sock", "/s"),
        ],
    }
    second = {
        "Name": "/b",
        "HostConfig": {"VolumesFrom": ["a"]},
        "Mounts": [
            {"Type": "volume", "Name": anonymous, "Destination": "/v", "RW": True},
            _bind("/srv/data", "/d", rw=False),
            _bind("/var/run/docker.sock", "/s"),
        ],
    }
    found = {f.target.name: f for f in DETECTORS["shared_volumes"](_facts(first, second))}
    assert found["a"].status is Status.FAIL
    assert found["a"].reason == (
        "writes to storage other containers also write to: volume ffffffffffff with b"
    )
    assert found["b"].status is Status.FAIL
    assert live_helpers.cited(found["b"])[-1] == ("HostConfig.VolumesFrom", '["a"]')
