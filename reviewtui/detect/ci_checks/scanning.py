"""Detectors for scanning in CI: a vulnerability scan, its gate, Dockerfile linting and
secret scanning.

A scanner or linter that runs in another CI file of the project also counts, since
projects often keep security jobs in a workflow of their own; the reason then names
that file.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.detect.ci_checks.hits import Hit
from reviewtui.detect.ci_checks.steps import View, judge_each, where
from reviewtui.model import Finding, Status, Target
from reviewtui.project.facts import ProjectFacts


def _judge_scanning(target: Target, view: View) -> Finding:
    scans, elsewhere = view.here_or_elsewhere("scans")
    if scans:
        scan = scans[0]
        return Finding(
            target,
            Status.PASS,
            f"{scan.tool} scans for vulnerabilities{where(scan, elsewhere)}",
            (scan.evidence(),),
        )
    build = view.own.builds[0]
    return Finding(
        target,
        Status.FAIL,
        "builds images but runs no vulnerability scanner (Trivy, Grype, Docker Scout, Snyk)",
        (build.evidence(),),
    )


def _judge_gate(target: Target, view: View) -> Finding:
    # TODO: the order of steps is not checked; a gate after the push stops nothing.
    scans, elsewhere = view.here_or_elsewhere("scans")
    build = view.own.builds[0]
    if not scans:
        return Finding(
            target,
            Status.FAIL,
            "no vulnerability scanner runs, so nothing fails the build on critical findings",
            (build.evidence(),),
        )
    for scan in scans:
        if scan.gate is True:
            return Finding(
                target,
                Status.PASS,
                f"{scan.tool} fails the build on critical findings: {scan.note}"
                f"{where(scan, elsewhere)}",
                (scan.evidence(),),
            )
    for scan in scans:
        if scan.gate is None:
            return Finding(target, Status.UNKNOWN, f"{scan.tool}: {scan.note}", (scan.evidence(),))
    scan = scans[0]
    return Finding(
        target,
        Status.FAIL,
        f"{scan.tool} reports but never fails the build: {scan.note}{where(scan, elsewhere)}",
        (scan.evidence(), build.evidence()),
    )


_LINT_KINDS = (
    ("Dockerfile linter", "hadolint, docker build --check, trivy config", False),
    ("secret scanner", "gitleaks, trufflehog", True),
)
_GATE_RANK = {True: 2, None: 1, False: 0}


def _judge_lint(target: Target, view: View) -> Finding:
    """PASS only when both a Dockerfile linter and a secret scanner run and can fail the
    job; FAIL names the one missing or the one whose failure is ignored."""
    failing: list[str] = []
    unsure: list[str] = []
    passing: list[str] = []
    evidence = []
    missing = []
    for label, examples, secrets in _LINT_KINDS:
        hits, elsewhere = _lint_hits(view, secrets)
        if not hits:
            missing.append((label, examples))
            continue
        best = max(hits, key=lambda hit: _GATE_RANK[hit.gate])
        evidence.append(best.evidence())
        done = f"{best.tool} {best.note}{where(best, elsewhere)}"
        if best.gate is False:
            failing.append(f"{done} but can never fail the job: {best.why}")
        elif best.gate is None:
            unsure.append(f"{done}, but {best.why}")
        else:
            passing.append(done)
    if missing:
        failing.insert(0, _missing_reason(missing))
        evidence.append(view.own.builds[0].evidence())
    status = Status.FAIL if failing else Status.UNKNOWN if unsure else Status.PASS
    return Finding(target, status, "; ".join(failing + unsure + passing), tuple(evidence))


def _lint_hits(view: View, secrets: bool) -> tuple[list[Hit], bool]:
    """Linter (or secret scanner) hits of this pipeline, else of the project's others
    (and True for the others)."""
    here = [hit for hit in view.hits("lints") if ("secret" in hit.note) is secrets]
    if here:
        return here, False
    return [hit for hit in view.elsewhere("lints") if ("secret" in hit.note) is secrets], True


def _missing_reason(missing: list[tuple[str, str]]) -> str:
    if len(missing) == 2:
        return "no Dockerfile linter and no secret scanner runs in CI"
    label, examples = missing[0]
    return f"no {label} ({examples}) runs in CI"


def ci_image_scanning(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does a vulnerability scanner run on what it builds?"""
    return judge_each(facts, _judge_scanning)


def ci_scan_gate(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does a scan fail the build on critical findings?"""
    return judge_each(facts, _judge_gate)


def ci_dockerfile_lint(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does CI lint Dockerfiles and scan for secrets, with
    steps that fail the job on findings?"""
    return judge_each(facts, _judge_lint)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_image_scanning": ci_image_scanning,
    "ci_scan_gate": ci_scan_gate,
    "ci_dockerfile_lint": ci_dockerfile_lint,
}
