"""A waiver: a decision already made in the project that a failing target is an accepted risk.

Waivers come from comments in the scanned files (``# reviewtui: ignore=...`` and the
ignore comments of hadolint, checkov and trivy) and from the ``.reviewtui.yaml`` project
file. Findings stay what the detectors found; the review applies the waivers when it
computes an item's verdict (see :class:`reviewtui.review.model.ItemState`).

Each waiver names one item and says which targets it covers, in exactly one way:

- ``pattern``: a glob over each target's text, path and name (the project file);
- ``targets``: these exact targets (a file-wide comment, a comment above a service);
- ``span``: the findings with evidence on these lines of one file (a comment above a
  Dockerfile instruction or a compose key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase

from reviewtui.masking import clean_text
from reviewtui.model import Finding, Target

NO_REASON = "no reason given"


class WaiverSource(StrEnum):
    """Where a waiver was written."""

    INLINE = "inline"
    PROJECT_FILE = "project file"
    HADOLINT = "hadolint"
    CHECKOV = "checkov"
    TRIVY = "trivy"

    @property
    def in_source(self) -> bool:
        """True for comments in the scanned files, False for the project file."""
        return self is not WaiverSource.PROJECT_FILE


@dataclass(frozen=True, order=True)
class Span:
    """Lines ``first`` to ``last`` (1-based, inclusive) of the file at ``path``."""

    path: str
    first: int
    last: int

    def holds(self, path: str, line: int | None) -> bool:
        """True when ``path:line`` lies inside the span."""
        return line is not None and path == self.path and self.first <= line <= self.last


@dataclass(frozen=True)
class Waiver:
    """One item waived for some targets, with who decided, why, until when, and where.

    ``path`` and ``line`` say where the waiver is written (the comment, or the entry of
    the project file). ``rule`` is the other tool's id as written (``DL3002``) when the
    waiver comes from that tool's comment. ``expires`` is an ISO date (``YYYY-MM-DD``)
    or empty; ``expired`` is decided when the waivers are collected, so one review
    always shows the same answer. Exactly one of ``pattern``, ``targets`` and ``span``
    says what the waiver covers.
    """

    item: str
    source: WaiverSource
    path: str
    line: int | None
    reason: str = ""
    owner: str = ""
    expires: str = ""
    expired: bool = False
    rule: str = ""
    pattern: str | None = None
    targets: tuple[Target, ...] = field(default_factory=tuple)
    span: Span | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", clean_text(self.reason).strip())
        object.__setattr__(self, "owner", clean_text(self.owner).strip())
        object.__setattr__(self, "targets", tuple(self.targets))
        scopes = sum(
            (self.pattern is not None, bool(self.targets), self.span is not None),
        )
        if scopes != 1:
            raise ValueError("a waiver covers targets in exactly one way")

    @property
    def active(self) -> bool:
        """True when the waiver counts: it has not expired."""
        return not self.expired

    @property
    def location(self) -> str:
        """``path:line`` of the waiver, or the path alone when there is no line."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def covers(self, finding: Finding) -> bool:
        """True when this waiver is about ``finding``'s target (expired or not)."""
        if self.pattern is not None:
            return matches_pattern(self.pattern, finding.target)
        if self.targets:
            return finding.target in self.targets
        assert self.span is not None
        return any(self.span.holds(e.path, e.line) for e in finding.evidence)

    def describe(self) -> str:
        """One line a reviewer reads: where, by whom, until when, and why.

        ``waived in source (Dockerfile:4, hadolint DL3002): no reason given``, or
        ``waiver expired on 2026-01-31 (owner ops, .reviewtui.yaml:3): ...``.
        """
        details = [self.location]
        if self.rule:
            details.append(f"{self.source.value} {self.rule}")
        if self.owner:
            details.insert(0, f"owner {self.owner}")
        if self.expires and not self.expired:
            details.append(f"until {self.expires}")
        if self.expired:
            head = f"waiver expired on {self.expires}"
        elif self.source.in_source:
            head = "waived in source"
        else:
            head = "waived in the project file"
        return f"{head} ({', '.join(details)}): {self.reason or NO_REASON}"

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file and the JSON report."""
        document: dict[str, object] = {
            "item": self.item,
            "source": self.source.value,
            "path": self.path,
            "line": self.line,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "expired": self.expired,
            "rule": self.rule,
        }
        if self.pattern is not None:
            document["pattern"] = self.pattern
        if self.targets:
            document["targets"] = [target.to_dict() for target in self.targets]
        if self.span is not None:
            document["span"] = {
                "path": self.span.path,
                "first": self.span.first,
                "last": self.span.last,
            }
        return document

    @classmethod
    def from_dict(cls, data: dict) -> Waiver:  # type: ignore[type-arg]
        """Inverse of :meth:`to_dict`."""
        line = data.get("line")
        span = data.get("span")
        return cls(
            item=str(data["item"]),
            source=WaiverSource(data["source"]),
            path=str(data["path"]),
            line=int(line) if isinstance(line, int) else None,
            reason=str(data.get("reason") or ""),
            owner=str(data.get("owner") or ""),
            expires=str(data.get("expires") or ""),
            expired=bool(data.get("expired", False)),
            rule=str(data.get("rule") or ""),
            pattern=None if data.get("pattern") is None else str(data["pattern"]),
            targets=tuple(Target.from_dict(t) for t in data.get("targets") or ()),
            span=Span(str(span["path"]), int(span["first"]), int(span["last"])) if span else None,
        )

    def sort_key(self) -> tuple[str, str, int, str]:
        """Waivers in a stable order: by item, file, line and rule."""
        return (self.item, self.path, self.line or 0, self.rule)


def matches_pattern(pattern: str, target: Target) -> bool:
    """True when the glob ``pattern`` matches the target's text, path or name.

    ``service web (compose.yaml)``, ``compose.yaml`` and ``web`` are all tried, so
    ``web``, ``compose.yaml`` and ``deploy/*`` each mean what a reader expects.
    """
    return any(
        fnmatchcase(candidate, pattern)
        for candidate in (str(target), target.path, target.name)
        if candidate
    )
