"""The one capability judgement behind compose services, containers and swarm services."""

from __future__ import annotations

from reviewtui.detect.capabilities import CapabilityOutcome, judge_capabilities
from reviewtui.model import Status


def test_privileged_wins_over_any_list() -> None:
    verdict = judge_capabilities([], [("ALL", 0)], privileged=True)
    assert (verdict.status, verdict.outcome) == (Status.FAIL, CapabilityOutcome.PRIVILEGED)


def test_the_worst_dangerous_addition_is_named_first() -> None:
    verdict = judge_capabilities([("SYS_PTRACE", 0), ("SYS_ADMIN", 1)], [("ALL", 0)])
    assert verdict.outcome is CapabilityOutcome.DANGEROUS
    assert verdict.names[0] == "SYS_ADMIN"


def test_without_all_the_defaults_stay() -> None:
    verdict = judge_capabilities([], [("NET_RAW", 0)])
    assert (verdict.status, verdict.outcome) == (Status.FAIL, CapabilityOutcome.KEEPS_DEFAULTS)


def test_unusual_and_common_additions_after_all() -> None:
    unusual = judge_capabilities([("NET_RAW", 0)], [("ALL", 0)])
    assert (unusual.status, unusual.outcome) == (Status.FAIL, CapabilityOutcome.UNUSUAL)
    common = judge_capabilities([("NET_BIND_SERVICE", 0)], [("ALL", 0)])
    assert (common.status, common.outcome) == (Status.PASS, CapabilityOutcome.DROPS_ALL)
