"""Markdown and JSON reports: content, escaping and masking."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewtui.model import Evidence
from reviewtui.report import render
from reviewtui.report.markdown import (
    _SHORTENINGS,
    MAX_COMMENT_CHARS,
    _blocks,
    _fitting,
    _join,
    _Made,
    _parts,
    _render,
    code,
    comment_length,
    evidence_link,
    prose,
    render_markdown,
    text,
)
from reviewtui.report.summary import report_data
from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project
from tests.report_projects import (
    answered_project,
    demo_project,
    hostile_project,
    record_live,
    write_weak,
)


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


# What a pull request shows: hostile text, links, action items, the comment limit


def markdown_tokens(report: str) -> list[Token]:
    """The report parsed as GitHub would (CommonMark, tables, HTML allowed), flattened."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    flat: list[Token] = []
    for token in parser.parse(report):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def table_rows_keep_their_columns(report: str) -> None:
    """Every row of every table has as many cells as its header."""
    columns = 0
    for line in report.splitlines():
        if not line.startswith("|"):
            columns = 0
            continue
        cells = len(re.findall(r"(?<!\\)\|", line)) - 1
        if columns == 0:
            columns = cells
        assert cells == columns, line


def test_hostile_dockerfile_and_compose_stay_inert_in_every_format(tmp_path: Path) -> None:
    session = hostile_project(tmp_path)
    report = render(session, "markdown")
    tokens = markdown_tokens(report)

    assert not [t for t in tokens if t.type in ("html_inline", "html_block", "image")]
    links = {str(t.attrs["href"]) for t in tokens if t.type == "link_open"}
    assert {"Dockerfile#L1", "compose.yaml#L3"} <= links
    assert all(re.fullmatch(r"(Dockerfile|compose\.yaml)#L\d+", href) for href in links)
    table_rows_keep_their_columns(report)
    for fmt in ("markdown", "json", "sarif"):
        output = render(session, fmt)
        assert "hunter2hunter2" not in output and "supersecretvalue123" not in output, fmt


def test_a_projects_own_checklist_cannot_inject_markup(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "team",
        {
            "Dockerfile": "FROM python:3.12\n",
            ".reviewtui/checklists/evil.yaml": (
                "checklist: evil\ntitle: Evil <b>rules</b>\nitems:\n"
                "  - id: evil.check\n"
                "    title: 'Click [here](http://evil) <script>x</script> | `a|b`'\n"
                "    question: 'Is ![it](http://img) so? `<kept>`'\n"
                "    why: Because.\n"
                "    fix: '<img src=x onerror=alert(1)> [fix](http://evil)'\n"
                "    severity: high\n"
                "    evidence: Ask.\n"
            ),
        },
    )
    session = _session(root)
    session.set_verdict("evil.check", Verdict.FAIL)
    report = render(session, "markdown")
    tokens = markdown_tokens(report)

    assert not [t for t in tokens if t.type in ("html_inline", "html_block", "image")]
    assert not [t for t in tokens if t.type == "link_open" and "evil" in str(t.attrs["href"])]
    assert "`<kept>`" in report  # the checklist's own code spans stay code
    title = "Click \\[here\\](`http://evil)` &lt;script&gt;x&lt;/script&gt; \\| `a\\|b`"
    assert f"| high | {title}" in report
    table_rows_keep_their_columns(report)


def test_prose_keeps_code_and_emphasis_but_not_html_or_links() -> None:
    assert prose("Use `USER <uid>` and *never* [x](y) <b>") == (
        "Use `USER <uid>` and *never* \\[x\\](y) &lt;b&gt;"
    )
    assert prose("`a | b` or c | d", in_table=True) == "`a \\| b` or c \\| d"
    assert prose("a ``b ` c`` and `unclosed") == "a ``b ` c`` and \\`unclosed"
    assert prose("\\[x\\](y)") == "\\\\\\[x\\\\\\](y)"


def test_evidence_links_to_its_line_relative_to_the_report(weak_project: Path) -> None:
    session = _session(weak_project)
    record_live(session)

    at_root = render(session, "markdown")
    beside_review = render(session, "markdown", report_dir=weak_project / ".reviewtui")

    assert "[`Dockerfile:1`](Dockerfile#L1)" in at_root
    assert "[`compose.yaml:4`](compose.yaml#L4)" in at_root
    assert "[`Dockerfile:1`](../Dockerfile#L1)" in beside_review
    # Evidence read from an engine is never a link.
    assert (
        "| container web-1 on prod | fail | "
        "`prod: container web-1 HostConfig.Privileged = true` |" in (at_root)
    )
    hrefs = [str(t.attrs["href"]) for t in markdown_tokens(at_root) if t.type == "link_open"]
    assert hrefs and all(href.split("#")[0] in ("Dockerfile", "compose.yaml") for href in hrefs)


def test_a_link_base_names_the_repository_and_the_projects_folder_in_it(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    root = write_weak(repository / "services" / "api (v2)")
    session = _session(root)

    report = render(session, "markdown", link_base="https://github.com/o/r/blob/abc123")
    linked = "https://github.com/o/r/blob/abc123/services/api%20%28v2%29/Dockerfile#L1"

    assert f"[`Dockerfile:1`]({linked})" in report
    hrefs = [str(t.attrs["href"]) for t in markdown_tokens(report) if t.type == "link_open"]
    assert all(href.startswith("https://github.com/o/r/blob/abc123/services/") for href in hrefs)


def test_paths_outside_the_project_are_never_links() -> None:
    assert evidence_link(Evidence("/etc/docker/daemon.json", 3)) == "`/etc/docker/daemon.json:3`"
    assert evidence_link(Evidence("../other/Dockerfile", 1)) == "`../other/Dockerfile:1`"
    assert evidence_link(Evidence("prod: engine /info", None, "x", "SecurityOptions")) == (
        "`prod: engine /info SecurityOptions = x`"
    )
    assert evidence_link(Evidence("trivy.json", None)) == "[`trivy.json`](trivy.json)"
    assert evidence_link(Evidence("a b/Dockerfile", 2), "../") == (
        "[`a b/Dockerfile:2`](../a%20b/Dockerfile#L2)"
    )


def test_action_items_are_a_task_list_after_the_summary(tmp_path: Path) -> None:
    session = answered_project(tmp_path)
    session.set_action("build.copy-not-add", "@hopper", "2026-06-30")  # answered pass: done
    data = report_data(session, today="2026-12-03")
    report = render_markdown(data)
    lines = report.splitlines()

    start = lines.index("## Action items")
    assert lines.index("## Failing items") < start < lines.index("## Image")
    assert lines[start + 2 : start + 5] == [
        "- [ ] **Docker socket not mounted** (`runtime.no-docker-socket`) — owner "
        "platform-team, due 2000-01-01 — **overdue**",
        "- [ ] **Base image pinned to a version** (`image.base-tag-pinned`) — owner @octocat, "
        "due 2027-01-31",
        "- [x] **COPY instead of ADD** (`build.copy-not-add`) — owner @hopper, due "
        "2026-06-30 — done: pass now",
    ]
    assert "**Action:** owner @octocat, due 2027-01-31" in lines
    document = json.loads(render(session, "json"))
    pinned = {item["id"]: item for item in document["items"]}["image.base-tag-pinned"]
    assert (pinned["owner"], pinned["due"]) == ("@octocat", "2027-01-31")


def test_a_long_report_fits_in_one_comment_and_says_what_it_left_out(tmp_path: Path) -> None:
    session = demo_project(tmp_path)
    data = report_data(session)
    report = render_markdown(data)
    full = render_markdown(data, limit=10**9)

    assert comment_length(full) > MAX_COMMENT_CHARS  # the demo is too long for one comment
    assert comment_length(report) <= MAX_COMMENT_CHARS
    assert "> **Shortened to fit GitHub's comment limit (65,536 characters).** Left out: the " in (
        report
    )
    assert "*Not shown to fit the comment limit: " in report
    assert "### ❌" in report and "### ❔" in report
    # Items are folded one at a time, passing ones before failing ones, so the room is used.
    assert comment_length(report) > MAX_COMMENT_CHARS - 3_000
    assert report.split("\n## ")[-1].startswith("Sign-off\n")  # the last section


def test_shortening_folds_passing_items_then_cuts_evidence_rows_then_items(
    tmp_path: Path,
) -> None:
    files = {f"svc{n}/Dockerfile": "FROM python:latest\nUSER root\n" for n in range(15)}
    session = _session(write_project(tmp_path / "many", files))
    data = report_data(session)
    full = render_markdown(data, limit=10**9)
    ending = full[full.index("## Sign-off") :]

    folded = render_markdown(data, limit=comment_length(full) - 1)
    assert "Left out: the details of 1 not-applicable item (" in folded
    assert "evidence beyond" not in folded

    # Rows are cut only when folding every passing item is not enough.
    all_folded = comment_length(_render(data, "", _SHORTENINGS[1]))
    rows_cut = render_markdown(data, limit=all_folded - 1)
    assert "evidence beyond 10 targets per item" in rows_cut
    assert "| … | | | 5 more targets (5 fail) |" in rows_cut

    tiny = render_markdown(data, limit=3_000)
    assert comment_length(tiny) <= 3_000
    assert "items at the end" in tiny and "more items are cut here" in tiny

    # Even a head too long by itself is cut, line by line, before the sign-off.
    cut_short = render_markdown(data, limit=1_200)
    assert comment_length(cut_short) <= 1_200
    assert "*The report is cut here to fit the comment limit.*" in cut_short

    for report in (folded, rows_cut, tiny, cut_short):
        assert report.endswith(ending), "the sign-off always stays, at the end"
        table_rows_keep_their_columns(report)


def test_every_shortening_renders_the_same_with_the_blocks_of_other_attempts(
    tmp_path: Path,
) -> None:
    # Fitting a report keeps item blocks and evidence rows between its attempts; whatever
    # order the attempts come in, each must read as if rendered on its own.
    files = {f"svc{n}/Dockerfile": "FROM python:latest\nUSER root\n" for n in range(25)}
    data = report_data(_session(write_project(tmp_path / "many", files)))
    alone = [_render(data, "../", shortening) for shortening in _SHORTENINGS]
    assert len(set(alone)) > 3  # the attempts really differ
    for order in (_SHORTENINGS, _SHORTENINGS[::-1]):
        shared = _Made()
        again = {s: _render(data, "../", s, shared) for s in order}
        assert [again[s] for s in _SHORTENINGS] == alone


def test_an_attempt_is_given_up_only_when_its_report_is_longer_than_the_limit(
    tmp_path: Path,
) -> None:
    # An attempt stops making item blocks once they alone pass the limit: never sooner,
    # as each block adds exactly its size to the report.
    files = {f"svc{n}/Dockerfile": "FROM python:latest\nUSER root\n" for n in range(25)}
    data = report_data(_session(write_project(tmp_path / "many", files)))
    for shortening in _SHORTENINGS:
        made = _Made()
        head, _, tail = _parts(data, "../", shortening, cut=0, items=made)
        sizes = sum(made.size(key, block) for key, block in _blocks(data, "../", shortening, made))
        report = _render(data, "../", shortening, made)
        assert comment_length(report) == comment_length(_join(head, [], tail)) + sizes
        length = comment_length(report)
        assert _fitting(data, "../", shortening, _Made(), length) == report
        assert _fitting(data, "../", shortening, _Made(), length - 1) is None


def test_scan_takes_sarif_and_a_link_base_and_refuses_a_bad_one(weak_project: Path) -> None:
    def scan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reviewtui", "scan", str(weak_project), *args],
            capture_output=True,
            text=True,
        )

    linked = scan("--link-base", "https://github.com/o/r/blob/abc/")
    sarif = scan("--format", "sarif")
    bad = scan("--link-base", "javascript:alert(1)")
    (weak_project / "out").mkdir()
    to_file = scan("--output", str(weak_project / "out" / "review.md"))

    assert linked.returncode == 1
    assert "(https://github.com/o/r/blob/abc/Dockerfile#L1)" in linked.stdout
    assert sarif.returncode == 1 and json.loads(sarif.stdout)["version"] == "2.1.0"
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith("give an http:// or https:// URL")
    assert to_file.returncode == 1
    report = (weak_project / "out" / "review.md").read_text(encoding="utf-8")
    assert "[`Dockerfile:1`](../Dockerfile#L1)" in report


def test_a_shortened_report_uses_the_room_it_has(tmp_path: Path) -> None:
    # Signed, with a changes section and a seal, like a re-review posted to a pull request.
    files = {f"svc{n}/Dockerfile": "FROM python:latest\nUSER root\n" for n in range(15)}
    root = write_project(tmp_path / "many", files)
    session = ReviewSession.open(root)
    session.scan()
    session.sign_off("Ada", "ada@example.com", "lead", Decision.APPROVED)
    (root / "svc3" / "Dockerfile").write_text("FROM python:3.12\nADD http://x.example/a /a\n")
    session = ReviewSession.open(root)
    session.scan()
    data = report_data(session)
    assert data.changes is not None and data.signoffs
    full = comment_length(render_markdown(data, limit=10**9))

    for limit in (full * 3 // 4, full // 2, full // 3):
        report = render_markdown(data, limit=limit)
        notice = next(line for line in report.splitlines() if line.startswith("> **Shortened"))
        # Items are left out one by one, not by the verdict: what is left is less than
        # the few items' blocks that would not fit.
        assert limit - 3_000 < comment_length(report) <= limit, (limit, notice)
    half = render_markdown(data, limit=full // 2)
    assert "### ❔" in half and "needs-a-person" in half
