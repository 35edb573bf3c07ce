"""Live swarm service detectors for mounts: the Docker socket, sensitive host paths, mount
propagation and tmpfs options (CIS 5.6, 5.20, 5.32)."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks import container_mounts
from reviewtui.detect.live_checks.findings import Detector, per_swarm_service
from reviewtui.detect.live_checks.swarm_common import CONTAINER, dicts, service_finding
from reviewtui.detect.live_checks.swarm_tasks import TaskContainer, judge_task, task_container
from reviewtui.live.facts import EngineFacts, SwarmServiceFacts
from reviewtui.model import Finding, Status

# -- mounts ---------------------------------------------------------------------------------

_MOUNTS = f"{CONTAINER}.Mounts"


def _mount_task(service: SwarmServiceFacts) -> TaskContainer:
    """The task's container with the service's mounts: a service's ``Mounts`` are the
    ``--mount`` entries of a container, ``HostConfig.Mounts``, field for field."""
    mounts = dicts(service.get(_MOUNTS))
    task = task_container(
        service, {"Mounts": mounts}, {"Mounts": _MOUNTS, "HostConfig.Mounts": _MOUNTS}
    )
    for entry in mounts:
        task.cite("HostConfig.Mounts", entry, _MOUNTS)
    return task


def _docker_socket(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL when ``ContainerSpec.Mounts`` brings in the Docker socket or a folder holding
    it (CIS 5.32), judged by the container detector: read-only changes nothing."""
    return judge_task(engine, _mount_task(service), container_mounts.docker_socket)


def _sensitive_mounts(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for binds in ``ContainerSpec.Mounts`` of the host's system folders, home
    folders and Docker's data, the paths the compose and container detectors list (CIS
    5.6); volumes pass."""
    return judge_task(engine, _mount_task(service), container_mounts.sensitive_mounts)


def _mount_propagation(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for a mount whose ``BindOptions.Propagation`` is shared or rshared (CIS 5.20):
    mounts made in a task then appear on the node; slave and rslave pass."""
    return judge_task(engine, _mount_task(service), container_mounts.mount_propagation)


# Docker mounts every tmpfs noexec and nosuid; these options turn that off again.
_WEAKENING_OPTIONS = ("exec", "suid")


def _tmpfs_options(entry: dict[str, Any]) -> list[str]:
    """The option names of ``TmpfsOptions.Options`` (API 1.46): ``[["exec"], ["size",
    "1m"]]`` gives exec and size."""
    options = entry.get("TmpfsOptions")
    listed = options.get("Options") if isinstance(options, dict) else None
    names_found = []
    for option in listed if isinstance(listed, list) else []:
        name = option[0] if isinstance(option, list) and option else option
        names_found.append(str(name).strip().lower())
    return names_found


def _tmpfs_exec(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for a tmpfs mount whose ``TmpfsOptions.Options`` (API 1.46) hold ``exec`` or
    ``suid``, which turn off the ``noexec`` and ``nosuid`` Docker gives every tmpfs; other
    tmpfs mounts keep them and pass."""
    tmpfs = [entry for entry in dicts(service.get(_MOUNTS)) if entry.get("Type") == "tmpfs"]
    weak = [
        (entry, [o for o in _WEAKENING_OPTIONS if o in _tmpfs_options(entry)]) for entry in tmpfs
    ]
    weak = [(entry, options) for entry, options in weak if options]
    if weak:
        described = [f"{entry.get('Target', '?')} ({', '.join(opts)})" for entry, opts in weak]
        return service_finding(
            service,
            Status.FAIL,
            f"tmpfs allows what Docker forbids by default: {names(described)}; "
            "dropped programs can run from it",
            *(service.evidence(_MOUNTS, entry) for entry, _ in weak),
        )
    if tmpfs:
        return service_finding(
            service,
            Status.PASS,
            f"tmpfs mounts keep noexec and nosuid: {names([str(e.get('Target')) for e in tmpfs])}",
            *(service.evidence(_MOUNTS, entry) for entry in tmpfs[:8]),
        )
    return service_finding(service, Status.PASS, "no tmpfs mount", service.evidence(_MOUNTS))


DETECTORS: dict[str, Detector] = {
    "docker_socket": per_swarm_service(_docker_socket),
    "sensitive_mounts": per_swarm_service(_sensitive_mounts),
    "mount_propagation": per_swarm_service(_mount_propagation),
    "tmpfs_exec": per_swarm_service(_tmpfs_exec),
}
"""The detectors of this module, by the names the checklists use."""
