"""What changed between two reviews, and the frozen copy of a signed-off review to compare with.

:func:`compare` is pure: two reviews and the catalogue in, a :class:`ReviewChanges` out —
the items failing now that did not before, the failing items that pass now, the items
whose evidence changed under the same verdict, the waivers in force then and expired
now, the answers and notes changed, and the items the checklists gained or lost. The
app's overview, the reports and ``reviewtui diff`` all show this one result.

A re-review compares the review as it stands with a **baseline**: a frozen copy of the
review as it was when it was last signed off. The session writes it at each sign-off
(:func:`keep_baseline`), atomically, as ``baseline.json`` beside the review file. It is a
review file itself, so the store's loader and its version check read it, and
``reviewtui diff .reviewtui/baseline.json .`` needs nothing special. It is kept beside
the review file rather than inside it because the review file is rewritten at every
answer: a second copy of every finding in it would double the size and the cost of each
save, and the review file's diff in a pull request would mix what changed with what was
signed. ``baseline.json`` changes only at a sign-off, so its own diff shows exactly what
the sign-off covered.

A finding whose evidence only moved to other lines (a line added above it) is the same
finding: moves alone are not a change, so editing a file's top does not mark every item
changed. Moves are shown beside a real change of the same target.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from reviewtui.checklists import Catalogue, Item
from reviewtui.model import Evidence, Finding, Severity, Status, Target, roll_up
from reviewtui.review import store
from reviewtui.review.model import Answer, Decision, Review, Verdict
from reviewtui.waivers.model import Waiver

log = logging.getLogger(__name__)

_T = TypeVar("_T")

BASELINE_FILE = "baseline.json"
"""The name of the frozen copy beside the default review file."""


class ChangeKind(StrEnum):
    """What sort of change an item went through; the order is the order shown."""

    NEW_FAILURE = "new_failure"
    FIXED = "fixed"
    WAIVER_EXPIRED = "waiver_expired"
    VERDICT = "verdict_changed"
    EVIDENCE = "evidence_changed"
    ANSWER = "answer_changed"
    ADDED = "added"
    REMOVED = "removed"

    @property
    def heading(self) -> str:
        """The heading of this kind's list, in the app and the reports."""
        return _HEADINGS[self]


_HEADINGS = {
    ChangeKind.NEW_FAILURE: "New failures",
    ChangeKind.FIXED: "Fixed",
    ChangeKind.WAIVER_EXPIRED: "Waivers expired",
    ChangeKind.VERDICT: "Other verdict changes",
    ChangeKind.EVIDENCE: "Changed evidence",
    ChangeKind.ANSWER: "Answers and notes changed",
    ChangeKind.ADDED: "Added to the checklists",
    ChangeKind.REMOVED: "Removed from the checklists",
}

CHANGED_KINDS = (
    ChangeKind.VERDICT,
    ChangeKind.EVIDENCE,
    ChangeKind.ANSWER,
    ChangeKind.ADDED,
    ChangeKind.REMOVED,
)
"""The kinds that the short summary counts together as *changed*."""


@dataclass(frozen=True)
class TargetChange:
    """How one target's finding for an item changed.

    ``before`` and ``after`` are the target's status in each review (None where the
    review has no finding for it). ``added`` and ``removed`` are the evidence found in
    only one of them; ``moved`` pairs the evidence that says the same at another line.
    ``reason_before``/``reason_after`` are set when the finding's reason changed.
    """

    target: str
    before: Status | None
    after: Status | None
    added: tuple[Evidence, ...] = ()
    removed: tuple[Evidence, ...] = ()
    moved: tuple[tuple[Evidence, Evidence], ...] = ()
    reason_before: str = ""
    reason_after: str = ""

    @property
    def newly_failing(self) -> bool:
        """True when the target fails now and did not before (or was not there)."""
        return self.after is Status.FAIL and self.before is not Status.FAIL

    def summary(self) -> str:
        """``service web (compose.yaml): pass → fail``, or what else became of it."""
        if self.before is None and self.after is not None:
            return f"{self.target}: new target, {self.after.label}"
        if self.after is None and self.before is not None:
            return f"{self.target}: no longer found (was {self.before.label})"
        if self.before is not self.after and self.before and self.after:
            return f"{self.target}: {self.before.label} → {self.after.label}"
        status = self.after.label if self.after else ""
        return f"{self.target}: still {status}, evidence changed"

    def detail_lines(self) -> list[str]:
        """The reason and evidence that changed, one plain line each."""
        lines = []
        if self.reason_before != self.reason_after:
            if self.reason_before:
                lines.append(f"was: {self.reason_before}")
            if self.reason_after:
                lines.append(f"now: {self.reason_after}")
        lines += [f"+ {_evidence_words(e)}" for e in self.added]
        lines += [f"- {_evidence_words(e)}" for e in self.removed]
        lines += [f"moved {old.location} → {new.location}" for old, new in self.moved]
        return lines

    def to_dict(self) -> dict[str, object]:
        """Plain form for the JSON report and ``reviewtui diff --format json``."""
        return {
            "target": self.target,
            "before": self.before.value if self.before else None,
            "after": self.after.value if self.after else None,
            "reason_before": self.reason_before,
            "reason_after": self.reason_after,
            "evidence_added": [e.to_dict() for e in self.added],
            "evidence_removed": [e.to_dict() for e in self.removed],
            "evidence_moved": [
                {"from": old.to_dict(), "to": new.to_dict()} for old, new in self.moved
            ],
        }


@dataclass(frozen=True)
class ItemChange:
    """One item's change of one kind: its verdict before and after, and the details.

    ``targets`` says what became of each target whose finding changed; ``details``
    holds the other lines (a waiver that expired, an answer or a note that changed).
    ``severity`` and ``title`` are None and the id for an item no longer in the
    checklists. An item can change in several ways, so appear under several kinds.
    """

    kind: ChangeKind
    item_id: str
    title: str
    severity: Severity | None
    before: Verdict | None
    after: Verdict | None
    targets: tuple[TargetChange, ...] = ()
    details: tuple[str, ...] = ()

    @property
    def verdicts(self) -> str:
        """``pass → fail``; one verdict when it did not change."""
        if self.before is None:
            return self.after.label if self.after else ""
        if self.after is None or self.after is self.before:
            return self.before.label
        return f"{self.before.label} → {self.after.label}"

    @property
    def newly_failing_targets(self) -> list[str]:
        """The targets that fail now and did not before."""
        return [change.target for change in self.targets if change.newly_failing]

    def lines(self) -> list[str]:
        """Every detail as plain lines: each target's summary and what changed in it
        (indented by two spaces), then the other details."""
        lines = []
        for change in self.targets:
            lines.append(change.summary())
            lines += [f"  {line}" for line in change.detail_lines()]
        return lines + list(self.details)

    def to_dict(self) -> dict[str, object]:
        """Plain form for the JSON report and ``reviewtui diff --format json``."""
        return {
            "kind": self.kind.value,
            "id": self.item_id,
            "title": self.title,
            "severity": self.severity.value if self.severity else None,
            "before": self.before.value if self.before else None,
            "after": self.after.value if self.after else None,
            "targets": [target.to_dict() for target in self.targets],
            "details": list(self.details),
        }


@dataclass(frozen=True)
class SignedContent:
    """The sign-off a comparison starts from: when, by whom, with what decision, on
    which content. ``signers`` names everyone who signed that same content, each with
    their own decision (``Ada (security, approved)``); ``decision`` is the last one."""

    time: str
    signers: tuple[str, ...]
    decision: Decision
    digest: str

    def words(self) -> str:
        """``2026-12-03 10:00 UTC by Ada (security), Bob``."""
        return f"{readable_time(self.time)} by {', '.join(self.signers)}"

    def to_dict(self) -> dict[str, object]:
        """Plain form for the JSON report."""
        return {
            "time": self.time,
            "signers": list(self.signers),
            "decision": self.decision.value,
            "digest": self.digest,
        }


@dataclass(frozen=True)
class ReviewChanges:
    """Everything that changed from an older review to a newer one.

    ``since`` is the older review's last sign-off (None when it has none);
    ``old_scanned_at`` and ``new_scanned_at`` say when each was scanned. ``changes``
    are ordered by kind, then worst severity first, then checklist order.
    """

    since: SignedContent | None
    old_scanned_at: str
    new_scanned_at: str
    changes: tuple[ItemChange, ...]

    def of(self, kind: ChangeKind) -> list[ItemChange]:
        """The changes of one kind, in order."""
        return [change for change in self.changes if change.kind is kind]

    @property
    def new_failures(self) -> list[ItemChange]:
        """Items failing now that did not before."""
        return self.of(ChangeKind.NEW_FAILURE)

    @property
    def fixed(self) -> list[ItemChange]:
        """Items that failed before and pass or do not apply now."""
        return self.of(ChangeKind.FIXED)

    @property
    def waivers_expired(self) -> list[ItemChange]:
        """Items with a waiver that was in force before and has expired now."""
        return self.of(ChangeKind.WAIVER_EXPIRED)

    @property
    def changed_count(self) -> int:
        """How many items changed otherwise (verdict, evidence, answer, added, removed)."""
        return len({c.item_id for c in self.changes if c.kind in CHANGED_KINDS})

    @property
    def newly_failing_targets(self) -> int:
        """How many targets fail now that did not, in items that failed before too."""
        return sum(len(c.newly_failing_targets) for c in self.of(ChangeKind.EVIDENCE))

    @property
    def worse(self) -> bool:
        """True when something got worse: an item fails that did not, or an item that
        failed before fails for a target that did not fail then."""
        return bool(self.new_failures) or self.newly_failing_targets > 0

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not self.changes

    def counts(self) -> dict[str, int]:
        """The numbers of the short summary, by name."""
        return {
            "new_failures": len(self.new_failures),
            "newly_failing_targets": self.newly_failing_targets,
            "fixed": len(self.fixed),
            "changed": self.changed_count,
            "waivers_expired": len(self.waivers_expired),
        }

    def summary(self) -> str:
        """``1 new failure, 2 fixed, 3 changed, 1 waiver expired``; targets newly failing
        in items that failed already are named after the new failures when there are."""
        counts = self.counts()
        parts = [_plural(counts["new_failures"], "new failure", "new failures")]
        if counts["newly_failing_targets"]:
            parts.append(
                _plural(
                    counts["newly_failing_targets"],
                    "more failing target",
                    "more failing targets",
                )
            )
        parts += [
            f"{counts['fixed']} fixed",
            f"{counts['changed']} changed",
            _plural(counts["waivers_expired"], "waiver expired", "waivers expired"),
        ]
        return ", ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """Plain form for the JSON report and ``reviewtui diff --format json``."""
        return {
            "since": self.since.to_dict() if self.since else None,
            "old_scanned_at": self.old_scanned_at,
            "new_scanned_at": self.new_scanned_at,
            "worse": self.worse,
            "counts": self.counts(),
            "changes": [change.to_dict() for change in self.changes],
        }


def compare(old: Review, new: Review, catalogue: Catalogue) -> ReviewChanges:
    """What changed from ``old`` to ``new``, item by item, for the items of ``catalogue``.

    An automatic item that a scanned review has no entry for was not in its checklists:
    it is *added* (or *removed*) rather than compared. Items of ``old`` the catalogue no
    longer holds are *removed*. An added item that fails is also a new failure.
    """
    changes: list[ItemChange] = []
    for item in catalogue.items:
        changes += _item_changes(item, old, new)
    known = {item.id for item in catalogue.items}
    for item_id in sorted((set(old.findings) | set(old.answers)) - known):
        changes.append(_removed_item(item_id, old))
    order = {item.id: index for index, item in enumerate(catalogue.items)}
    kinds = list(ChangeKind)
    changes.sort(
        key=lambda c: (
            kinds.index(c.kind),
            -(c.severity.rank if c.severity else -1),
            order.get(c.item_id, len(order)),
            c.item_id,
        )
    )
    return ReviewChanges(
        since=signed_content(old),
        old_scanned_at=old.scanned_at,
        new_scanned_at=new.scanned_at,
        changes=tuple(changes),
    )


def signed_content(review: Review) -> SignedContent | None:
    """The review's last sign-off, with everyone who signed the same content."""
    if not review.signoffs:
        return None
    last = review.signoffs[-1]
    signers: list[str] = []
    for signoff in review.signoffs:
        if signoff.digest != last.digest:
            continue
        what = (
            f"{signoff.role}, {signoff.decision.label}"
            if signoff.role
            else (signoff.decision.label)
        )
        who = f"{signoff.name} ({what})"
        # A person who signed the same content twice counts once, with the later decision.
        signers = [s for s in signers if not s.startswith(signoff.name + " (")]
        signers.append(who)
    return SignedContent(last.time, tuple(signers), last.decision, last.digest)


def _present(review: Review, item: Item) -> bool:
    """Whether the review knew the item: a manual item cannot tell, so always does."""
    if not item.automatic or not review.scanned_at:
        return True
    return item.id in review.findings or item.id in review.answers


def _item_changes(item: Item, old: Review, new: Review) -> list[ItemChange]:
    """Every change of one item of the catalogue."""
    was_there, is_there = _present(old, item), _present(new, item)
    if not was_there and not is_there:
        return []
    before, after = old.state(item), new.state(item)

    def change(
        kind: ChangeKind, targets: Sequence[TargetChange] = (), details: Sequence[str] = ()
    ) -> ItemChange:
        return ItemChange(
            kind,
            item.id,
            item.title,
            item.severity,
            before.verdict if was_there else None,
            after.verdict if is_there else None,
            tuple(targets),
            tuple(details),
        )

    if not was_there:
        failing = _target_changes([], [f for f in after.findings if f.status is Status.FAIL])
        added = [change(ChangeKind.ADDED)]
        if after.verdict is Verdict.FAIL:
            added.append(change(ChangeKind.NEW_FAILURE, targets=failing))
        return added
    if not is_there:
        return [change(ChangeKind.REMOVED)]

    changes = []
    targets = _cached_target_changes(item.id, old, new)
    expired = _expired_since(before.waivers, after.waivers)
    answered = answer_changes(before.answer, after.answer)
    kind = _verdict_kind(before.verdict, after.verdict)
    if kind is ChangeKind.FIXED and before.detected is after.detected:
        # The reviewer's answer moved, not the project: nothing was fixed.
        kind = ChangeKind.VERDICT
    if kind is not None:
        # Say so when a waiver or the reviewer, not the project, changed the verdict.
        causes = [_EXPIRED_CAUSE] if expired else []
        if _answer_verdict(before.answer) != _answer_verdict(after.answer):
            causes.append("the reviewer's answer changed")
        changes.append(change(kind, targets=targets, details=causes))
    elif targets:
        changes.append(change(ChangeKind.EVIDENCE, targets=targets))
    if expired:
        changes.append(change(ChangeKind.WAIVER_EXPIRED, details=expired))
    if answered:
        changes.append(change(ChangeKind.ANSWER, details=answered))
    return changes


_EXPIRED_CAUSE = "a waiver in force then has expired"


def _verdict_kind(before: Verdict, after: Verdict) -> ChangeKind | None:
    """Which kind a change of verdict is, or None when the verdict stayed."""
    if before is after:
        return None
    if after is Verdict.FAIL:
        return ChangeKind.NEW_FAILURE
    if before is Verdict.FAIL and after in (Verdict.PASS, Verdict.NOT_APPLICABLE):
        return ChangeKind.FIXED
    return ChangeKind.VERDICT


def _removed_item(item_id: str, old: Review) -> ItemChange:
    """An item of the old review that the checklists no longer hold."""
    answer = old.answers.get(item_id)
    if answer is not None and answer.verdict is not None:
        before = answer.verdict
    else:
        before = Verdict(roll_up(old.findings.get(item_id, [])).value)
    return ItemChange(ChangeKind.REMOVED, item_id, item_id, None, before, None)


# Per item: the two findings lists last compared, and what changed between them. A scan
# replaces the lists, never changes them (the review's own encoding cache relies on the
# same), so the overview redrawing after each answer compares each item's findings once.
_target_cache: dict[str, tuple[list[Finding], list[Finding], list[TargetChange]]] = {}


def _cached_target_changes(item_id: str, old: Review, new: Review) -> list[TargetChange]:
    """What became of the item's targets from ``old`` to ``new``, computed once per pair
    of findings lists."""
    before, after = old.findings.get(item_id), new.findings.get(item_id)
    if before is None or after is None:
        return _target_changes(before or [], after or [])
    cached = _target_cache.get(item_id)
    if cached is not None and cached[0] is before and cached[1] is after:
        return cached[2]
    changes: list[TargetChange] = []
    if old.encoded_findings(item_id) != new.encoded_findings(item_id):
        changes = _target_changes(before, after)
    _target_cache[item_id] = (before, after, changes)
    return changes


def _target_changes(before: Sequence[Finding], after: Sequence[Finding]) -> list[TargetChange]:
    """What became of each target, in the order the findings name them."""
    old, new = _by_target(before), _by_target(after)
    targets = list(old) + [target for target in new if target not in old]
    changes = []
    for target in targets:
        change = _target_change(target, old.get(target, []), new.get(target, []))
        if change is not None:
            changes.append(change)
    return changes


def _by_target(findings: Iterable[Finding]) -> dict[Target, list[Finding]]:
    grouped: dict[Target, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.target, []).append(finding)
    return grouped


def _target_change(
    target: Target, before: list[Finding], after: list[Finding]
) -> TargetChange | None:
    """How one target's findings changed, or None when only evidence lines moved."""
    status_before = roll_up(before) if before else None
    status_after = roll_up(after) if after else None
    reason_before, reason_after = _reasons(before), _reasons(after)
    old_evidence = _unique(e for f in before for e in f.evidence)
    new_evidence = _unique(e for f in after for e in f.evidence)
    removed = [e for e in old_evidence if e not in new_evidence]
    added = [e for e in new_evidence if e not in old_evidence]
    moved = []
    for old in list(removed):
        same = next((new for new in added if _same_words(old, new)), None)
        if same is not None:
            moved.append((old, same))
            removed.remove(old)
            added.remove(same)
    if status_before is status_after and reason_before == reason_after and not (added or removed):
        return None
    return TargetChange(
        target=str(target),
        before=status_before,
        after=status_after,
        added=tuple(added),
        removed=tuple(removed),
        moved=tuple(moved),
        reason_before=reason_before if reason_before != reason_after else "",
        reason_after=reason_after if reason_before != reason_after else "",
    )


def _reasons(findings: list[Finding]) -> str:
    return "; ".join(_unique(f.reason for f in findings if f.reason))


def _unique(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))


def _same_words(old: Evidence, new: Evidence) -> bool:
    """The same evidence at another line of the same file (or object field)."""
    return (old.path, old.field, old.snippet) == (new.path, new.field, new.snippet)


def _evidence_words(evidence: Evidence) -> str:
    if evidence.snippet:
        return f"{evidence.location}  {evidence.snippet}"
    return evidence.location


def _expired_since(before: Sequence[Waiver], after: Sequence[Waiver]) -> list[str]:
    """The waivers expired now that were in force before, described.

    A waiver is the same one when it names the same item, comes from the same file and
    tool, and covers the same targets; its lines may have moved, and its date may have
    been brought forward.
    """
    in_force = {_waiver_key(waiver) for waiver in before if waiver.active}
    return [
        waiver.describe() for waiver in after if waiver.expired and _waiver_key(waiver) in in_force
    ]


def _waiver_key(waiver: Waiver) -> tuple[object, ...]:
    return (
        waiver.item,
        waiver.source,
        waiver.path,
        waiver.rule,
        waiver.pattern,
        waiver.targets,
        waiver.span.path if waiver.span else None,
    )


_ANSWER_FIELDS = {"reason": "reason", "decided_by": "decided by", "owner": "owner", "due": "due"}
_IGNORED_ANSWER_FIELDS = {"verdict", "note", "detected", "updated"}


def answer_changes(before: Answer | None, after: Answer | None) -> list[str]:
    """What the reviewer changed in an item's answer, one plain line each."""
    old = before.to_dict() if before else {}
    new = after.to_dict() if after else {}
    lines = []
    verdict_before, verdict_after = _answer_verdict(before), _answer_verdict(after)
    if verdict_before != verdict_after:
        lines.append(f"answer: {verdict_before} → {verdict_after}")
    keys = sorted((set(old) | set(new)) - _IGNORED_ANSWER_FIELDS)
    for key in keys:
        was, now = str(old.get(key) or ""), str(new.get(key) or "")
        if was == now:
            continue
        name = _ANSWER_FIELDS.get(key, key.replace("_", " "))
        lines.append(f"{name}: {_first_line(now)}" if now else f"{name} removed (was {was})")
    note_before, note_after = str(old.get("note") or ""), str(new.get("note") or "")
    if note_before != note_after:
        if not note_after:
            lines.append("note removed")
        else:
            word = "note changed" if note_before else "note added"
            lines.append(f"{word}: {_first_line(note_after)}")
    return lines


def _answer_verdict(answer: Answer | None) -> str:
    if answer is None or answer.verdict is None:
        return "none (detected applies)"
    return answer.verdict.label


def _first_line(text: str, limit: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def readable_time(iso: str) -> str:
    """``2026-12-03T10:00:00Z`` as ``2026-12-03 10:00 UTC``; empty stays empty."""
    if not iso:
        return ""
    day, _, rest = iso.partition("T")
    return f"{day} {rest[:5]} UTC" if rest else day


# The baseline file


def baseline_path(review_path: Path) -> Path:
    """Where the frozen copy of the signed-off review is kept: beside the review file,
    ``baseline.json`` for ``review.json`` and ``NAME.baseline.json`` for another name."""
    if review_path.name == store.REVIEW_FILE:
        return review_path.with_name(BASELINE_FILE)
    return review_path.with_name(f"{review_path.stem}.baseline{review_path.suffix}")


def keep_baseline(review: Review, review_path: Path) -> Path:
    """Write the review as it stands as the baseline of the next re-review, atomically.

    Raises :class:`~reviewtui.review.store.ReviewSaveError` naming the file.
    """
    path = baseline_path(review_path)
    store.save(review, path)
    return path


def current_baseline(review: Review, review_path: Path) -> Review | None:
    """The baseline of the review's last sign-off, or None when there is no sign-off, no
    baseline, or only one of an earlier sign-off (a later one was made by a reviewtui
    that kept none): changes since that would read as changes since the last one."""
    if not review.signoffs:
        return None
    baseline = load_baseline(review_path)
    if baseline is None or not baseline.signoffs:
        return None
    if baseline.signoffs[-1].digest != review.signoffs[-1].digest:
        log.info("%s is older than the last sign-off", baseline_path(review_path))
        return None
    return baseline


_MAX_CACHED = 4
_cache: dict[Path, tuple[tuple[int, int], Review]] = {}


def load_baseline(review_path: Path) -> Review | None:
    """The baseline beside the review file, or None when there is none or it cannot be
    used (logged).

    The last few are kept while their file is unchanged: the overview asks at every
    redraw, and a big review takes a while to read.
    """
    path = baseline_path(review_path)
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        baseline = store.load(path)
    except store.ReviewFileError as error:
        log.warning("not comparing with the last sign-off: %s", error)
        return None
    if len(_cache) >= _MAX_CACHED:
        _cache.pop(next(iter(_cache)))
    _cache[path] = (stamp, baseline)
    return baseline
