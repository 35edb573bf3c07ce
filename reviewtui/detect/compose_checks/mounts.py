"""Mount detectors: the Docker socket, sensitive host paths and shared mount propagation
(CIS 5.6, 5.20, 5.32)."""

from __future__ import annotations

import posixpath
from typing import Any

from reviewtui.detect.compose_checks.findings import finding, names, per_service
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import Mount
from reviewtui.project.compose_yaml import YamlMap

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
    "/var/lib/containerd",
    "/root",
    "/bin",
    "/sbin",
)
# Folders that are sensitive as a whole, for what they hold (/var/lib/docker, the
# containerd store), though most folders below them are not.
_SENSITIVE_PARENTS = frozenset({"/var", "/var/lib"})
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
# Device files that give nothing of the host away, even writable.
_HARMLESS_FILES = frozenset(
    {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/log"}
)
_SHARED_PROPAGATIONS = frozenset({"shared", "rshared"})
_SLAVE_PROPAGATIONS = frozenset({"slave", "rslave"})


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
        return finding(
            service,
            Status.FAIL,
            f"mounts {_socket_description(hits[0])}: access to it is root on the host",
            *(service.evidence_at(mount.location) for mount in hits),
        )
    return finding(
        service, Status.PASS, "no volume mounts the Docker socket", service.evidence("volumes")
    )


def host_path(mount: Mount) -> str | None:
    """The absolute host path a bind mount brings in, normalised; None for other mounts."""
    source = mount.source.strip()
    if mount.kind != "bind" or not source.startswith("/"):
        return None
    return posixpath.normpath(source).replace("//", "/")


def sensitive_host_path(path: str, read_only: bool) -> bool:
    """Whether mounting the host's ``path`` (read-only or not) exposes the host."""
    if path == "/":
        return True
    if path in _HARMLESS_FILES or (read_only and path in _HARMLESS_READ_ONLY_FILES):
        return False
    if path in _SENSITIVE_PARENTS:
        return True
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
        path = host_path(mount)
        if path is not None and sensitive_host_path(path, mount.read_only):
            hits.append(f"{path} ({'read-only' if mount.read_only else 'writable'})")
            evidence.append(service.evidence_at(mount.location))
            continue
        device = _volume_device(project, mount)
        if device is not None and sensitive_host_path(device[0], mount.read_only):
            hits.append(f"{device[0]} (through volume {mount.source})")
            evidence.append(service.evidence_at(mount.location))
            evidence.append(service.evidence_at(device[1].location_of("device")))
    if hits:
        return finding(
            service, Status.FAIL, f"mounts sensitive host paths: {names(hits)}", *evidence
        )
    return finding(
        service, Status.PASS, "no sensitive host path is mounted", service.evidence("volumes")
    )


def _mount_propagation(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for a bind mount with ``shared`` or ``rshared`` propagation (CIS 5.20): mounts
    made inside the container then appear on the host. ``slave`` and ``rslave`` only let
    the host's mounts in, and pass."""
    shared = [
        m for m in service.volumes() if (m.propagation or "").lower() in _SHARED_PROPAGATIONS
    ]
    if shared:
        described = [f"{mount.target} ({mount.propagation})" for mount in shared]
        return finding(
            service,
            Status.FAIL,
            f"shares mount propagation with the host: {names(described)}; "
            "mounts made in the container appear on the host",
            *(service.evidence_at(mount.location) for mount in shared),
        )
    slaves = [m for m in service.volumes() if (m.propagation or "").lower() in _SLAVE_PROPAGATIONS]
    if slaves:
        described = [f"{mount.target} ({mount.propagation})" for mount in slaves]
        return finding(
            service,
            Status.PASS,
            f"host mounts propagate in, none go back: {names(described)}",
            *(service.evidence_at(mount.location) for mount in slaves),
        )
    return finding(
        service,
        Status.PASS,
        "no mount shares its propagation with the host",
        service.evidence("volumes"),
    )


docker_socket = per_service(_docker_socket)
sensitive_mounts = per_service(_sensitive_mounts)
mount_propagation = per_service(_mount_propagation)

DETECTORS = {
    "docker_socket": docker_socket,
    "sensitive_mounts": sensitive_mounts,
    "mount_propagation": mount_propagation,
}
"""The detectors of this module, by the names the checklists use."""
