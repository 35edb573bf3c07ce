"""Who may reach the daemon and what it trusts: TLS on TCP sockets, authorization
plugins and insecure registries (CIS 2.5, 2.7, 2.12)."""

from __future__ import annotations

import ipaddress
import re

from reviewtui.detect.daemon_checks.findings import daemon_finding, per_daemon, unreadable
from reviewtui.model import Finding, Status
from reviewtui.project.daemon import DaemonConfig

_TLS_FILES = ("tlscacert", "tlscert", "tlskey")
_LOOPBACK_NAME = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$", re.IGNORECASE)


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
    unread = unreadable(config)
    if unread is not None:
        return unread
    tcp = _tcp_hosts(config)
    if not tcp:
        return daemon_finding(
            config,
            Status.PASS,
            "listens on local sockets only (no tcp:// in hosts)",
            config.evidence("hosts"),
        )
    hosts = ", ".join(tcp[:3])
    if config.get("tlsverify") is True:
        missing = [key for key in _TLS_FILES if not str(config.get(key) or "").strip()]
        if not missing:
            return daemon_finding(
                config,
                Status.PASS,
                f"{hosts} requires client certificates (tlsverify)",
                config.evidence("tlsverify"),
                config.evidence("hosts"),
            )
        return daemon_finding(
            config,
            Status.UNKNOWN,
            f"tlsverify is on but "
            f"{', '.join(missing)} not set: the default certificate "
            "paths apply; check them",
            config.evidence("tlsverify"),
        )
    if config.get("tls") is True:
        return daemon_finding(
            config,
            Status.FAIL,
            f"{hosts} uses TLS without tlsverify: any client can connect without a certificate",
            config.evidence("tls"),
            config.evidence("hosts"),
        )
    return daemon_finding(
        config,
        Status.FAIL,
        f"{hosts} without TLS: root access for anyone who reaches the port",
        config.evidence("hosts"),
    )


def is_loopback_registry(entry: str) -> bool:
    """True for the loopback entries the engine adds by itself (``127.0.0.0/8``, ``::1``)
    and registries on the host itself (``localhost:5000``): neither leaves the host."""
    text = entry.strip()
    if _LOOPBACK_NAME.match(text):
        return True
    try:
        return ipaddress.ip_network(text, strict=False).is_loopback
    except ValueError:
        return False


def _daemon_insecure_registries(config: DaemonConfig) -> Finding:
    """FAIL for ``insecure-registries`` other than loopback ones, and for registry mirrors
    reached over plain ``http://`` (CIS 2.5)."""
    unread = unreadable(config)
    if unread is not None:
        return unread
    registries = config.get("insecure-registries")
    entries = [str(item) for item in registries] if isinstance(registries, list) else []
    insecure = [entry for entry in entries if not is_loopback_registry(entry)]
    mirrors = config.get("registry-mirrors")
    plain = [
        str(mirror)
        for mirror in (mirrors if isinstance(mirrors, list) else [])
        if str(mirror).strip().lower().startswith("http://")
    ]
    if insecure or plain:
        listed = ", ".join((insecure + plain)[:3])
        evidence = [
            config.evidence(key)
            for key, hits in (("insecure-registries", insecure), ("registry-mirrors", plain))
            if hits
        ]
        return daemon_finding(
            config,
            Status.FAIL,
            f"images come without verified TLS from {listed}: anyone on the path can swap them",
            *evidence,
        )
    if entries:
        return daemon_finding(
            config,
            Status.PASS,
            "only loopback registries are insecure; they do not leave the host",
            config.evidence("insecure-registries"),
        )
    return daemon_finding(
        config,
        Status.PASS,
        "no insecure-registries: every registry is reached over verified TLS",
        config.evidence("insecure-registries"),
    )


def _daemon_authorization(config: DaemonConfig) -> Finding:
    """PASS when ``authorization-plugins`` names a plugin (CIS 2.12)."""
    plugins = config.get("authorization-plugins")
    named = (
        [str(plugin) for plugin in plugins if str(plugin).strip()]
        if isinstance(plugins, list)
        else []
    )
    if named:
        return daemon_finding(
            config,
            Status.PASS,
            f"authorization plugins decide each API call: {', '.join(named[:3])}",
            config.evidence("authorization-plugins"),
        )
    return daemon_finding(
        config,
        Status.FAIL,
        "no authorization plugin: whoever reaches the socket may make any API call",
        config.evidence("authorization-plugins"),
    )


daemon_tls = per_daemon(_daemon_tls)
daemon_insecure_registries = per_daemon(_daemon_insecure_registries)
daemon_authorization = per_daemon(_daemon_authorization)

DETECTORS = {
    "daemon_tls": daemon_tls,
    "daemon_insecure_registries": daemon_insecure_registries,
    "daemon_authorization": daemon_authorization,
}
"""The detectors of this module, by the names the checklists use."""
