"""The review: findings per item, the reviewer's answers and notes, and the sign-offs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from reviewtui.checklists import Item
from reviewtui.model import Finding, Problem, Status, roll_up


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
    pointed out. ``reason`` is required for an accepted risk.
    """

    verdict: Verdict | None = None
    reason: str = ""
    note: str = ""
    detected: Status | None = None
    updated: str = ""

    def is_empty(self) -> bool:
        """True when the answer holds nothing worth saving."""
        return self.verdict is None and not self.reason and not self.note

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file."""
        return {
            "verdict": self.verdict.value if self.verdict else None,
            "reason": self.reason,
            "note": self.note,
            "detected": self.detected.value if self.detected else None,
            "updated": self.updated,
        }

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
        )


@dataclass(frozen=True)
class SignOff:
    """One person's sign-off: who, in what role, what they decided, when, and on what.

    ``digest`` is the SHA-256 of the reviewed content at the moment of signing.
    """

    name: str
    email: str
    role: str
    decision: Decision
    time: str
    digest: str

    def to_dict(self) -> dict[str, str]:
        """Plain form for the review file."""
        return {
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "decision": self.decision.value,
            "time": self.time,
            "digest": self.digest,
        }

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
        )


@dataclass(frozen=True)
class ItemState:
    """An item together with what was detected and what the reviewer said."""

    item: Item
    findings: tuple[Finding, ...]
    answer: Answer | None

    @property
    def detected(self) -> Status:
        """The detected status rolled up over targets; unknown for manual items."""
        if not self.item.automatic:
            return Status.UNKNOWN
        return roll_up(list(self.findings))

    @property
    def verdict(self) -> Verdict:
        """The reviewer's answer when given, else the detected status."""
        if self.answer is not None and self.answer.verdict is not None:
            return self.answer.verdict
        return Verdict(self.detected.value)

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
    """Everything a review holds; saved as one versioned file by the store."""

    project: str
    created: str = field(default_factory=now_iso)
    updated: str = ""
    scanned_at: str = ""
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    signoffs: list[SignOff] = field(default_factory=list)
    _encoded: dict[str, tuple[list[Finding], list[str]]] = field(
        default_factory=dict, repr=False, compare=False
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
        encoded = [canonical_json(f.to_dict()) for f in findings]
        self._encoded[item_id] = (findings, encoded)
        return encoded

    def state(self, item: Item) -> ItemState:
        """The item with its findings and answer."""
        return ItemState(item, tuple(self.findings.get(item.id, ())), self.answers.get(item.id))

    def digest(self, items: list[Item]) -> str:
        """SHA-256 of the reviewed content: every item's findings, verdict, answer, note.

        Timestamps and sign-offs are left out, so the digest changes exactly when what
        was reviewed changes.
        """
        digest = hashlib.sha256()
        for item in items:
            state = self.state(item)
            head = {
                "id": item.id,
                "detected": state.detected.value,
                "verdict": state.verdict.value,
                "reason": state.answer.reason if state.answer else "",
                "note": state.note,
            }
            digest.update(canonical_json(head).encode("utf-8"))
            for encoded in self.encoded_findings(item.id):
                digest.update(b"\n" + encoded.encode("utf-8"))
            digest.update(b"\n\n")
        return digest.hexdigest()


def canonical_json(value: object) -> str:
    """Compact JSON with sorted keys: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
