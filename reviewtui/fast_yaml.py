"""YAML read by libyaml when it can be, into the document ruamel.yaml's round-trip loader
would make of the same text.

ruamel.yaml's parser is pure Python, and reading YAML with it is the slowest step of a
scan. libyaml, the C parser behind PyYAML, builds the same node tree many times faster;
:func:`load` turns those nodes into ruamel's own containers (``CommentedMap``,
``CommentedSeq``) with the lines and columns ruamel records for every key and entry, and
resolves scalars by ruamel's YAML 1.2 rules (``yes`` and ``22:22`` stay text, ``0o17`` is
fifteen). Scalars come as plain Python values (``str``, ``int``, ``float``, ``bool``,
``None``, ``datetime.date``) where ruamel gives subclasses of them, and neither comments
nor flow styles are kept: the readers use neither. The one position that differs is an
empty value's (``key:`` with nothing after it): libyaml puts it right after the colon,
ruamel at the next token; the readers ask for keys' and entries' lines only.

Whatever this reader cannot promise to read exactly as ruamel does makes it give up, and
the caller's ruamel loader reads the text instead, so errors, their messages and every
rare feature stay ruamel's: a ``%`` directive, any tag, a timestamp with a time of day,
a duplicate or complex key, a recursive alias, a tab, a line break other than ``\\n`` and
``\\r\\n``, and anything libyaml refuses. Merge keys (``<<: *defaults``) are read, the way
ruamel reads them. Without PyYAML's C extension everything goes to ruamel.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq, LineCol, merge_attrib
from ruamel.yaml.compat import ordereddict
from ruamel.yaml.mergevalue import MergeValue

try:  # PyYAML's C extension; without it every text goes to the ruamel loader
    from yaml._yaml import CParser
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
except ImportError:  # pragma: no cover - depends on how PyYAML was installed
    CParser = None

log = logging.getLogger(__name__)

Loader = Callable[[str], Any]
"""A ruamel.yaml round-trip load of one text, which :func:`load` falls back on."""

# Tags the node parser gives nodes that carry none of their own (see _NodeParser).
_PLAIN = "?plain"
_QUOTED = "?quoted"
_COLLECTION = "?collection"
_NON_SPECIFIC = "?non-specific"

# Text that may hold something libyaml and ruamel read differently, or that this reader
# leaves to ruamel anyway: a directive, a non-specific tag ("! x", which libyaml reads as
# a plain "x"), a tab (ruamel refuses one between tokens, libyaml does not), a line
# break of another kind. Checked before parsing.
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)
_NON_SPECIFIC_TAG = re.compile(r"(?:^|[\s\[{,])!(?=[\s\]},]|$)", re.MULTILINE)
_LEFT_TO_RUAMEL = ("\t", "\x85", "\u2028", "\u2029", "\ufeff")
_LONE_CR = re.compile(r"\r(?!\n)")

# ruamel.yaml's implicit resolvers for YAML 1.2 (resolver.py), the same patterns tried in
# the same order for a plain scalar's first character.
_BOOL = re.compile(r"""^(?:true|True|TRUE|false|False|FALSE)$""", re.X)
_FLOAT = re.compile(
    r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_NULL = re.compile(r"""^(?: ~
    |null|Null|NULL
    | )$""", re.X)  # fmt: skip
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_NUMBER_START = frozenset("-+0123456789.")
_BASES = {"0b": 2, "0x": 16, "0o": 8}


_set_item = ordereddict.__setitem__


class _Unsure(Exception):
    """Raised while building when ruamel might read the text differently."""


def available() -> bool:
    """True when libyaml can be used; without it every text goes to ruamel."""
    return CParser is not None


def load(text: str, fallback: Loader, dates_as_text: bool = False) -> Any:
    """The document of ``text``, as ``fallback`` (a ruamel.yaml round-trip load) would
    give it; ``fallback`` reads it whenever libyaml cannot be trusted to agree, and its
    errors are raised as they are.

    ``dates_as_text`` keeps ``2026-01-31`` a string, for a loader whose constructor reads
    timestamps as text.
    """
    document = _read(text, dates_as_text)
    if document is _GAVE_UP:
        return fallback(text)
    return document


_GAVE_UP = object()


def _read(text: str, dates_as_text: bool) -> Any:
    """The document read with libyaml, or ``_GAVE_UP``."""
    if CParser is None or not _plain_text(text):
        return _GAVE_UP
    parser = _NodeParser(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        return _Builder(dates_as_text).value(node)
    except Exception as error:  # noqa: BLE001 - ruamel reads it, and says what is wrong
        log.debug("left to ruamel.yaml: %s", type(error).__name__)
        return _GAVE_UP
    finally:
        parser.dispose()


def _plain_text(text: str) -> bool:
    """False when the text holds something this reader leaves to ruamel."""
    if "%" in text and _DIRECTIVE.search(text):
        return False
    if "!" in text and _NON_SPECIFIC_TAG.search(text):
        return False
    if "\r" in text and _LONE_CR.search(text):
        return False
    return not any(character in text for character in _LEFT_TO_RUAMEL)


if CParser is not None:

    class _NodeParser(CParser):  # type: ignore[misc]
        """libyaml's parser and composer, with the resolving left to :class:`_Builder`:
        each node without a tag of its own gets a marker saying how it was written."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode:
                if implicit[0]:
                    return _PLAIN
                return _QUOTED if implicit[1] else _NON_SPECIFIC
            return _COLLECTION if implicit else _NON_SPECIFIC

        def descend_resolver(self, *_: Any) -> None:
            """Path resolvers are not used."""

        def ascend_resolver(self, *_: Any) -> None:
            """Path resolvers are not used."""


class _Builder:
    """Turns one libyaml node tree into ruamel's containers, as its constructor would."""

    def __init__(self, dates_as_text: bool) -> None:
        self.dates_as_text = dates_as_text
        # An alias is the very node it names: it gets the very container made for it.
        self.made: dict[int, Any] = {}
        self.making: set[int] = set()

    def value(self, node: Any) -> Any:
        """The Python value of ``node``."""
        tag = node.tag
        if tag is _PLAIN:
            return self.plain(node.value)
        if tag is _QUOTED:
            return node.value
        if tag is not _COLLECTION:
            raise _Unsure  # any tag, "!" included
        key = id(node)
        made = self.made.get(key)
        if made is not None:
            return made
        if key in self.making:
            raise _Unsure  # an alias inside the node it names
        self.making.add(key)
        if type(node) is MappingNode:
            made = self.mapping(node)
        else:
            made = self.sequence(node)
        self.making.discard(key)
        self.made[key] = made
        return made

    def mapping(self, node: Any) -> CommentedMap:
        """A mapping with the line and column of each key and value, as ruamel keeps,
        and the mappings a merge key (``<<: *defaults``) brings in after its own keys."""
        data = CommentedMap()
        lc = _line_col(data, node.start_mark)
        lines: dict[Any, list[int]] = {}
        merged: MergeValue | None = None
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _Unsure  # a complex key
            if key_node.tag is _PLAIN and key_node.value == "<<":
                if merged is not None and len(merged):
                    raise _Unsure  # ruamel refuses a second merge key
                merged = merged or MergeValue()
                merged.merge_pos = len(lines)
                self.merge(merged, value_node)
                continue
            key = self.value(key_node)
            if key in lines:
                raise _Unsure  # ruamel refuses duplicate keys, with its own message
            key_mark, value_mark = key_node.start_mark, value_node.start_mark
            lines[key] = [key_mark.line, key_mark.column, value_mark.line, value_mark.column]
            # What ruamel's own __setitem__ does for a new key, without its checks for an
            # old one (none is: a duplicate is refused above), which cost more than this.
            _set_item(data, key, self.value(value_node))
        if lines:
            lc.data = lines
            data._ok |= lines.keys()
        if merged is not None and len(merged):
            _add_merge(data, merged)
        return data

    def merge(self, merged: MergeValue, node: Any) -> None:
        """What a merge key brings in: one mapping, or a sequence of them in order."""
        if type(node) is MappingNode:
            merged.append(self.value(node))
            return
        if type(node) is not SequenceNode:
            raise _Unsure  # ruamel refuses anything else, with its own message
        merged.set_sequence(self.value(node))
        for entry in node.value:
            if type(entry) is not MappingNode:
                raise _Unsure
            merged.append(self.value(entry))

    def sequence(self, node: Any) -> CommentedSeq:
        """A sequence with the line and column of each entry."""
        children = node.value
        data = CommentedSeq([self.value(child) for child in children])
        lc = _line_col(data, node.start_mark)
        if children:
            lc.data = {
                index: [child.start_mark.line, child.start_mark.column]
                for index, child in enumerate(children)
            }
        return data

    def plain(self, value: str) -> Any:
        """A plain scalar as ruamel's YAML 1.2 resolver and round-trip constructor read it."""
        if not value:
            return None
        first = value[0]
        if first in _NUMBER_START:
            if _FLOAT.match(value):
                return _float(value)
            if _INT.match(value):
                return _int(value)
            if first.isdigit() and _TIMESTAMP.match(value):
                return self.timestamp(value)
            return value
        if first in "tTfF":
            return value[0] in "tT" if _BOOL.match(value) else value
        if first in "~nN":
            return None if _NULL.match(value) else value
        if value in ("<<", "="):
            raise _Unsure  # a merge key, or YAML's "value" key
        return value

    def timestamp(self, value: str) -> Any:
        """A date (2026-01-31) as ruamel makes it; any other timestamp is left to it."""
        if self.dates_as_text:
            return value
        match = _DATE.match(value)
        if match is None:
            raise _Unsure
        year, month, day = match.groups()
        return datetime.date(int(year), int(month), int(day))


def _line_col(data: CommentedMap | CommentedSeq, mark: Any) -> LineCol:
    """The line and column of a new container, where its node starts, as ruamel's ``lc``
    property makes them; set without that property's look for one first, which fails
    (and costs more than the rest) since a new container has none."""
    lc = LineCol()
    lc.line, lc.col = mark.line, mark.column
    setattr(data, LineCol.attrib, lc)
    return lc


def _add_merge(data: CommentedMap, merged: MergeValue) -> None:
    """What ruamel's ``add_yaml_merge`` does: the merged keys the mapping does not set
    itself come after its own, in order. Only the back reference from each merged mapping
    to this one is left out: nothing changes these documents, and it would make every
    file with a merge key a cycle that only the garbage collector frees."""
    setattr(data, merge_attrib, merged)
    for source in merged.value:
        for key, value in source.items():
            if not ordereddict.__contains__(data, key):
                ordereddict.__setitem__(data, key, value)


def _float(value: str) -> float:
    """ruamel's float: underscores dropped, the sign applied to the rest."""
    digits = value.replace("_", "").lower()
    sign = -1.0 if digits[0] == "-" else 1.0
    if digits[0] in "+-":
        digits = digits[1:]
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    return sign * float(digits)


def _int(value: str) -> int:
    """ruamel's YAML 1.2 int: 0b, 0o and 0x bases, a leading zero is still decimal."""
    digits = value.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    base = _BASES.get(digits[:2])
    if base is not None:
        digits = digits[2:]
    if not digits:
        raise _Unsure  # "0x_" and the like: ruamel fails its own way
    return sign * int(digits, base or 10)
