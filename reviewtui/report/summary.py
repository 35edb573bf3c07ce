"""What every report shows, computed once from a session: items in report order, counts."""

from __future__ import annotations

from dataclasses import dataclass

from reviewtui import __version__
from reviewtui.checklists import Checklist
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


@dataclass(frozen=True)
class ChecklistSection:
    """One checklist's items, in report order."""

    checklist: Checklist
    states: tuple[ItemState, ...]

    def count(self, verdict: Verdict) -> int:
        """How many items of this checklist stand at ``verdict``."""
        return sum(1 for state in self.states if state.verdict is verdict)

    @property
    def answered(self) -> int:
        """How many items the reviewer confirmed or overrode."""
        return sum(1 for state in self.states if state.answered)


@dataclass(frozen=True)
class ReportData:
    """Everything a report renders, so the formats cannot disagree."""

    project: str
    scanned_at: str
    tool_version: str
    sections: tuple[ChecklistSection, ...]
    problems: tuple[str, ...]
    signoffs: tuple[SignOff, ...]
    digest: str
    engines: tuple[InspectedEngine, ...] = ()

    @property
    def states(self) -> list[ItemState]:
        """Every item, section by section."""
        return [state for section in self.sections for state in section.states]

    def count(self, verdict: Verdict) -> int:
        """How many items of the whole review stand at ``verdict``."""
        return sum(section.count(verdict) for section in self.sections)

    def signoff_current(self, signoff: SignOff) -> bool:
        """True when the content is unchanged since this sign-off."""
        return signoff.digest == self.digest


def report_data(session: ReviewSession) -> ReportData:
    """Collect the report's content from a session."""
    sections = []
    for checklist in session.catalogue.checklists:
        states = [session.review.state(item) for item in checklist.items]
        states.sort(key=lambda s: (VERDICT_ORDER.index(s.verdict), -s.item.severity.rank))
        sections.append(ChecklistSection(checklist, tuple(states)))
    return ReportData(
        project=session.review.project or session.root.name,
        scanned_at=session.review.scanned_at,
        tool_version=__version__,
        sections=tuple(sections),
        problems=tuple(f"{p.location}: {p.reason}" for p in session.review.problems),
        signoffs=tuple(session.review.signoffs),
        digest=session.digest(),
        engines=tuple(session.review.engines),
    )


def live_hosts(state: ItemState) -> list[str]:
    """The engines whose objects answer this item, in the order of its findings."""
    hosts: list[str] = []
    for finding in state.findings:
        host = finding.target.host
        if host and host not in hosts:
            hosts.append(host)
    return hosts
