"""The Markdown report's section on review meetings: when, who attended, what was decided."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reviewtui.review.meeting import Meeting, duration_words
from reviewtui.review.model import ItemState, Verdict

_Escape = Callable[[str], str]
"""Markdown's ``text`` or ``code``: plain text in, inert Markdown out."""


def meeting_section(meetings: Sequence[Meeting], states: Sequence[ItemState]) -> list[str]:
    """The lines of the "Review meetings" section, oldest meeting first; no lines at all
    when no meeting was held, so a report without meetings reads as before.

    ``states`` are the review's items, to name each decision and say what it was.
    """
    if not meetings:
        return []
    # markdown.py renders this section: importing it at the top would be circular.
    from reviewtui.report.markdown import code, text

    by_id = {state.item.id: state for state in states}
    lines = ["## Review meetings", ""]
    for meeting in meetings:
        lines += [f"### {_when(meeting)}", ""]
        attendees = ", ".join(text(name) for name in meeting.attendees) or "none recorded"
        lines += [f"**Attendees:** {attendees}", ""]
        if not meeting.decisions:
            lines += ["No item was decided.", ""]
            continue
        lines += ["| Item | Decision | Decided by |", "|---|---|---|"]
        for item_id in meeting.decisions:
            lines.append(_decision_row(item_id, by_id.get(item_id), code, text))
        count = len(meeting.decisions)
        lines += ["", f"{count} item{'s' if count != 1 else ''} decided.", ""]
    return lines


def _when(meeting: Meeting) -> str:
    """``2026-12-03 10:00 UTC, 42 minutes``, or that it was not ended."""
    started = _short_time(meeting.started)
    if meeting.under_way:
        return f"{started}, not ended"
    length = duration_words(meeting.minutes())
    return f"{started}, {length}" if length else started


def _short_time(iso: str) -> str:
    day, _, rest = iso.partition("T")
    return f"{day} {rest[:5]} UTC" if rest else day


def _decision_row(
    item_id: str,
    state: ItemState | None,
    code: _Escape,
    text: _Escape,
) -> str:
    """One decision: the item, the answer it has now, and who took it."""
    if state is None:
        return f"| {code(item_id)} | no longer in the checklists | |"
    # TODO: shows the item's answer as it stands now; a decision changed after the
    # meeting is not told apart from the one the meeting took.
    answer = state.answer
    if answer is None or answer.verdict is None:
        decision = "cleared since"
    else:
        decision = answer.verdict.label
        if answer.verdict is Verdict.ACCEPTED_RISK and answer.reason:
            decision += f" — {text(answer.reason)}"
    decided_by = text(answer.decided_by) if answer is not None else ""
    return f"| {code(item_id)} {text(state.item.title)} | {decision} | {decided_by} |"
