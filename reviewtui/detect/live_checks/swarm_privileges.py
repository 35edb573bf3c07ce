"""Live swarm service detectors for privileges: privileged mode, host namespaces and host
devices, which a service cannot ask for or only in part, and confinement profiles and
no-new-privileges.
"""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks import container_privileges
from reviewtui.detect.live_checks.findings import Detector, per_swarm_service
from reviewtui.detect.live_checks.swarm_common import (
    CONTAINER,
    NETWORKS,
    PRIVILEGES_API,
    api_below,
    api_evidence,
    api_text,
    dicts,
    host_network,
    service_finding,
    unlisted_finding,
    unlisted_networks,
)
from reviewtui.detect.live_checks.swarm_tasks import TaskContainer, judge_task, task_container
from reviewtui.live.facts import EngineFacts, SwarmServiceFacts
from reviewtui.model import Evidence, Finding, Status

# -- privileges that swarm services cannot have ---------------------------------------------


def _privileged(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS for every service: swarm services cannot be privileged, as
    ``ContainerSpec`` has no ``Privileged`` field; the capabilities a service can add are
    the cap-drop item's."""
    return service_finding(
        service,
        Status.PASS,
        "swarm services cannot be privileged: ContainerSpec has no Privileged field",
        service.evidence(f"{CONTAINER}.Privileged"),
    )


def _host_namespaces(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL for a service on the host network, which shares the node's network namespace
    (CIS 5.10); otherwise PASS: swarm services cannot share the host's PID, IPC, UTS or
    user namespace, as ``ContainerSpec`` has no field for them. UNKNOWN for a network the
    engine does not list: the swarm's own copy of the host network is not in ``/networks``."""
    networks = service.evidence(NETWORKS)
    if host_network(engine, service) is not None:
        return service_finding(
            service,
            Status.FAIL,
            "shares the host's network namespace: attached to the host network",
            networks,
        )
    unlisted = unlisted_networks(engine, service)
    if unlisted:
        return unlisted_finding(service, unlisted, "host")
    return service_finding(
        service,
        Status.PASS,
        "keeps its own namespaces: not on the host network, and a swarm service cannot "
        "share the host's PID, IPC, UTS or user namespace (ContainerSpec has no field for them)",
        networks,
        service.evidence(f"{CONTAINER}.PidMode"),
    )


_GENERIC_RESOURCES = "Spec.TaskTemplate.Resources.Reservations.GenericResources"


def _generic_resource(entry: dict[str, Any]) -> str:
    for key in ("NamedResourceSpec", "DiscreteResourceSpec"):
        spec = entry.get(key)
        if isinstance(spec, dict):
            return str(spec.get("Kind") or "a resource")
    return "a resource"


def _host_devices(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS when the service reserves no generic resources: swarm services cannot map host
    devices, as ``ContainerSpec`` has no ``Devices`` field (CIS 5.18). UNKNOWN for
    ``Resources.Reservations.GenericResources`` (GPUs and the like), whose devices the node
    hands to each task: a person confirms the service needs them."""
    reserved = dicts(service.get(_GENERIC_RESOURCES))
    if reserved:
        kinds = sorted({_generic_resource(entry) for entry in reserved})
        return service_finding(
            service,
            Status.UNKNOWN,
            f"reserves generic resources ({names(kinds)}): the node hands the devices behind "
            "them to each task; confirm the service needs them",
            *(service.evidence(_GENERIC_RESOURCES, entry) for entry in reserved[:8]),
        )
    return service_finding(
        service,
        Status.PASS,
        "swarm services cannot map host devices: ContainerSpec has no Devices field",
        service.evidence(f"{CONTAINER}.Devices"),
    )


# -- confinement ----------------------------------------------------------------------------

_PRIVILEGES = f"{CONTAINER}.Privileges"


def _privileges(service: SwarmServiceFacts, key: str) -> dict[str, Any]:
    value = service.get(f"{_PRIVILEGES}.{key}")
    return value if isinstance(value, dict) else {}


def _privileges_task(service: SwarmServiceFacts) -> TaskContainer:
    """The task's container with the security options the swarm executor derives from
    ``ContainerSpec.Privileges``: Seccomp mode unconfined becomes ``seccomp=unconfined``,
    a custom profile ``seccomp=<profile>``, AppArmor mode disabled
    ``apparmor=unconfined``, SELinuxContext.Disable ``label=disable``."""
    options: list[tuple[str, str]] = []
    seccomp = str(_privileges(service, "Seccomp").get("Mode") or "").lower()
    if seccomp in ("unconfined", "custom"):
        options.append((f"seccomp={seccomp}", f"{_PRIVILEGES}.Seccomp.Mode"))
    if str(_privileges(service, "AppArmor").get("Mode") or "").lower() == "disabled":
        options.append(("apparmor=unconfined", f"{_PRIVILEGES}.AppArmor.Mode"))
    if _privileges(service, "SELinuxContext").get("Disable") is True:
        options.append(("label=disable", f"{_PRIVILEGES}.SELinuxContext.Disable"))
    task = task_container(
        service,
        {"SecurityOpt": [option for option, _ in options] or None},
        {"HostConfig.SecurityOpt": _PRIVILEGES},
    )
    for option, spec_field in options:
        task.cite("HostConfig.SecurityOpt", option, spec_field, service.get(spec_field))
    return task


def _security_profiles(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL when ``ContainerSpec.Privileges`` switches confinement off (Seccomp mode
    unconfined, AppArmor mode disabled, SELinuxContext.Disable where SELinux runs), or the
    engine has no profile to apply; judged by the container detector on the options the
    swarm gives each task (CIS 5.2, 5.3, 5.22). Before API 1.44 a service cannot switch
    seccomp or AppArmor off, so the engine's defaults decide."""
    # TODO: the profiles of this engine stand for those of every node that runs a task.
    return judge_task(engine, _privileges_task(service), container_privileges.security_profiles)


def _listed_no_new_privileges(engine: EngineFacts) -> Evidence | None:
    """Evidence of ``name=no-new-privileges`` among ``/info`` SecurityOptions, which
    engines from Docker 24 show when dockerd sets it for every container."""
    options = engine.info.get("SecurityOptions")
    for entry in options if isinstance(options, list) else []:
        if "name=no-new-privileges" in str(entry).lower().split(","):
            return engine.evidence("SecurityOptions", entry)
    return None


def _no_new_privileges(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS when ``ContainerSpec.Privileges.NoNewPrivileges`` is true (API 1.44), or the
    engine sets no-new-privileges for every container (its daemon.json, or SecurityOptions
    in ``/info``); FAIL otherwise. Before API 1.44 a service cannot ask for it, so without
    the engine's default the answer is left to a person (CIS 5.26)."""
    field_name = f"{_PRIVILEGES}.NoNewPrivileges"
    spec = service.evidence(field_name)
    if service.get(field_name) is True:
        return service_finding(service, Status.PASS, "no-new-privileges is set", spec)
    daemon = engine.daemon_config
    if daemon is not None and daemon.get("no-new-privileges") is True:
        return service_finding(
            service,
            Status.PASS,
            f"{daemon.path} sets no-new-privileges for every container",
            daemon.evidence("no-new-privileges"),
            spec,
        )
    listed = _listed_no_new_privileges(engine)
    if listed is not None:
        return service_finding(
            service,
            Status.PASS,
            "the engine sets no-new-privileges for every container (SecurityOptions)",
            listed,
            spec,
        )
    # TODO: the daemon default of the other nodes, which may run the tasks, is not seen.
    if api_below(engine, PRIVILEGES_API):
        return service_finding(
            service,
            Status.UNKNOWN,
            f"the engine's API {api_text(engine)} has no ContainerSpec.Privileges."
            "NoNewPrivileges (API 1.44): only the daemon's default can set it, and none was "
            "seen; check the nodes",
            api_evidence(engine),
            spec,
        )
    return service_finding(
        service,
        Status.FAIL,
        "no-new-privileges is not set: setuid binaries can raise privileges",
        spec,
    )


DETECTORS: dict[str, Detector] = {
    "privileged": per_swarm_service(_privileged),
    "host_namespaces": per_swarm_service(_host_namespaces),
    "host_devices": per_swarm_service(_host_devices),
    "security_profiles": per_swarm_service(_security_profiles),
    "no_new_privileges": per_swarm_service(_no_new_privileges),
}
"""The detectors of this module, by the names the checklists use."""
