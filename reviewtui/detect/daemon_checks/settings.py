"""Daemon settings that isolate containers from each other and from the host, and those
best left at the engine's defaults (CIS 2.2-2.4, 2.6, 2.9-2.11, 2.14-2.18)."""

from __future__ import annotations

from reviewtui.detect.daemon_checks.findings import daemon_finding, per_daemon, unreadable
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose_yaml import spelled
from reviewtui.project.daemon import DaemonConfig

# The level CIS asks for: every event an investigation needs, without debug output.
_DEFAULT_LOG_LEVEL = "info"


def _daemon_icc(config: DaemonConfig) -> Finding:
    """PASS for ``"icc": false`` (CIS 2.2)."""
    if config.get("icc") is False:
        return daemon_finding(
            config,
            Status.PASS,
            "icc is false: containers on the default "
            "bridge reach each other only through published ports",
            config.evidence("icc"),
        )
    state = "not set" if not config.has("icc") else spelled(config.get("icc"))
    return daemon_finding(
        config,
        Status.FAIL,
        f"icc is {state}: every container on the default bridge can reach every other",
        config.evidence("icc"),
    )


def _daemon_userns(config: DaemonConfig) -> Finding:
    """PASS when ``userns-remap`` names a user (CIS 2.9)."""
    remap = config.get("userns-remap")
    if isinstance(remap, str) and remap.strip():
        return daemon_finding(
            config,
            Status.PASS,
            f"userns-remap is {remap.strip()}: root in a container is not root on the host",
            config.evidence("userns-remap"),
        )
    return daemon_finding(
        config,
        Status.FAIL,
        "userns-remap is not set: root in a container is root on the host",
        config.evidence("userns-remap"),
    )


def _daemon_live_restore(config: DaemonConfig) -> Finding:
    """PASS for ``"live-restore": true`` (CIS 2.15)."""
    if config.get("live-restore") is True:
        return daemon_finding(
            config, Status.PASS, "live-restore is on", config.evidence("live-restore")
        )
    return daemon_finding(
        config,
        Status.FAIL,
        "live-restore is not on: restarting the daemon stops every container",
        config.evidence("live-restore"),
    )


def _daemon_userland_proxy(config: DaemonConfig) -> Finding:
    """PASS for ``"userland-proxy": false`` (CIS 2.16): the kernel's NAT then carries
    published ports, with no docker-proxy process per port."""
    if config.get("userland-proxy") is False:
        return daemon_finding(
            config,
            Status.PASS,
            "userland-proxy is off: iptables carries published ports",
            config.evidence("userland-proxy"),
        )
    return daemon_finding(
        config,
        Status.FAIL,
        "userland-proxy is on: a docker-proxy process listens for every published port",
        config.evidence("userland-proxy"),
    )


def _daemon_no_new_privileges(config: DaemonConfig) -> Finding:
    """PASS for ``"no-new-privileges": true`` (CIS 2.14)."""
    if config.get("no-new-privileges") is True:
        return daemon_finding(
            config,
            Status.PASS,
            "no-new-privileges is the default for every container",
            config.evidence("no-new-privileges"),
        )
    return daemon_finding(
        config,
        Status.FAIL,
        "no-new-privileges is not the default: a container that does not ask for it "
        "can gain privileges through setuid binaries",
        config.evidence("no-new-privileges"),
    )


def _log_level(config: DaemonConfig) -> str | None:
    if config.get("debug") is True:
        return "debug is true: the daemon logs at debug level, requests and their data included"
    level = config.get("log-level")
    if level is None or str(level).strip().lower() == _DEFAULT_LOG_LEVEL:
        return None
    if str(level).strip().lower() == "debug":
        return "log-level debug logs requests and their data"
    return f"log-level {spelled(level)} drops the info events an investigation needs"


def _storage_driver(config: DaemonConfig) -> str | None:
    driver = str(config.get("storage-driver") or "").strip().lower()
    if driver == "aufs":
        return "storage-driver aufs is deprecated, unmaintained and removed from new engines"
    return None


def _seccomp(config: DaemonConfig) -> str | None:
    profile = str(config.get("seccomp-profile") or "").strip().lower()
    if profile == "unconfined":
        return "seccomp-profile unconfined turns seccomp off for every container"
    return None


def _flags(config: DaemonConfig) -> list[tuple[str, str]]:
    """The failing settings, with the key each is written under."""
    flags: list[tuple[str, str | None]] = [
        ("debug" if config.get("debug") is True else "log-level", _log_level(config)),
        (
            "iptables",
            "iptables false: Docker no longer writes the firewall rules that isolate its networks"
            if config.get("iptables") is False
            else None,
        ),
        ("storage-driver", _storage_driver(config)),
        ("seccomp-profile", _seccomp(config)),
        (
            "experimental",
            "experimental is true: features with no stability or security promise are on"
            if config.get("experimental") is True
            else None,
        ),
    ]
    return [(key, text) for key, text in flags if text is not None]


def _confirmations(config: DaemonConfig) -> list[tuple[str, str]]:
    """Settings CIS wants confirmed rather than forbidden, with their keys."""
    found = []
    parent = config.get("cgroup-parent")
    if parent is not None and str(parent).strip():
        found.append(
            ("cgroup-parent", f"cgroup-parent {spelled(parent)} moves every container's cgroup")
        )
    options = config.get("storage-opts")
    entries = options if isinstance(options, list) else []
    if any(str(option).strip().lower().startswith("dm.basesize") for option in entries):
        found.append(("storage-opts", "storage-opts changes dm.basesize"))
    return found


def _daemon_safe_defaults(config: DaemonConfig) -> Finding:
    """Settings CIS wants left at the engine's safe values: log level info, iptables on,
    no aufs, seccomp not unconfined, experimental off (FAIL otherwise); a custom
    ``cgroup-parent`` or ``dm.basesize`` is UNKNOWN, to be confirmed (CIS 2.3, 2.4, 2.6,
    2.10, 2.11, 2.17, 2.18)."""
    unread = unreadable(config)
    if unread is not None:
        return unread
    failing = _flags(config)
    if failing:
        return daemon_finding(
            config,
            Status.FAIL,
            "; ".join(text for _, text in failing[:3]),
            *(config.evidence(key) for key, _ in failing),
        )
    unsure = _confirmations(config)
    if unsure:
        return daemon_finding(
            config,
            Status.UNKNOWN,
            "; ".join(text for _, text in unsure) + ": confirm it is needed",
            *(config.evidence(key) for key, _ in unsure),
        )
    return daemon_finding(
        config,
        Status.PASS,
        _safe_reason(config),
        *_safe_evidence(config),
    )


def _safe_reason(config: DaemonConfig) -> str:
    profile = config.get("seccomp-profile")
    custom = f", custom seccomp profile {spelled(profile)}" if profile else ""
    return f"log level info, iptables on, no aufs, experimental off{custom}"


def _safe_evidence(config: DaemonConfig) -> list[Evidence]:
    keys = ("log-level", "iptables", "storage-driver", "seccomp-profile", "experimental")
    present = [config.evidence(key) for key in keys if config.has(key)]
    return present or [config.evidence("")]


daemon_icc = per_daemon(_daemon_icc)
daemon_userns = per_daemon(_daemon_userns)
daemon_live_restore = per_daemon(_daemon_live_restore)
daemon_userland_proxy = per_daemon(_daemon_userland_proxy)
daemon_no_new_privileges = per_daemon(_daemon_no_new_privileges)
daemon_safe_defaults = per_daemon(_daemon_safe_defaults)

DETECTORS = {
    "daemon_icc": daemon_icc,
    "daemon_userns": daemon_userns,
    "daemon_live_restore": daemon_live_restore,
    "daemon_userland_proxy": daemon_userland_proxy,
    "daemon_no_new_privileges": daemon_no_new_privileges,
    "daemon_safe_defaults": daemon_safe_defaults,
}
"""The detectors of this module, by the names the checklists use."""
