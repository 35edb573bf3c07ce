"""Waivers: decisions already made in a project that turn failing targets into accepted risks."""

from typing import TYPE_CHECKING, Any

from reviewtui.waivers.model import NO_REASON, Span, Waiver, WaiverSource, matches_pattern
from reviewtui.waivers.project_file import PROJECT_FILE

if TYPE_CHECKING:
    from reviewtui.waivers.collect import collect_waivers

__all__ = [
    "NO_REASON",
    "PROJECT_FILE",
    "Span",
    "Waiver",
    "WaiverSource",
    "collect_waivers",
    "matches_pattern",
]


def __getattr__(name: str) -> Any:
    """``collect_waivers`` on first use: it needs every project reader, and the models
    here are imported by the review model the app's first frame needs."""
    if name == "collect_waivers":
        from reviewtui.waivers.collect import collect_waivers

        return collect_waivers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
