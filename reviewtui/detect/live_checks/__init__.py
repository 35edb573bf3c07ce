"""Detectors that answer items from live Docker engines: containers, images, the daemon
and the swarm.

They are keyed by the detector names the checklists use, the same names as the file
detectors where an item is answered from both (``privileged`` judges compose services
in ``compose_checks`` and containers here); the detection engine runs both and lists
their findings side by side. Several modules may answer one item for different objects
(containers in one, swarm services in another); ``DETECTORS`` joins them into one
detector per name.
"""

from __future__ import annotations

from reviewtui.detect.live_checks import (
    container_limits,
    container_mounts,
    container_network,
    container_privileges,
    container_settings,
    daemon,
    engine_inventory,
    image_config,
    swarm_cluster,
    swarm_lifecycle,
    swarm_mounts,
    swarm_network,
    swarm_privileges,
    swarm_services,
)
from reviewtui.detect.live_checks.findings import Detector, combine

_MODULES = (
    container_privileges,
    container_mounts,
    container_limits,
    container_network,
    container_settings,
    image_config,
    daemon,
    swarm_services,
    swarm_mounts,
    swarm_privileges,
    swarm_network,
    swarm_lifecycle,
    swarm_cluster,
    engine_inventory,
)


def _collect() -> dict[str, Detector]:
    parts: dict[str, list[Detector]] = {}
    for module in _MODULES:
        for name, function in module.DETECTORS.items():
            parts.setdefault(name, []).append(function)
    return {name: combine(*functions) for name, functions in parts.items()}


DETECTORS: dict[str, Detector] = _collect()
"""Every live detector, by the names the checklists use."""

__all__ = ["DETECTORS"]
