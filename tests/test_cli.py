"""The command line, run as a user would: a subprocess, its output and exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui import __version__
from reviewtui.cli import main
from tests.conftest import write_project

HARDENED_DOCKERFILE = """\
FROM python:3.12.4-slim@sha256:{digest}
COPY main.py /app/main.py
USER 10001
HEALTHCHECK CMD ["python", "-c", "print(1)"]
CMD ["python", "/app/main.py"]
""".format(digest="a" * 64)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_version() -> None:
    result = run("--version")

    assert result.returncode == 0
    assert result.stdout.strip() == f"reviewtui {__version__}"


def test_every_command_has_help() -> None:
    for command in ([], ["scan"], ["export"], ["checklist"]):
        result = run(*command, "--help")
        assert result.returncode == 0, command
        assert "usage: reviewtui" in result.stdout


def test_scan_fails_on_high_findings_and_writes_markdown(weak_project: Path) -> None:
    result = run("scan", str(weak_project))

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("# Docker security review: weak")
    assert "`Dockerfile:1`" in result.stdout
    assert not (weak_project / ".reviewtui").exists()  # scan writes no review file


def test_scan_json_to_file_and_fail_on_threshold(weak_project: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    result = run(
        "scan", str(weak_project), "--format", "json", "--output", str(output), "--fail-on", "none"
    )

    assert result.returncode == 0
    assert result.stdout == ""
    document = json.loads(output.read_text())
    assert any(item["status"] == "fail" for item in document["items"])


def test_scan_passes_a_project_without_high_failures(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "good",
        {
            "Dockerfile": HARDENED_DOCKERFILE,
            "main.py": "print(1)\n",
            ".dockerignore": ".git\n.env*\n*.pem\n*.key\nid_rsa*\n",
        },
    )
    result = run("scan", str(root), "--fail-on", "high")

    assert result.returncode == 0, result.stdout


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = run("scan", str(tmp_path / "nope"))
    bad_format = run("scan", str(tmp_path), "--format", "xml")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    not_dir = run("scan", str(a_file))

    for result in (missing, bad_format, not_dir):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "no such directory" in missing.stderr
    assert "not a directory" in not_dir.stderr


def test_export_of_a_saved_review(weak_project: Path) -> None:
    from reviewtui.review.model import Decision
    from reviewtui.review.session import ReviewSession

    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_note("build.healthcheck", "Add a HEALTHCHECK before release.")
    session.sign_off("Ada", "ada@example.com", "reviewer", Decision.APPROVED_WITH_CONDITIONS)

    result = run("export", str(weak_project / ".reviewtui" / "review.json"))

    assert result.returncode == 0, result.stderr
    assert "Add a HEALTHCHECK before release." in result.stdout
    assert "| Ada | ada@example.com | reviewer | approved with conditions |" in result.stdout


def test_export_of_a_missing_review_is_a_usage_error(tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "review.json"))

    assert result.returncode == 2
    assert "no such review file" in result.stderr


def test_checklist_command_prints_catalogue() -> None:
    result = run("checklist", "--format", "json")

    assert result.returncode == 0
    ids = [item["id"] for item in json.loads(result.stdout)]
    assert "build.non-root-user" in ids and "runtime.not-privileged" in ids


def test_scan_says_on_stderr_what_it_could_not_read(tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", {"compose.yaml": "services:\n  web: [\n"})

    result = run("scan", str(root), "--fail-on", "none")

    assert result.returncode == 0
    assert "compose.yaml:" in result.stderr and "problem" in result.stderr


def test_scan_of_a_folder_without_docker_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    result = run("scan", str(tmp_path / "empty"))

    assert result.returncode == 0
    assert "no Dockerfile, compose file" in result.stderr
    assert not (tmp_path / "empty" / ".reviewtui").exists()


def test_a_report_that_fails_halfway_leaves_the_old_file_whole(
    weak_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is written in pieces as they are made; a failure after the first
    leaves the file from before, and no temporary file beside it."""
    import reviewtui.report as report

    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    output.write_text("the last report\n", encoding="utf-8")
    made = report.render_chunks

    def halfway(*args: object, **kwargs: object) -> Iterator[str]:
        pieces = made(*args, **kwargs)  # type: ignore[arg-type]
        yield next(pieces)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "render_chunks", halfway)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(["scan", str(weak_project), "--format", "json", "-o", str(output)])

    assert output.read_text(encoding="utf-8") == "the last report\n"
    assert sorted(p.name for p in output.parent.iterdir()) == ["report.json"]


def test_a_report_written_to_a_new_file_or_a_device(weak_project: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.md"
    assert main(["scan", str(weak_project), "-o", str(output), "--fail-on", "none"]) == 0
    assert output.read_text(encoding="utf-8").startswith("# Docker security review: ")
    assert stat.S_IMODE(output.stat().st_mode) == 0o644

    # Not a regular file: written to as it is, not replaced.
    assert main(["scan", str(weak_project), "-o", os.devnull, "--fail-on", "none"]) == 0
    assert Path(os.devnull).is_char_device()
