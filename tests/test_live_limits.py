"""Live resource limit detectors against the rig's containers and hand-written inspect data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.container_limits import DETECTORS
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import ContainerFacts, EngineFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.facts import ProjectFacts

QUOTA = engine_rig.PREFIX + "limits-quota"
SHARES = engine_rig.PREFIX + "limits-shares"
LABELS = ("--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL)
WEAK = ("weak", "weak-running", "privileged")


@pytest.fixture(scope="module")
def facts(
    live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectFacts]:
    """The engine read once, with two containers of this module's own, created, never
    started: ``quota`` (a CPU quota over a 200 ms period, --pids-limit -1) and ``shares``
    (CPU shares alone)."""
    common = ("create", "--pull", "never", *LABELS, "--network", "none")
    try:
        engine_rig.docker(
            *common, "--name", QUOTA, "--cpu-quota", "50000", "--cpu-period", "200000",
            "--pids-limit", "-1", engine_rig.BASE_IMAGE, "sleep", "3600",
        )  # fmt: skip
        engine_rig.docker(
            *common, "--name", SHARES, "--cpu-shares", "512", engine_rig.BASE_IMAGE, "sleep", "1"
        )
        (engine,) = read_engines(LiveSettings(all_containers=True))
        assert engine.error is None, engine.error
        yield ProjectFacts(root=tmp_path_factory.mktemp("limits"), engines=[engine])
    finally:
        engine_rig.docker("rm", "-f", "-v", QUOTA, SHARES, check=False)


def _by_name(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {f.target.name: f for f in DETECTORS[detector](facts)}


def test_memory_limit(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "memory_limit")
    hardened = found[live_rig.container("hardened")]
    assert hardened.status is Status.PASS
    assert hardened.reason == "memory limited: HostConfig.Memory 67108864 (64 MiB)"
    assert live_helpers.cited(hardened) == [("HostConfig.Memory", "67108864")]
    assert hardened.evidence[0].path == f"default: container {live_rig.container('hardened')}"
    for short in WEAK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.FAIL
        assert finding.reason == "HostConfig.Memory 0 means no memory limit"
        assert live_helpers.cited(finding) == [("HostConfig.Memory", "0")]


def test_cpu_limit(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "cpu_limit")
    hardened = found[live_rig.container("hardened")]
    assert hardened.status is Status.PASS
    assert hardened.reason == "CPU limited: HostConfig.NanoCpus 500000000 (0.5 CPUs)"
    assert live_helpers.cited(hardened) == [("HostConfig.NanoCpus", "500000000")]
    for short in WEAK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.FAIL
        assert finding.reason == (
            "no CPU limit: neither HostConfig.NanoCpus nor HostConfig.CpuQuota is above 0"
        )
        assert live_helpers.cited(finding) == [
            ("HostConfig.NanoCpus", "0"),
            ("HostConfig.CpuQuota", "0"),
        ]
    quota = found[QUOTA]
    assert quota.status is Status.PASS
    assert quota.reason == (
        "CPU limited: HostConfig.CpuQuota 50000 µs every 200000 µs (0.25 CPUs)"
    )
    assert live_helpers.cited(quota) == [
        ("HostConfig.CpuQuota", "50000"),
        ("HostConfig.CpuPeriod", "200000"),
    ]
    shares = found[SHARES]
    assert shares.status is Status.FAIL
    assert shares.reason == (
        "no CPU limit: HostConfig.CpuShares only weighs busy containers against each other"
    )
    assert live_helpers.cited(shares)[0] == ("HostConfig.CpuShares", "512")


def test_pids_limit(live_rig: engine_rig.Rig, facts: ProjectFacts) -> None:
    found = _by_name(facts, "pids_limit")
    hardened = found[live_rig.container("hardened")]
    assert hardened.status is Status.PASS
    assert hardened.reason == "process limited: HostConfig.PidsLimit 64"
    assert live_helpers.cited(hardened) == [("HostConfig.PidsLimit", "64")]
    for short in WEAK:
        finding = found[live_rig.container(short)]
        assert finding.status is Status.FAIL
        assert finding.reason == "no process limit: HostConfig.PidsLimit is null"
        assert live_helpers.cited(finding) == [("HostConfig.PidsLimit", "null")]
    # The engine stores --pids-limit -1 as null: no limit.
    assert found[QUOTA].status is Status.FAIL


def test_no_planted_secret_in_any_finding(facts: ProjectFacts) -> None:
    planted = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
    for name, detector in DETECTORS.items():
        for finding in detector(facts):
            text = " ".join(
                [finding.reason, *(f"{e.path} {e.field} {e.snippet}" for e in finding.evidence)]
            )
            for secret in planted:
                assert secret not in text, (name, finding.target)


# Hand-written inspect data, for values the engine does not store.


def _one(detector: str, host_config: dict[str, Any]) -> Finding:
    engine = EngineFacts(
        Endpoint("h", "unix:///nowhere.sock", "a test"),
        "2026-12-03T00:00:00Z",
        info={"ID": "test"},
        containers=[ContainerFacts("h", {"Name": "/c", "HostConfig": host_config})],
    )
    (finding,) = DETECTORS[detector](ProjectFacts(root=Path("."), engines=[engine]))
    return finding


@pytest.mark.parametrize(
    ("value", "status", "reason", "snippet"),
    [
        (64, Status.PASS, "process limited: HostConfig.PidsLimit 64", "64"),
        (None, Status.FAIL, "no process limit: HostConfig.PidsLimit is null", "null"),
        (0, Status.FAIL, "HostConfig.PidsLimit 0 means no process limit", "0"),
        (-1, Status.FAIL, "HostConfig.PidsLimit -1 means no process limit", "-1"),
        ("64", Status.UNKNOWN, "cannot read HostConfig.PidsLimit 64 as a limit", "64"),
        (True, Status.UNKNOWN, "cannot read HostConfig.PidsLimit true as a limit", "true"),
    ],
)
def test_pids_limit_values(value: Any, status: Status, reason: str, snippet: str) -> None:
    finding = _one("pids_limit", {"PidsLimit": value})
    assert (finding.status, finding.reason) == (status, reason)
    assert live_helpers.cited(finding) == [("HostConfig.PidsLimit", snippet)]


def test_pids_limit_field_missing() -> None:
    finding = _one("pids_limit", {})
    assert finding.status is Status.FAIL
    assert live_helpers.cited(finding) == [("HostConfig.PidsLimit", "null")]


@pytest.mark.parametrize(
    ("value", "status", "reason"),
    [
        (
            1536 * 1024 * 1024,
            Status.PASS,
            "memory limited: HostConfig.Memory 1610612736 (1.5 GiB)",
        ),
        (1000, Status.PASS, "memory limited: HostConfig.Memory 1000 (1000 B)"),
        (None, Status.FAIL, "no memory limit: HostConfig.Memory is null"),
        (-1, Status.FAIL, "HostConfig.Memory -1 means no memory limit"),
        ("64m", Status.UNKNOWN, "cannot read HostConfig.Memory 64m as a limit"),
    ],
)
def test_memory_limit_values(value: Any, status: Status, reason: str) -> None:
    finding = _one("memory_limit", {"Memory": value})
    assert (finding.status, finding.reason) == (status, reason)


@pytest.mark.parametrize(
    ("host_config", "status", "reason"),
    [
        (
            {"NanoCpus": 2_000_000_000, "CpuShares": 512},
            Status.PASS,
            "CPU limited: HostConfig.NanoCpus 2000000000 (2 CPUs)",
        ),
        (
            {"CpuQuota": 150000, "CpuPeriod": 0},
            Status.PASS,
            "CPU limited: HostConfig.CpuQuota 150000 µs every 100000 µs (1.5 CPUs)",
        ),
        (
            {"NanoCpus": 0, "CpuQuota": -1},
            Status.FAIL,
            "no CPU limit: neither HostConfig.NanoCpus nor HostConfig.CpuQuota is above 0",
        ),
        (
            {},
            Status.FAIL,
            "no CPU limit: neither HostConfig.NanoCpus nor HostConfig.CpuQuota is above 0",
        ),
        (
            {"NanoCpus": "0.5"},
            Status.UNKNOWN,
            "cannot read HostConfig.NanoCpus 0.5 as a limit",
        ),
    ],
)
def test_cpu_limit_values(host_config: dict[str, Any], status: Status, reason: str) -> None:
    finding = _one("cpu_limit", host_config)
    assert (finding.status, finding.reason) == (status, reason)
    assert finding.evidence, "every answer cites a field"
