"""Compose reader (stub to be replaced)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewtui.model import Problem


@dataclass
class ComposeProject:
    """A compose file merged with its overrides."""

    path: str


def read_compose_projects(root: Path, rels: list[str]) -> tuple[list[ComposeProject], list[Problem]]:
    """Read and merge the compose files."""
    return [], []
