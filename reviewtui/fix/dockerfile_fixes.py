"""Fixers for dockerfile targets (filled in next)."""

from __future__ import annotations
