"""What every live detector shares: the engines that answered and how a finding is made.

A live detector answers one item for every object of its kind on every reachable
engine: each container, image, swarm service, the engine itself or its swarm. Engines
that could not be reached are answered once for all live items by the detection engine,
so the detectors here only see engines that answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reviewtui.live.facts import (
    ContainerFacts,
    EngineFacts,
    ImageFacts,
    SwarmFacts,
    SwarmServiceFacts,
)
from reviewtui.model import Finding
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
"""Answers one item for every live object it applies to; empty means none."""

ContainerCheck = Callable[[EngineFacts, ContainerFacts], Finding | None]
ImageCheck = Callable[[EngineFacts, ImageFacts], Finding | None]
ServiceCheck = Callable[[EngineFacts, SwarmServiceFacts], Finding | None]
EngineCheck = Callable[[EngineFacts], Finding | None]
SwarmCheck = Callable[[EngineFacts, SwarmFacts], Finding | None]


def engines(facts: ProjectFacts) -> Iterator[EngineFacts]:
    """Every engine that answered."""
    return (engine for engine in facts.engines if engine.reachable)


def per_container(check: ContainerCheck) -> Detector:
    """A detector running ``check`` on every container; a check may return None for a
    container the item does not concern."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        found = (check(e, c) for e in engines(facts) for c in e.containers)
        return [f for f in found if f is not None]

    return _named(detector, check)


def per_image(check: ImageCheck) -> Detector:
    """A detector running ``check`` on every image read from an engine."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        found = (check(e, i) for e in engines(facts) for i in e.images.values())
        return [f for f in found if f is not None]

    return _named(detector, check)


def per_swarm_service(check: ServiceCheck) -> Detector:
    """A detector running ``check`` on every service of every swarm an engine manages."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        found = (
            check(e, s) for e in engines(facts) if e.swarm is not None for s in e.swarm.services
        )
        return [f for f in found if f is not None]

    return _named(detector, check)


def per_engine(check: EngineCheck) -> Detector:
    """A detector running ``check`` on every engine that answered."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        found = (check(e) for e in engines(facts))
        return [f for f in found if f is not None]

    return _named(detector, check)


def per_swarm(check: SwarmCheck) -> Detector:
    """A detector running ``check`` on the swarm of every engine that manages one."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        found = (check(e, e.swarm) for e in engines(facts) if e.swarm is not None)
        return [f for f in found if f is not None]

    return _named(detector, check)


def combine(*detectors: Detector) -> Detector:
    """One detector giving the findings of several (containers and swarm services, say)."""

    def detector(facts: ProjectFacts) -> list[Finding]:
        return [finding for each in detectors for finding in each(facts)]

    detector.__name__ = detectors[0].__name__
    detector.__doc__ = "\n".join(d.__doc__ or "" for d in detectors)
    return detector


def _named(detector: Detector, check: Callable[..., object]) -> Detector:
    detector.__name__ = check.__name__.lstrip("_")
    detector.__doc__ = check.__doc__
    return detector
