"""The Markdown report's "Changes since the last review" section, also ``reviewtui diff``'s.

Targets, reasons, evidence and the reviewer's words are escaped like the rest of the
report, so a scanned file cannot inject markup through a change either. The escaping
helpers live in :mod:`reviewtui.report.markdown`, which imports this module, so they are
imported where they are used.
"""

from __future__ import annotations

from reviewtui.report.summary import ReportData
from reviewtui.review.changes import (
    ChangeKind,
    ItemChange,
    ReviewChanges,
    TargetChange,
    readable_time,
)

SECTION_TITLE = "Changes since the last review"
MAX_TARGETS = 10
"""Targets listed per changed item; the rest are counted."""
MAX_EVIDENCE = 5
"""Pieces of added or removed evidence listed per target; the rest are counted."""
MAX_CHANGES = 50
"""Changed items listed per kind, so a big re-review still fits a pull-request comment."""


def changes_section(data: ReportData) -> list[str]:
    """The section's lines, or none when the review has no signed-off baseline."""
    if data.changes is None:
        return []
    return [*changes_markdown(data.changes, SECTION_TITLE), ""]


def changes_markdown(changes: ReviewChanges, title: str, level: int = 2) -> list[str]:
    """The changes as Markdown under a heading ``title`` of ``level``: who signed what
    when, the counts, then one list per kind of change."""
    from reviewtui.report.markdown import counted

    lines = [f"{'#' * level} {title}", "", _intro(changes), ""]
    if changes.empty:
        return [*lines, "Nothing changed since then."]
    for kind in ChangeKind:
        of_kind = changes.of(kind)
        if not of_kind:
            continue
        lines += [f"{'#' * (level + 1)} {kind.heading} ({len(of_kind)})", ""]
        for change in of_kind[:MAX_CHANGES]:
            lines += _change_lines(change)
        if len(of_kind) > MAX_CHANGES:
            lines.append(f"- … {counted(len(of_kind) - MAX_CHANGES, 'more item')}")
        lines.append("")
    return lines[:-1]


def _intro(changes: ReviewChanges) -> str:
    from reviewtui.report.markdown import text

    since = changes.since
    if since is not None:
        who = ", ".join(text(name) for name in since.signers)
        start = f"Compared with the review signed off on {readable_time(since.time)} by {who}"
    elif changes.old_scanned_at:
        start = (
            f"Compared with the review scanned {readable_time(changes.old_scanned_at)} "
            "(not signed off)"
        )
    else:
        start = "Compared with the earlier review"
    counts = changes.summary()
    if changes.worse:
        first, _, rest = counts.partition(", ")
        counts = f"**{first}**" + (f", {rest}" if rest else "")
    return f"{start}: {counts}."


def _change_lines(change: ItemChange) -> list[str]:
    from reviewtui.report.markdown import code, counted, text

    about = code(change.item_id, in_table=False) + (
        f", {change.severity.value}" if change.severity else ""
    )
    verdicts = f": {change.verdicts}" if change.verdicts else ""
    lines = [f"- **{text(change.title)}** ({about}){verdicts}"]
    for target in change.targets[:MAX_TARGETS]:
        lines += _target_lines(target)
    if len(change.targets) > MAX_TARGETS:
        lines.append(f"  - … {counted(len(change.targets) - MAX_TARGETS, 'more target')}")
    lines += [f"  - {text(detail)}" for detail in change.details]
    return lines


def _target_lines(change: TargetChange) -> list[str]:
    from reviewtui.report.markdown import code, text

    lines = [f"  - {text(change.summary())}"]
    if change.reason_before != change.reason_after:
        if change.reason_before:
            lines.append(f"    - was: {text(change.reason_before)}")
        if change.reason_after:
            lines.append(f"    - now: {text(change.reason_after)}")
    for word, evidence in (("added", change.added), ("removed", change.removed)):
        for piece in evidence[:MAX_EVIDENCE]:
            snippet = f" {code(piece.snippet, in_table=False)}" if piece.snippet else ""
            lines.append(f"    - {word} {code(piece.location, in_table=False)}{snippet}")
        if len(evidence) > MAX_EVIDENCE:
            lines.append(f"    - … {len(evidence) - MAX_EVIDENCE} more {word}")
    for old, new in change.moved[:MAX_EVIDENCE]:
        lines.append(
            f"    - moved {code(old.location, in_table=False)} → "
            f"{code(new.location, in_table=False)}"
        )
    return lines
