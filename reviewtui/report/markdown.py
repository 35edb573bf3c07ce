"""The Markdown report, for a pull request: summary table, items, evidence, sign-off.

Text that came from scanned files is escaped wherever it lands, so a ``|``, a backtick,
``<script>`` or ``[link](...)`` in a Dockerfile cannot break a table or inject markup.
The checklists' own texts are Markdown written by us and go in as they are.
"""

from __future__ import annotations

import re

from reviewtui.report.summary import ReportData, live_hosts
from reviewtui.review.model import InspectedEngine, ItemState, SignOff, Verdict
from reviewtui.waivers.model import Waiver

_VERDICT_MARK = {
    Verdict.FAIL: "❌",
    Verdict.ACCEPTED_RISK: "⚠️",
    Verdict.UNKNOWN: "❔",
    Verdict.PASS: "✅",
    Verdict.NOT_APPLICABLE: "➖",
}
# Enough to stop emphasis, code, links, tables and strike-through; the rest is harmless.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
MAX_EVIDENCE_ROWS = 20


def render_markdown(data: ReportData) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    parts = [
        f"# Docker security review: {text(data.project)}",
        "",
        _overview_line(data),
        "",
        *_summary_table(data),
        "",
        *_engines(data),
        *_problems(data),
    ]
    inspected = {engine.host: engine for engine in data.engines}
    for section in data.sections:
        parts += [f"## {text(section.checklist.title)}", ""]
        for state in section.states:
            parts += _item(state, inspected)
    parts += _signoffs(data)
    return "\n".join(parts).rstrip() + "\n"


def text(value: str) -> str:
    """Plain text made inert: Markdown punctuation escaped, HTML turned into entities."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return " ".join(escaped.split())


def code(value: str) -> str:
    """An inline code span that holds any text, including backticks and pipes."""
    flat = " ".join(value.split()).replace("|", "\\|")
    if not flat:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _overview_line(data: ReportData) -> str:
    counts = ", ".join(
        f"{data.count(v)} {v.label}"
        for v in (
            Verdict.FAIL,
            Verdict.ACCEPTED_RISK,
            Verdict.UNKNOWN,
            Verdict.PASS,
            Verdict.NOT_APPLICABLE,
        )
    )
    scanned = f"scanned {data.scanned_at}" if data.scanned_at else "not scanned"
    return f"{len(data.states)} items ({counts}); {scanned} with reviewtui {data.tool_version}."


def _summary_table(data: ReportData) -> list[str]:
    columns = (
        Verdict.FAIL,
        Verdict.ACCEPTED_RISK,
        Verdict.UNKNOWN,
        Verdict.PASS,
        Verdict.NOT_APPLICABLE,
    )
    lines = [
        "| Checklist | " + " | ".join(v.label.capitalize() for v in columns) + " | Answered |",
        "|---|" + "---:|" * len(columns) + "---:|",
    ]
    for section in data.sections:
        cells = " | ".join(str(section.count(v)) for v in columns)
        lines.append(
            f"| {text(section.checklist.title)} | {cells} | "
            f"{section.answered}/{len(section.states)} |"
        )
    return lines


def _engines(data: ReportData) -> list[str]:
    """Which engines the live items were answered from, when, and which could not be read."""
    if not data.engines:
        return []
    lines = [
        "## Live engines",
        "",
        "| Engine | Address | Inspected | Version | Containers | Images | Swarm services |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for engine in data.engines:
        version = text(engine.server_version) if not engine.error else "not reachable"
        lines.append(
            f"| {text(engine.host)} | {code(engine.url)} | {text(engine.inspected_at)} | "
            f"{version} | {engine.containers} | {engine.images} | {engine.swarm_services} |"
        )
    lines.append("")
    for engine in data.engines:
        if engine.error:
            lines += [f"- **{text(engine.host)}:** {text(engine.error)}"]
    if any(engine.error for engine in data.engines):
        lines += [
            "",
            "Items an unreachable engine would answer read *needs a person*; the files "
            "were reviewed all the same.",
            "",
        ]
    return lines


def _problems(data: ReportData) -> list[str]:
    if not data.problems:
        return []
    lines = ["## Files that could not be read", ""]
    lines += [f"- {text(problem)}" for problem in data.problems]
    return lines + [""]


def _item(state: ItemState, engines: dict[str, InspectedEngine]) -> list[str]:
    item = state.item
    verdict = state.verdict
    lines = [
        f"### {_VERDICT_MARK[verdict]} {item.title}",
        "",
        f"`{item.id}` · **{verdict.label}** · severity {item.severity.value}"
        + (f" · CIS {', '.join(item.references.cis)}" if item.references.cis else ""),
        "",
        " ".join(item.question.split()),
        "",
    ]
    lines += _answer_lines(state)
    lines += _waiver_lines(state)
    lines += _live_line(state, engines)
    if state.findings:
        lines += _evidence_table(state)
    elif item.automatic and not state.answered:
        lines += [
            "Nothing in the project answers this item (no file it applies to was "
            "found), so a person must.",
            "",
        ]
    if verdict is Verdict.UNKNOWN and item.evidence:
        lines += [f"*What counts as evidence:* {' '.join(item.evidence.split())}", ""]
    if verdict in (Verdict.FAIL, Verdict.ACCEPTED_RISK):
        lines += [f"**Fix:** {' '.join(item.fix.split())}", ""]
    return lines


def _live_line(state: ItemState, engines: dict[str, InspectedEngine]) -> list[str]:
    hosts = live_hosts(state)
    if not hosts:
        return []
    where = ", ".join(
        f"{text(host)} (inspected {text(engines[host].inspected_at)})"
        if host in engines
        else text(host)
        for host in hosts
    )
    return [f"*Answered live from* {where}.", ""]


def _answer_lines(state: ItemState) -> list[str]:
    lines = []
    detected = "needs a person" if not state.item.automatic else state.detected.label
    if state.answered and state.answer is not None and state.answer.verdict is not None:
        answer = f"**Reviewer:** {state.answer.verdict.label} (detected: {detected})"
        if state.answer.reason:
            answer += f" — {text(state.answer.reason)}"
        lines += [answer, ""]
        if state.detection_changed:
            lines += ["> The detected answer changed after the reviewer answered.", ""]
    elif state.waived:
        lines += [
            f"**Detected:** {detected}; every failing target is waived, so it counts as an "
            "accepted risk (not yet confirmed by a reviewer)",
            "",
        ]
    else:
        lines += [f"**Detected:** {detected} (not yet confirmed by a reviewer)", ""]
    if state.note:
        lines += ["**Note:**", ""]
        lines += [f"> {_note_line(line)}" for line in state.note.splitlines()]
        lines.append("")
    return lines


def _note_line(line: str) -> str:
    # Notes are the reviewer's own words: Markdown stays, HTML does not.
    return line.replace("<", "&lt;").replace(">", "&gt;")


def _waiver_lines(state: ItemState) -> list[str]:
    """Every waiver naming the item: in force or expired, who, why, until when, where."""
    if not state.waivers:
        return []
    lines = ["**Waivers:**", ""]
    for waiver in state.waivers:
        line = f"- {text(waiver.describe())}"
        if waiver.expired:
            line += " — counts as not waived"
        lines.append(line)
    return lines + [""]


def _evidence_table(state: ItemState) -> list[str]:
    findings = list(state.findings)
    if not findings:
        return []
    lines = ["| Target | Status | Evidence | Detail |", "|---|---|---|---|"]
    for finding in findings[:MAX_EVIDENCE_ROWS]:
        evidence = finding.evidence[0] if finding.evidence else None
        where = code(evidence.location) if evidence else ""
        detail = text(finding.reason)
        if evidence and evidence.snippet:
            detail += f" {code(evidence.snippet)}"
        waiver = state.waiver_for(finding)
        status = finding.status.label
        if waiver is not None:
            status += " (waived)"
            detail += f" — {_waived_at(waiver)}"
        lines.append(f"| {text(str(finding.target))} | {status} | {where} | {detail} |")
    if len(findings) > MAX_EVIDENCE_ROWS:
        lines.append(f"| … | | | {len(findings) - MAX_EVIDENCE_ROWS} more targets |")
    return lines + [""]


def _waived_at(waiver: Waiver) -> str:
    where = "in source" if waiver.source.in_source else "in the project file"
    return f"waived {where} at {code(waiver.location)}"


def _signoffs(data: ReportData) -> list[str]:
    lines = ["## Sign-off", ""]
    if not data.signoffs:
        return lines + ["Not signed off yet.", "", f"Content digest (SHA-256): `{data.digest}`"]
    lines += [
        "| Name | Email | Role | Decision | Time | Content digest (SHA-256) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_signoff_row(s, data.signoff_current(s)) for s in data.signoffs]
    lines += ["", f"Content digest now (SHA-256): `{data.digest}`"]
    if not data.signoff_current(data.signoffs[-1]):
        lines += ["", "> The reviewed content changed after the last sign-off."]
    return lines


def _signoff_row(signoff: SignOff, current: bool) -> str:
    state = "" if current else " (content changed since)"
    return (
        f"| {text(signoff.name)} | {text(signoff.email)} | {text(signoff.role)} | "
        f"{signoff.decision.label} | {signoff.time} | `{signoff.digest}`{state} |"
    )
