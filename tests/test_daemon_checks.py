"""Operations detectors over daemon.json, and log rotation over compose services."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.detect import daemon_checks
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts


def project(root: Path, files: dict[str, str]) -> ProjectFacts:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return read_project(root)


def daemon_finding(name: str, root: Path, text: str) -> Finding:
    found = daemon_checks.DETECTORS[name](project(root, {"etc/docker/daemon.json": text}))
    assert len(found) == 1
    assert found[0].target.kind is TargetKind.DAEMON
    assert found[0].target.path == "etc/docker/daemon.json"
    return found[0]


def lines(finding: Finding) -> list[int | None]:
    return [evidence.line for evidence in finding.evidence]


@pytest.mark.parametrize(
    "name", ["daemon_icc", "daemon_userns", "daemon_live_restore", "daemon_tls"]
)
def test_no_daemon_json_means_no_target(tmp_path: Path, name: str) -> None:
    facts = project(tmp_path, {"compose.yaml": "services:\n  web:\n    image: x\n"})
    assert daemon_checks.DETECTORS[name](facts) == []


@pytest.mark.parametrize(
    ("text", "status", "line"),
    [
        ('{\n  "icc": false\n}', Status.PASS, 2),
        ('{\n  "icc": true\n}', Status.FAIL, 2),
        ('{\n  "icc": "false"\n}', Status.FAIL, 2),
        ('{\n  "debug": true\n}', Status.FAIL, 1),
        ("not json", Status.FAIL, 1),
    ],
)
def test_daemon_icc(tmp_path: Path, text: str, status: Status, line: int) -> None:
    finding = daemon_finding("daemon_icc", tmp_path, text)
    assert (finding.status, lines(finding)) == (status, [line])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '{"icc": true}',
            "icc is true: every container on the default bridge can reach every other",
        ),
        (
            '{"icc": "false"}',
            'icc is "false": every container on the default bridge can reach every other',
        ),
        (
            '{"icc": null}',
            "icc is null: every container on the default bridge can reach every other",
        ),
        ("{}", "icc is not set: every container on the default bridge can reach every other"),
    ],
)
def test_daemon_icc_reason_spells_the_value_as_json_does(
    tmp_path: Path, text: str, reason: str
) -> None:
    assert daemon_finding("daemon_icc", tmp_path, text).reason == reason


def test_daemon_reasons_never_show_python_values(tmp_path: Path) -> None:
    text = (
        '{"log-level": false, "cgroup-parent": true, '
        '"log-opts": {"max-size": 10, "max-file": true}}'
    )
    facts = project(tmp_path, {"daemon.json": text})

    reasons = [f.reason for detector in daemon_checks.DETECTORS.values() for f in detector(facts)]

    assert any("log-level false" in reason for reason in reasons), reasons
    assert any("max-size 10, true files kept" in reason for reason in reasons), reasons
    assert not [r for r in reasons if "True" in r or "False" in r or "None" in r]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('{"userns-remap": "default"}', Status.PASS),
        ('{"userns-remap": "dockremap:dockremap"}', Status.PASS),
        ('{"userns-remap": ""}', Status.FAIL),
        ("{}", Status.FAIL),
    ],
)
def test_daemon_userns(tmp_path: Path, text: str, status: Status) -> None:
    assert daemon_finding("daemon_userns", tmp_path, text).status is status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('{"live-restore": true}', Status.PASS),
        ('{"live-restore": false}', Status.FAIL),
        ("{}", Status.FAIL),
    ],
)
def test_daemon_live_restore(tmp_path: Path, text: str, status: Status) -> None:
    assert daemon_finding("daemon_live_restore", tmp_path, text).status is status


TLS_FILES = '"tlscacert": "/ca.pem", "tlscert": "/cert.pem", "tlskey": "/key.pem"'


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("{}", Status.PASS),
        ('{"hosts": ["unix:///var/run/docker.sock", "fd://"]}', Status.PASS),
        ('{"hosts": ["tcp://0.0.0.0:2375"]}', Status.FAIL),
        ('{"hosts": ["tcp://127.0.0.1:2375"]}', Status.FAIL),
        ('{"hosts": ["0.0.0.0:2375"]}', Status.FAIL),
        ('{"hosts": ["tcp://0.0.0.0:2376"], "tls": true, ' + TLS_FILES + "}", Status.FAIL),
        (
            '{"hosts": ["tcp://0.0.0.0:2376"], "tls": true, "tlsverify": true, ' + TLS_FILES + "}",
            Status.PASS,
        ),
        ('{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true, ' + TLS_FILES + "}", Status.PASS),
        ('{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}', Status.UNKNOWN),
    ],
)
def test_daemon_tls(tmp_path: Path, text: str, status: Status) -> None:
    finding = daemon_finding("daemon_tls", tmp_path, text)
    assert finding.status is status, finding.reason


def test_daemon_tls_reason_names_the_host(tmp_path: Path) -> None:
    finding = daemon_finding(
        "daemon_tls", tmp_path, '{\n  "debug": true,\n  "hosts": ["tcp://127.0.0.1:2375"]\n}'
    )
    assert finding.reason == (
        "tcp://127.0.0.1:2375 without TLS: root access for anyone who reaches the port"
    )
    assert lines(finding) == [3]


# --- logging -----------------------------------------------------------------------------


def logging_findings(root: Path, files: dict[str, str]) -> dict[str, Finding]:
    found = daemon_checks.logging_rotation(project(root, files))
    return {f.target.name: f for f in found}


COMPOSE = """\
services:
  default:
    image: x
  rotated:
    image: x
    logging:
      driver: json-file
      options:
        max-size: 10m
        max-file: "3"
  size_only:
    image: x
    logging:
      options:
        max-size: 10m
  unbounded:
    image: x
    logging:
      driver: json-file
  central:
    image: x
    logging:
      driver: gelf
  local:
    image: x
    logging:
      driver: local
  nothing:
    image: x
    logging:
      driver: none
"""


def test_logging_per_service_without_daemon_json(tmp_path: Path) -> None:
    result = logging_findings(tmp_path, {"compose.yaml": COMPOSE})
    summary = {name: (f.status, lines(f)) for name, f in result.items()}
    assert summary == {
        "default": (Status.FAIL, [2]),
        "rotated": (Status.PASS, [9]),
        "size_only": (Status.PASS, [15]),
        "unbounded": (Status.FAIL, [18]),
        "central": (Status.PASS, [23]),
        "local": (Status.PASS, [27]),
        "nothing": (Status.FAIL, [31]),
    }
    assert result["nothing"].reason == "log driver none: no logs are kept at all"
    assert result["default"].reason == (
        "no logging options: the default json-file driver never rotates"
    )


def test_logging_from_the_daemon_json(tmp_path: Path) -> None:
    result = logging_findings(
        tmp_path,
        {
            "compose.yaml": COMPOSE,
            "daemon.json": '{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "20m"}\n}',
        },
    )
    assert result["daemon.json"].status is Status.PASS
    assert lines(result["daemon.json"]) == [3]
    assert result["default"].status is Status.PASS
    assert result["default"].reason == "daemon.json: json-file rotates at max-size 20m"
    assert [(e.path, e.line) for e in result["default"].evidence] == [
        ("compose.yaml", 2),
        ("daemon.json", 3),
    ]
    assert result["unbounded"].status is Status.PASS
    assert result["nothing"].status is Status.FAIL


def test_remote_daemon_driver_covers_services_without_their_own(tmp_path: Path) -> None:
    result = logging_findings(
        tmp_path,
        {
            "compose.yaml": COMPOSE,
            "daemon.json": '{\n  "log-driver": "journald"\n}',
        },
    )
    assert result["daemon.json"].status is Status.PASS
    assert result["default"].status is Status.PASS
    assert result["default"].reason == "daemon.json: logs go to the journald driver"
    # The service asks for json-file itself, so the daemon's journald does not apply.
    assert result["unbounded"].status is Status.FAIL


def test_daemon_json_without_log_settings_fails(tmp_path: Path) -> None:
    result = logging_findings(tmp_path, {"daemon.json": '{\n  "icc": false\n}'})
    assert result["daemon.json"].status is Status.FAIL
    assert result["daemon.json"].reason == (
        "no log-driver or log-opts: the default json-file driver never rotates"
    )


def test_logging_without_any_target(tmp_path: Path) -> None:
    assert daemon_checks.logging_rotation(project(tmp_path, {"README.md": "hi\n"})) == []
