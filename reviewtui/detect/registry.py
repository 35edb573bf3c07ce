"""The explicit list of detectors, by the names the checklists use."""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.checklists import Catalogue, ChecklistError
from reviewtui.detect import (
    ci_checks,
    compose_checks,
    daemon_checks,
    dockerfile_checks,
    scanner_checks,
)
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


def check_catalogue(catalogue: Catalogue, detectors: dict[str, Detector]) -> None:
    """Both ways: every detector an item names exists, and every detector is used."""
    used = set()
    for item in catalogue.items:
        if item.detector is None:
            continue
        if item.detector not in detectors:
            raise ChecklistError(
                f"{item.source}: item {item.id}: no detector named {item.detector!r}"
            )
        used.add(item.detector)
    unused = sorted(set(detectors) - used)
    if unused:
        raise ChecklistError(f"detectors not used by any checklist item: {', '.join(unused)}")
