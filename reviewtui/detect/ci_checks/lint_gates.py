"""Lint gates: whether a Dockerfile linter or secret scanner step can fail the job.

A linter whose exit code is thrown away (``|| true``, ``continue-on-error``) or that is
told never to fail (hadolint ``--no-fail``, checkov ``--soft-fail``) reports findings
nobody has to act on, so it does not count as linting that gates.
"""

from __future__ import annotations

import dataclasses

from reviewtui.detect.ci_checks.gates import exit_code_ignored, setting
from reviewtui.detect.ci_checks.hits import Context, Gate, Hit
from reviewtui.detect.ci_checks.tools import env_value, flag_value, input_true, input_value
from reviewtui.project.ci import CIStep

FAILS: Gate = (True, "")
"""The gate of a tool that exits non-zero on findings by default."""

GITLAB_REPORT: Gate = (
    None,
    "it reports findings to GitLab without failing the pipeline; check that a merge "
    "request approval policy blocks on them",
)
"""GitLab's security templates: they report, and a policy outside the files may block."""
_TRUE_WORDS = frozenset({"true", "1", "yes"})


def lint_hit(
    context: Context, step: CIStep, line: int, tool: str, note: str, gate: Gate, after: str = ""
) -> Hit:
    """A linter or secret scanner hit, its gate overruled when the CI ignores the step's
    exit code; ``after`` is the command text after the tool's arguments."""
    fails, why = gate
    if fails is not False:
        overruled = exit_code_ignored(context.ci_file.kind, step, after, tool)
        if overruled:
            fails, why = False, overruled
    return dataclasses.replace(context.hit(tool, step, line, note, fails), why=why)


def gated(hit: Hit, gate: Gate, context: Context, step: CIStep) -> Hit:
    """An action's linter hit with its gate, overruled when the step may fail."""
    fails, why = gate
    if fails is not False:
        overruled = exit_code_ignored(context.ci_file.kind, step, "", hit.tool)
        if overruled:
            fails, why = False, overruled
    return dataclasses.replace(hit, gate=fails, why=why)


# --- command lines ------------------------------------------------------------------------


def command_gate(tool: str, segment: str, step: CIStep) -> Gate:
    """The gate of a linter's command line (``segment``: its arguments)."""
    words = segment.split()
    if tool == "hadolint":
        return hadolint_gate(segment, step)
    if tool == "checkov" and "--soft-fail" in words:
        return False, "--soft-fail makes checkov exit 0 whatever it finds"
    if tool == "dockle":
        return _exit_code_gate(
            setting(
                flag_value(segment, ("--exit-code", "-c")),
                "--exit-code {}",
                env_value(step, "DOCKLE_EXIT_CODE"),
                "DOCKLE_EXIT_CODE={}",
            ),
            "dockle",
            "--exit-code",
        )
    if tool == "gitleaks" and flag_value(segment, ("--exit-code",)) == "0":
        return False, "--exit-code 0 makes gitleaks exit 0 whatever it finds"
    if tool == "trufflehog" and "--fail" not in words:
        return False, "without --fail, trufflehog exits 0 whatever it finds"
    if tool == "detect-secrets" and words[:1] == ["scan"]:
        return False, "detect-secrets scan prints what it finds and exits 0"
    if tool == "kics" and (flag_value(segment, ("--ignore-on-exit",)) or "") in ("all", "results"):
        return False, "--ignore-on-exit makes kics exit 0 on findings"
    return FAILS


def hadolint_gate(segment: str, step: CIStep) -> Gate:
    """hadolint fails on findings unless told not to by flag or environment variable."""
    if "--no-fail" in segment.split():
        return False, "--no-fail makes hadolint exit 0 whatever it finds"
    for flag in ("--failure-threshold", "-t"):
        threshold = flag_value(segment, (flag,))
        if threshold is not None and threshold.lower() == "none":
            return False, f"{flag} none makes hadolint exit 0 whatever it finds"
    return _hadolint_env_gate(step)


def _hadolint_env_gate(step: CIStep) -> Gate:
    if (env_value(step, "HADOLINT_NOFAIL") or "").lower() in _TRUE_WORDS:
        return False, "HADOLINT_NOFAIL makes hadolint exit 0 whatever it finds"
    if (env_value(step, "HADOLINT_FAILURE_THRESHOLD") or "").lower() == "none":
        return False, "HADOLINT_FAILURE_THRESHOLD=none makes hadolint exit 0 whatever it finds"
    return FAILS


def trivy_lint_gate(segment: str, step: CIStep, configured: bool) -> Gate:
    """``trivy config`` and ``trivy fs`` exit 0 on findings unless an exit code is set."""
    given = setting(
        flag_value(segment, ("--exit-code",)),
        "--exit-code {}",
        env_value(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    return _exit_code_gate(given, "trivy", "--exit-code", configured)


def _exit_code_gate(
    given: tuple[str, str] | None, tool: str, flag: str, configured: bool = False
) -> Gate:
    """The gate of a tool that exits 0 on findings unless given another exit code."""
    if given is None:
        if configured:
            return None, f"no {flag} here, and a {tool} config (not read) may set one"
        return False, f"no {flag}, so {tool} exits 0 whatever it finds"
    value, text = given
    if not value.isdigit():
        return None, f"{text}: the exit code comes from a variable the files do not settle"
    if int(value) == 0:
        return False, f"{text}, so {tool} exits 0 whatever it finds"
    return True, text


# --- actions, orbs and templates ----------------------------------------------------------


def hadolint_action_gate(step: CIStep) -> Gate:
    """hadolint actions: ``no-fail`` and ``failure-threshold`` inputs; reviewdog's only
    comments unless told to fail."""
    if step.action.startswith("reviewdog/"):
        level = (input_value(step, "fail_level") or "none").lower()
        if input_true(step, "fail_on_error") or level not in ("none", ""):
            return FAILS
        return False, "reviewdog only comments on findings unless fail_level is set"
    if input_true(step, "no-fail"):
        return False, "no-fail: true never fails the step"
    if (input_value(step, "failure-threshold") or "").lower() == "none":
        return False, "failure-threshold: none never fails the step"
    return _hadolint_env_gate(step)


def checkov_action_gate(step: CIStep) -> Gate:
    """bridgecrewio/checkov-action fails on findings unless ``soft_fail`` is on."""
    if input_true(step, "soft_fail"):
        return False, "soft_fail: true makes checkov exit 0 whatever it finds"
    return FAILS


def kics_action_gate(step: CIStep) -> Gate:
    """checkmarx/kics-github-action fails on findings unless ``ignore_on_exit`` says not to."""
    if (input_value(step, "ignore_on_exit") or "").lower() in ("all", "results"):
        return False, "ignore_on_exit makes kics exit 0 on findings"
    return FAILS


def dockle_action_gate(step: CIStep) -> Gate:
    """dockle exits 0 on findings unless its ``exit-code`` input says otherwise."""
    given = setting(input_value(step, "exit-code"), "exit-code {}", None, "")
    return _exit_code_gate(given, "dockle", "exit-code")


def super_linter_gate(step: CIStep) -> Gate:
    """super-linter and MegaLinter fail on findings unless ``DISABLE_ERRORS`` is true."""
    if (env_value(step, "DISABLE_ERRORS") or "").lower() == "true":
        return False, "DISABLE_ERRORS: true makes it pass whatever it finds"
    return FAILS


def trivy_action_lint_gate(step: CIStep, configured: bool) -> Gate:
    """aquasecurity/trivy-action in config or fs mode: its exit-code input."""
    given = setting(
        input_value(step, "exit-code"),
        "exit-code {}",
        env_value(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    return _exit_code_gate(given, "trivy", "exit-code", configured)
