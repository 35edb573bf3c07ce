"""The review: findings per item, waivers, the reviewer's answers and notes, the sign-offs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from itertools import islice

from reviewtui.checklists import Item
from reviewtui.model import Finding, FindingEncoder, Problem, Status, roll_up
from reviewtui.review.meeting import Meeting
from reviewtui.waivers.model import Waiver

DIGEST_CHUNK = 500
"""Findings whose encodings :meth:`Review.digest` hashes in one call."""


class Verdict(StrEnum):
    """An item's status as the review sees it: a detected status or a reviewer's answer."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"
    ACCEPTED_RISK = "accepted_risk"

    @property
    def label(self) -> str:
        """The words a reviewer reads for this verdict."""
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "fail",
    Verdict.NOT_APPLICABLE: "not applicable",
    Verdict.UNKNOWN: "needs a person",
    Verdict.ACCEPTED_RISK: "accepted risk",
}

ANSWER_VERDICTS = (Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE, Verdict.ACCEPTED_RISK)


class Decision(StrEnum):
    """The outcome a reviewer signs off with."""

    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    CHANGES_REQUIRED = "changes_required"

    @property
    def label(self) -> str:
        """The words a reviewer reads for this decision."""
        return self.value.replace("_", " ")


def now_iso() -> str:
    """The current UTC time, to the second, in ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Answer:
    """What the reviewer said about one item.

    ``verdict`` is None while the reviewer has only written a note. ``detected`` keeps
    the detected status at the time of answering, so a later scan that changes it can be
    pointed out. ``reason`` is required for an accepted risk. ``owner`` and ``due`` (an
    ISO date) make a failing item an action item; ``decided_by`` names who took the
    decision when it was taken in a review meeting.
    """

    verdict: Verdict | None = None
    reason: str = ""
    note: str = ""
    detected: Status | None = None
    updated: str = ""
    owner: str = ""
    due: str = ""
    decided_by: str = ""

    def is_empty(self) -> bool:
        """True when the answer holds nothing worth saving."""
        return (
            self.verdict is None
            and not self.reason
            and not self.note
            and not self.owner
            and not self.due
        )

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file; the action and meeting fields only when set,
        so reviews without them read as before."""
        data: dict[str, object] = {
            "verdict": self.verdict.value if self.verdict else None,
            "reason": self.reason,
            "note": self.note,
            "detected": self.detected.value if self.detected else None,
            "updated": self.updated,
        }
        for key in ("owner", "due", "decided_by"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Answer:
        """Inverse of :meth:`to_dict`."""
        verdict = data.get("verdict")
        detected = data.get("detected")
        return cls(
            verdict=Verdict(str(verdict)) if verdict else None,
            reason=str(data.get("reason") or ""),
            note=str(data.get("note") or ""),
            detected=Status(str(detected)) if detected else None,
            updated=str(data.get("updated") or ""),
            owner=str(data.get("owner") or ""),
            due=str(data.get("due") or ""),
            decided_by=str(data.get("decided_by") or ""),
        )


@dataclass(frozen=True)
class InspectedEngine:
    """A Docker engine a live review read: which, how it was reached, when, and what it
    runs; ``error`` says why it could not be read (fully), and is empty otherwise."""

    host: str
    url: str
    inspected_at: str
    server_version: str = ""
    api_version: str = ""
    containers: int = 0
    images: int = 0
    swarm_services: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file and the JSON report."""
        return {
            "host": self.host,
            "url": self.url,
            "inspected_at": self.inspected_at,
            "server_version": self.server_version,
            "api_version": self.api_version,
            "containers": self.containers,
            "images": self.images,
            "swarm_services": self.swarm_services,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> InspectedEngine:
        """Inverse of :meth:`to_dict`."""

        def number(key: str) -> int:
            value = data.get(key, 0)
            return value if isinstance(value, int) else 0

        return cls(
            host=str(data["host"]),
            url=str(data.get("url", "")),
            inspected_at=str(data.get("inspected_at", "")),
            server_version=str(data.get("server_version", "")),
            api_version=str(data.get("api_version", "")),
            containers=number("containers"),
            images=number("images"),
            swarm_services=number("swarm_services"),
            error=str(data.get("error", "")),
        )


@dataclass(frozen=True)
class SignOff:
    """One person's sign-off: who, in what role, what they decided, when, and on what.

    ``digest`` is the SHA-256 of the reviewed content at the moment of signing, as the
    app shows it. ``content_digest`` and ``checklists_digest`` are the SHA-256 of the
    canonical content and of the checklists' texts that a signature covers (see
    :mod:`reviewtui.review.signing`); both are empty in sign-offs made before they
    existed. ``signature`` is the armored SSH signature over those digests and the
    sign-off's own fields, made in ``namespace`` with the public ``key`` whose
    fingerprint is ``fingerprint``; all four are empty for an unsigned sign-off.
    """

    name: str
    email: str
    role: str
    decision: Decision
    time: str
    digest: str
    content_digest: str = ""
    checklists_digest: str = ""
    signature: str = ""
    key: str = ""
    fingerprint: str = ""
    namespace: str = ""

    @property
    def signed(self) -> bool:
        """True when an SSH signature backs the sign-off."""
        return bool(self.signature)

    def to_dict(self) -> dict[str, str]:
        """Plain form for the review file; the signing fields only when set, so an old
        review file saves as it was."""
        data = {
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "decision": self.decision.value,
            "time": self.time,
            "digest": self.digest,
        }
        for key in _SIGNING_FIELDS:
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> SignOff:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["name"],
            data.get("email", ""),
            data.get("role", ""),
            Decision(data["decision"]),
            data.get("time", ""),
            data.get("digest", ""),
            **{key: str(data.get(key) or "") for key in _SIGNING_FIELDS},
        )


_SIGNING_FIELDS = (
    "content_digest",
    "checklists_digest",
    "signature",
    "key",
    "fingerprint",
    "namespace",
)


@dataclass(frozen=True)
class ItemState:
    """An item together with what was detected, the waivers naming it, and the answer.

    The verdict is decided in this order: the reviewer's answer; else the waivers, when
    every failing target is waived by one that has not expired (an accepted risk); else
    the detected status. A partial waiver leaves the item failing, with the waived
    targets marked (:meth:`waiver_for`).
    """

    item: Item
    findings: tuple[Finding, ...]
    answer: Answer | None
    waivers: tuple[Waiver, ...] = ()

    @cached_property
    def detected(self) -> Status:
        """The detected status rolled up over targets; unknown for manual items."""
        if not self.item.automatic:
            return Status.UNKNOWN
        return roll_up(list(self.findings))

    @property
    def verdict(self) -> Verdict:
        """The reviewer's answer when given, else the detected status with waivers applied."""
        if self.answer is not None and self.answer.verdict is not None:
            return self.answer.verdict
        return self.automatic_verdict

    @cached_property
    def automatic_verdict(self) -> Verdict:
        """The detected status, or an accepted risk when the waivers cover every failure.

        Targets a person must still look at (unknown) keep the item unknown. Kept once
        worked out: it depends only on the findings and waivers, which never change.
        """
        detected = self.detected
        if detected is not Status.FAIL or not self._waived:
            return Verdict(detected.value)
        rest = [f for i, f in enumerate(self.findings) if i not in self._waived]
        if any(f.status is Status.FAIL for f in rest):
            return Verdict.FAIL
        if any(f.status is Status.UNKNOWN for f in rest):
            return Verdict.UNKNOWN
        return Verdict.ACCEPTED_RISK

    @property
    def waived(self) -> bool:
        """True when the verdict is an accepted risk because of waivers, not an answer."""
        return not self.answered and self.automatic_verdict is Verdict.ACCEPTED_RISK

    @property
    def partly_waived(self) -> bool:
        """True when some failing targets are waived but not all of them."""
        return bool(self._waived) and self.automatic_verdict is Verdict.FAIL

    def waiver_for(self, finding: Finding) -> Waiver | None:
        """The waiver in force for a failing finding of this item, if any."""
        return self._waiver_by_finding.get(id(finding))

    def expired_waivers_for(self, finding: Finding) -> list[Waiver]:
        """Expired waivers that would cover this failing finding: shown, never applied."""
        if finding.status is not Status.FAIL:
            return []
        return [w for w in self.waivers if w.expired and w.covers(finding)]

    @cached_property
    def _waived(self) -> dict[int, Waiver]:
        """Index of each failing finding to the first active waiver covering it."""
        active = [waiver for waiver in self.waivers if waiver.active]
        covered: dict[int, Waiver] = {}
        if not active:
            return covered
        for index, finding in enumerate(self.findings):
            if finding.status is not Status.FAIL:
                continue
            waiver = next((w for w in active if w.covers(finding)), None)
            if waiver is not None:
                covered[index] = waiver
        return covered

    @cached_property
    def _waiver_by_finding(self) -> dict[int, Waiver]:
        # Keyed by identity: the findings tuple keeps every finding alive with the state.
        return {id(self.findings[index]): waiver for index, waiver in self._waived.items()}

    @property
    def answered(self) -> bool:
        """True when the reviewer confirmed or overrode the detected status."""
        return self.answer is not None and self.answer.verdict is not None

    @property
    def note(self) -> str:
        """The reviewer's note, or an empty string."""
        return self.answer.note if self.answer else ""

    @property
    def detection_changed(self) -> bool:
        """True when a scan since the answer changed the detected status."""
        return (
            self.answered
            and self.answer is not None
            and self.answer.detected is not None
            and self.answer.detected is not self.detected
        )


@dataclass
class Review:
    """Everything a review holds; saved as one versioned file by the store.

    ``meetings`` are the review meetings held on it, oldest first.
    """

    project: str
    created: str = field(default_factory=now_iso)
    updated: str = ""
    scanned_at: str = ""
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    signoffs: list[SignOff] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    engines: list[InspectedEngine] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    _encoded: dict[str, tuple[list[Finding], list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _blocks: dict[str, tuple[list[str], str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _waiver_index: tuple[list[Waiver], int, dict[str, tuple[Waiver, ...]]] | None = field(
        default=None, repr=False, compare=False
    )

    def encoded_findings(self, item_id: str) -> list[str]:
        """Each finding of the item as compact canonical JSON, one string per finding.

        Findings change only when a scan replaces them, so the encoding is kept until
        then: saving after each answer and computing the digest stay cheap on big trees.
        """
        findings = self.findings.get(item_id, [])
        cached = self._encoded.get(item_id)
        if cached is not None and cached[0] is findings:
            return cached[1]
        encoded = [f.canonical_json() for f in findings]
        self._encoded[item_id] = (findings, encoded)
        return encoded

    def _encodings(self, item_id: str, encoder: FindingEncoder) -> Iterable[str]:
        """The item's encoded findings: those kept by :meth:`encoded_findings` when a save
        made them, else made one by one by ``encoder`` and not kept, so that a scan that
        is never saved (``reviewtui scan``) does not hold a second copy of every finding."""
        findings = self.findings.get(item_id, [])
        cached = self._encoded.get(item_id)
        if cached is not None and cached[0] is findings:
            return cached[1]
        return map(encoder.encode, findings)

    def findings_block(self, item_id: str, indent: str) -> str:
        """The item's encoded findings as lines of the review file, one per finding.

        Kept beside the encoding, so saving a big review after an answer copies strings
        instead of building them again.
        """
        encoded = self.encoded_findings(item_id)
        cached = self._blocks.get(item_id)
        if cached is not None and cached[0] is encoded and cached[1] == indent:
            return cached[2]
        block = ",\n".join(indent + line for line in encoded)
        self._blocks[item_id] = (encoded, indent, block)
        return block

    def state(self, item: Item) -> ItemState:
        """The item with its findings, waivers and answer."""
        # TODO: the tuple copies the item's findings: a few MB at a big tree's peak, as
        # long as the session keeps its states; the review could hold tuples itself.
        return ItemState(
            item,
            tuple(self.findings.get(item.id, ())),
            self.answers.get(item.id),
            self.waivers_of(item.id),
        )

    def waivers_of(self, item_id: str) -> tuple[Waiver, ...]:
        """The waivers that name an item, expired ones included."""
        index = self._waiver_index
        if index is None or index[0] is not self.waivers or index[1] != len(self.waivers):
            by_item: dict[str, list[Waiver]] = {}
            for waiver in self.waivers:
                by_item.setdefault(waiver.item, []).append(waiver)
            index = (self.waivers, len(self.waivers), {k: tuple(v) for k, v in by_item.items()})
            self._waiver_index = index
        return index[2].get(item_id, ())

    def digest(self, items: list[Item]) -> str:
        """SHA-256 of the reviewed content: every item's findings, waivers, verdict, answer,
        note.

        Timestamps and sign-offs are left out, so the digest changes exactly when what
        was reviewed changes. Waivers enter only for the items they name, so the digest
        of a review without waivers is the same as before waivers existed.
        """
        digest = hashlib.sha256()
        encoder = FindingEncoder()
        for item in items:
            state = self.state(item)
            head: dict[str, object] = {
                "id": item.id,
                "detected": state.detected.value,
                "verdict": state.verdict.value,
                "reason": state.answer.reason if state.answer else "",
                "note": state.note,
            }
            if state.waivers:
                head["waivers"] = [waiver.to_dict() for waiver in state.waivers]
            digest.update(canonical_json(head).encode("utf-8"))
            # The same bytes as one update per finding ("\n" before each), in one call per
            # chunk of findings: one call for all of an item's would hold their text three
            # times over (the strings, the joined text, its bytes) at the peak of a scan.
            encodings = iter(self._encodings(item.id, encoder))
            while chunk := list(islice(encodings, DIGEST_CHUNK)):
                digest.update(("\n" + "\n".join(chunk)).encode("utf-8"))
            digest.update(b"\n\n")
        return digest.hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# One encoder for every call: json.dumps would build a new one for each finding.


def canonical_json(value: object) -> str:
    """Compact JSON with sorted keys: the same value always gives the same text."""
    return _CANONICAL.encode(value)
