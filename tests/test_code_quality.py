"""The core imports no Textual, the code is lint-clean and type-checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_headless_scan_imports_no_textual() -> None:
    code = (
        "import sys\n"
        "import reviewtui.cli, reviewtui.review.session, reviewtui.report\n"
        "import reviewtui.report.catalogue, reviewtui.detect.engine\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


FIRST_FRAME_LEAVES_OUT = (
    "reviewtui.detect",
    "reviewtui.fix",
    "reviewtui.live",
    "reviewtui.project.compose",
    "reviewtui.project.dockerfile",
    "reviewtui.project.read",
    "reviewtui.project.scanner_formats",
    "reviewtui.report",
    "reviewtui.review.signing",
    "reviewtui.tui.screens.fix",
    "reviewtui.tui.screens.item",
    "reviewtui.tui.screens.meeting",
    "reviewtui.waivers.collect",
    "dockerfile_parse",
    "docker",
)
"""Modules the app's first frame has no use for: they load when a scan, a walk, a fix,
a meeting or a report first needs them, so the overview is not kept waiting."""


def test_the_app_imports_only_what_its_first_frame_needs() -> None:
    # The command line as a reviewer runs it, up to the app's start.
    code = (
        "import sys\n"
        "import reviewtui.tui.app\n"
        f"left_out = {FIRST_FRAME_LEAVES_OUT!r}\n"
        "def run_app(*args, **kwargs):\n"
        "    print(sorted(m for m in sys.modules if m.startswith(left_out)))\n"
        "    return 0\n"
        "reviewtui.tui.app.run_app = run_app\n"
        "from reviewtui.cli import main\n"
        f"raise SystemExit(main([{str(ROOT / 'tests' / 'fixtures' / 'projects' / 'demo')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_packages_load_their_heavy_names_on_first_use() -> None:
    code = (
        "import sys\n"
        "import reviewtui.project, reviewtui.waivers\n"
        "assert 'reviewtui.project.read' not in sys.modules\n"
        "assert 'reviewtui.waivers.collect' not in sys.modules\n"
        "from reviewtui.project import ProjectFacts, Progress, read_project\n"
        "from reviewtui.project.facts import ProjectFacts as facts\n"
        "from reviewtui.project import read\n"
        "from reviewtui.waivers import collect_waivers\n"
        "from reviewtui.waivers.collect import collect_waivers as collect\n"
        "assert ProjectFacts is facts and read_project is read.read_project\n"
        "assert Progress is read.Progress and collect_waivers is collect\n"
        "for package in (reviewtui.project, reviewtui.waivers):\n"
        "    try:\n"
        "        package.no_such_name\n"
        "    except AttributeError as error:\n"
        "        assert 'no_such_name' in str(error)\n"
        "    else:\n"
        "        raise AssertionError(package)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_only_the_tui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "reviewtui").rglob("*.py")
        if "tui" not in path.relative_to(ROOT / "reviewtui").parts
        and ("import textual" in path.read_text() or "from textual" in path.read_text())
    ]
    assert not offenders


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "reviewtui", "tests"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "reviewtui", "tests"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "reviewtui"], capture_output=True, text=True, cwd=ROOT
    )

    assert result.returncode == 0, result.stdout + result.stderr
