"""Compose changes that take powers away from a service: capabilities, privilege gains,
writes to its root filesystem and the Docker socket."""

from __future__ import annotations

import posixpath
from typing import Any

from reviewtui.fix.compose_change import Changed, Failing
from reviewtui.fix.compose_defaults import IMAGE_WRITES, SCRATCH, SWITCHES_USER, image_name
from reviewtui.fix.compose_edit import ComposeText, DataPath, EditRefused
from reviewtui.fix.compose_judge import entry_fails
from reviewtui.project.compose_views import split_short_volume

_NO_NEW_PRIVILEGES = "no-new-privileges"
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def cap_drop_all(failing: Failing) -> Changed:
    """``ALL`` added to the service's ``cap_drop`` (written when missing)."""
    doc = _add_to_list(failing.doc, failing.key("cap_drop"), ["ALL"])
    image = image_name(str(failing.service.get("image", default="")))
    needs = (
        f" The {image} image's entrypoint fixes its data folder's owner and switches "
        "to its own user: it needs cap_add CHOWN, SETUID and SETGID (maybe DAC_OVERRIDE "
        "and FOWNER)."
        if image in SWITCHES_USER
        else ""
    )
    return Changed(
        doc,
        "Drop every capability (cap_drop: [ALL])",
        "Without capabilities, a service that changes file owners (CHOWN, FOWNER), "
        "switches users (SETUID, SETGID), sends raw packets (NET_RAW, as ping does) or "
        "binds ports below 1024 on an engine older than 20.10 (NET_BIND_SERVICE) fails "
        "with 'Operation not permitted'." + needs,
        "Start the service, use it and read its logs for 'Operation not permitted'; add "
        "back with cap_add only the capabilities it needs.",
    )


def no_new_privileges(failing: Failing) -> Changed:
    """``no-new-privileges:true`` in ``security_opt``: appended, or the entry that says
    false turned to true."""
    doc, path = failing.doc, failing.key("security_opt")
    entries = doc.value(path) if doc.owns(path) else None
    index = _weak_option(entries) if isinstance(entries, list) else None
    if index is not None:
        written = str(entries[index]) if isinstance(entries, list) else ""
        separator = written[len(_NO_NEW_PRIVILEGES)]
        doc = doc.replace(path + (index,), f"{_NO_NEW_PRIVILEGES}{separator}true")
    else:
        separator = "=" if _uses_equals(entries) else ":"
        doc = _add_to_list(doc, path, [f"{_NO_NEW_PRIVILEGES}{separator}true"])
    return Changed(
        doc,
        "Forbid gaining privileges (security_opt: no-new-privileges:true)",
        "Processes can no longer gain privileges through setuid or setgid programs or "
        "file capabilities: sudo, su and similar fail inside the container. An "
        "entrypoint that starts as root and drops to a user (gosu, su-exec) still works.",
        "Check that the service never switches to a more privileged user after it "
        "starts, then start it and use it.",
    )


def read_only_rootfs(failing: Failing) -> Changed:
    """``read_only: true``, with tmpfs for /tmp and the paths known images write to."""
    service = failing.service
    doc, path = failing.doc, failing.key("read_only")
    if doc.owns(path):
        if "$" in str(doc.value(path)):
            raise EditRefused("read_only comes from a variable")
        doc = doc.replace(path, True)
    else:
        doc = doc.insert(failing.path, "read_only", True)
    image = image_name(str(service.get("image", default="")))
    wanted = list(SCRATCH) + list(IMAGE_WRITES.get(image, ()))
    covered = _writable_targets(service.data)
    added = [path for path in wanted if not _covers(covered, path)]
    if added:
        doc = _add_to_list(doc, failing.key("tmpfs"), added)
    paths = ", ".join(added) if added else "none needed"
    return Changed(
        doc,
        f"Make the root filesystem read-only (read_only: true; tmpfs: {paths})",
        "The service can now write only to its volumes and tmpfs mounts; a tmpfs is "
        "empty at each start and held in memory. A program that writes anywhere else "
        "(a cache, a PID file, logs under /var/log) fails with 'Read-only file system'.",
        "Start the service, use it and read its logs for 'Read-only file system'; give "
        "each path it must write a tmpfs entry (scratch files) or a volume (data to "
        "keep).",
    )


def no_docker_socket(failing: Failing) -> Changed:
    """The ``volumes`` entries that bring in the Docker socket (or its folder) removed."""
    service = failing.service
    doc, path = failing.doc, failing.key("volumes")
    entries = doc.value(path)
    if not doc.owns(path) or not isinstance(entries, list):
        raise EditRefused("volumes is not written in the service")
    hits = [
        index
        for index in range(len(entries))
        if entry_fails("docker_socket", service, "volumes", index)
    ]
    if not hits:
        raise EditRefused("no entry of its own mounts the socket")
    if len(hits) == len(entries) and not doc.is_flow(path):
        doc = doc.remove(path)
    else:
        for index in reversed(hits):
            doc = doc.remove(path + (index,))
    removed = ", ".join(_mount_text(entries[index]) for index in hits)
    return Changed(
        doc,
        f"Remove the Docker socket mount ({removed})",
        "The service loses the Docker API: a tool that watches, starts or manages "
        "containers (a reverse proxy reading labels, Portainer, Watchtower, a CI runner) "
        "stops working.",
        "If the service needs the API, give it a socket proxy that allows only the calls "
        "it makes (read-only where it only watches) instead of the socket; otherwise "
        "check that it starts and works without it.",
    )


def _add_to_list(doc: ComposeText, path: DataPath, values: list[str]) -> ComposeText:
    """``values`` appended to the service's list at ``path``: the list written when the
    service has none, refused when the list comes from a ``<<`` merge (writing it here
    would drop what the merge brings), except for ``cap_drop: [ALL]``, which drops all
    the merge would."""
    if doc.owns(path):
        current = doc.value(path)
        if current is None:
            return doc.replace(path, values)
        if isinstance(current, str) and path[-1] == "tmpfs":
            return doc.replace(path, [current, *values])
        if not isinstance(current, list):
            raise EditRefused(f"{path[-1]} is not a list")
        for value in values:
            doc = doc.append(path, value)
        return doc
    inherited = doc.value(path)
    if inherited is not None and values != ["ALL"]:
        raise EditRefused(f"{path[-1]} comes from a merge")
    return doc.insert(path[:-1], str(path[-1]), values)


def _weak_option(entries: list[Any]) -> int | None:
    """The index of a ``no-new-privileges`` entry that switches it off, if any."""
    for index, entry in enumerate(entries):
        text = str(entry).strip()
        if not text.lower().startswith(_NO_NEW_PRIVILEGES) or "$" in text:
            continue
        rest = text[len(_NO_NEW_PRIVILEGES) :]
        if rest[:1] in ("=", ":") and rest[1:].strip().lower() in _FALSE_WORDS:
            return index
    return None


def _uses_equals(entries: Any) -> bool:
    """True when the service's other options are written ``name=value``."""
    if not isinstance(entries, list):
        return False
    texts = [str(entry) for entry in entries]
    return any("=" in text for text in texts) and not any(
        ":" in text and "=" not in text for text in texts
    )


def _writable_targets(data: dict[Any, Any]) -> list[str]:
    """The container paths a service already writes through a volume or tmpfs."""
    targets = []
    volumes = data.get("volumes")
    for entry in volumes if isinstance(volumes, list) else []:
        if isinstance(entry, dict) and entry.get("target"):
            targets.append(str(entry["target"]))
        elif isinstance(entry, str):
            targets.append(split_short_volume(entry.strip())[1])
    tmpfs = data.get("tmpfs")
    for entry in [tmpfs] if isinstance(tmpfs, str) else tmpfs or []:
        targets.append(str(entry).partition(":")[0])
    return [posixpath.normpath(target) for target in targets if target.startswith("/")]


def _mount_text(entry: Any) -> str:
    """A volume entry as the short syntax would write it."""
    if isinstance(entry, dict):
        return f"{entry.get('source', '')}:{entry.get('target', '')}"
    return str(entry)


def _covers(targets: list[str], path: str) -> bool:
    """True when a mount at one of ``targets`` holds ``path``; /var/run is /run in the
    images that have both."""
    wanted = _run_folder(path)
    return any(
        wanted == target or wanted.startswith(target.rstrip("/") + "/")
        for target in map(_run_folder, targets)
    )


def _run_folder(path: str) -> str:
    return "/run" + path[len("/var/run") :] if path.split("/")[1:3] == ["var", "run"] else path
