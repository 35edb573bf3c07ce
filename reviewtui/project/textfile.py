"""Reading a project file as text or JSON, turning every way it can fail into a problem entry."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, NamedTuple

from reviewtui.masking import escape_controls, has_controls
from reviewtui.model import Problem

MAX_BYTES = 2 * 1024 * 1024

_MAX_DIGITS = sys.get_int_max_str_digits() or 4300
_LONG_NUMBER = re.compile(rf"\d{{{_MAX_DIGITS + 1},}}")


def read_text(
    root: Path, rel: str, max_bytes: int = MAX_BYTES
) -> tuple[str | None, Problem | None]:
    """The text of ``root/rel``, or None and a problem saying why it cannot be read.

    Files over ``max_bytes``, files with NUL bytes, files that are not regular files
    (a FIFO would block the read) and paths that hold control or bidi characters (which
    would reach the screen and the reports with the path) are refused; bytes that are
    not UTF-8 are replaced (and reported), so one bad byte does not hide the whole file.
    """
    if has_controls(rel):
        return None, Problem(
            escape_controls(rel), None, "name holds control or bidi characters; not read"
        )
    path = root / rel
    status = None
    if not os.path.isabs(rel):
        plainly, status = _plainly_inside(root, rel)
        if not plainly and not _inside(root, path):
            # A path the user gives (a scanner report) may be anywhere; one written in
            # the project (an include, an env_file) must not lead the reader out of it.
            return None, Problem(rel, None, "link leads out of the project; not read")
    try:
        if status is None:
            status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            return None, Problem(rel, None, "not a regular file; not read")
        size = status.st_size
        if size > max_bytes:
            return None, Problem(
                rel, None, f"file is {size} bytes, over the {max_bytes} byte limit; not read"
            )
        data = _read_bytes(path, size)
    except OSError as error:
        return None, Problem(rel, None, f"cannot read: {error.strerror or error}")
    if b"\0" in data:
        return None, Problem(rel, None, "binary file (NUL bytes); not read")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return data.decode("utf-8", errors="replace"), Problem(
            rel, line, "not valid UTF-8; bad bytes replaced"
        )


def _read_bytes(path: Path, size: int) -> bytes:
    """The bytes of the file at ``path``, whose size was ``size``, to the end even if it
    has grown since: read with plain system calls, since a file object's machinery
    costs more than the read itself for the small files a project holds."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, size + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _inside(root: Path, path: Path) -> bool:
    """True when ``path``, links resolved, is ``root`` or lies below it (a path that does
    not resolve counts as inside: reading it then says what is wrong)."""
    try:
        real = os.path.realpath(path, strict=False)
        top = os.path.realpath(root)
    except (OSError, ValueError):
        return True
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _plainly_inside(root: Path, rel: str) -> tuple[bool, os.stat_result | None]:
    """True when no step of ``rel`` below ``root`` is a link or ``..``: then the path is
    inside whatever ``root`` resolves to, which costs a few lstat calls where resolving
    both paths costs one per step of each (the common case of a scan). With it, the
    status of the file itself when the steps gave it: with no link on the way, the last
    step's lstat is the file's stat."""
    parts = rel.replace(os.sep, "/").split("/")
    if ".." in parts:
        return False, None
    current = str(root)
    status = None
    for part in parts:
        current = os.path.join(current, part)
        try:
            status = os.lstat(current)
        except OSError:
            return True, None  # the read that follows names what is wrong
        if stat.S_ISLNK(status.st_mode):
            return False, None
    return True, status


class JSONError(NamedTuple):
    """Why a text is not JSON: the 1-based line and column when known, and the reason."""

    line: int | None
    column: int | None
    reason: str

    def describe(self, what: str = "invalid JSON") -> str:
        """``invalid JSON at column 4: Expecting value``, with ``what`` in front."""
        where = f" at column {self.column}" if self.column is not None else ""
        return f"{what}{where}: {self.reason}"


def parse_json(text: str) -> tuple[Any, JSONError | None]:
    """The JSON value of ``text``, or None and why it cannot be read.

    Besides syntax errors, this catches what ``json.loads`` raises on hostile input:
    nesting too deep for the decoder, and numbers too long for Python to convert.
    """
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, JSONError(error.lineno, error.colno, error.msg)
    except RecursionError:
        return None, JSONError(None, None, "nested too deeply to read")
    except ValueError:
        # Only a number of more digits than Python converts gets here.
        match = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, match.start()) + 1 if match else None
        return None, JSONError(line, None, f"a number has more than {_MAX_DIGITS} digits")
