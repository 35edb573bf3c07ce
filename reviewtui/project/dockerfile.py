"""Dockerfile reader (stub to be replaced): stages, instructions with lines, problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem


@dataclass
class Dockerfile:
    """A parsed Dockerfile."""

    path: str
    problems: list[Problem] = field(default_factory=list)


def read_dockerfile(root: Path, rel: str) -> Dockerfile:
    """Parse the Dockerfile at ``root/rel``."""
    return Dockerfile(rel)
