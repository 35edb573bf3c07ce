"""Every detector has a passing and a failing fixture project, and answers them so."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.detect.registry import all_detectors
from reviewtui.model import Status, roll_up
from reviewtui.project import read_project

FIXTURES = Path(__file__).parent / "fixtures" / "detectors"
DETECTORS = all_detectors()


@pytest.mark.parametrize("name", sorted(DETECTORS))
@pytest.mark.parametrize("expected", [Status.PASS, Status.FAIL])
def test_detector_answers_its_fixture(name: str, expected: Status) -> None:
    folder = FIXTURES / name / expected.value
    assert folder.is_dir(), f"detector {name} has no {expected.value} fixture at {folder}"

    facts = read_project(folder)
    findings = DETECTORS[name](facts)

    assert roll_up(findings) is expected, [
        (str(f.target), f.status.value, f.reason) for f in findings
    ]
    for finding in findings:
        if finding.status in (Status.PASS, Status.FAIL):
            assert finding.evidence, f"{name}: {finding.status} without evidence"
            for evidence in finding.evidence:
                assert (folder / evidence.path).exists(), evidence.path


def test_every_fixture_folder_belongs_to_a_detector() -> None:
    stray = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in DETECTORS)
    assert not stray, f"fixture folders without a detector: {stray}"
