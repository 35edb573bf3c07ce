"""``reviewtui diff`` and the re-review reports, run as a user runs them: subprocesses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.review.session import ReviewSession
from tests.test_changes import REWORKED_COMPOSE, SIGNED_ON, on_day, rework, signed_project


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def reworked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project signed off, then fixed in one place and broken in another, rescanned."""
    root = signed_project(tmp_path / "app", monkeypatch)
    rework(root, monkeypatch)
    return root


def test_diff_text_names_the_sign_off_the_new_failures_and_the_fixes(reworked: Path) -> None:
    result = run("diff", ".reviewtui/baseline.json", ".", cwd=reworked)

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Changes since the sign-off of 2")
    assert lines[0].endswith(" by Ada (security, approved with conditions), Bob (approved)")
    assert lines[1].startswith("  old: .reviewtui/baseline.json (scanned ")
    assert lines[2].startswith("  new: .reviewtui/review.json (scanned ")
    out = result.stdout
    assert "New failures (2)\n  runtime.no-docker-socket  [critical]  " in out
    assert "      service web (compose.yaml): pass → fail\n" in out
    assert "        + compose.yaml:7  - /var/run/docker.sock:/var/run/docker.sock\n" in out
    assert "Fixed (3)\n  runtime.not-privileged  [critical]  Not privileged  fail → pass\n" in out
    assert "Waivers expired (1)\n  runtime.read-only-rootfs  [medium]" in out
    assert "      waiver expired on 2025-06-30 (owner platform, .reviewtui.yaml:2)" in out
    assert lines[-1].startswith("2 new failures, 3 fixed, ")
    assert lines[-1].endswith(", 1 waiver expired: worse than before.")
    assert result.stderr == ""


def test_diff_json_and_markdown(reworked: Path) -> None:
    baseline = str(reworked / ".reviewtui" / "baseline.json")

    as_json = run("diff", baseline, str(reworked), "--format", "json")
    markdown = run(
        "diff", baseline, str(reworked / ".reviewtui" / "review.json"), "--format", "markdown"
    )

    assert as_json.returncode == 1 and markdown.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["old"] == baseline
    assert document["new"] == str(reworked / ".reviewtui" / "review.json")
    assert document["worse"] is True
    assert document["counts"]["new_failures"] == 2
    assert document["counts"]["fixed"] == 3
    assert document["since"]["signers"] == [
        "Ada (security, approved with conditions)",
        "Bob (approved)",
    ]
    kinds = {(c["kind"], c["id"]) for c in document["changes"]}
    assert ("new_failure", "runtime.no-docker-socket") in kinds
    assert ("waiver_expired", "runtime.read-only-rootfs") in kinds
    assert markdown.stdout.startswith("# Changes from ")
    assert "\n## New failures (2)\n" in markdown.stdout
    assert "- **Docker socket not mounted** (`runtime.no-docker-socket`, critical)" in (
        markdown.stdout
    )


def test_diff_exits_0_when_nothing_got_worse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    same = run("diff", str(root / ".reviewtui" / "baseline.json"), str(root))
    # Only a fix: vpn is no longer privileged, nothing new is mounted.
    (root / "compose.yaml").write_text(REWORKED_COMPOSE.split("    volumes:")[0])
    on_day(monkeypatch, SIGNED_ON)
    ReviewSession.open(root).scan()
    fixed = run("diff", str(root / ".reviewtui" / "baseline.json"), str(root))

    assert same.returncode == 0, same.stdout
    assert "Nothing changed." in same.stdout
    assert same.stdout.splitlines()[-1].endswith(": nothing got worse.")
    assert fixed.returncode == 0, fixed.stdout
    assert "Fixed (3)" in fixed.stdout
    assert "New failures" not in fixed.stdout


def test_diff_of_two_projects_compares_their_review_files(reworked: Path, tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    (earlier / ".reviewtui").mkdir(parents=True)
    shutil.copy(reworked / ".reviewtui" / "baseline.json", earlier / ".reviewtui" / "review.json")

    result = run("diff", str(earlier), str(reworked))

    assert result.returncode == 1
    assert "New failures (2)" in result.stdout


def test_diff_usage_errors_name_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "reviewtui-review",\n  oops}\n')
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}\n')

    missing = run("diff", str(tmp_path / "nope.json"), str(damaged))
    no_review = run("diff", str(empty), str(damaged))
    broken = run("diff", str(damaged), str(damaged))
    foreign = run("diff", str(other), str(other))
    no_args = run("diff")

    assert missing.returncode == 2
    assert (
        missing.stderr == f"reviewtui: error: {tmp_path / 'nope.json'}: no such file or folder\n"
    )
    assert no_review.returncode == 2
    assert no_review.stderr == (
        f"reviewtui: error: {empty}: no review file (.reviewtui/review.json)\n"
    )
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"reviewtui: error: {damaged}:2: damaged review file")
    assert foreign.returncode == 2
    assert foreign.stderr == f"reviewtui: error: {other}: not a reviewtui review file\n"
    assert no_args.returncode == 2
    assert "Traceback" not in missing.stderr + no_review.stderr + broken.stderr + no_args.stderr


def test_diff_is_listed_in_the_help() -> None:
    main = run("--help")
    own = run("diff", "--help")

    assert "diff (what changed between two saved reviews)" in " ".join(main.stdout.split())
    assert own.returncode == 0
    assert "usage: reviewtui diff" in own.stdout
    assert "--format {text,markdown,json}" in own.stdout


def test_scan_and_export_reports_show_the_changes_since_the_sign_off(reworked: Path) -> None:
    scanned = run("scan", str(reworked), "--format", "markdown", "--fail-on", "none")
    exported = run("export", str(reworked / ".reviewtui" / "review.json"), "--format", "json")

    assert scanned.returncode == 0, scanned.stderr
    section = scanned.stdout.split("## Changes since the last review\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "### New failures (2)" in section
    assert "`runtime.no-docker-socket`" in section and "`runtime.read-only-rootfs`" in section
    assert "### Fixed (3)" in section
    assert "### Waivers expired (1)" in section
    assert exported.returncode == 0, exported.stderr
    changes = json.loads(exported.stdout)["changes"]
    assert changes["counts"]["new_failures"] == 2
    assert changes["counts"]["waivers_expired"] == 1
