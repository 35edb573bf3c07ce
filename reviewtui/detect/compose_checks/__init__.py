"""Detectors that answer runtime items from the compose services of a project.

Each detector gives one finding per service of every compose project, merged from its
override files, includes and extends; a few also judge each daemon.json, as their
docstrings say. The modules hold the detectors by topic; ``DETECTORS`` lists them all by
the names the checklists use.
"""

from __future__ import annotations

from reviewtui.detect.compose_checks import (
    devices,
    filesystem,
    images,
    kernel,
    lifecycle,
    limits,
    mounts,
    network,
    privileges,
    secrets,
    sharing,
    user,
)
from reviewtui.detect.compose_checks.findings import Detector
from reviewtui.detect.compose_checks.user import is_root_user

_MODULES = (
    privileges,
    mounts,
    filesystem,
    limits,
    user,
    network,
    secrets,
    images,
    lifecycle,
    devices,
    kernel,
    sharing,
)

DETECTORS: dict[str, Detector] = {
    name: function for module in _MODULES for name, function in module.DETECTORS.items()
}
"""Every compose detector, by the names the checklists use."""

LOOKING_INTO_DOCKERFILES = frozenset({"runtime_user", "service_healthcheck", "init_process"})
"""The detectors that look into the Dockerfile a service builds (through
:func:`~reviewtui.detect.compose_checks.builds.built_stage`); a scan judges their items
while those Dockerfiles are in memory, and lets them go before the other items."""

ALSO_JUDGING_DAEMONS = frozenset({"ulimits"})
"""The detectors that give a finding per daemon.json as well as one per service: what
they find is not what each compose project gives on its own."""

__all__ = ["ALSO_JUDGING_DAEMONS", "DETECTORS", "LOOKING_INTO_DOCKERFILES", "is_root_user"]
