"""Changes spliced into a compose file's text, one key, entry or scalar at a time.

ruamel.yaml's full dump re-indents and re-wraps a file it did not write, so nothing here
dumps the file. :class:`ComposeText` composes the text into ruamel's YAML nodes, which
know where every key and value starts and ends, writes the smallest piece of text at the
place of a change in the file's own layout (:mod:`reviewtui.fix.compose_render`), and
reads the result back: it must load and hold exactly the values it held before plus the
change, or the change is refused. A value that an anchor shares with another place is
never changed, since the change would reach that place too.
"""

from __future__ import annotations

import functools
import warnings
from collections import Counter
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.error import YAMLError, YAMLWarning
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser
from ruamel.yaml.scanner import Scanner

from reviewtui.fix.compose_render import Layout, block, flow, scalar
from reviewtui.project.compose_yaml import expands_past, plain_key, plain_scalar, too_many_brackets

Key = str | int
"""A mapping key or a sequence index."""

DataPath = tuple[Key, ...]
"""Keys and indexes from the top of the document to a value: ``("services", "web")``."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_CORE_TAGS = "tag:yaml.org,2002:"


class EditRefused(Exception):
    """The text cannot take this change safely; the fixer then offers no fix."""


def _parse(text: str, layout: Layout | None = None, root: Node | None = None) -> ComposeText | str:
    """The ComposeText of ``text``, or why there is none; ``root`` is the nodes the text
    composes into when they were made already, and only the values are then loaded."""
    if too_many_brackets(text):
        return "nested too deeply"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", YAMLWarning)
            yaml = _positions_reader()
            if root is None:
                root = yaml.compose(text)
            loaded = yaml.constructor.construct_document(root) if root is not None else None
    except (YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        return f"not valid YAML: {error}"
    if not isinstance(root, MappingNode) or not isinstance(loaded, dict):
        return "the top level is not a mapping"
    if expands_past(loaded):
        return "expands to too many values"
    return ComposeText(text, root, loaded, layout)


def _positions_reader() -> YAML:
    """ruamel.yaml's round-trip reader without its comment gathering, a third of its time:
    edits are spliced into the text at the nodes' places, so what a comment says is never
    read from the nodes (the places and the values are the same either way)."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner, yaml.Parser = Scanner, Parser
    return yaml


# Whole files and the pieces of one service (see compose_shape) are kept apart, so that
# the many small pieces a plan parses never push out the few whole files it comes back to.
_parse_file = functools.lru_cache(maxsize=32)(_parse)
_parse_piece = functools.lru_cache(maxsize=64)(_parse)


class ComposeText:
    """One compose file's text with its YAML nodes and values, to find and change values.

    ``data`` holds the values as plain Python (mappings with their ``<<`` merges applied);
    every edit returns a new :class:`ComposeText` for the changed text.
    """

    def __init__(
        self, text: str, root: MappingNode, loaded: dict[Any, Any], layout: Layout | None = None
    ) -> None:
        self.text = text
        self.root = root
        self.loaded = loaded
        self.data = _plain(loaded)
        self.layout = _layout(text, root) if layout is None else layout
        self._given_layout = layout
        self._references = _references(root)

    @classmethod
    def parse(cls, text: str, layout: Layout | None = None) -> ComposeText:
        """The text composed and loaded. Raises EditRefused when it is no YAML mapping.

        ``layout`` is the one of the whole file when ``text`` is a piece of it: what is
        written then follows the file, and so does every edit of the result. The last
        few texts are kept: a plan of several fixes parses each text it passes through
        more than once, and nothing changes a ComposeText once made.
        """
        parsed = _parse_file(text) if layout is None else _parse_piece(text, layout)
        if isinstance(parsed, str):
            raise EditRefused(parsed)
        return parsed

    @classmethod
    def composed(cls, text: str, root: MappingNode, layout: Layout) -> ComposeText:
        """:meth:`parse` of a piece of a file in its ``layout``, from the nodes ``root``
        that ``text`` composes into, made already; only the values are loaded from them.
        Raises EditRefused as :meth:`parse` does."""
        made = _parse(text, layout, root)
        if isinstance(made, str):
            raise EditRefused(made)
        return made

    def shared(self, node: Node) -> bool:
        """True when more than one place refers to ``node`` (an anchor and its aliases)."""
        return self._references[id(node)] > 1

    # Finding values.

    def value(self, path: DataPath, default: Any = None) -> Any:
        """The plain value at ``path`` (merges applied), or ``default``."""
        value: Any = self.data
        for key in path:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
            else:
                return default
        return value

    def owns(self, path: DataPath) -> bool:
        """True when ``path`` is written out in this place: no step of it comes from a
        ``<<`` merge or an alias, so it can be changed here."""
        try:
            self.node(path)
        except EditRefused:
            return False
        return True

    def is_flow(self, path: DataPath) -> bool:
        """True when the collection at ``path`` is written in flow style (``[a, b]``)."""
        return bool(getattr(self.node(path), "flow_style", False))

    def node(self, path: DataPath) -> Node:
        """The node written at ``path``. Raises EditRefused when a step of it is missing,
        comes from a ``<<`` merge, or is shared with another place through an anchor."""
        node: Node = self.root
        for key in path:
            if isinstance(node, MappingNode):
                pair = own_pair(node, key)
                if pair is None:
                    raise EditRefused(f"{key} is not written here")
                node = pair[1]
            elif isinstance(node, SequenceNode) and isinstance(key, int):
                if not 0 <= key < len(node.value):
                    raise EditRefused(f"no entry {key}")
                node = node.value[key]
            else:
                raise EditRefused(f"{key} is not written here")
            if self._references[id(node)] > 1:
                raise EditRefused(f"{key} is shared with another place through an anchor")
        return node

    # Edits.

    def insert(self, path: DataPath, key: str, value: Any) -> ComposeText:
        """``key: value`` added at the end of the mapping at ``path`` (which must not
        write ``key`` itself; a value ``key`` had from a ``<<`` merge is overridden)."""
        mapping = self.node(path)
        if not isinstance(mapping, MappingNode):
            raise EditRefused("not a mapping")
        if own_pair(mapping, key) is not None:
            raise EditRefused(f"{key} is already written")
        if mapping.flow_style:
            text = self._insert_flow(mapping, f"{key}: {flow(value, self.layout.quote)}")
        else:
            indent = mapping.value[0][0].start_mark.column
            text = self._insert_lines(
                self._end(mapping, mapping.start_mark.index),
                block(key, value, indent, self.layout),
            )
        expected, mapping_value = _copied_along(self.data, path)
        mapping_value[key] = value
        return self._checked(text, expected)

    def append(self, path: DataPath, value: Any) -> ComposeText:
        """``value`` added as the last entry of the sequence at ``path``."""
        sequence = self.node(path)
        if not isinstance(sequence, SequenceNode) or isinstance(value, dict | list):
            raise EditRefused("not a sequence of scalars")
        style = _style_of(sequence.value[-1]) if sequence.value else None
        written = scalar(value, self.layout.quote, style)
        if sequence.flow_style or not sequence.value:
            text = self._insert_flow(sequence, written)
        else:
            first = sequence.value[0]
            dash = self._column(self._dash(first, sequence.start_mark.index))
            gap = max(first.start_mark.column - dash, 2) if _same_line(self.text, first) else 2
            line = " " * dash + "-" + " " * (gap - 1) + written
            text = self._insert_lines(self._end(sequence, sequence.start_mark.index), [line])
        expected, entries = _copied_along(self.data, path)
        entries.append(value)
        return self._checked(text, expected)

    def replace(self, path: DataPath, value: Any) -> ComposeText:
        """The scalar at ``path`` replaced by ``value``, in the scalar's own quote style.

        A key left empty (``backend:``) takes a mapping or list as block lines under it.
        """
        node = self.node(path)
        if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
            raise EditRefused("not a one-line scalar")
        if not str(node.tag).startswith(_CORE_TAGS):
            raise EditRefused(f"tagged {node.tag}")
        if _empty(node) and isinstance(value, dict | list) and value:
            text = self._fill_empty_key(path, value)
        else:
            start, end = node.start_mark.index, node.end_mark.index
            if _empty(node):
                start = end = self._key_end(path)
                piece = " " + flow(value, self.layout.quote)
            elif isinstance(value, dict | list):
                piece = flow(value, self.layout.quote)
            else:
                piece = scalar(value, self.layout.quote, _style_of(node))
            text = self.text[:start] + piece + self.text[end:]
        expected, parent = _copied_along(self.data, path[:-1])
        parent[path[-1]] = value
        return self._checked(text, expected)

    def remove(self, path: DataPath) -> ComposeText:
        """The sequence entry or mapping key at ``path`` removed with its lines; full-line
        comments among those lines stay."""
        parent = self.node(path[:-1])
        key = path[-1]
        if isinstance(parent, SequenceNode) and isinstance(key, int):
            self.node(path)
            text = (
                self._remove_flow_entry(parent, key)
                if parent.flow_style
                else self._remove_block_entry(parent, key)
            )
        elif isinstance(parent, MappingNode) and not parent.flow_style:
            text = self._remove_block_key(parent, key)
        else:
            raise EditRefused("cannot remove this entry")
        expected, parent = _copied_along(self.data, path[:-1])
        del parent[key]
        return self._checked(text, expected)

    # Where text goes.

    def _checked(self, text: str, expected: dict[Any, Any]) -> ComposeText:
        """The changed text, if it loads and holds exactly the expected values."""
        changed = ComposeText.parse(text, self._given_layout)
        if changed.data != expected:
            raise EditRefused("the change would alter other values")
        return changed

    def _end(self, node: Node, after: int) -> int:
        """Where the text of ``node``, written at or after index ``after``, ends."""
        if node.start_mark.index < after:
            # An alias: the node was written at its anchor, earlier in the file.
            return self._alias_end(node, after)
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            return self._block_scalar_end(node)
        if isinstance(node, ScalarNode):
            return after if _empty(node) else int(node.end_mark.index)
        if getattr(node, "flow_style", False) or not node.value:
            return int(node.end_mark.index)
        if isinstance(node, MappingNode):
            key, value = node.value[-1]
            return self._end(value, key.end_mark.index)
        end = node.start_mark.index
        for item in node.value:
            end = self._end(item, end)
        return end

    def _block_scalar_end(self, node: ScalarNode) -> int:
        """The end of a ``|`` or ``>`` scalar's last line with text: the blank lines its
        end mark takes in belong to what follows, unless the scalar keeps them (``|+``)."""
        end = int(node.end_mark.index)
        if str(node.value).endswith("\n\n"):
            return end
        last_text = len(self.text[:end].rstrip(" \n"))
        newline = self.text.find("\n", last_text)
        return end if newline < 0 else min(end, newline + 1)

    def _alias_end(self, node: Node, after: int) -> int:
        anchor = getattr(node, "anchor", None)
        found = self.text.find(f"*{anchor}", after) if anchor else -1
        if found < 0:
            raise EditRefused("cannot find an alias")
        return found + 1 + len(str(anchor))

    def _insert_lines(self, end: int, lines: list[str]) -> str:
        """``lines`` inserted after the line on which index ``end`` falls."""
        if end > 0 and self.text[end - 1] == "\n":
            position = end  # a block scalar ends with its line break
        else:
            newline = self.text.find("\n", end)
            position = len(self.text) if newline < 0 else newline + 1
        piece = "".join(line + "\n" for line in lines)
        if position == len(self.text) and self.text and not self.text.endswith("\n"):
            return self.text + "\n" + piece[:-1]  # the file keeps ending without a newline
        return self.text[:position] + piece + self.text[position:]

    def _insert_flow(self, collection: MappingNode | SequenceNode, piece: str) -> str:
        """``piece`` added after the last entry of a flow (or empty) collection."""
        if collection.value:
            last = collection.value[-1]
            previous = collection.value[-2] if len(collection.value) > 1 else None
            if isinstance(last, tuple):
                end = self._end(last[1], last[0].end_mark.index)
            else:
                after = (
                    self._end(previous, collection.start_mark.index)
                    if previous is not None and not isinstance(previous, tuple)
                    else collection.start_mark.index
                )
                end = self._end(last, after)
            return self.text[:end] + ", " + piece + self.text[end:]
        opening = "{" if isinstance(collection, MappingNode) else "["
        start = self.text.find(opening, collection.start_mark.index, collection.end_mark.index)
        if start < 0:
            raise EditRefused("cannot find the collection's bracket")
        return self.text[: start + 1] + piece + self.text[start + 1 :]

    def _key_node(self, path: DataPath) -> ScalarNode:
        parent = self.node(path[:-1])
        pair = own_pair(parent, path[-1]) if isinstance(parent, MappingNode) else None
        if pair is None or not isinstance(pair[0], ScalarNode):
            raise EditRefused("no key to write under")
        return pair[0]

    def _key_end(self, path: DataPath) -> int:
        """The index just past the colon of the key at ``path``."""
        key = self._key_node(path)
        colon = self.text.find(":", key.end_mark.index)
        if colon < 0:
            raise EditRefused("cannot find the key's colon")
        return colon + 1

    def _fill_empty_key(self, path: DataPath, value: dict[Any, Any] | list[Any]) -> str:
        """Block lines under a key whose value was left empty."""
        key = self._key_node(path)
        if not self._starts_line(key.start_mark.index):
            raise EditRefused("the key does not start its line")
        indent = key.start_mark.column
        lines = block("_", value, indent, self.layout)[1:]
        return self._insert_lines(self._key_end(path), lines)

    def _dash(self, item: Node, start: int) -> int:
        """The index of the dash that opens a block sequence entry (at or after
        ``start``); it must be the first thing on its line."""
        index = item.start_mark.index - 1
        while index >= start and self.text[index] in " \n":
            index -= 1
        if index < start or self.text[index] != "-" or not self._starts_line(index):
            raise EditRefused("cannot find the entry's dash")
        return index

    def _column(self, index: int) -> int:
        return index - (self.text.rfind("\n", 0, index) + 1)

    def _starts_line(self, index: int) -> bool:
        """True when only spaces come before ``index`` on its line."""
        line_start = self.text.rfind("\n", 0, index) + 1
        return self.text[line_start:index].strip(" ") == ""

    def _remove_lines(self, start: int, end: int) -> str:
        """The whole lines from the one holding ``start`` to the one holding ``end``
        removed, except full-line comments; what follows ``end`` on its line must be only
        a comment, which goes with it."""
        line_start = self.text.rfind("\n", 0, start) + 1
        if end > 0 and self.text[end - 1] == "\n":
            end -= 1  # a block scalar ends with its line break
        newline = self.text.find("\n", end)
        line_end = len(self.text) if newline < 0 else newline + 1
        rest = self.text[end:line_end].strip()
        if rest and not rest.startswith("#"):
            raise EditRefused("something else shares the entry's last line")
        kept = [
            line
            for line in self.text[line_start:line_end].splitlines(keepends=True)
            if line.lstrip(" ").startswith("#")
        ]
        if newline < 0 and kept:
            kept[-1] = kept[-1].rstrip("\n")
        removed = self.text[:line_start] + "".join(kept) + self.text[line_end:]
        if newline < 0 and removed.endswith("\n") and not kept:
            removed = removed[:-1]  # the file keeps ending without a newline
        return removed

    def _remove_block_entry(self, sequence: SequenceNode, index: int) -> str:
        if len(sequence.value) == 1:
            raise EditRefused("the only entry: remove the key instead")
        start = sequence.start_mark.index
        for item in sequence.value[:index]:
            start = self._end(item, start)
        item = sequence.value[index]
        return self._remove_lines(self._dash(item, start), self._end(item, start))

    def _remove_flow_entry(self, sequence: SequenceNode, index: int) -> str:
        items = sequence.value
        ends = []
        after = sequence.start_mark.index
        for item in items:
            after = self._end(item, after)
            ends.append(after)
        if any(item.start_mark.index < sequence.start_mark.index for item in items):
            raise EditRefused("an alias among the entries")
        if index + 1 < len(items):
            start, end = items[index].start_mark.index, items[index + 1].start_mark.index
        elif index > 0:
            start, end = ends[index - 1], ends[index]
        else:
            start, end = items[index].start_mark.index, ends[index]
        return self.text[:start] + self.text[end:]

    def _remove_block_key(self, mapping: MappingNode, key: Key) -> str:
        pair = own_pair(mapping, key)
        if pair is None or len(mapping.value) < 2:
            raise EditRefused("cannot remove the only key")
        key_node, value = pair
        if not self._starts_line(key_node.start_mark.index):
            raise EditRefused("the key does not start its line")
        end = self._end(value, key_node.end_mark.index)
        return self._remove_lines(key_node.start_mark.index, end)


def own_pair(mapping: MappingNode, key: Key) -> tuple[Node, Node] | None:
    """The key and value nodes that write ``key`` in ``mapping`` itself (not a merge)."""
    for key_node, value in mapping.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
            continue
        if key_node.value == str(key):
            return key_node, value
    return None


def _empty(node: ScalarNode) -> bool:
    """True for a value left out (``key:``), whose marks point at the next token."""
    return node.value == "" and node.style is None and node.tag in (_NULL_TAG, "")


def _style_of(node: Node) -> str | None:
    style = getattr(node, "style", None)
    return style if style in ('"', "'") else None


def _same_line(text: str, item: Node) -> bool:
    """True when a block entry's value starts on its dash's line."""
    line_start = text.rfind("\n", 0, item.start_mark.index) + 1
    return text[line_start : item.start_mark.index].strip(" ").startswith("-")


def _copied_along(data: Any, path: DataPath) -> tuple[Any, Any]:
    """A copy of ``data`` whose containers on the way to ``path`` are new and the rest
    shared, and the new container at ``path``: changing that one leaves ``data`` as it
    was, without copying the whole file's values for each edit."""
    top = _shallow(data)
    container = top
    for key in path:
        child = _shallow(container[key])
        container[key] = child
        container = child
    return top, container


def _shallow(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _plain(value: Any) -> Any:
    """A loaded value as plain Python, to compare two loads of a file."""
    if isinstance(value, dict):
        return {plain_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, TaggedScalar):
        return (str(value.tag.value), str(value.value))
    return plain_scalar(value)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _references(root: Node) -> Counter[int]:
    """How many places refer to each node: more than one means an anchor shares it."""
    counts: Counter[int] = Counter()
    seen: set[int] = set()
    waiting = [root]
    while waiting:
        node = waiting.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for child in _children(node):
            counts[id(child)] += 1
            waiting.append(child)
    return counts


def _layout(text: str, root: MappingNode) -> Layout:
    """The indentation and quoting most of the file's block collections use."""
    steps: Counter[int] = Counter()
    dashes: Counter[int] = Counter()
    quotes: Counter[str] = Counter()
    seen: set[int] = set()
    waiting: list[Node] = [root]
    while waiting:
        node = waiting.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode) and node.style in ('"', "'"):
            quotes[node.style] += 1
        if isinstance(node, MappingNode) and not node.flow_style:
            for key, value in node.value:
                _measure(text, key, value, steps, dashes)
        waiting.extend(_children(node))
    step = next((width for width, _ in steps.most_common() if width > 0), 2)
    dash = next((width for width, _ in dashes.most_common() if width >= 0), step)
    quote = quotes.most_common(1)[0][0] if quotes else '"'
    return Layout(step, dash, quote)


def _measure(text: str, key: Node, value: Node, steps: Counter[int], dashes: Counter[int]) -> None:
    if value.start_mark.index < key.end_mark.index or getattr(value, "flow_style", True):
        return  # an alias, a scalar or a flow collection
    below = value.start_mark.line > key.start_mark.line
    if isinstance(value, MappingNode) and value.value and below:
        steps[value.value[0][0].start_mark.column - key.start_mark.column] += 1
    elif isinstance(value, SequenceNode) and value.value and below:
        dash = text.rfind("-", 0, value.value[0].start_mark.index)
        if dash >= 0:
            column = dash - (text.rfind("\n", 0, dash) + 1)
            dashes[column - key.start_mark.column] += 1
