"""What the meeting's large view says about one item: badges, key evidence, decision.

Only what a room needs to decide is here; the walk's full item view shows the rest when
asked. Text from scanned files and from the attendees goes in as plain text.
"""

from __future__ import annotations

from collections import Counter

from textual.content import Content

from reviewtui.model import Finding, Status
from reviewtui.review.meeting import Meeting
from reviewtui.review.model import ItemState, Verdict
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.render import (
    FINDING_INDENT,
    VERDICT_ICONS,
    VERDICT_STYLES,
    as_verdict,
    evidence_content,
    plain,
    prose,
    severity_content,
    verdict_content,
)
from reviewtui.tui.widgets.item_view import who_answers

KEY_TARGETS = 3
"""Targets the large view shows; the details show every one."""

BADGE_WIDTH = len(" – NOT APPLICABLE ")
"""The widest badge, for a column of them."""

_STATUS_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)


def badge(verdict: Verdict | Status, width: int = 0) -> Content:
    """`` ✗ FAIL `` in reverse video of the verdict's colour: readable across a room.

    ``width`` pads it, so badges in a column line up.
    """
    verdict = as_verdict(verdict)
    label = f" {VERDICT_ICONS[verdict]} {verdict.label.upper()} ".ljust(width)
    return Content.styled(label, f"bold reverse {VERDICT_STYLES[verdict]}")


def label(text: str) -> Content:
    """A field's name at the start of a line, in a fixed width so values line up."""
    return Content.styled(f"{text:<10}", "bold $text-muted")


def meta_content(state: ItemState, checklist_title: str) -> Content:
    """``Build · build.non-root-user · high · detected from files``, muted."""
    return Content.assemble(
        (checklist_title, "bold $text-accent"),
        (" · ", "$text-muted"),
        (state.item.id, "$text-muted"),
        (" · ", "$text-muted"),
        severity_content(state.item.severity),
        (" · ", "$text-muted"),
        (who_answers(state), "$text-muted"),
    )


def detected_content(state: ItemState) -> Content:
    """``Detected   ✗ FAIL   2 of 3 targets fail``."""
    parts: list[str | Content | tuple[str, str]] = [label("Detected"), badge(state.detected)]
    failing = sum(1 for f in state.findings if f.status is Status.FAIL)
    if failing:
        parts.append((f"  {failing} of {len(state.findings)} targets fail", "$text-muted"))
    if state.waived:
        parts.append(("  every failing target is waived", "$text-secondary"))
    return Content.assemble(*parts)


def evidence_lines(state: ItemState, limit: int = KEY_TARGETS) -> HangingText:
    """The key evidence: the failing targets and those a person must look at (or, when
    none, the first ones), each with its reason and the first line that proves it; the
    rest are counted."""
    item = state.item
    if not item.automatic:
        look = Content.assemble(("A person answers this. Look at: ", "bold"), prose(item.evidence))
        return HangingText([Line(look)])
    if not state.findings:
        nothing = Content.styled("Nothing in this project is a target of it.", "$text-muted")
        return HangingText([Line(nothing)])
    ordered = sorted(state.findings, key=lambda f: _STATUS_ORDER.index(f.status))
    # What is wrong or open is what the room decides on; passing targets only count.
    open_ones = [f for f in ordered if f.status in (Status.FAIL, Status.UNKNOWN)]
    shown = (open_ones or ordered)[:limit]
    lines: list[Line] = []
    for finding in shown:
        lines.extend(_key_lines(state, finding))
    if len(shown) < len(ordered):
        lines.append(Line(_rest(ordered[len(shown) :])))
    return HangingText(lines)


def _rest(hidden: list[Finding]) -> Content:
    """``… and 2 more targets (2 pass): d shows every one``."""
    counts = Counter(finding.status for finding in hidden)
    by_status = ", ".join(
        f"{counts[status]} {status.label}" for status in _STATUS_ORDER if counts[status]
    )
    plural = "s" if len(hidden) != 1 else ""
    return Content.styled(
        f"… and {len(hidden)} more target{plural} ({by_status}): d shows every one",
        "$text-muted",
    )


def _key_lines(state: ItemState, finding: Finding) -> list[Line]:
    """One target: its status and name, the reason, its first piece of evidence."""
    lines = [
        Line(
            Content.assemble(
                verdict_content(finding.status, bold=True), "  ", (str(finding.target), "bold")
            )
        )
    ]
    if finding.reason:
        lines.append(Line(plain(finding.reason), FINDING_INDENT))
    if finding.evidence:
        lines.append(Line(evidence_content(finding.evidence[0], finding.target), FINDING_INDENT))
    waiver = state.waiver_for(finding)
    if waiver is not None:
        lines.append(Line(plain("⚑ " + waiver.describe(), "$text-secondary"), FINDING_INDENT))
    return lines


def decision_content(state: ItemState, meeting: Meeting | None) -> Content:
    """The decision taken, by whom and whether in this meeting; or how to take one."""
    answer = state.answer
    if not state.answered or answer is None or answer.verdict is None:
        parts: list[str | Content | tuple[str, str]] = [
            label("Decision"),
            ("not decided yet", "bold $text-warning"),
            ("  1 pass · 2 fail · 3 n/a · 4 accepted risk", "$text-muted"),
        ]
        return Content.assemble(*parts)
    parts = [label("Decision"), badge(answer.verdict)]
    if answer.decided_by:
        parts += [("  by ", "$text-muted"), (answer.decided_by, "bold")]
    in_meeting = meeting is not None and state.item.id in meeting.decisions
    if in_meeting:
        parts.append(("  in this meeting", "$text-muted"))
    elif not answer.decided_by:
        parts.append(("  answered before the meeting", "$text-muted"))
    lines = [Content.assemble(*parts)]
    if answer.verdict is Verdict.ACCEPTED_RISK and answer.reason:
        lines.append(Content.assemble(label("Reason"), plain(answer.reason)))
    if state.detection_changed and answer.detected is not None:
        lines.append(
            Content.styled(
                f"⚠ Detected {answer.detected.label} when decided; {state.detected.label} now.",
                "bold $text-warning",
            )
        )
    return Content("\n").join(lines)


def note_content(state: ItemState) -> Content:
    """The item's note, or how to write one."""
    if state.note:
        return Content.assemble(label("Note"), plain(state.note))
    return Content.assemble(label("Note"), ("none · e writes one", "$text-muted"))


def decider_content(attendees: list[str], decider: int) -> Content:
    """``Decides   Ada  Bob  Cy``: the one who decides now stands out."""
    parts: list[str | Content | tuple[str, str]] = [label("Decides")]
    for index, name in enumerate(attendees):
        if index:
            parts.append("  ")
        if index == decider:
            parts.append((f" {name} ", "bold reverse $text-accent"))
        else:
            parts.append((name, "$text-muted"))
    if len(attendees) > 1:
        parts.append(("   w: next", "$text-muted"))
    return Content.assemble(*parts)
