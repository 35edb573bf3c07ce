"""Compose and inspect values made comparable: sizes, numbers, image references, users,
capabilities, limits, network modes, host addresses, port ranges, bind paths, restart
policies and health checks."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from reviewtui.detect.compose_checks.lifecycle import MAX_RETRIES, NEVER_RESTART
from reviewtui.detect.compose_checks.user import is_root_user
from reviewtui.detect.live_checks.container_privileges import DEFAULT_CAPS
from reviewtui.live.facts import ContainerFacts
from reviewtui.project.compose_views import ALL_INTERFACES, Limit
from reviewtui.project.dockerfile import parse_image_ref

_BYTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?\s*$", re.IGNORECASE)
_UNIT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def memory_bytes(value: Any) -> int | None:
    """A compose memory size in bytes, as compose reads it: a number is bytes, ``64m``,
    ``1g``, ``512M``, ``"1.5gb"`` and ``2GiB`` count in powers of 1024; -1 and 0 mean no
    limit (0). None when it cannot be read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(int(value), 0)
    text = str(value).strip()
    if text == "-1":
        return 0
    match = _BYTES.match(text)
    if match is None:
        return None
    return int(float(match.group(1)) * _UNIT[match.group(2).lower()])


def as_number(value: Any) -> float | None:
    """A compose number as a float; None for a boolean or text that is no number."""
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def image_key(reference: str) -> tuple[str, str, str | None, str | None] | None:
    """An image reference made comparable: registry, repository, and the digest or else
    the tag (``latest`` when none is written)."""
    ref = parse_image_ref(reference)
    if ref is None:
        return None
    if ref.digest:
        return ref.registry, ref.repository, None, ref.digest
    return ref.registry, ref.repository, ref.tag or "latest", None


def is_root(user: str | None) -> bool | None:
    """Root in any spelling (an empty user is the image's default, root); None unknown."""
    if user is None:
        return None
    name = user.strip().split(":", 1)[0].strip()
    return not name or is_root_user(user) or (name.isdigit() and int(name) == 0)


def dropped_caps(names_: set[str]) -> frozenset[str]:
    """The default capabilities a cap_drop list removes (the others are not there)."""
    return DEFAULT_CAPS if "ALL" in names_ else frozenset(names_) & DEFAULT_CAPS


def declared_limit(
    limits: list[Limit], parse: Callable[[Any], float | None]
) -> tuple[float, Limit | None] | None:
    """The first limit above 0 the file sets, with where; 0 for none; None when a value
    cannot be read or came from a variable set nowhere."""
    for limit in limits:
        if limit.from_unset_variable:
            return None
        value = parse(limit.value)
        if value is None:
            return None
        if value > 0:
            return value, limit
    return 0.0, None


def running_number(container: ContainerFacts, field: str) -> float | None:
    """An inspect number as a float, at least 0: 0 when the field is missing, None
    when it holds something else."""
    value = container.get(field)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(float(value), 0.0)


def network_class(mode: str) -> str:
    """A network mode as compared: ``host``, ``none`` or ``other``."""
    mode = mode.strip().lower()
    return mode if mode in ("host", "none") else "other"


def host_address(host_ip: str) -> str:
    """A host address as compared: empty for every interface, IPv6 without brackets."""
    address = host_ip.strip()
    if address in ALL_INTERFACES:
        return ""
    return address[1:-1] if address.startswith("[") and address.endswith("]") else address


def port_pairs(published: str, target: str) -> list[tuple[str, str]]:
    """(host port, container port) pairs; ranges of equal length pair up port by port."""
    low, dash, high = target.partition("-")
    if not dash or not (low.isdigit() and high.isdigit()):
        return [(published, target)]
    targets = [str(port) for port in range(int(low), int(high) + 1)]
    first, dash, last = published.partition("-")
    if not published:
        return [("", port) for port in targets]
    if dash and first.isdigit() and last.isdigit() and int(last) - int(first) + 1 == len(targets):
        return list(zip((str(p) for p in range(int(first), int(last) + 1)), targets, strict=True))
    return [(published, port) for port in targets]


def bind_path(folder: str, source: str) -> str | None:
    """The host path of a bind's source, relative ones against the project folder; None
    for one that cannot be told here (``~``, a variable)."""
    source = source.strip()
    if source.startswith("/"):
        return posixpath.normpath(source)
    if source.startswith(".") and folder.startswith("/"):
        return posixpath.normpath(posixpath.join(folder, source))
    return None


def restart_policy(name: str, count: Any) -> tuple[str, int] | None:
    """A restart policy as (name, retries); None when the count cannot be read."""
    name = name.strip().lower()
    if name in NEVER_RESTART:
        return "no", 0
    if name != "on-failure":
        return name, 0
    if count is None or count == "":
        return name, 0
    if isinstance(count, bool):
        return None
    try:
        return name, int(str(count).strip())
    except ValueError:
        return None


def restarts_unbounded(policy: tuple[str, int]) -> bool:
    """Whether the policy restarts a failing container without bound: ``on-failure``
    with no count, or more than ``MAX_RETRIES``."""
    name, retries = policy
    return name == "on-failure" and (retries <= 0 or retries > MAX_RETRIES)


def health_state(test: Any) -> str:
    """``off`` for ``["NONE"]``, ``test`` for a test, empty for none."""
    if not test:
        return ""
    first = test[0] if isinstance(test, list) else test
    return "off" if str(first).strip().upper() == "NONE" else "test"
