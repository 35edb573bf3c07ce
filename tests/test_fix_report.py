"""The proposed fixes in the reports: folded diffs in Markdown, a ``fixes`` list per item in
JSON, SARIF ``fixes`` on the results; made from the files unchanged since the scan, with
secrets masked and scanned text inert. The fixers are the real ones."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewtui.cli import main
from reviewtui.report import fix_section, render, write_report
from reviewtui.report.fix_section import Replacement, replacements
from reviewtui.report.markdown import (
    _SHORTENINGS,
    MAX_COMMENT_CHARS,
    _render,
    comment_length,
    render_markdown,
)
from reviewtui.report.summary import report_data
from reviewtui.review.model import Decision
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project
from tests.sarif_schema import sarif_schema
from tests.test_report_schema import errors_of

TOKEN = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8"

DOCKERFILE = """\
# The app.
FROM python:3.12-slim
WORKDIR /app
ADD . /app
USER app
CMD ["python", "-m", "app"]
"""
"""Fails only build.copy-not-add among the items with a fix in a Dockerfile."""

HOSTILE_LINE = (
    "    # ```` <script>alert(1)</script> [x](http://evil.example/x) [bold red]inert[/]\n"
)


def hardened(name: str, last_line: str = "") -> str:
    """A service that fails only runtime.no-new-privileges among the items with a fix."""
    return (
        f"  {name}:\n"
        f"    image: web:1.0@sha256:{'0123456789abcdef' * 4}\n"
        '    user: "10001:10001"\n    init: true\n    read_only: true\n    cap_drop: [ALL]\n'
        "    mem_limit: 256m\n    cpus: 0.5\n    pids_limit: 100\n"
        '    logging:\n      driver: json-file\n      options: {max-size: 10m, max-file: "3"}\n'
        + last_line
    )


COMPOSE = "services:\n" + hardened("web", HOSTILE_LINE)
"""One such service, with hostile text beside the lines its fix adds."""

TWO_SERVICES = "services:\n" + hardened("api") + hardened("web")
"""Two such services, each in its own block."""

SECRET_DOCKERFILE = f"""\
FROM python:3.12-slim
ENV GITHUB_TOKEN={TOKEN}
ADD app /app
USER app
"""


def scan_of(root: Path) -> ReviewSession:
    """The project above written at ``root`` and scanned (nothing saved)."""
    write_project(root, {"Dockerfile": DOCKERFILE, "compose.yaml": COMPOSE})
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    return session


@pytest.fixture
def scanned(tmp_path: Path) -> ReviewSession:
    """The project, scanned, for a test that changes it."""
    return scan_of(tmp_path / "app")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> ReviewSession:
    """The project, scanned once, for the tests that only read it."""
    return scan_of(tmp_path_factory.mktemp("shared") / "app")


def tokens(report: str) -> list[Token]:
    """The report parsed as GitHub would (CommonMark, tables, HTML on), flattened."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table"])
    flat: list[Token] = []
    for token in parser.parse(report):
        flat += [token, *(token.children or [])]
    return flat


def item_block(report: str, item_id: str) -> str:
    """The part of the report about one item: from its heading to the next one."""
    start = report.rindex("\n### ", 0, report.index(f"`{item_id}` · "))
    end = report.find("\n### ", start + 1)
    return report[start : end if end > 0 else len(report)]


def diffs_of(report: str) -> list[str]:
    return [t.content for t in tokens(report) if t.type == "fence" and t.info == "diff"]


# --- Markdown ---------------------------------------------------------------------------


def test_a_failing_item_carries_its_fix_folded_with_the_diff(shared: ReviewSession) -> None:
    report = render(shared, "markdown", fixes=True)
    block = item_block(report, "build.copy-not-add")

    assert "<details><summary>Proposed fix: Use COPY instead of ADD" in block
    assert "\n- Dockerfile: Use COPY instead of ADD for local files" in block
    assert "\n  - **Check after:** Build the image" in block
    assert block.rstrip().endswith("</details>")
    assert diffs_of(block) == [
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,6 +1,6 @@\n # The app.\n"
        " FROM python:3.12-slim\n WORKDIR /app\n-ADD . /app\n+COPY . /app\n USER app\n"
        ' CMD ["python", "-m", "app"]\n'
    ]
    # Without fixes, the same report has none; a passing item never has one.
    assert "Proposed fix" not in render(shared, "markdown")
    assert "Proposed fix" not in item_block(report, "build.non-root-user")


def test_behaviour_is_said_on_the_fold_and_under_it(shared: ReviewSession) -> None:
    block = item_block(render(shared, "markdown", fixes=True), "runtime.no-new-privileges")

    assert re.search(r"<summary>Proposed fix: [^<]*— may change behaviour</summary>", block)
    assert "\n  - **May change behaviour:** " in block


def test_scan_carries_the_fixes_unless_told_not_to(
    shared: ReviewSession, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", str(shared.root)])
    with_fixes = capsys.readouterr().out
    main(["scan", str(shared.root), "--no-fixes"])
    without = capsys.readouterr().out
    main(["scan", str(shared.root), "--format", "json", "--no-fixes"])
    document = json.loads(capsys.readouterr().out)

    assert "<details><summary>Proposed fix: " in with_fixes
    assert "Proposed fix" not in without and "```diff" not in without
    assert all(item["fixes"] == [] for item in document["items"])


def test_hostile_text_in_a_diff_stays_inside_its_fence(shared: ReviewSession) -> None:
    report = render(shared, "markdown", fixes=True)
    found = tokens(report)
    fences = [t for t in found if t.type == "fence" and t.info == "diff"]
    hostile = [t for t in fences if "<script>" in t.content]

    # The diff's own line of four backticks cannot end a fence of five.
    assert len(hostile) == 1 and hostile[0].markup == "`" * 5
    assert "# ```` <script>alert(1)</script> [x](http://evil.example/x)" in hostile[0].content
    assert not [t for t in found if t.type in ("html_inline", "image")]
    own = re.compile(r"<details><summary>[^<>]*</summary>\n|</details>\n")
    assert all(own.fullmatch(t.content) for t in found if t.type == "html_block")
    assert not [t for t in found if t.type == "link_open" and "evil" in str(t.attrs["href"])]


def test_diffs_stay_until_passing_items_are_folded_and_evidence_is_cut(
    shared: ReviewSession,
) -> None:
    data = report_data(shared, fixes=True)
    full = render_markdown(data, limit=10**9)
    bare = render_markdown(replace(data, fixes={}), limit=10**9)
    assert len(diffs_of(full)) == 2 and comment_length(bare) < comment_length(full)

    # One character too long: a passing item's details go, every diff stays.
    one_less = render_markdown(data, limit=comment_length(full) - 1)
    assert len(diffs_of(one_less)) == 2
    assert "Left out: the details of " in one_less and "diffs of" not in one_less

    # Only when folding and cutting evidence are not enough do diffs go, the last first.
    folded_with_diffs = _render(data, "", _SHORTENINGS[3])
    assert _SHORTENINGS[3].diffs is None and _SHORTENINGS[4].diffs == 0
    one_diff = render_markdown(data, limit=comment_length(folded_with_diffs) - 1)
    assert len(diffs_of(one_diff)) == 1
    assert "the diffs of the proposed fixes of 1 item (`reviewtui fix` prints them)" in one_diff
    assert "`reviewtui fix` prints it.*" in one_diff

    none = render_markdown(data, limit=comment_length(_render(data, "", _SHORTENINGS[4])))
    assert diffs_of(none) == []
    assert "of 2 items (`reviewtui fix` prints them)." in none
    # Every failing item is still there, each with its proposed fix folded.
    assert none.count("<details><summary>Proposed fix: ") == 2


def test_a_real_sized_project_keeps_every_diff_within_the_comment_limit(
    tmp_path: Path,
) -> None:
    """Three plain services and two Dockerfiles, the size of a typical example project:
    passing items fold so that every proposed fix keeps its diff."""
    service = "    build: {name}\n    ports:\n      - 80{n}:80\n    environment:\n      - A=1\n"
    compose = "services:\n" + "".join(
        f"  {name}:\n" + service.format(name=name, n=n)
        for n, name in enumerate(("api", "web", "proxy"))
    )
    dockerfile = 'FROM python:3.12\nADD . /app\nEXPOSE 80\nCMD ["python", "/app"]\n'
    root = write_project(
        tmp_path / "shop",
        {"compose.yaml": compose, **{f"{n}/Dockerfile": dockerfile for n in ("api", "web")}},
    )
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    data = report_data(session, fixes=True)
    report = render_markdown(data)

    with_fixes = [item for item, found in data.fixes.items() if found.fixes]
    assert len(with_fixes) >= 8
    assert comment_length(render_markdown(data, limit=10**9)) > MAX_COMMENT_CHARS
    assert comment_length(report) <= MAX_COMMENT_CHARS
    assert report.count("<details><summary>Proposed fix: ") == len(with_fixes)
    assert "diffs of the proposed fixes" not in report and "diff is left out" not in report
    assert len(diffs_of(report)) >= len(with_fixes)


def test_an_items_fixes_to_one_file_are_one_diff_that_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "two", {"compose.yaml": TWO_SERVICES})
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    block = item_block(render(session, "markdown", fixes=True), "runtime.no-new-privileges")
    (diff,) = diffs_of(block)
    (root / "fix.patch").write_text(diff, encoding="utf-8")
    applied = subprocess.run(
        ["patch", "-p1", "-i", "fix.patch"], cwd=root, capture_output=True, text=True, timeout=60
    )
    patched = (root / "compose.yaml").read_text()
    (root / "compose.yaml").write_text(TWO_SERVICES)
    main(["fix", str(root), "--item", "runtime.no-new-privileges", "--apply"])
    capsys.readouterr()

    assert "(2 targets)" in block and diff.count("+      - no-new-privileges:true\n") == 2
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert patched == (root / "compose.yaml").read_text()


def test_a_big_project_gets_the_fixes_that_fit_the_budget_and_a_count_of_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "two", {"compose.yaml": TWO_SERVICES})
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    # Room for one fix of this file only.
    monkeypatch.setattr(fix_section, "MAX_FIX_TEXT", len(TWO_SERVICES) + 1)

    document = json.loads(render(session, "json", fixes=True))
    item = next(i for i in document["items"] if i["id"] == "runtime.no-new-privileges")

    assert [fix["target"]["name"] for fix in item["fixes"]] == ["api"]
    assert item["fix_notes"] == [
        "1 more failing target not tried here, to keep the report quick: "
        "reviewtui fix --item runtime.no-new-privileges tries them"
    ]
    # A less severe item comes after the budget is spent: all its targets are counted.
    later = next(i for i in document["items"] if i["id"] == "runtime.network-segmentation")
    assert later["fixes"] == []
    assert later["fix_notes"] == [
        "2 more failing targets not tried here, to keep the report quick: "
        "reviewtui fix --item runtime.network-segmentation tries them"
    ]


def test_a_file_changed_since_the_scan_gets_no_diff_and_a_line_saying_so(
    scanned: ReviewSession,
) -> None:
    dockerfile = scanned.root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# edited after the scan\n")

    report = render(scanned, "markdown", fixes=True)
    document = json.loads(render(scanned, "json", fixes=True))
    item = next(i for i in document["items"] if i["id"] == "build.copy-not-add")

    block = item_block(report, "build.copy-not-add")
    assert "*Dockerfile changed since the scan; no fix shown (scan again)*" in block
    assert "Proposed fix" not in block
    assert item["fixes"] == []
    assert item["fix_notes"] == ["Dockerfile changed since the scan; no fix shown (scan again)"]
    # The compose file did not change: its fix is still proposed.
    assert "Proposed fix" in item_block(report, "runtime.no-new-privileges")


def test_a_saved_review_exported_proposes_nothing(scanned: ReviewSession) -> None:
    scanned.autosave = True
    scanned.set_note("build.copy-not-add", "later")
    reopened = ReviewSession.open(scanned.root)  # no scan: nothing says the files are current

    assert "Proposed fix" not in render(reopened, "markdown", fixes=True)


def test_a_signed_report_with_fixes_verifies_against_its_seal(
    scanned: ReviewSession,
) -> None:
    scanned.autosave = True
    scanned.sign_off("Ada", "ada@example.com", "security", Decision.APPROVED)
    path = write_report(scanned, "markdown", fixes=True)

    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "Proposed fix" in path.read_text()
    assert "the visible report is exactly what its seal holds" in result.stdout, result.stdout


# --- JSON -------------------------------------------------------------------------------


def test_json_lists_each_targets_fix_and_conforms(shared: ReviewSession) -> None:
    document = json.loads(render(shared, "json", fixes=True))
    items = {item["id"]: item for item in document["items"]}

    assert errors_of(document) == []
    fix = items["build.copy-not-add"]["fixes"][0]
    assert fix["target"] == {"kind": "dockerfile", "path": "Dockerfile", "name": "Dockerfile"}
    assert fix["path"] == "Dockerfile" and fix["masked"] is False
    assert fix["changes_behaviour"] is False and fix["behaviour"] == ""
    assert fix["summary"].startswith("Use COPY instead of ADD")
    assert "-ADD . /app\n+COPY . /app\n" in fix["diff"]
    privileges = items["runtime.no-new-privileges"]["fixes"]
    assert [f["target"]["name"] for f in privileges] == ["web"]
    assert privileges[0]["changes_behaviour"] is True
    assert items["build.non-root-user"]["fixes"] == []


# --- SARIF ------------------------------------------------------------------------------


def applied(text: str, changes: list[dict[str, Any]]) -> str:
    """``text`` with SARIF replacements of whole lines applied, last first."""
    lines = text.splitlines(keepends=True)
    for change in sorted(changes, key=lambda c: -c["deletedRegion"]["startLine"]):
        region = change["deletedRegion"]
        assert region["startColumn"] == region["endColumn"] == 1
        inserted = change.get("insertedContent", {}).get("text", "")
        lines[region["startLine"] - 1 : region["endLine"] - 1] = [inserted]
    return "".join(lines)


def test_sarif_results_carry_fixes_that_rebuild_the_fixed_file(
    scanned: ReviewSession, capsys: pytest.CaptureFixture[str]
) -> None:
    log = json.loads(render(scanned, "sarif", fixes=True))
    results = {r["ruleId"]: r for r in log["runs"][0]["results"] if "fixes" in r}
    before = (scanned.root / "compose.yaml").read_text()

    main(["fix", str(scanned.root), "--item", "runtime.no-new-privileges", "--apply"])
    capsys.readouterr()

    fix = results["runtime.no-new-privileges"]["fixes"][0]
    assert "no-new-privileges" in fix["description"]["text"]
    assert "May change behaviour: " in fix["description"]["text"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "compose.yaml", "uriBaseId": "%SRCROOT%"}
    assert applied(before, change["replacements"]) == (scanned.root / "compose.yaml").read_text()
    assert set(results) == {"build.copy-not-add", "runtime.no-new-privileges"}
    validator = jsonschema.Draft202012Validator(sarif_schema())
    assert [error.message for error in validator.iter_errors(log)] == []


def test_replacements_are_whole_lines_and_none_when_an_inserted_line_is_masked() -> None:
    assert replacements("a\nb\nc\n", "a\nB\nc\nd\n") == (
        Replacement(2, 3, "B\n"),
        Replacement(4, 4, "d\n"),
    )
    assert replacements("a\nb\n", "b\n") == (Replacement(1, 2, ""),)
    assert replacements("a\n", f"a\nTOKEN={TOKEN}\n") == ()
    assert replacements("a\nb", "a\nc") == ()  # no line end to place the last line's change


# --- secrets ----------------------------------------------------------------------------


def test_a_secret_beside_the_change_is_masked_in_every_format(tmp_path: Path) -> None:
    root = write_project(tmp_path / "secret", {"Dockerfile": SECRET_DOCKERFILE, "app/x.py": ""})
    session = ReviewSession.open(root, autosave=False)
    session.scan()

    outputs = {fmt: render(session, fmt, fixes=True) for fmt in ("markdown", "json", "sarif")}

    for fmt, output in outputs.items():
        assert TOKEN not in output, fmt
    block = item_block(outputs["markdown"], "build.copy-not-add")
    assert "ENV GITHUB_TOKEN=****" in diffs_of(block)[0]
    assert "*Masked lines: this diff will not apply as it stands; " in block
    items = {item["id"]: item for item in json.loads(outputs["json"])["items"]}
    assert items["build.copy-not-add"]["fixes"][0]["masked"] is True
    # SARIF inserts only the unmasked COPY line, so it keeps the fix.
    results = json.loads(outputs["sarif"])["runs"][0]["results"]
    copy = next(r for r in results if r["ruleId"] == "build.copy-not-add")
    (change,) = copy["fixes"][0]["artifactChanges"][0]["replacements"]
    assert change["insertedContent"]["text"] == "COPY app /app\n"
