"""Live daemon detectors: the operations items answered from what the engine itself says.

``/info`` and ``/networks`` give the values the daemon runs with, whichever of
daemon.json and dockerd's flags set them, so they come first. Settings that ``/info``
does not show (no-new-privileges, the userland proxy, the TCP sockets it listens on,
iptables, the log level) are answered from the engine's own daemon.json when it could be
read, by the same detectors that judge a project's daemon.json, and are left to a person
otherwise, with what to check. One finding per engine; its daemon.json lines are cited
beside the engine's fields.
"""

from __future__ import annotations

from pathlib import Path

from reviewtui.detect import daemon_checks
from reviewtui.detect.daemon_checks.access import is_loopback_registry
from reviewtui.detect.live_checks.findings import Detector, per_engine
from reviewtui.live.facts import EngineFacts, NetworkFacts
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.facts import ProjectFacts

# TODO: dockerd's command-line flags (the systemd unit, /etc/default/docker) are not
# read, so a setting made by a flag and absent from /info is judged from daemon.json and
# the engine's defaults only.

_ICC_OPTION = "com.docker.network.bridge.enable_icc"
_NO_DAEMON_JSON = "no daemon.json of this engine could be read"


def _finding(engine: EngineFacts, status: Status, reason: str, *evidence: Evidence) -> Finding:
    return Finding(engine.target, status, reason, tuple(evidence))


def _from_daemon_json(engine: EngineFacts, detector: str) -> Finding | None:
    """The daemon.json detector's answer on the engine's own daemon.json, made the
    engine's; None without a readable file."""
    config = engine.daemon_config
    if config is None:
        return None
    facts = ProjectFacts(root=Path(config.path).parent, daemon_configs=[config])
    found = daemon_checks.DETECTORS[detector](facts)
    if not found:
        return None
    answer = found[0]
    return _finding(engine, answer.status, f"{answer.reason} ({config.path})", *answer.evidence)


def _config_evidence(engine: EngineFacts, key: str) -> list[Evidence]:
    """The engine's daemon.json line for ``key``, when the file was read and sets it."""
    config = engine.daemon_config
    if config is None or not config.has(key):
        return []
    return [config.evidence(key)]


def _security_options(engine: EngineFacts) -> list[tuple[str, dict[str, str]]]:
    """``SecurityOptions`` as (text, parts): ``name=seccomp,profile=builtin`` gives
    ``{"name": "seccomp", "profile": "builtin"}``; engines before 1.13 list bare names."""
    options = []
    for entry in engine.info.get("SecurityOptions") or []:
        text = str(entry)
        if "=" not in text:
            options.append((text, {"name": text}))
            continue
        parts = {}
        for part in text.split(","):
            key, _, value = part.partition("=")
            parts[key.strip()] = value.strip()
        options.append((text, parts))
    return options


def _swarm_active(engine: EngineFacts) -> bool:
    swarm = engine.info.get("Swarm") or {}
    return isinstance(swarm, dict) and swarm.get("LocalNodeState") == "active"


# -- inter-container communication ----------------------------------------------------------


def _networks_evidence(engine: EngineFacts) -> Evidence:
    names = ", ".join(sorted(network.name for network in engine.networks)) or "none at all"
    return Evidence(f"{engine.host}: engine /networks", None, names, "Name")


def _default_bridge(engine: EngineFacts) -> NetworkFacts | None:
    return next((n for n in engine.networks if n.name == "bridge"), None)


def _daemon_icc(engine: EngineFacts) -> Finding:
    """Whether containers on the default bridge are kept apart: the ``enable_icc`` option
    of the network named ``bridge`` in ``/networks`` (``false`` passes; missing means the
    default, on). Without a default bridge (dockerd ``--bridge=none``) the item does not
    apply. The engine's daemon.json ``icc`` line is cited beside it."""
    bridge = _default_bridge(engine)
    if bridge is None:
        return _finding(
            engine,
            Status.NOT_APPLICABLE,
            "no network named bridge: the daemon runs without a default bridge "
            "(--bridge=none), so no container can be on it",
            _networks_evidence(engine),
        )
    options = bridge.get("Options") or {}
    value = options.get(_ICC_OPTION) if isinstance(options, dict) else None
    evidence = [bridge.evidence(f"Options.{_ICC_OPTION}", value), *_config_evidence(engine, "icc")]
    if str(value).strip().lower() == "false":
        return _finding(
            engine,
            Status.PASS,
            "icc is off on the default bridge: its containers reach each other only through "
            "published ports",
            *evidence,
        )
    state = "on" if value is not None else "on (the default)"
    reason = f"icc is {state} on the default bridge: every container on it can reach every other"
    config = engine.daemon_config
    if config is not None and config.get("icc") is False:
        # The file is named by the evidence: a long path here would cut the reason short.
        reason += "; its daemon.json sets icc false, so the daemon needs a restart"
    return _finding(engine, Status.FAIL, reason, *evidence)


# -- user namespaces ------------------------------------------------------------------------


def _daemon_userns(engine: EngineFacts) -> Finding:
    """Whether root in a container is not root on the host: ``SecurityOptions`` shows
    ``name=userns`` (userns-remap) or ``name=rootless`` (a rootless daemon); FAIL when it
    shows neither."""
    for text, parts in _security_options(engine):
        if parts.get("name") == "rootless":
            return _finding(
                engine,
                Status.PASS,
                "the daemon runs rootless: root in a container is an ordinary user on the host",
                engine.evidence("SecurityOptions", text),
            )
    for text, parts in _security_options(engine):
        if parts.get("name") == "userns":
            return _finding(
                engine,
                Status.PASS,
                "user namespaces are on (userns-remap): root in a container is not root on "
                "the host",
                engine.evidence("SecurityOptions", text),
                *_config_evidence(engine, "userns-remap"),
            )
    if "SecurityOptions" not in engine.info:
        return _finding(
            engine,
            Status.UNKNOWN,
            "/info lists no SecurityOptions: check userns-remap and rootless mode by hand",
            engine.evidence("SecurityOptions"),
        )
    return _finding(
        engine,
        Status.FAIL,
        "SecurityOptions shows neither userns nor rootless: root in a container is root on "
        "the host",
        engine.evidence("SecurityOptions"),
        *_config_evidence(engine, "userns-remap"),
    )


# -- live restore ---------------------------------------------------------------------------


def _daemon_live_restore(engine: EngineFacts) -> Finding:
    """Whether containers survive a daemon restart: ``LiveRestoreEnabled`` in ``/info``.
    On a swarm node, where live restore keeps standalone containers but not service tasks
    running, a disabled live restore is left to a person (docker-bench passes it there)."""
    enabled = engine.info.get("LiveRestoreEnabled")
    evidence = [engine.evidence("LiveRestoreEnabled"), *_config_evidence(engine, "live-restore")]
    if enabled is True:
        return _finding(
            engine,
            Status.PASS,
            "live restore is on: containers keep running while the daemon restarts",
            *evidence,
        )
    if enabled is None:
        return _finding(
            engine,
            Status.UNKNOWN,
            "/info does not say whether live restore is on: check live-restore in daemon.json",
            *evidence,
        )
    if _swarm_active(engine):
        return _finding(
            engine,
            Status.UNKNOWN,
            "live restore is off on a swarm node, where it would keep standalone containers "
            "running but not service tasks: decide whether it is needed",
            *evidence,
            engine.evidence("Swarm.LocalNodeState"),
        )
    return _finding(
        engine,
        Status.FAIL,
        "live restore is off: restarting the daemon stops every container",
        *evidence,
    )


# -- TLS ------------------------------------------------------------------------------------


def _endpoint_evidence(engine: EngineFacts) -> Evidence:
    endpoint = engine.endpoint
    return Evidence(f"{engine.host}: endpoint from {endpoint.source}", None, endpoint.url, "URL")


def _daemon_tls(engine: EngineFacts) -> Finding:
    """Whether the daemon is never on TCP without TLS. FAIL when reviewtui itself reached
    it over plain ``tcp://``, or over TLS without presenting a client certificate (so the
    daemon does not verify clients). Through a local socket the engine's daemon.json
    ``hosts`` decides, judged as the daemon.json detector does; without one, or when it
    sets no ``hosts`` (then dockerd's ``-H`` flags decide), a person must check."""
    endpoint = engine.endpoint
    if endpoint.plain_tcp:
        return _finding(
            engine,
            Status.FAIL,
            f"reached over plain tcp at {endpoint.url}: the API gives root to anyone who "
            "reaches the port, without TLS",
            _endpoint_evidence(engine),
        )
    url = endpoint.url.lower()
    if url.startswith(("tcp://", "https://")):
        if getattr(endpoint.tls, "cert", None) is None:
            return _finding(
                engine,
                Status.FAIL,
                f"answered over TLS at {endpoint.url} without a client certificate: the "
                "daemon does not verify its clients (no tlsverify)",
                _endpoint_evidence(engine),
            )
        return _finding(
            engine,
            Status.UNKNOWN,
            f"reached over TLS at {endpoint.url} with a client certificate; whether the "
            "daemon refuses clients without one (tlsverify) shows only in its daemon.json "
            "or flags: check them",
            _endpoint_evidence(engine),
        )
    if url.startswith("ssh://"):
        return _finding(
            engine,
            Status.UNKNOWN,
            f"reached over SSH at {endpoint.url}; whether dockerd also listens on TCP shows "
            "in that host's daemon.json hosts and dockerd -H flags: check them",
            _endpoint_evidence(engine),
        )
    config = engine.daemon_config
    if config is not None and config.readable and config.has("hosts"):
        answer = _from_daemon_json(engine, "daemon_tls")
        if answer is not None:
            return answer
    readable = config is not None and config.readable
    where = f"{config.path} sets no hosts" if config is not None and readable else _NO_DAEMON_JSON
    return _finding(
        engine,
        Status.UNKNOWN,
        f"reached through the local socket, and {where}: check dockerd's -H flags "
        "(systemctl cat docker) for a tcp:// socket",
        _endpoint_evidence(engine),
        *_config_evidence(engine, "hosts"),
    )


# -- insecure registries --------------------------------------------------------------------


def _daemon_insecure_registries(engine: EngineFacts) -> Finding:
    """Whether every registry is reached over verified TLS: FAIL for entries of
    ``RegistryConfig.InsecureRegistryCIDRs`` other than the loopback ranges the engine
    adds itself (``127.0.0.0/8``, ``::1/128``), for registries of ``IndexConfigs`` marked
    ``Secure: false`` (other than ones on the host itself) and for ``http://`` mirrors."""
    registry = engine.info.get("RegistryConfig")
    if not isinstance(registry, dict):
        return _finding(
            engine,
            Status.UNKNOWN,
            "/info has no RegistryConfig: check insecure-registries in daemon.json",
            engine.evidence("RegistryConfig"),
        )
    cidrs = [str(cidr) for cidr in registry.get("InsecureRegistryCIDRs") or []]
    indexes = registry.get("IndexConfigs") or {}
    insecure = [cidr for cidr in cidrs if not is_loopback_registry(cidr)]
    names = [
        str(name)
        for name, index in (indexes.items() if isinstance(indexes, dict) else [])
        if isinstance(index, dict)
        and index.get("Secure") is False
        and not is_loopback_registry(str(name))
    ]
    mirrors = [str(mirror) for mirror in registry.get("Mirrors") or []]
    plain = [mirror for mirror in mirrors if mirror.strip().lower().startswith("http://")]
    field = "RegistryConfig.InsecureRegistryCIDRs"
    if insecure or names or plain:
        listed = ", ".join((insecure + names + plain)[:3])
        evidence = [engine.evidence(field)] if insecure else []
        evidence += [
            engine.evidence(f"RegistryConfig.IndexConfigs.{name}.Secure", False) for name in names
        ]
        evidence += [engine.evidence("RegistryConfig.Mirrors")] if plain else []
        return _finding(
            engine,
            Status.FAIL,
            f"images come without verified TLS from {listed}: anyone on the path can swap them",
            *evidence,
            *_config_evidence(engine, "insecure-registries"),
        )
    reason = (
        f"only the loopback ranges the engine adds itself are insecure ({', '.join(cidrs)})"
        if cidrs
        else "no insecure registries: every registry is reached over verified TLS"
    )
    return _finding(engine, Status.PASS, reason, engine.evidence(field))


# -- settings /info does not show -----------------------------------------------------------


def _from_daemon_json_only(engine: EngineFacts, detector: str, key: str, flag: str) -> Finding:
    answer = _from_daemon_json(engine, detector)
    if answer is not None:
        return answer
    return _finding(
        engine,
        Status.UNKNOWN,
        f"/info does not show {key} and {_NO_DAEMON_JSON}: check {key} in its daemon.json "
        f"and dockerd's {flag} flag",
        _endpoint_evidence(engine),
    )


def _daemon_no_new_privileges(engine: EngineFacts) -> Finding:
    """Whether no-new-privileges is every container's default: answered from the engine's
    daemon.json (``/info`` does not show it); UNKNOWN without one."""
    return _from_daemon_json_only(
        engine, "daemon_no_new_privileges", "no-new-privileges", "--no-new-privileges"
    )


def _daemon_userland_proxy(engine: EngineFacts) -> Finding:
    """Whether the userland proxy is off: answered from the engine's daemon.json
    (``/info`` does not show it); UNKNOWN without one."""
    return _from_daemon_json_only(
        engine, "daemon_userland_proxy", "userland-proxy", "--userland-proxy"
    )


# -- authorization --------------------------------------------------------------------------


def _daemon_authorization(engine: EngineFacts) -> Finding:
    """Whether an authorization plugin decides each API call: ``Plugins.Authorization``
    in ``/info`` names one."""
    registered = engine.info.get("Plugins") or {}
    plugins = [str(name) for name in registered.get("Authorization") or []]
    evidence = [
        engine.evidence("Plugins.Authorization"),
        *_config_evidence(engine, "authorization-plugins"),
    ]
    if plugins:
        return _finding(
            engine,
            Status.PASS,
            f"authorization plugins decide each API call: {', '.join(plugins[:3])}",
            *evidence,
        )
    return _finding(
        engine,
        Status.FAIL,
        "no authorization plugin: whoever reaches the socket may make any API call",
        *evidence,
    )


# -- safe defaults --------------------------------------------------------------------------


def _seccomp_profile(engine: EngineFacts) -> tuple[str, str] | None:
    """The seccomp entry of ``SecurityOptions`` and its profile (``builtin``, ``default``
    before Docker 23, ``unconfined``, or a custom one)."""
    for text, parts in _security_options(engine):
        if parts.get("name") == "seccomp":
            return text, parts.get("profile", "default")
    return None


def _info_flags(engine: EngineFacts) -> list[tuple[str, Evidence]]:
    """The unsafe values ``/info`` shows, each with its evidence."""
    info = engine.info
    flags = []
    if info.get("Debug") is True:
        flags.append(
            (
                "Debug is true: the daemon logs at debug level, requests and their data included",
                engine.evidence("Debug"),
            )
        )
    if str(info.get("Driver", "")).lower() == "aufs":
        flags.append(
            (
                "the storage driver is aufs: deprecated, unmaintained and removed from new "
                "engines",
                engine.evidence("Driver"),
            )
        )
    if info.get("ExperimentalBuild") is True:
        flags.append(
            (
                "experimental features are on, with no stability or security promise",
                engine.evidence("ExperimentalBuild"),
            )
        )
    seccomp = _seccomp_profile(engine)
    if seccomp is not None and seccomp[1].lower() == "unconfined":
        flags.append(
            (
                "the daemon's seccomp profile is unconfined: seccomp is off for every container",
                engine.evidence("SecurityOptions", seccomp[0]),
            )
        )
    return flags


def _info_summary(engine: EngineFacts) -> tuple[str, list[Evidence]]:
    """What ``/info`` shows when nothing there is unsafe, and its evidence."""
    seccomp = _seccomp_profile(engine)
    profile = f"seccomp {seccomp[1]}" if seccomp else "no seccomp entry"
    driver = str(engine.info.get("Driver", "?"))
    evidence = [engine.evidence("Debug"), engine.evidence("Driver")]
    evidence.append(engine.evidence("ExperimentalBuild"))
    if seccomp is not None:
        evidence.append(engine.evidence("SecurityOptions", seccomp[0]))
    return f"no debug, driver {driver}, experimental off, {profile}", evidence


def _daemon_safe_defaults(engine: EngineFacts) -> Finding:
    """Whether the daemon keeps the settings CIS wants at their safe values. ``/info``
    shows debug mode, the storage driver (aufs fails), experimental features and the
    seccomp profile (unconfined fails); the engine's daemon.json, judged as the
    daemon.json detector does, adds the log level, iptables, cgroup-parent and
    dm.basesize. FAIL on any unsafe value; UNKNOWN without a daemon.json, since those
    settings then show nowhere reviewtui can read."""
    flags = _info_flags(engine)
    from_file = _from_daemon_json(engine, "daemon_safe_defaults")
    if flags or (from_file is not None and from_file.status is Status.FAIL):
        reasons = [text for text, _ in flags]
        evidence = [item for _, item in flags]
        if from_file is not None and from_file.status is Status.FAIL:
            reasons.append(from_file.reason)
            evidence.extend(from_file.evidence)
        return _finding(engine, Status.FAIL, "; ".join(reasons[:3]), *evidence)
    summary, evidence = _info_summary(engine)
    if from_file is None:
        return _finding(
            engine,
            Status.UNKNOWN,
            f"/info shows {summary}; no daemon.json was readable: check log-level, iptables, "
            "cgroup-parent and dm.basesize in dockerd's flags",
            *evidence,
        )
    if from_file.status is not Status.PASS:
        return _finding(engine, from_file.status, from_file.reason, *from_file.evidence, *evidence)
    path = engine.daemon_config.path if engine.daemon_config is not None else "daemon.json"
    return _finding(
        engine,
        Status.PASS,
        f"{summary}; {path} keeps the log level, iptables, cgroup parent and base size safe",
        *evidence,
        *from_file.evidence,
    )


DETECTORS: dict[str, Detector] = {
    "daemon_icc": per_engine(_daemon_icc),
    "daemon_userns": per_engine(_daemon_userns),
    "daemon_live_restore": per_engine(_daemon_live_restore),
    "daemon_tls": per_engine(_daemon_tls),
    "daemon_insecure_registries": per_engine(_daemon_insecure_registries),
    "daemon_no_new_privileges": per_engine(_daemon_no_new_privileges),
    "daemon_authorization": per_engine(_daemon_authorization),
    "daemon_userland_proxy": per_engine(_daemon_userland_proxy),
    "daemon_safe_defaults": per_engine(_daemon_safe_defaults),
}
"""The detectors of this module, by the names the checklists use."""
