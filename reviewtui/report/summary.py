"""What every report shows, computed once from a session: items in report order, counts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from reviewtui import __version__
from reviewtui.checklists import Checklist
from reviewtui.model import Problem, Status, TargetKind
from reviewtui.report.fix_section import ItemFixes, collect_fixes
from reviewtui.review.changes import ReviewChanges
from reviewtui.review.meeting import Meeting
from reviewtui.review.model import InspectedEngine, ItemState, SignOff, Verdict
from reviewtui.review.session import ReviewSession

# Failing items first, then what still needs a decision, then the rest.
VERDICT_ORDER = (
    Verdict.FAIL,
    Verdict.ACCEPTED_RISK,
    Verdict.UNKNOWN,
    Verdict.PASS,
    Verdict.NOT_APPLICABLE,
)
# An action item is done once its item no longer fails.
_DONE_VERDICTS = (Verdict.PASS, Verdict.NOT_APPLICABLE)
# An item's entry in the review file: indented JSON with one item per key (see store).
_ITEM_ENTRY = re.compile(r'^    "(?P<id>[^"\\]+)": \{$')


@dataclass(frozen=True)
class ChecklistSection:
    """One checklist's items, in report order."""

    checklist: Checklist
    states: tuple[ItemState, ...]

    def count(self, verdict: Verdict) -> int:
        """How many items of this checklist stand at ``verdict``."""
        return self._counts[verdict]

    @cached_property
    def _counts(self) -> Counter[Verdict]:
        # Worked out once: a report that has to be shortened is rendered several times.
        return Counter(state.verdict for state in self.states)

    @property
    def answered(self) -> int:
        """How many items the reviewer confirmed or overrode."""
        return sum(1 for state in self.states if state.answered)


@dataclass(frozen=True)
class ActionItem:
    """A failing item someone has to fix: who (``owner``) and by when (``due``, ISO date).

    ``done`` is True once the item passes or does not apply; ``overdue`` when it is not
    done and the due date lies before the day of the report.
    """

    state: ItemState
    owner: str
    due: str
    done: bool
    overdue: bool


@dataclass(frozen=True)
class ReportData:
    """Everything a report renders, so the formats cannot disagree.

    No absolute path of this machine is kept: the report may travel (and be sealed).
    ``problems`` are the unreadable files as ``path:line: reason`` lines and
    ``problem_details`` the same as records. ``repository_prefix`` is the project's
    folder inside its git repository (``services/api/``; empty at the repository's root
    or outside any repository), so links and SARIF locations can name files the way the
    repository does. ``review_file`` is the review file's path relative to the project
    (empty when there is none) and ``answer_lines`` the line of each item's entry in it.
    ``today`` (ISO date) decides which action items are overdue.
    """

    project: str
    scanned_at: str
    tool_version: str
    sections: tuple[ChecklistSection, ...]
    problems: tuple[str, ...]
    signoffs: tuple[SignOff, ...]
    digest: str
    engines: tuple[InspectedEngine, ...] = ()
    problem_details: tuple[Problem, ...] = ()
    repository_prefix: str = ""
    review_file: str = ""
    answer_lines: Mapping[str, int] = field(default_factory=dict)
    today: str = ""
    changes: ReviewChanges | None = None
    """What changed since the last sign-off (None without one that kept a baseline)."""
    meetings: tuple[Meeting, ...] = ()
    """The review meetings held, oldest first."""
    fixes: Mapping[str, ItemFixes] = field(default_factory=dict)
    """The proposed fixes of the failing items, by item id (empty unless asked for)."""

    @property
    def states(self) -> list[ItemState]:
        """Every item, section by section."""
        return [state for section in self.sections for state in section.states]

    def count(self, verdict: Verdict) -> int:
        """How many items of the whole review stand at ``verdict``."""
        return sum(section.count(verdict) for section in self.sections)

    @cached_property
    def failing_targets(self) -> dict[str, tuple[int, int]]:
        """By item id: how many of its targets fail, and how many of those are waived.

        Worked out once: a report that has to be shortened is rendered several times.
        """
        counts = {}
        for state in self.states:
            failing = [f for f in state.findings if f.status is Status.FAIL]
            waived = sum(state.waiver_for(f) is not None for f in failing) if state.waivers else 0
            counts[state.item.id] = (len(failing), waived)
        return counts

    def signoff_current(self, signoff: SignOff) -> bool:
        """True when the content is unchanged since this sign-off."""
        return signoff.digest == self.digest

    @property
    def action_items(self) -> list[ActionItem]:
        """Every item with an owner or a due date: open ones first, soonest due first."""
        actions = [action for state in self.states if (action := action_of(state, self.today))]
        order = {id(action.state): index for index, action in enumerate(actions)}
        return sorted(
            actions,
            key=lambda a: (a.done, a.due or "9999-12-31", order[id(a.state)]),
        )


def action_of(state: ItemState, today: str = "") -> ActionItem | None:
    """The item's action (owner and due date), or None when it has none."""
    answer = state.answer
    if answer is None or not (answer.owner or answer.due):
        return None
    done = state.verdict in _DONE_VERDICTS
    overdue = bool(today and answer.due and not done and answer.due < today)
    return ActionItem(state, answer.owner, answer.due, done, overdue)


def report_data(
    session: ReviewSession, today: str | None = None, fixes: bool = False
) -> ReportData:
    """Collect the report's content from a session; ``today`` defaults to the UTC date.

    ``fixes`` adds the proposed fixes of the failing items, made from the files on disk.
    """
    sections = []
    for checklist in session.catalogue.checklists:
        # The session's own states: the fixes and the exit code ask for them too, and
        # each works out which waiver covers which of a big tree's findings.
        states = [session.state(item.id) for item in checklist.items]
        states.sort(key=lambda s: (VERDICT_ORDER.index(s.verdict), -s.item.severity.rank))
        sections.append(ChecklistSection(checklist, tuple(states)))
    repository = repository_root(session.root)
    review_file, answer_lines = _review_file(session)
    return ReportData(
        project=session.review.project or session.root.name,
        scanned_at=session.review.scanned_at,
        tool_version=__version__,
        sections=tuple(sections),
        problems=tuple(f"{p.location}: {p.reason}" for p in session.review.problems),
        signoffs=tuple(session.review.signoffs),
        digest=session.digest(),
        engines=tuple(session.review.engines),
        problem_details=tuple(session.review.problems),
        repository_prefix=_prefix(session.root, repository),
        review_file=review_file,
        answer_lines=answer_lines,
        today=today if today is not None else datetime.now(UTC).date().isoformat(),
        changes=session.changes_since_signoff(),
        meetings=tuple(session.review.meetings),
        fixes=collect_fixes(session) if fixes else {},
    )


def live_hosts(state: ItemState) -> list[str]:
    """The engines whose objects answer this item, in the order of its findings."""
    hosts: list[str] = []
    for finding in state.findings:
        target = finding.target
        if target.kind in _FILE_KINDS:
            continue  # the common case, skipped without working out a host
        host = target.host
        if host and host not in hosts:
            hosts.append(host)
    return hosts


_FILE_KINDS = frozenset({TargetKind.DOCKERFILE, TargetKind.SERVICE, TargetKind.CI})
"""Kinds of target read from files only, which never name an engine."""


def repository_root(root: Path) -> Path | None:
    """The git repository the project lies in (the nearest folder holding ``.git``)."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _prefix(root: Path, repository: Path | None) -> str:
    if repository is None or repository == root:
        return ""
    return root.relative_to(repository).as_posix() + "/"


def _review_file(session: ReviewSession) -> tuple[str, dict[str, int]]:
    """The review file relative to the project, and the line of each item's entry."""
    path = session.path
    if path is None or not path.is_file():
        return "", {}
    try:
        relative = path.resolve().relative_to(session.root).as_posix()
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return "", {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ITEM_ENTRY.match(line)
        if match:
            lines.setdefault(match["id"], number)
    return relative, lines
