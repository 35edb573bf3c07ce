"""The inventory items a person judges: published ports and leftover containers and
images, laid out from the engine."""

from __future__ import annotations

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.engine_inventory import DETECTORS
from reviewtui.live.facts import ContainerFacts, EngineFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Status
from reviewtui.project.facts import ProjectFacts


@pytest.fixture(scope="module")
def rig_facts(live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory) -> ProjectFacts:
    return live_helpers.read_rig(tmp_path_factory, "inventory")


def test_published_ports_are_listed_for_a_person(rig_facts: ProjectFacts) -> None:
    found = {f.target.name: f for f in DETECTORS["published_ports"](rig_facts)}

    weak = found[engine_rig.PREFIX + "weak"]
    assert weak.status is Status.UNKNOWN
    assert weak.reason.startswith("publishes 8080->80/tcp, 127.0.0.1:8443->443/tcp, 80->8081/tcp")
    assert {e.field for e in weak.evidence} == {
        "HostConfig.PortBindings.80/tcp",
        "HostConfig.PortBindings.443/tcp",
        "HostConfig.PortBindings.8081/tcp",
    }
    hardened = found[engine_rig.PREFIX + "hardened"]
    assert (hardened.status, hardened.reason) == (Status.NOT_APPLICABLE, "publishes no port")


def _engine(info: dict[str, object], containers: int = 0) -> EngineFacts:
    engine = EngineFacts(Endpoint("h", "unix:///x.sock", "test"), "2026-01-01T00:00:00Z")
    engine.info = {"ServerVersion": "20.10", **info}
    engine.containers = [
        ContainerFacts("h", {"Name": f"/c{i}", "Image": f"sha256:{i}"}) for i in range(containers)
    ]
    return engine


def test_sprawl_counts_stopped_containers_and_unused_images(tmp_path: object) -> None:
    sprawl = DETECTORS["engine_sprawl"]
    tidy = _engine({"Containers": 2, "ContainersStopped": 0, "Images": 2}, containers=2)
    messy = _engine({"Containers": 3, "ContainersStopped": 2, "Images": 5}, containers=1)

    (clean,) = sprawl(ProjectFacts(root=tmp_path, engines=[tidy]))  # type: ignore[arg-type]
    (left,) = sprawl(ProjectFacts(root=tmp_path, engines=[messy]))  # type: ignore[arg-type]

    assert clean.status is Status.PASS
    assert left.status is Status.UNKNOWN
    assert left.reason == (
        "2 stopped containers and about 4 images no container uses: confirm they are "
        "still needed, or prune them"
    )
    assert [(e.field, e.snippet) for e in left.evidence] == [
        ("Containers", "3"),
        ("ContainersStopped", "2"),
        ("Images", "5"),
    ]
