"""A review in progress: scan, merge with saved answers, answer, note, sign off, save.

The app and the headless commands drive the same session, so ``reviewtui scan`` and the
app always give the same answers for the same project.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewtui.checklists import Catalogue, Checklist, load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.project import read_project
from reviewtui.review import store
from reviewtui.review.model import (
    Answer,
    Decision,
    ItemState,
    Review,
    SignOff,
    Verdict,
    now_iso,
)

log = logging.getLogger(__name__)

ScanProgress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` during a scan."""


class AnswerError(ValueError):
    """An answer the review cannot take (an accepted risk without a reason, say)."""


@dataclass(frozen=True)
class ChecklistCounts:
    """How many items of a checklist stand at each verdict, and how many are answered."""

    name: str
    title: str
    total: int
    answered: int
    by_verdict: dict[Verdict, int]


class ReviewSession:
    """One project's review: the catalogue, the review, and where it is saved.

    Every change saves the review at once (atomically) when ``autosave`` is on. A review
    file that cannot be loaded is moved aside to a backup rather than overwritten, and
    ``notice`` says so.
    """

    def __init__(
        self,
        root: Path,
        catalogue: Catalogue,
        review: Review,
        path: Path | None,
        autosave: bool = True,
    ) -> None:
        self.root = root
        self.catalogue = catalogue
        self.review = review
        self.path = path
        self.autosave = autosave and path is not None
        self.notice = ""

    @classmethod
    def open(
        cls,
        root: Path,
        catalogue: Catalogue | None = None,
        review_path: Path | None = None,
        autosave: bool = True,
    ) -> ReviewSession:
        """Open the project's saved review, or start a new one."""
        root = root.resolve()
        catalogue = catalogue or load_catalogue()
        path = review_path or store.default_path(root)
        notice = ""
        if path.exists():
            try:
                review = store.load(path)
            except store.ReviewFileError as error:
                backup = path.with_name(f"{path.name}.broken-{now_iso().replace(':', '')}")
                shutil.copy2(path, backup)
                notice = f"{error}; kept a copy at {backup.name} and started a new review"
                log.warning(notice)
                review = Review(project=root.name)
        else:
            review = Review(project=root.name)
        session = cls(root, catalogue, review, path, autosave)
        session.notice = notice
        return session

    # Reading

    def states(self) -> list[ItemState]:
        """Every item with its findings and answer, in checklist order."""
        return [self.review.state(item) for item in self.catalogue.items]

    def state(self, item_id: str) -> ItemState:
        """One item's state; KeyError for an unknown id."""
        item = self.catalogue.item(item_id)
        if item is None:
            raise KeyError(item_id)
        return self.review.state(item)

    def counts(self, checklist: Checklist) -> ChecklistCounts:
        """Verdict counts and progress for one checklist."""
        states = [self.review.state(item) for item in checklist.items]
        return ChecklistCounts(
            name=checklist.name,
            title=checklist.title,
            total=len(states),
            answered=sum(1 for s in states if s.answered),
            by_verdict=dict(Counter(s.verdict for s in states)),
        )

    def digest(self) -> str:
        """SHA-256 of the reviewed content as it stands."""
        return self.review.digest(self.catalogue.items)

    # Changing

    def scan(self, progress: ScanProgress | None = None) -> None:
        """Read the project and detect every item again, keeping answers and notes."""
        facts = read_project(self.root, progress)
        findings = detect(
            self.catalogue,
            facts,
            progress=(lambda done, total: progress("checking items", done, total))
            if progress
            else None,
        )
        self.review.findings = findings
        self.review.problems = sorted(
            set(facts.problems), key=lambda p: (p.path, p.line or 0, p.reason)
        )
        self.review.scanned_at = now_iso()
        self._changed()

    def set_verdict(self, item_id: str, verdict: Verdict | None, reason: str = "") -> None:
        """Confirm or override an item's status; None clears the reviewer's answer."""
        state = self.state(item_id)
        if verdict is Verdict.UNKNOWN:
            raise AnswerError(
                "'needs a person' is not an answer; choose pass, fail, "
                "not applicable or accepted risk"
            )
        if verdict is Verdict.ACCEPTED_RISK and not reason.strip():
            raise AnswerError("an accepted risk needs a reason")
        answer = self.review.answers.get(item_id) or Answer()
        answer.verdict = verdict
        answer.reason = reason.strip() if verdict is Verdict.ACCEPTED_RISK else ""
        answer.detected = state.detected if verdict is not None else None
        self._store_answer(item_id, answer)

    def set_note(self, item_id: str, note: str) -> None:
        """Replace the reviewer's note on an item."""
        self.state(item_id)
        answer = self.review.answers.get(item_id) or Answer()
        answer.note = note.rstrip()
        self._store_answer(item_id, answer)

    def sign_off(self, name: str, email: str, role: str, decision: Decision) -> SignOff:
        """Record a sign-off over the content as it stands now."""
        if not name.strip():
            raise AnswerError("a sign-off needs the reviewer's name")
        signoff = SignOff(
            name.strip(), email.strip(), role.strip(), decision, now_iso(), self.digest()
        )
        self.review.signoffs.append(signoff)
        self._changed()
        return signoff

    def save(self) -> None:
        """Write the review file now."""
        if self.path is None:
            return
        self.review.updated = now_iso()
        store.save(self.review, self.path)

    def _store_answer(self, item_id: str, answer: Answer) -> None:
        answer.updated = now_iso()
        if answer.is_empty():
            self.review.answers.pop(item_id, None)
        else:
            self.review.answers[item_id] = answer
        self._changed()

    def _changed(self) -> None:
        if self.autosave:
            self.save()
