"""Detectors for the operations checklist, answered from daemon.json and compose logging.

Each daemon detector returns one finding per daemon.json in the project and none when the
project has no daemon.json (then a person must answer); ``logging_rotation`` also judges
every compose service, since a service's ``logging:`` block decides its own logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.compose import ComposeService
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]

_ROTATING_LOCAL = "local"
_KEEPS_NOTHING = "none"
_DEFAULT_DRIVER = "json-file"
_NOT_A_LIMIT = ("", "-1", "0")
_TLS_FILES = ("tlscacert", "tlscert", "tlskey")


def _daemon_finding(
    config: DaemonConfig, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    target = Target(TargetKind.DAEMON, config.path, config.path)
    return Finding(target, status, reason, evidence or (config.evidence(""),))


def _per_daemon(check: Callable[[DaemonConfig], Finding]) -> Detector:
    def detector(facts: ProjectFacts) -> list[Finding]:
        return [check(config) for config in facts.daemon_configs]

    detector.__name__ = check.__name__.lstrip("_")
    detector.__doc__ = check.__doc__
    return detector


def _daemon_icc(config: DaemonConfig) -> Finding:
    """PASS for ``"icc": false`` (CIS 2.2)."""
    if config.get("icc") is False:
        return _daemon_finding(
            config,
            Status.PASS,
            "icc is false: containers on the default "
            "bridge reach each other only through published ports",
            config.evidence("icc"),
        )
    state = "not set" if not config.has("icc") else f"{config.get('icc')!r}"
    return _daemon_finding(
        config,
        Status.FAIL,
        f"icc is {state}: every container on the default bridge can reach every other",
        config.evidence("icc"),
    )


def _daemon_userns(config: DaemonConfig) -> Finding:
    """PASS when ``userns-remap`` names a user (CIS 2.9)."""
    remap = config.get("userns-remap")
    if isinstance(remap, str) and remap.strip():
        return _daemon_finding(
            config,
            Status.PASS,
            f"userns-remap is {remap.strip()}: root in a container is not root on the host",
            config.evidence("userns-remap"),
        )
    return _daemon_finding(
        config,
        Status.FAIL,
        "userns-remap is not set: root in a container is root on the host",
        config.evidence("userns-remap"),
    )


def _daemon_live_restore(config: DaemonConfig) -> Finding:
    """PASS for ``"live-restore": true`` (CIS 2.15)."""
    if config.get("live-restore") is True:
        return _daemon_finding(
            config, Status.PASS, "live-restore is on", config.evidence("live-restore")
        )
    return _daemon_finding(
        config,
        Status.FAIL,
        "live-restore is not on: restarting the daemon stops every container",
        config.evidence("live-restore"),
    )


def _tcp_hosts(config: DaemonConfig) -> list[str]:
    hosts = config.get("hosts")
    entries = [hosts] if isinstance(hosts, str) else hosts if isinstance(hosts, list) else []
    tcp = []
    for entry in entries:
        text = str(entry).strip()
        lower = text.lower()
        # dockerd reads an address without a scheme (``0.0.0.0:2375``) as TCP.
        if lower.startswith("tcp://") or (
            "://" not in lower and not lower.startswith("/") and ":" in lower
        ):
            tcp.append(text)
    return tcp


def _daemon_tls(config: DaemonConfig) -> Finding:
    """A daemon on TCP must verify client certificates (CIS 2.7). ``tlsverify`` implies
    TLS, so it is enough with the three certificate paths; without the paths dockerd uses
    the default ones, which a person must check. Loopback without TLS still fails: any
    local user and any container on the host network can reach it."""
    tcp = _tcp_hosts(config)
    if not tcp:
        return _daemon_finding(
            config,
            Status.PASS,
            "listens on local sockets only (no tcp:// in hosts)",
            config.evidence("hosts"),
        )
    hosts = ", ".join(tcp[:3])
    if config.get("tlsverify") is True:
        missing = [key for key in _TLS_FILES if not str(config.get(key) or "").strip()]
        if not missing:
            return _daemon_finding(
                config,
                Status.PASS,
                f"{hosts} requires client certificates (tlsverify)",
                config.evidence("tlsverify"),
                config.evidence("hosts"),
            )
        return _daemon_finding(
            config,
            Status.UNKNOWN,
            f"tlsverify is on but "
            f"{', '.join(missing)} not set: the default certificate "
            "paths apply; check them",
            config.evidence("tlsverify"),
        )
    if config.get("tls") is True:
        return _daemon_finding(
            config,
            Status.FAIL,
            f"{hosts} uses TLS without tlsverify: any client can connect without a certificate",
            config.evidence("tls"),
            config.evidence("hosts"),
        )
    return _daemon_finding(
        config,
        Status.FAIL,
        f"{hosts} without TLS: root access for anyone who reaches the port",
        config.evidence("hosts"),
    )


def _has_limit(options: Any, key: str) -> bool:
    return isinstance(options, dict) and str(options.get(key, "")).strip() not in _NOT_A_LIMIT


def _judge_logging(driver: Any, options: Any) -> tuple[Status, str]:
    """Whether logs with this driver and options are rotated or shipped, and why.

    json-file with ``max-size`` is bounded: ``max-file`` defaults to one file then.
    """
    name = str(driver or "").strip().lower()
    if name == _KEEPS_NOTHING:
        return Status.FAIL, "log driver none: no logs are kept at all"
    if name and name not in (_DEFAULT_DRIVER, _ROTATING_LOCAL):
        return Status.PASS, f"logs go to the {name} driver"
    if name == _ROTATING_LOCAL:
        return Status.PASS, "the local driver rotates its files by default"
    if _has_limit(options, "max-size"):
        files = options.get("max-file") if isinstance(options, dict) else None
        kept = f", {files} files kept" if files not in (None, "") else ""
        return Status.PASS, f"json-file rotates at max-size {options['max-size']}{kept}"
    return Status.FAIL, "json-file logs without max-size grow without limit"


def _daemon_logging(config: DaemonConfig) -> Finding:
    """The daemon's default log driver and options (CIS 2.13)."""
    status, reason = _judge_logging(config.get("log-driver"), config.get("log-opts"))
    if not config.has("log-driver") and not config.has("log-opts"):
        reason = "no log-driver or log-opts: the default json-file driver never rotates"
    return _daemon_finding(config, status, reason, config.evidence(_log_setting(config)))


def _log_setting(config: DaemonConfig) -> str:
    """The key that decides the daemon's logging: the driver, unless it is json-file,
    whose rotation lives in log-opts."""
    driver = str(config.get("log-driver") or _DEFAULT_DRIVER).strip().lower()
    return "log-opts" if driver == _DEFAULT_DRIVER else "log-driver"


def _daemon_for_logs(configs: list[DaemonConfig]) -> DaemonConfig | None:
    """The daemon.json whose log settings apply to the project's services, if any."""
    for config in configs:
        if config.has("log-driver") or config.has("log-opts"):
            return config
    return None


def _service_logging(service: ComposeService, daemon: DaemonConfig | None) -> Finding:
    target = Target(TargetKind.SERVICE, service.path, service.name)
    logging = service.get("logging")
    driver = logging.get("driver") if isinstance(logging, dict) else None
    options = logging.get("options") if isinstance(logging, dict) else None
    name = str(driver).strip().lower() if driver is not None else None
    if name not in (None, _DEFAULT_DRIVER) or _has_limit(options, "max-size"):
        status, reason = _judge_logging(name, options)
        key = (
            ("logging", "options", "max-size")
            if name in (None, _DEFAULT_DRIVER)
            else ("logging", "driver")
        )
        return Finding(target, status, reason, (service.evidence(*key),))
    if daemon is not None:
        daemon_driver = str(daemon.get("log-driver") or _DEFAULT_DRIVER).strip().lower()
        if name is None or daemon_driver == name:
            status, reason = _judge_logging(daemon_driver, daemon.get("log-opts"))
            return Finding(
                target,
                status,
                f"{daemon.path}: {reason}",
                (service.evidence("logging"), daemon.evidence(_log_setting(daemon))),
            )
    return Finding(
        target,
        Status.FAIL,
        "no logging options: the default json-file driver never rotates",
        (service.evidence("logging"),),
    )


def logging_rotation(facts: ProjectFacts) -> list[Finding]:
    """Per daemon.json and per compose service: logs rotate (json-file with max-size, the
    local driver) or go to another driver; the driver ``none`` keeps no logs (CIS 2.13).
    A service without its own settings takes those of a daemon.json in the project."""
    findings = [_daemon_logging(config) for config in facts.daemon_configs]
    daemon = _daemon_for_logs(list(facts.daemon_configs))
    for project in facts.compose_projects:
        for service in project.services:
            findings.append(_service_logging(service, daemon))
    return findings


daemon_icc = _per_daemon(_daemon_icc)
daemon_userns = _per_daemon(_daemon_userns)
daemon_live_restore = _per_daemon(_daemon_live_restore)
daemon_tls = _per_daemon(_daemon_tls)

DETECTORS: dict[str, Detector] = {
    "logging_rotation": logging_rotation,
    "daemon_icc": daemon_icc,
    "daemon_userns": daemon_userns,
    "daemon_live_restore": daemon_live_restore,
    "daemon_tls": daemon_tls,
}
"""Every daemon.json detector by the name the checklists use."""
