"""Markdown and JSON reports: content, escaping and masking."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reviewtui.report import render
from reviewtui.report.markdown import code, text
from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project


def _session(root: Path) -> ReviewSession:
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    return session


def test_markdown_report_has_summary_evidence_answers_and_signoff(weak_project: Path) -> None:
    session = _session(weak_project)
    session.set_verdict("runtime.not-privileged", Verdict.ACCEPTED_RISK, "legacy driver")
    session.set_note("runtime.not-privileged", "Remove by Q3.")
    session.sign_off("Ada", "ada@example.com", "security lead", Decision.CHANGES_REQUIRED)

    report = render(session, "markdown")

    assert report.startswith("# Docker security review: weak")
    assert "| Checklist | Fail |" in report
    assert "`Dockerfile:1`" in report
    assert "`compose.yaml:" in report
    assert "accepted risk" in report and "legacy driver" in report
    assert "> Remove by Q3." in report
    assert "| Ada | ada@example.com | security lead | changes required |" in report
    assert session.digest() in report
    assert "supersecretvalue123" not in report and "hunter2hunter2" not in report


def test_json_report_shape(weak_project: Path) -> None:
    session = _session(weak_project)
    session.set_note("build.healthcheck", "add one")

    document = json.loads(render(session, "json"))
    items = {item["id"]: item for item in document["items"]}

    tag = items["image.base-tag-pinned"]
    assert {
        "id",
        "checklist",
        "title",
        "severity",
        "status",
        "auto_status",
        "findings",
        "note",
    } <= set(tag)
    assert tag["status"] == "fail" and tag["auto_status"] == "fail"
    evidence = tag["findings"][0]["evidence"][0]
    assert evidence == {"path": "Dockerfile", "line": 1, "snippet": "FROM python:latest"}
    assert items["build.healthcheck"]["note"] == "add one"
    assert document["signoff"] is None
    assert "supersecretvalue123" not in json.dumps(document)


def test_hostile_text_from_files_is_inert(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "hostile",
        {
            "Dockerfile": "FROM evil:latest | x `y` <script>alert(1)</script> [a](http://x)\n",
        },
    )
    report = render(_session(root), "markdown")
    outside_code = re.sub(r"(`+).*?\1", "", report)

    assert "<script>" not in outside_code
    assert "[a](http://x)" not in outside_code
    for line in report.splitlines():
        if line.startswith("| ") and "Dockerfile:1" in line:
            assert line.count(" | ") == 3  # the snippet's pipe did not add a column


def test_escaping_helpers() -> None:
    assert text("a|b <b> [x](y) *e*") == "a\\|b &lt;b&gt; \\[x\\](y) \\*e\\*"
    assert code("a`b|c") == "`` a`b\\|c ``"
    assert code("plain") == "`plain`"
