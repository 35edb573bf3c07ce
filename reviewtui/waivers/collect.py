"""Collecting every waiver of a project: its comments and its ``.reviewtui.yaml``."""

from __future__ import annotations

import copy
import dataclasses
import logging
from datetime import date

from reviewtui.checklists import Catalogue
from reviewtui.model import Problem, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.textfile import read_text
from reviewtui.waivers.inline import InlineReader, ServiceTargets
from reviewtui.waivers.model import Waiver
from reviewtui.waivers.project_file import read_project_file
from reviewtui.waivers.tool_ids import ToolIds

log = logging.getLogger(__name__)


def today() -> date:
    """The date that decides which waivers have expired (a function, so tests can fix it)."""
    return date.today()


def collect_waivers(
    facts: ProjectFacts, catalogue: Catalogue, on: date | None = None
) -> tuple[list[Waiver], list[Problem]]:
    """Every waiver written in the project, in a stable order, and the problems found.

    ``on`` is the date waivers are judged on (default: today). Waivers naming items the
    catalogue does not hold, and comments that cannot be read, become problems.
    """
    collector = WaiverCollector(catalogue, on)
    for dockerfile in facts.dockerfiles:
        collector.dockerfile(dockerfile)
    collector.compose(facts)
    return collector.finish(facts)


class WaiverCollector:
    """:func:`collect_waivers` in steps, for a scan that lets each Dockerfile go once it
    is judged and the compose projects once their items are: the compose files' waivers
    while their projects are there, each Dockerfile's as it is read, then the rest.
    """

    def __init__(self, catalogue: Catalogue, on: date | None = None) -> None:
        day = on or today()
        self.items = frozenset(item.id for item in catalogue.items)
        self.day = day
        self.reader = InlineReader(self.items, ToolIds(catalogue), day)
        self.waivers: list[Waiver] = []

    def dockerfile(self, dockerfile: Dockerfile) -> None:
        """Take the waivers in the comments of one Dockerfile."""
        if dockerfile.comments:
            self.waivers += self.reader.dockerfile(dockerfile)

    def part(self) -> WaiverCollector:
        """An empty collector like this one, for Dockerfiles read in another process."""
        part = copy.copy(self)
        part.reader = dataclasses.replace(self.reader, problems=[])
        part.waivers = []
        return part

    def join(self, part: WaiverCollector) -> None:
        """Take the waivers and problems ``part`` found, after this one's."""
        self.waivers += part.waivers
        self.reader.problems += part.reader.problems

    def compose(self, facts: ProjectFacts) -> None:
        """Take the waivers in the comments of the compose files of ``facts``' projects."""
        services = _service_targets(facts)
        for rel, lines in _compose_files(facts).items():
            self.waivers += self.reader.compose_file(rel, lines, services.get(rel, {}))

    def finish(self, facts: ProjectFacts) -> tuple[list[Waiver], list[Problem]]:
        """Every waiver, with those of the ``.reviewtui.yaml`` of ``facts``, in a stable
        order, and the problems found. The Dockerfiles and compose files of ``facts`` are
        left to :meth:`dockerfile` and :meth:`compose`."""
        waivers = self.waivers
        from_file, problems = read_project_file(facts.root, self.items, self.day)
        waivers += from_file

        log.debug("%d waivers, %d waiver problems", len(waivers), len(problems))
        return sorted(waivers, key=Waiver.sort_key), self.reader.problems + problems


def _compose_files(facts: ProjectFacts) -> dict[str, list[str]]:
    """The raw lines of every compose file that went into a project."""
    lines: dict[str, list[str]] = {}
    read: set[int] = set()  # services share their reader's lines: each mapping once
    for project in facts.compose_projects:
        for service in project.services:
            if id(service.sources) in read:
                continue
            read.add(id(service.sources))
            for rel, source in service.sources.items():
                lines.setdefault(rel, source)
        for rel in project.files:
            if rel not in lines:
                text, _ = read_text(facts.root, rel)  # the reader has reported any problem
                lines[rel] = text.splitlines() if text is not None else []
    return lines


def _service_targets(facts: ProjectFacts) -> dict[str, ServiceTargets]:
    """For each compose file, the targets of the services of the projects it is part of."""
    by_file: dict[str, ServiceTargets] = {}
    for project in facts.compose_projects:
        for rel in {project.path, *project.files}:
            targets = by_file.setdefault(rel, {})
            for service in project.services:
                target = Target(TargetKind.SERVICE, service.path, service.name)
                known = targets.setdefault(service.name, [])
                if target not in known:
                    known.append(target)
    return by_file
