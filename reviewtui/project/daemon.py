"""daemon.json reader (stub to be replaced)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem


@dataclass
class DaemonConfig:
    """A parsed daemon.json."""

    path: str
    problems: list[Problem] = field(default_factory=list)


def read_daemon_config(root: Path, rel: str) -> DaemonConfig:
    """Parse the daemon.json at ``root/rel``."""
    return DaemonConfig(rel)
