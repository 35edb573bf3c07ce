"""read_text gives a project file's text, or says why it cannot, for every kind of path."""

from __future__ import annotations

import os
from pathlib import Path

from reviewtui.project.textfile import read_text
from tests.conftest import write_project


def test_paths_inside_the_tree_are_read_however_they_are_written(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"a/b/Dockerfile": "FROM scratch\n"})
    os.symlink(root / "a", root / "link")
    os.symlink("b/Dockerfile", root / "a" / "Dockerfile.linked")

    for rel in (
        "a/b/Dockerfile",
        "./a/b/Dockerfile",
        "a//b/Dockerfile",
        "a/b/Dockerfile/",
        "link/b/Dockerfile",
        "a/Dockerfile.linked",
        str(root / "a/b/Dockerfile"),
    ):
        assert read_text(root, rel) == ("FROM scratch\n", None), rel


def test_what_cannot_be_read_says_why(tmp_path: Path) -> None:
    outside = write_project(tmp_path / "outside", {"secret": "s3cr3t\n"})
    root = write_project(tmp_path / "p", {"a/file": "x\n", "big": "x" * 11})
    os.symlink(outside, root / "out")
    os.symlink(root / "missing", root / "dangling")
    os.mkfifo(root / "fifo")

    reasons = {
        rel: problem.reason if problem else None
        for rel in ("a", "", "out/secret", "../outside/secret", "dangling", "nope/x", "fifo")
        for text, problem in [read_text(root, rel)]
        if text is None
    }

    assert reasons == {
        "a": "not a regular file; not read",
        "": "not a regular file; not read",
        "out/secret": "link leads out of the project; not read",
        "../outside/secret": "link leads out of the project; not read",
        "dangling": "cannot read: No such file or directory",
        "nope/x": "cannot read: No such file or directory",
        "fifo": "not a regular file; not read",
    }
    text, problem = read_text(root, "big", max_bytes=10)
    assert text is None and problem is not None
    assert problem.reason == "file is 11 bytes, over the 10 byte limit; not read"
