"""What every compose detector shares: the services of a project and how a finding is made.

A detector gives one finding per service of every compose project; its evidence is the
line of the key that proves the answer, or the service's name when the key is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
"""Answers one item for every compose service of a project."""

Check = Callable[[ComposeProject, ComposeService], Finding]
"""Answers one item for one service of one project."""

MAX_NAMED = 3
"""How many names a reason lists before it says how many more there are."""


def services(facts: ProjectFacts) -> Iterator[tuple[ComposeProject, ComposeService]]:
    """Every service of every compose project, with its project."""
    for project in facts.compose_projects:
        for service in project.services:
            yield project, service


def finding(service: ComposeService, status: Status, reason: str, *evidence: Evidence) -> Finding:
    """A finding for ``service``; without evidence, the line that names the service."""
    return Finding(
        service.target, status, reason, service.cited(evidence or (service.evidence(),))
    )


def names(items: list[str], separator: str = ", ") -> str:
    """Up to three names, then how many more, for a reason a reviewer reads."""
    shown = separator.join(items[:MAX_NAMED])
    more = len(items) - MAX_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def per_service(check: Check) -> Detector:
    """A detector that runs ``check`` on every service; it takes the check's name (without
    its leading underscore) and docstring."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        return [check(project, service) for project, service in services(facts)]

    detector.__name__ = check.__name__.lstrip("_")
    detector.__doc__ = check.__doc__
    return detector


def per_service_with_facts(make: Callable[[ProjectFacts], Check]) -> Detector:
    """A detector whose check needs the whole project (its Dockerfiles, its daemon.json):
    ``make`` builds the check from the facts once per run."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        check = make(facts)
        return [check(project, service) for project, service in services(facts)]

    detector.__name__ = make.__name__.lstrip("_").removesuffix("_for")
    detector.__doc__ = make.__doc__
    return detector
