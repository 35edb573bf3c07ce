"""The SARIF 2.1.0 report, for code scanning: one rule per item, one result per failing
target, with the waived and accepted ones suppressed.

Only failing targets become results: an item that needs a person has nothing to point
at. A target a waiver covers, or whose item a reviewer accepted as a risk (or answered
pass or not applicable against the detection), is still reported but suppressed, with
the reason, so code scanning shows it as dismissed rather than fixed. An item a reviewer
answered fail without a failing target is one result at its entry in the review file.
Evidence in a file is a physical location relative to the repository's root
(``%SRCROOT%``); evidence read from an engine is a logical location
``host/object/field``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from reviewtui.checklists import Item
from reviewtui.model import Evidence, Finding, Severity, Status, Target, TargetKind
from reviewtui.report.fix_section import TargetFix, fixes_by_target
from reviewtui.report.json_text import Stream, chunks
from reviewtui.report.markdown import linkable, prose
from reviewtui.report.summary import ReportData, action_of
from reviewtui.review.model import ItemState, Verdict, canonical_json
from reviewtui.waivers.model import NO_REASON, Waiver

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT = "reviewtuiTarget/v1"
"""The partial fingerprint's name: item and target, so it survives moved lines."""

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
"""Code scanning's score per severity, as the text of a number (as it expects)."""

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
MAX_DESCRIPTION = 1024
"""Code scanning shows at most this many characters of a rule's descriptions."""
MAX_LOCATIONS = 10
"""Locations code scanning takes per result: the first evidence, then related ones."""
_FILE_KINDS = (TargetKind.DOCKERFILE, TargetKind.SERVICE, TargetKind.DAEMON, TargetKind.CI)


def render_sarif(data: ReportData, source_root: Path | None = None) -> str:
    """The report as SARIF 2.1.0 JSON text; ``source_root`` is the folder its file paths
    are relative to (the repository's root), when known."""
    return "".join(sarif_chunks(data, source_root))


def sarif_chunks(data: ReportData, source_root: Path | None = None) -> Iterator[str]:
    """The text of :func:`render_sarif` in pieces, an item's results at a time."""
    yield from chunks(sarif_document(data, source_root))
    yield "\n"


def sarif_document(data: ReportData, source_root: Path | None = None) -> dict[str, object]:
    """The report as a SARIF log with one run (see :func:`render_sarif`); its results
    are a :class:`Stream`, made item by item as they are written."""
    states = _rule_order(data)
    indexes = {state.item.id: index for index, state in enumerate(states)}
    fixes = fixes_by_target(data.fixes)
    # TODO: each result is still a dict, written by the general writer (no faster than
    # json's own); only one item's results are alive at a time, so memory stays flat.
    results = (
        result
        for state in states
        for result in _item_results(state, indexes[state.item.id], data, fixes)
    )
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "reviewtui",
                "fullName": "reviewtui Docker security review",
                "version": data.tool_version,
                "semanticVersion": data.tool_version,
                "rules": [_rule(state.item) for state in states],
            }
        },
        "invocations": [_invocation(data)],
        "originalUriBaseIds": _base_ids(source_root),
        "results": Stream(results),
        "columnKind": "unicodeCodePoints",
        "properties": {
            "project": data.project,
            "digest": data.digest,
            "engines": [engine.to_dict() for engine in data.engines],
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule_order(data: ReportData) -> list[ItemState]:
    """The items checklist by checklist, by id: rules keep their order from run to run,
    whatever the verdicts (the report's own order puts failing items first)."""
    return [
        state
        for section in data.sections
        for state in sorted(section.states, key=lambda s: s.item.id)
    ]


# Rules


def _rule(item: Item) -> dict[str, object]:
    """The item as a reporting descriptor: what it asks, why, and how to fix it."""
    properties: dict[str, object] = {
        "tags": ["security", "docker", item.checklist]
        + [f"CIS-Docker-{number}" for number in item.references.cis],
        "security-severity": SECURITY_SEVERITY[item.severity],
        "precision": "high",
        "problem.severity": "error" if item.severity.rank >= Severity.HIGH.rank else "warning",
        "severity": item.severity.value,
        "checklist": item.checklist,
        "automatic": item.automatic,
        "cis": list(item.references.cis),
        "tools": {tool: list(ids) for tool, ids in item.references.tools.items()},
    }
    rule: dict[str, object] = {
        "id": item.id,
        "name": rule_name(item.id),
        "shortDescription": {"text": _shortened(_flat(item.title))},
        "fullDescription": {"text": _shortened(_flat(item.question))},
        "help": {"text": _help_text(item), "markdown": _help_markdown(item)},
        "defaultConfiguration": {"level": LEVELS[item.severity]},
        "properties": properties,
    }
    links = [link for link in item.references.links if link.startswith(("https://", "http://"))]
    if links:
        rule["helpUri"] = links[0]
    return rule


def rule_name(item_id: str) -> str:
    """The item's id in PascalCase, as SARIF names rules: ``RuntimeNotPrivileged``."""
    words = item_id.replace(".", "-").replace("_", "-").split("-")
    return "".join(word[:1].upper() + word[1:] for word in words if word)


def _help_text(item: Item) -> str:
    parts = [f"Why it matters: {_flat(item.why)}", f"How to fix: {_flat(item.fix)}"]
    if item.example:
        parts.append("Example:\n" + item.example.rstrip())
    if not item.automatic and item.evidence:
        parts.append(f"What counts as evidence: {_flat(item.evidence)}")
    parts.append(_references_line(item))
    return "\n\n".join(part for part in parts if part)


def _help_markdown(item: Item) -> str:
    parts = [
        f"**Why it matters:** {prose(item.why)}",
        f"**How to fix:** {prose(item.fix)}",
    ]
    if item.example:
        # A fence longer than any run of backticks in the example, so none can close it.
        fence = "`" * max(3, _longest_backtick_run(item.example) + 1)
        parts.append(f"{fence}\n{item.example.rstrip()}\n{fence}")
    if not item.automatic and item.evidence:
        parts.append(f"**What counts as evidence:** {prose(item.evidence)}")
    references = _references_line(item)
    if references:
        parts.append(prose(references))
    return "\n\n".join(parts)


def _longest_backtick_run(value: str) -> int:
    longest = run = 0
    for character in value:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest


def _references_line(item: Item) -> str:
    references = []
    if item.references.cis:
        references.append(f"CIS Docker Benchmark v1.6: {', '.join(item.references.cis)}")
    for tool, ids in item.references.tools.items():
        references.append(f"{tool}: {', '.join(ids)}")
    return "; ".join(references) + "." if references else ""


# Results


def _item_results(
    state: ItemState,
    index: int,
    data: ReportData,
    fixes: Mapping[tuple[str, Target], TargetFix],
) -> list[dict[str, object]]:
    """A result per failing target, with its proposed fix when it has one; a reviewer's
    fail without a failing target is a result of its own."""
    failing = [finding for finding in state.findings if finding.status is Status.FAIL]
    results: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for finding in failing:
        target = {"target": str(finding.target), "targetKind": finding.target.kind.value}
        result = _base_result(state, index, data, _finding_message(finding), target)
        result["locations"] = [_finding_location(finding, data)]
        related = [_evidence_location(e, data) for e in finding.evidence[1:MAX_LOCATIONS]]
        if related:
            result["relatedLocations"] = [
                {"id": number, **location} for number, location in enumerate(related, start=1)
            ]
        key = _fingerprint(state.item.id, finding.target)
        seen[key] = seen.get(key, 0) + 1
        result["partialFingerprints"] = {
            FINGERPRINT: key if seen[key] == 1 else f"{key}:{seen[key]}"
        }
        suppression = _suppression(state, finding, data)
        if suppression is not None:
            result["suppressions"] = [suppression]
        fix = fixes.get((state.item.id, finding.target))
        if fix is not None and fix.replacements:
            result["fixes"] = [_fix(fix, data)]
        results.append(result)
    if state.verdict is Verdict.FAIL and not failing:
        results.append(_answer_result(state, index, data))
    return results


def _base_result(
    state: ItemState,
    index: int,
    data: ReportData,
    message: str,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    properties: dict[str, object] = {"verdict": state.verdict.value, **(extra or {})}
    action = action_of(state, data.today)
    if action is not None:
        properties |= {"owner": action.owner, "due": action.due, "overdue": action.overdue}
    return {
        "ruleId": state.item.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[state.item.severity],
        "message": {"text": message},
        "properties": properties,
    }


def _answer_result(state: ItemState, index: int, data: ReportData) -> dict[str, object]:
    """A reviewer's fail with no failing target: located at the answer in the review file."""
    message = _sentence(f"A reviewer answered fail: {_flat(state.item.title)}")
    if state.note:
        message += " " + _sentence(f"Note: {_flat(state.note)}")
    result = _base_result(state, index, data, message)
    result["locations"] = [_answer_location(state.item.id, data)]
    result["partialFingerprints"] = {FINGERPRINT: _digest([state.item.id, "answer"])}
    return result


def _finding_message(finding: Finding) -> str:
    reason = _flat(finding.reason) or finding.status.label
    return _sentence(f"{finding.target}: {reason}")


def _suppression(state: ItemState, finding: Finding, data: ReportData) -> dict[str, object] | None:
    """Why a failing target is not an open alert: a waiver, or the reviewer's answer.

    A reviewer's fail wins over every waiver, as it does for the verdict.
    """
    answer = state.answer if state.answered else None
    if answer is not None and answer.verdict is Verdict.FAIL:
        return None
    if answer is not None and answer.verdict is not None:
        if answer.verdict is Verdict.ACCEPTED_RISK:
            justification = f"accepted risk: {answer.reason or NO_REASON}"
        else:
            justification = f"a reviewer answered {answer.verdict.label} against the detection"
        return {
            "kind": "external",
            "status": "accepted",
            "justification": justification,
            "location": _answer_location(state.item.id, data),
        }
    waiver = state.waiver_for(finding)
    if waiver is None:
        return None
    return {
        "kind": "inSource" if waiver.source.in_source else "external",
        "status": "accepted",
        "justification": waiver.describe(),
        "location": _waiver_location(waiver, data),
    }


def _fix(fix: TargetFix, data: ReportData) -> dict[str, object]:
    """The proposed fix as SARIF's ``fix``: whole lines of the file replaced, each from
    the start of its first line to the start of the line after its last."""
    replacements: list[dict[str, object]] = []
    for change in fix.replacements:
        replacement: dict[str, object] = {
            "deletedRegion": {
                "startLine": change.start,
                "startColumn": 1,
                "endLine": change.end,
                "endColumn": 1,
            }
        }
        if change.inserted:
            replacement["insertedContent"] = {"text": change.inserted}
        replacements.append(replacement)
    description = _sentence(fix.summary)
    if fix.behaviour:
        description += " " + _sentence(f"May change behaviour: {fix.behaviour}")
    return {
        "description": {"text": description},
        "artifactChanges": [
            {"artifactLocation": _artifact(fix.path, data), "replacements": replacements}
        ],
    }


def _fingerprint(item_id: str, target: Target) -> str:
    return _digest([item_id, target.kind.value, target.path, target.name])


def _digest(parts: list[str]) -> str:
    return hashlib.sha256(canonical_json(parts).encode("utf-8")).hexdigest()[:32]


# Locations


def _finding_location(finding: Finding, data: ReportData) -> dict[str, object]:
    """The finding's first evidence, else the target itself."""
    if finding.evidence:
        return _evidence_location(finding.evidence[0], data)
    target = finding.target
    if target.kind in _FILE_KINDS and linkable(target.path):
        return {"physicalLocation": {"artifactLocation": _artifact(target.path, data)}}
    name = "/".join(part for part in (target.host, target.name) if part) or str(target)
    return _logical(name, str(target), "object" if target.host else "module")


def _evidence_location(evidence: Evidence, data: ReportData) -> dict[str, object]:
    """A file's line, or an engine object's field as ``host/object/field``."""
    if not evidence.in_file:
        host, _, thing = evidence.path.partition(": ")
        qualified = "/".join(part for part in (host, thing, evidence.field) if part)
        location = _logical(evidence.field, qualified, "property")
        if evidence.snippet:
            location["message"] = {"text": f"{evidence.field} = {evidence.snippet}"}
        return location
    if not linkable(evidence.path):
        # A file outside the project, or on an engine's host (its daemon.json).
        return _logical(evidence.path, evidence.location, "resource")
    physical: dict[str, object] = {"artifactLocation": _artifact(evidence.path, data)}
    if evidence.line:
        region: dict[str, object] = {"startLine": evidence.line}
        if evidence.snippet:
            region["snippet"] = {"text": evidence.snippet}
        physical["region"] = region
    return {"physicalLocation": physical}


def _waiver_location(waiver: Waiver, data: ReportData) -> dict[str, object]:
    physical: dict[str, object] = {"artifactLocation": _artifact(waiver.path, data)}
    if waiver.line:
        physical["region"] = {"startLine": waiver.line}
    return {"physicalLocation": physical}


def _answer_location(item_id: str, data: ReportData) -> dict[str, object]:
    """The item's entry in the review file, where the reviewer's answer is kept."""
    if not data.review_file:
        return _logical(item_id, f"review/{item_id}", "object")
    physical: dict[str, object] = {"artifactLocation": _artifact(data.review_file, data)}
    line = data.answer_lines.get(item_id)
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _artifact(path: str, data: ReportData) -> dict[str, object]:
    return {"uri": quote(data.repository_prefix + path), "uriBaseId": SOURCE_ROOT}


def _logical(name: str, qualified: str, kind: str) -> dict[str, object]:
    return {
        "logicalLocations": [
            {"name": name or qualified, "fullyQualifiedName": qualified, "kind": kind}
        ]
    }


def _base_ids(source_root: Path | None) -> dict[str, object]:
    """Where ``%SRCROOT%`` lies: the repository's root, else the project's."""
    base: dict[str, object] = {
        "description": {"text": "The root of the repository (or project) reviewed."}
    }
    if source_root is not None:
        base["uri"] = _directory_uri(source_root)
    return {SOURCE_ROOT: base}


def _directory_uri(folder: Path) -> str:
    uri = folder.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _invocation(data: ReportData) -> dict[str, object]:
    """The scan itself: when it ended, and each file it could not read."""
    invocation: dict[str, object] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            _problem_notification(problem.path, problem.line, problem.reason, data)
            for problem in data.problem_details
        ],
    }
    if data.scanned_at:
        invocation["endTimeUtc"] = data.scanned_at
    return invocation


def _problem_notification(
    path: str, line: int | None, reason: str, data: ReportData
) -> dict[str, object]:
    notification: dict[str, object] = {
        "level": "warning",
        "message": {"text": _sentence(f"{path}: {reason}" if path != "." else reason)},
    }
    if linkable(path):
        physical: dict[str, object] = {"artifactLocation": _artifact(path, data)}
        if line:
            physical["region"] = {"startLine": line}
        notification["locations"] = [{"physicalLocation": physical}]
    return notification


# Text


def _flat(value: str) -> str:
    return " ".join(value.split())


def _sentence(value: str) -> str:
    """The text as a sentence: code scanning shows the first sentence of a message."""
    value = value.strip()
    if not value:
        return ""
    return value if value.endswith((".", "!", "?")) else value + "."


def _shortened(value: str) -> str:
    if len(value) <= MAX_DESCRIPTION:
        return value
    return value[: MAX_DESCRIPTION - 1].rstrip() + "…"
