"""Running every item's detector over a project's facts: named detectors and ``match:`` rules."""

from __future__ import annotations

import dataclasses
import functools
import gc
import logging
import re
from collections.abc import Callable, Sequence

from reviewtui.checklists import Catalogue, Item
from reviewtui.custom.matchers import run_match
from reviewtui.custom.schema import DockerfileMatch
from reviewtui.detect.drift import DERIVED
from reviewtui.detect.registry import (
    Detector,
    all_detectors,
    check_catalogue,
    dockerfile_detectors,
    live_detectors,
)
from reviewtui.model import Finding, Problem, Status, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile, read_dockerfile
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.long_lived import settle

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"(\d+)")

DOCKERFILES_PER_BATCH = 500
"""Dockerfiles :func:`detect_streaming` reads and judges before it lets them go."""

StepProgress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)``, as the readers of a project call it."""


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


def detect_streaming(
    catalogue: Catalogue,
    facts: ProjectFacts,
    dockerfile_paths: Sequence[str],
    on_dockerfile: Callable[[Dockerfile], None] | None = None,
    progress: StepProgress | None = None,
    detectors: dict[str, Detector] | None = None,
    live: dict[str, Detector] | None = None,
) -> dict[str, list[Finding]]:
    """:func:`detect` over ``facts`` and the Dockerfiles at ``dockerfile_paths`` (relative
    to the facts' root, not read yet), with the same findings, holding only a batch of
    Dockerfiles in memory at a time.

    The items a Dockerfile detector answers judge each file on its own (with the rest of
    the project: compose's build contexts, the .dockerignore files), so each batch is
    read, judged by those items and let go. Only the Dockerfiles a compose service
    builds stay, in ``facts.dockerfiles``, for the items that judge services. Each
    Dockerfile is given to ``on_dockerfile`` once it is read (the inline waivers are in
    its comments); what it could not read goes to ``facts.problems``.
    """
    detectors = all_detectors() if detectors is None else detectors
    live = live_detectors() if live is None else live
    check_catalogue(catalogue, detectors, live)
    automatic = [item for item in catalogue.items if item.automatic]
    automatic.sort(key=lambda item: item.detector in DERIVED)
    per_file = [item for item in automatic if _judges_each_dockerfile(item, detectors)]
    built = _built_dockerfiles(facts)
    judged = _Judged({item.id: [] for item in per_file})
    results: dict[str, list[Finding]] = {}
    try:
        for start in range(0, len(dockerfile_paths), DOCKERFILES_PER_BATCH):
            batch = dockerfile_paths[start : start + DOCKERFILES_PER_BATCH]
            _judge_batch(per_file, facts, batch, built, detectors, judged, on_dockerfile)
            settle()  # the batch is gone; its findings and the built Dockerfiles live on
            if progress is not None:
                progress("reading Dockerfiles", start + len(batch), len(dockerfile_paths))
        items_progress = None
        if progress is not None:
            items_progress = functools.partial(progress, "checking items")
        _detect_items(automatic, facts, detectors, live, results, items_progress, judged)
    finally:
        gc.unfreeze()
    return results


@dataclasses.dataclass
class _Judged:
    """The findings of the items judged batch by batch so far, by item id, and the error
    each item's detector raised, if one did (its findings then stop growing)."""

    findings: dict[str, list[Finding]]
    errors: dict[str, Exception] = dataclasses.field(default_factory=dict)

    def take(self, item: Item) -> list[Finding]:
        """The item's findings; the error its detector raised, raised again."""
        error = self.errors.get(item.id)
        if error is not None:
            raise error
        return self.findings.pop(item.id)


def _judges_each_dockerfile(item: Item, detectors: dict[str, Detector]) -> bool:
    """Whether the item's findings are one per Dockerfile, each from that file and the
    rest of the project alone: a built-in Dockerfile detector, or a Dockerfile rule."""
    if item.detector is None:
        return isinstance(item.match, DockerfileMatch)
    own = dockerfile_detectors().get(item.detector)
    return own is not None and detectors.get(item.detector) is own


def _built_dockerfiles(facts: ProjectFacts) -> frozenset[str]:
    """The Dockerfiles compose services build: the service items look into them."""
    paths = set()
    for project in facts.compose_projects:
        for service in project.services:
            build = service.build()
            if build is not None and build.dockerfile is not None:
                paths.add(build.dockerfile)
    return frozenset(paths)


def _judge_batch(
    items: list[Item],
    facts: ProjectFacts,
    paths: Sequence[str],
    built: frozenset[str],
    detectors: dict[str, Detector],
    judged: _Judged,
    on_dockerfile: Callable[[Dockerfile], None] | None,
) -> None:
    """Read the Dockerfiles at ``paths`` and add each item's findings about them."""
    batch = []
    for rel in paths:
        dockerfile = read_dockerfile(facts.root, rel)
        facts.problems.extend(dockerfile.problems)
        if on_dockerfile is not None:
            on_dockerfile(dockerfile)
        batch.append(dockerfile)
    # The batch's own facts: the same lists but for the Dockerfiles, so the same problems.
    view = dataclasses.replace(facts, dockerfiles=batch)
    for item in items:
        if item.id in judged.errors:
            continue
        try:
            judged.findings[item.id] += _run(item, view, detectors)
        except Exception as error:  # noqa: BLE001 - raised again where detect() would see it
            judged.errors[item.id] = error
    for dockerfile in batch:
        if dockerfile.path in built:
            dockerfile.memo.clear()  # caches of this batch's judging; the rest stays small
            facts.dockerfiles.append(dockerfile)


def _detect_items(
    automatic: list[Item],
    facts: ProjectFacts,
    detectors: dict[str, Detector],
    live: dict[str, Detector],
    results: dict[str, list[Finding]],
    progress: Callable[[int, int], None] | None,
    judged: _Judged | None = None,
) -> None:
    """Each item's findings into ``results``, in the order of ``automatic``; the items of
    ``judged`` take the findings gathered there from files no longer in ``facts``."""
    for done, item in enumerate(automatic, start=1):
        name = item.detector or f"match of {item.id}"
        try:
            if item.detector in DERIVED:
                findings = DERIVED[item.detector](facts, results)
            elif judged is not None and item.id in judged.findings:
                findings = judged.take(item)
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
