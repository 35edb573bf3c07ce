"""Waivers end to end: the ``scan`` gate and reports as a user runs them, and the item screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from reviewtui.review.model import Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.item import ItemScreen
from tests.conftest import write_project

DOCKERFILE = """\
FROM python:3.12.4-slim@sha256:{digest}
COPY main.py /app/main.py
# hadolint ignore=DL3002 # binds port 80 until the proxy lands
USER root
CMD ["python", "/app/main.py"]
""".format(digest="a" * 64)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args], capture_output=True, text=True, timeout=120
    )


def project_file(failing: list[str], expires: str) -> str:
    entries = "".join(
        f"  - item: {item}\n    reason: decided in the design review\n"
        f"    owner: platform\n    expires: {expires}\n"
        for item in failing
    )
    return "waivers:\n" + entries


def test_scan_gate_passes_when_every_failure_is_waived_and_fails_when_one_expires(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path / "app", {"Dockerfile": DOCKERFILE, "main.py": "print(1)\n"})
    first = json.loads(run("scan", str(root), "--format", "json", "--fail-on", "none").stdout)
    failing = [
        item["id"]
        for item in first["items"]
        if item["status"] == "fail" and item["id"] != "build.non-root-user"
    ]
    assert failing, "the project should fail some items besides the waived one"

    (root / ".reviewtui.yaml").write_text(project_file(failing, "2999-12-31"))
    waived = run("scan", str(root), "--fail-on", "low", "--format", "json")
    (root / ".reviewtui.yaml").write_text(project_file(failing, "2000-01-01"))
    expired = run("scan", str(root), "--fail-on", "low")

    assert waived.returncode == 0, waived.stdout
    items = {item["id"]: item for item in json.loads(waived.stdout)["items"]}
    user = items["build.non-root-user"]
    assert (user["status"], user["auto_status"], user["waived"]) == ("accepted_risk", "fail", True)
    waiver = user["findings"][0]["waived_by"]
    assert waiver["location"] == "Dockerfile:3"
    assert waiver["reason"] == "binds port 80 until the proxy lands"
    assert waiver["description"] == (
        "waived in source (Dockerfile:3, hadolint DL3002): binds port 80 until the proxy lands"
    )
    assert all(items[item_id]["status"] == "accepted_risk" for item_id in failing)

    assert expired.returncode == 1
    assert "waiver expired on 2000-01-01 (owner platform, .reviewtui.yaml:" in expired.stdout
    assert "**Waivers:**" in expired.stdout
    assert "fail (waived)" in expired.stdout  # the inline waiver still holds


def test_a_reviewer_answer_overrides_a_waiver(tmp_path: Path) -> None:
    root = write_project(tmp_path / "app", {"Dockerfile": DOCKERFILE, "main.py": "print(1)\n"})
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    assert session.state("build.non-root-user").verdict is Verdict.ACCEPTED_RISK

    session.set_verdict("build.non-root-user", Verdict.FAIL)

    assert session.state("build.non-root-user").verdict is Verdict.FAIL


async def test_item_screen_shows_waived_in_source_with_the_reason(tmp_path: Path) -> None:
    root = write_project(tmp_path / "app", {"Dockerfile": DOCKERFILE, "main.py": "print(1)\n"})
    app = ReviewApp(root, ReviewSession.open(root))

    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.open_item("build.non-root-user")
        await pilot.pause()

        assert isinstance(app.screen, ItemScreen)
        detected = str(app.screen.query_one("#item-detected", Static).content)
        answer = str(app.screen.query_one("#item-answer", Static).content)
        bar = str(app.screen.query_one("#walk-verdict", Static).content)

    assert "1 of 1 targets fail, 1 waived" in detected
    assert (
        "waived in source (Dockerfile:3, hadolint DL3002): binds port 80 until the proxy lands"
        in detected
    )
    assert "every failing target is waived, so it counts as ! accepted risk" in answer
    assert "! accepted risk (waived)" in bar
