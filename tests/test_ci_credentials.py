"""The credential detectors: registry logins, literal credentials, secrets in build args."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from reviewtui.detect.ci_checks import ci_build_secrets, ci_registry_credentials
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts

WORKFLOW = ".github/workflows/ci.yml"


def project(tmp_path: Path, files: dict[str, str]) -> ProjectFacts:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return read_project(tmp_path)


def gitlab(script: str, variables: str = "") -> dict[str, str]:
    """A GitLab pipeline with one job running ``script`` (one command per line)."""
    lines = "".join(f"    - {line}\n" for line in dedent(script).strip().splitlines())
    head = f"variables:\n{variables}" if variables else ""
    return {".gitlab-ci.yml": f"{head}job:\n  script:\n{lines}"}


def only(findings: list[Finding], path: str = ".gitlab-ci.yml") -> Finding:
    found = [f for f in findings if f.target.path == path]
    assert len(found) == 1, [(f.target.path, f.status, f.reason) for f in findings]
    return found[0]


# --- ci_registry_credentials --------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [
        "docker login -u ci -p $REGISTRY_PASSWORD registry.example.com",
        "docker login --password=$REGISTRY_PASSWORD -u ci registry.example.com",
        'podman login -u ci -p"$REGISTRY_PASSWORD" quay.io',
        "helm registry login -u ci --password $TOKEN ghcr.io",
    ],
)
def test_password_on_the_login_command_line_fails(tmp_path: Path, login: str) -> None:
    result = only(ci_registry_credentials(project(tmp_path, gitlab(login))))

    assert result.status is Status.FAIL
    assert result.reason == "a registry password on the command line (login -p)"
    assert result.evidence[0].line == 3


@pytest.mark.parametrize(
    "login",
    [
        'echo "$REGISTRY_PASSWORD" | docker login -u ci --password-stdin registry.example.com',
        "docker login -u ci --password-stdin registry.example.com < token.txt",
    ],
)
def test_password_stdin_passes(tmp_path: Path, login: str) -> None:
    result = only(ci_registry_credentials(project(tmp_path, gitlab(login))))

    assert result.status is Status.PASS
    assert result.reason.startswith("logs in without a password on the command line")
    assert result.evidence[0].line == 3


def test_literal_credential_fails_and_is_masked_in_evidence(tmp_path: Path) -> None:
    files = gitlab(
        "docker build -t app .",
        variables='  REGISTRY_PASSWORD: "Sup3rS3cretRegistryPw"\n  APP_NAME: shop\n',
    )

    result = only(ci_registry_credentials(project(tmp_path, files)))

    assert result.status is Status.FAIL
    assert result.reason == "literal credential value(s) for REGISTRY_PASSWORD"
    assert len(result.evidence) == 1  # global variables reach every job, but are one line
    assert result.evidence[0].line == 2
    assert "Sup3rS3cret" not in result.evidence[0].snippet
    assert "****" in result.evidence[0].snippet


def test_token_under_any_name_is_a_literal_credential(tmp_path: Path) -> None:
    files = {
        WORKFLOW: """\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                env:
                  DEPLOY_KEY_HINT: ghp_abcdefghijklmnopqrstuvwxyz0123456789
                steps:
                  - run: make
        """
    }

    result = only(ci_registry_credentials(project(tmp_path, files)), WORKFLOW)

    assert result.status is Status.FAIL
    assert "ghp_" not in result.evidence[0].snippet


@pytest.mark.parametrize(
    "value",
    [
        "${{ secrets.REGISTRY_TOKEN }}",
        "$(registryToken)",
        "$REGISTRY_TOKEN",
        "<< pipeline.parameters.token >>",
        '""',
    ],
)
def test_references_are_not_literal_credentials(tmp_path: Path, value: str) -> None:
    files = {
        WORKFLOW: f"""\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/login-action@v3
                    with:
                      registry: ghcr.io
                      password: {value}
        """
    }

    result = only(ci_registry_credentials(project(tmp_path, files)), WORKFLOW)

    assert result.status is Status.PASS, result.reason
    assert result.evidence[0].line == 6


def test_throwaway_service_password_is_not_a_leak(tmp_path: Path) -> None:
    files = gitlab("pytest", variables="  POSTGRES_PASSWORD: postgres\n")

    result = only(ci_registry_credentials(project(tmp_path, files)))

    assert result.status is Status.NOT_APPLICABLE


# --- ci_build_secrets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "name"),
    [
        ("docker build --build-arg NPM_TOKEN=$NPM_TOKEN -t app .", "NPM_TOKEN"),
        ("docker build --build-arg NPM_TOKEN -t app .", "NPM_TOKEN"),
        ("docker buildx build --build-arg=AUTH=$CI_JOB_TOKEN -t app .", "AUTH"),
        ('docker build --build-arg "PIP_INDEX_URL=${PYPI_TOKEN}" -t app .', "PIP_INDEX_URL"),
    ],
)
def test_secret_build_arg_fails(tmp_path: Path, build: str, name: str) -> None:
    result = only(ci_build_secrets(project(tmp_path, gitlab(build))))

    assert result.status is Status.FAIL
    assert (
        result.reason == f"passes {name} to the build as a build argument, which the image keeps"
    )
    assert result.evidence[0].line == 3


def test_build_push_action_build_args_with_a_secret_fail(tmp_path: Path) -> None:
    files = {
        WORKFLOW: """\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/build-push-action@v6
                    with:
                      build-args: |
                        VERSION=${{ github.sha }}
                        GH_TOKEN=${{ secrets.GITHUB_TOKEN }}
        """
    }

    result = only(ci_build_secrets(project(tmp_path, files)), WORKFLOW)

    assert result.status is Status.FAIL
    assert "GH_TOKEN" in result.reason
    assert result.evidence[0].line == 8


def test_build_push_action_secrets_input_passes(tmp_path: Path) -> None:
    files = {
        WORKFLOW: """\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/build-push-action@v6
                    with:
                      build-args: VERSION=1.2.3
                      secrets: |
                        npm=${{ secrets.NPM_TOKEN }}
        """
    }

    result = only(ci_build_secrets(project(tmp_path, files)), WORKFLOW)

    assert (result.status, result.reason) == (
        Status.PASS,
        "passes build secrets as secret mounts (--secret)",
    )
    assert result.evidence[0].line == 9


def test_plain_build_args_pass_at_the_build_line(tmp_path: Path) -> None:
    files = gitlab("docker build --build-arg VERSION=$CI_COMMIT_SHA -t app .")

    result = only(ci_build_secrets(project(tmp_path, files)))

    assert (result.status, result.reason) == (
        Status.PASS,
        "passes no secret to the build as a build argument",
    )
    assert result.evidence[0].line == 3
