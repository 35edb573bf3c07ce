"""Keeping what a scan builds out of the cyclic garbage collector's repeated passes."""

from __future__ import annotations

import gc

SETTLE_EVERY = 200
"""Files read between two calls of :func:`settle`."""


def settle() -> None:
    """Tell the cyclic garbage collector that what has been built so far lives on.

    The facts and findings of a big tree are millions of objects that live until the
    scan ends, and each full pass of the collector walks all of them: without this,
    those passes take a third of a scan of ten thousand files, and a larger share the
    bigger the tree. So what is garbage now is collected (a pass over what was built
    since the last call only, since the rest is frozen), and what survives is frozen:
    the collector's later passes leave it out. Frozen objects are still freed as soon as
    nothing refers to them; :func:`reviewtui.detect.engine.detect` unfreezes them when
    it is done, so that cycles made among them later are collected too.
    """
    gc.collect()
    gc.freeze()


def settle_what_is_loaded() -> None:
    """Freeze what exists before a project is read, without collecting first.

    That is the modules and what they hold (hundreds of thousands of objects, all of
    which live as long as the process), so the collector's passes while the project is
    read and judged, and :func:`settle`'s first one above all, leave them out. A cycle
    that is garbage already stays until what was frozen is unfrozen (detection does,
    at its end).
    """
    gc.freeze()
