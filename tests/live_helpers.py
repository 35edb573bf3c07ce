"""What the live detector tests share: the rig's engine read into project facts, and the
evidence of a finding as the tests compare it."""

from __future__ import annotations

import pytest

from reviewtui.live import LiveSettings, read_engines
from reviewtui.model import Finding
from reviewtui.project.facts import ProjectFacts


def read_rig(
    tmp_path_factory: pytest.TempPathFactory, name: str, all_images: bool = False
) -> ProjectFacts:
    """The engine the rig runs on, read once (every container; every image with
    ``all_images``), as the facts of a project rooted in a fresh directory ``name``."""
    (engine,) = read_engines(LiveSettings(all_containers=True, all_images=all_images))
    assert engine.error is None, engine.error
    return ProjectFacts(root=tmp_path_factory.mktemp(name), engines=[engine])


def cited(finding: Finding) -> list[tuple[str, str]]:
    """The evidence of ``finding`` as (inspect field, snippet) pairs."""
    return [(evidence.field, evidence.snippet) for evidence in finding.evidence]
