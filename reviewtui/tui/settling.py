"""What keeps the walk's keys fast after a scan: the collector out of their way, the
fix layer loaded before the first key asks for it.

A scan of a big tree leaves hundreds of thousands of objects alive (findings, their
evidence, the review), and Textual has its own tens of thousands. The collector walks
every one of them on each full pass, 50 to 150 ms here, and drawing items allocates
enough to start such a pass every few keys: those keys came out three times slower
than the others. So, while the app runs:

- the objects alive after a scan are frozen: the collector's passes skip them
  (reference counting still frees them), and they are unfrozen before the next scan,
  whose garbage they become;
- a full pass comes after ten times as many young passes as Python's default, so the
  caches that every frame fills and empties do not start one every few keys;
- before that, from the command to the first frame, the collector is off (see
  :func:`hold_until_first_frame`).

:func:`release` puts both back when the app ends. Nothing here imports Textual.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

_YOUNG_PASSES_PER_FULL = 100
"""Passes over the middle generation before a full one (Python's default is 10)."""

_thresholds: tuple[int, int, int] | None = None
"""The collector's thresholds before :func:`start`, to put back."""


def hold_until_first_frame() -> None:
    """Keep the collector off while the app loads: imports and the checklists make
    hundreds of thousands of objects, nearly all kept, and the collector's passes over
    them took some 50 ms before the first frame. :func:`first_frame` turns it back on."""
    gc.disable()


def first_frame() -> None:
    """The first frame is drawn: the collector runs again (if it was held)."""
    gc.enable()


def start() -> None:
    """Make the collector's full passes rarer while the app runs."""
    global _thresholds
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        young, middle, full = _thresholds
        gc.set_threshold(young, middle, max(full, _YOUNG_PASSES_PER_FULL))


def before_scan() -> None:
    """Let the collector see the previous scan's objects again: they turn to garbage."""
    gc.unfreeze()


def after_scan() -> None:
    """Load what the first keys of a walk would load, then freeze what is alive now.

    Called in the worker thread, at the end of its work: nothing here waits for the
    screen.
    """
    # The fixers load lazily; the walk asks for them to mark the items it can fix, so
    # the first key would pay for importing them.
    from reviewtui.fix.registry import fixers

    try:
        fixers()
    except Exception as error:  # a broken fixer module is told where fixes are asked for
        log.warning("cannot load the fixers: %s", error)
    gc.freeze()


def release() -> None:
    """The app is ending: every frozen object goes back to the collector, which runs
    as it did before :func:`start`."""
    global _thresholds
    gc.unfreeze()
    gc.enable()
    if _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
