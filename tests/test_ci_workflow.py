"""The GitHub workflow detectors: token permissions and script injection."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from reviewtui.detect.ci_checks import ci_script_injection, ci_token_permissions
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts

WORKFLOW = ".github/workflows/ci.yml"


def facts_of(tmp_path: Path, text: str, extra: dict[str, str] | None = None) -> ProjectFacts:
    files = {WORKFLOW: text, **(extra or {})}
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(content), encoding="utf-8")
    return read_project(tmp_path)


def only(findings: list[Finding]) -> Finding:
    (found,) = [f for f in findings if f.target.path == WORKFLOW]
    return found


PUSH_JOB = """\
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t ghcr.io/acme/app:1 .
      - run: docker push ghcr.io/acme/app:1
"""


# --- reader -------------------------------------------------------------------------------


def test_reader_records_events_and_permission_blocks(tmp_path: Path) -> None:
    text = """\
        name: ci
        on:
          pull_request:
          workflow_dispatch:
        permissions: {}
        jobs:
          publish:
            permissions:
              contents: read
              packages: write
            runs-on: ubuntu-latest
            steps: [{run: make}]
    """

    (ci,) = facts_of(tmp_path, text).ci_files

    assert ci.events == ("pull_request", "workflow_dispatch")
    assert ci.events_line == 2
    assert [(p.job, p.line, p.grants) for p in ci.permissions] == [
        ("", 5, "none"),
        ("publish", 8, "contents: read, packages: write"),
    ]


# --- ci_token_permissions -----------------------------------------------------------------


def test_pushing_workflow_without_permissions_fails_at_the_push(tmp_path: Path) -> None:
    result = only(ci_token_permissions(facts_of(tmp_path, "on: [push]\njobs:\n" + PUSH_JOB)))

    assert result.status is Status.FAIL
    assert result.reason == (
        "job publish pushes images with the repository's default token permissions "
        "(no permissions: block)"
    )
    assert result.evidence[0].line == 7


def test_workflow_permissions_pass(tmp_path: Path) -> None:
    text = "on: [push]\npermissions:\n  contents: read\n  packages: write\njobs:\n" + PUSH_JOB

    result = only(ci_token_permissions(facts_of(tmp_path, text)))

    assert result.status is Status.PASS
    assert result.reason == (
        "pushes images with permissions set for the whole workflow (write to 1 scope(s))"
    )
    assert result.evidence[0].line == 2


def test_job_permissions_on_the_pushing_job_pass(tmp_path: Path) -> None:
    grants = "    permissions:\n      packages: write\n      id-token: write\n"
    job = PUSH_JOB.replace("    runs-on:", grants + "    runs-on:")

    result = only(ci_token_permissions(facts_of(tmp_path, "on: [push]\njobs:\n" + job)))

    assert result.status is Status.PASS
    assert result.reason == (
        "every job that pushes images sets its own permissions (write to 2 scope(s))"
    )
    assert result.evidence[0].line == 4


def test_write_all_fails_even_without_a_push(tmp_path: Path) -> None:
    text = "on: [push]\npermissions: write-all\njobs:\n  test:\n    steps: [{run: make}]\n"

    result = only(ci_token_permissions(facts_of(tmp_path, text)))

    assert result.status is Status.FAIL
    assert result.evidence[0].line == 2
    assert result.evidence[0].snippet == "permissions: write-all"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("on: [push]\njobs:\n  test:\n    steps: [{run: make}]\n", "pushes no images"),
        (
            "on: workflow_call\njobs:\n" + PUSH_JOB,
            "reusable workflow: it runs with its caller's token",
        ),
    ],
)
def test_permissions_not_applicable(tmp_path: Path, text: str, reason: str) -> None:
    result = only(ci_token_permissions(facts_of(tmp_path, text)))

    assert (result.status, result.reason) == (Status.NOT_APPLICABLE, reason)


# --- ci_script_injection ------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "github.event.pull_request.title",
        "github.event.issue.body",
        "github.event.comment.body",
        "github.head_ref",
        "github.event.pull_request.head.ref",
        "github.event.head_commit.message",
        "github.event.commits[0].author.email",
        "github.event.workflow_run.head_branch",
    ],
)
def test_untrusted_event_field_in_run_fails(tmp_path: Path, expression: str) -> None:
    text = f"""\
        on: [pull_request_target]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo start
                  echo "${{{{ {expression} }}}}"
    """

    result = only(ci_script_injection(facts_of(tmp_path, text)))

    assert result.status is Status.FAIL
    assert result.reason == f"a run script pastes {expression}, which an outsider can write"
    assert result.evidence[0].line == 8


@pytest.mark.parametrize(
    "expression",
    ["github.event.pull_request.number", "github.sha", "github.event.repository.name"],
)
def test_trusted_fields_in_run_pass(tmp_path: Path, expression: str) -> None:
    text = f"""\
        on: [pull_request]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{{{ {expression} }}}}"
    """

    result = only(ci_script_injection(facts_of(tmp_path, text)))

    assert result.status is Status.PASS
    assert result.evidence[0].line == 6


def test_github_script_input_is_a_script(tmp_path: Path) -> None:
    text = """\
        on: [issues]
        jobs:
          triage:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/github-script@v7
                with:
                  script: |
                    console.log("${{ github.event.issue.title }}")
    """

    result = only(ci_script_injection(facts_of(tmp_path, text)))

    assert result.status is Status.FAIL
    assert result.evidence[0].line == 8


def test_unsecure_commands_fail(tmp_path: Path) -> None:
    text = """\
        on: [push]
        env:
          ACTIONS_ALLOW_UNSECURE_COMMANDS: true
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: make
              - run: make test
    """

    result = only(ci_script_injection(facts_of(tmp_path, text)))

    assert result.status is Status.FAIL
    assert result.reason == "ACTIONS_ALLOW_UNSECURE_COMMANDS turns log commands back on"
    assert [e.line for e in result.evidence] == [3]


def test_workflow_without_scripts_is_not_applicable(tmp_path: Path) -> None:
    text = "on: [push]\njobs:\n  lint:\n    steps:\n      - uses: actions/checkout@v4\n"

    result = only(ci_script_injection(facts_of(tmp_path, text)))

    assert (result.status, result.reason) == (Status.NOT_APPLICABLE, "runs no scripts")
