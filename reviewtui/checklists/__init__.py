"""The checklists: items loaded and validated from the YAML files in checklists/."""

from reviewtui.checklists.loader import (
    CHECKLIST_ORDER,
    Catalogue,
    Checklist,
    ChecklistError,
    Item,
    References,
    load_catalogue,
    load_file,
)

__all__ = [
    "CHECKLIST_ORDER",
    "Catalogue",
    "Checklist",
    "ChecklistError",
    "Item",
    "References",
    "load_catalogue",
    "load_file",
]
