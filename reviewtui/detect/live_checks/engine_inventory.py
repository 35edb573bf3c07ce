"""What only a person can judge, laid out from the engine: the ports each container
publishes (CIS 5.9) and the containers and images left lying around (CIS 6.1, 6.2).

Neither item has a rule that settles it, so these detectors answer "needs a person"
with the inventory as evidence; they pass only where there is nothing to judge.
"""

from __future__ import annotations

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.live_checks.container_network import published_ports
from reviewtui.detect.live_checks.findings import Detector, per_container, per_engine
from reviewtui.live.facts import ContainerFacts, EngineFacts
from reviewtui.model import Finding, Status


def _published_ports(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """UNKNOWN listing each published port, for the reviewer to confirm it is needed;
    NOT_APPLICABLE for a container that publishes none."""
    ports, _ = published_ports(container)
    if not ports:
        return Finding(
            container.target,
            Status.NOT_APPLICABLE,
            "publishes no port",
            (container.evidence("HostConfig.PortBindings"),),
        )
    listed = names([port.text for port in ports])
    return Finding(
        container.target,
        Status.UNKNOWN,
        f"publishes {listed}: confirm each is needed and filtered (DOCKER-USER or a "
        "firewall in front of the host)",
        tuple(dict.fromkeys(port.evidence for port in ports)),
    )


def _engine_sprawl(engine: EngineFacts) -> Finding:
    """PASS with no stopped container and no image that no container uses; otherwise
    UNKNOWN with the counts, for the reviewer to confirm what is still needed."""
    stopped = engine.info.get("ContainersStopped")
    images = engine.info.get("Images")
    in_use = {str(container.data.get("Image", "")) for container in engine.containers} - {""}
    evidence = (
        engine.evidence("Containers"),
        engine.evidence("ContainersStopped"),
        engine.evidence("Images"),
    )
    if not isinstance(stopped, int) or not isinstance(images, int):
        return Finding(
            engine.target, Status.UNKNOWN, "the engine does not count its objects", evidence
        )
    unused = max(images - len(in_use), 0) if engine.containers or images else 0
    if stopped == 0 and unused == 0:
        return Finding(
            engine.target,
            Status.PASS,
            "no stopped container and no image that no container uses",
            evidence,
        )
    parts = []
    if stopped:
        parts.append(f"{stopped} stopped container{'s' if stopped != 1 else ''}")
    if unused:
        parts.append(f"about {unused} image{'s' if unused != 1 else ''} no container uses")
    return Finding(
        engine.target,
        Status.UNKNOWN,
        f"{' and '.join(parts)}: confirm they are still needed, or prune them",
        evidence,
    )


DETECTORS: dict[str, Detector] = {
    "published_ports": per_container(_published_ports),
    "engine_sprawl": per_engine(_engine_sprawl),
}
