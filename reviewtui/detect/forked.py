"""Work done in a forked child process, on another core, while this process goes on.

A scan of a big tree spends most of its time judging Dockerfiles, each on its own; a
child forked from the scanning process has every fact already read and judges a share
of them, handing its findings back through a pipe. Forking is only safe where this
process runs one thread (a thread holding a lock at the fork would leave it held for
ever in the child), so the app, which scans in a worker thread, judges every file itself.

TODO: a second vCPU of a shared machine may give far less than a second core's work,
and then this gains little; in one process a scan of real projects takes about four
times as long as parsing their files alone, and the judging itself must get faster.

Whatever goes wrong in the child (an exception, a result that does not pickle, the
child killed) comes back as no result, and the caller does the work itself.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a child may be forked safely here, and would have a core to run on."""
    return hasattr(os, "fork") and threading.active_count() == 1 and cores() > 1


def start(work: Callable[[], T]) -> Forked[T] | None:
    """``work()`` started in a forked child; None when the system refuses a process or a
    pipe now (too many of either, no memory), and the caller does the work itself."""
    try:
        return Forked(work)
    except OSError:
        return None


class Forked(Generic[T]):
    """``work()`` run in a forked child; :meth:`result` waits for what it returned."""

    def __init__(self, work: Callable[[], T]) -> None:
        reading, writing = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            raise
        if pid == 0:  # the child: never returns
            os.close(reading)
            _serve(work, writing)
        os.close(writing)
        self._pid: int | None = pid
        self._pipe = os.fdopen(reading, "rb")

    def result(self) -> T | None:
        """What ``work()`` returned in the child, None if it did not return."""
        # Loaded as it comes, never held whole: a big tree's findings are megabytes.
        try:
            result: T | None = pickle.load(self._pipe)
        except Exception:  # noqa: BLE001 - a result cut short or damaged is no result
            result = None
        finally:
            self._pipe.close()
        return result if self._reaped_cleanly() else None

    def cancel(self) -> None:
        """Stop the child if it still runs (the caller is giving up, e.g. on Ctrl-C)."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reaped_cleanly()
        self._pipe.close()

    def _reaped_cleanly(self) -> bool:
        if self._pid is None:
            return False
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status) == 0


def _serve(work: Callable[[], T], writing: int) -> None:
    """Run ``work`` and write its pickled result to ``writing``; leave the process.

    ``os._exit`` skips the parent's exit handlers and its unflushed output, which the
    child shares but must not run or write twice.
    """
    status = 1
    try:
        result = work()
        with os.fdopen(writing, "wb") as pipe:
            pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    except BaseException:  # noqa: BLE001, S110 - the parent does the work itself
        pass
    finally:
        os._exit(status)
