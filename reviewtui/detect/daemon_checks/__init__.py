"""Detectors that answer operations items from the project's daemon.json files.

Each daemon detector gives one finding per daemon.json and none when the project has no
daemon.json (then a person must answer); ``logging_rotation`` also judges every compose
service, since a service's ``logging:`` block decides its own logs. The modules hold the
detectors by topic; ``DETECTORS`` lists them all by the names the checklists use.
"""

from __future__ import annotations

from reviewtui.detect.daemon_checks import access, log_rotation, settings
from reviewtui.detect.daemon_checks.findings import Detector
from reviewtui.detect.daemon_checks.log_rotation import logging_rotation

_MODULES = (log_rotation, settings, access)

DETECTORS: dict[str, Detector] = {
    name: function for module in _MODULES for name, function in module.DETECTORS.items()
}
"""Every daemon.json detector, by the names the checklists use."""

__all__ = ["DETECTORS", "logging_rotation"]
