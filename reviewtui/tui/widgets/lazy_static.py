"""A Static that draws only the rows on screen, and draws a row again only when it changed."""

from __future__ import annotations

from typing import cast

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual, VisualType
from textual.widgets import Static

from reviewtui.tui.hanging import HangingText


class LazyStatic(Static):
    """A Static for the walk's sections: it draws exactly what a Static draws, less often.

    A Static draws its whole text whenever it is refreshed. The walk refreshes every
    section at each step, and Textual lays the screen out twice when sizes change, so an
    item with a hundred targets drew hundreds of rows twice at each key, though a screen
    shows a few dozen. This one keeps what it drew for as long as the text, the width
    and the style are the very same objects, and draws a
    :class:`~reviewtui.tui.hanging.HangingText` row by row: it wraps the text to know
    its height (the text keeps the wrap) and turns into strips only the rows the screen
    asks for. Any other content is drawn whole, once; text being selected is drawn as
    a Static draws it. Its text holds no links (a link's hover style is not followed).
    :meth:`predraw` draws a text's first rows ahead, before it is shown.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._strips: dict[int, Strip] = {}
        self._drawn_from: tuple[Visual, Style, int, int] | None = None
        self._ahead: tuple[Content | HangingText, int] | None = None
        self._predrawn: tuple[tuple[Visual, Style, int, int], dict[int, Strip]] | None = None

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show ``content`` (see :meth:`Static.update`)."""
        self._forget()
        super().update(content, layout=layout)

    def notify_style_update(self) -> None:
        """The styles changed (a new theme, say): every row is drawn again."""
        super().notify_style_update()
        self._forget()
        self._predrawn = self._ahead = None

    def predraw(self, content: Content | HangingText, rows: int) -> None:
        """Draw the first ``rows`` rows of ``content`` now, at this widget's width and
        style, and keep them for when ``content`` is shown at that size: the walk calls
        this for the next item while the reviewer reads the one shown, so the key that
        brings it mostly puts strips on screen. One content is kept, the last one; it is
        drawn again when the width changes before it is shown."""
        self._ahead = (content, rows)
        self._draw_ahead()

    def on_resize(self) -> None:
        """Textual lays a screen out twice when a scroll bar comes or goes: rows drawn
        ahead at the first width are drawn again at the one the screen settles at."""
        predrawn = self._predrawn
        if self._ahead is not None and (predrawn is None or predrawn[0][2] != self.size.width):
            self._draw_ahead()

    def _draw_ahead(self) -> None:
        if self._ahead is None:
            return
        content, rows = self._ahead
        width = self.size.width
        if width <= 0 or self.text_selection is not None:
            return
        style = self.visual_style
        # The height the widget will have: its content's, as Textual asks for it.
        height = content.get_height(cast(RulesMap, self.styles), width)
        if isinstance(content, HangingText):
            strips = {y: self._draw_row(content, y, width) for y in range(min(rows, height))}
        else:
            strips = dict(enumerate(Visual.to_strips(self, content, width, height, style)))
        self._predrawn = ((content, style, width, height), strips)

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the content at the widget's size, drawn on first use."""
        visual = self.visual
        style = self.visual_style
        width, height = self.size
        if self.text_selection is not None:
            # A selection's rows count from the top of the whole text: as a Static does.
            self._forget()
            return super().render_line(y)

        # The very objects drawn from: a new style object comes with any change of styles.
        drawn_from = self._drawn_from
        if drawn_from is None or not (
            drawn_from[0] is visual
            and drawn_from[1] is style
            and drawn_from[2:] == (width, height)
        ):
            self._strips = {}
            self._drawn_from = (visual, style, width, height)
            predrawn = self._predrawn
            if predrawn is not None and _same(predrawn[0], self._drawn_from):
                self._strips, self._predrawn, self._ahead = predrawn[1], None, None
            elif not isinstance(visual, HangingText):
                self._strips = dict(
                    enumerate(Visual.to_strips(self, visual, width, height, style))
                )

        strip = self._strips.get(y)
        if strip is None:
            if isinstance(visual, HangingText):
                strip = self._draw_row(visual, y, width)
            else:
                strip = Strip.blank(width, style.rich_style)
            self._strips[y] = strip
        return strip

    def _draw_row(self, text: HangingText, y: int, width: int) -> Strip:
        """Row ``y`` alone, as a Static drawing the whole text draws it.

        Each character carries its place in the text, which the mouse's selection reads:
        drawn alone, a row thinks it is the first, so it is told which one it is.
        """
        style = self.visual_style
        rows = text.rows(width)
        drawn = Visual.to_strips(self, rows[y], width, 1, style) if y < len(rows) else []
        if not drawn:
            return Strip.blank(width, style.rich_style)
        return drawn[0].apply_offsets(0, y) if y else drawn[0]

    def _forget(self) -> None:
        self._strips = {}
        self._drawn_from = None


def _same(
    predrawn: tuple[Visual, Style, int, int], drawing: tuple[Visual, Style, int, int]
) -> bool:
    """True when rows drawn ahead are those of the very text and style, at the same size."""
    return predrawn[0] is drawing[0] and predrawn[1] is drawing[1] and predrawn[2:] == drawing[2:]
