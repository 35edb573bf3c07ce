"""A live review end to end: the CLI, the review file, the reports and the app, on the
rig's real engine, and what a dead engine leaves of the review."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import engine_rig

from reviewtui.live import LiveSettings
from reviewtui.model import Status, TargetKind
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.widgets.item_view import who_answers
from tests.conftest import write_project


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args], capture_output=True, text=True, timeout=180
    )


def _findings(report: dict[str, Any], item_id: str) -> dict[str, dict[str, Any]]:
    item = next(i for i in report["items"] if i["id"] == item_id)
    return {f["target"]: f for f in item["findings"]}


def test_scan_live_json_answers_containers_and_records_the_engine(
    live_rig: engine_rig.Rig,
) -> None:
    result = run("scan", str(live_rig.project_dir), "--live", "--all", "--format", "json")

    assert result.returncode == 1, result.stderr  # the weak containers fail high items
    report = json.loads(result.stdout)
    (engine,) = report["engines"]
    assert engine["host"] == "default" and engine["error"] == ""
    assert engine["server_version"] and engine["inspected_at"].endswith("Z")

    privileged = _findings(report, "runtime.not-privileged")
    name = live_rig.container("privileged")
    finding = privileged[f"container {name} on default"]
    assert finding["status"] == "fail"
    assert finding["host"] == "default"
    assert finding["evidence"][0]["field"] == "HostConfig.Privileged"
    assert finding["evidence"][0]["snippet"] == "true"
    assert privileged["service web (compose.yaml)"]["status"] == "pass"


def test_compose_container_differs_from_its_service(live_rig: engine_rig.Rig) -> None:
    session = ReviewSession.open(
        live_rig.project_dir, autosave=False, live=LiveSettings(all_containers=True)
    )
    session.scan()

    drift = session.review.findings["runtime.live-matches-compose"]
    (joined,) = [f for f in drift if f.target.name == live_rig.container("compose-web")]
    assert joined.status is Status.FAIL
    assert joined.reason == (
        "differs from compose service web (compose.yaml) on 3 settings: "
        "read_only, cap_drop and no-new-privileges"
    )
    assert {e.path for e in joined.evidence} == {
        f"default: container {joined.target.name}",
        "compose.yaml",
    }
    # Each difference cites the compose line and the inspect field with its value.
    cited = [(e.line, e.snippet) if e.in_file else (e.field, e.snippet) for e in joined.evidence]
    for pair in [
        (6, "read_only: true"),
        ("HostConfig.ReadonlyRootfs", "false"),
        (7, "cap_drop: [ALL]"),
        ("HostConfig.CapDrop", "null"),
        (8, "security_opt: [no-new-privileges:true]"),
        ("HostConfig.SecurityOpt", "null"),
    ]:
        assert pair in cited

    # Side by side in the item itself: the service passes, the container says what the
    # service declares.
    read_only = {f.target: f for f in session.review.findings["runtime.read-only-rootfs"]}
    service = next(f for t, f in read_only.items() if t.kind is TargetKind.SERVICE)
    container = read_only[joined.target]
    assert service.status is Status.PASS and container.status is Status.FAIL
    assert container.reason.endswith("(compose service web declares read_only: true)")
    # The user is the same on both sides, so its finding carries no note.
    users = {f.target: f for f in session.review.findings["runtime.non-root-user"]}
    assert "compose service web declares" not in users[joined.target].reason


def test_live_markdown_names_the_engine_and_the_time(live_rig: engine_rig.Rig) -> None:
    result = run("scan", str(live_rig.project_dir), "--live", "--fail-on", "none")

    assert result.returncode == 0, result.stderr
    assert "## Live engines" in result.stdout
    assert "| default | `unix:///var/run/docker.sock` |" in result.stdout
    assert "*Answered live from* default (inspected 20" in result.stdout
    # Other runs may share the engine and the report keeps 20 targets per item, so any
    # rig container's evidence will do to show the form.
    assert re.search(
        r"`default: container reviewtui-test-r\d+-[a-z-]+ HostConfig\.ReadonlyRootfs = "
        r"(true|false)`",
        result.stdout,
    )
    for secret in (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN):
        assert secret not in result.stdout


def test_dead_engine_gives_one_message_and_a_whole_file_review(
    weak_project: Path, tmp_path: Path
) -> None:
    dead = f"unix://{tmp_path}/gone.sock"
    result = run("scan", str(weak_project), "--docker-host", dead, "--format", "json")

    assert result.returncode == 1
    assert f"  engine {dead}: no engine is listening there (is dockerd running?)" in (
        result.stderr.splitlines()
    )
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["engines"][0]["error"].endswith("(is dockerd running?)")

    # The files are reviewed as without --live ...
    privileged = _findings(report, "runtime.not-privileged")
    assert privileged["service web (compose.yaml)"]["status"] == "fail"
    # ... and each item the engine would answer says why it is not answered.
    unknown = privileged[f"engine {dead}"]
    assert unknown["status"] == "unknown"
    assert (
        unknown["reason"]
        == "engine not reachable: no engine is listening there (is dockerd running?)"
    )


def test_engine_names_that_cannot_work_are_usage_errors(tmp_path: Path) -> None:
    for args, message in (
        (["--docker-host", "foo"], "--docker-host foo: give a URL such as unix://"),
        (["--context", "nosuch"], "--context nosuch: no such docker context"),
        (["--live", "--engine-timeout", "nan"], "--engine-timeout must be between 0 and"),
    ):
        result = run("scan", str(tmp_path), *args)
        assert result.returncode == 2, args
        assert result.stderr.startswith(f"reviewtui: error: {message}"), result.stderr


def test_an_engine_that_cannot_be_read_fails_the_gate(tmp_path: Path) -> None:
    dead = f"unix://{tmp_path}/gone.sock"
    result = run("scan", str(tmp_path), "--docker-host", dead, "--fail-on", "none")

    assert result.returncode == 1
    named = [line for line in result.stderr.splitlines() if dead in line]
    assert named == [f"  engine {dead}: no engine is listening there (is dockerd running?)"]


def test_live_options_need_live(tmp_path: Path) -> None:
    result = run("scan", str(tmp_path), "--all")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "reviewtui: error: --all chooses what --live inspects; add --live"
    )


def test_review_file_keeps_the_engines(live_rig: engine_rig.Rig, tmp_path: Path) -> None:
    project = Path(shutil.copytree(live_rig.project_dir, tmp_path / "copy"))
    session = ReviewSession.open(project, live=LiveSettings())
    session.scan()
    session.set_note("runtime.not-privileged", "checked on the host too")

    saved = json.loads((project / ".reviewtui" / "review.json").read_text())
    assert [e["host"] for e in saved["engines"]] == ["default"]
    reopened = ReviewSession.open(project)
    assert reopened.review.engines == session.review.engines


async def test_the_app_shows_live_findings(live_rig: engine_rig.Rig, tmp_path: Path) -> None:
    project = write_project(tmp_path / "empty", {"README.md": "nothing to see\n"})
    session = ReviewSession.open(project, live=LiveSettings(all_containers=True))
    app = ReviewApp(project, session)

    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = session.state("runtime.not-privileged")
        assert state.detected is Status.FAIL
        ours = [f for f in state.findings if f.target.name == live_rig.container("privileged")]
        assert [f.status for f in ours] == [Status.FAIL]
        app.open_item("runtime.not-privileged")
        await pilot.pause()
        # Other runs may share the engine, so the screen is read for what every failing
        # privileged container shows, wherever the columns wrap it.
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert who_answers(state) == "detected live from engine default"
        assert "✗ fail  container reviewtui-test-" in text
        assert "HostConfig.Privileged is true" in text
        assert "HostConfig.Privileged  true" in text
