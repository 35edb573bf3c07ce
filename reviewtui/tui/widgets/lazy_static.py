"""A Static that draws only the rows on screen, and draws a row again only when it changed."""

from __future__ import annotations

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
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._strips: dict[int, Strip] = {}
        self._drawn_from: tuple[Visual, Style, int, int] | None = None

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show ``content`` (see :meth:`Static.update`)."""
        self._forget()
        super().update(content, layout=layout)

    def notify_style_update(self) -> None:
        """The styles changed (a new theme, say): every row is drawn again."""
        super().notify_style_update()
        self._forget()

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
            if not isinstance(visual, HangingText):
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
