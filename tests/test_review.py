"""The review session: scan, answers, notes, sign-off, saving and reopening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtui.model import Status
from reviewtui.review import store
from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import AnswerError, ReviewSession


def test_scan_detects_and_the_first_answer_saves(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()

    tag = session.state("image.base-tag-pinned")
    assert tag.detected is Status.FAIL
    assert tag.findings[0].evidence[0].location == "Dockerfile:1"
    assert session.state("runtime.not-privileged").verdict is Verdict.FAIL
    assert not store.default_path(weak_project).exists()  # a scan alone leaves no file
    session.set_note("build.healthcheck", "later")
    assert store.default_path(weak_project).exists()


def test_answers_and_notes_survive_reopen_and_rescan(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict("runtime.not-privileged", Verdict.ACCEPTED_RISK, "needs raw sockets")
    session.set_note("runtime.not-privileged", "Ticket SEC-12 tracks removal.")
    session.set_note("operations.runtime-monitoring", "Falco runs on every node.")

    reopened = ReviewSession.open(weak_project)
    reopened.scan()
    state = reopened.state("runtime.not-privileged")

    assert state.verdict is Verdict.ACCEPTED_RISK
    assert state.answer is not None and state.answer.reason == "needs raw sockets"
    assert state.note == "Ticket SEC-12 tracks removal."
    assert reopened.state("operations.runtime-monitoring").note == "Falco runs on every node."


def test_accepted_risk_needs_a_reason(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)

    with pytest.raises(AnswerError):
        session.set_verdict("runtime.not-privileged", Verdict.ACCEPTED_RISK, "  ")


def test_clearing_an_answer_restores_detection(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict("image.base-tag-pinned", Verdict.PASS)
    session.set_verdict("image.base-tag-pinned", None)

    assert session.state("image.base-tag-pinned").verdict is Verdict.FAIL
    assert "image.base-tag-pinned" not in session.review.answers


def test_detection_change_after_answer_is_flagged(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict("image.base-tag-pinned", Verdict.FAIL)
    (weak_project / "Dockerfile").write_text("FROM python:3.12.4-slim\nUSER 1000\n")
    session.scan()

    state = session.state("image.base-tag-pinned")
    assert state.detected is Status.PASS
    assert state.detection_changed


def test_signoff_records_digest_and_changes_with_content(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    signoff = session.sign_off("Ada Reviewer", "ada@example.com", "security", Decision.APPROVED)

    assert signoff.digest == session.digest()
    assert len(signoff.digest) == 64
    session.set_note("build.healthcheck", "later")
    assert session.digest() != signoff.digest


def test_review_file_is_diff_friendly_json(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_note("build.healthcheck", "add one")

    text = store.default_path(weak_project).read_text()
    document = json.loads(text)
    assert document["format"] == "reviewtui-review" and document["version"] == 1
    assert list(document["items"]) == sorted(document["items"])
    assert document["items"]["build.healthcheck"]["answer"]["note"] == "add one"
    assert text.count("\n") > 50  # indented: one value per line
    assert "supersecretvalue123" not in text and "hunter2hunter2" not in text


def test_damaged_review_file_is_kept_aside(weak_project: Path) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_text("{not json")

    session = ReviewSession.open(weak_project)

    assert "damaged" in session.notice
    backups = list(path.parent.glob("review.json.broken-*"))
    assert backups and backups[0].read_text() == "{not json"


def test_newer_review_file_opens_read_only_and_is_kept(weak_project: Path) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    newer = json.dumps({"format": "reviewtui-review", "version": 99, "items": {}})
    path.write_text(newer)

    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_note("build.healthcheck", "typed anyway")

    assert "read-only" in session.notice
    assert path.read_text() == newer
    assert sorted(p.name for p in path.parent.iterdir()) == ["review.json"]


def test_headless_session_leaves_a_damaged_file_alone(weak_project: Path) -> None:
    path = store.default_path(weak_project)
    path.parent.mkdir()
    path.write_text("{not json")

    session = ReviewSession.open(weak_project, autosave=False)

    assert "damaged" in session.notice
    assert sorted(p.name for p in path.parent.iterdir()) == ["review.json"]


def test_a_failed_save_raises_and_keeps_the_answer(weak_project: Path) -> None:
    (weak_project / ".reviewtui").write_text("a file where the folder should be")
    session = ReviewSession.open(weak_project)

    with pytest.raises(store.ReviewSaveError, match="cannot save the review"):
        session.set_note("build.healthcheck", "keep me")

    assert session.state("build.healthcheck").note == "keep me"


def test_newer_review_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"format": "reviewtui-review", "version": 99}))

    with pytest.raises(store.ReviewFileError, match="newer"):
        store.load(path)


def test_save_is_atomic_and_leaves_no_temporary_files(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    for n in range(5):
        session.set_note("build.healthcheck", f"note {n}")

    folder = store.default_path(weak_project).parent
    assert sorted(p.name for p in folder.iterdir()) == ["review.json"]
    assert (
        store.load(store.default_path(weak_project)).answers["build.healthcheck"].note == "note 4"
    )


def test_review_text_is_the_document(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project)
    session.scan()
    session.set_verdict("runtime.not-privileged", Verdict.ACCEPTED_RISK, 'quote " and \\ ok')
    session.set_note("build.healthcheck", "multi\nline ünïcode")
    session.sign_off("Ada", "a@example.com", "r", Decision.APPROVED)

    text = store.to_text(session.review)

    assert json.loads(text) == store.to_document(session.review)
    finding_lines = [line for line in text.splitlines() if line.startswith('        {"evidence"')]
    assert finding_lines, "each finding is on a line of its own"


def test_digest_follows_findings_after_rescan(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()
    before = session.digest()
    (weak_project / "Dockerfile").write_text("FROM python:3.12.4-slim\nUSER 1000\n")
    session.scan()

    assert session.digest() != before


def test_signoff_needs_a_decision_and_a_real_email(weak_project: Path) -> None:
    session = ReviewSession.open(weak_project, autosave=False)

    with pytest.raises(AnswerError, match="decision"):
        session.sign_off("Ada", "ada@example.com", "security", None)
    with pytest.raises(AnswerError, match="not an email"):
        session.sign_off("Ada", "not-an-email", "security", Decision.APPROVED)
    assert session.review.signoffs == []


def test_two_sessions_on_one_project_lose_no_answer(weak_project: Path) -> None:
    first = ReviewSession.open(weak_project)
    first.set_note("build.healthcheck", "note from A")
    second = ReviewSession.open(weak_project)

    second.set_note("runtime.not-privileged", "note from B")
    first.set_note("image.base-tag-pinned", "another note from A")

    saved = store.load(store.default_path(weak_project))
    assert saved.answers["build.healthcheck"].note == "note from A"
    assert saved.answers["runtime.not-privileged"].note == "note from B"
    assert saved.answers["image.base-tag-pinned"].note == "another note from A"
    assert "merged" in first.notice
