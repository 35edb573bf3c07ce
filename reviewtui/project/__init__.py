"""Readers of a project directory: discovery, Dockerfiles, compose, daemon.json, CI files.

:func:`read_project` (in :mod:`reviewtui.project.read`) is loaded on first use, not
with this package: every module of it imports this package first, and the app's first
frame needs a few small ones (text files, scanner settings) but none of the readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewtui.project.facts import ProjectFacts
    from reviewtui.project.read import Progress, read_project, read_project_but_dockerfiles

__all__ = ["ProjectFacts", "Progress", "read_project", "read_project_but_dockerfiles"]


def __getattr__(name: str) -> Any:
    """The names of :data:`__all__`, each imported on first use."""
    if name == "ProjectFacts":
        from reviewtui.project.facts import ProjectFacts

        return ProjectFacts
    if name in ("Progress", "read_project", "read_project_but_dockerfiles"):
        from reviewtui.project import read

        return getattr(read, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
