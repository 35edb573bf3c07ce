"""Detectors for what CI attaches to pushed images: signatures, SBOMs and provenance."""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.detect.ci_checks.steps import View, judge_each
from reviewtui.model import Finding, Status, Target
from reviewtui.project.facts import ProjectFacts


def _judge_signing(target: Target, view: View) -> Finding:
    pushes = view.own.pushes
    if not pushes:
        return Finding(target, Status.NOT_APPLICABLE, "builds images but does not push them")
    signs = view.hits("signs")
    if signs:
        sign = signs[0]
        if sign.tool == "Docker Content Trust":
            reason = (
                "pushes with DOCKER_CONTENT_TRUST=1 (deprecated; check that pulls "
                "verify signatures)"
            )
        else:
            reason = f"{sign.tool} signs the pushed images"
        return Finding(target, Status.PASS, reason, (sign.evidence(),))
    return Finding(
        target,
        Status.FAIL,
        "pushes images without signing them (no cosign sign or notation sign)",
        (pushes[0].evidence(),),
    )


def _judge_sbom(target: Target, view: View) -> Finding:
    sboms = view.hits("sboms")
    provenance = view.hits("provenance")
    if sboms and provenance:
        return Finding(
            target,
            Status.PASS,
            f"attaches an SBOM ({sboms[0].tool}) and provenance ({provenance[0].tool})",
            (sboms[0].evidence(), provenance[0].evidence()),
        )
    if sboms:
        return Finding(
            target,
            Status.PASS,
            f"produces an SBOM ({sboms[0].tool}); no provenance attestation found",
            (sboms[0].evidence(),),
        )
    if provenance:
        return Finding(
            target,
            Status.PASS,
            f"records provenance ({provenance[0].tool}); no SBOM found",
            (provenance[0].evidence(),),
        )
    build = view.own.builds[0]
    return Finding(
        target,
        Status.FAIL,
        "builds images without an SBOM or provenance attestation",
        (build.evidence(),),
    )


def ci_image_signing(facts: ProjectFacts) -> list[Finding]:
    """Per image-pushing CI file: are the pushed images signed?"""
    return judge_each(facts, _judge_signing)


def ci_sbom_provenance(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does the build produce an SBOM or provenance?"""
    return judge_each(facts, _judge_sbom)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_image_signing": ci_image_signing,
    "ci_sbom_provenance": ci_sbom_provenance,
}
