"""Detectors for the CI items, one module per theme, merged into one ``DETECTORS``.

Each CI file gets one finding per item. Scanning, its gate, linting, signing, SBOMs and
build secrets apply to files that build images; pinned actions, token permissions and
script injection to GitHub workflows; job images and credentials to every CI file.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewtui.detect.ci_checks import credentials, scanning, signing, supply_chain, workflow
from reviewtui.detect.ci_checks.credentials import ci_build_secrets, ci_registry_credentials
from reviewtui.detect.ci_checks.scanning import ci_dockerfile_lint, ci_image_scanning, ci_scan_gate
from reviewtui.detect.ci_checks.signing import ci_image_signing, ci_sbom_provenance
from reviewtui.detect.ci_checks.supply_chain import (
    ci_actions_pinned,
    ci_job_image_digest,
    ci_job_image_tag,
)
from reviewtui.detect.ci_checks.workflow import ci_script_injection, ci_token_permissions
from reviewtui.model import Finding
from reviewtui.project.facts import ProjectFacts

_MODULES = (scanning, signing, supply_chain, credentials, workflow)

DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    name: detector for module in _MODULES for name, detector in module.DETECTORS.items()
}

__all__ = [
    "DETECTORS",
    "ci_actions_pinned",
    "ci_build_secrets",
    "ci_dockerfile_lint",
    "ci_image_scanning",
    "ci_image_signing",
    "ci_job_image_digest",
    "ci_job_image_tag",
    "ci_registry_credentials",
    "ci_sbom_provenance",
    "ci_scan_gate",
    "ci_script_injection",
    "ci_token_permissions",
]
