"""Shared by the fix tests: scan a project, apply fixes, and compare answers item by item."""

from __future__ import annotations

import functools
from pathlib import Path

from reviewtui.checklists import Catalogue
from reviewtui.checklists import load_catalogue as _load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.fix.plan import FilePlan, plan_files
from reviewtui.fix.write import write_plan
from reviewtui.model import Finding, Status, Target, roll_up
from reviewtui.project import read_project

Answers = dict[str, dict[Target, Status]]


@functools.cache
def load_catalogue() -> Catalogue:
    """The built-in checklists, loaded once: reading the YAML takes most of a small scan."""
    return _load_catalogue()


def scan(root: Path) -> dict[str, list[Finding]]:
    """Every finding of the built-in checklists for the project at ``root``."""
    return detect(load_catalogue(), read_project(root))


def answers(root: Path) -> Answers:
    """Each item's status per target, for comparing a scan before and after a fix."""
    return {
        item_id: {finding.target: finding.status for finding in found}
        for item_id, found in scan(root).items()
    }


def rolled_up(root: Path) -> dict[str, Status]:
    """Each item's status over all its targets."""
    return {item_id: roll_up(found) for item_id, found in scan(root).items()}


def failing(root: Path, items: set[str] | None = None) -> list[tuple[str, Finding]]:
    """The failing (item id, finding) pairs of a scan, of ``items`` only when given."""
    return [
        (item_id, finding)
        for item_id, found in scan(root).items()
        if items is None or item_id in items
        for finding in found
        if finding.status is Status.FAIL
    ]


def apply_fixes(root: Path, items: set[str] | None = None) -> list[FilePlan]:
    """Plan every fix for the failing targets of ``items`` (all when None) and write them."""
    order = [item.id for item in load_catalogue().items]
    plans, errors = plan_files(root, failing(root, items), order)
    assert not errors, errors
    for plan in plans:
        if plan.fixes:
            write_plan(root, plan)
    return plans


def changed_answers(before: Answers, after: Answers) -> dict[str, list[str]]:
    """Items whose answer for some target differs, with ``target: old -> new`` lines."""
    changes: dict[str, list[str]] = {}
    for item_id in sorted(set(before) | set(after)):
        old, new = before.get(item_id, {}), after.get(item_id, {})
        for target in sorted(set(old) | set(new)):
            if old.get(target) != new.get(target):
                changes.setdefault(item_id, []).append(
                    f"{target}: {old.get(target)} -> {new.get(target)}"
                )
    return changes
