"""Log rotation, judged for each daemon.json and for each compose service, whose own
``logging:`` block decides its logs (CIS 2.13)."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.daemon_checks.findings import daemon_finding
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeService
from reviewtui.project.compose_yaml import spelled
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

_ROTATING_LOCAL = "local"
_KEEPS_NOTHING = "none"
_DEFAULT_DRIVER = "json-file"
_NOT_A_LIMIT = ("", "-1", "0")


def _has_limit(options: Any, key: str) -> bool:
    return isinstance(options, dict) and str(options.get(key, "")).strip() not in _NOT_A_LIMIT


def judge_logging(driver: Any, options: Any) -> tuple[Status, str]:
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
        kept = f", {spelled(files)} files kept" if files not in (None, "") else ""
        return Status.PASS, f"json-file rotates at max-size {spelled(options['max-size'])}{kept}"
    return Status.FAIL, "json-file logs without max-size grow without limit"


def _daemon_logging(config: DaemonConfig) -> Finding:
    """The daemon's default log driver and options (CIS 2.13)."""
    status, reason = judge_logging(config.get("log-driver"), config.get("log-opts"))
    if not config.has("log-driver") and not config.has("log-opts"):
        reason = "no log-driver or log-opts: the default json-file driver never rotates"
    return daemon_finding(config, status, reason, config.evidence(_log_setting(config)))


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
    target = service.target
    logging = service.get("logging")
    driver = logging.get("driver") if isinstance(logging, dict) else None
    options = logging.get("options") if isinstance(logging, dict) else None
    name = str(driver).strip().lower() if driver is not None else None
    if name not in (None, _DEFAULT_DRIVER) or _has_limit(options, "max-size"):
        status, reason = judge_logging(name, options)
        key = (
            ("logging", "options", "max-size")
            if name in (None, _DEFAULT_DRIVER)
            else ("logging", "driver")
        )
        return Finding(target, status, reason, (service.evidence(*key),))
    if daemon is not None:
        daemon_driver = str(daemon.get("log-driver") or _DEFAULT_DRIVER).strip().lower()
        if name is None or daemon_driver == name:
            status, reason = judge_logging(daemon_driver, daemon.get("log-opts"))
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


DETECTORS = {"logging_rotation": logging_rotation}
"""The detectors of this module, by the names the checklists use."""
