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
      "waivers": [{"item": "build.non-root-user", "source": "hadolint", "rule": "DL3002",
                   "path": "Dockerfile", "line": 6, "reason": "...", "owner": "",
                   "expires": "", "expired": false,
                   "span": {"path": "Dockerfile", "first": 7, "last": 7}}],
      "signoffs": [{"name": "...", "email": "...", "role": "...", "decision": "approved",
                    "time": "...", "digest": "<sha256>"}],
      "engines": [{"host": "default", "url": "unix:///var/run/docker.sock",
                   "inspected_at": "...", "server_version": "...", "api_version": "...",
                   "containers": 3, "images": 2, "swarm_services": 0, "error": ""}]
    }

``engines`` lists the Docker engines of the last live scan, and is left out when the
review read files only. ``meetings`` lists the review meetings (``started``, ``ended``,
``attendees``, ``decisions``: the ids of the items decided there), and is left out when
none was held.

Keys are sorted and indented, and each finding sits on a line of its own, so a change to
one answer or one finding is a small diff.
"""

from __future__ import annotations

import glob
import json
import os
import stat
import tempfile
import time
from pathlib import Path

from reviewtui import __version__
from reviewtui.model import Finding, Problem
from reviewtui.project.textfile import parse_json
from reviewtui.review.meeting import Meeting
from reviewtui.review.model import Answer, InspectedEngine, Review, SignOff
from reviewtui.waivers.model import Waiver

FORMAT = "reviewtui-review"
VERSION = 1
REVIEW_DIR = ".reviewtui"
REVIEW_FILE = "review.json"


class ReviewFileError(Exception):
    """The review file cannot be used; the message says where and why.

    ``newer`` is True when the file must be left alone: it comes from a newer reviewtui,
    or it is no regular file at all (a folder or a FIFO), which no copy can keep aside.
    """

    def __init__(self, message: str, newer: bool = False) -> None:
        super().__init__(message)
        self.newer = newer


class ReviewSaveError(OSError):
    """The review could not be written; the message names the file and the reason."""


def default_path(root: Path) -> Path:
    """Where a project's review is kept."""
    return root / REVIEW_DIR / REVIEW_FILE


def to_document(review: Review) -> dict[str, object]:
    """The review as the plain document written to disk."""
    item_ids = sorted(set(review.findings) | set(review.answers))
    items: dict[str, dict[str, object]] = {}
    for item_id in item_ids:
        entry: dict[str, object] = {
            "findings": [json.loads(f) for f in review.encoded_findings(item_id)]
        }
        answer = review.answers.get(item_id)
        if answer is not None and not answer.is_empty():
            entry["answer"] = answer.to_dict()
        items[item_id] = entry
    return {**_head(review), "items": items}


def to_text(review: Review) -> str:
    """The review file's text: indented JSON with each finding on a line of its own.

    Equivalent to ``to_document`` but built from the cached encoding of the findings, so
    saving a big review after each answer does not encode every finding again.
    """
    head = _head(review)
    lines = ["{"]
    for key in sorted([*head, "items"]):
        if key == "items":
            lines.append(f'  "items": {{{_items_text(review)}}},')
        else:
            value = json.dumps(head[key], indent=2, sort_keys=True, ensure_ascii=False)
            lines.append(f"  {json.dumps(key)}: {_indent(value, 2)},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _items_text(review: Review) -> str:
    entries = []
    for item_id in sorted(set(review.findings) | set(review.answers)):
        parts = []
        answer = review.answers.get(item_id)
        if answer is not None and not answer.is_empty():
            answer_text = json.dumps(
                answer.to_dict(), indent=2, sort_keys=True, ensure_ascii=False
            )
            parts.append(f'      "answer": {_indent(answer_text, 6)}')
        if review.encoded_findings(item_id):
            body = review.findings_block(item_id, "        ")
            parts.append(f'      "findings": [\n{body}\n      ]')
        else:
            parts.append('      "findings": []')
        entries.append(f"\n    {json.dumps(item_id)}: {{\n" + ",\n".join(parts) + "\n    }")
    return (",".join(entries) + "\n  ") if entries else ""


def _head(review: Review) -> dict[str, object]:
    head: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "reviewtui": __version__,
        "project": review.project,
        "created": review.created,
        "updated": review.updated,
        "scanned_at": review.scanned_at,
        "problems": [p.to_dict() for p in review.problems],
        "signoffs": [s.to_dict() for s in review.signoffs],
        "waivers": [w.to_dict() for w in review.waivers],
    }
    if review.engines:
        head["engines"] = [engine.to_dict() for engine in review.engines]
    if review.meetings:
        head["meetings"] = [meeting.to_dict() for meeting in review.meetings]
    return head


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


def from_document(document: object, where: str) -> Review:
    """Rebuild a review from its document; raises ReviewFileError naming ``where``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReviewFileError(f"{where}: not a reviewtui review file")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ReviewFileError(f"{where}: review file has no valid version")
    if version > VERSION:
        raise ReviewFileError(
            f"{where}: review file version {version} is newer than this reviewtui "
            f"understands ({VERSION}); upgrade reviewtui",
            newer=True,
        )
    fault = _shape_fault(document, _DOCUMENT, "")
    if fault is not None:
        raise ReviewFileError(f"{where}: damaged review file: {fault}")
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
        review.waivers = [Waiver.from_dict(w) for w in document.get("waivers", [])]
        review.engines = [InspectedEngine.from_dict(e) for e in document.get("engines", [])]
        review.meetings = [Meeting.from_dict(m) for m in document.get("meetings", [])]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReviewFileError(f"{where}: damaged review file: {error!r}") from error
    return review


# The shape of a review file, as the ``to_dict`` methods write it: a key ending in "?" may
# be left out; "str|null" may be null, and so may an object in a ("null", {...}) pair.
# Values of another type are refused with their place in the file, before any of them
# reaches the review (a name that is a number, or null, would only fail later, on the
# screen or in a report).
_TARGET = {"kind": "str", "path": "str", "name?": "str"}
_EVIDENCE = {"path": "str", "line?": "int|null", "snippet?": "str|null", "field?": "str|null"}
_FINDING = {
    "target": _TARGET,
    "status": "str",
    "reason?": "str|null",
    "evidence?": [_EVIDENCE],
}
_ANSWER = {
    "verdict?": "str|null",
    "detected?": "str|null",
    **{f"{key}?": "str|null" for key in ("reason", "note", "updated", "owner", "due")},
    "decided_by?": "str|null",
}
_SIGNOFF = {
    "name": "str",
    "decision": "str",
    **{
        f"{key}?": "str|null"
        for key in ("email", "role", "time", "digest", "content_digest", "checklists_digest")
    },
    **{f"{key}?": "str|null" for key in ("signature", "key", "fingerprint", "namespace")},
}
_WAIVER = {
    "item": "str",
    "source": "str",
    "path": "str",
    "line?": "int|null",
    **{f"{key}?": "str|null" for key in ("reason", "owner", "expires", "rule", "pattern")},
    "expired?": "bool|null",
    "targets?": [_TARGET],
    "span?": ("null", {"path": "str", "first": "int", "last": "int"}),
}
_ENGINE = {
    "host": "str",
    **{f"{key}?": "str|null" for key in ("url", "inspected_at", "server_version")},
    **{f"{key}?": "str|null" for key in ("api_version", "error")},
    **{f"{key}?": "int|null" for key in ("containers", "images", "swarm_services")},
}
_MEETING = {"started": "str", "ended?": "str|null", "attendees?": ["str"], "decisions?": ["str"]}
_DOCUMENT = {
    **{f"{key}?": "str|null" for key in ("project", "created", "updated", "scanned_at")},
    "items?": {"*": {"findings?": [_FINDING], "answer?": ("null", _ANSWER)}},
    "problems?": [{"path": "str", "line?": "int|null", "reason?": "str|null"}],
    "signoffs?": [_SIGNOFF],
    "waivers?": [_WAIVER],
    "engines?": [_ENGINE],
    "meetings?": [_MEETING],
}


def _shape_fault(value: object, shape: object, where: str) -> str | None:
    """Where ``value`` departs from ``shape`` and how (``signoffs[0].name: null, not a
    string``), or None when it fits. Keys the shape does not name are let be."""
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where or 'the file'}: {_kind(value)}, not a list"
        for index, entry in enumerate(value):
            fault = _shape_fault(entry, shape[0], f"{where}[{index}]")
            if fault is not None:
                return fault
        return None
    if isinstance(shape, tuple):
        return None if value is None else _shape_fault(value, shape[1], where)
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where or 'the file'}: {_kind(value)}, not an object"
        for key, child in shape.items():
            name = key.removesuffix("?")
            names = list(value) if name == "*" else [name]
            for each in names:
                if each not in value:
                    if key.endswith("?"):
                        continue
                    return f"{where}.{each}: missing".lstrip(".")
                fault = _shape_fault(value[each], child, f"{where}.{each}".lstrip("."))
                if fault is not None:
                    return fault
        return None
    kinds = str(shape).split("|")
    if value is None and "null" in kinds:
        return None
    if isinstance(value, bool):
        fits = "bool" in kinds
    else:
        fits = ("str" in kinds and isinstance(value, str)) or (
            "int" in kinds and isinstance(value, int)
        )
    return None if fits else f"{where}: {_kind(value)}, not {_TYPE_WORDS[kinds[0]]}"


_TYPE_WORDS = {"str": "a string", "int": "a whole number", "bool": "true or false"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {str: "a string", int: "a number", float: "a number", list: "a list"}.get(
        type(value), "an object"
    )


def load(path: Path) -> Review:
    """Read a review file; raises ReviewFileError when it is missing, damaged or newer."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            # Reading a FIFO would wait forever, and a folder cannot be copied aside.
            raise ReviewFileError(f"{path}: not a regular file", newer=True)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(f"{path}: no such review file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewFileError(f"{path}: cannot read: {error}") from error
    document, fault = parse_json(text)
    if fault is not None:
        where = f"{path}:{fault.line}" if fault.line is not None else str(path)
        raise ReviewFileError(f"{where}: damaged review file: {fault.reason}")
    return from_document(document, str(path))


def save(review: Review, path: Path) -> None:
    """Write the review atomically: a temporary file beside it, fsync, then rename.

    A crash at any point leaves either the previous file or the new one, never a mix.
    Raises :class:`ReviewSaveError` naming the file when it cannot be written, and when
    the file there must be left alone: one a newer reviewtui wrote, or no regular file.
    """
    text = to_text(review)
    _refuse_to_replace(path)
    try:
        _write_atomically(path, text)
        _WRITTEN[str(path)] = _file_stamp(path)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReviewSaveError(f"cannot save the review to {path}: {reason}") from error


# The files this process wrote or found its own, by the time and size they had then: a
# save checks the file it replaces only when someone else changed it since.
_WRITTEN: dict[str, tuple[int, int] | None] = {}


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def _refuse_to_replace(path: Path) -> None:
    """Raise ReviewSaveError when the file at ``path`` must not be replaced: it is no
    regular file, or a newer reviewtui wrote it (whether the session saving opened it
    read-only or not: the file decides, not the caller)."""
    try:
        status = path.stat()
    except OSError:
        return  # nothing there yet, or the write says what is wrong
    if not stat.S_ISREG(status.st_mode):
        raise ReviewSaveError(f"cannot save the review to {path}: not a regular file")
    stamp = (status.st_mtime_ns, status.st_size)
    if _WRITTEN.get(str(path)) == stamp:
        return
    try:
        document, _ = parse_json(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return
    version = document.get("version") if isinstance(document, dict) else None
    if isinstance(version, int) and version > VERSION:
        raise ReviewSaveError(
            f"cannot save the review to {path}: it is version {version}, from a newer "
            "reviewtui; it is left as it is"
        )
    _WRITTEN[str(path)] = stamp


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    _remove_stale_temporaries(path)


STALE_TEMPORARY = 3600
"""Seconds after which a temporary file of a save is known to be left by a killed
reviewtui (a save takes well under a second), not one another reviewtui is writing."""


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files a reviewtui killed in the middle of a save left beside
    the review file, so they do not pile up or get committed."""
    cutoff = time.time() - STALE_TEMPORARY
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if temporary.stat().st_mtime < cutoff:
                temporary.unlink()
        except OSError:
            continue


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
