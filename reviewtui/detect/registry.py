"""The explicit list of detectors, by the names the checklists use."""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.checklists import Catalogue, ChecklistError
from reviewtui.detect import (
    ci_checks,
    compose_checks,
    daemon_checks,
    dockerfile_checks,
    live_checks,
    scanner_checks,
)
from reviewtui.detect.drift import DERIVED
from reviewtui.model import Finding
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
"""Answers one item for every target it applies to; an empty list means no target."""

# Each module lists its own detectors by name in a DETECTORS mapping; nothing registers
# itself on import, so this is the whole list.
_MODULES = (dockerfile_checks, compose_checks, daemon_checks, ci_checks, scanner_checks)


def all_detectors() -> dict[str, Detector]:
    """Every detector by name. Raises if two modules use the same name."""
    detectors: dict[str, Detector] = {}
    for module in _MODULES:
        for name, function in module.DETECTORS.items():
            if name in detectors:
                raise ChecklistError(f"detector {name} is defined twice ({module.__name__})")
            detectors[name] = function
    return detectors


def dockerfile_detectors() -> dict[str, Detector]:
    """The detectors that give one finding per Dockerfile, judged on that file and the
    rest of the project only (never on another Dockerfile), by name."""
    return dict(dockerfile_checks.DETECTORS)


def compose_detectors() -> dict[str, Detector]:
    """The detectors that give one finding per compose service and nothing else, judged
    on that service's compose project and the rest of the project only (never on another
    compose project), by name."""
    return {
        name: detector
        for name, detector in compose_checks.DETECTORS.items()
        if name not in compose_checks.ALSO_JUDGING_DAEMONS
    }


def built_dockerfile_readers() -> frozenset[str]:
    """The names of the detectors that look into the Dockerfiles compose services build."""
    return compose_checks.LOOKING_INTO_DOCKERFILES


def live_detectors() -> dict[str, Detector]:
    """Every detector that reads live engines, by the name of the item's detector.

    A name may also be a file detector's: the item is then answered from both sources.
    """
    # TODO: a scan of files alone needs only these names (to check the catalogue), yet
    # importing live_checks for them costs it some 16 ms.
    return dict(live_checks.DETECTORS)


def check_catalogue(
    catalogue: Catalogue,
    detectors: dict[str, Detector],
    live: dict[str, Detector] | None = None,
) -> None:
    """Both ways: every detector an item names exists (from files, live engines or both,
    or one of the detectors that compare other items' findings), and every detector is
    used."""
    live = live_detectors() if live is None else live
    used = set()
    for item in catalogue.items:
        if item.detector is None or item.detector in DERIVED:
            continue
        if item.detector not in detectors and item.detector not in live:
            raise ChecklistError(
                f"{item.source}: item {item.id}: no detector named {item.detector!r}"
            )
        used.add(item.detector)
    unused = sorted((set(detectors) | set(live)) - used)
    if unused:
        raise ChecklistError(f"detectors not used by any checklist item: {', '.join(unused)}")
