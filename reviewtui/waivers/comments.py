"""Reading one comment: reviewtui's own waiver syntax and the ignore comments of other tools.

Recognised (the text after ``#``; keywords are case-insensitive):

- ``reviewtui: ignore=ITEM[,ITEM...] reason`` — the next instruction, key or service;
- ``reviewtui: ignore-file=ITEM[,ITEM...] reason`` — the whole file (at its top);
- ``hadolint ignore=DL3002[,DL3008] # reason`` — the next instruction;
- ``hadolint global ignore=DL3002`` — the whole file;
- ``checkov:skip=CKV_DOCKER_3[,...]:reason`` — the whole file, wherever it stands;
- ``trivy:ignore:DS-0002`` (also ``AVD-DS-0002``, ``DS002``), optionally followed by
  ``:exp:YYYY-MM-DD`` — the next instruction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from reviewtui.waivers.model import WaiverSource


class Reach(StrEnum):
    """How much of the file a comment waives."""

    NEXT = "next"
    FILE = "file"


@dataclass(frozen=True)
class Directive:
    """One waiver comment, read: who wrote it, the ids it names, its reach and reason.

    ``ids`` are item ids for reviewtui's own comments and the other tool's rule ids
    otherwise; ``expires`` is trivy's ``exp:`` date, if any.
    """

    source: WaiverSource
    reach: Reach
    ids: tuple[str, ...]
    reason: str = ""
    expires: str = ""


class DirectiveError(ValueError):
    """A comment that starts like a reviewtui waiver but cannot be read."""


# Cheap first look: only comments that start with a tool's name are read further.
_LEAD = re.compile(r"\s*(reviewtui|hadolint|checkov|trivy)\b", re.IGNORECASE)
_OURS = re.compile(
    r"\s*reviewtui\s*:\s*(?P<kind>ignore-file|ignore)\s*=\s*(?P<ids>[^\s,]+(?:,[^\s,]+)*)"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
_HADOLINT = re.compile(
    r"\s*hadolint\s+(?P<global>global\s+)?ignore\s*=\s*"
    r"(?P<ids>[A-Za-z]+\d+(?:\s*,\s*[A-Za-z]+\d+)*)(?P<rest>.*)$",
    re.IGNORECASE,
)
_CHECKOV = re.compile(
    r"\s*checkov\s*:\s*skip\s*=\s*(?P<ids>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)"
    r"\s*(?::(?P<rest>.*))?$",
    re.IGNORECASE,
)
_TRIVY = re.compile(
    r"\s*trivy\s*:\s*ignore\s*:\s*(?P<id>[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)"
    r"(?:\s*:\s*exp\s*:\s*(?P<exp>\d{4}-\d{2}-\d{2}))?(?P<rest>.*)$",
    re.IGNORECASE,
)
_TRIVY_DOCKERFILE_ID = re.compile(r"^(?:AVD-)?DS-?0*(\d{1,4})$", re.IGNORECASE)
_REASON_LEAD = " \t#:-–—"


def read_comment(text: str) -> Directive | None:
    """The waiver a comment's text (without the ``#``) holds, or None for other comments.

    Raises :class:`DirectiveError` for a ``reviewtui:`` comment that cannot be read, so a
    misspelt waiver is reported instead of silently doing nothing.
    """
    lead = _LEAD.match(text)
    if lead is None:
        return None
    tool = lead.group(1).lower()
    if tool == "reviewtui":
        return _ours(text)
    if tool == "hadolint":
        return _hadolint(text)
    if tool == "checkov":
        return _checkov(text)
    return _trivy(text)


def normalise_rule(source: WaiverSource, rule: str) -> str:
    """A tool's rule id in the form the checklists list it (``DS002`` -> ``DS-0002``)."""
    rule = rule.strip().upper()
    if source is WaiverSource.TRIVY:
        match = _TRIVY_DOCKERFILE_ID.match(rule)
        if match:
            return f"DS-{int(match.group(1)):04d}"
    return rule


def _ours(text: str) -> Directive | None:
    if not re.match(r"\s*reviewtui\s*:", text, re.IGNORECASE):
        return None  # "reviewtui is great" is a comment, not a waiver
    match = _OURS.match(text)
    if match is None:
        raise DirectiveError(
            "cannot read this reviewtui comment: write "
            "'# reviewtui: ignore=ITEM[,ITEM] reason' or "
            "'# reviewtui: ignore-file=ITEM[,ITEM] reason'"
        )
    reach = Reach.FILE if match.group("kind").lower() == "ignore-file" else Reach.NEXT
    ids = tuple(part for part in match.group("ids").split(",") if part)
    return Directive(WaiverSource.INLINE, reach, ids, _reason(match.group("rest")))


def _hadolint(text: str) -> Directive | None:
    match = _HADOLINT.match(text)
    if match is None:
        return None  # another pragma, such as "hadolint shell=powershell"
    reach = Reach.FILE if match.group("global") else Reach.NEXT
    ids = tuple(part.strip() for part in match.group("ids").split(","))
    return Directive(WaiverSource.HADOLINT, reach, ids, _reason(match.group("rest")))


def _checkov(text: str) -> Directive | None:
    match = _CHECKOV.match(text)
    if match is None:
        return None
    ids = tuple(part.strip() for part in match.group("ids").split(","))
    return Directive(WaiverSource.CHECKOV, Reach.FILE, ids, _reason(match.group("rest") or ""))


def _trivy(text: str) -> Directive | None:
    match = _TRIVY.match(text)
    if match is None:
        return None
    return Directive(
        WaiverSource.TRIVY,
        Reach.NEXT,
        (match.group("id"),),
        _reason(match.group("rest")),
        match.group("exp") or "",
    )


def _reason(rest: str) -> str:
    """The reason after the ids, without the separators people put before it."""
    return rest.strip().lstrip(_REASON_LEAD).strip()
