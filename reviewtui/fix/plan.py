"""From failing findings to fixes: which targets get one, and fixes combined per file.

A fix is computed from the text of the file as it is on disk; several fixes to one file
are made one after the other, each on the text the previous one left, so they never
fight over lines, and a target an earlier fix made pass is said to be covered by it.
Files are read as bytes and written back the same way: a byte order mark and CRLF line
ends are kept, and a file that is not UTF-8 gets no fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.fix.model import Covered, Edit, Fix, Fixer
from reviewtui.fix.registry import fixers, has_fixer
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project.textfile import MAX_BYTES, read_text

FILE_KINDS = frozenset({TargetKind.DOCKERFILE, TargetKind.SERVICE})
"""Targets whose fix edits a project file: a Dockerfile, or the compose file of a service."""

_BOM = "\ufeff"


class FixError(Exception):
    """A fix cannot be made or written; the message names the file and says why."""


@dataclass
class FilePlan:
    """Every fix planned for one file, applied in order to ``before`` to give ``after``.

    ``skipped`` holds the failing targets of fixable items this file gives no fix for,
    with the reason, so the reviewer knows what is left to do by hand.
    """

    path: str
    before: str
    after: str
    fixes: list[Fix] = field(default_factory=list)
    skipped: list[tuple[str, Target, str]] = field(default_factory=list)


def fixable(item_id: str, finding: Finding) -> bool:
    """True when ``finding`` fails for a file target of an item that has a fixer."""
    return (
        finding.status is Status.FAIL and finding.target.kind in FILE_KINDS and has_fixer(item_id)
    )


def read_file(root: Path, rel: str) -> str:
    """The exact text of a project file, for a fix. Raises FixError saying why not."""
    text, problem = read_text(root, rel, MAX_BYTES)
    if text is None or problem is not None:
        reason = problem.reason if problem is not None else "cannot be read"
        raise FixError(f"{rel}: {reason}; no fix")
    try:
        raw = (root / rel).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FixError(f"{rel}: cannot be read: {error}; no fix") from None
    return raw


def digest(text: str) -> str:
    """The fingerprint of a file's text, to tell whether it changed since a scan."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def propose(item_id: str, finding: Finding, text: str) -> Fix | None:
    """The fix of one failing target made on ``text`` (the whole file), or None when the
    file gives no mechanical fix for it."""
    made = _attempt(item_id, finding, text)
    return made if isinstance(made, Fix) else None


def _attempt(item_id: str, finding: Finding, text: str) -> Fix | Covered | None:
    """:func:`propose`, telling apart a target whose item passes in ``text`` already."""
    fixer = fixers().get(item_id)
    if fixer is None or not fixable(item_id, finding):
        return None
    edit = _run(fixer, text, finding)
    if isinstance(edit, Covered):
        return edit
    if edit is None or edit.text == text:
        return None
    return Fix(
        item_id,
        finding.target,
        finding.target.path,
        edit.summary,
        edit.behaviour,
        edit.check,
        text,
        edit.text,
    )


def propose_one(root: Path, item_id: str, finding: Finding) -> Fix | None:
    """The fix of one failing target, from its file as it is on disk now."""
    return propose(item_id, finding, read_file(root, finding.target.path))


def plan_files(
    root: Path, failing: Iterable[tuple[str, Finding]], order: Sequence[str] = ()
) -> tuple[list[FilePlan], list[str]]:
    """Every fix for ``failing`` (item id and finding pairs), combined per file.

    Items are applied in ``order`` (the checklists' order; others after, by id). Returns
    the plans of the files that get at least one fix or skip, and one line per file
    that cannot be read.
    """
    rank = {item_id: index for index, item_id in enumerate(order)}
    by_file: dict[str, list[tuple[str, Finding]]] = {}
    for item_id, finding in failing:
        if fixable(item_id, finding):
            by_file.setdefault(finding.target.path, []).append((item_id, finding))
    plans, errors = [], []
    for rel in sorted(by_file):
        try:
            text = read_file(root, rel)
        except FixError as error:
            errors.append(str(error))
            continue
        plan = FilePlan(rel, text, text)
        pairs = sorted(
            by_file[rel], key=lambda pair: (rank.get(pair[0], len(rank)), pair[0], pair[1].target)
        )
        for item_id, finding in pairs:
            made = _attempt(item_id, finding, plan.after)
            if isinstance(made, Fix):
                plan.fixes.append(made)
                plan.after = made.after
                continue
            reason = _covered_by(item_id, finding, plan) if isinstance(made, Covered) else None
            plan.skipped.append((item_id, finding.target, reason or _NO_FIX))
        plans.append(plan)
    return plans, errors


_NO_FIX = "no mechanical fix in this file"


def _covered_by(item_id: str, finding: Finding, plan: FilePlan) -> str | None:
    """The skip reason of a target whose item passes after the earlier fixes of ``plan``:
    None when it passes in the file as it was (no fix of this file can help it).

    The latest earlier fix of the same item is named when the item failed before it (one
    network made internal for two back ends); the fixer is asked at most twice.
    """
    if not plan.fixes or isinstance(_attempt(item_id, finding, plan.before), Covered):
        return None
    latest = next((fix for fix in reversed(plan.fixes) if fix.item == item_id), None)
    if latest is not None and not isinstance(_attempt(item_id, finding, latest.before), Covered):
        return f"covered by the earlier fix for {latest.target}"
    return "covered by an earlier fix in this file"


def _run(fixer: Fixer, text: str, finding: Finding) -> Edit | Covered | None:
    """The fixer's edit on text with LF line ends and no byte order mark, turned back
    into the file's own form (or what the fixer raised to say the item passes)."""
    bom = text.startswith(_BOM)
    body = text.removeprefix(_BOM)
    crlf = "\r\n" in body and body.count("\r\n") == body.count("\n")
    if crlf:
        body = body.replace("\r\n", "\n")
    try:
        edit = fixer(body, finding.target, finding)
    except Covered as covered:
        return covered
    except Exception:  # noqa: BLE001 - a fixer's bug must cost one fix, not the review
        return None
    if edit is None:
        return None
    after = edit.text.replace("\n", "\r\n") if crlf else edit.text
    after = _BOM + after if bom else after
    return Edit(after, edit.summary, edit.behaviour, edit.check)
