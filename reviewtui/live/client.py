"""Connecting to an engine, and one clear sentence for every way that can fail."""

from __future__ import annotations

import errno
from typing import Any

from reviewtui.live.hosts import Endpoint

# The oldest Engine API the docker SDK speaks (Docker 1.12); older engines are refused.
MINIMUM_API = "1.24"


class EngineError(Exception):
    """An engine that could not be read; the message names the host and says why."""


def connect(endpoint: Endpoint, timeout: float, pool_size: int) -> Any:
    """A low-level docker client for ``endpoint``, its API version negotiated.

    The low-level client lists without inspecting; the high-level one would inspect every
    container once more.
    """
    import docker

    try:
        return docker.APIClient(
            base_url=endpoint.url,
            version="auto",
            timeout=timeout,
            tls=endpoint.tls or False,
            # paramiko, not the ssh binary: its errors come back as exceptions instead
            # of being written over the app's screen.
            use_ssh_client=False,
            max_pool_size=pool_size,
        )
    except Exception as error:  # noqa: BLE001 - every failure becomes one message
        raise EngineError(describe(endpoint, error, timeout)) from None


def describe(endpoint: Endpoint, error: BaseException, timeout: float) -> str:
    """What went wrong talking to ``endpoint``, in words a reviewer can act on; the
    caller names the engine (:attr:`Endpoint.label`)."""
    text = _flatten(error)
    lowered = text.lower()
    if _is_permission(error, lowered):
        return (
            "permission denied on the socket; run as a member of the docker group "
            "or point --docker-host at an engine this user may read"
        )
    if "timed out" in lowered or "timeout" in lowered:
        return f"no answer within {timeout:g} s"
    if "api versions below" in lowered or ("client version" in lowered and "too" in lowered):
        return f"the engine speaks an API older than {MINIMUM_API}, which reviewtui cannot read"
    if _is_absent(error, lowered):
        if endpoint.url.startswith("ssh://"):
            return f"ssh could not reach the engine: {_last_line(text)}"
        return "no engine is listening there (is dockerd running?)"
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        return f"the TLS handshake failed: {_last_line(text)}"
    return _last_line(text)


def _flatten(error: BaseException) -> str:
    """The error and its causes as one text, since requests wraps the reason deep down."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return " | ".join(parts)


def _errnos(error: BaseException) -> set[int]:
    found = set()
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            found.add(current.errno)
        for arg in getattr(current, "args", ()):
            if isinstance(arg, OSError) and arg.errno is not None:
                found.add(arg.errno)
        current = current.__cause__ or current.__context__
    return found


def _is_permission(error: BaseException, lowered: str) -> bool:
    return bool(_errnos(error) & {errno.EACCES, errno.EPERM}) or "permission denied" in lowered


def _is_absent(error: BaseException, lowered: str) -> bool:
    absent = {errno.ENOENT, errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH}
    return (
        bool(_errnos(error) & absent)
        or "connection refused" in lowered
        or "no such file" in lowered
        or "connection aborted" in lowered
        or "unable to connect" in lowered
        or "remotedisconnected" in lowered
    )


def _last_line(text: str) -> str:
    """The innermost reason, which is the one that says what happened, without the name
    of the exception that carried it."""
    reason = text.split(" | ")[-1]
    kind, _, message = reason.partition(": ")
    reason = message.replace("[Errno None] ", "").strip() or kind
    return reason if len(reason) <= 300 else reason[:299] + "…"
