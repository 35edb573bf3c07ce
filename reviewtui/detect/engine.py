"""Running every item's detector over a project's facts: named detectors and ``match:`` rules.

:func:`detect` judges facts read whole (tests, ``reviewtui fix``); a review's scan uses
:func:`detect_streaming`, which reads the Dockerfiles itself, a batch at a time, so that
a big tree's parsed Dockerfiles are never all in memory: the reading of a project and
the judging of its items overlap there (discover, read all but the Dockerfiles, then
read and judge them batch by batch). Where it may, it has a forked child read and judge
a share of the Dockerfiles on a second core meanwhile (see :mod:`.forked`).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Protocol, Self, runtime_checkable

from reviewtui.checklists import Catalogue, Item
from reviewtui.custom.matchers import run_match
from reviewtui.custom.schema import ComposeMatch, DockerfileMatch
from reviewtui.detect import forked, packed
from reviewtui.detect.drift import DERIVED
from reviewtui.detect.registry import (
    Detector,
    all_detectors,
    built_dockerfile_readers,
    check_catalogue,
    compose_detectors,
    dockerfile_detectors,
    live_detectors,
)
from reviewtui.model import Finding, Problem, Status, Target, TargetKind
from reviewtui.project.compose_model import ComposeProject
from reviewtui.project.dockerfile import Dockerfile, read_dockerfile
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.long_lived import settle

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"(\d+)")

DOCKERFILES_PER_BATCH = 500
"""Dockerfiles :func:`detect_streaming` reads and judges before it lets them go."""

FORK_FROM = 200
"""The fewest Dockerfiles worth a forked child's share of the judging: forking and
handing the findings back cost some 20 ms, a Dockerfile 1 ms or so."""

DOCKERFILES_PER_TAKE = 25
"""The Dockerfiles this process or a forked child takes at a time from those they share:
few enough that neither waits long for the other at the end, enough that taking them
costs nothing to speak of."""

COMPOSE_PROJECTS_PER_BATCH = 100
"""Compose projects :func:`detect_streaming` judges before it lets them go."""

StepProgress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)``, as the readers of a project call it."""


@runtime_checkable
class Listener(Protocol):
    """What hears of each Dockerfile :func:`detect_streaming` reads (the waiver
    collector), and can hear of a share of them read in a forked child."""

    def dockerfile(self, dockerfile: Dockerfile) -> None:
        """One more Dockerfile read."""

    def part(self) -> Self:
        """An empty listener like this one, for the share a child reads; it is pickled
        back to the parent."""

    def join(self, part: Self) -> None:
        """What ``part`` heard, taken as if heard here, after what this one heard."""


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
        _done()
    return results


def detect_streaming(
    catalogue: Catalogue,
    facts: ProjectFacts,
    dockerfile_paths: Sequence[str],
    on_dockerfile: Callable[[Dockerfile], None] | Listener | None = None,
    progress: StepProgress | None = None,
    detectors: dict[str, Detector] | None = None,
    live: dict[str, Detector] | None = None,
) -> dict[str, list[Finding]]:
    """:func:`detect` over ``facts`` and the Dockerfiles at ``dockerfile_paths`` (relative
    to the facts' root, not read yet), with the same findings, holding only a batch of
    Dockerfiles in memory at a time.

    The items a Dockerfile detector answers judge each file on its own (with the rest of
    the project: compose's build contexts, the .dockerignore files), so each batch is
    read, judged by those items and let go. The Dockerfiles a compose service builds
    come first: they stay in ``facts.dockerfiles`` while the items whose detectors look
    into them (:func:`~reviewtui.detect.registry.built_dockerfile_readers`) are judged,
    and then go too, before the project's other items are judged and the other
    Dockerfiles read (looking one up then raises); the derived items are judged last. Each
    Dockerfile is given to ``on_dockerfile`` once it is read (the inline waivers are in
    its comments); what it could not read goes to ``facts.problems``. ``facts`` is left
    without Dockerfiles, and without compose projects unless engines were read (they go a
    batch at a time as their items are judged, see :func:`_judge_by_compose_project` and
    :func:`_compose_done`; take what else needs them, such as the compose files' waivers,
    before).

    Where a child may be forked (see :func:`.forked.can_fork`) and ``on_dockerfile`` is
    a :class:`Listener` or None, a child reads and judges the other Dockerfiles from the
    last one back meanwhile, and this process from the first on once it is done with the
    rest, until the two meet; the findings, problems and what the listener heard are the
    same, in the same order.
    """
    detectors = all_detectors() if detectors is None else detectors
    live = live_detectors() if live is None else live
    check_catalogue(catalogue, detectors, live)
    automatic = [item for item in catalogue.items if item.automatic]
    automatic.sort(key=lambda item: item.detector in DERIVED)
    per_file = [item for item in automatic if _judges_each_dockerfile(item, detectors)]
    judged = _Judged({item.id: [] for item in per_file})
    built = _built_dockerfiles(facts)
    counted = _Progress(progress, len(dockerfile_paths) + len(automatic))
    reading = _Batches(facts, per_file, detectors, judged, on_dockerfile, counted)
    others = [rel for rel in dockerfile_paths if rel not in built]
    ends, child = None, None
    if _worth_sharing(len(dockerfile_paths), others, on_dockerfile):
        ends = forked.Ends(math.ceil(len(others) / DOCKERFILES_PER_TAKE))
        child = forked.start(functools.partial(reading.share, others, ends))
    results: dict[str, list[Finding]] = {}
    try:
        judged_per_file = {item.id for item in per_file}
        whole = [item for item in automatic if item.id not in judged_per_file]
        derived = [item for item in whole if item.detector in DERIVED]
        whole = [item for item in whole if item.detector not in DERIVED]
        # The items that look into the built Dockerfiles first, so that those are gone
        # before the other items' findings are made.
        readers = built_dockerfile_readers()
        into = [item for item in whole if item.detector in readers]
        built_paths = [rel for rel in dockerfile_paths if rel in built]
        if _compose_done(facts) and all(
            _judges_each_compose_project(item, detectors) for item in into
        ):
            _judge_built_by_compose_project(into, built_paths, reading, live, results, counted)
        else:
            reading.judge(built_paths, keep=True)
            _detect_items(into, facts, detectors, live, results, counted.item)
        facts.let_dockerfiles_go()
        settle()  # the built Dockerfiles are gone; the findings live on
        rest = [item for item in whole if item.detector not in readers]
        if _compose_done(facts):
            _judge_by_compose_project(rest, facts, detectors, live, results, counted)
        else:
            _detect_items(rest, facts, detectors, live, results, counted.item)
        if child is None or ends is None:
            reading.judge(others, keep=False)
        else:
            reading.take(child, others, reading.judge_front(others, ends))
            child = None
        _detect_items(per_file + derived, facts, detectors, live, results, counted.item, judged)
    finally:
        if child is not None:
            child.cancel()
        if ends is not None:
            ends.close()
        _done()
    # In the catalogue's order, as detect() gives them.
    return {item.id: results[item.id] for item in automatic}


def _worth_sharing(total: int, others: list[str], on_dockerfile: object) -> bool:
    """Whether a forked child should share the judging of ``others`` (the Dockerfiles no
    compose service builds): where one may be forked, and its share would pay (about
    half of all ``total`` Dockerfiles, since this process also judges the built ones and
    the project's other items)."""
    share = min(len(others), total // 2)
    listens = on_dockerfile is None or isinstance(on_dockerfile, Listener)
    return share >= FORK_FROM and listens and forked.can_fork()


def _taken(paths: Sequence[str], number: int) -> Sequence[str]:
    """The Dockerfiles of ``paths`` that make up the take of that number."""
    return paths[number * DOCKERFILES_PER_TAKE : (number + 1) * DOCKERFILES_PER_TAKE]


CHECKING = "checking Dockerfiles and items"
"""The step :func:`detect_streaming` reports progress of."""


class _Progress:
    """Progress of :func:`detect_streaming`: the Dockerfiles read and the items judged,
    in whatever order, counted as one step of one total, so the bar only moves on."""

    def __init__(self, progress: StepProgress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def advance(self, count: int = 1) -> None:
        """``count`` more Dockerfiles read or items judged."""
        self.done += count
        if self.progress is not None:
            self.progress(CHECKING, self.done, self.total)

    def item(self, _done: int, _total: int) -> None:
        """One more item judged (as :func:`_detect_items` reports it)."""
        self.advance()


@dataclasses.dataclass
class _Batches:
    """Reads Dockerfiles a batch at a time and has the per-file items judge each batch."""

    facts: ProjectFacts
    items: list[Item]
    detectors: dict[str, Detector]
    judged: _Judged
    on_dockerfile: Callable[[Dockerfile], None] | Listener | None
    progress: _Progress

    def judge(self, paths: Sequence[str], keep: bool) -> None:
        """Read and judge the Dockerfiles at ``paths``; ``keep`` adds them to the facts'
        Dockerfiles (their judging's caches cleared), else they are let go."""
        hear = self.on_dockerfile
        if hear is not None and not callable(hear):
            hear = hear.dockerfile
        for start in range(0, len(paths), DOCKERFILES_PER_BATCH):
            batch = _read_batch(self.facts, paths[start : start + DOCKERFILES_PER_BATCH])
            if hear is not None:
                for dockerfile in batch:
                    hear(dockerfile)
            # The batch's own facts: the same lists but for the Dockerfiles.
            view = dataclasses.replace(self.facts, dockerfiles=batch, dockerfiles_gone=False)
            _judge_view(self.items, view, self.detectors, self.judged)
            del view
            if keep:
                for dockerfile in batch:
                    dockerfile.memo.clear()  # caches of this batch's judging
                self.facts.dockerfiles.extend(batch)
            del batch  # before settle(), which would freeze what is still referred to
            settle()  # what is not kept of the batch is gone; its findings live on
            self.progress.advance(min(DOCKERFILES_PER_BATCH, len(paths) - start))

    def judge_front(self, paths: Sequence[str], ends: forked.Ends) -> int:
        """Read and judge the takes of ``paths`` this process gets from the front of
        ``ends``, while a forked child takes from the back; how many it got."""
        taken = 0
        while (number := ends.front()) is not None:
            self.judge(_taken(paths, number), keep=False)
            taken += 1
        return taken

    def share(self, paths: Sequence[str], ends: forked.Ends) -> _Share:
        """In a forked child: read and judge the takes of ``paths`` it gets from the back
        of ``ends``, alone, and what came of them, to hand back in the order of ``paths``
        (a listener's part heard them)."""
        listener = self.on_dockerfile
        whole = listener.part() if isinstance(listener, Listener) else None
        item_ids = list(self.judged.findings)
        self.progress = _Progress(None, 0)
        takes: list[tuple[packed.PackedFindings, dict[str, Exception], list[Problem]]] = []
        heard: list[Listener] = []
        while (number := ends.back()) is not None:
            problems = len(self.facts.problems)
            self.judged = _Judged({item_id: [] for item_id in item_ids})
            part = whole.part() if whole is not None else None
            self.on_dockerfile = part
            self.judge(_taken(paths, number), keep=False)
            # Packed at once: as objects, the findings would weigh on this process's peak.
            found = packed.pack(self.judged.findings)
            takes.append((found, self.judged.errors, self.facts.problems[problems:]))
            if part is not None:
                heard.append(part)
        takes.reverse()  # taken from the back: in the order of the paths now
        errors: dict[str, str] = {}
        problems_found: list[Problem] = []
        for _, take_errors, take_problems in takes:
            for item_id, error in take_errors.items():
                errors.setdefault(item_id, str(error))
            problems_found += take_problems
        if whole is not None:
            for part in reversed(heard):
                whole.join(part)
        return _Share([found for found, _, _ in takes], errors, problems_found, whole)

    def take(self, child: forked.Forked[_Share], paths: Sequence[str], front: int) -> None:
        """Add what ``child`` made of the Dockerfiles of ``paths`` after the first
        ``front`` takes, as if judged here after those; judge them here if it made
        nothing."""
        paths = paths[front * DOCKERFILES_PER_TAKE :]
        share = child.result()
        if share is None:
            log.warning("the forked share of the Dockerfiles failed; judging them here")
            self.judge(paths, keep=False)
            return
        takes = share.findings
        takes.reverse()
        while takes:  # each take let go once unpacked, for this process's peak
            for item_id, findings in packed.unpack(takes.pop()):
                if item_id not in self.judged.errors:
                    self.judged.findings[item_id] += findings
        for item_id, message in share.errors.items():
            self.judged.errors.setdefault(item_id, RuntimeError(message))
        self.facts.problems += share.problems
        if share.listener is not None and isinstance(self.on_dockerfile, Listener):
            self.on_dockerfile.join(share.listener)
        self.progress.advance(len(paths))


@dataclasses.dataclass
class _Share:
    """What a forked child made of its share of the Dockerfiles: each item's findings,
    the message of each detector that raised, the problems, and its listener's part."""

    findings: list[packed.PackedFindings]
    """Each take's findings, in the order of the Dockerfiles."""
    errors: dict[str, str]
    problems: list[Problem]
    listener: Listener | None


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


def _judge_by_compose_project(
    items: list[Item],
    facts: ProjectFacts,
    detectors: dict[str, Detector],
    live: dict[str, Detector],
    results: dict[str, list[Finding]],
    progress: _Progress,
) -> None:
    """Judge ``items`` and let the compose projects go: the items that judge each project
    on its own a batch of projects at a time, each batch let go once judged, so that the
    projects shrink while their findings grow; the other items first, with them all."""
    each = [item for item in items if _judges_each_compose_project(item, detectors)]
    judged = _Judged({item.id: [] for item in each})
    others = [item for item in items if item.id not in judged.findings]
    _detect_items(others, facts, detectors, live, results, progress.item)
    waiting = facts.compose_projects
    facts.let_compose_go()
    while waiting:
        batch = waiting[:COMPOSE_PROJECTS_PER_BATCH]
        waiting = waiting[COMPOSE_PROJECTS_PER_BATCH:]
        _judge_view(each, dataclasses.replace(facts, compose_projects=batch), detectors, judged)
        del batch  # before settle(), which would freeze what is still referred to
        settle()  # the batch's projects are gone; their findings live on
    _detect_items(each, facts, detectors, live, results, progress.item, judged)


def _judge_built_by_compose_project(
    items: list[Item],
    built_paths: list[str],
    reading: _Batches,
    live: dict[str, Detector],
    results: dict[str, list[Finding]],
    progress: _Progress,
) -> None:
    """Read and judge the Dockerfiles at ``built_paths`` (those compose services build),
    and judge ``items`` (which judge each compose project on its own, and look into the
    Dockerfiles its services build) a batch of projects at a time, each with just the
    Dockerfiles its services build in memory: on a big tree those are thousands.

    A Dockerfile is read for the first batch that builds it and let go after the last.
    """
    facts = reading.facts
    projects = facts.compose_projects
    batches = [
        projects[start : start + COMPOSE_PROJECTS_PER_BATCH]
        for start in range(0, len(projects), COMPOSE_PROJECTS_PER_BATCH)
    ]
    order = {rel: index for index, rel in enumerate(built_paths)}
    needs = [sorted(_builds(batch) & order.keys(), key=order.__getitem__) for batch in batches]
    last_need = {rel: index for index, paths in enumerate(needs) for rel in paths}
    judged = _Judged({item.id: [] for item in items})
    read: set[str] = set()
    for index, (batch, paths) in enumerate(zip(batches, needs, strict=True)):
        new = [rel for rel in paths if rel not in read]
        read.update(new)
        reading.judge(new, keep=True)
        wanted = set(paths)
        builds = [dockerfile for dockerfile in facts.dockerfiles if dockerfile.path in wanted]
        view = dataclasses.replace(facts, compose_projects=batch, dockerfiles=builds)
        _judge_view(items, view, reading.detectors, judged)
        del view, builds
        facts.dockerfiles = [d for d in facts.dockerfiles if last_need[d.path] > index]
        settle()  # the Dockerfiles no later batch builds are gone; their findings live on
    _detect_items(items, facts, reading.detectors, live, results, progress.item, judged)


def _judges_each_compose_project(item: Item, detectors: dict[str, Detector]) -> bool:
    """Whether the item's findings are per compose service, each from that service's
    project (and the project's other facts) alone: a compose detector, or a compose rule."""
    if item.detector is None:
        return isinstance(item.match, ComposeMatch)
    own = compose_detectors().get(item.detector)
    return own is not None and detectors.get(item.detector) is own


def _compose_done(facts: ProjectFacts) -> bool:
    """Whether, once the project's items are judged, nothing left to judge reads the
    compose projects, so that they need not stay in memory beside every finding.

    The Dockerfiles judged after them are built by no service (see
    :func:`_built_dockerfiles`), so the build contexts compose gives have nothing for
    them; what is left of the compose projects' use compares their services with the
    containers of the engines read, so they stay for a live review.
    """
    return not facts.engines


def _built_dockerfiles(facts: ProjectFacts) -> frozenset[str]:
    """The Dockerfiles compose services build: the service items look into them."""
    return frozenset(_builds(facts.compose_projects))


def _builds(projects: list[ComposeProject]) -> set[str]:
    """The Dockerfiles the services of ``projects`` build."""
    paths = set()
    for project in projects:
        for service in project.services:
            build = service.build()
            if build is not None and build.dockerfile is not None:
                paths.add(build.dockerfile)
    return paths


def _read_batch(facts: ProjectFacts, paths: Sequence[str]) -> list[Dockerfile]:
    """The Dockerfiles at ``paths``; their problems added to the facts'."""
    batch = []
    for rel in paths:
        dockerfile = read_dockerfile(facts.root, rel)
        facts.problems.extend(dockerfile.problems)
        batch.append(dockerfile)
    return batch


def _judge_view(
    items: list[Item], view: ProjectFacts, detectors: dict[str, Detector], judged: _Judged
) -> None:
    """Add each item's findings about ``view`` (the facts with one batch of their
    Dockerfiles or compose projects, the same lists otherwise) to ``judged``."""
    for item in items:
        if item.id in judged.errors:
            continue
        try:
            judged.findings[item.id] += _run(item, view, detectors)
        except Exception as error:  # noqa: BLE001 - raised again where detect() would see it
            judged.errors[item.id] = error


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


def _done() -> None:
    """What a scan's judging leaves behind that its findings do not need."""
    # What settle() froze goes back to the collector now that the scan is done.
    gc.unfreeze()
    # A big tree's paths fill the cache; the next scan (the app's rescan) sorts anew.
    _natural.cache_clear()


def _reading_order(finding: Finding) -> tuple[object, ...]:
    """Where a finding goes in its item's list: by kind, then file, numbers by value
    (``s2`` before ``s10``). Services keep the order of their compose file, the order
    people read them in: the detectors give them so, and the sort is stable."""
    target = finding.target
    name = () if target.kind is TargetKind.SERVICE else _natural(target.name)
    return (target.kind, _natural(target.path), name)


@functools.lru_cache(maxsize=65536)
def _natural(text: str) -> tuple[str | int, ...]:
    # Splitting on a captured group alternates text and digits, so tuples compare. Kept
    # while a scan lasts: every item sorts the same paths again.
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
