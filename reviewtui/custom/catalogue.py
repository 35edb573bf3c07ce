"""The catalogue a project is reviewed with: the shipped checklists plus the team's own."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reviewtui.checklists import Catalogue, load_catalogue

PROJECT_CHECKLISTS = Path(".reviewtui") / "checklists"
"""Where a project keeps its own checklist files, relative to its root."""


def checklist_dirs(root: Path | None, extra: Iterable[Path] = ()) -> list[Path]:
    """The folders of custom checklists: the project's own (when it has one), then
    ``extra``, each folder once."""
    folders = []
    if root is not None and (root / PROJECT_CHECKLISTS).is_dir():
        folders.append(root / PROJECT_CHECKLISTS)
    folders.extend(Path(folder) for folder in extra)
    unique: dict[Path, Path] = {}
    for folder in folders:
        unique.setdefault(folder.resolve(), folder)
    return list(unique.values())


def load_project_catalogue(root: Path | None, extra: Iterable[Path] = ()) -> Catalogue:
    """The shipped checklists plus the project's own and those in ``extra``.

    Raises :class:`reviewtui.checklists.ChecklistError` naming the file, line and item
    when a custom file is broken or reuses a shipped id.
    """
    return load_catalogue(checklist_dirs(root, extra))
