"""A review survives a crash in the middle of a save, and a review file reviewtui cannot
use is never overwritten silently.

A child process saves a big review in a loop and is killed with SIGKILL at random
moments, 25 times; after each kill the review file must load, whole, and be the last
save the child finished or the one it was finishing. Other children kill themselves at
each step of a save (while writing, before the fsync, before and after the rename), so
every crash point is hit on every run. Damaged files of every kind are kept aside before a new
review starts, and a file from a newer reviewtui is left exactly as it was.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.review import store
from reviewtui.review.model import Answer, Decision, Review, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp

ITEM = "build.non-root-user"
ITEMS = 60
TARGETS = 20


def big_review() -> Review:
    """A review of ITEMS items of TARGETS findings each: about 450 KB on disk."""
    review = Review(project="big", created="2026-01-01T00:00:00Z")
    for item in range(ITEMS):
        review.findings[f"build.item-{item:03}"] = [
            Finding(
                Target(TargetKind.DOCKERFILE, f"svc{n}/Dockerfile", f"svc{n}/Dockerfile"),
                Status.FAIL,
                "runs as root " + "x" * 40,
                (Evidence(f"svc{n}/Dockerfile", n + 1, "USER root # " + "y" * 120),),
            )
            for n in range(TARGETS)
        ]
    review.answers[ITEM] = Answer(verdict=Verdict.FAIL, note="save 0")
    return review


def _die(*_args: object, **_kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _HalfWriter:
    """A file that writes half of what it is given, then kills its process."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stream.close()

    def write(self, text: str) -> int:
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        _die()
        return 0


def _crash_at(mode: str) -> None:
    """Make this process kill itself at one step of the next save."""
    real_fdopen, real_replace = os.fdopen, os.replace
    if mode == "write":
        os.fdopen = lambda *a, **k: _HalfWriter(real_fdopen(*a, **k))  # type: ignore[assignment]
    elif mode == "fsync":
        os.fsync = _die
    elif mode == "replace":
        os.replace = _die

    elif mode == "after-replace":

        def replace_then_die(source: str, target: str | Path) -> None:
            real_replace(source, target)
            _die()

        os.replace = replace_then_die  # type: ignore[assignment]


def _child(path: Path, mode: str, report: int) -> None:
    """The saving process: in a loop ("saved N" on ``report`` after each save), or once,
    killed at the step ``mode`` names. Never returns."""
    try:
        review = big_review()
        if mode == "loop":
            # A first save ("save 0" again) encodes the findings once; after it, a save
            # is mostly writing the file.
            store.save(review, path)
            os.write(report, b"ready\n")
            count = 0
            while True:
                count += 1
                review.answers[ITEM].note = f"save {count}"
                store.save(review, path)
                os.write(report, f"saved {count}\n".encode())
        review.answers[ITEM].note = "save new"
        _crash_at(mode)
        store.save(review, path)
    finally:
        os._exit(3)  # only reached when the crash did not happen


class Saver:
    """A forked child saving the big review; it shares this process's imports, so
    starting one takes a millisecond and many can be killed in a test."""

    def __init__(self, path: Path, mode: str) -> None:
        reader, writer = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child never returns
            os.close(reader)
            _child(path, mode, writer)
        os.close(writer)
        self.output = os.fdopen(reader, "r")

    def line(self) -> str:
        """The next line the child reported."""
        return self.output.readline()

    def kill(self) -> list[str]:
        """Kill the child with SIGKILL; the lines it reported that were not read yet."""
        os.kill(self.pid, signal.SIGKILL)
        return self.wait(signal.SIGKILL)

    def wait(self, expected: int) -> list[str]:
        """Wait for the child, which must die of signal ``expected``; its last lines."""
        _, status = os.waitpid(self.pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == expected, status
        lines = self.output.read().splitlines()
        self.output.close()
        return lines


def saved_note(path: Path) -> str:
    """The note the review at ``path`` holds, after checking all of it loaded."""
    review = store.load(path)
    big = [findings for item, findings in review.findings.items() if item != ITEM]
    assert len(big) == ITEMS and all(len(findings) == TARGETS for findings in big)
    return review.answers[ITEM].note


@pytest.fixture
def good_review(tmp_path: Path) -> Path:
    """The review file as a first, finished save left it."""
    path = tmp_path / ".reviewtui" / "review.json"
    store.save(big_review(), path)
    assert saved_note(path) == "save 0"
    return path


def test_killed_at_random_moments_the_last_save_survives(good_review: Path) -> None:
    rng = random.Random(20261203)  # the same moments on every run
    mid_save = 0

    for _ in range(25):
        saver = Saver(good_review, "loop")
        assert saver.line() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.1))
        finished = [int(line.split()[1]) for line in saver.kill()]

        note = saved_note(good_review)  # loads, whole, every time
        # The last save it finished, or the next one, which the rename made whole.
        last = finished[-1] if finished else 0
        assert note in (f"save {last}", f"save {last + 1}")
        leftovers = list(good_review.parent.glob(".review.json.*.tmp"))
        mid_save += len(leftovers)
        for leftover in leftovers:
            leftover.unlink()

    # Writing the file is most of what the child does, so many kills land in the middle
    # of a write (and leave its temporary file behind).
    assert mid_save >= 5, mid_save


@pytest.mark.parametrize(
    ("mode", "survivor"),
    [
        ("write", "save 0"),
        ("fsync", "save 0"),
        ("replace", "save 0"),
        ("after-replace", "save new"),
    ],
)
def test_killed_at_each_step_of_a_save_the_file_is_whole(
    good_review: Path, mode: str, survivor: str
) -> None:
    Saver(good_review, mode).wait(signal.SIGKILL)

    assert saved_note(good_review) == survivor


def test_a_later_save_removes_what_a_killed_save_left(good_review: Path) -> None:
    Saver(good_review, "write").wait(signal.SIGKILL)
    leftovers = list(good_review.parent.glob(".review.json.*.tmp"))
    assert len(leftovers) == 1  # the half-written file of the killed save
    fresh = good_review.parent / ".review.json.another.tmp"
    fresh.write_text("a save another reviewtui is making right now")
    stale = time.time() - store.STALE_TEMPORARY - 60
    os.utime(leftovers[0], (stale, stale))

    store.save(store.load(good_review), good_review)

    assert not leftovers[0].exists()
    assert fresh.exists()


# --- review files that cannot be used -----------------------------------------------------

DAMAGED = {
    "truncated": b'{"format": "reviewtui-review", "version": 1, "items": {"build',
    "not json": b"{not json",
    "binary": b"\x00\x01\x02\xff",
    "not utf-8": b'{"format": "reviewtui-review", "project": "\xff"}',
    "not a review": b'{"format": "something-else"}',
    "wrong shape": json.dumps(
        {"format": "reviewtui-review", "version": 1, "signoffs": [{"name": None}]}
    ).encode(),
    "long number": b'{"format": "reviewtui-review", "version": ' + b"1" * 5000 + b"}",
    "deep": b"[" * 100_000,
}


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_damaged_review_file_is_kept_aside_before_a_new_review(
    weak_project: Path, damage: str
) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_bytes(DAMAGED[damage])

    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict(ITEM, Verdict.FAIL)

    assert "review.json" in session.notice and "kept a copy at" in session.notice
    backups = list(path.parent.glob("review.json.broken-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == DAMAGED[damage]
    assert store.load(path).answers[ITEM].verdict is Verdict.FAIL


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_damaged_review_file_is_one_clear_line(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "review.json"
    path.write_bytes(DAMAGED[damage])

    with pytest.raises(store.ReviewFileError) as raised:
        store.load(path)

    message = str(raised.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message and len(message) < 300, message
    assert "Traceback" not in message


NEWER = json.dumps({"format": "reviewtui-review", "version": 99, "items": {}, "x": [1]})


def test_a_newer_review_file_is_never_written(weak_project: Path) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_text(NEWER)
    stamp = path.stat().st_mtime_ns

    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict(ITEM, Verdict.ACCEPTED_RISK, "a reason")
    session.set_note(ITEM, "a note")
    session.set_action(ITEM, "@ops", "2030-01-01")
    session.sign_off("Ada", "ada@example.com", "security", Decision.APPROVED)
    session.scan()
    # Even a save asked for outright leaves it alone.
    with pytest.raises(store.ReviewSaveError, match="version 99, from a newer reviewtui"):
        session.save()
    with pytest.raises(store.ReviewSaveError, match="from a newer reviewtui"):
        store.save(session.review, path)

    assert "version 99 is newer" in session.notice and "read-only" in session.notice
    assert path.read_text() == NEWER and path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in path.parent.iterdir()) == ["review.json"]


def test_scan_with_a_review_file_from_a_newer_reviewtui_says_so(weak_project: Path) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_text(NEWER)

    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "scan", str(weak_project), "--review", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert "newer" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == NEWER


async def test_the_app_says_a_newer_review_is_read_only_and_writes_nothing(
    weak_project: Path,
) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_text(NEWER)
    app = ReviewApp(weak_project, ReviewSession.open(weak_project))

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("newer" in m and "read-only" in m for m in messages), messages
        await pilot.press("enter", "1", "ctrl+s")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("read-only: nothing is saved" in m for m in messages), messages

    assert path.read_text() == NEWER
    assert sorted(p.name for p in path.parent.iterdir()) == ["review.json"]
