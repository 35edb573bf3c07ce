"""Privilege detectors: privileged mode, capabilities, no-new-privileges, confinement
profiles and host namespaces (CIS 5.2-5.5, 5.10, 5.16, 5.17, 5.21, 5.22, 5.26, 5.31)."""

from __future__ import annotations

# COMMON_CAPS stays importable from here, where it used to live.
from reviewtui.detect.capabilities import COMMON_CAPS as COMMON_CAPS
from reviewtui.detect.capabilities import DANGEROUS_CAPS, CapabilityOutcome, judge_capabilities
from reviewtui.detect.compose_checks.findings import Check, finding, names, per_service, services
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import is_true
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

_HOST_NAMESPACE_KEYS = ("network_mode", "net", "pid", "ipc", "uts", "userns_mode", "cgroup")


def _privileged(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for ``privileged: true`` (CIS 5.5)."""
    if is_true(service.get("privileged")):
        return finding(
            service,
            Status.FAIL,
            "privileged: true gives the container every capability and host device",
            service.evidence("privileged"),
        )
    return finding(service, Status.PASS, "not privileged", service.evidence("privileged"))


def capabilities(service: ComposeService, key: str) -> list[tuple[str, int]]:
    """The names in ``cap_add`` or ``cap_drop``, upper case without ``CAP_``, with the
    index of each entry."""
    value = service.get(key)
    if not isinstance(value, list):
        return []
    return [
        (str(item).strip().upper().removeprefix("CAP_"), index)
        for index, item in enumerate(value)
        if item is not None
    ]


def _cap_drop_all(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``cap_drop`` holds ALL and ``cap_add`` only common capabilities (CIS 5.4)."""
    verdict = judge_capabilities(
        capabilities(service, "cap_add"),
        capabilities(service, "cap_drop"),
        privileged=is_true(service.get("privileged")),
    )
    named = list(verdict.names)
    if verdict.outcome is CapabilityOutcome.PRIVILEGED:
        return finding(
            service,
            verdict.status,
            "privileged: the container holds every capability whatever cap_drop says",
            service.evidence("privileged"),
        )
    if verdict.outcome is CapabilityOutcome.DANGEROUS:
        worst = named[0]
        return finding(
            service,
            verdict.status,
            f"cap_add grants {names(named)}: {worst} {DANGEROUS_CAPS[worst]}",
            *(service.evidence("cap_add", index) for index in verdict.cited),
        )
    if verdict.outcome is CapabilityOutcome.KEEPS_DEFAULTS:
        return finding(
            service,
            verdict.status,
            "cap_drop does not drop ALL: the engine's 14 "
            "default capabilities stay, NET_RAW among them",
            service.evidence("cap_drop"),
        )
    if verdict.outcome is CapabilityOutcome.UNUSUAL:
        return finding(
            service,
            verdict.status,
            f"drops ALL but adds back {names(named)}",
            *(service.evidence("cap_add", index) for index in verdict.cited),
        )
    reason = f"drops ALL and adds back only {names(named)}" if named else "drops ALL capabilities"
    (drop_all,) = verdict.cited
    return finding(service, verdict.status, reason, service.evidence("cap_drop", drop_all))


def _daemon_enabling(daemons: list[DaemonConfig], key: str) -> DaemonConfig | None:
    for config in daemons:
        if config.get(key) is True:
            return config
    return None


def _no_new_privileges_for(daemons: list[DaemonConfig]) -> Check:
    def check(project: ComposeProject, service: ComposeService) -> Finding:
        for option in service.security_options():
            if option.name != "no-new-privileges":
                continue
            if option.value.lower() in ("", "true", "1"):
                return finding(
                    service,
                    Status.PASS,
                    "no-new-privileges is set",
                    service.evidence_at(option.location),
                )
            return finding(
                service,
                Status.FAIL,
                f"no-new-privileges is {option.value}",
                service.evidence_at(option.location),
            )
        daemon = _daemon_enabling(daemons, "no-new-privileges")
        if daemon is not None:
            return finding(
                service,
                Status.PASS,
                f"{daemon.path} sets no-new-privileges for every container",
                daemon.evidence("no-new-privileges"),
            )
        return finding(
            service,
            Status.FAIL,
            "no-new-privileges is not set: setuid binaries can raise privileges",
            service.evidence("security_opt"),
        )

    return check


def no_new_privileges(facts: ProjectFacts) -> list[Finding]:
    """PASS when ``security_opt`` sets no-new-privileges, or the project's daemon.json sets
    it for every container (CIS 5.26)."""
    check = _no_new_privileges_for(list(facts.daemon_configs))
    return [check(project, service) for project, service in services(facts)]


def _security_profiles(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL when seccomp, AppArmor or SELinux confinement is switched off (CIS 5.2, 5.22).

    A service without ``security_opt`` keeps the default profiles, so it passes: that
    absence alone is not a weakness."""
    if is_true(service.get("privileged")):
        return finding(
            service,
            Status.FAIL,
            "privileged: seccomp and AppArmor do not apply",
            service.evidence("privileged"),
        )
    off = []
    evidence = []
    for option in service.security_options():
        value = option.value.lower()
        if (option.name in ("seccomp", "apparmor", "systempaths") and value == "unconfined") or (
            option.name == "label" and value == "disable"
        ):
            off.append(option.text)
            evidence.append(service.evidence_at(option.location))
    if off:
        return finding(service, Status.FAIL, f"confinement switched off: {names(off)}", *evidence)
    return finding(
        service,
        Status.PASS,
        "the default seccomp and AppArmor/SELinux profiles apply",
        service.evidence("security_opt"),
    )


def _host_namespaces(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for each namespace shared with the host (CIS 5.10, 5.16, 5.17, 5.21, 5.31)."""
    shared = [
        key
        for key in _HOST_NAMESPACE_KEYS
        if str(service.get(key, default="")).strip().lower() == "host"
    ]
    if shared:
        return finding(
            service,
            Status.FAIL,
            f"shares the host's namespaces: {', '.join(f'{key}: host' for key in shared)}",
            *(service.evidence(key) for key in shared),
        )
    return finding(service, Status.PASS, "keeps its own namespaces")


privileged = per_service(_privileged)
cap_drop_all = per_service(_cap_drop_all)
security_profiles = per_service(_security_profiles)
host_namespaces = per_service(_host_namespaces)

DETECTORS = {
    "privileged": privileged,
    "cap_drop_all": cap_drop_all,
    "no_new_privileges": no_new_privileges,
    "security_profiles": security_profiles,
    "host_namespaces": host_namespaces,
}
"""The detectors of this module, by the names the checklists use."""
