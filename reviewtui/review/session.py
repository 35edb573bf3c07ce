"""A review in progress: scan, merge with saved answers, answer, note, sign off, save.

The app and the headless commands drive the same session, so ``reviewtui scan`` and the
app always give the same answers for the same project.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.checklists import Catalogue, Checklist, Item
from reviewtui.custom.catalogue import load_project_catalogue
from reviewtui.model import Finding, Problem
from reviewtui.project.scanner_reports import ScannerSettings
from reviewtui.review import store
from reviewtui.review.changes import ReviewChanges, compare, current_baseline, keep_baseline
from reviewtui.review.meeting import Meeting, clean_attendees
from reviewtui.review.model import (
    Answer,
    Decision,
    InspectedEngine,
    ItemState,
    Review,
    SignOff,
    Verdict,
    now_iso,
)

if TYPE_CHECKING:
    from reviewtui.live import EngineFacts, LiveSettings

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

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

    Every change saves the review at once (atomically) when ``autosave`` is on; a save
    that fails raises :class:`~reviewtui.review.store.ReviewSaveError` and leaves the
    review in memory, so the next change tries again. A damaged review file is copied
    aside before a new review starts; a file from a newer reviewtui opens read-only.
    ``notice`` says which happened.
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
        self.scanner_reports: list[Path] = []
        self.scanner_settings = ScannerSettings()
        self.live: LiveSettings | None = None
        # The fingerprint of each Dockerfile and compose file as the last scan read it:
        # a fix is written only over a file that has not changed since.
        self.scanned_digests: dict[str, str] = {}
        self._states: dict[str, tuple[ItemState, list[Finding] | None, Answer | None]] = {}
        # What the review file looked like when this session last read or wrote it, so a
        # save can tell that another reviewtui wrote it in between.
        self._disk_stamp = _stamp(path)

    @classmethod
    def open(
        cls,
        root: Path,
        catalogue: Catalogue | None = None,
        review_path: Path | None = None,
        autosave: bool = True,
        scanner_reports: Sequence[Path] = (),
        scanner_settings: ScannerSettings | None = None,
        live: LiveSettings | None = None,
    ) -> ReviewSession:
        """Open the project's saved review, or start a new one.

        Without ``catalogue``, the shipped checklists and the project's own
        (``.reviewtui/checklists``) are loaded. ``scanner_reports``,
        ``scanner_settings`` and ``live`` (the engines to inspect, None for a review of
        the files alone) are kept for every scan of the session.
        """
        root = root.resolve()
        catalogue = catalogue or load_project_catalogue(root)
        path = review_path or store.default_path(root)
        notice = ""
        read_only = False
        if path.exists():
            try:
                review = store.load(path)
            except store.ReviewFileError as error:
                review = Review(project=root.name)
                if error.newer or not autosave:
                    # Never overwrite what a newer reviewtui wrote; a headless run only
                    # reads, so it leaves a damaged file alone too.
                    read_only = True
                    notice = f"{error}; opened read-only, nothing will be saved"
                else:
                    backup = path.with_name(f"{path.name}.broken-{now_iso().replace(':', '')}")
                    shutil.copy2(path, backup)
                    notice = f"{error}; kept a copy at {backup.name} and started a new review"
                log.info(notice)
        else:
            review = Review(project=root.name)
        session = cls(root, catalogue, review, path, autosave and not read_only)
        session.notice = notice
        session.scanner_reports = list(scanner_reports)
        session.scanner_settings = scanner_settings or ScannerSettings()
        session.live = live
        return session

    # Reading

    def states(self) -> list[ItemState]:
        """Every item with its findings and answer, in checklist order."""
        return [self._state_of(item) for item in self.catalogue.items]

    def state(self, item_id: str) -> ItemState:
        """One item's state; KeyError for an unknown id."""
        item = self.catalogue.item(item_id)
        if item is None:
            raise KeyError(item_id)
        return self._state_of(item)

    def _state_of(self, item: Item) -> ItemState:
        """The item's state, the same object for as long as its findings, waivers and
        answer stay what they were: the app asks for every item's state at each key,
        and what it draws from a state is kept with it."""
        review = self.review
        findings = review.findings.get(item.id)
        answer = review.answers.get(item.id)
        kept = self._states.get(item.id)
        if kept is not None:
            state, seen_findings, seen_answer = kept
            if (
                state.item is item
                and seen_findings is findings
                and len(state.findings) == len(findings or ())
                and state.answer is answer
                # An answer is changed in place: compare it with a copy of what it was.
                and seen_answer == answer
                and state.waivers is review.waivers_of(item.id)
            ):
                return state
        state = review.state(item)
        self._states[item.id] = (state, findings, copy.copy(answer))
        return state

    def counts(self, checklist: Checklist) -> ChecklistCounts:
        """Verdict counts and progress for one checklist."""
        states = [self._state_of(item) for item in checklist.items]
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

    def changes_since_signoff(self) -> ReviewChanges | None:
        """What changed since the last sign-off: the review as it stands against the
        frozen copy kept at that sign-off. None before any sign-off, and when no copy
        of it was kept (a sign-off by an older reviewtui, a review that saves nowhere)."""
        baseline = current_baseline(self.review, self.path) if self.path else None
        if baseline is None:
            return None
        return compare(baseline, self.review, self.catalogue)

    def _keep_baseline(self) -> None:
        """Freeze the review as just signed off, for the next re-review to compare with.

        The sign-off itself is saved by then; a baseline that cannot be written only
        leaves the next comparison to an older one, so it is logged, not raised.
        """
        if self.path is None or not self.autosave:
            return
        try:
            keep_baseline(self.review, self.path)
        except OSError as error:
            log.warning("%s", error)

    # Changing

    def scan(self, progress: ScanProgress | None = None) -> None:
        """Read the project (and the engines of a live review) and detect every item
        again, keeping answers and notes.

        The Dockerfiles are read while the items are judged (see
        :func:`reviewtui.detect.engine.detect_streaming`): after the other files are
        read, ``progress`` hears of one step that counts both the Dockerfiles read and
        the items judged.
        """
        # Imported at the first scan, not with the session: the app's first frame does
        # not wait for every reader and detector to load (the scan runs in a thread
        # behind it).
        from reviewtui.detect.engine import detect_streaming
        from reviewtui.live import read_engines
        from reviewtui.project import read_project_but_dockerfiles
        from reviewtui.waivers import WaiverCollector

        facts, dockerfiles = read_project_but_dockerfiles(
            self.root, progress, self.scanner_reports, self.scanner_settings
        )
        if self.live is not None:
            facts.engines = read_engines(self.live, progress)
            facts.problems.extend(_engine_problems(facts.engines))
        self.review.engines = [_record(engine) for engine in facts.engines]
        # The Dockerfiles are read while the items are judged, a batch at a time, so a
        # big tree's parsed files are never all in memory; their waivers are taken then.
        waivers = WaiverCollector(self.catalogue)
        waivers.compose(facts)  # while the compose projects are there: detection drops them
        findings = detect_streaming(self.catalogue, facts, dockerfiles, waivers, progress=progress)
        self.review.findings = findings
        self.scanned_digests = _file_digests(self.root, findings)
        self.review.waivers, waiver_problems = waivers.finish(facts)
        self.review.problems = sorted(
            set(facts.problems) | set(waiver_problems),
            key=lambda p: (p.path, p.line or 0, p.reason),
        )
        self.review.scanned_at = now_iso()
        # A scan alone does not create a review file: opening a folder by mistake must
        # leave nothing behind. The first answer, note or sign-off creates it.
        if self.path is not None and (self.path.exists() or self._has_reviewer_input()):
            self._changed()

    def _has_reviewer_input(self) -> bool:
        return bool(self.review.answers or self.review.signoffs)

    def set_verdict(
        self, item_id: str, verdict: Verdict | None, reason: str = "", decided_by: str = ""
    ) -> None:
        """Confirm or override an item's status; None clears the reviewer's answer.

        ``decided_by`` names who took the decision, in a meeting.
        """
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
        answer.decided_by = decided_by.strip() if verdict is not None else ""
        self._store_answer(item_id, answer)

    def set_action(self, item_id: str, owner: str, due: str) -> None:
        """Make an item an action item: who fixes it and by when (``YYYY-MM-DD``); both
        empty clear it. Raises AnswerError for a date that is not one."""
        self.state(item_id)
        owner, due = owner.strip(), due.strip()
        if due:
            try:
                date.fromisoformat(due)
            except ValueError:
                raise AnswerError(f"due date {due!r} is not a date like 2027-01-31") from None
        if due and not owner:
            raise AnswerError("an action item needs an owner")
        answer = self.review.answers.get(item_id) or Answer()
        answer.owner, answer.due = owner, due
        self._store_answer(item_id, answer)

    def set_note(self, item_id: str, note: str) -> None:
        """Replace the reviewer's note on an item."""
        self.state(item_id)
        answer = self.review.answers.get(item_id) or Answer()
        answer.note = note.rstrip()
        self._store_answer(item_id, answer)

    def sign_off(
        self,
        name: str,
        email: str,
        role: str,
        decision: Decision | None,
        key: str | None = None,
        ask_passphrase: bool = False,
    ) -> SignOff:
        """Record a sign-off over the content as it stands now, signed with ``key`` (an
        SSH key file or a ``key::`` public key whose private half ssh-agent holds) when
        one is given; ``ask_passphrase`` lets ssh-keygen ask on the terminal.

        Raises AnswerError without a name or a decision, or for an email that is not one,
        and :class:`~reviewtui.review.signing.SigningError` when the key cannot sign;
        either way nothing is recorded.
        """
        if not name.strip():
            raise AnswerError("a sign-off needs the reviewer's name")
        if email.strip() and not _EMAIL.fullmatch(email.strip()):
            raise AnswerError(f"{email.strip()!r} is not an email address")
        if decision is None:
            raise AnswerError(
                "choose a decision: approved, approved with conditions or changes required"
            )
        from reviewtui.review import signing  # only a sign-off needs it, not the app's start

        content_digest, checklists_digest = signing.review_digests(
            self.review, self.catalogue, self.review.project or self.root.name
        )
        signoff = SignOff(
            name.strip(),
            email.strip(),
            role.strip(),
            decision,
            now_iso(),
            self.digest(),
            content_digest=content_digest,
            checklists_digest=checklists_digest,
        )
        if key and key.strip():
            signoff = signing.sign(signoff, key, ask_passphrase)
        self.review.signoffs.append(signoff)
        self._changed()
        self._keep_baseline()
        return signoff

    def save(self) -> None:
        """Write the review file now.

        When another reviewtui wrote the file since this session read it, its answers and
        sign-offs are merged in first (per item, the answer changed last wins), so two
        people answering the same project at once lose nothing.
        """
        if self.path is None:
            return
        if _stamp(self.path) != self._disk_stamp:
            self._merge_from_disk()
        self.review.updated = now_iso()
        store.save(self.review, self.path)
        self._disk_stamp = _stamp(self.path)

    def refresh_from_disk(self) -> bool:
        """Merge in what another reviewtui saved to the review file since this session
        read or wrote it (answers, sign-offs, meetings), as :meth:`save` would; returns
        whether there was anything. A report exported then shows every sign-off made
        meanwhile, such as one by ``reviewtui sign`` while the app is open."""
        if self.path is None:
            return False
        stamp = _stamp(self.path)
        if stamp is None or stamp == self._disk_stamp:
            return False
        self._merge_from_disk()
        self._disk_stamp = stamp
        return True

    def _merge_from_disk(self) -> None:
        assert self.path is not None
        try:
            other = store.load(self.path)
        except store.ReviewFileError as error:
            log.info("not merging %s: %s", self.path, error)
            return
        for item_id, theirs in other.answers.items():
            mine = self.review.answers.get(item_id)
            if mine is None or theirs.updated > mine.updated:
                self.review.answers[item_id] = theirs
        known = {(s.name, s.time, s.digest) for s in self.review.signoffs}
        for signoff in other.signoffs:
            if (signoff.name, signoff.time, signoff.digest) not in known:
                self.review.signoffs.append(signoff)
        self.review.signoffs.sort(key=lambda s: s.time)
        self._merge_meetings(other.meetings)
        self.notice = "another reviewtui saved this review meanwhile; its answers were merged"

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

    # Meetings

    @property
    def meeting(self) -> Meeting | None:
        """The meeting under way (the latest one not ended), or None."""
        return next((m for m in reversed(self.review.meetings) if m.under_way), None)

    def start_meeting(self, attendees: Sequence[str]) -> Meeting:
        """Start a review meeting with ``attendees`` (the first decides unless told
        otherwise), and save it; returns the meeting.

        A meeting the app stopped before it was ended goes on instead of a new one, with
        these attendees, so its decisions stay together. Raises AnswerError without an
        attendee.
        """
        names = clean_attendees(attendees)
        if not names:
            raise AnswerError("a meeting needs at least one attendee")
        meeting = self.meeting
        if meeting is None:
            meeting = Meeting(started=now_iso(), attendees=names)
            self.review.meetings.append(meeting)
        else:
            meeting.attendees = names
        self._changed()
        return meeting

    def decide_in_meeting(
        self, item_id: str, verdict: Verdict, reason: str, decided_by: str
    ) -> None:
        """Answer an item in the meeting under way: the answer names ``decided_by`` and
        the meeting records the item among its decisions.

        Raises AnswerError when no meeting is under way, or for an answer
        :meth:`set_verdict` refuses (then the meeting records nothing).
        """
        meeting = self.meeting
        if meeting is None:
            raise AnswerError("no meeting is under way")
        added = item_id not in meeting.decisions
        if added:
            meeting.decisions.append(item_id)
        try:
            self.set_verdict(item_id, verdict, reason, decided_by)
        except (AnswerError, KeyError):
            if added:
                meeting.decisions.remove(item_id)
            raise

    def end_meeting(self) -> Meeting | None:
        """End the meeting under way and save; returns it, or None when there was none."""
        meeting = self.meeting
        if meeting is None:
            return None
        meeting.ended = now_iso()
        self._changed()
        return meeting

    def _merge_meetings(self, theirs: list[Meeting]) -> None:
        """Take in the meetings another reviewtui saved; one both know (the same start)
        keeps the decisions of both."""
        mine = {meeting.started: meeting for meeting in self.review.meetings}
        for other in theirs:
            known = mine.get(other.started)
            if known is None:
                self.review.meetings.append(other)
                continue
            known.decisions += [d for d in other.decisions if d not in known.decisions]
            known.ended = known.ended or other.ended
        self.review.meetings.sort(key=lambda meeting: meeting.started)


def _engine_problems(engines: list[EngineFacts]) -> list[Problem]:
    """What could not be read on each engine, named by the host."""
    problems = []
    for engine in engines:
        if engine.error:
            problems.append(Problem(f"engine {engine.endpoint.label}", None, engine.error))
        problems.extend(engine.problems)
    return problems


def _record(engine: EngineFacts) -> InspectedEngine:
    return InspectedEngine(
        host=engine.host,
        url=engine.endpoint.url,
        inspected_at=engine.inspected_at,
        server_version=str(engine.version.get("Version", "")),
        api_version=str(engine.version.get("ApiVersion", "")),
        containers=len(engine.containers),
        images=len(engine.images),
        swarm_services=len(engine.swarm.services) if engine.swarm else 0,
        error=engine.error or "",
    )


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """Modification time and size of the review file, or None when there is none."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _file_digests(root: Path, findings: dict[str, list[Finding]]) -> dict[str, str]:
    """The fingerprint of every file a fix could edit, as it is right after the scan."""
    from reviewtui.fix.plan import FILE_KINDS

    paths = {
        finding.target.path
        for found in findings.values()
        for finding in found
        if finding.target.kind in FILE_KINDS
    }
    digests = {}
    for rel in paths:
        try:
            digests[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        except OSError:
            continue
    return digests
