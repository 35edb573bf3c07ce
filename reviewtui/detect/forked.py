"""Work done in a forked child process, on another core, while this process goes on.

A scan of a big tree spends most of its time judging Dockerfiles, each on its own; a
child forked from the scanning process has every fact already read and judges a share
of them, handing its findings back through a pipe. The two take the files a few at a
time from the two ends of one list (:class:`Ends`) until they meet, so that whichever
runs faster does more: a second vCPU of a shared machine may give far less than a
second core's work, or nothing for a while. Forking is only safe where this
process runs one thread (a thread holding a lock at the fork would leave it held for
ever in the child), so the app, which scans in a worker thread, judges every file itself.

TODO: with a second vCPU that gives little, a scan of real projects in one process takes
2.5 to 3 times as long as parsing their files alone, about what it is held to: the
judging itself must get faster for a margin.

Whatever goes wrong in the child (an exception, a result that does not pickle, the
child killed) comes back as no result, and the caller does the work itself.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import signal
import struct
import tempfile
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


class Ends:
    """The numbers from 0 to ``count - 1``, which this process takes one at a time from
    the front and a child forked after it was made takes from the back, until none is
    left: each number goes to one of the two, and the faster takes more.

    The two ends are kept in a temporary file under a POSIX record lock, which belongs
    to the process holding it (the child's taking excludes the parent's) and goes with
    it when it dies, so a child killed while taking leaves no lock behind.
    """

    _FORMAT = "ii"

    def __init__(self, count: int) -> None:
        self._file = tempfile.TemporaryFile()
        self._write(0, count)

    def front(self) -> int | None:
        """The lowest number left, taken; None when there is none."""
        return self._take(front=True)

    def back(self) -> int | None:
        """The highest number left, taken; None when there is none."""
        return self._take(front=False)

    def close(self) -> None:
        self._file.close()

    def _take(self, front: bool) -> int | None:
        descriptor = self._file.fileno()
        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        try:
            low, high = struct.unpack(self._FORMAT, os.pread(descriptor, 8, 0))
            if low >= high:
                return None
            if front:
                self._write(low + 1, high)
                return low
            self._write(low, high - 1)
            return high - 1
        finally:
            fcntl.lockf(descriptor, fcntl.LOCK_UN)

    def _write(self, low: int, high: int) -> None:
        os.pwrite(self._file.fileno(), struct.pack(self._FORMAT, low, high), 0)


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
