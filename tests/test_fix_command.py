"""``reviewtui fix``: the patch it prints, what --apply writes, and what it refuses.

Most runs call the command in-process (``main([...])``) on a copy of a fixture project;
a few run ``python -m reviewtui fix`` as a user does. The fixers are the real ones.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.commands.fix import MASKED_WARNING
from reviewtui.fix import registry
from reviewtui.fix.model import Edit
from reviewtui.model import Finding, Target
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project
from tests.fix_helpers import answers, changed_answers, rolled_up

DEMO = Path(__file__).parent / "fixtures" / "projects" / "demo"
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
"""A GitHub token planted next to the lines a fix changes."""

SECRET_DOCKERFILE = f"""\
FROM python:3.12-slim
ENV GITHUB_TOKEN={TOKEN}
ADD app /app
CMD ["python", "-m", "app"]
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A fresh copy of the demo project, which fails build.copy-not-add (ADD . /app),
    build.non-root-user and build.no-secrets-in-arg-env in its Dockerfile."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


@pytest.fixture
def fix(capsys: pytest.CaptureFixture[str]) -> Run:
    """``reviewtui fix ARGS`` in-process: the exit code, standard output and error."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main(["fix", *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def files_of(root: Path) -> dict[str, bytes]:
    """Every file of the project, by relative path, as bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)


# --- the patch --------------------------------------------------------------------------


def test_without_apply_it_prints_a_commented_patch_and_writes_nothing(
    demo: Path, fix: Run
) -> None:
    before = files_of(demo)

    code, out, err = fix(demo, "--item", "build.copy-not-add", "--item", "build.non-root-user")

    assert code == 0, err
    assert files_of(demo) == before
    lines = out.splitlines()
    assert lines[0] == "# Dockerfile: 2 fixes"
    # Checklist order: build.non-root-user comes before build.copy-not-add.
    heads = [line for line in lines if line.startswith("# build.")]
    assert heads[0].startswith("# build.non-root-user, Dockerfile: ")
    assert heads[1].startswith("# build.copy-not-add, Dockerfile: ")
    assert any(line.startswith("#   may change behaviour: ") for line in lines)
    assert any(line.startswith("#   check: ") for line in lines)
    assert all(len(line) <= 99 for line in lines if line.startswith("#"))
    assert "--- a/Dockerfile\n+++ b/Dockerfile\n" in out
    assert "-ADD . /app\n+COPY . /app\n" in out
    # The demo's ENV API_TOKEN line is context of the change: masked, so the patch
    # says it will not apply.
    assert "ENV API_TOKEN=****" in out and "f3a9c2e17b5d4e8a" not in out
    assert f"# {MASKED_WARNING}\n--- a/Dockerfile" in out
    assert "compose.yaml" not in out  # only the items asked for


CLEAN_FILES = {
    "Dockerfile": (
        "# The app, from a slim base.\nFROM python:3.12-slim\nWORKDIR /app\n\n"
        'ADD . /app\nCMD ["python", "-m", "app"]\n'
    ),
    "worker/Dockerfile": "FROM python:3.12-slim\nADD worker.py /w/\nUSER app\n",
}
"""Two Dockerfiles whose fixes touch no secret, so the patch applies as printed."""


def test_the_patch_applies_with_git_and_patch_and_equals_what_apply_writes(
    tmp_path: Path, fix: Run
) -> None:
    root = write_project(tmp_path / "clean", CLEAN_FILES)
    git(root, "init", "-q")
    items = ["--item", "build.copy-not-add", "--item", "build.non-root-user"]
    _, patch, _ = fix(root, *items)
    patch_file = tmp_path / "fix.patch"
    patch_file.write_text(patch, encoding="utf-8")
    written = Path(shutil.copytree(root, tmp_path / "written"))

    checked = git(root, "apply", "--check", str(patch_file))
    dry_run = subprocess.run(
        ["patch", "-p1", "--dry-run", "-i", str(patch_file)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    applied = git(root, "apply", str(patch_file))
    code, out, err = fix(written, *items, "--apply")

    assert MASKED_WARNING not in patch
    assert patch.count("\n--- a/") == 2  # both files, one after the other
    assert checked.returncode == 0, checked.stderr
    assert dry_run.returncode == 0, dry_run.stdout + dry_run.stderr
    assert applied.returncode == 0, applied.stderr
    assert code == 0, err
    assert files_of(root) == files_of(written)
    assert rolled_up(root)["build.copy-not-add"].value == "pass"


def test_a_masked_diff_says_it_will_not_apply_and_holds_no_secret(
    tmp_path: Path, fix: Run
) -> None:
    root = write_project(tmp_path / "secret", {"Dockerfile": SECRET_DOCKERFILE, "app/x.py": ""})
    git(root, "init", "-q")

    code, out, err = fix(root, "--item", "build.copy-not-add")
    patch_file = tmp_path / "fix.patch"
    patch_file.write_text(out, encoding="utf-8")

    assert code == 0, err
    assert TOKEN not in out + err
    assert f"# {MASKED_WARNING}\n" in out
    assert "ENV GITHUB_TOKEN=****" in out
    assert git(root, "apply", "--check", str(patch_file)).returncode != 0

    code, out, err = fix(root, "--item", "build.copy-not-add", "--apply")

    assert code == 0, err
    assert TOKEN not in out + err
    # The real change was written: the token's line is as it was, ADD became COPY.
    assert (root / "Dockerfile").read_text() == SECRET_DOCKERFILE.replace("ADD app", "COPY app")


def test_targets_are_chosen_by_glob(tmp_path: Path, fix: Run) -> None:
    files = {
        "api/Dockerfile": "FROM python:3.12\nADD . /app\nUSER app\n",
        "web/Dockerfile": "FROM python:3.12\nADD . /app\nUSER app\n",
    }
    root = write_project(tmp_path / "two", files)

    code, out, err = fix(root, "--item", "build.copy-not-add", "--target", "web/*")

    assert code == 0, err
    assert "--- a/web/Dockerfile" in out
    assert "api/Dockerfile" not in out


# --- --apply ----------------------------------------------------------------------------


def test_apply_writes_rescans_and_says_what_passes_now(demo: Path, fix: Run) -> None:
    before = answers(demo)
    text_before = (demo / "Dockerfile").read_text()

    code, out, err = fix(
        demo, "--item", "build.copy-not-add", "--item", "build.non-root-user", "--apply"
    )

    assert code == 0, err
    assert out.splitlines() == [
        "wrote Dockerfile: 2 fixes",
        "  passes now: build.non-root-user, Dockerfile",
        "  passes now: build.copy-not-add, Dockerfile",
    ]
    changes = changed_answers(before, answers(demo))
    # Both items pass now; the services built from the Dockerfile inherit its USER, so
    # runtime.non-root-user moves from fail to pass for them, and nothing else moves.
    assert changes == {
        "build.copy-not-add": ["Dockerfile: fail -> pass"],
        "build.non-root-user": ["Dockerfile: fail -> pass"],
        "runtime.non-root-user": [
            "service web (compose.yaml): fail -> pass",
            "service worker (compose.yaml): fail -> pass",
        ],
    }
    # Only the two instructions' lines changed; every other line is as it was.
    old, new = text_before.splitlines(), (demo / "Dockerfile").read_text().splitlines()
    assert [line for line in old if line not in new] == ["ADD . /app"]
    assert [line for line in new if line not in old] == ["COPY . /app", "USER 10001:10001"]
    assert not (demo / ".reviewtui").exists()  # the command saves no review


def test_waived_targets_are_left_as_they_are_and_counted(tmp_path: Path, fix: Run) -> None:
    files = {
        "api/Dockerfile": (
            "FROM python:3.12\n# reviewtui: ignore=build.copy-not-add unpacks the archive\n"
            "ADD . /app\nUSER app\n"
        ),
        "web/Dockerfile": "FROM python:3.12\nADD . /app\nUSER app\n",
    }
    root = write_project(tmp_path / "waived", files)

    code, out, err = fix(root, "--item", "build.copy-not-add")

    assert code == 0, err
    assert "reviewtui: 1 waived target left as they are (waivers in force)" in err
    assert "--- a/web/Dockerfile" in out
    assert "api/Dockerfile" not in out


def test_a_file_changed_since_the_scan_is_not_written(
    demo: Path, fix: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = ReviewSession.scan

    def scan_then_edit(session: ReviewSession, *args: object) -> None:
        scan(session, *args)  # type: ignore[arg-type]
        # Someone saves the Dockerfile right after the scan read it.
        with (session.root / "Dockerfile").open("a", encoding="utf-8") as out:
            out.write("# edited\n")

    monkeypatch.setattr(ReviewSession, "scan", scan_then_edit)
    before = (demo / "Dockerfile").read_text()

    code, out, err = fix(demo, "--item", "build.copy-not-add", "--apply")

    assert code == 1
    assert "reviewtui: Dockerfile changed since the scan; no fix (run the command again)" in err
    assert out == ""
    assert (demo / "Dockerfile").read_text() == before + "# edited\n"


def test_a_file_that_cannot_be_written_is_named_and_the_rest_still_written(
    tmp_path: Path, fix: Run
) -> None:
    files = {
        "api/real.txt": "FROM python:3.12\nADD . /app\nUSER app\n",
        "web/Dockerfile": "FROM python:3.12\nADD . /app\nUSER app\n",
    }
    root = write_project(tmp_path / "linked", files)
    # Renaming over a link would replace the link, not the file: it is refused.
    (root / "api" / "Dockerfile").symlink_to("real.txt")

    code, out, err = fix(root, "--item", "build.copy-not-add", "--apply")

    assert code == 1
    assert "api/Dockerfile is a symbolic link; not changed" in err
    assert "wrote web/Dockerfile: 1 fix" in out
    assert "COPY . /app" in (root / "web" / "Dockerfile").read_text()
    assert "ADD . /app" in (root / "api" / "real.txt").read_text()


@pytest.fixture
def useless_fixer() -> Iterator[str]:
    """A fixer for build.healthcheck that adds only a comment, so the target still fails."""
    registry.fixers()
    saved = registry._FIXERS.get("build.healthcheck")

    def comment_only(text: str, target: Target, finding: Finding) -> Edit:
        return Edit(text + "# a healthcheck would go here\n", "add a comment")

    registry._FIXERS["build.healthcheck"] = comment_only
    yield "build.healthcheck"
    if saved is None:
        del registry._FIXERS["build.healthcheck"]
    else:
        registry._FIXERS["build.healthcheck"] = saved


def test_a_fixed_target_that_still_fails_exits_1(
    tmp_path: Path, fix: Run, useless_fixer: str
) -> None:
    root = write_project(tmp_path / "nocheck", {"Dockerfile": "FROM python:3.12\nUSER app\n"})

    code, out, err = fix(root, "--item", useless_fixer, "--apply")

    assert code == 1, err
    assert out.splitlines()[0] == "wrote Dockerfile: 1 fix"
    assert out.splitlines()[1].startswith("  still fails: build.healthcheck, Dockerfile: ")


# --- usage ------------------------------------------------------------------------------


def test_an_unknown_item_is_a_usage_error_naming_close_ids(demo: Path, fix: Run) -> None:
    code, out, err = fix(demo, "--item", "build.copy-no-add")

    assert code == 2
    assert out == ""
    assert err.startswith("reviewtui: error: --item build.copy-no-add: no such item; did you mean")
    assert "build.copy-not-add" in err


def test_nothing_fixable_says_so_and_exits_0(tmp_path: Path, fix: Run) -> None:
    root = write_project(tmp_path / "fine", {"Dockerfile": "FROM python:3.12\nCOPY . /app\n"})

    code, out, err = fix(
        root, "--item", "build.copy-not-add", "--item", "operations.cis-benchmark"
    )

    assert code == 0
    assert out == ""
    assert "reviewtui: operations.cis-benchmark has no mechanical fix" in err
    assert "reviewtui: nothing to fix in " in err


def test_a_missing_folder_is_a_usage_error(tmp_path: Path, fix: Run) -> None:
    code, _, err = fix(tmp_path / "nowhere")

    assert code == 2
    assert err == f"reviewtui: error: {tmp_path / 'nowhere'}: no such directory\n"


# --- as a user runs it ------------------------------------------------------------------


def test_python_m_reviewtui_fix_prints_then_applies(demo: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reviewtui", "fix", str(demo), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    printed = run("--item", "build.copy-not-add")
    applied = run("--item", "build.copy-not-add", "--apply")

    assert printed.returncode == 0, printed.stderr
    assert "-ADD . /app\n+COPY . /app\n" in printed.stdout
    assert applied.returncode == 0, applied.stderr
    assert (
        applied.stdout == "wrote Dockerfile: 1 fix\n  passes now: build.copy-not-add, Dockerfile\n"
    )
    assert rolled_up(demo)["build.copy-not-add"].value == "pass"
