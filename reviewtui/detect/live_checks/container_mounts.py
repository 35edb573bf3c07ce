"""Live mount detectors: the Docker socket, sensitive host paths, propagation, the root
filesystem, tmpfs, host devices and storage shared between containers (CIS 5.6, 5.13,
5.18, 5.20, 5.32)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

# The compose detectors' own lists of dangerous devices and sensitive host paths, so that
# a service and the container made from it are judged alike.
from reviewtui.detect.compose_checks.devices import DANGEROUS_DEVICE
from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.compose_checks.mounts import sensitive_host_path
from reviewtui.detect.live_checks.findings import (
    Detector,
    combine,
    engines,
    per_container,
    per_image,
)
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.facts import ProjectFacts

# The same sockets and folders the compose detector looks for.
_SOCKET_NAMES = frozenset({"docker.sock", "podman.sock", "containerd.sock"})
_SOCKET_FOLDERS = frozenset({"/", "/var/run", "/run", "/run/docker", "/var/run/docker"})
# A rootless engine keeps its socket in the user's runtime folder, $XDG_RUNTIME_DIR.
_RUNTIME_FOLDER = re.compile(r"^(/var)?/run/user/\d+$")
_SHARED_PROPAGATIONS = frozenset({"shared", "rshared"})
_SLAVE_PROPAGATIONS = frozenset({"slave", "rslave"})
_PROPAGATIONS = _SHARED_PROPAGATIONS | _SLAVE_PROPAGATIONS | {"private", "rprivate"}
# An image asking for a volume over these invites the host's own to be mounted there.
_KERNEL_FOLDERS = ("/dev", "/proc", "/sys")
# Docker mounts every tmpfs noexec and nosuid; these options turn that off again.
_WEAKENING_OPTIONS = ("exec", "suid")
_CGROUP_RULE = re.compile(r"^([abc])\s+(\*|\d+):(\*|\d+)\s+([rwm]+)$")
_SLASHES = re.compile("/+")
# Anonymous volumes are named by a 64-digit hex id; a reason shows its first 12.
_ANONYMOUS_VOLUME = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class LiveMount:
    """One mount of a container as the engine reports it.

    ``kind`` is bind, volume, tmpfs or npipe; ``source`` is the host path of a bind (a
    volume's own folder for a volume); ``name`` is a volume's name, empty otherwise;
    ``evidence`` cites the inspect entry that declares it.
    """

    kind: str
    source: str
    name: str
    destination: str
    writable: bool
    propagation: str
    evidence: Evidence

    @property
    def host_path(self) -> str | None:
        """The normalised host path of a bind mount; None for other mounts."""
        if self.kind != "bind" or not self.source.startswith("/"):
            return None
        return posixpath.normpath(_SLASHES.sub("/", self.source))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _from_mounts(container: ContainerFacts) -> list[LiveMount]:
    """The top-level ``Mounts``: what the engine made of binds, volumes and ``--mount``."""
    return [
        LiveMount(
            str(entry.get("Type") or ""),
            str(entry.get("Source") or ""),
            str(entry.get("Name") or ""),
            str(entry.get("Destination") or ""),
            entry.get("RW") is not False,
            str(entry.get("Propagation") or "").lower(),
            container.evidence("Mounts", entry),
        )
        for entry in _dicts(container.get("Mounts"))
    ]


def _from_binds(container: ContainerFacts) -> list[LiveMount]:
    """``HostConfig.Binds`` entries, ``source:destination[:options]``."""
    # TODO: a Windows bind (C:\src:C:\dst) is split at its drive letters.
    found = []
    binds = container.get("HostConfig.Binds")
    for text in binds if isinstance(binds, list) else []:
        parts = str(text).split(":")
        if len(parts) < 2:
            continue
        source, destination = parts[0], parts[1]
        options = {option.strip().lower() for option in ":".join(parts[2:]).split(",")}
        is_bind = source.startswith("/")
        found.append(
            LiveMount(
                "bind" if is_bind else "volume",
                source if is_bind else "",
                "" if is_bind else source,
                destination,
                "ro" not in options,
                next((option for option in sorted(options & _PROPAGATIONS)), ""),
                container.evidence("HostConfig.Binds", text),
            )
        )
    return found


def _from_host_mounts(container: ContainerFacts) -> list[LiveMount]:
    """``HostConfig.Mounts``, the ``--mount`` entries as they were asked for."""
    found = []
    for entry in _dicts(container.get("HostConfig.Mounts")):
        kind = str(entry.get("Type") or "")
        source = str(entry.get("Source") or "")
        options = entry.get("BindOptions")
        propagation = options.get("Propagation") if isinstance(options, dict) else None
        found.append(
            LiveMount(
                kind,
                "" if kind == "volume" else source,
                source if kind == "volume" else "",
                str(entry.get("Target") or ""),
                entry.get("ReadOnly") is not True,
                str(propagation or "").lower(),
                container.evidence("HostConfig.Mounts", entry),
            )
        )
    return found


def container_mounts(container: ContainerFacts) -> list[LiveMount]:
    """Every mount of ``container``: the top-level ``Mounts`` first, then entries of
    ``HostConfig.Binds`` and ``HostConfig.Mounts`` for destinations it does not list."""
    mounts = _from_mounts(container)
    seen = {mount.destination for mount in mounts}
    for mount in _from_binds(container) + _from_host_mounts(container):
        if mount.destination not in seen:
            seen.add(mount.destination)
            mounts.append(mount)
    return mounts


def _socket_description(mount: LiveMount) -> str | None:
    """How a reason names the Docker socket a mount brings in; None when it brings none."""
    source = mount.source.replace("\\", "/").rstrip("/") or ("/" if mount.source else "")
    if "docker_engine" in source.lower():
        return f"the Docker socket ({mount.source})"
    if posixpath.basename(source) in _SOCKET_NAMES:
        return f"the Docker socket ({mount.source})"
    if mount.kind != "bind":
        return None
    path = mount.host_path or source
    if path in _SOCKET_FOLDERS or _RUNTIME_FOLDER.match(path):
        return f"host folder {mount.source}, which holds the Docker socket"
    if posixpath.basename(mount.destination.rstrip("/")) in _SOCKET_NAMES:
        return f"{mount.source} at {mount.destination}, where clients look for the Docker socket"
    return None


def _docker_socket(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when a mount brings in the Docker socket or a folder holding it (CIS 5.32);
    read-only changes nothing, since the API is used by writing to the socket."""
    hits = [
        (mount, described)
        for mount in container_mounts(container)
        if (described := _socket_description(mount)) is not None
    ]
    if hits:
        mount, described = hits[0]
        read_only = "" if mount.writable else " read-only, which does not help"
        return Finding(
            container.target,
            Status.FAIL,
            f"mounts {described}{read_only}: access to it is root on the host",
            tuple(mount.evidence for mount, _ in hits),
        )
    return Finding(
        container.target,
        Status.PASS,
        "no mount brings in the Docker socket",
        (container.evidence("Mounts"),),
    )


def _sensitive_mounts(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for binds of the host's system folders, home folders and Docker's data, the
    same paths the compose detector lists (CIS 5.6); volumes pass."""
    hits: list[str] = []
    evidence: list[Evidence] = []
    for mount in container_mounts(container):
        path = mount.host_path
        if path is not None and sensitive_host_path(path, not mount.writable):
            hits.append(f"{path} ({'writable' if mount.writable else 'read-only'})")
            evidence.append(mount.evidence)
    # TODO: a named volume whose driver options bind a host folder is not followed, as
    # the reader does not inspect volumes.
    if hits:
        return Finding(
            container.target,
            Status.FAIL,
            f"mounts sensitive host paths: {names(hits)}",
            tuple(evidence),
        )
    return Finding(
        container.target,
        Status.PASS,
        "no sensitive host path is mounted",
        (container.evidence("Mounts"),),
    )


def _image_volumes(engine: EngineFacts, image: ImageFacts) -> Finding:
    """FAIL for an image whose ``Config.Volumes`` holds /dev, /proc or /sys (dockle
    DKL-DI-0002): it asks for a volume over the kernel's own filesystems."""
    volumes = image.get("Config.Volumes")
    declared = [str(path) for path in volumes] if isinstance(volumes, dict) else []
    hits = [path for path in declared if posixpath.normpath(path) in _KERNEL_FOLDERS]
    evidence = (image.evidence("Config.Volumes"),)
    if hits:
        return Finding(
            image.target,
            Status.FAIL,
            f"declares VOLUME {names(hits)}: a volume over the kernel's own filesystem "
            "invites mounting the host's there",
            evidence,
        )
    return Finding(
        image.target, Status.PASS, "declares no volume at /dev, /proc or /sys", evidence
    )


def _mount_propagation(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for a mount with ``shared`` or ``rshared`` propagation (CIS 5.20): mounts made
    inside the container then appear on the host. ``slave`` and ``rslave`` only let the
    host's mounts in, and pass."""
    mounts = container_mounts(container)
    shared = [mount for mount in mounts if mount.propagation in _SHARED_PROPAGATIONS]
    if shared:
        described = [f"{mount.destination} ({mount.propagation})" for mount in shared]
        return Finding(
            container.target,
            Status.FAIL,
            f"shares mount propagation with the host: {names(described)}; "
            "mounts made in the container appear on the host",
            tuple(mount.evidence for mount in shared),
        )
    slaves = [mount for mount in mounts if mount.propagation in _SLAVE_PROPAGATIONS]
    if slaves:
        described = [f"{mount.destination} ({mount.propagation})" for mount in slaves]
        return Finding(
            container.target,
            Status.PASS,
            f"host mounts propagate in, none go back: {names(described)}",
            tuple(mount.evidence for mount in slaves),
        )
    return Finding(
        container.target,
        Status.PASS,
        "no mount shares its propagation with the host",
        (container.evidence("Mounts"),),
    )


def _read_only_rootfs(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``HostConfig.ReadonlyRootfs`` is true (CIS 5.13)."""
    evidence = (container.evidence("HostConfig.ReadonlyRootfs"),)
    if container.get("HostConfig.ReadonlyRootfs") is True:
        return Finding(container.target, Status.PASS, "root filesystem is read-only", evidence)
    return Finding(
        container.target,
        Status.FAIL,
        "root filesystem is writable: run it with --read-only "
        "and give the paths it writes to tmpfs or volumes",
        evidence,
    )


def _weakened(options: str) -> list[str]:
    given = {option.strip().lower() for option in options.split(",")}
    return [option for option in _WEAKENING_OPTIONS if option in given]


def _tmpfs_exec(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for a ``HostConfig.Tmpfs`` entry with ``exec`` or ``suid``, which turn off the
    ``noexec`` and ``nosuid`` Docker gives every tmpfs; ``--mount type=tmpfs`` cannot set
    either, so such mounts pass."""
    tmpfs = container.get("HostConfig.Tmpfs")
    entries = {str(k): str(v or "") for k, v in tmpfs.items()} if isinstance(tmpfs, dict) else {}
    weak = [(path, _weakened(options)) for path, options in sorted(entries.items())]
    weak = [(path, options) for path, options in weak if options]
    if weak:
        described = [f"{path} ({', '.join(options)})" for path, options in weak]
        return Finding(
            container.target,
            Status.FAIL,
            f"tmpfs allows what Docker forbids by default: {names(described)}; "
            "dropped programs can run from it",
            tuple(
                container.evidence("HostConfig.Tmpfs", {path: entries[path]}) for path, _ in weak
            ),
        )
    mounted = sorted(entries)
    mounted += [m.destination for m in container_mounts(container) if m.kind == "tmpfs"]
    if mounted:
        return Finding(
            container.target,
            Status.PASS,
            f"tmpfs mounts keep noexec and nosuid: {names(mounted)}",
            (container.evidence("HostConfig.Tmpfs"),),
        )
    return Finding(
        container.target,
        Status.PASS,
        "no tmpfs mount",
        (container.evidence("HostConfig.Tmpfs"),),
    )


Hit = tuple[str, Evidence]
"""A device or rule as a reason names it, with the inspect entry that maps it."""


def _opens(permissions: str) -> bool:
    """False when the permissions allow neither reading nor writing (``m`` alone)."""
    return not permissions or bool(set(permissions) & set("rw"))


def _devices(container: ContainerFacts) -> tuple[list[Hit], list[Hit]]:
    """The dangerous ``HostConfig.Devices`` and the others, each with its evidence."""
    dangerous: list[Hit] = []
    others: list[Hit] = []
    for entry in _dicts(container.get("HostConfig.Devices")):
        source = str(entry.get("PathOnHost") or "").strip()
        path = posixpath.normpath(_SLASHES.sub("/", source)) if source else ""
        hit = (path or "an unnamed device", container.evidence("HostConfig.Devices", entry))
        permissions = str(entry.get("CgroupPermissions") or "")
        if path and DANGEROUS_DEVICE.match(path) and _opens(permissions):
            dangerous.append(hit)
        else:
            others.append(hit)
    return dangerous, others


def _cgroup_rules(container: ContainerFacts) -> tuple[list[Hit], list[Hit]]:
    """The device cgroup rules that open disks or every device, and the other rules."""
    dangerous: list[Hit] = []
    others: list[Hit] = []
    rules = container.get("HostConfig.DeviceCgroupRules")
    for item in rules if isinstance(rules, list) else []:
        rule = " ".join(str(item).split())
        match = _CGROUP_RULE.match(rule)
        if match is None or not set(match.group(4)) & set("rw"):
            continue  # a rule the engine refuses, or one that only allows mknod
        hit = (f"rule '{rule}'", container.evidence("HostConfig.DeviceCgroupRules", item))
        (dangerous if match.group(1) in ("a", "b") else others).append(hit)
    return dangerous, others


def _device_requests(container: ContainerFacts) -> list[Hit]:
    """``HostConfig.DeviceRequests`` (``--gpus``): devices a driver hands over."""
    hits: list[Hit] = []
    for entry in _dicts(container.get("HostConfig.DeviceRequests")):
        capabilities = entry.get("Capabilities") or []
        words = sorted(
            {str(c) for group in capabilities if isinstance(group, list) for c in group}
        )
        what = "/".join(words) or str(entry.get("Driver") or "") or "devices"
        evidence = container.evidence("HostConfig.DeviceRequests", entry)
        hits.append((f"a request for {what} devices", evidence))
    return hits


def _host_devices(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for a privileged container, for all of /dev, disks, memory, the kernel log or
    input devices in ``HostConfig.Devices``, and for device cgroup rules that open every
    device (``a``) or block devices (``b``); UNKNOWN for other devices, which a person
    confirms the container needs (CIS 5.18)."""
    if container.get("HostConfig.Privileged") is True:
        return Finding(
            container.target,
            Status.FAIL,
            "HostConfig.Privileged is true: every host device is available to the container",
            (container.evidence("HostConfig.Privileged"),),
        )
    devices, other_devices = _devices(container)
    rules, other_rules = _cgroup_rules(container)
    dangerous = devices + rules
    if dangerous:
        return Finding(
            container.target,
            Status.FAIL,
            f"opens host devices that hand over the host: {names([d for d, _ in dangerous])}",
            tuple(where for _, where in dangerous),
        )
    others = other_devices + other_rules + _device_requests(container)
    if others:
        return Finding(
            container.target,
            Status.UNKNOWN,
            f"maps host devices: {names([d for d, _ in others])}; "
            "confirm the container needs them",
            tuple(where for _, where in others),
        )
    return Finding(
        container.target,
        Status.PASS,
        "maps no host devices",
        (container.evidence("HostConfig.Devices"),),
    )


@dataclass(frozen=True)
class _Use:
    """One container's use of a volume or host path."""

    container: str
    storage: str
    writable: bool
    evidence: Evidence


def _storage(mount: LiveMount) -> str | None:
    """What a mount brings in, named so that two containers' mounts of it compare equal;
    sockets are left to the Docker socket item."""
    if mount.kind == "volume" and mount.name:
        name = mount.name[:12] if _ANONYMOUS_VOLUME.match(mount.name) else mount.name
        return f"volume {name}"
    path = mount.host_path
    if path is None or path.endswith(".sock"):
        return None
    return path


def _uses(container: ContainerFacts) -> list[_Use]:
    """The volumes and host paths a container mounts, borrowed ones (``VolumesFrom``)
    included: the engine lists those in ``Mounts`` too."""
    uses = []
    for mount in container_mounts(container):
        storage = _storage(mount)
        if storage is not None:
            uses.append(_Use(container.name, storage, mount.writable, mount.evidence))
    return uses


def _judge_sharing(container: ContainerFacts, uses: dict[str, list[_Use]]) -> Finding:
    mine = uses.get(container.name, [])
    writers: dict[str, set[str]] = {}
    for name, container_uses in uses.items():
        for use in container_uses:
            if use.writable:
                writers.setdefault(use.storage, set()).add(name)
    borrowed = container.get("HostConfig.VolumesFrom")
    from_evidence = (container.evidence("HostConfig.VolumesFrom"),) if borrowed else ()
    shared = [use for use in mine if use.writable and len(writers[use.storage]) > 1]
    if shared:
        described = [
            f"{use.storage} with {', '.join(sorted(writers[use.storage] - {container.name}))}"
            for use in shared
        ]
        return Finding(
            container.target,
            Status.FAIL,
            f"writes to storage other containers also write to: {names(described, '; ')}",
            tuple(use.evidence for use in shared) + from_evidence,
        )
    others = {u.storage for name, used in uses.items() if name != container.name for u in used}
    common = sorted({use.storage for use in mine} & others)
    if common:
        return Finding(
            container.target,
            Status.PASS,
            f"shares {names(common)} with other containers; none of them writes where it writes",
            tuple(use.evidence for use in mine if use.storage in common) + from_evidence,
        )
    return Finding(
        container.target,
        Status.PASS,
        "shares no volume with another container",
        (container.evidence("Mounts"),),
    )


def shared_volumes(facts: ProjectFacts) -> list[Finding]:
    """FAIL for a volume or host path that this container and another container on the
    same engine both mount writable (directly or through ``VolumesFrom``): a compromise
    of either can change what the other reads or runs. Shared read-only by all but one
    writer passes."""
    findings: list[Finding] = []
    for engine in engines(facts):
        uses = {container.name: _uses(container) for container in engine.containers}
        findings.extend(_judge_sharing(container, uses) for container in engine.containers)
    return findings


docker_socket = per_container(_docker_socket)
sensitive_mounts = combine(per_container(_sensitive_mounts), per_image(_image_volumes))
mount_propagation = per_container(_mount_propagation)
read_only_rootfs = per_container(_read_only_rootfs)
tmpfs_exec = per_container(_tmpfs_exec)
host_devices = per_container(_host_devices)

DETECTORS: dict[str, Detector] = {
    "docker_socket": docker_socket,
    "sensitive_mounts": sensitive_mounts,
    "mount_propagation": mount_propagation,
    "read_only_rootfs": read_only_rootfs,
    "tmpfs_exec": tmpfs_exec,
    "host_devices": host_devices,
    "shared_volumes": shared_volumes,
}
"""The detectors of this module, by the names the checklists use."""
