"""Write the README's screenshots from a real run of the app on the demo project.

The demo is copied to a temporary folder named ``demo`` (so no review file is left in
the repository and the path on screen is short), the app scans it, answers a few items
through its keys, and saves each screen as SVG into ``screenshots/``. The clock is
stopped so that running the script again changes an image only when the app changed.

Run: ``python tests/tools/screenshots.py [OUTPUT_DIR]``
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from reviewtui.review import model, session
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "fixtures" / "projects" / "demo"
SIZE = (100, 32)
FIXED_TIME = "2026-12-03T10:00:00Z"


def stop_the_clock() -> None:
    """Every time the review records is FIXED_TIME, so the images are reproducible."""
    model.now_iso = lambda: FIXED_TIME
    session.now_iso = lambda: FIXED_TIME


async def shoot(app: ReviewApp, pilot: Pilot[None], out: Path, name: str) -> None:
    """Let the screen settle, stop cursors blinking, and save it as ``name``.svg."""
    await pilot.pause()
    for field in app.screen.query(Input):
        field.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    app.save_screenshot(filename=f"{name}.svg", path=str(out))


async def take_screenshots(project: Path, out: Path) -> list[Path]:
    """Drive the app through a short review, saving six screens; returns their paths."""
    app = ReviewApp(project, ReviewSession.open(project))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()

        # The build checklist's second item: the final stage runs as root.
        await pilot.press("down", "enter", "n")
        await shoot(app, pilot, out, "item")

        # Its proposed fix: a USER line, with the ENV API_TOKEN beside it masked.
        await pilot.press("F")
        await app.workers.wait_for_complete()
        await shoot(app, pilot, out, "fix")
        await pilot.press("escape")

        # Accept this risk, confirm a few detected answers, then back to the overview.
        await pilot.press("4", *"runs only in CI until the USER change lands", "enter")
        await pilot.press("p", "c", "n", "n", "c", "n", "c", "escape")
        await shoot(app, pilot, out, "overview")

        await pilot.press("s")
        await pilot.press(*"Ada Lovelace", "tab", *"ada@example.com", "tab", *"security")
        await shoot(app, pilot, out, "signoff")
        await pilot.press("escape")

        await pilot.press("question_mark")
        await shoot(app, pilot, out, "help")
        await pilot.press("escape")

        # A review meeting with three attendees, failing items first.
        await pilot.press("m", *"Ada", "enter", *"Bob, Cy", "ctrl+s")
        await pilot.pause(0.3)
        await pilot.press("f")
        await shoot(app, pilot, out, "meeting")
    names = ("item", "fix", "overview", "signoff", "help", "meeting")
    return [out / f"{name}.svg" for name in names]


def main(argv: list[str]) -> int:
    """Copy the demo, take the screenshots, and say where they went."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "screenshots"
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    stop_the_clock()
    with tempfile.TemporaryDirectory() as temp:
        project = Path(shutil.copytree(DEMO, Path(temp) / "demo"))
        here = Path.cwd()
        os.chdir(temp)
        try:
            written = asyncio.run(take_screenshots(project, out))
        finally:
            os.chdir(here)
    sys.stdout.write("".join(f"wrote {path}\n" for path in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
