"""Which items have a mechanical fix: the fixers, by item id.

Fixers live in modules by the file they edit and register themselves with
:func:`fixer`; the modules are imported on first use, so ``scan`` without fixes pays
nothing for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from reviewtui.fix.model import Fixer

_MODULES = ("reviewtui.fix.compose_fixes", "reviewtui.fix.dockerfile_fixes")
_FIXERS: dict[str, Fixer] = {}
_loaded = False


def fixer(item_id: str) -> Callable[[Fixer], Fixer]:
    """Register the decorated function as the fixer of ``item_id`` (one per item)."""

    def register(function: Fixer) -> Fixer:
        if item_id in _FIXERS:
            raise ValueError(f"{item_id} has two fixers")
        _FIXERS[item_id] = function
        return function

    return register


def fixers() -> dict[str, Fixer]:
    """Every registered fixer, by item id."""
    return dict(_registered())


def has_fixer(item_id: str) -> bool:
    """True when failing targets of ``item_id`` can get a mechanical fix."""
    # Asked once per failing target when the app marks what it can fix: no copy.
    return item_id in _registered()


def _registered() -> dict[str, Fixer]:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(name)
        _loaded = True
    return _FIXERS
