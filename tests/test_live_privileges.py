"""Live privilege detectors: privileged mode, capabilities, no-new-privileges, profiles,
host namespaces and the user, on the rig's containers and on hand-written inspect data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.container_privileges import DETECTORS, security_options
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.daemon import DaemonConfig, read_daemon_config
from reviewtui.project.facts import ProjectFacts

SECCOMP_ONLY = {"SecurityOptions": ["name=seccomp,profile=default"], "CgroupVersion": "2"}
DEFAULT_CAPS_STAY = (
    "CapDrop does not drop ALL: the engine's 14 default capabilities stay, NET_RAW among them"
)
ROOT_BY_DEFAULT = "runs as root: Config.User is empty and the image sets no USER"


@pytest.fixture(scope="module")
def rig_facts(live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory) -> ProjectFacts:
    """The rig's engine, read once for the module."""
    facts = live_helpers.read_rig(tmp_path_factory, "live-privileges")
    # The rig's expectations are dockerd's defaults; daemon.json cases are unit tests below.
    facts.engines[0].daemon_config = None
    return facts


def _rig(facts: ProjectFacts, detector: str, short: str) -> Finding:
    found = {f.target.name: f for f in DETECTORS[detector](facts)}
    return found[engine_rig.PREFIX + short]


RIG_CASES = [
    ("privileged", "hardened", Status.PASS, "HostConfig.Privileged is false",
     [("HostConfig.Privileged", "false")]),
    ("privileged", "weak", Status.PASS, "HostConfig.Privileged is false",
     [("HostConfig.Privileged", "false")]),
    ("privileged", "weak-running", Status.PASS, "HostConfig.Privileged is false",
     [("HostConfig.Privileged", "false")]),
    ("privileged", "privileged", Status.FAIL,
     "HostConfig.Privileged is true: the container holds every capability and host device",
     [("HostConfig.Privileged", "true")]),
    ("cap_drop_all", "hardened", Status.PASS, "drops ALL capabilities",
     [("HostConfig.CapDrop", "ALL")]),
    ("cap_drop_all", "weak", Status.FAIL, DEFAULT_CAPS_STAY, [("HostConfig.CapDrop", "null")]),
    ("cap_drop_all", "weak-running", Status.FAIL, DEFAULT_CAPS_STAY,
     [("HostConfig.CapDrop", "null")]),
    ("cap_drop_all", "compose-web", Status.FAIL, DEFAULT_CAPS_STAY,
     [("HostConfig.CapDrop", "null")]),
    ("cap_drop_all", "privileged", Status.FAIL,
     "HostConfig.Privileged is true: the container holds every capability whatever "
     "CapDrop says",
     [("HostConfig.Privileged", "true")]),
    ("no_new_privileges", "hardened", Status.PASS, "no-new-privileges is set",
     [("HostConfig.SecurityOpt", "no-new-privileges")]),
    ("no_new_privileges", "weak-running", Status.FAIL,
     "no-new-privileges is not set: setuid binaries can raise privileges",
     [("HostConfig.SecurityOpt", '["seccomp:unconfined"]')]),
    ("no_new_privileges", "compose-web", Status.FAIL,
     "no-new-privileges is not set: setuid binaries can raise privileges",
     [("HostConfig.SecurityOpt", "null")]),
    ("security_profiles", "weak-running", Status.FAIL,
     "confinement switched off: seccomp:unconfined",
     [("HostConfig.SecurityOpt", "seccomp:unconfined")]),
    ("security_profiles", "privileged", Status.FAIL,
     "HostConfig.Privileged is true: seccomp and AppArmor do not apply",
     [("HostConfig.Privileged", "true")]),
    ("host_namespaces", "weak", Status.FAIL, "shares the host's namespaces: PidMode host",
     [("HostConfig.PidMode", "host")]),
    ("runtime_user", "hardened", Status.PASS, "runs as user 1000",
     [("Config.User", "1000"), ("Config.User", "1000")]),
    ("runtime_user", "compose-web", Status.PASS, "runs as user 1000",
     [("Config.User", "1000"), ("Config.User", "1000")]),
    ("runtime_user", "weak", Status.FAIL, ROOT_BY_DEFAULT,
     [("Config.User", "\"\""), ("Config.User", "\"\"")]),
    ("runtime_user", "weak-running", Status.FAIL, ROOT_BY_DEFAULT,
     [("Config.User", "\"\""), ("Config.User", "\"\"")]),
    ("runtime_user", "privileged", Status.FAIL, ROOT_BY_DEFAULT,
     [("Config.User", "\"\""), ("Config.User", "\"\"")]),
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


def test_rig_no_new_privileges_weak_and_privileged(rig_facts: ProjectFacts) -> None:
    for short in ("weak", "privileged"):
        finding = _rig(rig_facts, "no_new_privileges", short)
        assert finding.status is Status.FAIL
        assert (
            finding.reason == "no-new-privileges is not set: setuid binaries can raise privileges"
        )
        (evidence,) = finding.evidence
        assert evidence.field == "HostConfig.SecurityOpt"
        # The engine adds label=disable itself to privileged and host-PID containers.
        assert "no-new-privileges" not in evidence.snippet


def test_rig_evidence_names_host_and_container(rig_facts: ProjectFacts) -> None:
    (engine,) = rig_facts.engines
    finding = _rig(rig_facts, "privileged", "privileged")
    (evidence,) = finding.evidence
    assert evidence.path == f"{engine.host}: container {engine_rig.PREFIX}privileged"
    assert evidence.line is None
    assert finding.target.path == engine.host


def test_rig_security_profiles_follow_the_engine(rig_facts: ProjectFacts) -> None:
    (engine,) = rig_facts.engines
    listed = engine.info.get("SecurityOptions") or []
    names = {str(entry).split(",")[0].removeprefix("name=") for entry in listed}
    hardened = _rig(rig_facts, "security_profiles", "hardened")
    assert hardened.status is Status.PASS
    assert live_helpers.cited(hardened) == [
        ("HostConfig.SecurityOpt", '["no-new-privileges"]'),
        ("SecurityOptions", engine.evidence("SecurityOptions").snippet),
    ]
    if names == {"seccomp"}:
        assert hardened.reason == (
            "the engine's default seccomp profile applies "
            "(the engine runs without AppArmor or SELinux)"
        )
    weak = _rig(rig_facts, "security_profiles", "weak")
    assert weak.status is Status.FAIL
    if "selinux" in names:  # label=disable, added for --pid host, only matters there
        assert weak.reason == "confinement switched off: seccomp=unconfined, label=disable"
    else:
        assert weak.reason == "confinement switched off: seccomp=unconfined"
        assert live_helpers.cited(weak) == [("HostConfig.SecurityOpt", "seccomp=unconfined")]


def test_rig_host_namespaces_pass_with_the_cgroup_note(rig_facts: ProjectFacts) -> None:
    (engine,) = rig_facts.engines
    cgroup_v1 = str(engine.info.get("CgroupVersion")) == "1"
    for short in ("hardened", "weak-running", "privileged", "compose-web"):
        finding = _rig(rig_facts, "host_namespaces", short)
        assert finding.status is Status.PASS, short
        cited = dict(live_helpers.cited(finding))
        assert cited["HostConfig.NetworkMode"] == "none"
        assert cited["HostConfig.PidMode"] == '""'
        if cgroup_v1:
            assert finding.reason == (
                "keeps its own namespaces; its cgroup namespace is the host's, "
                "as on every cgroup v1 engine"
            )
            assert cited["HostConfig.CgroupnsMode"] == "host"
            assert cited["CgroupVersion"] == "1"


def test_rig_findings_hold_no_planted_secret(rig_facts: ProjectFacts) -> None:
    planted = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN)
    for detector in DETECTORS.values():
        for finding in detector(rig_facts):
            texts = [finding.reason] + [e.snippet for e in finding.evidence]
            assert not any(secret in text for secret in planted for text in texts)


# Hand-written inspect data, for what the rig does not hold.


def _judge(
    detector: str,
    host_config: dict[str, Any] | None = None,
    *,
    config: dict[str, Any] | None = None,
    image: ImageFacts | None = None,
    info: dict[str, Any] | None = None,
    daemon: DaemonConfig | None = None,
    **top: Any,
) -> Finding:
    data = {"Name": "/c", "HostConfig": host_config or {}, "Config": config or {}, **top}
    engine = EngineFacts(Endpoint("h", "unix:///run/h.sock", "test"), "2026-12-03T00:00:00Z")
    engine.info = dict(SECCOMP_ONLY if info is None else info, ServerVersion="20.10.24")
    engine.containers = [ContainerFacts("h", data, image)]
    engine.daemon_config = daemon
    (finding,) = DETECTORS[detector](ProjectFacts(root=Path("."), engines=[engine]))
    return finding


def _daemon(tmp_path: Path, text: str) -> DaemonConfig:
    (tmp_path / "daemon.json").write_text(text)
    config = read_daemon_config(tmp_path, "daemon.json")
    config.path = "/etc/docker/daemon.json"
    return config


def test_security_options_split_at_the_first_separator() -> None:
    container = ContainerFacts(
        "h",
        {
            "HostConfig": {
                "SecurityOpt": [
                    "Seccomp:unconfined",
                    'seccomp={"defaultAction": "SCMP_ACT_ERRNO"}',
                    "no-new-privileges",
                ]
            }
        },
    )
    parsed = [(o.name, o.value) for o in security_options(container)]
    assert parsed == [
        ("seccomp", "unconfined"),
        ("seccomp", '{"defaultAction": "SCMP_ACT_ERRNO"}'),
        ("no-new-privileges", ""),
    ]


@pytest.mark.parametrize(
    ("host_config", "status", "reason", "cited"),
    [
        (
            {"CapDrop": ["all"], "CapAdd": ["cap_net_bind_service"]},
            Status.PASS,
            "drops ALL and adds back only NET_BIND_SERVICE",
            [("HostConfig.CapDrop", "all"), ("HostConfig.CapAdd", '["cap_net_bind_service"]')],
        ),
        (
            {"CapDrop": ["CAP_ALL"]},
            Status.PASS,
            "drops ALL capabilities",
            [("HostConfig.CapDrop", "CAP_ALL")],
        ),
        (
            {"CapAdd": ["net_admin", "CAP_SYS_ADMIN"]},
            Status.FAIL,
            "CapAdd grants SYS_ADMIN, NET_ADMIN: SYS_ADMIN allows mounts and namespace "
            "changes, close to root on the host",
            [("HostConfig.CapAdd", "net_admin"), ("HostConfig.CapAdd", "CAP_SYS_ADMIN")],
        ),
        (
            {"CapDrop": ["ALL"], "CapAdd": ["ALL"]},
            Status.FAIL,
            "CapAdd grants ALL: ALL is every capability at once",
            [("HostConfig.CapAdd", "ALL")],
        ),
        (
            {"CapDrop": ["ALL"], "CapAdd": ["NET_RAW", "CHOWN"]},
            Status.FAIL,
            "drops ALL but adds back NET_RAW",
            [("HostConfig.CapAdd", "NET_RAW")],
        ),
        (
            {"CapDrop": ["NET_RAW", "mknod"]},
            Status.FAIL,
            "CapDrop does not drop ALL: 12 of the engine's 14 default capabilities stay",
            [("HostConfig.CapDrop", '["NET_RAW", "mknod"]')],
        ),
        (
            {"CapDrop": [], "CapAdd": []},
            Status.FAIL,
            DEFAULT_CAPS_STAY,
            [("HostConfig.CapDrop", "[]")],
        ),
        (
            {"Privileged": True, "CapDrop": ["ALL"]},
            Status.FAIL,
            "HostConfig.Privileged is true: the container holds every capability whatever "
            "CapDrop says",
            [("HostConfig.Privileged", "true")],
        ),
    ],
)
def test_capabilities(
    host_config: dict[str, Any], status: Status, reason: str, cited: list[tuple[str, str]]
) -> None:
    finding = _judge("cap_drop_all", host_config)
    assert (finding.status, finding.reason) == (status, reason)
    assert live_helpers.cited(finding) == cited


@pytest.mark.parametrize(
    ("option", "status", "reason"),
    [
        ("no-new-privileges", Status.PASS, "no-new-privileges is set"),
        ("no-new-privileges:true", Status.PASS, "no-new-privileges is set"),
        ("no-new-privileges=true", Status.PASS, "no-new-privileges is set"),
        ("No-New-Privileges=TRUE", Status.PASS, "no-new-privileges is set"),
        ("no-new-privileges:false", Status.FAIL, "no-new-privileges is false"),
    ],
)
def test_no_new_privileges_forms(option: str, status: Status, reason: str) -> None:
    finding = _judge("no_new_privileges", {"SecurityOpt": ["seccomp=unconfined", option]})
    assert (finding.status, finding.reason) == (status, reason)
    assert live_helpers.cited(finding) == [("HostConfig.SecurityOpt", option)]


def test_no_new_privileges_from_the_engines_daemon_json(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, '{\n  "log-level": "info",\n  "no-new-privileges": true\n}\n')
    finding = _judge("no_new_privileges", {"SecurityOpt": None}, daemon=daemon)
    assert finding.status is Status.PASS
    assert finding.reason == "/etc/docker/daemon.json sets no-new-privileges for every container"
    first, second = finding.evidence
    assert (first.path, first.line, first.snippet) == (
        "/etc/docker/daemon.json",
        3,
        '"no-new-privileges": true',
    )
    assert (second.field, second.snippet) == ("HostConfig.SecurityOpt", "null")


def test_no_new_privileges_explicit_false_beats_the_daemon(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, '{"no-new-privileges": true}')
    finding = _judge(
        "no_new_privileges", {"SecurityOpt": ["no-new-privileges=false"]}, daemon=daemon
    )
    assert (finding.status, finding.reason) == (Status.FAIL, "no-new-privileges is false")


def test_no_new_privileges_daemon_false_does_not_help(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, '{"no-new-privileges": false}')
    finding = _judge("no_new_privileges", {}, daemon=daemon)
    assert finding.status is Status.FAIL


@pytest.mark.parametrize(
    "option",
    ["seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:Unconfined"],
)
def test_unconfined_in_both_forms(option: str) -> None:
    finding = _judge("security_profiles", {"SecurityOpt": [option]}, AppArmorProfile="")
    assert (finding.status, finding.reason) == (
        Status.FAIL,
        f"confinement switched off: {option}",
    )
    assert live_helpers.cited(finding) == [("HostConfig.SecurityOpt", option)]


def test_apparmor_profile_field_alone_and_with_the_option() -> None:
    alone = _judge("security_profiles", {}, AppArmorProfile="unconfined")
    assert alone.reason == "confinement switched off: AppArmorProfile unconfined"
    assert live_helpers.cited(alone) == [("AppArmorProfile", "unconfined")]
    both = _judge(
        "security_profiles", {"SecurityOpt": ["apparmor=unconfined"]}, AppArmorProfile="unconfined"
    )
    assert both.reason == "confinement switched off: apparmor=unconfined"


def test_label_disable_counts_only_where_selinux_runs() -> None:
    selinux = {"SecurityOptions": ["name=seccomp,profile=builtin", "name=selinux"]}
    on = _judge("security_profiles", {"SecurityOpt": ["label:disable"]}, info=selinux)
    assert (on.status, on.reason) == (Status.FAIL, "confinement switched off: label:disable")
    off = _judge("security_profiles", {"SecurityOpt": ["label=disable"]})
    assert off.status is Status.PASS


@pytest.mark.parametrize(
    ("info", "status", "reason"),
    [
        (
            {"SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin"]},
            Status.PASS,
            "the engine's default seccomp and AppArmor profiles apply",
        ),
        (
            SECCOMP_ONLY,
            Status.PASS,
            "the engine's default seccomp profile applies "
            "(the engine runs without AppArmor or SELinux)",
        ),
        (
            {"SecurityOptions": ["name=seccomp,profile=unconfined", "name=apparmor"]},
            Status.FAIL,
            "the engine's default seccomp profile is unconfined",
        ),
        (
            {"SecurityOptions": []},
            Status.FAIL,
            "the engine applies no seccomp, AppArmor or SELinux profile",
        ),
        ({}, Status.PASS, "the default seccomp and AppArmor/SELinux profiles apply"),
    ],
)
def test_engine_profiles_decide_when_nothing_is_switched_off(
    info: dict[str, Any], status: Status, reason: str
) -> None:
    finding = _judge("security_profiles", {"SecurityOpt": None}, info=info)
    assert (finding.status, finding.reason) == (status, reason)
    assert ("HostConfig.SecurityOpt", "null") in live_helpers.cited(finding)


def test_own_seccomp_profile_on_an_unconfined_engine() -> None:
    info = {"SecurityOptions": ["name=seccomp,profile=unconfined"]}
    profile = 'seccomp={"defaultAction": "SCMP_ACT_ERRNO"}'
    finding = _judge("security_profiles", {"SecurityOpt": [profile]}, info=info)
    assert finding.status is Status.PASS


@pytest.mark.parametrize(
    ("host_config", "info", "status", "reason"),
    [
        (
            {"NetworkMode": "host", "IpcMode": "host", "UTSMode": "host", "UsernsMode": "host"},
            SECCOMP_ONLY,
            Status.FAIL,
            "shares the host's namespaces: NetworkMode host, IpcMode host, UTSMode host, "
            "UsernsMode host",
        ),
        (
            {"NetworkMode": "bridge", "CgroupnsMode": "host"},
            {"CgroupVersion": "2"},
            Status.FAIL,
            "shares the host's namespaces: CgroupnsMode host",
        ),
        (
            {"NetworkMode": "bridge", "CgroupnsMode": "host"},
            {"CgroupVersion": "1"},
            Status.PASS,
            "keeps its own namespaces; its cgroup namespace is the host's, "
            "as on every cgroup v1 engine",
        ),
        (
            {"NetworkMode": "container:db", "PidMode": "container:db", "IpcMode": "shareable"},
            SECCOMP_ONLY,
            Status.PASS,
            "keeps its own namespaces",
        ),
    ],
)
def test_host_namespaces(
    host_config: dict[str, Any], info: dict[str, Any], status: Status, reason: str
) -> None:
    finding = _judge("host_namespaces", host_config, info=info)
    assert (finding.status, finding.reason) == (status, reason)
    if status is Status.FAIL:
        assert all(e.snippet == "host" for e in finding.evidence)


@pytest.mark.parametrize("user", ["root", "0", "00", "0:0", "root:x", "ROOT", " 0:1000 "])
def test_root_in_every_spelling(user: str) -> None:
    finding = _judge("runtime_user", config={"User": user})
    assert (finding.status, finding.reason) == (
        Status.FAIL,
        f"runs as root: Config.User is {user.strip()}",
    )
    assert live_helpers.cited(finding) == [("Config.User", user)]


@pytest.mark.parametrize("user", ["1000", "1000:0", "nobody", "app:app"])
def test_non_root_users(user: str) -> None:
    image = ImageFacts("h", {"Id": "sha256:" + "a" * 64, "Config": {"User": "10001"}})
    finding = _judge("runtime_user", config={"User": user}, image=image)
    assert (finding.status, finding.reason) == (Status.PASS, f"runs as user {user}")
    assert live_helpers.cited(finding) == [("Config.User", user), ("Config.User", "10001")]


def test_root_under_a_remapping_engine() -> None:
    info = {"SecurityOptions": ["name=seccomp,profile=default", "name=userns"]}
    remapped = _judge("runtime_user", config={"User": ""}, info=info)
    assert remapped.status is Status.FAIL
    assert remapped.reason == (
        f"{ROOT_BY_DEFAULT}; the engine remaps users, so root maps to an unprivileged host user"
    )
    shared = _judge("runtime_user", {"UsernsMode": "host"}, config={"User": "0"}, info=info)
    assert shared.reason == "runs as root: Config.User is 0"


def test_windows_default_user_needs_a_person() -> None:
    finding = _judge("runtime_user", config={"User": ""}, info={"OSType": "windows"})
    assert finding.status is Status.UNKNOWN
    assert live_helpers.cited(finding) == [("Config.User", '""')]
