"""Compose YAML turned into plain Python values that remember the file and line of each entry.

The round-trip loader of ruamel.yaml reads YAML 1.2 (``22:22`` and ``yes`` stay strings) and
keeps a line for every key and sequence entry, and compose's ``!reset`` and ``!override``
tags on the tagged node. :func:`parse_yaml` loads one text; :func:`to_located` walks the
loaded tree once, interpolating every string on the way, into :class:`YamlMap` and
:class:`YamlList` values: a ``dict`` and a ``list`` that carry an :data:`EntryMeta` per
entry.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.compat import ordereddict
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.tag import Tag

from reviewtui import fast_yaml
from reviewtui.model import Problem

MAX_NODES = 100_000
"""Values one file may expand to; aliases of aliases ("billion laughs") stop here."""

MAX_DEPTH = 64
"""Nesting deeper than this is cut off; no compose file needs a tenth of it."""

MAX_FLOW_DEPTH = 200
"""Bracket nesting refused before parsing: the parser takes seconds to fail on thousands."""

_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")

RESET = "!reset"
OVERRIDE = "!override"
_MERGE_TAGS = frozenset({RESET, OVERRIDE})


class Location(NamedTuple):
    """Where an entry was written: a file relative to the project root, and a 1-based line."""

    path: str
    line: int

    # A location is also the meta of an entry of which nothing else is known (most are),
    # so that a big tree's compose facts do not hold a Meta beside each location.

    @property
    def location(self) -> Location:
        """The location itself, as :attr:`Meta.location`."""
        return self

    @property
    def tag(self) -> None:
        """No merge tag, as :attr:`Meta.tag`."""
        return None

    @property
    def substitution(self) -> None:
        """No interpolation, as :attr:`Meta.substitution`."""
        return None


class Substitution(NamedTuple):
    """How interpolation produced a string, for detectors that care where a value came from.

    ``raw`` is the text as written; ``names`` the variables it refers to; ``unset`` those
    set nowhere (they became empty or took their default); ``from_env_file`` those read
    from ``env_file``; ``defaulted`` those whose default, written in the compose file,
    was used.
    """

    raw: str
    names: tuple[str, ...]
    unset: tuple[str, ...]
    from_env_file: tuple[str, ...]
    defaulted: tuple[str, ...]
    env_file: str | None


class Meta(NamedTuple):
    """What is known about one entry of a mapping or sequence besides its value, when
    that is more than its location (see :data:`EntryMeta`)."""

    # TODO: a big tree's compose facts still hold a Location per entry (11 MB of the
    # synthetic tree's); a mapping could keep a line per key and its file once instead.

    location: Location
    tag: str | None = None
    substitution: Substitution | None = None


EntryMeta = Meta | Location
"""What a :class:`YamlMap` or :class:`YamlList` keeps per entry: its :class:`Location`
alone when it has no tag and no substitution, a :class:`Meta` otherwise; both have
``location``, ``tag`` and ``substitution``."""


def entry_meta(
    location: Location, tag: str | None = None, substitution: Substitution | None = None
) -> EntryMeta:
    """The meta of an entry: the location alone when nothing else is known."""
    if tag is None and substitution is None:
        return location
    return Meta(location, tag, substitution)


class YamlMap(dict[Any, Any]):
    """A mapping from a compose file; ``meta[key]`` says where each entry was written.

    ``location`` is where the mapping itself starts (for a mapping under a key, the key).
    """

    __slots__ = ("location", "meta")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.meta: dict[Any, EntryMeta] = {}

    def put(self, key: Any, value: Any, meta: EntryMeta) -> None:
        """Set ``key`` to ``value``, remembering where it came from."""
        self[key] = value
        self.meta[key] = meta

    def drop(self, key: Any) -> None:
        """Remove ``key`` and what is known about it, if present."""
        self.pop(key, None)
        self.meta.pop(key, None)

    def location_of(self, key: Any) -> Location:
        """The line of ``key``, or of the mapping when the key is not there."""
        meta = self.meta.get(key)
        return meta.location if meta is not None else self.location

    def substitution_of(self, key: Any) -> Substitution | None:
        """How the string at ``key`` was interpolated, if it held a variable."""
        meta = self.meta.get(key)
        return meta.substitution if meta is not None else None


class YamlList(list[Any]):
    """A sequence from a compose file; ``meta[i]`` says where entry ``i`` was written."""

    __slots__ = ("location", "meta")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.meta: list[EntryMeta] = []

    def add(self, value: Any, meta: EntryMeta) -> None:
        """Append ``value``, remembering where it came from."""
        self.append(value)
        self.meta.append(meta)

    def entries(self) -> Iterator[tuple[Any, EntryMeta]]:
        """Each value with its meta."""
        return zip(self, self.meta, strict=False)


Interpolate = Callable[[str], tuple[str, Substitution | None]]
"""Turns a string as written into its value, and says how when a variable was involved."""


class TooBig(Exception):
    """Raised inside :func:`to_located` when a file expands past :data:`MAX_NODES`."""


def new_loader() -> YAML:
    """A round-trip YAML 1.2 loader; one per reading pass, as loaders keep state."""
    return YAML(typ="rt", pure=True)


def parse_yaml(loader: YAML, text: str, rel: str) -> tuple[Any, Problem | None]:
    """The loaded document, or None and a problem with the line the YAML error points at.

    libyaml reads the text when it can (see :mod:`reviewtui.fast_yaml`), ``loader``
    when it cannot, and the document is the same either way.
    """
    if too_many_brackets(text):
        return None, Problem(rel, None, "YAML nested too deeply to read")
    try:
        with warnings.catch_warnings():
            # A reused anchor is valid YAML 1.2 (the later one wins), and a float like
            # 1e3 under "%YAML 1.1" is read all the same; ruamel's warnings would only
            # print over the terminal.
            warnings.simplefilter("ignore", YAMLWarning)
            return fast_yaml.load(text, loader.load), None
    except RecursionError:
        return None, Problem(rel, None, "YAML nested too deeply to read")
    except (YAMLError, ValueError, TypeError, OverflowError) as error:
        line, what = describe_yaml_error(error, text)
        return None, Problem(rel, line, f"invalid YAML: {what}")


def describe_yaml_error(error: Exception, text: str) -> tuple[int | None, str]:
    """The 1-based line a ruamel.yaml error points at (None when nothing tells) and what
    went wrong, on one line and without ruamel's ``in "<unicode string>"`` trailer.

    A reader error (a control character) has only a character position, turned into a
    line and column here; a value the constructor refuses (``2001-13-45``) has no mark,
    so the node it was building is looked up in the traceback.
    """
    if isinstance(error, RecursionError):
        return None, "nested too deeply to read"
    if isinstance(error, ReaderError):
        return _reader_error(error, text)
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        return line, _one_line(error.problem or error.context or "not valid YAML")
    if isinstance(error, YAMLError):
        return None, _one_line(str(error).split(' in "<', 1)[0])
    return _node_line(error), _one_line(f"value cannot be read: {error}")


def _reader_error(error: ReaderError, text: str) -> tuple[int | None, str]:
    position = error.position if isinstance(error.position, int) else None
    character = error.character
    shown = f"#x{character:04x}" if isinstance(character, int) else repr(character)
    if position is None or not 0 <= position <= len(text):
        return None, _one_line(f"unacceptable character {shown}: {error.reason}")
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, _one_line(f"unacceptable character {shown} at column {column}: {error.reason}")


def _node_line(error: BaseException) -> int | None:
    """The line of the innermost node being constructed when ``error`` was raised."""
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        node = traceback.tb_frame.f_locals.get("node")
        mark_line = getattr(getattr(node, "start_mark", None), "line", None)
        if isinstance(mark_line, int):
            line = mark_line + 1
        traceback = traceback.tb_next
    return line


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def spelled(value: Any) -> str:
    """A loaded YAML or JSON value as the file spells it, for a reason a reviewer reads.

    ``true``, ``false`` and ``null`` instead of Python's names; lists and mappings in
    JSON's flow form; a string as it is, quoted only when bare it would be lost or read
    as another value (empty, padded, ``"true"``, ``"null"``).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if _needs_quotes(value) else value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _needs_quotes(text: str) -> bool:
    return not text or text != text.strip() or text.lower() in ("true", "false", "null")


def too_many_brackets(text: str) -> bool:
    """True when ``[`` and ``{`` nest deeper than :data:`MAX_FLOW_DEPTH` (brackets inside
    strings count too, which only makes the bound stricter than it needs to be)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return False
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", text):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        if depth > MAX_FLOW_DEPTH:
            return True
    return False


def expands_past(documents: Any, limit: int = MAX_NODES) -> bool:
    """True when walking ``documents`` visits more than ``limit`` values, counting a value
    each time an alias repeats it (a loop of aliases counts forever, so it is past too)."""
    visits = 0
    waiting = [documents]
    while waiting:
        node = waiting.pop()
        visits += 1
        if visits > limit:
            return True
        if isinstance(node, dict):
            waiting.extend(node.keys())
            waiting.extend(node.values())
        elif isinstance(node, list | tuple):
            waiting.extend(node)
    return False


class Walker:
    """Turns one loaded document into located values, within a budget of nodes and depth."""

    def __init__(self, rel: str, interpolate: Interpolate, problems: list[Problem]) -> None:
        self.rel = rel
        self.interpolate = interpolate
        self.problems = problems
        self.nodes = 0
        self.too_deep = False
        self.saw_reset = False
        # One Location per line: the entries of a flow mapping or sequence share a line,
        # and a mapping under a key starts at the key's line.
        self._lines: dict[int, Location] = {}

    def value(self, node: Any, location: Location, depth: int = 0) -> tuple[Any, EntryMeta]:
        """The plain value of ``node`` written at ``location``, with its meta."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooBig
        if type(node) is str:  # the common case, which carries no tag
            # Interned: the compose files of a tree repeat most keys and many values
            # (``always``, ``80:80``), and the documents made of them are kept to the end.
            if "$" not in node:
                return sys.intern(node), location
            text, substitution = self.interpolate(node)
            return sys.intern(text), entry_meta(location, None, substitution)
        tag = _merge_tag(node)
        if tag == RESET:
            # What a reset node holds is thrown away by compose; only the tag matters.
            self.saw_reset = True
            return None, entry_meta(location, tag)
        if isinstance(node, CommentedMap):
            return self._mapping(node, location, depth), entry_meta(location, tag)
        if isinstance(node, CommentedSeq):
            return self._sequence(node, location, depth), entry_meta(location, tag)
        if isinstance(node, TaggedScalar):
            node = node.value
        if isinstance(node, str):
            if "$" not in node:
                return str(node), entry_meta(location, tag)
            text, substitution = self.interpolate(str(node))
            return text, entry_meta(location, tag, substitution)
        return plain_scalar(node), entry_meta(location, tag)

    def _mapping(self, node: CommentedMap, location: Location, depth: int) -> YamlMap | None:
        if depth >= MAX_DEPTH:
            self._note_too_deep(location)
            return None
        result = YamlMap(location)
        own = node.lc.data or {}
        # Straight from the dict, where every key is, merged ones too: ruamel's own items
        # view gives the same entries in the same order, one Python call for each.
        for key, child in ordereddict.items(node):
            key_location = self._key_location(node, own, key, location)
            value, meta = self.value(child, key_location, depth + 1)
            plain = key if type(key) is str else plain_key(key)
            result.put(sys.intern(plain) if type(plain) is str else plain, value, meta)
        return result

    def _sequence(self, node: CommentedSeq, location: Location, depth: int) -> YamlList | None:
        if depth >= MAX_DEPTH:
            self._note_too_deep(location)
            return None
        result = YamlList(location)
        lines = node.lc.data or {}  # tagged flow sequences may come without lines
        # The list's own iterator: ruamel's sequence goes through Python for each entry.
        for index, child in enumerate(list.__iter__(node)):
            position = lines.get(index)
            item_location = self._at(position[0] + 1) if position is not None else location
            value, meta = self.value(child, item_location, depth + 1)
            result.add(value, meta)
        return result

    def _key_location(
        self, node: CommentedMap, own: dict[Any, Any], key: Any, fallback: Location
    ) -> Location:
        position = own.get(key)
        if position is not None:
            return self._at(position[0] + 1)
        # A key that came in through ``<<: *anchor``: its line is where the anchored
        # mapping wrote it, which is where the value a reviewer must change lives.
        merged = _merged_key_line(node, key, 0)
        return self._at(merged) if merged is not None else fallback

    def _at(self, line: int) -> Location:
        """The location of ``line`` of this file, one object per line."""
        location = self._lines.get(line)
        if location is None:
            location = self._lines[line] = Location(self.rel, line)
        return location

    def _note_too_deep(self, location: Location) -> None:
        if not self.too_deep:
            self.too_deep = True
            self.problems.append(
                Problem(
                    self.rel,
                    location.line,
                    f"nested deeper than {MAX_DEPTH} levels; the deeper part is skipped",
                )
            )


def _merged_key_line(node: CommentedMap, key: Any, depth: int) -> int | None:
    if depth > 8:
        return None
    for source in _merge_sources(node):
        position = source.lc.data.get(key)
        if position is not None:
            return int(position[0]) + 1
        deeper = _merged_key_line(source, key, depth + 1)
        if deeper is not None:
            return deeper
    return None


def _merge_sources(node: CommentedMap) -> list[CommentedMap]:
    merged = getattr(node, "merge", None)
    if not merged:
        return []
    sources = []
    for item in merged:
        # Older ruamel releases give (position, mapping) pairs, newer ones the mappings.
        source = item[1] if isinstance(item, tuple) else item
        if isinstance(source, CommentedMap):
            sources.append(source)
    return sources


def _merge_tag(node: Any) -> str | None:
    # The attribute itself: ruamel's ``tag`` property makes a Tag for every node it asks.
    tag = getattr(node, Tag.attrib, None)
    value = getattr(tag, "value", None)
    return value if value in _MERGE_TAGS else None


def plain_scalar(node: Any) -> Any:
    """A ruamel scalar as the plain Python value it stands for."""
    if node is None or type(node) in (bool, int, float, str):
        return node
    if isinstance(node, ScalarBoolean):
        return bool(node)
    if isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime.date):
        return node.isoformat()
    return str(node)


def plain_key(key: Any) -> Any:
    """A mapping key as a plain hashable value (complex keys become their text)."""
    if isinstance(key, str | int | float | bool) or key is None:
        return plain_scalar(key)
    return str(key)
