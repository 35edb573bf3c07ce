"""What every daemon.json detector shares: the target and how a finding is made.

A detector gives one finding per daemon.json in the project and none when there is no
daemon.json (then a person must answer, since the host's own file may say otherwise).
"""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
"""Answers one item for every daemon.json (and, for some, every compose service)."""


def daemon_finding(
    config: DaemonConfig, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    """A finding for one daemon.json; without evidence, its first line."""
    target = Target(TargetKind.DAEMON, config.path, config.path)
    return Finding(target, status, reason, evidence or (config.evidence(""),))


def per_daemon(check: Callable[[DaemonConfig], Finding]) -> Detector:
    """A detector that runs ``check`` on every daemon.json; it takes the check's name
    (without its leading underscore) and docstring."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        return [check(config) for config in facts.daemon_configs]

    detector.__name__ = check.__name__.lstrip("_")
    detector.__doc__ = check.__doc__
    return detector


def unreadable(config: DaemonConfig) -> Finding | None:
    """UNKNOWN for a daemon.json that could not be read, for detectors whose answer rests
    on a setting being absent; None when the file was read."""
    if config.readable:
        return None
    return daemon_finding(
        config, Status.UNKNOWN, f"{config.path} could not be read as a JSON object"
    )
