"""Compose changes that narrow who can reach a service: its published ports and the
networks of its back ends."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.fix.compose_change import Changed, Failing
from reviewtui.fix.compose_defaults import ALL_V6, LOOPBACK, LOOPBACK_V6
from reviewtui.fix.compose_edit import ComposeText, DataPath, EditRefused
from reviewtui.project.compose_model import ComposeProject, ComposeService
from reviewtui.project.compose_views import ALL_INTERFACES, is_true

_UNJOINED_MODES = ("host", "none", "service:", "container:", "bridge", "default")


def port_binding(failing: Failing) -> Changed:
    """Every port published on all interfaces bound to the loopback address instead:
    ``"8080:80"`` becomes ``"127.0.0.1:8080:80"``, a long-syntax entry gets ``host_ip``."""
    doc, path = failing.doc, failing.key("ports")
    ports = doc.value(path)
    if not doc.owns(path) or not isinstance(ports, list):
        raise EditRefused("ports is not written in the service")
    bound = []
    for index, entry in enumerate(ports):
        if isinstance(entry, dict):
            doc = _bind_long(doc, path + (index,), entry)
            changed = doc.value(path + (index,)) != entry
        elif isinstance(entry, str | int) and not isinstance(entry, bool):
            local = bound_locally(str(entry))
            changed = local != str(entry)
            if changed:
                doc = doc.replace(path + (index,), local)
        else:
            changed = False
        if changed:
            bound.append(_shown(entry))
    if not bound:
        raise EditRefused("no entry of its own is published on all interfaces")
    return Changed(
        doc,
        f"Publish on the loopback address only ({names(bound)})",
        f"The ports answer only on this host ({LOOPBACK}, {LOOPBACK_V6} for IPv6): other "
        "machines, a reverse proxy or load balancer on another host among them, can no "
        "longer reach them.",
        "If other hosts must reach the service, bind each port to the address of the "
        "interface they use instead (or keep it open and record why); then check the "
        "service from where it is used.",
    )


def bound_locally(text: str) -> str:
    """A short-syntax port bound to the loopback address; ``text`` itself when it names
    an address already. Raises EditRefused when a variable gives the address."""
    parts = _split_port(text)
    if len(parts) == 1:
        return f"{LOOPBACK}::{text}"
    if len(parts) == 2:
        return f"{LOOPBACK}:{text}"
    host = ":".join(parts[:-2]).strip()
    rest = ":".join(parts[-2:])
    if "$" in host:
        raise EditRefused("a variable gives the host address")
    if host in ALL_V6:
        return f"{LOOPBACK_V6}:{rest}"
    if host in ALL_INTERFACES:
        return f"{LOOPBACK}:{rest}"
    return text


def network_segmentation(failing: Failing) -> Changed:
    """``internal: true`` on each network of the back end that is not internal, when no
    service on it needs it to reach or be reached from outside: a service that publishes
    ports must keep a network that stays open."""
    project, service = failing.project, failing.service
    # TODO: services of override or included files that join these networks are not
    # seen here; the rescan after the fix shows what they make of it.
    closing = _open_networks(project, service)
    if not closing:
        raise EditRefused("no open network to close")
    members: list[str] = []
    for network in closing:
        for member in project.services:
            if network not in _joined(member):
                continue
            still_open = [
                name
                for name in _joined(member)
                if name not in closing and not _internal(project, name)
            ]
            if member.ports() and not still_open:
                raise EditRefused(f"{member.name} publishes ports only through {network}")
            members.append(member.name)
    doc = failing.doc
    for network in closing:
        doc = _make_internal(doc, network)
    shown = names(closing)
    others = [name for name in dict.fromkeys(members) if name != service.name]
    also = f" (and {names(others)}, on it too)" if others else ""
    return Changed(
        doc,
        f"Make the back end's networks internal ({shown}: internal: true)",
        f"Containers on {shown}{also} can no longer reach anything outside the host: no "
        "internet, no other hosts; ports published through it no longer work. A back end "
        "that calls outside APIs, sends mail or fetches updates loses that.",
        f"Check that no service on {shown} must reach outside the host or be reached "
        "from it; give one that must a second network that is not internal.",
    )


def _bind_long(doc: ComposeText, path: DataPath, entry: dict[Any, Any]) -> ComposeText:
    host = entry.get("host_ip")
    if "host_ip" not in entry:
        return doc.insert(path, "host_ip", LOOPBACK)
    text = "" if host is None else str(host).strip()
    if "$" in text:
        raise EditRefused("a variable gives the host address")
    if text in ALL_V6:
        return doc.replace(path + ("host_ip",), LOOPBACK_V6.strip("[]"))
    if text in ALL_INTERFACES:
        return doc.replace(path + ("host_ip",), LOOPBACK)
    return doc


def _split_port(text: str) -> list[str]:
    """``text`` split at the colons that are not inside ``${...}``."""
    parts, current, depth = [], "", 0
    for index, character in enumerate(text):
        if character == "{" and text[index - 1 : index] == "$":
            depth += 1
        elif character == "}" and depth:
            depth -= 1
        if character == ":" and not depth:
            parts.append(current)
            current = ""
        else:
            current += character
    parts.append(current)
    return parts


def _shown(entry: Any) -> str:
    """A port entry as the short syntax would write it."""
    if isinstance(entry, dict):
        published = entry.get("published")
        return f"{published}:{entry.get('target')}" if published else str(entry.get("target"))
    return str(entry)


def _joined(service: ComposeService) -> list[str]:
    """The networks a service joins: its own list, else the project's default."""
    mode = str(service.get("network_mode", default="")).strip().lower()
    if mode and mode.startswith(_UNJOINED_MODES):
        return []
    attached = service.get("networks")
    return (
        [str(name) for name in attached]
        if isinstance(attached, dict) and attached
        else ["default"]
    )


def _internal(project: ComposeProject, network: str) -> bool:
    declared = project.networks.get(network)
    return isinstance(declared, dict) and is_true(declared.get("internal"))


def _external(declared: Any) -> bool:
    """True for a network made elsewhere, also in the old ``external: {name: x}`` form."""
    if not isinstance(declared, dict):
        return False
    external = declared.get("external")
    return isinstance(external, dict) or is_true(external)


def _open_networks(project: ComposeProject, service: ComposeService) -> list[str]:
    """The back end's networks that are neither internal nor external."""
    found = []
    for name in _joined(service):
        declared = project.networks.get(name)
        if _internal(project, name) or _external(declared):
            continue
        found.append(name)
    return found


def _make_internal(doc: ComposeText, network: str) -> ComposeText:
    """``internal: true`` on the top-level network ``network`` (declared when missing,
    which only the project's ``default`` network may be)."""
    networks = doc.value(("networks",))
    path: DataPath = ("networks", network)
    if isinstance(networks, dict) and network in networks:
        declared = networks[network]
        if not doc.owns(path):
            raise EditRefused(f"network {network} comes from a merge")
        if declared is None:
            return doc.replace(path, {"internal": True})
        if not isinstance(declared, dict) or "external" in declared:
            raise EditRefused(f"network {network} is not a mapping of this project's own")
        if doc.owns(path + ("internal",)):
            return doc.replace(path + ("internal",), True)
        return doc.insert(path, "internal", True)
    if network != "default":
        raise EditRefused(f"network {network} is declared nowhere in the file")
    if networks is None and doc.owns(("networks",)):
        return doc.replace(("networks",), {"default": {"internal": True}})
    if networks is None:
        return doc.insert((), "networks", {"default": {"internal": True}})
    if not isinstance(networks, dict) or not doc.owns(("networks",)):
        raise EditRefused("networks is not a mapping written here")
    return doc.insert(("networks",), "default", {"internal": True})
