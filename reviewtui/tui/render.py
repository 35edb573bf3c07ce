"""Turning review values into styled Content for the screens.

Every piece of text that comes from a scanned file, a checklist or the reviewer goes in
as plain text (never markup), so ``[bold]`` in a snippet shows as written.
"""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from reviewtui.model import Evidence, Finding, Severity, Status, Target, TargetKind
from reviewtui.review.model import Decision, Verdict
from reviewtui.tui.hanging import Line

VERDICT_STYLES = {
    Verdict.PASS: "$text-success",
    Verdict.FAIL: "$text-error",
    Verdict.NOT_APPLICABLE: "$text-muted",
    Verdict.UNKNOWN: "$text-warning",
    Verdict.ACCEPTED_RISK: "$text-secondary",
}
"""Theme variables per verdict, so every theme colours them its own way."""

VERDICT_ICONS = {
    Verdict.PASS: "✓",
    Verdict.FAIL: "✗",
    Verdict.NOT_APPLICABLE: "–",
    Verdict.UNKNOWN: "?",
    Verdict.ACCEPTED_RISK: "!",
}

SEVERITY_STYLES = {
    Severity.LOW: "$text-muted",
    Severity.MEDIUM: "$text-warning",
    Severity.HIGH: "$text-error",
    Severity.CRITICAL: "bold $text-error",
}


DECISION_STYLES = {
    Decision.APPROVED: "bold $text-success",
    Decision.APPROVED_WITH_CONDITIONS: "bold $text-warning",
    Decision.CHANGES_REQUIRED: "bold $text-error",
}


def as_verdict(status: Status | Verdict) -> Verdict:
    """A detected status as the verdict it stands for."""
    return Verdict(status.value)


def verdict_content(verdict: Verdict | Status, bold: bool = False) -> Content:
    """``✓ pass``, ``✗ fail``, ... in the verdict's colour."""
    verdict = as_verdict(verdict)
    style = VERDICT_STYLES[verdict] + (" bold" if bold else "")
    return Content.styled(f"{VERDICT_ICONS[verdict]} {verdict.label}", style)


def decision_content(decision: Decision) -> Content:
    """The sign-off decision in its colour."""
    return Content.styled(decision.label, DECISION_STYLES[decision])


def severity_content(severity: Severity) -> Content:
    """The severity word in its colour."""
    return Content.styled(severity.value, SEVERITY_STYLES[severity])


def plain(text: str, style: str = "") -> Content:
    """Text shown exactly as written, whatever brackets it holds."""
    return Content.styled(text, style) if style else Content(text)


def prose(text: str) -> Content:
    """Checklist prose, with its `code` spans styled and their backticks dropped.

    Only backticks are read; any other character, brackets included, shows as written.
    """
    pieces = text.split("`")
    if len(pieces) % 2 == 0:
        # An unmatched backtick: show the text untouched rather than guess.
        return Content(text)
    parts: list[str | tuple[str, str]] = [
        (piece, "$text-accent") if index % 2 else piece
        for index, piece in enumerate(pieces)
        if piece
    ]
    return Content.assemble(*parts)


def heading(text: str) -> Content:
    """A section heading inside the item view."""
    return Content.styled(text, "bold $text-primary")


def evidence_content(evidence: Evidence, target: Target | None = None) -> Content:
    """``path:line  snippet`` with the location dimmed and the snippet as written.

    Evidence from the very object the target names (``HostConfig.Privileged`` of the
    container above it) shows the field alone: the target already says which object.
    """
    location = evidence.location
    if target is not None and evidence.field and evidence.path == _object_of(target):
        location = evidence.field
    parts: list[str | Content | tuple[str, str]] = [(location, "$text-secondary")]
    if evidence.snippet:
        parts += ["  ", (evidence.snippet, "$text")]
    return Content.assemble(*parts)


FINDING_INDENT = 4
"""How far a finding's reason and evidence stand in from its target."""


def finding_lines(finding: Finding) -> list[Line]:
    """One target's finding: status and target, then its reason and each piece of
    evidence indented under it; a long line wraps under itself, not at the edge."""
    lines = [
        Line(
            Content.assemble(
                verdict_content(finding.status, bold=True), "  ", (str(finding.target), "bold")
            )
        )
    ]
    if finding.reason:
        lines.append(Line(plain(finding.reason), FINDING_INDENT))
    lines.extend(
        Line(evidence_content(evidence, finding.target), FINDING_INDENT)
        for evidence in finding.evidence
    )
    return lines


_OBJECT_WORDS = {
    TargetKind.CONTAINER: "container",
    TargetKind.SWARM_SERVICE: "swarm service",
    TargetKind.IMAGE: "image",
}


def _object_of(target: Target) -> str:
    """How live evidence names the target's own object: ``default: container web-1``."""
    word = _OBJECT_WORDS.get(target.kind)
    if word is None or not target.host:
        return ""
    return f"{target.host}: {word} {target.name}"


def display_path(root: Path) -> str:
    """The project folder as short as it can be said: relative to here, or to home."""
    root = root.resolve()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            relative = root.relative_to(base)
        except ValueError:
            continue
        text = relative.as_posix()
        if text == ".":
            return root.name if not prefix else "~"
        return prefix + text
    return root.as_posix()


def short_time(iso: str) -> str:
    """``2026-12-03T10:00:00Z`` as ``2026-12-03 10:00 UTC``; empty stays empty."""
    if not iso:
        return ""
    day, _, rest = iso.partition("T")
    return f"{day} {rest[:5]} UTC" if rest else day
