"""A review meeting: when it ran, who attended, and which items it decided."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

_NAME_SEPARATORS = re.compile(r"[,\n]")


@dataclass
class Meeting:
    """One security review meeting, as the review file keeps it.

    ``started`` and ``ended`` are ISO 8601 UTC times; ``ended`` stays empty while the
    meeting runs, and also when the app stopped before the meeting was ended (the next
    meeting started goes on with it). ``attendees`` are the names given at the start, in
    that order; ``decisions`` the ids of the items decided in the meeting, each once, in
    the order they were first decided. Who took each decision is on the item's answer.
    """

    started: str
    attendees: list[str]
    ended: str = ""
    decisions: list[str] = field(default_factory=list)

    @property
    def under_way(self) -> bool:
        """True while the meeting has not been ended."""
        return not self.ended

    def minutes(self, now: str = "") -> int | None:
        """How long the meeting lasted (or has lasted by ``now``), in whole minutes.

        None when a time is missing or is not one, so a damaged record shows no length
        rather than a wrong one.
        """
        end = self.ended or now
        start, stop = _parse_time(self.started), _parse_time(end)
        if start is None or stop is None or stop < start:
            return None
        return int((stop - start).total_seconds() // 60)

    def to_dict(self) -> dict[str, object]:
        """Plain form for the review file."""
        return {
            "started": self.started,
            "ended": self.ended,
            "attendees": list(self.attendees),
            "decisions": list(self.decisions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Meeting:
        """Inverse of :meth:`to_dict`; TypeError or KeyError for a damaged record."""
        return cls(
            started=str(data["started"]),
            ended=str(data.get("ended") or ""),
            attendees=_strings(data.get("attendees", []), "attendees"),
            decisions=_strings(data.get("decisions", []), "decisions"),
        )


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
        raise TypeError(f"meeting {name} must be a list of strings")
    return list(value)


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_attendees(text: str) -> list[str]:
    """The names typed into the attendees field: one per line or comma separated.

    Blank entries are dropped, spaces inside a name are kept single, and a name given
    twice (in any case) counts once, as first spelt.
    """
    return clean_attendees(_NAME_SEPARATORS.split(text))


def clean_attendees(names: Iterable[str]) -> list[str]:
    """``names`` stripped, without blanks or repeats (case-insensitive), in order."""
    seen: set[str] = set()
    cleaned: list[str] = []
    for name in names:
        tidy = " ".join(name.split())
        if tidy and tidy.casefold() not in seen:
            seen.add(tidy.casefold())
            cleaned.append(tidy)
    return cleaned


def duration_words(minutes: int | None) -> str:
    """``42 minutes``, ``1 h 05 min``, ``under a minute``; empty when not known."""
    if minutes is None:
        return ""
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} h {minutes % 60:02d} min"
