"""Re-reviews: the baseline kept at sign-off, what changed since, in the reports and the app."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from textual.widgets import OptionList, Static

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.report import render
from reviewtui.report.changes_section import changes_markdown
from reviewtui.report.json_report import report_schema
from reviewtui.review import store
from reviewtui.review.changes import ChangeKind, baseline_path, compare, load_baseline
from reviewtui.review.model import Decision, Review, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.actions import Scope, actions_for
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.changes import ChangesScreen, detail_text
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.screens.overview import OverviewScreen
from reviewtui.waivers import collect
from tests.conftest import write_project

COMPOSE = """\
services:
  vpn:
    image: vpn:1.4
    privileged: true
  web:
    image: web:2.0
"""

# vpn is no longer privileged; web mounts the Docker socket.
REWORKED_COMPOSE = """\
services:
  vpn:
    image: vpn:1.4
  web:
    image: web:2.0
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
"""

WAIVERS = """\
waivers:
  - item: runtime.read-only-rootfs
    reason: the app writes its cache in place
    owner: platform
    expires: 2025-06-30
"""

SIGNED_ON = date(2025, 6, 1)
LATER = date(2025, 7, 1)
NOTE = "VPN needs NET_ADMIN; ask ops about [bold]raw sockets[/]"


def on_day(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Judge the waivers' expiry dates as on ``day``."""
    monkeypatch.setattr(collect, "today", lambda: day)


def signed_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project reviewed, noted, answered and signed off by two people on SIGNED_ON."""
    on_day(monkeypatch, SIGNED_ON)
    write_project(root, {"compose.yaml": COMPOSE, ".reviewtui.yaml": WAIVERS})
    session = ReviewSession.open(root)
    session.scan()
    session.set_note("runtime.not-privileged", NOTE)
    session.set_verdict("runtime.cpu-limit", Verdict.ACCEPTED_RISK, "the orchestrator sets it")
    session.sign_off("Ada", "ada@example.com", "security", Decision.APPROVED_WITH_CONDITIONS)
    session.sign_off("Bob", "", "", Decision.APPROVED)
    return root


def rework(root: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewSession:
    """Fix the privileged service, mount the socket, let the waiver expire, rescan."""
    (root / "compose.yaml").write_text(REWORKED_COMPOSE)
    on_day(monkeypatch, LATER)
    session = ReviewSession.open(root)
    session.scan()
    return session


def ids(changes: list) -> list[str]:  # type: ignore[type-arg]
    return [change.item_id for change in changes]


def test_sign_off_keeps_a_baseline_that_is_a_review_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    session = ReviewSession.open(root)

    baseline = store.load(root / ".reviewtui" / "baseline.json")
    assert [s.name for s in baseline.signoffs] == ["Ada", "Bob"]
    assert baseline.digest(session.catalogue.items) == session.review.signoffs[-1].digest
    # Nothing changed since: the comparison is empty, and names both signers.
    changes = session.changes_since_signoff()
    assert changes is not None
    assert changes.empty and not changes.worse
    assert changes.since is not None
    assert changes.since.signers == ("Ada (security, approved with conditions)", "Bob (approved)")
    assert changes.since.decision is Decision.APPROVED


def test_rescan_shows_fixed_items_new_failures_and_expired_waivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)

    session = rework(root, monkeypatch)
    changes = session.changes_since_signoff()

    assert changes is not None
    assert ids(changes.new_failures) == ["runtime.no-docker-socket", "runtime.read-only-rootfs"]
    assert set(ids(changes.fixed)) == {
        "runtime.not-privileged",
        "runtime.seccomp-apparmor",
        "runtime.host-devices",
    }
    assert ids(changes.waivers_expired) == ["runtime.read-only-rootfs"]
    assert changes.worse
    assert changes.summary().startswith("2 new failures, 3 fixed, ")

    socket = changes.new_failures[0]
    assert (socket.before, socket.after) == (Verdict.PASS, Verdict.FAIL)
    [web] = socket.targets
    assert web.summary() == "service web (compose.yaml): pass → fail"
    assert [(e.path, e.line) for e in web.added] == [("compose.yaml", 7)]
    assert "docker.sock" in web.added[0].snippet

    assert changes.new_failures[1].details == ("a waiver in force then has expired",)
    expired = changes.waivers_expired[0]
    assert expired.before is Verdict.ACCEPTED_RISK and expired.after is Verdict.FAIL
    assert expired.details == (
        "waiver expired on 2025-06-30 (owner platform, .reviewtui.yaml:2): "
        "the app writes its cache in place",
    )


def test_notes_and_answers_carry_forward_and_are_not_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)

    session = rework(root, monkeypatch)
    changes = session.changes_since_signoff()

    assert session.state("runtime.not-privileged").note == NOTE
    cpu = session.state("runtime.cpu-limit")
    assert cpu.verdict is Verdict.ACCEPTED_RISK
    assert cpu.answer is not None and cpu.answer.reason == "the orchestrator sets it"
    assert changes is not None
    assert not changes.of(ChangeKind.ANSWER)
    # Saved in the review file too, for the next session.
    assert store.load(root / ".reviewtui" / "review.json").answers["runtime.not-privileged"].note


def test_answers_and_notes_changed_after_the_sign_off_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    session = ReviewSession.open(root)

    session.set_verdict("runtime.memory-limit", Verdict.FAIL)
    session.set_note("runtime.not-privileged", "asked ops: done\nsecond line")
    session.set_verdict("runtime.cpu-limit", None)
    changes = session.changes_since_signoff()

    assert changes is not None
    answered = {c.item_id: c.details for c in changes.of(ChangeKind.ANSWER)}
    assert answered == {
        "runtime.not-privileged": ("note changed: asked ops: done",),
        "runtime.memory-limit": ("answer: none (detected applies) → fail",),
        "runtime.cpu-limit": (
            "answer: accepted risk → none (detected applies)",
            "reason removed (was the orchestrator sets it)",
        ),
    }
    # Confirming a failure is no new failure; dropping the accepted risk is one.
    assert ids(changes.new_failures) == ["runtime.cpu-limit"]
    assert changes.new_failures[0].details == ("the reviewer's answer changed",)


def test_evidence_that_only_moved_is_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    (root / "compose.yaml").write_text("# the VPN and the app\n\n" + COMPOSE)

    session = ReviewSession.open(root)
    session.scan()
    changes = session.changes_since_signoff()

    assert session.review.findings["runtime.not-privileged"][0].evidence[0].line == 6
    assert changes is not None
    assert changes.empty, [c.lines() for c in changes.changes]


def test_compare_reports_targets_evidence_and_items_added_or_removed() -> None:
    compose = Target(TargetKind.SERVICE, "compose.yaml", "web")
    other = Target(TargetKind.SERVICE, "compose.yaml", "db")
    old, new = Review(project="p", scanned_at="t1"), Review(project="p", scanned_at="t2")
    catalogue = ReviewSession.open(Path("/nonexistent-project"), autosave=False).catalogue
    for item in catalogue.items:
        if item.automatic:
            old.findings[item.id] = []
            new.findings[item.id] = []
    old.findings["runtime.cap-drop-all"] = [
        Finding(
            compose,
            Status.FAIL,
            "cap_drop missing",
            (Evidence("compose.yaml", 3, "web:"), Evidence("compose.yaml", 4, "image: x")),
        ),
    ]
    new.findings["runtime.cap-drop-all"] = [
        Finding(
            compose,
            Status.FAIL,
            "cap_drop missing",
            (Evidence("compose.yaml", 5, "web:"), Evidence("compose.yaml", 6, "cap_add: [ALL]")),
        ),
        Finding(other, Status.FAIL, "cap_drop missing", (Evidence("compose.yaml", 9, "db:"),)),
    ]
    old.findings["custom.gone"] = [Finding(compose, Status.FAIL, "was checked")]
    del old.findings["runtime.pids-limit"]
    new.findings["runtime.pids-limit"] = [Finding(compose, Status.FAIL, "no pids limit")]

    changes = compare(old, new, catalogue)

    [evidence] = changes.of(ChangeKind.EVIDENCE)
    assert evidence.item_id == "runtime.cap-drop-all"
    assert evidence.lines() == [
        "service web (compose.yaml): still fail, evidence changed",
        "  + compose.yaml:6  cap_add: [ALL]",
        "  - compose.yaml:4  image: x",
        "  moved compose.yaml:3 → compose.yaml:5",
        "service db (compose.yaml): new target, fail",
        "  now: cap_drop missing",
        "  + compose.yaml:9  db:",
    ]
    assert evidence.newly_failing_targets == ["service db (compose.yaml)"]
    assert ids(changes.of(ChangeKind.ADDED)) == ["runtime.pids-limit"]
    assert ids(changes.of(ChangeKind.REMOVED)) == ["custom.gone"]
    assert ids(changes.new_failures) == ["runtime.pids-limit"]
    assert changes.since is None
    assert changes.counts() == {
        "new_failures": 1,
        "newly_failing_targets": 1,
        "fixed": 0,
        "changed": 3,
        "waivers_expired": 0,
    }


def test_no_baseline_without_a_sign_off_or_a_saved_review(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_note("runtime.not-privileged", "a note")

    assert session.changes_since_signoff() is None
    headless = ReviewSession.open(weak_project, autosave=False)
    headless.review.signoffs = session.review.signoffs
    assert headless.changes_since_signoff() is None
    assert not baseline_path(store.default_path(weak_project)).exists()


def test_a_damaged_baseline_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    (root / ".reviewtui" / "baseline.json").write_text("{ not json")

    session = ReviewSession.open(root)

    assert load_baseline(session.path or root) is None
    assert session.changes_since_signoff() is None


def test_reports_have_a_changes_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    session = rework(root, monkeypatch)

    markdown = render(session, "markdown")
    document = json.loads(render(session, "json"))

    section = markdown.split("## Changes since the last review", 1)[1].split("\n## ", 1)[0]
    assert "by Ada (security, approved with conditions), Bob (approved)" in section
    assert ": **2 new failures**, 3 fixed, " in section
    assert "### New failures (2)" in section
    assert "- **Docker socket not mounted** (`runtime.no-docker-socket`, critical): " in section
    assert "  - service web (compose.yaml): pass → fail" in section
    assert "    - added `compose.yaml:7` `- /var/run/docker.sock:/var/run/docker.sock`" in section
    assert "### Fixed (3)" in section
    assert "### Waivers expired (1)" in section
    assert "waiver expired on 2025-06-30" in section
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    changes = document["changes"]
    assert changes["since"]["signers"] == [
        "Ada (security, approved with conditions)",
        "Bob (approved)",
    ]
    assert changes["counts"]["new_failures"] == 2
    assert changes["worse"] is True
    assert {c["id"] for c in changes["changes"] if c["kind"] == "fixed"} >= {
        "runtime.not-privileged"
    }


def test_reports_without_a_sign_off_have_no_changes(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()

    assert "Changes since the last review" not in render(session, "markdown")
    assert json.loads(render(session, "json"))["changes"] is None


def test_the_action_is_in_the_table() -> None:
    [action] = [a for a in actions_for(Scope.OVERVIEW) if a.id == "changes"]
    assert (action.keys, action.action) == ("d", "show_changes")


async def test_the_app_shows_the_changes_and_opens_an_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    (root / "compose.yaml").write_text(REWORKED_COMPOSE)
    on_day(monkeypatch, LATER)
    app = ReviewApp(root, ReviewSession.open(root))

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()

        line = str(app.screen.query_one("#changes-line", Static).content)
        assert line.startswith("Since the last sign-off (")
        assert "by Ada (security, approved with conditions), Bob (approved))" in line
        assert "2 new failures  ·  3 fixed  ·  " in line
        assert "1 waiver expired  ·  d lists them" in line

        await pilot.press("d")
        assert isinstance(app.screen, ChangesScreen)
        options = app.screen.query_one(OptionList)
        assert options.highlighted_option is not None
        assert options.highlighted_option.id == "new_failure:runtime.no-docker-socket"
        shown = {options.get_option_at_index(i).id for i in range(options.option_count)}
        assert {
            "new_failure:runtime.read-only-rootfs",
            "fixed:runtime.not-privileged",
            "waiver_expired:runtime.read-only-rootfs",
        } <= shown
        detail = str(app.screen.query_one("#changes-detail", Static).render())
        assert "service web (compose.yaml): pass → fail" in detail

        await pilot.press("enter")
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.walk.current == "runtime.no-docker-socket"

        await pilot.press("escape")
        assert isinstance(app.screen, ChangesScreen)
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.walk.current == "runtime.read-only-rootfs"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_the_app_says_when_there_is_nothing_to_compare(weak_project: Path) -> None:
    app = ReviewApp(weak_project, ReviewSession.open(weak_project))

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert not app.screen.query_one("#changes-line", Static).display
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        assert [n.message for n in app._notifications] == [
            "Not signed off yet: nothing to compare with."
        ]


def test_a_baseline_older_than_the_last_sign_off_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    session = rework(root, monkeypatch)
    # A later sign-off by a reviewtui that kept no baseline.
    session.review.signoffs.append(
        replace(session.review.signoffs[-1], name="Cy", digest=session.digest())
    )

    assert session.changes_since_signoff() is None


def test_scanned_text_stays_inert_in_the_report_and_the_app() -> None:
    hostile = Target(TargetKind.SERVICE, "compose.yaml", "<script>[bold]x|y[/]`")
    old, new = Review(project="p", scanned_at="t1"), Review(project="p", scanned_at="t2")
    catalogue = ReviewSession.open(Path("/nonexistent-project"), autosave=False).catalogue
    old.findings["runtime.not-privileged"] = [Finding(hostile, Status.PASS, "fine")]
    new.findings["runtime.not-privileged"] = [
        Finding(hostile, Status.FAIL, "[link](x)", (Evidence("compose.yaml", 3, "a`b|c"),))
    ]

    changes = compare(old, new, catalogue)
    markdown = "\n".join(changes_markdown(changes, "Changes"))
    detail = str(detail_text(changes.new_failures[0]))

    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "\\[link\\](x)" in markdown
    assert "`` a`b|c ``" in markdown
    assert "service <script>[bold]x|y[/]` (compose.yaml): pass → fail" in detail
    assert "+ compose.yaml:3  a`b|c" in detail


async def test_the_overview_says_when_nothing_needs_a_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "app", monkeypatch)
    (root / "compose.yaml").write_text("# the VPN and the app\n" + COMPOSE)
    app = ReviewApp(root, ReviewSession.open(root))

    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()

        line = str(app.screen.query_one("#changes-line", Static).content)
        assert line.endswith("nothing to look at again: no verdict, evidence or answer changed")
        await pilot.press("d")
        assert isinstance(app.screen, ChangesScreen)
        assert app.screen.query_one(OptionList).option_count == 1


def test_a_reviewer_passing_a_failing_item_is_no_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = signed_project(tmp_path / "p", monkeypatch)
    session = ReviewSession.open(root)
    session.scan()
    assert session.state("runtime.not-privileged").detected is Status.FAIL
    session.set_verdict("runtime.not-privileged", Verdict.PASS)

    changes = session.changes_since_signoff()
    assert changes is not None
    assert "runtime.not-privileged" not in ids(changes.fixed)
    (change,) = [
        c for c in changes.of(ChangeKind.VERDICT) if c.item_id == "runtime.not-privileged"
    ]
    assert "the reviewer's answer changed" in change.details
