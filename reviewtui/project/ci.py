"""CI file reader (stub to be replaced)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem


@dataclass
class CIFile:
    """A CI pipeline file."""

    path: str
    problems: list[Problem] = field(default_factory=list)


def read_ci_file(root: Path, rel: str) -> CIFile:
    """Read the CI file at ``root/rel``."""
    return CIFile(rel)
