"""The project file ``.reviewtui.yaml``: waivers a team records for its project.

Layout::

    waivers:
      - item: runtime.not-privileged     # required: a checklist item id
        target: vpn                      # glob over target text, path or name; default *
        reason: needs NET_ADMIN for the tunnel   # required
        owner: platform-team             # optional
        expires: 2026-01-31              # optional, YYYY-MM-DD; expired waivers do not count

An entry that cannot be used is a problem naming the file and line, and waives nothing;
the file as a whole never stops a scan.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError

from reviewtui import fast_yaml
from reviewtui.model import Problem
from reviewtui.project.textfile import read_text
from reviewtui.waivers.model import Waiver, WaiverSource

PROJECT_FILE = ".reviewtui.yaml"
_TOP_KEYS = frozenset({"waivers"})
_ENTRY_KEYS = frozenset({"item", "target", "reason", "owner", "expires"})


class _TextDates(RoundTripConstructor):
    """Dates stay text, so a bad one (2026-02-30) is an entry's problem with its line,
    not an error of the whole file."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


class _EntryError(ValueError):
    """One waiver entry cannot be used; ``line`` is where the fault is."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def read_project_file(
    root: Path, items: frozenset[str], today: date
) -> tuple[list[Waiver], list[Problem]]:
    """The waivers of ``root/.reviewtui.yaml`` and the problems with it (none if absent)."""
    if not (root / PROJECT_FILE).is_file():
        return [], []
    text, problem = read_text(root, PROJECT_FILE)
    problems = [problem] if problem is not None else []
    if text is None:
        return [], problems
    loader = YAML(typ="rt")
    loader.Constructor = _TextDates
    try:
        # libyaml reads it when it can: a big file of waivers takes ruamel seconds.
        document = fast_yaml.load(text, loader.load, dates_as_text=True)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem_text = getattr(error, "problem", None) or str(error).splitlines()[0]
        return [], [*problems, Problem(PROJECT_FILE, line, f"invalid YAML: {problem_text}")]
    except (ValueError, RecursionError) as error:
        return [], [*problems, Problem(PROJECT_FILE, None, f"cannot read: {error}")]
    waivers, found = parse_project_document(document, items, today)
    return waivers, problems + found


def parse_project_document(
    document: Any, items: frozenset[str], today: date
) -> tuple[list[Waiver], list[Problem]]:
    """The waivers of a loaded project file, and a problem for each entry left out."""
    if document is None:
        return [], []
    if not isinstance(document, dict):
        return [], [Problem(PROJECT_FILE, 1, "expected a mapping with a 'waivers' list")]
    problems = [
        Problem(PROJECT_FILE, _key_line(document, key), f"unknown key {key!r} (known: waivers)")
        for key in document
        if key not in _TOP_KEYS
    ]
    entries = document.get("waivers")
    if entries is None:
        return [], problems
    if not isinstance(entries, list):
        line = _key_line(document, "waivers")
        return [], [*problems, Problem(PROJECT_FILE, line, "'waivers' must be a list")]

    waivers = []
    for index, entry in enumerate(entries):
        line = _entry_line(entries, index)
        try:
            waivers.append(_waiver(entry, line, items, today))
        except _EntryError as error:
            label = _label(entry, index)
            problems.append(Problem(PROJECT_FILE, error.line or line, f"{label}: {error}"))
    return waivers, problems


def _waiver(entry: Any, line: int | None, items: frozenset[str], today: date) -> Waiver:
    if not isinstance(entry, dict):
        raise _EntryError("must be a mapping with item, target, reason, owner, expires", line)
    unknown = sorted(str(key) for key in entry if key not in _ENTRY_KEYS)
    if unknown:
        known = ", ".join(sorted(_ENTRY_KEYS))
        raise _EntryError(
            f"unknown key {unknown[0]!r} (known: {known})", _key_line(entry, unknown[0])
        )
    item = _text(entry, "item", required=True)
    if item not in items:
        close = difflib.get_close_matches(item, sorted(items), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise _EntryError(f"no checklist item is named {item!r}{hint}", _key_line(entry, "item"))
    reason = _text(entry, "reason", required=True)
    expires = _expiry(entry)
    return Waiver(
        item=item,
        source=WaiverSource.PROJECT_FILE,
        path=PROJECT_FILE,
        line=line,
        reason=reason,
        owner=_text(entry, "owner"),
        expires=expires.isoformat() if expires else "",
        expired=expires is not None and expires < today,
        pattern=_text(entry, "target") or "*",
    )


def _text(entry: dict[Any, Any], key: str, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise _EntryError(f"'{key}' is required", None)
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _EntryError(f"'{key}' must be text", _key_line(entry, key))
    return value.strip()


def _expiry(entry: dict[Any, Any]) -> date | None:
    value = entry.get("expires")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _EntryError(
            f"'expires' must be a date written YYYY-MM-DD, not {str(value)!r}",
            _key_line(entry, "expires"),
        ) from None


def _label(entry: Any, index: int) -> str:
    item = entry.get("item") if isinstance(entry, dict) else None
    return f"waiver {index + 1}" + (f" ({item})" if isinstance(item, str) and item else "")


def _key_line(mapping: Any, key: Any) -> int | None:
    """1-based line of ``key`` in a round-trip mapping, when the loader recorded it."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


def _entry_line(seq: Any, index: int) -> int | None:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
