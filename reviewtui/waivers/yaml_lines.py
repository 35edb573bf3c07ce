"""The shape of a compose file read from its raw lines: ``services:``, service names, blocks.

Waiver comments are found in the raw text rather than on the parsed nodes, because the
compose reader keeps values and lines but not comments. Only block-style YAML is
understood here, which is how compose files are written.
"""

# TODO: a line inside a block scalar (``command: |``) that starts with
# "# reviewtui:" is read as a waiver comment; flow-style services ({web: {...}}) are not
# recognised as service names.

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SERVICES = re.compile(r"^services\s*:\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([^\s#'"\-][^:#]*?))\s*:(?:\s|$)""")


@dataclass(frozen=True)
class ComposeLayout:
    """Where ``services:`` is (None when absent) and the line of each service's name."""

    services_line: int | None
    service_names: dict[int, str] = field(default_factory=dict)


def read_layout(lines: list[str]) -> ComposeLayout:
    """The top-level ``services:`` line and the service names written under it."""
    services_line = next(
        (number for number, text in enumerate(lines, 1) if _SERVICES.match(text)), None
    )
    if services_line is None:
        return ComposeLayout(None)
    names: dict[int, str] = {}
    child_indent = None
    for number in range(services_line + 1, len(lines) + 1):
        text = lines[number - 1]
        if _is_blank_or_comment(text):
            continue
        indent = indentation(text)
        if indent == 0:
            break
        if child_indent is None:
            child_indent = indent
        if indent != child_indent:
            continue
        match = _KEY.match(text)
        if match:
            names[number] = next(group for group in match.groups() if group is not None)
    return ComposeLayout(services_line, names)


def next_content_line(lines: list[str], after: int) -> int | None:
    """The first line below ``after`` that is neither blank nor a comment."""
    for number in range(after + 1, len(lines) + 1):
        if not _is_blank_or_comment(lines[number - 1]):
            return number
    return None


def block_end(lines: list[str], start: int) -> int:
    """The last line of the YAML node that begins on line ``start``, nested lines included.

    A key's block goes on while lines are indented deeper, and also over ``- `` entries
    at the key's own indentation, which YAML allows for a list under a key.
    """
    head = lines[start - 1]
    indent = indentation(head)
    is_key = not head.lstrip().startswith("-")
    end = start
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if _is_blank_or_comment(text):
            continue
        depth = indentation(text)
        if depth > indent or (depth == indent and is_key and text.lstrip().startswith("-")):
            end = number
            continue
        break
    return end


def indentation(text: str) -> int:
    """How many spaces open the line."""
    return len(text) - len(text.lstrip(" "))


def _is_blank_or_comment(text: str) -> bool:
    stripped = text.strip()
    return not stripped or stripped.startswith("#")
