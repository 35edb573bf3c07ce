"""Reading Docker engines: containers, images, the daemon and the swarm, read-only.

Like ``project/``, this is a reader: it turns what the engines answer into typed facts
(:class:`~reviewtui.live.facts.EngineFacts`) with problems for whatever could not be read,
and the detectors in ``detect/live_checks`` judge them.
"""

from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts, SwarmFacts
from reviewtui.live.read import read_engines
from reviewtui.live.settings import LiveSettings

__all__ = [
    "ContainerFacts",
    "EngineFacts",
    "ImageFacts",
    "LiveSettings",
    "SwarmFacts",
    "read_engines",
]
