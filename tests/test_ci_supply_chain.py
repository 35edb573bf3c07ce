"""The CI reader's images and the pinning detectors: actions by SHA, job images by tag
and digest."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from reviewtui.detect.ci_checks import ci_actions_pinned, ci_job_image_digest, ci_job_image_tag
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.project.ci import CIKind
from reviewtui.project.facts import ProjectFacts

WORKFLOW = ".github/workflows/ci.yml"
SHA = "e468171a9de216ec08956ac3ada2f0791b6bd435"


def project(tmp_path: Path, files: dict[str, str]) -> ProjectFacts:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return read_project(tmp_path)


def workflow_using(*uses: str) -> str:
    steps = "".join(f"      - uses: {ref}\n" for ref in uses)
    return f"on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"


def only(findings: list[Finding], path: str) -> Finding:
    found = [f for f in findings if f.target.path == path]
    assert len(found) == 1, [(f.target.path, f.status, f.reason) for f in findings]
    return found[0]


# --- reader: job and service images -------------------------------------------------------


def test_reader_collects_job_and_service_images_of_each_ci_system(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: """\
                on: [push]
                jobs:
                  test:
                    runs-on: ubuntu-latest
                    container:
                      image: node:20.15.1
                    services:
                      db:
                        image: postgres
                    steps:
                      - run: npm test
            """,
            ".gitlab-ci.yml": """\
                image: {name: "python:3.12", entrypoint: [""]}
                test:
                  services: [redis:7, {name: "postgres:16", alias: db}]
                  script: [pytest]
            """,
            ".circleci/config.yml": """\
                version: 2.1
                jobs:
                  test:
                    docker:
                      - image: cimg/python:3.12
                      - image: cimg/postgres:16.3
                    steps: [checkout]
            """,
            "azure-pipelines.yml": """\
                resources:
                  containers:
                    - container: py
                      image: python:3.12
                jobs:
                  - job: a
                    container: py
                  - job: b
                    container: ubuntu
            """,
            "bitbucket-pipelines.yml": """\
                image: node:20
                pipelines:
                  default:
                    - step:
                        name: test
                        image: python:3.12
                        script:
                          - pytest
            """,
        },
    )

    images = {
        ci.path: [(i.reference, i.line, i.job, i.role) for i in ci.images] for ci in facts.ci_files
    }

    assert images[WORKFLOW] == [
        ("node:20.15.1", 6, "test", "job"),
        ("postgres", 9, "test", "service"),
    ]
    assert images[".gitlab-ci.yml"] == [
        ("python:3.12", 1, "", "job"),
        ("redis:7", 3, "test", "service"),
        ("postgres:16", 3, "test", "service"),
    ]
    assert images[".circleci/config.yml"] == [
        ("cimg/python:3.12", 5, "test", "job"),
        ("cimg/postgres:16.3", 6, "test", "service"),
    ]
    # The alias `py` is not an image; `ubuntu` is.
    assert images["azure-pipelines.yml"] == [
        ("python:3.12", 4, "py", "job"),
        ("ubuntu", 9, "b", "job"),
    ]
    assert images["bitbucket-pipelines.yml"] == [
        ("node:20", 1, "", "job"),
        ("python:3.12", 6, "test", "job"),
    ]


def test_bitbucket_steps_and_pipes_are_read(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            "bitbucket-pipelines.yml": """\
                pipelines:
                  branches:
                    main:
                      - parallel:
                          - step:
                              name: build
                              script:
                                - docker build -t app .
                                - pipe: atlassian/aws-ecr-push-image:2.4.2
                                  variables:
                                    IMAGE_NAME: app
            """
        },
    )

    (ci,) = facts.ci_files
    assert ci.kind is CIKind.BITBUCKET
    assert [(s.line, s.job, s.uses, [c.text for c in s.commands]) for s in ci.steps] == [
        (5, "build", "", ["docker build -t app ."]),
        (9, "build", "atlassian/aws-ecr-push-image:2.4.2", []),
    ]
    assert ci.steps[1].inputs["IMAGE_NAME"].value == "app"


# --- ci_actions_pinned --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uses", "status", "reason"),
    [
        (
            [f"docker/build-push-action@{SHA}"],
            Status.PASS,
            "every third-party action is pinned by commit SHA (1)",
        ),
        (
            ["actions/checkout@v4", "github/codeql-action/upload-sarif@v3"],
            Status.PASS,
            "uses only GitHub's own actions, which may be pinned by tag",
        ),
        (
            ["actions/checkout@v4", "docker/login-action@v3"],
            Status.FAIL,
            "1 action(s) not pinned by commit SHA: docker/login-action@v3",
        ),
        (
            ["docker/login-action@e468171"],  # a short SHA can be made to collide
            Status.FAIL,
            "1 action(s) not pinned by commit SHA: docker/login-action@e468171",
        ),
        (
            ["docker/login-action@main"],
            Status.FAIL,
            "1 action(s) not pinned by commit SHA: docker/login-action@main",
        ),
        (
            ["docker://alpine:3.20"],
            Status.FAIL,
            "1 action(s) not pinned by commit SHA: docker://alpine:3.20",
        ),
        (
            ["docker://alpine:3.20@sha256:" + "ab" * 32],
            Status.PASS,
            "every third-party action is pinned by commit SHA (1)",
        ),
        (
            ["./.github/actions/build"],
            Status.NOT_APPLICABLE,
            "uses no actions from other repositories",
        ),
    ],
)
def test_action_pinning(tmp_path: Path, uses: list[str], status: Status, reason: str) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow_using(*uses)})

    result = only(ci_actions_pinned(facts), WORKFLOW)

    assert (result.status, result.reason) == (status, reason)
    if status is not Status.NOT_APPLICABLE:
        assert result.evidence[0].path == WORKFLOW
        assert result.evidence[0].snippet.startswith("- uses:")


def test_unpinned_actions_are_each_evidence_at_their_uses_line(tmp_path: Path) -> None:
    text = workflow_using(
        "actions/checkout@v4", "docker/login-action@v3", "docker/metadata-action@v5"
    )

    result = only(ci_actions_pinned(project(tmp_path, {WORKFLOW: text})), WORKFLOW)

    assert result.status is Status.FAIL
    assert [e.line for e in result.evidence] == [7, 8]
    assert "docker/login-action@v3, docker/metadata-action@v5" in result.reason


def test_reusable_workflow_from_another_repository_must_be_pinned(tmp_path: Path) -> None:
    text = """\
        on: [push]
        jobs:
          release:
            uses: acme/workflows/.github/workflows/release.yml@v1
          local:
            uses: ./.github/workflows/local.yml
    """

    result = only(ci_actions_pinned(project(tmp_path, {WORKFLOW: text})), WORKFLOW)

    assert result.status is Status.FAIL
    assert result.evidence[0].line == 4


def test_actions_inside_a_local_composite_action_count(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: workflow_using("./.github/actions/setup"),
            ".github/actions/setup/action.yml": """\
                runs:
                  using: composite
                  steps:
                    - uses: azure/setup-helm@v4
            """,
        },
    )

    result = only(ci_actions_pinned(facts), WORKFLOW)

    assert result.status is Status.FAIL
    assert result.evidence[0].path == ".github/actions/setup/action.yml"
    assert result.evidence[0].line == 4


def test_non_github_ci_is_not_applicable_for_actions(tmp_path: Path) -> None:
    facts = project(tmp_path, {".gitlab-ci.yml": "build:\n  script: [docker build .]\n"})

    result = only(ci_actions_pinned(facts), ".gitlab-ci.yml")

    assert result.status is Status.NOT_APPLICABLE


# --- ci_job_image_tag and ci_job_image_digest ---------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag_status", "digest_status"),
    [
        ("python:3.12.4-slim", Status.PASS, Status.FAIL),
        ("python", Status.FAIL, Status.FAIL),
        ("python:latest", Status.FAIL, Status.FAIL),
        ("registry.example.com:5000/tools/python", Status.FAIL, Status.FAIL),
        ("registry.example.com:5000/tools/python:3.12", Status.PASS, Status.FAIL),
        ("python@sha256:" + "ab" * 32, Status.PASS, Status.PASS),
        ("python:latest@sha256:" + "ab" * 32, Status.PASS, Status.PASS),
        ("$CI_REGISTRY_IMAGE/builder:1.2", Status.PASS, Status.FAIL),
        ("$CI_REGISTRY_IMAGE/builder:$BUILDER_TAG", Status.UNKNOWN, Status.UNKNOWN),
        ("$BUILDER_IMAGE", Status.UNKNOWN, Status.UNKNOWN),
    ],
)
def test_job_image_tag_and_digest(
    tmp_path: Path, image: str, tag_status: Status, digest_status: Status
) -> None:
    facts = project(tmp_path, {".gitlab-ci.yml": f'image: "{image}"\ntest:\n  script: [pytest]\n'})

    tag = only(ci_job_image_tag(facts), ".gitlab-ci.yml")
    digest = only(ci_job_image_digest(facts), ".gitlab-ci.yml")

    assert (tag.status, digest.status) == (tag_status, digest_status), (tag.reason, digest.reason)
    assert tag.evidence[0].line == 1 and digest.evidence[0].line == 1


def test_github_expression_image_is_unknown(tmp_path: Path) -> None:
    text = """\
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                image: ["python:3.11", "python:3.12"]
            container: ${{ matrix.image }}
            steps:
              - run: pytest
    """

    result = only(ci_job_image_tag(project(tmp_path, {WORKFLOW: text})), WORKFLOW)

    assert result.status is Status.UNKNOWN
    assert result.reason == "1 image(s) whose tag comes from a variable: ${{ matrix.image }}"


def test_untagged_service_fails_and_lists_every_image(tmp_path: Path) -> None:
    text = """\
        version: 2.1
        jobs:
          test:
            docker:
              - image: cimg/python:3.12
              - image: redis
              - image: postgres:latest
            steps: [checkout]
    """

    result = only(
        ci_job_image_tag(project(tmp_path, {".circleci/config.yml": text})), ".circleci/config.yml"
    )

    assert result.status is Status.FAIL
    assert result.reason == "2 untagged or `latest` image(s): redis, postgres:latest"
    assert [e.line for e in result.evidence] == [6, 7]


def test_no_job_images_is_not_applicable(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow_using("actions/checkout@v4")})

    assert only(ci_job_image_tag(facts), WORKFLOW).status is Status.NOT_APPLICABLE
    assert only(ci_job_image_digest(facts), WORKFLOW).status is Status.NOT_APPLICABLE
