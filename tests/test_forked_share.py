"""A scan's share of Dockerfiles judged in a forked child changes no result.

With a child judging Dockerfiles from the last one back while the parent judges from
the first on, the findings, problems and waivers are those of judging every file in one
process, in the same order, however many each of the two takes; the two ends they take
from give each take to one of them only; a child that fails
or dies, or a fork the system refuses, leaves the work to the parent, with the same
results; a plain callback (which a child could not hand back) and a process running
other threads never fork; the child's work comes back whole (findings packed into
columns, equal and sharing what they shared), and a child that raises, dies or is
cancelled gives no result and leaves no process behind.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import pytest
from test_big_trees import _every_fixture, _scan, catalogue

from reviewtui.detect import engine, forked, packed
from reviewtui.detect.engine import detect_streaming
from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project import read_project_but_dockerfiles
from reviewtui.project.dockerfile import Dockerfile
from reviewtui.waivers.collect import WaiverCollector
from reviewtui.waivers.model import Waiver


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A child forked for as few as two Dockerfiles, even where pytest runs threads,
    and the Dockerfiles taken one at a time; the list holds the number of children
    forked."""
    started: list[int] = []
    real = forked.Forked.__init__

    def counted(self: forked.Forked[object], work: object) -> None:
        started.append(1)
        real(self, work)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "FORK_FROM", 2)
    monkeypatch.setattr(engine, "DOCKERFILES_PER_TAKE", 1)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(forked.Forked, "__init__", counted)
    return started


def _scan_forked(root: Path) -> tuple[object, ...]:
    facts, dockerfiles = read_project_but_dockerfiles(root)
    collector = WaiverCollector(catalogue())
    collector.compose(facts)  # as a review's scan does: detection lets the projects go
    findings = detect_streaming(catalogue(), facts, dockerfiles, collector)
    waivers, problems = collector.finish(facts)
    return findings, sorted(set(facts.problems) | set(problems), key=str), waivers


@pytest.mark.parametrize("batch", [3, 500])
def test_a_forked_share_gives_the_results_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: list[int], batch: int
) -> None:
    tree = _every_fixture(tmp_path)
    whole = _scan(tree)
    monkeypatch.setattr(engine, "DOCKERFILES_PER_BATCH", batch)
    shared = _scan_forked(tree)
    assert forking == [1]
    assert list(shared[0]) == list(whole[0])
    assert shared == whole
    # The waived Dockerfiles sort last: the child takes them first, and its waiver and
    # problem came back.
    waivers = [w for w in whole[2] if isinstance(w, Waiver)]
    assert [w.path for w in waivers if w.path.endswith("Dockerfile")] == ["waived/api/Dockerfile"]
    assert any("build.no-such-item" in problem.reason for problem in whole[1])


@pytest.mark.parametrize("taker", ["child", "parent"])
def test_the_results_stay_whoever_takes_every_dockerfile(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    forking: list[int],
    taker: str,
) -> None:
    tree = _every_fixture(tmp_path)
    whole = _scan(tree)
    front, back, judge_front = forked.Ends.front, forked.Ends.back, engine._Batches.judge_front
    taken_here: list[int] = []

    def from_front(self: forked.Ends) -> int | None:
        return front(self) if taker == "parent" else None

    def from_back(self: forked.Ends) -> int | None:
        return back(self) if taker == "child" else None

    def judged_here(self: engine._Batches, paths: list[str], ends: forked.Ends) -> int:
        taken_here.append(judge_front(self, paths, ends))
        return taken_here[-1]

    monkeypatch.setattr(forked.Ends, "front", from_front)
    monkeypatch.setattr(forked.Ends, "back", from_back)
    monkeypatch.setattr(engine._Batches, "judge_front", judged_here)
    assert _scan_forked(tree) == whole
    assert forking == [1]
    assert "failed" not in caplog.text  # the child's share came back
    assert (taken_here[0] > 2) == (taker == "parent")
    assert (taken_here[0] == 0) == (taker == "child")


def test_two_processes_take_each_number_once() -> None:
    ends = forked.Ends(2000)

    def take_back() -> list[int]:
        taken = []
        while (number := ends.back()) is not None:
            taken.append(number)
        return taken

    child = forked.Forked(take_back)
    mine = []
    while (number := ends.front()) is not None:
        mine.append(number)
    theirs = child.result()
    ends.close()
    assert theirs is not None
    assert mine == list(range(len(mine)))
    assert theirs == list(range(1999, len(mine) - 1, -1))


def test_a_failing_child_leaves_the_work_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: list[int]
) -> None:
    tree = _every_fixture(tmp_path)
    whole = _scan(tree)
    parent = os.getpid()
    real = engine._Batches.share

    def share(self: engine._Batches, paths: list[str], ends: forked.Ends) -> engine._Share:
        if os.getpid() != parent:
            ends.back()  # taken, then lost with the child
            raise MemoryError("the child ran out of memory")
        return real(self, paths, ends)

    monkeypatch.setattr(engine._Batches, "share", share)
    assert _scan_forked(tree) == whole
    assert forking == [1]


def test_a_refused_fork_leaves_every_file_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: list[int]
) -> None:
    tree = _every_fixture(tmp_path)
    whole = _scan(tree)

    def no_more_processes() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_more_processes)
    assert _scan_forked(tree) == whole
    assert forking == [1]  # tried, refused


def test_a_detector_failing_in_the_child_fails_its_item_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: list[int]
) -> None:
    tree = _every_fixture(tmp_path)
    parent = os.getpid()
    real = engine._run

    def run(item: object, facts: object, detectors: object) -> object:
        if os.getpid() != parent and getattr(item, "id", "") == "build.non-root-user":
            raise ValueError("no user here")
        return real(item, facts, detectors)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_run", run)
    findings = _scan_forked(tree)[0]
    assert forking == [1]
    assert [f.reason for f in findings["build.non-root-user"]] == [  # type: ignore[index]
        "detector final_user failed: no user here"
    ]


def test_no_child_for_a_plain_callback_or_beside_other_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: list[int]
) -> None:
    tree = _every_fixture(tmp_path)
    facts, dockerfiles = read_project_but_dockerfiles(tree)
    seen: list[str] = []

    def on_dockerfile(dockerfile: Dockerfile) -> None:
        seen.append(dockerfile.path)

    detect_streaming(catalogue(), facts, dockerfiles, on_dockerfile)
    assert sorted(seen) == sorted(dockerfiles)
    assert forking == []

    monkeypatch.undo()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forked.can_fork()
    finally:
        stop.set()
        other.join()


def test_a_child_hands_back_what_its_work_returned() -> None:
    child = forked.Forked(lambda: {"pid": os.getpid(), "data": list(range(100_000))})
    result = child.result()
    assert result is not None
    assert result["pid"] != os.getpid()
    assert result["data"] == list(range(100_000))  # more than a pipe's buffer holds


def test_a_child_that_raises_or_dies_gives_no_result() -> None:
    def fail() -> None:
        raise RuntimeError("broken")

    assert forked.Forked(fail).result() is None
    assert forked.Forked(lambda: os.kill(os.getpid(), 9)).result() is None
    assert forked.Forked(lambda: threading.Lock()).result() is None  # does not pickle


def test_a_cancelled_child_is_stopped_and_reaped() -> None:
    child = forked.Forked(lambda: time.sleep(60))
    pid = child._pid
    assert pid is not None
    child.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_packed_findings_come_back_equal_and_sharing_what_they_shared() -> None:
    target = Target(TargetKind.DOCKERFILE, "api/Dockerfile", "api/Dockerfile")
    proof = (Evidence("api/Dockerfile", 3, "USER root"), Evidence("x", None, "v", "F.x"))
    findings = {
        "a": [
            Finding(target, Status.FAIL, "runs as root", proof),
            Finding(target, Status.PASS, "", ()),
        ],
        "b": [],
        "c": [Finding(Target(TargetKind.PROJECT, "."), Status.UNKNOWN, "why", proof)],
    }
    back = dict(packed.unpack(pickle.loads(pickle.dumps(packed.pack(findings)))))
    assert back == findings
    assert list(back) == ["a", "b", "c"]
    assert back["a"][0].target is back["a"][1].target
    assert back["a"][0].evidence is back["c"][0].evidence
    assert back["a"][0].evidence[1].line is None
