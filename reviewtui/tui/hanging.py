"""Text whose wrapped lines keep their indent: evidence and reasons under a target.

Textual wraps a long line back to the left edge, which makes the continuation of a
snippet look like a new target. :class:`HangingText` wraps each line itself, at the
width it is drawn, and starts every continuation under its own line, a little deeper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual


@dataclass(frozen=True)
class Line:
    """One logical line: drawn ``indent`` cells in, continuations ``hang`` cells deeper."""

    content: Content
    indent: int = 0
    hang: int = 2


class HangingText(Visual):
    """Lines that wrap with a hanging indent; ``str()`` gives the unwrapped text."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = tuple(lines)
        self._rows: tuple[int, list[Content]] | None = None
        self._cache: tuple[int, Content] | None = None

    def __str__(self) -> str:
        return "\n".join(
            " " * line.indent + part
            for line in self.lines
            for part in line.content.plain.split("\n")
        )

    def rows(self, width: int) -> list[Content]:
        """Every line wrapped to ``width`` cells with its indents: one Content per row
        drawn, none holding a line break."""
        if self._rows is not None and self._rows[0] == width:
            return self._rows[1]
        # TODO: the height needs every line wrapped, drawn or not: every target of an
        # item (t) costs some 0.2 s per 1,000 targets here, before the first is drawn.
        rows = [row for line in self.lines for row in _wrap_line(line, width)]
        self._rows = (width, rows)
        return rows

    def wrapped(self, width: int) -> Content:
        """Every line wrapped to ``width`` cells with its indents, as one Content."""
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        content = Content("\n").join(self.rows(width))
        self._cache = (width, content)
        return content

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        """The wrapped lines, drawn as a Content of the same width draws them."""
        return self.wrapped(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        """The longest line with its indent: nothing needs to wrap at this width."""
        return max((line.indent + line.content.cell_length for line in self.lines), default=0)

    def get_minimal_width(self, rules: RulesMap) -> int:
        """The deepest continuation plus a few cells: narrower, every word folds."""
        return max((line.indent + line.hang + 4 for line in self.lines), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        """How many rows the lines take wrapped at ``width``."""
        return len(self.rows(width)) if self.lines else 0


def _wrap_line(line: Line, width: int) -> list[Content]:
    """One line wrapped: the first row at ``indent``, the rest at ``indent + hang``.

    A line holding line breaks is taken as several lines, each with the same indents.
    """
    return [
        row
        for part in line.content.expand_tabs().split("\n", allow_blank=True)
        for row in _wrap_part(part, line.indent, line.hang, width)
    ]


def _wrap_part(content: Content, indent: int, hang: int, width: int) -> list[Content]:
    first = (content.wrap(max(1, width - indent)) or [Content()])[0]
    out = [first.pad_left(indent)]
    rest = content[len(first.plain) :]
    rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
    if not rest.plain:
        return out
    deeper = indent + hang
    out.extend(row.pad_left(deeper) for row in rest.wrap(max(1, width - deeper)))
    return out
