"""The checklists themselves as a document: every item, its severity, CIS and tool ids."""

from __future__ import annotations

import json

from reviewtui.checklists import Catalogue, Item
from reviewtui.report.markdown import text as md_text


def render_catalogue(catalogue: Catalogue, fmt: str) -> str:
    """The catalogue as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps([_item_document(item) for item in catalogue.items], indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(catalogue)
    return _text(catalogue)


def _item_document(item: Item) -> dict[str, object]:
    return {
        "id": item.id,
        "checklist": item.checklist,
        "title": item.title,
        "question": item.question,
        "severity": item.severity.value,
        "automatic": item.automatic,
        "detector": item.detector,
        "match": item.match.describe() if item.match is not None else None,
        "cis": list(item.references.cis),
        "tools": {tool: list(ids) for tool, ids in item.references.tools.items()},
    }


def _tools(item: Item) -> str:
    return "; ".join(f"{tool} {', '.join(ids)}" for tool, ids in item.references.tools.items())


def _text(catalogue: Catalogue) -> str:
    lines = []
    for checklist in catalogue.checklists:
        lines.append(f"{checklist.title} ({len(checklist.items)} items)")
        for item in checklist.items:
            how = "auto" if item.automatic else "manual"
            cis = f"  CIS {', '.join(item.references.cis)}" if item.references.cis else ""
            lines.append(f"  {item.id:<34} {item.severity.value:<8} {how:<6} {item.title}{cis}")
            if item.references.tools:
                lines.append(f"  {'':<34} {_tools(item)}")
        lines.append("")
    return "\n".join(lines)


def _markdown(catalogue: Catalogue) -> str:
    lines = ["# reviewtui checklists", ""]
    for checklist in catalogue.checklists:
        lines += [
            f"## {md_text(checklist.title)}",
            "",
            "| Id | Title | Severity | Answered by | CIS | Other tools |",
            "|---|---|---|---|---|---|",
        ]
        for item in checklist.items:
            how = "a person"
            if item.match is not None:
                how = "match rule"
            elif item.detector is not None:
                how = "detector"
            lines.append(
                f"| `{item.id}` | {md_text(item.title)} | {item.severity.value} | "
                f"{how} | {', '.join(item.references.cis)} | "
                f"{md_text(_tools(item))} |"
            )
        lines.append("")
    return "\n".join(lines)
