"""Waivers: decisions already made in a project that turn failing targets into accepted risks."""

from typing import TYPE_CHECKING, Any

from reviewtui.waivers.model import NO_REASON, Span, Waiver, WaiverSource, matches_pattern
from reviewtui.waivers.project_file import PROJECT_FILE

if TYPE_CHECKING:
    from reviewtui.waivers.collect import WaiverCollector, collect_waivers

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


def __getattr__(name: str) -> Any:
    """``collect_waivers`` and ``WaiverCollector`` on first use: they need every project
    reader, and the models here are imported by the review model the app's first frame
    needs."""
    if name in ("collect_waivers", "WaiverCollector"):
        from reviewtui.waivers import collect

        return getattr(collect, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
