"""Detectors for the runtime checklist, answered per compose service from the merged files.

Each detector returns one finding per service of every compose project; the evidence is
the line of the key that proves the answer, or the service's name when the key is missing.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from reviewtui.masking import MASK, is_secret_name, looks_like_reference
from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import EnvVariable, Limit, Mount, is_true
from reviewtui.project.compose_yaml import Location, YamlMap
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]

# Capabilities a service may add back after dropping ALL without it being remarkable:
# the engine's defaults, less NET_RAW (forged packets) and MKNOD (device nodes).
_COMMON_CAPS = frozenset(
    """CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP SETFCAP NET_BIND_SERVICE
    SYS_CHROOT AUDIT_WRITE""".split()
)
# Capabilities that amount to root on the host, or close to it.
_DANGEROUS_CAPS = frozenset(
    """ALL SYS_ADMIN NET_ADMIN SYS_PTRACE SYS_MODULE DAC_READ_SEARCH BPF PERFMON SYS_RAWIO
    SYS_BOOT SYS_TIME SYSLOG MAC_ADMIN MAC_OVERRIDE LINUX_IMMUTABLE SYS_NICE IPC_LOCK LEASE
    AUDIT_CONTROL SYS_RESOURCE CHECKPOINT_RESTORE""".split()
)
_HOST_NAMESPACE_KEYS = ("network_mode", "net", "pid", "ipc", "uts", "userns_mode", "cgroup")
_SOCKET_NAMES = frozenset({"docker.sock", "podman.sock", "containerd.sock"})
_SOCKET_FOLDERS = frozenset({"/", "/var/run", "/run", "/run/docker", "/var/run/docker"})
# Host paths that hand the container the host; read-only still leaks them, except where
# listed in _READ_ONLY_TOLERATED.
_SENSITIVE_PATHS = (
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/var/lib/docker",
    "/root",
    "/bin",
    "/sbin",
)
_READ_ONLY_TOLERATED = ("/boot", "/lib", "/lib64", "/usr", "/bin", "/sbin")
# Single files under sensitive folders that images commonly take read-only.
_HARMLESS_READ_ONLY_FILES = frozenset(
    {
        "/etc/localtime",
        "/etc/timezone",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/os-release",
        "/etc/machine-id",
        "/usr/share/zoneinfo",
        "/etc/ssl/certs",
        "/etc/pki/ca-trust",
        "/etc/ca-certificates",
    }
)
# ContainerAdministrator is the administrator of Windows containers.
_ROOT_USERS = frozenset({"root", "0", "containeradministrator"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)?\s*$", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.\-]*://[^/\s:@]+:(?P<pw>[^@\s/]+)@", re.IGNORECASE)
_MAX_NAMED = 3


def _services(facts: ProjectFacts) -> Iterator[tuple[ComposeProject, ComposeService]]:
    for project in facts.compose_projects:
        for service in project.services:
            yield project, service


def _finding(service: ComposeService, status: Status, reason: str, *evidence: Evidence) -> Finding:
    target = Target(TargetKind.SERVICE, service.path, service.name)
    return Finding(target, status, reason, evidence or (service.evidence(),))


def _names(items: list[str]) -> str:
    """Up to three names, then how many more, for a reason a reviewer reads."""
    shown = ", ".join(items[:_MAX_NAMED])
    more = len(items) - _MAX_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _per_service(check: Callable[[ComposeProject, ComposeService], Finding]) -> Detector:
    def detector(facts: ProjectFacts) -> list[Finding]:
        return [check(project, service) for project, service in _services(facts)]

    detector.__name__ = check.__name__.lstrip("_")
    detector.__doc__ = check.__doc__
    return detector


def _privileged(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for ``privileged: true`` (CIS 5.5)."""
    if is_true(service.get("privileged")):
        return _finding(
            service,
            Status.FAIL,
            "privileged: true gives the container every capability and host device",
            service.evidence("privileged"),
        )
    return _finding(service, Status.PASS, "not privileged", service.evidence("privileged"))


def _capabilities(service: ComposeService, key: str) -> list[tuple[str, int]]:
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
    if is_true(service.get("privileged")):
        return _finding(
            service,
            Status.FAIL,
            "privileged: the container holds every capability whatever cap_drop says",
            service.evidence("privileged"),
        )
    added = _capabilities(service, "cap_add")
    dangerous = [(name, index) for name, index in added if name in _DANGEROUS_CAPS]
    if dangerous:
        return _finding(
            service,
            Status.FAIL,
            f"cap_add grants {_names([name for name, _ in dangerous])}",
            *(service.evidence("cap_add", index) for _, index in dangerous),
        )
    dropped = _capabilities(service, "cap_drop")
    drop_all = next((index for name, index in dropped if name == "ALL"), None)
    if drop_all is None:
        return _finding(
            service,
            Status.FAIL,
            "cap_drop does not drop ALL: the engine's 14 "
            "default capabilities stay, NET_RAW among them",
            service.evidence("cap_drop"),
        )
    unusual = [(name, index) for name, index in added if name not in _COMMON_CAPS]
    if unusual:
        return _finding(
            service,
            Status.FAIL,
            f"drops ALL but adds back {_names([name for name, _ in unusual])}",
            *(service.evidence("cap_add", index) for _, index in unusual),
        )
    kept = sorted({name for name, _ in added})
    reason = f"drops ALL and adds back only {_names(kept)}" if kept else "drops ALL capabilities"
    return _finding(service, Status.PASS, reason, service.evidence("cap_drop", drop_all))


def _exposes_socket(mount: Mount) -> bool:
    source = mount.source.replace("\\", "/").rstrip("/") or ("/" if mount.source else "")
    if "docker_engine" in source.lower():
        return True
    if posixpath.basename(source) in _SOCKET_NAMES:
        return True
    if mount.kind == "bind" and source in _SOCKET_FOLDERS:
        return True
    # A source left empty by an unset variable: the target says what it is meant to be.
    return mount.from_unset_variable and posixpath.basename(mount.target) in _SOCKET_NAMES


def _socket_description(mount: Mount) -> str:
    source = mount.source.replace("\\", "/").rstrip("/") or mount.source
    if not source:
        return f"{mount.target} from a variable set nowhere"
    if posixpath.basename(source) in _SOCKET_NAMES or "docker_engine" in source.lower():
        return f"the Docker socket ({mount.source})"
    return f"host folder {mount.source}, which holds the Docker socket"


def _docker_socket(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL when a volume brings in the Docker socket or a folder holding it (CIS 5.32)."""
    hits = [mount for mount in service.volumes() if _exposes_socket(mount)]
    if hits:
        return _finding(
            service,
            Status.FAIL,
            f"mounts {_socket_description(hits[0])}: access to it is root on the host",
            *(service.evidence_at(mount.location) for mount in hits),
        )
    return _finding(
        service, Status.PASS, "no volume mounts the Docker socket", service.evidence("volumes")
    )


def _read_only_rootfs(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS for ``read_only: true`` (CIS 5.13)."""
    if is_true(service.get("read_only")):
        return _finding(
            service, Status.PASS, "root filesystem is read-only", service.evidence("read_only")
        )
    return _finding(
        service,
        Status.FAIL,
        "root filesystem is writable: set read_only: true "
        "and give the paths it writes to tmpfs or volumes",
        service.evidence("read_only"),
    )


def _daemon_enabling(daemons: list[DaemonConfig], key: str) -> DaemonConfig | None:
    for config in daemons:
        if config.get(key) is True:
            return config
    return None


def _no_new_privileges_for(
    daemons: list[DaemonConfig],
) -> Callable[[ComposeProject, ComposeService], Finding]:
    def check(project: ComposeProject, service: ComposeService) -> Finding:
        for option in service.security_options():
            if option.name != "no-new-privileges":
                continue
            if option.value.lower() in ("", "true", "1"):
                return _finding(
                    service,
                    Status.PASS,
                    "no-new-privileges is set",
                    service.evidence_at(option.location),
                )
            return _finding(
                service,
                Status.FAIL,
                f"no-new-privileges is {option.value}",
                service.evidence_at(option.location),
            )
        daemon = _daemon_enabling(daemons, "no-new-privileges")
        if daemon is not None:
            return _finding(
                service,
                Status.PASS,
                f"{daemon.path} sets no-new-privileges for every container",
                daemon.evidence("no-new-privileges"),
            )
        return _finding(
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
    return [check(project, service) for project, service in _services(facts)]


def _security_profiles(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL when seccomp, AppArmor or SELinux confinement is switched off (CIS 5.2, 5.22)."""
    if is_true(service.get("privileged")):
        return _finding(
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
        return _finding(
            service, Status.FAIL, f"confinement switched off: {_names(off)}", *evidence
        )
    return _finding(
        service,
        Status.PASS,
        "the default seccomp and AppArmor/SELinux profiles apply",
        service.evidence("security_opt"),
    )


def _positive_size(value: Any) -> bool | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value > 0
    match = _SIZE.match(str(value))
    if match is None:
        return False if str(value).strip() in ("-1", "") else None
    return float(match.group(1)) > 0


def _positive_number(value: Any) -> bool | None:
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip()) > 0
    except ValueError:
        return None


def _limit_finding(
    service: ComposeService,
    limits: list[Limit],
    what: str,
    keys: str,
    positive: Callable[[Any], bool | None],
) -> Finding:
    for limit in limits:
        if positive(limit.value):
            return _finding(
                service,
                Status.PASS,
                f"{what} limited: {limit.key} {limit.value}",
                service.evidence_at(limit.location),
            )
    for limit in limits:
        if limit.from_unset_variable:
            names = ", ".join(limit.substitution.unset if limit.substitution else ())
            return _finding(
                service,
                Status.UNKNOWN,
                f"{limit.key} comes from {names}, which is set nowhere in the project",
                service.evidence_at(limit.location),
            )
    for limit in limits:
        if positive(limit.value) is None:
            return _finding(
                service,
                Status.UNKNOWN,
                f"cannot read {limit.key} {limit.value!r} as a limit",
                service.evidence_at(limit.location),
            )
    if limits:
        limit = limits[0]
        return _finding(
            service,
            Status.FAIL,
            f"{limit.key} {limit.value} means no {what} limit",
            service.evidence_at(limit.location),
        )
    return _finding(
        service,
        Status.FAIL,
        f"no {what} limit: neither {keys} is set",
        service.evidence("deploy", "resources", "limits"),
    )


def _memory_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``mem_limit`` or ``deploy.resources.limits.memory`` is above 0 (CIS 5.11)."""
    return _limit_finding(
        service,
        service.memory_limits(),
        "memory",
        "mem_limit nor deploy.resources.limits.memory",
        _positive_size,
    )


def _cpu_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``cpus``, ``cpu_quota`` or ``deploy.resources.limits.cpus`` is above 0
    (CIS 5.12); ``cpu_shares`` is a weight among busy containers, not a limit."""
    finding = _limit_finding(
        service,
        service.cpu_limits(),
        "CPU",
        "cpus nor deploy.resources.limits.cpus",
        _positive_number,
    )
    if finding.status is Status.FAIL and service.get("cpu_shares") is not None:
        return _finding(
            service,
            Status.FAIL,
            "no CPU limit: cpu_shares only weighs busy containers against each other",
            service.evidence("cpu_shares"),
        )
    return finding


def _pids_limit(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when ``pids_limit`` or ``deploy.resources.limits.pids`` is above 0; -1 and 0 mean
    unlimited (CIS 5.29)."""
    return _limit_finding(
        service,
        service.pids_limits(),
        "process",
        "pids_limit nor deploy.resources.limits.pids",
        _positive_number,
    )


def is_root_user(user: str) -> bool:
    """True for ``root``, ``0``, ``0:0``, ``root:staff`` and the like (and Windows'
    ContainerAdministrator)."""
    return user.strip().split(":", 1)[0].strip().lower() in _ROOT_USERS


def _runtime_user_for(facts: ProjectFacts) -> Callable[[ComposeProject, ComposeService], Finding]:
    def check(project: ComposeProject, service: ComposeService) -> Finding:
        if "user" in service.data and service.data["user"] is not None:
            return _explicit_user(service)
        return _image_user(facts, service)

    return check


def runtime_user(facts: ProjectFacts) -> list[Finding]:
    """PASS for a non-root ``user:`` or, without one, a non-root final USER in the Dockerfile
    the service builds; UNKNOWN when only the image can tell (CIS 4.1)."""
    check = _runtime_user_for(facts)
    return [check(project, service) for project, service in _services(facts)]


def _explicit_user(service: ComposeService) -> Finding:
    user = str(service.data["user"]).strip()
    evidence = service.evidence("user")
    substitution = service.data.substitution_of("user")
    if substitution is not None and substitution.unset and not user.replace(":", ""):
        return _finding(
            service,
            Status.UNKNOWN,
            f"user comes from {', '.join(substitution.unset)}, set nowhere in the project",
            evidence,
        )
    if is_root_user(user):
        return _finding(service, Status.FAIL, f"runs as root: user is {user}", evidence)
    return _finding(service, Status.PASS, f"runs as user {user}", evidence)


def _image_user(facts: ProjectFacts, service: ComposeService) -> Finding:
    build = service.build()
    if build is None:
        return _finding(
            service,
            Status.UNKNOWN,
            "no user: and no build: the image's default user decides; check it",
            service.evidence("image"),
        )
    build_evidence = service.evidence_at(build.location)
    if build.dockerfile is None:
        return _finding(
            service,
            Status.UNKNOWN,
            "no user: and the Dockerfile is not in the "
            "project (remote or inline build); check the image's user",
            build_evidence,
        )
    dockerfile = facts.dockerfile(build.dockerfile)
    final_user = getattr(dockerfile, "final_user", None)
    if dockerfile is None or final_user is None:
        return _finding(
            service,
            Status.UNKNOWN,
            f"no user: and {build.dockerfile} was not read; check the image's user",
            build_evidence,
        )
    # TODO: a build.target names a stage; the final stage's USER is judged instead.
    user, line = final_user()
    if user is None or line is None:
        return _finding(
            service,
            Status.FAIL,
            f"no user: and {build.dockerfile} sets no "
            "USER, so the base image's user (usually root) applies",
            build_evidence,
        )
    snippet_at = getattr(dockerfile, "snippet_at", None)
    snippet = snippet_at(line) if callable(snippet_at) else f"USER {user}"
    user_evidence = Evidence(build.dockerfile, line, snippet)
    if "$" in user:
        return _finding(
            service,
            Status.UNKNOWN,
            f"no user: and the Dockerfile's USER {user} comes from a variable without a default",
            user_evidence,
            build_evidence,
        )
    if is_root_user(user):
        return _finding(
            service,
            Status.FAIL,
            f"runs as root: no user: and the Dockerfile's last USER is {user}",
            user_evidence,
            build_evidence,
        )
    return _finding(
        service,
        Status.PASS,
        f"runs as {user}: the final USER of {build.dockerfile}",
        user_evidence,
        build_evidence,
    )


def _host_namespaces(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for each namespace shared with the host (CIS 5.10, 5.16, 5.17, 5.21, 5.31)."""
    shared = [
        key
        for key in _HOST_NAMESPACE_KEYS
        if str(service.get(key, default="")).strip().lower() == "host"
    ]
    if shared:
        return _finding(
            service,
            Status.FAIL,
            f"shares the host's namespaces: {', '.join(f'{key}: host' for key in shared)}",
            *(service.evidence(key) for key in shared),
        )
    return _finding(service, Status.PASS, "keeps its own namespaces")


def _port_bindings(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS when every published port names a host address; NOT_APPLICABLE without
    published ports (CIS 5.14)."""
    if str(service.get("network_mode", default="")).lower() == "host":
        return _finding(
            service,
            Status.FAIL,
            "network_mode: host: every port it listens on is open on all host interfaces",
            service.evidence("network_mode"),
        )
    ports = service.ports()
    if not ports:
        return _finding(
            service, Status.NOT_APPLICABLE, "publishes no ports", service.evidence("ports")
        )
    open_ports = [port for port in ports if port.all_interfaces]
    if open_ports:
        return _finding(
            service,
            Status.FAIL,
            f"published on all interfaces: {_names([port.text for port in open_ports])}",
            *(service.evidence_at(port.location) for port in open_ports),
        )
    addresses = sorted({port.host_ip for port in ports})
    return _finding(
        service,
        Status.PASS,
        f"every published port is bound to {_names(addresses)}",
        *(service.evidence_at(port.location) for port in ports[:_MAX_NAMED]),
    )


def _network_segmentation(project: ComposeProject, service: ComposeService) -> Finding:
    """Back ends (services that publish no ports) should join only ``internal: true``
    networks. Front ends, which must be reachable, and single-service projects are
    not applicable; ``network_mode: none`` passes; a network declared ``external`` is
    judged by a person, as its settings live elsewhere."""
    mode = str(service.get("network_mode", default="")).strip().lower()
    if mode == "none":
        return _finding(
            service,
            Status.PASS,
            "network_mode: none: no network at all",
            service.evidence("network_mode"),
        )
    if mode == "host":
        return _finding(
            service,
            Status.FAIL,
            "network_mode: host: on the host's own network",
            service.evidence("network_mode"),
        )
    if mode.startswith(("service:", "container:")):
        return _finding(
            service,
            Status.NOT_APPLICABLE,
            f"shares the network of {mode}",
            service.evidence("network_mode"),
        )
    if len(project.services) < 2:
        return _finding(service, Status.NOT_APPLICABLE, "the only service of its project")
    if service.ports():
        return _finding(
            service,
            Status.NOT_APPLICABLE,
            "a front end: it publishes ports",
            service.evidence("ports"),
        )
    return _back_end_networks(project, service)


def _back_end_networks(project: ComposeProject, service: ComposeService) -> Finding:
    attached = service.get("networks")
    names = (
        [str(name) for name in attached]
        if isinstance(attached, dict) and attached
        else ["default"]
    )
    open_networks, external = [], []
    for name in names:
        declared = project.networks.get(name)
        if isinstance(declared, dict) and is_true(declared.get("external")):
            external.append(name)
        elif not (isinstance(declared, dict) and is_true(declared.get("internal"))):
            open_networks.append(name)
    evidence = service.evidence("networks")
    if open_networks:
        return _finding(
            service,
            Status.FAIL,
            f"a back end (no published ports) on "
            f"networks that are not internal: {_names(open_networks)}",
            evidence,
        )
    if external:
        return _finding(
            service,
            Status.UNKNOWN,
            f"a back end on external networks "
            f"{_names(external)}: their settings live outside this project",
            evidence,
        )
    return _finding(
        service, Status.PASS, f"a back end only on internal networks: {_names(names)}", evidence
    )


def _secret_problem(variable: EnvVariable) -> str | None:
    """Why a variable holds a plain-text secret, or None when it does not."""
    value = variable.value
    if value is None or not value.strip() or value.strip().startswith("/run/secrets/"):
        return None
    substitution = variable.substitution
    if substitution is None:
        if is_secret_name(variable.name):
            return f"{variable.name} is written in the compose file"
        if _URL_CREDENTIALS.search(value):
            return f"{variable.name} holds a URL with a password"
        return None
    if not is_secret_name(variable.name):
        return None
    if substitution.from_env_file:
        return f"{variable.name} comes from {substitution.env_file}"
    if substitution.defaulted:
        return f"{variable.name} falls back to a default written in the compose file"
    if looks_like_reference(substitution.raw):
        return None
    return f"{variable.name} mixes literal text with a variable"


def _secrets_not_in_env(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for secret-looking variables with literal values in ``environment:``,
    ``build.args`` or an env file in the project; values taken from a ``.env`` file in the
    project count as literal, since that file sits beside the compose file (CIS 4.10)."""
    reasons: list[str] = []
    evidence: list[Evidence] = []
    values: set[str] = set()
    referenced = False
    for variable in service.environment() + service.build_args():
        problem = _secret_problem(variable)
        if problem is not None:
            reasons.append(problem)
            values.add(variable.value or "")
            evidence.append(service.evidence_at(variable.location))
            evidence.extend(_env_file_evidence(service, variable))
        elif variable.substitution is not None and is_secret_name(variable.name):
            referenced = True
    for env_file in service.env_files:
        if env_file.variables is None or env_file.path is None:
            continue
        for name, value in env_file.variables.values.items():
            if is_secret_name(name) and value.strip():
                reasons.append(f"{name} is written in {env_file.path}")
                values.add(value)
                evidence.append(service.evidence_at(env_file.location))
                line = env_file.variables.lines.get(name)
                if line is not None:
                    evidence.append(_line_evidence(service, env_file.path, line))
    if reasons:
        hidden = [_without_values(item, values) for item in evidence]
        return _finding(service, Status.FAIL, f"secrets in plain text: {_names(reasons)}", *hidden)
    return _secrets_pass(service, referenced)


def _secrets_pass(service: ComposeService, referenced: bool) -> Finding:
    if service.get("secrets"):
        return _finding(
            service, Status.PASS, "secrets come in through secrets:", service.evidence("secrets")
        )
    if referenced:
        return _finding(
            service,
            Status.PASS,
            "secret values come from the environment at deploy time; prefer secrets:",
            service.evidence("environment"),
        )
    return _finding(
        service,
        Status.PASS,
        "no secret-looking variable holds a literal value",
        service.evidence("environment"),
    )


def _without_values(evidence: Evidence, values: set[str]) -> Evidence:
    """The evidence with the secret values themselves masked: masking by name alone misses
    a default such as ``${DB_PASSWORD:-value}``."""
    snippet = evidence.snippet
    for value in sorted(values, key=len, reverse=True):
        if value.strip():
            snippet = snippet.replace(value, MASK)
    return Evidence(evidence.path, evidence.line, snippet)


def _env_file_evidence(service: ComposeService, variable: EnvVariable) -> list[Evidence]:
    substitution = variable.substitution
    if substitution is None or not substitution.from_env_file or not substitution.env_file:
        return []
    evidence = []
    for name in substitution.from_env_file:
        line = _env_line(service, substitution.env_file, name)
        if line is not None:
            evidence.append(_line_evidence(service, substitution.env_file, line))
    return evidence


def _env_line(service: ComposeService, path: str, name: str) -> int | None:
    """The line of an env file that sets ``name`` (``NAME=``, ``export NAME=``, ``NAME:``)."""
    for number, text in enumerate(service.sources.get(path, []), start=1):
        stripped = text.strip().removeprefix("export ").lstrip()
        if stripped.startswith(name) and stripped[len(name) :].lstrip()[:1] in ("=", ":"):
            return number
    return None


def _line_evidence(service: ComposeService, path: str, line: int) -> Evidence:
    return service.evidence_at(Location(path, line))


def _host_path(mount: Mount) -> str | None:
    source = mount.source.strip()
    if mount.kind != "bind" or not source.startswith("/"):
        return None
    return posixpath.normpath(source).replace("//", "/")


def _sensitive(path: str, read_only: bool) -> bool:
    if path == "/":
        return True
    if read_only and path in _HARMLESS_READ_ONLY_FILES:
        return False
    if path.startswith("/home/") and path.count("/") > 2:
        return False  # a folder inside a home folder, not the home folder itself
    if path == "/home" or path.startswith("/home/"):
        return True
    for root in _SENSITIVE_PATHS:
        if path == root or path.startswith(root + "/"):
            return not (read_only and root in _READ_ONLY_TOLERATED)
    return False


def _volume_device(project: ComposeProject, mount: Mount) -> tuple[str, Any] | None:
    """The host folder a named volume binds through ``driver_opts.device``, if any."""
    if mount.kind != "volume" or not mount.source:
        return None
    declared = project.volumes.get(mount.source)
    options = declared.get("driver_opts") if isinstance(declared, dict) else None
    device = options.get("device") if isinstance(options, YamlMap) else None
    if not isinstance(device, str) or not device.startswith("/"):
        return None
    return posixpath.normpath(device), options


def _sensitive_mounts(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for binds of the host's system folders, home folders and Docker's data (CIS 5.6);
    named volumes and relative binds pass."""
    hits: list[str] = []
    evidence: list[Evidence] = []
    for mount in service.volumes():
        path = _host_path(mount)
        if path is not None and _sensitive(path, mount.read_only):
            hits.append(f"{path} ({'read-only' if mount.read_only else 'writable'})")
            evidence.append(service.evidence_at(mount.location))
            continue
        device = _volume_device(project, mount)
        if device is not None and _sensitive(device[0], mount.read_only):
            hits.append(f"{device[0]} (through volume {mount.source})")
            evidence.append(service.evidence_at(mount.location))
            evidence.append(service.evidence_at(device[1].location_of("device")))
    if hits:
        return _finding(
            service, Status.FAIL, f"mounts sensitive host paths: {_names(hits)}", *evidence
        )
    return _finding(
        service, Status.PASS, "no sensitive host path is mounted", service.evidence("volumes")
    )


privileged = _per_service(_privileged)
cap_drop_all = _per_service(_cap_drop_all)
docker_socket = _per_service(_docker_socket)
read_only_rootfs = _per_service(_read_only_rootfs)
security_profiles = _per_service(_security_profiles)
memory_limit = _per_service(_memory_limit)
cpu_limit = _per_service(_cpu_limit)
pids_limit = _per_service(_pids_limit)
host_namespaces = _per_service(_host_namespaces)
port_bindings = _per_service(_port_bindings)
network_segmentation = _per_service(_network_segmentation)
secrets_not_in_env = _per_service(_secrets_not_in_env)
sensitive_mounts = _per_service(_sensitive_mounts)

DETECTORS: dict[str, Detector] = {
    "privileged": privileged,
    "cap_drop_all": cap_drop_all,
    "docker_socket": docker_socket,
    "read_only_rootfs": read_only_rootfs,
    "no_new_privileges": no_new_privileges,
    "security_profiles": security_profiles,
    "memory_limit": memory_limit,
    "cpu_limit": cpu_limit,
    "pids_limit": pids_limit,
    "runtime_user": runtime_user,
    "host_namespaces": host_namespaces,
    "port_bindings": port_bindings,
    "network_segmentation": network_segmentation,
    "secrets_not_in_env": secrets_not_in_env,
    "sensitive_mounts": sensitive_mounts,
}
"""Every compose detector by the name the checklists use."""
