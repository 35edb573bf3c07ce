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
