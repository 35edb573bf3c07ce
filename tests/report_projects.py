"""Projects and reviews the report tests share: each builder writes a real project,
scans it and gives the reviewer's part, so every format is checked on the same reviews."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.review.model import Decision, InspectedEngine, Verdict
from reviewtui.review.session import ReviewSession
from tests.conftest import WEAK_COMPOSE, WEAK_DOCKERFILE, write_project

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"

WAIVED_DOCKERFILE = """\
# reviewtui: ignore-file=build.healthcheck the cluster's probes check it
FROM python:latest
# reviewtui: ignore=build.non-root-user binds port 80 until the proxy lands
USER root
CMD ["python", "-m", "app"]
"""

WAIVED_COMPOSE = """\
services:
  # reviewtui: ignore=runtime.not-privileged needs raw sockets for the VPN
  vpn:
    image: vpn:1.4
    privileged: true
  web:
    image: web:2.0
    privileged: true
"""

PROJECT_FILE = """\
waivers:
  - item: runtime.no-docker-socket
    target: web
    reason: watchtower updates the images
    owner: platform-team
    expires: 2999-12-31
  - item: runtime.cap-drop-all
    reason: expired long ago
    expires: 2000-01-01
"""

HOSTILE_DOCKERFILE = """\
FROM evil:latest | x `y` <script>alert(1)</script> [a](http://x) ![i](http://img)
ENV PASSWORD=hunter2hunter2 NOTE="a | b ``c`` <b>bold</b> a\\|b \\\\| &amp; &#x3C;i&#x3E;"
USER root
CMD ["sh", "-c", "echo '| --- |' && echo '[x](javascript:alert(1))'"]
"""

HOSTILE_COMPOSE = """\
services:
  web:
    image: "evil:latest|<img src=x onerror=alert(1)>"
    privileged: true
    environment:
      API_TOKEN: "supersecretvalue123"
    labels:
      note: "[click](http://evil) `tick` | pipe"
"""

Builder = Callable[[Path], ReviewSession]


def scanned(root: Path) -> ReviewSession:
    """The project's review, scanned, saved as it changes (so it has a review file)."""
    session = ReviewSession.open(root)
    session.scan()
    return session


def empty_project(tmp_path: Path) -> ReviewSession:
    """No Docker file at all: every item needs a person."""
    return scanned(write_project(tmp_path / "empty", {"README.md": "nothing here\n"}))


def weak_project(tmp_path: Path) -> ReviewSession:
    """The weak project of conftest, scanned, nobody answered yet."""
    return scanned(write_weak(tmp_path / "weak"))


def demo_project(tmp_path: Path) -> ReviewSession:
    """A copy of the app's demo project."""
    return scanned(Path(shutil.copytree(DEMO, tmp_path / "demo")))


def waived_project(tmp_path: Path) -> ReviewSession:
    """Inline waivers in the Dockerfile and compose file, and the project file's."""
    files = {
        "Dockerfile": WAIVED_DOCKERFILE,
        "compose.yaml": WAIVED_COMPOSE
        + "    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
        ".reviewtui.yaml": PROJECT_FILE,
    }
    return scanned(write_project(tmp_path / "waived", files))


def answered_project(tmp_path: Path) -> ReviewSession:
    """The weak project with answers of every kind, a note and action items."""
    session = weak_project(tmp_path)
    answer(session)
    return session


def signed_project(tmp_path: Path) -> ReviewSession:
    """Answered and signed off twice: once before the last change, once after."""
    session = answered_project(tmp_path)
    session.sign_off("Ada", "ada@example.com", "security lead", Decision.CHANGES_REQUIRED)
    session.set_note("build.healthcheck", "a probe is on its way")
    session.sign_off("Grace", "", "", Decision.APPROVED_WITH_CONDITIONS)
    return session


def live_project(tmp_path: Path) -> ReviewSession:
    """The weak project with what two engines said: one read, one unreachable."""
    session = weak_project(tmp_path)
    record_live(session)
    return session


def hostile_project(tmp_path: Path) -> ReviewSession:
    """Files full of Markdown and HTML that must stay inert in every report."""
    files = {"Dockerfile": HOSTILE_DOCKERFILE, "compose.yaml": HOSTILE_COMPOSE}
    return scanned(write_project(tmp_path / "hostile", files))


BUILDERS: dict[str, Builder] = {
    "empty": empty_project,
    "weak": weak_project,
    "demo": demo_project,
    "waivers": waived_project,
    "answers": answered_project,
    "signoffs": signed_project,
    "live": live_project,
    "hostile": hostile_project,
}
"""Every review the report tests check, by name."""


def write_weak(root: Path) -> Path:
    """The weak project's files under ``root``."""
    files = {"Dockerfile": WEAK_DOCKERFILE, "compose.yaml": WEAK_COMPOSE, "main.py": "pass\n"}
    return write_project(root, files)


def answer(session: ReviewSession) -> None:
    """Answers of every kind on the weak project: accepted risk, overrides, a manual
    fail, a note and two action items."""
    session.set_verdict("runtime.not-privileged", Verdict.ACCEPTED_RISK, "legacy driver")
    session.set_verdict("build.copy-not-add", Verdict.PASS)
    session.set_verdict("operations.incident-response", Verdict.FAIL)
    session.set_note("operations.incident-response", "Nobody owns the runbook.")
    session.set_verdict("image.base-tag-pinned", Verdict.FAIL)
    session.set_action("image.base-tag-pinned", "@octocat", "2027-01-31")
    session.set_action("runtime.no-docker-socket", "platform-team", "2000-01-01")


LIVE_CONTAINER = Target(TargetKind.CONTAINER, "prod", "web-1")
LIVE_IMAGE = Target(TargetKind.IMAGE, "engine prod", "web:2.0")


def record_live(session: ReviewSession) -> None:
    """Findings from engine objects, and the engines themselves, as a live scan keeps
    them; no engine is needed to test how reports show them."""
    privileged = Finding(
        LIVE_CONTAINER,
        Status.FAIL,
        "runs privileged",
        (Evidence("prod: container web-1", None, "true", "HostConfig.Privileged"),),
    )
    session.review.findings.setdefault("runtime.not-privileged", []).append(privileged)
    user = Finding(
        LIVE_IMAGE,
        Status.FAIL,
        "the image runs as root",
        (Evidence("prod: image web:2.0", None, '""', "Config.User"),),
    )
    session.review.findings.setdefault("build.non-root-user", []).append(user)
    session.review.engines = [
        InspectedEngine(
            "prod", "tcp://10.0.0.5:2376", "2026-12-03T10:00:00Z", "27.1.1", "1.46", 3, 2, 0
        ),
        InspectedEngine(
            "edge", "ssh://ops@edge", "2026-12-03T10:00:01Z", error="connection refused"
        ),
    ]
