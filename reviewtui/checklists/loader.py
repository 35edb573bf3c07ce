"""Loading and validating the checklist YAML files into :class:`Item` and :class:`Checklist`.

The wheel carries the YAML files inside the package (``reviewtui/checklists/data``); an
editable install does not, so the loader falls back to the repository's ``checklists/``.
Teams add their own files in the same schema (see :mod:`reviewtui.custom`); an item may
then answer itself with a declarative ``match:`` block instead of a named detector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reviewtui import fast_yaml
from reviewtui.custom.schema import MatchError, MatchRule, parse_match
from reviewtui.model import Severity

CHECKLIST_ORDER = ("image", "build", "runtime", "operations")
_ID = re.compile(r"^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$")
_REQUIRED_TEXT = ("title", "question", "why", "fix")
_KNOWN_KEYS = {
    "id",
    "title",
    "question",
    "why",
    "fix",
    "example",
    "severity",
    "references",
    "detector",
    "match",
    "evidence",
}


class ChecklistError(Exception):
    """A checklist file is broken; the message names the file, line and item."""


@dataclass(frozen=True)
class References:
    """Where an item comes from: CIS Docker Benchmark v1.6 numbers, other tools' ids, links."""

    cis: tuple[str, ...] = ()
    tools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One question of a checklist.

    ``detector`` names the function in the detector registry that answers the item from
    the project's evidence; ``match`` is a declarative detector written in the checklist
    file instead; with neither, only a person can answer the item, and ``evidence``
    says what the person should look at.
    """

    id: str
    checklist: str
    title: str
    question: str
    why: str
    fix: str
    example: str
    severity: Severity
    references: References
    detector: str | None
    evidence: str
    source: str
    match: MatchRule | None = None

    @property
    def automatic(self) -> bool:
        """True when a detector (named or declarative) answers this item."""
        return self.detector is not None or self.match is not None


@dataclass(frozen=True)
class Checklist:
    """One of the checklists (image, build, runtime, operations) and its items in order."""

    name: str
    title: str
    description: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Catalogue:
    """Every checklist that was loaded, in review order, with an index by item id."""

    checklists: tuple[Checklist, ...]

    @property
    def items(self) -> list[Item]:
        """All items, checklist by checklist."""
        return [item for checklist in self.checklists for item in checklist.items]

    def item(self, item_id: str) -> Item | None:
        """The item with this id, or None."""
        return self._index().get(item_id)

    def _index(self) -> dict[str, Item]:
        cached: dict[str, Item] | None = self.__dict__.get("_cached_index")
        if cached is None:
            cached = {item.id: item for item in self.items}
            object.__setattr__(self, "_cached_index", cached)
        return cached


def builtin_dir() -> Path:
    """The folder holding the shipped checklists: inside the package, else the repo's."""
    packaged = Path(__file__).with_name("data")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "checklists"


def load_catalogue(extra_dirs: Iterable[Path] = ()) -> Catalogue:
    """Load the shipped checklists plus any from ``extra_dirs``.

    Items from an extra folder join the checklist their file names (a new checklist when
    the name is new). Raises :class:`ChecklistError` naming the file, line and item.
    """
    files = sorted(builtin_dir().glob("*.yaml"), key=_order_key)
    for folder in extra_dirs:
        files.extend(sorted(Path(folder).glob("*.yaml"), key=_order_key))
    if not files:
        raise ChecklistError(f"{builtin_dir()}: no checklist files found")

    merged: dict[str, Checklist] = {}
    seen: dict[str, str] = {}
    for path in files:
        checklist = load_file(path)
        for item in checklist.items:
            if item.id in seen:
                raise ChecklistError(
                    f"{item.source}: item {item.id}: id already used in {seen[item.id]}"
                )
            seen[item.id] = item.source
        if checklist.name in merged:
            earlier = merged[checklist.name]
            checklist = Checklist(
                earlier.name, earlier.title, earlier.description, earlier.items + checklist.items
            )
        merged[checklist.name] = checklist
    ordered = sorted(merged.values(), key=lambda c: _order_key(Path(c.name)))
    return Catalogue(tuple(ordered))


def load_file(path: Path) -> Checklist:
    """Read and validate one checklist file."""
    try:
        text = path.read_text(encoding="utf-8")
        data = fast_yaml.load(text, _ruamel_load)
    except (OSError, UnicodeDecodeError) as error:
        raise ChecklistError(f"{path}: cannot read: {error}") from error
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        item = _item_before(text, mark.line + 1) if mark else None
        where += f": item {item}" if item else ""
        raise ChecklistError(
            f"{where}: invalid YAML: {getattr(error, 'problem', error)}"
        ) from error

    if not isinstance(data, dict):
        raise ChecklistError(f"{path}: expected a mapping with 'checklist' and 'items'")
    name = data.get("checklist")
    if not isinstance(name, str) or not name:
        raise ChecklistError(f"{path}: missing 'checklist' name")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ChecklistError(f"{path}: 'items' must be a non-empty list")

    items = []
    for index, raw in enumerate(raw_items):
        line = _line_of(raw_items, index)
        items.append(_parse_item(raw, name, path, line))
    return Checklist(
        name=name,
        title=str(data.get("title") or name.capitalize()),
        description=str(data.get("description") or ""),
        items=tuple(items),
    )


def _ruamel_load(text: str) -> Any:
    """The round-trip document, for what :mod:`reviewtui.fast_yaml` leaves to ruamel."""
    return YAML(typ="rt").load(text)


def _parse_item(raw: Any, checklist: str, path: Path, line: int) -> Item:
    where = f"{path}:{line}"
    if not isinstance(raw, dict):
        raise ChecklistError(f"{where}: item must be a mapping")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _ID.match(item_id):
        raise ChecklistError(
            f"{where}: item {item_id!r}: id must look like '{checklist}.some-name'"
        )
    label = f"{where}: item {item_id}"
    if item_id.split(".", 1)[0] != checklist:
        raise ChecklistError(f"{label}: id must start with '{checklist}.'")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise ChecklistError(f"{label}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    for key in _REQUIRED_TEXT:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ChecklistError(f"{label}: '{key}' is required text")
    try:
        severity = Severity(str(raw.get("severity")))
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ChecklistError(f"{label}: severity must be one of {choices}") from None
    detector = raw.get("detector")
    if detector is not None and (not isinstance(detector, str) or not detector.strip()):
        raise ChecklistError(f"{label}: 'detector' must be a name or null")
    match = _parse_match(raw, path, line, item_id)
    if detector is not None and match is not None:
        raise ChecklistError(f"{label}: give either 'detector' or 'match', not both")
    evidence = raw.get("evidence") or ""
    if detector is None and match is None and not str(evidence).strip():
        raise ChecklistError(f"{label}: an item without a detector needs 'evidence' text")
    return Item(
        id=item_id,
        checklist=checklist,
        title=raw["title"].strip(),
        question=raw["question"].strip(),
        why=raw["why"].strip(),
        fix=raw["fix"].strip(),
        example=str(raw.get("example") or "").rstrip(),
        severity=severity,
        references=_parse_references(raw.get("references"), label),
        detector=detector,
        evidence=str(evidence).strip(),
        source=where,
        match=match,
    )


def _parse_match(raw: Any, path: Path, line: int, item_id: str) -> MatchRule | None:
    """The item's ``match:`` rule, with errors naming the line of the faulty key."""
    if raw.get("match") is None:
        return None
    try:
        key_line = int(raw.lc.key("match")[0]) + 1
    except (AttributeError, KeyError, TypeError):
        key_line = line
    try:
        return parse_match(raw["match"], key_line)
    except MatchError as error:
        raise ChecklistError(f"{path}:{error.line or line}: item {item_id}: {error}") from None


def _parse_references(raw: Any, label: str) -> References:
    if raw is None:
        return References()
    if not isinstance(raw, dict):
        raise ChecklistError(f"{label}: 'references' must be a mapping")
    cis = raw.get("cis") or []
    links = raw.get("links") or []
    tools = raw.get("tools") or {}
    if not isinstance(cis, list) or not isinstance(links, list) or not isinstance(tools, dict):
        raise ChecklistError(f"{label}: references.cis and .links are lists, .tools a mapping")
    if not all(isinstance(number, str) for number in cis):
        # Unquoted, 5.10 is the float 5.1: a different CIS recommendation.
        raise ChecklistError(f"{label}: references.cis numbers must be quoted strings")
    tool_ids: dict[str, tuple[str, ...]] = {}
    for tool, ids in tools.items():
        if not isinstance(ids, list):
            raise ChecklistError(f"{label}: references.tools.{tool} must be a list of ids")
        tool_ids[str(tool)] = tuple(str(i) for i in ids)
    return References(tuple(str(c) for c in cis), tool_ids, tuple(str(u) for u in links))


_ITEM_ID_LINE = re.compile(r"^\s*-\s+id:\s*[\"']?([^\s\"'#]+)")


def _item_before(text: str, line: int) -> str | None:
    """The id of the item whose text holds a 1-based line, read from the raw text."""
    for raw in reversed(text.splitlines()[:line]):
        match = _ITEM_ID_LINE.match(raw)
        if match:
            return match.group(1)
    return None


def _line_of(seq: Any, index: int) -> int:
    """1-based line of a sequence entry, when the YAML loader recorded it."""
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def _order_key(path: Path) -> tuple[int, str]:
    stem = path.stem
    rank = CHECKLIST_ORDER.index(stem) if stem in CHECKLIST_ORDER else len(CHECKLIST_ORDER)
    return (rank, stem)
