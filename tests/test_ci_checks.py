"""The CI file reader and the CI detectors: scanning, its gate, linting, signing, SBOMs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from reviewtui.checklists import load_catalogue
from reviewtui.detect.ci_checks import (
    DETECTORS,
    ci_dockerfile_lint,
    ci_image_scanning,
    ci_image_signing,
    ci_sbom_provenance,
    ci_scan_gate,
)
from reviewtui.detect.engine import detect
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project
from reviewtui.project.ci import CIKind, ci_kind, read_ci_file
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
WORKFLOW = ".github/workflows/ci.yml"

BUILD_STEPS = """\
name: ci
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t app:ci .
"""


def project(tmp_path: Path, files: dict[str, str]) -> ProjectFacts:
    """Write the files (dedented) under ``tmp_path`` and read the project."""
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return read_project(tmp_path)


def finding(detector: Detector, facts: ProjectFacts, path: str = WORKFLOW) -> Finding:
    """The detector's one finding for the CI file at ``path``."""
    found = [f for f in detector(facts) if f.target.path == path]
    assert len(found) == 1, [(f.target.path, f.status, f.reason) for f in detector(facts)]
    return found[0]


def workflow(extra_steps: str) -> str:
    """A GitHub workflow that builds an image, followed by ``extra_steps`` (indented)."""
    return BUILD_STEPS + "".join(f"      {line}\n" for line in dedent(extra_steps).splitlines())


# --- reader -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        (".github/workflows/release.yaml", CIKind.GITHUB),
        (".gitlab-ci.yml", CIKind.GITLAB),
        ("Jenkinsfile", CIKind.JENKINS),
        ("Jenkinsfile.release", CIKind.JENKINS),
        ("azure-pipelines.yml", CIKind.AZURE),
        (".circleci/config.yml", CIKind.CIRCLECI),
        ("bitbucket-pipelines.yml", CIKind.BITBUCKET),
        (".drone.yml", CIKind.OTHER),
    ],
)
def test_kind_comes_from_the_path(rel: str, kind: CIKind) -> None:
    assert ci_kind(rel) is kind


def test_github_steps_carry_uses_commands_inputs_and_lines(tmp_path: Path) -> None:
    text = """\
        name: ci
        on: [push]
        env:
          REGISTRY: ghcr.io
        jobs:
          build:
            runs-on: ubuntu-latest
            env:
              IMAGE: app
            steps:
              - uses: actions/checkout@v4
              - name: Build
                run: |
                  echo start
                  docker build \\
                    -t app:1 .
              - uses: aquasecurity/trivy-action@0.28.0
                continue-on-error: true
                env:
                  TRIVY_SEVERITY: CRITICAL
                with:
                  exit-code: "1"
    """
    project(tmp_path, {WORKFLOW: text})

    ci_file = read_ci_file(tmp_path, WORKFLOW)

    assert ci_file.kind is CIKind.GITHUB and ci_file.problems == []
    checkout, build, scan = ci_file.steps
    assert (checkout.uses, checkout.line, checkout.job) == ("actions/checkout@v4", 11, "build")
    assert [(c.line, c.text) for c in build.commands] == [
        (14, "echo start"),
        (15, "docker build  -t app:1 ."),
    ]
    assert scan.action == "aquasecurity/trivy-action" and scan.may_fail
    assert (scan.inputs["exit-code"].value, scan.inputs["exit-code"].line) == ("1", 22)
    assert sorted(scan.env) == ["IMAGE", "REGISTRY", "TRIVY_SEVERITY"]
    assert ci_file.line_text(WORKFLOW, 15) == "docker build \\"


def test_github_local_action_is_read_and_reusable_workflow_called(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            WORKFLOW: """\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: ./.github/actions/publish
              scan:
                uses: ./.github/workflows/scan.yml
        """,
            ".github/actions/publish/action.yml": """\
            runs:
              using: composite
              steps:
                - run: docker push app:1
                  shell: bash
        """,
        },
    )

    ci_file = read_ci_file(tmp_path, WORKFLOW)

    assert ci_file.calls == [".github/workflows/scan.yml"]
    pushed = [s for s in ci_file.steps if s.commands]
    assert pushed[0].path == ".github/actions/publish/action.yml"
    assert (pushed[0].commands[0].line, pushed[0].shell) == (4, "bash")


def test_gitlab_jobs_includes_and_variables(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            ".gitlab-ci.yml": """\
            include:
              - template: Jobs/Container-Scanning.gitlab-ci.yml
              - local: /ci/*.yml
            variables:
              TRIVY_EXIT_CODE: "1"
            build:
              script:
                - docker build -t "$IMAGE" .
                - !reference [.setup, script]
                - >
                  docker push
                  "$IMAGE"
              allow_failure: true
        """,
            "ci/scan.yml": 'scan:\n  script: trivy image "$IMAGE"\n',
        },
    )

    ci_file = read_ci_file(tmp_path, ".gitlab-ci.yml")

    by_job = {step.job or step.uses: step for step in ci_file.steps}
    assert by_job["template:Jobs/Container-Scanning.gitlab-ci.yml"].line == 2
    build = by_job["build"]
    assert [(c.line, c.text) for c in build.commands] == [
        (8, 'docker build -t "$IMAGE" .'),
        (11, 'docker push "$IMAGE"'),
    ]
    assert build.may_fail
    scan = by_job["scan"]
    assert scan.path == "ci/scan.yml" and scan.commands[0].line == 2
    assert scan.env["TRIVY_EXIT_CODE"].value == "1"


def test_azure_and_circleci_steps(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "azure-pipelines.yml": """\
            stages:
              - stage: build
                jobs:
                  - job: image
                    steps:
                      - task: Docker@2
                        inputs:
                          repository: acme/app
                      - bash: trivy image acme/app
                        continueOnError: true
        """,
            ".circleci/config.yml": """\
            version: 2.1
            jobs:
              build:
                docker: [{image: cimg/base:2024.01}]
                steps:
                  - checkout
                  - run:
                      name: build
                      command: docker build -t app .
            workflows:
              main:
                jobs:
                  - build
                  - docker/publish:
                      image: acme/app
        """,
        },
    )

    azure = read_ci_file(tmp_path, "azure-pipelines.yml")
    circleci = read_ci_file(tmp_path, ".circleci/config.yml")

    task, script = azure.steps
    assert (task.uses, task.job, task.line) == ("Docker@2", "image", 6)
    assert script.may_fail and script.commands[0].text == "trivy image acme/app"
    assert [(s.job, s.uses or s.commands[0].text) for s in circleci.steps] == [
        ("build", "checkout"),
        ("build", "docker build -t app ."),
        ("docker/publish", "docker/publish"),
    ]


def test_jenkinsfile_is_read_line_by_line_without_comments(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "Jenkinsfile": """\
            pipeline {
              stages {
                stage('image') {
                  steps {
                    // sh 'cosign sign app'
                    sh 'docker build -t app .'
                  }
                }
              }
            }
        """,
        },
    )

    ci_file = read_ci_file(tmp_path, "Jenkinsfile")

    texts = {c.text: c.line for s in ci_file.steps for c in s.commands}
    assert texts["sh 'docker build -t app .'"] == 6
    assert not any("cosign" in text for text in texts)


def test_broken_yaml_becomes_a_problem_and_is_read_line_by_line(tmp_path: Path) -> None:
    text = "jobs:\n  build:\n\tsteps:\n      - run: docker build .\n      - uses: x/y@v1\n"
    facts = project(tmp_path, {WORKFLOW: text})

    ci_file = facts.ci_files[0]

    assert ci_file.data is None
    assert [(p.path, p.line) for p in ci_file.problems] == [(WORKFLOW, 3)]
    assert "invalid YAML" in ci_file.problems[0].reason
    assert any(step.uses == "x/y@v1" and step.line == 5 for step in ci_file.steps)
    assert finding(ci_image_scanning, facts).evidence[0].line == 4


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("jobs:\n  build:\n    steps:\n      - run: echo \x1b[1m\n", 4),
        ("jobs:\n  build:\n    runs-on: a\n    runs-on: b\n", 4),
        ("on: push\njobs:\n  build:\n    env:\n      DAY: 2024-02-31\n", 5),
    ],
)
def test_every_yaml_error_names_its_line_on_one_line(tmp_path: Path, text: str, line: int) -> None:
    facts = project(tmp_path, {WORKFLOW: text})

    problems = facts.ci_files[0].problems

    assert [(p.path, p.line) for p in problems] == [(WORKFLOW, line)]
    reason = problems[0].reason
    assert reason.startswith("invalid YAML, read line by line: ")
    assert "\n" not in reason and "<unicode string>" not in reason


def test_unreadable_file_is_a_problem_not_an_error(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_bytes(b"build:\0\n")

    ci_file = read_ci_file(tmp_path, ".gitlab-ci.yml")

    assert ci_file.steps == [] and ci_file.problems[0].reason.startswith("binary file")


# --- which files the detectors answer for -------------------------------------------------


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_no_ci_files_means_no_findings(tmp_path: Path, name: str) -> None:
    facts = project(tmp_path, {"Dockerfile": "FROM alpine:3.20\n"})

    assert DETECTORS[name](facts) == []


BUILD_DETECTORS = [
    "ci_image_scanning",
    "ci_scan_gate",
    "ci_dockerfile_lint",
    "ci_image_signing",
    "ci_sbom_provenance",
    "ci_build_secrets",
]


@pytest.mark.parametrize("name", BUILD_DETECTORS)
def test_ci_file_that_builds_nothing_is_not_applicable(tmp_path: Path, name: str) -> None:
    facts = project(tmp_path, {".gitlab-ci.yml": "test:\n  script:\n    - pytest\n"})

    (result,) = DETECTORS[name](facts)

    assert result.status is Status.NOT_APPLICABLE
    assert result.target.kind is TargetKind.CI and result.target.path == ".gitlab-ci.yml"
    assert result.reason == "does not build container images"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ci_actions_pinned", "not a GitHub Actions workflow"),
        ("ci_job_image_tag", "names no job or service images"),
        ("ci_job_image_digest", "names no job or service images"),
        ("ci_registry_credentials", "logs in to no registry and names no credentials"),
        ("ci_token_permissions", "not a GitHub Actions workflow"),
        ("ci_script_injection", "not a GitHub Actions workflow"),
    ],
)
def test_ci_file_without_the_subject_is_not_applicable(
    tmp_path: Path, name: str, reason: str
) -> None:
    facts = project(tmp_path, {".gitlab-ci.yml": "test:\n  script:\n    - pytest\n"})

    (result,) = DETECTORS[name](facts)

    assert (result.status, result.reason) == (Status.NOT_APPLICABLE, reason)


def test_every_ci_detector_is_covered_by_an_applicability_test() -> None:
    assert set(DETECTORS) == set(BUILD_DETECTORS) | {
        "ci_actions_pinned",
        "ci_job_image_tag",
        "ci_job_image_digest",
        "ci_registry_credentials",
        "ci_token_permissions",
        "ci_script_injection",
    }


@pytest.mark.parametrize(
    "command",
    [
        "docker buildx build --push -t app .",
        "docker image build -t app .",
        "docker compose -f compose.yaml build",
        "podman build -t app .",
        "buildah bud -t app .",
        "/kaniko/executor --context . --destination registry/app:1",
        "./mvnw compile jib:build",
    ],
)
def test_build_commands_are_recognised(tmp_path: Path, command: str) -> None:
    facts = project(tmp_path, {".gitlab-ci.yml": f"build:\n  script:\n    - {command}\n"})

    result = finding(ci_image_scanning, facts, ".gitlab-ci.yml")

    assert result.status is Status.FAIL
    assert result.evidence[0].line == 3


# --- ci_image_scanning --------------------------------------------------------------------


def test_grype_on_the_command_line_scans(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow("- run: grype app:ci --fail-on high")})

    result = finding(ci_image_scanning, facts)

    assert (result.status, result.reason) == (Status.PASS, "grype scans for vulnerabilities")
    assert result.evidence[0].line == 9


def test_installing_a_scanner_is_not_scanning(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow("- run: sudo apt-get install -y trivy")})

    result = finding(ci_image_scanning, facts)

    assert result.status is Status.FAIL
    assert result.reason.startswith("builds images but runs no vulnerability scanner")
    assert (result.evidence[0].line, result.evidence[0].snippet) == (
        8,
        "- run: docker build -t app:ci .",
    )


def test_scan_in_another_workflow_counts_and_is_named(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: BUILD_STEPS,
            ".github/workflows/nightly.yml": """\
            on:
              schedule: [{cron: "0 3 * * *"}]
            jobs:
              scan:
                runs-on: ubuntu-latest
                steps:
                  - run: docker scout cves --exit-code ghcr.io/acme/app:main
        """,
        },
    )

    result = finding(ci_image_scanning, facts)

    assert result.status is Status.PASS
    assert result.reason == (
        "docker scout scans for vulnerabilities (in .github/workflows/nightly.yml)"
    )
    assert result.evidence[0].path == ".github/workflows/nightly.yml"
    assert finding(ci_scan_gate, facts).status is Status.PASS


def test_trivy_config_alone_is_not_a_vulnerability_scan(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow("- run: trivy config --exit-code 1 .")})

    assert finding(ci_image_scanning, facts).status is Status.FAIL
    lint = finding(ci_dockerfile_lint, facts)
    assert lint.status is Status.FAIL
    assert lint.reason.endswith("; trivy config checks Dockerfiles for misconfigurations")


# --- ci_scan_gate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "status", "reason"),
    [
        (
            "- run: trivy image --exit-code 1 --severity CRITICAL,HIGH app:ci",
            Status.PASS,
            "trivy image fails the build on critical findings: --exit-code 1 with --severity "
            "CRITICAL,HIGH",
        ),
        (
            "- run: trivy image --exit-code=1 app:ci",
            Status.PASS,
            "trivy image fails the build on critical findings: --exit-code 1 on findings of "
            "any severity",
        ),
        (
            "- run: trivy image --exit-code 1 --severity HIGH app:ci",
            Status.FAIL,
            "trivy image reports but never fails the build: --exit-code 1 applies only to "
            "HIGH, not to CRITICAL",
        ),
        (
            "- run: trivy image app:ci",
            Status.FAIL,
            "trivy image reports but never fails the build: no --exit-code, so trivy exits 0 "
            "whatever it finds",
        ),
        (
            "- run: trivy image --exit-code 1 app:ci || true",
            Status.FAIL,
            "trivy image reports but never fails the build: `|| true` after the scan discards "
            "its exit code",
        ),
        (
            "- run: trivy image --exit-code 1 app:ci | tee trivy.txt",
            Status.FAIL,
            "trivy image reports but never fails the build: the scan is piped into another "
            "command without pipefail, which discards its exit code",
        ),
        (
            "- run: trivy image --exit-code 1 app:ci | tee trivy.txt\n  shell: bash",
            Status.PASS,
            "trivy image fails the build on critical findings: --exit-code 1 on findings of "
            "any severity",
        ),
        (
            "- run: trivy image --exit-code $CODE app:ci",
            Status.UNKNOWN,
            "trivy image: --exit-code $CODE: the exit code comes from a variable the files do "
            "not settle",
        ),
        (
            "- run: grype app:ci --fail-on high",
            Status.PASS,
            "grype fails the build on critical findings: --fail-on high",
        ),
        (
            "- run: grype app:ci -o sarif",
            Status.FAIL,
            "grype reports but never fails the build: no --fail-on, so grype exits 0 whatever "
            "it finds",
        ),
        (
            "- run: docker scout cves --exit-code --only-severity critical,high app:ci",
            Status.PASS,
            "docker scout fails the build on critical findings: --exit-code with "
            "--only-severity critical,high",
        ),
        (
            "- run: docker scout cves app:ci",
            Status.FAIL,
            "docker scout reports but never fails the build: no --exit-code, so docker scout "
            "exits 0 whatever it finds",
        ),
        (
            "- run: snyk container test app:ci",
            Status.PASS,
            "snyk fails the build on critical findings: snyk container test exits non-zero on "
            "vulnerabilities",
        ),
        (
            "- run: snyk container monitor app:ci",
            Status.FAIL,
            "snyk reports but never fails the build: snyk container monitor only records a "
            "snapshot",
        ),
    ],
)
def test_scan_gate_on_the_command_line(
    tmp_path: Path, step: str, status: Status, reason: str
) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(step)})

    result = finding(ci_scan_gate, facts)

    assert (result.status, result.reason) == (status, reason)
    assert result.evidence[0].line == 9


@pytest.mark.parametrize(
    ("step", "status", "reason"),
    [
        (
            """\
         - uses: aquasecurity/trivy-action@0.28.0
           with:
             image-ref: app:ci
             exit-code: "1"
             severity: CRITICAL,HIGH
         """,
            Status.PASS,
            "aquasecurity/trivy-action fails the build on critical findings: exit-code 1 with "
            "severity CRITICAL,HIGH",
        ),
        (
            """\
         - uses: aquasecurity/trivy-action@0.28.0
           continue-on-error: true
           with:
             exit-code: "1"
         """,
            Status.FAIL,
            "aquasecurity/trivy-action reports but never fails the build: continue-on-error: "
            "true on the scan step lets the pipeline go on",
        ),
        (
            """\
         - uses: anchore/scan-action@v6
           with:
             image: app:ci
         """,
            Status.PASS,
            "anchore/scan-action fails the build on critical findings: fail-build defaults to "
            "true, failing on medium or worse",
        ),
        (
            """\
         - uses: anchore/scan-action@v6
           with:
             image: app:ci
             fail-build: false
         """,
            Status.FAIL,
            "anchore/scan-action reports but never fails the build: fail-build: false",
        ),
        (
            """\
         - uses: docker/scout-action@v1
           with:
             command: cves
             exit-code: true
             only-severities: critical,high
         """,
            Status.PASS,
            "docker/scout-action fails the build on critical findings: exit-code: true, "
            "only-severities critical,high",
        ),
        (
            """\
         - uses: docker/scout-action@v1
           with:
             command: quickview,cves
         """,
            Status.FAIL,
            "docker/scout-action reports but never fails the build: exit-code is not set, so "
            "the action succeeds whatever it finds",
        ),
    ],
)
def test_scan_gate_of_actions(tmp_path: Path, step: str, status: Status, reason: str) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(step)})

    result = finding(ci_scan_gate, facts)

    assert (result.status, result.reason) == (status, reason)
    assert result.evidence[0].line == 9


def test_trivy_config_file_leaves_the_gate_open_to_a_person(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: workflow("- run: trivy image app:ci"),
            "trivy.yaml": "exit-code: 1\n",
        },
    )

    result = finding(ci_scan_gate, facts)

    assert result.status is Status.UNKNOWN
    assert "trivy.yaml (not read) may set one" in result.reason


def test_gitlab_allow_failure_and_container_scanning_template(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            ".gitlab-ci.yml": """\
            include:
              - template: Jobs/Container-Scanning.gitlab-ci.yml
            build:
              script:
                - docker build -t "$IMAGE" .
            scan:
              script:
                - trivy image --exit-code 1 "$IMAGE"
              allow_failure: true
        """,
        },
    )

    result = finding(ci_scan_gate, facts, ".gitlab-ci.yml")

    assert result.status is Status.FAIL
    assert result.reason == (
        "GitLab container scanning reports but never fails the build: "
        "it reports findings to GitLab and does not fail the pipeline"
    )
    assert [e.line for e in result.evidence] == [2, 5]
    assert finding(ci_image_scanning, facts, ".gitlab-ci.yml").status is Status.PASS


def test_gitlab_global_variables_reach_included_jobs(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            ".gitlab-ci.yml": """\
            include: ci/scan.yml
            variables:
              TRIVY_EXIT_CODE: "1"
              TRIVY_SEVERITY: CRITICAL
            build:
              script: docker build -t "$IMAGE" .
        """,
            "ci/scan.yml": 'scan:\n  script:\n    - trivy image "$IMAGE"\n',
        },
    )

    result = finding(ci_scan_gate, facts, ".gitlab-ci.yml")

    assert result.status is Status.PASS
    assert result.reason.endswith("TRIVY_EXIT_CODE=1 with TRIVY_SEVERITY=CRITICAL")
    assert (result.evidence[0].path, result.evidence[0].line) == ("ci/scan.yml", 3)


def test_no_scanner_fails_the_gate_at_the_build_line(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: BUILD_STEPS})

    result = finding(ci_scan_gate, facts)

    assert result.status is Status.FAIL
    assert result.reason == (
        "no vulnerability scanner runs, so nothing fails the build on critical findings"
    )
    assert result.evidence[0].line == 8


# --- ci_dockerfile_lint -------------------------------------------------------------------


NO_SECRETS = "no secret scanner (gitleaks, trufflehog) runs in CI; "
NO_LINTER = "no Dockerfile linter (hadolint, docker build --check, trivy config) runs in CI; "


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (
            "- run: hadolint --failure-threshold warning Dockerfile",
            NO_SECRETS + "hadolint lints Dockerfiles",
        ),
        (
            "- run: docker run --rm -i hadolint/hadolint < Dockerfile",
            NO_SECRETS + "hadolint lints Dockerfiles",
        ),
        (
            "- run: docker build --check .",
            NO_SECRETS + "docker build --check lints Dockerfiles",
        ),
        (
            "- uses: gitleaks/gitleaks-action@v2",
            NO_LINTER + "gitleaks/gitleaks-action scans for committed secrets",
        ),
        (
            "- run: trivy fs --exit-code 1 .",
            NO_LINTER + "trivy fs scans the repository for secrets",
        ),
        (
            "- run: checkov -d . --framework dockerfile",
            NO_SECRETS + "checkov checks Dockerfiles for misconfigurations",
        ),
    ],
)
def test_a_linter_or_a_secret_scanner_alone_fails_and_names_the_missing_one(
    tmp_path: Path, step: str, reason: str
) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(step)})

    result = finding(ci_dockerfile_lint, facts)

    assert (result.status, result.reason) == (Status.FAIL, reason)
    assert [e.line for e in result.evidence] == [9, 8]


@pytest.mark.parametrize(
    "steps",
    [
        "- run: hadolint Dockerfile\n- run: gitleaks detect --source .",
        "- run: docker build --check .\n- uses: gitleaks/gitleaks-action@v2",
        "- uses: hadolint/hadolint-action@v3.1.0\n- run: trufflehog git file://. --fail",
        "- run: trivy config --exit-code 1 .\n- run: trivy fs --exit-code 1 --scanners secret .",
    ],
)
def test_a_linter_and_a_secret_scanner_that_gate_pass(tmp_path: Path, steps: str) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(steps)})

    result = finding(ci_dockerfile_lint, facts)

    assert result.status is Status.PASS, result.reason
    assert [e.line for e in result.evidence] == [9, 10]


_GITLEAKS = "\n- uses: gitleaks/gitleaks-action@v2"


@pytest.mark.parametrize(
    ("step", "why"),
    [
        ("- run: hadolint Dockerfile || true", "`|| true` after hadolint discards its exit code"),
        (
            "- run: hadolint Dockerfile\n  continue-on-error: true",
            "continue-on-error: true on the hadolint step lets the pipeline go on",
        ),
        (
            "- run: hadolint --no-fail Dockerfile",
            "--no-fail makes hadolint exit 0 whatever it finds",
        ),
        (
            "- run: hadolint -t none Dockerfile",
            "-t none makes hadolint exit 0 whatever it finds",
        ),
        (
            "- run: hadolint --failure-threshold=none Dockerfile",
            "--failure-threshold none makes hadolint exit 0 whatever it finds",
        ),
        (
            "- run: hadolint Dockerfile\n  env:\n    HADOLINT_NOFAIL: 1",
            "HADOLINT_NOFAIL makes hadolint exit 0 whatever it finds",
        ),
        (
            "- uses: hadolint/hadolint-action@v3.1.0\n  with:\n    no-fail: true",
            "no-fail: true never fails the step",
        ),
        (
            "- run: trivy config .",
            "no --exit-code, so trivy exits 0 whatever it finds",
        ),
        (
            "- run: checkov -d . --soft-fail",
            "--soft-fail makes checkov exit 0 whatever it finds",
        ),
    ],
)
def test_a_linter_that_cannot_fail_the_job_does_not_gate(
    tmp_path: Path, step: str, why: str
) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(step + _GITLEAKS)})

    result = finding(ci_dockerfile_lint, facts)

    assert result.status is Status.FAIL
    tool, _, rest = result.reason.partition(" ")
    assert rest.split(" but ", 1)[1].startswith(f"can never fail the job: {why};"), rest
    assert result.reason.endswith("; gitleaks/gitleaks-action scans for committed secrets")
    assert result.evidence[0].line == 9


@pytest.mark.parametrize(
    ("step", "why"),
    [
        ("- run: gitleaks detect . || true", "`|| true` after gitleaks discards its exit code"),
        ("- run: gitleaks detect --exit-code 0 .", "--exit-code 0 makes gitleaks exit 0"),
        ("- run: trufflehog git file://.", "without --fail, trufflehog exits 0"),
        ("- run: detect-secrets scan > .secrets.new", "detect-secrets scan prints what it"),
    ],
)
def test_a_secret_scanner_that_cannot_fail_the_job_does_not_gate(
    tmp_path: Path, step: str, why: str
) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow("- run: hadolint Dockerfile\n" + step)})

    result = finding(ci_dockerfile_lint, facts)

    assert result.status is Status.FAIL
    assert f"but can never fail the job: {why}" in result.reason
    assert result.reason.endswith("; hadolint lints Dockerfiles")


def test_a_gating_linter_beats_a_non_gating_one(tmp_path: Path) -> None:
    steps = "- run: hadolint Dockerfile || true\n- run: hadolint Dockerfile" + _GITLEAKS
    facts = project(tmp_path, {WORKFLOW: workflow(steps)})

    result = finding(ci_dockerfile_lint, facts)

    assert result.status is Status.PASS
    assert [e.line for e in result.evidence] == [10, 11]


def test_gitlab_secret_detection_template_is_unknown(tmp_path: Path) -> None:
    text = """\
    include:
      - template: Jobs/Secret-Detection.gitlab-ci.yml
    build:
      script:
        - hadolint Dockerfile
        - docker build -t app .
    """
    facts = project(tmp_path, {".gitlab-ci.yml": text})

    result = finding(ci_dockerfile_lint, facts, ".gitlab-ci.yml")

    assert result.status is Status.UNKNOWN, result.reason
    assert "merge request approval policy" in result.reason


def test_lint_workflow_of_its_own_counts_for_the_build(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: BUILD_STEPS,
            ".github/workflows/lint.yml": """\
            on: [pull_request]
            jobs:
              lint:
                runs-on: ubuntu-latest
                steps:
                  - uses: hadolint/hadolint-action@v3.1.0
                  - uses: trufflesecurity/trufflehog@v3
        """,
        },
    )

    result = finding(ci_dockerfile_lint, facts)
    lint_only = finding(ci_dockerfile_lint, facts, ".github/workflows/lint.yml")

    assert result.status is Status.PASS
    assert result.reason == (
        "hadolint lints Dockerfiles (in .github/workflows/lint.yml); "
        "trufflesecurity/trufflehog scans for committed secrets (in .github/workflows/lint.yml)"
    )
    assert [e.line for e in result.evidence] == [6, 7]
    assert lint_only.status is Status.NOT_APPLICABLE


def test_super_linter_with_hadolint_switched_off_does_not_lint(tmp_path: Path) -> None:
    step = """\
        - uses: super-linter/super-linter@v7
          env:
            VALIDATE_DOCKERFILE_HADOLINT: false
    """
    facts = project(tmp_path, {WORKFLOW: workflow(step)})

    result = finding(ci_dockerfile_lint, facts)

    assert (result.status, result.reason) == (
        Status.FAIL,
        "no Dockerfile linter and no secret scanner runs in CI",
    )
    assert result.evidence[0].line == 8


# --- ci_image_signing ---------------------------------------------------------------------

PUSH_STEPS = """\
on: [push]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - id: build
        uses: docker/build-push-action@v6
        with:
          push: ${{ github.event_name != 'pull_request' }}
          tags: ghcr.io/acme/app:latest
"""


def test_build_without_push_needs_no_signature(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: BUILD_STEPS})

    result = finding(ci_image_signing, facts)

    assert (result.status, result.reason) == (
        Status.NOT_APPLICABLE,
        "builds images but does not push them",
    )


def test_push_without_signature_fails_at_the_push_line(tmp_path: Path) -> None:
    facts = project(
        tmp_path, {WORKFLOW: PUSH_STEPS + "      - uses: sigstore/cosign-installer@v3\n"}
    )

    result = finding(ci_image_signing, facts)

    assert result.status is Status.FAIL
    assert result.reason == (
        "pushes images without signing them (no cosign sign or notation sign)"
    )
    assert (result.evidence[0].line, result.evidence[0].snippet) == (
        9,
        "push: ${{ github.event_name != 'pull_request' }}",
    )


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (
            '- run: echo "$TAGS" | xargs -I {} cosign sign --yes {}@${DIGEST}',
            "cosign sign signs the pushed images",
        ),
        (
            "- uses: notaryproject/notation-action/sign@v1",
            "notaryproject/notation-action/sign signs the pushed images",
        ),
    ],
)
def test_signing_steps(tmp_path: Path, step: str, reason: str) -> None:
    facts = project(tmp_path, {WORKFLOW: PUSH_STEPS + f"      {step}\n"})

    result = finding(ci_image_signing, facts)

    assert (result.status, result.reason) == (Status.PASS, reason)
    assert result.evidence[0].line == 11


def test_cosign_sign_blob_does_not_sign_images(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: PUSH_STEPS + "      - run: cosign sign-blob x.tgz\n"})

    assert finding(ci_image_signing, facts).status is Status.FAIL


def test_content_trust_on_push_passes_with_a_warning(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            ".gitlab-ci.yml": """\
            release:
              variables:
                DOCKER_CONTENT_TRUST: "1"
              script:
                - docker build -t acme/app:1 .
                - docker push acme/app:1
        """,
        },
    )

    result = finding(ci_image_signing, facts, ".gitlab-ci.yml")

    assert result.status is Status.PASS
    assert result.reason.startswith("pushes with DOCKER_CONTENT_TRUST=1 (deprecated")
    assert result.evidence[0].line == 3


def test_azure_docker_task_builds_and_pushes_by_default(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            "azure-pipelines.yml": """\
            steps:
              - task: Docker@2
                inputs:
                  repository: acme/app
        """,
        },
    )

    result = finding(ci_image_signing, facts, "azure-pipelines.yml")

    assert result.status is Status.FAIL
    assert result.evidence[0].line == 2


# --- ci_sbom_provenance -------------------------------------------------------------------


def test_build_push_action_with_sbom_and_provenance(tmp_path: Path) -> None:
    text = PUSH_STEPS + "          sbom: true\n          provenance: mode=max\n"
    facts = project(tmp_path, {WORKFLOW: text})

    result = finding(ci_sbom_provenance, facts)

    assert result.status is Status.PASS
    assert result.reason == (
        "attaches an SBOM (docker/build-push-action sbom) and "
        "provenance (docker/build-push-action provenance)"
    )
    assert [e.line for e in result.evidence] == [11, 12]


def test_provenance_switched_off_is_no_provenance(tmp_path: Path) -> None:
    facts = project(tmp_path, {WORKFLOW: PUSH_STEPS + "          provenance: false\n"})

    result = finding(ci_sbom_provenance, facts)

    assert (result.status, result.reason) == (
        Status.FAIL,
        "builds images without an SBOM or provenance attestation",
    )
    assert result.evidence[0].line == 7


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        (
            "- run: syft ghcr.io/acme/app:latest -o spdx-json=sbom.json",
            "produces an SBOM (syft); no provenance attestation found",
        ),
        (
            "- uses: anchore/sbom-action@v0",
            "produces an SBOM (anchore/sbom-action); no provenance attestation found",
        ),
        (
            "- uses: actions/attest-build-provenance@v2",
            "records provenance (actions/attest-build-provenance); no SBOM found",
        ),
        (
            "- run: cosign attest --yes --type slsaprovenance --predicate p.json app@sha256:1",
            "records provenance (cosign attest); no SBOM found",
        ),
        (
            "- run: trivy image --format cyclonedx --output sbom.json app:ci",
            "produces an SBOM (trivy image); no provenance attestation found",
        ),
    ],
)
def test_sbom_and_provenance_tools(tmp_path: Path, step: str, reason: str) -> None:
    facts = project(tmp_path, {WORKFLOW: workflow(step)})

    result = finding(ci_sbom_provenance, facts)

    assert (result.status, result.reason) == (Status.PASS, reason)
    assert result.evidence[0].line == 9


def test_trivy_sbom_output_is_not_a_vulnerability_scan(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: workflow("- run: trivy image --format cyclonedx --output sbom.json app:ci"),
        },
    )

    assert finding(ci_image_scanning, facts).status is Status.FAIL


def test_sbom_flag_switched_off_is_no_sbom(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            ".gitlab-ci.yml": "r:\n  script:\n    - docker buildx build --sbom=false --push .\n",
        },
    )

    assert finding(ci_sbom_provenance, facts, ".gitlab-ci.yml").status is Status.FAIL


def test_reusable_workflow_steps_count_for_the_caller(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: """\
            on: [push]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: docker buildx build --push -t acme/app:1 .
              attest:
                uses: ./.github/workflows/attest.yml
        """,
            ".github/workflows/attest.yml": """\
            on: [workflow_call]
            jobs:
              attest:
                runs-on: ubuntu-latest
                steps:
                  - run: cosign sign --yes acme/app:1
                  - uses: anchore/sbom-action@v0
        """,
        },
    )

    signing = finding(ci_image_signing, facts)
    sbom = finding(ci_sbom_provenance, facts)

    assert signing.status is Status.PASS
    assert signing.evidence[0].path == ".github/workflows/attest.yml"
    assert sbom.status is Status.PASS
    assert finding(ci_image_signing, facts, ".github/workflows/attest.yml").status is (
        Status.NOT_APPLICABLE
    )


def test_build_push_action_call_check_lints_and_builds_nothing(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: """\
            on: [pull_request]
            jobs:
              check:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/build-push-action@v6
                    with:
                      call: check
        """,
        },
    )

    assert finding(ci_dockerfile_lint, facts).status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    "text",
    [
        "jobs: [build, test]\n",
        "jobs:\n  build: just a string\n",
        "jobs:\n  build:\n    steps: run docker build .\n",
        "jobs:\n  build:\n    steps:\n      - 42\n      - run: [docker, build]\n",
        "on: push\njobs:\n  build:\n    steps:\n      - with: {push: true}\n",
        "- a list\n- at the top\n",
        "image: 42\nservices: {a: 1}\ndefault: [image]\njob: {image: {name: 7}, services: [1]}\n",
        "jobs:\n  a:\n    container: {image: [x]}\n    services: [db]\n    docker: {image: x}\n",
        "pipelines:\n  default:\n    - step: {script: [{pipe: 3}, 42], image: {name: null}}\n",
        "on: 42\npermissions: [write-all]\nresources: {containers: [1, {image: 2}]}\n",
        "just text\n",
        "",
        "---\n---\n",
    ],
)
def test_odd_but_valid_yaml_shapes_do_not_raise(tmp_path: Path, text: str) -> None:
    facts = project(
        tmp_path,
        {
            WORKFLOW: text,
            ".gitlab-ci.yml": text,
            "azure-pipelines.yml": text,
            ".circleci/config.yml": text,
            "bitbucket-pipelines.yml": text,
        },
    )

    for name, detector in DETECTORS.items():
        for result in detector(facts):
            # A stray `run:` is a script, which the hardening items may pass.
            allowed = {Status.NOT_APPLICABLE, Status.FAIL}
            allowed |= set() if name in BUILD_DETECTORS else {Status.PASS}
            assert result.status in allowed, name
    assert facts.problems == []


def test_the_engine_sorts_ci_files_by_name_with_numbers_by_value(tmp_path: Path) -> None:
    names = [f".github/workflows/build{number}.yml" for number in (1, 2, 10)]
    facts = project(tmp_path, {name: BUILD_STEPS for name in names})
    catalogue = load_catalogue()
    item = next(item for item in catalogue.items if item.detector == "ci_image_scanning")

    results = detect(catalogue, facts)

    assert [f.target.path for f in results[item.id]] == names
