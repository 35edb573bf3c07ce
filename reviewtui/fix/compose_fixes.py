"""Fixers for compose targets (filled in next)."""

from __future__ import annotations
