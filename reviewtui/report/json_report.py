"""The JSON report: every item with its findings and answer, the meetings, the sign-offs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from reviewtui.model import Evidence, Finding
from reviewtui.report.fix_section import ItemFixes
from reviewtui.report.json_text import INDENT, Stream, chunks, encode_value
from reviewtui.report.summary import ReportData
from reviewtui.review.meeting import Meeting
from reviewtui.review.model import ItemState, Verdict
from reviewtui.waivers.model import Waiver

SCHEMA_VERSION = 1
SCHEMA_RESOURCE = "schema/report.schema.json"
"""The report's JSON Schema (Draft 2020-12), shipped inside the package."""


def report_schema() -> dict[str, object]:
    """The published JSON Schema every JSON report conforms to."""
    text = resources.files("reviewtui.report").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    return schema


def render_json(data: ReportData) -> str:
    """The report as indented JSON text."""
    return "".join(json_chunks(data))


def json_chunks(data: ReportData) -> Iterator[str]:
    """The report's text in pieces, an item at a time, to write as they come: a big
    tree's findings are never all dicts, nor all one string."""
    yield from chunks(report_document(data))
    yield "\n"


def report_document(data: ReportData) -> dict[str, object]:
    """The report as a plain document; its items are a :class:`Stream`, made as they
    are written, and each item's findings are written straight from the findings."""
    # Each sign-off says whether an SSH signature backs it, and with which key.
    signoffs = [
        {
            **s.to_dict(),
            "current": data.signoff_current(s),
            "signed": s.signed,
            "fingerprint": s.fingerprint or None,
        }
        for s in data.signoffs
    ]
    return {
        "report": "reviewtui",
        "schema_version": SCHEMA_VERSION,
        "tool_version": data.tool_version,
        "project": data.project,
        "scanned_at": data.scanned_at,
        "digest": data.digest,
        "summary": {
            section.checklist.name: {v.value: section.count(v) for v in Verdict}
            | {"total": len(section.states), "answered": section.answered}
            for section in data.sections
        },
        "items": Stream(_item(state, data.fixes.get(state.item.id)) for state in data.states),
        "problems": list(data.problems),
        "engines": [engine.to_dict() for engine in data.engines],
        "meetings": [_meeting(meeting) for meeting in data.meetings],
        "changes": data.changes.to_dict() if data.changes is not None else None,
        "signoff": signoffs[-1] if signoffs else None,
        "signoffs": signoffs,
    }


def _item(state: ItemState, fixes: ItemFixes | None) -> dict[str, object]:
    item = state.item
    answer = state.answer
    return {
        "id": item.id,
        "checklist": item.checklist,
        "title": item.title,
        "severity": item.severity.value,
        "status": state.verdict.value,
        "auto_status": state.detected.value,
        "automatic": item.automatic,
        "answered": state.answered,
        "answer": answer.verdict.value if answer and answer.verdict else None,
        "reason": answer.reason if answer else "",
        "note": state.note,
        "owner": answer.owner if answer else "",
        "due": answer.due if answer else "",
        "decided_by": answer.decided_by if answer else "",
        "detection_changed": state.detection_changed,
        "waived": state.waived,
        "waivers": [_waiver(waiver) for waiver in state.waivers],
        "references": {
            "cis": list(item.references.cis),
            "tools": {k: list(v) for k, v in item.references.tools.items()},
        },
        "findings": Stream(state.findings, lambda f, depth: _finding_text(state, f, depth)),
        "fixes": [fix.to_dict() for fix in fixes.fixes] if fixes else [],
        "fix_notes": list(fixes.notes) if fixes else [],
    }


def _meeting(meeting: Meeting) -> dict[str, object]:
    """A meeting as the review file keeps it, with how long it lasted."""
    return {**meeting.to_dict(), "minutes": meeting.minutes()}


def _finding_text(state: ItemState, finding: object, depth: int) -> str:
    """A finding as indented JSON text, written from its fields: a big tree has
    hundreds of thousands, too many to make a dict of each first.

    The same text as ``encode_value`` of ``{"target": ..., "target_kind": ...,
    "host": ..., "status": ..., "reason": ..., "evidence": [...], "waived_by": ...}``.
    """
    assert isinstance(finding, Finding)
    target = finding.target
    waiver = state.waiver_for(finding)
    inner = "\n" + INDENT * (depth + 1)
    host = encode_basestring(target.host) if target.host else "null"
    waived = "null" if waiver is None else encode_value(_waiver(waiver), depth + 1)
    evidence = _evidence_text(finding.evidence, depth + 1)
    return (
        f'{{{inner}"target": {encode_basestring(str(target))},'
        f'{inner}"target_kind": {encode_basestring(target.kind._value_)},'
        f'{inner}"host": {host},'
        f'{inner}"status": {encode_basestring(finding.status._value_)},'
        f'{inner}"reason": {encode_basestring(finding.reason)},'
        f'{inner}"evidence": {evidence},'
        f'{inner}"waived_by": {waived}'
        f"\n{INDENT * depth}}}"
    )


def _evidence_text(evidence: tuple[Evidence, ...], depth: int) -> str:
    """The evidence list as :meth:`Evidence.to_dict` gives each, as indented JSON text."""
    if not evidence:
        return "[]"
    outer = "\n" + INDENT * (depth + 1)
    inner = outer + INDENT
    texts = []
    for one in evidence:
        line = "null" if one.line is None else int.__repr__(one.line)
        field = f',{inner}"field": {encode_basestring(one.field)}' if one.field else ""
        texts.append(
            f'{{{inner}"path": {encode_basestring(one.path)},'
            f'{inner}"line": {line},'
            f'{inner}"snippet": {encode_basestring(one.snippet)}{field}'
            f"{outer}}}"
        )
    return "[" + outer + ("," + outer).join(texts) + "\n" + INDENT * depth + "]"


def _waiver(waiver: Waiver) -> dict[str, object]:
    """A waiver as the report shows it: where, who, why, until when, and in words."""
    return {
        "source": waiver.source.value,
        "rule": waiver.rule,
        "location": waiver.location,
        "reason": waiver.reason,
        "owner": waiver.owner,
        "expires": waiver.expires,
        "expired": waiver.expired,
        "description": waiver.describe(),
    }
