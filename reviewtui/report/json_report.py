"""The JSON report: every item with its findings, the reviewer's answer and the sign-offs."""

from __future__ import annotations

import json

from reviewtui.report.summary import ReportData
from reviewtui.review.model import ItemState, Verdict

SCHEMA_VERSION = 1


def render_json(data: ReportData) -> str:
    """The report as indented JSON text."""
    return json.dumps(report_document(data), indent=2, ensure_ascii=False) + "\n"


def report_document(data: ReportData) -> dict[str, object]:
    """The report as a plain document."""
    signoffs = [{**s.to_dict(), "current": data.signoff_current(s)} for s in data.signoffs]
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
        "items": [_item(state) for state in data.states],
        "problems": list(data.problems),
        "signoff": signoffs[-1] if signoffs else None,
        "signoffs": signoffs,
    }


def _item(state: ItemState) -> dict[str, object]:
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
        "detection_changed": state.detection_changed,
        "references": {
            "cis": list(item.references.cis),
            "tools": {k: list(v) for k, v in item.references.tools.items()},
        },
        "findings": [
            {
                "target": str(f.target),
                "target_kind": f.target.kind.value,
                "status": f.status.value,
                "reason": f.reason,
                "evidence": [e.to_dict() for e in f.evidence],
            }
            for f in state.findings
        ],
    }
