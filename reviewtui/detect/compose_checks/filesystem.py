"""Filesystem detectors: a read-only root filesystem, and tmpfs mounts that keep Docker's
``noexec`` and ``nosuid`` (CIS 5.13)."""

from __future__ import annotations

from reviewtui.detect.compose_checks.findings import finding, names, per_service
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import is_true
from reviewtui.project.compose_yaml import Location, YamlList

# Docker mounts every tmpfs noexec, nosuid and nodev, and an option of the same name
# without "no" turns that default off. ``dev`` is left out: the device cgroup still
# refuses device nodes there, as it does everywhere else in the container.
_WEAKENING_OPTIONS = {"exec": "noexec", "suid": "nosuid"}


def _read_only_rootfs(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS for ``read_only: true`` (CIS 5.13)."""
    if is_true(service.get("read_only")):
        return finding(
            service, Status.PASS, "root filesystem is read-only", service.evidence("read_only")
        )
    return finding(
        service,
        Status.FAIL,
        "root filesystem is writable: set read_only: true "
        "and give the paths it writes to tmpfs or volumes",
        service.evidence("read_only"),
    )


def _tmpfs_entries(service: ComposeService) -> list[tuple[str, Location]]:
    """The ``tmpfs`` entries as written (``/run:exec,size=64m``), with their lines."""
    value = service.get("tmpfs")
    if isinstance(value, str):
        return [(value, service.location_of("tmpfs"))]
    if isinstance(value, YamlList):
        return [(str(item), meta.location) for item, meta in value.entries() if item is not None]
    return []


def _weakened(entry: str) -> list[str]:
    options = {option.strip().lower() for option in entry.partition(":")[2].split(",")}
    return [option for option in _WEAKENING_OPTIONS if option in options]


def _tmpfs_exec(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for a ``tmpfs`` entry with ``exec`` or ``suid``, which turn off the ``noexec``
    and ``nosuid`` Docker gives every tmpfs; an entry without options keeps them. The long
    syntax (``volumes: [{type: tmpfs}]``) cannot set either, so it always passes."""
    entries = _tmpfs_entries(service)
    weak = [(entry, location, _weakened(entry)) for entry, location in entries]
    weak = [item for item in weak if item[2]]
    if weak:
        described = [f"{entry.partition(':')[0]} ({', '.join(opts)})" for entry, _, opts in weak]
        return finding(
            service,
            Status.FAIL,
            f"tmpfs allows what Docker forbids by default: {names(described)}; "
            "dropped programs can run from it",
            *(service.evidence_at(location) for _, location, _ in weak),
        )
    tmpfs = [mount.target for mount in service.volumes() if mount.kind == "tmpfs"]
    tmpfs += [entry.partition(":")[0] for entry, _ in entries]
    if tmpfs:
        return finding(
            service,
            Status.PASS,
            f"tmpfs mounts keep noexec and nosuid: {names(tmpfs)}",
            service.evidence("tmpfs"),
        )
    return finding(service, Status.PASS, "no tmpfs mount", service.evidence("tmpfs"))


read_only_rootfs = per_service(_read_only_rootfs)
tmpfs_exec = per_service(_tmpfs_exec)

DETECTORS = {
    "read_only_rootfs": read_only_rootfs,
    "tmpfs_exec": tmpfs_exec,
}
"""The detectors of this module, by the names the checklists use."""
