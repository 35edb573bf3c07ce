"""Indented JSON text, the same bytes as ``json.dumps(value, indent=2, ensure_ascii=False)``,
written piece by piece so a big report is never one document of dicts nor one string.

The standard library's encoder is pure Python once ``indent`` is given (its C encoder
only writes compact text), and it needs the whole document first. Here a list may be a
:class:`Stream`: its elements are made, encoded and let go one at a time, each by its
own encoder if it has one (a report's findings are written straight from the findings,
with no dict made for each).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]

INDENT = "  "
_string: Callable[[str], str] = encode_basestring

Encoder = Callable[[object, int], str]
"""Writes one element as indented JSON text at a depth (its closing bracket's indent)."""


class Stream:
    """A list whose elements are made as they are written: ``elements`` is iterated
    once; ``encode`` writes one element at a depth (default :func:`encode`)."""

    __slots__ = ("elements", "encode")

    def __init__(self, elements: Iterable[object], encode: Encoder | None = None) -> None:
        self.elements = elements
        self.encode: Encoder = encode or encode_value


def chunks(value: object, depth: int = 0) -> Iterator[str]:
    """The indented JSON text of ``value`` in pieces: a :class:`Stream` anywhere in the
    dicts and lists above it is written one element per piece."""
    if isinstance(value, Stream):
        yield from _stream_chunks(value, depth)
    elif isinstance(value, dict) and _holds_stream(value.values()):
        yield from _dict_chunks(value, depth)
    elif isinstance(value, (list, tuple)) and _holds_stream(value):
        yield from _list_chunks(value, depth)
    else:
        yield encode_value(value, depth)


def dumps(value: object) -> str:
    """The whole text, with the newline that ends a report file."""
    return "".join(chunks(value)) + "\n"


def _holds_stream(values: Iterable[object]) -> bool:
    return any(isinstance(v, (Stream, dict, list, tuple)) and _streams(v) for v in values)


def _streams(value: object) -> bool:
    if isinstance(value, Stream):
        return True
    if isinstance(value, dict):
        return _holds_stream(value.values())
    if isinstance(value, (list, tuple)):
        return _holds_stream(value)
    return False


def _dict_chunks(value: dict[object, object], depth: int) -> Iterator[str]:
    if not value:
        yield "{}"
        return
    inner = "\n" + INDENT * (depth + 1)
    opening = "{" + inner
    for key, member in value.items():
        yield f"{opening}{_key(key)}: "
        yield from chunks(member, depth + 1)
        opening = "," + inner
    yield "\n" + INDENT * depth + "}"


def _list_chunks(value: list[object] | tuple[object, ...], depth: int) -> Iterator[str]:
    if not value:
        yield "[]"
        return
    inner = "\n" + INDENT * (depth + 1)
    opening = "[" + inner
    for member in value:
        yield opening
        yield from chunks(member, depth + 1)
        opening = "," + inner
    yield "\n" + INDENT * depth + "]"


def _stream_chunks(stream: Stream, depth: int) -> Iterator[str]:
    inner = "\n" + INDENT * (depth + 1)
    opening = "[" + inner
    encode = stream.encode
    for member in stream.elements:
        if encode is encode_value and _streams(member):
            yield opening
            yield from chunks(member, depth + 1)
        else:
            yield opening + encode(member, depth + 1)
        opening = "," + inner
    # Nothing written yet means no element: an empty list, as json writes it.
    yield "[]" if opening[0] == "[" else "\n" + INDENT * depth + "]"


def encode_value(value: object, depth: int) -> str:
    """``value`` (no :class:`Stream` in it) as indented JSON text at ``depth``."""
    kind = type(value)
    if kind is str:
        return _string(value)  # type: ignore[arg-type]
    if kind is dict:
        return _dict_text(value, depth)  # type: ignore[arg-type]
    if kind is list or kind is tuple:
        return _list_text(value, depth)  # type: ignore[arg-type]
    return _other(value, depth)


def _dict_text(value: dict[object, object], depth: int) -> str:
    if not value:
        return "{}"
    inner = ",\n" + INDENT * (depth + 1)
    # Strings, the most of a report's values, are written here without a call per value.
    members = [
        f"{_string(key) if type(key) is str else _key(key)}: "
        + (_string(member) if type(member) is str else encode_value(member, depth + 1))
        for key, member in value.items()
    ]
    return "{" + inner[1:] + inner.join(members) + "\n" + INDENT * depth + "}"


def _list_text(value: list[object] | tuple[object, ...], depth: int) -> str:
    if not value:
        return "[]"
    inner = ",\n" + INDENT * (depth + 1)
    members = [
        _string(member) if type(member) is str else encode_value(member, depth + 1)
        for member in value
    ]
    return "[" + inner[1:] + inner.join(members) + "\n" + INDENT * depth + "]"


def _other(value: object, depth: int) -> str:
    """Constants, numbers, and subclasses of str, dict and list (an enum of str)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict):
        return _dict_text(value, depth)
    if isinstance(value, (list, tuple)):
        return _list_text(value, depth)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: object) -> str:
    """A dict's key as json writes it: numbers, booleans and null become strings."""
    if isinstance(key, str):
        return _string(key)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return f'"{int.__repr__(key)}"'
    if isinstance(key, float):
        return f'"{_float(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)
