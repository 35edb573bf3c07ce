""".dockerignore reader (stub to be replaced)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem


@dataclass
class DockerIgnore:
    """A parsed .dockerignore file."""

    path: str
    problems: list[Problem] = field(default_factory=list)


def read_dockerignore(root: Path, rel: str) -> DockerIgnore:
    """Parse the .dockerignore at ``root/rel``."""
    return DockerIgnore(rel)
