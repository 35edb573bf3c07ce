"""Scan gates: whether a scanner step fails the build on critical findings, and why."""

from __future__ import annotations

import re

from reviewtui.detect.ci_checks.hits import Context, Gate, Hit
from reviewtui.detect.ci_checks.tools import SEVERITIES, env_value, flag_value, input_value
from reviewtui.project.ci import CIKind, CIStep

_SWALLOWED = re.compile(r"^\s*\|\|\s*(?P<op>true|:|exit\s+0|echo\b)")
_PIPED = re.compile(r"^\s*\|(?!\|)")
_PIPEFAIL = re.compile(r"(?i)\bset\s+-\w*o\s+pipefail|\bpipefail\b")


def scan_hit(context: Context, step: CIStep, line: int, tool: str, gate: Gate, after: str) -> Hit:
    """A scanner hit, with its gate overruled when the CI ignores the step's exit code."""
    fails, why = gate
    if fails is not False:
        overruled = exit_code_ignored(context.ci_file.kind, step, after)
        if overruled:
            fails, why = False, overruled
    return context.hit(tool, step, line, why, fails)


def exit_code_ignored(kind: CIKind, step: CIStep, after: str, tool: str = "") -> str:
    """Why the pipeline goes on when the step's tool fails, or an empty string.

    ``after`` is the command text after the tool's arguments; ``tool`` names the tool in
    the reason (the scan, when empty).
    """
    if step.may_fail:
        key = {CIKind.GITLAB: "allow_failure", CIKind.AZURE: "continueOnError: true"}.get(
            kind, "continue-on-error: true"
        )
        return f"{key} on the {tool or 'scan'} step lets the pipeline go on"
    subject = tool or "the scan"
    swallowed = _SWALLOWED.match(after)
    if swallowed:
        return f"`|| {swallowed.group('op')}` after {subject} discards its exit code"
    # TODO: only GitHub's shell defaults are known; other CIs' pipes are trusted.
    if kind is CIKind.GITHUB and _PIPED.match(after) and not _has_pipefail(step):
        return (
            f"{subject} is piped into another command without pipefail, which discards its "
            "exit code"
        )
    return ""


def _has_pipefail(step: CIStep) -> bool:
    # GitHub runs `shell: bash` with -o pipefail, but an unset shell without it.
    if step.shell.strip() == "bash":
        return True
    return any(_PIPEFAIL.search(command.text) for command in step.commands)


def trivy_gate(segment: str, step: CIStep, context: Context) -> Gate:
    """The gate of a trivy command line: its exit code and severity settings."""
    exit_code = setting(
        flag_value(segment, ("--exit-code",)),
        "--exit-code {}",
        env_value(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    severity = setting(
        flag_value(segment, ("--severity", "-s")),
        "--severity {}",
        env_value(step, "TRIVY_SEVERITY"),
        "TRIVY_SEVERITY={}",
    )
    configured = bool(flag_value(segment, ("--config", "-c"))) or (
        "trivy.yaml" in context.tool_configs
    )
    return _trivy_verdict(exit_code, severity, configured, "--exit-code")


def trivy_action_gate(step: CIStep, context: Context) -> Gate:
    """The gate of aquasecurity/trivy-action: its exit-code and severity inputs."""
    exit_code = setting(
        input_value(step, "exit-code"),
        "exit-code {}",
        env_value(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    severity = setting(
        input_value(step, "severity"),
        "severity {}",
        env_value(step, "TRIVY_SEVERITY"),
        "TRIVY_SEVERITY={}",
    )
    configured = bool(input_value(step, "trivy-config")) or "trivy.yaml" in context.tool_configs
    return _trivy_verdict(exit_code, severity, configured, "exit-code")


def setting(
    given: str | None, given_text: str, env: str | None, env_text: str
) -> tuple[str, str] | None:
    """A setting given directly or through an environment variable, and how it reads."""
    if given:
        return given, given_text.format(given)
    if env:
        return env, env_text.format(env)
    return None


# TODO: trivy.yaml and .grype.yaml are noticed but not read, so a gate set there is unknown.
def _trivy_verdict(
    exit_code: tuple[str, str] | None,
    severity: tuple[str, str] | None,
    configured: bool,
    exit_name: str,
) -> Gate:
    if exit_code is None:
        if configured:
            return None, f"no {exit_name} here, and a trivy.yaml (not read) may set one"
        return False, f"no {exit_name}, so trivy exits 0 whatever it finds"
    value, text = exit_code
    if not value.isdigit():
        return None, f"{text}: the exit code comes from a variable the files do not settle"
    if int(value) == 0:
        return False, f"{text}, so trivy exits 0 whatever it finds"
    if severity is not None and "CRITICAL" not in severity[0].upper():
        return False, f"{text} applies only to {severity[0]}, not to CRITICAL"
    if severity is not None:
        return True, f"{text} with {severity[1]}"
    return True, f"{text} on findings of any severity"


def grype_gate(segment: str, step: CIStep, context: Context) -> Gate:
    """The gate of a grype command line: --fail-on or its environment variable."""
    fail_on = flag_value(segment, ("--fail-on", "-f")) or env_value(step, "GRYPE_FAIL_ON_SEVERITY")
    if not fail_on:
        if flag_value(segment, ("--config", "-c")) or ".grype.yaml" in context.tool_configs:
            return None, "no --fail-on here, and a grype config (not read) may set one"
        return False, "no --fail-on, so grype exits 0 whatever it finds"
    if fail_on.lower() in SEVERITIES:
        return True, f"--fail-on {fail_on}"
    return None, f"--fail-on comes from {fail_on}, which the files do not settle"


def anchore_gate(step: CIStep) -> Gate:
    """The gate of anchore/scan-action: fail-build (default true) and its cutoff."""
    fail_build = (input_value(step, "fail-build") or "true").strip().lower()
    cutoff = input_value(step, "severity-cutoff") or "medium"
    if fail_build == "false":
        return False, "fail-build: false"
    if fail_build != "true":
        return None, f"fail-build comes from {fail_build}, which the files do not settle"
    if cutoff.lower() not in SEVERITIES:
        return None, f"severity-cutoff comes from {cutoff}, which the files do not settle"
    return True, f"fail-build defaults to true, failing on {cutoff} or worse"


def scout_gate(sub: str, segment: str) -> Gate:
    """The gate of a docker scout command line: --exit-code and the severities."""
    if sub not in ("cves", "compare"):
        return False, "docker scout quickview only summarises"
    if not re.search(r"(?:^|\s)(?:--exit-code|-e)\b", segment):
        return False, "no --exit-code, so docker scout exits 0 whatever it finds"
    only = flag_value(segment, ("--only-severity", "--only-severities"))
    if only and "critical" not in only.lower():
        return False, f"--only-severity {only} leaves out critical"
    return True, "--exit-code" + (f" with --only-severity {only}" if only else "")
