"""Reading engines, read-only: no exec, no pull, no change of any kind.

Only GET endpoints are called: ``/version``, ``/info``, ``/containers/json``,
``/containers/{id}/json``, ``/images/json``, ``/images/{id}/json``,
``/images/{id}/history``, ``/networks``, and for a swarm manager ``/swarm``,
``/services`` and ``/secrets`` (names only; the engine never returns secret values).
Inspections run in parallel on a bounded pool, so a few hundred containers take seconds.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from reviewtui.live.client import EngineError, connect, describe
from reviewtui.live.facts import (
    ContainerFacts,
    EngineFacts,
    ImageFacts,
    NetworkFacts,
    SwarmFacts,
    SwarmServiceFacts,
)
from reviewtui.live.hosts import Endpoint, resolve_endpoints
from reviewtui.live.settings import LiveSettings
from reviewtui.model import Problem
from reviewtui.project.daemon import DaemonConfig, read_daemon_config

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while engines are read."""

_SYSTEM_DAEMON_JSON = Path("/etc/docker/daemon.json")
_T = TypeVar("_T")
_R = TypeVar("_R")


def read_engines(settings: LiveSettings, progress: Progress | None = None) -> list[EngineFacts]:
    """Every engine of ``settings``, one after the other; none of them ever raises.

    An engine that cannot be named (an unknown context) or reached comes back with its
    ``error`` set, and the review goes on with the files and the other engines.
    """
    return [read_engine(endpoint, settings, progress) for endpoint in resolve_endpoints(settings)]


def read_engine(
    endpoint: Endpoint, settings: LiveSettings, progress: Progress | None = None
) -> EngineFacts:
    """What one engine answers; an engine that fails part way keeps what it said."""
    facts = EngineFacts(endpoint, _now())
    if endpoint.error:
        facts.error = endpoint.error
        return facts
    step = f"inspecting engine {endpoint.name}"
    if progress is not None:
        progress(step, 0, 1)
    try:
        client = connect(endpoint, settings.timeout, settings.workers)
    except EngineError as error:
        facts.error = str(error)
        return facts
    try:
        _read(client, facts, settings, progress, step)
    except Exception as error:  # noqa: BLE001 - a failing engine must not end the review
        facts.error = describe(endpoint, error, settings.timeout)
        if facts.reachable:
            facts.error += " (it stopped answering during the inspection; what it said is kept)"
        log.info("engine %s: %s", endpoint.name, facts.error)
    finally:
        client.close()
    return facts


def _read(
    client: Any,
    facts: EngineFacts,
    settings: LiveSettings,
    progress: Progress | None,
    step: str,
) -> None:
    host = facts.host
    facts.version = client.version()
    facts.info = client.info()
    facts.daemon_config = _local_daemon_config(facts)

    summaries = client.containers(all=settings.all_containers)
    images_wanted = {str(s.get("ImageID", "")) for s in summaries if s.get("ImageID")}
    if settings.all_images:
        images_wanted |= {str(image["Id"]) for image in client.images()}
    total = len(summaries) + len(images_wanted)

    def report(done: int) -> None:
        if progress is not None:
            progress(step, done, total)

    containers = _parallel(
        settings.workers, lambda s: _inspect_container(client, s["Id"]), summaries
    )
    for summary, data in zip(summaries, containers, strict=True):
        if data is None:
            facts.problems.append(_gone(facts, summary))
        else:
            facts.containers.append(ContainerFacts(host, data))
    facts.containers.sort(key=lambda c: c.name)
    report(len(summaries))

    images = _parallel(
        settings.workers, lambda image_id: _inspect_image(client, host, image_id), images_wanted
    )
    facts.images = {image.id: image for image in images if image is not None}
    for container in facts.containers:
        container.image = facts.images.get(str(container.data.get("Image", "")))
    report(total)

    facts.networks = [NetworkFacts(host, network) for network in client.networks()]
    if _is_manager(facts.info):
        facts.swarm = _read_swarm(client, host, settings)


def _gone(facts: EngineFacts, summary: dict[str, Any]) -> Problem:
    name = ",".join(str(n).lstrip("/") for n in summary.get("Names") or [])
    return Problem(
        f"engine {facts.endpoint.label}",
        None,
        f"container {name or str(summary['Id'])[:12]} went away before it could be inspected",
    )


def _parallel(workers: int, work: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(work, items))


def _inspect_container(client: Any, container_id: str) -> dict[str, Any] | None:
    from docker.errors import NotFound

    try:
        return dict(client.inspect_container(container_id))
    except NotFound:
        return None


def _inspect_image(client: Any, host: str, image_id: str) -> ImageFacts | None:
    from docker.errors import NotFound

    try:
        data = dict(client.inspect_image(image_id))
        history = list(client.history(image_id) or [])
    except NotFound:
        return None
    return ImageFacts(host, data, history)


def _is_manager(info: dict[str, Any]) -> bool:
    swarm = info.get("Swarm") or {}
    return swarm.get("LocalNodeState") == "active" and bool(swarm.get("ControlAvailable"))


def _read_swarm(client: Any, host: str, settings: LiveSettings) -> SwarmFacts:
    data = dict(client.inspect_swarm())
    # A manager join token is root on the swarm: it is never kept, let alone shown.
    data.pop("JoinTokens", None)
    swarm = SwarmFacts(host, data)
    swarm.services = [SwarmServiceFacts(host, service) for service in client.services()]
    swarm.services.sort(key=lambda s: s.name)
    swarm.secret_names = sorted(
        str(secret.get("Spec", {}).get("Name", "")) for secret in client.secrets()
    )
    return swarm


def _local_daemon_config(facts: EngineFacts) -> DaemonConfig | None:
    """The engine's daemon.json, when the engine runs here and the file can be read.

    A rootless engine keeps it in the user's config directory. Over TCP or SSH the file
    is on another machine and only ``/info`` speaks for it.
    """
    if facts.endpoint.local_socket is None:
        return None
    rootless = any("rootless" in str(o) for o in facts.info.get("SecurityOptions") or [])
    if rootless:
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        path = Path(config_home) / "docker" / "daemon.json"
    else:
        path = _SYSTEM_DAEMON_JSON
    if not path.is_file() or not os.access(path, os.R_OK):
        return None
    config = read_daemon_config(path.parent, path.name)
    config.path = str(path)
    for index, problem in enumerate(config.problems):
        config.problems[index] = Problem(str(path), problem.line, problem.reason)
    return config


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
