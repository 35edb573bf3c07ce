"""Normalised views of compose service keys that come in several syntaxes.

Ports (short ``"127.0.0.1:8080:80/udp"`` and long ``{target, published, host_ip}``),
volumes (short ``src:dst:ro`` and long ``{type, source, target}``), ``security_opt``
entries (``name=value`` and the older ``name:value``), resource limits (top-level keys
and ``deploy.resources.limits``) and environment variables, each with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reviewtui.project.compose_yaml import EntryMeta, Location, Substitution, YamlList, YamlMap

ALL_INTERFACES = frozenset({"", "0.0.0.0", "::", "[::]", "*"})
_PROPAGATIONS = frozenset({"shared", "rshared", "slave", "rslave", "private", "rprivate"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})


@dataclass(frozen=True)
class PortBinding:
    """One ``ports`` entry: published on ``host_ip`` (empty: all interfaces) at ``published``
    (empty: a port the engine picks) to the container's ``target``."""

    host_ip: str
    published: str
    target: str
    protocol: str
    mode: str
    location: Location
    text: str
    from_unset_variable: bool = False

    @property
    def line(self) -> int:
        """The 1-based line of the entry."""
        return self.location.line

    @property
    def all_interfaces(self) -> bool:
        """True when the port is reachable on every address of the host."""
        return self.host_ip.strip() in ALL_INTERFACES


@dataclass(frozen=True)
class Mount:
    """One ``volumes`` entry. ``kind`` is bind, volume, tmpfs, npipe, cluster or image;
    ``source`` is a host path for binds, a volume name for named volumes, empty for an
    anonymous volume."""

    kind: str
    source: str
    target: str
    read_only: bool
    propagation: str | None
    location: Location
    text: str
    from_unset_variable: bool = False

    @property
    def line(self) -> int:
        """The 1-based line of the entry."""
        return self.location.line


@dataclass(frozen=True)
class SecurityOption:
    """One ``security_opt`` entry split at its first ``=`` or ``:``; ``value`` may be empty."""

    name: str
    value: str
    location: Location
    text: str


@dataclass(frozen=True)
class Limit:
    """A resource limit as written (``"512m"``, ``0.5``, ``100``), with the key it came from."""

    key: str
    value: Any
    location: Location
    substitution: Substitution | None = None

    @property
    def from_unset_variable(self) -> bool:
        """True when the value was left empty by a variable set nowhere in the project."""
        return (
            self.substitution is not None
            and bool(self.substitution.unset)
            and str(self.value).strip() == ""
        )


@dataclass(frozen=True)
class EnvVariable:
    """One ``environment`` (or ``build.args``) entry; ``value`` None means "from the shell"."""

    name: str
    value: str | None
    location: Location
    substitution: Substitution | None


def is_true(value: Any) -> bool:
    """Compose's reading of a boolean that may have come through a variable as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in _TRUE_WORDS


def parse_ports(value: Any) -> list[PortBinding]:
    """Every entry of a ``ports`` value, short or long syntax; unreadable entries are left out."""
    if not isinstance(value, YamlList):
        return []
    bindings = []
    for item, meta in value.entries():
        if isinstance(item, YamlMap):
            binding = _long_port(item, meta)
        elif isinstance(item, str | int):
            binding = _short_port(str(item), meta)
        else:
            binding = None
        if binding is not None:
            bindings.append(binding)
    return bindings


def _short_port(text: str, meta: EntryMeta) -> PortBinding | None:
    spec, _, protocol = text.strip().partition("/")
    if not spec:
        return None
    # The engine's own split: the last part is the container port, the one before the
    # host port, and everything before that the address (IPv6 may be in brackets).
    parts = spec.split(":")
    target = parts[-1]
    published = parts[-2] if len(parts) >= 2 else ""
    host_ip = ":".join(parts[:-2]) if len(parts) >= 3 else ""
    host_ip = host_ip.strip()
    if host_ip.startswith("[") and host_ip.endswith("]") and host_ip != "[::]":
        host_ip = host_ip[1:-1]
    unset = _unset(meta.substitution)
    return PortBinding(
        host_ip,
        published.strip(),
        target.strip(),
        protocol or "tcp",
        "",
        meta.location,
        text,
        unset,
    )


def _long_port(item: YamlMap, meta: EntryMeta) -> PortBinding | None:
    target = item.get("target")
    if target is None:
        return None
    host_ip = str(item.get("host_ip") or "")
    if host_ip.startswith("[") and host_ip.endswith("]") and host_ip != "[::]":
        host_ip = host_ip[1:-1]
    published = item.get("published")
    unset = _unset(item.substitution_of("host_ip")) or _unset(item.substitution_of("published"))
    text = ", ".join(
        f"{key}: {item[key]}" for key in ("host_ip", "published", "target") if key in item
    )
    return PortBinding(
        host_ip,
        "" if published is None else str(published),
        str(target),
        str(item.get("protocol") or "tcp"),
        str(item.get("mode") or ""),
        item.location_of("target") if "host_ip" not in item else item.location_of("host_ip"),
        text,
        unset,
    )


def parse_volumes(value: Any) -> list[Mount]:
    """Every entry of a service's ``volumes`` value, short or long syntax."""
    if not isinstance(value, YamlList):
        return []
    mounts = []
    for item, meta in value.entries():
        if isinstance(item, YamlMap):
            mount = _long_volume(item, meta)
        elif isinstance(item, str):
            mount = _short_volume(item, meta)
        else:
            mount = None
        if mount is not None:
            mounts.append(mount)
    return mounts


def split_short_volume(text: str) -> tuple[str, str, str]:
    """``src:dst:mode`` as (source, target, mode); a lone path is an anonymous volume."""
    drive = ""
    rest = text
    if _WINDOWS_DRIVE.match(text):
        drive, rest = text[:2], text[2:]
    parts = rest.split(":")
    if drive:
        parts[0] = drive + parts[0]
    if len(parts) == 1:
        return "", parts[0], ""
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return parts[0], parts[1], ":".join(parts[2:])


def is_host_path(source: str) -> bool:
    """True when a short-syntax source is a host path rather than a volume name."""
    return source.startswith(("/", ".", "~", "$", "\\")) or bool(_WINDOWS_DRIVE.match(source))


def _short_volume(text: str, meta: EntryMeta) -> Mount | None:
    source, target, mode = split_short_volume(text.strip())
    if not target:
        return None
    raw = meta.substitution.raw.strip() if meta.substitution is not None else text
    options = {option.strip() for option in mode.split(",") if option.strip()}
    if not source:
        kind = "volume"
    elif is_host_path(source) or raw.startswith("$"):
        kind = "bind"
    else:
        kind = "volume"
    propagation = next((option for option in options if option in _PROPAGATIONS), None)
    return Mount(
        kind,
        source,
        target,
        "ro" in options,
        propagation,
        meta.location,
        text,
        _unset(meta.substitution),
    )


def _long_volume(item: YamlMap, meta: EntryMeta) -> Mount | None:
    target = item.get("target")
    if not target:
        return None
    source = "" if item.get("source") is None else str(item.get("source"))
    kind = str(item.get("type") or ("bind" if is_host_path(source) else "volume"))
    bind = item.get("bind")
    propagation = None
    if isinstance(bind, YamlMap) and bind.get("propagation"):
        propagation = str(bind["propagation"])
    location = item.location_of("source") if "source" in item else meta.location
    text = ", ".join(f"{key}: {item[key]}" for key in ("type", "source", "target") if key in item)
    return Mount(
        kind,
        source,
        str(target),
        is_true(item.get("read_only")),
        propagation,
        location,
        text,
        _unset(item.substitution_of("source")),
    )


def parse_security_options(value: Any) -> list[SecurityOption]:
    """The ``security_opt`` entries, split at whichever of ``=`` and ``:`` comes first."""
    if not isinstance(value, YamlList):
        return []
    options = []
    for item, meta in value.entries():
        if not isinstance(item, str):
            continue
        text = item.strip()
        cut = min((i for i in (text.find("="), text.find(":")) if i != -1), default=-1)
        name, option = (text, "") if cut == -1 else (text[:cut], text[cut + 1 :])
        options.append(SecurityOption(name.strip().lower(), option.strip(), meta.location, text))
    return options


def find_limit(service: YamlMap, top_keys: tuple[str, ...], deploy_key: str) -> list[Limit]:
    """Every place a resource limit is set: the top-level keys, then
    ``deploy.resources.limits.<deploy_key>``."""
    found = []
    for key in top_keys:
        if key in service and service[key] is not None:
            found.append(
                Limit(key, service[key], service.location_of(key), service.substitution_of(key))
            )
    limits = _dig(service, "deploy", "resources", "limits")
    if isinstance(limits, YamlMap) and limits.get(deploy_key) is not None:
        found.append(
            Limit(
                f"deploy.resources.limits.{deploy_key}",
                limits[deploy_key],
                limits.location_of(deploy_key),
                limits.substitution_of(deploy_key),
            )
        )
    return found


def parse_environment(value: Any) -> list[EnvVariable]:
    """The entries of an ``environment`` or ``build.args`` mapping (lists were made mappings
    when the service was read)."""
    if not isinstance(value, YamlMap):
        return []
    variables = []
    for name, item in value.items():
        meta = value.meta[name]
        text = (
            None if item is None else (str(item).lower() if isinstance(item, bool) else str(item))
        )
        variables.append(EnvVariable(str(name), text, meta.location, meta.substitution))
    return variables


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, YamlMap):
            return None
        value = value.get(key)
    return value


def _unset(substitution: Substitution | None) -> bool:
    return substitution is not None and bool(substitution.unset)
