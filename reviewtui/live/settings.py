"""What a live review reads: which engines, which containers and images, how patiently."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LiveSettings:
    """The choices of ``--live`` and the options beside it.

    ``default_engine`` reads the engine the docker CLI would use (``DOCKER_HOST``, else
    the current context), as ``--live`` asks; it is read too when neither
    ``docker_hosts`` nor ``contexts`` names another. ``all_containers`` adds stopped and
    created containers to the running ones; ``all_images`` adds every local image to
    those the containers use.
    """

    default_engine: bool = False
    docker_hosts: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    all_containers: bool = False
    all_images: bool = False
    timeout: float = 10.0
    # Inspections run in parallel on this many connections; more only queues at the engine.
    workers: int = 16
    environment: dict[str, str] | None = field(default=None, compare=False)
