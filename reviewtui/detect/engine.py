"""Running every item's detector over a project's facts: named detectors and ``match:`` rules."""

from __future__ import annotations

import functools
import gc
import logging
import re
from collections.abc import Callable

from reviewtui.checklists import Catalogue, Item
from reviewtui.custom.matchers import run_match
from reviewtui.detect.drift import DERIVED
from reviewtui.detect.registry import (
    Detector,
    all_detectors,
    check_catalogue,
    live_detectors,
)
from reviewtui.model import Finding, Problem, Status, Target, TargetKind
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.long_lived import settle

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"(\d+)")


def detect(
    catalogue: Catalogue,
    facts: ProjectFacts,
    detectors: dict[str, Detector] | None = None,
    progress: Callable[[int, int], None] | None = None,
    live: dict[str, Detector] | None = None,
) -> dict[str, list[Finding]]:
    """Findings per item id for every item that a detector or a ``match:`` rule answers.

    An item whose detector also has a live counterpart gets the findings of both: the
    compose service and the container made from it side by side. An engine that could
    not be read answers each such item once, as unknown, saying why.

    A detector that raises is a bug, but must not end the review: its item gets an
    unknown finding that says so, and the error is logged.
    """
    # TODO: every file's facts stay in memory until the last item is judged, so a tree
    # of 12,000 files peaks near 400 MB; judging the Dockerfile items file by file (read,
    # judge, drop) would keep only the findings.
    detectors = all_detectors() if detectors is None else detectors
    live = live_detectors() if live is None else live
    check_catalogue(catalogue, detectors, live)
    automatic = [item for item in catalogue.items if item.automatic]
    # Items that compare other items' findings come last, when those are all known.
    automatic.sort(key=lambda item: item.detector in DERIVED)
    results: dict[str, list[Finding]] = {}
    try:
        _detect_items(automatic, facts, detectors, live, results, progress)
    finally:
        # What settle() froze goes back to the collector now that the scan is done.
        gc.unfreeze()
    return results


def _detect_items(
    automatic: list[Item],
    facts: ProjectFacts,
    detectors: dict[str, Detector],
    live: dict[str, Detector],
    results: dict[str, list[Finding]],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Each item's findings into ``results``, in the order of ``automatic``."""
    for done, item in enumerate(automatic, start=1):
        name = item.detector or f"match of {item.id}"
        try:
            if item.detector in DERIVED:
                findings = DERIVED[item.detector](facts, results)
            else:
                findings = _run(item, facts, detectors)
            if item.detector in live and facts.engines:
                findings += live[item.detector](facts) + _unreachable(facts)
        except Exception as error:  # noqa: BLE001 - one broken detector must not stop a review
            log.exception("detector %s failed", name)
            findings = [
                Finding(
                    Target(TargetKind.PROJECT, "."),
                    Status.UNKNOWN,
                    f"detector {name} failed: {error}",
                )
            ]
            facts.problems.append(Problem(".", None, f"detector {name} failed: {error}"))
        results[item.id] = sorted(findings, key=_reading_order)
        settle()  # the findings and what the detectors keep in the facts' memos live on
        if progress is not None:
            progress(done, len(automatic))


def _reading_order(finding: Finding) -> tuple[object, ...]:
    """Where a finding goes in its item's list: by kind, then file, numbers by value
    (``s2`` before ``s10``). Services keep the order of their compose file, the order
    people read them in: the detectors give them so, and the sort is stable."""
    target = finding.target
    name = () if target.kind is TargetKind.SERVICE else _natural(target.name)
    return (target.kind, _natural(target.path), name)


@functools.lru_cache(maxsize=65536)
def _natural(text: str) -> tuple[str | int, ...]:
    # Splitting on a captured group alternates text and digits, so tuples compare. Kept:
    # every item sorts the same paths again.
    parts = _DIGITS.split(text)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def _unreachable(facts: ProjectFacts) -> list[Finding]:
    return [
        Finding(engine.target, Status.UNKNOWN, f"engine not reachable: {engine.error}")
        for engine in facts.engines
        if not engine.reachable
    ]


def _run(item: Item, facts: ProjectFacts, detectors: dict[str, Detector]) -> list[Finding]:
    if item.detector is not None:
        if item.detector not in detectors:
            return []  # answered from live engines only
        return list(detectors[item.detector](facts))
    assert item.match is not None
    return run_match(item.match, facts)
