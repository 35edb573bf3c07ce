"""Hostile input: text that would style, link or rewrite the terminal, files that would
blow up, hang or lead out of the tree. Every one shows inert or becomes a bounded, clear
problem entry (file, line when known, reason), quickly.

The text part plants Rich markup, terminal escapes (CSI, OSC 8 hyperlinks, OSC 52
clipboard writes), C1 controls, bidi controls, Markdown and HTML in every file a review
reads and in file, folder and service names, then checks the Markdown, JSON and SARIF
reports, the log of ``reviewtui scan -v`` and the app's screen. The resource part feeds
every reader YAML bombs, deep nesting, huge, binary and non-UTF-8 files, FIFOs, dangling
links, link loops, links out of the tree and files it may not read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from markdown_it import MarkdownIt
from rich.segment import Segment
from textual.content import Content
from textual.widgets import Static

from reviewtui.checklists import load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.model import Problem
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.textfile import MAX_BYTES
from reviewtui.review import store
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.hanging import HangingText
from reviewtui.tui.screens.item import ItemScreen

# --- hostile text -------------------------------------------------------------------------

ESC = "\x1b"
MARKUP = "[bold red]inert-markup[/] [link=https://evil.example/m]inert-link[/link]"
CSI = f"{ESC}[2J{ESC}[31mred{ESC}[0m"
OSC8 = f"{ESC}]8;;https://evil.example/o{ESC}\\osc8-text{ESC}]8;;{ESC}\\"
OSC52 = f"{ESC}]52;c;ZWNobyBwd25lZA==\x07"
BIDI = "\u202eevil\u202c \u2066isolate\u2069 \u200f\u061c"
C1 = "\x9b31m\x85"
MARKDOWN = (
    "<img src=x onerror=alert(1)> [md-link](https://evil.example/l) "
    "![md-image](https://evil.example/i.png) <script>alert(2)</script> | pipe | `tick`"
)
HOSTILE = " ".join([MARKUP, CSI, OSC8, OSC52, BIDI, C1, MARKDOWN])
"""Every kind of hostile text in one string (no NUL: that makes a file binary)."""

FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
"""What no output may hold: control characters but tab and newline, C1, bidi controls."""

ODD_FILE = f"Dockerfile.{ESC}[31mred\u202e"
ODD_FOLDER = "\u2066folder"


def yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's escapes are YAML's too)."""
    return json.dumps(text)


def hostile_files() -> dict[str, bytes]:
    """A project whose every file plants hostile text where a reader keeps it."""
    dockerfile = "\n".join(
        [
            f"# reviewtui: ignore=build.healthcheck {HOSTILE}",
            "FROM python:latest",
            f'LABEL description="{HOSTILE}"',
            f"ENV GREETING={HOSTILE}",
            f"RUN echo '{HOSTILE}'",
            f"COPY {HOSTILE} /app/",
            f"EXPOSE {HOSTILE}",
            f"USER {HOSTILE}",
            f'CMD ["sh", "-c", "{HOSTILE}"]',
            "",
        ]
    )
    service = yaml_string(f"web{HOSTILE}")
    compose = "\n".join(
        [
            "services:",
            f"  {service}:",
            f"    image: {yaml_string('nginx:' + HOSTILE)}",
            "    privileged: true",
            f"    user: {yaml_string(HOSTILE)}",
            f"    command: [sh, -c, {yaml_string(HOSTILE)}]",
            f"    profiles: [{yaml_string(HOSTILE)}]",
            "    environment:",
            f"      GREETING: {yaml_string(HOSTILE)}",
            "      FROM_ENV: ${GREETING_FILE}",
            f"    labels: {{note: {yaml_string(HOSTILE)}}}",
            f"    volumes: [{yaml_string(HOSTILE + ':/data')}]",
            f"    healthcheck: {{test: [CMD, {yaml_string(HOSTILE)}]}}",
            "",
        ]
    )
    daemon: dict[str, Any] = {
        "icc": HOSTILE,
        "log-driver": HOSTILE,
        "hosts": [HOSTILE],
        "insecure-registries": [HOSTILE],
        HOSTILE: True,
    }
    workflow = "\n".join(
        [
            "on: push",
            "jobs:",
            f"  {yaml_string('build' + HOSTILE)}:",
            "    runs-on: ubuntu-latest",
            "    steps:",
            f"      - uses: {yaml_string('actions/checkout@' + HOSTILE)}",
            f"      - run: {yaml_string('docker build . ' + HOSTILE)}",
            "",
        ]
    )
    trivy = {
        "SchemaVersion": 2,
        "ArtifactName": f"app{HOSTILE}",
        "ArtifactType": "container_image",
        "Results": [
            {
                "Target": HOSTILE,
                "Vulnerabilities": [{"VulnerabilityID": HOSTILE, "Severity": "CRITICAL"}],
            }
        ],
    }
    return {
        "Dockerfile": dockerfile.encode(),
        "compose.yaml": compose.encode(),
        ".env": f"GREETING_FILE={HOSTILE}\n".encode(),
        "etc/daemon.json": json.dumps(daemon).encode(),
        ".dockerignore": f"{HOSTILE}\n[{HOSTILE}\n".encode(),
        ".github/workflows/build.yml": workflow.encode(),
        "trivy-app.json": json.dumps(trivy).encode(),
        ".reviewtui.yaml": (
            "waivers:\n"
            f"  - item: runtime.not-privileged\n    reason: {yaml_string(HOSTILE)}\n"
            f"    owner: {yaml_string(HOSTILE)}\n"
        ).encode(),
        ODD_FILE: b"FROM alpine:latest\nUSER root\n",
        f"{ODD_FOLDER}/Dockerfile": b"FROM alpine:latest\n",
        "nul/Dockerfile": b"FROM alpine\0\n",
        "latin1/Dockerfile": "FROM alpine\nLABEL a=\xe9t\xe9\n".encode("latin-1"),
        "long/Dockerfile": b"FROM alpine:3.19\nRUN echo " + b"A" * 1_000_000 + b"\n",
    }


def write_hostile_project(root: Path) -> Path:
    """Write :func:`hostile_files` under ``root`` and return it."""
    for rel, data in hostile_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters in ``text``, with a little context each, for a message."""
    return [repr(text[max(m.start() - 20, 0) : m.end() + 20]) for m in FORBIDDEN.finditer(text)]


def strings_in(value: Any) -> list[str]:
    """Every string (keys too) of a decoded JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, child in value.items() for s in [key, *strings_in(child)]]
    if isinstance(value, list):
        return [s for child in value for s in strings_in(child)]
    return []


# --- hostile text in every output ---------------------------------------------------------

ESCAPED_FILE = "Dockerfile.\\x1b[31mred\\u202e"
"""How the odd file name is shown: its control and bidi characters spelled out."""


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile project, written once for the module's tests (none changes it)."""
    return write_hostile_project(tmp_path_factory.mktemp("hostile") / "project")


def run_scan(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``python -m reviewtui scan ROOT ARGUMENTS``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", "scan", str(root), *arguments],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


# The report's own HTML: the seal comment, and the fold of a failing item's proposed fixes
# (its summary line holds no tag, only escaped text).
_OWN_HTML = re.compile(r"<!--.*|<details><summary>[^<>]*</summary>\n|</details>\n", re.S)


def markdown_faults(report: str) -> list[str]:
    """Links, images and HTML that scanned text made in a Markdown report, as a
    CommonMark renderer with HTML on reads it (the seal and the folds are the report's)."""
    faults = []
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table"])
    for token in parser.parse(report):
        if token.type == "html_block" and not _OWN_HTML.fullmatch(token.content):
            faults.append(token.content[:80])
        for child in token.children or []:
            href = str(child.attrs.get("href", "") or child.attrs.get("src", ""))
            if "evil.example" in href or child.type == "image":
                faults.append(f"{child.type} {href}")
            if child.type == "html_inline":
                faults.append(child.content[:80])
    return faults


def shown_text(report: str) -> str:
    """The text and code a Markdown renderer shows, escapes undone."""
    parser = MarkdownIt("commonmark").enable(["table"])
    shown = []
    for token in parser.parse(report):
        shown.extend(child.content for child in token.children or [])
    return "\n".join(shown)


@pytest.mark.parametrize("fmt", ["markdown", "json", "sarif"])
def test_reports_and_the_scan_log_show_hostile_text_inert(hostile_root: Path, fmt: str) -> None:
    result = run_scan(hostile_root, "--format", fmt, "-v")

    assert result.returncode == 1, result.stderr
    assert not forbidden_in(result.stdout), forbidden_in(result.stdout)[:5]
    assert not forbidden_in(result.stderr), forbidden_in(result.stderr)[:5]
    assert "DEBUG reviewtui" in result.stderr  # -v logs, and the logs are clean too
    # The odd names are listed as problems, spelled out, and their files left unread.
    assert f"{ESCAPED_FILE}: name holds control or bidi characters; not read" in result.stderr
    assert "\\u2066folder: name holds control or bidi characters; not read" in result.stderr
    assert "nul/Dockerfile: binary file (NUL bytes); not read" in result.stderr
    assert "latin1/Dockerfile:2: not valid UTF-8; bad bytes replaced" in result.stderr
    assert "compose.yaml:2: service name web[bold red]inert-markup[/]" in result.stderr
    if fmt == "markdown":
        assert not markdown_faults(result.stdout), markdown_faults(result.stdout)[:5]
        # Markup is shown as written, not applied or dropped.
        assert "[bold red]inert-markup[/] [link=" in shown_text(result.stdout)
    else:
        document = json.loads(result.stdout)
        dirty = [s for s in strings_in(document) if FORBIDDEN.search(s)]
        assert not dirty, [forbidden_in(s)[:1] for s in dirty[:5]]
        assert "[bold red]inert-markup[/]" in result.stdout


def test_the_review_file_holds_hostile_text_inert(hostile_root: Path, tmp_path: Path) -> None:
    review_file = tmp_path / "review.json"
    session = ReviewSession.open(hostile_root, review_path=review_file)
    session.scan()
    session.set_note("runtime.not-privileged", "checked")

    text = review_file.read_text(encoding="utf-8")

    assert not forbidden_in(text), forbidden_in(text)[:5]
    dirty = [s for s in strings_in(json.loads(text)) if FORBIDDEN.search(s)]
    assert not dirty, [forbidden_in(s)[:1] for s in dirty[:5]]
    assert "[bold red]inert-markup[/]" in text


def _segments_and_text(app: ReviewApp) -> tuple[list[Segment], str]:
    strips = app.screen._compositor.render_strips()
    return [segment for strip in strips for segment in strip], "\n".join(
        strip.text for strip in strips
    )


def _screen_faults(app: ReviewApp) -> tuple[list[str], str]:
    """What on the current screen would act on a terminal or came from markup, and the
    text drawn with the plain text of every Static's content (scrolled out of view too)."""
    faults: list[str] = []
    segments, text = _segments_and_text(app)
    faults += forbidden_in(text)
    for segment in segments:
        style = segment.style
        if style is not None and "evil.example" in f"{style.link} {style.meta}":
            faults.append(f"linked segment {segment.text!r}")
    plain = []
    for widget in app.screen.query(Static):
        visual = widget.visual
        contents = (
            [line.content for line in visual.lines]
            if isinstance(visual, HangingText)
            else [visual]
        )
        for content in contents:
            if not isinstance(content, Content):
                continue
            plain.append(content.plain)
            faults += forbidden_in(content.plain)
            faults += [
                f"span {span}" for span in content.spans if "evil.example" in str(span.style)
            ]
    return faults, "\n".join([text, *plain])


async def test_the_app_shows_hostile_text_as_plain_text_on_every_item(
    hostile_root: Path, tmp_path: Path
) -> None:
    session = ReviewSession.open(hostile_root, review_path=tmp_path / "review.json")
    app = ReviewApp(hostile_root, session)

    async with app.run_test(size=(120, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        faults, overview = _screen_faults(app)
        assert not faults, faults[:5]
        assert ESCAPED_FILE in overview

        app.open_walk(None)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        seen: list[str] = []
        shown: list[str] = []
        while screen.walk.current not in seen:
            seen.append(screen.walk.current)
            faults, text = _screen_faults(app)
            assert not faults, (screen.walk.current, faults[:5])
            shown.append(text)
            await pilot.press("n")

    assert len(seen) == len(session.catalogue.items)
    everything = "\n".join(shown)
    # The markup is on the screen as written; had it been read, the brackets would be gone.
    assert "[bold red]inert-markup[/] [link=https://evil.example/m]inert-link[/link]" in (
        everything
    )
    assert "osc8-text" in everything and "\x1b" not in everything


# --- files that would blow up, hang or lead out of the tree -------------------------------


def _bomb(levels: int = 9, leaf: str = '"lol"') -> str:
    """YAML aliases of aliases: ``levels`` anchors, each nine times the one before."""
    lines = ["x-0: &a0 [" + ", ".join([leaf] * 9) + "]"]
    for level in range(1, levels):
        lines.append(f"x-{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


DEEP = 10_000
TIME_LIMIT = 15.0
"""Seconds any one hostile project may take to read and check (they take well under one
on a quiet machine; the bound only says "not minutes")."""


def scan_files(root: Path, files: dict[str, bytes | str]) -> tuple[ProjectFacts, float]:
    """Write ``files``, read and check the project in a thread; the facts and seconds.

    A thread that does not finish within :data:`TIME_LIMIT` fails the test (a reader
    that blocks, on a FIFO say, would otherwise hang the suite).
    """
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return run_bounded(lambda: _read_and_detect(root))


def _read_and_detect(root: Path) -> ProjectFacts:
    facts = read_project(root)
    detect(_catalogue(), facts)
    return facts


_CATALOGUE: list[Any] = []


def _catalogue() -> Any:
    if not _CATALOGUE:
        _CATALOGUE.append(load_catalogue())
    return _CATALOGUE[0]


Result = TypeVar("Result")


def run_bounded(work: Callable[[], Result]) -> tuple[Result, float]:
    """``work()`` in a daemon thread, failing when it outlasts :data:`TIME_LIMIT`."""
    result: list[Result] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work())
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            errors.append(error)

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(TIME_LIMIT)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still reading after {TIME_LIMIT} s"
    if errors:
        raise errors[0]
    return result[0], elapsed


def problem_for(facts: ProjectFacts, path: str) -> Problem:
    """The one problem naming ``path``."""
    found = [problem for problem in facts.problems if problem.path == path]
    assert len(found) == 1, (path, facts.problems)
    return found[0]


GITHUB_BOMB = _bomb(8, "{run: echo}") + "on: push\njobs:\n  j:\n    steps: *a7\n"
BOMBS = {
    "compose.yaml": _bomb() + "services:\n  web:\n    image: x\n    command: *a8\n",
    ".gitlab-ci.yml": _bomb() + "job:\n  script: *a8\n  image: *a8\n",
    ".github/workflows/ci.yml": GITHUB_BOMB,
    ".circleci/config.yml": _bomb(8, "{run: echo}")
    + "version: 2.1\njobs:\n  b:\n    steps: *a7\n",
    "azure-pipelines.yml": _bomb(8, "{script: echo}") + "steps: *a7\n",
    "bitbucket-pipelines.yml": _bomb(8, "{step: {script: [echo]}}")
    + "pipelines: {default: *a7}\n",
}


@pytest.mark.parametrize("rel", sorted(BOMBS))
def test_a_yaml_bomb_is_refused_not_expanded(tmp_path: Path, rel: str) -> None:
    facts, seconds = scan_files(tmp_path, {rel: BOMBS[rel]})

    problem = problem_for(facts, rel)
    assert "more than 100000 values" in problem.reason, problem
    assert seconds < TIME_LIMIT


NESTED = {
    "compose.yaml": "services:\n  web:\n    labels: " + "[" * DEEP + "]" * DEEP + "\n",
    "docker-compose.yml": "services:\n  web: " + "{a: " * DEEP + "}" * DEEP + "\n",
    ".gitlab-ci.yml": "job:\n  script: " + "[" * DEEP + "]" * DEEP + "\n",
    ".github/workflows/ci.yml": "on: " + "{a: " * DEEP + "}" * DEEP + "\n",
    "daemon.json": '{"log-opts": ' + "[" * DEEP + "]" * DEEP + "}",
    "trivy-app.json": '{"SchemaVersion": 2, "ArtifactName": "x", "Results": '
    + "[" * DEEP
    + "]" * DEEP
    + "}",
    "Dockerfile": "FROM alpine:3.19\nCMD " + "[" * DEEP + "\n",
}


@pytest.mark.parametrize("rel", sorted(NESTED))
def test_deep_nesting_is_a_problem_or_read_around(tmp_path: Path, rel: str) -> None:
    facts, seconds = scan_files(tmp_path, {rel: NESTED[rel]})

    assert seconds < TIME_LIMIT
    if rel == "Dockerfile":
        # Not JSON, so a shell-form CMD: the file is read, not given up on.
        assert not facts.problems, facts.problems
        assert facts.dockerfiles[0].instructions[-1].keyword == "CMD"
        return
    assert "nested too deeply" in problem_for(facts, rel).reason


LONG_LINE = (HOSTILE + " ") * (1_000_000 // (len(HOSTILE) + 1))
"""About a million characters of hostile text on one line."""
LONG_FILES = {
    "Dockerfile": f"FROM alpine:3.19\nRUN echo {LONG_LINE}\n",
    "compose.yaml": f"services:\n  web:\n    image: x\n    command: {yaml_string(LONG_LINE)}\n",
    "daemon.json": json.dumps({"log-driver": LONG_LINE}),
    ".dockerignore": LONG_LINE[:60_000] + "\n",
    ".gitlab-ci.yml": f"job:\n  script:\n    - {yaml_string(LONG_LINE)}\n",
    "Jenkinsfile": f"sh '{LONG_LINE}'\n",
    ".env": f"API_TOKEN={LONG_LINE}\n",
}


@pytest.mark.parametrize("rel", sorted(LONG_FILES))
def test_a_line_of_a_million_characters_is_read_and_cut(tmp_path: Path, rel: str) -> None:
    files = {rel: LONG_FILES[rel]}
    if rel == ".env":
        files["compose.yaml"] = "services:\n  web:\n    image: x\n    user: ${API_TOKEN}\n"

    facts, seconds = scan_files(tmp_path, files)
    findings = detect(_catalogue(), facts)

    assert seconds < TIME_LIMIT
    assert not [p for p in facts.problems if p.path == rel and "could not" in p.reason]
    for item_findings in findings.values():
        for finding in item_findings:
            assert len(finding.reason) <= 200
            assert all(len(evidence.snippet) <= 200 for evidence in finding.evidence)
            assert not forbidden_in(finding.reason + "".join(e.snippet for e in finding.evidence))


def test_compose_files_that_include_each_other_many_ways_are_read_once(
    tmp_path: Path,
) -> None:
    # Five files per level, each including the five of the next, nine levels deep: five
    # to the ninth paths through the includes, 46 files.
    files: dict[str, bytes | str] = {}
    for level in range(9):
        for number in range(5):
            includes = "".join(f"  - l{level + 1}_{n}.yaml\n" for n in range(5))
            head = f"include:\n{includes}" if level < 8 else ""
            files[f"l{level}_{number}.yaml"] = (
                f"{head}services:\n  s{level}_{number}:\n    image: x\n"
            )
    files["compose.yaml"] = "include:\n" + "".join(f"  - l0_{n}.yaml\n" for n in range(5))

    facts, seconds = scan_files(tmp_path, files)

    assert seconds < TIME_LIMIT
    assert len(facts.compose_projects) == 1
    assert len(facts.compose_projects[0].services) == 45


def test_a_gitlab_include_of_many_double_stars_walks_the_tree_once(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        ".gitlab-ci.yml": "include:\n  - local: '" + "**/" * 14 + "*.yaml'\n"
        "job:\n  script: [make]\n"
    }
    for depth in range(8):
        folder = "/".join(f"d{n}" for n in range(depth + 1))
        for number in range(30):
            files[f"{folder}/f{number}.yml"] = "x: 1\n"

    facts, seconds = scan_files(tmp_path, files)

    assert seconds < TIME_LIMIT  # no file matches: the whole tree is walked, once
    assert facts.ci_files[0].steps


def test_a_deeply_nested_review_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    path.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")

    with pytest.raises(store.ReviewFileError, match="damaged review file: nested too deeply"):
        store.load(path)


READERS = {
    "Dockerfile": "FROM alpine:3.19\n",
    "compose.yaml": "services:\n  web:\n    image: x\n",
    "daemon.json": '{"icc": false}',
    ".dockerignore": ".git\n",
    ".gitlab-ci.yml": "job:\n  script: [make]\n",
    "Jenkinsfile": "pipeline {}\n",
}


@pytest.mark.parametrize("rel", sorted(READERS))
def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path, rel: str) -> None:
    path = tmp_path / rel
    path.write_text(READERS[rel])
    os.truncate(path, MAX_BYTES + 1)  # sparse: nothing is written

    facts, seconds = scan_files(tmp_path, {})

    problem = problem_for(facts, rel)
    assert problem.reason == (
        f"file is {MAX_BYTES + 1} bytes, over the {MAX_BYTES} byte limit; not read"
    )
    assert seconds < TIME_LIMIT


@pytest.mark.parametrize("rel", sorted(READERS))
def test_binary_and_non_utf8_files_are_problems(tmp_path: Path, rel: str) -> None:
    binary, _ = scan_files(tmp_path / "binary", {rel: READERS[rel].encode() + b"\0\x01\x02"})
    latin, _ = scan_files(tmp_path / "latin", {rel: b"\n\xff\xfe junk\n"})

    assert problem_for(binary, rel).reason == "binary file (NUL bytes); not read"
    # The bad bytes are replaced and reported; what the file then says is read as usual.
    reported = [(p.line, p.reason) for p in latin.problems if p.path == rel]
    assert reported[0] == (2, "not valid UTF-8; bad bytes replaced"), reported


@pytest.mark.parametrize("rel", sorted(READERS))
def test_a_fifo_is_not_read_and_does_not_hang(tmp_path: Path, rel: str) -> None:
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(tmp_path / rel)

    facts, _ = scan_files(tmp_path, {})

    assert problem_for(facts, rel).reason == "not a regular file; not read"


def test_a_fifo_as_the_env_file_or_review_file_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".env")
    (tmp_path / ".reviewtui").mkdir()
    os.mkfifo(tmp_path / ".reviewtui" / "review.json")
    files = {"compose.yaml": "services:\n  web:\n    image: x\n    user: ${USER_ID}\n"}

    facts, _ = scan_files(tmp_path, files)
    session, _ = run_bounded(lambda: ReviewSession.open(tmp_path))

    assert [p for p in facts.problems if p.path == "compose.yaml"] == []
    assert "not a regular file; opened read-only" in session.notice


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, which the project's links point into."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM alpine:3.19\nENV SECRET_KEY=outside-value\n")
    (folder / "secret.env").write_text("API_TOKEN=outside-value\n")
    return folder


def test_links_that_dangle_loop_or_leave_the_tree_are_problems(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "Dockerfile").symlink_to(root / "nowhere")
    (root / "Dockerfile.loop").symlink_to(root / "Dockerfile.loop2")
    (root / "Dockerfile.loop2").symlink_to(root / "Dockerfile.loop")
    (root / "Dockerfile.out").symlink_to(outside / "Dockerfile")
    (root / "vendor").symlink_to(outside)
    (root / "again").symlink_to(root)
    (root / "inc.yaml").symlink_to(outside / "Dockerfile")
    (root / "link.env").symlink_to(outside / "secret.env")
    compose = "include: [inc.yaml]\nservices:\n  web:\n    image: x\n    env_file: link.env\n"

    facts, seconds = scan_files(root, {"compose.yaml": compose})

    reasons = {problem.path: problem.reason for problem in facts.problems}
    assert reasons == {
        "Dockerfile": "cannot read: No such file or directory",
        "Dockerfile.loop": "link loops back on itself; not followed",
        "Dockerfile.loop2": "link loops back on itself; not followed",
        "Dockerfile.out": "link leads out of the project; not followed",
        "vendor": "link leads out of the project; not followed",
        "inc.yaml": "link leads out of the project; not read",
        "link.env": "link leads out of the project; not read",
    }
    assert seconds < TIME_LIMIT
    assert "outside-value" not in json.dumps([p.to_dict() for p in facts.problems])
    service = facts.compose_projects[0].services[0]
    assert all(env.variables is None or not env.variables.values for env in service.env_files)


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A project folder another user can enter, outside root's private temp folders."""
    root = Path(tempfile.mkdtemp(prefix="reviewtui-perm-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        for path in root.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(root)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to drop privileges")
def test_files_the_reviewer_may_not_read_are_problems(shared_root: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to another user (as root, permissions are moot)")
    for rel, text in READERS.items():
        (shared_root / rel).write_text(text)
        (shared_root / rel).chmod(0)
    (shared_root / "locked").mkdir()
    (shared_root / "locked" / "Dockerfile").write_text("FROM alpine:3.19\n")
    (shared_root / "locked").chmod(0)
    read_project(shared_root)  # imports every module the child needs while root can

    problems = _read_as_nobody(shared_root)

    assert sorted(problems) == sorted(
        [[rel, None, "cannot read: Permission denied"] for rel in READERS]
        + [["locked", None, "cannot list folder: Permission denied"]]
    )


def _read_as_nobody(root: Path) -> list[list[Any]]:
    """The problems ``read_project`` gives when the user nobody runs it."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            facts = read_project(root)
            rows = [[p.path, p.line, p.reason] for p in facts.problems]
            os.write(writer, json.dumps(rows).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    rows: list[list[Any]] = json.loads(data)
    return rows


def test_a_directory_in_place_of_the_review_file_opens_read_only(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.19\n")
    (tmp_path / ".reviewtui" / "review.json").mkdir(parents=True)

    session = ReviewSession.open(tmp_path)
    session.scan()
    session.set_note("build.healthcheck", "not saved")

    assert "not a regular file; opened read-only" in session.notice
    assert (tmp_path / ".reviewtui" / "review.json").is_dir()
    assert sorted(p.name for p in (tmp_path / ".reviewtui").iterdir()) == ["review.json"]
