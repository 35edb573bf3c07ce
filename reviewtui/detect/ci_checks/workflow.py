"""Detectors for GitHub workflow hardening: token permissions and script injection.

A workflow that pushes images holds registry credentials and a ``GITHUB_TOKEN``; what that
token may do is set by ``permissions:``, and without it the repository's default applies,
which for older repositories is write access to everything. Text an outsider controls (an
issue title, a pull request body, a branch name) that is pasted into a ``run:`` script
with ``${{ }}`` becomes shell code running with those credentials, and so do workflow
commands printed to the log once ``ACTIONS_ALLOW_UNSECURE_COMMANDS`` turns them back on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewtui.detect.ci_checks.hits import Pipeline
from reviewtui.detect.ci_checks.steps import judge_every_file
from reviewtui.model import Evidence, Finding, Status, Target
from reviewtui.project.ci import CIFile, CIKind, CIPermissions, CIStep
from reviewtui.project.facts import ProjectFacts

MAX_EVIDENCE = 5
# The event fields an outsider can write, as GitHub's own hardening guide lists them.
_UNTRUSTED = re.compile(
    r"""(?x)\$\{\{[^}]*?(?P<field>
      github\.head_ref
    | github\.event\.(?:
        (?:issue|pull_request|discussion)\.(?:title|body)
      | (?:comment|review|review_comment)\.body
      | pull_request\.head\.(?:ref|label|repo\.default_branch)
      | pages\b[^}\s]*\.page_name
      | (?:commits\b[^}\s]*|head_commit)\.(?:message|author\.(?:email|name))
      | workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.\w+))
    ))[^}]*\}\}"""
)
_SCRIPT_ACTIONS = ("actions/github-script",)


# --- token permissions --------------------------------------------------------------------


def _judge_permissions(target: Target, ci_file: CIFile, pipeline: Pipeline) -> Finding:
    if ci_file.kind is not CIKind.GITHUB:
        return Finding(target, Status.NOT_APPLICABLE, "not a GitHub Actions workflow")

    write_all = [block for block in ci_file.permissions if block.write_all]
    if write_all:
        return Finding(
            target,
            Status.FAIL,
            "permissions: write-all lets the token write to everything in the repository",
            tuple(_at(ci_file, b.path, b.line) for b in write_all[:MAX_EVIDENCE]),
        )
    if not pipeline.pushes:
        return Finding(target, Status.NOT_APPLICABLE, "pushes no images")
    if ci_file.events and set(ci_file.events) <= {"workflow_call"}:
        return Finding(
            target, Status.NOT_APPLICABLE, "reusable workflow: it runs with its caller's token"
        )

    workflow = next((block for block in ci_file.permissions if not block.job), None)
    if workflow is not None:
        return Finding(
            target,
            Status.PASS,
            f"pushes images with permissions set for the whole workflow ({_scopes(workflow)})",
            (_at(ci_file, workflow.path, workflow.line),),
        )
    by_job = {block.job: block for block in ci_file.permissions}
    unlimited = [push for push in pipeline.pushes if push.job not in by_job]
    if unlimited:
        push = unlimited[0]
        job = f"job {push.job}" if push.job else "a step"
        return Finding(
            target,
            Status.FAIL,
            f"{job} pushes images with the repository's default token permissions "
            "(no permissions: block)",
            (push.evidence(),),
        )
    block = by_job[pipeline.pushes[0].job]
    return Finding(
        target,
        Status.PASS,
        f"every job that pushes images sets its own permissions ({_scopes(block)})",
        (_at(ci_file, block.path, block.line),),
    )


# --- script injection ---------------------------------------------------------------------


# TODO: inputs of local composite actions and reusable workflows are not traced back to
# the event fields a caller passes in, so `${{ inputs.title }}` is not reported.
def _injections(ci_file: CIFile) -> tuple[list[Evidence], list[str]]:
    """Scripts that paste outsider-controlled event fields, and the fields."""
    evidence: list[Evidence] = []
    fields: list[str] = []
    for step in ci_file.steps:
        scripts = [(command.line, command.text) for command in step.commands]
        script = step.input("script") if step.action in _SCRIPT_ACTIONS else None
        if script is not None:
            scripts.append((script.line, script.value))
        for line, text in scripts:
            for match in _UNTRUSTED.finditer(text):
                evidence.append(_at(ci_file, step.path, line))
                fields.append(match.group("field"))
    return evidence, fields


def _unsecure_commands(ci_file: CIFile) -> list[Evidence]:
    """Where ``ACTIONS_ALLOW_UNSECURE_COMMANDS`` is switched on."""
    found: dict[tuple[str, int], Evidence] = {}
    for step in ci_file.steps:
        value = step.env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS")
        if value is not None and value.value.strip().strip("\"'").lower() == "true":
            found.setdefault((step.path, value.line), _at(ci_file, step.path, value.line))
    return list(found.values())


def _judge_injection(target: Target, ci_file: CIFile, _: Pipeline) -> Finding:
    if ci_file.kind is not CIKind.GITHUB:
        return Finding(target, Status.NOT_APPLICABLE, "not a GitHub Actions workflow")

    injected, fields = _injections(ci_file)
    unsecure = _unsecure_commands(ci_file)
    if injected or unsecure:
        parts = []
        if injected:
            listed = ", ".join(dict.fromkeys(fields[:3]))
            parts.append(f"a run script pastes {listed}, which an outsider can write")
        if unsecure:
            parts.append("ACTIONS_ALLOW_UNSECURE_COMMANDS turns log commands back on")
        return Finding(
            target, Status.FAIL, "; ".join(parts), tuple((injected + unsecure)[:MAX_EVIDENCE])
        )
    scripted = [step for step in ci_file.steps if _has_script(step)]
    if not scripted:
        return Finding(target, Status.NOT_APPLICABLE, "runs no scripts")
    first = scripted[0]
    line = first.commands[0].line if first.commands else first.line
    return Finding(
        target,
        Status.PASS,
        "no script pastes outsider-controlled event fields, and log commands stay off",
        (_at(ci_file, first.path, line),),
    )


def _has_script(step: CIStep) -> bool:
    return bool(step.commands) or step.action in _SCRIPT_ACTIONS


def _scopes(block: CIPermissions) -> str:
    """How many scopes a block grants write to, in words that masking leaves alone."""
    if block.grants == "none":
        return "none granted"
    writes = block.grants.count(": write")
    return f"write to {writes} scope(s)" if writes else "read only"


def _at(ci_file: CIFile, path: str, line: int) -> Evidence:
    return Evidence(path, line, ci_file.line_text(path, line))


def ci_token_permissions(facts: ProjectFacts) -> list[Finding]:
    """Per GitHub workflow: is the token of an image-pushing workflow limited?"""
    return judge_every_file(facts, _judge_permissions)


def ci_script_injection(facts: ProjectFacts) -> list[Finding]:
    """Per GitHub workflow: do scripts stay free of outsider-controlled event fields?"""
    return judge_every_file(facts, _judge_injection)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_token_permissions": ci_token_permissions,
    "ci_script_injection": ci_script_injection,
}
