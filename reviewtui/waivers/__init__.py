"""Waivers: decisions already made in a project that turn failing targets into accepted risks."""

from reviewtui.waivers.collect import WaiverCollector, collect_waivers
from reviewtui.waivers.model import NO_REASON, Span, Waiver, WaiverSource, matches_pattern
from reviewtui.waivers.project_file import PROJECT_FILE

__all__ = [
    "NO_REASON",
    "PROJECT_FILE",
    "Span",
    "Waiver",
    "WaiverCollector",
    "WaiverSource",
    "collect_waivers",
    "matches_pattern",
]
