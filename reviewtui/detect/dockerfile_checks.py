"""Detectors (stub to be replaced)."""

from __future__ import annotations

DETECTORS: dict = {}
