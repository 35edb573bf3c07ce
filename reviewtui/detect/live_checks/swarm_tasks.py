"""The container a swarm task gets, made from its service's spec for the container
detectors to judge.

Where the swarm hands a spec field to each task's container unchanged (mounts, security
options, sysctls, ulimits), the container detector judges the container a task gets, so
both are judged alike; evidence cites the spec field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui.detect.live_checks.findings import Detector
from reviewtui.live.facts import ContainerFacts, EngineFacts, SwarmServiceFacts
from reviewtui.model import Evidence, Finding
from reviewtui.project.facts import ProjectFacts

# -- the container a task gets --------------------------------------------------------------


@dataclass
class TaskContainer:
    """The inspect data of the container a task of the service gets, for the container
    detectors to judge.

    The swarm executor makes each task's container from the spec field by field
    (``ContainerSpec.Mounts`` become ``HostConfig.Mounts``, ``Privileges`` become
    ``HostConfig.SecurityOpt`` entries, ``Sysctls`` and ``Ulimits`` keep their names), so
    judging that container with the container detectors judges the service exactly as
    its containers will be judged. ``cited`` maps each piece of evidence a detector can
    give about one entry to the spec field and value it came from; ``fields`` maps whole
    container fields to spec fields.
    """

    service: SwarmServiceFacts
    facts: ContainerFacts
    cited: dict[tuple[str, str], Evidence]
    fields: dict[str, str]

    def cite(self, container_field: str, entry: Any, spec_field: str, value: Any = ...) -> None:
        """Record that the container's ``entry`` of ``container_field`` is the spec's
        ``spec_field`` (with ``value``, or the same entry)."""
        own = self.facts.evidence(container_field, entry)
        shown_value = entry if value is ... else value
        self.cited[(own.field, own.snippet)] = self.service.evidence(spec_field, shown_value)


def task_container(
    service: SwarmServiceFacts, host_config: dict[str, Any], fields: dict[str, str]
) -> TaskContainer:
    """The container a task of ``service`` gets, with ``host_config`` as its HostConfig and
    ``fields`` mapping its fields to the spec fields they came from."""
    data = {"Id": str(service.data.get("ID", "")), "Name": "/" + service.name}
    facts = ContainerFacts(service.host, {**data, "HostConfig": host_config})
    return TaskContainer(service, facts, {}, fields)


def judge_task(engine: EngineFacts, task: TaskContainer, detector: Detector) -> Finding:
    """The container detector's finding for the task's container, told of the service:
    evidence about the container cites the spec fields instead; evidence about the
    engine (its ``/info``, its daemon.json) stays."""
    stand_in = EngineFacts(
        engine.endpoint,
        engine.inspected_at,
        version=engine.version,
        info=engine.info,
        networks=engine.networks,
        containers=[task.facts],
        daemon_config=engine.daemon_config,
    )
    (finding,) = detector(ProjectFacts(root=Path("."), engines=[stand_in]))
    own = f"{task.facts.host}: {task.facts.title}"
    evidence: list[Evidence] = []
    for item in finding.evidence:
        if item.path != own:
            evidence.append(item)
            continue
        cited = task.cited.get((item.field, item.snippet))
        if cited is None and item.field in task.fields:
            cited = task.service.evidence(task.fields[item.field])
        if cited is not None:
            evidence.append(cited)
    if not evidence:
        evidence = [task.service.evidence(next(iter(task.fields.values())))]
    return Finding(task.service.target, finding.status, finding.reason, tuple(evidence))
