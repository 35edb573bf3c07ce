"""The JSON report: every item with its findings and answer, the meetings, the sign-offs."""

from __future__ import annotations

import json
from importlib import resources

from reviewtui.model import Finding
from reviewtui.report.fix_section import ItemFixes
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
    # TODO: the synthetic tree of benchmark.py (470,000 findings) peaks near 1.7 GB here
    # against 220 MB for Markdown: every finding becomes a dict, and the whole document
    # one string; encode the findings one by one, as the review store does.
    return json.dumps(report_document(data), indent=2, ensure_ascii=False) + "\n"


def report_document(data: ReportData) -> dict[str, object]:
    """The report as a plain document."""
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
        "items": [_item(state, data.fixes.get(state.item.id)) for state in data.states],
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
        "findings": [_finding(state, f) for f in state.findings],
        "fixes": [fix.to_dict() for fix in fixes.fixes] if fixes else [],
        "fix_notes": list(fixes.notes) if fixes else [],
    }


def _meeting(meeting: Meeting) -> dict[str, object]:
    """A meeting as the review file keeps it, with how long it lasted."""
    return {**meeting.to_dict(), "minutes": meeting.minutes()}


def _finding(state: ItemState, finding: Finding) -> dict[str, object]:
    waiver = state.waiver_for(finding)
    return {
        "target": str(finding.target),
        "target_kind": finding.target.kind.value,
        "host": finding.target.host or None,
        "status": finding.status.value,
        "reason": finding.reason,
        "evidence": [e.to_dict() for e in finding.evidence],
        "waived_by": None if waiver is None else _waiver(waiver),
    }


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
