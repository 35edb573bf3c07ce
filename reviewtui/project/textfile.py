"""Reading a project file as text, turning every way it can fail into a problem entry."""

from __future__ import annotations

from pathlib import Path

from reviewtui.model import Problem

MAX_BYTES = 2 * 1024 * 1024


def read_text(
    root: Path, rel: str, max_bytes: int = MAX_BYTES
) -> tuple[str | None, Problem | None]:
    """The text of ``root/rel``, or None and a problem saying why it cannot be read.

    Files over ``max_bytes`` and files with NUL bytes are refused; bytes that are not
    UTF-8 are replaced (and reported), so one bad byte does not hide the whole file.
    """
    path = root / rel
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, Problem(
                rel, None, f"file is {size} bytes, over the {max_bytes} byte limit; not read"
            )
        data = path.read_bytes()
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
