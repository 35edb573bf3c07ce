"""Host devices a service maps in, and device cgroup rules that open them (CIS 5.18)."""

from __future__ import annotations

import posixpath
import re

from reviewtui.detect.compose_checks.findings import finding, names, per_service
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import is_true
from reviewtui.project.compose_yaml import Location, YamlList, YamlMap, spelled

# Devices that hand over the host: all of /dev, the disks (raw reads and writes around
# every file permission), physical memory and I/O ports, the kernel log, and the input
# devices (every key typed on the host).
DANGEROUS_DEVICE = re.compile(
    r"^/dev(/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme|mmcblk|md\d|md/|dm-|mapper/|disk/|block/"
    r"|loop|nbd|zd\d|zvol/|rbd|mem$|kmem$|port$|kmsg$|input)|$)"
)
_SLASHES = re.compile("/+")

Hit = tuple[str, Evidence]
"""A device or rule as a reason names it, with the line that maps it."""

_CGROUP_RULE = re.compile(r"^([abc])\s+(\*|\d+):(\*|\d+)\s+([rwm]+)$")


def _device_parts(item: object) -> tuple[str, str, str] | None:
    """The host side of a ``devices`` entry, its permissions and how a reason names the
    entry (short or long syntax); None for an entry that names no device."""
    if isinstance(item, YamlMap):
        if "source" not in item:
            return None
        source, permissions = item.get("source"), item.get("permissions")
        shown = spelled(item.get("target") or source)
        return (
            "" if source is None else str(source),
            "" if permissions is None else str(permissions),
            shown,
        )
    if not isinstance(item, str | int):
        return None
    parts = str(item).strip().split(":")
    return parts[0], parts[2] if len(parts) == 3 else "", str(item).strip()


def _opens(permissions: str) -> bool:
    """False when the permissions allow neither reading nor writing (``m`` alone)."""
    return not permissions or bool(set(permissions) & set("rw"))


def _device_entries(service: ComposeService) -> list[tuple[object, Location]]:
    """The ``devices`` entries with their lines; a lone string (which compose refuses)
    still counts as one, so a device it names is not missed."""
    value = service.get("devices")
    if isinstance(value, YamlList):
        return [(item, meta.location) for item, meta in value.entries()]
    if isinstance(value, str):
        return [(value, service.location_of("devices"))]
    return []


def _devices(service: ComposeService) -> tuple[list[Hit], list[Hit]]:
    """The dangerous devices and the others, each with its evidence."""
    dangerous: list[Hit] = []
    others: list[Hit] = []
    for item, location in _device_entries(service):
        parts = _device_parts(item)
        if parts is None:
            continue
        source, permissions, shown = parts
        evidence = service.evidence_at(location)
        # ``//dev/./sda`` names the same node as ``/dev/sda``.
        path = posixpath.normpath(_SLASHES.sub("/", source.strip())) if source.strip() else ""
        if not path:
            # A host side left empty by a variable set nowhere: a person must say which.
            others.append((f"{shown} (host device from an unset variable)", evidence))
        elif DANGEROUS_DEVICE.match(path) and _opens(permissions):
            dangerous.append((path, evidence))
        else:
            others.append((path, evidence))
    return dangerous, others


def _cgroup_rules(service: ComposeService) -> tuple[list[Hit], list[Hit]]:
    """The device cgroup rules that open disks or every device, and the other rules."""
    value = service.get("device_cgroup_rules")
    dangerous: list[Hit] = []
    others: list[Hit] = []
    if not isinstance(value, YamlList):
        return dangerous, others
    for item, meta in value.entries():
        match = _CGROUP_RULE.match(" ".join(str(item).split()))
        if match is None or not set(match.group(4)) & set("rw"):
            continue  # a rule the engine refuses, or one that only allows mknod
        kind, rule = match.group(1), " ".join(str(item).split())
        hit = (f"rule '{rule}'", service.evidence_at(meta.location))
        (dangerous if kind in ("a", "b") else others).append(hit)
    return dangerous, others


def _host_devices(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for all of /dev, disks, memory, the kernel log or input devices in
    ``devices``, and for ``device_cgroup_rules`` that open every device (``a``) or block
    devices (``b``); UNKNOWN for other devices (a GPU, a serial port, a tun device),
    which a person confirms the service needs (CIS 5.18)."""
    if is_true(service.get("privileged")):
        return finding(
            service,
            Status.FAIL,
            "privileged: every host device is available to the container",
            service.evidence("privileged"),
        )
    devices, other_devices = _devices(service)
    rules, other_rules = _cgroup_rules(service)
    dangerous = devices + rules
    if dangerous:
        return finding(
            service,
            Status.FAIL,
            f"opens host devices that hand over the host: {names([d for d, _ in dangerous])}",
            *(where for _, where in dangerous),
        )
    others = other_devices + other_rules
    if others:
        return finding(
            service,
            Status.UNKNOWN,
            f"maps host devices: {names([d for d, _ in others])}; confirm the service needs them",
            *(where for _, where in others),
        )
    return finding(service, Status.PASS, "maps no host devices", service.evidence("devices"))


host_devices = per_service(_host_devices)

DETECTORS = {"host_devices": host_devices}
"""The detectors of this module, by the names the checklists use."""
