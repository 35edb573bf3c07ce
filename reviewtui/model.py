"""The words every layer shares: statuses, severities, targets, evidence, findings, problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from reviewtui.masking import clean_text


class Status(StrEnum):
    """An answer to an item, for one target or rolled up over all of them."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """The words a reviewer reads for this status."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.NOT_APPLICABLE: "not applicable",
    Status.UNKNOWN: "needs a person",
}


class Severity(StrEnum):
    """How much a failing item matters, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Ordering key: higher is worse."""
        return _SEVERITY_RANKS[self]


_SEVERITY_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


class TargetKind(StrEnum):
    """What sort of thing an item is asked of."""

    DOCKERFILE = "dockerfile"
    SERVICE = "service"
    DAEMON = "daemon"
    CI = "ci"
    IMAGE = "image"
    PROJECT = "project"
    ENGINE = "engine"
    CONTAINER = "container"
    SWARM = "swarm"
    SWARM_SERVICE = "swarm_service"

    @property
    def live(self) -> bool:
        """Whether targets of this kind were inspected on a Docker engine."""
        return self in _LIVE_KINDS


ENGINE_IMAGE_PREFIX = "engine "
"""How an image target read from an engine starts its path: ``engine HOST``."""

_LIVE_KINDS = frozenset(
    {TargetKind.ENGINE, TargetKind.CONTAINER, TargetKind.SWARM, TargetKind.SWARM_SERVICE}
)


@dataclass(frozen=True, order=True, slots=True)
class Target:
    """One thing an item is asked of: a Dockerfile's final stage, a compose service, ...

    ``path`` is relative to the project root (``"."`` for the project itself); ``name``
    is the service name for a compose service, the image name for an image (``path`` is
    then the scanner report that describes it, or ``engine HOST`` for an image inspected
    on an engine) and the path otherwise. For the live kinds, ``path`` is the engine's
    host name and ``name`` the container or swarm service.
    """

    kind: TargetKind
    path: str
    name: str = ""

    def __str__(self) -> str:
        if self.kind is TargetKind.SERVICE:
            return f"service {self.name} ({self.path})"
        if self.kind is TargetKind.PROJECT:
            return "project"
        if self.kind is TargetKind.IMAGE:
            return f"image {self.name} ({self.path})"
        if self.kind is TargetKind.ENGINE:
            return f"engine {self.path}"
        if self.kind is TargetKind.CONTAINER:
            return f"container {self.name} on {self.path}"
        if self.kind is TargetKind.SWARM:
            return f"swarm of {self.path}"
        if self.kind is TargetKind.SWARM_SERVICE:
            return f"swarm service {self.name} on {self.path}"
        return self.path

    @property
    def host(self) -> str:
        """The engine a live target was inspected on; empty for a target read from files."""
        if self.kind in _LIVE_KINDS:
            return self.path
        if self.kind is TargetKind.IMAGE and self.path.startswith(ENGINE_IMAGE_PREFIX):
            return self.path.removeprefix(ENGINE_IMAGE_PREFIX)
        return ""

    def to_dict(self) -> dict[str, str]:
        """Plain form for the review file and the JSON report."""
        # ``_value_`` is ``value`` without the enum's descriptor: every finding is encoded.
        return {"kind": self.kind._value_, "path": self.path, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Target:
        """Inverse of :meth:`to_dict`."""
        return cls(TargetKind(data["kind"]), data["path"], data.get("name", ""))


@dataclass(frozen=True, slots=True)
class Evidence:
    """What proves an answer: a place in a file and the text found there, or an object
    on a Docker engine, the inspect field read and its value.

    For a file, ``path`` is relative to the project root (absolute for a file read on the
    engine's host, such as its daemon.json). For an engine object, ``path`` names the host
    and the object (``default: container web-1``), ``field`` the inspect field
    (``HostConfig.Privileged``) and ``snippet`` its value. The snippet is masked and
    cleaned on construction, so no secret value or control character from a scanned file
    or an inspected object can reach any output through evidence.
    """

    path: str
    line: int | None
    snippet: str = ""
    field: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "snippet", clean_text(self.snippet))
        object.__setattr__(self, "field", clean_text(self.field))

    @property
    def location(self) -> str:
        """``path:line``, ``object field`` for an engine object, or the path alone."""
        if self.field:
            return f"{self.path} {self.field}"
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def in_file(self) -> bool:
        """Whether the evidence is a place in a file rather than an engine object."""
        return not self.field

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file and the JSON report."""
        data: dict[str, object] = {"path": self.path, "line": self.line, "snippet": self.snippet}
        if self.field:
            data["field"] = self.field
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        line = data.get("line")
        return cls(
            str(data["path"]),
            int(line) if isinstance(line, int) else None,
            str(data.get("snippet", "")),
            str(data.get("field", "")),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """A detector's answer for one item and one target, with the reason and evidence."""

    target: Target
    status: Status
    reason: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", clean_text(self.reason))
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def canonical_json(self) -> str:
        """:meth:`to_dict` as compact JSON with sorted keys, the text the review file and
        the content digest hold for the finding.

        Written out by hand because every finding of a scan is encoded, and this is
        several times faster than the generic encoder; a test holds it to the same text.
        """
        evidence = ",".join([_evidence_json(e) for e in self.evidence])
        return _finding_json(self, evidence, _target_json(self.target))

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file and the JSON report."""
        return {
            "target": self.target.to_dict(),
            "status": self.status._value_,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:  # type: ignore[type-arg]
        """Inverse of :meth:`to_dict`."""
        return cls(
            Target.from_dict(data["target"]),
            Status(data["status"]),
            str(data.get("reason", "")),
            tuple(Evidence.from_dict(e) for e in data.get("evidence", [])),
        )


def _evidence_json(evidence: Evidence) -> str:
    """One evidence entry of :meth:`Finding.canonical_json`."""
    line = "null" if evidence.line is None else str(int(evidence.line))
    field = f'"field":{encode_basestring(evidence.field)},' if evidence.field else ""
    return (
        f'{{{field}"line":{line},"path":{encode_basestring(evidence.path)},'
        f'"snippet":{encode_basestring(evidence.snippet)}}}'
    )


def _target_json(target: Target) -> str:
    """The target of :meth:`Finding.canonical_json`."""
    return (
        f'{{"kind":"{target.kind._value_}","name":{encode_basestring(target.name)},'
        f'"path":{encode_basestring(target.path)}}}'
    )


def _finding_json(finding: Finding, evidence: str, target: str) -> str:
    """:meth:`Finding.canonical_json` around its evidence entries and target, encoded."""
    return (
        f'{{"evidence":[{evidence}],"reason":{encode_basestring(finding.reason)},'
        f'"status":"{finding.status._value_}","target":{target}}}'
    )


ENCODER_KEPT = 4096
"""Targets and evidence tuples a :class:`FindingEncoder` keeps the text of, at most."""


class FindingEncoder:
    """:meth:`Finding.canonical_json` for many findings, each target and each evidence
    tuple encoded once while kept: the findings of a scan share them (every item answered for a
    file names the same target object, and items proving themselves by the same lines
    the same evidence). It keeps up to :data:`ENCODER_KEPT` of them, then starts over:
    a big tree's would hold tens of MB at the peak of a scan."""

    def __init__(self) -> None:
        self._targets: dict[int, str] = {}
        self._evidence: dict[int, str] = {}
        # What the ids name, kept alive so that no id can come to name another object.
        self._kept: list[object] = []

    def encode(self, finding: Finding) -> str:
        """The finding's canonical JSON, the same text as :meth:`Finding.canonical_json`."""
        if len(self._kept) >= ENCODER_KEPT:
            self._targets.clear()
            self._evidence.clear()
            self._kept.clear()
        target, evidence = finding.target, finding.evidence
        target_text = self._targets.get(id(target))
        if target_text is None:
            target_text = self._targets[id(target)] = _target_json(target)
            self._kept.append(target)
        entries = self._evidence.get(id(evidence))
        if entries is None:
            entries = ",".join([_evidence_json(e) for e in evidence])
            self._evidence[id(evidence)] = entries
            self._kept.append(evidence)
        return _finding_json(finding, entries, target_text)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that could not be read: the file, the line if known, and why."""

    path: str
    line: int | None
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", clean_text(self.reason))

    @property
    def location(self) -> str:
        """``path:line``, or the path alone when there is no line."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file and the JSON report."""
        return {"path": self.path, "line": self.line, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Problem:
        """Inverse of :meth:`to_dict`."""
        line = data.get("line")
        return cls(
            str(data["path"]),
            int(line) if isinstance(line, int) else None,
            str(data.get("reason", "")),
        )


def roll_up(findings: list[Finding]) -> Status:
    """The item's status over all its targets: any fail fails, then any unknown.

    No findings at all means nothing in the project answers the item, so a person must.
    """
    statuses = {f.status for f in findings}
    if Status.FAIL in statuses:
        return Status.FAIL
    if Status.UNKNOWN in statuses or not statuses:
        return Status.UNKNOWN
    if Status.PASS in statuses:
        return Status.PASS
    return Status.NOT_APPLICABLE
