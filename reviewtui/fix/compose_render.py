"""Small YAML fragments written the way the file around them is written.

A fix inserts a key, a list entry or a scalar into a compose file; :class:`Layout` holds
the file's own habits (how far a nested mapping is indented, where a list's dashes sit,
which quote it uses) and the functions here write values with them, in block or flow
style. Values are plain Python: ``bool``, ``int``, ``float``, ``str``, ``list`` and
``dict`` of those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Plain scalars written without quotes: no spaces, no flow or comment indicators, and
# nothing a YAML 1.1 or 1.2 reader would take for another type (see _LOOKS_TYPED).
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_/.~][A-Za-z0-9_/.~:=@+-]*$")
_LOOKS_TYPED = re.compile(
    r"""^(
        [-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?   # numbers
        | 0[xXoObB][0-9a-fA-F_]+                       # hex, octal, binary
        | [-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
        | \d+(:[0-5]?\d)+(\.\d*)?                      # YAML 1.1 sexagesimal (8080:80)
        | \d{4}-\d\d?-\d\d?([Tt ].*)?                  # dates
        | (?i:true|false|yes|no|on|off|y|n|null|~)
    )$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Layout:
    """How a file lays out its YAML: ``step`` columns per nested mapping, ``dash`` columns
    from a key to the dashes of its list, and the ``quote`` character it prefers."""

    step: int = 2
    dash: int = 2
    quote: str = '"'


def plain_safe(text: str) -> bool:
    """True when ``text`` reads back as this very string written without quotes."""
    return (
        bool(_PLAIN_SAFE.match(text))
        and not text.endswith(":")
        and _LOOKS_TYPED.match(text) is None
    )


def quoted(text: str, quote: str) -> str:
    """``text`` in double or single quotes, escaped for that style."""
    if quote == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def scalar(value: Any, quote: str, style: str | None = None) -> str:
    """One scalar as YAML text: in ``style`` (a quote character, or None for plain when
    the text allows it) for a string, as YAML spells them for the rest."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if style in ('"', "'"):
        return quoted(text, style)
    return text if plain_safe(text) else quoted(text, quote)


def flow(value: Any, quote: str) -> str:
    """``value`` on one line in flow style: ``[a, b]``, ``{key: value}`` or a scalar."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {flow(item, quote)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item, quote) for item in value) + "]"
    return scalar(value, quote)


def block(key: str, value: Any, indent: int, layout: Layout) -> list[str]:
    """``key: value`` as block-style lines starting at column ``indent``, no line ends."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = [f"{pad}{key}:"]
        for child, item in value.items():
            lines.extend(block(str(child), item, indent + layout.step, layout))
        return lines
    if isinstance(value, list) and value:
        dashes = " " * (indent + layout.dash)
        return [f"{pad}{key}:"] + [f"{dashes}- {flow(item, layout.quote)}" for item in value]
    return [f"{pad}{key}: {flow(value, layout.quote)}"]
