"""``reviewtui baseline``: today's failures become waivers, and only new failures fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reviewtui.checklists import load_catalogue
from reviewtui.cli import main
from reviewtui.model import Status, Target, TargetKind
from reviewtui.report import render
from reviewtui.report.markdown import _evidence_table
from reviewtui.review.model import Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.waivers import matches_pattern
from reviewtui.waivers.baseline import _scalar, reason_placeholder, target_pattern
from reviewtui.waivers.project_file import read_project_file
from tests.conftest import write_project

TODAY = date(2026, 12, 3)
CATALOGUE = load_catalogue()
ITEMS = frozenset(item.id for item in CATALOGUE.items)
PLACEHOLDER = "TODO: why is this accepted? (baseline of 2026-12-03)"

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    privileged: true
  db:
    image: postgres:16.3
"""

DOCKERFILE = """\
FROM python:3.12
COPY app.py /app/app.py
CMD ["python", "/app/app.py"]
"""

NEW_SERVICE = """\
  web2:
    image: nginx:1.27
    privileged: true
"""


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every in-process run judges and writes waivers on the same day."""
    monkeypatch.setattr("reviewtui.waivers.collect.today", lambda: TODAY)


@pytest.fixture(autouse=True)
def shipped_checklists(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs use the shipped checklists loaded once (the fixtures have no
    checklists of their own), which keeps each run fast; the subprocess runs load them."""
    monkeypatch.setattr(
        "reviewtui.custom.catalogue.load_project_catalogue", lambda root, extra=(): CATALOGUE
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A compose file with a privileged service and a Dockerfile that runs as root."""
    return write_project(
        tmp_path / "app",
        {"compose.yaml": COMPOSE, "Dockerfile": DOCKERFILE, "app.py": "print('hi')\n"},
    )


def baseline(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``reviewtui baseline ROOT ARGS`` in-process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(["baseline", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def scanned(root: Path) -> ReviewSession:
    session = ReviewSession.open(root, CATALOGUE, autosave=False)
    session.scan()
    return session


def failing_unwaived(session: ReviewSession) -> set[tuple[str, str]]:
    """Every (item, target) that fails and no active waiver covers."""
    return {
        (state.item.id, str(finding.target))
        for state in session.states()
        for finding in state.findings
        if finding.status is Status.FAIL and state.waiver_for(finding) is None
    }


def failing_items(session: ReviewSession) -> set[str]:
    return {state.item.id for state in session.states() if state.verdict is Verdict.FAIL}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


# --- end to end: the gate ------------------------------------------------------------------


def test_a_baseline_makes_the_gate_pass_and_a_new_privileged_service_fails_it(
    project: Path,
) -> None:
    assert "runtime.not-privileged" in failing_items(scanned(project))

    made = run_cli("baseline", ".", "--days", "30", cwd=project)

    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    expires = (date.today() + timedelta(days=30)).isoformat()
    first = made.stdout.splitlines()[0]
    assert first.startswith("Added ") and first.endswith(
        f" to .reviewtui.yaml, expiring {expires}:"
    )
    assert "  runtime.not-privileged " in made.stdout
    gate = run_cli("scan", ".", "--fail-on", "low", "--format", "json", cwd=project)
    assert gate.returncode == 0, gate.stdout[:2000]
    items = {item["id"]: item for item in json.loads(gate.stdout)["items"]}
    assert items["runtime.not-privileged"]["status"] == "accepted_risk"

    with (project / "compose.yaml").open("a", encoding="utf-8") as compose:
        compose.write(NEW_SERVICE)
    after = run_cli("scan", ".", "--fail-on", "low", "--format", "json", cwd=project)

    assert after.returncode == 1
    privileged = {item["id"]: item for item in json.loads(after.stdout)["items"]}[
        "runtime.not-privileged"
    ]
    assert privileged["status"] == "fail"
    waived_by = {f["target"]: f["waived_by"] for f in privileged["findings"]}
    assert waived_by["service web2 (compose.yaml)"] is None
    assert waived_by["service web (compose.yaml)"]["description"].endswith(
        "TODO: why is this accepted? (baseline of " + date.today().isoformat() + ")"
    )


# --- what the baseline writes --------------------------------------------------------------


def test_a_new_file_gets_a_header_and_entries_that_load_without_problems(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = failing_unwaived(scanned(project))

    code, out, err = baseline(project, capsys=capsys)

    assert (code, err) == (0, "")
    text = (project / ".reviewtui.yaml").read_text(encoding="utf-8")
    assert text.startswith("# reviewtui project file: decisions already made")
    assert "\nwaivers:\n  # Baseline of 2026-12-03: failures already there." in text
    assert (
        "  # found: privileged: true gives the container every capability and host device\n"
        "  - item: runtime.not-privileged\n"
        '    target: "service web (compose.yaml)"\n'
        f'    reason: "{PLACEHOLDER}"\n'
        "    owner: TODO\n"
        "    expires: 2027-03-03\n"
    ) in text
    waivers, problems = read_project_file(project, ITEMS, TODAY)
    assert problems == []
    assert len(waivers) == len(expected)
    assert out.splitlines()[0] == (
        f"Added {len(expected)} waivers to {project}/.reviewtui.yaml, expiring 2027-03-03:"
    )
    assert "  runtime.not-privileged        1\n" in out
    assert out.endswith(
        "Each needs an owner and a reason (marked TODO): fill them in before "
        "committing the file.\n"
    )
    session = scanned(project)
    assert failing_unwaived(session) == set()
    assert failing_items(session) == set()


def test_one_entry_per_item_and_target_each_naming_only_that_target(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline(project, capsys=capsys)
    waivers, _ = read_project_file(project, ITEMS, TODAY)
    pairs = [(w.item, w.pattern) for w in waivers]
    assert len(pairs) == len(set(pairs))

    # A later web2 in the same file and a web in another compose file are new targets.
    (project / "compose.yaml").write_text(COMPOSE + NEW_SERVICE, encoding="utf-8")
    write_project(project, {"deploy/compose.yaml": COMPOSE})
    session = scanned(project)

    new = failing_unwaived(session)
    assert ("runtime.not-privileged", "service web2 (compose.yaml)") in new
    assert ("runtime.not-privileged", "service web (deploy/compose.yaml)") in new
    assert ("runtime.not-privileged", "service web (compose.yaml)") not in new
    assert {target for _, target in new} == {
        "service web2 (compose.yaml)",
        "service web (deploy/compose.yaml)",
        "service db (deploy/compose.yaml)",
    }


def test_running_twice_adds_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline(project, capsys=capsys)
    written = (project / ".reviewtui.yaml").read_bytes()

    code, out, _ = baseline(project, capsys=capsys)

    assert code == 0
    assert out == (
        f"Nothing to add: every failing target is already waived ({project}/.reviewtui.yaml).\n"
    )
    assert (project / ".reviewtui.yaml").read_bytes() == written


def test_nothing_failing_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "empty", {"README.md": "nothing here\n"})

    code, out, err = baseline(root, capsys=capsys)

    assert code == 0 and out.startswith("Nothing to add")
    assert "no Dockerfile, compose file" in err
    assert not (root / ".reviewtui.yaml").exists()


EXISTING = """\
# Decisions of the platform team. Keep this file sorted by item.

waivers:
  # The VPN needs raw sockets.
  - item: runtime.not-privileged   # the only privileged service
    target: web
    reason: needs NET_ADMIN for the tunnel
    owner: platform-team
    expires: 2020-01-31            # long expired

    # indented comment that belongs to the entry above
  - item: build.healthcheck
    target: Dockerfile
    reason: the cluster's probes check it

# - item: runtime.cpu-limit        (commented out: decided against)
#   reason: none
"""


def test_an_existing_file_keeps_every_byte_and_gets_the_entries_after_its_last(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".reviewtui.yaml").write_text(EXISTING, encoding="utf-8")
    os.chmod(project / ".reviewtui.yaml", 0o640)

    code, _, err = baseline(project, capsys=capsys)

    assert (code, err) == (0, "")
    text = (project / ".reviewtui.yaml").read_text(encoding="utf-8")
    # The new entries go after the last line of the last entry, before the blank line
    # and the column-one comments that follow the list.
    last = EXISTING.index("the cluster's probes check it\n") + len(
        "the cluster's probes check it\n"
    )
    assert text.startswith(EXISTING[:last])
    assert text.endswith(EXISTING[last:])
    added = text[last : len(text) - len(EXISTING) + last]
    assert added.startswith("  # Baseline of 2026-12-03: failures already there.")
    assert all(line.startswith("  ") for line in added.splitlines())
    assert (project / ".reviewtui.yaml").stat().st_mode & 0o777 == 0o640

    waivers, problems = read_project_file(project, ITEMS, TODAY)
    assert problems == []
    assert [(w.item, w.pattern, w.expired) for w in waivers[:2]] == [
        ("runtime.not-privileged", "web", True),
        ("build.healthcheck", "Dockerfile", False),
    ]
    added_pairs = {(w.item, w.pattern) for w in waivers[2:]}
    # The expired waiver's target gets an entry of its own; the active one's does not.
    assert ("runtime.not-privileged", "service web (compose.yaml)") in added_pairs
    assert not any(item == "build.healthcheck" for item, _ in added_pairs)
    assert failing_items(scanned(project)) == set()


def privileged_entry(dash: str, keys: str) -> str:
    """The entry for the privileged web service, its dash and keys indented so."""
    return (
        f"{dash}-".ljust(len(keys))
        + "item: runtime.not-privileged\n"
        + f'{keys}target: "service web (compose.yaml)"\n'
        + f'{keys}reason: "{PLACEHOLDER}"\n{keys}owner: TODO\n{keys}expires: 2027-03-03\n'
    )


STANDARD = privileged_entry("  ", "    ")


@pytest.mark.parametrize(
    ("existing", "kept_before", "kept_after", "entry"),
    [
        ("waivers: []   # none yet\n", "waivers:  # none yet\n  # Baseline of ", "", STANDARD),
        ("waivers:\n", "waivers:\n  # Baseline of ", "", STANDARD),
        ("# only a comment\n", "# only a comment\nwaivers:\n  # Baseline", "", STANDARD),
        ("", "waivers:\n  # Baseline of ", "", STANDARD),
        (
            "waivers:\n- item: build.healthcheck\n  reason: probes\nwaiver: []\n",
            "waivers:\n- item: build.healthcheck\n  reason: probes\n# Baseline of ",
            "  expires: 2027-03-03\nwaiver: []\n",
            privileged_entry("", "  "),
        ),
        (
            "waivers:\n    -   item: build.healthcheck\n        reason: probes",
            "waivers:\n    -   item: build.healthcheck\n        reason: probes\n    # Baseline",
            "",
            privileged_entry("    ", "        "),
        ),
    ],
    ids=["empty-flow", "empty-key", "comment-only", "empty", "key-after", "deep-no-final-newline"],
)
def test_every_usable_layout_takes_the_entries(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    existing: str,
    kept_before: str,
    kept_after: str,
    entry: str,
) -> None:
    (project / ".reviewtui.yaml").write_text(existing, encoding="utf-8")
    _, before_problems = read_project_file(project, ITEMS, TODAY)

    code, _, err = baseline(project, capsys=capsys)

    assert code == 0, err
    text = (project / ".reviewtui.yaml").read_text(encoding="utf-8")
    assert text.startswith(kept_before) and text.endswith(kept_after)
    # The new entries line up with the list's own: its dashes, and its keys.
    assert entry in text, text
    _, problems = read_project_file(project, ITEMS, TODAY)
    assert [p.reason for p in problems] == [p.reason for p in before_problems]
    assert failing_unwaived(scanned(project)) == set()


def test_crlf_line_ends_and_a_byte_order_mark_are_kept(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = b"\xef\xbb\xbf# ours\r\nwaivers:\r\n  - item: build.healthcheck\r\n    reason: x\r\n"
    (project / ".reviewtui.yaml").write_bytes(old)

    assert baseline(project, capsys=capsys)[0] == 0

    data = (project / ".reviewtui.yaml").read_bytes()
    assert data.startswith(old)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert read_project_file(project, ITEMS, TODAY)[1] == []


def test_a_target_with_glob_characters_is_matched_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "globs", {"svc[1]/Dockerfile": DOCKERFILE})

    baseline(root, capsys=capsys)
    text = (root / ".reviewtui.yaml").read_text(encoding="utf-8")
    assert '    target: "svc[[]1]/Dockerfile"\n' in text
    # "svc[1]/Dockerfile" as a glob would match svc1/Dockerfile, added later.
    write_project(root, {"svc1/Dockerfile": DOCKERFILE})
    new = failing_unwaived(scanned(root))

    assert new and {target for _, target in new} == {"svc1/Dockerfile"}


def dockerfile(path: str) -> Target:
    return Target(TargetKind.DOCKERFILE, path, path)


def service(path: str, name: str) -> Target:
    return Target(TargetKind.SERVICE, path, name)


@pytest.mark.parametrize(
    ("target", "neighbours"),
    [
        (
            service("compose.yaml", "web [profile debug]"),
            [
                service("compose.yaml", "web p"),
                service("compose.yaml", "web"),
                service("deploy/compose.yaml", "web [profile debug]"),
            ],
        ),
        (dockerfile("a*b?/Dockerfile"), [dockerfile("axxbz/Dockerfile"), dockerfile("ab?/x")]),
        (dockerfile(" lead/Dockerfile\t"), [dockerfile("lead/Dockerfile")]),
        (
            Target(TargetKind.CONTAINER, "unix:///run/docker.sock", "web-1"),
            [
                Target(TargetKind.CONTAINER, "unix:///run/docker.sock", "web-12"),
                Target(TargetKind.CONTAINER, "ssh://ops@build1", "web-1"),
            ],
        ),
    ],
    ids=["profile", "glob-path", "spaces", "container"],
)
def test_a_pattern_matches_its_target_and_not_its_neighbours(
    target: Target, neighbours: list[Target]
) -> None:
    pattern = target_pattern(target)

    assert matches_pattern(pattern, target)
    assert [n for n in neighbours if matches_pattern(pattern, n)] == []
    # The project file strips the pattern it reads: escaped spaces at the ends survive.
    assert pattern == pattern.strip()


@pytest.mark.parametrize(
    "value",
    ['say "hi" \\ now', "a: b # c", "null", "123", "\x1b[31mred", "bidi\u202eevil", " x ", ""],
)
def test_scalars_read_back_as_written_and_show_no_invisible_text(value: str) -> None:
    written = _scalar(value)

    assert YAML(typ="rt").load(f"key: {written}\n")["key"] == value
    assert "\x1b" not in written and "\u202e" not in written


# --- what the baseline refuses -------------------------------------------------------------

NOTHING_AFTER = (
    ".reviewtui.yaml:1: cannot add the baseline: write 'waivers:' with nothing after it"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("waivers:\n  - item: [unclosed\n", ".reviewtui.yaml:3: invalid YAML"),
        ("- item: x\n", ".reviewtui.yaml:1: expected a mapping with a 'waivers' list"),
        ("waivers: {item: x}\n", ".reviewtui.yaml:1: 'waivers' must be a list"),
        (
            "waivers: [{item: build.healthcheck, reason: x}]\n",
            ".reviewtui.yaml:1: cannot add the baseline: the waivers list is written in flow",
        ),
        ("waivers: ~\n", NOTHING_AFTER),
        (
            "waivers:\n  - item: build.healthcheck\n    reason: x\n...\n# the end\n",
            ".reviewtui.yaml: cannot add the baseline without changing what the file says",
        ),
        ("waivers: &all\n  - item: build.healthcheck\n    reason: x\n", NOTHING_AFTER),
    ],
    ids=["yaml", "not-a-mapping", "not-a-list", "flow-list", "null", "document-end", "anchor"],
)
def test_a_project_file_it_cannot_add_to_is_named_and_left_alone(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    (project / ".reviewtui.yaml").write_text(text, encoding="utf-8")

    code, out, err = baseline(project, capsys=capsys)

    assert code == 2 and out == ""
    assert err.startswith(f"reviewtui: error: {project}/{message}"), err
    assert err.endswith("; nothing written\n") and err.count("\n") == 1
    assert (project / ".reviewtui.yaml").read_text(encoding="utf-8") == text


def test_a_symbolic_link_is_not_replaced(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shared.yaml").write_text("waivers:\n", encoding="utf-8")
    (project / ".reviewtui.yaml").symlink_to(tmp_path / "shared.yaml")

    code, _, err = baseline(project, capsys=capsys)

    assert code == 2 and "is a symbolic link" in err
    assert (project / ".reviewtui.yaml").is_symlink()
    assert (tmp_path / "shared.yaml").read_text(encoding="utf-8") == "waivers:\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires", "2026-12-02"], "--expires 2026-12-02 is in the past"),
        (["--expires", "soon"], "--expires soon: give a date as YYYY-MM-DD"),
        (["--days", "0"], "--days must be at least 1"),
        (["--owner", "  "], "--owner must not be empty"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = baseline(project, *args, capsys=capsys)

    assert code == 2 and err.startswith(f"reviewtui: error: {message}")
    assert err.count("\n") == 1
    assert not (project / ".reviewtui.yaml").exists()


def test_expiry_owner_and_dry_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = baseline(
        project, "--expires", "2027-01-31", "--owner", "platform team", "--dry-run", capsys=capsys
    )

    assert code == 0
    assert not (project / ".reviewtui.yaml").exists()
    assert out.splitlines()[0].startswith("Would add ")
    assert out.splitlines()[0].endswith(
        " to " + f"{project}/.reviewtui.yaml, expiring 2027-01-31:"
    )
    assert '    owner: "platform team"\n    expires: 2027-01-31\n' in out

    code, out, _ = baseline(project, "--days", "7", "--owner", "ops", capsys=capsys)
    assert code == 0 and out.endswith(
        "Each needs a reason (marked TODO): fill them in before committing the file.\n"
    )
    waivers, _ = read_project_file(project, ITEMS, TODAY)
    assert {(w.owner, w.expires) for w in waivers} == {("ops", "2026-12-10")}


def test_a_reviewers_fail_answer_is_named_as_beyond_any_waiver(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(project, CATALOGUE)
    session.scan()
    session.set_verdict("build.non-root-user", Verdict.FAIL)

    code, _, err = baseline(project, capsys=capsys)

    assert code == 0
    assert err == (
        "reviewtui: the saved review answers fail for 1 item(s); a reviewer's answer wins "
        "over any waiver, so 'reviewtui scan' fails on them until the answer changes:\n"
        "  build.non-root-user (high)\n"
    )
    assert failing_items(scanned(project)) == {"build.non-root-user"}


# --- the report ----------------------------------------------------------------------------


def test_baseline_waivers_show_in_the_reports_as_accepted_risks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline(project, capsys=capsys)
    session = scanned(project)

    report = json.loads(render(session, "json"))
    markdown = render(session, "markdown")

    privileged = next(i for i in report["items"] if i["id"] == "runtime.not-privileged")
    assert privileged["status"] == "accepted_risk" and privileged["waived"] is True
    assert [w["reason"] for w in privileged["waivers"]] == [PLACEHOLDER]
    assert [w["owner"] for w in privileged["waivers"]] == ["TODO"]
    assert "waived in the project file (owner TODO, .reviewtui.yaml:" in markdown
    assert f", until 2027-03-03): {PLACEHOLDER}" in markdown
    assert reason_placeholder(TODAY) == PLACEHOLDER


def test_a_cut_evidence_table_still_shows_the_new_unwaived_failure(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the report must cut evidence rows, the target no waiver covers is the one
    shown: it is what makes the gate fail."""
    baseline(project, capsys=capsys)
    with (project / "compose.yaml").open("a", encoding="utf-8") as compose:
        compose.write(NEW_SERVICE)
    state = scanned(project).state("runtime.cap-drop-all")
    assert [f.target.name for f in state.findings] == ["web", "db", "web2"]

    table = _evidence_table(state, "", rows=1)

    assert table[2].startswith("| service web2 (compose.yaml) | fail | ")
    assert table[3] == "| … | | | 2 more targets (2 waived) |"


def test_an_engine_that_cannot_be_read_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = baseline(
        project, "--docker-host", "tcp://127.0.0.1:1", "--engine-timeout", "2", capsys=capsys
    )

    assert code == 2
    assert err.splitlines()[-1] == (
        "reviewtui: error: engine tcp://127.0.0.1:1 could not be read, so its failures "
        "cannot be baselined; nothing written"
    )
    assert not (project / ".reviewtui.yaml").exists()


def test_secret_values_stay_out_of_the_project_file(
    weak_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert baseline(weak_project, capsys=capsys)[0] == 0

    text = (weak_project / ".reviewtui.yaml").read_text(encoding="utf-8")
    assert "# found: secrets in plain text: POSTGRES_PASSWORD is written" in text
    assert "hunter2" not in text and "supersecretvalue123" not in text
    assert sorted(p.name for p in weak_project.iterdir() if p.name.startswith(".")) == [
        ".reviewtui.yaml"
    ]
