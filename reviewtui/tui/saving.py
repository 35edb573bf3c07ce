"""What the app says when the review cannot be saved: where it should go, and why not."""

from __future__ import annotations

from pathlib import Path

from reviewtui.review.session import ReviewSession


def review_file_label(session: ReviewSession) -> str:
    """The review file as the reviewer knows it: relative to the project when inside it."""
    return project_relative(session.root, session.path) if session.path else "the review file"


def project_relative(root: Path, path: Path) -> str:
    """``path`` relative to the project ``root`` (POSIX), or whole when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def save_failure_reason(session: ReviewSession, error: OSError) -> str:
    """Why the save failed, in words a reviewer can act on.

    The session's error names the whole path; the cause underneath says what the system
    refused. A file standing where the review's folder should be is the common case
    (``.reviewtui`` checked in as a file), and "File exists" does not say that.
    """
    folder = session.path.parent if session.path else None
    if folder is not None and folder.exists() and not folder.is_dir():
        return f"{project_relative(session.root, folder)} is a file, not a folder"
    cause = error.__cause__ if isinstance(error.__cause__, OSError) else error
    return cause.strerror or str(cause)


def save_failure_message(session: ReviewSession, error: OSError) -> str:
    """The whole notice: what failed, why, that nothing is lost, and how to retry."""
    return (
        f"Cannot save the review to {review_file_label(session)}: "
        f"{save_failure_reason(session, error)}. Your answers are kept in memory: fix it "
        "and press ctrl+s, or they are saved with the next change."
    )
