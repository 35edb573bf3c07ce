"""Helpers the detector tests share: run one Dockerfile detector, read evidence lines."""

from __future__ import annotations

from pathlib import Path

from reviewtui.detect import dockerfile_checks
from reviewtui.model import Finding
from reviewtui.project import read_project


def judge(name: str, root: Path, dockerfile: str, **files: str) -> Finding:
    """The one finding detector ``name`` gives for a project with this Dockerfile.

    ``files`` adds other files to the project, by name relative to its root.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile)
    for rel, text in files.items():
        (root / rel).write_text(text)
    findings = dockerfile_checks.DETECTORS[name](read_project(root))
    assert len(findings) == 1
    return findings[0]


def lines(finding: Finding) -> list[int | None]:
    """The line of each piece of evidence, in order."""
    return [evidence.line for evidence in finding.evidence]
