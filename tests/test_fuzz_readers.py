"""Fuzz tests of the readers: any bytes, and near-valid generated files, give facts or
problems with a location, never an exception, and the whole pipeline runs on them.

Each reader (Dockerfile, compose with its .env, daemon.json, .dockerignore, CI files,
scanner reports, the review file) is fed arbitrary bytes and structured input made to
reach its corners: Dockerfile lines with random instructions, flags, continuations,
heredocs and escape directives; YAML with random nesting, anchors, tags and odd scalars;
JSON with odd types; review documents damaged at a random place. A reader that would
raise fails the test, and so do the Dockerfile reader's last-resort "could not be
parsed" problem, a detector that fails on what a reader gave it, and any warning (it
would print over the app). The examples are fixed (see hypothesis_profile.py).
"""

from __future__ import annotations

import json
import re
import string
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis_profile import fuzz

from reviewtui.checklists import Catalogue, load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.model import Finding, Problem
from reviewtui.project import read_project
from reviewtui.project.ci import read_ci_file
from reviewtui.project.compose import read_compose_projects
from reviewtui.project.daemon import read_daemon_config
from reviewtui.project.dockerfile import read_dockerfile
from reviewtui.project.dockerignore import parse_patterns, read_dockerignore
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.scanner_reports import ScannerSettings, read_scanner_report
from reviewtui.report import render
from reviewtui.review import store
from reviewtui.review.model import Review
from reviewtui.review.session import ReviewSession

# A warning would print over the app's screen: any warning fails these tests.
pytestmark = pytest.mark.filterwarnings("error")

# --- shared checks ------------------------------------------------------------------------


@cache
def catalogue() -> Catalogue:
    """The shipped checklists, loaded once for every test of the module."""
    return load_catalogue()


def write(root: Path, rel: str, data: bytes | str) -> Path:
    """Write one file of a generated project (bytes as they are, text as UTF-8)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    path.write_bytes(data)
    return path


def fresh(tmp_path: Path, name: str) -> Path:
    """An empty folder for one example (hypothesis runs many in one tmp_path)."""
    root = tmp_path / name
    if root.exists():
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
    root.mkdir(parents=True, exist_ok=True)
    return root


def assert_located(problems: Iterable[Problem], paths: set[str]) -> None:
    """Every problem names one of ``paths``, a sensible line or none, and a one-line
    reason; none is the last resort a reader takes only when it has a bug."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path in paths, problem
        assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
        assert problem.reason.strip(), problem
        assert "\n" not in problem.reason, problem
        assert "could not be parsed" not in problem.reason, problem


def assert_no_detector_failed(findings: dict[str, list[Finding]], facts: ProjectFacts) -> None:
    """No detector raised: the engine turns a raising detector into such a problem."""
    failed = [p for p in facts.problems if p.reason.startswith("detector ")]
    assert not failed, failed
    for item_findings in findings.values():
        for finding in item_findings:
            assert not finding.reason.startswith("detector "), finding


# --- generators ---------------------------------------------------------------------------

_ODD_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=("L", "N", "P", "S", "Zs", "Cc", "Cf"),
        exclude_characters="\x00",
    ),
    max_size=30,
)
_WORD = st.text(alphabet=string.ascii_letters + string.digits + "._-/:$@{}=", max_size=16)
_ANY_LINE = st.one_of(_WORD, _ODD_TEXT)

_KEYWORDS = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "from",
    "Run",
    "FOO",
    "ONBUILD ONBUILD",
    "ONBUILD FROM",
    "ONBUILD RUN",
]
_FLAGS = [
    "--mount=type=secret,id=npm,target=/root/.npmrc",
    "--mount=type=cache,target=/var/cache/apt",
    "--mount=type=bind,source=/,target=/host,rw",
    "--mount=",
    "--mount",
    "--network=host",
    "--security=insecure",
    "--from=0",
    "--from=build",
    "--from=$STAGE",
    "--from=9999999999999999999999",
    "--chmod=777",
    "--chown=root:root",
    "--link",
    "--platform=$BUILDPLATFORM",
    "--interval=1s",
    "--start-period=-5s",
    '--a="b c"',
    "--a='b",
    '--x="unterminated',
    "--=",
    "--",
    "---",
]
_ARGUMENTS = [
    "python:3.12-slim",
    "python:latest AS build",
    "build AS final",
    "0",
    "scratch",
    "$BASE",
    "${BASE:-alpine}",
    "${BASE:?}",
    "a b c d",
    "AS",
    '["sh", "-c", "echo hi"]',
    '["sh", 1, null]',
    '["unterminated',
    "[ -f /x ] && echo ok",
    "[[[[[[[[",
    "[" * 300 + "]" * 300,
    '{"a": [1, 2]}',
    "[Net.ServicePointManager]::SecurityProtocol",
    "<<EOF",
    "<<-EOF cat",
    "<<'EOF' sh",
    '<<"EOF"',
    "2<<EOF",
    "<<EOF <<EOG",
    "<<",
    "<<-",
    "cat <<EOF > /x",
    "A=1 B='two words' C=\"3\"",
    "A",
    "=value",
    "A=",
    "API_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "curl -fsSL https://x.example/install.sh | sh",
    "apt-get install -y curl",
    "CMD echo",
    "NONE",
    "--interval=5s CMD true",
    "./src /app",
    "https://example.com/x.tar.gz /",
    "$HOME/.ssh /root/.ssh",
    "1000:1000",
    "root",
    "80/tcp 443/udp 0-65535",
    "SIGKILL",
    "\\",
    "`",
    '"',
    "'",
    "\\\\\\",
    "# not a comment",
]
_DIRECTIVES = [
    "# syntax=docker/dockerfile:1",
    "# escape=`",
    "# escape=\\",
    "# escape=x",
    "#escape =  `",
    "# check=skip=all",
    "# check=error=true",
    "# syntax=",
    "# unknown=directive",
]


@st.composite
def dockerfile_texts(draw: st.DrawFn) -> str:
    """A Dockerfile that is mostly well-formed: directives, instructions with flags and
    continuations, heredocs with and without their terminator, comments, blank lines."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.extend(draw(st.lists(st.sampled_from(_DIRECTIVES), max_size=3)))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("# " + draw(_ANY_LINE))
        elif kind == 1:
            lines.append(draw(st.sampled_from(["", " ", "\t", "   \t "])))
        elif kind == 2:
            lines.append(draw(_ANY_LINE))
        else:
            lines.extend(draw(_instruction_lines()))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    ending = draw(st.sampled_from(["", "\n", "\\", "\n\n"]))
    return newline.join(lines) + ending


@st.composite
def _instruction_lines(draw: st.DrawFn) -> list[str]:
    keyword = draw(st.sampled_from(_KEYWORDS))
    flags = draw(st.lists(st.sampled_from(_FLAGS), max_size=3))
    arguments = draw(st.lists(st.one_of(st.sampled_from(_ARGUMENTS), _WORD), max_size=3))
    first = " ".join([keyword, *flags, *arguments])
    lines = [draw(st.sampled_from(["", " ", "\t"])) + first]
    escape = draw(st.sampled_from(["\\", "`"]))
    for _ in range(draw(st.integers(0, 3))):
        # Continuation lines, with the blank and comment lines Docker allows inside.
        lines[-1] += escape + draw(st.sampled_from(["", " ", "  "]))
        lines.append(draw(st.one_of(st.sampled_from(["", "# inside", "  && make"]), _WORD)))
    if "<<" in first and draw(st.booleans()):
        body = draw(st.lists(_ANY_LINE, max_size=3))
        terminator = draw(st.sampled_from(["EOF", "\tEOF", "EOG", "EOF ", ""]))
        lines.extend([*body, terminator])
    return lines


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    _ODD_TEXT,
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "0x1F",
            "0o17",
            "1_000",
            ".inf",
            "-.INF",
            ".nan",
            "~",
            "2001-13-45",
            "2026-01-31",
            "22:22",
            "1e999",
            "9" * 40,
            "<<",
            "=",
            "${X}",
            "${X:-default}",
            "${X:?must be set}",
            "$$escaped",
            "${",
            "$",
            "/var/run/docker.sock:/var/run/docker.sock",
            "0.0.0.0:8080:80/tcp",
            "8080-8090:80",
            "[bold red]markup[/]",
        ]
    ),
)
_COMPOSE_KEYS = [
    "image",
    "build",
    "context",
    "dockerfile",
    "dockerfile_inline",
    "args",
    "target",
    "ports",
    "volumes",
    "environment",
    "env_file",
    "extends",
    "service",
    "file",
    "include",
    "path",
    "profiles",
    "deploy",
    "resources",
    "limits",
    "memory",
    "cpus",
    "security_opt",
    "cap_add",
    "cap_drop",
    "user",
    "privileged",
    "read_only",
    "network_mode",
    "pid",
    "ipc",
    "healthcheck",
    "test",
    "command",
    "entrypoint",
    "secrets",
    "configs",
    "networks",
    "devices",
    "sysctls",
    "labels",
    "logging",
    "restart",
    "mem_limit",
    "pids_limit",
    "ulimits",
    "tmpfs",
    "source",
    "type",
    "x-common",
    "<<",
]


def _yaml_values(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), _WORD)
    return st.recursive(
        _SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(key, children, max_size=4),
        ),
        max_leaves=25,
    )


def _to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of plain values (JSON is YAML too, but block style reaches the
    indentation rules); odd strings are written as JSON strings, which YAML reads."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        out = []
        for key, child in value.items():
            text = _to_yaml(child, indent + 2)
            joiner = "\n" if isinstance(child, dict | list) and child else " "
            out.append(f"{pad}{_yaml_scalar(key)}:{joiner}{text}")
        return "\n".join(out)
    if isinstance(value, list):
        if not value:
            return "[]"
        out = []
        for child in value:
            text = _to_yaml(child, indent + 2)
            out.append(f"{pad}- {text.lstrip()}")
        return "\n".join(out)
    return _yaml_scalar(value)


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_./${}-]+", text) and text not in ("<<",):
        return text
    return json.dumps(text)


@st.composite
def compose_texts(draw: st.DrawFn) -> str:
    """A compose file: services with compose's keys and random values, nested anchors
    and aliases, merge keys, compose's and YAML's own tags, in block or flow style."""
    services = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(["web", "db", "x"]), _WORD),
            st.dictionaries(st.sampled_from(_COMPOSE_KEYS), _yaml_values(_COMPOSE_KEYS)),
            max_size=3,
        )
    )
    document: dict[str, Any] = {"services": services}
    for key in draw(st.lists(st.sampled_from(["name", "include", "volumes", "x-a"]))):
        document[key] = draw(_yaml_values(_COMPOSE_KEYS))
    text = (
        json.dumps(document, ensure_ascii=draw(st.booleans()))
        if draw(st.booleans())
        else _to_yaml(document)
    )
    extras = draw(st.lists(st.sampled_from(_YAML_TRICKS), max_size=4))
    return "\n".join([*extras, text]) + "\n"


_YAML_TRICKS = [
    "x-base: &base {privileged: true, image: a}",
    "x-list: &list [a, *list]",
    "x-a: &a [1, 2, 3]\nx-b: &b [*a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b]",
    "x-reset: !reset null",
    "x-override: !override {a: 1}",
    "x-bin: !!binary aGVsbG8=",
    "x-bad-bin: !!binary 'not base64!'",
    "x-ts: !!timestamp 2001-12-14t21:59:43.10-05:00",
    "x-bad-ts: !!timestamp nope",
    "x-py: !!python/object:os.system echo",
    "x-custom: !custom {a: 1}",
    "x-set: !!set {a, b}",
    "x-omap: !!omap [a: 1, b: 2]",
    "? [complex, key]\n: value",
    "x-merge:\n  <<: [*undefined]",
    "%YAML 1.1\n---",
    "---\n...",
    "x-dup: 1\nx-dup: 2",
    "x-tab:\n\t- a",
    "x-anchor: &",
    "x-alias: *",
    "x-deep: " + "[" * 50 + "]" * 50,
    "x-int: 0b101",
    "x-str: !!str",
    "x-null: !!null x",
    "x-float: !!float x",
]


def _json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            _ODD_TEXT,
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(_ODD_TEXT, children, max_size=4)
        ),
        max_leaves=20,
    )


_DAEMON_KEYS = [
    "icc",
    "live-restore",
    "userns-remap",
    "no-new-privileges",
    "tls",
    "tlsverify",
    "tlscacert",
    "hosts",
    "log-driver",
    "log-opts",
    "insecure-registries",
    "authorization-plugins",
    "default-ulimits",
    "registry-mirrors",
    "storage-opts",
    "max-size",
]


@st.composite
def daemon_texts(draw: st.DrawFn) -> str:
    """A daemon.json whose known settings hold values of any JSON type, sometimes with
    repeated keys, odd numbers, comments or a top level that is no object."""
    settings = draw(
        st.dictionaries(st.one_of(st.sampled_from(_DAEMON_KEYS), _ODD_TEXT), _json_values())
    )
    text = json.dumps(settings, indent=draw(st.sampled_from([None, 2])))
    trick = draw(
        st.sampled_from(
            [
                "",
                "dup",
                "nan",
                "bigint",
                "comment",
                "list",
                "trailing",
                "bom",
                "deep",
            ]
        )
    )
    if trick == "dup" and len(text) > 2:
        text = '{"icc": true, "icc": "x", ' + text[1:]
    elif trick == "nan":
        text = '{"icc": NaN, "max-size": -Infinity, "x": 1e999}'
    elif trick == "bigint":
        text = '{"icc": ' + "1" * 5000 + "}"
    elif trick == "comment":
        text = "// comment\n" + text
    elif trick == "list":
        text = "[" + text + "]"
    elif trick == "trailing":
        text = text + ","
    elif trick == "bom":
        text = "\ufeff" + text
    elif trick == "deep":
        text = '{"log-opts": ' + "[" * 5000 + "]" * 5000 + "}"
    return text


_IGNORE_ALPHABET = "*?[]^!\\/.-a{}()|+$ #\t"


@st.composite
def dockerignore_texts(draw: st.DrawFn) -> str:
    """A .dockerignore with patterns made of the characters that mean something to
    Docker's matcher or to a regular expression."""
    lines = draw(
        st.lists(
            st.one_of(
                st.text(alphabet=_IGNORE_ALPHABET, max_size=12),
                st.sampled_from(
                    ["**", "**/*.pem", "!keep", "[a-", "[]", "[^]", "\\", "**/**/**/x", "."]
                ),
            ),
            max_size=8,
        )
    )
    return "\n".join(lines)


_CI_FILES = {
    ".github/workflows/ci.yml": ["on", "jobs", "steps", "uses", "run", "with", "permissions"],
    ".gitlab-ci.yml": ["include", "script", "image", "variables", "services", "stages"],
    ".circleci/config.yml": ["version", "jobs", "steps", "run", "docker", "image"],
    "azure-pipelines.yml": ["steps", "jobs", "stages", "script", "task", "container"],
    "bitbucket-pipelines.yml": ["pipelines", "default", "step", "script", "image"],
    "Jenkinsfile": [],
}


@st.composite
def ci_files(draw: st.DrawFn) -> tuple[str, str]:
    """A CI file of any kind, with that kind's keys holding random values."""
    rel = draw(st.sampled_from(sorted(_CI_FILES)))
    keys = _CI_FILES[rel] + ["run", "name", "env", "docker build ."]
    value = draw(st.dictionaries(st.sampled_from(keys), _yaml_values(keys), max_size=4))
    if rel == "Jenkinsfile":
        text = "pipeline {\n" + "\n".join(draw(st.lists(_ANY_LINE, max_size=6))) + "\n}"
    else:
        text = _to_yaml(value) if draw(st.booleans()) else json.dumps(value)
        text = "\n".join([*draw(st.lists(st.sampled_from(_YAML_TRICKS), max_size=2)), text])
    return rel, text


# --- any bytes ----------------------------------------------------------------------------

_BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", errors="surrogatepass")),
)
_READERS = {
    "Dockerfile": read_dockerfile,
    "daemon.json": read_daemon_config,
    ".dockerignore": read_dockerignore,
    ".github/workflows/build.yml": read_ci_file,
    ".gitlab-ci.yml": read_ci_file,
    "Jenkinsfile": read_ci_file,
}


@pytest.mark.parametrize("rel", sorted(_READERS))
@fuzz(60)
@given(data=_BYTES)
def test_any_bytes_give_facts_or_problems(tmp_path: Path, rel: str, data: bytes) -> None:
    root = fresh(tmp_path, "bytes")
    write(root, rel, data)

    result = _READERS[rel](root, rel)

    assert result.path == rel
    assert_located(result.problems, {rel})


@fuzz(60)
@given(data=_BYTES, env=_BYTES)
def test_any_bytes_give_compose_projects_or_problems(
    tmp_path: Path, data: bytes, env: bytes
) -> None:
    root = fresh(tmp_path, "compose-bytes")
    write(root, "compose.yaml", data)
    write(root, ".env", env)

    projects, problems = read_compose_projects(root, ["compose.yaml"])

    assert all(project.path == "compose.yaml" for project in projects)
    assert_located(problems, {"compose.yaml", ".env"})


@fuzz(80)
@given(data=_BYTES)
def test_any_bytes_give_a_review_or_a_review_file_error(tmp_path: Path, data: bytes) -> None:
    path = fresh(tmp_path, "review") / "review.json"
    path.write_bytes(data)

    try:
        review = store.load(path)
    except store.ReviewFileError as error:
        assert str(path) in str(error)
        assert "\n" not in str(error)
    else:
        assert isinstance(review, Review)


_REPORT_KEYS = [
    "SchemaVersion",
    "ArtifactName",
    "ArtifactType",
    "Results",
    "Target",
    "Vulnerabilities",
    "Severity",
    "CreatedAt",
    "Metadata",
    "ImageID",
    "matches",
    "source",
    "target",
    "descriptor",
    "timestamp",
    "vulnerability",
    "severity",
    "config",
    "runs",
    "tool",
    "driver",
    "name",
    "rules",
    "results",
    "level",
    "properties",
    "imageName",
    "invocations",
    "endTimeUtc",
]


@st.composite
def scanner_documents(draw: st.DrawFn) -> Any:
    """A Trivy, Grype or SARIF report's keys holding values of any JSON type."""
    values = st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.sampled_from(["CRITICAL", "high", "trivy", "grype", "2026-01-01T00:00:00Z"]),
            _ODD_TEXT,
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(_REPORT_KEYS), children, max_size=5),
        ),
        max_leaves=30,
    )
    document = draw(st.dictionaries(st.sampled_from(_REPORT_KEYS), values, max_size=6))
    return [document] if draw(st.integers(0, 5)) == 0 else document


@fuzz(150)
@given(document=scanner_documents(), raw=st.booleans(), data=_BYTES)
def test_scanner_reports_are_read_or_refused(
    tmp_path: Path, document: Any, raw: bool, data: bytes
) -> None:
    root = fresh(tmp_path, "reports")
    path = write(root, "trivy-app.json", data if raw else json.dumps(document))
    settings = ScannerSettings(now=datetime(2026, 6, 1, tzinfo=UTC))

    report, problem = read_scanner_report(root, path, settings)

    assert report is not None or problem is not None  # a named report is read or refused
    if problem is not None:
        assert_located([problem], {"trivy-app.json"})
    if report is not None:
        assert report.counts.summary()
        facts = ProjectFacts(root=root, scanner_reports=[report], files=["trivy-app.json"])
        assert_no_detector_failed(detect(catalogue(), facts), facts)


# --- near-valid files ---------------------------------------------------------------------


@fuzz(150)
@given(text=dockerfile_texts())
def test_generated_dockerfiles_read_and_detect(tmp_path: Path, text: str) -> None:
    root = fresh(tmp_path, "dockerfile")
    write(root, "Dockerfile", text)

    dockerfile = read_dockerfile(root, "Dockerfile")

    assert_located(dockerfile.problems, {"Dockerfile"})
    last_line = max(len(dockerfile.lines), 1)
    for instruction in dockerfile.instructions:
        assert 1 <= instruction.start_line <= instruction.end_line <= last_line + 1
        assert instruction.keyword == instruction.keyword.upper()
        for heredoc in instruction.heredocs:
            assert instruction.end_line <= heredoc.end_line <= last_line
    for index, stage in enumerate(dockerfile.stages):
        assert stage.index == index
        assert stage.parent is None or 0 <= stage.parent < index
    assert dockerfile.lineage()[-1:] == dockerfile.stages[-1:]
    facts = ProjectFacts(root=root, dockerfiles=[dockerfile], files=["Dockerfile"])
    assert_no_detector_failed(detect(catalogue(), facts), facts)


@fuzz(80)
@given(text=compose_texts(), override=st.one_of(st.none(), compose_texts()))
def test_generated_compose_files_read_and_detect(
    tmp_path: Path, text: str, override: str | None
) -> None:
    root = fresh(tmp_path, "compose")
    write(root, "compose.yaml", text)
    write(root, ".env", "X=1\nBASE=alpine\nexport Y='two words'\nZ=\"unterminated\n")
    rels = ["compose.yaml"]
    if override is not None:
        write(root, "compose.override.yaml", override)
        rels.append("compose.override.yaml")

    started = time.monotonic()
    projects, problems = read_compose_projects(root, rels)

    assert time.monotonic() - started < 10
    assert_located(problems, {*rels, ".env"})
    for project in projects:
        for service in project.services:
            assert service.path in rels
            assert service.line >= 1
    facts = ProjectFacts(root=root, compose_projects=projects, files=[*rels, ".env"])
    assert_no_detector_failed(detect(catalogue(), facts), facts)


@fuzz(80)
@given(text=daemon_texts())
def test_generated_daemon_files_read_and_detect(tmp_path: Path, text: str) -> None:
    root = fresh(tmp_path, "daemon")
    write(root, "daemon.json", text)

    config = read_daemon_config(root, "daemon.json")

    assert_located(config.problems, {"daemon.json"})
    if config.readable:
        assert isinstance(config.settings, dict)
    for line in config.key_lines.values():
        assert 1 <= line <= max(len(config.lines), 1)
    facts = ProjectFacts(root=root, daemon_configs=[config], files=["daemon.json"])
    assert_no_detector_failed(detect(catalogue(), facts), facts)


@fuzz(120)
@given(
    text=dockerignore_texts(),
    paths=st.lists(st.text(alphabet="ab/.*[]\\-", max_size=40), max_size=5),
)
def test_generated_dockerignore_files_match_quickly(
    tmp_path: Path, text: str, paths: list[str]
) -> None:
    root = fresh(tmp_path, "ignore")
    write(root, ".dockerignore", text)

    ignore = read_dockerignore(root, ".dockerignore")

    assert_located(ignore.problems, {".dockerignore"})
    started = time.monotonic()
    for path in [*paths, "a/" * 30 + "b", ".env"]:
        ignore.excludes(path)
    assert time.monotonic() - started < 1


def _wildcard_in_class(pattern: str) -> bool:
    """True when a ``*`` or ``?`` stands inside a ``[...]`` class of the pattern."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "\\":
            index += 1
        elif char == "[":
            index += pattern[index : index + 1] == "^"
            first = True
            while index < len(pattern) and (pattern[index] != "]" or first):
                if pattern[index] in "*?":
                    return True
                index += 2 if pattern[index] == "\\" else 1
                first = False
            index += 1
    return False


@fuzz(200)
@given(
    text=st.text(alphabet="ab*?/[]^-\\.", max_size=10),
    path=st.text(alphabet="ab/.-*?[]^\\", max_size=12),
)
def test_dockerignore_matching_agrees_with_the_regular_expression(text: str, path: str) -> None:
    # Docker compiles a pattern to a regular expression, and so does reviewtui, to refuse
    # the patterns Docker refuses; it matches by walking the pattern's tokens instead (in
    # linear time). Both must agree, but on "*" or "?" inside a class, where Docker's
    # translation is a quirk: the walk reads them as the characters filepath.Match does.
    problems: list[Problem] = []
    patterns = parse_patterns(text, ".dockerignore", problems)
    assume(patterns and not _wildcard_in_class(text))

    pattern = patterns[0]

    assert pattern.matches(path) == (pattern.regex.fullmatch(path) is not None)


@fuzz(80)
@given(case=ci_files())
def test_generated_ci_files_read_and_detect(tmp_path: Path, case: tuple[str, str]) -> None:
    rel, text = case
    root = fresh(tmp_path, "ci")
    write(root, rel, text)

    started = time.monotonic()
    ci_file = read_ci_file(root, rel)

    assert time.monotonic() - started < 10
    assert_located(ci_file.problems, {rel})
    for step in ci_file.steps:
        assert step.line >= 1
    facts = ProjectFacts(root=root, ci_files=[ci_file], files=[rel])
    assert_no_detector_failed(detect(catalogue(), facts), facts)


def _review_document() -> dict[str, Any]:
    """A valid review document with one item of every part, to be damaged."""
    return {
        "format": "reviewtui-review",
        "version": 1,
        "project": "p",
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
        "scanned_at": "2026-01-01T00:00:00Z",
        "items": {
            "build.non-root-user": {
                "findings": [
                    {
                        "target": {"kind": "dockerfile", "path": "Dockerfile", "name": "x"},
                        "status": "fail",
                        "reason": "runs as root",
                        "evidence": [{"path": "Dockerfile", "line": 3, "snippet": "USER root"}],
                    }
                ],
                "answer": {
                    "verdict": "accepted_risk",
                    "reason": "r",
                    "note": "n",
                    "detected": "fail",
                    "updated": "2026-01-01T00:00:00Z",
                    "owner": "@o",
                    "due": "2027-01-31",
                },
            }
        },
        "problems": [{"path": "compose.yaml", "line": 2, "reason": "bad"}],
        "signoffs": [
            {
                "name": "Ada",
                "email": "ada@example.com",
                "role": "security",
                "decision": "approved",
                "time": "2026-01-01T00:00:00Z",
                "digest": "0" * 64,
            }
        ],
        "waivers": [
            {
                "item": "build.non-root-user",
                "source": "hadolint",
                "rule": "DL3002",
                "path": "Dockerfile",
                "line": 6,
                "reason": "r",
                "owner": "",
                "expires": "",
                "expired": False,
                "span": {"path": "Dockerfile", "first": 7, "last": 7},
            }
        ],
        "engines": [{"host": "default", "url": "unix:///x", "inspected_at": "t"}],
        "meetings": [
            {
                "started": "2026-01-01T00:00:00Z",
                "ended": "",
                "attendees": ["Ada"],
                "decisions": ["build.non-root-user"],
            }
        ],
    }


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a plain document, the document itself first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


_DOCUMENT_PATHS = _paths(_review_document())


@fuzz(150)
@given(
    damage=st.lists(
        st.tuples(st.sampled_from(_DOCUMENT_PATHS), st.one_of(_json_values(), _SCALARS)),
        min_size=1,
        max_size=3,
    ),
    keep_version=st.booleans(),
)
def test_damaged_review_documents_give_a_review_or_a_clear_error(
    tmp_path: Path, damage: list[tuple[tuple[Any, ...], Any]], keep_version: bool
) -> None:
    document: Any = _review_document()
    for path, value in damage:
        if keep_version and path in ((), ("format",), ("version",)):
            continue
        document = _replaced(document, path, value)
    file = fresh(tmp_path, "damaged") / "review.json"
    file.write_text(json.dumps(document), encoding="utf-8")

    try:
        review = store.load(file)
    except store.ReviewFileError as error:
        assert str(file) in str(error)
        assert "\n" not in str(error)
        return
    # What loads can be saved and loads again as the same review.
    store.save(review, file)
    again = store.load(file)
    assert store.to_text(again) == store.to_text(review)


@fuzz(40)
@given(
    damage=st.lists(
        st.tuples(
            st.sampled_from([p for p in _DOCUMENT_PATHS if len(p) > 1]),
            st.one_of(_json_values(), _SCALARS),
        ),
        min_size=1,
        max_size=2,
    )
)
def test_a_damaged_review_that_loads_can_be_shown_and_reported(
    tmp_path: Path, damage: list[tuple[tuple[Any, ...], Any]]
) -> None:
    document: Any = _review_document()
    for path, value in damage:
        document = _replaced(document, path, value)
    root = fresh(tmp_path, "shown")
    file = root / "review.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    try:
        review = store.load(file)
    except store.ReviewFileError:
        return

    session = ReviewSession(root, catalogue(), review, file, autosave=False)

    assert len(session.states()) == len(catalogue().items)
    assert len(session.digest()) == 64
    for checklist in catalogue().checklists:
        session.counts(checklist)
    for fmt in ("markdown", "json", "sarif"):
        assert render(session, fmt).strip()


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict) and head in document:
        return {**document, head: _replaced(document[head], rest, value)}
    if isinstance(document, list) and isinstance(head, int) and head < len(document):
        copy = list(document)
        copy[head] = _replaced(copy[head], rest, value)
        return copy
    return document


# --- the whole pipeline -------------------------------------------------------------------


@fuzz(15)
@given(
    dockerfile=dockerfile_texts(),
    compose=compose_texts(),
    daemon=daemon_texts(),
    ignore=dockerignore_texts(),
    ci=ci_files(),
    extra=_BYTES,
)
def test_the_whole_pipeline_runs_on_generated_projects(
    tmp_path: Path,
    dockerfile: str,
    compose: str,
    daemon: str,
    ignore: str,
    ci: tuple[str, str],
    extra: bytes,
) -> None:
    root = fresh(tmp_path, "project")
    files: dict[str, bytes | str] = {
        "Dockerfile": dockerfile,
        "compose.yaml": compose,
        "etc/docker/daemon.json": daemon,
        ".dockerignore": ignore,
        ci[0]: ci[1],
        "Dockerfile.bytes": extra,
        "docker-compose.override.yml": extra,
    }
    for rel, data in files.items():
        write(root, rel, data)

    facts = read_project(root)
    findings = detect(catalogue(), facts)

    assert_located(facts.problems, set(files) | {".env"})
    assert_no_detector_failed(findings, facts)
    session = ReviewSession(root, catalogue(), Review(project="p"), None, autosave=False)
    session.scan()
    for fmt in ("markdown", "json", "sarif"):
        report = render(session, fmt)
        assert report.strip()
        if fmt != "markdown":
            json.loads(report)
