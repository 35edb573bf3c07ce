"""Kernel and cgroup settings a service changes: sysctls that make it a router, the OOM
killer and the cgroup parent (CIS 5.25)."""

from __future__ import annotations

import re

from reviewtui.detect.compose_checks.findings import finding, names, per_service
from reviewtui.detect.compose_checks.limits import has_memory_limit
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import is_true
from reviewtui.project.compose_yaml import spelled

# Sysctls that let traffic cross the container's network namespace: forwarding turns it
# into a router between the networks it is on, route_localnet makes loopback addresses
# routable, and source routing lets a sender pick the path.
ROUTING_SYSCTL = re.compile(
    r"^net\.ipv[46]\.(ip_forward|conf\.[^.]+\.(forwarding|route_localnet|accept_source_route))$"
)
# At -500 and below the kernel's OOM killer takes nearly every other process of the
# host, the Docker daemon among them, before this container.
PROTECTED_OOM_SCORE = -500


def sysctl_enabled(value: object) -> bool:
    """Whether a sysctl value switches its setting on."""
    return str(value).strip() not in ("0", "", "false", "False")


def _routing_sysctls(service: ComposeService) -> list[tuple[str, Evidence]]:
    sysctls = service.get("sysctls")
    if not isinstance(sysctls, dict):
        return []
    return [
        (f"{name}={spelled(value)}", service.evidence("sysctls", name))
        for name, value in sysctls.items()
        if ROUTING_SYSCTL.match(str(name).strip()) and sysctl_enabled(value)
    ]


def _oom_problems(service: ComposeService) -> list[tuple[str, Evidence]]:
    problems = []
    if is_true(service.get("oom_kill_disable")) and not has_memory_limit(service):
        problems.append(
            (
                "oom_kill_disable without a memory limit can leave the host out of memory",
                service.evidence("oom_kill_disable"),
            )
        )
    score = service.get("oom_score_adj")
    try:
        protected = score is not None and int(str(score).strip()) <= PROTECTED_OOM_SCORE
    except ValueError:
        protected = False
    if protected:
        problems.append(
            (
                f"oom_score_adj {spelled(score)} makes the OOM killer take other host "
                "processes first",
                service.evidence("oom_score_adj"),
            )
        )
    return problems


def _kernel_settings(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for sysctls that turn the container into a router (``ip_forward``,
    ``forwarding``, ``route_localnet``, ``accept_source_route``), ``oom_kill_disable``
    without a memory limit, ``oom_score_adj`` at -500 or below, and a ``cgroup_parent``
    other than Docker's (CIS 5.25)."""
    problems = [(f"sysctl {text}", where) for text, where in _routing_sysctls(service)]
    problems += _oom_problems(service)
    parent = service.get("cgroup_parent")
    if parent is not None and str(parent).strip():
        problems.append(
            (
                f"cgroup_parent {spelled(parent)} places it outside Docker's cgroup",
                service.evidence("cgroup_parent"),
            )
        )
    if problems:
        return finding(
            service,
            Status.FAIL,
            names([text for text, _ in problems], "; "),
            *(where for _, where in problems),
        )
    sysctls = service.get("sysctls")
    if isinstance(sysctls, dict) and sysctls:
        return finding(
            service,
            Status.PASS,
            f"sysctls {names([str(name) for name in sysctls])} do not open routing; "
            "the OOM killer and cgroup parent keep their defaults",
            service.evidence("sysctls"),
        )
    return finding(
        service,
        Status.PASS,
        "no routing sysctls; the OOM killer and cgroup parent keep their defaults",
    )


kernel_settings = per_service(_kernel_settings)

DETECTORS = {"kernel_settings": kernel_settings}
"""The detectors of this module, by the names the checklists use."""
