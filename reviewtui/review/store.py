"""The review file: a versioned, diff-friendly JSON document, written atomically.

Layout (``.reviewtui/review.json`` inside the project)::

    {
      "format": "reviewtui-review",
      "version": 1,
      "project": "my-app",
      "created": "...", "updated": "...", "scanned_at": "...",
      "reviewtui": "0.1.0",
      "items": {                      # one entry per item id, sorted
        "build.non-root-user": {
          "findings": [{"target": {...}, "status": "fail", "reason": "...",
                        "evidence": [{"path": "Dockerfile", "line": 3, "snippet": "..."}]}],
          "answer": {"verdict": "accepted_risk", "reason": "...", "note": "...",
                     "detected": "fail", "updated": "..."}
        }
      },
      "problems": [{"path": "...", "line": 4, "reason": "..."}],
      "signoffs": [{"name": "...", "email": "...", "role": "...", "decision": "approved",
                    "time": "...", "digest": "<sha256>"}]
    }

Keys are sorted and indented, so a change to one answer is a small diff.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from reviewtui import __version__
from reviewtui.model import Finding, Problem
from reviewtui.review.model import Answer, Review, SignOff

FORMAT = "reviewtui-review"
VERSION = 1
REVIEW_DIR = ".reviewtui"
REVIEW_FILE = "review.json"


class ReviewFileError(Exception):
    """The review file cannot be used; the message says where and why."""


def default_path(root: Path) -> Path:
    """Where a project's review is kept."""
    return root / REVIEW_DIR / REVIEW_FILE


def to_document(review: Review) -> dict[str, object]:
    """The review as the plain document written to disk."""
    item_ids = sorted(set(review.findings) | set(review.answers))
    items: dict[str, dict[str, object]] = {}
    for item_id in item_ids:
        entry: dict[str, object] = {
            "findings": [f.to_dict() for f in review.findings.get(item_id, [])]
        }
        answer = review.answers.get(item_id)
        if answer is not None and not answer.is_empty():
            entry["answer"] = answer.to_dict()
        items[item_id] = entry
    return {
        "format": FORMAT,
        "version": VERSION,
        "reviewtui": __version__,
        "project": review.project,
        "created": review.created,
        "updated": review.updated,
        "scanned_at": review.scanned_at,
        "items": items,
        "problems": [p.to_dict() for p in review.problems],
        "signoffs": [s.to_dict() for s in review.signoffs],
    }


def from_document(document: object, where: str) -> Review:
    """Rebuild a review from its document; raises ReviewFileError naming ``where``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReviewFileError(f"{where}: not a reviewtui review file")
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ReviewFileError(f"{where}: review file version {version} is newer than this "
                              f"reviewtui understands ({VERSION}); upgrade reviewtui")
    try:
        review = Review(
            project=str(document.get("project", "")),
            created=str(document.get("created", "")),
            updated=str(document.get("updated", "")),
            scanned_at=str(document.get("scanned_at", "")),
        )
        for item_id, entry in dict(document.get("items", {})).items():
            review.findings[item_id] = [Finding.from_dict(f) for f in entry.get("findings", [])]
            if entry.get("answer"):
                review.answers[item_id] = Answer.from_dict(entry["answer"])
        review.problems = [Problem.from_dict(p) for p in document.get("problems", [])]
        review.signoffs = [SignOff.from_dict(s) for s in document.get("signoffs", [])]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReviewFileError(f"{where}: damaged review file: {error!r}") from error
    return review


def load(path: Path) -> Review:
    """Read a review file; raises ReviewFileError when it is missing, damaged or newer."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(f"{path}: no such review file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewFileError(f"{path}: cannot read: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReviewFileError(f"{path}:{error.lineno}: damaged review file: {error.msg}") \
            from error
    return from_document(document, str(path))


def save(review: Review, path: Path) -> None:
    """Write the review atomically: a temporary file beside it, fsync, then rename.

    A crash at any point leaves either the previous file or the new one, never a mix.
    """
    text = json.dumps(to_document(review), indent=2, sort_keys=True, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
