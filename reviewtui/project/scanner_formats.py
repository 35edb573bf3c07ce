"""The report formats of vulnerability scanners, turned into one shape.

Trivy JSON (``trivy image -f json``: ``ArtifactName``, ``Metadata.ImageID`` and
``ImageConfig.created``, ``CreatedAt``, ``Results[].Vulnerabilities[].Severity``; before
schema version 2 a bare list of results), Grype JSON (``grype -o json``:
``matches[].vulnerability.severity``, ``source.target.userInput``/``imageID`` and the
base64 image config, ``descriptor.timestamp``) and SARIF 2.1 from Docker Scout
(``docker scout cves --format sarif``: rule ``properties.cvssV3_severity``), Trivy (rule
tags) and Grype (``security-severity``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reviewtui.masking import escape_controls

SEVERITY_NAMES = ("critical", "high", "medium", "low", "unknown")

_TIME = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2})(?:[T ](?P<clock>\d{2}:\d{2}(?::\d{2})?)(?P<frac>\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC)?$",
    re.IGNORECASE,
)
_MESSAGE_SEVERITY = re.compile(r"(?im)^\s*Severity\s*:\s*(?P<level>[A-Za-z]+)")
_SARIF_SCANNERS = (("scout", "docker scout"), ("trivy", "trivy"), ("grype", "grype"))


@dataclass(frozen=True)
class SeverityCounts:
    """How many findings a report holds at each severity."""

    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        """Every finding, whatever its severity."""
        return self.critical + self.high + self.medium + self.low + self.unknown

    def summary(self) -> str:
        """``2 critical, 14 high``: the counts a reviewer acts on first."""
        return f"{self.critical} critical, {self.high} high"


@dataclass(frozen=True)
class ParsedReport:
    """What one report says, before it is placed in the project and dated against now.

    ``image`` is the image name as the scanner was given it ("" when the report does not
    name one), ``image_id`` its config digest, ``artifact`` what was scanned when it was
    not an image (a folder, a repository). Times are timezone-aware, None when unknown.
    """

    scanner: str
    image: str
    image_id: str
    artifact: str
    counts: SeverityCounts
    scanned_at: datetime | None
    image_created: datetime | None

    @property
    def is_image(self) -> bool:
        """True when the report is of a container image."""
        return not self.artifact


class NotAReport(ValueError):
    """The JSON is valid but is not a vulnerability report of a known scanner."""


def parse_report(data: Any) -> ParsedReport:
    """The report in this decoded JSON; raises :class:`NotAReport` for other documents."""
    if isinstance(data, list) and all(isinstance(entry, dict) for entry in data):
        if data and all("Target" in entry for entry in data):
            # Before schema 2 Trivy wrote only the results; the first target names the
            # image as "NAME (OS VERSION)".
            first = str(data[0].get("Target") or "")
            name = first.rsplit(" (", 1)[0] if first.endswith(")") else first
            return _trivy({"Results": data, "ArtifactName": name, "ArtifactType": "legacy"})
        raise NotAReport("a JSON list, not a scanner report")
    if not isinstance(data, dict):
        raise NotAReport("not a JSON object")
    if "SchemaVersion" in data and ("Results" in data or "ArtifactName" in data):
        return _trivy(data)
    if isinstance(data.get("matches"), list) and ("source" in data or "descriptor" in data):
        return _grype(data)
    if isinstance(data.get("runs"), list):
        return _sarif(data)
    raise NotAReport("not a Trivy, Grype or SARIF report")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time as scanners write it (nanoseconds, ``Z``), in UTC; None if not."""
    if not isinstance(value, str):
        return None
    match = _TIME.match(value.strip())
    if match is None:
        return None
    clock = match.group("clock") or "00:00:00"
    if clock.count(":") == 1:
        clock += ":00"
    fraction = (match.group("frac") or "")[:7]  # a dot and at most microseconds
    zone = (match.group("tz") or "Z").upper()
    zone = "+00:00" if zone in ("Z", "UTC") else zone
    if len(zone) == 5:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = datetime.fromisoformat(f"{match.group('base')}T{clock}{fraction}{zone}")
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def _count(levels: Iterable[str]) -> SeverityCounts:
    tally = dict.fromkeys(SEVERITY_NAMES, 0)
    for level in levels:
        name = level.strip().lower()
        name = {"negligible": "low", "moderate": "medium", "important": "high"}.get(name, name)
        tally[name if name in tally else "unknown"] += 1
    return SeverityCounts(**tally)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    # Names a report gives become target names: control characters are spelled out.
    return escape_controls(value.strip()) if isinstance(value, str) else ""


# --- Trivy --------------------------------------------------------------------------------


def _trivy(data: dict[str, Any]) -> ParsedReport:
    metadata = _mapping(data.get("Metadata"))
    results = data.get("Results")
    results = results if isinstance(results, list) else []
    levels = [
        _text(vulnerability.get("Severity"))
        for result in results
        if isinstance(result, dict) and isinstance(result.get("Vulnerabilities"), list)
        for vulnerability in result["Vulnerabilities"]
        if isinstance(vulnerability, dict)
    ]
    kind = _text(data.get("ArtifactType"))
    name = _text(data.get("ArtifactName"))
    image_id = _text(metadata.get("ImageID"))
    is_image = kind in ("container_image", "legacy") or (not kind and bool(image_id))
    tags = metadata.get("RepoTags")
    if not name and isinstance(tags, list) and tags:
        name = _text(tags[0])
    return ParsedReport(
        scanner="trivy",
        image=name if is_image else "",
        image_id=image_id,
        artifact="" if is_image else f"{kind or 'target'} {name}".strip(),
        counts=_count(levels),
        scanned_at=parse_time(data.get("CreatedAt")),
        image_created=parse_time(_mapping(metadata.get("ImageConfig")).get("created")),
    )


# --- Grype --------------------------------------------------------------------------------


def _grype(data: dict[str, Any]) -> ParsedReport:
    source = _mapping(data.get("source"))
    target = _mapping(source.get("target"))
    levels = [
        _text(_mapping(match.get("vulnerability")).get("severity"))
        for match in data["matches"]
        if isinstance(match, dict)
    ]
    kind = _text(source.get("type")) or "image"
    name = _text(target.get("userInput")) if target else _text(source.get("target"))
    is_image = kind == "image"
    return ParsedReport(
        scanner="grype",
        image=name if is_image else "",
        image_id=_text(target.get("imageID")),
        artifact="" if is_image else f"{kind} {name}".strip(),
        counts=_count(levels),
        scanned_at=parse_time(_mapping(data.get("descriptor")).get("timestamp")),
        image_created=_grype_image_created(target.get("config")),
    )


def _grype_image_created(config: Any) -> datetime | None:
    """The ``created`` time of the image config Grype embeds as base64, if it does."""
    if not isinstance(config, str) or not config:
        return None
    try:
        decoded = json.loads(base64.b64decode(config, validate=False))
    except (binascii.Error, ValueError, TypeError):
        return None
    return parse_time(_mapping(decoded).get("created"))


# --- SARIF --------------------------------------------------------------------------------


def _sarif(data: dict[str, Any]) -> ParsedReport:
    runs = [run for run in data["runs"] if isinstance(run, dict)]
    scanner = ""
    image = ""
    levels: list[str] = []
    times: list[datetime] = []
    for run in runs:
        driver = _mapping(_mapping(run.get("tool")).get("driver"))
        name = f"{_text(driver.get('name'))} {_text(driver.get('fullName'))}".lower()
        found = next((label for key, label in _SARIF_SCANNERS if key in name), "")
        if not found:
            continue
        scanner = scanner or found
        image = image or _sarif_image(run)
        levels.extend(_sarif_levels(run, driver))
        times.extend(_sarif_times(run))
    if not scanner:
        raise NotAReport("a SARIF file from a tool that is not a vulnerability scanner")
    return ParsedReport(
        scanner=scanner,
        image=image,
        image_id="",
        artifact="",
        counts=_count(levels),
        scanned_at=max(times) if times else None,
        image_created=None,
    )


def _sarif_image(run: dict[str, Any]) -> str:
    """The image a run names in its properties (Trivy writes ``imageName``), if any."""
    properties = _mapping(run.get("properties"))
    for key in ("imageName", "image", "image_name"):
        if _text(properties.get(key)):
            return _text(properties.get(key))
    return ""


def _sarif_levels(run: dict[str, Any], driver: dict[str, Any]) -> list[str]:
    """One severity per result; per rule when the run lists rules but no results."""
    rules = [rule for rule in driver.get("rules") or [] if isinstance(rule, dict)]
    by_id = {_text(rule.get("id")): rule for rule in rules}
    results = run.get("results")
    if not isinstance(results, list):
        return [_severity(rule, "") for rule in rules]

    levels = []
    for result in results:
        if not isinstance(result, dict) or result.get("suppressions"):
            continue
        index = result.get("ruleIndex")
        rule = rules[index] if isinstance(index, int) and 0 <= index < len(rules) else None
        rule = rule or by_id.get(_text(result.get("ruleId"))) or {}
        message = _text(_mapping(result.get("message")).get("text"))
        levels.append(_severity(rule, message))
    return levels


def _severity(rule: dict[str, Any], message: str) -> str:
    """A finding's severity: Docker Scout's ``cvssV3_severity`` or a severity tag of its
    rule, the ``Severity:`` line of its message, else the rule's ``security-severity``
    score read as GitHub code scanning reads it."""
    properties = _mapping(rule.get("properties"))
    tags = properties.get("tags")
    named = [_text(properties.get("cvssV3_severity"))]
    named += [_text(tag) for tag in tags] if isinstance(tags, list) else []
    for level in named:
        if level.lower() in SEVERITY_NAMES[:4]:
            return level.lower()
    in_message = _MESSAGE_SEVERITY.search(message)
    if in_message and in_message.group("level").lower() in SEVERITY_NAMES[:4]:
        return in_message.group("level").lower()
    try:
        score = float(properties.get("security-severity", ""))
    except (TypeError, ValueError):
        return "unknown"
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    return "medium" if score >= 4.0 else "low"


def _sarif_times(run: dict[str, Any]) -> list[datetime]:
    invocations = run.get("invocations")
    times = []
    for invocation in invocations if isinstance(invocations, list) else []:
        for key in ("endTimeUtc", "startTimeUtc"):
            when = parse_time(_mapping(invocation).get(key))
            if when is not None:
                times.append(when)
                break
    return times
