"""The daemon.json detectors for CIS 2.x beyond icc, userns, live restore, TLS and logs:
insecure registries, authorization, the userland proxy, no-new-privileges and the
settings best left at their defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.checklists.loader import load_catalogue
from reviewtui.detect import daemon_checks
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project

NEW_DETECTORS = [
    "daemon_insecure_registries",
    "daemon_authorization",
    "daemon_userland_proxy",
    "daemon_no_new_privileges",
    "daemon_safe_defaults",
]


def daemon_finding(name: str, root: Path, text: str) -> Finding:
    path = root / "etc" / "docker" / "daemon.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    found = daemon_checks.DETECTORS[name](read_project(root))
    assert len(found) == 1
    assert found[0].target.kind is TargetKind.DAEMON
    assert found[0].target.path == "etc/docker/daemon.json"
    return found[0]


def lines(finding: Finding) -> list[int | None]:
    return [evidence.line for evidence in finding.evidence]


@pytest.mark.parametrize("name", NEW_DETECTORS)
def test_no_daemon_json_means_no_target(tmp_path: Path, name: str) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: x\n")
    assert daemon_checks.DETECTORS[name](read_project(tmp_path)) == []


@pytest.mark.parametrize(
    ("text", "status", "evidence"),
    [
        ("{}", Status.PASS, [1]),
        ('{\n  "insecure-registries": ["127.0.0.0/8", "::1/128"]\n}', Status.PASS, [2]),
        ('{\n  "insecure-registries": ["localhost:5000", "127.0.0.1:5000"]\n}', Status.PASS, [2]),
        ('{\n  "insecure-registries": ["[::1]:5000"]\n}', Status.PASS, [2]),
        ('{\n  "insecure-registries": ["10.0.0.0/8"]\n}', Status.FAIL, [2]),
        ('{\n  "insecure-registries": ["127.0.0.0/8", "registry:5000"]\n}', Status.FAIL, [2]),
        ('{\n  "registry-mirrors": ["http://mirror.local"]\n}', Status.FAIL, [2]),
        ('{\n  "registry-mirrors": ["https://mirror.local"]\n}', Status.PASS, [1]),
    ],
)
def test_daemon_insecure_registries(
    tmp_path: Path, text: str, status: Status, evidence: list[int]
) -> None:
    finding = daemon_finding("daemon_insecure_registries", tmp_path, text)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_daemon_insecure_registries_reason_names_them(tmp_path: Path) -> None:
    finding = daemon_finding(
        "daemon_insecure_registries",
        tmp_path,
        '{\n  "insecure-registries": ["registry:5000"],\n'
        '  "registry-mirrors": ["http://mirror.local"]\n}',
    )
    assert finding.reason == (
        "images come without verified TLS from registry:5000, http://mirror.local: "
        "anyone on the path can swap them"
    )
    assert lines(finding) == [2, 3]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('{"authorization-plugins": ["opa-docker-authz"]}', Status.PASS),
        ('{"authorization-plugins": []}', Status.FAIL),
        ('{"authorization-plugins": [""]}', Status.FAIL),
        ("{}", Status.FAIL),
    ],
)
def test_daemon_authorization(tmp_path: Path, text: str, status: Status) -> None:
    assert daemon_finding("daemon_authorization", tmp_path, text).status is status


@pytest.mark.parametrize(
    ("name", "key", "good", "bad"),
    [
        ("daemon_userland_proxy", "userland-proxy", "false", "true"),
        ("daemon_no_new_privileges", "no-new-privileges", "true", "false"),
    ],
)
def test_boolean_settings(tmp_path: Path, name: str, key: str, good: str, bad: str) -> None:
    passing = daemon_finding(name, tmp_path, f'{{\n  "{key}": {good}\n}}')
    assert (passing.status, lines(passing)) == (Status.PASS, [2])
    failing = daemon_finding(name, tmp_path, f'{{\n  "{key}": {bad}\n}}')
    assert (failing.status, lines(failing)) == (Status.FAIL, [2])
    unset = daemon_finding(name, tmp_path, '{\n  "icc": false\n}')
    assert (unset.status, lines(unset)) == (Status.FAIL, [1])


@pytest.mark.parametrize(
    ("text", "status", "evidence"),
    [
        ("{}", Status.PASS, [1]),
        ('{\n  "log-level": "info",\n  "storage-driver": "overlay2"\n}', Status.PASS, [2, 3]),
        ('{\n  "log-level": "debug"\n}', Status.FAIL, [2]),
        ('{\n  "log-level": "warn"\n}', Status.FAIL, [2]),
        ('{\n  "debug": true\n}', Status.FAIL, [2]),
        ('{\n  "iptables": false\n}', Status.FAIL, [2]),
        ('{\n  "iptables": true\n}', Status.PASS, [2]),
        ('{\n  "storage-driver": "aufs"\n}', Status.FAIL, [2]),
        ('{\n  "seccomp-profile": "unconfined"\n}', Status.FAIL, [2]),
        ('{\n  "seccomp-profile": "/etc/docker/seccomp.json"\n}', Status.PASS, [2]),
        ('{\n  "experimental": true\n}', Status.FAIL, [2]),
        ('{\n  "cgroup-parent": "docker.slice"\n}', Status.UNKNOWN, [2]),
        ('{\n  "storage-opts": ["dm.basesize=20G"]\n}', Status.UNKNOWN, [2]),
        ('{\n  "storage-opts": ["overlay2.size=20G"]\n}', Status.PASS, [1]),
    ],
)
def test_daemon_safe_defaults(
    tmp_path: Path, text: str, status: Status, evidence: list[int]
) -> None:
    finding = daemon_finding("daemon_safe_defaults", tmp_path, text)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_daemon_safe_defaults_reasons(tmp_path: Path) -> None:
    failing = daemon_finding(
        "daemon_safe_defaults",
        tmp_path,
        '{\n  "log-level": "error",\n  "iptables": false,\n  "cgroup-parent": "x"\n}',
    )
    assert failing.reason == (
        "log-level error drops the info events an investigation needs; iptables false: "
        "Docker no longer writes the firewall rules that isolate its networks"
    )
    assert lines(failing) == [2, 3]
    custom = daemon_finding(
        "daemon_safe_defaults", tmp_path, '{"seccomp-profile": "/etc/docker/seccomp.json"}'
    )
    assert custom.reason == (
        "log level info, iptables on, no aufs, experimental off, "
        "custom seccomp profile /etc/docker/seccomp.json"
    )
    unsure = daemon_finding("daemon_safe_defaults", tmp_path, '{"cgroup-parent": "ops.slice"}')
    assert unsure.reason == (
        "cgroup-parent ops.slice moves every container's cgroup: confirm it is needed"
    )


def test_new_keys_with_the_wrong_type_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text('{\n  "default-ulimits": [],\n  "storage-driver": 1\n}')
    problems = [(p.line, p.reason) for p in read_project(tmp_path).problems]
    assert (
        2,
        "default-ulimits should be an object, not list; dockerd would refuse this file",
    ) in problems
    assert (
        3,
        "storage-driver should be a string, not int; dockerd would refuse this file",
    ) in problems


def test_every_cis_2_item_a_daemon_json_can_answer_has_an_item() -> None:
    answered = {
        cis: item.detector
        for item in load_catalogue().items
        for cis in item.references.cis
        if cis.startswith("2.")
    }
    expected = [f"2.{number}" for number in range(2, 19)]
    assert [cis for cis in expected if cis not in answered] == []
    assert all(answered[cis] for cis in expected)


@pytest.mark.parametrize(
    "name", ["daemon_tls", "daemon_insecure_registries", "daemon_safe_defaults"]
)
@pytest.mark.parametrize("text", ["not json", "[1, 2]", ""])
def test_an_unreadable_daemon_json_proves_no_absence(tmp_path: Path, name: str, text: str) -> None:
    finding = daemon_finding(name, tmp_path, text)
    assert finding.status is Status.UNKNOWN
    assert finding.reason == "etc/docker/daemon.json could not be read as a JSON object"
