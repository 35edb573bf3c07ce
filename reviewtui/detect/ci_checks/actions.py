"""Recognising what a CI action, task, orb command or template does."""

from __future__ import annotations

import dataclasses
import re

from reviewtui.detect.ci_checks.commands import finds_secrets
from reviewtui.detect.ci_checks.gates import anchore_gate, scan_hit, trivy_action_gate
from reviewtui.detect.ci_checks.hits import Context, Gate, Hit, Pipeline
from reviewtui.detect.ci_checks.lint_gates import (
    FAILS,
    GITLAB_REPORT,
    checkov_action_gate,
    dockle_action_gate,
    gated,
    hadolint_action_gate,
    kics_action_gate,
    super_linter_gate,
    trivy_action_lint_gate,
)
from reviewtui.detect.ci_checks.tools import BUILDX_PUSH, SBOM_FORMATS, input_true, input_value
from reviewtui.project.ci import CIStep

_CIRCLECI_IMAGE_ORB = re.compile(
    r"^(?:docker|aws-ecr|gcp-gcr|azure-acr)/(?P<cmd>build[-_]and[-_]push[-_]image"
    r"|build[-_]image|build|publish|push[-_]image|push)$"
)
_BUILD_AND_PUSH_ACTIONS = (
    "mr-smithers-excellent/docker-build-push",
    "elgohr/publish-docker-github-action",
    "aevea/action-kaniko",
)
_GITLAB_BUILD_TEMPLATES = (
    "template:jobs/build.gitlab-ci.yml",
    "template:auto-devops.gitlab-ci.yml",
)
_SUPER_LINTERS = ("github/super-linter", "super-linter/super-linter")


def read_uses(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    action = step.action
    uses_lower = step.uses.lower()
    hit = context.hit(_name(step), step, step.line)

    if action in ("docker/build-push-action", "docker/bake-action"):
        _read_build_push_action(context, step, pipeline)
    elif "kaniko" in action or action in _BUILD_AND_PUSH_ACTIONS:
        pipeline.builds.append(hit)
        if action in _BUILD_AND_PUSH_ACTIONS or input_true(step, "push"):
            pipeline.pushes.append(hit)
    elif action == "redhat-actions/buildah-build":
        pipeline.builds.append(hit)
    elif action == "redhat-actions/push-to-registry":
        pipeline.pushes.append(hit)
    elif uses_lower.startswith("docker@"):
        _read_azure_docker_task(step, hit, pipeline)
    elif orb := _CIRCLECI_IMAGE_ORB.match(action):
        command = orb.group("cmd")
        if "build" in command or command == "publish":
            pipeline.builds.append(hit)
        if "push" in command or command == "publish":
            pipeline.pushes.append(hit)
    elif action in _GITLAB_BUILD_TEMPLATES:
        pipeline.builds.append(hit)
        pipeline.pushes.append(hit)
    else:
        _read_security_uses(context, step, pipeline)


def _read_build_push_action(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    call = step.input("call")
    if call is not None and call.value.strip().lower() == "check":
        # `call: check` runs the Dockerfile checks instead of a build.
        check = context.hit("docker build --check", step, call.line, "lints Dockerfiles")
        pipeline.lints.append(gated(check, FAILS, context, step))
        return
    pipeline.builds.append(context.hit(_name(step), step, step.line))

    push = step.input("push")
    outputs = step.input("outputs")
    if push is not None and push.value.strip().lower() not in ("", "false"):
        pipeline.pushes.append(context.hit(_name(step), step, push.line))
    elif outputs is not None and BUILDX_PUSH.search(outputs.value):
        pipeline.pushes.append(context.hit(_name(step), step, outputs.line))

    sbom = step.input("sbom")
    if sbom is not None and sbom.value.strip().lower() not in ("", "false", "0"):
        pipeline.sboms.append(context.hit(f"{step.action} sbom", step, sbom.line))
    provenance = step.input("provenance")
    if provenance is not None and provenance.value.strip().lower() not in ("", "false", "0"):
        pipeline.provenance.append(context.hit(f"{step.action} provenance", step, provenance.line))
    attests = step.input("attests")
    if attests is not None:
        if "type=sbom" in attests.value:
            pipeline.sboms.append(context.hit(f"{step.action} attests", step, attests.line))
        if "type=provenance" in attests.value:
            pipeline.provenance.append(context.hit(f"{step.action} attests", step, attests.line))


def _read_azure_docker_task(step: CIStep, hit: Hit, pipeline: Pipeline) -> None:
    """Azure's Docker task: build, push or buildAndPush (the default of version 2)."""
    command = step.input("command")
    default = "buildandpush" if step.uses.endswith("@2") else "build"
    value = command.value.strip().lower() if command is not None else default
    if value in ("build", "buildandpush"):
        pipeline.builds.append(hit)
    if value in ("push", "buildandpush"):
        pipeline.pushes.append(hit)


def _read_security_uses(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    """Scanners, linters, signers and attesters that run as actions, orbs or templates."""
    action = step.action
    hit = context.hit(_name(step), step, step.line)
    if action == "aquasecurity/trivy-action":
        _read_trivy_action(context, step, pipeline)
    elif action == "anchore/scan-action":
        pipeline.scans.append(
            scan_hit(context, step, step.line, _name(step), anchore_gate(step), "")
        )
    elif action == "docker/scout-action":
        _read_scout_action(context, step, pipeline)
    elif action == "snyk/actions/docker":
        command = (input_value(step, "command") or "test").lower()
        gate = (
            (True, "snyk container test exits non-zero on vulnerabilities")
            if command == "test"
            else (False, f"snyk container {command} does not fail")
        )
        pipeline.scans.append(scan_hit(context, step, step.line, _name(step), gate, ""))
    elif action == "snyk/scan" and step.input("docker-image-name") is not None:
        fails = (input_value(step, "fail-on-issues") or "true").lower() != "false"
        gate = (fails, "fail-on-issues is on" if fails else "fail-on-issues: false")
        pipeline.scans.append(scan_hit(context, step, step.line, _name(step), gate, ""))
    elif "container-scanning" in action:
        pipeline.scans.append(
            scan_hit(
                context,
                step,
                step.line,
                "GitLab container scanning",
                (False, "it reports findings to GitLab and does not fail the pipeline"),
                "",
            )
        )
    elif not _read_linting_uses(context, step, hit, pipeline):
        _read_attesting_uses(step, hit, pipeline)


def _read_linting_uses(context: Context, step: CIStep, hit: Hit, pipeline: Pipeline) -> bool:
    """Note a Dockerfile linter or secret scanner action, with whether it can fail the
    job; False when the step is neither."""
    action = step.action
    misconfig = "checks Dockerfiles for misconfigurations"
    found: tuple[str, str, Gate] | None = None
    if action.startswith(("hadolint/", "jbergstroem/hadolint", "reviewdog/action-hadolint")):
        found = ("hadolint", "lints Dockerfiles", hadolint_action_gate(step))
    elif action.startswith("bridgecrewio/checkov-action"):
        found = ("checkov-action", misconfig, checkov_action_gate(step))
    elif action.startswith("checkmarx/kics-github-action"):
        found = ("kics-github-action", misconfig, kics_action_gate(step))
    elif "dockle" in action:
        found = ("dockle", "lints the image", dockle_action_gate(step))
    elif "secret-detection" in action:
        found = (_name(step), "scans for committed secrets", GITLAB_REPORT)
    elif "gitleaks" in action or "trufflehog" in action:
        found = (_name(step), "scans for committed secrets", FAILS)
    elif "sast-iac" in action:
        found = ("GitLab IaC scanning", misconfig, GITLAB_REPORT)
    elif action.startswith(_SUPER_LINTERS) and _super_linter_runs_hadolint(step):
        found = ("super-linter", "runs hadolint on Dockerfiles", super_linter_gate(step))
    elif "megalinter" in action:
        found = ("MegaLinter", "runs hadolint on Dockerfiles", super_linter_gate(step))
    if found is None:
        return False
    tool, note, gate = found
    pipeline.lints.append(gated(_note(hit, tool, note), gate, context, step))
    return True


def _read_attesting_uses(step: CIStep, hit: Hit, pipeline: Pipeline) -> None:
    action = step.action
    if action == "notaryproject/notation-action/sign":
        pipeline.signs.append(hit)
    elif action.startswith(("anchore/sbom-action", "actions/attest-sbom")):
        pipeline.sboms.append(hit)
    elif action.startswith(("actions/attest-build-provenance", "slsa-framework/")) or (
        action == "actions/attest"
    ):
        pipeline.provenance.append(hit)


def _read_trivy_action(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    scan_type = (input_value(step, "scan-type") or "image").lower()
    scanners = input_value(step, "scanners") or None
    sbom_format = (input_value(step, "format") or "").lower() in SBOM_FORMATS
    hit = context.hit(_name(step), step, step.line)
    configured = bool(input_value(step, "trivy-config")) or "trivy.yaml" in context.tool_configs
    lint_gate = trivy_action_lint_gate(step, configured)
    if scan_type in ("config", "conf"):
        config = _note(hit, "trivy config", "checks Dockerfiles for misconfigurations")
        pipeline.lints.append(gated(config, lint_gate, context, step))
        return
    if sbom_format:
        pipeline.sboms.append(hit)
    if scan_type in ("fs", "repo", "filesystem", "repository") and finds_secrets(scanners):
        secrets = _note(hit, f"trivy {scan_type}", "scans the repository for secrets")
        pipeline.lints.append(gated(secrets, lint_gate, context, step))
    if ("vuln" in scanners.lower()) if scanners else not sbom_format:
        gate = trivy_action_gate(step, context)
        pipeline.scans.append(scan_hit(context, step, step.line, _name(step), gate, ""))


def _read_scout_action(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    commands = {c.strip().lower() for c in (input_value(step, "command") or "").split(",")}
    if "sbom" in commands:
        pipeline.sboms.append(context.hit(_name(step), step, step.line))
    if not commands & {"cves", "quickview", "compare"}:
        return
    exit_code = input_true(step, "exit-code")
    only = input_value(step, "only-severities")
    if not commands & {"cves", "compare"}:
        gate: Gate = (False, "quickview only summarises")
    elif not exit_code:
        gate = (False, "exit-code is not set, so the action succeeds whatever it finds")
    elif only and "critical" not in only.lower():
        gate = (False, f"only-severities {only} leaves out critical")
    else:
        gate = (True, "exit-code: true" + (f", only-severities {only}" if only else ""))
    pipeline.scans.append(scan_hit(context, step, step.line, _name(step), gate, ""))


def _super_linter_runs_hadolint(step: CIStep) -> bool:
    """super-linter runs hadolint unless it is switched off, or others are switched on."""
    validate = {
        k: v.value.strip().lower() for k, v in step.env.items() if k.startswith("VALIDATE_")
    }
    hadolint = validate.get("VALIDATE_DOCKERFILE_HADOLINT")
    if hadolint is not None:
        return hadolint == "true"
    return "true" not in validate.values()


def _name(step: CIStep) -> str:
    """The action, task or template a step uses, without its version."""
    return step.uses.split("@", 1)[0]


def _note(hit: Hit, tool: str, note: str) -> Hit:
    return dataclasses.replace(hit, tool=tool, note=note)
