"""Privileges of live containers: privileged mode, capabilities, no-new-privileges,
confinement profiles, host namespaces and the user (CIS 4.1, 5.2-5.5, 5.10, 5.16, 5.17,
5.21, 5.22, 5.26, 5.31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewtui.detect.capabilities import DANGEROUS_CAPS, CapabilityOutcome, judge_capabilities
from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.compose_checks.user import is_root_user
from reviewtui.detect.live_checks.findings import Detector, per_container
from reviewtui.live.facts import ContainerFacts, EngineFacts
from reviewtui.model import Evidence, Finding, Status

# The capabilities the engine gives every container that is not privileged; CapAdd and
# CapDrop are changes to this set.
DEFAULT_CAPS = frozenset(
    """CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
    NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE""".split()
)
# Security options that switch confinement off, as (option name, value) pairs.
_UNCONFINED = frozenset(
    {
        ("seccomp", "unconfined"),
        ("apparmor", "unconfined"),
        ("systempaths", "unconfined"),
        ("label", "disable"),
    }
)
# The namespace modes a container may share with the host, in the order CIS lists them.
_NAMESPACE_FIELDS = (
    "HostConfig.NetworkMode",
    "HostConfig.PidMode",
    "HostConfig.IpcMode",
    "HostConfig.UTSMode",
    "HostConfig.UsernsMode",
)
_CGROUPNS_FIELD = "HostConfig.CgroupnsMode"


@dataclass(frozen=True)
class SecurityOption:
    """One entry of ``HostConfig.SecurityOpt``: ``name=value``, the legacy ``name:value``,
    or a bare name; ``text`` is the entry as the engine holds it."""

    name: str
    value: str
    text: str


def security_options(container: ContainerFacts) -> list[SecurityOption]:
    """The entries of ``HostConfig.SecurityOpt``; names lower case, values stripped.

    The separator is whichever of ``=`` and ``:`` comes first, so an inline seccomp
    profile (``seccomp={"defaultAction": ...}``) keeps its JSON as the value.
    """
    entries = container.get("HostConfig.SecurityOpt") or []
    options = []
    for entry in entries if isinstance(entries, list) else []:
        text = str(entry)
        cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
        name, value = (text[:cut], text[cut + 1 :]) if cut >= 0 else (text, "")
        options.append(SecurityOption(name.strip().lower(), value.strip(), text))
    return options


def capability_names(container: ContainerFacts, dotted: str) -> list[tuple[str, Any]]:
    """The names in ``HostConfig.CapAdd`` or ``CapDrop``, upper case without ``CAP_``, each
    with the entry as the engine holds it."""
    value = container.get(dotted)
    if not isinstance(value, list):
        return []
    return [
        (str(entry).strip().upper().removeprefix("CAP_"), entry)
        for entry in value
        if entry is not None
    ]


def _finding(
    container: ContainerFacts, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    return Finding(container.target, status, reason, evidence)


def _is_privileged(container: ContainerFacts) -> bool:
    return container.get("HostConfig.Privileged") is True


def _privileged(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when ``HostConfig.Privileged`` is true (CIS 5.5)."""
    evidence = container.evidence("HostConfig.Privileged")
    if _is_privileged(container):
        return _finding(
            container,
            Status.FAIL,
            "HostConfig.Privileged is true: the container holds every capability and host device",
            evidence,
        )
    return _finding(container, Status.PASS, "HostConfig.Privileged is false", evidence)


def _kept_defaults(dropped: list[str]) -> str:
    """How many of the default capabilities stay after a CapDrop without ALL."""
    kept = DEFAULT_CAPS - set(dropped)
    raw = ", NET_RAW among them" if "NET_RAW" in kept else ""
    if len(kept) == len(DEFAULT_CAPS):
        return f"the engine's {len(DEFAULT_CAPS)} default capabilities stay{raw}"
    return f"{len(kept)} of the engine's {len(DEFAULT_CAPS)} default capabilities stay{raw}"


def _cap_drop_all(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.CapDrop`` holds ALL and ``CapAdd`` only common capabilities;
    FAIL for dangerous additions, and for privileged containers, which hold every
    capability whatever CapDrop says (CIS 5.4)."""
    verdict = judge_capabilities(
        capability_names(container, "HostConfig.CapAdd"),
        capability_names(container, "HostConfig.CapDrop"),
        privileged=_is_privileged(container),
    )
    named = list(verdict.names)
    if verdict.outcome is CapabilityOutcome.PRIVILEGED:
        return _finding(
            container,
            verdict.status,
            "HostConfig.Privileged is true: the container holds every capability "
            "whatever CapDrop says",
            container.evidence("HostConfig.Privileged"),
        )
    if verdict.outcome is CapabilityOutcome.DANGEROUS:
        worst = named[0]
        return _finding(
            container,
            verdict.status,
            f"CapAdd grants {names(named)}: {worst} {DANGEROUS_CAPS[worst]}",
            *(container.evidence("HostConfig.CapAdd", entry) for entry in verdict.cited),
        )
    if verdict.outcome is CapabilityOutcome.KEEPS_DEFAULTS:
        return _finding(
            container,
            verdict.status,
            f"CapDrop does not drop ALL: {_kept_defaults(named)}",
            container.evidence("HostConfig.CapDrop"),
        )
    if verdict.outcome is CapabilityOutcome.UNUSUAL:
        return _finding(
            container,
            verdict.status,
            f"drops ALL but adds back {names(named)}",
            *(container.evidence("HostConfig.CapAdd", entry) for entry in verdict.cited),
        )
    reason = f"drops ALL and adds back only {names(named)}" if named else "drops ALL capabilities"
    (drop_all,) = verdict.cited
    evidence = [container.evidence("HostConfig.CapDrop", drop_all)]
    if named:
        evidence.append(container.evidence("HostConfig.CapAdd"))
    return _finding(container, verdict.status, reason, *evidence)


def _no_new_privileges(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.SecurityOpt`` sets no-new-privileges, or the engine's own
    daemon.json sets it for every container (CIS 5.26)."""
    for option in security_options(container):
        if option.name != "no-new-privileges":
            continue
        evidence = container.evidence("HostConfig.SecurityOpt", option.text)
        if option.value.lower() in ("", "true", "1"):
            return _finding(container, Status.PASS, "no-new-privileges is set", evidence)
        return _finding(container, Status.FAIL, f"no-new-privileges is {option.value}", evidence)
    # The engine copies its default into the container when it creates it, and inspect
    # does not show the copy; the daemon.json read now is the best witness.
    # TODO: a daemon.json changed after the container was made is taken as its setting.
    daemon = engine.daemon_config
    if daemon is not None and daemon.get("no-new-privileges") is True:
        return _finding(
            container,
            Status.PASS,
            f"{daemon.path} sets no-new-privileges for every container",
            daemon.evidence("no-new-privileges"),
            container.evidence("HostConfig.SecurityOpt"),
        )
    # TODO: the daemon.json of a remote engine is not read, so its default is not seen.
    return _finding(
        container,
        Status.FAIL,
        "no-new-privileges is not set: setuid binaries can raise privileges",
        container.evidence("HostConfig.SecurityOpt"),
    )


def _engine_profiles(engine: EngineFacts) -> dict[str, dict[str, str]] | None:
    """The engine's ``/info`` SecurityOptions by name (``seccomp`` -> ``{profile:
    default}``), or None when the engine does not say."""
    listed = engine.info.get("SecurityOptions")
    if not isinstance(listed, list):
        return None
    profiles: dict[str, dict[str, str]] = {}
    for entry in listed:
        fields = {}
        for part in str(entry).split(","):
            key, _, value = part.partition("=")
            fields[key.strip().lower()] = value.strip()
        if fields.get("name"):
            profiles[fields["name"].lower()] = fields
    return profiles


def _switched_off(
    container: ContainerFacts, profiles: dict[str, dict[str, str]] | None
) -> tuple[list[str], list[Evidence]]:
    """The security options that switch confinement off, and the evidence of each.

    The engine itself adds ``label=disable`` to privileged containers and to those
    sharing the host's PID or IPC namespace; it only matters where SELinux is on, so on
    an engine that says it runs without SELinux it is left out.
    """
    off: list[str] = []
    evidence: list[Evidence] = []
    selinux = profiles is None or "selinux" in profiles
    for option in security_options(container):
        if option.name == "label" and not selinux:
            continue
        if (option.name, option.value.lower()) in _UNCONFINED:
            off.append(option.text)
            evidence.append(container.evidence("HostConfig.SecurityOpt", option.text))
    apparmor_named = any(text.lower().startswith("apparmor") for text in off)
    if str(container.get("AppArmorProfile", "")).lower() == "unconfined" and not apparmor_named:
        off.append("AppArmorProfile unconfined")
        evidence.append(container.evidence("AppArmorProfile"))
    return off, evidence


def _own_seccomp(container: ContainerFacts) -> bool:
    """Whether the container names a seccomp profile of its own."""
    return any(
        o.name == "seccomp" and o.value.lower() not in ("", "unconfined")
        for o in security_options(container)
    )


def _security_profiles(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when seccomp, AppArmor or SELinux confinement is switched off for the container
    (``seccomp=unconfined`` or ``seccomp:unconfined``, the same for apparmor,
    ``label=disable`` where SELinux runs, an unconfined AppArmorProfile, privileged mode)
    or the engine has none to apply; otherwise the engine's default profiles apply (CIS
    5.2, 5.3, 5.22)."""
    if _is_privileged(container):
        return _finding(
            container,
            Status.FAIL,
            "HostConfig.Privileged is true: seccomp and AppArmor do not apply",
            container.evidence("HostConfig.Privileged"),
        )
    profiles = _engine_profiles(engine)
    off, evidence = _switched_off(container, profiles)
    if off:
        return _finding(
            container, Status.FAIL, f"confinement switched off: {names(off)}", *evidence
        )
    options = container.evidence("HostConfig.SecurityOpt")
    if profiles is None:
        return _finding(
            container,
            Status.PASS,
            "the default seccomp and AppArmor/SELinux profiles apply",
            options,
        )
    return _engine_confinement(engine, container, profiles, options)


def _engine_confinement(
    engine: EngineFacts,
    container: ContainerFacts,
    profiles: dict[str, dict[str, str]],
    options: Evidence,
) -> Finding:
    """The finding for a container that switches nothing off: the engine's profiles
    decide."""
    info = engine.evidence("SecurityOptions")
    seccomp = profiles.get("seccomp")
    if (
        seccomp is not None
        and seccomp.get("profile", "").lower() == "unconfined"
        and not _own_seccomp(container)
    ):
        return _finding(
            container,
            Status.FAIL,
            "the engine's default seccomp profile is unconfined",
            info,
            options,
        )
    applying = [name for name in ("seccomp", "apparmor", "selinux") if name in profiles]
    if not applying:
        return _finding(
            container,
            Status.FAIL,
            "the engine applies no seccomp, AppArmor or SELinux profile",
            info,
            options,
        )
    words = {"seccomp": "seccomp", "apparmor": "AppArmor", "selinux": "SELinux"}
    listed = " and ".join(words[name] for name in applying)
    plural = "profiles apply" if len(applying) > 1 else "profile applies"
    reason = f"the engine's default {listed} {plural}"
    if "apparmor" not in profiles and "selinux" not in profiles:
        reason += " (the engine runs without AppArmor or SELinux)"
    return _finding(container, Status.PASS, reason, options, info)


def _host_namespaces(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for each namespace shared with the host: network, PID, IPC, UTS, user, and the
    cgroup namespace on cgroup v2 engines (CIS 5.10, 5.16, 5.17, 5.21, 5.31)."""
    fields = list(_NAMESPACE_FIELDS)
    # On cgroup v1 the engine cannot give a container a cgroup namespace of its own, so
    # every container shows CgroupnsMode "host": that is the engine's only choice, not the
    # container's. On cgroup v2, where private is the default, "host" is asked for.
    cgroup_v2 = str(engine.info.get("CgroupVersion", "")) == "2"
    if cgroup_v2:
        fields.append(_CGROUPNS_FIELD)
    shared = [f for f in fields if str(container.get(f) or "").strip().lower() == "host"]
    if shared:
        listed = ", ".join(f"{f.removeprefix('HostConfig.')} host" for f in shared)
        return _finding(
            container,
            Status.FAIL,
            f"shares the host's namespaces: {listed}",
            *(container.evidence(f) for f in shared),
        )
    evidence = [container.evidence(f) for f in fields]
    reason = "keeps its own namespaces"
    cgroupns = str(container.get(_CGROUPNS_FIELD) or "").strip().lower()
    if not cgroup_v2 and cgroupns == "host":
        reason += "; its cgroup namespace is the host's, as on every cgroup v1 engine"
        evidence += [container.evidence(_CGROUPNS_FIELD), engine.evidence("CgroupVersion")]
    return _finding(container, Status.PASS, reason, *evidence)


def _is_root(user: str) -> bool:
    """Root in any spelling: ``root``, ``0``, ``00``, ``0:0``, ``root:staff``."""
    name = user.strip().split(":", 1)[0].strip()
    return is_root_user(user) or (name.isdigit() and int(name) == 0)


def _remapped(engine: EngineFacts, container: ContainerFacts) -> str:
    """A note when the engine maps the container's root to an unprivileged host user."""
    profiles = _engine_profiles(engine) or {}
    if "rootless" in profiles:
        return "; the engine is rootless, so root maps to an unprivileged host user"
    host_userns = str(container.get("HostConfig.UsernsMode") or "").lower() == "host"
    if "userns" in profiles and not host_userns:
        return "; the engine remaps users, so root maps to an unprivileged host user"
    return ""


def _runtime_user(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS for a non-root ``Config.User``; FAIL for root in any spelling (root, 0,
    root:x, 0:0) and for an empty user, which is root unless the image set one (CIS 4.1).

    The engine copies the image's USER into ``Config.User`` when the container is made
    without ``--user``, so an empty value means neither set one."""
    user = str(container.get("Config.User") or "").strip()
    evidence = [container.evidence("Config.User")]
    if container.image is not None:
        evidence.append(container.image.evidence("Config.User"))
    if not user:
        if str(engine.info.get("OSType", "")).lower() == "windows":
            return _finding(
                container,
                Status.UNKNOWN,
                "Config.User is empty: the Windows image's default user decides; check it",
                *evidence,
            )
        return _finding(
            container,
            Status.FAIL,
            "runs as root: Config.User is empty and the image sets no USER"
            + _remapped(engine, container),
            *evidence,
        )
    if _is_root(user):
        return _finding(
            container,
            Status.FAIL,
            f"runs as root: Config.User is {user}" + _remapped(engine, container),
            *evidence,
        )
    return _finding(container, Status.PASS, f"runs as user {user}", *evidence)


privileged = per_container(_privileged)
cap_drop_all = per_container(_cap_drop_all)
no_new_privileges = per_container(_no_new_privileges)
security_profiles = per_container(_security_profiles)
host_namespaces = per_container(_host_namespaces)
runtime_user = per_container(_runtime_user)

DETECTORS: dict[str, Detector] = {
    "privileged": privileged,
    "cap_drop_all": cap_drop_all,
    "no_new_privileges": no_new_privileges,
    "security_profiles": security_profiles,
    "host_namespaces": host_namespaces,
    "runtime_user": runtime_user,
}
"""The container detectors of this module, by the names the checklists use."""
