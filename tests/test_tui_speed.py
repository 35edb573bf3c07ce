"""What keeps the walk fast: rows drawn only on screen, states and sections kept, the next
item built ahead, nothing read or saved at a key, and the collector kept out of the way.

These assert the work done, not wall times: the suite runs on a shared, busy machine.
``python tests/tools/benchmark.py app CORPUS`` measures the times themselves.
"""

from __future__ import annotations

import builtins
import gc
import io
import os
from pathlib import Path

import pytest
from conftest import write_project
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Offset, Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widgets import Static

from reviewtui import cli
from reviewtui.review.model import ItemState, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui import settling
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.tui.walk import Walk, WalkFilter
from reviewtui.tui.widgets import item_view
from reviewtui.tui.widgets.item_view import TARGETS_SHOWN, ItemView
from reviewtui.tui.widgets.lazy_static import LazyStatic

SIZE = (100, 32)
WIDE = (120, 32)
SERVICES = 120
PRIVILEGED = "runtime.not-privileged"
CAPABILITIES = "runtime.cap-drop-all"


@pytest.fixture
def many_targets(tmp_path: Path) -> Path:
    """A project whose compose file has many privileged services: items with many
    targets, each with its evidence."""
    services = "".join(
        f"  service-{index:03d}:\n"
        f"    image: registry.example.com/team/service-{index:03d}:1.{index}\n"
        "    privileged: true\n"
        for index in range(SERVICES)
    )
    return write_project(tmp_path / "many", {"compose.yaml": f"services:\n{services}"})


def _text() -> HangingText:
    """Hanging text with what the item view puts in it: styles, long lines that wrap,
    indents, a tab, a line break inside a line, brackets that are not markup."""
    long = "HariSekhon__Dockerfiles/apache-drill/docker-compose.yml:17  " * 3
    return HangingText(
        [
            Line(Content.assemble(("✗ fail", "bold $text-error"), "  ", ("service web", "bold"))),
            Line(Content("privileged: true [bold]not markup[/bold]"), 4),
            Line(Content.assemble((long, "$text-secondary"), "  ", long), 4),
            Line(Content("a\ttab and\na second line under it"), 4, 6),
            Line(Content.styled("… and 7 more targets", "$text-warning")),
        ]
    )


class _Pair(App[None]):
    """A Static and a LazyStatic side by side, showing the same text."""

    CSS = "Static { width: 37; height: auto; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        yield Static(id="static")
        yield LazyStatic(id="lazy")


def _drawn_anew(widget: LazyStatic) -> list[list[tuple[str, object]]]:
    """The rows the widget draws when it has kept nothing it drew."""
    widget._forget()
    return _drawn(widget)


def _drawn(widget: Static) -> list[list[tuple[str, object]]]:
    """Every row the widget draws, as its segments' text and style."""
    width, height = widget.outer_size
    return [
        [(segment.text, segment.style) for segment in strip]
        for strip in widget.render_lines(Region(0, 0, width, height))
    ]


async def test_the_css_is_parsed_for_the_apps_theme_from_the_start(
    weak_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed: list[bool] = []
    monkeypatch.setattr(App, "refresh_css", lambda self, animate=True: refreshed.append(animate))
    app = ReviewApp(weak_project, scan=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        theme = app.get_theme("tokyo-night")

        assert app.theme == "tokyo-night" and theme is not None
        assert app.current_theme is theme
        assert app.stylesheet._variables == app.get_css_variables()
        assert app.stylesheet._variables["primary"] == theme.primary
        assert refreshed == [], "no second parse of every CSS rule for a change of theme"


def test_the_command_keeps_the_collector_off_until_the_app_runs(
    weak_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collecting: list[bool] = []

    def run_app(*args: object, **kwargs: object) -> int:
        collecting.append(gc.isenabled())
        return 0

    monkeypatch.setattr("reviewtui.tui.app.run_app", run_app)
    assert cli.main([str(weak_project)]) == 0

    assert collecting == [False]
    assert gc.isenabled(), "on again once the app is over"


async def test_the_app_turns_the_collector_on_at_its_first_frame(weak_project: Path) -> None:
    app = ReviewApp(weak_project, scan=False)
    settling.hold_until_first_frame()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()

            assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_app_starts_on_the_overview_with_nothing_under_it(weak_project: Path) -> None:
    app = ReviewApp(weak_project, scan=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        overview = app.screen

        assert isinstance(overview, OverviewScreen)
        assert app.screen_stack == [overview], "no blank screen made and styled first"
        app.open_walk(None)
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is overview


async def test_a_lazy_static_draws_exactly_what_a_static_draws() -> None:
    app = _Pair()
    async with app.run_test(size=(80, 30)) as pilot:
        static = app.query_one("#static", Static)
        lazy = app.query_one("#lazy", LazyStatic)
        for widget in (static, lazy):
            widget.update(_text())
        await pilot.pause()

        assert lazy.outer_size == static.outer_size
        assert lazy.outer_size.height > 10  # the long line wrapped
        # Styles included: each character's place in the text, which a mouse selection
        # reads, is the same too.
        assert _drawn(lazy) == _drawn(static)

        # A selection is drawn as a Static draws it, and so is the text once it ends.
        selection = Selection.from_offsets(Offset(3, 1), Offset(9, 4))
        app.screen.selections = {static: selection, lazy: selection}
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)
        app.screen.selections = {}
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)

        # New text and a new width are drawn anew.
        for widget in (static, lazy):
            widget.update(HangingText([Line(Content("only one line now"))]))
            widget.styles.width = 24
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)
        assert len(_drawn(lazy)) == 1

        # Anything else is drawn by the Static it is.
        for widget in (static, lazy):
            widget.update(Content.styled("plain content", "bold"))
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)


async def test_rows_drawn_ahead_are_those_a_static_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    draw_row = LazyStatic._draw_row

    def counting(self: LazyStatic, text: HangingText, y: int, width: int) -> Strip:
        drawn.append(y)
        return draw_row(self, text, y, width)

    monkeypatch.setattr(LazyStatic, "_draw_row", counting)
    app = _Pair()
    async with app.run_test(size=(80, 30)) as pilot:
        static = app.query_one("#static", Static)
        lazy = app.query_one("#lazy", LazyStatic)
        for widget in (static, lazy):
            widget.update(HangingText([Line(Content("shown first"))]))
        await pilot.pause()

        text = _text()
        drawn.clear()
        lazy.predraw(text, 5)
        assert drawn == [0, 1, 2, 3, 4]
        drawn.clear()
        for widget in (static, lazy):
            widget.update(text)
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)
        assert drawn and min(drawn) == 5, "the first five rows were drawn ahead"

        # Drawn ahead for another text, or at another width: not used.
        other = _text()
        lazy.predraw(other, 5)
        drawn.clear()
        for widget in (static, lazy):
            widget.update(_text())
            widget.styles.width = 30
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)
        assert min(drawn) == 0

        # Any other content is drawn ahead whole.
        plain = Content.styled("plain content, drawn whole", "bold")
        lazy.predraw(plain, 1)
        for widget in (static, lazy):
            widget.update(plain)
        await pilot.pause()
        assert _drawn(lazy) == _drawn(static)


async def test_the_next_items_rows_on_screen_are_drawn_before_its_key(
    many_targets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[HangingText, int]] = []
    draw_row = LazyStatic._draw_row

    def counting(self: LazyStatic, text: HangingText, y: int, width: int) -> Strip:
        drawn.append((text, y))
        return draw_row(self, text, y, width)

    monkeypatch.setattr(LazyStatic, "_draw_row", counting)
    app = ReviewApp(many_targets, ReviewSession.open(many_targets))
    async with app.run_test(size=WIDE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        # From one item with a target per service to the next: both scroll, so the
        # width does not change, and the screen is laid out once.
        app.open_item(PRIVILEGED)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)

        drawn.clear()
        await pilot.press("n")
        await pilot.pause()
        detected = screen.query_one("#item-detected", LazyStatic)
        shown = detected.content
        assert screen.walk.current == CAPABILITIES
        assert isinstance(shown, HangingText) and len(shown.lines) > TARGETS_SHOWN
        # The rows on screen were drawn while the item before was read; what is drawn
        # now is the item after this one, ahead.
        assert [row for text, row in drawn if text is shown] == []
        assert drawn, "the item after it is drawn ahead in turn"
        assert _drawn(detected)[0] == _drawn_anew(detected)[0]


async def test_only_the_rows_on_screen_are_drawn(
    many_targets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    draw_row = LazyStatic._draw_row

    def counting(self: LazyStatic, text: HangingText, y: int, width: int) -> Strip:
        if text is self.visual:  # not the next item's rows, drawn ahead
            drawn.append(y)
        return draw_row(self, text, y, width)

    monkeypatch.setattr(LazyStatic, "_draw_row", counting)
    app = ReviewApp(many_targets, ReviewSession.open(many_targets))
    # Wide: the guidance stands beside the targets, which end the scroll.
    async with app.run_test(size=WIDE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.open_item(PRIVILEGED)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        drawn.clear()
        await pilot.press("t")  # every target: some 360 rows
        await pilot.pause()

        detected = screen.query_one("#item-detected", LazyStatic)
        assert detected.size.height > 3 * SERVICES
        assert drawn, "the rows on screen are drawn by the lazy static"
        assert len(set(drawn)) < WIDE[1]
        assert len(drawn) == len(set(drawn)), "a row is drawn once, not at each layout"

        # Scrolling draws the rows it brings into view, and only those.
        drawn.clear()
        await pilot.press("G")
        await pilot.pause()
        bottom = detected.size.height
        assert drawn and min(drawn) > bottom - WIDE[1]
        assert max(drawn) == bottom - 1
        assert len(set(drawn)) < WIDE[1]


async def test_moving_through_the_walk_reads_no_file_and_saves_nothing(
    many_targets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ReviewApp(many_targets, ReviewSession.open(many_targets))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.session.set_verdict(PRIVILEGED, Verdict.FAIL)  # so there is a review to save
        app.open_walk(None)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)

        opened: list[str] = []
        saved: list[str] = []
        real_open = io.open
        real_os_open = os.open

        def watched_open(file: object, *args: object, **kwargs: object) -> object:
            opened.append(str(file))
            return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

        def watched_os_open(path: object, *args: object, **kwargs: object) -> int:
            opened.append(str(path))
            return real_os_open(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(builtins, "open", watched_open)
        monkeypatch.setattr(io, "open", watched_open)  # what pathlib calls
        monkeypatch.setattr(os, "open", watched_os_open)
        monkeypatch.setattr(ReviewSession, "save", lambda self: saved.append("save"))
        first = screen.walk.current
        for _ in range(6):
            await pilot.press("n")
            await pilot.pause()
        await pilot.press("p", "p")
        await pilot.pause()

        assert screen.walk.current != first
        assert opened == []
        assert saved == []


async def test_the_next_item_is_built_while_the_reviewer_reads(
    many_targets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    detected_content = item_view.detected_content

    def counting(state: ItemState, limit: int | None = None) -> HangingText:
        built.append(state.item.id)
        return detected_content(state, limit)

    monkeypatch.setattr(item_view, "detected_content", counting)
    app = ReviewApp(many_targets, ReviewSession.open(many_targets))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.open_walk(None)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        ids = screen.walk.item_ids
        assert built == ids[:2], "the first item shown, then the next one built ahead"

        # The item n brings is drawn from what was built; the one after it is built.
        built.clear()
        await pilot.press("n")
        await pilot.pause()
        assert screen.walk.current == ids[1]
        assert built == [ids[2]]
        # Its targets were wrapped ahead at the width they are drawn at.
        view = screen.query_one(ItemView)
        detected = screen.query_one("#item-detected", LazyStatic)
        text = detected.content
        assert isinstance(text, HangingText)
        assert text._rows is not None and text._rows[0] == detected.size.width

        # Back to an item shown before: nothing is built again, the answer is.
        built.clear()
        await pilot.press("p")
        await pilot.pause()
        assert screen.walk.current == ids[0]
        assert built == []
        app.session.set_verdict(ids[0], Verdict.PASS)
        app.changed()
        await pilot.pause()
        assert built == [ids[0]]
        assert "pass" in str(screen.query_one("#item-answer", Static).content)
        assert view.all_targets is False


def test_an_items_state_is_the_same_object_until_it_changes(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()
    item_id = "build.non-root-user"
    state = session.state(item_id)

    assert session.state(item_id) is state
    assert next(s for s in session.states() if s.item.id == item_id) is state
    assert state.detected is state.detected  # worked out once

    # An answer changed in place, a note, a verdict cleared: each gives a new state.
    session.set_verdict(item_id, Verdict.ACCEPTED_RISK, "the vendor image runs as root")
    answered = session.state(item_id)
    assert answered is not state and answered.verdict is Verdict.ACCEPTED_RISK
    session.set_note(item_id, "ask the vendor")
    noted = session.state(item_id)
    assert noted is not answered and noted.note == "ask the vendor"
    session.set_verdict(item_id, None)
    assert session.state(item_id).verdict is Verdict.FAIL
    assert session.state(item_id).note == "ask the vendor"

    # A scan gives new findings, so new states.
    before = session.state(item_id)
    session.scan()
    after = session.state(item_id)
    assert after is not before and after.findings == before.findings


def test_a_walk_peeks_at_the_item_a_step_would_reach(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()
    ids = [item.id for item in session.catalogue.items]
    states = {state.item.id: state for state in session.states()}
    walk = Walk(ids)

    assert walk.peek(states, WalkFilter.ALL, +1) == ids[1]
    assert walk.peek(states, WalkFilter.ALL, -1) is None
    failing = [i for i in ids if WalkFilter.FAILING.matches(states[i])]
    walk.first_match(states, WalkFilter.FAILING)
    assert walk.current == failing[0]
    assert walk.peek(states, WalkFilter.FAILING, +1) == failing[1]
    assert walk.current == failing[0], "peeking does not move"


async def test_the_scans_objects_are_kept_from_the_collector_while_the_app_runs(
    weak_project: Path,
) -> None:
    thresholds = gc.get_threshold()
    app = ReviewApp(weak_project, ReviewSession.open(weak_project))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert gc.get_threshold()[2] >= 100
        gc.collect()
        assert gc.get_freeze_count() == frozen, "a full pass leaves the frozen objects be"

    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds
    settling.release()  # twice does no harm
    assert gc.get_threshold() == thresholds
