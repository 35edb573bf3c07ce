"""Where each service of a compose file is written, so that a fix to one service is made
and judged on that service's own lines.

A compose file of a hundred services gets a thousand fixes, and reading and judging the
whole file again for each would take minutes. Every fix but the one closing networks
changes only the mapping of its service, and such a change cannot change how the rest
of the file reads: a service's piece (the lines from its name to the next service's
name) reads the same under a lone ``services:`` line as in the file, when it holds no
anchor, alias or merge key and the file no directive, as the YAML scanner starts each
piece at the same indentation and ends it at a line indented no deeper than the
services' names. Nor can it change another service's answers, when no service extends
it and the detectors that look across services (``PROJECT_WIDE``) are run over them all.

:class:`FileShape` holds, for one text, where each service's piece is, each service's
values, the file read as the scan reads it and every detector's answer. It is read from
the whole file once (:func:`shape_of`); each change to one service's piece gives the
shape of the changed text (:meth:`FileShape.edited`), which the next fix of a plan finds
again by its text. The pieces of a text read whole are cut from its nodes rather than
read again; a changed piece is always read on its own, and must hold what the piece held
plus the change. A piece that reads otherwise on its own than in the file, or a change
that leaves anything in doubt, sends the fix back to the whole file.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ruamel.yaml.comments import merge_attrib
from ruamel.yaml.error import StringMark
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reviewtui.fix.compose_edit import ComposeText, EditRefused, own_pair
from reviewtui.fix.compose_judge import (
    ON_ITS_OWN,
    PROJECT_WIDE,
    Reads,
    Verdicts,
    across_services,
    file_project,
    judged,
    judged_alone,
    service_verdicts,
)
from reviewtui.fix.compose_render import Layout
from reviewtui.project.compose_model import ComposeProject
from reviewtui.project.compose_yaml import MAX_NODES, too_many_brackets

STUB = "services:\n"
"""What a service's piece is read under on its own."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# Lines that end a document or start another: a piece must not hold one.
_DOCUMENT_MARKS = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)", re.M)
# Line breaks YAML knows besides LF: where lines start is counted by LF alone.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_KEPT = 16


@dataclass(frozen=True)
class Piece:
    """A change to one service's piece, judged: the whole changed text, and the answers
    the change could move, before and after it."""

    text: str
    before: Verdicts
    after: Verdicts


@dataclass(frozen=True)
class FileShape:
    """One compose file's text, where each service is written in it, and how it reads.

    ``regions`` are the character ranges of each service's piece; ``local`` the
    services whose changes may be made on their piece; ``written`` each service's
    values as written (plain, merges applied); ``project`` and ``verdicts`` the file
    read on its own and every detector's answer, ``reads`` what the detectors that look
    across services read of each; ``size`` the values its document holds, counted as
    the reader's bound counts them; ``layout`` the file's as it was first read, which
    every piece is written in; ``pieces`` the pieces read already, by service;
    ``whole`` the text read whole, for a shape read from it (not one a change left),
    whose nodes its pieces are cut from (:func:`cut_nodes`) rather than read again.
    """

    rel: str
    text: str
    layout: Layout
    regions: Mapping[str, tuple[int, int]]
    local: frozenset[str]
    written: Mapping[str, Any]
    project: ComposeProject
    verdicts: Verdicts
    reads: Reads
    size: int
    pieces: Mapping[str, ComposeText] = field(default_factory=dict)
    whole: ComposeText | None = None

    def piece(self, name: str) -> ComposeText:
        """The lines of the service ``name`` read on their own under ``services:``, in
        the file's layout. Raises EditRefused when they read otherwise than in the file
        (the fix is then made on the whole file)."""
        if name not in self.local:
            raise EditRefused(f"service {name} cannot be changed on its own lines")
        if name in self.pieces:
            return self.pieces[name]
        start, end = self.regions[name]
        text = STUB + self.text[start:end]
        if self.whole is not None:
            # A local service's lines read alone give the nodes cut here (see cut_nodes),
            # so the check below holds for them; a changed piece is read alone anyway.
            doc = ComposeText.composed(text, cut_nodes(self.whole, name, start, end), self.layout)
        else:
            doc = ComposeText.parse(text, self.layout)
        if doc.data != {"services": {name: self.written[name]}}:
            raise EditRefused(f"service {name} reads otherwise on its own lines")
        return doc

    def edited(self, name: str, before: ComposeText, after: ComposeText) -> Piece | None:
        """The whole text with the piece ``before`` of the service ``name`` changed to
        ``after``, its shape and the answers the change could move, judged; None when
        the change cannot be judged on the piece alone."""
        start, end = self.regions[name]
        old = self.text[start:end]
        new = after.text[len(STUB) :]
        services = after.data.get("services") if isinstance(after.data, dict) else None
        if (
            not after.text.startswith(STUB)
            or new.partition("\n")[0] != old.partition("\n")[0]
            or (old.endswith("\n") and not new.endswith("\n"))
            or list(after.data) != ["services"]
            or not isinstance(services, dict)
            or list(services) != [name]
            or not _self_contained(after, len(STUB), len(after.text))
            or _merges(after.loaded)
        ):
            return None
        text = self.text[:start] + new + self.text[end:]
        size = self.size - _count(before.loaded) + _count(after.loaded)
        if size > MAX_NODES or too_many_brackets(text):
            return None
        read = file_project(after.text, self.rel, after)
        service = read.service(name) if read is not None else None
        if service is None:
            return None
        earlier = self.project.service(name)
        if earlier is None:
            return None
        project = replace(
            self.project,
            services=[service if s.name == name else s for s in self.project.services],
        )
        rejudged = service_verdicts(project, name, earlier, self.reads)
        could_move = {(detector, name) for detector in ON_ITS_OWN} | set(rejudged.found)
        if rejudged.again:
            could_move |= {pair for pair in self.verdicts if pair[0] in rejudged.again}
        verdicts = dict(self.verdicts)
        for pair in could_move:
            verdicts.pop(pair, None)
        verdicts.update(rejudged.found)
        shift = len(new) - len(old)
        regions = {
            other: (first + shift, last + shift) if first >= end else (first, last)
            for other, (first, last) in self.regions.items()
        }
        regions[name] = (start, start + len(new))
        written = {**self.written, name: services[name]}
        shape = FileShape(
            self.rel,
            text,
            self.layout,
            regions,
            self.local,
            written,
            project,
            verdicts,
            rejudged.reads,
            size,
            {**self.pieces, name: after},
        )
        _remember(shape)
        return Piece(
            text,
            {pair: self.verdicts[pair] for pair in could_move if pair in self.verdicts},
            {pair: verdicts[pair] for pair in could_move if pair in verdicts},
        )


def shape_of(text: str, rel: str) -> FileShape | None:
    """The shape of the compose file ``rel`` holding ``text``: the one a change to one
    service left, else read from the whole file; None when it is no compose file."""
    with _LOCK:
        shape = _SHAPES.get((rel, text))
        if shape is not None:
            _SHAPES.move_to_end((rel, text))
            return shape
    with _LOCK:
        origin = _ORIGINS.pop((rel, text), None)
    shape = read_shape(text, rel, origin)
    if shape is not None:
        _remember(shape)
    return shape


def follows(before: str, after: str, rel: str) -> None:
    """Note that ``after`` was made from ``before`` by a change to the whole file: the
    shape of ``after``, when it is read, keeps the pieces of ``before``'s it holds as
    they were."""
    with _LOCK:
        shape = _SHAPES.get((rel, before))
        if shape is not None:
            _ORIGINS[(rel, after)] = shape
            while len(_ORIGINS) > _ORIGINS_KEPT:
                _ORIGINS.popitem(last=False)


def read_shape(text: str, rel: str, origin: FileShape | None = None) -> FileShape | None:
    """The shape of ``text`` read from the whole file; the pieces ``origin`` (the shape
    of a text it was made from) read already are kept where they are the same."""
    # TODO: ruamel's pure-Python parse of each whole text a plan passes through is much
    # of the time of a fix of many services (100 weak ones: 4-5 s).
    try:
        doc = ComposeText.parse(text)
    except EditRefused:
        return None
    project, verdicts = judged(text, rel)
    if project is None:
        return None
    services = doc.data.get("services")
    written = dict(services) if isinstance(services, dict) else {}
    across, reads = across_services(project)
    # Noting what the detectors read must not change what they answer.
    same = across == {pair: s for pair, s in verdicts.items() if pair[0] in PROJECT_WIDE}
    regions = _regions(doc) if same else {}
    extended = _extended_names(written)
    # TODO: a service built on an anchor (``<<: *defaults``, common) or in ``extends``
    # is fixed on the whole file, at the old cost: its piece would need what it uses.
    local = frozenset(
        name
        for name, (start, end) in regions.items()
        if name not in extended
        and isinstance(written.get(name), dict)
        and "extends" not in written[name]
        and _own_piece(doc, name, start, end)
        and judged_alone(project, verdicts, name)
    )
    return FileShape(
        rel,
        text,
        doc.layout,
        regions,
        local,
        written,
        project,
        verdicts,
        reads,
        _count(doc.loaded),
        _kept_pieces(origin, text, doc.layout, regions, local, written),
        doc,
    )


def _kept_pieces(
    origin: FileShape | None,
    text: str,
    layout: Layout,
    regions: Mapping[str, tuple[int, int]],
    local: frozenset[str],
    written: Mapping[str, Any],
) -> dict[str, ComposeText]:
    """The pieces of ``origin`` that ``text`` writes the same, in the same layout."""
    if origin is None or origin.layout != layout:
        return {}
    kept = {}
    for name, piece in origin.pieces.items():
        if name not in local or name not in origin.regions:
            continue
        start, end = regions[name]
        first, last = origin.regions[name]
        same = text[start:end] == origin.text[first:last]
        if same and piece.data == {"services": {name: written[name]}}:
            kept[name] = piece
    return kept


def forget() -> None:
    """Drop every shape kept (for tests that compare with whole-file fixes)."""
    with _LOCK:
        _SHAPES.clear()
        _ORIGINS.clear()


_SHAPES: OrderedDict[tuple[str, str], FileShape] = OrderedDict()
_ORIGINS: OrderedDict[tuple[str, str], FileShape] = OrderedDict()
_ORIGINS_KEPT = 4
# Fixes are proposed from the app's worker threads too.
_LOCK = threading.Lock()


def _remember(shape: FileShape) -> None:
    with _LOCK:
        _SHAPES[(shape.rel, shape.text)] = shape
        _SHAPES.move_to_end((shape.rel, shape.text))
        while len(_SHAPES) > _KEPT:
            _SHAPES.popitem(last=False)


def _regions(doc: ComposeText) -> dict[str, tuple[int, int]]:
    """Each service's piece of the text: from the start of the line of its name to the
    start of the line of the next key (another service's or a top-level one). Empty
    when the file's services cannot be cut into pieces that read on their own."""
    text, root = doc.text, doc.root
    if text.startswith("%") or "\n%" in text or root.flow_style or _OTHER_BREAKS.search(text):
        return {}
    keys = [key for key, _ in root.value]
    found = [i for i, key in enumerate(keys) if _plain_key(key) and key.value == "services"]
    if len(found) != 1:
        return {}
    key, services = root.value[found[0]]
    if (
        _merges_into(doc.loaded.get("services"))
        or key.start_mark.column != 0
        or not isinstance(services, MappingNode)
        or services.flow_style
        or not services.value
        or getattr(services, "anchor", None)
        or doc.shared(services)
    ):
        return {}
    following = keys[found[0] + 1] if found[0] + 1 < len(keys) else None
    file_end = _line_start(text, following.start_mark.index) if following else len(text)
    if _DOCUMENT_MARKS.search(text, _line_start(text, key.start_mark.index), file_end):
        return {}
    names = [name for name, _ in services.value]
    column = names[0].start_mark.column
    if any(
        not _plain_key(name)
        or name.start_mark.column != column
        or not _starts_line(text, name.start_mark.index)
        for name in names
    ):
        return {}
    starts = [_line_start(text, name.start_mark.index) for name in names]
    ends = [*starts[1:], file_end]
    return {
        str(name.value): (start, end) for name, start, end in zip(names, starts, ends, strict=True)
    }


def cut_nodes(whole: ComposeText, name: str, start: int, end: int) -> MappingNode:
    """The nodes that the piece ``STUB + whole.text[start:end]`` of the service ``name``
    composes into, made from the whole text's nodes rather than by reading the piece:
    the service's nodes moved to their places in the piece, under a lone ``services``.

    For a service of :attr:`FileShape.local` the YAML scanner reads the piece as it
    reads those lines in the file (see the module's words), so only the places move,
    and what lies beyond the piece, where a block collection of the file ends at the
    token after it, is the piece's end. The same nodes, places and styles as reading
    the piece, which a test holds it to; comment tokens, never read, may differ.
    """
    text = STUB + whole.text[start:end]
    buffer = text + "\0"  # as ruamel's reader holds a text
    shift, line_shift = len(STUB) - start, 1 - whole.text.count("\n", 0, start)
    stop = len(text)

    def mark(index: int, line: int, column: int) -> StringMark:
        return StringMark("<unicode string>", index, line, column, buffer, index)

    at_end = mark(stop, text.count("\n"), stop - (text.rfind("\n") + 1))

    def moved(old: StringMark) -> StringMark:
        index = old.index + shift
        return at_end if index >= stop else mark(index, old.line + line_shift, old.column)

    def copied(node: Node) -> Node:
        new = copy.copy(node)
        new.start_mark, new.end_mark = moved(node.start_mark), moved(node.end_mark)
        if isinstance(node, MappingNode):
            new.value = [(copied(key), copied(value)) for key, value in node.value]
        elif isinstance(node, SequenceNode):
            new.value = [copied(item) for item in node.value]
        return new

    services = whole.node(("services",))
    pair = own_pair(services, name) if isinstance(services, MappingNode) else None
    if pair is None:
        raise EditRefused(f"no service {name} in the file")
    key, value = pair
    piece_key = copied(key)
    top = copy.copy(services)
    top.value = [(piece_key, copied(value))]
    top.start_mark, top.end_mark = piece_key.start_mark, at_end
    root = copy.copy(whole.root)
    colon = STUB.index(":")
    services_key = ScalarNode(_STR_TAG, STUB[:colon], mark(0, 0, 0), mark(colon, 0, colon))
    root.value = [(services_key, top)]
    root.start_mark, root.end_mark = services_key.start_mark, at_end
    return root


def _own_piece(doc: ComposeText, name: str, start: int, end: int) -> bool:
    """True when the service ``name`` is a block mapping written below its name, within
    its piece, and holds no anchor, alias or merge key."""
    try:
        services = doc.node(("services",))
    except EditRefused:
        return False
    pair = own_pair(services, name) if isinstance(services, MappingNode) else None
    if pair is None:
        return False
    key, node = pair
    if not isinstance(node, MappingNode) or node.flow_style or not node.value:
        return False
    services_loaded = doc.loaded.get("services")
    loaded = services_loaded.get(name) if isinstance(services_loaded, dict) else None
    return (
        node.start_mark.line > key.start_mark.line
        and _self_contained(doc, start, end, node)
        and not _merges(loaded)
    )


def _self_contained(doc: ComposeText, start: int, end: int, top: Node | None = None) -> bool:
    """True when every node under ``top`` (the document's services when None) is written
    between ``start`` and ``end``, holds no anchor and is no alias."""
    if top is None:
        services = doc.root.value[0][1] if doc.root.value else None
        if not isinstance(services, MappingNode):
            return False
        top = services
    for node in _nodes(top):
        # A collection's end mark may stand at the token that follows it: only where
        # each node starts is in its piece for sure.
        if (
            getattr(node, "anchor", None)
            or doc.shared(node)
            or not start <= node.start_mark.index < end
        ):
            return False
    return True


def _merges_into(mapping: Any) -> bool:
    """True when ``mapping`` takes keys from a ``<<`` merge."""
    return isinstance(mapping, dict) and bool(getattr(mapping, merge_attrib, None))


def _merges(value: Any) -> bool:
    """True when a mapping in ``value`` takes keys from a ``<<`` merge: the reader drops
    merge keys from the nodes it composed, so only what it loaded tells."""
    waiting = [value]
    while waiting:
        item = waiting.pop()
        if isinstance(item, dict):
            if _merges_into(item):
                return True
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return False


def _nodes(top: Node) -> Iterator[Node]:
    waiting = [top]
    while waiting:
        node = waiting.pop()
        yield node
        if isinstance(node, MappingNode):
            waiting.extend(child for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            waiting.extend(node.value)


def _extended_names(written: Mapping[str, Any]) -> set[str]:
    """The services another service of the file extends (by name, whatever the file)."""
    names = set()
    for service in written.values():
        spec = service.get("extends") if isinstance(service, dict) else None
        if isinstance(spec, dict):
            spec = spec.get("service")
        if spec is not None:
            names.add(str(spec))
    return names


def _count(value: Any) -> int:
    """The values ``value`` holds, counted as :func:`expands_past` counts them."""
    count = 0
    waiting = [value]
    while waiting:
        node = waiting.pop()
        count += 1
        if isinstance(node, dict):
            waiting.extend(node.keys())
            waiting.extend(node.values())
        elif isinstance(node, list | tuple):
            waiting.extend(node)
    return count


def _plain_key(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag != _MERGE_TAG


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _starts_line(text: str, index: int) -> bool:
    return text[_line_start(text, index) : index].strip(" ") == ""
